// codegen/baseline/assembler.h: a compact x86-64 encoder for the instruction forms the baseline
// compiler emits (REX, ModRM, SIB, disp8/disp32, imm8/imm32/imm64). It writes straight into a
// growable byte buffer with no per-instruction allocation or operand validation beyond asserts:
// the baseline compiler emits a few bytes per Wasm operator and asmjit's generic path costs
// more than the whole rest of the work (see README.md).
#pragma once

#include <cassert>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <vector>

namespace kiln::codegen::baseline {

// Hardware register numbers (the same numbering for general-purpose and xmm registers).
namespace gp {
inline constexpr uint8_t kRax = 0, kRcx = 1, kRdx = 2, kRbx = 3, kRsp = 4, kRbp = 5, kRsi = 6,
                         kRdi = 7, kR8 = 8, kR9 = 9, kR10 = 10, kR11 = 11, kR12 = 12, kR13 = 13,
                         kR14 = 14, kR15 = 15;
}  // namespace gp

// Condition codes (the low nibble of jcc/setcc/cmovcc).
enum class Cond : uint8_t {
  kO = 0, kNo = 1, kB = 2, kAe = 3, kE = 4, kNe = 5, kBe = 6, kA = 7,
  kS = 8, kNs = 9, kP = 10, kNp = 11, kL = 12, kGe = 13, kLe = 14, kG = 15,
};
inline Cond negate(Cond c) { return static_cast<Cond>(static_cast<uint8_t>(c) ^ 1); }

// A memory operand [base + index * (1 << scale) + disp]; base < 0 means RIP-relative (disp is
// then relative to the end of the instruction).
struct Mem {
  int8_t base = gp::kRax;
  int8_t index = -1;
  uint8_t scale = 0;
  int32_t disp = 0;
};
inline Mem mem(uint8_t base, int32_t disp) { return Mem{static_cast<int8_t>(base), -1, 0, disp}; }
inline Mem mem(uint8_t base, uint8_t index, uint8_t scale, int32_t disp) {
  return Mem{static_cast<int8_t>(base), static_cast<int8_t>(index), scale, disp};
}
inline Mem rip(int32_t disp) { return Mem{-1, -1, 0, disp}; }

// Group-1 ALU operations: the /digit of 0x81/0x83 and (8 * op + 1/3) of the reg-reg forms.
enum class Alu : uint8_t { kAdd = 0, kOr = 1, kAdc = 2, kSbb = 3, kAnd = 4, kSub = 5, kXor = 6, kCmp = 7 };
// Group-2 shifts: the /digit of 0xC1/0xD3.
enum class Shift : uint8_t { kRol = 0, kRor = 1, kShl = 4, kShr = 5, kSar = 7 };

// Legacy prefix of an SSE instruction.
enum class Pfx : uint8_t { kNone = 0, k66 = 0x66, kF2 = 0xF2, kF3 = 0xF3 };

class Assembler {
 public:
  // `buf` is reused across functions: its whole size is writable room (it is never shrunk,
  // so the bytes need not be zeroed again per function); the code is its first size() bytes.
  explicit Assembler(std::vector<uint8_t>& buf) : buf_(buf) {
    if (buf_.size() < 4096) buf_.resize(4096);
  }

  uint32_t size() const { return size_; }
  uint32_t offset() const { return size_; }
  uint8_t* data() { return buf_.data(); }
  void patch32(uint32_t at, int32_t v) { std::memcpy(buf_.data() + at, &v, 4); }

  // Makes room for one instruction (at most 16 bytes) or `n` bytes.
  void ensure(uint32_t n = 16) {
    if (size_ + n > buf_.size()) buf_.resize(std::max<size_t>(buf_.size() * 2, size_ + n));
  }

  void byte(uint8_t b) { buf_[size_++] = b; }
  void u32(uint32_t v) { std::memcpy(buf_.data() + size_, &v, 4); size_ += 4; }
  void u64(uint64_t v) { std::memcpy(buf_.data() + size_, &v, 8); size_ += 8; }

