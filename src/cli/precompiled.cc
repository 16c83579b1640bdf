// cli/precompiled.cc: precompiled-module options, the config file and module loading for
// `kiln run` (see precompiled.h).
#include "cli/precompiled.h"

#include <cstdlib>
#include <fstream>

#include "cli/io.h"
#include "runtime/cache.h"
#include "wasm/validator.h"

namespace kiln::cli {

OptionParse parse_precompiled_option(std::span<const std::string_view> args, size_t& i, PrecompiledOptions& opts,
                                     std::string& error) {
  std::string_view a = args[i];
  if (a == "--allow-precompiled") {
    opts.allow_precompiled = true;
    return OptionParse::kConsumed;
  }
  auto value_of = [&](std::string_view flag, std::string_view& value) -> std::optional<bool> {
    if (a == flag) {
      if (i + 1 >= args.size()) {
        error = std::string(flag) + " needs a value";
        return false;
      }
      value = args[++i];
      return true;
    }
    // --flag=VALUE; a short flag also takes its value attached (-Ccache=n).
    if (a.starts_with(flag) && a.size() > flag.size() && (a[flag.size()] == '=' || !flag.starts_with("--"))) {
      value = a.substr(flag.size());
      if (value.front() == '=') value.remove_prefix(1);
      return true;
    }
    return std::nullopt;
  };
  std::string_view v;
  if (auto r = value_of("--config", v)) {
    if (!*r) return OptionParse::kError;
    opts.config_file = std::string(v);
    return OptionParse::kConsumed;
  }
  if (auto r = value_of("-C", v)) {
    if (!*r) return OptionParse::kError;
    if (v == "cache" || v == "cache=y" || v == "cache=yes" || v == "cache=true") {
      opts.cache = true;
    } else if (v == "cache=n" || v == "cache=no" || v == "cache=false") {
      opts.cache = false;
    } else {
      error = "unknown codegen option `-C " + std::string(v) + "` (known: cache=y|n)";
      return OptionParse::kError;
    }
    return OptionParse::kConsumed;
  }
  return OptionParse::kNotMine;
}

Expected<ConfigFile> parse_config(std::string_view text, const std::string& path) {
  ConfigFile cfg;
  std::string section;
  size_t line_no = 0;
  auto fail = [&](const std::string& what) {
    return Error(ErrorKind::kMalformed, path + ":" + std::to_string(line_no) + ": " + what);
  };
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
  };
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    // Strip a comment (a # outside a string).
    bool in_string = false;
    for (size_t k = 0; k < line.size(); ++k) {
      if (line[k] == '\\' && in_string) {
        ++k;
      } else if (line[k] == '"') {
        in_string = !in_string;
      } else if (line[k] == '#' && !in_string) {
        line = line.substr(0, k);
        break;
      }
    }
    line = trim(line);
    if (line.empty()) continue;
    if (line.front() == '[') {
      if (line.back() != ']') return fail("expected `]` to close the section header");
      section = std::string(trim(line.substr(1, line.size() - 2)));
      if (section != "cache") return fail("unknown section [" + section + "] (known: [cache])");
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return fail("expected `key = value` or `[section]`");
    std::string key(trim(line.substr(0, eq)));
    std::string_view value = trim(line.substr(eq + 1));
    if (section.empty()) return fail("setting `" + key + "` outside a section (put it under [cache])");
    if (key != "enabled" && key != "directory") {
      return fail("unknown setting `" + key + "` in [cache] (known: enabled, directory)");
    }
    if (value.empty()) return fail("`" + key + "` has no value");
    std::optional<bool> b;
    std::optional<std::string> s;
    if (value == "true") {
      b = true;
    } else if (value == "false") {
      b = false;
    } else if (value.front() == '"') {
      std::string out;
      size_t k = 1;
      for (; k < value.size() && value[k] != '"'; ++k) {
        if (value[k] == '\\') {
          if (++k >= value.size() || (value[k] != '"' && value[k] != '\\')) {
            return fail("bad escape in string (only \\\" and \\\\ are allowed)");
          }
        }
        out.push_back(value[k]);
      }
      if (k >= value.size()) return fail("unterminated string");
      if (k + 1 != value.size()) return fail("unexpected text after the string");
      s = std::move(out);
    } else {
      return fail("bad value `" + std::string(value) + "` (expected true, false or a \"string\")");
    }
    if (key == "enabled") {
      if (!b) return fail("[cache] enabled must be true or false");
      cfg.cache_enabled = *b;
    } else {  // directory
      if (!s) return fail("[cache] directory must be a \"string\"");
      if (s->empty()) return fail("[cache] directory must not be empty");
      cfg.cache_directory = *s;
    }
  }
  return cfg;
}

