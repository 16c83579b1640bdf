// wasi/p1/cli_options.h: the WASI options of `kiln run` (Wasmtime's spelling): --dir, --env,
// --argv0, and building a WasiCtx from them, so the CLI only forwards arguments.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "support/error.h"
#include "wasi/p1/ctx.h"

namespace kiln::runtime {
class Module;
}

namespace kiln::wasi::p1 {

struct CliOptions {
  struct Dir {
    std::string host;
    std::string guest;
    bool read_only = false;
  };
  std::vector<Dir> dirs;
  // NAME=VALUE, or NAME alone: the host's value of NAME (left out when the host has none).
  std::vector<std::pair<std::string, std::optional<std::string>>> env;
  std::optional<std::string> argv0;
};

enum class CliParse : uint8_t { kNotWasi, kConsumed, kError };

// Tries the option at args[i]:
//   --dir HOST[::GUEST][::ro]  (also --dir=...): grant HOST as GUEST (default: HOST as given);
//                              a trailing "::ro" makes it read-only
//   --env NAME=VAL | --env NAME (also --env=...)
//   --argv0 NAME (also --argv0=...): the guest's argv[0] instead of the module path
// On kConsumed `i` is left on the last argument used; on kError `error` says why.
CliParse parse_cli_option(std::span<const std::string_view> args, size_t& i, CliOptions& out,
                          std::string& error);

// Usage lines for the options above.
std::string_view cli_usage();

// Whether `module` imports anything from wasi_snapshot_preview1.
bool imports_preview1(const runtime::Module& module);

// The guest's context: argv = [argv0 or module_path, guest_args...], exactly the --env
// variables, the --dir preopens (fd 3, 4, ... in order), and the host's stdio.
Expected<std::unique_ptr<WasiCtx>> build_cli_ctx(const CliOptions& opts,
                                                 std::string_view module_path,
                                                 std::span<const std::string> guest_args);

}  // namespace kiln::wasi::p1
