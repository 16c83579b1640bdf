// codegen/isa/x64/cpu.h: the optional x86-64 instruction set extensions the backend uses,
// detected once with cpuid (or set by hand, e.g. to test the fallbacks).
#pragma once

namespace kiln::codegen::x64 {

struct CpuFeatures {
  bool lzcnt = false;   // ABM/LZCNT: clz without bsr + cmov
  bool bmi1 = false;    // tzcnt: ctz without bsf + cmov
  bool popcnt = false;  // popcnt without the SWAR sequence
  bool sse41 = false;   // roundss/roundsd (ceil, floor, trunc, nearest), pmulld
  bool ssse3 = false;   // pshufb, pabs*, pmulhrsw (SIMD swizzle, popcnt, abs, q15mulr)
  bool sse42 = false;   // pcmpgtq (i64x2 comparisons without the pcmpgtd sequence)

  // The host's features (cpuid runs once; later calls return the cached answer).
  static const CpuFeatures& host();
  // Only SSE2 (the x86-64 baseline).
  static CpuFeatures baseline() { return {}; }
};

}  // namespace kiln::codegen::x64
