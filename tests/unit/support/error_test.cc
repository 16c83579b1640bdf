// tests/unit/support/error_test.cc: Error formatting and Expected propagation.
#include "support/error.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

Expected<int> parse_digit(char c) {
  if (c < '0' || c > '9') return Error(ErrorKind::kMalformed, "not a digit", Location::at_offset(3));
  return c - '0';
}

Expected<int> sum_digits(const char* s) {
  int total = 0;
  for (; *s; ++s) {
    KILN_ASSIGN_OR_RETURN(int d, parse_digit(*s));
    total += d;
  }
  return total;
}

Expected<void> check_even(int n) {
  if (n % 2) return Error(ErrorKind::kInvalid, "odd");
  return ok();
}

Expected<int> even_sum(const char* s) {
  KILN_ASSIGN_OR_RETURN(int n, sum_digits(s));
  KILN_TRY(check_even(n));
  return n;
}

TEST(Error, FormatsLocations) {
  EXPECT_EQ(Error(ErrorKind::kMalformed, "unexpected end", Location::at_offset(0x1c)).to_string(),
            "offset 0x1c: unexpected end");
  EXPECT_EQ(Error(ErrorKind::kMalformed, "unknown operator", Location::at_line(3, 7)).to_string(),
            "3:7: unknown operator");
  EXPECT_EQ(Error(ErrorKind::kOther, "plain").to_string(), "plain");
}

TEST(Expected, PropagatesValuesAndErrors) {
  auto good = even_sum("1234");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 10);

  auto bad = even_sum("12x4");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind(), ErrorKind::kMalformed);
  EXPECT_EQ(bad.error().message(), "not a digit");
  EXPECT_EQ(bad.error().location().offset, 3u);

  auto odd = even_sum("12");
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().kind(), ErrorKind::kInvalid);
}

}  // namespace
}  // namespace kiln
