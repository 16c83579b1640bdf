// runtime/vm/allocator.cc: the on-demand and pooling instance allocators.
#include "runtime/vm/allocator.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include "runtime/vm/memory.h"
#include "runtime/vm/memory_image.h"
#include "runtime/vm/mmap.h"
#include "runtime/vm/table.h"

namespace kiln::runtime::vm {

namespace {

class OnDemandAllocator final : public InstanceAllocator {
 public:
  Expected<uint8_t*> allocate_vmctx(size_t bytes) override {
    // SAFETY: VMOffsets sizes are multiples of 16, as aligned_alloc requires.
    auto* raw = static_cast<uint8_t*>(std::aligned_alloc(16, bytes));
    if (raw == nullptr) return Error(ErrorKind::kInstantiate, "failed to allocate VMContext");
    std::memset(raw, 0, bytes);
    return raw;
  }
  void deallocate_vmctx(uint8_t* vmctx, size_t) override { std::free(vmctx); }
  Expected<std::unique_ptr<LinearMemory>> allocate_memory(const wasm::MemoryType& type,
                                                          const environ::Tunables& tunables,
                                                          uint64_t store_max_bytes,
                                                          const MemoryImage* image) override {
    return LinearMemory::create(type, tunables, store_max_bytes, image);
  }
  Expected<std::unique_ptr<Table>> allocate_table(const wasm::TableType& type, uint64_t store_max_elements) override {
    return Table::create(type, nullptr, store_max_elements);
  }
};

// Clears `bytes` at `p` (inside a slot). Very large runs are handed back to the OS (they read
// as zero afterwards); below that, writing zeros is cheaper than the page faults that would
// refill discarded pages on the slot's next use (a VMContext of ~100 KiB: ~3 µs of memset vs
// ~25 µs of faults).
void zero_slot_bytes(uint8_t* p, uint64_t bytes) {
  const uint64_t page = host_page_size();
  constexpr uint64_t kDiscardThreshold = 1 << 20;
  if (bytes >= kDiscardThreshold && reinterpret_cast<uintptr_t>(p) % page == 0) {
    uint64_t whole = bytes / page * page;
    if (pages::discard(p, whole)) {
      std::memset(p + whole, 0, bytes - whole);
      return;
    }
  }
  std::memset(p, 0, bytes);
}

class PoolingAllocator final : public InstanceAllocator, MemorySlotOwner, TableSlotOwner {
 public:
  static Expected<std::shared_ptr<InstanceAllocator>> create(const PoolingConfig& config,
                                                             const environ::Tunables& tunables);
  ~PoolingAllocator() override = default;

  bool is_pooling() const override { return true; }

  Expected<uint8_t*> allocate_vmctx(size_t bytes) override {
    if (bytes > config_.max_instance_size) {
      return Error(ErrorKind::kInstantiate, "instance needs a VMContext of " + std::to_string(bytes) +
                                                " bytes, more than the pooling allocator's limit of " +
                                                std::to_string(config_.max_instance_size) +
                                                " (PoolingConfig::max_instance_size)");
    }
    uint32_t slot;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (free_instances_.empty()) return exhausted("instance", config_.total_instances, "total_instances");
      slot = free_instances_.back();
      free_instances_.pop_back();
    }
    // Free slots are all zero (fresh pages, or cleared by deallocate_vmctx).
    return instances_.data() + uint64_t{slot} * instance_stride_;
  }

