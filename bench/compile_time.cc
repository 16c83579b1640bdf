// bench/compile_time.cc: Kiln's compile speed per phase, single-threaded, over .wasm files
// (the sightglass programs in ../shared/bench/sightglass): decode+validate, translate,
// optimize, lower, regalloc and emit times (thread CPU time), µs per IR instruction of each
// phase, and whole-module MB/s (file bytes / total time), best of REPS compiles per file.
// No verifier and no regalloc checker: this is what `Module::from_binary` does.
//
//   compile_time [-O0|-O2] [--reps N] [--top K] FILE.wasm|DIR...
//   compile_time [-O0|-O2] --dump FUNC FILE.wasm    IR, optimized IR, vcode and machine code
//                                                    of defined function FUNC
//
// wall_s/wMB/s: wall-clock time of the best compile (comparable with bench/node/compile.mjs).
// --top K also lists the K functions with the largest compile time (µs, µs/inst per phase):
// where super-linear passes show up.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "codegen/driver/bulk_memory.h"
#include "codegen/ir/printer.h"
#include "codegen/isa/x64/disasm.h"
#include "codegen/opt/passes.h"
#include "codegen/pipeline/compile.h"
#include "codegen/translate/translate.h"
#include "environ/tunables.h"
#include "environ/vmoffsets.h"
#include "wasm/decoder.h"
#include "wasm/validator.h"

namespace {

using namespace kiln;

uint64_t thread_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

struct Input {
  std::string name;
  std::vector<uint8_t> bytes;
};

// Times of one module compile (ns), summed over functions.
struct Times {
  uint64_t decode = 0, translate = 0, optimize = 0, lower = 0, regalloc = 0, emit = 0;
  uint64_t ir_insts = 0, vcode_insts = 0, code_bytes = 0;
  uint64_t pass[codegen::opt::OptimizeStats::kNumPasses] = {};
  uint64_t pass_changed[codegen::opt::OptimizeStats::kNumPasses] = {};
  uint64_t pass_runs[codegen::opt::OptimizeStats::kNumPasses] = {};
  uint64_t rounds = 0, funcs = 0;
  uint64_t wall = 0;  // wall-clock ns of the whole module (what Node's timing measures)
  uint64_t total() const { return decode + translate + optimize + lower + regalloc + emit; }
};

struct FuncTime {
  uint32_t index = 0;
  uint64_t translate = 0;
  codegen::pipeline::PhaseStats st;
  uint64_t total() const { return translate + st.optimize_ns + st.lower_ns + st.regalloc_ns + st.emit_ns; }
};

bool compile_module(const Input& in, int opt_level, Times& t, std::vector<FuncTime>* funcs,
                    int64_t dump = -1) {
  const wasm::Features features = wasm::Features::all();
  uint64_t t0 = thread_ns();
  auto m = wasm::decode(in.bytes, features);
  if (!m) {
    std::fprintf(stderr, "%s: %s\n", in.name.c_str(), m.error().to_string().c_str());
    return false;
  }
  if (auto v = wasm::validate(*m, features); !v) {
    std::fprintf(stderr, "%s: %s\n", in.name.c_str(), v.error().to_string().c_str());
    return false;
  }
  auto offsets = environ::VMOffsets::for_module(*m);
  if (!offsets) {
    std::fprintf(stderr, "%s: %s\n", in.name.c_str(), offsets.error().to_string().c_str());
    return false;
  }
  environ::Tunables tunables;
  codegen::translate::ModuleEnv env{*m, *offsets, tunables};
  codegen::pipeline::CompileOptions options;
  options.opt_level = opt_level;
  options.verify = false;
  options.check_regalloc = false;
  // The prologue check the runtime compiles (driver/compiler.cc); its offsets do not matter
  // for speed.
  options.stack_limit_path = {0, 0};
  // The memories for the loop idiom pass, as the runtime's driver gives them.
  codegen::driver::WasmBulkMemory bulk_memory(*m, *offsets, tunables);
  options.bulk_memory = &bulk_memory;
  t.decode += thread_ns() - t0;
  for (uint32_t k = 0; k < m->num_defined_funcs(); ++k) {
    if (dump >= 0 && k != dump) continue;
    uint64_t a = thread_ns();
    auto ir = codegen::translate::translate_function(env, environ::DefinedFuncIndex(k));
    uint64_t b = thread_ns();
    if (!ir) {
      std::fprintf(stderr, "%s: function %u: %s\n", in.name.c_str(), k, ir.error().to_string().c_str());
      return false;
    }
    codegen::pipeline::CompileDebug dbg;
    dbg.want_vcode = dump >= 0;
    if (dump >= 0) {
      options.verify = true;
      options.check_regalloc = true;
      std::printf("=== IR\n%s", codegen::ir::print_function(*ir).c_str());
      if (opt_level > 0) {
        codegen::ir::Function o = *ir;
        codegen::opt::optimize(o, nullptr, &bulk_memory);
        std::printf("=== optimized IR\n%s", codegen::ir::print_function(o).c_str());
      }
    }
    auto cc = codegen::pipeline::compile(std::move(*ir), options, &dbg);  // as the runtime does
    if (!cc) {
      std::fprintf(stderr, "%s: function %u: %s\n", in.name.c_str(), k, cc.error().to_string().c_str());
      return false;
    }
    if (dump >= 0) {
      std::printf("=== vcode\n%s=== machine code (%zu bytes)\n%s", dbg.vcode.c_str(), cc->code.size(),
                  codegen::x64::disassemble(cc->code).c_str());
    }
    const auto& st = dbg.stats;
    t.translate += b - a;
    t.optimize += st.optimize_ns;
    t.lower += st.lower_ns;
    t.regalloc += st.regalloc_ns;
    t.emit += st.emit_ns;
    t.ir_insts += st.ir_insts;
    t.vcode_insts += st.vcode_insts;
    t.code_bytes += st.code_bytes;
    for (int p = 0; p < codegen::opt::OptimizeStats::kNumPasses; ++p) {
      t.pass[p] += st.opt.pass_ns[p];
      t.pass_changed[p] += st.opt.pass_changed[p];
      t.pass_runs[p] += st.opt.pass_runs[p];
    }
    t.rounds += st.opt.rounds;
    ++t.funcs;
    if (funcs) funcs->push_back({k, b - a, st});
  }
  return true;
}

void add_inputs(const char* arg, std::vector<Input>& inputs) {
  std::error_code ec;
  auto add = [&](const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    inputs.push_back({p.string(), std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {})});
  };
  if (std::filesystem::is_directory(arg, ec)) {
    std::vector<std::filesystem::path> found;
    for (const auto& e : std::filesystem::recursive_directory_iterator(arg)) {
      if (e.is_regular_file() && e.path().extension() == ".wasm") found.push_back(e.path());
    }
    std::sort(found.begin(), found.end());
    for (const auto& p : found) add(p);
  } else {
    add(arg);
  }
}

