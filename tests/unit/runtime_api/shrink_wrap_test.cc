// tests/unit/runtime_api/shrink_wrap_test.cc: the x64 emitter sets up a function's frame only
// where a path needs it (isa/x64/emit.cc, "Shrink-wrapping"): an early exit that makes no
// call, has no trap site and uses no stack runs before the frame exists and returns with a
// bare `ret`, and a function whose every block is like that has no frame at all (the mid-end
// first gives such an exit its own copy of the shared return block, opt/tail_dup.cc). The
// framed paths must behave exactly as before: recursion computes the right values, traps on
// them report their code and a complete backtrace (the frame-pointer walk passes through
// frames entered by the frameless entry), unbounded recursion still stops with StackOverflow
// at the configured limit, and fuel and epoch checks (which keep the frame) still work. Each
// runs at -O0 and -O2, with and without fuel and epochs.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compile_wat.h"
#include "runtime/linker.h"
#include "runtime/store.h"

namespace kiln::runtime {
namespace {

using testing::trap_of;

struct Mode {
  environ::OptLevel opt;
  bool fuel;
  bool epochs;
};

std::string mode_name(const ::testing::TestParamInfo<Mode>& info) {
  std::string s = info.param.opt == environ::OptLevel::kNone ? "O0" : "O2";
  if (info.param.fuel) s += "_fuel";
  if (info.param.epochs) s += "_epochs";
  return s;
}

// $fib is bench/kernels/fib.c's recursion; $g traps int_divz for k == 5, called only on the
// framed path of $f; $deep recurses without bound unless its argument is 0; $mix has no call
// and no memory access at all (no frame); $load reads memory only on its framed path.
constexpr const char* kModule = R"((module
  (memory 1)
  (func $fib (export "fib") (param $k i32) (result i32)
    (local $acc i32)
    (if (i32.lt_u (local.get $k) (i32.const 2)) (then (return (local.get $k))))
    (loop $again
      (local.set $acc (i32.add (local.get $acc)
        (call $fib (i32.sub (local.get $k) (i32.const 1)))))
      (local.set $k (i32.sub (local.get $k) (i32.const 2)))
      (br_if $again (i32.gt_u (local.get $k) (i32.const 1))))
    (i32.add (local.get $k) (local.get $acc)))
  (func $g (param $k i32) (result i32)
    (i32.div_u (i32.const 100) (i32.sub (local.get $k) (i32.const 5))))
  (func $f (export "f") (param $k i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $k) (i32.const 2))
      (then (local.get $k))
      (else (i32.add (call $f (i32.sub (local.get $k) (i32.const 1))) (call $g (local.get $k))))))
  (func $deep (export "deep") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (call $deep (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))))
  (func $down (export "down") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (call $down (i32.sub (local.get $n) (i32.const 1))) (i32.const 1)))))
  (func $mix (export "mix") (param $a i32) (param $b i32) (result i32)
    (select (i32.rotl (local.get $a) (local.get $b)) (i32.mul (local.get $b) (i32.const 3))
            (i32.lt_s (local.get $a) (local.get $b))))
  (func $load (export "load") (param $p i32) (result i32)
    (if (result i32) (i32.eqz (local.get $p))
      (then (i32.const -1))
      (else (i32.load (local.get $p)))))
))";

uint32_t fib_ref(uint32_t k) { return k < 2 ? k : fib_ref(k - 1) + fib_ref(k - 2); }

class ShrinkWrapTest : public ::testing::TestWithParam<Mode> {
 protected:
  // The test module compiled for this mode and instantiated alone, with fuel and an epoch
  // deadline far enough away not to end any call.
  std::unique_ptr<testing::Instantiated> program(uint64_t max_wasm_stack = 0) const {
    Config c;
    c.opt_level = GetParam().opt;
    c.consume_fuel(GetParam().fuel).epoch_interruption(GetParam().epochs);
    if (max_wasm_stack != 0) c.max_wasm_stack(max_wasm_stack);
    auto p = std::make_unique<testing::Instantiated>(c, kModule);
    if (GetParam().fuel) EXPECT_TRUE(p->store.set_fuel(1ull << 40).ok());
    p->store.set_epoch_deadline(1ull << 40);
    return p;
  }
  // Calls `name`; returns the trap (failing the test if the call returned).
};

TEST_P(ShrinkWrapTest, FibMatchesTheReference) {
  auto p = program();
  ASSERT_TRUE(p->ok);
  Instance& inst = p->instance;
  for (uint32_t k = 0; k <= 24; ++k) {
    Val v = testing::call_first(inst, "fib", {Val::i32(static_cast<int32_t>(k))});
    EXPECT_EQ(static_cast<uint32_t>(v.i32()), fib_ref(k)) << "fib(" << k << ")";
  }
}

