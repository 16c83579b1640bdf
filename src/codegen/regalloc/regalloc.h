// codegen/regalloc/regalloc.h: the register allocator's whole client interface (in the spirit
// of regalloc2): the client describes a function of machine instructions over virtual
// registers with operand constraints; the allocator returns an allocation per operand plus
// the moves/spills/reloads to insert. The client's instructions are never mutated.
//
//   lowering (isa/x64) --fills--> regalloc::Function --run()--> regalloc::Output
//                                        |                           |
//                                        +------- check() -----------+   (tests: the checker)
//   emission reads Output: allocations for each operand, edits between instructions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "support/error.h"

namespace kiln::codegen::regalloc {

enum class RegClass : uint8_t { kInt = 0, kFloat = 1 };  // GPRs; vector/float registers
inline constexpr int kNumClasses = 2;

// A physical register: hardware number (0..31) within its class.
struct PReg {
  uint8_t hw = 0xFF;
  RegClass cls = RegClass::kInt;
  constexpr bool is_valid() const { return hw != 0xFF; }
  constexpr uint32_t index() const { return static_cast<uint32_t>(cls) * 32 + hw; }  // 0..63
  constexpr bool operator==(const PReg&) const = default;
};

// A set of physical registers (bit i = PReg::index() i).
struct PRegSet {
  uint64_t bits = 0;
  void add(PReg r) { bits |= uint64_t{1} << r.index(); }
  bool contains(PReg r) const { return (bits >> r.index()) & 1; }
  PRegSet operator|(PRegSet o) const { return {bits | o.bits}; }
};

// A virtual register. Index space is [0, Function::num_vregs).
struct VReg {
  uint32_t index = UINT32_MAX;
  RegClass cls = RegClass::kInt;
  constexpr bool is_valid() const { return index != UINT32_MAX; }
  constexpr bool operator==(const VReg&) const = default;
};

enum class OperandKind : uint8_t { kUse, kDef };
// Early: read/written at the start of the instruction; Late: at its end. Uses are normally
// early and defs late, so a def may share a register with a use that dies here; an early def
// (or late use) conflicts with all uses (defs) of the instruction.
enum class OperandPos : uint8_t { kEarly, kLate };
enum class Constraint : uint8_t {
  kAny,       // a register or a spill slot (a use: read in place, wherever the value is;
              // wanted in a register when one is to be freed, but never reloaded for)
  kReg,       // any register of the class
  kFixedReg,  // exactly `fixed`
  kReuse,     // a def that must get the same register as use operand number `reuse_input`
  kStack,     // a spill slot
};

struct Operand {
  VReg vreg;
  OperandKind kind = OperandKind::kUse;
  OperandPos pos = OperandPos::kEarly;
  Constraint constraint = Constraint::kReg;
  PReg fixed;               // kFixedReg
  uint8_t reuse_input = 0;  // kReuse

  static Operand use(VReg v, Constraint c = Constraint::kReg) { return {v, OperandKind::kUse, OperandPos::kEarly, c, {}, 0}; }
  static Operand def(VReg v, Constraint c = Constraint::kReg) { return {v, OperandKind::kDef, OperandPos::kLate, c, {}, 0}; }
  static Operand fixed_use(VReg v, PReg r) { return {v, OperandKind::kUse, OperandPos::kEarly, Constraint::kFixedReg, r, 0}; }
  static Operand fixed_def(VReg v, PReg r) { return {v, OperandKind::kDef, OperandPos::kLate, Constraint::kFixedReg, r, 0}; }
  static Operand reuse_def(VReg v, uint8_t input) { return {v, OperandKind::kDef, OperandPos::kLate, Constraint::kReuse, {}, input}; }
};

// Where an operand lives after allocation.
struct Allocation {
  enum class Kind : uint8_t { kNone, kReg, kStack };
  Kind kind = Kind::kNone;
  PReg reg;              // kReg
  uint32_t slot = 0;     // kStack: spill slot index (the client maps slots to frame offsets)
  static Allocation in_reg(PReg r) { Allocation a; a.kind = Kind::kReg; a.reg = r; return a; }
  static Allocation in_slot(uint32_t s) { Allocation a; a.kind = Kind::kStack; a.slot = s; return a; }
  bool operator==(const Allocation& o) const {
    return kind == o.kind && (kind != Kind::kReg || reg == o.reg) && (kind != Kind::kStack || slot == o.slot);
  }
};

// The function to allocate, as flat arrays (filled by the client). Instructions are numbered
// 0..num_insts-1 in layout order; each block is a contiguous range ending in a terminator
// (branch or return). Block 0 is the entry. Edges from a block with several successors to a
// block with several predecessors must have been split by the client (critical edges).
//
// Further requirements, checked by run() with Options::validate_input or run_checker:
//  - blocks are listed in layout order and cover the instructions without gaps;
//  - the entry block has no predecessors and no params (its inputs are entry_live_ins);
//  - the function is in SSA form: every vreg is defined once (operand def, block param or
//    entry live-in) and its definition dominates its uses;
//  - terminators define nothing; a jump to a block with several predecessors has no operands
//    (the edge's moves are placed just before it, where they could overwrite its inputs);
//  - a kReuse def names an early kReg/kAny use of the same class; at most one value is fixed to
//    a register at any position of an instruction; a late use is not fixed to a register the
//    instruction clobbers.
struct Function {
  uint32_t num_vregs = 0;
  struct Block {
    uint32_t first_inst = 0;
    uint32_t end_inst = 0;  // one past the terminator
    std::vector<uint32_t> succs;
    std::vector<uint32_t> preds;
    std::vector<VReg> params;  // block parameters (defined on entry)
    bool cold = false;         // a slow path laid out after the hot code (not part of loops)
  };
  std::vector<Block> blocks;
  struct Inst {
    uint32_t first_operand = 0;  // into `operands`
    uint32_t num_operands = 0;
    PRegSet clobbers;            // registers the instruction overwrites (e.g. calls)
    bool is_branch = false;      // terminator jumping to successors
    bool is_ret = false;         // terminator leaving the function
    // For branches: arguments passed to each successor's params, flattened in succs order
    // (into `branch_args`).
    uint32_t first_branch_arg = 0;
    uint32_t num_branch_args = 0;
    // A plain register-to-register move `dst = src` the allocator may coalesce or delete.
    bool is_move = false;
    // Rematerialisable: the instruction creates a constant from nothing. Its only operand is
    // a kReg def; it reads no register or memory that can change and clobbers no allocatable
    // register. The allocator may re-execute it (an Edit with `remat_inst`) to recreate its
    // value in a register wherever the value is live, instead of storing it in a spill slot
    // and reloading it: such a value never gets a slot. (The client may clobber the condition
    // flags in a rematerialisation if it keeps no flags live across instruction boundaries.)
    // A def with another constraint or a kStack use of the value disable it for that value.
    bool remat = false;
  };
  std::vector<Inst> insts;
  std::vector<Operand> operands;
  std::vector<VReg> branch_args;
  // Fixed-register inputs of the entry block (function arguments), as (vreg, preg) pairs:
  // these vregs are defined on entry in the given registers.
  std::vector<std::pair<VReg, PReg>> entry_live_ins;

