// tests/unit/codegen/opt_random_test.cc: differential tests of the mid-end: random IR functions
// (random CFGs with bounded loops, integer arithmetic, divisions by interesting constants,
// heap/vmctx/stack memory, calls, conditional traps) run in the interpreter before and after
// each pass and the whole optimize(); results, trap codes and the final heap must agree, and
// every output must verify.
#include <gtest/gtest.h>

#include <functional>

#include "codegen/ir/builder.h"
#include "codegen/ir/interpreter.h"
#include "codegen/ir/printer.h"
#include "codegen/ir/verifier.h"
#include "codegen/opt/passes.h"
#include "ir_test_util.h"

namespace kiln::codegen::opt {
namespace {

using namespace ir;

using ir::test_util::Rng;

constexpr int64_t kVmctx = 4096;  // the vmctx "instance" lives in the heap: readonly below +64

// The callee every generated function may call: it writes the heap (address 16) and the
// vmctx's mutable part (+64), so calls must clobber both.
Function make_callee() {
  Function f;
  f.name = "clobber";
  f.signature.params = {{kI64}, {kI32}};
  f.signature.returns = {{kI32}};
  FunctionBuilder b(f);
  Block e = b.create_block();
  b.append_block_params_for_function_params(e);
  b.switch_to_block(e);
  Value vm = f.dfg.block_params(e)[0], x = f.dfg.block_params(e)[1];
  MemFlags heap;
  heap.set_region(AliasRegion::kHeap);
  b.store(Opcode::kStore, heap, x, b.iconst(kI64, 16), 0);
  MemFlags vmf = MemFlags::trusted();
  vmf.set_region(AliasRegion::kVmctx);
  b.store(Opcode::kStore, vmf, b.convert(Opcode::kSextend, kI64, x), vm, 64);
  Value r = b.binary(Opcode::kIadd, x, b.iconst(kI32, 1));
  b.return_(std::vector<Value>{r});
  b.seal_all_blocks();
  b.finalize();
  return f;
}

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  // (vmctx, i32, i32, i64) -> (i32, i64), importing the clobbering callee.
  static Function declare(const char* fname, FuncRef& callee) {
    Function f;
    f.name = fname;
    f.signature.params = {{kI64, ArgumentPurpose::kVmctx}, {kI32}, {kI32}, {kI64}};
    f.signature.returns = {{kI32}, {kI64}};
    Signature callee_sig{{{kI64}, {kI32}}, {{kI32}}};
    SigRef sig = f.import_signature(callee_sig);
    ExternalName name;
    name.test_name = "clobber";
    callee = f.import_function({name, sig, false});
    return f;
  }

