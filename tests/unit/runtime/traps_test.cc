// tests/unit/runtime/traps_test.cc: CodeMemory and trap handling with hand-assembled machine
// code: explicit traps (ud2), faulting loads in a guard region, division faults, traps from
// libcalls, stack overflow checks, backtraces, nested activations, and what is NOT claimed.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "code_util.h"
#include "runtime/vm/memory.h"
#include "runtime/vm/traphandlers.h"

namespace kiln::runtime::vm {
namespace {

using environ::BuiltinIndex;
using environ::DefinedFuncIndex;
using environ::FuncIndex;
using environ::RelocKind;
using environ::RelocTarget;
using environ::TrapCode;
using testing_util::entry;
using testing_util::fn;
using testing_util::load;

// push rbp; mov rbp, rsp; ud2  (trap site at 4)
std::vector<uint8_t> ud2_code() { return {KILN_PROLOGUE, 0x0F, 0x0B}; }
// push rbp; mov rbp, rsp; mov eax, [rdi + rsi]; pop rbp; ret  (trap site at 4)
std::vector<uint8_t> load_code() { return {KILN_PROLOGUE, 0x8B, 0x04, 0x37, KILN_EPILOGUE}; }
// push rbp; mov rbp, rsp; call rdi; pop rbp; ret  (return address at 6)
std::vector<uint8_t> call_rdi_code() { return {KILN_PROLOGUE, 0xFF, 0xD7, KILN_EPILOGUE}; }

TEST(CodeMemory, RunsAFunctionReturningAConstant) {
  auto cm = load({fn({0xB8, 0x2A, 0x00, 0x00, 0x00, 0xC3})});  // mov eax, 42; ret
  ASSERT_TRUE(cm);
  int result = 0;
  auto f = entry<int (*)()>(*cm, 0);
  auto run = [&] { result = f(); };
  EXPECT_FALSE(catch_traps(nullptr, 0, run).has_value());
  EXPECT_EQ(result, 42);
}

TEST(CodeMemory, IsNeverWritableAndExecutable) {
  auto cm = load({fn({0xC3})});
  ASSERT_TRUE(cm);
  auto addr = reinterpret_cast<uintptr_t>(cm->function(DefinedFuncIndex(0)));
  std::ifstream maps("/proc/self/maps");
  std::string line;
  bool found = false;
  while (std::getline(maps, line)) {
    uintptr_t lo = 0, hi = 0;
    char perms[5] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) != 3) continue;
    if (addr >= lo && addr < hi) {
      found = true;
      EXPECT_STREQ(perms, "r-xp");
    }
  }
  EXPECT_TRUE(found);
}

TEST(CodeMemory, PcRelativeCallBetweenFunctions) {
  // f0: push rbp; mov rbp, rsp; call f1; pop rbp; ret     f1: mov eax, 42; ret
  environ::Relocation r{5, RelocKind::kX86PCRel4, RelocTarget::func(DefinedFuncIndex(1)), -4};
  auto cm = load({fn({KILN_PROLOGUE, 0xE8, 0, 0, 0, 0, KILN_EPILOGUE}, {}, {r}),
                  fn({0xB8, 0x2A, 0x00, 0x00, 0x00, 0xC3})});
  ASSERT_TRUE(cm);
  int result = 0;
  auto f = entry<int (*)()>(*cm, 0);
  auto run = [&] { result = f(); };
  EXPECT_FALSE(catch_traps(nullptr, 0, run).has_value());
  EXPECT_EQ(result, 42);
}

