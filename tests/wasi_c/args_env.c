// args_env: args_get / args_sizes_get / environ_get / environ_sizes_get, checked against what
// run.py passed (argv[0] from --argv0, arguments with spaces, empty and non-ASCII strings; an
// environment set with --env NAME=VAL, --env NAME= and --env NAME inheriting the host's value),
// and their failures on bad output pointers.
#include "wasi_test.h"

static const char* kArgs[] = {"args-env-argv0", "alpha", "two words", "", "h\xc3\xa9llo"};
static const char* kEnv[] = {"KILN_A=1", "KILN_EMPTY=", "KILN_INHERITED=from-host", "KILN_EQ=a=b"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void check_list(int32_t (*sizes)(P, P), int32_t (*get)(P, P), const char** want,
                       uint32_t want_n) {
  uint32_t n = 0xdead, size = 0xdead;
  CHECK_OK(sizes(A(&n), A(&size)));
  CHECK_EQ(n, want_n);
  uint32_t want_size = 0;
  for (uint32_t i = 0; i < want_n; ++i) want_size += strlen(want[i]) + 1;
  CHECK_EQ(size, want_size);

  // The buffer is exactly `size` bytes, surrounded by guard bytes that must stay intact.
  static char area[512];
  static uint32_t ptrs[16 + 2];
  memset(area, 0x5a, sizeof area);
  memset(ptrs, 0x5a, sizeof ptrs);
  char* buf = area + 16;
  CHECK_OK(get(A(&ptrs[1]), A(buf)));
  for (uint32_t i = 0; i < want_n; ++i) {
    const char* s = (const char*)(uintptr_t)ptrs[1 + i];
    CHECK(s >= buf && s < buf + size);
    CHECK(strcmp(s, want[i]) == 0);
  }
  CHECK_EQ(ptrs[0], 0x5a5a5a5a);
  CHECK_EQ(ptrs[1 + want_n], 0x5a5a5a5a);
  CHECK_EQ((unsigned char)area[15], 0x5a);
  CHECK_EQ((unsigned char)buf[size], 0x5a);
  CHECK_EQ(buf[size - 1], 0);

  // Bad pointers: EFAULT, nothing written through the good one.
  uint32_t end = mem_end();
  CHECK_ERR(sizes(end, A(&size)), FAULT);
  CHECK_ERR(sizes(A(&n), end - 2), FAULT);
  CHECK_ERR(sizes(0xfffffffc, A(&size)), FAULT);
  CHECK_ERR(get(end - 4, A(buf)), FAULT);              // pointer array past the end
  CHECK_ERR(get(A(&ptrs[1]), end - size + 1), FAULT);  // strings straddle the end
  CHECK_ERR(get(A(&ptrs[1]), 0xffffffff), FAULT);
  // Unaligned output pointers are fine in linear memory.
  static char odd[4 * 16 + 9];
  CHECK_OK(sizes(A(odd + 1), A(odd + 7)));
  uint32_t v;
  memcpy(&v, odd + 1, 4);
  CHECK_EQ(v, want_n);
  memcpy(&v, odd + 7, 4);
  CHECK_EQ(v, want_size);
  CHECK_OK(get(A(odd + 13), A(buf)));
  memcpy(&v, odd + 13, 4);
  CHECK(strcmp((const char*)(uintptr_t)v, want[0]) == 0);
}

int main(int argc, char** argv) {
  // wasi-libc's view first.
  CHECK_EQ(argc, COUNT(kArgs));
  for (int i = 0; i < argc; ++i) CHECK(strcmp(argv[i], kArgs[i]) == 0);
  CHECK(getenv("KILN_A") && strcmp(getenv("KILN_A"), "1") == 0);
  CHECK(getenv("KILN_UNSET_ON_HOST") == NULL);              // --env NAME of an unset host variable
  CHECK(getenv("HOME") == NULL && getenv("PATH") == NULL);  // nothing inherited implicitly

  check_list(raw_args_sizes_get, raw_args_get, kArgs, COUNT(kArgs));
  check_list(raw_environ_sizes_get, raw_environ_get, kEnv, COUNT(kEnv));
  DONE("args_env");
}
