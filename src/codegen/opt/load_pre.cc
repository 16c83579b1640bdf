// codegen/opt/load_pre.cc: partial redundancy elimination of loads at join points.
//
// A block B reached over several edges that loads from an address computed from its
// parameters, as the sift-down loop of a heap sort does after picking the larger child:
//
//   if (j < n && a[j] < a[j + 1]) j++;     // B's parameter j: j, j + 1 or j
//   if (x < a[j]) ...                      // B loads a[j] again
//
// On each edge into B the address is the same expression of that edge's arguments. Where the
// edge's predecessor already loaded that address, with no store or call between the load and
// the edge, the value is known: the load is looked for in the predecessor and up the chain of
// blocks above it that have a single predecessor (which dominate it), as the arms of an
// if/else are. When the value is known on at least one edge and unknown on at most one, the
// load becomes a new parameter of B: the known values are passed on their edges, and the one
// edge without gets a copy of the address computation and the load (at the end of its
// predecessor if B is its only successor, else in a new block on the edge). B's load is
// removed. Not at loop headers (a loop-carried register for the value; LICM hoists what is
// invariant) and only for loads of linear memory (vmctx loads are cheap and hoisted).
//
// Traps stay where they were: B's load must come before any instruction of B with a side
// effect (only pure computations of its address precede it), so a load moved onto an edge
// traps with the same memory and globals as it would have in B, and a load replaced by a
// known value reads an address that was already read successfully. Loads in inlined code
// (ir::Function::inline_sites) are left alone, since a copy would lose the inlined frame.
//
// "The same expression": B's instructions computing the address from its parameters are
// translated to each edge by substituting the edge's arguments; each translated instruction
// must exist (pure, same opcode, immediates and operands; constants compare by value) in the
// edge's chain of blocks, except on the one edge that gets a copy.
#include <algorithm>
#include <unordered_map>
#include <vector>

#include "codegen/opt/alias.h"  // mem_category
#include "codegen/opt/passes.h"
#include "codegen/opt/util.h"

namespace kiln::codegen::opt {

using namespace ir;

namespace {

constexpr uint32_t kMaxTreeInsts = 8;  // address instructions in B translated per edge

// A pure instruction with fixed operands only and one result: the kind the address
// translation matches (branches are terminators, which has_side_effects covers).
bool is_pure_fixed(const Function& f, Inst i) {
  const InstData& d = f.dfg[i];
  return !f.has_side_effects(i) && !can_load(d.opcode) && d.vargs.is_empty() &&
         f.dfg.inst_results(i).size() == 1;
}

// An operand in an expression key: a value, or a constant by its type and bits (without GVN
// before it, equal constants are separate instructions).
struct KeyArg {
  uint32_t value = UINT32_MAX;  // UINT32_MAX for a constant or no operand
  uint16_t type = 0;
  int64_t imm = 0;
  bool operator==(const KeyArg&) const = default;
};

struct ExprKey {
  Opcode op;
  Type type;
  uint32_t aux;
  int64_t imm;
  KeyArg a[3];
  bool operator==(const ExprKey& o) const {
    return op == o.op && type == o.type && aux == o.aux && imm == o.imm && a[0] == o.a[0] &&
           a[1] == o.a[1] && a[2] == o.a[2];
  }
};
class LoadPre {
 public:
  LoadPre(Function& f, CfgCache& cache) : f_(f), dfg_(f.dfg), cache_(cache) {}

  bool run() {
    cache_.ensure(f_);
    // Candidates first (the CFG changes as edges are split).
    std::vector<std::pair<Block, Inst>> joins;
    for (Block b : cache_.domtree.rpo()) {
      if (cache_.cfg.preds(b).size() < 2) continue;
      if (Inst load = candidate(b); load.is_valid()) joins.push_back({b, load});
    }
    bool changed = false;
    for (const auto& [b, load] : joins) changed |= visit(b, load);
    if (changed) cache_.valid = false;
    return changed;
  }

