// sock: sock_accept / sock_recv / sock_send / sock_shutdown. `kiln run` has no option to
// preopen a socket, so the guest never holds one: every call on a file, a directory, stdio or a
// closed number must fail (ENOTSOCK / EBADF) without side effects, and bad pointers are EFAULT
// or ENOTSOCK (the fd is checked first).
#include "wasi_test.h"

int main(void) {
  uint32_t sb = preopen_fd("sandbox");
  uint32_t f, n;
  put_file(sb, "s.txt", "not a socket");
  CHECK_OK(open_at(sb, "s.txt", 0, 0, 0, &f));
  uint32_t fds[] = {0, 1, 2, sb, f};
  char buf[16];
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf};
  uint16_t roflags;
  uint32_t newfd = 0xdead;
  for (unsigned i = 0; i < sizeof fds / sizeof fds[0]; ++i) {
    CHECK_ERR(raw_sock_accept(fds[i], 0, A(&newfd)), NOTSOCK);
    CHECK_EQ(newfd, 0xdead);
    CHECK_ERR(raw_sock_recv(fds[i], A(&iov), 1, 0, A(&n), A(&roflags)), NOTSOCK);
    CHECK_ERR(raw_sock_send(fds[i], A(&iov), 1, 0, A(&n)), NOTSOCK);
    CHECK_ERR(raw_sock_shutdown(fds[i], __WASI_SDFLAGS_RD | __WASI_SDFLAGS_WR), NOTSOCK);
    CHECK_ERR(raw_sock_recv(fds[i], mem_end(), 1, 0, A(&n), A(&roflags)), NOTSOCK);
  }
  // Closed numbers.
  CHECK_ERR(raw_sock_accept(50, 0, A(&newfd)), BADF);
  CHECK_ERR(raw_sock_recv(50, A(&iov), 1, 0, A(&n), A(&roflags)), BADF);
  CHECK_ERR(raw_sock_send(50, A(&iov), 1, 0, A(&n)), BADF);
  CHECK_ERR(raw_sock_shutdown(50, __WASI_SDFLAGS_WR), BADF);
  // The file is untouched: sock_recv read nothing from it, sock_send wrote nothing.
  CHECK_OK(raw_fd_close(f));
  CHECK_OK(get_file(sb, "s.txt", buf, sizeof buf));
  CHECK(strcmp(buf, "not a socket") == 0);
  DONE("sock");
}
