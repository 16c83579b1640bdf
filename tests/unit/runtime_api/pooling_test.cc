// tests/unit/runtime_api/pooling_test.cc: instance allocation: the pooling allocator (slot
// reuse without leaks, exhaustion, limits), copy-on-write memory images (contents, privacy,
// growth, trap ordering), and InstancePre across many stores.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "compile_wat.h"
#include "runtime/linker.h"
#include "runtime/module.h"
#include "runtime/store.h"
#include "runtime/vm/memory_image.h"
#include "wat/wat.h"

namespace kiln::runtime {
namespace {

using testing::compile;

Config pooling_config(uint32_t instances = 4, uint32_t memories = 4, uint32_t tables = 4) {
  Config c;
  c.allocation_strategy = Config::AllocationStrategy::kPooling;
  c.pooling.total_instances = instances;
  c.pooling.total_memories = memories;
  c.pooling.total_tables = tables;
  c.pooling.max_memory_pages = 16;
  c.pooling.table_elements = 64;
  return c;
}

wasm::TableType funcref_table(uint64_t min) {
  wasm::TableType t;
  t.limits.min = min;
  return t;
}

wasm::MemoryType memory_type(uint64_t min) {
  wasm::MemoryType t;
  t.limits.min = min;
  return t;
}

int32_t call_i32(const Instance& inst, std::string_view name, std::vector<Val> args = {}) {
  auto f = inst.get_func(name);
  EXPECT_TRUE(f.has_value()) << name;
  if (!f) return -12345;
  auto r = f->call(args);
  EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().to_string());
  if (!r.ok() || r->empty()) return -12345;
  return (*r)[0].i32();
}

void call(const Instance& inst, std::string_view name, std::vector<Val> args = {}) {
  auto f = inst.get_func(name);
  ASSERT_TRUE(f.has_value()) << name;
  auto r = f->call(args);
  ASSERT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().to_string());
}

// A memory without data segments, a table, and functions that write and read both.
constexpr std::string_view kScratch = R"((module
  (memory (export "mem") 1 4)
  (table (export "tab") 8 funcref)
  (func $f (result i32) i32.const 7)
  (elem declare func $f)
  (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "set_tab") (param i32) local.get 0 ref.func $f table.set)
  (func (export "tab_null") (param i32) (result i32) local.get 0 table.get ref.is_null)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "size") (result i32) memory.size))
)";

TEST(Pooling, ReusedSlotsDoNotLeakMemoryOrTableContents) {
  // One slot of each kind: the second instance necessarily gets the first one's slots.
  Engine engine(pooling_config(1, 1, 1));
  Module m = compile(engine, kScratch);
  uint8_t* first_base = nullptr;
  {
    Store store(engine);
    auto inst = Instance::create(store, m, {});
    ASSERT_TRUE(inst.ok()) << inst.error().to_string();
    call(*inst, "store", {Val::i32(0), Val::i32(0x11223344)});
    call(*inst, "store", {Val::i32(65532), Val::i32(-1)});
    EXPECT_EQ(call_i32(*inst, "grow", {Val::i32(2)}), 1);
    call(*inst, "store", {Val::i32(3 * 65536 - 4), Val::i32(0x55)});
    call(*inst, "set_tab", {Val::i32(3)});
    call(*inst, "set_tab", {Val::i32(7)});
    EXPECT_EQ(call_i32(*inst, "tab_null", {Val::i32(3)}), 0);
    first_base = inst->get_memory("mem")->data();
  }
  Store store(engine);
  auto inst = Instance::create(store, m, {});
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  auto mem = inst->get_memory("mem");
  ASSERT_TRUE(mem);
  EXPECT_EQ(mem->data(), first_base) << "expected the same pool slot to be reused";
  // Back to the module's initial size, with the grown pages inaccessible again.
  EXPECT_EQ(call_i32(*inst, "size"), 1);
  EXPECT_EQ(mem->data_size(), 65536u);
  for (uint64_t i = 0; i < mem->data_size(); ++i) ASSERT_EQ(mem->data()[i], 0) << "byte " << i;
  EXPECT_EQ(call_i32(*inst, "load", {Val::i32(0)}), 0);
  // Growing again shows zero pages, not the first instance's page 2.
  EXPECT_EQ(call_i32(*inst, "grow", {Val::i32(2)}), 1);
  EXPECT_EQ(call_i32(*inst, "load", {Val::i32(3 * 65536 - 4)}), 0);
  auto tab = inst->get_table("tab");
  ASSERT_TRUE(tab);
  for (uint64_t i = 0; i < tab->size(); ++i) {
    auto v = tab->get(i);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->ref_ptr(), nullptr) << "table element " << i;
  }
}

