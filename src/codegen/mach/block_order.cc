// codegen/mach/block_order.cc: reverse postorder with cold blocks last and critical edges split.
#include "codegen/mach/block_order.h"

namespace kiln::codegen::mach {

void BlockOrder::compute(const ir::Function& f, const ir::ControlFlowGraph& cfg,
                         const ir::DominatorTree& domtree) {
  (void)cfg;
  const size_t n = f.dfg.num_blocks();
  blocks_.clear();
  succ_list_.clear();
  pred_list_.clear();
  targets_.clear();
  index_.assign(n, UINT32_MAX);
  target_range_.assign(n, {0, 0});
  // Reverse postorder with the cold blocks moved to the end (stable on both sides).
  rpo_.clear();
  rpo_.reserve(domtree.rpo().size());
  const ir::Block entry = f.layout.entry_block();
  for (ir::Block b : domtree.rpo()) {
    if (!f.layout.is_cold(b) || b == entry) rpo_.push_back(b);
  }
  const size_t num_hot = rpo_.size();
  for (ir::Block b : domtree.rpo()) {
    if (f.layout.is_cold(b) && b != entry) rpo_.push_back(b);
  }
  // Predecessor edges are counted per branch target occurrence: `brif v, b1, b1` or a
  // br_table naming b1 twice gives b1 two incoming edges, each needing its own moves.
  // Each block's branch targets (DataFlowGraph::branch_targets order) are collected once into
  // calls_: block rpo_[k]'s are calls_[call_start_[k] .. call_start_[k + 1]).
  in_edges_.assign(n, 0);
  calls_.clear();
  call_start_.resize(rpo_.size() + 1);
  for (size_t k = 0; k < rpo_.size(); ++k) {
    call_start_[k] = static_cast<uint32_t>(calls_.size());
    ir::Inst term = f.layout.last_inst(rpo_[k]);
    if (!term.is_valid()) continue;
    const ir::InstData& d = f.dfg[term];
    switch (d.format()) {
      case ir::InstFormat::kJump: calls_.push_back(&d.dest[0]); break;
      case ir::InstFormat::kBrif: calls_.push_back(&d.dest[0]); calls_.push_back(&d.dest[1]); break;
      case ir::InstFormat::kBranchTable:
        if (f.dfg.jump_tables.is_valid(d.jump_table())) {
          const ir::JumpTableData& jt = f.dfg.jump_tables[d.jump_table()];
          calls_.push_back(&jt.default_target);
          for (const ir::BlockCall& bc : jt.targets) calls_.push_back(&bc);
        }
        break;
      default: break;
    }
    for (size_t c = call_start_[k]; c < calls_.size(); ++c) in_edges_[calls_[c]->block.index()]++;
  }
  call_start_[rpo_.size()] = static_cast<uint32_t>(calls_.size());
  auto targets_of = [&](size_t k) {
    return std::span<const ir::BlockCall* const>(calls_.data() + call_start_[k],
                                                 calls_.data() + call_start_[k + 1]);
  };
  // Indices of IR blocks first (edge blocks interleave, so count them while placing).
  uint32_t next = 0;
  for (size_t k = 0; k < rpo_.size(); ++k) {
    index_[rpo_[k].index()] = next++;
    auto targets = targets_of(k);
    if (targets.size() < 2) continue;
    for (const ir::BlockCall* bc : targets) next += in_edges_[bc->block.index()] > 1;
  }
  blocks_.resize(next);
  uint32_t pos = 0;
  for (size_t k = 0; k < rpo_.size(); ++k) {
    ir::Block b = rpo_[k];
    const uint32_t self = pos++;
    LoweredBlock& sb = blocks_[self];
    sb.ir_block = b;
    sb.cold = k >= num_hot;
    sb.succ_begin = sb.succ_end = static_cast<uint32_t>(succ_list_.size());
    auto targets = targets_of(k);
    const uint32_t tbegin = static_cast<uint32_t>(targets_.size());
    edge_blocks_.clear();
    for (const ir::BlockCall* bc : targets) {
      if (targets.size() >= 2 && in_edges_[bc->block.index()] > 1) {
        const uint32_t e = pos++;
        LoweredBlock& eb = blocks_[e];
        eb.edge_from = b;
        eb.edge_call = bc;
        eb.cold = k >= num_hot || f.layout.is_cold(bc->block);
        edge_blocks_.push_back(e);
        targets_.push_back({e, false});
      } else {
        targets_.push_back({index_[bc->block.index()], true});
      }
    }
    target_range_[b.index()] = {tbegin, static_cast<uint32_t>(targets_.size())};
    // The block's successors: every target occurrence (only jump-like branches, which have
    // one target, could repeat one), then each edge block's single successor.
    for (uint32_t t = tbegin; t < targets_.size(); ++t) succ_list_.push_back(targets_[t].block);
    blocks_[self].succ_end = static_cast<uint32_t>(succ_list_.size());
    for (uint32_t e : edge_blocks_) {
      LoweredBlock& eb = blocks_[e];
      eb.succ_begin = static_cast<uint32_t>(succ_list_.size());
      succ_list_.push_back(index_[eb.edge_call->block.index()]);
      eb.succ_end = eb.succ_begin + 1;
    }
  }
  // Predecessors by counting sort over the edges in ascending source order.
  for (LoweredBlock& lb : blocks_) lb.pred_begin = lb.pred_end = 0;
  for (uint32_t s : succ_list_) blocks_[s].pred_end++;
  uint32_t start = 0;
  for (LoweredBlock& lb : blocks_) {
    lb.pred_begin = start;
    start += lb.pred_end;
    lb.pred_end = lb.pred_begin;  // the fill cursor
  }
  pred_list_.resize(succ_list_.size());
  for (uint32_t i = 0; i < blocks_.size(); ++i) {
    for (uint32_t s : succs(i)) pred_list_[blocks_[s].pred_end++] = i;
  }
}

}  // namespace kiln::codegen::mach
