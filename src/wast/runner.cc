// wast/runner.cc: the script runner: one method per command kind, honest counts, and the
// strict expected-failures bookkeeping.
#include "wast/runner.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "component/decoder.h"
#include "component/validator.h"
#include "wasm/decoder.h"
#include "wasm/validator.h"
#include "wat/component_wat.h"
#include "wast/exec.h"
#include "wat/wat.h"

namespace kiln::wast {
namespace {

using wat::Command;
using wat::ModuleDef;

constexpr std::string_view kNoThreads = "threads (thread/wait) are not run yet";
constexpr std::string_view kNoExceptions = "exceptions are not compiled yet";
constexpr std::string_view kNoComponentRuntime = "component execution (no runtime yet)";
// The text parser skips annotations, as the spec allows, so errors inside @custom / @name
// annotations (assert_malformed_custom, assert_invalid_custom) cannot be observed.
constexpr std::string_view kNoAnnotations =
    "error in a custom annotation (annotations are not interpreted)";

std::string in_quotes(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::string_view kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kMalformed:
      return "malformed";
    case ErrorKind::kInvalid:
      return "invalid";
    case ErrorKind::kLink:
      return "unlinkable";
    case ErrorKind::kInstantiate:
      return "uninstantiable";
    case ErrorKind::kIo:
      return "i/o error";
    case ErrorKind::kOther:
      return "error";
  }
  return "error";
}

// "malformed (offset 0x1c: unexpected end)": the phase and the located message of an error.
std::string describe(const Error& e) {
  return std::string(kind_name(e.kind())) + " (" + e.to_string() + ")";
}

// Turns a module of the script into a validated Module: text modules were parsed by the script
// parser (or failed there), quoted ones are parsed here, then everything is decoded and
// validated. The error's kind tells the phase that rejected it.
Expected<wasm::Module> compile(const ModuleDef& def, const wasm::Features& features) {
  std::vector<uint8_t> bytes;
  switch (def.form) {
    case ModuleDef::Form::kText:
      if (def.text_error) return *def.text_error;
      bytes = def.binary;
      break;
    case ModuleDef::Form::kBinary:
      bytes = def.binary;
      break;
    case ModuleDef::Form::kQuote: {
      KILN_ASSIGN_OR_RETURN(bytes, wat::parse_module(def.quote_text));
      break;
    }
  }
  KILN_ASSIGN_OR_RETURN(wasm::Module module, wasm::decode(std::move(bytes), features));
  KILN_TRY(wasm::validate(module, features));
  return module;
}

// Components: the script keeps the whole `(component ...)` form (text, binary or quote); it
// is parsed to a binary, decoded and validated.
Expected<void> compile_component(const ModuleDef& def, const wasm::Features& features) {
  std::vector<uint8_t> bytes;
  switch (def.form) {
    case ModuleDef::Form::kQuote: {
      KILN_ASSIGN_OR_RETURN(bytes, wat::parse_component(def.quote_text));
      break;
    }
    case ModuleDef::Form::kText:
      if (def.text_error) return *def.text_error;
      bytes = def.binary;
      break;
    case ModuleDef::Form::kBinary:
      bytes = def.binary;
      break;
  }
  // Core modules inside components may use shared memories (the threading built-ins).
  wasm::Features f = features;
  f.threads = true;
  KILN_ASSIGN_OR_RETURN(component::Component c, component::decode_component(bytes, f));
  return component::validate_component(c, f);
}

class ScriptRunner {
 public:
  ScriptRunner(const RunOptions& options, RunReport& report)
      : options_(options),
        report_(report),
        listed_used_(options.expected_failures.size(), false),
        exec_(ExecOptions{options.features, options.opt_level, nullptr, options.target_features,
                          options.nan_canonicalization, options.register_named_modules}) {}

  void run(const std::vector<Command>& commands) {
    for (const Command& cmd : commands) run_command(cmd);
  }

  // Entries of the list that no assertion that ran matched are errors: either the assertion
  // moved, or it no longer runs, and the list must say what is true.
  void finish() {
    for (size_t i = 0; i < options_.expected_failures.size(); ++i) {
      if (listed_used_[i]) continue;
      const ExpectedFailure& e = options_.expected_failures[i];
      Finding f;
      f.loc = Location::at_line(e.line, e.column == 0 ? 1 : e.column);
      f.command = "expected-failures";
      f.detail = "stale entry '" + e.path + ":" + std::to_string(e.line) +
                 (e.column ? ":" + std::to_string(e.column) : "") +
                 "': no assertion that ran is at that position (" + e.reason + ")";
      report_.counts.failed++;
      report_.failures.push_back(std::move(f));
    }
  }

