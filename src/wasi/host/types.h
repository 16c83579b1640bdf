// wasi/host/types.h: the plain data of the host layer: rights, fd/open/lookup flags, file
// types, stat records, directory entries and timestamps, with preview1's bit values.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace kiln::wasi::host {

// preview1 `rights` (typenames.witx): one bit per operation a handle allows.
using Rights = uint64_t;
namespace right {
inline constexpr Rights kFdDatasync = 1ull << 0;
inline constexpr Rights kFdRead = 1ull << 1;
inline constexpr Rights kFdSeek = 1ull << 2;
inline constexpr Rights kFdFdstatSetFlags = 1ull << 3;
inline constexpr Rights kFdSync = 1ull << 4;
inline constexpr Rights kFdTell = 1ull << 5;
inline constexpr Rights kFdWrite = 1ull << 6;
inline constexpr Rights kFdAdvise = 1ull << 7;
inline constexpr Rights kFdAllocate = 1ull << 8;
inline constexpr Rights kPathCreateDirectory = 1ull << 9;
inline constexpr Rights kPathCreateFile = 1ull << 10;
inline constexpr Rights kPathLinkSource = 1ull << 11;
inline constexpr Rights kPathLinkTarget = 1ull << 12;
inline constexpr Rights kPathOpen = 1ull << 13;
inline constexpr Rights kFdReaddir = 1ull << 14;
inline constexpr Rights kPathReadlink = 1ull << 15;
inline constexpr Rights kPathRenameSource = 1ull << 16;
inline constexpr Rights kPathRenameTarget = 1ull << 17;
inline constexpr Rights kPathFilestatGet = 1ull << 18;
inline constexpr Rights kPathFilestatSetSize = 1ull << 19;
inline constexpr Rights kPathFilestatSetTimes = 1ull << 20;
inline constexpr Rights kFdFilestatGet = 1ull << 21;
inline constexpr Rights kFdFilestatSetSize = 1ull << 22;
inline constexpr Rights kFdFilestatSetTimes = 1ull << 23;
inline constexpr Rights kPathSymlink = 1ull << 24;
inline constexpr Rights kPathRemoveDirectory = 1ull << 25;
inline constexpr Rights kPathUnlinkFile = 1ull << 26;
inline constexpr Rights kPollFdReadwrite = 1ull << 27;
inline constexpr Rights kSockShutdown = 1ull << 28;
inline constexpr Rights kSockAccept = 1ull << 29;
inline constexpr Rights kAll = (1ull << 30) - 1;

// What each kind of handle can ever hold; a handle's rights are clipped to its kind's set.
inline constexpr Rights kFileReadOnly =
    kFdRead | kFdSeek | kFdTell | kFdAdvise | kFdFilestatGet | kPollFdReadwrite |
    kFdFdstatSetFlags | kFdSync | kFdDatasync;
inline constexpr Rights kFileAll = kFileReadOnly | kFdWrite | kFdAllocate | kFdFilestatSetSize |
                                   kFdFilestatSetTimes;
inline constexpr Rights kDirReadOnly = kPathOpen | kFdReaddir | kPathReadlink | kPathFilestatGet |
                                       kFdFilestatGet | kFdFdstatSetFlags | kFdSync |
                                       kFdDatasync;
// Everything that changes the tree beneath a directory or a file's metadata. Hard-linking out
// of a directory is a mutation too: a second name in a writable directory would make a file of
// a read-only one writable (Wasmtime also requires mutate permission on both directories).
inline constexpr Rights kDirMutate =
    kPathCreateDirectory | kPathCreateFile | kPathLinkSource | kPathLinkTarget |
    kPathRenameSource | kPathRenameTarget |
    kPathFilestatSetSize | kPathFilestatSetTimes | kFdFilestatSetTimes | kPathSymlink |
    kPathRemoveDirectory | kPathUnlinkFile;
inline constexpr Rights kDirAll = kDirReadOnly | kDirMutate;
inline constexpr Rights kStreamRead = kFdRead | kPollFdReadwrite | kFdFilestatGet |
                                      kFdFdstatSetFlags;
inline constexpr Rights kStreamWrite = kFdWrite | kPollFdReadwrite | kFdFilestatGet |
                                       kFdFdstatSetFlags;
inline constexpr Rights kSocketAll = kFdRead | kFdWrite | kPollFdReadwrite | kFdFilestatGet |
                                     kFdFdstatSetFlags | kSockShutdown | kSockAccept;
}  // namespace right

