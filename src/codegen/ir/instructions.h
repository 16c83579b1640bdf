// codegen/ir/instructions.h: opcodes (from opcodes.def), operand formats, condition codes,
// trap codes, memory flags and InstData, the operands of one instruction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "codegen/ir/entities.h"
#include "codegen/ir/types.h"

namespace kiln::codegen::ir {

enum class Opcode : uint16_t {
#define KILN_IR_OPCODE(name, text, format, shape, flags) k##name,
#include "codegen/ir/opcodes.def"
};
inline constexpr size_t kNumOpcodes = 0
#define KILN_IR_OPCODE(name, text, format, shape, flags) +1
#include "codegen/ir/opcodes.def"
    ;

// Where the operands of an instruction live in InstData.
enum class InstFormat : uint8_t {
  kUnaryImm,      // imm
  kUnaryIeee32,   // imm = f32 bits
  kUnaryIeee64,   // imm = f64 bits
  kUnaryConst,    // aux = Constant
  kUnary,         // args[0]
  kBinary,        // args[0..1]
  kTernary,       // args[0..2]
  kIntCompare,    // aux = IntCC, args[0..1]
  kFloatCompare,  // aux = FloatCC, args[0..1]
  kLoad,          // aux = MemFlags, imm = offset, args[0] = address
  kStore,         // aux = MemFlags, imm = offset, args[0] = value, args[1] = address
  kStackLoad,     // aux = StackSlot, imm = offset
  kStackStore,    // args[0] = value, aux = StackSlot, imm = offset
  kCall,          // aux = FuncRef, vargs = arguments
  kCallIndirect,  // aux = SigRef, vargs = callee address, then arguments
  kFuncAddr,      // aux = FuncRef
  kJump,          // dest[0]
  kBrif,          // args[0] = condition, dest[0] (nonzero), dest[1] (zero)
  kBranchTable,   // args[0] = index, aux = JumpTable
  kMultiAry,      // vargs
  kTrap,          // aux = TrapCode
  kCondTrap,      // args[0], aux = TrapCode
  kIntAddTrap,    // args[0..1], aux = TrapCode
  kExtractLane,   // args[0], imm = lane
  kInsertLane,    // args[0..1], imm = lane
};

// The typing rule of an opcode (checked by the verifier, used to infer result types).
enum class TypeShape : uint8_t {
  kConstInt, kConstF32, kConstF64, kConstVec,
  kIntBin, kIntUn, kIntDiv, kAddTrap, kBitBin, kBitUn, kShift,
  kIcmp, kFcmp, kFloatBin, kFloatUn,
  kExtend, kReduce, kFPromote, kFDemote, kFToI, kIToF, kBitcast,
  kIconcat, kIsplit, kSelect, kSplat, kExtractLane, kInsertLane,
  kLoad, kStore, kStackLoad, kStackStore, kStackAddr,
  kCall, kFuncAddr, kBranchShape, kReturnShape, kTrapShape, kCondTrap,
  // SIMD: bitselect (three equal types), vector -> i8 test, vector -> i32 mask, explicit-type
  // lane-shape conversions.
  kBitselect, kVecTest, kVecBitmask, kVecConvert,
};

enum OpcodeFlags : uint8_t {
  kTerm = 1, kBranch = 2, kCall = 4, kTraps = 8, kLoads = 16, kStores = 32,
};

// Per-opcode format and flags, inline: every pass and the lowering ask for them on every
// instruction they visit.
inline constexpr InstFormat kOpcodeFormats[] = {
#define KILN_IR_OPCODE(name, text, format, shape, flags) InstFormat::format,
#include "codegen/ir/opcodes.def"
};
inline constexpr uint8_t kOpcodeFlags[] = {
#define KILN_IR_OPCODE(name, text, format, shape, flags) static_cast<uint8_t>(flags),
#include "codegen/ir/opcodes.def"
};

std::string_view opcode_name(Opcode op);
std::optional<Opcode> parse_opcode(std::string_view s);
inline InstFormat opcode_format(Opcode op) { return kOpcodeFormats[static_cast<size_t>(op)]; }
TypeShape opcode_shape(Opcode op);
inline uint8_t opcode_flags(Opcode op) { return kOpcodeFlags[static_cast<size_t>(op)]; }
inline bool is_terminator(Opcode op) { return opcode_flags(op) & kTerm; }
inline bool is_branch(Opcode op) { return opcode_flags(op) & kBranch; }
inline bool is_call(Opcode op) { return opcode_flags(op) & kCall; }
inline bool can_trap(Opcode op) { return opcode_flags(op) & kTraps; }
inline bool can_load(Opcode op) { return opcode_flags(op) & kLoads; }
inline bool can_store(Opcode op) { return opcode_flags(op) & kStores; }
// True if the result type is printed after the opcode (`iconst.i32`): it does not follow
// from the operands.
bool has_explicit_type(Opcode op);
// Number of fixed value operands (args[]) of a format.
inline uint32_t format_fixed_args(InstFormat f) {
  switch (f) {
    case InstFormat::kUnary:
    case InstFormat::kLoad:
    case InstFormat::kStackStore:
    case InstFormat::kBrif:
    case InstFormat::kBranchTable:
    case InstFormat::kCondTrap:
    case InstFormat::kExtractLane:
      return 1;
    case InstFormat::kBinary:
    case InstFormat::kIntCompare:
    case InstFormat::kFloatCompare:
    case InstFormat::kStore:
    case InstFormat::kIntAddTrap:
    case InstFormat::kInsertLane:
      return 2;
    case InstFormat::kTernary:
      return 3;
    default:
      return 0;
  }
}
// Bytes a load/store opcode accesses for controlling/stored type t (narrow ops: 1, 2, 4).
uint32_t mem_access_bytes(Opcode op, Type t);
// True for sload8/16/32.
bool load_is_signed(Opcode op);

// Integer condition codes of icmp.
#define KILN_IR_INTCC(X) \
  X(kEq, "eq") X(kNe, "ne") X(kSlt, "slt") X(kSge, "sge") X(kSgt, "sgt") X(kSle, "sle") \
  X(kUlt, "ult") X(kUge, "uge") X(kUgt, "ugt") X(kUle, "ule")
enum class IntCC : uint8_t {
#define X(c, s) c,
  KILN_IR_INTCC(X)
#undef X
};
// Float condition codes of fcmp. eq/lt/le/gt/ge are false on NaN (ordered); ne is true on
// NaN; uno/ord test for NaN; u* are "unordered or ...".
#define KILN_IR_FLOATCC(X)                                                                   \
  X(kEq, "eq") X(kNe, "ne") X(kLt, "lt") X(kLe, "le") X(kGt, "gt") X(kGe, "ge") X(kOrd, "ord") \
  X(kUno, "uno") X(kUeq, "ueq") X(kOne, "one") X(kUlt, "ult") X(kUle, "ule") X(kUgt, "ugt")  \
  X(kUge, "uge")
enum class FloatCC : uint8_t {
#define X(c, s) c,
  KILN_IR_FLOATCC(X)
#undef X
};
std::string_view intcc_name(IntCC cc);
std::optional<IntCC> parse_intcc(std::string_view s);
std::string_view floatcc_name(FloatCC cc);
std::optional<FloatCC> parse_floatcc(std::string_view s);
IntCC intcc_swap_args(IntCC cc);  // a < b  <=>  b > a
IntCC intcc_inverse(IntCC cc);    // !(a < b) <=>  a >= b
FloatCC floatcc_inverse(FloatCC cc);  // !(a < b) <=> a uge b (unordered or a >= b)

// Why a trap happened. The translator maps Wasm traps onto these; user codes are free for
// embedder use. Values below kUserBase are the named codes.
#define KILN_IR_TRAPCODES(X)                                                     \
  X(kStackOverflow, "stk_ovf") X(kHeapOutOfBounds, "heap_oob")                   \
  X(kIntegerOverflow, "int_ovf") X(kIntegerDivisionByZero, "int_divz")           \
  X(kBadConversionToInteger, "bad_toint") X(kTableOutOfBounds, "table_oob")      \
  X(kIndirectCallToNull, "icall_null") X(kBadSignature, "bad_sig")               \
  X(kUnreachable, "unreachable") X(kInterrupt, "interrupt")
enum class TrapCode : uint16_t {
#define X(c, s) c,
  KILN_IR_TRAPCODES(X)
#undef X
  kUserBase = 1000,  // user codes are kUserBase + n, printed user<n>
};
std::string trapcode_name(TrapCode c);
std::optional<TrapCode> parse_trapcode(std::string_view s);

// Memory access flags of load/store. The region is an alias class: accesses to different
// regions never alias (used by redundant load elimination and scheduling).
enum class AliasRegion : uint8_t { kNone, kHeap, kTable, kVmctx };
struct MemFlags {
  static constexpr uint32_t kNotrap = 1;    // cannot trap: the address is known valid
  static constexpr uint32_t kAligned = 2;   // the address is aligned to the access size
  static constexpr uint32_t kReadonly = 4;  // the memory never changes during the function
  static constexpr uint32_t kRegionShift = 3;
  static constexpr uint32_t kAllBits = 0x1f;
  uint32_t bits = 0;

