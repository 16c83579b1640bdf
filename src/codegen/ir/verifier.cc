// codegen/ir/verifier.cc: the IR verifier.
//
// Invariants checked, in order:
//  1. The function has an entry block (the first block in the layout) whose parameters have
//     the types of the signature's parameters.
//  2. Every block in the layout is non-empty and ends with its only terminator.
//  3. Every entity an instruction names exists: values, blocks (which must be in the layout),
//     stack slots, signatures, external functions, jump tables, constants; memory flags have
//     only known bits; trap codes are named or user codes.
//  4. Every value operand resolves (through aliases, without cycles) to an instruction result
//     or a block parameter whose instruction/block is in the layout.
//  5. SSA dominance: in reachable blocks, the definition of each operand dominates its use
//     (an earlier instruction of the same block, a parameter of a dominating block, or a result
//     in a dominating block). Unreachable blocks are exempt, as in Cranelift.
//  6. Operand types satisfy the opcode's type shape (opcodes.def), and the results have exactly
//     the types the shape gives.
//  7. Branch arguments match the target block's parameters in number and type.
//  8. Call arguments match the callee signature; return and return_call values match the
//     function's signature.
//  9. Immediates are in range: iconst fits its type, lanes fit the vector, stack accesses fit
//     inside their slot.
#include "codegen/ir/verifier.h"

#include <string>

#include "codegen/ir/flowgraph.h"
#include "codegen/ir/printer.h"

namespace kiln::codegen::ir {
namespace {

class Verifier {
 public:
  explicit Verifier(const Function& f) : f_(f), dfg_(f.dfg) {}

  Expected<void> run() {
    Block entry = f_.layout.entry_block();
    if (!entry) return fail("function has no blocks");
    auto params = dfg_.block_params(entry);
    if (params.size() != f_.signature.params.size()) {
      return fail_block(entry, "entry block has " + std::to_string(params.size()) +
                                   " parameters, signature has " +
                                   std::to_string(f_.signature.params.size()));
    }
    for (size_t k = 0; k < params.size(); ++k) {
      if (dfg_.value_type(params[k]) != f_.signature.params[k].type) {
        return fail_block(entry, "entry block parameter " + entity_name(params[k]) +
                                     " does not have the signature's type");
      }
    }
    // Structure first, so the CFG below may trust that terminators are last.
    for (Block b : f_.layout.blocks()) {
      if (!dfg_.block_is_valid(b)) return fail("invalid block in layout");
      for (Value p : dfg_.block_params(b)) {
        const ValueData& vd = dfg_.value_data(p);
        if (vd.kind != ValueKind::kParam || vd.owner != b.index() || !vd.type.is_valid()) {
          return fail_block(b, "parameter " + entity_name(p) + " is not a typed block parameter");
        }
      }
      Inst last = f_.layout.last_inst(b);
      if (!last) return fail_block(b, "block is empty");
      uint32_t seq = 0;
      for (Inst i : f_.layout.insts(b)) {
        if (!dfg_.inst_is_valid(i)) return fail_block(b, "invalid instruction in layout");
        if (f_.layout.inst_block(i) != b) return fail_inst(i, "layout links are inconsistent");
        seq_[i] = ++seq;
        if (is_terminator(dfg_[i].opcode) && i != last) {
          return fail_inst(i, "terminator is not the last instruction of its block");
        }
      }
      if (!is_terminator(dfg_[last].opcode)) {
        return fail_inst(last, "block does not end with a terminator");
      }
    }
    for (Block b : f_.layout.blocks()) {
      for (Inst i : f_.layout.insts(b)) KILN_TRY(check_entities(i));
    }
    cfg_.compute(f_);
    domtree_.compute(f_, cfg_);
    for (Block b : f_.layout.blocks()) {
      for (Inst i : f_.layout.insts(b)) {
        KILN_TRY(check_operands(i, b));
        KILN_TRY(check_types(i));
      }
    }
    return {};
  }

 private:
  Error fail(const std::string& msg) const {
    return Error(ErrorKind::kInvalid, "%" + f_.name + ": " + msg);
  }
  Error fail_block(Block b, const std::string& msg) const {
    return fail(entity_name(b) + ": " + msg);
  }
  Error fail_inst(Inst i, const std::string& msg) const {
    return fail(entity_name(i) + " (" + print_inst(f_, i) + "): " + msg);
  }

