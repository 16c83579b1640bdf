// tests/unit/baseline/differential_test.cc: the baseline compiler (-O0) against the optimizing
// pipeline (at -O0 and -O2) on hand-written and generated modules: every export's results, trap
// codes and memory contents after a trap must agree. Each test first checks which functions the
// baseline compiles itself, so a silent fallback to the pipeline cannot make a test vacuous.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "codegen/baseline/baseline.h"
#include "codegen/driver/compiler.h"
#include "runtime/engine.h"
#include "runtime/linker.h"
#include "runtime/module.h"
#include "runtime/store.h"
#include "wasm/decoder.h"
#include "wasm/validator.h"
#include "wat/wat.h"

namespace kiln::codegen::baseline {
namespace {

using runtime::Val;
using namespace std::chrono_literals;

std::vector<uint8_t> to_binary(const std::string& wat) {
  auto bytes = wat::parse_module(wat);
  EXPECT_TRUE(bytes.ok()) << (bytes.ok() ? "" : bytes.error().to_string()) << "\n" << wat;
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

// How many of the module's defined functions the baseline compiles itself (the rest fall
// back to the pipeline).
uint32_t baseline_compiled(const std::vector<uint8_t>& bytes, uint32_t* total,
                           const std::string& target_features = "") {
  wasm::Features features = wasm::Features::all();
  auto m = wasm::decode(bytes, features);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().to_string());
  if (!m.ok()) return 0;
  auto valid = wasm::validate(*m, features);
  EXPECT_TRUE(valid.ok()) << (valid.ok() ? "" : valid.error().to_string());
  if (!valid.ok()) return 0;
  auto offsets = environ::VMOffsets::for_module(*m);
  EXPECT_TRUE(offsets.ok());
  environ::CompilerOptions options;
  options.opt_level = environ::OptLevel::kNone;
  options.target_features = target_features;
  environ::ModuleEnv env{*m, features, *offsets, options};
  uint32_t n = 0;
  *total = m->num_defined_funcs();
  for (uint32_t k = 0; k < m->num_defined_funcs(); ++k) {
    auto r = compile_function(env, environ::DefinedFuncIndex(k));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    if (r.ok() && r->has_value()) ++n;
  }
  return n;
}

enum class Tier { kBaseline, kPipelineO0, kPipelineO2 };

runtime::Engine make_engine(Tier tier, bool epochs = false, const std::string& target_features = "",
                            bool fuel = false) {
  runtime::Config c;
  c.target_features = target_features;
  c.consume_fuel(fuel);
  c.features = wasm::Features::all();
  c.opt_level = tier == Tier::kPipelineO2 ? environ::OptLevel::kSpeed : environ::OptLevel::kNone;
  if (tier == Tier::kPipelineO0) {
    c.compiler = driver::make_x64_compiler(driver::X64Compiler::Tier0::kPipeline);
  }
  c.epoch_interruption(epochs);
  return runtime::Engine(c);
}

// The outcome of one call: results (as bits) or a trap code, plus a hash of memory "mem".
struct Outcome {
  bool trapped = false;
  int trap = -1;
  std::vector<uint64_t> bits;
  uint64_t memory_hash = 0;
  uint64_t fuel_left = 0;  // with fuel metering: the store's fuel after the call
  bool operator==(const Outcome&) const = default;
};

std::string describe(const Outcome& o) {
  std::string s = o.trapped ? "trap " + std::to_string(o.trap) : "ok";
  for (uint64_t b : o.bits) s += " " + std::to_string(b);
  return s + " mem#" + std::to_string(o.memory_hash) + " fuel " + std::to_string(o.fuel_left);
}

uint64_t hash_memory(const runtime::Instance& inst) {
  auto mem = inst.get_memory("mem");
  if (!mem) return 0;
  uint64_t h = 1469598103934665603ull;
  const uint8_t* p = mem->data();
  for (uint64_t i = 0; i < mem->data_size(); ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

uint64_t bits_of(const Val& v) {
  switch (v.type().kind) {
    case wasm::ValKind::kI32: return static_cast<uint32_t>(v.i32());
    case wasm::ValKind::kI64: return static_cast<uint64_t>(v.i64());
    case wasm::ValKind::kF32: {
      uint32_t b = v.f32_bits();
      // Any NaN: engines may differ in payload only where Wasm allows it.
      if ((b & 0x7F800000u) == 0x7F800000u && (b & 0x7FFFFFu)) return 0x7FC00000u;
      return b;
    }
    case wasm::ValKind::kF64: {
      uint64_t b = v.f64_bits();
      if ((b & 0x7FF0000000000000ull) == 0x7FF0000000000000ull && (b & 0xFFFFFFFFFFFFFull)) {
        return 0x7FF8000000000000ull;
      }
      return b;
    }
    default: return v.is_null_ref() ? 0 : 1;
  }
}

struct Call {
  std::string name;
  std::vector<Val> args;
};

// Runs `calls` in order on one fresh instance per tier and returns one outcome list per tier.
// With `fuel` (> 0), the store starts with that much fuel and each outcome records what is left.
std::vector<std::vector<Outcome>> run_all(const std::vector<uint8_t>& bytes, const std::vector<Call>& calls,
                                          const std::string& target_features, uint64_t fuel) {
  std::vector<std::vector<Outcome>> out;
  for (Tier tier : {Tier::kBaseline, Tier::kPipelineO0, Tier::kPipelineO2}) {
    runtime::Engine engine = make_engine(tier, false, target_features, fuel > 0);
    auto m = runtime::Module::from_binary(engine, bytes);
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().to_string());
    if (!m.ok()) return {};
    runtime::Store store(engine);
    if (fuel > 0) {
      EXPECT_TRUE(store.set_fuel(fuel).ok());
    }
    runtime::Linker linker;
    auto inst = linker.instantiate(store, *m);
    EXPECT_TRUE(inst.ok()) << (inst.ok() ? "" : inst.error().to_string());
    if (!inst.ok()) return {};
    std::vector<Outcome> outcomes;
    for (const Call& c : calls) {
      auto f = inst->get_func(c.name);
      EXPECT_TRUE(f.has_value()) << c.name;
      if (!f) return {};
      Outcome o;
      runtime::Trap trap;
      auto r = f->call(c.args, &trap);
      if (r.ok()) {
        for (const Val& v : *r) o.bits.push_back(bits_of(v));
      } else {
        o.trapped = true;
        o.trap = trap.code ? static_cast<int>(*trap.code) : -2;
      }
      o.memory_hash = hash_memory(*inst);
      if (fuel > 0) {
        auto left = store.get_fuel();
        EXPECT_TRUE(left.ok());
        o.fuel_left = left.ok() ? *left : 0;
      }
      outcomes.push_back(o);
    }
    out.push_back(std::move(outcomes));
  }
  return out;
}

void expect_agree(const std::vector<uint8_t>& bytes, const std::vector<Call>& calls,
                  const std::string& target_features = "", uint64_t fuel = 0) {
  auto all = run_all(bytes, calls, target_features, fuel);
  ASSERT_EQ(all.size(), 3u);
  for (size_t k = 0; k < calls.size(); ++k) {
    EXPECT_EQ(all[0][k], all[1][k]) << calls[k].name << " #" << k << ": baseline " << describe(all[0][k])
                                    << " vs pipeline -O0 " << describe(all[1][k]);
    EXPECT_EQ(all[0][k], all[2][k]) << calls[k].name << " #" << k << ": baseline " << describe(all[0][k])
                                    << " vs -O2 " << describe(all[2][k]);
  }
}

// ---- hand-written modules

TEST(BaselineDifferential, ControlFlowWithValues) {
  std::string wat = R"((module
  (memory (export "mem") 1)
  (func (export "nested") (param i32 i32) (result i32 i64)
    (block (result i32 i64)
      (block (result i32)
        (i32.const 5)
        (loop $l (param i32) (result i32)
          local.get 1
          i32.const 1
          i32.sub
          local.tee 1
          br_if $l
          i32.const 7
          i32.add)
        (if (param i32) (result i32) (i32.and (local.get 0) (i32.const 1))
          (then (i32.const 100) (i32.add))
          (else (i32.const 3) (i32.mul))))
      (i64.extend_i32_s (local.get 0))
      (br_if 0 (i32.gt_s (local.get 0) (i32.const 10)))
      (drop) (drop)
      (i32.const -1) (i64.const -2)))
  (func (export "table") (param i32) (result i32)
    (block $d (result i32)
      (block $c (result i32)
        (block $b (result i32)
          (block $a (result i32)
            (i32.mul (local.get 0) (i32.const 3))
            (br_table $a $b $c $d $b (local.get 0)))
          (return (i32.add (i32.const 1000))))
        (i32.sub (i32.const 77)))
      (i32.xor (i32.const 0x55)))
    (i32.const 1) (i32.add))
  (func (export "loop_sum") (param i32) (result i64)
    (local i64 i32)
    (loop $top
      (local.set 1 (i64.add (local.get 1) (i64.extend_i32_u (i32.mul (local.get 2) (local.get 2)))))
      (local.set 2 (i32.add (local.get 2) (i32.const 1)))
      (br_if $top (i32.lt_u (local.get 2) (local.get 0))))
    (local.get 1))
  (func (export "select") (param i32 f64 f64) (result f64 i32)
    (select (local.get 1) (local.get 2) (local.get 0))
    (select (i32.const 5) (i32.const 6) (local.get 0)))
  (func (export "unreachable_tail") (param i32) (result i32)
    (drop (block (result i32)
      (br 0 (i32.const 9))
      (i32.const 10) (i32.add)))
    (if (result i32) (local.get 0) (then (return (i32.const 1))) (else (unreachable)))))
)";
  auto bytes = to_binary(wat);
  uint32_t total = 0;
  EXPECT_EQ(baseline_compiled(bytes, &total), total);
  std::vector<Call> calls;
  for (int a : {0, 1, 5, 11, 12, -3}) calls.push_back({"nested", {Val::i32(a), Val::i32(4)}});
  for (int a : {0, 1, 2, 3, 4, 5, 100, -1}) calls.push_back({"table", {Val::i32(a)}});
  for (int a : {1, 10, 1000}) calls.push_back({"loop_sum", {Val::i32(a)}});
  for (int a : {0, 1}) calls.push_back({"select", {Val::i32(a), Val::f64(1.5), Val::f64(-2.25)}});
  for (int a : {0, 1}) calls.push_back({"unreachable_tail", {Val::i32(a)}});
  expect_agree(bytes, calls);
  // Fuel metering: the same costs charged at the same points (translate/fuel_epoch.h).
  expect_agree(bytes, calls, "", 1'000'000);
}

// Many params (some on the stack), many results (a return area), called by baseline code and
// by a function the baseline leaves to the pipeline (it uses v128), in both directions.
TEST(BaselineDifferential, MultiValueCallsAcrossTiers) {
  std::string params, sum_i, sum_f;
  std::string wat = R"((module
  (func $many (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i64 i64)
              (result i64 f64 i32 f32 i64 f64 i32)
    (i64.add (i64.extend_i32_u (local.get 0)) (i64.add (local.get 1) (i64.mul (local.get 21) (local.get 20))))
    (f64.add (f64.promote_f32 (local.get 2)) (f64.add (local.get 3) (local.get 19)))
    (i32.add (local.get 16) (local.get 12))
    (f32.sub (local.get 18) (local.get 14))
    (i64.sub (local.get 17) (local.get 13))
    (f64.mul (local.get 15) (local.get 11))
    (i32.xor (local.get 8) (local.get 4)))
  (func $simd_caller (export "simd_caller") (param i32) (result i64 f64 i32 f32 i64 f64 i32)
    (local v128)
    (local.set 1 (i32x4.splat (local.get 0)))
    (call $many
      (i32x4.extract_lane 0 (local.get 1)) (i64.const 2) (f32.const 3.5) (f64.const 4.25)
      (i32.const 5) (i64.const 6) (f32.const 7) (f64.const 8)
      (i32.const 9) (i64.const 10) (f32.const 11) (f64.const 12)
      (i32.const 13) (i64.const 14) (f32.const 15) (f64.const 16)
      (i32.const 17) (i64.const -18) (f32.const 19.75) (f64.const 20)
      (i64.const 21) (i64.extend_i32_s (i32x4.extract_lane 3 (local.get 1)))))
  (func $simd_callee (param i64 i32 f64 i64 i64 i64 i64 i64 f32) (result i32 i64 f64 f32)
    (local v128)
    (local.set 9 (i64x2.splat (local.get 0)))
    (i32.add (local.get 1) (i32.wrap_i64 (local.get 7)))
    (i64.add (i64x2.extract_lane 1 (local.get 9)) (local.get 6))
    (f64.neg (local.get 2))
    (local.get 8))
  (func (export "baseline_caller") (param i32) (result i64 f64 i32 f32 i64 f64 i32 i32 i64 f64 f32)
    (call $many
      (local.get 0) (i64.const 2) (f32.const 3.5) (f64.const 4.25)
      (i32.const 5) (i64.const 6) (f32.const 7) (f64.const 8)
      (i32.const 9) (i64.const 10) (f32.const 11) (f64.const 12)
      (i32.const 13) (i64.const 14) (f32.const 15) (f64.const 16)
      (i32.const 17) (i64.const -18) (f32.const 19.75) (f64.const 20)
      (i64.const 21) (i64.extend_i32_s (local.get 0)))
    (call $simd_callee (i64.const 1) (local.get 0) (f64.const 2.5) (i64.const 3) (i64.const 4)
                       (i64.const 5) (i64.const 6) (i64.const 7) (f32.const -8))))
)";
  auto bytes = to_binary(wat);
  uint32_t total = 0;
  EXPECT_EQ(baseline_compiled(bytes, &total), 2u);  // $many and baseline_caller
  EXPECT_EQ(total, 4u);
  std::vector<Call> calls;
  for (int a : {0, 3, -7}) {
    calls.push_back({"simd_caller", {Val::i32(a)}});
    calls.push_back({"baseline_caller", {Val::i32(a)}});
  }
  expect_agree(bytes, calls);
}

