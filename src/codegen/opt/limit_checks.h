// codegen/opt/limit_checks.h: epoch and fuel checks at the loop headers of the final CFG.
//
// Epoch interruption and fuel metering (translate/fuel_epoch.h) need a check on every cycle of
// the control flow graph and at function entry. The translator charges fuel, exactly, per basic
// block and checks fuel at function entry; these passes, run after the mid-end (and at -O0
// too), check the epoch at function entry and both limits at the head of every loop that is
// left: the target of every retreating edge of a depth-first search from the
// entry. Every cycle contains a retreating edge, reducible or not, so no cycle escapes a check,
// except cycles closed from a cold block: cold blocks are only the translator's slow paths,
// which are bounded (the lazy funcref-table path jumps back to reload the entry the builtin
// just wrote, or traps: at most two rounds), and no pass moves a Wasm loop's back edge into one.
// Placing the checks after optimisation means the loop passes see loops without them: a fill
// loop that became a bulk fill has no header left to check (the bulk operation is bounded, like
// memory.fill; its fuel is charged in full, the check after it sees it), a vectorised loop
// checks once per vector iteration, and LICM, GVN and load elimination treat loop bodies as if
// the limits were off. The fuel variable is an ordinary loop-carried value to them: a header
// parameter stepped by a constant.
//
// One consequence, documented at runtime/store.h's EpochDeadlineCallback: an epoch-deadline
// callback runs between iterations of code the optimizer compiled as if no call were there, so
// a callback must not rely on writing the guest's memory or globals mid-loop (it may read
// them, trap, or extend the deadline, which is its purpose). Refuelling from out_of_gas only
// changes the store's fuel, which the check reloads.
//
// An epoch check: the epoch counter (through its address, loaded once in the entry block) is
// compared with the deadline the store mirrors into the vmctx; when it has been reached, a cold
// block calls the preserve-all new_epoch builtin (which traps or moves the deadline) and
// returns to the loop body.
//
// A fuel check: the header's fuel parameter (the value that flows from the translator's loads
// of VMStoreContext::fuel_consumed through constant additions and block parameters) is tested;
// when it is >= 0 a cold block stores it, calls the preserve-all out_of_gas builtin (refuel or
// trap) and reloads it, and the loop body continues with the merged value.
#pragma once

#include <cstdint>

#include "codegen/ir/function.h"
#include "support/error.h"

namespace kiln::codegen::opt {

// Where the epoch check finds its inputs, all relative to the function's vmctx parameter.
struct EpochChecks {
  int32_t counter_address = 0;  // vmctx offset of the epoch counter's address (a u64*)
  int32_t deadline = 0;         // vmctx offset of the store's deadline (u64)
  int32_t builtins = 0;         // vmctx offset of the builtin function table's address
  int32_t new_epoch_slot = 0;   // byte offset of the preserve-all new_epoch in that table
};

// Inserts the checks, at the function entry and at the loop headers; returns the number of
// loop headers checked. Nothing without a vmctx parameter.
uint32_t place_epoch_checks(ir::Function& f, const EpochChecks& where);

// Where the fuel check finds the store's fuel counter and the out_of_gas builtin.
struct FuelChecks {
  int32_t store_context = 0;  // vmctx offset of the VMStoreContext's address
  int32_t fuel = 0;           // offset of fuel_consumed (i64) in the VMStoreContext
  int32_t builtins = 0;       // vmctx offset of the builtin function table's address
  int32_t out_of_gas_slot = 0;  // byte offset of the preserve-all out_of_gas in that table
};

// Inserts the checks; returns the number of loop headers checked. Fails if a loop header has
// no fuel parameter (the translator always gives one: every back edge is a branch, which
// costs fuel), rather than leaving a loop unmetered.
Expected<uint32_t> place_fuel_checks(ir::Function& f, const FuelChecks& where);

}  // namespace kiln::codegen::opt
