// codegen/opt/passes.h: mid-end passes over IR functions. Each takes a verified function and
// leaves it verified, and returns true if it changed anything.
#pragma once

#include <cstdint>

#include "codegen/ir/function.h"

namespace kiln::codegen::opt {

// Constant folding (with the interpreter's semantics; an operation that would trap is left
// alone), branches and conditional traps on constants, and the algebraic rules of rules.cc:
// identities, canonical forms and strength reduction.
bool simplify(ir::Function& f);

// Removes blocks unreachable from the entry and instructions without side effects whose
// results are unused.
bool eliminate_dead_code(ir::Function& f);

// Global value numbering of pure instructions over the dominator tree (gvn.cc).
bool global_value_numbering(ir::Function& f);

// Gives loops preheaders and hoists loop-invariant pure instructions and vmctx loads out of
// them (licm.cc).
bool hoist_loop_invariants(ir::Function& f);

// Redundant load elimination and store-to-load forwarding by alias region (load_elim.cc).
bool eliminate_redundant_loads(ir::Function& f);

// Branch folding, constant block parameter removal, block merging and forwarding-block
// removal (branch_fold.cc).
bool fold_branches(ir::Function& f);

// What optimize() did: how many rounds of the main loop ran.
struct OptimizeStats {
  uint32_t rounds = 0;
};

// The -O2 mid-end pipeline (optimize.cc): cleanup, then rounds of simplify, GVN, load
// elimination and branch folding to a fixed point (bounded), LICM once loops are clean, a
// final round, and DCE.
void optimize(ir::Function& f, OptimizeStats* stats = nullptr);

}  // namespace kiln::codegen::opt
