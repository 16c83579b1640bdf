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
// And loops: a latch that is only allocator moves (reloads) and a jump back to a loop header
// whose compare branch goes back to the latch or on to the block right after the latch gets
// a copy of the header (kMaxDupInsts; calls allowed, each copy a call site of its own) in
// place of the jump, emitted as if at the latch's position: its branch goes back to the latch
// and its exit falls through. Each further iteration then runs moves, body and one taken
// branch instead of a not-taken exit branch, the moves and a taken jump.
//
// Shrink-wrapping (plan_frame): the frame (push rbp, the callee-saved pushes, rsp's
// adjustment, then the stack-limit check on the final rsp) is set up only where a path needs
// it. A block is frame-free when it makes no call, has no trap site (no memory access that
// may fault, no checked division or conversion, no conditional trap; notrap accesses such as
// vmctx fields are fine), uses no spill slot, frame slot or stack argument, and neither it nor
// the allocator's edits in it touch a callee-saved register. If every block is, the function
// has no frame at all. Otherwise, if the entry block is frame-free (its spill stores aside:
// they move to the frame setup, their registers unchanged until there), does not write the
// vmctx register, and ends in a two-way branch one of whose edges starts a chain of blocks
// that only the entry reaches, that are frame-free except that they may use callee-saved
// registers (renamed to caller-saved ones the chain does not mention: chain_remap_), and that
// ends in `ret`, then the entry and that chain run before the frame exists (the `ret` is bare)
// and the frame is set up on the other edge only (frame_label_, placed where the entry falls
// into that edge or after the chain's `ret`).
// The register assignment is the same as with the frame set up at entry: the setup writes only
// rbp, rsp, r11 (the scratch, never allocated) and the flags, and pushes callee-saved registers
// that the frameless entry left untouched, so every value live on that edge stays where it is;
// the vmctx register still holds the vmctx for the stack-limit check.
// Invariant for the runtime: code without a frame cannot trap and makes no call, so no trap
// handler, backtrace walk (which follows rbp chains from a trap site or a libcall's exit frame)
// or host call ever observes it; rbp still holds the caller's frame pointer throughout. Its
// only stack use is the return address its caller's call pushed, 8 bytes below the caller's
// checked frame; a framed callee writes more there (return address, rbp and its callee-saved
// pushes) before its own check, and the stack limit leaves room below it for libcalls and the
// signal handler.
//
// Branch relaxation: the code is emitted once, every forward branch with rel32, and the
// assembler's finish() then gives rel8 to the forward branches whose distance (plus the bytes
// the short form saves, plus 31 bytes for every loop-header alignment in between, whose
// padding may grow when the code before it shrinks) fits, and to the backward branches whose
// final distance fits, redoing the alignment padding and every label-relative field in the
// same copy (Assembler::finish). Offsets recorded during emission (trap sites, relocations)
// are mapped to the final code afterwards (Assembler::final_offset).
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
  Expected<void> pass(Assembler& as);
  Expected<void> emit_inst(uint32_t i);
  Expected<void> emit_inst_impl(uint32_t i);
  Expected<void> emit_edit(const regalloc::Edit& e);
  void prologue();
  void epilogue_no_ret();

  // Operands of the current instruction.
  const Allocation& alloc(uint32_t k) const { return ra_.allocs[first_op_ + k]; }
  uint8_t hw(uint32_t k) const {
    const regalloc::PReg r = alloc(k).reg;
    return remapping_ && r.cls == RegClass::kInt ? chain_remap_[r.hw] : r.hw;
  }
  Opnd R(uint32_t k, uint8_t size) const { return Opnd::gp(hw(k), size); }
  // A kAny source operand of an ALU or compare instruction: its register, or its spill slot
  // (`size` bytes from the start of the 8-byte slot: the low part of the value, little-endian).
  // A slot written shortly before (recent_store) is first loaded into the scratch register
  // instead, which emits the `mov` before the instruction that uses the result.
  Opnd RM(uint32_t k, uint8_t size);
  bool recent_store(uint32_t inst, uint32_t slot) const;
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
    const uint32_t at = copy_pos_ != kNoBlock ? copy_pos_ : cur_block_;  // (loop rotation)
    return b == at + 1 || resolved_[b] == next_real_[at];
  }

  void jmp(uint32_t label);
  void jcc(Cond c, uint32_t label);
  void compare(const MInst& m);  // cmp/test from the leading operands
  bool two_address_lea(const MInst& m, uint32_t d, uint8_t sz);
  void fcompare(const FPlan& p, uint32_t a, uint32_t b, uint8_t fbytes);
  void cond_branch(FPlan p, uint32_t t_label, uint32_t f_label, bool f_is_next, bool t_is_next);
  void mov_imm(uint8_t r, int64_t v, uint8_t size);
  // A trap site of the instruction being emitted (or, with an explicit inline id, of an
  // out-of-line trap stub); inlined code also gets its backtrace frame.
  void record_trap(uint32_t offset, ir::TrapCode code) { record_trap(offset, code, cur_inline_id_); }
  void record_trap(uint32_t offset, ir::TrapCode code, uint32_t inline_id) {
    traps_.push_back({offset, code});
    if (inline_id != 0) inline_frames_.push_back({offset, vc_.inline_callees[inline_id - 1], false});
  }
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
  bool skip_stack_check_ = false;  // a leaf with a small frame (layout_frame)
  static constexpr uint32_t kLeafStackSlack = 512;
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
  std::vector<uint32_t> inst_block_;     // per inst: its block
  // Per spill slot s: where allocator edits store to it, as 2 * inst (before) or 2 * inst + 1
  // (after), ascending: slot_store_pos_[slot_store_begin_[s] .. slot_store_begin_[s + 1]).
  std::vector<uint32_t> slot_store_begin_, slot_store_pos_;
  // Per block: the number of blocks in the dispatch chain starting there (0: not copied).
  std::vector<uint8_t> dup_chain_;
  static constexpr uint32_t kMaxDupInsts = 32;    // instructions and edits in one chain
  static constexpr uint32_t kMaxDupCopies = 64;   // copies per function
  static constexpr uint32_t kMaxDupBlocks = 4;
  static constexpr uint32_t kMaxRetDupInsts = 4;  // instructions and edits of a return block
  // Loop headers start on a 32-byte boundary (and a function with loops at one too): a small
  // loop then never straddles two 32-byte fetch blocks. With 16, the same instructions of
  // shootout-sieve's inner loop ran 19% slower when placed across a boundary (Zen 3).
  static constexpr uint32_t kLoopAlign = 32;
  uint32_t dup_copies_ = 0;
  void find_dispatch_chains();
  Expected<void> emit_block_insts(uint32_t b);
  Expected<void> emit_dispatch_copy(uint32_t b);

  // Loop rotation (see the top of the file): per loop header, the latch whose jump to it is
  // replaced by a copy of it (kNoBlock: none); while that copy is emitted, the latch, whose
  // position decides which of the copy's targets is "next".
  std::vector<uint32_t> rotate_latch_;
  uint32_t copy_pos_ = kNoBlock;

  // Shrink-wrapping (see the top of the file).
  enum class FrameMode : uint8_t { kAtEntry, kNone, kDeferred };
  FrameMode frame_mode_ = FrameMode::kAtEntry;
  std::vector<bool> frameless_;      // per block: runs without a frame (its `ret` is bare)
  uint32_t framed_succ_ = kNoBlock;  // kDeferred: the entry's successor entered with the frame
  uint32_t leaf_end_ = kNoBlock;     // kDeferred: the frameless chain's returning block
  uint32_t frame_label_ = kNoLabel;  // per pass (kDeferred): the frame setup on that edge
  bool frame_placed_ = false;        // per pass: frame_label_ is bound
  bool copying_ = false;             // emitting a dispatch copy
  static constexpr uint32_t kMaxFramelessChain = 8;  // blocks
  void plan_frame();
  bool frame_free(uint32_t b, std::vector<uint32_t>* spills = nullptr,
                  bool allow_callee_saved = false) const;
  // kDeferred: GPR renaming in the frameless chain (callee-saved -> unused caller-saved), and
  // whether the block being emitted applies it.
  std::array<uint8_t, 16> chain_remap_{};
  bool remapping_ = false;
  Expected<void> emit_chain_edit(uint32_t e);
  std::vector<uint32_t> deferred_spills_;  // kDeferred: the entry's spill stores (edit indices)
  void frame_setup();
  Expected<void> place_frame_setup();

  // Per pass.
  std::vector<uint32_t> block_labels_;
  std::vector<std::array<uint8_t, 16>> consts_;
  std::vector<std::pair<std::array<uint8_t, 16>, uint32_t>> const_labels_;
  std::map<uint64_t, uint32_t> trap_labels_;  // (inline id << 32 | trap code) -> stub label
  std::vector<uint32_t> table_labels_;
  std::vector<mach::TrapSite> traps_;
  std::vector<mach::InlineFrame> inline_frames_;
  // MInst::inline_id of the instruction emit_inst is emitting (0 outside it: prologue, frame
  // setup, edits).
  uint32_t cur_inline_id_ = 0;
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
    uint8_t kind = 0;  // 1: test a, a; 2: cmp a, imm; 3: cmp a, b; 4: cmp a, [spill slot imm]
    uint8_t size = 0, a = 0, b = 0;
    int64_t imm = 0;
    uint32_t inst = 0;
  } flags_;
  uint32_t code_end_label_ = 0;  // bound where the code ends (trap stubs included)
  std::vector<bool> loop_header_;  // per block: aligned to kLoopAlign bytes
  bool aligned_loops_ = false;
  uint32_t prev_block_end_ = UINT32_MAX;  // assembler offset after the last block emitted
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
  // A leaf (no call of any kind) with a small frame skips the stack-limit check: it can take
  // the stack at most kLeafStackSlack bytes past the limit and no further, since nothing runs
  // below it. The limit is the Wasm stack budget (max_wasm_stack below the entry frame,
  // runtime/vm/traphandlers.cc), which the embedder keeps within the thread's stack with room
  // for the host, so those bytes are there; overflow is still caught at the next call, which
  // every recursion makes.
  bool leaf = true;
  for (const MInst& m : vc_.insts) leaf &= m.op != Op::kCall && m.op != Op::kTailCall;
  skip_stack_check_ = leaf && 8 + pushed + frame_size_ + realign_ <= kLeafStackSlack;
}