TEST(Pooling, TableGrowthBeyondSlotFailsAndReusedSlotIsNull) {
  Engine engine(pooling_config(1, 1, 1));
  Module m = compile(engine, R"((module
    (table (export "t") 2 funcref)
    (func $f)
    (elem declare func $f)
    (func (export "grow") (param i32) (result i32) ref.func $f local.get 0 table.grow))
  )");
  {
    Store store(engine);
    auto inst = Instance::create(store, m, {});
    ASSERT_TRUE(inst.ok()) << inst.error().to_string();
    EXPECT_EQ(call_i32(*inst, "grow", {Val::i32(62)}), 2);  // 64 = the slot's capacity
    EXPECT_EQ(call_i32(*inst, "grow", {Val::i32(1)}), -1);
  }
  Store store(engine);
  auto inst = Instance::create(store, m, {});
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  EXPECT_EQ(call_i32(*inst, "grow", {Val::i32(0)}), 2);
  EXPECT_EQ(call_i32(*inst, "grow", {Val::i32(62)}), 2);
  auto t = inst->get_table("t");
  ASSERT_TRUE(t);
  // Elements 2..63 are the new init value; none is left over from the previous instance
  // beyond that (the slot was zeroed, then the grow wrote them).
  for (uint64_t i = 0; i < 2; ++i) EXPECT_EQ(t->get(i)->ref_ptr(), nullptr);
}

TEST(Pooling, ExhaustionGivesClearErrors) {
  Engine engine(pooling_config(2, 1, 1));
  Module with_memory = compile(engine, "(module (memory 1))");
  Module plain = compile(engine, "(module (func))");
  Store store(engine);
  auto a = Instance::create(store, with_memory, {});
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  auto b = Instance::create(store, with_memory, {});
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message().find("all 1 memory slots are in use"), std::string::npos) << b.error().message();
  // The failed instantiation gave its instance slot back: one is still free.
  auto c = Instance::create(store, plain, {});
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  auto d = Instance::create(store, plain, {});
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message().find("all 2 instance slots are in use"), std::string::npos) << d.error().message();

  Engine engine2(pooling_config(4, 4, 1));
  Module two_tables = compile(engine2, "(module (table 1 funcref) (table 1 funcref))");
  Store store2(engine2);
  auto e = Instance::create(store2, two_tables, {});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("all 1 table slots are in use"), std::string::npos) << e.error().message();
}

TEST(Pooling, LimitsPerSlot) {
  Engine engine(pooling_config());
  Store store(engine);
  auto big = Instance::create(store, compile(engine, "(module (memory 17))"), {});
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message().find("limit of 16 pages per memory"), std::string::npos) << big.error().message();
  auto table = Instance::create(store, compile(engine, "(module (table 65 funcref))"), {});
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.error().message().find("64 elements per table"), std::string::npos) << table.error().message();
  // A memory may grow up to the per-slot limit and no further.
  auto ok = Instance::create(store, compile(engine, kScratch), {});
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  auto grow = compile(engine, R"((module (memory (export "m") 1)
      (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)))");
  auto g = Instance::create(store, grow, {});
  ASSERT_TRUE(g.ok()) << g.error().to_string();
  EXPECT_EQ(call_i32(*g, "grow", {Val::i32(16)}), -1);
  EXPECT_EQ(call_i32(*g, "grow", {Val::i32(15)}), 1);
  EXPECT_EQ(call_i32(*g, "grow", {Val::i32(1)}), -1);

  Config tiny = pooling_config();
  tiny.pooling.max_instance_size = 64;
  Engine small(tiny);
  Store s2(small);
  auto too_big = Instance::create(s2, compile(small, kScratch), {});
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.error().message().find("max_instance_size"), std::string::npos) << too_big.error().message();
}

