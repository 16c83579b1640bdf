// bench/simd/simd_dot.c: numeric kernels written to be auto-vectorised (clang -O2: wasm32
// -msimd128 against x86-64 -msse4.1, same source): single-precision saxpy (y = a*x + y), an
// element-wise float clamp with min/max, and a 32-bit integer dot product (wrapping). The
// dot product uses 32-bit data on purpose: over 16-bit data clang forms pmaddwd natively but
// not i32x4.dot_i16x8_s for wasm32, which would compare two compilers, not the engines.
// Exercises f32x4 arithmetic and pmin/pmax, i32x4 multiply/add and a horizontal reduction.
#include "../kernels/kernel.h"

enum { kLen = 16384 };

static float x[kLen];
static float y[kLen];
static uint32_t p[kLen];
static uint32_t q[kLen];

static void saxpy(float a) {
  for (int i = 0; i < kLen; ++i) y[i] = a * x[i] + y[i];
}

static void clamp(float lo, float hi) {
  for (int i = 0; i < kLen; ++i) {
    float v = y[i];
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    y[i] = v;
  }
}

static uint32_t dot32(void) {
  uint32_t s = 0;
  for (int i = 0; i < kLen; ++i) s += p[i] * q[i];
  return s;
}

// run(n): n rounds; each round's dot product perturbs the next round's inputs, so no round
// can be hoisted. The checksum covers every dot product and the final y bits.
int32_t run(int32_t n) {
  uint32_t state = 0x9e3779b9u;
  for (int i = 0; i < kLen; ++i) {
    x[i] = (float)(kernel_rand(&state) & 0xffff) * (1.0f / 65536.0f) - 0.5f;
    y[i] = (float)(kernel_rand(&state) & 0xffff) * (1.0f / 65536.0f);
    p[i] = kernel_rand(&state);
    q[i] = kernel_rand(&state);
  }
  uint32_t h = 0;
  for (int32_t r = 0; r < n; ++r) {
    saxpy(0.25f + (float)(r & 7) * 0.125f);
    clamp(-4.0f, 4.0f);
    uint32_t d = dot32();
    h = kernel_mix(h, d);
    p[(uint32_t)r % kLen] = d;
  }
  for (int i = 0; i < kLen; i += 7) {
    uint32_t bits;
    __builtin_memcpy(&bits, &y[i], sizeof bits);
    h = kernel_mix(h, bits);
  }
  return (int32_t)h;
}
