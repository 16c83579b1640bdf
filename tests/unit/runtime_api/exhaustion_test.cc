// tests/unit/runtime_api/exhaustion_test.cc: resource exhaustion leaves the host healthy: deep
// recursion traps "call stack exhausted" (directly, through call_indirect, across host
// re-entry and on other threads), 32-bit memories grow to the 65,536-page (4 GiB) maximum and
// refuse to go past it or past a declared maximum, memory64 grows past 4 GiB only within its
// limits, and `kiln run --invoke` reports the trap with a non-zero exit status. Host errors
// raised from deep in Wasm carry a full Wasm backtrace.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "kiln_cli.h"
#include "runtime/linker.h"
#include "runtime/module.h"
#include "runtime/store.h"
#include "wat/wat.h"

namespace kiln::runtime {
namespace {

constexpr uint64_t kPage = 65536;
constexpr uint64_t kMaxPages32 = 65536;

class ExhaustionTest : public ::testing::TestWithParam<environ::OptLevel> {
 protected:
  ExhaustionTest() : engine_(config()), store_(engine_) {}
  static Config config() {
    Config c;
    c.opt_level = GetParam();
    return c;
  }
  Module compile(std::string_view text) {
    auto bytes = wat::parse_module(text);
    EXPECT_TRUE(bytes.ok()) << (bytes.ok() ? "" : bytes.error().to_string());
    auto m = Module::from_binary(engine_, bytes.ok() ? *bytes : std::vector<uint8_t>{});
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().to_string());
    return m.ok() ? *m : Module();
  }
  Instance instantiate(Store& store, std::string_view text, Linker* linker = nullptr) {
    Module m = compile(text);
    Linker empty;
    auto inst = (linker ? linker : &empty)->instantiate(store, m);
    EXPECT_TRUE(inst.ok()) << (inst.ok() ? "" : inst.error().to_string());
    return inst.ok() ? *inst : Instance();
  }
  Instance instantiate(std::string_view text, Linker* linker = nullptr) {
    return instantiate(store_, text, linker);
  }
  static std::vector<Val> call(const Instance& inst, std::string_view name, std::vector<Val> args = {}) {
    auto f = inst.get_func(name);
    EXPECT_TRUE(f.has_value()) << name;
    if (!f) return {};
    auto r = f->call(args);
    EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().to_string());
    return r.ok() ? *r : std::vector<Val>{};
  }
  static int32_t call_i32(const Instance& inst, std::string_view name, std::vector<Val> args = {}) {
    auto r = call(inst, name, std::move(args));
    EXPECT_EQ(r.size(), 1u) << name;
    return r.size() == 1 ? r[0].i32() : INT32_MIN;
  }
  static int64_t call_i64(const Instance& inst, std::string_view name, std::vector<Val> args = {}) {
    auto r = call(inst, name, std::move(args));
    EXPECT_EQ(r.size(), 1u) << name;
    return r.size() == 1 ? r[0].i64() : INT64_MIN;
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

  Engine engine_;
  Store store_;
};

// ---- Deep recursion -------------------------------------------------------------------------

constexpr std::string_view kRecursion = R"((module
  (type $i2i (func (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $indirect)
  ;; depth(n) recurses n times; depth(huge) exhausts the stack.
  (func $depth (export "depth") (param i32) (result i32)
    local.get 0
    i32.eqz
    if (result i32)
      i32.const 0
    else
      local.get 0 i32.const 1 i32.sub call $depth i32.const 1 i32.add
    end)
  ;; Unbounded recursion with a large frame: many live values across the call.
  (func $fat (export "fat") (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64)
    (local $a i64) (local $b i64) (local $c i64) (local $d i64)
    local.get 0 i64.const 1 i64.add local.set $a
    local.get 1 i64.const 2 i64.mul local.set $b
    local.get 2 local.get 3 i64.xor local.set $c
    local.get 4 local.get 5 i64.sub local.set $d
    local.get $a local.get $b local.get $c local.get $d
    local.get 6 local.get 7 local.get 0 local.get 1
    call $fat
    local.get $a i64.add local.get $b i64.add local.get $c i64.add local.get $d i64.add)
  ;; Unbounded recursion through call_indirect.
  (func $indirect (export "indirect") (param i32) (result i32)
    local.get 0 i32.const 1 i32.add
    i32.const 0
    call_indirect (type $i2i))
  (func (export "ok") (result i32) i32.const 42)
))";

TEST_P(ExhaustionTest, DeepRecursionTrapsAndTheHostStaysHealthy) {
  Instance inst = instantiate(kRecursion);
  Instance other = instantiate(kRecursion);
  // Bounded recursion well inside the stack works.
  EXPECT_EQ(call_i32(inst, "depth", {Val::i32(1000)}), 1000);
  for (int round = 0; round < 3; ++round) {
    Trap t = trap_of(inst, "depth", {Val::i32(INT32_MAX)});
    EXPECT_EQ(t.message, "call stack exhausted");
    ASSERT_TRUE(t.code.has_value());
    EXPECT_EQ(*t.code, environ::TrapCode::kStackOverflow);
    ASSERT_FALSE(t.backtrace.empty());
    EXPECT_EQ(t.backtrace[0].func_name.value_or(""), "depth");
    EXPECT_TRUE(t.backtrace_truncated);
    // The same instance, another instance of the module: calls work, and the stack limit was
    // restored (the same depth succeeds as before).
    EXPECT_EQ(call_i32(inst, "depth", {Val::i32(1000)}), 1000);
    EXPECT_EQ(call_i32(other, "ok"), 42);
  }
  std::vector<Val> fat_args(8, Val::i64(3));
  EXPECT_EQ(trap_of(inst, "fat", fat_args).message, "call stack exhausted");
  EXPECT_EQ(trap_of(inst, "indirect", {Val::i32(0)}).message, "call stack exhausted");
  EXPECT_EQ(call_i32(inst, "ok"), 42);
  EXPECT_EQ(call_i32(other, "depth", {Val::i32(500)}), 500);

  // A fresh store on the same engine is unaffected.
  Store fresh(engine_);
  Instance third = instantiate(fresh, kRecursion);
  EXPECT_EQ(call_i32(third, "depth", {Val::i32(2000)}), 2000);
}

TEST_P(ExhaustionTest, DeepRecursionOnOtherThreads) {
  Module m = compile(kRecursion);
  // Each thread has its own store (a store belongs to one thread at a time) and its own
  // activation and stack limit.
  std::array<std::string, 4> messages;
  std::array<int32_t, 4> after{};
  std::vector<std::thread> threads;
  for (size_t i = 0; i < messages.size(); ++i) {
    threads.emplace_back([&, i] {
      Store store(engine_);
      auto inst = Instance::create(store, m, {});
      if (!inst.ok()) {
        messages[i] = inst.error().to_string();
        return;
      }
      Trap t;
      auto r = inst->get_func("depth")->call(std::vector<Val>{Val::i32(INT32_MAX)}, &t);
      messages[i] = r.ok() ? "returned" : t.message;
      auto ok = inst->get_func("depth")->call(std::vector<Val>{Val::i32(300)});
      after[i] = ok.ok() ? (*ok)[0].i32() : -1;
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < messages.size(); ++i) {
    EXPECT_EQ(messages[i], "call stack exhausted") << "thread " << i;
    EXPECT_EQ(after[i], 300) << "thread " << i;
  }
}

TEST_P(ExhaustionTest, RecursionThroughTheHostExhaustsTheWasmStack) {
  // wasm -> host -> wasm -> host ...: the limit set by the outermost entry covers the nested
  // activations, so the recursion ends with a stack-overflow trap, not a host crash.
  Linker linker;
  std::optional<Func> down;
  int host_calls = 0;
  wasm::FuncType ty;
  ty.params = {wasm::ValType::i32()};
  ty.results = {wasm::ValType::i32()};
  ASSERT_TRUE(linker.func_new(store_, "env", "reenter", ty,
                              [&](Caller&, std::span<const Val> params, std::span<Val> results) -> Expected<void> {
                                ++host_calls;
                                Trap t;
                                auto r = down->call(std::vector<Val>{params[0]}, &t);
                                if (!r.ok()) return r.error();
                                results[0] = (*r)[0];
                                return {};
                              }).ok());
  Instance inst = instantiate(R"((module
    (import "env" "reenter" (func $reenter (param i32) (result i32)))
    (func (export "down") (param i32) (result i32)
      local.get 0 i32.eqz
      if (result i32) i32.const 0
      else local.get 0 i32.const 1 i32.sub call $reenter i32.const 1 i32.add end)
    (func (export "ok") (result i32) i32.const 9)
  ))", &linker);
  down = inst.get_func("down");
  ASSERT_TRUE(down);
  EXPECT_EQ(call_i32(inst, "down", {Val::i32(50)}), 50);
  EXPECT_EQ(host_calls, 50);
  Trap t = trap_of(inst, "down", {Val::i32(INT32_MAX)});
  EXPECT_EQ(t.message, "call stack exhausted");
  EXPECT_GT(host_calls, 100);
  EXPECT_EQ(call_i32(inst, "ok"), 9);
  EXPECT_EQ(call_i32(inst, "down", {Val::i32(50)}), 50);
}

// ---- Host errors carry a full Wasm backtrace -----------------------------------------------

TEST_P(ExhaustionTest, HostErrorsHaveAWasmBacktrace) {
  Linker linker;
  ASSERT_TRUE(linker.func_new(store_, "env", "fail", wasm::FuncType{},
                              [](Caller&, std::span<const Val>, std::span<Val>) -> Expected<void> {
                                return Error(ErrorKind::kOther, "host refused");
                              }).ok());
  ASSERT_TRUE(linker.func_wrap(store_, "env", "id", [](int32_t x) -> int32_t { return x; }).ok());
  Instance inst = instantiate(R"((module
    (import "env" "fail" (func $fail))
    (import "env" "id" (func $id (param i32) (result i32)))
    (func $outer (export "outer") (result i32) call $middle i32.const 1)
    (func $middle call $inner)
    (func $inner i32.const 5 call $id drop call $fail)
    (func $leaf (export "leaf") call $fail)
  ))", &linker);
  Trap t = trap_of(inst, "outer");
  EXPECT_EQ(t.message, "host refused");
  EXPECT_FALSE(t.code.has_value());
  ASSERT_EQ(t.backtrace.size(), 3u) << t.to_string();
  EXPECT_EQ(t.backtrace[0].func_name.value_or(""), "inner");
  EXPECT_EQ(t.backtrace[0].func_index, 4u);
  EXPECT_EQ(t.backtrace[1].func_name.value_or(""), "middle");
  EXPECT_EQ(t.backtrace[2].func_name.value_or(""), "outer");
  // Offsets point into the functions' code (a return address: past the first byte).
  for (const FrameInfo& f : t.backtrace) EXPECT_GT(f.func_offset, 0u);
  EXPECT_NE(t.to_string().find("0: inner"), std::string::npos) << t.to_string();

  Trap leaf = trap_of(inst, "leaf");
  ASSERT_EQ(leaf.backtrace.size(), 1u) << leaf.to_string();
  EXPECT_EQ(leaf.backtrace[0].func_name.value_or(""), "leaf");
  // A successful host call in between leaves no stale exit state behind.
  EXPECT_EQ(trap_of(inst, "outer").backtrace.size(), 3u);
}

TEST_P(ExhaustionTest, NestedHostErrorsReportTheInnermostWasmFrames) {
  // outer wasm -> host A -> inner wasm (2 frames) -> host B fails: B's error unwinds the inner
  // activation only; A passes it on, and the outer trap's backtrace starts at A's caller.
  Linker linker;
  std::optional<Func> inner;
  Trap inner_trap;
  ASSERT_TRUE(linker.func_new(store_, "env", "b", wasm::FuncType{},
                              [](Caller&, std::span<const Val>, std::span<Val>) -> Expected<void> {
                                return Error(ErrorKind::kOther, "b failed");
                              }).ok());
  ASSERT_TRUE(linker.func_new(store_, "env", "a", wasm::FuncType{},
                              [&](Caller&, std::span<const Val>, std::span<Val>) -> Expected<void> {
                                auto r = inner->call({}, &inner_trap);
                                if (!r.ok()) return r.error();
                                return {};
                              }).ok());
  Instance inst = instantiate(R"((module
    (import "env" "a" (func $a))
    (import "env" "b" (func $b))
    (func $inner1 (export "inner") call $inner2)
    (func $inner2 call $b)
    (func $outer1 (export "outer") call $outer2)
    (func $outer2 call $outer3)
    (func $outer3 call $a)
  ))", &linker);
  inner = inst.get_func("inner");
  Trap t = trap_of(inst, "outer");
  EXPECT_EQ(t.message, "b failed");
  ASSERT_EQ(inner_trap.backtrace.size(), 2u) << inner_trap.to_string();
  EXPECT_EQ(inner_trap.backtrace[0].func_name.value_or(""), "inner2");
  EXPECT_EQ(inner_trap.backtrace[1].func_name.value_or(""), "inner1");
  ASSERT_EQ(t.backtrace.size(), 3u) << t.to_string();
  EXPECT_EQ(t.backtrace[0].func_name.value_or(""), "outer3");
  EXPECT_EQ(t.backtrace[2].func_name.value_or(""), "outer1");
}

