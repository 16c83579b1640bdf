// tests/unit/wat/lexer_test.cc: tokenizer classification, comments, annotations, errors, and
// the literal parsers against the spec testsuite's const.wast / float_literals.wast values.
#include "wat/lexer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

namespace kiln::wat {
namespace {

std::vector<Token> lex(std::string_view text) {
  auto r = tokenize(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? *r : std::vector<Token>{};
}

std::string lex_error(std::string_view text) {
  auto r = tokenize(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? std::string() : r.error().message();
}

// The single token of `text` (followed by kEof).
Token one(std::string_view text) {
  auto toks = lex(text);
  EXPECT_EQ(toks.size(), 2u) << text;
  return toks.empty() ? Token{} : toks[0];
}

TokenKind kind_of(std::string_view text) { return one(text).kind; }

Token tok(TokenKind kind, std::string_view text) {
  Token t;
  t.kind = kind;
  t.text = text;
  return t;
}

std::optional<uint32_t> f32_of(std::string_view text) {
  auto toks = tokenize(text);
  if (!toks.ok() || toks->size() != 2) return std::nullopt;
  auto r = parse_f32((*toks)[0]);
  if (!r.ok()) return std::nullopt;
  return *r;
}

std::optional<uint64_t> f64_of(std::string_view text) {
  auto toks = tokenize(text);
  if (!toks.ok() || toks->size() != 2) return std::nullopt;
  auto r = parse_f64((*toks)[0]);
  if (!r.ok()) return std::nullopt;
  return *r;
}

std::string read_spec(const char* name) {
  std::string path = std::string(KILN_SHARED_DIR) + "/wasm-testsuite/spec/" + name;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "missing test data " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Lexer, Punctuation) {
  auto toks = lex("(module)");
  ASSERT_EQ(toks.size(), 4u);
  EXPECT_EQ(toks[0].kind, TokenKind::kLParen);
  EXPECT_EQ(toks[1].kind, TokenKind::kKeyword);
  EXPECT_EQ(toks[1].text, "module");
  EXPECT_EQ(toks[2].kind, TokenKind::kRParen);
  EXPECT_EQ(toks[3].kind, TokenKind::kEof);
}

TEST(Lexer, Classification) {
  EXPECT_EQ(kind_of("i32.add"), TokenKind::kKeyword);
  EXPECT_EQ(kind_of("offset=4"), TokenKind::kKeyword);
  EXPECT_EQ(kind_of("nan:canonical"), TokenKind::kKeyword);
  EXPECT_EQ(kind_of("$x"), TokenKind::kId);
  EXPECT_EQ(kind_of("$l$l"), TokenKind::kId);
  EXPECT_EQ(kind_of("$\"a b\""), TokenKind::kId);
  EXPECT_EQ(kind_of("\"a\\n\""), TokenKind::kString);
  EXPECT_EQ(kind_of("12"), TokenKind::kNat);
  EXPECT_EQ(kind_of("0x1F"), TokenKind::kNat);
  EXPECT_EQ(kind_of("1_000"), TokenKind::kNat);
  EXPECT_EQ(kind_of("+12"), TokenKind::kInt);
  EXPECT_EQ(kind_of("-0x1F"), TokenKind::kInt);
  EXPECT_EQ(kind_of("1.5"), TokenKind::kFloat);
  EXPECT_EQ(kind_of("1."), TokenKind::kFloat);
  EXPECT_EQ(kind_of("1.e10"), TokenKind::kFloat);
  EXPECT_EQ(kind_of("1e-10"), TokenKind::kFloat);
  EXPECT_EQ(kind_of("-0x1p3"), TokenKind::kFloat);
  EXPECT_EQ(kind_of("0x1.p3"), TokenKind::kFloat);
  EXPECT_EQ(kind_of("0xA."), TokenKind::kFloat);
  EXPECT_EQ(kind_of("inf"), TokenKind::kFloat);
  EXPECT_EQ(kind_of("-nan"), TokenKind::kFloat);
  EXPECT_EQ(kind_of("nan:0x7f"), TokenKind::kFloat);
  EXPECT_EQ(kind_of("+nan:0x7_f"), TokenKind::kFloat);
  // Malformed numbers are reserved tokens.
  for (const char* r : {"0x", "1x", "0xg", ".0", ".0e0", "0e", "0e+", "0.0e-", "0x.", "0x0.g",
                        "0x0p", "0x0p+", "0x0pA", "_100", "+_100", "99_", "1__000", "1._0",
                        "1_.0", "1e_1", "1.0e_+1", "0_x100", "0x_100", "0x00_", "0x1.0_",
                        "0x1p_1", "0x1.0p+_1", "@a", "-nan:canonical", "+inf:0x1"}) {
    EXPECT_EQ(kind_of(r), TokenKind::kReserved) << r;
  }
  // Runs of idchars, strings and punctuation without space are one reserved token.
  for (const char* r : {"0$l", "$l\"a\"", "\"a\"\"b\"", "\"a\"x", "0\"a\"", "$\"l\"0",
                        "\"a\"$x", "a,b", "x[0]", "{}", "a;b"}) {
    EXPECT_EQ(kind_of(r), TokenKind::kReserved) << r;
  }
}

TEST(Lexer, CommentsAndParensDelimit) {
  auto toks = lex("(func;;bla\n nop;;x\n(; a (; nested ;) b ;)br 0(nop))");
  std::vector<std::string> texts;
  for (auto& t : toks) texts.emplace_back(t.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"(", "func", "nop", "br", "0", "(", "nop", ")", ")", ""}));
  EXPECT_EQ(toks[2].line, 2u);
  EXPECT_EQ(toks[2].column, 2u);
  EXPECT_EQ(toks[3].line, 3u);
}

TEST(Lexer, LineAndColumn) {
  auto toks = lex("(a\n  \"x y\" $b)\n  c");
  ASSERT_EQ(toks.size(), 7u);
  EXPECT_EQ(toks[2].line, 2u);
  EXPECT_EQ(toks[2].column, 3u);
  EXPECT_EQ(toks[3].column, 9u);
  EXPECT_EQ(toks[5].line, 3u);
  EXPECT_EQ(toks[5].column, 3u);
  EXPECT_EQ(toks[5].offset, 17u);
}

TEST(Lexer, Annotations) {
  auto toks = lex("((@a) module (@a x-y$yz\"aa\"-2 (bla (x)) \")\" (;c;) ;; bla)\n"
                  " ) (@\"a b\") (@a @ @x (@x) (@) (@(@(@(@))))) $m)");
  std::vector<std::string> texts;
  for (auto& t : toks) texts.emplace_back(t.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"(", "module", "$m", ")", ""}));
  EXPECT_EQ(lex_error("(@)"), "empty annotation id");
  EXPECT_EQ(lex_error("(@ x)"), "empty annotation id");
  EXPECT_EQ(lex_error("(@(@a)x)"), "empty annotation id");
  EXPECT_EQ(lex_error("(@\"\")"), "empty annotation id");
  EXPECT_EQ(lex_error("(@\"\n\")"), "empty annotation id");
  EXPECT_EQ(lex_error("(@\"\\ef\")"), "malformed UTF-8 encoding");
  EXPECT_EQ(lex_error("(@x (y (z))"), "unclosed annotation");
  EXPECT_EQ(lex_error("(@x \")"), "unclosed string");
  EXPECT_EQ(lex_error("(@a \x01)"), "illegal character");
  EXPECT_EQ(lex_error("(@a \x7f)"), "illegal character");
  EXPECT_EQ(lex_error("(@a \x80)"), "malformed UTF-8 encoding");
  EXPECT_EQ(lex_error("(@a Hei\xc3\x9f" "e)"), "illegal character");
  EXPECT_EQ(lex("(@a \t\n\r )").size(), 1u);
}

