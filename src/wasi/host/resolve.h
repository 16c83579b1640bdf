// wasi/host/resolve.h: resolving guest paths beneath a directory fd, the sandbox's core.
// openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) when the kernel has it, otherwise (or when
// forced) a component-by-component walk with the same answers. Used only by fs.
#pragma once

#include <string>
#include <string_view>

#include "wasi/host/errno.h"
#include "wasi/host/fd.h"

namespace kiln::wasi::host {

// How paths beneath a Dir are resolved. kFallback exists so tests can check that the walk
// gives the same answers as openat2; kAuto uses openat2 unless the kernel lacks it (ENOSYS).
enum class ResolveMode : uint8_t { kAuto, kFallback };

// The longest guest path accepted (Linux PATH_MAX); longer ones fail with kNametoolong.
inline constexpr size_t kMaxGuestPath = 4096;
// Symlink expansions per resolution before kLoop, as Linux's MAXSYMLINKS.
inline constexpr int kMaxSymlinkExpansions = 40;

struct Beneath {
  int root;  // the directory capability's fd; never closed here
  ResolveMode mode;
};

// Rejects what no resolution accepts: empty (kNoent), absolute (kNotcapable), containing NUL
// (kInval), too long (kNametoolong).
Result<void> check_guest_path(std::string_view path);

// open(2) of `path` beneath `b.root` with `flags` (O_CLOEXEC added). A final symlink is followed
// only when `follow` (a trailing slash forces following, as in POSIX). Escapes by `..`, by
// absolute symlinks or by symlinks whose target leaves the root fail with kNotcapable; magic
// links (procfs fd links) with kLoop.
Result<OwnedFd> open_beneath(const Beneath& b, std::string_view path, int flags, unsigned mode,
                             bool follow);

// The directory containing the last component of `path`, and that component as the kernel
// should see it for *at() calls that never follow it (mkdirat, unlinkat, renameat, symlinkat,
// linkat without AT_SYMLINK_FOLLOW): a trailing slash is kept, so the kernel applies POSIX's
// trailing-slash rules. A last component of `.` or `..` is passed through only after the full
// path is checked to stay beneath (the kernel refuses to mutate dot entries).
struct ParentAndName {
  OwnedFd dir;
  std::string name;
};
Result<ParentAndName> resolve_parent(const Beneath& b, std::string_view path);

// readlinkat(dirfd, name) into a string; kNametoolong beyond kMaxGuestPath.
Result<std::string> read_link_at(int dirfd, const char* name);

// Whether openat2 is usable on this kernel (probed once).
bool openat2_available();

}  // namespace kiln::wasi::host
