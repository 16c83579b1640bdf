// sandbox_symlink: symlinks that leave the preopen (absolute and relative, planted by the host
// and created by the guest, as the final component and in the middle of a path, chained),
// symlink loops and procfs magic links. Following any of them out fails (ENOTCAPABLE; loops
// ELOOP); operating on the link itself (lstat, readlink, unlink, rename) works and never
// touches the target. run.py proves from the host that the outside tree is unchanged.
// argv[1] is the host's absolute path of world/outside.
#include "wasi_test.h"

#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW

static uint32_t sb;
static const char* cur_path;

#define REFUSED(call, e)                            \
  do {                                              \
    int32_t r_ = (call);                            \
    if (r_ != (e)) printf("path '%s': ", cur_path); \
    CHECK_EQ(r_, (e));                              \
  } while (0)

static void leak(uint32_t fd) {
  char buf[256];
  uint32_t n = 0;
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf - 1};
  if (raw_fd_read(fd, A(&iov), 1, A(&n)) == 0) {
    buf[n] = 0;
    printf("read through an escape: %s\n", buf);
  }
}

// `p` names an entry reached by following a symlink out (or a loop when e is ELOOP).
static void through(const char* p, int32_t e) {
  cur_path = p;
  uint32_t fd = 0xffffffff;
  int32_t r = raw_path_open(sb, FOLLOW, S(p), 0, __WASI_RIGHTS_FD_READ, 0, 0, A(&fd));
  if (r == 0) leak(fd);
  REFUSED(r, e);
  REFUSED(raw_path_open(sb, FOLLOW, S(p), __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, 0, 0,
                        A(&fd)),
          e);
  REFUSED(
      raw_path_open(sb, FOLLOW, S(p), __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_WRITE, 0, 0, A(&fd)),
      e);
  REFUSED(
      raw_path_open(sb, FOLLOW, S(p), __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0, A(&fd)),
      e);
  __wasi_filestat_t st;
  r = raw_path_filestat_get(sb, FOLLOW, S(p), A(&st));
  if (r == 0) printf("stat through an escape: size %llu\n", (unsigned long long)st.size);
  REFUSED(r, e);
  REFUSED(raw_path_filestat_set_times(sb, FOLLOW, S(p), 1, 2,
                                      __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM),
          e);
  REFUSED(raw_path_link(sb, FOLLOW, S(p), sb, S("hard-out")), e);
}

// `dir` is a symlink leading out: every path beneath it is refused, existing or not.
static void beneath(const char* dir, int32_t e) {
  static const char* names[] = {"secret.txt",     "victim.txt", "dir",        "dir/nested.txt",
                                "link-to-secret", "created",    "dir/created"};
  char p[256];
  for (unsigned i = 0; i < sizeof names / sizeof names[0]; ++i) {
    snprintf(p, sizeof p, "%s/%s", dir, names[i]);
    cur_path = p;
    uint32_t fd;
    for (uint32_t lookup = 0; lookup < 2; ++lookup) {
      int32_t r = raw_path_open(sb, lookup, S(p), 0, __WASI_RIGHTS_FD_READ, 0, 0, A(&fd));
      if (r == 0) leak(fd);
      REFUSED(r, e);
      REFUSED(raw_path_open(sb, lookup, S(p), __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL,
                            __WASI_RIGHTS_FD_WRITE, 0, 0, A(&fd)),
              e);
      __wasi_filestat_t st;
      REFUSED(raw_path_filestat_get(sb, lookup, S(p), A(&st)), e);
      REFUSED(raw_path_filestat_set_times(sb, lookup, S(p), 1, 2, __WASI_FSTFLAGS_MTIM), e);
      REFUSED(raw_path_link(sb, lookup, S(p), sb, S("hard-out")), e);
    }
    char buf[64];
    uint32_t used;
    REFUSED(raw_path_readlink(sb, S(p), A(buf), sizeof buf, A(&used)), e);
    REFUSED(raw_path_unlink_file(sb, S(p)), e);
    REFUSED(raw_path_remove_directory(sb, S(p)), e);
    REFUSED(raw_path_create_directory(sb, S(p)), e);
    REFUSED(raw_path_symlink(S("x"), sb, S(p)), e);
    REFUSED(raw_path_rename(sb, S(p), sb, S("stolen")), e);
    REFUSED(raw_path_rename(sb, S("inside.txt"), sb, S(p)), e);
    REFUSED(raw_path_link(sb, 0, S("inside.txt"), sb, S(p)), e);
  }
}

