// runtime/vm/table.cc: Table storage and the bulk table operations.
#include "runtime/vm/table.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

namespace kiln::runtime::vm {

using environ::TrapCode;

namespace {
// A hard cap on table storage (2^28 pointers = 2 GiB), so a hostile minimum or grow is refused
// rather than exhausting the host.
constexpr uint64_t kMaxTableElements = uint64_t{1} << 28;
}  // namespace

Expected<std::unique_ptr<Table>> Table::create(const wasm::TableType& type, void* init,
                                               uint64_t store_max_elements) {
  std::unique_ptr<Table> t(new Table());
  t->type_ = type;
  uint64_t index_limit = type.limits.is64 ? UINT64_MAX : uint64_t{UINT32_MAX};
  uint64_t max = type.limits.max ? std::min(*type.limits.max, index_limit) : index_limit;
  t->max_elements_ = std::min({max, store_max_elements, kMaxTableElements});
  uint64_t min = type.limits.min;
  if (min > t->max_elements_) {
    return Error(ErrorKind::kInstantiate,
                 "table minimum size of " + std::to_string(min) + " elements exceeds table limits");
  }
  if (!t->reallocate(min)) return Error(ErrorKind::kInstantiate, "failed to allocate table");
  for (uint64_t i = 0; i < min; ++i) t->own_def_.base[i] = init;
  t->own_def_.current_elements = min;
  return t;
}

Expected<std::unique_ptr<Table>> Table::create_in_slot(const wasm::TableType& type, void* init,
                                                       uint64_t store_max_elements, TableSlotOwner* owner,
                                                       uint32_t slot, void** elements, uint64_t capacity) {
  std::unique_ptr<Table> t(new Table());
  t->type_ = type;
  uint64_t index_limit = type.limits.is64 ? UINT64_MAX : uint64_t{UINT32_MAX};
  uint64_t max = type.limits.max ? std::min(*type.limits.max, index_limit) : index_limit;
  t->max_elements_ = std::min({max, store_max_elements, kMaxTableElements, capacity});
  uint64_t min = type.limits.min;
  if (min > t->max_elements_) {
    return Error(ErrorKind::kInstantiate,
                 "table minimum size of " + std::to_string(min) + " elements exceeds table limits" +
                     (min <= std::min({max, store_max_elements, kMaxTableElements})
                          ? " (the pooling allocator's " + std::to_string(capacity) + " elements per table)"
                          : std::string()));
  }
  // The slot is zero (null) everywhere: only a non-null initial value needs writing.
  if (init != nullptr) {
    for (uint64_t i = 0; i < min; ++i) elements[i] = init;
  }
  t->own_def_.base = elements;
  t->own_def_.current_elements = min;
  t->capacity_ = capacity;
  t->slot_owner_ = owner;
  t->slot_index_ = slot;
  return t;
}

Table::~Table() {
  if (slot_owner_ != nullptr) {
    slot_owner_->release_table_slot(slot_index_, def_->current_elements);
  } else {
    std::free(def_->base);
  }
}

bool Table::reallocate(uint64_t capacity) {
  // capacity <= kMaxTableElements, so the byte count cannot overflow.
  size_t bytes = static_cast<size_t>(std::max<uint64_t>(capacity, 1)) * sizeof(void*);
  void* p = std::realloc(def_->base, bytes);
  if (p == nullptr) return false;
  def_->base = static_cast<void**>(p);
  capacity_ = capacity;
  return true;
}

void Table::bind(VMTableDefinition* slot) {
  *slot = *def_;
  own_def_ = {};
  def_ = slot;
}

std::optional<void*> Table::get(uint64_t index) const {
  if (index >= def_->current_elements) return std::nullopt;
  return def_->base[index];
}

bool Table::set(uint64_t index, void* value) {
  if (index >= def_->current_elements) return false;
  def_->base[index] = value;
  return true;
}

uint64_t Table::grow(uint64_t delta, void* init) {
  uint64_t old = def_->current_elements;
  if (delta > max_elements_ - old) return UINT64_MAX;
  uint64_t size = old + delta;
  if (size > capacity_) {
    if (slot_owner_ != nullptr) return UINT64_MAX;  // max_elements_ <= capacity_: unreachable
    // Grow geometrically so repeated table.grow 1 is amortised O(1).
    uint64_t cap = std::max(size, std::min(max_elements_, capacity_ * 2));
    if (!reallocate(cap)) return UINT64_MAX;
  }
  for (uint64_t i = old; i < size; ++i) def_->base[i] = init;
  def_->current_elements = size;
  return old;
}

std::optional<TrapCode> Table::fill(uint64_t dst, void* value, uint64_t len) {
  if (!range_in_bounds(dst, len, size())) return TrapCode::kTableOutOfBounds;
  for (uint64_t i = 0; i < len; ++i) def_->base[dst + i] = value;
  return std::nullopt;
}

std::optional<TrapCode> Table::copy(Table& dst_table, Table& src_table, uint64_t dst, uint64_t src,
                                    uint64_t len) {
  if (!range_in_bounds(dst, len, dst_table.size()) || !range_in_bounds(src, len, src_table.size())) {
    return TrapCode::kTableOutOfBounds;
  }
  if (len != 0) {
    std::memmove(dst_table.def_->base + dst, src_table.def_->base + src, len * sizeof(void*));
  }
  return std::nullopt;
}

std::optional<TrapCode> Table::init(uint64_t dst, std::span<void* const> segment, uint64_t src,
                                    uint64_t len) {
  if (!range_in_bounds(dst, len, size()) || !range_in_bounds(src, len, segment.size())) {
    return TrapCode::kTableOutOfBounds;
  }
  for (uint64_t i = 0; i < len; ++i) def_->base[dst + i] = segment[src + i];
  return std::nullopt;
}

}  // namespace kiln::runtime::vm
