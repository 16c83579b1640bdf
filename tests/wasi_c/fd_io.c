// fd_io: the fd_* calls on files and stdio: read/write (vectored, stdin, stdout), pread/pwrite
// (not moving the offset), seek with every whence and negative offsets, tell, advise, allocate,
// datasync/sync, filestat get / set size / set times (checked on the host by run.py),
// fdstat get / set flags (append), renumber and close, with their errnos.
#include "wasi_test.h"

static uint32_t sb;

static uint64_t tell(uint32_t fd) {
  uint64_t pos = 0xdead;
  CHECK_OK(raw_fd_tell(fd, A(&pos)));
  return pos;
}

static void stdio(void) {
  // stdin: run.py feeds "stdin-line\n".
  char buf[32] = {0};
  uint32_t n = 0;
  __wasi_iovec_t iov[2] = {{(uint8_t*)buf, 5}, {(uint8_t*)buf + 5, 20}};
  CHECK_OK(raw_fd_read(0, A(iov), 2, A(&n)));
  CHECK_EQ(n, 11);
  CHECK(strcmp(buf, "stdin-line\n") == 0);
  CHECK_OK(raw_fd_read(0, A(iov), 2, A(&n)));
  CHECK_EQ(n, 0);  // end of input
  // stdout, vectored, with an empty iovec in the middle.
  const char* a = "stdout: ";
  const char* b = "vectored\n";
  __wasi_ciovec_t ciov[3] = {
      {(const uint8_t*)a, 8}, {(const uint8_t*)b, 0}, {(const uint8_t*)b, 9}};
  CHECK_OK(raw_fd_write(1, A(ciov), 3, A(&n)));
  CHECK_EQ(n, 17);
  CHECK_OK(raw_fd_write(1, A(ciov), 0, A(&n)));
  CHECK_EQ(n, 0);
  __wasi_fdstat_t st;
  for (uint32_t fd = 0; fd < 3; ++fd) {
    CHECK_OK(raw_fd_fdstat_get(fd, A(&st)));
    CHECK(st.fs_filetype != __WASI_FILETYPE_DIRECTORY);
  }
  // Streams cannot seek or pread; reading stdout / writing stdin is not capable.
  uint64_t pos;
  CHECK(raw_fd_seek(1, 0, __WASI_WHENCE_CUR, A(&pos)) != 0);
  CHECK_ERR(raw_fd_read(1, A(iov), 1, A(&n)), NOTCAPABLE);
  CHECK_ERR(raw_fd_write(0, A(ciov), 1, A(&n)), NOTCAPABLE);
}

