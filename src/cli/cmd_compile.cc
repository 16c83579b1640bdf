// cli/cmd_compile.cc: `kiln compile`: compile a module ahead of time to a precompiled artifact
// (.cwasm, runtime/artifact.h) that `kiln run --allow-precompiled` and Module::deserialize_file
// load without compiling. `--bench` prints the compile time for bench/run.py.
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "cli/command.h"
#include "cli/io.h"
#include "cli/wasm_options.h"
#include "runtime/module.h"
#include "wasm/validator.h"

namespace kiln::cli {
namespace {

constexpr std::string_view kUsage =
    "usage: kiln compile [-O0|-O2|-Os] [-O inlining=y|n] [-j N] [--target-features=SPEC] [-W KEY=VALUE] [--bench] "
    "FILE.wasm|FILE.wat [-o OUT.cwasm]\n"
    "  -W takes the options of `kiln run` (see its --help); those that change the code (fuel,\n"
    "  epoch-interruption, timeout) must match the run that loads the artifact.\n";

std::string default_output(const std::string& input) {
  for (std::string_view ext : {".wasm", ".wat"}) {
    if (input.ends_with(ext)) return input.substr(0, input.size() - ext.size()) + ".cwasm";
  }
  return input + ".cwasm";
}

}  // namespace

int run_compile(const CommandContext& ctx) {
  std::optional<std::string> input, output;
  runtime::Config config;
  // Debugging, as for `kiln run`: the IR verifier after every pass and the register
  // allocator's checker (the code is the same; it only fails loudly if a pass is wrong).
  config.verify = std::getenv("KILN_VERIFY") != nullptr;
  unsigned threads = 0;
  bool bench = false;
  WasmOptions wasm;
  for (size_t i = 0; i < ctx.args.size(); ++i) {
    std::string_view a = ctx.args[i];
    auto next = [&]() -> std::optional<std::string_view> {
      if (i + 1 >= ctx.args.size()) return std::nullopt;
      return ctx.args[++i];
    };
    if (a == "-o") {
      auto v = next();
      if (!v || output) {
        ctx.err << kUsage;
        return kExitUsage;
      }
      output = std::string(*v);
    } else if (a == "-O" || (a.starts_with("-O") && a.size() > 2)) {
      std::optional<std::string_view> v = a == "-O" ? next() : std::optional(a.substr(2));
      if (!v || !parse_optimize_option(*v, config.opt_level, config.inlining)) {
        ctx.err << "kiln compile: bad -O option (use -O0, -O2, -Os or -O inlining=y|n)\n";
        return kExitUsage;
      }
    } else if (a == "-j" || a == "--threads" || a.starts_with("-j") || a.starts_with("--threads=")) {
      std::optional<std::string_view> v;
      if (a == "-j" || a == "--threads") v = next();
      else v = a.starts_with("-j") ? a.substr(2) : a.substr(10);
      unsigned n = 0;
      if (!v || std::from_chars(v->data(), v->data() + v->size(), n).ptr != v->data() + v->size() || n == 0) {
        ctx.err << "kiln compile: -j needs a thread count of at least 1\n";
        return kExitUsage;
      }
      threads = n;
    } else if (a.starts_with("--target-features=")) {
      config.target_features = std::string(a.substr(18));
    } else if (a.starts_with("-W")) {
      std::string_view spec = a.substr(2);
      if (spec.empty()) {
        auto v = next();
        if (!v) {
          ctx.err << kUsage;
          return kExitUsage;
        }
        spec = *v;
      }
      if (Expected<void> r = parse_wasm_option(spec, wasm); !r) {
        ctx.err << "kiln compile: " << r.error().message() << "\n";
        return kExitUsage;
      }
    } else if (a == "--bench") {
      bench = true;
    } else if (a.size() > 1 && a.front() == '-') {
      ctx.err << "kiln compile: unknown option '" << a << "'\n" << kUsage;
      return kExitUsage;
    } else if (input) {
      ctx.err << "kiln compile: only one input file may be given\n";
      return kExitUsage;
    } else {
      input = std::string(a);
    }
  }
  if (!input) {
    ctx.err << kUsage;
    return kExitUsage;
  }
  if (!output) output = default_output(*input);
  if (Expected<void> r = apply_wasm_options(wasm, config); !r) {
    ctx.err << "kiln compile: " << r.error().message() << "\n";
    return kExitUsage;
  }

  runtime::Engine engine(config);
  const wasm::Features& features = engine.config().features;
  Expected<LoadedModule> loaded = load_module(*input, features);
  if (!loaded) {
    ctx.err << format_error(*input, loaded.error()) << "\n";
    return kExitFailure;
  }
  // Timed: validation and compilation (file I/O and serialization excluded).
  auto start = std::chrono::steady_clock::now();
  if (Expected<void> v = wasm::validate(loaded->module, features); !v) {
    ctx.err << format_error(*input, v.error(), loaded->from_text) << "\n";
    return kExitFailure;
  }
  Expected<runtime::Module> module = runtime::Module::from_validated(engine, std::move(loaded->module), threads);
  auto end = std::chrono::steady_clock::now();
  if (!module) {
    ctx.err << *input << ": error: failed to compile: " << module.error().to_string() << "\n";
    return kExitFailure;
  }
  Expected<std::vector<uint8_t>> bytes = module->serialize();
  if (!bytes) {
    ctx.err << *input << ": error: " << bytes.error().message() << "\n";
    return kExitFailure;
  }
  if (Expected<void> w = write_file(*output, *bytes); !w) {
    ctx.err << format_error(*output, w.error()) << "\n";
    return kExitFailure;
  }
  if (bench) {
    char line[80];
    std::snprintf(line, sizeof line, "KILN_BENCH compile %.9f", std::chrono::duration<double>(end - start).count());
    ctx.err << line << "\n";
  }
  return kExitOk;
}

}  // namespace kiln::cli
