// codegen/opt/branch_fold.cc: branch folding and CFG cleanup.
//
// Each round (repeated while something changes, at most kMaxRounds times):
//  1. brif and br_table whose targets are all the same block with the same arguments become
//     a jump: whichever way the branch goes, the same thing happens.
//  2. Constant block parameters: a parameter (not of the entry block) whose incoming
//     arguments on every edge are the same value v, or the parameter itself, is v: v then
//     dominates the block (it dominates every predecessor reached before the block is), so
//     the parameter is removed from the block and from every branch to it.
//  3. Block merging: a block whose only predecessor ends in a jump to it is appended to that
//     predecessor; its parameters become the jump's arguments.
//  4. Forwarding blocks: a block holding only `jump c(args)` is bypassed: every branch to it
//     goes to c directly with its arguments substituted into args. Values the jump passes
//     dominate the bypassed block, hence each of its predecessors. Skipped when the block's
//     parameters are used elsewhere (they would lose their definition), for the entry block,
//     for self-loops, and when a predecessor already branches to c (one branch instruction
//     then would reach c twice with different arguments).
// Unreachable blocks are left to DCE.
#include <algorithm>
#include <unordered_map>

#include "codegen/opt/passes.h"
#include "codegen/opt/util.h"

namespace kiln::codegen::opt {

using namespace ir;

namespace {

constexpr int kMaxRounds = 4;

// One branch target naming a block: the target, its branch instruction and the next target
// naming the same block (kNone: last).
struct CallRef {
  BlockCall* call;
  Inst inst;
  uint32_t next;
};

// The pass's tables, kept per thread and reused by every run (runs never nest).
struct BranchFoldScratch {
  std::vector<uint32_t> head, tail;
  std::vector<CallRef> refs;
  EntitySet<JumpTable> seen_tables;
  std::vector<Value> args, params, out;
  std::vector<uint64_t> param_bits, used_bits;
  std::vector<Block> roots, walk;
  std::vector<uint8_t> scanned;
};

class BranchFold {
 public:
  BranchFold(Function& f, CfgCache& cache, BranchFoldScratch& s)
      : f_(f), dfg_(f.dfg), cache_(cache), cfg_(cache.cfg), domtree_(cache.domtree),
        head_(s.head), tail_(s.tail), refs_(s.refs), seen_tables_(s.seen_tables), args_(s.args),
        params_(s.params), out_(s.out), param_bits_(s.param_bits), used_bits_(s.used_bits),
        roots_(s.roots), walk_(s.walk), scanned_(s.scanned) {}

  bool run() {
    bool any = false;
    // The steps below compare operands only after resolving them (same_call, the constant
    // parameters, the uses of forwarding blocks' parameters), so they need no resolved layout:
    // the aliases that merging and constant parameters make are left in the operands (and
    // cache_.resolved_at_aliases stale) for the pass after this one, DCE in the pipeline,
    // whose walk resolves every operand it keeps anyway. A full resolution walk here after
    // every changing round would repeat that work.
    // cfg_/domtree_ describe the function when `fresh`; the branch target lists (collect_calls)
    // when `calls_fresh`.
    bool fresh = cache_.valid;
    bool calls_fresh = false;
    for (int round = 0; round < kMaxRounds; ++round) {
      if (!fresh) {
        cfg_.compute(f_);
        domtree_.compute_order(f_, cfg_);
      }
      // Folding keeps the CFG (it only folds branches whose targets are all one block) but
      // drops branch targets, so the lists are collected after it; those of the previous
      // round are still exact if it changed nothing and nothing was bypassed since.
      bool changed = fold_branches();
      if (changed || !calls_fresh) collect_calls();
      changed |= remove_constant_params();  // keeps the CFG and the lists (removes arguments)
      if (merge_blocks()) {
        changed = true;
        cfg_.compute(f_);
        domtree_.compute_order(f_, cfg_);
        collect_calls();
      }
      bool bypassed = bypass_forwarding_blocks();
      fresh = !bypassed;
      calls_fresh = !bypassed;  // a bypass removes jumps that the lists still name
      changed |= bypassed;
      any |= changed;
      if (!changed) break;
    }
    cache_.valid = fresh;
    return any;
  }

