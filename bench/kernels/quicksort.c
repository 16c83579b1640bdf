// bench/kernels/quicksort.c: in-place quicksort of 1M pseudo-random ints (median-of-three,
// insertion sort for short ranges, an explicit stack instead of recursion).
#include "kernel.h"

enum { kCount = 1024 * 1024, kSmall = 16 };

static int32_t values[kCount];

static void insertion_sort(int32_t* v, int32_t lo, int32_t hi) {
  for (int32_t i = lo + 1; i <= hi; ++i) {
    int32_t x = v[i];
    int32_t j = i - 1;
    while (j >= lo && v[j] > x) {
      v[j + 1] = v[j];
      --j;
    }
    v[j + 1] = x;
  }
}

static inline void swap(int32_t* v, int32_t i, int32_t j) {
  int32_t t = v[i];
  v[i] = v[j];
  v[j] = t;
}

static void quicksort(int32_t* v, int32_t count) {
  // Pushing the larger side and looping on the smaller bounds the stack by log2(count).
  int32_t stack[2 * 64];
  int32_t top = 0;
  int32_t lo = 0, hi = count - 1;
  for (;;) {
    while (hi - lo >= kSmall) {
      int32_t mid = lo + (hi - lo) / 2;
      if (v[mid] < v[lo]) swap(v, mid, lo);
      if (v[hi] < v[lo]) swap(v, hi, lo);
      if (v[hi] < v[mid]) swap(v, hi, mid);
      int32_t pivot = v[mid];
      int32_t i = lo, j = hi;
      while (i <= j) {
        while (v[i] < pivot) ++i;
        while (v[j] > pivot) --j;
        if (i <= j) {
          swap(v, i, j);
          ++i;
          --j;
        }
      }
      if (j - lo > hi - i) {
        stack[top++] = lo;
        stack[top++] = j;
        lo = i;
      } else {
        stack[top++] = i;
        stack[top++] = hi;
        hi = j;
      }
    }
    insertion_sort(v, lo, hi);
    if (top == 0) return;
    hi = stack[--top];
    lo = stack[--top];
  }
}

// run(n): n sorts of fresh pseudo-random data; the checksum samples each sorted array and
// includes an order check (a wrong sort changes it).
int32_t run(int32_t n) {
  uint32_t h = 0;
  for (int32_t rep = 0; rep < n; ++rep) {
    uint32_t state = 0x2545F491u + (uint32_t)rep;
    for (int32_t i = 0; i < kCount; ++i) values[i] = (int32_t)(kernel_rand(&state) >> 4);
    quicksort(values, kCount);
    uint32_t unsorted = 0;
    for (int32_t i = 1; i < kCount; ++i) unsorted += values[i - 1] > values[i];
    h = kernel_mix(h, unsorted);
    for (int32_t i = 0; i < kCount; i += 4099) h = kernel_mix(h, (uint32_t)values[i]);
  }
  return (int32_t)h;
}
