// codegen/translate/fuel_epoch.cc: fuel metering and epoch checks in translated functions (see
// fuel_epoch.h for the scheme and why it bounds how far a guest can run past a limit).
#include "codegen/translate/fuel_epoch.h"

#include "environ/builtins.h"
#include "environ/fuel.h"
#include "environ/vmoffsets.h"

namespace kiln::codegen::translate {

using wasm::Opcode;

uint32_t fuel_cost(Opcode op) { return environ::fuel_cost(op); }

namespace {

using environ::fuel_ends_block;
using environ::fuel_leaves_function;

// Calls that return to this function.
bool returns_here(Opcode op) {
  return op == Opcode::kCall || op == Opcode::kCallIndirect || op == Opcode::kCallRef;
}

ir::MemFlags store_context_flags() {
  ir::MemFlags f = ir::MemFlags::trusted();
  f.set_region(ir::AliasRegion::kVmctx);
  return f;
}

}  // namespace

// The VMStoreContext* and the epoch counter's address are loaded where they are used, without
// the readonly flag, so LICM leaves them in the loop instead of hoisting them into registers
// held across the whole loop (the slow-path call preserves all registers, but a hoisted
// address still takes one from the loop body). The reloads are L1 hits off the vmctx.
ir::Value FuelEpochInstrumentation::store_context() {
  return fe_.load_vm(ir::kI64, fe_.vmctx(), static_cast<int32_t>(environ::VMOffsets::store_context()), false);
}

void FuelEpochInstrumentation::load_fuel() {
  ir::Value v = b_.load(ir::Opcode::kLoad, ir::kI64, store_context_flags(), store_context(),
                        static_cast<int32_t>(environ::VMStoreContextLayout::fuel_consumed()));
  b_.def_var(fuel_var_, v);
}

void FuelEpochInstrumentation::save_fuel() {
  b_.store(ir::Opcode::kStore, store_context_flags(), b_.use_var(fuel_var_), store_context(),
           static_cast<int32_t>(environ::VMStoreContextLayout::fuel_consumed()));
}

void FuelEpochInstrumentation::flush_fuel() {
  if (pending_fuel_ == 0) return;
  ir::Value v = b_.binary(ir::Opcode::kIadd, b_.use_var(fuel_var_),
                          b_.iconst(ir::kI64, static_cast<int64_t>(pending_fuel_)));
  b_.def_var(fuel_var_, v);
  pending_fuel_ = 0;
}

// The slow paths are cold blocks (ir::Layout::set_cold): the backend lays them out after the
// function's hot code, so a passing check falls through to its continuation.
void FuelEpochInstrumentation::check_fuel() {
  ir::Value left = b_.icmp(ir::IntCC::kSlt, b_.use_var(fuel_var_), b_.iconst(ir::kI64, 0));
  ir::Block slow = b_.create_block();
  b_.func().layout.set_cold(slow);
  ir::Block cont = b_.create_block();
  b_.brif(left, cont, {}, slow, {});
  b_.seal_block(slow);
  b_.switch_to_block(slow);
  // out_of_gas refuels the store (fuel_consumed) or traps.
  save_fuel();
  fe_.call_builtin(environ::BuiltinIndex::kOutOfGasPreserveAll, {}, /*cold=*/true);
  load_fuel();
  b_.jump(cont);
  b_.seal_block(cont);
  b_.enter_dominated(cont);  // the check and its slow path both lead here
}

void FuelEpochInstrumentation::function_entry() {
  if (fuel_) {
    fuel_var_ = b_.declare_var(ir::kI64);
    load_fuel();
    check_fuel();
  }
}

void FuelEpochInstrumentation::before_op(Opcode op) {
  if (!fuel_) return;
  pending_fuel_ += fuel_cost(op);
  if (fuel_ends_block(op)) flush_fuel();
  if (fuel_leaves_function(op)) save_fuel();
}

void FuelEpochInstrumentation::after_op(Opcode op) {
  if (!returns_here(op)) return;
  // The callee charged its own fuel in the store.
  if (fuel_) load_fuel();
}

void FuelEpochInstrumentation::function_exit() {
  if (!fuel_) return;
  flush_fuel();
  save_fuel();
}

}  // namespace kiln::codegen::translate
