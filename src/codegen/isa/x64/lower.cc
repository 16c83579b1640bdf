// codegen/isa/x64/lower.cc: instruction selection for x86-64.
//
//   ir::Function ──(BlockOrder: RPO, critical edges split)──► blocks
//   blocks in reverse, instructions backward ──(rules below)──► VCode
//
// Lowering runs backward (as Cranelift's): when an instruction folds the computation of one of
// its operands (an iadd into an address mode, an icmp into a branch, a constant into an
// immediate), it takes that operand's use away; a pure instruction whose results are no longer
// used by the time it is reached is not lowered at all. Definitions are reached after all their
// uses because a definition dominates its uses and blocks are visited in reverse RPO.
//
// Register conventions: values of i8/i16/i32 live in the low bits of a GPR with the upper bits
// unspecified (except where a rule knows a 32-bit operation zeroed them), i128 in two GPRs
// (lo, hi), floats and vectors in xmm registers.
#include "codegen/isa/x64/lower.h"
#include "codegen/isa/x64/lower_simd.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "codegen/ir/flowgraph.h"
#include "codegen/mach/block_order.h"

namespace kiln::codegen::x64 {

using regalloc::Constraint;
using regalloc::Operand;
using regalloc::OperandKind;
using regalloc::OperandPos;
using regalloc::PReg;
using regalloc::RegClass;
using regalloc::VReg;

namespace {

Error unsupported(std::string what) {
  return Error(ErrorKind::kOther, "x64 backend: unsupported " + std::move(what));
}

RegClass class_of(ir::Type t) {
  return (t.is_float() || t.is_vector()) ? RegClass::kFloat : RegClass::kInt;
}

Cond cond_of(ir::IntCC cc) {
  switch (cc) {
    case ir::IntCC::kEq: return Cond::kE;
    case ir::IntCC::kNe: return Cond::kNe;
    case ir::IntCC::kSlt: return Cond::kL;
    case ir::IntCC::kSge: return Cond::kGe;
    case ir::IntCC::kSgt: return Cond::kG;
    case ir::IntCC::kSle: return Cond::kLe;
    case ir::IntCC::kUlt: return Cond::kB;
    case ir::IntCC::kUge: return Cond::kAe;
    case ir::IntCC::kUgt: return Cond::kA;
    case ir::IntCC::kUle: return Cond::kBe;
  }
  return Cond::kE;
}

// The 16-byte pool entry of a scalar repeated in every lane.
std::array<uint8_t, 16> splat_bits(uint64_t bits, uint32_t bytes) {
  std::array<uint8_t, 16> out{};
  for (uint32_t i = 0; i < 16; i += bytes) std::memcpy(out.data() + i, &bits, bytes);
  return out;
}

}  // namespace

Expected<SigLayout> layout_signature(const ir::Signature& sig) {
  static constexpr uint8_t kIntArgs[] = {reg::kRdi, reg::kRsi, reg::kRdx, reg::kRcx, reg::kR8, reg::kR9};
  SigLayout out;
  uint32_t next_int = 0, next_float = 0, stack = 0;
  auto place = [&](ir::Type t) -> Expected<AbiLoc> {
    if (t == ir::kI128) return unsupported("i128 parameter or result");
    AbiLoc loc;
    if (class_of(t) == RegClass::kInt) {
      if (next_int < 6) { loc.reg = gpr(kIntArgs[next_int++]); return loc; }
    } else if (next_float < 8) {
      loc.reg = xmmr(static_cast<uint8_t>(next_float++));
      return loc;
    }
    loc.in_reg = false;
    uint32_t size = t.is_vector() ? 16 : 8;
    stack = (stack + size - 1) / size * size;
    loc.offset = static_cast<int32_t>(stack);
    stack += size;
    return loc;
  };
  for (const ir::AbiParam& p : sig.params) {
    KILN_ASSIGN_OR_RETURN(AbiLoc loc, place(p.type));
    out.params.push_back(loc);
  }
  bool int_used = false, float_used = false;
  uint32_t area = 0;
  for (const ir::AbiParam& r : sig.returns) {
    if (r.type == ir::kI128) return unsupported("i128 parameter or result");
    AbiLoc loc;
    if (class_of(r.type) == RegClass::kInt && !int_used) {
      int_used = true;
      loc.reg = gpr(reg::kRax);
    } else if (class_of(r.type) == RegClass::kFloat && !float_used) {
      float_used = true;
      loc.reg = xmmr(0);
    } else {
      uint32_t size = r.type.is_vector() ? 16 : 8;
      area = (area + size - 1) / size * size;
      loc.in_reg = false;
      loc.offset = static_cast<int32_t>(area);
      area += size;
      out.has_ret_area = true;
    }
    out.returns.push_back(loc);
  }
  if (out.has_ret_area) {
    out.ret_area_size = (area + 15) / 16 * 16;
    KILN_ASSIGN_OR_RETURN(out.ret_area_ptr, place(ir::kI64));
  }
  out.stack_args_size = (stack + 15) / 16 * 16;
  return out;
}

namespace {

// Calls f(Value) on every value operand of i, branch arguments included (as
// DataFlowGraph::inst_values, without building a list).
template <typename F>
void for_each_value(const ir::DataFlowGraph& dfg, ir::Inst i, F&& f) {
  for (ir::Value v : dfg.fixed_args(i)) f(v);
  for (ir::Value v : dfg.var_args(i)) f(v);
  const ir::InstData& d = dfg[i];
  auto call = [&](const ir::BlockCall& bc) {
    for (ir::Value v : bc.args.as_slice(dfg.pool())) f(v);
  };
  switch (d.format()) {
    case ir::InstFormat::kJump: call(d.dest[0]); break;
    case ir::InstFormat::kBrif: call(d.dest[0]); call(d.dest[1]); break;
    case ir::InstFormat::kBranchTable:
      if (dfg.jump_tables.is_valid(d.jump_table())) {
        const ir::JumpTableData& jt = dfg.jump_tables[d.jump_table()];
        call(jt.default_target);
        for (const ir::BlockCall& bc : jt.targets) call(bc);
      }
      break;
    default: break;
  }
}

// The lowering's tables, kept per thread and reused by every function lowered on it (lower()
// is not reentrant): after the first few functions, lowering allocates only the VCode it
// returns.
struct LowerScratch {
  ir::ControlFlowGraph cfg;
  ir::DominatorTree domtree;
  mach::BlockOrder order;
  SecondaryMap<ir::Value, std::array<VReg, 2>> vregs;
  SecondaryMap<ir::Value, ir::Value> alias;
  SecondaryMap<ir::Value, uint32_t> uses;
  SecondaryMap<ir::Inst, uint8_t> folded_loads;
  std::vector<MInst> group, rev;
  std::vector<uint32_t> rev_end;
  // Calls: the layout of each signature (by SigRef index; valid where ready is 1) and the
  // vregs passed in fixed registers so far.
  std::vector<SigLayout> sig_layouts;
  std::vector<uint8_t> sig_layout_ready;
  std::vector<VReg> fixed_used;
  std::vector<ir::Value> rep;  // by value index: res(v), once compute_aliases has run
};

class Lowerer {
 public:
  Lowerer(const ir::Function& f, const LowerOptions& opts, LowerScratch& s)
      : f_(f), dfg_(f.dfg), opts_(opts), cfg_(s.cfg), domtree_(s.domtree), order_(s.order),
        vregs_(s.vregs), alias_(s.alias), uses_(s.uses), folded_loads_(s.folded_loads),
        group_(s.group), rev_(s.rev), rev_end_(s.rev_end), sig_layouts_(s.sig_layouts),
        sig_layout_ready_(s.sig_layout_ready), fixed_used_(s.fixed_used), rep_(s.rep) {
    rep_.clear();  // filled after compute_aliases; until then res() walks the aliases
    sig_layout_ready_.assign(dfg_.signatures.size(), 0);
    // Every table starts empty and is sized for the function once (no growth by one).
    vregs_.clear();
    vregs_.resize(dfg_.num_values());
    alias_.clear();
    alias_.resize(dfg_.num_values());
    uses_.clear();
    uses_.resize(dfg_.num_values());
    folded_loads_.clear();
    folded_loads_.resize(dfg_.num_insts());
    group_.clear();
    rev_.clear();
  }

  Expected<VCode> run();

 private:
  using Value = ir::Value;
  using Inst = ir::Inst;

  // --- values and vregs ---
  // The value v stands for: through the IR's aliases, then the lowering's own (alias_). Once
  // alias_ is complete (compute_aliases), every value's answer is looked up in rep_.
  Value res(Value v) const {
    if (v.index() < rep_.size()) return rep_[v.index()];
    return resolve(v);
  }
  Value resolve(Value v) const {
    v = dfg_.resolve_aliases(v);
    while (alias_[v].is_valid()) v = alias_[v];
    return v;
  }
  ir::Type ty(Value v) const { return dfg_.value_type(dfg_.resolve_aliases(v)); }
  VReg new_vreg(RegClass c) { return VReg{vc_.num_vregs++, c}; }
  std::array<VReg, 2> regs(Value v) {
    v = res(v);
    auto& r = vregs_[v];
    if (!r[0].is_valid()) {
      ir::Type t = dfg_.value_type(v);
      r[0] = new_vreg(class_of(t));
      if (t == ir::kI128) r[1] = new_vreg(RegClass::kInt);
    }
    return r;
  }
  VReg put(Value v) { return regs(v)[0]; }
  Inst def_of(Value v) const { return dfg_.value_inst(res(v)); }
  // The defining instruction of v if it is `op` (in the current block when `local`).
  std::optional<Inst> match(Value v, ir::Opcode op, bool local = false) const {
    Inst d = def_of(v);
    if (!d.is_valid() || dfg_[d].opcode != op) return std::nullopt;
    if (local && f_.layout.inst_block(d) != cur_block_) return std::nullopt;
    return d;
  }
  // match() for patterns that recompute the operation at v's width (address arithmetic, lea):
  // not through a free zero-extension (compute_aliases), whose i32 operation wraps at 32 bits
  // where the same operation on i64 would not (uextend(x << 3) is not uextend(x) << 3).
  std::optional<Inst> match_unwidened(Value v, ir::Opcode op, bool local = false) const {
    auto d = match(v, op, local);
    if (d && dfg_.value_type(dfg_.first_result(*d)).bits() < ty(v).bits()) return std::nullopt;
    return d;
  }
  std::optional<int64_t> iconst(Value v) const {
    auto d = match(v, ir::Opcode::kIconst);
    if (!d) return std::nullopt;
    ir::Type t = ty(v);
    int64_t x = dfg_[*d].imm;
    uint32_t bits = t.bits();
    if (bits < 64) x = static_cast<int64_t>(static_cast<uint64_t>(x) << (64 - bits)) >> (64 - bits);
    return x;
  }
  static bool fits32(int64_t x) { return x >= INT32_MIN && x <= INT32_MAX; }
  // A constant usable as a sign-extended imm32 operand of a `bytes`-wide operation.
  std::optional<int32_t> imm32(Value v, uint32_t bytes) const {
    auto c = iconst(v);
    if (!c) return std::nullopt;
    if (bytes <= 4) return static_cast<int32_t>(*c);
    if (fits32(*c)) return static_cast<int32_t>(*c);
    return std::nullopt;
  }
  // Folding bookkeeping: `user` no longer uses the result of `d` directly but uses `refs`.
  void fold(Value v, std::initializer_list<Value> refs) {
    uses_[res(v)]--;
    for (Value r : refs) uses_[res(r)]++;
  }
  void fold(Value v) { fold(v, {}); }

  // --- emission into the current instruction group ---
  MInst& emit(Op op, uint8_t size = 8) {
    group_.emplace_back();
    group_.back().op = op;
    group_.back().size = size;
    group_.back().inline_id = cur_inline_;
    return group_.back();
  }
  static uint8_t opnd(MInst& m, Operand o) {
    // Most instructions have two to four operands: one allocation instead of three.
    if (m.ops.capacity() == 0) m.ops.reserve(4);
    m.ops.push_back(o);
    return static_cast<uint8_t>(m.ops.size() - 1);
  }
  static Operand early_def(VReg v) {
    Operand o = Operand::def(v);
    o.pos = OperandPos::kEarly;
    return o;
  }
  VReg copy(VReg s) {
    VReg d = new_vreg(s.cls);
    MInst& m = emit(Op::kMov);
    opnd(m, Operand::use(s));
    opnd(m, Operand::def(d));
    return d;
  }
  VReg imm_reg(int64_t x, uint8_t size) {
    VReg d = new_vreg(RegClass::kInt);
    MInst& m = emit(Op::kImm, size);
    m.imm = x;
    opnd(m, Operand::def(d));
    return d;
  }
  VReg ext(VReg s, uint8_t from, uint8_t to, bool sign) {
    VReg d = new_vreg(RegClass::kInt);
    MInst& m = emit(Op::kExt, to);
    m.size2 = from;
    m.flags = sign ? kFSigned : 0;
    opnd(m, Operand::use(s));
    opnd(m, Operand::def(d));
    return d;
  }
  void mov_to(VReg s, VReg d) {
    MInst& m = emit(Op::kMov);
    opnd(m, Operand::use(s));
    opnd(m, Operand::def(d));
  }
  // dst = op(a, b) two-address. `b_constraint` kAny lets the allocator leave b in its spill
  // slot (the emitter reads it as `mn d, [rsp + slot]`); callers keep kReg for constants,
  // which are rematerialised into a register rather than given a slot.
  void alu_rr(Mn mn, uint8_t size, VReg a, VReg b, VReg d, Constraint b_constraint = Constraint::kReg) {
    MInst& m = emit(Op::kAluRR, size);
    m.mn = mn;
    opnd(m, Operand::use(a));
    opnd(m, Operand::use(b, b_constraint));
    opnd(m, Operand::reuse_def(d, 0));
  }
  // The constraint of an ALU or compare source operand that may be read from memory: a
  // register or the value's spill slot, except for constants (see alu_rr).
  Constraint rm_constraint(Value v) const { return iconst(v) ? Constraint::kReg : Constraint::kAny; }
  void alu_ri(Mn mn, uint8_t size, VReg a, int64_t imm, VReg d) {
    MInst& m = emit(Op::kAluRI, size);
    m.mn = mn;
    m.imm = imm;
    m.flags = kFImm;
    opnd(m, Operand::use(a));
    opnd(m, Operand::reuse_def(d, 0));
  }

