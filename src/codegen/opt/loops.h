// codegen/opt/loops.h: loop analysis (natural loops of back edges, their nesting and depth)
// and preheader creation, used by LICM.
#pragma once

#include <vector>

#include "codegen/ir/flowgraph.h"
#include "codegen/ir/function.h"

namespace kiln::codegen::opt {

KILN_ENTITY(Loop, "loop");

// Natural loops: an edge p -> h is a back edge when h dominates p; the loop of header h is h
// plus every block that reaches a back-edge source without passing through h. Back edges to
// the same header share one loop. Two natural loops are nested or disjoint, so each loop has
// at most one innermost enclosing loop (its parent). Unreachable blocks belong to no loop.
class LoopAnalysis {
 public:
  void compute(const ir::Function& f, const ir::ControlFlowGraph& cfg,
               const ir::DominatorTree& domtree);

  size_t num_loops() const { return loops_.size(); }
  ir::Block header(Loop l) const { return loops_[l].header; }
  // The innermost enclosing loop, or invalid for an outermost loop.
  Loop parent(Loop l) const { return loops_[l].parent; }
  // 1 for an outermost loop.
  uint32_t depth(Loop l) const { return loops_[l].depth; }
  // The blocks of the loop, nested loops' blocks included, in reverse postorder.
  const std::vector<ir::Block>& blocks(Loop l) const { return loops_[l].blocks; }
  // The innermost loop holding b, or invalid.
  Loop innermost(ir::Block b) const { return innermost_[b]; }
  bool contains(Loop l, ir::Block b) const;
  // Loop nesting depth of a block (0 outside every loop).
  uint32_t block_depth(ir::Block b) const;
  // Loops ordered innermost first (by decreasing depth).
  std::vector<Loop> inner_to_outer() const;

 private:
  struct LoopData {
    ir::Block header;
    Loop parent;
    uint32_t depth = 0;
    std::vector<ir::Block> blocks;
  };
  PrimaryMap<Loop, LoopData> loops_;
  SecondaryMap<ir::Block, Loop> innermost_;
};

// Gives every loop a preheader: a block outside the loop whose only successor is the header,
// reached by a jump, and through which every entry into the loop passes. A loop whose entries
// come from several blocks (or from a branch with other targets) gets a new block with the
// header's parameter types, inserted before the header, that jumps to the header; the entry
// edges are redirected to it. A loop headed by the entry block gets a new entry block.
// Returns true if blocks were added.
bool ensure_preheaders(ir::Function& f);
// The same with the pipeline's shared CFG (passes.h), left stale if blocks were added. If it
// returns false and `loops` is given, *loops holds the loops of the (unchanged) function.
struct CfgCache;
namespace cached {
bool ensure_preheaders(ir::Function& f, CfgCache& cache, LoopAnalysis* loops = nullptr);
}  // namespace cached

// The preheader of loop l if it has one (the unique predecessor from outside, ending in a
// jump to the header), else invalid.
ir::Block find_preheader(const ir::Function& f, const ir::ControlFlowGraph& cfg,
                         const LoopAnalysis& loops, Loop l);

}  // namespace kiln::codegen::opt
