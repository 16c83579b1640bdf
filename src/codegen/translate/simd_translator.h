// codegen/translate/simd_translator.h: translation of the SIMD and relaxed-SIMD (v128)
// operators into IR vector operations, called by the operator translator for those opcodes.
#pragma once

#include <vector>

#include "codegen/ir/builder.h"
#include "codegen/translate/func_environ.h"
#include "support/error.h"
#include "wasm/instr_reader.h"

namespace kiln::codegen::translate {

// What the SIMD translator borrows from the operator translator. v128 values on the operand
// stack are always of IR type i8x16 (the type locals, globals and block parameters use);
// operations view them through bitcasts to their lane shape.
struct SimdContext {
  ir::FunctionBuilder& b;
  FuncEnvironment& fe;
  std::vector<ir::Value>& stack;
  bool& reachable;  // cleared when a memory access always traps (the block is filled)
};

// True for opcodes of the SIMD and relaxed-SIMD proposals.
bool is_simd_opcode(wasm::Opcode op);

// Translates one (validated) SIMD instruction; the operands are on ctx.stack.
[[nodiscard]] Expected<void> translate_simd_op(wasm::Opcode op, const wasm::Imm& imm,
                                               SimdContext& ctx);

}  // namespace kiln::codegen::translate
