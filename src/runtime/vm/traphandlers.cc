// runtime/vm/traphandlers.cc: the code registry, activations (catch_traps), trap raising and
// the frame-pointer backtrace walker. The OS glue is in sys/<os>/signals.cc.
//
// Rules for everything reachable from the signal handler (handle_trap_signal and below):
// 1. Async-signal-safe only: no allocation, no locks, no stdio, no C++ exceptions. It reads
//    the registry snapshot (lock-free, see below), the thread's activation (a thread_local
//    pointer with the initial-exec TLS model, so no lazy TLS allocation), and stack memory.
// 2. It writes only into the current thread's Activation (trap code, pc, frames).
// 3. It reads stack memory only at frame pointers strictly inside (interrupted sp, activation
//    entry frame), 8-byte aligned and increasing, so a corrupt fp ends the walk instead of
//    faulting inside the handler.
// 4. It leaves the registry's reader count as it found it before it longjmps.
#include "runtime/vm/traphandlers.h"

#include <csetjmp>
#include <cstdio>
#include <cstdlib>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace kiln::runtime::vm {

using environ::TrapCode;

// ---- Code registry -------------------------------------------------------------------------
//
// Readers (signal handlers, backtraces) never lock: they bump g_readers, load the current
// immutable snapshot, search it and drop g_readers. Writers (register/unregister) serialise on
// a mutex, publish a new snapshot, then wait for g_readers to reach zero before freeing the
// old one. With seq_cst operations a reader either counted itself before the writer's check
// (the writer waits for it) or loads the new snapshot.

