// environ/func_table.h: how the entries of a table of function references are represented, the
// contract between compiled code and the runtime's lazy table initialisation
// (runtime/vm/table.h).
//
// An entry of a function table is a VMFuncRef* when it is greater than 1. The two small values
// occur only in a table the runtime initialises lazily (a defined function table with active
// element segments or an explicit initialiser):
//   kFuncTableEntryUninit (0): not written yet; its value is the one the table's active
//       segments (the last one covering it wins) or initialiser give it. In a table without
//       lazy initialisation, 0 is null.
//   kFuncTableEntryNull (1): null.
// So compiled code reads an entry as: > 1, the VMFuncRef*; otherwise the table_get_lazy_init
// builtin (which resolves, records and returns the value, null as 0). It writes a non-null
// reference as is, and null through the table_fill builtin, which picks the table's encoding.
// Tables of other references (externref, anyref, ...) hold their values as is: 0 is null.
#pragma once

#include <cstdint>

#include "wasm/module.h"

namespace kiln::environ {

inline constexpr uintptr_t kFuncTableEntryUninit = 0;
inline constexpr uintptr_t kFuncTableEntryNull = 1;

// Whether `type` is a table of function references (func, nofunc or a concrete function type
// of `m`), whose entries follow the representation above.
inline bool is_func_table(const wasm::Module& m, const wasm::TableType& type) {
  const wasm::HeapType h = type.elem.heap;
  if (!type.elem.is_ref()) return false;
  if (h.is_index()) {
    return h.type_index() < m.types.size() && m.types[h.type_index()].comp.kind == wasm::CompositeKind::kFunc;
  }
  return h.kind() == wasm::HeapKind::kFunc || h.kind() == wasm::HeapKind::kNoFunc;
}

}  // namespace kiln::environ
