// codegen/opt/optimize.cc: the -O2 pass pipeline.
//
// Order and why:
//  1. DCE and branch folding first, so the analyses below only see reachable, merged blocks.
//  1b. Tail duplication of small return blocks (tail_dup.cc) on the merged blocks, so the
//     rounds below fold each copy with what its path knows.
//  1c. Wide multiplies (wide_mul.cc) on the translator's shapes, before the rules reshape
//     them; the rounds below remove the `+ 0`s and the dead 32-bit pieces it leaves.
//  2. A round of simplify (folding, rules) -> GVN (rules expose equal expressions) -> load
//     elimination (GVN unifies addresses) -> branch folding (folded conditions give jumps,
//     which merge blocks) -> DCE (kMaxRounds: see there). Each pass is linear or near-linear
//     in the function's size (hash tables, dominator tree and RPO walks), so a bounded number
//     of rounds keeps the whole pipeline near-linear.
//  2b. Jump threading of loops (jump_thread.cc) once the rounds have folded constants into
//     branch arguments (state machines: a constant state on each back edge, dispatched at the
//     loop header), then branch folding and DCE for the forwarding blocks, single-valued
//     parameters and unreachable blocks it leaves (not a whole round: the copies are small
//     and already simplified, and a round over the large functions it touches cost ~2% of
//     compile time); before LICM and the loop passes, so they see the threaded loops (it
//     keeps the CFG reducible, so they stay natural loops).
//  3. LICM once the loops are clean, then one more round to clean up after it (hoisted
//     instructions may now meet equal ones outside the loop; empty preheaders fold away).
//  4. Loop idiom recognition (bulk fills and copies) on the same clean loops, before
//     vectorisation (a loop that is a memset/memmove is best run as one), then a round to fold
//     its guard; the scalar loop it keeps as the fallback may still be vectorised.
//  5. Loop vectorisation last, on clean loops whose invariants (heap base, row pointers) are
//     already hoisted into preheaders, where its guard uses them; a round after it folds the
//     guard's constants and shares its address arithmetic (GVN).
// A pass whose last run changed nothing is not run again until another pass has changed the
// function (Pipeline::run): late in a round, most passes find nothing new.
#include <time.h>

#include <algorithm>
#include <iterator>

#include "codegen/opt/loop_idiom.h"
#include "codegen/opt/passes.h"

namespace kiln::codegen::opt {

namespace {

// One round. Since the translator numbers values while it builds (ir::FunctionBuilder's
// value numbering), most of what a second round found is never made: a second round left
// sqlite3's code size unchanged and moved regex, pulldown-cmark and rust-json by 32-64
// bytes, with executed instructions within 0.1% on every sightglass program measured
// (callgrind), for 6% of the whole -O2 compile time. (A third round had earlier been dropped
// for changing ~0.005% of the code for ~15% of the mid-end's time.) The passes after the
// round (jump threading, LICM, loop idioms, vectorisation) still clean up after themselves.
constexpr uint32_t kMaxRounds = 1;

// Per-pass times are wall-clock (CLOCK_MONOTONIC, read in the vDSO, ~50 ns): the thread CPU
// clock is a system call (~1 us here), and a dozen pass runs per function would add ~10% to
// the mid-end time that the caller measures around optimize() with that clock.
uint64_t pass_clock_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

class Pipeline {
 public:
  Pipeline(ir::Function& f, OptimizeStats& st, CfgCache& cache) : f_(f), st_(st), cache_(cache) {
    std::fill(std::begin(clean_at_), std::end(clean_at_), kNever);
    // The cache's storage may come from the thread's previous function; its contents do not.
    cache_.valid = false;
    cache_.resolved_at_aliases = UINT64_MAX;
  }

  // Runs a pass, unless it is known to change nothing: its last run changed nothing and no
  // pass has changed the function since. Passes are deterministic functions of the IR, so
  // the skipped run would have found the same function and again changed nothing; skipping
  // it cannot change the result.
  template <typename Pass>
  bool run(OptimizeStats::Pass which, Pass pass) {
    if (clean_at_[which] == changes_) return false;
    bool changed;
    if (!st_.timed) {
      changed = pass(f_, cache_);
    } else {
      uint64_t t0 = pass_clock_ns();
      changed = pass(f_, cache_);
      st_.pass_ns[which] += pass_clock_ns() - t0;
      st_.pass_changed[which] += changed;
      st_.pass_runs[which]++;
    }
    if (changed) {
      ++changes_;
    } else {
      clean_at_[which] = changes_;
    }
    return changed;
  }

