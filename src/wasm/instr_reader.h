// wasm/instr_reader.h: the one instruction decoder. It reads an expression (a function body
// or a constant expression) one instruction at a time, with all immediates decoded and
// checked for well-formedness (not validity). The validator, printer, IR translator and
// const-expr evaluator all read instructions through it.
#pragma once

#include <cstdint>
#include <vector>

#include "support/error.h"
#include "wasm/features.h"
#include "wasm/opcode.h"
#include "wasm/types.h"

namespace kiln::wasm {

struct BlockType {
  enum class Kind : uint8_t { kEmpty, kValue, kIndex };
  Kind kind = Kind::kEmpty;
  ValType value;       // kValue
  uint32_t index = 0;  // kIndex: type index (s33 >= 0)
};

struct CatchClause {
  enum class Kind : uint8_t { kCatch = 0, kCatchRef = 1, kCatchAll = 2, kCatchAllRef = 3 };
  Kind kind = Kind::kCatch;
  uint32_t tag = 0;    // kCatch, kCatchRef
  uint32_t label = 0;
};

// Decoded immediates. Which fields are meaningful depends on info(op).imm:
//   index/index2: the first/second index immediate, in binary order (e.g. kCallIndirect:
//     index = typeidx, index2 = tableidx; kMemoryMemory: index = dst, index2 = src;
//     kTypeField: index = type, index2 = field; kTypeSize: index2 = N; kBrOnCast: index =
//     label)
//   memarg: kMemarg/kMemargLane (memory index from the flag bit, offset up to 64 bits)
//   lane: kLane, kMemargLane; bytes: kV128 / kShuffle
//   value: kI32 (sign-extended to 64), kI64, kF32/kF64 raw bits
//   heap/heap2 + nullable/nullable2: kHeapType, kBrOnCast (flags bit0 -> nullable, bit1 -> nullable2)
// Vectors (br_table targets, select types, catches) point into the reader's scratch storage
// and stay valid until the next call of next().
struct Memarg {
  uint32_t align_log2 = 0;
  uint32_t memory = 0;
  uint64_t offset = 0;
};

struct Imm {
  uint32_t index = 0;
  uint32_t index2 = 0;
  Memarg memarg;
  uint8_t lane = 0;
  uint64_t value = 0;
  uint8_t bytes[16] = {};
  BlockType block;
  HeapType heap;
  HeapType heap2;
  bool nullable = false;
  bool nullable2 = false;
  const uint32_t* targets = nullptr;  // kBrTable: num_targets labels, then the default
  uint32_t num_targets = 0;           // excluding the default
  uint32_t default_target = 0;
  const ValType* types = nullptr;     // kSelectT
  uint32_t num_types = 0;
  const CatchClause* catches = nullptr;  // kTryTable
  uint32_t num_catches = 0;
};

class InstrReader {
 public:
  // Reads [begin, end); `base_offset` is the offset of `begin` in the whole binary, for errors.
  InstrReader(const uint8_t* begin, const uint8_t* end, uint64_t base_offset, const Features& features);

  bool at_end() const { return pos_ >= end_; }
  // Offset in the whole binary of the next instruction.
  uint64_t offset() const { return base_ + static_cast<uint64_t>(pos_ - begin_); }
  // The first byte of the next instruction (its opcode, or the prefix of a prefixed one), or
  // -1 at the end: a look ahead for consumers that fuse two instructions.
  int peek_byte() const { return pos_ < end_ ? *pos_ : -1; }

  // Decodes the next instruction. Malformed encodings (unknown opcode, bad LEB, truncated
  // immediates, zero byte expected, ...) give ErrorKind::kMalformed at the right offset with
  // the spec wording ("illegal opcode", "unexpected end", "integer too large", ...).
  // An opcode whose proposal is disabled in `features` is reported as "illegal opcode".
  Expected<void> next(Opcode* op, Imm* imm);

 private:
  // next() for everything its inline fast path does not take (kept out of line, so the fast
  // path needs no stack frame).
  Expected<void> next_slow(Opcode* op, Imm* imm);
  const uint8_t* begin_;
  const uint8_t* pos_;
  const uint8_t* end_;
  uint64_t base_;
  Features features_;  // by value: callers often pass temporaries
  std::vector<uint32_t> targets_;
  std::vector<ValType> types_;
  std::vector<CatchClause> catches_;
};

}  // namespace kiln::wasm
