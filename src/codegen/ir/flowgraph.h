// codegen/ir/flowgraph.h: control-flow graph (predecessors and successors of each block) and
// the dominator tree with reverse postorder, computed from a Function's layout and branches.
#pragma once

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
  // last instruction branches). Each successor is listed once per block.
  void compute(const Function& f);
  std::span<const BlockPredecessor> preds(Block b) const { return preds_[b]; }
  std::span<const Block> succs(Block b) const { return succs_[b]; }

 private:
  SecondaryMap<Block, std::vector<BlockPredecessor>> preds_;
  SecondaryMap<Block, std::vector<Block>> succs_;
};

// Dominators by Cooper, Harvey and Kennedy, "A Simple, Fast Dominance Algorithm" (2001):
// iterate idom(b) = intersection of processed predecessors' idoms in reverse postorder.
// dominates() is O(1) from DFS intervals of the tree.
class DominatorTree {
 public:
  void compute(const Function& f, const ControlFlowGraph& cfg);
  bool is_reachable(Block b) const { return rpo_num_[b] != 0; }
  // Immediate dominator; invalid for the entry block and unreachable blocks.
  Block idom(Block b) const { return idom_[b]; }
  // Reflexive: a block dominates itself. False if either block is unreachable.
  bool dominates(Block a, Block b) const;
  // Reachable blocks, entry first.
  const std::vector<Block>& rpo() const { return rpo_; }
  // Position of b in rpo() (1-based), 0 if unreachable.
  uint32_t rpo_number(Block b) const { return rpo_num_[b]; }

 private:
  std::vector<Block> rpo_;
  SecondaryMap<Block, uint32_t> rpo_num_;
  SecondaryMap<Block, Block> idom_;
  SecondaryMap<Block, uint32_t> pre_, post_;  // tree DFS entry/exit numbers
};

}  // namespace kiln::codegen::ir
