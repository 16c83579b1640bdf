// codegen/opt/tail_dup.cc: tail duplication of small return blocks.
//
// A block R that computes a few pure, non-trapping values and returns (a function's shared
// exit: `v = iadd a, b; return v`) and is reached over several edges is copied into all but
// one of them, with its parameters replaced by that edge's arguments:
//  - a `jump R(args)` is replaced by the copy itself (its predecessor now returns);
//  - a brif edge to R goes to a new block holding the copy (placed after the branch's block),
//    since the other edge of the brif still needs the branch.
// The copies then fold with what each path knows (simplify: `iadd k, 0` on an early exit is
// `k`), and each path returns directly instead of joining first; the last edge keeps R, whose
// parameters then have a single incoming value each and are removed by branch folding.
//
// Validity: every value R uses that R does not define dominates R, hence every predecessor of
// R (a path to the predecessor followed by the edge is a path to R), so it also dominates the
// copy at the end of that predecessor or in the new block. The copied instructions are pure
// and cannot trap, so running them on a path that reached R anyway changes nothing else.
//
// Bounds: R has at most kMaxInsts instructions besides the return; at most kMaxCopies copies
// of one block and kMaxGrowth copied instructions per run. br_table edges and a brif with both
// edges to R are left alone (branch folding makes the latter a jump when the arguments agree).
#include <algorithm>
#include <utility>
#include <vector>

#include "codegen/opt/passes.h"
#include "codegen/opt/util.h"

namespace kiln::codegen::opt {

using namespace ir;

namespace {

constexpr uint32_t kMaxInsts = 4;     // instructions of a duplicated block besides the return
constexpr uint32_t kMaxCopies = 8;    // copies made of one block
constexpr uint32_t kMaxGrowth = 128;  // instructions added by one run, returns included

struct TailDupScratch {
  std::vector<Block> candidates;
  std::vector<std::pair<Inst, uint32_t>> edges;  // branch instruction, dest index (0/1)
  std::vector<std::pair<Value, Value>> map;      // value of R -> value in the copy
};

class TailDup {
 public:
  TailDup(Function& f, CfgCache& cache, TailDupScratch& s)
      : f_(f), dfg_(f.dfg), cache_(cache), s_(s) {}

  bool run() {
    cache_.ensure_order(f_);
    cache_.resolve_operands(f_);
    const ControlFlowGraph& cfg = cache_.cfg;
    const DominatorTree& dt = cache_.domtree;
    const Block entry = f_.layout.entry_block();
    s_.candidates.clear();
    for (Block b : dt.rpo()) {
      if (b != entry && cfg.preds(b).size() >= 2 && small_return_block(b)) {
        s_.candidates.push_back(b);
      }
    }
    bool changed = false;
    uint32_t growth = 0;
    for (Block r : s_.candidates) {
      const uint32_t size = block_size(r);
      // The edges to duplicate into: jumps and single brif edges from reachable blocks.
      s_.edges.clear();
      for (const BlockPredecessor& p : cfg.preds(r)) {
        // Unreachable blocks do not count; cold ones (slow paths) are not worth the code.
        if (!dt.is_reachable(p.block) || f_.layout.is_cold(p.block)) continue;
        const InstData& d = dfg_[p.inst];
        if (d.opcode == Opcode::kJump) {
          s_.edges.push_back({p.inst, 0});
        } else if (d.opcode == Opcode::kBrif && (d.dest[0].block == r) != (d.dest[1].block == r)) {
          s_.edges.push_back({p.inst, d.dest[0].block == r ? 0u : 1u});
        }
      }
      // Every eligible edge, but one if all are: R stays for the rest.
      size_t n = s_.edges.size();
      if (n == cfg.preds(r).size()) --n;  // every edge is eligible: the last keeps R
      n = std::min<size_t>(n, kMaxCopies);
      for (size_t k = 0; k < n && growth + size <= kMaxGrowth; ++k) {
        duplicate_into(r, s_.edges[k].first, s_.edges[k].second);
        growth += size;
        changed = true;
      }
    }
    if (changed) cache_.valid = false;  // blocks and edges changed
    return changed;
  }

 private:
  // Instructions of b, its return included.
  uint32_t block_size(Block b) const {
    uint32_t n = 0;
    for (Inst i = f_.layout.first_inst(b); i; i = f_.layout.next_inst(i)) ++n;
    return n;
  }

  bool small_return_block(Block b) const {
    Inst last = f_.layout.last_inst(b);
    if (!last || dfg_[last].opcode != Opcode::kReturn) return false;
    uint32_t n = 0;
    for (Inst i = f_.layout.first_inst(b); i != last; i = f_.layout.next_inst(i)) {
      if (++n > kMaxInsts) return false;
      if (!is_pure(dfg_[i].opcode) || may_trap(f_, i)) return false;
    }
    return true;
  }

  Value mapped(Value v) const {
    for (const auto& [from, to] : s_.map) {
      if (from == v) return to;
    }
    return v;
  }

  // Copies r's instructions into the edge `dest` of branch `br` (see the top of the file).
  void duplicate_into(Block r, Inst br, uint32_t dest) {
    InstData& bd = dfg_[br];
    s_.map.clear();
    auto params = dfg_.block_params(r);
    auto args = bd.dest[dest].args.as_slice(dfg_.pool());
    for (size_t k = 0; k < params.size(); ++k) s_.map.push_back({params[k], args[k]});
    // Where the copy goes: before the jump (removed after), or into a new block.
    Block into;
    Inst before;
    if (bd.opcode == Opcode::kJump) {
      before = br;
    } else {
      into = dfg_.make_block();
      f_.layout.insert_block_after(into, f_.layout.inst_block(br));
    }
    for (Inst i = f_.layout.first_inst(r); i; i = f_.layout.next_inst(i)) {
      InstData d = dfg_[i];
      if (!d.vargs.is_empty()) d.vargs = d.vargs.deep_clone(dfg_.pool());
      Inst c = dfg_.make_inst(d);
      for_each_operand(dfg_, c, [&](Value& v) { v = mapped(dfg_.resolve_aliases(v)); });
      dfg_.make_inst_results(c);
      auto old_results = dfg_.inst_results(i);
      auto new_results = dfg_.inst_results(c);
      for (size_t k = 0; k < old_results.size(); ++k) {
        s_.map.push_back({old_results[k], new_results[k]});
      }
      if (before) {
        f_.layout.insert_inst_before(c, before);
      } else {
        f_.layout.append_inst(c, into);
      }
    }
    if (before) {
      f_.layout.remove_inst(br);
    } else {
      // bd may have moved if the instruction table grew: index it again.
      BlockCall& bc = dfg_[br].dest[dest];
      bc.args.clear(dfg_.pool());
      bc.block = into;
    }
  }

  Function& f_;
  DataFlowGraph& dfg_;
  CfgCache& cache_;
  TailDupScratch& s_;
};

}  // namespace

namespace cached {
bool duplicate_return_tails(Function& f, CfgCache& cache) {
  thread_local TailDupScratch scratch;
  return TailDup(f, cache, scratch).run();
}
}  // namespace cached

bool duplicate_return_tails(Function& f) {
  CfgCache cache;
  return cached::duplicate_return_tails(f, cache);
}

}  // namespace kiln::codegen::opt