TEST(CodeMemory, RejectsMalformedInput) {
  auto try_load = [](environ::CompiledFunction f) {
    std::vector<environ::CompiledFunction> fns{std::move(f)};
    CodeMemoryInput in;
    in.functions = fns;
    in.builtins = builtin_table();
    return CodeMemory::create(in).ok();
  };
  EXPECT_FALSE(try_load(fn({0xC3}, {}, {{0, RelocKind::kX86PCRel4, RelocTarget::func(DefinedFuncIndex(0)), 0}})));
  EXPECT_FALSE(try_load(fn({0xC3, 0, 0, 0, 0}, {}, {{1, RelocKind::kX86PCRel4, RelocTarget::func(DefinedFuncIndex(5)), 0}})));
  EXPECT_FALSE(try_load(fn(std::vector<uint8_t>(8), {}, {{0, RelocKind::kAbs8, {RelocTarget::Kind::kBuiltin, 999}, 0}})));
  EXPECT_FALSE(try_load(fn({0xC3}, {{1, TrapCode::kUnreachable}})));
  EXPECT_FALSE(try_load(fn({0x90, 0xC3}, {{1, TrapCode::kUnreachable}, {0, TrapCode::kUnreachable}})));
  environ::CompiledFunction bad_align = fn({0xC3});
  bad_align.alignment = 3;
  EXPECT_FALSE(try_load(bad_align));
  EXPECT_TRUE(try_load(fn({0x90, 0xC3}, {{0, TrapCode::kUnreachable}, {1, TrapCode::kUnreachable}})));
}

TEST(CodeMemory, UnregistersOnDestruction) {
  auto cm = load({fn({0xC3})});
  ASSERT_TRUE(cm);
  auto addr = reinterpret_cast<uintptr_t>(cm->function(DefinedFuncIndex(0)));
  EXPECT_EQ(lookup_code(addr), &cm->info());
  cm.reset();
  EXPECT_EQ(lookup_code(addr), nullptr);
}

TEST(Traps, Ud2WithATrapEntryIsAWasmTrap) {
  int owner = 0;
  auto cm = load({fn(ud2_code(), {{4, TrapCode::kUnreachable}})}, 3, &owner);
  ASSERT_TRUE(cm);
  auto f = entry<void (*)()>(*cm, 0);
  auto run = [&] { f(); };
  auto trap = catch_traps(nullptr, 0, run);
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, TrapCode::kUnreachable);
  EXPECT_EQ(trap->message(), "unreachable");
  EXPECT_EQ(trap->pc, reinterpret_cast<uintptr_t>(f) + 4);
  ASSERT_EQ(trap->backtrace.size(), 1u);
  EXPECT_EQ(trap->backtrace[0].func, FuncIndex(3));
  EXPECT_EQ(trap->backtrace[0].func_offset, 4u);
  EXPECT_EQ(trap->backtrace[0].owner, &owner);
  EXPECT_FALSE(in_activation());
}

TEST(Traps, GuardPageLoadIsOutOfBounds) {
  auto mem = LinearMemory::create(wasm::MemoryType{}, environ::Tunables{});
  ASSERT_TRUE(mem.ok());
  ASSERT_EQ((*mem)->grow(1), 0u);
  uint8_t* base = (*mem)->base();
  uint32_t v = 0x12345678;
  std::memcpy(base + 100, &v, 4);
  auto cm = load({fn(load_code(), {{4, TrapCode::kHeapOutOfBounds}})});
  ASSERT_TRUE(cm);
  auto f = entry<uint32_t (*)(uint8_t*, uint64_t)>(*cm, 0);
  uint32_t result = 0;
  uint64_t index = 100;
  auto run = [&] { result = f(base, index); };
  EXPECT_FALSE(catch_traps(nullptr, 0, run).has_value());
  EXPECT_EQ(result, 0x12345678u);

  for (uint64_t oob : {uint64_t{65536}, uint64_t{65533}, uint64_t{0xFFFFFFFC}, uint64_t{0x17FFFFFF0}}) {
    index = oob;
    auto trap = catch_traps(nullptr, 0, run);
    ASSERT_TRUE(trap.has_value()) << oob;
    EXPECT_EQ(trap->code, TrapCode::kHeapOutOfBounds);
    EXPECT_EQ(trap->message(), "out of bounds memory access");
    // The first inaccessible byte the 4-byte load touched.
    EXPECT_GE(trap->fault_address, reinterpret_cast<uintptr_t>(base + oob));
    EXPECT_LT(trap->fault_address, reinterpret_cast<uintptr_t>(base + oob + 4));
  }
  // After growing, the same access is in bounds.
  ASSERT_EQ((*mem)->grow(1), 1u);
  index = 65536;
  EXPECT_FALSE(catch_traps(nullptr, 0, run).has_value());
  EXPECT_EQ(result, 0u);
}

