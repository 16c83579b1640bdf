// runtime/vm/bulk_copy.cc: see bulk_copy.h.
#include "runtime/vm/bulk_copy.h"

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace kiln::runtime::vm {

namespace {

// Below this memmove's own vector paths are as fast (no `rep movsb`).
constexpr size_t kVectorMin = 2048;

#if defined(__x86_64__)
const bool kHasAvx2 = __builtin_cpu_supports("avx2");
#endif

}  // namespace

#if defined(__x86_64__)
namespace detail {

__attribute__((target("avx2"))) size_t forward_avx2(uint8_t* dst, const uint8_t* src, size_t len) {
  // The first 32 bytes unaligned, then from dst's next 32-byte boundary aligned stores (a
  // store split across cache lines halves the rate); the ranges are disjoint, so bytes
  // written twice get the same value.
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)));
  size_t i = 32 - (reinterpret_cast<uintptr_t>(dst) & 31);
  for (; i + 128 <= len; i += 128) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 32));
    __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 64));
    __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 96));
    _mm256_store_si256(reinterpret_cast<__m256i*>(dst + i), a);
    _mm256_store_si256(reinterpret_cast<__m256i*>(dst + i + 32), b);
    _mm256_store_si256(reinterpret_cast<__m256i*>(dst + i + 64), c);
    _mm256_store_si256(reinterpret_cast<__m256i*>(dst + i + 96), d);
  }
  return i;
}

size_t forward_sse2(uint8_t* dst, const uint8_t* src, size_t len) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm_loadu_si128(reinterpret_cast<const __m128i*>(src)));
  size_t i = 16 - (reinterpret_cast<uintptr_t>(dst) & 15);
  for (; i + 64 <= len; i += 64) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 16));
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 32));
    __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 48));
    _mm_store_si128(reinterpret_cast<__m128i*>(dst + i), a);
    _mm_store_si128(reinterpret_cast<__m128i*>(dst + i + 16), b);
    _mm_store_si128(reinterpret_cast<__m128i*>(dst + i + 32), c);
    _mm_store_si128(reinterpret_cast<__m128i*>(dst + i + 48), d);
  }
  return i;
}

}  // namespace detail
#endif

void bulk_copy(uint8_t* dst, const uint8_t* src, size_t len) {
#if defined(__x86_64__)
  // Disjoint ranges only: glibc takes `rep movsb` only for those, and for overlapping ones
  // its own vector loops are faster than this one (whose stores then feed its next loads:
  // store-forwarding stalls at a shift of a few bytes).
  const bool disjoint = dst + len <= src || src + len <= dst;
  if (len >= kVectorMin && disjoint) {
    const size_t done = kHasAvx2 ? detail::forward_avx2(dst, src, len) : detail::forward_sse2(dst, src, len);
    dst += done;
    src += done;
    len -= done;
  }
#endif
  if (len != 0) std::memmove(dst, src, len);
}

}  // namespace kiln::runtime::vm
