// codegen/opt/limit_checks.cc: epoch and fuel checks at loop headers (see limit_checks.h).
#include "codegen/opt/limit_checks.h"

#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "codegen/ir/flowgraph.h"
#include "codegen/opt/inserter.h"
#include "codegen/opt/util.h"

namespace kiln::codegen::opt {

namespace {

using ir::Block;
using ir::Inst;
using ir::InstData;
using ir::Value;

// Blocks entered by a retreating edge of a depth-first search from the entry, in the order
// the search first meets those edges (deterministic: successors in CFG order). Edges out of
// cold blocks do not count: cold blocks are the translator's slow paths, which run once and
// return to the code they left; one (a lazily initialised funcref table entry) returns by
// jumping back to reload the entry, a cycle that runs at most twice (limit_checks.h).
std::vector<Block> retreating_targets(const ir::Function& f, const ir::ControlFlowGraph& cfg) {
  size_t nb = f.dfg.num_blocks();
  std::vector<uint8_t> state(nb, 0);  // 0: unseen, 1: on the search path, 2: finished
  std::vector<uint8_t> is_target(nb, 0);
  std::vector<Block> targets;
  std::vector<std::pair<Block, uint32_t>> stack;
  Block entry = f.layout.entry_block();
  stack.push_back({entry, 0});
  state[entry.index()] = 1;
  while (!stack.empty()) {
    auto& [b, next] = stack.back();
    auto succs = cfg.succs(b);
    if (next == succs.size()) {
      state[b.index()] = 2;
      stack.pop_back();
      continue;
    }
    Block s = succs[next++];
    if (state[s.index()] == 1 && f.layout.is_cold(b)) continue;
    if (state[s.index()] == 0) {
      state[s.index()] = 1;
      stack.push_back({s, 0});
    } else if (state[s.index()] == 1 && !is_target[s.index()]) {
      is_target[s.index()] = 1;
      targets.push_back(s);
    }
  }
  return targets;
}

Inst append(ir::Function& f, Block b, const InstData& d) { return Inserter(f, b).insert(d); }

Value load(ir::Function& f, Block b, ir::MemFlags flags, Value addr, int32_t offset) {
  return Inserter(f, b).load(ir::kI64, flags, addr, offset);
}

ir::MemFlags vmctx_flags() {
  ir::MemFlags fl = ir::MemFlags::trusted();
  fl.set_region(ir::AliasRegion::kVmctx);
  return fl;
}

// The function's vmctx parameter, if it has one.
std::optional<Value> vmctx_param(const ir::Function& f) {
  auto params = f.dfg.block_params(f.layout.entry_block());
  for (size_t k = 0; k < f.signature.params.size() && k < params.size(); ++k) {
    if (f.signature.params[k].purpose == ir::ArgumentPurpose::kVmctx) return params[k];
  }
  return std::nullopt;
}

// Moves every instruction of `h` into a new block placed right after it, which it returns; `h`
// keeps its parameters and is left empty for the check.
Block split_header(ir::Function& f, Block h) {
  Block body = f.dfg.make_block();
  f.layout.insert_block_after(body, h);
  if (f.layout.is_cold(h)) f.layout.set_cold(body);
  std::vector<Inst> moved;
  for (Inst i : f.layout.insts(h)) moved.push_back(i);
  for (Inst i : moved) {
    f.layout.remove_inst(i);
    f.layout.append_inst(i, body);
  }
  return body;
}

// A new cold block at the end of the layout.
Block cold_block(ir::Function& f) {
  Block b = f.dfg.make_block();
  f.layout.append_block(b);
  f.layout.set_cold(b);
  return b;
}

// The preserve-all builtin signature: (vmctx) -> i64 when `result` (new_epoch returns the new
// deadline; the stub preserves every register but the result's, which the call must then
// define), else (vmctx).
ir::SigRef preserve_all_sig(ir::Function& f, bool result) {
  ir::Signature sig;
  sig.params.push_back({ir::kI64, ir::ArgumentPurpose::kVmctx});
  if (result) sig.returns.push_back({ir::kI64});
  sig.call_conv = ir::CallConv::kPreserveAll;
  return f.import_signature(std::move(sig));
}

// Appends to `b` a call of the builtin in table slot `slot`.
void call_builtin(ir::Function& f, Block b, Value vmctx, int32_t builtins, int32_t slot, ir::SigRef sig) {
  Value table = load(f, b, vmctx_flags(), vmctx, builtins);
  Value fn = load(f, b, vmctx_flags(), table, slot);
  InstData call;
  call.opcode = ir::Opcode::kCallIndirect;
  call.aux = sig.index();
  Value call_args[] = {fn, vmctx};
  call.vargs = f.dfg.make_list(call_args);
  append(f, b, call);
}

void branch(ir::Function& f, Block from, Value cond, Block then_block, std::span<const Value> then_args,
            Block else_block) {
  InstData br;
  br.opcode = ir::Opcode::kBrif;
  br.args[0] = cond;
  br.dest[0] = f.dfg.make_block_call(then_block, then_args);
  br.dest[1] = f.dfg.make_block_call(else_block, {});
  append(f, from, br);
}

void jump(ir::Function& f, Block from, Block to, std::span<const Value> args) {
  InstData j;
  j.opcode = ir::Opcode::kJump;
  j.dest[0] = f.dfg.make_block_call(to, args);
  append(f, from, j);
}

// The fuel values of the function: the translator's loads of VMStoreContext::fuel_consumed
// (through a load of the store context's address from the vmctx), sums of a fuel value and a
// cost, and block parameters all of whose incoming values are fuel values. The largest such set
// (around a loop the parameter and the sum that feeds it back depend on each other), found by
// assuming every i64 sum and every i64 block parameter is one and removing those that are not
// until nothing changes. Nothing but the fuel variable adds to a fuel value, so a parameter
// fed only by such sums is the variable. Indexed by value number.
std::vector<uint8_t> fuel_values(ir::Function& f, const ir::ControlFlowGraph& cfg, Value vmctx,
                                 const FuelChecks& where) {
  ir::DataFlowGraph& dfg = f.dfg;
  std::vector<uint8_t> fuel(dfg.num_values(), 0);
  auto is_fuel = [&](Value v) { return fuel[dfg.resolve_aliases(v).index()] != 0; };
  auto is_load_at = [&](Value v, Value base, int32_t offset) {
    Inst i = dfg.value_inst(v);
    if (!i.is_valid()) return false;
    const InstData& d = dfg[i];
    return d.opcode == ir::Opcode::kLoad && d.type == ir::kI64 && d.offset() == offset &&
           dfg.resolve_aliases(d.args[0]) == base;
  };
  struct Sum {
    Value result, a, b;
  };
  std::vector<Sum> sums;
  std::vector<std::pair<Block, uint32_t>> params;  // block, parameter index
  for (Block b : f.layout.blocks()) {
    if (b != f.layout.entry_block()) {
      auto ps = dfg.block_params(b);
      for (uint32_t k = 0; k < ps.size(); ++k) {
        if (dfg.value_type(ps[k]) == ir::kI64 && !cfg.preds(b).empty()) {
          fuel[ps[k].index()] = 1;
          params.push_back({b, k});
        }
      }
    }
    for (Inst i : f.layout.insts(b)) {
      if (!dfg.has_results(i)) continue;
      const InstData& d = dfg[i];
      Value r = dfg.first_result(i);
      if (d.opcode == ir::Opcode::kLoad && d.type == ir::kI64 && d.offset() == where.fuel &&
          is_load_at(dfg.resolve_aliases(d.args[0]), vmctx, where.store_context)) {
        fuel[r.index()] = 1;
      } else if (d.opcode == ir::Opcode::kIadd && dfg.value_type(r) == ir::kI64) {
        // Either operand may carry the fuel (the other is a cost: a constant, or a multiple
        // of one when a loop pass charges many iterations at once).
        sums.push_back({r, d.args[0], d.args[1]});
        fuel[r.index()] = 1;
      }
    }
  }
  bool changed = true;
  while (changed) {
    changed = false;
    for (const Sum& s : sums) {
      if (fuel[s.result.index()] && !is_fuel(s.a) && !is_fuel(s.b)) {
        fuel[s.result.index()] = 0;
        changed = true;
      }
    }
    for (auto [b, k] : params) {
      Value p = dfg.block_params(b)[k];
      if (!fuel[p.index()]) continue;
      bool all = true;
      for (const auto& pred : cfg.preds(b)) {
        for_each_block_call(dfg, pred.inst, [&](ir::BlockCall& bc) {
          if (bc.block != b) return;
          auto args = bc.args.as_slice(dfg.pool());
          if (k >= args.size() || !is_fuel(args[k])) all = false;
        });
      }
      if (!all) {
        fuel[p.index()] = 0;
        changed = true;
      }
    }
  }
  return fuel;
}

}  // namespace

uint32_t place_epoch_checks(ir::Function& f, const EpochChecks& where) {
  std::optional<Value> vmctx_v = vmctx_param(f);
  if (!vmctx_v) return 0;
  Value vmctx = *vmctx_v;
  ir::ControlFlowGraph cfg;
  cfg.compute(f);
  // The function entry, then the loop headers (the entry is never one: nothing branches to
  // it).
  Block entry = f.layout.entry_block();
  std::vector<Block> headers{entry};
  for (Block h : retreating_targets(f, cfg)) headers.push_back(h);

  ir::MemFlags fixed = vmctx_flags();
  fixed.bits |= ir::MemFlags::kReadonly;
  Value counter;
  ir::SigRef new_epoch_sig = preserve_all_sig(f, /*result=*/true);
  for (Block h : headers) {
    Block body = split_header(f, h);
    // The counter's address never changes: loaded once, in the entry block, which dominates
    // every header.
    if (h == entry) counter = load(f, h, fixed, vmctx, where.counter_address);
    // Another thread increments the counter: a plain load, re-read at every check.
    Value epoch = load(f, h, ir::MemFlags::trusted(), counter, 0);
    Value deadline = load(f, h, vmctx_flags(), vmctx, where.deadline);
    Value in_time = Inserter(f, h).icmp(ir::IntCC::kUlt, epoch, deadline);
    Block slow = cold_block(f);
    branch(f, h, in_time, body, {}, slow);
    // new_epoch returns once the deadline has moved past the counter (its result), or traps.
    call_builtin(f, slow, vmctx, where.builtins, where.new_epoch_slot, new_epoch_sig);
    jump(f, slow, body, {});
  }
  return static_cast<uint32_t>(headers.size() - 1);
}

Expected<uint32_t> place_fuel_checks(ir::Function& f, const FuelChecks& where) {
  std::optional<Value> vmctx_v = vmctx_param(f);
  if (!vmctx_v) return 0u;
  Value vmctx = *vmctx_v;
  ir::ControlFlowGraph cfg;
  cfg.compute(f);
  std::vector<Block> headers = retreating_targets(f, cfg);
  if (headers.empty()) return 0u;
  std::vector<uint8_t> fuel = fuel_values(f, cfg, vmctx, where);

  ir::SigRef out_of_gas_sig = preserve_all_sig(f, /*result=*/false);
  ir::MemFlags sc_flags = vmctx_flags();
  // Each header's fuel parameter is replaced, in the code that was there before the checks,
  // by the value its check passes on (one pass at the end).
  std::vector<Value> replace(f.dfg.num_values());
  std::vector<uint8_t> is_new(f.dfg.num_blocks() + 2 * headers.size(), 0);
  for (Block h : headers) is_new[h.index()] = 1;  // emptied below, then only the check
  for (Block h : headers) {
    Value p;
    bool found = false;
    for (Value v : f.dfg.block_params(h)) {
      if (fuel[v.index()]) {
        p = v;
        found = true;
        break;
      }
    }
    if (!found) {
      return Error(ErrorKind::kOther, "fuel: loop header block" + std::to_string(h.index()) +
                                          " of " + f.name + " has no fuel parameter");
    }
    Block body = split_header(f, h);
    // The body continues with the fuel after the check: `p` itself, or what the store holds
    // after out_of_gas refuelled it.
    Value merged = f.dfg.append_block_param(body, ir::kI64);
    replace[p.index()] = merged;
    Value left = Inserter(f, h).icmp(ir::IntCC::kSlt, p, int64_t{0});
    Block slow = cold_block(f);
    if (slow.index() >= is_new.size()) is_new.resize(slow.index() + 1, 0);
    is_new[slow.index()] = 1;
    Value pass[] = {p};
    branch(f, h, left, body, pass, slow);
    // out_of_gas refuels the store's counter (the host's decision) or traps OutOfFuel.
    Value sc = load(f, slow, sc_flags, vmctx, where.store_context);
    Inserter(f, slow).store(sc_flags, p, sc, where.fuel);
    call_builtin(f, slow, vmctx, where.builtins, where.out_of_gas_slot, out_of_gas_sig);
    Value sc2 = load(f, slow, sc_flags, vmctx, where.store_context);
    Value refuelled = load(f, slow, sc_flags, sc2, where.fuel);
    Value again[] = {refuelled};
    jump(f, slow, body, again);
  }
  for (Block b : f.layout.blocks()) {
    if (b.index() < is_new.size() && is_new[b.index()]) continue;
    for (Inst i : f.layout.insts(b)) {
      for_each_operand(f.dfg, i, [&](Value& v) {
        Value r = f.dfg.resolve_aliases(v);
        if (r.index() < replace.size() && replace[r.index()].is_valid()) v = replace[r.index()];
      });
    }
  }
  return static_cast<uint32_t>(headers.size());
}

}  // namespace kiln::codegen::opt
