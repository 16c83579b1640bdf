// wasm/binary_reader.cc: the out-of-line parts of BinaryReader: multi-byte LEB128, lengths,
// names and UTF-8 checking.
#include "wasm/binary_reader.h"

namespace kiln::wasm {

bool is_valid_utf8(const uint8_t* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t b = p[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
      cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      cp = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      cp = b & 0x07;
    } else {
      return false;  // continuation byte, overlong 2-byte lead (C0/C1) or > U+10FFFF lead
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      uint8_t c = p[i + k];
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return false;
    if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return false;
    i += len;
  }
  return true;
}

void BinaryReader::set_error(const char* message, uint64_t at) {
  error_ = Error(ErrorKind::kMalformed, message, Location::at_offset(at));
}

void BinaryReader::set_error(std::string message, uint64_t at) {
  error_ = Error(ErrorKind::kMalformed, std::move(message), Location::at_offset(at));
}

bool BinaryReader::u32_fixed(uint32_t* out) {
  if (remaining() < 4) {
    pos_ = end_;
    return fail_here(kUnexpectedEnd);
  }
  *out = uint32_t{pos_[0]} | uint32_t{pos_[1]} << 8 | uint32_t{pos_[2]} << 16 | uint32_t{pos_[3]} << 24;
  pos_ += 4;
  return true;
}

bool BinaryReader::u64_fixed(uint64_t* out) {
  uint32_t lo, hi;
  if (!u32_fixed(&lo) || !u32_fixed(&hi)) return false;
  *out = uint64_t{lo} | uint64_t{hi} << 32;
  return true;
}

// `bits` counts down by 7 per byte as in the spec's uN grammar: a byte read while fewer than
// 7 bits remain may only use those bits; no byte may be read once none remain.
bool BinaryReader::unsigned_leb(int bits, uint64_t* out) {
  uint64_t result = 0;
  int shift = 0;
  for (int n = bits;; n -= 7) {
    if (n <= 0) return fail_here(kIntegerTooLong);
    if (pos_ >= end_) return fail_here(kUnexpectedEnd);
    uint8_t b = *pos_++;
    if (n < 7 && (b & 0x7F) >= (1u << n)) return fail(kIntegerTooLarge, offset() - 1);
    result |= uint64_t{b & 0x7Fu} << shift;
    if ((b & 0x80) == 0) break;
    shift += 7;
  }
  *out = result;
  return true;
}

bool BinaryReader::signed_leb(int bits, int64_t* out) {
  uint64_t result = 0;
  int shift = 0;
  for (int n = bits;; n -= 7) {
    if (n <= 0) return fail_here(kIntegerTooLong);
    if (pos_ >= end_) return fail_here(kUnexpectedEnd);
    uint8_t b = *pos_++;
    if (n < 7) {
      // The bits above the value's width must all equal its sign bit.
      uint32_t mask = (0xFFFFFFFFu << (n - 1)) & 0x7Fu;
      if ((b & mask) != 0 && (b & mask) != mask) return fail(kIntegerTooLarge, offset() - 1);
    }
    result |= uint64_t{b & 0x7Fu} << shift;
    shift += 7;
    if ((b & 0x80) == 0) {
      if (shift < 64 && (b & 0x40)) result |= ~uint64_t{0} << shift;
      break;
    }
  }
  *out = static_cast<int64_t>(result);
  return true;
}

bool BinaryReader::len32(uint32_t* out) {
  const uint8_t* start = pos_;
  uint32_t n;
  if (!u32(&n)) return false;
  if (n > static_cast<size_t>(end_ - start)) return fail(kLengthOutOfBounds, offset_of(start));
  *out = n;
  return true;
}

bool BinaryReader::bytes(const uint8_t** data, uint32_t* size) {
  uint32_t n;
  if (!len32(&n)) return false;
  const uint8_t* p = pos_;
  if (!skip(n)) return false;
  *data = p;
  *size = n;
  return true;
}

bool BinaryReader::name_view(std::string_view* out) {
  uint64_t at = offset();
  const uint8_t* data;
  uint32_t size;
  if (!bytes(&data, &size)) return false;
  if (!is_valid_utf8(data, size)) return fail(kMalformedUtf8, at);
  *out = std::string_view(reinterpret_cast<const char*>(data), size);
  return true;
}

bool BinaryReader::name(std::string* out) {
  std::string_view v;
  if (!name_view(&v)) return false;
  out->assign(v);
  return true;
}

}  // namespace kiln::wasm

