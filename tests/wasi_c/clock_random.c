// clock_random: clock_res_get / clock_time_get on all four clocks (plausible resolutions,
// realtime near the host's epoch time, monotonic never going back, CPU clocks advancing with
// work), invalid clock ids, random_get (bytes vary, lengths 0 and large, bad pointers), and
// sched_yield.
#include "wasi_test.h"

static const uint32_t kClocks[] = {__WASI_CLOCKID_REALTIME, __WASI_CLOCKID_MONOTONIC,
                                   __WASI_CLOCKID_PROCESS_CPUTIME_ID,
                                   __WASI_CLOCKID_THREAD_CPUTIME_ID};

// Not counted as a check of its own (it runs in loops), but still fails loudly.
static uint64_t now(uint32_t id) {
  uint64_t t = 0;
  int32_t e = raw_clock_time_get(id, 1, A(&t));
  if (e != 0) check_fail(__FILE__, __LINE__, "clock_time_get", e, 0);
  return t;
}

static volatile uint64_t sink;

int main(void) {
  for (int i = 0; i < 4; ++i) {
    uint64_t res = 0;
    CHECK_OK(raw_clock_res_get(kClocks[i], A(&res)));
    CHECK(res >= 1 && res <= 1000000000ull);  // between 1 ns and 1 s
    uint64_t t = 0;
    CHECK_OK(raw_clock_time_get(kClocks[i], 0, A(&t)));
    CHECK(t > 0);
    CHECK_ERR(raw_clock_res_get(kClocks[i], mem_end() - 4), FAULT);
    CHECK_ERR(raw_clock_time_get(kClocks[i], 0, mem_end()), FAULT);
    CHECK_ERR(raw_clock_time_get(kClocks[i], 0, 0xfffffff9), FAULT);
    // Unaligned output.
    static char odd[16];
    memset(odd, 0, sizeof odd);
    CHECK_OK(raw_clock_time_get(kClocks[i], 0, A(odd + 3)));
    uint64_t u;
    memcpy(&u, odd + 3, 8);
    CHECK(u >= t);
  }
  // Realtime is the Unix epoch in ns: after 2020-01-01 and before 2200.
  uint64_t rt = now(__WASI_CLOCKID_REALTIME);
  CHECK(rt > 1577836800ull * 1000000000ull);
  CHECK(rt < 7258118400ull * 1000000000ull);

  // Monotonic never goes back, and advances over a poll_oneoff sleep of 2 ms.
  uint64_t prev = now(__WASI_CLOCKID_MONOTONIC);
  for (int i = 0; i < 10000; ++i) {
    uint64_t t = now(__WASI_CLOCKID_MONOTONIC);
    if (t < prev) check_fail(__FILE__, __LINE__, "monotonic clock went back", t, prev);
    prev = t;
  }
  ++g_checks;
  __wasi_subscription_t sub = {0};
  sub.u.tag = __WASI_EVENTTYPE_CLOCK;
  sub.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  sub.u.u.clock.timeout = 2000000;
  __wasi_event_t ev;
  uint32_t nev = 0;
  uint64_t before = now(__WASI_CLOCKID_MONOTONIC);
  CHECK_OK(raw_poll_oneoff(A(&sub), A(&ev), 1, A(&nev)));
  CHECK(now(__WASI_CLOCKID_MONOTONIC) - before >= 2000000);

  // CPU time advances with work (process and thread clocks).
  uint64_t p0 = now(__WASI_CLOCKID_PROCESS_CPUTIME_ID), t0 = now(__WASI_CLOCKID_THREAD_CPUTIME_ID);
  uint64_t x = 1;
  for (uint64_t i = 0; i < 20000000; ++i) x = x * 6364136223846793005ull + i;
  sink = x;
  CHECK(now(__WASI_CLOCKID_PROCESS_CPUTIME_ID) > p0);
  CHECK(now(__WASI_CLOCKID_THREAD_CPUTIME_ID) > t0);

  // Unknown clocks.
  uint64_t t;
  CHECK_ERR(raw_clock_res_get(4, A(&t)), INVAL);
  CHECK_ERR(raw_clock_time_get(4, 0, A(&t)), INVAL);
  CHECK_ERR(raw_clock_time_get(0xffffffff, 0, A(&t)), INVAL);

  // random_get: two 64-byte draws differ and are not all zero; length 0 is fine anywhere in
  // bounds; the guard bytes around a draw stay untouched.
  static uint8_t a[80], b[64];
  memset(a, 0xee, sizeof a);
  memset(b, 0, sizeof b);
  CHECK_OK(raw_random_get(A(a + 8), 64));
  CHECK_OK(raw_random_get(A(b), 64));
  CHECK(memcmp(a + 8, b, 64) != 0);
  int zeros = 0;
  for (int i = 0; i < 64; ++i) zeros += b[i] == 0;
  CHECK(zeros < 16);
  for (int i = 0; i < 8; ++i) CHECK_EQ(a[i], 0xee);
  for (int i = 72; i < 80; ++i) CHECK_EQ(a[i], 0xee);
  CHECK_OK(raw_random_get(A(a), 0));
  CHECK_OK(raw_random_get(mem_end(), 0));  // empty range at the very end
  // Large draw (1 MiB, more than one getrandom call may return).
  uint8_t* big = malloc(1 << 20);
  CHECK(big != NULL);
  memset(big, 0, 1 << 20);
  CHECK_OK(raw_random_get(A(big), 1 << 20));
  int zero_run = 0, max_run = 0;
  for (int i = 0; i < (1 << 20); ++i) {
    zero_run = big[i] == 0 ? zero_run + 1 : 0;
    if (zero_run > max_run) max_run = zero_run;
  }
  CHECK(max_run < 16);  // the tail was filled too
  free(big);
  CHECK_ERR(raw_random_get(mem_end() - 8, 9), FAULT);
  CHECK_ERR(raw_random_get(A(a), 0xffffffff), FAULT);
  CHECK_ERR(raw_random_get(0xfffffff0, 0x20), FAULT);  // wraps around 2^32

  for (int i = 0; i < 100; ++i) CHECK_OK(raw_sched_yield());
  DONE("clock_random");
}
