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

}  // namespace
}  // namespace kiln::codegen::ir
