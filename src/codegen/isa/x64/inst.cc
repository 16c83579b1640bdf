// codegen/isa/x64/inst.cc: machine instruction names, the register environment, the
// allocator's view of VCode, and the VCode printer.
#include "codegen/isa/x64/inst.h"

#include <cstring>

namespace kiln::codegen::x64 {

namespace {
constexpr std::string_view kOpNames[] = {
#define KILN_X64_INST(name, text) text,
#include "codegen/isa/x64/insts.def"
};
constexpr const char* kGprNames[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                       "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
}  // namespace

std::string_view op_name(Op op) { return kOpNames[static_cast<size_t>(op)]; }

const regalloc::MachineEnv& machine_env() {
  static const regalloc::MachineEnv env = [] {
    regalloc::MachineEnv e;
    // Caller-saved first: using them costs no save/restore. r11 and xmm15 are the emitter's.
    for (uint8_t r : {reg::kRax, reg::kRcx, reg::kRdx, reg::kRsi, reg::kRdi, reg::kR8, reg::kR9,
                      reg::kR10}) {
      e.preferred[0].push_back(gpr(r));
    }
    for (uint8_t r : {reg::kRbx, reg::kR12, reg::kR13, reg::kR14, reg::kR15}) {
      e.non_preferred[0].push_back(gpr(r));
    }
    for (uint8_t r = 0; r < 15; ++r) e.preferred[1].push_back(xmmr(r));
    // Free between instructions: the allocator's edits may break move cycles through them.
    e.scratch[0] = gpr(reg::kScratch);
    e.scratch[1] = xmmr(reg::kXmmScratch);
    return e;
  }();
  return env;
}

bool is_callee_saved(regalloc::PReg r) {
  if (r.cls != regalloc::RegClass::kInt) return false;
  return r.hw == reg::kRbx || r.hw == reg::kRbp || (r.hw >= reg::kR12 && r.hw <= reg::kR15);
}

regalloc::PRegSet call_clobbers() {
  regalloc::PRegSet s;
  for (uint8_t r : {reg::kRax, reg::kRcx, reg::kRdx, reg::kRsi, reg::kRdi, reg::kR8, reg::kR9,
                    reg::kR10, reg::kR11}) {
    s.add(gpr(r));
  }
  for (uint8_t r = 0; r < 16; ++r) s.add(xmmr(r));
  return s;
}

uint32_t VCode::add_const(const std::array<uint8_t, 16>& bytes) {
  for (uint32_t i = 0; i < consts.size(); ++i) {
    if (consts[i] == bytes) return i;
  }
  consts.push_back(bytes);
  return static_cast<uint32_t>(consts.size() - 1);
}

regalloc::Function VCode::to_regalloc() const {
  regalloc::Function f;
  to_regalloc(f);
  return f;
}

void VCode::to_regalloc(regalloc::Function& f) const {
  f.num_vregs = num_vregs;
  f.entry_live_ins.assign(live_ins.begin(), live_ins.end());
  // Blocks keep their lists' storage between calls: surplus blocks are parked (with their
  // vectors) in a per-thread pool rather than destroyed, and new ones taken from it.
  thread_local std::vector<regalloc::Function::Block> spare_blocks;
  while (f.blocks.size() > blocks.size()) {
    spare_blocks.push_back(std::move(f.blocks.back()));
    f.blocks.pop_back();
  }
  while (f.blocks.size() < blocks.size()) {
    if (spare_blocks.empty()) {
      f.blocks.emplace_back();
    } else {
      f.blocks.push_back(std::move(spare_blocks.back()));
      spare_blocks.pop_back();
    }
  }
  for (uint32_t k = 0; k < blocks.size(); ++k) {
    const VBlock& b = blocks[k];
    regalloc::Function::Block& rb = f.blocks[k];
    rb.first_inst = b.first;
    rb.end_inst = b.end;
    auto s = succs(k), p = preds(k);
    auto v = params(k);
    rb.succs.assign(s.begin(), s.end());
    rb.preds.assign(p.begin(), p.end());
    rb.params.assign(v.begin(), v.end());
    rb.cold = b.cold;
  }
  f.insts.assign(insts.size(), regalloc::Function::Inst{});
  f.operands.clear();
  f.operands.reserve(insts.size() * 3);  // about three per instruction (grows if needed)
  f.branch_args.clear();
  for (size_t i = 0; i < insts.size(); ++i) {
    const MInst& m = insts[i];
    regalloc::Function::Inst& ri = f.insts[i];
    ri.first_operand = static_cast<uint32_t>(f.operands.size());
    ri.num_operands = static_cast<uint32_t>(m.ops.size());
    f.operands.insert(f.operands.end(), m.ops.begin(), m.ops.end());
    ri.clobbers = m.clobbers;
    switch (m.op) {
      case Op::kJump: case Op::kBrTest: case Op::kBrCmp: case Op::kBrFcmp: case Op::kBrTable:
        ri.is_branch = true;
        break;
      case Op::kRet: case Op::kTailCall: case Op::kUd2:
        ri.is_ret = true;
        break;
      case Op::kMov:
        ri.is_move = true;
        break;
      // Constants (mov/xor of an immediate, a constant-pool load or xorps): the emitter
      // re-creates them for the allocator's remat edits (Emitter::emit_edit).
      case Op::kImm:
        ri.remat = m.ops.size() == 1;
        break;
      case Op::kLoad:
        ri.remat = m.ops.size() == 1 && m.mem.base_kind == Amode::Base::kConst &&
                   m.ops[0].vreg.cls == regalloc::RegClass::kFloat;
        break;
      default:
        break;
    }
    ri.first_branch_arg = static_cast<uint32_t>(f.branch_args.size());
    ri.num_branch_args = static_cast<uint32_t>(m.branch_args.size());
    if (!m.branch_args.empty()) {
      f.branch_args.insert(f.branch_args.end(), m.branch_args.begin(), m.branch_args.end());
    }
  }
}

static std::string vreg_text(const regalloc::Operand& o) {
  std::string s = (o.vreg.cls == regalloc::RegClass::kInt ? "%r" : "%x") +
                  std::to_string(o.vreg.index);
  switch (o.constraint) {
    case regalloc::Constraint::kFixedReg:
      s += o.fixed.cls == regalloc::RegClass::kInt ? std::string("@") + kGprNames[o.fixed.hw]
                                                   : "@xmm" + std::to_string(o.fixed.hw);
      break;
    case regalloc::Constraint::kReuse: s += "=op" + std::to_string(o.reuse_input); break;
    case regalloc::Constraint::kAny: s += "?"; break;
    default: break;
  }
  if (o.kind == regalloc::OperandKind::kDef && o.pos == regalloc::OperandPos::kEarly) s += "!";
  return s;
}

std::string print_vcode(const VCode& vc) {
  std::string out;
  for (size_t b = 0; b < vc.blocks.size(); ++b) {
    const VBlock& vb = vc.blocks[b];
    out += "b" + std::to_string(b) + "(";
    auto vparams = vc.params(b);
    for (size_t p = 0; p < vparams.size(); ++p) {
      out += (p ? ", " : "") +
             std::string(vparams[p].cls == regalloc::RegClass::kInt ? "%r" : "%x") +
             std::to_string(vparams[p].index);
    }
    out += "):\n";
    for (uint32_t i = vb.first; i < vb.end; ++i) {
      const MInst& m = vc.insts[i];
      out += "  " + std::string(op_name(m.op));
      if (m.op == Op::kAluRR || m.op == Op::kAluRI || m.op == Op::kUnary || m.op == Op::kShiftRI ||
          m.op == Op::kShiftRC || m.op == Op::kLoad || m.op == Op::kStore || m.op == Op::kFAlu ||
          m.op == Op::kFUnary || m.op == Op::kFAluConst || m.op == Op::kBitCount ||
          m.op == Op::kVecAluImm || m.op == Op::kVecShiftImm || m.op == Op::kVecMovMsk) {
        out += "." + std::string(mnemonic_name(m.mn));
      }
      out += "." + std::to_string(m.size);
      const char* sep = " ";
      for (const auto& o : m.ops) {
        if (o.kind == regalloc::OperandKind::kUse) { out += sep + vreg_text(o); sep = ", "; }
      }
      if (m.flags & kFImm) { out += sep + std::to_string(m.imm); sep = ", "; }
      bool first_def = true;
      for (const auto& o : m.ops) {
        if (o.kind == regalloc::OperandKind::kDef) {
          out += (first_def ? " -> " : ", ") + vreg_text(o);
          first_def = false;
        }
      }
      if (m.op == Op::kJump || m.op == Op::kBrTest || m.op == Op::kBrCmp || m.op == Op::kBrFcmp ||
          m.op == Op::kBrTable) {
        out += " ;";
        for (uint32_t s : vc.succs(b)) out += " b" + std::to_string(s);
        if (!m.branch_args.empty()) {
          out += " args";
          for (auto v : m.branch_args) out += " %" + std::to_string(v.index);
        }
      }
      out += "\n";
    }
  }
  return out;
}

}  // namespace kiln::codegen::x64
