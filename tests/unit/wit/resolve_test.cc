// tests/unit/wit/resolve_test.cc: the WIT resolver: the model each construct resolves to, world
// elaboration, packages from directories and deps/, and every resolution error with its place.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "wit/wit.h"

namespace kiln::wit {
namespace {

Resolve resolve(std::string_view text) {
  auto r = resolve_sources({{"t.wit", std::string(text)}});
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? std::move(r).value() : Resolve{};
}

std::string resolve_error(std::string_view text) {
  auto r = resolve_sources({{"t.wit", std::string(text)}});
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : r.error().message();
}

const Interface& iface(const Resolve& r, std::string_view name) {
  return r.iface(*r.find_interface(r.root, name));
}
const TypeDef& named(const Resolve& r, std::string_view i, std::string_view t) {
  return r.type(*r.find_type(*r.find_interface(r.root, i), t));
}

TEST(WitResolve, PrimitivesAndAnonymousTypes) {
  Resolve r = resolve(R"(package a:b;
interface i {
  type t = tuple<u8, u16, u32, u64, s8, s16, s32, s64, f32, f64, char, bool, string, error-context>;
  type l = list<t>;
  type fl = list<u8, 4>;
  type o = option<string>;
  type m = map<u32, string>;
  type r0 = result;
  type r1 = result<_, u8>;
  type s = stream<u8>;
  type f = future;
})");
  const TypeDef& tup = r.type(named(r, "i", "t").element->id);
  ASSERT_EQ(tup.kind, TypeDefKind::kTuple);
  ASSERT_EQ(tup.types.size(), 14u);
  EXPECT_EQ(tup.types[13].prim, Primitive::kErrorContext);
  const TypeDef& l = r.type(named(r, "i", "l").element->id);
  EXPECT_EQ(l.kind, TypeDefKind::kList);
  EXPECT_EQ(l.element->id, *r.find_type(*r.find_interface(r.root, "i"), "t"));
  const TypeDef& fl = r.type(named(r, "i", "fl").element->id);
  EXPECT_EQ(fl.kind, TypeDefKind::kFixedList);
  EXPECT_EQ(fl.length, 4u);
  EXPECT_EQ(r.type(named(r, "i", "m").element->id).kind, TypeDefKind::kMap);
  const TypeDef& r0 = r.type(named(r, "i", "r0").element->id);
  EXPECT_FALSE(r0.ok || r0.err);
  const TypeDef& r1 = r.type(named(r, "i", "r1").element->id);
  EXPECT_FALSE(r1.ok);
  EXPECT_EQ(r1.err->prim, Primitive::kU8);
  EXPECT_EQ(r.type(named(r, "i", "s").element->id).kind, TypeDefKind::kStream);
  EXPECT_FALSE(r.type(named(r, "i", "f").element->id).element);
}

TEST(WitResolve, RecordsVariantsEnumsFlags) {
  Resolve r = resolve(R"(package a:b;
interface i {
  record point { x: s32, y: later }
  variant v { a, b(point) }
  enum e { one, two }
  flags f { r, w }
  type later = u8;
})");
  const TypeDef& p = named(r, "i", "point");
  EXPECT_EQ(p.kind, TypeDefKind::kRecord);
  ASSERT_EQ(p.fields.size(), 2u);
  EXPECT_EQ(r.type(p.fields[1].type.id).name, "later");  // forward reference
  EXPECT_EQ(named(r, "i", "v").cases[1].type->id, *r.find_type(*r.find_interface(r.root, "i"), "point"));
  EXPECT_EQ(named(r, "i", "e").cases.size(), 2u);
  EXPECT_EQ(named(r, "i", "f").kind, TypeDefKind::kFlags);
  EXPECT_EQ(p.owner.kind, TypeOwner::Kind::kInterface);
}

TEST(WitResolve, ResourcesDesugar) {
  Resolve r = resolve(R"(package a:b;
interface i {
  resource blob {
    constructor(init: list<u8>);
    write: func(bytes: list<u8>);
    merge: static func(lhs: borrow<blob>, rhs: own<blob>) -> blob;
  }
  resource blob2 { constructor() -> result<blob2, string>; }
  type alias = blob;
  take: func(a: alias);
})");
  const Interface& i = iface(r, "i");
  ASSERT_EQ(i.functions.size(), 5u);
  const Function& ctor = i.functions[0];
  EXPECT_EQ(ctor.name, "[constructor]blob");
  EXPECT_EQ(ctor.kind, FunctionKind::kConstructor);
  EXPECT_EQ(r.type(ctor.result->id).kind, TypeDefKind::kOwn);
  const Function& write = i.functions[1];
  EXPECT_EQ(write.name, "[method]blob.write");
  EXPECT_EQ(write.item_name(), "write");
  ASSERT_EQ(write.params.size(), 2u);
  EXPECT_EQ(write.params[0].name, "self");
  EXPECT_EQ(r.type(write.params[0].type.id).kind, TypeDefKind::kBorrow);
  const Function& merge = i.functions[2];
  EXPECT_EQ(merge.name, "[static]blob.merge");
  EXPECT_EQ(r.type(merge.params[0].type.id).kind, TypeDefKind::kBorrow);
  EXPECT_EQ(r.type(merge.params[1].type.id).kind, TypeDefKind::kOwn);
  EXPECT_EQ(r.type(merge.result->id).kind, TypeDefKind::kOwn);  // a bare resource name
  EXPECT_EQ(i.functions[3].name, "[constructor]blob2");
  EXPECT_EQ(r.type(i.functions[3].result->id).kind, TypeDefKind::kResult);
  // `type alias = blob` names the resource itself; using `alias` gives an own handle.
  EXPECT_EQ(r.type(named(r, "i", "alias").element->id).kind, TypeDefKind::kResource);
  const TypeDef& h = r.type(i.functions[4].params[0].type.id);
  EXPECT_EQ(h.kind, TypeDefKind::kOwn);
  EXPECT_EQ(r.unalias(h.resource), *r.find_type(*r.find_interface(r.root, "i"), "blob"));
}

TEST(WitResolve, UseAcrossInterfacesAndFiles) {
  auto res = resolve_sources({{"a.wit", "package a:b;\ninterface user { use types.{size, errno as err}; f: func(s: size) -> err; }"},
                              {"b.wit", "interface types { type size = u32; enum errno { bad } }"}});
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  const Resolve& r = *res;
  const Package& p = r.package(r.root);
  // Dependencies first.
  ASSERT_EQ(p.interfaces.size(), 2u);
  EXPECT_EQ(r.iface(p.interfaces[0]).name, "types");
  const Interface& user = iface(r, "user");
  ASSERT_EQ(user.deps.size(), 1u);
  EXPECT_EQ(r.iface(user.deps[0]).name, "types");
  const TypeDef& err = named(r, "user", "err");
  EXPECT_TRUE(err.from_use);
  EXPECT_EQ(r.type(r.unalias(*r.find_type(*r.find_interface(r.root, "user"), "err"))).name, "errno");
}

TEST(WitResolve, TopLevelUseRenames) {
  Resolve r = resolve(R"(package a:b;
use types as t;
package x:y@1.0.0 { interface shared { type id = u64; } }
use x:y/shared@1.0.0 as s;
interface types { type n = u8; }
interface user { use t.{n}; use s.{id}; f: func(a: n, b: id); }
world w { import s; export user; }
)");
  const Interface& user = iface(r, "user");
  EXPECT_EQ(user.deps.size(), 2u);
  EXPECT_EQ(r.interface_path(user.deps[1]), "x:y/shared@1.0.0");
  const World& w = r.world(*r.find_world(r.root, "w"));
  // `user` needs `types`, which is imported because it is not exported.
  ASSERT_EQ(w.imports.size(), 2u);
  EXPECT_EQ(r.interface_path(w.imports[0].iface), "x:y/shared@1.0.0");
  EXPECT_EQ(r.interface_path(w.imports[1].iface), "a:b/types");
}

TEST(WitResolve, WorldImportsExportsAndElaboration) {
  Resolve r = resolve(R"(package a:b;
interface base { resource r; }
interface mid { use base.{r}; }
interface top { use mid.{r}; }
world w {
  import top;
  import f: func(x: u32) -> string;
  import inline: interface { use base.{r}; g: func() -> r; }
  import alias-name: mid;
  export run: func();
  type t = list<u8>;
  use base.{r as rr};
  export top;
}
)");
  const World& w = r.world(*r.find_world(r.root, "w"));
  std::vector<std::string> names;
  for (const auto& it : w.imports) {
    names.push_back(it.name.empty() ? r.interface_path(it.iface) : it.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"a:b/base", "a:b/mid", "a:b/top", "f", "inline",
                                             "alias-name", "t", "rr"}))
      << ::testing::PrintToString(names);
  ASSERT_EQ(w.exports.size(), 2u);
  EXPECT_EQ(w.exports[0].kind, WorldItemKind::kFunction);
  EXPECT_EQ(w.exports[0].func.name, "run");
  const Interface& inl = r.iface(w.imports[4].iface);
  EXPECT_TRUE(inl.name.empty());
  EXPECT_EQ(*inl.world, *r.find_world(r.root, "w"));
  EXPECT_EQ(r.type(w.imports[6].type).owner.kind, TypeOwner::Kind::kWorld);
}

TEST(WitResolve, IncludeWithRenamesAndDedup) {
  Resolve r = resolve(R"(package a:b;
interface i {}
world one { import i; import a: func(); export e: func(); }
world two { import i; import a: func(); }
world both {
  include one;
  include two with { a as b }
}
)");
  const World& w = r.world(*r.find_world(r.root, "both"));
  ASSERT_EQ(w.imports.size(), 3u);
  EXPECT_EQ(w.imports[0].iface, *r.find_interface(r.root, "i"));
  EXPECT_EQ(w.imports[1].name, "a");
  EXPECT_EQ(w.imports[2].name, "b");
  EXPECT_EQ(w.imports[2].func.name, "b");
  ASSERT_EQ(w.exports.size(), 1u);
}

TEST(WitResolve, FeatureGates) {
  Resolve r = resolve(R"(package a:b@1.2.0;
@since(version = 1.0.0)
interface i {
  @since(version = 1.1.0)
  @deprecated(version = 1.2.0)
  f: func();
  @unstable(feature = fancy)
  g: func();
}
)");
  const Interface& i = iface(r, "i");
  EXPECT_EQ(i.stability.kind, Stability::Kind::kStable);
  EXPECT_EQ(i.stability.since.to_string(), "1.0.0");
  EXPECT_EQ(i.functions[0].stability.deprecated->to_string(), "1.2.0");
  EXPECT_EQ(i.functions[1].stability.kind, Stability::Kind::kUnstable);
  EXPECT_EQ(i.functions[1].stability.feature, "fancy");
  EXPECT_NE(resolve_error("package a:b;\n@since(version = 1.0.0) interface i {}")
                .find("t.wit:2:1: feature gates need a package with a version"),
            std::string::npos);
}

TEST(WitResolve, AsyncFunctions) {
  Resolve r = resolve("package a:b;\ninterface i { f: async func() -> stream<u8>; }");
  EXPECT_TRUE(iface(r, "i").functions[0].is_async);
}

TEST(WitResolve, WorldSelection) {
  Resolve r = resolve("package a:b@1.0.0;\nworld only {}\npackage c:d { world other {} }");
  auto w = r.select_world("");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(r.world(*w).name, "only");
  EXPECT_TRUE(r.select_world("only").ok());
  auto o = r.select_world("c:d/other");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(r.world(*o).name, "other");
  EXPECT_FALSE(r.select_world("missing").ok());
  EXPECT_FALSE(r.select_world("c:d/missing").ok());
}

TEST(WitResolve, NameErrors) {
  EXPECT_EQ(resolve_error("package a:b;\ninterface i {\n  type t = nope;\n}"),
            "t.wit:3:12: type `nope` is not defined");
  EXPECT_EQ(resolve_error("package a:b;\ninterface i {\n  type t = u8;\n  type t = u16;\n}"),
            "t.wit:4:8: `t` is defined more than once");
  EXPECT_EQ(resolve_error("package a:b;\ninterface i {}\ninterface i {}"),
            "t.wit:3:11: `i` is defined more than once");
  EXPECT_EQ(resolve_error("package a:b;\ninterface i {}\nworld i {}"),
            "t.wit:3:7: `i` is defined more than once");
  EXPECT_EQ(resolve_error("package a:b;\ninterface i { f: func(); type f = u8; }"),
            "t.wit:2:31: `f` is defined more than once");
  EXPECT_NE(resolve_error("package a:b;\ninterface i { record r { a: u8, A: u8 } }").find("field `A`"),
            std::string::npos);
  EXPECT_NE(resolve_error("package a:b;\ninterface i { f: func(a: u8, a: u8); }").find("parameter `a`"),
            std::string::npos);
  EXPECT_NE(resolve_error("package a:b;\ninterface i { enum e { x, x } }").find("case `x`"),
            std::string::npos);
  EXPECT_EQ(resolve_error("package a:b;\ninterface i { use missing.{t}; }"),
            "t.wit:2:19: interface or world `missing` not found");
  EXPECT_EQ(resolve_error("package a:b;\ninterface j {}\ninterface i { use j.{t}; }"),
            "t.wit:3:22: type `t` is not defined in interface `j`");
  EXPECT_EQ(resolve_error("package a:b;\nworld w {}\ninterface i { use w.{t}; }"),
            "t.wit:3:19: `w` is a world, not an interface");
  EXPECT_EQ(resolve_error("package a:b;\ninterface i {}\nworld w { include i; }"),
            "t.wit:3:19: `include` must name a world");
  EXPECT_EQ(resolve_error("package a:b;\ninterface i { type t = u8; f: func(x: borrow<t>); }"),
            "t.wit:2:46: type `t` is not a resource");
  EXPECT_NE(resolve_error("package a:b;\ninterface i { resource r { constructor(); constructor(); } }")
                .find("at most one constructor"),
            std::string::npos);
  EXPECT_NE(resolve_error("package a:b;\ninterface i { resource r { constructor() -> u32; } }")
                .find("result must be `result<r, ...>`"),
            std::string::npos);
  EXPECT_NE(resolve_error("package a:b;\ninterface i { resource r { f: func(); f: static func(); } }")
                .find("function `f`"),
            std::string::npos);
}

TEST(WitResolve, WorldErrors) {
  EXPECT_EQ(resolve_error("package a:b;\ninterface i {}\nworld w {\n  import i;\n  import i;\n}"),
            "t.wit:5:3: interface `a:b/i` is imported more than once");
  EXPECT_EQ(resolve_error("package a:b;\nworld w {\n  import f: func();\n  import f: func();\n}"),
            "t.wit:4:3: import `f` is defined more than once");
  EXPECT_EQ(resolve_error("package a:b;\nworld w {\n  type t = u8;\n  import t: func();\n}"),
            "t.wit:4:3: import `t` is defined more than once");
  EXPECT_EQ(resolve_error("package a:b;\nworld x { import a: func(); }\nworld y { import a: func(); }\n"
                          "world w {\n  include x;\n  include y;\n}"),
            "t.wit:6:3: `a` from world `y` conflicts with an existing name; rename it with `with`");
  EXPECT_EQ(resolve_error("package a:b;\ninterface i {}\nworld x { import i; }\nworld w { include x with { i as j } }"),
            "t.wit:4:28: `i` is not a plain-named import or export of world `x`");
  EXPECT_EQ(resolve_error("package a:b;\nworld w { include w; }"), "t.wit:2:7: world `w` includes itself");
}

TEST(WitResolve, CycleErrors) {
  EXPECT_EQ(resolve_error("package a:b;\ninterface x { use y.{t}; type u = u8; }\ninterface y { use x.{u}; type t = u8; }"),
            "t.wit:2:19: interface `x` depends on itself through `use`");
  EXPECT_EQ(resolve_error("package a:b;\ninterface x { use x.{t}; type t = u8; }"),
            "t.wit:2:19: interface `x` depends on itself through `use`");
  EXPECT_EQ(resolve_error("package a:b;\ninterface i {\n  type t = t;\n}"),
            "t.wit:3:8: type `t` depends on itself");
  EXPECT_EQ(resolve_error("package a:b;\ninterface i {\n  record a { b: b }\n  record b { a: list<a> }\n}"),
            "t.wit:3:10: type `a` depends on itself");
  EXPECT_NE(resolve_error("package a:b;\nworld w { type x = option<y>; type y = tuple<x>; }").find("depends on itself"),
            std::string::npos);
  // Handles do not contain their resource: a resource mentioned by its own methods is fine.
  resolve("package a:b;\ninterface i { resource r { f: func() -> r; } record h { x: r } }");
}

TEST(WitResolve, PackageErrors) {
  EXPECT_EQ(resolve_error("package a:b;\ninterface i {\n  use c:d/e.{t};\n}"),
            "t.wit:3:7: package `c:d` not found");
  EXPECT_EQ(resolve_error("package a:b;\nworld w { import c:d/e@1.0.0; }\npackage c:d@2.0.0 { interface e {} }"),
            "t.wit:2:18: package `c:d@1.0.0` not found");
  EXPECT_EQ(resolve_error("package a:b;\npackage c:d { interface x {} }\ninterface i { use c:d/y.{t}; }"),
            "t.wit:3:23: `y` not found in package `c:d`");
  EXPECT_EQ(resolve_error("package a:b;\npackage c:d { interface x {} }\npackage c:d { interface y {} }"),
            "t.wit:3:9: package `c:d` is defined more than once");
  EXPECT_EQ(resolve_error("package a:b;\npackage x:p { interface i { use x:q/i.{t}; type u = u8; } }\n"
                          "package x:q { interface i { use x:p/i.{u}; type t = u8; } }"),
            "t.wit:2:33: package `x:p` depends on itself through `x:q`");
  auto none = resolve_sources({{"t.wit", "interface i {}"}});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message(), "t.wit:1:1: no `package` declaration");
  auto differ = resolve_sources({{"a.wit", "package a:b;"}, {"b.wit", "package a:c;"}});
  ASSERT_FALSE(differ.ok());
  EXPECT_EQ(differ.error().message(), "b.wit:1:9: package `a:c` differs from `a:b` declared in a.wit");
}

