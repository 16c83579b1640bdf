// tests/unit/runtime_api/lazy_table_test.cc: lazy table initialisation. A defined function
// table's active element segments are bounds-checked at instantiation but written only when an
// entry is first read (environ/func_table.h, runtime/vm/table.h). These tests check that the
// entries really are left unwritten, and that every reader (call_indirect, table.get, the bulk
// operations, the host API, other instances importing the table) sees exactly what eager
// initialisation would have given: later segments win, null items and explicit writes of null
// shadow segments, trapping instantiation keeps the earlier segments, and pooled slots start
// fresh.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "compile_wat.h"
#include "runtime/linker.h"
#include "runtime/module.h"
#include "runtime/store.h"
#include "runtime/vm/table.h"
#include "wat/wat.h"

namespace kiln::runtime {
namespace {

using testing::compile;

Instance instantiate(Store& store, const Module& m, std::vector<Extern> imports = {}) {
  auto inst = Instance::create(store, m, imports);
  EXPECT_TRUE(inst.ok()) << (inst.ok() ? "" : inst.error().to_string());
  if (!inst.ok()) std::abort();
  return *inst;
}

Expected<std::vector<Val>> call(const Instance& inst, std::string_view name, std::vector<Val> args = {}) {
  auto f = inst.get_func(name);
  if (!f) return Error(ErrorKind::kOther, "no export " + std::string(name));
  return f->call(args);
}

int32_t call_i32(const Instance& inst, std::string_view name, std::vector<Val> args = {}) {
  auto r = call(inst, name, std::move(args));
  EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().to_string());
  if (!r.ok() || r->empty()) return -12345;
  return (*r)[0].i32();
}

// The trap message of a call expected to trap.
std::string trap_of(const Instance& inst, std::string_view name, std::vector<Val> args = {}) {
  auto r = call(inst, name, std::move(args));
  EXPECT_FALSE(r.ok()) << name << " did not trap";
  return r.ok() ? std::string() : r.error().message();
}

bool mentions(const std::string& s, std::string_view what) { return s.find(what) != std::string::npos; }

// call_indirect of table entry i: the callee's number (f<n> returns n), a trap for null.
int32_t indirect(const Instance& inst, int32_t i) { return call_i32(inst, "call", {Val::i32(i)}); }

void* raw_entry(const Table& t, uint64_t i) { return t.vm_table()->definition()->base[i]; }

// Five functions returning their number, a 10-element table with overlapping segments:
//   [0,4) = f0 f1 f2 f3, then [2,4) = f4 f4, then [3] = null, then [8] = f2 via an
//   expression segment. Uncovered entries (4..7, 9) are null. Functions exercising every
//   reader and writer of the table.
constexpr std::string_view kOverlappingHead = R"((module
  (type $t (func (result i32)))
  (table $tab (export "tab") 10 funcref)
)";
// A second table without segments (not lazy), and functions copying between the two.
constexpr std::string_view kPlainTable = R"(
  (table $plain (export "plain") 10 funcref)
  (func (export "call_plain") (param i32) (result i32) local.get 0 call_indirect $plain (type $t))
  (func (export "copy_to_plain") (param i32 i32 i32)
    local.get 0 local.get 1 local.get 2 table.copy $plain $tab)
  (func (export "copy_from_plain") (param i32 i32 i32)
    local.get 0 local.get 1 local.get 2 table.copy $tab $plain)
)";
constexpr std::string_view kOverlappingBody = R"(
  (func $f0 (export "f0") (type $t) i32.const 0)
  (func $f1 (export "f1") (type $t) i32.const 1)
  (func $f2 (export "f2") (type $t) i32.const 2)
  (func $f3 (export "f3") (type $t) i32.const 3)
  (func $f4 (export "f4") (type $t) i32.const 4)
  (elem (i32.const 0) $f0 $f1 $f2 $f3)
  (elem (i32.const 2) func $f4 $f4)
  (elem (table $tab) (i32.const 3) funcref (ref.null func))
  (elem (table $tab) (i32.const 8) funcref (ref.func $f2))
  (func (export "call") (param i32) (result i32) local.get 0 call_indirect $tab (type $t))
  (func (export "get_is_null") (param i32) (result i32) local.get 0 table.get $tab ref.is_null)
  (func (export "get") (param i32) (result funcref) local.get 0 table.get $tab)
  (func (export "set") (param i32 i32) local.get 0 local.get 1 table.get $tab table.set $tab)
  (func (export "set_null") (param i32) local.get 0 ref.null func table.set $tab)
  (func (export "copy") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 table.copy $tab $tab)
  (func (export "fill") (param i32 i32 i32) local.get 0 local.get 1 table.get $tab local.get 2 table.fill $tab)
  (func (export "fill_null") (param i32 i32) local.get 0 ref.null func local.get 1 table.fill $tab)
  (func (export "grow") (param i32 i32) (result i32) local.get 0 table.get $tab local.get 1 table.grow $tab)
  (func (export "size") (result i32) table.size $tab)
)";