TEST(Traps, DivisionByZeroFault) {
  // push rbp; mov rbp, rsp; mov eax, edi; cdq; idiv esi; pop rbp; ret  (idiv at 7)
  auto cm = load({fn({KILN_PROLOGUE, 0x89, 0xF8, 0x99, 0xF7, 0xFE, KILN_EPILOGUE},
                     {{7, TrapCode::kIntegerDivisionByZero}})});
  ASSERT_TRUE(cm);
  auto f = entry<int (*)(int, int)>(*cm, 0);
  int result = 0, divisor = 3;
  auto run = [&] { result = f(10, divisor); };
  EXPECT_FALSE(catch_traps(nullptr, 0, run).has_value());
  EXPECT_EQ(result, 3);
  divisor = 0;
  auto trap = catch_traps(nullptr, 0, run);
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, TrapCode::kIntegerDivisionByZero);
  EXPECT_EQ(trap->fault_address, 0u);
}

TEST(Traps, BacktraceWalksWasmFrames) {
  auto cm = load({fn(call_rdi_code()), fn(ud2_code(), {{4, TrapCode::kUnreachable}})}, 2);
  ASSERT_TRUE(cm);
  auto outer = entry<void (*)(const void*)>(*cm, 0);
  const void* inner = cm->function(DefinedFuncIndex(1));
  auto run = [&] { outer(inner); };
  auto trap = catch_traps(nullptr, 0, run);
  ASSERT_TRUE(trap.has_value());
  ASSERT_EQ(trap->backtrace.size(), 2u);
  EXPECT_EQ(trap->backtrace[0].func, FuncIndex(3));
  EXPECT_EQ(trap->backtrace[0].func_offset, 4u);
  EXPECT_EQ(trap->backtrace[1].func, FuncIndex(2));
  EXPECT_EQ(trap->backtrace[1].func_offset, 6u);  // the return address after `call rdi`
  EXPECT_FALSE(trap->backtrace_truncated);
}

TEST(Traps, ManyTrapsLeaveTheThreadHealthy) {
  auto cm = load({fn(ud2_code(), {{4, TrapCode::kUnreachable}}), fn(load_code(), {{4, TrapCode::kHeapOutOfBounds}})});
  ASSERT_TRUE(cm);
  auto mem = LinearMemory::create(wasm::MemoryType{}, environ::Tunables{});
  ASSERT_TRUE(mem.ok());
  sigset_t before, after;
  pthread_sigmask(SIG_BLOCK, nullptr, &before);
  auto f0 = entry<void (*)()>(*cm, 0);
  auto f1 = entry<uint32_t (*)(uint8_t*, uint64_t)>(*cm, 1);
  uint8_t* base = (*mem)->base();
  int traps = 0;
  for (int i = 0; i < 20000; ++i) {
    auto run0 = [&] { f0(); };
    auto run1 = [&] { (void)f1(base, 4096u * static_cast<uint64_t>(i)); };
    auto t = (i % 2 == 0) ? catch_traps(nullptr, 0, run0) : catch_traps(nullptr, 0, run1);
    if (t && t->code == (i % 2 == 0 ? TrapCode::kUnreachable : TrapCode::kHeapOutOfBounds)) ++traps;
  }
  EXPECT_EQ(traps, 20000);
  pthread_sigmask(SIG_BLOCK, nullptr, &after);
  for (int sig : {SIGSEGV, SIGILL, SIGFPE, SIGBUS}) {
    EXPECT_EQ(sigismember(&before, sig), sigismember(&after, sig)) << sig;
    EXPECT_FALSE(sigismember(&after, sig)) << sig;
  }
  EXPECT_FALSE(in_activation());
}

