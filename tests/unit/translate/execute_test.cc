// tests/unit/translate/execute_test.cc: translates small modules and runs them in the IR
// interpreter, unoptimized and optimized, checking results and trap codes against Wasm
// semantics.
#include <gtest/gtest.h>

#include <cmath>

#include "harness.h"

namespace kiln::codegen::translate::testing {
namespace {

using ir::TrapCode;

class Execute : public ::testing::TestWithParam<bool> {
 protected:
  void load(std::string_view wat, std::vector<std::string> imports = {}) {
    auto r = h.load(wat, GetParam(), checked_tunables(), std::move(imports));
    ASSERT_TRUE(r) << r.error().message();
  }
  Harness h;
};

TEST_P(Execute, FactorialRecursiveAndIterative) {
  load(R"((module
    (func $fac (param i64) (result i64)
      (if (result i64) (i64.eqz (local.get 0))
        (then (i64.const 1))
        (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
    (func $fac_iter (param i64) (result i64) (local i64)
      (local.set 1 (i64.const 1))
      (block $done
        (loop $top
          (br_if $done (i64.eqz (local.get 0)))
          (local.set 1 (i64.mul (local.get 1) (local.get 0)))
          (local.set 0 (i64.sub (local.get 0) (i64.const 1)))
          (br $top)))
      (local.get 1)))
  )");
  EXPECT_EQ(h.call_int(0, {i64(0)}), 1);
  EXPECT_EQ(h.call_int(0, {i64(10)}), 3628800);
  EXPECT_EQ(h.call_int(0, {i64(20)}), 2432902008176640000);
  EXPECT_EQ(h.call_int(1, {i64(20)}), 2432902008176640000);
  EXPECT_EQ(h.call_int(1, {i64(5)}), 120) << h.error;
}

TEST_P(Execute, BrTableWithValuesAndMultiValueBlocks) {
  load(R"((module
    (func (param i32) (result i32)
      (block $b2 (result i32)
        (block $b1 (result i32)
          (block $b0 (result i32)
            (br_table $b0 $b1 $b2 (i32.const 100) (local.get 0)))
          (return (i32.add (i32.const 1))))
        (return (i32.add (i32.const 2))))
      (i32.add (i32.const 3)))
    (func (param i32) (result i32)
      (block $d (block $c (block $b (block $a
        (br_table $a $b $c $d (local.get 0)))
        (return (i32.const 10)))
        (return (i32.const 11)))
        (return (i32.const 12)))
      (i32.const 13))
    (func (param i32 i32) (result i32 i32)
      (local.get 0) (local.get 1)
      (block (param i32 i32) (result i32 i32)
        (local.set 0) (local.set 1) (local.get 0) (local.get 1)))
    (func (param i32) (result i32)
      (call 2 (local.get 0) (i32.const 7))
      (i32.sub))
    ;; a loop with a parameter: sum 1..n
    (func (param i32) (result i32)
      (i32.const 0) (local.get 0)
      (loop (param i32 i32) (result i32)
        (local.set 0) (local.get 0) (i32.add)
        (local.get 0) (i32.const 1) (i32.sub) (local.tee 0)
        (br_if 0 (local.get 0) (i32.ne (i32.const 0)) (i32.eqz (i32.eqz)))
        (drop))))
  )");
  EXPECT_EQ(h.call_int(0, {i32(0)}), 101);
  EXPECT_EQ(h.call_int(0, {i32(1)}), 102);
  EXPECT_EQ(h.call_int(0, {i32(2)}), 103);
  EXPECT_EQ(h.call_int(0, {i32(99)}), 103);
  for (int k = 0; k < 5; ++k) EXPECT_EQ(h.call_int(1, {i32(k)}), 10 + std::min(k, 3));
  EXPECT_EQ(h.call_int(1, {i32(-1)}), 13);
  // swap(a, 7) = (7, a); 7 - a
  EXPECT_EQ(h.call_int(3, {i32(5)}), 2);
  EXPECT_EQ(h.call_int(4, {i32(4)}), 10) << h.error;
}

TEST_P(Execute, UnreachableCodeAfterBranchesIsSkipped) {
  load(R"((module
    (func (param i32) (result i32)
      (block (result i32)
        (br 0 (i32.const 5))
        (i32.add)            ;; dead: the stack is polymorphic here
        (block (loop (if (i32.const 0) (then (unreachable)) (else (nop)))))
        (br_table 0 0)))
    (func (result i32)
      (unreachable)
      (f64.add) (drop) (i32.add))
    (func (param i32) (result i32)
      (if (result i32) (local.get 0)
        (then (return (i32.const 1)) (i32.const 99))
        (else (br 0 (i32.const 2)) (drop)))
      (i32.const 10) (i32.add))
    (func (result i32)
      (loop (result i32) (br 1 (i32.const 3)))))
  )");
  EXPECT_EQ(h.call_int(0, {i32(0)}), 5);
  EXPECT_EQ(h.call_trap(1, {}), TrapCode::kUnreachable);
  EXPECT_EQ(h.call_int(2, {i32(1)}), 1);
  EXPECT_EQ(h.call_int(2, {i32(0)}), 12);
  EXPECT_EQ(h.call_int(3, {}), 3) << h.error;
}

TEST_P(Execute, IntegerTrapsAndSemantics) {
  load(R"((module
    (func (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
    (func (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
    (func (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1)))
    (func (param i32) (result i32) (i32.extend8_s (local.get 0)))
    (func (param i64) (result i64) (i64.extend32_s (local.get 0)))
    (func (param i32 i32) (result i32) (i32.rotl (local.get 0) (local.get 1)))
    (func (param i32) (result i32) (i32.clz (local.get 0)))
    (func (param i64) (result i64) (i64.popcnt (local.get 0)))
    (func (param i32 i32) (result i32) (i32.shr_s (local.get 0) (local.get 1))))
  )");
  EXPECT_EQ(h.call_int(0, {i32(-7), i32(2)}), -3);
  EXPECT_EQ(h.call_trap(0, {i32(1), i32(0)}), TrapCode::kIntegerDivisionByZero);
  EXPECT_EQ(h.call_trap(0, {i32(INT32_MIN), i32(-1)}), TrapCode::kIntegerOverflow);
  EXPECT_EQ(h.call_int(1, {i32(INT32_MIN), i32(-1)}), 0);
  EXPECT_EQ(h.call_int(1, {i32(-7), i32(2)}), -1);
  EXPECT_EQ(h.call_int(2, {i64(-1), i64(2)}), INT64_MAX);
  EXPECT_EQ(h.call_int(3, {i32(0x80)}), -128);
  EXPECT_EQ(h.call_int(4, {i64(0x80000000)}), INT32_MIN);
  EXPECT_EQ(h.call_int(5, {i32(0x80000001), i32(33)}), 3);
  EXPECT_EQ(h.call_int(6, {i32(1)}), 31);
  EXPECT_EQ(h.call_int(7, {i64(-1)}), 64);
  EXPECT_EQ(h.call_int(8, {i32(-16), i32(34)}), -4) << h.error;
}

TEST_P(Execute, FloatSemanticsAndConversions) {
  load(R"((module
    (func (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
    (func (param f64) (result i32) (i32.trunc_sat_f64_u (local.get 0)))
    (func (param f64 f64) (result f64) (f64.min (local.get 0) (local.get 1)))
    (func (param f32) (result f32) (f32.nearest (local.get 0)))
    (func (param f64 f64) (result f64) (f64.copysign (local.get 0) (local.get 1)))
    (func (param f32) (result i32) (i32.reinterpret_f32 (local.get 0)))
    (func (param i64) (result f32) (f32.convert_i64_u (local.get 0)))
    (func (param f64 f64) (result i32) (f64.lt (local.get 0) (local.get 1)))
    (func (param f64) (result i64) (i64.trunc_f64_u (local.get 0))))
  )");
  EXPECT_EQ(h.call_int(0, {f32(-3.9f)}), -3);
  EXPECT_EQ(h.call_trap(0, {f32(NAN)}), TrapCode::kBadConversionToInteger);
  EXPECT_EQ(h.call_trap(0, {f32(3e9f)}), TrapCode::kIntegerOverflow);
  EXPECT_EQ(h.call_int(1, {f64(-5.0)}), 0);
  EXPECT_EQ(h.call_int(1, {f64(1e20)}), -1);  // UINT32_MAX as i32
  EXPECT_EQ(h.call_int(1, {f64(NAN)}), 0);
  auto r = h.call(2, {f64(-0.0), f64(0.0)});
  ASSERT_TRUE(r);
  EXPECT_TRUE(std::signbit(r->values[0].as_f64()));
  r = h.call(2, {f64(1.0), f64(NAN)});
  ASSERT_TRUE(r);
  EXPECT_TRUE(std::isnan(r->values[0].as_f64()));
  r = h.call(3, {f32(2.5f)});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->values[0].as_f32(), 2.0f);
  r = h.call(4, {f64(3.0), f64(-0.0)});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->values[0].as_f64(), -3.0);
  EXPECT_EQ(h.call_int(5, {f32(1.0f)}), 0x3F800000);
  r = h.call(6, {i64(-1)});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->values[0].as_f32(), 18446744073709551616.0f);
  EXPECT_EQ(h.call_int(7, {f64(1.0), f64(NAN)}), 0);
  EXPECT_EQ(h.call_int(7, {f64(1.0), f64(2.0)}), 1);
  EXPECT_EQ(h.call_trap(8, {f64(-1.0)}), TrapCode::kIntegerOverflow) << h.error;
}

TEST_P(Execute, WideArithmetic) {
  load(R"((module
    (func (param i64 i64 i64 i64) (result i64 i64)
      (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
    (func (param i64 i64 i64 i64) (result i64 i64)
      (i64.sub128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
    (func (param i64 i64) (result i64 i64) (i64.mul_wide_s (local.get 0) (local.get 1)))
    (func (param i64 i64) (result i64 i64) (i64.mul_wide_u (local.get 0) (local.get 1))))
  )");
  auto pair = [&](uint32_t f, std::vector<ir::DataValue> args) {
    auto r = h.call(f, std::move(args));
    EXPECT_TRUE(r && !r->trapped && r->values.size() == 2);
    if (!r || r->values.size() != 2) return std::pair<int64_t, int64_t>{0, 0};
    return std::pair<int64_t, int64_t>{r->values[0].as_i64(), r->values[1].as_i64()};
  };
  EXPECT_EQ(pair(0, {i64(-1), i64(0), i64(1), i64(0)}), (std::pair<int64_t, int64_t>{0, 1}));
  EXPECT_EQ(pair(1, {i64(0), i64(0), i64(1), i64(0)}), (std::pair<int64_t, int64_t>{-1, -1}));
  EXPECT_EQ(pair(2, {i64(-2), i64(3)}), (std::pair<int64_t, int64_t>{-6, -1}));
  EXPECT_EQ(pair(3, {i64(-1), i64(2)}), (std::pair<int64_t, int64_t>{-2, 1}));
}

TEST_P(Execute, MemoryLoadsStoresAndBounds) {
  load(R"((module
    (memory 1 3)
    (data (i32.const 16) "\01\02\03\04\05\06\07\08\ff")
    (func (param i32) (result i32) (i32.load offset=16 (local.get 0)))
    (func (param i32) (result i64) (i64.load8_s (local.get 0)))
    (func (param i32) (result i64) (i64.load32_u (local.get 0)))
    (func (param i32 i64) (i64.store16 offset=2 (local.get 0) (local.get 1)))
    (func (param i32) (result i32) (i32.load16_u (local.get 0)))
    (func (param i32 f64) (f64.store (local.get 0) (local.get 1)))
    (func (param i32) (result f64) (f64.load (local.get 0)))
    (func (result i32) (memory.size))
    (func (param i32) (result i32) (memory.grow (local.get 0)))
    (func (param i32) (result i32) (i32.load offset=4294967295 (local.get 0))))
  )");
  EXPECT_EQ(h.call_int(0, {i32(0)}), 0x04030201);
  EXPECT_EQ(h.call_int(1, {i32(24)}), -1);
  EXPECT_EQ(h.call_int(2, {i32(20)}), 0x08070605);
  EXPECT_EQ(h.call_trap(0, {i32(65536 - 16 - 3)}), TrapCode::kHeapOutOfBounds);
  EXPECT_EQ(h.call_int(0, {i32(65536 - 16 - 4)}), 0);
  EXPECT_EQ(h.call_trap(0, {i32(-1)}), TrapCode::kHeapOutOfBounds);
  auto r = h.call(3, {i32(100), i64(0x12345678)});
  ASSERT_TRUE(r && !r->trapped);
  EXPECT_EQ(h.call_int(4, {i32(102)}), 0x5678);
  EXPECT_EQ(h.memory(0)[102], 0x78);
  r = h.call(5, {i32(200), f64(2.5)});
  ASSERT_TRUE(r && !r->trapped);
  r = h.call(6, {i32(200)});
  ASSERT_TRUE(r && !r->trapped);
  EXPECT_EQ(r->values[0].as_f64(), 2.5);
  EXPECT_EQ(h.call_int(7, {}), 1);
  EXPECT_EQ(h.call_trap(1, {i32(65536)}), TrapCode::kHeapOutOfBounds);
  EXPECT_EQ(h.call_int(8, {i32(1)}), 1);
  EXPECT_EQ(h.call_int(7, {}), 2);
  EXPECT_EQ(h.call_int(1, {i32(65536)}), 0);  // now in bounds
  EXPECT_EQ(h.call_int(8, {i32(5)}), -1);     // beyond the maximum
  EXPECT_EQ(h.call_trap(9, {i32(0)}), TrapCode::kHeapOutOfBounds) << h.error;
}

TEST_P(Execute, GlobalsSelectAndLocals) {
  load(R"((module
    (global $g (mut i32) (i32.const 40))
    (global $k i64 (i64.const -3))
    (func (param i32) (result i32)
      (global.set $g (i32.add (global.get $g) (local.get 0)))
      (global.get $g))
    (func (result i64) (global.get $k))
    (func (param i32 i32 i32) (result i32) (select (local.get 0) (local.get 1) (local.get 2)))
    (func (param f64 f64 i32) (result f64) (select (result f64) (local.get 0) (local.get 1) (local.get 2)))
    (func (result i32) (local i32 f32 i64) (local.get 0)))
  )");
  EXPECT_EQ(h.call_int(0, {i32(2)}), 42);
  EXPECT_EQ(h.call_int(0, {i32(3)}), 45);
  EXPECT_EQ(h.call_int(1, {}), -3);
  EXPECT_EQ(h.call_int(2, {i32(1), i32(2), i32(0)}), 2);
  EXPECT_EQ(h.call_int(2, {i32(1), i32(2), i32(7)}), 1);
  auto r = h.call(3, {f64(1.5), f64(2.5), i32(1)});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->values[0].as_f64(), 1.5);
  EXPECT_EQ(h.call_int(4, {}), 0) << h.error;
}

TEST_P(Execute, CallIndirectChecks) {
  load(R"((module
    (type $ii (func (param i32) (result i32)))
    (type $v (func))
    (table 4 funcref)
    (elem (i32.const 0) $double $noop $square)
    (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))
    (func $noop (type $v))
    (func $square (type $ii) (i32.mul (local.get 0) (local.get 0)))
    (func (param i32 i32) (result i32)
      (call_indirect (type $ii) (local.get 1) (local.get 0))))
  )");
  EXPECT_EQ(h.call_int(3, {i32(0), i32(21)}), 42);
  EXPECT_EQ(h.call_int(3, {i32(2), i32(9)}), 81);
  EXPECT_EQ(h.call_trap(3, {i32(1), i32(0)}), TrapCode::kBadSignature);
  EXPECT_EQ(h.call_trap(3, {i32(3), i32(0)}), TrapCode::kIndirectCallToNull);
  EXPECT_EQ(h.call_trap(3, {i32(4), i32(0)}), to_ir_trap(environ::TrapCode::kUndefinedElement));
  EXPECT_EQ(h.call_trap(3, {i32(-1), i32(0)}), to_ir_trap(environ::TrapCode::kUndefinedElement))
      << h.error;
}

