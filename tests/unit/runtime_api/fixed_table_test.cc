// tests/unit/runtime_api/fixed_table_test.cc: tables whose maximum equals their minimum. The
// compiler treats such a table's length as a constant and its element array as never moving
// (FuncEnvironment::fixed_table_size): call_indirect checks the index against an immediate and
// keeps the array's address in a register across calls. These tests check that every table
// operation still behaves as the spec says: the size never changes, growth fails (and growth
// by 0 succeeds), out-of-range indices trap, entries written at run time are seen, and an
// imported table declared with max = min works whether its host table is that size.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "compile_wat.h"
#include "runtime/linker.h"
#include "runtime/module.h"
#include "runtime/store.h"

namespace kiln::runtime {
namespace {

using testing::call_first;
using testing::compile;
using testing::trap_of;

constexpr const char* kFixedTableModule = R"((module
  (type $un (func (param i32) (result i32)))
  (table $t (export "t") 4 4 funcref)
  (func $inc (type $un) (i32.add (local.get 0) (i32.const 1)))
  (func $dbl (type $un) (i32.mul (local.get 0) (i32.const 2)))
  (func $neg (type $un) (i32.sub (i32.const 0) (local.get 0)))
  (elem (table $t) (i32.const 0) func $inc $dbl)
  (elem declare func $neg)
  ;; sum over k < n of t[k % m](k): calls in a loop, where the table's base stays in a register
  (func (export "loop") (param $n i32) (param $m i32) (result i32) (local $k i32) (local $s i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $s (i32.add (local.get $s)
          (call_indirect (type $un) (local.get $k) (i32.rem_u (local.get $k) (local.get $m)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $l)))
    (local.get $s))
  (func (export "call") (param i32 i32) (result i32)
    (call_indirect (type $un) (local.get 1) (local.get 0)))
  (func (export "size") (result i32) (table.size $t))
  (func (export "grow") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0)))
  (func (export "set_neg") (param i32) (table.set $t (local.get 0) (ref.func $neg)))
  (func (export "get_is_null") (param i32) (result i32) (ref.is_null (table.get $t (local.get 0))))
))";

TEST(FixedTable, SizeIsConstantAndGrowthFails) {
  testing::Instantiated t(Config{}, kFixedTableModule);
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(call_first(t.instance, "size", {}).i32(), 4);
  EXPECT_EQ(call_first(t.instance, "grow", {Val::i32(1)}).i32(), -1);
  EXPECT_EQ(call_first(t.instance, "grow", {Val::i32(0)}).i32(), 4);  // growing by 0 succeeds
  EXPECT_EQ(call_first(t.instance, "size", {}).i32(), 4);
  auto tab = t.instance.get_table("t");
  ASSERT_TRUE(tab.has_value());
  EXPECT_FALSE(tab->grow(1, Val::funcref(nullptr)).has_value());  // nor from the host
  EXPECT_EQ(tab->size(), 4u);
}

TEST(FixedTable, CallIndirectChecksBoundsNullAndSignature) {
  testing::Instantiated t(Config{}, kFixedTableModule);
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(call_first(t.instance, "call", {Val::i32(0), Val::i32(41)}).i32(), 42);
  EXPECT_EQ(call_first(t.instance, "call", {Val::i32(1), Val::i32(21)}).i32(), 42);
  // Entries 2 and 3 are null; 4 and beyond are out of bounds, including indices whose low
  // bits are in range.
  EXPECT_EQ(trap_of(t.instance, "call", {Val::i32(2), Val::i32(0)}).code,
            environ::TrapCode::kIndirectCallToNull);
  EXPECT_EQ(trap_of(t.instance, "call", {Val::i32(4), Val::i32(0)}).code,
            environ::TrapCode::kUndefinedElement);
  EXPECT_EQ(trap_of(t.instance, "call", {Val::i32(-1), Val::i32(0)}).code,
            environ::TrapCode::kUndefinedElement);
  EXPECT_EQ(trap_of(t.instance, "call", {Val::i32(INT32_MIN), Val::i32(0)}).code,
            environ::TrapCode::kUndefinedElement);
  EXPECT_EQ(trap_of(t.instance, "call", {Val::i32(5), Val::i32(0)}).code,
            environ::TrapCode::kUndefinedElement);
}

