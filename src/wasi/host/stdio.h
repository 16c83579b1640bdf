// wasi/host/stdio.h: standard-stream handles: the host's own stdin/stdout/stderr (inherited)
// and MemoryPipe, an in-memory pipe an embedder fills (guest input) or drains (captured output).
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "wasi/host/fd.h"
#include "wasi/host/handle.h"

namespace kiln::wasi::host {

// One of the host's standard fds, used in place and never closed. kNonblock is emulated with
// a zero-timeout poll before each transfer, so the host's own fd flags are never changed.
class HostStream final : public Handle {
 public:
  static std::unique_ptr<HostStream> inherit_stdin() { return make(0, false); }
  static std::unique_ptr<HostStream> inherit_stdout() { return make(1, true); }
  static std::unique_ptr<HostStream> inherit_stderr() { return make(2, true); }

  HostStream(int fd, bool writable, Filetype type);
  Filetype filetype() const override { return type_; }
  FdFlags fd_flags() const override { return flags_; }
  Result<void> set_fd_flags(FdFlags flags) override;  // only kNonblock may change
  Result<size_t> read(IoVecs iov) override;
  Result<size_t> write(CIoVecs iov) override;
  Result<Filestat> filestat() override;
  Result<PollTarget> poll_target(bool write) override;

 private:
  static std::unique_ptr<HostStream> make(int fd, bool writable);
  int fd_;
  Filetype type_;
  FdFlags flags_ = 0;
};

// A bounded byte queue between the embedder and a guest stream. Thread-safe: an embedder may
// feed or drain it from another thread while the guest runs. A guest read on an empty pipe
// waits for data or close_write() (kAgain with kNonblock); a guest write to a full pipe waits
// for space (kAgain with kNonblock) and fails with kPipe once the read side is closed.
class MemoryPipe : public std::enable_shared_from_this<MemoryPipe> {
 public:
  static constexpr size_t kDefaultCapacity = size_t{16} << 20;
  static Result<std::shared_ptr<MemoryPipe>> create(size_t capacity = kDefaultCapacity);

  // Embedder side.
  size_t push(std::string_view bytes);  // appends what fits; returns the count taken
  void close_write();                   // the reader sees end-of-file after the buffered bytes
  std::string take();                   // removes and returns everything buffered
  void close_read();                    // writers get kPipe from now on
  size_t buffered() const;

  // Guest handles; destroying a reader closes the read side, a writer the write side.
  std::unique_ptr<Handle> reader();
  std::unique_ptr<Handle> writer();

  // Used by the handles.
  Result<size_t> guest_read(IoVecs iov, bool nonblock);
  Result<size_t> guest_write(CIoVecs iov, bool nonblock);
  PollTarget poll_target(bool write) const;

  MemoryPipe(size_t capacity, OwnedFd readable_event, OwnedFd writable_event);

 private:
  void update_events_locked();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<uint8_t> data_;
  size_t capacity_;
  bool write_closed_ = false;
  bool read_closed_ = false;
  // eventfds kept readable exactly while the pipe is readable / writable, so poll() can wait
  // on in-memory pipes together with host fds.
  OwnedFd readable_event_;
  OwnedFd writable_event_;
  bool readable_signaled_ = false;
  bool writable_signaled_ = false;
};

}  // namespace kiln::wasi::host
