// tests/unit/runtime_api/loop_idiom_test.cc: fill and copy loops that the -O2 loop idiom pass
// (opt/loop_idiom.cc) turns into memory_fill / memory_copy calls behind a guard compute exactly
// what the scalar loops compute: the same return values, the same memory contents, and the
// same trap at the same element (with the same partial writes) when a range runs out of
// bounds. The oracle is the same module compiled at -O0 (no mid-end passes), run from the same
// memory contents: overlapping copies in both directions at many distances, zero and tiny
// lengths, out-of-bounds ranges and index arithmetic that wraps around 2^32. A first test
// checks that the pass really rewrites every loop of the module (so the comparisons exercise
// the bulk path, not only the fallback).
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "codegen/driver/bulk_memory.h"
#include "codegen/ir/printer.h"
#include "codegen/opt/passes.h"
#include "codegen/translate/translate.h"
#include "compile_wat.h"
#include "runtime/linker.h"
#include "runtime/store.h"
#include "wasm/decoder.h"
#include "wat/wat.h"

namespace kiln::runtime {
namespace {

using testing::compile;

constexpr std::string_view kModule = R"((module
  (memory (export "mem") 1)
  ;; Forward byte copy, tested at the bottom with ne; returns the final index.
  (func (export "copy8") (param $d i32) (param $s i32) (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $l
        (i32.store8 (i32.add (local.get $d) (local.get $i))
                    (i32.load8_u (i32.add (local.get $s) (local.get $i))))
        (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
    (local.get $i))
  ;; memmove for dst > src: for (i = n; i-- > 0;) d[i] = s[i].
  (func (export "move_back") (param $d i32) (param $s i32) (param $n i32) (result i32)
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $l
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (i32.store8 (i32.add (local.get $d) (local.get $n))
                    (i32.load8_u (i32.add (local.get $s) (local.get $n))))
        (br_if $l (local.get $n))))
    (local.get $n))
  ;; 64-bit word copy tested at the top: for (i = 0; i < n; i++) d[i] = s[i].
  (func (export "copy64") (param $d i32) (param $s i32) (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i64.store (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 3)))
                   (i64.load (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $i))
  ;; Two 16-bit copies per iteration through memarg offsets, the pointers stepped by 4 and a
  ;; separate down-counter; returns the final destination pointer.
  (func (export "copy16x2") (param $d i32) (param $s i32) (param $n i32) (result i32)
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $l
        (i32.store16 (local.get $d) (i32.load16_u (local.get $s)))
        (i32.store16 offset=2 (local.get $d) (i32.load16_u offset=2 (local.get $s)))
        (local.set $d (i32.add (local.get $d) (i32.const 4)))
        (local.set $s (i32.add (local.get $s) (i32.const 4)))
        (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
    (local.get $d))
  ;; Byte fill tested at the top with a signed compare (a negative n runs nothing).
  (func (export "fill8") (param $d i32) (param $v i32) (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (i32.store8 (i32.add (local.get $d) (local.get $i)) (local.get $v))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $i))
  ;; 64-bit fill at d + 8*i for i from i0 until i == n (the count wraps when i0 > n).
  (func (export "fill64") (param $d i32) (param $v i64) (param $i i32) (param $n i32) (result i32)
    (loop $l
      (i64.store (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 3))) (local.get $v))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $i))
  ;; Byte copy for i from i0 until i == n: d + i and s + i wrap around 2^32 when i0 is large.
  (func (export "copy_from") (param $d i32) (param $s i32) (param $i i32) (param $n i32)
    (result i32)
    (loop $l
      (i32.store8 (i32.add (local.get $d) (local.get $i))
                  (i32.load8_u (i32.add (local.get $s) (local.get $i))))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $i))
))";

constexpr uint32_t kPage = 65536;

