// tests/unit/runtime_api/limits_test.cc: execution limits through the embedding API and
// `kiln run -W`: fuel (exact for straight-line code, bounded for loops, across instances),
// epoch interruption (from another thread, with a deadline callback, at function entries),
// the resource limiter (memory.grow / table.grow loops, creation limits, trap on refusal),
// the Wasm stack limit, and a healthy store after every trap. Each runs at -O0 and -O2: the
// optimizer must not hoist or merge the epoch load or the fuel counter.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "epoch_ticker.h"
#include "kiln_cli.h"
#include "runtime/linker.h"
#include "runtime/module.h"
#include "runtime/store.h"
#include "wat/wat.h"

namespace kiln::runtime {
namespace {

using namespace std::chrono_literals;

constexpr uint64_t kPage = 65536;

struct LimitsConfig {
  bool fuel = false;
  bool epochs = false;
  uint64_t max_wasm_stack = 0;  // 0: the default
};

class LimitsTest : public ::testing::TestWithParam<environ::OptLevel> {
 protected:
  Engine make_engine(LimitsConfig lc) {
    Config c;
    c.opt_level = GetParam();
    c.consume_fuel(lc.fuel).epoch_interruption(lc.epochs);
    if (lc.max_wasm_stack != 0) c.max_wasm_stack(lc.max_wasm_stack);
    return Engine(c);
  }
  static Module compile(const Engine& engine, std::string_view text) {
    auto bytes = wat::parse_module(text);
    EXPECT_TRUE(bytes.ok()) << (bytes.ok() ? "" : bytes.error().to_string());
    auto m = Module::from_binary(engine, bytes.ok() ? *bytes : std::vector<uint8_t>{});
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().to_string());
    return m.ok() ? *m : Module();
  }
  static Instance instantiate(Store& store, const Module& m, Linker* linker = nullptr) {
    Linker empty;
    auto inst = (linker ? linker : &empty)->instantiate(store, m);
    EXPECT_TRUE(inst.ok()) << (inst.ok() ? "" : inst.error().to_string());
    return inst.ok() ? *inst : Instance();
  }
  static std::vector<Val> call(const Instance& inst, std::string_view name, std::vector<Val> args = {}) {
    auto f = inst.get_func(name);
    EXPECT_TRUE(f.has_value()) << name;
    if (!f) return {};
    auto r = f->call(args);
    EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().to_string());
    return r.ok() ? *r : std::vector<Val>{};
  }
  static Trap trap_of(const Instance& inst, std::string_view name, std::vector<Val> args = {}) {
    auto f = inst.get_func(name);
    EXPECT_TRUE(f.has_value()) << name;
    Trap t;
    if (!f) return t;
    auto r = f->call(args, &t);
    EXPECT_FALSE(r.ok()) << name << " returned normally";
    if (!r.ok()) {
      EXPECT_EQ(r.error().message(), t.message);
    }
    return t;
  }
  static uint64_t fuel(const Store& store) {
    auto f = store.get_fuel();
    EXPECT_TRUE(f.ok());
    return f.ok() ? *f : 0;
  }
};

// ---- Fuel ---------------------------------------------------------------------------------------

constexpr std::string_view kStraightLine = R"((module
  (func $seven (result i32) i32.const 7)
  ;; i32.const, i32.const, i32.add: 3
  (func (export "add") (result i32) i32.const 1 i32.const 2 i32.add)
  ;; nop 0, local.get 1, drop 0, local.get 1, i32.const 1, i32.mul 1: 4
  (func (export "free_ops") (param i32) (result i32)
    nop local.get 0 drop local.get 0 i32.const 5 i32.mul)
  ;; local.get 1, if 1, i32.const 1 (either arm), else/end 0: 3
  (func (export "branchy") (param i32) (result i32)
    (if (result i32) (local.get 0) (then (i32.const 10)) (else (i32.const 20))))
  ;; block 0, i32.const 1, i32.const 1, br_if 1 (taken): 3
  (func (export "early") (result i32)
    (block (result i32) (i32.const 3) (i32.const 1) (br_if 0) (drop) (i32.const 4)))
  ;; call 1 + $seven's i32.const 1, then i32.const 1, i32.add 1: 4
  (func (export "calls") (result i32) call $seven i32.const 1 i32.add)
  ;; return is free: i32.const 1
  (func (export "ret") (result i32) i32.const 9 return)
))";

