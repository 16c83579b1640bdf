// sandbox_race: a directory replaced by a symlink between check and use. run.py runs a host
// thread that keeps exchanging sandbox/swap (a real directory) with a symlink to the outside
// tree (renameat2 RENAME_EXCHANGE) while this program goes through swap/ with every path call,
// thousands of times. Each call must either act inside (on the real directory) or fail; it
// must never read, create, change or remove anything outside, which run.py checks on the host
// (snapshot of the outside tree, sentinel token absent from the output). Names that exist only
// outside (swap/dir/nested.txt, swap/link-to-secret) must never be reachable at all.
// argv[1]: minimum iterations.
#include "wasi_test.h"

#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW

static uint32_t sb;
static int inside_hits, refused;

// An errno a call may give while swap/ is (or is becoming) a symlink out, or because an earlier
// round's cleanup was refused for that reason (EEXIST: the name is still there).
static int raced(int32_t e) {
  return e == __WASI_ERRNO_NOTCAPABLE || e == __WASI_ERRNO_NOENT || e == __WASI_ERRNO_LOOP ||
         e == __WASI_ERRNO_NOTDIR || e == __WASI_ERRNO_XDEV || e == __WASI_ERRNO_EXIST;
}

#define OUTCOME(call)                                                                 \
  do {                                                                                \
    int32_t e_ = (call);                                                              \
    if (e_ == 0) {                                                                    \
      ++inside_hits;                                                                  \
    } else {                                                                          \
      if (!raced(e_)) printf("%s:%d: unexpected errno %d\n", __FILE__, __LINE__, e_); \
      CHECK(raced(e_));                                                               \
      ++refused;                                                                      \
    }                                                                                 \
  } while (0)

static void one_round(int i) {
  char buf[128];
  uint32_t fd, n;
  __wasi_filestat_t st;
  // Read a file that exists on both sides: only the inside content may come back.
  int32_t e =
      raw_path_open(sb, FOLLOW, S("swap/secret.txt"), 0, __WASI_RIGHTS_FD_READ, 0, 0, A(&fd));
  if (e == 0) {
    __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf - 1};
    CHECK_OK(raw_fd_read(fd, A(&iov), 1, A(&n)));
    buf[n] = 0;
    if (strcmp(buf, "inside swap\n") != 0) printf("read outside: %s\n", buf);
    CHECK(strcmp(buf, "inside swap\n") == 0);
    CHECK_OK(raw_fd_close(fd));
  }
  OUTCOME(e);
  // Stat: the inside file's size only.
  e = raw_path_filestat_get(sb, FOLLOW, S("swap/secret.txt"), A(&st));
  if (e == 0) CHECK_EQ(st.size, 12);
  OUTCOME(e);
  // Names that exist only outside.
  CHECK(raw_path_filestat_get(sb, 0, S("swap/dir/nested.txt"), A(&st)) != 0);
  CHECK(raw_path_readlink(sb, S("swap/link-to-secret"), A(buf), sizeof buf, A(&n)) != 0);
  CHECK(raw_path_open(sb, FOLLOW, S("swap/dir"), __WASI_OFLAGS_DIRECTORY, 0, 0, 0, A(&fd)) != 0);
  // A directory handle opened through swap/ must be the inside one.
  e = raw_path_open(sb, FOLLOW, S("swap"), __WASI_OFLAGS_DIRECTORY, (uint64_t)-1, (uint64_t)-1, 0,
                    A(&fd));
  if (e == 0) {
    CHECK_OK(raw_path_filestat_get(fd, 0, S("sub"), A(&st)));  // only the inside one has sub/
    CHECK_OK(raw_fd_close(fd));
  }
  OUTCOME(e);
  // Create, then remove, a file and a directory through swap/.
  char name[64];
  snprintf(name, sizeof name, "swap/created-%d", i % 4);
  e = raw_path_open(sb, 0, S(name), __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0, A(&fd));
  if (e == 0) {
    CHECK_OK(raw_fd_close(fd));
    OUTCOME(raw_path_unlink_file(sb, S(name)));
  } else {
    OUTCOME(e);
  }
  OUTCOME(raw_path_create_directory(sb, S("swap/newdir")));
  OUTCOME(raw_path_remove_directory(sb, S("swap/newdir")));
  // Truncate / set times / unlink / rename an existing victim (exists on both sides).
  e = raw_path_open(sb, 0, S("swap/victim.txt"), __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_WRITE, 0, 0,
                    A(&fd));
  if (e == 0) {
    CHECK_OK(write_all(fd, "inside victim\n", 14, &n));
    CHECK_OK(raw_fd_close(fd));
  }
  OUTCOME(e);
  OUTCOME(raw_path_filestat_set_times(sb, 0, S("swap/victim.txt"), 0, 0,
                                      __WASI_FSTFLAGS_MTIM_NOW | __WASI_FSTFLAGS_ATIM_NOW));
  OUTCOME(raw_path_rename(sb, S("swap/victim.txt"), sb, S("swap/victim2.txt")));
  OUTCOME(raw_path_rename(sb, S("swap/victim2.txt"), sb, S("swap/victim.txt")));
  OUTCOME(raw_path_unlink_file(sb, S("swap/victim.txt")));
  e = raw_path_open(sb, 0, S("swap/victim.txt"), __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0,
                    A(&fd));
  if (e == 0) {
    CHECK_OK(write_all(fd, "inside victim\n", 14, &n));
    CHECK_OK(raw_fd_close(fd));
  }
  OUTCOME(e);
  // Hard links out of and into swap/, and a symlink made there.
  OUTCOME(raw_path_link(sb, 0, S("swap/secret.txt"), sb, S("hl")));
  raw_path_unlink_file(sb, S("hl"));
  OUTCOME(raw_path_link(sb, 0, S("inside.txt"), sb, S("swap/linked")));
  OUTCOME(raw_path_unlink_file(sb, S("swap/linked")));
  OUTCOME(raw_path_symlink(S("anything"), sb, S("swap/sl")));
  OUTCOME(raw_path_unlink_file(sb, S("swap/sl")));
  // Moving a file out of swap/ and back, and a directory handle's `..`.
  OUTCOME(raw_path_rename(sb, S("swap/secret.txt"), sb, S("pulled.txt")));
  e = raw_path_rename(sb, S("pulled.txt"), sb, S("swap/secret.txt"));
  if (e == 0) {
    ++inside_hits;
  } else {
    // swap/ was the link at that moment: put it back on a later round.
    CHECK(raced(e));
  }
}

int main(int argc, char** argv) {
  CHECK_EQ(argc, 2);
  int min_rounds = atoi(argv[1]);
  sb = preopen_fd("sandbox");
  uint64_t start, now;
  CHECK_OK(raw_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, A(&start)));
  int rounds = 0;
  // At least min_rounds, and on until both states were seen often (at most 60 s).
  for (;; ++rounds) {
    __wasi_filestat_t st;
    if (raw_path_filestat_get(sb, 0, S("pulled.txt"), A(&st)) == 0) {
      raw_path_rename(sb, S("pulled.txt"), sb, S("swap/secret.txt"));
    }
    one_round(rounds);
    CHECK_OK(raw_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, A(&now)));
    if (rounds >= min_rounds && inside_hits >= 1000 && refused >= 1000) break;
    if (now - start > 60000000000ull) break;
  }
  printf("rounds %d, calls acting inside %d, refused %d\n", rounds + 1, inside_hits, refused);
  CHECK(inside_hits > 0);  // the real directory was used
  CHECK(refused > 0);      // and the swap raced with the calls
  DONE("sandbox_race");
}
