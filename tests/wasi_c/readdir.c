// readdir: fd_readdir over a directory of files, subdirectories and symlinks: every entry once
// with its type and inode, "." and "..", the d_next cookie chain, resuming from any cookie,
// buffers too small for one entry (bufused == buf_len means "more"), cookies past the end,
// re-reading from cookie 0 after the directory changed, and its errnos.
#include "wasi_test.h"

#define NFILES 40

typedef struct {
  char name[64];
  uint8_t type;
  uint64_t ino;
  int seen;
} Want;

static Want want[NFILES + 8];
static int nwant;

static void add(const char* name, uint8_t type, uint64_t ino) {
  Want* w = &want[nwant++];
  strcpy(w->name, name);
  w->type = type;
  w->ino = ino;
  w->seen = 0;
}

// Reads the whole directory with buffers of `bufsize` bytes, resuming after the last complete
// entry; marks every entry seen; returns the number of entries.
static int read_all(uint32_t fd, uint32_t bufsize) {
  static uint8_t buf[8192 + 16];
  uint64_t cookie = 0;
  int count = 0;
  for (int rounds = 0; rounds < 10000; ++rounds) {
    uint32_t used = 0xdead;
    memset(buf, 0xaa, sizeof buf);
    CHECK_OK(raw_fd_readdir(fd, A(buf), bufsize, cookie, A(&used)));
    CHECK(used <= bufsize);
    CHECK_EQ(buf[bufsize], 0xaa);  // nothing past the buffer
    uint32_t at = 0;
    int complete = 0;
    while (at + sizeof(__wasi_dirent_t) <= used) {
      __wasi_dirent_t d;
      memcpy(&d, buf + at, sizeof d);
      if (at + sizeof d + d.d_namlen > used) break;  // cut short: fetch again from `cookie`
      char name[256];
      memcpy(name, buf + at + sizeof d, d.d_namlen);
      name[d.d_namlen] = 0;
      int found = 0;
      for (int i = 0; i < nwant; ++i) {
        if (strcmp(want[i].name, name) == 0) {
          CHECK_EQ(want[i].seen, 0);
          want[i].seen = 1;
          CHECK_EQ(d.d_type, want[i].type);
          if (want[i].ino != 0) CHECK_EQ(d.d_ino, want[i].ino);
          found = 1;
        }
      }
      if (!found) {
        printf("unexpected entry '%s'\n", name);
        CHECK(found);
      }
      CHECK(d.d_next > cookie);
      cookie = d.d_next;
      at += sizeof d + d.d_namlen;
      ++count;
      ++complete;
    }
    if (used < bufsize) return count;  // end of directory
    // A full buffer means "more"; a buffer too small for even one entry must still make
    // progress when it is big enough for the header and name.
    if (bufsize >= sizeof(__wasi_dirent_t) + 64) CHECK(complete > 0);
    if (complete == 0) return -1;
  }
  CHECK(0);
  return 0;
}

static void reset(void) {
  for (int i = 0; i < nwant; ++i) want[i].seen = 0;
}

