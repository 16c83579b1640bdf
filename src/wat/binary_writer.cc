// wat/binary_writer.cc: LEB128 and the other binary-format primitives of BinaryWriter.
#include "wat/binary_writer.h"

#include <cstring>

namespace kiln::wat {

void BinaryWriter::uleb(uint64_t v) {
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    if (v != 0) b |= 0x80;
    bytes_.push_back(b);
  } while (v != 0);
}

void BinaryWriter::sleb(int64_t v) {
  for (;;) {
    uint8_t b = v & 0x7F;
    // Arithmetic shift keeps the sign; well-defined for signed values since C++20.
    v >>= 7;
    bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
    if (!done) b |= 0x80;
    bytes_.push_back(b);
    if (done) break;
  }
}

void BinaryWriter::f32_bits(uint32_t bits) {
  for (int i = 0; i < 4; ++i) bytes_.push_back(static_cast<uint8_t>(bits >> (8 * i)));
}

void BinaryWriter::f64_bits(uint64_t bits) {
  for (int i = 0; i < 8; ++i) bytes_.push_back(static_cast<uint8_t>(bits >> (8 * i)));
}

void BinaryWriter::raw(const void* data, size_t size) {
  if (size == 0) return;
  const auto* p = static_cast<const uint8_t*>(data);
  bytes_.insert(bytes_.end(), p, p + size);
}

void BinaryWriter::name(std::string_view s) {
  uleb(s.size());
  raw(s.data(), s.size());
}

void BinaryWriter::sized(const BinaryWriter& body) {
  uleb(body.size());
  raw(body);
}

void BinaryWriter::section(uint8_t id, const BinaryWriter& body) {
  u8(id);
  sized(body);
}

}  // namespace kiln::wat
