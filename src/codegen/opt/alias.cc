// codegen/opt/alias.cc: memory versions by category (see alias.h).
#include "codegen/opt/alias.h"

#include <vector>

namespace kiln::codegen::opt {

using namespace ir;

namespace {

constexpr MemVersion kUnchanged = UINT32_MAX;
constexpr int kMaxRounds = 8;

}  // namespace

MemCategory mem_category(const InstData& d) {
  if (d.opcode == Opcode::kStackLoad || d.opcode == Opcode::kStackStore) return MemCategory::kStack;
  switch (d.mem_flags().region()) {
    case AliasRegion::kHeap: return MemCategory::kHeap;
    case AliasRegion::kTable: return MemCategory::kTable;
    case AliasRegion::kVmctx: return MemCategory::kVmctx;
    case AliasRegion::kNone: break;
  }
  return MemCategory::kAny;
}

void apply_store_or_call(const InstData& d, Inst i, MemState& state) {
  if (is_call(d.opcode)) {
    state.fill(inst_version(i));
    return;
  }
  MemCategory c = mem_category(d);
  if (c == MemCategory::kAny) {
    state.fill(inst_version(i));
    return;
  }
  state[static_cast<size_t>(c)] = inst_version(i);
  state[static_cast<size_t>(MemCategory::kAny)] = inst_version(i);
}

MemVersion AliasAnalysis::load_version(const InstData& d, const MemState& state) {
  if (d.opcode != Opcode::kStackLoad && d.mem_flags().readonly()) return kReadonlyVersion;
  return state[static_cast<size_t>(mem_category(d))];
}

void AliasAnalysis::compute(const Function& f, const ControlFlowGraph& cfg,
                            const DominatorTree& domtree) {
  entry_.clear();
  const auto& rpo = domtree.rpo();
  if (rpo.empty()) return;
  // Sized once: blocks are visited in RPO, not index order, so growing on demand would resize
  // again and again. Unvisited entries hold the default, as reading past the end gives.
  entry_.resize(f.dfg.num_blocks());
  // What each block writes: the version at its end per category, or kUnchanged; and the
  // state at each block's end, kept up to date with its entry state (set_entry), so that
  // reading a predecessor's exit state is one load. Per-thread storage, reused by every run.
  const size_t num_blocks = f.dfg.num_blocks();
  thread_local std::vector<MemState> summary, exits;
  summary.assign(num_blocks, MemState{});
  exits.assign(num_blocks, MemState{});  // unvisited: the default entry state, unchanged
  MemState unchanged;
  unchanged.fill(kUnchanged);
  for (Block b : rpo) {
    MemState s = unchanged;
    for (Inst i : f.layout.insts(b)) apply_mem_effect(f, i, s);
    summary[b.index()] = s;
  }
  auto set_entry = [&](Block b, const MemState& in) {
    entry_[b] = in;
    MemState s = in;
    const MemState& w = summary[b.index()];
    for (size_t c = 0; c < kNumMemCategories; ++c) {
      if (w[c] != kUnchanged) s[c] = w[c];
    }
    exits[b.index()] = s;
  };
  auto exit_state = [&](Block b) -> const MemState& { return exits[b.index()]; };

  EntitySet<Block> done;
  Block entry = f.layout.entry_block();
  // A block's state is a function of its predecessors' states (and whether they were
  // visited). After the first round, a block none of whose predecessors has changed since it
  // was last computed would get the state it already has: it is skipped. changed_at[b] is
  // the change count when b's state last changed (or b was first visited), computed_at[b] the
  // count when b was last computed. Per-thread storage, reused by every run.
  thread_local std::vector<uint32_t> changed_at, computed_at;
  changed_at.assign(f.dfg.num_blocks(), 0);
  computed_at.assign(f.dfg.num_blocks(), 0);
  uint32_t changes = 0;
  bool converged = false;
  for (int round = 0; round < kMaxRounds && !converged; ++round) {
    converged = true;
    // Whether a predecessor was met before its first visit (a back edge in RPO). Without
    // one, the first round saw every predecessor's final state (each precedes its successors
    // in RPO), so a second round would recompute the same states: the first is the answer.
    bool back_edge = false;
    for (Block b : rpo) {
      if (round > 0) {
        bool stale = false;
        for (const BlockPredecessor& p : cfg.preds(b)) {
          if (changed_at[p.block.index()] > computed_at[b.index()]) {
            stale = true;
            break;
          }
        }
        if (!stale) continue;
      }
      computed_at[b.index()] = changes;
      MemState in;
      const auto preds = cfg.preds(b);
      if (b != entry && preds.size() == 1 && done.contains(preds[0].block)) {
        // One visited predecessor: its version of each category, or (if that is the block's
        // own, a trivial phi operand) the block's own version, which is the same number.
        in = exit_state(preds[0].block);
      } else {
        MemVersion phi = block_version(b);
        // Per category: the one version every visited predecessor passes (besides the
        // block's own), if there is one. Each predecessor's exit state is computed once for
        // all categories.
        MemState common;
        common.fill(b == entry ? kEntryVersion : kUnchanged);
        std::array<bool, kNumMemCategories> conflict{};
        for (const BlockPredecessor& p : preds) {
          if (!done.contains(p.block)) {
            back_edge = true;
            continue;
          }
          const MemState& out = exit_state(p.block);
          for (size_t c = 0; c < kNumMemCategories; ++c) {
            MemVersion v = out[c];
            if (v == phi) continue;  // a trivial phi operand: the block's own version
            if (common[c] == kUnchanged) {
              common[c] = v;
            } else if (common[c] != v) {
              conflict[c] = true;
            }
          }
        }
        for (size_t c = 0; c < kNumMemCategories; ++c) {
          in[c] = conflict[c] || common[c] == kUnchanged ? phi : common[c];
        }
      }
      if (!done.contains(b) || in != entry_[b]) {
        converged = false;
        set_entry(b, in);
        done.insert(b);
        changed_at[b.index()] = ++changes;
      }
    }
    if (round == 0 && !back_edge) converged = true;
  }
  if (converged) return;
  // Pessimistic fallback: every join point (and the entry if it has back edges) is a phi.
  for (Block b : rpo) {
    MemState in;
    auto preds = cfg.preds(b);
    if (b == entry) {
      in.fill(preds.empty() ? kEntryVersion : block_version(b));
    } else if (preds.size() == 1) {
      in = exit_state(preds[0].block);
    } else {
      in.fill(block_version(b));
    }
    set_entry(b, in);
  }
}

}  // namespace kiln::codegen::opt
