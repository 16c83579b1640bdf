// codegen/isa/x64/emit.cc: machine code emission for allocated VCode.
//
// Frame (rbp-based; rsp fixed after the prologue, so slots are rsp-relative):
//   [rbp + 16 ...]  incoming stack arguments
//   [rbp + 8]       return address
//   [rbp]           caller's rbp
//   [rbp - 8n ...]  saved callee-saved registers (only those the allocator used)
//   ...             spill slots, IR stack slots, return areas of calls
//   [rsp ...]       outgoing stack arguments
//
// Loop headers (blocks a later, non-cold block branches back to) start at a 16-byte boundary,
// padded with multi-byte NOPs, so a hot loop's fetch and branch-prediction behaviour does not
// depend on where unrelated code before it happens to end.
//
// Dispatch duplication ("threading"): a jump to a short chain of blocks that ends in a jump-table
// dispatch (a br_table, e.g. an interpreter's `loop { switch (code[pc]) ... }` header) is
// replaced by a copy of that chain, so each predecessor ends in its own indirect jump, which
// the CPU predicts from that site's own history instead of sharing one jump between every
// case. Code after register allocation is copied as is: at the jump, registers and spill
// slots hold exactly what the chain expects on entry, the copy's conditional branches leave to
// the same blocks (only fall-through between the chain's blocks continues in the copy), and
// every copy gets its own trap sites. Chains with calls are not copied, nor are jumps from
// cold blocks; the chain and the number of copies are bounded (kMaxDupInsts, kMaxDupCopies).
// The same copy serves returns: a jump to a short block that ends in `ret` (a function's
// shared exit: the last result computation and the epilogue) is replaced by a copy of it
// (kMaxRetDupInsts), so an early exit does not jump just to restore registers and return.
//
// Emission runs twice when relaxing: the first pass uses rel32 for every forward branch and
// records distances; the second uses rel8 where the first pass's distance (plus the bytes the
// short form saves, plus 15 bytes for every loop-header alignment in between, whose padding
// may grow when the code before it shrinks) fits. Every such branch therefore still fits.
// Backward branches get rel8 from asmjit directly when the bound label is near.
#include "codegen/isa/x64/emit.h"

#include <algorithm>
#include <cstring>
#include <map>

namespace kiln::codegen::x64 {

using regalloc::Allocation;
using regalloc::RegClass;

namespace {

// How a float condition maps onto ucomis flags.
struct FPlan {
  bool swap = false;
  enum Kind : uint8_t { kSingle, kEqOrdered, kNeUnordered } kind = kSingle;
  Cond cc = Cond::kE;
};

FPlan fplan(ir::FloatCC cc) {
  using F = ir::FloatCC;
  switch (cc) {
    case F::kEq: return {false, FPlan::kEqOrdered, Cond::kE};
    case F::kNe: return {false, FPlan::kNeUnordered, Cond::kNe};
    case F::kLt: return {true, FPlan::kSingle, Cond::kA};
    case F::kLe: return {true, FPlan::kSingle, Cond::kAe};
    case F::kGt: return {false, FPlan::kSingle, Cond::kA};
    case F::kGe: return {false, FPlan::kSingle, Cond::kAe};
    case F::kOrd: return {false, FPlan::kSingle, Cond::kNp};
    case F::kUno: return {false, FPlan::kSingle, Cond::kP};
    case F::kUeq: return {false, FPlan::kSingle, Cond::kE};
    case F::kOne: return {false, FPlan::kSingle, Cond::kNe};
    case F::kUlt: return {false, FPlan::kSingle, Cond::kB};
    case F::kUle: return {false, FPlan::kSingle, Cond::kBe};
    case F::kUgt: return {true, FPlan::kSingle, Cond::kB};
    case F::kUge: return {true, FPlan::kSingle, Cond::kBe};
  }
  return {};
}

std::array<uint8_t, 16> scalar_const(double v, uint8_t fbytes) {
  std::array<uint8_t, 16> out{};
  if (fbytes == 4) {
    float f = static_cast<float>(v);
    std::memcpy(out.data(), &f, 4);
  } else {
    std::memcpy(out.data(), &v, 8);
  }
  return out;
}

class Emitter {
 public:
  Emitter(const VCode& vc, const regalloc::Output& ra, const EmitOptions& opts)
      : vc_(vc), ra_(ra), opts_(opts) {}

  Expected<mach::CompiledCode> run();

 private:
  void layout_frame();
  Expected<void> pass(Assembler& as, bool record);
  Expected<void> emit_inst(uint32_t i);
  Expected<void> emit_edit(const regalloc::Edit& e);
  void prologue();
  void epilogue_no_ret();

  // Operands of the current instruction.
  const Allocation& alloc(uint32_t k) const { return ra_.allocs[first_op_ + k]; }
  uint8_t hw(uint32_t k) const { return alloc(k).reg.hw; }
  Opnd R(uint32_t k, uint8_t size) const { return Opnd::gp(hw(k), size); }
  Opnd X(uint32_t k) const { return Opnd::xmm(hw(k)); }
  Opnd mem(const MInst& m, uint8_t size, int32_t extra = 0);
  Opnd slot_mem(uint32_t spill_slot, uint8_t size) const {
    return Opnd::mem(size, reg::kRsp, spill_off_[spill_slot]);
  }
  uint32_t const_label(const std::array<uint8_t, 16>& bytes);
  uint32_t const_label_index(uint32_t index) { return const_label(consts_[index]); }
  uint32_t trap_label(ir::TrapCode code);
  uint32_t block_label(uint32_t b) const { return block_labels_[resolved_[b]]; }
  // Whether control reaches block b by running off the end of the current block: b is the
  // next block, or b resolves to the next block that is not a lone jump (lone jumps in
  // between are then either skipped or emitted as nothing, their target being next too).
  bool is_next(uint32_t b) const {
    return b == cur_block_ + 1 || resolved_[b] == next_real_[cur_block_];
  }

  void jmp(uint32_t label);
  void jcc(Cond c, uint32_t label);
  void compare(const MInst& m);  // cmp/test from the leading operands
  void fcompare(const FPlan& p, uint32_t a, uint32_t b, uint8_t fbytes);
  void cond_branch(FPlan p, uint32_t t_label, uint32_t f_label, bool f_is_next, bool t_is_next);
  void mov_imm(uint8_t r, int64_t v, uint8_t size);
  void record_trap(uint32_t offset, ir::TrapCode code) { traps_.push_back({offset, code}); }
  void reloc_bytes(const std::vector<uint8_t>& bytes, uint32_t field, mach::RelocKind kind,
                   uint32_t name, int64_t addend);

  const VCode& vc_;
  const regalloc::Output& ra_;
  const EmitOptions& opts_;
  Assembler* as_ = nullptr;

  // Frame.
  std::vector<uint8_t> saved_;
  std::vector<int32_t> slot_off_, spill_off_;
  uint32_t frame_size_ = 0;
  uint32_t realign_ = 0;

  // Block threading: resolved_[b] skips blocks that are only a jump without moves.
  std::vector<uint32_t> resolved_;
  std::vector<bool> trivial_;
  std::vector<uint32_t> next_real_;  // per block: the first later block that is not trivial
  static constexpr uint32_t kNoBlock = UINT32_MAX;
  static constexpr uint32_t kNoLabel = UINT32_MAX;
  uint32_t fall_block_ = kNoBlock;  // the block the current block's terminator runs into
  std::vector<uint32_t> inst_first_op_;  // per inst: its first operand's allocation index
  std::vector<uint32_t> edits_begin_;    // per inst: its first allocator edit (ra_.edits index)
  // Per block: the number of blocks in the dispatch chain starting there (0: not copied).
  std::vector<uint8_t> dup_chain_;
  static constexpr uint32_t kMaxDupInsts = 32;    // instructions and edits in one chain
  static constexpr uint32_t kMaxDupCopies = 64;   // copies per function
  static constexpr uint32_t kMaxDupBlocks = 4;
  static constexpr uint32_t kMaxRetDupInsts = 4;  // instructions and edits of a return block
  uint32_t dup_copies_ = 0;
  void find_dispatch_chains();
  Expected<void> emit_block_insts(uint32_t b);
  Expected<void> emit_dispatch_copy(uint32_t b);

