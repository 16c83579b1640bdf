// fuzz/regalloc_fuzzer.cc: decodes the input bytes into a random allocator input (the same
// generator as tests/unit/regalloc/, driven by the bytes), allocates it and requires the
// symbolic checker to accept the result. Generated inputs are always valid, so any failure of
// run() or check() is an allocator bug.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "codegen/regalloc/random_function.h"
#include "codegen/regalloc/regalloc.h"

using namespace kiln::codegen::regalloc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteChoices src(data, size);
  GenConfig cfg;
  // The first byte picks the shape, so the corpus covers small and pressure-heavy functions.
  uint32_t shape = src.below(4);
  cfg.max_blocks = 4 + shape * 8;
  cfg.max_insts_per_block = 6 + shape * 4;
  cfg.reach = 8 + shape * 16;
  cfg.allow_floats = shape != 3;
  // Rematerialisable constants in two of the shapes (one with floats, one without; no extra
  // choice, so the corpus keeps its meaning).
  cfg.remat_percent = shape % 2 == 1 ? 15 : 0;
  GeneratedFunction g = generate_function(src, cfg);
  Options opts;
  opts.validate_input = true;  // the generator's inputs are valid: any rejection is a bug
  auto out = run(g.func, g.env, opts);
  if (!out.ok()) {
    std::fprintf(stderr, "regalloc failed on a valid input: %s\n", out.error().message().c_str());
    std::abort();
  }
  auto c = check(g.func, g.env, *out);
  if (!c.ok()) {
    std::fprintf(stderr, "checker rejected the allocation: %s\n", c.error().message().c_str());
    std::abort();
  }
  return 0;
}
