// wast/runner.h: runs a parsed .wast script and reports, assertion by assertion, what passed,
// what failed and what could not run. Shared by `kiln wast` and the spec tests.
//
// Today the runner works at the validation level: modules are decoded (text ones parsed first)
// and validated; assert_malformed / assert_invalid are checked by the phase and message of the
// error. Everything that needs execution (actions, instantiation, linking, threads) is counted
// as skipped, never as passed. When the runtime lands it plugs in where the runner now records
// those skips (ScriptRunner in runner.cc: one method per command kind).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "environ/compiler.h"
#include "support/error.h"
#include "wasm/features.h"
#include "wast/expected_failures.h"
#include "wat/wast.h"

namespace kiln::wast {

struct RunOptions {
  wasm::Features features;
  // Optimization level of the native code the script's modules compile to.
  environ::OptLevel opt_level = environ::OptLevel::kSpeed;
  // runtime::Config::target_features (empty: the host's instruction set extensions).
  std::string target_features;
  // Tunables::nan_canonicalization; also turned on by a `;;! nan_canonicalization = true`
  // directive at the top of a script (Wasmtime's misc testsuite).
  bool nan_canonicalization = false;
  // ExecOptions::register_named_modules; set by run_file for Wasmtime's misc testsuite.
  bool register_named_modules = false;
  // Entries of the expected-failures list for this script (ExpectedFailures::for_script).
  // A listed assertion that fails counts as an expected failure; one that passes is an error
  // ("unexpected pass"), and an entry that matches no assertion that ran is an error too.
  std::vector<ExpectedFailure> expected_failures;
};

// One reported assertion outcome, at the command's position in the script.
struct Finding {
  Location loc;         // line:col of the command in the script
  std::string command;  // "assert_invalid", "module", ...
  std::string detail;   // why it failed / what was expected / why it was skipped
};

struct Counts {
  uint64_t passed = 0;
  uint64_t failed = 0;              // includes unexpected passes and stale list entries
  uint64_t skipped = 0;             // needs execution or an unsupported feature: not run
  uint64_t expected_failures = 0;   // failed, and listed in the expected-failures list
  uint64_t message_mismatches = 0;  // passed, but the error text differs from the script's

  Counts& operator+=(const Counts& o);
};

struct RunReport {
  std::string file;
  Counts counts;
  std::vector<Finding> failures;                 // every counted failure, in script order
  std::vector<Finding> expected_failures;        // listed failures (not errors)
  std::vector<Finding> message_mismatches;       // passes whose error text differs
  std::map<std::string, uint64_t> skip_reasons;  // reason -> how many commands

  // True when every assertion that ran passed (or failed as listed).
  bool ok() const { return counts.failed == 0; }
};

// Runs every command of `script`. Never throws or aborts on bad modules: each one is a
// finding of the command that holds it.
RunReport run_script(const wat::Script& script, const RunOptions& options);

// Reads and parses the file at `path` and runs it. A file that cannot be read or parsed as a
// script is one failure at the position of the error.
RunReport run_file(const std::string& path, const RunOptions& options);

// The features a testsuite file is written for, picked by its folder: the threads proposal
// files need shared memories and atomics, which are off by default, and are written against
// the core before reference types and multi-memory (threads_baseline()); everything else
// runs with the defaults (all of WebAssembly 3.0).
wasm::Features features_for_path(std::string_view path);
wasm::Features threads_baseline();

// The reference interpreter's rule: an error matches the expected text when it starts with it.
bool message_matches(std::string_view actual, std::string_view expected);

// The script keyword of a command kind, e.g. "assert_malformed".
std::string_view command_name(wat::Command::Kind kind);

// "N passed, M failed, K skipped", the form every summary line ends with.
std::string format_counts(const Counts& counts);

}  // namespace kiln::wast
