// codegen/ir/parser.h: reads the text form written by printer.h (functions, and the literal
// syntax shared with filetest run lines).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "codegen/ir/function.h"
#include "support/error.h"

namespace kiln::codegen::ir {

struct ParsedFunction {
  Function func;
  uint32_t first_line = 0;  // line of `function`
  uint32_t last_line = 0;   // line of the closing `}`
};

// Parses every function in `text`; `;` starts a comment to the end of the line. Value and
// block numbers are kept as written, so printing gives the same text back. The result is not
// verified; run verify_function before using it.
[[nodiscard]] Expected<std::vector<ParsedFunction>> parse_functions(std::string_view text);
// Parses text holding exactly one function.
[[nodiscard]] Expected<Function> parse_function(std::string_view text);

// Literals. An integer is decimal or 0x-hex with an optional sign; it is returned as the low
// 64 bits of its two's complement if it fits in [-2^63, 2^64).
std::optional<int64_t> parse_int_literal(std::string_view s);
// Integer fitting `bits` bits either signed or unsigned, masked to the width (bits <= 64).
std::optional<uint64_t> parse_int_of_width(std::string_view s, uint32_t bits);
std::optional<uint32_t> parse_f32_literal(std::string_view s);
std::optional<uint64_t> parse_f64_literal(std::string_view s);
// 0x followed by 1 to 32 hex digits, as a little-endian 128-bit integer.
std::optional<V128Bytes> parse_v128_literal(std::string_view s);

}  // namespace kiln::codegen::ir
