// tests/unit/codegen/opt_scale_test.cc: the mid-end on large generated functions: a long
// straight-line function, a deep loop nest and a wide CFG of many small blocks. Each must
// still verify after optimize(); the time per instruction is printed (speed is measured, not
// asserted, as DESIGN.md asks) so that super-linear behaviour shows up when sizes grow.
#include <gtest/gtest.h>

#include <chrono>

#include "codegen/ir/builder.h"
#include "codegen/ir/verifier.h"
#include "codegen/opt/passes.h"
#include "ir_test_util.h"

namespace kiln::codegen::opt {
namespace {

using namespace ir;

MemFlags heap_flags() {
  MemFlags m;
  m.set_region(AliasRegion::kHeap);
  return m;
}

// `blocks` diamonds in sequence; each arm does arithmetic, loads and stores on shared values.
Function wide_cfg(uint32_t blocks) {
  Function f;
  f.name = "wide";
  f.signature.params = {{kI64, ArgumentPurpose::kVmctx}, {kI32}};
  f.signature.returns = {{kI32}};
  FunctionBuilder b(f);
  Block entry = b.create_block();
  b.append_block_params_for_function_params(entry);
  b.switch_to_block(entry);
  Value vm = f.dfg.block_params(entry)[0];
  Value acc = f.dfg.block_params(entry)[1];
  for (uint32_t k = 0; k < blocks; ++k) {
    Block t = b.create_block(), e = b.create_block(), j = b.create_block();
    Value p = b.append_block_param(j, kI32);
    Value c = b.icmp(IntCC::kUlt, acc, b.iconst(kI32, static_cast<int64_t>(k)));
    b.brif(c, t, {}, e, {});
    for (Block arm : {t, e}) {
      b.switch_to_block(arm);
      Value base = b.load(Opcode::kLoad, kI64, MemFlags{MemFlags::kNotrap | MemFlags::kReadonly |
                                                        (3u << MemFlags::kRegionShift)},
                          vm, 8);
      Value x = b.binary(Opcode::kImul, acc, b.iconst(kI32, 3 + (k % 5)));
      Value y = b.binary(Opcode::kSdiv, x, b.iconst(kI32, 7));
      Value addr = b.binary(Opcode::kIadd, base, b.convert(Opcode::kUextend, kI64,
                                                           b.binary(Opcode::kBand, y, b.iconst(kI32, 0xff))));
      Value l = b.load(Opcode::kLoad, kI32, heap_flags(), addr, 0);
      b.store(Opcode::kStore, heap_flags(), x, addr, 4);
      Value l2 = b.load(Opcode::kLoad, kI32, heap_flags(), addr, 0);
      b.jump(j, std::vector<Value>{b.binary(Opcode::kIadd, b.binary(Opcode::kIadd, l, l2), y)});
    }
    b.switch_to_block(j);
    acc = p;
  }
  b.return_(std::vector<Value>{acc});
  b.seal_all_blocks();
  b.finalize();
  return f;
}

// A nest of `depth` loops, each with invariant work for LICM.
Function loop_nest(uint32_t depth) {
  Function f;
  f.name = "nest";
  f.signature.params = {{kI64, ArgumentPurpose::kVmctx}, {kI32}};
  f.signature.returns = {{kI32}};
  FunctionBuilder b(f);
  Block entry = b.create_block();
  b.append_block_params_for_function_params(entry);
  b.switch_to_block(entry);
  Value n = f.dfg.block_params(entry)[1];
  Variable acc = b.declare_var(kI32);
  b.def_var(acc, n);
  std::vector<std::pair<Block, Variable>> loops;
  for (uint32_t k = 0; k < depth; ++k) {
    Variable i = b.declare_var(kI32);
    b.def_var(i, n);
    Block h = b.create_block();
    b.jump(h);
    b.switch_to_block(h);
    Value inv = b.binary(Opcode::kImul, n, b.iconst(kI32, k + 2));
    b.def_var(acc, b.binary(Opcode::kIadd, b.use_var(acc), inv));
    loops.push_back({h, i});
  }
  for (auto it = loops.rbegin(); it != loops.rend(); ++it) {
    Value i = b.binary(Opcode::kIsub, b.use_var(it->second), b.iconst(kI32, 1));
    b.def_var(it->second, i);
    Block next = b.create_block();
    b.brif(i, it->first, {}, next, {});
    b.switch_to_block(next);
  }
  b.return_(std::vector<Value>{b.use_var(acc)});
  b.seal_all_blocks();
  b.finalize();
  return f;
}

// One block of `n` dependent operations with many repeats for GVN.
Function straight(uint32_t n) {
  Function f;
  f.name = "straight";
  f.signature.params = {{kI32}, {kI32}};
  f.signature.returns = {{kI32}};
  FunctionBuilder b(f);
  Block entry = b.create_block();
  b.append_block_params_for_function_params(entry);
  b.switch_to_block(entry);
  std::vector<Value> vals{f.dfg.block_params(entry)[0], f.dfg.block_params(entry)[1]};
  static const Opcode kOps[] = {Opcode::kIadd, Opcode::kImul, Opcode::kBxor, Opcode::kIsub};
  for (uint32_t k = 0; k < n; ++k) {
    Value x = vals[(k * 7) % vals.size()], y = vals[(k * 13 + 1) % vals.size()];
    vals.push_back(b.binary(kOps[k % 4], x, y));
  }
  b.return_(std::vector<Value>{vals.back()});
  b.seal_all_blocks();
  b.finalize();
  return f;
}

using ir::test_util::count_insts;

// Instruction counts may grow (strength reduction expands divisions), so only validity and
// the printed timing are checked.
void measure(const char* what, Function f) {
  ASSERT_TRUE(verify_function(f).ok());
  size_t before = count_insts(f);
  OptimizeStats st;
  auto t0 = std::chrono::steady_clock::now();
  optimize(f, &st);
  auto t1 = std::chrono::steady_clock::now();
  auto v = verify_function(f);
  ASSERT_TRUE(v.ok()) << what << ": " << v.error().to_string();
  double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  std::printf("%-22s %7zu -> %7zu insts, %u rounds, %8.1f ms, %6.0f ns/inst\n", what, before,
              count_insts(f), st.rounds, ms, ms * 1e6 / static_cast<double>(before));
}

TEST(OptScale, WideCfg) {
  measure("wide cfg 1k diamonds", wide_cfg(1000));
  measure("wide cfg 10k diamonds", wide_cfg(10000));
}

TEST(OptScale, LoopNest) {
  measure("loop nest depth 50", loop_nest(50));
  measure("loop nest depth 500", loop_nest(500));
}

TEST(OptScale, StraightLine) {
  measure("straight 10k", straight(10000));
  measure("straight 100k", straight(100000));
}

}  // namespace
}  // namespace kiln::codegen::opt
