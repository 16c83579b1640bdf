// runtime/vm/table.h: Table, a Wasm table of pointer-sized references. Funcref tables hold
// VMFuncRef* (null = 0), externref and other reference tables hold opaque host pointers. The
// elements live in one heap array described by a VMTableDefinition {base, current_elements},
// which compiled code reads for table.get/set/size and call_indirect; growth may move the
// array, so compiled code reloads `base` after calls. A pooled table's array is a slot of the
// pooling allocator instead: fixed capacity, never moves, zeroed when given back.
//
// Lazy initialisation (as Wasmtime's): a defined function table's active element segments are
// bounds-checked at instantiation but not written. The table records them (TableLazyInit) and
// its entries use the encoding of environ/func_table.h: 0 = not yet written, 1 = null, else
// the VMFuncRef*. An entry is resolved on first read (by compiled code through the
// table_get_lazy_init builtin, or by the accessors below) and the result recorded. Every
// accessor here takes and returns plain values (null = nullptr) whatever the encoding; only
// definition()->base shows the raw entries.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

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

// What the entries of a lazily initialised table not yet written hold: the table's active
// element segments, applied in order (so the last one covering an entry wins), over the
// table's initial value.
struct TableLazyInit {
  struct Segment {
    uint64_t offset = 0;
    uint64_t count = 0;
    // One of the two: function indices (into func_refs; the module's, which outlives the
    // instance) or the evaluated items (owned).
    const uint32_t* func_indices = nullptr;
    std::vector<void*> items;
  };
  VMFuncRef* func_refs = nullptr;  // the instance's VMFuncRef array (vmctx + func_ref(0))
  void* init = nullptr;            // entries no segment covers
  uint64_t size = 0;               // entries [0, size) may be unwritten (the initial size)
  std::vector<Segment> segments;   // in application order

  void* value_at(uint64_t index) const;
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

  // ---- lazy initialisation (instantiation of the defining instance only)
  //
  // Makes every entry read as `init` until written, and the table record the active segments
  // given to init_lazily instead of writing them. Only for a function table whose entries
  // are all still unwritten (as created with a null initial value); `func_refs` is the
  // defining instance's VMFuncRef array (null if the module has no functions).
  void enable_lazy_init(VMFuncRef* func_refs, void* init);
  bool is_lazy() const { return lazy_ != nullptr; }
  // An active segment at `dst`: of function indices (`funcs`, which index func_refs) or of
  // evaluated items. The spec's bounds check, then written as table.init writes, or, with
  // `defer` (only by the instance that enabled lazy initialisation, on its own table, with its
  // own func_refs; `funcs` must then stay alive), recorded. The TrapCode on failure (nothing
  // written or recorded).
  std::optional<environ::TrapCode> init_active(uint64_t dst, std::span<const uint32_t> funcs,
                                               VMFuncRef* func_refs, bool defer);
  std::optional<environ::TrapCode> init_active(uint64_t dst, std::vector<void*> items, bool defer);
  // Writes every entry not written yet (the eager initialisation, done late).
  void materialize_all() const;
  // Above this many recorded segments, the first unwritten entry read writes the whole table
  // (a read would otherwise walk them all).
  static constexpr size_t kMaxLazySegmentWalk = 8;

 private:
  Table() = default;
  bool reallocate(uint64_t capacity);
  // The raw entry for plain value `value` (for a lazy table null is kFuncTableEntryNull).
  void* encode(void* value) const {
    return value == nullptr && lazy_ != nullptr ? reinterpret_cast<void*>(uintptr_t{1}) : value;
  }
  // The plain value of entry `index` (< size()), resolving and recording it if unwritten.
  void* read(uint64_t index) const {
    void* raw = def_->base[index];
    if (lazy_ == nullptr || reinterpret_cast<uintptr_t>(raw) > 1) return raw;
    return raw == nullptr ? resolve(index) : nullptr;
  }
  void* resolve(uint64_t index) const;
  // Resolves the unwritten entries of [start, start + len) (in bounds).
  void materialize(uint64_t start, uint64_t len) const;

  wasm::TableType type_;
  uint64_t max_elements_ = 0;
  uint64_t capacity_ = 0;
  TableSlotOwner* slot_owner_ = nullptr;  // pooled: the elements belong to the slot
  uint32_t slot_index_ = 0;
  std::unique_ptr<TableLazyInit> lazy_;
  VMTableDefinition own_def_{};
  VMTableDefinition* def_ = &own_def_;
};

// Whether [start, start + len) fits in `size` without overflow.
inline bool range_in_bounds(uint64_t start, uint64_t len, uint64_t size) {
  return len <= size && start <= size - len;
}

}  // namespace kiln::runtime::vm
