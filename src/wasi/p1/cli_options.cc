// wasi/p1/cli_options.cc: parsing of `kiln run`'s WASI options and the WasiCtx they describe.
#include "wasi/p1/cli_options.h"

#include <cstdlib>

#include "runtime/module.h"
#include "wasi/p1/linker.h"

namespace kiln::wasi::p1 {

namespace {

// "--name VALUE" or "--name=VALUE": the value, advancing `i` past a separate one.
std::optional<std::string_view> option_value(std::span<const std::string_view> args, size_t& i,
                                             std::string_view name, bool& matched,
                                             std::string& error) {
  std::string_view a = args[i];
  matched = false;
  if (a == name) {
    matched = true;
    if (i + 1 >= args.size()) {
      error = std::string(name) + " needs a value";
      return std::nullopt;
    }
    return args[++i];
  }
  if (a.size() > name.size() && a.starts_with(name) && a[name.size()] == '=') {
    matched = true;
    return a.substr(name.size() + 1);
  }
  return std::nullopt;
}

bool parse_dir(std::string_view v, CliOptions::Dir& out, std::string& error) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t p = v.find("::", start);
    if (p == std::string_view::npos) {
      parts.push_back(v.substr(start));
      break;
    }
    parts.push_back(v.substr(start, p - start));
    start = p + 2;
  }
  bool ro = false;
  if (parts.size() == 3) {
    if (parts[2] != "ro") {
      error = "--dir: unknown permission '" + std::string(parts[2]) + "' (only 'ro')";
      return false;
    }
    ro = true;
    parts.pop_back();
  }
  if (parts.size() > 2 || parts[0].empty() || (parts.size() == 2 && parts[1].empty())) {
    error = "--dir: expected HOST[::GUEST][::ro], got '" + std::string(v) + "'";
    return false;
  }
  out.host = std::string(parts[0]);
  out.guest = std::string(parts.size() == 2 ? parts[1] : parts[0]);
  out.read_only = ro;
  return true;
}

}  // namespace

CliParse parse_cli_option(std::span<const std::string_view> args, size_t& i, CliOptions& out,
                          std::string& error) {
  bool matched = false;
  if (auto v = option_value(args, i, "--dir", matched, error); matched) {
    if (!v) return CliParse::kError;
    CliOptions::Dir d;
    if (!parse_dir(*v, d, error)) return CliParse::kError;
    out.dirs.push_back(std::move(d));
    return CliParse::kConsumed;
  }
  if (auto v = option_value(args, i, "--env", matched, error); matched) {
    if (!v) return CliParse::kError;
    size_t eq = v->find('=');
    std::string_view name = v->substr(0, eq);
    if (name.empty()) {
      error = "--env: expected NAME=VALUE or NAME";
      return CliParse::kError;
    }
    if (eq == std::string_view::npos) {
      out.env.emplace_back(std::string(name), std::nullopt);
    } else {
      out.env.emplace_back(std::string(name), std::string(v->substr(eq + 1)));
    }
    return CliParse::kConsumed;
  }
  if (auto v = option_value(args, i, "--argv0", matched, error); matched) {
    if (!v) return CliParse::kError;
    out.argv0 = std::string(*v);
    return CliParse::kConsumed;
  }
  return CliParse::kNotWasi;
}

std::string_view cli_usage() {
  return "  --dir HOST[::GUEST][::ro]  grant a host directory to the guest (read-only with ::ro)\n"
         "  --env NAME[=VALUE]         set a guest environment variable (NAME alone: the host's)\n"
         "  --argv0 NAME               the guest's argv[0] (default: the module path)\n";
}

bool imports_preview1(const runtime::Module& module) {
  for (const runtime::ImportType& imp : module.imports()) {
    if (imp.module == kModuleName) return true;
  }
  return false;
}

Expected<std::unique_ptr<WasiCtx>> build_cli_ctx(const CliOptions& opts,
                                                 std::string_view module_path,
                                                 std::span<const std::string> guest_args) {
  WasiCtxBuilder b;
  b.arg(opts.argv0 ? *opts.argv0 : std::string(module_path));
  for (const std::string& a : guest_args) b.arg(a);
  for (const auto& [name, value] : opts.env) {
    if (value) {
      b.env(name, *value);
    } else if (const char* host = std::getenv(name.c_str())) {
      b.env(name, host);
    }
  }
  b.inherit_stdio();
  for (const CliOptions::Dir& d : opts.dirs) b.preopen_dir(d.host, d.guest, d.read_only);
  return b.build();
}

}  // namespace kiln::wasi::p1