 private:
  void run_command(const Command& cmd) {
    switch (cmd.kind) {
      case Command::Kind::kModule:
        return run_module(cmd);
      case Command::Kind::kAssertMalformed:
        return run_assert_malformed(cmd);
      case Command::Kind::kAssertInvalid:
        return run_assert_invalid(cmd);
      case Command::Kind::kAssertUnlinkable:
      case Command::Kind::kAssertUninstantiable:
        return run_module_then_instantiate(cmd);
      case Command::Kind::kAssertTrap:
        if (cmd.has_module) return run_module_then_instantiate(cmd);
        return executed(cmd, [&] { return exec_.action(cmd); });
      case Command::Kind::kThread: {
        // Threads are not run (yet); the modules of their bodies are still validated, and
        // nothing else in them executes.
        skip(cmd, kNoThreads);
        bool outer = in_thread_;
        in_thread_ = true;
        run(cmd.body);
        in_thread_ = outer;
        return;
      }
      case Command::Kind::kModuleInstance:
        return executed(cmd, [&] { return exec_.module_instance(cmd); });
      case Command::Kind::kRegister:
        return executed(cmd, [&] { return exec_.register_module(cmd); });
      case Command::Kind::kAction:
      case Command::Kind::kAssertReturn:
      case Command::Kind::kAssertExhaustion:
        return executed(cmd, [&] { return exec_.action(cmd); });
      case Command::Kind::kAssertException:
      case Command::Kind::kAssertSuspension:
        return skip(cmd, kNoExceptions);
      case Command::Kind::kWait:
        return skip(cmd, kNoThreads);
    }
  }

  // `module`: must decode and validate. Instantiation (unless `definition`) needs a runtime;
  // the module-level check is what is counted.
  void run_module(const Command& cmd) {
    if (cmd.module.is_component) {
      Expected<void> c = compile_component(cmd.module, options_.features);
      // Later commands that act on it cannot run.
      exec_.module_unavailable(cmd, std::string(kNoComponentRuntime));
      if (!c) return fail(cmd, "component rejected: " + describe(c.error()));
      return pass(cmd);
    }
    Expected<wasm::Module> m = compile(cmd.module, options_.features);
    if (!m) {
      exec_.module_failed(cmd);
      return fail(cmd, "module rejected: " + describe(m.error()));
    }
    if (in_thread_) return pass(cmd);
    // Valid; then it must compile and instantiate. When the compiler cannot run it, the
    // validation still counts and the instantiation is a skip.
    ExecOutcome o = exec_.module(cmd, std::move(*m));
    if (o.kind == ExecOutcome::Kind::kFailed) return fail(cmd, o.detail);
    pass(cmd);
    if (o.kind == ExecOutcome::Kind::kSkipped) skip(cmd, o.detail);
  }

  void run_assert_malformed(const Command& cmd) {
    if (cmd.custom_annotation) return skip(cmd, kNoAnnotations);
    Expected<void> m = cmd.module.is_component ? compile_component(cmd.module, options_.features)
                                               : compile_void(cmd.module);
    if (m)
      return fail(
          cmd, "expected malformed module (" + in_quotes(cmd.message) + "), but it was accepted");
    const Error& e = m.error();
    if (e.kind() != ErrorKind::kMalformed) {
      return fail(cmd, "expected malformed module (" + in_quotes(cmd.message) +
                           "), but decoding succeeded and it was " + describe(e));
    }
    pass_with_message(cmd, e);
  }

  void run_assert_invalid(const Command& cmd) {
    if (cmd.custom_annotation) return skip(cmd, kNoAnnotations);
    Expected<void> m = cmd.module.is_component ? compile_component(cmd.module, options_.features)
                                               : compile_void(cmd.module);
    if (m)
      return fail(cmd,
                  "expected invalid module (" + in_quotes(cmd.message) + "), but it validated");
    const Error& e = m.error();
    if (e.kind() != ErrorKind::kInvalid) {
      return fail(cmd, "expected invalid module (" + in_quotes(cmd.message) + "), but it was " +
                           describe(e));
    }
    pass_with_message(cmd, e);
  }

