// tests/unit/runtime_api/compile_wat.h: the embedding-API tests' way to make a Module from
// WebAssembly text; a parse or compile error fails the current test (and yields an empty
// Module, whose use fails it again rather than crashing).
#pragma once

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "runtime/engine.h"
#include "runtime/linker.h"
#include "runtime/module.h"
#include "runtime/store.h"
#include "wat/wat.h"

namespace kiln::runtime::testing {

inline Module compile(const Engine& engine, std::string_view text) {
  auto bytes = wat::parse_module(text);
  EXPECT_TRUE(bytes.ok()) << (bytes.ok() ? "" : bytes.error().to_string());
  auto m = Module::from_binary(engine, bytes.ok() ? *bytes : std::vector<uint8_t>{});
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().to_string());
  return m.ok() ? *m : Module();
}

// A module of `text` compiled with `config` and instantiated alone with no imports, for tests
// that call its exports; a compile or instantiation error fails the current test and leaves
// `instance` a default (empty) Instance. Engine and store live as long as this object.
struct Instantiated {
  Instantiated(const Config& config, std::string_view text) : engine(config), store(engine) {
    Module m = compile(engine, text);
    auto r = Linker().instantiate(store, m);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    ok = r.ok();
    if (ok) instance = *r;
  }
  Engine engine;
  Store store;
  Instance instance;
  bool ok = false;
};

// Calls export `name` of `inst` and returns its first result; a missing export, a trap or no
// result yields i32 -1 (the first two also fail the current test).
inline Val call_first(Instance& inst, const char* name, const std::vector<Val>& args) {
  auto f = inst.get_func(name);
  EXPECT_TRUE(f.has_value()) << name;
  if (!f) return Val::i32(-1);
  auto r = f->call(args);
  EXPECT_TRUE(r.ok()) << name;
  return r.ok() && !r->empty() ? (*r)[0] : Val::i32(-1);
}

// Calls export `name` of `inst`, which must trap, and returns the trap (a missing export or a
// normal return fails the current test and yields an empty Trap).
inline Trap trap_of(const Instance& inst, std::string_view name, const std::vector<Val>& args = {}) {
  auto f = inst.get_func(name);
  EXPECT_TRUE(f.has_value()) << name;
  Trap t;
  if (!f) return t;
  auto r = f->call(args, &t);
  EXPECT_FALSE(r.ok()) << name << " returned normally";
  return t;
}

}  // namespace kiln::runtime::testing