  bool value_ok(Value v) const {
    if (!dfg_.value_is_valid(v)) return false;
    Value r = dfg_.resolve_aliases(v);
    const ValueData& vd = dfg_.value_data(r);
    if (vd.kind == ValueKind::kResult) {
      Inst def(vd.owner);
      return dfg_.inst_is_valid(def) && f_.layout.inst_block(def).is_valid();
    }
    if (vd.kind == ValueKind::kParam) {
      Block b(vd.owner);
      return dfg_.block_is_valid(b) && f_.layout.is_block_inserted(b);
    }
    return false;
  }

  Expected<void> check_entities(Inst i) {
    const InstData& d = dfg_[i];
    for (Value v : dfg_.fixed_args(i)) {
      if (!value_ok(v)) return fail_inst(i, "operand " + entity_name(v) + " is not defined");
    }
    for (Value v : dfg_.var_args(i)) {
      if (!value_ok(v)) return fail_inst(i, "operand " + entity_name(v) + " is not defined");
    }
    if (d.format() == InstFormat::kBranchTable && !dfg_.jump_tables.is_valid(d.jump_table())) {
      return fail_inst(i, "undefined jump table");
    }
    for (const BlockCall* bc : dfg_.branch_targets(i)) {
      if (!dfg_.block_is_valid(bc->block) || !f_.layout.is_block_inserted(bc->block)) {
        return fail_inst(i, "branch to a block not in the layout");
      }
      for (Value v : bc->args.as_slice(dfg_.pool())) {
        if (!value_ok(v)) return fail_inst(i, "branch argument " + entity_name(v) + " undefined");
      }
    }
    switch (d.format()) {
      case InstFormat::kUnaryConst:
        if (!dfg_.constants.is_valid(d.constant())) return fail_inst(i, "undefined constant");
        break;
      case InstFormat::kLoad:
      case InstFormat::kStore:
        if (d.aux & ~MemFlags::kAllBits) return fail_inst(i, "unknown memory flags");
        break;
      case InstFormat::kStackLoad:
      case InstFormat::kStackStore:
        if (!f_.stack_slots.is_valid(d.stack_slot())) return fail_inst(i, "undefined stack slot");
        break;
      case InstFormat::kCall:
      case InstFormat::kFuncAddr:
        if (!dfg_.ext_funcs.is_valid(d.func_ref())) return fail_inst(i, "undefined function");
        if (!dfg_.signatures.is_valid(dfg_.ext_funcs[d.func_ref()].signature)) {
          return fail_inst(i, "function has an undefined signature");
        }
        break;
      case InstFormat::kCallIndirect:
        if (!dfg_.signatures.is_valid(d.sig_ref())) return fail_inst(i, "undefined signature");
        if (dfg_.var_args(i).empty()) return fail_inst(i, "missing callee");
        break;
      case InstFormat::kTrap:
      case InstFormat::kCondTrap:
      case InstFormat::kIntAddTrap:
        if (trapcode_name(d.trap_code()).substr(0, 4) == "trap") {
          return fail_inst(i, "unknown trap code");
        }
        break;
      default:
        break;
    }
    return {};
  }

  // Invariant 5: the definition of v dominates its use by instruction i in block b.
  Expected<void> check_dominance(Inst i, Block b, Value v) {
    if (!domtree_.is_reachable(b)) return {};
    Value r = dfg_.resolve_aliases(v);
    const ValueData& vd = dfg_.value_data(r);
    if (vd.kind == ValueKind::kParam) {
      if (!domtree_.dominates(Block(vd.owner), b)) {
        return fail_inst(i, "use of " + entity_name(v) + " is not dominated by its definition");
      }
      return {};
    }
    Inst def(vd.owner);
    Block db = f_.layout.inst_block(def);
    bool ok = db == b ? seq_[def] < seq_[i] : domtree_.dominates(db, b);
    if (!ok) {
      return fail_inst(i, "use of " + entity_name(v) + " is not dominated by its definition");
    }
    return {};
  }