std::string overlapping_module(bool with_plain_table = true) {
  return std::string(kOverlappingHead) + (with_plain_table ? std::string(kPlainTable) : "") +
         std::string(kOverlappingBody) + ")";
}

// What the table of overlapping_module() holds after instantiation: -1 for null.
const int32_t kInitial[10] = {0, 1, 4, -1, -1, -1, -1, -1, 2, -1};

void expect_entry(const Instance& inst, int32_t i, int32_t want) {
  if (want < 0) {
    EXPECT_EQ(call_i32(inst, "get_is_null", {Val::i32(i)}), 1) << "entry " << i;
    EXPECT_TRUE(mentions(trap_of(inst, "call", {Val::i32(i)}), "uninitialized element")) << "entry " << i;
  } else {
    EXPECT_EQ(indirect(inst, i), want) << "entry " << i;
  }
}

TEST(LazyTable, ActiveSegmentsAreNotWrittenAtInstantiation) {
  Engine engine;
  Module m = compile(engine, overlapping_module());
  Store store(engine);
  Instance inst = instantiate(store, m);
  auto tab = inst.get_table("tab");
  ASSERT_TRUE(tab);
  EXPECT_TRUE(tab->vm_table()->is_lazy());
  for (uint64_t i = 0; i < 10; ++i) EXPECT_EQ(raw_entry(*tab, i), nullptr) << "entry " << i;
  // A table no segment targets is left as it is.
  EXPECT_FALSE(inst.get_table("plain")->vm_table()->is_lazy());
  // Reading an entry records it: the VMFuncRef* as is.
  EXPECT_EQ(indirect(inst, 2), 4);
  EXPECT_EQ(raw_entry(*tab, 2), inst.get_func("f4")->ref());
  EXPECT_EQ(raw_entry(*tab, 1), nullptr);
  // A null item reads as null and is recorded as initialised null (1).
  EXPECT_EQ(call_i32(inst, "get_is_null", {Val::i32(3)}), 1);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(raw_entry(*tab, 3)), 1u);
}

TEST(LazyTable, LaterSegmentsWinAndNullItemsShadow) {
  Engine engine;
  Module m = compile(engine, overlapping_module());
  Store store(engine);
  Instance inst = instantiate(store, m);
  // Every reader, first touch in different orders.
  for (int32_t i = 9; i >= 0; --i) expect_entry(inst, i, kInitial[i]);
  Store store2(engine);
  Instance inst2 = instantiate(store2, m);
  // table.get's value, first.
  for (int32_t i = 0; i < 10; ++i) {
    auto r = call(inst2, "get", {Val::i32(i)});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    const void* want = kInitial[i] < 0 ? nullptr : inst2.get_func("f" + std::to_string(kInitial[i]))->ref();
    EXPECT_EQ((*r)[0].ref_ptr(), want) << "entry " << i;
  }
  for (int32_t i = 0; i < 10; ++i) expect_entry(inst2, i, kInitial[i]);
}