  // Per pass.
  std::vector<uint32_t> block_labels_;
  std::vector<std::array<uint8_t, 16>> consts_;
  std::vector<std::pair<std::array<uint8_t, 16>, uint32_t>> const_labels_;
  std::map<uint32_t, uint32_t> trap_labels_;
  std::vector<uint32_t> table_labels_;
  std::vector<mach::TrapSite> traps_;
  std::vector<mach::Relocation> relocs_;
  uint32_t cur_block_ = 0;
  uint32_t cur_inst_ = 0;
  uint32_t first_op_ = 0;
  // Flag reuse: what the flags hold after the last integer compare, if it was emitted by the
  // previous instruction (index inst) with nothing emitted since but that instruction's own
  // flag-preserving tail (setcc/movzx, cmov, jcc). A compare of the same operands by the next
  // instruction is then not emitted again. Edits, block labels and any other instruction end it.
  struct Flags {
    bool valid = false;
    uint8_t kind = 0;  // 1: test a, a; 2: cmp a, imm; 3: cmp a, b
    uint8_t size = 0, a = 0, b = 0;
    int64_t imm = 0;
    uint32_t inst = 0;
  } flags_;
  uint32_t code_size_ = 0;
  uint32_t jump_seq_ = 0;
  bool record_ = false;
  struct JumpRec {
    uint32_t end = 0;
    uint32_t label = 0;
  };
  std::vector<JumpRec> jump_recs_;
  std::vector<bool> loop_header_;          // per block: aligned to 16 bytes
  std::vector<uint32_t> align_offsets_;    // first pass: where the aligned blocks start
  std::vector<bool> short_;
};

void Emitter::layout_frame() {
  for (uint8_t r : {reg::kRbx, reg::kR12, reg::kR13, reg::kR14, reg::kR15}) {
    if (ra_.used_regs.contains(gpr(r))) saved_.push_back(r);
  }
  uint32_t off = vc_.outgoing_args;
  uint32_t max_align = 16;
  for (const FrameSlot& s : vc_.slots) {
    uint32_t a = std::max<uint32_t>(s.align, 8);
    max_align = std::max(max_align, a);
    off = (off + a - 1) / a * a;
    slot_off_.push_back(static_cast<int32_t>(off));
    off += s.size;
  }
  for (uint32_t k = 0; k < ra_.num_spill_slots; ++k) {
    bool vec = k < ra_.slot_is_vector.size() && ra_.slot_is_vector[k];
    uint32_t size = vec ? 16 : 8;
    off = (off + size - 1) / size * size;
    spill_off_.push_back(static_cast<int32_t>(off));
    off += size;
  }
  // rsp is 16-aligned after `push rbp`; the saved registers and the frame keep it so.
  uint32_t pushed = static_cast<uint32_t>(saved_.size()) * 8;
  frame_size_ = (off + pushed + 15) / 16 * 16 - pushed;
  if (max_align > 16) realign_ = max_align;
}

Opnd Emitter::mem(const MInst& m, uint8_t size, int32_t extra) {
  const Amode& a = m.mem;
  switch (a.base_kind) {
    case Amode::Base::kReg:
      return Opnd::mem(size, hw(a.base), a.disp + extra,
                       a.index == Amode::kNone ? Opnd::kNoReg : hw(a.index), a.shift);
    case Amode::Base::kSlot:
      return Opnd::mem(size, reg::kRsp, slot_off_[a.slot] + a.disp + extra);
    case Amode::Base::kIncomingArg:
      return Opnd::mem(size, reg::kRbp, 16 + a.disp + extra);
    case Amode::Base::kOutgoingArg:
      return Opnd::mem(size, reg::kRsp, a.disp + extra);
    case Amode::Base::kConst:
      return Opnd::rip(size, const_label_index(a.slot), a.disp + extra);
  }
  return {};
}

uint32_t Emitter::const_label(const std::array<uint8_t, 16>& bytes) {
  for (auto& [b, l] : const_labels_) {
    if (b == bytes) return l;
  }
  uint32_t l = as_->new_label();
  const_labels_.push_back({bytes, l});
  return l;
}

uint32_t Emitter::trap_label(ir::TrapCode code) {
  auto it = trap_labels_.find(static_cast<uint32_t>(code));
  if (it != trap_labels_.end()) return it->second;
  uint32_t l = as_->new_label();
  trap_labels_[static_cast<uint32_t>(code)] = l;
  return l;
}

void Emitter::jmp(uint32_t label) {
  if (as_->is_bound(label)) {
    as_->jmp(label);
    return;
  }
  uint32_t seq = jump_seq_++;
  as_->jmp(label, !record_ && seq < short_.size() && short_[seq]);
  if (record_) jump_recs_.push_back({as_->offset(), label});
}

void Emitter::jcc(Cond c, uint32_t label) {
  if (as_->is_bound(label)) {
    as_->jcc(c, label);
    return;
  }
  uint32_t seq = jump_seq_++;
  as_->jcc(c, label, !record_ && seq < short_.size() && short_[seq]);
  if (record_) jump_recs_.push_back({as_->offset(), label});
}

void Emitter::mov_imm(uint8_t r, int64_t v, uint8_t size) {
  if (v == 0) {
    as_->emit(Mn::kXor, Opnd::gp(r, 4), Opnd::gp(r, 4));
  } else if (size <= 4 || (v > 0 && v <= UINT32_MAX)) {
    as_->emit(Mn::kMov, Opnd::gp(r, 4), Opnd::imm_(static_cast<int64_t>(static_cast<uint32_t>(v))));
  } else {
    as_->emit(Mn::kMov, Opnd::gp(r, 8), Opnd::imm_(v));
  }
}

void Emitter::compare(const MInst& m) {
  uint8_t sz = m.size2;
  if (!(m.op == Op::kBrCmp && (m.flags & kFCmpMem))) {
    Flags f;
    f.valid = true;
    f.kind = (m.flags & kFTest) ? 1 : (m.flags & kFImm) ? 2 : 3;
    f.size = sz;
    f.a = hw(0);
    f.b = f.kind == 3 ? hw(1) : 0;
    f.imm = f.kind == 2 ? m.imm : 0;
    f.inst = cur_inst_;
    bool same = flags_.valid && flags_.inst + 1 == cur_inst_ && flags_.kind == f.kind &&
                flags_.size == f.size && flags_.a == f.a && flags_.b == f.b && flags_.imm == f.imm;
    flags_ = f;
    if (same) return;
  } else {
    flags_.valid = false;
  }
  if (m.flags & kFTest) {
    as_->emit(Mn::kTest, R(0, sz), R(0, sz));
  } else if (m.flags & kFImm) {
    as_->emit(Mn::kCmp, R(0, sz), Opnd::imm_(m.imm));
  } else if (m.op == Op::kBrCmp && (m.flags & kFCmpMem)) {
    as_->emit(Mn::kCmp, R(0, sz), mem(m, sz));
  } else {
    as_->emit(Mn::kCmp, R(0, sz), R(1, sz));
  }
}

void Emitter::fcompare(const FPlan& p, uint32_t a, uint32_t b, uint8_t fbytes) {
  Mn mn = fbytes == 4 ? Mn::kUcomiss : Mn::kUcomisd;
  if (p.swap) std::swap(a, b);
  as_->emit(mn, X(a), X(b));
}

void Emitter::cond_branch(FPlan p, uint32_t t, uint32_t f, bool f_next, bool t_next) {
  switch (p.kind) {
    case FPlan::kSingle:
      if (f_next) {
        jcc(p.cc, t);
      } else if (t_next) {
        jcc(invert(p.cc), f);
      } else {
        jcc(p.cc, t);
        jmp(f);
      }
      return;
    case FPlan::kEqOrdered:  // ZF=1 and PF=0
      jcc(Cond::kP, f);
      if (t_next) {
        jcc(Cond::kNe, f);
      } else {
        jcc(Cond::kE, t);
        if (!f_next) jmp(f);
      }
      return;
    case FPlan::kNeUnordered:  // ZF=0 or PF=1
      jcc(Cond::kP, t);
      if (t_next) {
        jcc(Cond::kE, f);
      } else {
        jcc(Cond::kNe, t);
        if (!f_next) jmp(f);
      }
      return;
  }
}

void Emitter::reloc_bytes(const std::vector<uint8_t>& bytes, uint32_t field, mach::RelocKind kind,
                          uint32_t name, int64_t addend) {
  uint32_t at = as_->offset();
  as_->embed(bytes.data(), bytes.size());
  relocs_.push_back({at + field, kind, vc_.names[name], addend});
}

void Emitter::prologue() {
  as_->emit(Mn::kPush, Opnd::gp(reg::kRbp, 8));
  as_->emit(Mn::kMov, Opnd::gp(reg::kRbp, 8), Opnd::gp(reg::kRsp, 8));
  if (!vc_.stack_limit_path.empty()) {
    // Trap unless rbp - (everything below it) stays at or above the limit.
    uint8_t base = vc_.vmctx_reg;
    for (int32_t off : vc_.stack_limit_path) {
      as_->emit(Mn::kMov, Opnd::gp(reg::kScratch, 8), Opnd::mem(8, base, off));
      base = reg::kScratch;
    }
    uint32_t below = frame_size_ + 8 * static_cast<uint32_t>(saved_.size()) + realign_;
    if (below) as_->emit(Mn::kAdd, Opnd::gp(reg::kScratch, 8), Opnd::imm_(below));
    as_->emit(Mn::kCmp, Opnd::gp(reg::kRbp, 8), Opnd::gp(reg::kScratch, 8));
    jcc(Cond::kB, trap_label(ir::TrapCode::kStackOverflow));
  }
  for (uint8_t r : saved_) as_->emit(Mn::kPush, Opnd::gp(r, 8));
  if (frame_size_) as_->emit(Mn::kSub, Opnd::gp(reg::kRsp, 8), Opnd::imm_(frame_size_));
  if (realign_) as_->emit(Mn::kAnd, Opnd::gp(reg::kRsp, 8), Opnd::imm_(-static_cast<int64_t>(realign_)));
}

void Emitter::epilogue_no_ret() {
  if (saved_.empty()) {
    if (frame_size_ || realign_) as_->emit(Mn::kMov, Opnd::gp(reg::kRsp, 8), Opnd::gp(reg::kRbp, 8));
  } else if (realign_) {
    as_->emit(Mn::kLea, Opnd::gp(reg::kRsp, 8),
              Opnd::mem(0, reg::kRbp, -8 * static_cast<int32_t>(saved_.size())));
  } else if (frame_size_) {
    as_->emit(Mn::kAdd, Opnd::gp(reg::kRsp, 8), Opnd::imm_(frame_size_));
  }
  for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) as_->emit(Mn::kPop, Opnd::gp(*it, 8));
  as_->emit(Mn::kPop, Opnd::gp(reg::kRbp, 8));
}

Expected<void> Emitter::emit_edit(const regalloc::Edit& e) {
  using K = Allocation::Kind;
  flags_.valid = false;
  bool f = e.cls == RegClass::kFloat;
  if (e.from.kind == K::kReg && e.to.kind == K::kReg) {
    if (e.from.reg == e.to.reg) return ok();
    if (f) as_->emit(Mn::kMovaps, Opnd::xmm(e.to.reg.hw), Opnd::xmm(e.from.reg.hw));
    else as_->emit(Mn::kMov, Opnd::gp(e.to.reg.hw, 8), Opnd::gp(e.from.reg.hw, 8));
  } else if (e.from.kind == K::kReg && e.to.kind == K::kStack) {
    if (e.to.slot >= spill_off_.size()) return Error(ErrorKind::kOther, "x64 emit: bad spill slot");
    if (f) as_->emit(Mn::kMovups, slot_mem(e.to.slot, 16), Opnd::xmm(e.from.reg.hw));
    else as_->emit(Mn::kMov, slot_mem(e.to.slot, 8), Opnd::gp(e.from.reg.hw, 8));
  } else if (e.from.kind == K::kStack && e.to.kind == K::kReg) {
    if (e.from.slot >= spill_off_.size()) return Error(ErrorKind::kOther, "x64 emit: bad spill slot");
    if (f) as_->emit(Mn::kMovups, Opnd::xmm(e.to.reg.hw), slot_mem(e.from.slot, 16));
    else as_->emit(Mn::kMov, Opnd::gp(e.to.reg.hw, 8), slot_mem(e.from.slot, 8));
  } else {
    return Error(ErrorKind::kOther, "x64 emit: unsupported allocator edit");
  }
  return ok();
}

Expected<void> Emitter::emit_inst(uint32_t i) {
  const MInst& m = vc_.insts[i];
  cur_inst_ = i;
  const VBlock& vb = vc_.blocks[cur_block_];
  const std::span<const uint32_t> succs = vc_.succs(cur_block_);
  uint8_t sz = m.size;
  uint32_t n = static_cast<uint32_t>(m.ops.size());
  for (uint32_t k = 0; k < n; ++k) {
    // Only stack arguments may live in spill slots (Constraint::kAny).
    if (alloc(k).kind != Allocation::Kind::kReg) {
      bool is_stack_arg = false;
      for (const auto& sa : m.stack_args) is_stack_arg |= sa.op == k;
      if (!is_stack_arg || alloc(k).kind != Allocation::Kind::kStack) {
        return Error(ErrorKind::kOther, "x64 emit: operand " + std::to_string(k) + " of " +
                                            std::string(op_name(m.op)) + " not in a register");
      }
    }
  }
  auto trap_mem_site = [&] {
    if (m.flags & kFTrap) record_trap(as_->offset(), static_cast<ir::TrapCode>(m.aux));
  };
  switch (m.op) {
    case Op::kAluRR:
      if (m.flags & kFMemSrc) {  // a, address operands, d=a
        trap_mem_site();
        as_->emit(m.mn, R(n - 1, sz), mem(m, sz));
      } else {
        as_->emit(m.mn, R(2, sz), R(1, sz));
      }
      break;
    case Op::kAluRI:
      as_->emit(m.mn, R(1, sz), Opnd::imm_(m.imm));
      break;
    case Op::kImul3:
      as_->emit(Mn::kImul, R(1, sz), R(0, sz), Opnd::imm_(m.imm));
      break;
    case Op::kUnary:
      as_->emit(m.mn, R(1, sz));
      break;
    case Op::kShiftRI:
      if ((m.imm & 0xff) != 0) as_->emit(m.mn, R(1, sz), Opnd::imm_(m.imm));
      break;
    case Op::kShiftRC:
      as_->emit(m.mn, R(2, sz), Opnd::gp(reg::kRcx, 1));
      break;
    case Op::kLea:
      as_->emit(Mn::kLea, R(n - 1, sz), mem(m, 0));
      break;
    case Op::kMov:
      if (hw(0) != hw(1)) {
        if (alloc(0).reg.cls == RegClass::kFloat) as_->emit(Mn::kMovaps, X(1), X(0));
        else as_->emit(Mn::kMov, R(1, 8), R(0, 8));
      }
      break;
    case Op::kImm:
      mov_imm(hw(0), m.imm, sz);
      break;
    case Op::kExt: {
      uint8_t from = m.size2;
      bool sign = m.flags & kFSigned;
      if (from >= sz) {
        if (hw(0) != hw(1)) as_->emit(Mn::kMov, R(1, 8), R(0, 8));
      } else if (from == 4) {
        if (sign) as_->emit(Mn::kMovsxd, R(1, 8), R(0, 4));
        else as_->emit(Mn::kMov, R(1, 4), R(0, 4));
      } else if (sign) {
        as_->emit(Mn::kMovsx, R(1, sz), R(0, from));
      } else {
        as_->emit(Mn::kMovzx, R(1, 4), R(0, from));
      }
      break;
    }
    case Op::kLoad: {
      uint32_t d = n - 1;
      if (m.mem.base_kind == Amode::Base::kConst && m.mem.slot == UINT32_MAX) {
        as_->emit(Mn::kXorps, X(d), X(d));
        break;
      }
      bool xmm = alloc(d).reg.cls == RegClass::kFloat;
      trap_mem_site();
      if (xmm) {
        as_->emit(m.mn, X(d), mem(m, m.size2));
      } else if (m.mn == Mn::kMov) {
        as_->emit(Mn::kMov, R(d, sz), mem(m, sz));
      } else if (m.mn == Mn::kMovsxd) {
        as_->emit(Mn::kMovsxd, R(d, 8), mem(m, 4));
      } else {
        as_->emit(m.mn, R(d, sz), mem(m, m.size2));
      }
      break;
    }
    case Op::kStore: {
      bool xmm = alloc(0).reg.cls == RegClass::kFloat;
      trap_mem_site();
      if (xmm) as_->emit(m.mn, mem(m, m.size2), X(0));
      else as_->emit(Mn::kMov, mem(m, m.size2), R(0, m.size2));
      break;
    }
    case Op::kStoreImm:
      trap_mem_site();
      as_->emit(Mn::kMov, mem(m, sz), Opnd::imm_(m.imm));
      break;
    case Op::kCmpSet: {
      compare(m);
      Opnd d = R(n - 1, 1);
      as_->setcc(m.cc, d);
      as_->emit(Mn::kMovzx, R(n - 1, 4), d);
      if (hw(n - 1) == flags_.a || (flags_.kind == 3 && hw(n - 1) == flags_.b)) flags_.valid = false;
      break;
    }
    case Op::kCmp128Set: {
      Opnd d8 = R(4, 1), d = R(4, 8), s = Opnd::gp(reg::kScratch, 8);
      if (m.cc == Cond::kE || m.cc == Cond::kNe) {
        as_->emit(Mn::kMov, s, R(0, 8));
        as_->emit(Mn::kXor, s, R(2, 8));
        as_->emit(Mn::kMov, d, R(1, 8));
        as_->emit(Mn::kXor, d, R(3, 8));
        as_->emit(Mn::kOr, d, s);
      } else {
        as_->emit(Mn::kCmp, R(0, 8), R(2, 8));
        as_->emit(Mn::kMov, s, R(1, 8));
        as_->emit(Mn::kSbb, s, R(3, 8));
      }
      as_->setcc(m.cc, d8);
      as_->emit(Mn::kMovzx, R(4, 4), d8);
      break;
    }
    case Op::kFCmpSet: {
      FPlan p = fplan(static_cast<ir::FloatCC>(m.aux));
      fcompare(p, 0, 1, m.size2);
      Opnd d8 = R(2, 1), s8 = Opnd::gp(reg::kScratch, 1);
      if (p.kind == FPlan::kSingle) {
        as_->setcc(p.cc, d8);
      } else if (p.kind == FPlan::kEqOrdered) {
        as_->setcc(Cond::kNp, s8);
        as_->setcc(Cond::kE, d8);
        as_->emit(Mn::kAnd, d8, s8);
      } else {
        as_->setcc(Cond::kP, s8);
        as_->setcc(Cond::kNe, d8);
        as_->emit(Mn::kOr, d8, s8);
      }
      as_->emit(Mn::kMovzx, R(2, 4), d8);
      break;
    }
    case Op::kSelect: {
      uint32_t x = n - 3, d = n - 1;
      FPlan p;
      if (m.flags & kFFcmp) {
        p = fplan(static_cast<ir::FloatCC>(m.aux));
        fcompare(p, 0, 1, m.size2);
      } else {
        compare(m);
        p.cc = m.cc;
      }
      bool xmm = m.flags & kFFloat;
      // The compared registers keep their values only if the result is not one of them.
      if (!xmm && (hw(d) == flags_.a || (flags_.kind == 3 && hw(d) == flags_.b))) flags_.valid = false;
      if (!xmm && p.kind == FPlan::kSingle) {
        as_->cmovcc(p.cc, R(d, sz <= 4 ? 4 : 8), R(x, sz <= 4 ? 4 : 8));
        break;
      }
      uint32_t skip = as_->new_label(), take = as_->new_label();
      if (p.kind == FPlan::kSingle) {
        jcc(invert(p.cc), skip);
      } else if (p.kind == FPlan::kEqOrdered) {
        jcc(Cond::kP, skip);
        jcc(Cond::kNe, skip);
      } else {
        jcc(Cond::kP, take);
        jcc(Cond::kE, skip);
      }
      as_->bind(take);
      if (xmm) as_->emit(Mn::kMovaps, X(d), X(x));
      else as_->emit(Mn::kMov, R(d, 8), R(x, 8));
      as_->bind(skip);
      break;
    }
    case Op::kDiv: {
      bool sign = m.flags & kFSigned, rem = m.flags & kFRem;
      Opnd y = R(1, sz);
      uint32_t done = as_->new_label();
      if (m.flags & kFCheckZero) {
        as_->emit(Mn::kTest, y, y);
        jcc(Cond::kE, trap_label(ir::TrapCode::kIntegerDivisionByZero));
      }
      uint32_t do_div = as_->new_label();
      if (sign && (m.flags & kFCheckOvf)) {
        as_->emit(Mn::kCmp, y, Opnd::imm_(-1));
        jcc(Cond::kNe, do_div);
        if (rem) {
          as_->emit(Mn::kXor, Opnd::gp(reg::kRdx, 4), Opnd::gp(reg::kRdx, 4));
          jmp(done);
        } else {
          // dividend - 1 overflows exactly when the dividend is the minimum of its width.
          as_->emit(Mn::kCmp, Opnd::gp(reg::kRax, m.size2), Opnd::imm_(1));
          jcc(Cond::kO, trap_label(ir::TrapCode::kIntegerOverflow));
        }
      }
      as_->bind(do_div);
      if (sign) {
        as_->emit(sz == 8 ? Mn::kCqo : Mn::kCdq);
        as_->emit(Mn::kIdiv, y);
      } else {
        as_->emit(Mn::kXor, Opnd::gp(reg::kRdx, 4), Opnd::gp(reg::kRdx, 4));
        as_->emit(Mn::kDiv, y);
      }
      as_->bind(done);
      break;
    }
    case Op::kMulWide:
      as_->emit(Mn::kMul, R(1, 8));
      break;
    case Op::kAddSub128: {
      bool sub = m.flags & kFSub;
      as_->emit(sub ? Mn::kSub : Mn::kAdd, R(4, 8), R(2, 8));
      as_->emit(sub ? Mn::kSbb : Mn::kAdc, R(5, 8), R(3, 8));
      break;
    }
    case Op::kAndn:
      as_->emit(Mn::kAndn, R(2, sz), R(0, sz), R(1, sz));
      break;
    case Op::kShiftX:
      as_->emit(m.mn, R(2, sz), R(0, sz), R(1, sz));
      break;
    case Op::kRorx:
      as_->emit(Mn::kRorx, R(1, sz), R(0, sz), Opnd::imm_(m.imm));
      break;
    case Op::kBitCount: {
      Opnd s = R(0, sz), d = R(1, sz), scratch = Opnd::gp(reg::kScratch, sz);
      int64_t bits = sz * 8;
      if (m.mn == Mn::kLzcnt) {
        if (opts_.cpu.lzcnt) {
          as_->emit(Mn::kLzcnt, d, s);
        } else {
          // bsr gives the index of the highest set bit; (bits-1) ^ index is the count; a zero
          // input (ZF) selects 2*bits-1, which the xor turns into `bits`.
          as_->emit(Mn::kMov, scratch, Opnd::imm_(2 * bits - 1));
          as_->emit(Mn::kBsr, d, s);
          as_->cmovcc(Cond::kE, d, scratch);
          as_->emit(Mn::kXor, d, Opnd::imm_(bits - 1));
        }
      } else if (m.mn == Mn::kTzcnt) {
        if (opts_.cpu.bmi1) {
          as_->emit(Mn::kTzcnt, d, s);
        } else {
          as_->emit(Mn::kMov, scratch, Opnd::imm_(bits));
          as_->emit(Mn::kBsf, d, s);
          as_->cmovcc(Cond::kE, d, scratch);
        }
      } else if (opts_.cpu.popcnt) {
        as_->emit(Mn::kPopcnt, d, s);
      } else {
        // SWAR population count (Hacker's Delight 5-1).
        if (n < 3) return Error(ErrorKind::kOther, "x64 emit: popcnt fallback without a temporary");
        Opnd t = R(2, sz);
        auto k = [&](uint64_t pattern) {
          return sz == 8 ? static_cast<int64_t>(pattern) : static_cast<int64_t>(static_cast<uint32_t>(pattern));
        };
        as_->emit(Mn::kMov, d, s);
        as_->emit(Mn::kMov, t, s);
        as_->emit(Mn::kShr, t, Opnd::imm_(1));
        as_->emit(Mn::kMov, scratch, Opnd::imm_(k(0x5555555555555555ull)));
        as_->emit(Mn::kAnd, t, scratch);
        as_->emit(Mn::kSub, d, t);
        as_->emit(Mn::kMov, t, d);
        as_->emit(Mn::kMov, scratch, Opnd::imm_(k(0x3333333333333333ull)));
        as_->emit(Mn::kAnd, d, scratch);
        as_->emit(Mn::kShr, t, Opnd::imm_(2));
        as_->emit(Mn::kAnd, t, scratch);
        as_->emit(Mn::kAdd, d, t);
        as_->emit(Mn::kMov, t, d);
        as_->emit(Mn::kShr, t, Opnd::imm_(4));
        as_->emit(Mn::kAdd, d, t);
        as_->emit(Mn::kMov, scratch, Opnd::imm_(k(0x0f0f0f0f0f0f0f0full)));
        as_->emit(Mn::kAnd, d, scratch);
        as_->emit(Mn::kMov, scratch, Opnd::imm_(k(0x0101010101010101ull)));
        as_->emit(Mn::kImul, d, scratch);
        as_->emit(Mn::kShr, d, Opnd::imm_(bits - 8));
      }
      break;
    }
    // kFVex (lower_simd.cc with AVX): the three-operand VEX form `vmn d, a, b`.
    case Op::kFAlu:
      if (m.flags & kFMemSrc) {  // scalar: a, address operands, d=a
        trap_mem_site();
        if (m.flags & kFVex) as_->emit(m.mn, X(n - 1), X(0), mem(m, sz));
        else as_->emit(m.mn, X(n - 1), mem(m, sz));
      } else if (m.flags & kFVex) {
        as_->emit(m.mn, X(2), X(0), X(1));
      } else {
        as_->emit(m.mn, X(2), X(1));
      }
      break;
    case Op::kFAluConst:
      if (m.flags & kFVex) as_->emit(m.mn, X(1), X(0), Opnd::rip(16, const_label_index(m.aux)));
      else as_->emit(m.mn, X(1), Opnd::rip(16, const_label_index(m.aux)));
      break;
    case Op::kVecAluImm:
      if (m.flags & kFVex) as_->emit(m.mn, X(2), X(0), X(1), Opnd::imm_(m.imm));
      else as_->emit(m.mn, X(2), X(1), Opnd::imm_(m.imm));
      break;
    case Op::kVecShiftImm:
      if (m.flags & kFVex) as_->emit(m.mn, X(1), X(0), Opnd::imm_(m.imm));
      else as_->emit(m.mn, X(1), Opnd::imm_(m.imm));
      break;
    case Op::kVecMovMsk:
      as_->emit(m.mn, R(1, 4), X(0));
      break;
    case Op::kFUnary:
      if (m.flags & kFImm) as_->emit(m.mn, X(1), X(0), Opnd::imm_(m.imm));
      else as_->emit(m.mn, X(1), X(0));
      break;
    case Op::kFMinMax: {
      bool f32 = sz == 4;
      bool is_min = m.mn == Mn::kMinss || m.mn == Mn::kMinsd;
      uint32_t normal = as_->new_label(), nan = as_->new_label(), done = as_->new_label();
      as_->emit(f32 ? Mn::kUcomiss : Mn::kUcomisd, X(2), X(1));
      jcc(Cond::kNe, normal);
      jcc(Cond::kP, nan);
      // Equal: only ±0 differ; or-ing the sign bits gives min(-0, +0) = -0, and-ing max.
      as_->emit(is_min ? Mn::kOrps : Mn::kAndps, X(2), X(1));
      jmp(done);
      as_->bind(nan);
      as_->emit(f32 ? Mn::kAddss : Mn::kAddsd, X(2), X(1));  // propagates the NaN
      jmp(done);
      as_->bind(normal);
      as_->emit(m.mn, X(2), X(1));
      as_->bind(done);
      break;
    }
    case Op::kFCopysign: {
      Opnd s = Opnd::xmm(reg::kXmmScratch);
      as_->emit(Mn::kMovaps, s, X(1));
      as_->emit(Mn::kAndps, s, Opnd::rip(16, const_label_index(m.aux)));
      as_->emit(Mn::kAndps, X(2), Opnd::rip(16, const_label_index(static_cast<uint32_t>(m.imm))));
      as_->emit(Mn::kOrps, X(2), s);
      break;
    }
    case Op::kGprToXmm:
      as_->emit(sz == 4 ? Mn::kMovd : Mn::kMovq, X(1), R(0, sz));
      break;
    case Op::kXmmToGpr:
      as_->emit(sz == 4 ? Mn::kMovd : Mn::kMovq, R(1, sz), X(0));
      break;
    case Op::kCvtIntToF:
      as_->emit(Mn::kXorps, X(1), X(1));  // breaks the dependency on the old register value
      as_->emit(sz == 4 ? Mn::kCvtsi2ss : Mn::kCvtsi2sd, X(1), R(0, m.size2));
      break;
    case Op::kCvtU64ToF: {
      Mn cvt = sz == 4 ? Mn::kCvtsi2ss : Mn::kCvtsi2sd;
      uint32_t neg = as_->new_label(), done = as_->new_label();
      Opnd s = R(0, 8), d = X(1), t = R(2, 8), sc = Opnd::gp(reg::kScratch, 8);
      as_->emit(Mn::kXorps, d, d);
      as_->emit(Mn::kTest, s, s);
      jcc(Cond::kS, neg);
      as_->emit(cvt, d, s);
      jmp(done);
      as_->bind(neg);
      // Halve with the lost bit kept sticky (so rounding is right), convert, double.
      as_->emit(Mn::kMov, sc, s);
      as_->emit(Mn::kShr, sc, Opnd::imm_(1));
      as_->emit(Mn::kMov, t, s);
      as_->emit(Mn::kAnd, t, Opnd::imm_(1));
      as_->emit(Mn::kOr, sc, t);
      as_->emit(cvt, d, sc);
      as_->emit(sz == 4 ? Mn::kAddss : Mn::kAddsd, d, d);
      as_->bind(done);
      break;
    }
    case Op::kCvtFToInt: {
      uint8_t fb = m.size2;
      Mn cvtt = fb == 4 ? Mn::kCvttss2si : Mn::kCvttsd2si;
      Mn ucom = fb == 4 ? Mn::kUcomiss : Mn::kUcomisd;
      Mn fsub = fb == 4 ? Mn::kSubss : Mn::kSubsd;
      Opnd x = X(0), d = R(1, sz), d64 = R(1, 8), d32 = R(1, 4);
      Opnd fs = Opnd::xmm(reg::kXmmScratch), sc = Opnd::gp(reg::kScratch, 8);
      auto cst = [&](double v) { return Opnd::rip(fb, const_label(scalar_const(v, fb))); };
      uint32_t done = as_->new_label();
      bool sign = m.flags & kFSigned, sat = m.flags & kFSat;
      double two63 = 9223372036854775808.0;
      if (sign && !sat) {
        as_->emit(cvtt, d, x);
        as_->emit(Mn::kCmp, d, Opnd::imm_(1));  // OF iff the result is INT_MIN (the error value)
        jcc(Cond::kNo, done);
        as_->emit(ucom, x, x);
        jcc(Cond::kP, trap_label(ir::TrapCode::kBadConversionToInteger));
        if (fb == 8 && sz == 4) {
          as_->emit(ucom, x, cst(-2147483649.0));
          jcc(Cond::kBe, trap_label(ir::TrapCode::kIntegerOverflow));
        } else {
          as_->emit(ucom, x, cst(sz == 4 ? -2147483648.0 : -two63));
          jcc(Cond::kB, trap_label(ir::TrapCode::kIntegerOverflow));
        }
        as_->emit(Mn::kXorps, fs, fs);
        as_->emit(ucom, x, fs);
        jcc(Cond::kAe, trap_label(ir::TrapCode::kIntegerOverflow));
      } else if (sign) {
        uint32_t nan = as_->new_label();
        as_->emit(cvtt, d, x);
        as_->emit(Mn::kCmp, d, Opnd::imm_(1));
        jcc(Cond::kNo, done);
        as_->emit(ucom, x, x);
        jcc(Cond::kP, nan);
        as_->emit(Mn::kXorps, fs, fs);
        as_->emit(ucom, x, fs);
        jcc(Cond::kB, done);  // negative overflow: INT_MIN is the saturated value
        mov_imm(hw(1), sz == 4 ? INT32_MAX : INT64_MAX, sz);
        jmp(done);
        as_->bind(nan);
        as_->emit(Mn::kXor, d32, d32);
      } else if (!sat && sz == 4) {
        as_->emit(ucom, x, x);
        jcc(Cond::kP, trap_label(ir::TrapCode::kBadConversionToInteger));
        as_->emit(cvtt, d64, x);  // every valid u32 fits a signed 64-bit conversion
        as_->emit(Mn::kMov, sc, d64);
        as_->emit(Mn::kShr, sc, Opnd::imm_(32));
        jcc(Cond::kNe, trap_label(ir::TrapCode::kIntegerOverflow));
      } else if (!sat) {
        uint32_t big = as_->new_label();
        as_->emit(ucom, x, x);
        jcc(Cond::kP, trap_label(ir::TrapCode::kBadConversionToInteger));
        as_->emit(ucom, x, cst(two63));
        jcc(Cond::kAe, big);
        as_->emit(ucom, x, cst(-1.0));
        jcc(Cond::kBe, trap_label(ir::TrapCode::kIntegerOverflow));
        as_->emit(cvtt, d64, x);
        jmp(done);
        as_->bind(big);
        as_->emit(Mn::kMovaps, fs, x);
        as_->emit(fsub, fs, cst(two63));
        as_->emit(cvtt, d64, fs);
        as_->emit(Mn::kTest, d64, d64);
        jcc(Cond::kS, trap_label(ir::TrapCode::kIntegerOverflow));
        as_->emit(Mn::kMov, sc, Opnd::imm_(INT64_MIN));
        as_->emit(Mn::kOr, d64, sc);
      } else {
        uint32_t max = as_->new_label();
        as_->emit(Mn::kXor, d32, d32);
        as_->emit(Mn::kXorps, fs, fs);
        as_->emit(ucom, x, fs);
        jcc(Cond::kBe, done);  // NaN, negative or zero: 0
        if (sz == 4) {
          as_->emit(ucom, x, cst(4294967296.0));
          jcc(Cond::kAe, max);
          as_->emit(cvtt, d64, x);
          jmp(done);
        } else {
          uint32_t big = as_->new_label();
          as_->emit(ucom, x, cst(two63));
          jcc(Cond::kAe, big);
          as_->emit(cvtt, d64, x);
          jmp(done);
          as_->bind(big);
          as_->emit(Mn::kMovaps, fs, x);
          as_->emit(fsub, fs, cst(two63));
          as_->emit(cvtt, d64, fs);
          as_->emit(Mn::kTest, d64, d64);
          jcc(Cond::kS, max);
          as_->emit(Mn::kMov, sc, Opnd::imm_(INT64_MIN));
          as_->emit(Mn::kOr, d64, sc);
          jmp(done);
        }
        as_->bind(max);
        as_->emit(Mn::kMov, sz == 4 ? d32 : d64, Opnd::imm_(-1));
      }
      as_->bind(done);
      break;
    }
    case Op::kJump:
      if (is_next(succs[0])) {
        fall_block_ = succs[0];
      } else if (uint32_t t = resolved_[succs[0]];
                 dup_chain_[t] && !vb.cold && dup_copies_ < kMaxDupCopies) {
        ++dup_copies_;
        return emit_dispatch_copy(t);
      } else {
        jmp(block_label(succs[0]));
      }
      break;
    case Op::kBrTest:
    case Op::kBrCmp:
    case Op::kBrFcmp: {
      FPlan p;
      if (m.op == Op::kBrFcmp) {
        p = fplan(static_cast<ir::FloatCC>(m.aux));
        fcompare(p, 0, 1, sz);
      } else if (m.op == Op::kBrTest) {
        if (m.flags & kFImm) {
          as_->emit(Mn::kTest, R(0, m.size2), Opnd::imm_(m.imm));
        } else {
          as_->emit(Mn::kTest, R(0, m.size2), R(0, m.size2));
        }
        p.cc = m.cc;
      } else {
        compare(m);
        p.cc = m.cc;
      }
      uint32_t t = succs[0], f = succs[1];
      bool f_next = is_next(f), t_next = is_next(t);
      // Both "next": one is the lone-jump block right after this one, the other the block that
      // jump leads past to. Fall into the real block and branch straight to the lone jump's
      // target, rather than falling into the lone jump (a jcc plus a jmp).
      if (f_next && t_next && trivial_[f] != trivial_[t]) {
        if (trivial_[f]) f_next = false;
        else t_next = false;
      }
      cond_branch(p, block_label(t), block_label(f), f_next, t_next);
      // The block control runs into (cond_branch's choice when both are next).
      if (p.kind == FPlan::kSingle) {
        fall_block_ = f_next ? f : t_next ? t : kNoBlock;
      } else {
        fall_block_ = t_next ? t : f_next ? f : kNoBlock;
      }
      break;
    }
    case Op::kBrTable: {
      const auto& table = vc_.jump_tables[m.aux];
      uint32_t def = block_label(succs[0]);
      if (table.empty()) {
        jmp(def);
        break;
      }
      as_->emit(Mn::kCmp, R(0, m.size2), Opnd::imm_(static_cast<int64_t>(table.size())));
      jcc(Cond::kAe, def);
      // The index register is a zero-extended copy made for this branch: clobbering it is fine.
      // Copies of this dispatch (see the top of the file) share its table.
      uint32_t& tl = table_labels_[m.aux];
      if (tl == kNoLabel) tl = as_->new_label();
      Opnd sc = Opnd::gp(reg::kScratch, 8);
      as_->emit(Mn::kLea, sc, Opnd::rip(0, tl));
      as_->emit(Mn::kMovsxd, R(0, 8), Opnd::mem(4, reg::kScratch, 0, hw(0), 2));
      as_->emit(Mn::kAdd, R(0, 8), sc);
      as_->emit(Mn::kJmp, R(0, 8));
      break;
    }
    case Op::kRet:
      epilogue_no_ret();
      as_->emit(Mn::kRet);
      break;
    case Op::kUd2:
      record_trap(as_->offset(), static_cast<ir::TrapCode>(m.aux));
      as_->emit(Mn::kUd2);
      break;
    case Op::kTrapTest:
      as_->emit(Mn::kTest, R(0, m.size2), R(0, m.size2));
      jcc(m.cc, trap_label(static_cast<ir::TrapCode>(m.aux)));
      break;
    case Op::kTrapCmp:
      compare(m);
      jcc(m.cc, trap_label(static_cast<ir::TrapCode>(m.aux)));
      break;
    case Op::kAddTrap:
      if (m.flags & kFImm) as_->emit(Mn::kAdd, R(1, sz), Opnd::imm_(m.imm));
      else as_->emit(Mn::kAdd, R(2, sz), R(1, sz));
      jcc(Cond::kB, trap_label(static_cast<ir::TrapCode>(m.aux)));
      break;
    case Op::kCall:
    case Op::kTailCall: {
      bool tail = m.op == Op::kTailCall;
      for (const auto& sa : m.stack_args) {
        Opnd dst = tail ? Opnd::mem(sa.size, reg::kRbp, 16 + sa.offset) : Opnd::mem(sa.size, reg::kRsp, sa.offset);
        const Allocation& a = alloc(sa.op);
        bool f = m.ops[sa.op].vreg.cls == RegClass::kFloat;
        Mn mv = !f ? Mn::kMov : sa.size == 16 ? Mn::kMovdqu : sa.size == 4 ? Mn::kMovss : Mn::kMovsd;
        if (a.kind == Allocation::Kind::kReg) {
          as_->emit(mv, dst, f ? Opnd::xmm(a.reg.hw) : Opnd::gp(a.reg.hw, 8));
        } else if (f) {
          as_->emit(mv, Opnd::xmm(reg::kXmmScratch), slot_mem(a.slot, sa.size));
          as_->emit(mv, dst, Opnd::xmm(reg::kXmmScratch));
        } else {
          as_->emit(Mn::kMov, Opnd::gp(reg::kScratch, 8), slot_mem(a.slot, 8));
          as_->emit(Mn::kMov, dst, Opnd::gp(reg::kScratch, 8));
        }
      }
      bool indirect = m.flags & kFIndirect;
      if (tail) {
        if (indirect) as_->emit(Mn::kMov, Opnd::gp(reg::kScratch, 8), R(0, 8));
        epilogue_no_ret();
        if (indirect) {
          as_->emit(Mn::kJmp, Opnd::gp(reg::kScratch, 8));
        } else if (m.flags & kFColocated) {
          reloc_bytes({0xE9, 0, 0, 0, 0}, 1, mach::RelocKind::kPcRel4, m.aux, -4);
        } else {
          reloc_bytes({0x49, 0xBB, 0, 0, 0, 0, 0, 0, 0, 0}, 2, mach::RelocKind::kAbs8, m.aux, 0);
          as_->emit(Mn::kJmp, Opnd::gp(reg::kScratch, 8));
        }
      } else if (indirect) {
        as_->emit(Mn::kCall, R(0, 8));
      } else if (m.flags & kFColocated) {
        reloc_bytes({0xE8, 0, 0, 0, 0}, 1, mach::RelocKind::kPcRel4, m.aux, -4);
      } else {
        reloc_bytes({0x49, 0xBB, 0, 0, 0, 0, 0, 0, 0, 0}, 2, mach::RelocKind::kAbs8, m.aux, 0);
        as_->emit(Mn::kCall, Opnd::gp(reg::kScratch, 8));
      }
      break;
    }
    case Op::kVecSplat: {
      Opnd d = X(1);
      bool fl = m.flags & kFFloat;
      if (fl) {
        if (hw(0) != hw(1)) as_->emit(Mn::kMovaps, d, X(0));
      } else {
        as_->emit(sz == 8 ? Mn::kMovq : Mn::kMovd, d, R(0, sz == 8 ? 8 : 4));
      }
      if (opts_.cpu.avx2) {  // one vpbroadcast{b,w,d,q} for every lane size
        as_->emit(sz == 1 ? Mn::kVpbroadcastb : sz == 2 ? Mn::kVpbroadcastw
                  : sz == 4 ? Mn::kVpbroadcastd : Mn::kVpbroadcastq, d, d);
        break;
      }
      if (sz == 1) as_->emit(Mn::kPunpcklbw, d, d);
      if (sz <= 2) as_->emit(Mn::kPshuflw, d, d, Opnd::imm_(0));
      as_->emit(Mn::kPshufd, d, d, Opnd::imm_(sz == 8 ? 0x44 : 0));
      break;
    }
    case Op::kVecExtract: {
      int64_t lane = m.imm;
      Opnd s = Opnd::xmm(reg::kXmmScratch);
      if (m.flags & kFFloat) {
        if (lane == 0) {
          if (hw(0) != hw(1)) as_->emit(Mn::kMovaps, X(1), X(0));
        } else {
          as_->emit(Mn::kPshufd, X(1), X(0), Opnd::imm_(sz == 8 ? 0xEE : lane));
        }
      } else if (sz == 1) {
        as_->emit(Mn::kPextrb, R(1, 4), X(0), Opnd::imm_(lane));
      } else if (sz == 2) {
        as_->emit(Mn::kPextrw, R(1, 4), X(0), Opnd::imm_(lane));
      } else {
        Opnd src = X(0);
        if (lane != 0) {
          as_->emit(Mn::kPshufd, s, X(0), Opnd::imm_(sz == 8 ? 0xEE : lane));
          src = s;
        }
        as_->emit(sz == 8 ? Mn::kMovq : Mn::kMovd, R(1, sz), src);
      }
      break;
    }
    case Op::kVecInsert: {
      int64_t lane = m.imm;
      Opnd d = X(2);
      if (m.flags & kFFloat) {
        if (sz == 4) as_->emit(Mn::kInsertps, d, X(1), Opnd::imm_(lane << 4));
        else if (lane == 0) as_->emit(Mn::kMovsd, d, X(1));
        else as_->emit(Mn::kMovlhps, d, X(1));
      } else {
        Mn mn = sz == 1 ? Mn::kPinsrb : sz == 2 ? Mn::kPinsrw : sz == 4 ? Mn::kPinsrd : Mn::kPinsrq;
        as_->emit(mn, d, R(1, sz == 8 ? 8 : 4), Opnd::imm_(lane));
      }
      break;
    }
    case Op::kFuncAddr: {
      uint8_t r = hw(0);
      uint8_t rex = static_cast<uint8_t>(0x48 | ((r >> 3) & 1));
      if (m.flags & kFColocated) {
        // lea r, [rip + rel32]
        uint8_t rexr = static_cast<uint8_t>(0x48 | (((r >> 3) & 1) << 2));
        reloc_bytes({rexr, 0x8D, static_cast<uint8_t>(0x05 | ((r & 7) << 3)), 0, 0, 0, 0}, 3,
                    mach::RelocKind::kPcRel4, m.aux, -4);
      } else {
        reloc_bytes({rex, static_cast<uint8_t>(0xB8 | (r & 7)), 0, 0, 0, 0, 0, 0, 0, 0}, 2,
                    mach::RelocKind::kAbs8, m.aux, 0);
      }
      break;
    }
  }
  return ok();
}

// A chain is blocks b, b+1, ... (none a lone jump, none cold) whose terminators are compare
// branches with b+1.. as one target, ending in a br_table with a table; no calls or returns.
// A return block is one block of at most kMaxRetDupInsts instructions and edits (the epilogue
// not counted) ending in `ret`, without calls.
void Emitter::find_dispatch_chains() {
  size_t nb = vc_.blocks.size();
  dup_chain_.assign(nb, 0);
  for (size_t b = 1; b < nb; ++b) {
    if (const VBlock& vb = vc_.blocks[b];
        !vb.cold && !trivial_[b] && vb.end > vb.first && vc_.insts[vb.end - 1].op == Op::kRet &&
        vb.end - vb.first + (edits_begin_[vb.end] - edits_begin_[vb.first]) <= kMaxRetDupInsts) {
      bool simple = true;
      for (uint32_t i = vb.first; i < vb.end; ++i) {
        simple &= vc_.insts[i].op != Op::kCall && vc_.insts[i].op != Op::kTailCall;
      }
      if (simple) dup_chain_[b] = 1;
      continue;
    }
    uint32_t insts = 0;
    for (uint32_t x = static_cast<uint32_t>(b), len = 1; x < nb && len <= kMaxDupBlocks;
         x = next_real_[x], ++len) {
      const VBlock& xb = vc_.blocks[x];
      if (xb.cold || trivial_[x] || xb.end == xb.first) break;
      bool simple = true;
      for (uint32_t i = xb.first; i < xb.end; ++i) {
        Op op = vc_.insts[i].op;
        simple &= op != Op::kCall && op != Op::kTailCall && op != Op::kRet;
      }
      insts += xb.end - xb.first + (edits_begin_[xb.end] - edits_begin_[xb.first]);
      if (!simple || insts > kMaxDupInsts) break;
      const MInst& term = vc_.insts[xb.end - 1];
      if (term.op == Op::kBrTable) {
        if (!vc_.jump_tables[term.aux].empty()) dup_chain_[b] = static_cast<uint8_t>(len);
        break;
      }
      // Continue only into the next block (past lone jumps), by falling through a compare
      // branch.
      uint32_t next = next_real_[x];
      if ((term.op != Op::kBrCmp && term.op != Op::kBrTest) || next >= nb) break;
      if (resolved_[vc_.succs(x)[0]] != next && resolved_[vc_.succs(x)[1]] != next) break;
    }
  }
}

// The instructions of block b with the allocator's edits, as the main loop emits them.
Expected<void> Emitter::emit_block_insts(uint32_t b) {
  const VBlock& vb = vc_.blocks[b];
  uint32_t e = edits_begin_[vb.first];
  for (uint32_t i = vb.first; i < vb.end; ++i) {
    first_op_ = inst_first_op_[i];
    while (e < ra_.edits.size() && ra_.edits[e].point.inst == i && !ra_.edits[e].point.after) {
      KILN_TRY(emit_edit(ra_.edits[e++]));
    }
    KILN_TRY(emit_inst(i));
    bool term = i + 1 == vb.end;
    while (e < ra_.edits.size() && ra_.edits[e].point.inst == i && ra_.edits[e].point.after) {
      if (term) return Error(ErrorKind::kOther, "x64 emit: allocator edit after a terminator");
      KILN_TRY(emit_edit(ra_.edits[e++]));
    }
  }
  return ok();
}

// Emits a copy of the dispatch chain starting at block b in place of a jump to it.
Expected<void> Emitter::emit_dispatch_copy(uint32_t b) {
  uint32_t saved_block = cur_block_;
  uint32_t x = b;
  for (uint32_t k = 0; k < dup_chain_[b]; ++k, x = next_real_[x]) {
    cur_block_ = x;
    fall_block_ = kNoBlock;
    KILN_TRY(emit_block_insts(x));
    if (fall_block_ == kNoBlock) break;
    // The copy continues with the chain's next block only where the original falls into it;
    // where a branch chose to fall into another block (both targets were "next"), the copy
    // jumps there and ends.
    if (k + 1 == dup_chain_[b] || resolved_[fall_block_] != next_real_[x]) {
      jmp(block_label(fall_block_));
      break;
    }
  }
  cur_block_ = saved_block;
  fall_block_ = kNoBlock;
  return ok();
}

Expected<void> Emitter::pass(Assembler& as, bool record) {
  as_ = &as;
  record_ = record;
  jump_seq_ = 0;
  block_labels_.clear();
  const_labels_.clear();
  trap_labels_.clear();
  table_labels_.assign(vc_.jump_tables.size(), kNoLabel);
  dup_copies_ = 0;
  traps_.clear();
  relocs_.clear();
  consts_ = vc_.consts;
  jump_recs_.clear();
  align_offsets_.clear();
  for (size_t b = 0; b < vc_.blocks.size(); ++b) block_labels_.push_back(as.new_label());

  prologue();
  bool falls = true;
  for (uint32_t b = 0; b < vc_.blocks.size(); ++b) {
    cur_block_ = b;
    if (loop_header_[b] && !trivial_[b]) {
      as.align_code(16);
      if (record_) align_offsets_.push_back(as.offset());
    }
    as.bind(block_labels_[b]);
    flags_.valid = false;
    if (trivial_[b] && !falls) continue;
    fall_block_ = kNoBlock;
    KILN_TRY(emit_block_insts(b));
    // Whether control may run off the end of this block into block b + 1 itself. When it
    // runs on to a later block, the lone jumps in between are skipped.
    falls = fall_block_ == b + 1;
  }
  // Out-of-line trap stubs: one ud2 per trap code used by a conditional trap.
  for (auto& [code, label] : trap_labels_) {
    as.bind(label);
    record_trap(as.offset(), static_cast<ir::TrapCode>(code));
    as.emit(Mn::kUd2);
  }
  code_size_ = as.offset();
  if (!const_labels_.empty()) {
    as.align(16);
    for (auto& [bytes, label] : const_labels_) {
      as.bind(label);
      as.embed(bytes.data(), bytes.size());
    }
  }
  bool any_table = false;
  for (uint32_t tl : table_labels_) any_table |= tl != kNoLabel;
  if (any_table) {
    as.align(4);
    for (size_t t = 0; t < table_labels_.size(); ++t) {
      uint32_t tl = table_labels_[t];
      if (tl == kNoLabel) continue;
      as.bind(tl);
      for (uint32_t target : vc_.jump_tables[t]) as.embed_label_delta(block_label(target), tl);
    }
  }
  return ok();
}

Expected<mach::CompiledCode> Emitter::run() {
  if (ra_.allocs.size() != [&] {
        size_t n = 0;
        for (const MInst& m : vc_.insts) n += m.ops.size();
        return n;
      }()) {
    return Error(ErrorKind::kOther, "x64 emit: allocation count does not match the operands");
  }
  layout_frame();
  // Blocks that are a lone jump with no allocator moves are threaded through.
  std::vector<bool> has_edit(vc_.insts.size(), false);
  for (const auto& ed : ra_.edits) {
    if (ed.point.inst < has_edit.size()) has_edit[ed.point.inst] = true;
  }
  size_t nb = vc_.blocks.size();
  trivial_.assign(nb, false);
  resolved_.resize(nb);
  for (size_t b = 0; b < nb; ++b) {
    const VBlock& vb = vc_.blocks[b];
    trivial_[b] = b != 0 && vb.end == vb.first + 1 && vc_.insts[vb.first].op == Op::kJump &&
                  !has_edit[vb.first];
    resolved_[b] = static_cast<uint32_t>(b);
  }
  for (size_t b = 0; b < nb; ++b) {
    uint32_t r = static_cast<uint32_t>(b);
    for (size_t steps = 0; steps < nb && trivial_[r]; ++steps) r = vc_.succs(r)[0];
    resolved_[b] = trivial_[r] ? static_cast<uint32_t>(b) : r;
  }
  next_real_.assign(nb, static_cast<uint32_t>(nb));
  for (size_t b = nb; b-- > 1;) {
    next_real_[b - 1] = trivial_[b] ? next_real_[b] : static_cast<uint32_t>(b);
  }
  size_t ni = vc_.insts.size();
  inst_first_op_.assign(ni + 1, 0);
  for (size_t i = 0; i < ni; ++i) {
    inst_first_op_[i + 1] = inst_first_op_[i] + static_cast<uint32_t>(vc_.insts[i].ops.size());
  }
  edits_begin_.assign(ni + 1, static_cast<uint32_t>(ra_.edits.size()));
  for (size_t k = ra_.edits.size(); k-- > 0;) {
    if (ra_.edits[k].point.inst < ni) edits_begin_[ra_.edits[k].point.inst] = static_cast<uint32_t>(k);
  }
  for (size_t i = ni; i-- > 0;) edits_begin_[i] = std::min(edits_begin_[i], edits_begin_[i + 1]);
  find_dispatch_chains();

  loop_header_.assign(nb, false);
  for (size_t b = 0; b < nb; ++b) {
    const VBlock& vb = vc_.blocks[b];
    if (vb.cold) continue;
    for (uint32_t p : vc_.preds(static_cast<uint32_t>(b))) {
      if (p >= b && !vc_.blocks[p].cold) loop_header_[b] = true;
    }
  }

  std::vector<uint8_t> bytes;
  // One assembler per thread serves both passes of every function (its tables are reused).
  thread_local Assembler as;
  if (opts_.relax_branches) {
    Assembler& first = as;
    first.reset();
    KILN_TRY(pass(first, true));
    KILN_ASSIGN_OR_RETURN(bytes, first.finish());
    short_.assign(jump_recs_.size(), false);
    for (size_t k = 0; k < jump_recs_.size(); ++k) {
      uint32_t target = first.label_offset(jump_recs_[k].label);
      int64_t dist = int64_t{target} - jump_recs_[k].end;
      if (dist < 0) continue;
      auto lo = std::lower_bound(align_offsets_.begin(), align_offsets_.end(), jump_recs_[k].end);
      auto hi = std::upper_bound(align_offsets_.begin(), align_offsets_.end(), target);
      short_[k] = dist + 4 + 15 * (hi - lo) <= 127;
    }
  }
  as.reset();
  KILN_TRY(pass(as, false));
  KILN_ASSIGN_OR_RETURN(bytes, as.finish());
  mach::CompiledCode out;
  out.code = std::move(bytes);
  out.code_size = code_size_;
  out.relocations = relocs_;
  out.traps = traps_;
  std::sort(out.traps.begin(), out.traps.end(),
            [](const mach::TrapSite& a, const mach::TrapSite& b) { return a.offset < b.offset; });
  out.frame.frame_size = frame_size_ + 8 * static_cast<uint32_t>(saved_.size());
  for (uint8_t r : saved_) out.frame.callee_saved_mask |= 1u << r;
  out.frame.spill_slots = ra_.num_spill_slots;
  return out;
}

}  // namespace

Expected<mach::CompiledCode> emit(const VCode& vc, const regalloc::Output& ra,
                                  const EmitOptions& options) {
  Emitter e(vc, ra, options);
  return e.run();
}

}  // namespace kiln::codegen::x64
