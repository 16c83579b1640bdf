// codegen/isa/x64/asm_adapter.h: Kiln's x86-64 assembler facade. The only implementation
// (asm_adapter.cc) is the only file that includes asmjit, so a newer asmjit with renamed APIs
// touches one file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/error.h"

namespace kiln::codegen::x64 {

enum class Mn : uint16_t {
#define KILN_X64_MN(name, text) k##name,
#include "codegen/isa/x64/mnemonics.def"
};
std::string_view mnemonic_name(Mn m);

// x86 condition codes in encoding order (the low nibble of jcc/setcc/cmovcc).
enum class Cond : uint8_t { kO, kNo, kB, kAe, kE, kNe, kBe, kA, kS, kNs, kP, kNp, kL, kGe, kLe, kG };
inline Cond invert(Cond c) { return static_cast<Cond>(static_cast<uint8_t>(c) ^ 1); }

// An operand: a general register of 1/2/4/8 bytes, an xmm register, memory
// [base + index * 2^shift + disp] or [rip + label + disp] of `size` bytes (0: implied), an
// immediate, or a label.
struct Opnd {
  enum class Kind : uint8_t { kNone, kGp, kXmm, kMem, kImm, kLabel };
  static constexpr uint8_t kNoReg = 0xFF;
  Kind kind = Kind::kNone;
  uint8_t size = 0;
  uint8_t reg = kNoReg;    // kGp/kXmm: hardware number; kMem: base (kNoReg: rip + label)
  uint8_t index = kNoReg;  // kMem
  uint8_t shift = 0;       // kMem
  int32_t disp = 0;        // kMem
  uint32_t label = 0;      // kLabel, or kMem with rip base
  int64_t imm = 0;         // kImm

  static Opnd gp(uint8_t hw, uint8_t size) { Opnd o; o.kind = Kind::kGp; o.reg = hw; o.size = size; return o; }
  static Opnd xmm(uint8_t hw) { Opnd o; o.kind = Kind::kXmm; o.reg = hw; o.size = 16; return o; }
  static Opnd mem(uint8_t size, uint8_t base, int32_t disp, uint8_t index = kNoReg, uint8_t shift = 0) {
    Opnd o; o.kind = Kind::kMem; o.size = size; o.reg = base; o.index = index; o.shift = shift; o.disp = disp; return o;
  }
  static Opnd rip(uint8_t size, uint32_t label, int32_t disp = 0) {
    Opnd o; o.kind = Kind::kMem; o.size = size; o.label = label; o.disp = disp; return o;
  }
  static Opnd imm_(int64_t v) { Opnd o; o.kind = Kind::kImm; o.imm = v; return o; }
  static Opnd lbl(uint32_t id) { Opnd o; o.kind = Kind::kLabel; o.label = id; return o; }
};

class Assembler {
 public:
  Assembler();
  ~Assembler();
  Assembler(const Assembler&) = delete;
  Assembler& operator=(const Assembler&) = delete;
  // Empties the assembler for new code (no labels, no bytes, no error), keeping the memory
  // of its label and fixup tables: one assembler can serve every function of a thread. With
  // `relax`, branches are relaxed by finish() (below).
  void reset(bool relax = false);

  uint32_t new_label();
  void bind(uint32_t label);
  void emit(Mn m, const Opnd& a = {}, const Opnd& b = {}, const Opnd& c = {});
  // Four operands (VEX forms with an immediate: vpalignr d, a, b, imm8).
  void emit(Mn m, const Opnd& a, const Opnd& b, const Opnd& c, const Opnd& d);
  // A branch to a bound label takes the rel8 form when it fits, else rel32; to a label not
  // yet bound, rel32 (shortened by a relaxing finish()), or rel8 with `short_form` (finish()
  // fails if the label ends up out of its reach).
  void jcc(Cond c, uint32_t label, bool short_form = false);
  void jmp(uint32_t label, bool short_form = false);
  void setcc(Cond c, const Opnd& dst);
  void cmovcc(Cond c, const Opnd& dst, const Opnd& src);
  // Raw bytes (e.g. a call rel32 whose target a relocation fills in).
  void embed(const void* data, size_t size);
  // A 4-byte `label - base` (jump tables).
  void embed_label_delta(uint32_t label, uint32_t base);
  void align(uint32_t alignment);
  // Pads with the fewest multi-byte NOPs to the alignment (code that may run through it).
  void align_code(uint32_t alignment);
  // The offset of the next byte, in the code as emitted (before relaxation).
  uint32_t offset() const;
  bool is_bound(uint32_t label) const;

  // Resolves links and returns the code. Offsets of labels are final afterwards.
  //
  // Branch relaxation (reset(true)): the code is encoded once, every branch to a label not yet
  // bound in its rel32 form, and finish() then shortens it in one copy, with the result the
  // code would have had if each branch had been emitted in its final form:
  //  - a forward branch takes the rel8 form when its emitted distance (from its end to the
  //    label), plus 4 (the most a rel8 form saves), plus alignment - 1 (the largest code
  //    alignment asked for) for every code alignment (align_code) ending in between, whose
  //    padding may grow when the code before it shrinks, is at most 127. The bound is conservative; should a branch still not fit, it
  //    keeps rel32;
  //  - a backward branch (its label bound when it was emitted) takes rel8 when that fits at
  //    the final offsets, as if emitted there;
  //  - alignment padding is redone at the final offsets; branch displacements, rip-relative
  //    label operands and label deltas (embed_label_delta) are recomputed.
  // A rip-relative operand must refer to a label bound after it (constant pools, tables).
  [[nodiscard]] Expected<std::vector<uint8_t>> finish();
  uint32_t label_offset(uint32_t label) const;
  // Maps an offset taken with offset() during emission, where an instruction other than a
  // branch starts or inside such an instruction, to the final code (the identity without
  // relaxation). An alignment at that offset is taken to precede the instruction.
  uint32_t final_offset(uint32_t offset) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kiln::codegen::x64
