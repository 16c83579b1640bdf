// codegen/ir/printer.cc: writes functions in the text form read by parser.cc.
#include "codegen/ir/printer.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace kiln::codegen::ir {
namespace {

std::string val(const DataFlowGraph& dfg, Value v) {
  if (dfg.value_is_valid(v)) v = dfg.resolve_aliases(v);
  return entity_name(v);
}

std::string value_list(const DataFlowGraph& dfg, std::span<const Value> vs) {
  std::string s;
  for (size_t i = 0; i < vs.size(); ++i) {
    if (i) s += ", ";
    s += val(dfg, vs[i]);
  }
  return s;
}

std::string block_call(const DataFlowGraph& dfg, const BlockCall& bc) {
  std::string s = entity_name(bc.block);
  auto args = bc.args.as_slice(dfg.pool());
  if (!args.empty()) s += "(" + value_list(dfg, args) + ")";
  return s;
}

std::string offset(int32_t off) {
  if (off == 0) return "";
  return (off > 0 ? "+" : "") + std::to_string(off);
}

// The shortest decimal that reads back to the same value.
std::string float_literal(double d, bool is_f32) {
  char buf[64];
  for (int p = 1; p <= (is_f32 ? 9 : 17); ++p) {
    std::snprintf(buf, sizeof buf, "%.*g", p, d);
    bool same = is_f32 ? std::strtof(buf, nullptr) == static_cast<float>(d)
                       : std::strtod(buf, nullptr) == d;
    if (same) break;
  }
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

template <typename Bits>
std::string nan_literal(Bits bits, int mantissa_bits) {
  bool neg = (bits >> (sizeof(Bits) * 8 - 1)) & 1;
  Bits payload = bits & ((Bits{1} << mantissa_bits) - 1);
  std::string s = neg ? "-nan" : "+nan";
  if (payload != (Bits{1} << (mantissa_bits - 1))) {
    char buf[32];
    std::snprintf(buf, sizeof buf, ":0x%" PRIx64, static_cast<uint64_t>(payload));
    s += buf;
  }
  return s;
}

int64_t signed_imm(int64_t imm, Type t) {
  uint32_t bits = t.bits();
  if (bits == 0 || bits >= 64) return imm;
  uint64_t u = static_cast<uint64_t>(imm) & ((uint64_t{1} << bits) - 1);
  uint64_t sign = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((u ^ sign) - sign);
}

}  // namespace

std::string format_f32(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  if (std::isnan(f)) return nan_literal<uint32_t>(bits, 23);
  if (std::isinf(f)) return f < 0 ? "-inf" : "+inf";
  return float_literal(f, true);
}

std::string format_f64(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, 8);
  if (std::isnan(d)) return nan_literal<uint64_t>(bits, 52);
  if (std::isinf(d)) return d < 0 ? "-inf" : "+inf";
  return float_literal(d, false);
}

std::string format_v128(const V128Bytes& bytes) {
  std::string s = "0x";
  char buf[4];
  for (int i = 15; i >= 0; --i) {
    std::snprintf(buf, sizeof buf, "%02x", bytes[i]);
    s += buf;
  }
  return s;
}

