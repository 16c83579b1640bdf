// tests/unit/runtime_api/vectorize_test.cc: loops the -O2 loop vectoriser (codegen/opt/
// vectorize.cc) turns into SSE loops give exactly what -O0 gives: the same results, the same
// memory bytes, and the same trap with the same partial stores, for many lengths, misaligned
// bases, overlapping arrays in both directions, and ranges running out of bounds. Loops the
// pass must leave alone (float reduction, loop-carried dependence, non-unit stride, a call in
// the body) are checked to stay scalar and to compute the same as well.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "codegen/ir/function.h"
#include "codegen/opt/passes.h"
#include "codegen/translate/translate.h"
#include "compile_wat.h"
#include "environ/tunables.h"
#include "environ/vmoffsets.h"
#include "runtime/linker.h"
#include "runtime/store.h"
#include "wasm/decoder.h"
#include "wasm/validator.h"
#include "wat/wat.h"

namespace kiln::runtime {
namespace {

using testing::compile;

// Every loop is a do-while guarded by n > 0, the shape compilers emit.
constexpr std::string_view kModule = R"((module
  (memory (export "mem") 1)
  (func $nop)
  ;; 0: y[i] = a * x[i] + y[i], f32, byte addresses x + 4i; loop while ++i != n.
  (func (export "saxpy_f32") (param $a f32) (param $x i32) (param $y i32) (param $n i32)
    (local $i i32)
    (if (i32.gt_s (local.get $n) (i32.const 0)) (then
      (loop $l
        (f32.store (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 2)))
          (f32.add
            (f32.mul (local.get $a)
                     (f32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))
            (f32.load (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 2))))))
        (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))))
  ;; 1: c[i] = a[i] + b[i], f64; loop while ++i < n (signed).
  (func (export "add_f64") (param $a i32) (param $b i32) (param $c i32) (param $n i32)
    (local $i i32)
    (if (i32.gt_s (local.get $n) (i32.const 0)) (then
      (loop $l
        (f64.store (i32.add (local.get $c) (i32.shl (local.get $i) (i32.const 3)))
          (f64.add (f64.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 3))))
                   (f64.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3))))))
        (br_if $l (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))))
  ;; 2: d[i] = s[i] * 3 + k, i32; loop while ++i < n (unsigned).
  (func (export "scale_i32") (param $s i32) (param $d i32) (param $k i32) (param $n i32)
    (local $i i32)
    (if (i32.gt_s (local.get $n) (i32.const 0)) (then
      (loop $l
        (i32.store (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 2)))
          (i32.add (i32.mul (i32.load (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 2))))
                            (i32.const 3))
                   (local.get $k)))
        (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))))
  ;; 3: matmul's inner loop as clang emits it: a byte counter j stepping 16,
  ;; c[j] += a * b[j]; c[j+8] += a * b[j+8]; loop while j != nbytes.
  (func (export "axpy_unrolled") (param $a f64) (param $b i32) (param $c i32) (param $nbytes i32)
    (local $j i32) (local $p i32) (local $q i32)
    (if (i32.gt_s (local.get $nbytes) (i32.const 0)) (then
      (loop $l
        (local.set $p (i32.add (local.get $c) (local.get $j)))
        (local.set $q (i32.add (local.get $b) (local.get $j)))
        (f64.store (local.get $p)
          (f64.add (f64.mul (local.get $a) (f64.load (local.get $q))) (f64.load (local.get $p))))
        (f64.store offset=8 (local.get $p)
          (f64.add (f64.mul (local.get $a) (f64.load offset=8 (local.get $q)))
                   (f64.load offset=8 (local.get $p))))
        (br_if $l (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 16)))
                          (local.get $nbytes)))))))
  ;; 4: d[i] = s[i] ^ k, i64; the final i and the last value stored are live after the loop.
  (func (export "xor_i64") (param $s i32) (param $d i32) (param $k i64) (param $n i32) (result i64)
    (local $i i32) (local $v i64)
    (if (i32.gt_s (local.get $n) (i32.const 0)) (then
      (loop $l
        (local.set $v (i64.xor (i64.load (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 3))))
                               (local.get $k)))
        (i64.store (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 3))) (local.get $v))
        (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))))
    (i64.add (local.get $v) (i64.extend_i32_u (local.get $i))))
  ;; 5 (must stay scalar): a float sum, a reduction.
  (func (export "sum_f64") (param $a i32) (param $n i32) (result f64)
    (local $i i32) (local $s f64)
    (if (i32.gt_s (local.get $n) (i32.const 0)) (then
      (loop $l
        (local.set $s (f64.add (local.get $s)
          (f64.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 3))))))
        (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))))
    (local.get $s))
  ;; 6 (must stay scalar): a[i+1] = a[i] * 0.5 + 1, a loop-carried dependence.
  (func (export "recur_f32") (param $a i32) (param $n i32)
    (local $i i32)
    (if (i32.gt_s (local.get $n) (i32.const 0)) (then
      (loop $l
        (f32.store offset=4 (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2)))
          (f32.add (f32.mul (f32.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))))
                            (f32.const 0.5))
                   (f32.const 1)))
        (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))))
  ;; 7 (must stay scalar): b[i] = a[2i] * 2, a non-unit stride.
  (func (export "stride2_f64") (param $a i32) (param $b i32) (param $n i32)
    (local $i i32)
    (if (i32.gt_s (local.get $n) (i32.const 0)) (then
      (loop $l
        (f64.store (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3)))
          (f64.mul (f64.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 4))))
                   (f64.const 2)))
        (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))))
  ;; 8 (must stay scalar): c[i] = a[i] + b[i] with a call in the body.
  (func (export "call_f64") (param $a i32) (param $b i32) (param $c i32) (param $n i32)
    (local $i i32)
    (if (i32.gt_s (local.get $n) (i32.const 0)) (then
      (loop $l
        (call $nop)
        (f64.store (i32.add (local.get $c) (i32.shl (local.get $i) (i32.const 3)))
          (f64.add (f64.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 3))))
                   (f64.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3))))))
        (br_if $l (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))))
  ;; 9: y[i] += x[i] for i from a signed start while ++i < n (signed), i32: negative indices,
  ;; limits near the top of the i32 range.
  (func (export "add_from_i32") (param $x i32) (param $y i32) (param $i i32) (param $n i32)
    (if (i32.lt_s (local.get $i) (local.get $n)) (then
      (loop $l
        (i32.store (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 2)))
          (i32.add (i32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2))))
                   (i32.load (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 2))))))
        (br_if $l (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))))
  ;; 10: the i32 sum of a[0..n) plus a start value (an integer add reduction).
  (func (export "sum_i32") (param $a i32) (param $s i32) (param $n i32) (result i32)
    (local $i i32)
    (if (i32.gt_s (local.get $n) (i32.const 0)) (then
      (loop $l
        (local.set $s (i32.add (local.get $s)
          (i32.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))))))
        (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))))
    (local.get $s))
  ;; 11: d[i] = s[i] ^ k and the i64 sum of s[i] * 3 together; returns the sum plus i.
  (func (export "xor_and_sum_i64") (param $s i32) (param $d i32) (param $k i64) (param $n i32)
    (result i64)
    (local $i i32) (local $sum i64) (local $v i64)
    (if (i32.gt_s (local.get $n) (i32.const 0)) (then
      (loop $l
        (local.set $v (i64.load (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 3)))))
        (i64.store (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 3)))
          (i64.xor (local.get $v) (local.get $k)))
        (local.set $sum (i64.add (local.get $sum) (i64.add (local.get $v) (i64.add (local.get $v) (local.get $v)))))
        (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))))
    (i64.add (local.get $sum) (i64.extend_i32_u (local.get $i))))
))";

