// runtime/artifact.h: the precompiled module format (.cwasm), written by Module::serialize and
// read by Module::deserialize{,_file}.
//
// An artifact is an ELF64 little-endian file (ET_REL, e_machine of the target ISA, no program
// headers) that standard tools can inspect (readelf -S, objdump -d: .text with one FUNC symbol
// per defined function). Its sections:
//
//   .kiln.header   magic "KILNCWSM", format version, checksum, Kiln version, target ISA,
//                  compiler name, resolved CPU features, and every setting that changes the
//                  generated code: opt level, Tunables, Wasm features
//   .text          the laid-out code of the defined functions (page aligned in the file, so it
//                  is mapped read+execute straight from the file). Calls between the module's
//                  functions are pc-relative and already resolved
//   .kiln.funcs    per defined function: u32 text offset, u32 size
//   .kiln.traps    trap table: u32 text offset, u32 trap code; strictly ascending
//   .kiln.relocs   load relocations (sites whose value depends on load addresses; zero in the
//                  text): u32 offset, u8 kind, u8 target kind, u16 0, u32 target index, u32 0,
//                  i64 addend
//   .kiln.wasm     the module's binary with every function body replaced by an empty one
//                  (the code is precompiled; all other sections, custom ones included, are kept
//                  as they were): its metadata (types, imports, exports, globals, tables,
//                  element and data segments, names) is re-derived by decoding it at load time,
//                  then validated except for the bodies (they were validated when compiled; the
//                  checksum covers the file). No function is compiled. Decoding metadata is
//                  linear in its size and cheap next to compiling, and data segment contents
//                  are byte ranges of this binary anyway
//   .symtab, .strtab, .shstrtab
//
// The checksum (a 64-bit hash of every byte of the file except the checksum field itself)
// makes any corruption, in code bytes as much as in metadata, a load error. It protects against
// damage, not against an attacker: an artifact is trusted native code (kiln run refuses one
// without --allow-precompiled).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "environ/compiler.h"
#include "runtime/vm/code_memory.h"
#include "runtime/vm/traphandlers.h"
#include "support/error.h"
#include "wasm/features.h"

namespace kiln::runtime::artifact {

inline constexpr char kMagic[8] = {'K', 'I', 'L', 'N', 'C', 'W', 'S', 'M'};
inline constexpr uint32_t kFormatVersion = 1;

// Everything that must match between the compiling and the loading engine.
struct Settings {
  std::string kiln_version;
  std::string isa;           // "x86_64"
  std::string compiler;      // environ::Compiler::name()
  std::string cpu_features;  // resolved, canonical ("sse4.1,ssse3,avx")
  environ::OptLevel opt_level = environ::OptLevel::kSpeed;
  environ::Tunables tunables;
  wasm::Features features;
};

// The parsed contents of an artifact. Spans point into the bytes given to parse().
struct Contents {
  Settings settings;
  std::span<const uint8_t> text;
  uint64_t text_offset = 0;  // of .text in the file, page aligned
  std::vector<uint32_t> func_offsets;
  std::vector<uint32_t> func_sizes;
  std::vector<vm::TrapTableEntry> traps;
  std::vector<vm::InlineFrameEntry> inline_frames;
  std::vector<vm::LoadRelocation> relocations;
  std::span<const uint8_t> wasm;
};

// What write() needs besides Contents' fields: function names for the symbol table.
struct WriteInput {
  const Settings* settings = nullptr;
  std::span<const uint8_t> text;
  std::span<const uint32_t> func_offsets;
  std::span<const uint32_t> func_sizes;
  std::span<const vm::TrapTableEntry> traps;
  std::span<const vm::InlineFrameEntry> inline_frames;
  std::span<const vm::LoadRelocation> relocations;
  std::span<const uint8_t> wasm;
  std::vector<std::string> func_symbols;  // one per defined function
};

std::vector<uint8_t> write(const WriteInput& in);

// Checks the ELF structure, the header (magic, format and Kiln version) and the checksum, and
// parses every section with bounds checks. Never reads outside `bytes`. The Kiln version must
// be this build's (build_version()) unless `any_build` (inspection tools such as objdump,
// which never run the code).
Expected<Contents> parse(std::span<const uint8_t> bytes, bool any_build = false);

// Every field of `s` as text ("name value" lines), e.g. for cache keys.
std::string describe(const Settings& s);

// The settings the engine compiles with (Config + compiler + host-resolved CPU features).
Expected<Settings> engine_settings(const environ::Compiler& compiler, const environ::CompilerOptions& options,
                                   const wasm::Features& features);

// Whether code compiled with `artifact` may be loaded by an engine with `engine` settings on this
// host: the same ISA, compiler, CPU features (all present on this CPU), opt level, tunables and
// Wasm features. The error names the first difference.
Expected<void> check_compatible(const Settings& artifact, const Settings& engine);

// The artifact checksum's hash (64-bit, not cryptographic).
uint64_t hash64(std::span<const uint8_t> bytes, uint64_t seed = 0);

// Layout facts for tests and tools.
inline constexpr uint64_t kElfHeaderSize = 64;
// The checksum field: 8 bytes at this offset of the file (.kiln.header starts right after the
// ELF header; the field follows the magic and the format version).
inline constexpr uint64_t kChecksumOffset = kElfHeaderSize + 12;

// Whether bytes look like an artifact (ELF magic and a .kiln.header where we put it), for
// callers that pick a loader by content.
bool looks_like_artifact(std::span<const uint8_t> bytes);

}  // namespace kiln::runtime::artifact
