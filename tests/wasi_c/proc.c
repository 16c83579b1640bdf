// proc: proc_exit (the status reaches the host process; 126 and above trap, as in Wasmtime;
// nothing after it runs), the exit status of main's return, proc_raise (Kiln answers ENOSYS
// for every signal and the guest continues, as Wasmtime does) and sched_yield. The mode is
// argv[1]; run.py runs each and checks the host exit status.
#include "wasi_test.h"

int main(int argc, char** argv) {
  CHECK(argc >= 2);
  if (strcmp(argv[1], "exit") == 0) {
    CHECK_EQ(argc, 3);
    uint32_t code = (uint32_t)strtoul(argv[2], NULL, 10);
    printf("exiting with %u\n", code);
    fflush(stdout);
    raw_proc_exit(code);
    printf("FAIL: proc_exit returned\n");  // unreachable
    return 99;
  }
  if (strcmp(argv[1], "main-return") == 0) {
    return atoi(argv[2]);
  }
  if (strcmp(argv[1], "raise") == 0) {
    for (uint32_t sig = 0; sig <= 30; ++sig) CHECK_ERR(raw_proc_raise(sig), NOSYS);
    CHECK_ERR(raw_proc_raise(1000), NOSYS);
    DONE("proc");
  }
  if (strcmp(argv[1], "yield") == 0) {
    for (int i = 0; i < 1000; ++i) CHECK_OK(raw_sched_yield());
    DONE("proc");
  }
  printf("FAIL: unknown mode %s\n", argv[1]);
  return 1;
}
