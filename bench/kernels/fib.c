// bench/kernels/fib.c: call-heavy recursion: naive doubly recursive Fibonacci.
#include "kernel.h"

// noinline keeps a real call per node of the recursion tree (the point of the kernel).
__attribute__((noinline)) static uint32_t fib(uint32_t k) {
  if (k < 2) return k;
  return fib(k - 1) + fib(k - 2);
}

// run(n): fib(n) modulo 2^32 (n around 35-38 takes a fraction of a second natively).
int32_t run(int32_t n) {
  if (n < 0) n = 0;
  return (int32_t)fib((uint32_t)n);
}