  void deallocate_vmctx(uint8_t* vmctx, size_t bytes) override {
    uint64_t slot = static_cast<uint64_t>(vmctx - instances_.data()) / instance_stride_;
    zero_slot_bytes(vmctx, bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    free_instances_.push_back(static_cast<uint32_t>(slot));
  }

  Expected<std::unique_ptr<LinearMemory>> allocate_memory(const wasm::MemoryType& type,
                                                          const environ::Tunables& tunables,
                                                          uint64_t store_max_bytes,
                                                          const MemoryImage* image) override;
  Expected<std::unique_ptr<Table>> allocate_table(const wasm::TableType& type, uint64_t store_max_elements) override;

  void release_memory_slot(uint32_t slot, uint64_t accessible, uint64_t image_id) override;
  void release_table_slot(uint32_t slot, uint64_t used) override;

 private:
  PoolingAllocator() = default;

  static Error exhausted(const char* what, uint32_t total, const char* field) {
    return Error(ErrorKind::kInstantiate, std::string("pooling allocator: all ") + std::to_string(total) + " " +
                                              what + " slots are in use (PoolingConfig::" + field + ")");
  }
  uint8_t* memory_base(uint32_t slot) const { return memories_.data() + uint64_t{slot} * memory_stride_; }
  // Brings a taken memory slot to the state MemorySlot describes for `image` and `accessible`.
  Expected<void> prepare_memory_slot(uint32_t slot, const MemoryImage* image, uint64_t accessible);
  // After a failure, makes a slot wholly inaccessible and empty again.
  void scrub_memory_slot(uint32_t slot);

  // What a memory slot holds while it is free (and, while taken, what it was prepared with).
  struct MemorySlotState {
    uint64_t accessible = 0;  // read-write bytes at the base; zero or image contents
    uint64_t image_id = 0;    // the image mapped at image_offset (0: none)
    uint64_t image_offset = 0;
    uint64_t image_size = 0;
  };

  PoolingConfig config_;
  environ::Tunables tunables_;
  Mmap instances_;
  uint64_t instance_stride_ = 0;
  Mmap memories_;
  uint64_t memory_stride_ = 0;
  uint64_t memory_max_bytes_ = 0;
  Mmap tables_;
  uint64_t table_stride_ = 0;

  std::mutex mutex_;  // guards the free lists and memory_state_ of free slots
  std::vector<uint32_t> free_instances_;
  std::vector<uint32_t> free_memories_;
  std::vector<uint32_t> free_tables_;
  std::vector<MemorySlotState> memory_state_;
};

Expected<std::shared_ptr<InstanceAllocator>> PoolingAllocator::create(const PoolingConfig& config,
                                                                      const environ::Tunables& tunables) {
  std::shared_ptr<PoolingAllocator> p(new PoolingAllocator());
  p->config_ = config;
  p->tunables_ = tunables;
  constexpr uint64_t kMaxReservation = uint64_t{1} << 46;  // 64 TiB per pool
  auto stride = [&](uint64_t bytes, uint64_t& out) { return round_up_to_page(std::max<uint64_t>(bytes, 1), out); };
  auto reserve = [&](const char* what, uint32_t count, uint64_t each, Mmap& out, bool writable) -> Expected<void> {
    if (count == 0) return {};
    if (each > kMaxReservation / count) {
      return Error(ErrorKind::kOther, std::string("pooling allocator: ") + what + " pool is too large");
    }
    KILN_ASSIGN_OR_RETURN(out, Mmap::reserve(each * count));
    // Reserved without commit charge (MAP_NORESERVE): making it writable commits nothing
    // until pages are touched.
    if (writable) KILN_TRY(out.make_accessible(0, each * count));
    return {};
  };

  if (config.max_instance_size % 16 != 0) {
    return Error(ErrorKind::kOther, "pooling allocator: max_instance_size must be a multiple of 16");
  }
  if (!stride(config.max_instance_size, p->instance_stride_)) {
    return Error(ErrorKind::kOther, "pooling allocator: max_instance_size is too large");
  }
  KILN_TRY(reserve("instance", config.total_instances, p->instance_stride_, p->instances_, true));

  // A full static reservation plus guard per slot, whatever the per-slot page limit: compiled
  // code elides bounds checks on the strength of exactly that layout.
  if (tunables.memory_reservation > UINT64_MAX - tunables.memory_guard_size ||
      !stride(tunables.memory_reservation + tunables.memory_guard_size, p->memory_stride_)) {
    return Error(ErrorKind::kOther, "pooling allocator: memory reservation is too large");
  }
  uint64_t pages_limit = tunables.memory_reservation / environ::kWasmPageSize;
  p->memory_max_bytes_ = std::min(config.max_memory_pages, pages_limit) * environ::kWasmPageSize;
  KILN_TRY(reserve("memory", config.total_memories, p->memory_stride_, p->memories_, false));

  if (config.table_elements > (uint64_t{1} << 28)) {
    return Error(ErrorKind::kOther, "pooling allocator: table_elements is too large (at most 2^28)");
  }
  if (!stride(config.table_elements * sizeof(void*), p->table_stride_)) {
    return Error(ErrorKind::kOther, "pooling allocator: table_elements is too large");
  }
  KILN_TRY(reserve("table", config.total_tables, p->table_stride_, p->tables_, true));

  // Hand out low slots first (LIFO from the back).
  for (uint32_t i = config.total_instances; i-- > 0;) p->free_instances_.push_back(i);
  for (uint32_t i = config.total_memories; i-- > 0;) p->free_memories_.push_back(i);
  for (uint32_t i = config.total_tables; i-- > 0;) p->free_tables_.push_back(i);
  p->memory_state_.resize(config.total_memories);
  return std::shared_ptr<InstanceAllocator>(std::move(p));
}

Expected<std::unique_ptr<LinearMemory>> PoolingAllocator::allocate_memory(const wasm::MemoryType& type,
                                                                           const environ::Tunables& tunables,
                                                                           uint64_t store_max_bytes,
                                                                           const MemoryImage* image) {
  // Shared memories outlive their instance and store (other threads hold them), so they are
  // not tied to a pool slot's lifetime: they are allocated on demand.
  if (type.limits.shared) return LinearMemory::create(type, tunables, store_max_bytes, image);
  if (!(tunables == tunables_)) {
    return Error(ErrorKind::kInstantiate, "pooling allocator: module compiled with different tunables");
  }

  uint64_t min_bytes = 0, limit = 0;
  KILN_TRY(LinearMemory::sizes(type, store_max_bytes, &min_bytes, &limit));
  if (min_bytes > memory_max_bytes_) {
    return Error(ErrorKind::kInstantiate, "memory minimum size of " + std::to_string(type.limits.min) +
                                              " pages exceeds the pooling allocator's limit of " +
                                              std::to_string(memory_max_bytes_ / environ::kWasmPageSize) +
                                              " pages per memory (PoolingConfig::max_memory_pages)");
  }
  uint64_t accessible = 0;
  if (!round_up_to_page(min_bytes, accessible)) return Error(ErrorKind::kInstantiate, "memory size overflow");
  const uint64_t want_image = image != nullptr ? image->id() : 0;

  uint32_t slot;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_memories_.empty()) return exhausted("memory", config_.total_memories, "total_memories");
    // Affinity: a recently freed slot that still has this image mapped needs no remapping.
    size_t pick = free_memories_.size() - 1;
    constexpr size_t kAffinityScan = 32;
    for (size_t k = 0; k < std::min(kAffinityScan, free_memories_.size()); ++k) {
      size_t i = free_memories_.size() - 1 - k;
      if (memory_state_[free_memories_[i]].image_id == want_image) {
        pick = i;
        break;
      }
    }
    slot = free_memories_[pick];
    free_memories_.erase(free_memories_.begin() + static_cast<ptrdiff_t>(pick));
  }
  if (auto ok = prepare_memory_slot(slot, image, accessible); !ok) {
    scrub_memory_slot(slot);
    std::lock_guard<std::mutex> lock(mutex_);
    free_memories_.push_back(slot);
    return std::move(ok).error();
  }
  MemorySlot s;
  s.owner = this;
  s.index = slot;
  s.base = memory_base(slot);
  s.size = memory_stride_;
  s.max_bytes = memory_max_bytes_;
  s.accessible = accessible;
  s.image = image;
  return LinearMemory::create_in_slot(type, tunables, store_max_bytes, s);
}