TEST(LazyTable, HostAccessorsSeePlainValues) {
  Engine engine;
  Module m = compile(engine, overlapping_module());
  Store store(engine);
  Instance inst = instantiate(store, m);
  auto tab = inst.get_table("tab");
  ASSERT_TRUE(tab);
  EXPECT_EQ(tab->size(), 10u);
  const void* funcs[5];
  for (int i = 0; i < 5; ++i) funcs[i] = inst.get_func("f" + std::to_string(i))->ref();
  for (uint64_t i = 0; i < 10; ++i) {
    auto v = tab->get(i);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->ref_ptr(), kInitial[i] < 0 ? nullptr : funcs[kInitial[i]]) << "entry " << i;
  }
  EXPECT_FALSE(tab->get(10).has_value());
  // Host writes: null over a segment's entry stays null; a function is called.
  ASSERT_TRUE(tab->set(0, Val::funcref(nullptr)).ok());
  ASSERT_TRUE(tab->set(5, inst.get_func("f3")->to_val()).ok());
  EXPECT_EQ(tab->get(0)->ref_ptr(), nullptr);
  expect_entry(inst, 0, -1);
  EXPECT_EQ(indirect(inst, 5), 3);
  // Host grow: new entries hold the given value, old ones keep resolving.
  auto old = tab->grow(2, inst.get_func("f1")->to_val());
  ASSERT_TRUE(old);
  EXPECT_EQ(*old, 10u);
  EXPECT_EQ(indirect(inst, 11), 1);
  EXPECT_EQ(indirect(inst, 8), 2);
  EXPECT_EQ(indirect(inst, 1), 1);
}

TEST(LazyTable, TableSetAndGetFromWasm) {
  Engine engine;
  Module m = compile(engine, overlapping_module());
  Store store(engine);
  Instance inst = instantiate(store, m);
  // set(dst, src) copies entry src to dst through table.get/table.set.
  ASSERT_TRUE(call(inst, "set", {Val::i32(6), Val::i32(8)}).ok());
  EXPECT_EQ(indirect(inst, 6), 2);
  ASSERT_TRUE(call(inst, "set", {Val::i32(1), Val::i32(2)}).ok());  // over an unread segment entry
  EXPECT_EQ(indirect(inst, 1), 4);
  // Null over entries no one has read yet: the segments' values must not come back.
  ASSERT_TRUE(call(inst, "set_null", {Val::i32(0)}).ok());
  ASSERT_TRUE(call(inst, "set", {Val::i32(8), Val::i32(9)}).ok());  // copies a null
  expect_entry(inst, 0, -1);
  expect_entry(inst, 8, -1);
  auto tab = inst.get_table("tab");
  EXPECT_EQ(tab->get(0)->ref_ptr(), nullptr);
  EXPECT_EQ(tab->get(8)->ref_ptr(), nullptr);
  // Out of bounds still traps.
  EXPECT_TRUE(mentions(trap_of(inst, "get_is_null", {Val::i32(10)}), "out of bounds table access"));
  EXPECT_TRUE(mentions(trap_of(inst, "set_null", {Val::i32(10)}), "out of bounds table access"));
  EXPECT_TRUE(mentions(trap_of(inst, "call", {Val::i32(10)}), "undefined element"));
}

