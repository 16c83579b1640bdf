// environ/vmoffsets.h: offsets into the VMContext and the VM structures, derived from
// vmcontext.def. The compiler uses them to address vmctx fields; runtime/vm/vmcontext.h checks
// its C++ structs against the same layouts.
//
// Layout of one instance's VMContext (see vmcontext.def for the fields):
//
//   header          magic | store_context | builtins | type_ids | epoch_counter | epoch_deadline |
//                   instance
//   imported_functions[num_imported_funcs]      VMFunctionImport  {wasm_call, array_call, vmctx}
//   imported_tables[num_imported_tables]        VMTableDefinition*
//   imported_memories[num_imported_memories]    VMMemoryDefinition*
//   imported_globals[num_imported_globals]      VMGlobalDefinition*
//   defined_memories[num_defined_memories]      VMMemoryDefinition {base, current_length}
//   defined_tables[num_defined_tables]          VMTableDefinition  {base, current_elements}
//   defined_globals[num_defined_globals]        VMGlobalDefinition (16 bytes, 16-aligned)
//   func_refs[num_funcs]                        VMFuncRef {array_call, wasm_call, type_id, vmctx}
//
// func_refs covers every function (imported first), so `ref.func f` is `vmctx + func_ref(f)`.
#pragma once

#include <cassert>
#include <cstdint>

#include "environ/indices.h"
#include "support/error.h"
#include "wasm/module.h"

namespace kiln::environ {

inline constexpr uint32_t kVMContextMagic = 0x6E6C696B;   // "kiln" little-endian
inline constexpr uint32_t kVMHostFuncMagic = 0x74736F68;  // "host"
inline constexpr uint32_t kPointerSize = 8;

// Layouts of the VM structures: VMFuncRefLayout::size(), VMFuncRefLayout::wasm_call() ...
#define KILN_VM_STRUCT(name, bytes) \
  struct name##Layout {             \
    static constexpr uint32_t size() { return bytes; }
#define KILN_VM_STRUCT_FIELD(name, field, offset, bytes)           \
  static constexpr uint32_t field() { return offset; }             \
  static constexpr uint32_t field##_size() { return bytes; }
#define KILN_VM_STRUCT_END(name) \
  }                              \
  ;
#include "environ/vmcontext.def"
#undef KILN_VM_STRUCT
#undef KILN_VM_STRUCT_FIELD
#undef KILN_VM_STRUCT_END

// The entity counts a VMContext layout depends on.
struct VMCounts {
  uint32_t num_imported_funcs = 0;
  uint32_t num_imported_tables = 0;
  uint32_t num_imported_memories = 0;
  uint32_t num_imported_globals = 0;
  uint32_t num_defined_memories = 0;
  uint32_t num_defined_tables = 0;
  uint32_t num_defined_globals = 0;
  uint32_t num_funcs = 0;  // imported + defined

  static VMCounts for_module(const wasm::Module& m);
};

class VMOffsets {
 public:
  // Fails (ErrorKind::kOther, "module too large for a VMContext") when the layout would not be
  // addressable with a signed 32-bit displacement.
  static Expected<VMOffsets> create(const VMCounts& counts);
  static Expected<VMOffsets> for_module(const wasm::Module& m) { return create(VMCounts::for_module(m)); }

  const VMCounts& counts() const { return counts_; }
  // Total bytes of the VMContext (a multiple of 16).
  uint32_t size() const { return size_; }