std::string print_inst(const Function& f, Inst i) {
  const DataFlowGraph& dfg = f.dfg;
  const InstData& d = dfg[i];
  std::string s;
  auto results = dfg.inst_results(i);
  if (!results.empty()) s = value_list(dfg, results) + " = ";
  s += opcode_name(d.opcode);
  if (has_explicit_type(d.opcode)) {
    s += ".";
    s += d.type.is_valid() ? d.type.name() : "?";
  }
  auto a = [&](int n) { return val(dfg, d.args[n]); };
  auto flags = [&]() {
    std::string fl = d.mem_flags().to_string();
    return fl.empty() ? fl : fl + " ";
  };
  std::string ops;
  switch (d.format()) {
    case InstFormat::kUnaryImm: ops = std::to_string(signed_imm(d.imm, d.type)); break;
    case InstFormat::kUnaryIeee32: ops = format_f32(static_cast<uint32_t>(d.imm)); break;
    case InstFormat::kUnaryIeee64: ops = format_f64(static_cast<uint64_t>(d.imm)); break;
    case InstFormat::kUnaryConst:
      ops = dfg.constants.is_valid(d.constant()) ? format_v128(dfg.constants[d.constant()])
                                                 : entity_name(d.constant());
      break;
    case InstFormat::kUnary: ops = a(0); break;
    case InstFormat::kBinary: ops = a(0) + ", " + a(1); break;
    case InstFormat::kTernary: ops = a(0) + ", " + a(1) + ", " + a(2); break;
    case InstFormat::kIntCompare:
      ops = std::string(intcc_name(d.intcc())) + " " + a(0) + ", " + a(1);
      break;
    case InstFormat::kFloatCompare:
      ops = std::string(floatcc_name(d.floatcc())) + " " + a(0) + ", " + a(1);
      break;
    case InstFormat::kLoad: ops = flags() + a(0) + offset(d.offset()); break;
    case InstFormat::kStore: ops = flags() + a(0) + ", " + a(1) + offset(d.offset()); break;
    case InstFormat::kStackLoad: ops = entity_name(d.stack_slot()) + offset(d.offset()); break;
    case InstFormat::kStackStore:
      ops = a(0) + ", " + entity_name(d.stack_slot()) + offset(d.offset());
      break;
    case InstFormat::kCall:
      ops = entity_name(d.func_ref()) + "(" + value_list(dfg, dfg.var_args(i)) + ")";
      break;
    case InstFormat::kCallIndirect: {
      auto args = dfg.var_args(i);
      ops = entity_name(d.sig_ref()) + ", ";
      if (!args.empty()) {
        ops += val(dfg, args[0]) + "(" + value_list(dfg, args.subspan(1)) + ")";
      }
      break;
    }
    case InstFormat::kFuncAddr: ops = entity_name(d.func_ref()); break;
    case InstFormat::kJump: ops = block_call(dfg, d.dest[0]); break;
    case InstFormat::kBrif:
      ops = a(0) + ", " + block_call(dfg, d.dest[0]) + ", " + block_call(dfg, d.dest[1]);
      break;
    case InstFormat::kBranchTable:
      ops = a(0) + ", ";
      if (dfg.jump_tables.is_valid(d.jump_table())) {
        const JumpTableData& jt = dfg.jump_tables[d.jump_table()];
        ops += block_call(dfg, jt.default_target) + ", [";
        for (size_t k = 0; k < jt.targets.size(); ++k) {
          if (k) ops += ", ";
          ops += block_call(dfg, jt.targets[k]);
        }
        ops += "]";
      } else {
        ops += entity_name(d.jump_table());
      }
      break;
    case InstFormat::kMultiAry: ops = value_list(dfg, dfg.var_args(i)); break;
    case InstFormat::kTrap: ops = trapcode_name(d.trap_code()); break;
    case InstFormat::kCondTrap: ops = a(0) + ", " + trapcode_name(d.trap_code()); break;
    case InstFormat::kIntAddTrap:
      ops = a(0) + ", " + a(1) + ", " + trapcode_name(d.trap_code());
      break;
    case InstFormat::kExtractLane: ops = a(0) + ", " + std::to_string(d.imm); break;
    case InstFormat::kInsertLane: ops = a(0) + ", " + a(1) + ", " + std::to_string(d.imm); break;
  }
  if (!ops.empty()) s += " " + ops;
  return s;
}

std::string print_function(const Function& f) {
  const DataFlowGraph& dfg = f.dfg;
  std::string s = "function %" + f.name + f.signature.to_string() + " {\n";
  bool preamble = false;
  for (StackSlot ss : f.stack_slots.keys()) {
    const StackSlotData& d = f.stack_slots[ss];
    s += "    " + entity_name(ss) + " = explicit_slot " + std::to_string(d.size) +
         ", align = " + std::to_string(uint64_t{1} << d.align_shift) + "\n";
    preamble = true;
  }
  for (SigRef sr : dfg.signatures.keys()) {
    s += "    " + entity_name(sr) + " = " + dfg.signatures[sr].to_string() + "\n";
    preamble = true;
  }
  for (FuncRef fr : dfg.ext_funcs.keys()) {
    const ExtFuncData& d = dfg.ext_funcs[fr];
    s += "    " + entity_name(fr) + " = " + (d.colocated ? "colocated " : "") +
         d.name.to_string() + " " + entity_name(d.signature) + "\n";
    preamble = true;
  }
  bool first = true;
  for (Block b : f.layout.blocks()) {
    if (!first || preamble) s += "\n";
    first = false;
    s += entity_name(b);
    auto params = dfg.block_params(b);
    if (!params.empty()) {
      s += "(";
      for (size_t k = 0; k < params.size(); ++k) {
        if (k) s += ", ";
        s += entity_name(params[k]) + ": " + std::string(dfg.value_type(params[k]).name());
      }
      s += ")";
    }
    s += ":\n";
    for (Inst i : f.layout.insts(b)) s += "    " + print_inst(f, i) + "\n";
  }
  s += "}\n";
  return s;
}

}  // namespace kiln::codegen::ir
