// wasi/p1/ctx.cc: WasiCtxBuilder, and NullStream, the stdio a guest gets when the embedder
// grants none (stdin at end-of-file, stdout/stderr discarding).
#include "wasi/p1/ctx.h"

#include "wasi/host/fs.h"

namespace kiln::wasi::p1 {

namespace {

using host::Errno;
using host::Result;
namespace right = host::right;

// Like /dev/null, without touching the host: reads return 0 bytes, writes accept everything.
class NullStream final : public host::Handle {
 public:
  explicit NullStream(bool writable)
      : Handle(writable ? right::kStreamWrite : right::kStreamRead, 0) {}
  host::Filetype filetype() const override { return host::Filetype::kCharacterDevice; }
  host::FdFlags fd_flags() const override { return flags_; }
  Result<void> set_fd_flags(host::FdFlags flags) override {
    KILN_WASI_TRY(check(right::kFdFdstatSetFlags));
    if ((flags & ~host::fdflag::kNonblock) != 0) return Errno::kNotsup;
    flags_ = flags;
    return {};
  }
  Result<size_t> read(host::IoVecs) override {
    KILN_WASI_TRY(check(right::kFdRead));
    return size_t{0};
  }
  Result<size_t> write(host::CIoVecs iov) override {
    KILN_WASI_TRY(check(right::kFdWrite));
    size_t n = 0;
    for (const auto& b : iov) n += b.size();
    return n;
  }
  Result<host::Filestat> filestat() override {
    KILN_WASI_TRY(check(right::kFdFilestatGet));
    host::Filestat st;
    st.filetype = host::Filetype::kCharacterDevice;
    st.nlink = 1;
    return st;
  }
  Result<host::PollTarget> poll_target(bool write) override {
    KILN_WASI_TRY(check(right::kPollFdReadwrite | (write ? right::kFdWrite : right::kFdRead)));
    host::PollTarget t;
    t.ready_now = true;
    return t;
  }

 private:
  host::FdFlags flags_ = 0;
};

}  // namespace

WasiCtxBuilder& WasiCtxBuilder::arg(std::string a) {
  args_.push_back(std::move(a));
  return *this;
}
WasiCtxBuilder& WasiCtxBuilder::args(std::vector<std::string> all) {
  args_ = std::move(all);
  return *this;
}
WasiCtxBuilder& WasiCtxBuilder::env(std::string name, std::string value) {
  env_.push_back(std::move(name) + "=" + std::move(value));
  return *this;
}
WasiCtxBuilder& WasiCtxBuilder::inherit_stdio() {
  return inherit_stdin().inherit_stdout().inherit_stderr();
}
WasiCtxBuilder& WasiCtxBuilder::inherit_stdin() {
  stdio_[0] = {StdioKind::kInherit, nullptr};
  return *this;
}
WasiCtxBuilder& WasiCtxBuilder::inherit_stdout() {
  stdio_[1] = {StdioKind::kInherit, nullptr};
  return *this;
}
WasiCtxBuilder& WasiCtxBuilder::inherit_stderr() {
  stdio_[2] = {StdioKind::kInherit, nullptr};
  return *this;
}
WasiCtxBuilder& WasiCtxBuilder::stdin_pipe(std::shared_ptr<host::MemoryPipe> p) {
  stdio_[0] = {StdioKind::kPipe, std::move(p)};
  return *this;
}
WasiCtxBuilder& WasiCtxBuilder::stdout_pipe(std::shared_ptr<host::MemoryPipe> p) {
  stdio_[1] = {StdioKind::kPipe, std::move(p)};
  return *this;
}
WasiCtxBuilder& WasiCtxBuilder::stderr_pipe(std::shared_ptr<host::MemoryPipe> p) {
  stdio_[2] = {StdioKind::kPipe, std::move(p)};
  return *this;
}
WasiCtxBuilder& WasiCtxBuilder::preopen_dir(std::string host_path, std::string guest_path,
                                            bool read_only) {
  preopens_.push_back({std::move(host_path), std::move(guest_path), read_only});
  return *this;
}
WasiCtxBuilder& WasiCtxBuilder::preopen_handle(std::unique_ptr<host::Handle> h) {
  handles_.push_back(std::move(h));
  return *this;
}

Expected<std::unique_ptr<WasiCtx>> WasiCtxBuilder::build() {
  auto ctx = std::make_unique<WasiCtx>();
  ctx->args = args_;
  ctx->env = env_;
  for (uint32_t i = 0; i < 3; ++i) {
    std::unique_ptr<host::Handle> h;
    const StdioSpec& s = stdio_[i];
    switch (s.kind) {
      case StdioKind::kNull:
        h = std::make_unique<NullStream>(i != 0);
        break;
      case StdioKind::kInherit:
        h = i == 0   ? std::unique_ptr<host::Handle>(host::HostStream::inherit_stdin())
            : i == 1 ? std::unique_ptr<host::Handle>(host::HostStream::inherit_stdout())
                     : std::unique_ptr<host::Handle>(host::HostStream::inherit_stderr());
        break;
      case StdioKind::kPipe:
        if (!s.pipe) return Error(ErrorKind::kOther, "WASI stdio pipe is null");
        h = i == 0 ? s.pipe->reader() : s.pipe->writer();
        break;
    }
    auto r = ctx->table.insert_at(i, std::move(h));
    if (!r) return Error(ErrorKind::kOther, "cannot install WASI stdio");
  }
  for (const Preopen& p : preopens_) {
    auto dir = p.read_only ? host::Dir::open_preopen_read_only(p.host_path, p.guest_path)
                           : host::Dir::open_preopen_read_write(p.host_path, p.guest_path);
    if (!dir) {
      return Error(ErrorKind::kIo, "failed to open directory '" + p.host_path +
                                       "': " + std::string(host::errno_name(dir.error())));
    }
    auto r = ctx->table.insert(std::move(dir).value());
    if (!r) return Error(ErrorKind::kIo, "too many preopened directories");
  }
  for (auto& h : handles_) {
    if (!h) return Error(ErrorKind::kOther, "WASI preopened handle is null");
    auto r = ctx->table.insert(std::move(h));
    if (!r) return Error(ErrorKind::kIo, "too many preopened handles");
  }
  handles_.clear();
  return ctx;
}

}  // namespace kiln::wasi::p1