// ---- Linear memory growth to the limits -----------------------------------------------------

constexpr std::string_view kMemory32 = R"((module
  (memory (export "mem") 1)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "size") (result i32) memory.size)
  ;; Grows one page at a time until memory.grow fails; returns the number of successes.
  (func (export "grow_all") (result i32) (local $n i32)
    block $done
      loop $again
        i32.const 1 memory.grow i32.const -1 i32.eq br_if $done
        local.get $n i32.const 1 i32.add local.set $n
        br $again
      end
    end
    local.get $n)
  (func (export "store8") (param i32 i32) local.get 0 local.get 1 i32.store8)
  (func (export "load8") (param i32) (result i32) local.get 0 i32.load8_u)
  (func (export "load8_past") (param i32) (result i32) local.get 0 i32.load8_u offset=1)
  (func (export "load32") (param i32) (result i32) local.get 0 i32.load)
))";

TEST_P(ExhaustionTest, Memory32GrowsPageByPageToTheMaximumAndNoFurther) {
  Instance inst = instantiate(kMemory32);
  EXPECT_EQ(call_i32(inst, "grow_all"), static_cast<int32_t>(kMaxPages32 - 1));
  EXPECT_EQ(static_cast<uint32_t>(call_i32(inst, "size")), kMaxPages32);
  EXPECT_EQ(call_i32(inst, "grow", {Val::i32(1)}), -1);
  EXPECT_EQ(call_i32(inst, "grow", {Val::i32(-1)}), -1);
  EXPECT_EQ(static_cast<uint32_t>(call_i32(inst, "grow", {Val::i32(0)})), kMaxPages32);
  Memory mem = *inst.get_memory("mem");
  EXPECT_EQ(mem.data_size(), kMaxPages32 * kPage);
  EXPECT_FALSE(mem.grow(1).has_value());
  // The last byte of the 4 GiB is usable from Wasm and from the host.
  call(inst, "store8", {Val::i32(-1), Val::i32(0xAB)});
  EXPECT_EQ(call_i32(inst, "load8", {Val::i32(-1)}), 0xAB);
  EXPECT_EQ(mem.data()[kMaxPages32 * kPage - 1], 0xAB);
  call(inst, "store8", {Val::i32(0x7FFFFFFF), Val::i32(7)});
  EXPECT_EQ(call_i32(inst, "load8", {Val::i32(0x7FFFFFFF)}), 7);
  // One byte past the end (index + offset = 2^32) and a straddling 4-byte access trap.
  EXPECT_EQ(trap_of(inst, "load8_past", {Val::i32(-1)}).message, "out of bounds memory access");
  EXPECT_EQ(trap_of(inst, "load32", {Val::i32(-2)}).message, "out of bounds memory access");
  EXPECT_EQ(call_i32(inst, "load8", {Val::i32(-1)}), 0xAB);
  // Another instance's memory is independent and still small.
  Instance other = instantiate(kMemory32);
  EXPECT_EQ(call_i32(other, "size"), 1);
  EXPECT_EQ(trap_of(other, "load8", {Val::i32(65536)}).message, "out of bounds memory access");
}

