// wasi/host/sys/linux/socket.cc: TcpSocket on Linux (accept4, recvmsg/sendmsg with
// MSG_NOSIGNAL so a closed peer never kills the host with SIGPIPE).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <vector>

#include "wasi/host/socket.h"

namespace kiln::wasi::host {
namespace {

template <typename Span>
std::vector<struct iovec> to_iovecs(std::span<const Span> iov) {
  std::vector<struct iovec> out(std::min<size_t>(iov.size(), IOV_MAX));
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].iov_base = const_cast<uint8_t*>(iov[i].data());  // msghdr takes non-const
    out[i].iov_len = iov[i].size();
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<TcpSocket>> TcpSocket::adopt(OwnedFd fd, Rights base, Rights inheriting) {
  int type = 0;
  socklen_t len = sizeof type;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_TYPE, &type, &len) != 0) return last_errno();
  if (type != SOCK_STREAM) return Errno::kNotsock;
  int fl = ::fcntl(fd.get(), F_GETFL);
  if (fl < 0) return last_errno();
  FdFlags flags = (fl & O_NONBLOCK) ? fdflag::kNonblock : 0;
  return std::make_unique<TcpSocket>(std::move(fd), base, inheriting, flags);
}

Result<std::unique_ptr<TcpSocket>> TcpSocket::listen_ipv4(const std::string& address,
                                                          uint16_t port, int backlog) {
  struct sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) return Errno::kInval;
  OwnedFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return last_errno();
  int one = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) return last_errno();
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) return last_errno();
  if (::listen(fd.get(), backlog) != 0) return last_errno();
  return adopt(std::move(fd));
}

TcpSocket::TcpSocket(OwnedFd fd, Rights base, Rights inheriting, FdFlags flags)
    : Handle(base & right::kSocketAll, inheriting & right::kSocketAll),
      fd_(std::move(fd)),
      flags_(flags) {}

uint16_t TcpSocket::local_port() const {
  struct sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return 0;
}

Result<std::unique_ptr<TcpSocket>> TcpSocket::accept(FdFlags flags) {
  KILN_WASI_TRY(check(right::kSockAccept));
  if ((flags & ~fdflag::kNonblock) != 0) return Errno::kInval;
  int f = SOCK_CLOEXEC | ((flags & fdflag::kNonblock) ? SOCK_NONBLOCK : 0);
  int c;
  do {
    c = ::accept4(fd_.get(), nullptr, nullptr, f);
  } while (c < 0 && errno == EINTR);
  if (c < 0) return last_errno();
  Rights r = rights_inheriting() & ~right::kSockAccept;
  return std::make_unique<TcpSocket>(OwnedFd(c), r, r, flags);
}

Result<std::pair<size_t, RoFlags>> TcpSocket::recv(IoVecs iov, RiFlags flags) {
  KILN_WASI_TRY(check(right::kFdRead));
  if ((flags & ~(riflag::kRecvPeek | riflag::kRecvWaitall)) != 0) return Errno::kInval;
  auto v = to_iovecs(iov);
  struct msghdr msg{};
  msg.msg_iov = v.data();
  msg.msg_iovlen = v.size();
  int f = 0;
  if (flags & riflag::kRecvPeek) f |= MSG_PEEK;
  if (flags & riflag::kRecvWaitall) f |= MSG_WAITALL;
  ssize_t n;
  do {
    n = ::recvmsg(fd_.get(), &msg, f);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return last_errno();
  RoFlags ro = (msg.msg_flags & MSG_TRUNC) ? roflag::kRecvDataTruncated : 0;
  return std::pair{static_cast<size_t>(n), ro};
}

Result<size_t> TcpSocket::send(CIoVecs iov, uint16_t siflags) {
  KILN_WASI_TRY(check(right::kFdWrite));
  if (siflags != 0) return Errno::kInval;
  auto v = to_iovecs(iov);
  struct msghdr msg{};
  msg.msg_iov = v.data();
  msg.msg_iovlen = v.size();
  ssize_t n;
  do {
    n = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return last_errno();
  return static_cast<size_t>(n);
}

Result<void> TcpSocket::shutdown(SdFlags how) {
  KILN_WASI_TRY(check(right::kSockShutdown));
  int h;
  switch (how) {
    case sdflag::kRd: h = SHUT_RD; break;
    case sdflag::kWr: h = SHUT_WR; break;
    case sdflag::kRd | sdflag::kWr: h = SHUT_RDWR; break;
    default: return Errno::kInval;
  }
  if (::shutdown(fd_.get(), h) != 0) return last_errno();
  return {};
}

Result<void> TcpSocket::set_fd_flags(FdFlags flags) {
  KILN_WASI_TRY(check(right::kFdFdstatSetFlags));
  if ((flags & ~fdflag::kNonblock) != 0) return Errno::kNotsup;
  int fl = ::fcntl(fd_.get(), F_GETFL);
  if (fl < 0) return last_errno();
  fl = (flags & fdflag::kNonblock) ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
  if (::fcntl(fd_.get(), F_SETFL, fl) != 0) return last_errno();
  flags_ = flags;
  return {};
}

Result<size_t> TcpSocket::read(IoVecs iov) {
  KILN_WASI_ASSIGN_OR_RETURN(auto r, recv(iov, 0));
  return r.first;
}

Result<size_t> TcpSocket::write(CIoVecs iov) { return send(iov, 0); }

Result<Filestat> TcpSocket::filestat() {
  KILN_WASI_TRY(check(right::kFdFilestatGet));
  Filestat st;
  st.filetype = Filetype::kSocketStream;
  st.nlink = 1;
  return st;
}

Result<PollTarget> TcpSocket::poll_target(bool write) {
  KILN_WASI_TRY(check(right::kPollFdReadwrite | (write ? right::kFdWrite : right::kFdRead)));
  return PollTarget{fd_.get(), !write, false, 0};
}

}  // namespace kiln::wasi::host
