// tests/unit/codegen/builder_test.cc: FunctionBuilder SSA construction, checked with the
// verifier and the interpreter.
#include "codegen/ir/builder.h"

#include <gtest/gtest.h>

#include "codegen/ir/interpreter.h"
#include "codegen/ir/parser.h"
#include "codegen/ir/printer.h"
#include "codegen/ir/verifier.h"
#include "codegen/opt/passes.h"

namespace kiln::codegen::ir {
namespace {

Function make_func(const char* name, std::vector<Type> params, std::vector<Type> returns) {
  Function f;
  f.name = name;
  for (Type t : params) f.signature.params.push_back({t});
  for (Type t : returns) f.signature.returns.push_back({t});
  return f;
}

int64_t run1(const Function& f, std::vector<DataValue> args) {
  Interpreter interp;
  auto r = interp.call(f, args);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  if (!r.ok() || r->trapped || r->values.size() != 1) return INT64_MIN;
  return r->values[0].as_i64();
}

// while (n != 0) { sum += n; n -= 1; } return sum; with variables and an unsealed loop header.
Function build_sum_loop() {
  Function f = make_func("sum", {kI32}, {kI32});
  FunctionBuilder b(f);
  Block entry = b.create_block(), header = b.create_block(), body = b.create_block(),
        exit = b.create_block();
  b.append_block_params_for_function_params(entry);
  b.switch_to_block(entry);
  b.seal_block(entry);
  Variable n = b.declare_var(kI32), sum = b.declare_var(kI32);
  b.def_var(n, f.dfg.block_params(entry)[0]);
  b.def_var(sum, b.iconst(kI32, 0));
  b.jump(header);

  b.switch_to_block(header);  // not sealed: the back edge is not there yet
  b.brif(b.use_var(n), body, {}, exit, {});

  b.switch_to_block(body);
  b.seal_block(body);
  b.def_var(sum, b.binary(Opcode::kIadd, b.use_var(sum), b.use_var(n)));
  b.def_var(n, b.binary(Opcode::kIsub, b.use_var(n), b.iconst(kI32, 1)));
  b.jump(header);
  b.seal_block(header);

  b.switch_to_block(exit);
  b.seal_block(exit);
  Value result = b.use_var(sum);
  b.return_({&result, 1});
  b.finalize();
  return f;
}

TEST(Builder, LoopGetsHeaderParametersAndRuns) {
  Function f = build_sum_loop();
  ASSERT_TRUE(verify_function(f).ok()) << verify_function(f).error().to_string()
                                       << print_function(f);
  // Both variables change in the loop, so the header has exactly two parameters.
  EXPECT_EQ(f.dfg.block_params(Block(1)).size(), 2u) << print_function(f);
  EXPECT_EQ(run1(f, {DataValue::make(kI32, 100)}), 5050);
  // The printed form parses back to the same text and the same behaviour.
  auto again = parse_function(print_function(f));
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(print_function(*again), print_function(f));
  EXPECT_EQ(run1(*again, {DataValue::make(kI32, 10)}), 55);
}

TEST(Builder, InvariantValueInLoopNeedsNoParameter) {
  Function f = make_func("inv", {kI32}, {kI32});
  FunctionBuilder b(f);
  Block entry = b.create_block(), header = b.create_block(), exit = b.create_block();
  b.append_block_params_for_function_params(entry);
  b.switch_to_block(entry);
  b.seal_block(entry);
  Variable x = b.declare_var(kI32), i = b.declare_var(kI32);
  b.def_var(x, f.dfg.block_params(entry)[0]);
  b.def_var(i, b.iconst(kI32, 3));
  b.jump(header);
  b.switch_to_block(header);
  Value iv = b.binary(Opcode::kIsub, b.use_var(i), b.iconst(kI32, 1));
  b.def_var(i, iv);
  Value xv = b.use_var(x);  // never redefined: the parameter must be removed again
  (void)xv;
  b.brif(iv, header, {}, exit, {});
  b.seal_block(header);
  b.switch_to_block(exit);
  b.seal_block(exit);
  Value r = b.binary(Opcode::kIadd, b.use_var(x), b.use_var(i));
  b.return_({&r, 1});
  b.finalize();
  ASSERT_TRUE(verify_function(f).ok()) << verify_function(f).error().to_string()
                                       << print_function(f);
  EXPECT_EQ(f.dfg.block_params(header).size(), 1u) << print_function(f);
  EXPECT_EQ(run1(f, {DataValue::make(kI32, 40)}), 40);
}

TEST(Builder, UseBeforeDefinitionReadsZero) {
  Function f = make_func("zero", {}, {kI64, kF32});
  FunctionBuilder b(f);
  Block entry = b.create_block();
  b.switch_to_block(entry);
  b.seal_block(entry);
  Variable a = b.declare_var(kI64), c = b.declare_var(kF32);
  Value vals[2] = {b.use_var(a), b.use_var(c)};
  b.return_(vals);
  b.finalize();
  ASSERT_TRUE(verify_function(f).ok()) << verify_function(f).error().to_string();
  Interpreter interp;
  auto r = interp.call(f, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->values[0].as_i64(), 0);
  EXPECT_EQ(r->values[1].as_f32(), 0.0f);
}

// A long chain of diamonds: the lookup must not recurse on the native stack.
TEST(Builder, DeepDiamondChainBuildsIteratively) {
  constexpr int kDiamonds = 20000;
  Function f = make_func("deep", {kI32}, {kI32});
  FunctionBuilder b(f);
  Block entry = b.create_block();
  b.append_block_params_for_function_params(entry);
  b.switch_to_block(entry);
  b.seal_block(entry);
  Variable v = b.declare_var(kI32), acc = b.declare_var(kI32);
  Value p = f.dfg.block_params(entry)[0];
  b.def_var(v, p);
  b.def_var(acc, b.iconst(kI32, 0));
  for (int k = 0; k < kDiamonds; ++k) {
    Block l = b.create_block(), r = b.create_block(), m = b.create_block();
    b.brif(p, l, {}, r, {});
    b.seal_block(l);
    b.seal_block(r);
    b.switch_to_block(l);
    b.jump(m);
    b.switch_to_block(r);
    b.def_var(acc, b.iconst(kI32, k));
    b.jump(m);
    b.seal_block(m);
    b.switch_to_block(m);
  }
  Value out = b.binary(Opcode::kIadd, b.use_var(v), b.use_var(acc));
  b.return_({&out, 1});
  b.finalize();
  ASSERT_TRUE(verify_function(f).ok()) << verify_function(f).error().to_string();
  EXPECT_EQ(run1(f, {DataValue::make(kI32, 0)}), kDiamonds - 1);
  EXPECT_EQ(run1(f, {DataValue::make(kI32, 1)}), 1);
}

TEST(Builder, OptimizeKeepsBehaviourOfBuiltLoop) {
  Function f = build_sum_loop();
  opt::optimize(f);
  ASSERT_TRUE(verify_function(f).ok()) << verify_function(f).error().to_string();
  EXPECT_EQ(run1(f, {DataValue::make(kI32, 4)}), 10);
}

// ---- value numbering during construction

// A function (i64 base, i32 x) with an entry block in the numbering scope; the builder is left
// in the entry block.
struct NumberingFixture {
  Function f = make_func("n", {kI64, kI32}, {kI32});
  FunctionBuilder b{f};
  Block entry = b.create_block();
  Value base, x;
  explicit NumberingFixture(bool numbering) {
    b.append_block_params_for_function_params(entry);
    b.set_numbering(numbering);
    b.enter_dominated(entry);
    b.seal_block(entry);
    base = f.dfg.block_params(entry)[0];
    x = f.dfg.block_params(entry)[1];
  }
  size_t insts_in(Block blk) const {
    size_t n = 0;
    for (Inst i = f.layout.first_inst(blk); i; i = f.layout.next_inst(i)) ++n;
    return n;
  }
};

TEST(BuilderNumbering, OffByDefault) {
  Function f = make_func("n", {}, {});
  FunctionBuilder b(f);
  EXPECT_FALSE(b.numbering());
  Block entry = b.create_block();
  b.enter_dominated(entry);
  EXPECT_NE(b.iconst(kI32, 7), b.iconst(kI32, 7));
}

TEST(BuilderNumbering, ReusesPureInstructionsOfTheScope) {
  NumberingFixture t(true);
  FunctionBuilder& b = t.b;
  Value c1 = b.iconst(kI32, 7);
  EXPECT_EQ(b.iconst(kI32, 7), c1);
  EXPECT_NE(b.iconst(kI32, 8), c1);
  EXPECT_NE(b.iconst(kI64, 7), c1);  // the type is part of the key
  Value ext = b.convert(Opcode::kUextend, kI64, t.x);
  EXPECT_EQ(b.convert(Opcode::kUextend, kI64, t.x), ext);
  EXPECT_NE(b.convert(Opcode::kSextend, kI64, t.x), ext);
  Value sum = b.binary(Opcode::kIadd, t.x, c1);
  EXPECT_EQ(b.binary(Opcode::kIadd, t.x, c1), sum);
  EXPECT_NE(b.binary(Opcode::kIsub, t.x, c1), sum);
  EXPECT_EQ(b.icmp(IntCC::kEq, t.x, c1), b.icmp(IntCC::kEq, t.x, c1));
  EXPECT_NE(b.icmp(IntCC::kEq, t.x, c1), b.icmp(IntCC::kNe, t.x, c1));
  // Only a readonly, non-trapping load is a pure function of its address.
  MemFlags ro = MemFlags::trusted();
  ro.bits |= MemFlags::kReadonly;
  Value l1 = b.load(Opcode::kLoad, kI64, ro, t.base, 8);
  EXPECT_EQ(b.load(Opcode::kLoad, kI64, ro, t.base, 8), l1);
  EXPECT_NE(b.load(Opcode::kLoad, kI64, ro, t.base, 16), l1);
  EXPECT_NE(b.load(Opcode::kLoad, kI64, MemFlags::trusted(), t.base, 8),
            b.load(Opcode::kLoad, kI64, MemFlags::trusted(), t.base, 8));
  MemFlags ro_trapping;
  ro_trapping.bits = MemFlags::kReadonly;
  EXPECT_NE(b.load(Opcode::kLoad, kI64, ro_trapping, t.base, 8),
            b.load(Opcode::kLoad, kI64, ro_trapping, t.base, 8));
  // A division may trap: each one is kept where the program has it.
  EXPECT_NE(b.binary(Opcode::kUdiv, t.x, c1), b.binary(Opcode::kUdiv, t.x, c1));
  // 3 constants, 2 extensions, iadd, isub, 2 icmps, 2 readonly loads, 4 other loads, 2 udivs.
  EXPECT_EQ(t.insts_in(t.entry), 17u);
  Value r = b.binary(Opcode::kIadd, sum, c1);
  b.return_({&r, 1});
  b.finalize();
  EXPECT_TRUE(verify_function(t.f).ok()) << verify_function(t.f).error().to_string();
}

// if (x) { a = x + 1 } else { b = x + 1 }; join: x + 1. The else arm and the join must not use
// the then arm's value; both may use the entry's.
TEST(BuilderNumbering, ScopesFollowDominance) {
  NumberingFixture t(true);
  FunctionBuilder& b = t.b;
  Block then_b = b.create_block(), else_b = b.create_block(), join = b.create_block();
  Value one = b.iconst(kI32, 1);
  b.brif(t.x, then_b, {}, else_b, {});
  b.seal_block(then_b);
  b.seal_block(else_b);
  uint32_t mark = b.scope_mark();
  b.enter_dominated(then_b);
  Value in_then = b.binary(Opcode::kIadd, t.x, one);
  EXPECT_EQ(b.iconst(kI32, 1), one);  // the entry dominates the arm
  b.jump(join);
  b.leave_scope(mark);
  b.enter_dominated(else_b);
  Value in_else = b.binary(Opcode::kIadd, t.x, one);
  EXPECT_NE(in_else, in_then);
  b.jump(join);
  b.leave_scope(mark);
  b.seal_block(join);
  b.enter_dominated(join);
  Value in_join = b.binary(Opcode::kIadd, t.x, one);
  EXPECT_NE(in_join, in_then);
  EXPECT_NE(in_join, in_else);
  EXPECT_EQ(b.binary(Opcode::kIadd, t.x, one), in_join);
  b.return_({&in_join, 1});
  b.finalize();
  EXPECT_TRUE(verify_function(t.f).ok()) << verify_function(t.f).error().to_string();
  EXPECT_EQ(run1(t.f, {DataValue::make(kI64, 0), DataValue::make(kI32, 41)}), 42);
}

// A block entered with plain switch_to_block (a slow path) reuses the scope's values, but its
// own are never reused after it: it does not dominate what follows.
TEST(BuilderNumbering, BlocksOutsideTheScopeAreNotReused) {
  NumberingFixture t(true);
  FunctionBuilder& b = t.b;
  Block slow = b.create_block(), done = b.create_block();
  Value one = b.iconst(kI32, 1);
  b.brif(t.x, done, {}, slow, {});
  b.seal_block(slow);
  b.switch_to_block(slow);
  EXPECT_EQ(b.iconst(kI32, 1), one);
  Value in_slow = b.iconst(kI32, 99);
  b.jump(done);
  b.seal_block(done);
  b.enter_dominated(done);
  Value in_done = b.iconst(kI32, 99);
  EXPECT_NE(in_done, in_slow);
  Value r = b.binary(Opcode::kIadd, in_done, one);
  b.return_({&r, 1});
  b.finalize();
  EXPECT_TRUE(verify_function(t.f).ok()) << verify_function(t.f).error().to_string();
  EXPECT_EQ(run1(t.f, {DataValue::make(kI64, 0), DataValue::make(kI32, 0)}), 100);
}

// Many distinct instructions: the table grows, and every one is still found.
TEST(BuilderNumbering, TableGrowsAndKeepsEntries) {
  NumberingFixture t(true);
  FunctionBuilder& b = t.b;
  std::vector<Value> first;
  for (int k = 0; k < 5000; ++k) first.push_back(b.iconst(kI32, k));
  for (int k = 0; k < 5000; ++k) ASSERT_EQ(b.iconst(kI32, k), first[k]) << k;
  EXPECT_EQ(t.insts_in(t.entry), 5000u);
}

}  // namespace
}  // namespace kiln::codegen::ir
