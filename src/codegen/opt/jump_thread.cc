// codegen/opt/jump_thread.cc: jump threading of branches on constant block arguments.
//
// A branch P -> B(args) where some args are integer constants, and B's terminator is decided
// by those constants (brif/br_table on a parameter, or on pure arithmetic and comparisons of
// parameters and constants inside B), is threaded: P branches to B', a copy of B made for P,
// with P's arguments substituted for B's parameters and the decided branch as a jump. State
// machines (a loop whose state variable is a constant on each back edge and is dispatched on
// at the top of the loop) then go from each state's code straight to the next state's code.
//
// Chains: when B's terminator is not decided but passes a constant parameter on to C (one of
// its targets) whose terminator that constant decides, B is copied for P (its branch kept) and
// the copy's edge to C threaded in turn, up to kMaxChain blocks: the loop latch between a
// state's code and the dispatch (`v = load; brif v, dispatch(state), exit`) is copied per
// state, its copy jumping to the state's code.
//
// SSA repair: values B defines (parameters and results) keep their definitions in B and get
// new ones in B'; a use outside both now has the value of whichever it came through. For each
// such value, blocks between the definitions and the uses with one predecessor take their
// predecessor's value and the others get a new block parameter, with an argument from each
// predecessor (Braun et al.'s construction, done as a backward walk from the uses, without
// recursion). Parameters all of whose arguments are one value are removed by branch folding
// afterwards, as are the forwarding blocks left by threading through a block that only
// branches.
//
// Only loops: a chain must copy a loop header (the dispatch of a state machine, or a loop
// test decided on entry). Threading elsewhere (a constant deciding a diamond) saves a branch
// once, not per iteration, and costs the copies, the repair and the cleanup after them over
// many more functions.
//
// Limits: blocks of at most kMaxBlockInsts instructions, at most kMaxChain blocks per chain,
// and a budget of copied instructions per function (kBaseBudget + size / kBudgetDivisor).
// Edges of one branch to the same block with the same arguments (br_table entries) share one
// copy.
//
// SSA repair runs once, after all copies: values of a copied block used in a copy (a
// loop-carried value passed back to the block it came from) are uses of the value reaching
// the copy. A copy's value can itself be a value being repaired; its new uses (as arguments
// of new parameters) are repaired in a further round, at most kMaxRepairRounds.
//
// Reducibility: threading a loop's back edge to a block inside the loop can make a cycle
// with two entries (irreducible), which the loop passes (LICM, vectorisation) do not treat as
// loops. Every branch added copies an existing path, so this only happens through threading
// itself, and only when a loop header is copied (see copied_header_): when the threaded
// function is irreducible (or the repair did not settle), the input is restored (the pass
// copies the function before its first change) and nothing is threaded. A state machine
// whose initial state and every back edge's state are constants loses its dispatch block
// and stays reducible; one with a non-constant back edge left usually does not, unless every
// path back into the states from the dispatch goes through the first state.
//
// Cost: functions without a branch passing an integer constant to a block whose terminator
// (or a successor's, down a chain) may depend on it are skipped after one scan of the
// terminators (may_use_constant_arg, then profitable()).
#include <algorithm>
#include <optional>
#include <vector>

#include "codegen/opt/passes.h"
#include "codegen/opt/util.h"

