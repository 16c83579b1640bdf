// wasi/host/sys/linux/fs.cc: Dir and File on Linux. Every guest path goes through resolve.h;
// operations on the final object use its fd (AT_EMPTY_PATH) or a parent fd with a name the
// kernel never follows, so no syscall here resolves guest-controlled text outside the root.
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "wasi/host/fs.h"

namespace kiln::wasi::host {
namespace {

constexpr uint64_t kNsPerSec = 1'000'000'000;
constexpr uint64_t kMaxOff = static_cast<uint64_t>(INT64_MAX);

uint64_t to_ns(const struct timespec& ts) {
  if (ts.tv_sec < 0) return 0;
  return static_cast<uint64_t>(ts.tv_sec) * kNsPerSec + static_cast<uint64_t>(ts.tv_nsec);
}

Filestat to_filestat(const struct stat& st) {
  Filestat f;
  f.dev = st.st_dev;
  f.ino = st.st_ino;
  f.filetype = filetype_from_mode(st.st_mode);
  f.nlink = st.st_nlink;
  f.size = st.st_size < 0 ? 0 : static_cast<uint64_t>(st.st_size);
  f.atim = to_ns(st.st_atim);
  f.mtim = to_ns(st.st_mtim);
  f.ctim = to_ns(st.st_ctim);
  return f;
}

struct timespec to_timespec(NewTime t) {
  struct timespec ts{};
  switch (t.kind) {
    case NewTime::Kind::kNoChange: ts.tv_nsec = UTIME_OMIT; break;
    case NewTime::Kind::kNow: ts.tv_nsec = UTIME_NOW; break;
    case NewTime::Kind::kAt:
      ts.tv_sec = static_cast<time_t>(t.ns / kNsPerSec);
      ts.tv_nsec = static_cast<long>(t.ns % kNsPerSec);
      break;
  }
  return ts;
}

Result<void> errno_if(int rc) {
  if (rc != 0) return last_errno();
  return {};
}

// Guest iovecs beyond IOV_MAX are left for the next call: a short transfer is allowed.
template <typename Span>
std::vector<struct iovec> to_iovecs(std::span<const Span> iov) {
  size_t n = std::min<size_t>(iov.size(), IOV_MAX);
  std::vector<struct iovec> out(n);
  for (size_t i = 0; i < n; ++i) {
    out[i].iov_base = const_cast<uint8_t*>(iov[i].data());  // readv/writev take non-const
    out[i].iov_len = iov[i].size();
  }
  return out;
}

Result<size_t> io_result(ssize_t n) {
  if (n < 0) return last_errno();
  return static_cast<size_t>(n);
}

int to_host_advice(Advice a) {
  switch (a) {
    case Advice::kNormal: return POSIX_FADV_NORMAL;
    case Advice::kSequential: return POSIX_FADV_SEQUENTIAL;
    case Advice::kRandom: return POSIX_FADV_RANDOM;
    case Advice::kWillneed: return POSIX_FADV_WILLNEED;
    case Advice::kDontneed: return POSIX_FADV_DONTNEED;
    case Advice::kNoreuse: return POSIX_FADV_NOREUSE;
  }
  return -1;
}

int host_fd_flags(FdFlags f) {
  int h = 0;
  if (f & fdflag::kAppend) h |= O_APPEND;
  if (f & fdflag::kDsync) h |= O_DSYNC;
  if (f & fdflag::kNonblock) h |= O_NONBLOCK;
  if (f & fdflag::kRsync) h |= O_RSYNC;
  if (f & fdflag::kSync) h |= O_SYNC;
  return h;
}

constexpr Rights kHostWriteRights = right::kFdWrite | right::kFdAllocate | right::kFdFilestatSetSize;
constexpr Rights kHostReadRights = right::kFdRead | right::kFdReaddir;

}  // namespace

Filetype filetype_from_mode(unsigned mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: return Filetype::kRegularFile;
    case S_IFDIR: return Filetype::kDirectory;
    case S_IFLNK: return Filetype::kSymbolicLink;
    case S_IFCHR: return Filetype::kCharacterDevice;
    case S_IFBLK: return Filetype::kBlockDevice;
    case S_IFSOCK: return Filetype::kSocketStream;
    default: return Filetype::kUnknown;  // FIFOs have no preview1 type
  }
}

