// wasi/host/sys/linux/clock.cc: WASI clocks through clock_gettime/clock_getres.
#include <time.h>

#include "wasi/host/clock.h"

namespace kiln::wasi::host {
namespace {

clockid_t host_clock(ClockId id) {
  switch (id) {
    case ClockId::kRealtime: return CLOCK_REALTIME;
    case ClockId::kMonotonic: return CLOCK_MONOTONIC;
    case ClockId::kProcessCputime: return CLOCK_PROCESS_CPUTIME_ID;
    case ClockId::kThreadCputime: return CLOCK_THREAD_CPUTIME_ID;
  }
  return CLOCK_MONOTONIC;
}

uint64_t to_ns(const struct timespec& ts) {
  if (ts.tv_sec < 0) return 0;
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

Result<ClockId> clock_id_from_raw(uint32_t raw) {
  if (raw > static_cast<uint32_t>(ClockId::kThreadCputime)) return Errno::kInval;
  return static_cast<ClockId>(raw);
}

Result<uint64_t> clock_resolution(ClockId id) {
  KILN_WASI_TRY(clock_id_from_raw(static_cast<uint32_t>(id)));
  struct timespec ts;
  if (::clock_getres(host_clock(id), &ts) != 0) return last_errno();
  uint64_t ns = to_ns(ts);
  return ns == 0 ? uint64_t{1} : ns;
}

Result<uint64_t> clock_time(ClockId id) {
  KILN_WASI_TRY(clock_id_from_raw(static_cast<uint32_t>(id)));
  struct timespec ts;
  if (::clock_gettime(host_clock(id), &ts) != 0) return last_errno();
  return to_ns(ts);
}

}  // namespace kiln::wasi::host
