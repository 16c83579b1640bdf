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
  if (init == nullptr) {
    if (min != 0) std::memset(t->own_def_.base, 0, min * sizeof(void*));
  } else {
    for (uint64_t i = 0; i < min; ++i) t->own_def_.base[i] = init;
  }
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

// ---- lazy initialisation

void* TableLazyInit::value_at(uint64_t index) const {
  for (size_t s = segments.size(); s-- > 0;) {
    const Segment& seg = segments[s];
    const uint64_t k = index - seg.offset;  // wraps (and misses) below the offset
    if (k < seg.count) {
      return seg.func_indices != nullptr ? static_cast<void*>(&func_refs[seg.func_indices[k]]) : seg.items[k];
    }
  }
  return init;
}

void Table::enable_lazy_init(VMFuncRef* func_refs, void* init) {
  lazy_ = std::make_unique<TableLazyInit>();
  lazy_->func_refs = func_refs;
  lazy_->init = init;
  lazy_->size = def_->current_elements;
}

std::optional<TrapCode> Table::init_active(uint64_t dst, std::span<const uint32_t> funcs, VMFuncRef* func_refs,
                                           bool defer) {
  if (!range_in_bounds(dst, funcs.size(), size())) return TrapCode::kTableOutOfBounds;
  if (funcs.empty()) return std::nullopt;
  // Recording needs every entry of the range still unwritten (nothing materialised yet).
  if (defer && lazy_ != nullptr && lazy_->size != 0) {
    TableLazyInit::Segment& seg = lazy_->segments.emplace_back();
    seg.offset = dst;
    seg.count = funcs.size();
    seg.func_indices = funcs.data();
    return std::nullopt;
  }
  void** slots = def_->base + dst;
  for (size_t i = 0; i < funcs.size(); ++i) slots[i] = &func_refs[funcs[i]];  // never null
  return std::nullopt;
}

std::optional<TrapCode> Table::init_active(uint64_t dst, std::vector<void*> items, bool defer) {
  if (!range_in_bounds(dst, items.size(), size())) return TrapCode::kTableOutOfBounds;
  if (items.empty()) return std::nullopt;
  if (defer && lazy_ != nullptr && lazy_->size != 0) {
    TableLazyInit::Segment& seg = lazy_->segments.emplace_back();
    seg.offset = dst;
    seg.count = items.size();
    seg.items = std::move(items);
    return std::nullopt;
  }
  for (size_t i = 0; i < items.size(); ++i) def_->base[dst + i] = encode(items[i]);
  return std::nullopt;
}

void* Table::resolve(uint64_t index) const {
  TableLazyInit& lazy = *lazy_;
  if (index >= lazy.size) return nullptr;  // unreachable: entries past the initial size are written
  if (lazy.segments.size() > kMaxLazySegmentWalk) {
    materialize_all();
    void* raw = def_->base[index];
    return reinterpret_cast<uintptr_t>(raw) > 1 ? raw : nullptr;
  }
  void* value = lazy.value_at(index);
  def_->base[index] = encode(value);
  return value;
}

void Table::materialize(uint64_t start, uint64_t len) const {
  if (lazy_ == nullptr) return;
  const uint64_t end = std::min(start + len, lazy_->size);
  for (uint64_t i = start; i < end; ++i) {
    if (def_->base[i] == nullptr) resolve(i);
  }
}

void Table::materialize_all() const {
  if (lazy_ == nullptr || lazy_->size == 0) return;
  TableLazyInit& lazy = *lazy_;
  void** base = def_->base;
  // Latest segment first, writing only entries still unwritten: what it leaves is what the
  // later segments (and any write since instantiation) did not cover.
  for (size_t s = lazy.segments.size(); s-- > 0;) {
    const TableLazyInit::Segment& seg = lazy.segments[s];
    for (uint64_t k = 0; k < seg.count; ++k) {
      void*& slot = base[seg.offset + k];
      if (slot != nullptr) continue;
      slot = encode(seg.func_indices != nullptr ? static_cast<void*>(&lazy.func_refs[seg.func_indices[k]])
                                                : seg.items[k]);
    }
  }
  void* init = encode(lazy.init);
  for (uint64_t i = 0; i < lazy.size; ++i) {
    if (base[i] == nullptr) base[i] = init;
  }
  // Every entry is written: no more resolution (null stays encoded as 1).
  lazy.segments.clear();
  lazy.segments.shrink_to_fit();
  lazy.size = 0;
}

// ---- accessors

std::optional<void*> Table::get(uint64_t index) const {
  if (index >= def_->current_elements) return std::nullopt;
  return read(index);
}

bool Table::set(uint64_t index, void* value) {
  if (index >= def_->current_elements) return false;
  def_->base[index] = encode(value);
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
  void* raw = encode(init);
  for (uint64_t i = old; i < size; ++i) def_->base[i] = raw;
  def_->current_elements = size;
  return old;
}

std::optional<TrapCode> Table::fill(uint64_t dst, void* value, uint64_t len) {
  if (!range_in_bounds(dst, len, size())) return TrapCode::kTableOutOfBounds;
  void* raw = encode(value);
  for (uint64_t i = 0; i < len; ++i) def_->base[dst + i] = raw;
  return std::nullopt;
}

std::optional<TrapCode> Table::copy(Table& dst_table, Table& src_table, uint64_t dst, uint64_t src,
                                    uint64_t len) {
  if (!range_in_bounds(dst, len, dst_table.size()) || !range_in_bounds(src, len, src_table.size())) {
    return TrapCode::kTableOutOfBounds;
  }
  if (len == 0) return std::nullopt;
  // The source range's values must exist before they are copied (the destination's own
  // unwritten entries stay so only if the copy does not cover them).
  src_table.materialize(src, len);
  void** d = dst_table.def_->base + dst;
  void* const* s = src_table.def_->base + src;
  if (dst_table.is_lazy() == src_table.is_lazy()) {
    // The same encoding (the same table if the ranges overlap).
    std::memmove(d, s, len * sizeof(void*));
  } else {
    // Two different tables: no overlap. Only null is encoded differently.
    for (uint64_t i = 0; i < len; ++i) {
      void* v = reinterpret_cast<uintptr_t>(s[i]) > 1 ? s[i] : nullptr;
      d[i] = dst_table.encode(v);
    }
  }
  return std::nullopt;
}

std::optional<TrapCode> Table::init(uint64_t dst, std::span<void* const> segment, uint64_t src,
                                    uint64_t len) {
  if (!range_in_bounds(dst, len, size()) || !range_in_bounds(src, len, segment.size())) {
    return TrapCode::kTableOutOfBounds;
  }
  for (uint64_t i = 0; i < len; ++i) def_->base[dst + i] = encode(segment[src + i]);
  return std::nullopt;
}

}  // namespace kiln::runtime::vm