constexpr uint32_t kMemBytes = 65536;

// Whether -O2 turns defined function `index` of kModule into vector code: its optimized IR
// stores a vector (or, with any_vector, computes one).
bool has_vector_store(uint32_t index, const environ::Tunables& tunables = {},
                      bool any_vector = false) {
  auto bytes = wat::parse_module(kModule);
  EXPECT_TRUE(bytes.ok());
  if (!bytes.ok()) return false;
  wasm::Features features = wasm::Features::all();
  auto m = wasm::decode(*bytes, features);
  EXPECT_TRUE(m.ok() && wasm::validate(*m, features).ok());
  if (!m.ok()) return false;
  auto offsets = environ::VMOffsets::for_module(*m);
  EXPECT_TRUE(offsets.ok());
  if (!offsets.ok()) return false;
  codegen::translate::ModuleEnv env{*m, *offsets, tunables};
  auto f = codegen::translate::translate_function(env, environ::DefinedFuncIndex(index));
  EXPECT_TRUE(f.ok());
  if (!f.ok()) return false;
  codegen::opt::optimize(*f);
  for (codegen::ir::Block b : f->layout.blocks()) {
    for (codegen::ir::Inst i : f->layout.insts(b)) {
      const codegen::ir::InstData& d = f->dfg[i];
      if (d.opcode == codegen::ir::Opcode::kStore && f->dfg.value_type(d.args[0]).is_vector()) {
        return true;
      }
      if (any_vector && f->dfg.has_results(i) &&
          f->dfg.value_type(f->dfg.first_result(i)).is_vector()) {
        return true;
      }
    }
  }
  return false;
}