namespace kiln::codegen::opt {

using namespace ir;

namespace {

constexpr uint32_t kMaxBlockInsts = 12;  // instructions of one copied block, terminator included
constexpr uint32_t kMaxChain = 3;        // blocks copied for one threaded edge
constexpr uint32_t kBaseBudget = 48;     // copied instructions per function ...
constexpr uint32_t kBudgetDivisor = 16;  // ... plus one per this many instructions
constexpr uint32_t kMaxEvalDepth = 6;    // operand depth of a decided condition
constexpr int kMaxRepairRounds = 4;      // SSA repair rounds (see repair_ssa)

// Known integer constants of a block's parameters, by parameter position.
using ParamConsts = std::vector<std::optional<DataValue>>;

// The target a branch decision chose: the position of its BlockCall in for_each_block_call
// order (jump: 0; brif: 0 nonzero, 1 zero; br_table: 0 default, 1 + k entry k).
using CallIndex = uint32_t;

// A value of a copied block (orig), and its copy's value in one copy.
struct Def {
  Value value;
  Block copy;
  Value copy_value;
  Block orig;
};

// An edge threaded: branch `inst` went to `target` with `args` and now goes to `copy`.
struct Threaded {
  Inst inst;
  Block target;
  ValueList args;
  Block copy;
};

struct Scratch {
  std::vector<Def> defs;
  std::vector<Threaded> threaded;
  std::vector<uint32_t> stamp, defstamp;  // by block index
  std::vector<Value> start, defval;       // by block index: values at the start / end
  std::vector<uint8_t> state;             // by block index
  std::vector<Block> work, visit;
  std::vector<uint32_t> vstamp, vfirst;   // by value index
  std::vector<std::pair<Inst, Value>> uses;
  std::vector<std::pair<Block, Value>> made;
  std::vector<uint8_t> header;  // by block index: a loop header of the input
  uint32_t gen = 0;
  uint32_t vgen = 0;
};

class JumpThread {
 public:
  JumpThread(Function& f, CfgCache& cache, Scratch& s)
      : f_(f), dfg_(f.dfg), cache_(cache), cfg_(cache.cfg), domtree_(cache.domtree), s_(s) {}

  bool run() {
    cache_.resolve_operands(f_);
    cache_.ensure_order(f_);
    // Candidate edges, found before anything changes (the order is the reverse postorder).
    struct Candidate {
      Inst inst;
      CallIndex call;
    };
    std::vector<Candidate> candidates;
    const Block entry = f_.layout.entry_block();
    bool headers_known = false;
    for (Block p : domtree_.rpo()) {
      Inst term = f_.layout.last_inst(p);
      if (!is_branch(dfg_[term].opcode)) continue;
      CallIndex k = 0;
      for_each_block_call(dfg_, term, [&](BlockCall& bc) {
        const CallIndex idx = k++;
        if (bc.block == entry || !may_use_constant_arg(bc)) return;
        if (!headers_known) {
          find_loop_headers();
          headers_known = true;
        }
        uint32_t cost = 0;
        bool header = false;
        if (profitable(bc.block, consts_of(bc), 0, cost, header) && header) {
          candidates.push_back({term, idx});
        }
      });
    }
    if (candidates.empty()) return false;
    s_.defs.clear();
    s_.threaded.clear();
    copied_header_ = false;

    const size_t size = dfg_.num_insts();
    budget_ = kBaseBudget + static_cast<uint32_t>(size / kBudgetDivisor);
    std::optional<Function> saved;
    bool changed = false;
    for (const Candidate& c : candidates) {
      Block p = f_.layout.inst_block(c.inst);
      if (!p || f_.layout.last_inst(p) != c.inst) continue;
      BlockCall* bc = call_at(c.inst, c.call);
      if (!bc || bc->block == entry) continue;
      // Another edge of the same branch to the same block with the same arguments (br_table
      // entries) shares the copy made for the first.
      if (Block shared = copy_for_same_edge(c.inst, *bc)) {
        bc->args.clear(dfg_.pool());
        bc->block = shared;
        continue;
      }
      uint32_t cost = 0;
      bool header = false;
      if (!profitable(bc->block, consts_of(*bc), 0, cost, header) || !header || cost > budget_) {
        continue;
      }
      if (!saved) {
        saved.emplace(f_);
        unshare_jump_tables();
      }
      budget_ -= cost;
      const Block target = bc->block;
      const ValueList args = bc->args.deep_clone(dfg_.pool());
      thread_edge(c.inst, c.call, 0);
      s_.threaded.push_back({c.inst, target, args, call_at(c.inst, c.call)->block});
      changed = true;
    }
    if (!changed) return false;
    cache_.valid = false;
    if (!repair_ssa() || (copied_header_ && !reducible())) {
      f_ = std::move(*saved);
      cache_.valid = false;
      cache_.resolved_at_aliases = UINT64_MAX;
      return false;
    }
    return true;
  }

