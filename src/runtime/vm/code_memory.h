// runtime/vm/code_memory.h: CodeMemory, the executable home of a module's compiled functions
// and trampolines. It lays the code out in one mapping, applies relocations while the mapping
// is read-write, then makes it read+execute (W^X: never writable and executable at once) and
// registers its trap table and function ranges with the trap handler.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "environ/compiler.h"
#include "runtime/vm/mmap.h"
#include "runtime/vm/traphandlers.h"
#include "support/error.h"

namespace kiln::runtime::vm {

struct CodeMemoryInput {
  // The module's defined functions, in DefinedFuncIndex order.
  std::span<const environ::CompiledFunction> functions;
  // Added to a DefinedFuncIndex to get the FuncIndex reported in backtraces.
  uint32_t num_imported_funcs = 0;
  // Trampolines (any order; the caller remembers which is which). They may be the targets of
  // no relocation and get no function range, so backtraces stop at them.
  std::span<const environ::CompiledFunction> trampolines;
  // Builtin addresses by BuiltinIndex (builtin_table() in libcalls.h), for kAbs8 relocations.
  const void* const* builtins = nullptr;
  // Reported as BacktraceFrame::owner.
  const void* owner = nullptr;
};

class CodeMemory {
 public:
  // Fails on malformed input (relocation or trap site outside its function, unknown target,
  // out-of-range pc-relative displacement, code over 1 GiB) or when mapping fails.
  static Expected<std::unique_ptr<CodeMemory>> create(const CodeMemoryInput& input);
  ~CodeMemory();
  CodeMemory(const CodeMemory&) = delete;
  CodeMemory& operator=(const CodeMemory&) = delete;

  const void* function(environ::DefinedFuncIndex f) const { return at(func_offsets_[f.index()]); }
  const void* trampoline(size_t i) const { return at(trampoline_offsets_[i]); }
  size_t num_functions() const { return func_offsets_.size(); }
  size_t num_trampolines() const { return trampoline_offsets_.size(); }
  const CodeInfo& info() const { return info_; }
  std::span<const uint8_t> text() const { return {mapping_.data(), text_size_}; }

 private:
  CodeMemory() = default;
  const void* at(uint32_t offset) const { return mapping_.data() + offset; }

  Mmap mapping_;
  uint64_t text_size_ = 0;
  std::vector<uint32_t> func_offsets_;
  std::vector<uint32_t> trampoline_offsets_;
  CodeInfo info_;
  bool registered_ = false;
};

// Makes freshly written code visible to instruction fetch. A no-op on x86-64 (coherent
// caches); the one place to change for AArch64.
void flush_instruction_cache(const void* start, size_t len);

}  // namespace kiln::runtime::vm
