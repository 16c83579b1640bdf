// path_ops: path_create_directory, path_remove_directory, path_unlink_file, path_rename (files,
// directories, over existing targets, across the two read-write preopens), path_link,
// path_symlink, path_readlink, path_filestat_get (follow / nofollow), path_filestat_set_times,
// with the errnos of each failure (EEXIST, ENOENT, ENOTDIR, EISDIR, ENOTEMPTY, EINVAL, ...).
// run.py checks the resulting tree on the host.
#include "wasi_test.h"

#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW

static uint32_t sb, other;

static __wasi_filestat_t pstat(uint32_t dir, uint32_t flags, const char* path) {
  __wasi_filestat_t st;
  memset(&st, 0, sizeof st);
  CHECK_OK(raw_path_filestat_get(dir, flags, S(path), A(&st)));
  return st;
}

static void dirs(void) {
  CHECK_OK(raw_path_create_directory(sb, S("kept")));
  CHECK_ERR(raw_path_create_directory(sb, S("kept")), EXIST);
  CHECK_OK(raw_path_create_directory(sb, S("kept/sub")));
  CHECK_ERR(raw_path_create_directory(sb, S("missing/sub")), NOENT);
  CHECK_ERR(raw_path_create_directory(sb, S("")), NOENT);
  put_file(sb, "file.txt", "x");
  CHECK_ERR(raw_path_create_directory(sb, S("file.txt")), EXIST);
  CHECK_ERR(raw_path_create_directory(sb, S("file.txt/sub")), NOTDIR);
  __wasi_filestat_t st = pstat(sb, 0, "kept/sub");
  CHECK_EQ(st.filetype, __WASI_FILETYPE_DIRECTORY);

  put_file(sb, "kept/sub/f", "f");
  CHECK_ERR(raw_path_remove_directory(sb, S("kept/sub")), NOTEMPTY);
  CHECK_ERR(raw_path_remove_directory(sb, S("kept/sub/f")), NOTDIR);
  CHECK_ERR(raw_path_unlink_file(sb, S("kept/sub")), ISDIR);
  CHECK_ERR(raw_path_unlink_file(sb, S("kept/nothing")), NOENT);
  CHECK_ERR(raw_path_remove_directory(sb, S("kept/nothing")), NOENT);
  CHECK_OK(raw_path_unlink_file(sb, S("kept/sub/f")));
  CHECK_ERR(raw_path_unlink_file(sb, S("kept/sub/f")), NOENT);
  CHECK_OK(raw_path_remove_directory(sb, S("kept/sub")));
  CHECK_ERR(raw_path_filestat_get(sb, 0, S("kept/sub"), A(&st)), NOENT);
  // "." cannot be removed; a trailing slash on a file is ENOTDIR.
  CHECK(raw_path_remove_directory(sb, S(".")) != 0);
  CHECK_ERR(raw_path_unlink_file(sb, S("file.txt/")), NOTDIR);
  CHECK_OK(raw_path_unlink_file(sb, S("file.txt")));
  // Symlinks are unlinked, never followed; remove_directory on a symlink to a dir fails.
  CHECK_OK(raw_path_symlink(S("kept"), sb, S("kept.lnk")));
  CHECK_ERR(raw_path_remove_directory(sb, S("kept.lnk")), NOTDIR);
  CHECK_OK(raw_path_unlink_file(sb, S("kept.lnk")));
  CHECK_EQ(pstat(sb, 0, "kept").filetype, __WASI_FILETYPE_DIRECTORY);
}

