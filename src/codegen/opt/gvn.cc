// codegen/opt/gvn.cc: global value numbering over the dominator tree.
//
// Blocks are visited in dominator-tree preorder with a scoped hash table: an instruction whose
// key (opcode, controlling type, immediates, operands) is already in scope was computed by an
// identical instruction in a dominating position, so its results become aliases of that one's.
// Only pure instructions take part (is_pure: no memory, call or control effect). Trapping pure
// instructions (division, checked conversions, uadd_overflow_trap) may be reused too: the
// dominating copy already trapped if this one would. trapz/trapnz on the same value with the
// same code are removed when a dominating copy exists, for the same reason. Loads are left to
// load elimination (load_elim.cc), which knows about stores.
//
// Operands of commutative operations (iadd, imul, band, bor, bxor, icmp eq/ne) are ordered by
// value number in the key, and icmp with swapped operands uses the swapped condition, so
// `a + b` and `b + a` or `a < b` and `b > a` meet.
#include <span>
#include <vector>

#include "codegen/opt/flat_table.h"
#include "codegen/opt/passes.h"
#include "codegen/opt/util.h"

namespace kiln::codegen::opt {

using namespace ir;

namespace {

struct Key {
  Opcode op;
  Type type;
  uint32_t aux;
  int64_t imm;
  uint32_t args[3];
  bool operator==(const Key&) const = default;
};

struct KeyHash {
  // The key's fields packed into three words, mixed one word at a time (the table compares
  // whole keys, so only the spread of the hash matters, not which fields share a word).
  size_t operator()(const Key& k) const {
    const uint64_t head = static_cast<uint64_t>(k.op) | uint64_t{k.type.code()} << 16 |
                          uint64_t{k.aux} << 32;
    uint64_t h = head * 0x9E3779B97F4A7C15ull;
    auto mix = [&](uint64_t v) { h = (h ^ v) * 0xff51afd7ed558ccdull; h ^= h >> 32; };
    mix(static_cast<uint64_t>(k.imm) ^ uint64_t{k.args[2]} << 40);
    mix(k.args[0] | uint64_t{k.args[1]} << 32);
    return static_cast<size_t>(h);
  }
};

bool commutative(Opcode op) {
  switch (op) {
    case Opcode::kIadd: case Opcode::kImul: case Opcode::kBand: case Opcode::kBor:
    case Opcode::kBxor:
      return true;
    default:
      return false;
  }
}

// The scoped table (flat_table.h): entries leave in reverse order of insertion, when the walk
// leaves a dominator-tree scope.
using ScopedTable = FlatTable<Key, Inst, KeyHash>;

// A step of the dominator-tree walk: enter `block`, or leave it (drop the table entries made
// since `log_size`).
struct Frame {
  Block block;
  size_t log_size;
  bool leaving;
};

// The pass's storage, kept per thread and reused by every run (runs never nest).
struct GvnScratch {
  ScopedTable table;
  std::vector<Frame> stack;
  std::vector<Value> old, keep;  // Gvn::visit_inst's copies of two result lists
};

class Gvn {
 public:
  Gvn(Function& f, GvnScratch& s)
      : f_(f), dfg_(f.dfg), table_(s.table), stack_(s.stack), old_(s.old), keep_(s.keep) {
    table_.reset(f.dfg.num_insts());
  }

