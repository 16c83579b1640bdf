// tests/unit/runtime_api/wast_exec_test.cc: .wast scripts executed through the runner and
// wast/exec: every command kind that runs, honest pass/fail/skip counts.
#include <gtest/gtest.h>

#include "wast/runner.h"
#include "wat/wast.h"

namespace kiln::wast {
namespace {

RunReport run(std::string_view text) {
  auto script = wat::parse_wast(text, "test.wast");
  EXPECT_TRUE(script.ok()) << (script.ok() ? "" : script.error().to_string());
  if (!script.ok()) return {};
  return run_script(*script, RunOptions{});
}

std::string failures(const RunReport& r) {
  std::string s;
  for (const Finding& f : r.failures) s += std::to_string(f.loc.line) + ": " + f.command + ": " + f.detail + "\n";
  return s;
}

TEST(WastExec, AssertionsRun) {
  RunReport r = run(R"(
    (module $m
      (global (export "g") i32 (i32.const 42))
      (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
      (func (export "nan") (result f32) f32.const nan:0x600000)
      (func (export "snan") (result f32) f32.const nan:0x200000)
      (func (export "cnan") (result f64) f64.const 0 f64.const 0 f64.div)
      (func (export "div") (param i32) (result i32) i32.const 1 local.get 0 i32.div_s)
      (func $r (export "rec") call $r)
      (func (export "ext") (param externref) (result externref) local.get 0))
    (assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
    (assert_return (get "g") (i32.const 42))
    (assert_return (invoke "nan") (f32.const nan:arithmetic))
    (assert_return (invoke "cnan") (f64.const nan:canonical))
    (assert_return (invoke "snan") (either (f32.const nan:0x200000) (f32.const 1)))
    (assert_return (invoke "ext" (ref.extern 7)) (ref.extern 7))
    (assert_return (invoke "ext" (ref.null extern)) (ref.null extern))
    (assert_trap (invoke "div" (i32.const 0)) "integer divide by zero")
    (assert_exhaustion (invoke "rec") "call stack exhausted")
    (invoke "add" (i32.const 0) (i32.const 0))
    (register "M" $m)
    (module (import "M" "add" (func (param i32 i32) (result i32)))
            (import "spectest" "print_i32" (func (param i32)))
            (import "spectest" "global_i32" (global i32))
            (import "spectest" "memory" (memory 1))
            (import "spectest" "table" (table 10 funcref)))
    (assert_unlinkable (module (import "M" "nope" (func))) "unknown import")
    (assert_unlinkable (module (import "M" "add" (func))) "incompatible import type")
    (assert_uninstantiable (module (func $s unreachable) (start $s)) "unreachable")
    (assert_trap (module (memory 0) (data (i32.const 1) "x")) "out of bounds memory access")
  )");
  EXPECT_EQ(r.counts.failed, 0u) << failures(r);
  EXPECT_EQ(r.counts.skipped, 0u);
  EXPECT_EQ(r.counts.passed, 21u);
}

TEST(WastExec, WrongResultsFail) {
  RunReport r = run(R"(
    (module (func (export "one") (result i32) i32.const 1))
    (assert_return (invoke "one") (i32.const 2))
    (module (func (export "snan") (result f32) f32.const nan:0x200000))
    (assert_return (invoke "snan") (f32.const nan:arithmetic))
    (assert_trap (invoke "one") "unreachable")
    (assert_return (invoke "missing") (i32.const 1))
  )");
  EXPECT_EQ(r.counts.failed, 4u) << failures(r);
  EXPECT_EQ(r.counts.passed, 2u);
}

TEST(WastExec, UnsupportedProposalsAreSkippedNeverPassed) {
  RunReport r = run(R"(
    (module (func (export "v") (result i32) i32.const 1 ref.i31 i31.get_s))
    (assert_return (invoke "v") (i32.const 1))
    (register "V")
    (module (import "V" "v" (func (result i32))))
  )");
  EXPECT_EQ(r.counts.failed, 0u) << failures(r);
  // Both modules validate (passes); instantiating them, the action and register are skips.
  EXPECT_EQ(r.counts.passed, 2u);
  EXPECT_EQ(r.counts.skipped, 4u);
}

}  // namespace
}  // namespace kiln::wast