TEST_P(Execute, TablesAndReferences) {
  load(R"((module
    (type $ii (func (param i32) (result i32)))
    (table $t 3 (ref null $ii))
    (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
    (func (param i32) (result i32) (ref.is_null (table.get $t (local.get 0))))
    (func (param i32) (table.set $t (local.get 0) (ref.func $inc)))
    (func (param i32 i32) (result i32)
      (call_ref $ii (local.get 1) (table.get $t (local.get 0)) (ref.as_non_null)))
    (func (result i32) (table.size $t))
    (func (param i32) (result i32)
      (block $null
        (return (call_ref $ii (i32.const 10)
          (br_on_null $null (table.get $t (local.get 0))))))
      (i32.const -1))
    (elem declare func $inc))
  )");
  EXPECT_EQ(h.call_int(1, {i32(0)}), 1);
  EXPECT_EQ(h.call_trap(1, {i32(3)}), TrapCode::kTableOutOfBounds);
  ASSERT_TRUE(h.call(2, {i32(1)}));
  EXPECT_EQ(h.call_int(1, {i32(1)}), 0);
  EXPECT_EQ(h.call_int(3, {i32(1), i32(41)}), 42);
  EXPECT_EQ(h.call_trap(3, {i32(0), i32(41)}), to_ir_trap(environ::TrapCode::kNullReference));
  EXPECT_EQ(h.call_int(4, {}), 3);
  EXPECT_EQ(h.call_int(5, {i32(0)}), -1);
  EXPECT_EQ(h.call_int(5, {i32(1)}), 11) << h.error;
}

