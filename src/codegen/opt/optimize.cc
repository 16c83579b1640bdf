// codegen/opt/optimize.cc: the -O2 pass pipeline.
//
// Order and why:
//  1. DCE and branch folding first, so the analyses below only see reachable, merged blocks.
//  2. Rounds of simplify (folding, rules) -> GVN (rules expose equal expressions) -> load
//     elimination (GVN unifies addresses) -> branch folding (folded conditions give jumps,
//     which merge blocks) -> DCE, until a round changes nothing or kMaxRounds is reached. Each
//     pass is linear or near-linear in the function's size (hash tables, dominator tree and
//     RPO walks), so a bounded number of rounds keeps the whole pipeline near-linear.
//  3. LICM once the loops are clean, then one more round to clean up after it (hoisted
//     instructions may now meet equal ones outside the loop; empty preheaders fold away).
#include "codegen/opt/passes.h"

namespace kiln::codegen::opt {

namespace {

constexpr uint32_t kMaxRounds = 3;

bool round(ir::Function& f) {
  bool changed = simplify(f);
  changed |= global_value_numbering(f);
  changed |= eliminate_redundant_loads(f);
  changed |= fold_branches(f);
  changed |= eliminate_dead_code(f);
  return changed;
}

}  // namespace

void optimize(ir::Function& f, OptimizeStats* stats) {
  OptimizeStats local;
  OptimizeStats& st = stats ? *stats : local;
  st = OptimizeStats{};
  eliminate_dead_code(f);
  fold_branches(f);
  for (uint32_t r = 0; r < kMaxRounds; ++r) {
    ++st.rounds;
    if (!round(f)) break;
  }
  if (hoist_loop_invariants(f)) {
    ++st.rounds;
    round(f);
  }
}

}  // namespace kiln::codegen::opt
