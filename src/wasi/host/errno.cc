// wasi/host/errno.cc: the host-errno → Errno → 0.2 error-code mappings, all from errno.def.
#include "wasi/host/errno.h"

#include <array>
#include <cerrno>

namespace kiln::wasi::host {
namespace {

struct ErrnoRow {
  std::string_view name;  // preview1's spelling
  int host;
  FsErrorCode fs;
};

constexpr ErrnoRow kErrnoRows[] = {
#define KILN_WASI_ERRNO(name, value, host, fs, witx) {witx, host, FsErrorCode::fs},
#include "wasi/host/errno.def"
#undef KILN_WASI_ERRNO
};
static_assert(std::size(kErrnoRows) == kErrnoCount, "errno.def must list every value in order");

constexpr std::string_view kFsNames[] = {
#define KILN_WASI_FS_ERROR(name, wit) wit,
#include "wasi/host/fs_error_code.def"
#undef KILN_WASI_FS_ERROR
};
static_assert(std::size(kFsNames) == kFsErrorCodeCount);

// Host errno values are small on Linux (< 134); a dense table keeps the mapping O(1).
constexpr int kMaxHostErrno = 256;

constexpr std::array<Errno, kMaxHostErrno> build_host_table() {
  std::array<Errno, kMaxHostErrno> t{};
  for (auto& e : t) e = Errno::kIo;
  for (uint32_t i = 0; i < kErrnoCount; ++i) {
    int h = kErrnoRows[i].host;
    if (h > 0 && h < kMaxHostErrno) t[h] = static_cast<Errno>(i);
  }
  // Aliases Linux defines with the same value are covered above; these are distinct spellings
  // some filesystems return for the same condition.
  t[EOPNOTSUPP] = Errno::kNotsup;
  t[EWOULDBLOCK] = Errno::kAgain;
  t[EDEADLOCK] = Errno::kDeadlk;
  return t;
}

constexpr std::array<Errno, kMaxHostErrno> kHostTable = build_host_table();

}  // namespace

Errno errno_from_host(int host_errno) {
  if (host_errno <= 0 || host_errno >= kMaxHostErrno) return Errno::kIo;
  return kHostTable[host_errno];
}

int errno_to_host(Errno e) {
  auto i = static_cast<uint32_t>(e);
  return i < kErrnoCount ? kErrnoRows[i].host : 0;
}

std::string_view errno_name(Errno e) {
  auto i = static_cast<uint32_t>(e);
  return i < kErrnoCount ? kErrnoRows[i].name : "unknown";
}

FsErrorCode to_fs_error_code(Errno e) {
  auto i = static_cast<uint32_t>(e);
  return i < kErrnoCount ? kErrnoRows[i].fs : FsErrorCode::kIo;
}

std::string_view fs_error_code_name(FsErrorCode e) {
  auto i = static_cast<uint32_t>(e);
  return i < kFsErrorCodeCount ? kFsNames[i] : "io";
}

Errno last_errno() { return errno_from_host(errno); }

}  // namespace kiln::wasi::host
