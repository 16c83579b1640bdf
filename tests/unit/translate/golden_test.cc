// tests/unit/translate/golden_test.cc: golden IR text of translated functions (default
// tunables: a static 32-bit memory needs no bounds check within the guard region, an offset
// beyond it gets an explicit check, memory64 always does). KILN_BLESS=1 rewrites the files in
// tests/unit/translate/golden/.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "codegen/ir/printer.h"
#include "codegen/ir/verifier.h"
#include "codegen/translate/translate.h"
#include "wasm/decoder.h"
#include "wasm/validator.h"
#include "wat/wat.h"

namespace kiln::codegen::translate {
namespace {

namespace fs = std::filesystem;

void check_golden(const std::string& name, std::string_view wat) {
  auto bytes = wat::parse_module(wat);
  ASSERT_TRUE(bytes) << bytes.error().message();
  wasm::Features features;
  auto m = wasm::decode(std::move(*bytes), features);
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_TRUE(wasm::validate(*m, features));
  auto offsets = environ::VMOffsets::for_module(*m);
  ASSERT_TRUE(offsets);
  environ::Tunables tunables;
  ModuleEnv env{*m, *offsets, tunables};
  std::string text;
  for (uint32_t k = 0; k < m->num_defined_funcs(); ++k) {
    auto f = translate_function(env, environ::DefinedFuncIndex(k));
    ASSERT_TRUE(f) << f.error().message();
    ASSERT_TRUE(ir::verify_function(*f));
    text += ir::print_function(*f);
  }
  fs::path path = fs::path(KILN_SOURCE_DIR) / "tests/unit/translate/golden" / (name + ".kir");
  const char* bless = std::getenv("KILN_BLESS");
  if (bless && std::string(bless) == "1") {
    std::ofstream(path) << text;
    return;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing " << path << " (run with KILN_BLESS=1)";
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), text) << "golden " << path << " differs (KILN_BLESS=1 to update)";
}

TEST(Golden, MemoryBoundsChecks) {
  check_golden("memory", R"((module
    (memory 1)
    (memory $m64 i64 1)
    (func (param i32) (result i32) (i32.load offset=8 (local.get 0)))
    (func (param i32 i32) (i32.store8 offset=4294967295 (local.get 0) (local.get 1)))
    (func (param i64) (result i64) (i64.load $m64 offset=16 (local.get 0)))
    (func (param i32) (result i32) (memory.grow (local.get 0))))
  )");
}

TEST(Golden, ControlFlow) {
  check_golden("control", R"((module
    (func (param i32) (result i32)
      (block (result i32)
        (br_table 0 1 0 (i32.const 7) (local.get 0))))
    (func (param i32) (result i32)
      (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2)))))
  )");
}

TEST(Golden, CallsAndTables) {
  check_golden("calls", R"((module
    (import "env" "f" (func $f (param i32) (result i32)))
    (type $t (func (param i32) (result i32)))
    (table 2 funcref)
    (global $g (mut i64) (i64.const 0))
    (func (param i32) (result i32) (call $f (local.get 0)))
    (func (param i32 i32) (result i32) (call_indirect (type $t) (local.get 0) (local.get 1)))
    (func (param i64) (global.set $g (local.get 0))))
  )");
}

}  // namespace
}  // namespace kiln::codegen::translate
