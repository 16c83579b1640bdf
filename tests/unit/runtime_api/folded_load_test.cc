// tests/unit/runtime_api/folded_load_test.cc: loads the x64 backend folds into their user as a
// memory operand (`mulsd x, [mem]`, `addsd`, `cmp reg, [mem]`) still compute the same values and
// still trap "out of bounds memory access" at the Wasm load, with no store after it visible.
#include <gtest/gtest.h>

#include <cstring>
#include <utility>

#include "compile_wat.h"
#include "runtime/linker.h"
#include "runtime/store.h"

namespace kiln::runtime {
namespace {

using testing::compile;

constexpr std::string_view kModule = R"((module
  (memory (export "mem") 1)
  ;; mem[out] = x * mem[a] + mem[b]: both loads fold into mulsd / addsd.
  (func (export "fma_like") (param $x f64) (param $a i32) (param $b i32) (param $out i32)
    (f64.store (local.get $out)
      (f64.add (f64.mul (local.get $x) (f64.load (local.get $a))) (f64.load (local.get $b)))))
  (func (export "mul32") (param $x f32) (param $a i32) (result f32)
    (f32.mul (f32.load (local.get $a)) (local.get $x)))
  (func (export "sub") (param $x f64) (param $a i32) (result f64)
    (f64.sub (local.get $x) (f64.load (local.get $a))))
  ;; xor r32, [a]; sub r32, [b + 8]
  (func (export "mix") (param $x i32) (param $a i32) (param $b i32) (result i32)
    (i32.sub (i32.xor (i32.load (local.get $a)) (local.get $x)) (i32.load offset=8 (local.get $b))))
))";

class FoldedLoads : public ::testing::TestWithParam<environ::OptLevel> {};

TEST_P(FoldedLoads, ComputeTheSameValuesAndTrapAtTheLoad) {
  Config c;
  c.opt_level = GetParam();
  Engine engine(c);
  Module m = compile(engine, kModule);
  Store store(engine);
  auto inst = Instance::create(store, m, {});
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  auto mem = inst->get_memory("mem");
  ASSERT_TRUE(mem);
  uint8_t* base = mem->data();
  double a = 1.5, b = 0.25;
  std::memcpy(base + 16, &a, 8);
  std::memcpy(base + 24, &b, 8);
  float af = 3.0f;
  std::memcpy(base + 40, &af, 4);

  auto fma = inst->get_func("fma_like");
  ASSERT_TRUE(fma);
  ASSERT_TRUE(fma->call(std::vector<Val>{Val::f64(2.0), Val::i32(16), Val::i32(24), Val::i32(32)}).ok());
  double out = 0;
  std::memcpy(&out, base + 32, 8);
  EXPECT_EQ(out, 3.25);

  auto mul32 = inst->get_func("mul32");
  auto r = mul32->call(std::vector<Val>{Val::f32(0.5f), Val::i32(40)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].f32(), 1.5f);
  auto sub = inst->get_func("sub");
  r = sub->call(std::vector<Val>{Val::f64(10.0), Val::i32(16)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].f64(), 8.5);

  // Either load out of bounds: a trap, and the store after it never happens.
  for (auto [pa, pb] : {std::pair{65536 - 4, 24}, std::pair{16, 65536}, std::pair{-8, 24}}) {
    std::memset(base + 48, 0x5A, 8);
    Trap t;
    auto bad = fma->call(std::vector<Val>{Val::f64(2.0), Val::i32(pa), Val::i32(pb), Val::i32(48)}, &t);
    ASSERT_FALSE(bad.ok()) << pa << " " << pb;
    EXPECT_EQ(t.message, "out of bounds memory access");
    EXPECT_EQ(base[48], 0x5A);
  }
  Trap t;
  EXPECT_FALSE(mul32->call(std::vector<Val>{Val::f32(1.0f), Val::i32(65535)}, &t).ok());
  EXPECT_EQ(t.message, "out of bounds memory access");
  auto mix = inst->get_func("mix");
  uint32_t p = 0xF0F0F0F0u, q = 5;
  std::memcpy(base + 64, &p, 4);
  std::memcpy(base + 80, &q, 4);
  r = mix->call(std::vector<Val>{Val::i32(0x0F0F0F0F), Val::i32(64), Val::i32(72)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(static_cast<uint32_t>((*r)[0].i32()), 0xFFFFFFFFu - 5);
  EXPECT_FALSE(mix->call(std::vector<Val>{Val::i32(0), Val::i32(64), Val::i32(65530)}, &t).ok());
  EXPECT_EQ(t.message, "out of bounds memory access");
  EXPECT_FALSE(mix->call(std::vector<Val>{Val::i32(0), Val::i32(65533), Val::i32(72)}, &t).ok());
  EXPECT_EQ(t.message, "out of bounds memory access");
  // The instance is healthy afterwards.
  r = sub->call(std::vector<Val>{Val::f64(1.0), Val::i32(16)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].f64(), -0.5);
}

INSTANTIATE_TEST_SUITE_P(OptLevels, FoldedLoads,
                         ::testing::Values(environ::OptLevel::kNone, environ::OptLevel::kSpeed));

}  // namespace
}  // namespace kiln::runtime
