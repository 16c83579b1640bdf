// runtime/vm/parking_spot.cc: wait/notify queues.
#include "runtime/vm/parking_spot.h"

#include <algorithm>
#include <chrono>

namespace kiln::runtime::vm {

ParkingSpot& ParkingSpot::global() {
  static ParkingSpot* spot = new ParkingSpot();  // never destroyed: waiters may outlive main
  return *spot;
}

ParkingSpot::WaitResult ParkingSpot::wait(uintptr_t addr, const std::function<bool()>& still_expected,
                                          int64_t timeout_ns) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!still_expected()) return kNotEqual;
  Waiter self;
  queues_[addr].push_back(&self);
  auto notified = [&] { return self.notified; };
  if (timeout_ns < 0) {
    self.cv.wait(lock, notified);
  } else {
    self.cv.wait_for(lock, std::chrono::nanoseconds(timeout_ns), notified);
  }
  if (self.notified) return kWoken;
  // Timed out: leave the queue (notify removes the waiters it wakes).
  auto it = queues_.find(addr);
  if (it != queues_.end()) {
    auto& q = it->second;
    q.erase(std::remove(q.begin(), q.end(), &self), q.end());
    if (q.empty()) queues_.erase(it);
  }
  return kTimedOut;
}

uint32_t ParkingSpot::notify(uintptr_t addr, uint32_t count) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = queues_.find(addr);
  if (it == queues_.end() || count == 0) return 0;
  auto& q = it->second;
  uint32_t n = static_cast<uint32_t>(std::min<size_t>(count, q.size()));
  for (uint32_t i = 0; i < n; ++i) {
    q[i]->notified = true;
    q[i]->cv.notify_one();
  }
  q.erase(q.begin(), q.begin() + n);
  if (q.empty()) queues_.erase(it);
  return n;
}

}  // namespace kiln::runtime::vm
