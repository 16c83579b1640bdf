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
// Epochs. At function entry the engine's epoch counter (through its address in the vmctx) is
// compared with the store's deadline, which the store mirrors into every instance's vmctx
// (VMOffsets::epoch_deadline) and which is loaded at each check rather than kept in a
// variable: no register and no loop block parameter hold it. The same check at every loop
// header is not made here but placed by the compile pipeline after the mid-end, on the loops
// that are left (opt/limit_checks.h), so that loop optimisations see loops without it. When
// the epoch has reached the deadline the slow path calls new_epoch, which returns at once when
// the host already extended the deadline, else applies the store's policy (trap Interrupt, or
// a callback's new deadline, written back to the store and every vmctx).
//
// Slow paths are cold blocks (ir::Layout::set_cold), laid out after the hot code so that a
// passing check falls through; they reload what they need from the vmctx. They
// call the preserve-all variants of the builtins (OutOfGasPreserveAll, NewEpochPreserveAll:
// assembly stubs that save every register but the result), with ir::CallConv::kPreserveAll,
// so values live across a loop header or function entry stay in caller-saved registers.
#pragma once

#include <cstdint>

#include "codegen/ir/builder.h"
#include "codegen/translate/func_environ.h"
#include "codegen/translate/translate.h"
#include "wasm/opcode.h"

namespace kiln::codegen::translate {

// The fuel an operator costs (Wasmtime's costing).
uint32_t fuel_cost(wasm::Opcode op);

class FuelEpochInstrumentation {
 public:
  FuelEpochInstrumentation(const environ::Tunables& tunables, ir::FunctionBuilder& b,
                           FuncEnvironment& fe)
      : fuel_(tunables.consume_fuel), epoch_(tunables.epoch_interruption), b_(b), fe_(fe) {}

  bool enabled() const { return fuel_ || epoch_; }

  // In the entry block, after the vmctx is known: loads the variables and checks both limits.
  void function_entry();
  // Before translating reachable operator `op`: charges its cost and, at the end of a basic
  // block, flushes the pending cost into the fuel variable (and stores it before calls and
  // returns).
  void before_op(wasm::Opcode op);
  // After translating reachable operator `op`: reloads the variables after calls.
  void after_op(wasm::Opcode op);
  // In a loop header, before its body: checks fuel (epochs: see the top of the file).
  void loop_header();
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
  void check_epoch();

  const bool fuel_;
  const bool epoch_;
  ir::FunctionBuilder& b_;
  FuncEnvironment& fe_;
  ir::Variable fuel_var_;
  uint64_t pending_fuel_ = 0;
};

}  // namespace kiln::codegen::translate