TEST_P(LimitsTest, FuelIsExactForStraightLineCode) {
  Engine engine = make_engine({.fuel = true});
  Store store(engine);
  Module m = compile(engine, kStraightLine);
  ASSERT_TRUE(store.set_fuel(1000).ok());
  Instance inst = instantiate(store, m);
  struct Case {
    const char* name;
    std::vector<Val> args;
    int32_t result;
    uint64_t cost;
  } cases[] = {
      {"add", {}, 3, 3},
      {"free_ops", {Val::i32(6)}, 30, 4},
      {"branchy", {Val::i32(1)}, 10, 3},
      {"branchy", {Val::i32(0)}, 20, 3},
      {"early", {}, 3, 3},
      {"calls", {}, 8, 4},
      {"ret", {}, 9, 1},
  };
  uint64_t left = fuel(store);
  EXPECT_EQ(left, 1000u);
  for (const Case& c : cases) {
    auto r = call(inst, c.name, c.args);
    ASSERT_EQ(r.size(), 1u) << c.name;
    EXPECT_EQ(r[0].i32(), c.result) << c.name;
    uint64_t now = fuel(store);
    EXPECT_EQ(left - now, c.cost) << c.name;
    left = now;
  }
}

TEST_P(LimitsTest, FuelApiNeedsConsumeFuel) {
  Engine engine = make_engine({});
  Store store(engine);
  auto s = store.set_fuel(10);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("fuel is not configured"), std::string::npos);
  EXPECT_FALSE(store.get_fuel().ok());
}

constexpr std::string_view kLoops = R"((module
  (import "host" "tick" (func $tick))
  ;; Per iteration: local.get, i32.const, i32.add, local.set, local.get, local.get,
  ;; i32.lt_u, br_if = 8; then local.get = 1.
  (func (export "count") (param $n i32) (result i32) (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i))
  (func (export "spin") (loop $l (br $l)))
  ;; call 1 + br 1 per iteration, plus the host's work (free)
  (func (export "spin_calling") (loop $l (call $tick) (br $l)))
  (func (export "answer") (result i32) i32.const 42)
))";

TEST_P(LimitsTest, FuelCountsLoopsAndStopsInfiniteLoops) {
  Engine engine = make_engine({.fuel = true});
  Store store(engine);
  Linker linker;
  uint64_t ticks = 0;
  ASSERT_TRUE(linker.func_wrap(store, "host", "tick", [&] { ++ticks; }).ok());
  Module m = compile(engine, kLoops);
  ASSERT_TRUE(store.set_fuel(1'000'000).ok());
  Instance inst = instantiate(store, m, &linker);

  auto r = call(inst, "count", {Val::i32(1000)});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].i32(), 1000);
  EXPECT_EQ(1'000'000 - fuel(store), 8u * 1000 + 1);

  // An infinite loop stops with the budget spent, and the store works afterwards.
  ASSERT_TRUE(store.set_fuel(100'000).ok());
  EXPECT_EQ(trap_of(inst, "spin").message, "all fuel consumed");
  EXPECT_EQ(fuel(store), 0u);
  ASSERT_TRUE(store.set_fuel(10).ok());
  r = call(inst, "answer");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].i32(), 42);
  EXPECT_EQ(fuel(store), 9u);

  // Bounded overshoot: each iteration costs 2 (call, br); the guest gets no further than the
  // budget allows, give or take the one iteration in flight.
  const uint64_t budget = 20'000;
  ASSERT_TRUE(store.set_fuel(budget).ok());
  ticks = 0;
  EXPECT_EQ(trap_of(inst, "spin_calling").message, "all fuel consumed");
  EXPECT_GE(ticks, budget / 2 - 1);
  EXPECT_LE(ticks, budget / 2 + 1);

  // Too little fuel for the counting loop: it stops short, never runs past the budget.
  ASSERT_TRUE(store.set_fuel(8 * 500).ok());
  EXPECT_EQ(trap_of(inst, "count", {Val::i32(1000)}).message, "all fuel consumed");
  // With none at all, even a call traps at the callee's entry.
  ASSERT_TRUE(store.set_fuel(0).ok());
  EXPECT_EQ(trap_of(inst, "answer").message, "all fuel consumed");
}

