// wat/binary_writer.h: a growable byte buffer with the WebAssembly binary primitives (LEB128
// integers, names, IEEE floats, length-prefixed sections) used by the text-to-binary parser.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace kiln::wat {

class BinaryWriter {
 public:
  void u8(uint8_t b) { bytes_.push_back(b); }
  void u32(uint32_t v) { uleb(v); }
  void u64(uint64_t v) { uleb(v); }
  void uleb(uint64_t v);
  void sleb(int64_t v);
  // s33 block types and heap type indices are written as signed LEBs of the non-negative index.
  void s33(uint32_t index) { sleb(static_cast<int64_t>(index)); }
  void f32_bits(uint32_t bits);
  void f64_bits(uint64_t bits);
  void raw(const void* data, size_t size);
  void raw(const std::vector<uint8_t>& other) { raw(other.data(), other.size()); }
  void raw(const BinaryWriter& other) { raw(other.bytes_); }
  // A length-prefixed byte string (names, data segment contents).
  void name(std::string_view s);
  // A length-prefixed nested buffer (function bodies, custom subsections).
  void sized(const BinaryWriter& body);
  // Appends a section: `id size body`.
  void section(uint8_t id, const BinaryWriter& body);

  const std::vector<uint8_t>& bytes() const { return bytes_; }
  std::vector<uint8_t>& bytes() { return bytes_; }
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace kiln::wat
