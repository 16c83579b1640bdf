// codegen/isa/x64/lower_simd.h: instruction selection for IR vector operations (Wasm SIMD
// and relaxed SIMD) on SSE4.1, in VEX form with AVX, called by the main lowering (lower.cc)
// through a narrow interface to its state.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>

#include "codegen/ir/dfg.h"
#include "codegen/isa/x64/cpu.h"
#include "codegen/isa/x64/inst.h"
#include "support/error.h"

namespace kiln::codegen::x64 {

// What the vector lowering needs from the lowering of the whole function.
class SimdLowerContext {
 public:
  virtual ~SimdLowerContext() = default;
  virtual const ir::DataFlowGraph& dfg() const = 0;
  // The virtual register holding an IR value (operands and results alike).
  virtual regalloc::VReg vreg(ir::Value v) = 0;
  virtual regalloc::VReg new_vreg(regalloc::RegClass c) = 0;
  // Appends a machine instruction to the current instruction's group. The reference is valid
  // until the next call.
  virtual MInst& emit(Op op, uint8_t size) = 0;
  virtual uint32_t add_const(const std::array<uint8_t, 16>& bytes) = 0;
  virtual const CpuFeatures& cpu() const = 0;
  // Operand folding: the instruction being lowered reads `refs` instead of the result `v`
  // (v's definition is not lowered if nothing else uses it).
  virtual void fold(ir::Value v, std::initializer_list<ir::Value> refs) = 0;
  // Makes the 16-byte load defining v the memory source of m (kFMemSrc and its address
  // operands) if v's only use is `user` and nothing but loads lies between them; false (m
  // unchanged) otherwise. Only for VEX forms, which need no alignment.
  virtual bool fold_vector_load(MInst& m, ir::Value v, ir::Inst user) = 0;
};

// True if lower_simd handles instruction i: the SIMD opcodes and the lane-wise arithmetic,
// comparison, shift and float operations on vector types.
bool is_simd_lowered(const ir::DataFlowGraph& dfg, ir::Inst i);

[[nodiscard]] Expected<void> lower_simd(ir::Inst i, SimdLowerContext& cx);

}  // namespace kiln::codegen::x64
