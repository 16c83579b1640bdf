// tests/unit/runtime_api/address_wrap_test.cc: i32 address arithmetic wraps at 32 bits before
// the address is zero-extended, also where the x64 backend folds it into an addressing mode
// or a `lea`. `(i32.shl x 3)` with x = 0x20000001 is 8, not 0x100000008; `a + b` past 2^32
// wraps. The backend sees the extension of a 32-bit result as free (its register already has
// zero upper bits) and must not then fold the 32-bit shift or add into 64-bit address
// arithmetic. Each function is checked at -O0 and -O2, plain and with the load folded into
// its user (addsd, add r32 / r64). Likewise a load of 4 bytes zero-extended to i64 and used by
// a 64-bit operation is still a 4-byte load.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "compile_wat.h"
#include "runtime/linker.h"
#include "runtime/store.h"

namespace kiln::runtime {
namespace {

constexpr std::string_view kModule = R"((module
  (memory 1)
  (data (i32.const 8) "\2a\00\00\00\00\00\00\00\00\00\00\00\00\00\f8\3f")
  (data (i32.const 32) "\01\00\00\00\ff\ff\ff\ff")
  ;; A zero-extended i32 load used by a 64-bit operation reads 4 bytes, not 8.
  (func (export "ext_sub") (param i32 i64) (result i64)
    (i64.sub (local.get 1) (i64.extend_i32_u (i32.load (local.get 0)))))
  (func (export "ext_and") (param i32 i64) (result i64)
    (i64.and (local.get 1) (i64.extend_i32_u (i32.load (local.get 0)))))
  (func (export "ext_lt") (param i32 i64) (result i32)
    (i64.lt_u (local.get 1) (i64.extend_i32_u (i32.load (local.get 0)))))
  (func (export "shl_load") (param i32) (result i32)
    (i32.load (i32.shl (local.get 0) (i32.const 3))))
  (func (export "shl_load8") (param i32) (result i32)
    (i32.load8_u (i32.shl (local.get 0) (i32.const 3))))
  (func (export "shl_fold_f64") (param i32 f64) (result f64)
    (f64.add (f64.load offset=8 (i32.shl (local.get 0) (i32.const 3))) (local.get 1)))
  (func (export "shl_fold_i32") (param i32 i32) (result i32)
    (i32.add (local.get 1) (i32.load (i32.shl (local.get 0) (i32.const 3)))))
  (func (export "shl_fold_i64") (param i32 i64) (result i64)
    (i64.add (local.get 1) (i64.load (i32.shl (local.get 0) (i32.const 3)))))
  (func (export "add_load") (param i32 i32) (result i32)
    (i32.load (i32.add (local.get 0) (local.get 1))))
  (func (export "scaled_add_load") (param i32 i32) (result i32)
    (i32.load (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2)))))
  ;; The wrapped address as a value (lea for the i64 add of its extension).
  (func (export "addr_plus") (param i32 i32) (result i64)
    (i64.add (i64.extend_i32_u (i32.add (local.get 0) (local.get 1))) (i64.const 8)))
  (func (export "addr_scaled") (param i32 i32) (result i64)
    (i64.add (i64.extend_i32_u (i32.shl (local.get 1) (i32.const 2))) (i64.extend_i32_u (local.get 0))))
))";

class AddressWrap : public ::testing::TestWithParam<environ::OptLevel> {};

TEST_P(AddressWrap, ThirtyTwoBitAddressArithmeticWraps) {
  Config c;
  c.opt_level = GetParam();
  c.verify = true;
  testing::Instantiated run(c, kModule);
  ASSERT_TRUE(run.ok);
  auto call = [&](const char* name, std::vector<Val> args) {
    return testing::call_first(run.instance, name, args);
  };
  const int32_t big = 0x20000001;  // << 3 wraps to 8
  EXPECT_EQ(call("shl_load", {Val::i32(big)}).i32(), 42);
  EXPECT_EQ(call("shl_load8", {Val::i32(big)}).i32(), 42);
  EXPECT_EQ(call("shl_fold_f64", {Val::i32(big), Val::f64(0.25)}).f64(), 1.75);  // 1.5 at 16
  EXPECT_EQ(call("shl_fold_i32", {Val::i32(big), Val::i32(8)}).i32(), 50);
  EXPECT_EQ(call("shl_fold_i64", {Val::i32(big), Val::i64(8)}).i64(), 50);
  // 0xFFFFFFFC + 12 wraps to 8.
  EXPECT_EQ(call("add_load", {Val::i32(-4), Val::i32(12)}).i32(), 42);
  // 4 + (0x40000001 << 2) = 4 + 4 = 8.
  EXPECT_EQ(call("scaled_add_load", {Val::i32(4), Val::i32(0x40000001)}).i32(), 42);
  EXPECT_EQ(call("addr_plus", {Val::i32(-4), Val::i32(12)}).i64(), 16);
  EXPECT_EQ(call("addr_scaled", {Val::i32(4), Val::i32(0x40000001)}).i64(), 8);
  EXPECT_EQ(call("ext_sub", {Val::i32(32), Val::i64(2)}).i64(), 1);
  EXPECT_EQ(call("ext_and", {Val::i32(32), Val::i64(-1)}).i64(), 1);
  EXPECT_EQ(call("ext_lt", {Val::i32(32), Val::i64(2)}).i32(), 0);
  // Unwrapped values still work.
  EXPECT_EQ(call("shl_load", {Val::i32(1)}).i32(), 42);
  EXPECT_EQ(call("add_load", {Val::i32(4), Val::i32(4)}).i32(), 42);
}

INSTANTIATE_TEST_SUITE_P(OptLevels, AddressWrap,
                         ::testing::Values(environ::OptLevel::kNone, environ::OptLevel::kSpeed),
                         [](const ::testing::TestParamInfo<environ::OptLevel>& info) {
                           return info.param == environ::OptLevel::kNone ? "O0" : "O2";
                         });

}  // namespace
}  // namespace kiln::runtime