  Function generate() {
    Function f = declare("rand", callee_);
    slot_ = f.create_stack_slot(16, 3);
    FunctionBuilder b(f);
    b_ = &b;
    f_ = &f;

    uint32_t n = 2 + rng_.below(6);
    std::vector<Block> bodies, conts;
    Block entry = b.create_block();
    for (uint32_t k = 0; k < n; ++k) {
      bodies.push_back(b.create_block());
      conts.push_back(b.create_block());
    }
    Block ret = b.create_block();
    Value ret_a = b.append_block_param(ret, kI32), ret_b = b.append_block_param(ret, kI64);
    // Body parameters: (counter, a: i32, b: i64).
    for (Block blk : bodies) {
      b.append_block_param(blk, kI32);
      b.append_block_param(blk, kI32);
      b.append_block_param(blk, kI64);
    }
    for (Block c : conts) {
      b.append_block_param(c, kI32);
      b.append_block_param(c, kI32);
      b.append_block_param(c, kI64);
    }

    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    auto ep = f.dfg.block_params(entry);
    vmctx_ = ep[0];
    globals32_ = {ep[1], ep[2]};
    globals64_ = {ep[3]};
    i32s_ = globals32_;
    i64s_ = globals64_;
    // Shared heap addresses, so that accesses meet (the callee writes address 16).
    addrs_ = {b.iconst(kI64, 16), b.iconst(kI64, 24)};
    addrs_.push_back(heap_addr());
    emit_ops(4);
    globals32_ = i32s_;
    globals64_ = i64s_;
    b.jump(bodies[0], std::vector<Value>{b.iconst(kI32, 12), pick32(), pick64()});

    for (uint32_t k = 0; k < n; ++k) {
      b.switch_to_block(bodies[k]);
      auto p = f.dfg.block_params(bodies[k]);
      Value cnt = p[0];
      i32s_ = globals32_;
      i64s_ = globals64_;
      i32s_.push_back(p[1]);
      i64s_.push_back(p[2]);
      emit_ops(2 + rng_.below(10));
      Value stop = b.icmp(IntCC::kSlt, cnt, b.iconst(kI32, 1));
      Value next = b.binary(Opcode::kIsub, cnt, b.iconst(kI32, 1));
      std::vector<Value> out{pick32(), pick64()};
      b.brif(stop, ret, out, conts[k], std::vector<Value>{next, pick32(), pick64()});

      b.switch_to_block(conts[k]);
      auto cp = f.dfg.block_params(conts[k]);
      i32s_ = globals32_;
      i64s_ = globals64_;
      i32s_.push_back(cp[1]);
      i64s_.push_back(cp[2]);
      Value c = cp[0];
      auto args = [&]() { return std::vector<Value>{c, pick32(), pick64()}; };
      uint32_t kind = rng_.below(4);
      if (kind == 0) {
        b.jump(bodies[rng_.below(n)], args());
      } else if (kind == 1 || kind == 2) {
        Value cond = kind == 1 ? b.icmp(IntCC::kUlt, pick32(), pick32()) : pick32();
        Block t = bodies[rng_.below(n)], e = bodies[rng_.below(n)];
        auto ta = args();
        auto ea = rng_.chance(30) ? ta : args();
        if (rng_.chance(20)) e = t;
        b.brif(cond, t, ta, e, ea);
      } else {
        // br_table passes no arguments: route through fresh blocks that forward them.
        std::vector<Block> targets;
        Block def = b.create_block();
        uint32_t m = 1 + rng_.below(3);
        for (uint32_t j = 0; j < m; ++j) targets.push_back(b.create_block());
        Value idx = b.binary(Opcode::kBand, pick32(), b.iconst(kI32, 3));
        std::vector<Value> fixed = args();
        b.br_table(idx, def, targets);
        targets.push_back(def);
        for (Block t : targets) {
          b.switch_to_block(t);
          b.jump(bodies[rng_.below(n)], fixed);
        }
      }
    }
    b.switch_to_block(ret);
    b.return_(std::vector<Value>{ret_a, ret_b});
    b.seal_all_blocks();
    b.finalize();
    return f;
  }

  // A join whose block loads from an address computed from its parameter, after a diamond
  // that may have loaded the same addresses (the shape of load_pre.cc, as a heap sort's
  // sift-down has it), with random clobbers (a heap store, a call, a store before the join's
  // load) and addresses that may not match or may be out of bounds.
  Function generate_diamond() {
    FuncRef callee;
    Function f = declare("diamond", callee);
    FunctionBuilder b(f);
    MemFlags heap;
    heap.set_region(AliasRegion::kHeap);
    const uint32_t shift = rng_.below(4);
    const int64_t mask = rng_.chance(20) ? -1 : (rng_.chance(50) ? 0x3ff : 0xfff);
    const int64_t disp = 4 * rng_.below(4);
    auto addr = [&](Value x, uint32_t sh) {
      Value e = b.convert(Opcode::kUextend, kI64, b.binary(Opcode::kIshl, x, b.iconst(kI32, sh)));
      if (mask != -1) e = b.binary(Opcode::kBand, e, b.iconst(kI64, mask));
      return b.binary(Opcode::kIadd, e, b.iconst(kI64, disp));
    };
    Block entry = b.create_block(), blk1 = b.create_block(), blk2 = b.create_block();
    Block join = b.create_block();
    Value j = b.append_block_param(join, kI32);
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    auto ep = f.dfg.block_params(entry);
    Value vm = ep[0], a = ep[1], c = ep[2], g = ep[3];
    Value a1 = b.binary(Opcode::kBor, a, b.iconst(kI32, 1));
    Value j0 = rng_.chance(50) ? a : (rng_.chance(50) ? c : a1);
    b.brif(b.icmp(rng_.chance(50) ? IntCC::kUlt : IntCC::kSlt, a, c), blk1, {}, join,
           std::vector<Value>{j0});
    b.switch_to_block(blk1);
    if (rng_.chance(25)) b.store(Opcode::kStore, heap, c, addr(c, shift), 0);
    Value x = b.load(Opcode::kLoad, kI32, heap, addr(a, rng_.chance(85) ? shift : (shift + 1) % 4), 0);
    Value y = b.load(Opcode::kLoad, kI32, heap, addr(a1, shift), 0);
    b.brif(b.icmp(IntCC::kUlt, x, y), join, std::vector<Value>{rng_.chance(80) ? a : a1}, blk2, {});
    b.switch_to_block(blk2);
    if (rng_.chance(20)) b.call(callee, std::vector<Value>{vm, y});
    b.jump(join, std::vector<Value>{rng_.chance(80) ? a1 : a});
    b.switch_to_block(join);
    if (rng_.chance(15)) {
      MemFlags vmf = MemFlags::trusted();
      vmf.set_region(AliasRegion::kVmctx);
      b.store(Opcode::kStore, vmf, g, vm, 64);
    }
    Value v = b.load(Opcode::kLoad, kI32, heap, addr(j, shift), 0);
    b.return_(std::vector<Value>{b.binary(Opcode::kIadd, v, j), g});
    b.seal_all_blocks();
    b.finalize();
    return f;
  }

