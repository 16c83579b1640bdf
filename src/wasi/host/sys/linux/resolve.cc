// wasi/host/sys/linux/resolve.cc: beneath-resolution on Linux: openat2 with RESOLVE_BENEATH and
// RESOLVE_NO_MAGICLINKS, and the component walk used when openat2 is missing or forced off.
//
// Safety argument of the walk: every component is opened with O_NOFOLLOW relative to a
// directory fd already known to be beneath the root; symlinks are read and their targets are
// spliced into the remaining components (absolute targets refused); `..` pops a stack of the
// directory fds entered, never asking the kernel for `..`, so it cannot rise above the root.
// The final open also uses O_NOFOLLOW, so a symlink swapped in concurrently is never followed by
// the kernel; the worst a race can do is turn success into an error.
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <vector>

#include "wasi/host/resolve.h"

namespace kiln::wasi::host {
namespace {

// Directory fds held at once by a walk; deeper paths fail with kNametoolong rather than
// exhausting the process's descriptors.
constexpr size_t kMaxWalkDepth = 256;
// openat2 answers EAGAIN when it cannot rule out a racing rename under `..`; retry a few times.
constexpr int kOpenat2Retries = 8;

std::atomic<int> g_openat2_state{0};  // 0 unknown, 1 usable, -1 ENOSYS

long raw_openat2(int dirfd, const char* path, open_how* how) {
  return syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

bool probe_openat2() {
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  long fd = raw_openat2(AT_FDCWD, "/", &how);
  if (fd >= 0) {
    ::close(static_cast<int>(fd));
    return true;
  }
  return errno != ENOSYS;
}

// Splits `s` into components, dropping empty ones and `.`, and puts them in front of `q` in order.
void push_front_components(std::deque<std::string>& q, std::string_view s) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find('/', i);
    if (j == std::string_view::npos) j = s.size();
    std::string_view c = s.substr(i, j - i);
    if (!c.empty() && c != ".") parts.emplace_back(c);
    i = j + 1;
  }
  q.insert(q.begin(), parts.begin(), parts.end());
}

// Whether `s` ends its last real component with a slash ("a/", "a/.", "a/./"): POSIX then
// requires that component to be a directory (and follows it if it is a symlink).
bool ends_as_directory(std::string_view s) {
  bool dir = false;
  size_t end = s.size();
  while (end > 0) {
    if (s[end - 1] == '/') {
      dir = true;
      --end;
    } else if (s[end - 1] == '.' && (end == 1 || s[end - 2] == '/')) {
      dir = true;
      --end;
    } else {
      break;
    }
  }
  return dir;
}

bool on_procfs(int dirfd) {
  struct statfs sfs;
  return ::fstatfs(dirfd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

class Walk {
 public:
  explicit Walk(int root) : root_(root) {}
  int cur() const { return stack_.empty() ? root_ : stack_.back().get(); }

  Result<OwnedFd> open(std::string_view path, int flags, unsigned mode, bool follow) {
    std::deque<std::string> comps;
    push_front_components(comps, path);
    bool must_dir = ends_as_directory(path);
    while (true) {
      if (comps.empty()) {
        // The path named a directory already entered (`.`, `a/..`, or the root itself).
        int fd = ::openat(cur(), ".", flags | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0) return last_errno();
        return OwnedFd(fd);
      }
      std::string name = std::move(comps.front());
      comps.pop_front();
      bool last = comps.empty();
      if (name == "..") {
        if (stack_.empty()) return Errno::kNotcapable;
        stack_.pop_back();
        continue;
      }
      if (!last) {
        OwnedFd fd(::openat(cur(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        if (!fd.valid()) return last_errno();
        struct stat st;
        if (::fstat(fd.get(), &st) != 0) return last_errno();
        if (S_ISLNK(st.st_mode)) {
          KILN_WASI_TRY(expand(name, comps, /*is_last=*/false, must_dir));
          continue;
        }
        if (!S_ISDIR(st.st_mode)) return Errno::kNotdir;
        if (stack_.size() >= kMaxWalkDepth) return Errno::kNametoolong;
        stack_.push_back(std::move(fd));
        continue;
      }
      // The last component. A trailing slash means "a directory, following symlinks".
      bool excl_create = (flags & O_CREAT) && (flags & O_EXCL);
      if (must_dir && (flags & O_CREAT)) return Errno::kIsdir;
      if ((follow || must_dir) && !excl_create) {
        struct stat st;
        if (::fstatat(cur(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
          KILN_WASI_TRY(expand(name, comps, /*is_last=*/true, must_dir));
          continue;
        }
      }
      int f = flags | O_NOFOLLOW | O_CLOEXEC | (must_dir ? O_DIRECTORY : 0);
      int fd = ::openat(cur(), name.c_str(), f, mode);
      if (fd < 0) return last_errno();
      return OwnedFd(fd);
    }
  }

 private:
  // Replaces the symlink `name` (in cur()) by its target's components.
  Result<void> expand(const std::string& name, std::deque<std::string>& comps, bool is_last,
                      bool& must_dir) {
    if (++expansions_ > kMaxSymlinkExpansions) return Errno::kLoop;
    KILN_WASI_ASSIGN_OR_RETURN(std::string target, read_link_at(cur(), name.c_str()));
    // procfs fd/exe/cwd/root links are "magic": the kernel jumps to the object instead of
    // resolving the text (absolute, or "pipe:[123]"-style); openat2 refuses them with ELOOP.
    if (on_procfs(cur()) &&
        (target.empty() || target[0] == '/' || target.find(':') != std::string::npos)) {
      return Errno::kLoop;
    }
    if (target.empty()) return Errno::kNoent;
    if (target[0] == '/') return Errno::kNotcapable;
    if (is_last && ends_as_directory(target)) must_dir = true;
    push_front_components(comps, target);
    return {};
  }

  int root_;
  std::vector<OwnedFd> stack_;
  int expansions_ = 0;
};

Result<OwnedFd> open_openat2(int root, const std::string& path, int flags, unsigned mode,
                             bool follow) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
  // O_TMPFILE includes the O_DIRECTORY bit: test all of it. openat2 rejects a mode otherwise.
  if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) how.mode = mode;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0;; ++attempt) {
    long fd = raw_openat2(root, path.c_str(), &how);
    if (fd >= 0) return OwnedFd(static_cast<int>(fd));
    if (errno == EINTR || (errno == EAGAIN && attempt < kOpenat2Retries)) continue;
    // EXDEV: the walk would have left the root (by `..` or an absolute symlink).
    if (errno == EXDEV) return Errno::kNotcapable;
    return last_errno();
  }
}

}  // namespace

Result<std::string> read_link_at(int dirfd, const char* name) {
  std::string buf(256, '\0');
  while (true) {
    ssize_t n = ::readlinkat(dirfd, name, buf.data(), buf.size());
    if (n < 0) return last_errno();
    if (static_cast<size_t>(n) < buf.size()) {
      buf.resize(static_cast<size_t>(n));
      return buf;
    }
    if (buf.size() > kMaxGuestPath) return Errno::kNametoolong;
    buf.resize(buf.size() * 2);
  }
}

bool openat2_available() {
  int s = g_openat2_state.load(std::memory_order_relaxed);
  if (s == 0) {
    s = probe_openat2() ? 1 : -1;
    g_openat2_state.store(s, std::memory_order_relaxed);
  }
  return s > 0;
}

Result<void> check_guest_path(std::string_view path) {
  if (path.empty()) return Errno::kNoent;
  if (path.size() > kMaxGuestPath) return Errno::kNametoolong;
  if (path.find('\0') != std::string_view::npos) return Errno::kInval;
  if (path[0] == '/') return Errno::kNotcapable;
  return {};
}

Result<OwnedFd> open_beneath(const Beneath& b, std::string_view path, int flags, unsigned mode,
                             bool follow) {
  KILN_WASI_TRY(check_guest_path(path));
  if (b.mode == ResolveMode::kAuto && openat2_available()) {
    Result<OwnedFd> r = open_openat2(b.root, std::string(path), flags, mode, follow);
    if (r.ok() || r.error() != Errno::kNosys) return r;
    g_openat2_state.store(-1, std::memory_order_relaxed);
  }
  Walk walk(b.root);
  return walk.open(path, flags, mode, follow);
}

Result<ParentAndName> resolve_parent(const Beneath& b, std::string_view path) {
  KILN_WASI_TRY(check_guest_path(path));
  size_t end = path.size();
  while (end > 0 && path[end - 1] == '/') --end;
  bool trailing = end < path.size();
  std::string_view stripped = path.substr(0, end);
  size_t slash = stripped.rfind('/');
  std::string_view dir_part = slash == std::string_view::npos ? "." : stripped.substr(0, slash);
  std::string_view last = slash == std::string_view::npos ? stripped : stripped.substr(slash + 1);
  if (last == "." || last == "..") {
    // The kernel refuses to create, remove or rename dot entries, but `..` of the root names a
    // directory outside it: make sure the whole path stays beneath before passing it on.
    KILN_WASI_TRY(open_beneath(b, path, O_PATH | O_DIRECTORY, 0, true));
  }
  KILN_WASI_ASSIGN_OR_RETURN(OwnedFd dir, open_beneath(b, dir_part, O_PATH | O_DIRECTORY, 0, true));
  std::string name(last);
  if (trailing) name += '/';
  return ParentAndName{std::move(dir), std::move(name)};
}

}  // namespace kiln::wasi::host