namespace {

struct Snapshot {
  std::vector<const CodeInfo*> items;  // sorted by start, disjoint
};

std::atomic<const Snapshot*> g_snapshot{nullptr};
std::atomic<uint32_t> g_readers{0};
std::mutex g_writer_mutex;

void publish(Snapshot* fresh) {
  const Snapshot* old = g_snapshot.exchange(fresh, std::memory_order_seq_cst);
  while (g_readers.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
  delete old;
}

// Reader side; callers bracket it with g_readers.
const CodeInfo* find_code(uintptr_t pc) {
  const Snapshot* s = g_snapshot.load(std::memory_order_seq_cst);
  if (s == nullptr) return nullptr;
  auto it = std::upper_bound(s->items.begin(), s->items.end(), pc,
                             [](uintptr_t p, const CodeInfo* c) { return p < c->start; });
  if (it == s->items.begin()) return nullptr;
  const CodeInfo* c = *(it - 1);
  return pc < c->end ? c : nullptr;
}

}  // namespace

const TrapTableEntry* CodeInfo::trap_at(uintptr_t pc) const {
  if (pc < start || pc >= end) return nullptr;
  auto off = static_cast<uint32_t>(pc - start);
  auto it = std::lower_bound(traps.begin(), traps.end(), off,
                             [](const TrapTableEntry& e, uint32_t o) { return e.offset < o; });
  return it != traps.end() && it->offset == off ? &*it : nullptr;
}

const FuncRange* CodeInfo::func_at(uintptr_t pc) const {
  if (pc < start || pc >= end) return nullptr;
  auto off = static_cast<uint32_t>(pc - start);
  auto it = std::upper_bound(funcs.begin(), funcs.end(), off,
                             [](uint32_t o, const FuncRange& f) { return o < f.start; });
  if (it == funcs.begin()) return nullptr;
  --it;
  return off < it->end ? &*it : nullptr;
}

const InlineFrameEntry* CodeInfo::inlined_at(uintptr_t pc, bool is_return_address) const {
  if (inlined.empty() || pc < start || pc > end) return nullptr;
  auto off = static_cast<uint32_t>(pc - start);
  auto it = std::lower_bound(inlined.begin(), inlined.end(), std::pair{off, is_return_address},
                             [](const InlineFrameEntry& e, std::pair<uint32_t, bool> k) {
                               return e.offset != k.first ? e.offset < k.first : e.call < k.second;
                             });
  return it != inlined.end() && it->offset == off && it->call == is_return_address ? &*it : nullptr;
}

void register_code(const CodeInfo* info) {
  std::lock_guard<std::mutex> lock(g_writer_mutex);
  auto* fresh = new Snapshot();
  if (const Snapshot* cur = g_snapshot.load()) fresh->items = cur->items;
  auto pos = std::upper_bound(fresh->items.begin(), fresh->items.end(), info,
                              [](const CodeInfo* a, const CodeInfo* b) { return a->start < b->start; });
  fresh->items.insert(pos, info);
  publish(fresh);
}

void unregister_code(const CodeInfo* info) {
  std::lock_guard<std::mutex> lock(g_writer_mutex);
  auto* fresh = new Snapshot();
  if (const Snapshot* cur = g_snapshot.load()) {
    for (const CodeInfo* c : cur->items) {
      if (c != info) fresh->items.push_back(c);
    }
  }
  publish(fresh);
}

const CodeInfo* lookup_code(uintptr_t pc) {
  g_readers.fetch_add(1, std::memory_order_seq_cst);
  const CodeInfo* c = find_code(pc);
  g_readers.fetch_sub(1, std::memory_order_seq_cst);
  return c;
}

// ---- Activations ---------------------------------------------------------------------------

namespace {

constexpr uint32_t kMaxRecordedFrames = 256;

struct Activation {
  sigjmp_buf jmp;
  Activation* prev = nullptr;
  uintptr_t entry_fp = 0;  // frame address of catch_traps: wasm frames are below it
  VMStoreContext* store = nullptr;
  bool set_stack_limit = false;
  // Filled when a trap unwinds to this activation.
  TrapCode code = TrapCode::kUnreachable;
  uintptr_t pc = 0;
  uintptr_t fault_address = 0;
  bool first_is_return_address = false;
  bool truncated = false;
  uint32_t num_frames = 0;
  uintptr_t frames[kMaxRecordedFrames];
  std::optional<Error> host_error;
};

__attribute__((tls_model("initial-exec"))) thread_local Activation* tls_activation = nullptr;

bool is_wasm_function_pc(uintptr_t pc) {
  const CodeInfo* c = find_code(pc);
  return c != nullptr && c->func_at(pc) != nullptr;
}

// Records the wasm frames starting at (pc, fp) into `act`. Async-signal-safe (rules above);
// the caller holds g_readers. `pc` is in a wasm function (or is a return address into one).
void record_frames(Activation* act, uintptr_t pc, uintptr_t fp, uintptr_t sp) {
  act->num_frames = 0;
  act->truncated = false;
  act->frames[act->num_frames++] = pc;
  uintptr_t prev = sp;
  while (true) {
    if (fp < prev || fp >= act->entry_fp || fp % 8 != 0 || act->entry_fp - fp < 16) break;
    auto* slot = reinterpret_cast<const uintptr_t*>(fp);
    uintptr_t ret = slot[1];
    uintptr_t next = slot[0];
    if (!is_wasm_function_pc(ret - 1)) break;  // reached a trampoline or host frame
    if (act->num_frames == kMaxRecordedFrames) {
      act->truncated = true;
      break;
    }
    act->frames[act->num_frames++] = ret;
    prev = fp + 16;
    fp = next;
  }
}

// Appends the frame(s) of pc: the function whose code holds it, preceded by the frame of the
// function inlined there, if any.
void describe_frame(uintptr_t pc, bool is_return_address, std::vector<BacktraceFrame>& out) {
  BacktraceFrame f;
  f.pc = pc;
  uintptr_t probe = is_return_address ? pc - 1 : pc;
  g_readers.fetch_add(1, std::memory_order_seq_cst);
  if (const CodeInfo* c = find_code(probe)) {
    f.owner = c->owner;
    if (const FuncRange* r = c->func_at(probe)) {
      f.func = r->func;
      f.func_offset = static_cast<uint32_t>(pc - (c->start + r->start));
      if (const InlineFrameEntry* e = c->inlined_at(pc, is_return_address)) {
        BacktraceFrame in = f;
        in.func = e->func;
        in.inlined = true;
        out.push_back(in);
      }
    }
  }
  g_readers.fetch_sub(1, std::memory_order_seq_cst);
  out.push_back(f);
}

[[noreturn]] void jump_to(Activation* act) {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  siglongjmp(act->jmp, 1);
}

[[noreturn]] void no_activation(const char* what) {
  std::fprintf(stderr, "kiln: %s outside of any wasm activation (runtime bug)\n", what);
  std::abort();
}

}  // namespace

void init_traps() {
  static std::once_flag once;
  std::call_once(once, [] { detail::install_signal_handlers(); });
}

bool in_activation() { return tls_activation != nullptr; }

std::optional<Trap> catch_traps(VMStoreContext* store, uint64_t max_wasm_stack, void (*fn)(void*),
                                void* payload) {
  init_traps();
  detail::ensure_thread_signal_stack();

  Activation act;
  act.prev = tls_activation;
  act.entry_fp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  act.store = store;
  // A trap longjmps over the WasmExitScopes of the host calls it unwinds; put back what the
  // caller of this activation had.
  const uintptr_t saved_exit_fp = store != nullptr ? store->last_wasm_exit_fp : 0;
  const uintptr_t saved_exit_pc = store != nullptr ? store->last_wasm_exit_pc : 0;
  if (store != nullptr && store->stack_limit == 0) {
    act.set_stack_limit = true;
    store->stack_limit = act.entry_fp > max_wasm_stack ? act.entry_fp - max_wasm_stack : 1;
  }
  if (sigsetjmp(act.jmp, 0) == 0) {
    tls_activation = &act;
    std::atomic_signal_fence(std::memory_order_seq_cst);
    fn(payload);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    tls_activation = act.prev;
    if (act.set_stack_limit) act.store->stack_limit = 0;
    return std::nullopt;
  }
  // A trap longjmp'd here; `act` was filled in by its raiser.
  tls_activation = act.prev;
  if (act.set_stack_limit) act.store->stack_limit = 0;
  if (act.store != nullptr) {
    act.store->last_wasm_exit_fp = saved_exit_fp;
    act.store->last_wasm_exit_pc = saved_exit_pc;
  }
  Trap trap;
  trap.code = act.code;
  trap.pc = act.pc;
  trap.fault_address = act.fault_address;
  trap.backtrace_truncated = act.truncated;
  trap.backtrace.reserve(act.num_frames);
  for (uint32_t i = 0; i < act.num_frames; ++i) {
    describe_frame(act.frames[i], i > 0 || act.first_is_return_address, trap.backtrace);
  }
  trap.host_error = std::move(act.host_error);
  return trap;
}

void raise_trap(TrapCode code, uintptr_t pc, uintptr_t fp) {
  Activation* act = tls_activation;
  if (act == nullptr) no_activation("raise_trap");
  act->code = code;
  act->pc = pc;
  act->fault_address = 0;
  act->first_is_return_address = true;
  g_readers.fetch_add(1, std::memory_order_seq_cst);
  record_frames(act, pc, fp, reinterpret_cast<uintptr_t>(__builtin_frame_address(0)));
  g_readers.fetch_sub(1, std::memory_order_seq_cst);
  jump_to(act);
}

void raise_host_error(Error error, const VMStoreContext* store) {
  Activation* act = tls_activation;
  if (act == nullptr) no_activation("raise_host_error");
  act->host_error = std::move(error);
  act->code = TrapCode::kUnreachable;  // unused when host_error is set
  act->fault_address = 0;
  act->first_is_return_address = true;
  act->num_frames = 0;
  uintptr_t pc = store != nullptr ? store->last_wasm_exit_pc : 0;
  uintptr_t fp = store != nullptr ? store->last_wasm_exit_fp : 0;
  act->pc = pc;
  if (pc != 0) {
    g_readers.fetch_add(1, std::memory_order_seq_cst);
    record_frames(act, pc, fp, reinterpret_cast<uintptr_t>(__builtin_frame_address(0)));
    g_readers.fetch_sub(1, std::memory_order_seq_cst);
  }
  jump_to(act);
}

std::vector<BacktraceFrame> capture_backtrace(uintptr_t pc, uintptr_t fp, size_t max_frames) {
  std::vector<BacktraceFrame> out;
  Activation* act = tls_activation;
  if (act == nullptr || max_frames == 0) return out;
  // Reuse the handler's walker on a scratch activation bounded like the real one.
  auto scratch = std::make_unique<Activation>();
  scratch->entry_fp = act->entry_fp;
  g_readers.fetch_add(1, std::memory_order_seq_cst);
  record_frames(scratch.get(), pc, fp, reinterpret_cast<uintptr_t>(__builtin_frame_address(0)));
  g_readers.fetch_sub(1, std::memory_order_seq_cst);
  for (uint32_t i = 0; i < scratch->num_frames && out.size() < max_frames; ++i) {
    describe_frame(scratch->frames[i], i > 0, out);
  }
  if (out.size() > max_frames) out.resize(max_frames);
  return out;
}

std::string Trap::message() const {
  if (host_error) return host_error->message();
  return environ::trap_message(code);
}

namespace detail {

bool handle_trap_signal(uintptr_t pc, uintptr_t fp, uintptr_t sp, uintptr_t fault_address) {
  Activation* act = tls_activation;
  if (act == nullptr) return false;
  g_readers.fetch_add(1, std::memory_order_seq_cst);
  const CodeInfo* code = find_code(pc);
  const TrapTableEntry* entry = code != nullptr ? code->trap_at(pc) : nullptr;
  if (entry == nullptr) {
    g_readers.fetch_sub(1, std::memory_order_seq_cst);
    return false;
  }
  act->code = entry->code;
  act->pc = pc;
  act->fault_address = fault_address;
  act->first_is_return_address = false;
  record_frames(act, pc, fp, sp);
  g_readers.fetch_sub(1, std::memory_order_seq_cst);
  jump_to(act);
}

}  // namespace detail

}  // namespace kiln::runtime::vm