 private:
  BlockCall* call_at(Inst i, CallIndex idx) {
    BlockCall* out = nullptr;
    CallIndex k = 0;
    for_each_block_call(dfg_, i, [&](BlockCall& bc) {
      if (k++ == idx) out = &bc;
    });
    return out;
  }

  // The copy made for an earlier edge of branch `term` to bc's block with the same
  // arguments, if any.
  Block copy_for_same_edge(Inst term, const BlockCall& bc) const {
    auto args = bc.args.as_slice(dfg_.pool());
    for (const Threaded& t : s_.threaded) {
      if (t.inst != term || t.target != bc.block) continue;
      auto targs = t.args.as_slice(dfg_.pool());
      if (std::equal(args.begin(), args.end(), targs.begin(), targs.end())) return t.copy;
    }
    return Block();
  }

  // A quick filter before profitable(): bc passes an integer constant to a parameter of a
  // block whose terminator may depend on it (a brif/br_table deciding on a value of the
  // block, or a branch passing one of the constant parameters on).
  bool may_use_constant_arg(const BlockCall& bc) const {
    auto args = bc.args.as_slice(dfg_.pool());
    if (args.empty()) return false;
    const Block b = bc.block;
    const Inst term = f_.layout.last_inst(b);
    if (!term) return false;
    const InstData& d = dfg_[term];
    bool decides = false;
    if (d.opcode == Opcode::kBrif || d.opcode == Opcode::kBrTable) {
      const Value c = dfg_.resolve_aliases(d.args[0]);
      const ValueData& vd = dfg_.value_data(c);
      decides = (vd.kind == ValueKind::kParam && Block(vd.owner) == b) ||
                (vd.kind == ValueKind::kResult && f_.layout.inst_block(Inst(vd.owner)) == b);
    } else if (d.opcode != Opcode::kJump) {
      return false;
    }
    auto params = dfg_.block_params(b);
    for (size_t k = 0; k < args.size(); ++k) {
      if (!int_constant_of(dfg_, args[k])) continue;
      if (decides) return true;
      // Chains: the terminator passes this parameter on.
      bool passed = false;
      for_each_block_call(const_cast<DataFlowGraph&>(dfg_), term, [&](BlockCall& out) {
        for (Value a : out.args.as_slice(dfg_.pool())) passed |= a == params[k];
      });
      if (passed) return true;
    }
    return false;
  }

  ParamConsts consts_of(const BlockCall& bc) const {
    auto args = bc.args.as_slice(dfg_.pool());
    ParamConsts out(args.size());
    for (size_t k = 0; k < args.size(); ++k) {
      if (auto c = constant_of(dfg_, args[k]); c && c->type.is_int()) out[k] = c;
    }
    return out;
  }

  // The value of v at the end of block b, given the constants of b's parameters: parameters,
  // constants, and pure instructions of b over them.
  std::optional<DataValue> eval(Block b, const ParamConsts& consts, Value v, uint32_t depth) {
    v = dfg_.resolve_aliases(v);
    const ValueData& vd = dfg_.value_data(v);
    if (vd.kind == ValueKind::kParam) {
      if (Block(vd.owner) != b || vd.num >= consts.size()) return std::nullopt;
      return consts[vd.num];
    }
    if (auto c = constant_of(dfg_, v)) return c;
    Inst i = dfg_.value_inst(v);
    if (!i || depth >= kMaxEvalDepth || f_.layout.inst_block(i) != b) return std::nullopt;
    const InstData& d = dfg_[i];
    if (!is_pure(d.opcode) || !d.vargs.is_empty() || dfg_.inst_results(i).size() != 1) {
      return std::nullopt;
    }
    auto fixed = dfg_.fixed_args(i);
    DataValue args[3];
    for (size_t k = 0; k < fixed.size(); ++k) {
      auto a = eval(b, consts, fixed[k], depth + 1);
      if (!a) return std::nullopt;
      args[k] = *a;
    }
    Type rt = dfg_.value_type(v);
    DataValue result;
    TrapCode trap;
    if (eval_pure(d, {&rt, 1}, {args, fixed.size()}, {&result, 1}, trap) != EvalStatus::kOk) {
      return std::nullopt;
    }
    return result;
  }

