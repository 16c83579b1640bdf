// runtime/vm/sys/linux/mmap.cc: Mmap on Linux (mmap/mprotect/madvise).
//
// SAFETY: every call operates on a range inside the mapping this object owns (check_range), so
// no other allocation's pages are ever remapped or unmapped.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "runtime/vm/mmap.h"

namespace kiln::runtime::vm {

size_t host_page_size() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

bool round_up_to_page(uint64_t n, uint64_t& out) {
  uint64_t page = host_page_size();
  if (n > UINT64_MAX - (page - 1)) return false;
  out = (n + page - 1) & ~(page - 1);
  return true;
}

namespace {

Error os_error(const char* what) {
  return Error(ErrorKind::kOther, std::string(what) + ": " + std::strerror(errno));
}

Expected<void> map(uint64_t bytes, int prot, int extra_flags, uint8_t*& data, uint64_t& size) {
  uint64_t rounded;
  if (!round_up_to_page(bytes, rounded) || rounded > (uint64_t{1} << 47)) {
    return Error(ErrorKind::kOther, "mmap: size too large");
  }
  if (rounded == 0) rounded = host_page_size();
  void* p = ::mmap(nullptr, rounded, prot, MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);
  if (p == MAP_FAILED) return os_error("mmap");
  data = static_cast<uint8_t*>(p);
  size = rounded;
  return {};
}

}  // namespace

Mmap::~Mmap() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

Expected<Mmap> Mmap::reserve(uint64_t bytes) {
  uint8_t* data = nullptr;
  uint64_t size = 0;
  auto r = map(bytes, PROT_NONE, MAP_NORESERVE, data, size);
  if (!r) return std::move(r).error();
  Mmap m;
  m.data_ = data;
  m.size_ = size;
  return m;
}

Expected<Mmap> Mmap::allocate(uint64_t bytes) {
  uint8_t* data = nullptr;
  uint64_t size = 0;
  auto r = map(bytes, PROT_READ | PROT_WRITE, 0, data, size);
  if (!r) return std::move(r).error();
  Mmap m;
  m.data_ = data;
  m.size_ = size;
  return m;
}

bool Mmap::check_range(uint64_t offset, uint64_t len) const {
  uint64_t page = host_page_size();
  return data_ != nullptr && offset % page == 0 && len % page == 0 && offset <= size_ &&
         len <= size_ - offset;
}

Expected<void> Mmap::make_accessible(uint64_t offset, uint64_t len) {
  if (!check_range(offset, len)) return Error(ErrorKind::kOther, "mprotect: bad range");
  if (len == 0) return {};
  if (::mprotect(data_ + offset, len, PROT_READ | PROT_WRITE) != 0) return os_error("mprotect");
  return {};
}

Expected<void> Mmap::make_executable(uint64_t offset, uint64_t len) {
  if (!check_range(offset, len)) return Error(ErrorKind::kOther, "mprotect: bad range");
  if (len == 0) return {};
  if (::mprotect(data_ + offset, len, PROT_READ | PROT_EXEC) != 0) return os_error("mprotect");
  return {};
}

Expected<void> Mmap::make_readonly(uint64_t offset, uint64_t len) {
  if (!check_range(offset, len)) return Error(ErrorKind::kOther, "mprotect: bad range");
  if (len == 0) return {};
  if (::mprotect(data_ + offset, len, PROT_READ) != 0) return os_error("mprotect");
  return {};
}

Expected<void> Mmap::decommit(uint64_t offset, uint64_t len) {
  if (!check_range(offset, len)) return Error(ErrorKind::kOther, "decommit: bad range");
  if (len == 0) return {};
  // Replacing the pages with a fresh PROT_NONE mapping both drops their contents and their
  // commit charge, atomically.
  void* p = ::mmap(data_ + offset, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
                   -1, 0);
  if (p == MAP_FAILED) return os_error("mmap");
  return {};
}

}  // namespace kiln::runtime::vm
