// tests/unit/codegen/udiv_magic_test.cc: opt::unsigned_magic, the multipliers that replace
// unsigned division by a constant. Each (multiplier, shift, add) is evaluated the way the
// rewritten code computes it and compared with real division: every divisor up to 20,000 and
// thousands of random ones of every magnitude, against boundary and random dividends.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <vector>

#include "codegen/opt/rules.h"
#include "ir_test_util.h"

namespace kiln::codegen::opt {
namespace {

using U128 = unsigned __int128;

uint64_t mulhi(uint64_t x, uint64_t m, uint32_t bits) {
  return static_cast<uint64_t>((static_cast<U128>(x) * m) >> bits);
}

// The quotient as the rewritten code computes it (udiv_sequence in rules.cc), in `bits`-bit
// arithmetic.
uint64_t magic_quotient(uint64_t x, const UnsignedMagic& m, uint32_t bits) {
  const uint64_t mask = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  uint64_t t = mulhi(x, m.multiplier, bits);
  if (!m.add) return t >> m.shift;
  return ((((x - t) & mask) >> 1) + t) >> m.shift;
}

bool usable(uint64_t d, uint32_t bits) { return d >= 3 && !std::has_single_bit(d) && (d >> (bits - 1)) == 0; }

void check_divisor(uint64_t d, uint32_t bits, ir::test_util::Rng& rng) {
  const uint64_t mask = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  UnsignedMagic m = unsigned_magic(d, bits);
  ASSERT_LE(m.multiplier, mask) << d;
  ASSERT_EQ(m.shift, 63u - static_cast<uint32_t>(std::countl_zero(d))) << d;
  std::vector<uint64_t> xs = {0, 1, d - 1, d, d + 1, 2 * d - 1, 2 * d, mask, mask - 1, mask / 2,
                              mask / 2 + 1, mask - mask % d, mask - mask % d - 1};
  for (int k = 0; k < 64; ++k) xs.push_back(rng.next() & mask);
  // Multiples of d and their neighbours, where truncation errors show first.
  for (int k = 0; k < 16; ++k) {
    uint64_t q = (rng.next() & mask) / d;
    xs.push_back(q * d);
    if (q * d > 0) xs.push_back(q * d - 1);
  }
  for (uint64_t x : xs) {
    x &= mask;
    ASSERT_EQ(magic_quotient(x, m, bits), x / d) << "x=" << x << " d=" << d << " bits=" << bits
                                                  << " m=" << m.multiplier << " add=" << m.add;
  }
}

TEST(UnsignedMagic, EverySmallDivisor32) {
  ir::test_util::Rng rng(1);
  for (uint64_t d = 3; d <= 20000; ++d) {
    if (!usable(d, 32)) continue;
    check_divisor(d, 32, rng);
    if (HasFatalFailure()) return;
  }
}

TEST(UnsignedMagic, EverySmallDivisor64) {
  ir::test_util::Rng rng(2);
  for (uint64_t d = 3; d <= 20000; ++d) {
    if (!usable(d, 64)) continue;
    check_divisor(d, 64, rng);
    if (HasFatalFailure()) return;
  }
}

TEST(UnsignedMagic, RandomDivisorsOfEveryMagnitude) {
  ir::test_util::Rng rng(3);
  for (uint32_t bits : {32u, 64u}) {
    for (uint32_t top = 2; top < bits - 1; ++top) {
      for (int k = 0; k < 200; ++k) {
        uint64_t d = (rng.next() & ((uint64_t{1} << top) - 1)) | (uint64_t{1} << top);
        if (!usable(d, bits)) continue;
        check_divisor(d, bits, rng);
        if (HasFatalFailure()) return;
      }
    }
  }
}

TEST(UnsignedMagic, KnownMultipliers) {
  // Well-known values: /7 needs the add form in both widths; /10 does not.
  UnsignedMagic d7 = unsigned_magic(7, 32);
  EXPECT_TRUE(d7.add);
  EXPECT_EQ(d7.multiplier, 0x24924925u);
  EXPECT_EQ(d7.shift, 2u);
  UnsignedMagic d10 = unsigned_magic(10, 32);
  EXPECT_FALSE(d10.add);
  EXPECT_EQ(d10.multiplier, 0xCCCCCCCDu);
  EXPECT_EQ(d10.shift, 3u);
  UnsignedMagic d10w = unsigned_magic(10, 64);
  EXPECT_FALSE(d10w.add);
  EXPECT_EQ(d10w.multiplier, 0xCCCCCCCCCCCCCCCDull);
  EXPECT_EQ(d10w.shift, 3u);
}

}  // namespace
}  // namespace kiln::codegen::opt