TEST_P(LimitsTest, FuelBeyondTheCounterRangeComesFromTheReserve) {
  Engine engine = make_engine({.fuel = true});
  Store store(engine);
  Module m = compile(engine, kLoops);
  Linker linker;
  ASSERT_TRUE(linker.func_wrap(store, "host", "tick", [] {}).ok());
  Instance inst = instantiate(store, m, &linker);
  ASSERT_TRUE(store.set_fuel(UINT64_MAX).ok());
  EXPECT_EQ(fuel(store), UINT64_MAX);
  call(inst, "count", {Val::i32(10)});
  EXPECT_EQ(fuel(store), UINT64_MAX - 81);
}

TEST_P(LimitsTest, FuelIsSharedByEveryInstanceOfTheStore) {
  Engine engine = make_engine({.fuel = true});
  Store store(engine);
  Module m = compile(engine, kStraightLine);
  ASSERT_TRUE(store.set_fuel(3 * 40 + 1).ok());
  std::vector<Instance> insts;
  for (int i = 0; i < 40; ++i) insts.push_back(instantiate(store, m));
  for (const Instance& inst : insts) call(inst, "add");
  EXPECT_EQ(fuel(store), 1u);
  // The 41st call finds too little: entry passes (1 left), the budget runs out inside, and
  // no check follows in straight-line code, so it finishes; the next call cannot start.
  call(insts[0], "add");
  EXPECT_EQ(fuel(store), 0u);
  EXPECT_EQ(trap_of(insts[1], "add").message, "all fuel consumed");
}

// call_indirect through a lazily initialised table: its slow path jumps back to reload the
// entry, a bounded cycle that gets no loop-header check (opt/limit_checks.h); the Wasm loop
// around it still does. Found by the -O0/-O2 differential fuzzer with fuel on.
TEST_P(LimitsTest, FuelMetersLoopsAroundLazyTableCalls) {
  Engine engine = make_engine({.fuel = true});
  Store store(engine);
  Module m = compile(engine, R"((module
    (type $t (func (result i32)))
    (table 2 funcref)
    (elem (i32.const 0) $a $b)
    (func $a (result i32) i32.const 1)
    (func $b (result i32) i32.const 2)
    (func (export "sum") (param $n i32) (result i32) (local $s i32)
      (loop $l
        (local.set $s (i32.add (local.get $s)
          (call_indirect (type $t) (i32.and (local.get $n) (i32.const 1)))))
        (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
      (local.get $s))))");
  ASSERT_TRUE(store.set_fuel(1'000'000).ok());
  Instance inst = instantiate(store, m);
  auto r = call(inst, "sum", {Val::i32(10)});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].i32(), 15);
  ASSERT_TRUE(store.set_fuel(50).ok());
  EXPECT_EQ(trap_of(inst, "sum", {Val::i32(1'000'000)}).message, "all fuel consumed");
}

// ---- Epochs -------------------------------------------------------------------------------------

TEST_P(LimitsTest, EpochInterruptsASpinningGuestFromAnotherThread) {
  Engine engine = make_engine({.epochs = true});
  Store store(engine);
  Linker linker;
  ASSERT_TRUE(linker.func_wrap(store, "host", "tick", [] {}).ok());
  Module m = compile(engine, kLoops);
  store.set_epoch_deadline(1);
  Instance inst = instantiate(store, m, &linker);
  for (const char* fn : {"spin", "spin_calling"}) {
    store.set_epoch_deadline(1);
    Trap t;
    {
      testing::EpochTicker ticker(engine, 20ms, 5ms);
      t = trap_of(inst, fn);
    }
    EXPECT_EQ(t.message, "interrupt") << fn;
    EXPECT_EQ(t.code, environ::TrapCode::kInterrupt) << fn;
  }
  // Healthy afterwards, once the host grants time again.
  store.set_epoch_deadline(10);
  auto r = call(inst, "answer");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].i32(), 42);
}

