// codegen/baseline/baseline.cc: the single-pass baseline compiler (see baseline.h, README.md).
//
// Frame of a baseline function (rbp-based, like every compiled frame):
//   [rbp + 16 ...]   incoming stack arguments
//   [rbp + 8]        return address
//   [rbp]            caller's rbp
//   [rbp - 8]        saved r14 (r14 holds the vmctx for the whole function)
//   [rbp - 16]       saved r15 (r15 holds memory 0's base when that memory never moves)
//   [rbp - 24]       the caller's return area pointer (functions with a return area)
//   [rbp - 32]       the fuel variable (with fuel metering)
//   [rbp - 40 - 8k]  local k (parameters first)
//   below            operand stack slot i at [rbp - 40 - 8 * num_locals - 8 * i]
//   [rsp ...]        outgoing stack arguments and the return area of calls
//
// The operand stack is abstract (Liftoff's "cache state"): each entry is a constant, a register
// or its own canonical stack slot. At every branch, label (loop header, else, the end of a
// block something branches to) and call, all entries are in their slots, so every label has the
// same, trivial state; an end reached only by falling through is no label and keeps the state.
// i32 values in registers are always zero-extended to 64 bits (32-bit operations do that), so
// they are valid memory indices and i64.extend_i32_u is free; i32 values in slots are read
// with 32-bit loads, so a slot's upper half never matters.
#include "codegen/baseline/baseline.h"

#include <algorithm>
#include <limits>
#include <string>

#include "codegen/baseline/assembler.h"
#include "codegen/isa/x64/cpu.h"
#include "environ/fuel.h"
#include "environ/func_table.h"
#include "wasm/instr_reader.h"

namespace kiln::codegen::baseline {
namespace {

using environ::BuiltinIndex;
using environ::TrapCode;
using wasm::Opcode;
using namespace gp;

enum class VT : uint8_t { kI32, kI64, kF32, kF64 };
inline bool is_float(VT t) { return t == VT::kF32 || t == VT::kF64; }
inline bool is_wide(VT t) { return t == VT::kI64 || t == VT::kF64; }

constexpr uint32_t kNone = 0xFFFFFFFFu;
constexpr uint8_t kScratch = kR11;   // never allocated; clobbered freely between uses
constexpr uint8_t kVmctx = kR14;     // callee-saved, holds the function's vmctx
constexpr uint8_t kHeapBase = kR15;  // callee-saved, memory 0's base if it never moves
constexpr uint8_t kXScratch = 15;    // xmm15
constexpr uint8_t kXScratch2 = 14;   // xmm14
// Allocatable registers, as bit masks over the hardware numbers (xmm at bit 16 + n).
constexpr uint32_t kGprPool = (1u << kRax) | (1u << kRcx) | (1u << kRdx) | (1u << kRsi) |
                              (1u << kRdi) | (1u << kR8) | (1u << kR9) | (1u << kR10);
constexpr uint32_t kXmmPool = 0x3FFFu << 16;  // xmm0..xmm13
constexpr uint32_t kNumTrapCodes = 32;

struct Entry {
  // kFlags: an i32 comparison result still only in the flags; `reg` holds its Cond.
  enum Loc : uint8_t { kConst, kReg, kStack, kFlags };
  Loc loc = kStack;
  VT type = VT::kI32;
  uint8_t reg = 0;  // hardware number (xmm: 0..15)
  int64_t imm = 0;  // kConst: the value (floats: their bits)
};

struct Label {
  int32_t pos = -1;        // bound offset
  uint32_t head = kNone;   // pending patches (linked through Patch::next)
};

struct Patch {
  uint32_t at;    // offset of the 4-byte displacement
  uint32_t base;  // the displacement is target - base
  uint32_t next;
};

struct Ctrl {
  enum Kind : uint8_t { kBlock, kLoop, kIf, kFunc };
  Kind kind = kBlock;
  bool else_seen = false;
  bool end_reached = false;  // a branch or fallthrough reaches the end label
  uint32_t height = 0;       // stack height below the frame's params
  uint32_t num_params = 0, num_results = 0;
  wasm::BlockType bt;
  Label end, els;
  uint32_t loop_pos = 0;
  // kLoop: the limit checks at the header span [loop_pos, checks_end); a loop nothing branches
  // back to is no loop at all, and its checks are jumped over (as the pipeline checks only the
  // targets of retreating edges).
  uint32_t checks_end = 0;
  bool back_edge = false;
  uint32_t arity() const { return kind == kLoop ? num_params : num_results; }
};

// Where a signature's params and results go (environ/README.md; x64 layout_signature).
struct ArgLoc {
  int8_t reg = -1;     // hardware number (gpr or xmm by type), or -1: on the stack
  int32_t offset = 0;  // stack offset (params) or return-area offset (results)
};
struct SigLayout {
  std::vector<ArgLoc> params, results;
  ArgLoc ret_area_ptr;
  bool has_ret_area = false;
  uint32_t stack_args_size = 0;  // 16-aligned
  uint32_t ret_area_size = 0;    // 16-aligned
};

// Per-thread buffers, reused by every function compiled on the thread.
struct Scratch {
  std::vector<uint8_t> code;
  std::vector<Entry> stack;
  std::vector<Ctrl> ctrls;
  std::vector<Patch> patches;
  std::vector<VT> local_types;
  std::vector<uint8_t> local_cache;  // per local: its cache register (xmm + 16) or kNoCache
  std::vector<environ::TrapSite> traps;
  std::vector<environ::Relocation> relocs;
  std::vector<uint32_t> stubs;
  SigLayout sig, own_sig;
  // CpuFeatures::parse of the last target-feature string seen on this thread.
  bool cpu_valid = false;
  std::string cpu_spec;
  x64::CpuFeatures cpu;
};

// The baseline's value type of `t`; sets `bad` for types it does not compile (v128).
VT vt_of(const wasm::ValType& t, bool& bad) {
  switch (t.kind) {
    case wasm::ValKind::kI32: return VT::kI32;
    case wasm::ValKind::kI64: return VT::kI64;
    case wasm::ValKind::kF32: return VT::kF32;
    case wasm::ValKind::kF64: return VT::kF64;
    case wasm::ValKind::kRef: return VT::kI64;
    default: bad = true; return VT::kI64;
  }
}

void layout_signature(const wasm::FuncType& ft, SigLayout& out, bool& bad) {
  static constexpr uint8_t kIntArgs[] = {kRdx, kRcx, kR8, kR9};  // after rdi, rsi (vmctxs)
  uint32_t next_int = 0, next_float = 0, stack = 0;
  auto place = [&](bool flt) {
    ArgLoc loc;
    if (!flt && next_int < 4) {
      loc.reg = static_cast<int8_t>(kIntArgs[next_int++]);
    } else if (flt && next_float < 8) {
      loc.reg = static_cast<int8_t>(next_float++);
    } else {
      loc.offset = static_cast<int32_t>(stack);
      stack += 8;
    }
    return loc;
  };
  out.params.clear();
  out.results.clear();
  for (const wasm::ValType& t : ft.params) out.params.push_back(place(is_float(vt_of(t, bad))));
  bool int_used = false, float_used = false;
  uint32_t area = 0;
  out.has_ret_area = false;
  for (const wasm::ValType& t : ft.results) {
    ArgLoc loc;
    bool flt = is_float(vt_of(t, bad));
    if (!flt && !int_used) {
      int_used = true;
      loc.reg = kRax;
    } else if (flt && !float_used) {
      float_used = true;
      loc.reg = 0;
    } else {
      loc.offset = static_cast<int32_t>(area);
      area += 8;
      out.has_ret_area = true;
    }
    out.results.push_back(loc);
  }
  out.ret_area_size = (area + 15) / 16 * 16;
  if (out.has_ret_area) out.ret_area_ptr = place(false);
  out.stack_args_size = (stack + 15) / 16 * 16;
}

class FunctionCompiler {
 public:
  FunctionCompiler(const environ::ModuleEnv& env, const x64::CpuFeatures& cpu, Scratch& s)
      : env_(env), m_(env.module), cpu_(cpu), s_(s), a_(s.code), stack_(s.stack), ctrls_(s.ctrls),
        local_cache_(s.local_cache) {}

  // The compiled function, or std::nullopt if it uses something the baseline leaves to the
  // optimizing pipeline.
  Expected<std::optional<environ::CompiledFunction>> compile(environ::DefinedFuncIndex index);

 private:
  // ---- frame
  static constexpr int32_t kRetAreaSlot = -24;
  static constexpr int32_t kFuelSlot = -32;
  int32_t local_off(uint32_t k) const { return -40 - 8 * static_cast<int32_t>(k); }
  int32_t slot_off(uint32_t i) const { return stack_base_ - 8 * static_cast<int32_t>(i); }
  Mem slot(uint32_t i) const { return mem(kRbp, slot_off(i)); }

  // ---- registers
  static uint32_t bit(uint8_t reg, bool flt) { return 1u << (reg + (flt ? 16 : 0)); }
  void set_used(uint8_t r, bool flt) { used_ |= bit(r, flt); }
  void free_reg(uint8_t r, bool flt) {
    used_ &= ~bit(r, flt);
    owner_[r + (flt ? 16 : 0)] = kNone;
  }
  uint8_t alloc(bool flt, uint32_t avoid = 0) {
    uint32_t pool = (flt ? kXmmPool : kGprPool) & ~avoid;
    uint32_t avail = pool & ~used_;
    if (!avail) {
      // Give up a local's cached copy first (its slot is up to date).
      for (uint32_t r = 0; r < 32; ++r) {
        if (reg_local_[r] != kNone && (pool & (1u << r))) {
          drop_cache(reg_local_[r]);
          break;
        }
      }
      avail = pool & ~used_;
    }
    if (!avail) {
      // Spill the lowest stack entry held in a register of this class.
      for (uint32_t i = num_spilled_; i < stack_.size(); ++i) {
        Entry& e = stack_[i];
        if (e.loc == Entry::kReg && is_float(e.type) == flt && (pool & bit(e.reg, flt))) {
          spill(i);
          break;
        }
      }
      avail = pool & ~used_;
      if (!avail) {  // cannot happen: operators hold few registers
        bad_ = true;
        return 0;
      }
    }
    uint32_t b = static_cast<uint32_t>(__builtin_ctz(avail));
    uint8_t r = static_cast<uint8_t>(flt ? b - 16 : b);
    set_used(r, flt);
    return r;
  }
  // Frees `r` for a fixed use: the stack entry holding it goes to its slot.
  void evict(uint8_t r) {
    uint32_t o = owner_[r];
    if (o != kNone) spill(o);
    if (reg_local_[r] != kNone) drop_cache(reg_local_[r]);
  }
  // After a label or a call: no register holds anything (locals are in their slots).
  void reset_regs() {
    for (uint32_t r = 0; r < 32; ++r) {
      if (reg_local_[r] != kNone) local_cache_[reg_local_[r]] = kNoCache;
    }
    std::fill(std::begin(reg_local_), std::end(reg_local_), kNone);
    std::fill(std::begin(owner_), std::end(owner_), kNone);
    used_ = 0;
  }

  // ---- locals cached in registers. A local's slot is always up to date (local.set writes
  // through); a cached local also has its value in a register, which local.get copies. Caches
  // are dropped at labels (the paths meeting there may differ) and calls, and are the first
  // registers given up under pressure.
  static constexpr uint8_t kNoCache = 0xFF;
  void drop_cache(uint32_t k) {
    uint8_t c = local_cache_[k];
    if (c == kNoCache) return;
    reg_local_[c] = kNone;
    used_ &= ~(1u << c);
    local_cache_[k] = kNoCache;
  }
  // Register `r` (hardware number, xmm + 16) becomes local k's cache.
  void set_cache(uint32_t k, uint8_t r) {
    drop_cache(k);
    local_cache_[k] = r;
    reg_local_[r] = k;
    used_ |= 1u << r;
  }
  void drop_all_caches() {
    for (uint32_t r = 0; r < 32; ++r) {
      if (reg_local_[r] != kNone) drop_cache(reg_local_[r]);
    }
  }