TEST_P(ExhaustionTest, Memory32GrowsInBigSteps) {
  Instance inst = instantiate(kMemory32);
  EXPECT_EQ(call_i32(inst, "grow", {Val::i32(32767)}), 1);
  EXPECT_EQ(call_i32(inst, "grow", {Val::i32(32769)}), -1);  // one page too many
  EXPECT_EQ(call_i32(inst, "grow", {Val::i32(32768)}), 32768);
  EXPECT_EQ(static_cast<uint32_t>(call_i32(inst, "size")), kMaxPages32);
  EXPECT_EQ(call_i32(inst, "grow", {Val::i32(1)}), -1);
  call(inst, "store8", {Val::i32(-1), Val::i32(0x5A)});
  EXPECT_EQ(call_i32(inst, "load8", {Val::i32(-1)}), 0x5A);
  // Data written before the growth is still there.
  call(inst, "store8", {Val::i32(100), Val::i32(3)});
  EXPECT_EQ(call_i32(inst, "load8", {Val::i32(100)}), 3);
}

TEST_P(ExhaustionTest, MemoryWithADeclaredMaximumStopsThere) {
  Instance inst = instantiate(R"((module
    (memory (export "mem") 1 100)
    (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
    (func (export "size") (result i32) memory.size)
    (func (export "store8") (param i32 i32) local.get 0 local.get 1 i32.store8)
    (func (export "load8") (param i32) (result i32) local.get 0 i32.load8_u)
  ))");
  EXPECT_EQ(call_i32(inst, "grow", {Val::i32(100)}), -1);
  EXPECT_EQ(call_i32(inst, "grow", {Val::i32(98)}), 1);
  EXPECT_EQ(call_i32(inst, "grow", {Val::i32(2)}), -1);
  EXPECT_EQ(call_i32(inst, "grow", {Val::i32(1)}), 99);
  EXPECT_EQ(call_i32(inst, "grow", {Val::i32(1)}), -1);
  EXPECT_EQ(call_i32(inst, "size"), 100);
  EXPECT_FALSE(inst.get_memory("mem")->grow(1).has_value());
  const int32_t last = 100 * 65536 - 1;
  call(inst, "store8", {Val::i32(last), Val::i32(0x11)});
  EXPECT_EQ(call_i32(inst, "load8", {Val::i32(last)}), 0x11);
  EXPECT_EQ(trap_of(inst, "load8", {Val::i32(last + 1)}).message, "out of bounds memory access");
  EXPECT_EQ(call_i32(inst, "size"), 100);
}