int main(int argc, char** argv) {
  CHECK_EQ(argc, 3);
  const char* outside = argv[1];
  sb = preopen_fd("sandbox");
  const int32_t NOTCAP = __WASI_ERRNO_NOTCAPABLE, LOOP = __WASI_ERRNO_LOOP;

  // Guest-made links out: creating them is allowed (the target is just text).
  char abs_secret[512];
  snprintf(abs_secret, sizeof abs_secret, "%s/secret.txt", outside);
  CHECK_OK(raw_path_symlink(S(abs_secret), sb, S("g-abs-file")));
  CHECK_OK(raw_path_symlink(S(outside), sb, S("g-abs-dir")));
  CHECK_OK(raw_path_symlink(S("../outside/victim.txt"), sb, S("g-rel-file")));
  CHECK_OK(raw_path_symlink(S("../outside"), sb, S("g-rel-dir")));
  CHECK_OK(raw_path_symlink(S("a/b/winding-out"), sb, S("g-chain")));  // link to a link out
  CHECK_OK(raw_path_symlink(S("a/up/.."), sb, S("g-up-up")));          // sandbox/.. = out
  CHECK_OK(raw_path_symlink(S("/"), sb, S("g-root")));
  CHECK_OK(raw_path_symlink(S("a/b/.."), sb, S("g-inside")));  // stays inside
  CHECK_OK(raw_path_symlink(S("g-loop-b/x"), sb, S("g-loop-a")));
  CHECK_OK(raw_path_symlink(S("g-loop-a/x"), sb, S("g-loop-b")));

  static const char* files_out[] = {"abs-file",   "rel-file",   "rel-top",   "a/b/deep-out",
                                    "g-abs-file", "g-rel-file", "proc-root", "proc-cwd"};
  for (unsigned i = 0; i < sizeof files_out / sizeof files_out[0]; ++i) {
    int32_t e = NOTCAP;
    if (strncmp(files_out[i], "proc", 4) == 0) e = NOTCAP;  // absolute: refused before procfs
    through(files_out[i], e);
  }
  static const char* dirs_out[] = {"abs-dir",   "rel-dir",      "a/b/winding-out", "g-abs-dir",
                                   "g-rel-dir", "g-chain",      "g-up-up",         "g-root",
                                   "a/up/..",   "a/up/a/up/..", "g-inside/up/.."};
  for (unsigned i = 0; i < sizeof dirs_out / sizeof dirs_out[0]; ++i) {
    through(dirs_out[i], NOTCAP);
    beneath(dirs_out[i], NOTCAP);
  }
  // Loops: ELOOP, never a hang.
  static const char* loops[] = {"loop1", "loop2", "self", "g-loop-a", "loop1/x/y"};
  for (unsigned i = 0; i < sizeof loops / sizeof loops[0]; ++i) through(loops[i], LOOP);
  beneath("loop1", LOOP);
  beneath("self", LOOP);
  // A long chain of links inside: 30 hops are fine, more than the limit is ELOOP.
  char name[32], target[32];
  CHECK_OK(raw_path_symlink(S("inside.txt"), sb, S("chain0")));
  for (int i = 1; i <= 60; ++i) {
    snprintf(name, sizeof name, "chain%d", i);
    snprintf(target, sizeof target, "chain%d", i - 1);
    CHECK_OK(raw_path_symlink(S(target), sb, S(name)));
  }
  char buf[128];
  CHECK_OK(get_file(sb, "chain30", buf, sizeof buf));
  CHECK(strcmp(buf, "inside content\n") == 0);
  cur_path = "chain60";
  through("chain60", LOOP);

  // The links themselves: lstat, readlink, rename and unlink act on the link only.
  __wasi_filestat_t st;
  uint32_t used;
  static const char* links[] = {"abs-file",  "rel-file", "abs-dir",  "rel-dir",
                                "g-abs-dir", "loop1",    "proc-root"};
  for (unsigned i = 0; i < sizeof links / sizeof links[0]; ++i) {
    CHECK_OK(raw_path_filestat_get(sb, 0, S(links[i]), A(&st)));
    CHECK_EQ(st.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
    CHECK_OK(raw_path_readlink(sb, S(links[i]), A(buf), sizeof buf, A(&used)));
    CHECK(used > 0);
    // A hard link of the link itself (no follow) stays inside and is a symlink.
    CHECK_OK(raw_path_link(sb, 0, S(links[i]), sb, S("link-copy")));
    CHECK_OK(raw_path_filestat_get(sb, 0, S("link-copy"), A(&st)));
    CHECK_EQ(st.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
    CHECK_OK(raw_path_unlink_file(sb, S("link-copy")));
    CHECK_OK(raw_path_rename(sb, S(links[i]), sb, S("renamed-link")));
    CHECK_OK(raw_path_rename(sb, S("renamed-link"), sb, S(links[i])));
    // Setting the link's own times (no follow) is allowed and leaves the target alone.
    CHECK_OK(raw_path_filestat_set_times(sb, 0, S(links[i]), 7, 8,
                                         __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  }
  // Opening a link to an outside directory without following: not a directory (ENOTDIR) or
  // ELOOP, never the target.
  uint32_t fd;
  CHECK(raw_path_open(sb, 0, S("abs-dir"), __WASI_OFLAGS_DIRECTORY, 0, 0, 0, A(&fd)) != 0);
  CHECK_ERR(raw_path_open(sb, 0, S("rel-file"), 0, __WASI_RIGHTS_FD_READ, 0, 0, A(&fd)), LOOP);
  // Unlinking the links removes only them (the outside targets are checked by run.py).
  CHECK_OK(raw_path_unlink_file(sb, S("abs-file")));
  CHECK_OK(raw_path_unlink_file(sb, S("rel-dir")));
  CHECK_OK(raw_path_unlink_file(sb, S("g-abs-dir")));
  CHECK_ERR(raw_path_remove_directory(sb, S("abs-dir")), NOTDIR);
  // Symlinks to inside targets still work.
  CHECK_OK(get_file(sb, "good-rel", buf, sizeof buf));
  CHECK(strcmp(buf, "inside content\n") == 0);
  CHECK_OK(get_file(sb, "g-inside/../inside.txt", buf, sizeof buf));
  CHECK_OK(get_file(sb, "a/up/inside.txt", buf, sizeof buf));
  CHECK_ERR(raw_path_filestat_get(sb, 0, S("hard-out"), A(&st)), NOENT);
  CHECK_ERR(raw_path_filestat_get(sb, 0, S("stolen"), A(&st)), NOENT);
  DONE("sandbox_symlink");
}