// One instance of the module at an optimization level.
struct Runner {
  explicit Runner(environ::OptLevel level, bool fuel = false, bool epochs = false)
      : engine(config(level, fuel, epochs)), store(engine) {
    module = compile(engine, kModule);
    auto inst = Instance::create(store, module, {});
    EXPECT_TRUE(inst.ok()) << inst.error().to_string();
    instance = std::make_unique<Instance>(std::move(*inst));
  }
  static Config config(environ::OptLevel level, bool fuel, bool epochs) {
    Config c;
    c.opt_level = level;
    c.consume_fuel(fuel);
    c.epoch_interruption(epochs);
    return c;
  }
  uint8_t* memory() { return instance->get_memory("mem")->data(); }

  Engine engine;
  Store store;
  Module module;
  std::unique_ptr<Instance> instance;
};

// The result of one call: the return value or the trap message, and the memory afterwards.
struct Outcome {
  std::string result;
  std::vector<uint8_t> memory;
};

class LoopIdiom : public ::testing::Test {
 protected:
  LoopIdiom() : o0_(environ::OptLevel::kNone), o2_(environ::OptLevel::kSpeed) {}

  Outcome call(Runner& r, const std::string& name, const std::vector<Val>& args) {
    // The same pseudo-random contents before every call.
    uint8_t* mem = r.memory();
    uint32_t x = 0x9E3779B9u;
    for (uint32_t k = 0; k < kPage; ++k) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      mem[k] = static_cast<uint8_t>(x);
    }
    auto f = r.instance->get_func(name);
    EXPECT_TRUE(f) << name;
    Outcome o;
    Trap t;
    auto res = f->call(args, &t);
    o.result = res.ok() ? "value " + std::to_string((*res)[0].i32()) : "trap " + t.message;
    o.memory.assign(mem, mem + kPage);
    return o;
  }

  // Runs the call at -O0 and -O2 and expects the same outcome; returns the -O0 one.
  Outcome same(const std::string& name, const std::vector<Val>& args) {
    Outcome a = call(o0_, name, args), b = call(o2_, name, args);
    std::string what = name + "(";
    for (const Val& v : args) {
      what +=
          (what.back() == '(' ? "" : ", ") +
          (v.type() == wasm::ValType::i64() ? std::to_string(v.i64()) : std::to_string(v.i32()));
    }
    what += ")";
    EXPECT_EQ(a.result, b.result) << what;
    if (a.memory != b.memory) {
      size_t k = 0;
      while (a.memory[k] == b.memory[k]) ++k;
      ADD_FAILURE() << what << ": memory differs first at byte " << k << " (-O0 "
                    << int(a.memory[k]) << ", -O2 " << int(b.memory[k]) << ")";
    }
    ++calls_;
    return a;
  }

  Runner o0_, o2_;
  int calls_ = 0;
};

Val I32(int64_t v) {
  return Val::i32(static_cast<int32_t>(static_cast<uint32_t>(v)));
}

// Each defined function of kModule as IR text: translated with `tunables`, and after the
// optimizer ran with the memory description (`memory`) or without it.
struct Optimized {
  std::string translated, optimized;
};
std::vector<Optimized> optimize_module(const environ::Tunables& tunables, bool memory) {
  std::vector<Optimized> out;
  auto bytes = wat::parse_module(kModule);
  EXPECT_TRUE(bytes.ok());
  if (!bytes.ok()) return out;
  wasm::Features features;
  auto m = wasm::decode(std::move(*bytes), features);
  EXPECT_TRUE(m.ok());
  if (!m.ok()) return out;
  auto offsets = environ::VMOffsets::for_module(*m);
  EXPECT_TRUE(offsets.ok());
  if (!offsets.ok()) return out;
  codegen::translate::ModuleEnv env{*m, *offsets, tunables};
  codegen::driver::WasmBulkMemory bulk(*m, *offsets, tunables);
  for (uint32_t k = 0; k < m->num_defined_funcs(); ++k) {
    auto f = codegen::translate::translate_function(env, environ::DefinedFuncIndex(k));
    EXPECT_TRUE(f.ok());
    if (!f.ok()) return out;
    Optimized o;
    o.translated = codegen::ir::print_function(*f);
    codegen::opt::optimize(*f, nullptr, memory ? &bulk : nullptr);
    o.optimized = codegen::ir::print_function(*f);
    out.push_back(std::move(o));
  }
  return out;
}

