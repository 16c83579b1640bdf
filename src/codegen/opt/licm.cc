// codegen/opt/licm.cc: loop-invariant code motion.
//
// Every loop first gets a preheader (loops.h). Loops are then processed innermost first, so
// an instruction hoisted into an inner loop's preheader (which lies in the outer loop) can be
// hoisted again. Within a loop, blocks are walked in reverse postorder and an instruction is
// moved to the end of the preheader (before its jump) when all its operands are defined
// outside the loop (or by instructions already hoisted) and executing it speculatively, once,
// before the loop is safe and gives the same result:
//  - pure instructions that cannot trap (util.h: is_pure, may_trap); a hoisted loop may run
//    zero times, so a trapping instruction would add a trap;
//  - notrap loads in the vmctx region: instance fields are always addressable, whatever
//    guards the loop executes first (a notrap heap or table load may depend on a bounds check
//    inside the loop and is never moved), and they read memory the loop does not change: the
//    load is readonly, or no instruction of the loop stores to the vmctx region (or to an
//    unknown region) or calls.
// Constants are not hoisted on their own (they are free to rematerialize and the lowering
// folds them as immediates), but a constant operand of a hoisted instruction moves with it.
#include "codegen/opt/loops.h"
#include "codegen/opt/passes.h"
#include "codegen/opt/util.h"

namespace kiln::codegen::opt {

using namespace ir;

namespace {

bool is_constant(Opcode op) {
  return op == Opcode::kIconst || op == Opcode::kF32const || op == Opcode::kF64const ||
         op == Opcode::kVconst;
}

class Licm {
 public:
  Licm(Function& f, CfgCache& cache)
      : f_(f), dfg_(f.dfg), cache_(cache), cfg_(cache.cfg), domtree_(cache.domtree) {}

  // Hoisting moves non-terminator instructions only: the CFG after the preheaders stays.
  bool run() {
    // The loops ensure_preheaders found are those of the function unless it added blocks.
    bool changed = cached::ensure_preheaders(f_, cache_, &loops_);
    cache_.ensure(f_);
    if (changed) loops_.compute(f_, cfg_, domtree_);
    for (Loop l : loops_.inner_to_outer()) changed |= hoist_loop(l);
    if (changed) cache_.resolve_operands(f_);
    return changed;
  }

 private:
  // True if v is available before the current loop: defined outside it.
  bool defined_outside(Value v) const {
    v = dfg_.resolve_aliases(v);
    const ValueData& vd = dfg_.value_data(v);
    Block b = vd.kind == ValueKind::kParam ? Block(vd.owner) : f_.layout.inst_block(Inst(vd.owner));
    return !in_loop_.contains(b);
  }

  bool hoist_loop(Loop l) {
    Block pre = find_preheader(f_, cfg_, loops_, l);
    if (!pre) return false;
    // Membership as a set: O(1) per operand instead of a walk up the loop tree.
    in_loop_.clear();
    for (Block b : loops_.blocks(l)) in_loop_.insert(b);
    // Does the loop write the vmctx region (or any region) or call?
    bool vmctx_clobbered = false;
    for (Block b : loops_.blocks(l)) {
      for (Inst i : f_.layout.insts(b)) {
        const InstData& d = dfg_[i];
        if (is_call(d.opcode)) vmctx_clobbered = true;
        if (can_store(d.opcode) && d.opcode != Opcode::kStackStore) {
          AliasRegion r = d.mem_flags().region();
          if (r == AliasRegion::kVmctx || r == AliasRegion::kNone) vmctx_clobbered = true;
        }
      }
    }
    Inst dest = f_.layout.last_inst(pre);
    bool changed = false;
    for (Block b : loops_.blocks(l)) {
      Inst i = f_.layout.first_inst(b);
      while (i) {
        Inst next = f_.layout.next_inst(i);
        if (hoistable(i, vmctx_clobbered)) changed |= try_hoist(i, dest);
        i = next;
      }
    }
    return changed;
  }

  bool hoistable(Inst i, bool vmctx_clobbered) const {
    const InstData& d = dfg_[i];
    if (is_constant(d.opcode) || !dfg_.has_results(i)) return false;
    if (d.opcode == Opcode::kLoad || (can_load(d.opcode) && d.opcode != Opcode::kStackLoad)) {
      MemFlags mf = d.mem_flags();
      return mf.notrap() && mf.region() == AliasRegion::kVmctx &&
             (mf.readonly() || !vmctx_clobbered);
    }
    return is_pure(d.opcode) && !may_trap(f_, i);
  }

  bool try_hoist(Inst i, Inst dest) {
    std::vector<Inst> consts;
    for (Value v : dfg_.fixed_args(i)) {
      if (defined_outside(v)) continue;
      Inst def = dfg_.value_inst(v);
      if (!def || !is_constant(dfg_[def].opcode)) return false;
      consts.push_back(def);
    }
    for (Inst c : consts) {
      if (!in_loop_.contains(f_.layout.inst_block(c))) continue;  // moved for an earlier operand
      f_.layout.remove_inst(c);
      f_.layout.insert_inst_before(c, dest);
    }
    f_.layout.remove_inst(i);
    f_.layout.insert_inst_before(i, dest);
    return true;
  }

  Function& f_;
  DataFlowGraph& dfg_;
  CfgCache& cache_;
  const ControlFlowGraph& cfg_;
  const DominatorTree& domtree_;
  LoopAnalysis loops_;
  EntitySet<Block> in_loop_;
};

}  // namespace

namespace cached {
bool hoist_loop_invariants(Function& f, CfgCache& cache) { return Licm(f, cache).run(); }
}  // namespace cached

bool hoist_loop_invariants(Function& f) {
  CfgCache cache;
  return cached::hoist_loop_invariants(f, cache);
}

}  // namespace kiln::codegen::opt