double us_per(uint64_t ns, uint64_t n) { return n ? static_cast<double>(ns) / 1000.0 / static_cast<double>(n) : 0; }

}  // namespace

int main(int argc, char** argv) {
  int opt_level = 2, reps = 3, top = 0;
  int64_t dump = -1;
  std::vector<Input> inputs;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "-O0")) {
      opt_level = 0;
    } else if (!std::strcmp(argv[i], "-O2")) {
      opt_level = 2;
    } else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (!std::strcmp(argv[i], "--dump") && i + 1 < argc) {
      dump = std::atoll(argv[++i]);
    } else if (!std::strcmp(argv[i], "--top") && i + 1 < argc) {
      top = std::max(0, std::atoi(argv[++i]));
    } else if (argv[i][0] == '-') {
      std::fprintf(stderr,
                   "usage: compile_time [-O0|-O2] [--reps N] [--top K] FILE.wasm|DIR...\n"
                   "       compile_time [-O0|-O2] --dump FUNC FILE.wasm\n");
      return 2;
    } else {
      add_inputs(argv[i], inputs);
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "compile_time: no .wasm files given\n");
    return 2;
  }
  if (dump >= 0) {
    Times t;
    return compile_module(inputs[0], opt_level, t, nullptr, dump) ? 0 : 1;
  }
  std::printf("-O%d, best of %d, thread CPU time; us/inst = microseconds per IR instruction\n",
              opt_level, reps);
  std::printf("%-40s %7s %8s %7s %7s %7s %7s %7s %7s %8s %7s %8s %7s\n", "module", "KB", "IRinsts", "decode",
              "transl", "opt", "lower", "ralloc", "emit", "total_s", "MB/s", "wall_s", "wMB/s");
  Times all;
  uint64_t all_bytes = 0;
  int failures = 0;
  for (const Input& in : inputs) {
    Times best;
    uint64_t best_wall = UINT64_MAX;
    std::vector<FuncTime> funcs;
    bool ok = true;
    for (int r = 0; r < reps && ok; ++r) {
      Times t;
      std::vector<FuncTime> f;
      auto w0 = std::chrono::steady_clock::now();
      ok = compile_module(in, opt_level, t, top ? &f : nullptr);
      t.wall = static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - w0).count());
      if (ok) best_wall = std::min(best_wall, t.wall);
      if (ok && (r == 0 || t.total() < best.total())) {
        best = t;
        funcs = std::move(f);
      }
    }
    if (!ok) {
      ++failures;
      continue;
    }
    std::string name = in.name;
    if (name.size() > 40) name = name.substr(name.size() - 40);
    uint64_t n = best.ir_insts;
    std::printf("%-40s %7.0f %8llu %7.3f %7.3f %7.3f %7.3f %7.3f %7.3f %8.3f %7.2f %8.3f %7.2f\n", name.c_str(),
                in.bytes.size() / 1024.0, static_cast<unsigned long long>(n), us_per(best.decode, n),
                us_per(best.translate, n), us_per(best.optimize, n), us_per(best.lower, n),
                us_per(best.regalloc, n), us_per(best.emit, n), best.total() / 1e9,
                in.bytes.size() / 1e6 / (best.total() / 1e9), best_wall / 1e9,
                in.bytes.size() / 1e6 / (best_wall / 1e9));
    all.wall += best_wall;
    all.decode += best.decode;
    all.translate += best.translate;
    all.optimize += best.optimize;
    all.lower += best.lower;
    all.regalloc += best.regalloc;
    all.emit += best.emit;
    all.ir_insts += best.ir_insts;
    all.vcode_insts += best.vcode_insts;
    all.code_bytes += best.code_bytes;
    for (int p = 0; p < codegen::opt::OptimizeStats::kNumPasses; ++p) {
      all.pass[p] += best.pass[p];
      all.pass_changed[p] += best.pass_changed[p];
      all.pass_runs[p] += best.pass_runs[p];
    }
    all.rounds += best.rounds;
    all.funcs += best.funcs;
    all_bytes += in.bytes.size();
    if (top) {
      std::sort(funcs.begin(), funcs.end(), [](const FuncTime& a, const FuncTime& b) { return a.total() > b.total(); });
      for (int k = 0; k < top && k < static_cast<int>(funcs.size()); ++k) {
        const FuncTime& f = funcs[k];
        uint32_t fn = f.st.ir_insts;
        std::printf("  func %-6u %7u insts %9.0f us: transl %.2f opt %.2f lower %.2f ralloc %.2f emit %.2f us/inst\n",
                    f.index, fn, f.total() / 1000.0, us_per(f.translate, fn), us_per(f.st.optimize_ns, fn),
                    us_per(f.st.lower_ns, fn), us_per(f.st.regalloc_ns, fn), us_per(f.st.emit_ns, fn));
      }
    }
  }
  if (inputs.size() > 1) {
    uint64_t n = all.ir_insts;
    std::printf("%-40s %7.0f %8llu %7.3f %7.3f %7.3f %7.3f %7.3f %7.3f %8.3f %7.2f %8.3f %7.2f\n", "all",
                all_bytes / 1024.0, static_cast<unsigned long long>(n), us_per(all.decode, n),
                us_per(all.translate, n), us_per(all.optimize, n), us_per(all.lower, n),
                us_per(all.regalloc, n), us_per(all.emit, n), all.total() / 1e9,
                all_bytes / 1e6 / (all.total() / 1e9), all.wall / 1e9, all_bytes / 1e6 / (all.wall / 1e9));
  }
  if (opt_level > 0 && all.ir_insts) {
    std::printf("machine code: %llu bytes, %llu instructions before allocation\n",
                static_cast<unsigned long long>(all.code_bytes), static_cast<unsigned long long>(all.vcode_insts));
    std::printf("mid-end passes, us/inst over all modules (%.2f rounds per function):",
                all.funcs ? static_cast<double>(all.rounds) / all.funcs : 0.0);
    for (int p = 0; p < codegen::opt::OptimizeStats::kNumPasses; ++p) {
      std::printf(" %s %.3f", codegen::opt::OptimizeStats::pass_name(p), us_per(all.pass[p], all.ir_insts));
    }
    std::printf("\nruns per function:");
    for (int p = 0; p < codegen::opt::OptimizeStats::kNumPasses; ++p) {
      std::printf(" %s %.2f", codegen::opt::OptimizeStats::pass_name(p),
                  all.funcs ? static_cast<double>(all.pass_runs[p]) / all.funcs : 0.0);
    }
    std::printf("\nruns that changed something per function:");
    for (int p = 0; p < codegen::opt::OptimizeStats::kNumPasses; ++p) {
      std::printf(" %s %.2f", codegen::opt::OptimizeStats::pass_name(p),
                  all.funcs ? static_cast<double>(all.pass_changed[p]) / all.funcs : 0.0);
    }
    std::printf("\n");
  }
  return failures ? 1 : 0;
}