// Data segments at constant offsets in a static memory: the module gets a CoW image.
constexpr std::string_view kData = R"((module
  (memory (export "mem") 2 8)
  (data (i32.const 0) "head")
  (data (i32.const 70000) "\01\02\03\04")
  (data (i32.const 2) "XY")
  (data $p "passive")
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "init_active") (param i32) local.get 0 i32.const 0 i32.const 1 memory.init 0)
  (func (export "init_passive") (param i32) local.get 0 i32.const 0 i32.const 7 memory.init $p))
)";

void expect_initial_data(const Memory& mem) {
  const uint8_t* d = mem.data();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(d), 4), "heXY");  // later segment wins
  EXPECT_EQ(d[70000], 1);
  EXPECT_EQ(d[70003], 4);
  EXPECT_EQ(d[4], 0);
  EXPECT_EQ(d[69999], 0);
  EXPECT_EQ(d[70004], 0);
  EXPECT_EQ(d[2 * 65536 - 1], 0);
}

class CowTest : public ::testing::TestWithParam<bool> {
 protected:
  static Config config() {
    Config c = GetParam() ? pooling_config(8, 8, 8) : Config{};
    return c;
  }
};

TEST_P(CowTest, ImageContentsArePrivatePerInstance) {
  Engine engine(config());
  Module m = compile(engine, kData);
  const vm::ModuleMemoryImages* images = m.memory_images();
  ASSERT_NE(images, nullptr);
  ASSERT_EQ(images->images.size(), 1u);
  ASSERT_NE(images->images[0], nullptr);
  EXPECT_TRUE(images->in_image[0] && images->in_image[1] && images->in_image[2]);
  EXPECT_FALSE(images->in_image[3]);  // passive

  Store store(engine);
  auto a = Instance::create(store, m, {});
  auto b = Instance::create(store, m, {});
  ASSERT_TRUE(a.ok() && b.ok());
  Memory ma = *a->get_memory("mem"), mb = *b->get_memory("mem");
  ASSERT_NE(ma.data(), mb.data());
  expect_initial_data(ma);
  expect_initial_data(mb);
  call(*a, "store", {Val::i32(0), Val::i32(0x41414141)});
  call(*a, "store", {Val::i32(70000), Val::i32(0)});
  EXPECT_EQ(call_i32(*a, "load", {Val::i32(0)}), 0x41414141);
  expect_initial_data(mb);  // b is untouched
  // A third instance still sees the image, not a's writes.
  {
    Store other(engine);
    auto c = Instance::create(other, m, {});
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    expect_initial_data(*c->get_memory("mem"));
  }
  // Active segments were dropped; passive ones were not.
  auto f = a->get_func("init_active");
  Val args[] = {Val::i32(100)};
  Trap t;
  EXPECT_FALSE(f->call(args, {}, &t).ok());
  call(*b, "init_passive", {Val::i32(100)});
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(mb.data() + 100), 7), "passive");
}

TEST_P(CowTest, GrowAfterImage) {
  Engine engine(config());
  Module m = compile(engine, kData);
  Store store(engine);
  auto a = Instance::create(store, m, {});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(call_i32(*a, "grow", {Val::i32(3)}), 2);
  Memory mem = *a->get_memory("mem");
  EXPECT_EQ(mem.size(), 5u);
  expect_initial_data(mem);
  EXPECT_EQ(call_i32(*a, "load", {Val::i32(5 * 65536 - 4)}), 0);
  call(*a, "store", {Val::i32(5 * 65536 - 4), Val::i32(99)});
  EXPECT_EQ(call_i32(*a, "load", {Val::i32(5 * 65536 - 4)}), 99);
  EXPECT_EQ(call_i32(*a, "grow", {Val::i32(4)}), -1);  // max 8
}