 private:
  Value pick32() { return i32s_[rng_.below(static_cast<uint32_t>(i32s_.size()))]; }
  Value pick64() { return i64s_[rng_.below(static_cast<uint32_t>(i64s_.size()))]; }

  int64_t interesting() {
    static const int64_t kConsts[] = {0, 1, -1, 2, 3, 4, 5, 7, 8, 9, 10, 16, 31, 32, 33, 63, 64,
                                      100, 1000, -2, -3, -4, -7, -8, 0x7fffffff, INT32_MIN,
                                      0x80000000, 0xffffffff, INT64_MIN, INT64_MAX};
    if (rng_.chance(70)) return kConsts[rng_.below(std::size(kConsts))];
    return static_cast<int64_t>(rng_.next());
  }
  Value konst(Type t) {
    uint64_t v = static_cast<uint64_t>(interesting());
    if (t.bits() < 64) v &= (uint64_t{1} << t.bits()) - 1;
    return b_->iconst(t, static_cast<int64_t>(v));
  }
  Value operand(Type t) {
    if (rng_.chance(30)) return konst(t);
    return t == kI32 ? pick32() : pick64();
  }
  void push(Value v) {
    Type t = f_->dfg.value_type(v);
    if (t == kI32) i32s_.push_back(v);
    if (t == kI64) i64s_.push_back(v);
  }
  // A heap address: inside [0, 288), or sometimes out of bounds (a trap); never the vmctx.
  Value heap_addr() {
    if (!addrs_.empty() && rng_.chance(60)) return addrs_[rng_.below(static_cast<uint32_t>(addrs_.size()))];
    Value x = b_->convert(Opcode::kUextend, kI64, pick32());
    if (rng_.chance(3)) return b_->binary(Opcode::kIadd, x, b_->iconst(kI64, 8192));  // past the heap
    Value m = b_->binary(Opcode::kBand, x, b_->iconst(kI64, rng_.chance(50) ? 0xff : 0x3f));
    return b_->binary(Opcode::kIadd, m, b_->iconst(kI64, 8 * rng_.below(4)));
  }