  Expected<void> check_operands(Inst i, Block b) {
    for (Value v : dfg_.inst_values(i)) KILN_TRY(check_dominance(i, b, v));
    for (const BlockCall* bc : dfg_.branch_targets(i)) {
      auto args = bc->args.as_slice(dfg_.pool());
      auto params = dfg_.block_params(bc->block);
      if (args.size() != params.size()) {
        return fail_inst(i, entity_name(bc->block) + " takes " + std::to_string(params.size()) +
                                " arguments, " + std::to_string(args.size()) + " given");
      }
      for (size_t k = 0; k < args.size(); ++k) {
        if (type(args[k]) != dfg_.value_type(params[k])) {
          return fail_inst(i, "argument " + entity_name(args[k]) + " to " +
                                  entity_name(bc->block) + " has the wrong type");
        }
      }
    }
    return {};
  }

  Type type(Value v) const { return dfg_.value_type(dfg_.resolve_aliases(v)); }
  Type arg(Inst i, int k) const { return type(dfg_[i].args[k]); }

  Expected<void> check_values(Inst i, std::span<const Value> vals,
                              const std::vector<AbiParam>& want, const char* what) {
    if (vals.size() != want.size()) {
      return fail_inst(i, std::string(what) + ": expected " + std::to_string(want.size()) +
                              " values, got " + std::to_string(vals.size()));
    }
    for (size_t k = 0; k < vals.size(); ++k) {
      if (type(vals[k]) != want[k].type) {
        return fail_inst(i, std::string(what) + ": " + entity_name(vals[k]) +
                                " has the wrong type");
      }
    }
    return {};
  }

  static bool addr_type(Type t) { return t == kI32 || t == kI64; }

  // The operand/result vector types each lane-shape conversion accepts (see opcodes.def).
  static bool vec_convert_ok(Opcode op, Type from, Type to) {
    switch (op) {
      case Opcode::kSnarrow: case Opcode::kUnarrow:
        return (from == kI16x8 && to == kI8x16) || (from == kI32x4 && to == kI16x8);
      case Opcode::kSwidenLow: case Opcode::kSwidenHigh: case Opcode::kUwidenLow:
      case Opcode::kUwidenHigh:
        return (from == kI8x16 && to == kI16x8) || (from == kI16x8 && to == kI32x4) ||
               (from == kI32x4 && to == kI64x2);
      case Opcode::kSdotPairs: return from == kI16x8 && to == kI32x4;
      case Opcode::kVcvtFromSint: case Opcode::kVcvtFromUint:
        return from == kI32x4 && (to == kF32x4 || to == kF64x2);
      case Opcode::kVcvtToSintSat: case Opcode::kVcvtToUintSat:
        return (from == kF32x4 || from == kF64x2) && to == kI32x4;
      case Opcode::kVpromoteLow: return from == kF32x4 && to == kF64x2;
      case Opcode::kVdemote: return from == kF64x2 && to == kF32x4;
      default: return false;
    }
  }

