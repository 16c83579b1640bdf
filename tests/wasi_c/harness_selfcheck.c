// harness_selfcheck: the negative control of run.py's host-side checks. run.py grants this
// program the whole test world (so what would be an escape elsewhere is legitimate here); it
// reads the outside sentinel and prints it, creates, modifies, hard-links and re-times files
// outside the writable preopens, one of each kind of change. run.py expects its detectors to
// report every one of them, which shows the sandbox tests' "nothing changed outside" verdict
// can fail.
#include "wasi_test.h"

int main(void) {
  uint32_t w = preopen_fd("world");
  char buf[128];
  CHECK_OK(get_file(w, "outside/secret.txt", buf, sizeof buf));
  printf("read: %s", buf);                           // token in the output
  put_file(w, "outside/created.txt", "created");     // a new file
  put_file(w, "outside/victim.txt", "overwritten");  // content + size + mtime
  CHECK_OK(raw_path_link(w, 0, S("outside/secret.txt"), w, S("outside/dir/hl")));  // nlink
  CHECK_OK(raw_path_filestat_set_times(w, 0, S("outside/dir/nested.txt"), 0, 12345,
                                       __WASI_FSTFLAGS_MTIM));                 // mtime only
  CHECK_OK(raw_path_unlink_file(w, S("top-secret.txt")));                      // a deletion
  CHECK_OK(raw_path_rename(w, S("ro/readonly.txt"), w, S("ro/renamed.txt")));  // a rename
  DONE("harness_selfcheck");
}
