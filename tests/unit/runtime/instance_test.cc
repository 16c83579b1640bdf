// tests/unit/runtime/instance_test.cc: VMContext initialisation from VMOffsets, imports
// wiring, segments, and the libcalls (called directly and from hand-assembled code through
// the VMContext's builtins table).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "code_util.h"
#include "environ/builtins.h"
#include "runtime/vm/instance.h"
#include "runtime/vm/libcalls.h"
#include "runtime/vm/traphandlers.h"

namespace kiln::runtime::vm {
namespace {

using namespace kiln::environ;
using namespace kiln::runtime::vm::builtins;
using testing_util::entry;
using testing_util::fn;
using testing_util::load;

constexpr uint64_t kPage = kWasmPageSize;

// A module with one imported function, two defined ones, an imported and a defined memory, a
// defined table, an imported and two defined globals, one passive data and one elem segment.
struct TestModule {
  wasm::Module m;
  VMOffsets offsets;
  uint32_t type_ids[1] = {77};
  const void* code[2] = {reinterpret_cast<const void*>(0x1000), reinterpret_cast<const void*>(0x2000)};

  static wasm::Module make(bool shared_memory) {
    wasm::Module m;
    m.storage = std::make_shared<const std::vector<uint8_t>>(std::vector<uint8_t>{'h', 'e', 'l', 'l', 'o'});
    m.bytes = m.storage->data();
    m.size = m.storage->size();
    m.types.resize(1);
    m.num_imported_funcs = 1;
    m.func_types = {0, 0, 0};
    m.bodies.resize(2);
    wasm::MemoryType imported, defined;
    imported.limits.min = 1;
    defined.limits.min = 1;
    defined.limits.max = 2;
    defined.limits.shared = shared_memory;
    m.num_imported_memories = 1;
    m.memory_types = {imported, defined};
    wasm::TableType tt;
    tt.limits.min = 4;
    tt.limits.max = 8;
    m.table_types = {tt};
    m.tables = {wasm::Table{tt, std::nullopt}};
    m.num_imported_globals = 1;
    m.global_types.resize(3);
    m.globals.resize(2);
    wasm::DataSegment d;
    d.mode = wasm::SegmentMode::kPassive;
    d.init = {0, 5};
    m.datas = {d};
    m.elems.resize(1);
    return m;
  }
  explicit TestModule(bool shared_memory = false)
      : m(make(shared_memory)), offsets(VMOffsets::for_module(m).value()) {}
};

struct Provider {
  std::unique_ptr<LinearMemory> memory;
  VMGlobalDefinition global{};
  VMFuncRef func{};
  Provider() {
    wasm::MemoryType t;
    t.limits.min = 1;
    memory = LinearMemory::create(t, Tunables{}).value();
    global.set<uint32_t>(1234);
    func.wasm_call = reinterpret_cast<const void*>(0x3000);
    func.type_id = 55;
    func.vmctx = reinterpret_cast<void*>(0x4000);
  }
  InstanceImports imports() {
    InstanceImports i;
    i.functions = {&func};
    i.memories = {memory.get()};
    i.globals = {&global};
    return i;
  }
};

std::unique_ptr<Instance> instantiate(TestModule& tm, Provider& p, VMStoreContext* store = nullptr,
                                      StoreHooks* hooks = nullptr) {
  InstanceConfig c;
  c.module = &tm.m;
  c.offsets = &tm.offsets;
  c.type_ids = tm.type_ids;
  c.function_code = tm.code;
  c.store = store;
  c.hooks = hooks;
  auto inst = Instance::create(c, p.imports());
  EXPECT_TRUE(inst.ok()) << (inst.ok() ? "" : inst.error().message());
  return inst.ok() ? std::move(inst).value() : nullptr;
}

TEST(Instance, VMContextIsWiredFromTheOffsets) {
  TestModule tm;
  Provider p;
  VMStoreContext store{};
  auto inst = instantiate(tm, p, &store);
  ASSERT_TRUE(inst);
  VMContext* v = inst->vmctx();
  const VMOffsets& o = tm.offsets;
  EXPECT_EQ(reinterpret_cast<uintptr_t>(v) % 16, 0u);
  EXPECT_EQ(*vmctx_at<uint32_t>(v, o.magic()), kVMContextMagic);
  EXPECT_EQ(*vmctx_at<VMStoreContext*>(v, o.store_context()), &store);
  EXPECT_EQ(*vmctx_at<const void* const*>(v, o.builtins()), builtin_table());
  EXPECT_EQ(*vmctx_at<const uint32_t*>(v, o.type_ids()), tm.type_ids);
  EXPECT_EQ(Instance::from_vmctx(v), inst.get());

  // Imported function: its call entries, and a funcref copied from the provider.
  auto* imp = vmctx_at<VMFunctionImport>(v, o.imported_function(FuncIndex(0)));
  EXPECT_EQ(imp->wasm_call, p.func.wasm_call);
  EXPECT_EQ(imp->vmctx, p.func.vmctx);
  EXPECT_EQ(inst->func_ref(FuncIndex(0))->type_id, 55u);
  // Defined functions: code, canonical type id, own vmctx.
  VMFuncRef* f2 = inst->func_ref(FuncIndex(2));
  EXPECT_EQ(f2, vmctx_at<VMFuncRef>(v, o.func_ref(FuncIndex(2))));
  EXPECT_EQ(f2->wasm_call, tm.code[1]);
  EXPECT_EQ(f2->type_id, 77u);
  EXPECT_EQ(f2->vmctx, v);
  EXPECT_EQ(f2->array_call, nullptr);
  EXPECT_EQ(inst->func_ref(FuncIndex(3)), nullptr);

  // Memories: the import points at the provider's definition; the defined one lives inline.
  EXPECT_EQ(*vmctx_at<VMMemoryDefinition*>(v, o.imported_memory(MemoryIndex(0))), p.memory->definition());
  EXPECT_EQ(inst->memory(MemoryIndex(0)), p.memory.get());
  auto* def = vmctx_at<VMMemoryDefinition>(v, o.defined_memory(DefinedMemoryIndex(0)));
  EXPECT_EQ(inst->memory(MemoryIndex(1))->definition(), def);
  EXPECT_EQ(def->current_length, kPage);
  EXPECT_EQ(def->base, inst->memory(MemoryIndex(1))->base());
  EXPECT_EQ(inst->memory(MemoryIndex(2)), nullptr);

  // Table and globals.
  auto* tdef = vmctx_at<VMTableDefinition>(v, o.defined_table(DefinedTableIndex(0)));
  EXPECT_EQ(inst->table(TableIndex(0))->definition(), tdef);
  EXPECT_EQ(tdef->current_elements, 4u);
  EXPECT_EQ(inst->global(GlobalIndex(0)), &p.global);
  EXPECT_EQ(inst->global(GlobalIndex(0))->get<uint32_t>(), 1234u);
  EXPECT_EQ(inst->global(GlobalIndex(2)), vmctx_at<VMGlobalDefinition>(v, o.defined_global(DefinedGlobalIndex(1))));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(inst->global(GlobalIndex(1))) % 16, 0u);
  EXPECT_EQ(inst->global(GlobalIndex(3)), nullptr);
}

TEST(Instance, ImportCountMismatchIsAnError) {
  TestModule tm;
  Provider p;
  InstanceConfig c;
  c.module = &tm.m;
  c.offsets = &tm.offsets;
  c.type_ids = tm.type_ids;
  c.function_code = tm.code;
  InstanceImports imports = p.imports();
  imports.globals.clear();
  auto inst = Instance::create(c, imports);
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.error().kind(), ErrorKind::kInstantiate);
}

