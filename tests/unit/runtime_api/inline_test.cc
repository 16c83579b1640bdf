// Inlining (codegen/translate/code_translator.cc, inline_plan.h): small leaf callees of
// direct calls, and functions called from a single place, are translated into their callers
// at -O2. Results must equal those of the same module compiled
// without inlining and at -O0, and a trap in inlined code must still show the callee's frame
// (above its caller's) in the backtrace, also through a serialized artifact.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "compile_wat.h"
#include "runtime/linker.h"
#include "runtime/store.h"

namespace kiln::runtime {
namespace {

using testing::Instantiated;

// Callees exercising every way a body can end and pass values: early `return`, a branch to
// the function's own label (directly and through br_table), multiple results, a callee that
// never returns, zero-initialized locals, memory and global side effects, traps.
constexpr const char* kModule = R"((module
  (memory 1)
  (global $g (mut i32) (i32.const 0))
  (func $early (param i32) (result i32) (local i64)
    (if (i32.eqz (local.get 0)) (then (return (i32.const 7))))
    (drop (br_if 0 (i32.wrap_i64 (i64.add (local.get 1) (i64.const 100))) (i32.gt_s (local.get 0) (i32.const 50))))
    (i32.mul (local.get 0) (i32.const 3)))
  (func $table (param i32) (result i32)
    (block $a (block $b (block $c
      (br_table $a $b $c 0 (local.get 0)))
      (return (i32.const 30)))
     (return (i32.const 20)))
    (i32.const 10))
  (func $swap (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
  (func $never (param i32) (result i32) unreachable)
  (func $ld (param i32) (result i32) (i32.load offset=4 (local.get 0)))
  (func $st (param i32 i32) (i32.store (local.get 0) (local.get 1)) (global.set $g (i32.add (global.get $g) (local.get 1))))
  (func $div (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $trunc (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func $loopy (param i32) (result i32) (local i32)
    (block $done (loop $top
      (br_if $done (i32.eqz (local.get 0)))
      (local.set 1 (i32.add (local.get 1) (i32.load (local.get 0))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 4)))
      (br $top)))
    (local.get 1))
  (func $rec (param i32) (result i32)
    (if (result i32) (i32.le_s (local.get 0) (i32.const 1))
      (then (i32.div_u (i32.const 1) (i32.sub (local.get 0) (i32.const 1))))
      (else (call $rec (i32.sub (local.get 0) (i32.const 1))))))

  (func (export "early") (param i32) (result i32)
    (i32.add (call $early (local.get 0)) (call $early (i32.add (local.get 0) (i32.const 1)))))
  (func (export "table") (param i32) (result i32)
    (i32.add (i32.mul (call $table (local.get 0)) (i32.const 100)) (call $table (i32.const 2))))
  (func (export "swap") (param i32 i32) (result i32)
    (call $swap (local.get 0) (local.get 1))
    (i32.sub))
  (func (export "never") (param i32) (result i32)
    (if (result i32) (local.get 0) (then (call $never (local.get 0))) (else (i32.const 5))))
  (func (export "memory") (param i32 i32) (result i32)
    (call $st (local.get 0) (local.get 1))
    (call $st (i32.add (local.get 0) (i32.const 4)) (i32.mul (local.get 1) (i32.const 2)))
    (i32.add (call $ld (local.get 0)) (global.get $g)))
  (func (export "div") (param i32 i32) (result i32)
    (i32.add (call $div (local.get 0) (local.get 1)) (i32.const 1)))
  (func (export "trunc") (param f64) (result i32)
    (i32.add (call $trunc (local.get 0)) (i32.const 1)))
  (func (export "load") (param i32) (result i32)
    (i32.add (call $ld (local.get 0)) (i32.const 1)))
  (func (export "loopy") (param i32) (result i32) (call $loopy (local.get 0)))
  (func (export "rec") (param i32) (result i32) (call $rec (local.get 0)))
))";

struct Variant {
  const char* name;
  environ::OptLevel level;
  bool inlining;
};
const Variant kVariants[] = {
    {"O2 inlining", environ::OptLevel::kSpeed, true},
    {"O2 no inlining", environ::OptLevel::kSpeed, false},
    {"O0", environ::OptLevel::kNone, true},
};

Config config_of(const Variant& v) {
  Config c;
  c.opt_level = v.level;
  c.inlining = v.inlining;
  c.verify = true;
  return c;
}

// Calls `name`; the results, or {"trap: <message>"}.
std::vector<std::string> outcome(Instance& inst, const char* name, const std::vector<Val>& args) {
  auto f = inst.get_func(name);
  EXPECT_TRUE(f.has_value()) << name;
  if (!f) return {"missing"};
  Trap t;
  auto r = f->call(args, &t);
  if (!r.ok()) return {"trap: " + t.message};
  std::vector<std::string> out;
  for (const Val& v : *r) out.push_back(std::to_string(v.type().kind == wasm::ValKind::kI32 ? v.i32() : -1));
  return out;
}

struct Case {
  const char* name;
  std::vector<Val> args;
};

// Runs the cases in order on one instance of `wat` per variant, expecting every variant's
// outcome to equal the first's (-O2 with inlining); returns how many cases trapped.
size_t run_in_all_variants(const char* wat, const std::vector<Case>& cases) {
  std::vector<std::unique_ptr<Instantiated>> owned;
  for (const Variant& v : kVariants) {
    owned.push_back(std::make_unique<Instantiated>(config_of(v), wat));
    EXPECT_TRUE(owned.back()->ok) << v.name;
    if (!owned.back()->ok) return 0;
  }
  size_t traps = 0;
  for (const Case& c : cases) {
    std::vector<std::string> expected;
    for (size_t k = 0; k < owned.size(); ++k) {
      std::vector<std::string> got = outcome(owned[k]->instance, c.name, c.args);
      if (k == 0) {
        expected = got;
        traps += !got.empty() && got[0].starts_with("trap");
      } else {
        EXPECT_EQ(got, expected) << c.name << " in " << kVariants[k].name;
      }
    }
  }
  return traps;
}

TEST(Inlining, ResultsEqualThoseWithoutInliningAndAtO0) {
  std::vector<Case> cases;
  for (int32_t x : {0, 1, 2, 49, 50, 51, 1000, -5}) cases.push_back({"early", {Val::i32(x)}});
  for (int32_t x : {0, 1, 2, 3, 4, 100, -1}) cases.push_back({"table", {Val::i32(x)}});
  cases.push_back({"swap", {Val::i32(10), Val::i32(3)}});
  cases.push_back({"never", {Val::i32(0)}});
  cases.push_back({"never", {Val::i32(1)}});
  cases.push_back({"memory", {Val::i32(64), Val::i32(5)}});
  cases.push_back({"memory", {Val::i32(65528), Val::i32(5)}});  // the second store is out of bounds
  for (auto [a, b] : std::vector<std::pair<int32_t, int32_t>>{{7, 2}, {-7, 2}, {1, 0}, {INT32_MIN, -1}}) {
    cases.push_back({"div", {Val::i32(a), Val::i32(b)}});
  }
  for (double d : {1.5, -2.5, 1e10, -1e300}) cases.push_back({"trunc", {Val::f64(d)}});
  for (int32_t x : {0, 16, 65532, 65531}) cases.push_back({"load", {Val::i32(x)}});
  cases.push_back({"loopy", {Val::i32(64)}});
  cases.push_back({"rec", {Val::i32(5)}});
  size_t traps = run_in_all_variants(kModule, cases);
  // The cases include traps of every kind the callees have (and non-trapping results).
  EXPECT_GE(traps, 7u);
  EXPECT_LT(traps, cases.size());
}

// Functions called from a single place (codegen/translate/inline_plan.h): inlined there even
// when they are large or call on, and compiled as a trapping stub when nothing else reaches
// them. They run inside a caller's loop, call other functions (defined, imported through a
// table, recursive), return early, return several values and trap; one is also in a table,
// so its own compiled body must work too.
constexpr const char* kSingleSite = R"((module
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) $in_table $leaf)
  (type $t (func (param i32) (result i32)))
  (global $g (mut i32) (i32.const 0))
  (func $leaf (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func $step (param i32 i32) (result i32 i32)
    (local i32)
    (if (i32.eqz (local.get 1)) (then (return (local.get 0) (i32.const -1))))
    (local.set 2 (call $leaf (local.get 1)))
    (block $a (block $b
      (br_table $a $b 1 (i32.and (local.get 1) (i32.const 3))))
      (global.set $g (i32.add (global.get $g) (local.get 2))))
    (i32.store (i32.and (i32.mul (local.get 1) (i32.const 4)) (i32.const 1020)) (local.get 2))
    (i32.add (local.get 0) (local.get 2))
    (i32.load (i32.and (i32.mul (local.get 1) (i32.const 4)) (i32.const 1020))))
  (func $in_table (param i32) (result i32)
    (i32.add (call_indirect (type $t) (local.get 0) (i32.const 1)) (i32.const 7)))
  (func $checked (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func $deep (param i32) (result i32)
    (if (result i32) (i32.le_s (local.get 0) (i32.const 0))
      (then (i32.load (i32.const 65536)))
      (else (call $recurse (i32.sub (local.get 0) (i32.const 1))))))
  (func $recurse (export "recurse") (param i32) (result i32) (call $deep (local.get 0)))
  (func (export "recurse_twice") (param i32) (result i32)
    (i32.add (call $recurse (local.get 0)) (call $recurse (local.get 0))))
  (func (export "loop") (param i32) (result i32)
    (local i32 i32)
    (loop $l
      (call $step (local.get 1) (local.get 0))
      (local.set 2)
      (local.set 1)
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l (i32.gt_s (local.get 0) (i32.const 0))))
    (i32.add (i32.add (local.get 1) (local.get 2)) (global.get $g)))
  (func (export "table") (param i32 i32) (result i32)
    (i32.add (call $in_table (local.get 0))
             (call_indirect (type $t) (local.get 1) (i32.const 0))))
  (func $div (export "div") (param i32 i32) (result i32)
    (i32.add (call $checked (local.get 0) (local.get 1)) (i32.const 1)))
))";

