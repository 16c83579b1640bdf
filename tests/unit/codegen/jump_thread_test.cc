// tests/unit/codegen/jump_thread_test.cc: jump threading (opt/jump_thread.cc) edge cases beyond
// the filetests: the copy budget, many constant predecessors next to a non-constant one, a
// state machine whose dispatch values are used after the loop, and functions it must leave
// alone. Every result is verified and run in the interpreter against the input.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codegen/ir/flowgraph.h"
#include "codegen/ir/interpreter.h"
#include "codegen/ir/parser.h"
#include "codegen/ir/printer.h"
#include "codegen/ir/verifier.h"
#include "codegen/opt/passes.h"
#include "ir_test_util.h"

namespace kiln::codegen::opt {
namespace {

using namespace ir;

Function parse(const std::string& text) { return test_util::parse_or_fail(text); }

void expect_verifies(const Function& f) {
  auto r = verify_function(f);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string()) << "\n" << print_function(f);
}

// The results of f(args) for every argument tuple; traps as "trap".
using ir::test_util::run_all;
using ir::test_util::count_insts;

// Blocks reachable from the entry.
size_t reachable_blocks(const Function& f) {
  ControlFlowGraph cfg;
  DominatorTree dt;
  cfg.compute(f);
  dt.compute(f, cfg);
  return dt.rpo().size();
}

// `n` predecessors, each passing a constant (k % 4) to a loop header of a few instructions
// that dispatches on it with a br_table of 4 exits; the default (the unknown v0 passed by
// block0's default edge, counted down by the back edge from block2) stays in the loop.
std::string many_preds(int n) {
  std::string s = "function %many(i32, i32) -> i32 {\nblock0(v0: i32, v1: i32):\n";
  s += "    br_table v1, block1(v0), [";
  for (int k = 0; k < n; ++k) s += (k ? ", " : "") + std::string("block") + std::to_string(10 + k);
  s += "]\n\n";
  for (int k = 0; k < n; ++k) {
    s += "block" + std::to_string(10 + k) + ":\n";
    s += "    v" + std::to_string(100 + k) + " = iconst.i32 " + std::to_string(k % 4) + "\n";
    s += "    jump block1(v" + std::to_string(100 + k) + ")\n\n";
  }
  s += R"(block1(v2: i32):
    v3 = iconst.i32 3
    v4 = imul v2, v3
    v5 = iadd v4, v0
    v6 = bxor v5, v1
    br_table v2, block2, [block3, block4, block5, block6]

block3:
    return v6

block4:
    v7 = iconst.i32 1
    v8 = iadd v6, v7
    return v8

block5:
    v9 = iconst.i32 2
    v10 = iadd v6, v9
    return v10

block6:
    v11 = imul v6, v6
    return v11

block2:
    v12 = iconst.i32 1
    v13 = isub v2, v12
    jump block1(v13)
}
)";
  return s;
}

TEST(JumpThread, ConstantPredsThreadedNonConstantKept) {
  Function f = parse(many_preds(6));
  Function before = f;
  ASSERT_TRUE(thread_jumps(f));
  expect_verifies(f);
  // Every constant edge now goes to a copy; block1 is still reached from block0's default
  // and from its back edge.
  ControlFlowGraph cfg;
  cfg.compute(f);
  Block b1(1);
  ASSERT_EQ(cfg.preds(b1).size(), 2u);
  EXPECT_EQ(cfg.preds(b1)[0].block, Block(0));
  EXPECT_EQ(cfg.preds(b1)[1].block, Block(2));
  std::vector<std::vector<int64_t>> in;
  for (int64_t x : {0, 1, 7, 12}) {
    for (int64_t sel = -1; sel < 8; ++sel) in.push_back({x, sel});
  }
  EXPECT_EQ(run_all(before, in), run_all(f, in));
}