TEST_P(LimitsTest, EpochDeadlineChecksFunctionEntries) {
  Engine engine = make_engine({.epochs = true});
  Store store(engine);
  Module m = compile(engine, R"((module
    (func $f (param i32) (result i32)
      (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
        (else (call $f (i32.sub (local.get 0) (i32.const 1))))))
    (func (export "rec") (param i32) (result i32) (call $f (local.get 0)))
    (func (export "answer") (result i32) i32.const 42)))");
  Instance inst = instantiate(store, m);
  // A new store's deadline is the current epoch: the first check traps.
  EXPECT_EQ(trap_of(inst, "answer").message, "interrupt");
  store.set_epoch_deadline(1);
  EXPECT_EQ(call(inst, "rec", {Val::i32(1000)}).size(), 1u);
  engine.increment_epoch();
  EXPECT_EQ(trap_of(inst, "rec", {Val::i32(1000)}).message, "interrupt");
}

TEST_P(LimitsTest, EpochCallbackDecidesToContinueOrTrap) {
  Engine engine = make_engine({.epochs = true});
  Store store(engine);
  Linker linker;
  ASSERT_TRUE(linker.func_wrap(store, "host", "tick", [] {}).ok());
  Module m = compile(engine, kLoops);
  store.set_epoch_deadline(1);
  Instance inst = instantiate(store, m, &linker);
  int calls = 0;
  store.epoch_deadline_callback([&](Store&) -> std::optional<uint64_t> {
    if (++calls == 4) return std::nullopt;
    return 1;  // one more tick
  });
  Trap t;
  {
    testing::EpochTicker ticker(engine, 0ms, 2ms);
    t = trap_of(inst, "spin");
  }
  EXPECT_EQ(t.message, "interrupt");
  EXPECT_EQ(calls, 4);
  // Back to trapping at the deadline without a callback.
  store.epoch_deadline_trap();
  store.set_epoch_deadline(0);
  EXPECT_EQ(trap_of(inst, "answer").message, "interrupt");
  EXPECT_EQ(calls, 4);
  store.set_epoch_deadline(5);
  EXPECT_EQ(call(inst, "answer").size(), 1u);
}

// Compiled code reads the deadline from its own vmctx: every instance of the store, created
// before or after a change, and changed by the host or by a deadline callback running under
// another instance, must see the store's current deadline.
TEST_P(LimitsTest, EpochDeadlineIsSharedByEveryInstanceOfTheStore) {
  Engine engine = make_engine({.epochs = true});
  Store store(engine);
  Linker linker;
  ASSERT_TRUE(linker.func_wrap(store, "host", "tick", [] {}).ok());
  Module m = compile(engine, kLoops);
  store.set_epoch_deadline(5);
  Instance a = instantiate(store, m, &linker);
  Instance b = instantiate(store, m, &linker);
  EXPECT_EQ(call(a, "answer").size(), 1u);
  EXPECT_EQ(call(b, "answer").size(), 1u);

  store.set_epoch_deadline(0);  // reached now: every instance traps at its next check
  EXPECT_EQ(trap_of(a, "answer").message, "interrupt");
  EXPECT_EQ(trap_of(b, "answer").message, "interrupt");
  Instance c = instantiate(store, m, &linker);  // created past the deadline
  EXPECT_EQ(trap_of(c, "answer").message, "interrupt");

  // A callback under `a` moves the deadline far ahead: `b` and `c` see it too.
  store.set_epoch_deadline(1);
  uint64_t calls = 0;
  store.epoch_deadline_callback([&](Store&) -> std::optional<uint64_t> {
    ++calls;
    return 1000;
  });
  engine.increment_epoch();  // the deadline is reached
  EXPECT_EQ(call(a, "answer").size(), 1u);
  EXPECT_EQ(calls, 1u);
  EXPECT_EQ(call(b, "count", {Val::i32(1000)}).size(), 1u);
  EXPECT_EQ(call(c, "answer").size(), 1u);
  EXPECT_EQ(calls, 1u);  // no instance saw a stale deadline

  store.epoch_deadline_trap();
  store.set_epoch_deadline(0);
  EXPECT_EQ(trap_of(c, "count", {Val::i32(10)}).message, "interrupt");
  store.set_epoch_deadline(3);
  EXPECT_EQ(call(c, "count", {Val::i32(10)}).size(), 1u);
}