  // The target b's terminator takes given the constants of its parameters, if they decide it.
  std::optional<CallIndex> decide(Block b, const ParamConsts& consts) {
    Inst term = f_.layout.last_inst(b);
    const InstData& d = dfg_[term];
    if (d.opcode == Opcode::kBrif) {
      auto c = eval(b, consts, d.args[0], 0);
      if (!c) return std::nullopt;
      return c->bits != 0 ? 0u : 1u;
    }
    if (d.opcode == Opcode::kBrTable) {
      auto c = eval(b, consts, d.args[0], 0);
      if (!c) return std::nullopt;
      const JumpTableData& jt = dfg_.jump_tables[d.jump_table()];
      const uint64_t idx = c->as_u64();
      return idx < jt.targets.size() ? static_cast<CallIndex>(1 + idx) : 0u;
    }
    return std::nullopt;
  }

  uint32_t block_size(Block b) const {
    uint32_t n = 0;
    for (Inst i = f_.layout.first_inst(b); i && n <= kMaxBlockInsts; i = f_.layout.next_inst(i)) {
      ++n;
    }
    return n;
  }

  // True if threading an edge into b with these parameter constants ends in a decided branch
  // within kMaxChain blocks; `cost` receives the instructions copied.
  // `header` is set if the chain copies a loop header.
  bool profitable(Block b, const ParamConsts& consts, uint32_t depth, uint32_t& cost,
                  bool& header) {
    Inst term = f_.layout.last_inst(b);
    const Opcode op = dfg_[term].opcode;
    if (op != Opcode::kJump && op != Opcode::kBrif && op != Opcode::kBrTable) return false;
    const uint32_t n = block_size(b);
    if (n > kMaxBlockInsts) return false;
    if (!decide(b, consts)) {
      if (depth + 1 >= kMaxChain || !pass_on(b, consts, depth, cost, header)) return false;
    }
    cost += n;
    header |= is_header(b);
    return true;
  }

  bool is_header(Block b) const { return b.index() < s_.header.size() && s_.header[b.index()]; }

  // Loop headers: targets of retreating edges in the reverse postorder.
  void find_loop_headers() {
    s_.header.assign(dfg_.num_blocks(), 0);
    for (Block p : domtree_.rpo()) {
      const uint32_t np = domtree_.rpo_number(p);
      for (Block q : cfg_.succs(p)) {
        if (domtree_.rpo_number(q) <= np) s_.header[q.index()] = 1;
      }
    }
  }

  // The target of b's terminator that receives one of b's constant parameters and is itself
  // profitable to thread with the constants it receives (adds its cost).
  std::optional<CallIndex> pass_on(Block b, const ParamConsts& consts, uint32_t depth,
                                   uint32_t& cost, bool& header) {
    Inst term = f_.layout.last_inst(b);
    std::optional<CallIndex> found;
    CallIndex k = 0;
    const Block entry = f_.layout.entry_block();
    for_each_block_call(dfg_, term, [&](BlockCall& bc) {
      const CallIndex idx = k++;
      if (found || bc.block == entry) return;
      auto args = bc.args.as_slice(dfg_.pool());
      ParamConsts next(args.size());
      bool any = false;
      for (size_t j = 0; j < args.size(); ++j) {
        Value a = dfg_.resolve_aliases(args[j]);
        const ValueData& vd = dfg_.value_data(a);
        if (vd.kind == ValueKind::kParam && Block(vd.owner) == b && vd.num < consts.size() &&
            consts[vd.num]) {
          next[j] = consts[vd.num];
          any = true;
        } else if (auto c = constant_of(dfg_, a); c && c->type.is_int()) {
          next[j] = c;
        }
      }
      if (!any) return;
      uint32_t c = 0;
      bool h = false;
      if (profitable(bc.block, next, depth + 1, c, h)) {
        found = idx;
        cost += c;
        header |= h;
      }
    });
    return found;
  }

