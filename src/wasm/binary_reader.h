// wasm/binary_reader.h: the bounds-checked byte reader under the decoder and the instruction
// reader: bytes, LEB128 integers, floats, lengths, names, all with the spec's error wording.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "support/error.h"
#include "wasm/features.h"
#include "wasm/types.h"

namespace kiln::wasm {

// Spec wording shared by the decoder and the instruction reader.
inline constexpr const char* kUnexpectedEnd = "unexpected end of section or function";
inline constexpr const char* kLengthOutOfBounds = "length out of bounds";
inline constexpr const char* kIntegerTooLong = "integer representation too long";
inline constexpr const char* kIntegerTooLarge = "integer too large";
inline constexpr const char* kMalformedUtf8 = "malformed UTF-8 encoding";

// True if [p, p+n) is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool is_valid_utf8(const uint8_t* p, size_t n);

// Reads [begin, end) of a binary whose first byte is at absolute offset `base` - errors carry
// absolute offsets. Every read is checked; on failure a method returns false and records the
// first error (error()), so hot paths (the instruction reader) stay free of Expected<T>
// temporaries. The reader never reads outside [begin, end).
class BinaryReader {
 public:
  BinaryReader(const uint8_t* begin, const uint8_t* end, uint64_t base)
      : begin_(begin), pos_(begin), end_(end), base_(base) {}

  const uint8_t* ptr() const { return pos_; }
  const uint8_t* end() const { return end_; }
  size_t remaining() const { return static_cast<size_t>(end_ - pos_); }
  bool at_end() const { return pos_ >= end_; }
  // Absolute offset of the next byte.
  uint64_t offset() const { return base_ + static_cast<uint64_t>(pos_ - begin_); }
  uint64_t offset_of(const uint8_t* p) const { return base_ + static_cast<uint64_t>(p - begin_); }
  // Moves to p, which must lie in [begin, end].
  void seek(const uint8_t* p) { pos_ = p; }

  // Records a malformed-module error at absolute offset `at` and returns false.
  // (Inline so the compiler sees the constant false and out-parameters need no initialising.)
  bool fail(const char* message, uint64_t at) {
    set_error(message, at);
    return false;
  }
  bool fail(std::string message, uint64_t at) {
    set_error(std::move(message), at);
    return false;
  }
  bool fail_here(const char* message) { return fail(message, offset()); }
  const Error& error() const { return error_; }
  Error take_error() { return std::move(error_); }

  bool peek(uint8_t* out) const {
    if (pos_ >= end_) return false;
    *out = *pos_;
    return true;
  }
  [[nodiscard]] bool u8(uint8_t* out) {
    if (pos_ >= end_) return fail_here(kUnexpectedEnd);
    *out = *pos_++;
    return true;
  }
  [[nodiscard]] bool skip(size_t n) {
    if (n > remaining()) {
      pos_ = end_;
      return fail_here(kUnexpectedEnd);
    }
    pos_ += n;
    return true;
  }
  // Fixed-width little-endian words (f32/f64 bit patterns, the header).
  [[nodiscard]] bool u32_fixed(uint32_t* out);
  [[nodiscard]] bool u64_fixed(uint64_t* out);

  // LEB128. The one-byte case is inline; longer encodings go to the out-of-line readers,
  // which implement the spec's limits: at most ceil(N/7) bytes ("integer representation too
  // long") and the unused bits of the last byte zero, or for signed values copies of the sign
  // bit ("integer too large").
  [[nodiscard]] bool u32(uint32_t* out) {
    if (pos_ < end_ && *pos_ < 0x80) {
      *out = *pos_++;
      return true;
    }
    uint64_t v;
    if (!unsigned_leb(32, &v)) return false;
    *out = static_cast<uint32_t>(v);
    return true;
  }
  [[nodiscard]] bool u64(uint64_t* out) { return unsigned_leb(64, out); }
  [[nodiscard]] bool s32(int32_t* out) {
    int64_t v;
    if (!signed_leb(32, &v)) return false;
    *out = static_cast<int32_t>(v);
    return true;
  }
  [[nodiscard]] bool s33(int64_t* out) { return signed_leb(33, out); }
  [[nodiscard]] bool s64(int64_t* out) { return signed_leb(64, out); }
  // A signed 7-bit value (type constructors such as 0x7F = -1): one LEB byte in practice.
  [[nodiscard]] bool s7(int64_t* out) { return signed_leb(7, out); }

  // A u32 length or count, checked against the bytes left (counted from the start of the
  // LEB itself, as the reference interpreter does): "length out of bounds". Callers may then
  // allocate up to `*out` elements of at least one input byte each.
  [[nodiscard]] bool len32(uint32_t* out);
  // A length-prefixed byte vector; the bytes stay in the input.
  [[nodiscard]] bool bytes(const uint8_t** data, uint32_t* size);
  // A length-prefixed UTF-8 name.
  [[nodiscard]] bool name(std::string* out);
  [[nodiscard]] bool name_view(std::string_view* out);

 private:
  void set_error(const char* message, uint64_t at);
  void set_error(std::string message, uint64_t at);
  bool unsigned_leb(int bits, uint64_t* out);
  bool signed_leb(int bits, int64_t* out);

  const uint8_t* begin_;
  const uint8_t* pos_;
  const uint8_t* end_;
  uint64_t base_;
  Error error_;
};

// Type grammar shared by the module decoder and the instruction reader. Each follows the
// reference interpreter's alternatives and error wording ("malformed reference type",
// "malformed heap type", "malformed storage type"); a type from a disabled proposal is
// malformed too.
[[nodiscard]] bool read_heap_type(BinaryReader& r, const Features& f, HeapType* out);
[[nodiscard]] bool read_ref_type(BinaryReader& r, const Features& f, ValType* out);
[[nodiscard]] bool read_val_type(BinaryReader& r, const Features& f, ValType* out);
[[nodiscard]] bool read_storage_type(BinaryReader& r, const Features& f, StorageType* out);

}  // namespace kiln::wasm