TEST(JumpThread, BudgetBoundsCopies) {
  // 300 constant edges into a 5-instruction block: far more than the budget allows.
  Function f = parse(many_preds(300));
  Function before = f;
  const size_t n0 = count_insts(f);
  const size_t budget = 48 + f.dfg.num_insts() / 16;
  ASSERT_TRUE(thread_jumps(f));
  expect_verifies(f);
  const size_t n1 = count_insts(f);
  // Each copy is block1's 5 instructions; the values it defines are used in other blocks
  // only through new parameters (no constant of block1 is used elsewhere).
  EXPECT_GT(n1, n0);
  EXPECT_LE(n1 - n0, budget) << n0 << " -> " << n1;
  // Some constant edges still reach block1.
  ControlFlowGraph cfg;
  cfg.compute(f);
  EXPECT_GT(cfg.preds(Block(1)).size(), 1u);
  std::vector<std::vector<int64_t>> in;
  for (int64_t sel = -1; sel < 305; sel += 7) in.push_back({5, sel});
  EXPECT_EQ(run_all(before, in), run_all(f, in));
  // A second run finds nothing it may afford... or threads within a new budget; either way
  // the result still verifies and computes the same.
  thread_jumps(f);
  expect_verifies(f);
  EXPECT_EQ(run_all(before, in), run_all(f, in));
}

// A state machine whose dispatch parameters (v3: counter, v4: accumulator) are used after the
// loop, in the exit block, and by every state: they get parameters where the copies meet.
constexpr const char* kStateMachineUsedAfter = R"(function %sm(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 0
    jump block1(v1, v0, v1)

block1(v2: i32, v3: i32, v4: i32):
    v30 = iconst.i32 0
    v31 = icmp eq v3, v30
    brif v31, block7, block8(v2)

block8(v50: i32):
    br_table v50, block7, [block2, block3]

block2:
    v10 = iconst.i32 7
    v11 = iadd v4, v10
    v12 = iconst.i32 1
    jump block6(v12, v11)

block3:
    v13 = iconst.i32 3
    v14 = imul v4, v13
    v15 = iconst.i32 0
    jump block6(v15, v14)

block6(v20: i32, v21: i32):
    v22 = iconst.i32 1
    v23 = isub v3, v22
    jump block1(v20, v23, v21)

block7:
    v40 = iadd v4, v3
    v41 = iadd v40, v2
    return v41
}
)";

TEST(JumpThread, DispatchValuesUsedAfterLoop) {
  Function f = parse(kStateMachineUsedAfter);
  Function before = f;
  // block2 and block3 pass constant states to block6, which passes them to block1, which
  // decides on the counter but passes the state on to block8's br_table: chains of three
  // (block6, block1, block8), copied per state. block1's parameters are used in block7, after
  // the loop, reached from block1 and from its copies.
  ASSERT_TRUE(thread_jumps(f));
  expect_verifies(f);
  ControlFlowGraph cfg;
  cfg.compute(f);
  // block6 is no longer reached: each state's code goes to its own copy.
  EXPECT_TRUE(cfg.preds(Block(6)).empty());
  std::vector<std::vector<int64_t>> in;
  for (int64_t n = 0; n < 12; ++n) in.push_back({n});
  EXPECT_EQ(run_all(before, in), run_all(f, in));
  // The whole pipeline too (the threaded loop is still a loop LICM and the rest accept).
  Function g = before;
  optimize(g);
  expect_verifies(g);
  EXPECT_EQ(run_all(before, in), run_all(g, in));
}

