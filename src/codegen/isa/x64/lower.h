// codegen/isa/x64/lower.h: IR -> VCode (machine instructions over virtual registers) by
// pattern: address modes, compare+branch fusion, immediates, lea, cmov.
#pragma once

#include <cstdint>
#include <vector>

#include "codegen/ir/function.h"
#include "codegen/isa/x64/cpu.h"
#include "codegen/isa/x64/inst.h"
#include "support/error.h"

namespace kiln::codegen::x64 {

struct LowerOptions {
  CpuFeatures cpu = CpuFeatures::host();
  // Stack limit check in the prologue: the limit is found by loading through the vmctx
  // parameter: limit = *(...*(*(vmctx + path[0]) + path[1])...). Empty: no check.
  std::vector<int32_t> stack_limit_path;
};

// Where each parameter and result of a signature lives under Kiln's x64 convention
// (src/environ/README.md): System V registers, then 8-byte (16 for vectors) stack slots; the
// first int and first float result in rax/xmm0, the others in a return area whose address is
// a hidden last integer argument.
struct AbiLoc {
  bool in_reg = true;
  regalloc::PReg reg;
  int32_t offset = 0;  // stack argument or return area offset
};
struct SigLayout {
  std::vector<AbiLoc> params;
  std::vector<AbiLoc> returns;
  bool has_ret_area = false;
  AbiLoc ret_area_ptr;
  uint32_t ret_area_size = 0;
  uint32_t stack_args_size = 0;  // 16-byte multiple
};
[[nodiscard]] Expected<SigLayout> layout_signature(const ir::Signature& sig);

[[nodiscard]] Expected<VCode> lower(const ir::Function& f, const LowerOptions& options);

}  // namespace kiln::codegen::x64