Expected<void> PoolingAllocator::prepare_memory_slot(uint32_t slot, const MemoryImage* image, uint64_t accessible) {
  // The slot is ours alone until released: no lock needed for its state or pages.
  MemorySlotState& st = memory_state_[slot];
  uint8_t* base = memory_base(slot);
  const uint64_t want_image = image != nullptr ? image->id() : 0;
  if (image != nullptr && (image->offset() > accessible || image->size() > accessible - image->offset())) {
    return Error(ErrorKind::kInstantiate, "memory image does not fit the memory");
  }
  if (st.image_id != want_image) {
    if (st.image_size != 0) {
      // Drop the previous module's image; its range becomes plain (zero) pages again, with
      // the protection it had (read-write: an image lies within the accessible part).
      KILN_TRY(pages::replace_with_reserved(base + st.image_offset, st.image_size));
      KILN_TRY(pages::protect_read_write(base + st.image_offset, st.image_size));
      st.image_id = 0;
      st.image_offset = 0;
      st.image_size = 0;
    }
    if (image != nullptr) {
      KILN_TRY(image->map_at(base));  // maps read-write
      st.image_id = image->id();
      st.image_offset = image->offset();
      st.image_size = image->size();
      // Pages between the old accessible end and the image end are now read-write;
      // the adjustment below covers them (the image ends within `accessible`).
    }
  }
  if (st.accessible < accessible) {
    KILN_TRY(pages::protect_read_write(base + st.accessible, accessible - st.accessible));
  } else if (st.accessible > accessible) {
    // Already discarded on release: only the protection must shrink back to the new size.
    KILN_TRY(pages::protect_none(base + accessible, st.accessible - accessible));
  }
  st.accessible = accessible;
  return {};
}

