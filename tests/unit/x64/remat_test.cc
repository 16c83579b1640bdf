// tests/unit/x64/remat_test.cc: rematerialisation of constants through the whole x64 path
// (lowering marks constant instructions, the allocator re-creates them with the checker on,
// the emitter re-emits mov/xor/constant-pool loads), run natively: constants live across calls
// in a loop are not spilled, and the code computes the right results.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>

#include "codegen/ir/parser.h"
#include "codegen/isa/x64/disasm.h"
#include "codegen/isa/x64/emit.h"
#include "codegen/isa/x64/inst.h"
#include "codegen/isa/x64/lower.h"
#include "native_code.h"

namespace kiln::codegen::x64 {
namespace {

struct Compiled {
  regalloc::Output ra;
  mach::CompiledCode code;
};

// Lowers and allocates `text` (the checker on) with or without remat instructions, and emits it.
Compiled compile(const char* text, bool remat) {
  auto f = ir::parse_function(text);
  EXPECT_TRUE(f.ok()) << f.error().to_string();
  if (!f.ok()) return {};
  auto vc = lower(*f, LowerOptions{});
  EXPECT_TRUE(vc.ok()) << vc.error().to_string();
  if (!vc.ok()) return {};
  regalloc::Function rf = vc->to_regalloc();
  size_t marked = 0;
  for (auto& in : rf.insts) {
    marked += in.remat;
    if (!remat) in.remat = false;
  }
  EXPECT_GT(marked, 0u) << "no constant instruction was marked rematerialisable";
  auto ra = regalloc::run(rf, machine_env(), regalloc::Options{.run_checker = true});
  EXPECT_TRUE(ra.ok()) << ra.error().to_string();
  if (!ra.ok()) return {};
  auto cc = emit(*vc, *ra, EmitOptions{});
  EXPECT_TRUE(cc.ok()) << cc.error().to_string();
  if (!cc.ok()) return {};
  return {std::move(*ra), std::move(*cc)};
}

int64_t callee(int64_t /*vmctx*/, int64_t i) { return i * 3 + 1; }

// Values live across the call in the loop (the callee, the bound, the counter and the sum)
// take callee-saved registers. The 64-bit constant, defined in the loop and read before and
// after the call, would need another one (saved and restored by the prologue and epilogue),
// or a slot written and read on every iteration. Rematerialised, it is re-created (movabs)
// after the call in a caller-saved register.
constexpr const char* kIntLoop = R"(function %f(i64 vmctx, i64, i64) -> i64 {
    sig0 = (i64 vmctx, i64) -> i64

block0(v0: i64, v1: i64, v2: i64):
    v4 = iconst.i64 0
    jump block1(v4, v4)

block1(v5: i64, v6: i64):
    v3 = iconst.i64 0x123456789
    v13 = bxor v5, v3
    v7 = call_indirect sig0, v1(v0, v13)
    v8 = iadd v7, v3
    v9 = iadd v6, v8
    v10 = iconst.i64 1
    v11 = iadd v5, v10
    v12 = icmp ult v11, v2
    brif v12, block1(v11, v9), block2

block2:
    return v9
}
)";

TEST(X64Remat, IntConstantAcrossCallsInALoop) {
  Compiled with = compile(kIntLoop, true);
  Compiled without = compile(kIntLoop, false);
  ASSERT_FALSE(with.code.code.empty());
  ASSERT_FALSE(without.code.code.empty());
  const std::string text = disassemble_text(std::span(with.code.code.data(), with.code.code_size));
  EXPECT_EQ(with.ra.stats.remats, 1u) << text;
  // The constant is neither stored nor reloaded (vmctx, read in rdi by every call, is), and it
  // holds no callee-saved register: four are enough.
  EXPECT_LE(with.ra.stats.spills, 1u) << text;
  EXPECT_LE(with.ra.stats.reloads, 1u) << text;
  EXPECT_FALSE(with.ra.used_regs.contains(gpr(reg::kR15))) << text;
  auto count = [&](const char* what) {
    size_t n = 0;
    for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
    return n;
  };
  // Per copy of the loop body (the emitter may duplicate it): the definition before the call
  // and the re-creation after it.
  EXPECT_GE(count("call "), 1u) << text;
  EXPECT_EQ(count("movabs"), 2 * count("call ")) << text;
  // Without remat the constant is stored once or takes a callee-saved register.
  EXPECT_TRUE(without.ra.stats.spills > with.ra.stats.spills ||
              without.ra.used_regs.contains(gpr(reg::kR15)));

  using Fn = int64_t (*)(int64_t, int64_t (*)(int64_t, int64_t), int64_t);
  for (const Compiled* c : {&with, &without}) {
    testing::Native native(c->code);
    ASSERT_TRUE(native.ok());
    for (int64_t n : {1, 2, 7, 100}) {
      int64_t want = 0;
      for (int64_t i = 0; i < n; ++i) want += callee(0, i ^ 0x123456789) + 0x123456789;
      EXPECT_EQ(native.fn<Fn>()(0, callee, n), want) << "n = " << n;
    }
  }
}

double fcallee(int64_t /*vmctx*/, int64_t i) { return static_cast<double>(i) * 0.25; }

// Float constants (a constant-pool load and a zero, xorps) read after a call in a loop: every
// xmm register is clobbered by the call, so they are re-created after it instead of being
// stored before the loop and reloaded from their slots.
constexpr const char* kFloatLoop = R"(function %g(i64 vmctx, i64, i64) -> f64 {
    sig0 = (i64 vmctx, i64) -> f64

block0(v0: i64, v1: i64, v2: i64):
    v3 = f64const 1.5
    v4 = f64const 0.0
    v5 = iconst.i64 0
    jump block1(v5, v4)

block1(v6: i64, v7: f64):
    v8 = call_indirect sig0, v1(v0, v6)
    v9 = fmul v8, v3
    v10 = fadd v7, v9
    v11 = fmax v10, v4
    v12 = iconst.i64 1
    v13 = iadd v6, v12
    v14 = icmp ult v13, v2
    brif v14, block1(v13, v11), block2

block2:
    return v11
}
)";

TEST(X64Remat, FloatConstantsAcrossCallsInALoop) {
  Compiled with = compile(kFloatLoop, true);
  Compiled without = compile(kFloatLoop, false);
  ASSERT_FALSE(with.code.code.empty());
  ASSERT_FALSE(without.code.code.empty());
  EXPECT_GE(with.ra.stats.remats, 2u);
  // Only the running sum (live across the call in an xmm register) goes through a slot.
  EXPECT_LT(with.ra.stats.spills, without.ra.stats.spills);
  EXPECT_LT(with.ra.stats.reloads, without.ra.stats.reloads);
  EXPECT_LT(with.ra.num_spill_slots, without.ra.num_spill_slots);

  using Fn = double (*)(int64_t, double (*)(int64_t, int64_t), int64_t);
  for (const Compiled* c : {&with, &without}) {
    testing::Native native(c->code);
    ASSERT_TRUE(native.ok());
    for (int64_t n : {1, 3, 50}) {
      double want = 0.0;
      for (int64_t i = 0; i < n; ++i) want = std::max(want + fcallee(0, i) * 1.5, 0.0);
      EXPECT_EQ(native.fn<Fn>()(0, fcallee, n), want) << "n = " << n;
    }
  }
}

}  // namespace
}  // namespace kiln::codegen::x64
