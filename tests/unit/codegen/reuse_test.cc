// tests/unit/codegen/reuse_test.cc: analyses whose storage is reused from one function to the
// next (compile-speed work): the CFG's br_table successor marks, FunctionBuilder's predecessor
// lists for branches naming a block more than once, and the flat hash table of GVN and load
// elimination after reset() and trim().
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codegen/ir/builder.h"
#include "codegen/ir/flowgraph.h"
#include "codegen/ir/parser.h"
#include "codegen/ir/verifier.h"
#include "codegen/opt/flat_table.h"

namespace kiln::codegen {
namespace {

using ir::Block;

ir::Function parse(const std::string& text) {
  auto f = ir::parse_function(text);
  EXPECT_TRUE(f.ok()) << f.error().to_string();
  EXPECT_TRUE(ir::verify_function(*f).ok());
  return std::move(*f);
}

// A br_table naming `targets` (block numbers 1..n) with default block 1, each target block
// returning its number.
std::string table_function(const std::vector<int>& targets, int blocks) {
  std::string s = "function %t(i32) -> i32 {\nblock0(v0: i32):\n    br_table v0, block1, [";
  for (size_t k = 0; k < targets.size(); ++k) {
    s += (k ? ", block" : "block") + std::to_string(targets[k]);
  }
  s += "]\n";
  for (int b = 1; b <= blocks; ++b) {
    s += "\nblock" + std::to_string(b) + ":\n    v" + std::to_string(b) + " = iconst.i32 " +
         std::to_string(b) + "\n    return v" + std::to_string(b) + "\n";
  }
  return s + "}";
}

TEST(Reuse, BrTableSuccessorsOnceEachInFirstSeenOrder) {
  // 300 targets over three blocks: each successor and predecessor edge appears once.
  std::vector<int> targets;
  for (int k = 0; k < 300; ++k) targets.push_back(3 - k % 3);
  ir::Function f = parse(table_function(targets, 3));
  ir::ControlFlowGraph cfg;
  cfg.compute(f);
  auto succs = cfg.succs(Block(0));
  ASSERT_EQ(succs.size(), 3u);
  EXPECT_EQ(succs[0], Block(1));  // the default comes first
  EXPECT_EQ(succs[1], Block(3));
  EXPECT_EQ(succs[2], Block(2));
  for (int b = 1; b <= 3; ++b) EXPECT_EQ(cfg.preds(Block(b)).size(), 1u) << b;

  // The same object on another function: marks left by the first must not hide targets.
  ir::Function g = parse(table_function({2, 4, 2, 1}, 4));
  cfg.compute(g);
  succs = cfg.succs(Block(0));
  ASSERT_EQ(succs.size(), 3u);
  EXPECT_EQ(succs[0], Block(1));
  EXPECT_EQ(succs[1], Block(2));
  EXPECT_EQ(succs[2], Block(4));
  EXPECT_TRUE(cfg.preds(Block(3)).empty());
  // And on the first again (a third generation of marks).
  cfg.compute(f);
  EXPECT_EQ(cfg.succs(Block(0)).size(), 3u);
}

TEST(Reuse, BuilderCountsAPredecessorOncePerBranch) {
  // A variable defined differently on two paths into a block reached from a br_table that
  // names it three times and from a jump: the block gets one parameter and every branch
  // passes it (the br_table once per distinct target, as for every edge).
  ir::Function f;
  f.signature.params.push_back(ir::AbiParam{ir::kI32});
  f.signature.returns.push_back(ir::AbiParam{ir::kI32});
  ir::FunctionBuilder b(f);
  Block entry = b.create_block(), side = b.create_block(), join = b.create_block(),
        other = b.create_block();
  b.append_block_params_for_function_params(entry);
  b.switch_to_block(entry);
  b.seal_block(entry);
  ir::Variable x = b.declare_var(ir::kI32);
  ir::Value p = f.dfg.block_params(entry)[0];
  b.def_var(x, b.iconst(ir::kI32, 7));
  b.brif(p, side, {}, other, {});
  b.switch_to_block(side);
  b.seal_block(side);
  b.def_var(x, b.iconst(ir::kI32, 9));
  b.jump(join, {});
  b.switch_to_block(other);
  b.seal_block(other);
  const std::vector<Block> table{join, join, join};
  b.br_table(p, join, table);
  b.switch_to_block(join);
  b.seal_block(join);
  b.return_(std::vector<ir::Value>{b.use_var(x)});
  b.finalize();
  ASSERT_TRUE(ir::verify_function(f).ok()) << ir::verify_function(f).error().to_string();
  EXPECT_EQ(f.dfg.block_params(join).size(), 1u);
  ir::ControlFlowGraph cfg;
  cfg.compute(f);
  EXPECT_EQ(cfg.preds(join).size(), 2u);
}

struct IntHash {
  size_t operator()(uint64_t k) const { return static_cast<size_t>(k * 0x9E3779B97F4A7C15ull); }
};

TEST(Reuse, FlatTableAfterResetAndTrim) {
  opt::FlatTable<uint64_t, int, IntHash> t;
  for (int round = 0; round < 3; ++round) {
    // Large, then small, then large again: nothing from an earlier round may be found.
    const size_t n = round == 1 ? 10 : 5000;
    t.reset(n);
    for (size_t k = 0; k < n; ++k) {
      bool fresh = false;
      int& v = t.find_or_insert(k * 7 + round, static_cast<int>(k), fresh);
      EXPECT_TRUE(fresh) << round << " " << k;
      EXPECT_EQ(v, static_cast<int>(k));
    }
    for (size_t k = 0; k < n; ++k) {
      bool fresh = true;
      EXPECT_EQ(t.find_or_insert(k * 7 + round, -1, fresh), static_cast<int>(k));
      EXPECT_FALSE(fresh);
    }
    EXPECT_EQ(t.size(), n);
    if (round == 0) {
      t.trim(100);  // sized for more than 100: the storage goes, the next reset starts over
      t.reset(4);
      bool fresh = false;
      t.find_or_insert(7, 1, fresh);
      EXPECT_TRUE(fresh);
    }
  }
  // pop_newest empties in reverse order; a reset after that starts clean too.
  t.reset(8);
  bool fresh = false;
  t.find_or_insert(1, 1, fresh);
  t.find_or_insert(2, 2, fresh);
  t.pop_newest();
  t.find_or_insert(2, 3, fresh);
  EXPECT_TRUE(fresh);
  t.reset(8);
  t.find_or_insert(1, 4, fresh);
  EXPECT_TRUE(fresh);
}

// GVN's use: nested scopes whose entries leave newest first (removal without tombstones). A
// model (a stack of keys with their values) says what must be found. Keys come from a small
// range and hash to few values, so probes meet long collision runs and re-inserts of popped
// keys.
TEST(Reuse, FlatTableScopes) {
  struct BadHash {  // few distinct hashes: long probe runs
    size_t operator()(uint64_t k) const { return static_cast<size_t>((k % 97) * 0x9E3779B97F4A7C15ull); }
  };
  opt::FlatTable<uint64_t, int, BadHash> t;
  uint64_t rng = 12345;
  auto next = [&] { rng = rng * 6364136223846793005ull + 1442695040888963407ull; return rng >> 33; };
  for (int run = 0; run < 20; ++run) {
    t.reset(4000);
    std::vector<std::pair<uint64_t, int>> model;  // live entries, oldest first
    std::vector<size_t> scopes;                   // model size at each scope entry
    for (int step = 0; step < 4000; ++step) {
      uint64_t r = next() % 10;
      if (r < 6) {
        uint64_t k = next() % (run < 10 ? 3000 : 300);
        int expect = -1;
        for (auto& [mk, mv] : model) if (mk == k) expect = mv;
        bool fresh = false;
        int& v = t.find_or_insert(k, step, fresh);
        ASSERT_EQ(fresh, expect < 0) << run << " " << step;
        ASSERT_EQ(v, expect < 0 ? step : expect) << run << " " << step;
        if (fresh) model.push_back({k, step});
      } else if (r < 8) {
        scopes.push_back(model.size());
      } else if (!scopes.empty()) {
        while (model.size() > scopes.back()) {
          t.pop_newest();
          model.pop_back();
        }
        scopes.pop_back();
      }
      ASSERT_EQ(t.size(), model.size());
    }
    // Everything still live is found.
    for (auto& [k, v] : model) {
      bool fresh = true;
      EXPECT_EQ(t.find_or_insert(k, -1, fresh), v);
      EXPECT_FALSE(fresh);
    }
  }
}

}  // namespace
}  // namespace kiln::codegen
