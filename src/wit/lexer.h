// wit/lexer.h: tokens of the WIT text format (WIT.md "Lexical structure") with their
// line:column and the doc comments that precede them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "support/error.h"

namespace kiln::wit {

enum class TokenKind : uint8_t {
  kEof,
  kId,          // kebab-case identifier; text excludes a leading '%'
  kInteger,     // [0-9]+
  kVersion,     // digits followed by [0-9A-Za-z.+-]*: a semver, validated by the parser
  kStringLit,   // "..." ; value holds the decoded text
  // Operators.
  kEquals, kComma, kColon, kSemicolon, kLParen, kRParen, kLBrace, kRBrace, kLAngle, kRAngle,
  kStar, kArrow, kSlash, kDot, kAt, kUnderscore,
  // Keywords.
  kAs, kAsync, kBool, kBorrow, kChar, kConstructor, kEnum, kErrorContext, kExport, kF32, kF64,
  kFlags, kFrom, kFunc, kFuture, kImport, kInclude, kInterface, kList, kMap, kOption, kOwn,
  kPackage, kRecord, kResource, kResult, kS16, kS32, kS64, kS8, kStatic, kStream, kString,
  kTuple, kType, kU16, kU32, kU64, kU8, kUse, kVariant, kWith, kWorld,
};

// How a token kind is written in messages: "`{`", "keyword `record`", "an identifier".
std::string describe(TokenKind kind);

struct Token {
  TokenKind kind = TokenKind::kEof;
  std::string_view text;  // the source text (for kId without the '%')
  std::string value;      // kString: the decoded contents
  uint32_t line = 1;      // 1-based
  uint32_t column = 1;    // 1-based, in code points
  int32_t docs = -1;      // index into Lexed::docs of the doc comments just before, or -1
};

struct Lexed {
  std::vector<Token> tokens;  // ends with kEof
  // Doc comment groups; each is the lines of `///` comments and `/** */` blocks that
  // preceded one token.
  std::vector<std::vector<std::string>> docs;
};

// Checks a kebab-case label: '-'-separated words, the first starting with a letter, each all
// lowercase ([a-z0-9]) or all uppercase ([A-Z0-9]). Returns an empty string when valid, else
// the reason.
std::string check_kebab(std::string_view id);

// An error at a place of a source: the message reads "path:line:col: message".
Error error_at(ErrorKind kind, std::string_view path, uint32_t line, uint32_t column,
               std::string_view message);

// Splits WIT source into tokens. Errors are kMalformed with "path:line:col: " in the message.
Expected<Lexed> tokenize(std::string_view path, std::string_view text);

}  // namespace kiln::wit
