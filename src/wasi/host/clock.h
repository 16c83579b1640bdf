// wasi/host/clock.h: the WASI clocks (realtime, monotonic, process and thread CPU time).
#pragma once

#include <cstdint>

#include "wasi/host/errno.h"
#include "wasi/host/types.h"

namespace kiln::wasi::host {

// The clock for a guest-supplied id; kInval for unknown ids.
Result<ClockId> clock_id_from_raw(uint32_t raw);
// clock_res_get, in nanoseconds (never 0).
Result<uint64_t> clock_resolution(ClockId id);
// clock_time_get, in nanoseconds (realtime: since the Unix epoch; others: unspecified epoch).
Result<uint64_t> clock_time(ClockId id);

}  // namespace kiln::wasi::host