TEST(BaselineDifferential, TrapsLeaveTheSameMemory) {
  std::string wat = R"((module
  (memory (export "mem") 1 2)
  (func (export "fill") (param i32 i32)
    (loop $l
      (i32.store8 (local.get 0) (local.get 1))
      (local.set 0 (i32.add (local.get 0) (i32.const 1)))
      (local.set 1 (i32.add (local.get 1) (i32.const 3)))
      (br $l)))
  (func (export "store64") (param i32 i64) (i64.store offset=3 (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32)
    (i32.store (i32.const 16) (i32.const 0xabcd))
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "rem") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
  (func (export "divu") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1)))
  (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func (export "truncu") (param f32) (result i64) (i64.trunc_f32_u (local.get 0)))
  (func (export "grow") (param i32) (result i32 i32) (memory.grow (local.get 0)) (memory.size))
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill_bulk") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2))))
)";
  auto bytes = to_binary(wat);
  uint32_t total = 0;
  EXPECT_EQ(baseline_compiled(bytes, &total), total);
  std::vector<Call> calls = {
      {"fill", {Val::i32(65000), Val::i32(7)}},
      {"store64", {Val::i32(65530), Val::i64(-1)}},
      {"store64", {Val::i32(65525), Val::i64(0x0102030405060708)}},
      {"div", {Val::i32(INT32_MIN), Val::i32(-1)}},
      {"div", {Val::i32(7), Val::i32(0)}},
      {"div", {Val::i32(-7), Val::i32(2)}},
      {"rem", {Val::i64(INT64_MIN), Val::i64(-1)}},
      {"rem", {Val::i64(-7), Val::i64(0)}},
      {"rem", {Val::i64(-7), Val::i64(3)}},
      {"divu", {Val::i64(-7), Val::i64(3)}},
      {"trunc", {Val::f64(-2147483648.9)}},
      {"trunc", {Val::f64(-2147483649.0)}},
      {"trunc", {Val::f64(2147483647.9)}},
      {"trunc", {Val::f64(2147483648.0)}},
      {"trunc", {Val::f64(std::numeric_limits<double>::quiet_NaN())}},
      {"truncu", {Val::f32(-0.9f)}},
      {"truncu", {Val::f32(-1.0f)}},
      {"truncu", {Val::f32(1.8446743e19f)}},
      {"truncu", {Val::f32(9.3e18f)}},
      {"grow", {Val::i32(1)}},
      {"grow", {Val::i32(1)}},
      {"store64", {Val::i32(131060), Val::i64(77)}},
      {"copy", {Val::i32(100), Val::i32(65000), Val::i32(300)}},
      {"copy", {Val::i32(131000), Val::i32(0), Val::i32(100)}},
      {"fill_bulk", {Val::i32(5), Val::i32(0x5a), Val::i32(50)}},
      {"fill_bulk", {Val::i32(131070), Val::i32(1), Val::i32(3)}},
  };
  expect_agree(bytes, calls);
  // With fuel: what a trapping function charged before its trap must agree too.
  expect_agree(bytes, calls, "", 10'000'000);
}

