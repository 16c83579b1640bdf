// tests/unit/component/component_test.cc: the component text parser, binary decoder and
// validator end to end, plus the extern-name grammar.
#include <gtest/gtest.h>

#include <string>

#include "component/decoder.h"
#include "component/validator.h"
#include "wat/component_wat.h"

namespace kiln::component {
namespace {

// Parses, decodes and validates; returns the error (kind and message) or "ok".
std::string check(const std::string& text) {
  auto bytes = wat::parse_component(text);
  if (!bytes) return "malformed: " + bytes.error().message();
  auto c = decode_component(*bytes);
  if (!c) return "malformed: " + c.error().message();
  auto v = validate_component(*c);
  if (!v) return "invalid: " + v.error().message();
  return "ok";
}

TEST(ComponentText, EmptyComponentIsPreambleOnly) {
  auto bytes = wat::parse_component("(component)");
  ASSERT_TRUE(bytes.ok());
  std::vector<uint8_t> want = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
  EXPECT_EQ(*bytes, want);
}

TEST(ComponentText, LiftLowerRoundTrip) {
  EXPECT_EQ(check(R"((component
    (core module $m
      (memory (export "mem") 1)
      (func (export "realloc") (param i32 i32 i32 i32) (result i32) unreachable)
      (func (export "f") (param i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m))
    (func (export "f") (param "s" string) (result u32)
      (canon lift (core func $i "f") (memory (core memory $i "mem"))
        (realloc (core func $i "realloc"))))
    (core func (canon lower (func 0) (memory (core memory $i "mem"))))))"),
            "ok");
}

TEST(ComponentText, LiftNeedsMemoryForStrings) {
  EXPECT_EQ(check(R"((component
    (core module $m (func (export "f") (param i32 i32)))
    (core instance $i (instantiate $m))
    (func (param "s" string) (canon lift (core func $i "f")))))"),
            "invalid: canonical option `memory` is required");
}

TEST(ComponentText, LiftSignatureMustMatchFlattening) {
  std::string r = check(R"((component
    (core module $m (func (export "f")))
    (core instance $i (instantiate $m))
    (func (param "x" u32) (canon lift (core func $i "f")))))");
  EXPECT_EQ(r.rfind("invalid: lowered parameter types `[I32]`", 0), 0u) << r;
}

TEST(ComponentText, InstantiateChecksResources) {
  EXPECT_EQ(check(R"((component
    (import "T1" (type $T1 (sub resource)))
    (import "T2" (type $T2 (sub resource)))
    (component $eq
      (import "a" (type $a (sub resource)))
      (import "b" (type (eq $a))))
    (instance (instantiate $eq (with "a" (type $T1)) (with "b" (type $T2))))))")
                .rfind("invalid: type mismatch for component instantiation argument `b`", 0),
            0u);
  EXPECT_EQ(check(R"((component
    (import "T1" (type $T1 (sub resource)))
    (component $eq
      (import "a" (type $a (sub resource)))
      (import "b" (type (eq $a))))
    (instance (instantiate $eq (with "a" (type $T1)) (with "b" (type $T1))))))"),
            "ok");
}

TEST(ComponentText, OuterAliasOfEnclosingType) {
  EXPECT_EQ(check(R"((component $C
    (type $t u32)
    (component (import "f" (func (param "x" $t))))))"),
            "ok");
}

TEST(ComponentText, UnknownIdentifierIsMalformed) {
  EXPECT_EQ(check("(component (export \"x\" (func $nope)))"),
            "malformed: unknown func: failed to find name `$nope`");
}

TEST(ComponentBinary, Truncated) {
  std::vector<uint8_t> b = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0x07, 0x03, 0x00};
  auto c = decode_component(b);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind(), ErrorKind::kMalformed);
  EXPECT_EQ(c.error().message(), "unexpected end-of-file");
}

TEST(ComponentBinary, BadSectionIdAndLeadingBytes) {
  std::vector<uint8_t> b = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0x0d, 0x00};
  EXPECT_EQ(decode_component(b).error().message(), "malformed section id");
  std::vector<uint8_t> t = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0x07, 0x02, 0x01, 0x62};
  EXPECT_EQ(decode_component(t).error().message(),
            "invalid leading byte (0x62) for component defined type");
}

TEST(ComponentBinary, HugeCountDoesNotAllocate) {
  std::vector<uint8_t> b = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00,
                            0x07, 0x06, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x73};
  auto c = decode_component(b);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message(), "unexpected end-of-file");
}

TEST(ComponentValidate, EmptyRecordIsInvalid) {
  EXPECT_EQ(check("(component (type (record)))"),
            "invalid: record type must have at least one field");
}

TEST(ComponentValidate, BorrowNotInResults) {
  EXPECT_EQ(check(R"((component
    (import "r" (type $r (sub resource)))
    (type (func (result (borrow $r))))))"),
            "invalid: function result cannot contain a `borrow` type");
}

TEST(ExternNames, Grammar) {
  EXPECT_EQ(check_extern_name("foo-bar"), "");
  EXPECT_EQ(check_extern_name("a-1"), "");
  EXPECT_EQ(check_extern_name("wasi:http/types@0.2.0"), "");
  EXPECT_EQ(check_extern_name("[method]r.m"), "");
  EXPECT_EQ(check_extern_name("[method]rm"), "failed to find `.` character");
  EXPECT_EQ(check_extern_name("Foo"), "`Foo` is not in kebab case");
  EXPECT_EQ(check_extern_name(""), "`` is not in kebab case");
  EXPECT_EQ(check_extern_name("a:b/c@1.0"), "`a:b/c@1.0` is not a valid semver");
  EXPECT_TRUE(is_kebab_label("ABC-def-1"));
  EXPECT_FALSE(is_kebab_label("1a"));
  EXPECT_FALSE(is_kebab_label("a--b"));
}

}  // namespace
}  // namespace kiln::component
