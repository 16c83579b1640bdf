// cli/wasm_options.cc: parsing and applying `kiln run -W KEY=VALUE` (see wasm_options.h).
#include "cli/wasm_options.h"

#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace kiln::cli {
namespace {

constexpr std::string_view kHelp =
    "Execution limits (-W KEY=VALUE, repeatable, or comma-separated: -W fuel=1000,print-fuel):\n"
    "  -W fuel=N                 run with N units of fuel (about one per Wasm instruction); out of\n"
    "                            fuel traps \"all fuel consumed\"\n"
    "  -W print-fuel             print \"fuel consumed: N\" to stderr when the run ends (needs fuel=N)\n"
    "  -W timeout=DURATION       interrupt the guest after DURATION (e.g. 5s, 100ms, 1m, 1h): it\n"
    "                            traps \"interrupt\" (epoch interruption with a timer thread)\n"
    "  -W epoch-interruption[=y|n]  compile with epoch checks (implied by timeout)\n"
    "  -W max-memory-size=BYTES  no linear memory may grow beyond BYTES (memory.grow returns -1)\n"
    "  -W max-table-elements=N   no table may grow beyond N elements (table.grow returns -1)\n"
    "  -W max-instances=N        at most N instances in the store (also max-memories, max-tables)\n"
    "  -W trap-on-grow-failure[=y|n]  trap instead of returning -1 when a limit refuses a growth\n"
    "  -W max-wasm-stack=BYTES   native stack Wasm code may use (default 512KiB); beyond it traps\n"
    "                            \"call stack exhausted\"\n"
    "  BYTES take an optional K, M or G suffix (powers of 1024, also KiB, MiB, GiB).\n";

Error bad_value(std::string_view key, std::string_view value, std::string_view expected) {
  return Error(ErrorKind::kOther, "-W " + std::string(key) + "=" + std::string(value) + ": expected " +
                                      std::string(expected));
}

std::optional<uint64_t> parse_u64(std::string_view s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<uint64_t> parse_bytes(std::string_view s) {
  uint64_t scale = 1;
  struct Suffix {
    std::string_view text;
    uint64_t scale;
  };
  static constexpr Suffix kSuffixes[] = {{"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30},
                                         {"K", 1ull << 10},   {"M", 1ull << 20},   {"G", 1ull << 30}};
  for (const Suffix& suf : kSuffixes) {
    if (s.size() > suf.text.size() && s.ends_with(suf.text)) {
      scale = suf.scale;
      s.remove_suffix(suf.text.size());
      break;
    }
  }
  std::optional<uint64_t> v = parse_u64(s);
  if (!v || *v > UINT64_MAX / scale) return std::nullopt;
  return *v * scale;
}

// A duration with a unit: ns, us, ms, s, m, h (a decimal fraction is allowed: 1.5s).
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view s) {
  struct Unit {
    std::string_view text;
    double ns;
  };
  static constexpr Unit kUnits[] = {{"ns", 1.0}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  // Longest suffix first: "ms" and "ns" before "s" and "m".
  for (const Unit& u : kUnits) {
    if (s.size() <= u.text.size() || !s.ends_with(u.text)) continue;
    std::string_view num = s.substr(0, s.size() - u.text.size());
    double v = 0;
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
    if (ec != std::errc() || p != num.data() + num.size() || !std::isfinite(v) || v < 0) return std::nullopt;
    double ns = v * u.ns;
    if (ns > 9e18) return std::nullopt;  // beyond what nanoseconds in an int64 hold
    return std::chrono::nanoseconds(static_cast<int64_t>(ns));
  }
  return std::nullopt;
}

std::optional<bool> parse_bool(std::optional<std::string_view> v) {
  if (!v || *v == "y" || *v == "yes" || *v == "true") return true;
  if (*v == "n" || *v == "no" || *v == "false") return false;
  return std::nullopt;
}

Expected<void> parse_one(std::string_view item, WasmOptions& out) {
  size_t eq = item.find('=');
  std::string_view key = item.substr(0, eq);
  std::optional<std::string_view> value;
  if (eq != std::string_view::npos) value = item.substr(eq + 1);
  auto need = [&](std::string_view what) -> Expected<std::string_view> {
    if (!value) return Error(ErrorKind::kOther, "-W " + std::string(key) + " needs a value (" + std::string(what) + ")");
    return *value;
  };
  auto u64 = [&](std::optional<uint64_t>& field) -> Expected<void> {
    KILN_ASSIGN_OR_RETURN(std::string_view v, need("a number"));
    field = parse_u64(v);
    if (!field) return bad_value(key, v, "a non-negative integer");
    return {};
  };
  auto bytes = [&](std::optional<uint64_t>& field) -> Expected<void> {
    KILN_ASSIGN_OR_RETURN(std::string_view v, need("a size in bytes"));
    field = parse_bytes(v);
    if (!field) return bad_value(key, v, "a size in bytes (e.g. 65536, 64K, 16MiB)");
    return {};
  };
  auto flag = [&](bool& field) -> Expected<void> {
    std::optional<bool> b = parse_bool(value);
    if (!b) return bad_value(key, *value, "y or n");
    field = *b;
    return {};
  };
  if (key == "fuel") return u64(out.fuel);
  if (key == "print-fuel") return flag(out.print_fuel);
  if (key == "timeout") {
    KILN_ASSIGN_OR_RETURN(std::string_view v, need("a duration"));
    out.timeout = parse_duration(v);
    if (!out.timeout) return bad_value(key, v, "a duration with a unit (e.g. 5s, 100ms, 1m, 1h)");
    return {};
  }
  if (key == "epoch-interruption") return flag(out.epoch_interruption);
  if (key == "max-memory-size") return bytes(out.max_memory_size);
  if (key == "max-table-elements") return u64(out.max_table_elements);
  if (key == "max-instances") return u64(out.max_instances);
  if (key == "max-memories") return u64(out.max_memories);
  if (key == "max-tables") return u64(out.max_tables);
  if (key == "trap-on-grow-failure") return flag(out.trap_on_grow_failure);
  if (key == "max-wasm-stack") {
    KILN_TRY(bytes(out.max_wasm_stack));
    if (*out.max_wasm_stack == 0) return bad_value(key, *value, "a nonzero size");
    return {};
  }
  return Error(ErrorKind::kOther, "unknown -W option `" + std::string(key) + "` (see `kiln run --help`)");
}

}  // namespace

Expected<void> parse_wasm_option(std::string_view spec, WasmOptions& out) {
  if (spec.empty()) return Error(ErrorKind::kOther, "-W needs KEY=VALUE (see `kiln run --help`)");
  while (true) {
    size_t comma = spec.find(',');
    KILN_TRY(parse_one(spec.substr(0, comma), out));
    if (comma == std::string_view::npos) return {};
    spec.remove_prefix(comma + 1);
  }
}

std::string_view wasm_options_help() { return kHelp; }

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

bool parse_optimize_option(std::string_view v, environ::OptLevel& level, bool& inlining) {
  if (v.starts_with("inlining=")) {
    v.remove_prefix(9);
    if (v == "y" || v == "yes" || v == "true") {
      inlining = true;
    } else if (v == "n" || v == "no" || v == "false") {
      inlining = false;
    } else {
      return false;
    }
    return true;
  }
  return parse_opt_level(v, level);
}

Expected<void> apply_wasm_options(const WasmOptions& opts, runtime::Config& config) {
  if (opts.print_fuel && !opts.fuel) {
    return Error(ErrorKind::kOther, "-W print-fuel needs -W fuel=N");
  }
  if (opts.fuel) config.consume_fuel(true);
  if (opts.timeout || opts.epoch_interruption) config.epoch_interruption(true);
  if (opts.max_wasm_stack) {
    // Wasm runs on this thread's stack: past the OS limit it would hit the guard page, which
    // is a crash, not a trap. Keep 256 KiB for the host's own frames (and this one's callers).
    constexpr uint64_t kHostReserve = 256 * 1024;
    struct rlimit rl {};
    if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
      uint64_t limit = rl.rlim_cur > kHostReserve ? rl.rlim_cur - kHostReserve : 0;
      if (*opts.max_wasm_stack > limit) {
        return Error(ErrorKind::kOther, "-W max-wasm-stack=" + std::to_string(*opts.max_wasm_stack) +
                                            " does not fit in the native stack (limit " +
                                            std::to_string(rl.rlim_cur) +
                                            " bytes, `ulimit -s`) with room for the host; at most " +
                                            std::to_string(limit));
      }
    }
    config.max_wasm_stack(*opts.max_wasm_stack);
  }
  return {};
}

WasmLimits::WasmLimits(const WasmOptions& opts, const runtime::Engine& engine, runtime::Store& store)
    : opts_(opts), store_(store) {
  if (opts.fuel) {
    // Cannot fail: apply_wasm_options turned fuel metering on.
    if (Expected<void> r = store.set_fuel(*opts.fuel); !r) std::abort();
  }
  if (engine.config().tunables.epoch_interruption) {
    // One tick with a timeout (the timer's), else never.
    store.set_epoch_deadline(opts.timeout ? 1 : UINT64_MAX);
  }
  if (opts.max_memory_size || opts.max_table_elements || opts.max_instances || opts.max_memories ||
      opts.max_tables || opts.trap_on_grow_failure) {
    auto limits = std::make_shared<runtime::StoreLimits>();
    limits->memory_size = opts.max_memory_size;
    limits->table_elements = opts.max_table_elements;
    if (opts.max_instances) limits->max_instances = *opts.max_instances;
    if (opts.max_memories) limits->max_memories = *opts.max_memories;
    if (opts.max_tables) limits->max_tables = *opts.max_tables;
    limits->trap_on_grow_failure = opts.trap_on_grow_failure;
    store.limiter(std::move(limits));
  }
  if (opts.timeout) {
    std::chrono::nanoseconds timeout = *opts.timeout;
    timer_ = std::thread([this, engine, timeout] {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!stop_cv_.wait_for(lock, timeout, [this] { return stop_; })) engine.increment_epoch();
    });
  }
}

WasmLimits::~WasmLimits() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
}

void WasmLimits::report(std::ostream& err) const {
  if (!opts_.print_fuel || !opts_.fuel) return;
  Expected<uint64_t> left = store_.get_fuel();
  if (!left) return;
  err << "fuel consumed: " << (*opts_.fuel - std::min(*opts_.fuel, *left)) << "\n";
}

}  // namespace kiln::cli
