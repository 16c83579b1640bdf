// tests/unit/runtime_api/linker_host_funcs_test.cc: store-independent host functions of a
// Linker: created once per store, on first use, and shared by every later instantiation in
// that store; distinct in different stores; calls reach the definition's callback.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "compile_wat.h"
#include "runtime/linker.h"
#include "runtime/module.h"
#include "runtime/store.h"
#include "runtime/store_data.h"
#include "wat/wat.h"

namespace kiln::runtime {
namespace {

using testing::compile;

constexpr std::string_view kReexport = R"((module
  (import "host" "add" (func $add (param i32 i32) (result i32)))
  (export "add" (func $add))
  (func (export "call") (param i32) (result i32) (call $add (local.get 0) (i32.const 1)))))";

TEST(LinkerHostFuncs, OneFunctionPerStoreSharedByInstantiations) {
  Engine engine;
  Module m = compile(engine, kReexport);
  Linker linker;
  int calls = 0;
  ASSERT_TRUE(linker.func_wrap("host", "add", [&calls](int32_t a, int32_t b) -> int32_t {
    ++calls;
    return a + b;
  }).ok());
  auto pre = linker.instantiate_pre(m);
  ASSERT_TRUE(pre.ok()) << pre.error().to_string();

  Store a(engine);
  EXPECT_EQ(a.data().host_funcs.size(), 0u) << "created before any module imports it";
  for (int i = 0; i < 50; ++i) {
    auto inst = i % 2 ? pre->instantiate(a) : linker.instantiate(a, m);
    ASSERT_TRUE(inst.ok()) << inst.error().to_string();
    auto r = inst->get_func("call")->call(std::vector<Val>{Val::i32(i)});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ((*r)[0].i32(), i + 1);
    EXPECT_EQ(a.data().host_funcs.size(), 1u) << "a new host function per instantiation";
  }
  EXPECT_EQ(calls, 50);

  Store b(engine);
  auto other = pre->instantiate(b);
  ASSERT_TRUE(other.ok()) << other.error().to_string();
  EXPECT_EQ(b.data().host_funcs.size(), 1u);
  EXPECT_EQ(a.data().host_funcs.size(), 1u);
  auto r = other->get_func("add")->call(std::vector<Val>{Val::i32(2), Val::i32(3)});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ((*r)[0].i32(), 5);
}

TEST(LinkerHostFuncs, RedefinitionIsANewFunction) {
  Engine engine;
  Module m = compile(engine, kReexport);
  Store store(engine);
  Linker linker;
  linker.allow_shadowing(true);
  ASSERT_TRUE(linker.func_wrap("host", "add", [](int32_t a, int32_t b) -> int32_t { return a + b; }).ok());
  auto first = linker.instantiate(store, m);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(linker.func_wrap("host", "add", [](int32_t a, int32_t b) -> int32_t { return a * b; }).ok());
  auto second = linker.instantiate(store, m);
  ASSERT_TRUE(second.ok());
  auto r1 = first->get_func("add")->call(std::vector<Val>{Val::i32(4), Val::i32(5)});
  auto r2 = second->get_func("add")->call(std::vector<Val>{Val::i32(4), Val::i32(5)});
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_EQ((*r1)[0].i32(), 9);
  EXPECT_EQ((*r2)[0].i32(), 20);
}

}  // namespace
}  // namespace kiln::runtime
