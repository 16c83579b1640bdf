// tests/unit/x64/simd_vex_test.cc: target-feature strings (CpuFeatures::parse) and the AVX
// (VEX, three-operand) and AVX2 (vpbroadcast) forms of the vector lowering, against the SSE4.1
// baseline: same results natively, VEX only when AVX is on.
#include <gtest/gtest.h>

#include <sys/mman.h>

#include <algorithm>
#include <cstring>

#include "native_code.h"
#include "codegen/ir/parser.h"
#include "codegen/isa/x64/disasm.h"
#include "codegen/pipeline/compile.h"

namespace kiln::codegen::x64 {
namespace {

TEST(TargetFeatures, ParseNamedProfiles) {
  const CpuFeatures& host = CpuFeatures::host();
  auto h = CpuFeatures::parse("");
  ASSERT_TRUE(h) << h.error().message();
  EXPECT_EQ(*h, host);
  auto h2 = CpuFeatures::parse("host");
  ASSERT_TRUE(h2);
  EXPECT_EQ(*h2, host);
  auto b = CpuFeatures::parse("baseline");
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_EQ(*b, CpuFeatures::sse41_baseline());
  EXPECT_EQ(b->to_string(), "sse4.1,ssse3");
  auto s2 = CpuFeatures::parse("sse2");
  ASSERT_TRUE(s2);
  EXPECT_EQ(*s2, CpuFeatures::baseline());
  EXPECT_EQ(s2->to_string(), "sse2");
  // to_string() round-trips.
  auto again = CpuFeatures::parse(host.to_string());
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(*again, host);
}

TEST(TargetFeatures, ParseToggles) {
  const CpuFeatures& host = CpuFeatures::host();
  auto no_avx = CpuFeatures::parse("-avx");
  ASSERT_TRUE(no_avx) << no_avx.error().message();
  EXPECT_FALSE(no_avx->avx);
  EXPECT_FALSE(no_avx->avx2);  // AVX2 goes with AVX
  EXPECT_EQ(no_avx->sse41, host.sse41);
  auto lz = CpuFeatures::parse("baseline, +popcnt");
  if (host.popcnt) {
    ASSERT_TRUE(lz) << lz.error().message();
    EXPECT_TRUE(lz->popcnt);
    EXPECT_FALSE(lz->avx);
  } else {
    EXPECT_FALSE(lz);
  }
  if (host.avx2) {
    auto v = CpuFeatures::parse("baseline,avx2");
    ASSERT_TRUE(v) << v.error().message();
    EXPECT_TRUE(v->avx);  // +avx2 implies avx
    EXPECT_TRUE(v->avx2);
  }
}

TEST(TargetFeatures, ParseErrors) {
  auto unknown = CpuFeatures::parse("baseline,+avx512f");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("unknown x86-64 target feature 'avx512f'"),
            std::string::npos)
      << unknown.error().message();
  if (CpuFeatures::host().avx) {
    auto bad = CpuFeatures::parse("sse2,+avx");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message().find("needs sse4.1"), std::string::npos)
        << bad.error().message();
  } else {
    auto missing = CpuFeatures::parse("+avx");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message().find("not supported by this CPU"), std::string::npos)
        << missing.error().message();
  }
}

using testing::Native;

Expected<mach::CompiledCode> compile_text(const char* text, const CpuFeatures& cpu) {
  KILN_ASSIGN_OR_RETURN(ir::Function f, ir::parse_function(text));
  pipeline::CompileOptions opts;
  opts.cpu = cpu;
  opts.opt_level = 2;
  opts.check_regalloc = true;
  return pipeline::compile(f, opts);
}

// Both inputs stay live across several operations: the SSE form needs register copies
// (two-address), the VEX form none.
constexpr const char* kMix = R"(function %mix(i64, i64, i64, i64) -> i64, i64 {
block0(v0: i64, v1: i64, v2: i64, v3: i64):
    v4 = splat.i64x2 v0
    v5 = insertlane v4, v1, 1
    v6 = splat.i64x2 v2
    v7 = insertlane v6, v3, 1
    v8 = bitcast.i32x4 v5
    v9 = bitcast.i32x4 v7
    v10 = iadd v8, v9
    v11 = isub v8, v9
    v12 = imul v10, v11
    v13 = bitcast.i16x8 v8
    v14 = bitcast.i16x8 v9
    v15 = sadd_sat v13, v14
    v16 = bitcast.i32x4 v15
    v17 = bxor v12, v16
    v18 = ishl v17, v2
    v19 = bitcast.i64x2 v18
    v20 = extractlane v19, 0
    v21 = extractlane v19, 1
    return v20, v21
})";

std::string disas(const mach::CompiledCode& c) { return disassemble_text(c.code); }

TEST(SimdVex, AvxUsesThreeOperandForms) {
  CpuFeatures host = CpuFeatures::host();
  if (!host.sse41 || !host.ssse3) GTEST_SKIP() << "host lacks SSE4.1/SSSE3";
  auto base = compile_text(kMix, CpuFeatures::sse41_baseline());
  ASSERT_TRUE(base) << base.error().message();
  std::string bt = disas(*base);
  EXPECT_NE(bt.find("paddd xmm"), std::string::npos) << bt;
  EXPECT_EQ(bt.find("vp"), std::string::npos) << bt;
  if (!host.avx) GTEST_SKIP() << "host lacks AVX";
  CpuFeatures avx = CpuFeatures::sse41_baseline();
  avx.avx = true;
  auto vex = compile_text(kMix, avx);
  ASSERT_TRUE(vex) << vex.error().message();
  std::string vt = disas(*vex);
  // vpaddd/vpsubd/vpmulld/vpaddsw/vpxor with a destination separate from the first source.
  for (const char* mn : {"vpaddd xmm", "vpsubd xmm", "vpmulld xmm", "vpaddsw xmm", "vpxor xmm"}) {
    size_t at = vt.find(mn);
    ASSERT_NE(at, std::string::npos) << mn << "\n" << vt;
    std::string line = vt.substr(at, vt.find('\n', at) - at);
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), 2) << line;
  }
  EXPECT_EQ(vt.find("movaps"), std::string::npos) << "VEX forms need no copies\n" << vt;
  EXPECT_LT(vex->code.size(), base->code.size() + 16) << vt;
}

