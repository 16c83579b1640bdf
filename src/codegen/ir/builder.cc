// codegen/ir/builder.cc: FunctionBuilder and its SSA construction (see builder.h).
#include "codegen/ir/builder.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <utility>

namespace kiln::codegen::ir {

namespace {

// The operands and immediates that make two numberable instructions compute the same value.
bool same_key(const InstData& a, const InstData& b) {
  if (a.opcode != b.opcode || a.type != b.type || a.aux != b.aux || a.imm != b.imm) return false;
  const uint32_t n = format_fixed_args(a.format());
  for (uint32_t k = 0; k < n; ++k) {
    if (a.args[k] != b.args[k]) return false;
  }
  return true;
}

}  // namespace

void FunctionBuilder::switch_to_block(Block b) {
  if (!f_.layout.is_block_inserted(b)) f_.layout.append_block(b);
  current_ = b;
}

bool FunctionBuilder::is_filled() const {
  if (!current_) return false;
  Inst last = f_.layout.last_inst(current_);
  return last && is_terminator(f_.dfg[last].opcode);
}

void FunctionBuilder::append_block_params_for_function_params(Block b) {
  for (const AbiParam& p : f_.signature.params) append_block_param(b, p.type);
}

Variable FunctionBuilder::declare_var(Type t) {
  Variable v = var_types_.push(t);
  defs_.emplace_back();
  return v;
}

void FunctionBuilder::def_var(Variable var, Value v) {
  assert(current_ && var_types_.is_valid(var));
  def_slot(defs_[var.index()], current_) = v;
}

void FunctionBuilder::grow_defs(SecondaryMap<Block, Value>& defs, Block b) {
  // Grown to every block made so far at once: SecondaryMap::operator[] grows to exactly
  // b + 1, an out-of-line resize for nearly every new block a variable is defined in.
  defs.resize(std::max<size_t>(b.index() + 1, f_.dfg.num_blocks()));
}

Value FunctionBuilder::lookup(Variable var, Block b) const { return defs_[var.index()][b]; }

Value FunctionBuilder::use_var(Variable var) {
  assert(current_ && var_types_.is_valid(var));
  if (Value v = lookup(var, current_)) return v;
  return use_var_nonlocal(var, var_types_[var], current_);
}

Value FunctionBuilder::make_zero(Type t, Block b) {
  InstData d;
  if (t.is_float()) {
    d.opcode = t == kF32 ? Opcode::kF32const : Opcode::kF64const;
  } else if (t.is_int() && t.bits() <= 64) {
    d.opcode = Opcode::kIconst;
    d.type = t;
  } else if (t == kI128) {
    Value lo = make_zero(kI64, b);
    InstData c;
    c.opcode = Opcode::kIconcat;
    c.args[0] = lo;
    c.args[1] = lo;
    Inst i = f_.dfg.make_inst(c);
    f_.dfg.make_inst_results(i);
    // After the zero it uses, which is at the top of b.
    Inst after = f_.layout.next_inst(f_.dfg.value_inst(lo));
    if (after) f_.layout.insert_inst_before(i, after); else f_.layout.append_inst(i, b);
    return f_.dfg.first_result(i);
  } else {
    d.opcode = Opcode::kVconst;
    d.type = t;
    d.aux = f_.make_constant(V128Bytes{}).index();
  }
  Inst i = f_.dfg.make_inst(d);
  f_.dfg.make_inst_results(i);
  Inst first = f_.layout.first_inst(b);
  if (first) f_.layout.insert_inst_before(i, first); else f_.layout.append_inst(i, b);
  return f_.dfg.first_result(i);
}

Value FunctionBuilder::use_var_nonlocal(Variable var, Type ty, Block start) {
  std::vector<NonlocalCall>& calls = nl_calls_;
  std::vector<Value>& results = nl_results_;
  std::vector<Block>& chain = nl_chain_;
  calls.clear();
  results.clear();
  calls.push_back({false, start, Value()});
  auto& defs = defs_[var.index()];
  while (!calls.empty()) {
    NonlocalCall c = calls.back();
    calls.pop_back();
    if (c.finish) {
      size_t n = preds(c.block).size();
      // Predecessor k's value was pushed (n - 1 - k) results from the top.
      nl_pred_values_.resize(n);
      for (size_t k = 0; k < n; ++k) nl_pred_values_[k] = results[results.size() - 1 - k];
      results.resize(results.size() - n);
      results.push_back(finish_param(var, c.block, c.param, nl_pred_values_));
      continue;
    }
    Block b = c.block;
    if (Value v = std::as_const(defs)[b]) {
      results.push_back(v);
      continue;
    }
    // Follow single-predecessor edges while there is no definition; every block on the way
    // gets the value found (Cranelift's find_var). A cycle stops the walk.
    chain.clear();
    chain.push_back(b);
    // The walk's visited set is exactly `chain`: it is emptied again from the chain (not
    // cleared, which would zero it on the next insert).
    nl_visited_.insert(b);
    Block cur = b;
    Value found;
    while (sealed_.contains(cur) && preds(cur).size() == 1) {
      Block p = preds(cur).front().block;
      if (Value v = std::as_const(defs)[p]) {
        found = v;
        break;
      }
      if (!nl_visited_.insert(p)) break;
      chain.push_back(p);
      cur = p;
    }
    for (Block x : chain) nl_visited_.erase(x);
    if (found) {
      for (Block x : chain) def_slot(defs, x) = found;
      results.push_back(found);
      continue;
    }
    Value val;
    if (!sealed_.contains(cur)) {
      val = f_.dfg.append_block_param(cur, ty);
      incomplete_[cur].push_back({var, val});
      results.push_back(val);
    } else if (preds(cur).empty()) {
      val = make_zero(ty, cur);
      results.push_back(val);
    } else {
      val = f_.dfg.append_block_param(cur, ty);
      calls.push_back({true, cur, val});
      for (const Pred& p : preds(cur)) calls.push_back({false, p.block, Value()});
    }
    for (Block x : chain) def_slot(defs, x) = val;
  }
  assert(results.size() == 1);
  return results.back();
}

Value FunctionBuilder::finish_param(Variable var, Block b, Value param,
                                    std::span<const Value> pred_values) {
  (void)var;
  DataFlowGraph& dfg = f_.dfg;
  Value same;
  bool trivial = true;
  for (Value v : pred_values) {
    v = dfg.resolve_aliases(v);
    if (v == param) continue;
    if (!same) {
      same = v;
    } else if (v != same) {
      trivial = false;
      break;
    }
  }
  if (trivial) {
    // All predecessors agree (or only the parameter reaches itself): drop the parameter.
    // No branch has an argument for it yet: arguments are appended only when a parameter
    // completes, and the parameters of a block complete in creation order.
    Type t = dfg.value_type(param);
    dfg.remove_block_param(param);
    if (!same) same = make_zero(t, b);
    dfg.change_to_alias(param, same);
    return same;
  }
  size_t k = 0;
  for (const Pred& pred : preds(b)) {
    const Value pv = pred_values[k++];
    auto add = [&](BlockCall& bc) {
      if (bc.block == b) bc.args.push(pv, dfg.pool());
    };
    InstData& d = dfg[pred.inst];
    switch (d.format()) {
      case InstFormat::kJump: add(d.dest[0]); break;
      case InstFormat::kBrif: add(d.dest[0]); add(d.dest[1]); break;
      case InstFormat::kBranchTable:
        if (dfg.jump_tables.is_valid(d.jump_table())) {
          JumpTableData& jt = dfg.jump_tables[d.jump_table()];
          add(jt.default_target);
          for (BlockCall& bc : jt.targets) add(bc);
        }
        break;
      default: break;
    }
  }
  return param;
}

void FunctionBuilder::seal_block(Block b) {
  if (!sealed_.insert(b)) return;
  // Incomplete parameters are completed in creation order, so argument positions line up.
  auto pending = std::move(incomplete_[b]);
  incomplete_[b].clear();
  std::vector<Value>& pred_values = seal_pred_values_;  // (use_var_nonlocal has its own)
  for (auto& [var, param] : pending) {
    pred_values.clear();
    for (const Pred& p : preds(b)) {
      Value v = lookup(var, p.block);
      if (!v) v = use_var_nonlocal(var, var_types_[var], p.block);
      pred_values.push_back(v);
    }
    finish_param(var, b, param, pred_values);
  }
}

void FunctionBuilder::add_pred(Block b, Pred p) {
  if (b.index() >= pred_lists_.size()) {
    pred_lists_.resize(std::max<size_t>(b.index() + 1, f_.dfg.num_blocks()));
  }
  PredList& l = pred_lists_[b.index()];
  const uint32_t n = static_cast<uint32_t>(pred_nodes_.size());
  pred_nodes_.push_back({p, kNoPred});
  if (l.head == kNoPred) {
    l.head = n;
  } else {
    pred_nodes_[l.tail].next = n;
  }
  l.tail = n;
  ++l.count;
}

void FunctionBuilder::seal_all_blocks() {
  for (Block b : f_.layout.blocks()) seal_block(b);
}

Inst FunctionBuilder::ins(const InstData& d) {
  assert(current_ && !is_filled());
  // Numbered: one probe finds an equal instruction to reuse, or the slot where this one goes
  // (empty, or holding an equal instruction that has left the scope).
  NumberSlot* slot = nullptr;
  uint64_t hash = 0;
  if (numbering_ && numberable(d)) {
    hash = number_hash(d);
    slot = &find_number_slot(d, hash);
    if (slot->inst && in_scope_[f_.layout.inst_block(slot->inst).index()]) return slot->inst;
  }
  Inst i = f_.dfg.make_inst(d);
  f_.dfg.make_inst_results(i);
  f_.layout.append_inst(i, current_);
  if (slot && current_.index() < in_scope_.size() && in_scope_[current_.index()]) {
    if (!slot->inst) ++number_used_;
    *slot = {hash, i};
  }
  if (is_branch(d.opcode)) {
    // Each distinct target once. A target named again by this branch already ends with it
    // (a block's list only grows at its tail, and this branch is the newest), which makes
    // the check O(1) even for a br_table with hundreds of targets.
    f_.dfg.for_each_branch_target(i, [&](const BlockCall& bc) {
      const Block t = bc.block;
      if (t.index() < pred_lists_.size() && pred_lists_[t.index()].tail != kNoPred &&
          pred_nodes_[pred_lists_[t.index()].tail].pred.inst == i) {
        return;
      }
      assert(!sealed_.contains(t) && "branch to a sealed block");
      add_pred(t, {current_, i});
    });
  }
  return i;
}

Value FunctionBuilder::iconst(Type t, int64_t imm) {
  InstData d;
  d.opcode = Opcode::kIconst;
  d.type = t;
  uint64_t m = t.bits() >= 64 ? ~uint64_t{0} : (uint64_t{1} << t.bits()) - 1;
  d.imm = static_cast<int64_t>(static_cast<uint64_t>(imm) & m);
  return ins_value(d);
}

Value FunctionBuilder::f32const(float v) {
  InstData d;
  d.opcode = Opcode::kF32const;
  d.imm = std::bit_cast<uint32_t>(v);
  return ins_value(d);
}

Value FunctionBuilder::f64const(double v) {
  InstData d;
  d.opcode = Opcode::kF64const;
  d.imm = static_cast<int64_t>(std::bit_cast<uint64_t>(v));
  return ins_value(d);
}

Value FunctionBuilder::vconst(Type t, const V128Bytes& bytes) {
  InstData d;
  d.opcode = Opcode::kVconst;
  d.type = t;
  d.aux = f_.make_constant(bytes).index();
  return ins_value(d);
}

Value FunctionBuilder::unary(Opcode op, Value x) {
  InstData d;
  d.opcode = op;
  d.args[0] = x;
  return ins_value(d);
}

Value FunctionBuilder::binary(Opcode op, Value x, Value y) {
  InstData d;
  d.opcode = op;
  d.args[0] = x;
  d.args[1] = y;
  return ins_value(d);
}

Value FunctionBuilder::convert(Opcode op, Type to, Value x) {
  InstData d;
  d.opcode = op;
  d.type = to;
  d.args[0] = x;
  return ins_value(d);
}

Value FunctionBuilder::icmp(IntCC cc, Value x, Value y) {
  InstData d;
  d.opcode = Opcode::kIcmp;
  d.aux = static_cast<uint32_t>(cc);
  d.args[0] = x;
  d.args[1] = y;
  return ins_value(d);
}

Value FunctionBuilder::fcmp(FloatCC cc, Value x, Value y) {
  InstData d;
  d.opcode = Opcode::kFcmp;
  d.aux = static_cast<uint32_t>(cc);
  d.args[0] = x;
  d.args[1] = y;
  return ins_value(d);
}

Value FunctionBuilder::select(Value c, Value x, Value y) {
  InstData d;
  d.opcode = Opcode::kSelect;
  d.args[0] = c;
  d.args[1] = x;
  d.args[2] = y;
  return ins_value(d);
}

Value FunctionBuilder::load(Opcode op, Type t, MemFlags flags, Value addr, int32_t offset) {
  InstData d;
  d.opcode = op;
  d.type = t;
  d.aux = flags.bits;
  d.imm = offset;
  d.args[0] = addr;
  return ins_value(d);
}

void FunctionBuilder::store(Opcode op, MemFlags flags, Value v, Value addr, int32_t offset) {
  InstData d;
  d.opcode = op;
  d.aux = flags.bits;
  d.imm = offset;
  d.args[0] = v;
  d.args[1] = addr;
  ins(d);
}

Value FunctionBuilder::stack_load(Type t, StackSlot ss, int32_t offset) {
  InstData d;
  d.opcode = Opcode::kStackLoad;
  d.type = t;
  d.aux = ss.index();
  d.imm = offset;
  return ins_value(d);
}

void FunctionBuilder::stack_store(Value v, StackSlot ss, int32_t offset) {
  InstData d;
  d.opcode = Opcode::kStackStore;
  d.args[0] = v;
  d.aux = ss.index();
  d.imm = offset;
  ins(d);
}

Value FunctionBuilder::stack_addr(Type t, StackSlot ss, int32_t offset) {
  InstData d;
  d.opcode = Opcode::kStackAddr;
  d.type = t;
  d.aux = ss.index();
  d.imm = offset;
  return ins_value(d);
}

Inst FunctionBuilder::call(FuncRef fr, std::span<const Value> args) {
  InstData d;
  d.opcode = Opcode::kCall;
  d.aux = fr.index();
  d.vargs = f_.dfg.make_list(args);
  return ins(d);
}

Inst FunctionBuilder::call_indirect(SigRef sig, Value callee, std::span<const Value> args) {
  InstData d;
  d.opcode = Opcode::kCallIndirect;
  d.aux = sig.index();
  std::vector<Value> all{callee};
  all.insert(all.end(), args.begin(), args.end());
  d.vargs = f_.dfg.make_list(all);
  return ins(d);
}

void FunctionBuilder::return_call(FuncRef fr, std::span<const Value> args) {
  InstData d;
  d.opcode = Opcode::kReturnCall;
  d.aux = fr.index();
  d.vargs = f_.dfg.make_list(args);
  ins(d);
}

void FunctionBuilder::jump(Block b, std::span<const Value> args) {
  InstData d;
  d.opcode = Opcode::kJump;
  d.dest[0] = f_.dfg.make_block_call(b, args);
  ins(d);
}

void FunctionBuilder::brif(Value c, Block then_block, std::span<const Value> then_args,
                           Block else_block, std::span<const Value> else_args) {
  InstData d;
  d.opcode = Opcode::kBrif;
  d.args[0] = c;
  d.dest[0] = f_.dfg.make_block_call(then_block, then_args);
  d.dest[1] = f_.dfg.make_block_call(else_block, else_args);
  ins(d);
}

void FunctionBuilder::br_table(Value index, Block default_block, std::span<const Block> targets) {
  JumpTableData jt;
  jt.default_target = {default_block, ValueList()};
  for (Block b : targets) jt.targets.push_back({b, ValueList()});
  InstData d;
  d.opcode = Opcode::kBrTable;
  d.args[0] = index;
  d.aux = f_.dfg.jump_tables.push(std::move(jt)).index();
  ins(d);
}

void FunctionBuilder::return_(std::span<const Value> values) {
  InstData d;
  d.opcode = Opcode::kReturn;
  d.vargs = f_.dfg.make_list(values);
  ins(d);
}

void FunctionBuilder::trap(TrapCode code) {
  InstData d;
  d.opcode = Opcode::kTrap;
  d.aux = static_cast<uint32_t>(code);
  ins(d);
}

void FunctionBuilder::trapz(Value c, TrapCode code) {
  InstData d;
  d.opcode = Opcode::kTrapz;
  d.args[0] = c;
  d.aux = static_cast<uint32_t>(code);
  ins(d);
}

void FunctionBuilder::trapnz(Value c, TrapCode code) {
  InstData d;
  d.opcode = Opcode::kTrapnz;
  d.args[0] = c;
  d.aux = static_cast<uint32_t>(code);
  ins(d);
}

void FunctionBuilder::finalize() {
  for (Block b : f_.layout.blocks()) {
    (void)b;
    assert(sealed_.contains(b) && "finalize with an unsealed block");
  }
  // Without an alias (no trivial block parameter was removed) every operand is resolved.
  if (f_.dfg.aliases_made() != 0) f_.dfg.resolve_all_aliases();
}

// ---- value numbering

bool FunctionBuilder::numberable(const InstData& d) {
  const uint8_t fl = opcode_flags(d.opcode);
  if (fl & (kTerm | kBranch | kCall | kTraps | kStores)) return false;
  if (fl & kLoads) {
    // Only a location that no store changes during the function and that cannot fault.
    return d.format() == InstFormat::kLoad && d.mem_flags().readonly() && d.mem_flags().notrap();
  }
  return d.vargs.is_empty();
}

uint64_t FunctionBuilder::number_hash(const InstData& d) {
  uint64_t h = static_cast<uint64_t>(d.opcode) * 0x9E3779B97F4A7C15ull;
  auto mix = [&](uint64_t v) {
    h = (h ^ v) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  };
  mix(d.type.code());
  mix(d.aux);
  mix(static_cast<uint64_t>(d.imm));
  const uint32_t n = format_fixed_args(d.format());
  for (uint32_t k = 0; k < n; ++k) mix(d.args[k].index());
  return h;
}

FunctionBuilder::NumberSlot& FunctionBuilder::find_number_slot(const InstData& d, uint64_t hash) {
  // Grown first, so the slot returned stays valid until ins() fills it.
  if (2 * (number_used_ + 1) > number_slots_.size()) grow_numbering();
  const size_t mask = number_slots_.size() - 1;
  for (size_t s = hash & mask;; s = (s + 1) & mask) {
    NumberSlot& slot = number_slots_[s];
    if (!slot.inst || (slot.hash == hash && same_key(f_.dfg[slot.inst], d))) return slot;
  }
}

void FunctionBuilder::grow_numbering() {
  std::vector<NumberSlot> old = std::move(number_slots_);
  number_slots_.assign(std::max<size_t>(64, old.size() * 2), NumberSlot{});
  const size_t mask = number_slots_.size() - 1;
  for (const NumberSlot& o : old) {
    if (!o.inst) continue;
    size_t s = o.hash & mask;
    while (number_slots_[s].inst) s = (s + 1) & mask;
    number_slots_[s] = o;
  }
}

void FunctionBuilder::enter_dominated(Block b) {
  switch_to_block(b);
  if (!numbering_) return;
  if (b.index() >= in_scope_.size()) in_scope_.resize(size_t{b.index()} + 1, 0);
  if (in_scope_[b.index()]) return;
  in_scope_[b.index()] = 1;
  scope_log_.push_back(b);
}

void FunctionBuilder::leave_scope(uint32_t mark) {
  while (scope_log_.size() > mark) {
    in_scope_[scope_log_.back().index()] = 0;
    scope_log_.pop_back();
  }
}

}  // namespace kiln::codegen::ir