  bool notrap() const { return bits & kNotrap; }
  bool aligned() const { return bits & kAligned; }
  bool readonly() const { return bits & kReadonly; }
  AliasRegion region() const { return static_cast<AliasRegion>((bits >> kRegionShift) & 3); }
  void set_region(AliasRegion r) {
    bits = (bits & ~(3u << kRegionShift)) | (static_cast<uint32_t>(r) << kRegionShift);
  }
  static MemFlags trusted() { return MemFlags{kNotrap | kAligned}; }
  // Space-separated flag words ("notrap aligned heap"), empty for none.
  std::string to_string() const;
};

// A branch target with the arguments passed to its block parameters.
struct BlockCall {
  Block block;
  ValueList args;
};

// The operands of one instruction; which fields are used depends on the opcode's format.
// Results are kept by the DataFlowGraph, not here.
struct InstData {
  Opcode opcode = Opcode::kIconst;
  Type type;            // controlling type, for has_explicit_type opcodes
  uint32_t aux = 0;     // cond code, trap code, mem flags, or an entity index
  int64_t imm = 0;      // immediate, constant bits, memory offset, lane
  Value args[3];        // fixed operands
  ValueList vargs;      // variable operands (calls, return)
  BlockCall dest[2];    // branch targets (jump: dest[0]; brif: both)

  InstFormat format() const { return opcode_format(opcode); }
  IntCC intcc() const { return static_cast<IntCC>(aux); }
  FloatCC floatcc() const { return static_cast<FloatCC>(aux); }
  TrapCode trap_code() const { return static_cast<TrapCode>(aux); }
  MemFlags mem_flags() const { return MemFlags{aux}; }
  int32_t offset() const { return static_cast<int32_t>(imm); }
  StackSlot stack_slot() const { return StackSlot(aux); }
  FuncRef func_ref() const { return FuncRef(aux); }
  SigRef sig_ref() const { return SigRef(aux); }
  JumpTable jump_table() const { return JumpTable(aux); }
  Constant constant() const { return Constant(aux); }
};

}  // namespace kiln::codegen::ir