TEST(Traps, TrapsOnManyThreadsWhileCodeComesAndGoes) {
  auto cm = load({fn(ud2_code(), {{4, TrapCode::kUnreachable}})});
  ASSERT_TRUE(cm);
  auto f = entry<void (*)()>(*cm, 0);
  std::atomic<bool> stop{false};
  std::thread churn([&] {
    while (!stop.load()) {
      auto other = load({fn({0xC3})});
      (void)other;
    }
  });
  std::atomic<int> total{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        auto run = [&] { f(); };
        auto trap = catch_traps(nullptr, 0, run);
        if (trap && trap->code == TrapCode::kUnreachable && trap->backtrace.size() == 1) ++total;
      }
    });
  }
  for (auto& th : threads) th.join();
  stop = true;
  churn.join();
  EXPECT_EQ(total.load(), 8000);
}

// ---- Nested activations ----

struct NestedState {
  const void* trapping = nullptr;
  std::optional<Trap> inner;
  bool was_in_activation = false;
};
NestedState g_nested;

extern "C" int host_catches_inner_trap() {
  g_nested.was_in_activation = in_activation();
  auto f = reinterpret_cast<void (*)()>(const_cast<void*>(g_nested.trapping));
  auto run = [&] { f(); };
  g_nested.inner = catch_traps(nullptr, 0, run);
  return 7;
}

extern "C" int host_calls_trapping_code() {
  reinterpret_cast<void (*)()>(const_cast<void*>(g_nested.trapping))();
  return 8;
}

TEST(Traps, NestedActivationCatchesTheInnerTrap) {
  auto cm = load({fn(call_rdi_code()), fn(ud2_code(), {{4, TrapCode::kUnreachable}})});
  ASSERT_TRUE(cm);
  g_nested = {};
  g_nested.trapping = cm->function(DefinedFuncIndex(1));
  auto outer = entry<int (*)(int (*)())>(*cm, 0);
  int result = 0;
  auto run = [&] { result = outer(&host_catches_inner_trap); };
  EXPECT_FALSE(catch_traps(nullptr, 0, run).has_value());
  EXPECT_EQ(result, 7);
  EXPECT_TRUE(g_nested.was_in_activation);
  ASSERT_TRUE(g_nested.inner.has_value());
  EXPECT_EQ(g_nested.inner->code, TrapCode::kUnreachable);
  EXPECT_FALSE(in_activation());
}

TEST(Traps, TrapWithoutInnerActivationUnwindsToTheOuterOne) {
  auto cm = load({fn(call_rdi_code()), fn(ud2_code(), {{4, TrapCode::kBadSignature}})});
  ASSERT_TRUE(cm);
  g_nested = {};
  g_nested.trapping = cm->function(DefinedFuncIndex(1));
  auto outer = entry<int (*)(int (*)())>(*cm, 0);
  int result = 0;
  auto run = [&] { result = outer(&host_calls_trapping_code); };
  auto trap = catch_traps(nullptr, 0, run);
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, TrapCode::kBadSignature);
  EXPECT_EQ(result, 0);
  ASSERT_GE(trap->backtrace.size(), 1u);  // the walk stops at the host frame
  EXPECT_EQ(trap->backtrace[0].func, FuncIndex(1));
}

extern "C" void host_raises_error() {
  raise_host_error(Error(ErrorKind::kOther, "host says no"), nullptr);
}

TEST(Traps, HostErrorUnwindsThroughWasm) {
  auto cm = load({fn(call_rdi_code())});
  ASSERT_TRUE(cm);
  auto outer = entry<void (*)(void (*)())>(*cm, 0);
  auto run = [&] { outer(&host_raises_error); };
  auto trap = catch_traps(nullptr, 0, run);
  ASSERT_TRUE(trap.has_value());
  ASSERT_TRUE(trap->host_error.has_value());
  EXPECT_EQ(trap->message(), "host says no");
}

// ---- Traps raised by libcalls ----

