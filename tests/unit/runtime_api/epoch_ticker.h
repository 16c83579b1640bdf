// tests/unit/runtime_api/epoch_ticker.h: a thread that increments an engine's epoch while a
// test's guest runs, from `delay` on and every `period` after that, until the ticker is
// destroyed (a guest that notices late never hangs the test).
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

#include "runtime/engine.h"

namespace kiln::runtime::testing {

class EpochTicker {
 public:
  EpochTicker(const Engine& engine, std::chrono::milliseconds delay, std::chrono::milliseconds period)
      : thread_([this, &engine, delay, period] {
          std::this_thread::sleep_for(delay);
          while (!done_.load()) {
            engine.increment_epoch();
            std::this_thread::sleep_for(period);
          }
        }) {}
  ~EpochTicker() {
    done_ = true;
    thread_.join();
  }
  EpochTicker(const EpochTicker&) = delete;
  EpochTicker& operator=(const EpochTicker&) = delete;

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace kiln::runtime::testing
