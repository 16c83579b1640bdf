// runtime/vm/memory.cc: LinearMemory creation and growth.
#include "runtime/vm/memory.h"

#include <atomic>
#include <cstring>
#include <string>

namespace kiln::runtime::vm {

using environ::MemoryStyle;

Expected<std::unique_ptr<LinearMemory>> LinearMemory::create(const wasm::MemoryType& type,
                                                             const environ::Tunables& tunables,
                                                             uint64_t store_max_bytes) {
  std::unique_ptr<LinearMemory> m(new LinearMemory());
  m->type_ = type;
  m->style_ = environ::memory_style(type, tunables);
  m->page_size_ = environ::page_size_of(type);
  m->max_bytes_ = std::min(environ::max_memory_bytes(type), store_max_bytes);
  m->growth_reserve_ = tunables.memory_reservation_for_growth;

  const uint64_t page = m->page_size_;
  uint64_t min_bytes = 0;
  if (type.limits.min > UINT64_MAX / page || (min_bytes = type.limits.min * page) > m->max_bytes_) {
    return Error(ErrorKind::kInstantiate, "memory minimum size of " + std::to_string(type.limits.min) +
                                              " pages exceeds memory limits");
  }
  uint64_t accessible = 0;
  if (!round_up_to_page(min_bytes, accessible)) {
    return Error(ErrorKind::kInstantiate, "memory size overflow");
  }

  uint64_t reserve = 0;
  if (m->style_ == MemoryStyle::kStatic) {
    // max_bytes <= memory_reservation here (memory_style), so growth never leaves the region.
    reserve = tunables.memory_reservation + tunables.memory_guard_size;
  } else if (m->is_shared()) {
    reserve = m->max_bytes_;  // shared memories never move
  } else {
    reserve = min_bytes + std::min(m->growth_reserve_, m->max_bytes_ - min_bytes);
  }
  if (reserve < accessible) reserve = accessible;
  auto mapping = Mmap::reserve(reserve);
  if (!mapping) {
    return Error(ErrorKind::kInstantiate, "failed to reserve memory: " + mapping.error().message());
  }
  m->mapping_ = std::move(mapping).value();
  auto ok = m->mapping_.make_accessible(0, accessible);
  if (!ok) return Error(ErrorKind::kInstantiate, "failed to allocate memory: " + ok.error().message());
  m->accessible_ = accessible;
  m->own_def_.base = m->mapping_.data();
  m->own_def_.current_length = min_bytes;
  return m;
}

uint8_t* LinearMemory::base() const {
  // The definition is written under grow_mutex_; readers on other threads (shared memories)
  // only need a consistent word, and shared memories never change `base`.
  return def_->base;
}

uint64_t LinearMemory::byte_size() const {
  return std::atomic_ref<uint64_t>(def_->current_length).load(std::memory_order_acquire);
}

void LinearMemory::bind(VMMemoryDefinition* slot) {
  std::lock_guard<std::mutex> lock(grow_mutex_);
  *slot = *def_;
  def_ = slot;
}

uint64_t LinearMemory::grow(uint64_t delta_pages) {
  std::lock_guard<std::mutex> lock(grow_mutex_);
  const uint64_t page = page_size_;
  const uint64_t old_bytes = def_->current_length;
  const uint64_t old_pages = old_bytes / page;
  if (delta_pages == 0) return old_pages;
  if (delta_pages > (max_bytes_ - old_bytes) / page) return UINT64_MAX;
  const uint64_t new_bytes = old_bytes + delta_pages * page;
  uint64_t needed = 0;
  if (!round_up_to_page(new_bytes, needed)) return UINT64_MAX;

  // Static memories: max_bytes_ <= memory_reservation, so `needed` never reaches the guard.
  if (needed <= mapping_.size()) {
    if (needed > accessible_) {
      if (!mapping_.make_accessible(accessible_, needed - accessible_)) return UINT64_MAX;
      accessible_ = needed;
    }
  } else {
    // Only non-shared dynamic memories get here: static and shared ones reserved their maximum.
    if (style_ == MemoryStyle::kStatic || is_shared()) return UINT64_MAX;
    uint64_t capacity = new_bytes + std::min(growth_reserve_, max_bytes_ - new_bytes);
    auto fresh = Mmap::reserve(capacity);
    if (!fresh) return UINT64_MAX;
    if (!fresh->make_accessible(0, needed)) return UINT64_MAX;
    std::memcpy(fresh->data(), mapping_.data(), old_bytes);
    mapping_ = std::move(fresh).value();
    accessible_ = needed;
    def_->base = mapping_.data();
  }
  std::atomic_ref<uint64_t>(def_->current_length).store(new_bytes, std::memory_order_release);
  return old_pages;
}

}  // namespace kiln::runtime::vm
