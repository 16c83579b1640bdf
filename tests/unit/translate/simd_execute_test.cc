// tests/unit/translate/simd_execute_test.cc: translates modules using SIMD and relaxed SIMD and
// runs them in the IR interpreter (unoptimized and optimized), checking Wasm semantics of the
// operators the translator builds from several IR instructions (shuffles, lane loads/stores,
// extmul, extadd_pairwise, pmin/pmax, relaxed dot products).
#include <gtest/gtest.h>

#include <cmath>

#include "harness.h"

namespace kiln::codegen::translate::testing {
namespace {

class SimdExecute : public ::testing::TestWithParam<bool> {
 protected:
  void load(std::string_view wat) {
    auto r = h.load(wat, GetParam(), checked_tunables());
    ASSERT_TRUE(r) << r.error().message();
  }
  Harness h;
};

TEST_P(SimdExecute, ShuffleSwizzleAndLanes) {
  load(R"((module
    (func (param i32) (result i32)
      (i8x16.extract_lane_u 0
        (i8x16.shuffle 31 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7
          (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
          (i8x16.splat (local.get 0)))))
    (func (result i64)
      (i64x2.extract_lane 0
        (i8x16.shuffle 31 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7
          (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
          (v128.const i8x16 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31))))
    (func (result i64)
      (i64x2.extract_lane 1
        (i8x16.swizzle
          (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
          (v128.const i8x16 15 14 13 12 16 255 128 0 1 2 3 4 5 6 7 8))))
    (func (param i32) (result i32)
      (i16x8.extract_lane_s 3 (i16x8.replace_lane 3 (i16x8.splat (i32.const 1)) (local.get 0))))
  ))");
  EXPECT_EQ(h.call_int(0, {i32(0x77)}), 0x77) << h.error;
  // Lanes: 31 0 16 1 17 2 18 3 -> bytes 0x1f 00 10 01 11 02 12 03.
  EXPECT_EQ(static_cast<uint64_t>(h.call_int(1, {})), 0x031202110110001full);
  EXPECT_EQ(static_cast<uint64_t>(h.call_int(2, {})), 0x0807060504030201ull);
  EXPECT_EQ(h.call_int(3, {i32(-5)}), -5);
  EXPECT_EQ(h.call_int(3, {i32(0x18000)}), -32768);
}

TEST_P(SimdExecute, LoadsAndStores) {
  load(R"((module (memory 1)
    (func $init
      (i64.store (i32.const 0) (i64.const 0x8877665544332211))
      (i64.store (i32.const 8) (i64.const 0xfffefdfcfbfaf9f8)))
    (func (result i64) (call $init)
      (i64x2.extract_lane 1 (v128.load8x8_s (i32.const 8))))
    (func (result i64) (call $init)
      (i64x2.extract_lane 0 (v128.load16x4_u (i32.const 0))))
    (func (result i32) (call $init)
      (i32x4.extract_lane 3 (v128.load16_splat (i32.const 1))))
    (func (result i64) (call $init)
      (i64x2.extract_lane 1 (v128.load32_zero (i32.const 4))))
    (func (result i64) (call $init)
      (i64x2.extract_lane 1 (v128.load8_lane 9 (i32.const 2) (v128.const i64x2 0 0))))
    (func (result i64) (call $init)
      (v128.store16_lane 2 (i32.const 3) (v128.const i16x8 0 0 0xabcd 0 0 0 0 0))
      (i64.load (i32.const 0)))
    (func (result i32) (call $init)
      (v128.store (i32.const 65530) (v128.const i64x2 0 0)) (i32.const 0))
  ))");
  EXPECT_EQ(static_cast<uint64_t>(h.call_int(1, {})), 0xfffffffefffdfffcull) << h.error;
  EXPECT_EQ(static_cast<uint64_t>(h.call_int(2, {})), 0x0000443300002211ull);
  EXPECT_EQ(h.call_int(3, {}), 0x33223322);
  EXPECT_EQ(h.call_int(4, {}), 0);
  EXPECT_EQ(static_cast<uint64_t>(h.call_int(5, {})), 0x3300ull);
  EXPECT_EQ(static_cast<uint64_t>(h.call_int(6, {})), 0x887766abcd332211ull);
  EXPECT_EQ(h.call_trap(7, {}), ir::TrapCode::kHeapOutOfBounds);
}

TEST_P(SimdExecute, WideningAndPairwise) {
  load(R"((module
    (func (result i32)
      (i32x4.extract_lane 1 (i32x4.extmul_high_i16x8_s
        (v128.const i16x8 0 0 0 0 -3 1000 0 0) (v128.const i16x8 0 0 0 0 7 -1000 0 0))))
    (func (result i32)
      (i16x8.extract_lane_s 0 (i16x8.extadd_pairwise_i8x16_s (v128.const i8x16 -128 -128 0 0 0 0 0 0 0 0 0 0 0 0 0 0))))
    (func (result i32)
      (i16x8.extract_lane_u 0 (i16x8.extadd_pairwise_i8x16_u (v128.const i8x16 255 255 0 0 0 0 0 0 0 0 0 0 0 0 0 0))))
    (func (result i32)
      (i32x4.extract_lane 0 (i32x4.extadd_pairwise_i16x8_s (v128.const i16x8 -32768 -32768 0 0 0 0 0 0))))
    (func (result i32)
      (i32x4.extract_lane 0 (i32x4.extadd_pairwise_i16x8_u (v128.const i16x8 -1 -1 0 0 0 0 0 0))))
    (func (result i32)
      (i32x4.extract_lane 0 (i32x4.dot_i16x8_s (v128.const i16x8 -32768 -32768 0 0 0 0 0 0)
                                               (v128.const i16x8 -32768 -32768 0 0 0 0 0 0))))
    (func (result i32)
      (i8x16.bitmask (i8x16.narrow_i16x8_s (v128.const i16x8 -300 300 -1 1 0 0 0 0)
                                           (v128.const i16x8 0 0 0 0 0 0 0 -1))))
    (func (result i32)
      (i64x2.all_true (i64x2.extend_low_i32x4_u (v128.const i32x4 1 -1 0 0))))
  ))");
  EXPECT_EQ(h.call_int(0, {}), -1000000) << h.error;
  EXPECT_EQ(h.call_int(1, {}), -256);
  EXPECT_EQ(h.call_int(2, {}), 510);
  EXPECT_EQ(h.call_int(3, {}), -65536);
  EXPECT_EQ(h.call_int(4, {}), 131070);
  EXPECT_EQ(h.call_int(5, {}), INT32_MIN);  // 2^31 wraps
  EXPECT_EQ(h.call_int(6, {}), 0x8005);
  EXPECT_EQ(h.call_int(7, {}), 1);
}

TEST_P(SimdExecute, FloatPseudoMinMaxAndConversions) {
  load(R"((module
    (func (param f32 f32) (result f32)
      (f32x4.extract_lane 0 (f32x4.pmin (f32x4.splat (local.get 0)) (f32x4.splat (local.get 1)))))
    (func (param f32 f32) (result f32)
      (f32x4.extract_lane 0 (f32x4.pmax (f32x4.splat (local.get 0)) (f32x4.splat (local.get 1)))))
    (func (param f64) (result i32)
      (i32x4.extract_lane 1 (i32x4.trunc_sat_f64x2_u_zero (f64x2.splat (local.get 0)))))
    (func (param i32) (result f64)
      (f64x2.extract_lane 1 (f64x2.convert_low_i32x4_u (i32x4.splat (local.get 0)))))
    (func (param f32) (result i32)
      (i32x4.extract_lane 3 (i32x4.trunc_sat_f32x4_s (f32x4.splat (local.get 0)))))
  ))");
  auto f32_of = [&](uint32_t fi, float a, float b) {
    auto r = h.call(fi, {f32(a), f32(b)});
    EXPECT_TRUE(r && r->values.size() == 1);
    return r ? r->values[0].as_f32() : 0.0f;
  };
  EXPECT_TRUE(std::signbit(f32_of(0, 0.0f, -0.0f)) == false);  // pmin keeps the first on ties
  EXPECT_TRUE(std::signbit(f32_of(0, -0.0f, 0.0f)));
  EXPECT_TRUE(std::isnan(f32_of(0, NAN, 1.0f)));
  EXPECT_EQ(f32_of(0, 1.0f, NAN), 1.0f);
  EXPECT_EQ(f32_of(1, 1.0f, 2.0f), 2.0f);
  EXPECT_EQ(h.call_int(2, {f64(-5.0)}), 0) << h.error;
  EXPECT_EQ(h.call_int(2, {f64(1e10)}), -1);
  auto r = h.call(3, {i32(-1)});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->values[0].as_f64(), 4294967295.0);
  EXPECT_EQ(h.call_int(4, {f32(NAN)}), 0);
  EXPECT_EQ(h.call_int(4, {f32(-3e9f)}), INT32_MIN);
}