TEST_P(ExhaustionTest, OneBytePagesStopWhereMemorySizeStillFitsAnI32) {
  // 2^32 one-byte pages would make memory.size wrap to 0: the limit is 2^32 - 1 pages.
  Instance inst = instantiate(R"((module
    (memory 0xffff_fffe (pagesize 1))
    (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
    (func (export "size") (result i32) memory.size)
    (func (export "store8") (param i32 i32) local.get 0 local.get 1 i32.store8)
    (func (export "load8") (param i32) (result i32) local.get 0 i32.load8_u)
  ))");
  EXPECT_EQ(call_i32(inst, "grow", {Val::i32(2)}), -1);
  EXPECT_EQ(call_i32(inst, "grow", {Val::i32(1)}), -2);  // old size 0xfffffffe
  EXPECT_EQ(call_i32(inst, "size"), -1);                 // 0xffffffff pages
  EXPECT_EQ(call_i32(inst, "grow", {Val::i32(1)}), -1);
  EXPECT_EQ(call_i32(inst, "size"), -1);
  call(inst, "store8", {Val::i32(-2), Val::i32(0x3C)});
  EXPECT_EQ(call_i32(inst, "load8", {Val::i32(-2)}), 0x3C);
  EXPECT_EQ(trap_of(inst, "load8", {Val::i32(-1)}).message, "out of bounds memory access");
}