 private:
  struct Edge {
    Inst branch;
    int dest;   // which BlockCall of the branch
    Block pred;
  };

  // B's load to consider: its first instruction with an effect, a load of linear memory
  // preceded only by pure instructions (its address, which depends on B's parameters),
  // outside inlined code, with B reached over forward jump and brif edges only.
  Inst candidate(Block b) const {
    Inst load;
    uint32_t before = 0;
    for (Inst i : f_.layout.insts(b)) {
      if (f_.has_side_effects(i) || can_load(dfg_[i].opcode)) {
        load = i;
        break;
      }
      if (++before > kMaxTreeInsts) return Inst();
    }
    if (!load.is_valid()) return Inst();
    const InstData& d = dfg_[load];
    if (d.opcode == Opcode::kStackLoad || !can_load(d.opcode) || d.format() != InstFormat::kLoad ||
        dfg_.inst_results(load).size() != 1 || in_inline_site(load)) {
      return Inst();
    }
    // Linear memory only: the vmctx loads (memory bases, globals) are cheap, mostly readonly
    // and hoisted by LICM; a block parameter for one costs moves and a register.
    if (mem_category(d) != MemCategory::kHeap || !depends_on_params(d.args[0], b)) return Inst();
    for (const BlockPredecessor& p : cache_.cfg.preds(b)) {
      // Not at loop headers: the value would be carried around the loop in a register (and
      // a loop-invariant load is LICM's to hoist).
      if (cache_.domtree.dominates(b, p.block)) return Inst();
      const InstFormat fmt = dfg_[p.inst].format();
      if (fmt != InstFormat::kJump && fmt != InstFormat::kBrif) return Inst();
    }
    return load;
  }

  bool depends_on_params(Value v, Block b) const {
    v = dfg_.resolve_aliases(v);
    const ValueData& vd = dfg_.value_data(v);
    if (vd.kind == ValueKind::kParam) return Block(vd.owner) == b;
    Inst def = dfg_.value_inst(v);
    if (!def.is_valid() || f_.layout.inst_block(def) != b) return false;
    for (Value a : dfg_.fixed_args(def)) {
      if (depends_on_params(a, b)) return true;
    }
    return false;
  }

  KeyArg key_arg(Value v) const {
    KeyArg k;
    if (!v.is_valid()) return k;
    Inst def = dfg_.value_inst(v);
    if (def.is_valid() && dfg_[def].opcode == Opcode::kIconst) {
      k.type = dfg_.value_type(v).code();
      k.imm = dfg_[def].imm;
      return k;
    }
    k.value = dfg_.resolve_aliases(v).index();
    return k;
  }
  // The key of instruction i itself (its own fixed operands).
  ExprKey key_of(Inst i) const {
    std::array<Value, 3> args{};
    auto fixed = dfg_.fixed_args(i);
    std::copy(fixed.begin(), fixed.end(), args.begin());
    return key_of(i, args);
  }
  ExprKey key_of(Inst i, std::array<Value, 3> args) const {
    const InstData& d = dfg_[i];
    return ExprKey{d.opcode, d.type, d.aux, d.imm, {key_arg(args[0]), key_arg(args[1]), key_arg(args[2])}};
  }

  bool in_inline_site(Inst i) const {
    for (const Function::InlineSite& s : f_.inline_sites) {
      if (i.index() >= s.first_inst && i.index() < s.end_inst) return true;
    }
    return false;
  }

