// codegen/isa/x64/lower_simd.cc: IR vector operations -> SSE machine instructions.
//
// Baseline: SSE4.1 (with SSSE3's pshufb/pabs/pmulhrsw); i64x2 signed compares use SSE4.2's
// pcmpgtq when present, else a pcmpgtd/pcmpeqd/psubq sequence. An operation that needs a
// missing extension is reported as unsupported, never miscompiled. With AVX the same
// sequences are emitted in VEX form (three-operand, destination not tied to the first
// source); the results are bit-identical to the SSE forms.
//
// Sequences that are not one instruction, and why they are right:
// - i8x16 shifts: x86 has no byte shifts. By a constant, shl/shr_u shift words and mask off
//   the bits that crossed a byte boundary. Otherwise bytes are widened into words (zero-
//   extended for shl, duplicated into both halves for shr so that shifting by n+8 leaves the
//   sign- or zero-extended byte >> n), shifted, and packed back with saturation that cannot
//   trigger.
// - i64x2 sshr: logical shift, then (x ^ m) - m with m = the sign bit shifted the same way.
// - unsigned compares: x >=u y iff max_u(x, y) == x; i64 lanes flip the sign bits instead.
// - fmin/fmax: minps/maxps return the second operand on NaN or equal operands, so both orders
//   are computed and combined (or: -0 wins for min; xor/or/sub: +0 wins for max); lanes where
//   either input is NaN become the canonical NaN by masking the low mantissa bits off an
//   all-ones or quiet NaN pattern.
// - float -> int saturation: cvtt*2dq gives 0x80000000 on overflow and NaN; NaN lanes are
//   zeroed first and positive overflow is turned into 0x7fffffff by xor with a sign mask.
#include "codegen/isa/x64/lower_simd.h"

#include <cstring>
#include <string>

namespace kiln::codegen::x64 {

using regalloc::Operand;
using regalloc::RegClass;
using regalloc::VReg;
using Bytes = std::array<uint8_t, 16>;

namespace {

Error unsupported(const std::string& what) {
  return Error(ErrorKind::kOther, "x64 backend: unsupported " + what);
}

Bytes splat_bits(uint64_t bits, uint32_t bytes) {
  Bytes out{};
  for (uint32_t i = 0; i < 16; i += bytes) std::memcpy(out.data() + i, &bits, bytes);
  return out;
}
Bytes splat_f32(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return splat_bits(b, 4);
}
Bytes splat_f64(double f) {
  uint64_t b;
  std::memcpy(&b, &f, 8);
  return splat_bits(b, 8);
}
Bytes all_ones() {
  Bytes b;
  b.fill(0xff);
  return b;
}

// Mnemonic by lane width (8, 16, 32, 64); kPxor marks "none".
Mn by_lane(uint32_t lb, Mn m8, Mn m16, Mn m32, Mn m64) {
  return lb == 8 ? m8 : lb == 16 ? m16 : lb == 32 ? m32 : m64;
}

// The VEX form of an SSE mnemonic this file emits.
Mn vex_form(Mn m) {
  switch (m) {
    case Mn::kAddpd: return Mn::kVaddpd;
    case Mn::kAddps: return Mn::kVaddps;
    case Mn::kAndnps: return Mn::kVandnps;
    case Mn::kAndps: return Mn::kVandps;
    case Mn::kCmppd: return Mn::kVcmppd;
    case Mn::kCmpps: return Mn::kVcmpps;
    case Mn::kCvtdq2pd: return Mn::kVcvtdq2pd;
    case Mn::kCvtdq2ps: return Mn::kVcvtdq2ps;
    case Mn::kCvtpd2ps: return Mn::kVcvtpd2ps;
    case Mn::kCvtps2pd: return Mn::kVcvtps2pd;
    case Mn::kCvttpd2dq: return Mn::kVcvttpd2dq;
    case Mn::kCvttps2dq: return Mn::kVcvttps2dq;
    case Mn::kDivpd: return Mn::kVdivpd;
    case Mn::kDivps: return Mn::kVdivps;
    case Mn::kMaxpd: return Mn::kVmaxpd;
    case Mn::kMaxps: return Mn::kVmaxps;
    case Mn::kMinpd: return Mn::kVminpd;
    case Mn::kMinps: return Mn::kVminps;
    case Mn::kMovmskpd: return Mn::kVmovmskpd;
    case Mn::kMovmskps: return Mn::kVmovmskps;
    case Mn::kMulpd: return Mn::kVmulpd;
    case Mn::kMulps: return Mn::kVmulps;
    case Mn::kOrps: return Mn::kVorps;
    case Mn::kPabsb: return Mn::kVpabsb;
    case Mn::kPabsd: return Mn::kVpabsd;
    case Mn::kPabsw: return Mn::kVpabsw;
    case Mn::kPackssdw: return Mn::kVpackssdw;
    case Mn::kPacksswb: return Mn::kVpacksswb;
    case Mn::kPackusdw: return Mn::kVpackusdw;
    case Mn::kPackuswb: return Mn::kVpackuswb;
    case Mn::kPaddb: return Mn::kVpaddb;
    case Mn::kPaddd: return Mn::kVpaddd;
    case Mn::kPaddq: return Mn::kVpaddq;
    case Mn::kPaddsb: return Mn::kVpaddsb;
    case Mn::kPaddsw: return Mn::kVpaddsw;
    case Mn::kPaddusb: return Mn::kVpaddusb;
    case Mn::kPaddusw: return Mn::kVpaddusw;
    case Mn::kPaddw: return Mn::kVpaddw;
    case Mn::kPalignr: return Mn::kVpalignr;
    case Mn::kPand: return Mn::kVpand;
    case Mn::kPandn: return Mn::kVpandn;
    case Mn::kPavgb: return Mn::kVpavgb;
    case Mn::kPavgw: return Mn::kVpavgw;
    case Mn::kPblendw: return Mn::kVpblendw;
    case Mn::kPcmpeqb: return Mn::kVpcmpeqb;
    case Mn::kPcmpeqd: return Mn::kVpcmpeqd;
    case Mn::kPcmpeqq: return Mn::kVpcmpeqq;
    case Mn::kPcmpeqw: return Mn::kVpcmpeqw;
    case Mn::kPcmpgtb: return Mn::kVpcmpgtb;
    case Mn::kPcmpgtd: return Mn::kVpcmpgtd;
    case Mn::kPcmpgtq: return Mn::kVpcmpgtq;
    case Mn::kPcmpgtw: return Mn::kVpcmpgtw;
    case Mn::kPmaddwd: return Mn::kVpmaddwd;
    case Mn::kPmaxsb: return Mn::kVpmaxsb;
    case Mn::kPmaxsd: return Mn::kVpmaxsd;
    case Mn::kPmaxsw: return Mn::kVpmaxsw;
    case Mn::kPmaxub: return Mn::kVpmaxub;
    case Mn::kPmaxud: return Mn::kVpmaxud;
    case Mn::kPmaxuw: return Mn::kVpmaxuw;
    case Mn::kPminsb: return Mn::kVpminsb;
    case Mn::kPminsd: return Mn::kVpminsd;
    case Mn::kPminsw: return Mn::kVpminsw;
    case Mn::kPminub: return Mn::kVpminub;
    case Mn::kPminud: return Mn::kVpminud;
    case Mn::kPminuw: return Mn::kVpminuw;
    case Mn::kPmovmskb: return Mn::kVpmovmskb;
    case Mn::kPmovsxbw: return Mn::kVpmovsxbw;
    case Mn::kPmovsxdq: return Mn::kVpmovsxdq;
    case Mn::kPmovsxwd: return Mn::kVpmovsxwd;
    case Mn::kPmovzxbw: return Mn::kVpmovzxbw;
    case Mn::kPmovzxdq: return Mn::kVpmovzxdq;
    case Mn::kPmovzxwd: return Mn::kVpmovzxwd;
    case Mn::kPmovsxbd: return Mn::kVpmovsxbd;
    case Mn::kPmovzxbd: return Mn::kVpmovzxbd;
    case Mn::kPmovsxwq: return Mn::kVpmovsxwq;
    case Mn::kPmovzxwq: return Mn::kVpmovzxwq;
    case Mn::kPmulhrsw: return Mn::kVpmulhrsw;
    case Mn::kPmulld: return Mn::kVpmulld;
    case Mn::kPmullw: return Mn::kVpmullw;
    case Mn::kPmuludq: return Mn::kVpmuludq;
    case Mn::kPor: return Mn::kVpor;
    case Mn::kPshufb: return Mn::kVpshufb;
    case Mn::kPshufd: return Mn::kVpshufd;
    case Mn::kPslld: return Mn::kVpslld;
    case Mn::kPsllq: return Mn::kVpsllq;
    case Mn::kPsllw: return Mn::kVpsllw;
    case Mn::kPsrad: return Mn::kVpsrad;
    case Mn::kPsraw: return Mn::kVpsraw;
    case Mn::kPsrld: return Mn::kVpsrld;
    case Mn::kPsrlq: return Mn::kVpsrlq;
    case Mn::kPsrlw: return Mn::kVpsrlw;
    case Mn::kPsubb: return Mn::kVpsubb;
    case Mn::kPsubd: return Mn::kVpsubd;
    case Mn::kPsubq: return Mn::kVpsubq;
    case Mn::kPsubsb: return Mn::kVpsubsb;
    case Mn::kPsubsw: return Mn::kVpsubsw;
    case Mn::kPsubusb: return Mn::kVpsubusb;
    case Mn::kPsubusw: return Mn::kVpsubusw;
    case Mn::kPsubw: return Mn::kVpsubw;
    case Mn::kPunpckhbw: return Mn::kVpunpckhbw;
    case Mn::kPunpckhdq: return Mn::kVpunpckhdq;
    case Mn::kPunpckhqdq: return Mn::kVpunpckhqdq;
    case Mn::kPunpckhwd: return Mn::kVpunpckhwd;
    case Mn::kPunpcklbw: return Mn::kVpunpcklbw;
    case Mn::kPunpckldq: return Mn::kVpunpckldq;
    case Mn::kPunpcklqdq: return Mn::kVpunpcklqdq;
    case Mn::kPunpcklwd: return Mn::kVpunpcklwd;
    case Mn::kPxor: return Mn::kVpxor;
    case Mn::kRoundpd: return Mn::kVroundpd;
    case Mn::kRoundps: return Mn::kVroundps;
    case Mn::kShufps: return Mn::kVshufps;
    case Mn::kSqrtpd: return Mn::kVsqrtpd;
    case Mn::kSqrtps: return Mn::kVsqrtps;
    case Mn::kSubpd: return Mn::kVsubpd;
    case Mn::kSubps: return Mn::kVsubps;
    case Mn::kUnpcklps: return Mn::kVunpcklps;
    case Mn::kXorps: return Mn::kVxorps;
    default: return m;
  }
}

class SimdLowerer {
 public:
  explicit SimdLowerer(SimdLowerContext& cx) : cx_(cx), dfg_(cx.dfg()) {}
  Expected<void> lower(ir::Inst i);

