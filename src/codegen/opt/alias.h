// codegen/opt/alias.h: alias analysis by memory category: which store (or merge point) last
// wrote the memory a load reads, computed as "memory SSA" over the CFG.
#pragma once

#include <array>
#include <cstdint>

#include "codegen/ir/flowgraph.h"
#include "codegen/ir/function.h"

namespace kiln::codegen::opt {

// Disjoint kinds of memory. Wasm's linear memories (heap), tables, and the instance context
// (vmctx: globals, memory and table definitions) are distinct by the MemFlags region
// promise; stack slots are reached only by stack_load/stack_store unless their address is
// taken, and then through region-less accesses. A region-less access may touch anything, so
// `kAny` is the version of all memory together: every store and call changes it.
enum class MemCategory : uint8_t { kHeap, kTable, kVmctx, kStack, kAny };
inline constexpr size_t kNumMemCategories = 5;

// A memory version: the last writer of a category at a program point. 0 means readonly memory
// (never written), 1 the function's entry, 2 + 2n instruction n (a store or a call), and
// 3 + 2n the entry of block n where paths with different versions meet (a memory "phi").
// Two points with the same version of a category see the same contents of it: a version
// other than a readonly one is only reached through its defining point, which therefore
// dominates both, and no write of the category lies between it and either point.
using MemVersion = uint32_t;
inline constexpr MemVersion kReadonlyVersion = 0;
inline constexpr MemVersion kEntryVersion = 1;
inline MemVersion inst_version(ir::Inst i) { return 2 + 2 * i.index(); }
inline MemVersion block_version(ir::Block b) { return 3 + 2 * b.index(); }

using MemState = std::array<MemVersion, kNumMemCategories>;

// The category a load or store accesses.
MemCategory mem_category(const ir::InstData& d);

// Updates `state` for the effect of instruction i: a store writes its category (and kAny); a
// region-less store or a call writes every category. (The test inline: alias analysis and load
// elimination ask it of every instruction, and most neither store nor call.)
void apply_store_or_call(const ir::InstData& d, ir::Inst i, MemState& state);
inline void apply_mem_effect(const ir::Function& f, ir::Inst i, MemState& state) {
  const ir::InstData& d = f.dfg[i];
  if (ir::is_call(d.opcode) || ir::can_store(d.opcode)) apply_store_or_call(d, i, state);
}

class AliasAnalysis {
 public:
  // Computes the memory state at the entry of every reachable block by iterating to a fixed
  // point in reverse postorder: a block's state is the common version of its processed
  // predecessors (ignoring its own memory phi, as with a trivial SSA phi), else its own
  // memory phi. If that does not settle within a few rounds, every join point becomes a
  // memory phi, which is always sound.
  void compute(const ir::Function& f, const ir::ControlFlowGraph& cfg,
               const ir::DominatorTree& domtree);
  const MemState& block_entry(ir::Block b) const { return entry_[b]; }

  // The version a load reads, given the state just before it.
  static MemVersion load_version(const ir::InstData& d, const MemState& state);

 private:
  SecondaryMap<ir::Block, MemState> entry_;
};

}  // namespace kiln::codegen::opt
