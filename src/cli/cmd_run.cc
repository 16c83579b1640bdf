// cli/cmd_run.cc: `kiln run`: compile a module, instantiate it, and call an export with
// arguments parsed from the command line (Wasmtime's `run --invoke`), printing its results
// one per line; `--bench=REPS` times repeated calls for bench/run.py.
#include <cstdlib>
#include <charconv>
#include <array>
#include <chrono>
#include <ctime>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/command.h"
#include "cli/io.h"
#include "cli/precompiled.h"
#include "cli/wasm_options.h"
#include "runtime/linker.h"
#include "runtime/module.h"
#include "runtime/store.h"
#include "wasi/p1/cli_options.h"
#include "wasi/p1/linker.h"
#include "wasm/validator.h"

namespace kiln::cli {
namespace {

// Wasmtime reports a trap with the exit status of an abort (128 + SIGABRT).
constexpr int kExitTrap = 134;

struct RunArgs {
  std::string file;
  std::optional<std::string> invoke;
  std::vector<std::string> args;
  environ::OptLevel opt_level = environ::OptLevel::kSpeed;
  bool inlining = true;  // -O inlining=y|n
  uint64_t bench_reps = 0;
  // --bench-hooks: host functions bench.start/bench.end that time the region between them.
  bool bench_hooks = false;
  // --profile=perfmap: write /tmp/perf-PID.map for `perf report` (Config::profiling).
  bool perfmap = false;
  bool help = false;
  // --preload NAME=FILE, in command-line order.
  std::vector<std::pair<std::string, std::string>> preloads;
  std::string target_features;
  PrecompiledOptions precompiled;  // --allow-precompiled, -C cache=y|n, --config FILE
  wasi::p1::CliOptions wasi;  // --dir, --env, --argv0
  WasmOptions wasm;           // -W KEY=VALUE: execution limits
};

std::optional<RunArgs> parse_args(const CommandContext& ctx) {
  RunArgs a;
  size_t i = 0;
  for (; i < ctx.args.size(); ++i) {
    std::string_view arg = ctx.args[i];
    if (!arg.starts_with("-") || arg == "-") break;
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg == "--invoke" && i + 1 < ctx.args.size()) {
      a.invoke = std::string(ctx.args[++i]);
    } else if (arg.starts_with("--invoke=")) {
      a.invoke = std::string(arg.substr(9));
    } else if (arg == "-O" && i + 1 < ctx.args.size()) {
      if (!parse_optimize_option(ctx.args[++i], a.opt_level, a.inlining)) return std::nullopt;
    } else if (arg.starts_with("-O") && arg.size() > 2) {
      if (!parse_optimize_option(arg.substr(2), a.opt_level, a.inlining)) return std::nullopt;
    } else if (arg.starts_with("--target-features=")) {
      a.target_features = std::string(arg.substr(18));
    } else if (arg == "--help" || arg == "-h") {
      a.help = true;
      return a;
    } else if (arg == "--preload" || arg.starts_with("--preload=")) {
      std::string_view spec;
      if (arg == "--preload") {
        if (i + 1 >= ctx.args.size()) {
          ctx.err << "Error: --preload needs NAME=FILE\n";
          return std::nullopt;
        }
        spec = ctx.args[++i];
      } else {
        spec = arg.substr(10);
      }
      size_t eq = spec.find('=');
      if (eq == std::string_view::npos || eq == 0 || eq + 1 == spec.size()) {
        ctx.err << "Error: --preload `" << spec << "`: expected NAME=FILE\n";
        return std::nullopt;
      }
      a.preloads.emplace_back(std::string(spec.substr(0, eq)), std::string(spec.substr(eq + 1)));
    } else if (arg.starts_with("-W")) {
      std::string_view spec = arg.substr(2);
      if (spec.empty() && i + 1 < ctx.args.size()) spec = ctx.args[++i];
      if (Expected<void> r = parse_wasm_option(spec, a.wasm); !r) {
        ctx.err << "Error: " << r.error().message() << "\n";
        return std::nullopt;
      }
    } else if (arg == "--bench-hooks") {
      a.bench_hooks = true;
    } else if (arg == "--profile" || arg.starts_with("--profile=")) {
      std::string_view what;
      if (arg == "--profile") {
        if (i + 1 >= ctx.args.size()) {
          ctx.err << "Error: --profile needs a strategy (perfmap)\n";
          return std::nullopt;
        }
        what = ctx.args[++i];
      } else {
        what = arg.substr(10);
      }
      if (what != "perfmap") {
        ctx.err << "Error: --profile `" << what << "`: the supported strategy is perfmap\n";
        return std::nullopt;
      }
      a.perfmap = true;
    } else if (arg.starts_with("--bench=")) {
      std::string_view n = arg.substr(8);
      auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), a.bench_reps);
      if (ec != std::errc() || p != n.data() + n.size() || a.bench_reps == 0) return std::nullopt;
    } else if (std::string perr; parse_precompiled_option(ctx.args, i, a.precompiled, perr) != OptionParse::kNotMine) {
      if (!perr.empty()) {
        ctx.err << "Error: " << perr << "\n";
        return std::nullopt;
      }
    } else {
      std::string error;
      wasi::p1::CliParse p = wasi::p1::parse_cli_option(ctx.args, i, a.wasi, error);
      if (p == wasi::p1::CliParse::kError) ctx.err << "Error: " << error << "\n";
      if (p == wasi::p1::CliParse::kNotWasi) ctx.err << "Error: unknown option `" << arg << "`\n";
      if (p != wasi::p1::CliParse::kConsumed) return std::nullopt;
    }
  }
  if (i >= ctx.args.size()) return std::nullopt;
  a.file = std::string(ctx.args[i++]);
  for (; i < ctx.args.size(); ++i) a.args.emplace_back(ctx.args[i]);
  return a;
}