  // assert_unlinkable / assert_uninstantiable / assert_trap (module form): the module itself
  // must be valid (a pass of that check); linking or instantiating it needs a runtime.
  void run_module_then_instantiate(const Command& cmd) {
    if (cmd.module.is_component) {
      Expected<void> c = compile_component(cmd.module, options_.features);
      if (!c) return fail(cmd, "component must be valid, but it was " + describe(c.error()));
      pass(cmd);
      return skip(cmd, kNoComponentRuntime);
    }
    Expected<wasm::Module> m = compile(cmd.module, options_.features);
    if (!m) return fail(cmd, "module must be valid, but it was " + describe(m.error()));
    // The validity pass; an expected-failures entry for this line names the outcome below.
    report_.counts.passed++;
    if (in_thread_) return skip(cmd, kNoThreads);
    ExecOutcome o = exec_.assert_module(cmd, std::move(*m));
    record(cmd, o);
  }

  Expected<void> compile_void(const ModuleDef& def) {
    Expected<wasm::Module> m = compile(def, options_.features);
    if (!m) return std::move(m).error();
    return ok();
  }

  void pass_with_message(const Command& cmd, const Error& e) {
    if (!message_matches(e.message(), cmd.message)) {
      Finding f{cmd.loc, std::string(command_name(cmd.kind)),
                "expected " + in_quotes(cmd.message) + ", got " + in_quotes(e.message()) + " (" +
                    e.to_string() + ")"};
      report_.counts.message_mismatches++;
      report_.message_mismatches.push_back(std::move(f));
    }
    pass(cmd);
  }

  // The index of the list entry naming this command, if any.
  std::optional<size_t> listed(const Command& cmd) const {
    for (size_t i = 0; i < options_.expected_failures.size(); ++i) {
      const ExpectedFailure& e = options_.expected_failures[i];
      if (e.line == cmd.loc.line && (e.column == 0 || e.column == cmd.loc.column)) return i;
    }
    return std::nullopt;
  }

  void pass(const Command& cmd) {
    if (std::optional<size_t> i = listed(cmd)) {
      listed_used_[*i] = true;
      report_.counts.failed++;
      report_.failures.push_back({cmd.loc, std::string(command_name(cmd.kind)),
                                  "unexpected pass: listed in expected failures (" +
                                      options_.expected_failures[*i].reason + ")"});
      return;
    }
    report_.counts.passed++;
  }

  void fail(const Command& cmd, std::string detail) {
    Finding f{cmd.loc, std::string(command_name(cmd.kind)), std::move(detail)};
    if (std::optional<size_t> i = listed(cmd)) {
      listed_used_[*i] = true;
      report_.counts.expected_failures++;
      report_.expected_failures.push_back(std::move(f));
      return;
    }
    report_.counts.failed++;
    report_.failures.push_back(std::move(f));
  }

  void skip(const Command&, std::string_view reason) {
    report_.counts.skipped++;
    report_.skip_reasons[std::string(reason)]++;
  }

  // Runs an execution command unless it sits in a thread body (threads are not run).
  template <typename F>
  void executed(const Command& cmd, F&& run_it) {
    if (in_thread_) return skip(cmd, kNoThreads);
    record(cmd, run_it());
  }

  void record(const Command& cmd, const ExecOutcome& o) {
    switch (o.kind) {
      case ExecOutcome::Kind::kPassed:
        return pass(cmd);
      case ExecOutcome::Kind::kFailed:
        return fail(cmd, o.detail);
      case ExecOutcome::Kind::kSkipped:
        return skip(cmd, o.detail);
    }
  }

  const RunOptions& options_;
  RunReport& report_;
  std::vector<bool> listed_used_;
  Executor exec_;
  bool in_thread_ = false;  // running the body of a `thread`: validate only
};

}  // namespace

Counts& Counts::operator+=(const Counts& o) {
  passed += o.passed;
  failed += o.failed;
  skipped += o.skipped;
  expected_failures += o.expected_failures;
  message_mismatches += o.message_mismatches;
  return *this;
}