bool has_vector_code(uint32_t index) {
  return has_vector_store(index, {}, true);
}

TEST(Vectorize, VectorisesTheLoopsItShouldAndNoOthers) {
  // Defined function indices: 0 is $nop.
  EXPECT_TRUE(has_vector_store(1)) << "saxpy_f32";
  EXPECT_TRUE(has_vector_store(2)) << "add_f64";
  EXPECT_TRUE(has_vector_store(3)) << "scale_i32";
  EXPECT_TRUE(has_vector_store(4)) << "axpy_unrolled";
  EXPECT_TRUE(has_vector_store(5)) << "xor_i64";
  EXPECT_FALSE(has_vector_store(6)) << "sum_f64";
  EXPECT_FALSE(has_vector_store(7)) << "recur_f32";
  EXPECT_FALSE(has_vector_store(8)) << "stride2_f64";
  EXPECT_FALSE(has_vector_store(9)) << "call_f64";
  EXPECT_TRUE(has_vector_store(10)) << "add_from_i32";
  EXPECT_TRUE(has_vector_code(11)) << "sum_i32";
  EXPECT_TRUE(has_vector_store(12)) << "xor_and_sum_i64";
  // With fuel metering the fuel variable is one more loop counter (its checks at loop headers
  // are placed after the mid-end): the same loops are vectorised.
  environ::Tunables fuel;
  fuel.consume_fuel = true;
  for (uint32_t f = 1; f <= 12; ++f) EXPECT_EQ(has_vector_store(f, fuel), has_vector_store(f)) << f;
}

// One instance of kModule compiled at one optimization level.
// How both sides are compiled: the host's CPU features or SSE4.1 only, and optional fuel or
// epoch instrumentation.
struct Variant {
  const char* name;
  const char* features;
  bool fuel;
  bool epochs;
};
void PrintTo(const Variant& v, std::ostream* os) {
  *os << v.name;
}

// One instance of kModule compiled at one optimization level.
struct Side {
  Side(environ::OptLevel level, const Variant& v) : engine(config(level, v)), store(engine) {
    module = compile(engine, kModule);
    // A module that failed to compile has failed the test; no instance is made of it.
    if (::testing::Test::HasFailure()) return;
    if (v.fuel) {
      EXPECT_TRUE(store.set_fuel(uint64_t{1} << 60).ok());
    }
    if (v.epochs) store.set_epoch_deadline(uint64_t{1} << 40);
    auto inst = Instance::create(store, module, {});
    EXPECT_TRUE(inst.ok()) << (inst.ok() ? "" : inst.error().to_string());
    if (!inst.ok()) return;
    instance = std::make_unique<Instance>(*inst);
    if (auto mem = instance->get_memory("mem")) base = mem->data();
  }
  static Config config(environ::OptLevel level, const Variant& v) {
    Config c;
    c.opt_level = level;
    c.verify = true;
    c.target_features = v.features;
    c.tunables.consume_fuel = v.fuel;
    c.tunables.epoch_interruption = v.epochs;
    return c;
  }
  Engine engine;
  Store store;
  Module module;
  std::unique_ptr<Instance> instance;
  uint8_t* base = nullptr;
};