TEST(Lexer, Errors) {
  EXPECT_EQ(lex_error("(; (; ;)"), "unclosed comment");
  EXPECT_EQ(lex_error("\"abc"), "unclosed string");
  EXPECT_EQ(lex_error("\"a\nb\""), "unclosed string");
  EXPECT_EQ(lex_error("\"\\q\""), "illegal escape");
  EXPECT_EQ(lex_error("\"\\u{110000}\""), "illegal escape");
  EXPECT_EQ(lex_error("\"\\u{d800}\""), "illegal escape");
  EXPECT_EQ(lex_error("\"\xff\""), "malformed UTF-8 encoding");
  EXPECT_EQ(lex_error("\"a\tb\""), "illegal character");
  EXPECT_EQ(lex_error(";; \xc0\x80"), "malformed UTF-8 encoding");
  EXPECT_EQ(lex_error("(func $(@a))"), "empty identifier");
  EXPECT_EQ(lex_error("$\"\""), "empty identifier");
  EXPECT_EQ(lex_error("(func $ \"a\")"), "empty identifier");
  EXPECT_EQ(lex_error("(func $\"a\nb\")"), "empty identifier");
  EXPECT_EQ(lex_error("(func $\"a\tb\")"), "empty identifier");
  EXPECT_EQ(lex_error("(func $\"\\ef\")"), "malformed UTF-8 encoding");
  EXPECT_EQ(lex_error("a \x01"), "illegal character");
  EXPECT_EQ(lex_error("\xc3\x9f"), "illegal character");
  auto r = tokenize("(a\n  \"x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().location().line, 2u);
  EXPECT_EQ(r.error().location().column, 3u);
  EXPECT_EQ(r.error().kind(), ErrorKind::kMalformed);
  // Comments and strings may hold any well-formed UTF-8.
  EXPECT_EQ(lex(";; Hei\xc3\x9f" "e\n(; \xf0\x9f\x98\x80 ;) \"\xe2\x82\xac\"").size(), 2u);
}

TEST(Lexer, Strings) {
  auto s = decode_string(tok(TokenKind::kString, "\"a\\t\\n\\r\\\"\\'\\\\\\00\\ff\\u{41}\\u{20_AC}\""));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, std::string("a\t\n\r\"'\\\0\xff" "A\xe2\x82\xac", 13));
  EXPECT_FALSE(decode_name(tok(TokenKind::kString, "\"\\ff\"")).ok());
  EXPECT_EQ(decode_name(tok(TokenKind::kString, "\"\\ff\"")).error().message(),
            "malformed UTF-8 encoding");
  EXPECT_EQ(*decode_name(tok(TokenKind::kString, "\"\\c3\\9f\"")), "\xc3\x9f");
  EXPECT_EQ(*decode_id(tok(TokenKind::kId, "$abc")), "abc");
  EXPECT_EQ(*decode_id(tok(TokenKind::kId, "$\"a\\u{62}c\"")), "abc");
  EXPECT_FALSE(decode_id(tok(TokenKind::kId, "$\"\\ff\"")).ok());
}