TEST(Libcalls, MemoryGrowAndImportedGrowthIsVisible) {
  TestModule tm;
  Provider p;
  auto inst = instantiate(tm, p);
  ASSERT_TRUE(inst);
  VMContext* v = inst->vmctx();
  EXPECT_EQ(kiln_builtin_memory_grow(v, 1, 1), 1u);
  EXPECT_EQ(kiln_builtin_memory_grow(v, 1, 1), UINT64_MAX);  // max 2
  EXPECT_EQ(vmctx_at<VMMemoryDefinition>(v, tm.offsets.defined_memory(DefinedMemoryIndex(0)))->current_length,
            2 * kPage);
  // Growing the imported memory updates the definition the importer points at.
  EXPECT_EQ(kiln_builtin_memory_grow(v, 0, 3), 1u);
  EXPECT_EQ((*vmctx_at<VMMemoryDefinition*>(v, tm.offsets.imported_memory(MemoryIndex(0))))->current_length,
            4 * kPage);
  EXPECT_EQ(kiln_builtin_memory_grow(v, 9, 1), UINT64_MAX);  // no such memory
}

TEST(Libcalls, BulkMemoryAndDataSegments) {
  TestModule tm;
  Provider p;
  auto inst = instantiate(tm, p);
  ASSERT_TRUE(inst);
  VMContext* v = inst->vmctx();
  uint8_t* mem = inst->memory(MemoryIndex(1))->base();
  auto run = [&](auto body) { return catch_traps(nullptr, 0, body); };

  EXPECT_FALSE(run([&] { kiln_builtin_memory_fill(v, 1, 10, 0xAA, 4); }));
  EXPECT_EQ(mem[10], 0xAA);
  EXPECT_EQ(mem[13], 0xAA);
  EXPECT_EQ(mem[14], 0);
  EXPECT_FALSE(run([&] { kiln_builtin_memory_copy(v, 0, 100, 1, 10, 4); }));  // across memories
  EXPECT_EQ(p.memory->base()[103], 0xAA);
  EXPECT_FALSE(run([&] { kiln_builtin_memory_init(v, 1, 0, 200, 1, 4); }));
  EXPECT_EQ(std::memcmp(mem + 200, "ello", 4), 0);

  auto trap = run([&] { kiln_builtin_memory_fill(v, 1, kPage - 2, 0, 3); });
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->code, TrapCode::kHeapOutOfBounds);
  EXPECT_EQ(mem[kPage - 2], 0);  // nothing written
  trap = run([&] { kiln_builtin_memory_copy(v, 1, 0, 1, UINT64_MAX, 2); });
  ASSERT_TRUE(trap);
  trap = run([&] { kiln_builtin_memory_init(v, 1, 0, 0, 2, 4); });  // segment overrun
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->code, TrapCode::kHeapOutOfBounds);
  EXPECT_FALSE(run([&] { kiln_builtin_memory_fill(v, 1, kPage, 0, 0); }));  // empty at the end

  kiln_builtin_data_drop(v, 0);
  EXPECT_FALSE(run([&] { kiln_builtin_memory_init(v, 1, 0, 0, 0, 0); }));
  trap = run([&] { kiln_builtin_memory_init(v, 1, 0, 0, 0, 1); });  // dropped: length 0
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->code, TrapCode::kHeapOutOfBounds);
}

