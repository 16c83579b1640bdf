// wasi/p1/guest_memory.h: GuestMemory, the bounds-checked view of a guest's linear memory that
// every preview1 function reads its arguments from and writes its results to.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "wasi/host/errno.h"

namespace kiln::wasi::p1 {

using host::Errno;
using host::Result;

// A (base, length) view of linear memory, taken at the start of one host call. preview1 calls
// never re-enter the guest, so memory cannot grow while a view is in use; a caller that runs
// guest code must take a new view afterwards. Every access checks `offset + len <= size`
// computed in 64 bits (guest pointers and lengths are 32-bit, so the sum cannot wrap) and
// fails with kFault before touching anything: no host byte outside [base, base + size) is
// ever read or written. Values are little-endian, as Wasm memory is; unaligned guest pointers
// are accepted (accesses go through memcpy).
class GuestMemory {
 public:
  GuestMemory(uint8_t* base, uint64_t size) : base_(base), size_(base ? size : 0) {}

  uint8_t* base() const { return base_; }
  uint64_t size() const { return size_; }

  // Whether [ptr, ptr + len) lies inside memory. ptr and len are at most 2^64-1 each, so the
  // check compares against size - ptr instead of computing ptr + len.
  bool in_bounds(uint64_t ptr, uint64_t len) const { return ptr <= size_ && len <= size_ - ptr; }

  Result<std::span<uint8_t>> bytes(uint64_t ptr, uint64_t len) const {
    if (!in_bounds(ptr, len)) return Errno::kFault;
    return std::span<uint8_t>(base_ + ptr, static_cast<size_t>(len));
  }

  template <typename T>
  Result<T> read(uint64_t ptr) const {
    static_assert(std::is_trivially_copyable_v<T>);
    if (!in_bounds(ptr, sizeof(T))) return Errno::kFault;
    T v;
    std::memcpy(&v, base_ + ptr, sizeof(T));  // x86-64 and AArch64 hosts are little-endian
    return v;
  }

  template <typename T>
  Result<void> write(uint64_t ptr, T v) const {
    static_assert(std::is_trivially_copyable_v<T>);
    if (!in_bounds(ptr, sizeof(T))) return Errno::kFault;
    std::memcpy(base_ + ptr, &v, sizeof(T));
    return {};
  }

  // Copies `data` to [ptr, ptr + data.size()).
  Result<void> write_bytes(uint64_t ptr, std::span<const uint8_t> data) const {
    if (!in_bounds(ptr, data.size())) return Errno::kFault;
    if (!data.empty()) std::memcpy(base_ + ptr, data.data(), data.size());
    return {};
  }
  Result<void> write_bytes(uint64_t ptr, std::string_view s) const {
    return write_bytes(ptr, std::span<const uint8_t>(
                                reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  }

  // A guest string (ptr, len) as a view into memory (not NUL-terminated; may contain NUL,
  // which the host layer rejects for paths). kIlseq when it is not valid UTF-8, as preview1
  // strings must be.
  Result<std::string_view> string(uint64_t ptr, uint64_t len) const;

  // A guest iovec / ciovec array (8 bytes each: u32 buf, u32 buf_len) as spans into memory,
  // each buffer bounds-checked. The array itself is checked before it is read, so the vector
  // holds at most size/8 entries.
  Result<std::vector<std::span<uint8_t>>> iovecs(uint64_t ptr, uint64_t count) const;
  Result<std::vector<std::span<const uint8_t>>> ciovecs(uint64_t ptr, uint64_t count) const;

 private:
  uint8_t* base_;
  uint64_t size_;
};

}  // namespace kiln::wasi::p1