// Single-result functions run natively in both forms over many inputs and compared.
constexpr const char* kOps[] = {
    // i8x16 shifts (widen, shift, pack) and popcnt.
    R"(function %f(i64, i64, i32) -> i64 {
block0(v0: i64, v1: i64, v2: i32):
    v3 = splat.i64x2 v0
    v4 = insertlane v3, v1, 1
    v5 = bitcast.i8x16 v4
    v6 = sshr v5, v2
    v7 = ushr v5, v2
    v8 = popcnt v5
    v9 = iadd v6, v7
    v10 = bxor v9, v8
    v11 = bitcast.i64x2 v10
    v12 = extractlane v11, 1
    v13 = extractlane v11, 0
    v14 = bxor v12, v13
    return v14
})",
    // f32x4 min/max (NaN and -0 fixups), saturating conversion back.
    R"(function %f(i64, i64, i32) -> i64 {
block0(v0: i64, v1: i64, v2: i32):
    v3 = splat.i64x2 v0
    v4 = insertlane v3, v1, 1
    v5 = bitcast.f32x4 v4
    v6 = splat.i64x2 v1
    v7 = insertlane v6, v0, 1
    v8 = bitcast.f32x4 v7
    v9 = fmin v5, v8
    v10 = fmax v5, v8
    v11 = fadd v9, v10
    v12 = vcvt_to_sint_sat.i32x4 v11
    v13 = vcvt_to_uint_sat.i32x4 v10
    v14 = bxor v12, v13
    v15 = bitcast.i64x2 v14
    v16 = extractlane v15, 1
    v17 = extractlane v15, 0
    v18 = bxor v16, v17
    return v18
})",
    // splats of every lane size (vpbroadcast with AVX2) and i64x2 arithmetic shift.
    R"(function %f(i64, i64, i32) -> i64 {
block0(v0: i64, v1: i64, v2: i32):
    v3 = ireduce.i8 v0
    v4 = splat.i8x16 v3
    v5 = ireduce.i16 v1
    v6 = splat.i16x8 v5
    v7 = splat.i32x4 v2
    v8 = splat.i64x2 v1
    v9 = bitcast.i64x2 v4
    v10 = bitcast.i64x2 v6
    v11 = bitcast.i64x2 v7
    v12 = iadd v9, v10
    v13 = isub v12, v11
    v14 = bxor v13, v8
    v15 = sshr v14, v2
    v16 = extractlane v15, 1
    v17 = extractlane v15, 0
    v18 = iadd v16, v17
    return v18
})",
};

TEST(SimdVex, AvxAndBaselineAgreeNatively) {
  CpuFeatures host = CpuFeatures::host();
  if (!host.avx) GTEST_SKIP() << "host lacks AVX";
  const uint64_t vals[] = {0,
                           ~0ull,
                           0x8000000080000000ull,
                           0x7f7f7f7f80808080ull,
                           0x0123456789abcdefull,
                           0x3f800000bf800000ull,   // 1.0f, -1.0f
                           0x7fc000004f800000ull,   // NaN, 2^32
                           0xcf0000007f800000ull,   // -2^31, +inf
                           0x80000000deadbeefull};  // -0.0f
  for (const char* text : kOps) {
    auto base = compile_text(text, CpuFeatures::sse41_baseline());
    ASSERT_TRUE(base) << base.error().message();
    auto vex = compile_text(text, host);
    ASSERT_TRUE(vex) << vex.error().message();
    std::string vt = disas(*vex);
    EXPECT_NE(vt.find("\nv"), std::string::npos) << vt;
    if (host.avx2 && std::string(text).find("splat.i8x16") != std::string::npos) {
      EXPECT_NE(vt.find("vpbroadcastb"), std::string::npos) << vt;
      EXPECT_NE(vt.find("vpbroadcastw"), std::string::npos) << vt;
      EXPECT_NE(vt.find("vpbroadcastd"), std::string::npos) << vt;
      EXPECT_NE(vt.find("vpbroadcastq"), std::string::npos) << vt;
    }
    Native bn(*base), vn(*vex);
    ASSERT_TRUE(bn.ok() && vn.ok());
    auto bf = bn.fn<uint64_t (*)(uint64_t, uint64_t, uint32_t)>();
    auto vf = vn.fn<uint64_t (*)(uint64_t, uint64_t, uint32_t)>();
    for (uint64_t a : vals) {
      for (uint64_t b : vals) {
        for (uint32_t s : {0u, 1u, 7u, 9u, 63u}) {
          EXPECT_EQ(bf(a, b, s), vf(a, b, s)) << std::hex << a << " " << b << " " << s << "\n" << text;
        }
      }
    }
  }
}

}  // namespace
}  // namespace kiln::codegen::x64
