// tests/unit/regalloc/regalloc_test.cc: hand-written allocator inputs (straight line, diamonds,
// loops under pressure, calls, x86 fixed registers, two-address reuse, block-param cycles), each
// allocated and checked; plus checks that the checker rejects broken allocations and that bad
// inputs are errors.
#include <thread>

#include "test_util.h"

namespace kiln::codegen::regalloc::testing {
namespace {

TEST(Regalloc, StraightLine) {
  Builder b;
  VReg a = b.vreg(), c = b.vreg(), d = b.vreg();
  uint32_t b0 = b.declare_block();
  b.start(b0);
  b.entry_live_in(a, kRdi);
  b.inst({Operand::use(a), Operand::def(c)});
  b.inst({Operand::use(a), Operand::use(c), Operand::def(d)});
  b.ret({Operand::fixed_use(d, kRax)});
  Function f = b.finish();
  Output out = allocate_checked(f, sysv_env());
  EXPECT_EQ(out.num_spill_slots, 0u);
  // No pressure: the result is computed straight into rax-compatible registers, no spills.
  EXPECT_EQ(count_edits(out, Allocation::Kind::kReg, Allocation::Kind::kStack), 0u);
}

TEST(Regalloc, MoveIsCoalescedAndReported) {
  Builder b;
  VReg a = b.vreg(), c = b.vreg();
  b.start(b.declare_block());
  b.entry_live_in(a, kRdi);
  uint32_t mv = b.move(c, a);
  b.ret({Operand::use(c)});
  Output out = allocate_checked(b.finish(), sysv_env());
  ASSERT_EQ(out.noop_moves.size(), 1u);
  EXPECT_EQ(out.noop_moves[0], mv);
  EXPECT_TRUE(out.edits.empty());
}

TEST(Regalloc, Diamond) {
  Builder b;
  VReg x = b.vreg(), cond = b.vreg(), l = b.vreg(), r = b.vreg(), phi = b.vreg();
  uint32_t b0 = b.declare_block(), b1 = b.declare_block(), b2 = b.declare_block(), b3 = b.declare_block({phi});
  b.start(b0);
  b.entry_live_in(x, kRdi);
  b.inst({Operand::use(x), Operand::def(cond)});
  b.branch({b1, b2}, {}, {Operand::use(cond)});
  b.start(b1);
  b.inst({Operand::use(x), Operand::def(l)});
  b.branch({b3}, {l});
  b.start(b2);
  b.inst({Operand::use(x), Operand::def(r)});
  b.branch({b3}, {r});
  b.start(b3);
  b.ret({Operand::fixed_use(phi, kRax), Operand::use(x)});
  allocate_checked(b.finish(), sysv_env());
}

// A loop keeping more values live than there are registers: the allocator must spill, and
// the checker follows the values around the back edge.
TEST(Regalloc, LoopWithPressure) {
  Builder b;
  const int kLive = 10;
  VReg n = b.vreg();
  std::vector<VReg> vals;
  for (int k = 0; k < kLive; ++k) vals.push_back(b.vreg());
  VReg i0 = b.vreg(), i = b.vreg(), inext = b.vreg(), acc = b.vreg(), acc2 = b.vreg(), acc_out = b.vreg();
  uint32_t b0 = b.declare_block(), head = b.declare_block({i, acc}), body = b.declare_block(),
           exit = b.declare_block({acc_out});
  b.start(b0);
  b.entry_live_in(n, kRdi);
  for (VReg v : vals) b.inst({Operand::use(n), Operand::def(v)});
  b.inst({Operand::def(i0)});
  b.branch({head}, {i0, n});
  b.start(head);
  b.branch({body, exit}, {acc}, {Operand::use(i)});
  b.start(body);
  VReg cur = acc;
  for (VReg v : vals) {
    VReg nv = b.vreg();
    b.inst({Operand::use(cur), Operand::use(v), Operand::reuse_def(nv, 0)});
    cur = nv;
  }
  b.inst({Operand::use(cur), Operand::def(acc2)});
  b.inst({Operand::use(i), Operand::reuse_def(inext, 0)});
  b.branch({head}, {inext, acc2});
  b.start(exit);
  b.ret({Operand::fixed_use(acc_out, kRax)});
  Function f = b.finish();
  Output out = allocate_checked(f, small_env(5));
  EXPECT_GT(out.num_spill_slots, 0u);
  EXPECT_GT(out.stats.reloads, 0u);
  // Spill at definition: every store happens once per definition, and none of the stored
  // values is defined inside the loop body except the loop-carried ones.
  uint32_t stores_in_body = 0;
  for (const Edit& e : out.edits) {
    if (e.to.kind == Allocation::Kind::kStack && e.point.inst >= f.blocks[body].first_inst &&
        e.point.inst < f.blocks[body].end_inst && e.from.kind == Allocation::Kind::kReg) {
      ++stores_in_body;
    }
  }
  EXPECT_LE(stores_in_body, 3u);
}

// Values live across a call survive in callee-saved registers or slots, never in clobbered
// registers; arguments go to their fixed registers and the result comes from rax.
TEST(Regalloc, CallClobbers) {
  Builder b;
  VReg a = b.vreg(), c = b.vreg(), d = b.vreg(), res = b.vreg(), sum = b.vreg();
  b.start(b.declare_block());
  b.entry_live_in(a, kRdi);
  b.entry_live_in(c, kRsi);
  b.inst({Operand::use(a), Operand::use(c), Operand::def(d)});
  b.inst({Operand::fixed_use(d, kRdi), Operand::fixed_use(a, kRsi), Operand::fixed_def(res, kRax)}, sysv_call_clobbers());
  b.inst({Operand::use(res), Operand::use(a), Operand::use(c), Operand::def(sum)});
  b.ret({Operand::fixed_use(sum, kRax)});
  Function f = b.finish();
  Output out = allocate_checked(f, sysv_env());
  // a and c survive the call: with callee-saved registers available they use them.
  PRegSet callee;
  for (PReg r : {kRbx, kR12, kR13, kR14, kR15}) callee.add(r);
  EXPECT_NE(out.used_regs.bits & callee.bits, 0u);
  // Without callee-saved registers they must be spilled.
  MachineEnv env = sysv_env();
  env.non_preferred[0].clear();
  Output out2 = allocate_checked(f, env);
  EXPECT_GE(out2.stats.reloads, 2u);
}

// x86 div: dividend in rax/rdx, results in rax (quotient) and rdx (remainder); shift count in
// rcx with a two-address destination.
TEST(Regalloc, DivAndShiftFixedRegisters) {
  Builder b;
  VReg x = b.vreg(), y = b.vreg(), z = b.vreg(), hi = b.vreg(), q = b.vreg(), rem = b.vreg(), sh = b.vreg(), out_v = b.vreg();
  b.start(b.declare_block());
  b.entry_live_in(x, kRdi);
  b.entry_live_in(y, kRsi);
  b.entry_live_in(z, kRdx);
  b.inst({Operand::def(hi)});
  b.inst({Operand::fixed_use(x, kRax), Operand::fixed_use(hi, kRdx), Operand::use(y), Operand::fixed_def(q, kRax),
          Operand::fixed_def(rem, kRdx)});
  b.inst({Operand::use(q), Operand::fixed_use(rem, kRcx), Operand::reuse_def(sh, 0)});
  // z arrived in rdx, which the div overwrote: it must have been moved away first.
  b.inst({Operand::use(sh), Operand::use(z), Operand::use(x), Operand::reuse_def(out_v, 0)});
  b.ret({Operand::fixed_use(out_v, kRax)});
  allocate_checked(b.finish(), sysv_env());
}

// The x64 backend's report: one dividend used (fixed to rax) by four divisions in a row, each
// of which overwrites rax (quotient) and rdx (remainder, early: cdq writes it before the
// divisor is read). The dividend must be kept elsewhere and copied into rax before every
// division; it used to be assumed still in rax after the first division overwrote it.
TEST(Regalloc, DividendReusedInFixedRaxAcrossDivisions) {
  for (bool early_rdx : {true, false}) {
    for (bool use_results : {true, false}) {
      for (uint32_t nregs : {5u, 14u}) {
        Builder b;
        VReg x = b.vreg(), y = b.vreg();
        b.start(b.declare_block());
        b.entry_live_in(x, kRdi);
        b.entry_live_in(y, kRsi);
        std::vector<VReg> results;
        for (int k = 0; k < 4; ++k) {
          VReg q = b.vreg(), r = b.vreg();
          Operand rd = Operand::fixed_def(r, kRdx);
          if (early_rdx) rd.pos = OperandPos::kEarly;
          b.inst({Operand::fixed_use(x, kRax), Operand::use(y), Operand::fixed_def(q, kRax), rd});
          results.push_back(k % 2 ? r : q);
        }
        VReg acc = results[0];
        if (use_results) {
          for (size_t k = 1; k < results.size(); ++k) {
            VReg n = b.vreg();
            b.inst({Operand::use(acc), Operand::use(results[k]), Operand::reuse_def(n, 0)});
            acc = n;
          }
        }
        b.ret({Operand::fixed_use(acc, kRax), Operand::use(x), Operand::use(y)});
        Function f = b.finish();
        SCOPED_TRACE(dump(f));
        Output out = allocate_checked(f, small_env(nregs));
        // Every division after the first needs the dividend copied back into rax.
        uint32_t into_rax = 0;
        for (const Edit& e : out.edits) into_rax += e.to == Allocation::in_reg(kRax) && e.point.inst >= 1 && e.point.inst < 4;
        EXPECT_GE(into_rax, 3u) << dump(f, &out);
      }
    }
  }
}

// The same with the dividend defined in rax (a call result) and also used by an ordinary
// instruction between the divisions.
TEST(Regalloc, FixedUseAfterFixedDefOfSameRegister) {
  Builder b;
  VReg a = b.vreg(), x = b.vreg(), y = b.vreg();
  b.start(b.declare_block());
  b.entry_live_in(a, kRdi);
  b.entry_live_in(y, kRsi);
  b.inst({Operand::fixed_use(a, kRdi), Operand::fixed_def(x, kRax)}, sysv_call_clobbers());
  VReg prev = y;
  for (int k = 0; k < 4; ++k) {
    VReg q = b.vreg(), r = b.vreg(), t = b.vreg();
    Operand rd = Operand::fixed_def(r, kRdx);
    rd.pos = OperandPos::kEarly;
    b.inst({Operand::fixed_use(x, kRax), Operand::use(prev), Operand::fixed_def(q, kRax), rd});
    b.inst({Operand::use(q), Operand::use(x), Operand::reuse_def(t, 0)});
    prev = t;
  }
  b.ret({Operand::fixed_use(prev, kRax), Operand::use(x)});
  Function f = b.finish();
  SCOPED_TRACE(dump(f));
  Output out = allocate_checked(f, sysv_env());
  if (HasFailure()) {
    auto raw = run(f, sysv_env());
    if (raw.ok()) ADD_FAILURE() << dump(f, &*raw);
  }
}

// A value read in a register by a call that clobbers every register, and used after it: it
// is in a register for the call's read and in its slot across the clobber (split at the
// call's late point, which needs no move), then reloaded. Also for a block param read by the
// block's first instruction.
TEST(Regalloc, RegisterUseAtClobberingInstruction) {
  Builder b;
  VReg a = b.vreg(), fp = b.vreg(), res = b.vreg(), sum = b.vreg(), p = b.vreg(), res2 = b.vreg(), out_v = b.vreg();
  uint32_t b0 = b.declare_block(), b1 = b.declare_block({p});
  b.start(b0);
  b.entry_live_in(a, kRdi);
  b.entry_live_in(fp, kRsi);
  b.inst({Operand::fixed_use(a, kRdi), Operand::use(fp), Operand::fixed_def(res, kRax)}, sysv_call_clobbers());
  b.inst({Operand::use(res), Operand::use(fp), Operand::reuse_def(sum, 0)});
  b.branch({b1}, {sum});
  b.start(b1);
  b.inst({Operand::use(p), Operand::fixed_def(res2, kRax)}, sysv_call_clobbers());
  b.inst({Operand::use(res2), Operand::use(p), Operand::reuse_def(out_v, 0)});
  b.ret({Operand::fixed_use(out_v, kRax), Operand::use(fp)});
  Function f = b.finish();
  MachineEnv env = sysv_env();
  env.non_preferred[0].clear();
  Output out = allocate_checked(f, env);
  EXPECT_GE(out.stats.reloads, 2u);
}

// Two-address add where the input lives on: the input is copied, the checker verifies it.
TEST(Regalloc, ReuseWithLiveInput) {
  Builder b;
  VReg a = b.vreg(), c = b.vreg(), d = b.vreg(), e = b.vreg();
  b.start(b.declare_block());
  b.entry_live_in(a, kRdi);
  b.entry_live_in(c, kRsi);
  b.inst({Operand::use(a), Operand::use(c), Operand::reuse_def(d, 0)});
  b.inst({Operand::use(d), Operand::use(a), Operand::reuse_def(e, 0)});
  b.ret({Operand::fixed_use(e, kRax)});
  Output out = allocate_checked(b.finish(), sysv_env());
  EXPECT_GE(out.stats.moves, 1u);
}

// Block params swapped around a loop back edge: a parallel move with a cycle.
TEST(Regalloc, BlockParamSwapCycle) {
  for (uint32_t nregs : {5u, 14u}) {
    Builder b;
    VReg a0 = b.vreg(), b0v = b.vreg(), c0 = b.vreg(), p = b.vreg(), q = b.vreg(), r = b.vreg(), cond = b.vreg(), out_p = b.vreg();
    uint32_t e = b.declare_block(), head = b.declare_block({p, q, r}), latch = b.declare_block(), exit = b.declare_block({out_p});
    b.start(e);
    b.entry_live_in(a0, kRdi);
    b.entry_live_in(b0v, kRsi);
    b.inst({Operand::def(c0)});
    b.branch({head}, {a0, b0v, c0});
    b.start(head);
    b.inst({Operand::use(p), Operand::use(q), Operand::def(cond)});
    b.branch({latch, exit}, {p}, {Operand::use(cond)});
    b.start(latch);
    b.branch({head}, {q, r, p});  // rotate the three params
    b.start(exit);
    b.ret({Operand::fixed_use(out_p, kRax)});
    allocate_checked(b.finish(), small_env(nregs));
  }
}

TEST(Regalloc, StackConstraints) {
  Builder b;
  VReg a = b.vreg(), s = b.vreg(), c = b.vreg();
  b.start(b.declare_block());
  b.entry_live_in(a, kRdi);
  b.inst({Operand::use(a), Operand::def(s, Constraint::kStack)});
  b.inst({Operand::use(s), Operand::use(a, Constraint::kStack), Operand::def(c)});
  b.ret({Operand::fixed_use(c, kRax), Operand::use(s, Constraint::kStack)});
  Output out = allocate_checked(b.finish(), sysv_env());
  EXPECT_GE(out.num_spill_slots, 2u);
}

TEST(Regalloc, FloatsUseTheirOwnRegisters) {
  Builder b;
  VReg x = b.fvreg(), y = b.fvreg(), z = b.fvreg(), i = b.vreg(), res = b.fvreg();
  b.start(b.declare_block());
  b.entry_live_in(x, xmm(0));
  b.entry_live_in(y, xmm(1));
  b.entry_live_in(i, kRdi);
  b.inst({Operand::use(x), Operand::use(y), Operand::reuse_def(z, 0)});
  b.inst({Operand::fixed_use(i, kRdi), Operand::fixed_def(res, xmm(0))}, sysv_call_clobbers());
  b.ret({Operand::fixed_use(res, xmm(0)), Operand::use(z, Constraint::kAny)});
  Output out = allocate_checked(b.finish(), sysv_env());
  for (uint32_t s = 0; s < out.num_spill_slots; ++s) EXPECT_EQ(out.slot_is_vector[s], 1);
}

// The checker catches: a wrong register, a dropped reload, a value read after a clobber.
TEST(RegallocChecker, RejectsBrokenAllocations) {
  Builder b;
  VReg a = b.vreg(), c = b.vreg(), res = b.vreg(), sum = b.vreg();
  b.start(b.declare_block());
  b.entry_live_in(a, kRdi);
  b.inst({Operand::use(a), Operand::def(c)});
  b.inst({Operand::fixed_use(c, kRdi), Operand::fixed_def(res, kRax)}, sysv_call_clobbers());
  b.inst({Operand::use(res), Operand::use(a), Operand::def(sum)});
  b.ret({Operand::fixed_use(sum, kRax)});
  Function f = b.finish();
  MachineEnv env = sysv_env();
  env.non_preferred[0].clear();  // force a spill around the call
  Output good = allocate_checked(f, env);
  ASSERT_TRUE(check(f, env, good).ok());
  ASSERT_FALSE(good.edits.empty());

  Output dropped = good;
  dropped.edits.clear();
  EXPECT_FALSE(check(f, env, dropped).ok());

  // Operand 1 of inst 2 (a) read from a register the call clobbered and nothing reloaded.
  PReg stale;
  for (PReg r : {kRdi, kRcx, kRdx, kRsi, kR8}) {
    bool written = false;
    for (const Edit& e : good.edits) written |= e.point.inst == 2 && e.to == Allocation::in_reg(r);
    if (!written) {
      stale = r;
      break;
    }
  }
  ASSERT_TRUE(stale.is_valid());
  Output clobbered = good;
  clobbered.allocs[f.insts[2].first_operand + 1] = Allocation::in_reg(stale);
  EXPECT_FALSE(check(f, env, clobbered).ok());

  Output wrong_fixed = good;
  wrong_fixed.allocs[f.insts[3].first_operand] = Allocation::in_reg(kRcx);
  EXPECT_FALSE(check(f, env, wrong_fixed).ok());

  Output bad_slot = good;
  bad_slot.edits.push_back({{3, false}, Allocation::in_slot(99), Allocation::in_reg(kRcx), RegClass::kInt});
  EXPECT_FALSE(check(f, env, bad_slot).ok());

  Output short_allocs = good;
  short_allocs.allocs.pop_back();
  EXPECT_FALSE(check(f, env, short_allocs).ok());
}

TEST(RegallocChecker, RejectsFixedDefOverwritingLiveValue) {
  Builder b;
  VReg a = b.vreg(), d = b.vreg();
  b.start(b.declare_block());
  b.entry_live_in(a, kRdi);
  b.inst({Operand::fixed_def(d, kRax)});
  b.ret({Operand::use(a), Operand::use(d)});
  Function f = b.finish();
  Output out = allocate_checked(f, sysv_env());
  // Pretend `a` was left in rax: the fixed def of d overwrites it.
  Output bad = out;
  bad.edits.insert(bad.edits.begin(), {{0, false}, Allocation::in_reg(kRdi), Allocation::in_reg(kRax), RegClass::kInt});
  bad.allocs[f.insts[1].first_operand] = Allocation::in_reg(kRax);
  EXPECT_FALSE(check(f, sysv_env(), bad).ok());
}

TEST(RegallocErrors, BadInputsAreErrors) {
  // Full validation (what a client asking for checking gets).
  const Options validate{.validate_input = true};
  {
    Builder b;  // use of an undefined vreg
    VReg a = b.vreg();
    b.start(b.declare_block());
    b.ret({Operand::use(a)});
    EXPECT_FALSE(run(b.finish(), sysv_env(), validate).ok());
  }
  {
    Builder b;  // two definitions
    VReg a = b.vreg();
    b.start(b.declare_block());
    b.inst({Operand::def(a)});
    b.inst({Operand::def(a)});
    b.ret();
    EXPECT_FALSE(run(b.finish(), sysv_env(), validate).ok());
    EXPECT_FALSE(run(b.finish(), sysv_env(), Options{.run_checker = true}).ok());  // implies validation
  }
  {
    Builder b;  // two values fixed to rax at once
    VReg a = b.vreg(), c = b.vreg();
    b.start(b.declare_block());
    b.entry_live_in(a, kRdi);
    b.entry_live_in(c, kRsi);
    b.inst({Operand::fixed_use(a, kRax), Operand::fixed_use(c, kRax)});
    b.ret();
    EXPECT_FALSE(run(b.finish(), sysv_env(), validate).ok());
  }
  {
    Builder b;  // critical edge
    VReg a = b.vreg();
    uint32_t b0 = b.declare_block(), b1 = b.declare_block(), b2 = b.declare_block();
    b.start(b0);
    b.entry_live_in(a, kRdi);
    b.branch({b1, b2}, {}, {Operand::use(a)});
    b.start(b1);
    b.branch({b2});
    b.start(b2);
    b.ret();
    EXPECT_FALSE(run(b.finish(), sysv_env(), validate).ok());
  }
  {
    Function f;  // empty
    EXPECT_FALSE(run(f, sysv_env(), validate).ok());
  }
  {
    Builder b;  // operand range out of bounds
    b.start(b.declare_block());
    b.ret();
    Function f = b.finish();
    f.insts[0].num_operands = 5;
    EXPECT_FALSE(run(f, sysv_env(), validate).ok());
  }
}

// Without validate_input the client is trusted, but what keeps run() in bounds is still checked
// (and a few errors are found by the passes themselves).
TEST(RegallocErrors, TrustedClientBoundsAreChecked) {
  {
    Function f;  // empty
    EXPECT_FALSE(run(f, sysv_env()).ok());
  }
  {
    Builder b;  // operand range out of bounds
    b.start(b.declare_block());
    b.ret();
    Function f = b.finish();
    f.insts[0].num_operands = 5;
    EXPECT_FALSE(run(f, sysv_env()).ok());
  }
  {
    Builder b;  // vreg out of range
    VReg a = b.vreg();
    b.start(b.declare_block());
    b.inst({Operand::def(a)});
    b.ret({Operand::use(a)});
    Function f = b.finish();
    f.num_vregs = 0;
    EXPECT_FALSE(run(f, sysv_env()).ok());
  }
  {
    Builder b;  // successor out of range
    b.start(b.declare_block());
    b.ret();
    Function f = b.finish();
    f.blocks[0].succs.push_back(7);
    EXPECT_FALSE(run(f, sysv_env()).ok());
  }
  {
    Builder b;  // blocks not covering the instructions
    b.start(b.declare_block());
    b.inst({});
    b.ret();
    Function f = b.finish();
    f.blocks[0].end_inst = 1;
    EXPECT_FALSE(run(f, sysv_env()).ok());
  }
  {
    Builder b;  // a successor's params without the branch arguments for them
    VReg a = b.vreg(), p = b.vreg();
    uint32_t b0 = b.declare_block(), b1 = b.declare_block({p});
    b.start(b0);
    b.inst({Operand::def(a)});
    b.branch({b1}, {a});
    b.start(b1);
    b.ret({Operand::use(p)});
    Function f = b.finish();
    ASSERT_TRUE(run(f, sysv_env(), Options{.run_checker = true}).ok());
    f.insts[f.blocks[0].end_inst - 1].num_branch_args = 0;
    EXPECT_FALSE(run(f, sysv_env()).ok());
  }
  {
    Builder b;  // reuse of an operand that does not exist
    VReg a = b.vreg(), d = b.vreg();
    b.start(b.declare_block());
    b.entry_live_in(a, kRdi);
    b.inst({Operand::use(a), Operand::reuse_def(d, 0)});
    b.ret({Operand::use(d)});
    Function f = b.finish();
    ASSERT_TRUE(run(f, sysv_env(), Options{.run_checker = true}).ok());
    f.operands[f.insts[0].first_operand + 1].reuse_input = 9;
    EXPECT_FALSE(run(f, sysv_env()).ok());
  }
  {
    Builder b;  // use of an undefined vreg: liveness finds it
    VReg a = b.vreg();
    b.start(b.declare_block());
    b.ret({Operand::use(a)});
    EXPECT_FALSE(run(b.finish(), sysv_env()).ok());
  }
}

// The allocator's arrays are kept across the functions a thread allocates: a function gets the
// same allocation after others (larger, smaller, failing) as on its own.
TEST(RegallocReuse, SameOutputAfterOtherFunctions) {
  auto same = [](const Output& a, const Output& b) {
    if (a.allocs != b.allocs || a.num_spill_slots != b.num_spill_slots || a.slot_is_vector != b.slot_is_vector ||
        a.noop_moves != b.noop_moves || a.used_regs.bits != b.used_regs.bits || a.edits.size() != b.edits.size())
      return false;
    for (size_t k = 0; k < a.edits.size(); ++k) {
      const Edit& x = a.edits[k];
      const Edit& y = b.edits[k];
      if (!(x.point == y.point) || !(x.from == y.from) || !(x.to == y.to) || x.cls != y.cls) return false;
    }
    return true;
  };
  std::vector<GeneratedFunction> funcs;
  std::vector<Output> alone;
  GenConfig small;
  GenConfig large;
  large.min_blocks = large.max_blocks = 80;
  large.max_insts_per_block = 30;
  large.reach = 60;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    SeededChoices src(seed);
    funcs.push_back(generate_function(src, seed % 3 == 0 ? large : small));
  }
  // Each on its own: a fresh thread has a fresh allocator.
  for (const GeneratedFunction& g : funcs) {
    Output out;
    std::thread t([&] {
      auto r = run(g.func, g.env);
      ASSERT_TRUE(r.ok()) << r.error().message();
      out = std::move(r).value();
    });
    t.join();
    alone.push_back(std::move(out));
  }
  // In sequence on one thread, forwards and backwards, interleaved with inputs that fail at
  // different stages (leaving intervals, queued pieces and fixed blocks behind).
  std::vector<Function> bad(3);  // bad[0]: empty
  {
    Builder b;  // two values fixed to rax at once: fails after the intervals are built
    VReg a = b.vreg(), c = b.vreg();
    b.start(b.declare_block());
    b.entry_live_in(a, kRdi);
    b.entry_live_in(c, kRsi);
    b.inst({Operand::fixed_use(a, kRax), Operand::fixed_use(c, kRax)});
    b.ret();
    bad[1] = b.finish();
  }
  {
    Builder b;  // more values fixed at once than registers: fails during the scan
    std::vector<VReg> vs;
    b.start(b.declare_block());
    for (int k = 0; k < 20; ++k) {
      vs.push_back(b.vreg());
      b.inst({Operand::def(vs.back())});
    }
    std::vector<Operand> uses;
    for (VReg v : vs) uses.push_back(Operand::use(v));
    b.inst(uses);
    b.ret();
    bad[2] = b.finish();
  }
  for (const Function& f : bad) EXPECT_FALSE(run(f, sysv_env(), Options{.validate_input = true}).ok());
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t n = 0; n < funcs.size(); ++n) {
      const size_t k = pass == 0 ? n : funcs.size() - 1 - n;
      auto r = run(funcs[k].func, funcs[k].env);
      ASSERT_TRUE(r.ok()) << r.error().message();
      EXPECT_TRUE(same(*r, alone[k])) << "function " << k << ", pass " << pass;
      EXPECT_FALSE(run(bad[k % bad.size()], sysv_env()).ok());
    }
  }
}

}  // namespace
}  // namespace kiln::codegen::regalloc::testing