TEST(FixedTable, EntriesWrittenAtRunTimeAreCalled) {
  testing::Instantiated t(Config{}, kFixedTableModule);
  ASSERT_TRUE(t.ok);
  // k in 0..9 through entries k % 2: inc for even k, dbl for odd k.
  int32_t expect = 0;
  for (int32_t k = 0; k < 10; ++k) expect += k % 2 == 0 ? k + 1 : 2 * k;
  EXPECT_EQ(call_first(t.instance, "loop", {Val::i32(10), Val::i32(2)}).i32(), expect);
  EXPECT_EQ(call_first(t.instance, "get_is_null", {Val::i32(2)}).i32(), 1);
  auto set = t.instance.get_func("set_neg");
  ASSERT_TRUE(set.has_value());
  std::vector<Val> two{Val::i32(2)};
  ASSERT_TRUE(set->call(two).ok());
  EXPECT_EQ(call_first(t.instance, "get_is_null", {Val::i32(2)}).i32(), 0);
  EXPECT_EQ(call_first(t.instance, "call", {Val::i32(2), Val::i32(7)}).i32(), -7);
  expect = 0;
  for (int32_t k = 0; k < 9; ++k) expect += k % 3 == 0 ? k + 1 : k % 3 == 1 ? 2 * k : -k;
  EXPECT_EQ(call_first(t.instance, "loop", {Val::i32(9), Val::i32(3)}).i32(), expect);
  // Index 3 is still null: the loop traps when it reaches it.
  EXPECT_EQ(trap_of(t.instance, "loop", {Val::i32(9), Val::i32(4)}).code, environ::TrapCode::kIndirectCallToNull);
}

// An import declared (table 3 3 funcref) accepts only a host table of exactly 3 entries and
// maximum 3; the importing code then treats it as fixed. A table that could grow does not match.
TEST(FixedTable, ImportedFixedTable) {
  Engine engine;
  Module m = compile(engine, R"((module
    (type $un (func (param i32) (result i32)))
    (import "host" "t" (table $t 3 3 funcref))
    (func $inc (type $un) (i32.add (local.get 0) (i32.const 1)))
    (elem (table $t) (i32.const 2) func $inc)
    (func (export "size") (result i32) (table.size $t))
    (func (export "call") (param i32 i32) (result i32)
      (call_indirect (type $un) (local.get 1) (local.get 0)))))");
  Store store(engine);
  wasm::TableType fixed;
  fixed.limits.min = 3;
  fixed.limits.max = 3;
  auto table = Table::create(store, fixed, Val::funcref(nullptr));
  ASSERT_TRUE(table.ok());
  std::vector<Extern> imports{*table};
  auto inst = Instance::create(store, m, imports);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  EXPECT_EQ(call_first(*inst, "size", {}).i32(), 3);
  EXPECT_EQ(call_first(*inst, "call", {Val::i32(2), Val::i32(9)}).i32(), 10);
  EXPECT_EQ(trap_of(*inst, "call", {Val::i32(3), Val::i32(0)}).code, environ::TrapCode::kUndefinedElement);
  EXPECT_EQ(trap_of(*inst, "call", {Val::i32(0), Val::i32(0)}).code, environ::TrapCode::kIndirectCallToNull);

  wasm::TableType growable;
  growable.limits.min = 3;
  auto big = Table::create(store, growable, Val::funcref(nullptr));
  ASSERT_TRUE(big.ok());
  std::vector<Extern> bad{*big};
  EXPECT_FALSE(Instance::create(store, m, bad).ok());
}

}  // namespace
}  // namespace kiln::runtime
