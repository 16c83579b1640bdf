// runtime/vm/sys/linux/memory_image.cc: MemoryImage on Linux (a sealed memfd mapped
// MAP_PRIVATE) and the raw page operations of memory_image.h (mprotect, madvise, mmap FIXED).
//
// SAFETY: the page operations act on ranges the callers reserved themselves (LinearMemory's
// mapping, a pooling allocator slot) and pass page-aligned; MAP_FIXED therefore only ever
// replaces pages the runtime owns. The image's memfd is sealed against writes, growth and
// shrinking before it is first mapped, so a mapping can never fault past the file's end
// (SIGBUS) or observe a change.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "runtime/vm/memory_image.h"
#include "runtime/vm/mmap.h"

namespace kiln::runtime::vm {

namespace {

Error os_error(const char* what) {
  return Error(ErrorKind::kInstantiate, std::string(what) + ": " + std::strerror(errno));
}

bool aligned(const uint8_t* addr, uint64_t len) {
  uint64_t page = host_page_size();
  return reinterpret_cast<uintptr_t>(addr) % page == 0 && len % page == 0;
}

std::atomic<uint64_t> next_image_id{1};

}  // namespace

namespace pages {

Expected<void> protect_read_write(uint8_t* addr, uint64_t len) {
  if (!aligned(addr, len)) return Error(ErrorKind::kOther, "mprotect: unaligned range");
  if (len != 0 && ::mprotect(addr, len, PROT_READ | PROT_WRITE) != 0) return os_error("mprotect");
  return {};
}

Expected<void> protect_none(uint8_t* addr, uint64_t len) {
  if (!aligned(addr, len)) return Error(ErrorKind::kOther, "mprotect: unaligned range");
  if (len != 0 && ::mprotect(addr, len, PROT_NONE) != 0) return os_error("mprotect");
  return {};
}

Expected<void> discard(uint8_t* addr, uint64_t len) {
  if (!aligned(addr, len)) return Error(ErrorKind::kOther, "madvise: unaligned range");
  // MADV_DONTNEED on private mappings is a reset, not a hint: the next access sees zero
  // (anonymous) or the file's bytes (an image), never the old private pages.
  if (len != 0 && ::madvise(addr, len, MADV_DONTNEED) != 0) return os_error("madvise");
  return {};
}

Expected<void> replace_with_reserved(uint8_t* addr, uint64_t len) {
  if (!aligned(addr, len)) return Error(ErrorKind::kOther, "mmap: unaligned range");
  if (len == 0) return {};
  void* p = ::mmap(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return os_error("mmap");
  return {};
}

}  // namespace pages

Expected<std::unique_ptr<MemoryImage>> MemoryImage::create(uint64_t offset, uint64_t size) {
  uint64_t page = host_page_size();
  if (offset % page != 0 || size % page != 0 || size == 0) {
    return Error(ErrorKind::kOther, "memory image: unaligned layout");
  }
  std::unique_ptr<MemoryImage> image(new MemoryImage());
  image->fd_ = ::memfd_create("kiln-memory-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (image->fd_ < 0) return os_error("memfd_create");
  // The file is sparse: pages no segment writes cost nothing and read as zero.
  if (::ftruncate(image->fd_, static_cast<off_t>(size)) != 0) return os_error("ftruncate");
  image->offset_ = offset;
  image->size_ = size;
  image->id_ = next_image_id.fetch_add(1, std::memory_order_relaxed);
  return image;
}

MemoryImage::~MemoryImage() {
  // Mappings made from the file keep it alive; closing only drops this reference.
  if (fd_ >= 0) ::close(fd_);
}

Expected<void> MemoryImage::write(uint64_t image_offset, const uint8_t* bytes, uint64_t len) {
  if (image_offset > size_ || len > size_ - image_offset) {
    return Error(ErrorKind::kOther, "memory image: write out of range");
  }
  while (len > 0) {
    ssize_t n = ::pwrite(fd_, bytes, len, static_cast<off_t>(image_offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return os_error("pwrite");
    }
    bytes += n;
    len -= static_cast<uint64_t>(n);
    image_offset += static_cast<uint64_t>(n);
  }
  return {};
}

Expected<void> MemoryImage::seal() {
  if (::fcntl(fd_, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    return os_error("fcntl(F_ADD_SEALS)");
  }
  return {};
}

Expected<void> MemoryImage::map_at(uint8_t* base) const {
  void* want = base + offset_;
  void* p = ::mmap(want, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd_, 0);
  if (p == MAP_FAILED) return os_error("mmap(memory image)");
  return {};
}

}  // namespace kiln::runtime::vm