TEST(BaselineDifferential, TablesGlobalsAndIndirectCalls) {
  std::string wat = R"((module
  (type $ii (func (param i32) (result i32)))
  (type $v (func))
  (memory (export "mem") 1)
  (table $t 8 funcref)
  (table $e 4 externref)
  (global $g (mut i64) (i64.const 5))
  (global $f (mut f32) (f32.const 1.5))
  (global $r (mut funcref) (ref.null func))
  (elem (table $t) (i32.const 1) func $inc $dbl $nop)
  (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
  (func $dbl (type $ii) (global.set $g (i64.add (global.get $g) (i64.const 1))) (i32.shl (local.get 0) (i32.const 1)))
  (func $nop (type $v))
  (func (export "call") (param i32 i32) (result i32) (call_indirect $t (type $ii) (local.get 1) (local.get 0)))
  (func (export "set") (param i32) (table.set $t (local.get 0) (table.get $t (i32.const 2))))
  (func (export "clear") (param i32) (table.set $t (local.get 0) (ref.null func)))
  (func (export "is_null") (param i32) (result i32) (ref.is_null (table.get $t (local.get 0))))
  (func (export "grow") (param i32) (result i32 i32) (table.grow $t (ref.func $inc) (local.get 0)) (table.size $t))
  (func (export "globals") (result i64 f32)
    (global.set $f (f32.mul (global.get $f) (f32.const -2)))
    (global.set $r (ref.func $dbl))
    (global.get $g) (global.get $f))
  (func (export "call_global") (param i32) (result i32) (call_indirect $t (type $ii) (local.get 0) (i32.const 2)))
  (func (export "ext") (param i32) (result i32)
    (table.set $e (local.get 0) (ref.null extern))
    (ref.is_null (table.get $e (local.get 0)))))
)";
  auto bytes = to_binary(wat);
  uint32_t total = 0;
  EXPECT_EQ(baseline_compiled(bytes, &total), total);
  std::vector<Call> calls = {
      {"call", {Val::i32(1), Val::i32(10)}}, {"call", {Val::i32(2), Val::i32(10)}},
      {"call", {Val::i32(3), Val::i32(10)}}, {"call", {Val::i32(0), Val::i32(10)}},
      {"call", {Val::i32(8), Val::i32(10)}}, {"call", {Val::i32(-1), Val::i32(10)}},
      {"is_null", {Val::i32(0)}},            {"is_null", {Val::i32(2)}},
      {"set", {Val::i32(5)}},                {"call", {Val::i32(5), Val::i32(4)}},
      {"clear", {Val::i32(2)}},              {"call", {Val::i32(2), Val::i32(4)}},
      {"is_null", {Val::i32(2)}},            {"set", {Val::i32(9)}},
      {"grow", {Val::i32(3)}},               {"call", {Val::i32(10), Val::i32(4)}},
      {"globals", {}},                       {"globals", {}},
      {"call_global", {Val::i32(3)}},        {"ext", {Val::i32(1)}},
      {"ext", {Val::i32(4)}},
  };
  expect_agree(bytes, calls);
  expect_agree(bytes, calls, "", 1'000'000);
}