  // Gives every br_table its own jump table, so that an edge of one can be changed alone.
  void unshare_jump_tables() {
    EntitySet<JumpTable> seen;
    for (Block b : f_.layout.blocks()) {
      Inst term = f_.layout.last_inst(b);
      if (!term || dfg_[term].opcode != Opcode::kBrTable) continue;
      JumpTable jt = dfg_[term].jump_table();
      if (seen.insert(jt)) continue;
      dfg_[term].aux = clone_jump_table(jt, [](Value v) { return v; }).index();
    }
  }

  template <typename Map>
  JumpTable clone_jump_table(JumpTable jt, Map&& map) {
    JumpTableData copy = dfg_.jump_tables[jt];
    auto clone_call = [&](BlockCall& bc) {
      bc.args = bc.args.deep_clone(dfg_.pool());
      for (Value& v : bc.args.as_mut_slice(dfg_.pool())) v = map(v);
    };
    clone_call(copy.default_target);
    for (BlockCall& bc : copy.targets) clone_call(bc);
    return dfg_.jump_tables.push(std::move(copy));
  }

  // Threads the edge `call` of terminator `term` (into block b): copies b for it and, unless
  // the copy's branch is decided, threads the copy's edge that passes the constant on.
  void thread_edge(Inst term, CallIndex call, uint32_t depth) {
    BlockCall* bc = call_at(term, call);
    const Block b = bc->block;
    const Block p = f_.layout.inst_block(term);
    ParamConsts consts = consts_of(*bc);
    std::optional<CallIndex> decided = decide(b, consts);
    std::optional<CallIndex> next;
    if (!decided) {
      uint32_t unused_cost = 0;
      bool unused_header = false;
      next = pass_on(b, consts, depth, unused_cost, unused_header);
    }
    // The copy's value for each value b defines: its parameters take the edge's arguments.
    auto params = dfg_.block_params(b);
    auto args = bc->args.as_slice(dfg_.pool());
    std::vector<std::pair<Value, Value>> defs;  // (value in b, value in the copy)
    for (size_t k = 0; k < params.size(); ++k) {
      defs.push_back({params[k], dfg_.resolve_aliases(args[k])});
    }
    auto map = [&](Value v) {
      v = dfg_.resolve_aliases(v);
      for (const auto& [from, to] : defs) {
        if (from == v) return to;
      }
      return v;
    };
    copied_header_ |= is_header(b);
    Block copy = dfg_.make_block();
    f_.layout.insert_block_after(copy, p);
    if (f_.layout.is_cold(b)) f_.layout.set_cold(copy);
    for (Inst i = f_.layout.first_inst(b); i; i = f_.layout.next_inst(i)) {
      InstData d = dfg_[i];
      const bool last = i == f_.layout.last_inst(b);
      if (last && decided) {
        BlockCall target = *call_at(i, *decided);
        InstData j;
        j.opcode = Opcode::kJump;
        j.dest[0] = {target.block, target.args.deep_clone(dfg_.pool())};
        d = j;
      } else {
        d.vargs = d.vargs.deep_clone(dfg_.pool());
        if (d.format() == InstFormat::kBrif || d.format() == InstFormat::kJump) {
          for (BlockCall& t : d.dest) t.args = t.args.deep_clone(dfg_.pool());
        }
      }
      for (Value& v : d.args) {
        if (v) v = map(v);
      }
      if (d.opcode == Opcode::kBrTable) d.aux = clone_jump_table(d.jump_table(), map).index();
      Inst ni = dfg_.make_inst(d);
      for (Value& v : dfg_[ni].vargs.as_mut_slice(dfg_.pool())) v = map(v);
      if (d.format() == InstFormat::kBrif || d.format() == InstFormat::kJump) {
        for (BlockCall& t : dfg_[ni].dest) {
          for (Value& v : t.args.as_mut_slice(dfg_.pool())) v = map(v);
        }
      }
      auto results = dfg_.inst_results(i);
      for (size_t k = 0; k < results.size(); ++k) {
        Value r = results[k];
        Value nr = dfg_.append_result(ni, dfg_.value_type(r));
        defs.push_back({r, nr});
      }
      f_.layout.append_inst(ni, copy);
    }
    // p's edge goes to the copy, which has no parameters.
    bc = call_at(term, call);
    bc->args.clear(dfg_.pool());
    bc->block = copy;
    for (const auto& [v, nv] : defs) {
      if (v != nv) s_.defs.push_back({v, copy, nv, b});
    }
    if (next) thread_edge(f_.layout.last_inst(copy), *next, depth + 1);
  }

