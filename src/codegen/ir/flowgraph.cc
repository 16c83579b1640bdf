// codegen/ir/flowgraph.cc: CFG and dominator tree construction.
#include "codegen/ir/flowgraph.h"

#include <algorithm>

namespace kiln::codegen::ir {

void ControlFlowGraph::compute(const Function& f) {
  preds_.clear();
  succs_.clear();
  for (Block b : f.layout.blocks()) {
    Inst last = f.layout.last_inst(b);
    if (!last) continue;
    for (const BlockCall* bc : f.dfg.branch_targets(last)) {
      Block s = bc->block;
      if (!f.dfg.block_is_valid(s)) continue;
      auto& out = succs_[b];
      if (std::find(out.begin(), out.end(), s) != out.end()) continue;
      out.push_back(s);
      preds_[s].push_back({b, last});
    }
  }
}

void DominatorTree::compute(const Function& f, const ControlFlowGraph& cfg) {
  rpo_.clear();
  rpo_num_.clear();
  idom_.clear();
  pre_.clear();
  post_.clear();
  Block entry = f.layout.entry_block();
  if (!entry) return;

  // Iterative DFS for the postorder.
  std::vector<Block> post;
  EntitySet<Block> seen;
  std::vector<std::pair<Block, size_t>> stack{{entry, 0}};
  seen.insert(entry);
  while (!stack.empty()) {
    auto& [b, k] = stack.back();
    auto succs = cfg.succs(b);
    if (k < succs.size()) {
      Block s = succs[k++];
      if (seen.insert(s)) stack.push_back({s, 0});
    } else {
      post.push_back(b);
      stack.pop_back();
    }
  }
  rpo_.assign(post.rbegin(), post.rend());
  for (size_t i = 0; i < rpo_.size(); ++i) rpo_num_[rpo_[i]] = static_cast<uint32_t>(i + 1);

  auto intersect = [&](Block a, Block b) {
    while (a != b) {
      while (rpo_num_[a] > rpo_num_[b]) a = idom_[a];
      while (rpo_num_[b] > rpo_num_[a]) b = idom_[b];
    }
    return a;
  };
  // The entry is its own idom during the iteration, and reset afterwards.
  idom_[entry] = entry;
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t i = 1; i < rpo_.size(); ++i) {
      Block b = rpo_[i];
      Block new_idom;
      for (const BlockPredecessor& p : cfg.preds(b)) {
        if (!is_reachable(p.block) || !idom_[p.block]) continue;
        new_idom = new_idom ? intersect(p.block, new_idom) : p.block;
      }
      if (new_idom != idom_[b]) {
        idom_[b] = new_idom;
        changed = true;
      }
    }
  }
  idom_[entry] = Block();

  // Number the tree in DFS order so dominance is interval containment.
  SecondaryMap<Block, std::vector<Block>> children;
  for (size_t i = 1; i < rpo_.size(); ++i) children[idom_[rpo_[i]]].push_back(rpo_[i]);
  uint32_t counter = 0;
  std::vector<std::pair<Block, size_t>> st{{entry, 0}};
  pre_[entry] = ++counter;
  while (!st.empty()) {
    auto& [b, k] = st.back();
    const auto& ch = children[b];
    if (k < ch.size()) {
      Block c = ch[k++];
      pre_[c] = ++counter;
      st.push_back({c, 0});
    } else {
      post_[b] = ++counter;
      st.pop_back();
    }
  }
}

bool DominatorTree::dominates(Block a, Block b) const {
  if (!is_reachable(a) || !is_reachable(b)) return false;
  return pre_[a] <= pre_[b] && post_[b] <= post_[a];
}

}  // namespace kiln::codegen::ir