static void read_write_seek(void) {
  uint32_t fd, n;
  CHECK_OK(open_at(sb, "rw.txt", 0, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, 0, &fd));
  CHECK_EQ(tell(fd), 0);
  CHECK_OK(write_all(fd, "abcdefghij", 10, &n));
  CHECK_EQ(n, 10);
  CHECK_EQ(tell(fd), 10);

  uint64_t pos = 0;
  CHECK_OK(raw_fd_seek(fd, 0, __WASI_WHENCE_SET, A(&pos)));
  CHECK_EQ(pos, 0);
  CHECK_OK(raw_fd_seek(fd, 3, __WASI_WHENCE_CUR, A(&pos)));
  CHECK_EQ(pos, 3);
  char buf[16] = {0};
  CHECK_OK(read_some(fd, buf, 4, &n));
  CHECK_EQ(n, 4);
  CHECK_MEM(buf, "defg", 4);
  CHECK_OK(raw_fd_seek(fd, -2, __WASI_WHENCE_CUR, A(&pos)));
  CHECK_EQ(pos, 5);
  CHECK_OK(raw_fd_seek(fd, -1, __WASI_WHENCE_END, A(&pos)));
  CHECK_EQ(pos, 9);
  CHECK_OK(read_some(fd, buf, 16, &n));
  CHECK_EQ(n, 1);
  CHECK_EQ(buf[0], 'j');
  CHECK_OK(read_some(fd, buf, 16, &n));
  CHECK_EQ(n, 0);
  CHECK_OK(raw_fd_seek(fd, 5, __WASI_WHENCE_END, A(&pos)));  // past the end is allowed
  CHECK_EQ(pos, 15);
  // Before the start: EINVAL, the offset unchanged.
  CHECK_ERR(raw_fd_seek(fd, -16, __WASI_WHENCE_END, A(&pos)), INVAL);
  CHECK_ERR(raw_fd_seek(fd, -1, __WASI_WHENCE_SET, A(&pos)), INVAL);
  CHECK_ERR(raw_fd_seek(fd, -100, __WASI_WHENCE_CUR, A(&pos)), INVAL);
  CHECK_EQ(tell(fd), 15);
  CHECK_ERR(raw_fd_seek(fd, 0, 3, A(&pos)), INVAL);  // no such whence
  CHECK_ERR(raw_fd_seek(fd, 0, 256, A(&pos)), INVAL);
  CHECK_OK(raw_fd_seek(fd, 0, __WASI_WHENCE_SET, A(&pos)));

  // pread / pwrite use their own offset and leave the file offset alone.
  CHECK_OK(raw_fd_seek(fd, 2, __WASI_WHENCE_SET, A(&pos)));
  __wasi_iovec_t iov[2] = {{(uint8_t*)buf, 2}, {(uint8_t*)buf + 2, 3}};
  memset(buf, 0, sizeof buf);
  CHECK_OK(raw_fd_pread(fd, A(iov), 2, 5, A(&n)));
  CHECK_EQ(n, 5);
  CHECK_MEM(buf, "fghij", 5);
  CHECK_OK(raw_fd_pread(fd, A(iov), 2, 8, A(&n)));
  CHECK_EQ(n, 2);  // short read at the end
  CHECK_OK(raw_fd_pread(fd, A(iov), 2, 1000, A(&n)));
  CHECK_EQ(n, 0);
  __wasi_ciovec_t ciov[2] = {{(const uint8_t*)"XY", 2}, {(const uint8_t*)"Z", 1}};
  CHECK_OK(raw_fd_pwrite(fd, A(ciov), 2, 1, A(&n)));
  CHECK_EQ(n, 3);
  CHECK_EQ(tell(fd), 2);
  CHECK_OK(raw_fd_pread(fd, A(iov), 1, 0, A(&n)));
  CHECK_MEM(buf, "aX", 2);
  // pwrite past the end extends the file with a hole of zeros.
  CHECK_OK(raw_fd_pwrite(fd, A(ciov), 1, 20, A(&n)));
  __wasi_filestat_t fs;
  CHECK_OK(raw_fd_filestat_get(fd, A(&fs)));
  CHECK_EQ(fs.size, 22);
  CHECK_EQ(fs.filetype, __WASI_FILETYPE_REGULAR_FILE);
  CHECK_EQ(fs.nlink, 1);
  CHECK_OK(raw_fd_pread(fd, A(iov), 1, 12, A(&n)));
  CHECK_EQ(n, 2);
  CHECK_EQ(buf[0], 0);
  CHECK_EQ(buf[1], 0);

  // advise (every value), allocate (grows, never shrinks), sync, datasync.
  for (uint32_t adv = 0; adv <= __WASI_ADVICE_NOREUSE; ++adv) {
    CHECK_OK(raw_fd_advise(fd, 0, 10, adv));
  }
  CHECK_ERR(raw_fd_advise(fd, 0, 10, 6), INVAL);
  CHECK_OK(raw_fd_allocate(fd, 0, 100));
  CHECK_OK(raw_fd_filestat_get(fd, A(&fs)));
  CHECK_EQ(fs.size, 100);
  CHECK_OK(raw_fd_allocate(fd, 10, 10));
  CHECK_OK(raw_fd_filestat_get(fd, A(&fs)));
  CHECK_EQ(fs.size, 100);
  CHECK_OK(raw_fd_sync(fd));
  CHECK_OK(raw_fd_datasync(fd));

  // set_size: shrink and grow.
  CHECK_OK(raw_fd_filestat_set_size(fd, 4));
  CHECK_OK(raw_fd_filestat_get(fd, A(&fs)));
  CHECK_EQ(fs.size, 4);
  CHECK_OK(raw_fd_filestat_set_size(fd, 4096));
  CHECK_OK(raw_fd_filestat_get(fd, A(&fs)));
  CHECK_EQ(fs.size, 4096);
  CHECK_OK(raw_fd_filestat_set_size(fd, 0));
  CHECK_OK(raw_fd_pread(fd, A(iov), 1, 0, A(&n)));
  CHECK_EQ(n, 0);
  CHECK_OK(raw_fd_close(fd));
}