  // Removes only pure instructions and conditional traps: the CFG stays as it is.
  bool run(CfgCache& cache) {
    cache.ensure(f_);
    const DominatorTree& domtree = cache.domtree;
    // The walk is a dominator-tree preorder and aliases only results of the visited instruction.
    WalkResolver resolver(cache, dfg_);
    resolver_ = &resolver;
    Block entry = f_.layout.entry_block();
    if (!entry) return false;
    // Explicit stack of (block, log size at entry); a negative-marked entry means "leave".
    std::vector<Frame>& stack = stack_;
    stack.clear();
    stack.push_back({entry, 0, false});
    while (!stack.empty()) {
      Frame fr = stack.back();
      stack.pop_back();
      if (fr.leaving) {
        while (table_.size() > fr.log_size) table_.pop_newest();
        continue;
      }
      stack.push_back({fr.block, table_.size(), true});
      visit_block(fr.block);
      auto ch = domtree.children(fr.block);
      for (auto it = ch.rbegin(); it != ch.rend(); ++it) stack.push_back({*it, 0, false});
    }
    resolver.finish(f_, cache, domtree);
    return changed_;
  }

 private:
  void visit_block(Block b) {
    Inst i = f_.layout.first_inst(b);
    while (i) {
      Inst next = f_.layout.next_inst(i);
      visit_inst(i);
      i = next;
    }
  }

  void visit_inst(Inst i) {
    resolver_->visit(dfg_, i);
    InstData& d = dfg_[i];
    bool cond_trap = d.opcode == Opcode::kTrapz || d.opcode == Opcode::kTrapnz;
    if (!cond_trap && (!is_pure(d.opcode) || !dfg_.has_results(i))) return;
    if (!resolver_->active()) {
      for (Value& v : dfg_.fixed_args_mut(i)) v = dfg_.resolve_aliases(v);
    }
    Key k{d.opcode, d.type, d.aux, d.imm, {}};
    auto args = dfg_.fixed_args(i);
    for (size_t n = 0; n < args.size(); ++n) k.args[n] = args[n].index();
    if (args.size() >= 2 && k.args[0] > k.args[1]) {
      if (commutative(d.opcode)) {
        std::swap(k.args[0], k.args[1]);
      } else if (d.opcode == Opcode::kIcmp) {
        std::swap(k.args[0], k.args[1]);
        k.aux = static_cast<uint32_t>(intcc_swap_args(d.intcc()));
      }
    }
    bool fresh = false;
    Inst prev = table_.find_or_insert(k, i, fresh);
    if (fresh) return;
    if (cond_trap) {
      f_.layout.remove_inst(i);
      changed_ = true;
      return;
    }
    // Copies of both result lists (clear_results releases i's list in the pool): on the stack
    // for a single result (nearly every pure instruction), else in the scratch vectors (no
    // allocation once grown).
    auto old_span = dfg_.inst_results(i);
    auto now_span = dfg_.inst_results(prev);
    const size_t n = old_span.size();
    if (n != now_span.size()) return;
    Value single[2];
    std::span<const Value> old_copy, keep_copy;
    if (n == 1) {
      single[0] = old_span[0];
      single[1] = now_span[0];
      old_copy = {single, 1};
      keep_copy = {single + 1, 1};
    } else {
      old_.assign(old_span.begin(), old_span.end());
      keep_.assign(now_span.begin(), now_span.end());
      old_copy = old_;
      keep_copy = keep_;
    }
    f_.layout.remove_inst(i);
    dfg_.clear_results(i);
    for (size_t k = 0; k < n; ++k) dfg_.change_to_alias(old_copy[k], keep_copy[k]);
    changed_ = true;
  }

  Function& f_;
  DataFlowGraph& dfg_;
  ScopedTable& table_;
  std::vector<Frame>& stack_;
  bool changed_ = false;
  const WalkResolver* resolver_ = nullptr;  // of the current run
  std::vector<Value>& old_;  // scratch of visit_inst
  std::vector<Value>& keep_;
};

}  // namespace

namespace cached {
bool global_value_numbering(Function& f, CfgCache& cache) {
  thread_local GvnScratch scratch;
  bool changed = Gvn(f, scratch).run(cache);
  scratch.table.trim(kRetainedEntries);
  return changed;
}
}  // namespace cached

bool global_value_numbering(Function& f) {
  CfgCache cache;
  return cached::global_value_numbering(f, cache);
}

}  // namespace kiln::codegen::opt
