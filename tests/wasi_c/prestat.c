// prestat: fd_prestat_get / fd_prestat_dir_name on the preopens run.py grants (sandbox, other,
// ro::ro, and sandbox again as "/"), in order from fd 3; EBADF for stdio, files, directories
// opened with path_open and closed numbers; ENAMETOOLONG for short buffers; EFAULT for bad
// pointers; renumbering a preopen moves its prestat.
#include "wasi_test.h"

static const char* kNames[] = {"sandbox", "other", "ro", "/"};

int main(void) {
  for (uint32_t i = 0; i < 4; ++i) {
    uint32_t fd = 3 + i;
    uint8_t ps[8];
    memset(ps, 0xcc, sizeof ps);
    CHECK_OK(raw_fd_prestat_get(fd, A(ps)));
    CHECK_EQ(ps[0], __WASI_PREOPENTYPE_DIR);
    CHECK_EQ(ps[1], 0);  // padding zeroed
    uint32_t len;
    memcpy(&len, ps + 4, 4);
    CHECK_EQ(len, strlen(kNames[i]));
    char buf[16];
    memset(buf, '#', sizeof buf);
    CHECK_OK(raw_fd_prestat_dir_name(fd, A(buf), len));
    CHECK_MEM(buf, kNames[i], len);
    CHECK_EQ(buf[len], '#');  // no terminator written
    memset(buf, '#', sizeof buf);
    CHECK_OK(raw_fd_prestat_dir_name(fd, A(buf), sizeof buf));
    CHECK_MEM(buf, kNames[i], len);
    CHECK_EQ(buf[len], '#');
    CHECK_ERR(raw_fd_prestat_dir_name(fd, A(buf), len - 1), NAMETOOLONG);
    CHECK_ERR(raw_fd_prestat_dir_name(fd, mem_end() - len + 1, len), FAULT);
    CHECK_ERR(raw_fd_prestat_get(fd, mem_end() - 7), FAULT);
    CHECK_ERR(raw_fd_prestat_get(fd, 0xffffffff), FAULT);
    __wasi_fdstat_t st;
    CHECK_OK(raw_fd_fdstat_get(fd, A(&st)));
    CHECK_EQ(st.fs_filetype, __WASI_FILETYPE_DIRECTORY);
  }
  uint8_t ps[8];
  CHECK_ERR(raw_fd_prestat_get(7, A(ps)), BADF);  // past the last preopen
  for (uint32_t fd = 0; fd < 3; ++fd) CHECK_ERR(raw_fd_prestat_get(fd, A(ps)), BADF);
  char buf[16];
  CHECK_ERR(raw_fd_prestat_dir_name(1, A(buf), sizeof buf), BADF);
  CHECK_ERR(raw_fd_prestat_get(0x7fffffff, A(ps)), BADF);

  // "/" and "sandbox" are the same host directory: a file made through one is seen through
  // the other.
  put_file(6, "via-root.txt", "same dir");
  CHECK_OK(get_file(3, "via-root.txt", buf, sizeof buf));
  CHECK(strcmp(buf, "same dir") == 0);

  // Handles from path_open are not preopens.
  uint32_t d, f;
  CHECK_OK(raw_path_create_directory(3, S("sub")));
  CHECK_OK(open_at(3, "sub", 0, __WASI_OFLAGS_DIRECTORY, 0, &d));
  CHECK_EQ(d, 7);
  CHECK_ERR(raw_fd_prestat_get(d, A(ps)), BADF);
  CHECK_ERR(raw_fd_prestat_dir_name(d, A(buf), sizeof buf), BADF);
  CHECK_OK(open_ro(3, "via-root.txt", &f));
  CHECK_ERR(raw_fd_prestat_get(f, A(ps)), BADF);
  CHECK_OK(raw_fd_close(f));
  // Renumbering preopen 4 ("other") over 7: fd 7 reports "other", fd 4 is gone.
  CHECK_OK(raw_fd_renumber(4, d));
  CHECK_ERR(raw_fd_prestat_get(4, A(ps)), BADF);
  CHECK_OK(raw_fd_prestat_get(d, A(ps)));
  CHECK_OK(raw_fd_prestat_dir_name(d, A(buf), 5));
  CHECK_MEM(buf, "other", 5);
  // Closing a preopen: its number is EBADF afterwards and the next open reuses it.
  CHECK_OK(raw_fd_close(5));
  CHECK_ERR(raw_fd_prestat_get(5, A(ps)), BADF);
  CHECK_ERR(raw_fd_prestat_dir_name(5, A(buf), 2), BADF);
  CHECK_OK(open_ro(3, "via-root.txt", &f));
  CHECK_EQ(f, 4);  // the lowest free number
  DONE("prestat");
}
