// tests/unit/baseline/assembler_test.cc: the baseline compiler's x86-64 encoder, checked
// instruction by instruction against the capstone disassembler over every register and
// addressing-mode combination the compiler uses (REX.R/X/B, rsp/r12 SIB bases, rbp/r13 disp
// bases, disp8/disp32, scaled indices, 8-bit registers that need an empty REX).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codegen/baseline/assembler.h"
#include "codegen/isa/x64/disasm.h"

namespace kiln::codegen::baseline {
namespace {

const char* const kGpr64[] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                              "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
const char* const kGpr32[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                              "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
const char* const kGpr16[] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
                              "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
const char* const kGpr8[] = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
                             "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};

// Capstone prints displacements below 10 in decimal, others in hex.
std::string hex(int64_t v) {
  char buf[32];
  unsigned long long a = static_cast<unsigned long long>(v < 0 ? -v : v);
  std::snprintf(buf, sizeof buf, a < 10 ? "%c %llu" : "%c 0x%llx", v < 0 ? '-' : '+', a);
  return buf;
}

// Capstone's text for [m] with a size prefix ("qword ptr ").
std::string mem_text(const char* size, const Mem& m) {
  std::string s = std::string(size) + " ptr [" + kGpr64[m.base];
  if (m.index >= 0) {
    s += std::string(" + ") + kGpr64[m.index];
    if (m.scale) s += "*" + std::to_string(1 << m.scale);  // capstone omits "*1"
  }
  if (m.disp != 0) s += " " + hex(m.disp);
  return s + "]";
}

// Encodes one instruction with `emit` and returns its disassembly (one line, no newline), or
// the whole listing if it is not exactly one instruction covering every byte.
template <typename F>
std::string one(F&& emit) {
  std::vector<uint8_t> buf;
  Assembler a(buf);
  emit(a);
  buf.resize(a.size());
  std::string text = x64::disassemble_text(buf);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// The memory operands every test walks: all bases, with and without an index, each
// displacement class.
std::vector<Mem> memory_operands() {
  std::vector<Mem> out;
  const int32_t disps[] = {0, 8, -24, 127, -128, 128, 0x12345, -0x1000};
  for (uint8_t base = 0; base < 16; ++base) {
    for (int32_t d : disps) out.push_back(mem(base, d));
    for (uint8_t index = 0; index < 16; ++index) {
      if (index == gp::kRsp) continue;  // not encodable as an index
      out.push_back(mem(base, index, static_cast<uint8_t>(index & 3), index % 3 == 0 ? 0 : 0x40));
    }
  }
  return out;
}
using namespace gp;

TEST(BaselineAssembler, MovRegReg) {
  for (uint8_t d = 0; d < 16; ++d) {
    for (uint8_t s = 0; s < 16; ++s) {
      EXPECT_EQ(one([&](Assembler& a) { a.mov_rr(true, d, s); }),
                std::string("mov ") + kGpr64[d] + ", " + kGpr64[s]);
      EXPECT_EQ(one([&](Assembler& a) { a.mov_rr(false, d, s); }),
                std::string("mov ") + kGpr32[d] + ", " + kGpr32[s]);
    }
  }
}

TEST(BaselineAssembler, LoadsAndStoresOverAllAddressingModes) {
  for (const Mem& m : memory_operands()) {
    for (uint8_t r : {kRax, kRsp, kRbp, kRsi, kRdi, kR8, kR11, kR12, kR13, kR15}) {
      EXPECT_EQ(one([&](Assembler& a) { a.mov_rm(true, r, m); }),
                std::string("mov ") + kGpr64[r] + ", " + mem_text("qword", m));
      EXPECT_EQ(one([&](Assembler& a) { a.mov_rm(false, r, m); }),
                std::string("mov ") + kGpr32[r] + ", " + mem_text("dword", m));
      EXPECT_EQ(one([&](Assembler& a) { a.mov_mr(true, m, r); }),
                std::string("mov ") + mem_text("qword", m) + ", " + kGpr64[r]);
      EXPECT_EQ(one([&](Assembler& a) { a.mov8_mr(m, r); }),
                std::string("mov ") + mem_text("byte", m) + ", " + kGpr8[r]);
      EXPECT_EQ(one([&](Assembler& a) { a.mov16_mr(m, r); }),
                std::string("mov ") + mem_text("word", m) + ", " + kGpr16[r]);
      EXPECT_EQ(one([&](Assembler& a) { a.movzx8_rm(false, r, m); }),
                std::string("movzx ") + kGpr32[r] + ", " + mem_text("byte", m));
      EXPECT_EQ(one([&](Assembler& a) { a.movsx16_rm(true, r, m); }),
                std::string("movsx ") + kGpr64[r] + ", " + mem_text("word", m));
      EXPECT_EQ(one([&](Assembler& a) { a.movsxd_rm(r, m); }),
                std::string("movsxd ") + kGpr64[r] + ", " + mem_text("dword", m));
      EXPECT_EQ(one([&](Assembler& a) { a.lea(r, m); }),
                std::string("lea ") + kGpr64[r] + ", " + mem_text("qword", m).substr(10));
      EXPECT_EQ(one([&](Assembler& a) { a.alu_rm(true, Alu::kCmp, r, m); }),
                std::string("cmp ") + kGpr64[r] + ", " + mem_text("qword", m));
      EXPECT_EQ(one([&](Assembler& a) { a.movs_rm(true, static_cast<uint8_t>(r), m); }),
                std::string("movsd xmm") + std::to_string(r) + ", " + mem_text("qword", m));
      EXPECT_EQ(one([&](Assembler& a) { a.movs_mr(false, m, static_cast<uint8_t>(r)); }),
                std::string("movss ") + mem_text("dword", m) + ", xmm" + std::to_string(r));
    }
    EXPECT_EQ(one([&](Assembler& a) { a.mov_mi(true, m, 0x1234); }),
              "mov " + mem_text("qword", m) + ", 0x1234");
    EXPECT_EQ(one([&](Assembler& a) { a.call_m(m); }), "call " + mem_text("qword", m));
  }
}

TEST(BaselineAssembler, AluAndShifts) {
  const char* const kAlu[] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
  const char* const kShift[] = {"rol", "ror", "", "", "shl", "shr", "", "sar"};
  for (uint8_t d = 0; d < 16; ++d) {
    for (uint8_t op = 0; op < 8; ++op) {
      for (uint8_t s = 0; s < 16; s += 5) {
        EXPECT_EQ(one([&](Assembler& a) { a.alu_rr(true, static_cast<Alu>(op), d, s); }),
                  std::string(kAlu[op]) + " " + kGpr64[d] + ", " + kGpr64[s]);
      }
      EXPECT_EQ(one([&](Assembler& a) { a.alu_ri(false, static_cast<Alu>(op), d, 100); }),
                std::string(kAlu[op]) + " " + kGpr32[d] + ", 0x64");
      EXPECT_EQ(one([&](Assembler& a) { a.alu_ri(true, static_cast<Alu>(op), d, 0x10000); }),
                std::string(kAlu[op]) + " " + kGpr64[d] + ", 0x10000");
    }
    for (uint8_t s : {0, 1, 4, 5, 7}) {
      EXPECT_EQ(one([&](Assembler& a) { a.shift_cl(true, static_cast<Shift>(s), d); }),
                std::string(kShift[s]) + " " + kGpr64[d] + ", cl");
      EXPECT_EQ(one([&](Assembler& a) { a.shift_ri(false, static_cast<Shift>(s), d, 5); }),
                std::string(kShift[s]) + " " + kGpr32[d] + ", 5");
    }
    EXPECT_EQ(one([&](Assembler& a) { a.setcc(Cond::kE, d); }), std::string("sete ") + kGpr8[d]);
    EXPECT_EQ(one([&](Assembler& a) { a.movzx8_rr(false, d, d); }),
              std::string("movzx ") + kGpr32[d] + ", " + kGpr8[d]);
    EXPECT_EQ(one([&](Assembler& a) { a.movsx8_rr(true, d, d); }),
              std::string("movsx ") + kGpr64[d] + ", " + kGpr8[d]);
    EXPECT_EQ(one([&](Assembler& a) { a.movsxd_rr(d, d); }),
              std::string("movsxd ") + kGpr64[d] + ", " + kGpr32[d]);
    EXPECT_EQ(one([&](Assembler& a) { a.imul_rr(true, d, kR9); }),
              std::string("imul ") + kGpr64[d] + ", r9");
    EXPECT_EQ(one([&](Assembler& a) { a.imul_rri(false, d, d, 1000); }),
              std::string("imul ") + kGpr32[d] + ", " + kGpr32[d] + ", 0x3e8");
    EXPECT_EQ(one([&](Assembler& a) { a.idiv(true, d); }), std::string("idiv ") + kGpr64[d]);
    EXPECT_EQ(one([&](Assembler& a) { a.div(false, d); }), std::string("div ") + kGpr32[d]);
    EXPECT_EQ(one([&](Assembler& a) { a.cmov(true, Cond::kE, d, kR12); }),
              std::string("cmove ") + kGpr64[d] + ", r12");
    EXPECT_EQ(one([&](Assembler& a) { a.bsr(true, d, kRcx); }), std::string("bsr ") + kGpr64[d] + ", rcx");
    EXPECT_EQ(one([&](Assembler& a) { a.lzcnt(false, d, kRcx); }), std::string("lzcnt ") + kGpr32[d] + ", ecx");
    EXPECT_EQ(one([&](Assembler& a) { a.tzcnt(true, d, kR10); }), std::string("tzcnt ") + kGpr64[d] + ", r10");
    EXPECT_EQ(one([&](Assembler& a) { a.popcnt(true, d, kR10); }), std::string("popcnt ") + kGpr64[d] + ", r10");
    EXPECT_EQ(one([&](Assembler& a) { a.push(d); }), std::string("push ") + kGpr64[d]);
    EXPECT_EQ(one([&](Assembler& a) { a.pop(d); }), std::string("pop ") + kGpr64[d]);
    EXPECT_EQ(one([&](Assembler& a) { a.jmp_r(d); }), std::string("jmp ") + kGpr64[d]);
  }
}

TEST(BaselineAssembler, Immediates) {
  EXPECT_EQ(one([](Assembler& a) { a.mov_ri(true, kR9, 0); }), "xor r9d, r9d");
  EXPECT_EQ(one([](Assembler& a) { a.mov_ri(true, kR9, 0xFFFFFFFF); }), "mov r9d, 0xffffffff");
  EXPECT_EQ(one([](Assembler& a) { a.mov_ri(true, kRsi, -1); }), "mov rsi, -1");
  EXPECT_EQ(one([](Assembler& a) { a.mov_ri(true, kR11, 0x123456789ALL); }), "movabs r11, 0x123456789a");
  EXPECT_EQ(one([](Assembler& a) { a.mov_ri(false, kRax, -1); }), "mov eax, 0xffffffff");
}

TEST(BaselineAssembler, Sse) {
  const char* const kOps[] = {"add", "mul", "sub", "min", "div", "max", "sqrt"};
  const uint8_t kCodes[] = {0x58, 0x59, 0x5C, 0x5D, 0x5E, 0x5F, 0x51};
  for (uint8_t d = 0; d < 16; ++d) {
    std::string xd = "xmm" + std::to_string(d);
    for (uint8_t s : {0, 7, 8, 15}) {
      std::string xs = "xmm" + std::to_string(s);
      for (int k = 0; k < 7; ++k) {
        EXPECT_EQ(one([&](Assembler& a) { a.sse_rr(true, kCodes[k], d, s); }),
                  std::string(kOps[k]) + "sd " + xd + ", " + xs);
        EXPECT_EQ(one([&](Assembler& a) { a.sse_rr(false, kCodes[k], d, s); }),
                  std::string(kOps[k]) + "ss " + xd + ", " + xs);
      }
      EXPECT_EQ(one([&](Assembler& a) { a.movaps(d, s); }), "movaps " + xd + ", " + xs);
      EXPECT_EQ(one([&](Assembler& a) { a.ucomis(true, d, s); }), "ucomisd " + xd + ", " + xs);
      EXPECT_EQ(one([&](Assembler& a) { a.ucomis(false, d, s); }), "ucomiss " + xd + ", " + xs);
      EXPECT_EQ(one([&](Assembler& a) { a.logic_ps(0x54, d, s); }), "andps " + xd + ", " + xs);
      EXPECT_EQ(one([&](Assembler& a) { a.logic_ps(0x55, d, s); }), "andnps " + xd + ", " + xs);
      EXPECT_EQ(one([&](Assembler& a) { a.logic_ps(0x56, d, s); }), "orps " + xd + ", " + xs);
      EXPECT_EQ(one([&](Assembler& a) { a.logic_ps(0x57, d, s); }), "xorps " + xd + ", " + xs);
      EXPECT_EQ(one([&](Assembler& a) { a.sse_rr(true, 0x5A, d, s); }), "cvtsd2ss " + xd + ", " + xs);
      EXPECT_EQ(one([&](Assembler& a) { a.sse_rr(false, 0x5A, d, s); }), "cvtss2sd " + xd + ", " + xs);
      EXPECT_EQ(one([&](Assembler& a) { a.rounds(true, d, s, 9); }), "roundsd " + xd + ", " + xs + ", 9");
      EXPECT_EQ(one([&](Assembler& a) { a.rounds(false, d, s, 11); }), "roundss " + xd + ", " + xs + ", 0xb");
    }
    for (uint8_t r : {0, 6, 9, 11}) {
      EXPECT_EQ(one([&](Assembler& a) { a.movq_xr(true, d, r); }), "movq " + xd + ", " + kGpr64[r]);
      EXPECT_EQ(one([&](Assembler& a) { a.movq_xr(false, d, r); }), "movd " + xd + ", " + kGpr32[r]);
      EXPECT_EQ(one([&](Assembler& a) { a.movq_rx(true, r, d); }), std::string("movq ") + kGpr64[r] + ", " + xd);
      EXPECT_EQ(one([&](Assembler& a) { a.movq_rx(false, r, d); }), std::string("movd ") + kGpr32[r] + ", " + xd);
      EXPECT_EQ(one([&](Assembler& a) { a.cvtsi2s(true, true, d, r); }), "cvtsi2sd " + xd + ", " + kGpr64[r]);
      EXPECT_EQ(one([&](Assembler& a) { a.cvtsi2s(false, false, d, r); }), "cvtsi2ss " + xd + ", " + kGpr32[r]);
      EXPECT_EQ(one([&](Assembler& a) { a.cvtts2si(true, true, r, d); }), std::string("cvttsd2si ") + kGpr64[r] + ", " + xd);
      EXPECT_EQ(one([&](Assembler& a) { a.cvtts2si(false, false, r, d); }), std::string("cvttss2si ") + kGpr32[r] + ", " + xd);
    }
  }
}

TEST(BaselineAssembler, BranchesAndLabels) {
  std::vector<uint8_t> buf;
  Assembler a(buf);
  uint32_t j = a.jcc32(Cond::kNe);
  a.ud2();
  a.bind32(j, a.offset());
  uint32_t s = a.jmp8();
  a.ret();
  a.bind8(s);
  uint32_t c = a.call32();
  a.bind32(c, 0);
  a.rep_stosq();
  a.cdq(true);
  a.cdq(false);
  buf.resize(a.size());
  EXPECT_EQ(x64::disassemble(buf),
            "   0: jne 8\n   6: ud2\n   8: jmp 0xb\n   a: ret\n   b: call 0\n  10: rep stosq qword ptr [rdi], rax\n"
            "  13: cqo\n  15: cdq\n");
}

TEST(BaselineAssembler, RipRelativeLea) {
  std::vector<uint8_t> buf;
  Assembler a(buf);
  a.lea(kR11, rip(0x20));
  buf.resize(a.size());
  EXPECT_EQ(x64::disassemble_text(buf), "lea r11, [rip + 0x20]\n");
}

}  // namespace
}  // namespace kiln::codegen::baseline
