// tests/unit/x64/small_vector_test.cc: mach::SmallVector, the operand list of MInst: inline
// storage up to N elements, heap beyond, and copies and moves in both states.
#include "codegen/mach/small_vector.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace kiln::codegen::mach {
namespace {

struct Elem {
  uint32_t a;
  uint16_t b;
  bool operator==(const Elem&) const = default;
};

std::vector<Elem> contents(const SmallVector<Elem, 4>& v) { return {v.begin(), v.end()}; }

std::vector<Elem> expected(uint32_t n) {
  std::vector<Elem> out;
  for (uint32_t k = 0; k < n; ++k) out.push_back({k, static_cast<uint16_t>(k * 3)});
  return out;
}

SmallVector<Elem, 4> make(uint32_t n) {
  SmallVector<Elem, 4> v;
  for (uint32_t k = 0; k < n; ++k) v.push_back({k, static_cast<uint16_t>(k * 3)});
  return v;
}

TEST(SmallVector, InlineThenHeap) {
  for (uint32_t n : {0u, 1u, 4u, 5u, 9u, 300u}) {
    SmallVector<Elem, 4> v = make(n);
    EXPECT_EQ(v.size(), n);
    EXPECT_EQ(v.empty(), n == 0);
    EXPECT_GE(v.capacity(), n);
    EXPECT_EQ(contents(v), expected(n)) << n;
    if (n) {
      EXPECT_EQ(v.back(), expected(n).back());
    }
  }
}

TEST(SmallVector, CopyAndMoveInBothStates) {
  for (uint32_t n : {3u, 17u}) {
    SmallVector<Elem, 4> v = make(n);
    SmallVector<Elem, 4> copy(v);
    EXPECT_EQ(contents(copy), expected(n));
    copy[0].a = 99;  // a copy has its own storage
    EXPECT_EQ(v[0].a, 0u);
    SmallVector<Elem, 4> moved(std::move(v));
    EXPECT_EQ(contents(moved), expected(n));
    EXPECT_TRUE(v.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
    SmallVector<Elem, 4> assigned = make(2);
    assigned = moved;
    EXPECT_EQ(contents(assigned), expected(n));
    SmallVector<Elem, 4> big = make(40);
    big = std::move(assigned);
    EXPECT_EQ(contents(big), expected(n));
    big = big;  // self-assignment keeps the contents
    EXPECT_EQ(contents(big), expected(n));
  }
}

TEST(SmallVector, PushBackOfOwnElementWhileGrowing) {
  SmallVector<Elem, 4> v = make(4);  // full inline storage: the next push moves to the heap
  v.push_back(v[1]);
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v[4], v[1]);
  v.clear();
  EXPECT_TRUE(v.empty());
  const std::vector<Elem> six = expected(6);
  v.append(six.begin(), six.end());
  EXPECT_EQ(contents(v), six);
}

}  // namespace
}  // namespace kiln::codegen::mach