// Whether spill slot `slot`, read in place by instruction `inst`, was stored at most
// kRecentStore instructions before that read: earlier in layout, or later in a block that
// branches back over the read (a loop's latch, then the loop from its header to the read).
// Such a read goes through a plain `mov` from the slot: AMD Zen cores forward a store to a
// `mov` load of the same stack address with no latency (memory renaming), but not to a load
// folded into an ALU operation, which waits for the store (measured: about 8 cycles more per
// store-load step of a dependency chain; folding every slot read made shootout-xchacha20, whose
// loop carries values through slots, 13% slower). Values stored earlier are read in place.
bool Emitter::recent_store(uint32_t inst, uint32_t slot) const {
  constexpr uint32_t kRecentStore = 64;  // instructions
  if (size_t{slot} + 2 >= slot_store_begin_.size()) return false;  // (size: slots + 2)
  const uint32_t r = 2 * inst;
  for (uint32_t k = slot_store_begin_[slot]; k < slot_store_begin_[slot + 1]; ++k) {
    const uint32_t p = slot_store_pos_[k];
    if (p <= r) {
      if (r - p <= 2 * kRecentStore) return true;
      continue;
    }
    const uint32_t b = inst_block_[p / 2];
    for (uint32_t s : vc_.succs(b)) {
      const VBlock& h = vc_.blocks[resolved_[s]];
      if (h.first <= inst && inst < vc_.blocks[b].end &&
          (2 * vc_.blocks[b].end - p) + (r - 2 * h.first) <= 2 * kRecentStore) {
        return true;
      }
    }
  }
  return false;
}

