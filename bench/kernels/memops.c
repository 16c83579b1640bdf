// bench/kernels/memops.c: memory fill and copy loops over 1 MiB buffers: byte fill, 64-bit
// word copy, unaligned byte copy and an overlapping backward move (plain loops: the wasm
// build has no libc memcpy, and -ffreestanding keeps the compiler from inventing calls).
#include "kernel.h"

enum { kBytes = 1024 * 1024, kSlack = 64 };

static uint8_t source[kBytes];
static uint8_t target[kBytes + kSlack];

static void fill_bytes(uint8_t* dst, uint8_t value, uint32_t len) {
  for (uint32_t i = 0; i < len; ++i) dst[i] = value;
}

static void copy_words(uint8_t* dst, const uint8_t* src, uint32_t words) {
  for (uint32_t i = 0; i < words; ++i) {
    uint64_t w;
    __builtin_memcpy(&w, src + 8 * i, sizeof w);
    __builtin_memcpy(dst + 8 * i, &w, sizeof w);
  }
}

static void copy_bytes(uint8_t* dst, const uint8_t* src, uint32_t len) {
  for (uint32_t i = 0; i < len; ++i) dst[i] = src[i];
}

// memmove for dst > src: copies from the end so overlapping bytes are read before written.
static void move_backward(uint8_t* dst, const uint8_t* src, uint32_t len) {
  for (uint32_t i = len; i-- > 0;) dst[i] = src[i];
}

// run(n): n rounds of fill, word copy, shifted byte copy and backward move; the checksum
// samples the target after each round.
int32_t run(int32_t n) {
  uint32_t state = 0x1234567u;
  for (uint32_t i = 0; i < kBytes; ++i) source[i] = (uint8_t)kernel_rand(&state);
  uint32_t h = 0;
  for (int32_t rep = 0; rep < n; ++rep) {
    uint32_t shift = 1 + (uint32_t)rep % 7;
    fill_bytes(target, (uint8_t)rep, kBytes + kSlack);
    copy_words(target, source, kBytes / 8);
    copy_bytes(target + shift, source + (kBytes / 2), kBytes / 2);
    move_backward(target + shift + 3, target, kBytes - 16);
    for (uint32_t i = (uint32_t)rep % 61; i < kBytes + kSlack; i += 4093) {
      h = kernel_mix(h, target[i]);
    }
  }
  return (int32_t)h;
}
