// codegen/ir/interpreter.cc: the IR interpreter: control flow, memory, calls; pure operations
// come from eval.cc.
#include "codegen/ir/interpreter.h"

#include <cstring>

namespace kiln::codegen::ir {
namespace {

constexpr size_t kMaxStackBytes = size_t{16} << 20;  // all live stack slots together

Error interp_error(const Function& f, const std::string& msg) {
  return Error(ErrorKind::kOther, "interpreting %" + f.name + ": " + msg);
}

InterpResult trap_result(TrapCode c) {
  InterpResult r;
  r.trapped = true;
  r.trap = c;
  return r;
}

bool signature_matches(const Signature& a, const Signature& b) {
  if (a.params.size() != b.params.size() || a.returns.size() != b.returns.size()) return false;
  for (size_t k = 0; k < a.params.size(); ++k) {
    if (a.params[k].type != b.params[k].type) return false;
  }
  for (size_t k = 0; k < a.returns.size(); ++k) {
    if (a.returns[k].type != b.returns[k].type) return false;
  }
  return true;
}

}  // namespace

void Interpreter::add_function(const Function& f) {
  ExternalName n;
  n.test_name = f.name;
  add_function(n, f);
}

void Interpreter::add_function(const ExternalName& name, const Function& f) {
  by_name_[name.to_string()] = funcs_.size();
  funcs_.push_back(&f);
}

uint8_t* Interpreter::translate(uint64_t addr, int64_t offset, uint32_t size) {
  __int128 ea = static_cast<__int128>(addr) + offset;
  if (ea >= 0 && ea + size <= static_cast<__int128>(heap_.size())) {
    return heap_.data() + static_cast<size_t>(ea);
  }
  __int128 sb = kStackBase;
  if (ea >= sb && ea + size <= sb + static_cast<__int128>(stack_.size())) {
    return stack_.data() + static_cast<size_t>(ea - sb);
  }
  return nullptr;
}

Expected<const Function*> Interpreter::resolve(const Function& caller, FuncRef fr,
                                               uint64_t* index) {
  const ExtFuncData& ext = caller.dfg.ext_funcs[fr];
  auto it = by_name_.find(ext.name.to_string());
  if (it == by_name_.end()) {
    return interp_error(caller, "unknown function " + ext.name.to_string());
  }
  const Function* callee = funcs_[it->second];
  if (!signature_matches(callee->signature, caller.dfg.signatures[ext.signature])) {
    return interp_error(caller, "signature of " + ext.name.to_string() + " does not match");
  }
  *index = it->second;
  return callee;
}

Expected<InterpResult> Interpreter::call(const Function& f, std::span<const DataValue> args) {
  if (args.size() != f.signature.params.size()) {
    return interp_error(f, "expected " + std::to_string(f.signature.params.size()) +
                               " arguments, got " + std::to_string(args.size()));
  }
  for (size_t k = 0; k < args.size(); ++k) {
    if (args[k].type != f.signature.params[k].type) {
      return interp_error(f, "argument " + std::to_string(k) + " has the wrong type");
    }
  }
  fuel_ = 0;
  stack_.clear();
  return run(&f, std::vector<DataValue>(args.begin(), args.end()), 0);
}

Expected<InterpResult> Interpreter::run(const Function* f, std::vector<DataValue> args,
                                        uint32_t depth) {
  if (depth >= kMaxCallDepth) return trap_result(TrapCode::kStackOverflow);
  // Stack slots of this activation are released on every exit.
  struct StackMark {
    std::vector<uint8_t>& stack;
    size_t mark;
    ~StackMark() { stack.resize(mark); }
  } mark{stack_, stack_.size()};

  for (;;) {  // one iteration per activation; tail calls loop
    const DataFlowGraph& dfg = f->dfg;
    stack_.resize(mark.mark);
    SecondaryMap<StackSlot, uint64_t> slot_base;
    for (StackSlot ss : f->stack_slots.keys()) {
      const StackSlotData& sd = f->stack_slots[ss];
      uint64_t align = uint64_t{1} << sd.align_shift;
      uint64_t base = (stack_.size() + align - 1) & ~(align - 1);
      if (base + sd.size > kMaxStackBytes) return trap_result(TrapCode::kStackOverflow);
      stack_.resize(base + sd.size, 0);
      slot_base[ss] = kStackBase + base;
    }
    SecondaryMap<Value, DataValue> vals;
    auto get = [&](Value v) -> const DataValue& { return vals[dfg.resolve_aliases(v)]; };
    Block block = f->layout.entry_block();
    {
      auto params = dfg.block_params(block);
      for (size_t k = 0; k < params.size(); ++k) vals[params[k]] = args[k];
    }
    Inst inst = f->layout.first_inst(block);
    const Function* tail_callee = nullptr;
    std::vector<DataValue> tail_args;

    // Passes arguments to a block's parameters (all read before any is written).
    auto jump = [&](const BlockCall& bc) {
      std::vector<DataValue> in;
      for (Value v : bc.args.as_slice(dfg.pool())) in.push_back(get(v));
      auto params = dfg.block_params(bc.block);
      for (size_t k = 0; k < params.size(); ++k) vals[params[k]] = in[k];
      block = bc.block;
      inst = f->layout.first_inst(block);
    };

    while (!tail_callee) {
      if (++fuel_ > fuel_limit_) return interp_error(*f, "fuel exhausted");
      const InstData& d = dfg[inst];
      auto results = dfg.inst_results(inst);
      Inst next = f->layout.next_inst(inst);
      switch (d.opcode) {
        case Opcode::kVconst: {
          const V128Bytes& bytes = dfg.constants[d.constant()];
          U128 bits = 0;
          for (int i = 15; i >= 0; --i) bits = (bits << 8) | bytes[i];
          vals[results[0]] = DataValue::make(d.type, bits);
          break;
        }
        case Opcode::kLoad: case Opcode::kUload8: case Opcode::kSload8: case Opcode::kUload16:
        case Opcode::kSload16: case Opcode::kUload32: case Opcode::kSload32:
        case Opcode::kStackLoad: {
          uint32_t size = mem_access_bytes(d.opcode, d.type);
          uint8_t* p;
          if (d.opcode == Opcode::kStackLoad) {
            p = translate(slot_base[d.stack_slot()], d.offset(), size);
          } else {
            p = translate(get(d.args[0]).as_u64(), d.offset(), size);
          }
          if (!p) {
            if (d.opcode == Opcode::kStackLoad || d.mem_flags().notrap()) {
              return interp_error(*f, "notrap load faulted");
            }
            return trap_result(TrapCode::kHeapOutOfBounds);
          }
          U128 bits = 0;
          for (int i = static_cast<int>(size) - 1; i >= 0; --i) bits = (bits << 8) | p[i];
          if (load_is_signed(d.opcode)) {
            U128 sign = U128{1} << (size * 8 - 1);
            bits = (bits ^ sign) - sign;
          }
          vals[results[0]] = DataValue::make(d.type, bits);
          break;
        }
        case Opcode::kStore: case Opcode::kIstore8: case Opcode::kIstore16:
        case Opcode::kIstore32: case Opcode::kStackStore: {
          const DataValue& v = get(d.args[0]);
          uint32_t size = mem_access_bytes(d.opcode, v.type);
          uint8_t* p;
          if (d.opcode == Opcode::kStackStore) {
            p = translate(slot_base[d.stack_slot()], d.offset(), size);
          } else {
            p = translate(get(d.args[1]).as_u64(), d.offset(), size);
          }
          if (!p) {
            if (d.opcode == Opcode::kStackStore || d.mem_flags().notrap()) {
              return interp_error(*f, "notrap store faulted");
            }
            return trap_result(TrapCode::kHeapOutOfBounds);
          }
          for (uint32_t i = 0; i < size; ++i) p[i] = static_cast<uint8_t>(v.bits >> (8 * i));
          break;
        }
        case Opcode::kStackAddr:
          vals[results[0]] = DataValue::make(d.type, slot_base[d.stack_slot()] + d.offset());
          break;
        case Opcode::kFuncAddr: {
          uint64_t index = 0;
          KILN_ASSIGN_OR_RETURN(const Function* callee, resolve(*f, d.func_ref(), &index));
          (void)callee;
          vals[results[0]] = DataValue::make(d.type, kFuncBase + index);
          break;
        }
        case Opcode::kCall: case Opcode::kCallIndirect: case Opcode::kReturnCall:
        case Opcode::kReturnCallIndirect: {
          auto vargs = dfg.var_args(inst);
          const Function* callee;
          if (d.format() == InstFormat::kCall) {
            uint64_t index = 0;
            KILN_ASSIGN_OR_RETURN(callee, resolve(*f, d.func_ref(), &index));
          } else {
            uint64_t addr = get(vargs[0]).as_u64();
            if (addr < kFuncBase || addr - kFuncBase >= funcs_.size()) {
              return interp_error(*f, "call_indirect to a non-function address");
            }
            callee = funcs_[addr - kFuncBase];
            if (!signature_matches(callee->signature, dfg.signatures[d.sig_ref()])) {
              return interp_error(*f, "call_indirect signature mismatch");
            }
            vargs = vargs.subspan(1);
          }
          std::vector<DataValue> cargs;
          for (Value v : vargs) cargs.push_back(get(v));
          if (is_terminator(d.opcode)) {
            tail_callee = callee;
            tail_args = std::move(cargs);
            break;
          }
          KILN_ASSIGN_OR_RETURN(InterpResult r, run(callee, std::move(cargs), depth + 1));
          if (r.trapped) return r;
          for (size_t k = 0; k < results.size() && k < r.values.size(); ++k) {
            vals[results[k]] = r.values[k];
          }
          break;
        }
        case Opcode::kJump:
          jump(d.dest[0]);
          continue;
        case Opcode::kBrif:
          jump(d.dest[get(d.args[0]).bits != 0 ? 0 : 1]);
          continue;
        case Opcode::kBrTable: {
          const JumpTableData& jt = dfg.jump_tables[d.jump_table()];
          U128 idx = get(d.args[0]).bits;
          jump(idx < jt.targets.size() ? jt.targets[static_cast<size_t>(idx)] : jt.default_target);
          continue;
        }
        case Opcode::kReturn: {
          InterpResult r;
          for (Value v : dfg.var_args(inst)) r.values.push_back(get(v));
          return r;
        }
        case Opcode::kTrap: return trap_result(d.trap_code());
        case Opcode::kTrapz:
          if (get(d.args[0]).bits == 0) return trap_result(d.trap_code());
          break;
        case Opcode::kTrapnz:
          if (get(d.args[0]).bits != 0) return trap_result(d.trap_code());
          break;
        default: {
          DataValue in[3];
          auto fixed = dfg.fixed_args(inst);
          for (size_t k = 0; k < fixed.size(); ++k) in[k] = get(fixed[k]);
          Type rtypes[2];
          DataValue out[2];
          for (size_t k = 0; k < results.size() && k < 2; ++k) rtypes[k] = dfg.value_type(results[k]);
          TrapCode trap = TrapCode::kUnreachable;
          EvalStatus st = eval_pure(d, std::span<const Type>(rtypes, results.size()),
                                    std::span<const DataValue>(in, fixed.size()), out, trap);
          if (st == EvalStatus::kTrap) return trap_result(trap);
          if (st == EvalStatus::kNotPure) {
            return interp_error(*f, "cannot interpret " + std::string(opcode_name(d.opcode)));
          }
          for (size_t k = 0; k < results.size() && k < 2; ++k) vals[results[k]] = out[k];
          break;
        }
      }
      if (tail_callee) break;
      inst = next;
    }
    f = tail_callee;
    args = std::move(tail_args);
  }
}

}  // namespace kiln::codegen::ir
