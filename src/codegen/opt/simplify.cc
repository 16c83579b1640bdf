// codegen/opt/simplify.cc: constant folding, operation-dropping identities, branch folding.
// Rules are in the style of Cranelift's opts/*.isle: each replaces an instruction by a
// constant, by one of its operands (an alias), or by a cheaper instruction, never worse.
#include <optional>

#include "codegen/ir/eval.h"
#include "codegen/ir/flowgraph.h"
#include "codegen/opt/passes.h"

namespace kiln::codegen::opt {

using namespace ir;

namespace {

class Simplifier {
 public:
  explicit Simplifier(Function& f) : f_(f), dfg_(f.dfg) {}

  bool run() {
    ControlFlowGraph cfg;
    cfg.compute(f_);
    DominatorTree domtree;
    domtree.compute(f_, cfg);
    // Reverse postorder: operands are simplified before their uses (except across back edges).
    for (Block b : domtree.rpo()) {
      Inst i = f_.layout.first_inst(b);
      while (i) {
        Inst next = f_.layout.next_inst(i);
        simplify_inst(i);
        i = next;
      }
    }
    if (changed_) dfg_.resolve_all_aliases();
    return changed_;
  }

 private:
  // The constant an operand is known to hold.
  std::optional<DataValue> constant(Value v) const {
    Inst def = dfg_.value_inst(v);
    if (!def) return std::nullopt;
    const InstData& d = dfg_[def];
    Type t = dfg_.value_type(dfg_.resolve_aliases(v));
    switch (d.opcode) {
      case Opcode::kIconst:
        return DataValue::make(t, static_cast<uint64_t>(d.imm));
      case Opcode::kF32const:
        return DataValue::make(t, static_cast<uint32_t>(d.imm));
      case Opcode::kF64const:
        return DataValue::make(t, static_cast<uint64_t>(d.imm));
      default:
        return std::nullopt;
    }
  }
  bool is_int_const(Value v, int64_t want) const {
    auto c = constant(v);
    if (!c || !c->type.is_int()) return false;
    return c->bits == DataValue::make(c->type, static_cast<uint64_t>(want)).bits;
  }

  // Replaces inst by its operand `v`: uses of the result now see v.
  void replace_with_value(Inst i, Value v) {
    Value r = dfg_.first_result(i);
    v = dfg_.resolve_aliases(v);
    f_.layout.remove_inst(i);
    dfg_.clear_results(i);
    dfg_.change_to_alias(r, v);
    changed_ = true;
  }

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

  void simplify_inst(Inst i) {
    InstData& d = dfg_[i];
    Opcode op = d.opcode;
    if (op == Opcode::kIconst || op == Opcode::kF32const || op == Opcode::kF64const) return;

    // Branches on constants.
    if (op == Opcode::kBrif) {
      if (auto c = constant(d.args[0])) {
        BlockCall taken = d.dest[c->bits != 0 ? 0 : 1];
        d.opcode = Opcode::kJump;
        d.dest[0] = taken;
        d.dest[1] = BlockCall{};
        d.args[0] = Value();
        changed_ = true;
      }
      return;
    }
    if (op == Opcode::kBrTable) {
      if (auto c = constant(d.args[0])) {
        const JumpTableData& jt = dfg_.jump_tables[d.jump_table()];
        BlockCall taken = c->bits < jt.targets.size() ? jt.targets[static_cast<size_t>(c->bits)]
                                                      : jt.default_target;
        d.opcode = Opcode::kJump;
        d.dest[0] = taken;
        d.aux = 0;
        d.args[0] = Value();
        changed_ = true;
      }
      return;
    }
    if (op == Opcode::kTrapz || op == Opcode::kTrapnz) {
      if (auto c = constant(d.args[0])) {
        bool traps = (c->bits == 0) == (op == Opcode::kTrapz);
        if (!traps) {
          f_.layout.remove_inst(i);
          changed_ = true;
        }
      }
      return;
    }
    if (op == Opcode::kSelect) {
      if (auto c = constant(d.args[0])) replace_with_value(i, d.args[c->bits != 0 ? 1 : 2]);
      return;
    }

    auto results = dfg_.inst_results(i);
    if (results.size() != 1 || !foldable_type(dfg_.value_type(results[0]))) return;
    if (!can_fold(op)) return;

    // Constant folding: every operand constant.
    auto args = dfg_.fixed_args(i);
    std::vector<DataValue> vals;
    for (Value a : args) {
      auto c = constant(a);
      if (!c) break;
      vals.push_back(*c);
    }
    if (!args.empty() && vals.size() == args.size()) {
      Type rt = dfg_.value_type(results[0]);
      DataValue out[2];
      TrapCode trap;
      if (eval_pure(d, std::span<const Type>(&rt, 1), vals, out, trap) == EvalStatus::kOk) {
        replace_with_constant(i, out[0]);
      }
      return;
    }

    // Identities on integers.
    if (args.size() != 2 || !dfg_.value_type(results[0]).is_int()) return;
    Value x = args[0], y = args[1];
    switch (op) {
      case Opcode::kIadd: case Opcode::kBor: case Opcode::kBxor:
        if (is_int_const(y, 0)) return replace_with_value(i, x);
        if (is_int_const(x, 0)) return replace_with_value(i, y);
        break;
      case Opcode::kIsub: case Opcode::kIshl: case Opcode::kUshr: case Opcode::kSshr:
      case Opcode::kRotl: case Opcode::kRotr:
        if (is_int_const(y, 0)) return replace_with_value(i, x);
        break;
      case Opcode::kImul:
        if (is_int_const(y, 1)) return replace_with_value(i, x);
        if (is_int_const(x, 1)) return replace_with_value(i, y);
        if (is_int_const(x, 0) || is_int_const(y, 0)) {
          return replace_with_constant(i, DataValue::make(dfg_.value_type(results[0]), 0));
        }
        break;
      case Opcode::kBand:
        if (is_int_const(y, -1)) return replace_with_value(i, x);
        if (is_int_const(x, -1)) return replace_with_value(i, y);
        break;
      default:
        break;
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

  Function& f_;
  DataFlowGraph& dfg_;
  bool changed_ = false;
};

}  // namespace

bool simplify(Function& f) { return Simplifier(f).run(); }

}  // namespace kiln::codegen::opt