int main(void) {
  uint32_t sb = preopen_fd("sandbox");
  uint32_t fd, f;
  CHECK_OK(raw_path_create_directory(sb, S("d")));
  CHECK_OK(open_at(sb, "d", 0, __WASI_OFLAGS_DIRECTORY, 0, &fd));
  __wasi_filestat_t st;
  CHECK_OK(raw_path_filestat_get(sb, 0, S("d"), A(&st)));
  add(".", __WASI_FILETYPE_DIRECTORY, st.ino);
  add("..", __WASI_FILETYPE_DIRECTORY, 0);
  for (int i = 0; i < NFILES; ++i) {
    char name[64];
    // Names of lengths 1..40 so entries straddle every buffer boundary.
    memset(name, 'a' + i % 26, sizeof name);
    name[i + 1] = 0;
    snprintf(name, 4, "%02d", i);
    name[2] = i + 1 > 2 ? 'x' : name[2];
    name[i + 1 > 2 ? i + 1 : 2] = 0;
    CHECK_OK(open_at(fd, name, 0, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, 0, &f));
    CHECK_OK(raw_fd_filestat_get(f, A(&st)));
    CHECK_OK(raw_fd_close(f));
    add(name, __WASI_FILETYPE_REGULAR_FILE, st.ino);
  }
  CHECK_OK(raw_path_create_directory(fd, S("subdir")));
  CHECK_OK(raw_path_filestat_get(fd, 0, S("subdir"), A(&st)));
  add("subdir", __WASI_FILETYPE_DIRECTORY, st.ino);
  CHECK_OK(raw_path_symlink(S("00"), fd, S("link")));
  CHECK_OK(raw_path_filestat_get(fd, 0, S("link"), A(&st)));
  CHECK_EQ(st.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
  add("link", __WASI_FILETYPE_SYMBOLIC_LINK, st.ino);
  CHECK_OK(raw_path_symlink(S("../../outside"), fd, S("dangling-out")));
  add("dangling-out", __WASI_FILETYPE_SYMBOLIC_LINK, 0);

  // Every buffer size from one byte to well past an entry, and a big one.
  static const uint32_t sizes[] = {8192,   4096,   512, 100, 64 + 24, 24 + 41, 24 + 40,
                                   24 + 2, 24 + 1, 24,  23,  7,       1};
  for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; ++s) {
    reset();
    int n = read_all(fd, sizes[s]);
    if (sizes[s] >= 24 + 41) {
      CHECK_EQ(n, nwant);
      for (int i = 0; i < nwant; ++i) CHECK(want[i].seen);
    } else {
      // Too small for the longest entry: stops making progress, never overflows the buffer.
      CHECK(n == -1 || n == nwant);
    }
  }

  // Resume from every cookie: the rest of the listing from there.
  static uint8_t big[8192];
  uint32_t used;
  CHECK_OK(raw_fd_readdir(fd, A(big), sizeof big, 0, A(&used)));
  CHECK(used < sizeof big);
  uint32_t at = 0;
  int index = 0;
  while (at < used) {
    __wasi_dirent_t d;
    memcpy(&d, big + at, sizeof d);
    static uint8_t rest[8192];
    uint32_t rest_used;
    uint32_t next_at = at + sizeof d + d.d_namlen;
    CHECK_OK(raw_fd_readdir(fd, A(rest), sizeof rest, d.d_next, A(&rest_used)));
    CHECK_EQ(rest_used, used - next_at);
    CHECK_MEM(rest, big + next_at, rest_used);
    at = next_at;
    ++index;
  }
  CHECK_EQ(index, nwant);
  // Past the end: nothing.
  CHECK_OK(raw_fd_readdir(fd, A(big), sizeof big, 1000000, A(&used)));
  CHECK_EQ(used, 0);
  // Zero-length buffer: nothing written, not an error.
  CHECK_OK(raw_fd_readdir(fd, A(big), 0, 0, A(&used)));
  CHECK_EQ(used, 0);

  // Cookie 0 re-reads: a file created since is listed, a removed one is gone.
  CHECK_OK(raw_path_unlink_file(fd, S("00")));
  CHECK_OK(open_at(fd, "late", 0, __WASI_OFLAGS_CREAT, 0, &f));
  CHECK_OK(raw_fd_close(f));
  CHECK_OK(raw_fd_readdir(fd, A(big), sizeof big, 0, A(&used)));
  int saw_late = 0, saw_00 = 0;
  for (at = 0; at < used;) {
    __wasi_dirent_t d;
    memcpy(&d, big + at, sizeof d);
    if (d.d_namlen == 4 && memcmp(big + at + sizeof d, "late", 4) == 0) saw_late = 1;
    if (d.d_namlen == 2 && memcmp(big + at + sizeof d, "00", 2) == 0) saw_00 = 1;
    at += sizeof d + d.d_namlen;
  }
  CHECK(saw_late && !saw_00);

  // The preopen itself is readable, and an empty directory has just "." and "..".
  uint32_t e;
  CHECK_OK(raw_fd_readdir(sb, A(big), sizeof big, 0, A(&used)));
  CHECK(used > 0);
  CHECK_OK(open_at(fd, "subdir", 0, __WASI_OFLAGS_DIRECTORY, 0, &e));
  CHECK_OK(raw_fd_readdir(e, A(big), sizeof big, 0, A(&used)));
  CHECK_EQ(used, 2 * sizeof(__wasi_dirent_t) + 3);

  // Errors: a file is not a directory; a bad fd; bad buffers and out pointers.
  CHECK_OK(open_ro(fd, "01", &f));
  CHECK_ERR(raw_fd_readdir(f, A(big), sizeof big, 0, A(&used)), NOTDIR);
  CHECK_ERR(raw_fd_readdir(99, A(big), sizeof big, 0, A(&used)), BADF);
  CHECK_ERR(raw_fd_readdir(fd, mem_end() - 10, 11, 0, A(&used)), FAULT);
  CHECK_ERR(raw_fd_readdir(fd, A(big), sizeof big, 0, mem_end() - 3), FAULT);
  CHECK_ERR(raw_fd_readdir(fd, A(big), 0xffffffff, 0, A(&used)), FAULT);
  CHECK_ERR(raw_fd_readdir(1, A(big), sizeof big, 0, A(&used)), NOTDIR);
  DONE("readdir");
}
