// wasi/host/sys/linux/stdio.cc: HostStream and MemoryPipe on Linux (poll for non-blocking
// emulation, eventfds for pipe readiness).
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "wasi/host/fs.h"
#include "wasi/host/stdio.h"

namespace kiln::wasi::host {
namespace {

Result<size_t> transfer_result(ssize_t n) {
  if (n < 0) return last_errno();
  return static_cast<size_t>(n);
}

// Whether `fd` is ready now for `events`, without waiting.
bool ready_now(int fd, short events) {
  struct pollfd p{fd, events, 0};
  int r;
  do {
    r = ::poll(&p, 1, 0);
  } while (r < 0 && errno == EINTR);
  return r > 0;
}

// A single writer/reader handle over a MemoryPipe.
class PipeEnd final : public Handle {
 public:
  PipeEnd(std::shared_ptr<MemoryPipe> pipe, bool write_end)
      : Handle(write_end ? right::kStreamWrite : right::kStreamRead, 0),
        pipe_(std::move(pipe)),
        write_end_(write_end) {}
  ~PipeEnd() override {
    if (write_end_) {
      pipe_->close_write();
    } else {
      pipe_->close_read();
    }
  }
  Filetype filetype() const override { return Filetype::kUnknown; }
  FdFlags fd_flags() const override { return flags_; }
  Result<void> set_fd_flags(FdFlags flags) override {
    KILN_WASI_TRY(check(right::kFdFdstatSetFlags));
    if ((flags & ~fdflag::kNonblock) != 0) return Errno::kNotsup;
    flags_ = flags;
    return {};
  }
  Result<size_t> read(IoVecs iov) override {
    KILN_WASI_TRY(check(right::kFdRead));
    return pipe_->guest_read(iov, flags_ & fdflag::kNonblock);
  }
  Result<size_t> write(CIoVecs iov) override {
    KILN_WASI_TRY(check(right::kFdWrite));
    return pipe_->guest_write(iov, flags_ & fdflag::kNonblock);
  }
  Result<Filestat> filestat() override {
    KILN_WASI_TRY(check(right::kFdFilestatGet));
    Filestat st;
    st.filetype = Filetype::kUnknown;
    st.nlink = 1;
    return st;
  }
  Result<PollTarget> poll_target(bool write) override {
    KILN_WASI_TRY(check(right::kPollFdReadwrite | (write ? right::kFdWrite : right::kFdRead)));
    return pipe_->poll_target(write);
  }

 private:
  std::shared_ptr<MemoryPipe> pipe_;
  bool write_end_;
  FdFlags flags_ = 0;
};

}  // namespace

// ---- HostStream ----

std::unique_ptr<HostStream> HostStream::make(int fd, bool writable) {
  struct stat st;
  Filetype type = ::fstat(fd, &st) == 0 ? filetype_from_mode(st.st_mode) : Filetype::kUnknown;
  return std::make_unique<HostStream>(fd, writable, type);
}

HostStream::HostStream(int fd, bool writable, Filetype type)
    : Handle(writable ? right::kStreamWrite : right::kStreamRead, 0), fd_(fd), type_(type) {}

Result<void> HostStream::set_fd_flags(FdFlags flags) {
  KILN_WASI_TRY(check(right::kFdFdstatSetFlags));
  if ((flags & ~fdflag::kNonblock) != 0) return Errno::kNotsup;
  flags_ = flags;
  return {};
}

Result<size_t> HostStream::read(IoVecs iov) {
  KILN_WASI_TRY(check(right::kFdRead));
  if ((flags_ & fdflag::kNonblock) && !ready_now(fd_, POLLIN)) return Errno::kAgain;
  std::vector<struct iovec> v(std::min<size_t>(iov.size(), IOV_MAX));
  for (size_t i = 0; i < v.size(); ++i) v[i] = {iov[i].data(), iov[i].size()};
  ssize_t n;
  do {
    n = ::readv(fd_, v.data(), static_cast<int>(v.size()));
  } while (n < 0 && errno == EINTR);
  return transfer_result(n);
}

Result<size_t> HostStream::write(CIoVecs iov) {
  KILN_WASI_TRY(check(right::kFdWrite));
  if ((flags_ & fdflag::kNonblock) && !ready_now(fd_, POLLOUT)) return Errno::kAgain;
  std::vector<struct iovec> v(std::min<size_t>(iov.size(), IOV_MAX));
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = {const_cast<uint8_t*>(iov[i].data()), iov[i].size()};  // writev takes non-const
  }
  ssize_t n;
  do {
    n = ::writev(fd_, v.data(), static_cast<int>(v.size()));
  } while (n < 0 && errno == EINTR);
  return transfer_result(n);
}

