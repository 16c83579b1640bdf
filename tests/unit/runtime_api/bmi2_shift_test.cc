// tests/unit/runtime_api/bmi2_shift_test.cc: shifts and rotates, checked for values against C++
// on edge and random inputs, with BMI2 (rorx for rotates by a constant, shlx/shrx/sarx for
// shifts by a register) and without it (rol/ror/shl/shr/sar, counts in cl), for i32 and i64,
// counts at and beyond the width and negative, and inputs that stay live after the shift.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "codegen/isa/x64/cpu.h"
#include "compile_wat.h"
#include "runtime/linker.h"
#include "runtime/store.h"

namespace kiln::runtime {
namespace {

constexpr std::string_view kModule = R"((module
  (func (export "shl32") (param $x i32) (param $n i32) (result i32) (i32.shl (local.get $x) (local.get $n)))
  (func (export "shru32") (param $x i32) (param $n i32) (result i32) (i32.shr_u (local.get $x) (local.get $n)))
  (func (export "shrs32") (param $x i32) (param $n i32) (result i32) (i32.shr_s (local.get $x) (local.get $n)))
  (func (export "shl64") (param $x i64) (param $n i64) (result i64) (i64.shl (local.get $x) (local.get $n)))
  (func (export "shru64") (param $x i64) (param $n i64) (result i64) (i64.shr_u (local.get $x) (local.get $n)))
  (func (export "shrs64") (param $x i64) (param $n i64) (result i64) (i64.shr_s (local.get $x) (local.get $n)))
  ;; The input stays live: x + rotl(x, k) needs x after the rotate.
  (func (export "rotl32_7") (param $x i32) (result i32) (i32.add (local.get $x) (i32.rotl (local.get $x) (i32.const 7))))
  (func (export "rotr32_31") (param $x i32) (result i32) (i32.add (local.get $x) (i32.rotr (local.get $x) (i32.const 31))))
  (func (export "rotl32_32") (param $x i32) (result i32) (i32.rotl (local.get $x) (i32.const 32)))
  (func (export "rotl32_m1") (param $x i32) (result i32) (i32.rotl (local.get $x) (i32.const -1)))
  (func (export "rotl64_13") (param $x i64) (result i64) (i64.xor (local.get $x) (i64.rotl (local.get $x) (i64.const 13))))
  (func (export "rotr64_1") (param $x i64) (result i64) (i64.rotr (local.get $x) (i64.const 1)))
  (func (export "rotl64_64") (param $x i64) (result i64) (i64.rotl (local.get $x) (i64.const 64)))
  (func (export "rotr64_100") (param $x i64) (result i64) (i64.rotr (local.get $x) (i64.const 100)))
  ;; The shifted value and the count are the same register.
  (func (export "self_shl64") (param $x i64) (result i64) (i64.shl (local.get $x) (local.get $x)))
  (func (export "self_shrs32") (param $x i32) (result i32)
    (i32.add (local.get $x) (i32.shr_s (local.get $x) (local.get $x)))))
)";

uint32_t rotl32(uint32_t x, uint32_t k) { k &= 31; return k ? (x << k) | (x >> (32 - k)) : x; }
uint64_t rotl64(uint64_t x, uint64_t k) { k &= 63; return k ? (x << k) | (x >> (64 - k)) : x; }

class Bmi2ShiftTest : public ::testing::TestWithParam<const char*> {};

TEST_P(Bmi2ShiftTest, MatchesCpp) {
  std::string features = GetParam();
  if (features == "+bmi2" && !codegen::x64::CpuFeatures::host().bmi2) {
    GTEST_SKIP() << "this CPU has no BMI2";
  }
  Config c;
  c.opt_level = environ::OptLevel::kSpeed;
  c.target_features = features;
  Engine engine(c);
  Store store(engine);
  Module m = testing::compile(engine, kModule);
  Linker linker;
  auto inst = linker.instantiate(store, m);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  auto call = [&](const char* name, std::vector<Val> args) { return testing::call_first(*inst, name, args); };
  auto i32 = [](uint32_t v) { return Val::i32(static_cast<int32_t>(v)); };
  auto i64 = [](uint64_t v) { return Val::i64(static_cast<int64_t>(v)); };
  auto u32 = [](const Val& v) { return static_cast<uint32_t>(v.i32()); };
  auto u64 = [](const Val& v) { return static_cast<uint64_t>(v.i64()); };
  std::mt19937_64 rng(7);
  std::vector<uint64_t> values = {0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0x123456789abcdef0,
                                  uint64_t{1} << 63, ~uint64_t{0}};
  for (int k = 0; k < 48; ++k) values.push_back(rng());
  std::vector<uint64_t> counts = {0, 1, 5, 31, 32, 33, 63, 64, 65, 127, ~uint64_t{0}, uint64_t{1} << 40};
  for (int k = 0; k < 8; ++k) counts.push_back(rng());
  for (uint64_t x : values) {
    uint32_t x32 = static_cast<uint32_t>(x);
    for (uint64_t n : counts) {
      uint32_t n32 = static_cast<uint32_t>(n);
      EXPECT_EQ(u32(call("shl32", {i32(x32), i32(n32)})), x32 << (n32 & 31));
      EXPECT_EQ(u32(call("shru32", {i32(x32), i32(n32)})), x32 >> (n32 & 31));
      EXPECT_EQ(u32(call("shrs32", {i32(x32), i32(n32)})),
                static_cast<uint32_t>(static_cast<int32_t>(x32) >> (n32 & 31)));
      EXPECT_EQ(u64(call("shl64", {i64(x), i64(n)})), x << (n & 63));
      EXPECT_EQ(u64(call("shru64", {i64(x), i64(n)})), x >> (n & 63));
      EXPECT_EQ(u64(call("shrs64", {i64(x), i64(n)})),
                static_cast<uint64_t>(static_cast<int64_t>(x) >> (n & 63)));
    }
    EXPECT_EQ(u32(call("rotl32_7", {i32(x32)})), x32 + rotl32(x32, 7));
    EXPECT_EQ(u32(call("rotr32_31", {i32(x32)})), x32 + rotl32(x32, 1));
    EXPECT_EQ(u32(call("rotl32_32", {i32(x32)})), x32);
    EXPECT_EQ(u32(call("rotl32_m1", {i32(x32)})), rotl32(x32, 31));
    EXPECT_EQ(u64(call("rotl64_13", {i64(x)})), x ^ rotl64(x, 13));
    EXPECT_EQ(u64(call("rotr64_1", {i64(x)})), rotl64(x, 63));
    EXPECT_EQ(u64(call("rotl64_64", {i64(x)})), x);
    EXPECT_EQ(u64(call("rotr64_100", {i64(x)})), rotl64(x, 64 - (100 & 63)));
    EXPECT_EQ(u64(call("self_shl64", {i64(x)})), x << (x & 63));
    EXPECT_EQ(u32(call("self_shrs32", {i32(x32)})),
              x32 + static_cast<uint32_t>(static_cast<int32_t>(x32) >> (x32 & 31)));
  }
}

INSTANTIATE_TEST_SUITE_P(Features, Bmi2ShiftTest, ::testing::Values("+bmi2", "-bmi2", "baseline"),
                         [](const auto& info) {
                           std::string s = info.param;
                           return s == "+bmi2" ? std::string("bmi2") : s == "-bmi2" ? std::string("no_bmi2")
                                                                                     : std::string("baseline");
                         });

}  // namespace
}  // namespace kiln::runtime
