// tests/unit/runtime_api/limits_slow_path_test.cc: the slow paths of fuel and epoch checks,
// which call the preserve-all builtin stubs (runtime/vm/sys/linux/preserve_all_stubs.cc):
// values live in caller-saved registers across a check that takes the slow path and returns
// survive it (integer and float), and a trap raised from behind the stub reports the right
// code and a Wasm backtrace that starts in the function that ran out. At -O0 and -O2.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compile_wat.h"
#include "runtime/linker.h"
#include "runtime/module.h"
#include "runtime/store.h"
#include "wat/wat.h"

namespace kiln::runtime {
namespace {

using testing::trap_of;

// Many accumulators, all live across the loop header's check: more than the callee-saved
// registers, so most sit in caller-saved GPRs and XMMs. Results depend on every one of them.
constexpr std::string_view kPressure = R"((module
  (func $mix (export "mix") (param $n i32) (result i64)
    (local $a i64) (local $b i64) (local $c i64) (local $d i64) (local $e i64)
    (local $f i64) (local $g i64) (local $h i64) (local $i i64) (local $j i64)
    (local $x f64) (local $y f64) (local $z f64) (local $w f64)
    (local $p f64) (local $q f64) (local $r f64) (local $s f64)
    (local.set $a (i64.const 1)) (local.set $b (i64.const 2)) (local.set $c (i64.const 3))
    (local.set $d (i64.const 4)) (local.set $e (i64.const 5)) (local.set $f (i64.const 6))
    (local.set $g (i64.const 7)) (local.set $h (i64.const 8)) (local.set $i (i64.const 9))
    (local.set $j (i64.const 10))
    (local.set $x (f64.const 0.5)) (local.set $y (f64.const 1.25)) (local.set $z (f64.const 2.75))
    (local.set $w (f64.const 3.5)) (local.set $p (f64.const 4.125)) (local.set $q (f64.const 5.5))
    (local.set $r (f64.const 6.25)) (local.set $s (f64.const 7.75))
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (local.set $a (i64.add (local.get $a) (local.get $b)))
        (local.set $b (i64.xor (local.get $b) (i64.rotl (local.get $c) (i64.const 7))))
        (local.set $c (i64.add (local.get $c) (local.get $d)))
        (local.set $d (i64.mul (local.get $d) (i64.const 0x9E3779B97F4A7C15)))
        (local.set $e (i64.sub (local.get $e) (local.get $f)))
        (local.set $f (i64.add (local.get $f) (i64.shr_u (local.get $g) (i64.const 3))))
        (local.set $g (i64.xor (local.get $g) (local.get $h)))
        (local.set $h (i64.add (local.get $h) (local.get $i)))
        (local.set $i (i64.rotr (local.get $i) (i64.const 11)))
        (local.set $j (i64.add (local.get $j) (local.get $a)))
        (local.set $x (f64.add (local.get $x) (local.get $y)))
        (local.set $y (f64.mul (local.get $y) (f64.const 0.999)))
        (local.set $z (f64.sub (local.get $z) (local.get $w)))
        (local.set $w (f64.add (local.get $w) (f64.const 0.0625)))
        (local.set $p (f64.add (local.get $p) (local.get $q)))
        (local.set $q (f64.mul (local.get $q) (f64.const 1.001)))
        (local.set $r (f64.sub (local.get $r) (local.get $s)))
        (local.set $s (f64.add (local.get $s) (f64.const 0.25)))
        (br $top)))
    (i64.add
      (i64.xor (i64.xor (i64.xor (local.get $a) (local.get $b)) (i64.xor (local.get $c) (local.get $d)))
               (i64.xor (i64.xor (local.get $e) (local.get $f)) (i64.xor (local.get $g) (local.get $h))))
      (i64.add
        (i64.xor (local.get $i) (local.get $j))
        (i64.reinterpret_f64
          (f64.add (f64.add (f64.add (local.get $x) (local.get $y)) (f64.add (local.get $z) (local.get $w)))
                   (f64.add (f64.add (local.get $p) (local.get $q)) (f64.add (local.get $r) (local.get $s))))))))
  (func $spin (param i32) (result i32)
    (loop $l (local.set 0 (i32.add (local.get 0) (i32.const 1))) (br $l))
    (local.get 0))
  (func $middle (param i32) (result i32) (i32.add (call $spin (local.get 0)) (i32.const 1)))
  (func (export "outer") (param i32) (result i32) (i32.add (call $middle (local.get 0)) (i32.const 2)))
  (func (export "answer") (result i32) i32.const 42)))";

// Function indices in kPressure.
constexpr uint32_t kSpin = 1;
constexpr uint32_t kMiddle = 2;
constexpr uint32_t kOuter = 3;