  bool round() {
    bool changed = run(OptimizeStats::kSimplify, pass(cached::simplify));
    changed |= run(OptimizeStats::kGvn, pass(cached::global_value_numbering));
    changed |= run(OptimizeStats::kLoadElim, pass(cached::eliminate_redundant_loads));
    changed |= run(OptimizeStats::kBranchFold, pass(cached::fold_branches));
    changed |= run(OptimizeStats::kDce, pass(cached::eliminate_dead_code));
    return changed;
  }

  using PassFn = bool (*)(ir::Function&, CfgCache&);
  static PassFn pass(PassFn p) { return p; }

 private:
  static constexpr uint64_t kNever = UINT64_MAX;

  ir::Function& f_;
  OptimizeStats& st_;
  CfgCache& cache_;  // shared by every pass of the run
  // How many pass runs have changed the function so far, and for each pass the value of
  // that count after its last run if that run changed nothing (kNever otherwise).
  uint64_t changes_ = 0;
  uint64_t clean_at_[OptimizeStats::kNumPasses];
};

}  // namespace

const char* OptimizeStats::pass_name(int p) {
  static const char* const kNames[kNumPasses] = {"simplify", "gvn",  "load_elim", "branch_fold",
                                                 "dce",      "licm", "vectorize", "loop_idiom",
                                                 "tail_dup", "jump_thread", "wide_mul", "load_pre", "schedule"};
  return p >= 0 && p < kNumPasses ? kNames[p] : "?";
}

void optimize(ir::Function& f, OptimizeStats* stats, const BulkMemory* memory) {
  OptimizeStats local;
  OptimizeStats& st = stats ? *stats : local;
  bool timed = st.timed;
  st = OptimizeStats{};
  st.timed = timed;
  // One cache per thread: its CFG and dominator tree arrays are reused from function to
  // function instead of being allocated again for each (optimize() never nests).
  thread_local CfgCache cache;
  Pipeline p(f, st, cache);
  p.run(OptimizeStats::kDce, Pipeline::pass(cached::eliminate_dead_code));
  p.run(OptimizeStats::kBranchFold, Pipeline::pass(cached::fold_branches));
  p.run(OptimizeStats::kTailDup, Pipeline::pass(cached::duplicate_return_tails));
  p.run(OptimizeStats::kWideMul, Pipeline::pass(cached::recognize_wide_multiplies));
  for (uint32_t r = 0; r < kMaxRounds; ++r) {
    ++st.rounds;
    if (!p.round()) break;
  }
  if (p.run(OptimizeStats::kLoadPre, Pipeline::pass(cached::eliminate_partially_redundant_loads))) {
    p.run(OptimizeStats::kDce, Pipeline::pass(cached::eliminate_dead_code));
  }
  if (p.run(OptimizeStats::kJumpThread, Pipeline::pass(cached::thread_jumps))) {
    p.run(OptimizeStats::kBranchFold, Pipeline::pass(cached::fold_branches));
    p.run(OptimizeStats::kDce, Pipeline::pass(cached::eliminate_dead_code));
  }
  if (p.run(OptimizeStats::kLicm, Pipeline::pass(cached::hoist_loop_invariants))) {
    ++st.rounds;
    p.round();
  }
  if (memory && p.run(OptimizeStats::kLoopIdiom, [memory](ir::Function& fn, CfgCache& c) {
        return cached::recognize_loop_idioms(fn, c, *memory);
      })) {
    p.round();
  }
  if (p.run(OptimizeStats::kVectorize, Pipeline::pass(cached::vectorize_loops))) p.round();
  p.run(OptimizeStats::kSchedule, Pipeline::pass(cached::schedule_for_ilp));
}

}  // namespace kiln::codegen::opt