TEST(BaselineDifferential, Memory64AndMultiMemory) {
  std::string wat = R"((module
  (memory $a (export "mem") 1)
  (memory $b i64 1 3)
  (func (export "roundtrip") (param i64 i32) (result i32 i64)
    (i32.store $a (i32.const 8) (local.get 1))
    (i64.store $b offset=4 (local.get 0) (i64.extend_i32_s (i32.load $a (i32.const 8))))
    (i32.load8_s $b (local.get 0))
    (i64.load32_u $b offset=4 (local.get 0)))
  (func (export "size") (result i64 i32) (memory.size $b) (memory.size $a))
  (func (export "grow") (param i64) (result i64) (memory.grow $b (local.get 0)))
  (func (export "copy") (param i64 i32 i32) (memory.copy $a $b (local.get 1) (local.get 0) (local.get 2))))
)";
  auto bytes = to_binary(wat);
  uint32_t total = 0;
  EXPECT_EQ(baseline_compiled(bytes, &total), total);
  std::vector<Call> calls = {
      {"roundtrip", {Val::i64(0), Val::i32(-5)}},       {"roundtrip", {Val::i64(65528), Val::i32(9)}},
      {"roundtrip", {Val::i64(65529), Val::i32(9)}},    {"roundtrip", {Val::i64(-4), Val::i32(9)}},
      {"size", {}},                                     {"grow", {Val::i64(1)}},
      {"roundtrip", {Val::i64(65529), Val::i32(9)}},    {"grow", {Val::i64(5)}},
      {"size", {}},                                     {"copy", {Val::i64(65530), Val::i32(0), Val::i32(16)}},
      {"copy", {Val::i64(131070), Val::i32(0), Val::i32(16)}},
  };
  expect_agree(bytes, calls);
}

