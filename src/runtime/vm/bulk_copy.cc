// runtime/vm/bulk_copy.cc: see bulk_copy.h.
#include "runtime/vm/bulk_copy.h"

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace kiln::runtime::vm {

namespace {

// Below this memmove's own vector paths are as fast (no `rep movsb`).
constexpr size_t kVectorMin = 1024;

#if defined(__x86_64__)
// Forward, 128 bytes a step: all four loads before the stores, so with dst below src the
// stores never reach bytes not yet loaded (they end below src + 128, where the next step
// starts). Returns how many bytes it copied; the rest (< 128) is left to the caller.
__attribute__((target("avx2"))) size_t forward_avx2(uint8_t* dst, const uint8_t* src, size_t len) {
  size_t i = 0;
  for (; i + 128 <= len; i += 128) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 32));
    __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 64));
    __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 96));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), a);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i + 32), b);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i + 64), c);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i + 96), d);
  }
  return i;
}

size_t forward_sse2(uint8_t* dst, const uint8_t* src, size_t len) {
  size_t i = 0;
  for (; i + 64 <= len; i += 64) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 16));
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 32));
    __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 48));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), a);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i + 16), b);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i + 32), c);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i + 48), d);
  }
  return i;
}

const bool kHasAvx2 = __builtin_cpu_supports("avx2");
#endif

}  // namespace

void bulk_copy(uint8_t* dst, const uint8_t* src, size_t len) {
#if defined(__x86_64__)
  // Forward is safe unless dst lies inside (src, src + len).
  const bool forward = dst <= src || dst >= src + len;
  if (len >= kVectorMin && forward) {
    const size_t done = kHasAvx2 ? forward_avx2(dst, src, len) : forward_sse2(dst, src, len);
    dst += done;
    src += done;
    len -= done;
  }
#endif
  if (len != 0) std::memmove(dst, src, len);
}

}  // namespace kiln::runtime::vm