TEST_P(Execute, TailCallsRunInConstantStack) {
  load(R"((module
    (func $count (param i64 i64) (result i64)
      (if (result i64) (i64.eqz (local.get 0))
        (then (local.get 1))
        (else (return_call $count (i64.sub (local.get 0) (i64.const 1))
                                  (i64.add (local.get 1) (i64.const 2))))))
    (func $deep (param i64) (result i64)
      (if (result i64) (i64.eqz (local.get 0))
        (then (i64.const 0))
        (else (i64.add (i64.const 1) (call $deep (i64.sub (local.get 0) (i64.const 1))))))))
  )");
  EXPECT_EQ(h.call_int(0, {i64(5000), i64(0)}), 10000);
  EXPECT_EQ(h.call_int(1, {i64(100)}), 100);
  // Without tail calls this depth exceeds the interpreter's call limit.
  EXPECT_EQ(h.call_trap(1, {i64(5000)}), TrapCode::kStackOverflow) << h.error;
}

TEST_P(Execute, ImportedFunctionCall) {
  load(R"((module
    (import "env" "add3" (func $add3 (param i32) (result i32)))
    (func (param i32) (result i32) (i32.mul (call $add3 (local.get 0)) (i32.const 2))))
  )",
       {"function %add3(i64 vmctx, i64, i32) -> i32 {\n"
        "block0(v0: i64, v1: i64, v2: i32):\n"
        "    v3 = iconst.i32 3\n    v4 = iadd v2, v3\n    return v4\n}\n"});
  EXPECT_EQ(h.call_int(1, {i32(4)}), 14) << h.error;
}

INSTANTIATE_TEST_SUITE_P(OptLevels, Execute, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& i) { return i.param ? "O2" : "O0"; });

TEST(TrapCodes, MappingIsABijection) {
  for (uint32_t k = 0; k < environ::kNumTrapCodes; ++k) {
    auto c = static_cast<environ::TrapCode>(k);
    auto back = to_wasm_trap(to_ir_trap(c));
    ASSERT_TRUE(back.has_value()) << environ::trap_name(c);
    EXPECT_EQ(*back, c);
  }
  EXPECT_FALSE(to_wasm_trap(static_cast<ir::TrapCode>(static_cast<uint16_t>(ir::TrapCode::kUserBase) + 1)));
  EXPECT_FALSE(to_wasm_trap(static_cast<ir::TrapCode>(5000)));
}

}  // namespace
}  // namespace kiln::codegen::translate::testing
