// tests/unit/runtime_api/dispatch_copy_test.cc: the x64 emitter copies a short jump-table
// dispatch chain (a loop header ending in br_table) into each block that jumps to it
// (isa/x64/emit.cc, "Dispatch duplication"). A bytecode interpreter written in WAT runs random
// programs; every result must equal a C++ reference interpreter's, at -O0 and -O2, with and
// without fuel and epoch checks (which then sit inside every copy). Traps raised inside a copy
// (an out-of-bounds opcode fetch) and epoch interruptions of a spinning program must arrive
// with their own messages, and fuel must be charged exactly as without copies.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "compile_wat.h"
#include "epoch_ticker.h"
#include "runtime/linker.h"
#include "runtime/store.h"

namespace kiln::runtime {
namespace {

using namespace std::chrono_literals;

// Opcodes: 0 halt, 1 acc += 1, 2 acc *= 2, 3 acc ^= imm8, 4 pc = imm8 (jump), 5 if acc is
// odd skip the next byte, 6 acc -= 3; anything else halts (the br_table default).
enum : uint8_t { kHalt, kInc, kDbl, kXor, kJmp, kSkipOdd, kSub3 };

// run(pc) interprets the bytes of memory from pc and returns acc at halt.
std::string interpreter_wat(const std::vector<uint8_t>& program) {
  std::string data;
  for (uint8_t b : program) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "\\%02x", b);
    data += hex;
  }
  return R"((module
  (memory 1)
  (data (i32.const 0) ")" +
         data + R"(")
  (func (export "run") (param $pc i32) (result i32)
    (local $acc i32)
    block $done
    loop $next
      block $sub3 block $skip block $jmp block $xor block $dbl block $inc
        local.get $pc
        i32.load8_u
        br_table $done $inc $dbl $xor $jmp $skip $sub3 $done
      end  ;; inc
      (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
      (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
      br $next
      end  ;; dbl
      (local.set $acc (i32.shl (local.get $acc) (i32.const 1)))
      (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
      br $next
      end  ;; xor
      (local.set $acc (i32.xor (local.get $acc) (i32.load8_u offset=1 (local.get $pc))))
      (local.set $pc (i32.add (local.get $pc) (i32.const 2)))
      br $next
      end  ;; jmp
      (local.set $pc (i32.load8_u offset=1 (local.get $pc)))
      br $next
      end  ;; skip
      (local.set $pc (i32.add (local.get $pc)
        (select (i32.const 2) (i32.const 1) (i32.and (local.get $acc) (i32.const 1)))))
      br $next
      end  ;; sub3
      (local.set $acc (i32.sub (local.get $acc) (i32.const 3)))
      (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
      br $next
    end
    end
    local.get $acc))
)";
}

// The reference; `steps` bounds the run (programs below always halt well within it).
uint32_t reference(const std::vector<uint8_t>& mem, uint32_t pc, uint64_t steps = 1u << 24) {
  uint32_t acc = 0;
  auto at = [&](uint32_t i) -> uint8_t { return i < mem.size() ? mem[i] : 0; };
  for (uint64_t s = 0; s < steps; ++s) {
    switch (at(pc)) {
      case kInc: acc += 1; pc += 1; break;
      case kDbl: acc <<= 1; pc += 1; break;
      case kXor: acc ^= at(pc + 1); pc += 2; break;
      case kJmp: pc = at(pc + 1); break;
      case kSkipOdd: pc += (acc & 1) ? 2 : 1; break;
      case kSub3: acc -= 3; pc += 1; break;
      default: return acc;
    }
  }
  ADD_FAILURE() << "reference program did not halt";
  return acc;
}

// A random straight program of `len` operations (forward jumps only, so it halts).
std::vector<uint8_t> random_program(std::mt19937& rng, uint32_t len) {
  std::vector<uint8_t> p;
  while (p.size() + 3 < len) {
    uint8_t op = static_cast<uint8_t>(1 + rng() % 6);
    p.push_back(op);
    if (op == kXor) p.push_back(static_cast<uint8_t>(rng()));
    if (op == kJmp) {
      uint32_t here = static_cast<uint32_t>(p.size()) + 1;
      p.push_back(static_cast<uint8_t>(std::min<uint32_t>(len - 1, here + 1 + rng() % 4)));
    }
  }
  p.resize(len, kHalt);
  return p;
}

// run(pc): calls the interpreter's export.
Expected<std::vector<Val>> run_at(const Func& run, uint32_t pc, Trap* trap = nullptr) {
  std::vector<Val> args{Val::i32(static_cast<int32_t>(pc))};
  return run.call(args, trap);
}

// Compiles the interpreter over `program` and instantiates it in `store`; returns its `run`.
std::optional<Func> load_interpreter(const Engine& engine, Store& store, const std::vector<uint8_t>& program) {
  Module m = testing::compile(engine, interpreter_wat(program));
  Linker linker;
  auto inst = linker.instantiate(store, m);
  EXPECT_TRUE(inst.ok()) << (inst.ok() ? "" : inst.error().to_string());
  if (!inst.ok()) return std::nullopt;
  return inst->get_func("run");
}

struct Mode {
  environ::OptLevel opt;
  bool fuel;
  bool epochs;
};

class DispatchCopyTest : public ::testing::TestWithParam<Mode> {
 protected:
  Engine make_engine() const {
    Config c;
    c.opt_level = GetParam().opt;
    c.consume_fuel(GetParam().fuel).epoch_interruption(GetParam().epochs);
    return Engine(c);
  }
  static void grant(Store& store) {
    if (store.engine().config().tunables.consume_fuel) {
      ASSERT_TRUE(store.set_fuel(1ull << 40).ok());
    }
    store.set_epoch_deadline(1ull << 40);
  }
};

TEST_P(DispatchCopyTest, RandomProgramsMatchTheReference) {
  Engine engine = make_engine();
  std::mt19937 rng(20261124);
  for (int round = 0; round < 8; ++round) {
    std::vector<uint8_t> program = random_program(rng, 250);
    Store store(engine);
    grant(store);
    auto run = load_interpreter(engine, store, program);
    ASSERT_TRUE(run.has_value());
    for (uint32_t start : {0u, 1u, 7u, 100u, 240u, 255u, 300u}) {
      auto r = run_at(*run, start);
      ASSERT_TRUE(r.ok()) << r.error().to_string();
      EXPECT_EQ(static_cast<uint32_t>((*r)[0].i32()), reference(program, start))
          << "round " << round << " start " << start;
    }
  }
}

TEST_P(DispatchCopyTest, OpcodeFetchOutOfBoundsTrapsInsideACopy) {
  Engine engine = make_engine();
  Store store(engine);
  grant(store);
  // The whole 64 KiB memory: halts, then `inc`s up to its last byte; a run started among the
  // `inc`s fetches its next opcode one past the end.
  std::vector<uint8_t> program(65536, kHalt);
  std::fill(program.begin() + 65000, program.end(), kInc);
  auto run = load_interpreter(engine, store, program);
  ASSERT_TRUE(run.has_value());
  auto ok = run_at(*run, 64999);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ((*ok)[0].i32(), 0);
  Trap t;
  auto r = run_at(*run, 65000, &t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(t.code, environ::TrapCode::kHeapOutOfBounds) << t.message;
  // The store is healthy afterwards.
  auto again = run_at(*run, 0);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ((*again)[0].i32(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Modes, DispatchCopyTest,
    ::testing::Values(Mode{environ::OptLevel::kNone, false, false},
                      Mode{environ::OptLevel::kSpeed, false, false},
                      Mode{environ::OptLevel::kSpeed, true, false},
                      Mode{environ::OptLevel::kSpeed, false, true},
                      Mode{environ::OptLevel::kSpeed, true, true}),
    [](const ::testing::TestParamInfo<Mode>& info) {
      std::string s = info.param.opt == environ::OptLevel::kNone ? "O0" : "O2";
      if (info.param.fuel) s += "_fuel";
      if (info.param.epochs) s += "_epochs";
      return s;
    });

// A program that loops forever (jmp 0) is stopped by an epoch tick from another thread; the
// check that notices it is one of the copies.
TEST(DispatchCopy, EpochInterruptsASpinningInterpreter) {
  Config c;
  c.epoch_interruption(true);
  Engine engine(c);
  Store store(engine);
  store.set_epoch_deadline(1);
  auto run = load_interpreter(engine, store, {kInc, kJmp, 0});
  ASSERT_TRUE(run.has_value());
  Trap t;
  Expected<std::vector<Val>> r = std::vector<Val>{};
  {
    testing::EpochTicker ticker(engine, 20ms, 5ms);
    r = run_at(*run, 0, &t);
  }
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(t.code, environ::TrapCode::kInterrupt);
  EXPECT_EQ(t.message, "interrupt");
}

// Fuel is charged per operator, so copies must not change what a run costs: the same
// programs cost the same at -O0 (no optimizer) and -O2.
TEST(DispatchCopy, FuelIsChargedExactlyAsWithoutCopies) {
  std::mt19937 rng(7);
  std::vector<uint8_t> program = random_program(rng, 200);
  uint64_t used[2] = {0, 0};
  int k = 0;
  for (auto opt : {environ::OptLevel::kNone, environ::OptLevel::kSpeed}) {
    Config c;
    c.opt_level = opt;
    c.consume_fuel(true);
    Engine engine(c);
    Store store(engine);
    ASSERT_TRUE(store.set_fuel(1'000'000).ok());
    auto run = load_interpreter(engine, store, program);
    ASSERT_TRUE(run.has_value());
    auto r = run_at(*run, 0);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(static_cast<uint32_t>((*r)[0].i32()), reference(program, 0));
    auto left = store.get_fuel();
    ASSERT_TRUE(left.ok());
    used[k++] = 1'000'000 - *left;
  }
  EXPECT_GT(used[0], 100u);
  EXPECT_EQ(used[0], used[1]);
}

}  // namespace
}  // namespace kiln::runtime
