// wasm/opcode.h: the Opcode enum and per-opcode facts, generated from wasm/opcodes.def, the
// single table that drives the decoder, validator, text parser, printer and encoder.
#pragma once

#include <cstdint>
#include <string_view>

namespace kiln::wasm {

// The shape of an instruction's immediates, in binary order.
enum class ImmKind : uint8_t {
  kNone,
  kBlockType,     // block, loop, if, try
  kLabel,         // br, br_if, br_on_null, br_on_non_null, rethrow, delegate: label depth
  kBrTable,       // vec(label) label
  kFunc,          // call, return_call, ref.func: funcidx
  kCallIndirect,  // call_indirect, return_call_indirect: typeidx tableidx
  kType,          // call_ref, struct.new, array.new, array.get, ...: typeidx
  kLocal,
  kGlobal,
  kTable,         // table.get/set/size/grow/fill
  kTag,           // throw, catch
  kMemarg,        // loads, stores, atomics: align(+memidx flag) offset
  kMemargLane,    // v128.loadN_lane / storeN_lane: memarg lane
  kMemory,        // memory.size, memory.grow, memory.fill: memidx
  kMemoryMemory,  // memory.copy: dst src
  kDataMemory,    // memory.init: dataidx memidx
  kData,          // data.drop
  kElem,          // elem.drop
  kElemTable,     // table.init: elemidx tableidx
  kTableTable,    // table.copy: dst src
  kI32,
  kI64,
  kF32,
  kF64,
  kV128,          // v128.const: 16 bytes
  kShuffle,       // i8x16.shuffle: 16 lane indices
  kLane,          // extract/replace lane: one byte
  kHeapType,      // ref.null, ref.test, ref.cast: heaptype
  kSelectT,       // select t*: vec(valtype)
  kTypeField,     // struct.get/set: typeidx fieldidx
  kTypeType,      // array.copy: typeidx typeidx
  kTypeSize,      // array.new_fixed: typeidx u32
  kTypeData,      // array.new_data, array.init_data: typeidx dataidx
  kTypeElem,      // array.new_elem, array.init_elem: typeidx elemidx
  kBrOnCast,      // br_on_cast(_fail): flags label heaptype heaptype
  kTryTable,      // try_table: blocktype vec(catch)
  kAtomicFence,   // atomic.fence: one zero byte
};

// The proposal that introduced an opcode (matches the fields of wasm::Features).
enum class Proposal : uint8_t {
  kCore,
  kSignExt,
  kSatFloatToInt,
  kBulkMemory,
  kReferenceTypes,
  kSimd,
  kRelaxedSimd,
  kThreads,
  kTailCall,
  kFunctionReferences,
  kGc,
  kExceptions,
  kLegacyExceptions,
  kWideArithmetic,
};

enum class Opcode : uint16_t {
#define KILN_OPCODE(name, prefix, code, text, imm, sig, align, proposal) name,
#include "wasm/opcodes.def"
#undef KILN_OPCODE
  kCount_
};

struct OpcodeInfo {
  uint8_t prefix;      // 0 for one-byte opcodes, else 0xFB/0xFC/0xFD/0xFE
  uint32_t code;       // the byte, or the u32 LEB after the prefix
  const char* text;    // text-format mnemonic, e.g. "i32.add"
  ImmKind imm;
  // Operand and result types as "params:results" over i (i32), l (i64), f (f32), d (f64),
  // v (v128); "*" when the validator types the instruction itself (control, variable,
  // reference, GC, table and memory-index-dependent instructions). For kMemarg/kMemargLane
  // ops the first 'i' is the address and takes the memory's address type.
  const char* sig;
  uint8_t align;       // memory ops: log2 of the natural alignment; 0 otherwise
  Proposal proposal;
};

constexpr uint32_t kNumOpcodes = static_cast<uint32_t>(Opcode::kCount_);

namespace detail {
extern const OpcodeInfo kOpcodeInfos[];
// One-byte opcode space: the Opcode for each byte, or kNoOpcode.
inline constexpr uint16_t kNoOpcode = 0xFFFF;
extern const uint16_t kOneByteOpcodes[256];
}  // namespace detail

// Inline: the decoder and validator consult it for every instruction.
inline const OpcodeInfo& info(Opcode op) { return detail::kOpcodeInfos[static_cast<uint32_t>(op)]; }
inline const char* name(Opcode op) { return info(op).text; }

// Decoding: the opcode for (prefix, code), or false if there is none.
bool lookup_opcode(uint8_t prefix, uint32_t code, Opcode* out);
inline bool lookup_one_byte_opcode(uint8_t code, Opcode* out) {
  uint16_t v = detail::kOneByteOpcodes[code];
  *out = static_cast<Opcode>(v);
  return v != detail::kNoOpcode;
}

}  // namespace kiln::wasm