constexpr std::string_view kMemory64 = R"((module
  (memory (export "mem") i64 1)
  (func (export "grow") (param i64) (result i64) local.get 0 memory.grow)
  (func (export "size") (result i64) memory.size)
  (func (export "store8") (param i64 i32) local.get 0 local.get 1 i32.store8)
  (func (export "load8") (param i64) (result i32) local.get 0 i32.load8_u)
))";

TEST_P(ExhaustionTest, Memory64GrowsPastFourGiBWithinItsLimits) {
  Instance inst = instantiate(kMemory64);
  // Past 4 GiB: 65,537 pages.
  EXPECT_EQ(call_i64(inst, "grow", {Val::i64(65536)}), 1);
  EXPECT_EQ(call_i64(inst, "size"), 65537);
  const int64_t last = 65537 * static_cast<int64_t>(kPage) - 1;
  call(inst, "store8", {Val::i64(last), Val::i32(0x77)});
  EXPECT_EQ(call_i32(inst, "load8", {Val::i64(last)}), 0x77);
  EXPECT_EQ(call_i32(inst, "load8", {Val::i64(int64_t{1} << 32)}), 0);
  EXPECT_EQ(trap_of(inst, "load8", {Val::i64(last + 1)}).message, "out of bounds memory access");
  EXPECT_EQ(trap_of(inst, "load8", {Val::i64(-1)}).message, "out of bounds memory access");
  // Growth that cannot be represented or reserved fails cleanly with -1.
  EXPECT_EQ(call_i64(inst, "grow", {Val::i64(int64_t{1} << 48)}), -1);  // 2^64 bytes
  EXPECT_EQ(call_i64(inst, "grow", {Val::i64(-1)}), -1);
  EXPECT_EQ(call_i64(inst, "grow", {Val::i64(INT64_MAX)}), -1);
  EXPECT_EQ(call_i64(inst, "size"), 65537);
  EXPECT_EQ(call_i32(inst, "load8", {Val::i64(last)}), 0x77);
}

