// wasi/host/sys/linux/poll.cc: poll() over handles and clocks with ppoll(2); clock deadlines
// are kept on CLOCK_MONOTONIC so a realtime jump cannot stretch a relative wait.
#include <poll.h>
#include <sys/ioctl.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <optional>

#include "wasi/host/clock.h"
#include "wasi/host/poll.h"

namespace kiln::wasi::host {
namespace {

constexpr uint64_t kNsPerSec = 1'000'000'000;

uint64_t now_ns(clockid_t c) {
  struct timespec ts;
  ::clock_gettime(c, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * kNsPerSec + static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t saturating_add(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max()
                                                      : a + b;
}

}  // namespace

Result<std::vector<Event>> poll(std::span<const Subscription> subs) {
  if (subs.empty()) return Errno::kInval;
  std::vector<std::optional<Event>> events(subs.size());
  std::vector<struct pollfd> pfds;
  std::vector<size_t> pfd_sub;
  std::vector<std::pair<size_t, uint64_t>> deadlines;  // subscription, CLOCK_MONOTONIC ns
  bool any_ready = false;

  uint64_t mono = now_ns(CLOCK_MONOTONIC);
  for (size_t i = 0; i < subs.size(); ++i) {
    const Subscription& s = subs[i];
    Event ev;
    ev.userdata = s.userdata;
    ev.type = s.type;
    if (s.type == EventType::kClock) {
      uint64_t deadline;
      if (s.clock == ClockId::kMonotonic) {
        deadline = s.absolute ? s.timeout : saturating_add(mono, s.timeout);
      } else if (s.clock == ClockId::kRealtime) {
        uint64_t real = now_ns(CLOCK_REALTIME);
        uint64_t rel = s.absolute ? (s.timeout > real ? s.timeout - real : 0) : s.timeout;
        deadline = saturating_add(mono, rel);
      } else {
        ev.error = Errno::kInval;  // CPU-time clocks cannot be waited on
        events[i] = ev;
        any_ready = true;
        continue;
      }
      deadlines.emplace_back(i, deadline);
      continue;
    }
    if (!s.handle) {
      ev.error = Errno::kBadf;
      events[i] = ev;
      any_ready = true;
      continue;
    }
    Result<PollTarget> t = s.handle->poll_target(s.type == EventType::kFdWrite);
    if (!t.ok()) {
      ev.error = t.error();
      events[i] = ev;
      any_ready = true;
    } else if (t->fd < 0) {
      ev.nbytes = t->nbytes;
      events[i] = ev;
      any_ready = any_ready || t->ready_now;
      if (!t->ready_now) events[i].reset();
    } else {
      pfds.push_back({t->fd, static_cast<short>(t->want_in ? POLLIN : POLLOUT), 0});
      pfd_sub.push_back(i);
    }
  }

  while (true) {
    mono = now_ns(CLOCK_MONOTONIC);
    bool clock_due = std::any_of(deadlines.begin(), deadlines.end(),
                                 [&](const auto& d) { return d.second <= mono; });
    struct timespec wait{};
    struct timespec* wait_ptr = &wait;
    if (!any_ready && !clock_due) {
      if (deadlines.empty()) {
        wait_ptr = nullptr;  // only handles: wait as long as it takes
      } else {
        uint64_t earliest = std::numeric_limits<uint64_t>::max();
        for (const auto& d : deadlines) earliest = std::min(earliest, d.second);
        uint64_t left = earliest - mono;
        wait.tv_sec = static_cast<time_t>(left / kNsPerSec);
        wait.tv_nsec = static_cast<long>(left % kNsPerSec);
      }
    }
    int n = ::ppoll(pfds.data(), pfds.size(), wait_ptr, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_errno();
    }
    bool fired = any_ready;
    for (size_t k = 0; k < pfds.size(); ++k) {
      short re = pfds[k].revents;
      if (re == 0) continue;
      const Subscription& s = subs[pfd_sub[k]];
      Event ev;
      ev.userdata = s.userdata;
      ev.type = s.type;
      if (re & POLLNVAL) {
        ev.error = Errno::kBadf;
      } else {
        ev.hangup = (re & (POLLHUP | POLLERR)) != 0;
        int avail = 0;
        if (s.type == EventType::kFdRead && ::ioctl(pfds[k].fd, FIONREAD, &avail) == 0 &&
            avail > 0) {
          ev.nbytes = static_cast<uint64_t>(avail);
        }
      }
      events[pfd_sub[k]] = ev;
      fired = true;
    }
    mono = now_ns(CLOCK_MONOTONIC);
    for (const auto& [i, deadline] : deadlines) {
      if (deadline > mono) continue;
      Event ev;
      ev.userdata = subs[i].userdata;
      ev.type = EventType::kClock;
      events[i] = ev;
      fired = true;
    }
    if (!fired) continue;
    std::vector<Event> out;
    for (auto& e : events) {
      if (e) out.push_back(*e);
    }
    return out;
  }
}

}  // namespace kiln::wasi::host