namespace kiln::wasm {
namespace {

// The abstract heap type for a one-byte code, if `f` enables it.
bool abstract_heap(uint8_t code, const Features& f, HeapType* out) {
  switch (static_cast<HeapKind>(code)) {
    case HeapKind::kFunc:  // funcref is 1.0 core (table element type)
      break;
    case HeapKind::kExtern:
      if (!f.reference_types) return false;
      break;
    case HeapKind::kNoFunc:
    case HeapKind::kNoExtern:
    case HeapKind::kNone:
    case HeapKind::kAny:
    case HeapKind::kEq:
    case HeapKind::kI31:
    case HeapKind::kStruct:
    case HeapKind::kArray:
      if (!f.gc) return false;
      break;
    case HeapKind::kExn:
    case HeapKind::kNoExn:
      if (!f.exceptions) return false;
      break;
    default:
      // Includes cont/nocont: stack switching is not supported.
      return false;
  }
  *out = HeapType(static_cast<HeapKind>(code));
  return true;
}

// Concrete type indices share HeapType's 32-bit space with the abstract kinds, so the top
// 256 values are unrepresentable; no module can define that many types anyway.
constexpr uint32_t kMaxTypeIndex = 0xFFFFFEFFu;

}  // namespace

bool read_heap_type(BinaryReader& r, const Features& f, HeapType* out) {
  const uint8_t* start = r.ptr();
  uint64_t at = r.offset();
  int64_t v;
  if (r.s33(&v) && v >= 0) {
    if (!f.function_references && !f.gc) return r.fail("malformed heap type", at);
    if (v > kMaxTypeIndex) return r.fail("malformed heap type", at);
    *out = HeapType::index(static_cast<uint32_t>(v));
    return true;
  }
  // Not a type index: the abstract form is a single s7 byte.
  r.seek(start);
  if (!r.s7(&v)) return false;
  if (v < -0x40 || !abstract_heap(static_cast<uint8_t>(v & 0x7F), f, out)) {
    return r.fail("malformed heap type", at);
  }
  return true;
}

bool read_ref_type(BinaryReader& r, const Features& f, ValType* out) {
  uint64_t at = r.offset();
  int64_t v;
  if (!r.s7(&v)) return false;
  uint8_t code = static_cast<uint8_t>(v & 0x7F);
  if (code == 0x64 || code == 0x63) {  // (ref ht) / (ref null ht)
    if (!f.function_references && !f.gc) return r.fail("malformed reference type", at);
    HeapType h;
    if (!read_heap_type(r, f, &h)) return false;
    *out = ValType::ref(h, code == 0x63);
    return true;
  }
  HeapType h;
  if (!abstract_heap(code, f, &h)) return r.fail("malformed reference type", at);
  *out = ValType::ref(h, true);
  return true;
}

bool read_val_type(BinaryReader& r, const Features& f, ValType* out) {
  uint8_t b;
  if (r.peek(&b)) {
    switch (b) {
      case 0x7F: r.seek(r.ptr() + 1); *out = ValType::i32(); return true;
      case 0x7E: r.seek(r.ptr() + 1); *out = ValType::i64(); return true;
      case 0x7D: r.seek(r.ptr() + 1); *out = ValType::f32(); return true;
      case 0x7C: r.seek(r.ptr() + 1); *out = ValType::f64(); return true;
      case 0x7B:
        if (!f.simd) break;
        r.seek(r.ptr() + 1);
        *out = ValType::v128();
        return true;
      default: break;
    }
  }
  return read_ref_type(r, f, out);
}

bool read_storage_type(BinaryReader& r, const Features& f, StorageType* out) {
  uint8_t b;
  if (r.peek(&b) && (b == 0x78 || b == 0x77)) {
    r.seek(r.ptr() + 1);
    *out = b == 0x78 ? ValType::i8() : ValType::i16();
    return true;
  }
  uint64_t at = r.offset();
  if (!read_val_type(r, f, out)) {
    // The reference interpreter reports the last alternative tried (packed types).
    if (r.error().message() == "malformed reference type") return r.fail("malformed storage type", at);
    return false;
  }
  return true;
}

}  // namespace kiln::wasm
