// runtime/vm/libcalls.cc: the builtins behind environ/builtins.def.
//
// SAFETY: compiled code calls these only with its own VMContext and with indices its module's
// validation guaranteed; the Instance accessors still return null for out-of-range indices and
// the builtins trap rather than touch memory for them. Trapping builtins call raise_trap from
// their own frame with only trivially destructible locals alive (see libcalls.h).
#include "runtime/vm/libcalls.h"

#include <atomic>
#include <cstring>

#include "environ/builtins.h"
#include "runtime/vm/bulk_copy.h"
#include "runtime/vm/instance.h"
#include "runtime/vm/parking_spot.h"
#include "runtime/vm/traphandlers.h"

// The wasm caller's pc and fp, read in the builtin's own frame (GCC and Clang give a function
// that uses __builtin_frame_address a frame pointer, whose saved slot is the caller's fp).
#define KILN_WASM_CALLER()                                                         \
  const auto caller_pc = reinterpret_cast<uintptr_t>(__builtin_return_address(0)); \
  const auto caller_fp = *static_cast<const uintptr_t*>(__builtin_frame_address(0))

namespace kiln::runtime::vm::builtins {
namespace {

using environ::DataIndex;
using environ::ElemIndex;
using environ::FuncIndex;
using environ::MemoryIndex;
using environ::TableIndex;
using environ::TrapCode;

Instance* instance_of(VMContext* v) { return Instance::from_vmctx(v); }

// Alignment, then bounds, as the threads proposal orders the checks. index + offset is
// computed without wrapping: an overflowing sum is out of bounds.
std::optional<TrapCode> check_atomic(LinearMemory* m, uint64_t index, uint64_t offset, uint64_t size,
                                     uint64_t& ea) {
  if (m == nullptr) return TrapCode::kHeapOutOfBounds;
  ea = index + offset;  // low bits are exact even if the sum wraps
  if (ea % size != 0) return TrapCode::kHeapMisaligned;
  if (ea < index || !range_in_bounds(ea, size, m->byte_size())) return TrapCode::kHeapOutOfBounds;
  return std::nullopt;
}

// The blocking part of wait32/64, out of line so its RAII objects never meet a longjmp.
template <typename T>
[[gnu::noinline]] uint32_t wait_on(LinearMemory* m, uint64_t ea, T expected, int64_t timeout) {
  T* p = reinterpret_cast<T*>(m->base() + ea);
  return ParkingSpot::global().wait(
      reinterpret_cast<uintptr_t>(p),
      [&] { return std::atomic_ref<T>(*p).load(std::memory_order_seq_cst) == expected; }, timeout);
}

// The store's limiter refused a growth with an error: the Wasm caller (pc, fp: a return address
// into it and its frame) traps with that error's message. Out of line, so the Error's owner is
// this frame alone, as in a host function's shim (the moved-from Error owns nothing).
[[noreturn, gnu::noinline]] void raise_limit_error(Instance* inst, uintptr_t caller_pc, uintptr_t caller_fp) {
  VMStoreContext* store = inst->store();
  if (store != nullptr) {
    store->last_wasm_exit_pc = caller_pc;
    store->last_wasm_exit_fp = caller_fp;
  }
  std::optional<Error> e = inst->hooks()->take_limit_error();
  raise_host_error(e ? std::move(*e) : Error(ErrorKind::kOther, "resource limit exceeded"), store);
}

// out_of_gas and new_epoch, behind the preserve-all stubs.
void out_of_gas(vmctx v, uintptr_t caller_pc, uintptr_t caller_fp) {
  Instance* inst = instance_of(v);
  bool refueled = inst->hooks() != nullptr && inst->hooks()->refuel(inst->store());
  if (!refueled) raise_trap(TrapCode::kOutOfFuel, caller_pc, caller_fp);
}

uint64_t new_epoch(vmctx v, uintptr_t caller_pc, uintptr_t caller_fp) {
  Instance* inst = instance_of(v);
  // The host may have moved the store's deadline past the current epoch since the check (or
  // a race with the epoch's increment): then that deadline stands.
  const uint64_t* epoch = *vmctx_at<const uint64_t*>(v, environ::VMOffsets::epoch_counter());
  VMStoreContext* store = inst->store();
  if (epoch != nullptr && store != nullptr &&
      __atomic_load_n(epoch, __ATOMIC_RELAXED) < store->epoch_deadline) {
    return store->epoch_deadline;
  }
  std::optional<uint64_t> deadline;
  if (inst->hooks() != nullptr) deadline = inst->hooks()->new_epoch(inst->store());
  if (!deadline) raise_trap(TrapCode::kInterrupt, caller_pc, caller_fp);
  return *deadline;
}

}  // namespace


extern "C" {

i64 kiln_builtin_memory_grow(vmctx v, i32 memory, i64 delta) {
  KILN_WASM_CALLER();
  Instance* inst = instance_of(v);
  LinearMemory* m = inst->memory(MemoryIndex(memory));
  if (m == nullptr) return UINT64_MAX;
  if (delta != 0 && inst->hooks() != nullptr) {
    switch (inst->hooks()->memory_growing(*m, delta)) {
      case GrowDecision::kAllow: break;
      case GrowDecision::kDeny: return UINT64_MAX;
      case GrowDecision::kTrap: raise_limit_error(inst, caller_pc, caller_fp);
    }
  }
  return m->grow(delta);
}

none kiln_builtin_memory_fill(vmctx v, i32 memory, i64 dst, i32 byte, i64 len) {
  KILN_WASM_CALLER();
  auto t = instance_of(v)->memory_fill(MemoryIndex(memory), dst, static_cast<uint8_t>(byte), len);
  if (t) raise_trap(*t, caller_pc, caller_fp);
}

none kiln_builtin_memory_copy(vmctx v, i32 dst_memory, i64 dst, i32 src_memory, i64 src, i64 len) {
  KILN_WASM_CALLER();
  auto t = instance_of(v)->memory_copy(MemoryIndex(dst_memory), dst, MemoryIndex(src_memory), src, len);
  if (t) raise_trap(*t, caller_pc, caller_fp);
}

none kiln_builtin_memory_init(vmctx v, i32 memory, i32 data, i64 dst, i32 src, i32 len) {
  KILN_WASM_CALLER();
  auto t = instance_of(v)->memory_init(MemoryIndex(memory), DataIndex(data), dst, src, len);
  if (t) raise_trap(*t, caller_pc, caller_fp);
}

// In bounds (checked by the caller): a plain move (bulk_copy) or memset. A zero length may come
// with an address one past the memory's end, which neither dereferences.
none kiln_builtin_memmove(vmctx, i64 dst, i64 src, i64 len) {
  bulk_copy(reinterpret_cast<uint8_t*>(dst), reinterpret_cast<const uint8_t*>(src), len);
}

none kiln_builtin_memset(vmctx, i64 dst, i32 byte, i64 len) {
  std::memset(reinterpret_cast<void*>(dst), static_cast<int>(byte & 0xFF), len);
}

none kiln_builtin_data_drop(vmctx v, i32 data) { instance_of(v)->drop_data(DataIndex(data)); }

i64 kiln_builtin_table_grow(vmctx v, i32 table, i64 delta, ptr init) {
  KILN_WASM_CALLER();
  Instance* inst = instance_of(v);
  Table* t = inst->table(TableIndex(table));
  if (t == nullptr) return UINT64_MAX;
  if (delta != 0 && inst->hooks() != nullptr) {
    switch (inst->hooks()->table_growing(*t, delta)) {
      case GrowDecision::kAllow: break;
      case GrowDecision::kDeny: return UINT64_MAX;
      case GrowDecision::kTrap: raise_limit_error(inst, caller_pc, caller_fp);
    }
  }
  return t->grow(delta, init);
}

none kiln_builtin_table_fill(vmctx v, i32 table, i64 dst, ptr value, i64 len) {
  KILN_WASM_CALLER();
  Table* t = instance_of(v)->table(TableIndex(table));
  auto trap = t != nullptr ? t->fill(dst, value, len) : TrapCode::kTableOutOfBounds;
  if (trap) raise_trap(*trap, caller_pc, caller_fp);
}

none kiln_builtin_table_copy(vmctx v, i32 dst_table, i32 src_table, i64 dst, i64 src, i64 len) {
  KILN_WASM_CALLER();
  Instance* inst = instance_of(v);
  Table* d = inst->table(TableIndex(dst_table));
  Table* s = inst->table(TableIndex(src_table));
  auto trap = d != nullptr && s != nullptr ? Table::copy(*d, *s, dst, src, len)
                                           : std::optional<TrapCode>(TrapCode::kTableOutOfBounds);
  if (trap) raise_trap(*trap, caller_pc, caller_fp);
}

none kiln_builtin_table_init(vmctx v, i32 table, i32 elem, i64 dst, i32 src, i32 len) {
  KILN_WASM_CALLER();
  auto t = instance_of(v)->table_init(TableIndex(table), ElemIndex(elem), dst, src, len);
  if (t) raise_trap(*t, caller_pc, caller_fp);
}

none kiln_builtin_elem_drop(vmctx v, i32 elem) { instance_of(v)->drop_elem(ElemIndex(elem)); }

ptr kiln_builtin_ref_func(vmctx v, i32 func) { return instance_of(v)->func_ref(FuncIndex(func)); }

i32 kiln_builtin_memory_atomic_notify(vmctx v, i32 memory, i64 index, i64 offset, i32 count) {
  KILN_WASM_CALLER();
  LinearMemory* m = instance_of(v)->memory(MemoryIndex(memory));
  uint64_t ea = 0;
  auto t = check_atomic(m, index, offset, 4, ea);
  if (t) raise_trap(*t, caller_pc, caller_fp);
  if (!m->is_shared()) return 0;  // nobody can be waiting on an unshared memory
  return ParkingSpot::global().notify(reinterpret_cast<uintptr_t>(m->base() + ea), count);
}

i32 kiln_builtin_memory_atomic_wait32(vmctx v, i32 memory, i64 index, i64 offset, i32 expected, i64 timeout) {
  KILN_WASM_CALLER();
  LinearMemory* m = instance_of(v)->memory(MemoryIndex(memory));
  uint64_t ea = 0;
  auto t = check_atomic(m, index, offset, 4, ea);
  if (!t && !m->is_shared()) t = TrapCode::kAtomicWaitNonSharedMemory;
  if (t) raise_trap(*t, caller_pc, caller_fp);
  return wait_on<uint32_t>(m, ea, expected, static_cast<int64_t>(timeout));
}

i32 kiln_builtin_memory_atomic_wait64(vmctx v, i32 memory, i64 index, i64 offset, i64 expected, i64 timeout) {
  KILN_WASM_CALLER();
  LinearMemory* m = instance_of(v)->memory(MemoryIndex(memory));
  uint64_t ea = 0;
  auto t = check_atomic(m, index, offset, 8, ea);
  if (!t && !m->is_shared()) t = TrapCode::kAtomicWaitNonSharedMemory;
  if (t) raise_trap(*t, caller_pc, caller_fp);
  return wait_on<uint64_t>(m, ea, expected, static_cast<int64_t>(timeout));
}

// Called by the preserve-all stubs (sys/linux/preserve_all_stubs.cc) with the wasm caller's
// pc and fp, which the stub read from its own frame.
none kiln_preserve_all_out_of_gas(vmctx v, uintptr_t caller_pc, uintptr_t caller_fp) {
  out_of_gas(v, caller_pc, caller_fp);
}

i64 kiln_preserve_all_new_epoch(vmctx v, uintptr_t caller_pc, uintptr_t caller_fp) {
  return new_epoch(v, caller_pc, caller_fp);
}

// Behind the preserve-all stub kiln_builtin_table_get_lazy_init (sys/linux/preserve_all_stubs.cc),
// which passes the builtin's arguments through. Never traps.
ptr kiln_preserve_all_table_get_lazy_init(vmctx v, i32 table, i64 index) {
  Table* t = instance_of(v)->table(TableIndex(table));
  std::optional<void*> value = t != nullptr ? t->get(index) : std::nullopt;
  return value ? *value : nullptr;
}

i32 kiln_builtin_is_subtype(vmctx v, i32 actual, i32 expected) {
  StoreHooks* hooks = instance_of(v)->hooks();
  return hooks != nullptr ? hooks->is_subtype(actual, expected) : actual == expected;
}

none kiln_builtin_raise_trap(vmctx, i32 code) {
  KILN_WASM_CALLER();
  auto c = code <= 0xFF ? environ::trap_code_from_u8(static_cast<uint8_t>(code)) : std::nullopt;
  raise_trap(c ? *c : TrapCode::kUnreachable, caller_pc, caller_fp);
}

}  // extern "C"
}  // namespace kiln::runtime::vm::builtins

namespace kiln::runtime::vm {

const void* const* builtin_table() {
  static const void* const kTable[] = {
#define KILN_BUILTIN(Name, name, result, ...) reinterpret_cast<const void*>(&builtins::kiln_builtin_##name),
#include "environ/builtins.def"
#undef KILN_BUILTIN
  };
  static_assert(sizeof(kTable) / sizeof(kTable[0]) == environ::kNumBuiltins);
  return kTable;
}

}  // namespace kiln::runtime::vm
