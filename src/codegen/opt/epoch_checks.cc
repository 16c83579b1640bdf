// codegen/opt/epoch_checks.cc: epoch checks at loop headers (see epoch_checks.h).
#include "codegen/opt/epoch_checks.h"

#include <utility>
#include <vector>

#include "codegen/ir/flowgraph.h"
#include "codegen/opt/util.h"

namespace kiln::codegen::opt {

namespace {

using ir::Block;
using ir::Inst;
using ir::InstData;
using ir::Value;

// Blocks entered by a retreating edge of a depth-first search from the entry, in the order
// the search first meets those edges (deterministic: successors in CFG order).
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

Value load(ir::Function& f, Block b, ir::MemFlags flags, Value addr, int32_t offset) {
  InstData d;
  d.opcode = ir::Opcode::kLoad;
  d.type = ir::kI64;
  d.aux = flags.bits;
  d.imm = offset;
  d.args[0] = addr;
  Inst i = f.dfg.make_inst(d);
  f.dfg.make_inst_results(i);
  f.layout.append_inst(i, b);
  return f.dfg.first_result(i);
}

Inst append(ir::Function& f, Block b, const InstData& d) {
  Inst i = f.dfg.make_inst(d);
  f.dfg.make_inst_results(i);
  f.layout.append_inst(i, b);
  return i;
}

}  // namespace

uint32_t place_epoch_checks(ir::Function& f, const EpochChecks& where) {
  Block entry = f.layout.entry_block();
  auto params = f.dfg.block_params(entry);
  Value vmctx;
  bool found = false;
  for (size_t k = 0; k < f.signature.params.size() && k < params.size(); ++k) {
    if (f.signature.params[k].purpose == ir::ArgumentPurpose::kVmctx) {
      vmctx = params[k];
      found = true;
      break;
    }
  }
  if (!found) return 0;
  ir::ControlFlowGraph cfg;
  cfg.compute(f);
  std::vector<Block> headers = retreating_targets(f, cfg);
  if (headers.empty()) return 0;

  ir::MemFlags vm_flags = ir::MemFlags::trusted();
  vm_flags.set_region(ir::AliasRegion::kVmctx);
  // The counter's address never changes: loaded once, in the entry block (which dominates
  // every header; the entry is never a header itself, nothing branches to it).
  ir::MemFlags fixed = vm_flags;
  fixed.bits |= ir::MemFlags::kReadonly;
  InstData ld;
  ld.opcode = ir::Opcode::kLoad;
  ld.type = ir::kI64;
  ld.aux = fixed.bits;
  ld.imm = where.counter_address;
  ld.args[0] = vmctx;
  Value counter = insert_value_before(f, ld, f.layout.first_inst(entry));

  ir::Signature sig;
  sig.params.push_back({ir::kI64, ir::ArgumentPurpose::kVmctx});
  // new_epoch returns the new deadline (unused here): the stub preserves every register but
  // the result's, which the call must therefore define.
  sig.returns.push_back({ir::kI64});
  sig.call_conv = ir::CallConv::kPreserveAll;
  ir::SigRef new_epoch_sig = f.import_signature(std::move(sig));

  std::vector<Inst> moved;
  for (Block h : headers) {
    // The header keeps its parameters and gets the check; its instructions move to `body`.
    Block body = f.dfg.make_block();
    f.layout.insert_block_after(body, h);
    if (f.layout.is_cold(h)) f.layout.set_cold(body);
    moved.clear();
    for (Inst i : f.layout.insts(h)) moved.push_back(i);
    for (Inst i : moved) {
      f.layout.remove_inst(i);
      f.layout.append_inst(i, body);
    }
    // Another thread increments the counter: a plain load, re-read at every check.
    Value epoch = load(f, h, ir::MemFlags::trusted(), counter, 0);
    Value deadline = load(f, h, vm_flags, vmctx, where.deadline);
    InstData cmp;
    cmp.opcode = ir::Opcode::kIcmp;
    cmp.aux = static_cast<uint32_t>(ir::IntCC::kUlt);
    cmp.args[0] = epoch;
    cmp.args[1] = deadline;
    Value in_time = f.dfg.first_result(append(f, h, cmp));

    Block slow = f.dfg.make_block();
    f.layout.append_block(slow);
    f.layout.set_cold(slow);
    InstData br;
    br.opcode = ir::Opcode::kBrif;
    br.args[0] = in_time;
    br.dest[0] = f.dfg.make_block_call(body, {});
    br.dest[1] = f.dfg.make_block_call(slow, {});
    append(f, h, br);

    // new_epoch returns once the deadline has moved past the counter (its result), or traps.
    Value table = load(f, slow, vm_flags, vmctx, where.builtins);
    Value fn = load(f, slow, vm_flags, table, where.new_epoch_slot);
    InstData call;
    call.opcode = ir::Opcode::kCallIndirect;
    call.aux = new_epoch_sig.index();
    Value call_args[] = {fn, vmctx};
    call.vargs = f.dfg.make_list(call_args);
    append(f, slow, call);
    InstData jump;
    jump.opcode = ir::Opcode::kJump;
    jump.dest[0] = f.dfg.make_block_call(body, {});
    append(f, slow, jump);
  }
  return static_cast<uint32_t>(headers.size());
}

}  // namespace kiln::codegen::opt