  std::span<const Operand> inst_operands(uint32_t i) const {
    return {operands.data() + insts[i].first_operand, insts[i].num_operands};
  }
};

// The registers the allocator may use, per class, in order of preference.
struct MachineEnv {
  std::vector<PReg> preferred[kNumClasses];      // caller-saved: cheap to use
  std::vector<PReg> non_preferred[kNumClasses];  // callee-saved: the client saves what is used
  // Per class, optionally, a register outside the lists above that edits may use as a
  // temporary (it holds nothing between instructions): cycles of moves and slot-to-slot copies
  // go through it instead of an emergency spill slot when no allocatable register is free.
  PReg scratch[kNumClasses];
};

// A program point: before or after instruction `inst`.
struct ProgPoint {
  uint32_t inst = 0;
  bool after = false;
  bool operator<(const ProgPoint& o) const { return inst != o.inst ? inst < o.inst : (!after && o.after); }
  bool operator==(const ProgPoint&) const = default;
};

// A move the client inserts at a program point: reg<->reg, reg->slot (spill), slot->reg
// (reload), or a rematerialisation: `remat_inst` names a Function::Inst::remat instruction
// whose constant the client re-creates in register `to` (`from` is then kNone). Slot-to-slot
// moves are never produced. Edits at the same point run in order.
struct Edit {
  static constexpr uint32_t kNoRemat = UINT32_MAX;
  ProgPoint point;
  Allocation from;
  Allocation to;
  RegClass cls = RegClass::kInt;
  uint32_t remat_inst = kNoRemat;
  bool is_remat() const { return remat_inst != kNoRemat; }
};

struct Output {
  std::vector<Allocation> allocs;       // one per operand, parallel to Function::operands
  std::vector<Edit> edits;              // sorted by point
  uint32_t num_spill_slots = 0;         // slots 0..n-1, each 8 bytes (kInt) or 16 (kFloat)
  std::vector<uint8_t> slot_is_vector;  // per slot: 1 if it holds a 16-byte value
  PRegSet used_regs;                    // every register assigned (for callee-saved saves)
  // sunk_stores: values defined in a loop whose slot is written on the loop's exits instead of
  // after each definition (counted once per value).
  struct Stats { uint32_t spills = 0, reloads = 0, moves = 0, splits = 0, remats = 0, sunk_stores = 0; } stats;
  // is_move instructions whose source and destination got the same allocation: the client
  // emits nothing for them. Ascending instruction indices.
  std::vector<uint32_t> noop_moves;
};

struct Options {
  bool run_checker = false;  // verify the result symbolically (tests and fuzzing)
  // Verify every requirement listed at Function and report a violation as an error (also done
  // when run_checker is set): for clients under test and fuzzing. Without it run() trusts the
  // client (the x64 lowering) and checks only the indices it reads through (block layout,
  // successors, operand and branch-argument ranges, vregs, registers, reuse inputs); input
  // breaking the other rules (SSA, one class per vreg, predecessor lists, terminators,
  // critical edges, constraint shapes) is then not diagnosed.
  bool validate_input = false;
};

// Allocates registers. Fails only on inconsistent input (e.g. a use of an undefined vreg; see
// Options::validate_input) or impossible constraints, with an error naming the instruction.
// Each thread keeps one allocator's arrays between calls (sized by the largest function).
Expected<Output> run(const Function& func, const MachineEnv& env, const Options& options = {});

// The checker: re-executes the allocated program symbolically (which vreg each register and
// slot holds at every point, through edits and branch arguments) and reports the first
// operand whose allocation does not hold its vreg or violates its constraint.
Expected<void> check(const Function& func, const MachineEnv& env, const Output& out);

}  // namespace kiln::codegen::regalloc