size_t count_calls(const std::string& text) {
  size_t n = 0;
  for (size_t at = text.find("call_indirect"); at != std::string::npos; at = text.find("call_indirect", at + 1)) ++n;
  return n;
}

// Every loop of the module is rewritten at -O2: its function calls a builtin (the bulk
// operation) after the optimizer ran, and none does before, nor without the memory description.
TEST(LoopIdiomPass, RewritesEveryLoopOfTheModule) {
  environ::Tunables tunables;
  auto with = optimize_module(tunables, true);
  auto without = optimize_module(tunables, false);
  ASSERT_EQ(with.size(), 7u);
  ASSERT_EQ(without.size(), 7u);
  for (size_t k = 0; k < with.size(); ++k) {
    EXPECT_EQ(count_calls(with[k].translated), 0u);
    EXPECT_GT(count_calls(with[k].optimized), 0u) << "function " << k << ":\n" << with[k].optimized;
    EXPECT_EQ(count_calls(without[k].optimized), 0u);
  }
}

// With fuel metering on, the fuel variable is one more loop-carried counter to the pass (its
// checks at loop headers are placed after the mid-end): every loop is still rewritten.
TEST(LoopIdiomPass, RewritesMeteredLoops) {
  environ::Tunables tunables;
  tunables.consume_fuel = true;
  auto with = optimize_module(tunables, true);
  ASSERT_EQ(with.size(), 7u);
  for (size_t k = 0; k < with.size(); ++k) {
    // The translated function already calls out_of_gas from its entry check.
    EXPECT_GT(count_calls(with[k].optimized), count_calls(with[k].translated))
        << "function " << k << ":\n" << with[k].optimized;
  }
}

TEST_F(LoopIdiom, OverlappingByteCopiesInBothDirections) {
  const uint32_t lengths[] = {0, 1, 2, 15, 16, 17, 31, 32, 33, 127, 128, 129, 1000, 4096};
  for (uint32_t n : lengths) {
    for (int delta = -40; delta <= 40; ++delta) {
      uint32_t s = 20000, d = s + delta;
      Outcome o = same("copy8", {I32(d), I32(s), I32(n)});
      EXPECT_EQ(o.result, "value " + std::to_string(n));
      same("move_back", {I32(d), I32(s), I32(n)});
      same("copy16x2", {I32(d), I32(s), I32(n / 4)});
      same("copy64", {I32(d), I32(s), I32(n / 8)});
    }
    // Far apart, and distances around the length.
    for (int64_t delta : {-int64_t(n) - 1, -int64_t(n), -int64_t(n) + 1, int64_t(n) - 1, int64_t(n),
                          int64_t(n) + 1, int64_t(20000)}) {
      uint32_t s = 22000, d = static_cast<uint32_t>(s + delta);
      same("copy8", {I32(d), I32(s), I32(n)});
      same("move_back", {I32(d), I32(s), I32(n)});
      same("copy64", {I32(d), I32(s), I32(n / 8)});
    }
  }
  // The forward copy onto itself shifted up replicates the first bytes (scalar semantics).
  Outcome smear = same("copy8", {I32(1001), I32(1000), I32(3000)});
  EXPECT_EQ(smear.memory[1000], smear.memory[3999]);
  EXPECT_EQ(smear.memory[1000], smear.memory[1001]);
  EXPECT_GT(calls_, 4000);
}

