// runtime/store_data.h: the store's internals, shared by store.cc, instance.cc and linker.cc
// (not part of the embedding API). Everything handles point to lives in a StoreData, in
// containers that never move their elements (deques and unique_ptrs).
#pragma once

#include <deque>
#include <map>
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

struct StoreData {
  explicit StoreData(const Engine& e) : engine(e) {}

  Engine engine;
  Store* owner = nullptr;
  vm::VMStoreContext context{};
  uint64_t max_wasm_stack = 0;

  std::deque<InstanceData> instances;
  std::map<const vm::Instance*, InstanceData*> by_vm_instance;
  std::deque<HostFunc> host_funcs;
  std::vector<std::unique_ptr<vm::LinearMemory>> memories;
  std::vector<std::unique_ptr<vm::Table>> tables;
  std::deque<vm::VMGlobalDefinition> globals;
  std::deque<TagData> tags;
  std::deque<uint64_t> externrefs;

  // Calls `ref` (a function of this store) with params/results in 16-byte slots.
  Expected<void> call_raw(const vm::VMFuncRef* ref, uint64_t* values, size_t num_slots, Trap* trap);
  Trap make_trap(const vm::Trap& t) const;
  Extern export_of(InstanceData& inst, const wasm::Export& e);
};

// Whether `v` can be passed where `expected` is required (numbers: same type; references:
// a subtype, null only where nullable).
bool val_matches(const Val& v, const wasm::ValType& expected);
// Abstract-heap-type subtyping for values and import checks; concrete (indexed) heap types are
// compared by kind only.
bool val_type_subtype(const wasm::ValType& a, const wasm::ValType& b);

}  // namespace kiln::runtime
