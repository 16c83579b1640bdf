// sandbox_links: hard links out of (and into) the preopen, and rename / link across preopens:
// between the two read-write preopens (allowed: both are held), into or out of the read-only
// one (refused: a hard link from a read-only preopen into a writable one would let the guest
// modify the read-only file through the new name), and with `..` or links on either side.
// run.py proves from the host that outside/ and ro/ are unchanged (content, mtime, nlink).
#include "wasi_test.h"

#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW
#define NOTCAP __WASI_ERRNO_NOTCAPABLE

int main(int argc, char** argv) {
  (void)argv;
  CHECK_EQ(argc, 3);
  uint32_t sb = preopen_fd("sandbox"), other = preopen_fd("other"), ro = preopen_fd("ro");
  __wasi_filestat_t st;
  char buf[128];
  uint32_t fd, n;

  // Hard links of outside files into the preopen: through `..`, absolute paths, followed links.
  static const struct {
    const char* path;
    int nofollow_out;  // also out without following the final link (`..` or a link before it)
  } outside_files[] = {{"../outside/secret.txt", 1},
                       {"../top-secret.txt", 1},
                       {"a/b/../../../outside/victim.txt", 1},
                       {"abs-file", 0},
                       {"rel-file", 0},
                       {"rel-top", 0},
                       {"a/b/deep-out", 0},
                       {"rel-dir/secret.txt", 1},
                       {"abs-dir/dir/nested.txt", 1},
                       {"a/b/winding-out/link-to-secret", 1}};
  for (unsigned i = 0; i < sizeof outside_files / sizeof outside_files[0]; ++i) {
    const char* p = outside_files[i].path;
    int32_t e = raw_path_link(sb, FOLLOW, S(p), sb, S("hard-in"));
    if (e != NOTCAP) printf("link from '%s': ", p);
    CHECK_EQ(e, NOTCAP);
    e = raw_path_link(sb, 0, S(p), sb, S("hard-in"));
    if (outside_files[i].nofollow_out) {
      if (e != NOTCAP) printf("link (nofollow) from '%s': ", p);
      CHECK_EQ(e, NOTCAP);
    } else {
      // Without follow the final symlink itself is linked: a second name for the link, inside.
      CHECK_OK(e);
      CHECK_OK(raw_path_filestat_get(sb, 0, S("hard-in"), A(&st)));
      CHECK_EQ(st.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
      CHECK_EQ(get_file(sb, "hard-in", buf, sizeof buf), NOTCAP);
      CHECK_OK(raw_path_unlink_file(sb, S("hard-in")));
    }
    CHECK_EQ(raw_path_filestat_get(sb, 0, S("hard-in"), A(&st)), __WASI_ERRNO_NOENT);
  }
  // Hard links of inside files to outside names.
  static const char* outside_names[] = {"../outside/hard-out",      "../hard-out",
                                        "rel-dir/hard-out",         "abs-dir/hard-out",
                                        "a/b/winding-out/hard-out", "../other/hard-out"};
  for (unsigned i = 0; i < sizeof outside_names / sizeof outside_names[0]; ++i) {
    int32_t e = raw_path_link(sb, 0, S("inside.txt"), sb, S(outside_names[i]));
    if (e != NOTCAP) printf("link to '%s': ", outside_names[i]);
    CHECK_EQ(e, NOTCAP);
    if (strncmp(outside_names[i], "..", 2) == 0) {  // the links exist in sandbox only
      CHECK_EQ(raw_path_link(sb, 0, S("inside.txt"), other, S(outside_names[i])), NOTCAP);
    }
  }
  CHECK_OK(raw_path_filestat_get(sb, 0, S("inside.txt"), A(&st)));
  CHECK_EQ(st.nlink, 1);

  // Between the read-write preopens: allowed, and the result is where it was asked to be.
  CHECK_OK(raw_path_link(sb, 0, S("inside.txt"), other, S("shared.txt")));
  CHECK_OK(raw_path_filestat_get(sb, 0, S("inside.txt"), A(&st)));
  CHECK_EQ(st.nlink, 2);
  CHECK_OK(raw_path_rename(other, S("shared.txt"), sb, S("back.txt")));
  CHECK_OK(raw_path_unlink_file(sb, S("back.txt")));
  // ... but not with `..` or links leading out of either side.
  CHECK_EQ(raw_path_rename(sb, S("inside.txt"), other, S("../outside/moved")), NOTCAP);
  CHECK_EQ(raw_path_rename(other, S("../outside/victim.txt"), sb, S("moved")), NOTCAP);
  CHECK_EQ(raw_path_rename(other, S("../sandbox/inside.txt"), other, S("moved")), NOTCAP);
  CHECK_EQ(raw_path_rename(sb, S("rel-dir/victim.txt"), other, S("moved")), NOTCAP);
  CHECK_EQ(raw_path_rename(sb, S("inside.txt"), sb, S("abs-dir/moved")), NOTCAP);
  // A symlink in `other` pointing at the sibling preopen is still a way out of `other`.
  CHECK_OK(raw_path_symlink(S("../sandbox/inside.txt"), other, S("to-sibling")));
  CHECK_EQ(get_file(other, "to-sibling", buf, sizeof buf), NOTCAP);
  CHECK_EQ(raw_path_link(other, FOLLOW, S("to-sibling"), other, S("x")), NOTCAP);
  // A directory moved to the other preopen while a handle to it is open: the handle still
  // cannot climb out.
  uint32_t d;
  CHECK_OK(raw_path_create_directory(sb, S("mover")));
  CHECK_OK(open_at(sb, "mover", 0, __WASI_OFLAGS_DIRECTORY, 0, &d));
  CHECK_OK(raw_path_rename(sb, S("mover"), other, S("moved-dir")));
  CHECK_EQ(get_file(d, "../to-sibling", buf, sizeof buf), NOTCAP);
  CHECK_EQ(raw_path_create_directory(d, S("../escaped")), NOTCAP);
  put_file(d, "made-in-moved", "ok");
  CHECK_OK(get_file(other, "moved-dir/made-in-moved", buf, sizeof buf));
  CHECK_OK(raw_fd_close(d));

  // The read-only preopen: no hard link out of it (the file could then be written through the
  // writable name), no rename out of or into it, no link into it.
  int32_t e = raw_path_link(ro, 0, S("readonly.txt"), sb, S("ro-hard"));
  if (e == 0) {
    // Show the consequence: the read-only file is now writable (run.py sees ro/ changed).
    CHECK_OK(open_at(sb, "ro-hard", 0, __WASI_OFLAGS_TRUNC, 0, &fd));
    CHECK_OK(write_all(fd, "modified through a hard link\n", 29, &n));
    CHECK_OK(raw_fd_close(fd));
  }
  CHECK_EQ(e, NOTCAP);
  CHECK_EQ(raw_path_link(ro, FOLLOW, S("sub/deep.txt"), other, S("ro-hard")), NOTCAP);
  CHECK_EQ(raw_path_link(ro, 0, S("readonly.txt"), ro, S("ro-hard")), NOTCAP);
  CHECK_EQ(raw_path_rename(ro, S("readonly.txt"), sb, S("stolen")), NOTCAP);
  CHECK_EQ(raw_path_rename(ro, S("sub"), sb, S("stolen")), NOTCAP);
  CHECK_EQ(raw_path_rename(sb, S("inside.txt"), ro, S("planted")), NOTCAP);
  CHECK_EQ(raw_path_link(sb, 0, S("inside.txt"), ro, S("planted")), NOTCAP);
  // A directory handle opened beneath ro inherits its limits.
  CHECK_OK(open_at(ro, "sub", 0, __WASI_OFLAGS_DIRECTORY, 0, &d));
  CHECK_EQ(raw_path_link(d, 0, S("deep.txt"), sb, S("ro-hard")), NOTCAP);
  CHECK_EQ(raw_path_rename(d, S("deep.txt"), sb, S("stolen")), NOTCAP);
  CHECK_OK(raw_fd_close(d));
  CHECK_EQ(raw_path_filestat_get(sb, 0, S("ro-hard"), A(&st)), __WASI_ERRNO_NOENT);
  CHECK_EQ(raw_path_filestat_get(sb, 0, S("stolen"), A(&st)), __WASI_ERRNO_NOENT);
  CHECK_OK(get_file(ro, "readonly.txt", buf, sizeof buf));
  CHECK(strcmp(buf, "read-only content\n") == 0);
  DONE("sandbox_links");
}
