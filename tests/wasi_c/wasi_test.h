// tests/wasi_c/wasi_test.h: the shared harness of the C WASI tests. CHECK/CHECK_ERR print
// file:line and exit(1) on failure; DONE() prints the summary line run.py expects
// ("<name>: <N> checks passed"). raw_* are the wasi_snapshot_preview1 imports declared with
// plain integer parameters, so tests can pass any pointer, length or flag value the ABI allows
// (wasi-libc's __wasi_* wrappers take typed pointers and measure path strings with strlen).
#pragma once

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static int g_checks = 0;

static void check_fail(const char* file, int line, const char* what, long long got,
                       long long want) {
  // Both streams: a test may have renumbered stdout away when a check fails.
  fprintf(stdout, "FAIL %s:%d: %s (got %lld, want %lld)\n", file, line, what, got, want);
  fflush(stdout);
  fprintf(stderr, "FAIL %s:%d: %s (got %lld, want %lld)\n", file, line, what, got, want);
  exit(1);
}

// CHECK(cond): a plain condition.
#define CHECK(cond)                                           \
  do {                                                        \
    if (!(cond)) check_fail(__FILE__, __LINE__, #cond, 0, 1); \
    ++g_checks;                                               \
  } while (0)
// CHECK_EQ(a, b): integers, both values printed on failure.
#define CHECK_EQ(a, b)                                                                          \
  do {                                                                                          \
    long long check_a_ = (long long)(a), check_b_ = (long long)(b);                             \
    if (check_a_ != check_b_) check_fail(__FILE__, __LINE__, #a " == " #b, check_a_, check_b_); \
    ++g_checks;                                                                                 \
  } while (0)
// CHECK_OK(call): a preview1 call returning errno 0.
#define CHECK_OK(call) CHECK_EQ((call), 0)
// CHECK_ERR(call, E): a preview1 call failing with __WASI_ERRNO_E.
#define CHECK_ERR(call, e) CHECK_EQ((call), __WASI_ERRNO_##e)
// CHECK_MEM(p, q, n): n bytes equal.
#define CHECK_MEM(p, q, n)                                            \
  do {                                                                \
    if (memcmp((p), (q), (n)) != 0)                                   \
      check_fail(__FILE__, __LINE__, "memcmp(" #p ", " #q ")", 1, 0); \
    ++g_checks;                                                       \
  } while (0)

#define DONE(name)                                      \
  do {                                                  \
    printf("%s: %d checks passed\n", (name), g_checks); \
    fflush(stdout);                                     \
    return 0;                                           \
  } while (0)

#define WASI_IMPORT(name) \
  __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

typedef uint32_t P;  // a guest address, any value
WASI_IMPORT(args_get) int32_t raw_args_get(P, P);
WASI_IMPORT(args_sizes_get) int32_t raw_args_sizes_get(P, P);
WASI_IMPORT(environ_get) int32_t raw_environ_get(P, P);
WASI_IMPORT(environ_sizes_get) int32_t raw_environ_sizes_get(P, P);
WASI_IMPORT(clock_res_get) int32_t raw_clock_res_get(uint32_t, P);
WASI_IMPORT(clock_time_get) int32_t raw_clock_time_get(uint32_t, uint64_t, P);
WASI_IMPORT(fd_advise) int32_t raw_fd_advise(uint32_t, uint64_t, uint64_t, uint32_t);
WASI_IMPORT(fd_allocate) int32_t raw_fd_allocate(uint32_t, uint64_t, uint64_t);
WASI_IMPORT(fd_close) int32_t raw_fd_close(uint32_t);
WASI_IMPORT(fd_datasync) int32_t raw_fd_datasync(uint32_t);
WASI_IMPORT(fd_fdstat_get) int32_t raw_fd_fdstat_get(uint32_t, P);
WASI_IMPORT(fd_fdstat_set_flags) int32_t raw_fd_fdstat_set_flags(uint32_t, uint32_t);
WASI_IMPORT(fd_fdstat_set_rights) int32_t raw_fd_fdstat_set_rights(uint32_t, uint64_t, uint64_t);
WASI_IMPORT(fd_filestat_get) int32_t raw_fd_filestat_get(uint32_t, P);
WASI_IMPORT(fd_filestat_set_size) int32_t raw_fd_filestat_set_size(uint32_t, uint64_t);
WASI_IMPORT(fd_filestat_set_times)
int32_t raw_fd_filestat_set_times(uint32_t, uint64_t, uint64_t, uint32_t);
WASI_IMPORT(fd_pread) int32_t raw_fd_pread(uint32_t, P, uint32_t, uint64_t, P);
WASI_IMPORT(fd_prestat_get) int32_t raw_fd_prestat_get(uint32_t, P);
WASI_IMPORT(fd_prestat_dir_name) int32_t raw_fd_prestat_dir_name(uint32_t, P, uint32_t);
WASI_IMPORT(fd_pwrite) int32_t raw_fd_pwrite(uint32_t, P, uint32_t, uint64_t, P);
WASI_IMPORT(fd_read) int32_t raw_fd_read(uint32_t, P, uint32_t, P);
WASI_IMPORT(fd_readdir) int32_t raw_fd_readdir(uint32_t, P, uint32_t, uint64_t, P);
WASI_IMPORT(fd_renumber) int32_t raw_fd_renumber(uint32_t, uint32_t);
WASI_IMPORT(fd_seek) int32_t raw_fd_seek(uint32_t, int64_t, uint32_t, P);
WASI_IMPORT(fd_sync) int32_t raw_fd_sync(uint32_t);
WASI_IMPORT(fd_tell) int32_t raw_fd_tell(uint32_t, P);
WASI_IMPORT(fd_write) int32_t raw_fd_write(uint32_t, P, uint32_t, P);
WASI_IMPORT(path_create_directory) int32_t raw_path_create_directory(uint32_t, P, uint32_t);
WASI_IMPORT(path_filestat_get)
int32_t raw_path_filestat_get(uint32_t, uint32_t, P, uint32_t, P);
WASI_IMPORT(path_filestat_set_times)
int32_t raw_path_filestat_set_times(uint32_t, uint32_t, P, uint32_t, uint64_t, uint64_t, uint32_t);
WASI_IMPORT(path_link)
int32_t raw_path_link(uint32_t, uint32_t, P, uint32_t, uint32_t, P, uint32_t);
WASI_IMPORT(path_open)
int32_t raw_path_open(uint32_t, uint32_t, P, uint32_t, uint32_t, uint64_t, uint64_t, uint32_t, P);
WASI_IMPORT(path_readlink) int32_t raw_path_readlink(uint32_t, P, uint32_t, P, uint32_t, P);
WASI_IMPORT(path_remove_directory) int32_t raw_path_remove_directory(uint32_t, P, uint32_t);
WASI_IMPORT(path_rename) int32_t raw_path_rename(uint32_t, P, uint32_t, uint32_t, P, uint32_t);
WASI_IMPORT(path_symlink) int32_t raw_path_symlink(P, uint32_t, uint32_t, P, uint32_t);
WASI_IMPORT(path_unlink_file) int32_t raw_path_unlink_file(uint32_t, P, uint32_t);
WASI_IMPORT(poll_oneoff) int32_t raw_poll_oneoff(P, P, uint32_t, P);
WASI_IMPORT(proc_exit) _Noreturn void raw_proc_exit(uint32_t);
WASI_IMPORT(proc_raise) int32_t raw_proc_raise(uint32_t);
WASI_IMPORT(sched_yield) int32_t raw_sched_yield(void);
WASI_IMPORT(random_get) int32_t raw_random_get(P, uint32_t);
WASI_IMPORT(sock_accept) int32_t raw_sock_accept(uint32_t, uint32_t, P);
WASI_IMPORT(sock_recv) int32_t raw_sock_recv(uint32_t, P, uint32_t, uint32_t, P, P);
WASI_IMPORT(sock_send) int32_t raw_sock_send(uint32_t, P, uint32_t, uint32_t, P);
WASI_IMPORT(sock_shutdown) int32_t raw_sock_shutdown(uint32_t, uint32_t);

#define A(p) ((P)(uintptr_t)(p))
#define S(str) A(str), (uint32_t)strlen(str)

// The size of linear memory in bytes, and addresses just past it.
static inline uint32_t mem_end(void) {
  return (uint32_t)__builtin_wasm_memory_size(0) * 65536u;
}

// The preopened directory whose guest name is `name` (scans fds from 3 as wasi-libc does).
static inline uint32_t preopen_fd(const char* name) {
  for (uint32_t fd = 3; fd < 64; ++fd) {
    __wasi_prestat_t ps;
    if (__wasi_fd_prestat_get(fd, &ps) != 0) break;
    char buf[256];
    if (ps.u.dir.pr_name_len >= sizeof buf) continue;
    if (__wasi_fd_prestat_dir_name(fd, (uint8_t*)buf, ps.u.dir.pr_name_len) != 0) continue;
    buf[ps.u.dir.pr_name_len] = 0;
    if (strcmp(buf, name) == 0) return fd;
  }
  printf("FAIL: no preopen named '%s'\n", name);
  exit(1);
}

// path_open with every right the directory can pass on (errno; *out on success).
static inline int32_t open_at(uint32_t dir, const char* path, uint32_t lookup, uint32_t oflags,
                              uint32_t fdflags, uint32_t* out) {
  return raw_path_open(dir, lookup, S(path), oflags, (uint64_t)-1, (uint64_t)-1, fdflags, A(out));
}
// Read-only, following symlinks (as wasi-libc's open does).
static inline int32_t open_ro(uint32_t dir, const char* path, uint32_t* out) {
  return raw_path_open(
      dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, S(path), 0,
      __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_FILESTAT_GET, 0, 0, A(out));
}

// Writes / reads a whole buffer through fd_write / fd_read (one iovec).
static inline int32_t write_all(uint32_t fd, const void* data, uint32_t len, uint32_t* n) {
  __wasi_ciovec_t iov = {(const uint8_t*)data, len};
  return raw_fd_write(fd, A(&iov), 1, A(n));
}
static inline int32_t read_some(uint32_t fd, void* data, uint32_t len, uint32_t* n) {
  __wasi_iovec_t iov = {(uint8_t*)data, len};
  return raw_fd_read(fd, A(&iov), 1, A(n));
}

// Creates `path` beneath `dir` with `content` (truncating).
static inline void put_file(uint32_t dir, const char* path, const char* content) {
  uint32_t fd, n;
  CHECK_OK(open_at(dir, path, 0, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0, &fd));
  CHECK_OK(write_all(fd, content, (uint32_t)strlen(content), &n));
  CHECK_EQ(n, strlen(content));
  CHECK_OK(raw_fd_close(fd));
}

// Reads `path` beneath `dir` into buf (NUL-terminated); returns the errno of the open.
static inline int32_t get_file(uint32_t dir, const char* path, char* buf, uint32_t cap) {
  uint32_t fd, n;
  int32_t e = open_ro(dir, path, &fd);
  if (e != 0) return e;
  CHECK_OK(read_some(fd, buf, cap - 1, &n));
  buf[n] = 0;
  CHECK_OK(raw_fd_close(fd));
  return 0;
}