TEST(Literals, Integers) {
  EXPECT_EQ(*parse_u32(tok(TokenKind::kNat, "4294967295")), 4294967295u);
  EXPECT_EQ(*parse_u32(tok(TokenKind::kNat, "0xffff_ffff")), 4294967295u);
  EXPECT_EQ(parse_u32(tok(TokenKind::kNat, "4294967296")).error().message(),
            "i32 constant out of range");
  EXPECT_FALSE(parse_u32(tok(TokenKind::kInt, "+1")).ok());
  EXPECT_EQ(parse_u32(tok(TokenKind::kReserved, "0x")).error().message(), "unknown operator");
  EXPECT_EQ(*parse_u64(tok(TokenKind::kNat, "18446744073709551615")), UINT64_MAX);
  EXPECT_FALSE(parse_u64(tok(TokenKind::kNat, "18446744073709551616")).ok());
  EXPECT_FALSE(parse_u64(tok(TokenKind::kNat, "0x1_0000_0000_0000_0000")).ok());

  EXPECT_EQ(*parse_i32(tok(TokenKind::kNat, "0xffffffff")), 0xffffffffu);
  EXPECT_EQ(*parse_i32(tok(TokenKind::kInt, "-0x80000000")), 0x80000000u);
  EXPECT_EQ(*parse_i32(tok(TokenKind::kInt, "-1")), 0xffffffffu);
  EXPECT_EQ(*parse_i32(tok(TokenKind::kInt, "+42")), 42u);
  EXPECT_EQ(*parse_i32(tok(TokenKind::kNat, "0_123_456_789")), 123456789u);
  EXPECT_EQ(parse_i32(tok(TokenKind::kNat, "0x100000000")).error().message(),
            "constant out of range");
  EXPECT_FALSE(parse_i32(tok(TokenKind::kInt, "-0x80000001")).ok());
  EXPECT_FALSE(parse_i32(tok(TokenKind::kInt, "-2147483649")).ok());
  EXPECT_FALSE(parse_i32(tok(TokenKind::kInt, "+2147483648")).ok());
  EXPECT_FALSE(parse_i32(tok(TokenKind::kFloat, "1.5")).ok());
  EXPECT_EQ(*parse_i64(tok(TokenKind::kInt, "-9223372036854775808")), 0x8000000000000000u);
  EXPECT_EQ(*parse_i64(tok(TokenKind::kNat, "18446744073709551615")), UINT64_MAX);
  EXPECT_EQ(parse_i64(tok(TokenKind::kInt, "-9223372036854775809")).error().message(),
            "constant out of range");
  EXPECT_EQ(parse_u64(tok(TokenKind::kNat, "18446744073709551616")).error().message(),
            "i64 constant out of range");
  EXPECT_FALSE(parse_i64(tok(TokenKind::kNat, "0x10000000000000000")).ok());

  EXPECT_EQ(*parse_i8(tok(TokenKind::kNat, "255")), 255);
  EXPECT_EQ(*parse_i8(tok(TokenKind::kInt, "-128")), 0x80);
  EXPECT_EQ(*parse_i8(tok(TokenKind::kInt, "-0x80")), 0x80);
  EXPECT_EQ(parse_i8(tok(TokenKind::kNat, "256")).error().message(), "constant out of range");
  EXPECT_FALSE(parse_i8(tok(TokenKind::kInt, "-129")).ok());
  EXPECT_FALSE(parse_i8(tok(TokenKind::kInt, "-0x101")).ok());
  EXPECT_EQ(*parse_i16(tok(TokenKind::kNat, "0xffff")), 0xffff);
  EXPECT_EQ(*parse_i16(tok(TokenKind::kInt, "-32768")), 0x8000);
  EXPECT_FALSE(parse_i16(tok(TokenKind::kNat, "65536")).ok());
  EXPECT_FALSE(parse_i16(tok(TokenKind::kInt, "-32769")).ok());
}