TEST_P(ExhaustionTest, Memory64WithADeclaredMaximumAtFourGiB) {
  Instance inst = instantiate(R"((module
    (memory (export "mem") i64 1 65536)
    (func (export "grow") (param i64) (result i64) local.get 0 memory.grow)
    (func (export "size") (result i64) memory.size)
    (func (export "store8") (param i64 i32) local.get 0 local.get 1 i32.store8)
    (func (export "load8") (param i64) (result i32) local.get 0 i32.load8_u)
  ))");
  EXPECT_EQ(call_i64(inst, "grow", {Val::i64(65536)}), -1);  // would be 4 GiB + 64 KiB
  EXPECT_EQ(call_i64(inst, "grow", {Val::i64(int64_t{1} << 32)}), -1);
  EXPECT_EQ(call_i64(inst, "grow", {Val::i64(65535)}), 1);
  EXPECT_EQ(call_i64(inst, "size"), 65536);
  EXPECT_EQ(call_i64(inst, "grow", {Val::i64(1)}), -1);
  EXPECT_FALSE(inst.get_memory("mem")->grow(1).has_value());
  const int64_t last = int64_t{65536} * static_cast<int64_t>(kPage) - 1;
  call(inst, "store8", {Val::i64(last), Val::i32(0x42)});
  EXPECT_EQ(call_i32(inst, "load8", {Val::i64(last)}), 0x42);
  EXPECT_EQ(trap_of(inst, "load8", {Val::i64(last + 1)}).message, "out of bounds memory access");
}

INSTANTIATE_TEST_SUITE_P(OptLevels, ExhaustionTest,
                         ::testing::Values(environ::OptLevel::kNone, environ::OptLevel::kSpeed),
                         [](const auto& info) { return info.param == environ::OptLevel::kNone ? "O0" : "O2"; });

// ---- The CLI ----------------------------------------------------------------------------------

using testing::kiln_path;
using testing::run_kiln;
using testing::RunResult;

class CliExhaustionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kiln_path()))
        << kiln_path() << " is missing: build the `kiln` target before unit_runtime_api runs";
    dir_ = std::filesystem::temp_directory_path() /
           ("kiln-exhaustion-" + std::to_string(getpid()));
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

TEST_F(CliExhaustionTest, RunReportsStackExhaustionWithABacktrace) {
  std::string file = write("rec.wat", kRecursion);
  for (const char* opt : {"-O0", "-O2"}) {
    RunResult r = run_kiln({"run", opt, "--invoke", "depth", file, "2147483647"});
    EXPECT_FALSE(r.signaled) << "kiln crashed: " << r.output;
    EXPECT_EQ(r.status, 134) << r.output;  // `kiln run`'s documented status for a trap
    EXPECT_NE(r.output.find("call stack exhausted"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("wasm backtrace:"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("0: depth"), std::string::npos) << r.output;
    RunResult ok = run_kiln({"run", opt, "--invoke", "depth", file, "100"});
    EXPECT_EQ(ok.status, 0) << ok.output;
    EXPECT_EQ(ok.output, "100\n");
  }
}

TEST_F(CliExhaustionTest, RunGrowsMemoryToTheMaximum) {
  std::string file = write("mem.wat", kMemory32);
  RunResult r = run_kiln({"run", "--invoke", "grow_all", file});
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "65535\n");
  RunResult past = run_kiln({"run", "--invoke", "load8_past", file, "-1"});
  EXPECT_FALSE(past.signaled) << "kiln crashed: " << past.output;
  EXPECT_EQ(past.status, 134) << past.output;
  EXPECT_NE(past.output.find("out of bounds memory access"), std::string::npos) << past.output;
}

}  // namespace
}  // namespace kiln::runtime
