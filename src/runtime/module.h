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

namespace vm {
struct ModuleMemoryImages;
}

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
  // `compile_threads`: worker threads for compiling its functions; 0 follows
  // Config::parallel_compilation (all hardware threads, or 1). The code is the same for any
  // thread count.
  static Expected<Module> from_validated(const Engine& engine, wasm::Module module,
                                         unsigned compile_threads = 0);

  // Precompiled artifacts (.cwasm, the format in runtime/artifact.h). An artifact is trusted
  // native code: load only files this program or its operator produced.
  //
  // The artifact of this module: its code, trap table, function table, the module binary (its
  // metadata is re-derived by decoding it at load time, no compilation) and the settings it
  // was compiled with. Deterministic: the same module and settings give the same bytes.
  Expected<std::vector<uint8_t>> serialize() const;
  // Loads an artifact from memory (the code is copied into fresh executable memory). Fails,
  // naming what differs, if it was compiled by another Kiln version, for another ISA, for CPU
  // features this host lacks, or with settings (opt level, tunables, Wasm features, target
  // features) other than `engine`'s; fails if it is truncated or corrupted (checksum).
  static Expected<Module> deserialize(const Engine& engine, std::span<const uint8_t> bytes);
  // The same from a file, which is mapped: the code pages are mapped read+execute directly from
  // the file (no copy), the rest is parsed in place.
  static Expected<Module> deserialize_file(const Engine& engine, const std::string& path);
  // Whether this module's code is mapped from an artifact file.
  bool code_is_file_backed() const;
  // The start of each defined function in the module's code and its size in bytes.
  std::span<const uint32_t> code_function_offsets() const;
  std::span<const uint32_t> code_function_sizes() const;
  // The module's code as loaded (for disassembly).
  std::span<const uint8_t> code_text() const;

  const Engine& engine() const;
  const wasm::Module& wasm() const;
  const environ::VMOffsets& offsets() const;
  // Canonical id per type index.
  const std::vector<uint32_t>& type_ids() const;
  // wasm_call entry of each defined function.
  std::span<const void* const> function_code() const;
  // The copy-on-write images of the defined memories (null: none, every segment is copied at
  // instantiation). Built once, when the module is loaded; thread-safe.
  const vm::ModuleMemoryImages* memory_images() const;

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
