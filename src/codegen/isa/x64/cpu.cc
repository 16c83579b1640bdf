// codegen/isa/x64/cpu.cc: cpuid-based feature detection.
#include "codegen/isa/x64/cpu.h"

#include <cpuid.h>

namespace kiln::codegen::x64 {

const CpuFeatures& CpuFeatures::host() {
  static const CpuFeatures features = [] {
    CpuFeatures f;
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
      f.sse41 = (c >> 19) & 1;
      f.ssse3 = (c >> 9) & 1;
      f.sse42 = (c >> 20) & 1;
      f.popcnt = (c >> 23) & 1;
    }
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) f.bmi1 = (b >> 3) & 1;
    if (__get_cpuid(0x80000001, &a, &b, &c, &d)) f.lzcnt = (c >> 5) & 1;
    return f;
  }();
  return features;
}

}  // namespace kiln::codegen::x64
