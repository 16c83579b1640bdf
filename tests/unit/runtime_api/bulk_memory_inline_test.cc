// tests/unit/runtime_api/bulk_memory_inline_test.cc: memory.copy and memory.fill on unshared
// memories check bounds in compiled code and then call memmove/memset on native addresses.
// Checked at -O0 (baseline: the MemoryCopy/MemoryFill builtins) and -O2 (the inline checks):
// ranges ending exactly at the end of memory, zero lengths at and past the end, traps with no
// byte written, the bound read again after memory.grow, two memories of different sizes, and
// 64-bit memories whose address + length wraps.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "compile_wat.h"
#include "runtime/linker.h"
#include "runtime/store.h"

namespace kiln::runtime {
namespace {

constexpr std::string_view kModule = R"((module
  (memory $a 1)
  (memory $b 2)
  (memory $w i64 1)
  (func (export "copy") (param $d i32) (param $s i32) (param $n i32)
    (memory.copy $a $a (local.get $d) (local.get $s) (local.get $n)))
  (func (export "copy_ab") (param $d i32) (param $s i32) (param $n i32)
    (memory.copy $a $b (local.get $d) (local.get $s) (local.get $n)))
  (func (export "fill") (param $d i32) (param $v i32) (param $n i32)
    (memory.fill $a (local.get $d) (local.get $v) (local.get $n)))
  (func (export "fill_b") (param $d i32) (param $v i32) (param $n i32)
    (memory.fill $b (local.get $d) (local.get $v) (local.get $n)))
  (func (export "copy64") (param $d i64) (param $s i64) (param $n i64)
    (memory.copy $w $w (local.get $d) (local.get $s) (local.get $n)))
  (func (export "fill64") (param $d i64) (param $v i32) (param $n i64)
    (memory.fill $w (local.get $d) (local.get $v) (local.get $n)))
  (func (export "grow") (result i32) (memory.grow $a (i32.const 1)))
  (func (export "load8") (param $p i32) (result i32) (i32.load8_u $a (local.get $p)))
  (func (export "load8_b") (param $p i32) (result i32) (i32.load8_u $b (local.get $p)))
  (func (export "load8_w") (param $p i64) (result i32) (i32.load8_u $w (local.get $p)))
  (func (export "sum") (param $p i32) (param $n i32) (result i32)
    (local $s i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $s (i32.add (local.get $s) (i32.load8_u $a (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (local.get $s)))
)";

constexpr int32_t kPage = 65536;

class BulkMemoryInlineTest : public ::testing::TestWithParam<environ::OptLevel> {};

TEST_P(BulkMemoryInlineTest, BoundsAndContents) {
  Config c;
  c.opt_level = GetParam();
  testing::Instantiated t(c, kModule);
  ASSERT_TRUE(t.ok);
  Instance& inst = t.instance;
  auto call = [&](const char* name, std::vector<Val> args) {
    auto f = inst.get_func(name);
    EXPECT_TRUE(f.has_value()) << name;
    return f->call(args);
  };
  auto ok = [&](const char* name, std::vector<Val> args) {
    auto r = call(name, std::move(args));
    EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().to_string());
  };
  auto traps = [&](const char* name, std::vector<Val> args) {
    auto r = call(name, std::move(args));
    ASSERT_FALSE(r.ok()) << name << " did not trap";
    EXPECT_NE(r.error().to_string().find("out of bounds"), std::string::npos) << r.error().to_string();
  };
  auto i32 = [](int64_t v) { return Val::i32(static_cast<int32_t>(v)); };
  auto byte = [&](const char* load, int64_t p) {
    auto r = call(load, {std::string(load) == "load8_w" ? Val::i64(p) : i32(p)});
    return r.ok() && !r->empty() ? (*r)[0].i32() : -1;
  };

  // Fill the last 16 bytes exactly, then one byte too many: the failed fill writes nothing.
  ok("fill", {i32(kPage - 16), i32(0xAB), i32(16)});
  EXPECT_EQ(byte("load8", kPage - 1), 0xAB);
  EXPECT_EQ(byte("load8", kPage - 17), 0);
  traps("fill", {i32(kPage - 16), i32(0xCD), i32(17)});
  EXPECT_EQ(byte("load8", kPage - 16), 0xAB);
  // Zero lengths: at the end is fine, one past it traps.
  ok("fill", {i32(kPage), i32(1), i32(0)});
  traps("fill", {i32(kPage + 1), i32(1), i32(0)});
  ok("copy", {i32(kPage), i32(kPage), i32(0)});
  traps("copy", {i32(0), i32(kPage + 1), i32(0)});
  // Addresses near 2^32 must not wrap into range.
  traps("copy", {i32(0xFFFFFFF0), i32(0), i32(0x20)});
  traps("fill", {i32(16), i32(0), i32(0xFFFFFFF8)});

  // Overlapping copies in both directions (memmove semantics).
  for (int k = 0; k < 8; ++k) ok("fill", {i32(100 + k), i32(k + 1), i32(1)});
  ok("copy", {i32(102), i32(100), i32(8)});  // forward overlap: dst above src
  for (int k = 0; k < 8; ++k) EXPECT_EQ(byte("load8", 102 + k), k + 1) << k;
  ok("copy", {i32(101), i32(102), i32(8)});  // backward overlap
  for (int k = 0; k < 8; ++k) EXPECT_EQ(byte("load8", 101 + k), k + 1) << k;
  // Source out of bounds: no byte of the destination changes (100 = 1, 101..108 = 1..8,
  // 109 = 8 after the two copies).
  traps("copy", {i32(100), i32(kPage - 4), i32(8)});
  EXPECT_EQ(byte("load8", 100), 1);
  EXPECT_EQ(byte("load8", 101), 1);
  EXPECT_EQ(byte("load8", 109), 8);
  auto sum = call("sum", {i32(100), i32(16)});
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ((*sum)[0].i32(), 1 + 36 + 8);

  // After growing, the new page is in bounds (the length is read again).
  traps("fill", {i32(kPage), i32(7), i32(4)});
  auto g = call("grow", {});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ((*g)[0].i32(), 1);
  ok("fill", {i32(2 * kPage - 4), i32(7), i32(4)});
  EXPECT_EQ(byte("load8", 2 * kPage - 1), 7);
  traps("fill", {i32(2 * kPage - 4), i32(7), i32(5)});

  // Two memories: $b (2 pages) into $a (now 2 pages) and the bound of each side.
  ok("fill_b", {i32(3 * kPage / 2), i32(0x5A), i32(4)});
  ok("copy_ab", {i32(10), i32(3 * kPage / 2), i32(4)});
  EXPECT_EQ(byte("load8", 13), 0x5A);
  traps("copy_ab", {i32(2 * kPage - 2), i32(0), i32(4)});  // destination side
  ok("copy_ab", {i32(0), i32(2 * kPage - 4), i32(4)});
  traps("copy_ab", {i32(0), i32(2 * kPage - 3), i32(4)});  // source side

  // A 64-bit memory: address + length wrapping around 2^64 traps.
  ok("fill64", {Val::i64(kPage - 2), i32(9), Val::i64(2)});
  EXPECT_EQ(byte("load8_w", kPage - 1), 9);
  traps("fill64", {Val::i64(16), i32(9), Val::i64(-8)});
  traps("copy64", {Val::i64(-4), Val::i64(0), Val::i64(8)});
  traps("copy64", {Val::i64(0), Val::i64(8), Val::i64(-8)});
  ok("copy64", {Val::i64(0), Val::i64(kPage - 2), Val::i64(2)});
  EXPECT_EQ(byte("load8_w", 1), 9);
}

INSTANTIATE_TEST_SUITE_P(Levels, BulkMemoryInlineTest,
                         ::testing::Values(environ::OptLevel::kNone, environ::OptLevel::kSpeed),
                         [](const auto& info) { return info.param == environ::OptLevel::kNone ? "O0" : "O2"; });

}  // namespace
}  // namespace kiln::runtime
