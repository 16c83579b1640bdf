// runtime/vm/sys/linux/mapped_file.cc: MappedFile and FileCode on Linux (open/fstat/mmap).
//
// SAFETY: the file is mapped MAP_PRIVATE, so nothing this process writes reaches the file, and
// later writes to the file by others are the caller's problem only in the way any trusted
// artifact is (the artifact's checksum is verified before its code is used).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/vm/mapped_file.h"
#include "runtime/vm/mmap.h"

namespace kiln::runtime::vm {

namespace {

Error os_error(const std::string& what) {
  return Error(ErrorKind::kIo, what + ": " + std::strerror(errno));
}

}  // namespace

Expected<std::shared_ptr<MappedFile>> MappedFile::open(const std::string& path) {
  std::shared_ptr<MappedFile> f(new MappedFile());
  f->path_ = path;
  f->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f->fd_ < 0) return os_error("cannot open " + path);
  struct stat st {};
  if (::fstat(f->fd_, &st) != 0) return os_error("cannot stat " + path);
  if (!S_ISREG(st.st_mode)) return Error(ErrorKind::kIo, path + ": not a regular file");
  f->size_ = static_cast<uint64_t>(st.st_size);
  if (f->size_ == 0) return f;
  void* p = ::mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, f->fd_, 0);
  if (p == MAP_FAILED) return os_error("cannot map " + path);
  f->data_ = static_cast<const uint8_t*>(p);
  return f;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
  if (fd_ >= 0) ::close(fd_);
}

FileCode::~FileCode() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

Expected<FileCode> FileCode::map(const MappedFile& file, uint64_t offset, uint64_t len, bool writable) {
  uint64_t file_size = file.bytes().size();
  if (offset % host_page_size() != 0) return Error(ErrorKind::kOther, "code mapping: offset not page aligned");
  if (offset > file_size || len > file_size - offset || len == 0) {
    return Error(ErrorKind::kOther, "code mapping: range outside the file");
  }
  uint64_t rounded;
  if (!round_up_to_page(len, rounded)) return Error(ErrorKind::kOther, "code mapping: size too large");
  int prot = writable ? PROT_READ | PROT_WRITE : PROT_READ;
  void* p = ::mmap(nullptr, rounded, prot, MAP_PRIVATE, file.fd(), static_cast<off_t>(offset));
  if (p == MAP_FAILED) return os_error("cannot map code of " + file.path());
  FileCode c;
  c.data_ = static_cast<uint8_t*>(p);
  c.size_ = rounded;
  return c;
}

Expected<void> FileCode::make_executable() {
  if (data_ == nullptr) return {};
  if (::mprotect(data_, size_, PROT_READ | PROT_EXEC) != 0) return os_error("mprotect");
  return {};
}

Expected<void> FileCode::make_writable() {
  if (data_ == nullptr) return {};
  if (::mprotect(data_, size_, PROT_READ | PROT_WRITE) != 0) return os_error("mprotect");
  return {};
}

}  // namespace kiln::runtime::vm
