// codegen/opt/passes.h: mid-end passes over IR functions. Each takes a verified function and
// leaves it verified, and returns true if it changed anything.
#pragma once

#include <cstdint>

#include "codegen/ir/flowgraph.h"
#include "codegen/ir/function.h"

namespace kiln::codegen::opt {

// The CFG and dominator tree of a function, shared by the passes of one pipeline run instead
// of being recomputed by each: a pass uses it (computing it if stale) and marks it stale when
// it changes the control flow (adds or removes blocks or edges). Passes that only remove,
// rewrite or move non-terminator instructions keep it valid.
struct CfgCache {
  ir::ControlFlowGraph cfg;
  // Its order (rpo, reachability) is valid whenever `valid`; its tree only once ensure()
  // computed it for the current order (domtree.has_tree()).
  ir::DominatorTree domtree;
  bool valid = false;
  // Rewrites every operand in the layout to a resolved value (no alias), unless that was
  // last done when dfg.aliases_made() had its current value: operands are only ever written
  // with resolved values, so only a new alias can make one stale. A pass that makes aliases
  // calls it before it returns, or leaves resolved_at_aliases stale for the pass after it
  // (branch folding leaves its aliases to DCE, which resolves every operand it keeps); a pass
  // that relies on resolved operands calls it or checks resolved_at_aliases.
  void resolve_operands(ir::Function& f);
  uint64_t resolved_at_aliases = UINT64_MAX;  // aliases_made() at the last resolution

  // The CFG, the reverse postorder and the dominator tree.
  void ensure(const ir::Function& f) {
    ensure_order(f);
    if (!domtree.has_tree()) domtree.compute_tree(cfg);
  }
  // The CFG and the reverse postorder (reachability) only: passes that need no dominance
  // leave the tree to be computed by the next pass that does (often after the CFG changed
  // again, so it never is).
  void ensure_order(const ir::Function& f) {
    if (valid) return;
    cfg.compute(f);
    domtree.compute_order(f, cfg);
    valid = true;
  }
};

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
// A load at the top of a join block whose address, translated to each incoming edge, was
// already loaded on all edges but at most one becomes a block parameter; the one edge
// without gets a copy of the load (load_pre.cc).
bool eliminate_partially_redundant_loads(ir::Function& f);

// Branch folding, constant block parameter removal, block merging and forwarding-block
// removal (branch_fold.cc).
bool fold_branches(ir::Function& f);

// Copies small pure return blocks reached over several edges into their jump and brif
// predecessors (tail_dup.cc), so each path's copy folds with what that path knows.
bool duplicate_return_tails(ir::Function& f);

// Jump threading: a branch passing integer constants to a block whose terminator (or, down a
// short chain, a successor's) they decide goes to a copy of the block that jumps to the
// decided target, with bounded duplication and SSA repair; keeps the CFG reducible
// (jump_thread.cc).
bool thread_jumps(ir::Function& f);

// The 64x64->128-bit multiply written with 32-bit halves (compiler-rt's __multi3): its low
// word becomes one i64 imul and its high word the high half of an i128 multiply (wide_mul.cc).
bool recognize_wide_multiplies(ir::Function& f);

// Vectorises counted single-block loops over linear memory with 128-bit vectors behind a
// runtime guard, keeping the scalar loop for the remainder and as the fallback (vectorize.cc).
bool vectorize_loops(ir::Function& f);

// Interleaves independent dependency chains of large blocks (pure instructions only, by
// critical-path height, bounded register pressure), where a model of the core predicts a gain
// and of the registers no many more reloads: schedule.cc. With only_if_profitable false (tests)
// every block of 5 or more instructions takes its schedule, legal but not necessarily faster.
bool schedule_for_ilp(ir::Function& f, bool only_if_profitable = true);

// The same passes over a CfgCache shared with the passes before and after them (the
// optimize() pipeline). Separate names, so that the plain passes stay unambiguous function
// pointers.
namespace cached {
bool simplify(ir::Function& f, CfgCache& cache);
bool eliminate_dead_code(ir::Function& f, CfgCache& cache);
bool global_value_numbering(ir::Function& f, CfgCache& cache);
bool hoist_loop_invariants(ir::Function& f, CfgCache& cache);
bool eliminate_redundant_loads(ir::Function& f, CfgCache& cache);
bool fold_branches(ir::Function& f, CfgCache& cache);
bool vectorize_loops(ir::Function& f, CfgCache& cache);
bool duplicate_return_tails(ir::Function& f, CfgCache& cache);
bool thread_jumps(ir::Function& f, CfgCache& cache);
bool recognize_wide_multiplies(ir::Function& f, CfgCache& cache);
bool eliminate_partially_redundant_loads(ir::Function& f, CfgCache& cache);
bool schedule_for_ilp(ir::Function& f, CfgCache& cache);
}  // namespace cached

// What optimize() did: how many rounds of the main loop ran, and (when `timed`) the time
// spent in each pass, in nanoseconds (compile-speed measurements; wall-clock, see
// optimize.cc).
struct OptimizeStats {
  uint32_t rounds = 0;
  bool timed = false;
  enum Pass {
    kSimplify, kGvn, kLoadElim, kBranchFold, kDce, kLicm, kVectorize, kLoopIdiom, kTailDup,
    kJumpThread, kWideMul, kLoadPre, kSchedule, kNumPasses
  };
  uint64_t pass_ns[kNumPasses] = {};
  uint32_t pass_changed[kNumPasses] = {};  // how many runs of each pass changed something
  uint32_t pass_runs[kNumPasses] = {};     // how many times each pass ran
  static const char* pass_name(int p);
};

// The -O2 mid-end pipeline (optimize.cc): cleanup, then rounds of simplify, GVN, load
// elimination and branch folding to a fixed point (bounded), LICM once loops are clean, a
// final round, and DCE.
// `memory` describes the producer's memories for loop idiom recognition (loop_idiom.h); without
// it that pass does not run.
class BulkMemory;
void optimize(ir::Function& f, OptimizeStats* stats = nullptr, const BulkMemory* memory = nullptr);

}  // namespace kiln::codegen::opt
