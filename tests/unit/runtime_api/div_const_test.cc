// tests/unit/runtime_api/div_const_test.cc: division and remainder by constants, compiled at
// -O2, where the optimizer replaces them with multiply-high sequences (opt/rules.cc), checked
// natively against the host's division for boundary and random dividends: unsigned and
// signed, i32 and i64, divisors needing the short and the add form, powers of two, and
// divisors of at least 2^(n-1).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "compile_wat.h"

namespace kiln::runtime {
namespace {

using testing::call_first;

const std::vector<uint64_t> kDivisors = {3, 7, 10, 13, 25, 100, 641, 1000, 139968, 1000000007,
                                         0x7fffffff, 0x80000001, 0xfffffffb};

std::string div_module() {
  std::string wat = "(module\n";
  for (size_t k = 0; k < kDivisors.size(); ++k) {
    const std::string d32 = std::to_string(static_cast<int32_t>(static_cast<uint32_t>(kDivisors[k])));
    const std::string d64 = std::to_string(kDivisors[k]);
    const std::string n = std::to_string(k);
    for (const char* op : {"div_u", "rem_u", "div_s", "rem_s"}) {
      wat += std::string("  (func (export \"i32.") + op + n + "\") (param i32) (result i32) (i32." + op +
             " (local.get 0) (i32.const " + d32 + ")))\n";
      wat += std::string("  (func (export \"i64.") + op + n + "\") (param i64) (result i64) (i64." + op +
             " (local.get 0) (i64.const " + d64 + ")))\n";
    }
  }
  return wat + ")";
}

uint64_t next(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

TEST(DivConst, MatchesHostDivision) {
  testing::Instantiated t(Config{}, div_module());
  ASSERT_TRUE(t.ok);
  uint64_t seed = 42;
  for (size_t k = 0; k < kDivisors.size(); ++k) {
    const std::string n = std::to_string(k);
    const uint32_t d32 = static_cast<uint32_t>(kDivisors[k]);
    const uint64_t d64 = kDivisors[k];
    std::vector<uint64_t> xs = {0, 1, d64 - 1, d64, d64 + 1, 2 * d64, 0x7fffffff, 0x80000000, 0xffffffff,
                                0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull};
    for (int r = 0; r < 40; ++r) xs.push_back(next(seed));
    for (uint64_t x : xs) {
      const uint32_t x32 = static_cast<uint32_t>(x);
      const int32_t s32 = static_cast<int32_t>(x32), sd32 = static_cast<int32_t>(d32);
      const int64_t s64 = static_cast<int64_t>(x), sd64 = static_cast<int64_t>(d64);
      EXPECT_EQ(static_cast<uint32_t>(call_first(t.instance, ("i32.div_u" + n).c_str(), {Val::i32(s32)}).i32()), x32 / d32) << x32 << "/" << d32;
      EXPECT_EQ(static_cast<uint32_t>(call_first(t.instance, ("i32.rem_u" + n).c_str(), {Val::i32(s32)}).i32()), x32 % d32) << x32 << "%" << d32;
      EXPECT_EQ(static_cast<uint64_t>(call_first(t.instance, ("i64.div_u" + n).c_str(), {Val::i64(s64)}).i64()), x / d64) << x << "/" << d64;
      EXPECT_EQ(static_cast<uint64_t>(call_first(t.instance, ("i64.rem_u" + n).c_str(), {Val::i64(s64)}).i64()), x % d64) << x << "%" << d64;
      // Signed: skip MIN / -1 (traps; none of these divisors is -1 in 64 bits, but 0xffffffff
      // is -1 as an i32).
      if (!(sd32 == -1 && s32 == INT32_MIN)) {
        EXPECT_EQ(call_first(t.instance, ("i32.div_s" + n).c_str(), {Val::i32(s32)}).i32(), sd32 == -1 ? -s32 : s32 / sd32) << s32 << "/" << sd32;
        EXPECT_EQ(call_first(t.instance, ("i32.rem_s" + n).c_str(), {Val::i32(s32)}).i32(), sd32 == -1 ? 0 : s32 % sd32) << s32 << "%" << sd32;
      }
      EXPECT_EQ(call_first(t.instance, ("i64.div_s" + n).c_str(), {Val::i64(s64)}).i64(), s64 / sd64) << s64 << "/" << sd64;
      EXPECT_EQ(call_first(t.instance, ("i64.rem_s" + n).c_str(), {Val::i64(s64)}).i64(), s64 % sd64) << s64 << "%" << sd64;
      if (HasFailure()) return;
    }
  }
}

}  // namespace
}  // namespace kiln::runtime