TEST_P(CowTest, ManyStoresAndSlotReuseRestoreTheImage) {
  Engine engine(config());
  Module m = compile(engine, kData);
  Module other = compile(engine, R"((module (memory (export "mem") 2) (data (i32.const 8) "other")))");
  for (int round = 0; round < 20; ++round) {
    Store store(engine);
    // Alternate modules so pooled slots switch images as well as reuse them.
    if (round % 3 == 2) {
      auto o = Instance::create(store, other, {});
      ASSERT_TRUE(o.ok()) << o.error().to_string();
      Memory mem = *o->get_memory("mem");
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(mem.data() + 8), 5), "other");
      EXPECT_EQ(mem.data()[0], 0);
      EXPECT_EQ(mem.data()[70000], 0);
      std::memset(mem.data(), 0x5a, 2 * 65536);
      continue;
    }
    auto a = Instance::create(store, m, {});
    ASSERT_TRUE(a.ok()) << a.error().to_string();
    Memory mem = *a->get_memory("mem");
    expect_initial_data(mem);
    // Dirty every page so a leak would show in the next round.
    std::memset(mem.data(), 0xa5, 2 * 65536);
  }
}

TEST_P(CowTest, TrapBeforeDataLeavesNoImageContents) {
  // An element segment traps before any data segment is due: the memory, reachable through
  // the function the first element segment put into the imported table, must be all zero.
  Engine engine(config());
  Store store(engine);
  auto table = Table::create(store, funcref_table(4), Val::funcref(nullptr));
  ASSERT_TRUE(table.ok());
  Module m = compile(engine, R"((module
    (import "env" "t" (table 4 funcref))
    (memory 1)
    (func $peek (result i32) i32.const 0 i32.load)
    (elem (i32.const 0) $peek)
    (elem (i32.const 10) $peek)
    (data (i32.const 0) "data"))
  )");
  ASSERT_NE(m.memory_images(), nullptr);
  Extern imports[] = {*table};
  Trap trap;
  auto inst = Instance::create(store, m, imports, &trap);
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(trap.message, "out of bounds table access");
  auto peek = table->get(0);
  ASSERT_TRUE(peek && peek->ref_ptr() != nullptr);
  Func f(&store.data(), static_cast<const vm::VMFuncRef*>(peek->ref_ptr()));
  auto r = f.call({});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ((*r)[0].i32(), 0);
}

TEST_P(CowTest, TrapInDataKeepsOnlyEarlierSegments) {
  // Memory 0 has an image; a later segment into memory 1 (imported, so eager) traps. Exactly
  // the segments before it are visible in memory 0.
  Engine engine(config());
  Store store(engine);
  auto table = Table::create(store, funcref_table(2), Val::funcref(nullptr));
  auto small = Memory::create(store, memory_type(1));
  ASSERT_TRUE(table.ok() && small.ok());
  Module m = compile(engine, R"((module
    (import "env" "t" (table 2 funcref))
    (import "env" "m" (memory 1))
    (memory $own 1)
    (func $peek (param i32) (result i32) local.get 0 i32.load $own)
    (func $init2 (param i32) (result i32)
      (memory.init $own 2 (local.get 0) (i32.const 0) (i32.const 4)) (i32.const 1))
    (elem (i32.const 0) $peek $init2)
    (data (memory $own) (i32.const 0) "AAAA")
    (data (memory 0) (i32.const 65535) "too long")
    (data (memory $own) (i32.const 4) "BBBB"))
  )");
  const vm::ModuleMemoryImages* images = m.memory_images();
  ASSERT_NE(images, nullptr);
  EXPECT_TRUE(images->in_image[0]);
  EXPECT_TRUE(images->in_image[2]);
  Extern imports[] = {*table, *small};
  Trap trap;
  auto inst = Instance::create(store, m, imports, &trap);
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(trap.message, "out of bounds memory access");
  Func f(&store.data(), static_cast<const vm::VMFuncRef*>(table->get(0)->ref_ptr()));
  Val at0[] = {Val::i32(0)};
  Val at4[] = {Val::i32(4)};
  auto r0 = f.call(at0);
  auto r4 = f.call(at4);
  ASSERT_TRUE(r0.ok() && r4.ok());
  EXPECT_EQ((*r0)[0].i32(), 0x41414141);
  EXPECT_EQ((*r4)[0].i32(), 0);
  // Segment 2 was never due, so it is not dropped: memory.init from it still works.
  Func init2(&store.data(), static_cast<const vm::VMFuncRef*>(table->get(1)->ref_ptr()));
  Val at8[] = {Val::i32(8)};
  auto r = init2.call(at8);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  auto r8 = f.call(at8);
  ASSERT_TRUE(r8.ok());
  EXPECT_EQ((*r8)[0].i32(), 0x42424242);
}

