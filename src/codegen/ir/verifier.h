// codegen/ir/verifier.h: checks that a Function is well formed (the invariants are listed at
// the top of verifier.cc). Every pass's output must verify.
#pragma once

#include "codegen/ir/function.h"
#include "support/error.h"

namespace kiln::codegen::ir {

// Returns the first violated invariant, naming the instruction or block.
[[nodiscard]] Expected<void> verify_function(const Function& f);

}  // namespace kiln::codegen::ir
