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
  std::string name() const override { return "kiln-x64"; }
  Expected<environ::CompiledFunction> compile_function(const environ::ModuleEnv& env,
                                                       environ::DefinedFuncIndex index) const override;
  Expected<environ::CompiledFunction> compile_array_to_wasm_trampoline(
      const wasm::FuncType& sig, const environ::CompilerOptions& options) const override;
  Expected<environ::CompiledFunction> compile_wasm_to_array_trampoline(
      const wasm::FuncType& sig, const environ::CompilerOptions& options) const override;
};

std::unique_ptr<environ::Compiler> make_x64_compiler();

// Compiles every defined function of env.module with `compiler` on `threads` worker threads
// (0: one per hardware thread). Result k is defined function k whatever the thread count; on
// failure, the error of the lowest failing function index is returned.
[[nodiscard]] Expected<std::vector<environ::CompiledFunction>> compile_functions(
    const environ::Compiler& compiler, const environ::ModuleEnv& env, unsigned threads = 0);

}  // namespace kiln::codegen::driver
