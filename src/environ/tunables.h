// environ/tunables.h: the settings that change generated code (memory reservation and guard
// sizes, stack limit, fuel and epochs), and the one place that decides, from them, whether a
// memory access needs an explicit bounds check. The compiler and the runtime must agree on
// these, so a compiled artifact records the Tunables it was compiled with.
#pragma once

#include <algorithm>
#include <cstdint>

#include "wasm/types.h"

namespace kiln::environ {

inline constexpr uint64_t kWasmPageSize = 65536;
inline constexpr uint64_t kGiB = uint64_t{1} << 30;

struct Tunables {
  // Virtual address space reserved for each static linear memory (a 32-bit memory with 64 KiB
  // pages whose maximum fits). With 4 GiB, every 32-bit index lands inside reservation + guard.
  uint64_t memory_reservation = 4 * kGiB;
  // Inaccessible bytes after the reservation: a static access `index + offset` with
  // offset + access size <= guard + 1 needs no explicit bounds check.
  uint64_t memory_guard_size = 2 * kGiB;
  // Extra address space reserved past a dynamic memory's size so it can grow in place.
  uint64_t memory_reservation_for_growth = 2 * 1024 * 1024;
  // Bytes of native stack compiled code may use below the host-to-wasm entry (Wasmtime's default).
  uint64_t max_wasm_stack = 512 * 1024;
  // Compiled code counts fuel in VMStoreContext::fuel_consumed and calls out_of_gas.
  bool consume_fuel = false;
  // Compiled code checks the engine's epoch against the vmctx's copy of the store's deadline
  // (VMOffsets::epoch_deadline) at function entries and loop headers, and calls new_epoch.
  bool epoch_interruption = false;
  // NaN results of float arithmetic, rounding, min/max, promotion and demotion (scalar and
  // vector) are replaced by the canonical NaN (codegen/translate/nan_canonicalize.h), so they
  // are the same bits on every CPU (Wasmtime's cranelift_nan_canonicalization).
  bool nan_canonicalization = false;

  bool operator==(const Tunables&) const = default;
};

// How a linear memory is laid out in the address space.
enum class MemoryStyle : uint8_t {
  // Reserved once at memory_reservation bytes + guard; never moves; grows by mprotect. Accesses
  // are checked by the guard region when possible (see needs_bounds_check).
  kStatic,
  // Sized to the current length (+ memory_reservation_for_growth); may move when it grows.
  // Every access is checked against VMMemoryDefinition::current_length.
  kDynamic,
};

inline uint64_t page_size_of(const wasm::MemoryType& t) {
  return t.limits.page_size_log2 ? uint64_t{1} << *t.limits.page_size_log2 : kWasmPageSize;
}

// The largest size in bytes the memory may ever reach (its declared maximum, else the index
// space limit). Saturates at UINT64_MAX.
inline uint64_t max_memory_bytes(const wasm::MemoryType& t) {
  uint64_t page = page_size_of(t);
  // A 32-bit memory's page count must fit memory.size's i32 result: with 1-byte pages that is
  // 2^32 - 1 pages, one short of 4 GiB.
  uint64_t limit_pages = t.limits.is64 ? (UINT64_MAX / page)
                                       : std::min<uint64_t>((uint64_t{1} << 32) / page, UINT32_MAX);
  uint64_t pages = t.limits.max ? *t.limits.max : limit_pages;
  if (pages > limit_pages) pages = limit_pages;
  return pages > UINT64_MAX / page ? UINT64_MAX : pages * page;
}

inline MemoryStyle memory_style(const wasm::MemoryType& t, const Tunables& tun) {
  if (t.limits.is64 || page_size_of(t) != kWasmPageSize) return MemoryStyle::kDynamic;
  return max_memory_bytes(t) <= tun.memory_reservation ? MemoryStyle::kStatic : MemoryStyle::kDynamic;
}

// Whether an access of `access_size` bytes at `index + offset` (index an i32 for 32-bit
// memories) must be checked explicitly against current_length. A static memory maps
// [base, base + reservation + guard) with everything past current_length inaccessible, so the
// access faults (and traps through the trap table) iff it is out of bounds, provided its last
// byte, at most (2^32 - 1) + offset + access_size - 1, stays inside that region.
inline bool needs_bounds_check(const wasm::MemoryType& t, const Tunables& tun, uint64_t offset,
                               uint32_t access_size) {
  if (memory_style(t, tun) != MemoryStyle::kStatic) return true;
  uint64_t mapped = tun.memory_reservation + tun.memory_guard_size;  // no overflow: both < 2^63
  uint64_t last = (uint64_t{1} << 32) - 1 + offset + access_size;     // one past the last byte
  return offset >= (uint64_t{1} << 32) || last > mapped;
}

}  // namespace kiln::environ
