// environ/indices.h: distinct index types for the module's index spaces, so a defined-function
// index is never passed where a module-wide function index is meant (DESIGN.md: no bare
// uint32_t index crosses a module boundary). Index spaces number imports first.
#pragma once

#include <optional>

#include "support/entity.h"
#include "wasm/module.h"

namespace kiln::environ {

KILN_ENTITY(FuncIndex, "func");            // imported and defined functions
KILN_ENTITY(DefinedFuncIndex, "dfunc");    // defined functions only (code section order)
KILN_ENTITY(TableIndex, "table");
KILN_ENTITY(DefinedTableIndex, "dtable");
KILN_ENTITY(MemoryIndex, "memory");
KILN_ENTITY(DefinedMemoryIndex, "dmemory");
KILN_ENTITY(GlobalIndex, "global");
KILN_ENTITY(DefinedGlobalIndex, "dglobal");
KILN_ENTITY(TypeIndex, "type");            // the module's type section
KILN_ENTITY(ElemIndex, "elem");
KILN_ENTITY(DataIndex, "data");

// Conversions between the module-wide and the defined index spaces of one module.
inline std::optional<DefinedFuncIndex> defined_func(const wasm::Module& m, FuncIndex f) {
  if (f.index() < m.num_imported_funcs) return std::nullopt;
  return DefinedFuncIndex(f.index() - m.num_imported_funcs);
}
inline FuncIndex func_of(const wasm::Module& m, DefinedFuncIndex f) {
  return FuncIndex(m.num_imported_funcs + f.index());
}
inline std::optional<DefinedTableIndex> defined_table(const wasm::Module& m, TableIndex t) {
  if (t.index() < m.num_imported_tables) return std::nullopt;
  return DefinedTableIndex(t.index() - m.num_imported_tables);
}
inline std::optional<DefinedMemoryIndex> defined_memory(const wasm::Module& m, MemoryIndex i) {
  if (i.index() < m.num_imported_memories) return std::nullopt;
  return DefinedMemoryIndex(i.index() - m.num_imported_memories);
}
inline std::optional<DefinedGlobalIndex> defined_global(const wasm::Module& m, GlobalIndex g) {
  if (g.index() < m.num_imported_globals) return std::nullopt;
  return DefinedGlobalIndex(g.index() - m.num_imported_globals);
}

}  // namespace kiln::environ