TEST(Literals, FloatSpecials) {
  struct F32Case { const char* text; uint32_t bits; };
  for (auto c : std::initializer_list<F32Case>{
           {"nan", 0x7fc00000}, {"+nan", 0x7fc00000}, {"-nan", 0xffc00000},
           {"nan:0x400000", 0x7fc00000}, {"nan:0x200000", 0x7fa00000},
           {"-nan:0x7fffff", 0xffffffff}, {"nan:0x012345", 0x7f812345},
           {"+nan:0x304050", 0x7fb04050}, {"-nan:0x2abcde", 0xffaabcde},
           {"inf", 0x7f800000}, {"+inf", 0x7f800000}, {"-inf", 0xff800000},
           {"0x0.0p0", 0}, {"+0x0.0p0", 0}, {"-0x0.0p0", 0x80000000},
           {"0x1.921fb6p+2", 0x40c90fdb}, {"0x1p-149", 1}, {"0x1p-126", 0x800000},
           {"0x1.fffffep+127", 0x7f7fffff}, {"0x1.fffffcp-127", 0x7fffff},
           {"0x1.p10", 0x44800000}, {"0x12345", 0x4791a280},
           {"0x1_0000_0000_0000_0000_0000", 0x67800000}, {"-0x8000_0000", 0xcf000000},
           {"-0x8000_0000_0000_0000", 0xdf000000}, {"0.0e0", 0}, {"-0.0e0", 0x80000000},
           {"6.28318548202514648", 0x40c90fdb}, {"1.4013e-45", 1},
           {"1.1754944e-38", 0x800000}, {"1.1754942e-38", 0x7fffff},
           {"3.4028234e+38", 0x7f7fffff}, {"1.e10", 0x501502f9}, {"12345", 0x4640e400},
           {"100_000_000_000_000_000_000", 0x60ad78ec}, {"-2147483648", 0xcf000000},
           {"-9223372036854775808", 0xdf000000}, {"1.000000119", 0x3f800001},
           {"1_000_000", 0x49742400}, {"0x1p-150", 0}, {"0x1.000001p-149", 1},
           {"0x1.8p-149", 2}, {"0x1.fffffefffffffffffffp127", 0x7f7fffff}}) {
    auto v = f32_of(c.text);
    ASSERT_TRUE(v.has_value()) << c.text;
    EXPECT_EQ(*v, c.bits) << c.text;
  }
  struct F64Case { const char* text; uint64_t bits; };
  for (auto c : std::initializer_list<F64Case>{
           {"nan", 0x7ff8000000000000}, {"-nan", 0xfff8000000000000},
           {"nan:0x4000000000000", 0x7ff4000000000000},
           {"-nan:0xfffffffffffff", 0xffffffffffffffff},
           {"nan:0x0123456789abc", 0x7ff0123456789abc}, {"-inf", 0xfff0000000000000},
           {"0x1.921fb54442d18p+2", 0x401921fb54442d18},
           {"0x0.0000000000001p-1022", 1}, {"0x1p-1022", 0x10000000000000},
           {"0x0.fffffffffffffp-1022", 0xfffffffffffff},
           {"0x1.fffffffffffffp+1023", 0x7fefffffffffffff}, {"0x1.p100", 0x4630000000000000},
           {"0x1_0000_0000_0000_0000_0000", 0x44f0000000000000},
           {"-0x8000_0000_0000_0000", 0xc3e0000000000000},
           {"6.28318530717958623", 0x401921fb54442d18}, {"4.94066e-324", 1},
           {"2.2250738585072012e-308", 0x10000000000000},
           {"2.2250738585072011e-308", 0xfffffffffffff},
           {"1.7976931348623157e+308", 0x7fefffffffffffff}, {"1.e100", 0x54b249ad2594c37d},
           {"1.000000119", 0x3ff000001ff19e24},
           {"100_000_000_000_000_000_000", 0x4415af1d78b58c40},
           {"0x1.fffffffffffff7ffffffp1023", 0x7fefffffffffffff}}) {
    auto v = f64_of(c.text);
    ASSERT_TRUE(v.has_value()) << c.text;
    EXPECT_EQ(*v, c.bits) << c.text;
  }
}