static void times(void) {
  uint32_t fd;
  CHECK_OK(open_at(sb, "times.txt", 0, __WASI_OFLAGS_CREAT, 0, &fd));
  __wasi_filestat_t fs;
  // Explicit times (checked again by run.py on the host).
  CHECK_OK(raw_fd_filestat_set_times(fd, 1400000000000000007ull, 1500000000123456789ull,
                                     __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  CHECK_OK(raw_fd_filestat_get(fd, A(&fs)));
  CHECK_EQ(fs.atim, 1400000000000000007ull);
  CHECK_EQ(fs.mtim, 1500000000123456789ull);
  // Only one of them: the other is kept.
  CHECK_OK(raw_fd_filestat_set_times(fd, 1000, 0, __WASI_FSTFLAGS_ATIM));
  CHECK_OK(raw_fd_filestat_get(fd, A(&fs)));
  CHECK_EQ(fs.atim, 1000);
  CHECK_EQ(fs.mtim, 1500000000123456789ull);
  // _NOW: close to the realtime clock.
  uint64_t rt;
  CHECK_OK(raw_clock_time_get(__WASI_CLOCKID_REALTIME, 0, A(&rt)));
  CHECK_OK(raw_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM_NOW));
  CHECK_OK(raw_fd_filestat_get(fd, A(&fs)));
  CHECK(fs.atim + 5000000000ull > rt && fs.atim < rt + 5000000000ull);
  CHECK_EQ(fs.mtim, 1500000000123456789ull);
  // Both a time and _NOW for the same field: EINVAL. Unknown flag bits: EINVAL.
  CHECK_ERR(raw_fd_filestat_set_times(fd, 1, 1, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW),
            INVAL);
  CHECK_ERR(raw_fd_filestat_set_times(fd, 1, 1, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW),
            INVAL);
  CHECK_ERR(raw_fd_filestat_set_times(fd, 1, 1, 0x10), INVAL);
  // Restore the times run.py checks.
  CHECK_OK(raw_fd_filestat_set_times(fd, 1400000000000000007ull, 0, __WASI_FSTFLAGS_ATIM));
  CHECK_OK(raw_fd_close(fd));
}

static void append_and_fdstat(void) {
  uint32_t fd, n;
  CHECK_OK(open_at(sb, "final.txt", 0, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0, &fd));
  CHECK_OK(write_all(fd, "hello, WORLD!", 13, &n));
  __wasi_fdstat_t st;
  CHECK_OK(raw_fd_fdstat_get(fd, A(&st)));
  CHECK_EQ(st.fs_filetype, __WASI_FILETYPE_REGULAR_FILE);
  CHECK_EQ(st.fs_flags, 0);
  CHECK(st.fs_rights_base & __WASI_RIGHTS_FD_WRITE);
  CHECK(st.fs_rights_base & __WASI_RIGHTS_FD_READ);
  CHECK((st.fs_rights_base & __WASI_RIGHTS_PATH_OPEN) == 0);  // file handles hold no path rights
  // Overwrite in place (no append yet).
  uint64_t pos;
  CHECK_OK(raw_fd_seek(fd, 7, __WASI_WHENCE_SET, A(&pos)));
  CHECK_OK(write_all(fd, "world", 5, &n));
  // With append, writes go to the end whatever the offset.
  CHECK_OK(raw_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
  CHECK_OK(raw_fd_fdstat_get(fd, A(&st)));
  CHECK_EQ(st.fs_flags, __WASI_FDFLAGS_APPEND);
  CHECK_OK(raw_fd_seek(fd, 0, __WASI_WHENCE_SET, A(&pos)));
  CHECK_OK(write_all(fd, " appended", 9, &n));
  CHECK_EQ(tell(fd), 22);
  // Flags that cannot change after open, and unknown bits.
  CHECK_ERR(raw_fd_fdstat_set_flags(fd, 0x20), INVAL);
  CHECK_ERR(raw_fd_fdstat_set_flags(fd, 0x10000), INVAL);
  CHECK(raw_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND | __WASI_FDFLAGS_SYNC) != 0);
  CHECK_OK(raw_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND | __WASI_FDFLAGS_NONBLOCK));
  CHECK_OK(raw_fd_fdstat_get(fd, A(&st)));
  CHECK_EQ(st.fs_flags, __WASI_FDFLAGS_APPEND | __WASI_FDFLAGS_NONBLOCK);
  // Clearing append: writes land at the offset again.
  CHECK_OK(raw_fd_fdstat_set_flags(fd, 0));
  CHECK_OK(raw_fd_seek(fd, 0, __WASI_WHENCE_SET, A(&pos)));
  CHECK_OK(write_all(fd, "h", 1, &n));
  CHECK_OK(raw_fd_close(fd));
}