TEST(LazyTable, CopyFillGrow) {
  Engine engine;
  Module m = compile(engine, overlapping_module());
  Store store(engine);
  Instance inst = instantiate(store, m);
  // Overlapping copy within the lazy table, nothing read before: [0,4) -> [1,5).
  ASSERT_TRUE(call(inst, "copy", {Val::i32(1), Val::i32(0), Val::i32(4)}).ok());
  const int32_t after_copy[10] = {0, 0, 1, 4, -1, -1, -1, -1, 2, -1};
  for (int32_t i = 0; i < 10; ++i) expect_entry(inst, i, after_copy[i]);

  Store store2(engine);
  Instance b = instantiate(store2, m);
  // Lazy -> plain table: values (null as null), then plain -> lazy: a null copied over an
  // unread segment entry stays null.
  ASSERT_TRUE(call(b, "copy_to_plain", {Val::i32(0), Val::i32(0), Val::i32(10)}).ok());
  for (int32_t i = 0; i < 10; ++i) {
    if (kInitial[i] >= 0) {
      EXPECT_EQ(call_i32(b, "call_plain", {Val::i32(i)}), kInitial[i]) << i;
    } else {
      EXPECT_TRUE(mentions(trap_of(b, "call_plain", {Val::i32(i)}), "uninitialized element")) << i;
    }
  }
  Store store3(engine);
  Instance c = instantiate(store3, m);
  ASSERT_TRUE(call(c, "copy_from_plain", {Val::i32(0), Val::i32(5), Val::i32(2)}).ok());
  expect_entry(c, 0, -1);
  expect_entry(c, 1, -1);
  expect_entry(c, 2, 4);
  // Out-of-bounds copies trap and write nothing.
  EXPECT_TRUE(mentions(trap_of(c, "copy", {Val::i32(8), Val::i32(0), Val::i32(3)}), "out of bounds table access"));
  expect_entry(c, 8, 2);

  // Fill with a function and with null over unread entries.
  Store store4(engine);
  Instance d = instantiate(store4, m);
  ASSERT_TRUE(call(d, "fill", {Val::i32(4), Val::i32(8), Val::i32(3)}).ok());  // [4,7) = entry 8 = f2
  ASSERT_TRUE(call(d, "fill_null", {Val::i32(1), Val::i32(2)}).ok());
  const int32_t after_fill[10] = {0, -1, -1, -1, 2, 2, 2, -1, 2, -1};
  for (int32_t i = 0; i < 10; ++i) expect_entry(d, i, after_fill[i]);
  EXPECT_TRUE(mentions(trap_of(d, "fill_null", {Val::i32(9), Val::i32(2)}), "out of bounds table access"));
  expect_entry(d, 9, -1);

  // Grow: new entries are the init value (here entry 0's, f0; then null), old ones resolve.
  Store store5(engine);
  Instance e = instantiate(store5, m);
  EXPECT_EQ(call_i32(e, "grow", {Val::i32(0), Val::i32(3)}), 10);
  EXPECT_EQ(call_i32(e, "grow", {Val::i32(4), Val::i32(2)}), 13);
  EXPECT_EQ(call_i32(e, "size"), 15);
  for (int32_t i = 0; i < 10; ++i) expect_entry(e, i, kInitial[i]);
  for (int32_t i = 10; i < 13; ++i) expect_entry(e, i, 0);
  for (int32_t i = 13; i < 15; ++i) expect_entry(e, i, -1);
}

TEST(LazyTable, ManySegmentsAndExpressionItems) {
  // More segments than a read walks (Table::kMaxLazySegmentWalk): the first read writes the
  // whole table. Segment k covers [k, k + 4) with f(k % 5): entry i ends up f(i % 5) for
  // i < 16 (the last segment covering it starts at i), f(16 % 5) .. for 16..19 from segment
  // 16, null beyond.
  std::string text = "(module (type $t (func (result i32))) (table $tab (export \"tab\") 24 funcref)\n";
  for (int f = 0; f < 5; ++f) text += "(func $f" + std::to_string(f) + " (type $t) i32.const " + std::to_string(f) + ")\n";
  const int kSegments = static_cast<int>(vm::Table::kMaxLazySegmentWalk) + 9;
  for (int k = 0; k < kSegments; ++k) {
    std::string f = "$f" + std::to_string(k % 5);
    text += "(elem (i32.const " + std::to_string(k) + ") " + f + " " + f + " " + f + " " + f + ")\n";
  }
  text += "(func (export \"call\") (param i32) (result i32) local.get 0 call_indirect $tab (type $t))\n";
  text += "(func (export \"get_is_null\") (param i32) (result i32) local.get 0 table.get $tab ref.is_null))";
  Engine engine;
  Module m = compile(engine, text);
  Store store(engine);
  Instance inst = instantiate(store, m);
  for (int32_t i = 23; i >= 0; --i) {
    int32_t want = i < kSegments ? i % 5 : i < kSegments + 3 ? (kSegments - 1) % 5 : -1;
    expect_entry(inst, i, want);
  }

  // Expression items: global.get of a funcref global, ref.func, ref.null; an explicit table
  // initialiser for the entries no segment covers.
  Module ex = compile(engine, R"((module
    (type $t (func (result i32)))
    (func $f0 (type $t) i32.const 0)
    (func $f1 (type $t) i32.const 1)
    (func $f2 (type $t) i32.const 2)
    (global $g funcref (ref.func $f2))
    (table $tab 6 funcref (ref.func $f1))
    (elem (table $tab) (i32.const 1) funcref (global.get $g) (ref.null func) (ref.func $f0))
    (func (export "call") (param i32) (result i32) local.get 0 call_indirect $tab (type $t))
    (func (export "get_is_null") (param i32) (result i32) local.get 0 table.get $tab ref.is_null))
  )");
  Store store2(engine);
  Instance e = instantiate(store2, ex);
  const int32_t want[6] = {1, 2, -1, 0, 1, 1};
  for (int32_t i = 0; i < 6; ++i) expect_entry(e, i, want[i]);
}

