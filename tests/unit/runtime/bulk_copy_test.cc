// tests/unit/runtime/bulk_copy_test.cc: memory.copy's byte move (runtime/vm/bulk_copy.h) against
// a reference move through a temporary buffer: every length class (below and above the vector
// threshold, with and without a tail), misaligned and aligned offsets, disjoint ranges and
// overlaps in both directions; the bytes around the destination stay untouched.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace kiln::runtime::vm
