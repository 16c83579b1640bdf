// tests/unit/x64/preserve_all_call_test.cc: the preserve_all calling convention
// (ir::CallConv::kPreserveAll, used by the fuel and epoch slow paths): it round-trips through
// the IR text form, and x64 lowering gives such a call no clobbers while a default call
// clobbers the System V caller-saved registers except its result.
#include <gtest/gtest.h>

#include "codegen/ir/parser.h"
#include "codegen/ir/printer.h"
#include "codegen/isa/x64/inst.h"
#include "codegen/isa/x64/lower.h"

namespace kiln::codegen::x64 {
namespace {

constexpr const char* kText = R"(function %f(i64 vmctx, i64) -> i64 {
    sig0 = (i64 vmctx) -> i64 preserve_all
    sig1 = (i64 vmctx) -> i64

block0(v0: i64, v1: i64):
    v2 = call_indirect sig0, v1(v0)
    v3 = call_indirect sig1, v1(v0)
    v4 = iadd v2, v3
    return v4
}
)";

TEST(PreserveAllCall, RoundTripsThroughTheTextForm) {
  auto f = ir::parse_function(kText);
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  ASSERT_EQ(f->dfg.signatures.size(), 2u);
  EXPECT_EQ(f->dfg.signatures[ir::SigRef(0)].call_conv, ir::CallConv::kPreserveAll);
  EXPECT_EQ(f->dfg.signatures[ir::SigRef(1)].call_conv, ir::CallConv::kDefault);
  EXPECT_FALSE(f->dfg.signatures[ir::SigRef(0)] == f->dfg.signatures[ir::SigRef(1)]);
  EXPECT_EQ(ir::print_function(*f), kText);
}

TEST(PreserveAllCall, LoweringClobbersNothing) {
  auto f = ir::parse_function(kText);
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  auto vc = lower(*f, LowerOptions{});
  ASSERT_TRUE(vc.ok()) << vc.error().to_string();
  std::vector<regalloc::PRegSet> clobbers;
  for (const MInst& m : vc->insts) {
    if (m.op == Op::kCall) clobbers.push_back(m.clobbers);
  }
  ASSERT_EQ(clobbers.size(), 2u);
  EXPECT_EQ(clobbers[0].bits, 0u);
  // The default call: every caller-saved register but rax, which holds its result.
  regalloc::PRegSet expected = call_clobbers();
  expected.bits &= ~(uint64_t{1} << gpr(reg::kRax).index());
  EXPECT_EQ(clobbers[1].bits, expected.bits);
  EXPECT_NE(clobbers[1].bits, 0u);
}

}  // namespace
}  // namespace kiln::codegen::x64
