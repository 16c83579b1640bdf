// tests/unit/runtime_api/bit_select_test.cc: x64 lowerings of bit tests and masks, checked for
// values against C++ on random and edge inputs at -O0 and -O2, with the host's CPU features and
// with the baseline: `~x & y` (one BMI1 andn when available, the not and the and otherwise, in
// either operand order and for i32 and i64), and branches on `x & K` and on `(x & K) == 0` or
// `!= 0` (test x, K; jcc), with K 32-bit and sign-extended 64-bit; a select and a setcc of one
// compare sharing its flags, also across a branch into a block reached only from it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "compile_wat.h"
#include "runtime/linker.h"
#include "runtime/store.h"

namespace kiln::runtime {
namespace {

constexpr std::string_view kModule = R"((module
  (func (export "andn64") (param $x i64) (param $y i64) (result i64)
    (i64.and (i64.xor (local.get $x) (i64.const -1)) (local.get $y)))
  (func (export "andn64r") (param $x i64) (param $y i64) (result i64)
    (i64.and (local.get $y) (i64.xor (i64.const -1) (local.get $x))))
  (func (export "andn32") (param $x i32) (param $y i32) (result i32)
    (i32.and (i32.xor (local.get $x) (i32.const -1)) (local.get $y)))
  ;; The not is used twice: no andn may swallow it.
  (func (export "not_twice") (param $x i64) (param $y i64) (result i64)
    (local $n i64)
    (local.set $n (i64.xor (local.get $x) (i64.const -1)))
    (i64.add (i64.and (local.get $n) (local.get $y)) (local.get $n)))
  (func (export "bit4") (param $x i32) (result i32)
    (if (result i32) (i32.and (local.get $x) (i32.const 4)) (then (i32.const 7)) (else (i32.const 9))))
  (func (export "bit30_64") (param $x i64) (result i32)
    (if (result i32) (i64.ne (i64.and (local.get $x) (i64.const 0x40000000)) (i64.const 0))
      (then (i32.const 1)) (else (i32.const 0))))
  (func (export "negmask_64") (param $x i64) (result i32)
    (if (result i32) (i64.ne (i64.and (local.get $x) (i64.const -16)) (i64.const 0))
      (then (i32.const 1)) (else (i32.const 0))))
  ;; Branches on `(x & K) == 0` through a compare with zero (eq and ne, constant on
  ;; either side): test x, K; je|jne.
  (func (export "clear_f4") (param $x i32) (result i32)
    (if (result i32) (i32.eqz (i32.and (local.get $x) (i32.const 0xf4))) (then (i32.const 3)) (else (i32.const 4))))
  (func (export "clear3_64") (param $x i64) (result i32)
    (if (result i32) (i64.eq (i64.const 0) (i64.and (i64.const 3) (local.get $x))) (then (i32.const 5)) (else (i32.const 6))))
  (func (export "set_neg_64") (param $x i64) (result i32)
    (if (result i32) (i64.ne (i64.and (local.get $x) (i64.const -256)) (i64.const 0)) (then (i32.const 1)) (else (i32.const 2))))
  ;; A select (not a branch) on `(x & K) == 0`: a cmov or select sequence, never the branch form.
  (func (export "sel_clear") (param $x i32) (param $a i32) (param $b i32) (result i32)
    (select (local.get $a) (local.get $b) (i32.eqz (i32.and (local.get $x) (i32.const 0xf4)))))
  (func (export "sel_set64") (param $x i64) (param $a i64) (param $b i64) (result i64)
    (select (local.get $a) (local.get $b) (i64.ne (i64.and (local.get $x) (i64.const 3)) (i64.const 0))))
  ;; A select and a compare-to-bool of one condition share one test (flag reuse).
  (func (export "sel_eqz") (param $v i32) (param $x i32) (param $y i32) (result i32)
    (i32.add (select (local.get $x) (local.get $y) (local.get $v)) (i32.eqz (local.get $v))))
  (func (export "sel_lt") (param $a i64) (param $b i64) (result i64)
    (i64.add (select (local.get $a) (local.get $b) (i64.lt_s (local.get $a) (local.get $b)))
             (i64.extend_i32_u (i64.lt_s (local.get $a) (local.get $b)))))
  ;; A block reached only from the branch before it reuses that branch's compare (one cmp for
  ;; the br_if and the compare-to-bool after it), also when the second compare is signed or
  ;; 64-bit or its operands are swapped (then it is a compare of its own).
  (func (export "gt_after_eq") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (result i32)
    (block $same
      (br_if $same (i32.eq (local.get $a) (local.get $b)))
      (return (i32.gt_u (local.get $a) (local.get $b))))
    (i32.lt_s (local.get $c) (local.get $d)))
  (func (export "lt_s_after_eq64") (param $a i64) (param $b i64) (result i32)
    (block $same
      (br_if $same (i64.eq (local.get $a) (local.get $b)))
      (return (i32.add (i64.lt_s (local.get $a) (local.get $b)) (i64.gt_u (local.get $b) (local.get $a)))))
    (i32.const 9))
  ;; The mask is also returned: the and must still be computed.
  (func (export "mask_used") (param $x i32) (result i32)
    (local $m i32)
    (local.set $m (i32.and (local.get $x) (i32.const 12)))
    (if (result i32) (local.get $m) (then (i32.add (local.get $m) (i32.const 100))) (else (i32.const 0)))))
)";

