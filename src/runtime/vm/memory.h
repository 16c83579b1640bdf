// runtime/vm/memory.h: LinearMemory, a Wasm linear memory in its own mapping or in a slot of
// the pooling allocator.
//
//   LinearMemory ── owns ──> Mmap: [ accessible: current length, page-rounded | no access ... ]
//        │          or borrows a pool slot (same layout; returned to its MemorySlotOwner)
//        │          [ image (MAP_PRIVATE memfd, optional) | anonymous zero pages | no access ]
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

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "environ/tunables.h"
#include "runtime/vm/mmap.h"
#include "runtime/vm/vmcontext.h"
#include "support/error.h"
#include "wasm/types.h"

namespace kiln::runtime::vm {

class MemoryImage;

// Takes a pooled memory's slot back when the memory is destroyed (the pooling allocator).
class MemorySlotOwner {
 public:
  // `accessible` bytes at the slot's base are read-write; `image_id` is the id of the
  // MemoryImage still mapped at its offset (0: none).
  virtual void release_memory_slot(uint32_t slot, uint64_t accessible, uint64_t image_id) = 0;

 protected:
  ~MemorySlotOwner() = default;
};

// A slot prepared by its owner: [base, base + size) is reserved, its first `accessible` bytes
// are read-write and zero except for `image` (if any), mapped at its offset; the rest is
// inaccessible. The memory never grows past `max_bytes` (<= size), so it never moves.
struct MemorySlot {
  MemorySlotOwner* owner = nullptr;
  uint32_t index = 0;
  uint8_t* base = nullptr;
  uint64_t size = 0;
  uint64_t max_bytes = 0;
  uint64_t accessible = 0;
  const MemoryImage* image = nullptr;
};

class LinearMemory {
 public:
  // Fails (ErrorKind::kInstantiate) when the minimum exceeds the type's, the index space's or
  // `store_max_bytes`'s limit, or the address space cannot be reserved. With `image`, the
  // image is mapped copy-on-write at its offset (it must lie within the minimum size; only
  // static memories have images).
  static Expected<std::unique_ptr<LinearMemory>> create(const wasm::MemoryType& type,
                                                        const environ::Tunables& tunables,
                                                        uint64_t store_max_bytes = UINT64_MAX,
                                                        const MemoryImage* image = nullptr);
  // The sizes create() would use: the minimum in bytes and the maximum the memory may reach
  // (type, index space, `max_bytes`); fails as create() does when the minimum is too large.
  static Expected<void> sizes(const wasm::MemoryType& type, uint64_t max_bytes, uint64_t* min_bytes,
                              uint64_t* limit_bytes);
  // A memory in a pool slot the owner prepared for `type` (sizes() succeeded for it with the
  // slot's max_bytes). Given back to the owner on destruction.
  static std::unique_ptr<LinearMemory> create_in_slot(const wasm::MemoryType& type,
                                                      const environ::Tunables& tunables,
                                                      uint64_t max_bytes, const MemorySlot& slot);
  ~LinearMemory();
  LinearMemory(const LinearMemory&) = delete;
  LinearMemory& operator=(const LinearMemory&) = delete;

  const wasm::MemoryType& type() const { return type_; }
  environ::MemoryStyle style() const { return style_; }
  bool is_shared() const { return type_.limits.shared; }
  uint64_t page_size() const { return page_size_; }
  // The largest size this memory may reach, in bytes (type, index space and store limits).
  uint64_t max_bytes() const { return max_bytes_; }

  // Inline: the bulk-memory builtins (memory.copy/fill, and the loop idiom pass's calls) read
  // both on every call. The definition is written under grow_mutex_; readers on other threads
  // (shared memories) only need a consistent word, and shared memories never change `base`.
  uint8_t* base() const { return def_->base; }
  uint64_t byte_size() const {
    return std::atomic_ref<uint64_t>(def_->current_length).load(std::memory_order_acquire);
  }
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
    auto b = reinterpret_cast<uintptr_t>(region_);
    return addr >= b && addr - b < region_size_;
  }

  // Whether the initial contents came from a copy-on-write image that is still mapped.
  bool has_image() const { return image_size_ != 0; }
  // Replaces the image's pages with zero pages: instantiation failed before the data segments
  // were due, so the memory must not show them. Before any code ran in the memory.
  Expected<void> discard_image();
  bool is_pooled() const { return slot_owner_ != nullptr; }

 private:
  LinearMemory() = default;
  Expected<void> protect(uint64_t offset, uint64_t len);

  wasm::MemoryType type_;
  environ::MemoryStyle style_ = environ::MemoryStyle::kStatic;
  uint64_t page_size_ = environ::kWasmPageSize;
  uint64_t max_bytes_ = 0;
  uint64_t growth_reserve_ = 0;
  Mmap mapping_;                 // on-demand memories; empty for pooled ones
  uint8_t* region_ = nullptr;    // mapping_ or the pool slot
  uint64_t region_size_ = 0;
  MemorySlotOwner* slot_owner_ = nullptr;
  uint32_t slot_index_ = 0;
  uint64_t image_id_ = 0;        // the image mapped at image_offset_ (0: none)
  uint64_t image_offset_ = 0;
  uint64_t image_size_ = 0;
  uint64_t accessible_ = 0;  // bytes at the start of the region that are read-write
  VMMemoryDefinition own_def_{};
  VMMemoryDefinition* def_ = &own_def_;
  std::mutex grow_mutex_;
};

}  // namespace kiln::runtime::vm
