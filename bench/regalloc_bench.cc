// bench/regalloc_bench.cc: register allocator throughput: µs per instruction of run() and of
// check() (thread CPU time, best of several runs) over generated functions of several shapes and sizes (the random generator of
// codegen/regalloc, seeded, so every run measures the same inputs).
//
//   regalloc_bench [MIN_SECONDS_PER_CASE [SHAPE [INSTS]]]   (a shape and size alone: for perf)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "codegen/regalloc/random_function.h"
#include "codegen/regalloc/regalloc.h"

namespace {

using namespace kiln::codegen::regalloc;

struct Shape {
  const char* name;
  GenConfig cfg;
};

std::vector<Shape> shapes() {
  std::vector<Shape> s;
  {
    // Structured code: local branches and loops, mostly short live ranges, a few long ones.
    GenConfig c;
    c.min_insts_per_block = 4;
    c.max_insts_per_block = 16;
    c.reach = 6;
    c.far_percent = 10;
    c.jump_window = 4;
    c.call_percent = 4;
    s.push_back({"typical", c});
  }
  {
    // Few large blocks (straight-line code after inlining/unrolling).
    GenConfig c;
    c.min_insts_per_block = 200;
    c.max_insts_per_block = 400;
    c.reach = 8;
    c.far_percent = 10;
    c.jump_window = 2;
    c.call_percent = 2;
    s.push_back({"big-blocks", c});
  }
  {
    // Many values live at once: spills, reloads and splits everywhere.
    GenConfig c;
    c.min_insts_per_block = 4;
    c.max_insts_per_block = 20;
    c.reach = 40;
    c.far_percent = 30;
    c.jump_window = 8;
    c.call_percent = 10;
    c.allow_floats = false;
    s.push_back({"pressure", c});
  }
  {
    // The generator's defaults: branches anywhere, long live ranges through a tangled CFG.
    GenConfig c;
    c.min_insts_per_block = 4;
    c.max_insts_per_block = 16;
    s.push_back({"tangled", c});
  }
  return s;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The thread's CPU time: on a shared, loaded machine wall time mostly measures the others.
double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  double min_seconds = argc > 1 ? std::atof(argv[1]) : 0.3;
  if (!(min_seconds > 0)) {
    std::fprintf(stderr, "usage: regalloc_bench [MIN_SECONDS_PER_CASE [SHAPE [INSTS]]]\n");
    return 2;
  }
  const std::string only_shape = argc > 2 ? argv[2] : "";
  const uint32_t only_size = argc > 3 ? static_cast<uint32_t>(std::atoi(argv[3])) : 0;
  std::printf("%-11s %8s %7s %8s %9s %11s %11s %8s %8s\n", "shape", "insts", "blocks", "vregs", "edits/in",
              "run us/in", "check us/in", "splits", "slots");
  for (const Shape& shape : shapes()) {
    if (!only_shape.empty() && only_shape != shape.name) continue;
    for (uint32_t target : {1000u, 10000u, 100000u}) {
      if (only_size != 0 && target != only_size) continue;
      GenConfig cfg = shape.cfg;
      cfg.single_exit = true;
      cfg.edge_blocks_after_source = true;
      uint32_t per_block = (cfg.min_insts_per_block + cfg.max_insts_per_block) / 2 + 2;
      cfg.min_blocks = cfg.max_blocks = std::max<uint32_t>(1, target / per_block);
      SeededChoices src(1234 + target);
      GeneratedFunction g = generate_function(src, cfg);
      const double ni = static_cast<double>(g.func.insts.size());
      // Best of repeated runs: the least disturbed measurement of the same work.
      double best_run = 1e30, best_check = 1e30;
      Output out;
      auto t_case = std::chrono::steady_clock::now();
      int reps = 0;
      do {
        double t0 = cpu_seconds();
        auto r = run(g.func, g.env);
        double t_run = cpu_seconds() - t0;
        if (!r.ok()) {
          std::fprintf(stderr, "%s/%u: run failed: %s\n", shape.name, target, r.error().message().c_str());
          return 1;
        }
        double t1 = cpu_seconds();
        auto c = check(g.func, g.env, *r);
        double t_check = cpu_seconds() - t1;
        if (!c.ok()) {
          std::fprintf(stderr, "%s/%u: check failed: %s\n", shape.name, target, c.error().message().c_str());
          return 1;
        }
        best_run = std::min(best_run, t_run);
        best_check = std::min(best_check, t_check);
        out = std::move(r).value();
        ++reps;
      } while (seconds_since(t_case) < min_seconds || reps < 2);
      std::printf("%-11s %8zu %7zu %8u %9.2f %11.3f %11.3f %8u %8u\n", shape.name, g.func.insts.size(),
                  g.func.blocks.size(), g.func.num_vregs, static_cast<double>(out.edits.size()) / ni,
                  best_run * 1e6 / ni, best_check * 1e6 / ni, out.stats.splits, out.num_spill_slots);
      std::fflush(stdout);
    }
  }
  return 0;
}
