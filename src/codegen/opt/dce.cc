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
  bool changed = false;

  // Per-thread storage, reused by every run (runs never nest).
  thread_local std::vector<Block> dead_blocks;
  thread_local EntitySet<Value> live;
  dead_blocks.clear();
  live.clear();
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

  const std::vector<Block>& rpo = domtree.rpo();
  for (auto it = rpo.rbegin(); it != rpo.rend(); ++it) {
    Inst i = f.layout.last_inst(*it);
    while (i) {
      Inst prev = f.layout.prev_inst(i);
      // Kept if a result is used, or it has an effect or may trap (may_trap knows divisions by
      // safe constants; asked last, as most instructions are kept for their results).
      const Opcode op = f.dfg[i].opcode;
      bool needed = is_terminator(op) || is_call(op) || can_store(op);
      for (Value r : f.dfg.inst_results(i)) needed = needed || live.contains(r);
      needed = needed || may_trap(f, i);
      if (needed) {
        for_each_operand(f.dfg, i, [&](Value& v) {
          v = f.dfg.resolve_aliases(v);
          live.insert(v);
        });
      } else {
        f.layout.remove_inst(i);
        changed = true;
      }
      i = prev;
    }
  }
  if (blocks_removed) cache.valid = false;
  // Every instruction left is in a reachable block and had its operands resolved above (DCE
  // makes no aliases): the passes after it need no CfgCache::resolve_operands walk, which the
  // first pass of the pipeline would otherwise do, not knowing how the function was built.
  cache.resolved_at_aliases = f.dfg.aliases_made();
  return changed;
}

}  // namespace cached

bool eliminate_dead_code(Function& f) {
  CfgCache cache;
  return cached::eliminate_dead_code(f, cache);
}

}  // namespace kiln::codegen::opt