wasm::Features threads_baseline() {
  // The threads proposal's tests are written against the 1.0 core plus the small 2.0
  // proposals: they assert that a second table or memory is invalid ("multiple tables",
  // "multiple memories"), which reference types and multi-memory made valid. So they run with
  // the core the proposal was specified on, not with everything on.
  wasm::Features f;
  f.threads = true;
  f.reference_types = false;
  f.multi_memory = false;
  f.simd = false;
  f.relaxed_simd = false;
  f.tail_call = false;
  f.function_references = false;
  f.gc = false;
  f.exceptions = false;
  f.legacy_exceptions = false;
  f.memory64 = false;
  f.extended_const = false;
  f.wide_arithmetic = false;
  f.custom_page_sizes = false;
  return f;
}

RunReport run_script(const wat::Script& script, const RunOptions& options) {
  RunReport report;
  report.file = script.file;
  ScriptRunner runner(options, report);
  runner.run(script.commands);
  runner.finish();
  return report;
}

// Whether the script's leading `;;! KEY = true` comment lines (Wasmtime's test directives)
// set `key`.
static bool directive_is_true(std::string_view text, std::string_view key) {
  while (text.starts_with(";;!")) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(3, nl == std::string_view::npos ? std::string_view::npos : nl - 3);
    size_t eq = line.find('=');
    if (eq != std::string_view::npos) {
      auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
        return s;
      };
      if (trim(line.substr(0, eq)) == key && trim(line.substr(eq + 1)) == "true") return true;
    }
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return false;
}

RunReport run_file(const std::string& path, const RunOptions& options) {
  RunReport report;
  report.file = path;
  std::error_code ec;
  // A directory opens fine as a stream and reads as empty; it must not pass as a 0-test script.
  bool regular = std::filesystem::is_regular_file(path, ec);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (regular && in) text << in.rdbuf();
  if (!regular || !in || in.bad()) {
    report.counts.failed++;
    report.failures.push_back({Location::at_line(1, 1), "script", "cannot read " + path});
    return report;
  }
  Expected<wat::Script> script = wat::parse_wast(text.str(), path);
  if (!script) {
    const Error& e = script.error();
    Location loc = e.location().line != 0 ? e.location() : Location::at_line(1, 1);
    report.counts.failed++;
    report.failures.push_back({loc, "script", "script does not parse: " + e.message()});
    return report;
  }
  RunOptions opts = options;
  if (directive_is_true(text.str(), "nan_canonicalization")) opts.nan_canonicalization = true;
  if (path.find("wasmtime-misc/") != std::string::npos) opts.register_named_modules = true;
  report = run_script(*script, opts);
  report.file = path;
  return report;
}

wasm::Features features_for_path(std::string_view path) {
  if (path.find("proposals/threads/") != std::string_view::npos) return threads_baseline();
  return wasm::Features{};
}

// The expected text anywhere in the message, as Wasmtime's runner checks: a prefix for the
// spec suite's wording, a fragment for the component-model suites ("... index out of bounds").
bool message_matches(std::string_view actual, std::string_view expected) {
  return actual.find(expected) != std::string_view::npos;
}

std::string_view command_name(Command::Kind kind) {
  switch (kind) {
    case Command::Kind::kModule:
      return "module";
    case Command::Kind::kModuleInstance:
      return "module instance";
    case Command::Kind::kRegister:
      return "register";
    case Command::Kind::kAction:
      return "action";
    case Command::Kind::kAssertReturn:
      return "assert_return";
    case Command::Kind::kAssertTrap:
      return "assert_trap";
    case Command::Kind::kAssertExhaustion:
      return "assert_exhaustion";
    case Command::Kind::kAssertException:
      return "assert_exception";
    case Command::Kind::kAssertSuspension:
      return "assert_suspension";
    case Command::Kind::kAssertInvalid:
      return "assert_invalid";
    case Command::Kind::kAssertMalformed:
      return "assert_malformed";
    case Command::Kind::kAssertUnlinkable:
      return "assert_unlinkable";
    case Command::Kind::kAssertUninstantiable:
      return "assert_uninstantiable";
    case Command::Kind::kThread:
      return "thread";
    case Command::Kind::kWait:
      return "wait";
  }
  return "command";
}

std::string format_counts(const Counts& c) {
  return std::to_string(c.passed) + " passed, " + std::to_string(c.failed) + " failed, " +
         std::to_string(c.skipped) + " skipped";
}

}  // namespace kiln::wast