  // ---- generic encodings. `opc` holds 1-3 opcode bytes, most significant first (e.g. 0x0FAF).
  // `w`: REX.W; `byte_reg`: the reg/rm register is an 8-bit one (spl/bpl/sil/dil need REX).
  void op_rr(Pfx p, bool w, uint32_t opc, uint8_t reg, uint8_t rm, bool byte_reg = false) {
    ensure();
    prefix(p);
    rex(w, reg, -1, rm, byte_reg && (reg >= 4 || rm >= 4));
    opcode(opc);
    byte(static_cast<uint8_t>(0xC0 | ((reg & 7) << 3) | (rm & 7)));
  }
  void op_rm(Pfx p, bool w, uint32_t opc, uint8_t reg, const Mem& m, bool byte_reg = false,
             uint32_t imm_bytes = 0) {
    ensure();
    prefix(p);
    rex(w, reg, m.index, m.base < 0 ? 0 : m.base, byte_reg && reg >= 4);
    opcode(opc);
    modrm_mem(reg, m, imm_bytes);
  }

  // ---- integer instructions. `w`: 64-bit operation.
  void mov_rr(bool w, uint8_t dst, uint8_t src) { op_rr(Pfx::kNone, w, 0x89, src, dst); }
  void mov_rm(bool w, uint8_t dst, const Mem& m) { op_rm(Pfx::kNone, w, 0x8B, dst, m); }
  void mov_mr(bool w, const Mem& m, uint8_t src) { op_rm(Pfx::kNone, w, 0x89, src, m); }
  void mov8_mr(const Mem& m, uint8_t src) { op_rm(Pfx::kNone, false, 0x88, src, m, true); }
  void mov16_mr(const Mem& m, uint8_t src) { op_rm(Pfx::k66, false, 0x89, src, m); }
  // [m] = sign-extended imm32 (w) or imm32.
  void mov_mi(bool w, const Mem& m, int32_t imm) {
    op_rm(Pfx::kNone, w, 0xC7, 0, m, false, 4);
    u32(static_cast<uint32_t>(imm));
  }
  // dst = imm, with the shortest encoding: xor for 0, mov r32 for values that zero-extend,
  // mov r64 sign-extended imm32, else movabs.
  void mov_ri(bool w, uint8_t dst, int64_t imm) {
    if (!w) imm = static_cast<uint32_t>(imm);
    if (imm == 0) {
      alu_rr(false, Alu::kXor, dst, dst);
    } else if (static_cast<uint64_t>(imm) <= 0xFFFFFFFFu) {
      ensure();
      if (dst >= 8) byte(0x41);
      byte(static_cast<uint8_t>(0xB8 + (dst & 7)));
      u32(static_cast<uint32_t>(imm));
    } else if (imm >= INT32_MIN && imm <= INT32_MAX) {
      op_rr(Pfx::kNone, true, 0xC7, 0, dst);
      u32(static_cast<uint32_t>(imm));
    } else {
      movabs(dst, static_cast<uint64_t>(imm));
    }
  }
  // movabs dst, imm64; returns the offset of the 8 immediate bytes (for kAbs8 relocations).
  uint32_t movabs(uint8_t dst, uint64_t imm) {
    ensure();
    byte(static_cast<uint8_t>(0x48 | (dst >= 8 ? 1 : 0)));
    byte(static_cast<uint8_t>(0xB8 + (dst & 7)));
    uint32_t at = size_;
    u64(imm);
    return at;
  }
  // movzx/movsx from 8 or 16 bits, movsxd from 32 (w: 64-bit destination).
  void movzx8_rr(bool w, uint8_t dst, uint8_t src) { op_rr(Pfx::kNone, w, 0x0FB6, dst, src, true); }
  void movzx8_rm(bool w, uint8_t dst, const Mem& m) { op_rm(Pfx::kNone, w, 0x0FB6, dst, m); }
  void movzx16_rr(bool w, uint8_t dst, uint8_t src) { op_rr(Pfx::kNone, w, 0x0FB7, dst, src); }
  void movzx16_rm(bool w, uint8_t dst, const Mem& m) { op_rm(Pfx::kNone, w, 0x0FB7, dst, m); }
  void movsx8_rr(bool w, uint8_t dst, uint8_t src) { op_rr(Pfx::kNone, w, 0x0FBE, dst, src, true); }
  void movsx8_rm(bool w, uint8_t dst, const Mem& m) { op_rm(Pfx::kNone, w, 0x0FBE, dst, m); }
  void movsx16_rr(bool w, uint8_t dst, uint8_t src) { op_rr(Pfx::kNone, w, 0x0FBF, dst, src); }
  void movsx16_rm(bool w, uint8_t dst, const Mem& m) { op_rm(Pfx::kNone, w, 0x0FBF, dst, m); }
  void movsxd_rr(uint8_t dst, uint8_t src) { op_rr(Pfx::kNone, true, 0x63, dst, src); }
  void movsxd_rm(uint8_t dst, const Mem& m) { op_rm(Pfx::kNone, true, 0x63, dst, m); }
  void lea(uint8_t dst, const Mem& m) { op_rm(Pfx::kNone, true, 0x8D, dst, m); }

