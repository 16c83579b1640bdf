// runtime/vm/allocator.h: InstanceAllocator, where an instance's VMContext, defined memories
// and defined tables come from. Two strategies, as in Wasmtime:
//
//   OnDemand: malloc'd VMContext, a fresh mapping per memory, a heap array per table.
//   Pooling:  everything pre-reserved once, per engine, in fixed slots:
//     instances [ VMContext slot | VMContext slot | ... ]      max_instance_size bytes each
//     memories  [ slot: reservation + guard | slot | ... ]     each a full static reservation,
//                                                              so compiled code is unchanged
//     tables    [ slot: table_elements pointers | ... ]
//   A slot given back is reset before anyone can reuse it, so nothing leaks between
//   instances: VMContext and table slots are zeroed, memory slots are reset with
//   madvise(MADV_DONTNEED) (anonymous pages read zero again, an image's pages read the image
//   again) and keep their image mapped for the next instance of the same module.
//
// There are no separate Wasm stacks in Kiln (Wasm runs on the calling thread's stack, limited
// by Tunables::max_wasm_stack), so the pool has no stack slots.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "environ/tunables.h"
#include "support/error.h"
#include "wasm/types.h"

namespace kiln::runtime::vm {

class LinearMemory;
class Table;
class MemoryImage;

// The pooling allocator's limits (Wasmtime's PoolingAllocationConfig). Address space is
// reserved for all slots when the engine is created; pages are committed only when used.
struct PoolingConfig {
  // Instances (VMContexts) alive at once, across all stores of the engine.
  uint32_t total_instances = 1000;
  // Defined linear memories alive at once. Each slot reserves memory_reservation +
  // memory_guard_size bytes of address space (6 GiB by default).
  uint32_t total_memories = 1000;
  // Defined tables alive at once.
  uint32_t total_tables = 1000;
  // The most 64 KiB pages a pooled memory may have (capped at the memory reservation). A
  // module whose minimum is larger fails to instantiate; memory.grow beyond it returns -1.
  uint64_t max_memory_pages = 65536;
  // Elements per table slot (the largest table a pooled instance may have).
  uint64_t table_elements = 20000;
  // The largest VMContext, in bytes (it grows with the number of functions, globals,
  // imports, memories and tables of a module).
  uint64_t max_instance_size = 1 << 20;
};

class InstanceAllocator {
 public:
  virtual ~InstanceAllocator() = default;

  // A zeroed, 16-byte aligned VMContext of `bytes` bytes.
  virtual Expected<uint8_t*> allocate_vmctx(size_t bytes) = 0;
  // Gives back a VMContext from allocate_vmctx (the same `bytes`).
  virtual void deallocate_vmctx(uint8_t* vmctx, size_t bytes) = 0;
  // A defined memory of `type`, with `image` (may be null) mapped copy-on-write.
  virtual Expected<std::unique_ptr<LinearMemory>> allocate_memory(const wasm::MemoryType& type,
                                                                  const environ::Tunables& tunables,
                                                                  uint64_t store_max_bytes,
                                                                  const MemoryImage* image) = 0;
  // A defined table of `type`, every element null. Destroying the table gives it back.
  virtual Expected<std::unique_ptr<Table>> allocate_table(const wasm::TableType& type,
                                                          uint64_t store_max_elements) = 0;
  virtual bool is_pooling() const { return false; }
};

// The process-wide on-demand allocator (stateless).
InstanceAllocator& on_demand_allocator();

// A pooling allocator with `config`'s limits for memories laid out per `tunables`. Fails when
// the address space cannot be reserved or a limit is zero or out of range.
Expected<std::shared_ptr<InstanceAllocator>> make_pooling_allocator(const PoolingConfig& config,
                                                                    const environ::Tunables& tunables);

}  // namespace kiln::runtime::vm
