// codegen/isa/x64/cpu.h: the optional x86-64 instruction set extensions the backend uses,
// detected once with cpuid, or chosen by a target-feature string (reproducible output, tests of
// the fallbacks).
#pragma once

#include <string>
#include <string_view>

#include "support/error.h"

namespace kiln::codegen::x64 {

struct CpuFeatures {
  bool lzcnt = false;   // ABM/LZCNT: clz without bsr + cmov
  bool bmi1 = false;    // tzcnt: ctz without bsf + cmov
  bool bmi2 = false;    // rorx, shlx/shrx/sarx: rotates by a constant and shifts by a register
                        // whose result is not tied to the input (no copy) and whose count
                        // needs no rcx
  bool popcnt = false;  // popcnt without the SWAR sequence
  bool sse41 = false;   // roundss/roundsd (ceil, floor, trunc, nearest), pmulld
  bool ssse3 = false;   // pshufb, pabs*, pmulhrsw (SIMD swizzle, popcnt, abs, q15mulr)
  bool sse42 = false;   // pcmpgtq (i64x2 comparisons without the pcmpgtd sequence)
  bool avx = false;     // VEX encoding: three-operand vector instructions (no copies of inputs)
  bool avx2 = false;    // vpbroadcast{b,w,d,q} (integer splats)

  // The host's features (cpuid runs once; later calls return the cached answer). AVX counts
  // only when the OS saves the ymm state (OSXSAVE and XCR0).
  static const CpuFeatures& host();
  // Only SSE2 (the x86-64 baseline).
  static CpuFeatures baseline() { return {}; }
  // The SIMD baseline: SSE4.1 and SSSE3 and nothing else. Code compiled for it is the same on
  // every machine that can run it.
  static CpuFeatures sse41_baseline() {
    CpuFeatures f;
    f.sse41 = f.ssse3 = true;
    return f;
  }

  // Parses a target-feature string: comma-separated items applied in order to the host's
  // features. "host" selects the host's features, "baseline" (or "sse4.1-baseline") the SIMD
  // baseline above, "sse2" nothing at all; "+NAME" / "-NAME" (or "NAME" for +) turn one
  // feature on or off. NAME: sse4.1, ssse3, sse4.2, popcnt, lzcnt, bmi1, bmi2, avx,
  // avx2. "-avx"
  // also removes avx2, "+avx2" implies avx, and AVX needs SSE4.1 and SSSE3. Turning on a
  // feature this CPU lacks is an error (the code could not run here). Empty: the host's.
  [[nodiscard]] static Expected<CpuFeatures> parse(std::string_view spec);
  // The enabled features as a parse()able string, e.g. "sse4.1,ssse3,avx" ("sse2" if none).
  std::string to_string() const;

  bool operator==(const CpuFeatures&) const = default;
};

}  // namespace kiln::codegen::x64
