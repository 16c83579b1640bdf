// runtime/vm/traphandlers.h: turning faults and explicit traps in compiled code into Wasm
// traps that unwind to the host.
//
// - The code registry: every CodeMemory registers its address range with its trap table and
//   function ranges (CodeInfo); lookups by pc are O(log n) and async-signal-safe.
// - catch_traps(): runs a host-to-wasm call inside an activation (a sigsetjmp point on this
//   thread). A trap anywhere below it - a fault at a trap site (signal handler), raise_trap()
//   from a libcall, raise_host_error() from a host function - records the trap and a
//   frame-pointer backtrace and longjmps back; catch_traps returns the Trap.
// - The frames between catch_traps and the trap are abandoned, not unwound: they must own no
//   resources (compiled code and trampolines own none; libcalls and host-call shims must hold
//   no objects with destructors when they raise).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "environ/indices.h"
#include "environ/trap_codes.h"
#include "runtime/vm/vmcontext.h"
#include "support/error.h"

namespace kiln::runtime::vm {

struct TrapTableEntry {
  uint32_t offset;  // from CodeInfo::start
  environ::TrapCode code;
};

// A trap site (`call` false) or a call's return address (`call` true) in code inlined from
// function `func`: the backtrace shows a frame of `func` above the containing function's.
struct InlineFrameEntry {
  uint32_t offset;  // from CodeInfo::start
  environ::FuncIndex func;
  bool call;
};

struct FuncRange {
  uint32_t start;  // offsets from CodeInfo::start, [start, end)
  uint32_t end;
  environ::FuncIndex func;
};

// What the trap handler and the backtrace walker know about one region of compiled code.
// Immutable while registered.
struct CodeInfo {
  uintptr_t start = 0;
  uintptr_t end = 0;
  std::vector<TrapTableEntry> traps;  // sorted by offset
  std::vector<FuncRange> funcs;       // sorted by start, disjoint; trampolines are not listed
  std::vector<InlineFrameEntry> inlined;  // sorted by (offset, call), no duplicates
  const void* owner = nullptr;        // the runtime object that owns the code (e.g. its module)

  // Async-signal-safe (binary searches, no allocation).
  const TrapTableEntry* trap_at(uintptr_t pc) const;
  const FuncRange* func_at(uintptr_t pc) const;
  // The inlined function whose trap site (is_return_address false) or call return address is
  // pc, or null.
  const InlineFrameEntry* inlined_at(uintptr_t pc, bool is_return_address) const;
};

// Adds / removes a code region. `info` must stay alive and unchanged until unregister_code
// returns; unregister_code waits for in-flight lookups (signal handlers) to finish.
void register_code(const CodeInfo* info);
void unregister_code(const CodeInfo* info);
// The registered region containing pc, or null. Async-signal-safe. The result may be used
// only while its owner keeps it registered.
const CodeInfo* lookup_code(uintptr_t pc);

struct BacktraceFrame {
  uintptr_t pc = 0;                // return address, or the trapping pc for the first frame
  const void* owner = nullptr;     // CodeInfo::owner
  environ::FuncIndex func;         // function index in the owner's module
  uint32_t func_offset = 0;        // pc - function start
  // The frame of a function inlined into the next frame's function (same pc): its code has
  // no frame or offset of its own.
  bool inlined = false;
};

struct Trap {
  environ::TrapCode code = environ::TrapCode::kUnreachable;
  uintptr_t pc = 0;             // faulting pc, or the return address into wasm of a libcall
  uintptr_t fault_address = 0;  // the address a faulting access touched (0 if none)
  std::vector<BacktraceFrame> backtrace;  // innermost first; wasm function frames only
  bool backtrace_truncated = false;
  std::optional<Error> host_error;  // set when a host function raised an error