  void emit_ops(uint32_t count) {
    FunctionBuilder& b = *b_;
    static const Opcode kBin[] = {Opcode::kIadd, Opcode::kIsub, Opcode::kImul, Opcode::kBand,
                                  Opcode::kBor,  Opcode::kBxor, Opcode::kIshl, Opcode::kUshr,
                                  Opcode::kSshr, Opcode::kRotl, Opcode::kRotr};
    static const Opcode kDiv[] = {Opcode::kSdiv, Opcode::kUdiv, Opcode::kSrem, Opcode::kUrem};
    for (uint32_t k = 0; k < count; ++k) {
      Type t = rng_.chance(60) ? kI32 : kI64;
      uint32_t what = rng_.below(100);
      if (what < 35) {
        Opcode op = kBin[rng_.below(std::size(kBin))];
        Value x = rng_.chance(15) ? konst(t) : operand(t);
        Value y = rng_.chance(10) ? x : operand(t);
        push(b.binary(op, x, y));
      } else if (what < 50) {
        Opcode op = kDiv[rng_.below(std::size(kDiv))];
        Value y = rng_.chance(85) ? konst(t) : operand(t);
        push(b.binary(op, operand(t), y));
      } else if (what < 58) {
        IntCC cc = static_cast<IntCC>(rng_.below(10));
        Value c = b.icmp(cc, operand(t), operand(t));
        push(b.convert(Opcode::kUextend, kI32, c));
      } else if (what < 63) {
        Value c = b.icmp(IntCC::kNe, pick32(), b.iconst(kI32, 0));
        push(b.select(rng_.chance(20) ? b.iconst(kI8, rng_.below(2)) : c, operand(t), operand(t)));
      } else if (what < 68) {
        Value x = pick32();
        if (rng_.chance(50)) {
          push(b.convert(rng_.chance(50) ? Opcode::kUextend : Opcode::kSextend, kI64, x));
        } else {
          Value n = b.convert(Opcode::kIreduce, rng_.chance(50) ? kI8 : kI16, x);
          Value w = b.convert(rng_.chance(50) ? Opcode::kUextend : Opcode::kSextend, kI32, n);
          push(b.convert(rng_.chance(50) ? Opcode::kUextend : Opcode::kSextend, kI64, w));
          push(b.convert(Opcode::kIreduce, kI32, pick64()));
        }
      } else if (what < 78) {
        MemFlags heap;
        heap.set_region(AliasRegion::kHeap);
        Opcode op = t == kI32 ? Opcode::kLoad : (rng_.chance(50) ? Opcode::kLoad : Opcode::kUload32);
        if (rng_.chance(50)) {
          b.store(Opcode::kStore, heap, operand(t), heap_addr(), 0);
        }
        push(b.load(op, t, heap, heap_addr(), static_cast<int32_t>(4 * rng_.below(3))));
      } else if (what < 85) {
        // vmctx: readonly fields below +64, mutable ones from +64 (written by the callee).
        MemFlags vmf = MemFlags::trusted();
        vmf.set_region(AliasRegion::kVmctx);
        if (rng_.chance(50)) {
          MemFlags ro = vmf;
          ro.bits |= MemFlags::kReadonly;
          push(b.load(Opcode::kLoad, t, ro, vmctx_, static_cast<int32_t>(8 * rng_.below(8))));
        } else {
          int32_t off = static_cast<int32_t>(64 + 8 * rng_.below(4));
          if (rng_.chance(40)) b.store(Opcode::kStore, vmf, operand(t), vmctx_, off);
          push(b.load(Opcode::kLoad, t, vmf, vmctx_, off));
        }
      } else if (what < 90) {
        int32_t off = static_cast<int32_t>(8 * rng_.below(2));
        if (rng_.chance(50)) b.stack_store(operand(kI64), slot_, off);
        if (rng_.chance(20)) {
          Value a = b.stack_addr(kI64, slot_, 0);
          b.store(Opcode::kStore, MemFlags::trusted(), operand(kI64), a, off);
        }
        push(b.stack_load(kI64, slot_, off));
      } else if (what < 94) {
        Inst c = b.call(callee_, std::vector<Value>{vmctx_, pick32()});
        push(f_->dfg.first_result(c));
      } else if (what < 97) {
        Value c = b.icmp(IntCC::kEq, pick32(), b.iconst(kI32, static_cast<int64_t>(rng_.below(4))));
        if (rng_.chance(50)) {
          b.trapnz(c, TrapCode::kUnreachable);
        } else {
          b.trapz(b.binary(Opcode::kBor, pick32(), b.iconst(kI32, 1)), TrapCode::kIntegerOverflow);
        }
      } else {
        push(konst(t));
      }
    }
  }

