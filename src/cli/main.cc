// cli/main.cc: the `kiln` entry point: global options and dispatch through the subcommand
// table. Adding a subcommand = one cmd_<name>.cc plus one row in subcommands().
#include <array>
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
  static constexpr std::array<Subcommand, 6> kTable = {{
      {"run", "Compile and run a module, or call one of its exports",
       "usage: kiln run [OPTIONS] FILE.wasm|FILE.wat [ARGS...]\n"
       "\n"
       "Compiles the module to native code, instantiates it (running its start function) and\n"
       "calls `_start` (or the export \"\") if it has one, or the export named by --invoke with\n"
       "ARGS parsed by its parameter types (integers in decimal or 0x hex, floats in decimal,\n"
       "nan, inf). Results are printed one per line. A trap prints its message and wasm\n"
       "backtrace on standard error and exits with status 134.\n"
       "\n"
       "  --invoke NAME           the exported function to call\n"
       "  -O opt-level=0|2        optimization level (also -O0, -O2); default 2\n"
       "  --bench=REPS            call the function REPS times in one instance and print\n"
       "                          'KILN_BENCH call SECONDS' per call on standard error\n",
       run_run},
      {"wast", "Run .wast spec test scripts",
       "usage: kiln wast [--expected-failures FILE] [--threads] [-v] FILE...\n"
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
  }};
  return kTable;
}

namespace {

void print_help(std::ostream& out) {
  out << "kiln " KILN_VERSION
         ": a WebAssembly runtime\n"
         "\n"
         "usage: kiln [--help] [--version] <command> [args...]\n"
         "\n"
         "commands:\n";
  for (const Subcommand& c : subcommands()) {
    std::string name(c.name);
    name.resize(12, ' ');
    out << "  " << name << c.summary << "\n";
  }
  out << "\nRun 'kiln <command> --help' for the options of a command.\n";
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
    for (std::string_view a : ctx.args) {
      if (a == "--help" || a == "-h") {
        out << c.usage;
        return kExitOk;
      }
    }
    return c.run(ctx);
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
