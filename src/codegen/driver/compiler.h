// codegen/driver/compiler.h: Kiln's compiler behind the runtime's environ::Compiler interface
// (Wasm -> IR -> mid-end -> x64), and parallel compilation of a module's functions.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "environ/compiler.h"

namespace kiln::codegen::driver {

class X64Compiler final : public environ::Compiler {
 public:
  // Which compiler -O0 (OptLevel::kNone) uses. kBaseline (default): the single-pass baseline
  // compiler (codegen/baseline/), falling back per function to the pipeline for what it does
  // not compile; kPipeline: the optimizing pipeline without mid-end passes (tests compare the
  // two). Both follow the same conventions, so their code is interchangeable and a .cwasm does
  // not record the choice.
  enum class Tier0 : uint8_t { kBaseline, kPipeline };
  explicit X64Compiler(Tier0 tier0 = Tier0::kBaseline) : tier0_(tier0) {}

  std::string name() const override { return "kiln-x64"; }
  // The optimizing tier's inlining plan (codegen/translate/inline_plan.h), when it inlines.
  std::unique_ptr<environ::ModulePlan> plan_module(const environ::ModuleEnv& env) const override;
  Expected<environ::CompiledFunction> compile_function(const environ::ModuleEnv& env,
                                                       environ::DefinedFuncIndex index) const override;
  Expected<environ::CompiledFunction> compile_array_to_wasm_trampoline(
      const wasm::FuncType& sig, const environ::CompilerOptions& options) const override;
  Expected<environ::CompiledFunction> compile_wasm_to_array_trampoline(
      const wasm::FuncType& sig, const environ::CompilerOptions& options) const override;

 private:
  Expected<environ::CompiledFunction> compile_with_pipeline(const environ::ModuleEnv& env,
                                                            environ::DefinedFuncIndex index) const;
  Tier0 tier0_;
};

std::unique_ptr<environ::Compiler> make_x64_compiler();
std::unique_ptr<environ::Compiler> make_x64_compiler(X64Compiler::Tier0 tier0);

// Compiles every defined function of env.module with `compiler` on `threads` worker threads
// (0: one per hardware thread), with the compiler's plan for the module unless env has one.
// Result k is defined function k whatever the thread count; on failure, the error of the
// lowest failing function index is returned.
[[nodiscard]] Expected<std::vector<environ::CompiledFunction>> compile_functions(
    const environ::Compiler& compiler, const environ::ModuleEnv& env, unsigned threads = 0);

}  // namespace kiln::codegen::driver
