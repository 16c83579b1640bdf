// tests/unit/codegen/limit_checks_test.cc: opt::place_epoch_checks and place_fuel_checks put a
// check on every cycle of the CFG: at natural loop headers, on an irreducible cycle, and nowhere
// in straight-line code; the fuel check finds the header's fuel parameter (through sums with
// constants and block parameters from the fuel load) and the loop continues with the merged
// value; a loop without one is an error, not an unmetered loop. The results verify.
#include <gtest/gtest.h>

#include <string>

#include "codegen/ir/parser.h"
#include "codegen/ir/printer.h"
#include "codegen/ir/verifier.h"
#include "codegen/opt/limit_checks.h"

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

// A one-block loop counting its i32 parameter down; with or without a vmctx parameter.
std::string self_loop(bool vmctx) {
  std::string head = vmctx ? "function %f(i64 vmctx, i32) -> i32 {\nblock0(v0: i64, v1: i32):\n"
                           : "function %f(i32) -> i32 {\nblock0(v1: i32):\n";
  return head + R"(    jump block1(v1)
block1(v2: i32):
    brif v2, block1(v2), block2
block2:
    return v2
})";
}

// The entry always gets one check (every function entry is checked), loop headers one each.
TEST(EpochChecks, StraightLineCodeGetsOnlyTheEntryCheck) {
  auto [n, text] = place(R"(function %f(i64 vmctx, i32) -> i32 {
block0(v0: i64, v1: i32):
    brif v1, block1, block2
block1:
    jump block2
block2:
    return v1
})");
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(count(text, "call_indirect"), 1u) << text;
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
  EXPECT_EQ(count(text, "call_indirect"), 3u) << text;
  // One counter-address load in the entry, then per check (entry and two headers) the epoch
  // and the deadline.
  EXPECT_EQ(count(text, "readonly vmctx v0+32"), 1u) << text;
  EXPECT_EQ(count(text, "vmctx v0+40"), 3u) << text;
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
  EXPECT_EQ(count(text, "call_indirect"), 2u) << text;
}

// A cycle closed from a cold block (the translator's lazy funcref-table path: the slow block
// calls the builtin and jumps back to reload the entry) is bounded and gets no check; the same
// cycle closed from a hot block does.
TEST(EpochChecks, CyclesClosedFromColdSlowPathsAreNotChecked) {
  constexpr std::string_view kReload = R"(function %f(i64 vmctx, i64) -> i64 {
block0(v0: i64, v1: i64):
    jump block1
block1:
    v2 = load.i64 notrap aligned v1
    v3 = iconst.i64 1
    v4 = icmp ugt v2, v3
    brif v4, block3, block2
block2:
    jump block1
block3:
    return v2
})";
  for (bool cold : {true, false}) {
    auto f = ir::parse_function(kReload);
    ASSERT_TRUE(f.ok()) << f.error().to_string();
    ir::Block slow;
    for (ir::Block b : f->layout.blocks()) {
      if (ir::print_function(*f).find("block" + std::to_string(b.index()) + ":\n    jump block1") !=
          std::string::npos) {
        slow = b;
      }
    }
    ASSERT_TRUE(slow.is_valid());
    f->layout.set_cold(slow, cold);
    EXPECT_EQ(opt::place_epoch_checks(*f, kWhere), cold ? 0u : 1u) << "cold " << cold;
    EXPECT_TRUE(ir::verify_function(*f).ok());
  }
}

TEST(EpochChecks, NoVmctxParameterMeansNoChecks) {
  EXPECT_EQ(place(self_loop(false)).first, 0u);
  EXPECT_EQ(place(self_loop(true)).first, 1u);
}

constexpr opt::FuelChecks kFuel{8, 8, 0x10, 0x80};

// A counting loop as the translator meters it: fuel loaded from the store context
// (vmctx+8 -> +8), charged 3 per iteration, stored back at the exit.
constexpr std::string_view kFuelLoop = R"(function %f(i64 vmctx, i32) -> i32 {
block0(v0: i64, v1: i32):
    v2 = load.i64 notrap aligned vmctx v0+8
    v3 = load.i64 notrap aligned vmctx v2+8
    v4 = iconst.i32 0
    jump block1(v4, v3)
block1(v5: i32, v6: i64):
    v7 = iconst.i32 1
    v8 = iadd v5, v7
    v9 = iconst.i64 3
    v10 = iadd v6, v9
    v11 = icmp ult v8, v1
    brif v11, block1(v8, v10), block2
block2:
    v12 = load.i64 notrap aligned vmctx v0+8
    store notrap aligned vmctx v10, v12+8
    return v8
})";

// Fuel checks placed (or the error), and the printed result (which must verify).
std::pair<Expected<uint32_t>, std::string> place_fuel(std::string_view text) {
  auto f = ir::parse_function(text);
  EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().to_string());
  if (!f.ok()) return {Error(ErrorKind::kOther, "parse"), ""};
  auto n = opt::place_fuel_checks(*f, kFuel);
  auto v = ir::verify_function(*f);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().to_string()) << "\n" << ir::print_function(*f);
  return {std::move(n), ir::print_function(*f)};
}

TEST(FuelChecks, LoopHeaderChecksItsFuelParameter) {
  auto [n, text] = place_fuel(kFuelLoop);
  ASSERT_TRUE(n.ok()) << n.error().to_string();
  EXPECT_EQ(*n, 1u);
  // The check tests v6 (the header's fuel parameter), the slow path stores it, calls the
  // out_of_gas slot and reloads; the body's sum now adds to the merged value, not v6.
  EXPECT_NE(text.find("icmp slt v6"), std::string::npos) << text;
  EXPECT_EQ(count(text, "call_indirect"), 1u) << text;
  EXPECT_EQ(count(text, "iadd v6, v9"), 0u) << text;
  EXPECT_EQ(count(text, "+128"), 1u) << text;  // the builtin slot 0x80
}

TEST(FuelChecks, LoopWithoutFuelIsAnError) {
  auto f = ir::parse_function(self_loop(true));
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(opt::place_fuel_checks(*f, kFuel).ok());
}

// An i64 loop counter that does not come from the fuel load is not mistaken for fuel.
TEST(FuelChecks, OtherI64CountersAreNotFuel) {
  auto [n, text] = place_fuel(R"(function %f(i64 vmctx, i64) -> i64 {
block0(v0: i64, v1: i64):
    v2 = load.i64 notrap aligned vmctx v0+8
    v3 = load.i64 notrap aligned vmctx v2+8
    jump block1(v1, v3)
block1(v4: i64, v5: i64):
    v6 = iconst.i64 1
    v7 = iadd v4, v6
    v8 = iconst.i64 2
    v9 = iadd v5, v8
    brif v7, block1(v7, v9), block2
block2:
    return v7
})");
  ASSERT_TRUE(n.ok()) << n.error().to_string();
  EXPECT_NE(text.find("icmp slt v5"), std::string::npos) << text;
  EXPECT_EQ(text.find("icmp slt v4"), std::string::npos) << text;
}

}  // namespace
}  // namespace kiln::codegen