TEST(BaselineDifferential, DeepRecursionIsAStackOverflowTrap) {
  std::string wat = R"((module
  (func $down (export "down") (param i64) (result i64)
    (i64.add (call $down (i64.add (local.get 0) (i64.const 1))) (i64.const 1))))
)";
  auto bytes = to_binary(wat);
  uint32_t total = 0;
  EXPECT_EQ(baseline_compiled(bytes, &total), total);
  runtime::Engine engine = make_engine(Tier::kBaseline);
  auto m = runtime::Module::from_binary(engine, bytes);
  ASSERT_TRUE(m.ok());
  runtime::Store store(engine);
  runtime::Linker linker;
  auto inst = linker.instantiate(store, *m);
  ASSERT_TRUE(inst.ok());
  for (int round = 0; round < 2; ++round) {
    runtime::Trap trap;
    std::vector<Val> args{Val::i64(0)};
    auto r = inst->get_func("down")->call(args, &trap);
    ASSERT_FALSE(r.ok());
    ASSERT_TRUE(trap.code.has_value());
    EXPECT_EQ(*trap.code, environ::TrapCode::kStackOverflow) << trap.message;
  }
}

// Tail calls through every form, with stack arguments and a return area: a million-deep
// mutual recursion must run in constant stack space.
TEST(BaselineDifferential, TailCalls) {
  std::string wat = R"((module
  (type $t (func (param i64 i64 i64 i64 i64 i64 i64) (result i64 i64 i64)))
  (table 2 funcref)
  (elem (i32.const 0) func $even $odd)
  (elem declare func $odd)
  (func $even (type $t)
    (if (result i64 i64 i64) (i64.eqz (local.get 0))
      (then (local.get 1) (local.get 6) (i64.const 1))
      (else
        (if (i64.eq (i64.rem_u (local.get 0) (i64.const 3)) (i64.const 0))
          (then (return_call_ref $t (i64.sub (local.get 0) (i64.const 1)) (i64.add (local.get 1) (local.get 2))
                  (local.get 2) (local.get 3) (local.get 4) (local.get 5) (i64.add (local.get 6) (i64.const 3))
                  (ref.func $odd))))
        (return_call $odd (i64.sub (local.get 0) (i64.const 1)) (i64.add (local.get 1) (local.get 2))
          (local.get 2) (local.get 3) (local.get 4) (local.get 5) (i64.add (local.get 6) (i64.const 3))))))
  (func $odd (type $t)
    (if (i64.eqz (local.get 0)) (then (return (local.get 5) (local.get 1) (i64.const 2))))
    (return_call_indirect (type $t) (i64.sub (local.get 0) (i64.const 1)) (i64.xor (local.get 1) (local.get 5))
      (local.get 2) (local.get 3) (local.get 4) (i64.add (local.get 5) (i64.const 1)) (local.get 6)
      (i32.const 0)))
  (func (export "run") (param i64) (result i64 i64 i64)
    (call $even (local.get 0) (i64.const 0) (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5))))
)";
  auto bytes = to_binary(wat);
  uint32_t total = 0;
  EXPECT_EQ(baseline_compiled(bytes, &total), total);
  expect_agree(bytes, {{"run", {Val::i64(0)}}, {"run", {Val::i64(7)}}, {"run", {Val::i64(1000000)}}});
}

// Out of fuel: a spinning loop traps with every unit of fuel used; a `loop` no branch goes
// back to is no loop (no check there, as in the pipeline), so a function that ran out of fuel
// before it still returns; calls, which charge in the callee, stop at the budget.
TEST(BaselineDifferential, FuelRunsOutWhereThePipelineStops) {
  std::string wat = R"((module
  (func (export "spin") (loop $l (br $l)))
  (func (export "straight") (param i32) (result i32)
    (local.set 0 (i32.add (local.get 0) (i32.const 1)))
    (loop (result i32) (i32.mul (local.get 0) (i32.const 3))))
  (func $leaf (param i32) (result i32) (i32.add (local.get 0) (i32.const 2)))
  (func (export "calls") (param i32) (result i32)
    (loop $l
      (local.set 0 (call $leaf (local.get 0)))
      (br_if $l (i32.lt_u (local.get 0) (i32.const 1000000))))
    (local.get 0)))
)";
  auto bytes = to_binary(wat);
  uint32_t total = 0;
  EXPECT_EQ(baseline_compiled(bytes, &total), total);
  for (uint64_t budget : {1ull, 3ull, 5ull, 100ull, 1000ull, 12345ull}) {
    std::vector<Call> calls = {{"straight", {Val::i32(4)}}, {"spin", {}}, {"straight", {Val::i32(4)}}};
    expect_agree(bytes, calls, "", budget);
    expect_agree(bytes, {{"calls", {Val::i32(0)}}}, "", budget);
  }
}