  // ---- the abstract stack
  void push_reg(VT t, uint8_t r) {
    bool flt = is_float(t);
    owner_[r + (flt ? 16 : 0)] = static_cast<uint32_t>(stack_.size());
    set_used(r, flt);
    stack_.push_back({Entry::kReg, t, r, 0});
    note_height();
  }
  void push_const(VT t, int64_t v) {
    stack_.push_back({Entry::kConst, t, 0, v});
    note_height();
  }
  void push_stack(VT t) {
    stack_.push_back({Entry::kStack, t, 0, 0});
    note_height();
  }
  void note_height() {
    if (stack_.size() > max_height_) max_height_ = static_cast<uint32_t>(stack_.size());
  }
  // Pops the top entry; a register it held stays marked used (the operator frees or reuses it).
  Entry pop() {
    Entry e = stack_.back();
    stack_.pop_back();
    if (e.loc == Entry::kReg) owner_[e.reg + (is_float(e.type) ? 16 : 0)] = kNone;
    if (num_spilled_ > stack_.size()) num_spilled_ = static_cast<uint32_t>(stack_.size());
    return e;
  }
  // Loads a popped entry into a register it owns (allocated unless already there).
  uint8_t to_reg(const Entry& e, uint32_t index, uint32_t avoid = 0) {
    bool flt = is_float(e.type);
    if (e.loc == Entry::kReg) {
      if (!(bit(e.reg, flt) & avoid)) return e.reg;
      uint8_t r = alloc(flt, avoid);
      if (flt) a_.movaps(r, e.reg); else a_.mov_rr(true, r, e.reg);
      free_reg(e.reg, flt);
      return r;
    }
    uint8_t r = alloc(flt, avoid);
    if (e.loc == Entry::kConst) {
      materialize(e, r);
    } else if (flt) {
      a_.movs_rm(e.type == VT::kF64, r, slot(index));
    } else {
      a_.mov_rm(e.type == VT::kI64, r, slot(index));
    }
    return r;
  }
  void materialize(const Entry& e, uint8_t r) {
    if (!is_float(e.type)) {
      a_.mov_ri(e.type == VT::kI64, r, e.imm);
    } else if (e.imm == 0) {
      a_.logic_ps(0x57, r, r);
    } else {
      a_.mov_ri(e.type == VT::kF64, kScratch, e.imm);
      a_.movq_xr(e.type == VT::kF64, r, kScratch);
    }
  }
  uint8_t pop_reg(uint32_t avoid = 0) {
    uint32_t index = static_cast<uint32_t>(stack_.size() - 1);
    Entry e = pop();
    return to_reg(e, index, avoid);
  }
  // Stores entry `i` into its slot.
  void spill(uint32_t i) {
    Entry& e = stack_[i];
    if (e.loc == Entry::kStack) return;
    if (e.loc == Entry::kReg) {
      if (is_float(e.type)) {
        a_.movs_mr(e.type == VT::kF64, slot(i), e.reg);
      } else {
        a_.mov_mr(true, slot(i), e.reg);
      }
      free_reg(e.reg, is_float(e.type));
    } else {
      store_const(slot(i), e.type, e.imm);
    }
    e.loc = Entry::kStack;
  }
  void store_const(const Mem& m, VT t, int64_t v) {
    if (!is_wide(t)) {
      a_.mov_mi(false, m, static_cast<int32_t>(v));
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      a_.mov_mi(true, m, static_cast<int32_t>(v));
    } else {
      a_.mov_ri(true, kScratch, v);
      a_.mov_mr(true, m, kScratch);
    }
  }
  void spill_all() {
    for (uint32_t i = num_spilled_; i < stack_.size(); ++i) spill(i);
    num_spilled_ = static_cast<uint32_t>(stack_.size());
  }
  // Copies entry `i` (anywhere) to slot `dst`.
  void move_to_slot(uint32_t i, uint32_t dst) {
    const Entry& e = stack_[i];
    if (e.loc == Entry::kConst) {
      store_const(slot(dst), e.type, e.imm);
    } else if (e.loc == Entry::kReg) {
      if (is_float(e.type)) a_.movs_mr(e.type == VT::kF64, slot(dst), e.reg);
      else a_.mov_mr(true, slot(dst), e.reg);
    } else if (i != dst) {
      if (is_float(e.type)) {
        a_.movs_rm(e.type == VT::kF64, kXScratch, slot(i));
        a_.movs_mr(e.type == VT::kF64, slot(dst), kXScratch);
      } else {
        a_.mov_rm(true, kScratch, slot(i));
        a_.mov_mr(true, slot(dst), kScratch);
      }
    }
  }

  // ---- labels and traps
  void patch_or_bind(Label& l, uint32_t at, uint32_t base) {
    if (l.pos >= 0) {
      a_.patch32(at, l.pos - static_cast<int32_t>(base));
    } else {
      s_.patches.push_back({at, base, l.head});
      l.head = static_cast<uint32_t>(s_.patches.size() - 1);
    }
  }
  void jmp(Label& l) { uint32_t at = a_.jmp32(); patch_or_bind(l, at, at + 4); }
  void jcc(Cond c, Label& l) { uint32_t at = a_.jcc32(c); patch_or_bind(l, at, at + 4); }
  void bind(Label& l) {
    l.pos = static_cast<int32_t>(a_.offset());
    for (uint32_t p = l.head; p != kNone; p = s_.patches[p].next) {
      a_.patch32(s_.patches[p].at, l.pos - static_cast<int32_t>(s_.patches[p].base));
    }
    l.head = kNone;
  }
  Label& trap_label(TrapCode c) { return trap_labels_[static_cast<uint32_t>(c)]; }
  void trap_if(Cond c, TrapCode code) { jcc(c, trap_label(code)); }
  void trap_site(uint32_t offset, TrapCode code) { s_.traps.push_back({offset, code}); }

  // ---- control
  void block_sig(const wasm::BlockType& bt, uint32_t* np, uint32_t* nr) const {
    *np = *nr = 0;
    if (bt.kind == wasm::BlockType::Kind::kValue) {
      *nr = 1;
    } else if (bt.kind == wasm::BlockType::Kind::kIndex) {
      const wasm::FuncType& ft = m_.func_type(bt.index);
      *np = static_cast<uint32_t>(ft.params.size());
      *nr = static_cast<uint32_t>(ft.results.size());
    }
  }
  VT result_type(const Ctrl& c, uint32_t k) {
    if (c.kind == Ctrl::kFunc) return vt(func_type_->results[k]);
    if (c.bt.kind == wasm::BlockType::Kind::kValue) return vt(c.bt.value);
    return vt(m_.func_type(c.bt.index).results[k]);
  }
  VT param_type(const Ctrl& c, uint32_t k) {
    return vt(m_.func_type(c.bt.index).params[k]);
  }
  bool needs_moves(const Ctrl& c) const {
    uint32_t n = c.arity();
    return n && stack_.size() - n != c.height;
  }
  // With everything spilled: moves the branch values of `c` into place.
  void branch_moves(const Ctrl& c) {
    uint32_t n = c.arity();
    uint32_t src = static_cast<uint32_t>(stack_.size()) - n;
    for (uint32_t k = 0; k < n; ++k) move_to_slot(src + k, c.height + k);
  }
  // An unconditional branch to `depth` (everything spilled).
  void branch_to(uint32_t depth) {
    Ctrl& c = ctrls_[ctrls_.size() - 1 - depth];
    if (c.kind == Ctrl::kFunc) {
      emit_return();
      return;
    }
    branch_moves(c);
    if (c.kind == Ctrl::kLoop) {
      c.back_edge = true;
      uint32_t at = a_.jmp32();
      a_.bind32(at, c.loop_pos);
    } else {
      c.end_reached = true;
      jmp(c.end);
    }
  }
  void emit_return();
  void epilogue();
  void op_block(Opcode op, const wasm::Imm& imm, int fused_cond = -1);
  void push_flags(Cond c) {
    stack_.push_back({Entry::kFlags, VT::kI32, static_cast<uint8_t>(c), 0});
    note_height();
    flags_pending_ = true;
  }
  void materialize_flags() {
    flags_pending_ = false;
    uint32_t i = static_cast<uint32_t>(stack_.size() - 1);
    Cond c = static_cast<Cond>(stack_[i].reg);
    uint8_t r = alloc(false);  // may spill: stores leave the flags alone
    a_.setcc(c, r);
    a_.movzx8_rr(false, r, r);
    stack_[i].loc = Entry::kReg;
    stack_[i].reg = r;
    owner_[r] = i;
  }
  void op_else();
  void op_end();
  void op_br_if(uint32_t depth, bool on_zero);
  void branch_if(Cond taken, uint32_t depth);
  void op_br_table(const wasm::Imm& imm);
  void epoch_check();
  // ---- fuel (translate/fuel_epoch.h: the same costs, charged, stored, reloaded and checked at
  // the same points as the translator and the pipeline do). The fuel variable lives in
  // [rbp + kFuelSlot]; moves to and from the store go through xmm15 and r11 and, like the
  // additions (lea), leave the flags alone.
  void fuel_load() {
    a_.mov_rm(true, kScratch, mem(kVmctx, static_cast<int32_t>(environ::VMOffsets::store_context())));
    a_.movs_rm(true, kXScratch, mem(kScratch, static_cast<int32_t>(environ::VMStoreContextLayout::fuel_consumed())));
    a_.movs_mr(true, mem(kRbp, kFuelSlot), kXScratch);
  }
  void fuel_save() {
    a_.mov_rm(true, kScratch, mem(kVmctx, static_cast<int32_t>(environ::VMOffsets::store_context())));
    a_.movs_rm(true, kXScratch, mem(kRbp, kFuelSlot));
    a_.movs_mr(true, mem(kScratch, static_cast<int32_t>(environ::VMStoreContextLayout::fuel_consumed())), kXScratch);
  }
  void fuel_flush() {
    while (pending_fuel_ > 0) {
      int32_t n = static_cast<int32_t>(std::min<uint64_t>(pending_fuel_, INT32_MAX));
      a_.mov_rm(true, kScratch, mem(kRbp, kFuelSlot));
      a_.lea(kScratch, mem(kScratch, n));
      a_.mov_mr(true, mem(kRbp, kFuelSlot), kScratch);
      pending_fuel_ -= static_cast<uint64_t>(n);
    }
  }
  // fuel >= 0: the preserve-all out_of_gas refuels the store or traps OutOfFuel.
  void fuel_check() {
    a_.alu_mi(true, Alu::kCmp, mem(kRbp, kFuelSlot), 0);
    uint32_t ok = a_.jcc8(Cond::kL);
    fuel_save();
    a_.mov_rr(true, kRdi, kVmctx);  // rdi holds no value at entry and loop headers
    a_.mov_rm(true, kScratch, mem(kVmctx, static_cast<int32_t>(environ::VMOffsets::builtins())));
    a_.call_m(mem(kScratch, static_cast<int32_t>(BuiltinIndex::kOutOfGasPreserveAll) * 8));
    fuel_load();
    a_.bind8(ok);
  }
  void fuel_before(Opcode op);

  // ---- operators
  void op(Opcode op, const wasm::Imm& imm);
  void int_binop(Alu alu, bool w);
  void int_mul(bool w);
  void int_shift(Shift s, bool w);
  void int_divrem(bool w, bool is_signed, bool rem);
  void int_cmp(Cond c, bool w);
  void int_unop_count(Opcode op, bool w);
  void float_binop(uint8_t sse_op, bool dbl);
  void float_minmax(bool is_min, bool dbl);
  void float_cmp(Opcode op, bool dbl);
  void float_sign(Opcode op, bool dbl);
  void float_round(uint8_t mode, bool dbl);
  void load_fconst(bool dbl, double v, uint8_t x);
  // With tunables.nan_canonicalization: a NaN result of arithmetic, rounding, min/max,
  // promotion or demotion becomes the canonical NaN (translate/nan_canonicalize.h).
  void canon_nan(uint8_t x, bool dbl) {
    if (!env_.options.tunables.nan_canonicalization) return;
    a_.ucomis(dbl, x, x);
    uint32_t ordered = a_.jcc8(Cond::kNp);
    a_.mov_ri(dbl, kScratch, dbl ? 0x7FF8000000000000ll : 0x7FC00000ll);
    a_.movq_xr(dbl, x, kScratch);
    a_.bind8(ordered);
  }
  void trunc(bool dbl, bool w, bool is_signed, bool sat);
  void convert_int(bool dbl, bool w, bool is_signed);
  void load(const wasm::Imm& imm, VT t, uint32_t size, bool sign);
  void store(const wasm::Imm& imm, uint32_t size);
  Mem heap_address(const wasm::Memarg& ma, uint8_t idx, uint32_t size);
  void memory_def(uint32_t mem, uint32_t field, Mem* out);
  void table_def(uint32_t table, uint32_t field, Mem* out);
  void global_get(uint32_t g);
  void global_set(uint32_t g);
  void local_set(uint32_t k, bool tee);
  void select();
  void call(uint32_t func);
  void call_indirect(uint32_t type_index, uint32_t table);
  void call_ref(uint32_t type_index);
  void indirect_callee(uint32_t type_index, uint32_t table);
  void ref_callee();
  void tail_call_args(const wasm::FuncType& ft);
  void tail_leave();
  void return_call(uint32_t func);
  void return_call_in_rax(uint32_t type_index);
  void call_with_callee_in_rax(uint32_t type_index);
  // Loads the arguments of a call laid out in s_.sig from the (spilled) entries from `first`.
  void setup_args(uint32_t first);
  void finish_call(const wasm::FuncType& ft);
  // Builtin call arguments: a stack entry (already in its slot) or an immediate.
  struct BArg {
    bool is_slot;
    uint32_t slot;  // index of the stack entry
    int64_t imm;
  };
  void call_builtin(BuiltinIndex b, std::initializer_list<BArg> args);
  // A bulk-memory/table operator: everything spilled, the builtin called, its `consumed`
  // operands popped.
  void builtin_op(BuiltinIndex b, std::initializer_list<BArg> args, uint32_t consumed) {
    spill_all();
    call_builtin(b, args);
    for (uint32_t k = 0; k < consumed; ++k) pop();
  }
  BArg sarg(uint32_t from_top) const {
    return {true, static_cast<uint32_t>(stack_.size() - 1 - from_top), 0};
  }
  static BArg iarg(int64_t v) { return {false, 0, v}; }
  void table_get(uint32_t table);
  void table_set(uint32_t table);
  void table_elem_check(uint32_t table, uint8_t idx, TrapCode code);

  const environ::ModuleEnv& env_;
  const wasm::Module& m_;
  const x64::CpuFeatures& cpu_;
  Scratch& s_;
  Assembler a_;
  std::vector<Entry>& stack_;
  std::vector<Ctrl>& ctrls_;
  std::vector<uint8_t>& local_cache_;
  VT vt(const wasm::ValType& t) { return vt_of(t, bad_); }
  void layout(const wasm::FuncType& ft, SigLayout& out) { layout_signature(ft, out, bad_); }

