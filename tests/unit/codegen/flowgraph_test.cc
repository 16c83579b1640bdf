// tests/unit/codegen/flowgraph_test.cc: CFG, dominator tree, and interpreter limits.
#include "codegen/ir/flowgraph.h"

#include <gtest/gtest.h>

#include "codegen/ir/interpreter.h"
#include "codegen/ir/parser.h"
#include "codegen/ir/verifier.h"

namespace kiln::codegen::ir {
namespace {

constexpr const char* kLoop = R"(function %loop(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block4

block1:
    jump block2

block2:
    brif v0, block3, block1

block3:
    return v0

block4:
    jump block3

block5:
    jump block2
})";

TEST(FlowGraph, PredecessorsSuccessorsAndDominators) {
  auto f = parse_function(kLoop);
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  ASSERT_TRUE(verify_function(*f).ok());
  ControlFlowGraph cfg;
  cfg.compute(*f);
  EXPECT_EQ(cfg.succs(Block(0)).size(), 2u);
  EXPECT_EQ(cfg.preds(Block(3)).size(), 2u);
  EXPECT_EQ(cfg.preds(Block(1)).size(), 2u);  // block0 and the back edge from block2
  DominatorTree dt;
  dt.compute(*f, cfg);
  EXPECT_EQ(dt.rpo().front(), Block(0));
  EXPECT_EQ(dt.rpo().size(), 5u);
  EXPECT_FALSE(dt.is_reachable(Block(5)));
  EXPECT_EQ(dt.idom(Block(2)), Block(1));
  EXPECT_EQ(dt.idom(Block(3)), Block(0));  // reached from block2 and block4
  EXPECT_EQ(dt.idom(Block(1)), Block(0));
  EXPECT_TRUE(dt.dominates(Block(1), Block(2)));
  EXPECT_TRUE(dt.dominates(Block(0), Block(3)));
  EXPECT_FALSE(dt.dominates(Block(2), Block(3)));
  EXPECT_FALSE(dt.dominates(Block(4), Block(3)));
  EXPECT_TRUE(dt.dominates(Block(2), Block(2)));
  EXPECT_FALSE(dt.dominates(Block(5), Block(2)));
}

TEST(Interpreter, RunawayLoopRunsOutOfFuel) {
  auto f = parse_function(R"(function %spin() {
block0:
    jump block0
})");
  ASSERT_TRUE(f.ok());
  Interpreter interp;
  interp.set_fuel(1000);
  auto r = interp.call(*f, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("fuel"), std::string::npos);
}

TEST(Interpreter, RejectsWrongArgumentsAndUnknownCallees) {
  auto f = parse_function(R"(function %c(i32) -> i32 {
    sig0 = (i32) -> i32
    fn0 = u0:7 sig0

block0(v0: i32):
    v1 = call fn0(v0)
    return v1
})");
  ASSERT_TRUE(f.ok());
  Interpreter interp;
  EXPECT_FALSE(interp.call(*f, {}).ok());
  DataValue arg = DataValue::make(kI32, 1);
  auto r = interp.call(*f, {&arg, 1});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("unknown function u0:7"), std::string::npos);
}

}  // namespace
}  // namespace kiln::codegen::ir
