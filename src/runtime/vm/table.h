// runtime/vm/table.h: Table, a Wasm table of pointer-sized references. Funcref tables hold
// VMFuncRef* (null = 0), externref and other reference tables hold opaque host pointers. The
// elements live in one heap array described by a VMTableDefinition {base, current_elements},
// which compiled code reads for table.get/set/size and call_indirect; growth may move the
// array, so compiled code reloads `base` after calls. A pooled table's array is a slot of the
// pooling allocator instead: fixed capacity, never moves, zeroed when given back.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "environ/trap_codes.h"
#include "runtime/vm/vmcontext.h"
#include "support/error.h"
#include "wasm/types.h"

namespace kiln::runtime::vm {

// Takes a pooled table's slot back when the table is destroyed (the pooling allocator).
class TableSlotOwner {
 public:
  // The first `used` elements of the slot may be non-null.
  virtual void release_table_slot(uint32_t slot, uint64_t used) = 0;

 protected:
  ~TableSlotOwner() = default;
};

class Table {
 public:
  // Fails (ErrorKind::kInstantiate) when the minimum exceeds the type's maximum, the store's
  // limit or what can be allocated. Every element starts as `init`.
  static Expected<std::unique_ptr<Table>> create(const wasm::TableType& type, void* init = nullptr,
                                                 uint64_t store_max_elements = UINT64_MAX);
  // A table whose elements live in a pool slot of `capacity` null elements at `elements`,
  // given back to `owner` on destruction. Fails as create() does, the slot's capacity being
  // one more limit (the slot is not taken on failure).
  static Expected<std::unique_ptr<Table>> create_in_slot(const wasm::TableType& type, void* init,
                                                         uint64_t store_max_elements, TableSlotOwner* owner,
                                                         uint32_t slot, void** elements, uint64_t capacity);
  ~Table();
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  const wasm::TableType& type() const { return type_; }
  uint64_t size() const { return def_->current_elements; }
  uint64_t max_elements() const { return max_elements_; }

  // table.get / table.set; nullopt / false when out of bounds.
  std::optional<void*> get(uint64_t index) const;
  bool set(uint64_t index, void* value);

  // table.grow: returns the old size, or UINT64_MAX (-1 in Wasm) when it cannot grow.
  uint64_t grow(uint64_t delta, void* init);
  // table.fill, table.copy, table.init: the spec's bounds checks (all checked before any
  // write); the TrapCode on failure.
  std::optional<environ::TrapCode> fill(uint64_t dst, void* value, uint64_t len);
  static std::optional<environ::TrapCode> copy(Table& dst_table, Table& src_table, uint64_t dst,
                                               uint64_t src, uint64_t len);
  std::optional<environ::TrapCode> init(uint64_t dst, std::span<void* const> segment, uint64_t src,
                                        uint64_t len);

  VMTableDefinition* definition() { return def_; }
  // As LinearMemory::bind: the definition moves into the defining instance's VMContext.
  void bind(VMTableDefinition* slot);

 private:
  Table() = default;
  bool reallocate(uint64_t capacity);

  wasm::TableType type_;
  uint64_t max_elements_ = 0;
  uint64_t capacity_ = 0;
  TableSlotOwner* slot_owner_ = nullptr;  // pooled: the elements belong to the slot
  uint32_t slot_index_ = 0;
  VMTableDefinition own_def_{};
  VMTableDefinition* def_ = &own_def_;
};

// Whether [start, start + len) fits in `size` without overflow.
inline bool range_in_bounds(uint64_t start, uint64_t len, uint64_t size) {
  return len <= size && start <= size - len;
}

}  // namespace kiln::runtime::vm