// NaN canonicalisation (Tunables::nan_canonicalization): NaN results of arithmetic, min/max,
// sqrt, rounding, promotion and demotion are exactly the canonical NaN, as in the pipeline;
// other operations (neg, copysign, reinterpret, loads) keep their payloads.
TEST(BaselineDifferential, NanCanonicalization) {
  std::string wat = R"((module
  (func (export "f32") (param i32 i32) (result i32 i32 i32 i32 i32 i32 i32)
    (i32.reinterpret_f32 (f32.add (f32.reinterpret_i32 (local.get 0)) (f32.const 1)))
    (i32.reinterpret_f32 (f32.min (f32.const 2) (f32.reinterpret_i32 (local.get 1))))
    (i32.reinterpret_f32 (f32.sqrt (f32.reinterpret_i32 (local.get 0))))
    (i32.reinterpret_f32 (f32.nearest (f32.reinterpret_i32 (local.get 1))))
    (i32.reinterpret_f32 (f32.neg (f32.reinterpret_i32 (local.get 0))))
    (i32.reinterpret_f32 (f32.demote_f64 (f64.promote_f32 (f32.reinterpret_i32 (local.get 1)))))
    (i32.reinterpret_f32 (f32.div (f32.const 0) (f32.const 0))))
  (func (export "f64") (param i64) (result i64 i64 i64)
    (i64.reinterpret_f64 (f64.mul (f64.reinterpret_i64 (local.get 0)) (f64.const 3)))
    (i64.reinterpret_f64 (f64.max (f64.reinterpret_i64 (local.get 0)) (f64.const 1)))
    (i64.reinterpret_f64 (f64.copysign (f64.reinterpret_i64 (local.get 0)) (f64.const -1)))))
)";
  auto bytes = to_binary(wat);
  uint32_t total = 0;
  EXPECT_EQ(baseline_compiled(bytes, &total), total);
  std::vector<std::vector<uint64_t>> results;
  for (Tier tier : {Tier::kBaseline, Tier::kPipelineO0, Tier::kPipelineO2}) {
    runtime::Config c;
    c.opt_level = tier == Tier::kPipelineO2 ? environ::OptLevel::kSpeed : environ::OptLevel::kNone;
    if (tier == Tier::kPipelineO0) c.compiler = driver::make_x64_compiler(driver::X64Compiler::Tier0::kPipeline);
    c.tunables.nan_canonicalization = true;
    runtime::Engine engine(c);
    auto m = runtime::Module::from_binary(engine, bytes);
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    runtime::Store store(engine);
    runtime::Linker linker;
    auto inst = linker.instantiate(store, *m);
    ASSERT_TRUE(inst.ok());
    std::vector<uint64_t> bits;
    std::vector<Val> a32{Val::i32(static_cast<int32_t>(0x7FA00001u)), Val::i32(static_cast<int32_t>(0xFFB00002u))};
    auto r32 = inst->get_func("f32")->call(a32);
    ASSERT_TRUE(r32.ok());
    for (const Val& v : *r32) bits.push_back(static_cast<uint32_t>(v.i32()));
    std::vector<Val> a64{Val::i64(static_cast<int64_t>(0xFFF4000000000003ull))};
    auto r64 = inst->get_func("f64")->call(a64);
    ASSERT_TRUE(r64.ok());
    for (const Val& v : *r64) bits.push_back(static_cast<uint64_t>(v.i64()));
    results.push_back(bits);
  }
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0], results[1]);
  EXPECT_EQ(results[0], results[2]);
  const std::vector<uint64_t> expected = {0x7FC00000u, 0x7FC00000u, 0x7FC00000u, 0x7FC00000u,
                                          0xFFA00001u,  // neg: payload kept, sign flipped
                                          0x7FC00000u, 0x7FC00000u, 0x7FF8000000000000ull,
                                          0x7FF8000000000000ull, 0xFFF4000000000003ull};
  EXPECT_EQ(results[0], expected);
}

TEST(BaselineDifferential, EpochInterruptsAnInfiniteLoop) {
  std::string wat = R"((module
  (func (export "spin") (param i32) (result i32)
    (loop $l (local.set 0 (i32.add (local.get 0) (i32.const 1))) (br $l))
    (local.get 0)))
)";
  auto bytes = to_binary(wat);
  uint32_t total = 0;
  EXPECT_EQ(baseline_compiled(bytes, &total), total);
  runtime::Engine engine = make_engine(Tier::kBaseline, /*epochs=*/true);
  auto m = runtime::Module::from_binary(engine, bytes);
  ASSERT_TRUE(m.ok());
  runtime::Store store(engine);
  store.set_epoch_deadline(1);
  runtime::Linker linker;
  auto inst = linker.instantiate(store, *m);
  ASSERT_TRUE(inst.ok());
  std::atomic<bool> done{false};
  std::thread ticker([&] {
    std::this_thread::sleep_for(20ms);
    while (!done.load()) {
      engine.increment_epoch();
      std::this_thread::sleep_for(5ms);
    }
  });
  runtime::Trap trap;
  std::vector<Val> args{Val::i32(0)};
  auto r = inst->get_func("spin")->call(args, &trap);
  done = true;
  ticker.join();
  ASSERT_FALSE(r.ok());
  ASSERT_TRUE(trap.code.has_value());
  EXPECT_EQ(*trap.code, environ::TrapCode::kInterrupt) << trap.message;
}

// ---- generated modules: random typed expression trees over every scalar operator

class ExprGen {
 public:
  explicit ExprGen(uint32_t seed) : rng_(seed) {}

