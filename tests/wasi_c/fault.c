// fault: out-of-bounds, wrapping and unaligned guest pointers and huge lengths, passed straight
// to the imports. Every call must fail with EFAULT (or, for strings, EILSEQ / EINVAL / ENOENT
// on NUL bytes and invalid UTF-8) and have no side effect: no byte read from stdin or a file,
// no byte written, no file created, no handle leaked. Unaligned pointers inside memory are
// valid in Wasm and must work exactly.
#include "wasi_test.h"

static uint32_t sb, END;

// Pointers that are never valid for `size` bytes.
static uint32_t bad(int i, uint32_t size) {
  switch (i) {
    case 0:
      return END;  // just past the end
    case 1:
      return END - size + 1;  // straddling the end
    case 2:
      return 0xffffffff;  // wraps
    case 3:
      return 0xffffffff - size + 2;  // wraps by one
    default:
      return 0x80000000u;  // far past (memory is far smaller)
  }
}
#define NBAD 5

int main(void) {
  sb = preopen_fd("sandbox");
  END = mem_end();
  CHECK(END < 0x80000000u);
  uint32_t fd, n;
  char buf[64];
  put_file(sb, "data.txt", "0123456789");
  CHECK_OK(open_at(sb, "data.txt", 0, 0, 0, &fd));
  __wasi_iovec_t iov = {(uint8_t*)buf, 4};
  __wasi_iovec_t bad_iov[NBAD];
  for (int i = 0; i < NBAD; ++i) {
    bad_iov[i].buf = (uint8_t*)(uintptr_t)bad(i, 4);
    bad_iov[i].buf_len = 4;
  }
  __wasi_iovec_t huge_iov = {(uint8_t*)buf, 0xffffffff};
  uint64_t pos;

  for (int i = 0; i < NBAD; ++i) {
    // Output pointers.
    CHECK_ERR(raw_args_sizes_get(bad(i, 4), A(&n)), FAULT);
    CHECK_ERR(raw_environ_sizes_get(A(&n), bad(i, 4)), FAULT);
    CHECK_ERR(raw_clock_time_get(0, 0, bad(i, 8)), FAULT);
    CHECK_ERR(raw_clock_res_get(1, bad(i, 8)), FAULT);
    CHECK_ERR(raw_fd_fdstat_get(fd, bad(i, 24)), FAULT);
    CHECK_ERR(raw_fd_filestat_get(fd, bad(i, 64)), FAULT);
    CHECK_ERR(raw_fd_prestat_get(sb, bad(i, 8)), FAULT);
    CHECK_ERR(raw_fd_prestat_dir_name(sb, bad(i, 7), 7), FAULT);
    CHECK_ERR(raw_fd_tell(fd, bad(i, 8)), FAULT);
    CHECK_ERR(raw_fd_seek(fd, 5, __WASI_WHENCE_SET, bad(i, 8)), FAULT);
    CHECK_ERR(raw_random_get(bad(i, 16), 16), FAULT);
    // The offset did not move when the seek's result pointer was bad.
    CHECK_OK(raw_fd_tell(fd, A(&pos)));
    CHECK_EQ(pos, 0);
    // Reads: a bad iovec array, a bad buffer inside one, a bad nread: nothing consumed.
    CHECK_ERR(raw_fd_read(fd, bad(i, 8), 1, A(&n)), FAULT);
    CHECK_ERR(raw_fd_read(fd, A(&bad_iov[i]), 1, A(&n)), FAULT);
    CHECK_ERR(raw_fd_read(fd, A(&iov), 1, bad(i, 4)), FAULT);
    CHECK_ERR(raw_fd_read(0, A(&iov), 1, bad(i, 4)), FAULT);  // stdin: nothing consumed
    CHECK_ERR(raw_fd_pread(fd, A(&bad_iov[i]), 1, 0, A(&n)), FAULT);
    CHECK_ERR(raw_fd_pread(fd, A(&iov), 1, 0, bad(i, 4)), FAULT);
    CHECK_OK(raw_fd_tell(fd, A(&pos)));
    CHECK_EQ(pos, 0);
    // Writes: nothing written.
    CHECK_ERR(raw_fd_write(fd, bad(i, 8), 1, A(&n)), FAULT);
    CHECK_ERR(raw_fd_write(fd, A(&bad_iov[i]), 1, A(&n)), FAULT);
    CHECK_ERR(raw_fd_write(fd, A(&iov), 1, bad(i, 4)), FAULT);
    CHECK_ERR(raw_fd_pwrite(fd, A(&bad_iov[i]), 1, 0, A(&n)), FAULT);
    CHECK_ERR(raw_fd_pwrite(fd, A(&iov), 1, 0, bad(i, 4)), FAULT);
    CHECK_ERR(raw_fd_write(1, A(&bad_iov[i]), 1, A(&n)), FAULT);  // stdout
    CHECK_ERR(raw_fd_readdir(sb, bad(i, 32), 32, 0, A(&n)), FAULT);
    CHECK_ERR(raw_fd_readdir(sb, A(buf), sizeof buf, 0, bad(i, 4)), FAULT);
    // Paths: bad pointers for every path argument; nothing created.
    CHECK_ERR(raw_path_open(sb, 0, bad(i, 5), 5, __WASI_OFLAGS_CREAT, (uint64_t)-1, 0, 0, A(&n)),
              FAULT);
    CHECK_ERR(
        raw_path_open(sb, 0, S("new.txt"), __WASI_OFLAGS_CREAT, (uint64_t)-1, 0, 0, bad(i, 4)),
        FAULT);
    CHECK_ERR(raw_path_create_directory(sb, bad(i, 3), 3), FAULT);
    CHECK_ERR(raw_path_remove_directory(sb, bad(i, 3), 3), FAULT);
    CHECK_ERR(raw_path_unlink_file(sb, bad(i, 3), 3), FAULT);
    CHECK_ERR(raw_path_filestat_get(sb, 0, bad(i, 3), 3, A(buf)), FAULT);
    CHECK_ERR(raw_path_filestat_get(sb, 0, S("data.txt"), bad(i, 64)), FAULT);
    CHECK_ERR(raw_path_filestat_set_times(sb, 0, bad(i, 3), 3, 0, 0, __WASI_FSTFLAGS_MTIM_NOW),
              FAULT);
    CHECK_ERR(raw_path_symlink(bad(i, 3), 3, sb, S("l")), FAULT);
    CHECK_ERR(raw_path_symlink(S("data.txt"), sb, bad(i, 3), 3), FAULT);
    CHECK_ERR(raw_path_readlink(sb, bad(i, 3), 3, A(buf), sizeof buf, A(&n)), FAULT);
    CHECK_ERR(raw_path_rename(sb, bad(i, 3), 3, sb, S("r")), FAULT);
    CHECK_ERR(raw_path_rename(sb, S("data.txt"), sb, bad(i, 3), 3), FAULT);
    CHECK_ERR(raw_path_link(sb, 0, bad(i, 3), 3, sb, S("h")), FAULT);
    CHECK_ERR(raw_path_link(sb, 0, S("data.txt"), sb, bad(i, 3), 3), FAULT);
    CHECK_ERR(raw_args_get(bad(i, 4), A(buf)), FAULT);
    CHECK_ERR(raw_poll_oneoff(bad(i, 48), A(buf), 1, A(&n)), FAULT);
  }
  // Huge lengths: EFAULT, never an allocation attempt or a crash.
  CHECK_ERR(raw_fd_read(fd, A(&huge_iov), 1, A(&n)), FAULT);
  CHECK_ERR(raw_fd_write(fd, A(&huge_iov), 1, A(&n)), FAULT);
  CHECK_ERR(raw_fd_read(fd, A(&iov), 0x7fffffff, A(&n)), FAULT);
  CHECK_ERR(raw_fd_write(fd, A(&iov), 0xffffffff, A(&n)), FAULT);
  CHECK_ERR(raw_path_open(sb, 0, A(buf), 0xffffffff, 0, 0, 0, 0, A(&n)), FAULT);
  CHECK_ERR(raw_path_open(sb, 0, A(buf), END, 0, 0, 0, 0, A(&n)), FAULT);
  CHECK_ERR(raw_path_create_directory(sb, 0, 0xffffffff), FAULT);
  CHECK_ERR(raw_path_symlink(A(buf), 0x80000000u, sb, S("l")), FAULT);
  // A buffer length beyond memory is fine for prestat_dir_name: only the name is written.
  CHECK_OK(raw_fd_prestat_dir_name(sb, A(buf) + 8, 0xffffffff));
  CHECK_MEM(buf + 8, "sandbox", 7);
  CHECK_ERR(raw_random_get(0, 0xffffffff), FAULT);
  CHECK_ERR(raw_fd_readdir(sb, A(buf), 0xfffffff0, 0, A(&n)), FAULT);
  CHECK_ERR(raw_path_readlink(sb, S("data.txt"), A(buf), 0xffffffff, A(&n)), FAULT);
  // Long but in-bounds paths: ENAMETOOLONG or ENOENT from the host, never a crash.
  static char longpath[70000];
  memset(longpath, 'a', sizeof longpath);
  int32_t e = raw_path_open(sb, 0, A(longpath), sizeof longpath, 0, 0, 0, 0, A(&n));
  CHECK(e == __WASI_ERRNO_NAMETOOLONG || e == __WASI_ERRNO_NOENT);
  for (int i = 0; i < 69990; i += 2) longpath[i + 1] = '/';
  e = raw_path_create_directory(sb, A(longpath), sizeof longpath);
  CHECK(e == __WASI_ERRNO_NAMETOOLONG || e == __WASI_ERRNO_NOENT);
  e = raw_path_open(sb, 0, A(longpath), 256, __WASI_OFLAGS_CREAT, (uint64_t)-1, 0, 0, A(&n));
  CHECK(e == __WASI_ERRNO_NAMETOOLONG || e == __WASI_ERRNO_NOENT);

  // NUL bytes in paths: refused (EINVAL / EILSEQ), nothing created under a truncated name.
  static const char nul1[] = "new\0../../outside/secret.txt";
  static const char nul2[] = "\0";
  static const char nul3[] = "data.txt\0";
  static const char bad_utf8[] = "bad\xff\xfe";
  const char* weird[] = {nul1, nul2, nul3, bad_utf8};
  uint32_t wlen[] = {sizeof nul1 - 1, 1, sizeof nul3 - 1, sizeof bad_utf8 - 1};
  for (int i = 0; i < 4; ++i) {
    P p = A(weird[i]);
    uint32_t l = wlen[i];
    int32_t r = raw_path_open(sb, 0, p, l, __WASI_OFLAGS_CREAT, (uint64_t)-1, 0, 0, A(&n));
    CHECK(r == __WASI_ERRNO_INVAL || r == __WASI_ERRNO_ILSEQ);
    r = raw_path_open(sb, 0, p, l, 0, __WASI_RIGHTS_FD_READ, 0, 0, A(&n));
    CHECK(r == __WASI_ERRNO_INVAL || r == __WASI_ERRNO_ILSEQ);
    r = raw_path_create_directory(sb, p, l);
    CHECK(r == __WASI_ERRNO_INVAL || r == __WASI_ERRNO_ILSEQ);
    r = raw_path_unlink_file(sb, p, l);
    CHECK(r == __WASI_ERRNO_INVAL || r == __WASI_ERRNO_ILSEQ);
    r = raw_path_symlink(p, l, sb, S("nul-link"));
    CHECK(r == __WASI_ERRNO_INVAL || r == __WASI_ERRNO_ILSEQ);
    r = raw_path_symlink(S("data.txt"), sb, p, l);
    CHECK(r == __WASI_ERRNO_INVAL || r == __WASI_ERRNO_ILSEQ);
    r = raw_path_rename(sb, S("data.txt"), sb, p, l);
    CHECK(r == __WASI_ERRNO_INVAL || r == __WASI_ERRNO_ILSEQ);
    r = raw_path_link(sb, 0, S("data.txt"), sb, p, l);
    CHECK(r == __WASI_ERRNO_INVAL || r == __WASI_ERRNO_ILSEQ);
    r = raw_path_filestat_get(sb, 0, p, l, A(buf));
    CHECK(r == __WASI_ERRNO_INVAL || r == __WASI_ERRNO_ILSEQ);
  }
  __wasi_filestat_t st;
  CHECK_ERR(raw_path_filestat_get(sb, 0, S("new"), A(&st)), NOENT);
  CHECK_ERR(raw_path_filestat_get(sb, 0, S("nul-link"), A(&st)), NOENT);
  CHECK_ERR(raw_path_filestat_get(sb, 0, S("bad"), A(&st)), NOENT);

  // Nothing leaked: the next open gets the lowest free number, data.txt is unchanged.
  uint32_t probe;
  CHECK_OK(open_ro(sb, "data.txt", &probe));
  CHECK_EQ(probe, fd + 1);
  CHECK_OK(read_some(probe, buf, sizeof buf, &n));
  CHECK_EQ(n, 10);
  CHECK_MEM(buf, "0123456789", 10);
  CHECK_ERR(raw_path_filestat_get(sb, 0, S("new.txt"), A(&st)), NOENT);
  CHECK_ERR(raw_path_filestat_get(sb, 0, S("l"), A(&st)), NOENT);
  // stdin still has all its input.
  CHECK_OK(read_some(0, buf, sizeof buf, &n));
  CHECK_EQ(n, 11);
  CHECK_MEM(buf, "stdin-line\n", 11);

  // Unaligned pointers inside memory: valid, exact, nothing written around them.
  static uint8_t area[256];
  memset(area, 0xab, sizeof area);
  CHECK_OK(raw_fd_filestat_get(fd, A(area + 3)));
  CHECK_EQ(area[2], 0xab);
  CHECK_EQ(area[3 + 64], 0xab);
  uint64_t size;
  memcpy(&size, area + 3 + 32, 8);
  CHECK_EQ(size, 10);
  __wasi_iovec_t* uiov = (__wasi_iovec_t*)(area + 101);  // unaligned iovec array
  uint32_t ubuf = A(area + 151), ulen = 5;
  memcpy((uint8_t*)uiov, &ubuf, 4);
  memcpy((uint8_t*)uiov + 4, &ulen, 4);
  CHECK_OK(raw_fd_pread(fd, A(uiov), 1, 2, A(area + 171)));
  CHECK_MEM(area + 151, "23456", 5);
  CHECK_EQ(area[156], 0xab);
  uint32_t got;
  memcpy(&got, area + 171, 4);
  CHECK_EQ(got, 5);
  CHECK_OK(raw_fd_seek(fd, 3, __WASI_WHENCE_SET, A(area + 201)));
  memcpy(&pos, area + 201, 8);
  CHECK_EQ(pos, 3);
  // The last bytes of memory are usable.
  CHECK_OK(raw_clock_time_get(0, 0, END - 8));
  CHECK_OK(raw_fd_prestat_get(sb, END - 8));
  DONE("fault");
}
