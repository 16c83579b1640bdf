// codegen/opt/util.cc: helpers shared by the mid-end passes (see util.h).
#include "codegen/opt/util.h"

#include "codegen/opt/passes.h"

#include <cassert>

namespace kiln::codegen::opt {

using namespace ir;

std::optional<DataValue> constant_value(const DataFlowGraph& dfg, Value v, const InstData& d) {
  Type t = dfg.value_type(dfg.resolve_aliases(v));
  switch (d.opcode) {
    case Opcode::kIconst: return DataValue::make(t, static_cast<uint64_t>(d.imm));
    case Opcode::kF32const: return DataValue::make(t, static_cast<uint32_t>(d.imm));
    case Opcode::kF64const: return DataValue::make(t, static_cast<uint64_t>(d.imm));
    default: return std::nullopt;
  }
}

bool may_trap(const Function& f, Inst i) {
  const InstData& d = f.dfg[i];
  switch (d.opcode) {
    case Opcode::kSdiv: case Opcode::kSrem: case Opcode::kUdiv: case Opcode::kUrem: {
      auto c = int_constant_of(f.dfg, d.args[1]);
      if (!c || *c == 0) return true;
      // Only sdiv MIN / -1 overflows; srem of MIN by -1 is defined as 0.
      return d.opcode == Opcode::kSdiv && *c == -1;
    }
    case Opcode::kStackLoad: case Opcode::kStackStore: case Opcode::kStackAddr:
      return false;
    default:
      break;
  }
  if (can_load(d.opcode) || can_store(d.opcode)) return !d.mem_flags().notrap();
  return can_trap(d.opcode) || is_call(d.opcode);
}

Inst insert_inst_before(Function& f, const InstData& d, Inst before) {
  Inst i = f.dfg.make_inst(d);
  f.dfg.make_inst_results(i);
  f.layout.insert_inst_before(i, before);
  return i;
}

Value insert_value_before(Function& f, const InstData& d, Inst before) {
  return f.dfg.first_result(insert_inst_before(f, d, before));
}

void replace_inst_with_value(Function& f, Inst i, Value v) {
  Value r = f.dfg.first_result(i);
  v = f.dfg.resolve_aliases(v);
  assert(r != v);
  f.layout.remove_inst(i);
  f.dfg.clear_results(i);
  f.dfg.change_to_alias(r, v);
}

void resolve_aliases_in_layout(Function& f) {
  // Path compression first: every alias points straight at its final value, so later
  // resolve_aliases calls (here and in the passes) take one step instead of a chain walk.
  // Most aliases already do (chains of one step are skipped at once).
  DataFlowGraph& dfg = f.dfg;
  const size_t n = dfg.num_values();
  std::vector<Value> path;
  for (size_t k = 0; k < n; ++k) {
    Value v = Value::from_index(k);
    if (dfg.value_data(v).kind != ValueKind::kAlias) continue;
    Value next(dfg.value_data(v).owner);
    if (dfg.value_data(next).kind != ValueKind::kAlias) continue;
    path.clear();
    while (dfg.value_data(v).kind == ValueKind::kAlias && path.size() <= n) {
      path.push_back(v);
      v = Value(dfg.value_data(v).owner);
    }
    for (Value p : path) {
      if (Value(dfg.value_data(p).owner) != v) dfg.change_to_alias(p, v);
    }
  }
  auto resolve = [&](Value& v) {
    if (v && dfg.value_data(v).kind == ValueKind::kAlias) v = Value(dfg.value_data(v).owner);
  };
  for (Block b : f.layout.blocks()) {
    for (Inst i : f.layout.insts(b)) {
      InstData& d = dfg[i];
      for (Value& v : dfg.fixed_args_mut(i)) resolve(v);
      if (!d.vargs.is_empty()) {
        for (Value& v : d.vargs.as_mut_slice(dfg.pool())) resolve(v);
      }
      for_each_block_call(dfg, i, [&](BlockCall& bc) {
        for (Value& v : bc.args.as_mut_slice(dfg.pool())) resolve(v);
      });
    }
  }
}

void CfgCache::resolve_operands(Function& f) {
  if (resolved_at_aliases == f.dfg.aliases_made()) return;
  resolve_aliases_in_layout(f);
  resolved_at_aliases = f.dfg.aliases_made();
}

void WalkResolver::resolve_lists(DataFlowGraph& dfg, Inst i) {
  for (Value& v : dfg[i].vargs.as_mut_slice(dfg.pool())) v = dfg.resolve_aliases(v);
  for_each_block_call(dfg, i, [&](BlockCall& bc) {
    for (Value& v : bc.args.as_mut_slice(dfg.pool())) v = dfg.resolve_aliases(v);
  });
}

void WalkResolver::finish(Function& f, CfgCache& cache, const DominatorTree& domtree) const {
  DataFlowGraph& dfg = f.dfg;
  if (dfg.aliases_made() == start_) return;  // nothing new to resolve
  if (!active_) {
    cache.resolve_operands(f);
    return;
  }
  for (Block b : f.layout.blocks()) {
    if (domtree.is_reachable(b)) continue;
    for (Inst i : f.layout.insts(b)) {
      for_each_operand(dfg, i, [&](Value& v) { v = dfg.resolve_aliases(v); });
    }
  }
  cache.resolved_at_aliases = dfg.aliases_made();
}

std::vector<Block> domtree_preorder(const Function& f, const DominatorTree& domtree) {
  std::vector<Block> out;
  Block entry = f.layout.entry_block();
  if (!entry || !domtree.is_reachable(entry)) return out;
  std::vector<Block> stack{entry};
  while (!stack.empty()) {
    Block b = stack.back();
    stack.pop_back();
    out.push_back(b);
    auto ch = domtree.children(b);
    for (auto it = ch.rbegin(); it != ch.rend(); ++it) stack.push_back(*it);
  }
  return out;
}

}  // namespace kiln::codegen::opt
