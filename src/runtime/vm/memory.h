// runtime/vm/memory.h: LinearMemory, a Wasm linear memory in its own mapping.
//
//   LinearMemory ── owns ──> Mmap: [ accessible: current length, page-rounded | no access ... ]
//        │
//        └── writes ──> VMMemoryDefinition {base, current_length}: its own, or the slot of the
//                        defining instance's VMContext after bind(); importers point at it.
//
// Two styles (environ::memory_style): a static memory reserves memory_reservation +
// memory_guard_size bytes once, grows by mprotect and never moves, so compiled code may rely on
// the guard region instead of bounds checks. A dynamic memory (memory64, custom page sizes, or
// a maximum beyond the reservation) reserves its size plus memory_reservation_for_growth and
// may move when it grows past that; compiled code checks every access against current_length
// and reloads `base` after any call. Shared memories never move: they reserve their maximum.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "environ/tunables.h"
#include "runtime/vm/mmap.h"
#include "runtime/vm/vmcontext.h"
#include "support/error.h"
#include "wasm/types.h"

namespace kiln::runtime::vm {

class LinearMemory {
 public:
  // Fails (ErrorKind::kInstantiate) when the minimum exceeds the type's, the index space's or
  // `store_max_bytes`'s limit, or the address space cannot be reserved.
  static Expected<std::unique_ptr<LinearMemory>> create(const wasm::MemoryType& type,
                                                        const environ::Tunables& tunables,
                                                        uint64_t store_max_bytes = UINT64_MAX);
  LinearMemory(const LinearMemory&) = delete;
  LinearMemory& operator=(const LinearMemory&) = delete;

  const wasm::MemoryType& type() const { return type_; }
  environ::MemoryStyle style() const { return style_; }
  bool is_shared() const { return type_.limits.shared; }
  uint64_t page_size() const { return page_size_; }
  // The largest size this memory may reach, in bytes (type, index space and store limits).
  uint64_t max_bytes() const { return max_bytes_; }

  uint8_t* base() const;
  uint64_t byte_size() const;
  uint64_t size_pages() const { return byte_size() / page_size_; }

  // memory.grow: returns the old size in pages, or UINT64_MAX (-1 in Wasm) when the memory
  // cannot grow by `delta_pages` (maximum, store limit, or the OS refused). Thread-safe.
  uint64_t grow(uint64_t delta_pages);

  VMMemoryDefinition* definition() { return def_; }
  // Makes `slot` (in the defining instance's VMContext) the memory's definition: copies the
  // current state there and updates only it from now on. Called once, before any code runs.
  void bind(VMMemoryDefinition* slot);

  // Whether `addr` lies in this memory's mapping (accessible part or not).
  bool contains(uintptr_t addr) const {
    auto b = reinterpret_cast<uintptr_t>(mapping_.data());
    return addr >= b && addr - b < mapping_.size();
  }

 private:
  LinearMemory() = default;

  wasm::MemoryType type_;
  environ::MemoryStyle style_ = environ::MemoryStyle::kStatic;
  uint64_t page_size_ = environ::kWasmPageSize;
  uint64_t max_bytes_ = 0;
  uint64_t growth_reserve_ = 0;
  Mmap mapping_;
  uint64_t accessible_ = 0;  // bytes at the start of mapping_ that are read-write
  VMMemoryDefinition own_def_{};
  VMMemoryDefinition* def_ = &own_def_;
  std::mutex grow_mutex_;
};

}  // namespace kiln::runtime::vm