  // After every copy was made (s_.defs: each value of a copied block, a copy and the copy's
  // value), gives every use of such a value outside its definitions the definition that
  // reaches it (see the top of the file). One scan of the layout for the uses; then per value
  // a walk of the blocks between its definitions and its uses.
  // False if the repair did not settle within kMaxRepairRounds (the caller restores the
  // function).
  bool repair_ssa() {
    if (s_.defs.empty()) return true;
    cfg_.compute(f_);
    domtree_.compute_order(f_, cfg_);
    std::sort(s_.defs.begin(), s_.defs.end(), [](const Def& x, const Def& y) {
      return x.value.index() < y.value.index();
    });
    if (++s_.vgen == 0) {
      std::fill(s_.vstamp.begin(), s_.vstamp.end(), 0);
      s_.vgen = 1;
    }
    s_.vstamp.resize(std::max(s_.vstamp.size(), dfg_.num_values()), 0);
    s_.vfirst.resize(std::max(s_.vfirst.size(), dfg_.num_values()), 0);
    for (size_t k = s_.defs.size(); k-- > 0;) {
      s_.vstamp[s_.defs[k].value.index()] = s_.vgen;
      s_.vfirst[s_.defs[k].value.index()] = static_cast<uint32_t>(k);
    }
    // Uses of a value in the block defining it are right. Its copies define other values:
    // a use of the value in a copy is of the value reaching the copy (a loop-carried value
    // passed back to the block it was copied from), repaired like any other.
    auto defined_in = [&](Value v, Block u) {
      const size_t k = s_.vfirst[v.index()];
      return k < s_.defs.size() && s_.defs[k].value == v && s_.defs[k].orig == u;
    };
    const size_t nb = dfg_.num_blocks();
    s_.stamp.resize(std::max(s_.stamp.size(), nb), 0);
    s_.defstamp.resize(std::max(s_.defstamp.size(), nb), 0);
    s_.start.resize(std::max(s_.start.size(), nb));
    s_.defval.resize(std::max(s_.defval.size(), nb));
    s_.state.resize(std::max(s_.state.size(), nb), 0);
    // A copy's value can itself be a value being repaired (a copy's parameter takes an
    // argument that was a value of an earlier copied block); passing it as a new parameter's
    // argument is a new use, found by another round. Repairing a use that is already right
    // changes nothing, so the rounds end once no such argument is added (a chain of copies
    // is at most kMaxChain long).
    for (int round = 0; round < kMaxRepairRounds; ++round) {
      s_.uses.clear();
      for (Block u : domtree_.rpo()) {
        for (Inst i : f_.layout.insts(u)) {
          for_each_operand(dfg_, i, [&](Value& v) {
            if (v.index() < s_.vstamp.size() && s_.vstamp[v.index()] == s_.vgen &&
                !defined_in(v, u)) {
              s_.uses.push_back({i, v});
            }
          });
        }
      }
      if (s_.uses.empty()) return true;
      std::sort(s_.uses.begin(), s_.uses.end(), [](const auto& x, const auto& y) {
        return x.second.index() != y.second.index() ? x.second.index() < y.second.index()
                                                    : x.first.index() < y.first.index();
      });
      bool again = false;
      for (size_t lo = 0; lo < s_.uses.size();) {
        const Value v = s_.uses[lo].second;
        size_t hi = lo;
        while (hi < s_.uses.size() && s_.uses[hi].second == v) ++hi;
        if (Inst ci = dfg_.value_inst(v); ci && dfg_[ci].format() != InstFormat::kUnaryConst &&
                                          constant_of(dfg_, v)) {
          rematerialize_constant(ci, v, lo, hi);
        } else {
          again |= repair_value(v, lo, hi, defined_in);
        }
        lo = hi;
      }
      if (!again) return true;
    }
    return false;
  }