  // Address of a memory access: folds iadd (with constants, and shifted indices) into an x86
  // amode. Computed before the instruction is created (it may emit zero-extensions), then
  // applied to it with apply_amode, which adds the base/index operands.
  struct AddrParts {
    VReg base, index;
    uint8_t shift = 0;
    int32_t disp = 0;
  };
  AddrParts amode(Value addr, int32_t offset);
  static void apply_amode(MInst& m, const AddrParts& p) {
    m.mem = Amode{};
    m.mem.base = opnd(m, Operand::use(p.base));
    if (p.index.is_valid()) m.mem.index = opnd(m, Operand::use(p.index));
    m.mem.shift = p.shift;
    m.mem.disp = p.disp;
  }
  // Adds a comparison's operands to m: `a, b` or `a` with imm (kFImm) or `a` alone when
  // comparing with zero (kFTest); with `user` (the branch consuming the compare), `b` may be a
  // load folded into a memory operand (kFCmpMem, see foldable_load). Returns the condition
  // (after swapping operands if needed).
  Cond cmp_operands(MInst& m, ir::IntCC cc, Value a, Value b, Inst user = Inst());
  // A plain non-trapping integer load of `bytes` whose only use is `user`'s, in the current
  // block, with nothing between the two that may write memory or leave the block: reading the
  // memory at `user` instead reads the same value. `user` is a branch whose compare was folded
  // into it (fold() gave the load's value a second, transferred use; the dead compare's own
  // use goes when the walk skips it), so the load's count must be exactly 2.
  std::optional<Inst> foldable_load(Value v, Inst user, uint32_t bytes) const;
  // A scalar float load of `bytes` (or a vector load, bytes = 16, through its bitcasts) used
  // only by `user` (the instruction being lowered), in the current block, with nothing between
  // them that writes memory or may trap other than loads (so a trapping load may move: no
  // store or other trap can come between), from a 64-bit address: it can be `user`'s memory
  // source operand.
  std::optional<Inst> foldable_float_load(Value v, Inst user, uint32_t bytes) const;
  // The same for a plain integer load of type t (i32/i64) as an ALU instruction's source.
  std::optional<Inst> foldable_int_load(Value v, Inst user, ir::Type t) const;
  // dst = op(a, [the load of b]) when b is a foldable integer load (see above); false if not.
  bool alu_rm(Mn mn, uint8_t size, Value a, Value b, Value out, Inst user);
  // Makes load `ld` (which defines b) m's memory source operand (kFMemSrc): its address
  // operands, and its trap site when it may trap (then the walk drops the load itself).
  void fold_load_source(MInst& m, Value b, Inst ld);
  // Whether every instruction strictly between `from` and `to` (same block, in layout order)
  // is pure or a load that is not also a store or call.
  bool only_loads_between(Inst from, Inst to) const;
  // A whole-value load/store of type t (return areas, stack arguments).
  static void set_move_kind(MInst& m, ir::Type t) {
    if (t.is_vector()) { m.mn = Mn::kMovdqu; m.size = 16; }
    else if (t == ir::kF32) { m.mn = Mn::kMovss; m.size = 4; }
    else if (t == ir::kF64) { m.mn = Mn::kMovsd; m.size = 8; }
    else { m.mn = Mn::kMov; m.size = 8; }
    m.size2 = m.size;
  }
  uint8_t int_size(ir::Type t) const { return static_cast<uint8_t>(t.bytes() < 4 ? 4 : t.bytes()); }

  Expected<void> lower_inst(Inst i);
  Expected<void> lower_branch(Inst i, uint32_t lblock);
  struct MaskTest {
    Value x;
    int32_t k;
    uint8_t bytes;
  };
  std::optional<MaskTest> mask_test(Value v) const;
  void emit_mask_branch(Inst i, Value v, const MaskTest& t, Cond cc);
  bool lower_brif_band_zero(Inst i, Inst cmp, Value c);
  // A condition tested for nonzero: through zero extensions used only here (Wasm's i32
  // results of compares reach br_if and select as uextend(icmp|fcmp)), which keep zero-ness.
  Value condition_source(Value c) {
    while (auto ue = match(c, ir::Opcode::kUextend, true)) {
      if (uses_[res(c)] != 1) break;
      Value inner = dfg_[*ue].args[0];
      if (ty(inner) == ir::kI128 || ty(inner).is_vector()) break;
      fold(c, {inner});
      c = inner;
    }
    return c;
  }
  Expected<void> lower_call(Inst i, bool tail);
  Expected<void> lower_i128(Inst i);
  Expected<void> lower_float(Inst i);
  Expected<void> lower_memory(Inst i);
  Expected<void> lower_int(Inst i);
  Expected<void> lower_convert(Inst i);
  void add_branch_args(MInst& m, Inst i);
  void compute_aliases();
  bool upper32_zero(Value v) const;

