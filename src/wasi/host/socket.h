// wasi/host/socket.h: TcpSocket, a handle over a host stream socket: preopened listeners the
// embedder grants (preview1 sock_accept) and the connections accepted from them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "wasi/host/fd.h"
#include "wasi/host/handle.h"

namespace kiln::wasi::host {

class TcpSocket final : public Handle {
 public:
  // Adopts a host stream socket (kNotsock if `fd` is not one). Accepted connections get
  // `inheriting` (without kSockAccept).
  static Result<std::unique_ptr<TcpSocket>> adopt(OwnedFd fd, Rights base = right::kSocketAll,
                                                  Rights inheriting = right::kSocketAll);
  // Host-side helper for embedders and tests: a listening TCP socket on an IPv4 address
  // (e.g. "127.0.0.1"), port 0 for any. The guest cannot call this; it only gets the handle.
  static Result<std::unique_ptr<TcpSocket>> listen_ipv4(const std::string& address,
                                                        uint16_t port, int backlog = 128);

  TcpSocket(OwnedFd fd, Rights base, Rights inheriting, FdFlags flags);
  Filetype filetype() const override { return Filetype::kSocketStream; }
  TcpSocket* as_socket() override { return this; }
  int fd() const { return fd_.get(); }
  // The bound local port (0 if unknown).
  uint16_t local_port() const;

  // sock_accept (kSockAccept): fdflags may hold only kNonblock (kInval otherwise).
  Result<std::unique_ptr<TcpSocket>> accept(FdFlags flags);
  // sock_recv (kFdRead): returns the byte count and roflags.
  Result<std::pair<size_t, RoFlags>> recv(IoVecs iov, RiFlags flags);
  // sock_send (kFdWrite): siflags must be 0. Never raises SIGPIPE (kPipe instead).
  Result<size_t> send(CIoVecs iov, uint16_t siflags);
  // sock_shutdown (kSockShutdown): kInval unless `how` is rd, wr or both.
  Result<void> shutdown(SdFlags how);

  FdFlags fd_flags() const override { return flags_; }
  Result<void> set_fd_flags(FdFlags flags) override;  // only kNonblock may change
  Result<size_t> read(IoVecs iov) override;
  Result<size_t> write(CIoVecs iov) override;
  Result<Filestat> filestat() override;
  Result<PollTarget> poll_target(bool write) override;

 private:
  OwnedFd fd_;
  FdFlags flags_;
};

}  // namespace kiln::wasi::host