  // A constant defined in a copied block: each block using it outside the block and its
  // copies gets its own copy, first in the block, rather than a parameter joining equal
  // constants (GVN merges the copies where one dominates another).
  void rematerialize_constant(Inst def, Value v, size_t lo, size_t hi) {
    Block last;
    Value here;
    // The uses are sorted by instruction, not block: remember the copy per block.
    s_.made.clear();
    for (size_t k = lo; k < hi; ++k) {
      Inst i = s_.uses[k].first;
      Block u = f_.layout.inst_block(i);
      if (u != last) {
        last = u;
        here = Value();
        for (const auto& [blk, val] : s_.made) {
          if (blk == u) here = val;
        }
        if (!here) {
          InstData d = dfg_[def];
          here = insert_value_before(f_, d, f_.layout.first_inst(u));
          s_.made.push_back({u, here});
        }
      }
      for_each_operand(dfg_, i, [&](Value& o) {
        if (o == v) o = here;
      });
    }
  }

  // The value at the end of q: a definition's, else the value at its start.
  Value end_value(Block q) const {
    if (s_.defstamp[q.index()] == s_.gen) return s_.defval[q.index()];
    return s_.start[q.index()];
  }

  // Returns true if it passed a value being repaired as a new argument (see repair_ssa).
  template <typename F>
  bool repair_value(Value v, size_t lo, size_t hi, F&& defined_in) {
    bool new_use = false;
    if (++s_.gen == 0) {
      std::fill(s_.stamp.begin(), s_.stamp.end(), 0);
      std::fill(s_.defstamp.begin(), s_.defstamp.end(), 0);
      s_.gen = 1;
    }
    const uint32_t gen = s_.gen;
    for (size_t k = s_.vfirst[v.index()]; k < s_.defs.size() && s_.defs[k].value == v; ++k) {
      const Def& d = s_.defs[k];
      s_.defstamp[d.orig.index()] = gen;
      s_.defval[d.orig.index()] = v;
      s_.defstamp[d.copy.index()] = gen;
      s_.defval[d.copy.index()] = d.copy_value;
    }
    // The blocks from which a use is reached without passing a definition: backwards from
    // the uses' blocks, stopping at the definitions.
    s_.work.clear();
    s_.visit.clear();
    auto reach = [&](Block x) {
      if (s_.defstamp[x.index()] == gen || s_.stamp[x.index()] == gen) return;
      s_.stamp[x.index()] = gen;
      s_.state[x.index()] = 0;
      s_.start[x.index()] = Value();
      s_.work.push_back(x);
      s_.visit.push_back(x);
    };
    // A use in a copy (a definition) needs the value at the copy's start: that of its one
    // predecessor block's end.
    for (size_t k = lo; k < hi; ++k) {
      const Block u = f_.layout.inst_block(s_.uses[k].first);
      if (s_.defstamp[u.index()] != gen) {
        reach(u);
      } else {
        for (const BlockPredecessor& pr : cfg_.preds(u)) reach(pr.block);
      }
    }
    while (!s_.work.empty()) {
      Block x = s_.work.back();
      s_.work.pop_back();
      for (const BlockPredecessor& pr : cfg_.preds(x)) reach(pr.block);
    }
    const Type t = dfg_.value_type(v);
    // A block with other than one predecessor gets a parameter.
    for (Block x : s_.visit) {
      if (cfg_.preds(x).size() != 1) {
        s_.start[x.index()] = dfg_.append_block_param(x, t);
        s_.state[x.index()] = 2;  // has a parameter
      }
    }
    // The others take their predecessor's end value: follow the chain of single predecessors
    // to a block whose value is known, then assign back along it. A chain that comes back to
    // itself (only in unreachable code) gets a parameter where it closes.
    for (Block x : s_.visit) {
      if (s_.start[x.index()]) continue;
      s_.work.clear();
      Block y = x;
      for (;;) {
        s_.state[y.index()] = 1;  // on the current chain
        s_.work.push_back(y);
        Block q = cfg_.preds(y)[0].block;
        if (end_value(q)) break;
        if (s_.state[q.index()] == 1) {
          s_.start[q.index()] = dfg_.append_block_param(q, t);
          s_.state[q.index()] = 2;
          break;
        }
        y = q;
      }
      for (size_t k = s_.work.size(); k-- > 0;) {
        Block z = s_.work[k];
        if (s_.state[z.index()] == 2) continue;
        s_.start[z.index()] = end_value(cfg_.preds(z)[0].block);
        s_.state[z.index()] = 3;  // resolved
      }
    }
    // Arguments for the new parameters, from every predecessor's branches to the block.
    for (Block x : s_.visit) {
      if (s_.state[x.index()] != 2) continue;
      for (const BlockPredecessor& pr : cfg_.preds(x)) {
        const Value val = end_value(pr.block);
        for_each_block_call(dfg_, pr.inst, [&](BlockCall& bc) {
          if (bc.block == x) bc.args.push(val, dfg_.pool());
        });
        // v itself is right where this walk computed it; a copy's value that is another
        // value being repaired is a new use to repair.
        if (val != v && val.index() < s_.vstamp.size() && s_.vstamp[val.index()] == s_.vgen &&
            !defined_in(val, pr.block)) {
          new_use = true;
        }
      }
    }
    // The uses.
    for (size_t k = lo; k < hi; ++k) {
      Inst i = s_.uses[k].first;
      const Block u = f_.layout.inst_block(i);
      const Value nval = s_.defstamp[u.index()] != gen ? s_.start[u.index()]
                                                       : end_value(cfg_.preds(u)[0].block);
      for_each_operand(dfg_, i, [&](Value& o) {
        if (o == v) o = nval;
      });
    }
    return new_use;
  }

