// sandbox_dotdot: `..` traversal and absolute paths, through every path_* call, from the
// preopen and from a subdirectory handle. Each must fail with ENOTCAPABLE; run.py proves from
// the host that nothing outside the writable preopens was read, created, changed or removed.
// argv[1] is the host's absolute path of world/outside, argv[2] of the world root.
#include "wasi_test.h"

static uint32_t sb;
static const char* cur_path;

// A call that must be refused: on success, whatever it exposed is printed (run.py fails the
// test if a sentinel token shows up) and the check fails.
#define ESCAPE(call)                                                    \
  do {                                                                  \
    int32_t e_ = (call);                                                \
    if (e_ != __WASI_ERRNO_NOTCAPABLE) printf("path '%s': ", cur_path); \
    CHECK_EQ(e_, __WASI_ERRNO_NOTCAPABLE);                              \
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

// Every operation that reads or changes an existing entry.
static void existing(uint32_t dir, const char* p) {
  cur_path = p;
  uint32_t fd = 0xffffffff;
  for (uint32_t lookup = 0; lookup < 2; ++lookup) {
    int32_t e = raw_path_open(dir, lookup, S(p), 0, __WASI_RIGHTS_FD_READ, 0, 0, A(&fd));
    if (e == 0) leak(fd);
    ESCAPE(e);
    ESCAPE(raw_path_open(dir, lookup, S(p), __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, 0, 0,
                         A(&fd)));
    ESCAPE(raw_path_open(dir, lookup, S(p), __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_WRITE, 0, 0,
                         A(&fd)));
    __wasi_filestat_t st;
    e = raw_path_filestat_get(dir, lookup, S(p), A(&st));
    if (e == 0) printf("stat through an escape: size %llu\n", (unsigned long long)st.size);
    ESCAPE(e);
    ESCAPE(raw_path_filestat_set_times(dir, lookup, S(p), 1, 2,
                                       __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    ESCAPE(raw_path_link(dir, lookup, S(p), sb, S("stolen-link")));
  }
  char buf[64];
  uint32_t used;
  ESCAPE(raw_path_readlink(dir, S(p), A(buf), sizeof buf, A(&used)));
  ESCAPE(raw_path_unlink_file(dir, S(p)));
  ESCAPE(raw_path_remove_directory(dir, S(p)));
  ESCAPE(raw_path_rename(dir, S(p), sb, S("stolen")));
  ESCAPE(raw_path_create_directory(dir, S(p)));
  ESCAPE(raw_path_symlink(S("inside.txt"), dir, S(p)));
}

// Every operation that creates an entry at a new name.
static void fresh(uint32_t dir, const char* p) {
  cur_path = p;
  uint32_t fd;
  ESCAPE(raw_path_open(dir, 0, S(p), __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0, A(&fd)));
  ESCAPE(raw_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, S(p),
                       __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, __WASI_RIGHTS_FD_WRITE, 0, 0,
                       A(&fd)));
  ESCAPE(raw_path_create_directory(dir, S(p)));
  ESCAPE(raw_path_symlink(S("inside.txt"), dir, S(p)));
  ESCAPE(raw_path_link(sb, 0, S("inside.txt"), dir, S(p)));
  ESCAPE(raw_path_rename(sb, S("inside.txt"), dir, S(p)));
}

static char* join(const char* a, const char* b) {
  char* s = malloc(strlen(a) + strlen(b) + 2);
  strcpy(s, a);
  strcat(s, "/");
  strcat(s, b);
  return s;
}

int main(int argc, char** argv) {
  CHECK_EQ(argc, 3);
  const char* outside = argv[1];
  const char* root = argv[2];
  sb = preopen_fd("sandbox");

  const char* rel_existing[] = {
      "..",
      "../",
      "../.",
      "../outside",
      "../outside/secret.txt",
      "../outside/victim.txt",
      "../outside/dir",
      "../outside/dir/nested.txt",
      "../outside/link-to-secret",
      "../top-secret.txt",
      "./../top-secret.txt",
      "a/../../top-secret.txt",
      "a/b/../../../outside/victim.txt",
      "a/b/../../a/../../outside",
      "a/./b/./../../..",
      "../sandbox/inside.txt",  // out and back in is still out
      "../sandbox",
      "../ro/readonly.txt",
      "../../../../../../../../etc/passwd",
      "a/b/../../../../../../../../../etc",
      "../outside//secret.txt",
      "..//outside/dir/",
  };
  for (unsigned i = 0; i < sizeof rel_existing / sizeof rel_existing[0]; ++i) {
    existing(sb, rel_existing[i]);
  }
  const char* abs_existing[] = {"/",
                                "/etc/passwd",
                                "/etc",
                                "/proc/self/root",
                                "/tmp",
                                "/sandbox/inside.txt",
                                "/outside/secret.txt",
                                "//etc/passwd",
                                join(outside, "secret.txt"),
                                join(outside, "victim.txt"),
                                join(outside, "dir"),
                                outside,
                                root,
                                join(root, "sandbox/inside.txt"),
                                join(root, "top-secret.txt")};
  for (unsigned i = 0; i < sizeof abs_existing / sizeof abs_existing[0]; ++i) {
    existing(sb, abs_existing[i]);
  }
  const char* fresh_names[] = {"../created.txt",
                               "../outside/created.txt",
                               "../outside/dir/created",
                               "a/../../created",
                               "a/b/../../../outside/created",
                               "../sandbox/created-via-dotdot",
                               "/created",
                               "/tmp/kiln-wasi-escape",
                               join(outside, "created"),
                               join(root, "created"),
                               join(root, "sandbox/created-abs")};
  for (unsigned i = 0; i < sizeof fresh_names / sizeof fresh_names[0]; ++i) {
    fresh(sb, fresh_names[i]);
  }

  // From a subdirectory handle, `..` may not even reach the preopen: a handle is confined to
  // its own directory.
  uint32_t a;
  CHECK_OK(open_at(sb, "a", 0, __WASI_OFLAGS_DIRECTORY, 0, &a));
  const char* from_a[] = {"..", "../inside.txt", "b/../../inside.txt", "../a", "../../outside"};
  for (unsigned i = 0; i < sizeof from_a / sizeof from_a[0]; ++i) existing(a, from_a[i]);
  fresh(a, "../created-from-a");
  char buf[64];
  __wasi_filestat_t st;
  CHECK_OK(raw_path_filestat_get(a, 0, S("b/../b/../b/.."), A(&st)));  // a itself: inside
  CHECK_EQ(st.filetype, __WASI_FILETYPE_DIRECTORY);

  // `..` that stays inside is fine.
  CHECK_OK(get_file(sb, "a/../inside.txt", buf, sizeof buf));
  CHECK(strcmp(buf, "inside content\n") == 0);
  CHECK_OK(get_file(sb, "a/b/../../a/../inside.txt", buf, sizeof buf));
  CHECK_OK(raw_path_create_directory(sb, S("a/b/../made")));
  CHECK_OK(raw_path_filestat_get(sb, 0, S("a/made"), A(&st)));
  CHECK_OK(raw_path_remove_directory(sb, S("a/./made/../made")));
  // The preopen's own content is unchanged by all the refused calls.
  CHECK_OK(get_file(sb, "inside.txt", buf, sizeof buf));
  CHECK(strcmp(buf, "inside content\n") == 0);
  CHECK_ERR(raw_path_filestat_get(sb, 0, S("stolen"), A(&st)), NOENT);
  CHECK_ERR(raw_path_filestat_get(sb, 0, S("stolen-link"), A(&st)), NOENT);
  DONE("sandbox_dotdot");
}