Opnd Emitter::RM(uint32_t k, uint8_t size) {
  if (alloc(k).kind != Allocation::Kind::kStack) return R(k, size);
  const uint32_t slot = alloc(k).slot;
  if (!recent_store(cur_inst_, slot)) return slot_mem(slot, size);
  as_->emit(Mn::kMov, Opnd::gp(reg::kScratch, 8), slot_mem(slot, 8));
  return Opnd::gp(reg::kScratch, size);
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
  // One stub per trap code and inlined-code origin (the stub's pc names the frames).
  const uint64_t key = static_cast<uint64_t>(cur_inline_id_) << 32 | static_cast<uint32_t>(code);
  auto it = trap_labels_.find(key);
  if (it != trap_labels_.end()) return it->second;
  uint32_t l = as_->new_label();
  trap_labels_[key] = l;
  return l;
}

void Emitter::jmp(uint32_t label) { as_->jmp(label); }

void Emitter::jcc(Cond c, uint32_t label) { as_->jcc(c, label); }

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
    if (f.kind == 3 && alloc(1).kind == Allocation::Kind::kStack) f.kind = 4;
    f.size = sz;
    f.a = hw(0);
    f.b = f.kind == 3 ? hw(1) : 0;
    f.imm = f.kind == 2 ? m.imm : f.kind == 4 ? alloc(1).slot : 0;
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
    as_->emit(Mn::kCmp, R(0, sz), RM(1, sz));
  }
}