TEST_P(LimitsTest, FuelAndEpochsTogether) {
  Engine engine = make_engine({.fuel = true, .epochs = true});
  Store store(engine);
  Linker linker;
  ASSERT_TRUE(linker.func_wrap(store, "host", "tick", [] {}).ok());
  Module m = compile(engine, kLoops);
  ASSERT_TRUE(store.set_fuel(1'000'000).ok());
  store.set_epoch_deadline(1'000'000);
  Instance inst = instantiate(store, m, &linker);
  auto r = call(inst, "count", {Val::i32(100)});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].i32(), 100);
  EXPECT_EQ(1'000'000 - fuel(store), 801u);
  EXPECT_EQ(trap_of(inst, "spin").message, "all fuel consumed");
}

// ---- Resource limiter ---------------------------------------------------------------------------

constexpr std::string_view kGrowth = R"((module
  (memory (export "mem") 1)
  (table (export "tab") 10 funcref)
  ;; Grows one page at a time until memory.grow fails; returns how many succeeded.
  (func (export "grow_memory") (result i32) (local $n i32)
    (block $done
      (loop $l
        (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $n))
  (func (export "grow_table") (result i32) (local $n i32)
    (block $done
      (loop $l
        (br_if $done (i32.eq (table.grow (ref.null func) (i32.const 1)) (i32.const -1)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $n))
  (func (export "pages") (result i32) memory.size)
  (func (export "elements") (result i32) table.size)
))";

TEST_P(LimitsTest, LimiterStopsMemoryAndTableGrowthLoops) {
  Engine engine = make_engine({});
  Store store(engine);
  auto limits = std::make_shared<StoreLimits>();
  limits->memory_size = 10 * kPage;
  limits->table_elements = 100;
  store.limiter(limits);
  Module m = compile(engine, kGrowth);
  // The limit holds for every instance (each memory and table on its own).
  for (int i = 0; i < 20; ++i) {
    Instance inst = instantiate(store, m);
    EXPECT_EQ(call(inst, "grow_memory")[0].i32(), 9);
    EXPECT_EQ(call(inst, "pages")[0].i32(), 10);
    EXPECT_EQ(call(inst, "grow_table")[0].i32(), 90);
    EXPECT_EQ(call(inst, "elements")[0].i32(), 100);
    // The host's growth asks the limiter too.
    EXPECT_FALSE(inst.get_memory("mem")->grow(1).has_value());
    EXPECT_EQ(inst.get_memory("mem")->grow(0), std::optional<uint64_t>(10));
    EXPECT_FALSE(inst.get_table("tab")->grow(1, Val::ref(wasm::ValType::funcref(), nullptr)).has_value());
  }
}

TEST_P(LimitsTest, LimiterCanTrapInsteadOfFailing) {
  Engine engine = make_engine({});
  Store store(engine);
  auto limits = std::make_shared<StoreLimits>();
  limits->memory_size = 4 * kPage;
  limits->table_elements = 12;
  limits->trap_on_grow_failure = true;
  store.limiter(limits);
  Module m = compile(engine, kGrowth);
  Instance inst = instantiate(store, m);
  Trap t = trap_of(inst, "grow_memory");
  EXPECT_EQ(t.message, "forcing trap when growing memory to 327680 bytes");
  EXPECT_FALSE(t.backtrace.empty());
  EXPECT_EQ(call(inst, "pages")[0].i32(), 4);
  EXPECT_EQ(trap_of(inst, "grow_table").message, "forcing trap when growing table to 13 elements");
  EXPECT_EQ(call(inst, "elements")[0].i32(), 12);
}

// A limiter of the embedder's own: sees every request and refuses odd page counts.
class Recorder : public ResourceLimiter {
 public:
  Expected<bool> memory_growing(uint64_t current, uint64_t desired, std::optional<uint64_t> maximum) override {
    requests.push_back({current, desired, maximum});
    return (desired / kPage) % 2 == 0;
  }
  Expected<bool> table_growing(uint64_t, uint64_t, std::optional<uint64_t>) override { return true; }
  struct Request {
    uint64_t current, desired;
    std::optional<uint64_t> maximum;
  };
  std::vector<Request> requests;
};

TEST_P(LimitsTest, CustomLimiterSeesEveryRequest) {
  Engine engine = make_engine({});
  Store store(engine);
  auto rec = std::make_shared<Recorder>();
  store.limiter(rec);
  Module m = compile(engine, R"((module (memory 2 8)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))))");
  Instance inst = instantiate(store, m);
  ASSERT_EQ(rec->requests.size(), 1u);  // the initial size, at creation
  EXPECT_EQ(rec->requests[0].current, 0u);
  EXPECT_EQ(rec->requests[0].desired, 2 * kPage);
  EXPECT_EQ(rec->requests[0].maximum, std::optional<uint64_t>(8 * kPage));
  EXPECT_EQ(call(inst, "grow", {Val::i32(1)})[0].i32(), -1);  // 3 pages: refused
  EXPECT_EQ(call(inst, "grow", {Val::i32(2)})[0].i32(), 2);   // 4 pages: allowed
  EXPECT_EQ(call(inst, "grow", {Val::i32(0)})[0].i32(), 4);   // no growth: not asked
  ASSERT_EQ(rec->requests.size(), 3u);
  EXPECT_EQ(rec->requests[1].current, 2 * kPage);
  EXPECT_EQ(rec->requests[1].desired, 3 * kPage);
  EXPECT_EQ(rec->requests[2].current, 2 * kPage);
  EXPECT_EQ(rec->requests[2].desired, 4 * kPage);
}

TEST_P(LimitsTest, LimiterBoundsCreation) {
  Engine engine = make_engine({});
  Store store(engine);
  auto limits = std::make_shared<StoreLimits>();
  limits->max_instances = 5;
  limits->max_memories = 3;
  limits->memory_size = 4 * kPage;
  store.limiter(limits);
  Module with_memory = compile(engine, "(module (memory 1))");
  Module big_memory = compile(engine, "(module (memory 5))");
  Module plain = compile(engine, "(module (func (export \"f\") (result i32) i32.const 1))");
  Linker linker;
  auto big = linker.instantiate(store, big_memory);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().message(), "memory minimum size of 5 pages exceeds memory limits");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(linker.instantiate(store, with_memory).ok());
  auto fourth = linker.instantiate(store, with_memory);
  ASSERT_FALSE(fourth.ok());
  EXPECT_EQ(fourth.error().message(), "resource limit exceeded: memory count too high at 4");
  auto host_memory = Memory::create(store, wasm::MemoryType{});
  ASSERT_FALSE(host_memory.ok());
  ASSERT_TRUE(linker.instantiate(store, plain).ok());
  ASSERT_TRUE(linker.instantiate(store, plain).ok());
  auto sixth = linker.instantiate(store, plain);
  ASSERT_FALSE(sixth.ok());
  EXPECT_EQ(sixth.error().message(), "resource limit exceeded: instance count too high at 6");
}

// ---- Stack --------------------------------------------------------------------------------------

constexpr std::string_view kRecursion = R"((module
  (global $depth (mut i32) (i32.const 0))
  (func $down (global.set $depth (i32.add (global.get $depth) (i32.const 1))) (call $down))
  (func (export "recurse") (result i32) (global.set $depth (i32.const 0)) (call $down) (i32.const 0))
  (func (export "depth") (result i32) (global.get $depth))
  (func (export "answer") (result i32) i32.const 42)
))";

