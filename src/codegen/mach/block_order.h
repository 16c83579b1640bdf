// codegen/mach/block_order.h: the lowering order of blocks with critical edges split.
#pragma once

#include <cstdint>
#include <vector>

#include "codegen/ir/flowgraph.h"
#include "codegen/ir/function.h"

namespace kiln::codegen::mach {

// One block of machine code: either an IR block or an edge block on a split critical edge,
// which jumps to `edge_target` passing the branch arguments of `edge_call`.
struct LoweredBlock {
  ir::Block ir_block;        // valid for IR blocks
  ir::Block edge_from;       // valid for edge blocks: the branching block
  const ir::BlockCall* edge_call = nullptr;  // the branch target this edge block stands for
  std::vector<uint32_t> succs;               // lowered block indices, in branch order
  std::vector<uint32_t> preds;
  bool cold = false;  // a cold IR block, or an edge block into or out of one
};

// Blocks in reverse postorder (entry first; unreachable blocks are dropped), each edge block
// placed right after its source so that a fallthrough into it is likely. Cold IR blocks
// (Layout::is_cold) and the edge blocks after them go last, in reverse postorder among
// themselves, so the hot path through a check falls through instead of jumping over its slow
// path (which reverse postorder alone would put between the check and its continuation).
class BlockOrder {
 public:
  void compute(const ir::Function& f, const ir::ControlFlowGraph& cfg,
               const ir::DominatorTree& domtree);
  const std::vector<LoweredBlock>& blocks() const { return blocks_; }
  // Lowered index of an IR block (UINT32_MAX if unreachable).
  uint32_t index_of(ir::Block b) const { return index_[b]; }
  // For an IR block ending in a branch: the lowered block each branch target goes to, in the
  // order of DataFlowGraph::branch_targets (an edge block, or the target itself), and whether
  // the branch passes the target's arguments itself (false when an edge block does).
  struct Succ {
    uint32_t block = 0;
    bool pass_args = true;
  };
  const std::vector<Succ>& succs_of(ir::Block b) const { return succs_[b]; }

 private:
  std::vector<LoweredBlock> blocks_;
  SecondaryMap<ir::Block, uint32_t> index_{UINT32_MAX};
  SecondaryMap<ir::Block, std::vector<Succ>> succs_;
};

}  // namespace kiln::codegen::mach