// preview1 `fdflags`.
using FdFlags = uint16_t;
namespace fdflag {
inline constexpr FdFlags kAppend = 1 << 0;
inline constexpr FdFlags kDsync = 1 << 1;
inline constexpr FdFlags kNonblock = 1 << 2;
inline constexpr FdFlags kRsync = 1 << 3;
inline constexpr FdFlags kSync = 1 << 4;
inline constexpr FdFlags kAll = (1 << 5) - 1;
}  // namespace fdflag

// preview1 `oflags` (0.2 open-flags has the same bits).
using OFlags = uint16_t;
namespace oflag {
inline constexpr OFlags kCreat = 1 << 0;
inline constexpr OFlags kDirectory = 1 << 1;
inline constexpr OFlags kExcl = 1 << 2;
inline constexpr OFlags kTrunc = 1 << 3;
inline constexpr OFlags kAll = (1 << 4) - 1;
}  // namespace oflag

// preview1 `lookupflags` (0.2 path-flags has the same bit).
using LookupFlags = uint32_t;
namespace lookup {
inline constexpr LookupFlags kSymlinkFollow = 1 << 0;
}

// preview1 `fstflags`.
using FstFlags = uint16_t;
namespace fst {
inline constexpr FstFlags kAtim = 1 << 0;
inline constexpr FstFlags kAtimNow = 1 << 1;
inline constexpr FstFlags kMtim = 1 << 2;
inline constexpr FstFlags kMtimNow = 1 << 3;
inline constexpr FstFlags kAll = (1 << 4) - 1;
}  // namespace fst

// preview1 `riflags`, `roflags`, `sdflags`.
using RiFlags = uint16_t;
namespace riflag {
inline constexpr RiFlags kRecvPeek = 1 << 0;
inline constexpr RiFlags kRecvWaitall = 1 << 1;
}  // namespace riflag
using RoFlags = uint16_t;
namespace roflag {
inline constexpr RoFlags kRecvDataTruncated = 1 << 0;
}
using SdFlags = uint8_t;
namespace sdflag {
inline constexpr SdFlags kRd = 1 << 0;
inline constexpr SdFlags kWr = 1 << 1;
}  // namespace sdflag

// 0.2 descriptor-flags.
using DescriptorFlags = uint8_t;
namespace descflag {
inline constexpr DescriptorFlags kRead = 1 << 0;
inline constexpr DescriptorFlags kWrite = 1 << 1;
inline constexpr DescriptorFlags kFileIntegritySync = 1 << 2;
inline constexpr DescriptorFlags kDataIntegritySync = 1 << 3;
inline constexpr DescriptorFlags kRequestedWriteSync = 1 << 4;
inline constexpr DescriptorFlags kMutateDirectory = 1 << 5;
}  // namespace descflag

// preview1 `filetype`; the 0.2 descriptor-type differs (it has fifo) and is mapped by p2.
enum class Filetype : uint8_t {
  kUnknown,
  kBlockDevice,
  kCharacterDevice,
  kDirectory,
  kRegularFile,
  kSocketDgram,
  kSocketStream,
  kSymbolicLink,
};

enum class Advice : uint8_t { kNormal, kSequential, kRandom, kWillneed, kDontneed, kNoreuse };
enum class Whence : uint8_t { kSet, kCur, kEnd };
enum class ClockId : uint32_t { kRealtime, kMonotonic, kProcessCputime, kThreadCputime };

// preview1 `filestat`; timestamps in nanoseconds since the Unix epoch.
struct Filestat {
  uint64_t dev = 0;
  uint64_t ino = 0;
  Filetype filetype = Filetype::kUnknown;
  uint64_t nlink = 0;
  uint64_t size = 0;
  uint64_t atim = 0;
  uint64_t mtim = 0;
  uint64_t ctim = 0;
};

// One new timestamp for set-times: unchanged, the current time, or an explicit value.
struct NewTime {
  enum class Kind : uint8_t { kNoChange, kNow, kAt };
  Kind kind = Kind::kNoChange;
  uint64_t ns = 0;
  static NewTime no_change() { return {}; }
  static NewTime now() { return {Kind::kNow, 0}; }
  static NewTime at(uint64_t ns) { return {Kind::kAt, ns}; }
};

// One directory entry; `next` is the cookie that resumes reading after it (preview1 d_next).
struct DirEntry {
  uint64_t next = 0;
  uint64_t ino = 0;
  Filetype type = Filetype::kUnknown;
  std::string name;
};

// Scatter/gather buffers: the p1 bindings build these from guest iovecs after bounds checks.
using IoVecs = std::span<const std::span<uint8_t>>;
using CIoVecs = std::span<const std::span<const uint8_t>>;

}  // namespace kiln::wasi::host