TEST_P(LimitsTest, InfiniteRecursionTrapsWithinMaxWasmStack) {
  int32_t depth[2] = {0, 0};
  const uint64_t sizes[2] = {64 * 1024, 1024 * 1024};
  for (int k = 0; k < 2; ++k) {
    Engine engine = make_engine({.max_wasm_stack = sizes[k]});
    Store store(engine);
    Module m = compile(engine, kRecursion);
    Instance inst = instantiate(store, m);
    for (int round = 0; round < 3; ++round) {
      Trap t = trap_of(inst, "recurse");
      EXPECT_EQ(t.message, "call stack exhausted");
      EXPECT_EQ(t.code, environ::TrapCode::kStackOverflow);
      EXPECT_EQ(call(inst, "answer")[0].i32(), 42);
    }
    depth[k] = call(inst, "depth")[0].i32();
  }
  // Each frame takes at least 16 bytes, so the depth is bounded by the budget, and 16 times
  // the budget gets (nearly) 16 times as deep.
  EXPECT_GT(depth[0], 100);
  EXPECT_LE(static_cast<uint64_t>(depth[0]), sizes[0] / 16);
  EXPECT_GT(depth[1], depth[0] * 12);
}

INSTANTIATE_TEST_SUITE_P(OptLevels, LimitsTest,
                         ::testing::Values(environ::OptLevel::kNone, environ::OptLevel::kSpeed),
                         [](const auto& info) { return info.param == environ::OptLevel::kNone ? "O0" : "O2"; });