// Integers: decimal (optionally negative) or 0x hex; the bit pattern is kept modulo 2^bits.
std::optional<uint64_t> parse_int(std::string_view s, unsigned bits) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.starts_with("0x") || s.starts_with("0X")) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  if (bits == 32) {
    // Accept the signed and unsigned ranges of i32.
    if (neg ? v > 0x80000000ull : v > 0xFFFFFFFFull) return std::nullopt;
  }
  if (neg) v = ~v + 1;
  return bits == 32 ? (v & 0xFFFFFFFFull) : v;
}

std::optional<double> parse_float(std::string_view s) {
  std::string t(s);
  if (t == "nan" || t == "NaN" || t == "+nan") return std::nan("");
  if (t == "-nan") return -std::nan("");
  if (t == "inf" || t == "+inf") return INFINITY;
  if (t == "-inf") return -INFINITY;
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return d;
}

std::optional<runtime::Val> parse_val(std::string_view s, const wasm::ValType& t) {
  switch (t.kind) {
    case wasm::ValKind::kI32:
      if (auto v = parse_int(s, 32)) return runtime::Val::i32(static_cast<int32_t>(static_cast<uint32_t>(*v)));
      return std::nullopt;
    case wasm::ValKind::kI64:
      if (auto v = parse_int(s, 64)) return runtime::Val::i64(static_cast<int64_t>(*v));
      return std::nullopt;
    case wasm::ValKind::kF32:
      if (auto v = parse_float(s)) return runtime::Val::f32(static_cast<float>(*v));
      return std::nullopt;
    case wasm::ValKind::kF64:
      if (auto v = parse_float(s)) return runtime::Val::f64(*v);
      return std::nullopt;
    case wasm::ValKind::kV128: {
      // The 128-bit value in hex, as results print: "0x" and 1-32 digits, most significant
      // first (lane 0 is the low end).
      if (s.size() < 3 || s.size() > 34 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return std::nullopt;
      std::array<uint8_t, 16> bytes{};
      size_t digit = 0;  // from the least significant end
      for (size_t i = s.size(); i-- > 2; ++digit) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return std::nullopt;
        bytes[digit / 2] |= static_cast<uint8_t>(d << (4 * (digit % 2)));
      }
      return runtime::Val::v128(bytes);
    }
    default:
      return std::nullopt;
  }
}

std::string format_float(double d, bool is_f32) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  char buf[64];
  // Shortest text that reads back as the same value.
  auto r = is_f32 ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(d))
                  : std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

std::string format_val(const runtime::Val& v) {
  switch (v.type().kind) {
    case wasm::ValKind::kI32:
      return std::to_string(v.i32());
    case wasm::ValKind::kI64:
      return std::to_string(v.i64());
    case wasm::ValKind::kF32:
      return format_float(v.f32(), true);
    case wasm::ValKind::kF64:
      return format_float(v.f64(), false);
    case wasm::ValKind::kV128: {
      std::string s = "0x";
      char b[4];
      for (int i = 15; i >= 0; --i) {
        std::snprintf(b, sizeof b, "%02x", v.v128()[i]);
        s += b;
      }
      return s;
    }
    default:
      return v.is_null_ref() ? "null" : "ref";
  }
}

