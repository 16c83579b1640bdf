// wasi/host/fs.h: the sandboxed filesystem: Dir (a directory capability every guest path is
// resolved beneath) and File (an open file), with preview1's rights and errno semantics and
// enough of 0.2's (descriptor flags, directory streams) for both bindings.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wasi/host/fd.h"
#include "wasi/host/handle.h"
#include "wasi/host/resolve.h"

namespace kiln::wasi::host {

// A snapshot of a directory's entries, `.` and `..` first then by name, so cookies (indices)
// stay stable between calls. `entries[i].next == i + 1`.
struct DirListing {
  std::shared_ptr<const std::vector<DirEntry>> entries;
  size_t start = 0;  // the first entry at or after the requested cookie
};

// Rights for 0.2 descriptor-flags: read/write select the file rights, mutate-directory the
// directory mutations. Used for both the opened handle and what it passes on.
Rights rights_for_descriptor_flags(DescriptorFlags flags);
// The 0.2 descriptor-flags a handle's rights amount to (get-flags).
DescriptorFlags descriptor_flags_for(const Handle& h);

class Dir final : public Handle {
 public:
  // A preopen: `host_path` is trusted host configuration (symlinks in it are followed).
  // `guest_name` is what fd_prestat_dir_name reports, e.g. "/" or ".".
  static Result<std::unique_ptr<Dir>> open_preopen(const std::string& host_path,
                                                   std::string guest_name, Rights base,
                                                   Rights inheriting,
                                                   ResolveMode mode = ResolveMode::kAuto);
  // Read-only preopens: kDirReadOnly / kDirReadOnly | kFileReadOnly.
  static Result<std::unique_ptr<Dir>> open_preopen_read_only(
      const std::string& host_path, std::string guest_name, ResolveMode mode = ResolveMode::kAuto);
  // Read-write preopens: kDirAll / kDirAll | kFileAll.
  static Result<std::unique_ptr<Dir>> open_preopen_read_write(
      const std::string& host_path, std::string guest_name, ResolveMode mode = ResolveMode::kAuto);

  Dir(OwnedFd fd, Rights base, Rights inheriting, ResolveMode mode, bool is_root,
      std::optional<std::string> preopen_name);

  Filetype filetype() const override { return Filetype::kDirectory; }
  Dir* as_dir() override { return this; }
  int fd() const { return fd_.get(); }
  ResolveMode resolve_mode() const { return mode_; }
  // Set for preopens (fd_prestat_get / fd_prestat_dir_name).
  const std::optional<std::string>& preopen_name() const { return preopen_name_; }

  // path_open. Rights: kPathOpen; kPathCreateFile for kCreat; kPathFilestatSetSize for kTrunc;
  // kFdDatasync or kFdSync for dsync, kFdSync for rsync/sync; the new handle's rights must be
  // within this handle's inheriting rights (kNotcapable otherwise) and are clipped to what its
  // kind supports. Returns a Dir when the result is a directory, else a File.
  Result<std::unique_ptr<Handle>> open_at(LookupFlags lookup, std::string_view path, OFlags oflags,
                                          Rights base, Rights inheriting, FdFlags fdflags);
  Result<void> create_directory(std::string_view path);  // kPathCreateDirectory
  Result<void> remove_directory(std::string_view path);  // kPathRemoveDirectory
  Result<void> unlink_file(std::string_view path);       // kPathUnlinkFile
  // kPathRenameSource here, kPathRenameTarget on `new_dir` (which may be this Dir).
  Result<void> rename(std::string_view old_path, Dir& new_dir, std::string_view new_path);
  // kPathLinkSource here, kPathLinkTarget on `new_dir`.
  Result<void> link(LookupFlags old_lookup, std::string_view old_path, Dir& new_dir,
                    std::string_view new_path);
  // kPathSymlink. `target` is stored as given (it may point anywhere; following it is what the
  // sandbox confines), but must not be empty or contain NUL.
  Result<void> symlink(std::string_view target, std::string_view new_path);
  Result<std::string> readlink(std::string_view path);                     // kPathReadlink
  Result<Filestat> stat_at(LookupFlags lookup, std::string_view path);     // kPathFilestatGet
  Result<void> set_times_at(LookupFlags lookup, std::string_view path, NewTime atim,
                            NewTime mtim);                                 // kPathFilestatSetTimes
  // fd_readdir (kFdReaddir): entries from `cookie` on. Cookie 0 re-reads the directory; other
  // cookies reuse the snapshot taken at cookie 0 (re-reading if there is none). Cookies past
  // the end give an empty listing.
  Result<DirListing> read_dir(uint64_t cookie);
  // 0.2 read-directory: every entry except `.` and `..`.
  Result<std::vector<DirEntry>> read_dir_all();

  Result<Filestat> filestat() override;
  Result<void> set_times(NewTime atim, NewTime mtim) override;
  Result<void> sync() override;
  Result<void> datasync() override;

 private:
  Beneath beneath() const { return {fd_.get(), mode_}; }
  Result<std::shared_ptr<const std::vector<DirEntry>>> snapshot();

  OwnedFd fd_;
  ResolveMode mode_;
  bool is_root_;
  std::optional<std::string> preopen_name_;
  std::shared_ptr<const std::vector<DirEntry>> listing_;
};

class File final : public Handle {
 public:
  File(OwnedFd fd, Filetype type, Rights base, Rights inheriting, FdFlags flags);

  Filetype filetype() const override { return type_; }
  int fd() const { return fd_.get(); }
  FdFlags fd_flags() const override { return flags_; }
  // kAppend and kNonblock can change; the sync flags are fixed at open (kNotsup).
  Result<void> set_fd_flags(FdFlags flags) override;

  Result<size_t> read(IoVecs iov) override;
  Result<size_t> write(CIoVecs iov) override;
  Result<size_t> pread(IoVecs iov, uint64_t offset) override;
  Result<size_t> pwrite(CIoVecs iov, uint64_t offset) override;
  Result<uint64_t> seek(int64_t offset, Whence whence) override;
  Result<Filestat> filestat() override;
  Result<void> set_size(uint64_t size) override;
  Result<void> set_times(NewTime atim, NewTime mtim) override;
  Result<void> advise(uint64_t offset, uint64_t len, Advice advice) override;
  Result<void> allocate(uint64_t offset, uint64_t len) override;
  Result<void> sync() override;
  Result<void> datasync() override;
  Result<PollTarget> poll_target(bool write) override;

 private:
  OwnedFd fd_;
  Filetype type_;
  FdFlags flags_;
};

// Host stat → preview1 filestat / filetype (shared with streams and sockets).
Filetype filetype_from_mode(unsigned mode);

}  // namespace kiln::wasi::host
