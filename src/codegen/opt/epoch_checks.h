// codegen/opt/epoch_checks.h: epoch checks at the loop headers of the final CFG.
//
// Epoch interruption (translate/fuel_epoch.h) needs a check on every cycle of the control flow
// graph. The translator checks at function entry; this pass, run after the mid-end (and at
// -O0 too), checks at the head of every loop that is left: the target of every retreating edge
// of a depth-first search from the entry. Every cycle contains a retreating edge, reducible or
// not, so no cycle escapes a check. Placing the checks after optimisation means the loop passes
// see loops without them: a fill loop that became a bulk fill has no header left to check (the
// bulk operation is bounded, like memory.fill), a vectorised loop checks once per vector
// iteration, and LICM, GVN and load elimination treat loop bodies as if epochs were off.
//
// One consequence, documented at runtime/store.h's EpochDeadlineCallback: an epoch-deadline callback runs between
// iterations of code the optimizer compiled as if no call were there, so a callback must not
// rely on writing the guest's memory or globals mid-loop (it may read them, trap, or extend
// the deadline, which is its purpose).
//
// A check: the epoch counter (through its address, loaded once in the entry block) is compared
// with the deadline the store mirrors into the vmctx; when it has been reached, a cold block
// calls the preserve-all new_epoch builtin (which traps or moves the deadline) and returns to
// the loop body.
#pragma once

#include <cstdint>

#include "codegen/ir/function.h"

namespace kiln::codegen::opt {

// Where the check finds its inputs, all relative to the function's vmctx parameter.
struct EpochChecks {
  int32_t counter_address = 0;  // vmctx offset of the epoch counter's address (a u64*)
  int32_t deadline = 0;         // vmctx offset of the store's deadline (u64)
  int32_t builtins = 0;         // vmctx offset of the builtin function table's address
  int32_t new_epoch_slot = 0;   // byte offset of the preserve-all new_epoch in that table
};

// Inserts the checks; returns the number of loop headers checked.
uint32_t place_epoch_checks(ir::Function& f, const EpochChecks& where);

}  // namespace kiln::codegen::opt
