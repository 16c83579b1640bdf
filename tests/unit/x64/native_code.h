// tests/unit/x64/native_code.h: an executable copy of a compiled function for the x64 unit
// tests (W^X: written, then mapped read-execute).
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstring>

#include "codegen/mach/compiled_code.h"

namespace kiln::codegen::x64::testing {

// Executable copy of a compiled function (no relocations: the tests' functions make no calls).
class Native {
 public:
  explicit Native(const mach::CompiledCode& c) {
    size_ = (c.code.size() + 4095) / 4096 * 4096;
    // SAFETY: a fresh private anonymous mapping, filled before it becomes executable and never
    // writable afterwards.
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    std::memcpy(p, c.code.data(), c.code.size());
    if (mprotect(p, size_, PROT_READ | PROT_EXEC) != 0) {
      munmap(p, size_);
      return;
    }
    base_ = p;
  }
  ~Native() {
    if (base_) munmap(base_, size_);
  }
  template <typename Fn>
  Fn fn() const {
    return reinterpret_cast<Fn>(base_);
  }
  bool ok() const { return base_ != nullptr; }

 private:
  void* base_ = nullptr;
  size_t size_ = 0;
};

}  // namespace kiln::codegen::x64::testing