  // dst op= src.
  void alu_rr(bool w, Alu op, uint8_t dst, uint8_t src) {
    op_rr(Pfx::kNone, w, static_cast<uint32_t>(op) * 8 + 1, src, dst);
  }
  // dst op= [m].
  void alu_rm(bool w, Alu op, uint8_t dst, const Mem& m) {
    op_rm(Pfx::kNone, w, static_cast<uint32_t>(op) * 8 + 3, dst, m);
  }
  // dst op= imm (sign-extended imm8 or imm32).
  void alu_ri(bool w, Alu op, uint8_t dst, int32_t imm) {
    if (imm >= -128 && imm <= 127) {
      op_rr(Pfx::kNone, w, 0x83, static_cast<uint8_t>(op), dst);
      byte(static_cast<uint8_t>(imm));
    } else {
      op_rr(Pfx::kNone, w, 0x81, static_cast<uint8_t>(op), dst);
      u32(static_cast<uint32_t>(imm));
    }
  }
  // [m] op= imm (cmp [m], imm for comparisons with memory).
  void alu_mi(bool w, Alu op, const Mem& m, int32_t imm) {
    if (imm >= -128 && imm <= 127) {
      op_rm(Pfx::kNone, w, 0x83, static_cast<uint8_t>(op), m, false, 1);
      byte(static_cast<uint8_t>(imm));
    } else {
      op_rm(Pfx::kNone, w, 0x81, static_cast<uint8_t>(op), m, false, 4);
      u32(static_cast<uint32_t>(imm));
    }
  }
  void test_rr(bool w, uint8_t a, uint8_t b) { op_rr(Pfx::kNone, w, 0x85, b, a); }
  void imul_rr(bool w, uint8_t dst, uint8_t src) { op_rr(Pfx::kNone, w, 0x0FAF, dst, src); }
  void imul_rri(bool w, uint8_t dst, uint8_t src, int32_t imm) {
    if (imm >= -128 && imm <= 127) {
      op_rr(Pfx::kNone, w, 0x6B, dst, src);
      byte(static_cast<uint8_t>(imm));
    } else {
      op_rr(Pfx::kNone, w, 0x69, dst, src);
      u32(static_cast<uint32_t>(imm));
    }
  }
  // F7 group: not (/2), neg (/3), div (/6), idiv (/7).
  void not_(bool w, uint8_t r) { op_rr(Pfx::kNone, w, 0xF7, 2, r); }
  void neg(bool w, uint8_t r) { op_rr(Pfx::kNone, w, 0xF7, 3, r); }
  void div(bool w, uint8_t r) { op_rr(Pfx::kNone, w, 0xF7, 6, r); }
  void idiv(bool w, uint8_t r) { op_rr(Pfx::kNone, w, 0xF7, 7, r); }
  // cdq / cqo: sign-extend eax/rax into edx/rdx.
  void cdq(bool w) {
    ensure();
    if (w) byte(0x48);
    byte(0x99);
  }
  void shift_cl(bool w, Shift s, uint8_t r) { op_rr(Pfx::kNone, w, 0xD3, static_cast<uint8_t>(s), r); }
  void shift_ri(bool w, Shift s, uint8_t r, uint8_t imm) {
    op_rr(Pfx::kNone, w, 0xC1, static_cast<uint8_t>(s), r);
    byte(imm);
  }
  void setcc(Cond c, uint8_t r) { op_rr(Pfx::kNone, false, 0x0F90 + static_cast<uint32_t>(c), 0, r, true); }
  void cmov(bool w, Cond c, uint8_t dst, uint8_t src) {
    op_rr(Pfx::kNone, w, 0x0F40 + static_cast<uint32_t>(c), dst, src);
  }
  void bsr(bool w, uint8_t dst, uint8_t src) { op_rr(Pfx::kNone, w, 0x0FBD, dst, src); }
  void bsf(bool w, uint8_t dst, uint8_t src) { op_rr(Pfx::kNone, w, 0x0FBC, dst, src); }
  void lzcnt(bool w, uint8_t dst, uint8_t src) { op_rr(Pfx::kF3, w, 0x0FBD, dst, src); }
  void tzcnt(bool w, uint8_t dst, uint8_t src) { op_rr(Pfx::kF3, w, 0x0FBC, dst, src); }
  void popcnt(bool w, uint8_t dst, uint8_t src) { op_rr(Pfx::kF3, w, 0x0FB8, dst, src); }