Rights rights_for_descriptor_flags(DescriptorFlags flags) {
  Rights r = right::kPathOpen | right::kFdReaddir | right::kPathReadlink |
             right::kPathFilestatGet | right::kFdFilestatGet | right::kPollFdReadwrite |
             right::kFdSeek | right::kFdTell | right::kFdAdvise | right::kFdFdstatSetFlags |
             right::kFdSync | right::kFdDatasync;  // link-source comes with mutate-directory
  if (flags & descflag::kRead) r |= right::kFdRead;
  if (flags & descflag::kWrite) {
    r |= right::kFdWrite | right::kFdAllocate | right::kFdFilestatSetSize |
         right::kFdFilestatSetTimes;
  }
  if (flags & descflag::kMutateDirectory) r |= right::kDirMutate;
  return r;
}

DescriptorFlags descriptor_flags_for(const Handle& h) {
  DescriptorFlags f = 0;
  Rights r = h.rights_base();
  if (r & (right::kFdRead | right::kFdReaddir)) f |= descflag::kRead;
  if (r & right::kFdWrite) f |= descflag::kWrite;
  if (h.filetype() == Filetype::kDirectory && (r & right::kDirMutate) == right::kDirMutate) {
    f |= descflag::kMutateDirectory;
  }
  FdFlags ff = h.fd_flags();
  if (ff & fdflag::kSync) f |= descflag::kFileIntegritySync;
  if (ff & fdflag::kDsync) f |= descflag::kDataIntegritySync;
  if (ff & fdflag::kRsync) f |= descflag::kRequestedWriteSync;
  return f;
}

// ---- Dir ----

Dir::Dir(OwnedFd fd, Rights base, Rights inheriting, ResolveMode mode, bool is_root,
         std::optional<std::string> preopen_name)
    : Handle(base & right::kDirAll, inheriting & (right::kDirAll | right::kFileAll)),
      fd_(std::move(fd)),
      mode_(mode),
      is_root_(is_root),
      preopen_name_(std::move(preopen_name)) {}