 private:
  // Every branch target naming each block (jump table entries once even if shared), from all
  // blocks: branches in unreachable blocks must stay consistent with their targets too. Kept
  // as one singly linked list per block in a flat array (no allocation per block).
  void collect_calls() {
    const size_t n = dfg_.num_blocks();
    head_.assign(n, kNone);
    tail_.assign(n, kNone);
    refs_.clear();
    seen_tables_.clear();
    for (Block b : f_.layout.blocks()) {
      Inst last = f_.layout.last_inst(b);
      if (!last || !is_branch(dfg_[last].opcode)) continue;
      if (dfg_[last].opcode == Opcode::kBrTable && !seen_tables_.insert(dfg_[last].jump_table())) {
        continue;
      }
      for_each_block_call(dfg_, last, [&](BlockCall& bc) {
        const uint32_t r = static_cast<uint32_t>(refs_.size());
        refs_.push_back({&bc, last, kNone});
        const size_t t = bc.block.index();
        if (head_[t] == kNone) {
          head_[t] = r;
        } else {
          refs_[tail_[t]].next = r;
        }
        tail_[t] = r;
      });
    }
  }

  // Calls f(const CallRef&) for each branch target naming b.
  template <typename F>
  void for_each_call(Block b, F&& f) const {
    if (b.index() >= head_.size()) return;
    for (uint32_t r = head_[b.index()]; r != kNone; r = refs_[r].next) f(refs_[r]);
  }

  bool same_call(const BlockCall& a, const BlockCall& b) const {
    if (a.block != b.block) return false;
    auto x = a.args.as_slice(dfg_.pool()), y = b.args.as_slice(dfg_.pool());
    if (x.size() != y.size()) return false;
    for (size_t k = 0; k < x.size(); ++k) {
      if (dfg_.resolve_aliases(x[k]) != dfg_.resolve_aliases(y[k])) return false;
    }
    return true;
  }

  void make_jump(Inst i, BlockCall target) {
    InstData j;
    j.opcode = Opcode::kJump;
    j.dest[0] = target;
    dfg_[i] = j;
  }

  bool fold_branches() {
    bool changed = false;
    for (Block b : domtree_.rpo()) {
      Inst last = f_.layout.last_inst(b);
      InstData& d = dfg_[last];
      if (d.opcode == Opcode::kBrif && same_call(d.dest[0], d.dest[1])) {
        make_jump(last, d.dest[0]);
        changed = true;
      } else if (d.opcode == Opcode::kBrTable) {
        const JumpTableData& jt = dfg_.jump_tables[d.jump_table()];
        bool all = true;
        for (const BlockCall& bc : jt.targets) all = all && same_call(bc, jt.default_target);
        if (all) {
          BlockCall t = jt.default_target;
          t.args = t.args.deep_clone(dfg_.pool());
          make_jump(last, t);
          changed = true;
        }
      }
    }
    return changed;
  }

  bool remove_constant_params() {
    bool changed = false;
    Block entry = f_.layout.entry_block();
    for (Block b : domtree_.rpo()) {
      if (b == entry) continue;
      const uint32_t first = b.index() < head_.size() ? head_[b.index()] : kNone;
      auto params = dfg_.block_params(b);
      for (size_t k = params.size(); k-- > 0;) {
        Value p = dfg_.block_params(b)[k];
        Value same;
        bool constant = true;
        for (uint32_t r = first; r != kNone; r = refs_[r].next) {
          const BlockCall* bc = refs_[r].call;
          Value a = dfg_.resolve_aliases(bc->args.as_slice(dfg_.pool())[k]);
          if (a == p) continue;
          if (same && a != same) {
            constant = false;
            break;
          }
          same = a;
        }
        if (!constant || !same) continue;
        for_each_call(b, [&](const CallRef& c) { c.call->args.remove(k, dfg_.pool()); });
        dfg_.remove_block_param(p);
        dfg_.change_to_alias(p, same);
        changed = true;
      }
    }
    return changed;
  }