TEST_P(ShrinkWrapTest, FramelessFunctionsComputeTheirResults) {
  auto p = program();
  ASSERT_TRUE(p->ok);
  Instance& inst = p->instance;
  const int32_t vals[] = {0, 1, -1, 7, 31, 32, 33, INT32_MIN, INT32_MAX, 123456789};
  for (int32_t a : vals) {
    for (int32_t b : vals) {
      uint32_t ua = static_cast<uint32_t>(a), ub = static_cast<uint32_t>(b);
      uint32_t rot = (ua << (ub & 31)) | (ua >> ((32 - (ub & 31)) & 31));
      uint32_t want = a < b ? rot : ub * 3u;
      Val v = testing::call_first(inst, "mix", {Val::i32(a), Val::i32(b)});
      EXPECT_EQ(static_cast<uint32_t>(v.i32()), want) << "mix(" << a << ", " << b << ")";
    }
  }
  EXPECT_EQ(testing::call_first(inst, "load", {Val::i32(0)}).i32(), -1);
  EXPECT_EQ(testing::call_first(inst, "load", {Val::i32(8)}).i32(), 0);
}

TEST_P(ShrinkWrapTest, TrapOnTheFramedPathHasItsCodeAndBacktrace) {
  auto p = program();
  ASSERT_TRUE(p->ok);
  Instance& inst = p->instance;
  // f(4) = f(3) + g(4) = ... never reaches g(5): 100 / (k - 5) wraps for k < 5.
  EXPECT_EQ(testing::call_first(inst, "f", {Val::i32(4)}).i32(),
            static_cast<int32_t>(1u + 100u / (2u - 5u) + 100u / (3u - 5u) + 100u / (4u - 5u)));
  // f(7) -> f(6) -> f(5), whose f(4) returns (through frameless leaves), then g(5) divides by
  // zero: the backtrace is g, f, f, f.
  Trap t = trap_of(inst, "f", {Val::i32(7)});
  ASSERT_TRUE(t.code.has_value()) << t.message;
  EXPECT_EQ(*t.code, environ::TrapCode::kIntegerDivisionByZero);
  ASSERT_EQ(t.backtrace.size(), 4u) << t.to_string();
  EXPECT_EQ(t.backtrace[0].func_index, 1u) << t.to_string();
  for (size_t k = 1; k < 4; ++k) EXPECT_EQ(t.backtrace[k].func_index, 2u) << t.to_string();
  // An out-of-bounds load on the framed path of a function whose other path has no frame.
  Trap oob = trap_of(inst, "load", {Val::i32(65536)});
  ASSERT_TRUE(oob.code.has_value()) << oob.message;
  EXPECT_EQ(*oob.code, environ::TrapCode::kHeapOutOfBounds);
  ASSERT_EQ(oob.backtrace.size(), 1u) << oob.to_string();
  EXPECT_EQ(oob.backtrace[0].func_index, 6u);
  // The store still works, frameless paths included.
  EXPECT_EQ(testing::call_first(inst, "f", {Val::i32(1)}).i32(), 1);
  EXPECT_EQ(testing::call_first(inst, "fib", {Val::i32(10)}).i32(), 55);
}

TEST_P(ShrinkWrapTest, UnboundedRecursionStopsAtTheStackLimit) {
  constexpr uint64_t kStack = 256 * 1024;
  auto p = program(kStack);
  ASSERT_TRUE(p->ok);
  Instance& inst = p->instance;
  // Bounded recursion within the limit returns (its innermost call takes the frameless exit).
  EXPECT_EQ(testing::call_first(inst, "down", {Val::i32(1000)}).i32(), 1000);
  for (int round = 0; round < 3; ++round) {
    Trap t = trap_of(inst, "deep", {Val::i32(1)});
    ASSERT_TRUE(t.code.has_value()) << t.message;
    EXPECT_EQ(*t.code, environ::TrapCode::kStackOverflow) << "round " << round;
    ASSERT_FALSE(t.backtrace.empty());
    EXPECT_EQ(t.backtrace[0].func_index, 3u);
    // The store is healthy afterwards: the frameless exit and a deep-but-bounded recursion.
    EXPECT_EQ(testing::call_first(inst, "deep", {Val::i32(0)}).i32(), 0);
    EXPECT_EQ(testing::call_first(inst, "down", {Val::i32(1000)}).i32(), 1000);
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, ShrinkWrapTest,
                         ::testing::Values(Mode{environ::OptLevel::kNone, false, false},
                                           Mode{environ::OptLevel::kSpeed, false, false},
                                           Mode{environ::OptLevel::kSpeed, true, false},
                                           Mode{environ::OptLevel::kSpeed, false, true},
                                           Mode{environ::OptLevel::kSpeed, true, true}),
                         mode_name);

}  // namespace
}  // namespace kiln::runtime
