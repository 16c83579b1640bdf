// tests/unit/codegen/epoch_checks_test.cc: opt::place_epoch_checks puts a check on every cycle
// of the CFG: at natural loop headers, at both entries of an irreducible loop's cycle when the
// search meets it that way, and nowhere in straight-line code; the result verifies.
#include <gtest/gtest.h>

#include <string>

#include "codegen/ir/parser.h"
#include "codegen/ir/printer.h"
#include "codegen/ir/verifier.h"
#include "codegen/opt/epoch_checks.h"

namespace kiln::codegen {
namespace {

constexpr opt::EpochChecks kWhere{0x20, 0x28, 0x10, 0x88};

size_t count(const std::string& text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Checks placed, and the printed result (which must verify).
std::pair<uint32_t, std::string> place(std::string_view text) {
  auto f = ir::parse_function(text);
  EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().to_string());
  if (!f.ok()) return {0, ""};
  uint32_t n = opt::place_epoch_checks(*f, kWhere);
  auto v = ir::verify_function(*f);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().to_string()) << "\n" << ir::print_function(*f);
  return {n, ir::print_function(*f)};
}

TEST(EpochChecks, StraightLineCodeGetsNone) {
  auto [n, text] = place(R"(function %f(i64 vmctx, i32) -> i32 {
block0(v0: i64, v1: i32):
    brif v1, block1, block2
block1:
    jump block2
block2:
    return v1
})");
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(count(text, "call_indirect"), 0u) << text;
}

TEST(EpochChecks, NestedLoopsGetOneEach) {
  auto [n, text] = place(R"(function %f(i64 vmctx, i32) -> i32 {
block0(v0: i64, v1: i32):
    jump block1(v1)
block1(v2: i32):
    jump block2(v2)
block2(v3: i32):
    v4 = iconst.i32 1
    v5 = isub v3, v4
    brif v5, block2(v5), block3
block3:
    brif v5, block1(v5), block4
block4:
    return v5
})");
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(count(text, "call_indirect"), 2u) << text;
  // One counter-address load in the entry, then per check the epoch and the deadline.
  EXPECT_EQ(count(text, "readonly vmctx v0+32"), 1u) << text;
  EXPECT_EQ(count(text, "vmctx v0+40"), 2u) << text;
}

// block1 and block2 form a cycle entered from block0 at either block: no natural loop header
// dominates it, but the search's retreating edge still gets a check, so the cycle cannot spin
// unchecked whichever way it is entered.
TEST(EpochChecks, IrreducibleCycleIsChecked) {
  auto [n, text] = place(R"(function %f(i64 vmctx, i32) -> i32 {
block0(v0: i64, v1: i32):
    brif v1, block1(v1), block2(v1)
block1(v2: i32):
    v4 = iconst.i32 1
    v5 = isub v2, v4
    brif v5, block2(v5), block3
block2(v3: i32):
    brif v3, block1(v3), block3
block3:
    return v1
})");
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(count(text, "call_indirect"), 1u) << text;
}

TEST(EpochChecks, NoVmctxParameterMeansNoChecks) {
  auto [n, text] = place(R"(function %f(i32) -> i32 {
block0(v1: i32):
    jump block1(v1)
block1(v2: i32):
    brif v2, block1(v2), block2
block2:
    return v2
})");
  EXPECT_EQ(n, 0u);
}

}  // namespace
}  // namespace kiln::codegen
