// codegen/translate/fuel_epoch.h: the execution-limit instrumentation of translated functions:
// fuel metering (Tunables::consume_fuel) and epoch interruption (Tunables::epoch_interruption),
// in the design of Wasmtime's func_environ.rs. Nothing is emitted when both are off.
//
// Fuel. VMStoreContext::fuel_consumed counts up towards zero; a function keeps it in an SSA
// variable, loaded at entry and stored back before every call, return and trap-free exit, and
// reloaded after calls. Each Wasm operator has a cost (fuel_cost: 0 for nop, drop, block, loop,
// else, end, unreachable and return, 1 for everything else). Costs are summed at compile time
// and added to the variable in one `iadd` at every operator that ends a basic block (branches,
// if/else/end, loop entry, calls, return, unreachable), so each straight-line run is charged
// once, exactly. The variable is checked (>= 0: call out_of_gas, which refuels or traps
// OutOfFuel) at function entry here, and at the head of every loop the optimizer leaves by
// the compile pipeline (opt/limit_checks.h: the variable is then a loop header parameter
// stepped by constants): every cycle of the control flow graph passes a checked loop header or
// a function entry, so a guest runs at most one straight-line run of code past its budget.
//
// Epochs. Nothing is emitted here: the compile pipeline places every epoch check, at function
// entry and at the loop headers the optimizer leaves, after the mid-end (opt/limit_checks.h).
//
// The fuel check's slow path is a cold block (ir::Layout::set_cold), laid out after the hot code
// so that a passing check falls through; it calls the preserve-all out_of_gas builtin
// (OutOfGasPreserveAll: an assembly stub that saves every register), with
// ir::CallConv::kPreserveAll, so values live across the function entry stay in caller-saved
// registers.
#pragma once

#include <cstdint>

#include "codegen/ir/builder.h"
#include "codegen/translate/func_environ.h"
#include "codegen/translate/translate.h"
#include "wasm/opcode.h"

namespace kiln::codegen::translate {

// The fuel an operator costs (environ/fuel.h: Wasmtime's costing, shared with the baseline).
uint32_t fuel_cost(wasm::Opcode op);

class FuelEpochInstrumentation {
 public:
  FuelEpochInstrumentation(const environ::Tunables& tunables, ir::FunctionBuilder& b,
                           FuncEnvironment& fe)
      : fuel_(tunables.consume_fuel), b_(b), fe_(fe) {}

  bool enabled() const { return fuel_; }

  // In the entry block, after the vmctx is known: loads the fuel variable and checks it.
  void function_entry();
  // Before translating reachable operator `op`: charges its cost and, at the end of a basic
  // block, flushes the pending cost into the fuel variable (and stores it before calls and
  // returns).
  void before_op(wasm::Opcode op);
  // After translating reachable operator `op`: reloads the variables after calls.
  void after_op(wasm::Opcode op);
  // Translation went unreachable (code after a branch, a trap): nothing is pending.
  void became_unreachable() { pending_fuel_ = 0; }
  // Before the function's final return (falling off the end of the body).
  void function_exit();

 private:
  ir::Value store_context();
  void flush_fuel();
  void save_fuel();
  void load_fuel();
  void check_fuel();

  const bool fuel_;
  ir::FunctionBuilder& b_;
  FuncEnvironment& fe_;
  ir::Variable fuel_var_;
  uint64_t pending_fuel_ = 0;
};

}  // namespace kiln::codegen::translate
