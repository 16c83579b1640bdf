// codegen/ir/function.h: a Function: name, signature, stack slots, data flow graph and layout.
#pragma once

#include <string>

#include "codegen/ir/dfg.h"
#include "codegen/ir/layout.h"

namespace kiln::codegen::ir {

struct StackSlotData {
  uint32_t size = 0;
  uint32_t align_shift = 0;  // alignment is 1 << align_shift bytes
};

class Function {
 public:
  std::string name;  // printed as %name
  Signature signature;
  PrimaryMap<StackSlot, StackSlotData> stack_slots;
  DataFlowGraph dfg;
  Layout layout;

  // Code inlined from other functions (the translator's inlining): the instructions created
  // while translating a callee's body, numbers [first_inst, end_inst), came from `callee` (an
  // opaque client index: a Wasm function index). Instructions made later by passes (even
  // copies of inlined ones) are outside every range and count as this function's own; the
  // ranges only matter for where traps and calls are attributed in backtraces. Disjoint,
  // in increasing order.
  struct InlineSite {
    uint32_t first_inst = 0;
    uint32_t end_inst = 0;
    uint32_t callee = 0;
  };
  std::vector<InlineSite> inline_sites;

  // Convenience constructors of the tables; each returns the new entity.
  SigRef import_signature(Signature sig) { return dfg.signatures.push(std::move(sig)); }
  FuncRef import_function(ExtFuncData data) { return dfg.ext_funcs.push(std::move(data)); }
  StackSlot create_stack_slot(uint32_t size, uint32_t align_shift) {
    return stack_slots.push({size, align_shift});
  }
  Constant make_constant(const V128Bytes& bytes) { return dfg.constants.push(bytes); }

  // True if the instruction must be kept even if its results are unused: stores, calls,
  // terminators, traps, and loads that may trap.
  bool has_side_effects(Inst i) const;
};

}  // namespace kiln::codegen::ir
