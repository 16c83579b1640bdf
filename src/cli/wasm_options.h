// cli/wasm_options.h: `kiln run -W KEY=VALUE`: the execution limits of a run (fuel, timeout by
// epoch interruption, memory/table/instance limits, Wasm stack size), in Wasmtime's spelling:
// their parser, their --help text, and what applies them to a Config and a Store (including
// the timer thread behind `-W timeout`).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string_view>
#include <thread>

#include "runtime/engine.h"
#include "runtime/store.h"
#include "support/error.h"

namespace kiln::cli {

struct WasmOptions {
  std::optional<uint64_t> fuel;                      // fuel=N
  bool print_fuel = false;                           // print-fuel: report fuel consumed
  std::optional<std::chrono::nanoseconds> timeout;   // timeout=DURATION
  bool epoch_interruption = false;                   // epoch-interruption[=y|n]
  std::optional<uint64_t> max_memory_size;           // bytes per memory
  std::optional<uint64_t> max_table_elements;        // per table
  std::optional<uint64_t> max_instances;
  std::optional<uint64_t> max_memories;
  std::optional<uint64_t> max_tables;
  bool trap_on_grow_failure = false;                 // trap-on-grow-failure[=y|n]
  std::optional<uint64_t> max_wasm_stack;            // bytes
};

// Parses an optimization level: 0, 1, 2 or s, optionally spelled opt-level=N (-O).
bool parse_opt_level(std::string_view v, environ::OptLevel& out);
// One -O item: an optimization level (parse_opt_level) or inlining=y|n.
bool parse_optimize_option(std::string_view v, environ::OptLevel& level, bool& inlining);

// Parses the value of one -W: KEY[=VALUE], or several separated by commas. Unknown keys and
// malformed values are errors naming them.
[[nodiscard]] Expected<void> parse_wasm_option(std::string_view spec, WasmOptions& out);

// The -W section of `kiln run --help`.
std::string_view wasm_options_help();

// Sets the engine configuration the options need (fuel metering, epoch interruption, Wasm
// stack size). Fails when max-wasm-stack would not leave this thread's native stack room for
// the host (it must stay below the stack size limit, `ulimit -s`).
[[nodiscard]] Expected<void> apply_wasm_options(const WasmOptions& opts, runtime::Config& config);

// The per-store side of the options for one run: fuel, epoch deadline, resource limiter and
// the timeout's timer thread (stopped and joined when this object is destroyed).
class WasmLimits {
 public:
  WasmLimits(const WasmOptions& opts, const runtime::Engine& engine, runtime::Store& store);
  ~WasmLimits();
  WasmLimits(const WasmLimits&) = delete;
  WasmLimits& operator=(const WasmLimits&) = delete;

  // With print-fuel: "fuel consumed: N" on `err`.
  void report(std::ostream& err) const;

 private:
  const WasmOptions& opts_;
  runtime::Store& store_;
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread timer_;
};

}  // namespace kiln::cli
