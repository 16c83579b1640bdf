// codegen/pipeline/compile.h: the compiler driver: verify IR -> mid-end (by optimization
// level) -> lower -> register allocation (optionally checked) -> emit -> CompiledCode.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codegen/ir/function.h"
#include "codegen/isa/x64/cpu.h"
#include "codegen/mach/compiled_code.h"
#include "codegen/opt/limit_checks.h"
#include "codegen/opt/passes.h"
#include "support/error.h"

namespace kiln::codegen::pipeline {

struct CompileOptions {
  int opt_level = 0;             // 0: no mid-end passes; 1 and up: opt::optimize
  bool verify = true;            // run the IR verifier first (and after the mid-end)
  bool check_regalloc = false;   // run the allocator's symbolic checker on the result
  x64::CpuFeatures cpu = x64::CpuFeatures::host();
  // Stack limit check in the prologue (see src/codegen/isa/x64/README.md): the limit is
  // loaded through the function's vmctx parameter along these offsets. Empty: no check.
  std::vector<int32_t> stack_limit_path;
  bool relax_branches = true;
  // The producer's memories, for the mid-end's loop idiom pass (opt/loop_idiom.h); null: the
  // pass does not run. Must outlive the compile() call.
  const opt::BulkMemory* bulk_memory = nullptr;
  // Epoch interruption: where the checks at loop headers find the counter, the deadline and
  // the new_epoch builtin (opt/limit_checks.h), placed after the mid-end; null: no checks.
  const opt::EpochChecks* epoch_checks = nullptr;
  // Fuel metering: where the checks at loop headers find the store's fuel counter and the
  // out_of_gas builtin (opt/limit_checks.h), placed after the mid-end; null: no checks.
  const opt::FuelChecks* fuel_checks = nullptr;
};

// Per-phase thread CPU time (nanoseconds) and sizes of one compile() call, for compile-speed
// measurements (bench/compile_time.cc).
struct PhaseStats {
  uint64_t optimize_ns = 0;  // verifier runs excluded
  uint64_t lower_ns = 0;
  uint64_t regalloc_ns = 0;  // the checker excluded
  uint64_t emit_ns = 0;
  uint32_t ir_insts = 0;     // instructions of the input function
  uint32_t vcode_insts = 0;  // machine instructions before allocation
  uint32_t code_bytes = 0;
  opt::OptimizeStats opt;    // rounds and per-pass times of the mid-end
};

// Text of the intermediate stages, for tests and `kiln explore`-style tools, and phase times.
struct CompileDebug {
  bool want_vcode = true;  // fill `vcode` (printing costs more than compiling)
  std::string vcode;       // machine instructions over virtual registers
  PhaseStats stats;
};

// Compiles one function. The function is copied when the mid-end runs, never modified.
[[nodiscard]] Expected<mach::CompiledCode> compile(const ir::Function& f, const CompileOptions& options,
                                                   CompileDebug* debug = nullptr);
// The same for a function the caller no longer needs: the mid-end rewrites it in place
// instead of copying it first (the copy is a few percent of the compile time).
[[nodiscard]] Expected<mach::CompiledCode> compile(ir::Function&& f, const CompileOptions& options,
                                                   CompileDebug* debug = nullptr);

}  // namespace kiln::codegen::pipeline