  bool merge_blocks() {
    bool changed = false;
    Block entry = f_.layout.entry_block();
    // Predecessor counts stay valid while merging: when c is merged into b, c's successors
    // trade predecessor c for b, and b (which only jumped to c) had no edge to them.
    // The order is not recomputed while merging (merged blocks are skipped below).
    for (Block b : domtree_.rpo()) {
      if (!f_.layout.is_block_inserted(b)) continue;
      for (;;) {
        Inst last = f_.layout.last_inst(b);
        if (dfg_[last].opcode != Opcode::kJump) break;
        Block c = dfg_[last].dest[0].block;
        if (c == b || c == entry || cfg_.preds(c).size() != 1) break;
        auto jargs = dfg_[last].dest[0].args.as_slice(dfg_.pool());
        args_.assign(jargs.begin(), jargs.end());
        params_.assign(dfg_.block_params(c).begin(), dfg_.block_params(c).end());
        for (size_t k = params_.size(); k-- > 0;) {
          dfg_.remove_block_param(params_[k]);
          dfg_.change_to_alias(params_[k], args_[k]);
        }
        f_.layout.remove_inst(last);
        while (Inst i = f_.layout.first_inst(c)) {
          f_.layout.remove_inst(i);
          f_.layout.append_inst(i, b);
        }
        f_.layout.remove_block(c);
        changed = true;
      }
    }
    return changed;
  }

  bool bypass_forwarding_blocks() {
    Block entry = f_.layout.entry_block();
    // Most functions have no forwarding block with parameters: then nothing below needs the
    // use scan.
    bool candidates = false;
    bool param_candidates = false;
    for (Block b : domtree_.rpo()) {
      if (b == entry) continue;
      Inst jmp = f_.layout.first_inst(b);
      if (jmp != f_.layout.last_inst(b) || dfg_[jmp].opcode != Opcode::kJump) continue;
      candidates = true;
      param_candidates |= !dfg_.block_params(b).empty();
    }
    if (!candidates) return false;
    // Uses of the candidates' parameters outside their own block's final jump: `param_bits`
    // marks the parameters of the candidates (only their uses are recorded), `used_bits`
    // those used elsewhere. Bitsets by value index, sized once for the function.
    const size_t words = (dfg_.num_values() + 63) / 64;
    used_bits_.assign(param_candidates ? words : 0, 0);
    auto bit = [](const std::vector<uint64_t>& bits, Value v) {
      return (bits[v.index() / 64] >> (v.index() % 64)) & 1;
    };
    if (param_candidates) {
      param_bits_.assign(words, 0);
      // A parameter of b is used, in reachable code, only where b dominates. b holds nothing
      // but its jump to c, so b dominates no other block unless it dominates c: otherwise
      // only its own jump uses the parameter. So the scan covers the dominator subtrees of
      // the candidates that dominate their targets (`roots`), and the unreachable blocks
      // (which SSA dominance does not constrain). A reachable predecessor of c other than b
      // that comes before b in reverse postorder shows without the dominator tree that b
      // does not dominate c (b would dominate that predecessor, and a dominator comes first).
      roots_.clear();
      for (Block b : domtree_.rpo()) {
        if (b == entry) continue;
        Inst jmp = f_.layout.first_inst(b);
        if (jmp != f_.layout.last_inst(b) || dfg_[jmp].opcode != Opcode::kJump) continue;
        auto params = dfg_.block_params(b);
        if (params.empty()) continue;
        for (Value p : params) param_bits_[p.index() / 64] |= uint64_t{1} << (p.index() % 64);
        Block c = dfg_[jmp].dest[0].block;
        if (c == b) continue;  // a self-loop is never bypassed
        const uint32_t rb = domtree_.rpo_number(b);
        bool may_dominate = true;
        for (const BlockPredecessor& q : cfg_.preds(c)) {
          const uint32_t rq = domtree_.rpo_number(q.block);
          if (q.block != b && rq != 0 && rq < rb) {
            may_dominate = false;
            break;
          }
        }
        if (!may_dominate) continue;
        if (!domtree_.has_tree()) domtree_.compute_tree(cfg_);
        if (domtree_.dominates(b, c)) roots_.push_back(b);
      }
      auto scan = [&](Block b) {
        Inst last = f_.layout.last_inst(b);
        bool forwarding = f_.layout.first_inst(b) == last && dfg_[last].opcode == Opcode::kJump;
        auto own_params = dfg_.block_params(b);
        for (Inst i : f_.layout.insts(b)) {
          for_each_operand(dfg_, i, [&](Value& v) {
            Value r = dfg_.resolve_aliases(v);
            if (!bit(param_bits_, r)) return;  // not a candidate's parameter
            // A forwarding block's jump may pass its own parameters along (bypassing it
            // substitutes them); any other value it passes is a real use.
            if (forwarding && i == last &&
                std::find(own_params.begin(), own_params.end(), r) != own_params.end()) {
              return;
            }
            used_bits_[r.index() / 64] |= uint64_t{1} << (r.index() % 64);
          });
        }
      };
      for (Block b : f_.layout.blocks()) {
        if (!domtree_.is_reachable(b)) scan(b);
      }
      if (!roots_.empty()) {
        // The subtrees, each block once (a subtree may hold another root's).
        scanned_.assign(dfg_.num_blocks(), 0);
        for (Block root : roots_) {
          walk_.assign(1, root);
          while (!walk_.empty()) {
            Block b = walk_.back();
            walk_.pop_back();
            if (scanned_[b.index()]) continue;
            scanned_[b.index()] = 1;
            scan(b);
            for (Block child : domtree_.children(b)) walk_.push_back(child);
          }
        }
      }
    }
    bool changed = false;
    for (Block b : domtree_.rpo()) {
      if (b == entry || !f_.layout.is_block_inserted(b)) continue;
      Inst jmp = f_.layout.first_inst(b);
      if (jmp != f_.layout.last_inst(b) || dfg_[jmp].opcode != Opcode::kJump) continue;
      Block c = dfg_[jmp].dest[0].block;
      if (c == b) continue;
      auto params = dfg_.block_params(b);
      bool ok = true;
      for (Value p : params) ok = ok && !bit(used_bits_, p);
      for_each_call(b, [&](const CallRef& ref) {
        for_each_block_call(dfg_, ref.inst, [&](BlockCall& bc) { ok = ok && bc.block != c; });
      });
      if (!ok) continue;
      auto jargs = dfg_[jmp].dest[0].args.as_slice(dfg_.pool());
      args_.assign(jargs.begin(), jargs.end());
      params_.assign(params.begin(), params.end());
      for_each_call(b, [&](const CallRef& ref) {
        BlockCall* bc = ref.call;
        auto in = bc->args.as_slice(dfg_.pool());
        out_.clear();
        for (Value a : args_) {
          Value r = dfg_.resolve_aliases(a);
          for (size_t k = 0; k < params_.size(); ++k) {
            if (params_[k] == r) r = in[k];
          }
          out_.push_back(r);
        }
        bc->args.clear(dfg_.pool());
        bc->args = dfg_.make_list(out_);
        bc->block = c;
      });
      // Each redirected branch now reaches c: later bypasses into c must see it (b's list
      // moves to the end of c's).
      const size_t bi = b.index(), ci = c.index();
      if (head_[bi] != kNone) {
        if (head_[ci] == kNone) {
          head_[ci] = head_[bi];
        } else {
          refs_[tail_[ci]].next = head_[bi];
        }
        tail_[ci] = tail_[bi];
        head_[bi] = tail_[bi] = kNone;
      }
      f_.layout.remove_inst(jmp);
      f_.layout.remove_block(b);
      changed = true;
    }
    return changed;
  }

