// codegen/mach/block_order.cc: reverse postorder with cold blocks last and critical edges split.
#include "codegen/mach/block_order.h"

#include <algorithm>

namespace kiln::codegen::mach {

// Reverse postorder alone may interleave a loop's blocks with code after the loop (a block
// the loop exits to is reached by the DFS before the loop's latch): the loop's values then
// live across unrelated code, the allocator splits them there, and every iteration pays for
// the moves on the edges back into the loop. Here every natural loop's blocks follow its
// header contiguously, in reverse postorder among themselves (inner loops nested the same
// way); the other blocks keep their reverse postorder around them.
//
// A retreating edge b -> h (h no later than b in reverse postorder) marks h a loop header;
// its loop is found by walking predecessors back from b, never past h or before it in the
// order (so an irreducible cycle gets no more than its reducible part).
void BlockOrder::loop_order(const ir::Function& f, const ir::ControlFlowGraph& cfg,
                            const ir::DominatorTree& domtree) {
  (void)f;
  const auto& rpo = domtree.rpo();
  const uint32_t m = static_cast<uint32_t>(rpo.size());
  order_.clear();
  // rpo position (0-based) by block index; UINT32_MAX: unreachable.
  pos_.assign(f.dfg.num_blocks(), UINT32_MAX);
  for (uint32_t k = 0; k < m; ++k) pos_[rpo[k].index()] = k;
  // Loop members per header: flat, each header's list sorted by position.
  header_of_.assign(m, UINT32_MAX);  // position -> index of its loop in loops_ (headers only)
  loops_.clear();
  members_.clear();
  bool any = false;
  for (uint32_t k = 0; k < m && !any; ++k) {
    for (ir::Block s : cfg.succs(rpo[k])) any |= pos_[s.index()] != UINT32_MAX && pos_[s.index()] <= k;
  }
  if (!any) {
    order_.assign(rpo.begin(), rpo.end());
    return;
  }
  mark_.assign(m, UINT32_MAX);
  for (uint32_t h = 0; h < m; ++h) {
    const uint32_t first = static_cast<uint32_t>(members_.size());
    work_.clear();
    for (const ir::BlockPredecessor& p : cfg.preds(rpo[h])) {
      const uint32_t b = pos_[p.block.index()];
      if (b != UINT32_MAX && b >= h && mark_[b] != h) {
        mark_[b] = h;
        work_.push_back(b);
      }
    }
    if (work_.empty()) continue;
    mark_[h] = h;  // (a self-loop put h on the work list: it is skipped there)
    members_.push_back(h);
    while (!work_.empty()) {
      const uint32_t b = work_.back();
      work_.pop_back();
      if (b != h) members_.push_back(b);
      if (b == h) continue;
      for (const ir::BlockPredecessor& p : cfg.preds(rpo[b])) {
        const uint32_t q = pos_[p.block.index()];
        if (q != UINT32_MAX && q >= h && mark_[q] != h) {
          mark_[q] = h;
          work_.push_back(q);
        }
      }
    }
    std::sort(members_.begin() + first, members_.end());
    header_of_[h] = static_cast<uint32_t>(loops_.size());
    loops_.push_back({first, static_cast<uint32_t>(members_.size())});
  }
  placed_.assign(m, 0);
  // Lays out `list` (positions, ascending): a block not yet placed goes next, unless it heads
  // a loop other than `self`, whose members are laid out first, recursively.
  std::vector<LoopFrame>& stack = frames_;
  stack.clear();
  all_.resize(m);
  for (uint32_t k = 0; k < m; ++k) all_[k] = k;
  stack.push_back({0, m, 0, UINT32_MAX});
  while (!stack.empty()) {
    LoopFrame& fr = stack.back();
    const std::vector<uint32_t>& list = fr.self == UINT32_MAX ? all_ : members_;
    if (fr.next == fr.end) {
      stack.pop_back();
      continue;
    }
    const uint32_t b = list[fr.next++];
    if (placed_[b]) continue;
    if (header_of_[b] != UINT32_MAX && b != fr.self) {
      const auto [lb, le] = loops_[header_of_[b]];
      stack.push_back({lb, le, lb, b});
      continue;
    }
    placed_[b] = 1;
    order_.push_back(rpo[b]);
  }
}

void BlockOrder::compute(const ir::Function& f, const ir::ControlFlowGraph& cfg,
                         const ir::DominatorTree& domtree) {
  const size_t n = f.dfg.num_blocks();
  blocks_.clear();
  succ_list_.clear();
  pred_list_.clear();
  targets_.clear();
  index_.assign(n, UINT32_MAX);
  target_range_.assign(n, {0, 0});
  // Reverse postorder, loops made contiguous (loop_order), with the cold blocks moved to the
  // end (stable on both sides).
  loop_order(f, cfg, domtree);
  rpo_.clear();
  rpo_.reserve(order_.size());
  const ir::Block entry = f.layout.entry_block();
  for (ir::Block b : order_) {
    if (!f.layout.is_cold(b) || b == entry) rpo_.push_back(b);
  }
  const size_t num_hot = rpo_.size();
  for (ir::Block b : order_) {
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