Result<Filestat> HostStream::filestat() {
  KILN_WASI_TRY(check(right::kFdFilestatGet));
  // Only the type: the host's inode numbers and times of its terminal are none of the guest's
  // business.
  Filestat st;
  st.filetype = type_;
  st.nlink = 1;
  return st;
}

Result<PollTarget> HostStream::poll_target(bool write) {
  KILN_WASI_TRY(check(right::kPollFdReadwrite | (write ? right::kFdWrite : right::kFdRead)));
  return PollTarget{fd_, !write, false, 0};
}

// ---- MemoryPipe ----

Result<std::shared_ptr<MemoryPipe>> MemoryPipe::create(size_t capacity) {
  if (capacity == 0) return Errno::kInval;
  OwnedFd r(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!r.valid()) return last_errno();
  OwnedFd w(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!w.valid()) return last_errno();
  auto pipe = std::make_shared<MemoryPipe>(capacity, std::move(r), std::move(w));
  std::lock_guard lock(pipe->mu_);
  pipe->update_events_locked();
  return pipe;
}

MemoryPipe::MemoryPipe(size_t capacity, OwnedFd readable_event, OwnedFd writable_event)
    : capacity_(capacity),
      readable_event_(std::move(readable_event)),
      writable_event_(std::move(writable_event)) {}

void MemoryPipe::update_events_locked() {
  auto level = [](int fd, bool want, bool& signaled) {
    if (want == signaled) return;
    uint64_t v = 1;
    // An eventfd counter is readable while non-zero: add 1 to raise, read it back to lower.
    ssize_t n = want ? ::write(fd, &v, sizeof v) : ::read(fd, &v, sizeof v);
    if (n == sizeof v) signaled = want;
  };
  level(readable_event_.get(), !data_.empty() || write_closed_, readable_signaled_);
  level(writable_event_.get(), data_.size() < capacity_ || read_closed_, writable_signaled_);
  cv_.notify_all();
}

size_t MemoryPipe::push(std::string_view bytes) {
  std::lock_guard lock(mu_);
  if (write_closed_ || read_closed_) return 0;
  size_t n = std::min(bytes.size(), capacity_ - data_.size());
  data_.insert(data_.end(), bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(n));
  update_events_locked();
  return n;
}

void MemoryPipe::close_write() {
  std::lock_guard lock(mu_);
  write_closed_ = true;
  update_events_locked();
}

void MemoryPipe::close_read() {
  std::lock_guard lock(mu_);
  read_closed_ = true;
  update_events_locked();
}

std::string MemoryPipe::take() {
  std::lock_guard lock(mu_);
  std::string out(data_.begin(), data_.end());
  data_.clear();
  update_events_locked();
  return out;
}

size_t MemoryPipe::buffered() const {
  std::lock_guard lock(mu_);
  return data_.size();
}

std::unique_ptr<Handle> MemoryPipe::reader() {
  return std::make_unique<PipeEnd>(shared_from_this(), false);
}

std::unique_ptr<Handle> MemoryPipe::writer() {
  return std::make_unique<PipeEnd>(shared_from_this(), true);
}

Result<size_t> MemoryPipe::guest_read(IoVecs iov, bool nonblock) {
  std::unique_lock lock(mu_);
  if (data_.empty() && !write_closed_) {
    if (nonblock) return Errno::kAgain;
    cv_.wait(lock, [&] { return !data_.empty() || write_closed_; });
  }
  size_t total = 0;
  for (std::span<uint8_t> buf : iov) {
    size_t n = std::min(buf.size(), data_.size());
    std::copy_n(data_.begin(), n, buf.begin());
    data_.erase(data_.begin(), data_.begin() + static_cast<ptrdiff_t>(n));
    total += n;
    if (data_.empty()) break;
  }
  update_events_locked();
  return total;
}

Result<size_t> MemoryPipe::guest_write(CIoVecs iov, bool nonblock) {
  std::unique_lock lock(mu_);
  size_t want = 0;
  for (auto buf : iov) want += buf.size();
  if (read_closed_) return Errno::kPipe;
  if (want == 0) return size_t{0};
  if (data_.size() >= capacity_) {
    if (nonblock) return Errno::kAgain;
    cv_.wait(lock, [&] { return data_.size() < capacity_ || read_closed_; });
    if (read_closed_) return Errno::kPipe;
  }
  size_t total = 0;
  for (std::span<const uint8_t> buf : iov) {
    size_t n = std::min(buf.size(), capacity_ - data_.size());
    data_.insert(data_.end(), buf.begin(), buf.begin() + static_cast<ptrdiff_t>(n));
    total += n;
    if (n < buf.size()) break;
  }
  update_events_locked();
  return total;
}

PollTarget MemoryPipe::poll_target(bool write) const {
  return PollTarget{write ? writable_event_.get() : readable_event_.get(), true, false, 0};
}

}  // namespace kiln::wasi::host
