// mach::BlockOrder: reverse postorder with every natural loop's blocks contiguous after its
// header (nested loops likewise), cold blocks last, critical edges split.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "codegen/ir/flowgraph.h"
#include "codegen/ir/parser.h"
#include "codegen/mach/block_order.h"

namespace kiln::codegen {
namespace {

// The IR blocks (by number) in lowering order, edge blocks left out.
std::vector<uint32_t> lowered_ir_blocks(const ir::Function& f) {
  ir::ControlFlowGraph cfg;
  cfg.compute(f);
  ir::DominatorTree dt;
  dt.compute_order(f, cfg);
  mach::BlockOrder order;
  order.compute(f, cfg, dt);
  std::vector<uint32_t> out;
  for (const mach::LoweredBlock& lb : order.blocks()) {
    if (lb.ir_block.is_valid()) out.push_back(lb.ir_block.index());
  }
  return out;
}

// Whether `members` occupy consecutive positions of `order`, starting with `header`.
bool contiguous(const std::vector<uint32_t>& order, uint32_t header, std::vector<uint32_t> members) {
  auto pos = [&](uint32_t b) { return std::find(order.begin(), order.end(), b) - order.begin(); };
  std::vector<long> ps;
  for (uint32_t b : members) ps.push_back(pos(b));
  std::sort(ps.begin(), ps.end());
  if (ps.front() != pos(header)) return false;
  for (size_t k = 1; k < ps.size(); ++k) {
    if (ps[k] != ps[k - 1] + 1) return false;
  }
  return true;
}

std::string str(const std::vector<uint32_t>& v) {
  std::string s;
  for (uint32_t b : v) s += " block" + std::to_string(b);
  return s;
}

// block1..block3 are a loop whose body (block2) exits to block4 before reaching its latch
// (block3): depth-first search may finish the latch first, and plain reverse postorder then
// puts the exit's code (block4, block5) between the body and the latch. block6..block9 nest a
// loop (block7, block8) in another whose exit is reached from the inner loop.
constexpr const char* kLoops = R"(
function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    jump block1(v0)

block1(v2: i32):
    brif v2, block2, block6(v1)

block2:
    v3 = iconst.i32 1
    v4 = isub v2, v3
    v13 = iconst.i32 7
    v5 = icmp eq v4, v13
    brif v5, block4, block3

block3:
    jump block1(v4)

block4:
    v6 = iconst.i32 100
    jump block5(v6)

block5(v7: i32):
    return v7

block6(v8: i32):
    brif v8, block7(v8), block9

block7(v9: i32):
    v10 = iconst.i32 1
    v11 = isub v9, v10
    v14 = iconst.i32 3
    v12 = icmp eq v11, v14
    brif v12, block10, block8

block8:
    brif v11, block7(v11), block6(v11)

block9:
    return v8

block10:
    return v11
}
)";

TEST(BlockOrder, LoopsAreContiguous) {
  auto f = ir::parse_function(kLoops);
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  std::vector<uint32_t> order = lowered_ir_blocks(*f);
  ASSERT_EQ(order.size(), 11u) << str(order);
  EXPECT_EQ(order[0], 0u);
  EXPECT_TRUE(contiguous(order, 1, {1, 2, 3})) << str(order);
  EXPECT_TRUE(contiguous(order, 6, {6, 7, 8})) << str(order);
  EXPECT_TRUE(contiguous(order, 7, {7, 8})) << str(order);
  // Every block comes after a block that dominates it here: the loops' exits follow them.
  auto pos = [&](uint32_t b) { return std::find(order.begin(), order.end(), b) - order.begin(); };
  EXPECT_GT(pos(4), pos(3)) << str(order);
  EXPECT_GT(pos(5), pos(4)) << str(order);
  EXPECT_GT(pos(9), pos(8)) << str(order);
  EXPECT_GT(pos(10), pos(8)) << str(order);
}

// A self-loop (the header is its own latch) and straight-line code keep reverse postorder.
TEST(BlockOrder, SelfLoopAndStraightLine) {
  auto f = ir::parse_function(R"(
function %g(i32) -> i32 {
block0(v0: i32):
    jump block1(v0)

block1(v1: i32):
    v2 = iconst.i32 1
    v3 = isub v1, v2
    brif v3, block1(v3), block2

block2:
    return v3
}
)");
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  EXPECT_EQ(lowered_ir_blocks(*f), (std::vector<uint32_t>{0, 1, 2}));
}

}  // namespace
}  // namespace kiln::codegen
