// runtime/vm/code_memory.h: CodeMemory, the executable home of a module's compiled functions
// and trampolines. It lays the code out in one mapping, applies relocations while the mapping
// is read-write, then makes it read+execute (W^X: never writable and executable at once) and
// registers its trap table and function ranges with the trap handler.
//
// A CodeMemory can also be loaded from a precompiled image (CodeImage: the laid-out text of a
// .cwasm artifact), either copied into fresh memory or mapped straight from the artifact file.
// Calls and address-taking between a module's own functions are pc-relative and already
// resolved in the image; only sites whose value depends on where the code or the host binary
// is loaded ("load relocations": absolute addresses, and pc-relative references to builtins)
// are patched at load time. Kiln's x64 backend emits none for modules today (builtins are
// reached through the VMContext), so artifact code pages are mapped read+execute from the file
// with no copy; when an image does have load relocations, the text is mapped as a private
// copy-on-write mapping, patched while read-write (copying only the patched pages), then made
// read+execute. A file that cannot be mapped executable (a noexec mount) is copied instead.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "environ/compiler.h"
#include "runtime/vm/mapped_file.h"
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

// A relocation whose value depends on the load address of the code or of the host binary,
// with its site as an offset into the text.
struct LoadRelocation {
  uint32_t offset = 0;
  environ::RelocKind kind = environ::RelocKind::kAbs8;
  environ::RelocTarget target;
  int64_t addend = 0;
  bool operator==(const LoadRelocation&) const = default;
};

// A laid-out module text to load (no trampolines).
struct CodeImage {
  // The text. When `file` is set it must be the bytes of [file_offset, file_offset +
  // text.size()) of that file, which is then mapped rather than copied.
  std::span<const uint8_t> text;
  const MappedFile* file = nullptr;
  uint64_t file_offset = 0;  // page aligned
  // Per defined function: its start in the text and its size; ascending and disjoint.
  std::span<const uint32_t> func_offsets;
  std::span<const uint32_t> func_sizes;
  // Trap sites, text offsets, strictly ascending.
  std::span<const TrapTableEntry> traps;
  // Inlined-code frames, text offsets, ascending by (offset, call), no duplicates.
  std::span<const InlineFrameEntry> inline_frames;
  std::span<const LoadRelocation> relocations;
  uint32_t num_imported_funcs = 0;
  uint32_t num_funcs = 0;  // imported + defined: bounds the inlined frames' functions
  const void* const* builtins = nullptr;
  const void* owner = nullptr;
};

class CodeMemory {
 public:
  // Fails on malformed input (relocation or trap site outside its function, unknown target,
  // out-of-range pc-relative displacement, code over 1 GiB) or when mapping fails.
  static Expected<std::unique_ptr<CodeMemory>> create(const CodeMemoryInput& input);
  // Loads a precompiled image. Every offset and size is checked against the text (a bad image
  // is an error, never an out-of-bounds access).
  static Expected<std::unique_ptr<CodeMemory>> load(const CodeImage& image);
  ~CodeMemory();
  CodeMemory(const CodeMemory&) = delete;
  CodeMemory& operator=(const CodeMemory&) = delete;

  const void* function(environ::DefinedFuncIndex f) const { return at(func_offsets_[f.index()]); }
  const void* trampoline(size_t i) const { return at(trampoline_offsets_[i]); }
  size_t num_functions() const { return func_offsets_.size(); }
  size_t num_trampolines() const { return trampoline_offsets_.size(); }
  const CodeInfo& info() const { return info_; }
  std::span<const uint8_t> text() const { return {base_, text_size_}; }

  // For serialization: function layout, load relocations, and the text with every load
  // relocation site zeroed (so it does not depend on where anything was loaded).
  std::span<const uint32_t> func_offsets() const { return func_offsets_; }
  std::span<const uint32_t> func_sizes() const { return func_sizes_; }
  std::span<const LoadRelocation> load_relocations() const { return load_relocations_; }
  std::vector<uint8_t> relocatable_text() const;
  // Whether the code is mapped from a file (as opposed to copied into anonymous memory).
  bool file_backed() const { return file_mapping_.data() != nullptr; }

 private:
  CodeMemory() = default;
  const void* at(uint32_t offset) const { return base_ + offset; }
  void publish(uint64_t text_size);

  Mmap mapping_;
  FileCode file_mapping_;
  uint8_t* base_ = nullptr;
  uint64_t text_size_ = 0;
  std::vector<uint32_t> func_offsets_;
  std::vector<uint32_t> func_sizes_;
  std::vector<uint32_t> trampoline_offsets_;
  std::vector<LoadRelocation> load_relocations_;
  CodeInfo info_;
  bool registered_ = false;
};

// Makes freshly written code visible to instruction fetch. A no-op on x86-64 (coherent
// caches); the one place to change for AArch64.
void flush_instruction_cache(const void* start, size_t len);

}  // namespace kiln::runtime::vm
