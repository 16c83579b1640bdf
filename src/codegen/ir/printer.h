// codegen/ir/printer.h: the text form of functions and instructions (parsed back by parser.h).
#pragma once

#include <cstdint>
#include <string>

#include "codegen/ir/function.h"

namespace kiln::codegen::ir {

// The whole function: `function %name(sig) { preamble, blocks }`, newline-terminated.
std::string print_function(const Function& f);
// One instruction without indentation: "v3 = iadd v1, v2".
std::string print_inst(const Function& f, Inst i);

// Float literals that read back to the same bits: "1.5", "-0.0", "+inf", "+nan",
// "-nan:0x1" (payload shown when it is not the canonical quiet NaN).
std::string format_f32(uint32_t bits);
std::string format_f64(uint64_t bits);
// 128-bit constant as 0x + 32 hex digits, most significant byte (byte 15) first.
std::string format_v128(const V128Bytes& bytes);

}  // namespace kiln::codegen::ir
