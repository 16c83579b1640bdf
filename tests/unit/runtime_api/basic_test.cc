// tests/unit/runtime_api/basic_test.cc: the embedding API end to end: compile text modules,
// instantiate, call exports, globals, memories, tables, multiple instances.
#include <gtest/gtest.h>

#include "compile_wat.h"
#include "runtime/linker.h"
#include "runtime/module.h"
#include "runtime/store.h"
#include "wat/wat.h"

namespace kiln::runtime {
namespace {

using testing::compile;

TEST(RuntimeApi, AddTwoNumbers) {
  Engine engine;
  Module m = compile(engine, R"((module (func (export "add") (param i32 i32) (result i32)
                                      local.get 0 local.get 1 i32.add)))");
  Store store(engine);
  auto inst = Instance::create(store, m, {});
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  auto add = inst->get_func("add");
  ASSERT_TRUE(add);
  Val args[] = {Val::i32(40), Val::i32(2)};
  auto r = add->call(args);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].i32(), 42);
  EXPECT_EQ(add->type().params.size(), 2u);
}

}  // namespace
}  // namespace kiln::runtime

namespace kiln::runtime {
namespace {

// Each test gets its own engine at both optimization levels where it matters.
class RuntimeApiTest : public ::testing::TestWithParam<environ::OptLevel> {
 protected:
  RuntimeApiTest() : engine_(config()), store_(engine_) {}
  static Config config() {
    Config c;
    c.opt_level = GetParam();
    return c;
  }
  Instance instantiate(std::string_view text, Linker* linker = nullptr) {
    Module m = compile(engine_, text);
    Linker empty;
    auto inst = (linker ? linker : &empty)->instantiate(store_, m);
    EXPECT_TRUE(inst.ok()) << (inst.ok() ? "" : inst.error().to_string());
    return inst.ok() ? *inst : Instance();
  }
  // Calls export `name` expecting a trap; returns it.
  Trap trap_of(const Instance& inst, std::string_view name, std::vector<Val> args = {}) {
    auto f = inst.get_func(name);
    EXPECT_TRUE(f.has_value()) << name;
    Trap t;
    if (!f) return t;
    auto r = f->call(args, &t);
    EXPECT_FALSE(r.ok()) << name << " returned";
    if (!r.ok()) {
      EXPECT_EQ(r.error().message(), t.message);
    }
    return t;
  }
  Engine engine_;
  Store store_;
};

constexpr std::string_view kTraps = R"((module
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) $ok)
  (type $v (func))
  (func $ok (result i32) i32.const 7)
  (func (export "ok") (result i32) call $ok)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u)
  (func $unreachable (export "unreachable") unreachable)
  (func (export "nested") call $unreachable)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "store_far") i32.const 0xFFFFFFF0 i32.const 1 i32.store offset=0x100)
  (func (export "bad_sig") i32.const 0 call_indirect (type $v))
  (func (export "null_entry") i32.const 1 call_indirect (type $v))
  (func (export "past_end") i32.const 5 call_indirect (type $v))
  (func $rec (export "rec") (param i32) (result i32) local.get 0 call $rec i32.const 1 i32.add)
))";

TEST_P(RuntimeApiTest, TrapsHaveSpecMessagesAndTheHostStaysHealthy) {
  Instance inst = instantiate(kTraps);
  auto ok = inst.get_func("ok");
  ASSERT_TRUE(ok);
  auto check_ok = [&] {
    auto r = ok->call({});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ((*r)[0].i32(), 7);
  };
  EXPECT_EQ(trap_of(inst, "div", {Val::i32(1), Val::i32(0)}).message, "integer divide by zero");
  check_ok();
  EXPECT_EQ(trap_of(inst, "unreachable").code, environ::TrapCode::kUnreachable);
  check_ok();
  EXPECT_EQ(trap_of(inst, "load", {Val::i32(65536)}).message, "out of bounds memory access");
  check_ok();
  EXPECT_EQ(trap_of(inst, "load", {Val::i32(-1)}).message, "out of bounds memory access");
  EXPECT_EQ(trap_of(inst, "store_far").message, "out of bounds memory access");
  check_ok();
  EXPECT_EQ(trap_of(inst, "bad_sig").message, "indirect call type mismatch");
  EXPECT_EQ(trap_of(inst, "null_entry").message, "uninitialized element");
  EXPECT_EQ(trap_of(inst, "past_end").message, "undefined element");
  check_ok();
  Trap deep = trap_of(inst, "rec", {Val::i32(0)});
  EXPECT_EQ(deep.message, "call stack exhausted");
  EXPECT_EQ(deep.code, environ::TrapCode::kStackOverflow);
  check_ok();
  // The stack limit is reset after an exhaustion: deep recursion traps again, not earlier.
  EXPECT_EQ(trap_of(inst, "rec", {Val::i32(0)}).message, "call stack exhausted");
  check_ok();
}

