// codegen/opt/alias.cc: memory versions by category (see alias.h).
#include "codegen/opt/alias.h"

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

void apply_mem_effect(const Function& f, Inst i, MemState& state) {
  const InstData& d = f.dfg[i];
  if (is_call(d.opcode)) {
    state.fill(inst_version(i));
    return;
  }
  if (!can_store(d.opcode)) return;
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
  // What each block writes: the version at its end per category, or kUnchanged.
  SecondaryMap<Block, MemState> summary;
  summary.resize(f.dfg.num_blocks());
  MemState unchanged;
  unchanged.fill(kUnchanged);
  for (Block b : rpo) {
    MemState s = unchanged;
    for (Inst i : f.layout.insts(b)) apply_mem_effect(f, i, s);
    summary[b] = s;
  }
  auto exit_state = [&](Block b) {
    MemState s = entry_[b];
    const MemState& w = summary[b];
    for (size_t c = 0; c < kNumMemCategories; ++c) {
      if (w[c] != kUnchanged) s[c] = w[c];
    }
    return s;
  };

  EntitySet<Block> done;
  Block entry = f.layout.entry_block();
  bool converged = false;
  for (int round = 0; round < kMaxRounds && !converged; ++round) {
    converged = true;
    for (Block b : rpo) {
      MemState in;
      MemVersion phi = block_version(b);
      // Per category: the one version every visited predecessor passes (besides the block's
      // own), if there is one. Each predecessor's exit state is computed once for all
      // categories.
      MemState common;
      common.fill(b == entry ? kEntryVersion : kUnchanged);
      std::array<bool, kNumMemCategories> conflict{};
      for (const BlockPredecessor& p : cfg.preds(b)) {
        if (!done.contains(p.block)) continue;
        const MemState out = exit_state(p.block);
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
      if (!done.contains(b) || in != entry_[b]) {
        converged = false;
        entry_[b] = in;
        done.insert(b);
      }
    }
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
    entry_[b] = in;
  }
}

}  // namespace kiln::codegen::opt
