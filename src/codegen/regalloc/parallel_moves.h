// codegen/regalloc/parallel_moves.h: turns a set of simultaneous moves (edge moves for block
// params and live-through values, split moves at one boundary) into a sequence of plain moves,
// breaking cycles with a free register or an emergency spill slot.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "codegen/regalloc/regalloc.h"

namespace kiln::codegen::regalloc {

struct Move {
  Allocation from;
  Allocation to;
};

// Sequences `moves` (all of class `cls`, destinations pairwise distinct) so that every
// destination ends up with the value its source held before any of them ran. Slot-to-slot
// moves are lowered through a register. `free_reg` (may be invalid) is a register of `cls`
// that holds nothing live and is no source or destination; `any_reg` is some register of `cls`,
// saved and restored around a slot-to-slot copy when there is no free register.
// `scratch_slot(k)` returns emergency slot k (0: cycle temporary, 1: register save) of `cls`.
// `pending` is scratch storage (kept by the caller so repeated calls do not allocate); the
// sequence is appended to `out`.
void sequence_moves(std::span<const Move> moves, PReg free_reg, PReg any_reg,
                    const std::function<uint32_t(int)>& scratch_slot, std::vector<Move>& pending,
                    std::vector<Move>& out);

}  // namespace kiln::codegen::regalloc