void PoolingAllocator::scrub_memory_slot(uint32_t slot) {
  MemorySlotState& st = memory_state_[slot];
  // Replacing the whole slot is always possible (it is our reservation); if even that fails
  // the address space is in an unknown state, and handing it out again could leak data.
  if (!pages::replace_with_reserved(memory_base(slot), memory_stride_)) std::abort();
  st = MemorySlotState{};
}

void PoolingAllocator::release_memory_slot(uint32_t slot, uint64_t accessible, uint64_t image_id) {
  MemorySlotState& st = memory_state_[slot];
  if (image_id == 0) {
    // The memory discarded its image (LinearMemory::discard_image): that range is anonymous now.
    st.image_id = 0;
    st.image_offset = 0;
    st.image_size = 0;
  }
  // Reset every page the instance could have written: anonymous pages read zero again, image
  // pages read the image again. Nothing of this instance is visible to the next one.
  if (pages::discard(memory_base(slot), accessible)) {
    st.accessible = accessible;
  } else {
    scrub_memory_slot(slot);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  free_memories_.push_back(slot);
}

Expected<std::unique_ptr<Table>> PoolingAllocator::allocate_table(const wasm::TableType& type,
                                                                  uint64_t store_max_elements) {
  uint32_t slot;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_tables_.empty()) return exhausted("table", config_.total_tables, "total_tables");
    slot = free_tables_.back();
    free_tables_.pop_back();
  }
  auto* elements = reinterpret_cast<void**>(tables_.data() + uint64_t{slot} * table_stride_);
  auto table = Table::create_in_slot(type, nullptr, store_max_elements, this, slot, elements, config_.table_elements);
  if (!table) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_tables_.push_back(slot);
  }
  return table;
}

void PoolingAllocator::release_table_slot(uint32_t slot, uint64_t used) {
  uint8_t* p = tables_.data() + uint64_t{slot} * table_stride_;
  zero_slot_bytes(p, used * sizeof(void*));
  std::lock_guard<std::mutex> lock(mutex_);
  free_tables_.push_back(slot);
}

}  // namespace

InstanceAllocator& on_demand_allocator() {
  static OnDemandAllocator allocator;
  return allocator;
}

Expected<std::shared_ptr<InstanceAllocator>> make_pooling_allocator(const PoolingConfig& config,
                                                                    const environ::Tunables& tunables) {
  return PoolingAllocator::create(config, tunables);
}

}  // namespace kiln::runtime::vm
