// tests/unit/translate/fuel_epoch_test.cc: fuel and epoch instrumentation in the translated IR:
// nothing at all unless the tunables ask for it; with them, one slow-path builtin call per
// check (function entry, each loop header), which the optimizer keeps. Epoch checks at loop
// headers are placed after the mid-end by opt::place_epoch_checks (as the compile pipeline
// does), on the loops the optimizer left. What the checks do at run time is tested through the
// runtime (tests/unit/runtime_api/limits_test.cc).
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "codegen/ir/printer.h"
#include "codegen/ir/verifier.h"
#include "codegen/opt/limit_checks.h"
#include "codegen/translate/fuel_epoch.h"
#include "environ/vmoffsets.h"
#include "harness.h"

namespace kiln::codegen::translate::testing {
namespace {

constexpr std::string_view kModule = R"((module
  (func $fib (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $sum (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (local.get 0)))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get 1))
  (func $nested (param i32) (result i32)
    (loop $outer (loop $inner (br_if $inner (i32.const 0))) (br_if $outer (i32.const 0)))
    (local.get 0))))";

size_t count(const std::string& text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The IR text of defined function `func` (0 fib, 1 sum, 2 nested).
std::string ir_of(bool fuel, bool epochs, bool optimize, uint32_t func) {
  environ::Tunables t = checked_tunables();
  t.consume_fuel = fuel;
  t.epoch_interruption = epochs;
  Harness h;
  auto r = h.load(kModule, optimize, t);  // verifies each function, before and after opt
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
  if (!r.ok()) return "";
  // The loop headers' checks, as the compile pipeline places them after the mid-end.
  ir::Function f = h.function(func);
  if (fuel) {
    auto placed = opt::place_fuel_checks(
        f, opt::FuelChecks{static_cast<int32_t>(environ::VMOffsets::store_context()),
                           static_cast<int32_t>(environ::VMStoreContextLayout::fuel_consumed()), 0x10, 0x80});
    EXPECT_TRUE(placed.ok()) << (placed.ok() ? "" : placed.error().message());
  }
  if (epochs) {
    opt::place_epoch_checks(f, opt::EpochChecks{static_cast<int32_t>(environ::VMOffsets::epoch_counter()),
                                                static_cast<int32_t>(environ::VMOffsets::epoch_deadline()),
                                                0x10, 0x88});
  }
  auto v = ir::verify_function(f);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message());
  return ir::print_function(f);
}

TEST(FuelEpoch, NothingIsEmittedWhenDisabled) {
  for (bool opt : {false, true}) {
    for (uint32_t f = 0; f < 3; ++f) {
      std::string text = ir_of(false, false, opt, f);
      EXPECT_EQ(count(text, "call_indirect"), 0u) << text;
      // No access to the VMStoreContext (vmctx + 8) at all.
      EXPECT_EQ(count(text, "v0+8\n"), 0u) << text;
    }
  }
}

TEST(FuelEpoch, OneSlowPathPerCheck) {
  struct Case {
    uint32_t func;
    size_t checks;      // function entry + loop headers
    size_t checks_opt;  // -O2: the loops of `nested` never loop and are folded away
  } cases[] = {{0, 1, 1}, {1, 2, 2}, {2, 3, 1}};
  for (bool opt : {false, true}) {
    for (const Case& c : cases) {
      size_t n = opt ? c.checks_opt : c.checks;
      EXPECT_EQ(count(ir_of(true, false, opt, c.func), "call_indirect"), n) << c.func;
      EXPECT_EQ(count(ir_of(false, true, opt, c.func), "call_indirect"), n) << c.func;
      EXPECT_EQ(count(ir_of(true, true, opt, c.func), "call_indirect"), 2 * n) << c.func;
    }
  }
}

TEST(FuelEpoch, EpochLoadIsNeverHoistedOrMerged) {
  // The loop header reloads the engine's epoch every iteration: the optimized loop of `sum`
  // keeps a region-less load (`load.i64 notrap aligned vN`) besides the entry check's.
  std::string text = ir_of(false, true, true, 1);
  std::regex regionless(R"(load\.i64 notrap aligned v[0-9]+\n)");
  auto n = std::distance(std::sregex_iterator(text.begin(), text.end(), regionless), std::sregex_iterator());
  EXPECT_EQ(n, 2) << text;
}

TEST(FuelEpoch, WasmtimeCosting) {
  using wasm::Opcode;
  for (Opcode op : {Opcode::kNop, Opcode::kDrop, Opcode::kBlock, Opcode::kLoop, Opcode::kElse,
                    Opcode::kEnd, Opcode::kUnreachable, Opcode::kReturn}) {
    EXPECT_EQ(fuel_cost(op), 0u) << wasm::name(op);
  }
  for (Opcode op : {Opcode::kI32Add, Opcode::kLocalGet, Opcode::kBr, Opcode::kBrIf, Opcode::kIf,
                    Opcode::kCall, Opcode::kCallIndirect, Opcode::kI64Load, Opcode::kMemoryGrow}) {
    EXPECT_EQ(fuel_cost(op), 1u) << wasm::name(op);
  }
}

}  // namespace
}  // namespace kiln::codegen::translate::testing
