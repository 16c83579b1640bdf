// runtime/vm/mmap.h: an owned region of virtual memory (reserve, commit, protect, decommit),
// the only way the runtime maps memory. Implemented per OS in vm/sys/<os>/mmap.cc.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/error.h"

namespace kiln::runtime::vm {

// The host page size (4096 on x86-64 Linux), cached.
size_t host_page_size();
// Rounds `n` up to a multiple of the host page size; false on overflow.
bool round_up_to_page(uint64_t n, uint64_t& out);

// A mapping, unmapped on destruction. Offsets and lengths passed to the methods must be page
// aligned and inside the mapping (checked; violations return an error, never UB).
class Mmap {
 public:
  Mmap() = default;
  Mmap(const Mmap&) = delete;
  Mmap& operator=(const Mmap&) = delete;
  Mmap(Mmap&& o) noexcept { swap(o); }
  Mmap& operator=(Mmap&& o) noexcept {
    Mmap tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  ~Mmap();

  // Reserves `bytes` (rounded up to pages) of address space with no access: touching it
  // faults. No memory is committed.
  static Expected<Mmap> reserve(uint64_t bytes);
  // Maps `bytes` (rounded up to pages) readable and writable, zeroed.
  static Expected<Mmap> allocate(uint64_t bytes);

  // Makes [offset, offset + len) readable and writable (committing it on first touch).
  Expected<void> make_accessible(uint64_t offset, uint64_t len);
  // Makes [offset, offset + len) read-only and executable. The range must not be writable
  // afterwards: W^X is kept by never mapping a page writable and executable at once.
  Expected<void> make_executable(uint64_t offset, uint64_t len);
  Expected<void> make_readonly(uint64_t offset, uint64_t len);
  // Makes [offset, offset + len) inaccessible again and releases its pages (they read as zero
  // when made accessible again).
  Expected<void> decommit(uint64_t offset, uint64_t len);

  uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }
  bool empty() const { return data_ == nullptr; }

 private:
  void swap(Mmap& o) {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
  }
  bool check_range(uint64_t offset, uint64_t len) const;

  uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace kiln::runtime::vm
