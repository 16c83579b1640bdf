// wast/exec.h: executes the .wast commands that need a runtime: instantiating modules,
// module definitions and instances, register, invoke/get actions, assert_return (every
// pattern kind), assert_trap, assert_exhaustion, assert_unlinkable and
// assert_uninstantiable, against the `spectest` host module. The runner (runner.cc) validates
// modules and keeps the counts; it hands each command here and records the outcome. What the
// native compiler cannot run yet (a proposal it does not implement) is an honest skip, and so
// is every later command that depends on such a module.
#pragma once

#include <memory>
#include <ostream>
#include <string>

#include "environ/compiler.h"
#include "wasm/features.h"
#include "wasm/module.h"
#include "wat/wast.h"

namespace kiln::wast {

struct ExecOutcome {
  enum class Kind : uint8_t { kPassed, kFailed, kSkipped };
  Kind kind = Kind::kPassed;
  std::string detail;  // kFailed: what went wrong; kSkipped: why it could not run

  static ExecOutcome passed() { return {}; }
  static ExecOutcome failed(std::string d) { return {Kind::kFailed, std::move(d)}; }
  static ExecOutcome skipped(std::string d) { return {Kind::kSkipped, std::move(d)}; }
};

struct ExecOptions {
  wasm::Features features;
  environ::OptLevel opt_level = environ::OptLevel::kSpeed;
  // Where spectest's print functions write (null: nowhere).
  std::ostream* print_to = nullptr;
  std::string target_features;  // runtime::Config::target_features
  bool nan_canonicalization = false;  // environ::Tunables::nan_canonicalization
  // Wasmtime's runner convention: an instantiated `(module $name ...)` is also linkable as
  // "name" without a `register` command.
  bool register_named_modules = false;
};

class Executor {
 public:
  explicit Executor(const ExecOptions& options);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // `module` (core): `validated` is its decoded and validated form. Compiles it, and unless
  // it is a definition instantiates it and makes it the current module.
  ExecOutcome module(const wat::Command& cmd, wasm::Module validated);
  // (module instance $i $m)
  ExecOutcome module_instance(const wat::Command& cmd);
  // (register "name" $m?)
  ExecOutcome register_module(const wat::Command& cmd);
  // A bare action, assert_return, assert_trap (action form) or assert_exhaustion.
  ExecOutcome action(const wat::Command& cmd);
  // assert_unlinkable, assert_uninstantiable or assert_trap (module form), with the module's
  // validated form.
  ExecOutcome assert_module(const wat::Command& cmd, wasm::Module validated);
  // A module the runner could not handle at all (a component, or one that failed to
  // validate): later references to its id are skipped / failed accordingly.
  void module_unavailable(const wat::Command& cmd, const std::string& reason);
  // A module that failed to validate: commands that use it fail.
  void module_failed(const wat::Command& cmd);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kiln::wast
