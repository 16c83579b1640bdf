// cli/precompiled.h: what `kiln run` and `kiln compile` share about precompiled modules: the
// options (-C cache=y|n, --config FILE, --allow-precompiled), the config file, and loading a
// module for running: a .cwasm artifact (only with --allow-precompiled), or a .wasm/.wat
// compiled through the compile cache.
//
// Config file format (`kiln config new` writes a documented one): UTF-8 text, one setting per
// line, `#` starts a comment, `[section]` headers, `key = value` where value is true, false or
// a double-quoted string (\" and \\ escapes). Known settings:
//   [cache]
//   enabled = true|false       use the compile cache (-C cache=y|n overrides)
//   directory = "PATH"         cache directory (default $XDG_CACHE_HOME/kiln or ~/.cache/kiln)
// Anything else is an error naming the line.
#pragma once

#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "runtime/engine.h"
#include "runtime/module.h"
#include "support/error.h"

namespace kiln::cli {

struct PrecompiledOptions {
  bool allow_precompiled = false;
  std::optional<bool> cache;               // -C cache=y|n
  std::optional<std::string> config_file;  // --config FILE
};

enum class OptionParse { kConsumed, kNotMine, kError };

// Parses the option at args[i] (advancing i past a separate value) if it is one of ours.
OptionParse parse_precompiled_option(std::span<const std::string_view> args, size_t& i, PrecompiledOptions& opts,
                                     std::string& error);

struct ConfigFile {
  bool cache_enabled = true;
  std::string cache_directory;  // empty: default_cache_directory()
};

Expected<ConfigFile> parse_config(std::string_view text, const std::string& path);
Expected<ConfigFile> read_config_file(const std::string& path);
// The text `kiln config new` writes: every setting, documented, at its default.
std::string default_config_text();
// $XDG_CONFIG_HOME/kiln/config.toml, else ~/.config/kiln/config.toml.
std::string default_config_path();

// Whether `path` holds a precompiled artifact (ELF magic), by content.
bool is_precompiled_file(const std::string& path);

// Loads FILE for running: an artifact needs opts.allow_precompiled; a .wasm/.wat is validated
// and compiled, through the compile cache unless it is off. Errors are printed to `err`.
std::optional<runtime::Module> load_module_for_run(const runtime::Engine& engine, const std::string& path,
                                                   const PrecompiledOptions& opts, std::ostream& err);

}  // namespace kiln::cli
