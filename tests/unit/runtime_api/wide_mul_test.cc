// tests/unit/runtime_api/wide_mul_test.cc: the 64x64->128-bit multiply written with 32-bit
// halves (opt/wide_mul.cc rewrites it at -O2 to one i64 imul and the high half of an i128
// multiply, which x64 lowers to one `mul`), checked against C++ unsigned __int128 at -O0 and
// -O2 on edge and random inputs: compiler-rt's __multi3 exactly as clang -O2 compiles it for
// wasm32 (shootout-ed25519's function 19), Rust compiler-builtins' __multi3 (the carry form, as
// in sightglass rust-json), the high word alone as clang compiles
// __mulddi3's high word, a square (one operand used for both), and i64 signed division and
// remainder by constants, whose multiply-high is the other widening multiply (one-operand
// imul of two sign-extended values).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "compile_wat.h"
#include "runtime/linker.h"
#include "runtime/store.h"

namespace kiln::runtime {
namespace {

using U128 = unsigned __int128;

constexpr std::string_view kModule = R"((module
  (memory 1)
  ;; (a_hi:a_lo) * (b_hi:b_lo) mod 2^128 stored at $out: compiler-rt's __multi3, clang -O2.
  (func $__multi3 (export "multi3") (param i32 i64 i64 i64 i64)
    (local i64)
    local.get 0
    local.get 4
    local.get 1
    i64.mul
    local.get 2
    local.get 3
    i64.mul
    i64.add
    local.get 3
    i64.const 32
    i64.shr_u
    local.tee 2
    local.get 1
    i64.const 32
    i64.shr_u
    local.tee 4
    i64.mul
    i64.add
    local.get 3
    i64.const 4294967295
    i64.and
    local.tee 3
    local.get 1
    i64.const 4294967295
    i64.and
    local.tee 1
    i64.mul
    local.tee 5
    i64.const 32
    i64.shr_u
    local.get 3
    local.get 4
    i64.mul
    i64.add
    local.tee 3
    i64.const 32
    i64.shr_u
    i64.add
    local.get 3
    i64.const 4294967295
    i64.and
    local.get 2
    local.get 1
    i64.mul
    i64.add
    local.tee 1
    i64.const 32
    i64.shr_u
    i64.add
    i64.store offset=8
    local.get 0
    local.get 1
    i64.const 32
    i64.shl
    local.get 5
    i64.const 4294967295
    i64.and
    i64.or
    i64.store)
  ;; The same in the carry form: Rust compiler-builtins' __multi3, rustc for wasm32 (rust-json).
  (func $rust_multi3 (export "rust_multi3") (param i32 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64)
    local.get 0
    local.get 3
    i64.const 4294967295
    i64.and
    local.tee 5
    local.get 1
    i64.const 4294967295
    i64.and
    local.tee 6
    i64.mul
    local.tee 7
    local.get 3
    i64.const 32
    i64.shr_u
    local.tee 8
    local.get 6
    i64.mul
    local.tee 6
    local.get 5
    local.get 1
    i64.const 32
    i64.shr_u
    local.tee 9
    i64.mul
    i64.add
    local.tee 5
    i64.const 32
    i64.shl
    i64.add
    local.tee 10
    i64.store
    local.get 0
    local.get 8
    local.get 9
    i64.mul
    local.get 5
    local.get 6
    i64.lt_u
    i64.extend_i32_u
    i64.const 32
    i64.shl
    local.get 5
    i64.const 32
    i64.shr_u
    i64.or
    i64.add
    local.get 10
    local.get 7
    i64.lt_u
    i64.extend_i32_u
    i64.add
    local.get 4
    local.get 1
    i64.mul
    local.get 3
    local.get 2
    i64.mul
    i64.add
    i64.add
    i64.store offset=8
  )
  (func (export "load") (param i32) (result i64) (i64.load (local.get 0)))
  ;; (a * b) >> 64: __mulddi3's high word, clang -O2.
  (func (export "mulhi") (param i64 i64) (result i64)
    (local i64 i64)
    local.get 1
    i64.const 4294967295
    i64.and
    local.tee 2
    local.get 0
    i64.const 4294967295
    i64.and
    local.tee 3
    i64.mul
    i64.const 32
    i64.shr_u
    local.get 2
    local.get 0
    i64.const 32
    i64.shr_u
    local.tee 0
    i64.mul
    i64.add
    local.tee 2
    i64.const 32
    i64.shr_u
    local.get 1
    i64.const 32
    i64.shr_u
    local.tee 1
    local.get 0
    i64.mul
    i64.add
    local.get 2
    i64.const 4294967295
    i64.and
    local.get 1
    local.get 3
    i64.mul
    i64.add
    i64.const 32
    i64.shr_u
    i64.add)
  ;; (a * a) >> 64, the same shape with both operands one local.
  (func (export "sqhi") (param i64) (result i64)
    (local i64 i64 i64)
    local.get 0
    i64.const 4294967295
    i64.and
    local.tee 1
    local.get 1
    i64.mul
    i64.const 32
    i64.shr_u
    local.get 1
    local.get 0
    i64.const 32
    i64.shr_u
    local.tee 2
    i64.mul
    i64.add
    local.tee 3
    i64.const 32
    i64.shr_u
    local.get 2
    local.get 2
    i64.mul
    i64.add
    local.get 3
    i64.const 4294967295
    i64.and
    local.get 2
    local.get 1
    i64.mul
    i64.add
    i64.const 32
    i64.shr_u
    i64.add)
  (func (export "div7") (param i64) (result i64) (i64.div_s (local.get 0) (i64.const 7)))
  (func (export "rem_big") (param i64) (result i64)
    (i64.rem_s (local.get 0) (i64.const -1000000007)))
  (func (export "div_big") (param i64) (result i64)
    (i64.div_s (local.get 0) (i64.const 0x5555555555555556)))
))";