INSTANTIATE_TEST_SUITE_P(Allocators, CowTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Pooling" : "OnDemand"; });

TEST(MemoryImages, OnlyWhereExact) {
  Config all;
  all.features = wasm::Features::all();
  Engine engine(all);
  std::vector<Module> keep;  // the images live as long as their module
  auto images = [&](std::string_view text) { return keep.emplace_back(compile(engine, text)).memory_images(); };
  // Imported memory, offsets from globals, memory64, shared memory, out-of-bounds segment,
  // no data: no image (the segments are applied at instantiation).
  EXPECT_EQ(images(R"((module (import "e" "m" (memory 1)) (data (i32.const 0) "x")))"), nullptr);
  EXPECT_EQ(images(R"((module (import "e" "g" (global i32)) (memory 1) (data (global.get 0) "x")))"), nullptr);
  EXPECT_EQ(images(R"((module (memory i64 1) (data (i64.const 0) "x")))"), nullptr);
  EXPECT_EQ(images(R"((module (memory 1 1 shared) (data (i32.const 0) "x")))"), nullptr);
  EXPECT_EQ(images(R"((module (memory 1) (data (i32.const 65535) "xy")))"), nullptr);
  EXPECT_EQ(images(R"((module (memory 1) (data (i32.const 0) "")))"), nullptr);
  // A sparse image (two bytes 32 MiB apart) is not worth pinning host memory for.
  EXPECT_EQ(images(R"((module (memory 1024) (data (i32.const 0) "a") (data (i32.const 33554432) "b")))"), nullptr);
  const vm::ModuleMemoryImages* ok = images(R"((module (memory 1) (data (i32.const 5000) "x")))");
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(ok->images[0]->offset(), 4096u);
  EXPECT_EQ(ok->images[0]->size(), 4096u);

  Config no_cow;
  no_cow.memory_init_cow = false;
  Engine plain(no_cow);
  Module m = compile(plain, R"((module (memory 1) (data (i32.const 0) "x")))");
  EXPECT_EQ(m.memory_images(), nullptr);
}

TEST(InstancePre, InstantiatesInManyStoresAndThreads) {
  Config c = pooling_config(16, 16, 16);
  Engine engine(c);
  Module m = compile(engine, R"((module
    (import "host" "add" (func $add (param i32 i32) (result i32)))
    (memory (export "mem") 1)
    (data (i32.const 16) "\2a")
    (func (export "run") (result i32) i32.const 16 i32.load8_u i32.const 100 call $add))
  )");
  Linker linker;
  std::atomic<int> host_calls{0};
  ASSERT_TRUE(linker.func_wrap("host", "add", [&](int32_t a, int32_t b) {
    host_calls.fetch_add(1);
    return a + b;
  }).ok());
  auto pre = linker.instantiate_pre(m);
  ASSERT_TRUE(pre.ok()) << pre.error().to_string();
  auto worker = [&] {
    for (int i = 0; i < 50; ++i) {
      Store store(engine);
      auto inst = pre->instantiate(store);
      ASSERT_TRUE(inst.ok()) << inst.error().to_string();
      EXPECT_EQ(call_i32(*inst, "run"), 142);
      call(*inst, "run");
      inst->get_memory("mem")->data()[16] = 1;  // must not be seen by the next instance
    }
  };
  std::thread t1(worker), t2(worker);
  t1.join();
  t2.join();
  EXPECT_EQ(host_calls.load(), 200);

  // Resolution errors surface at instantiate_pre.
  Linker empty;
  auto missing = empty.instantiate_pre(m);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("unknown import"), std::string::npos);
  Linker wrong;
  ASSERT_TRUE(wrong.func_wrap("host", "add", [](int64_t a) { return a; }).ok());
  auto mismatch = wrong.instantiate_pre(m);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message().find("incompatible import type"), std::string::npos);
}

}  // namespace
}  // namespace kiln::runtime
