// tests/unit/x64/simd_lower_test.cc: vector lowering choices that the filetests cannot select:
// the SSE4.2-less i64x2 compare sequence (run natively), clean "unsupported" errors on CPUs
// without SSE4.1, constant shuffles as pshufd/pshufb, and the encodings of the new mnemonics.
#include <gtest/gtest.h>

#include <sys/mman.h>

#include <cstring>

#include "native_code.h"
#include "codegen/ir/parser.h"
#include "codegen/isa/x64/asm_adapter.h"
#include "codegen/isa/x64/disasm.h"
#include "codegen/pipeline/compile.h"

namespace kiln::codegen::x64 {
namespace {

using testing::Native;

Expected<mach::CompiledCode> compile_text(const char* text, const CpuFeatures& cpu,
                                          std::string* vcode = nullptr) {
  KILN_ASSIGN_OR_RETURN(ir::Function f, ir::parse_function(text));
  pipeline::CompileOptions opts;
  opts.cpu = cpu;
  opts.check_regalloc = true;
  pipeline::CompileDebug dbg;
  auto r = pipeline::compile(f, opts, &dbg);
  if (vcode) *vcode = dbg.vcode;
  return r;
}

constexpr const char* kCmp64 = R"(function %cmp(i64, i64, i64, i64) -> i32 {
block0(v0: i64, v1: i64, v2: i64, v3: i64):
    v4 = splat.i64x2 v0
    v5 = insertlane v4, v1, 1
    v6 = splat.i64x2 v2
    v7 = insertlane v6, v3, 1
    v8 = icmp sgt v5, v7
    v9 = icmp sle v5, v7
    v10 = vhigh_bits v8
    v11 = vhigh_bits v9
    v12 = iconst.i32 4
    v13 = imul v11, v12
    v14 = bor v10, v13
    return v14
})";

TEST(SimdLower, I64x2CompareWithoutSse42MatchesPcmpgtq) {
  CpuFeatures host = CpuFeatures::host();
  if (!host.sse41) GTEST_SKIP() << "host lacks SSE4.1";
  CpuFeatures no42 = host;
  no42.sse42 = false;
  std::string vcode;
  auto code = compile_text(kCmp64, no42, &vcode);
  ASSERT_TRUE(code) << code.error().message();
  EXPECT_EQ(vcode.find("pcmpgtq"), std::string::npos) << vcode;
  Native n(*code);
  ASSERT_TRUE(n.ok());
  auto f = n.fn<int32_t (*)(int64_t, int64_t, int64_t, int64_t)>();
  const int64_t vals[] = {0, 1, -1, INT64_MIN, INT64_MAX, 0x100000000, 0xffffffff, -0x100000000,
                          0x7fffffff00000000, 0x80000000};
  for (int64_t a : vals) {
    for (int64_t b : vals) {
      // Lane 0 compares a with b, lane 1 b with a; sgt gives bits 0-1, sle bits 2-3.
      int32_t want = (a > b ? 1 : 0) | (b > a ? 2 : 0) | (a <= b ? 4 : 0) | (b <= a ? 8 : 0);
      EXPECT_EQ(f(a, b, b, a), want) << a << " vs " << b;
    }
  }
}

TEST(SimdLower, MissingExtensionsAreCleanErrors) {
  const char* text = R"(function %mul(i64, i64) -> i64 {
block0(v0: i64, v1: i64):
    v2 = splat.i64x2 v0
    v3 = bitcast.i32x4 v2
    v4 = splat.i64x2 v1
    v5 = bitcast.i32x4 v4
    v6 = imul v3, v5
    v7 = bitcast.i64x2 v6
    v8 = extractlane v7, 0
    return v8
})";
  auto r = compile_text(text, CpuFeatures::baseline());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("unsupported"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("SSE4.1"), std::string::npos) << r.error().message();
}

