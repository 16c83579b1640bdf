// runtime/cache.h: the compile cache: precompiled artifacts (.cwasm) of compiled modules in a
// directory, keyed by a SHA-256 of the module's bytes, the Kiln version and every setting that
// changes generated code (Settings: ISA, compiler, CPU features, opt level, tunables, Wasm
// features), so a module is compiled once per configuration and later runs only load it.
//
// Safe to share between threads and processes: an entry is written to a unique temporary file
// in the cache directory and renamed into place (rename is atomic), so a reader sees a whole
// entry or none. An entry that fails to load (corrupted: the artifact checksum, truncated,
// another Kiln version) is recompiled and replaced. Cache failures (unwritable directory, full
// disk) never fail a compilation; they are reported in CacheStats.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "runtime/module.h"
#include "support/error.h"

namespace kiln::runtime {

// $XDG_CACHE_HOME/kiln, else $HOME/.cache/kiln; empty if neither variable is set.
std::string default_cache_directory();

struct CacheStats {
  bool hit = false;           // the module was loaded from the cache
  bool replaced_bad = false;  // an entry existed but failed to load and was recompiled
  bool stored = false;        // a new entry was written
  std::string warning;        // why the cache could not be used or written, if it could not
  std::string entry_path;
};

class ModuleCache {
 public:
  explicit ModuleCache(std::string directory) : dir_(std::move(directory)) {}
  const std::string& directory() const { return dir_; }

  // The entry file for `key_bytes` (the module source as given: a binary or a text module) and
  // the engine's settings.
  Expected<std::string> entry_path(const Engine& engine, std::span<const uint8_t> key_bytes) const;

  // Loads the cached module for `key_bytes`, or calls `compile` and stores its result.
  Expected<Module> get_or_compile(const Engine& engine, std::span<const uint8_t> key_bytes,
                                  const std::function<Expected<Module>()>& compile, CacheStats* stats = nullptr) const;

 private:
  std::string dir_;
};

// SHA-256 (FIPS 180-4).
std::array<uint8_t, 32> sha256(std::span<const uint8_t> data);
std::string to_hex(std::span<const uint8_t> bytes);

}  // namespace kiln::runtime
