// tests/unit/regalloc/read_in_place_test.cc: kAny uses read in place (the x64 ALU and compare
// source operand, `add r, [rsp + slot]`): a value waiting in its slot is not reloaded for
// them, and such uses count as wanted when choosing which value leaves its register. Every
// allocation runs the checker.
#include "test_util.h"

namespace kiln::codegen::regalloc::testing {
namespace {

// Source operands of instructions without clobbers (not call arguments) in a slot, and
// reloads (slot -> register edits).
struct Counts {
  size_t slot_sources = 0;
  size_t reloads = 0;
};
Counts counts(const Function& f, const Output& out) {
  Counts c;
  for (uint32_t i = 0; i < f.insts.size(); ++i) {
    if (f.insts[i].clobbers.bits != 0) continue;
    auto ops = f.inst_operands(i);
    for (uint32_t k = 0; k < ops.size(); ++k) {
      if (ops[k].kind == OperandKind::kUse && ops[k].constraint == Constraint::kAny &&
          out.allocs[f.insts[i].first_operand + k].kind == Allocation::Kind::kStack) {
        ++c.slot_sources;
      }
    }
  }
  c.reloads = count_edits(out, Allocation::Kind::kStack, Allocation::Kind::kReg);
  return c;
}

// Six values defined up front and each read once, after all are defined, as the source of
// `acc = acc op v` (two-address: acc's def reuses operand 0), with three registers. With kAny
// sources the values that do not fit stay in their slots and are read there: no reload at all.
// With kReg sources each of them is reloaded.
Function six_sources(Constraint source) {
  Builder b;
  uint32_t b0 = b.declare_block();
  b.start(b0);
  VReg acc = b.vreg();
  b.entry_live_in(acc, kRax);
  std::vector<VReg> vals;
  for (int k = 0; k < 6; ++k) {
    vals.push_back(b.vreg());
    b.inst({Operand::def(vals.back())});
  }
  for (VReg v : vals) {
    VReg next = b.vreg();
    b.inst({Operand::use(acc), Operand::use(v, source), Operand::reuse_def(next, 0)});
    acc = next;
  }
  b.ret({Operand::fixed_use(acc, kRax)});
  return b.finish();
}

TEST(RegallocReadInPlace, SpilledSourcesAreReadFromTheirSlots) {
  const MachineEnv env = small_env(3);
  Function any = six_sources(Constraint::kAny);
  Output out = allocate_checked(any, env);
  ASSERT_FALSE(HasFailure());
  Counts c = counts(any, out);
  EXPECT_GE(c.slot_sources, 3u) << dump(any, &out);
  EXPECT_EQ(c.reloads, 0u) << dump(any, &out);

  Function reg = six_sources(Constraint::kReg);
  Output out_reg = allocate_checked(reg, env);
  ASSERT_FALSE(HasFailure());
  EXPECT_GE(counts(reg, out_reg).reloads, 3u) << dump(reg, &out_reg);
}

// A value in its slot after a call, read in place by `acc = acc op v` and two instructions
// later in a register: the first read takes the slot (no reload for it), and the value is
// reloaded once, for the second.
TEST(RegallocReadInPlace, SlotReadInPlaceThenReloadedForARegisterUse) {
  const MachineEnv env = small_env(3);
  Builder b;
  uint32_t b0 = b.declare_block();
  b.start(b0);
  VReg acc = b.vreg(), v = b.vreg(), w = b.vreg();
  b.entry_live_in(acc, kRax);
  b.entry_live_in(v, kRcx);
  b.inst({Operand::fixed_def(w, kRax)}, sysv_call_clobbers());  // v and acc live across it
  VReg acc2 = b.vreg();
  uint32_t read = b.inst({Operand::use(w), Operand::use(v, Constraint::kAny), Operand::reuse_def(acc2, 0)});
  VReg t = b.vreg();
  b.inst({Operand::def(t)});
  VReg out = b.vreg();
  uint32_t need = b.inst({Operand::use(v), Operand::use(t), Operand::def(out)});
  VReg sum = b.vreg();
  b.inst({Operand::use(out), Operand::use(acc2, Constraint::kAny), Operand::reuse_def(sum, 0)});
  VReg sum2 = b.vreg();
  b.inst({Operand::use(sum), Operand::use(acc, Constraint::kAny), Operand::reuse_def(sum2, 0)});
  b.ret({Operand::fixed_use(sum2, kRax)});
  Function f = b.finish();
  Output out_ra = allocate_checked(f, env);
  ASSERT_FALSE(HasFailure());
  const Allocation& at_read = out_ra.allocs[f.insts[read].first_operand + 1];
  EXPECT_EQ(at_read.kind, Allocation::Kind::kStack) << dump(f, &out_ra);
  const Allocation& at_need = out_ra.allocs[f.insts[need].first_operand];
  ASSERT_EQ(at_need.kind, Allocation::Kind::kReg) << dump(f, &out_ra);
  size_t v_reloads = 0;
  for (const Edit& e : out_ra.edits) {
    v_reloads += e.from.kind == Allocation::Kind::kStack && e.from.slot == at_read.slot &&
                 e.to.kind == Allocation::Kind::kReg;
  }
  EXPECT_EQ(v_reloads, 1u) << dump(f, &out_ra);
}

// A value read in place soon counts as wanted when a register must be freed: with three
// registers held by `acc` (the next instruction's two-address input), `far` (needed in a
// register only at the end) and `v` (read in place by that next instruction), the definition
// of `t` takes `far`'s register, not `v`'s, so `v` is read in its register.
TEST(RegallocReadInPlace, ReadsInPlaceCountAsWanted) {
  const MachineEnv env = small_env(3);
  Builder b;
  uint32_t b0 = b.declare_block();
  b.start(b0);
  VReg acc = b.vreg(), far = b.vreg(), v = b.vreg(), t = b.vreg();
  b.entry_live_in(acc, kRax);
  b.entry_live_in(far, kRcx);
  b.inst({Operand::def(v)});
  b.inst({Operand::def(t)});
  VReg acc2 = b.vreg();
  uint32_t read = b.inst({Operand::use(acc), Operand::use(v, Constraint::kAny), Operand::reuse_def(acc2, 0)});
  VReg x = b.vreg();
  b.inst({Operand::use(acc2), Operand::use(t), Operand::def(x)});
  VReg y = b.vreg();
  b.inst({Operand::use(x), Operand::use(far), Operand::def(y)});
  b.ret({Operand::fixed_use(y, kRax)});
  Function f = b.finish();
  Output out = allocate_checked(f, env);
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(out.allocs[f.insts[read].first_operand + 1].kind, Allocation::Kind::kReg) << dump(f, &out);
}

// A loop-invariant value in its slot (a call clobbered every register before the loop), read in
// place by `acc = acc op v` inside the loop: from the slot that would be a load on every
// iteration, so the use takes a register (reloaded before it) while the value read in place at
// its own loop level stays in the slot.
TEST(RegallocReadInPlace, LoopInvariantReadInADeeperLoopTakesARegister) {
  const MachineEnv env = small_env(4);
  Builder b;
  VReg acc = b.vreg(), x = b.vreg(), y = b.vreg();
  uint32_t b0 = b.declare_block(), b1 = b.declare_block({acc}), b2 = b.declare_block({x}),
           b3 = b.declare_block({y});
  b.start(b0);
  VReg acc0 = b.vreg(), v = b.vreg(), w = b.vreg();
  b.entry_live_in(acc0, kRax);
  b.inst({Operand::def(v)});
  b.inst({Operand::def(w)});
  PRegSet all;
  all.bits = ~uint64_t{0};
  b.inst({}, all);  // a call: v, w and acc0 live across it in their slots
  VReg acc1 = b.vreg();
  uint32_t same_level = b.inst({Operand::use(acc0), Operand::use(w, Constraint::kAny), Operand::reuse_def(acc1, 0)});
  b.branch({b1}, {acc1});
  b.start(b1);
  VReg next = b.vreg();
  uint32_t in_loop = b.inst({Operand::use(acc), Operand::use(v, Constraint::kAny), Operand::reuse_def(next, 0)});
  b.branch({b2, b3}, {next, next}, {Operand::use(next)});
  b.start(b2);
  b.branch({b1}, {x});
  b.start(b3);
  b.ret({Operand::fixed_use(y, kRax)});
  Function f = b.finish();
  Output out = allocate_checked(f, env);
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(out.allocs[f.insts[in_loop].first_operand + 1].kind, Allocation::Kind::kReg) << dump(f, &out);
  EXPECT_EQ(out.allocs[f.insts[same_level].first_operand + 1].kind, Allocation::Kind::kStack) << dump(f, &out);
}

// Random functions include the x64 shapes (two-address ALU with a kAny source, lea-like with
// two kAny inputs): under pressure some of those sources are allocated to slots, and the
// checker accepts every result.
TEST(RegallocReadInPlace, RandomFunctionsReadSlotsInPlace) {
  GenConfig cfg;
  cfg.reach = 48;
  size_t slot_sources = 0;
  for (uint64_t seed = 700000; seed < 700400; ++seed) {
    SeededChoices src(seed);
    GeneratedFunction g = generate_function(src, cfg);
    auto out = run(g.func, g.env, Options{.run_checker = true});
    ASSERT_TRUE(out.ok()) << "seed " << seed << ": " << out.error().message();
    slot_sources += counts(g.func, *out).slot_sources;
  }
  EXPECT_GT(slot_sources, 100u);
}

}  // namespace
}  // namespace kiln::codegen::regalloc::testing
