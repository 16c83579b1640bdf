// runtime/store_data.h: the store's internals, shared by store.cc, instance.cc and linker.cc
// (not part of the embedding API). Everything handles point to lives in a StoreData, in
// containers that never move their elements (deques and unique_ptrs).
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <memory>
#include <vector>

#include "runtime/engine.h"
#include "runtime/module.h"
#include "runtime/store.h"
#include "runtime/vm/instance.h"
#include "runtime/vm/memory.h"
#include "runtime/vm/table.h"
#include "runtime/vm/traphandlers.h"
#include "runtime/vm/vmcontext.h"

namespace kiln::runtime {

struct HostFuncDef;

struct TagData {
  uint32_t type_id = 0;
};

// A host function's VM side: compiled code calls it through `ref` (wasm_call = the engine's
// wasm-to-array trampoline of its type, vmctx = &host_ctx, array_call = the host shim).
struct HostFunc {
  vm::VMFuncRef ref{};
  vm::VMHostFuncContext host_ctx{};
  StoreData* store = nullptr;
  wasm::FuncType type;
  HostCallback callback;
};

struct InstanceData {
  Module module;
  std::unique_ptr<vm::Instance> vm;
  std::vector<TagData*> tags;  // the tag index space, imported first
};

// The store's hooks (vm::StoreHooks) implement fuel refills, epoch deadlines and the resource
// limiter for the libcalls; instances get `this` as their hooks.
struct StoreData final : vm::StoreHooks {
  explicit StoreData(const Engine& e) : engine(e) {}

  Engine engine;
  Store* owner = nullptr;
  vm::VMStoreContext context{};
  uint64_t max_wasm_stack = 0;

  // Fuel beyond what fits in context.fuel_consumed (an i64 counting up to 0).
  uint64_t fuel_reserve = 0;
  // Null: trap Interrupt at the deadline.
  EpochDeadlineCallback epoch_callback;
  std::shared_ptr<ResourceLimiter> limiter;
  std::optional<Error> limit_error;  // set when the limiter asked for a trap
  // Created in the store so far (the limiter's instances/memories/tables counts).
  uint64_t num_instances = 0;
  uint64_t num_memories = 0;
  uint64_t num_tables = 0;

  std::deque<InstanceData> instances;
  std::map<const vm::Instance*, InstanceData*> by_vm_instance;
  std::deque<HostFunc> host_funcs;
  // Store-independent host functions (Linker::func_new without a store) made in this store,
  // one per definition, shared by every instantiation importing them so that a long-lived
  // store instantiating over and over does not grow. The shared_ptr keeps the definition, and
  // so the key's address, alive.
  std::map<const HostFuncDef*, std::pair<std::shared_ptr<const HostFuncDef>, Func>> linker_funcs;
  std::vector<std::unique_ptr<vm::LinearMemory>> memories;
  std::vector<std::unique_ptr<vm::Table>> tables;
  std::deque<vm::VMGlobalDefinition> globals;
  std::deque<TagData> tags;
  std::deque<uint64_t> externrefs;

  // Calls `ref` (a function of this store) with params/results in 16-byte slots.
  Expected<void> call_raw(const vm::VMFuncRef* ref, uint64_t* values, size_t num_slots, Trap* trap);
  Trap make_trap(const vm::Trap& t) const;
  Extern export_of(InstanceData& inst, const wasm::Export& e);

  // Resource limits on creation: whether `module` may be instantiated in this store (counts
  // and the initial sizes of its defined memories and tables); counts it when it may.
  Expected<void> limit_instantiation(const wasm::Module& module);
  // A memory / table the host creates.
  Expected<void> limit_new_memory(const wasm::MemoryType& type);
  Expected<void> limit_new_table(const wasm::TableType& type);
  // The limiter's decision on a growth by a nonzero delta (pages / elements), from the host
  // or Wasm; kTrap leaves the error in limit_error.
  vm::GrowDecision memory_growing(const vm::LinearMemory& memory, uint64_t delta_pages) override;
  vm::GrowDecision table_growing(const vm::Table& table, uint64_t delta) override;

  // Sets the absolute epoch deadline in the store context and in every instance's vmctx,
  // where compiled code compares the engine's epoch with it (O(instances in the store)).
  void set_epoch_deadline(uint64_t deadline);

  // vm::StoreHooks
  bool refuel(vm::VMStoreContext* store) override;
  std::optional<uint64_t> new_epoch(vm::VMStoreContext* store) override;
  std::optional<Error> take_limit_error() override;
  bool is_subtype(uint32_t sub, uint32_t super) const override { return engine.is_subtype(sub, super); }
};

// Whether `v` can be passed where `expected` is required (numbers: same type; references:
// a subtype, null only where nullable).
bool val_matches(const Val& v, const wasm::ValType& expected);
// Abstract-heap-type subtyping for values and import checks; concrete (indexed) heap types are
// compared by kind only.
bool val_type_subtype(const wasm::ValType& a, const wasm::ValType& b);

}  // namespace kiln::runtime