TEST(SimdLower, ConstantShufflesUsePshufdOrPshufb) {
  if (!CpuFeatures::host().ssse3) GTEST_SKIP() << "host lacks SSSE3";
  const char* dword = R"(function %rev(i64, i64) -> i64 {
block0(v0: i64, v1: i64):
    v2 = splat.i64x2 v0
    v3 = insertlane v2, v1, 1
    v4 = bitcast.i8x16 v3
    v5 = vconst.i8x16 0x0b0a09080f0e0d0c0302010007060504
    v6 = swizzle v4, v5
    v7 = bitcast.i64x2 v6
    v8 = extractlane v7, 0
    return v8
})";
  std::string vcode;
  auto code = compile_text(dword, CpuFeatures::host(), &vcode);
  ASSERT_TRUE(code) << code.error().message();
  EXPECT_NE(vcode.find("pshufd"), std::string::npos) << vcode;
  EXPECT_EQ(vcode.find("pshufb"), std::string::npos) << vcode;
  Native n(*code);
  ASSERT_TRUE(n.ok());
  auto f = n.fn<uint64_t (*)(uint64_t, uint64_t)>();
  // Lanes (1, 0, 3, 2) of dwords: the low qword swaps its halves.
  EXPECT_EQ(f(0x1111111122222222ull, 0x3333333344444444ull), 0x2222222211111111ull);

  const char* bytes = R"(function %bytes(i64, i64) -> i64 {
block0(v0: i64, v1: i64):
    v2 = splat.i64x2 v0
    v3 = insertlane v2, v1, 1
    v4 = bitcast.i8x16 v3
    v5 = vconst.i8x16 0x000000000000000000ff1f100f080100
    v6 = swizzle v4, v5
    v7 = bitcast.i64x2 v6
    v8 = extractlane v7, 0
    return v8
})";
  auto code2 = compile_text(bytes, CpuFeatures::host(), &vcode);
  ASSERT_TRUE(code2) << code2.error().message();
  EXPECT_NE(vcode.find("pshufb"), std::string::npos) << vcode;
  Native n2(*code2);
  ASSERT_TRUE(n2.ok());
  auto g = n2.fn<uint64_t (*)(uint64_t, uint64_t)>();
  // Indices 0, 1, 8, 15, 16 (zero), 31 (zero), 255 (zero), 0.
  EXPECT_EQ(g(0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull), 0x000000000f080100ull);
}

// The IR the translator emits for i8x16.shuffle with lane selection `sel` (0..31).
std::string shuffle_ir(const uint8_t (&sel)[16]) {
  auto hex = [](const uint8_t (&b)[16]) {
    static const char* d = "0123456789abcdef";
    std::string s = "0x";
    for (int i = 15; i >= 0; --i) { s += d[b[i] >> 4]; s += d[b[i] & 15]; }
    return s;
  };
  uint8_t c1[16], c2[16];
  for (int i = 0; i < 16; ++i) {
    c1[i] = sel[i] < 16 ? sel[i] : 0x80;
    c2[i] = sel[i] >= 16 ? static_cast<uint8_t>(sel[i] - 16) : 0x80;
  }
  return "function %s(i64, i64) -> i64 {\nblock0(v0: i64, v1: i64):\n"
         "    v2 = splat.i64x2 v0\n    v3 = splat.i64x2 v1\n"
         "    v4 = bitcast.i8x16 v2\n    v5 = bitcast.i8x16 v3\n"
         "    v6 = vconst.i8x16 " + hex(c1) + "\n    v7 = vconst.i8x16 " + hex(c2) + "\n"
         "    v8 = swizzle v4, v6\n    v9 = swizzle v5, v7\n    v10 = bor v8, v9\n"
         "    v11 = bitcast.i64x2 v10\n    v12 = extractlane v11, 0\n    return v12\n}";
}