TEST_F(LoopIdiom, FillsOfEveryWidth) {
  for (int32_t n : {-7, 0, 1, 3, 4, 5, 15, 16, 17, 31, 32, 33, 128, 5000}) {
    for (uint32_t d : {0u, 1u, 4095u, 30001u}) {
      Outcome o = same("fill8", {I32(d), I32(0x1234AB), I32(n)});
      EXPECT_EQ(o.result, "value " + std::to_string(n < 0 ? 0 : n));
      if (n > 0) {
        EXPECT_EQ(o.memory[d + n - 1], 0xAB);
      }
      // A repeated byte and a value whose bytes differ (the guard sends it to the loop).
      same("fill64", {I32(d), Val::i64(0x5A5A5A5A5A5A5A5Al), I32(0), I32(n)});
      same("fill64", {I32(d), Val::i64(0x0102030405060708l), I32(0), I32(n)});
      same("fill64", {I32(d), Val::i64(-1), I32(100), I32(100 + n)});
    }
  }
}

TEST_F(LoopIdiom, OutOfBoundsRangesTrapAtTheSameElement) {
  const std::string oob = "trap out of bounds memory access";
  for (uint32_t n : {200u, 1000u, 70000u}) {
    for (uint32_t d : {kPage - 100, kPage - 1, kPage, kPage + 8, 0xFFFFFFF0u}) {
      EXPECT_EQ(same("copy8", {I32(d), I32(100), I32(n)}).result, oob);
      EXPECT_EQ(same("copy8", {I32(100), I32(d), I32(n)}).result, oob);
      EXPECT_EQ(same("move_back", {I32(d), I32(100), I32(n)}).result, oob);
      EXPECT_EQ(same("move_back", {I32(100), I32(d), I32(n)}).result, oob);
      EXPECT_EQ(same("copy64", {I32(d), I32(100), I32(n)}).result, oob);
      EXPECT_EQ(same("copy16x2", {I32(d), I32(100), I32(n)}).result, oob);
      EXPECT_EQ(same("fill8", {I32(d), I32(7), I32(n)}).result, oob);
      EXPECT_EQ(same("fill64", {I32(d), Val::i64(0), I32(0), I32(n)}).result, oob);
    }
  }
  // A range that ends exactly at the end of memory is fine.
  EXPECT_EQ(same("copy8", {I32(kPage - 1000), I32(0), I32(1000)}).result, "value 1000");
  EXPECT_EQ(same("fill8", {I32(kPage - 1000), I32(3), I32(1000)}).result, "value 1000");
  EXPECT_EQ(same("move_back", {I32(kPage - 1000), I32(0), I32(1000)}).result, "value 0");
}

TEST_F(LoopIdiom, IndexArithmeticNearTheWrapAround) {
  // i runs from -16 through 0 to 256: d + i never leaves [16, 288), the count (272) is exact.
  EXPECT_EQ(same("copy_from", {I32(32), I32(5000), I32(-16), I32(256)}).result, "value 256");
  EXPECT_EQ(same("fill64", {I32(256), Val::i64(0), I32(-32), I32(200)}).result, "value 200");
  // d + i wraps from 2^32 - 1 to 0 in the middle of the range: the first access is out of
  // bounds, so the loop traps before writing anything.
  EXPECT_EQ(same("copy_from", {I32(0xFFFFFF00u), I32(5000), I32(0), I32(1000)}).result,
            "trap out of bounds memory access");
  // i0 just above n: the count wraps to almost 2^32 and the copy runs out of memory.
  EXPECT_EQ(same("copy_from", {I32(100), I32(5000), I32(5), I32(3)}).result,
            "trap out of bounds memory access");
  EXPECT_EQ(same("fill64", {I32(100), Val::i64(0), I32(5), I32(3)}).result,
            "trap out of bounds memory access");
  // Counts near 2^32 with in-bounds starting addresses.
  EXPECT_EQ(same("copy8", {I32(1000), I32(2000), I32(-1)}).result,
            "trap out of bounds memory access");
  EXPECT_EQ(same("move_back", {I32(1000), I32(900), I32(0x80000000u)}).result,
            "trap out of bounds memory access");
  EXPECT_EQ(same("fill8", {I32(0), I32(1), I32(0x7FFFFFFF)}).result,
            "trap out of bounds memory access");
}

