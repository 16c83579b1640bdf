// codegen/isa/x64/inst.h: machine instructions over virtual registers (from insts.def), the
// VCode container the lowering fills and the emitter reads, and the x64 register set.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "codegen/ir/dfg.h"
#include "codegen/ir/instructions.h"
#include "codegen/isa/x64/asm_adapter.h"
#include "codegen/mach/small_vector.h"
#include "codegen/regalloc/regalloc.h"

namespace kiln::codegen::x64 {

enum class Op : uint8_t {
#define KILN_X64_INST(name, text) k##name,
#include "codegen/isa/x64/insts.def"
};
std::string_view op_name(Op op);

// Hardware register numbers.
namespace reg {
inline constexpr uint8_t kRax = 0, kRcx = 1, kRdx = 2, kRbx = 3, kRsp = 4, kRbp = 5, kRsi = 6,
                         kRdi = 7, kR8 = 8, kR9 = 9, kR10 = 10, kR11 = 11, kR12 = 12, kR13 = 13,
                         kR14 = 14, kR15 = 15;
// Reserved for the emitter: never allocated, so any instruction may clobber them.
inline constexpr uint8_t kScratch = kR11;
inline constexpr uint8_t kXmmScratch = 15;
}  // namespace reg
inline regalloc::PReg gpr(uint8_t hw) { return {hw, regalloc::RegClass::kInt}; }
inline regalloc::PReg xmmr(uint8_t hw) { return {hw, regalloc::RegClass::kFloat}; }
const regalloc::MachineEnv& machine_env();
// rbx, r12..r15 (rbp is the frame pointer and saved by every prologue).
bool is_callee_saved(regalloc::PReg r);
// Everything a call may overwrite: caller-saved GPRs and all xmm registers.
regalloc::PRegSet call_clobbers();

// An address: base and index are operand positions in the instruction (kNone: absent), or the
// base is a frame location resolved at emission when the frame layout is known.
struct Amode {
  enum class Base : uint8_t { kReg, kSlot, kIncomingArg, kConst, kOutgoingArg };
  static constexpr uint8_t kNone = 0xFF;
  Base base_kind = Base::kReg;
  uint8_t base = kNone;   // operand position (kReg)
  uint8_t index = kNone;  // operand position
  uint8_t shift = 0;
  int32_t disp = 0;
  uint32_t slot = 0;      // frame slot (kSlot), constant (kConst)
};

struct MInst {
  Op op = Op::kJump;
  Mn mn = Mn::kMov;  // the mnemonic for generic kinds
  uint8_t size = 8;   // operation bytes (1,2,4,8; 4/8 = ss/sd for scalar float; 16 vector)
  uint8_t size2 = 0;  // second size: extend source, compare width, int side of conversions
  Cond cc = Cond::kE;
  uint8_t flags = 0;  // per-kind bits (kF* below)
  int64_t imm = 0;
  Amode mem;
  uint32_t aux = 0;   // trap code, jump table, const index, external name, fcmp cc
  uint32_t targets[2] = {0, 0};
  // Code inlined from another function: 1 + its index in VCode::inline_callees (0: this
  // function's own code). Trap sites and calls of the instruction are attributed to it.
  uint32_t inline_id = 0;
  mach::SmallVector<regalloc::Operand, 4> ops;  // inline up to 4 (nearly every instruction)
  // Calls: where each stack argument goes.
  struct StackArg {
    uint32_t op;     // operand position (calls may have hundreds of operands)
    uint8_t size;    // 4, 8 or 16 bytes
    int32_t offset;  // in the outgoing (call) or incoming (tail call) argument area
  };
  std::vector<StackArg> stack_args;
  regalloc::PRegSet clobbers;
  // Branches: the arguments passed to the successors' parameters, flattened in succ order.
  std::vector<regalloc::VReg> branch_args;
};

// MInst::flags bits.
inline constexpr uint8_t kFImm = 1;        // second operand is `imm`
inline constexpr uint8_t kFSigned = 2;     // div/cvt/mul_wide: signed
inline constexpr uint8_t kFRem = 4;        // div: remainder result
inline constexpr uint8_t kFCheckZero = 8;  // div: divisor may be zero
inline constexpr uint8_t kFCheckOvf = 16;  // div: MIN / -1 possible
inline constexpr uint8_t kFSat = 32;       // cvt: saturating
inline constexpr uint8_t kFTest = 64;      // compare is `test a, a` (cmp with zero) / select on c
inline constexpr uint8_t kFCmpMem = 2;     // br_cmp: the second operand is memory at `mem`
inline constexpr uint8_t kFMemSrc = 32;    // falu (scalar), alu_rr: the second operand is memory at `mem`
inline constexpr uint8_t kFTrap = 128;     // load/store may trap (heap_oob in aux)
// Reused meanings for other kinds.
inline constexpr uint8_t kFIndirect = 2;   // call: callee in operand 0
inline constexpr uint8_t kFColocated = 4;  // call: rel32 reachable
inline constexpr uint8_t kFSub = 2;        // add_sub128: subtract
inline constexpr uint8_t kFFloat = 4;      // select: operands are xmm
inline constexpr uint8_t kFFcmp = 8;       // select: condition is an fcmp (aux = FloatCC)
inline constexpr uint8_t kFSwap = 16;      // br_fcmp/fcmp_setcc: compare b, a
inline constexpr uint8_t kFVex = 2;       // falu, falu_const, xmm_rri, xmm_shift_ri: VEX form
                                           // `vmn d, a, b` (d a plain def, not tied to a)

struct FrameSlot {
  uint32_t size = 0;
  uint32_t align = 8;
};

// A block's successor, predecessor and parameter lists are ranges of VCode's flat arrays
// (VCode::succs/preds/params): no allocation per block.
struct VBlock {
  uint32_t first = 0, end = 0;  // instruction range
  uint32_t succ_begin = 0, succ_end = 0;    // in VCode::succ_list
  uint32_t pred_begin = 0, pred_end = 0;    // in VCode::pred_list
  uint32_t param_begin = 0, param_end = 0;  // in VCode::param_list
  bool cold = false;  // laid out after the hot code (mach::LoweredBlock::cold)
};

// Lowered code: instructions in final order grouped by block, plus what the emitter needs.
struct VCode {
  std::vector<MInst> insts;
  std::vector<VBlock> blocks;
  std::vector<uint32_t> succ_list, pred_list;  // lowered block indices
  std::vector<regalloc::VReg> param_list;
  std::vector<std::pair<regalloc::VReg, regalloc::PReg>> live_ins;
  uint32_t num_vregs = 0;
  std::vector<FrameSlot> slots;            // IR stack slots, then return areas of calls
  std::vector<std::array<uint8_t, 16>> consts;  // rip-relative pool entries
  std::vector<std::vector<uint32_t>> jump_tables;  // lowered block targets
  std::vector<ir::ExternalName> names;     // call and func_addr targets
  std::vector<uint32_t> inline_callees;    // ir::Function::inline_sites' callees (MInst::inline_id)
  uint32_t outgoing_args = 0;              // bytes of the largest outgoing stack argument area
  uint32_t incoming_args = 0;              // bytes of stack parameters
  // Prologue stack limit check: vmctx parameter register and the load path (empty: none).
  uint8_t vmctx_reg = Opnd::kNoReg;
  std::vector<int32_t> stack_limit_path;

  // Block b's successors (in branch order), predecessors (one per edge, ascending) and
  // parameters.
  std::span<const uint32_t> succs(uint32_t b) const {
    return {succ_list.data() + blocks[b].succ_begin, succ_list.data() + blocks[b].succ_end};
  }
  std::span<const uint32_t> preds(uint32_t b) const {
    return {pred_list.data() + blocks[b].pred_begin, pred_list.data() + blocks[b].pred_end};
  }
  std::span<const regalloc::VReg> params(uint32_t b) const {
    return {param_list.data() + blocks[b].param_begin, param_list.data() + blocks[b].param_end};
  }

  uint32_t add_const(const std::array<uint8_t, 16>& bytes);
  // Builds the allocator's view of this code.
  regalloc::Function to_regalloc() const;
  // Same, into `f`, reusing the storage it (and its blocks) already has: the compiler keeps
  // one per thread. Everything in `f` is overwritten.
  void to_regalloc(regalloc::Function& f) const;
};

// Text of the machine code before allocation (for debugging and tests).
std::string print_vcode(const VCode& vc);

}  // namespace kiln::codegen::x64
