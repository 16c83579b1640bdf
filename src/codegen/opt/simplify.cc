// codegen/opt/simplify.cc: constant folding, branches and conditional traps on constants, and
// the driver of the algebraic rules of rules.cc. Each change replaces an instruction by a
// constant, by one of its operands (an alias), or by cheaper instructions, never worse.
#include <optional>
#include <span>

#include "codegen/ir/eval.h"
#include "codegen/ir/flowgraph.h"
#include "codegen/opt/passes.h"
#include "codegen/opt/rules.h"
#include "codegen/opt/util.h"

namespace kiln::codegen::opt {

using namespace ir;

namespace {

class Simplifier {
 public:
  Simplifier(Function& f, CfgCache& cache) : f_(f), dfg_(f.dfg), cache_(cache) {}

  bool run() {
    cache_.ensure_order(f_);
    // Reverse postorder: operands are simplified before their uses (except across back edges).
    // The order of the entry: folding a branch only marks the cache stale after the walk (edges
    // go away), nothing recomputes it during the walk.
    const std::vector<Block>& rpo = cache_.domtree.rpo();
    // Only the visited instruction's result becomes an alias (rules.cc), and the order is the
    // reverse postorder of the CFG on entry, which is what dominance is about here: folding a
    // branch removes edges, it never adds a path (util.h). The domtree's order stays that of
    // the entry until the cache is recomputed, after the pass.
    WalkResolver resolver(cache_, dfg_);
    for (Block b : rpo) {
      Inst i = f_.layout.first_inst(b);
      while (i) {
        Inst next = f_.layout.next_inst(i);
        resolver.visit(dfg_, i);
        simplify_inst(i);
        i = next;
      }
    }
    resolver.finish(f_, cache_, cache_.domtree);
    if (cfg_changed_) cache_.valid = false;
    return changed_;
  }

 private:
  // Rewrites inst in place into a constant producing `c`; its result value is kept.
  void replace_with_constant(Inst i, const DataValue& c) {
    InstData d;
    if (c.type == kF32) {
      d.opcode = Opcode::kF32const;
      d.imm = static_cast<int64_t>(c.bits);
    } else if (c.type == kF64) {
      d.opcode = Opcode::kF64const;
      d.imm = static_cast<int64_t>(static_cast<uint64_t>(c.bits));
    } else {
      d.opcode = Opcode::kIconst;
      d.type = c.type;
      d.imm = static_cast<int64_t>(static_cast<uint64_t>(c.bits));
    }
    dfg_[i] = d;
    changed_ = true;
  }

  static bool foldable_type(Type t) { return t.is_float() || (t.is_int() && t.bits() <= 64); }

  void simplify_inst(Inst i, int budget = kMaxRounds) {
    InstData& d = dfg_[i];
    Opcode op = d.opcode;
    if (is_scalar_constant(op)) return;

    // Branches on constants.
    if (op == Opcode::kBrif) {
      if (auto c = constant_of(dfg_, d.args[0])) {
        BlockCall taken = d.dest[c->bits != 0 ? 0 : 1];
        d.opcode = Opcode::kJump;
        d.dest[0] = taken;
        d.dest[1] = BlockCall{};
        d.args[0] = Value();
        changed_ = true;
        cfg_changed_ = true;
        return;
      }
    }
    if (op == Opcode::kBrTable) {
      if (auto c = constant_of(dfg_, d.args[0])) {
        const JumpTableData& jt = dfg_.jump_tables[d.jump_table()];
        BlockCall taken = c->bits < jt.targets.size() ? jt.targets[static_cast<size_t>(c->bits)]
                                                      : jt.default_target;
        d.opcode = Opcode::kJump;
        d.dest[0] = taken;
        d.aux = 0;
        d.args[0] = Value();
        changed_ = true;
        cfg_changed_ = true;
      }
      return;
    }
    if (op == Opcode::kTrapz || op == Opcode::kTrapnz) {
      if (auto c = constant_of(dfg_, d.args[0])) {
        bool traps = (c->bits == 0) == (op == Opcode::kTrapz);
        if (!traps) {
          f_.layout.remove_inst(i);
          changed_ = true;
        }
        return;
      }
    }
    // (The opcode test first: it needs no lookup of the results.)
    auto results = can_fold(op) ? dfg_.inst_results(i) : std::span<const Value>();
    if (results.size() == 1 && foldable_type(dfg_.value_type(results[0]))) {
      // Constant folding: every operand constant. (Most instructions have a non-constant
      // operand: that is found before any operand's value is made.)
      auto args = dfg_.fixed_args(i);
      bool all_constant = !args.empty();
      for (Value a : args) all_constant = all_constant && is_scalar_constant(dfg_, a);
      if (all_constant) {
        DataValue vals[3];  // at most three fixed operands (kTernary)
        size_t n = 0;
        for (Value a : args) vals[n++] = *constant_of(dfg_, a);
        Type rt = dfg_.value_type(results[0]);
        DataValue out[2];
        TrapCode trap;
        if (eval_pure(d, std::span<const Type>(&rt, 1), std::span<const DataValue>(vals, n), out,
                      trap) == EvalStatus::kOk) {
          replace_with_constant(i, out[0]);
        }
        return;
      }
    }
    // Algebraic rules (rules.cc); an instruction rewritten in place is simplified again, so
    // chains such as isub -> iadd -> reassociated iadd finish in one visit (a bounded number
    // of times, so no pair of rules can loop).
    if (budget > 0 && has_rules(op) && apply_rules(f_, i)) {
      changed_ = true;
      if (f_.layout.inst_block(i)) simplify_inst(i, budget - 1);
    }
  }

  static bool can_fold(Opcode op) {
    if (is_terminator(op) || is_call(op) || can_load(op) || can_store(op)) return false;
    switch (op) {
      case Opcode::kVconst: case Opcode::kStackAddr: case Opcode::kFuncAddr:
      case Opcode::kTrapz: case Opcode::kTrapnz:
        return false;
      default:
        return true;
    }
  }

  static constexpr int kMaxRounds = 8;

  Function& f_;
  DataFlowGraph& dfg_;
  CfgCache& cache_;
  bool changed_ = false;
  bool cfg_changed_ = false;
};

}  // namespace

namespace cached {
bool simplify(Function& f, CfgCache& cache) { return Simplifier(f, cache).run(); }
}  // namespace cached

bool simplify(Function& f) {
  CfgCache cache;
  return cached::simplify(f, cache);
}

}  // namespace kiln::codegen::opt
