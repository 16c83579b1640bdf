// bench/kernels/kernel.h: what every benchmark kernel shares: freestanding fixed-width types,
// the `run` export, a deterministic PRNG and checksum mixing, all without libc (the wasm32
// build links nothing, so kernels never call memcpy/memset/sqrt: they use loops and
// __builtin_* that lower to single instructions).
#ifndef KILN_BENCH_KERNEL_H
#define KILN_BENCH_KERNEL_H

#include <stddef.h>
#include <stdint.h>

// `run(n)` is each kernel's only entry point: n scales the work, the result is a checksum of
// everything computed, so engines can be compared and no work can be dead-code eliminated.
// On wasm32 the attribute makes it the module's single function export.
#if defined(__wasm__)
#define KERNEL_EXPORT __attribute__((export_name("run"), visibility("default")))
#else
#define KERNEL_EXPORT __attribute__((visibility("default")))
#endif

KERNEL_EXPORT int32_t run(int32_t n);

// xorshift32: deterministic input data, identical on every target (unsigned arithmetic only,
// so no signed-overflow UB can make native and wasm builds diverge).
static inline uint32_t kernel_rand(uint32_t* state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

// Folds a value into a running checksum (a multiply-rotate mix, so order matters).
static inline uint32_t kernel_mix(uint32_t h, uint32_t v) {
  h ^= v;
  h *= 0x9E3779B1u;
  return (h << 13) | (h >> 19);
}

// The exact bits of a double: checksums over floating-point results compare bit patterns,
// never convert out-of-range doubles to integers (UB in C, a trap in wasm).
static inline uint32_t kernel_mix_double(uint32_t h, double d) {
  uint64_t bits;
  __builtin_memcpy(&bits, &d, sizeof bits);  // fixed 8 bytes: lowers to a load, no call
  h = kernel_mix(h, (uint32_t)bits);
  return kernel_mix(h, (uint32_t)(bits >> 32));
}

#endif  // KILN_BENCH_KERNEL_H
