// codegen/ir/dfg.h: the data flow graph: what a function computes (instructions, values,
// block parameters, signatures, callees, jump tables, constants), apart from its layout.
#pragma once

#include <array>
#include <span>
#include <string>
#include <vector>

#include "codegen/ir/entities.h"
#include "codegen/ir/instructions.h"
#include "codegen/ir/types.h"

namespace kiln::codegen::ir {

// What a parameter means to the ABI. The vmctx parameter carries the instance context that
// every vmctx-region load is relative to (this is how global state is reached; there are no
// separate global-value entities).
enum class ArgumentPurpose : uint8_t { kNormal, kVmctx };

struct AbiParam {
  Type type;
  ArgumentPurpose purpose = ArgumentPurpose::kNormal;
  bool operator==(const AbiParam&) const = default;
};

// How a call treats registers. kDefault: the target's C convention (System V on x64).
// kPreserveAll: the callee preserves every register except those holding its results, so the
// register allocator keeps values in caller-saved registers across the call (used for the
// rarely taken slow paths of fuel and epoch checks, whose callees are assembly stubs that save
// everything around the real C++ function). Printed as a trailing `preserve_all`.
enum class CallConv : uint8_t { kDefault, kPreserveAll };

struct Signature {
  std::vector<AbiParam> params;
  std::vector<AbiParam> returns;
  CallConv call_conv = CallConv::kDefault;
  bool operator==(const Signature&) const = default;
  // "(i64 vmctx, i32) -> i32"
  std::string to_string() const;
};

// The name of a callee: a user name u<namespace>:<index> (the embedder decides what it means,
// e.g. a defined function index) or a test name %name (used by filetests).
struct ExternalName {
  bool is_user = false;
  uint32_t ns = 0;
  uint32_t index = 0;
  std::string test_name;
  std::string to_string() const;
  bool operator==(const ExternalName&) const = default;
};

struct ExtFuncData {
  ExternalName name;
  SigRef signature;
  bool colocated = false;  // in the same code object: callable by a relative call
};

struct JumpTableData {
  BlockCall default_target;
  std::vector<BlockCall> targets;
};

using V128Bytes = std::array<uint8_t, 16>;  // little-endian lane order

enum class ValueKind : uint8_t { kUnset, kResult, kParam, kAlias };

struct ValueData {
  ValueKind kind = ValueKind::kUnset;
  Type type;
  uint32_t num = 0;               // result or parameter position
  uint32_t owner = UINT32_MAX;    // Inst, Block, or aliased Value index
};

class DataFlowGraph {
 public:
  // --- instructions ---
  Inst make_inst(const InstData& data);
  InstData& operator[](Inst i) { return insts_[i]; }
  const InstData& operator[](Inst i) const { return insts_[i]; }
  size_t num_insts() const { return insts_.size(); }
  bool inst_is_valid(Inst i) const { return insts_.is_valid(i); }

  // Fixed operands (args[0..n) for the format) and variable operands.
  std::span<const Value> fixed_args(Inst i) const {
    const InstData& d = insts_[i];
    return {d.args, format_fixed_args(d.format())};
  }
  std::span<Value> fixed_args_mut(Inst i) {
    InstData& d = insts_[i];
    return {d.args, format_fixed_args(d.format())};
  }
  std::span<const Value> var_args(Inst i) const { return insts_[i].vargs.as_slice(pool_); }
  // All value operands, branch arguments included, in printing order.
  std::vector<Value> inst_values(Inst i) const;
  // Calls f(Value&) on every value operand, including branch arguments (to rewrite them).
  template <typename F>
  void map_values(Inst i, F&& f);
  // The branch targets of an instruction (jump, brif, br_table's default and table).
  std::vector<BlockCall*> branch_targets(Inst i);
  std::vector<const BlockCall*> branch_targets(Inst i) const;
  // Calls f(BlockCall&) on each of them in the same order, without building a list.
  template <typename F>
  void for_each_branch_target(Inst i, F&& f) {
    InstData& d = insts_[i];
    switch (d.format()) {
      case InstFormat::kJump: f(d.dest[0]); break;
      case InstFormat::kBrif: f(d.dest[0]); f(d.dest[1]); break;
      case InstFormat::kBranchTable:
        if (jump_tables.is_valid(d.jump_table())) {
          JumpTableData& jt = jump_tables[d.jump_table()];
          f(jt.default_target);
          for (BlockCall& bc : jt.targets) f(bc);
        }
        break;
      default: break;
    }
  }

