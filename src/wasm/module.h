// wasm/module.h: the decoded form of a core WebAssembly module. Function bodies and constant
// expressions stay as byte ranges of `bytes` and are read on demand by the templated
// instruction reader (wasm/instr_reader.h), which serves the validator, the printer, the
// IR translator and const-expr evaluation alike.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wasm/types.h"

namespace kiln::wasm {

// A range of Module::bytes.
struct ByteRange {
  uint32_t offset = 0;
  uint32_t size = 0;
};

// A constant expression: its instruction bytes including the final `end` (0x0B).
using ConstExpr = ByteRange;

struct Import {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  uint32_t func_type = 0;  // kFunc: type index
  TableType table;         // kTable
  MemoryType memory;       // kMemory
  GlobalType global;       // kGlobal
  TagType tag;             // kTag
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  uint32_t index = 0;
};

struct Table {  // a defined table
  TableType type;
  std::optional<ConstExpr> init;  // 0x40 0x00 form: explicit initialiser
};

struct Global {  // a defined global
  GlobalType type;
  ConstExpr init;
};

enum class SegmentMode : uint8_t { kActive, kPassive, kDeclarative };

struct ElemSegment {
  SegmentMode mode = SegmentMode::kActive;
  uint32_t table = 0;    // kActive
  ConstExpr offset;      // kActive
  ValType type = ValType::funcref();
  // Exactly one of the two is used: plain function indices (the `elemkind` encodings) or
  // one constant expression per element (the `expr` encodings).
  bool uses_exprs = false;
  std::vector<uint32_t> func_indices;
  std::vector<ConstExpr> exprs;
  uint32_t count() const { return uses_exprs ? static_cast<uint32_t>(exprs.size()) : static_cast<uint32_t>(func_indices.size()); }
};

struct DataSegment {
  SegmentMode mode = SegmentMode::kActive;  // kActive or kPassive
  uint32_t memory = 0;
  ConstExpr offset;
  ByteRange init;
};

struct Local {
  uint32_t count = 0;
  ValType type;
};

struct FuncBody {
  std::vector<Local> locals;  // as declared (run-length)
  uint32_t num_locals = 0;    // sum of the counts (params excluded)
  ByteRange code;             // instructions after the locals, through the final `end`
  ByteRange whole;            // the whole body, size field excluded
};

struct CustomSection {
  std::string name;
  ByteRange payload;  // after the name
  uint8_t after_section = 0;  // id of the last known section before it (0 = at the start)
};

struct NameMap {
  std::vector<std::pair<uint32_t, std::string>> entries;  // sorted by index
};

struct IndirectNameMap {
  std::vector<std::pair<uint32_t, NameMap>> entries;
};

struct Names {
  std::optional<std::string> module;
  NameMap functions;
  IndirectNameMap locals;
  IndirectNameMap labels;
  NameMap types, tables, memories, globals, elems, datas, tags;
  IndirectNameMap fields;
};

// A decoded module. Index spaces (functions, tables, memories, globals, tags) number imports
// first, then definitions, as the spec does; helpers below give the combined view.
struct Module {
  std::shared_ptr<const std::vector<uint8_t>> storage;  // owns `bytes`
  const uint8_t* bytes = nullptr;                       // the whole binary
  size_t size = 0;

  std::vector<SubType> types;
  std::vector<Import> imports;
  std::vector<uint32_t> func_types;  // one type index per function: imported, then defined
  std::vector<TableType> table_types;   // imported, then defined
  std::vector<MemoryType> memory_types; // imported, then defined
  std::vector<GlobalType> global_types; // imported, then defined
  std::vector<TagType> tag_types;       // imported, then defined
  uint32_t num_imported_funcs = 0;
  uint32_t num_imported_tables = 0;
  uint32_t num_imported_memories = 0;
  uint32_t num_imported_globals = 0;
  uint32_t num_imported_tags = 0;

  std::vector<Table> tables;    // defined tables (index = num_imported_tables + i)
  std::vector<Global> globals;  // defined globals
  std::vector<Export> exports;
  std::optional<uint32_t> start;
  std::vector<ElemSegment> elems;
  std::optional<uint32_t> data_count;
  std::vector<FuncBody> bodies;  // defined functions, parallel to func_types[num_imported_funcs..]
  std::vector<DataSegment> datas;
  std::vector<CustomSection> customs;
  Names names;
  // Offset of the code section's contents, for error locations.
  uint32_t code_section_offset = 0;

  const FuncType& func_type(uint32_t type_index) const { return types[type_index].comp.func; }
  const FuncType& func_sig(uint32_t func_index) const { return func_type(func_types[func_index]); }
  uint32_t num_funcs() const { return static_cast<uint32_t>(func_types.size()); }
  uint32_t num_defined_funcs() const { return static_cast<uint32_t>(bodies.size()); }
  const uint8_t* at(ByteRange r) const { return bytes + r.offset; }
};

}  // namespace kiln::wasm
