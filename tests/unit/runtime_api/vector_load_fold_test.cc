// tests/unit/runtime_api/vector_load_fold_test.cc: float vector arithmetic whose v128 load
// operand the x64 backend folds into a VEX memory operand (`vmulpd d, a, [mem]`, AVX hosts at
// -O2): unaligned addresses read the right bytes, the last in-bounds vector works, and a load
// one byte past the end or at a wrapped address traps out of bounds, as at -O0 (no folding).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "compile_wat.h"
#include "runtime/linker.h"
#include "runtime/store.h"

namespace kiln::runtime {
namespace {

constexpr std::string_view kModule = R"((module
  (memory 1)
  (func (export "put") (param i32 f64) (f64.store (local.get 0) (local.get 1)))
  ;; a * x[..] + y[16..], lane k
  (func (export "axpy0") (param f64 i32 i32) (result f64)
    (f64x2.extract_lane 0
      (f64x2.add (f64x2.mul (f64x2.splat (local.get 0)) (v128.load (local.get 1)))
                 (v128.load offset=16 (local.get 2)))))
  (func (export "axpy1") (param f64 i32 i32) (result f64)
    (f64x2.extract_lane 1
      (f64x2.add (f64x2.mul (f64x2.splat (local.get 0)) (v128.load (local.get 1)))
                 (v128.load offset=16 (local.get 2)))))
  ;; x[..] - a (the load is the first operand) and a / x[..]
  (func (export "sub_first") (param f64 i32) (result f64)
    (f64x2.extract_lane 1 (f64x2.sub (v128.load (local.get 1)) (f64x2.splat (local.get 0)))))
  (func (export "div_second") (param f64 i32) (result f64)
    (f64x2.extract_lane 0 (f64x2.div (f64x2.splat (local.get 0)) (v128.load (local.get 1)))))
  (func (export "mul_f32") (param f32 i32) (result f32)
    (f32x4.extract_lane 3 (f32x4.mul (v128.load (local.get 1)) (f32x4.splat (local.get 0)))))
))";

class VectorLoadFold : public ::testing::TestWithParam<environ::OptLevel> {};

TEST_P(VectorLoadFold, FoldedLoadsReadAndTrapLikeLoads) {
  Config c;
  c.opt_level = GetParam();
  c.verify = true;
  testing::Instantiated run(c, kModule);
  ASSERT_TRUE(run.ok);
  auto call = [&](const char* name, std::vector<Val> args) {
    return testing::call_first(run.instance, name, args);
  };
  // x at 3 (unaligned): 1.5, 2.5; y + 16 at 104 (= 88 + 16): 10, 20.
  call("put", {Val::i32(3), Val::f64(1.5)});
  call("put", {Val::i32(11), Val::f64(2.5)});
  call("put", {Val::i32(104), Val::f64(10)});
  call("put", {Val::i32(112), Val::f64(20)});
  EXPECT_EQ(call("axpy0", {Val::f64(2), Val::i32(3), Val::i32(88)}).f64(), 13.0);
  EXPECT_EQ(call("axpy1", {Val::f64(2), Val::i32(3), Val::i32(88)}).f64(), 25.0);
  EXPECT_EQ(call("sub_first", {Val::f64(0.5), Val::i32(3)}).f64(), 2.0);
  EXPECT_EQ(call("div_second", {Val::f64(3), Val::i32(3)}).f64(), 2.0);
  // The last 16 bytes of memory: f32 lane 3 is its last 4 bytes.
  call("put", {Val::i32(65528), Val::f64(0)});
  EXPECT_EQ(call("mul_f32", {Val::f32(2), Val::i32(65520)}).f32(), 0.0f);
  EXPECT_EQ(call("div_second", {Val::f64(1), Val::i32(65520)}).f64(), std::numeric_limits<double>::infinity());
  // One byte past the end, and an address past 2^32 - 16 (offset 16 carries it out of range).
  for (auto [name, args] : std::vector<std::pair<const char*, std::vector<Val>>>{
           {"mul_f32", {Val::f32(2), Val::i32(65521)}},
           {"sub_first", {Val::f64(0), Val::i32(-8)}},
           {"axpy0", {Val::f64(1), Val::i32(0), Val::i32(-8)}},
           {"div_second", {Val::f64(1), Val::i32(65535)}}}) {
    Trap t = testing::trap_of(run.instance, name, args);
    ASSERT_TRUE(t.code.has_value()) << name;
    EXPECT_EQ(*t.code, environ::TrapCode::kHeapOutOfBounds) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(OptLevels, VectorLoadFold,
                         ::testing::Values(environ::OptLevel::kNone, environ::OptLevel::kSpeed),
                         [](const ::testing::TestParamInfo<environ::OptLevel>& info) {
                           return info.param == environ::OptLevel::kNone ? "O0" : "O2";
                         });

}  // namespace
}  // namespace kiln::runtime