// With fuel metering the rewritten loop's guard also requires the fuel to last for the whole
// loop; otherwise the loop runs: a long copy still runs out of fuel part way, at the same point
// and with the same bytes copied as at -O0.
TEST(LoopIdiomFuel, RunningOutPartWayRunsTheLoop) {
  std::vector<uint8_t> memory[2];
  std::string result[2];
  int k = 0;
  for (environ::OptLevel level : {environ::OptLevel::kNone, environ::OptLevel::kSpeed}) {
    Runner r(level, /*fuel=*/true);
    ASSERT_TRUE(r.store.set_fuel(20000).ok());
    uint8_t* mem = r.memory();
    for (uint32_t b = 0; b < 30000; ++b) mem[b] = static_cast<uint8_t>(b * 7 + 1);
    Trap t;
    auto res =
        r.instance->get_func("copy8")->call(std::vector<Val>{I32(30000), I32(0), I32(30000)}, &t);
    result[k] = res.ok() ? "value" : t.message;
    memory[k].assign(mem, mem + kPage);
    ++k;
  }
  EXPECT_EQ(result[0], "all fuel consumed");
  EXPECT_EQ(result[1], "all fuel consumed");
  // Part of the range was copied before the fuel ran out, and not all of it.
  EXPECT_EQ(memory[1][30000], 1);
  EXPECT_NE(memory[1][59999], static_cast<uint8_t>(29999 * 7 + 1));
  EXPECT_TRUE(memory[0] == memory[1]);
}

// With enough fuel the bulk copy runs and charges exactly what the loop would have.
TEST(LoopIdiomFuel, BulkCopyChargesTheLoopsFuel) {
  uint64_t used[2];
  std::vector<uint8_t> memory[2];
  int k = 0;
  for (environ::OptLevel level : {environ::OptLevel::kNone, environ::OptLevel::kSpeed}) {
    Runner r(level, /*fuel=*/true);
    ASSERT_TRUE(r.store.set_fuel(10'000'000).ok());
    uint8_t* mem = r.memory();
    for (uint32_t b = 0; b < 30000; ++b) mem[b] = static_cast<uint8_t>(b * 7 + 1);
    auto res = r.instance->get_func("copy8")->call(std::vector<Val>{I32(30000), I32(0), I32(30000)});
    ASSERT_TRUE(res.ok()) << res.error().to_string();
    auto left = r.store.get_fuel();
    ASSERT_TRUE(left.ok());
    used[k] = 10'000'000 - *left;
    memory[k].assign(mem, mem + kPage);
    ++k;
  }
  EXPECT_GT(used[0], 30000u);
  EXPECT_EQ(used[0], used[1]);
  EXPECT_TRUE(memory[0] == memory[1]);
  EXPECT_EQ(memory[1][59999], static_cast<uint8_t>(29999 * 7 + 1));
}

// With epoch interruption the checks are placed after the mid-end (opt/limit_checks.h), so the
// loops are still rewritten (a bulk operation is bounded, like memory.copy); the results stay
// those of -O0, and a deadline already reached still interrupts at the function's entry.
TEST(LoopIdiomEpochs, SameResultsWithEpochChecks) {
  std::vector<uint8_t> memory[2];
  std::string result[2];
  for (int k = 0; k < 2; ++k) {
    Runner r(k == 0 ? environ::OptLevel::kNone : environ::OptLevel::kSpeed, false, /*epochs=*/true);
    r.store.set_epoch_deadline(1000);
    uint8_t* mem = r.memory();
    for (uint32_t b = 0; b < kPage; ++b) mem[b] = static_cast<uint8_t>(b * 13 + 5);
    auto copy8 = r.instance->get_func("copy8");
    auto move_back = r.instance->get_func("move_back");
    Trap t;
    auto a = copy8->call(std::vector<Val>{I32(100), I32(20000), I32(30000)}, &t);
    auto b = move_back->call(std::vector<Val>{I32(40007), I32(40000), I32(20000)}, &t);
    result[k] = (a.ok() ? std::to_string((*a)[0].i32()) : t.message) + " " +
                (b.ok() ? std::to_string((*b)[0].i32()) : t.message);
    r.store.set_epoch_deadline(0);
    auto c = copy8->call(std::vector<Val>{I32(0), I32(100), I32(1000)}, &t);
    result[k] += " " + (c.ok() ? std::string("value") : t.message);
    memory[k].assign(mem, mem + kPage);
  }
  EXPECT_EQ(result[0], result[1]);
  EXPECT_EQ(result[1].substr(0, 8), "30000 0 ");
  EXPECT_TRUE(memory[0] == memory[1]);
}

