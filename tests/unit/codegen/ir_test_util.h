// tests/unit/codegen/ir_test_util.h: small IR queries shared by the mid-end pass tests.
#pragma once

#include <cstddef>
#include <cstdint>

#include "codegen/ir/function.h"

namespace kiln::codegen::ir::test_util {

// Instructions in the function's layout (all blocks, reachable or not).
inline size_t count_insts(const Function& f) {
  size_t n = 0;
  for (Block b : f.layout.blocks()) {
    for (Inst i : f.layout.insts(b)) {
      (void)i;
      ++n;
    }
  }
  return n;
}

// SplitMix64: the random tests' reproducible generator (a seed names a test case).
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }
  bool coin() { return next() & 1; }
  bool chance(uint32_t pct) { return below(100) < pct; }

 private:
  uint64_t s_;
};

}  // namespace kiln::codegen::ir::test_util