// A register lea whose destination was allocated to one of its inputs, `lea d, [d + x]` or
// `lea d, [d + c]`, is emitted as `add d, x` / `add d, c`: the same result (no scale), and on
// AMD Zen 4 the two-address add measured faster in add-heavy straight-line code (blake3's
// compress_in_place: 80 -> 74 ns per call with only those leas rewritten). Flags are free to
// clobber: no flags live across machine instructions except a compare reused by the very
// next instruction (compare()), and a lea never is one.
bool Emitter::two_address_lea(const MInst& m, uint32_t d, uint8_t sz) {
  const Amode& a = m.mem;
  if (a.base_kind != Amode::Base::kReg || a.base == Amode::kNone || a.shift != 0) return false;
  const uint8_t dr = hw(d);
  if (a.index == Amode::kNone) {
    if (hw(a.base) != dr) return false;
    if (a.disp != 0) as_->emit(Mn::kAdd, R(d, sz), Opnd::imm_(a.disp));
    else if (sz == 4) as_->emit(Mn::kMov, R(d, 4), R(d, 4));  // lea d32, [d]: zero-extends
    return true;
  }
  if (a.disp != 0) return false;
  if (hw(a.base) == dr) {
    as_->emit(Mn::kAdd, R(d, sz), R(a.index, sz));
  } else if (hw(a.index) == dr) {
    as_->emit(Mn::kAdd, R(d, sz), R(a.base, sz));
  } else {
    return false;
  }
  return true;
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

// At the start of the function's code: the frame setup, unless shrink-wrapping moved it.
void Emitter::prologue() {
  frame_placed_ = false;
  frame_label_ = frame_mode_ == FrameMode::kDeferred ? as_->new_label() : kNoLabel;
  if (frame_mode_ == FrameMode::kAtEntry) frame_setup();
}

// The deferred frame setup at the current position (reached only from the entry block's edge
// to framed_succ_: by falling through or via frame_label_), then on into framed_succ_.
Expected<void> Emitter::place_frame_setup() {
  frame_placed_ = true;
  as_->bind(frame_label_);
  frame_setup();
  for (uint32_t e : deferred_spills_) KILN_TRY(emit_edit(ra_.edits[e]));
  flags_.valid = false;
  if (is_next(framed_succ_)) {
    fall_block_ = framed_succ_;
  } else {
    jmp(block_label(framed_succ_));
    fall_block_ = kNoBlock;
  }
  return ok();
}

void Emitter::frame_setup() {
  as_->emit(Mn::kPush, Opnd::gp(reg::kRbp, 8));
  as_->emit(Mn::kMov, Opnd::gp(reg::kRbp, 8), Opnd::gp(reg::kRsp, 8));
  for (uint8_t r : saved_) as_->emit(Mn::kPush, Opnd::gp(r, 8));
  if (frame_size_) as_->emit(Mn::kSub, Opnd::gp(reg::kRsp, 8), Opnd::imm_(frame_size_));
  if (realign_) as_->emit(Mn::kAnd, Opnd::gp(reg::kRsp, 8), Opnd::imm_(-static_cast<int64_t>(realign_)));
  if (!vc_.stack_limit_path.empty() && !skip_stack_check_) {
    // Trap unless the frame's bottom (rsp, now final) is at or above the limit, compared with
    // the limit in memory at the end of the path (no register for it, no add of the frame
    // size). Only rbp and the callee-saved pushes (at most 48 bytes below the caller's checked
    // frame) were written below the limit by then; nothing else is until the check passes.
    uint8_t base = vc_.vmctx_reg;
    const size_t n = vc_.stack_limit_path.size();
    for (size_t k = 0; k + 1 < n; ++k) {
      as_->emit(Mn::kMov, Opnd::gp(reg::kScratch, 8), Opnd::mem(8, base, vc_.stack_limit_path[k]));
      base = reg::kScratch;
    }
    as_->emit(Mn::kCmp, Opnd::gp(reg::kRsp, 8), Opnd::mem(8, base, vc_.stack_limit_path[n - 1]));
    jcc(Cond::kB, trap_label(ir::TrapCode::kStackOverflow));
  }
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
  flags_.valid = false;  // (a remat as xor also clobbers the flags: none are live across edits)
  bool f = e.cls == RegClass::kFloat;
  if (e.is_remat()) {
    // Re-create a constant (VCode::to_regalloc marks which instructions may be) in `to`.
    if (e.to.kind != K::kReg || e.remat_inst >= vc_.insts.size())
      return Error(ErrorKind::kOther, "x64 emit: bad rematerialisation");
    const MInst& d = vc_.insts[e.remat_inst];
    if (d.op == Op::kImm && !f) {
      mov_imm(e.to.reg.hw, d.imm, d.size);
    } else if (d.op == Op::kLoad && d.mem.base_kind == Amode::Base::kConst && f) {
      if (d.mem.slot == UINT32_MAX) as_->emit(Mn::kXorps, Opnd::xmm(e.to.reg.hw), Opnd::xmm(e.to.reg.hw));
      else as_->emit(d.mn, Opnd::xmm(e.to.reg.hw), mem(d, d.size2));
    } else {
      return Error(ErrorKind::kOther, "x64 emit: rematerialisation of a non-constant instruction");
    }
    return ok();
  }
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
  cur_inline_id_ = vc_.insts[i].inline_id;
  Expected<void> r = emit_inst_impl(i);
  cur_inline_id_ = 0;
  return r;
}

Expected<void> Emitter::emit_inst_impl(uint32_t i) {
  const MInst& m = vc_.insts[i];
  cur_inst_ = i;
  const VBlock& vb = vc_.blocks[cur_block_];
  const std::span<const uint32_t> succs = vc_.succs(cur_block_);
  uint8_t sz = m.size;
  uint32_t n = static_cast<uint32_t>(m.ops.size());
  for (uint32_t k = 0; k < n; ++k) {
    // Only kAny uses may live in spill slots: stack arguments of calls, the source operand of
    // alu_rr and of integer compares (read through RM), and the inputs of a plain `a + b` lea.
    if (alloc(k).kind != Allocation::Kind::kReg) {
      if (alloc(k).kind != Allocation::Kind::kStack || m.ops[k].constraint != regalloc::Constraint::kAny ||
          m.ops[k].kind != regalloc::OperandKind::kUse) {
        return Error(ErrorKind::kOther, "x64 emit: operand " + std::to_string(k) + " of " +
                                            std::string(op_name(m.op)) + " not in a register");
      }
      if (alloc(k).slot >= spill_off_.size()) return Error(ErrorKind::kOther, "x64 emit: bad spill slot");
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
        as_->emit(m.mn, R(2, sz), RM(1, sz));
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
    case Op::kLea: {
      // (A frame-slot or argument-area address has no base operand.)
      auto in_slot = [&](uint8_t k) {
        return k != Amode::kNone && alloc(k).kind == Allocation::Kind::kStack;
      };
      const bool base_slot = m.mem.base_kind == Amode::Base::kReg && in_slot(m.mem.base);
      const bool index_slot = in_slot(m.mem.index);
      if (!base_slot && !index_slot) {
        if (!two_address_lea(m, n - 1, sz)) as_->emit(Mn::kLea, R(n - 1, sz), mem(m, 0));
        break;
      }
      // A plain `base + index` with an input in its spill slot (the lowering allows it only
      // without scale and displacement): `add d, [slot]` after `mov d, <the other input>`
      // unless d holds it already; a slot stored recently (see RM) is loaded into the scratch
      // register for the lea instead.
      if (m.mem.base_kind != Amode::Base::kReg || m.mem.base == Amode::kNone ||
          m.mem.index == Amode::kNone || m.mem.shift != 0 || m.mem.disp != 0) {
        return Error(ErrorKind::kOther, "x64 emit: lea with a scaled or displaced input in a spill slot");
      }
      uint32_t from = m.mem.base, add = m.mem.index;
      if (!index_slot) std::swap(from, add);  // `add` is an input in a slot
      const Opnd d = R(n - 1, sz);
      if (alloc(from).kind == Allocation::Kind::kStack) {
        as_->emit(Mn::kMov, R(n - 1, 8), slot_mem(alloc(from).slot, 8));  // a plain load
      } else if (hw(from) != hw(n - 1) && recent_store(cur_inst_, alloc(add).slot)) {
        as_->emit(Mn::kMov, Opnd::gp(reg::kScratch, 8), slot_mem(alloc(add).slot, 8));
        as_->emit(Mn::kLea, d, Opnd::mem(0, hw(from), 0, reg::kScratch, 0));
        break;
      } else if (hw(from) != hw(n - 1)) {
        as_->emit(Mn::kMov, d, R(from, sz));
      }
      as_->emit(Mn::kAdd, d, RM(add, sz));
      break;
    }
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
    case Op::kMulWide:  // rdx:rax = rax * b, unsigned (mul) or signed (one-operand imul)
      as_->emit((m.flags & kFSigned) ? Mn::kImul : Mn::kMul, R(1, 8));
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
      if (frameless_[cur_block_]) {  // shrink-wrapped: no frame to take down
        as_->emit(Mn::kRet);
        break;
      }
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
      // A call from inlined code: its return address names the inlined frame.
      if (!tail && m.inline_id != 0) {
        inline_frames_.push_back({as_->offset(), vc_.inline_callees[m.inline_id - 1], true});
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
  // Loop rotation: latch l (moves and a jump back to header h), h ending in a compare branch
  // to l and to the block right after l.
  rotate_latch_.assign(nb, kNoBlock);
  for (uint32_t l = 1; l < nb; ++l) {
    const VBlock& lb = vc_.blocks[l];
    if (lb.cold || trivial_[l] || lb.end != lb.first + 1 || vc_.insts[lb.first].op != Op::kJump) {
      continue;
    }
    const uint32_t h = resolved_[vc_.succs(l)[0]];
    const VBlock& hb = vc_.blocks[h];
    if (h >= l || h == 0 || hb.cold || trivial_[h] || hb.end == hb.first || dup_chain_[h] != 0) {
      continue;
    }
    const Op term = vc_.insts[hb.end - 1].op;
    if (term != Op::kBrCmp && term != Op::kBrTest && term != Op::kBrFcmp) continue;
    if (hb.end - hb.first + (edits_begin_[hb.end] - edits_begin_[hb.first]) > kMaxDupInsts) continue;
    bool simple = true;
    for (uint32_t i = hb.first; i + 1 < hb.end; ++i) {
      const Op op = vc_.insts[i].op;
      simple &= op != Op::kTailCall && op != Op::kRet && op != Op::kBrTable;
    }
    if (!simple) continue;
    auto hs = vc_.succs(h);
    const uint32_t exit = hs[0] == l ? hs[1] : hs[1] == l ? hs[0] : kNoBlock;
    if (exit == kNoBlock || exit == l ||
        (exit != l + 1 && resolved_[exit] != next_real_[l])) {
      continue;
    }
    dup_chain_[h] = 1;
    rotate_latch_[h] = l;
  }
  plan_frame();
}

// Whether block b can run without a frame (see the top of the file). With `spills`, stores of
// registers to spill slots are allowed and listed there instead (the entry's, deferred); with
// `allow_callee_saved`, callee-saved registers (renamed in a frameless chain).
bool Emitter::frame_free(uint32_t b, std::vector<uint32_t>* spills, bool allow_callee_saved) const {
  auto reg_ok = [allow_callee_saved](const Allocation& a) {
    return a.kind == Allocation::Kind::kReg && (allow_callee_saved || !is_callee_saved(a.reg));
  };
  // A memory access that cannot fault (notrap: vmctx fields, the constant pool) through a
  // register, not the frame or stack arguments.
  auto safe_mem = [](const MInst& m) {
    return !(m.flags & kFTrap) &&
           (m.mem.base_kind == Amode::Base::kReg || m.mem.base_kind == Amode::Base::kConst);
  };
  const VBlock& vb = vc_.blocks[b];
  for (uint32_t i = vb.first; i < vb.end; ++i) {
    const MInst& m = vc_.insts[i];
    switch (m.op) {
      case Op::kAluRR:
      case Op::kFAlu:
        if ((m.flags & kFMemSrc) && !safe_mem(m)) return false;
        break;
      case Op::kLoad:
      case Op::kStore:
      case Op::kStoreImm:
        if (!safe_mem(m)) return false;
        break;
      case Op::kBrCmp:
        if (m.flags & kFCmpMem) return false;
        break;
      case Op::kLea:
        if (m.mem.base_kind != Amode::Base::kReg && m.mem.base_kind != Amode::Base::kConst) {
          return false;
        }
        break;
      // Register (or constant-pool) operands only, no trap site, no call.
      case Op::kAluRI: case Op::kImul3: case Op::kUnary: case Op::kAndn: case Op::kShiftRI:
      case Op::kShiftRC: case Op::kShiftX: case Op::kRorx: case Op::kMov: case Op::kImm:
      case Op::kExt: case Op::kCmpSet: case Op::kCmp128Set: case Op::kFCmpSet: case Op::kSelect:
      case Op::kMulWide: case Op::kAddSub128: case Op::kBitCount: case Op::kFAluConst:
      case Op::kFUnary: case Op::kFMinMax: case Op::kFCopysign: case Op::kGprToXmm:
      case Op::kXmmToGpr: case Op::kCvtIntToF: case Op::kCvtU64ToF: case Op::kJump:
      case Op::kBrTest: case Op::kBrFcmp: case Op::kRet: case Op::kVecSplat:
      case Op::kVecExtract: case Op::kVecInsert: case Op::kVecAluImm: case Op::kVecShiftImm:
      case Op::kVecMovMsk: case Op::kFuncAddr:
        break;
      default:
        return false;
    }
    if (!m.stack_args.empty()) return false;
    for (uint32_t k = 0; k < m.ops.size(); ++k) {
      if (!reg_ok(ra_.allocs[inst_first_op_[i] + k])) return false;
    }
  }
  for (uint32_t e = edits_begin_[vb.first]; e < edits_begin_[vb.end]; ++e) {
    const regalloc::Edit& ed = ra_.edits[e];
    if (spills && !ed.is_remat() && ed.to.kind == Allocation::Kind::kStack && reg_ok(ed.from)) {
      spills->push_back(e);
      continue;
    }
    if (!reg_ok(ed.to) || (!ed.is_remat() && !reg_ok(ed.from))) return false;
  }
  return true;
}

// Decides where the frame is set up (see the top of the file): frame_mode_, frameless_,
// framed_succ_, leaf_end_.
void Emitter::plan_frame() {
  const uint32_t nb = static_cast<uint32_t>(vc_.blocks.size());
  frame_mode_ = FrameMode::kAtEntry;
  frameless_.assign(nb, false);
  framed_succ_ = leaf_end_ = kNoBlock;
  if (nb == 0 || !vc_.preds(0).empty()) return;
  bool all = true;
  for (uint32_t b = 0; b < nb && all; ++b) all = frame_free(b);
  if (all) {
    frame_mode_ = FrameMode::kNone;
    frameless_.assign(nb, true);
    return;
  }
  // The entry may spill values (e.g. the vmctx, for after calls): those stores move to the
  // frame setup, where the registers still hold the same values (checked below), and the
  // frameless path never reads the slots.
  deferred_spills_.clear();
  const VBlock& entry = vc_.blocks[0];
  if (!frame_free(0, &deferred_spills_) || entry.end == entry.first) return;
  Op term = vc_.insts[entry.end - 1].op;
  auto succs = vc_.succs(0);
  if ((term != Op::kBrCmp && term != Op::kBrTest && term != Op::kBrFcmp) || succs.size() != 2 ||
      succs[0] == succs[1]) {
    return;
  }
  // The frame setup reads the stack limit through the vmctx register: the entry must not
  // overwrite it.
  const regalloc::PReg vmctx = gpr(vc_.vmctx_reg);
  for (uint32_t i = entry.first; i < entry.end; ++i) {
    const MInst& m = vc_.insts[i];
    for (uint32_t k = 0; k < m.ops.size(); ++k) {
      const Allocation& a = ra_.allocs[inst_first_op_[i] + k];
      if (m.ops[k].kind == regalloc::OperandKind::kDef && a.kind == Allocation::Kind::kReg &&
          a.reg == vmctx) {
        return;
      }
    }
  }
  for (uint32_t e = edits_begin_[entry.first]; e < edits_begin_[entry.end]; ++e) {
    if (ra_.edits[e].to.kind == Allocation::Kind::kReg && ra_.edits[e].to.reg == vmctx) return;
  }
  // A deferred spill's register must not be written after the store, by an edit or by an
  // instruction's definition (an edit before instruction i precedes i's definitions).
  for (uint32_t sp : deferred_spills_) {
    const regalloc::Edit& st = ra_.edits[sp];
    for (uint32_t e = sp + 1; e < edits_begin_[entry.end]; ++e) {
      const Allocation& to = ra_.edits[e].to;
      if (to.kind == Allocation::Kind::kReg && to.reg == st.from.reg) return;
    }
    for (uint32_t i = st.point.inst + (st.point.after ? 1 : 0); i < entry.end; ++i) {
      const MInst& m = vc_.insts[i];
      for (uint32_t k = 0; k < m.ops.size(); ++k) {
        const Allocation& a = ra_.allocs[inst_first_op_[i] + k];
        if (m.ops[k].kind == regalloc::OperandKind::kDef && a.kind == Allocation::Kind::kReg &&
            a.reg == st.from.reg) {
          return;
        }
      }
    }
  }
  // The chain from successor s: frame-free blocks, each reached only from the one before
  // (the first only from the entry), joined by jumps, ending in `ret`. Its last block, or
  // kNoBlock.
  auto leaf_chain = [&](uint32_t s) {
    uint32_t prev = 0, x = s;
    for (uint32_t len = 0; len < kMaxFramelessChain; ++len) {
      auto preds = vc_.preds(x);
      if (x == 0 || preds.size() != 1 || preds[0] != prev) return kNoBlock;
      if (!frame_free(x, nullptr, true)) return kNoBlock;
      const VBlock& xb = vc_.blocks[x];
      if (xb.end == xb.first) return kNoBlock;
      Op op = vc_.insts[xb.end - 1].op;
      if (op == Op::kRet) return x;
      if (op != Op::kJump) return kNoBlock;
      prev = x;
      x = vc_.succs(x)[0];
    }
    return kNoBlock;
  };
  uint32_t leaf0 = leaf_chain(succs[0]), leaf1 = leaf_chain(succs[1]);
  // None, or both (a rare shape; the frame is then set up at entry).
  if ((leaf0 == kNoBlock) == (leaf1 == kNoBlock)) return;
  const uint32_t leaf_start = leaf0 != kNoBlock ? succs[0] : succs[1];
  const uint32_t leaf_end = leaf0 != kNoBlock ? leaf0 : leaf1;
  // Callee-saved registers the chain uses (the allocator's choice for a value that also lives
  // across calls on the framed path) are renamed to caller-saved ones the chain does not
  // mention: they hold nothing on entry to the chain (the entry block did not write them, so
  // the chain writes each before reading it), and at its `ret` only the result registers,
  // which it mentions, are live; its caller expects caller-saved registers to be clobbered.
  uint32_t mentioned = 0, callee = 0;
  auto note = [&](const Allocation& a) {
    if (a.kind != Allocation::Kind::kReg || a.reg.cls != RegClass::kInt) return;
    mentioned |= 1u << a.reg.hw;
    if (is_callee_saved(a.reg)) callee |= 1u << a.reg.hw;
  };
  for (uint32_t x = leaf_start;; x = vc_.succs(x)[0]) {
    const VBlock& xb = vc_.blocks[x];
    for (uint32_t i = xb.first; i < xb.end; ++i) {
      for (uint32_t k = 0; k < vc_.insts[i].ops.size(); ++k) {
        note(ra_.allocs[inst_first_op_[i] + k]);
      }
    }
    for (uint32_t e = edits_begin_[xb.first]; e < edits_begin_[xb.end]; ++e) {
      note(ra_.edits[e].from);
      note(ra_.edits[e].to);
    }
    if (x == leaf_end) break;
  }
  for (uint8_t r = 0; r < 16; ++r) chain_remap_[r] = r;
  static constexpr uint8_t kSpare[] = {reg::kRax, reg::kRcx, reg::kRdx, reg::kRsi,
                                       reg::kRdi, reg::kR8,  reg::kR9,  reg::kR10};
  for (uint8_t r = 0; r < 16; ++r) {
    if (!(callee & (1u << r))) continue;
    uint8_t spare = Opnd::kNoReg;
    for (uint8_t c : kSpare) {
      if (!(mentioned & (1u << c))) {
        spare = c;
        break;
      }
    }
    if (spare == Opnd::kNoReg) return;  // (kAtEntry: nothing was decided yet)
    mentioned |= 1u << spare;
    chain_remap_[r] = spare;
  }
  leaf_end_ = leaf_end;
  framed_succ_ = leaf0 != kNoBlock ? succs[1] : succs[0];
  frame_mode_ = FrameMode::kDeferred;
  frameless_[0] = true;
  for (uint32_t x = leaf_start;; x = vc_.succs(x)[0]) {
    frameless_[x] = true;
    if (x == leaf_end_) break;
  }
}

// The instructions of block b with the allocator's edits, as the main loop emits them.
Expected<void> Emitter::emit_block_insts(uint32_t b) {
  const VBlock& vb = vc_.blocks[b];
  uint32_t e = edits_begin_[vb.first];
  // A frameless chain's blocks (not the entry) use chain_remap_; a copy made inside one ends
  // with the block.
  const bool was_remapping = remapping_;
  remapping_ = frame_mode_ == FrameMode::kDeferred && b != 0 && frameless_[b];
  for (uint32_t i = vb.first; i < vb.end; ++i) {
    first_op_ = inst_first_op_[i];
    while (e < ra_.edits.size() && ra_.edits[e].point.inst == i && !ra_.edits[e].point.after) {
      if (b == 0 && frame_mode_ == FrameMode::kDeferred &&
          std::find(deferred_spills_.begin(), deferred_spills_.end(), e) !=
              deferred_spills_.end()) {
        ++e;  // emitted by place_frame_setup
        continue;
      }
      KILN_TRY(emit_chain_edit(e++));
    }
    bool term = i + 1 == vb.end;
    if (term && b == 0 && frame_mode_ == FrameMode::kDeferred) {
      // The entry's branch: its edge to framed_succ_ leads to the frame setup, which follows
      // at once if the branch falls into that edge.
      uint32_t& label = block_labels_[resolved_[framed_succ_]];
      const uint32_t saved = label;
      label = frame_label_;
      Expected<void> r = emit_inst(i);
      label = saved;
      KILN_TRY(r);
      if (fall_block_ == framed_succ_) KILN_TRY(place_frame_setup());
    } else {
      KILN_TRY(emit_inst(i));
    }
    while (e < ra_.edits.size() && ra_.edits[e].point.inst == i && ra_.edits[e].point.after) {
      if (term) return Error(ErrorKind::kOther, "x64 emit: allocator edit after a terminator");
      if (b == 0 && frame_mode_ == FrameMode::kDeferred &&
          std::find(deferred_spills_.begin(), deferred_spills_.end(), e) !=
              deferred_spills_.end()) {
        ++e;
        continue;
      }
      KILN_TRY(emit_chain_edit(e++));
    }
  }
  remapping_ = was_remapping;
  // Otherwise the setup goes after the frameless chain's `ret`, where nothing falls into it.
  if (b == leaf_end_ && frame_mode_ == FrameMode::kDeferred && !frame_placed_ && !copying_) {
    KILN_TRY(place_frame_setup());
  }
  return ok();
}

// Allocator edit e, with the frameless chain's register renaming when it applies.
Expected<void> Emitter::emit_chain_edit(uint32_t e) {
  if (!remapping_) return emit_edit(ra_.edits[e]);
  regalloc::Edit ed = ra_.edits[e];
  for (Allocation* a : {&ed.from, &ed.to}) {
    if (a->kind == Allocation::Kind::kReg && a->reg.cls == RegClass::kInt) {
      a->reg.hw = chain_remap_[a->reg.hw];
    }
  }
  return emit_edit(ed);
}

// Emits a copy of the dispatch chain starting at block b in place of a jump to it.
Expected<void> Emitter::emit_dispatch_copy(uint32_t b) {
  if (rotate_latch_[b] != kNoBlock) {
    if (cur_block_ != rotate_latch_[b]) {  // another jump to a rotated loop's header
      jmp(block_label(b));
      return ok();
    }
    // Loop rotation: the header's copy ends the latch; as if at the latch's position, its
    // branch goes back to the latch and its exit falls through (fall_block_ says where).
    const uint32_t latch = cur_block_;
    const bool was_copying = copying_;
    cur_block_ = b;
    copy_pos_ = latch;
    copying_ = true;
    fall_block_ = kNoBlock;
    flags_.valid = false;
    Expected<void> r = emit_block_insts(b);
    copying_ = was_copying;
    copy_pos_ = kNoBlock;
    cur_block_ = latch;
    return r;
  }
  uint32_t saved_block = cur_block_;
  uint32_t x = b;
  for (uint32_t k = 0; k < dup_chain_[b]; ++k, x = next_real_[x]) {
    cur_block_ = x;
    fall_block_ = kNoBlock;
    const bool was_copying = copying_;
    copying_ = true;
    Expected<void> r = emit_block_insts(x);
    copying_ = was_copying;
    KILN_TRY(r);
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

Expected<void> Emitter::pass(Assembler& as) {
  as_ = &as;
  block_labels_.clear();
  const_labels_.clear();
  trap_labels_.clear();
  table_labels_.assign(vc_.jump_tables.size(), kNoLabel);
  dup_copies_ = 0;
  traps_.clear();
  inline_frames_.clear();
  relocs_.clear();
  consts_ = vc_.consts;
  for (size_t b = 0; b < vc_.blocks.size(); ++b) block_labels_.push_back(as.new_label());

  prologue();
  bool falls = true;
  for (uint32_t b = 0; b < vc_.blocks.size(); ++b) {
    cur_block_ = b;
    if (loop_header_[b] && !trivial_[b]) {
      as.align_code(kLoopAlign);
      aligned_loops_ = true;
    }
    // Flags set by the previous block's terminator stay known into a block reached only from
    // it when nothing was emitted in between (no frame setup, no padding, no allocator moves:
    // those invalidate them as they are emitted): every path into the block ran that compare.
    const bool keep_flags = b > 0 && !trivial_[b] && as.offset() == prev_block_end_ &&
                            vc_.preds(b).size() == 1 && vc_.preds(b)[0] == b - 1;
    as.bind(block_labels_[b]);
    if (!keep_flags) flags_.valid = false;
    if (trivial_[b] && !falls) continue;
    fall_block_ = kNoBlock;
    KILN_TRY(emit_block_insts(b));
    prev_block_end_ = as.offset();
    // Whether control may run off the end of this block into block b + 1 itself. When it
    // runs on to a later block, the lone jumps in between are skipped.
    falls = fall_block_ == b + 1;
  }
  // Out-of-line trap stubs: one ud2 per trap code used by a conditional trap.
  for (auto& [key, label] : trap_labels_) {
    as.bind(label);
    record_trap(as.offset(), static_cast<ir::TrapCode>(static_cast<uint32_t>(key)),
                static_cast<uint32_t>(key >> 32));
    as.emit(Mn::kUd2);
  }
  code_end_label_ = as.new_label();
  as.bind(code_end_label_);
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
  inst_block_.assign(ni, 0);
  for (uint32_t b = 0; b < nb; ++b) {
    for (uint32_t i = vc_.blocks[b].first; i < vc_.blocks[b].end && i < ni; ++i) inst_block_[i] = b;
  }
  {
    // Bucketed by slot (counting sort, stable: edits are sorted by point).
    const uint32_t ns = ra_.num_spill_slots;
    auto is_store = [&](const regalloc::Edit& ed) {
      return !ed.is_remat() && ed.to.kind == Allocation::Kind::kStack && ed.to.slot < ns &&
             ed.point.inst < ni;
    };
    slot_store_begin_.assign(size_t{ns} + 2, 0);
    for (const auto& ed : ra_.edits) {
      if (is_store(ed)) ++slot_store_begin_[ed.to.slot + 2];
    }
    for (size_t k = 2; k < slot_store_begin_.size(); ++k) slot_store_begin_[k] += slot_store_begin_[k - 1];
    slot_store_pos_.resize(slot_store_begin_.back());
    // Filling advances slot s's cursor, slot_store_begin_[s + 1], from its start to its end,
    // which is where slot s + 1 starts: afterwards slot s is [begin[s], begin[s + 1]).
    for (const auto& ed : ra_.edits) {
      if (is_store(ed)) {
        slot_store_pos_[slot_store_begin_[ed.to.slot + 1]++] = 2 * ed.point.inst + (ed.point.after ? 1 : 0);
      }
    }
  }
  find_dispatch_chains();

  loop_header_.assign(nb, false);
  for (size_t b = 0; b < nb; ++b) {
    const VBlock& vb = vc_.blocks[b];
    if (vb.cold) continue;
    for (uint32_t p : vc_.preds(static_cast<uint32_t>(b))) {
      if (p >= b && !vc_.blocks[p].cold) loop_header_[b] = true;
    }
  }

  // One assembler per thread serves every function (its tables are reused).
  thread_local Assembler as;
  as.reset(opts_.relax_branches);
  KILN_TRY(pass(as));
  mach::CompiledCode out;
  KILN_ASSIGN_OR_RETURN(out.code, as.finish());
  out.code_size = as.label_offset(code_end_label_);
  out.alignment = aligned_loops_ ? kLoopAlign : 16;
  out.relocations = std::move(relocs_);
  for (mach::Relocation& r : out.relocations) r.offset = as.final_offset(r.offset);
  out.traps = std::move(traps_);
  for (mach::TrapSite& t : out.traps) t.offset = as.final_offset(t.offset);
  std::sort(out.traps.begin(), out.traps.end(),
            [](const mach::TrapSite& a, const mach::TrapSite& b) { return a.offset < b.offset; });
  out.inline_frames = std::move(inline_frames_);
  for (mach::InlineFrame& f : out.inline_frames) f.offset = as.final_offset(f.offset);
  std::sort(out.inline_frames.begin(), out.inline_frames.end(),
            [](const mach::InlineFrame& a, const mach::InlineFrame& b) {
              return a.offset != b.offset ? a.offset < b.offset : a.call < b.call;
            });
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