  // What the end of an edge's predecessor knows: the pure instructions of the chain of
  // blocks ending there (the predecessor, then its single predecessor, and so on, up to
  // kMaxChain blocks, not through B), and the loads of `like`'s kind after which nothing in
  // the chain writes memory (no store, no call), by address.
  void scan_chain(const Edge& e, Block b, const InstData& like) {
    pure_.clear();
    loaded_.clear();
    bool clean = true;
    Block c = e.pred;
    for (uint32_t depth = 0; depth < kMaxChain && c.is_valid() && c != b; ++depth) {
      for (Inst i = f_.layout.last_inst(c); i.is_valid(); i = f_.layout.prev_inst(i)) {
        const InstData& d = dfg_[i];
        if (is_pure_fixed(f_, i)) {
          pure_.push_back({key_of(i), dfg_.first_result(i)});
        } else if (clean && d.opcode == like.opcode && d.format() == InstFormat::kLoad &&
                   d.type == like.type && d.aux == like.aux && d.imm == like.imm) {
          loaded_.push_back({dfg_.resolve_aliases(d.args[0]), dfg_.first_result(i)});
        } else if (can_store(d.opcode) || is_call(d.opcode)) {
          clean = false;
        }
      }
      const auto preds = cache_.cfg.preds(c);
      c = preds.size() == 1 ? preds[0].block : Block();
    }
  }

  // The value `v` (of B, or from outside B) has on edge `e`: B's parameters become the
  // edge's arguments, B's address instructions existing ones of the edge's chain (constants
  // match by value). Invalid if some instruction does not exist there; `missing` then lists,
  // in order, the instructions of B a copy has to make.
  Value translate(Value v, Block b, const Edge& e, std::vector<Inst>* missing,
                  std::unordered_map<uint32_t, Value>& memo) {
    v = dfg_.resolve_aliases(v);
    const ValueData& vd = dfg_.value_data(v);
    if (vd.kind == ValueKind::kParam) {
      if (Block(vd.owner) != b) return v;
      const BlockCall& bc = dfg_[e.branch].dest[e.dest];
      return dfg_.resolve_aliases(bc.args.as_slice(dfg_.pool())[vd.num]);
    }
    Inst def = dfg_.value_inst(v);
    if (!def.is_valid() || f_.layout.inst_block(def) != b) return v;
    if (auto it = memo.find(v.index()); it != memo.end()) return it->second;
    const InstData& d = dfg_[def];
    Value out;
    std::array<Value, 3> args{};
    const size_t n = dfg_.fixed_args(def).size();
    bool ok = true;
    for (size_t k = 0; k < n; ++k) {
      args[k] = translate(d.args[k], b, e, missing, memo);
      ok &= args[k].is_valid();
    }
    if (ok) {
      const ExprKey key = key_of(def, args);
      for (const auto& [k, r] : pure_) {
        if (k == key) {
          out = r;
          break;
        }
      }
    }
    // Keys compare constants by value, so for matching B's own constant stands for any equal
    // one; only a copy needs one that exists on the edge.
    if (!out.is_valid() && d.opcode == Opcode::kIconst && missing == nullptr) out = v;
    if (!out.is_valid() && missing != nullptr) missing->push_back(def);
    memo[v.index()] = out;
    return out;
  }

