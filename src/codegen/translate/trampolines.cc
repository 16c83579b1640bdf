// codegen/translate/trampolines.cc: the host <-> Wasm trampolines, built as IR functions so they
// go through the same backend as Wasm code. Values cross in arrays of 16-byte slots
// (environ/README.md: the array calling convention).
#include <algorithm>

#include "codegen/ir/builder.h"
#include "codegen/translate/translate.h"

namespace kiln::codegen::translate {
namespace {

constexpr int32_t kSlotBytes = 16;

ir::MemFlags values_flags() {
  // The values array is host memory the caller guarantees valid and 16-byte aligned.
  return ir::MemFlags::trusted();
}

}  // namespace

ir::Function build_array_to_wasm_trampoline(const wasm::FuncType& ft) {
  ir::Function f;
  f.name = "array_to_wasm";
  f.signature.params = {{ir::kI64, ir::ArgumentPurpose::kVmctx}, {ir::kI64}, {ir::kI64}, {ir::kI64}};
  ir::FunctionBuilder b(f);
  ir::Block entry = b.create_block();
  b.append_block_params_for_function_params(entry);
  b.switch_to_block(entry);
  b.seal_block(entry);
  auto params = f.dfg.block_params(entry);
  ir::Value vmctx = params[0], caller = params[1], values = params[2], code = params[3];

  std::vector<ir::Value> args{vmctx, caller};
  for (size_t k = 0; k < ft.params.size(); ++k) {
    args.push_back(b.load(ir::Opcode::kLoad, ir_type(ft.params[k]), values_flags(), values,
                          static_cast<int32_t>(k) * kSlotBytes));
  }
  ir::SigRef sig = f.import_signature(wasm_call_signature(ft));
  ir::Inst call = b.call_indirect(sig, code, args);
  auto results = f.dfg.inst_results(call);
  std::vector<ir::Value> rs(results.begin(), results.end());
  for (size_t k = 0; k < rs.size(); ++k) {
    b.store(ir::Opcode::kStore, values_flags(), rs[k], values, static_cast<int32_t>(k) * kSlotBytes);
  }
  b.return_({});
  b.finalize();
  return f;
}

// The Wasm caller's frame pointer and return address are recorded as the store's last Wasm
// exit by the host side (runtime/vm/traphandlers.h, enter_host_call), from this trampoline's
// frame: like every function of the backend it keeps a standard rbp frame ([rbp] = caller's
// fp, [rbp + 8] = return address into the caller), so the callee finds it in its own saved-fp
// slot. That keeps the wasm -> host path free of extra stores when no error is raised.
ir::Function build_wasm_to_array_trampoline(const wasm::FuncType& ft) {
  ir::Function f;
  f.name = "wasm_to_array";
  f.signature = wasm_call_signature(ft);
  ir::FunctionBuilder b(f);
  ir::Block entry = b.create_block();
  b.append_block_params_for_function_params(entry);
  b.switch_to_block(entry);
  b.seal_block(entry);
  auto params = f.dfg.block_params(entry);
  std::vector<ir::Value> ps(params.begin(), params.end());
  ir::Value callee_vmctx = ps[0], caller = ps[1];

  size_t slots = std::max<size_t>({ft.params.size(), ft.results.size(), 1});
  ir::StackSlot ss = f.create_stack_slot(static_cast<uint32_t>(slots * kSlotBytes), 4);
  for (size_t k = 0; k < ft.params.size(); ++k) {
    b.stack_store(ps[2 + k], ss, static_cast<int32_t>(k) * kSlotBytes);
  }
  ir::Value array = b.stack_addr(ir::kI64, ss, 0);
  ir::Value host = b.load(ir::Opcode::kLoad, ir::kI64, ir::MemFlags::trusted(), callee_vmctx,
                          static_cast<int32_t>(environ::VMHostFuncContextLayout::array_call()));
  ir::Signature hs;
  hs.params = {{ir::kI64, ir::ArgumentPurpose::kVmctx}, {ir::kI64}, {ir::kI64}, {ir::kI64}};
  ir::SigRef sig = f.import_signature(hs);
  ir::Value len = b.iconst(ir::kI64, static_cast<int64_t>(slots));
  ir::Value args[] = {callee_vmctx, caller, array, len};
  b.call_indirect(sig, host, args);
  std::vector<ir::Value> rs;
  for (size_t k = 0; k < ft.results.size(); ++k) {
    rs.push_back(b.stack_load(ir_type(ft.results[k]), ss, static_cast<int32_t>(k) * kSlotBytes));
  }
  b.return_(rs);
  b.finalize();
  return f;
}

}  // namespace kiln::codegen::translate