TEST(JumpThread, BrTableEntriesShareOneCopy) {
  // Four entries of one br_table pass the same constant to the loop header block1: one copy
  // serves them all.
  Function f = parse(R"(function %shared(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = iconst.i32 2
    br_table v0, block1(v1), [block1(v2), block1(v2), block5, block1(v2), block1(v2)]

block1(v3: i32):
    v4 = iconst.i32 2
    v5 = icmp eq v3, v4
    brif v5, block2, block3

block2:
    v6 = iconst.i32 20
    return v6

block3:
    v7 = iadd v3, v1
    v9 = iconst.i32 100
    v10 = icmp ult v7, v9
    brif v10, block1(v7), block6

block6:
    return v7

block5:
    v8 = iconst.i32 50
    return v8
}
)");
  Function before = f;
  const size_t blocks_before = f.dfg.num_blocks();
  ASSERT_TRUE(thread_jumps(f));
  expect_verifies(f);
  EXPECT_EQ(f.dfg.num_blocks(), blocks_before + 1);
  ControlFlowGraph cfg;
  cfg.compute(f);
  ASSERT_EQ(cfg.preds(Block(1)).size(), 2u);  // block0's default edge and the back edge
  std::vector<std::vector<int64_t>> in;
  for (int64_t sel = -1; sel < 7; ++sel) in.push_back({sel, 9});
  EXPECT_EQ(run_all(before, in), run_all(f, in));
}

TEST(JumpThread, NothingToThread) {
  // A constant argument that decides nothing (the branch tests another value).
  Function f = parse(R"(function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = iconst.i32 5
    brif v0, block1(v2), block1(v1)

block1(v3: i32):
    brif v1, block2, block3

block2:
    return v3

block3:
    v4 = iconst.i32 1
    return v4
}
)");
  const std::string text = print_function(f);
  EXPECT_FALSE(thread_jumps(f));
  EXPECT_EQ(print_function(f), text);
}

TEST(JumpThread, IrreducibleResultRestored) {
  // Threading both states' back edges would make them branch to each other, a cycle with two
  // entries from the dispatch; the function must come back unchanged.
  Function f = parse(R"(function %irr(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    jump block1(v0, v1)

block1(v2: i32, v3: i32):
    brif v2, block2, block3

block2:
    v10 = iconst.i32 3
    v11 = iadd v3, v10
    v12 = iconst.i32 0
    jump block1(v12, v11)

block3:
    v13 = iconst.i32 1
    v14 = isub v3, v13
    v15 = iconst.i32 100
    v16 = icmp ult v14, v15
    brif v16, block1(v13, v14), block4

block4:
    return v14
}
)");
  const std::string text = print_function(f);
  EXPECT_FALSE(thread_jumps(f));
  EXPECT_EQ(print_function(f), text);
  expect_verifies(f);
}

TEST(JumpThread, EntryEdgeOfCountedLoopStaysReducible) {
  // The entry edge's constant decides the loop test (0 < 10): threading it enters the body
  // directly; the loop keeps a single entry.
  Function f = parse(R"(function %count() -> i32 {
block0:
    v0 = iconst.i32 0
    jump block1(v0, v0)

block1(v1: i32, v2: i32):
    v3 = iconst.i32 10
    v4 = icmp slt v1, v3
    brif v4, block2, block3

block2:
    v5 = iadd v2, v1
    v6 = iconst.i32 1
    v7 = iadd v1, v6
    jump block1(v7, v5)

block3:
    return v2
}
)");
  Function before = f;
  EXPECT_TRUE(thread_jumps(f));
  expect_verifies(f);
  // The loop test block1 is now entered only from the body (block2), which the entry's
  // copy of the test jumps to: a loop with the single entry block2.
  ControlFlowGraph cfg;
  cfg.compute(f);
  ASSERT_EQ(cfg.preds(Block(1)).size(), 1u);
  EXPECT_EQ(cfg.preds(Block(1))[0].block, Block(2));
  EXPECT_EQ(reachable_blocks(f), 5u);  // entry, its copy of the test, body, test, exit
  EXPECT_EQ(run_all(before, {{}}), run_all(f, {{}}));
  EXPECT_EQ(run_all(f, {{}})[0], "45 ");
}

}  // namespace
}  // namespace kiln::codegen::opt