  const wasm::FuncType* func_type_ = nullptr;
  bool bad_ = false;  // the function uses something the baseline does not compile
  bool heap_base_cached_ = false;  // r15 holds memory 0's base
  bool fuel_ = false;              // tunables.consume_fuel
  uint64_t pending_fuel_ = 0;      // cost of the operators since the last flush
  // The top stack entry is a comparison whose result is still only in the flags (Entry::kFlags):
  // br_if and if branch on them directly; any other operator first materialises it.
  bool flags_pending_ = false;
  uint32_t num_locals_ = 0;
  int32_t stack_base_ = 0;
  uint32_t max_height_ = 0;
  uint32_t outgoing_ = 0;  // bytes of outgoing arguments and return areas
  uint32_t num_spilled_ = 0;
  uint32_t used_ = 0;
  uint32_t owner_[32];      // the stack entry a register holds, or kNone
  uint32_t reg_local_[32];  // the local a register caches, or kNone
  Label trap_labels_[kNumTrapCodes];
  bool reachable_ = true;
};

// ---------------------------------------------------------------------------------------------

Expected<std::optional<environ::CompiledFunction>> FunctionCompiler::compile(environ::DefinedFuncIndex index) {
  uint32_t func = environ::func_of(m_, index).index();
  func_type_ = &m_.func_sig(func);
  const wasm::FuncBody& body = m_.bodies[index.index()];
  stack_.clear();
  ctrls_.clear();
  s_.patches.clear();
  s_.traps.clear();
  s_.relocs.clear();
  std::fill(std::begin(owner_), std::end(owner_), kNone);
  std::fill(std::begin(reg_local_), std::end(reg_local_), kNone);

  // Locals: parameters, then the declared locals.
  s_.local_types.clear();
  for (const wasm::ValType& t : func_type_->params) s_.local_types.push_back(vt(t));
  for (const wasm::Local& l : body.locals) {
    VT t = vt(l.type);
    s_.local_types.insert(s_.local_types.end(), l.count, t);
  }
  num_locals_ = static_cast<uint32_t>(s_.local_types.size());
  local_cache_.assign(num_locals_, kNoCache);
  SigLayout& own = s_.own_sig;
  layout(*func_type_, own);
  if (bad_) return std::optional<environ::CompiledFunction>{};
  stack_base_ = -40 - 8 * static_cast<int32_t>(num_locals_);

  // Prologue: frame pointer, vmctx in r14, the frame, then the stack-limit check.
  a_.push(kRbp);
  a_.mov_rr(true, kRbp, kRsp);
  a_.push(kVmctx);
  a_.push(kHeapBase);
  a_.mov_rr(true, kVmctx, kRdi);
  a_.op_rr(Pfx::kNone, true, 0x81, 5, kRsp);  // sub rsp, imm32 (the frame size, patched)
  uint32_t frame_patch = a_.offset();
  a_.u32(0);
  a_.mov_rm(true, kScratch, mem(kVmctx, static_cast<int32_t>(environ::VMOffsets::store_context())));
  a_.alu_rm(true, Alu::kCmp, kRsp,
            mem(kScratch, static_cast<int32_t>(environ::VMStoreContextLayout::stack_limit())));
  trap_if(Cond::kB, TrapCode::kStackOverflow);
  // A static memory's base never changes (growth stays in its reservation): memory 0's is
  // loaded once, here.
  heap_base_cached_ = !m_.memory_types.empty() &&
                      environ::memory_style(m_.memory_types[0], env_.options.tunables) ==
                          environ::MemoryStyle::kStatic;
  if (heap_base_cached_) {
    Mem base;
    memory_def(0, environ::VMMemoryDefinitionLayout::base(), &base);
    a_.mov_rm(true, kHeapBase, base);
  }

  // Parameters to their local slots.
  for (uint32_t k = 0; k < own.params.size(); ++k) {
    VT t = s_.local_types[k];
    const ArgLoc& l = own.params[k];
    Mem dst = mem(kRbp, local_off(k));
    if (is_float(t)) {
      bool dbl = t == VT::kF64;
      if (l.reg >= 0) {
        a_.movs_mr(dbl, dst, static_cast<uint8_t>(l.reg));
      } else {
        a_.movs_rm(dbl, kXScratch, mem(kRbp, 16 + l.offset));
        a_.movs_mr(dbl, dst, kXScratch);
      }
    } else if (l.reg >= 0) {
      a_.mov_mr(t == VT::kI64, dst, static_cast<uint8_t>(l.reg));
    } else {
      a_.mov_rm(t == VT::kI64, kScratch, mem(kRbp, 16 + l.offset));
      a_.mov_mr(t == VT::kI64, dst, kScratch);
    }
  }
  if (own.has_ret_area) {
    if (own.ret_area_ptr.reg >= 0) {
      a_.mov_mr(true, mem(kRbp, kRetAreaSlot), static_cast<uint8_t>(own.ret_area_ptr.reg));
    } else {
      a_.mov_rm(true, kScratch, mem(kRbp, 16 + own.ret_area_ptr.offset));
      a_.mov_mr(true, mem(kRbp, kRetAreaSlot), kScratch);
    }
  }
  // Declared locals start at zero.
  uint32_t first = static_cast<uint32_t>(func_type_->params.size());
  uint32_t n = num_locals_ - first;
  if (n > 0 && n <= 16) {
    a_.alu_rr(false, Alu::kXor, kRax, kRax);
    for (uint32_t k = first; k < num_locals_; ++k) a_.mov_mr(true, mem(kRbp, local_off(k)), kRax);
  } else if (n > 16) {
    a_.lea(kRdi, mem(kRbp, local_off(num_locals_ - 1)));
    a_.mov_ri(false, kRcx, n);
    a_.alu_rr(false, Alu::kXor, kRax, kRax);
    a_.rep_stosq();
  }
  // Parameters that arrived in allocatable registers stay cached there (rep stos clobbered
  // rcx). i32 params are zero-extended first: callers leave the upper half undefined.
  for (uint32_t k = 0; k < own.params.size(); ++k) {
    int8_t r = own.params[k].reg;
    if (r < 0) continue;
    VT t = s_.local_types[k];
    if (is_float(t)) {
      set_cache(k, static_cast<uint8_t>(16 + r));
    } else if (!(n > 16 && r == kRcx)) {
      if (t == VT::kI32) a_.mov_rr(false, static_cast<uint8_t>(r), static_cast<uint8_t>(r));
      set_cache(k, static_cast<uint8_t>(r));
    }
  }
  fuel_ = env_.options.tunables.consume_fuel;
  pending_fuel_ = 0;
  if (fuel_) {
    fuel_load();
    fuel_check();
  }
  if (env_.options.tunables.epoch_interruption) epoch_check();

  Ctrl fn;
  fn.kind = Ctrl::kFunc;
  fn.num_results = static_cast<uint32_t>(func_type_->results.size());
  ctrls_.push_back(fn);

  wasm::InstrReader reader(m_.at(body.code), m_.at(body.code) + body.code.size, body.code.offset,
                           env_.features);
  wasm::Opcode op;
  wasm::Imm imm;
  uint32_t unreachable_depth = 0;
  while (!ctrls_.empty()) {
    if (reader.at_end()) return Error(ErrorKind::kOther, "baseline: function body ends early");
    KILN_TRY(reader.next(&op, &imm));
    if (!reachable_) {
      switch (op) {
        case Opcode::kBlock:
        case Opcode::kLoop:
        case Opcode::kIf:
        case Opcode::kTry:
        case Opcode::kTryTable: ++unreachable_depth; break;
        case Opcode::kElse:
          if (unreachable_depth == 0) op_else();
          break;
        case Opcode::kEnd:
          if (unreachable_depth == 0) op_end();
          else --unreachable_depth;
          break;
        default: break;
      }
      continue;
    }
    if (fuel_) fuel_before(op);
    this->op(op, imm);
    if (bad_) return std::optional<environ::CompiledFunction>{};
    if (fuel_) {
      if (!reachable_) {
        pending_fuel_ = 0;
      } else if (op == Opcode::kCall || op == Opcode::kCallIndirect || op == Opcode::kCallRef) {
        fuel_load();  // the callee charged its own fuel in the store
      }
    }
  }

  // Trap stubs, after the body: one ud2 per trap code used.
  for (uint32_t c = 0; c < kNumTrapCodes; ++c) {
    Label& l = trap_labels_[c];
    if (l.head == kNone) continue;
    bind(l);
    trap_site(a_.offset(), static_cast<TrapCode>(c));
    a_.ud2();
  }
  uint32_t below = 32 + 8 * num_locals_ + 8 * max_height_ + outgoing_;
  below = (below + 15) / 16 * 16;
  a_.patch32(frame_patch, static_cast<int32_t>(below - 16));
  environ::CompiledFunction out;
  out.code.assign(s_.code.begin(), s_.code.begin() + a_.size());
  out.relocations = s_.relocs;
  out.traps = s_.traps;
  return std::optional<environ::CompiledFunction>(std::move(out));
}

void FunctionCompiler::epoch_check() {
  // if [[vmctx + epoch_counter]] >= [vmctx + epoch_deadline]: call the preserve-all new_epoch.
  a_.mov_rm(true, kScratch, mem(kVmctx, static_cast<int32_t>(environ::VMOffsets::epoch_counter())));
  a_.mov_rm(true, kScratch, mem(kScratch, 0));
  a_.alu_rm(true, Alu::kCmp, kScratch, mem(kVmctx, static_cast<int32_t>(environ::VMOffsets::epoch_deadline())));
  uint32_t skip = a_.jcc8(Cond::kB);
  // Everything is in its slot here (function entry, loop headers); the builtin preserves all
  // registers but rax anyway.
  a_.mov_rr(true, kRdi, kVmctx);
  a_.mov_rm(true, kScratch, mem(kVmctx, static_cast<int32_t>(environ::VMOffsets::builtins())));
  a_.call_m(mem(kScratch, static_cast<int32_t>(BuiltinIndex::kNewEpochPreserveAll) * 8));
  a_.bind8(skip);
}

// The costing and basic-block ends both compilers charge by (environ/fuel.h).
void FunctionCompiler::fuel_before(Opcode op) {
  pending_fuel_ += environ::fuel_cost(op);
  if (environ::fuel_ends_block(op)) fuel_flush();
  if (environ::fuel_leaves_function(op)) fuel_save();
}

void FunctionCompiler::emit_return() {
  // The pending cost was flushed by the operator that got here (return, end, a branch).
  if (fuel_) fuel_save();
  const SigLayout& own = s_.own_sig;
  uint32_t n = static_cast<uint32_t>(own.results.size());
  if (n == 1 && stack_.back().loc != Entry::kStack) {
    // One result in a register or a constant: straight into rax / xmm0 (the abstract state
    // is left as is: a conditional return's fallthrough path continues from it).
    const Entry& e = stack_.back();
    if (e.loc == Entry::kConst) {
      materialize(e, is_float(e.type) ? 0 : kRax);
    } else if (is_float(e.type)) {
      if (e.reg != 0) a_.movaps(0, e.reg);
    } else if (e.reg != kRax) {
      a_.mov_rr(true, kRax, e.reg);
    }
    epilogue();
    return;
  }
  spill_all();
  uint32_t first = static_cast<uint32_t>(stack_.size()) - n;
  if (own.has_ret_area) {
    a_.mov_rm(true, kScratch, mem(kRbp, kRetAreaSlot));
    for (uint32_t k = 0; k < n; ++k) {
      if (own.results[k].reg >= 0) continue;
      VT t = stack_[first + k].type;
      Mem dst = mem(kScratch, own.results[k].offset);
      if (is_float(t)) {
        a_.movs_rm(t == VT::kF64, kXScratch, slot(first + k));
        a_.movs_mr(t == VT::kF64, dst, kXScratch);
      } else {
        a_.mov_rm(t == VT::kI64, kRax, slot(first + k));
        a_.mov_mr(true, dst, kRax);
      }
    }
  }
  for (uint32_t k = 0; k < n; ++k) {
    if (own.results[k].reg < 0) continue;
    VT t = stack_[first + k].type;
    if (is_float(t)) a_.movs_rm(t == VT::kF64, 0, slot(first + k));
    else a_.mov_rm(t == VT::kI64, kRax, slot(first + k));
  }
  epilogue();
}

void FunctionCompiler::epilogue() {
  a_.mov_rm(true, kVmctx, mem(kRbp, -8));
  a_.mov_rm(true, kHeapBase, mem(kRbp, -16));
  a_.ensure();
  a_.byte(0xC9);  // leave
  a_.ret();
}

// ---- control flow

void FunctionCompiler::op_block(Opcode op, const wasm::Imm& imm, int fused_cond) {
  Ctrl c;
  c.bt = imm.block;
  block_sig(imm.block, &c.num_params, &c.num_results);
  uint8_t cond = 0;
  if (op == Opcode::kIf && fused_cond < 0) cond = pop_reg();
  // A loop header and an if's else arm are labels: everything goes to its slot. A block's
  // entry is no label (every branch to its end spills first), so values stay where they are.
  if (op != Opcode::kBlock) spill_all();
  c.height = static_cast<uint32_t>(stack_.size()) - c.num_params;
  if (op == Opcode::kLoop) {
    c.kind = Ctrl::kLoop;
    drop_all_caches();  // the header is a label: back edges arrive from other states
    c.loop_pos = a_.offset();
    if (env_.options.tunables.epoch_interruption) epoch_check();
    if (fuel_) fuel_check();
    c.checks_end = a_.offset();
  } else if (op == Opcode::kIf) {
    c.kind = Ctrl::kIf;
    Cond taken = Cond::kNe;
    if (fused_cond >= 0) {
      taken = static_cast<Cond>(fused_cond);
    } else {
      a_.test_rr(false, cond, cond);
      free_reg(cond, false);
    }
    jcc(negate(taken), c.els);
  } else {
    c.kind = Ctrl::kBlock;
  }
  ctrls_.push_back(c);
}

void FunctionCompiler::op_else() {
  Ctrl& c = ctrls_.back();
  if (reachable_) {
    spill_all();
    c.end_reached = true;
    jmp(c.end);
  }
  c.else_seen = true;
  bind(c.els);
  // The else arm starts from the if's params, in their slots.
  while (stack_.size() > c.height) pop();
  for (uint32_t k = 0; k < c.num_params; ++k) push_stack(param_type(c, k));
  num_spilled_ = static_cast<uint32_t>(stack_.size());
  reset_regs();
  reachable_ = true;
}

void FunctionCompiler::op_end() {
  Ctrl& c = ctrls_.back();
  if (c.kind == Ctrl::kLoop && !c.back_edge && c.checks_end > c.loop_pos) {
    // Not a loop after all: jump over its header's checks (every check is longer than a jmp).
    uint32_t skip = c.checks_end - c.loop_pos;
    uint8_t* p = a_.data() + c.loop_pos;
    if (skip - 2 <= 127) {
      p[0] = 0xEB;
      p[1] = static_cast<uint8_t>(skip - 2);
    } else {
      p[0] = 0xE9;
      a_.patch32(c.loop_pos + 1, static_cast<int32_t>(skip - 5));
    }
  }
  if (c.kind == Ctrl::kFunc) {
    if (reachable_) emit_return();
    ctrls_.pop_back();
    return;
  }
  if (reachable_ && (c.kind == Ctrl::kLoop || (c.kind == Ctrl::kBlock && !c.end_reached) ||
                     (c.kind == Ctrl::kIf && c.else_seen && !c.end_reached))) {
    // Reached only by falling through (a loop's end, a block no branch targets, an else arm
    // when nothing else reaches the end): not a merge, so values and caches stay as they are.
    ctrls_.pop_back();
    return;
  }
  if (reachable_) {
    spill_all();
    c.end_reached = true;
  }
  if (c.kind == Ctrl::kIf && !c.else_seen) {
    // The false path skips straight here with the params, which are the results.
    bind(c.els);
    c.end_reached = true;
  }
  bind(c.end);
  bool reached = c.kind == Ctrl::kLoop ? reachable_ : c.end_reached;
  while (stack_.size() > c.height) pop();
  for (uint32_t k = 0; k < c.num_results; ++k) push_stack(result_type(c, k));
  num_spilled_ = static_cast<uint32_t>(stack_.size());
  reset_regs();
  ctrls_.pop_back();
  reachable_ = reached;
}

void FunctionCompiler::op_br_if(uint32_t depth, bool on_zero) {
  uint8_t cond = pop_reg();
  spill_all();
  a_.test_rr(false, cond, cond);
  free_reg(cond, false);
  branch_if(on_zero ? Cond::kE : Cond::kNe, depth);
}

// With everything spilled and the flags set: branches to `depth` if `taken` holds.
void FunctionCompiler::branch_if(Cond taken, uint32_t depth) {
  Ctrl& c = ctrls_[ctrls_.size() - 1 - depth];
  if (c.kind == Ctrl::kLoop && !needs_moves(c)) {
    c.back_edge = true;
    uint32_t at = a_.jcc32(taken);
    a_.bind32(at, c.loop_pos);
  } else if (c.kind != Ctrl::kLoop && c.kind != Ctrl::kFunc && !needs_moves(c)) {
    c.end_reached = true;
    jcc(taken, c.end);
  } else {
    uint32_t skip = a_.jcc32(negate(taken));
    branch_to(depth);
    a_.bind32(skip, a_.offset());
  }
}

void FunctionCompiler::op_br_table(const wasm::Imm& imm) {
  uint8_t idx = pop_reg();
  spill_all();
  uint32_t n = imm.num_targets;
  // The targets are copied: the reader's storage is reused by the next instruction only.
  const uint32_t* targets = imm.targets;
  Label dflt;
  if (n > 0) {
    a_.alu_ri(false, Alu::kCmp, idx, static_cast<int32_t>(n));
    jcc(Cond::kAe, dflt);
    // lea r11, [rip + table]; movsxd idx, [r11 + idx*4]; add idx, r11; jmp idx
    a_.lea(kScratch, rip(0));
    uint32_t lea_end = a_.offset();
    a_.movsxd_rm(idx, mem(kScratch, idx, 2, 0));
    a_.alu_rr(true, Alu::kAdd, idx, kScratch);
    a_.jmp_r(idx);
    uint32_t table = a_.offset();
    a_.patch32(lea_end - 4, static_cast<int32_t>(table - lea_end));
    a_.ensure(4 * n);
    for (uint32_t k = 0; k < n; ++k) a_.u32(0);
    // Entries to targets that need no moves point at them directly; others at a stub.
    std::vector<uint32_t>& stubs = s_.stubs;
    stubs.assign(ctrls_.size(), kNone);
    for (uint32_t k = 0; k < n; ++k) {
      uint32_t d = targets[k];
      Ctrl& c = ctrls_[ctrls_.size() - 1 - d];
      uint32_t at = table + 4 * k;
      if (c.kind == Ctrl::kLoop && !needs_moves(c)) {
        c.back_edge = true;
        a_.patch32(at, static_cast<int32_t>(c.loop_pos - table));
      } else if (c.kind != Ctrl::kLoop && c.kind != Ctrl::kFunc && !needs_moves(c)) {
        c.end_reached = true;
        patch_or_bind(c.end, at, table);
      } else {
        if (stubs[d] == kNone) {
          stubs[d] = a_.offset();
          branch_to(d);
        }
        a_.patch32(at, static_cast<int32_t>(stubs[d] - table));
      }
    }
  }
  free_reg(idx, false);
  bind(dflt);
  branch_to(imm.default_target);
  reachable_ = false;
}

// ---- calls

void FunctionCompiler::setup_args(uint32_t first) {
  SigLayout& sig = s_.sig;
  for (uint32_t k = 0; k < sig.params.size(); ++k) {
    const ArgLoc& l = sig.params[k];
    VT t = stack_[first + k].type;
    Mem src = slot(first + k);
    if (is_float(t)) {
      bool dbl = t == VT::kF64;
      if (l.reg >= 0) {
        a_.movs_rm(dbl, static_cast<uint8_t>(l.reg), src);
      } else {
        a_.movs_rm(dbl, kXScratch, src);
        a_.movs_mr(dbl, mem(kRsp, l.offset), kXScratch);
      }
    } else if (l.reg >= 0) {
      a_.mov_rm(t == VT::kI64, static_cast<uint8_t>(l.reg), src);
    } else {
      a_.mov_rm(t == VT::kI64, kScratch, src);
      a_.mov_mr(true, mem(kRsp, l.offset), kScratch);
    }
  }
  if (sig.has_ret_area) {
    Mem area = mem(kRsp, static_cast<int32_t>(sig.stack_args_size));
    if (sig.ret_area_ptr.reg >= 0) {
      a_.lea(static_cast<uint8_t>(sig.ret_area_ptr.reg), area);
    } else {
      a_.lea(kScratch, area);
      a_.mov_mr(true, mem(kRsp, sig.ret_area_ptr.offset), kScratch);
    }
  }
  outgoing_ = std::max(outgoing_, sig.stack_args_size + sig.ret_area_size);
}

void FunctionCompiler::finish_call(const wasm::FuncType& ft) {
  // Everything was spilled: after the call no register holds a value.
  reset_regs();
  const SigLayout& sig = s_.sig;
  for (uint32_t k = 0; k < ft.results.size(); ++k) {
    VT t = vt(ft.results[k]);
    const ArgLoc& l = sig.results[k];
    if (l.reg >= 0) {
      if (t == VT::kI32) a_.mov_rr(false, kRax, kRax);
      push_reg(t, static_cast<uint8_t>(l.reg));
    } else {
      uint32_t i = static_cast<uint32_t>(stack_.size());
      push_stack(t);
      Mem src = mem(kRsp, static_cast<int32_t>(sig.stack_args_size) + l.offset);
      if (is_float(t)) {
        a_.movs_rm(t == VT::kF64, kXScratch, src);
        a_.movs_mr(t == VT::kF64, slot(i), kXScratch);
      } else {
        a_.mov_rm(true, kScratch, src);
        a_.mov_mr(true, slot(i), kScratch);
      }
    }
  }
}

void FunctionCompiler::call(uint32_t func) {
  const wasm::FuncType& ft = m_.func_sig(func);
  spill_all();
  layout(ft, s_.sig);
  uint32_t np = static_cast<uint32_t>(ft.params.size());
  uint32_t first = static_cast<uint32_t>(stack_.size()) - np;
  setup_args(first);
  for (uint32_t k = 0; k < np; ++k) pop();
  environ::FuncIndex fi(func);
  if (func < m_.num_imported_funcs) {
    a_.mov_rm(true, kRdi, mem(kVmctx, static_cast<int32_t>(env_.offsets.imported_function_vmctx(fi))));
    a_.mov_rr(true, kRsi, kVmctx);
    a_.call_m(mem(kVmctx, static_cast<int32_t>(env_.offsets.imported_function_wasm_call(fi))));
  } else {
    a_.mov_rr(true, kRdi, kVmctx);
    a_.mov_rr(true, kRsi, kVmctx);
    uint32_t at = a_.call32();
    s_.relocs.push_back({at, environ::RelocKind::kX86PCRel4,
                         environ::RelocTarget::func(environ::DefinedFuncIndex(func - m_.num_imported_funcs)),
                         -4});
  }
  finish_call(ft);
}

// The callee's VMFuncRef* is in rax (checked); the args are the top entries, spilled.
void FunctionCompiler::call_with_callee_in_rax(uint32_t type_index) {
  const wasm::FuncType& ft = m_.func_type(type_index);
  layout(ft, s_.sig);
  uint32_t np = static_cast<uint32_t>(ft.params.size());
  uint32_t first = static_cast<uint32_t>(stack_.size()) - np;
  setup_args(first);  // rax is no argument register
  for (uint32_t k = 0; k < np; ++k) pop();
  a_.mov_rm(true, kRdi, mem(kRax, static_cast<int32_t>(environ::VMFuncRefLayout::vmctx())));
  a_.mov_rr(true, kRsi, kVmctx);
  a_.call_m(mem(kRax, static_cast<int32_t>(environ::VMFuncRefLayout::wasm_call())));
  finish_call(ft);
}

void FunctionCompiler::table_def(uint32_t table, uint32_t field, Mem* out) {
  environ::TableIndex ti(table);
  if (auto d = environ::defined_table(m_, ti)) {
    *out = mem(kVmctx, static_cast<int32_t>(env_.offsets.defined_table(*d) + field));
  } else {
    a_.mov_rm(true, kScratch, mem(kVmctx, static_cast<int32_t>(env_.offsets.imported_table(ti))));
    *out = mem(kScratch, static_cast<int32_t>(field));
  }
}

// Traps with `code` unless idx < the table's current size.
void FunctionCompiler::table_elem_check(uint32_t table, uint8_t idx, TrapCode code) {
  Mem len;
  table_def(table, environ::VMTableDefinitionLayout::current_elements(), &len);
  a_.alu_rm(true, Alu::kCmp, idx, len);
  trap_if(Cond::kAe, code);
}

// call_indirect's callee: pops the index, spills everything, checks the entry and its type and
// leaves the VMFuncRef* in rax.
void FunctionCompiler::indirect_callee(uint32_t type_index, uint32_t table) {
  uint8_t idx = pop_reg(bit(kRax, false));
  spill_all();
  table_elem_check(table, idx, TrapCode::kUndefinedElement);
  Mem base;
  table_def(table, environ::VMTableDefinitionLayout::base(), &base);
  a_.mov_rm(true, kScratch, base);
  a_.mov_rm(true, kRax, mem(kScratch, idx, 3, 0));
  if (environ::is_func_table(m_, m_.table_types[table])) {
    // 0/1: not yet initialised or null: the preserve-all table_get_lazy_init resolves it.
    a_.alu_ri(true, Alu::kCmp, kRax, static_cast<int32_t>(environ::kFuncTableEntryNull));
    uint32_t ok = a_.jcc8(Cond::kA);
    a_.mov_rr(true, kRdx, idx);
    a_.mov_rr(true, kRdi, kVmctx);
    a_.mov_ri(false, kRsi, table);
    a_.mov_rm(true, kScratch, mem(kVmctx, static_cast<int32_t>(environ::VMOffsets::builtins())));
    a_.call_m(mem(kScratch, static_cast<int32_t>(BuiltinIndex::kTableGetLazyInit) * 8));
    a_.bind8(ok);
  }
  free_reg(idx, false);
  a_.test_rr(true, kRax, kRax);
  trap_if(Cond::kE, TrapCode::kIndirectCallToNull);
  // Signature check against the engine-canonical id of the expected type. A final type has no
  // subtypes: any other id traps. For a non-final one, is_subtype walks the callee type's
  // declared supertypes (a System V call: everything is spilled; rax is kept on the stack).
  a_.mov_rm(true, kScratch, mem(kVmctx, static_cast<int32_t>(environ::VMOffsets::type_ids())));
  a_.mov_rm(false, kScratch, mem(kScratch, static_cast<int32_t>(type_index * 4)));
  a_.alu_rm(false, Alu::kCmp, kScratch, mem(kRax, static_cast<int32_t>(environ::VMFuncRefLayout::type_id())));
  if (m_.types[type_index].final) {
    trap_if(Cond::kNe, TrapCode::kBadSignature);
    return;
  }
  uint32_t same = a_.jcc32(Cond::kE);
  a_.push(kRax);
  a_.push(kRax);  // keeps rsp 16-byte aligned
  a_.mov_rr(false, kRdx, kScratch);
  a_.mov_rm(false, kRsi, mem(kRax, static_cast<int32_t>(environ::VMFuncRefLayout::type_id())));
  a_.mov_rr(true, kRdi, kVmctx);
  a_.mov_rm(true, kScratch, mem(kVmctx, static_cast<int32_t>(environ::VMOffsets::builtins())));
  a_.call_m(mem(kScratch, static_cast<int32_t>(BuiltinIndex::kIsSubtype) * 8));
  a_.mov_rr(false, kScratch, kRax);
  a_.pop(kRax);
  a_.pop(kRax);
  a_.test_rr(false, kScratch, kScratch);
  trap_if(Cond::kE, TrapCode::kBadSignature);
  a_.bind32(same, a_.offset());
}

void FunctionCompiler::call_indirect(uint32_t type_index, uint32_t table) {
  indirect_callee(type_index, table);
  call_with_callee_in_rax(type_index);
}

// call_ref's callee: pops the reference, spills everything, traps on null; rax = VMFuncRef*.
void FunctionCompiler::ref_callee() {
  uint8_t r = pop_reg();
  spill_all();
  if (r != kRax) a_.mov_rr(true, kRax, r);
  free_reg(r, false);
  a_.test_rr(true, kRax, kRax);
  trap_if(Cond::kE, TrapCode::kNullFunctionReference);
}

void FunctionCompiler::call_ref(uint32_t type_index) {
  ref_callee();
  call_with_callee_in_rax(type_index);
}

// return_call*: the callee takes over this frame's incoming arguments and return address. As
// in the pipeline, only when its stack arguments fit the area this function received (else
// the function falls back, and the pipeline reports it). Everything is spilled; a callee
// VMFuncRef* in rax is left alone.
void FunctionCompiler::tail_call_args(const wasm::FuncType& ft) {
  layout(ft, s_.sig);
  const SigLayout& sig = s_.sig;
  if (sig.stack_args_size > s_.own_sig.stack_args_size) {
    bad_ = true;
    return;
  }
  uint32_t np = static_cast<uint32_t>(ft.params.size());
  uint32_t first = static_cast<uint32_t>(stack_.size()) - np;
  // Stack arguments overwrite this function's incoming ones (already copied to its locals).
  for (uint32_t k = 0; k < np; ++k) {
    const ArgLoc& l = sig.params[k];
    if (l.reg >= 0) continue;
    VT t = stack_[first + k].type;
    Mem dst = mem(kRbp, 16 + l.offset);
    if (is_float(t)) {
      a_.movs_rm(t == VT::kF64, kXScratch, slot(first + k));
      a_.movs_mr(t == VT::kF64, dst, kXScratch);
    } else {
      a_.mov_rm(t == VT::kI64, kScratch, slot(first + k));
      a_.mov_mr(true, dst, kScratch);
    }
  }
  // Same results as this function: the callee writes them to this function's return area.
  if (sig.has_ret_area && sig.ret_area_ptr.reg < 0) {
    a_.mov_rm(true, kScratch, mem(kRbp, kRetAreaSlot));
    a_.mov_mr(true, mem(kRbp, 16 + sig.ret_area_ptr.offset), kScratch);
  }
  for (uint32_t k = 0; k < np; ++k) {
    const ArgLoc& l = sig.params[k];
    if (l.reg < 0) continue;
    VT t = stack_[first + k].type;
    if (is_float(t)) a_.movs_rm(t == VT::kF64, static_cast<uint8_t>(l.reg), slot(first + k));
    else a_.mov_rm(t == VT::kI64, static_cast<uint8_t>(l.reg), slot(first + k));
  }
  if (sig.has_ret_area && sig.ret_area_ptr.reg >= 0) {
    a_.mov_rm(true, static_cast<uint8_t>(sig.ret_area_ptr.reg), mem(kRbp, kRetAreaSlot));
  }
}

// Leaves the frame (restoring r14, r15, rbp) with rdi, rsi and the arguments in place.
void FunctionCompiler::tail_leave() {
  a_.mov_rm(true, kVmctx, mem(kRbp, -8));
  a_.mov_rm(true, kHeapBase, mem(kRbp, -16));
  a_.ensure();
  a_.byte(0xC9);  // leave
}

void FunctionCompiler::return_call(uint32_t func) {
  spill_all();
  tail_call_args(m_.func_sig(func));
  if (bad_) return;
  environ::FuncIndex fi(func);
  a_.mov_rr(true, kRsi, kVmctx);
  if (func < m_.num_imported_funcs) {
    a_.mov_rm(true, kRdi, mem(kVmctx, static_cast<int32_t>(env_.offsets.imported_function_vmctx(fi))));
    a_.mov_rm(true, kScratch, mem(kVmctx, static_cast<int32_t>(env_.offsets.imported_function_wasm_call(fi))));
    tail_leave();
    a_.jmp_r(kScratch);
  } else {
    a_.mov_rr(true, kRdi, kVmctx);
    tail_leave();
    uint32_t at = a_.jmp32();
    s_.relocs.push_back({at, environ::RelocKind::kX86PCRel4,
                         environ::RelocTarget::func(environ::DefinedFuncIndex(func - m_.num_imported_funcs)),
                         -4});
  }
  reachable_ = false;
}

// After indirect_callee / ref_callee: the VMFuncRef* is in rax.
void FunctionCompiler::return_call_in_rax(uint32_t type_index) {
  tail_call_args(m_.func_type(type_index));
  if (bad_) return;
  a_.mov_rm(true, kRdi, mem(kRax, static_cast<int32_t>(environ::VMFuncRefLayout::vmctx())));
  a_.mov_rm(true, kScratch, mem(kRax, static_cast<int32_t>(environ::VMFuncRefLayout::wasm_call())));
  a_.mov_rr(true, kRsi, kVmctx);
  tail_leave();
  a_.jmp_r(kScratch);
  reachable_ = false;
}

void FunctionCompiler::call_builtin(BuiltinIndex b, std::initializer_list<BArg> args) {
  static constexpr uint8_t kArgs[] = {kRsi, kRdx, kRcx, kR8, kR9};
  uint32_t k = 0;
  for (const BArg& arg : args) {
    uint8_t r = kArgs[k++];
    if (!arg.is_slot) {
      a_.mov_ri(true, r, arg.imm);
    } else {
      const Entry& e = stack_[arg.slot];
      a_.mov_rm(e.type == VT::kI64, r, slot(arg.slot));
    }
  }
  a_.mov_rr(true, kRdi, kVmctx);
  a_.mov_rm(true, kScratch, mem(kVmctx, static_cast<int32_t>(environ::VMOffsets::builtins())));
  a_.call_m(mem(kScratch, static_cast<int32_t>(b) * 8));
  reset_regs();
}

// ---- variables

void FunctionCompiler::local_set(uint32_t k, bool tee) {
  uint32_t i = static_cast<uint32_t>(stack_.size() - 1);
  Entry e = pop();
  Mem dst = mem(kRbp, local_off(k));
  bool flt = is_float(e.type);
  drop_cache(k);
  if (e.loc == Entry::kConst) {
    store_const(dst, e.type, e.imm);
    if (tee) push_const(e.type, e.imm);
    return;
  }
  uint8_t r = to_reg(e, i);
  if (flt) a_.movs_mr(e.type == VT::kF64, dst, r);
  else a_.mov_mr(true, dst, r);
  if (tee) {
    push_reg(e.type, r);
  } else {
    // The register becomes the local's cache (written through to the slot above).
    free_reg(r, flt);
    set_cache(k, static_cast<uint8_t>(r + (flt ? 16 : 0)));
  }
}

void FunctionCompiler::global_get(uint32_t g) {
  environ::GlobalIndex gi(g);
  VT t = vt(m_.global_types[g].type);
  Mem src;
  uint8_t base_reg = 0;
  bool imported = false;
  if (auto d = environ::defined_global(m_, gi)) {
    src = mem(kVmctx, static_cast<int32_t>(env_.offsets.defined_global(*d)));
  } else {
    imported = true;
    base_reg = alloc(false);
    a_.mov_rm(true, base_reg, mem(kVmctx, static_cast<int32_t>(env_.offsets.imported_global(gi))));
    src = mem(base_reg, 0);
  }
  uint8_t r;
  if (is_float(t)) {
    r = alloc(true);
    a_.movs_rm(t == VT::kF64, r, src);
    if (imported) free_reg(base_reg, false);
  } else {
    r = imported ? base_reg : alloc(false);
    a_.mov_rm(t == VT::kI64, r, src);
  }
  push_reg(t, r);
}

void FunctionCompiler::global_set(uint32_t g) {
  environ::GlobalIndex gi(g);
  uint32_t i = static_cast<uint32_t>(stack_.size() - 1);
  Entry e = pop();
  Mem dst;
  if (auto d = environ::defined_global(m_, gi)) {
    dst = mem(kVmctx, static_cast<int32_t>(env_.offsets.defined_global(*d)));
  } else {
    a_.mov_rm(true, kScratch, mem(kVmctx, static_cast<int32_t>(env_.offsets.imported_global(gi))));
    dst = mem(kScratch, 0);
  }
  if (e.loc == Entry::kConst && !is_float(e.type) && e.type == VT::kI32) {
    a_.mov_mi(false, dst, static_cast<int32_t>(e.imm));
    return;
  }
  uint8_t r = to_reg(e, i);
  if (is_float(e.type)) a_.movs_mr(e.type == VT::kF64, dst, r);
  else a_.mov_mr(e.type == VT::kI64, dst, r);
  free_reg(r, is_float(e.type));
}

void FunctionCompiler::select() {
  uint8_t c = pop_reg();
  uint32_t ib = static_cast<uint32_t>(stack_.size() - 1);
  Entry eb = pop();
  uint8_t b = to_reg(eb, ib);
  VT t = eb.type;
  uint8_t a = pop_reg();
  a_.test_rr(false, c, c);
  if (is_float(t)) {
    uint32_t skip = a_.jcc8(Cond::kNe);
    a_.movaps(a, b);
    a_.bind8(skip);
  } else {
    a_.cmov(t == VT::kI64, Cond::kE, a, b);
  }
  free_reg(c, false);
  free_reg(b, is_float(t));
  push_reg(t, a);
}

// ---- memory

void FunctionCompiler::memory_def(uint32_t memidx, uint32_t field, Mem* out) {
  environ::MemoryIndex mi(memidx);
  if (auto d = environ::defined_memory(m_, mi)) {
    *out = mem(kVmctx, static_cast<int32_t>(env_.offsets.defined_memory(*d) + field));
  } else {
    a_.mov_rm(true, kScratch, mem(kVmctx, static_cast<int32_t>(env_.offsets.imported_memory(mi))));
    *out = mem(kScratch, static_cast<int32_t>(field));
  }
}

// The address of an access of `size` bytes at idx + offset, after its bounds check; uses r11
// as the base. Returns a memory operand, or sets reachable_ = false if it always traps.
Mem FunctionCompiler::heap_address(const wasm::Memarg& ma, uint8_t idx, uint32_t size) {
  const wasm::MemoryType& mt = m_.memory_types[ma.memory];
  uint64_t offset = ma.offset;
  if (environ::needs_bounds_check(mt, env_.options.tunables, offset, size)) {
    if (offset > std::numeric_limits<uint64_t>::max() - size) {
      jmp(trap_label(TrapCode::kHeapOutOfBounds));
      reachable_ = false;
      return mem(kScratch, 0);
    }
    // end = idx + offset + size (carry traps); in bounds iff end <= current_length.
    uint8_t t = alloc(false, bit(idx, false));
    uint64_t end = offset + size;
    if (end <= static_cast<uint64_t>(INT32_MAX)) {
      a_.mov_rr(true, t, idx);
      a_.alu_ri(true, Alu::kAdd, t, static_cast<int32_t>(end));
    } else {
      a_.mov_ri(true, t, static_cast<int64_t>(end));
      a_.alu_rr(true, Alu::kAdd, t, idx);
    }
    trap_if(Cond::kB, TrapCode::kHeapOutOfBounds);
    Mem len;
    memory_def(ma.memory, environ::VMMemoryDefinitionLayout::current_length(), &len);
    a_.alu_rm(true, Alu::kCmp, t, len);
    trap_if(Cond::kA, TrapCode::kHeapOutOfBounds);
    free_reg(t, false);
  }
  uint8_t base_reg = kHeapBase;
  if (ma.memory != 0 || !heap_base_cached_) {
    Mem base;
    memory_def(ma.memory, environ::VMMemoryDefinitionLayout::base(), &base);
    a_.mov_rm(true, kScratch, base);
    base_reg = kScratch;
  }
  if (offset <= static_cast<uint64_t>(INT32_MAX)) return mem(base_reg, idx, 0, static_cast<int32_t>(offset));
  if (base_reg != kScratch) a_.mov_rr(true, kScratch, base_reg);
  // Only reached with a bounds check (which guarantees idx + offset fits): fold the offset
  // into the base.
  uint8_t t = alloc(false, bit(idx, false));
  a_.mov_ri(true, t, static_cast<int64_t>(offset));
  a_.alu_rr(true, Alu::kAdd, kScratch, t);
  free_reg(t, false);
  return mem(kScratch, idx, 0, 0);
}

void FunctionCompiler::load(const wasm::Imm& imm, VT t, uint32_t size, bool sign) {
  uint8_t idx = pop_reg();
  Mem m = heap_address(imm.memarg, idx, size);
  if (!reachable_) {
    free_reg(idx, false);
    return;
  }
  uint32_t at = a_.offset();
  uint8_t r = idx;
  bool w = t == VT::kI64;
  if (is_float(t)) {
    r = alloc(true);
    at = a_.offset();
    a_.movs_rm(t == VT::kF64, r, m);
    free_reg(idx, false);
  } else if (size == 1) {
    if (sign) a_.movsx8_rm(w, r, m); else a_.movzx8_rm(false, r, m);
  } else if (size == 2) {
    if (sign) a_.movsx16_rm(w, r, m); else a_.movzx16_rm(false, r, m);
  } else if (size == 4) {
    if (sign && w) a_.movsxd_rm(r, m); else a_.mov_rm(false, r, m);
  } else {
    a_.mov_rm(true, r, m);
  }
  trap_site(at, TrapCode::kHeapOutOfBounds);
  push_reg(t, r);
}

void FunctionCompiler::store(const wasm::Imm& imm, uint32_t size) {
  uint32_t iv = static_cast<uint32_t>(stack_.size() - 1);
  Entry v = pop();
  uint8_t idx = pop_reg(v.loc == Entry::kReg ? bit(v.reg, is_float(v.type)) : 0);
  bool flt = is_float(v.type);
  uint8_t r = to_reg(v, iv, flt ? 0 : bit(idx, false));
  Mem m = heap_address(imm.memarg, idx, size);
  if (reachable_) {
    uint32_t at = a_.offset();
    if (flt) a_.movs_mr(v.type == VT::kF64, m, r);
    else if (size == 1) a_.mov8_mr(m, r);
    else if (size == 2) a_.mov16_mr(m, r);
    else a_.mov_mr(size == 8, m, r);
    trap_site(at, TrapCode::kHeapOutOfBounds);
  }
  free_reg(idx, false);
  free_reg(r, flt);
}

void FunctionCompiler::table_get(uint32_t table) {
  bool func = environ::is_func_table(m_, m_.table_types[table]);
  uint8_t idx = pop_reg(func ? bit(kRax, false) : 0);
  if (func) {
    spill_all();  // the cold path calls a builtin with argument registers
    drop_all_caches();
  }
  table_elem_check(table, idx, TrapCode::kTableOutOfBounds);
  Mem base;
  table_def(table, environ::VMTableDefinitionLayout::base(), &base);
  a_.mov_rm(true, kScratch, base);
  if (!func) {
    a_.mov_rm(true, idx, mem(kScratch, idx, 3, 0));
    push_reg(VT::kI64, idx);
    return;
  }
  a_.mov_rm(true, kRax, mem(kScratch, idx, 3, 0));
  a_.alu_ri(true, Alu::kCmp, kRax, static_cast<int32_t>(environ::kFuncTableEntryNull));
  uint32_t ok = a_.jcc8(Cond::kA);
  a_.mov_rr(true, kRdx, idx);
  a_.mov_rr(true, kRdi, kVmctx);
  a_.mov_ri(false, kRsi, table);
  a_.mov_rm(true, kScratch, mem(kVmctx, static_cast<int32_t>(environ::VMOffsets::builtins())));
  a_.call_m(mem(kScratch, static_cast<int32_t>(BuiltinIndex::kTableGetLazyInit) * 8));
  a_.bind8(ok);
  free_reg(idx, false);
  set_used(kRax, false);
  push_reg(VT::kI64, kRax);
}

void FunctionCompiler::table_set(uint32_t table) {
  bool func = environ::is_func_table(m_, m_.table_types[table]);
  uint32_t iv = static_cast<uint32_t>(stack_.size() - 1);
  Entry v = pop();
  uint8_t idx = pop_reg(v.loc == Entry::kReg ? bit(v.reg, false) : 0);
  uint8_t r = to_reg(v, iv, bit(idx, false));
  if (func) {
    spill_all();
    drop_all_caches();
  }
  table_elem_check(table, idx, TrapCode::kTableOutOfBounds);
  Mem base;
  table_def(table, environ::VMTableDefinitionLayout::base(), &base);
  if (!func) {
    a_.mov_rm(true, kScratch, base);
    a_.mov_mr(true, mem(kScratch, idx, 3, 0), r);
  } else {
    // A non-null reference is stored as is; null through table_fill (the table's encoding).
    a_.test_rr(true, r, r);
    uint32_t null = a_.jcc8(Cond::kE);
    a_.mov_rm(true, kScratch, base);
    a_.mov_mr(true, mem(kScratch, idx, 3, 0), r);
    uint32_t done = a_.jmp32();
    a_.bind8(null);
    a_.mov_rr(true, kRdx, idx);
    a_.mov_rr(true, kRdi, kVmctx);
    a_.mov_ri(false, kRsi, table);
    a_.alu_rr(false, Alu::kXor, kRcx, kRcx);
    a_.mov_ri(false, kR8, 1);
    a_.mov_rm(true, kScratch, mem(kVmctx, static_cast<int32_t>(environ::VMOffsets::builtins())));
    a_.call_m(mem(kScratch, static_cast<int32_t>(BuiltinIndex::kTableFill) * 8));
    a_.bind32(done, a_.offset());
  }
  free_reg(idx, false);
  free_reg(r, false);
  if (func) {
    reset_regs();
  }
}

// ---- integer operators

void FunctionCompiler::int_binop(Alu alu, bool w) {
  const Entry& top = stack_.back();
  if (top.loc == Entry::kConst && (!w || (top.imm >= INT32_MIN && top.imm <= INT32_MAX))) {
    int32_t v = static_cast<int32_t>(top.imm);
    pop();
    uint8_t a = pop_reg();
    a_.alu_ri(w, alu, a, v);
    push_reg(w ? VT::kI64 : VT::kI32, a);
    return;
  }
  uint8_t b = pop_reg();
  uint8_t a = pop_reg(bit(b, false));
  a_.alu_rr(w, alu, a, b);
  free_reg(b, false);
  push_reg(w ? VT::kI64 : VT::kI32, a);
}

void FunctionCompiler::int_mul(bool w) {
  const Entry& top = stack_.back();
  if (top.loc == Entry::kConst && (!w || (top.imm >= INT32_MIN && top.imm <= INT32_MAX))) {
    int32_t v = static_cast<int32_t>(top.imm);
    pop();
    uint8_t a = pop_reg();
    a_.imul_rri(w, a, a, v);
    push_reg(w ? VT::kI64 : VT::kI32, a);
    return;
  }
  uint8_t b = pop_reg();
  uint8_t a = pop_reg(bit(b, false));
  a_.imul_rr(w, a, b);
  free_reg(b, false);
  push_reg(w ? VT::kI64 : VT::kI32, a);
}

void FunctionCompiler::int_shift(Shift s, bool w) {
  VT t = w ? VT::kI64 : VT::kI32;
  const Entry& top = stack_.back();
  if (top.loc == Entry::kConst) {
    uint8_t n = static_cast<uint8_t>(top.imm & (w ? 63 : 31));
    pop();
    uint8_t a = pop_reg();
    if (n) a_.shift_ri(w, s, a, n);
    push_reg(t, a);
    return;
  }
  uint8_t c = pop_reg();
  uint8_t a = pop_reg(bit(kRcx, false) | bit(c, false));
  if (c != kRcx) {
    evict(kRcx);
    a_.mov_rr(false, kRcx, c);
    free_reg(c, false);
  }
  a_.shift_cl(w, s, a);
  free_reg(kRcx, false);
  push_reg(t, a);
}

void FunctionCompiler::int_divrem(bool w, bool is_signed, bool rem) {
  VT t = w ? VT::kI64 : VT::kI32;
  uint32_t fixed = bit(kRax, false) | bit(kRdx, false);
  uint8_t b = pop_reg(fixed);
  uint8_t a = pop_reg(bit(b, false));
  evict(kRax);
  evict(kRdx);
  if (a != kRax) {
    a_.mov_rr(true, kRax, a);
    free_reg(a, false);
  }
  set_used(kRax, false);
  set_used(kRdx, false);
  uint32_t skip = 0, done = 0;
  bool has_done = false;
  if (is_signed) {
    a_.alu_ri(w, Alu::kCmp, b, -1);
    skip = a_.jcc8(Cond::kNe);
    if (rem) {
      // x rem -1 = 0 (idiv would fault on INT_MIN rem -1).
      a_.alu_rr(false, Alu::kXor, kRdx, kRdx);
      done = a_.jmp8();
      has_done = true;
    } else if (w) {
      a_.mov_ri(true, kScratch, std::numeric_limits<int64_t>::min());
      a_.alu_rr(true, Alu::kCmp, kRax, kScratch);
      trap_if(Cond::kE, TrapCode::kIntegerOverflow);
    } else {
      a_.alu_ri(false, Alu::kCmp, kRax, std::numeric_limits<int32_t>::min());
      trap_if(Cond::kE, TrapCode::kIntegerOverflow);
    }
    a_.bind8(skip);
    a_.cdq(w);
  } else {
    a_.alu_rr(false, Alu::kXor, kRdx, kRdx);
  }
  trap_site(a_.offset(), TrapCode::kIntegerDivisionByZero);
  if (is_signed) a_.idiv(w, b); else a_.div(w, b);
  if (has_done) a_.bind8(done);
  free_reg(b, false);
  free_reg(rem ? kRax : kRdx, false);
  push_reg(t, rem ? kRdx : kRax);
}

void FunctionCompiler::int_cmp(Cond c, bool w) {
  const Entry& top = stack_.back();
  uint8_t a;
  if (top.loc == Entry::kConst && (!w || (top.imm >= INT32_MIN && top.imm <= INT32_MAX))) {
    int32_t v = static_cast<int32_t>(top.imm);
    pop();
    a = pop_reg();
    if (v == 0 && (c == Cond::kE || c == Cond::kNe)) a_.test_rr(w, a, a);
    else a_.alu_ri(w, Alu::kCmp, a, v);
  } else {
    uint8_t b = pop_reg();
    a = pop_reg(bit(b, false));
    a_.alu_rr(w, Alu::kCmp, a, b);
    free_reg(b, false);
  }
  free_reg(a, false);
  push_flags(c);
}

void FunctionCompiler::int_unop_count(Opcode op, bool w) {
  uint8_t a = pop_reg();
  uint8_t r = alloc(false, bit(a, false));
  uint8_t bits = w ? 64 : 32;
  switch (op) {
    case Opcode::kI32Clz:
    case Opcode::kI64Clz:
      if (cpu_.lzcnt) {
        a_.lzcnt(w, r, a);
      } else {
        // bsr gives the index of the highest set bit; clz = (bits - 1) ^ index; zero -> bits.
        a_.mov_ri(false, kScratch, 2 * bits - 1);
        a_.bsr(w, r, a);
        a_.cmov(w, Cond::kE, r, kScratch);
        a_.alu_ri(w, Alu::kXor, r, bits - 1);
      }
      break;
    case Opcode::kI32Ctz:
    case Opcode::kI64Ctz:
      if (cpu_.bmi1) {
        a_.tzcnt(w, r, a);
      } else {
        a_.mov_ri(false, kScratch, bits);
        a_.bsf(w, r, a);
        a_.cmov(w, Cond::kE, r, kScratch);
      }
      break;
    default:  // popcnt
      if (cpu_.popcnt) {
        a_.popcnt(w, r, a);
      } else {
        // SWAR: r = a - ((a >> 1) & 0x55..); r = (r & 0x33..) + ((r >> 2) & 0x33..);
        // r = (r + (r >> 4)) & 0x0f..; r = (r * 0x01..) >> (bits - 8).
        auto mask = [&](uint64_t m) { return w ? static_cast<int64_t>(m) : static_cast<int64_t>(m & 0xFFFFFFFFu); };
        a_.mov_rr(w, r, a);
        a_.shift_ri(w, Shift::kShr, r, 1);
        a_.mov_ri(w, kScratch, mask(0x5555555555555555ull));
        a_.alu_rr(w, Alu::kAnd, r, kScratch);
        a_.alu_rr(w, Alu::kSub, a, r);  // a = a - ((a >> 1) & m1)
        a_.mov_ri(w, kScratch, mask(0x3333333333333333ull));
        a_.mov_rr(w, r, a);
        a_.alu_rr(w, Alu::kAnd, r, kScratch);
        a_.shift_ri(w, Shift::kShr, a, 2);
        a_.alu_rr(w, Alu::kAnd, a, kScratch);
        a_.alu_rr(w, Alu::kAdd, r, a);  // r = (a & m2) + ((a >> 2) & m2)
        a_.mov_rr(w, a, r);
        a_.shift_ri(w, Shift::kShr, a, 4);
        a_.alu_rr(w, Alu::kAdd, r, a);
        a_.mov_ri(w, kScratch, mask(0x0F0F0F0F0F0F0F0Full));
        a_.alu_rr(w, Alu::kAnd, r, kScratch);
        a_.mov_ri(w, kScratch, mask(0x0101010101010101ull));
        a_.imul_rr(w, r, kScratch);
        a_.shift_ri(w, Shift::kShr, r, static_cast<uint8_t>(bits - 8));
      }
      break;
  }
  free_reg(a, false);
  push_reg(w ? VT::kI64 : VT::kI32, r);
}

// ---- float operators

void FunctionCompiler::load_fconst(bool dbl, double v, uint8_t x) {
  if (dbl) {
    int64_t bits;
    std::memcpy(&bits, &v, 8);
    a_.mov_ri(true, kScratch, bits);
    a_.movq_xr(true, x, kScratch);
  } else {
    float f = static_cast<float>(v);
    int32_t bits;
    std::memcpy(&bits, &f, 4);
    a_.mov_ri(false, kScratch, bits);
    a_.movq_xr(false, x, kScratch);
  }
}

void FunctionCompiler::float_binop(uint8_t sse_op, bool dbl) {
  uint8_t b = pop_reg();
  uint8_t a = pop_reg(bit(b, true));
  a_.sse_rr(dbl, sse_op, a, b);
  canon_nan(a, dbl);
  free_reg(b, true);
  push_reg(dbl ? VT::kF64 : VT::kF32, a);
}

void FunctionCompiler::float_minmax(bool is_min, bool dbl) {
  uint8_t b = pop_reg();
  uint8_t a = pop_reg(bit(b, true));
  // Wasm: NaN if either is NaN; min(-0, +0) = -0, max(-0, +0) = +0 (minss/maxss do neither).
  a_.ucomis(dbl, a, b);
  uint32_t nan = a_.jcc8(Cond::kP);
  uint32_t ne = a_.jcc8(Cond::kNe);
  a_.logic_ps(is_min ? 0x56 : 0x54, a, b);  // equal: or (min) / and (max) merges the signs
  uint32_t done1 = a_.jmp8();
  a_.bind8(nan);
  a_.sse_rr(dbl, 0x58, a, b);  // a NaN operand makes the sum a NaN
  uint32_t done2 = a_.jmp8();
  a_.bind8(ne);
  a_.sse_rr(dbl, is_min ? 0x5D : 0x5F, a, b);
  a_.bind8(done1);
  a_.bind8(done2);
  canon_nan(a, dbl);
  free_reg(b, true);
  push_reg(dbl ? VT::kF64 : VT::kF32, a);
}

void FunctionCompiler::float_cmp(Opcode op, bool dbl) {
  uint8_t b = pop_reg();
  uint8_t a = pop_reg(bit(b, true));
  // lt/le/gt/ge are one condition each (unordered compares false): left in the flags.
  Cond single = Cond::kO;
  switch (op) {
    case Opcode::kF32Lt: case Opcode::kF64Lt: single = Cond::kA; std::swap(a, b); break;
    case Opcode::kF32Le: case Opcode::kF64Le: single = Cond::kAe; std::swap(a, b); break;
    case Opcode::kF32Gt: case Opcode::kF64Gt: single = Cond::kA; break;
    case Opcode::kF32Ge: case Opcode::kF64Ge: single = Cond::kAe; break;
    default: break;
  }
  if (single != Cond::kO) {
    a_.ucomis(dbl, a, b);
    free_reg(a, true);
    free_reg(b, true);
    push_flags(single);
    return;
  }
  uint8_t r = alloc(false);
  switch (op) {
    case Opcode::kF32Eq:
    case Opcode::kF64Eq:
      a_.ucomis(dbl, a, b);
      a_.setcc(Cond::kE, r);
      a_.setcc(Cond::kNp, kScratch);
      a_.op_rr(Pfx::kNone, false, 0x20, kScratch, r, true);  // and r8, r11b
      break;
    default:  // ne
      a_.ucomis(dbl, a, b);
      a_.setcc(Cond::kNe, r);
      a_.setcc(Cond::kP, kScratch);
      a_.op_rr(Pfx::kNone, false, 0x08, kScratch, r, true);  // or r8, r11b
      break;
  }
  a_.movzx8_rr(false, r, r);
  free_reg(a, true);
  free_reg(b, true);
  push_reg(VT::kI32, r);
}

void FunctionCompiler::float_sign(Opcode op, bool dbl) {
  int64_t sign = dbl ? std::numeric_limits<int64_t>::min() : 0x80000000ll;
  if (op == Opcode::kF32Copysign || op == Opcode::kF64Copysign) {
    uint8_t b = pop_reg();
    uint8_t a = pop_reg(bit(b, true));
    a_.mov_ri(dbl, kScratch, ~sign);
    a_.movq_xr(dbl, kXScratch, kScratch);
    a_.logic_ps(0x54, a, kXScratch);   // |a|
    a_.logic_ps(0x55, kXScratch, b);   // sign of b
    a_.logic_ps(0x56, a, kXScratch);
    free_reg(b, true);
    push_reg(dbl ? VT::kF64 : VT::kF32, a);
    return;
  }
  uint8_t a = pop_reg();
  bool neg = op == Opcode::kF32Neg || op == Opcode::kF64Neg;
  a_.mov_ri(dbl, kScratch, neg ? sign : ~sign);
  a_.movq_xr(dbl, kXScratch, kScratch);
  a_.logic_ps(neg ? 0x57 : 0x54, a, kXScratch);
  push_reg(dbl ? VT::kF64 : VT::kF32, a);
}

void FunctionCompiler::float_round(uint8_t mode, bool dbl) {
  if (!cpu_.sse41) {
    bad_ = true;
    return;
  }
  uint8_t a = pop_reg();
  a_.rounds(dbl, a, a, static_cast<uint8_t>(mode | 8));
  canon_nan(a, dbl);
  push_reg(dbl ? VT::kF64 : VT::kF32, a);
}

// Float -> int truncation, trapping (sat = false) or saturating.
void FunctionCompiler::trunc(bool dbl, bool w, bool is_signed, bool sat) {
  uint8_t x = pop_reg();
  uint8_t r = alloc(false);
  if (is_signed) {
    double lo = w ? -9223372036854775808.0 : -2147483648.0;
    double hi = w ? 9223372036854775808.0 : 2147483648.0;
    a_.cvtts2si(dbl, w, r, x);
    // The sentinel INT_MIN (cmp r, 1 overflows only for it) means NaN, out of range, or a
    // genuine INT_MIN.
    a_.alu_ri(w, Alu::kCmp, r, 1);
    uint32_t ok = a_.jcc32(Cond::kNo);
    if (!sat) {
      a_.ucomis(dbl, x, x);
      trap_if(Cond::kP, TrapCode::kBadConversionToInteger);
      if (dbl && !w) {
        load_fconst(dbl, -2147483649.0, kXScratch);
        a_.ucomis(dbl, x, kXScratch);
        trap_if(Cond::kBe, TrapCode::kIntegerOverflow);
      } else {
        load_fconst(dbl, lo, kXScratch);
        a_.ucomis(dbl, x, kXScratch);
        trap_if(Cond::kB, TrapCode::kIntegerOverflow);
      }
      load_fconst(dbl, hi, kXScratch);
      a_.ucomis(dbl, x, kXScratch);
      trap_if(Cond::kAe, TrapCode::kIntegerOverflow);
    } else {
      a_.ucomis(dbl, x, x);
      uint32_t nan = a_.jcc8(Cond::kP);
      a_.logic_ps(0x57, kXScratch, kXScratch);
      a_.ucomis(dbl, x, kXScratch);
      uint32_t neg = a_.jcc8(Cond::kB);  // INT_MIN is right
      a_.mov_ri(w, r, w ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int32_t>::max());
      uint32_t done = a_.jmp8();
      a_.bind8(nan);
      a_.alu_rr(false, Alu::kXor, r, r);
      a_.bind8(neg);
      a_.bind8(done);
    }
    a_.bind32(ok, a_.offset());
    free_reg(x, true);
    push_reg(w ? VT::kI64 : VT::kI32, r);
    return;
  }
  double hi = w ? 18446744073709551616.0 : 4294967296.0;
  Label zero, max, done;
  if (!sat) {
    a_.ucomis(dbl, x, x);
    trap_if(Cond::kP, TrapCode::kBadConversionToInteger);
    load_fconst(dbl, -1.0, kXScratch);
    a_.ucomis(dbl, x, kXScratch);
    trap_if(Cond::kBe, TrapCode::kIntegerOverflow);
    load_fconst(dbl, hi, kXScratch);
    a_.ucomis(dbl, x, kXScratch);
    trap_if(Cond::kAe, TrapCode::kIntegerOverflow);
  } else {
    a_.logic_ps(0x57, kXScratch, kXScratch);
    a_.ucomis(dbl, x, kXScratch);
    jcc(Cond::kBe, zero);  // negative, zero or NaN: 0
    load_fconst(dbl, hi, kXScratch);
    a_.ucomis(dbl, x, kXScratch);
    jcc(Cond::kAe, max);
  }
  if (!w) {
    a_.cvtts2si(dbl, true, r, x);  // exact for [0, 2^32)
  } else {
    load_fconst(dbl, 9223372036854775808.0, kXScratch);
    a_.ucomis(dbl, x, kXScratch);
    uint32_t big = a_.jcc8(Cond::kAe);
    a_.cvtts2si(dbl, true, r, x);
    uint32_t small_done = a_.jmp8();
    a_.bind8(big);
    a_.movaps(kXScratch2, x);
    a_.sse_rr(dbl, 0x5C, kXScratch2, kXScratch);
    a_.cvtts2si(dbl, true, r, kXScratch2);
    a_.mov_ri(true, kScratch, std::numeric_limits<int64_t>::min());
    a_.alu_rr(true, Alu::kXor, r, kScratch);
    a_.bind8(small_done);
  }
  if (sat) {
    jmp(done);
    bind(zero);
    a_.alu_rr(false, Alu::kXor, r, r);
    jmp(done);
    bind(max);
    a_.mov_ri(w, r, -1);
    bind(done);
  }
  free_reg(x, true);
  push_reg(w ? VT::kI64 : VT::kI32, r);
}

void FunctionCompiler::convert_int(bool dbl, bool w, bool is_signed) {
  uint8_t a = pop_reg();
  uint8_t x = alloc(true);
  a_.logic_ps(0x57, x, x);  // no false dependency on x's old value
  if (is_signed) {
    a_.cvtsi2s(dbl, w, x, a);
  } else if (!w) {
    a_.cvtsi2s(dbl, true, x, a);  // zero-extended i32: exact as an i64
  } else {
    a_.test_rr(true, a, a);
    uint32_t big = a_.jcc8(Cond::kS);
    a_.cvtsi2s(dbl, true, x, a);
    uint32_t done = a_.jmp8();
    a_.bind8(big);
    // Halve with the low bit kept (round to odd), convert, double.
    a_.mov_rr(true, kScratch, a);
    a_.alu_ri(false, Alu::kAnd, kScratch, 1);
    a_.shift_ri(true, Shift::kShr, a, 1);
    a_.alu_rr(true, Alu::kOr, a, kScratch);
    a_.cvtsi2s(dbl, true, x, a);
    a_.sse_rr(dbl, 0x58, x, x);
    a_.bind8(done);
  }
  free_reg(a, false);
  push_reg(dbl ? VT::kF64 : VT::kF32, x);
}

// ---- the operator switch

void FunctionCompiler::op(Opcode op, const wasm::Imm& imm) {
  using O = Opcode;
  if (flags_pending_) {
    // A comparison just before br_if / if: branch on the flags (spills and moves leave them).
    if (op == O::kBrIf || op == O::kIf) {
      flags_pending_ = false;
      Cond c = static_cast<Cond>(pop().reg);
      if (op == O::kIf) {
        op_block(op, imm, static_cast<int>(c));
      } else {
        spill_all();
        branch_if(c, imm.index);
      }
      return;
    }
    materialize_flags();
  }
  switch (op) {
    case O::kUnreachable:
      trap_site(a_.offset(), TrapCode::kUnreachable);
      a_.ud2();
      reachable_ = false;
      break;
    case O::kNop: break;
    case O::kBlock:
    case O::kLoop:
    case O::kIf: op_block(op, imm); break;
    case O::kElse: op_else(); break;
    case O::kEnd: op_end(); break;
    case O::kBr:
      spill_all();
      branch_to(imm.index);
      reachable_ = false;
      break;
    case O::kBrIf: op_br_if(imm.index, false); break;
    case O::kBrTable: op_br_table(imm); break;
    case O::kReturn:
      emit_return();
      reachable_ = false;
      break;
    case O::kCall: call(imm.index); break;
    case O::kCallIndirect: call_indirect(imm.index, imm.index2); break;
    case O::kCallRef: call_ref(imm.index); break;
    case O::kReturnCall: return_call(imm.index); break;
    case O::kReturnCallIndirect:
      indirect_callee(imm.index, imm.index2);
      return_call_in_rax(imm.index);
      break;
    case O::kReturnCallRef:
      ref_callee();
      return_call_in_rax(imm.index);
      break;
    case O::kDrop: {
      Entry e = pop();
      if (e.loc == Entry::kReg) free_reg(e.reg, is_float(e.type));
      break;
    }
    case O::kSelect:
    case O::kSelectT: select(); break;

    case O::kLocalGet: {
      VT t = s_.local_types[imm.index];
      bool flt = is_float(t);
      uint8_t r = alloc(flt);  // may drop this local's cache under pressure
      uint8_t c = local_cache_[imm.index];
      if (c != kNoCache) {
        if (flt) a_.movaps(r, static_cast<uint8_t>(c - 16));
        else a_.mov_rr(true, r, c);
      } else {
        if (flt) a_.movs_rm(t == VT::kF64, r, mem(kRbp, local_off(imm.index)));
        else a_.mov_rm(t == VT::kI64, r, mem(kRbp, local_off(imm.index)));
        // Keep a copy as the local's cache when a register is free.
        uint32_t pool = (flt ? kXmmPool : kGprPool) & ~used_;
        if (pool) {
          uint8_t cr = static_cast<uint8_t>(__builtin_ctz(pool));
          if (flt) a_.movaps(static_cast<uint8_t>(cr - 16), r);
          else a_.mov_rr(true, cr, r);
          set_cache(imm.index, cr);
        }
      }
      push_reg(t, r);
      break;
    }
    case O::kLocalSet: local_set(imm.index, false); break;
    case O::kLocalTee: local_set(imm.index, true); break;
    case O::kGlobalGet: global_get(imm.index); break;
    case O::kGlobalSet: global_set(imm.index); break;

    // ---- references
    case O::kRefNull: push_const(VT::kI64, 0); break;
    case O::kRefIsNull: {
      uint8_t a = pop_reg();
      a_.test_rr(true, a, a);
      a_.setcc(Cond::kE, a);
      a_.movzx8_rr(false, a, a);
      push_reg(VT::kI32, a);
      break;
    }
    case O::kRefFunc: {
      uint8_t r = alloc(false);
      a_.lea(r, mem(kVmctx, static_cast<int32_t>(env_.offsets.func_ref(environ::FuncIndex(imm.index)))));
      push_reg(VT::kI64, r);
      break;
    }
    case O::kRefAsNonNull: {
      uint8_t a = pop_reg();
      a_.test_rr(true, a, a);
      trap_if(Cond::kE, TrapCode::kNullReference);
      push_reg(VT::kI64, a);
      break;
    }
    case O::kBrOnNull: {
      // Branch without the reference if it is null; else continue with it (in its slot).
      uint8_t a = pop_reg();
      spill_all();
      a_.mov_mr(true, slot(static_cast<uint32_t>(stack_.size())), a);
      a_.test_rr(true, a, a);
      free_reg(a, false);
      branch_if(Cond::kE, imm.index);
      push_stack(VT::kI64);
      num_spilled_ = static_cast<uint32_t>(stack_.size());
      break;
    }
    case O::kBrOnNonNull: {
      // Branch with the reference if it is non-null; else continue without it.
      uint8_t a = pop_reg();
      spill_all();
      a_.mov_mr(true, slot(static_cast<uint32_t>(stack_.size())), a);
      push_stack(VT::kI64);
      num_spilled_ = static_cast<uint32_t>(stack_.size());
      a_.test_rr(true, a, a);
      free_reg(a, false);
      branch_if(Cond::kNe, imm.index);
      pop();
      break;
    }

    // ---- tables
    case O::kTableGet: table_get(imm.index); break;
    case O::kTableSet: table_set(imm.index); break;
    case O::kTableSize: {
      uint8_t r = alloc(false);
      Mem len;
      table_def(imm.index, environ::VMTableDefinitionLayout::current_elements(), &len);
      bool is64 = m_.table_types[imm.index].limits.is64;
      a_.mov_rm(is64, r, len);
      push_reg(is64 ? VT::kI64 : VT::kI32, r);
      break;
    }
    case O::kTableGrow: {
      bool is64 = m_.table_types[imm.index].limits.is64;
      builtin_op(BuiltinIndex::kTableGrow, {iarg(imm.index), sarg(0), sarg(1)}, 2);
      if (!is64) a_.mov_rr(false, kRax, kRax);
      push_reg(is64 ? VT::kI64 : VT::kI32, kRax);
      break;
    }
    case O::kTableFill:
      builtin_op(BuiltinIndex::kTableFill, {iarg(imm.index), sarg(2), sarg(1), sarg(0)}, 3);
      break;
    case O::kTableCopy:
      builtin_op(BuiltinIndex::kTableCopy, {iarg(imm.index), iarg(imm.index2), sarg(2), sarg(1), sarg(0)}, 3);
      break;
    case O::kTableInit:
      builtin_op(BuiltinIndex::kTableInit, {iarg(imm.index2), iarg(imm.index), sarg(2), sarg(1), sarg(0)}, 3);
      break;
    case O::kElemDrop:
      builtin_op(BuiltinIndex::kElemDrop, {iarg(imm.index)}, 0);
      break;

    // ---- memory
    case O::kI32Load: load(imm, VT::kI32, 4, false); break;
    case O::kI64Load: load(imm, VT::kI64, 8, false); break;
    case O::kF32Load: load(imm, VT::kF32, 4, false); break;
    case O::kF64Load: load(imm, VT::kF64, 8, false); break;
    case O::kI32Load8S: load(imm, VT::kI32, 1, true); break;
    case O::kI32Load8U: load(imm, VT::kI32, 1, false); break;
    case O::kI32Load16S: load(imm, VT::kI32, 2, true); break;
    case O::kI32Load16U: load(imm, VT::kI32, 2, false); break;
    case O::kI64Load8S: load(imm, VT::kI64, 1, true); break;
    case O::kI64Load8U: load(imm, VT::kI64, 1, false); break;
    case O::kI64Load16S: load(imm, VT::kI64, 2, true); break;
    case O::kI64Load16U: load(imm, VT::kI64, 2, false); break;
    case O::kI64Load32S: load(imm, VT::kI64, 4, true); break;
    case O::kI64Load32U: load(imm, VT::kI64, 4, false); break;
    case O::kI32Store:
    case O::kF32Store:
    case O::kI64Store32: store(imm, 4); break;
    case O::kI64Store:
    case O::kF64Store: store(imm, 8); break;
    case O::kI32Store8:
    case O::kI64Store8: store(imm, 1); break;
    case O::kI32Store16:
    case O::kI64Store16: store(imm, 2); break;
    case O::kMemorySize: {
      const wasm::MemoryType& mt = m_.memory_types[imm.index];
      uint32_t log2 = mt.limits.page_size_log2 ? *mt.limits.page_size_log2 : 16;
      uint8_t r = alloc(false);
      Mem len;
      memory_def(imm.index, environ::VMMemoryDefinitionLayout::current_length(), &len);
      a_.mov_rm(true, r, len);
      if (log2) a_.shift_ri(true, Shift::kShr, r, static_cast<uint8_t>(log2));
      if (!mt.limits.is64) a_.mov_rr(false, r, r);
      push_reg(mt.limits.is64 ? VT::kI64 : VT::kI32, r);
      break;
    }
    case O::kMemoryGrow: {
      bool is64 = m_.memory_types[imm.index].limits.is64;
      builtin_op(BuiltinIndex::kMemoryGrow, {iarg(imm.index), sarg(0)}, 1);
      if (!is64) a_.mov_rr(false, kRax, kRax);
      push_reg(is64 ? VT::kI64 : VT::kI32, kRax);
      break;
    }
    case O::kMemoryFill:
      builtin_op(BuiltinIndex::kMemoryFill, {iarg(imm.index), sarg(2), sarg(1), sarg(0)}, 3);
      break;
    case O::kMemoryCopy:
      builtin_op(BuiltinIndex::kMemoryCopy, {iarg(imm.index), sarg(2), iarg(imm.index2), sarg(1), sarg(0)}, 3);
      break;
    case O::kMemoryInit:
      builtin_op(BuiltinIndex::kMemoryInit, {iarg(imm.index2), iarg(imm.index), sarg(2), sarg(1), sarg(0)}, 3);
      break;
    case O::kDataDrop:
      builtin_op(BuiltinIndex::kDataDrop, {iarg(imm.index)}, 0);
      break;

    // ---- constants
    case O::kI32Const: push_const(VT::kI32, static_cast<int64_t>(static_cast<uint32_t>(imm.value))); break;
    case O::kI64Const: push_const(VT::kI64, static_cast<int64_t>(imm.value)); break;
    case O::kF32Const: push_const(VT::kF32, static_cast<int64_t>(imm.value & 0xFFFFFFFFu)); break;
    case O::kF64Const: push_const(VT::kF64, static_cast<int64_t>(imm.value)); break;

    // ---- i32
    case O::kI32Eqz:
    case O::kI64Eqz: {
      bool w = op == O::kI64Eqz;
      uint8_t a = pop_reg();
      a_.test_rr(w, a, a);
      free_reg(a, false);
      push_flags(Cond::kE);
      break;
    }
    case O::kI32Eq: int_cmp(Cond::kE, false); break;
    case O::kI32Ne: int_cmp(Cond::kNe, false); break;
    case O::kI32LtS: int_cmp(Cond::kL, false); break;
    case O::kI32LtU: int_cmp(Cond::kB, false); break;
    case O::kI32GtS: int_cmp(Cond::kG, false); break;
    case O::kI32GtU: int_cmp(Cond::kA, false); break;
    case O::kI32LeS: int_cmp(Cond::kLe, false); break;
    case O::kI32LeU: int_cmp(Cond::kBe, false); break;
    case O::kI32GeS: int_cmp(Cond::kGe, false); break;
    case O::kI32GeU: int_cmp(Cond::kAe, false); break;
    case O::kI64Eq: int_cmp(Cond::kE, true); break;
    case O::kI64Ne: int_cmp(Cond::kNe, true); break;
    case O::kI64LtS: int_cmp(Cond::kL, true); break;
    case O::kI64LtU: int_cmp(Cond::kB, true); break;
    case O::kI64GtS: int_cmp(Cond::kG, true); break;
    case O::kI64GtU: int_cmp(Cond::kA, true); break;
    case O::kI64LeS: int_cmp(Cond::kLe, true); break;
    case O::kI64LeU: int_cmp(Cond::kBe, true); break;
    case O::kI64GeS: int_cmp(Cond::kGe, true); break;
    case O::kI64GeU: int_cmp(Cond::kAe, true); break;
    case O::kRefEq: int_cmp(Cond::kE, true); break;

    case O::kF32Eq: case O::kF32Ne: case O::kF32Lt: case O::kF32Gt: case O::kF32Le: case O::kF32Ge:
      float_cmp(op, false);
      break;
    case O::kF64Eq: case O::kF64Ne: case O::kF64Lt: case O::kF64Gt: case O::kF64Le: case O::kF64Ge:
      float_cmp(op, true);
      break;

    case O::kI32Clz: case O::kI32Ctz: case O::kI32Popcnt: int_unop_count(op, false); break;
    case O::kI64Clz: case O::kI64Ctz: case O::kI64Popcnt: int_unop_count(op, true); break;
    case O::kI32Add: int_binop(Alu::kAdd, false); break;
    case O::kI32Sub: int_binop(Alu::kSub, false); break;
    case O::kI32Mul: int_mul(false); break;
    case O::kI32DivS: int_divrem(false, true, false); break;
    case O::kI32DivU: int_divrem(false, false, false); break;
    case O::kI32RemS: int_divrem(false, true, true); break;
    case O::kI32RemU: int_divrem(false, false, true); break;
    case O::kI32And: int_binop(Alu::kAnd, false); break;
    case O::kI32Or: int_binop(Alu::kOr, false); break;
    case O::kI32Xor: int_binop(Alu::kXor, false); break;
    case O::kI32Shl: int_shift(Shift::kShl, false); break;
    case O::kI32ShrS: int_shift(Shift::kSar, false); break;
    case O::kI32ShrU: int_shift(Shift::kShr, false); break;
    case O::kI32Rotl: int_shift(Shift::kRol, false); break;
    case O::kI32Rotr: int_shift(Shift::kRor, false); break;
    case O::kI64Add: int_binop(Alu::kAdd, true); break;
    case O::kI64Sub: int_binop(Alu::kSub, true); break;
    case O::kI64Mul: int_mul(true); break;
    case O::kI64DivS: int_divrem(true, true, false); break;
    case O::kI64DivU: int_divrem(true, false, false); break;
    case O::kI64RemS: int_divrem(true, true, true); break;
    case O::kI64RemU: int_divrem(true, false, true); break;
    case O::kI64And: int_binop(Alu::kAnd, true); break;
    case O::kI64Or: int_binop(Alu::kOr, true); break;
    case O::kI64Xor: int_binop(Alu::kXor, true); break;
    case O::kI64Shl: int_shift(Shift::kShl, true); break;
    case O::kI64ShrS: int_shift(Shift::kSar, true); break;
    case O::kI64ShrU: int_shift(Shift::kShr, true); break;
    case O::kI64Rotl: int_shift(Shift::kRol, true); break;
    case O::kI64Rotr: int_shift(Shift::kRor, true); break;

    // ---- floats
    case O::kF32Abs: case O::kF32Neg: case O::kF32Copysign: float_sign(op, false); break;
    case O::kF64Abs: case O::kF64Neg: case O::kF64Copysign: float_sign(op, true); break;
    case O::kF32Ceil: float_round(2, false); break;
    case O::kF32Floor: float_round(1, false); break;
    case O::kF32Trunc: float_round(3, false); break;
    case O::kF32Nearest: float_round(0, false); break;
    case O::kF64Ceil: float_round(2, true); break;
    case O::kF64Floor: float_round(1, true); break;
    case O::kF64Trunc: float_round(3, true); break;
    case O::kF64Nearest: float_round(0, true); break;
    case O::kF32Sqrt:
    case O::kF64Sqrt: {
      bool dbl = op == O::kF64Sqrt;
      uint8_t a = pop_reg();
      a_.sse_rr(dbl, 0x51, a, a);
      canon_nan(a, dbl);
      push_reg(dbl ? VT::kF64 : VT::kF32, a);
      break;
    }
    case O::kF32Add: float_binop(0x58, false); break;
    case O::kF32Sub: float_binop(0x5C, false); break;
    case O::kF32Mul: float_binop(0x59, false); break;
    case O::kF32Div: float_binop(0x5E, false); break;
    case O::kF32Min: float_minmax(true, false); break;
    case O::kF32Max: float_minmax(false, false); break;
    case O::kF64Add: float_binop(0x58, true); break;
    case O::kF64Sub: float_binop(0x5C, true); break;
    case O::kF64Mul: float_binop(0x59, true); break;
    case O::kF64Div: float_binop(0x5E, true); break;
    case O::kF64Min: float_minmax(true, true); break;
    case O::kF64Max: float_minmax(false, true); break;

    // ---- conversions
    case O::kI32WrapI64: {
      uint8_t a = pop_reg();
      a_.mov_rr(false, a, a);
      push_reg(VT::kI32, a);
      break;
    }
    case O::kI64ExtendI32S: {
      uint8_t a = pop_reg();
      a_.movsxd_rr(a, a);
      push_reg(VT::kI64, a);
      break;
    }
    case O::kI64ExtendI32U: {
      uint8_t a = pop_reg();  // already zero-extended
      push_reg(VT::kI64, a);
      break;
    }
    case O::kI32Extend8S: { uint8_t a = pop_reg(); a_.movsx8_rr(false, a, a); push_reg(VT::kI32, a); break; }
    case O::kI32Extend16S: { uint8_t a = pop_reg(); a_.movsx16_rr(false, a, a); push_reg(VT::kI32, a); break; }
    case O::kI64Extend8S: { uint8_t a = pop_reg(); a_.movsx8_rr(true, a, a); push_reg(VT::kI64, a); break; }
    case O::kI64Extend16S: { uint8_t a = pop_reg(); a_.movsx16_rr(true, a, a); push_reg(VT::kI64, a); break; }
    case O::kI64Extend32S: { uint8_t a = pop_reg(); a_.movsxd_rr(a, a); push_reg(VT::kI64, a); break; }
    case O::kI32TruncF32S: trunc(false, false, true, false); break;
    case O::kI32TruncF32U: trunc(false, false, false, false); break;
    case O::kI32TruncF64S: trunc(true, false, true, false); break;
    case O::kI32TruncF64U: trunc(true, false, false, false); break;
    case O::kI64TruncF32S: trunc(false, true, true, false); break;
    case O::kI64TruncF32U: trunc(false, true, false, false); break;
    case O::kI64TruncF64S: trunc(true, true, true, false); break;
    case O::kI64TruncF64U: trunc(true, true, false, false); break;
    case O::kI32TruncSatF32S: trunc(false, false, true, true); break;
    case O::kI32TruncSatF32U: trunc(false, false, false, true); break;
    case O::kI32TruncSatF64S: trunc(true, false, true, true); break;
    case O::kI32TruncSatF64U: trunc(true, false, false, true); break;
    case O::kI64TruncSatF32S: trunc(false, true, true, true); break;
    case O::kI64TruncSatF32U: trunc(false, true, false, true); break;
    case O::kI64TruncSatF64S: trunc(true, true, true, true); break;
    case O::kI64TruncSatF64U: trunc(true, true, false, true); break;
    case O::kF32ConvertI32S: convert_int(false, false, true); break;
    case O::kF32ConvertI32U: convert_int(false, false, false); break;
    case O::kF32ConvertI64S: convert_int(false, true, true); break;
    case O::kF32ConvertI64U: convert_int(false, true, false); break;
    case O::kF64ConvertI32S: convert_int(true, false, true); break;
    case O::kF64ConvertI32U: convert_int(true, false, false); break;
    case O::kF64ConvertI64S: convert_int(true, true, true); break;
    case O::kF64ConvertI64U: convert_int(true, true, false); break;
    case O::kF32DemoteF64: {
      uint8_t a = pop_reg();
      a_.sse_rr(true, 0x5A, a, a);
      canon_nan(a, false);
      push_reg(VT::kF32, a);
      break;
    }
    case O::kF64PromoteF32: {
      uint8_t a = pop_reg();
      a_.sse_rr(false, 0x5A, a, a);
      canon_nan(a, true);
      push_reg(VT::kF64, a);
      break;
    }
    case O::kI32ReinterpretF32:
    case O::kI64ReinterpretF64: {
      bool w = op == O::kI64ReinterpretF64;
      uint8_t x = pop_reg();
      uint8_t r = alloc(false);
      a_.movq_rx(w, r, x);
      free_reg(x, true);
      push_reg(w ? VT::kI64 : VT::kI32, r);
      break;
    }
    case O::kF32ReinterpretI32:
    case O::kF64ReinterpretI64: {
      bool w = op == O::kF64ReinterpretI64;
      uint8_t a = pop_reg();
      uint8_t x = alloc(true);
      a_.movq_xr(w, x, a);
      free_reg(a, false);
      push_reg(w ? VT::kF64 : VT::kF32, x);
      break;
    }
    default: bad_ = true; break;  // SIMD, atomics, exceptions, GC, wide arithmetic
  }
}

}  // namespace

Expected<std::optional<environ::CompiledFunction>> compile_function(const environ::ModuleEnv& env,
                                                                    environ::DefinedFuncIndex index) {
  thread_local Scratch scratch;
  if (!scratch.cpu_valid || scratch.cpu_spec != env.options.target_features) {
    KILN_ASSIGN_OR_RETURN(scratch.cpu, x64::CpuFeatures::parse(env.options.target_features));
    scratch.cpu_spec = env.options.target_features;
    scratch.cpu_valid = true;
  }
  FunctionCompiler fc(env, scratch.cpu, scratch);
  return fc.compile(index);
}

}  // namespace kiln::codegen::baseline
