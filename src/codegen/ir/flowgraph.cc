// codegen/ir/flowgraph.cc: CFG and dominator tree construction.
#include "codegen/ir/flowgraph.h"

#include <algorithm>

namespace kiln::codegen::ir {

void ControlFlowGraph::compute(const Function& f) {
  const size_t n = f.dfg.num_blocks();
  // Edges in layout order of their source, each successor once per block; then both
  // directions by counting sort over block indices, which keeps that order within a block.
  edges_.clear();
  succ_start_.assign(n + 1, 0);
  pred_start_.assign(n + 1, 0);
  for (Block b : f.layout.blocks()) {
    Inst last = f.layout.last_inst(b);
    if (!last) continue;
    const size_t first = edges_.size();
    // Duplicates among a jump's or brif's targets are found by a scan of the block's few
    // edges; a br_table's (hundreds of targets in an interpreter loop) by marks, so that the
    // block costs linear rather than quadratic time.
    const InstData& d = f.dfg[last];
    const bool marks = d.format() == InstFormat::kBranchTable;
    if (marks) {
      if (mark_.size() < n) mark_.resize(n, 0);
      if (++mark_gen_ == 0) {  // wrapped: old marks could collide with the new generation
        std::fill(mark_.begin(), mark_.end(), 0);
        mark_gen_ = 1;
      }
    }
    auto add = [&](const BlockCall& bc) {
      Block s = bc.block;
      if (!f.dfg.block_is_valid(s)) return;
      if (marks) {
        if (mark_[s.index()] == mark_gen_) return;
        mark_[s.index()] = mark_gen_;
      } else {
        for (size_t k = first; k < edges_.size(); ++k) {
          if (edges_[k].to == s) return;
        }
      }
      edges_.push_back({b, s, last});
      ++succ_start_[b.index() + 1];
      ++pred_start_[s.index() + 1];
    };
    switch (d.format()) {
      case InstFormat::kJump: add(d.dest[0]); break;
      case InstFormat::kBrif: add(d.dest[0]); add(d.dest[1]); break;
      case InstFormat::kBranchTable:
        if (f.dfg.jump_tables.is_valid(d.jump_table())) {
          const JumpTableData& jt = f.dfg.jump_tables[d.jump_table()];
          add(jt.default_target);
          for (const BlockCall& bc : jt.targets) add(bc);
        }
        break;
      default: break;
    }
  }
  for (size_t k = 0; k < n; ++k) {
    succ_start_[k + 1] += succ_start_[k];
    pred_start_[k + 1] += pred_start_[k];
  }
  succs_.resize(edges_.size());
  preds_.resize(edges_.size());
  // Fill cursors: the starts shifted by one slot, restored by the fill itself.
  for (const Edge& e : edges_) {
    succs_[succ_start_[e.from.index()]++] = e.to;
    preds_[pred_start_[e.to.index()]++] = {e.from, e.inst};
  }
  for (size_t k = n; k > 0; --k) {
    succ_start_[k] = succ_start_[k - 1];
    pred_start_[k] = pred_start_[k - 1];
  }
  succ_start_[0] = 0;
  pred_start_[0] = 0;
}

void DominatorTree::compute_order(const Function& f, const ControlFlowGraph& cfg) {
  const size_t n = f.dfg.num_blocks();
  rpo_.clear();
  rpo_num_.assign(n, 0);
  has_tree_ = false;
  Block entry = f.layout.entry_block();
  if (!entry) return;

  // Iterative DFS for the postorder (collected in rpo_, then reversed). rpo_num_ marks
  // blocks seen with UINT32_MAX until they are numbered.
  constexpr uint32_t kSeen = UINT32_MAX;
  stack_.clear();
  stack_.push_back({entry, 0});
  rpo_num_[entry.index()] = kSeen;
  while (!stack_.empty()) {
    Block b = stack_.back().first;
    auto succs = cfg.succs(b);
    uint32_t& k = stack_.back().second;
    if (k < succs.size()) {
      Block s = succs[k++];
      if (rpo_num_[s.index()] == 0) {
        rpo_num_[s.index()] = kSeen;
        stack_.push_back({s, 0});
      }
    } else {
      rpo_.push_back(b);
      stack_.pop_back();
    }
  }
  std::reverse(rpo_.begin(), rpo_.end());
  for (size_t i = 0; i < rpo_.size(); ++i) rpo_num_[rpo_[i].index()] = static_cast<uint32_t>(i + 1);
}

void DominatorTree::compute_tree(const ControlFlowGraph& cfg) {
  const size_t n = rpo_num_.size();
  idom_.assign(n, Block());
  pre_.assign(n, 0);
  post_.assign(n, 0);
  has_tree_ = true;
  child_start_.assign(n + 1, 0);
  children_.clear();
  if (rpo_.empty()) return;
  Block entry = rpo_[0];

  auto num = [&](Block b) { return rpo_num_[b.index()]; };
  auto intersect = [&](Block a, Block b) {
    while (a != b) {
      while (num(a) > num(b)) a = idom_[a.index()];
      while (num(b) > num(a)) b = idom_[b.index()];
    }
    return a;
  };
  // The entry is its own idom during the iteration, and reset afterwards.
  idom_[entry.index()] = entry;
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t i = 1; i < rpo_.size(); ++i) {
      Block b = rpo_[i];
      Block new_idom;
      for (const BlockPredecessor& p : cfg.preds(b)) {
        if (!is_reachable(p.block) || !idom_[p.block.index()]) continue;
        new_idom = new_idom ? intersect(p.block, new_idom) : p.block;
      }
      if (new_idom != idom_[b.index()]) {
        idom_[b.index()] = new_idom;
        changed = true;
      }
    }
  }
  idom_[entry.index()] = Block();

  // Children of each block in reverse postorder (counting sort), then the tree numbered in
  // DFS order so that dominance is interval containment.
  for (size_t i = 1; i < rpo_.size(); ++i) ++child_start_[idom_[rpo_[i].index()].index() + 1];
  for (size_t k = 0; k < n; ++k) child_start_[k + 1] += child_start_[k];
  children_.resize(rpo_.size());
  for (size_t i = 1; i < rpo_.size(); ++i) {
    children_[child_start_[idom_[rpo_[i].index()].index()]++] = rpo_[i];
  }
  for (size_t k = n; k > 0; --k) child_start_[k] = child_start_[k - 1];
  child_start_[0] = 0;

  uint32_t counter = 0;
  stack_.clear();
  stack_.push_back({entry, 0});
  pre_[entry.index()] = ++counter;
  while (!stack_.empty()) {
    Block b = stack_.back().first;
    uint32_t& k = stack_.back().second;
    const uint32_t first = child_start_[b.index()], count = child_start_[b.index() + 1] - first;
    if (k < count) {
      Block c = children_[first + k++];
      pre_[c.index()] = ++counter;
      stack_.push_back({c, 0});
    } else {
      post_[b.index()] = ++counter;
      stack_.pop_back();
    }
  }
}

bool DominatorTree::dominates(Block a, Block b) const {
  assert(has_tree_);
  if (!is_reachable(a) || !is_reachable(b)) return false;
  return pre_[a.index()] <= pre_[b.index()] && post_[b.index()] <= post_[a.index()];
}

}  // namespace kiln::codegen::ir