// ---- The CLI: kiln run -W ---------------------------------------------------------------------

using testing::kiln_path;
using testing::run_kiln;
using testing::RunResult;

class CliLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kiln_path()))
        << kiln_path() << " is missing: build the `kiln` target before unit_runtime_api runs";
    dir_ = std::filesystem::temp_directory_path() / ("kiln-limits-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, std::string_view text) {
    std::filesystem::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::filesystem::path dir_;
};

constexpr std::string_view kCliGuest = R"((module
  (memory 1)
  (table 1 funcref)
  (func (export "spin") (loop $l (br $l)))
  (func (export "count") (param $n i32) (result i32) (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i))
  (func (export "grow_memory") (result i32) (local $n i32)
    (block $done (loop $l
      (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
      (local.set $n (i32.add (local.get $n) (i32.const 1))) (br $l)))
    (local.get $n))
  (func (export "grow_table") (result i32) (local $n i32)
    (block $done (loop $l
      (br_if $done (i32.eq (table.grow (ref.null func) (i32.const 1)) (i32.const -1)))
      (local.set $n (i32.add (local.get $n) (i32.const 1))) (br $l)))
    (local.get $n))
  (func $down (call $down))
  (func (export "recurse") (call $down))
))";

TEST_F(CliLimitsTest, TimeoutInterruptsAnInfiniteLoop) {
  std::string file = write("guest.wat", kCliGuest);
  for (const char* opt : {"-O0", "-O2"}) {
    RunResult r = run_kiln({"run", opt, "-W", "timeout=200ms", "--invoke", "spin", file});
    EXPECT_FALSE(r.signaled) << r.output;
    EXPECT_EQ(r.status, 134) << r.output;
    EXPECT_NE(r.output.find("interrupt"), std::string::npos) << r.output;
    EXPECT_LT(r.seconds, 30.0);
    // A guest that finishes in time is not disturbed (and kiln does not wait for the timer).
    RunResult ok = run_kiln({"run", opt, "-W", "timeout=1h", "--invoke", "count", file, "1000"});
    EXPECT_EQ(ok.status, 0) << ok.output;
    EXPECT_EQ(ok.output, "1000\n");
    EXPECT_LT(ok.seconds, 30.0);
  }
}

