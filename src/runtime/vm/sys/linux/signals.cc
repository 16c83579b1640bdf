// runtime/vm/sys/linux/signals.cc: the Linux signal handlers that turn faults in compiled code
// into Wasm traps, and the per-thread alternate signal stack they run on.
//
// Rules the handler obeys:
// 1. It is installed once per process for SIGSEGV, SIGBUS, SIGILL and SIGFPE with
//    SA_SIGINFO | SA_ONSTACK | SA_NODEFER. SA_ONSTACK: a fault caused by stack exhaustion can
//    still be handled. SA_NODEFER: the signal is not blocked while handling, so leaving the
//    handler by siglongjmp (activations use sigsetjmp(buf, 0), no mask syscall) leaves the
//    thread's signal mask unchanged.
// 2. It claims a fault only if this thread is inside catch_traps and the faulting pc is a
//    trap site of registered compiled code (traphandlers.cc, whose rules it follows: async-
//    signal-safe, no allocation or locks). Everything else - host bugs, faults in libcalls or
//    in host functions, other threads' faults - is passed on unchanged.
// 3. Passing on: to the previously installed handler if there was one (with its own calling
//    convention); if the previous disposition was the default, it is restored and the handler
//    returns, so the faulting instruction runs again and takes the default action (core dump)
//    exactly as without Kiln.
// 4. It preserves errno when it returns.
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "runtime/vm/traphandlers.h"

namespace kiln::runtime::vm::detail {
namespace {

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};
constexpr int kNumSignals = sizeof(kSignals) / sizeof(kSignals[0]);
struct sigaction g_previous[kNumSignals];

int slot_of(int signo) {
  for (int i = 0; i < kNumSignals; ++i) {
    if (kSignals[i] == signo) return i;
  }
  return -1;
}

#if defined(__x86_64__)
void context_registers(const ucontext_t* uc, uintptr_t& pc, uintptr_t& fp, uintptr_t& sp) {
  pc = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  fp = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RBP]);
  sp = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
}
#elif defined(__aarch64__)
void context_registers(const ucontext_t* uc, uintptr_t& pc, uintptr_t& fp, uintptr_t& sp) {
  pc = static_cast<uintptr_t>(uc->uc_mcontext.pc);
  fp = static_cast<uintptr_t>(uc->uc_mcontext.regs[29]);
  sp = static_cast<uintptr_t>(uc->uc_mcontext.sp);
}
#else
#error "kiln runtime: unsupported architecture for trap handling"
#endif

void chain(int signo, siginfo_t* info, void* context) {
  int slot = slot_of(signo);
  if (slot < 0) return;
  const struct sigaction& prev = g_previous[slot];
  if (prev.sa_flags & SA_SIGINFO) {
    prev.sa_sigaction(signo, info, context);
    return;
  }
  if (prev.sa_handler == SIG_DFL || prev.sa_handler == SIG_IGN) {
    // Synchronous faults re-raise when the instruction re-executes; with the previous
    // disposition back the process dies (or reports) as it would have without us.
    sigaction(signo, &prev, nullptr);
    return;
  }
  prev.sa_handler(signo);
}

void trap_handler(int signo, siginfo_t* info, void* context) {
  int saved_errno = errno;
  uintptr_t pc = 0, fp = 0, sp = 0;
  context_registers(static_cast<const ucontext_t*>(context), pc, fp, sp);
  uintptr_t fault_address = 0;
  if (signo == SIGSEGV || signo == SIGBUS) fault_address = reinterpret_cast<uintptr_t>(info->si_addr);
  handle_trap_signal(pc, fp, sp, fault_address);  // does not return when it claims the fault
  errno = saved_errno;
  chain(signo, info, context);
  errno = saved_errno;
}

// The alternate signal stack of one thread, released when the thread exits.
constexpr size_t kSignalStackSize = 64 * 1024;

struct ThreadSignalStack {
  void* mapping = nullptr;
  size_t mapping_size = 0;
  bool checked = false;

  ~ThreadSignalStack() {
    if (mapping == nullptr) return;
    stack_t disable{};
    disable.ss_flags = SS_DISABLE;
    sigaltstack(&disable, nullptr);
    munmap(mapping, mapping_size);
  }
};

thread_local ThreadSignalStack tls_signal_stack;

}  // namespace

void install_signal_handlers() {
  for (int i = 0; i < kNumSignals; ++i) {
    struct sigaction action {};
    action.sa_sigaction = trap_handler;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    sigaction(kSignals[i], &action, &g_previous[i]);
  }
}

void ensure_thread_signal_stack() {
  ThreadSignalStack& s = tls_signal_stack;
  if (s.checked) return;
  s.checked = true;
  stack_t old{};
  if (sigaltstack(nullptr, &old) == 0 && !(old.ss_flags & SS_DISABLE) && old.ss_size >= kSignalStackSize) {
    return;  // the embedder's (or another runtime's) stack is big enough: keep it
  }
  // A guard page below the stack turns a handler overflow into a clean crash instead of
  // silent corruption of neighbouring memory.
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t size = kSignalStackSize + page;
  void* p = mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return;  // handlers then run on the thread's stack
  if (mprotect(static_cast<uint8_t*>(p) + page, kSignalStackSize, PROT_READ | PROT_WRITE) != 0) {
    munmap(p, size);
    return;
  }
  stack_t ss{};
  ss.ss_sp = static_cast<uint8_t*>(p) + page;
  ss.ss_size = kSignalStackSize;
  ss.ss_flags = 0;
  if (sigaltstack(&ss, nullptr) != 0) {
    munmap(p, size);
    return;
  }
  s.mapping = p;
  s.mapping_size = size;
}

}  // namespace kiln::runtime::vm::detail