TEST(WitResolve, SyntaxErrorsPassThrough) {
  auto r = resolve_sources({{"dir/x.wit", "package a:b;\ninterface {}"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kMalformed);
  EXPECT_EQ(r.error().message(), "dir/x.wit:2:11: expected an identifier, found `{`");
}

// A temporary directory tree, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("kiln-wit-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  void write(const std::string& rel, const std::string& text) {
    std::filesystem::create_directories((path_ / rel).parent_path());
    std::ofstream(path_ / rel) << text;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST(WitResolve, DirectoryWithDeps) {
  TempDir d;
  d.write("types.wit", "interface types { use dep:lib/shared@1.0.0.{id}; type local = id; }");
  d.write("world.wit", "package my:app;\nworld app { import types; include dep:other/base; }");
  d.write("notes.txt", "not wit");
  d.write("deps/lib/a.wit", "package dep:lib@1.0.0;\ninterface shared { type id = u64; }");
  d.write("deps/lib/b.wit", "world lib-world { import shared; }");
  d.write("deps/other.wit", "package dep:other;\nworld base { import dep:lib/shared@1.0.0; import x: func(); }");
  auto r = resolve_path(d.path());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->package(r->root).name.to_string(), "my:app");
  ASSERT_EQ(r->packages.size(), 3u);
  // Dependencies come before their dependents.
  EXPECT_EQ(r->packages[0].name.to_string(), "dep:lib@1.0.0");
  EXPECT_EQ(r->packages.back().name.to_string(), "my:app");
  EXPECT_EQ(r->packages[0].worlds.size(), 1u);
  const World& app = r->world(*r->select_world(""));
  ASSERT_EQ(app.imports.size(), 3u);
  EXPECT_EQ(r->interface_path(app.imports[0].iface), "dep:lib/shared@1.0.0");
  EXPECT_EQ(app.imports[2].name, "x");
  // A single file of the directory is a package of its own and lacks its dependencies.
  auto single = resolve_path(d.path() / "world.wit");
  ASSERT_FALSE(single.ok());
  EXPECT_NE(single.error().message().find("world.wit:2:35: package `dep:other` not found"),
            std::string::npos)
      << single.error().message();
}

TEST(WitResolve, MissingPathIsAnIoError) {
  auto r = resolve_path("/nonexistent/kiln/wit");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kIo);
}

}  // namespace
}  // namespace kiln::wit
