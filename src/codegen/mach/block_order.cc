// codegen/mach/block_order.cc: reverse postorder with cold blocks last and critical edges split.
#include "codegen/mach/block_order.h"

namespace kiln::codegen::mach {

void BlockOrder::compute(const ir::Function& f, const ir::ControlFlowGraph& cfg,
                         const ir::DominatorTree& domtree) {
  (void)cfg;
  blocks_.clear();
  index_ = SecondaryMap<ir::Block, uint32_t>(UINT32_MAX);
  succs_ = {};
  // Reverse postorder with the cold blocks moved to the end (stable on both sides).
  std::vector<ir::Block> rpo;
  rpo.reserve(domtree.rpo().size());
  for (ir::Block b : domtree.rpo()) {
    if (!f.layout.is_cold(b) || b == f.layout.entry_block()) rpo.push_back(b);
  }
  const size_t num_hot = rpo.size();
  for (ir::Block b : domtree.rpo()) {
    if (f.layout.is_cold(b) && b != f.layout.entry_block()) rpo.push_back(b);
  }
  // Predecessor edges are counted per branch target occurrence: `brif v, b1, b1` or a
  // br_table naming b1 twice gives b1 two incoming edges, each needing its own moves.
  SecondaryMap<ir::Block, uint32_t> in_edges;
  for (ir::Block b : rpo) {
    ir::Inst term = f.layout.last_inst(b);
    if (!term.is_valid()) continue;
    for (const ir::BlockCall* bc : f.dfg.branch_targets(term)) in_edges[bc->block]++;
  }
  // Indices of IR blocks first (edge blocks interleave, so count them while placing).
  uint32_t next = 0;
  std::vector<std::vector<const ir::BlockCall*>> edges_after(rpo.size());
  for (size_t k = 0; k < rpo.size(); ++k) {
    ir::Block b = rpo[k];
    index_[b] = next++;
    ir::Inst term = f.layout.last_inst(b);
    if (!term.is_valid()) continue;
    auto targets = f.dfg.branch_targets(term);
    if (targets.size() < 2) continue;
    for (const ir::BlockCall* bc : targets) {
      if (in_edges[bc->block] > 1) {
        edges_after[k].push_back(bc);
        next++;
      }
    }
  }
  blocks_.resize(next);
  uint32_t pos = 0;
  for (size_t k = 0; k < rpo.size(); ++k) {
    ir::Block b = rpo[k];
    uint32_t self = pos++;
    blocks_[self].ir_block = b;
    blocks_[self].cold = k >= num_hot;
    ir::Inst term = f.layout.last_inst(b);
    if (!term.is_valid()) continue;
    auto targets = f.dfg.branch_targets(term);
    size_t edge_k = 0;
    std::vector<Succ>& succs = succs_[b];
    for (const ir::BlockCall* bc : targets) {
      if (targets.size() >= 2 && in_edges[bc->block] > 1) {
        uint32_t e = pos++;
        (void)edges_after[k][edge_k++];
        LoweredBlock& eb = blocks_[e];
        eb.edge_from = b;
        eb.edge_call = bc;
        eb.cold = k >= num_hot || f.layout.is_cold(bc->block);
        eb.succs.push_back(index_[bc->block]);
        succs.push_back({e, false});
      } else {
        succs.push_back({index_[bc->block], true});
      }
    }
    // Successor lists without duplicates (a single-target occurrence can't repeat, so only
    // jump-like branches could; those have one target).
    for (const Succ& s : succs) blocks_[self].succs.push_back(s.block);
  }
  for (uint32_t i = 0; i < blocks_.size(); ++i) {
    for (uint32_t s : blocks_[i].succs) blocks_[s].preds.push_back(i);
  }
}

}  // namespace kiln::codegen::mach