class VectorizeExact : public ::testing::TestWithParam<Variant> {
 protected:
  void SetUp() override { ASSERT_TRUE(scalar_.base && vector_.base); }

  // Fills both memories with the same pseudo-random bytes (floats include NaNs, infinities
  // and denormals), so that every byte a call leaves untouched can be compared too.
  void fill(uint32_t seed) {
    uint64_t x = 0x9E3779B97F4A7C15ull ^ seed;
    for (uint32_t k = 0; k < kMemBytes; k += 8) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      uint64_t v = x;
      // Mostly moderate finite values, so that sums and products are exercised in range.
      if ((v & 7) != 0) {
        double d = static_cast<double>(static_cast<int64_t>(v >> 40) - (int64_t{1} << 23)) / 4096.0;
        float f[2] = {static_cast<float>(d), static_cast<float>(d * 0.75)};
        if (v & 8)
          std::memcpy(&v, &d, 8);
        else
          std::memcpy(&v, f, 8);
      }
      std::memcpy(scalar_.base + k, &v, 8);
      std::memcpy(vector_.base + k, &v, 8);
    }
  }

  // Calls `name` on both sides and expects the same outcome and the same memory.
  void same(const std::string& name, const std::vector<Val>& args, uint32_t seed,
            const std::string& what) {
    fill(seed);
    Trap ts, tv;
    auto fs = scalar_.instance->get_func(name);
    auto fv = vector_.instance->get_func(name);
    ASSERT_TRUE(fs && fv) << name;
    auto rs = fs->call(args, &ts);
    auto rv = fv->call(args, &tv);
    ASSERT_EQ(rs.ok(), rv.ok()) << name << " " << what;
    ++calls_;
    if (!rs.ok()) {
      EXPECT_EQ(ts.message, tv.message) << name << " " << what;
      ++traps_;
    } else {
      ASSERT_EQ(rs->size(), rv->size());
      for (size_t k = 0; k < rs->size(); ++k) {
        EXPECT_EQ((*rs)[k].f64_bits(), (*rv)[k].f64_bits()) << name << " " << what;
      }
    }
    if (std::memcmp(scalar_.base, vector_.base, kMemBytes) != 0) {
      uint32_t k = 0;
      while (scalar_.base[k] == vector_.base[k]) ++k;
      ADD_FAILURE() << name << " " << what << ": memory differs first at byte " << k;
    }
  }

  // Runs a kernel (lead..., array addresses..., n) with `arrays` arrays of `elem`-byte
  // elements over lengths, alignments, overlaps and out-of-bounds ranges. `byte_count`: the
  // count is in bytes, `unit` elements per iteration (the unrolled loop).
  void sweep(const std::string& name, uint32_t elem, std::vector<Val> lead, int arrays,
             bool byte_count = false, uint32_t unit = 1) {
    auto args = [&](uint32_t a, uint32_t b, uint32_t c, int32_t n) {
      std::vector<Val> v = lead;
      v.push_back(Val::i32(static_cast<int32_t>(a)));
      if (arrays >= 2) v.push_back(Val::i32(static_cast<int32_t>(b)));
      if (arrays >= 3) v.push_back(Val::i32(static_cast<int32_t>(c)));
      // The trailing count: elements, or bytes for the unrolled byte-counter loop.
      v.push_back(Val::i32(byte_count ? n * static_cast<int32_t>(elem * unit) : n));
      return v;
    };
    uint32_t seed = 1;
    // Lengths 0..40 and large ones, at aligned and misaligned bases.
    for (int32_t n : {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,  12,   13,  15,
                      16, 17, 19, 23, 24, 25, 31, 32, 33, 37, 40, 100, 1001, 2048}) {
      for (uint32_t mis : {0u, 4u, 8u, 12u, 1u, 3u}) {
        same(name, args(1024 + mis, 20000 + (mis * 3) % 16, 40000 + mis, n), seed++,
             "n=" + std::to_string(n) + " misalign=" + std::to_string(mis));
      }
    }
    // Overlapping arrays, the destination before and after a source by up to 9 elements (or
    // pairs for the unrolled loop), and exactly on it.
    for (int32_t n : {9, 33, 100}) {
      for (int32_t d = -9; d <= 9; ++d) {
        uint32_t src = 8192;
        uint32_t dst =
            static_cast<uint32_t>(static_cast<int32_t>(src) + d * static_cast<int32_t>(elem));
        same(name, args(src, arrays >= 3 ? 16384 : dst, dst, n), seed++,
             "overlap n=" + std::to_string(n) + " d=" + std::to_string(d));
        if (arrays >= 3) {
          same(name, args(16384, src, dst, n), seed++,
               "overlap2 n=" + std::to_string(n) + " d=" + std::to_string(d));
        }
      }
    }
    // Ranges running past the end of memory (destination or source), and addresses whose
    // 32-bit arithmetic wraps: the trap comes at the same element with the same stores done.
    for (int32_t n : {8, 20, 40, 100, 1000}) {
      for (uint32_t past : {0u, 1u, elem, 3 * elem, 8 * elem + 4}) {
        uint32_t near_end = kMemBytes - static_cast<uint32_t>(n) * elem * unit / 2 + past;
        same(name, args(1024, 2048, near_end, n), seed++, "dst oob n=" + std::to_string(n));
        same(name, args(near_end, 2048, 4096, n), seed++, "src oob n=" + std::to_string(n));
        if (arrays >= 3) same(name, args(1024, near_end, 4096, n), seed++, "src2 oob");
      }
      same(name, args(0xFFFFFFF0u, 2048, 4096, n), seed++, "wrapping src");
      same(name, args(1024, 2048, 0xFFFFFFF8u, n), seed++, "wrapping dst");
    }
  }

  Side scalar_{environ::OptLevel::kNone, GetParam()};
  Side vector_{environ::OptLevel::kSpeed, GetParam()};
  int calls_ = 0, traps_ = 0;
};

