// tests/unit/translate/nan_canonicalize_test.cc: the NaN canonicalization pass
// (Tunables::nan_canonicalization): NaN results of the affected operations become the
// canonical positive quiet NaN, other values and bit-moving operations are untouched, and the
// rewritten function still verifies and interprets to the same non-NaN results.
#include <gtest/gtest.h>

#include <bit>
#include <cstring>

#include "codegen/ir/interpreter.h"
#include "codegen/ir/parser.h"
#include "codegen/ir/verifier.h"
#include "codegen/translate/nan_canonicalize.h"

namespace kiln::codegen::translate {
namespace {

using ir::DataValue;

// A sign-negative NaN with a payload, as x86 produces (0xffc00000 is its default NaN).
constexpr uint32_t kOddNan32 = 0xffc00123u;
constexpr uint64_t kOddNan64 = 0xfff8000000000123ull;

ir::Function parse(const char* text) {
  auto f = ir::parse_function(text);
  EXPECT_TRUE(f.ok()) << f.error().message();
  return f.ok() ? std::move(*f) : ir::Function();
}

std::vector<DataValue> run(const ir::Function& f, std::vector<DataValue> args) {
  ir::Interpreter interp;
  interp.add_function(f);
  auto r = interp.call(f, args);
  EXPECT_TRUE(r.ok()) << r.error().message();
  if (!r.ok()) return {};
  EXPECT_FALSE(r->trapped);
  return r->values;
}

TEST(NanCanonicalize, ScalarResults) {
  ir::Function f = parse(R"(function %f(f32, f64) -> f32, f64, f32, f64 {
block0(v0: f32, v1: f64):
    v2 = fadd v0, v0
    v3 = sqrt v1
    v4 = fneg v0
    v5 = fpromote v0
    return v2, v3, v4, v5
})");
  EXPECT_EQ(canonicalize_nans(f), 3u);  // fadd, sqrt, fpromote; fneg only moves bits
  ASSERT_TRUE(ir::verify_function(f).ok()) << ir::verify_function(f).error().message();
  auto nan = run(f, {DataValue::make(ir::kF32, kOddNan32), DataValue::make(ir::kF64, kOddNan64)});
  ASSERT_EQ(nan.size(), 4u);
  EXPECT_EQ(nan[0].as_u64(), 0x7fc00000u);
  EXPECT_EQ(nan[1].as_u64(), 0x7ff8000000000000ull);
  EXPECT_EQ(nan[2].as_u64(), kOddNan32 ^ 0x80000000u);  // neg flips the sign bit, exactly
  EXPECT_EQ(nan[3].as_u64(), 0x7ff8000000000000ull);
  auto num = run(f, {DataValue::from_f32(1.5f), DataValue::from_f64(-4.0)});  // sqrt(-4): NaN
  ASSERT_EQ(num.size(), 4u);
  EXPECT_EQ(num[0].as_f32(), 3.0f);
  EXPECT_EQ(num[1].as_u64(), 0x7ff8000000000000ull);
  EXPECT_EQ(num[2].as_f32(), -1.5f);
  EXPECT_EQ(num[3].as_f64(), 1.5);
}

TEST(NanCanonicalize, VectorLanes) {
  ir::Function f = parse(R"(function %f(i64, i64) -> i64, i64 {
block0(v0: i64, v1: i64):
    v2 = splat.i64x2 v0
    v3 = insertlane v2, v1, 1
    v4 = bitcast.f32x4 v3
    v5 = fmul v4, v4
    v6 = bitcast.i64x2 v5
    v7 = extractlane v6, 0
    v8 = extractlane v6, 1
    return v7, v8
})");
  EXPECT_EQ(canonicalize_nans(f), 1u);
  ASSERT_TRUE(ir::verify_function(f).ok()) << ir::verify_function(f).error().message();
  // Lanes: NaN with payload, 2.0, -NaN, 3.0 -> canonical NaN, 4.0, canonical NaN, 9.0.
  uint64_t lo = (uint64_t{0x40000000} << 32) | 0x7fc0abcdu;
  uint64_t hi = (uint64_t{0x40400000} << 32) | kOddNan32;
  auto r = run(f, {DataValue::make(ir::kI64, lo), DataValue::make(ir::kI64, hi)});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].as_u64(), (uint64_t{0x40800000} << 32) | 0x7fc00000u);
  EXPECT_EQ(r[1].as_u64(), (uint64_t{0x41100000} << 32) | 0x7fc00000u);
}

TEST(NanCanonicalize, NothingToDoLeavesTheFunctionAlone) {
  ir::Function f = parse(R"(function %f(f64) -> f64 {
block0(v0: f64):
    v1 = fabs v0
    return v1
})");
  EXPECT_EQ(canonicalize_nans(f), 0u);
  auto r = run(f, {DataValue::make(ir::kF64, kOddNan64)});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].as_u64(), kOddNan64 & ~(uint64_t{1} << 63));
}

}  // namespace
}  // namespace kiln::codegen::translate
