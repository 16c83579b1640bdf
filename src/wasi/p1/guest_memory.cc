// wasi/p1/guest_memory.cc: string and iovec decoding for GuestMemory.
#include "wasi/p1/guest_memory.h"

namespace kiln::wasi::p1 {

namespace {

// Standard UTF-8 validation (no overlongs, no surrogates, at most U+10FFFF).
bool valid_utf8(std::span<const uint8_t> s) {
  size_t i = 0;
  while (i < s.size()) {
    uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i - 1 < n) return false;
    for (size_t k = 1; k <= n; ++k) {
      uint8_t cc = s[i + k];
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

template <typename Span>
Result<std::vector<Span>> decode_iovecs(const GuestMemory& mem, uint64_t ptr, uint64_t count) {
  if (count > mem.size() / 8) return Errno::kFault;  // cannot fit, and bounds the vector
  if (!mem.in_bounds(ptr, count * 8)) return Errno::kFault;
  std::vector<Span> out;
  out.reserve(static_cast<size_t>(count));
  for (uint64_t i = 0; i < count; ++i) {
    KILN_WASI_ASSIGN_OR_RETURN(uint32_t buf, mem.read<uint32_t>(ptr + i * 8));
    KILN_WASI_ASSIGN_OR_RETURN(uint32_t len, mem.read<uint32_t>(ptr + i * 8 + 4));
    KILN_WASI_ASSIGN_OR_RETURN(auto bytes, mem.bytes(buf, len));
    out.push_back(Span(bytes.data(), bytes.size()));
  }
  return out;
}

}  // namespace

Result<std::string_view> GuestMemory::string(uint64_t ptr, uint64_t len) const {
  KILN_WASI_ASSIGN_OR_RETURN(auto b, bytes(ptr, len));
  if (!valid_utf8(b)) return Errno::kIlseq;
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

Result<std::vector<std::span<uint8_t>>> GuestMemory::iovecs(uint64_t ptr, uint64_t count) const {
  return decode_iovecs<std::span<uint8_t>>(*this, ptr, count);
}

Result<std::vector<std::span<const uint8_t>>> GuestMemory::ciovecs(uint64_t ptr,
                                                                   uint64_t count) const {
  return decode_iovecs<std::span<const uint8_t>>(*this, ptr, count);
}

}  // namespace kiln::wasi::p1
