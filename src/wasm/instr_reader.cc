// wasm/instr_reader.cc: InstrReader::next(), decoding one instruction and its immediates for
// every ImmKind in wasm/opcodes.def, with the reference interpreter's malformed-code wording.
#include "wasm/instr_reader.h"

#include <cstdio>
#include <string>

#include "wasm/binary_reader.h"

namespace kiln::wasm {
namespace {

bool proposal_enabled(Proposal p, const Features& f) {
  switch (p) {
    case Proposal::kCore: return true;
    case Proposal::kSignExt: return f.sign_ext;
    case Proposal::kSatFloatToInt: return f.sat_float_to_int;
    case Proposal::kBulkMemory: return f.bulk_memory;
    case Proposal::kReferenceTypes: return f.reference_types;
    case Proposal::kSimd: return f.simd;
    case Proposal::kRelaxedSimd: return f.simd && f.relaxed_simd;
    case Proposal::kThreads: return f.threads;
    case Proposal::kTailCall: return f.tail_call;
    case Proposal::kFunctionReferences: return f.function_references || f.gc;
    case Proposal::kGc: return f.gc;
    case Proposal::kExceptions: return f.exceptions;
    case Proposal::kLegacyExceptions: return f.legacy_exceptions;
    case Proposal::kWideArithmetic: return f.wide_arithmetic;
  }
  return false;
}

std::string illegal_opcode(uint8_t prefix, uint32_t code) {
  char buf[48];
  if (prefix == 0) {
    std::snprintf(buf, sizeof buf, "illegal opcode %02x", static_cast<unsigned>(code));
  } else {
    std::snprintf(buf, sizeof buf, "illegal opcode %02x %02x", static_cast<unsigned>(prefix),
                  static_cast<unsigned>(code));
  }
  return buf;
}

// A memory index immediate: a u32 with multi-memory, else the MVP's reserved zero byte.
bool memory_index(BinaryReader& r, const Features& f, uint32_t* out) {
  if (f.multi_memory) return r.u32(out);
  uint64_t at = r.offset();
  uint8_t b;
  if (!r.u8(&b)) return false;
  if (b != 0) return r.fail("zero byte expected", at);
  *out = 0;
  return true;
}

bool table_index(BinaryReader& r, const Features& f, uint32_t* out) {
  if (f.reference_types) return r.u32(out);
  uint64_t at = r.offset();
  uint8_t b;
  if (!r.u8(&b)) return false;
  if (b != 0) return r.fail("zero byte expected", at);
  *out = 0;
  return true;
}

// memarg: flags (alignment exponent in bits 0-5, bit 6: a memory index follows), offset.
bool memarg(BinaryReader& r, const Features& f, Memarg* out) {
  uint64_t at = r.offset();
  uint32_t flags;
  if (!r.u32(&flags)) return false;
  if (flags >= 0x80 || ((flags & 0x40) && !f.multi_memory)) return r.fail("malformed memop flags", at);
  out->align_log2 = flags & 0x3F;
  out->memory = 0;
  if ((flags & 0x40) && !r.u32(&out->memory)) return false;
  if (f.memory64) return r.u64(&out->offset);
  uint32_t off;
  if (!r.u32(&off)) return false;
  out->offset = off;
  return true;
}

// blocktype: a type index (s33 >= 0), 0x40 (empty) or a value type, tried in that order.
bool block_type(BinaryReader& r, const Features& f, BlockType* out) {
  const uint8_t* start = r.ptr();
  uint8_t b;
  if (r.peek(&b) && b == 0x40) {
    r.seek(start + 1);
    out->kind = BlockType::Kind::kEmpty;
    return true;
  }
  int64_t v;
  if (r.s33(&v) && v >= 0) {
    if (!f.multi_value && !f.function_references && !f.gc) return r.fail("malformed block type", r.offset_of(start));
    out->kind = BlockType::Kind::kIndex;
    out->index = static_cast<uint32_t>(v);
    return true;
  }
  r.seek(start);
  out->kind = BlockType::Kind::kValue;
  return read_val_type(r, f, &out->value);
}

}  // namespace

InstrReader::InstrReader(const uint8_t* begin, const uint8_t* end, uint64_t base_offset, const Features& features)
    : begin_(begin), pos_(begin), end_(end), base_(base_offset), features_(features) {}

Expected<void> InstrReader::next(Opcode* op, Imm* imm) {
  // Fast path for the most common shapes - one-byte opcodes with no immediate, an index or
  // constant of one or two LEB128 bytes, or a memarg without memory index of one-byte flags and
  // a one- or two-byte offset - without setting up a BinaryReader. Such LEBs hold at most 14
  // bits, so none is overlong or has unused bits set: the general decoder would accept them
  // with the same values. Anything else (and every error) takes the general path.
  if (pos_ < end_ && *pos_ < 0xFB && lookup_one_byte_opcode(*pos_, op)) {
    const OpcodeInfo& in = info(*op);
    if (in.proposal == Proposal::kCore || proposal_enabled(in.proposal, features_)) {
      if (in.imm == ImmKind::kNone) {
        ++pos_;
        return {};
      }
      const ptrdiff_t avail = end_ - pos_ - 1;  // bytes after the opcode
      const uint8_t* p = pos_ + 1;
      // Length (1 or 2) of the LEB128 at p, 0 if longer or cut off.
      auto short_leb = [&](const uint8_t* q, ptrdiff_t n) -> int {
        if (n >= 1 && q[0] < 0x80) return 1;
        if (n >= 2 && q[1] < 0x80) return 2;
        return 0;
      };
      auto uleb = [](const uint8_t* q, int len) -> uint32_t {
        return len == 1 ? q[0] : (q[0] & 0x7Fu) | (uint32_t{q[1]} << 7);
      };
      switch (in.imm) {
        case ImmKind::kLocal:
        case ImmKind::kGlobal:
        case ImmKind::kLabel:
        case ImmKind::kFunc:
          if (int len = short_leb(p, avail)) {
            imm->index = uleb(p, len);
            pos_ = p + len;
            return {};
          }
          break;
        case ImmKind::kI32:
        case ImmKind::kI64:
          if (int len = short_leb(p, avail)) {
            // Sign-extended from bit 7 * len - 1, as s32/s64 decode it.
            int64_t v = uleb(p, len);
            if (v & (int64_t{1} << (7 * len - 1))) v -= int64_t{1} << (7 * len);
            imm->value = static_cast<uint64_t>(v);
            pos_ = p + len;
            return {};
          }
          break;
        case ImmKind::kMemarg:
          if (avail >= 2 && p[0] < 0x40) {  // flags: no memory index
            if (int len = short_leb(p + 1, avail - 1)) {
              imm->memarg.align_log2 = p[0];
              imm->memarg.memory = 0;
              imm->memarg.offset = uleb(p + 1, len);
              pos_ = p + 1 + len;
              return {};
            }
          }
          break;
        default:
          break;
      }
    }
  }
  return next_slow(op, imm);
}

[[gnu::noinline]] Expected<void> InstrReader::next_slow(Opcode* op, Imm* imm) {
  BinaryReader r(pos_, end_, offset());
  uint64_t at = r.offset();
  uint8_t b;
  if (!r.u8(&b)) return r.take_error();
  uint8_t prefix = 0;
  uint32_t code = b;
  if (b >= 0xFB && b <= 0xFE) {
    prefix = b;
    if (!r.u32(&code)) return r.take_error();
  }
  if (!lookup_opcode(prefix, code, op)) return Error(ErrorKind::kMalformed, illegal_opcode(prefix, code), Location::at_offset(at));
  const OpcodeInfo& in = info(*op);
  if (!proposal_enabled(in.proposal, features_) ||
      (*op == Opcode::kReturnCallRef && !features_.function_references && !features_.gc)) {
    return Error(ErrorKind::kMalformed, illegal_opcode(prefix, code), Location::at_offset(at));
  }

  bool ok = true;
  switch (in.imm) {
    case ImmKind::kNone:
      break;
    case ImmKind::kBlockType:
      ok = block_type(r, features_, &imm->block);
      break;
    case ImmKind::kLabel:
    case ImmKind::kFunc:
    case ImmKind::kType:
    case ImmKind::kLocal:
    case ImmKind::kGlobal:
    case ImmKind::kTable:
    case ImmKind::kTag:
    case ImmKind::kData:
    case ImmKind::kElem:
      ok = r.u32(&imm->index);
      break;
    case ImmKind::kBrTable: {
      uint32_t n;
      ok = r.len32(&n);
      if (!ok) break;
      // len32 bounded n by the bytes left, and each label takes at least one byte.
      targets_.resize(n);
      for (uint32_t i = 0; ok && i < n; ++i) ok = r.u32(&targets_[i]);
      if (ok) ok = r.u32(&imm->default_target);
      imm->targets = targets_.data();
      imm->num_targets = n;
      break;
    }
    case ImmKind::kCallIndirect:
      ok = r.u32(&imm->index) && table_index(r, features_, &imm->index2);
      break;
    case ImmKind::kMemarg:
      ok = memarg(r, features_, &imm->memarg);
      break;
    case ImmKind::kMemargLane:
      ok = memarg(r, features_, &imm->memarg) && r.u8(&imm->lane);
      break;
    case ImmKind::kMemory:
      ok = memory_index(r, features_, &imm->index);
      break;
    case ImmKind::kMemoryMemory:
      ok = memory_index(r, features_, &imm->index) && memory_index(r, features_, &imm->index2);
      break;
    case ImmKind::kDataMemory:
      ok = r.u32(&imm->index) && memory_index(r, features_, &imm->index2);
      break;
    case ImmKind::kElemTable:
    case ImmKind::kTableTable:
    case ImmKind::kTypeField:
    case ImmKind::kTypeType:
    case ImmKind::kTypeSize:
    case ImmKind::kTypeData:
    case ImmKind::kTypeElem:
      ok = r.u32(&imm->index) && r.u32(&imm->index2);
      break;
    case ImmKind::kI32: {
      int32_t v = 0;
      ok = r.s32(&v);
      imm->value = static_cast<uint64_t>(static_cast<int64_t>(v));
      break;
    }
    case ImmKind::kI64: {
      int64_t v = 0;
      ok = r.s64(&v);
      imm->value = static_cast<uint64_t>(v);
      break;
    }
    case ImmKind::kF32: {
      uint32_t v = 0;
      ok = r.u32_fixed(&v);
      imm->value = v;
      break;
    }
    case ImmKind::kF64:
      ok = r.u64_fixed(&imm->value);
      break;
    case ImmKind::kV128:
    case ImmKind::kShuffle: {
      const uint8_t* p = r.ptr();
      ok = r.skip(16);
      if (ok) {
        for (int i = 0; i < 16; ++i) imm->bytes[i] = p[i];
      }
      break;
    }
    case ImmKind::kLane:
      ok = r.u8(&imm->lane);
      break;
    case ImmKind::kHeapType:
      ok = read_heap_type(r, features_, &imm->heap);
      imm->nullable = *op == Opcode::kRefNull || *op == Opcode::kRefTestNull || *op == Opcode::kRefCastNull;
      break;
    case ImmKind::kSelectT: {
      uint32_t n;
      ok = r.len32(&n);
      if (!ok) break;
      types_.resize(n);
      for (uint32_t i = 0; ok && i < n; ++i) ok = read_val_type(r, features_, &types_[i]);
      imm->types = types_.data();
      imm->num_types = n;
      break;
    }
    case ImmKind::kBrOnCast: {
      uint64_t flags_at = r.offset();
      uint8_t flags;
      ok = r.u8(&flags);
      if (!ok) break;
      if (flags & 0xFC) {
        ok = r.fail("malformed br_on_cast flags", flags_at);
        break;
      }
      imm->nullable = flags & 1;
      imm->nullable2 = (flags & 2) != 0;
      ok = r.u32(&imm->index) && read_heap_type(r, features_, &imm->heap) &&
           read_heap_type(r, features_, &imm->heap2);
      break;
    }
    case ImmKind::kTryTable: {
      ok = block_type(r, features_, &imm->block);
      uint32_t n = 0;
      if (ok) ok = r.len32(&n);
      if (!ok) break;
      catches_.resize(n);
      for (uint32_t i = 0; ok && i < n; ++i) {
        CatchClause& c = catches_[i];
        uint64_t kind_at = r.offset();
        uint8_t kind;
        ok = r.u8(&kind);
        if (!ok) break;
        if (kind > 3) {
          ok = r.fail("malformed catch clause", kind_at);
          break;
        }
        c.kind = static_cast<CatchClause::Kind>(kind);
        c.tag = 0;
        if (c.kind == CatchClause::Kind::kCatch || c.kind == CatchClause::Kind::kCatchRef) ok = r.u32(&c.tag);
        if (ok) ok = r.u32(&c.label);
      }
      imm->catches = catches_.data();
      imm->num_catches = n;
      break;
    }
    case ImmKind::kAtomicFence: {
      uint64_t zero_at = r.offset();
      uint8_t z;
      ok = r.u8(&z);
      if (ok && z != 0) ok = r.fail("zero byte expected", zero_at);
      break;
    }
  }
  if (!ok) return r.take_error();
  pos_ = r.ptr();
  return {};
}

}  // namespace kiln::wasm
