// tests/unit/translate/inline_plan_test.cc: the module-wide single-call-site inlining plan
// (codegen/translate/inline_plan.h): which functions are inlined at their only call site,
// which of those are absorbed (compiled as a trapping stub), and that the translator follows
// the plan: the caller's IR holds the callee's code, an absorbed function's IR only traps.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "codegen/ir/printer.h"
#include "codegen/ir/verifier.h"
#include "codegen/translate/inline_plan.h"
#include "codegen/translate/translate.h"
#include "wasm/decoder.h"
#include "wasm/validator.h"
#include "wat/wat.h"

namespace kiln::codegen::translate {
namespace {

std::optional<wasm::Module> module_of(std::string_view wat) {
  auto bytes = wat::parse_module(wat);
  EXPECT_TRUE(bytes) << bytes.error().message();
  if (!bytes) return std::nullopt;
  wasm::Features features;
  auto m = wasm::decode(std::move(*bytes), features);
  EXPECT_TRUE(m);
  if (!m) return std::nullopt;
  auto ok = wasm::validate(*m, features);
  EXPECT_TRUE(ok) << ok.error().to_string();
  return std::move(*m);
}

// A loop-free body of 5n + 2 bytes of code: n additions of a 3-byte constant.
std::string filler(int n) {
  std::string s = "(local.get 0)";
  for (int k = 0; k < n; ++k) s = "(i32.add " + s + " (i32.const 1000000))";
  return s;
}

// Function indices: 0 is the import.
constexpr std::string_view kPlanModule = R"((module
  (import "env" "imp" (func $imp (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $in_table)
  (elem declare func $by_ref_func)
  (global funcref (ref.func $in_global))
  (func $once (param i32) (result i32) (call $imp (local.get 0)))           ;; 1: absorbed
  (func $twice (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))  ;; 2: two sites
  (func $exported (export "e") (param i32) (result i32) (local.get 0))      ;; 3: inlined, kept
  (func $in_table (param i32) (result i32) (local.get 0))                   ;; 4: inlined, kept
  (func $by_ref_func (param i32) (result i32) (local.get 0))                ;; 5: inlined, kept
  (func $in_global (param i32) (result i32) (local.get 0))                  ;; 6: inlined, kept
  (func $looping (param i32) (result i32) (loop $l (br_if $l (local.get 0))) (i32.const 0))  ;; 7
  (func $tail_called (param i32) (result i32) (local.get 0))                ;; 8: return_call site
  (func $chain_top (param i32) (result i32) (call $chain_bottom (local.get 0)))  ;; 9: inlined
  (func $chain_bottom (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))  ;; 10: no
  (func $cycle_a (export "a") (param i32) (result i32) (call $cycle_b (local.get 0)))  ;; 11: no
  (func $cycle_b (param i32) (result i32) (call $cycle_a (local.get 0)))    ;; 12: no
  (func $self (param i32) (result i32) (call $self (local.get 0)))          ;; 13: own caller
  (func $started)                                                          ;; 14: start
  (func $main (export "main") (param i32) (result i32)                     ;; 15
    (call $once (local.get 0))
    (i32.add (call $twice (local.get 0)))
    (i32.add (call $twice (local.get 0)))
    (i32.add (call $exported (local.get 0)))
    (i32.add (call $in_table (local.get 0)))
    (i32.add (call $by_ref_func (local.get 0)))
    (i32.add (call $in_global (local.get 0)))
    (i32.add (call $looping (local.get 0)))
    (i32.add (call $chain_top (local.get 0)))
    (i32.add (call $self (local.get 0)))
    (call $started)
    (return_call $tail_called))
  (start $started)
))";

TEST(InlinePlan, SingleSiteAndAbsorbedFunctions) {
  auto m = module_of(kPlanModule);
  ASSERT_TRUE(m);
  InlinePlan plan = plan_inlining(*m);
  ASSERT_EQ(plan.single_site.size(), 16u);
  struct Expect {
    uint32_t func;
    bool single_site;
    bool absorbed;
  };
  const Expect expects[] = {
      {0, false, false},   // imported
      {1, true, true},     // one site, reached no other way: its own body is a stub
      {2, false, false},   // two call sites
      {3, true, false},    // exported
      {4, true, false},    // in an active element segment
      {5, true, false},    // named by a declarative segment (ref.func)
      {6, true, false},    // ref.func in a global's initializer
      {7, false, false},   // has a loop
      {8, false, false},   // its only site is a return_call
      {9, true, true},     // its callee stays a call: inlining is one level deep
      {10, false, false},  // its caller is inlined itself
      {11, false, false},  // a cycle of single-site functions (each the other's only caller)
      {12, false, false},
      {13, false, false},  // calls only itself
      {14, true, false},   // the start function: one call site, kept for the start
      {15, false, false},  // main: exported, no call site
  };
  for (const Expect& e : expects) {
    EXPECT_EQ(plan.inline_at_site(e.func), e.single_site) << "function " << e.func;
    EXPECT_EQ(plan.is_absorbed(e.func), e.absorbed) << "function " << e.func;
  }
}

// A caller takes its single-site callees smallest first while its code, with theirs, stays
// within kInlineMaxCallerBytes; callees above kInlineMaxSingleSiteBytes are never taken.
TEST(InlinePlan, CallerSizeCap) {
  // Callees of about 300 to 500 bytes, more of them than fit; sizes are measured, not predicted.
  std::string wat = "(module\n";
  const int kCallees = 50;
  for (int k = 0; k < kCallees; ++k) {
    wat += "(func $f" + std::to_string(k) + " (param i32) (result i32) " + filler(60 + k) + ")\n";
  }
  wat += "(func $big (param i32) (result i32) " + filler(400) + ")\n";
  wat += "(func (export \"main\") (param i32) (result i32) (local.get 0)\n";
  for (int k = 0; k < kCallees; ++k) wat += "(call $f" + std::to_string(k) + ") ";
  wat += "(call $big))\n)";
  auto m = module_of(wat);
  ASSERT_TRUE(m);
  const uint32_t big = kCallees, main = kCallees + 1;
  ASSERT_GT(m->bodies[big].code.size, kInlineMaxSingleSiteBytes);
  InlinePlan plan = plan_inlining(*m);
  EXPECT_FALSE(plan.inline_at_site(big));
  uint64_t total = m->bodies[main].code.size;
  uint32_t taken = 0;
  for (uint32_t f = 0; f < kCallees; ++f) {
    ASSERT_LE(m->bodies[f].code.size, kInlineMaxSingleSiteBytes);
    if (plan.inline_at_site(f)) {
      total += m->bodies[f].code.size;
      ++taken;
      // Smallest first: every smaller callee was taken too.
      for (uint32_t g = 0; g < f; ++g) EXPECT_TRUE(plan.inline_at_site(g)) << g << " before " << f;
      EXPECT_TRUE(plan.is_absorbed(f));
    }
  }
  EXPECT_LE(total, kInlineMaxCallerBytes);
  EXPECT_GT(taken, 0u);
  EXPECT_LT(taken, static_cast<uint32_t>(kCallees));
  // The first callee not taken would not have fitted.
  EXPECT_GT(total + m->bodies[taken].code.size, kInlineMaxCallerBytes);
}

// The translator follows the plan: main's IR holds the absorbed callee's code (its call of
// the import, no call of $once), and $once's own IR is a trap.
TEST(InlinePlan, TranslatorInlinesAbsorbedCalleesAndStubsTheirBodies) {
  auto m = module_of(R"((module
    (import "env" "imp" (func $imp (param i32) (result i32)))
    (func $once (param i32) (result i32)
      (i32.mul (call $imp (local.get 0)) (i32.const 12345)))
    (func (export "main") (param i32) (result i32)
      (i32.add (call $once (local.get 0)) (i32.const 1)))
  ))");
  ASSERT_TRUE(m);
  InlinePlan plan = plan_inlining(*m);
  ASSERT_TRUE(plan.is_absorbed(1));
  auto offsets = environ::VMOffsets::for_module(*m);
  ASSERT_TRUE(offsets);
  environ::Tunables tunables;
  ModuleEnv env{*m, *offsets, tunables};
  env.inlining = true;
  env.plan = &plan;

