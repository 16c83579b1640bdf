// bench/kernels/matmul.c: dense double-precision matrix multiply, 200x200, repeated.
#include "kernel.h"

enum { kDim = 200, kCells = kDim * kDim };

static double a[kCells];
static double b[kCells];
static double c[kCells];

static void multiply(void) {
  // i-k-j order: the inner loop walks rows of b and c contiguously.
  for (int i = 0; i < kDim; ++i) {
    double* ci = &c[i * kDim];
    for (int j = 0; j < kDim; ++j) ci[j] = 0.0;
    for (int k = 0; k < kDim; ++k) {
      double aik = a[i * kDim + k];
      const double* bk = &b[k * kDim];
      for (int j = 0; j < kDim; ++j) ci[j] += aik * bk[j];
    }
  }
}

// run(n): n multiplies; each feeds one cell of its result back into a, so no multiply can be
// hoisted or skipped. The checksum covers the bits of every cell of the last result.
int32_t run(int32_t n) {
  for (int i = 0; i < kDim; ++i) {
    for (int j = 0; j < kDim; ++j) {
      a[i * kDim + j] = (double)((i * 7 + j * 3) % 17) * 0.25 - 2.0;
      b[i * kDim + j] = (double)((i * 5 + j * 11) % 13) * 0.125 - 0.75;
    }
  }
  for (int32_t rep = 0; rep < n; ++rep) {
    multiply();
    uint32_t cell = ((uint32_t)rep * 7919u) % kCells;
    a[cell] = c[cell] * 0.001;
  }
  uint32_t h = 0;
  for (int i = 0; i < kCells; ++i) h = kernel_mix_double(h, c[i]);
  return (int32_t)h;
}