Result<std::unique_ptr<Dir>> Dir::open_preopen(const std::string& host_path,
                                               std::string guest_name, Rights base,
                                               Rights inheriting, ResolveMode mode) {
  if (host_path.find('\0') != std::string::npos) return Errno::kInval;
  OwnedFd fd(::open(host_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return last_errno();
  return std::make_unique<Dir>(std::move(fd), base, inheriting, mode, /*is_root=*/true,
                               std::move(guest_name));
}

Result<std::unique_ptr<Dir>> Dir::open_preopen_read_only(const std::string& host_path,
                                                         std::string guest_name,
                                                         ResolveMode mode) {
  return open_preopen(host_path, std::move(guest_name), right::kDirReadOnly,
                      right::kDirReadOnly | right::kFileReadOnly, mode);
}

Result<std::unique_ptr<Dir>> Dir::open_preopen_read_write(const std::string& host_path,
                                                          std::string guest_name,
                                                          ResolveMode mode) {
  return open_preopen(host_path, std::move(guest_name), right::kDirAll,
                      right::kDirAll | right::kFileAll, mode);
}

Result<std::unique_ptr<Handle>> Dir::open_at(LookupFlags lookup, std::string_view path,
                                             OFlags oflags, Rights base, Rights inheriting,
                                             FdFlags fdflags) {
  if ((oflags & ~oflag::kAll) != 0 || (fdflags & ~fdflag::kAll) != 0) return Errno::kInval;
  Rights need = right::kPathOpen;
  if (oflags & oflag::kCreat) need |= right::kPathCreateFile;
  if (oflags & oflag::kTrunc) need |= right::kPathFilestatSetSize;
  KILN_WASI_TRY(check(need));
  if ((base & ~rights_inheriting()) != 0 || (inheriting & ~rights_inheriting()) != 0) {
    return Errno::kNotcapable;
  }
  if ((fdflags & fdflag::kDsync) &&
      (rights_inheriting() & (right::kFdDatasync | right::kFdSync)) == 0) {
    return Errno::kNotcapable;
  }
  if ((fdflags & (fdflag::kRsync | fdflag::kSync)) && (rights_inheriting() & right::kFdSync) == 0) {
    return Errno::kNotcapable;
  }
  bool want_dir = oflags & oflag::kDirectory;
  int flags;
  if (want_dir) {
    // Directories are capabilities, not byte streams: an O_PATH fd is enough for every
    // operation (readdir and sync reopen `.` readable when they run).
    if (oflags & (oflag::kCreat | oflag::kTrunc)) return Errno::kInval;
    flags = O_PATH | O_DIRECTORY;
  } else {
    bool rd = base & kHostReadRights;
    bool wr = base & kHostWriteRights;
    flags = rd && wr ? O_RDWR : wr ? O_WRONLY : O_RDONLY;
    if (oflags & oflag::kCreat) flags |= O_CREAT;
    if (oflags & oflag::kExcl) flags |= O_EXCL;
    if (oflags & oflag::kTrunc) flags |= O_TRUNC;
    flags |= host_fd_flags(fdflags);
  }
  bool follow = lookup & lookup::kSymlinkFollow;
  KILN_WASI_ASSIGN_OR_RETURN(OwnedFd fd, open_beneath(beneath(), path, flags, 0666, follow));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return last_errno();
  if (S_ISDIR(st.st_mode)) {
    return std::unique_ptr<Handle>(std::make_unique<Dir>(std::move(fd), base, inheriting, mode_,
                                                         /*is_root=*/false, std::nullopt));
  }
  if (want_dir) return Errno::kNotdir;  // an O_PATH open of a symlink without following
  return std::unique_ptr<Handle>(std::make_unique<File>(
      std::move(fd), filetype_from_mode(st.st_mode), base, inheriting, fdflags));
}

Result<void> Dir::create_directory(std::string_view path) {
  KILN_WASI_TRY(check(right::kPathCreateDirectory));
  KILN_WASI_ASSIGN_OR_RETURN(ParentAndName p, resolve_parent(beneath(), path));
  return errno_if(::mkdirat(p.dir.get(), p.name.c_str(), 0777));
}

Result<void> Dir::remove_directory(std::string_view path) {
  KILN_WASI_TRY(check(right::kPathRemoveDirectory));
  KILN_WASI_ASSIGN_OR_RETURN(ParentAndName p, resolve_parent(beneath(), path));
  return errno_if(::unlinkat(p.dir.get(), p.name.c_str(), AT_REMOVEDIR));
}

Result<void> Dir::unlink_file(std::string_view path) {
  KILN_WASI_TRY(check(right::kPathUnlinkFile));
  KILN_WASI_ASSIGN_OR_RETURN(ParentAndName p, resolve_parent(beneath(), path));
  return errno_if(::unlinkat(p.dir.get(), p.name.c_str(), 0));
}

Result<void> Dir::rename(std::string_view old_path, Dir& new_dir, std::string_view new_path) {
  KILN_WASI_TRY(check(right::kPathRenameSource));
  KILN_WASI_TRY(new_dir.check(right::kPathRenameTarget));
  KILN_WASI_ASSIGN_OR_RETURN(ParentAndName from, resolve_parent(beneath(), old_path));
  KILN_WASI_ASSIGN_OR_RETURN(ParentAndName to, resolve_parent(new_dir.beneath(), new_path));
  return errno_if(::renameat(from.dir.get(), from.name.c_str(), to.dir.get(), to.name.c_str()));
}

Result<void> Dir::link(LookupFlags old_lookup, std::string_view old_path, Dir& new_dir,
                       std::string_view new_path) {
  KILN_WASI_TRY(check(right::kPathLinkSource));
  KILN_WASI_TRY(new_dir.check(right::kPathLinkTarget));
  KILN_WASI_TRY(check_guest_path(old_path));
  if (old_path.back() == '/') {
    // A trailing slash makes the kernel follow and demand a directory, and directories cannot
    // be hard-linked: answer after checking the path stays beneath, without the kernel's walk.
    KILN_WASI_TRY(open_beneath(beneath(), old_path, O_PATH | O_DIRECTORY, 0, true));
    return Errno::kPerm;
  }
  // With symlink-follow, expand final symlinks here (each expansion re-resolved beneath) so the
  // kernel's linkat never follows one itself.
  std::string p(old_path);
  ParentAndName from;
  for (int expansions = 0;; ++expansions) {
    KILN_WASI_ASSIGN_OR_RETURN(from, resolve_parent(beneath(), p));
    if (!(old_lookup & lookup::kSymlinkFollow)) break;
    struct stat st;
    if (::fstatat(from.dir.get(), from.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISLNK(st.st_mode)) {
      break;
    }
    if (expansions >= kMaxSymlinkExpansions) return Errno::kLoop;
    KILN_WASI_ASSIGN_OR_RETURN(std::string target, read_link_at(from.dir.get(), from.name.c_str()));
    if (target.empty()) return Errno::kNoent;
    if (target[0] == '/') return Errno::kNotcapable;
    size_t slash = p.rfind('/');
    p = (slash == std::string::npos ? std::string() : p.substr(0, slash + 1)) + target;
    if (p.size() > kMaxGuestPath) return Errno::kNametoolong;
  }
  KILN_WASI_ASSIGN_OR_RETURN(ParentAndName to, resolve_parent(new_dir.beneath(), new_path));
  return errno_if(::linkat(from.dir.get(), from.name.c_str(), to.dir.get(), to.name.c_str(), 0));
}

Result<void> Dir::symlink(std::string_view target, std::string_view new_path) {
  KILN_WASI_TRY(check(right::kPathSymlink));
  if (target.empty()) return Errno::kNoent;
  if (target.find('\0') != std::string_view::npos) return Errno::kInval;
  if (target.size() > kMaxGuestPath) return Errno::kNametoolong;
  KILN_WASI_ASSIGN_OR_RETURN(ParentAndName p, resolve_parent(beneath(), new_path));
  std::string t(target);
  return errno_if(::symlinkat(t.c_str(), p.dir.get(), p.name.c_str()));
}

Result<std::string> Dir::readlink(std::string_view path) {
  KILN_WASI_TRY(check(right::kPathReadlink));
  KILN_WASI_ASSIGN_OR_RETURN(OwnedFd fd, open_beneath(beneath(), path, O_PATH, 0, false));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return last_errno();
  if (!S_ISLNK(st.st_mode)) return Errno::kInval;
  return read_link_at(fd.get(), "");
}

Result<Filestat> Dir::stat_at(LookupFlags lookup, std::string_view path) {
  KILN_WASI_TRY(check(right::kPathFilestatGet));
  KILN_WASI_ASSIGN_OR_RETURN(
      OwnedFd fd, open_beneath(beneath(), path, O_PATH, 0, lookup & lookup::kSymlinkFollow));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return last_errno();
  return to_filestat(st);
}

Result<void> Dir::set_times_at(LookupFlags lookup, std::string_view path, NewTime atim,
                               NewTime mtim) {
  KILN_WASI_TRY(check(right::kPathFilestatSetTimes));
  KILN_WASI_ASSIGN_OR_RETURN(
      OwnedFd fd, open_beneath(beneath(), path, O_PATH, 0, lookup & lookup::kSymlinkFollow));
  struct timespec ts[2] = {to_timespec(atim), to_timespec(mtim)};
  return errno_if(::utimensat(fd.get(), "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));
}

Result<std::shared_ptr<const std::vector<DirEntry>>> Dir::snapshot() {
  OwnedFd d(::openat(fd_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d.valid()) return last_errno();
  DIR* stream = ::fdopendir(d.get());
  if (!stream) return last_errno();
  d.release();  // owned by `stream` now
  struct stat self;
  if (::fstat(fd_.get(), &self) != 0) {
    ::closedir(stream);
    return last_errno();
  }
  std::vector<DirEntry> names;
  while (true) {
    errno = 0;
    struct dirent* e = ::readdir(stream);
    if (!e) break;
    DirEntry entry;
    entry.name = e->d_name;
    entry.ino = e->d_ino;
    if (entry.name == ".." && is_root_) {
      // The root's parent is outside the capability: report the root itself.
      entry.ino = self.st_ino;
      entry.type = Filetype::kDirectory;
    } else if (e->d_type != DT_UNKNOWN) {
      entry.type = filetype_from_mode(DTTOIF(e->d_type));
    } else {
      struct stat st;
      entry.type = ::fstatat(::dirfd(stream), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0
                       ? filetype_from_mode(st.st_mode)
                       : Filetype::kUnknown;
    }
    names.push_back(std::move(entry));
  }
  int err = errno;
  ::closedir(stream);
  if (err != 0) return errno_from_host(err);
  auto rank = [](const std::string& n) { return n == "." ? 0 : n == ".." ? 1 : 2; };
  std::sort(names.begin(), names.end(), [&](const DirEntry& a, const DirEntry& b) {
    int ra = rank(a.name), rb = rank(b.name);
    return ra != rb ? ra < rb : a.name < b.name;
  });
  for (size_t i = 0; i < names.size(); ++i) names[i].next = i + 1;
  return std::make_shared<const std::vector<DirEntry>>(std::move(names));
}

Result<DirListing> Dir::read_dir(uint64_t cookie) {
  KILN_WASI_TRY(check(right::kFdReaddir));
  if (cookie == 0 || !listing_) {
    KILN_WASI_ASSIGN_OR_RETURN(listing_, snapshot());
  }
  size_t start = cookie > listing_->size() ? listing_->size() : static_cast<size_t>(cookie);
  return DirListing{listing_, start};
}

Result<std::vector<DirEntry>> Dir::read_dir_all() {
  KILN_WASI_TRY(check(right::kFdReaddir));
  KILN_WASI_ASSIGN_OR_RETURN(auto all, snapshot());
  std::vector<DirEntry> out;
  for (const DirEntry& e : *all) {
    if (e.name != "." && e.name != "..") out.push_back(e);
  }
  return out;
}

Result<Filestat> Dir::filestat() {
  KILN_WASI_TRY(check(right::kFdFilestatGet));
  struct stat st;
  if (::fstat(fd_.get(), &st) != 0) return last_errno();
  return to_filestat(st);
}

Result<void> Dir::set_times(NewTime atim, NewTime mtim) {
  KILN_WASI_TRY(check(right::kFdFilestatSetTimes));
  struct timespec ts[2] = {to_timespec(atim), to_timespec(mtim)};
  return errno_if(::utimensat(fd_.get(), "", ts, AT_EMPTY_PATH));
}

Result<void> Dir::sync() {
  KILN_WASI_TRY(check(right::kFdSync));
  OwnedFd d(::openat(fd_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d.valid()) return last_errno();
  return errno_if(::fsync(d.get()));
}

Result<void> Dir::datasync() {
  KILN_WASI_TRY(check(right::kFdDatasync));
  OwnedFd d(::openat(fd_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d.valid()) return last_errno();
  return errno_if(::fdatasync(d.get()));
}

// ---- File ----

File::File(OwnedFd fd, Filetype type, Rights base, Rights inheriting, FdFlags flags)
    : Handle(base & right::kFileAll, inheriting & right::kFileAll),
      fd_(std::move(fd)),
      type_(type),
      flags_(flags) {}

Result<void> File::set_fd_flags(FdFlags flags) {
  KILN_WASI_TRY(check(right::kFdFdstatSetFlags));
  if ((flags & ~fdflag::kAll) != 0) return Errno::kInval;
  constexpr FdFlags kFixed = fdflag::kDsync | fdflag::kRsync | fdflag::kSync;
  if ((flags ^ flags_) & kFixed) return Errno::kNotsup;  // Linux cannot change them (F_SETFL)
  int cur = ::fcntl(fd_.get(), F_GETFL);
  if (cur < 0) return last_errno();
  int next = (cur & ~(O_APPEND | O_NONBLOCK)) | host_fd_flags(flags & ~kFixed);
  if (::fcntl(fd_.get(), F_SETFL, next) != 0) return last_errno();
  flags_ = flags;
  return {};
}

Result<size_t> File::read(IoVecs iov) {
  KILN_WASI_TRY(check(right::kFdRead));
  auto v = to_iovecs(iov);
  return io_result(::readv(fd_.get(), v.data(), static_cast<int>(v.size())));
}

Result<size_t> File::write(CIoVecs iov) {
  KILN_WASI_TRY(check(right::kFdWrite));
  auto v = to_iovecs(iov);
  return io_result(::writev(fd_.get(), v.data(), static_cast<int>(v.size())));
}

Result<size_t> File::pread(IoVecs iov, uint64_t offset) {
  KILN_WASI_TRY(check(right::kFdRead | right::kFdSeek));
  if (offset > kMaxOff) return Errno::kInval;
  auto v = to_iovecs(iov);
  return io_result(
      ::preadv(fd_.get(), v.data(), static_cast<int>(v.size()), static_cast<off_t>(offset)));
}

Result<size_t> File::pwrite(CIoVecs iov, uint64_t offset) {
  KILN_WASI_TRY(check(right::kFdWrite | right::kFdSeek));
  if (offset > kMaxOff) return Errno::kInval;
  auto v = to_iovecs(iov);
  return io_result(
      ::pwritev(fd_.get(), v.data(), static_cast<int>(v.size()), static_cast<off_t>(offset)));
}

Result<uint64_t> File::seek(int64_t offset, Whence whence) {
  bool tell_only = offset == 0 && whence == Whence::kCur;
  KILN_WASI_TRY(check(tell_only ? right::kFdTell : right::kFdSeek));
  int w;
  switch (whence) {
    case Whence::kSet: w = SEEK_SET; break;
    case Whence::kCur: w = SEEK_CUR; break;
    case Whence::kEnd: w = SEEK_END; break;
    default: return Errno::kInval;
  }
  off_t r = ::lseek(fd_.get(), static_cast<off_t>(offset), w);
  if (r < 0) return last_errno();
  return static_cast<uint64_t>(r);
}

Result<Filestat> File::filestat() {
  KILN_WASI_TRY(check(right::kFdFilestatGet));
  struct stat st;
  if (::fstat(fd_.get(), &st) != 0) return last_errno();
  return to_filestat(st);
}

Result<void> File::set_size(uint64_t size) {
  KILN_WASI_TRY(check(right::kFdFilestatSetSize));
  if (size > kMaxOff) return Errno::kFbig;
  return errno_if(::ftruncate(fd_.get(), static_cast<off_t>(size)));
}

Result<void> File::set_times(NewTime atim, NewTime mtim) {
  KILN_WASI_TRY(check(right::kFdFilestatSetTimes));
  struct timespec ts[2] = {to_timespec(atim), to_timespec(mtim)};
  return errno_if(::futimens(fd_.get(), ts));
}

Result<void> File::advise(uint64_t offset, uint64_t len, Advice advice) {
  KILN_WASI_TRY(check(right::kFdAdvise));
  int a = to_host_advice(advice);
  if (a < 0 || offset > kMaxOff || len > kMaxOff) return Errno::kInval;
  int rc = ::posix_fadvise(fd_.get(), static_cast<off_t>(offset), static_cast<off_t>(len), a);
  if (rc != 0) return errno_from_host(rc);
  return {};
}

Result<void> File::allocate(uint64_t offset, uint64_t len) {
  KILN_WASI_TRY(check(right::kFdAllocate));
  if (offset > kMaxOff || len > kMaxOff || offset + len > kMaxOff) return Errno::kFbig;
  int rc = ::posix_fallocate(fd_.get(), static_cast<off_t>(offset), static_cast<off_t>(len));
  if (rc != 0) return errno_from_host(rc);
  return {};
}

Result<void> File::sync() {
  KILN_WASI_TRY(check(right::kFdSync));
  return errno_if(::fsync(fd_.get()));
}

Result<void> File::datasync() {
  KILN_WASI_TRY(check(right::kFdDatasync));
  return errno_if(::fdatasync(fd_.get()));
}

Result<PollTarget> File::poll_target(bool write) {
  KILN_WASI_TRY(check(right::kPollFdReadwrite | (write ? right::kFdWrite : right::kFdRead)));
  if (type_ != Filetype::kRegularFile) return PollTarget{fd_.get(), !write, false, 0};
  // preview1: regular files are always ready; report the bytes left to read.
  PollTarget t{-1, true, true, 0};
  if (!write) {
    struct stat st;
    off_t pos = ::lseek(fd_.get(), 0, SEEK_CUR);
    if (::fstat(fd_.get(), &st) == 0 && pos >= 0 && st.st_size > pos) {
      t.nbytes = static_cast<uint64_t>(st.st_size - pos);
    }
  }
  return t;
}

}  // namespace kiln::wasi::host