  void push(uint8_t r) {
    ensure();
    if (r >= 8) byte(0x41);
    byte(static_cast<uint8_t>(0x50 + (r & 7)));
  }
  void pop(uint8_t r) {
    ensure();
    if (r >= 8) byte(0x41);
    byte(static_cast<uint8_t>(0x58 + (r & 7)));
  }
  void ret() { ensure(); byte(0xC3); }
  void ud2() { ensure(); byte(0x0F); byte(0x0B); }
  void rep_stosq() { ensure(); byte(0xF3); byte(0x48); byte(0xAB); }
  void call_m(const Mem& m) { op_rm(Pfx::kNone, false, 0xFF, 2, m); }
  void call_r(uint8_t r) { op_rr(Pfx::kNone, false, 0xFF, 2, r); }
  void jmp_r(uint8_t r) { op_rr(Pfx::kNone, false, 0xFF, 4, r); }

  // Branches with a rel32 displacement; each returns the offset of the displacement, which
  // is relative to the end of the instruction (= returned offset + 4).
  uint32_t jmp32() {
    ensure();
    byte(0xE9);
    u32(0);
    return size_ - 4;
  }
  uint32_t jcc32(Cond c) {
    ensure();
    byte(0x0F);
    byte(static_cast<uint8_t>(0x80 + static_cast<uint8_t>(c)));
    u32(0);
    return size_ - 4;
  }
  uint32_t call32() {
    ensure();
    byte(0xE8);
    u32(0);
    return size_ - 4;
  }
  // A short forward branch over a few instructions: returns the offset of the rel8 byte.
  uint32_t jcc8(Cond c) {
    ensure();
    byte(static_cast<uint8_t>(0x70 + static_cast<uint8_t>(c)));
    byte(0);
    return size_ - 1;
  }
  uint32_t jmp8() {
    ensure();
    byte(0xEB);
    byte(0);
    return size_ - 1;
  }
  // Binds a rel8 branch to the current offset.
  void bind8(uint32_t at) {
    int32_t d = static_cast<int32_t>(size_) - static_cast<int32_t>(at + 1);
    assert(d >= -128 && d <= 127);
    buf_[at] = static_cast<uint8_t>(static_cast<int8_t>(d));
  }
  // Binds a rel32 displacement at `at` to `target`.
  void bind32(uint32_t at, uint32_t target) {
    patch32(at, static_cast<int32_t>(target) - static_cast<int32_t>(at + 4));
  }