TEST(Inlining, SingleSiteCalleesGiveTheSameResults) {
  std::vector<Case> cases;
  for (int32_t x : {0, 1, 2, 3, 4, 7, 100, 1000}) cases.push_back({"loop", {Val::i32(x)}});
  for (auto [a, b] : std::vector<std::pair<int32_t, int32_t>>{{1, 2}, {-5, 40}, {0, 0}}) {
    cases.push_back({"table", {Val::i32(a), Val::i32(b)}});
  }
  for (auto [a, b] : std::vector<std::pair<int32_t, int32_t>>{{7, 2}, {1, 0}, {INT32_MIN, -1}}) {
    cases.push_back({"div", {Val::i32(a), Val::i32(b)}});
  }
  for (int32_t x : {0, 1, 5}) cases.push_back({"recurse", {Val::i32(x)}});
  cases.push_back({"recurse_twice", {Val::i32(3)}});
  size_t traps = run_in_all_variants(kSingleSite, cases);
  EXPECT_EQ(traps, 6u);  // two divisions, four out-of-bounds loads
}

// The frames of a trap: (function name, inlined) pairs, innermost first.
std::vector<std::pair<std::string, bool>> frames_of(const Trap& t) {
  std::vector<std::pair<std::string, bool>> out;
  for (const FrameInfo& f : t.backtrace) out.push_back({f.func_name.value_or("?"), f.inlined});
  return out;
}