  const ir::Function& f_;
  const ir::DataFlowGraph& dfg_;
  const LowerOptions& opts_;
  ir::ControlFlowGraph& cfg_;
  ir::DominatorTree& domtree_;
  mach::BlockOrder& order_;
  SigLayout sig_;
  VCode vc_;
  SecondaryMap<Value, std::array<VReg, 2>>& vregs_;
  SecondaryMap<Value, Value>& alias_;
  SecondaryMap<Value, uint32_t>& uses_;
  // Trapping loads folded into their user as a memory operand (which carries the trap site):
  // the walk drops them although a trapping load counts as a side effect.
  SecondaryMap<Inst, uint8_t>& folded_loads_;
  ir::Block cur_block_;
  VReg ret_area_ptr_;
  std::vector<MInst>& group_;  // instructions of the IR inst being lowered (storage reused)
  uint32_t cur_inline_ = 0;    // MInst::inline_id of the IR inst being lowered
  // 1 + the index of the ir::Function::inline_sites range holding inst i, or 0.
  uint32_t inline_id_of(Inst i) const {
    const auto& sites = f_.inline_sites;
    auto it = std::upper_bound(sites.begin(), sites.end(), i.index(),
                               [](uint32_t x, const ir::Function::InlineSite& s) { return x < s.first_inst; });
    if (it == sites.begin() || i.index() >= std::prev(it)->end_inst) return 0;
    return static_cast<uint32_t>(it - sites.begin());
  }
  // All lowered instructions in reverse order (blocks and instructions are lowered backward):
  // run() moves them into vc_.insts in forward order once, instead of collecting per-group
  // and per-block vectors. Lowered block k ends at rev_end_[k] in rev_.
  std::vector<MInst>& rev_;
  std::vector<uint32_t>& rev_end_;
  std::vector<SigLayout>& sig_layouts_;
  std::vector<uint8_t>& sig_layout_ready_;
  std::vector<VReg>& fixed_used_;
  std::vector<Value>& rep_;
};

Lowerer::AddrParts Lowerer::amode(Value addr, int32_t offset) {
  int64_t disp = offset;
  Value base = addr, index;
  uint8_t shift = 0;
  if (ty(addr) == ir::kI64) {
    if (auto add = match_unwidened(addr, ir::Opcode::kIadd)) {
      Value x = dfg_[*add].args[0], y = dfg_[*add].args[1];
      if (auto c = iconst(y); c && fits32(disp + *c)) {
        fold(addr, {x});
        base = x;
        disp += *c;
      } else if (auto c2 = iconst(x); c2 && fits32(disp + *c2)) {
        fold(addr, {y});
        base = y;
        disp += *c2;
      } else {
        // x + (y << k) with k <= 3 becomes an index with a scale.
        auto scaled = [&](Value v) -> std::optional<std::pair<Value, uint8_t>> {
          if (auto sh = match_unwidened(v, ir::Opcode::kIshl)) {
            auto k = iconst(dfg_[*sh].args[1]);
            if (k && *k >= 0 && *k <= 3) return std::make_pair(dfg_[*sh].args[0], static_cast<uint8_t>(*k));
          }
          return std::nullopt;
        };
        if (auto s = scaled(y)) {
          fold(addr, {x, y});
          fold(y, {s->first});
          base = x;
          index = s->first;
          shift = s->second;
        } else if (auto s2 = scaled(x)) {
          fold(addr, {x, y});
          fold(x, {s2->first});
          base = y;
          index = s2->first;
          shift = s2->second;
        } else {
          fold(addr, {x, y});
          base = x;
          index = y;
        }
      }
    }
  }
  if (!fits32(disp)) {  // the offset overflowed with a folded constant: keep it unfolded
    disp = offset;
  }
  AddrParts p;
  p.base = put(base);
  if (ty(base) == ir::kI32) p.base = ext(p.base, 4, 8, false);
  if (index.is_valid()) {
    p.index = put(index);
    if (ty(index) == ir::kI32) p.index = ext(p.index, 4, 8, false);
  }
  p.shift = shift;
  p.disp = static_cast<int32_t>(disp);
  return p;
}

bool Lowerer::only_loads_between(ir::Inst from, ir::Inst to) const {
  for (Inst k = f_.layout.next_inst(from); k != to; k = f_.layout.next_inst(k)) {
    if (!k.is_valid()) return false;
    ir::Opcode op = dfg_[k].opcode;
    // Other loads and pure operations may sit between; anything else (stores, calls, atomics,
    // fences, possible traps) keeps the load where it is.
    if (f_.has_side_effects(k) && !(ir::can_load(op) && !ir::can_store(op) && !ir::is_call(op))) {
      return false;
    }
  }
  return true;
}

std::optional<ir::Inst> Lowerer::foldable_load(ir::Value v, ir::Inst user, uint32_t bytes) const {
  if (!user.is_valid() || (bytes != 4 && bytes != 8)) return std::nullopt;
  auto d = match_unwidened(v, ir::Opcode::kLoad, true);  // its own width, not an extension's
  if (!d || uses_[res(v)] != 2 || !dfg_[*d].mem_flags().notrap()) return std::nullopt;
  if (!ty(v).is_int() || ty(v).bytes() != bytes) return std::nullopt;
  // A 64-bit address: amode() then emits nothing (an i32 one would need a zero-extension
  // ahead of the instruction already being built).
  if (ty(dfg_[*d].args[0]) != ir::kI64) return std::nullopt;
  if (!only_loads_between(*d, user)) return std::nullopt;
  return d;
}

std::optional<ir::Inst> Lowerer::foldable_float_load(ir::Value v, ir::Inst user, uint32_t bytes) const {
  auto d = match_unwidened(v, ir::Opcode::kLoad, true);  // its own width, not an extension's
  if (!d) return std::nullopt;
  // A vector load reaches its user through bitcasts (aliases, compute_aliases), each of which
  // still counts its own use of the load until the backward walk skips it.
  uint32_t hops = 0;
  for (Value x = dfg_.resolve_aliases(v); alias_[x].is_valid() && hops < 8; ++hops) {
    Inst a = dfg_.value_inst(x);
    if (!a.is_valid() || dfg_[a].opcode != ir::Opcode::kBitcast) return std::nullopt;
    x = dfg_.resolve_aliases(dfg_[a].args[0]);
  }
  if (uses_[res(v)] != 1 + hops) return std::nullopt;
  ir::Type t = ty(v);
  if ((t != ir::kF32 && t != ir::kF64 && !t.is_vector()) || t.bytes() != bytes) return std::nullopt;
  if (ty(dfg_[*d].args[0]) != ir::kI64) return std::nullopt;
  if (!only_loads_between(*d, user)) return std::nullopt;
  return d;
}

std::optional<ir::Inst> Lowerer::foldable_int_load(ir::Value v, ir::Inst user, ir::Type t) const {
  auto d = match_unwidened(v, ir::Opcode::kLoad, true);  // its own width, not an extension's
  if (!d || uses_[res(v)] != 1 || ty(v) != t || (t != ir::kI32 && t != ir::kI64)) return std::nullopt;
  if (ty(dfg_[*d].args[0]) != ir::kI64) return std::nullopt;
  if (!only_loads_between(*d, user)) return std::nullopt;
  return d;
}

bool Lowerer::alu_rm(Mn mn, uint8_t size, ir::Value a, ir::Value b, ir::Value out, ir::Inst user) {
  if (a == b) return false;
  auto ld = foldable_int_load(b, user, ty(out));
  if (!ld) return false;
  MInst& m = emit(Op::kAluRR, size);
  m.mn = mn;
  opnd(m, Operand::use(put(a)));
  fold_load_source(m, b, *ld);
  opnd(m, Operand::reuse_def(put(out), 0));
  return true;
}

void Lowerer::fold_load_source(MInst& m, ir::Value b, ir::Inst ld) {
  const ir::InstData& ldd = dfg_[ld];
  m.flags |= kFMemSrc;
  fold(b, {ldd.args[0]});
  apply_amode(m, amode(ldd.args[0], ldd.offset()));
  if (!ldd.mem_flags().notrap()) {
    m.flags |= kFTrap;
    m.aux = static_cast<uint32_t>(ir::TrapCode::kHeapOutOfBounds);
    folded_loads_[ld] = 1;
  }
}

Cond Lowerer::cmp_operands(MInst& m, ir::IntCC cc, ir::Value a, ir::Value b, ir::Inst user) {
  uint32_t bytes = ty(a).bytes();
  if (!iconst(b) && iconst(a)) {
    std::swap(a, b);
    cc = ir::intcc_swap_args(cc);
  } else if (!iconst(b) && !foldable_load(b, user, bytes) && foldable_load(a, user, bytes)) {
    std::swap(a, b);
    cc = ir::intcc_swap_args(cc);
  }
  m.size2 = static_cast<uint8_t>(bytes);
  opnd(m, Operand::use(put(a)));
  // A folded constant operand is no longer used by this instruction (callers fold the icmp
  // with both operands as references).
  if (auto c = iconst(b); c && *c == 0) {
    fold(b);
    m.flags |= kFTest;
  } else if (auto i = imm32(b, bytes)) {
    fold(b);
    m.flags |= kFImm;
    m.imm = *i;
  } else if (auto ld = foldable_load(b, user, bytes)) {
    const ir::InstData& d = dfg_[*ld];
    fold(b, {d.args[0]});
    apply_amode(m, amode(d.args[0], d.offset()));
    m.flags |= kFCmpMem;
  } else {
    opnd(m, Operand::use(put(b), rm_constraint(b)));  // cmp a, b|[slot]
  }
  return cond_of(cc);
}

// Whether the register of i32 value `v` has bits 32..63 zero: its definition is a 32-bit x86
// operation (which zeroes them) or a load that zero-extends. The operand's own definition
// counts, not what it aliases: an ireduce of an i64 shares the i64's register, whose upper bits
// are not zero.
bool Lowerer::upper32_zero(Value v) const {
  Inst s = dfg_.value_inst(dfg_.resolve_aliases(v));
  if (!s.is_valid()) return false;
  switch (dfg_[s].opcode) {
    case ir::Opcode::kIadd: case ir::Opcode::kIsub: case ir::Opcode::kImul:
    case ir::Opcode::kBand: case ir::Opcode::kBor: case ir::Opcode::kBxor:
    case ir::Opcode::kBnot: case ir::Opcode::kIneg: case ir::Opcode::kIshl:
    case ir::Opcode::kUshr: case ir::Opcode::kSshr: case ir::Opcode::kRotl:
    case ir::Opcode::kRotr: case ir::Opcode::kIconst: case ir::Opcode::kLoad:
    case ir::Opcode::kUload8: case ir::Opcode::kUload16: case ir::Opcode::kSload8:
    case ir::Opcode::kSload16: case ir::Opcode::kUdiv: case ir::Opcode::kUrem:
    case ir::Opcode::kSdiv: case ir::Opcode::kSrem: case ir::Opcode::kClz:
    case ir::Opcode::kCtz: case ir::Opcode::kPopcnt: case ir::Opcode::kUextend:
    case ir::Opcode::kSextend: case ir::Opcode::kSelect: case ir::Opcode::kStackLoad:
      return true;
    default:
      return false;
  }
}

// Results that are just another value's registers: no instruction needed.
void Lowerer::compute_aliases() {
  for (ir::Block b : domtree_.rpo()) {
    for (Inst i : f_.layout.insts(b)) {
      const ir::InstData& d = dfg_[i];
      if (!dfg_.has_results(i)) continue;
      Value r = dfg_.first_result(i);
      ir::Type rt = dfg_.value_type(r);
      switch (d.opcode) {
        case ir::Opcode::kIreduce:
          if (ty(d.args[0]) != ir::kI128) alias_[r] = res(d.args[0]);
          break;
        case ir::Opcode::kUextend: {
          // A scalar compare's result is materialised by setcc + movzx r32 (CmpSet), which
          // zeroes bits 8..63: extending it is free.
          if (ty(d.args[0]) == ir::kI8) {
            Inst s = dfg_.value_inst(dfg_.resolve_aliases(d.args[0]));
            if (s.is_valid() && dfg_[s].opcode == ir::Opcode::kIcmp) {
              ir::Type ct = ty(dfg_[s].args[0]);
              if (ct != ir::kI128 && !ct.is_vector()) alias_[r] = res(d.args[0]);
            }
            break;
          }
          // A 32-bit x86 operation zeroes bits 32..63, so extending its result is free.
          if (rt == ir::kI64 && ty(d.args[0]) == ir::kI32 && upper32_zero(d.args[0])) alias_[r] = res(d.args[0]);
          break;
        }
        case ir::Opcode::kBitcast:
          if (class_of(rt) == class_of(ty(d.args[0])) && rt != ir::kI128 && ty(d.args[0]) != ir::kI128) {
            alias_[r] = res(d.args[0]);
          }
          break;
        default:
          break;
      }
    }
  }
}

void Lowerer::add_branch_args(MInst& m, Inst i) {
  const auto& succs = order_.succs_of(cur_block_);
  // The branch targets in branch_targets() order (the successors' order), without the list.
  size_t k = 0;
  auto add = [&](const ir::BlockCall& bc) {
    if (succs[k++].pass_args) {
      for (Value v : bc.args.as_slice(dfg_.pool())) {
        const auto& r = regs(v);
        m.branch_args.push_back(r[0]);
        if (r[1].is_valid()) m.branch_args.push_back(r[1]);
      }
    }
  };
  const ir::InstData& d = dfg_[i];
  switch (d.format()) {
    case ir::InstFormat::kJump: add(d.dest[0]); break;
    case ir::InstFormat::kBrif: add(d.dest[0]); add(d.dest[1]); break;
    case ir::InstFormat::kBranchTable:
      if (dfg_.jump_tables.is_valid(d.jump_table())) {
        const ir::JumpTableData& jt = dfg_.jump_tables[d.jump_table()];
        add(jt.default_target);
        for (const ir::BlockCall& bc : jt.targets) add(bc);
      }
      break;
    default: break;
  }
}

// `band x, K` used only by its one user (a branch, or a compare with zero a branch uses), K an
// imm32: the branch can be `test x, K` and the and's result is never materialised.
std::optional<Lowerer::MaskTest> Lowerer::mask_test(Value v) const {
  ir::Type t = ty(v);
  auto an = match(v, ir::Opcode::kBand, true);
  if (!an || uses_[res(v)] != 1 || (t != ir::kI32 && t != ir::kI64)) return std::nullopt;
  uint8_t bytes = static_cast<uint8_t>(t.bytes());
  Value x = dfg_[*an].args[0], y = dfg_[*an].args[1];
  std::optional<int32_t> k = imm32(y, bytes);
  if (!k && (k = imm32(x, bytes))) std::swap(x, y);
  if (!k) return std::nullopt;
  return MaskTest{x, *k, bytes};
}

// `test x, K; jcc` for brif i on the band v that mask_test matched.
void Lowerer::emit_mask_branch(Inst i, Value v, const MaskTest& t, Cond cc) {
  fold(v, {t.x});
  const auto& succs = order_.succs_of(cur_block_);
  MInst& m = emit(Op::kBrTest);
  m.cc = cc;
  m.size2 = t.bytes;
  m.imm = t.k;
  m.flags = kFImm;
  opnd(m, Operand::use(put(t.x)));
  m.targets[0] = succs[0].block;
  m.targets[1] = succs[1].block;
  add_branch_args(m, i);
}

// brif (icmp eq|ne (band x, K), 0) with the compare and the band used only there:
// `test x, K; je|jne` (neither the and's result nor the compare's is materialised).
bool Lowerer::lower_brif_band_zero(Inst i, Inst cmp, Value c) {
  const ir::InstData& cd = dfg_[cmp];
  ir::IntCC icc = cd.intcc();
  if ((icc != ir::IntCC::kEq && icc != ir::IntCC::kNe) || uses_[res(c)] != 1) return false;
  Value a = cd.args[0], z = cd.args[1];
  if (iconst(z) != 0) std::swap(a, z);
  if (iconst(z) != 0) return false;
  auto t = mask_test(a);
  if (!t) return false;
  fold(c, {a});
  emit_mask_branch(i, a, *t, icc == ir::IntCC::kEq ? Cond::kE : Cond::kNe);
  return true;
}

Expected<void> Lowerer::lower_branch(Inst i, uint32_t lblock) {
  const ir::InstData& d = dfg_[i];
  const auto& succs = order_.succs_of(cur_block_);
  (void)lblock;
  switch (d.opcode) {
    case ir::Opcode::kJump: {
      MInst& m = emit(Op::kJump);
      m.targets[0] = succs[0].block;
      add_branch_args(m, i);
      return ok();
    }
    case ir::Opcode::kBrif: {
      Value c = condition_source(d.args[0]);
      ir::Type ct = ty(c);
      if (auto cmp = match(c, ir::Opcode::kIcmp, true); cmp && ty(dfg_[*cmp].args[0]) != ir::kI128 &&
                                                         !ty(dfg_[*cmp].args[0]).is_vector()) {
        if (lower_brif_band_zero(i, *cmp, c)) return ok();
        fold(c, {dfg_[*cmp].args[0], dfg_[*cmp].args[1]});
        // With the compare dead (this branch its only user), a loaded operand may become a
        // memory operand of the cmp.
        Inst user = uses_[res(c)] == 0 ? i : Inst();
        MInst& m = emit(Op::kBrCmp);
        m.cc = cmp_operands(m, dfg_[*cmp].intcc(), dfg_[*cmp].args[0], dfg_[*cmp].args[1], user);
        m.targets[0] = succs[0].block;
        m.targets[1] = succs[1].block;
        add_branch_args(m, i);
        return ok();
      }
      if (auto fc = match(c, ir::Opcode::kFcmp, true); fc && !ty(dfg_[*fc].args[0]).is_vector()) {
        fold(c, {dfg_[*fc].args[0], dfg_[*fc].args[1]});
        MInst& m = emit(Op::kBrFcmp, static_cast<uint8_t>(ty(dfg_[*fc].args[0]).bytes()));
        m.aux = static_cast<uint32_t>(dfg_[*fc].floatcc());
        opnd(m, Operand::use(put(dfg_[*fc].args[0])));
        opnd(m, Operand::use(put(dfg_[*fc].args[1])));
        m.targets[0] = succs[0].block;
        m.targets[1] = succs[1].block;
        add_branch_args(m, i);
        return ok();
      }
      // brif (band x, K) with the band used only here: `test x, K; jnz`.
      if (auto t = mask_test(c)) {
        emit_mask_branch(i, c, *t, Cond::kNe);
        return ok();
      }
      VReg cv = put(c);
      uint8_t size = static_cast<uint8_t>(ct.bytes());
      if (ct == ir::kI128) {
        VReg t = new_vreg(RegClass::kInt);
        alu_rr(Mn::kOr, 8, regs(c)[0], regs(c)[1], t);
        cv = t;
        size = 8;
      }
      MInst& m = emit(Op::kBrTest);
      m.cc = Cond::kNe;
      m.size2 = size;
      opnd(m, Operand::use(cv));
      m.targets[0] = succs[0].block;
      m.targets[1] = succs[1].block;
      add_branch_args(m, i);
      return ok();
    }
    case ir::Opcode::kBrTable: {
      // The index is zero-extended into a fresh register the branch may clobber (terminators
      // define nothing, so the temporary is an operand the branch consumes). An i32 whose
      // register already has zero upper bits is only copied, a copy the allocator removes when
      // the index dies at the branch.
      uint8_t isize = static_cast<uint8_t>(ty(d.args[0]).bytes());
      VReg idx;
      if (isize == 8 || (isize == 4 && upper32_zero(d.args[0]))) {
        idx = new_vreg(RegClass::kInt);
        mov_to(put(d.args[0]), idx);
      } else {
        idx = ext(put(d.args[0]), isize, 8, false);
      }
      MInst& m = emit(Op::kBrTable);
      m.size2 = 8;
      opnd(m, Operand::use(idx));
      m.targets[0] = succs[0].block;
      std::vector<uint32_t> table;
      for (size_t k = 1; k < succs.size(); ++k) table.push_back(succs[k].block);
      m.aux = static_cast<uint32_t>(vc_.jump_tables.size());
      vc_.jump_tables.push_back(std::move(table));
      add_branch_args(m, i);
      return ok();
    }
    default:
      return unsupported("branch");
  }
}

Expected<void> Lowerer::lower_call(Inst i, bool tail) {
  const ir::InstData& d = dfg_[i];
  bool indirect = d.opcode == ir::Opcode::kCallIndirect || d.opcode == ir::Opcode::kReturnCallIndirect;
  ir::SigRef sref;
  const ir::ExtFuncData* ext = nullptr;
  if (indirect) {
    sref = d.sig_ref();
  } else {
    ext = &dfg_.ext_funcs[d.func_ref()];
    sref = ext->signature;
  }
  const ir::Signature& sig = dfg_.signatures[sref];
  // Computed once per signature and function (functions call the same few signatures often).
  if (sref.index() >= sig_layout_ready_.size()) sig_layout_ready_.resize(sref.index() + 1, 0);
  if (sref.index() >= sig_layouts_.size()) sig_layouts_.resize(sref.index() + 1);
  if (!sig_layout_ready_[sref.index()]) {
    KILN_ASSIGN_OR_RETURN(sig_layouts_[sref.index()], layout_signature(sig));
    sig_layout_ready_[sref.index()] = 1;
  }
  const SigLayout& lay = sig_layouts_[sref.index()];
  auto vargs = dfg_.var_args(i);
  size_t first_arg = indirect ? 1 : 0;
  if (vargs.size() != first_arg + sig.params.size()) return unsupported("call argument count");

  MInst call;
  call.op = tail ? Op::kTailCall : Op::kCall;
  call.inline_id = cur_inline_;  // a call from inlined code names that frame (emit.cc)
  if (indirect) {
    call.flags |= kFIndirect;
    opnd(call, Operand::use(put(vargs[0])));
  } else {
    call.aux = static_cast<uint32_t>(vc_.names.size());
    vc_.names.push_back(ext->name);
    if (ext->colocated) call.flags |= kFColocated;
  }
  std::vector<VReg>& fixed_used = fixed_used_;
  fixed_used.clear();
  auto add_arg = [&](VReg v, const AbiLoc& loc, ir::Type t) {
    if (loc.in_reg) {
      // The same vreg in two fixed registers: give the second its own copy.
      for (VReg u : fixed_used) {
        if (u == v) { v = copy(v); break; }
      }
      fixed_used.push_back(v);
      opnd(call, Operand::fixed_use(v, loc.reg));
    } else {
      // The position as a full integer: stack arguments may be operand 256 and beyond.
      opnd(call, Operand::use(v, Constraint::kAny));
      uint32_t pos = static_cast<uint32_t>(call.ops.size() - 1);
      call.stack_args.push_back({pos, static_cast<uint8_t>(t.is_vector() ? 16 : t == ir::kF32 ? 4 : 8), loc.offset});
    }
  };
  for (size_t k = 0; k < sig.params.size(); ++k) {
    add_arg(put(vargs[first_arg + k]), lay.params[k], sig.params[k].type);
  }
  uint32_t ret_slot = 0;
  if (lay.has_ret_area) {
    if (tail) {
      add_arg(ret_area_ptr_, lay.ret_area_ptr, ir::kI64);
    } else {
      ret_slot = static_cast<uint32_t>(vc_.slots.size());
      vc_.slots.push_back({lay.ret_area_size, 16});
      VReg p = new_vreg(RegClass::kInt);
      MInst& lea = emit(Op::kLea);
      lea.mem.base_kind = Amode::Base::kSlot;
      lea.mem.slot = ret_slot;
      opnd(lea, Operand::def(p));
      add_arg(p, lay.ret_area_ptr, ir::kI64);
    }
  }
  if (tail) {
    if (lay.stack_args_size > vc_.incoming_args) {
      return unsupported("return_call needing more stack arguments than the caller received");
    }
    group_.push_back(std::move(call));
    return ok();
  }
  vc_.outgoing_args = std::max(vc_.outgoing_args, lay.stack_args_size);
  // A preserve-all callee keeps every register but its results (which are defs anyway).
  regalloc::PRegSet clobbers =
      sig.call_conv == ir::CallConv::kPreserveAll ? regalloc::PRegSet{} : call_clobbers();
  auto results = dfg_.inst_results(i);
  struct AreaResult { VReg v; int32_t offset; ir::Type t; };
  std::vector<AreaResult> area_results;
  for (size_t k = 0; k < results.size(); ++k) {
    VReg v = put(results[k]);
    if (lay.returns[k].in_reg) {
      opnd(call, Operand::fixed_def(v, lay.returns[k].reg));
      clobbers.bits &= ~(uint64_t{1} << lay.returns[k].reg.index());
    } else {
      area_results.push_back({v, lay.returns[k].offset, ty(results[k])});
    }
  }
  call.clobbers = clobbers;
  group_.push_back(std::move(call));
  for (const AreaResult& r : area_results) {
    MInst& ld = emit(Op::kLoad);
    ld.mem.base_kind = Amode::Base::kSlot;
    ld.mem.slot = ret_slot;
    ld.mem.disp = r.offset;
    set_move_kind(ld, r.t);
    opnd(ld, Operand::def(r.v));
  }
  return ok();
}

Expected<void> Lowerer::lower_memory(Inst i) {
  const ir::InstData& d = dfg_[i];
  ir::Opcode op = d.opcode;
  bool is_store = ir::can_store(op);
  ir::Type t = is_store ? ty(d.args[0]) : dfg_.value_type(dfg_.first_result(i));
  uint32_t access = ir::mem_access_bytes(op, t);
  bool stack = op == ir::Opcode::kStackLoad || op == ir::Opcode::kStackStore;
  bool traps = !stack && !d.mem_flags().notrap();
  // Folded constants may move the displacement; the i128 high half needs disp + 8 too.
  AddrParts parts;
  if (!stack) {
    parts = amode(d.args[is_store ? 1 : 0], d.offset());
    if (!fits32(int64_t{parts.disp} + 8) && t == ir::kI128) {
      return unsupported("i128 access at offset near 2^31");
    }
  }
  auto set_addr = [&](MInst& m, int32_t extra) {
    if (stack) {
      m.mem = Amode{};
      m.mem.base_kind = Amode::Base::kSlot;
      m.mem.slot = d.stack_slot().index();
      m.mem.disp = d.offset() + extra;
    } else {
      apply_amode(m, parts);
      m.mem.disp += extra;
    }
    if (traps) {
      m.flags |= kFTrap;
      m.aux = static_cast<uint32_t>(ir::TrapCode::kHeapOutOfBounds);
    }
  };
  if (t == ir::kI128) {
    if (access != 16) return unsupported("narrow i128 memory access");
    const auto& r = is_store ? regs(d.args[0]) : regs(dfg_.first_result(i));
    for (int half = 0; half < 2; ++half) {
      MInst& m = emit(is_store ? Op::kStore : Op::kLoad);
      m.mn = Mn::kMov;
      m.size = 8;
      m.size2 = 8;
      if (is_store) opnd(m, Operand::use(r[half]));
      set_addr(m, half * 8);
      if (!is_store) opnd(m, Operand::def(r[half]));
    }
    return ok();
  }
  if (is_store) {
    Value v = d.args[0];
    if (auto c = imm32(v, access); c && t.is_int()) {
      MInst& m = emit(Op::kStoreImm, static_cast<uint8_t>(access));
      fold(v);
      m.imm = *c;
      set_addr(m, 0);
      return ok();
    }
    MInst& m = emit(Op::kStore, static_cast<uint8_t>(access));
    m.size2 = static_cast<uint8_t>(access);
    if (t.is_vector()) m.mn = Mn::kMovdqu;
    else if (t == ir::kF32) m.mn = Mn::kMovss;
    else if (t == ir::kF64) m.mn = Mn::kMovsd;
    else m.mn = Mn::kMov;
    opnd(m, Operand::use(put(v)));
    set_addr(m, 0);
    return ok();
  }
  MInst& m = emit(Op::kLoad);
  m.size2 = static_cast<uint8_t>(access);
  if (t.is_vector()) {
    m.mn = Mn::kMovdqu; m.size = 16;
  } else if (t == ir::kF32) {
    m.mn = Mn::kMovss; m.size = 4;
  } else if (t == ir::kF64) {
    m.mn = Mn::kMovsd; m.size = 8;
  } else {
    bool sign = ir::load_is_signed(op);
    uint8_t to = static_cast<uint8_t>(t.bytes() == 8 ? 8 : 4);
    m.size = to;
    if (access == 8 || (access == 4 && !sign) || (access == 4 && to == 4)) {
      m.mn = Mn::kMov;
      m.size = static_cast<uint8_t>(access);
    } else if (access == 4) {
      m.mn = Mn::kMovsxd;
    } else {
      m.mn = sign ? Mn::kMovsx : Mn::kMovzx;
      if (!sign) m.size = 4;  // movzx to 32 bits zero-extends to 64
    }
  }
  set_addr(m, 0);
  opnd(m, Operand::def(put(dfg_.first_result(i))));
  return ok();
}

Expected<void> Lowerer::lower_i128(Inst i) {
  const ir::InstData& d = dfg_[i];
  auto r = [&](Value v) { return regs(v); };
  Value out = dfg_.has_results(i) ? dfg_.first_result(i) : Value();
  switch (d.opcode) {
    case ir::Opcode::kIadd: case ir::Opcode::kIsub: case ir::Opcode::kIneg: {
      std::array<VReg, 2> a, b;
      if (d.opcode == ir::Opcode::kIneg) {
        a = {imm_reg(0, 4), imm_reg(0, 4)};
        b = r(d.args[0]);
      } else {
        a = r(d.args[0]);
        b = r(d.args[1]);
      }
      // add/adc reads b after writing the low result: all four inputs must be distinct.
      if (b[0] == a[0] || b[0] == a[1]) b[0] = copy(b[0]);
      if (b[1] == a[0] || b[1] == a[1]) b[1] = copy(b[1]);
      if (a[1] == a[0]) a[1] = copy(a[1]);
      MInst& m = emit(Op::kAddSub128);
      if (d.opcode != ir::Opcode::kIadd) m.flags |= kFSub;
      opnd(m, Operand::use(a[0]));
      opnd(m, Operand::use(a[1]));
      opnd(m, Operand::use(b[0]));
      opnd(m, Operand::use(b[1]));
      opnd(m, Operand::reuse_def(r(out)[0], 0));
      opnd(m, Operand::reuse_def(r(out)[1], 1));
      return ok();
    }
    case ir::Opcode::kImul: {
      // Both operands extended from i64 the same way (a 64x64->128 multiply: the mid-end's
      // wide multiplies, signed division by constants): the product of the low halves is the
      // whole product, so one widening multiply, `mul` (unsigned) or one-operand `imul`
      // (signed), without the cross products of the high halves.
      auto from64 = [&](Value v, ir::Opcode op) -> std::optional<Value> {
        auto e = match(v, op);
        if (!e || ty(dfg_[*e].args[0]) != ir::kI64) return std::nullopt;
        return dfg_[*e].args[0];
      };
      for (ir::Opcode ext_op : {ir::Opcode::kUextend, ir::Opcode::kSextend}) {
        auto x = from64(d.args[0], ext_op), y = from64(d.args[1], ext_op);
        if (!x || !y) continue;
        fold(d.args[0], {*x});
        fold(d.args[1], {*y});
        auto o = r(out);
        VReg xr = put(*x), yr = put(*y);
        if (yr == xr) yr = copy(yr);
        VReg lo = new_vreg(RegClass::kInt), hi = new_vreg(RegClass::kInt);
        MInst& m = emit(Op::kMulWide);
        if (ext_op == ir::Opcode::kSextend) m.flags |= kFSigned;
        opnd(m, Operand::fixed_use(xr, gpr(reg::kRax)));
        opnd(m, Operand::use(yr));
        opnd(m, Operand::fixed_def(lo, gpr(reg::kRax)));
        opnd(m, Operand::fixed_def(hi, gpr(reg::kRdx)));
        mov_to(lo, o[0]);
        mov_to(hi, o[1]);
        return ok();
      }
      auto a = r(d.args[0]), b = r(d.args[1]);
      auto o = r(out);
      VReg t1 = new_vreg(RegClass::kInt), t2 = new_vreg(RegClass::kInt);
      alu_rr(Mn::kImul, 8, a[0], b[1], t1);
      alu_rr(Mn::kImul, 8, a[1], b[0], t2);
      VReg lo = new_vreg(RegClass::kInt), hi = new_vreg(RegClass::kInt);
      VReg bl = b[0] == a[0] ? copy(b[0]) : b[0];
      MInst& m = emit(Op::kMulWide);
      opnd(m, Operand::fixed_use(a[0], gpr(reg::kRax)));
      opnd(m, Operand::use(bl));
      opnd(m, Operand::fixed_def(lo, gpr(reg::kRax)));
      opnd(m, Operand::fixed_def(hi, gpr(reg::kRdx)));
      mov_to(lo, o[0]);
      VReg h2 = new_vreg(RegClass::kInt);
      alu_rr(Mn::kAdd, 8, hi, t1, h2);
      alu_rr(Mn::kAdd, 8, h2, t2, o[1]);
      return ok();
    }
    case ir::Opcode::kBand: case ir::Opcode::kBor: case ir::Opcode::kBxor: {
      Mn mn = d.opcode == ir::Opcode::kBand ? Mn::kAnd : d.opcode == ir::Opcode::kBor ? Mn::kOr : Mn::kXor;
      for (int h = 0; h < 2; ++h) alu_rr(mn, 8, r(d.args[0])[h], r(d.args[1])[h], r(out)[h]);
      return ok();
    }
    case ir::Opcode::kBnot:
      for (int h = 0; h < 2; ++h) {
        MInst& m = emit(Op::kUnary);
        m.mn = Mn::kNot;
        opnd(m, Operand::use(r(d.args[0])[h]));
        opnd(m, Operand::reuse_def(r(out)[h], 0));
      }
      return ok();
    case ir::Opcode::kIconcat:
      mov_to(put(d.args[0]), r(out)[0]);
      mov_to(put(d.args[1]), r(out)[1]);
      return ok();
    case ir::Opcode::kIsplit: {
      auto results = dfg_.inst_results(i);
      mov_to(r(d.args[0])[0], put(results[0]));
      mov_to(r(d.args[0])[1], put(results[1]));
      return ok();
    }
    case ir::Opcode::kUextend: case ir::Opcode::kSextend: {
      ir::Type from = ty(d.args[0]);
      bool sign = d.opcode == ir::Opcode::kSextend;
      VReg lo = put(d.args[0]);
      if (from.bytes() < 8) lo = ext(lo, static_cast<uint8_t>(from.bytes()), 8, sign);
      mov_to(lo, r(out)[0]);
      if (sign) {
        VReg h = new_vreg(RegClass::kInt);
        MInst& m = emit(Op::kShiftRI);
        m.mn = Mn::kSar;
        m.imm = 63;
        m.flags = kFImm;
        opnd(m, Operand::use(lo));
        opnd(m, Operand::reuse_def(h, 0));
        mov_to(h, r(out)[1]);
      } else {
        MInst& m = emit(Op::kImm, 4);
        opnd(m, Operand::def(r(out)[1]));
      }
      return ok();
    }
    case ir::Opcode::kIreduce:
      mov_to(r(d.args[0])[0], put(out));
      return ok();
    case ir::Opcode::kIcmp: {
      auto a = r(d.args[0]), b = r(d.args[1]);
      ir::IntCC cc = d.intcc();
      bool swap = cc == ir::IntCC::kSgt || cc == ir::IntCC::kSle || cc == ir::IntCC::kUgt ||
                  cc == ir::IntCC::kUle;
      if (swap) { std::swap(a, b); cc = ir::intcc_swap_args(cc); }
      MInst& m = emit(Op::kCmp128Set);
      m.cc = cond_of(cc);
      for (VReg v : {a[0], a[1], b[0], b[1]}) opnd(m, Operand::use(v));
      opnd(m, early_def(put(out)));
      return ok();
    }
    case ir::Opcode::kSelect: {
      for (int h = 0; h < 2; ++h) {
        MInst& m = emit(Op::kSelect);
        m.flags = kFTest;
        ir::Type ct = ty(d.args[0]);
        if (ct == ir::kI128) return unsupported("i128 select condition");
        m.size2 = static_cast<uint8_t>(ct.bytes());
        opnd(m, Operand::use(put(d.args[0])));
        opnd(m, Operand::use(r(d.args[1])[h]));
        uint8_t y = opnd(m, Operand::use(r(d.args[2])[h]));
        opnd(m, Operand::reuse_def(r(out)[h], y));
        m.cc = Cond::kNe;
      }
      return ok();
    }
    default:
      return unsupported("i128 operation " + std::string(ir::opcode_name(d.opcode)));
  }
}

Expected<void> Lowerer::lower_float(Inst i) {
  const ir::InstData& d = dfg_[i];
  Value out = dfg_.first_result(i);
  ir::Type t = dfg_.value_type(out);
  bool vec = t.is_vector();
  bool f64 = t.lane_type() == ir::kF64;
  uint8_t size = static_cast<uint8_t>(vec ? 16 : t.bytes());
  // With AVX a scalar operation takes its VEX form (`vaddsd d, a, b`): the result is a new
  // register, so an input that stays live is not copied first (the upper lanes come from a
  // either way).
  auto scalar_vex = [&](MInst& m) {
    if (vec || !opts_.cpu.avx) return false;
    switch (m.mn) {
      case Mn::kAddsd: m.mn = Mn::kVaddsd; break;
      case Mn::kAddss: m.mn = Mn::kVaddss; break;
      case Mn::kSubsd: m.mn = Mn::kVsubsd; break;
      case Mn::kSubss: m.mn = Mn::kVsubss; break;
      case Mn::kMulsd: m.mn = Mn::kVmulsd; break;
      case Mn::kMulss: m.mn = Mn::kVmulss; break;
      case Mn::kDivsd: m.mn = Mn::kVdivsd; break;
      case Mn::kDivss: m.mn = Mn::kVdivss; break;
      default: return false;
    }
    m.flags |= kFVex;
    return true;
  };
  auto falu = [&](Mn mn) {
    Value a = d.args[0], b = d.args[1];
    if (!vec) {
      // A loaded operand becomes the memory source (`mulsd x, [mem]`): either one for
      // commutative operations.
      bool commutative = d.opcode == ir::Opcode::kFadd || d.opcode == ir::Opcode::kFmul;
      auto ld = a != b ? foldable_float_load(b, i, size) : std::nullopt;
      if (!ld && commutative && a != b && (ld = foldable_float_load(a, i, size))) std::swap(a, b);
      if (ld) {
        MInst& m = emit(Op::kFAlu, size);
        m.mn = mn;
        opnd(m, Operand::use(put(a)));
        fold_load_source(m, b, *ld);
        opnd(m, scalar_vex(m) ? Operand::def(put(out)) : Operand::reuse_def(put(out), 0));
        return ok();
      }
    }
    MInst& m = emit(Op::kFAlu, size);
    m.mn = mn;
    opnd(m, Operand::use(put(a)));
    opnd(m, Operand::use(put(b)));
    opnd(m, scalar_vex(m) ? Operand::def(put(out)) : Operand::reuse_def(put(out), 0));
    return ok();
  };
  uint64_t sign = f64 ? uint64_t{1} << 63 : uint64_t{1} << 31;
  switch (d.opcode) {
    case ir::Opcode::kFadd: return falu(vec ? (f64 ? Mn::kAddpd : Mn::kAddps) : (f64 ? Mn::kAddsd : Mn::kAddss));
    case ir::Opcode::kFsub: return falu(vec ? (f64 ? Mn::kSubpd : Mn::kSubps) : (f64 ? Mn::kSubsd : Mn::kSubss));
    case ir::Opcode::kFmul: return falu(vec ? (f64 ? Mn::kMulpd : Mn::kMulps) : (f64 ? Mn::kMulsd : Mn::kMulss));
    case ir::Opcode::kFdiv: return falu(vec ? (f64 ? Mn::kDivpd : Mn::kDivps) : (f64 ? Mn::kDivsd : Mn::kDivss));
    case ir::Opcode::kFmin: case ir::Opcode::kFmax: {
      if (vec) break;
      MInst& m = emit(Op::kFMinMax, size);
      m.mn = d.opcode == ir::Opcode::kFmin ? (f64 ? Mn::kMinsd : Mn::kMinss) : (f64 ? Mn::kMaxsd : Mn::kMaxss);
      opnd(m, Operand::use(put(d.args[0])));
      opnd(m, Operand::use(put(d.args[1])));
      opnd(m, Operand::reuse_def(put(out), 0));
      return ok();
    }
    case ir::Opcode::kFneg: case ir::Opcode::kFabs: {
      MInst& m = emit(Op::kFAluConst, size);
      bool neg = d.opcode == ir::Opcode::kFneg;
      m.mn = neg ? Mn::kXorps : Mn::kAndps;
      uint64_t mask = neg ? sign : (f64 ? ~sign : (~sign & 0xffffffffu));
      m.aux = vc_.add_const(splat_bits(mask, f64 ? 8 : 4));
      opnd(m, Operand::use(put(d.args[0])));
      opnd(m, Operand::reuse_def(put(out), 0));
      return ok();
    }
    case ir::Opcode::kFcopysign: {
      if (vec) break;
      MInst& m = emit(Op::kFCopysign, size);
      m.aux = vc_.add_const(splat_bits(sign, f64 ? 8 : 4));
      m.imm = vc_.add_const(splat_bits(f64 ? ~sign : (~sign & 0xffffffffu), f64 ? 8 : 4));
      opnd(m, Operand::use(put(d.args[0])));
      opnd(m, Operand::use(put(d.args[1])));
      opnd(m, Operand::reuse_def(put(out), 0));
      return ok();
    }
    case ir::Opcode::kSqrt: case ir::Opcode::kCeil: case ir::Opcode::kFloor:
    case ir::Opcode::kTrunc: case ir::Opcode::kNearest: {
      if (vec) break;
      MInst& m = emit(Op::kFUnary, size);
      if (d.opcode == ir::Opcode::kSqrt) {
        m.mn = f64 ? Mn::kSqrtsd : Mn::kSqrtss;
      } else {
        if (!opts_.cpu.sse41) return unsupported("rounding without SSE4.1 (roundss/roundsd)");
        m.mn = f64 ? Mn::kRoundsd : Mn::kRoundss;
        // Rounding mode immediates; bit 3 suppresses the precision exception.
        int64_t mode = d.opcode == ir::Opcode::kNearest ? 0 : d.opcode == ir::Opcode::kFloor ? 1
                       : d.opcode == ir::Opcode::kCeil ? 2 : 3;
        m.imm = mode | 8;
        m.flags = kFImm;
      }
      opnd(m, Operand::use(put(d.args[0])));
      opnd(m, Operand::def(put(out)));
      return ok();
    }
    default:
      break;
  }
  return unsupported("float operation " + std::string(ir::opcode_name(d.opcode)) + " on " +
                     std::string(t.name()));
}

Expected<void> Lowerer::lower_convert(Inst i) {
  const ir::InstData& d = dfg_[i];
  Value out = dfg_.first_result(i);
  ir::Type t = dfg_.value_type(out);
  ir::Type st = ty(d.args[0]);
  switch (d.opcode) {
    case ir::Opcode::kUextend: case ir::Opcode::kSextend: {
      bool sign = d.opcode == ir::Opcode::kSextend;
      uint8_t to = static_cast<uint8_t>(t.bytes() == 8 ? 8 : 4);
      MInst& m = emit(Op::kExt, to);
      m.size2 = static_cast<uint8_t>(st.bytes());
      m.flags = sign ? kFSigned : 0;
      opnd(m, Operand::use(put(d.args[0])));
      opnd(m, Operand::def(put(out)));
      return ok();
    }
    case ir::Opcode::kFpromote: case ir::Opcode::kFdemote: {
      MInst& m = emit(Op::kFUnary, static_cast<uint8_t>(t.bytes()));
      m.mn = d.opcode == ir::Opcode::kFpromote ? Mn::kCvtss2sd : Mn::kCvtsd2ss;
      opnd(m, Operand::use(put(d.args[0])));
      opnd(m, Operand::def(put(out)));
      return ok();
    }
    case ir::Opcode::kFcvtFromSint: case ir::Opcode::kFcvtFromUint: {
      bool sign = d.opcode == ir::Opcode::kFcvtFromSint;
      VReg s = put(d.args[0]);
      uint8_t isize = static_cast<uint8_t>(st.bytes());
      if (isize < 4) { s = ext(s, isize, 4, sign); isize = 4; }
      if (!sign && isize == 4) { s = ext(s, 4, 8, false); isize = 8; }
      if (!sign && isize == 8) {
        MInst& m = emit(Op::kCvtU64ToF, static_cast<uint8_t>(t.bytes()));
        opnd(m, Operand::use(s));
        opnd(m, Operand::def(put(out)));
        opnd(m, early_def(new_vreg(RegClass::kInt)));
        return ok();
      }
      MInst& m = emit(Op::kCvtIntToF, static_cast<uint8_t>(t.bytes()));
      m.size2 = isize;
      opnd(m, Operand::use(s));
      opnd(m, Operand::def(put(out)));
      return ok();
    }
    case ir::Opcode::kFcvtToSint: case ir::Opcode::kFcvtToUint: case ir::Opcode::kFcvtToSintSat:
    case ir::Opcode::kFcvtToUintSat: {
      MInst& m = emit(Op::kCvtFToInt, static_cast<uint8_t>(t.bytes()));
      m.size2 = static_cast<uint8_t>(st.bytes());
      if (d.opcode == ir::Opcode::kFcvtToSint || d.opcode == ir::Opcode::kFcvtToSintSat) m.flags |= kFSigned;
      if (d.opcode == ir::Opcode::kFcvtToSintSat || d.opcode == ir::Opcode::kFcvtToUintSat) m.flags |= kFSat;
      opnd(m, Operand::use(put(d.args[0])));
      opnd(m, Operand::def(put(out)));
      return ok();
    }
    case ir::Opcode::kBitcast: {
      if (t == ir::kI128 || st == ir::kI128) return unsupported("i128 bitcast");
      MInst& m = emit(class_of(t) == RegClass::kFloat ? Op::kGprToXmm : Op::kXmmToGpr,
                      static_cast<uint8_t>(t.bytes()));
      opnd(m, Operand::use(put(d.args[0])));
      opnd(m, Operand::def(put(out)));
      return ok();
    }
    case ir::Opcode::kIreduce: {
      mov_to(put(d.args[0]), put(out));
      return ok();
    }
    default:
      return unsupported(std::string(ir::opcode_name(d.opcode)));
  }
}

Expected<void> Lowerer::lower_int(Inst i) {
  const ir::InstData& d = dfg_[i];
  Value out = dfg_.first_result(i);
  ir::Type t = dfg_.value_type(out);
  uint8_t size = int_size(t);
  uint8_t bytes = static_cast<uint8_t>(t.bytes());
  Value a = d.args[0], b = d.args[1];
  switch (d.opcode) {
    case ir::Opcode::kIconst: {
      MInst& m = emit(Op::kImm, size);
      m.imm = d.imm;
      if (bytes < 8) m.imm = static_cast<int64_t>(static_cast<uint32_t>(d.imm));
      opnd(m, Operand::def(put(out)));
      return ok();
    }
    case ir::Opcode::kIadd: {
      // lea for three-address adds, with constants and scaled indices folded.
      MInst& m = emit(Op::kLea, size);
      // `x + c`: lea d, [x + c], or lea d, [y + z*s + c] when x = y + z (z*s: a shift by 0-3)
      // is used only here and computed in this block.
      auto base_disp = [&](Value x, int32_t disp) {
        m.mem.disp = disp;
        auto inner = match_unwidened(x, ir::Opcode::kIadd, /*local=*/true);
        if (inner && uses_[res(x)] == 1 && !iconst(dfg_[*inner].args[0]) && !iconst(dfg_[*inner].args[1])) {
          Value y = dfg_[*inner].args[0], z = dfg_[*inner].args[1];
          Value zi = z;
          uint8_t shift = 0;
          if (auto sh = match_unwidened(z, ir::Opcode::kIshl); sh && uses_[res(z)] == 1) {
            auto k = iconst(dfg_[*sh].args[1]);
            if (k && *k >= 0 && *k <= 3) {
              zi = dfg_[*sh].args[0];
              shift = static_cast<uint8_t>(*k);
            }
          }
          if (shift != 0) fold(z, {zi});
          fold(x, {y, z});
          m.mem.base = opnd(m, Operand::use(put(y)));
          m.mem.index = opnd(m, Operand::use(put(zi)));
          m.mem.shift = shift;
          return;
        }
        m.mem.base = opnd(m, Operand::use(put(x)));
      };
      if (auto c = imm32(b, 8); c && size == 8) {
        fold(b);
        base_disp(a, *c);
      } else if (auto c2 = imm32(a, 8); c2 && size == 8) {
        fold(a);
        base_disp(b, *c2);
      } else if (auto c3 = iconst(b); c3 && size == 4) {
        fold(b);
        base_disp(a, static_cast<int32_t>(*c3));
      } else {
        Value idx = b;
        if (auto sh = match_unwidened(b, ir::Opcode::kIshl)) {
          auto k = iconst(dfg_[*sh].args[1]);
          if (k && *k >= 0 && *k <= 3) {
            fold(b, {dfg_[*sh].args[0]});
            idx = dfg_[*sh].args[0];
            m.mem.shift = static_cast<uint8_t>(*k);
          }
        }
        // A plain `a + b`: either input may stay in its spill slot, and the emitter then
        // writes `add d, [slot]` (after `mov d, <the other input>` unless d already holds it)
        // instead of the lea.
        bool plain = m.mem.shift == 0 && a != b;
        m.mem.base = opnd(m, Operand::use(put(a), plain ? rm_constraint(a) : Constraint::kReg));
        m.mem.index = opnd(m, Operand::use(put(idx), plain ? rm_constraint(idx) : Constraint::kReg));
      }
      opnd(m, Operand::def(put(out)));
      return ok();
    }
    case ir::Opcode::kIsub: {
      if (auto c = iconst(b); c && (size == 4 || fits32(-*c))) {
        fold(b);
        MInst& m = emit(Op::kLea, size);
        m.mem.base = opnd(m, Operand::use(put(a)));
        m.mem.disp = static_cast<int32_t>(-*c);
        opnd(m, Operand::def(put(out)));
        return ok();
      }
      if (alu_rm(Mn::kSub, size, a, b, out, i)) return ok();
      alu_rr(Mn::kSub, size, put(a), put(b), put(out), rm_constraint(b));
      return ok();
    }
    case ir::Opcode::kImul: case ir::Opcode::kBand: case ir::Opcode::kBor: case ir::Opcode::kBxor: {
      Mn mn = d.opcode == ir::Opcode::kImul ? Mn::kImul : d.opcode == ir::Opcode::kBand ? Mn::kAnd
              : d.opcode == ir::Opcode::kBor ? Mn::kOr : Mn::kXor;
      if (!imm32(b, size) && imm32(a, size)) std::swap(a, b);
      if (auto c = imm32(b, size)) {
        fold(b);
        if (mn == Mn::kImul) {
          MInst& m = emit(Op::kImul3, size);
          m.imm = *c;
          m.flags = kFImm;
          opnd(m, Operand::use(put(a)));
          opnd(m, Operand::def(put(out)));
        } else {
          alu_ri(mn, size, put(a), *c, put(out));
        }
        return ok();
      }
      // ~x & y (bnot, or bxor with -1, used only here) is one BMI1 andn.
      if (mn == Mn::kAnd && opts_.cpu.bmi1 && (size == 4 || size == 8)) {
        auto inverted = [&](Value v) -> std::optional<Value> {
          if (uses_[res(v)] != 1) return std::nullopt;
          if (auto n = match(v, ir::Opcode::kBnot, true)) return dfg_[*n].args[0];
          if (auto x = match(v, ir::Opcode::kBxor, true)) {
            if (iconst(dfg_[*x].args[1]) == -1) return dfg_[*x].args[0];
            if (iconst(dfg_[*x].args[0]) == -1) return dfg_[*x].args[1];
          }
          return std::nullopt;
        };
        std::optional<Value> na = inverted(a);
        if (!na) {
          if ((na = inverted(b))) std::swap(a, b);
        }
        if (na) {
          fold(a, {*na});
          MInst& m = emit(Op::kAndn, size);
          opnd(m, Operand::use(put(*na)));
          opnd(m, Operand::use(put(b)));
          opnd(m, Operand::def(put(out)));
          return ok();
        }
      }
      if (alu_rm(mn, size, a, b, out, i) || alu_rm(mn, size, b, a, out, i)) return ok();
      // Either input may end up as the source (commute_tied_inputs): a constant keeps both in
      // registers.
      alu_rr(mn, size, put(a), put(b), put(out), iconst(a) ? Constraint::kReg : rm_constraint(b));
      return ok();
    }
    case ir::Opcode::kIneg: case ir::Opcode::kBnot: {
      MInst& m = emit(Op::kUnary, size);
      m.mn = d.opcode == ir::Opcode::kIneg ? Mn::kNeg : Mn::kNot;
      opnd(m, Operand::use(put(a)));
      opnd(m, Operand::reuse_def(put(out), 0));
      return ok();
    }
    case ir::Opcode::kIshl: case ir::Opcode::kUshr: case ir::Opcode::kSshr: case ir::Opcode::kRotl:
    case ir::Opcode::kRotr: {
      Mn mn = d.opcode == ir::Opcode::kIshl ? Mn::kShl : d.opcode == ir::Opcode::kUshr ? Mn::kShr
              : d.opcode == ir::Opcode::kSshr ? Mn::kSar : d.opcode == ir::Opcode::kRotl ? Mn::kRol : Mn::kRor;
      bool is_rot = mn == Mn::kRol || mn == Mn::kRor;
      uint32_t bits = t.bits();
      // BMI2: a rotate by a constant is `rorx d, a, k` and a 32/64-bit shift by a register is
      // `shlx/shrx/sarx d, a, amt`: the result is a new register (no copy of an input that
      // stays live, as hash and cipher rounds keep theirs) and the count needs no rcx.
      const bool bmi2 = opts_.cpu.bmi2 && bits >= 32;
      if (auto c = iconst(b); c && bmi2 && is_rot) {
        fold(b);
        uint64_t k = static_cast<uint64_t>(*c) & (bits - 1);
        MInst& m = emit(Op::kRorx, bytes);
        m.imm = static_cast<int64_t>(mn == Mn::kRor ? k : (bits - k) & (bits - 1));
        opnd(m, Operand::use(put(a)));
        opnd(m, Operand::def(put(out)));
        return ok();
      }
      if (!iconst(b) && bmi2 && !is_rot) {
        MInst& m = emit(Op::kShiftX, bytes);
        m.mn = mn == Mn::kShl ? Mn::kShlx : mn == Mn::kShr ? Mn::kShrx : Mn::kSarx;
        opnd(m, Operand::use(put(a)));
        opnd(m, Operand::use(put(b)));
        opnd(m, Operand::def(put(out)));
        return ok();
      }
      if (auto c = iconst(b)) {
        fold(b);
        MInst& m = emit(Op::kShiftRI, bytes);
        m.mn = mn;
        m.imm = static_cast<int64_t>(static_cast<uint64_t>(*c) & (bits - 1));
        m.flags = kFImm;
        opnd(m, Operand::use(put(a)));
        opnd(m, Operand::reuse_def(put(out), 0));
        return ok();
      }
      VReg amt = put(b);
      if (bits < 32 && !is_rot) {
        // x86 masks 8/16-bit shift counts to 5 bits; the IR takes them modulo the width.
        VReg masked = new_vreg(RegClass::kInt);
        alu_ri(Mn::kAnd, 4, amt, bits - 1, masked);
        amt = masked;
      } else if (amt == put(a)) {
        amt = copy(amt);
      }
      MInst& m = emit(Op::kShiftRC, bytes);
      m.mn = mn;
      opnd(m, Operand::use(put(a)));
      opnd(m, Operand::fixed_use(amt, gpr(reg::kRcx)));
      opnd(m, Operand::reuse_def(put(out), 0));
      return ok();
    }
    case ir::Opcode::kClz: case ir::Opcode::kCtz: case ir::Opcode::kPopcnt: {
      Mn mn = d.opcode == ir::Opcode::kClz ? Mn::kLzcnt : d.opcode == ir::Opcode::kCtz ? Mn::kTzcnt : Mn::kPopcnt;
      VReg s = put(a);
      uint8_t op_size = size;
      if (bytes < 4) {
        s = ext(s, bytes, 4, false);
        if (mn == Mn::kTzcnt) {
          VReg t2 = new_vreg(RegClass::kInt);
          alu_ri(Mn::kOr, 4, s, int64_t{1} << (bytes * 8), t2);
          s = t2;
        }
      }
      VReg dst = bytes < 4 && mn == Mn::kLzcnt ? new_vreg(RegClass::kInt) : put(out);
      MInst& m = emit(Op::kBitCount, op_size);
      m.mn = mn;
      opnd(m, Operand::use(s));
      opnd(m, Operand::def(dst));
      if (mn == Mn::kPopcnt && !opts_.cpu.popcnt) opnd(m, early_def(new_vreg(RegClass::kInt)));
      if (bytes < 4 && mn == Mn::kLzcnt) alu_ri(Mn::kSub, 4, dst, 32 - bytes * 8, put(out));
      return ok();
    }
    case ir::Opcode::kSdiv: case ir::Opcode::kUdiv: case ir::Opcode::kSrem: case ir::Opcode::kUrem: {
      bool sign = d.opcode == ir::Opcode::kSdiv || d.opcode == ir::Opcode::kSrem;
      bool rem = d.opcode == ir::Opcode::kSrem || d.opcode == ir::Opcode::kUrem;
      auto cb = iconst(b);
      VReg x = put(a), y = put(b);
      if (bytes < 4) {
        x = ext(x, bytes, 4, sign);
        y = ext(y, bytes, 4, sign);
      }
      // The dividend gets a fresh vreg pinned to rax for this division only, so the value
      // itself stays free to live anywhere (rax is overwritten by the quotient).
      x = copy(x);
      MInst& m = emit(Op::kDiv, size);
      m.size2 = bytes;
      if (sign) m.flags |= kFSigned;
      if (rem) m.flags |= kFRem;
      if (!cb || *cb == 0) m.flags |= kFCheckZero;
      if (sign && (!cb || *cb == -1)) m.flags |= kFCheckOvf;
      opnd(m, Operand::fixed_use(x, gpr(reg::kRax)));
      opnd(m, Operand::use(y));
      VReg q = rem ? new_vreg(RegClass::kInt) : put(out);
      VReg r = rem ? put(out) : new_vreg(RegClass::kInt);
      opnd(m, Operand::fixed_def(q, gpr(reg::kRax)));
      Operand rd = Operand::fixed_def(r, gpr(reg::kRdx));
      rd.pos = OperandPos::kEarly;  // cdq/xor writes rdx before the divisor is read
      opnd(m, rd);
      return ok();
    }
    case ir::Opcode::kIcmp: {
      MInst& m = emit(Op::kCmpSet, 4);
      m.cc = cmp_operands(m, d.intcc(), a, b);
      opnd(m, Operand::def(put(out)));
      return ok();
    }
    case ir::Opcode::kUaddOverflowTrap: {
      MInst& m = emit(Op::kAddTrap, size);
      m.aux = static_cast<uint32_t>(d.trap_code());
      opnd(m, Operand::use(put(a)));
      if (auto c = imm32(b, size)) {
        fold(b);
        m.imm = *c;
        m.flags |= kFImm;
      } else {
        opnd(m, Operand::use(put(b)));
      }
      opnd(m, Operand::reuse_def(put(out), 0));
      return ok();
    }
    default:
      return unsupported(std::string(ir::opcode_name(d.opcode)));
  }
}

Expected<void> Lowerer::lower_inst(Inst i) {
  const ir::InstData& d = dfg_[i];
  ir::Opcode op = d.opcode;
  Value out = dfg_.has_results(i) ? dfg_.first_result(i) : Value();
  ir::Type t = out.is_valid() ? dfg_.value_type(out) : ir::Type();
  auto any_i128 = [&] {
    if (t == ir::kI128) return true;
    for (Value v : dfg_.fixed_args(i)) {
      if (ty(v) == ir::kI128) return true;
    }
    return false;
  };
  if (is_simd_lowered(dfg_, i)) {
    // Vector arithmetic lives in lower_simd.cc; this adapter is its view of the lowering.
    struct SimdCtx final : SimdLowerContext {
      explicit SimdCtx(Lowerer& l) : l_(l) {}
      const ir::DataFlowGraph& dfg() const override { return l_.dfg_; }
      VReg vreg(ir::Value v) override { return l_.put(v); }
      VReg new_vreg(RegClass c) override { return l_.new_vreg(c); }
      MInst& emit(Op o, uint8_t size) override { return l_.emit(o, size); }
      uint32_t add_const(const std::array<uint8_t, 16>& b) override { return l_.vc_.add_const(b); }
      const CpuFeatures& cpu() const override { return l_.opts_.cpu; }
      void fold(ir::Value v, std::initializer_list<ir::Value> refs) override { l_.fold(v, refs); }
      bool fold_vector_load(MInst& m, ir::Value v, ir::Inst user) override {
        auto ld = l_.foldable_float_load(v, user, 16);
        if (!ld) return false;
        l_.fold_load_source(m, v, *ld);
        return true;
      }
      Lowerer& l_;
    } ctx(*this);
    return lower_simd(i, ctx);
  }
  switch (op) {
    case ir::Opcode::kJump: case ir::Opcode::kBrif: case ir::Opcode::kBrTable:
      return lower_branch(i, 0);
    case ir::Opcode::kReturn: {
      auto vargs = dfg_.var_args(i);
      MInst ret;
      ret.op = Op::kRet;
      std::vector<VReg> fixed_used;
      for (size_t k = 0; k < vargs.size(); ++k) {
        const AbiLoc& loc = sig_.returns[k];
        VReg v = put(vargs[k]);
        if (loc.in_reg) {
          opnd(ret, Operand::fixed_use(v, loc.reg));
        } else {
          MInst& st = emit(Op::kStore);
          set_move_kind(st, ty(vargs[k]));
          opnd(st, Operand::use(v));
          st.mem.base = opnd(st, Operand::use(ret_area_ptr_));
          st.mem.disp = loc.offset;
        }
      }
      group_.push_back(std::move(ret));
      return ok();
    }
    case ir::Opcode::kTrap: {
      MInst& m = emit(Op::kUd2);
      m.aux = static_cast<uint32_t>(d.trap_code());
      return ok();
    }
    case ir::Opcode::kTrapz: case ir::Opcode::kTrapnz: {
      bool nz = op == ir::Opcode::kTrapnz;
      Value c = d.args[0];
      if (auto cmp = match(c, ir::Opcode::kIcmp, true); cmp && ty(dfg_[*cmp].args[0]) != ir::kI128 &&
                                                         !ty(dfg_[*cmp].args[0]).is_vector()) {
        fold(c, {dfg_[*cmp].args[0], dfg_[*cmp].args[1]});
        MInst& m = emit(Op::kTrapCmp);
        Cond cc = cmp_operands(m, dfg_[*cmp].intcc(), dfg_[*cmp].args[0], dfg_[*cmp].args[1]);
        m.cc = nz ? cc : invert(cc);
        m.aux = static_cast<uint32_t>(d.trap_code());
        return ok();
      }
      VReg cv = put(c);
      uint8_t size = static_cast<uint8_t>(ty(c).bytes());
      if (ty(c) == ir::kI128) {
        VReg t2 = new_vreg(RegClass::kInt);
        alu_rr(Mn::kOr, 8, regs(c)[0], regs(c)[1], t2);
        cv = t2;
        size = 8;
      }
      MInst& m = emit(Op::kTrapTest);
      m.size2 = size;
      m.cc = nz ? Cond::kNe : Cond::kE;
      m.aux = static_cast<uint32_t>(d.trap_code());
      opnd(m, Operand::use(cv));
      return ok();
    }
    case ir::Opcode::kCall: case ir::Opcode::kCallIndirect:
      return lower_call(i, false);
    case ir::Opcode::kReturnCall: case ir::Opcode::kReturnCallIndirect:
      return lower_call(i, true);
    case ir::Opcode::kFuncAddr: {
      const ir::ExtFuncData& ext = dfg_.ext_funcs[d.func_ref()];
      MInst& m = emit(Op::kFuncAddr);
      m.aux = static_cast<uint32_t>(vc_.names.size());
      vc_.names.push_back(ext.name);
      if (ext.colocated) m.flags |= kFColocated;
      opnd(m, Operand::def(put(out)));
      return ok();
    }
    case ir::Opcode::kStackAddr: {
      MInst& m = emit(Op::kLea);
      m.mem.base_kind = Amode::Base::kSlot;
      m.mem.slot = d.stack_slot().index();
      m.mem.disp = d.offset();
      opnd(m, Operand::def(put(out)));
      return ok();
    }
    case ir::Opcode::kLoad: case ir::Opcode::kUload8: case ir::Opcode::kSload8:
    case ir::Opcode::kUload16: case ir::Opcode::kSload16: case ir::Opcode::kUload32:
    case ir::Opcode::kSload32: case ir::Opcode::kStore: case ir::Opcode::kIstore8:
    case ir::Opcode::kIstore16: case ir::Opcode::kIstore32: case ir::Opcode::kStackLoad:
    case ir::Opcode::kStackStore:
      return lower_memory(i);
    case ir::Opcode::kF32const: case ir::Opcode::kF64const: case ir::Opcode::kVconst: {
      std::array<uint8_t, 16> bytes{};
      if (op == ir::Opcode::kVconst) {
        bytes = dfg_.constants[d.constant()];
      } else {
        uint64_t bits = static_cast<uint64_t>(d.imm);
        std::memcpy(bytes.data(), &bits, op == ir::Opcode::kF32const ? 4 : 8);
      }
      MInst& m = emit(Op::kLoad, static_cast<uint8_t>(op == ir::Opcode::kVconst ? 16 : t.bytes()));
      bool zero = bytes == std::array<uint8_t, 16>{};
      m.mn = op == ir::Opcode::kVconst ? Mn::kMovdqu : op == ir::Opcode::kF32const ? Mn::kMovss : Mn::kMovsd;
      m.size2 = m.size;
      m.mem.base_kind = Amode::Base::kConst;
      m.mem.slot = zero ? UINT32_MAX : vc_.add_const(bytes);  // UINT32_MAX: xorps d, d
      opnd(m, Operand::def(put(out)));
      return ok();
    }
    case ir::Opcode::kSelect: {
      if (t == ir::kI128) return lower_i128(i);
      Value c = d.args[0];
      if (ty(c) == ir::kI128) return unsupported("i128 select condition");
      c = condition_source(c);
      bool is_float = class_of(t) == RegClass::kFloat;
      MInst m;
      m.op = Op::kSelect;
      m.size = static_cast<uint8_t>(is_float ? 16 : int_size(t));
      if (is_float) m.flags |= kFFloat;
      if (auto cmp = match(c, ir::Opcode::kIcmp, true); cmp && ty(dfg_[*cmp].args[0]) != ir::kI128 &&
                                                         !ty(dfg_[*cmp].args[0]).is_vector()) {
        fold(c, {dfg_[*cmp].args[0], dfg_[*cmp].args[1]});
        m.cc = cmp_operands(m, dfg_[*cmp].intcc(), dfg_[*cmp].args[0], dfg_[*cmp].args[1]);
      } else if (auto fc = match(c, ir::Opcode::kFcmp, true); fc && !ty(dfg_[*fc].args[0]).is_vector()) {
        fold(c, {dfg_[*fc].args[0], dfg_[*fc].args[1]});
        m.flags |= kFFcmp;
        m.size2 = static_cast<uint8_t>(ty(dfg_[*fc].args[0]).bytes());
        m.aux = static_cast<uint32_t>(dfg_[*fc].floatcc());
        opnd(m, Operand::use(put(dfg_[*fc].args[0])));
        opnd(m, Operand::use(put(dfg_[*fc].args[1])));
      } else {
        m.flags |= kFTest;
        m.size2 = static_cast<uint8_t>(ty(c).bytes());
        m.cc = Cond::kNe;
        opnd(m, Operand::use(put(c)));
      }
      opnd(m, Operand::use(put(d.args[1])));
      uint8_t y = opnd(m, Operand::use(put(d.args[2])));
      opnd(m, Operand::reuse_def(put(out), y));
      group_.push_back(std::move(m));
      return ok();
    }
    case ir::Opcode::kFcmp: {
      if (ty(d.args[0]).is_vector()) return unsupported("vector fcmp");
      MInst& m = emit(Op::kFCmpSet, 4);
      m.size2 = static_cast<uint8_t>(ty(d.args[0]).bytes());
      m.aux = static_cast<uint32_t>(d.floatcc());
      opnd(m, Operand::use(put(d.args[0])));
      opnd(m, Operand::use(put(d.args[1])));
      opnd(m, Operand::def(put(out)));
      return ok();
    }
    case ir::Opcode::kIconcat: case ir::Opcode::kIsplit:
      return lower_i128(i);
    case ir::Opcode::kSplat: case ir::Opcode::kExtractLane: case ir::Opcode::kInsertLane: {
      ir::Type vt = op == ir::Opcode::kExtractLane ? ty(d.args[0]) : t;
      uint32_t lb = vt.lane_bits();
      bool fl = vt.is_float_lanes();
      bool needs41 = (op == ir::Opcode::kExtractLane && lb == 8) ||
                     (op == ir::Opcode::kInsertLane && (lb != 16 && !(fl && lb == 64)));
      if (needs41 && !opts_.cpu.sse41) return unsupported("lane operation without SSE4.1");
      MInst& m = emit(op == ir::Opcode::kSplat ? Op::kVecSplat : op == ir::Opcode::kExtractLane
                      ? Op::kVecExtract : Op::kVecInsert, static_cast<uint8_t>(lb / 8));
      m.imm = d.imm;
      if (fl) m.flags |= kFFloat;
      opnd(m, Operand::use(put(d.args[0])));
      if (op == ir::Opcode::kInsertLane) {
        VReg lane = put(d.args[1]);
        opnd(m, Operand::use(lane));
        opnd(m, Operand::reuse_def(put(out), 0));
      } else {
        opnd(m, Operand::def(put(out)));
      }
      return ok();
    }
    case ir::Opcode::kUextend: case ir::Opcode::kSextend: case ir::Opcode::kIreduce:
    case ir::Opcode::kBitcast:
      if (any_i128()) return lower_i128(i);
      return lower_convert(i);
    case ir::Opcode::kFpromote: case ir::Opcode::kFdemote: case ir::Opcode::kFcvtToSint:
    case ir::Opcode::kFcvtToUint: case ir::Opcode::kFcvtToSintSat: case ir::Opcode::kFcvtToUintSat:
    case ir::Opcode::kFcvtFromSint: case ir::Opcode::kFcvtFromUint:
      if (any_i128()) return unsupported("i128 conversion");
      return lower_convert(i);
    default:
      break;
  }
  if (t.is_valid() && t.is_vector()) {
    // Basic vector support: bitwise and lane-wise add/sub/mul; the rest comes with full SIMD.
    Mn mn = Mn::kPxor;
    uint32_t lb = t.lane_bits();
    bool f = t.is_float_lanes();
    switch (op) {
      case ir::Opcode::kBand: mn = Mn::kPand; break;
      case ir::Opcode::kBor: mn = Mn::kPor; break;
      case ir::Opcode::kBxor: mn = Mn::kPxor; break;
      case ir::Opcode::kIadd: mn = lb == 8 ? Mn::kPaddb : lb == 16 ? Mn::kPaddw : lb == 32 ? Mn::kPaddd : Mn::kPaddq; break;
      case ir::Opcode::kIsub: mn = lb == 8 ? Mn::kPsubb : lb == 16 ? Mn::kPsubw : lb == 32 ? Mn::kPsubd : Mn::kPsubq; break;
      case ir::Opcode::kImul:
        if (lb == 16) { mn = Mn::kPmullw; break; }
        if (lb == 32 && opts_.cpu.sse41) { mn = Mn::kPmulld; break; }
        return unsupported("vector imul on " + std::string(t.name()));
      case ir::Opcode::kBnot: {
        MInst& m = emit(Op::kFAluConst, 16);
        m.mn = Mn::kPxor;
        std::array<uint8_t, 16> ones;
        ones.fill(0xff);
        m.aux = vc_.add_const(ones);
        opnd(m, Operand::use(put(d.args[0])));
        opnd(m, Operand::reuse_def(put(out), 0));
        return ok();
      }
      default:
        if (f) return lower_float(i);
        return unsupported("vector operation " + std::string(ir::opcode_name(op)));
    }
    MInst& m = emit(Op::kFAlu, 16);
    m.mn = mn;
    opnd(m, Operand::use(put(d.args[0])));
    opnd(m, Operand::use(put(d.args[1])));
    opnd(m, Operand::reuse_def(put(out), 0));
    return ok();
  }
  if (any_i128()) return lower_i128(i);
  if (t.is_valid() && t.is_float()) return lower_float(i);
  return lower_int(i);
}

namespace {

bool is_commutative(Mn mn) {
  return mn == Mn::kAdd || mn == Mn::kAnd || mn == Mn::kOr || mn == Mn::kXor || mn == Mn::kImul;
}

}  // namespace

// A commutative two-address instruction `d = a op b` (d takes a's register, Op::kAluRR) copies
// a first when a stays live after it. When b dies there instead, the inputs are swapped, so
// that d can take b's register and no copy is needed (`xor rax, rdx` rather than
// `mov rcx, rdx; xor rcx, rax; mov rax, rcx`). Liveness is local and conservative: a vreg dies
// at an instruction when it is defined once, used only in the block that defines it, not
// passed to a successor, and not used later in that block.
void commute_tied_inputs(VCode& vc) {
  const uint32_t n = vc.num_vregs;
  constexpr uint32_t kNone = UINT32_MAX;
  // Per-thread tables, reused by every function (this runs once per lowered function).
  thread_local std::vector<uint32_t> def_block, used_in;
  thread_local std::vector<uint8_t> defs, nonlocal, has_candidate;
  def_block.assign(n, kNone);
  defs.assign(n, 0);
  nonlocal.assign(n, 0);
  has_candidate.assign(vc.blocks.size(), 0);
  auto note_def = [&](regalloc::VReg v, uint32_t b) {
    if (!v.is_valid() || v.index >= n) return;
    def_block[v.index] = b;
    if (defs[v.index] < 2) ++defs[v.index];
  };
  // `d = a op b` with d tied to a, both inputs plain register uses (b possibly readable from
  // its spill slot: the constraints stay with the positions, only the vregs swap).
  auto candidate = [](const MInst& m) {
    return m.op == Op::kAluRR && is_commutative(m.mn) && m.ops.size() == 3 &&
           m.ops[0].kind == regalloc::OperandKind::kUse &&
           m.ops[1].kind == regalloc::OperandKind::kUse &&
           m.ops[0].constraint == regalloc::Constraint::kReg &&
           (m.ops[1].constraint == regalloc::Constraint::kReg ||
            m.ops[1].constraint == regalloc::Constraint::kAny) &&
           m.ops[2].constraint == regalloc::Constraint::kReuse && m.ops[2].reuse_input == 0;
  };
  bool any_candidate = false;
  for (uint32_t b = 0; b < vc.blocks.size(); ++b) {
    for (regalloc::VReg p : vc.params(b)) note_def(p, b);
    for (uint32_t i = vc.blocks[b].first; i < vc.blocks[b].end; ++i) {
      for (const regalloc::Operand& o : vc.insts[i].ops) {
        if (o.kind == regalloc::OperandKind::kDef) note_def(o.vreg, b);
      }
      if (candidate(vc.insts[i])) has_candidate[b] = 1;
    }
    any_candidate |= has_candidate[b] != 0;
  }
  if (!any_candidate) return;  // nothing to swap: the liveness below would go unused
  for (const auto& [v, r] : vc.live_ins) {
    if (v.is_valid() && v.index < n) nonlocal[v.index] = 1;
  }
  for (uint32_t b = 0; b < vc.blocks.size(); ++b) {
    for (uint32_t i = vc.blocks[b].first; i < vc.blocks[b].end; ++i) {
      const MInst& m = vc.insts[i];
      for (const regalloc::Operand& o : m.ops) {
        if (o.kind == regalloc::OperandKind::kUse && o.vreg.index < n && def_block[o.vreg.index] != b) {
          nonlocal[o.vreg.index] = 1;
        }
      }
      for (regalloc::VReg v : m.branch_args) {
        if (v.index < n) nonlocal[v.index] = 1;
      }
    }
  }
  // Backwards through each block: used_in[v] == b + 1 once a later instruction of b uses v.
  used_in.assign(n, 0);
  for (uint32_t b = 0; b < vc.blocks.size(); ++b) {
    if (!has_candidate[b]) continue;  // the walk of a block only serves its own candidates
    const uint32_t stamp = b + 1;
    for (uint32_t i = vc.blocks[b].end; i-- > vc.blocks[b].first;) {
      MInst& m = vc.insts[i];
      if (candidate(m)) {
        uint32_t a = m.ops[0].vreg.index, c = m.ops[1].vreg.index;
        if (a < n && c < n && a != c) {
          bool a_lives = nonlocal[a] || defs[a] != 1 || used_in[a] == stamp;
          bool c_dies = !nonlocal[c] && defs[c] == 1 && used_in[c] != stamp;
          if (a_lives && c_dies) std::swap(m.ops[0].vreg, m.ops[1].vreg);
        }
      }
      for (const regalloc::Operand& o : m.ops) {
        if (o.kind == regalloc::OperandKind::kUse && o.vreg.index < n) used_in[o.vreg.index] = stamp;
      }
    }
  }
}

Expected<VCode> Lowerer::run() {
  cfg_.compute(f_);
  // Only the reverse postorder is used (block order, walks): no dominator tree.
  domtree_.compute_order(f_, cfg_);
  order_.compute(f_, cfg_, domtree_);
  KILN_ASSIGN_OR_RETURN(sig_, layout_signature(f_.signature));
  vc_.incoming_args = sig_.stack_args_size;
  for (const ir::Function::InlineSite& s : f_.inline_sites) vc_.inline_callees.push_back(s.callee);
  for (const auto& ss : f_.stack_slots) {
    vc_.slots.push_back({ss.size, std::max<uint32_t>(8, uint32_t{1} << std::min<uint32_t>(ss.align_shift, 12))});
  }
  compute_aliases();
  // alias_ is final: resolve every value once instead of at each of its many lookups.
  const size_t num_values = dfg_.num_values();
  rep_.resize(num_values);
  for (size_t k = 0; k < num_values; ++k) {
    rep_[k] = resolve(Value::from_index(static_cast<uint32_t>(k)));
  }
  // Count the uses in reachable code (through aliases).
  for (ir::Block b : domtree_.rpo()) {
    for (Inst i : f_.layout.insts(b)) {
      for_each_value(dfg_, i, [&](Value v) { uses_[res(v)]++; });
    }
  }
  if (sig_.has_ret_area) ret_area_ptr_ = new_vreg(RegClass::kInt);

  const auto& blocks = order_.blocks();
  rev_.clear();
  rev_.reserve(f_.dfg.num_insts() + blocks.size());
  rev_end_.assign(blocks.size(), 0);
  for (size_t k = blocks.size(); k-- > 0;) {
    const mach::LoweredBlock& lb = blocks[k];
    if (lb.edge_call) {
      cur_block_ = lb.edge_from;
      MInst m;
      m.op = Op::kJump;
      m.targets[0] = order_.succs(static_cast<uint32_t>(k))[0];
      for (Value v : lb.edge_call->args.as_slice(dfg_.pool())) {
        const auto& r = regs(v);
        m.branch_args.push_back(r[0]);
        if (r[1].is_valid()) m.branch_args.push_back(r[1]);
      }
      rev_.push_back(std::move(m));
      rev_end_[k] = static_cast<uint32_t>(rev_.size());
      continue;
    }
    cur_block_ = lb.ir_block;
    for (Inst i = f_.layout.last_inst(cur_block_); i.is_valid(); i = f_.layout.prev_inst(i)) {
      bool needed = f_.has_side_effects(i) && !folded_loads_[i];
      bool aliased = false;
      for (Value r : dfg_.inst_results(i)) {
        if (alias_[r].is_valid()) aliased = true;
        else if (uses_[r] > 0) needed = true;
      }
      if (!needed || (aliased && !f_.has_side_effects(i) && !folded_loads_[i])) {
        for_each_value(dfg_, i, [&](Value v) { uses_[res(v)]--; });
        continue;
      }
      group_.clear();
      if (!f_.inline_sites.empty()) cur_inline_ = inline_id_of(i);
      KILN_TRY(lower_inst(i));
      for (auto it = group_.rbegin(); it != group_.rend(); ++it) rev_.push_back(std::move(*it));
    }
    rev_end_[k] = static_cast<uint32_t>(rev_.size());
  }

  cur_inline_ = 0;
  // Entry: parameters arrive in registers (live-ins) or in the incoming stack area.
  ir::Block entry = f_.layout.entry_block();
  auto params = dfg_.block_params(entry);
  std::vector<MInst> prologue;
  for (size_t k = 0; k < params.size(); ++k) {
    Value p = params[k];
    if (!vregs_[p][0].is_valid()) continue;
    VReg v = vregs_[p][0];
    const AbiLoc& loc = sig_.params[k];
    if (f_.signature.params[k].purpose == ir::ArgumentPurpose::kVmctx && loc.in_reg &&
        vc_.vmctx_reg == Opnd::kNoReg) {
      vc_.vmctx_reg = loc.reg.hw;
    }
    if (loc.in_reg) {
      vc_.live_ins.push_back({v, loc.reg});
    } else {
      MInst m;
      m.op = Op::kLoad;
      set_move_kind(m, dfg_.value_type(p));
      m.mem.base_kind = Amode::Base::kIncomingArg;
      m.mem.disp = loc.offset;
      m.ops.push_back(Operand::def(v));
      prologue.push_back(std::move(m));
    }
  }
  for (size_t k = 0; k < params.size(); ++k) {
    if (vc_.vmctx_reg == Opnd::kNoReg && f_.signature.params[k].purpose == ir::ArgumentPurpose::kVmctx &&
        sig_.params[k].in_reg) {
      vc_.vmctx_reg = sig_.params[k].reg.hw;
    }
  }
  if (sig_.has_ret_area) {
    if (sig_.ret_area_ptr.in_reg) {
      vc_.live_ins.push_back({ret_area_ptr_, sig_.ret_area_ptr.reg});
    } else {
      MInst m;
      m.op = Op::kLoad;
      set_move_kind(m, ir::kI64);
      m.mem.base_kind = Amode::Base::kIncomingArg;
      m.mem.disp = sig_.ret_area_ptr.offset;
      m.ops.push_back(Operand::def(ret_area_ptr_));
      prologue.push_back(std::move(m));
    }
  }
  vc_.stack_limit_path = opts_.stack_limit_path;
  if (!vc_.stack_limit_path.empty() && vc_.vmctx_reg == Opnd::kNoReg) {
    return Error(ErrorKind::kOther,
                 "x64 backend: a stack limit check needs a vmctx parameter passed in a register");
  }
  // Entry parameters that the prologue loads must be defined before anything uses them. The
  // vmctx register is read by the prologue before any allocation, so it needs no vreg.
  const size_t total = rev_.size();
  vc_.insts.reserve(prologue.size() + total);
  for (MInst& m : prologue) vc_.insts.push_back(std::move(m));
  for (size_t p = total; p-- > 0;) vc_.insts.push_back(std::move(rev_[p]));
  const uint32_t shift = static_cast<uint32_t>(prologue.size() + total);

  // The block lists are BlockOrder's flat arrays (same ranges); parameters are collected
  // into one array likewise.
  vc_.succ_list.assign(order_.succ_list().begin(), order_.succ_list().end());
  vc_.pred_list.assign(order_.pred_list().begin(), order_.pred_list().end());
  vc_.blocks.resize(blocks.size());
  for (size_t k = 0; k < blocks.size(); ++k) {
    VBlock& vb = vc_.blocks[k];
    // Block k is rev_[start, rev_end_[k]), start being where block k + 1 ended; the prologue
    // belongs to block 0.
    const uint32_t start = k + 1 < blocks.size() ? rev_end_[k + 1] : 0;
    vb.first = k == 0 ? 0 : shift - rev_end_[k];
    vb.end = shift - start;
    vb.succ_begin = blocks[k].succ_begin;
    vb.succ_end = blocks[k].succ_end;
    vb.pred_begin = blocks[k].pred_begin;
    vb.pred_end = blocks[k].pred_end;
    vb.cold = blocks[k].cold;
    vb.param_begin = static_cast<uint32_t>(vc_.param_list.size());
    if (!blocks[k].edge_call && k != 0) {
      for (Value p : dfg_.block_params(blocks[k].ir_block)) {
        const auto& r = regs(p);
        vc_.param_list.push_back(r[0]);
        if (r[1].is_valid()) vc_.param_list.push_back(r[1]);
      }
    }
    vb.param_end = static_cast<uint32_t>(vc_.param_list.size());
  }
  commute_tied_inputs(vc_);
  return std::move(vc_);
}

}  // namespace

Expected<VCode> lower(const ir::Function& f, const LowerOptions& options) {
  thread_local LowerScratch scratch;
  Expected<VCode> out = Lowerer(f, options, scratch).run();
  // The instruction buffer of an unusually large function is not kept for the rest of the
  // thread's life (the other tables are a few bytes per value).
  constexpr size_t kRetainedInsts = size_t{1} << 16;
  if (scratch.rev.capacity() > kRetainedInsts) std::vector<MInst>().swap(scratch.rev);
  return out;
}

}  // namespace kiln::codegen::x64
