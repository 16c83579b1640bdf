// tests/unit/opt/branch_fold_bypass_test.cc: branch folding's bypass of forwarding blocks with
// parameters (opt/branch_fold.cc). A parameter may only be substituted away when nothing but
// its own block's jump uses it; the pass looks for other uses only where SSA allows them (the
// dominator subtree of a forwarding block that dominates its target, and unreachable blocks).
// Each case checks what was bypassed, that the result verifies, and that it computes what the
// input computed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codegen/ir/interpreter.h"
#include "codegen/ir/parser.h"
#include "codegen/ir/printer.h"
#include "codegen/ir/verifier.h"
#include "codegen/opt/passes.h"

#include "../codegen/ir_test_util.h"  // run_all

namespace kiln::codegen::opt {
namespace {

using namespace ir;
using ir::test_util::run_all;

Function parse(const std::string& text) {
  auto f = parse_function(text);
  EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().to_string());
  if (!f.ok()) return Function();
  auto v = verify_function(*f);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().to_string());
  return std::move(*f);
}

// (a, b) inputs; run_all compares the behaviour before and after folding.
const std::vector<std::vector<int64_t>> kArgs = {
    {0, 0}, {1, 0}, {0, 1}, {1, 1}, {7, 3}, {0, 90}, {5, 200}, {-1, -1}};

// Folds f's branches and checks the result verifies and computes what f computed; returns the
// printed result.
std::string fold_and_check(const std::string& text) {
  Function f = parse(text);
  const std::vector<std::string> before = run_all(f, kArgs);
  EXPECT_TRUE(fold_branches(f));
  auto v = verify_function(f);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().to_string()) << "\n" << print_function(f);
  EXPECT_EQ(run_all(f, kArgs), before) << print_function(f);
  return print_function(f);
}

// block3 forwards to the loop header block4, which it dominates (block4's other predecessor is
// the latch), and block4 uses block3's parameter: block3 must stay.
TEST(BranchFoldBypass, KeepsParameterUsedInDominatedLoop) {
  std::string out = fold_and_check(R"(
function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    brif v0, block1, block2

block1:
    jump block3(v0)

block2:
    jump block3(v1)

block3(v2: i32):
    jump block4(v2)

block4(v3: i32):
    v4 = iadd v3, v2
    v5 = iconst.i32 100
    v6 = icmp ult v4, v5
    brif v6, block5, block6

block5:
    jump block4(v4)

block6:
    return v4
}
)");
  EXPECT_NE(out.find("block3(v2: i32):"), std::string::npos) << out;
}

// The same, with the use of block3's parameter deeper in the region it dominates (a block
// after the loop): the scan follows the dominator tree below the target.
TEST(BranchFoldBypass, KeepsParameterUsedAfterDominatedLoop) {
  std::string out = fold_and_check(R"(
function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    brif v0, block1, block2

block1:
    jump block3(v0)

block2:
    jump block3(v1)

block3(v2: i32):
    jump block4(v2)

block4(v3: i32):
    v5 = iconst.i32 1
    v4 = iadd v3, v5
    v8 = iconst.i32 50
    v6 = icmp ult v4, v8
    brif v6, block5, block6

block5:
    jump block4(v4)

block6:
    v7 = imul v4, v2
    return v7
}
)");
  EXPECT_NE(out.find("block3(v2: i32):"), std::string::npos) << out;
}

// block4 forwards its parameter to block3, which it does not dominate (block5 also reaches
// it): nothing else can use the parameter, so block4 is bypassed and its predecessors pass
// their arguments to block3 directly.
TEST(BranchFoldBypass, BypassesParameterOnlyPassedOn) {
  std::string out = fold_and_check(R"(
function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    brif v0, block1, block2

block1:
    brif v1, block5, block4(v1)

block5:
    v7 = iconst.i32 7
    jump block3(v7)

block2:
    jump block4(v0)

block4(v3: i32):
    jump block3(v3)

block3(v2: i32):
    return v2
}
)");
  EXPECT_EQ(out.find("block4"), std::string::npos) << out;
}

// As above, but an unreachable block (which SSA dominance does not constrain) also uses
// block4's parameter: block4 must stay.
TEST(BranchFoldBypass, KeepsParameterUsedInUnreachableBlock) {
  std::string out = fold_and_check(R"(
function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    brif v0, block1, block2

block1:
    brif v1, block5, block4(v1)

block5:
    v7 = iconst.i32 7
    jump block3(v7)

block2:
    jump block4(v0)

block4(v3: i32):
    jump block3(v3)

block3(v2: i32):
    return v2

block9:
    v9 = iadd v3, v3
    return v9
}
)");
  EXPECT_NE(out.find("block4(v3: i32):"), std::string::npos) << out;
}

}  // namespace
}  // namespace kiln::codegen::opt