 private:
  const CpuFeatures& cpu() const { return cx_.cpu(); }
  VReg nv() { return cx_.new_vreg(RegClass::kFloat); }
  VReg pick(VReg d) { return d.is_valid() ? d : nv(); }
  static uint8_t opnd(MInst& m, Operand o) {
    m.ops.push_back(o);
    return static_cast<uint8_t>(m.ops.size() - 1);
  }
  // d = a (mn) b, two-address.
  // With AVX every vector instruction takes its VEX form: the destination is a separate
  // operand (`vmn d, a, b`), so the allocator need not copy `a` when it stays live.
  bool vex() const { return cpu().avx; }
  // The destination operand of a two-address SSE instruction (tied to `a`), or of its VEX form.
  void dest(MInst& m, VReg d) {
    if (vex()) {
      m.mn = vex_form(m.mn);
      m.flags |= kFVex;
      opnd(m, Operand::def(d));
    } else {
      opnd(m, Operand::reuse_def(d, 0));
    }
  }
  VReg rr(Mn mn, VReg a, VReg b, VReg d = {}) {
    d = pick(d);
    MInst& m = cx_.emit(Op::kFAlu, 16);
    m.mn = mn;
    opnd(m, Operand::use(a));
    opnd(m, Operand::use(b));
    dest(m, d);
    return d;
  }
  // d = a (mn) b for float arithmetic: with AVX a load of b (or of a, if commutative) used
  // only here becomes the memory operand (`vmulpd d, a, [mem]`; VEX forms need no alignment).
  void arith(const ir::InstData& in, Mn mn, bool commutative, VReg a, VReg b, VReg d) {
    if (!vex() || in.args[0] == in.args[1]) {
      rr(mn, a, b, d);
      return;
    }
    MInst& m = cx_.emit(Op::kFAlu, 16);
    m.mn = vex_form(mn);
    m.flags |= kFVex;
    opnd(m, Operand::use(a));
    if (!cx_.fold_vector_load(m, in.args[1], cur_)) {
      m.ops[0] = Operand::use(b);
      if (!commutative || !cx_.fold_vector_load(m, in.args[0], cur_)) {
        m.ops[0] = Operand::use(a);
        opnd(m, Operand::use(b));
      }
    }
    opnd(m, Operand::def(d));
  }
  VReg rri(Mn mn, VReg a, VReg b, int64_t imm, VReg d = {}) {
    d = pick(d);
    MInst& m = cx_.emit(Op::kVecAluImm, 16);
    m.mn = mn;
    m.imm = imm;
    opnd(m, Operand::use(a));
    opnd(m, Operand::use(b));
    dest(m, d);
    return d;
  }
  Mn form(Mn mn) const { return vex() ? vex_form(mn) : mn; }
  // d = mn a (a write-only destination).
  VReg un(Mn mn, VReg a, VReg d = {}) {
    d = pick(d);
    MInst& m = cx_.emit(Op::kFUnary, 16);
    m.mn = form(mn);
    opnd(m, Operand::use(a));
    opnd(m, Operand::def(d));
    return d;
  }
  VReg uni(Mn mn, VReg a, int64_t imm, VReg d = {}) {
    d = pick(d);
    MInst& m = cx_.emit(Op::kFUnary, 16);
    m.mn = form(mn);
    m.imm = imm;
    m.flags = kFImm;
    opnd(m, Operand::use(a));
    opnd(m, Operand::def(d));
    return d;
  }
  VReg shi(Mn mn, VReg a, int64_t imm, VReg d = {}) {
    d = pick(d);
    MInst& m = cx_.emit(Op::kVecShiftImm, 16);
    m.mn = mn;
    m.imm = imm;
    opnd(m, Operand::use(a));
    dest(m, d);
    return d;
  }
  // d = a (mn) [constant].
  VReg rc(Mn mn, VReg a, const Bytes& c, VReg d = {}) {
    d = pick(d);
    uint32_t k = cx_.add_const(c);
    MInst& m = cx_.emit(Op::kFAluConst, 16);
    m.mn = mn;
    m.aux = k;
    opnd(m, Operand::use(a));
    dest(m, d);
    return d;
  }
  VReg konst(const Bytes& c, VReg d = {}) {
    d = pick(d);
    bool zero = c == Bytes{};
    uint32_t k = zero ? UINT32_MAX : cx_.add_const(c);  // UINT32_MAX: xorps d, d
    MInst& m = cx_.emit(Op::kLoad, 16);
    m.mn = Mn::kMovdqu;
    m.size2 = 16;
    m.mem.base_kind = Amode::Base::kConst;
    m.mem.slot = k;
    opnd(m, Operand::def(d));
    return d;
  }
  VReg zero() { return konst(Bytes{}); }
  VReg movmsk(Mn mn, VReg v, VReg d = {}) {
    if (!d.is_valid()) d = cx_.new_vreg(RegClass::kInt);
    MInst& m = cx_.emit(Op::kVecMovMsk, 4);
    m.mn = form(mn);
    opnd(m, Operand::use(v));
    opnd(m, Operand::def(d));
    return d;
  }
  VReg gpr_alu_imm(Mn mn, VReg a, int64_t imm) {
    VReg d = cx_.new_vreg(RegClass::kInt);
    MInst& m = cx_.emit(Op::kAluRI, 4);
    m.mn = mn;
    m.imm = imm;
    m.flags = kFImm;
    opnd(m, Operand::use(a));
    opnd(m, Operand::reuse_def(d, 0));
    return d;
  }
  VReg gpr_to_xmm(VReg g) {
    VReg d = nv();
    MInst& m = cx_.emit(Op::kGprToXmm, 4);
    opnd(m, Operand::use(g));
    opnd(m, Operand::def(d));
    return d;
  }
  // d = (a cc imm) ? 1 : 0 on 32-bit GPRs.
  void set_cmp_imm(VReg a, int64_t imm, Cond cc, VReg d) {
    MInst& m = cx_.emit(Op::kCmpSet, 4);
    m.size2 = 4;
    m.cc = cc;
    m.imm = imm;
    m.flags = kFImm;
    opnd(m, Operand::use(a));
    opnd(m, Operand::def(d));
  }
  VReg not_(VReg a, VReg d = {}) { return rc(Mn::kPxor, a, all_ones(), d); }

