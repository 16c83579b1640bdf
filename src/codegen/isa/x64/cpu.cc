// codegen/isa/x64/cpu.cc: cpuid-based feature detection and target-feature strings.
#include "codegen/isa/x64/cpu.h"

#include <cpuid.h>

#include <array>
#include <cstdint>

namespace kiln::codegen::x64 {

namespace {

// XCR0 (xgetbv 0): whether the OS saves and restores the xmm (bit 1) and ymm (bit 2) state.
uint64_t read_xcr0() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

struct FeatureName {
  std::string_view name;
  bool CpuFeatures::*field;
};
constexpr std::array<FeatureName, 9> kNames = {{
    {"sse4.1", &CpuFeatures::sse41},
    {"ssse3", &CpuFeatures::ssse3},
    {"sse4.2", &CpuFeatures::sse42},
    {"popcnt", &CpuFeatures::popcnt},
    {"lzcnt", &CpuFeatures::lzcnt},
    {"bmi1", &CpuFeatures::bmi1},
    {"bmi2", &CpuFeatures::bmi2},
    {"avx", &CpuFeatures::avx},
    {"avx2", &CpuFeatures::avx2},
}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

const CpuFeatures& CpuFeatures::host() {
  static const CpuFeatures features = [] {
    CpuFeatures f;
    unsigned a, b, c, d;
    bool os_ymm = false;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
      f.sse41 = (c >> 19) & 1;
      f.ssse3 = (c >> 9) & 1;
      f.sse42 = (c >> 20) & 1;
      f.popcnt = (c >> 23) & 1;
      bool osxsave = (c >> 27) & 1;
      os_ymm = osxsave && (read_xcr0() & 6) == 6;
      f.avx = os_ymm && ((c >> 28) & 1) && f.sse41 && f.ssse3;
    }
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
      f.bmi1 = (b >> 3) & 1;
      f.bmi2 = (b >> 8) & 1;
      f.avx2 = f.avx && ((b >> 5) & 1);
    }
    if (__get_cpuid(0x80000001, &a, &b, &c, &d)) f.lzcnt = (c >> 5) & 1;
    return f;
  }();
  return features;
}

Expected<CpuFeatures> CpuFeatures::parse(std::string_view spec) {
  const CpuFeatures& hw = host();
  CpuFeatures f = hw;
  while (!spec.empty()) {
    size_t comma = spec.find(',');
    std::string_view item = trim(spec.substr(0, comma));
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    if (item.empty()) continue;
    if (item == "host") { f = hw; continue; }
    if (item == "baseline" || item == "sse4.1-baseline") { f = sse41_baseline(); continue; }
    if (item == "sse2") { f = baseline(); continue; }
    bool on = item.front() != '-';
    if (item.front() == '+' || item.front() == '-') item.remove_prefix(1);
    const FeatureName* found = nullptr;
    for (const FeatureName& n : kNames) {
      if (n.name == item) found = &n;
    }
    if (!found) {
      std::string known;
      for (const FeatureName& n : kNames) known += (known.empty() ? "" : ", ") + std::string(n.name);
      return Error(ErrorKind::kOther,
                   "unknown x86-64 target feature '" + std::string(item) +
                       "' (known: host, baseline, sse2, " + known + ")");
    }
    f.*(found->field) = on;
    if (found->field == &CpuFeatures::avx && !on) f.avx2 = false;
    if (found->field == &CpuFeatures::avx2 && on) f.avx = true;
  }
  if (f.avx && !(f.sse41 && f.ssse3)) {
    return Error(ErrorKind::kOther,
                 "x86-64 target feature avx needs sse4.1 and ssse3 (add -avx to drop it)");
  }
  for (const FeatureName& n : kNames) {
    if (f.*(n.field) && !(hw.*(n.field))) {
      return Error(ErrorKind::kOther,
                   "x86-64 target feature " + std::string(n.name) +
                       " is not supported by this CPU (code using it could not run here)");
    }
  }
  return f;
}

std::string CpuFeatures::to_string() const {
  std::string s;
  for (const FeatureName& n : kNames) {
    if (this->*(n.field)) s += (s.empty() ? "" : ",") + std::string(n.name);
  }
  return s.empty() ? "sse2" : s;
}

}  // namespace kiln::codegen::x64
