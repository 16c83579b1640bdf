// codegen/isa/x64/emit.h: allocated VCode -> machine code bytes: frame layout, prologue and
// epilogue, the allocator's moves/spills/reloads, branch relaxation, trap stubs, constants and
// jump tables.
#pragma once

#include "codegen/isa/x64/cpu.h"
#include "codegen/isa/x64/inst.h"
#include "codegen/mach/compiled_code.h"
#include "codegen/regalloc/regalloc.h"
#include "support/error.h"

namespace kiln::codegen::x64 {

struct EmitOptions {
  CpuFeatures cpu = CpuFeatures::host();
  bool relax_branches = true;  // forward branches that fit get the rel8 form (Assembler::finish)
};

[[nodiscard]] Expected<mach::CompiledCode> emit(const VCode& vc, const regalloc::Output& ra,
                                                const EmitOptions& options);

}  // namespace kiln::codegen::x64