using Clock = std::chrono::steady_clock;

void print_phase(std::ostream& err, const char* phase, Clock::duration d) {
  char line[80];
  std::snprintf(line, sizeof line, "KILN_BENCH %s %.9f", phase, std::chrono::duration<double>(d).count());
  err << line << "\n";
}

// Loads a module file: a precompiled .cwasm (with --allow-precompiled), or a binary or text
// module, validated and compiled (through the compile cache unless -C cache=n); on failure
// prints the error and returns nullopt.
std::optional<runtime::Module> compile_file(const runtime::Engine& engine, const std::string& path,
                                            const PrecompiledOptions& opts, std::ostream& err) {
  return load_module_for_run(engine, path, opts, err);
}

// The Sightglass protocol's `bench` imports as host functions (--bench-hooks): bench.start and
// bench.end record the time around the measured region, which is reported once the guest is
// done as 'KILN_BENCH execute SECONDS'. Each must be called exactly once, start first.
class BenchHooks {
 public:
  Expected<void> define(runtime::Linker& linker, runtime::Store& store) {
    wasm::FuncType unit;
    KILN_TRY(linker.func_new(store, "bench", "start", unit,
                             [this](runtime::Caller&, std::span<const runtime::Val>,
                                    std::span<runtime::Val>) -> Expected<void> {
                               Clock::time_point now = Clock::now();
                               if (start_) return Error(ErrorKind::kOther, "bench.start called twice");
                               start_ = now;
                               return {};
                             }));
    return linker.func_new(store, "bench", "end", unit,
                           [this](runtime::Caller&, std::span<const runtime::Val>,
                                  std::span<runtime::Val>) -> Expected<void> {
                             Clock::time_point now = Clock::now();
                             if (!start_) return Error(ErrorKind::kOther, "bench.end called before bench.start");
                             if (end_) return Error(ErrorKind::kOther, "bench.end called twice");
                             end_ = now;
                             return {};
                           });
  }
  // Prints the execute phase if the guest completed the measured region.
  void report(std::ostream& err) const {
    if (start_ && end_) print_phase(err, "execute", *end_ - *start_);
  }

 private:
  std::optional<Clock::time_point> start_;
  std::optional<Clock::time_point> end_;
};

// Calls `report` when the run ends, whichever way it ends.
template <typename F>
class AtExit {
 public:
  explicit AtExit(F f) : f_(std::move(f)) {}
  AtExit(const AtExit&) = delete;
  AtExit& operator=(const AtExit&) = delete;
  ~AtExit() { f_(); }

 private:
  F f_;
};

}  // namespace

