// wasi/host/handle.h: Handle, the base of everything a guest handle number can name (files,
// directories, stdio streams, pipes, sockets), and HandleTable, the guest-number → Handle map.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "wasi/host/errno.h"
#include "wasi/host/types.h"

namespace kiln::wasi::host {

class Dir;
class TcpSocket;

// What poll waits on for a handle: a host fd to poll(2), or an answer known now.
struct PollTarget {
  int fd = -1;             // >= 0: wait on this host fd
  bool want_in = true;     // wait for POLLIN (else POLLOUT); in-memory pipes signal through
                           // an eventfd, which is always POLLIN
  bool ready_now = false;  // fd < 0: ready without waiting (regular files)
  uint64_t nbytes = 0;     // bytes available when known (ready_now), else 0
};

// A capability: one object plus the rights this handle grants on it. Every operation checks
// its right first (kNotcapable), so the bindings cannot forget a check. Operations a kind of
// object does not support return the errno POSIX gives for it (kSpipe for seeking a stream,
// kBadf otherwise); a handle never holds rights outside its kind's set.
class Handle {
 public:
  Handle(Rights base, Rights inheriting) : base_(base), inheriting_(inheriting) {}
  virtual ~Handle() = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  virtual Filetype filetype() const = 0;
  virtual Dir* as_dir() { return nullptr; }
  virtual TcpSocket* as_socket() { return nullptr; }

  Rights rights_base() const { return base_; }
  Rights rights_inheriting() const { return inheriting_; }
  // kNotcapable unless every right in `needed` is held.
  Result<void> check(Rights needed) const;
  // fd_fdstat_set_rights: rights may only shrink (kNotcapable otherwise).
  Result<void> set_rights(Rights base, Rights inheriting);

  virtual FdFlags fd_flags() const { return 0; }
  // Needs kFdFdstatSetFlags. Flags a kind cannot change after opening give kNotsup.
  virtual Result<void> set_fd_flags(FdFlags flags);

  virtual Result<size_t> read(IoVecs iov);                      // kFdRead
  virtual Result<size_t> write(CIoVecs iov);                    // kFdWrite
  virtual Result<size_t> pread(IoVecs iov, uint64_t offset);    // kFdRead | kFdSeek
  virtual Result<size_t> pwrite(CIoVecs iov, uint64_t offset);  // kFdWrite | kFdSeek
  // kFdSeek, or only kFdTell for (0, kCur). Returns the new offset.
  virtual Result<uint64_t> seek(int64_t offset, Whence whence);
  Result<uint64_t> tell() { return seek(0, Whence::kCur); }
  virtual Result<Filestat> filestat();                          // kFdFilestatGet
  virtual Result<void> set_size(uint64_t size);                 // kFdFilestatSetSize
  virtual Result<void> set_times(NewTime atim, NewTime mtim);   // kFdFilestatSetTimes
  virtual Result<void> advise(uint64_t offset, uint64_t len, Advice advice);  // kFdAdvise
  virtual Result<void> allocate(uint64_t offset, uint64_t len);  // kFdAllocate
  virtual Result<void> sync();                                   // kFdSync
  virtual Result<void> datasync();                               // kFdDatasync
  // Needs kPollFdReadwrite and kFdRead (write: kFdWrite).
  virtual Result<PollTarget> poll_target(bool write);

 private:
  Rights base_;
  Rights inheriting_;
};

// preview1 fstflags + values → the two NewTimes; kInval when a time is both explicit and now.
Result<std::pair<NewTime, NewTime>> new_times_from_fst(uint64_t atim, uint64_t mtim, FstFlags f);

// Guest handle numbers → handles. Numbers are handed out lowest-free first, like POSIX fds,
// so a preview1 context that adds stdin, stdout, stderr and then its preopens numbers them
// 0, 1, 2, 3, 4, ... in order.
class HandleTable {
 public:
  static constexpr uint32_t kDefaultMaxHandles = 1 << 16;
  explicit HandleTable(uint32_t max_handles = kDefaultMaxHandles) : max_(max_handles) {}

  // The lowest free number; kNfile when the table is full.
  Result<uint32_t> insert(std::unique_ptr<Handle> h);
  // Places `h` at `n` (setting up stdio); kExist if taken, kNfile beyond the limit.
  Result<void> insert_at(uint32_t n, std::unique_ptr<Handle> h);
  // kBadf if `n` is not open.
  Result<Handle*> get(uint32_t n) const;
  // kBadf if not open, kNotdir if open but not a directory.
  Result<Dir*> get_dir(uint32_t n) const;
  // fd_close: removes and returns the handle (destroying it closes the host object).
  Result<std::unique_ptr<Handle>> remove(uint32_t n);
  // fd_renumber: both must be open (kBadf); `to` is closed and `from` moves there.
  Result<void> renumber(uint32_t from, uint32_t to);
  bool contains(uint32_t n) const { return n < slots_.size() && slots_[n] != nullptr; }
  uint32_t count() const { return count_; }

 private:
  std::vector<std::unique_ptr<Handle>> slots_;
  uint32_t max_;
  uint32_t count_ = 0;
  uint32_t first_free_hint_ = 0;
};

}  // namespace kiln::wasi::host
