// codegen/ir/flowgraph.h: control-flow graph (predecessors and successors of each block) and
// the dominator tree with reverse postorder, computed from a Function's layout and branches.
#pragma once

#include <cassert>
#include <span>
#include <vector>

#include "codegen/ir/function.h"

namespace kiln::codegen::ir {

struct BlockPredecessor {
  Block block;  // the predecessor
  Inst inst;    // its branch to the successor
};

class ControlFlowGraph {
 public:
  // Successors come from each block's last instruction (the verifier checks that only the
  // last instruction branches). Each successor is listed once per block. Predecessors are in
  // layout order of the predecessor blocks. The storage is flat (one array of each, indexed
  // by per-block offsets) and kept across compute() calls, so recomputing allocates nothing
  // once it has reached the function's size.
  void compute(const Function& f);
  std::span<const BlockPredecessor> preds(Block b) const {
    if (b.index() + 1 >= pred_start_.size()) return {};
    return {preds_.data() + pred_start_[b.index()], preds_.data() + pred_start_[b.index() + 1]};
  }
  std::span<const Block> succs(Block b) const {
    if (b.index() + 1 >= succ_start_.size()) return {};
    return {succs_.data() + succ_start_[b.index()], succs_.data() + succ_start_[b.index() + 1]};
  }

 private:
  // Block b's successors are succs_[succ_start_[b] .. succ_start_[b+1]), likewise preds.
  std::vector<uint32_t> succ_start_, pred_start_;
  std::vector<Block> succs_;
  std::vector<BlockPredecessor> preds_;
  // Scratch: every edge in layout order of its source block.
  struct Edge {
    Block from, to;
    Inst inst;
  };
  std::vector<Edge> edges_;
  // Scratch for br_table successors: mark_[s] == mark_gen_ once s is an edge of the block.
  std::vector<uint32_t> mark_;
  uint32_t mark_gen_ = 0;
};

// Dominators by Cooper, Harvey and Kennedy, "A Simple, Fast Dominance Algorithm" (2001):
// iterate idom(b) = intersection of processed predecessors' idoms in reverse postorder.
// dominates() is O(1) from DFS intervals of the tree.
//
// Two steps, so that users that only need the order skip the tree: compute_order() gives
// the reverse postorder and reachability (rpo, rpo_number, is_reachable); compute_tree()
// then the immediate dominators and dominance (idom, dominates). compute() does both. The
// storage is kept across calls.
class DominatorTree {
 public:
  void compute(const Function& f, const ControlFlowGraph& cfg) {
    compute_order(f, cfg);
    compute_tree(cfg);
  }
  void compute_order(const Function& f, const ControlFlowGraph& cfg);
  // Requires compute_order() with the same CFG first.
  void compute_tree(const ControlFlowGraph& cfg);
  bool has_tree() const { return has_tree_; }

  bool is_reachable(Block b) const { return rpo_number(b) != 0; }
  // Immediate dominator; invalid for the entry block and unreachable blocks.
  Block idom(Block b) const {
    assert(has_tree_);
    return b.index() < idom_.size() ? idom_[b.index()] : Block();
  }
  // Reflexive: a block dominates itself. False if either block is unreachable.
  bool dominates(Block a, Block b) const;
  // The children of b in the dominator tree, in reverse postorder.
  std::span<const Block> children(Block b) const {
    assert(has_tree_);
    if (b.index() + 1 >= child_start_.size()) return {};
    return {children_.data() + child_start_[b.index()],
            children_.data() + child_start_[b.index() + 1]};
  }
  // Reachable blocks, entry first.
  const std::vector<Block>& rpo() const { return rpo_; }
  // Position of b in rpo() (1-based), 0 if unreachable.
  uint32_t rpo_number(Block b) const {
    return b.index() < rpo_num_.size() ? rpo_num_[b.index()] : 0;
  }

 private:
  std::vector<Block> rpo_;
  std::vector<uint32_t> rpo_num_;  // by block index
  std::vector<Block> idom_;              // by block index
  std::vector<uint32_t> pre_, post_;     // tree DFS entry/exit numbers, by block index
  bool has_tree_ = false;
  // children(b) = children_[child_start_[b] .. child_start_[b+1]).
  std::vector<uint32_t> child_start_;
  std::vector<Block> children_;
  std::vector<std::pair<Block, uint32_t>> stack_;  // scratch
};

}  // namespace kiln::codegen::ir