class LimitsSlowPathTest : public ::testing::TestWithParam<environ::OptLevel> {
 protected:
  Engine make_engine(bool fuel, bool epochs) {
    Config c;
    c.opt_level = GetParam();
    c.consume_fuel(fuel).epoch_interruption(epochs);
    return Engine(c);
  }
  static Instance instantiate(Store& store, const Engine& engine) {
    auto bytes = wat::parse_module(kPressure);
    EXPECT_TRUE(bytes.ok()) << (bytes.ok() ? "" : bytes.error().to_string());
    auto m = Module::from_binary(engine, bytes.ok() ? *bytes : std::vector<uint8_t>{});
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().to_string());
    Linker linker;
    auto inst = linker.instantiate(store, m.ok() ? *m : Module());
    EXPECT_TRUE(inst.ok()) << (inst.ok() ? "" : inst.error().to_string());
    return inst.ok() ? *inst : Instance();
  }
  static std::optional<int64_t> mix(const Instance& inst, int32_t n) {
    auto f = inst.get_func("mix");
    EXPECT_TRUE(f.has_value());
    if (!f) return std::nullopt;
    std::vector<Val> args{Val::i32(n)};
    auto r = f->call(args);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    if (!r.ok() || r->size() != 1) return std::nullopt;
    return (*r)[0].i64();
  }
  static void expect_backtrace_from_spin(const Trap& t) {
    ASSERT_GE(t.backtrace.size(), 3u) << t.to_string();
    EXPECT_EQ(t.backtrace[0].func_index, kSpin) << t.to_string();
    EXPECT_EQ(t.backtrace[1].func_index, kMiddle) << t.to_string();
    EXPECT_EQ(t.backtrace[2].func_index, kOuter) << t.to_string();
    EXPECT_GT(t.backtrace[0].func_offset, 0u) << t.to_string();
  }
};

// The reference result, from an engine without checks.
int64_t reference_mix(environ::OptLevel opt, int32_t n) {
  Config c;
  c.opt_level = opt;
  Engine engine(c);
  Store store(engine);
  auto bytes = wat::parse_module(kPressure);
  EXPECT_TRUE(bytes.ok());
  auto m = Module::from_binary(engine, bytes.ok() ? *bytes : std::vector<uint8_t>{});
  EXPECT_TRUE(m.ok());
  Linker linker;
  auto inst = linker.instantiate(store, m.ok() ? *m : Module());
  EXPECT_TRUE(inst.ok());
  if (!inst.ok()) return 0;
  std::vector<Val> args{Val::i32(n)};
  auto r = inst->get_func("mix")->call(args);
  EXPECT_TRUE(r.ok());
  return r.ok() ? (*r)[0].i64() : 0;
}

TEST_P(LimitsSlowPathTest, EpochSlowPathOnEveryCheckPreservesRegisters) {
  Engine engine = make_engine(false, true);
  Store store(engine);
  Instance inst = instantiate(store, engine);
  // A deadline of "now" on every callback: every check takes the slow path, whose builtin
  // calls the host and returns to the loop.
  uint64_t calls = 0;
  store.epoch_deadline_callback([&](Store&) -> std::optional<uint64_t> {
    ++calls;
    return 0;
  });
  store.set_epoch_deadline(0);
  constexpr int32_t kIterations = 1000;
  std::optional<int64_t> got = mix(inst, kIterations);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, reference_mix(GetParam(), kIterations));
  // Function entry plus one per loop header visit at least.
  EXPECT_GT(calls, static_cast<uint64_t>(kIterations));
  EXPECT_NE(*got, reference_mix(GetParam(), kIterations - 1));
}

TEST_P(LimitsSlowPathTest, FuelLoopResultsMatchWithoutFuel) {
  Engine engine = make_engine(true, false);
  Store store(engine);
  Instance inst = instantiate(store, engine);
  ASSERT_TRUE(store.set_fuel(UINT64_MAX).ok());
  std::optional<int64_t> got = mix(inst, 5000);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, reference_mix(GetParam(), 5000));
}

TEST_P(LimitsSlowPathTest, OutOfFuelTrapHasWasmBacktrace) {
  Engine engine = make_engine(true, false);
  Store store(engine);
  Instance inst = instantiate(store, engine);
  ASSERT_TRUE(store.set_fuel(10000).ok());
  Trap t = trap_of(inst, "outer", {Val::i32(0)});
  EXPECT_EQ(t.code, std::optional(environ::TrapCode::kOutOfFuel));
  EXPECT_EQ(t.message, "all fuel consumed");
  expect_backtrace_from_spin(t);
  // The store is healthy afterwards.
  ASSERT_TRUE(store.set_fuel(1000).ok());
  auto r = inst.get_func("answer")->call(std::vector<Val>{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].i32(), 42);
}

TEST_P(LimitsSlowPathTest, EpochTrapFromTheCallbackHasWasmBacktrace) {
  Engine engine = make_engine(false, true);
  Store store(engine);
  Instance inst = instantiate(store, engine);
  // Continue at function entries (calls 1-3: outer, middle, spin) and a few loop iterations,
  // then trap inside $spin's loop.
  int calls = 0;
  store.epoch_deadline_callback([&](Store&) -> std::optional<uint64_t> {
    if (++calls == 10) return std::nullopt;
    return 0;
  });
  store.set_epoch_deadline(0);
  Trap t = trap_of(inst, "outer", {Val::i32(0)});
  EXPECT_EQ(t.code, std::optional(environ::TrapCode::kInterrupt));
  EXPECT_EQ(calls, 10);
  expect_backtrace_from_spin(t);
  store.epoch_deadline_trap();
  store.set_epoch_deadline(5);
  auto r = inst.get_func("answer")->call(std::vector<Val>{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].i32(), 42);
}

INSTANTIATE_TEST_SUITE_P(OptLevels, LimitsSlowPathTest,
                         ::testing::Values(environ::OptLevel::kNone, environ::OptLevel::kSpeed),
                         [](const auto& info) { return info.param == environ::OptLevel::kNone ? "O0" : "O2"; });

}  // namespace
}  // namespace kiln::runtime