struct Param {
  environ::OptLevel opt;
  const char* features;
};

class BitSelectTest : public ::testing::TestWithParam<Param> {};

TEST_P(BitSelectTest, MatchesCpp) {
  Config c;
  c.opt_level = GetParam().opt;
  c.target_features = GetParam().features;
  testing::Instantiated t(c, kModule);
  ASSERT_TRUE(t.ok);
  Instance& inst = t.instance;
  auto call = [&](const char* name, std::vector<Val> args) { return testing::call_first(inst, name, args); };
  std::mt19937_64 rng(42);
  std::vector<uint64_t> values = {0, 1, 2, 3, 4, 12, 15, 16, 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000,
                                  0xffffffff, 0x100000000, ~uint64_t{0}, uint64_t{1} << 63};
  for (int k = 0; k < 64; ++k) values.push_back(rng());
  for (uint64_t x : values) {
    uint64_t y = rng() ^ (x << 3);
    int64_t sx = static_cast<int64_t>(x), sy = static_cast<int64_t>(y);
    uint32_t x32 = static_cast<uint32_t>(x), y32 = static_cast<uint32_t>(y);
    EXPECT_EQ(static_cast<uint64_t>(call("andn64", {Val::i64(sx), Val::i64(sy)}).i64()), ~x & y);
    EXPECT_EQ(static_cast<uint64_t>(call("andn64r", {Val::i64(sx), Val::i64(sy)}).i64()), ~x & y);
    EXPECT_EQ(static_cast<uint32_t>(call("andn32", {Val::i32(static_cast<int32_t>(x32)),
                                                     Val::i32(static_cast<int32_t>(y32))}).i32()),
              ~x32 & y32);
    EXPECT_EQ(static_cast<uint64_t>(call("not_twice", {Val::i64(sx), Val::i64(sy)}).i64()), (~x & y) + ~x);
    EXPECT_EQ(call("bit4", {Val::i32(static_cast<int32_t>(x32))}).i32(), (x32 & 4) ? 7 : 9);
    EXPECT_EQ(call("bit30_64", {Val::i64(sx)}).i32(), (x & 0x40000000) ? 1 : 0);
    EXPECT_EQ(call("negmask_64", {Val::i64(sx)}).i32(), (x & ~uint64_t{15}) ? 1 : 0);
    EXPECT_EQ(call("clear_f4", {Val::i32(static_cast<int32_t>(x32))}).i32(), (x32 & 0xf4) == 0 ? 3 : 4);
    EXPECT_EQ(call("clear3_64", {Val::i64(sx)}).i32(), (x & 3) == 0 ? 5 : 6);
    EXPECT_EQ(call("set_neg_64", {Val::i64(sx)}).i32(), (x & ~uint64_t{255}) != 0 ? 1 : 2);
    EXPECT_EQ(call("sel_clear", {Val::i32(static_cast<int32_t>(x32)), Val::i32(11), Val::i32(22)}).i32(),
              (x32 & 0xf4) == 0 ? 11 : 22);
    EXPECT_EQ(call("sel_set64", {Val::i64(sx), Val::i64(33), Val::i64(44)}).i64(), (x & 3) != 0 ? 33 : 44);
    EXPECT_EQ(call("sel_eqz", {Val::i32(static_cast<int32_t>(x32 & 3)), Val::i32(static_cast<int32_t>(x32)),
                               Val::i32(static_cast<int32_t>(y32))}).i32(),
              static_cast<int32_t>(((x32 & 3) ? x32 : y32) + ((x32 & 3) == 0 ? 1u : 0u)));
    EXPECT_EQ(static_cast<uint64_t>(call("sel_lt", {Val::i64(sx), Val::i64(sy)}).i64()),
              static_cast<uint64_t>(std::min(sx, sy)) + (sx < sy ? 1u : 0u));
    EXPECT_EQ(call("gt_after_eq", {Val::i32(static_cast<int32_t>(x32 & 7)), Val::i32(static_cast<int32_t>(y32 & 7)),
                                   Val::i32(static_cast<int32_t>(x32)), Val::i32(static_cast<int32_t>(y32))}).i32(),
              (x32 & 7) != (y32 & 7) ? ((x32 & 7) > (y32 & 7) ? 1 : 0)
                                     : (static_cast<int32_t>(x32) < static_cast<int32_t>(y32) ? 1 : 0));
    const int64_t sx3 = sx & 3, sy3 = static_cast<int64_t>(y & 3) - 1;
    EXPECT_EQ(call("lt_s_after_eq64", {Val::i64(sx3), Val::i64(sy3)}).i32(),
              sx3 == sy3 ? 9 : (sx3 < sy3 ? 1 : 0) + (static_cast<uint64_t>(sy3) > static_cast<uint64_t>(sx3) ? 1 : 0));
    EXPECT_EQ(call("mask_used", {Val::i32(static_cast<int32_t>(x32))}).i32(),
              (x32 & 12) ? static_cast<int32_t>((x32 & 12) + 100) : 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Levels, BitSelectTest,
                         ::testing::Values(Param{environ::OptLevel::kNone, "host"},
                                           Param{environ::OptLevel::kSpeed, "host"},
                                           Param{environ::OptLevel::kSpeed, "baseline"}),
                         [](const auto& info) {
                           return std::string(info.param.opt == environ::OptLevel::kNone ? "O0" : "O2") +
                                  "_" + info.param.features;
                         });

}  // namespace
}  // namespace kiln::runtime