  ir::Type ty(ir::Value v) const { return dfg_.value_type(dfg_.resolve_aliases(v)); }
  std::optional<int64_t> const_amount(ir::Value v) const {
    ir::Inst d = dfg_.value_inst(dfg_.resolve_aliases(v));
    if (!d.is_valid() || dfg_[d].opcode != ir::Opcode::kIconst) return std::nullopt;
    return dfg_[d].imm;
  }

  void fold(ir::Value v, std::initializer_list<ir::Value> refs) { cx_.fold(v, refs); }
  // The bytes of a vconst operand.
  std::optional<Bytes> const_bytes(ir::Value v) const {
    ir::Inst d = dfg_.value_inst(dfg_.resolve_aliases(v));
    if (!d.is_valid() || dfg_[d].opcode != ir::Opcode::kVconst) return std::nullopt;
    return dfg_.constants[dfg_[d].constant()];
  }

  Expected<void> need(bool have, const char* ext, std::string_view what) {
    if (have) return {};
    return unsupported(std::string(what) + " without " + ext);
  }

  Expected<void> lower_int_bin(const ir::InstData& d, ir::Type t, VReg a, VReg b, VReg out);
  Expected<void> lower_shift(const ir::InstData& d, ir::Type t, VReg a, VReg out);
  Expected<void> lower_icmp(ir::IntCC cc, ir::Type t, VReg a, VReg b, VReg out);
  Expected<void> lower_fcmp(ir::FloatCC cc, ir::Type t, VReg a, VReg b, VReg out);
  Expected<void> lower_float(const ir::InstData& d, ir::Type t, VReg a, VReg b, VReg out);
  Expected<void> lower_convert(const ir::InstData& d, ir::Type from, ir::Type to, VReg a, VReg b,
                               VReg out);
  Expected<VReg> signed_gt(uint32_t lb, VReg a, VReg b, VReg d = {});
  bool lower_shuffle2(const ir::InstData& d, VReg out);
  bool lower_pminmax(const ir::InstData& d, VReg out);

