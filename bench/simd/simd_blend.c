// bench/simd/simd_blend.c: 8-bit image kernels written to be auto-vectorised (clang -O2:
// wasm32 -msimd128 against x86-64 -msse4.1, same source): alpha blending of two RGBA images
// with a per-pixel-byte alpha ((a*x + (255-a)*y + 128) / 255 done as the exact
// (t + 1 + (t >> 8)) >> 8), a saturating brighten, and a byte histogram-free checksum pass.
// Exercises widening (extend/extmul), 16-bit multiply and shifts, narrowing, saturating adds.
#include "../kernels/kernel.h"

enum { kPixels = 256 * 256, kBytes = kPixels * 4 };

static uint8_t src_a[kBytes];
static uint8_t src_b[kBytes];
static uint8_t alpha[kBytes];
static uint8_t dst[kBytes];

static void blend(void) {
  for (int i = 0; i < kBytes; ++i) {
    uint32_t a = alpha[i];
    uint32_t t = a * src_a[i] + (255u - a) * src_b[i] + 128u;
    dst[i] = (uint8_t)((t + (t >> 8)) >> 8);  // exact t / 255 for t < 65536
  }
}

static void brighten(uint8_t amount) {
  for (int i = 0; i < kBytes; ++i) {
    uint32_t v = (uint32_t)dst[i] + amount;
    dst[i] = (uint8_t)(v > 255u ? 255u : v);
  }
}

// Sum of bytes in 32-bit lanes (a widening reduction).
static uint32_t byte_sum(const uint8_t* p) {
  uint32_t s = 0;
  for (int i = 0; i < kBytes; ++i) s += p[i];
  return s;
}

// run(n): n rounds of blend + brighten; each round feeds the result back into src_b so no
// round can be skipped. The checksum covers the sums of every round and the final image.
int32_t run(int32_t n) {
  uint32_t state = 0x12345678u;
  for (int i = 0; i < kBytes; ++i) {
    src_a[i] = (uint8_t)kernel_rand(&state);
    src_b[i] = (uint8_t)kernel_rand(&state);
    alpha[i] = (uint8_t)kernel_rand(&state);
  }
  uint32_t h = 0;
  for (int32_t r = 0; r < n; ++r) {
    blend();
    brighten((uint8_t)(r & 15));
    h = kernel_mix(h, byte_sum(dst));
    for (int i = 0; i < kBytes; ++i) src_b[i] = dst[i];
  }
  for (int i = 0; i < kBytes; i += 61) h = kernel_mix(h, dst[i]);
  return (int32_t)h;
}