static void rename_ops(void) {
  put_file(sb, "a.txt", "payload");
  CHECK_OK(raw_path_rename(sb, S("a.txt"), sb, S("kept/moved.txt")));
  CHECK_ERR(raw_path_rename(sb, S("a.txt"), sb, S("b.txt")), NOENT);
  char buf[32];
  CHECK_OK(get_file(sb, "kept/moved.txt", buf, sizeof buf));
  CHECK(strcmp(buf, "payload") == 0);
  // Over an existing file: replaced atomically.
  put_file(sb, "x.txt", "new");
  put_file(sb, "y.txt", "old");
  CHECK_OK(raw_path_rename(sb, S("x.txt"), sb, S("y.txt")));
  CHECK_OK(get_file(sb, "y.txt", buf, sizeof buf));
  CHECK(strcmp(buf, "new") == 0);
  CHECK_ERR(get_file(sb, "x.txt", buf, sizeof buf), NOENT);
  // Directories: onto an empty directory works, onto a non-empty one is ENOTEMPTY, onto a file
  // ENOTDIR, a file onto a directory EISDIR, a directory into itself EINVAL.
  CHECK_OK(raw_path_create_directory(sb, S("r1")));
  CHECK_OK(raw_path_create_directory(sb, S("r2")));
  put_file(sb, "r1/inner", "i");
  CHECK_OK(raw_path_rename(sb, S("r1"), sb, S("r2")));
  CHECK_OK(get_file(sb, "r2/inner", buf, sizeof buf));
  CHECK_OK(raw_path_create_directory(sb, S("r3")));
  CHECK_ERR(raw_path_rename(sb, S("r3"), sb, S("r2")), NOTEMPTY);
  CHECK_ERR(raw_path_rename(sb, S("r3"), sb, S("y.txt")), NOTDIR);
  CHECK_ERR(raw_path_rename(sb, S("y.txt"), sb, S("r3")), ISDIR);
  CHECK_ERR(raw_path_rename(sb, S("r2"), sb, S("r2/inside")), INVAL);
  CHECK_OK(raw_path_unlink_file(sb, S("r2/inner")));
  CHECK_OK(raw_path_remove_directory(sb, S("r2")));
  CHECK_OK(raw_path_remove_directory(sb, S("r3")));
  CHECK_OK(raw_path_unlink_file(sb, S("y.txt")));
  // Renaming a symlink moves the link, not its target.
  CHECK_OK(raw_path_symlink(S("kept/moved.txt"), sb, S("l1")));
  CHECK_OK(raw_path_rename(sb, S("l1"), sb, S("l2")));
  CHECK_EQ(pstat(sb, 0, "l2").filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
  CHECK_OK(raw_path_unlink_file(sb, S("l2")));
  // Across the two read-write preopens: both capabilities are held, so this is allowed.
  put_file(sb, "cross.txt", "crossing");
  CHECK_OK(raw_path_rename(sb, S("cross.txt"), other, S("from-sandbox.txt")));
  CHECK_ERR(get_file(sb, "cross.txt", buf, sizeof buf), NOENT);
  CHECK_OK(get_file(other, "from-sandbox.txt", buf, sizeof buf));
  CHECK(strcmp(buf, "crossing") == 0);
  // Bad fds on either side.
  CHECK_ERR(raw_path_rename(sb, S("kept"), 99, S("x")), BADF);
  CHECK_ERR(raw_path_rename(99, S("kept"), sb, S("x")), BADF);
}

static void links(void) {
  // Hard links share the inode; nlink counts them.
  CHECK_OK(raw_path_link(sb, 0, S("kept/moved.txt"), sb, S("hard.txt")));
  __wasi_filestat_t a = pstat(sb, 0, "kept/moved.txt"), b = pstat(sb, 0, "hard.txt");
  CHECK_EQ(a.ino, b.ino);
  CHECK_EQ(a.nlink, 2);
  CHECK_ERR(raw_path_link(sb, 0, S("kept/moved.txt"), sb, S("hard.txt")), EXIST);
  CHECK_ERR(raw_path_link(sb, 0, S("nothing"), sb, S("h2")), NOENT);
  CHECK_ERR(raw_path_link(sb, 0, S("kept"), sb, S("h3")), PERM);  // directories: EPERM
  // A link to a symlink without follow links the symlink itself; with follow, its target.
  CHECK_OK(raw_path_symlink(S("hard.txt"), sb, S("sym")));
  CHECK_OK(raw_path_link(sb, 0, S("sym"), sb, S("sym-hard")));
  CHECK_EQ(pstat(sb, 0, "sym-hard").filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
  CHECK_OK(raw_path_link(sb, FOLLOW, S("sym"), sb, S("target-hard")));
  CHECK_EQ(pstat(sb, 0, "target-hard").filetype, __WASI_FILETYPE_REGULAR_FILE);
  CHECK_EQ(pstat(sb, 0, "target-hard").ino, a.ino);
  CHECK_EQ(pstat(sb, 0, "hard.txt").nlink, 3);
  CHECK_OK(raw_path_unlink_file(sb, S("target-hard")));
  CHECK_OK(raw_path_unlink_file(sb, S("sym-hard")));
  // Across preopens.
  CHECK_OK(raw_path_link(sb, 0, S("hard.txt"), other, S("linked.txt")));
  CHECK_EQ(pstat(other, 0, "linked.txt").ino, a.ino);
  CHECK_OK(raw_path_unlink_file(other, S("linked.txt")));
  CHECK_EQ(pstat(sb, 0, "hard.txt").nlink, 2);
}

static void symlinks(void) {
  char buf[64];
  uint32_t used;
  // path_symlink stores any target text; readlink returns it, truncated to the buffer.
  CHECK_OK(raw_path_symlink(S("/outside/secret.txt"), sb, S("abs.lnk")));
  memset(buf, 0, sizeof buf);
  CHECK_OK(raw_path_readlink(sb, S("abs.lnk"), A(buf), sizeof buf, A(&used)));
  CHECK_EQ(used, 19);
  CHECK_MEM(buf, "/outside/secret.txt", 19);
  memset(buf, '#', sizeof buf);
  CHECK_OK(raw_path_readlink(sb, S("abs.lnk"), A(buf), 4, A(&used)));
  CHECK_EQ(used, 4);
  CHECK_MEM(buf, "/out#", 5);
  CHECK_ERR(raw_path_symlink(S("x"), sb, S("abs.lnk")), EXIST);
  CHECK_ERR(raw_path_symlink(S("x"), sb, S("kept")), EXIST);
  CHECK_ERR(raw_path_symlink(S(""), sb, S("empty.lnk")), NOENT);
  CHECK_ERR(raw_path_symlink(S("x"), sb, S("no/such/dir/l")), NOENT);
  CHECK_ERR(raw_path_readlink(sb, S("kept/moved.txt"), A(buf), sizeof buf, A(&used)), INVAL);
  CHECK_ERR(raw_path_readlink(sb, S("kept"), A(buf), sizeof buf, A(&used)), INVAL);
  CHECK_ERR(raw_path_readlink(sb, S("nothing"), A(buf), sizeof buf, A(&used)), NOENT);
  // Relative symlinks inside the preopen are followed by the *_at calls that follow.
  CHECK_OK(raw_path_symlink(S("kept/moved.txt"), sb, S("rel.lnk")));
  CHECK_OK(raw_path_symlink(S("kept"), sb, S("dir.lnk")));
  CHECK_OK(get_file(sb, "rel.lnk", buf, sizeof buf));
  CHECK(strcmp(buf, "payload") == 0);
  uint32_t fd;
  CHECK_ERR(raw_path_open(sb, 0, S("rel.lnk"), 0, __WASI_RIGHTS_FD_READ, 0, 0, A(&fd)), LOOP);
  CHECK_OK(get_file(sb, "dir.lnk/moved.txt", buf, sizeof buf));  // through a dir symlink
  CHECK(strcmp(buf, "payload") == 0);

  // path_filestat_get: nofollow sees the link, follow its target.
  __wasi_filestat_t l = pstat(sb, 0, "rel.lnk"), t = pstat(sb, FOLLOW, "rel.lnk");
  CHECK_EQ(l.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
  CHECK_EQ(l.size, 14);
  CHECK_EQ(t.filetype, __WASI_FILETYPE_REGULAR_FILE);
  CHECK_EQ(t.size, 7);
  CHECK_EQ(t.ino, pstat(sb, 0, "kept/moved.txt").ino);
  CHECK(l.ino != t.ino);
  // Dangling link: fine without follow, ENOENT with.
  CHECK_OK(raw_path_symlink(S("gone"), sb, S("dangling")));
  __wasi_filestat_t st;
  CHECK_EQ(pstat(sb, 0, "dangling").filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
  CHECK_ERR(raw_path_filestat_get(sb, FOLLOW, S("dangling"), A(&st)), NOENT);
  CHECK_ERR(raw_path_filestat_get(sb, 0, S("nothing"), A(&st)), NOENT);
  CHECK_ERR(raw_path_filestat_get(sb, 0, S("kept/moved.txt/x"), A(&st)), NOTDIR);
  CHECK_ERR(raw_path_filestat_get(sb, 0x2, S("kept"), A(&st)), INVAL);  // unknown lookup flag
  CHECK_OK(raw_path_unlink_file(sb, S("dangling")));
  CHECK_OK(raw_path_unlink_file(sb, S("rel.lnk")));
  CHECK_OK(raw_path_unlink_file(sb, S("dir.lnk")));
  CHECK_OK(raw_path_unlink_file(sb, S("sym")));
}

static void set_times(void) {
  put_file(sb, "t.txt", "t");
  CHECK_OK(raw_path_symlink(S("t.txt"), sb, S("t.lnk")));
  __wasi_filestat_t link_before = pstat(sb, 0, "t.lnk");
  CHECK_OK(raw_path_filestat_set_times(sb, FOLLOW, S("t.lnk"), 111, 222,
                                       __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  __wasi_filestat_t st = pstat(sb, 0, "t.txt");
  CHECK_EQ(st.atim, 111);
  CHECK_EQ(st.mtim, 222);
  CHECK_EQ(pstat(sb, 0, "t.lnk").mtim, link_before.mtim);  // followed: the link is unchanged
  // Without follow, the link's own times change and the target's do not.
  CHECK_OK(raw_path_filestat_set_times(sb, 0, S("t.lnk"), 0, 333, __WASI_FSTFLAGS_MTIM));
  CHECK_EQ(pstat(sb, 0, "t.lnk").mtim, 333);
  CHECK_EQ(pstat(sb, 0, "t.txt").mtim, 222);
  CHECK_OK(raw_path_filestat_set_times(sb, 0, S("t.txt"), 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
  uint64_t now;
  CHECK_OK(raw_clock_time_get(__WASI_CLOCKID_REALTIME, 0, A(&now)));
  st = pstat(sb, 0, "t.txt");
  CHECK(st.mtim + 5000000000ull > now);
  CHECK_EQ(st.atim, 111);
  CHECK_OK(raw_path_filestat_set_times(sb, 0, S("kept"), 5, 6,
                                       __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  CHECK_EQ(pstat(sb, 0, "kept").mtim, 6);
  CHECK_ERR(raw_path_filestat_set_times(sb, 0, S("nothing"), 0, 0, __WASI_FSTFLAGS_MTIM_NOW),
            NOENT);
  CHECK_ERR(raw_path_filestat_set_times(sb, 0, S("t.txt"), 1, 0,
                                        __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW),
            INVAL);
  CHECK_OK(raw_path_unlink_file(sb, S("t.lnk")));
  CHECK_OK(raw_path_unlink_file(sb, S("t.txt")));
}

static void not_dirs(void) {
  // Path calls on a file fd or stdio: ENOTDIR (or EBADF for numbers not open).
  uint32_t f;
  CHECK_OK(open_ro(sb, "hard.txt", &f));
  __wasi_filestat_t st;
  CHECK_ERR(raw_path_filestat_get(f, 0, S("x"), A(&st)), NOTDIR);
  CHECK_ERR(raw_path_create_directory(f, S("x")), NOTDIR);
  CHECK_ERR(raw_path_unlink_file(f, S("x")), NOTDIR);
  CHECK_ERR(raw_path_open(f, 0, S("x"), 0, 0, 0, 0, A(&st)), NOTDIR);
  CHECK_ERR(raw_path_symlink(S("x"), 1, S("y")), NOTDIR);
  CHECK_ERR(raw_path_create_directory(99, S("x")), BADF);
  CHECK_OK(raw_fd_close(f));
}

int main(void) {
  sb = preopen_fd("sandbox");
  other = preopen_fd("other");
  dirs();
  rename_ops();
  links();
  symlinks();
  set_times();
  not_dirs();
  DONE("path_ops");
}