TEST_P(RuntimeApiTest, BacktracesNameWasmFunctions) {
  Instance inst = instantiate(kTraps);
  Trap t = trap_of(inst, "nested");
  ASSERT_GE(t.backtrace.size(), 2u);
  EXPECT_EQ(t.backtrace[0].func_name.value_or(""), "unreachable");
  EXPECT_EQ(t.backtrace[0].func_index, 3u);
  EXPECT_EQ(t.backtrace[1].func_index, 4u);
  EXPECT_NE(t.to_string().find("wasm backtrace:"), std::string::npos);
}

TEST_P(RuntimeApiTest, HostFunctionsAreCalledFromWasm) {
  Linker linker;
  int calls = 0;
  ASSERT_TRUE(linker.func_wrap(store_, "env", "twice", [&](int32_t x) -> int32_t {
    ++calls;
    return 2 * x;
  }).ok());
  ASSERT_TRUE(linker.func_wrap(store_, "env", "mix", [](int64_t a, double b, float c) -> double {
    return static_cast<double>(a) + b + static_cast<double>(c);
  }).ok());
  wasm::FuncType fail_type;
  ASSERT_TRUE(linker.func_new(store_, "env", "fail", fail_type,
                              [](Caller&, std::span<const Val>, std::span<Val>) -> Expected<void> {
                                return Error(ErrorKind::kOther, "host says no");
                              }).ok());
  Instance inst = instantiate(R"((module
    (import "env" "twice" (func $twice (param i32) (result i32)))
    (import "env" "mix" (func $mix (param i64 f64 f32) (result f64)))
    (import "env" "fail" (func $fail))
    (func (export "quad") (param i32) (result i32) local.get 0 call $twice call $twice)
    (func (export "mix") (result f64) i64.const 1 f64.const 0.5 f32.const 0.25 call $mix)
    (func (export "fail") (result i32) call $fail i32.const 1)
    (func (export "ok") (result i32) i32.const 5)
  ))", &linker);
  auto r = inst.get_func("quad")->call(std::vector<Val>{Val::i32(5)});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ((*r)[0].i32(), 20);
  EXPECT_EQ(calls, 2);
  auto m = inst.get_func("mix")->call({});
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ((*m)[0].f64(), 1.75);
  EXPECT_EQ(trap_of(inst, "fail").message, "host says no");
  auto after = inst.get_func("ok")->call({});
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)[0].i32(), 5);
  // A host function called directly from the host.
  auto direct = linker.get("env", "twice");
  ASSERT_TRUE(direct);
  auto d = std::get<Func>(*direct).call(std::vector<Val>{Val::i32(21)});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)[0].i32(), 42);
}

TEST_P(RuntimeApiTest, InstancesOfOneModuleAreIndependent) {
  Module m = compile(engine_, R"((module
    (memory (export "mem") 1)
    (global $g (export "g") (mut i32) (i32.const 10))
    (func (export "bump") (result i32)
      global.get $g i32.const 1 i32.add global.set $g
      i32.const 0 global.get $g i32.store
      global.get $g)
  ))");
  auto a = Instance::create(store_, m, {});
  auto b = Instance::create(store_, m, {});
  ASSERT_TRUE(a.ok() && b.ok());
  auto ra = a->get_func("bump")->call({});
  ra = a->get_func("bump")->call({});
  auto rb = b->get_func("bump")->call({});
  ASSERT_TRUE(ra.ok() && rb.ok());
  EXPECT_EQ((*ra)[0].i32(), 12);
  EXPECT_EQ((*rb)[0].i32(), 11);
  EXPECT_EQ(a->get_global("g")->get().i32(), 12);
  EXPECT_EQ(b->get_memory("mem")->data()[0], 11);
  EXPECT_EQ(a->get_memory("mem")->data()[0], 12);
  ASSERT_TRUE(a->get_global("g")->set(Val::i32(100)).ok());
  EXPECT_EQ((*a->get_func("bump")->call({}))[0].i32(), 101);
  EXPECT_FALSE(a->get_global("g")->set(Val::i64(1)).ok());
}