  Function& f_;
  DataFlowGraph& dfg_;
  CfgCache& cache_;
  ControlFlowGraph& cfg_;
  DominatorTree& domtree_;
  static constexpr uint32_t kNone = UINT32_MAX;
  std::vector<uint32_t>& head_;  // by block index: first and last CallRef, or kNone
  std::vector<uint32_t>& tail_;
  std::vector<CallRef>& refs_;
  EntitySet<JumpTable>& seen_tables_;
  std::vector<Value>& args_;  // scratch
  std::vector<Value>& params_;
  std::vector<Value>& out_;
  std::vector<uint64_t>& param_bits_;  // bypass_forwarding_blocks' bitsets by value index
  std::vector<uint64_t>& used_bits_;
  std::vector<Block>& roots_;  // bypass_forwarding_blocks' use scan: where it starts,
  std::vector<Block>& walk_;   // its work list
  std::vector<uint8_t>& scanned_;  // and the blocks it has scanned, by block index
};

}  // namespace

namespace cached {
bool fold_branches(Function& f, CfgCache& cache) {
  thread_local BranchFoldScratch scratch;
  return BranchFold(f, cache, scratch).run();
}
}  // namespace cached

bool fold_branches(Function& f) {
  CfgCache cache;
  bool changed = cached::fold_branches(f, cache);
  cache.resolve_operands(f);  // no pass after this one to leave the aliases to
  return changed;
}

}  // namespace kiln::codegen::opt