  // ---- SSE. `dbl`: the double-precision form.
  void movs_rm(bool dbl, uint8_t x, const Mem& m) { op_rm(dbl ? Pfx::kF2 : Pfx::kF3, false, 0x0F10, x, m); }
  void movs_mr(bool dbl, const Mem& m, uint8_t x) { op_rm(dbl ? Pfx::kF2 : Pfx::kF3, false, 0x0F11, x, m); }
  void movaps(uint8_t dst, uint8_t src) { op_rr(Pfx::kNone, false, 0x0F28, dst, src); }
  // movd/movq xmm <- gpr and gpr <- xmm.
  void movq_xr(bool w, uint8_t x, uint8_t r) { op_rr(Pfx::k66, w, 0x0F6E, x, r); }
  void movq_rx(bool w, uint8_t r, uint8_t x) { op_rr(Pfx::k66, w, 0x0F7E, x, r); }
  // Scalar arithmetic: 0x58 add, 0x59 mul, 0x5C sub, 0x5D min, 0x5E div, 0x5F max, 0x51 sqrt,
  // 0x5A cvt between precisions.
  void sse_rr(bool dbl, uint8_t op, uint8_t dst, uint8_t src) {
    op_rr(dbl ? Pfx::kF2 : Pfx::kF3, false, 0x0F00 | op, dst, src);
  }
  // Packed bitwise ops on the whole register: 0x54 and, 0x55 andn, 0x56 or, 0x57 xor.
  void logic_ps(uint8_t op, uint8_t dst, uint8_t src) { op_rr(Pfx::kNone, false, 0x0F00 | op, dst, src); }
  void ucomis(bool dbl, uint8_t a, uint8_t b) { op_rr(dbl ? Pfx::k66 : Pfx::kNone, false, 0x0F2E, a, b); }
  // cvtsi2ss/sd from a 32- or 64-bit (w) integer register.
  void cvtsi2s(bool dbl, bool w, uint8_t x, uint8_t r) { op_rr(dbl ? Pfx::kF2 : Pfx::kF3, w, 0x0F2A, x, r); }
  // cvttss2si/cvttsd2si into a 32- or 64-bit (w) register.
  void cvtts2si(bool dbl, bool w, uint8_t r, uint8_t x) { op_rr(dbl ? Pfx::kF2 : Pfx::kF3, w, 0x0F2C, r, x); }
  // roundss/roundsd (SSE4.1) with rounding mode `mode` (| 8: suppress precision exceptions).
  void rounds(bool dbl, uint8_t dst, uint8_t src, uint8_t mode) {
    op_rr(Pfx::k66, false, dbl ? 0x0F3A0B : 0x0F3A0A, dst, src);
    byte(mode);
  }

 private:
  void prefix(Pfx p) {
    if (p != Pfx::kNone) byte(static_cast<uint8_t>(p));
  }
  void rex(bool w, uint8_t reg, int index, uint8_t rm, bool force) {
    uint8_t r = static_cast<uint8_t>(0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) |
                                     (index >= 8 ? 2 : 0) | ((rm & 8) ? 1 : 0));
    if (r != 0x40 || force) byte(r);
  }
  void opcode(uint32_t opc) {
    if (opc > 0xFFFF) byte(static_cast<uint8_t>(opc >> 16));
    if (opc > 0xFF) byte(static_cast<uint8_t>(opc >> 8));
    byte(static_cast<uint8_t>(opc));
  }
  // ModRM (+ SIB + displacement) for [m]; `imm_bytes` follow the instruction (RIP-relative
  // displacements are relative to its end).
  void modrm_mem(uint8_t reg, const Mem& m, uint32_t imm_bytes) {
    uint8_t r = static_cast<uint8_t>((reg & 7) << 3);
    if (m.base < 0) {
      byte(static_cast<uint8_t>(0x05 | r));
      u32(static_cast<uint32_t>(m.disp - static_cast<int32_t>(imm_bytes)));
      return;
    }
    uint8_t base = static_cast<uint8_t>(m.base & 7);
    uint8_t mod = (m.disp == 0 && base != 5) ? 0 : (m.disp >= -128 && m.disp <= 127) ? 1 : 2;
    if (m.index >= 0 || base == 4) {
      uint8_t idx = m.index >= 0 ? static_cast<uint8_t>(m.index & 7) : 4;
      byte(static_cast<uint8_t>((mod << 6) | r | 4));
      byte(static_cast<uint8_t>((m.scale << 6) | (idx << 3) | base));
    } else {
      byte(static_cast<uint8_t>((mod << 6) | r | base));
    }
    if (mod == 1) byte(static_cast<uint8_t>(static_cast<int8_t>(m.disp)));
    else if (mod == 2) u32(static_cast<uint32_t>(m.disp));
  }

  std::vector<uint8_t>& buf_;
  uint32_t size_ = 0;
};

}  // namespace kiln::codegen::baseline
