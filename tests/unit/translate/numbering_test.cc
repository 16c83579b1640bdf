// tests/unit/translate/numbering_test.cc: the translator numbers values while it builds
// (FunctionBuilder::set_numbering): a constant, heap base or index extension is made once
// where it dominates its repeats, never where it does not (checked by the verifier, and by
// running the code in execute_test and the spec tests).
#include <gtest/gtest.h>

#include <string>

#include "codegen/ir/printer.h"
#include "codegen/ir/verifier.h"
#include "codegen/translate/translate.h"
#include "wasm/decoder.h"
#include "wasm/validator.h"
#include "wat/wat.h"

namespace kiln::codegen::translate {
namespace {

// The IR text of each defined function of the module.
std::vector<std::string> translate_all(std::string_view wat) {
  std::vector<std::string> out;
  auto bytes = wat::parse_module(wat);
  EXPECT_TRUE(bytes) << bytes.error().message();
  if (!bytes) return out;
  wasm::Features features;
  auto m = wasm::decode(std::move(*bytes), features);
  EXPECT_TRUE(m && wasm::validate(*m, features));
  if (!m) return out;
  auto offsets = environ::VMOffsets::for_module(*m);
  EXPECT_TRUE(offsets);
  environ::Tunables tunables;
  ModuleEnv env{*m, *offsets, tunables};
  for (uint32_t k = 0; k < m->num_defined_funcs(); ++k) {
    auto f = translate_function(env, environ::DefinedFuncIndex(k));
    EXPECT_TRUE(f) << f.error().message();
    if (!f) return out;
    auto ok = ir::verify_function(*f);
    EXPECT_TRUE(ok) << ok.error().to_string() << "\n" << ir::print_function(*f);
    out.push_back(ir::print_function(*f));
  }
  return out;
}

size_t count(const std::string& text, std::string_view needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

TEST(TranslateNumbering, StraightLineAccessesShareBaseExtensionAndConstants) {
  auto f = translate_all(R"((module (memory 1)
    (func (param i32) (result i32)
      (i32.store offset=4 (local.get 0) (i32.const 7))
      (i32.store offset=8 (local.get 0) (i32.const 7))
      (i32.add (i32.load offset=4 (local.get 0)) (i32.load offset=8 (local.get 0))))))");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(count(f[0], "readonly"), 1u) << f[0];        // the heap base
  EXPECT_EQ(count(f[0], "uextend.i64"), 1u) << f[0];     // the index
  EXPECT_EQ(count(f[0], "iconst.i32 7"), 1u) << f[0];
}

TEST(TranslateNumbering, ArmsDoNotShareButReuseWhatDominatesThem) {
  auto f = translate_all(R"((module (memory 1)
    (func (param i32 i32) (result i32)
      (i32.store (local.get 1) (i32.const 5))        ;; entry: base, extension of local 1
      (if (local.get 0)
        (then (i32.store (local.get 0) (i32.const 9)) (i32.store (local.get 1) (i32.const 9)))
        (else (i32.store (local.get 0) (i32.const 9))))
      (i32.store (local.get 0) (i32.const 9))       ;; after the if: neither arm dominates
      (i32.load (local.get 1)))))");
  ASSERT_EQ(f.size(), 1u);
  const std::string& ir = f[0];
  EXPECT_EQ(count(ir, "readonly"), 1u) << ir;  // the entry's base serves every block
  // local 0 is extended in each arm and again after the if; local 1 once, in the entry.
  EXPECT_EQ(count(ir, "uextend.i64"), 4u) << ir;
  EXPECT_EQ(count(ir, "iconst.i32 9"), 3u) << ir;  // then arm (once), else arm, after the if
}

TEST(TranslateNumbering, LoopBodyReusesValuesFromBeforeTheLoop) {
  auto f = translate_all(R"((module (memory 1)
    (func (param i32) (result i32) (local i32)
      (i32.store (i32.const 16) (i32.const 3))
      (loop $l
        (local.set 1 (i32.add (local.get 1) (i32.load (i32.const 16))))
        (br_if $l (i32.load (i32.const 16))))
      (local.get 1))))");
  ASSERT_EQ(f.size(), 1u);
  const std::string& ir = f[0];
  EXPECT_EQ(count(ir, "readonly"), 1u) << ir;
  EXPECT_EQ(count(ir, "iconst.i32 16"), 1u) << ir;
  EXPECT_EQ(count(ir, "uextend.i64"), 1u) << ir;
}

// A comparison consumed by br_if or if is branched on as the boolean it is; anywhere else
// (here: returned, and selected on) it is extended to the i32 Wasm gives it.
TEST(TranslateCompare, BranchTakesTheBooleanOthersTheI32) {
  auto f = translate_all(R"((module
    (func (param i32 i32) (result i32)
      (block $b (br_if $b (i32.lt_u (local.get 0) (local.get 1))))
      (if (i32.eqz (local.get 0)) (then (return (i32.const 7))))
      (if (f64.lt (f64.const 1) (f64.convert_i32_s (local.get 1))) (then (return (i32.const 8))))
      (select (local.get 0) (local.get 1) (i32.gt_s (local.get 0) (local.get 1))))
    (func (param i32 i32) (result i32) (i32.ne (local.get 0) (local.get 1)))))");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(count(f[0], "uextend.i32"), 1u) << f[0];  // only the select's condition
  EXPECT_EQ(count(f[1], "uextend.i32"), 1u) << f[1];  // the returned result
}

}  // namespace
}  // namespace kiln::codegen::translate