Expected<ConfigFile> read_config_file(const std::string& path) {
  Expected<std::vector<uint8_t>> bytes = read_file(path);
  if (!bytes) return Error(ErrorKind::kIo, path + ": " + bytes.error().message());
  return parse_config({reinterpret_cast<const char*>(bytes->data()), bytes->size()}, path);
}

std::string default_config_text() {
  std::string dir = runtime::default_cache_directory();
  return "# Kiln configuration. Use it with `kiln run --config FILE`.\n"
         "# Format: `[section]` headers, `key = value` with value true, false or a \"string\";\n"
         "# `#` starts a comment.\n"
         "\n"
         "[cache]\n"
         "# Keep compiled modules (precompiled artifacts) in the cache directory and reuse them\n"
         "# when the same module is run again with the same Kiln version and settings.\n"
         "# `-C cache=y|n` on the command line overrides this.\n"
         "enabled = true\n"
         "\n"
         "# Where cached modules are kept. Default: $XDG_CACHE_HOME/kiln, else ~/.cache/kiln\n"
         "# (here: " +
         (dir.empty() ? std::string("none: neither variable is set") : dir) +
         "). Entries are safe to share between processes and to delete at any time.\n"
         "# directory = \"/path/to/kiln-cache\"\n";
}

std::string default_config_path() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) return std::string(xdg) + "/kiln/config.toml";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.config/kiln/config.toml";
  return "kiln-config.toml";
}

bool is_precompiled_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 0x7F && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

std::optional<runtime::Module> load_module_for_run(const runtime::Engine& engine, const std::string& path,
                                                   const PrecompiledOptions& opts, std::ostream& err) {
  if (is_precompiled_file(path) || path.ends_with(".cwasm")) {
    if (!opts.allow_precompiled) {
      err << "Error: `" << path
          << "` is a precompiled module; running one runs its native code unchecked, so it must be "
             "trusted: pass --allow-precompiled to run it\n";
      return std::nullopt;
    }
    Expected<runtime::Module> m = runtime::Module::deserialize_file(engine, path);
    if (!m) {
      err << "Error: failed to load precompiled module: " << m.error().message() << "\n";
      return std::nullopt;
    }
    return std::move(*m);
  }

  ConfigFile cfg;
  if (opts.config_file) {
    Expected<ConfigFile> c = read_config_file(*opts.config_file);
    if (!c) {
      err << "Error: config file: " << c.error().message() << "\n";
      return std::nullopt;
    }
    cfg = *c;
  }
  // KILN_VERIFY runs (verify) must compile to check anything.
  bool use_cache = opts.cache.value_or(cfg.cache_enabled) && !engine.config().verify;
  std::string dir = cfg.cache_directory.empty() ? runtime::default_cache_directory() : cfg.cache_directory;

  Expected<std::vector<uint8_t>> source = read_file(path);
  if (!source) {
    err << format_error(path, source.error()) << "\n";
    return std::nullopt;
  }
  const wasm::Features& features = engine.config().features;
  auto compile = [&]() -> Expected<runtime::Module> {
    Expected<LoadedModule> loaded = load_module(path, features);
    if (!loaded) {
      err << format_error(path, loaded.error()) << "\n";
      return loaded.error();
    }
    if (Expected<void> v = wasm::validate(loaded->module, features); !v) {
      err << format_error(path, v.error(), loaded->from_text) << "\n";
      return v.error();
    }
    Expected<runtime::Module> module = runtime::Module::from_validated(engine, std::move(loaded->module));
    if (!module) err << path << ": error: failed to compile: " << module.error().to_string() << "\n";
    return module;
  };
  Expected<runtime::Module> m = Error(ErrorKind::kOther, "");
  if (use_cache && !dir.empty()) {
    runtime::ModuleCache cache(dir);
    runtime::CacheStats stats;
    m = cache.get_or_compile(engine, *source, compile, &stats);
    if (!stats.warning.empty() && std::getenv("KILN_CACHE_DEBUG")) err << "kiln: cache: " << stats.warning << "\n";
    if (std::getenv("KILN_CACHE_DEBUG")) {
      err << "kiln: cache: " << (stats.hit ? "hit " : "miss ") << stats.entry_path << "\n";
    }
  } else {
    m = compile();
  }
  if (!m) return std::nullopt;
  return std::move(*m);
}

}  // namespace kiln::cli
