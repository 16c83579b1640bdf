// tests/unit/wasm/opcode_test.cc: consistency of wasm/opcodes.def and lookup_opcode().
#include "wasm/opcode.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>

namespace kiln::wasm {
namespace {

struct Entry {
  const char* enum_name;
  Opcode op;
};

constexpr Entry kEntries[] = {
#define KILN_OPCODE(name, prefix, code, text, imm, sig, align, proposal) {#name, Opcode::name},
#include "wasm/opcodes.def"
#undef KILN_OPCODE
};

// The naming rule other components rely on: 'k' + each '.'/'_' separated piece capitalised.
std::string expected_enum_name(const char* text) {
  std::string out = "k";
  bool cap = true;
  for (const char* p = text; *p; ++p) {
    if (*p == '.' || *p == '_') {
      cap = true;
      continue;
    }
    out += cap ? static_cast<char>(std::toupper(static_cast<unsigned char>(*p))) : *p;
    cap = false;
  }
  return out;
}

TEST(Opcode, CodesAreUniqueAndLookupRoundTrips) {
  std::set<std::pair<uint8_t, uint32_t>> seen;
  for (uint32_t i = 0; i < kNumOpcodes; ++i) {
    Opcode op = static_cast<Opcode>(i);
    const OpcodeInfo& in = info(op);
    EXPECT_TRUE(seen.insert({in.prefix, in.code}).second) << in.text;
    Opcode found;
    ASSERT_TRUE(lookup_opcode(in.prefix, in.code, &found)) << in.text;
    EXPECT_EQ(found, op) << in.text;
  }
}

TEST(Opcode, TextsAreUniqueExceptDocumentedPairs) {
  std::map<std::string, int> count;
  for (uint32_t i = 0; i < kNumOpcodes; ++i) count[info(static_cast<Opcode>(i)).text]++;
  for (const auto& [text, n] : count) {
    if (text == "select" || text == "ref.test" || text == "ref.cast") {
      EXPECT_EQ(n, 2) << text;
    } else {
      EXPECT_EQ(n, 1) << text;
    }
  }
}

TEST(Opcode, EnumNamesFollowTheRule) {
  for (const Entry& e : kEntries) {
    std::string want = expected_enum_name(info(e.op).text);
    if (e.op == Opcode::kSelectT) want = "kSelectT";
    if (e.op == Opcode::kRefTestNull) want = "kRefTestNull";
    if (e.op == Opcode::kRefCastNull) want = "kRefCastNull";
    EXPECT_EQ(want, e.enum_name);
  }
}

TEST(Opcode, UnknownCodesAreRejected) {
  Opcode op;
  EXPECT_FALSE(lookup_opcode(0, 0x16, &op));
  EXPECT_FALSE(lookup_opcode(0, 0x27, &op));
  EXPECT_FALSE(lookup_opcode(0, 0xC5, &op));
  EXPECT_FALSE(lookup_opcode(0, 0xFF, &op));
  EXPECT_FALSE(lookup_opcode(0, 0x100, &op));
  EXPECT_FALSE(lookup_opcode(0xFB, 31, &op));
  EXPECT_FALSE(lookup_opcode(0xFC, 18, &op));
  EXPECT_FALSE(lookup_opcode(0xFC, 23, &op));
  EXPECT_FALSE(lookup_opcode(0xFD, 0x9A, &op));
  EXPECT_FALSE(lookup_opcode(0xFD, 0x114, &op));
  EXPECT_FALSE(lookup_opcode(0xFD, 0xFFFFFFFF, &op));
  EXPECT_FALSE(lookup_opcode(0xFE, 0x04, &op));
  EXPECT_FALSE(lookup_opcode(0xFE, 0x4F, &op));
  EXPECT_FALSE(lookup_opcode(0xFA, 0, &op));
}

void expect_op(uint8_t prefix, uint32_t code, Opcode want, const char* text, ImmKind imm, const char* sig,
               uint8_t align, Proposal proposal) {
  Opcode op;
  ASSERT_TRUE(lookup_opcode(prefix, code, &op)) << text;
  EXPECT_EQ(op, want) << text;
  const OpcodeInfo& in = info(op);
  EXPECT_STREQ(in.text, text);
  EXPECT_EQ(in.imm, imm) << text;
  EXPECT_STREQ(in.sig, sig) << text;
  EXPECT_EQ(in.align, align) << text;
  EXPECT_EQ(in.proposal, proposal) << text;
}

TEST(Opcode, SpotChecks) {
  expect_op(0, 0x6A, Opcode::kI32Add, "i32.add", ImmKind::kNone, "ii:i", 0, Proposal::kCore);
  expect_op(0, 0x28, Opcode::kI32Load, "i32.load", ImmKind::kMemarg, "i:i", 2, Proposal::kCore);
  expect_op(0, 0x3E, Opcode::kI64Store32, "i64.store32", ImmKind::kMemarg, "il:", 2, Proposal::kCore);
  expect_op(0, 0xAC, Opcode::kI64ExtendI32S, "i64.extend_i32_s", ImmKind::kNone, "i:l", 0, Proposal::kCore);
  expect_op(0, 0xBF, Opcode::kF64ReinterpretI64, "f64.reinterpret_i64", ImmKind::kNone, "l:d", 0,
            Proposal::kCore);
  expect_op(0, 0xC4, Opcode::kI64Extend32S, "i64.extend32_s", ImmKind::kNone, "l:l", 0, Proposal::kSignExt);
  expect_op(0, 0x1B, Opcode::kSelect, "select", ImmKind::kNone, "*", 0, Proposal::kCore);
  expect_op(0, 0x1C, Opcode::kSelectT, "select", ImmKind::kSelectT, "*", 0, Proposal::kReferenceTypes);
  expect_op(0, 0x1F, Opcode::kTryTable, "try_table", ImmKind::kTryTable, "*", 0, Proposal::kExceptions);
  expect_op(0, 0x18, Opcode::kDelegate, "delegate", ImmKind::kLabel, "*", 0, Proposal::kLegacyExceptions);
  expect_op(0, 0xD6, Opcode::kBrOnNonNull, "br_on_non_null", ImmKind::kLabel, "*", 0,
            Proposal::kFunctionReferences);
  expect_op(0xFB, 20, Opcode::kRefTest, "ref.test", ImmKind::kHeapType, "*", 0, Proposal::kGc);
  expect_op(0xFB, 21, Opcode::kRefTestNull, "ref.test", ImmKind::kHeapType, "*", 0, Proposal::kGc);
  expect_op(0xFB, 23, Opcode::kRefCastNull, "ref.cast", ImmKind::kHeapType, "*", 0, Proposal::kGc);
  expect_op(0xFB, 25, Opcode::kBrOnCastFail, "br_on_cast_fail", ImmKind::kBrOnCast, "*", 0, Proposal::kGc);
  expect_op(0xFB, 30, Opcode::kI31GetU, "i31.get_u", ImmKind::kNone, "*", 0, Proposal::kGc);
  expect_op(0xFC, 7, Opcode::kI64TruncSatF64U, "i64.trunc_sat_f64_u", ImmKind::kNone, "d:l", 0,
            Proposal::kSatFloatToInt);
  expect_op(0xFC, 8, Opcode::kMemoryInit, "memory.init", ImmKind::kDataMemory, "*", 0, Proposal::kBulkMemory);
  expect_op(0xFC, 17, Opcode::kTableFill, "table.fill", ImmKind::kTable, "*", 0, Proposal::kReferenceTypes);
  expect_op(0xFC, 19, Opcode::kI64Add128, "i64.add128", ImmKind::kNone, "llll:ll", 0, Proposal::kWideArithmetic);
  expect_op(0xFC, 22, Opcode::kI64MulWideU, "i64.mul_wide_u", ImmKind::kNone, "ll:ll", 0,
            Proposal::kWideArithmetic);
  expect_op(0xFD, 0x00, Opcode::kV128Load, "v128.load", ImmKind::kMemarg, "i:v", 4, Proposal::kSimd);
  expect_op(0xFD, 0x01, Opcode::kV128Load8x8S, "v128.load8x8_s", ImmKind::kMemarg, "i:v", 3, Proposal::kSimd);
  expect_op(0xFD, 0x0B, Opcode::kV128Store, "v128.store", ImmKind::kMemarg, "iv:", 4, Proposal::kSimd);
  expect_op(0xFD, 0x54, Opcode::kV128Load8Lane, "v128.load8_lane", ImmKind::kMemargLane, "iv:v", 0,
            Proposal::kSimd);
  expect_op(0xFD, 0x5D, Opcode::kV128Load64Zero, "v128.load64_zero", ImmKind::kMemarg, "i:v", 3, Proposal::kSimd);
  expect_op(0xFD, 0x94, Opcode::kF64x2Nearest, "f64x2.nearest", ImmKind::kNone, "v:v", 0, Proposal::kSimd);
  expect_op(0xFD, 0xFF, Opcode::kF64x2ConvertLowI32x4U, "f64x2.convert_low_i32x4_u", ImmKind::kNone, "v:v", 0,
            Proposal::kSimd);
  expect_op(0xFD, 0x105, Opcode::kF32x4RelaxedMadd, "f32x4.relaxed_madd", ImmKind::kNone, "vvv:v", 0,
            Proposal::kRelaxedSimd);
  expect_op(0xFD, 0x111, Opcode::kI16x8RelaxedQ15mulrS, "i16x8.relaxed_q15mulr_s", ImmKind::kNone, "vv:v", 0,
            Proposal::kRelaxedSimd);
  expect_op(0xFE, 0x02, Opcode::kMemoryAtomicWait64, "memory.atomic.wait64", ImmKind::kMemarg, "ill:i", 3,
            Proposal::kThreads);
  expect_op(0xFE, 0x03, Opcode::kAtomicFence, "atomic.fence", ImmKind::kAtomicFence, "*", 0, Proposal::kThreads);
  expect_op(0xFE, 0x24, Opcode::kI64AtomicRmw32AddU, "i64.atomic.rmw32.add_u", ImmKind::kMemarg, "il:l", 2,
            Proposal::kThreads);
  expect_op(0xFE, 0x49, Opcode::kI64AtomicRmwCmpxchg, "i64.atomic.rmw.cmpxchg", ImmKind::kMemarg, "ill:l", 3,
            Proposal::kThreads);
  expect_op(0xFE, 0x4E, Opcode::kI64AtomicRmw32CmpxchgU, "i64.atomic.rmw32.cmpxchg_u", ImmKind::kMemarg, "ill:l",
            2, Proposal::kThreads);
}

// Every numeric signature is well formed: only i/l/f/d/v around exactly one ':'.
TEST(Opcode, SignaturesAreWellFormed) {
  for (uint32_t i = 0; i < kNumOpcodes; ++i) {
    const OpcodeInfo& in = info(static_cast<Opcode>(i));
    if (std::strcmp(in.sig, "*") == 0) continue;
    int colons = 0;
    for (const char* p = in.sig; *p; ++p) {
      if (*p == ':') {
        ++colons;
      } else {
        EXPECT_NE(std::strchr("ilfdv", *p), nullptr) << in.text;
      }
    }
    EXPECT_EQ(colons, 1) << in.text;
    if (in.imm == ImmKind::kMemarg || in.imm == ImmKind::kMemargLane) {
      EXPECT_EQ(in.sig[0], 'i') << in.text;
    }
  }
}

}  // namespace
}  // namespace kiln::wasm
