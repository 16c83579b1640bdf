// runtime/vm/vmcontext.h: the C++ structures compiled code reads and writes (VMStoreContext,
// VMFunctionImport, VMMemoryDefinition, VMTableDefinition, VMGlobalDefinition, VMFuncRef,
// VMHostFuncContext) and typed access to a VMContext's bytes. Their layouts are checked here,
// field by field, against environ/vmcontext.def, the single definition the compiler also uses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "environ/vmoffsets.h"

namespace kiln::runtime::vm {

// An instance's VMContext: an opaque, 16-byte aligned block of VMOffsets::size() bytes.
struct VMContext;

// Host function behind the array calling convention (see environ/README.md). `callee` is the
// VMHostFuncContext of the function.
struct VMHostFuncContext;
using VMArrayCallFunction = void (*)(VMHostFuncContext* callee, VMContext* caller,
                                     uint64_t* values, size_t len);
// Host-to-wasm trampoline (one per signature): calls `wasm_call` with params from `values`.
using VMArrayToWasmTrampoline = void (*)(VMContext* callee, VMContext* caller, uint64_t* values,
                                         const void* wasm_call);

struct VMStoreContext {
  uint64_t stack_limit;      // compiled code traps StackOverflow when rsp - frame < this
  int64_t fuel_consumed;     // counts up towards 0; >= 0 calls out_of_gas
  uint64_t epoch_deadline;   // compiled code calls new_epoch when *epoch_counter >= this
  uintptr_t last_wasm_exit_fp;
  uintptr_t last_wasm_exit_pc;
  uintptr_t last_wasm_entry_fp;
};

struct VMFunctionImport {
  const void* wasm_call;
  VMArrayCallFunction array_call;
  void* vmctx;  // VMContext* or VMHostFuncContext*
};

struct VMMemoryDefinition {
  uint8_t* base;
  uint64_t current_length;  // bytes; accessed atomically for shared memories
};

struct VMTableDefinition {
  void** base;                // VMFuncRef* (funcref tables) or opaque pointers; null = 0
  uint64_t current_elements;
};

struct alignas(16) VMGlobalDefinition {
  uint8_t storage[16];

  template <typename T>
  T get() const {
    static_assert(sizeof(T) <= 16);
    T v;
    std::memcpy(&v, storage, sizeof(T));
    return v;
  }
  template <typename T>
  void set(T v) {
    static_assert(sizeof(T) <= 16);
    std::memset(storage, 0, sizeof(storage));
    std::memcpy(storage, &v, sizeof(T));
  }
};

struct VMFuncRef {
  VMArrayCallFunction array_call;  // host functions only; null for wasm functions
  const void* wasm_call;
  uint32_t type_id;
  uint32_t padding_;
  void* vmctx;  // VMContext* or VMHostFuncContext*
};

struct VMHostFuncContext {
  uint64_t magic;  // environ::kVMHostFuncMagic
  VMArrayCallFunction array_call;
  void* host_state;
};

// The layouts must match vmcontext.def exactly: compiled code uses its offsets.
#define KILN_VM_STRUCT(name, bytes) static_assert(sizeof(name) == (bytes), #name " size");
#define KILN_VM_STRUCT_FIELD(name, field, offset, bytes)                         \
  static_assert(offsetof(name, field) == (offset), #name "::" #field " offset"); \
  static_assert(sizeof(name::field) == (bytes), #name "::" #field " size");
#define KILN_VM_STRUCT_END(name)
#include "environ/vmcontext.def"
#undef KILN_VM_STRUCT
#undef KILN_VM_STRUCT_FIELD
#undef KILN_VM_STRUCT_END

// Typed access to the bytes of a VMContext at an offset from VMOffsets.
// SAFETY: offsets come from the VMOffsets the VMContext was allocated with, so each names a
// suitably aligned field of the right type inside the allocation.
template <typename T>
inline T* vmctx_at(VMContext* vmctx, uint32_t offset) {
  return reinterpret_cast<T*>(reinterpret_cast<uint8_t*>(vmctx) + offset);
}

}  // namespace kiln::runtime::vm
