// wat/lexer.h: tokens of the WebAssembly text format and the literal parsers shared by the
// module parser and the .wast script parser.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "support/error.h"

namespace kiln::wat {

enum class TokenKind : uint8_t {
  kLParen,
  kRParen,
  kKeyword,   // starts with a-z: module, i32.add, offset=4, nan:0x1, ...
  kId,        // $name or $"quoted name"; text includes the '$'
  kString,    // "..." ; text includes the quotes, escapes undecoded
  kNat,       // unsigned integer literal: 12, 0x1F, 1_000
  kInt,       // signed integer literal: +12, -0x1F
  kFloat,     // float literal: 1.5, -0x1p3, inf, -nan, nan:0x7f, 1e10
  kReserved,  // any other idchars run (always an error where a token is expected)
  kEof,
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  std::string_view text;  // points into the source
  uint32_t line = 1;      // 1-based
  uint32_t column = 1;    // 1-based, in bytes
  uint32_t offset = 0;    // byte offset in the source
  Location loc() const { return Location::at_line(line, column); }
};

// Splits text into tokens, dropping whitespace, line comments (;; ...), nested block
// comments ((; ... ;)) and annotations ((@id ...), balanced). Errors (kMalformed):
// "unclosed comment", "unclosed string", "unclosed annotation", "malformed UTF-8 encoding",
// "illegal character" for stray characters, "empty identifier". The last token is kEof.
Expected<std::vector<Token>> tokenize(std::string_view text);

// Decodes a kString token's escapes (\t \n \r \" \' \\ \hh \u{hex}) to raw bytes.
Expected<std::string> decode_string(const Token& tok);
// Like decode_string, and also requires valid UTF-8 ("malformed UTF-8 encoding"), for names.
Expected<std::string> decode_name(const Token& tok);
// The identifier of a kId token without the '$' (decoding the $"..." form).
Expected<std::string> decode_id(const Token& tok);

// Integer literals for immediates of a given width. Unsigned forms accept kNat only and say
// "i32 constant out of range" / "i64 constant out of range" (used for limits and indices).
// Signed forms accept an unsigned literal up to 2^N-1 or a signed one in -2^(N-1)..2^(N-1)-1
// (as i32.const does), returning the two's-complement bits; out of range: "constant out of
// range".
Expected<uint32_t> parse_u32(const Token& tok);
Expected<uint64_t> parse_u64(const Token& tok);
Expected<uint32_t> parse_i32(const Token& tok);
Expected<uint64_t> parse_i64(const Token& tok);
Expected<uint8_t> parse_i8(const Token& tok);    // v128 i8x16 lanes
Expected<uint16_t> parse_i16(const Token& tok);  // v128 i16x8 lanes
// Float literals (kNat, kInt or kFloat), returned as IEEE bits, rounded to nearest-even;
// nan:0xN payloads must be non-zero and fit the mantissa. "constant out of range" when a
// finite literal rounds to infinity.
Expected<uint32_t> parse_f32(const Token& tok);
Expected<uint64_t> parse_f64(const Token& tok);

}  // namespace kiln::wat
