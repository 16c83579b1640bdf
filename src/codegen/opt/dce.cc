// codegen/opt/dce.cc: dead code and unreachable block elimination.
//
// Blocks are visited in postorder and instructions backwards, so every use is seen before its
// definition (in SSA a definition dominates its uses, and a dominated block finishes earlier
// in a depth-first search); a definition found with no live use is dead. The operands of the
// instructions kept are rewritten to resolved values on the way.
#include "codegen/ir/flowgraph.h"
#include "codegen/opt/passes.h"
#include "codegen/opt/util.h"

namespace kiln::codegen::opt {

using namespace ir;

namespace cached {

bool eliminate_dead_code(Function& f, CfgCache& cache) {
  cache.ensure_order(f);
  const DominatorTree& domtree = cache.domtree;
  DataFlowGraph& dfg = f.dfg;
  bool changed = false;

  // Per-thread storage, reused by every run (runs never nest). The live set is a bitset by
  // value index sized once for the function, so marking a value needs no bounds check.
  thread_local std::vector<Block> dead_blocks;
  thread_local std::vector<uint64_t> live;
  dead_blocks.clear();
  live.assign((dfg.num_values() + 63) / 64, 0);
  auto is_live = [&](Value v) { return (live[v.index() / 64] >> (v.index() % 64)) & 1; };
  auto mark_live = [&](Value v) { live[v.index() / 64] |= uint64_t{1} << (v.index() % 64); };

  for (Block b : f.layout.blocks()) {
    if (!domtree.is_reachable(b)) dead_blocks.push_back(b);
  }
  for (Block b : dead_blocks) {
    while (Inst i = f.layout.first_inst(b)) f.layout.remove_inst(i);
    f.layout.remove_block(b);
    changed = true;
  }
  // Removed blocks may still be listed as predecessors of live ones. The dominator tree
  // (reachable blocks only) is unchanged and the walk below still uses it.
  const bool blocks_removed = !dead_blocks.empty();

  // Operands already resolved (no alias made since the last resolution, CfgCache) are only
  // marked; otherwise each is rewritten to its resolved value on the way.
  const bool resolved = cache.resolved_at_aliases == dfg.aliases_made();
  const std::vector<Block>& rpo = domtree.rpo();
  for (auto it = rpo.rbegin(); it != rpo.rend(); ++it) {
    Inst i = f.layout.last_inst(*it);
    while (i) {
      Inst prev = f.layout.prev_inst(i);
      // Kept if a result is used, or it has an effect or may trap (may_trap knows divisions by
      // safe constants; asked last, as most instructions are kept for their results).
      const Opcode op = dfg[i].opcode;
      bool needed = is_terminator(op) || is_call(op) || can_store(op);
      for (Value r : dfg.inst_results(i)) needed = needed || is_live(r);
      needed = needed || may_trap(f, i);
      if (!needed) {
        f.layout.remove_inst(i);
        changed = true;
      } else if (resolved) {
        for_each_operand(dfg, i, [&](Value& v) { mark_live(v); });
      } else {
        for_each_operand(dfg, i, [&](Value& v) {
          v = dfg.resolve_aliases(v);
          mark_live(v);
        });
      }
      i = prev;
    }
  }
  if (blocks_removed) cache.valid = false;
  // Every instruction left is in a reachable block and had its operands resolved above (DCE
  // makes no aliases): the passes after it need no CfgCache::resolve_operands walk, which the
  // first pass of the pipeline would otherwise do, not knowing how the function was built.
  cache.resolved_at_aliases = dfg.aliases_made();
  return changed;
}

}  // namespace cached

bool eliminate_dead_code(Function& f) {
  CfgCache cache;
  return cached::eliminate_dead_code(f, cache);
}

}  // namespace kiln::codegen::opt
