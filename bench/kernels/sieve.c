// bench/kernels/sieve.c: sieve of Eratosthenes over a 4 MiB byte array (byte stores with
// strided access, a counting pass).
#include "kernel.h"

enum { kLimit = 4 * 1024 * 1024 };

static uint8_t composite[kLimit];

// run(n): sieves n times (each pass clears the array first, so passes are independent);
// the checksum covers the prime count and the largest prime of each pass.
int32_t run(int32_t n) {
  uint32_t h = 0;
  for (int32_t rep = 0; rep < n; ++rep) {
    // The limit shrinks by a few numbers per pass, so the passes are not identical.
    uint32_t limit = kLimit - (uint32_t)(rep % 64);
    for (uint32_t i = 0; i < limit; ++i) composite[i] = 0;
    for (uint32_t i = 2; i * i < limit; ++i) {
      if (composite[i]) continue;
      for (uint32_t j = i * i; j < limit; j += i) composite[j] = 1;
    }
    uint32_t count = 0, largest = 0;
    for (uint32_t i = 2; i < limit; ++i) {
      if (!composite[i]) {
        ++count;
        largest = i;
      }
    }
    h = kernel_mix(kernel_mix(h, count), largest);
  }
  return (int32_t)h;
}