  // A function body of type (param i32 i64 f32 f64) (result T) for each T.
  std::string expr(char t, int depth) {
    if (depth <= 0 || pick(5) == 0) return leaf(t);
    switch (t) {
      case 'i': return i32_expr(depth - 1);
      case 'l': return i64_expr(depth - 1);
      case 'f': return f32_expr(depth - 1);
      default: return f64_expr(depth - 1);
    }
  }

 private:
  uint32_t pick(uint32_t n) { return static_cast<uint32_t>(rng_() % n); }
  std::string leaf(char t) {
    static const int32_t kI32[] = {0, 1, -1, 2, 31, 32, 33, 0x7fffffff, INT32_MIN, 12345, -77, 255};
    static const int64_t kI64[] = {0, 1, -1, 63, 64, INT64_MAX, INT64_MIN, 0x123456789abcLL, -99999999999LL};
    static const char* const kF[] = {"0", "-0", "1.5", "-2.75", "nan", "inf", "-inf", "0x1p-149",
                                     "3.4e38", "2147483648", "-2147483649", "4294967296", "1e19",
                                     "9.3e18", "-0.5", "0.5", "2.5"};
    switch (t) {
      case 'i':
        if (pick(3) == 0) return "(local.get 0)";
        return "(i32.const " + std::to_string(kI32[pick(std::size(kI32))]) + ")";
      case 'l':
        if (pick(3) == 0) return "(local.get 1)";
        return "(i64.const " + std::to_string(kI64[pick(std::size(kI64))]) + ")";
      case 'f':
        if (pick(3) == 0) return "(local.get 2)";
        return std::string("(f32.const ") + kF[pick(std::size(kF))] + ")";
      default:
        if (pick(3) == 0) return "(local.get 3)";
        return std::string("(f64.const ") + kF[pick(std::size(kF))] + ")";
    }
  }
  std::string un(const char* op, char t, int d) { return std::string("(") + op + " " + expr(t, d) + ")"; }
  std::string bin(const char* op, char t, int d) {
    return std::string("(") + op + " " + expr(t, d) + " " + expr(t, d) + ")";
  }
  std::string control(char t, int d) {
    const char* ty = t == 'i' ? "i32" : t == 'l' ? "i64" : t == 'f' ? "f32" : "f64";
    switch (pick(4)) {
      case 0:
        return std::string("(select ") + expr(t, d) + " " + expr(t, d) + " " + expr('i', d) + ")";
      case 1:
        return std::string("(if (result ") + ty + ") " + expr('i', d) + " (then " + expr(t, d) +
               ") (else " + expr(t, d) + "))";
      case 2:
        return std::string("(block (result ") + ty + ") " + expr(t, d) + " " + expr('i', d) +
               " (br_if 0) (drop) " + expr(t, d) + ")";
      default:
        return std::string("(block $b2 (result ") + ty + ") (block $b1 (result " + ty + ") (block $b0 (result " +
               ty + ") " + expr(t, d) + " " + expr('i', d) + " (br_table $b0 $b1 $b2)) " + expr(t, d) +
               " (drop)) " + expr(t, d) + " (drop))";
    }
  }
  std::string i32_expr(int d) {
    static const char* const kBin[] = {"i32.add", "i32.sub", "i32.mul", "i32.div_s", "i32.div_u", "i32.rem_s",
                                       "i32.rem_u", "i32.and", "i32.or", "i32.xor", "i32.shl", "i32.shr_s",
                                       "i32.shr_u", "i32.rotl", "i32.rotr", "i32.eq", "i32.ne", "i32.lt_s",
                                       "i32.lt_u", "i32.gt_s", "i32.gt_u", "i32.le_s", "i32.le_u", "i32.ge_s",
                                       "i32.ge_u"};
    static const char* const kUn[] = {"i32.clz", "i32.ctz", "i32.popcnt", "i32.eqz", "i32.extend8_s", "i32.extend16_s"};
    static const char* const kFromL[] = {"i32.wrap_i64", "i64.eqz"};
    static const char* const kFromF[] = {"i32.trunc_f32_s", "i32.trunc_f32_u", "i32.trunc_sat_f32_s",
                                         "i32.trunc_sat_f32_u", "i32.reinterpret_f32"};
    static const char* const kFromD[] = {"i32.trunc_f64_s", "i32.trunc_f64_u", "i32.trunc_sat_f64_s",
                                         "i32.trunc_sat_f64_u"};
    static const char* const kCmpL[] = {"i64.eq", "i64.ne", "i64.lt_s", "i64.lt_u", "i64.gt_s", "i64.gt_u", "i64.le_s", "i64.ge_u"};
    static const char* const kCmpF[] = {"f32.eq", "f32.ne", "f32.lt", "f32.gt", "f32.le", "f32.ge"};
    static const char* const kCmpD[] = {"f64.eq", "f64.ne", "f64.lt", "f64.gt", "f64.le", "f64.ge"};
    switch (pick(9)) {
      case 0: case 1: case 2: return bin(kBin[pick(std::size(kBin))], 'i', d);
      case 3: return un(kUn[pick(std::size(kUn))], 'i', d);
      case 4: return un(kFromL[pick(std::size(kFromL))], 'l', d);
      case 5: return pick(2) ? un(kFromF[pick(std::size(kFromF))], 'f', d) : un(kFromD[pick(std::size(kFromD))], 'd', d);
      case 6: return bin(kCmpL[pick(std::size(kCmpL))], 'l', d);
      case 7: return pick(2) ? bin(kCmpF[pick(std::size(kCmpF))], 'f', d) : bin(kCmpD[pick(std::size(kCmpD))], 'd', d);
      default: return control('i', d);
    }
  }
  std::string i64_expr(int d) {
    static const char* const kBin[] = {"i64.add", "i64.sub", "i64.mul", "i64.div_s", "i64.div_u", "i64.rem_s",
                                       "i64.rem_u", "i64.and", "i64.or", "i64.xor", "i64.shl", "i64.shr_s",
                                       "i64.shr_u", "i64.rotl", "i64.rotr"};
    static const char* const kUn[] = {"i64.clz", "i64.ctz", "i64.popcnt", "i64.extend8_s", "i64.extend16_s", "i64.extend32_s"};
    static const char* const kFromI[] = {"i64.extend_i32_s", "i64.extend_i32_u"};
    static const char* const kFromF[] = {"i64.trunc_f32_s", "i64.trunc_f32_u", "i64.trunc_sat_f32_s", "i64.trunc_sat_f32_u"};
    static const char* const kFromD[] = {"i64.trunc_f64_s", "i64.trunc_f64_u", "i64.trunc_sat_f64_s",
                                         "i64.trunc_sat_f64_u", "i64.reinterpret_f64"};
    switch (pick(7)) {
      case 0: case 1: case 2: return bin(kBin[pick(std::size(kBin))], 'l', d);
      case 3: return un(kUn[pick(std::size(kUn))], 'l', d);
      case 4: return un(kFromI[pick(std::size(kFromI))], 'i', d);
      case 5: return pick(2) ? un(kFromF[pick(std::size(kFromF))], 'f', d) : un(kFromD[pick(std::size(kFromD))], 'd', d);
      default: return control('l', d);
    }
  }
  std::string float_expr(char t, int d) {
    std::string p = t == 'f' ? "f32." : "f64.";
    static const char* const kBin[] = {"add", "sub", "mul", "div", "min", "max", "copysign"};
    static const char* const kUn[] = {"abs", "neg", "sqrt", "ceil", "floor", "trunc", "nearest"};
    switch (pick(6)) {
      case 0: case 1: return bin((p + kBin[pick(std::size(kBin))]).c_str(), t, d);
      case 2: return un((p + kUn[pick(std::size(kUn))]).c_str(), t, d);
      case 3: {
        static const char* const kConv[] = {"convert_i32_s", "convert_i32_u"};
        static const char* const kConvL[] = {"convert_i64_s", "convert_i64_u"};
        if (pick(2)) return un((p + kConv[pick(2)]).c_str(), 'i', d);
        return un((p + kConvL[pick(2)]).c_str(), 'l', d);
      }
      case 4:
        if (t == 'f') return pick(2) ? un("f32.demote_f64", 'd', d) : un("f32.reinterpret_i32", 'i', d);
        return pick(2) ? un("f64.promote_f32", 'f', d) : un("f64.reinterpret_i64", 'l', d);
      default: return control(t, d);
    }
  }
  std::string f32_expr(int d) { return float_expr('f', d); }
  std::string f64_expr(int d) { return float_expr('d', d); }