TEST_P(VectorizeExact, SaxpyF32) {
  sweep("saxpy_f32", 4, {Val::f32(1.5f)}, 2);
  EXPECT_GT(traps_, 20);
  EXPECT_GT(calls_ - traps_, 200);
}

TEST_P(VectorizeExact, AddF64) {
  sweep("add_f64", 8, {}, 3);
  EXPECT_GT(traps_, 20);
}

TEST_P(VectorizeExact, ScaleI32) {
  // (s, d, k, n): the invariant k sits between the addresses and the count.
  uint32_t seed = 7;
  for (int32_t n : {0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 40, 1000}) {
    for (uint32_t mis : {0u, 4u, 2u}) {
      same("scale_i32",
           {Val::i32(static_cast<int32_t>(1024 + mis)), Val::i32(static_cast<int32_t>(9000 + mis)),
            Val::i32(-77), Val::i32(n)},
           seed++, "n=" + std::to_string(n));
    }
  }
  for (int32_t d = -9; d <= 9; ++d) {
    same("scale_i32", {Val::i32(8192), Val::i32(8192 + 4 * d), Val::i32(5), Val::i32(64)}, seed++,
         "overlap d=" + std::to_string(d));
  }
  for (int32_t n : {16, 40, 1000}) {
    same("scale_i32",
         {Val::i32(1024), Val::i32(static_cast<int32_t>(kMemBytes - 2 * n + 4)), Val::i32(1),
          Val::i32(n)},
         seed++, "dst oob");
    same("scale_i32",
         {Val::i32(static_cast<int32_t>(kMemBytes - 2 * n)), Val::i32(1024), Val::i32(1),
          Val::i32(n)},
         seed++, "src oob");
  }
  // n = 2^32-1 as an unsigned limit: the loop runs until it traps past the end of memory.
  same("scale_i32", {Val::i32(1024), Val::i32(4096), Val::i32(1), Val::i32(-1)}, seed++,
       "n=2^32-1");
  EXPECT_GT(traps_, 5);
}