TEST(LazyTable, TrappingSegmentKeepsEarlierOnesAndWritesNoLater) {
  // Segment 0 puts $probe (which reads the defined table) into the imported table; segments
  // 1 and 2 write the defined table; segment 3 is out of bounds, so instantiation traps and
  // segment 4 is never applied. The failed instance stays reachable through the imported
  // table, and its defined table shows exactly segments 1 and 2.
  Engine engine;
  Module m = compile(engine, R"((module
    (type $t (func (result i32)))
    (type $p (func (param i32) (result i32)))
    (import "env" "tab" (table $imp 2 funcref))
    (table $own 4 funcref)
    (func $a (type $t) i32.const 10)
    (func $b (type $t) i32.const 11)
    (func $c (type $t) i32.const 12)
    (func $probe (type $p) local.get 0 call_indirect $own (type $t))
    (func $null_probe (type $p) local.get 0 table.get $own ref.is_null)
    (elem (table $imp) (i32.const 0) func $probe $null_probe)
    (elem (table $own) (i32.const 0) func $a $b)
    (elem (table $own) (i32.const 1) func $c)
    (elem (table $own) (i32.const 3) func $a $a)
    (elem (table $own) (i32.const 2) func $c))
  )");
  Store store(engine);
  wasm::TableType tt;
  tt.limits.min = 2;
  auto imp = Table::create(store, tt, Val::funcref(nullptr));
  ASSERT_TRUE(imp.ok());
  std::vector<Extern> imports{*imp};
  auto inst = Instance::create(store, m, imports);
  ASSERT_FALSE(inst.ok());
  EXPECT_TRUE(mentions(inst.error().message(), "out of bounds table access")) << inst.error().message();
  auto probe = imp->get(0);
  ASSERT_TRUE(probe && probe->ref_ptr() != nullptr);
  auto null_probe = imp->get(1);
  ASSERT_TRUE(null_probe && null_probe->ref_ptr() != nullptr);
  Func pf(&store.data(), static_cast<const vm::VMFuncRef*>(probe->ref_ptr()));
  Func nf(&store.data(), static_cast<const vm::VMFuncRef*>(null_probe->ref_ptr()));
  auto at = [&](Func& f, int32_t i) -> Expected<std::vector<Val>> {
    std::vector<Val> args{Val::i32(i)};
    return f.call(args);
  };
  auto r0 = at(pf, 0);
  ASSERT_TRUE(r0.ok()) << r0.error().to_string();
  EXPECT_EQ((*r0)[0].i32(), 10);
  auto r1 = at(pf, 1);
  ASSERT_TRUE(r1.ok()) << r1.error().to_string();
  EXPECT_EQ((*r1)[0].i32(), 12);  // segment 2 over segment 1
  // Entry 2 would be $c had segment 4 run; entry 3 would be $a had segment 3 been in bounds.
  for (int32_t i : {2, 3}) {
    auto r = at(nf, i);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ((*r)[0].i32(), 1) << "entry " << i;
    auto c = at(pf, i);
    ASSERT_FALSE(c.ok());
    EXPECT_TRUE(mentions(c.error().message(), "uninitialized element")) << c.error().message();
  }
}

