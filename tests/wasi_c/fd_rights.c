// fd_rights: fd_fdstat_set_rights can only shrink rights, and each removed right then denies
// its operation with ENOTCAPABLE; a directory's inheriting rights bound what path_open may
// grant; the read-only preopen (--dir ...::ro) refuses every mutation.
#include "wasi_test.h"

#define R(x) __WASI_RIGHTS_##x

static __wasi_fdstat_t fdstat(uint32_t fd) {
  __wasi_fdstat_t st;
  CHECK_OK(raw_fd_fdstat_get(fd, A(&st)));
  return st;
}

int main(void) {
  uint32_t sb = preopen_fd("sandbox");
  uint32_t fd, n;
  put_file(sb, "r.txt", "rights test");
  CHECK_OK(open_at(sb, "r.txt", 0, 0, 0, &fd));
  __wasi_fdstat_t st = fdstat(fd);
  uint64_t all = st.fs_rights_base;
  CHECK(all & R(FD_READ));
  CHECK(all & R(FD_WRITE));
  CHECK(all & R(FD_SEEK));

  // Drop fd_write: reads work, writes are ENOTCAPABLE.
  CHECK_OK(raw_fd_fdstat_set_rights(fd, all & ~R(FD_WRITE), 0));
  st = fdstat(fd);
  CHECK_EQ(st.fs_rights_base, all & ~R(FD_WRITE));
  CHECK_EQ(st.fs_rights_inheriting, 0);
  char buf[32];
  CHECK_OK(read_some(fd, buf, 6, &n));
  CHECK_EQ(n, 6);
  __wasi_ciovec_t c = {(const uint8_t*)"X", 1};
  CHECK_ERR(raw_fd_write(fd, A(&c), 1, A(&n)), NOTCAPABLE);
  CHECK_ERR(raw_fd_pwrite(fd, A(&c), 1, 0, A(&n)), NOTCAPABLE);
  // Growing back is not capable, and leaves the rights as they were.
  CHECK_ERR(raw_fd_fdstat_set_rights(fd, all, 0), NOTCAPABLE);
  CHECK_EQ(fdstat(fd).fs_rights_base, all & ~R(FD_WRITE));
  // Drop each further right in turn and check its operation is denied.
  uint64_t pos;
  CHECK_OK(raw_fd_fdstat_set_rights(fd, all & ~(R(FD_WRITE) | R(FD_SEEK)), 0));
  CHECK_ERR(raw_fd_seek(fd, 1, __WASI_WHENCE_SET, A(&pos)), NOTCAPABLE);
  CHECK_OK(raw_fd_tell(fd, A(&pos)));
  CHECK_EQ(pos, 6);
  CHECK_OK(raw_fd_fdstat_set_rights(fd, fdstat(fd).fs_rights_base & ~R(FD_TELL), 0));
  CHECK_ERR(raw_fd_tell(fd, A(&pos)), NOTCAPABLE);
  CHECK_OK(raw_fd_fdstat_set_rights(fd, fdstat(fd).fs_rights_base & ~R(FD_FILESTAT_GET), 0));
  __wasi_filestat_t fs;
  CHECK_ERR(raw_fd_filestat_get(fd, A(&fs)), NOTCAPABLE);
  CHECK_OK(raw_fd_fdstat_set_rights(fd, fdstat(fd).fs_rights_base & ~R(FD_ADVISE), 0));
  CHECK_ERR(raw_fd_advise(fd, 0, 1, 0), NOTCAPABLE);
  CHECK_OK(raw_fd_fdstat_set_rights(fd, fdstat(fd).fs_rights_base & ~R(FD_ALLOCATE), 0));
  CHECK_ERR(raw_fd_allocate(fd, 0, 100), NOTCAPABLE);
  CHECK_OK(raw_fd_fdstat_set_rights(fd, fdstat(fd).fs_rights_base & ~R(FD_FILESTAT_SET_SIZE), 0));
  CHECK_ERR(raw_fd_filestat_set_size(fd, 0), NOTCAPABLE);
  CHECK_OK(raw_fd_fdstat_set_rights(fd, fdstat(fd).fs_rights_base & ~R(FD_FILESTAT_SET_TIMES), 0));
  CHECK_ERR(raw_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), NOTCAPABLE);
  CHECK_OK(raw_fd_fdstat_set_rights(fd, fdstat(fd).fs_rights_base & ~R(FD_SYNC), 0));
  CHECK_ERR(raw_fd_sync(fd), NOTCAPABLE);
  CHECK_OK(raw_fd_fdstat_set_rights(fd, fdstat(fd).fs_rights_base & ~R(FD_DATASYNC), 0));
  CHECK_ERR(raw_fd_datasync(fd), NOTCAPABLE);
  CHECK_OK(raw_fd_fdstat_set_rights(fd, fdstat(fd).fs_rights_base & ~R(FD_FDSTAT_SET_FLAGS), 0));
  CHECK_ERR(raw_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND), NOTCAPABLE);
  CHECK_OK(raw_fd_fdstat_set_rights(fd, fdstat(fd).fs_rights_base & ~R(FD_READ), 0));
  CHECK_ERR(raw_fd_read(fd, A(&c), 1, A(&n)), NOTCAPABLE);
  CHECK_ERR(raw_fd_pread(fd, A(&c), 1, 0, A(&n)), NOTCAPABLE);
  CHECK_OK(raw_fd_fdstat_set_rights(fd, 0, 0));
  CHECK_EQ(fdstat(fd).fs_rights_base, 0);  // fdstat_get needs no right
  CHECK_OK(raw_fd_close(fd));
  CHECK_OK(get_file(sb, "r.txt", buf, sizeof buf));
  CHECK(strcmp(buf, "rights test") == 0);  // the denied writes wrote nothing

  // A directory handle whose rights were shrunk: its path operations are denied, and what it
  // passes on (inheriting) bounds its children.
  uint32_t d;
  CHECK_OK(raw_path_create_directory(sb, S("d")));
  CHECK_OK(open_at(sb, "d", 0, __WASI_OFLAGS_DIRECTORY, 0, &d));
  st = fdstat(d);
  CHECK(st.fs_rights_base & R(PATH_CREATE_FILE));
  CHECK_OK(raw_fd_fdstat_set_rights(
      d,
      st.fs_rights_base & ~(R(PATH_CREATE_FILE) | R(PATH_CREATE_DIRECTORY) | R(PATH_UNLINK_FILE) |
                            R(PATH_SYMLINK) | R(FD_READDIR)),
      R(FD_READ) | R(FD_SEEK)));
  CHECK_ERR(open_at(d, "new.txt", 0, __WASI_OFLAGS_CREAT, 0, &fd), NOTCAPABLE);
  CHECK_ERR(raw_path_create_directory(d, S("sub")), NOTCAPABLE);
  CHECK_ERR(raw_path_symlink(S("x"), d, S("l")), NOTCAPABLE);
  CHECK_ERR(raw_fd_readdir(d, A(buf), sizeof buf, 0, A(&n)), NOTCAPABLE);
  put_file(sb, "d/existing.txt", "existing");
  CHECK_ERR(raw_path_unlink_file(d, S("existing.txt")), NOTCAPABLE);
  // A child may get at most the inheriting rights: asking for write is refused, reading works.
  CHECK_ERR(raw_path_open(d, 0, S("existing.txt"), 0, R(FD_READ) | R(FD_WRITE), 0, 0, A(&fd)),
            NOTCAPABLE);
  CHECK_OK(raw_path_open(d, 0, S("existing.txt"), 0, R(FD_READ) | R(FD_SEEK), 0, 0, A(&fd)));
  CHECK_EQ(fdstat(fd).fs_rights_base & ~(R(FD_READ) | R(FD_SEEK)), 0);
  CHECK_OK(read_some(fd, buf, sizeof buf, &n));
  CHECK_EQ(n, 8);
  CHECK_OK(raw_fd_close(fd));
  // Asking for "all rights" yields at most the inheriting ones.
  CHECK_OK(raw_path_open(d, 0, S("existing.txt"), 0, R(FD_READ) | R(FD_SEEK) | R(FD_TELL), 0, 0,
                         A(&fd)));
  CHECK_EQ(fdstat(fd).fs_rights_base & R(FD_TELL), 0);
  CHECK_OK(raw_fd_close(fd));
  CHECK_OK(raw_fd_close(d));

  // The read-only preopen: reads work; every mutation is not capable; nothing changes on the
  // host (run.py snapshots ro/).
  uint32_t ro = preopen_fd("ro");
  st = fdstat(ro);
  CHECK_EQ(st.fs_filetype, __WASI_FILETYPE_DIRECTORY);
  CHECK_EQ(st.fs_rights_base &
               (R(PATH_CREATE_FILE) | R(PATH_UNLINK_FILE) | R(PATH_RENAME_SOURCE) |
                R(PATH_SYMLINK) | R(PATH_CREATE_DIRECTORY) | R(PATH_REMOVE_DIRECTORY) |
                R(PATH_LINK_TARGET) | R(PATH_FILESTAT_SET_TIMES) | R(PATH_FILESTAT_SET_SIZE)),
           0);
  CHECK_EQ(st.fs_rights_inheriting & (R(FD_WRITE) | R(FD_ALLOCATE) | R(FD_FILESTAT_SET_SIZE)), 0);
  CHECK_OK(get_file(ro, "readonly.txt", buf, sizeof buf));
  CHECK(strcmp(buf, "read-only content\n") == 0);
  CHECK_ERR(open_at(ro, "new.txt", 0, __WASI_OFLAGS_CREAT, 0, &fd), NOTCAPABLE);
  CHECK_ERR(open_at(ro, "readonly.txt", 0, __WASI_OFLAGS_TRUNC, 0, &fd), NOTCAPABLE);
  CHECK_ERR(raw_path_open(ro, 0, S("readonly.txt"), 0, R(FD_WRITE), 0, 0, A(&fd)), NOTCAPABLE);
  CHECK_ERR(raw_path_unlink_file(ro, S("readonly.txt")), NOTCAPABLE);
  CHECK_ERR(raw_path_remove_directory(ro, S("sub")), NOTCAPABLE);
  CHECK_ERR(raw_path_create_directory(ro, S("newdir")), NOTCAPABLE);
  CHECK_ERR(raw_path_symlink(S("readonly.txt"), ro, S("l")), NOTCAPABLE);
  CHECK_ERR(raw_path_rename(ro, S("readonly.txt"), ro, S("renamed.txt")), NOTCAPABLE);
  CHECK_ERR(raw_path_filestat_set_times(ro, 0, S("readonly.txt"), 0, 0, __WASI_FSTFLAGS_MTIM_NOW),
            NOTCAPABLE);
  CHECK_ERR(raw_path_link(ro, 0, S("readonly.txt"), ro, S("hard.txt")), NOTCAPABLE);
  // Opened read-only: the file handle cannot write, truncate, allocate or set times.
  // Asking for fd_write is refused up front; every other right is narrowed to what ro passes on.
  CHECK_ERR(open_at(ro, "readonly.txt", 0, 0, 0, &fd), NOTCAPABLE);
  CHECK_OK(
      raw_path_open(ro, 0, S("readonly.txt"), 0, ~(uint64_t)R(FD_WRITE), ~(uint64_t)0, 0, A(&fd)));
  CHECK_EQ(fdstat(fd).fs_rights_base & (R(FD_WRITE) | R(FD_ALLOCATE) | R(FD_FILESTAT_SET_SIZE)), 0);
  CHECK(fdstat(fd).fs_rights_base & R(FD_READ));
  CHECK_ERR(raw_fd_write(fd, A(&c), 1, A(&n)), NOTCAPABLE);
  CHECK_ERR(raw_fd_filestat_set_size(fd, 0), NOTCAPABLE);
  CHECK_ERR(raw_fd_allocate(fd, 0, 4096), NOTCAPABLE);
  CHECK_ERR(raw_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), NOTCAPABLE);
  CHECK_ERR(raw_fd_fdstat_set_rights(fd, R(FD_WRITE), 0), NOTCAPABLE);
  CHECK_OK(raw_fd_close(fd));
  // Subdirectories of a read-only preopen are read-only too.
  CHECK_OK(open_at(ro, "sub", 0, __WASI_OFLAGS_DIRECTORY, 0, &d));
  CHECK_ERR(open_at(d, "x", 0, __WASI_OFLAGS_CREAT, 0, &fd), NOTCAPABLE);
  CHECK_ERR(raw_path_unlink_file(d, S("deep.txt")), NOTCAPABLE);
  CHECK_ERR(raw_fd_filestat_set_times(d, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), NOTCAPABLE);
  CHECK_OK(raw_fd_close(d));
  DONE("fd_rights");
}