  // --- results ---
  // Computes the result types of an instruction from its opcode, controlling type, operand
  // types and callee signature. False if an operand type is not known yet or the instruction
  // is ill-typed in a way that prevents inference.
  bool result_types(Inst i, std::vector<Type>& out) const;
  // Creates the results inferred by result_types; returns how many (0 if inference failed).
  size_t make_inst_results(Inst i);
  Value append_result(Inst i, Type t);
  // Makes a placeholder value (kUnset) the next result of i.
  void attach_result(Inst i, Value v, Type t);
  std::span<const Value> inst_results(Inst i) const { return results_[i].as_slice(pool_); }
  Value first_result(Inst i) const {
    auto r = inst_results(i);
    return r.empty() ? Value() : r[0];
  }
  bool has_results(Inst i) const { return !results_[i].is_empty(); }
  // Drops the results of i (their values become kUnset).
  void clear_results(Inst i);

  // --- values ---
  Value make_placeholder();
  size_t num_values() const { return values_.size(); }
  bool value_is_valid(Value v) const { return values_.is_valid(v); }
  const ValueData& value_data(Value v) const { return values_[v]; }
  Type value_type(Value v) const { return values_[v].type; }
  void set_value_type(Value v, Type t) { values_[v].type = t; }
  // Follows aliases to the value that is really defined. Alias cycles (never created by the
  // API) end the walk after num_values steps.
  Value resolve_aliases(Value v) const {
    // Most values are not aliases: answer them without the out-of-line walk.
    if (!values_.is_valid(v) || values_[v].kind != ValueKind::kAlias) return v;
    return resolve_alias_chain(v);
  }
  // Makes `v` an alias of `dest` (same type): every use of v now means dest.
  void change_to_alias(Value v, Value dest);
  // How many times change_to_alias has been called: a pass that finds the count unchanged
  // since it last resolved its operands knows no new alias can be among them.
  uint64_t aliases_made() const { return aliases_made_; }
  // Rewrites the operands of every instruction to resolved values.
  void resolve_all_aliases();
  // The instruction defining v (after alias resolution), or invalid for block parameters.
  Inst value_inst(Value v) const {
    v = resolve_aliases(v);
    if (!values_.is_valid(v) || values_[v].kind != ValueKind::kResult) return Inst();
    return Inst(values_[v].owner);
  }

  // --- blocks ---
  Block make_block();
  size_t num_blocks() const { return blocks_.size(); }
  bool block_is_valid(Block b) const { return blocks_.is_valid(b); }
  Value append_block_param(Block b, Type t);
  void attach_block_param(Block b, Value v, Type t);
  std::span<const Value> block_params(Block b) const { return blocks_[b].as_slice(pool_); }
  // Removes parameter v from its block; later parameters move down. v becomes kUnset.
  void remove_block_param(Value v);

  // --- value lists ---
  ValueList make_list(std::span<const Value> vs) { return ValueList::from_slice(vs, pool_); }
  ValueListPool& pool() { return pool_; }
  const ValueListPool& pool() const { return pool_; }
  BlockCall make_block_call(Block b, std::span<const Value> args) { return {b, make_list(args)}; }

  // --- tables owned by the function body ---
  PrimaryMap<SigRef, Signature> signatures;
  PrimaryMap<FuncRef, ExtFuncData> ext_funcs;
  PrimaryMap<JumpTable, JumpTableData> jump_tables;
  PrimaryMap<Constant, V128Bytes> constants;

 private:
  Value resolve_alias_chain(Value v) const;
  // Calls out(Type) for each result type result_types() would list, and returns what it
  // would; it fails (false) before reporting any type.
  template <typename F>
  bool for_each_result_type(Inst i, F&& out) const;

  uint64_t aliases_made_ = 0;

  PrimaryMap<Inst, InstData> insts_;
  SecondaryMap<Inst, ValueList> results_;
  PrimaryMap<Value, ValueData> values_;
  PrimaryMap<Block, ValueList> blocks_;  // the parameters of each block
  ValueListPool pool_;
};

template <typename F>
void DataFlowGraph::map_values(Inst i, F&& f) {
  for (Value& v : fixed_args_mut(i)) f(v);
  InstData& d = insts_[i];
  for (Value& v : d.vargs.as_mut_slice(pool_)) f(v);
  // The branch targets, as branch_targets() lists them, without building the list.
  auto args = [&](BlockCall& bc) {
    for (Value& v : bc.args.as_mut_slice(pool_)) f(v);
  };
  switch (d.format()) {
    case InstFormat::kJump: args(d.dest[0]); break;
    case InstFormat::kBrif: args(d.dest[0]); args(d.dest[1]); break;
    case InstFormat::kBranchTable:
      if (jump_tables.is_valid(d.jump_table())) {
        JumpTableData& jt = jump_tables[d.jump_table()];
        args(jt.default_target);
        for (BlockCall& bc : jt.targets) args(bc);
      }
      break;
    default: break;
  }
}

}  // namespace kiln::codegen::ir