  // True if every retreating edge of the reverse postorder goes to a block dominating its
  // source (each cycle has one entry).
  bool reducible() {
    cfg_.compute(f_);
    domtree_.compute(f_, cfg_);
    cache_.valid = true;
    for (Block b : domtree_.rpo()) {
      const uint32_t nb = domtree_.rpo_number(b);
      for (Block s : cfg_.succs(b)) {
        if (domtree_.rpo_number(s) <= nb && !domtree_.dominates(s, b)) return false;
      }
    }
    return true;
  }

  Function& f_;
  DataFlowGraph& dfg_;
  CfgCache& cache_;
  ControlFlowGraph& cfg_;
  DominatorTree& domtree_;
  Scratch& s_;
  uint32_t budget_ = 0;
  // Whether a loop header was copied. Every edge threading adds copies a path of the input;
  // a new entry into a loop (the irreducible case) is an edge from outside the loop to a block
  // inside it other than its header, and the path it copies then passes the header, which
  // is thus copied. Without a copied header the function stays as reducible as it was.
  bool copied_header_ = false;
};

}  // namespace

namespace cached {
bool thread_jumps(Function& f, CfgCache& cache) {
  thread_local Scratch scratch;
  return JumpThread(f, cache, scratch).run();
}
}  // namespace cached

bool thread_jumps(Function& f) {
  CfgCache cache;
  return cached::thread_jumps(f, cache);
}

}  // namespace kiln::codegen::opt