  SimdLowerContext& cx_;
  const ir::DataFlowGraph& dfg_;
  ir::Inst cur_;  // the instruction being lowered
};

Expected<VReg> SimdLowerer::signed_gt(uint32_t lb, VReg a, VReg b, VReg d) {
  if (lb < 64) return rr(by_lane(lb, Mn::kPcmpgtb, Mn::kPcmpgtw, Mn::kPcmpgtd, Mn::kPcmpgtq), a, b, d);
  if (cpu().sse42) return rr(Mn::kPcmpgtq, a, b, d);
  // High dwords decide unless equal; then the borrow of b - a says a >u b in the low dwords.
  VReg gt = rr(Mn::kPcmpgtd, a, b);
  VReg eq = rr(Mn::kPcmpeqd, a, b);
  VReg diff = rr(Mn::kPsubq, b, a);
  diff = rr(Mn::kPand, diff, eq);
  gt = rr(Mn::kPor, gt, diff);
  return uni(Mn::kPshufd, gt, 0xF5, d);
}

// bor(swizzle(x, c1), swizzle(y, c2)) with constant, complementary indices is the translation
// of a two-input i8x16.shuffle; lane i of the result is byte sel[i] of y:x (0..31). Recognised
// forms: unpack low/high (any lane size), palignr, pblendw, shufps; the rest keep the two
// pshufb and por.
bool SimdLowerer::lower_shuffle2(const ir::InstData& d, VReg out) {
  auto swz = [&](ir::Value v) -> std::optional<std::pair<ir::Value, Bytes>> {
    ir::Inst i = dfg_.value_inst(dfg_.resolve_aliases(v));
    if (!i.is_valid() || dfg_[i].opcode != ir::Opcode::kSwizzle) return std::nullopt;
    auto c = const_bytes(dfg_[i].args[1]);
    if (!c) return std::nullopt;
    return std::make_pair(dfg_[i].args[0], *c);
  };
  auto s1 = swz(d.args[0]), s2 = swz(d.args[1]);
  if (!s1 || !s2) return false;
  std::array<uint8_t, 16> sel{};
  for (int i = 0; i < 16; ++i) {
    bool in1 = s1->second[i] < 16, in2 = s2->second[i] < 16;
    if (in1 == in2) return false;
    sel[i] = in1 ? s1->second[i] : static_cast<uint8_t>(16 + s2->second[i]);
  }
  ir::Value xv = s1->first, yv = s2->first;
  auto take = [&]() {
    fold(d.args[0], {xv});
    fold(d.args[1], {yv});
    return std::make_pair(cx_.vreg(xv), cx_.vreg(yv));
  };
  // Unpack: element k of the low (high) half of x then of y, alternating, for element size e.
  for (uint32_t e : {1u, 2u, 4u, 8u}) {
    for (int high = 0; high < 2; ++high) {
      bool match = true;
      for (uint32_t i = 0; i < 16 && match; ++i) {
        uint32_t elem = i / e, byte = i % e;
        uint32_t src = (elem / 2 + high * (8 / e)) * e + byte + (elem % 2 ? 16 : 0);
        match = sel[i] == src;
      }
      if (!match) continue;
      Mn lo[] = {Mn::kPunpcklbw, Mn::kPunpcklwd, Mn::kPunpckldq, Mn::kPunpcklqdq};
      Mn hi[] = {Mn::kPunpckhbw, Mn::kPunpckhwd, Mn::kPunpckhdq, Mn::kPunpckhqdq};
      int k = e == 1 ? 0 : e == 2 ? 1 : e == 4 ? 2 : 3;
      auto [x, y] = take();
      rr(high ? hi[k] : lo[k], x, y, out);
      return true;
    }
  }
  // palignr: consecutive bytes of y:x starting at s.
  bool consecutive = true;
  for (int i = 1; i < 16 && consecutive; ++i) consecutive = sel[i] == sel[0] + i;
  if (consecutive && sel[0] > 0 && sel[0] < 16 && cpu().ssse3) {
    auto [x, y] = take();
    rri(Mn::kPalignr, y, x, sel[0], out);
    return true;
  }
  // pblendw: every word stays in place, from x or y.
  bool blend = cpu().sse41;
  int64_t mask = 0;
  for (int w = 0; w < 8 && blend; ++w) {
    uint8_t b0 = sel[2 * w], b1 = sel[2 * w + 1];
    if (b0 == 2 * w && b1 == 2 * w + 1) continue;
    if (b0 == 16 + 2 * w && b1 == 17 + 2 * w) { mask |= int64_t{1} << w; continue; }
    blend = false;
  }
  if (blend) {
    auto [x, y] = take();
    rri(Mn::kPblendw, x, y, mask, out);
    return true;
  }
  // shufps: dwords 0-1 from x, 2-3 from y, each any dword of its source.
  bool shuf = true;
  int64_t imm = 0;
  for (int k = 0; k < 4 && shuf; ++k) {
    uint8_t first = sel[4 * k];
    bool from_y = k >= 2;
    shuf = first % 4 == 0 && (first >= 16) == from_y;
    for (int j = 1; j < 4 && shuf; ++j) shuf = sel[4 * k + j] == first + j;
    imm |= static_cast<int64_t>((first % 16) / 4) << (2 * k);
  }
  if (shuf) {
    auto [x, y] = take();
    rri(Mn::kShufps, x, y, imm, out);
    return true;
  }
  return false;
}

// bitselect(fcmp lt p, q, x, y) (through a bitcast of the mask) is Wasm's pmin/pmax as the
// translator builds them: x = p, y = q is p < q ? p : q = minps p, q; x = q, y = p is
// maxps q, p (both return their second operand on NaN and equal operands, as required).
bool SimdLowerer::lower_pminmax(const ir::InstData& d, VReg out) {
  ir::Value c = dfg_.resolve_aliases(d.args[0]);
  ir::Inst ci = dfg_.value_inst(c);
  if (ci.is_valid() && dfg_[ci].opcode == ir::Opcode::kBitcast) ci = dfg_.value_inst(dfg_.resolve_aliases(dfg_[ci].args[0]));
  if (!ci.is_valid() || dfg_[ci].opcode != ir::Opcode::kFcmp || dfg_[ci].floatcc() != ir::FloatCC::kLt) return false;
  ir::Type t = ty(dfg_[ci].args[0]);
  if (t != ty(d.args[1])) return false;
  auto same = [&](ir::Value a, ir::Value b) { return dfg_.resolve_aliases(a) == dfg_.resolve_aliases(b); };
  ir::Value p = dfg_[ci].args[0], q = dfg_[ci].args[1];
  bool f32 = t.lane_bits() == 32;
  if (same(d.args[1], p) && same(d.args[2], q)) {
    fold(d.args[0], {});
    rr(f32 ? Mn::kMinps : Mn::kMinpd, cx_.vreg(d.args[1]), cx_.vreg(d.args[2]), out);
    return true;
  }
  if (same(d.args[1], q) && same(d.args[2], p)) {
    fold(d.args[0], {});
    rr(f32 ? Mn::kMaxps : Mn::kMaxpd, cx_.vreg(d.args[1]), cx_.vreg(d.args[2]), out);
    return true;
  }
  return false;
}

Expected<void> SimdLowerer::lower_icmp(ir::IntCC cc, ir::Type t, VReg a, VReg b, VReg out) {
  uint32_t lb = t.lane_bits();
  using CC = ir::IntCC;
  if (lb == 64) {
    if (cc == CC::kEq || cc == CC::kNe) KILN_TRY(need(cpu().sse41, "SSE4.1", "i64x2 equality"));
    if (cc == CC::kUlt || cc == CC::kUle || cc == CC::kUgt || cc == CC::kUge) {
      // Unsigned order is signed order with the sign bits flipped.
      Bytes sign = splat_bits(uint64_t{1} << 63, 8);
      a = rc(Mn::kPxor, a, sign);
      b = rc(Mn::kPxor, b, sign);
      cc = cc == CC::kUlt ? CC::kSlt : cc == CC::kUle ? CC::kSle : cc == CC::kUgt ? CC::kSgt : CC::kSge;
    }
  } else if ((lb == 16 || lb == 32) && (cc == CC::kUlt || cc == CC::kUle || cc == CC::kUgt ||
                                        cc == CC::kUge)) {
    KILN_TRY(need(cpu().sse41, "SSE4.1", "unsigned vector comparison"));
  }
  Mn eq = by_lane(lb, Mn::kPcmpeqb, Mn::kPcmpeqw, Mn::kPcmpeqd, Mn::kPcmpeqq);
  Mn maxu = by_lane(lb, Mn::kPmaxub, Mn::kPmaxuw, Mn::kPmaxud, Mn::kPxor);
  Mn minu = by_lane(lb, Mn::kPminub, Mn::kPminuw, Mn::kPminud, Mn::kPxor);
  switch (cc) {
    case CC::kEq: rr(eq, a, b, out); return {};
    case CC::kNe: not_(rr(eq, a, b), out); return {};
    case CC::kSgt: {
      KILN_TRY(signed_gt(lb, a, b, out));
      return {};
    }
    case CC::kSlt: {
      KILN_TRY(signed_gt(lb, b, a, out));
      return {};
    }
    case CC::kSge: {
      KILN_ASSIGN_OR_RETURN(VReg g, signed_gt(lb, b, a));
      not_(g, out);
      return {};
    }
    case CC::kSle: {
      KILN_ASSIGN_OR_RETURN(VReg g, signed_gt(lb, a, b));
      not_(g, out);
      return {};
    }
    case CC::kUge: rr(eq, rr(maxu, a, b), a, out); return {};
    case CC::kUle: rr(eq, rr(minu, a, b), a, out); return {};
    case CC::kUlt: not_(rr(eq, rr(maxu, a, b), a), out); return {};
    case CC::kUgt: not_(rr(eq, rr(minu, a, b), a), out); return {};
  }
  return unsupported("vector icmp");
}

Expected<void> SimdLowerer::lower_fcmp(ir::FloatCC cc, ir::Type t, VReg a, VReg b, VReg out) {
  Mn cmp = t.lane_bits() == 32 ? Mn::kCmpps : Mn::kCmppd;
  using FC = ir::FloatCC;
  // cmpps predicates: 0 eq, 1 lt, 2 le, 3 unord, 4 neq (unordered), 5 nlt, 6 nle, 7 ord.
  switch (cc) {
    case FC::kEq: rri(cmp, a, b, 0, out); break;
    case FC::kNe: rri(cmp, a, b, 4, out); break;
    case FC::kLt: rri(cmp, a, b, 1, out); break;
    case FC::kLe: rri(cmp, a, b, 2, out); break;
    case FC::kGt: rri(cmp, b, a, 1, out); break;
    case FC::kGe: rri(cmp, b, a, 2, out); break;
    case FC::kOrd: rri(cmp, a, b, 7, out); break;
    case FC::kUno: rri(cmp, a, b, 3, out); break;
    case FC::kUlt: rri(cmp, b, a, 6, out); break;
    case FC::kUle: rri(cmp, b, a, 5, out); break;
    case FC::kUgt: rri(cmp, a, b, 6, out); break;
    case FC::kUge: rri(cmp, a, b, 5, out); break;
    case FC::kUeq: rr(Mn::kPor, rri(cmp, a, b, 0), rri(cmp, a, b, 3), out); break;
    case FC::kOne: rr(Mn::kPand, rri(cmp, a, b, 7), rri(cmp, a, b, 4), out); break;
  }
  return {};
}

Expected<void> SimdLowerer::lower_shift(const ir::InstData& d, ir::Type t, VReg a, VReg out) {
  uint32_t lb = t.lane_bits();
  ir::Opcode op = d.opcode;
  bool left = op == ir::Opcode::kIshl, arith = op == ir::Opcode::kSshr;
  if (op == ir::Opcode::kRotl || op == ir::Opcode::kRotr) return unsupported("vector rotate");
  // i8 lanes shift as words: shl on zero-extended bytes, shr on bytes doubled into both halves
  // shifted by n + 8.
  int64_t bias = (lb == 8 && !left) ? 8 : 0;
  std::optional<int64_t> c = const_amount(d.args[1]);
  if (c) fold(d.args[1], {});  // an immediate: the constant needs no register
  if (lb == 8 && c && !arith) {
    // Constant logical byte shifts: shift words, then clear the bits that crossed into the
    // neighbouring byte (2 instructions instead of unpack/shift/pack).
    int64_t k = *c & 7;
    uint8_t keep = static_cast<uint8_t>(left ? (0xff << k) : (0xff >> k));
    VReg x = shi(left ? Mn::kPsllw : Mn::kPsrlw, a, k);
    rc(Mn::kPand, x, splat_bits(keep, 1), out);
    return {};
  }
  VReg count;
  if (!c) {
    VReg g = cx_.vreg(d.args[1]);
    g = gpr_alu_imm(Mn::kAnd, g, lb - 1);
    if (bias) g = gpr_alu_imm(Mn::kAdd, g, bias);
    count = gpr_to_xmm(g);
  }
  int64_t n = c ? (*c & (lb - 1)) + bias : 0;
  auto shift = [&](Mn mn, VReg x, VReg dst = {}) { return c ? shi(mn, x, n, dst) : rr(mn, x, count, dst); };
  uint32_t wb = lb == 8 ? 16 : lb;  // the width the hardware shifts
  Mn mn = left ? by_lane(wb, Mn::kPsllw, Mn::kPsllw, Mn::kPslld, Mn::kPsllq)
          : arith ? by_lane(wb, Mn::kPsraw, Mn::kPsraw, Mn::kPsrad, Mn::kPsrlq)
                  : by_lane(wb, Mn::kPsrlw, Mn::kPsrlw, Mn::kPsrld, Mn::kPsrlq);
  if (lb == 8) {
    VReg lo, hi;
    if (left) {
      VReg z = zero();
      lo = rr(Mn::kPunpcklbw, a, z);
      hi = rr(Mn::kPunpckhbw, a, z);
    } else {
      lo = rr(Mn::kPunpcklbw, a, a);
      hi = rr(Mn::kPunpckhbw, a, a);
    }
    lo = shift(mn, lo);
    hi = shift(mn, hi);
    if (left) {
      lo = rc(Mn::kPand, lo, splat_bits(0x00ff, 2));
      hi = rc(Mn::kPand, hi, splat_bits(0x00ff, 2));
    }
    rr(arith ? Mn::kPacksswb : Mn::kPackuswb, lo, hi, out);
    return {};
  }
  if (lb == 64 && arith) {
    VReg x = shift(Mn::kPsrlq, a);
    VReg m = shift(Mn::kPsrlq, konst(splat_bits(uint64_t{1} << 63, 8)));
    rr(Mn::kPsubq, rr(Mn::kPxor, x, m), m, out);
    return {};
  }
  shift(mn, a, out);
  return {};
}

Expected<void> SimdLowerer::lower_int_bin(const ir::InstData& d, ir::Type t, VReg a, VReg b,
                                          VReg out) {
  uint32_t lb = t.lane_bits();
  using IO = ir::Opcode;
  Mn none = Mn::kMov;
  Mn mn = none;
  bool needs41 = false;
  switch (d.opcode) {
    case IO::kIadd: mn = by_lane(lb, Mn::kPaddb, Mn::kPaddw, Mn::kPaddd, Mn::kPaddq); break;
    case IO::kIsub: mn = by_lane(lb, Mn::kPsubb, Mn::kPsubw, Mn::kPsubd, Mn::kPsubq); break;
    case IO::kBand: mn = Mn::kPand; break;
    case IO::kBor: mn = Mn::kPor; break;
    case IO::kBxor: mn = Mn::kPxor; break;
    case IO::kImul:
      if (lb == 16) { mn = Mn::kPmullw; break; }
      if (lb == 32) { mn = Mn::kPmulld; needs41 = true; break; }
      if (lb == 64) {
        // lo(a)*lo(b) + ((hi(a)*lo(b) + lo(a)*hi(b)) << 32), each product by pmuludq.
        VReg ah = shi(Mn::kPsrlq, a, 32);
        ah = rr(Mn::kPmuludq, ah, b);
        VReg bh = shi(Mn::kPsrlq, b, 32);
        bh = rr(Mn::kPmuludq, bh, a);
        VReg cross = shi(Mn::kPsllq, rr(Mn::kPaddq, ah, bh), 32);
        rr(Mn::kPaddq, rr(Mn::kPmuludq, a, b), cross, out);
        return {};
      }
      return unsupported("i8x16 multiply");
    case IO::kSmin:
      mn = by_lane(lb, Mn::kPminsb, Mn::kPminsw, Mn::kPminsd, none);
      needs41 = lb != 16;
      break;
    case IO::kSmax:
      mn = by_lane(lb, Mn::kPmaxsb, Mn::kPmaxsw, Mn::kPmaxsd, none);
      needs41 = lb != 16;
      break;
    case IO::kUmin:
      mn = by_lane(lb, Mn::kPminub, Mn::kPminuw, Mn::kPminud, none);
      needs41 = lb != 8;
      break;
    case IO::kUmax:
      mn = by_lane(lb, Mn::kPmaxub, Mn::kPmaxuw, Mn::kPmaxud, none);
      needs41 = lb != 8;
      break;
    case IO::kAvgRound: mn = by_lane(lb, Mn::kPavgb, Mn::kPavgw, none, none); break;
    case IO::kSaddSat: mn = by_lane(lb, Mn::kPaddsb, Mn::kPaddsw, none, none); break;
    case IO::kUaddSat: mn = by_lane(lb, Mn::kPaddusb, Mn::kPaddusw, none, none); break;
    case IO::kSsubSat: mn = by_lane(lb, Mn::kPsubsb, Mn::kPsubsw, none, none); break;
    case IO::kUsubSat: mn = by_lane(lb, Mn::kPsubusb, Mn::kPsubusw, none, none); break;
    case IO::kSqmulRoundSat: {
      if (lb != 16) break;
      KILN_TRY(need(cpu().ssse3, "SSSE3", "sqmul_round_sat"));
      // pmulhrsw gives 0x8000 for 0x8000 * 0x8000 where the saturated answer is 0x7fff.
      VReg p = rr(Mn::kPmulhrsw, a, b);
      VReg ovf = rc(Mn::kPcmpeqw, p, splat_bits(0x8000, 2));
      rr(Mn::kPxor, p, ovf, out);
      return {};
    }
    case IO::kSwizzle: {
      if (lb != 8) break;
      if (auto idx = const_bytes(d.args[1])) {
        // Constant indices (all i8x16.shuffle): whole dwords in place -> pshufd; else pshufb
        // with out-of-range indices turned into its zeroing form. Either way the indices are
        // an immediate or a constant-pool operand, never a register.
        fold(d.args[1], {});
        int64_t dwords = 0;
        bool is_dword = true;
        for (int k = 0; k < 4 && is_dword; ++k) {
          uint8_t first = (*idx)[4 * k];
          is_dword = first < 16 && first % 4 == 0;
          for (int j = 1; j < 4 && is_dword; ++j) is_dword = (*idx)[4 * k + j] == first + j;
          dwords |= static_cast<int64_t>(first / 4) << (2 * k);
        }
        if (is_dword) {
          uni(Mn::kPshufd, a, dwords, out);
          return {};
        }
        KILN_TRY(need(cpu().ssse3, "SSSE3", "swizzle"));
        Bytes mask = *idx;
        for (uint8_t& m : mask) m = m < 16 ? m : 0x80;
        rc(Mn::kPshufb, a, mask, out);
        return {};
      }
      KILN_TRY(need(cpu().ssse3, "SSSE3", "swizzle"));
      // pshufb zeroes lanes whose index has the top bit set; indices 16..255 get it by a
      // saturating add of 0x70.
      VReg idx = rc(Mn::kPaddusb, b, splat_bits(0x70, 1));
      rr(Mn::kPshufb, a, idx, out);
      return {};
    }
    default: break;
  }
  if (mn == none) {
    return unsupported(std::string(ir::opcode_name(d.opcode)) + " on " + std::string(t.name()));
  }
  if (needs41) KILN_TRY(need(cpu().sse41, "SSE4.1", ir::opcode_name(d.opcode)));
  rr(mn, a, b, out);
  return {};
}

Expected<void> SimdLowerer::lower_float(const ir::InstData& d, ir::Type t, VReg a, VReg b,
                                        VReg out) {
  bool f32 = t.lane_bits() == 32;
  using IO = ir::Opcode;
  auto pick2 = [&](Mn s, Mn dd) { return f32 ? s : dd; };
  uint64_t sign = f32 ? uint64_t{1} << 31 : uint64_t{1} << 63;
  uint32_t lbytes = f32 ? 4 : 8;
  switch (d.opcode) {
    case IO::kFadd: arith(d, pick2(Mn::kAddps, Mn::kAddpd), true, a, b, out); return {};
    case IO::kFsub: arith(d, pick2(Mn::kSubps, Mn::kSubpd), false, a, b, out); return {};
    case IO::kFmul: arith(d, pick2(Mn::kMulps, Mn::kMulpd), true, a, b, out); return {};
    case IO::kFdiv: arith(d, pick2(Mn::kDivps, Mn::kDivpd), false, a, b, out); return {};
    case IO::kFneg: rc(Mn::kXorps, a, splat_bits(sign, lbytes), out); return {};
    case IO::kFabs: rc(Mn::kAndps, a, splat_bits(f32 ? ~sign & 0xffffffffu : ~sign, lbytes), out); return {};
    case IO::kSqrt: un(pick2(Mn::kSqrtps, Mn::kSqrtpd), a, out); return {};
    case IO::kCeil: case IO::kFloor: case IO::kTrunc: case IO::kNearest: {
      KILN_TRY(need(cpu().sse41, "SSE4.1", "vector rounding"));
      int64_t mode = d.opcode == IO::kNearest ? 0 : d.opcode == IO::kFloor ? 1 : d.opcode == IO::kCeil ? 2 : 3;
      uni(pick2(Mn::kRoundps, Mn::kRoundpd), a, mode | 8, out);
      return {};
    }
    case IO::kFmin: {
      Mn mn = pick2(Mn::kMinps, Mn::kMinpd);
      VReg m1 = rr(mn, a, b), m2 = rr(mn, b, a);
      VReg both = rr(Mn::kOrps, m1, m2);  // -0 | +0 = -0; a NaN operand leaves a NaN
      VReg nan = rri(pick2(Mn::kCmpps, Mn::kCmppd), both, m2, 3);
      both = rr(Mn::kOrps, both, nan);
      VReg low = shi(f32 ? Mn::kPsrld : Mn::kPsrlq, nan, f32 ? 10 : 13);
      rr(Mn::kAndnps, low, both, out);
      return {};
    }
    case IO::kFmax: {
      Mn mn = pick2(Mn::kMaxps, Mn::kMaxpd);
      VReg m1 = rr(mn, a, b), m2 = rr(mn, b, a);
      VReg diff = rr(Mn::kXorps, m1, m2);
      VReg blended = rr(Mn::kOrps, m1, diff);
      VReg fixed = rr(pick2(Mn::kSubps, Mn::kSubpd), blended, diff);  // -0 vs +0 gives +0
      VReg nan = rri(pick2(Mn::kCmpps, Mn::kCmppd), blended, blended, 3);
      VReg low = shi(f32 ? Mn::kPsrld : Mn::kPsrlq, nan, f32 ? 10 : 13);
      rr(Mn::kAndnps, low, fixed, out);
      return {};
    }
    default:
      return unsupported(std::string(ir::opcode_name(d.opcode)) + " on " + std::string(t.name()));
  }
}

Expected<void> SimdLowerer::lower_convert(const ir::InstData& d, ir::Type from, ir::Type to,
                                          VReg a, VReg b, VReg out) {
  using IO = ir::Opcode;
  switch (d.opcode) {
    case IO::kSnarrow: case IO::kUnarrow: {
      bool s = d.opcode == IO::kSnarrow;
      if (from == ir::kI32x4 && !s) KILN_TRY(need(cpu().sse41, "SSE4.1", "packusdw"));
      Mn mn = from == ir::kI16x8 ? (s ? Mn::kPacksswb : Mn::kPackuswb) : (s ? Mn::kPackssdw : Mn::kPackusdw);
      rr(mn, a, b, out);
      return {};
    }
    case IO::kSwidenLow: case IO::kSwidenHigh: case IO::kUwidenLow: case IO::kUwidenHigh: {
      KILN_TRY(need(cpu().sse41, "SSE4.1", "vector widening"));
      bool s = d.opcode == IO::kSwidenLow || d.opcode == IO::kSwidenHigh;
      bool high = d.opcode == IO::kSwidenHigh || d.opcode == IO::kUwidenHigh;
      uint32_t lb = from.lane_bits();
      Mn mn = s ? by_lane(lb, Mn::kPmovsxbw, Mn::kPmovsxwd, Mn::kPmovsxdq, Mn::kPmovsxdq)
                : by_lane(lb, Mn::kPmovzxbw, Mn::kPmovzxwd, Mn::kPmovzxdq, Mn::kPmovzxdq);
      if (!high && lb != 8) {
        // widen_low(widen_low(x)) in one step (i8 -> i32: pmov?xbd, i16 -> i64: pmov?xwq).
        // An inner zero extension makes the value non-negative, so either outer extension
        // is a zero extension of the whole; an inner sign extension needs an outer one.
        ir::Value src = dfg_.resolve_aliases(d.args[0]);
        ir::Inst wi = dfg_.value_inst(src);
        while (wi.is_valid() && dfg_[wi].opcode == ir::Opcode::kBitcast) {
          wi = dfg_.value_inst(dfg_.resolve_aliases(dfg_[wi].args[0]));
        }
        if (wi.is_valid() && (dfg_[wi].opcode == ir::Opcode::kUwidenLow ||
                              (s && dfg_[wi].opcode == ir::Opcode::kSwidenLow)) &&
            ty(dfg_[wi].args[0]).lane_bits() * 2 == lb) {
          bool inner_s = dfg_[wi].opcode == ir::Opcode::kSwidenLow;
          ir::Value x = dfg_[wi].args[0];
          fold(d.args[0], {x});
          Mn two = lb == 16 ? (inner_s ? Mn::kPmovsxbd : Mn::kPmovzxbd)
                            : (inner_s ? Mn::kPmovsxwq : Mn::kPmovzxwq);
          un(two, cx_.vreg(x), out);
          return {};
        }
      }
      if (!high) {
        // widen_low(splat(x)) of a 64-bit scalar (load8x8_s and friends): pmovsx/pmovzx read
        // only the low 64 bits, so x itself is the operand, without the splat.
        ir::Value src = dfg_.resolve_aliases(d.args[0]);
        ir::Inst si = dfg_.value_inst(src);
        while (si.is_valid() && dfg_[si].opcode == ir::Opcode::kBitcast) {
          src = dfg_.resolve_aliases(dfg_[si].args[0]);
          si = dfg_.value_inst(src);
        }
        if (si.is_valid() && dfg_[si].opcode == ir::Opcode::kSplat &&
            (ty(dfg_[si].args[0]) == ir::kF64 || ty(dfg_[si].args[0]) == ir::kI64)) {
          ir::Value x = dfg_[si].args[0];
          fold(d.args[0], {x});
          VReg xv = cx_.vreg(x);
          if (ty(x) == ir::kI64) {
            VReg t = nv();
            MInst& m = cx_.emit(Op::kGprToXmm, 8);
            opnd(m, Operand::use(xv));
            opnd(m, Operand::def(t));
            xv = t;
          }
          un(mn, xv, out);
          return {};
        }
      }
      if (high) a = uni(Mn::kPshufd, a, 0xEE);
      un(mn, a, out);
      return {};
    }
    case IO::kSdotPairs: rr(Mn::kPmaddwd, a, b, out); return {};
    case IO::kVcvtFromSint:
      un(to == ir::kF32x4 ? Mn::kCvtdq2ps : Mn::kCvtdq2pd, a, out);
      return {};
    case IO::kVcvtFromUint: {
      if (to == ir::kF64x2) {
        // (a_i, 0x43300000) read as f64 is 2^52 + a_i exactly.
        VReg t = rc(Mn::kUnpcklps, a, splat_bits(0x43300000, 4));
        rc(Mn::kSubpd, t, splat_f64(4503599627370496.0), out);
        return {};
      }
      // Low 16 bits convert exactly; the high part is halved to stay signed, converted
      // exactly, doubled; one final rounding in the sum.
      VReg lo = shi(Mn::kPsrld, shi(Mn::kPslld, a, 16), 16);
      VReg hi = rr(Mn::kPsubd, a, lo);
      VReg lof = un(Mn::kCvtdq2ps, lo);
      VReg hif = un(Mn::kCvtdq2ps, shi(Mn::kPsrld, hi, 1));
      hif = rr(Mn::kAddps, hif, hif);
      rr(Mn::kAddps, hif, lof, out);
      return {};
    }
    case IO::kVcvtToSintSat: {
      if (from == ir::kF32x4) {
        VReg ord = rri(Mn::kCmpps, a, a, 0);  // all ones where not NaN
        VReg x = rr(Mn::kAndps, a, ord);      // NaN -> 0
        VReg pos = rr(Mn::kPxor, ord, x);     // sign bit set where x >= 0
        VReg r = un(Mn::kCvttps2dq, x);
        VReg ovf = shi(Mn::kPsrad, rr(Mn::kPand, pos, r), 31);  // positive lanes that overflowed
        rr(Mn::kPxor, r, ovf, out);
        return {};
      }
      VReg ord = rri(Mn::kCmppd, a, a, 0);
      VReg lim = rc(Mn::kAndps, ord, splat_f64(2147483647.0));  // NaN lanes: 0
      VReg x = rr(Mn::kMinpd, a, lim);  // minpd returns the second operand for NaN
      un(Mn::kCvttpd2dq, x, out);
      return {};
    }
    case IO::kVcvtToUintSat: {
      if (from == ir::kF32x4) {
        KILN_TRY(need(cpu().sse41, "SSE4.1", "pmaxsd"));
        VReg x = rr(Mn::kMaxps, a, zero());  // NaN and negatives -> 0
        VReg two31 = konst(splat_f32(2147483648.0f));
        VReg low = un(Mn::kCvttps2dq, x);  // exact below 2^31, else 0x80000000
        VReg rest = rr(Mn::kSubps, x, two31);
        VReg big = rri(Mn::kCmpps, two31, rest, 2);  // x >= 2^32
        VReg r = un(Mn::kCvttps2dq, rest);
        r = rr(Mn::kPxor, r, big);
        r = rr(Mn::kPmaxsd, r, zero());
        rr(Mn::kPaddd, r, low, out);
        return {};
      }
      KILN_TRY(need(cpu().sse41, "SSE4.1", "roundpd"));
      VReg z = zero();
      VReg x = rr(Mn::kMaxpd, a, z);
      x = rc(Mn::kMinpd, x, splat_f64(4294967295.0));
      x = uni(Mn::kRoundpd, x, 3 | 8);
      x = rc(Mn::kAddpd, x, splat_f64(4503599627370496.0));  // the integer in the low dword
      rri(Mn::kShufps, x, zero(), 0x88, out);
      return {};
    }
    case IO::kVpromoteLow: un(Mn::kCvtps2pd, a, out); return {};
    case IO::kVdemote: un(Mn::kCvtpd2ps, a, out); return {};
    default: break;
  }
  return unsupported(std::string(ir::opcode_name(d.opcode)));
}

Expected<void> SimdLowerer::lower(ir::Inst i) {
  const ir::InstData& d = dfg_[i];
  cur_ = i;
  using IO = ir::Opcode;
  ir::Value res = dfg_.first_result(i);
  ir::Type t = dfg_.value_type(res);
  ir::Type at = ty(d.args[0]);
  uint32_t nargs = ir::format_fixed_args(d.format());
  VReg a = cx_.vreg(d.args[0]);
  VReg b = nargs > 1 && ty(d.args[1]).is_vector() ? cx_.vreg(d.args[1]) : VReg{};
  VReg out = cx_.vreg(res);
  switch (d.opcode) {
    case IO::kIcmp: return lower_icmp(d.intcc(), at, a, b, out);
    case IO::kFcmp: return lower_fcmp(d.floatcc(), at, a, b, out);
    case IO::kIshl: case IO::kUshr: case IO::kSshr: case IO::kRotl: case IO::kRotr:
      return lower_shift(d, t, a, out);
    case IO::kBnot: not_(a, out); return {};
    case IO::kIneg:
      rr(by_lane(t.lane_bits(), Mn::kPsubb, Mn::kPsubw, Mn::kPsubd, Mn::kPsubq), zero(), a, out);
      return {};
    case IO::kIabs: {
      uint32_t lb = t.lane_bits();
      if (lb == 64) {
        VReg s = shi(Mn::kPsrad, uni(Mn::kPshufd, a, 0xF5), 31);
        rr(Mn::kPsubq, rr(Mn::kPxor, a, s), s, out);
        return {};
      }
      KILN_TRY(need(cpu().ssse3, "SSSE3", "vector abs"));
      un(by_lane(lb, Mn::kPabsb, Mn::kPabsw, Mn::kPabsd, Mn::kPabsd), a, out);
      return {};
    }
    case IO::kPopcnt: {
      if (t.lane_bits() != 8) return unsupported("popcnt on " + std::string(t.name()));
      KILN_TRY(need(cpu().ssse3, "SSSE3", "vector popcnt"));
      // Bit counts of the two nibbles of each byte, looked up with pshufb.
      Bytes lut = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
      Bytes nib = splat_bits(0x0f, 1);
      VReg lo = rc(Mn::kPand, a, nib);
      VReg hi = rc(Mn::kPand, shi(Mn::kPsrlw, a, 4), nib);
      VReg c1 = rr(Mn::kPshufb, konst(lut), lo);
      VReg c2 = rr(Mn::kPshufb, konst(lut), hi);
      rr(Mn::kPaddb, c1, c2, out);
      return {};
    }
    case IO::kBor:
      if (lower_shuffle2(d, out)) return {};
      break;
    case IO::kBitselect: {
      if (lower_pminmax(d, out)) return {};
      VReg x = cx_.vreg(d.args[1]), y = cx_.vreg(d.args[2]);
      VReg t1 = rr(Mn::kPand, x, a);
      VReg t2 = rr(Mn::kPandn, a, y);  // ~c & y
      rr(Mn::kPor, t1, t2, out);
      return {};
    }
    case IO::kVanyTrue: {
      VReg m = movmsk(Mn::kPmovmskb, rr(Mn::kPcmpeqb, a, zero()));
      set_cmp_imm(m, 0xffff, Cond::kNe, out);
      return {};
    }
    case IO::kVallTrue: {
      uint32_t lb = at.lane_bits();
      if (lb == 64) KILN_TRY(need(cpu().sse41, "SSE4.1", "pcmpeqq"));
      Mn eq = by_lane(lb, Mn::kPcmpeqb, Mn::kPcmpeqw, Mn::kPcmpeqd, Mn::kPcmpeqq);
      VReg m = movmsk(Mn::kPmovmskb, rr(eq, a, zero()));
      set_cmp_imm(m, 0, Cond::kE, out);
      return {};
    }
    case IO::kVhighBits: {
      uint32_t lb = at.lane_bits();
      if (lb == 16) {
        // Saturating packing keeps each word's sign in a byte; both halves hold the same.
        VReg m = movmsk(Mn::kPmovmskb, rr(Mn::kPacksswb, a, a));
        MInst& sh = cx_.emit(Op::kShiftRI, 4);
        sh.mn = Mn::kShr;
        sh.imm = 8;
        sh.flags = kFImm;
        opnd(sh, Operand::use(m));
        opnd(sh, Operand::reuse_def(out, 0));
        return {};
      }
      movmsk(by_lane(lb, Mn::kPmovmskb, Mn::kPmovmskb, Mn::kMovmskps, Mn::kMovmskpd), a, out);
      return {};
    }
    case IO::kSnarrow: case IO::kUnarrow: case IO::kSwidenLow: case IO::kSwidenHigh:
    case IO::kUwidenLow: case IO::kUwidenHigh: case IO::kSdotPairs: case IO::kVcvtFromSint:
    case IO::kVcvtFromUint: case IO::kVcvtToSintSat: case IO::kVcvtToUintSat:
    case IO::kVpromoteLow: case IO::kVdemote:
      return lower_convert(d, at, t, a, b, out);
    default:
      break;
  }
  if (t.is_float_lanes()) return lower_float(d, t, a, b, out);
  return lower_int_bin(d, t, a, b, out);
}

}  // namespace

bool is_simd_lowered(const ir::DataFlowGraph& dfg, ir::Inst i) {
  const ir::InstData& d = dfg[i];
  using IO = ir::Opcode;
  auto vec_result = [&] {
    return dfg.has_results(i) && dfg.value_type(dfg.first_result(i)).is_vector();
  };
  switch (d.opcode) {
    case IO::kSmin: case IO::kSmax: case IO::kUmin: case IO::kUmax: case IO::kAvgRound:
    case IO::kSaddSat: case IO::kUaddSat: case IO::kSsubSat: case IO::kUsubSat:
    case IO::kSqmulRoundSat: case IO::kSwizzle: case IO::kIabs: case IO::kBitselect:
    case IO::kVanyTrue: case IO::kVallTrue: case IO::kVhighBits: case IO::kSnarrow:
    case IO::kUnarrow: case IO::kSwidenLow: case IO::kSwidenHigh: case IO::kUwidenLow:
    case IO::kUwidenHigh: case IO::kSdotPairs: case IO::kVcvtFromSint: case IO::kVcvtFromUint:
    case IO::kVcvtToSintSat: case IO::kVcvtToUintSat: case IO::kVpromoteLow: case IO::kVdemote:
      return true;
    case IO::kIadd: case IO::kIsub: case IO::kImul: case IO::kIneg: case IO::kBand:
    case IO::kBor: case IO::kBxor: case IO::kBnot: case IO::kIshl: case IO::kUshr:
    case IO::kSshr: case IO::kRotl: case IO::kRotr: case IO::kPopcnt: case IO::kFadd:
    case IO::kFsub: case IO::kFmul: case IO::kFdiv: case IO::kFmin: case IO::kFmax:
    case IO::kFneg: case IO::kFabs: case IO::kSqrt: case IO::kCeil: case IO::kFloor:
    case IO::kTrunc: case IO::kNearest:
      return vec_result();
    case IO::kIcmp: case IO::kFcmp:
      return dfg.value_type(dfg.resolve_aliases(d.args[0])).is_vector();
    default:
      return false;
  }
}

Expected<void> lower_simd(ir::Inst i, SimdLowerContext& cx) {
  SimdLowerer l(cx);
  return l.lower(i);
}

}  // namespace kiln::codegen::x64