TEST_P(VectorizeExact, AxpyUnrolledLikeMatmul) {
  sweep("axpy_unrolled", 8, {Val::f64(-0.375)}, 2, /*byte_count=*/true, /*unit=*/2);
  EXPECT_GT(traps_, 20);
}

TEST_P(VectorizeExact, XorI64WithLiveOuts) {
  uint32_t seed = 3;
  for (int32_t n : {0, 1, 2, 3, 4, 7, 8, 9, 10, 16, 17, 40, 999}) {
    for (uint32_t mis : {0u, 8u, 4u}) {
      same("xor_i64",
           {Val::i32(static_cast<int32_t>(512 + mis)), Val::i32(static_cast<int32_t>(30000 + mis)),
            Val::i64(0x0123456789abcdefll), Val::i32(n)},
           seed++, "n=" + std::to_string(n));
    }
  }
  for (int32_t d = -5; d <= 5; ++d) {
    same("xor_i64", {Val::i32(8192), Val::i32(8192 + 8 * d), Val::i64(-1), Val::i32(50)}, seed++,
         "overlap d=" + std::to_string(d));
  }
  same("xor_i64",
       {Val::i32(1024), Val::i32(static_cast<int32_t>(kMemBytes - 80)), Val::i64(1), Val::i32(40)},
       seed++, "dst oob");
  EXPECT_GT(traps_, 0);
}

TEST_P(VectorizeExact, LoopsLeftScalarStillMatch) {
  uint32_t seed = 11;
  for (int32_t n : {0, 1, 7, 8, 33, 1000}) {
    same("sum_f64", {Val::i32(1024), Val::i32(n)}, seed++, "sum");
    same("recur_f32", {Val::i32(2048), Val::i32(n)}, seed++, "recur");
    same("stride2_f64", {Val::i32(1024), Val::i32(30000), Val::i32(n)}, seed++, "stride2");
    same("call_f64", {Val::i32(1024), Val::i32(9000), Val::i32(20000), Val::i32(n)}, seed++,
         "call");
  }
}

TEST_P(VectorizeExact, IntegerSums) {
  uint32_t seed = 31;
  for (int32_t n : {0, 1, 2, 3, 4, 7, 8, 9, 10, 15, 16, 17, 31, 32, 33, 40, 100, 1001}) {
    for (uint32_t mis : {0u, 4u, 2u}) {
      same("sum_i32", {Val::i32(static_cast<int32_t>(1024 + mis)), Val::i32(-12345), Val::i32(n)},
           seed++, "sum n=" + std::to_string(n));
      same("xor_and_sum_i64",
           {Val::i32(static_cast<int32_t>(2048 + 2 * mis)),
            Val::i32(static_cast<int32_t>(40000 + mis)), Val::i64(0x5555), Val::i32(n)},
           seed++, "xor_and_sum n=" + std::to_string(n));
    }
  }
  for (int32_t d = -5; d <= 5; ++d) {
    same("xor_and_sum_i64", {Val::i32(8192), Val::i32(8192 + 8 * d), Val::i64(-1), Val::i32(50)},
         seed++, "overlap d=" + std::to_string(d));
  }
  for (int32_t n : {20, 40, 1000}) {
    same("sum_i32", {Val::i32(static_cast<int32_t>(kMemBytes) - 2 * n), Val::i32(1), Val::i32(n)},
         seed++, "sum oob");
    same("xor_and_sum_i64",
         {Val::i32(1024), Val::i32(static_cast<int32_t>(kMemBytes) - 4 * n), Val::i64(3),
          Val::i32(n)},
         seed++, "dst oob");
  }
  EXPECT_GE(traps_, 6);
}

