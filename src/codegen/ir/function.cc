// codegen/ir/function.cc: Function helpers.
#include "codegen/ir/function.h"

namespace kiln::codegen::ir {

bool Function::has_side_effects(Inst i) const {
  const InstData& d = dfg[i];
  Opcode op = d.opcode;
  if (is_terminator(op) || is_call(op) || can_store(op) || can_trap(op)) return true;
  if (op == Opcode::kStackLoad) return false;
  if (can_load(op)) return !d.mem_flags().notrap();
  return false;
}

}  // namespace kiln::codegen::ir
