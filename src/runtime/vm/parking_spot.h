// runtime/vm/parking_spot.h: the wait queues behind memory.atomic.wait/notify, keyed by the
// waited-on host address (so all instances sharing a memory share its queues).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace kiln::runtime::vm {

class ParkingSpot {
 public:
  enum WaitResult : uint32_t { kWoken = 0, kNotEqual = 1, kTimedOut = 2 };

  // If still_expected() (evaluated under the queue lock, so no notify can slip in between)
  // blocks until notified or `timeout_ns` passes (negative: forever).
  WaitResult wait(uintptr_t addr, const std::function<bool()>& still_expected, int64_t timeout_ns);
  // Wakes up to `count` waiters on addr, oldest first; returns how many.
  uint32_t notify(uintptr_t addr, uint32_t count);

  static ParkingSpot& global();

 private:
  struct Waiter {
    std::condition_variable cv;
    bool notified = false;
  };
  std::mutex mutex_;
  std::unordered_map<uintptr_t, std::vector<Waiter*>> queues_;
};

}  // namespace kiln::runtime::vm