class WideMulTest : public ::testing::TestWithParam<environ::OptLevel> {};

// Edge values of one 64-bit word and of its 32-bit halves, then random words.
std::vector<uint64_t> inputs(size_t random_count) {
  std::vector<uint64_t> v = {0,           1,           2,
                             0xffffffffu, 0x100000000, 0x100000001,
                             0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff,
                             0xffffffff00000000, 0x00000000ffffffff, 0xfffffffffffffffe};
  std::mt19937_64 rng(0x5eed'1281);
  for (size_t k = 0; k < random_count; ++k) {
    uint64_t x = rng();
    // Every fourth one with small or large halves, where carries between the pieces happen.
    switch (k % 8) {
      case 0: x |= 0xffffffff; break;
      case 4: x &= 0xffffffff; break;
      default: break;
    }
    v.push_back(x);
  }
  return v;
}

TEST_P(WideMulTest, MatchesUnsigned128) {
  Config c;
  c.opt_level = GetParam();
  testing::Instantiated t(c, kModule);
  ASSERT_TRUE(t.ok);
  auto multi3 = t.instance.get_func("multi3"), rust_multi3 = t.instance.get_func("rust_multi3");
  ASSERT_TRUE(multi3.has_value() && rust_multi3.has_value());
  const std::vector<uint64_t> xs = inputs(60);  // 72 values: 5184 pairs
  std::mt19937_64 rng(7);
  int checked = 0;
  for (uint64_t a : xs) {
    for (uint64_t b : xs) {
      const U128 p = static_cast<U128>(a) * b;
      const uint64_t hi = static_cast<uint64_t>(p >> 64);
      ASSERT_EQ(static_cast<uint64_t>(testing::call_first(t.instance, "mulhi",
                                                           {Val::i64(static_cast<int64_t>(a)),
                                                            Val::i64(static_cast<int64_t>(b))})
                                          .i64()),
                hi)
          << std::hex << a << " * " << b;
      // The full 128-bit product of two 128-bit operands: the high words a_hi, b_hi (random,
      // or zero as when C widens 64-bit operands) add a_lo*b_hi + a_hi*b_lo to the high word.
      const uint64_t ah = (checked & 1) ? rng() : 0, bh = (checked & 2) ? rng() : 0;
      const U128 full = ((static_cast<U128>(ah) << 64) | a) * ((static_cast<U128>(bh) << 64) | b);
      auto r = multi3->call(std::vector<Val>{Val::i32(16), Val::i64(static_cast<int64_t>(a)), Val::i64(static_cast<int64_t>(ah)),
                             Val::i64(static_cast<int64_t>(b)), Val::i64(static_cast<int64_t>(bh))});
      ASSERT_TRUE(r.ok()) << r.error().to_string();
      EXPECT_EQ(static_cast<uint64_t>(testing::call_first(t.instance, "load", {Val::i32(16)}).i64()),
                static_cast<uint64_t>(full))
          << std::hex << ah << ":" << a << " * " << bh << ":" << b;
      ASSERT_EQ(static_cast<uint64_t>(testing::call_first(t.instance, "load", {Val::i32(24)}).i64()),
                static_cast<uint64_t>(full >> 64))
          << std::hex << ah << ":" << a << " * " << bh << ":" << b;
      r = rust_multi3->call(std::vector<Val>{Val::i32(32), Val::i64(static_cast<int64_t>(a)),
                                             Val::i64(static_cast<int64_t>(ah)), Val::i64(static_cast<int64_t>(b)),
                                             Val::i64(static_cast<int64_t>(bh))});
      ASSERT_TRUE(r.ok()) << r.error().to_string();
      EXPECT_EQ(static_cast<uint64_t>(testing::call_first(t.instance, "load", {Val::i32(32)}).i64()),
                static_cast<uint64_t>(full))
          << "carry form " << std::hex << ah << ":" << a << " * " << bh << ":" << b;
      ASSERT_EQ(static_cast<uint64_t>(testing::call_first(t.instance, "load", {Val::i32(40)}).i64()),
                static_cast<uint64_t>(full >> 64))
          << "carry form " << std::hex << ah << ":" << a << " * " << bh << ":" << b;
      ++checked;
    }
    const U128 sq = static_cast<U128>(a) * a;
    EXPECT_EQ(static_cast<uint64_t>(
                  testing::call_first(t.instance, "sqhi", {Val::i64(static_cast<int64_t>(a))}).i64()),
              static_cast<uint64_t>(sq >> 64))
        << std::hex << a;
  }
  EXPECT_EQ(checked, 72 * 72);
}

TEST_P(WideMulTest, SignedDivisionByConstants) {
  Config c;
  c.opt_level = GetParam();
  testing::Instantiated t(c, kModule);
  ASSERT_TRUE(t.ok);
  std::vector<uint64_t> xs = inputs(3000);
  for (uint64_t u : {uint64_t{0x8000000000000001}, uint64_t{0xfffffffffffffff9}, uint64_t{6}, uint64_t{7},
                     uint64_t{1000000007}, uint64_t{0 - 1000000007ull}, uint64_t{0x5555555555555556},
                     uint64_t{0xaaaaaaaaaaaaaaaa}}) {
    xs.push_back(u);
  }
  for (uint64_t u : xs) {
    const int64_t x = static_cast<int64_t>(u);
    auto call = [&](const char* name) { return testing::call_first(t.instance, name, {Val::i64(x)}).i64(); };
    ASSERT_EQ(call("div7"), x / 7) << x;
    ASSERT_EQ(call("rem_big"), x % -1000000007) << x;
    ASSERT_EQ(call("div_big"), x / 0x5555555555555556) << x;
  }
}

INSTANTIATE_TEST_SUITE_P(Levels, WideMulTest,
                         ::testing::Values(environ::OptLevel::kNone, environ::OptLevel::kSpeed),
                         [](const auto& info) { return info.param == environ::OptLevel::kNone ? "O0" : "O2"; });

}  // namespace
}  // namespace kiln::runtime
