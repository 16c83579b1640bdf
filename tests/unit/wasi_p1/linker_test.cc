// tests/unit/wasi_p1/linker_test.cc: add_to_linker end to end: a compiled guest calls
// wasi_snapshot_preview1 imports through its exported memory, and proc_exit unwinds with a code.
#include <gtest/gtest.h>

#include "runtime/linker.h"
#include "runtime/module.h"
#include "runtime/store.h"
#include "wasi/p1/linker.h"
#include "wat/wat.h"

namespace kiln::wasi::p1 {
namespace {

runtime::Module compile(const runtime::Engine& engine, std::string_view text) {
  auto bytes = wat::parse_module(text);
  EXPECT_TRUE(bytes.ok()) << (bytes.ok() ? "" : bytes.error().to_string());
  auto m = runtime::Module::from_binary(engine, bytes.ok() ? *bytes : std::vector<uint8_t>{});
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().to_string());
  return m.ok() ? *m : runtime::Module();
}

constexpr std::string_view kGuest = R"((module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "hi\n")
  (func (export "_start")
    ;; iovec at 0: {100, 3}
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 3))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    ;; exit with argc * 10 + errno of an out-of-bounds args_sizes_get (21)
    (drop (call $args_sizes_get (i32.const 16) (i32.const 20)))
    (call $proc_exit
      (i32.add (i32.mul (i32.load (i32.const 16)) (i32.const 10))
               (call $args_sizes_get (i32.const 65535) (i32.const 20))))
    unreachable)
  (func (export "write_oob") (result i32)
    (call $fd_write (i32.const 1) (i32.const 65534) (i32.const 1) (i32.const 8))))
)";

TEST(P1Linker, RunsAGuestAndExits) {
  runtime::Engine engine;
  runtime::Module m = compile(engine, kGuest);
  auto out = *host::MemoryPipe::create();
  WasiCtxBuilder b;
  b.args({"guest", "x"}).stdout_pipe(out);
  auto ctx = b.build();
  ASSERT_TRUE(ctx.ok());
  runtime::Store store(engine);
  runtime::Linker linker;
  ASSERT_TRUE(add_to_linker(linker, store, **ctx).ok());
  // Functions are store-independent: not values of a store until a module imports them.
  EXPECT_FALSE(linker.get(kModuleName, "path_open").has_value());
  runtime::Module others = compile(engine, R"((module
    (import "wasi_snapshot_preview1" "path_open"
      (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "sock_shutdown" (func (param i32 i32) (result i32)))))");
  EXPECT_TRUE(linker.instantiate(store, others).ok());
  runtime::Module wrong = compile(engine, R"((module
    (import "wasi_snapshot_preview1" "sock_shutdown" (func (param i32) (result i32)))))");
  EXPECT_FALSE(linker.instantiate(store, wrong).ok());
  auto inst = linker.instantiate(store, m);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();

  auto oob = inst->get_func("write_oob");
  ASSERT_TRUE(oob);
  auto r = oob->call({});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].i32(), static_cast<int32_t>(host::Errno::kFault));

  auto start = inst->get_func("_start");
  ASSERT_TRUE(start);
  runtime::Trap trap;
  auto called = start->call({}, &trap);
  EXPECT_FALSE(called.ok());
  EXPECT_EQ(exit_code_after_trap(**ctx), 2u * 10 + 21);
  EXPECT_EQ(out->take(), "hi\n");
}

TEST(P1Linker, ATrapIsNotAnExit) {
  runtime::Engine engine;
  runtime::Module m = compile(engine, R"((module
    (import "wasi_snapshot_preview1" "sched_yield" (func $y (result i32)))
    (func (export "_start") (drop (call $y)) unreachable)))");
  auto ctx = WasiCtxBuilder().build();
  ASSERT_TRUE(ctx.ok());
  runtime::Store store(engine);
  runtime::Linker linker;
  ASSERT_TRUE(add_to_linker(linker, store, **ctx).ok());
  auto inst = linker.instantiate(store, m);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  auto called = inst->get_func("_start")->call({});
  EXPECT_FALSE(called.ok());
  EXPECT_FALSE(exit_code_after_trap(**ctx).has_value());
}

TEST(P1Linker, ExitStatusesFrom126AreTraps) {
  runtime::Engine engine;
  runtime::Module m = compile(engine, R"((module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (func (export "_start") (call $exit (i32.const 200)))))");
  auto ctx = WasiCtxBuilder().build();
  ASSERT_TRUE(ctx.ok());
  runtime::Store store(engine);
  runtime::Linker linker;
  ASSERT_TRUE(add_to_linker(linker, store, **ctx).ok());
  auto inst = linker.instantiate(store, m);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  runtime::Trap trap;
  auto called = inst->get_func("_start")->call({}, &trap);
  ASSERT_FALSE(called.ok());
  EXPECT_FALSE(exit_code_after_trap(**ctx).has_value());
  EXPECT_NE(called.error().message().find("invalid exit status"), std::string::npos)
      << called.error().message();
}

}  // namespace
}  // namespace kiln::wasi::p1