// An imported memory: the base is loaded through the import's VMMemoryDefinition pointer; the
// pass rewrites the loop the same way and the results match -O0's.
constexpr std::string_view kImported = R"((module
  (import "env" "m" (memory 1))
  (func (export "copy8") (param $d i32) (param $s i32) (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (i32.store8 (i32.add (local.get $d) (local.get $i))
                  (i32.load8_u (i32.add (local.get $s) (local.get $i))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $i))
))";

TEST(LoopIdiomImportedMemory, RewrittenAndExact) {
  {
    auto bytes = wat::parse_module(kImported);
    ASSERT_TRUE(bytes.ok());
    wasm::Features features;
    auto m = wasm::decode(std::move(*bytes), features);
    ASSERT_TRUE(m.ok());
    auto offsets = environ::VMOffsets::for_module(*m);
    ASSERT_TRUE(offsets.ok());
    environ::Tunables tunables;
    codegen::translate::ModuleEnv env{*m, *offsets, tunables};
    codegen::driver::WasmBulkMemory memory(*m, *offsets, tunables);
    auto f = codegen::translate::translate_function(env, environ::DefinedFuncIndex(0));
    ASSERT_TRUE(f.ok());
    codegen::opt::optimize(*f, nullptr, &memory);
    EXPECT_NE(codegen::ir::print_function(*f).find("call_indirect"), std::string::npos);
  }
  struct Case {
    uint32_t d, s, n;
  };
  const Case cases[] = {{1000, 3000, 2000}, {3001, 3000, 2000}, {2999, 3000, 2000},
                        {65000, 0, 1000},   {0, 65000, 1000},   {500, 100, 40}};
  for (const Case& c : cases) {
    std::string result[2];
    std::vector<uint8_t> contents[2];
    for (int k = 0; k < 2; ++k) {
      Config config;
      config.opt_level = k == 0 ? environ::OptLevel::kNone : environ::OptLevel::kSpeed;
      Engine engine(config);
      Store store(engine);
      Module m = compile(engine, kImported);
      wasm::MemoryType mt;
      mt.limits.min = 1;
      auto mem = Memory::create(store, mt);
      ASSERT_TRUE(mem.ok());
      for (uint32_t b = 0; b < kPage; ++b) mem->data()[b] = static_cast<uint8_t>(b * 11 + 3);
      Linker linker;
      ASSERT_TRUE(linker.define("env", "m", *mem).ok());
      auto inst = linker.instantiate(store, m);
      ASSERT_TRUE(inst.ok()) << inst.error().to_string();
      Trap t;
      auto r = inst->get_func("copy8")->call(std::vector<Val>{I32(c.d), I32(c.s), I32(c.n)}, &t);
      result[k] = r.ok() ? std::to_string((*r)[0].i32()) : t.message;
      contents[k].assign(mem->data(), mem->data() + kPage);
    }
    EXPECT_EQ(result[0], result[1]) << c.d << " " << c.s << " " << c.n;
    EXPECT_TRUE(contents[0] == contents[1]) << c.d << " " << c.s << " " << c.n;
  }
}

}  // namespace
}  // namespace kiln::runtime
