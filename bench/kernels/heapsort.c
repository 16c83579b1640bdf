// bench/kernels/heapsort.c: heapsort of 512K pseudo-random ints (data-dependent branches and
// scattered loads down a binary heap).
#include "kernel.h"

enum { kCount = 512 * 1024 };

static uint32_t values[kCount];

static void sift_down(uint32_t* v, uint32_t root, uint32_t count) {
  uint32_t x = v[root];
  for (;;) {
    uint32_t child = 2 * root + 1;
    if (child >= count) break;
    if (child + 1 < count && v[child + 1] > v[child]) ++child;
    if (v[child] <= x) break;
    v[root] = v[child];
    root = child;
  }
  v[root] = x;
}

static void heapsort(uint32_t* v, uint32_t count) {
  for (uint32_t i = count / 2; i-- > 0;) sift_down(v, i, count);
  for (uint32_t end = count; end-- > 1;) {
    uint32_t t = v[0];
    v[0] = v[end];
    v[end] = t;
    sift_down(v, 0, end);
  }
}

// run(n): n sorts of fresh pseudo-random data; the checksum samples each sorted array and
// includes an order check.
int32_t run(int32_t n) {
  uint32_t h = 0;
  for (int32_t rep = 0; rep < n; ++rep) {
    uint32_t state = 0x9E3779B9u ^ (uint32_t)rep;
    for (uint32_t i = 0; i < kCount; ++i) values[i] = kernel_rand(&state);
    heapsort(values, kCount);
    uint32_t unsorted = 0;
    for (uint32_t i = 1; i < kCount; ++i) unsorted += values[i - 1] > values[i];
    h = kernel_mix(h, unsorted);
    for (uint32_t i = 0; i < kCount; i += 2053) h = kernel_mix(h, values[i]);
  }
  return (int32_t)h;
}
