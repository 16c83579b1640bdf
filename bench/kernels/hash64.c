// bench/kernels/hash64.c: an xxHash64-style hash over a 1 MiB buffer: 64-bit multiplies,
// rotates and unaligned 64-bit loads, four independent lanes per 32-byte stripe.
#include "kernel.h"

enum { kBufferBytes = 1024 * 1024 };

static uint8_t buffer[kBufferBytes];

static const uint64_t kPrime1 = 0x9E3779B185EBCA87ull;
static const uint64_t kPrime2 = 0xC2B2AE3D27D4EB4Full;
static const uint64_t kPrime3 = 0x165667B19E3779F9ull;
static const uint64_t kPrime4 = 0x85EBCA77C2B2AE63ull;
static const uint64_t kPrime5 = 0x27D4EB2F165667C5ull;

static inline uint64_t rotl64(uint64_t x, uint32_t k) { return (x << k) | (x >> (64 - k)); }

// A little-endian 64-bit load from any alignment (both targets are little-endian).
static inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

static inline uint64_t round64(uint64_t acc, uint64_t input) {
  acc += input * kPrime2;
  acc = rotl64(acc, 31);
  return acc * kPrime1;
}

static inline uint64_t merge64(uint64_t acc, uint64_t lane) {
  acc ^= round64(0, lane);
  return acc * kPrime1 + kPrime4;
}

// Hashes len bytes at p (len a multiple of 8; the offsets below keep loads unaligned).
static uint64_t hash(const uint8_t* p, uint32_t len, uint64_t seed) {
  const uint8_t* end = p + len;
  uint64_t h;
  if (len >= 32) {
    uint64_t v1 = seed + kPrime1 + kPrime2, v2 = seed + kPrime2, v3 = seed, v4 = seed - kPrime1;
    const uint8_t* limit = end - 32;
    do {
      v1 = round64(v1, load64(p));
      v2 = round64(v2, load64(p + 8));
      v3 = round64(v3, load64(p + 16));
      v4 = round64(v4, load64(p + 24));
      p += 32;
    } while (p <= limit);
    h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
    h = merge64(h, v1);
    h = merge64(h, v2);
    h = merge64(h, v3);
    h = merge64(h, v4);
  } else {
    h = seed + kPrime5;
  }
  h += len;
  for (; p + 8 <= end; p += 8) h = rotl64(h ^ round64(0, load64(p)), 27) * kPrime1 + kPrime4;
  h ^= h >> 33;
  h *= kPrime2;
  h ^= h >> 29;
  h *= kPrime3;
  h ^= h >> 32;
  return h;
}

// run(n): n hashes, each seeded with the previous result and starting at a different
// (mostly unaligned) offset into the buffer.
int32_t run(int32_t n) {
  uint32_t state = 0xCAFEBABEu;
  for (uint32_t i = 0; i < kBufferBytes; ++i) buffer[i] = (uint8_t)kernel_rand(&state);
  uint64_t h = 0;
  for (int32_t rep = 0; rep < n; ++rep) {
    uint32_t offset = (uint32_t)rep % 8;
    h = hash(buffer + offset, kBufferBytes - 8, h);
  }
  return (int32_t)kernel_mix((uint32_t)h, (uint32_t)(h >> 32));
}
