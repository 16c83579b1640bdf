// bench/instantiate_bench.cc: instantiation latency, Wasmtime-style: per iteration a new Store,
// InstancePre::instantiate, one call of a trivial export; on-demand vs pooling allocation (and
// on-demand without copy-on-write images), on 1 and 2 threads. Reports the median and p90 of
// that latency in µs, and of the whole cycle including dropping the store (which gives the
// pool slots back). Modules: sqlite3.wasm from the sightglass folder (its WASI and bench
// imports are trivial host functions of the right types; the call is sqlite3_libversion_number,
// which returns a constant), and a synthetic module with a 1 MiB memory and 64 data segments.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "runtime/linker.h"
#include "runtime/module.h"
#include "runtime/store.h"
#include "wat/wat.h"

namespace {

using namespace kiln;
using Clock = std::chrono::steady_clock;

struct Case {
  std::string name;
  std::vector<uint8_t> bytes;
  std::string export_name;
};

// 16 pages of memory, 64 segments of 4 KiB each spread over it (256 KiB of data), an empty
// export.
std::vector<uint8_t> synthetic_module() {
  std::string text = "(module (memory (export \"memory\") 16)\n";
  for (int s = 0; s < 64; ++s) {
    text += "(data (i32.const " + std::to_string(s * 16384) + ") \"";
    for (int i = 0; i < 4096; ++i) {
      static const char* hex = "0123456789abcdef";
      unsigned char b = static_cast<unsigned char>((s * 31 + i) & 0xff);
      text += '\\';
      text += hex[b >> 4];
      text += hex[b & 15];
    }
    text += "\")\n";
  }
  text += "(func (export \"empty\")))";
  auto bytes = wat::parse_module(text);
  if (!bytes) {
    std::fprintf(stderr, "instantiate_bench: synthetic module: %s\n", bytes.error().to_string().c_str());
    std::exit(1);
  }
  return *bytes;
}

struct Stats {
  double median = 0, p90 = 0;
};

Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return {};
  return {v[v.size() / 2], v[v.size() * 9 / 10]};
}

struct Result {
  Stats instantiate;  // store + instantiate + call
  Stats cycle;        // ... + dropping the store
};

// Compiles the module and resolves its imports once.
runtime::InstancePre prepare(const runtime::Engine& engine, const Case& c) {
  auto module = runtime::Module::from_binary(engine, c.bytes);
  if (!module) {
    std::fprintf(stderr, "instantiate_bench: %s: %s\n", c.name.c_str(), module.error().to_string().c_str());
    std::exit(1);
  }
  runtime::Linker linker;
  for (const runtime::ImportType& imp : module->imports()) {
    if (imp.type.kind != wasm::ExternKind::kFunc) {
      std::fprintf(stderr, "instantiate_bench: %s imports a non-function\n", c.name.c_str());
      std::exit(1);
    }
    // Never called on the measured path; returns zeros of the right types if it is.
    auto ok = linker.func_new(imp.module, imp.name, imp.type.func,
                              [](runtime::Caller&, std::span<const runtime::Val>, std::span<runtime::Val> results)
                                  -> Expected<void> {
                                for (runtime::Val& r : results) r = runtime::Val::i32(0);
                                return {};
                              });
    if (!ok) std::exit(1);
  }
  auto pre = linker.instantiate_pre(*module);
  if (!pre) {
    std::fprintf(stderr, "instantiate_bench: %s: %s\n", c.name.c_str(), pre.error().to_string().c_str());
    std::exit(1);
  }
  return *pre;
}

// Runs `iterations` instantiations per thread on `threads` threads.
Result run(const runtime::Engine& engine, const runtime::InstancePre& pre, const Case& c, int threads,
           int iterations) {
  std::vector<std::vector<double>> inst_us(threads), cycle_us(threads);
  auto worker = [&](int t) {
    inst_us[t].reserve(iterations);
    cycle_us[t].reserve(iterations);
    for (int i = 0; i < iterations + iterations / 10; ++i) {  // the first 10% warm up
      Clock::time_point t0 = Clock::now(), t1;
      {
        runtime::Store store(engine);
        auto inst = pre.instantiate(store);
        if (!inst) {
          std::fprintf(stderr, "instantiate_bench: %s: %s\n", c.name.c_str(), inst.error().to_string().c_str());
          std::exit(1);
        }
        auto f = inst->get_func(c.export_name);
        runtime::Val results[1];
        size_t n = f ? f->type().results.size() : 0;
        if (!f || n > 1 || !f->call({}, std::span<runtime::Val>(results, n))) {
          std::fprintf(stderr, "instantiate_bench: %s: calling %s failed\n", c.name.c_str(), c.export_name.c_str());
          std::exit(1);
        }
        t1 = Clock::now();
      }
      Clock::time_point t2 = Clock::now();
      if (i < iterations / 10) continue;
      inst_us[t].push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      cycle_us[t].push_back(std::chrono::duration<double, std::micro>(t2 - t0).count());
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker, t);
  for (std::thread& th : pool) th.join();
  std::vector<double> all_inst, all_cycle;
  for (int t = 0; t < threads; ++t) {
    all_inst.insert(all_inst.end(), inst_us[t].begin(), inst_us[t].end());
    all_cycle.insert(all_cycle.end(), cycle_us[t].begin(), cycle_us[t].end());
  }
  return {stats(all_inst), stats(all_cycle)};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: instantiate_bench SIGHTGLASS_DIR [ITERATIONS [FILTER]]\n"
                         "  FILTER: only the rows whose \"module allocation\" contains it\n");
    return 2;
  }
  int iterations = argc > 2 ? std::stoi(argv[2]) : 2000;
  std::string filter = argc > 3 ? argv[3] : "";
  std::vector<Case> cases;
  std::filesystem::path sqlite = std::filesystem::path(argv[1]) / "sqlite3" / "sqlite3.wasm";
  std::ifstream in(sqlite, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "instantiate_bench: cannot read %s\n", sqlite.c_str());
    return 1;
  }
  cases.push_back({"sqlite3.wasm", {std::istreambuf_iterator<char>(in), {}}, "sqlite3_libversion_number"});
  cases.push_back({"synthetic (1 MiB memory, 64x4 KiB data)", synthetic_module(), "empty"});

  struct Mode {
    const char* name;
    bool pooling;
    bool cow;
  };
  const Mode modes[] = {{"on-demand, no CoW", false, false}, {"on-demand + CoW", false, true}, {"pooling + CoW", true, true}};
  std::printf("%-42s %-20s %7s %14s %10s %14s %10s\n", "module", "allocation", "threads", "inst+call med", "p90",
              "+drop med", "p90");
  for (const Case& c : cases) {
    for (const Mode& mode : modes) {
      if ((c.name + " " + mode.name).find(filter) == std::string::npos) continue;
      runtime::Config config;
      config.memory_init_cow = mode.cow;
      if (mode.pooling) {
        config.allocation_strategy = runtime::Config::AllocationStrategy::kPooling;
        config.pooling.total_instances = 64;
        config.pooling.total_memories = 64;
        config.pooling.total_tables = 64;
      }
      runtime::Engine engine(config);
      runtime::InstancePre pre = prepare(engine, c);
      for (int threads : {1, 2}) {
        Result r = run(engine, pre, c, threads, iterations);
        std::printf("%-42s %-20s %7d %11.2f µs %7.2f µs %11.2f µs %7.2f µs\n", c.name.c_str(), mode.name, threads,
                    r.instantiate.median, r.instantiate.p90, r.cycle.median, r.cycle.p90);
      }
    }
  }
  return 0;
}