using testing::trap_of;

// Names the functions (the backtrace shows names from the name section).
constexpr const char* kNamed = R"((module
  (memory 1)
  (func $ld (param i32) (result i32) (i32.load (local.get 0)))
  (func $div (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $trunc (param f64) (result i32) (i32.trunc_f64_u (local.get 0)))
  (func $never unreachable)
  (func $spin (param i32) (result i32)
    (loop $l (br_if $l (i32.load (local.get 0))))
    (i32.load (i32.const 70000)))
  (func $caller_ld (export "ld") (param i32) (result i32) (i32.add (call $ld (local.get 0)) (i32.const 1)))
  (func $caller_div (export "div") (param i32 i32) (result i32) (i32.add (call $div (local.get 0) (local.get 1)) (i32.const 1)))
  (func $caller_trunc (export "trunc") (param f64) (result i32) (i32.add (call $trunc (local.get 0)) (i32.const 1)))
  (func $caller_never (export "never") (call $never))
  (func $caller_spin (export "spin") (param i32) (result i32) (call $spin (local.get 0)))
  (func $outer (export "outer") (param i32) (result i32) (call $caller_ld (local.get 0)))
))";

void expect_inlined_trap(Instance& inst, const char* name, const std::vector<Val>& args,
                         const std::vector<std::pair<std::string, bool>>& frames, const char* message) {
  Trap t = trap_of(inst, name, args);
  EXPECT_EQ(t.message, message) << name;
  EXPECT_EQ(frames_of(t), frames) << name << ": " << t.to_string();
  // The inlined frame's text names it as inlined; the caller's frame has its own offset.
  if (!t.backtrace.empty() && t.backtrace[0].inlined) {
    EXPECT_NE(t.to_string().find("(inlined)"), std::string::npos) << t.to_string();
    ASSERT_GE(t.backtrace.size(), 2u);
    EXPECT_GT(t.backtrace[1].func_offset, 0u);
  }
}

