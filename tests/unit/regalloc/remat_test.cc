// tests/unit/regalloc/remat_test.cc: rematerialisation of constants (Function::Inst::remat):
// a constant that cannot stay in a register is re-created where it is needed instead of being
// stored to a spill slot and reloaded; the checker follows remat edits and rejects wrong ones.
#include "test_util.h"

namespace kiln::codegen::regalloc::testing {
namespace {

size_t remats_before(const Output& out, uint32_t inst) {
  size_t n = 0;
  for (const Edit& e : out.edits) n += e.is_remat() && e.point.inst == inst && !e.point.after;
  return n;
}

// Only caller-saved registers: a value live across a call cannot keep a register.
MachineEnv caller_saved_env() { return small_env(5); }

// A constant read after a call: without remat it is stored after its definition and reloaded
// after the call; with remat it has no slot and is re-created before its use.
TEST(RegallocRemat, ConstantLiveAcrossCallIsRematerialisedNotSpilled) {
  Builder b;
  VReg n = b.vreg(), c = b.vreg(), x = b.vreg(), r = b.vreg(), t = b.vreg();
  b.start(b.declare_block());
  b.entry_live_in(n, kRdi);
  const uint32_t def = b.constant(c);
  b.inst({Operand::use(n), Operand::use(c), Operand::def(x)});
  b.inst({Operand::fixed_use(x, kRdi), Operand::fixed_def(r, kRax)}, sysv_call_clobbers());
  const uint32_t use = b.inst({Operand::use(r), Operand::use(c), Operand::def(t)});
  b.ret({Operand::fixed_use(t, kRax)});
  Function f = b.finish();
  Output out = allocate_checked(f, caller_saved_env());
  EXPECT_EQ(out.num_spill_slots, 0u) << dump(f, &out);
  EXPECT_EQ(out.stats.spills, 0u) << dump(f, &out);
  EXPECT_EQ(out.stats.reloads, 0u) << dump(f, &out);
  EXPECT_EQ(out.stats.remats, 1u) << dump(f, &out);
  ASSERT_EQ(remats_before(out, use), 1u) << dump(f, &out);
  for (const Edit& e : out.edits) {
    if (!e.is_remat()) continue;
    EXPECT_EQ(e.remat_inst, def);
    EXPECT_EQ(e.from.kind, Allocation::Kind::kNone);
    // Re-created in the register the use reads.
    EXPECT_TRUE(e.to == out.allocs[f.insts[use].first_operand + 1]) << dump(f, &out);
  }

  // The same function with the constant as an ordinary instruction: spilled and reloaded.
  Function g = f;
  g.insts[def].remat = false;
  Output plain = allocate_checked(g, caller_saved_env());
  EXPECT_EQ(plain.stats.spills, 1u) << dump(g, &plain);
  EXPECT_EQ(plain.stats.reloads, 1u) << dump(g, &plain);
  EXPECT_EQ(plain.stats.remats, 0u) << dump(g, &plain);
}

// A constant passed in a fixed register to two calls (a call argument) is defined in that
// register and re-created right there after the first call: it takes no callee-saved register
// (although they are free), no slot, and needs no register-to-register copy.
TEST(RegallocRemat, ConstantCallArgumentIsRecreatedInItsFixedRegister) {
  Builder b;
  VReg c = b.vreg(), r1 = b.vreg(), r2 = b.vreg(), t = b.vreg();
  b.start(b.declare_block());
  const uint32_t def = b.constant(c);
  b.inst({Operand::fixed_use(c, kRdi), Operand::fixed_def(r1, kRax)}, sysv_call_clobbers());
  const uint32_t call2 = b.inst({Operand::fixed_use(c, kRdi), Operand::fixed_def(r2, kRax)}, sysv_call_clobbers());
  b.inst({Operand::use(r1), Operand::use(r2), Operand::def(t)});
  b.ret({Operand::fixed_use(t, kRax)});
  Function f = b.finish();
  Output out = allocate_checked(f, sysv_env());
  EXPECT_TRUE(out.allocs[f.insts[def].first_operand] == Allocation::in_reg(kRdi)) << dump(f, &out);
  bool remat_into_rdi = false;
  for (const Edit& e : out.edits) {
    if (e.point.inst != call2 || e.point.after) continue;
    EXPECT_TRUE(e.is_remat()) << dump(f, &out);
    remat_into_rdi |= e.is_remat() && e.to == Allocation::in_reg(kRdi);
  }
  EXPECT_TRUE(remat_into_rdi) << dump(f, &out);
  EXPECT_EQ(out.stats.moves, 0u) << dump(f, &out);
  EXPECT_EQ(out.stats.remats, 1u) << dump(f, &out);
  // The only value in memory is the first call's result (stored once, reloaded once).
  EXPECT_LE(out.stats.spills, 1u) << dump(f, &out);
  EXPECT_LE(out.stats.reloads, 1u) << dump(f, &out);
  EXPECT_FALSE(out.used_regs.contains(kRbx)) << dump(f, &out);
}

// A constant passed to a block param across a call: the argument is re-created on the edge
// into the param's location (a register, or through a register into its slot), and the checker
// sees the param there.
TEST(RegallocRemat, ConstantBlockArgumentIsRecreatedOnTheEdge) {
  Builder b;
  VReg n = b.vreg(), c = b.vreg(), r = b.vreg(), p = b.vreg(), q = b.vreg(), s = b.vreg();
  uint32_t b0 = b.declare_block(), b1 = b.declare_block(), b2 = b.declare_block(), join = b.declare_block({p});
  b.start(b0);
  b.entry_live_in(n, kRdi);
  b.constant(c);
  b.inst({Operand::fixed_use(n, kRdi), Operand::fixed_def(r, kRax)}, sysv_call_clobbers());
  b.branch({b1, b2}, {}, {Operand::use(r)});
  b.start(b1);
  b.branch({join}, {c});
  b.start(b2);
  b.inst({Operand::use(r), Operand::def(q)});
  b.branch({join}, {q});
  b.start(join);
  b.inst({Operand::use(p), Operand::use(c), Operand::def(s)});
  b.ret({Operand::fixed_use(s, kRax)});
  Function f = b.finish();
  Output out = allocate_checked(f, caller_saved_env());
  EXPECT_EQ(out.stats.spills, 0u) << dump(f, &out);
  EXPECT_EQ(out.stats.reloads, 0u) << dump(f, &out);
  EXPECT_GE(out.stats.remats, 2u) << dump(f, &out);  // on the edge b1 -> join and before the use
}

// A constant defined before a loop and read after a call in it holds a callee-saved register
// across the loop (one register for the whole loop) rather than being re-created on every
// iteration; the same constant defined in the loop is re-created after the call instead.
TEST(RegallocRemat, LoopPolicyForConstantsReadAfterCalls) {
  for (bool defined_in_loop : {false, true}) {
    Builder b;
    VReg n = b.vreg(), c = b.vreg(), i = b.vreg(), i0 = b.vreg(), r = b.vreg(), t = b.vreg(), in = b.vreg();
    uint32_t b0 = b.declare_block(), head = b.declare_block({i}), latch = b.declare_block(), exit = b.declare_block();
    b.start(b0);
    b.entry_live_in(n, kRdi);
    if (!defined_in_loop) b.constant(c);
    b.inst({Operand::use(n), Operand::def(i0)});
    b.branch({head}, {i0});
    b.start(head);
    if (defined_in_loop) {
      b.constant(c);
      b.inst({Operand::use(c), Operand::use(i)});  // read before the call too
    }
    b.inst({Operand::fixed_use(i, kRdi), Operand::fixed_def(r, kRax)}, sysv_call_clobbers());
    b.inst({Operand::use(r), Operand::use(c), Operand::def(t)});
    b.inst({Operand::use(t), Operand::reuse_def(in, 0)});
    b.branch({latch, exit}, {}, {Operand::use(in)});
    b.start(latch);
    b.branch({head}, {in});
    b.start(exit);
    b.ret({Operand::fixed_use(in, kRax)});
    Function f = b.finish();
    Output out = allocate_checked(f, sysv_env());
    size_t in_loop = 0;
    for (const Edit& e : out.edits) {
      in_loop += e.is_remat() && e.point.inst >= f.blocks[head].first_inst && e.point.inst < f.blocks[latch].end_inst;
    }
    if (defined_in_loop) {
      EXPECT_EQ(in_loop, 1u) << dump(f, &out);
    } else {
      EXPECT_EQ(in_loop, 0u) << dump(f, &out);
      EXPECT_EQ(out.stats.remats, 0u) << dump(f, &out);
    }
    EXPECT_EQ(out.stats.spills, 0u) << dump(f, &out);
  }
}

// The checker follows remat edits and rejects wrong ones: a constant re-created from another
// constant's instruction, from an instruction that is not a remat instruction, or into a slot.
TEST(RegallocRemat, CheckerAcceptsRematAndRejectsWrongOnes) {
  Builder b;
  VReg n = b.vreg(), c = b.vreg(), k = b.vreg(), x = b.vreg(), y = b.vreg(), r = b.vreg(), t = b.vreg(), u = b.vreg();
  b.start(b.declare_block());
  b.entry_live_in(n, kRdi);
  const uint32_t def_c = b.constant(c);
  const uint32_t def_k = b.constant(k);
  const uint32_t plain = b.inst({Operand::use(n), Operand::use(c), Operand::def(x)});
  b.inst({Operand::use(x), Operand::use(k), Operand::def(y)});
  b.inst({Operand::fixed_use(y, kRdi), Operand::fixed_def(r, kRax)}, sysv_call_clobbers());
  const uint32_t use = b.inst({Operand::use(r), Operand::use(c), Operand::def(t)});
  b.inst({Operand::use(t), Operand::use(k), Operand::def(u)});
  b.ret({Operand::fixed_use(u, kRax)});
  Function f = b.finish();
  Output out = allocate_checked(f, caller_saved_env());
  ASSERT_EQ(out.stats.remats, 2u) << dump(f, &out);
  ASSERT_TRUE(check(f, caller_saved_env(), out).ok());
  size_t remat_c = out.edits.size();
  for (size_t e = 0; e < out.edits.size(); ++e) {
    if (out.edits[e].is_remat() && out.edits[e].remat_inst == def_c) remat_c = e;
  }
  ASSERT_LT(remat_c, out.edits.size()) << dump(f, &out);
  ASSERT_EQ(out.edits[remat_c].point.inst, use) << dump(f, &out);

  Output wrong = out;
  wrong.edits[remat_c].remat_inst = def_k;  // re-creates k where c is read
  auto r1 = check(f, caller_saved_env(), wrong);
  ASSERT_FALSE(r1.ok());
  EXPECT_NE(r1.error().message().find("does not hold the value"), std::string::npos) << r1.error().message();

  Output not_remat = out;
  not_remat.edits[remat_c].remat_inst = plain;
  auto r2 = check(f, caller_saved_env(), not_remat);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().message().find("not a remat instruction"), std::string::npos) << r2.error().message();