  Expected<void> check_types(Inst i) {
    const InstData& d = dfg_[i];
    auto bad = [&](const std::string& why) { return fail_inst(i, why); };
    Type t0 = format_fixed_args(d.format()) > 0 ? arg(i, 0) : Type();
    Type r = d.type;
    auto same2 = [&]() { return arg(i, 1) == t0; };
    switch (opcode_shape(d.opcode)) {
      case TypeShape::kConstInt:
        if (!r.is_int() || r.bits() > 64) return bad("iconst type must be i8..i64");
        if (r.bits() < 64 && (static_cast<uint64_t>(d.imm) >> r.bits()) != 0) {
          return bad("immediate does not fit the type");
        }
        break;
      case TypeShape::kConstF32:
      case TypeShape::kConstF64:
        break;
      case TypeShape::kConstVec:
        if (!r.is_vector()) return bad("vconst needs a vector type");
        break;
      case TypeShape::kIntBin:
        if (!t0.is_int_lanes() || !same2()) return bad("operands must be the same integer type");
        break;
      case TypeShape::kIntUn:
        if (!t0.is_int_lanes()) return bad("operand must be an integer");
        break;
      case TypeShape::kIntDiv:
        if (!t0.is_int() || t0.bits() > 64 || !same2()) {
          return bad("operands must be the same scalar integer type up to i64");
        }
        break;
      case TypeShape::kAddTrap:
        if (!addr_type(t0) || !same2()) return bad("operands must both be i32 or i64");
        break;
      case TypeShape::kBitBin:
        if (!(t0.is_int_lanes() || t0.is_vector()) || !same2()) {
          return bad("operands must be the same integer or vector type");
        }
        break;
      case TypeShape::kBitUn:
        if (!(t0.is_int_lanes() || t0.is_vector())) return bad("operand must be integer or vector");
        break;
      case TypeShape::kShift:
        if (!t0.is_int_lanes() || !arg(i, 1).is_int()) {
          return bad("shift needs an integer value and a scalar integer amount");
        }
        break;
      case TypeShape::kIcmp:
        if (!t0.is_int_lanes() || !same2()) return bad("operands must be the same integer type");
        break;
      case TypeShape::kFcmp:
      case TypeShape::kFloatBin:
        if (!t0.is_float_lanes() || !same2()) return bad("operands must be the same float type");
        break;
      case TypeShape::kFloatUn:
        if (!t0.is_float_lanes()) return bad("operand must be a float");
        break;
      case TypeShape::kExtend:
        if (!r.is_int() || !t0.is_int() || t0.bits() >= r.bits()) {
          return bad("extension needs a narrower integer operand");
        }
        break;
      case TypeShape::kReduce:
        if (!r.is_int() || !t0.is_int() || t0.bits() <= r.bits()) {
          return bad("ireduce needs a wider integer operand");
        }
        break;
      case TypeShape::kFPromote:
        if (t0 != kF32) return bad("fpromote takes f32");
        break;
      case TypeShape::kFDemote:
        if (t0 != kF64) return bad("fdemote takes f64");
        break;
      case TypeShape::kFToI:
        if (!addr_type(r) || !t0.is_float()) return bad("conversion is from f32/f64 to i32/i64");
        break;
      case TypeShape::kIToF:
        if (!r.is_float() || !addr_type(t0)) return bad("conversion is from i32/i64 to f32/f64");
        break;
      case TypeShape::kBitcast:
        if (!r.is_valid() || r.bits() != t0.bits()) return bad("bitcast needs equal widths");
        break;
      case TypeShape::kIconcat:
        if (t0 != kI64 || arg(i, 1) != kI64) return bad("iconcat takes two i64");
        break;
      case TypeShape::kIsplit:
        if (t0 != kI128) return bad("isplit takes i128");
        break;
      case TypeShape::kSelect:
        if (!t0.is_int() || arg(i, 1) != arg(i, 2)) {
          return bad("select needs a scalar integer condition and equal value types");
        }
        break;
      case TypeShape::kSplat:
        if (!r.is_vector() || t0 != r.lane_type()) return bad("splat operand must be the lane type");
        break;
      case TypeShape::kExtractLane:
        if (!t0.is_vector() || d.imm < 0 || d.imm >= t0.lane_count()) {
          return bad("extractlane needs a vector and a lane in range");
        }
        break;
      case TypeShape::kInsertLane:
        if (!t0.is_vector() || arg(i, 1) != t0.lane_type() || d.imm < 0 ||
            d.imm >= t0.lane_count()) {
          return bad("insertlane needs a vector, a lane value and a lane in range");
        }
        break;
      case TypeShape::kBitselect:
        if (!t0.is_vector() || arg(i, 1) != t0 || arg(i, 2) != t0) {
          return bad("bitselect needs three operands of the same vector type");
        }
        break;
      case TypeShape::kVecTest:
      case TypeShape::kVecBitmask:
        if (!t0.is_vector()) return bad("operand must be a vector");
        break;
      case TypeShape::kVecConvert:
        if (!r.is_vector() || !t0.is_vector() ||
            (format_fixed_args(d.format()) > 1 && arg(i, 1) != t0)) {
          return bad("lane conversion needs vector operands of one type and a vector result");
        }
        if (!vec_convert_ok(d.opcode, t0, r)) return bad("unsupported lane conversion types");
        break;
      case TypeShape::kLoad:
        if (!addr_type(t0)) return bad("address must be i32 or i64");
        if (!r.is_valid()) return bad("load needs a type");
        if (d.opcode != Opcode::kLoad &&
            (!r.is_int() || r.bits() <= 8 * mem_access_bytes(d.opcode, r))) {
          return bad("extending load needs a wider integer type");
        }
        break;
      case TypeShape::kStore:
        if (!addr_type(arg(i, 1))) return bad("address must be i32 or i64");
        if (d.opcode != Opcode::kStore &&
            (!t0.is_int() || t0.bits() <= 8 * mem_access_bytes(d.opcode, t0))) {
          return bad("narrow store needs a wider integer value");
        }
        break;
      case TypeShape::kStackLoad:
      case TypeShape::kStackStore:
      case TypeShape::kStackAddr: {
        Type acc = opcode_shape(d.opcode) == TypeShape::kStackStore ? t0 : r;
        if (!acc.is_valid()) return bad("missing type");
        if (opcode_shape(d.opcode) == TypeShape::kStackAddr && !addr_type(r)) {
          return bad("stack_addr type must be i32 or i64");
        }
        uint64_t need = opcode_shape(d.opcode) == TypeShape::kStackAddr ? 0 : acc.bytes();
        int64_t off = d.offset();
        if (off < 0 || static_cast<uint64_t>(off) + need > f_.stack_slots[d.stack_slot()].size) {
          return bad("access is outside the stack slot");
        }
        break;
      }
      case TypeShape::kCall: {
        auto vargs = dfg_.var_args(i);
        const Signature* sig;
        if (d.format() == InstFormat::kCall) {
          sig = &dfg_.signatures[dfg_.ext_funcs[d.func_ref()].signature];
        } else {
          sig = &dfg_.signatures[d.sig_ref()];
          if (!addr_type(type(vargs[0]))) return bad("callee must be an i32 or i64 address");
          vargs = vargs.subspan(1);
        }
        KILN_TRY(check_values(i, vargs, sig->params, "call arguments"));
        if (is_terminator(d.opcode)) {
          if (sig->returns.size() != f_.signature.returns.size()) {
            return bad("tail call results differ from the function's");
          }
          for (size_t k = 0; k < sig->returns.size(); ++k) {
            if (sig->returns[k].type != f_.signature.returns[k].type) {
              return bad("tail call results differ from the function's");
            }
          }
        }
        break;
      }
      case TypeShape::kFuncAddr:
        if (!addr_type(r)) return bad("func_addr type must be i32 or i64");
        break;
      case TypeShape::kBranchShape:
        if (d.opcode == Opcode::kBrif && !t0.is_int()) return bad("condition must be an integer");
        if (d.opcode == Opcode::kBrTable && !addr_type(t0)) return bad("index must be i32 or i64");
        break;
      case TypeShape::kReturnShape:
        KILN_TRY(check_values(i, dfg_.var_args(i), f_.signature.returns, "return values"));
        break;
      case TypeShape::kTrapShape:
        break;
      case TypeShape::kCondTrap:
        if (!t0.is_int()) return bad("condition must be a scalar integer");
        break;
    }
    std::vector<Type> want;
    if (!dfg_.result_types(i, want)) return bad("cannot type the results");
    auto results = dfg_.inst_results(i);
    if (results.size() != want.size()) {
      return bad("has " + std::to_string(results.size()) + " results, expected " +
                 std::to_string(want.size()));
    }
    for (size_t k = 0; k < want.size(); ++k) {
      const ValueData& vd = dfg_.value_data(results[k]);
      if (vd.kind != ValueKind::kResult || vd.owner != i.index() || vd.num != k) {
        return bad("result " + entity_name(results[k]) + " is not linked to its instruction");
      }
      if (vd.type != want[k]) return bad("result " + entity_name(results[k]) + " has wrong type");
    }
    return {};
  }

  const Function& f_;
  const DataFlowGraph& dfg_;
  ControlFlowGraph cfg_;
  DominatorTree domtree_;
  SecondaryMap<Inst, uint32_t> seq_;
};

}  // namespace

Expected<void> verify_function(const Function& f) { return Verifier(f).run(); }

}  // namespace kiln::codegen::ir