  // The spec message ("out of bounds memory access"), or the host error's message.
  std::string message() const;
};

// Installs the signal handlers (once per process; later calls do nothing). catch_traps calls
// it; embedders may call it early.
void init_traps();

// Runs fn(payload) inside a new activation on this thread. Returns nullopt if fn returned, or
// the trap that unwound it. When `store` is not null and no activation of this thread has set
// its stack limit yet, the limit becomes (this frame's address - max_wasm_stack) for the
// duration of the call, so compiled code traps StackOverflow well before the thread's guard
// page. Nested activations (host -> wasm -> host -> wasm) are allowed.
std::optional<Trap> catch_traps(VMStoreContext* store, uint64_t max_wasm_stack, void (*fn)(void*),
                                void* payload);

template <typename F>
std::optional<Trap> catch_traps(VMStoreContext* store, uint64_t max_wasm_stack, F&& f) {
  using Fn = std::remove_reference_t<F>;
  return catch_traps(store, max_wasm_stack, [](void* p) { (*static_cast<Fn*>(p))(); },
                     const_cast<void*>(static_cast<const void*>(&f)));
}

// Whether this thread is inside catch_traps.
bool in_activation();

// Raises `code` from a libcall called directly by compiled code: `pc` is the libcall's return
// address and `fp` its caller's frame pointer (see libcalls.cc). Does not return. Calling it
// outside an activation is a runtime bug and aborts.
[[noreturn]] void raise_trap(environ::TrapCode code, uintptr_t pc, uintptr_t fp);
// Raises a host error from a host function called through a wasm-to-array trampoline; the
// backtrace starts at `store`'s last_wasm_exit_{pc,fp} (see enter_host_call). Does not return.
[[noreturn]] void raise_host_error(Error error, const VMStoreContext* store);

// The Wasm frame that called the host: VMStoreContext::last_wasm_exit_{fp,pc}.
struct WasmExit {
  uintptr_t fp = 0;
  uintptr_t pc = 0;
};

// Called first thing by a host-call shim: records the Wasm frame that called it as the
// store's last Wasm exit and returns the previous one, which the shim passes back to
// leave_host_call when it returns normally (nested host -> wasm -> host calls each see their
// own exit). `trampoline_fp` is the saved frame pointer slot of the shim's own frame
// (`*(uintptr_t*)__builtin_frame_address(0)`): the wasm-to-array trampoline keeps a standard
// rbp frame (codegen/isa/x64/emit.cc) whose [fp] is the Wasm caller's frame pointer and
// [fp + 8] the return address into it. 0 (a direct call from the host, no Wasm caller)
// records no exit, so an error raised then has an empty backtrace. When the shim raises
// instead, catch_traps restores the fields it found on entry. Plain functions, no RAII: the
// shim's frame must own nothing with a destructor when it raises.
inline WasmExit enter_host_call(VMStoreContext* store, uintptr_t trampoline_fp) {
  WasmExit previous{store->last_wasm_exit_fp, store->last_wasm_exit_pc};
  WasmExit mine;
  if (trampoline_fp != 0) {
    const auto* frame = reinterpret_cast<const uintptr_t*>(trampoline_fp);
    mine = {frame[0], frame[1]};
  }
  store->last_wasm_exit_fp = mine.fp;
  store->last_wasm_exit_pc = mine.pc;
  return previous;
}
inline void leave_host_call(VMStoreContext* store, WasmExit previous) {
  store->last_wasm_exit_fp = previous.fp;
  store->last_wasm_exit_pc = previous.pc;
}

// Walks frame pointers from (pc, fp) over compiled wasm functions, up to max_frames.
std::vector<BacktraceFrame> capture_backtrace(uintptr_t pc, uintptr_t fp, size_t max_frames = 256);

namespace detail {
// Implemented per OS (sys/<os>/signals.cc).
void install_signal_handlers();
void ensure_thread_signal_stack();
// Called by the OS signal handler with the interrupted context. If pc is a trap site in
// registered code and this thread is in an activation, records the trap and longjmps (does
// not return); otherwise returns false and the handler chains to the previous one.
bool handle_trap_signal(uintptr_t pc, uintptr_t fp, uintptr_t sp, uintptr_t fault_address);
}  // namespace detail

}  // namespace kiln::runtime::vm
