// codegen/baseline/baseline.h: Kiln's single-pass baseline compiler (-O0), in the style of V8's
// Liftoff: one decode of a Wasm function body straight to x86-64 machine code, following the
// runtime's conventions (environ/README.md) exactly, so its code calls and is called by code of
// the optimizing pipeline.
#pragma once

#include <optional>

#include "environ/compiler.h"

namespace kiln::codegen::baseline {

// Compiles defined function `index` of env.module (validated). Returns std::nullopt when the
// function uses something the baseline compiler does not compile (SIMD, atomics, exceptions,
// GC instructions, wide arithmetic, a tail call needing more stack arguments than the function
// received): the caller then compiles it with the optimizing pipeline. That is a tiering
// decision, not an error. Thread-safe; scratch buffers are reused per thread.
[[nodiscard]] Expected<std::optional<environ::CompiledFunction>> compile_function(
    const environ::ModuleEnv& env, environ::DefinedFuncIndex index);

}  // namespace kiln::codegen::baseline
