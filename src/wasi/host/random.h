// wasi/host/random.h: randomness for guests: the OS CSPRNG (random_get, wasi:random/random) and
// a fast seeded generator for wasi:random/insecure, plus insecure-seed.
#pragma once

#include <cstdint>
#include <span>
#include <utility>

#include "wasi/host/errno.h"

namespace kiln::wasi::host {

// Fills `out` from getrandom(2): the kernel CSPRNG, never a userspace generator.
Result<void> random_fill(std::span<uint8_t> out);
Result<uint64_t> random_u64();
// wasi:random/insecure-seed: 128 bits from the CSPRNG.
Result<std::pair<uint64_t, uint64_t>> insecure_seed();

// xoshiro256** (Blackman & Vigna): fast, statistically good, NOT cryptographic. Each instance
// is seeded from the CSPRNG so two stores never share a sequence.
class InsecureRandom {
 public:
  static Result<InsecureRandom> from_os();
  // Deterministic seeding (expanded with splitmix64), for reproducible tests.
  explicit InsecureRandom(uint64_t seed);

  uint64_t next_u64();
  void fill(std::span<uint8_t> out);

 private:
  uint64_t s_[4];
};

}  // namespace kiln::wasi::host