TEST(Libcalls, TableOperationsAndElemSegments) {
  TestModule tm;
  Provider p;
  auto inst = instantiate(tm, p);
  ASSERT_TRUE(inst);
  VMContext* v = inst->vmctx();
  Table* t = inst->table(TableIndex(0));
  auto run = [&](auto body) { return catch_traps(nullptr, 0, body); };

  void* f0 = kiln_builtin_ref_func(v, 0);
  void* f2 = kiln_builtin_ref_func(v, 2);
  EXPECT_EQ(f2, inst->func_ref(FuncIndex(2)));
  inst->set_elem_segment(ElemIndex(0), {f0, f2, nullptr});
  EXPECT_FALSE(run([&] { kiln_builtin_table_init(v, 0, 0, 1, 0, 3); }));
  EXPECT_EQ(t->get(1), f0);
  EXPECT_EQ(t->get(2), f2);
  EXPECT_EQ(t->get(3), nullptr);
  EXPECT_FALSE(run([&] { kiln_builtin_table_fill(v, 0, 0, f2, 1); }));
  EXPECT_EQ(t->get(0), f2);
  EXPECT_FALSE(run([&] { kiln_builtin_table_copy(v, 0, 0, 2, 0, 2); }));
  EXPECT_EQ(t->get(2), f2);
  EXPECT_EQ(t->get(3), f0);
  EXPECT_EQ(kiln_builtin_table_grow(v, 0, 2, f0), 4u);
  EXPECT_EQ(t->get(5), f0);
  EXPECT_EQ(kiln_builtin_table_grow(v, 0, 3, f0), UINT64_MAX);  // max 8
  EXPECT_EQ(kiln_builtin_table_grow(v, 7, 1, f0), UINT64_MAX);  // no such table

  for (auto body : std::initializer_list<std::function<void()>>{
           [&] { kiln_builtin_table_fill(v, 0, 5, f0, 2); },
           [&] { kiln_builtin_table_copy(v, 0, 0, 0, 5, 2); },
           [&] { kiln_builtin_table_init(v, 0, 0, 0, 2, 2); },
           [&] { kiln_builtin_table_fill(v, 3, 0, f0, 0); }}) {
    auto trap = run(body);
    ASSERT_TRUE(trap);
    EXPECT_EQ(trap->code, TrapCode::kTableOutOfBounds);
    EXPECT_EQ(trap->message(), "out of bounds table access");
  }
  kiln_builtin_elem_drop(v, 0);
  EXPECT_TRUE(inst->elem_segment(ElemIndex(0)).empty());
  EXPECT_TRUE(run([&] { kiln_builtin_table_init(v, 0, 0, 0, 0, 1); }).has_value());
  EXPECT_FALSE(run([&] { kiln_builtin_table_init(v, 0, 0, 0, 0, 0); }).has_value());
}