TEST(Traps, LibcallRaisesTrapThroughAbsoluteRelocation) {
  // push rbp; mov rbp, rsp; movabs rax, raise_trap; call rax; pop rbp; ret
  environ::Relocation r{6, RelocKind::kAbs8, RelocTarget::builtin(BuiltinIndex::kRaiseTrap), 0};
  auto cm = load({fn({KILN_PROLOGUE, 0x48, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xD0, KILN_EPILOGUE}, {}, {r})});
  ASSERT_TRUE(cm);
  auto f = entry<void (*)(void*, uint32_t)>(*cm, 0);
  for (TrapCode code : {TrapCode::kIntegerOverflow, TrapCode::kNullReference, TrapCode::kCastFailure}) {
    auto run = [&] { f(nullptr, static_cast<uint32_t>(code)); };
    auto trap = catch_traps(nullptr, 0, run);
    ASSERT_TRUE(trap.has_value());
    EXPECT_EQ(trap->code, code);
    EXPECT_EQ(trap->pc, reinterpret_cast<uintptr_t>(f) + 16);
    ASSERT_EQ(trap->backtrace.size(), 1u);
    EXPECT_EQ(trap->backtrace[0].func, FuncIndex(0));
    EXPECT_EQ(trap->backtrace[0].func_offset, 16u);
  }
  // An invalid code still traps (as unreachable) instead of misbehaving.
  auto run = [&] { f(nullptr, 0xFFFFu); };
  auto trap = catch_traps(nullptr, 0, run);
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, TrapCode::kUnreachable);
}

// ---- Stack overflow ----

TEST(Traps, PrologueStackCheckTrapsOnRunawayRecursion) {
  // push rbp; mov rbp, rsp; mov rax, [rdi + 8]; cmp rsp, [rax]; jae ok; ud2;
  // ok: call self; pop rbp; ret
  environ::Relocation r{16, RelocKind::kX86PCRel4, RelocTarget::func(DefinedFuncIndex(0)), -4};
  auto cm = load({fn({KILN_PROLOGUE, 0x48, 0x8B, 0x47, 0x08, 0x48, 0x3B, 0x20, 0x73, 0x02, 0x0F, 0x0B,
                      0xE8, 0, 0, 0, 0, KILN_EPILOGUE},
                     {{13, TrapCode::kStackOverflow}}, {r})});
  ASSERT_TRUE(cm);
  VMStoreContext store{};
  uint64_t fake_vmctx[8] = {};
  fake_vmctx[environ::VMOffsets::store_context() / 8] = reinterpret_cast<uint64_t>(&store);
  auto f = entry<void (*)(void*)>(*cm, 0);
  auto run = [&] { f(fake_vmctx); };
  auto trap = catch_traps(&store, 64 * 1024, run);
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, TrapCode::kStackOverflow);
  EXPECT_EQ(trap->message(), "call stack exhausted");
  EXPECT_TRUE(trap->backtrace_truncated);
  EXPECT_EQ(trap->backtrace.size(), 256u);
  EXPECT_EQ(store.stack_limit, 0u);  // restored for the next entry
  // And again, to show nothing was left behind.
  EXPECT_TRUE(catch_traps(&store, 64 * 1024, run).has_value());
}

// ---- What is not claimed ----

TEST(TrapsDeathTest, Ud2WithoutTrapEntryIsNotClaimed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        auto cm = load({fn(ud2_code())});
        auto f = entry<void (*)()>(*cm, 0);
        auto run = [&] { f(); };
        (void)catch_traps(nullptr, 0, run);
      },
      testing_util::died_of_fault(SIGILL), "");
}

TEST(TrapsDeathTest, HostFaultInsideAnActivationIsNotClaimed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        auto mem = LinearMemory::create(wasm::MemoryType{}, environ::Tunables{});
        volatile uint8_t* guard = (*mem)->base();
        auto run = [&] { (void)*guard; };
        (void)catch_traps(nullptr, 0, run);
      },
      testing_util::died_of_fault(SIGSEGV), "");
}

TEST(TrapsDeathTest, FaultOutsideAnyActivationIsNotClaimed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        auto cm = load({fn(ud2_code(), {{4, TrapCode::kUnreachable}})});
        init_traps();
        entry<void (*)()>(*cm, 0)();
      },
      testing_util::died_of_fault(SIGILL), "");
}

}  // namespace
}  // namespace kiln::runtime::vm