static void renumber_close(void) {
  uint32_t a, b, n;
  CHECK_OK(open_ro(sb, "fixed.txt", &a));
  CHECK_OK(open_at(sb, "renumbered.txt", 0, __WASI_OFLAGS_CREAT, 0, &b));
  CHECK(a != b);
  // renumber a -> b: b now is fixed.txt, a is free, renumbered.txt's handle was closed.
  CHECK_OK(raw_fd_renumber(a, b));
  char buf[16] = {0};
  CHECK_OK(read_some(b, buf, 15, &n));
  CHECK_EQ(n, 10);
  CHECK_MEM(buf, "0123456789", 10);
  CHECK_ERR(raw_fd_read(a, A(buf), 0, A(&n)), BADF);
  CHECK_ERR(raw_fd_renumber(a, b), BADF);     // from a closed fd
  CHECK_ERR(raw_fd_renumber(b, 4000), BADF);  // to a closed fd
  CHECK_OK(raw_fd_renumber(b, b));            // to itself: no-op
  uint64_t at = 0;
  // open_ro asked for no fd_tell right, and a seek by 0 from the current offset is a tell.
  CHECK_ERR(raw_fd_tell(b, A(&at)), NOTCAPABLE);
  CHECK_ERR(raw_fd_seek(b, 0, __WASI_WHENCE_CUR, A(&at)), NOTCAPABLE);
  CHECK_OK(raw_fd_seek(b, 8, __WASI_WHENCE_SET, A(&at)));
  CHECK_EQ(at, 8);
  CHECK_OK(read_some(b, buf, 15, &n));
  CHECK_EQ(n, 2);
  CHECK_OK(raw_fd_close(b));
  CHECK_ERR(raw_fd_close(b), BADF);
  CHECK_ERR(raw_fd_close(0xffffffff), BADF);
  // After a close, every fd_* call on the number is EBADF.
  uint64_t pos;
  __wasi_filestat_t fs;
  __wasi_fdstat_t st;
  CHECK_ERR(raw_fd_seek(b, 0, 0, A(&pos)), BADF);
  CHECK_ERR(raw_fd_tell(b, A(&pos)), BADF);
  CHECK_ERR(raw_fd_write(b, A(buf), 0, A(&n)), BADF);
  CHECK_ERR(raw_fd_pread(b, A(buf), 0, 0, A(&n)), BADF);
  CHECK_ERR(raw_fd_pwrite(b, A(buf), 0, 0, A(&n)), BADF);
  CHECK_ERR(raw_fd_sync(b), BADF);
  CHECK_ERR(raw_fd_datasync(b), BADF);
  CHECK_ERR(raw_fd_advise(b, 0, 0, 0), BADF);
  CHECK_ERR(raw_fd_allocate(b, 0, 1), BADF);
  CHECK_ERR(raw_fd_filestat_get(b, A(&fs)), BADF);
  CHECK_ERR(raw_fd_filestat_set_size(b, 0), BADF);
  CHECK_ERR(raw_fd_filestat_set_times(b, 0, 0, 0), BADF);
  CHECK_ERR(raw_fd_fdstat_get(b, A(&st)), BADF);
  CHECK_ERR(raw_fd_fdstat_set_flags(b, 0), BADF);
  CHECK_ERR(raw_fd_fdstat_set_rights(b, 0, 0), BADF);
  CHECK_ERR(raw_fd_readdir(b, A(buf), 16, 0, A(&n)), BADF);

  // Renumbering stdout onto a file: move the real stdout to another number, the next open
  // takes the lowest free number (1), writes to fd 1 go to the file, and renumbering the real
  // stdout back closes the file's handle.
  uint32_t saved, f;
  CHECK_OK(open_at(sb, "scratch.txt", 0, __WASI_OFLAGS_CREAT, 0, &saved));
  CHECK_OK(raw_fd_renumber(1, saved));
  CHECK_ERR(raw_fd_renumber(saved, 1), BADF);  // the target must be open
  CHECK_OK(open_at(sb, "stdout-copy.txt", 0, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0, &f));
  CHECK_EQ(f, 1);
  CHECK_OK(write_all(1, "into the file", 13, &n));
  CHECK_OK(raw_fd_renumber(saved, 1));
  CHECK_ERR(raw_fd_close(saved), BADF);
  CHECK_OK(get_file(sb, "stdout-copy.txt", buf, sizeof buf));
  CHECK(strcmp(buf, "into the file") == 0);
}