  Rng rng_;
  FunctionBuilder* b_ = nullptr;
  Function* f_ = nullptr;
  FuncRef callee_;
  StackSlot slot_;
  Value vmctx_;
  std::vector<Value> globals32_, globals64_, i32s_, i64s_, addrs_;
};

struct RunResult {
  std::string outcome;
  std::vector<uint8_t> heap;
};

RunResult run(const Function& f, const Function& callee, const std::vector<DataValue>& args) {
  Interpreter interp(8192);
  interp.add_function(callee);
  for (size_t k = 0; k < 4096; ++k) interp.heap()[k] = static_cast<uint8_t>(k * 7 + 3);
  for (size_t k = 0; k < 128; ++k) interp.heap()[kVmctx + k] = static_cast<uint8_t>(k * 13 + 1);
  auto r = interp.call(f, args);
  if (!r.ok()) return {"error " + r.error().to_string(), {}};
  std::string s;
  if (r->trapped) {
    s = "trap " + trapcode_name(r->trap);
  } else {
    for (const DataValue& v : r->values) s += v.to_string() + " ";
  }
  return {s, interp.heap()};
}

using Pass = std::function<bool(Function&)>;

struct Stats {
  int functions = 0, runs = 0, traps = 0, changed = 0;
};

void check_pass(uint64_t seed, const char* name, const Pass& pass, Stats& st, bool diamond = false) {
  Generator g(seed);
  Function f = diamond ? g.generate_diamond() : g.generate();
  Function callee = make_callee();
  auto v = verify_function(f);
  ASSERT_TRUE(v.ok()) << "generator output: " << v.error().to_string() << "\n" << print_function(f);
  Function opt = f;
  pass(opt);
  auto vo = verify_function(opt);
  ASSERT_TRUE(vo.ok()) << name << " seed " << seed << ": " << vo.error().to_string() << "\n"
                       << print_function(f) << "\n---\n" << print_function(opt);
  st.functions++;
  if (print_function(opt) != print_function(f)) st.changed++;
  Rng args_rng(seed * 31 + 7);
  for (int k = 0; k < 6; ++k) {
    auto arg32 = [&]() {
      static const uint32_t kVals[] = {0, 1, 2, 3, 7, 0xffffffffu, 0x80000000u, 100, 255};
      return args_rng.chance(60) ? kVals[args_rng.below(std::size(kVals))]
                                 : static_cast<uint32_t>(args_rng.next());
    };
    std::vector<DataValue> args{DataValue::make(kI64, kVmctx), DataValue::make(kI32, arg32()),
                                DataValue::make(kI32, arg32()),
                                DataValue::make(kI64, args_rng.next() >> args_rng.below(64))};
    RunResult a = run(f, callee, args), b = run(opt, callee, args);
    ASSERT_EQ(a.outcome.rfind("error", 0), std::string::npos) << a.outcome;
    ASSERT_EQ(a.outcome, b.outcome) << name << " seed " << seed << " run " << k << "\n"
                                    << print_function(f) << "\n---\n" << print_function(opt);
    ASSERT_TRUE(a.heap == b.heap) << name << " seed " << seed << ": heap differs\n"
                                  << print_function(f) << "\n---\n" << print_function(opt);
    st.runs++;
    if (a.outcome.rfind("trap", 0) == 0) st.traps++;
  }
}

constexpr uint64_t kSeeds = 400;

TEST(OptRandom, EachPassPreservesSemantics) {
  const std::pair<const char*, Pass> passes[] = {
      {"simplify", simplify},
      {"gvn", global_value_numbering},
      {"licm", hoist_loop_invariants},
      {"load_elim", eliminate_redundant_loads},
      {"branch_fold", fold_branches},
      {"dce", eliminate_dead_code},
      {"tail_dup", duplicate_return_tails},
      {"jump_thread", thread_jumps},
      {"schedule", [](Function& f) { return schedule_for_ilp(f, /*only_if_profitable=*/false); }},
  };
  for (const auto& [name, pass] : passes) {
    Stats st;
    for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
      check_pass(seed, name, pass, st);
      if (HasFatalFailure()) return;
    }
    std::printf("%-12s %d functions (%d changed), %d runs (%d traps)\n", name, st.functions,
                st.changed, st.runs, st.traps);
    EXPECT_GT(st.changed, 0) << name << " never fired";
  }
}

// Load PRE needs joins outside loops with matching address computations, which the general
// generator rarely makes: diamonds made for it, through the pass alone and the pipeline.
TEST(OptRandom, LoadPreOnDiamondsPreservesSemantics) {
  for (const auto& [name, pass] : std::vector<std::pair<const char*, Pass>>{
           {"load_pre", eliminate_partially_redundant_loads},
           {"optimize", [](Function& f) { optimize(f); return true; }}}) {
    Stats st;
    for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
      check_pass(seed, name, pass, st, /*diamond=*/true);
      if (HasFatalFailure()) return;
    }
    std::printf("%-12s %d diamonds (%d changed), %d runs (%d traps)\n", name, st.functions,
                st.changed, st.runs, st.traps);
    EXPECT_GT(st.changed, st.functions / 4) << name;
    EXPECT_GT(st.traps, 0) << name;
    EXPECT_LT(st.traps, st.runs) << name;
  }
}

TEST(OptRandom, OptimizePreservesSemantics) {
  Stats st;
  for (uint64_t seed = 1; seed <= 3 * kSeeds; ++seed) {
    check_pass(seed, "optimize", [](Function& f) { optimize(f); return true; }, st);
    if (HasFatalFailure()) return;
  }
  std::printf("optimize     %d functions (%d changed), %d runs (%d traps)\n", st.functions,
              st.changed, st.runs, st.traps);
  EXPECT_GT(st.traps, 0);
  EXPECT_LT(st.traps, st.runs);
}

}  // namespace
}  // namespace kiln::codegen::opt
