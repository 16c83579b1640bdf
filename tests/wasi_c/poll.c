// poll: poll_oneoff with relative and absolute clock subscriptions (each waits at least its
// timeout), fd_read / fd_write readiness of files, stdin (run.py feeds "poll-input") and
// stdout, several subscriptions at once (every ready one reported, with its userdata), a bad fd
// (an event carrying EBADF), and the call's own errors.
#include "wasi_test.h"

static uint64_t mono(void) {
  uint64_t t;
  CHECK_OK(raw_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, A(&t)));
  return t;
}

static __wasi_subscription_t clock_sub(uint64_t ud, uint32_t id, uint64_t timeout, int abs) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = ud;
  s.u.tag = __WASI_EVENTTYPE_CLOCK;
  s.u.u.clock.id = id;
  s.u.u.clock.timeout = timeout;
  s.u.u.clock.flags = abs ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0;
  return s;
}

static __wasi_subscription_t fd_sub(uint64_t ud, uint8_t type, uint32_t fd) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = ud;
  s.u.tag = type;
  s.u.u.fd_read.file_descriptor = fd;
  return s;
}

int main(void) {
  uint32_t sb = preopen_fd("sandbox");
  __wasi_subscription_t subs[8];
  __wasi_event_t ev[8];
  uint32_t n;

  // Relative clock: waits at least the timeout.
  subs[0] = clock_sub(42, __WASI_CLOCKID_MONOTONIC, 20000000, 0);
  uint64_t t0 = mono();
  CHECK_OK(raw_poll_oneoff(A(subs), A(ev), 1, A(&n)));
  CHECK(mono() - t0 >= 20000000);
  CHECK_EQ(n, 1);
  CHECK_EQ(ev[0].userdata, 42);
  CHECK_EQ(ev[0].error, 0);
  CHECK_EQ(ev[0].type, __WASI_EVENTTYPE_CLOCK);
  // Absolute monotonic: until the given time; one in the past fires at once.
  t0 = mono();
  subs[0] = clock_sub(1, __WASI_CLOCKID_MONOTONIC, t0 + 15000000, 1);
  CHECK_OK(raw_poll_oneoff(A(subs), A(ev), 1, A(&n)));
  CHECK(mono() >= t0 + 15000000);
  subs[0] = clock_sub(2, __WASI_CLOCKID_MONOTONIC, 1, 1);
  CHECK_OK(raw_poll_oneoff(A(subs), A(ev), 1, A(&n)));
  CHECK_EQ(n, 1);
  CHECK_EQ(ev[0].userdata, 2);
  // Absolute realtime.
  uint64_t rt;
  CHECK_OK(raw_clock_time_get(__WASI_CLOCKID_REALTIME, 0, A(&rt)));
  subs[0] = clock_sub(3, __WASI_CLOCKID_REALTIME, rt + 10000000, 1);
  t0 = mono();
  CHECK_OK(raw_poll_oneoff(A(subs), A(ev), 1, A(&n)));
  CHECK(mono() - t0 >= 5000000);
  CHECK_EQ(ev[0].userdata, 3);
  // Two clocks: only the earlier fires.
  subs[0] = clock_sub(10, __WASI_CLOCKID_MONOTONIC, 2000000000ull, 0);
  subs[1] = clock_sub(11, __WASI_CLOCKID_MONOTONIC, 5000000, 0);
  t0 = mono();
  CHECK_OK(raw_poll_oneoff(A(subs), A(ev), 2, A(&n)));
  CHECK(mono() - t0 < 1000000000ull);
  CHECK_EQ(n, 1);
  CHECK_EQ(ev[0].userdata, 11);
  // Zero timeout: immediate.
  subs[0] = clock_sub(12, __WASI_CLOCKID_MONOTONIC, 0, 0);
  CHECK_OK(raw_poll_oneoff(A(subs), A(ev), 1, A(&n)));
  CHECK_EQ(n, 1);

  // Files are always ready; fd_read reports the bytes left.
  uint32_t f;
  put_file(sb, "p.txt", "0123456789");
  CHECK_OK(open_at(sb, "p.txt", 0, 0, 0, &f));
  uint64_t pos;
  CHECK_OK(raw_fd_seek(f, 4, __WASI_WHENCE_SET, A(&pos)));
  subs[0] = fd_sub(20, __WASI_EVENTTYPE_FD_READ, f);
  subs[1] = fd_sub(21, __WASI_EVENTTYPE_FD_WRITE, f);
  subs[2] = clock_sub(22, __WASI_CLOCKID_MONOTONIC, 5000000000ull, 0);
  t0 = mono();
  CHECK_OK(raw_poll_oneoff(A(subs), A(ev), 3, A(&n)));
  CHECK(mono() - t0 < 2000000000ull);  // did not wait for the clock
  CHECK_EQ(n, 2);
  int seen_r = 0, seen_w = 0;
  for (uint32_t i = 0; i < n; ++i) {
    CHECK_EQ(ev[i].error, 0);
    if (ev[i].userdata == 20) {
      seen_r = 1;
      CHECK_EQ(ev[i].type, __WASI_EVENTTYPE_FD_READ);
      CHECK_EQ(ev[i].fd_readwrite.nbytes, 6);
    } else if (ev[i].userdata == 21) {
      seen_w = 1;
      CHECK_EQ(ev[i].type, __WASI_EVENTTYPE_FD_WRITE);
    }
  }
  CHECK(seen_r && seen_w);

  // stdin has data (run.py's pipe), stdout is writable.
  subs[0] = fd_sub(30, __WASI_EVENTTYPE_FD_READ, 0);
  subs[1] = fd_sub(31, __WASI_EVENTTYPE_FD_WRITE, 1);
  CHECK_OK(raw_poll_oneoff(A(subs), A(ev), 2, A(&n)));
  CHECK(n >= 1);
  for (uint32_t i = 0; i < n; ++i) {
    CHECK_EQ(ev[i].error, 0);
    CHECK(ev[i].userdata == 30 || ev[i].userdata == 31);
  }
  subs[0] = fd_sub(30, __WASI_EVENTTYPE_FD_READ, 0);
  CHECK_OK(raw_poll_oneoff(A(subs), A(ev), 1, A(&n)));
  CHECK_EQ(n, 1);
  char buf[32];
  uint32_t got;
  CHECK_OK(read_some(0, buf, sizeof buf, &got));
  CHECK_EQ(got, 10);
  CHECK_MEM(buf, "poll-input", 10);
  // At end of input stdin is readable again (EOF), possibly with hangup.
  CHECK_OK(raw_poll_oneoff(A(subs), A(ev), 1, A(&n)));
  CHECK_EQ(n, 1);
  CHECK_EQ(ev[0].fd_readwrite.nbytes, 0);

  // A closed fd: an event with EBADF, not a call failure.
  subs[0] = fd_sub(40, __WASI_EVENTTYPE_FD_READ, 77);
  CHECK_OK(raw_poll_oneoff(A(subs), A(ev), 1, A(&n)));
  CHECK_EQ(n, 1);
  CHECK_EQ(ev[0].userdata, 40);
  CHECK_EQ(ev[0].error, __WASI_ERRNO_BADF);
  // A handle without the poll right: ENOTCAPABLE in the event (or ready; never a crash).
  uint32_t g;
  CHECK_OK(raw_path_open(sb, 0, S("p.txt"), 0, __WASI_RIGHTS_FD_READ, 0, 0, A(&g)));
  subs[0] = fd_sub(41, __WASI_EVENTTYPE_FD_READ, g);
  CHECK_OK(raw_poll_oneoff(A(subs), A(ev), 1, A(&n)));
  CHECK_EQ(n, 1);
  CHECK_EQ(ev[0].error, __WASI_ERRNO_NOTCAPABLE);

  // Call errors: no subscriptions, unknown tags / clocks / flags, bad pointers.
  CHECK_ERR(raw_poll_oneoff(A(subs), A(ev), 0, A(&n)), INVAL);
  subs[0] = clock_sub(50, 9, 0, 0);
  CHECK_ERR(raw_poll_oneoff(A(subs), A(ev), 1, A(&n)), INVAL);
  subs[0] = clock_sub(51, __WASI_CLOCKID_MONOTONIC, 0, 0);
  subs[0].u.tag = 3;
  CHECK_ERR(raw_poll_oneoff(A(subs), A(ev), 1, A(&n)), INVAL);
  subs[0] = clock_sub(52, __WASI_CLOCKID_MONOTONIC, 0, 0);
  subs[0].u.u.clock.flags = 2;
  CHECK_ERR(raw_poll_oneoff(A(subs), A(ev), 1, A(&n)), INVAL);
  subs[0] = clock_sub(53, __WASI_CLOCKID_MONOTONIC, 0, 0);
  CHECK_ERR(raw_poll_oneoff(mem_end() - 40, A(ev), 1, A(&n)), FAULT);
  CHECK_ERR(raw_poll_oneoff(A(subs), mem_end() - 16, 1, A(&n)), FAULT);
  CHECK_ERR(raw_poll_oneoff(A(subs), A(ev), 1, mem_end()), FAULT);
  CHECK_ERR(raw_poll_oneoff(A(subs), A(ev), 0x10000000, A(&n)), FAULT);
  CHECK_ERR(raw_poll_oneoff(A(subs), A(ev), 0xffffffff, A(&n)), FAULT);
  DONE("poll");
}
