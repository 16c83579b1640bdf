// cli/main.cc: the `kiln` entry point: global options and dispatch through the subcommand
// table. Adding a subcommand = one cmd_<name>.cc plus one row in subcommands().
#include <array>
#include <filesystem>
#include <iostream>
#include <string>

#include "cli/command.h"

#ifndef KILN_VERSION
#error "KILN_VERSION must be defined by the build"
#endif

namespace kiln::cli {

// Defined in cmd_run.cc.
int run_run(const CommandContext& ctx);
// Defined in cmd_wit.cc.
int run_wit(const CommandContext& ctx);

std::span<const Subcommand> subcommands() {
  static constexpr std::array<Subcommand, 9> kTable = {{
      {"run", "Compile and run a module, or call one of its exports",
       "usage: kiln run [OPTIONS] FILE.wasm|FILE.wat [ARGS...]\n"
       "       kiln [OPTIONS] FILE.wasm|FILE.wat [ARGS...]   (no command: the same as run)\n"
       "\n"
       "Options come before FILE; every argument after FILE belongs to the guest (its argv[1..],\n"
       "or the --invoke function's arguments), even one that looks like an option.\n"
       "\n"
       "Compiles the module to native code, instantiates it (running its start function) and\n"
       "calls `_start` (or the export \"\") if it has one, or the export named by --invoke with\n"
       "ARGS parsed by its parameter types (integers in decimal or 0x hex, floats in decimal,\n"
       "nan, inf, v128 as one 0x hex number of up to 32 digits with lane 0 at the low end).\n"
       "Results are printed one per line, v128 the same way. A trap prints its message and wasm\n"
       "backtrace on standard error and exits with status 134.\n"
       "\n"
       "  --invoke NAME           the exported function to call\n"
       "  --preload NAME=FILE     instantiate FILE (.wasm or .wat) first, in the same store (it\n"
       "                          may import WASI; a reactor's _initialize runs), and link its\n"
       "                          exports as import module NAME; repeatable, in order\n"
       "  --bench-hooks           provide the Sightglass `bench` imports as host timers and\n"
       "                          print 'KILN_BENCH compile|instantiate SECONDS' and, once the\n"
       "                          guest is done, 'KILN_BENCH execute SECONDS' (the time from\n"
       "                          bench.start to bench.end) on standard error\n"
       "  --profile=perfmap       append the compiled functions' addresses and names to\n"
       "                          /tmp/perf-PID.map, so `perf record`/`perf report` name\n"
       "                          samples in Wasm code\n"
       "  -h, --help              print this help\n"
       "  -O opt-level=0|2        optimization level (also -O0, -O2); default 2\n"
       "  -O inlining=y|n         at -O2, inline small leaf functions into their direct callers\n"
       "                          (default y; backtraces still show the inlined frames)\n"
       "  --bench=REPS            call the function REPS times in one instance and print\n"
       "                          'KILN_BENCH call SECONDS' per call on standard error\n"
       "  --target-features=SPEC  instruction set extensions the code may use: 'host'\n"
       "                          (default), 'baseline' (SSE4.1+SSSE3 only: the same code on\n"
       "                          every machine), or +/-NAME items (avx, avx2, sse4.2, ...)\n"
       "  --allow-precompiled     allow FILE to be a precompiled .cwasm (from `kiln compile`);\n"
       "                          its native code is trusted, so it is refused without this\n"
       "  -C cache=y|n            use the compile cache (default y, but n with --bench or\n"
       "                          --bench-hooks; KILN_CACHE_DEBUG=1 traces it)\n"
       "  --config FILE           read settings (the cache's) from FILE (see `kiln config new`)\n",
       run_run},
      {"wast", "Run .wast spec test scripts",
       "usage: kiln wast [--expected-failures FILE] [--threads] [--target-features=SPEC] [-O0|-O2|-Os]\n"
       "                 [-v] FILE...\n"
       "\n"
       "Runs each script and prints, per file, 'FILE: N passed, M failed, K skipped', every\n"
       "failure with FILE:LINE:COL, and a total line at the end. Modules are compiled to native\n"
       "code and executed; commands that need a proposal the compiler does not implement yet\n"
       "(and threads) are counted as skipped, never passed.\n"
       "\n"
       "  --expected-failures FILE  strict list of known failures ('path.wast:LINE  reason');\n"
       "                            a listed assertion that passes is an error\n"
       "  --threads                 enable the threads proposal for every file (by default\n"
       "                            it is enabled only for files under proposals/threads/)\n"
       "  -v, --verbose             also list error-message mismatches, expected failures\n"
       "                            and why commands were skipped\n"
       "  --target-features=SPEC    instruction set extensions compiled code may use (as\n"
       "                            for 'kiln run'; 'baseline' = SSE4.1+SSSE3 only)\n"
       "  -O0, -O2, -Os             optimization level (default -O2; -O0 uses the baseline\n"
       "                            compiler)\n"
       "\n"
       "Exit status is 0 only if every assertion that ran passed.\n",
       run_wast},
      {"validate", "Check that a module is well-formed and valid",
       "usage: kiln validate FILE.wasm|FILE.wat\n"
       "\n"
       "Decodes (or parses) and validates the module; prints the first error with its\n"
       "location and exits with status 1 if there is one.\n",
       run_validate},
      {"print", "Print a module in the text format",
       "usage: kiln print FILE.wasm|FILE.wat\n"
       "\n"
       "Decodes the module and prints it as a (module ...) text on standard output.\n",
       run_print},
      {"parse", "Translate a text module to a binary module",
       "usage: kiln parse FILE.wat -o FILE.wasm\n"
       "\n"
       "Parses the text module and writes its binary encoding.\n",
       run_parse},
      {"wit", "Print the resolved WIT of a package or a component",
       "usage: kiln wit FILE.wit|DIR|FILE.wasm\n"
       "\n"
       "Resolves a WIT package (a file, or a directory with its deps/) or describes a\n"
       "component's imports and exports as a world, and prints the result as WIT.\n",
       run_wit},
      {"compile", "Compile a module ahead of time to a precompiled .cwasm",
       "usage: kiln compile [OPTIONS] FILE.wasm|FILE.wat [-o OUT.cwasm]\n"
       "\n"
       "Compiles the module and writes a precompiled artifact (ELF; default output FILE.cwasm)\n"
       "that `kiln run --allow-precompiled` loads without compiling. It records the Kiln version,\n"
       "ISA, CPU features and settings it was compiled with; loading it elsewhere fails naming\n"
       "what differs. The output is the same for any thread count.\n"
       "\n"
       "  -o OUT                  the output file\n"
       "  -O0, -O2, -Os           optimization level (also -O opt-level=N); default 2\n"
       "  -O inlining=y|n         inline small leaf functions into their direct callers (-O2)\n"
       "  -j N, --threads N       compile on N threads (default: all hardware threads)\n"
       "  --target-features=SPEC  instruction set extensions the code may use (as for run)\n"
       "  --bench                 print 'KILN_BENCH compile SECONDS' (validation + compilation,\n"
       "                          no file I/O) on standard error\n",
       run_compile},
      {"objdump", "Disassemble a precompiled .cwasm",
       "usage: kiln objdump FILE.cwasm\n"
       "\n"
       "Prints the artifact's header (Kiln version, ISA, CPU features) and the disassembly of each\n"
       "function under its name (the name section's, else wasm[INDEX]), with trap sites marked.\n",
       run_objdump},
      {"config", "Write a config file",
       "usage: kiln config new [PATH]\n"
       "\n"
       "Writes a config file documenting every setting at its default (the compile cache's) to\n"
       "PATH (default $XDG_CONFIG_HOME/kiln/config.toml or ~/.config/kiln/config.toml); use it\n"
       "with `kiln run --config FILE`. An existing file is not overwritten.\n",
       run_config},
  }};
  return kTable;
}

namespace {

void print_help(std::ostream& out) {
  out << "kiln " KILN_VERSION
         ": a WebAssembly runtime\n"
         "\n"
         "usage: kiln [--help] [--version] <command> [args...]\n"
         "       kiln [OPTIONS] FILE [ARGS...]\n"
         "\n"
         "commands:\n";
  for (const Subcommand& c : subcommands()) {
    std::string name(c.name);
    name.resize(12, ' ');
    out << "  " << name << c.summary << "\n";
  }
  out << "\n'kiln [OPTIONS] FILE [ARGS...]' with no command runs FILE (see 'kiln run --help').\n"
         "Run 'kiln <command> --help' for the options of a command.\n";
}

// Whether an argument that names no command starts a `run` command line: an option (run's
// options are the only ones accepted before a module) or a module file, by extension or
// because it exists.
bool looks_like_run(std::string_view arg) {
  if (arg.size() > 1 && arg.starts_with("-")) return true;
  for (std::string_view ext : {".wasm", ".wat", ".cwasm"}) {
    if (arg.size() > ext.size() && arg.ends_with(ext)) return true;
  }
  std::error_code ec;
  return std::filesystem::is_regular_file(std::filesystem::path(arg), ec);
}

int dispatch(int argc, char** argv, std::ostream& out, std::ostream& err) {
  if (argc < 2) {
    print_help(err);
    return kExitUsage;
  }
  std::string_view first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    print_help(out);
    return kExitOk;
  }
  if (first == "--version" || first == "-V") {
    out << "kiln " KILN_VERSION "\n";
    return kExitOk;
  }
  for (const Subcommand& c : subcommands()) {
    if (c.name != first) continue;
    CommandContext ctx{{}, out, err};
    for (int i = 2; i < argc; ++i) ctx.args.emplace_back(argv[i]);
    // `run` reads --help itself: after the module file, --help belongs to the guest.
    if (c.run == run_run) return c.run(ctx);
    for (std::string_view a : ctx.args) {
      if (a == "--help" || a == "-h") {
        out << c.usage;
        return kExitOk;
      }
    }
    return c.run(ctx);
  }
  // `kiln [OPTIONS] FILE [ARGS...]` means `kiln run ...` (as with Wasmtime): the first argument
  // is a run option or a module file.
  if (looks_like_run(first)) {
    CommandContext ctx{{}, out, err};
    for (int i = 1; i < argc; ++i) ctx.args.emplace_back(argv[i]);
    return run_run(ctx);
  }
  err << "kiln: unknown command '" << first << "'\n\n";
  print_help(err);
  return kExitUsage;
}

}  // namespace
}  // namespace kiln::cli

int main(int argc, char** argv) {
  return kiln::cli::dispatch(argc, argv, std::cout, std::cerr);
}
