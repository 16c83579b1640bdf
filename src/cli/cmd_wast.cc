// cli/cmd_wast.cc: `kiln wast`: runs .wast scripts through the shared runner (wast/) and
// prints per-file results, every failure, and the totals.
#include <optional>
#include <string>

#include "cli/command.h"
#include "cli/wasm_options.h"
#include "wast/expected_failures.h"
#include "wast/runner.h"

namespace kiln::cli {
namespace {

struct WastArgs {
  std::optional<std::string> expected_failures;
  bool threads = false;
  bool verbose = false;
  std::string target_features;
  environ::OptLevel opt_level = environ::OptLevel::kSpeed;
  std::vector<std::string> files;
};

// Parses the arguments; prints the problem and returns nullopt on a bad command line.
std::optional<WastArgs> parse_args(const CommandContext& ctx) {
  WastArgs a;
  for (size_t i = 0; i < ctx.args.size(); ++i) {
    std::string_view arg = ctx.args[i];
    if (arg == "--expected-failures") {
      if (i + 1 >= ctx.args.size()) {
        ctx.err << "kiln wast: --expected-failures needs a file\n";
        return std::nullopt;
      }
      a.expected_failures = std::string(ctx.args[++i]);
    } else if (arg.starts_with("--expected-failures=")) {
      a.expected_failures = std::string(arg.substr(arg.find('=') + 1));
    } else if (arg == "--threads") {
      a.threads = true;
    } else if (arg == "-v" || arg == "--verbose") {
      a.verbose = true;
    } else if (arg.starts_with("--target-features=")) {
      a.target_features = std::string(arg.substr(arg.find('=') + 1));
    } else if (arg.starts_with("-O") && arg.size() > 2) {
      // -O0, -O2, -Os: the compiler's optimization level (default -O2).
      if (!parse_opt_level(arg.substr(2), a.opt_level)) {
        ctx.err << "kiln wast: bad optimization level '" << arg << "'\n";
        return std::nullopt;
      }
    } else if (arg.size() > 1 && arg.front() == '-') {
      ctx.err << "kiln wast: unknown option '" << arg << "'\n";
      return std::nullopt;
    } else {
      a.files.emplace_back(arg);
    }
  }
  if (a.files.empty()) {
    ctx.err << "kiln wast: no script given (see 'kiln wast --help')\n";
    return std::nullopt;
  }
  return a;
}

std::string position(const std::string& file, const Location& loc) {
  return file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.column);
}

void print_report(const wast::RunReport& r, bool verbose, std::ostream& out) {
  for (const wast::Finding& f : r.failures) {
    out << position(r.file, f.loc) << ": FAIL " << f.command << ": " << f.detail << "\n";
  }
  if (verbose) {
    for (const wast::Finding& f : r.expected_failures) {
      out << position(r.file, f.loc) << ": expected failure " << f.command << ": " << f.detail
          << "\n";
    }
    for (const wast::Finding& f : r.message_mismatches) {
      out << position(r.file, f.loc) << ": message mismatch " << f.command << ": " << f.detail
          << "\n";
    }
    for (const auto& [reason, n] : r.skip_reasons) {
      out << r.file << ": skipped " << n << ": " << reason << "\n";
    }
  }
  out << r.file << ": " << wast::format_counts(r.counts);
  if (r.counts.expected_failures != 0 || r.counts.message_mismatches != 0) {
    out << " (" << r.counts.expected_failures << " expected failures, "
        << r.counts.message_mismatches << " message mismatches)";
  }
  out << "\n";
}

}  // namespace

int run_wast(const CommandContext& ctx) {
  std::optional<WastArgs> args = parse_args(ctx);
  if (!args) return kExitUsage;

  wast::ExpectedFailures list;
  if (args->expected_failures) {
    Expected<wast::ExpectedFailures> loaded =
        wast::ExpectedFailures::load(*args->expected_failures);
    if (!loaded) {
      ctx.err << "kiln wast: " << loaded.error().message() << "\n";
      return kExitFailure;
    }
    list = std::move(*loaded);
  }

  wast::Counts total;
  for (const std::string& file : args->files) {
    wast::RunOptions options;
    options.features = wast::features_for_path(file);
    if (args->threads) options.features.threads = true;
    options.expected_failures = list.for_script(file);
    options.target_features = args->target_features;
    options.opt_level = args->opt_level;
    wast::RunReport report = wast::run_file(file, options);
    print_report(report, args->verbose, ctx.out);
    total += report.counts;
  }
  ctx.out << "expected failures: " << total.expected_failures
          << ", message mismatches: " << total.message_mismatches << "\n";
  ctx.out << wast::format_counts(total) << "\n";
  ctx.out.flush();
  return total.failed == 0 ? kExitOk : kExitFailure;
}

}  // namespace kiln::cli