TEST_P(VectorizeExact, SignedStartsAndLimits) {
  uint32_t seed = 21;
  // Negative starts (indices below the bases), starts past the limit (one scalar iteration),
  // and limits near INT32_MAX, where the guard must refuse (the index would overflow).
  for (int32_t start : {-40, -9, -1, 0, 3, 17}) {
    for (int32_t n : {-50, -3, 0, 1, 5, 8, 9, 10, 16, 33, 64}) {
      same("add_from_i32", {Val::i32(4096), Val::i32(8192), Val::i32(start), Val::i32(n)}, seed++,
           "start=" + std::to_string(start) + " n=" + std::to_string(n));
    }
  }
  for (int32_t start : {0x7FFFFFF0, 0x7FFFFFFE, -0x7FFFFFFF}) {
    for (int32_t n : {0x7FFFFFFF, 0x7FFFFFF8}) {
      same("add_from_i32", {Val::i32(4096), Val::i32(8192), Val::i32(start), Val::i32(n)}, seed++,
           "start=" + std::to_string(start) + " n=" + std::to_string(n));
    }
  }
  // Overlap in both directions and a range running out of bounds from a negative start.
  for (int32_t d = -6; d <= 6; ++d) {
    same("add_from_i32", {Val::i32(8192), Val::i32(8192 + 4 * d), Val::i32(-4), Val::i32(60)},
         seed++, "overlap d=" + std::to_string(d));
  }
  same("add_from_i32",
       {Val::i32(1024), Val::i32(static_cast<int32_t>(kMemBytes) - 64), Val::i32(-8), Val::i32(40)},
       seed++, "dst oob");
  EXPECT_GE(traps_, 3);
}

INSTANTIATE_TEST_SUITE_P(
    Variants, VectorizeExact,
    ::testing::Values(Variant{"host", "", false, false}, Variant{"sse41", "baseline", false, false},
                      Variant{"fuel", "", true, false}, Variant{"epochs", "", false, true}),
    [](const ::testing::TestParamInfo<Variant>& info) { return std::string(info.param.name); });

// Fuel through a vectorised loop: with enough fuel both sides charge exactly the same; with too
// little for the whole loop the guard sends it to the scalar loop, which runs out at the same
// element as unvectorised code, leaving the same memory.
TEST(VectorizeFuel, ChargesScalarFuelAndRunsOutAtTheSameElement) {
  Variant v{"fuel", "", true, false};
  for (uint64_t budget : {uint64_t{1} << 40, uint64_t{3000}}) {
    Side scalar(environ::OptLevel::kNone, v), vector(environ::OptLevel::kSpeed, v);
    ASSERT_TRUE(scalar.base && vector.base);
    std::string outcome[2];
    uint64_t left[2] = {0, 0};
    Side* sides[2] = {&scalar, &vector};
    for (int k = 0; k < 2; ++k) {
      Side& side = *sides[k];
      ASSERT_TRUE(side.store.set_fuel(budget).ok());
      for (uint32_t b = 0; b < 24000; b += 8) {
        double d = static_cast<double>(b) * 0.5 - 100.0;
        std::memcpy(side.base + b, &d, 8);
      }
      Trap t;
      auto r = side.instance->get_func("add_f64")->call(
          std::vector<Val>{Val::i32(0), Val::i32(8000), Val::i32(16000), Val::i32(1000)}, &t);
      outcome[k] = r.ok() ? "ok" : t.message;
      auto f = side.store.get_fuel();
      ASSERT_TRUE(f.ok());
      left[k] = *f;
    }
    EXPECT_EQ(outcome[0], budget > 100000 ? "ok" : "all fuel consumed");
    EXPECT_EQ(outcome[0], outcome[1]);
    EXPECT_EQ(left[0], left[1]) << "budget " << budget;
    EXPECT_EQ(std::memcmp(scalar.base, vector.base, kMemBytes), 0) << "budget " << budget;
  }
}

}  // namespace
}  // namespace kiln::runtime