  Output into_slot = out;
  into_slot.num_spill_slots = 1;
  into_slot.slot_is_vector = {0};
  into_slot.edits[remat_c].to = Allocation::in_slot(0);
  EXPECT_FALSE(check(f, caller_saved_env(), into_slot).ok());

  // A remat edit before the constant's definition finds nothing to re-create.
  Output early = out;
  Edit e = early.edits[remat_c];
  early.edits.erase(early.edits.begin() + static_cast<ptrdiff_t>(remat_c));
  e.point = {def_c, false};
  early.edits.insert(early.edits.begin(), e);
  EXPECT_FALSE(check(f, caller_saved_env(), early).ok());
}

// Input validation: a remat instruction has a single kReg def and nothing else.
TEST(RegallocRemat, RematInstructionsAreValidated) {
  Builder b;
  VReg n = b.vreg(), c = b.vreg();
  b.start(b.declare_block());
  b.entry_live_in(n, kRdi);
  const uint32_t i = b.inst({Operand::use(n), Operand::def(c)});
  b.ret({Operand::fixed_use(c, kRax)});
  Function f = b.finish();
  f.insts[i].remat = true;
  auto out = run(f, sysv_env(), Options{.validate_input = true});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message().find("remat"), std::string::npos) << out.error().message();
}

// A constant with a kStack use needs a real slot: it is then allocated like any other value.
TEST(RegallocRemat, StackUseDisablesRemat) {
  Builder b;
  VReg c = b.vreg(), r = b.vreg(), t = b.vreg();
  b.start(b.declare_block());
  b.constant(c);
  b.inst({Operand::use(c, Constraint::kStack), Operand::fixed_def(r, kRax)}, sysv_call_clobbers());
  b.inst({Operand::use(r), Operand::use(c), Operand::def(t)});
  b.ret({Operand::fixed_use(t, kRax)});
  Function f = b.finish();
  Output out = allocate_checked(f, caller_saved_env());
  EXPECT_EQ(out.stats.remats, 0u) << dump(f, &out);
  EXPECT_GE(out.num_spill_slots, 1u) << dump(f, &out);
}

}  // namespace
}  // namespace kiln::codegen::regalloc::testing
