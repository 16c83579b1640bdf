// tests/unit/wast/expected_failures_test.cc: parsing and path matching of the strict
// expected-failures list.
#include "wast/expected_failures.h"

#include <gtest/gtest.h>

namespace kiln::wast {
namespace {

TEST(ExpectedFailures, ParsesEntriesCommentsAndBlankLines) {
  Expected<ExpectedFailures> l = ExpectedFailures::parse(
      "# header comment\n"
      "\n"
      "spec/binary.wast:123  decoder accepts an overlong LEB\n"
      "   \t\n"
      "spec/proposals/threads/atomic.wast:7:3\twait needs threads\r\n",
      "list.txt");
  ASSERT_TRUE(l.ok()) << l.error().message();
  ASSERT_EQ(l->entries().size(), 2u);
  EXPECT_EQ(l->entries()[0].path, "spec/binary.wast");
  EXPECT_EQ(l->entries()[0].line, 123u);
  EXPECT_EQ(l->entries()[0].column, 0u);
  EXPECT_EQ(l->entries()[0].reason, "decoder accepts an overlong LEB");
  EXPECT_EQ(l->entries()[0].list_line, 3u);
  EXPECT_EQ(l->entries()[1].line, 7u);
  EXPECT_EQ(l->entries()[1].column, 3u);
  EXPECT_EQ(l->entries()[1].reason, "wait needs threads");
}

TEST(ExpectedFailures, EmptyListIsFine) {
  Expected<ExpectedFailures> l = ExpectedFailures::parse("", "list.txt");
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->entries().empty());
}

TEST(ExpectedFailures, RejectsBadEntries) {
  for (const char* bad : {
           "spec/binary.wast:12\n",              // no reason
           "spec/binary.wast  reason\n",         // no line
           "spec/binary.wast:0  reason\n",       // line 0
           "spec/binary.wast:12x  reason\n",     // not a number
           "spec/binary.wast:99999999999  r\n",  // too large
           "spec/binary.wast:3:  reason\n",      // empty column
           "spec/binary.txt:3  reason\n",        // not a script
           ":3  reason\n",                       // no path
       }) {
    Expected<ExpectedFailures> l = ExpectedFailures::parse(bad, "list.txt");
    EXPECT_FALSE(l.ok()) << bad;
  }
}

TEST(ExpectedFailures, RejectsDuplicates) {
  Expected<ExpectedFailures> l =
      ExpectedFailures::parse("spec/a.wast:1  x\nspec/a.wast:1  y\n", "list.txt");
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.error().message().find("list.txt:2"), std::string::npos) << l.error().message();
  EXPECT_NE(l.error().message().find("duplicate"), std::string::npos);
}

TEST(ExpectedFailures, MissingFileIsAnError) {
  EXPECT_FALSE(ExpectedFailures::load("/nonexistent/expected_failures.txt").ok());
}

TEST(ExpectedFailures, TheRepositoryListParses) {
  Expected<ExpectedFailures> l =
      ExpectedFailures::load(std::string(KILN_SOURCE_DIR) + "/tests/spec/expected_failures.txt");
  EXPECT_TRUE(l.ok()) << l.error().message();
}

TEST(ExpectedFailures, PathsMatchBySuffixOnAComponentBoundary) {
  EXPECT_TRUE(path_matches("/work/shared/wasm-testsuite/spec/binary.wast", "spec/binary.wast"));
  EXPECT_TRUE(path_matches("spec/binary.wast", "spec/binary.wast"));
  EXPECT_FALSE(path_matches("/x/spec/proposals/custom-page-sizes/binary.wast", "spec/binary.wast"));
  EXPECT_FALSE(path_matches("/x/myspec/binary.wast", "spec/binary.wast"));
  EXPECT_FALSE(path_matches("/x/spec/binary.wast", ""));

  Expected<ExpectedFailures> l = ExpectedFailures::parse(
      "spec/binary.wast:1  a\nspec/proposals/custom-page-sizes/binary.wast:2  b\n", "list.txt");
  ASSERT_TRUE(l.ok());
  std::vector<ExpectedFailure> core = l->for_script("/s/wasm-testsuite/spec/binary.wast");
  ASSERT_EQ(core.size(), 1u);
  EXPECT_EQ(core[0].line, 1u);
  std::vector<ExpectedFailure> cps =
      l->for_script("/s/wasm-testsuite/spec/proposals/custom-page-sizes/binary.wast");
  ASSERT_EQ(cps.size(), 1u);
  EXPECT_EQ(cps[0].line, 2u);
}

}  // namespace
}  // namespace kiln::wast
