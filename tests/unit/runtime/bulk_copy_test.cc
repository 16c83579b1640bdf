// tests/unit/runtime/bulk_copy_test.cc: memory.copy's byte move (runtime/vm/bulk_copy.h) against
// a reference move through a temporary buffer: every length class (below and above the vector
// threshold, with and without a tail), misaligned and aligned offsets, disjoint ranges and
// overlaps in both directions; the bytes around the destination stay untouched.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "runtime/vm/bulk_copy.h"

namespace kiln::runtime::vm {
namespace {

TEST(BulkCopy, MatchesAReferenceMoveAtEveryOverlapAndAlignment) {
  constexpr size_t kBuf = 32768;
  std::vector<uint8_t> init(kBuf);
  uint32_t state = 12345;
  for (auto& b : init) {
    state = state * 1103515245u + 12345u;
    b = static_cast<uint8_t>(state >> 16);
  }
  const size_t lens[] = {0, 1, 7, 64, 127, 128, 1023, 1024, 1025, 1151, 2048, 4095, 4096, 5000, 8000};
  const long shifts[] = {-4096, -1025, -129, -128, -33, -8, -3, -1, 0, 1, 3, 8, 33, 128, 129, 1025, 4096, 6000};
  int cases = 0;
  for (size_t len : lens) {
    for (long shift : shifts) {
      for (size_t base : {size_t{2000}, size_t{2003}}) {
        const size_t src = base + 8192;
        const size_t dst = static_cast<size_t>(static_cast<long>(src) + shift);
        ASSERT_LE(dst + len, kBuf);
        std::vector<uint8_t> got = init, want = init;
        std::vector<uint8_t> tmp(want.begin() + src, want.begin() + src + len);
        std::copy(tmp.begin(), tmp.end(), want.begin() + dst);
        bulk_copy(got.data() + dst, got.data() + src, len);
        ASSERT_TRUE(got == want) << "len " << len << " shift " << shift << " base " << base;
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 15 * 18 * 2);
}

#if defined(__x86_64__)
// Each vector loop alone (bulk_copy takes only the AVX2 one on an AVX2 host): every dst
// alignment, lengths around the step, prefix copied exactly and nothing past it.
TEST(BulkCopy, VectorLoopsCopyAPrefixAtEveryAlignment) {
  std::vector<uint8_t> src(4096), dst(4096 + 64);
  for (size_t k = 0; k < src.size(); ++k) src[k] = static_cast<uint8_t>(k * 31 + 7);
  int checked = 0;
  for (auto* loop : {&detail::forward_avx2, &detail::forward_sse2}) {
    if (loop == &detail::forward_avx2 && !__builtin_cpu_supports("avx2")) continue;
    for (size_t align = 0; align < 32; ++align) {
      for (size_t len : {size_t{160}, size_t{200}, size_t{2048}, size_t{3001}}) {
        std::fill(dst.begin(), dst.end(), 0xEE);
        const size_t done = (*loop)(dst.data() + align, src.data() + 5, len);
        ASSERT_LE(done, len);
        ASSERT_LT(len - done, 128u);
        for (size_t k = 0; k < dst.size(); ++k) {
          const bool inside = k >= align && k < align + done;
          ASSERT_EQ(dst[k], inside ? src[5 + k - align] : 0xEE) << align << " " << len << " " << k;
        }
        ++checked;
      }
    }
  }
  EXPECT_GE(checked, 32 * 4);
}
#endif

}  // namespace
}  // namespace kiln::runtime::vm