TEST_F(CliLimitsTest, FuelStopsALoopAndIsReported) {
  std::string file = write("guest.wat", kCliGuest);
  RunResult r = run_kiln({"run", "-Wfuel=100000", "--invoke", "spin", file});
  EXPECT_EQ(r.status, 134) << r.output;
  EXPECT_NE(r.output.find("all fuel consumed"), std::string::npos) << r.output;
  RunResult ok = run_kiln({"run", "-W", "fuel=100000,print-fuel", "--invoke", "count", file, "100"});
  EXPECT_EQ(ok.status, 0) << ok.output;
  // The result on stdout, the report on stderr (their interleaving is the pipe's business).
  EXPECT_NE(ok.output.find("100\n"), std::string::npos) << ok.output;
  EXPECT_NE(ok.output.find("fuel consumed: 801\n"), std::string::npos) << ok.output;
  EXPECT_EQ(r.output.find("fuel consumed:"), std::string::npos) << r.output;  // not asked for
}

TEST_F(CliLimitsTest, MemoryAndTableLimits) {
  std::string file = write("guest.wat", kCliGuest);
  RunResult mem = run_kiln({"run", "-W", "max-memory-size=1M", "--invoke", "grow_memory", file});
  EXPECT_EQ(mem.status, 0) << mem.output;
  EXPECT_EQ(mem.output, "15\n");
  RunResult tab = run_kiln({"run", "-W", "max-table-elements=50", "--invoke", "grow_table", file});
  EXPECT_EQ(tab.status, 0) << tab.output;
  EXPECT_EQ(tab.output, "49\n");
  RunResult trap = run_kiln({"run", "-W", "max-memory-size=131072", "-W", "trap-on-grow-failure",
                             "--invoke", "grow_memory", file});
  EXPECT_EQ(trap.status, 134) << trap.output;
  EXPECT_NE(trap.output.find("forcing trap when growing memory to 196608 bytes"), std::string::npos)
      << trap.output;
  RunResult count = run_kiln({"run", "-W", "max-memories=0", "--invoke", "grow_memory", file});
  EXPECT_EQ(count.status, 1) << count.output;
  EXPECT_NE(count.output.find("resource limit exceeded: memory count too high at 1"), std::string::npos)
      << count.output;
}

TEST_F(CliLimitsTest, MaxWasmStack) {
  std::string file = write("guest.wat", kCliGuest);
  RunResult r = run_kiln({"run", "-W", "max-wasm-stack=64K", "--invoke", "recurse", file});
  EXPECT_FALSE(r.signaled) << r.output;
  EXPECT_EQ(r.status, 134) << r.output;
  EXPECT_NE(r.output.find("call stack exhausted"), std::string::npos) << r.output;
  // More than the native stack could hold is refused up front rather than crashing.
  RunResult huge = run_kiln({"run", "-W", "max-wasm-stack=1000G", "--invoke", "recurse", file});
  EXPECT_FALSE(huge.signaled) << huge.output;
  EXPECT_EQ(huge.status, 2) << huge.output;
  EXPECT_NE(huge.output.find("does not fit in the native stack"), std::string::npos) << huge.output;
}

TEST_F(CliLimitsTest, BadOptionsAreClearErrors) {
  std::string file = write("guest.wat", kCliGuest);
  struct Case {
    const char* option;
    const char* message;
  } cases[] = {
      {"frobnicate=1", "unknown -W option `frobnicate`"},
      {"fuel=lots", "-W fuel=lots: expected a non-negative integer"},
      {"timeout=5", "-W timeout=5: expected a duration with a unit"},
      {"timeout", "-W timeout needs a value"},
      {"max-memory-size=12X", "-W max-memory-size=12X: expected a size in bytes"},
      {"print-fuel", "-W print-fuel needs -W fuel=N"},
  };
  for (const Case& c : cases) {
    RunResult r = run_kiln({"run", "-W", c.option, "--invoke", "count", file, "1"});
    EXPECT_EQ(r.status, 2) << c.option << ": " << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.option << ": " << r.output;
  }
  RunResult help = run_kiln({"run", "--help"});
  EXPECT_EQ(help.status, 0);
  for (const char* key : {"-W fuel=N", "-W timeout=DURATION", "-W max-memory-size=BYTES",
                          "-W max-table-elements=N", "-W max-wasm-stack=BYTES", "-W print-fuel"}) {
    EXPECT_NE(help.output.find(key), std::string::npos) << key;
  }
}

}  // namespace
}  // namespace kiln::runtime