TEST(Libcalls, CompiledCodeCallsThroughTheBuiltinsTable) {
  TestModule tm;
  Provider p;
  auto inst = instantiate(tm, p);
  ASSERT_TRUE(inst);
  // push rbp; mov rbp, rsp; mov rax, [rdi + builtins]; call [rax + 8 * kMemoryFill]; pop rbp; ret
  uint32_t disp = 8 * static_cast<uint32_t>(BuiltinIndex::kMemoryFill);
  auto cm = load({fn({KILN_PROLOGUE, 0x48, 0x8B, 0x47, static_cast<uint8_t>(VMOffsets::builtins()), 0xFF, 0x90,
                      static_cast<uint8_t>(disp), static_cast<uint8_t>(disp >> 8), 0, 0, KILN_EPILOGUE})});
  ASSERT_TRUE(cm);
  auto f = entry<void (*)(VMContext*, uint32_t, uint64_t, uint32_t, uint64_t)>(*cm, 0);
  uint64_t dst = 8;
  auto run = [&] { f(inst->vmctx(), 1, dst, 0x5A, 8); };
  EXPECT_FALSE(catch_traps(nullptr, 0, run).has_value());
  EXPECT_EQ(inst->memory(MemoryIndex(1))->base()[15], 0x5A);
  dst = kPage - 4;
  auto trap = catch_traps(nullptr, 0, run);
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, TrapCode::kHeapOutOfBounds);
  EXPECT_EQ(trap->pc, reinterpret_cast<uintptr_t>(f) + 14);  // return address of the call
  ASSERT_EQ(trap->backtrace.size(), 1u);
  EXPECT_EQ(trap->backtrace[0].func, FuncIndex(0));
}

TEST(Libcalls, AtomicsOnAnUnsharedMemory) {
  TestModule tm;
  Provider p;
  auto inst = instantiate(tm, p);
  ASSERT_TRUE(inst);
  VMContext* v = inst->vmctx();
  auto run = [&](auto body) { return catch_traps(nullptr, 0, body); };
  uint32_t woken = 99;
  EXPECT_FALSE(run([&] { woken = kiln_builtin_memory_atomic_notify(v, 1, 0, 4, 10); }));
  EXPECT_EQ(woken, 0u);
  auto trap = run([&] { kiln_builtin_memory_atomic_notify(v, 1, 0, 1, 1); });
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->code, TrapCode::kHeapMisaligned);
  // Misalignment is reported before out-of-bounds.
  trap = run([&] { kiln_builtin_memory_atomic_wait32(v, 1, 0xFFFFFFC0u, 1, 0, 0); });
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->code, TrapCode::kHeapMisaligned);
  trap = run([&] { kiln_builtin_memory_atomic_notify(v, 1, 0xFFFFFFC0u, 65536, 1); });
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->code, TrapCode::kHeapOutOfBounds);
  trap = run([&] { kiln_builtin_memory_atomic_wait64(v, 1, UINT64_MAX - 7, 16, 0, 0); });  // sum wraps
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->code, TrapCode::kHeapOutOfBounds);
  trap = run([&] { kiln_builtin_memory_atomic_wait32(v, 1, 0, 0, 0, 0); });
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->code, TrapCode::kAtomicWaitNonSharedMemory);
  EXPECT_EQ(trap->message(), "atomic wait on non-shared memory");
}

