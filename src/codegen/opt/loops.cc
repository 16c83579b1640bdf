// codegen/opt/loops.cc: natural loops, nesting, and preheader creation (see loops.h).
#include "codegen/opt/loops.h"

#include <algorithm>

#include "codegen/opt/passes.h"
#include "codegen/opt/util.h"

namespace kiln::codegen::opt {

using namespace ir;

void LoopAnalysis::compute(const Function& f, const ControlFlowGraph& cfg,
                           const DominatorTree& domtree) {
  (void)f;
  loops_.clear();
  innermost_.clear();
  // Headers in reverse postorder; each loop's body by a backward walk from its back edges.
  // (Per-thread storage, reused by every call: compute does not re-enter itself.)
  thread_local EntitySet<Block> in_body;
  thread_local std::vector<Block> work;  // empty at the top of each iteration
  work.clear();
  for (Block h : domtree.rpo()) {
    for (const BlockPredecessor& p : cfg.preds(h)) {
      if (domtree.is_reachable(p.block) && domtree.dominates(h, p.block)) work.push_back(p.block);
    }
    if (work.empty()) continue;
    LoopData ld;
    ld.header = h;
    in_body.insert(h);  // empty here: emptied below through the blocks it holds
    ld.blocks.push_back(h);
    while (!work.empty()) {
      Block b = work.back();
      work.pop_back();
      if (!in_body.insert(b)) continue;
      ld.blocks.push_back(b);
      for (const BlockPredecessor& p : cfg.preds(b)) {
        if (domtree.is_reachable(p.block) && !in_body.contains(p.block)) work.push_back(p.block);
      }
    }
    for (Block b : ld.blocks) in_body.erase(b);
    std::sort(ld.blocks.begin(), ld.blocks.end(), [&](Block a, Block b) {
      return domtree.rpo_number(a) < domtree.rpo_number(b);
    });
    loops_.push(std::move(ld));
  }
  // Larger loops first: a nested loop is strictly smaller than any loop enclosing it, so when
  // a loop is reached its header's current innermost loop is its parent.
  thread_local std::vector<Loop> order;
  order.clear();
  for (Loop l : loops_.keys()) order.push_back(l);
  // (Equal sizes keep their order: the same order as a stable sort, without its buffer.)
  std::sort(order.begin(), order.end(), [&](Loop a, Loop b) {
    const size_t na = loops_[a].blocks.size(), nb = loops_[b].blocks.size();
    return na != nb ? na > nb : a.index() < b.index();
  });
  for (Loop l : order) {
    LoopData& ld = loops_[l];
    ld.parent = innermost_[ld.header];
    ld.depth = ld.parent ? loops_[ld.parent].depth + 1 : 1;
    for (Block b : ld.blocks) innermost_[b] = l;
  }
}

bool LoopAnalysis::contains(Loop l, Block b) const {
  for (Loop k = innermost_[b]; k; k = loops_[k].parent) {
    if (k == l) return true;
    if (loops_[k].depth <= loops_[l].depth) return false;
  }
  return false;
}

uint32_t LoopAnalysis::block_depth(Block b) const {
  Loop l = innermost_[b];
  return l ? loops_[l].depth : 0;
}

std::vector<Loop> LoopAnalysis::inner_to_outer() const {
  std::vector<Loop> out;
  for (Loop l : loops_.keys()) out.push_back(l);
  // Ties by index: a stable sort's order, without its buffer.
  std::sort(out.begin(), out.end(), [&](Loop a, Loop b) {
    const uint32_t da = loops_[a].depth, db = loops_[b].depth;
    return da != db ? da > db : a.index() < b.index();
  });
  return out;
}

Block find_preheader(const Function& f, const ControlFlowGraph& cfg, const LoopAnalysis& loops,
                     Loop l) {
  Block h = loops.header(l);
  Block outside;
  for (const BlockPredecessor& p : cfg.preds(h)) {
    if (loops.contains(l, p.block)) continue;
    if (outside) return Block();
    outside = p.block;
  }
  if (!outside || f.dfg[f.layout.last_inst(outside)].opcode != Opcode::kJump) return Block();
  return outside;
}

bool ensure_preheaders(Function& f) {
  CfgCache cache;
  return cached::ensure_preheaders(f, cache);
}

bool cached::ensure_preheaders(Function& f, CfgCache& cache, LoopAnalysis* loops_out) {
  cache.ensure(f);
  const ControlFlowGraph& cfg = cache.cfg;
  const DominatorTree& domtree = cache.domtree;
  LoopAnalysis local;
  LoopAnalysis& loops = loops_out ? *loops_out : local;
  loops.compute(f, cfg, domtree);
  if (loops.num_loops() == 0) return false;

  // How many branch instructions use each jump table: a shared table is copied before one
  // user's targets are redirected.
  SecondaryMap<JumpTable, uint32_t> jt_uses;
  for (Block b : f.layout.blocks()) {
    Inst last = f.layout.last_inst(b);
    if (last && f.dfg[last].opcode == Opcode::kBrTable) jt_uses[f.dfg[last].jump_table()]++;
  }

  bool changed = false;
  for (Loop l : loops.inner_to_outer()) {
    if (find_preheader(f, cfg, loops, l)) continue;
    Block h = loops.header(l);
    Block pre = f.dfg.make_block();
    std::vector<Type> types;  // copied: adding parameters may move the value-list pool
    for (Value p : f.dfg.block_params(h)) types.push_back(f.dfg.value_type(p));
    std::vector<Value> params;
    for (Type t : types) params.push_back(f.dfg.append_block_param(pre, t));
    f.layout.insert_block_before(pre, h);
    InstData j;
    j.opcode = Opcode::kJump;
    j.dest[0] = f.dfg.make_block_call(h, params);
    Inst ji = f.dfg.make_inst(j);
    f.layout.append_inst(ji, pre);
    changed = true;
    // The edges below change; `cfg` still describes the loops found above, which is what
    // the rest of this loop reads (entry edges of headers of other loops are unaffected).
    cache.valid = false;
    // Redirect the entry edges (none when h is the entry block: pre is the new entry).
    for (const BlockPredecessor& p : cfg.preds(h)) {
      if (loops.contains(l, p.block)) continue;
      InstData& d = f.dfg[p.inst];
      if (d.opcode == Opcode::kBrTable && jt_uses[d.jump_table()] > 1) {
        jt_uses[d.jump_table()]--;
        JumpTableData copy = f.dfg.jump_tables[d.jump_table()];
        // Fresh argument lists: the copy must not share pool storage with the original.
        copy.default_target.args = copy.default_target.args.deep_clone(f.dfg.pool());
        for (BlockCall& bc : copy.targets) bc.args = bc.args.deep_clone(f.dfg.pool());
        JumpTable nj = f.dfg.jump_tables.push(std::move(copy));
        f.dfg[p.inst].aux = nj.index();
        jt_uses[nj] = 1;
      }
      for_each_block_call(f.dfg, p.inst, [&](BlockCall& bc) {
        if (bc.block == h) bc.block = pre;
      });
    }
  }
  return changed;
}

}  // namespace kiln::codegen::opt