int run_run(const CommandContext& ctx) {
  std::optional<RunArgs> args = parse_args(ctx);
  if (args && args->help) {
    for (const Subcommand& c : subcommands()) {
      if (c.name == "run") ctx.out << c.usage;
    }
    ctx.out << "\n" << wasm_options_help();
    ctx.out << "\nWASI capabilities (a guest reaches nothing else: no other path, variable or socket):\n"
            << wasi::p1::cli_usage();
    return kExitOk;
  }
  if (!args) {
    ctx.err << "usage: kiln run [-O opt-level=0|2] [-O inlining=y|n] [--invoke NAME] [--bench=REPS] [--bench-hooks] [--profile=perfmap] [--preload NAME=FILE] [--target-features=SPEC] [-W KEY=VALUE] [--dir HOST[::GUEST][::ro]] [--env NAME[=VAL]] [--argv0 NAME] FILE.wasm|FILE.wat [ARGS...]\n";
    return kExitUsage;
  }
  runtime::Config config;
  config.opt_level = args->opt_level;
  config.inlining = args->inlining;
  config.target_features = args->target_features;
  config.verify = std::getenv("KILN_VERIFY") != nullptr;  // debugging: IR verifier + regalloc checker
  if (args->perfmap) config.profiling = runtime::Config::ProfilingStrategy::kPerfMap;
  // Benchmarks time compilation: the cache is off for them unless asked for.
  if ((args->bench_hooks || args->bench_reps != 0) && !args->precompiled.cache) args->precompiled.cache = false;
  if (Expected<void> r = apply_wasm_options(args->wasm, config); !r) {
    ctx.err << "Error: " << r.error().message() << "\n";
    return kExitUsage;
  }
  runtime::Engine engine(config);

  Clock::time_point compile_start = Clock::now();
  std::optional<runtime::Module> module = compile_file(engine, args->file, args->precompiled, ctx.err);
  if (!module) return kExitFailure;
  Clock::duration compile_time = Clock::now() - compile_start;

  // --preload NAME=FILE: compiled now, instantiated in the same store before the main module,
  // in command-line order, each one's exports then defined as import module NAME.
  std::vector<runtime::Module> preloads;
  for (const auto& [preload_name, preload_file] : args->preloads) {
    std::optional<runtime::Module> m = compile_file(engine, preload_file, args->precompiled, ctx.err);
    if (!m) return kExitFailure;
    preloads.push_back(std::move(*m));
  }

  // A WASI command gets its context before the store, so it outlives the host functions
  // that refer to it. Positional arguments then go to the guest (argv[1..]).
  std::unique_ptr<wasi::p1::WasiCtx> wasi_ctx;
  bool wasi_imports = wasi::p1::imports_preview1(*module);
  for (const runtime::Module& m : preloads) wasi_imports = wasi_imports || wasi::p1::imports_preview1(m);
  bool wasi_command = wasi_imports && !args->invoke;
  if (wasi_imports) {
    std::span<const std::string> guest_args;
    if (wasi_command) guest_args = args->args;
    auto built = wasi::p1::build_cli_ctx(args->wasi, args->file, guest_args);
    if (!built) {
      ctx.err << "Error: " << built.error().message() << "\n";
      return kExitFailure;
    }
    wasi_ctx = std::move(built).value();
  }
  // proc_exit unwinds the guest as an error; the process then exits with the guest's code.
  auto wasi_exit = [&]() -> std::optional<int> {
    if (!wasi_ctx) return std::nullopt;
    std::optional<uint32_t> code = wasi::p1::exit_code_after_trap(*wasi_ctx);
    if (!code) return std::nullopt;
    ctx.out.flush();
    return static_cast<int>(*code);
  };
  if (wasi_command) args->args.clear();

  // Declared before the store: its host functions point at it.
  BenchHooks bench_hooks;
  AtExit report_execute([&] {
    if (args->bench_hooks) bench_hooks.report(ctx.err);
  });

  runtime::Store store(engine);
  WasmLimits limits(args->wasm, engine, store);  // before any guest code (start functions) runs
  AtExit report_fuel([&] { limits.report(ctx.err); });
  runtime::Linker linker;
  runtime::Trap trap;
  if (wasi_ctx) {
    if (Expected<void> r = wasi::p1::add_to_linker(linker, *wasi_ctx); !r) {
      ctx.err << "Error: " << r.error().message() << "\n";
      return kExitFailure;
    }
  }
  if (args->bench_hooks) {
    if (Expected<void> r = bench_hooks.define(linker, store); !r) {
      ctx.err << "Error: " << r.error().message() << "\n";
      return kExitFailure;
    }
  }
  for (size_t i = 0; i < preloads.size(); ++i) {
    const auto& [preload_name, preload_file] = args->preloads[i];
    Expected<runtime::Instance> pre = linker.instantiate(store, preloads[i], &trap);
    // A reactor's initializer runs before anything uses its exports (as Wasmtime does).
    if (pre) {
      if (std::optional<runtime::Func> init = pre->get_func("_initialize")) {
        if (init->type() != wasm::FuncType{}) {
          ctx.err << "Error: preloaded module `" << preload_file << "`: `_initialize` must take and return nothing\n";
          return kExitFailure;
        }
        if (Expected<void> r = init->call({}, {}, &trap); !r) pre = r.error();
      }
    }
    if (!pre) {
      if (std::optional<int> code = wasi_exit()) return *code;
      ctx.err << "Error: failed to instantiate preloaded module `" << preload_name << "` (" << preload_file
              << "): " << (trap.message.empty() ? pre.error().message() : trap.to_string()) << "\n";
      return trap.message.empty() ? kExitFailure : kExitTrap;
    }
    if (Expected<void> r = linker.define_instance(preload_name, *pre); !r) {
      ctx.err << "Error: --preload " << preload_name << "=" << preload_file << ": " << r.error().message() << "\n";
      return kExitFailure;
    }
  }
  // An import from a preloaded module that it does not export gets a message naming both.
  for (const runtime::ImportType& imp : module->imports()) {
    for (const auto& [preload_name, preload_file] : args->preloads) {
      if (imp.module == preload_name && !linker.get(imp.module, imp.name)) {
        ctx.err << "Error: failed to link `" << args->file << "`: import `" << imp.module << "::" << imp.name
                << "`: the preloaded module `" << preload_name << "` (" << preload_file
                << ") has no export named `" << imp.name << "`\n";
        return kExitFailure;
      }
    }
  }

  Clock::time_point instantiate_start = Clock::now();
  Expected<runtime::Instance> instance = linker.instantiate(store, *module, &trap);
  Clock::duration instantiate_time = Clock::now() - instantiate_start;
  if (args->bench_hooks) {
    print_phase(ctx.err, "compile", compile_time);
    print_phase(ctx.err, "instantiate", instantiate_time);
  }
  if (!instance) {
    if (std::optional<int> code = wasi_exit()) return *code;
    if (!trap.message.empty()) {
      ctx.err << "Error: failed to instantiate `" << args->file << "`: " << trap.to_string() << "\n";
      return kExitTrap;
    }
    ctx.err << "Error: failed to instantiate `" << args->file << "`: " << instance.error().message() << "\n";
    return kExitFailure;
  }

  // Without --invoke, run the command entry points Wasmtime runs: `_start`, else the default
  // export "" (the start function already ran).
  std::string name;
  if (args->invoke) {
    name = *args->invoke;
  } else if (instance->get_func("_start")) {
    name = "_start";
  } else if (instance->get_func("")) {
    name = "";
  } else {
    if (!args->args.empty()) {
      ctx.err << "Error: arguments given, but the module exports no `_start` function (use --invoke)\n";
      return kExitUsage;
    }
    return kExitOk;
  }
  std::optional<runtime::Func> func = instance->get_func(name);
  if (!func) {
    ctx.err << "Error: failed to find export `" << name << "` as a function\n";
    return kExitFailure;
  }
  wasm::FuncType type = func->type();
  if (args->args.size() != type.params.size()) {
    ctx.err << "Error: `" << name << "` takes " << type.params.size() << " argument(s), "
            << args->args.size() << " given\n";
    return kExitUsage;
  }
  std::vector<runtime::Val> params;
  for (size_t i = 0; i < type.params.size(); ++i) {
    std::optional<runtime::Val> v = parse_val(args->args[i], type.params[i]);
    if (!v) {
      ctx.err << "Error: argument " << i << " (`" << args->args[i] << "`) is not a valid "
              << wasm::to_string(type.params[i]) << "\n";
      return kExitUsage;
    }
    params.push_back(*v);
  }

  std::vector<runtime::Val> results(type.results.size());
  uint64_t reps = args->bench_reps == 0 ? 1 : args->bench_reps;
  for (uint64_t r = 0; r < reps; ++r) {
    timespec cpu_start{}, cpu_end{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_start);
    auto start = std::chrono::steady_clock::now();
    Expected<void> called = func->call(params, results, &trap);
    auto end = std::chrono::steady_clock::now();
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_end);
    if (!called) {
      if (std::optional<int> code = wasi_exit()) return *code;
      if (!trap.message.empty()) {
        ctx.err << "Error: failed to invoke `" << name << "`: " << trap.to_string() << "\n";
        return kExitTrap;
      }
      ctx.err << "Error: failed to invoke `" << name << "`: " << called.error().message() << "\n";
      return kExitFailure;
    }
    if (args->bench_reps != 0) {
      // Wall time, and this thread's CPU time (which a busy machine inflates far less).
      char line[96];
      double cpu = static_cast<double>(cpu_end.tv_sec - cpu_start.tv_sec) +
                   static_cast<double>(cpu_end.tv_nsec - cpu_start.tv_nsec) * 1e-9;
      std::snprintf(line, sizeof line, "KILN_BENCH call %.9f\nKILN_BENCH call-cpu %.9f",
                    std::chrono::duration<double>(end - start).count(), cpu);
      ctx.err << line << "\n";
    }
  }
  for (const runtime::Val& v : results) ctx.out << format_val(v) << "\n";
  return kExitOk;
}

}  // namespace kiln::cli