static void errors_on_kinds(void) {
  uint32_t fd, n;
  char buf[8];
  // Directories: no byte I/O.
  CHECK_OK(open_at(sb, ".", 0, __WASI_OFLAGS_DIRECTORY, 0, &fd));
  __wasi_iovec_t iov = {(uint8_t*)buf, 8};
  CHECK(raw_fd_read(fd, A(&iov), 1, A(&n)) != 0);
  CHECK(raw_fd_write(fd, A(&iov), 1, A(&n)) != 0);
  uint64_t pos;
  CHECK(raw_fd_seek(fd, 0, 0, A(&pos)) != 0);
  CHECK_OK(raw_fd_sync(fd));
  CHECK_OK(raw_fd_datasync(fd));
  __wasi_filestat_t fs;
  CHECK_OK(raw_fd_filestat_get(fd, A(&fs)));
  CHECK_EQ(fs.filetype, __WASI_FILETYPE_DIRECTORY);
  CHECK_OK(raw_fd_close(fd));
  // A read-only open: writes, set_size, allocate are not capable.
  CHECK_OK(open_ro(sb, "fixed.txt", &fd));
  __wasi_ciovec_t c = {(const uint8_t*)"x", 1};
  CHECK_ERR(raw_fd_write(fd, A(&c), 1, A(&n)), NOTCAPABLE);
  CHECK_ERR(raw_fd_pwrite(fd, A(&c), 1, 0, A(&n)), NOTCAPABLE);
  CHECK_ERR(raw_fd_filestat_set_size(fd, 0), NOTCAPABLE);
  CHECK_ERR(raw_fd_allocate(fd, 0, 100), NOTCAPABLE);
  CHECK_ERR(raw_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), NOTCAPABLE);
  CHECK_OK(raw_fd_close(fd));
  CHECK_OK(get_file(sb, "fixed.txt", buf, sizeof buf));
  CHECK_MEM(buf, "0123456", 7);
}

int main(void) {
  sb = preopen_fd("sandbox");
  stdio();
  read_write_seek();
  times();
  append_and_fdstat();
  renumber_close();
  errors_on_kinds();
  DONE("fd_io");
}