TEST_P(RuntimeApiTest, LinkerErrors) {
  Module m = compile(engine_, R"((module (import "env" "f" (func (param i32)))))");
  Linker linker;
  auto missing = linker.instantiate(store_, m);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), ErrorKind::kLink);
  EXPECT_TRUE(missing.error().message().starts_with("unknown import")) << missing.error().message();
  ASSERT_TRUE(linker.func_wrap(store_, "env", "f", [](int64_t) {}).ok());
  auto wrong = linker.instantiate(store_, m);
  ASSERT_FALSE(wrong.ok());
  EXPECT_TRUE(wrong.error().message().starts_with("incompatible import type")) << wrong.error().message();
  EXPECT_FALSE(linker.func_wrap(store_, "env", "f", [](int32_t) {}).ok());  // no shadowing by default

  Module mem_user = compile(engine_, R"((module (import "env" "m" (memory 2))))");
  wasm::MemoryType small;
  small.limits.min = 1;
  auto mem = Memory::create(store_, small);
  ASSERT_TRUE(mem.ok());
  ASSERT_TRUE(linker.define("env", "m", *mem).ok());
  auto too_small = linker.instantiate(store_, mem_user);
  ASSERT_FALSE(too_small.ok());
  EXPECT_TRUE(too_small.error().message().starts_with("incompatible import type"));
  ASSERT_TRUE(mem->grow(1).has_value());
  EXPECT_TRUE(linker.instantiate(store_, mem_user).ok());
}

TEST_P(RuntimeApiTest, SegmentTrapsFailInstantiationButKeepEarlierWrites) {
  Linker linker;
  wasm::TableType tt;
  tt.limits.min = 3;
  auto table = Table::create(store_, tt, Val::funcref(nullptr));
  ASSERT_TRUE(table.ok());
  ASSERT_TRUE(linker.define("env", "t", *table).ok());
  Module m = compile(engine_, R"((module
    (import "env" "t" (table 3 funcref))
    (memory 1)
    (func $f (result i32) i32.const 9)
    (elem (i32.const 0) $f)
    (data (i32.const 65535) "ab")))");
  Trap trap;
  auto inst = linker.instantiate(store_, m, &trap);
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.error().message(), "out of bounds memory access");
  EXPECT_EQ(trap.code, environ::TrapCode::kHeapOutOfBounds);
  // The element segment was applied before the data segment trapped.
  std::optional<Val> entry = table->get(0);
  ASSERT_TRUE(entry && !entry->is_null_ref());
  auto r = Func(&store_.data(), entry->funcref()).call({});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ((*r)[0].i32(), 9);

  Module bad_elem = compile(engine_, R"((module (table 1 funcref) (func $f) (elem (i32.const 1) $f)))");
  auto e = Instance::create(store_, bad_elem, {});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message(), "out of bounds table access");
}

TEST_P(RuntimeApiTest, StartFunctionRunsAndTraps) {
  Instance inst = instantiate(R"((module (global (export "g") (mut i32) (i32.const 0))
      (func $s i32.const 3 global.set 0) (start $s)))");
  EXPECT_EQ(inst.get_global("g")->get().i32(), 3);
  Module m = compile(engine_, "(module (func $s unreachable) (start $s))");
  auto bad = Instance::create(store_, m, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "unreachable");
  EXPECT_EQ(bad.error().kind(), ErrorKind::kInstantiate);
}

TEST_P(RuntimeApiTest, ArgumentsAreTypeChecked) {
  Instance inst = instantiate(R"((module (func (export "f") (param i32 f64) (result f64 i32)
      local.get 1 local.get 0)))");
  auto f = inst.get_func("f");
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->call(std::vector<Val>{Val::i32(1)}).ok());
  EXPECT_FALSE(f->call(std::vector<Val>{Val::i64(1), Val::f64(2)}).ok());
  auto r = f->call(std::vector<Val>{Val::i32(-4), Val::f64(2.5)});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].f64(), 2.5);
  EXPECT_EQ((*r)[1].i32(), -4);
}

INSTANTIATE_TEST_SUITE_P(OptLevels, RuntimeApiTest,
                         ::testing::Values(environ::OptLevel::kNone, environ::OptLevel::kSpeed),
                         [](const auto& info) { return info.param == environ::OptLevel::kNone ? "O0" : "O2"; });

}  // namespace
}  // namespace kiln::runtime

namespace kiln::runtime {
namespace {

TEST(RuntimeApi, ImportsMustComeFromTheSameStore) {
  Engine engine;
  Store a(engine), b(engine);
  Linker linker;
  ASSERT_TRUE(linker.func_wrap(a, "env", "f", [] {}).ok());
  Module m = compile(engine, R"((module (import "env" "f" (func))))");
  auto wrong = linker.instantiate(b, m);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().kind(), ErrorKind::kLink);
  EXPECT_TRUE(linker.instantiate(a, m).ok());
}

}  // namespace
}  // namespace kiln::runtime
