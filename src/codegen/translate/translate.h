// codegen/translate/translate.h: the WebAssembly -> IR translator's interface: the IR view of
// Wasm types and signatures, trap code mapping, function translation and trampolines.
//
// Every compiled Wasm function has the IR signature
//   (i64 vmctx [callee], i64 [caller vmctx], params...) -> results
// (environ/README.md). Global state (memories, tables, globals, imports, builtins) is reached
// through the callee vmctx at the offsets of environ/vmoffsets.h. References (funcref,
// externref) are i64 pointers, null is 0.
#pragma once

#include <cstdint>
#include <optional>

#include "codegen/ir/function.h"
#include "codegen/translate/inline_plan.h"
#include "environ/indices.h"
#include "environ/trap_codes.h"
#include "environ/tunables.h"
#include "environ/vmoffsets.h"
#include "support/error.h"
#include "wasm/features.h"
#include "wasm/module.h"

namespace kiln::codegen::translate {

// External-name namespaces of callees in translated functions (ir::ExternalName::ns).
// kWasmFunction: index = FuncIndex of a defined function of the same module (relocated by
// the backend to that function's wasm-call entry).
inline constexpr uint32_t kWasmFunctionNamespace = 0;

// What the translator needs to know about the module being compiled. All references must
// outlive the translation.
struct ModuleEnv {
  const wasm::Module& module;
  const environ::VMOffsets& offsets;
  const environ::Tunables& tunables;
  // Translate small callees of direct calls in place (the optimizing tier; see
  // code_translator.cc's policy). Trap sites and calls in inlined code are listed in
  // ir::Function::inline_sites, so backtraces still show the inlined frame.
  bool inlining = false;
  // With `inlining`: the module's single-site decisions (inline_plan.h), or null for small
  // callees only.
  const InlinePlan* plan = nullptr;
};

// The IR type carrying a Wasm value: i32/i64/f32/f64 as themselves, v128 as i8x16,
// references as i64 pointers.
ir::Type ir_type(const wasm::ValType& t);
// (i64 vmctx, i64, params...) -> results.
ir::Signature wasm_call_signature(const wasm::FuncType& ft);
ir::ExternalName wasm_function_name(environ::FuncIndex f);

// Trap codes: the IR's named codes where they mean the same Wasm trap, user codes
// (kUserBase + environ code) for the others, so the mapping is a bijection.
ir::TrapCode to_ir_trap(environ::TrapCode c);
std::optional<environ::TrapCode> to_wasm_trap(ir::TrapCode c);

// Translates defined function `f` of a validated module. Fails only for instructions of
// proposals the compiler does not handle (SIMD, GC, exceptions, threads), naming the
// instruction and its offset. An absorbed function (env.plan) gets a body that only traps
// (unreachable): no call can reach it, its code lives in its caller.
[[nodiscard]] Expected<ir::Function> translate_function(const ModuleEnv& env,
                                                        environ::DefinedFuncIndex f);

// Host -> Wasm entry for functions of type `ft` (environ/compiler.h):
//   void (i64 vmctx [callee], i64 [caller vmctx], i64 values, i64 wasm_call)
// loads the arguments from `values` (one 16-byte slot each), calls `wasm_call` with the wasm
// convention and stores the results back from slot 0.
ir::Function build_array_to_wasm_trampoline(const wasm::FuncType& ft);

// Wasm -> host exit for a host function of type `ft`, with the wasm signature: stores the
// arguments into a 16-byte-slot array on the stack, loads VMHostFuncContext::array_call from
// the callee vmctx (a VMHostFuncContext) and calls
//   array_call(i64 callee vmctx, i64 caller vmctx, i64 values, i64 len)
// then loads the results from the array. Its standard rbp frame is how the host side records
// last_wasm_exit_fp/pc (runtime/vm/traphandlers.h, enter_host_call).
ir::Function build_wasm_to_array_trampoline(const wasm::FuncType& ft);

}  // namespace kiln::codegen::translate