TEST(Libcalls, WaitAndNotifyOnASharedMemory) {
  TestModule tm(/*shared_memory=*/true);
  Provider p;
  auto inst = instantiate(tm, p);
  ASSERT_TRUE(inst);
  VMContext* v = inst->vmctx();
  EXPECT_EQ(kiln_builtin_memory_atomic_wait32(v, 1, 0, 0, 1, 0), 1u);        // not equal
  EXPECT_EQ(kiln_builtin_memory_atomic_wait64(v, 1, 8, 0, 0, 1000000), 2u);  // 1 ms timeout
  std::atomic<uint32_t> result{99};
  std::thread waiter([&] { result = kiln_builtin_memory_atomic_wait32(v, 1, 16, 0, 0, -1); });
  uint32_t woken = 0;
  for (int i = 0; i < 2000 && woken == 0; ++i) {
    woken = kiln_builtin_memory_atomic_notify(v, 1, 16, 0, 1);
    if (woken == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  waiter.join();
  EXPECT_EQ(woken, 1u);
  EXPECT_EQ(result.load(), 0u);
}

struct TestHooks : StoreHooks {
  int refuels_left = 1;
  bool refuel(VMStoreContext* store) override {
    if (refuels_left-- <= 0) return false;
    store->fuel_consumed = -100;
    return true;
  }
  std::optional<uint64_t> new_epoch(VMStoreContext*) override {
    if (refuels_left-- <= 0) return std::nullopt;
    return 42;
  }
};

TEST(Libcalls, FuelAndEpochsAskTheStore) {
  TestModule tm;
  Provider p;
  VMStoreContext store{};
  TestHooks hooks;
  auto inst = instantiate(tm, p, &store, &hooks);
  ASSERT_TRUE(inst);
  VMContext* v = inst->vmctx();
  auto run = [&](auto body) { return catch_traps(&store, 1 << 20, body); };
  EXPECT_FALSE(run([&] { kiln_preserve_all_out_of_gas(v, 0, 0); }));
  EXPECT_EQ(store.fuel_consumed, -100);
  auto trap = run([&] { kiln_preserve_all_out_of_gas(v, 0, 0); });
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->code, TrapCode::kOutOfFuel);
  EXPECT_EQ(trap->message(), "all fuel consumed");
  hooks.refuels_left = 1;
  uint64_t deadline = 0;
  EXPECT_FALSE(run([&] { deadline = kiln_preserve_all_new_epoch(v, 0, 0); }));
  EXPECT_EQ(deadline, 42u);
  trap = run([&] { kiln_preserve_all_new_epoch(v, 0, 0); });
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->code, TrapCode::kInterrupt);
}

TEST(Libcalls, WithoutHooksFuelAndEpochsTrap) {
  TestModule tm;
  Provider p;
  auto inst = instantiate(tm, p);
  ASSERT_TRUE(inst);
  VMContext* v = inst->vmctx();
  auto t1 = catch_traps(nullptr, 0, [&] { kiln_preserve_all_out_of_gas(v, 0, 0); });
  auto t2 = catch_traps(nullptr, 0, [&] { kiln_preserve_all_new_epoch(v, 0, 0); });
  ASSERT_TRUE(t1 && t2);
  EXPECT_EQ(t1->code, TrapCode::kOutOfFuel);
  EXPECT_EQ(t2->code, TrapCode::kInterrupt);
}

}  // namespace
}  // namespace kiln::runtime::vm