TEST_P(SimdExecute, RelaxedOperatorsTakeOneAllowedBehaviour) {
  load(R"((module
    (func (result i32)
      (i16x8.extract_lane_s 0 (i16x8.relaxed_dot_i8x16_i7x16_s
        (v128.const i8x16 -128 127 0 0 0 0 0 0 0 0 0 0 0 0 0 0)
        (v128.const i8x16 127 127 0 0 0 0 0 0 0 0 0 0 0 0 0 0))))
    (func (result i32)
      (i32x4.extract_lane 0 (i32x4.relaxed_dot_i8x16_i7x16_add_s
        (v128.const i8x16 1 2 3 4 0 0 0 0 0 0 0 0 0 0 0 0)
        (v128.const i8x16 5 6 7 8 0 0 0 0 0 0 0 0 0 0 0 0)
        (v128.const i32x4 1000 0 0 0))))
    (func (param f32 f32 f32) (result f32)
      (f32x4.extract_lane 2 (f32x4.relaxed_madd (f32x4.splat (local.get 0))
        (f32x4.splat (local.get 1)) (f32x4.splat (local.get 2)))))
    (func (result i64)
      (i64x2.extract_lane 0 (i8x16.relaxed_laneselect (v128.const i64x2 0x1111 0) (v128.const i64x2 0x2222 0)
                                                      (v128.const i64x2 0xff00 0))))
  ))");
  EXPECT_EQ(h.call_int(0, {}), -128 * 127 + 127 * 127) << h.error;
  EXPECT_EQ(h.call_int(1, {}), 1000 + 5 + 12 + 21 + 32);
  auto r = h.call(2, {f32(2.0f), f32(3.0f), f32(1.0f)});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->values[0].as_f32(), 7.0f);
  EXPECT_EQ(h.call_int(3, {}), 0x1122);
}

INSTANTIATE_TEST_SUITE_P(OptLevels, SimdExecute, ::testing::Bool());

}  // namespace
}  // namespace kiln::codegen::translate::testing
