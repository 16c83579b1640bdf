// codegen/mach/block_order.h: the lowering order of blocks with critical edges split.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "codegen/ir/flowgraph.h"
#include "codegen/ir/function.h"

namespace kiln::codegen::mach {

// One block of machine code: either an IR block or an edge block on a split critical edge,
// which jumps to `edge_target` passing the branch arguments of `edge_call`. Its successors and
// predecessors are BlockOrder::succs(k) / preds(k).
struct LoweredBlock {
  ir::Block ir_block;        // valid for IR blocks
  ir::Block edge_from;       // valid for edge blocks: the branching block
  const ir::BlockCall* edge_call = nullptr;  // the branch target this edge block stands for
  bool cold = false;  // a cold IR block, or an edge block into or out of one
  // Ranges in BlockOrder's flat successor and predecessor arrays.
  uint32_t succ_begin = 0, succ_end = 0;
  uint32_t pred_begin = 0, pred_end = 0;
};

// Blocks in reverse postorder (entry first; unreachable blocks are dropped), each edge block
// placed right after its source so that a fallthrough into it is likely. Cold IR blocks
// (Layout::is_cold) and the edge blocks after them go last, in reverse postorder among
// themselves, so the hot path through a check falls through instead of jumping over its slow
// path (which reverse postorder alone would put between the check and its continuation).
//
// All lists live in a few flat arrays whose storage is kept across compute() calls: lowering
// one function after another allocates nothing here once the arrays have grown.
class BlockOrder {
 public:
  void compute(const ir::Function& f, const ir::ControlFlowGraph& cfg,
               const ir::DominatorTree& domtree);
  const std::vector<LoweredBlock>& blocks() const { return blocks_; }
  // Lowered block indices, successors in branch order, predecessors in ascending order (a
  // predecessor appears once per edge).
  std::span<const uint32_t> succs(uint32_t k) const {
    return {succ_list_.data() + blocks_[k].succ_begin, succ_list_.data() + blocks_[k].succ_end};
  }
  std::span<const uint32_t> preds(uint32_t k) const {
    return {pred_list_.data() + blocks_[k].pred_begin, pred_list_.data() + blocks_[k].pred_end};
  }
  // All successor / predecessor lists: LoweredBlock's ranges index these.
  const std::vector<uint32_t>& succ_list() const { return succ_list_; }
  const std::vector<uint32_t>& pred_list() const { return pred_list_; }
  // Lowered index of an IR block (UINT32_MAX if unreachable).
  uint32_t index_of(ir::Block b) const {
    return b.index() < index_.size() ? index_[b.index()] : UINT32_MAX;
  }
  // For an IR block ending in a branch: the lowered block each branch target goes to, in the
  // order of DataFlowGraph::branch_targets (an edge block, or the target itself), and whether
  // the branch passes the target's arguments itself (false when an edge block does).
  struct Succ {
    uint32_t block = 0;
    bool pass_args = true;
  };
  std::span<const Succ> succs_of(ir::Block b) const {
    if (b.index() >= target_range_.size()) return {};
    auto [begin, end] = target_range_[b.index()];
    return {targets_.data() + begin, targets_.data() + end};
  }

 private:
  void loop_order(const ir::Function& f, const ir::ControlFlowGraph& cfg,
                  const ir::DominatorTree& domtree);
  // loop_order's result and scratch (kept across functions).
  std::vector<ir::Block> order_;
  std::vector<uint32_t> pos_, header_of_, members_, mark_, work_, all_;
  std::vector<std::pair<uint32_t, uint32_t>> loops_;
  std::vector<uint8_t> placed_;
  struct LoopFrame {
    uint32_t begin, end, next, self;
  };
  std::vector<LoopFrame> frames_;
  std::vector<LoweredBlock> blocks_;
  std::vector<uint32_t> succ_list_, pred_list_;
  std::vector<uint32_t> index_;                              // by IR block index
  std::vector<Succ> targets_;                                // succs_of, flat
  std::vector<std::pair<uint32_t, uint32_t>> target_range_;  // by IR block index
  // Scratch.
  std::vector<ir::Block> rpo_;
  std::vector<uint32_t> in_edges_;  // by IR block index
  std::vector<uint32_t> edge_blocks_;  // the current block's edge blocks (lowered indices)
  std::vector<const ir::BlockCall*> calls_;  // branch targets of the blocks in rpo_ order
  std::vector<uint32_t> call_start_;
};

}  // namespace kiln::codegen::mach
