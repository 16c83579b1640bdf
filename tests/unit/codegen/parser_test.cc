// tests/unit/codegen/parser_test.cc: the IR text form: round trips, literals, and errors on
// malformed input (which must never crash).
#include "codegen/ir/parser.h"

#include <gtest/gtest.h>

#include "codegen/ir/printer.h"
#include "codegen/ir/verifier.h"

namespace kiln::codegen::ir {
namespace {

TEST(Parser, RoundTripsEveryFormat) {
  const char* text = R"(function %all(i64 vmctx, i32, f32, i32x4) -> i32 {
    ss0 = explicit_slot 16, align = 16
    sig0 = (i32) -> i32
    fn0 = colocated u0:3 sig0
    fn1 = %other sig0

block0(v0: i64, v1: i32, v2: f32, v3: i32x4):
    v4 = iconst.i32 -5
    v5 = f32const -0.0
    v6 = f64const +nan:0x1
    v7 = vconst.i8x16 0x0102030405060708090a0b0c0d0e0f10
    v8 = icmp sge v1, v4
    v9 = fcmp uno v2, v5
    v10 = load.i32 notrap aligned readonly vmctx v0+16
    store heap v1, v0-4
    istore8 v1, v0
    v11 = stack_load.i32 ss0+4
    stack_store v11, ss0
    v12 = stack_addr.i64 ss0+8
    v13 = call fn0(v1)
    v14 = func_addr.i64 fn1
    v15 = call_indirect sig0, v14(v13)
    v16 = select v8, v15, v10
    v17, v18 = isplit v19
    v19 = iconcat v12, v12
    v20 = extractlane v3, 3
    v21 = insertlane v3, v20, 0
    trapnz v9, user12
    v22 = uadd_overflow_trap v16, v20, heap_oob
    br_table v22, block1(v22), [block2, block1(v4)]

block1(v23: i32):
    brif v23, block2, block1(v23)

block2:
    return v1
}
)";
  auto f = parse_function(text);
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  EXPECT_EQ(print_function(*f), text);
  // v17 uses v19, defined later in the text but dominating nothing: the verifier objects.
  auto v = verify_function(*f);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("not dominated"), std::string::npos) << v.error().message();
}

TEST(Parser, FloatLiteralsRoundTripBits) {
  for (uint32_t bits : {0u, 0x80000000u, 0x3f800000u, 0x7f800000u, 0xff800000u, 0x7fc00000u,
                        0x7f800001u, 0x00000001u, 0x7f7fffffu}) {
    std::string s = format_f32(bits);
    auto back = parse_f32_literal(s);
    ASSERT_TRUE(back.has_value()) << s;
    EXPECT_EQ(*back, bits) << s;
  }
  for (uint64_t bits : {uint64_t{0x3fb999999999999a}, uint64_t{0x8000000000000000},
                        uint64_t{0xfff8000000000000}, uint64_t{1}}) {
    std::string s = format_f64(bits);
    auto back = parse_f64_literal(s);
    ASSERT_TRUE(back.has_value()) << s;
    EXPECT_EQ(*back, bits) << s;
  }
  EXPECT_EQ(format_f64(0x3fb999999999999a), "0.1");
}

TEST(Parser, IntegerLiteralsAreRangeChecked) {
  EXPECT_EQ(parse_int_of_width("255", 8), 255u);
  EXPECT_EQ(parse_int_of_width("-128", 8), 128u);
  EXPECT_FALSE(parse_int_of_width("256", 8).has_value());
  EXPECT_FALSE(parse_int_of_width("-129", 8).has_value());
  EXPECT_EQ(parse_int_of_width("0xffffffffffffffff", 64), ~uint64_t{0});
  EXPECT_FALSE(parse_int_of_width("0x10000000000000000", 64).has_value());
  EXPECT_FALSE(parse_int_literal("12a").has_value());
}

void expect_error(const char* text, const char* want) {
  auto f = parse_function(text);
  ASSERT_FALSE(f.ok()) << text;
  EXPECT_NE(f.error().to_string().find(want), std::string::npos) << f.error().to_string();
}

TEST(Parser, ReportsErrorsWithPositions) {
  expect_error("function %f() {\nblock0:\n    return v1\n}", "3:12: undefined value");
  expect_error("function %f() {\nblock0:\n    jump block9\n}", "undefined block");
  expect_error("function %f() {\nblock0:\n    v0 = iconst.i8 300\n    return\n}", "integer");
  expect_error("function %f() {\nblock0:\n    v0 = frob v1\n}", "expected an instruction");
  expect_error("function %f() {\nblock0:\n    v4000000000 = iconst.i32 1\n}", "too large");
  expect_error("function %f() {\nblock0:\nblock0:\n    return\n}", "block defined twice");
  expect_error("function %f() {\nblock0(v0: i32, v0: i32):\n    return\n}", "defined twice");
  expect_error("function %f() {\n    fn0 = %g sig0\nblock0:\n    return\n}", "undeclared");
  expect_error("function %f() {\nblock0:\n    v0, v1 = iconst.i32 1\n    return\n}", "results");
  expect_error("function %f() {\nblock0:\n    v0 = iadd v1, v2\n    v1 = iadd v0, v0\n"
               "    v2 = iadd v0, v0\n    return\n}",
               "cannot infer");
  expect_error("function %f(", "expected a type");
  expect_error("function %f() { block0: return } $", "unexpected character");
}

TEST(Parser, TruncatedInputNeverCrashes) {
  std::string text = R"(function %t(i32) -> i32 {
    ss0 = explicit_slot 8
    sig0 = (i32) -> i32
    fn0 = %t sig0
block0(v0: i32):
    v1 = load.i32 notrap heap v0+8
    br_table v1, block1(v1), [block1(v0)]
block1(v2: i32):
    v3 = f64const -nan:0x5
    return_call fn0(v2)
})";
  size_t parsed = 0;
  for (size_t n = 0; n <= text.size(); ++n) {
    auto f = parse_functions(text.substr(0, n));
    if (f.ok()) {
      ++parsed;
      for (const auto& pf : *f) (void)verify_function(pf.func);
    }
  }
  // Only the empty prefix (no functions) and the whole text are complete.
  EXPECT_EQ(parsed, 2u);
  auto whole = parse_function(text);
  ASSERT_TRUE(whole.ok());
  EXPECT_TRUE(verify_function(*whole).ok()) << verify_function(*whole).error().to_string();
}

}  // namespace
}  // namespace kiln::codegen::ir