TEST(Literals, FloatErrors) {
  for (const char* t : {"0x1p128", "-0x1p128", "0x1.ffffffp127", "1e39", "-1e39",
                        "340282356779733661637539395458142568448", "nan:0x0",
                        "nan:0x80_0000", "0x1p99999999999999999999"}) {
    auto toks = tokenize(t);
    ASSERT_TRUE(toks.ok()) << t;
    auto r = parse_f32((*toks)[0]);
    ASSERT_FALSE(r.ok()) << t;
    EXPECT_EQ(r.error().message(), "constant out of range") << t;
  }
  for (const char* t : {"0x1p1024", "0x1.fffffffffffff8p1023", "1e309", "nan:0x0",
                        "nan:0x10_0000_0000_0000"}) {
    auto toks = tokenize(t);
    ASSERT_TRUE(toks.ok()) << t;
    EXPECT_FALSE(parse_f64((*toks)[0]).ok()) << t;
  }
  EXPECT_EQ(parse_f32(tok(TokenKind::kReserved, "0x")).error().message(), "unknown operator");
  EXPECT_EQ(parse_f32(tok(TokenKind::kKeyword, "nan:canonical")).error().message(),
            "unexpected token");
  // Huge negative exponents underflow to zero rather than failing.
  EXPECT_EQ(f64_of("0x1p-99999999999999999999"), 0u);
  EXPECT_EQ(f32_of("-1e-99999"), 0x80000000u);
}

// Every "(module (func (export "f") (result fN) (fN.const X)))" followed by
// "(assert_return (invoke "f") (fN.const Y))" in const.wast: X must round to Y's bits.
TEST(Literals, ConstWastRounding) {
  std::string text = read_spec("const.wast");
  std::regex pair(
      R"(\(module \(func \(export "f"\) \(result (f32|f64)\) \(f(?:32|64)\.const (\S+)\)\)\)\s*)"
      R"(\(assert_return \(invoke "f"\) \(f(?:32|64)\.const (\S+)\)\))");
  int count = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), pair), end; it != end; ++it) {
    std::string type = (*it)[1], in = (*it)[2], want = (*it)[3];
    if (type == "f32") {
      auto a = f32_of(in), b = f32_of(want);
      ASSERT_TRUE(a && b) << in << " " << want;
      EXPECT_EQ(*a, *b) << in << " should round to " << want;
      // glibc's strtof rounds hex and decimal input exactly: an independent oracle.
      float oracle = std::strtof(want.c_str(), nullptr);
      uint32_t ob;
      std::memcpy(&ob, &oracle, 4);
      EXPECT_EQ(*b, ob) << want;
    } else {
      auto a = f64_of(in), b = f64_of(want);
      ASSERT_TRUE(a && b) << in << " " << want;
      EXPECT_EQ(*a, *b) << in << " should round to " << want;
      double oracle = std::strtod(want.c_str(), nullptr);
      uint64_t ob;
      std::memcpy(&ob, &oracle, 8);
      EXPECT_EQ(*b, ob) << want;
    }
    ++count;
  }
  EXPECT_GT(count, 250);

  // Every well-formed "(module (func (fN.const X) drop))" literal parses.
  std::regex accepted(R"(\(module \(func \((f32|f64)\.const (\S+)\) drop\)\))");
  int accepted_count = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), accepted), end; it != end; ++it) {
    std::string type = (*it)[1], in = (*it)[2];
    EXPECT_TRUE(type == "f32" ? f32_of(in).has_value() : f64_of(in).has_value()) << in;
    ++accepted_count;
  }
  EXPECT_GT(accepted_count, 50);
}

