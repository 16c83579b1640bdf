// runtime/instance_pre.h: InstancePre, a module whose imports a Linker resolved once (by name,
// with their types checked), ready to be instantiated many times: instantiate() does no name
// lookups (Wasmtime's InstancePre).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "runtime/store.h"
#include "runtime/vm/vmcontext.h"

namespace kiln::runtime {

// A host function defined in a Linker without a store (Linker::func_new / func_wrap without a
// Store): created in each store a module using it is instantiated in.
struct HostFuncDef {
  wasm::FuncType type;
  HostCallback callback;
};

class InstancePre {
 public:
  const Module& module() const { return module_; }

  // Instantiates the module in `store`. Imports that are values of a store (Linker::define,
  // func_new with a Store) must belong to `store`; store-independent host functions are
  // created in it. Errors and traps as Instance::create.
  Expected<Instance> instantiate(Store& store, Trap* trap = nullptr) const;

 private:
  friend class Linker;
  // One per import of the module, in import order: a store's value, or a host function
  // definition to create in the instantiating store.
  struct Item {
    std::optional<Extern> value;
    std::shared_ptr<const HostFuncDef> host;
    // The engine-wide part of the host function's VMFuncRef (type id, trampolines), taken
    // from the first Func made for it, so later stores skip the type registry.
    struct Resolved {
      std::once_flag once;
      vm::VMFuncRef ref{};
    };
    std::shared_ptr<Resolved> resolved;
  };
  Module module_;
  std::vector<Item> items_;
};

}  // namespace kiln::runtime