TEST(SimdLower, TwoInputShufflesPickOneInstruction) {
  CpuFeatures host = CpuFeatures::host();
  if (!host.sse41 || !host.ssse3) GTEST_SKIP() << "host lacks SSE4.1/SSSE3";
  struct Case {
    uint8_t sel[16];
    const char* mn;
  };
  const Case cases[] = {
      {{0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23}, "punpcklbw"},
      {{8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31}, "punpckhwd"},
      {{3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}, "palignr"},
      {{0, 1, 18, 19, 4, 5, 6, 7, 24, 25, 10, 11, 12, 13, 30, 31}, "pblendw"},
      {{4, 5, 6, 7, 0, 1, 2, 3, 28, 29, 30, 31, 16, 17, 18, 19}, "shufps"},
  };
  for (const Case& c : cases) {
    std::string vcode;
    std::string text = shuffle_ir(c.sel);
    auto code = compile_text(text.c_str(), host, &vcode);
    ASSERT_TRUE(code) << code.error().message();
    EXPECT_NE(vcode.find(c.mn), std::string::npos) << c.mn << "\n" << vcode;
    EXPECT_EQ(vcode.find("pshufb"), std::string::npos) << c.mn << "\n" << vcode;
  }
}

TEST(SimdLower, PseudoMinMaxAreOneInstruction) {
  const char* text = R"(function %pmin(f64, f64) -> f64, f64 {
block0(v0: f64, v1: f64):
    v2 = splat.f64x2 v0
    v3 = splat.f64x2 v1
    v4 = fcmp lt v3, v2
    v5 = bitcast.f64x2 v4
    v6 = bitselect v5, v3, v2
    v7 = fcmp lt v2, v3
    v8 = bitcast.f64x2 v7
    v9 = bitselect v8, v3, v2
    v10 = extractlane v6, 0
    v11 = extractlane v9, 0
    return v10, v11
})";
  std::string vcode;
  auto code = compile_text(text, CpuFeatures::host(), &vcode);
  ASSERT_TRUE(code) << code.error().message();
  EXPECT_NE(vcode.find("minpd"), std::string::npos) << vcode;
  EXPECT_NE(vcode.find("maxpd"), std::string::npos) << vcode;
  EXPECT_EQ(vcode.find("cmppd"), std::string::npos) << vcode;
}

TEST(SimdLower, NewMnemonicsEncode) {
  struct Case {
    Mn mn;
    int64_t imm;  // < 0: none
    const char* text;
  };
  const Case cases[] = {
      {Mn::kPshufb, -1, "pshufb xmm1, xmm2\n"},
      {Mn::kPmaddwd, -1, "pmaddwd xmm1, xmm2\n"},
      {Mn::kPackusdw, -1, "packusdw xmm1, xmm2\n"},
      {Mn::kCmpps, 3, "cmpunordps xmm1, xmm2\n"},
      {Mn::kShufps, 0x88, "shufps xmm1, xmm2, 0x88\n"},
      {Mn::kPmovsxbw, -1, "pmovsxbw xmm1, xmm2\n"},
      {Mn::kCvttps2dq, -1, "cvttps2dq xmm1, xmm2\n"},
  };
  for (const Case& c : cases) {
    Assembler a;
    if (c.imm >= 0) a.emit(c.mn, Opnd::xmm(1), Opnd::xmm(2), Opnd::imm_(c.imm));
    else a.emit(c.mn, Opnd::xmm(1), Opnd::xmm(2));
    auto b = a.finish();
    ASSERT_TRUE(b) << b.error().message();
    EXPECT_EQ(disassemble_text(*b), c.text);
  }
  Assembler a;
  a.emit(Mn::kPsraw, Opnd::xmm(3), Opnd::imm_(9));
  a.emit(Mn::kPmovmskb, Opnd::gp(0, 4), Opnd::xmm(3));
  auto b = a.finish();
  ASSERT_TRUE(b);
  EXPECT_EQ(disassemble_text(*b), "psraw xmm3, 9\npmovmskb eax, xmm3\n");
}

}  // namespace
}  // namespace kiln::codegen::x64
