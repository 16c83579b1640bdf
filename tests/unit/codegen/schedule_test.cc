// tests/unit/codegen/schedule_test.cc: the ILP list scheduler (opt/schedule.cc). Independent
// chains written one after the other are interleaved; a block that cannot gain keeps its order;
// instructions with effects keep their relative order; results never change (interpreter).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "codegen/ir/interpreter.h"
#include "codegen/ir/parser.h"
#include "codegen/ir/printer.h"
#include "codegen/ir/verifier.h"
#include "codegen/opt/passes.h"
#include "ir_test_util.h"

namespace kiln::codegen::opt {
namespace {

using namespace ir;

Function parse(const std::string& text) { return test_util::parse_or_fail(text); }

// `chains` independent add-rotate-xor chains of `rounds` rounds over i32 parameters, written
// one chain after the other (as a Wasm compiler emits a cipher's quarter-rounds), then their
// results xor-ed together. Chain c's instructions define values v(1000 * (c + 1) + k).
std::string arx_chains(int chains, int rounds) {
  std::string s = "function %arx(i32, i32, i32, i32) -> i32 {\nblock0(v0: i32, v1: i32, v2: i32, v3: i32):\n";
  std::vector<std::string> last;
  for (int c = 0; c < chains; ++c) {
    const int base = 1000 * (c + 1);
    int k = 0;
    auto v = [&](int n) { return "v" + std::to_string(base + n); };
    std::string x = "v" + std::to_string(c % 4), y = "v" + std::to_string((c + 1) % 4);
    s += "    " + v(k++) + " = iconst.i32 " + std::to_string(7 + c) + "\n";
    const std::string rot = v(0);
    for (int r = 0; r < rounds; ++r) {
      std::string a = v(k++), b = v(k++), d = v(k++);
      s += "    " + a + " = iadd " + x + ", " + y + "\n";
      s += "    " + b + " = bxor " + a + ", " + x + "\n";
      s += "    " + d + " = rotl " + b + ", " + rot + "\n";
      y = a;
      x = d;
    }
    last.push_back(x);
  }
  std::string acc = last[0];
  for (size_t c = 1; c < last.size(); ++c) {
    std::string n = "v" + std::to_string(900 + c);
    s += "    " + n + " = bxor " + acc + ", " + last[c] + "\n";
    acc = n;
  }
  s += "    return " + acc + "\n}\n";
  return s;
}

const std::vector<std::vector<int64_t>> kArgs = {
    {0, 0, 0, 0}, {1, 2, 3, 4}, {-1, 7, 0x12345678, -5}, {0x7fffffff, -0x80000000LL, 99, 100000}};

// The source position of each instruction in the scheduled layout.
std::vector<size_t> source_positions(const Function& before, const Function& after) {
  std::map<uint32_t, size_t> pos;
  size_t k = 0;
  for (Inst i : before.layout.insts(before.layout.entry_block())) pos[i.index()] = k++;
  std::vector<size_t> out;
  for (Inst i : after.layout.insts(after.layout.entry_block())) out.push_back(pos.at(i.index()));
  return out;
}

TEST(Schedule, InterleavesIndependentChains) {
  const Function f = parse(arx_chains(4, 14));
  Function g = f;
  EXPECT_TRUE(schedule_for_ilp(g));
  ASSERT_TRUE(verify_function(g).ok()) << print_function(g);
  EXPECT_EQ(test_util::run_all(f, kArgs), test_util::run_all(g, kArgs));
  // Each chain is 1 + 3 * 14 = 43 instructions in source order. Scheduled, the first 12
  // arithmetic instructions come from all four chains, not just the first.
  std::vector<size_t> src = source_positions(f, g);
  std::vector<bool> seen(4, false);
  int arith = 0;
  for (size_t p = 0; p < src.size() && arith < 12; ++p) {
    const size_t chain = src[p] / 43;
    if (src[p] % 43 == 0) continue;  // the chain's rotate-amount constant
    if (chain < 4) seen[chain] = true;
    ++arith;
  }
  for (int c = 0; c < 4; ++c) EXPECT_TRUE(seen[c]) << "chain " << c << "\n" << print_function(g);
}

TEST(Schedule, KeepsASingleChainInOrder) {
  // One long chain: nothing can overlap, so no schedule is predicted faster.
  Function g = parse(arx_chains(1, 60));
  const std::string before = print_function(g);
  EXPECT_FALSE(schedule_for_ilp(g));
  EXPECT_EQ(print_function(g), before);
}

TEST(Schedule, LeavesShortBlocksAlone) {
  Function g = parse(arx_chains(2, 3));
  const std::string before = print_function(g);
  EXPECT_FALSE(schedule_for_ilp(g));
  EXPECT_EQ(print_function(g), before);
}

TEST(Schedule, EffectsKeepTheirOrder) {
  // Stores, loads that may trap and a division that may trap, with pure arithmetic between
  // them whose heights differ: the forced schedule moves the arithmetic only.
  const Function f = parse(R"(function %mem(i64, i32, i32) -> i32 {
block0(v0: i64, v1: i32, v2: i32):
    v3 = iconst.i32 3
    v4 = imul v1, v3
    v5 = iadd v4, v2
    v6 = uextend.i64 v1
    v7 = iadd v0, v6
    store heap v5, v7
    v8 = load.i32 heap v0+4
    v9 = bxor v8, v2
    v10 = udiv v9, v1
    v11 = imul v10, v10
    v12 = iadd v11, v4
    store heap v12, v0+8
    v13 = load.i32 heap v7
    v14 = iadd v13, v12
    v15 = rotl v14, v3
    v16 = bxor v15, v5
    return v16
})");
  Function g = f;
  EXPECT_TRUE(schedule_for_ilp(g, /*only_if_profitable=*/false));
  ASSERT_TRUE(verify_function(g).ok()) << print_function(g);
  auto effects = [](const Function& fn) {
    std::vector<std::string> out;
    for (Inst i : fn.layout.insts(fn.layout.entry_block())) {
      Opcode op = fn.dfg[i].opcode;
      if (can_load(op) || can_store(op) || can_trap(op) || is_terminator(op)) {
        out.push_back(print_inst(fn, i));
      }
    }
    return out;
  };
  EXPECT_EQ(effects(f), effects(g)) << print_function(g);
  // Results, traps (v1 = 0 divides by zero; a large v1 stores out of bounds) and the heap.
  for (int64_t a : {1, 2, 0, 7, 100000000}) {
    for (int64_t b : {0, 5, -1}) {
      Interpreter ia(4096), ib(4096);
      std::vector<DataValue> args{DataValue::make(kI64, 64), DataValue::make(kI32, static_cast<uint64_t>(a)),
                                  DataValue::make(kI32, static_cast<uint64_t>(b))};
      auto ra = ia.call(f, args);
      auto rb = ib.call(g, args);
      ASSERT_TRUE(ra.ok() && rb.ok());
      EXPECT_EQ(ra->trapped, rb->trapped) << a << " " << b;
      if (!ra->trapped) {
        EXPECT_EQ(ra->values[0].to_string(), rb->values[0].to_string());
      }
      EXPECT_TRUE(ia.heap() == ib.heap()) << a << " " << b;
    }
  }
}

}  // namespace
}  // namespace kiln::codegen::opt