void expect_backtraces(Instance& inst, bool inlined) {
  using F = std::vector<std::pair<std::string, bool>>;
  expect_inlined_trap(inst, "ld", {Val::i32(65535)}, F{{"ld", inlined}, {"caller_ld", false}},
                      "out of bounds memory access");
  expect_inlined_trap(inst, "div", {Val::i32(1), Val::i32(0)}, F{{"div", inlined}, {"caller_div", false}},
                      "integer divide by zero");
  expect_inlined_trap(inst, "div", {Val::i32(INT32_MIN), Val::i32(-1)},
                      F{{"div", inlined}, {"caller_div", false}}, "integer overflow");
  expect_inlined_trap(inst, "trunc", {Val::f64(-1.0)}, F{{"trunc", inlined}, {"caller_trunc", false}},
                      "integer overflow");
  expect_inlined_trap(inst, "trunc", {Val::f64(std::numeric_limits<double>::quiet_NaN())}, F{{"trunc", inlined}, {"caller_trunc", false}},
                      "invalid conversion to integer");
  expect_inlined_trap(inst, "never", {}, F{{"never", inlined}, {"caller_never", false}}, "unreachable");
  // Two levels of calls: outer is caller_ld's only call site, so caller_ld is inlined there,
  // and its call of ld stays a call (inlining is one level deep). The return address of
  // that call names the inlined caller_ld frame.
  expect_inlined_trap(inst, "outer", {Val::i32(65535)},
                      F{{"ld", false}, {"caller_ld", inlined}, {"outer", false}}, "out of bounds memory access");
  // A callee with a loop is not inlined: its own frame, with an offset.
  expect_inlined_trap(inst, "spin", {Val::i32(0)}, F{{"spin", false}, {"caller_spin", false}},
                      "out of bounds memory access");
}

TEST(Inlining, TrapsInInlinedCodeShowTheCalleeFrame) {
  Config c;
  c.verify = true;
  Instantiated run(c, kNamed);
  ASSERT_TRUE(run.ok);
  expect_backtraces(run.instance, true);
}

// A trap in code inlined at its single call site shows the callee's frame, also when that
// callee is absorbed (its own body is a stub) and when the calls recurse through it.
TEST(Inlining, SingleSiteTrapsShowTheCalleeFrame) {
  for (bool inlining : {true, false}) {
    Config c;
    c.verify = true;
    c.inlining = inlining;
    Instantiated run(c, kSingleSite);
    ASSERT_TRUE(run.ok);
    using F = std::vector<std::pair<std::string, bool>>;
    expect_inlined_trap(run.instance, "div", {Val::i32(1), Val::i32(0)},
                        F{{"checked", inlining}, {"div", false}}, "integer divide by zero");
    expect_inlined_trap(run.instance, "recurse", {Val::i32(1)},
                        F{{"deep", inlining}, {"recurse", false}, {"deep", inlining}, {"recurse", false}},
                        "out of bounds memory access");
  }
}

TEST(Inlining, BacktracesWithoutInliningAreUnchanged) {
  Config c;
  c.inlining = false;
  Instantiated run(c, kNamed);
  ASSERT_TRUE(run.ok);
  expect_backtraces(run.instance, false);
}

TEST(Inlining, InlinedFramesSurviveSerialization) {
  Config c;
  Engine engine(c);
  Module m = testing::compile(engine, kNamed);
  auto bytes = m.serialize();
  ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
  auto loaded = Module::deserialize(engine, *bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  Store store(engine);
  auto inst = Linker().instantiate(store, *loaded);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  expect_backtraces(*inst, true);
}

// Fuel metering keeps every call (where a guest runs out of fuel stays where it was), and the
// fuel consumed is that of the uninlined code.
TEST(Inlining, FuelMeteredCodeIsNotInlined) {
  Config c;
  c.consume_fuel(true);
  Instantiated run(c, kNamed);
  ASSERT_TRUE(run.ok);
  ASSERT_TRUE(run.store.set_fuel(1'000'000).ok());
  Trap t = trap_of(run.instance, "ld", {Val::i32(65535)});
  ASSERT_GE(t.backtrace.size(), 2u) << t.to_string();
  EXPECT_FALSE(t.backtrace[0].inlined);
  EXPECT_EQ(t.backtrace[0].func_name.value_or(""), "ld");
}

}  // namespace
}  // namespace kiln::runtime
