// runtime/module.h: Module, a compiled WebAssembly module: decoded, validated, every function
// compiled through the engine's Compiler and loaded into executable memory with its trap
// table registered. Immutable and shareable across threads and stores; copies are handles.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "environ/vmoffsets.h"
#include "runtime/engine.h"
#include "support/error.h"
#include "wasm/module.h"

namespace kiln::runtime {

// The type of an import or export.
struct ExternType {
  wasm::ExternKind kind = wasm::ExternKind::kFunc;
  wasm::FuncType func;      // kFunc
  wasm::TableType table;    // kTable
  wasm::MemoryType memory;  // kMemory
  wasm::GlobalType global;  // kGlobal
  wasm::FuncType tag;       // kTag: the tag's parameters
};

struct ImportType {
  std::string module;
  std::string name;
  ExternType type;
};

struct ExportType {
  std::string name;
  ExternType type;
};

class Module {
 public:
  // Decodes, validates and compiles a binary module.
  static Expected<Module> from_binary(const Engine& engine, std::vector<uint8_t> bytes);
  // (Text modules are parsed to binary by the caller: wat::parse_module.)
  // Compiles a module the caller decoded and validated with the engine's features.
  static Expected<Module> from_validated(const Engine& engine, wasm::Module module);

  const Engine& engine() const;
  const wasm::Module& wasm() const;
  const environ::VMOffsets& offsets() const;
  // Canonical id per type index.
  const std::vector<uint32_t>& type_ids() const;
  // wasm_call entry of each defined function.
  std::span<const void* const> function_code() const;

  std::vector<ImportType> imports() const;
  std::vector<ExportType> exports() const;
  std::optional<ExportType> get_export(std::string_view name) const;
  // The type of an import or export of the given kind and module-wide index.
  ExternType extern_type(wasm::ExternKind kind, uint32_t index) const;

  // The name-section name of a function, if any.
  std::optional<std::string> func_name(uint32_t func_index) const;

  // Whether a compile error means "the native compiler does not implement this proposal yet"
  // (as opposed to a bug or a bad module).
  static bool is_unsupported(const Error& e);

  struct Inner;
  const Inner* inner() const { return inner_.get(); }

 private:
  std::shared_ptr<const Inner> inner_;
};

}  // namespace kiln::runtime