  // ---- Header fields: magic(), store_context(), builtins(), type_ids(), epoch_counter(),
  // epoch_deadline(), instance(). Constant for every module.
  enum HeaderOffset : uint32_t {
#define KILN_VMCTX_FIELD(name, bytes) kHeader_##name, kHeaderEnd_##name = kHeader_##name + (bytes) - 1,
#include "environ/vmcontext.def"
#undef KILN_VMCTX_FIELD
    kHeaderSize
  };
#define KILN_VMCTX_FIELD(name, bytes) \
  static constexpr uint32_t name() { return kHeader_##name; }
#include "environ/vmcontext.def"
#undef KILN_VMCTX_FIELD
  static constexpr uint32_t header_size() { return kHeaderSize; }

  // ---- Arrays: <name>_begin() and <name>(i) for each array of vmcontext.def.
  uint32_t imported_functions_begin() const { return imported_functions_; }
  uint32_t imported_tables_begin() const { return imported_tables_; }
  uint32_t imported_memories_begin() const { return imported_memories_; }
  uint32_t imported_globals_begin() const { return imported_globals_; }
  uint32_t defined_memories_begin() const { return defined_memories_; }
  uint32_t defined_tables_begin() const { return defined_tables_; }
  uint32_t defined_globals_begin() const { return defined_globals_; }
  uint32_t func_refs_begin() const { return func_refs_; }

  // An imported function's VMFunctionImport (i < num_imported_funcs, so FuncIndex == import #).
  uint32_t imported_function(FuncIndex i) const {
    assert(i.index() < counts_.num_imported_funcs);
    return imported_functions_ + i.index() * VMFunctionImportLayout::size();
  }
  uint32_t imported_function_wasm_call(FuncIndex i) const {
    return imported_function(i) + VMFunctionImportLayout::wasm_call();
  }
  uint32_t imported_function_array_call(FuncIndex i) const {
    return imported_function(i) + VMFunctionImportLayout::array_call();
  }
  uint32_t imported_function_vmctx(FuncIndex i) const {
    return imported_function(i) + VMFunctionImportLayout::vmctx();
  }
  // The slot holding a VMTableDefinition* / VMMemoryDefinition* / VMGlobalDefinition*.
  uint32_t imported_table(TableIndex i) const {
    assert(i.index() < counts_.num_imported_tables);
    return imported_tables_ + i.index() * kPointerSize;
  }
  uint32_t imported_memory(MemoryIndex i) const {
    assert(i.index() < counts_.num_imported_memories);
    return imported_memories_ + i.index() * kPointerSize;
  }
  uint32_t imported_global(GlobalIndex i) const {
    assert(i.index() < counts_.num_imported_globals);
    return imported_globals_ + i.index() * kPointerSize;
  }
  // Inline definitions of the instance's own memories, tables and globals.
  uint32_t defined_memory(DefinedMemoryIndex i) const {
    assert(i.index() < counts_.num_defined_memories);
    return defined_memories_ + i.index() * VMMemoryDefinitionLayout::size();
  }
  uint32_t defined_memory_base(DefinedMemoryIndex i) const {
    return defined_memory(i) + VMMemoryDefinitionLayout::base();
  }
  uint32_t defined_memory_length(DefinedMemoryIndex i) const {
    return defined_memory(i) + VMMemoryDefinitionLayout::current_length();
  }
  uint32_t defined_table(DefinedTableIndex i) const {
    assert(i.index() < counts_.num_defined_tables);
    return defined_tables_ + i.index() * VMTableDefinitionLayout::size();
  }
  uint32_t defined_table_base(DefinedTableIndex i) const {
    return defined_table(i) + VMTableDefinitionLayout::base();
  }
  uint32_t defined_table_elements(DefinedTableIndex i) const {
    return defined_table(i) + VMTableDefinitionLayout::current_elements();
  }
  uint32_t defined_global(DefinedGlobalIndex i) const {
    assert(i.index() < counts_.num_defined_globals);
    return defined_globals_ + i.index() * VMGlobalDefinitionLayout::size();
  }
  // The VMFuncRef of any function (imported or defined).
  uint32_t func_ref(FuncIndex i) const {
    assert(i.index() < counts_.num_funcs);
    return func_refs_ + i.index() * VMFuncRefLayout::size();
  }

 private:
  VMCounts counts_;
  uint32_t imported_functions_ = 0;
  uint32_t imported_tables_ = 0;
  uint32_t imported_memories_ = 0;
  uint32_t imported_globals_ = 0;
  uint32_t defined_memories_ = 0;
  uint32_t defined_tables_ = 0;
  uint32_t defined_globals_ = 0;
  uint32_t func_refs_ = 0;
  uint32_t size_ = 0;
};

}  // namespace kiln::environ
