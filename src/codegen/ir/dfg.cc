// codegen/ir/dfg.cc: DataFlowGraph: instructions, results, values, aliases, block parameters.
#include "codegen/ir/dfg.h"

#include <algorithm>
#include <cassert>

namespace kiln::codegen::ir {

std::string Signature::to_string() const {
  auto list = [](const std::vector<AbiParam>& ps) {
    std::string s;
    for (size_t i = 0; i < ps.size(); ++i) {
      if (i) s += ", ";
      s += ps[i].type.name();
      if (ps[i].purpose == ArgumentPurpose::kVmctx) s += " vmctx";
    }
    return s;
  };
  std::string s = "(" + list(params) + ")";
  if (!returns.empty()) s += " -> " + list(returns);
  if (call_conv == CallConv::kPreserveAll) s += " preserve_all";
  return s;
}

std::string ExternalName::to_string() const {
  if (is_user) return "u" + std::to_string(ns) + ":" + std::to_string(index);
  return "%" + test_name;
}

Inst DataFlowGraph::make_inst(const InstData& data) {
  Inst i = insts_.push(data);
  // Grown geometrically here: SecondaryMap::operator[] grows to exactly index + 1, an
  // out-of-line vector::resize for every new instruction. The entries past the last
  // instruction hold the default (no results), which is what reading them gives anyway.
  if (i.index() >= results_.size()) {
    results_.resize(std::max<size_t>(size_t{i.index()} + 1, results_.size() * 2));
  }
  results_[i] = ValueList();
  return i;
}

std::vector<Value> DataFlowGraph::inst_values(Inst i) const {
  std::vector<Value> out;
  for (Value v : fixed_args(i)) out.push_back(v);
  for (Value v : var_args(i)) out.push_back(v);
  for (const BlockCall* bc : branch_targets(i)) {
    for (Value v : bc->args.as_slice(pool_)) out.push_back(v);
  }
  return out;
}

std::vector<BlockCall*> DataFlowGraph::branch_targets(Inst i) {
  std::vector<BlockCall*> out;
  InstData& d = insts_[i];
  switch (d.format()) {
    case InstFormat::kJump: out.push_back(&d.dest[0]); break;
    case InstFormat::kBrif: out.push_back(&d.dest[0]); out.push_back(&d.dest[1]); break;
    case InstFormat::kBranchTable:
      if (jump_tables.is_valid(d.jump_table())) {
        JumpTableData& jt = jump_tables[d.jump_table()];
        out.push_back(&jt.default_target);
        for (BlockCall& bc : jt.targets) out.push_back(&bc);
      }
      break;
    default: break;
  }
  return out;
}

std::vector<const BlockCall*> DataFlowGraph::branch_targets(Inst i) const {
  std::vector<const BlockCall*> out;
  const InstData& d = insts_[i];
  switch (d.format()) {
    case InstFormat::kJump: out.push_back(&d.dest[0]); break;
    case InstFormat::kBrif: out.push_back(&d.dest[0]); out.push_back(&d.dest[1]); break;
    case InstFormat::kBranchTable:
      if (jump_tables.is_valid(d.jump_table())) {
        const JumpTableData& jt = jump_tables[d.jump_table()];
        out.reserve(1 + jt.targets.size());
        out.push_back(&jt.default_target);
        for (const BlockCall& bc : jt.targets) out.push_back(&bc);
      }
      break;
    default: break;
  }
  return out;
}

template <typename F>
bool DataFlowGraph::for_each_result_type(Inst i, F&& out) const {
  const InstData& d = insts_[i];
  auto arg_type = [&](size_t n) -> Type {
    Value v = d.args[n];
    if (!values_.is_valid(v)) return Type();
    return values_[resolve_aliases(v)].type;
  };
  auto sig_returns = [&](SigRef s) {
    if (!signatures.is_valid(s)) return false;
    for (const AbiParam& p : signatures[s].returns) out(p.type);
    return true;
  };
  Type t;
  switch (opcode_shape(d.opcode)) {
    case TypeShape::kConstInt: case TypeShape::kConstVec: case TypeShape::kExtend:
    case TypeShape::kReduce: case TypeShape::kFToI: case TypeShape::kIToF:
    case TypeShape::kBitcast: case TypeShape::kSplat: case TypeShape::kLoad:
    case TypeShape::kStackLoad: case TypeShape::kStackAddr: case TypeShape::kFuncAddr:
    case TypeShape::kVecConvert:
      t = d.type;
      break;
    case TypeShape::kConstF32: case TypeShape::kFDemote: t = kF32; break;
    case TypeShape::kConstF64: case TypeShape::kFPromote: t = kF64; break;
    case TypeShape::kIntBin: case TypeShape::kIntUn: case TypeShape::kIntDiv:
    case TypeShape::kAddTrap: case TypeShape::kBitBin: case TypeShape::kBitUn:
    case TypeShape::kShift: case TypeShape::kFloatBin: case TypeShape::kFloatUn:
    case TypeShape::kInsertLane:
      t = arg_type(0);
      break;
    case TypeShape::kIcmp: case TypeShape::kFcmp: {
      Type a = arg_type(0);
      if (!a.is_valid()) return false;
      t = a.is_vector() ? a.as_int() : kI8;
      break;
    }
    case TypeShape::kIconcat: t = kI128; break;
    case TypeShape::kIsplit: out(kI64); out(kI64); return true;
    case TypeShape::kSelect: t = arg_type(1); break;
    case TypeShape::kBitselect: t = arg_type(0); break;
    case TypeShape::kVecTest: t = kI8; break;
    case TypeShape::kVecBitmask: t = kI32; break;
    case TypeShape::kExtractLane: {
      Type a = arg_type(0);
      if (!a.is_valid()) return false;
      t = a.lane_type();
      break;
    }
    case TypeShape::kCall:
      if (is_terminator(d.opcode)) return true;
      if (d.opcode == Opcode::kCall) {
        if (!ext_funcs.is_valid(d.func_ref())) return false;
        return sig_returns(ext_funcs[d.func_ref()].signature);
      }
      return sig_returns(d.sig_ref());
    case TypeShape::kStore: case TypeShape::kStackStore: case TypeShape::kBranchShape:
    case TypeShape::kReturnShape: case TypeShape::kTrapShape: case TypeShape::kCondTrap:
      return true;
  }
  if (!t.is_valid()) return false;
  out(t);
  return true;
}

bool DataFlowGraph::result_types(Inst i, std::vector<Type>& out) const {
  out.clear();
  return for_each_result_type(i, [&](Type t) { out.push_back(t); });
}

size_t DataFlowGraph::make_inst_results(Inst i) {
  // Called for every instruction made: the results are made as their types are found, without
  // a list of the types. for_each_result_type fails before it reports any type, so a failure
  // makes no result.
  size_t n = 0;
  for_each_result_type(i, [&](Type t) {
    append_result(i, t);
    ++n;
  });
  return n;
}

Value DataFlowGraph::append_result(Inst i, Type t) {
  Value v = values_.push(ValueData{});
  attach_result(i, v, t);
  return v;
}

void DataFlowGraph::attach_result(Inst i, Value v, Type t) {
  ValueData& vd = values_[v];
  vd.kind = ValueKind::kResult;
  vd.type = t;
  vd.num = static_cast<uint32_t>(results_[i].size(pool_));
  vd.owner = i.index();
  results_[i].push(v, pool_);
}

void DataFlowGraph::clear_results(Inst i) {
  for (Value v : inst_results(i)) values_[v] = ValueData{};
  results_[i].clear(pool_);
}

Value DataFlowGraph::make_placeholder() { return values_.push(ValueData{}); }

Value DataFlowGraph::resolve_alias_chain(Value v) const {
  size_t steps = 0;
  while (values_.is_valid(v) && values_[v].kind == ValueKind::kAlias && steps++ < values_.size()) {
    v = Value(values_[v].owner);
  }
  return v;
}

void DataFlowGraph::change_to_alias(Value v, Value dest) {
  Value target = resolve_aliases(dest);
  assert(target != v);
  ValueData& vd = values_[v];
  vd.kind = ValueKind::kAlias;
  vd.type = values_[target].type;
  vd.num = 0;
  vd.owner = target.index();
  ++aliases_made_;
}

void DataFlowGraph::resolve_all_aliases() {
  for (Inst i : insts_.keys()) {
    map_values(i, [&](Value& v) { v = resolve_aliases(v); });
  }
}

Block DataFlowGraph::make_block() { return blocks_.push(ValueList()); }

Value DataFlowGraph::append_block_param(Block b, Type t) {
  Value v = values_.push(ValueData{});
  attach_block_param(b, v, t);
  return v;
}

void DataFlowGraph::attach_block_param(Block b, Value v, Type t) {
  ValueData& vd = values_[v];
  vd.kind = ValueKind::kParam;
  vd.type = t;
  vd.num = static_cast<uint32_t>(blocks_[b].size(pool_));
  vd.owner = b.index();
  blocks_[b].push(v, pool_);
}

void DataFlowGraph::remove_block_param(Value v) {
  ValueData& vd = values_[v];
  assert(vd.kind == ValueKind::kParam);
  Block b(vd.owner);
  uint32_t num = vd.num;
  blocks_[b].remove(num, pool_);
  for (Value p : blocks_[b].as_slice(pool_).subspan(num)) values_[p].num--;
  vd = ValueData{};
}

}  // namespace kiln::codegen::ir
