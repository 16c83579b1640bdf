// runtime/vm/memory.cc: LinearMemory creation (own mapping or pool slot, optional CoW image)
// and growth.
#include "runtime/vm/memory.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>

#include "runtime/vm/memory_image.h"

namespace kiln::runtime::vm {

using environ::MemoryStyle;

Expected<void> LinearMemory::sizes(const wasm::MemoryType& type, uint64_t max_bytes, uint64_t* min_bytes,
                                   uint64_t* limit_bytes) {
  const uint64_t page = environ::page_size_of(type);
  *limit_bytes = std::min(environ::max_memory_bytes(type), max_bytes);
  if (type.limits.min > UINT64_MAX / page || (*min_bytes = type.limits.min * page) > *limit_bytes) {
    return Error(ErrorKind::kInstantiate, "memory minimum size of " + std::to_string(type.limits.min) +
                                              " pages exceeds memory limits");
  }
  return {};
}

Expected<std::unique_ptr<LinearMemory>> LinearMemory::create(const wasm::MemoryType& type,
                                                             const environ::Tunables& tunables,
                                                             uint64_t store_max_bytes, const MemoryImage* image) {
  std::unique_ptr<LinearMemory> m(new LinearMemory());
  m->type_ = type;
  m->style_ = environ::memory_style(type, tunables);
  m->page_size_ = environ::page_size_of(type);
  m->growth_reserve_ = tunables.memory_reservation_for_growth;

  uint64_t min_bytes = 0;
  KILN_TRY(sizes(type, store_max_bytes, &min_bytes, &m->max_bytes_));
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
  m->region_ = m->mapping_.data();
  m->region_size_ = m->mapping_.size();
  auto ok = m->mapping_.make_accessible(0, accessible);
  if (!ok) return Error(ErrorKind::kInstantiate, "failed to allocate memory: " + ok.error().message());
  m->accessible_ = accessible;
  if (image != nullptr) {
    // Images exist only for static, unshared memories and lie within the minimum size
    // (ModuleMemoryImages::build), so the mapping replaces read-write zero pages of our own.
    if (m->style_ != MemoryStyle::kStatic || m->is_shared() || image->offset() > accessible ||
        image->size() > accessible - image->offset()) {
      return Error(ErrorKind::kInstantiate, "memory image does not fit the memory");
    }
    KILN_TRY(image->map_at(m->region_));
    m->image_id_ = image->id();
    m->image_offset_ = image->offset();
    m->image_size_ = image->size();
  }
  m->own_def_.base = m->region_;
  m->own_def_.current_length = min_bytes;
  return m;
}

std::unique_ptr<LinearMemory> LinearMemory::create_in_slot(const wasm::MemoryType& type,
                                                           const environ::Tunables& tunables,
                                                           uint64_t max_bytes, const MemorySlot& slot) {
  std::unique_ptr<LinearMemory> m(new LinearMemory());
  m->type_ = type;
  m->style_ = environ::memory_style(type, tunables);
  m->page_size_ = environ::page_size_of(type);
  m->growth_reserve_ = 0;  // a pooled memory grows in its slot only
  uint64_t min_bytes = 0;
  // The owner checked sizes() for this type and limit before preparing the slot.
  (void)sizes(type, std::min(max_bytes, slot.max_bytes), &min_bytes, &m->max_bytes_);
  m->region_ = slot.base;
  m->region_size_ = slot.size;
  m->slot_owner_ = slot.owner;
  m->slot_index_ = slot.index;
  m->accessible_ = slot.accessible;
  if (slot.image != nullptr) {
    m->image_id_ = slot.image->id();
    m->image_offset_ = slot.image->offset();
    m->image_size_ = slot.image->size();
  }
  m->own_def_.base = m->region_;
  m->own_def_.current_length = min_bytes;
  return m;
}

LinearMemory::~LinearMemory() {
  if (slot_owner_ != nullptr) slot_owner_->release_memory_slot(slot_index_, accessible_, image_id_);
}

Expected<void> LinearMemory::protect(uint64_t offset, uint64_t len) {
  if (!mapping_.empty()) return mapping_.make_accessible(offset, len);
  if (offset > region_size_ || len > region_size_ - offset) return Error(ErrorKind::kOther, "mprotect: bad range");
  return pages::protect_read_write(region_ + offset, len);
}

Expected<void> LinearMemory::discard_image() {
  if (image_size_ == 0) return {};
  KILN_TRY(pages::replace_with_reserved(region_ + image_offset_, image_size_));
  KILN_TRY(pages::protect_read_write(region_ + image_offset_, image_size_));
  image_id_ = 0;
  image_offset_ = 0;
  image_size_ = 0;
  return {};
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
  // Pooled memories: max_bytes_ <= the slot's limit, so they never leave the slot.
  if (needed <= region_size_) {
    if (needed > accessible_) {
      if (!protect(accessible_, needed - accessible_)) return UINT64_MAX;
      accessible_ = needed;
    }
  } else {
    // Only non-shared on-demand dynamic memories get here: static, shared and pooled ones
    // reserved their maximum.
    if (style_ == MemoryStyle::kStatic || is_shared() || slot_owner_ != nullptr) return UINT64_MAX;
    uint64_t capacity = new_bytes + std::min(growth_reserve_, max_bytes_ - new_bytes);
    auto fresh = Mmap::reserve(capacity);
    if (!fresh) return UINT64_MAX;
    if (!fresh->make_accessible(0, needed)) return UINT64_MAX;
    std::memcpy(fresh->data(), mapping_.data(), old_bytes);
    mapping_ = std::move(fresh).value();
    region_ = mapping_.data();
    region_size_ = mapping_.size();
    accessible_ = needed;
    def_->base = mapping_.data();
  }
  std::atomic_ref<uint64_t>(def_->current_length).store(new_bytes, std::memory_order_release);
  return old_pages;
}

}  // namespace kiln::runtime::vm