  bool visit(Block b, Inst load) {
    const InstData d = dfg_[load];  // a copy: new instructions may move the table

    // The edges into B, each from a jump or brif.
    edges_.clear();
    for (const BlockPredecessor& p : cache_.cfg.preds(b)) {
      const InstData& t = dfg_[p.inst];
      const int n = t.format() == InstFormat::kJump ? 1 : 2;
      for (int k = 0; k < n; ++k) {
        if (t.dest[k].block != b) continue;
        bool seen = false;
        for (const Edge& e : edges_) seen |= e.branch == p.inst && e.dest == k;
        if (!seen) edges_.push_back(Edge{p.inst, k, p.block});
      }
    }
    if (edges_.size() < 2) return false;

    // The value on each edge; at most one edge may lack it.
    std::vector<Value> values(edges_.size());
    int missing_edge = -1;
    uint32_t known = 0;
    for (size_t k = 0; k < edges_.size(); ++k) {
      scan_chain(edges_[k], b, d);
      std::unordered_map<uint32_t, Value> memo;
      Value addr = translate(d.args[0], b, edges_[k], nullptr, memo);
      if (addr.is_valid()) {
        for (const auto& [a, r] : loaded_) {
          if (a == addr && dfg_.value_type(r) == dfg_.value_type(dfg_.first_result(load))) {
            values[k] = r;
            break;
          }
        }
      }
      if (values[k].is_valid()) {
        ++known;
      } else if (missing_edge >= 0) {
        return false;
      } else {
        missing_edge = static_cast<int>(k);
      }
    }
    if (known == 0) return false;

    if (missing_edge >= 0) {
      Edge& e = edges_[missing_edge];
      scan_chain(e, b, d);  // what the edge has of the address computation
      // Where the copy goes: before the predecessor's jump, or in a new block on a brif edge.
      Inst at;
      if (dfg_[e.branch].format() == InstFormat::kJump) {
        at = e.branch;
      } else {
        Block mid = dfg_.make_block();
        f_.layout.insert_block_after(mid, e.pred);
        InstData j;
        j.opcode = Opcode::kJump;
        j.dest[0] = dfg_.make_block_call(b, dfg_[e.branch].dest[e.dest].args.as_slice(dfg_.pool()));
        Inst jump = dfg_.make_inst(j);  // may move the instructions: no reference held across
        f_.layout.append_inst(jump, mid);
        dfg_[e.branch].dest[e.dest] = dfg_.make_block_call(mid, {});
        e.branch = jump;
        e.dest = 0;
        e.pred = mid;
        at = jump;
      }
      // The address instructions the edge lacks, then the load.
      std::vector<Inst> missing;
      std::unordered_map<uint32_t, Value> memo;
      translate(d.args[0], b, e, &missing, memo);
      for (Inst m : missing) {
        InstData copy = dfg_[m];
        for (size_t k = 0; k < dfg_.fixed_args(m).size(); ++k) {
          copy.args[k] = translate(copy.args[k], b, e, nullptr, memo);
        }
        Inst c = dfg_.make_inst(copy);
        dfg_.make_inst_results(c);
        f_.layout.insert_inst_before(c, at);
        memo[dfg_.first_result(m).index()] = dfg_.first_result(c);
      }
      InstData copy = d;
      copy.args[0] = translate(d.args[0], b, e, nullptr, memo);
      Inst c = dfg_.make_inst(copy);
      dfg_.make_inst_results(c);
      f_.layout.insert_inst_before(c, at);
      values[missing_edge] = dfg_.first_result(c);
    }

    // The load becomes a parameter of B.
    Value result = dfg_.first_result(load);
    Value param = dfg_.append_block_param(b, dfg_.value_type(result));
    for (size_t k = 0; k < edges_.size(); ++k) {
      dfg_[edges_[k].branch].dest[edges_[k].dest].args.push(values[k], dfg_.pool());
    }
    replace_inst_with_value(f_, load, param);
    return true;
  }

  static constexpr uint32_t kMaxChain = 4;

  Function& f_;
  DataFlowGraph& dfg_;
  CfgCache& cache_;
  std::vector<Edge> edges_;
  std::vector<std::pair<ExprKey, Value>> pure_;   // scan_chain: pure instructions by key
  std::vector<std::pair<Value, Value>> loaded_;  // scan_chain: (address, loaded value)
};

}  // namespace

namespace cached {
bool eliminate_partially_redundant_loads(Function& f, CfgCache& cache) {
  cache.resolve_operands(f);
  LoadPre p(f, cache);
  bool changed = p.run();
  if (changed) cache.resolve_operands(f);
  return changed;
}
}  // namespace cached

bool eliminate_partially_redundant_loads(Function& f) {
  CfgCache cache;
  return cached::eliminate_partially_redundant_loads(f, cache);
}

}  // namespace kiln::codegen::opt