  std::mt19937 rng_;
};

// Run with the host's CPU features and with the SSE4.1 baseline (no lzcnt, tzcnt, popcnt: the
// bsr/bsf/SWAR sequences).
class GeneratedExpressions : public ::testing::TestWithParam<const char*> {};

TEST_P(GeneratedExpressions, AgreeWithThePipeline) {
  const std::string features = GetParam();
  const char types[] = {'i', 'l', 'f', 'd'};
  const char* names[] = {"i32", "i64", "f32", "f64"};
  uint32_t checked_calls = 0;
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    ExprGen gen(seed * 7919);
    std::string wat = "(module\n";
    std::vector<Call> calls;
    for (int k = 0; k < 24; ++k) {
      int t = k % 4;
      std::string name = "e" + std::to_string(k);
      wat += "  (func (export \"" + name + "\") (param i32 i64 f32 f64) (result " + names[t] + ")\n    " +
             gen.expr(types[t], 6) + ")\n";
      const Val args[][4] = {
          {Val::i32(3), Val::i64(-5), Val::f32(2.5f), Val::f64(-0.75)},
          {Val::i32(INT32_MIN), Val::i64(INT64_MAX), Val::f32(-0.0f), Val::f64(1e300)},
          {Val::i32(0), Val::i64(0), Val::f32(std::numeric_limits<float>::infinity()), Val::f64(4294967295.5)},
      };
      for (const auto& a : args) calls.push_back({name, {a[0], a[1], a[2], a[3]}});
    }
    wat += ")\n";
    auto bytes = to_binary(wat);
    uint32_t total = 0;
    EXPECT_EQ(baseline_compiled(bytes, &total, features), total);
    expect_agree(bytes, calls, features);
    if (features.empty()) expect_agree(bytes, calls, features, 1'000'000'000);
    checked_calls += static_cast<uint32_t>(calls.size());
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "seed " << seed << ":\n" << wat;
      break;
    }
  }
  EXPECT_EQ(checked_calls, 12u * 24u * 3u);
}

INSTANTIATE_TEST_SUITE_P(Features, GeneratedExpressions, ::testing::Values("", "baseline"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(*info.param ? info.param : "host");
                         });

}  // namespace
}  // namespace kiln::codegen::baseline
