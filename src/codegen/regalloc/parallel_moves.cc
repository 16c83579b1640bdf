// codegen/regalloc/parallel_moves.cc: sequencing of parallel moves (see parallel_moves.h).
#include "codegen/regalloc/parallel_moves.h"

namespace kiln::codegen::regalloc {

void sequence_moves(std::span<const Move> moves, PReg free_reg, PReg any_reg,
                    const std::function<uint32_t(int)>& scratch_slot, std::vector<Move>& pending,
                    std::vector<Move>& out) {
  auto is_slot_to_slot = [](const Move& m) {
    return m.from.kind == Allocation::Kind::kStack && m.to.kind == Allocation::Kind::kStack;
  };
  // A register whose move into it is still pending and that no pending move reads: what it
  // holds is dead (a value live across these moves is read by one of them or keeps a register
  // no move writes), so it can carry a slot-to-slot copy until its own move runs.
  auto dead_destination = [&]() -> PReg {
    for (const Move& d : pending) {
      if (d.to.kind != Allocation::Kind::kReg) continue;
      bool read = false;
      for (const Move& m : pending) {
        if (m.from == d.to) {
          read = true;
          break;
        }
      }
      if (!read) return d.to.reg;
    }
    return PReg{};
  };
  // Lowers one move; slot-to-slot goes through the free register, a dead destination register,
  // or `any_reg` whose value is parked in the second scratch slot meanwhile.
  auto emit = [&](const Move& m) {
    if (!is_slot_to_slot(m)) {
      out.push_back(m);
      return;
    }
    PReg via = free_reg.is_valid() ? free_reg : dead_destination();
    if (via.is_valid()) {
      out.push_back({m.from, Allocation::in_reg(via)});
      out.push_back({Allocation::in_reg(via), m.to});
      return;
    }
    Allocation save = Allocation::in_slot(scratch_slot(1));
    Allocation r = Allocation::in_reg(any_reg);
    out.push_back({r, save});
    out.push_back({m.from, r});
    out.push_back({r, m.to});
    out.push_back({save, r});
  };
  // Slot-to-slot moves first, while the registers other moves will overwrite are still free to
  // carry them (each group in its given order; two passes rather than a stable_partition, which
  // allocates a buffer).
  pending.clear();
  for (const Move& m : moves) {
    if (!(m.from == m.to) && is_slot_to_slot(m)) pending.push_back(m);
  }
  for (const Move& m : moves) {
    if (!(m.from == m.to) && !is_slot_to_slot(m)) pending.push_back(m);
  }
  // A move can run once no other pending move still reads its destination. When none can, the
  // rest are cycles: park one destination's value in a temporary and redirect its readers.
  while (!pending.empty()) {
    bool progress = false;
    for (size_t i = 0; i < pending.size();) {
      bool read_later = false;
      for (size_t j = 0; j < pending.size(); ++j) {
        if (j != i && pending[j].from == pending[i].to) {
          read_later = true;
          break;
        }
      }
      if (read_later) {
        ++i;
        continue;
      }
      emit(pending[i]);
      pending.erase(pending.begin() + static_cast<ptrdiff_t>(i));  // in order: slot-to-slot first
      progress = true;
    }
    if (pending.empty() || progress) continue;
    // Prefer parking a register: with a free register that is one plain move.
    size_t pick = 0;
    for (size_t i = 0; i < pending.size(); ++i) {
      if (pending[i].to.kind == Allocation::Kind::kReg) {
        pick = i;
        break;
      }
    }
    Allocation dst = pending[pick].to;
    // The free register can hold the parked value only if no slot-to-slot move still needs it
    // as its go-between.
    bool slot_to_slot = false;
    for (const Move& m : pending) {
      slot_to_slot |= m.from.kind == Allocation::Kind::kStack && m.to.kind == Allocation::Kind::kStack;
    }
    Allocation tmp = free_reg.is_valid() && !slot_to_slot ? Allocation::in_reg(free_reg)
                                                          : Allocation::in_slot(scratch_slot(0));
    emit({dst, tmp});
    for (Move& m : pending) {
      if (m.from == dst) m.from = tmp;
    }
  }
}

}  // namespace kiln::codegen::regalloc
