// environ/fuel.h: Wasmtime's fuel costing, the one definition both compilers charge by (the
// optimizing translator, codegen/translate/fuel_epoch.cc, and the baseline compiler), so that
// a guest uses exactly the same fuel at every optimization level.
//
// Each operator costs fuel_cost(op); costs are summed over a straight-line run and charged at
// the operator that ends it (fuel_ends_block). Where control leaves the function or may
// re-enter the store through a call (fuel_leaves_function), the fuel counter is written back
// to the store first.
#pragma once

#include <cstdint>

#include "wasm/opcode.h"

namespace kiln::environ {

// The fuel an operator costs: 0 for operators with no machine code of their own or that only
// end a scope (nop, drop, block, loop, unreachable, return, else, end), 1 for everything else.
inline uint32_t fuel_cost(wasm::Opcode op) {
  using wasm::Opcode;
  switch (op) {
    case Opcode::kNop:
    case Opcode::kDrop:
    case Opcode::kBlock:
    case Opcode::kLoop:
    case Opcode::kUnreachable:
    case Opcode::kReturn:
    case Opcode::kElse:
    case Opcode::kEnd:
      return 0;
    default:
      return 1;
  }
}

// Operators after which control leaves the function (or may re-enter the store through a
// call): the counter must be in the store.
inline bool fuel_leaves_function(wasm::Opcode op) {
  using wasm::Opcode;
  switch (op) {
    case Opcode::kUnreachable:
    case Opcode::kReturn:
    case Opcode::kCall:
    case Opcode::kCallIndirect:
    case Opcode::kCallRef:
    case Opcode::kReturnCall:
    case Opcode::kReturnCallIndirect:
    case Opcode::kReturnCallRef:
      return true;
    default:
      return false;
  }
}

// Operators that end a basic block: the pending cost is charged before control moves on.
inline bool fuel_ends_block(wasm::Opcode op) {
  using wasm::Opcode;
  switch (op) {
    case Opcode::kLoop:  // the code before the loop is counted once, not per iteration
    case Opcode::kIf:
    case Opcode::kElse:
    case Opcode::kEnd:
    case Opcode::kBr:
    case Opcode::kBrIf:
    case Opcode::kBrTable:
    case Opcode::kBrOnNull:
    case Opcode::kBrOnNonNull:
    case Opcode::kBrOnCast:
    case Opcode::kBrOnCastFail:
      return true;
    default:
      return fuel_leaves_function(op);
  }
}

}  // namespace kiln::environ