TEST(LazyTable, ImportingInstancesReadAndWriteTheLazyTable) {
  Engine engine;
  Module a = compile(engine, overlapping_module());
  // Imports the lazy table: calls through it, and its own active segment writes entry 5 and 0.
  Module b = compile(engine, R"((module
    (type $t (func (result i32)))
    (import "a" "tab" (table $tab 10 funcref))
    (func $g (type $t) i32.const 42)
    (elem (table $tab) (i32.const 5) func $g)
    (elem (table $tab) (i32.const 0) funcref (ref.null func))
    (func (export "call") (param i32) (result i32) local.get 0 call_indirect $tab (type $t))
    (func (export "get_is_null") (param i32) (result i32) local.get 0 table.get $tab ref.is_null)
    (func (export "set_null") (param i32) local.get 0 ref.null func table.set $tab))
  )");
  Store store(engine);
  Instance ia = instantiate(store, a);
  Instance ib = instantiate(store, b, {*ia.get_export("tab")});
  // B's compiled table.set of null into A's table, over an entry nobody has read.
  ASSERT_TRUE(call(ib, "set_null", {Val::i32(8)}).ok());
  const int32_t want[10] = {-1, 1, 4, -1, -1, 42, -1, -1, -1, -1};
  for (int32_t i = 0; i < 10; ++i) {
    expect_entry(ib, i, want[i]);
    expect_entry(ia, i, want[i]);
  }
}

Config pooling_config() {
  Config c;
  c.allocation_strategy = Config::AllocationStrategy::kPooling;
  c.pooling.total_instances = 2;
  c.pooling.total_memories = 1;
  c.pooling.total_tables = 1;  // every instance gets the same table slot
  c.pooling.max_memory_pages = 1;
  c.pooling.table_elements = 32;
  return c;
}

TEST(LazyTable, PooledSlotsStartUnwritten) {
  Engine engine(pooling_config());
  Module m = compile(engine, overlapping_module(/*with_plain_table=*/false));
  void** first_base = nullptr;
  {
    Store store(engine);
    Instance inst = instantiate(store, m);
    // Touch everything, overwrite entries inside and outside the segments, grow.
    for (int32_t i = 0; i < 10; ++i) expect_entry(inst, i, kInitial[i]);
    ASSERT_TRUE(call(inst, "set", {Val::i32(9), Val::i32(1)}).ok());
    ASSERT_TRUE(call(inst, "set", {Val::i32(0), Val::i32(2)}).ok());
    ASSERT_TRUE(call(inst, "set_null", {Val::i32(1)}).ok());
    EXPECT_EQ(call_i32(inst, "grow", {Val::i32(8), Val::i32(4)}), 10);
    first_base = inst.get_table("tab")->vm_table()->definition()->base;
  }
  for (int round = 0; round < 2; ++round) {
    Store store(engine);
    Instance inst = instantiate(store, m);
    auto tab = inst.get_table("tab");
    ASSERT_EQ(tab->vm_table()->definition()->base, first_base) << "expected the pool slot to be reused";
    EXPECT_EQ(tab->size(), 10u);
    for (uint64_t i = 0; i < 32; ++i) EXPECT_EQ(first_base[i], nullptr) << "slot entry " << i;
    for (int32_t i = 0; i < 10; ++i) expect_entry(inst, i, kInitial[i]);
    // Growing shows the new init value, not the previous instance's entries.
    EXPECT_EQ(call_i32(inst, "grow", {Val::i32(3), Val::i32(4)}), 10);
    for (int32_t i = 10; i < 14; ++i) expect_entry(inst, i, -1);
    ASSERT_TRUE(call(inst, "set", {Val::i32(4), Val::i32(0)}).ok());
  }
}

}  // namespace
}  // namespace kiln::runtime
