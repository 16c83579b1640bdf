// runtime/vm/mapped_file.h: read-only file mappings for precompiled artifacts (.cwasm). A
// MappedFile maps a whole file read-only (the artifact's headers and metadata are parsed in
// place); a FileCode maps a page-aligned range of that file as code: read+execute straight from
// the page cache (no copy), or, when load-time relocations must be patched, a private
// copy-on-write mapping that is read-write while patching and read+execute afterwards (only
// the patched pages are copied; W^X: never writable and executable at once). Implemented per
// OS in vm/sys/<os>/mapped_file.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "support/error.h"

namespace kiln::runtime::vm {

class MappedFile {
 public:
  // Opens and maps `path` read-only. An empty file maps nothing (bytes() is empty).
  static Expected<std::shared_ptr<MappedFile>> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }
  int fd() const { return fd_; }

 private:
  MappedFile() = default;
  int fd_ = -1;
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
  std::string path_;
};

// A code region mapped from a file, unmapped on destruction.
class FileCode {
 public:
  FileCode() = default;
  FileCode(const FileCode&) = delete;
  FileCode& operator=(const FileCode&) = delete;
  FileCode(FileCode&& o) noexcept { swap(o); }
  FileCode& operator=(FileCode&& o) noexcept {
    FileCode tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  ~FileCode();

  // Maps [offset, offset + len) of `file` (offset page aligned, range inside the file) as a
  // private mapping: read-only when `writable` is false, else read-write. `len` is rounded up to pages; the bytes past the file's end read as zero.
  static Expected<FileCode> map(const MappedFile& file, uint64_t offset, uint64_t len, bool writable);
  // Makes the whole mapping read+execute (fails on a noexec mount).
  Expected<void> make_executable();
  // Makes the whole mapping read-write (not executable), for patching; make_executable after.
  Expected<void> make_writable();

  uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  void swap(FileCode& o) {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
  }
  uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace kiln::runtime::vm
