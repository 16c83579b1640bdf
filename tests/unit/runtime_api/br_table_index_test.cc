// tests/unit/runtime_api/br_table_index_test.cc: br_table's index reaches the jump table as a
// 64-bit register. An i32 index whose register already has zero upper bits (the result of a
// 32-bit operation or a zero-extending load) is used as it is; any other i32 index (a parameter,
// the wrap of an i64, whose register keeps the i64's upper bits) is zero-extended first. Checked
// for values against C++ on indices whose i64 source has upper bits set, at -O0 and -O2.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "compile_wat.h"
#include "runtime/linker.h"
#include "runtime/store.h"

namespace kiln::runtime {
namespace {

// Each function returns 10, 20, 30 for indices 0, 1, 2 and 40 (the default) otherwise.
constexpr std::string_view kModule = R"((module
  (memory 1)
  (func $pick (param $i i32) (result i32)
    block block block block
      local.get $i
      br_table 0 1 2 3
    end i32.const 10 return
    end i32.const 20 return
    end i32.const 30 return
    end i32.const 40)
  ;; The wrap of an i64: the register's upper half is the i64's and must be cleared.
  (func (export "wrap") (param $x i64) (result i32)
    block block block block
      (i32.wrap_i64 (local.get $x))
      br_table 0 1 2 3
    end i32.const 10 return
    end i32.const 20 return
    end i32.const 30 return
    end i32.const 40)
  ;; A 32-bit add of a wrapped i64 and a constant: the add zeroes the upper half.
  (func (export "add") (param $x i64) (result i32)
    block block block block
      (i32.add (i32.wrap_i64 (local.get $x)) (i32.const 1))
      br_table 0 1 2 3
    end i32.const 10 return
    end i32.const 20 return
    end i32.const 30 return
    end i32.const 40)
  ;; A loaded index (movzx-free 32-bit load), still live after the branch.
  (func (export "load") (param $x i32) (result i32)
    (i32.store (i32.const 16) (local.get $x))
    block block block block
      (i32.load (i32.const 16))
      br_table 0 1 2 3
    end (i32.add (i32.const 10) (i32.load (i32.const 16))) return
    end (i32.add (i32.const 20) (i32.load (i32.const 16))) return
    end (i32.add (i32.const 30) (i32.load (i32.const 16))) return
    end i32.const 40)
  ;; An index used again in the taken arm: the branch may not clobber its register.
  (func (export "live") (param $x i64) (result i32)
    (local $i i32)
    (local.set $i (i32.xor (i32.wrap_i64 (local.get $x)) (i32.const 0)))
    (local.set $i (i32.sub (local.get $i) (i32.const 0)))
    block block block block
      (i32.and (local.get $i) (i32.const 7))
      br_table 0 1 2 3
    end (i32.add (i32.const 10) (local.get $i)) return
    end (i32.add (i32.const 20) (local.get $i)) return
    end (i32.add (i32.const 30) (local.get $i)) return
    end (i32.add (i32.const 40) (local.get $i)))
  (func (export "param") (param $x i32) (result i32) (call $pick (local.get $x))))
)";

int32_t pick(uint32_t i) { return i == 0 ? 10 : i == 1 ? 20 : i == 2 ? 30 : 40; }

class BrTableIndexTest : public ::testing::TestWithParam<environ::OptLevel> {};

TEST_P(BrTableIndexTest, MatchesCpp) {
  Config c;
  c.opt_level = GetParam();
  testing::Instantiated t(c, kModule);
  ASSERT_TRUE(t.ok);
  Instance& inst = t.instance;
  auto call = [&](const char* name, std::vector<Val> args) { return testing::call_first(inst, name, args); };
  std::mt19937_64 rng(7);
  std::vector<uint64_t> values = {0, 1, 2, 3, 0x100000000, 0x100000001, 0x100000002, 0xffffffff,
                                  0xffffffff00000001, 0x7fffffff00000000, 0xfffffffe, ~uint64_t{0}};
  for (int k = 0; k < 64; ++k) values.push_back((rng() << 32) | (rng() % 5));
  for (uint64_t x : values) {
    const uint32_t lo = static_cast<uint32_t>(x);
    const int64_t sx = static_cast<int64_t>(x);
    SCOPED_TRACE(x);
    EXPECT_EQ(call("wrap", {Val::i64(sx)}).i32(), pick(lo));
    EXPECT_EQ(call("add", {Val::i64(sx)}).i32(), pick(lo + 1));
    EXPECT_EQ(call("load", {Val::i32(static_cast<int32_t>(lo))}).i32(),
              lo < 3 ? pick(lo) + static_cast<int32_t>(lo) : 40);
    const uint32_t arm = lo & 7;
    EXPECT_EQ(call("live", {Val::i64(sx)}).i32(), static_cast<int32_t>(pick(arm) + lo));
    EXPECT_EQ(call("param", {Val::i32(static_cast<int32_t>(lo))}).i32(), pick(lo));
  }
}

INSTANTIATE_TEST_SUITE_P(Levels, BrTableIndexTest,
                         ::testing::Values(environ::OptLevel::kNone, environ::OptLevel::kSpeed),
                         [](const auto& info) { return info.param == environ::OptLevel::kNone ? "O0" : "O2"; });

}  // namespace
}  // namespace kiln::runtime
