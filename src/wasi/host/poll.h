// wasi/host/poll.h: poll_oneoff's engine: wait until handles are ready or clocks expire.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "wasi/host/errno.h"
#include "wasi/host/handle.h"

namespace kiln::wasi::host {

enum class EventType : uint8_t { kClock, kFdRead, kFdWrite };

struct Subscription {
  uint64_t userdata = 0;
  EventType type = EventType::kClock;
  // kClock: fires when `clock` reaches `timeout` (absolute) or now + `timeout` (relative).
  // Only realtime and monotonic can be waited on; others give an event with kInval.
  ClockId clock = ClockId::kMonotonic;
  uint64_t timeout = 0;
  uint64_t precision = 0;  // allowed slack; the host may fire up to this late
  bool absolute = false;
  // kFdRead / kFdWrite: the handle, nullptr when the guest's number named nothing (the event
  // then carries kBadf). Needs kPollFdReadwrite plus kFdRead / kFdWrite.
  Handle* handle = nullptr;
};

struct Event {
  uint64_t userdata = 0;
  Errno error = Errno::kSuccess;
  EventType type = EventType::kClock;
  uint64_t nbytes = 0;  // fd events: bytes ready when known
  bool hangup = false;  // fd events: the peer closed
};

// Blocks until at least one subscription has an event (or an error to report) and returns
// every event ready at that point, in subscription order. kInval for an empty list.
Result<std::vector<Event>> poll(std::span<const Subscription> subs);

}  // namespace kiln::wasi::host
