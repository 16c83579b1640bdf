// cli/cmd_run.cc: `kiln run`: compile a module, instantiate it, and call an export with
// arguments parsed from the command line (Wasmtime's `run --invoke`), printing its results
// one per line; `--bench=REPS` times repeated calls for bench/run.py.
#include <cstdlib>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "cli/command.h"
#include "cli/io.h"
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
  uint64_t bench_reps = 0;
  wasi::p1::CliOptions wasi;  // --dir, --env, --argv0
};

bool parse_opt_level(std::string_view v, environ::OptLevel& out) {
  if (v.starts_with("opt-level=")) v.remove_prefix(10);
  if (v == "0") {
    out = environ::OptLevel::kNone;
  } else if (v == "1" || v == "2") {
    out = environ::OptLevel::kSpeed;
  } else if (v == "s") {
    out = environ::OptLevel::kSpeedAndSize;
  } else {
    return false;
  }
  return true;
}

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
      if (!parse_opt_level(ctx.args[++i], a.opt_level)) return std::nullopt;
    } else if (arg.starts_with("-O") && arg.size() > 2) {
      if (!parse_opt_level(arg.substr(2), a.opt_level)) return std::nullopt;
    } else if (arg.starts_with("--bench=")) {
      std::string_view n = arg.substr(8);
      auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), a.bench_reps);
      if (ec != std::errc() || p != n.data() + n.size() || a.bench_reps == 0) return std::nullopt;
    } else {
      std::string error;
      wasi::p1::CliParse p = wasi::p1::parse_cli_option(ctx.args, i, a.wasi, error);
      if (p == wasi::p1::CliParse::kError) ctx.err << "Error: " << error << "\n";
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

}  // namespace

int run_run(const CommandContext& ctx) {
  std::optional<RunArgs> args = parse_args(ctx);
  if (!args) {
    ctx.err << "usage: kiln run [-O opt-level=0|2] [--invoke NAME] [--bench=REPS] [--dir HOST[::GUEST][::ro]] [--env NAME[=VAL]] [--argv0 NAME] FILE.wasm|FILE.wat [ARGS...]\n";
    return kExitUsage;
  }
  runtime::Config config;
  config.opt_level = args->opt_level;
  config.verify = std::getenv("KILN_VERIFY") != nullptr;  // debugging: IR verifier + regalloc checker
  runtime::Engine engine(config);

  Expected<LoadedModule> loaded = load_module(args->file, config.features);
  if (!loaded) {
    ctx.err << format_error(args->file, loaded.error()) << "\n";
    return kExitFailure;
  }
  if (Expected<void> v = wasm::validate(loaded->module, config.features); !v) {
    ctx.err << format_error(args->file, v.error(), loaded->from_text) << "\n";
    return kExitFailure;
  }
  Expected<runtime::Module> module = runtime::Module::from_validated(engine, std::move(loaded->module));
  if (!module) {
    ctx.err << args->file << ": error: failed to compile: " << module.error().to_string() << "\n";
    return kExitFailure;
  }

  // A WASI command gets its context before the store, so it outlives the host functions
  // that refer to it. Positional arguments then go to the guest (argv[1..]).
  std::unique_ptr<wasi::p1::WasiCtx> wasi_ctx;
  bool wasi_imports = wasi::p1::imports_preview1(*module);
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

  runtime::Store store(engine);
  runtime::Linker linker;
  runtime::Trap trap;
  if (wasi_ctx) {
    if (Expected<void> r = wasi::p1::add_to_linker(linker, store, *wasi_ctx); !r) {
      ctx.err << "Error: " << r.error().message() << "\n";
      return kExitFailure;
    }
  }
  Expected<runtime::Instance> instance = linker.instantiate(store, *module, &trap);
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
    auto start = std::chrono::steady_clock::now();
    Expected<void> called = func->call(params, results, &trap);
    auto end = std::chrono::steady_clock::now();
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
      char line[64];
      std::snprintf(line, sizeof line, "KILN_BENCH call %.9f",
                    std::chrono::duration<double>(end - start).count());
      ctx.err << line << "\n";
    }
  }
  for (const runtime::Val& v : results) ctx.out << format_val(v) << "\n";
  return kExitOk;
}

}  // namespace kiln::cli
