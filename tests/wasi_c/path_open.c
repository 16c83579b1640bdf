// path_open: every oflag (creat, directory, excl, trunc and their combinations), every fdflag
// (append, dsync, nonblock, rsync, sync: reported back by fdstat), lookup flags on symlinks,
// requested rights (narrowed, reported), and the errnos of each refusal.
#include "wasi_test.h"

#define O(x) __WASI_OFLAGS_##x
#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW

int main(void) {
  uint32_t sb = preopen_fd("sandbox");
  uint32_t fd, n;
  char buf[64];
  __wasi_fdstat_t st;
  __wasi_filestat_t fs;

  // creat: makes the file; without it, ENOENT.
  CHECK_ERR(open_at(sb, "f.txt", 0, 0, 0, &fd), NOENT);
  CHECK_OK(open_at(sb, "f.txt", 0, O(CREAT), 0, &fd));
  CHECK_OK(write_all(fd, "0123456789", 10, &n));
  CHECK_OK(raw_fd_close(fd));
  // creat on an existing file keeps its content; creat|excl fails with EEXIST.
  CHECK_OK(open_at(sb, "f.txt", 0, O(CREAT), 0, &fd));
  CHECK_OK(raw_fd_filestat_get(fd, A(&fs)));
  CHECK_EQ(fs.size, 10);
  CHECK_OK(raw_fd_close(fd));
  CHECK_ERR(open_at(sb, "f.txt", 0, O(CREAT) | O(EXCL), 0, &fd), EXIST);
  CHECK_ERR(open_at(sb, "inside.txt", 0, O(CREAT) | O(EXCL), 0, &fd), EXIST);
  // excl without creat is ignored (as O_EXCL without O_CREAT).
  CHECK_OK(open_at(sb, "f.txt", 0, O(EXCL), 0, &fd));
  CHECK_OK(raw_fd_close(fd));
  // trunc empties; creat|excl|trunc on a new file works.
  CHECK_OK(open_at(sb, "f.txt", 0, O(TRUNC), 0, &fd));
  CHECK_OK(raw_fd_filestat_get(fd, A(&fs)));
  CHECK_EQ(fs.size, 0);
  CHECK_OK(raw_fd_close(fd));
  CHECK_OK(open_at(sb, "g.txt", 0, O(CREAT) | O(EXCL) | O(TRUNC), 0, &fd));
  CHECK_OK(raw_fd_close(fd));
  // creat|excl on a dangling symlink: EEXIST, and the link target is not created.
  CHECK_OK(raw_path_symlink(S("created-through-link"), sb, S("dangling")));
  CHECK_ERR(open_at(sb, "dangling", FOLLOW, O(CREAT) | O(EXCL), 0, &fd), EXIST);
  CHECK_ERR(raw_path_filestat_get(sb, 0, S("created-through-link"), A(&fs)), NOENT);

  // directory: opens directories only.
  CHECK_OK(raw_path_create_directory(sb, S("d")));
  CHECK_OK(open_at(sb, "d", 0, O(DIRECTORY), 0, &fd));
  CHECK_OK(raw_fd_fdstat_get(fd, A(&st)));
  CHECK_EQ(st.fs_filetype, __WASI_FILETYPE_DIRECTORY);
  CHECK_OK(raw_fd_close(fd));
  CHECK_ERR(open_at(sb, "f.txt", 0, O(DIRECTORY), 0, &fd), NOTDIR);
  CHECK_ERR(open_at(sb, "nothing", 0, O(DIRECTORY), 0, &fd), NOENT);
  CHECK(open_at(sb, "d2", 0, O(DIRECTORY) | O(CREAT), 0, &fd) != 0);
  CHECK_ERR(raw_path_filestat_get(sb, 0, S("d2"), A(&fs)), NOENT);
  CHECK(open_at(sb, "d", 0, O(DIRECTORY) | O(TRUNC), 0, &fd) != 0);
  // A directory opened without O(DIRECTORY) is still a directory handle.
  CHECK_OK(raw_path_open(sb, 0, S("d"), 0, __WASI_RIGHTS_FD_READDIR, 0, 0, A(&fd)));
  CHECK_OK(raw_fd_fdstat_get(fd, A(&st)));
  CHECK_EQ(st.fs_filetype, __WASI_FILETYPE_DIRECTORY);
  CHECK_OK(raw_fd_close(fd));
  // Opening a directory for writing: EISDIR.
  CHECK_ERR(raw_path_open(sb, 0, S("d"), 0, __WASI_RIGHTS_FD_WRITE, 0, 0, A(&fd)), ISDIR);
  // Trailing slash on a file: ENOTDIR; "." and "d/." are the directories.
  CHECK_ERR(open_at(sb, "f.txt/", 0, 0, 0, &fd), NOTDIR);
  CHECK_OK(open_at(sb, "d/.", 0, O(DIRECTORY), 0, &fd));
  CHECK_OK(raw_fd_close(fd));
  CHECK_OK(open_at(sb, "d/../d/./", 0, O(DIRECTORY), 0, &fd));
  CHECK_OK(raw_fd_close(fd));
  CHECK_ERR(open_at(sb, "", 0, 0, 0, &fd), NOENT);
  // Unknown oflags / fdflags bits.
  CHECK_ERR(open_at(sb, "f.txt", 0, 0x10, 0, &fd), INVAL);
  CHECK_ERR(open_at(sb, "f.txt", 0, 0x10000, 0, &fd), INVAL);
  CHECK_ERR(open_at(sb, "f.txt", 0, 0, 0x20, &fd), INVAL);
  CHECK_ERR(open_at(sb, "f.txt", 0x4, 0, 0, &fd), INVAL);

  // fdflags: each is reported back by fdstat, and append appends.
  static const uint32_t flags[] = {
      __WASI_FDFLAGS_APPEND,
      __WASI_FDFLAGS_DSYNC,
      __WASI_FDFLAGS_NONBLOCK,
      __WASI_FDFLAGS_RSYNC,
      __WASI_FDFLAGS_SYNC,
      __WASI_FDFLAGS_APPEND | __WASI_FDFLAGS_SYNC | __WASI_FDFLAGS_NONBLOCK};
  for (unsigned i = 0; i < sizeof flags / sizeof flags[0]; ++i) {
    CHECK_OK(open_at(sb, "flags.txt", 0, O(CREAT) | O(TRUNC), flags[i], &fd));
    CHECK_OK(raw_fd_fdstat_get(fd, A(&st)));
    CHECK_EQ(st.fs_flags, flags[i]);
    CHECK_OK(write_all(fd, "abc", 3, &n));
    uint64_t pos;
    CHECK_OK(raw_fd_seek(fd, 0, __WASI_WHENCE_SET, A(&pos)));
    CHECK_OK(write_all(fd, "XY", 2, &n));
    CHECK_OK(raw_fd_close(fd));
    CHECK_OK(get_file(sb, "flags.txt", buf, sizeof buf));
    CHECK(strcmp(buf, (flags[i] & __WASI_FDFLAGS_APPEND) ? "abcXY" : "XYc") == 0);
  }

  // Rights: exactly what was asked (within the directory's inheriting set).
  uint64_t want = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_FILESTAT_GET;
  CHECK_OK(raw_path_open(sb, 0, S("f.txt"), 0, want, 0, 0, A(&fd)));
  CHECK_OK(raw_fd_fdstat_get(fd, A(&st)));
  CHECK_EQ(st.fs_rights_base, want);
  CHECK_EQ(st.fs_rights_inheriting, 0);
  __wasi_ciovec_t c = {(const uint8_t*)"x", 1};
  CHECK_ERR(raw_fd_write(fd, A(&c), 1, A(&n)), NOTCAPABLE);
  uint64_t pos;
  CHECK_ERR(raw_fd_seek(fd, 0, __WASI_WHENCE_SET, A(&pos)), NOTCAPABLE);
  CHECK_OK(raw_fd_close(fd));
  // Write-only.
  CHECK_OK(raw_path_open(sb, 0, S("f.txt"), 0, __WASI_RIGHTS_FD_WRITE, 0, 0, A(&fd)));
  CHECK_ERR(raw_fd_read(fd, A(&c), 1, A(&n)), NOTCAPABLE);
  CHECK_OK(raw_fd_write(fd, A(&c), 1, A(&n)));
  CHECK_OK(raw_fd_close(fd));
  // A directory opened with reduced inheriting rights passes only those on.
  uint32_t d;
  CHECK_OK(raw_path_open(sb, 0, S("d"), O(DIRECTORY),
                         __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_PATH_CREATE_FILE,
                         __WASI_RIGHTS_FD_READ, 0, A(&d)));
  CHECK_OK(raw_fd_fdstat_get(d, A(&st)));
  CHECK_EQ(st.fs_rights_inheriting, __WASI_RIGHTS_FD_READ);
  CHECK_ERR(raw_path_open(d, 0, S("x"), O(CREAT), __WASI_RIGHTS_FD_WRITE, 0, 0, A(&fd)),
            NOTCAPABLE);
  CHECK_OK(raw_path_open(d, 0, S("x"), O(CREAT), __WASI_RIGHTS_FD_READ, 0, 0, A(&fd)));
  CHECK_OK(raw_fd_close(fd));
  // ... and nothing it lacks itself: no truncation right, no trunc.
  CHECK_ERR(raw_path_open(d, 0, S("x"), O(TRUNC), __WASI_RIGHTS_FD_READ, 0, 0, A(&fd)), NOTCAPABLE);
  CHECK_OK(raw_fd_close(d));

  // Symlinks: without follow, opening one is ELOOP; with follow, its target.
  CHECK_OK(raw_path_symlink(S("f.txt"), sb, S("f.lnk")));
  CHECK_ERR(open_at(sb, "f.lnk", 0, 0, 0, &fd), LOOP);
  CHECK_OK(open_at(sb, "f.lnk", FOLLOW, 0, 0, &fd));
  CHECK_OK(raw_fd_filestat_get(fd, A(&fs)));
  CHECK_EQ(fs.filetype, __WASI_FILETYPE_REGULAR_FILE);
  CHECK_OK(raw_fd_close(fd));
  CHECK_OK(raw_path_symlink(S("d"), sb, S("d.lnk")));
  CHECK_ERR(open_at(sb, "d.lnk", 0, O(DIRECTORY), 0, &fd), NOTDIR);
  CHECK_OK(open_at(sb, "d.lnk", FOLLOW, O(DIRECTORY), 0, &fd));
  CHECK_OK(raw_fd_close(fd));
  // Symlinks in the middle of a path are always followed (within the preopen).
  CHECK_OK(open_at(sb, "d.lnk/x", 0, 0, 0, &fd));
  CHECK_OK(raw_fd_close(fd));
  // creat through a symlink to a missing name inside the preopen creates the target.
  CHECK_OK(raw_path_symlink(S("d/made-via-link"), sb, S("maker")));
  CHECK_OK(open_at(sb, "maker", FOLLOW, O(CREAT), 0, &fd));
  CHECK_OK(raw_fd_close(fd));
  CHECK_OK(raw_path_filestat_get(sb, 0, S("d/made-via-link"), A(&fs)));
  CHECK_OK(get_file(sb, "good-rel", buf, sizeof buf));  // planted by run.py: a/../inside.txt
  CHECK(strcmp(buf, "inside content\n") == 0);
  // Loops: ELOOP.
  CHECK_ERR(open_at(sb, "loop1", FOLLOW, 0, 0, &fd), LOOP);
  CHECK_ERR(open_at(sb, "self", FOLLOW, 0, 0, &fd), LOOP);
  CHECK_ERR(open_at(sb, "loop1/x", 0, 0, 0, &fd), LOOP);
  DONE("path_open");
}
