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
// moves are lowered through a register, before the register moves: `free_reg` (may be invalid)
// is a register of `cls` that holds nothing live and is no source or destination; else a
// destination register no move reads (its value is dead) carries the copy before its own move
// runs; else `any_reg`, some register of `cls`, is saved and restored around the copy.
// `scratch_slot(k)` returns emergency slot k (0: cycle temporary, 1: register save) of `cls`.
// `pending` is scratch storage (kept by the caller so repeated calls do not allocate); the
// sequence is appended to `out`.
void sequence_moves(std::span<const Move> moves, PReg free_reg, PReg any_reg,
                    const std::function<uint32_t(int)>& scratch_slot, std::vector<Move>& pending,
                    std::vector<Move>& out);

}  // namespace kiln::codegen::regalloc
