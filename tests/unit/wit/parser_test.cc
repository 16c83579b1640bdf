// tests/unit/wit/parser_test.cc: the WIT parser: each construct's syntax tree and syntax errors.
#include <gtest/gtest.h>

#include "wit/ast.h"

namespace kiln::wit::ast {
namespace {

File parse(std::string_view text) {
  auto r = parse_file("t.wit", text);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? std::move(r).value() : File{};
}

std::string parse_error(std::string_view text) {
  auto r = parse_file("t.wit", text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : r.error().message();
}

TEST(WitParser, PackageDeclaration) {
  File f = parse("/// docs\npackage wasi:io@0.2.12;");
  ASSERT_TRUE(f.root.name.has_value());
  EXPECT_EQ(f.root.name->to_string(), "wasi:io@0.2.12");
  EXPECT_EQ(f.root.docs, (Docs{" docs"}));
  File g = parse("package a:b@1.2.3-rc.1+meta;");
  EXPECT_EQ(g.root.name->version->pre, "rc.1");
  EXPECT_EQ(g.root.name->version->build, "meta");
  EXPECT_NE(parse_error("package a:b@1.2;").find("invalid semver `1.2`"), std::string::npos);
  EXPECT_NE(parse_error("package a:b@01.2.3;").find("invalid semver"), std::string::npos);
  EXPECT_NE(parse_error("interface i {}\npackage a:b;").find("`package` must come first"),
            std::string::npos);
}

TEST(WitParser, NestedPackages) {
  File f = parse("package a:root;\npackage a:x@1.0.0 { interface i {} world w {} }\n"
                 "package a:y { use a:x/i@1.0.0; }\ninterface top {}");
  ASSERT_EQ(f.nested.size(), 2u);
  EXPECT_EQ(f.nested[0].name->to_string(), "a:x@1.0.0");
  EXPECT_EQ(f.nested[0].interfaces.size(), 1u);
  EXPECT_EQ(f.nested[0].worlds.size(), 1u);
  EXPECT_EQ(f.nested[1].uses.size(), 1u);
  EXPECT_EQ(f.root.interfaces.size(), 1u);
  EXPECT_NE(parse_error("package a:b { package c:d { } }").find("cannot be nested"), std::string::npos);
}

TEST(WitParser, TypeDefinitions) {
  File f = parse(R"(package a:b;
interface i {
  record r { a: u32, b: list<string>, }
  variant v { none, some(option<r>) }
  enum e { x, y }
  flags f { p, q, }
  type t = tuple<u8, s16, f64>;
  type fixed = list<u8, 16>;
  type m = map<string, char>;
  type r1 = result;
  type r2 = result<u32>;
  type r3 = result<_, string>;
  type r4 = result<bool, error-context>;
  type h = borrow<res>;
  type s = stream<u8>;
  type s0 = stream;
  type fu = future<s64>;
  type f0 = future;
  resource res;
})");
  const auto& items = f.root.interfaces[0].items;
  ASSERT_EQ(items.size(), 17u);
  EXPECT_EQ(items[0].type.kind, TypeDecl::Kind::kRecord);
  EXPECT_EQ(items[0].type.fields.size(), 2u);
  EXPECT_EQ(items[1].type.cases[1].type->kind, TypeExpr::Kind::kOption);
  EXPECT_EQ(items[2].type.kind, TypeDecl::Kind::kEnum);
  EXPECT_EQ(items[3].type.kind, TypeDecl::Kind::kFlags);
  EXPECT_EQ(items[4].type.alias->args.size(), 3u);
  EXPECT_EQ(items[5].type.alias->kind, TypeExpr::Kind::kFixedList);
  EXPECT_EQ(items[5].type.alias->length, 16u);
  EXPECT_EQ(items[6].type.alias->kind, TypeExpr::Kind::kMap);
  EXPECT_FALSE(items[7].type.alias->has_ok);
  EXPECT_FALSE(items[7].type.alias->has_err);
  EXPECT_TRUE(items[8].type.alias->has_ok);
  EXPECT_FALSE(items[8].type.alias->has_err);
  EXPECT_FALSE(items[9].type.alias->has_ok);
  EXPECT_TRUE(items[9].type.alias->has_err);
  EXPECT_TRUE(items[10].type.alias->has_ok && items[10].type.alias->has_err);
  EXPECT_EQ(items[10].type.alias->args[1].prim, Primitive::kErrorContext);
  EXPECT_EQ(items[11].type.alias->kind, TypeExpr::Kind::kBorrow);
  EXPECT_EQ(items[13].type.alias->args.size(), 0u);
  EXPECT_EQ(items[16].type.kind, TypeDecl::Kind::kResource);
}

TEST(WitParser, ResourcesAndFunctions) {
  File f = parse(R"(package a:b;
interface i {
  resource r {
    constructor(x: u32) -> result<r, string>;
    get: func() -> u32;
    make: static func() -> r;
    wait: async func();
  }
  f: func(a: u32, b: string) -> list<u8>;
  g: async func();
})");
  const auto& items = f.root.interfaces[0].items;
  const auto& m = items[0].type.methods;
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].kind, Func::Kind::kConstructor);
  EXPECT_TRUE(m[0].type.result.has_value());
  EXPECT_EQ(m[2].kind, Func::Kind::kStatic);
  EXPECT_TRUE(m[3].type.is_async);
  EXPECT_EQ(items[1].func.type.params.size(), 2u);
  EXPECT_TRUE(items[2].func.type.is_async);
}

TEST(WitParser, WorldItems) {
  File f = parse(R"(package a:b;
world w {
  import i;
  import wasi:io/poll@0.2.0;
  import named: func(x: u8);
  import inline: interface { f: func(); }
  import other: wasi:io/streams;
  export e: async func() -> string;
  use i.{t as u};
  type x = u32;
  include base;
  include wasi:cli/imports@0.2.0 with { a as b, c as d }
  @external-id("my:id")
  import ext: func();
})");
  const auto& it = f.root.worlds[0].items;
  ASSERT_EQ(it.size(), 11u);
  EXPECT_EQ(it[0].ext, WorldItem::Extern::kPath);
  EXPECT_TRUE(it[0].path.is_local);
  EXPECT_EQ(it[1].ext, WorldItem::Extern::kPath);
  EXPECT_EQ(it[1].path.pkg->to_string(), "wasi:io@0.2.0");
  EXPECT_EQ(it[2].ext, WorldItem::Extern::kFunc);
  EXPECT_EQ(it[3].ext, WorldItem::Extern::kInterface);
  EXPECT_EQ(it[3].inline_iface->items.size(), 1u);
  EXPECT_EQ(it[4].ext, WorldItem::Extern::kNamedPath);
  EXPECT_EQ(it[4].name.name, "other");
  EXPECT_EQ(it[5].kind, WorldItem::Kind::kExport);
  EXPECT_TRUE(it[5].func.is_async);
  EXPECT_EQ(it[6].use.names[0].as->name, "u");
  EXPECT_EQ(it[7].kind, WorldItem::Kind::kType);
  EXPECT_EQ(it[8].kind, WorldItem::Kind::kInclude);
  EXPECT_EQ(it[9].with.size(), 2u);
  EXPECT_EQ(it[9].with[1].second.name, "d");
  EXPECT_EQ(it[10].external_id, "my:id");
}

TEST(WitParser, UseForms) {
  File f = parse(R"(package a:b;
use wasi:http/types@1.0.0 as http-types;
use local-iface;
interface i {
  use wasi:io/streams@0.2.12.{input-stream, output-stream as out};
  use http-types.{request};
})");
  ASSERT_EQ(f.root.uses.size(), 2u);
  EXPECT_EQ(f.root.uses[0].as->name, "http-types");
  EXPECT_FALSE(f.root.uses[0].path.is_local);
  EXPECT_TRUE(f.root.uses[1].path.is_local);
  const auto& u = f.root.interfaces[0].items[0].use;
  EXPECT_EQ(u.path.pkg->to_string(), "wasi:io@0.2.12");
  EXPECT_EQ(u.names.size(), 2u);
  EXPECT_EQ(u.names[1].as->name, "out");
}

TEST(WitParser, GatesAndDocs) {
  File f = parse(R"(package a:b@1.0.0;
/// iface docs
@since(version = 1.0.0)
interface i {
  /// f docs
  @since(version = 1.0.0)
  @deprecated(version = 1.1.0)
  f: func();
  @unstable(feature = shiny)
  /// after gate
  g: func();
})");
  const auto& i = f.root.interfaces[0];
  EXPECT_EQ(i.docs, (Docs{" iface docs"}));
  EXPECT_TRUE(i.gate.has_since);
  EXPECT_EQ(i.gate.since.to_string(), "1.0.0");
  EXPECT_EQ(i.items[0].func.docs, (Docs{" f docs"}));
  EXPECT_EQ(i.items[0].func.gate.deprecated->to_string(), "1.1.0");
  EXPECT_TRUE(i.items[1].func.gate.has_unstable);
  EXPECT_EQ(i.items[1].func.gate.feature, "shiny");
  EXPECT_EQ(i.items[1].func.docs, (Docs{" after gate"}));
}

TEST(WitParser, SyntaxErrors) {
  EXPECT_EQ(parse_error("package a:b;\ninterface i {\n  f: func(;\n}"),
            "t.wit:3:11: expected an identifier, found `;`");
  EXPECT_NE(parse_error("package a:b;\ninterface i { record r {} }").find("at least one field"),
            std::string::npos);
  EXPECT_NE(parse_error("package a:b;\ninterface i { variant v {} }").find("at least one case"),
            std::string::npos);
  EXPECT_NE(parse_error("package a:b;\ninterface i { type t = tuple<>; }").find("at least one type"),
            std::string::npos);
  EXPECT_NE(parse_error("package a:b;\ninterface i { type t = list<u8, 0>; }").find("list length"),
            std::string::npos);
  EXPECT_NE(parse_error("package a:b;\ninterface i { type t = map<f32, u8>; }").find("map keys"),
            std::string::npos);
  EXPECT_NE(parse_error("package a:b;\ninterface i { f: func() -> (a: u32); }").find("named results"),
            std::string::npos);
  EXPECT_NE(parse_error("package a:b@1.0.0;\n@since(version = 1.0.0) @unstable(feature = x) interface i {}")
                .find("both `@since` and `@unstable`"),
            std::string::npos);
  EXPECT_NE(parse_error("package a:b@1.0.0;\n@deprecated(version = 1.0.0) interface i {}")
                .find("requires a `@since`"),
            std::string::npos);
  EXPECT_NE(parse_error("package a:b;\n@bogus(x = 1) interface i {}").find("unknown attribute"),
            std::string::npos);
  EXPECT_NE(parse_error("package a:b;\ninterface i {").find("expected `}`"), std::string::npos);
  EXPECT_NE(parse_error("package a:b;\ninterface i { type t = u32 }").find("expected `;`"),
            std::string::npos);
  EXPECT_NE(parse_error("package a:b;\nworld w { import x:y/z/w; }").find("nested"), std::string::npos);
}

TEST(WitParser, DeepNestingIsAnErrorNotACrash) {
  std::string t = "package a:b;\ninterface i { type t = ";
  for (int i = 0; i < 5000; ++i) t += "list<";
  t += "u8";
  for (int i = 0; i < 5000; ++i) t += ">";
  t += "; }";
  EXPECT_NE(parse_error(t).find("too deep"), std::string::npos);
}

}  // namespace
}  // namespace kiln::wit::ast