// Random long hex and decimal literals against glibc's correctly rounded strtof/strtod.
TEST(Literals, RandomAgainstStrtod) {
  std::mt19937_64 rng(1234);
  const char* hex = "0123456789abcdef";
  for (int i = 0; i < 20000; ++i) {
    std::string lit = (rng() & 1) ? "0x" : "";
    bool is_hex = !lit.empty();
    int int_digits = 1 + static_cast<int>(rng() % 20);
    for (int k = 0; k < int_digits; ++k) lit += hex[rng() % (is_hex ? 16 : 10)];
    if (rng() & 1) {
      lit += '.';
      int frac = static_cast<int>(rng() % 30);
      for (int k = 0; k < frac; ++k) lit += hex[rng() % (is_hex ? 16 : 10)];
    }
    if (rng() & 1) {
      lit += is_hex ? 'p' : 'e';
      int range = is_hex ? 1200 : 360;
      lit += std::to_string(static_cast<int>(rng() % (2 * range)) - range);
    }
    float of = std::strtof(lit.c_str(), nullptr);
    double od = std::strtod(lit.c_str(), nullptr);
    auto a = f32_of(lit);
    if (std::isinf(of)) {
      EXPECT_FALSE(a.has_value()) << lit;
    } else {
      uint32_t ob;
      std::memcpy(&ob, &of, 4);
      ASSERT_TRUE(a.has_value()) << lit;
      EXPECT_EQ(*a, ob) << lit;
    }
    auto b = f64_of(lit);
    if (std::isinf(od)) {
      EXPECT_FALSE(b.has_value()) << lit;
    } else {
      uint64_t ob;
      std::memcpy(&ob, &od, 8);
      ASSERT_TRUE(b.has_value()) << lit;
      EXPECT_EQ(*b, ob) << lit;
    }
  }
}

// Bit patterns around rounding boundaries: exact halfway points between adjacent floats,
// written as long hex literals, must round to even.
TEST(Literals, HexHalfwayTiesToEven) {
  char buf[128];
  for (uint32_t bits : {0x00000001u, 0x00000002u, 0x007fffffu, 0x00800000u, 0x3f800000u,
                        0x3f800001u, 0x7f7ffffeu}) {
    float lo, hi;
    uint32_t hb = bits + 1;
    std::memcpy(&lo, &bits, 4);
    std::memcpy(&hi, &hb, 4);
    long double mid = (static_cast<long double>(lo) + static_cast<long double>(hi)) / 2;
    std::snprintf(buf, sizeof buf, "%La", mid);
    auto v = f32_of(buf);
    ASSERT_TRUE(v.has_value()) << buf;
    EXPECT_EQ(*v, (bits & 1) ? hb : bits) << buf;
  }
}

// Truncated and byte-mutated scripts: the lexer and every literal parser must return an
// error or a value, never crash (the sanitizer build checks for UB).
TEST(Lexer, MutatedInputsAreHandled) {
  std::string base = read_spec("const.wast") + read_spec("annotations.wast");
  std::mt19937 rng(99);
  int errors = 0;
  for (int round = 0; round < 300; ++round) {
    std::string text = base.substr(0, rng() % base.size());
    for (int k = 0; k < 4; ++k) {
      if (text.empty()) break;
      text[rng() % text.size()] = static_cast<char>("();\"$@_.x0\n\x80\xff"[rng() % 14]);
    }
    auto toks = tokenize(text);
    if (!toks.ok()) {
      ++errors;
      EXPECT_GT(toks.error().location().line, 0u);
      continue;
    }
    for (const Token& t : *toks) {
      (void)parse_i32(t);
      (void)parse_i64(t);
      (void)parse_u32(t);
      (void)parse_i8(t);
      (void)parse_f32(t);
      (void)parse_f64(t);
      if (t.kind == TokenKind::kString) (void)decode_name(t);
      if (t.kind == TokenKind::kId) (void)decode_id(t);
    }
  }
  EXPECT_GT(errors, 0);
}

}  // namespace
}  // namespace kiln::wat
