// wasi/host/insecure_random.cc: InsecureRandom (xoshiro256**, seeded by splitmix64).
#include <cstring>

#include "wasi/host/random.h"

namespace kiln::wasi::host {
namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

constexpr uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

InsecureRandom::InsecureRandom(uint64_t seed) {
  // splitmix64 never yields four zero words, the one state xoshiro cannot leave.
  for (uint64_t& w : s_) w = splitmix64(seed);
}

Result<InsecureRandom> InsecureRandom::from_os() {
  KILN_WASI_ASSIGN_OR_RETURN(uint64_t seed, random_u64());
  return InsecureRandom(seed);
}

uint64_t InsecureRandom::next_u64() {
  uint64_t result = rotl(s_[1] * 5, 7) * 9;
  uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

void InsecureRandom::fill(std::span<uint8_t> out) {
  size_t i = 0;
  while (i < out.size()) {
    uint64_t v = next_u64();
    size_t n = std::min<size_t>(8, out.size() - i);
    std::memcpy(out.data() + i, &v, n);
    i += n;
  }
}

}  // namespace kiln::wasi::host
