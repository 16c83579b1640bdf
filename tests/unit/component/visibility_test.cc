// tests/unit/component/visibility_test.cc: external visibility of types in imports and
// exports, the [constructor]/[method]/[static] signature rules, name uniqueness, canonical ABI
// size limits and canon option rules, and describe_component.
#include <gtest/gtest.h>

#include <string>

#include "component/decoder.h"
#include "component/describe.h"
#include "component/validator.h"
#include "wat/component_wat.h"

namespace kiln::component {
namespace {

std::string check(const std::string& text) {
  auto bytes = wat::parse_component(text);
  if (!bytes) return "malformed: " + bytes.error().message();
  auto c = decode_component(*bytes);
  if (!c) return "malformed: " + c.error().message();
  auto v = validate_component(*c);
  if (!v) return "invalid: " + v.error().message();
  return "ok";
}

constexpr const char* kLift = R"(
    (core module $m (func (export "f") (result i32) unreachable))
    (core instance $i (instantiate $m)))";

TEST(Visibility, ExportedFunctionNeedsNamedRecord) {
  std::string base = std::string("(component") + kLift + R"(
    (type $Rec (record (field "x" u32))))";
  EXPECT_EQ(check(base + R"(
    (func $f (result $Rec) (canon lift (core func $i "f")))
    (export "f" (func $f))))"), "invalid: func not valid to be used as export");
  // Exporting $Rec names only the new index; ascribing the export's type with it works.
  EXPECT_EQ(check(base + R"(
    (func $f (result $Rec) (canon lift (core func $i "f")))
    (export $Rec' "rec" (type $Rec))
    (export "f" (func $f))))"), "invalid: func not valid to be used as export");
  EXPECT_EQ(check(base + R"(
    (func $f (result $Rec) (canon lift (core func $i "f")))
    (export $Rec' "rec" (type $Rec))
    (export "f" (func $f) (func (result $Rec')))))"), "ok");
}

TEST(Visibility, ImportsCannotUseExportedResources) {
  EXPECT_EQ(check(R"((component
    (type $R (resource (rep i32)))
    (export $R' "r" (type $R))
    (import "f" (func (result (own $R'))))))"), "invalid: func not valid to be used as import");
  EXPECT_EQ(check(R"((component
    (import "r" (type $R (sub resource)))
    (import "f" (func (result (own $R))))))"), "ok");
}

TEST(Visibility, StructuralTypesNeedNoName) {
  EXPECT_EQ(check(R"((component
    (type $T (option (tuple (list u8) (result u32 (error string)))))
    (export "t" (type $T))))"), "ok");
  EXPECT_EQ(check(R"((component
    (type $E (enum "a"))
    (type $L (list $E))
    (export "t" (type $L))))"), "invalid: type not valid to be used as export");
}

TEST(AnnotatedNames, ConstructorAndMethodSignatures) {
  EXPECT_EQ(check(R"((component
    (import "a" (type $a (sub resource)))
    (import "[constructor]a" (func (result (result (own $a) (error string)))))
    (import "[method]a.m" (func (param "self" (borrow $a))))
    (import "[static]a.s" (func))))"), "ok");
  EXPECT_EQ(check(R"((component
    (import "b" (type $a (sub resource)))
    (import "[constructor]a" (func (result (own $a))))))"),
            "invalid: function does not match expected resource name `b`");
  EXPECT_EQ(check(R"((component
    (import "a" (type $a (sub resource)))
    (import "[method]a.m" (func (param "x" (borrow $a))))))"),
            "invalid: function should have a first argument called `self`");
  EXPECT_EQ(check(R"((component (import "[static]a.b" (func))))"),
            "invalid: static resource name is not known in this context");
}

TEST(Describe, InstanceImportWithResourceAndUse) {
  auto bytes = wat::parse_component(R"((component
    (import "wasi:io/error@0.2.0" (instance $e (export "error" (type (sub resource)))))
    (alias export $e "error" (type $err))
    (import "wasi:io/streams@0.2.0" (instance
      (export "error" (type $x (eq $err)))
      (export "last" (func (result (own $x))))))))");
  ASSERT_TRUE(bytes.ok()) << bytes.error().message();
  auto c = decode_component(*bytes);
  ASSERT_TRUE(c.ok()) << c.error().message();
  auto d = describe_component(*c);
  ASSERT_TRUE(d.ok()) << d.error().message();
  ASSERT_EQ(d->imports.size(), 2u);
  const ItemDesc& errors = d->imports[0];
  const ItemDesc& streams = d->imports[1];
  EXPECT_EQ(streams.name, "wasi:io/streams@0.2.0");
  ASSERT_EQ(errors.exports.size(), 1u);
  ASSERT_EQ(streams.exports.size(), 2u);
  ASSERT_TRUE(errors.exports[0].is_resource);
  ASSERT_TRUE(streams.exports[0].is_resource);
  // The same resource, seen through both interfaces (a `use` in WIT).
  EXPECT_EQ(errors.exports[0].resource, streams.exports[0].resource);
  const ItemDesc& last = streams.exports[1];
  ASSERT_EQ(last.kind, ExternKind::kFunc);
  ASSERT_TRUE(last.func && last.func->result);
  EXPECT_EQ(last.func->result->kind, DefValKind::kOwn);
  EXPECT_EQ(last.func->result->resource, errors.exports[0].resource);
}

}  // namespace
}  // namespace kiln::component

namespace kiln::component {
namespace {

TEST(CanonicalAbiLimits, ElementSizeBelowTwoToThe28) {
  EXPECT_EQ(check("(component (type (list u8 268435455)))"), "ok");
  EXPECT_EQ(check("(component (type (list u8 268435456)))"),
            "invalid: value type exceeds maximum byte size");
  // 2^29 u64s is 2^32 bytes: a 32-bit product would wrap to 0.
  EXPECT_EQ(check("(component (type (list u64 536870912)))"),
            "invalid: value type exceeds maximum byte size");
  // Strings are 16 bytes with 64-bit pointers.
  EXPECT_EQ(check("(component (type (list string 16777216)))"),
            "invalid: value type exceeds maximum byte size");
}

TEST(CanonOptions, SpilledResultsNeedMemoryAndAsyncNeedsAsyncType) {
  EXPECT_EQ(check(R"((component
    (import "foo" (func $foo (result (tuple u64 u64))))
    (core func (canon lower (func $foo)))))"),
            "invalid: canonical option `memory` is required");
  EXPECT_EQ(check(R"((component
    (import "f" (func $f))
    (core func (canon lower (func $f) async))))"),
            "invalid: the `async` canonical option requires an async function type");
}

TEST(Names, StrongUniquenessAndCoreImportNames) {
  EXPECT_EQ(check(R"((component
    (import "a" (type $a (sub resource)))
    (import "[static]a.a" (func))))"),
            "invalid: import name `[static]a.a` conflicts with previous name `a`");
  EXPECT_EQ(check(R"((component
    (import "a" (type $a (sub resource)))
    (import "[static]a.b" (func))
    (import "[constructor]a" (func (result (own $a))))))"), "ok");
  EXPECT_EQ(check(R"((component (core module (import "" "a" (func)) (import "" "a" (func)))))"),
            "invalid: duplicate import name `:a`");
  EXPECT_EQ(check(R"((component (import "ns:Pkg/i" (func))))"),
            "invalid: `ns:Pkg/i` is not a valid extern name");
}

}  // namespace
}  // namespace kiln::component