  auto once = translate_function(env, environ::DefinedFuncIndex(0));
  ASSERT_TRUE(once) << once.error().message();
  std::string once_ir = ir::print_function(*once);
  EXPECT_NE(once_ir.find("trap"), std::string::npos) << once_ir;
  EXPECT_EQ(once_ir.find("call"), std::string::npos) << once_ir;
  EXPECT_EQ(once_ir.find("12345"), std::string::npos) << once_ir;

  auto main = translate_function(env, environ::DefinedFuncIndex(1));
  ASSERT_TRUE(main) << main.error().message();
  auto ok = ir::verify_function(*main);
  EXPECT_TRUE(ok) << ok.error().to_string();
  std::string main_ir = ir::print_function(*main);
  EXPECT_NE(main_ir.find("12345"), std::string::npos) << main_ir;
  ASSERT_EQ(main->inline_sites.size(), 1u);
  EXPECT_EQ(main->inline_sites[0].callee, 1u);

  // Without the plan (no inlining), $once is a call and has its own code.
  env.plan = nullptr;
  env.inlining = false;
  auto plain = translate_function(env, environ::DefinedFuncIndex(0));
  ASSERT_TRUE(plain);
  EXPECT_NE(ir::print_function(*plain).find("12345"), std::string::npos);
}

}  // namespace
}  // namespace kiln::codegen::translate
