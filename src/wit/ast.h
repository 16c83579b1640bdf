// wit/ast.h: the syntax tree of one WIT file, as parsed and before any name is resolved.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wit/wit.h"

namespace kiln::wit::ast {

struct Span {
  uint32_t line = 0;
  uint32_t column = 0;
};

struct Id {
  std::string name;
  Span span;
};

struct Gate {
  bool has_since = false;
  bool has_unstable = false;
  Version since;
  std::string feature;
  std::optional<Version> deprecated;
  Span span;

  bool empty() const { return !has_since && !has_unstable && !deprecated; }
};

// `id` (an interface or world in scope) or `ns:pkg/name@version`.
struct UsePath {
  bool is_local = true;
  Id name;                          // the interface/world name
  std::optional<PackageName> pkg;   // set when !is_local
  Span span;
};

struct TypeExpr {
  enum class Kind : uint8_t {
    kPrim, kNamed, kList, kFixedList, kOption, kResult, kTuple, kMap, kBorrow, kOwn, kFuture,
    kStream,
  };
  Kind kind = Kind::kPrim;
  Primitive prim = Primitive::kBool;
  Id name;                     // kNamed, kBorrow, kOwn
  std::vector<TypeExpr> args;  // list/option/future/stream: [elem]; map: [k, v]; tuple: all
  // kResult: whether ok / err were written (`result<_, E>` has only err); args hold them in
  // order.
  bool has_ok = false;
  bool has_err = false;
  uint32_t length = 0;  // kFixedList
  Span span;
};

struct NamedType {
  Id name;
  TypeExpr type;
  Docs docs;
};

struct FuncType {
  bool is_async = false;
  std::vector<NamedType> params;
  std::optional<TypeExpr> result;
  Span span;
};

struct Func {
  enum class Kind : uint8_t { kFree, kStatic, kConstructor };
  Kind kind = Kind::kFree;
  Id name;  // for constructors: "constructor" at the keyword
  FuncType type;
  Docs docs;
  Gate gate;
  std::string external_id;
};

struct CaseDecl {
  Id name;
  std::optional<TypeExpr> type;
  Docs docs;
};

struct TypeDecl {
  enum class Kind : uint8_t { kRecord, kVariant, kEnum, kFlags, kResource, kAlias };
  Kind kind = Kind::kAlias;
  Id name;
  std::vector<NamedType> fields;  // record
  std::vector<CaseDecl> cases;    // variant, enum, flags
  std::vector<Func> methods;      // resource
  bool resource_has_body = false;
  std::optional<TypeExpr> alias;  // alias
  Docs docs;
  Gate gate;
  std::string external_id;
};

struct UseName {
  Id name;
  std::optional<Id> as;
};

struct UseDecl {
  UsePath path;
  std::vector<UseName> names;
  Docs docs;
  Gate gate;
};

struct InterfaceItem {
  enum class Kind : uint8_t { kUse, kType, kFunc };
  Kind kind = Kind::kUse;
  UseDecl use;
  TypeDecl type;
  Func func;
};

struct Interface {
  Id name;  // empty name for inline world interfaces
  std::vector<InterfaceItem> items;
  Docs docs;
  Gate gate;
};

struct WorldItem {
  enum class Kind : uint8_t { kImport, kExport, kUse, kType, kInclude };
  // How an import/export is given.
  enum class Extern : uint8_t {
    kPath,       // `import wasi:io/poll;` / `import poll;`
    kFunc,       // `import name: func(...);`
    kInterface,  // `import name: interface { ... }`
    kNamedPath,  // `import name: path;`
  };
  Kind kind = Kind::kImport;
  Extern ext = Extern::kPath;
  Id name;
  UsePath path;  // kPath, kNamedPath, include
  FuncType func;
  std::unique_ptr<Interface> inline_iface;
  UseDecl use;
  TypeDecl type;
  std::vector<std::pair<Id, Id>> with;  // include renames
  Docs docs;
  Gate gate;
  std::string external_id;
  Span span;
};

struct World {
  Id name;
  std::vector<WorldItem> items;
  Docs docs;
  Gate gate;
};

struct ToplevelUse {
  UsePath path;
  std::optional<Id> as;
  Span span;
};

// The items of one package inside one file: the file's root items or a nested block.
struct PackageBody {
  std::optional<PackageName> name;  // absent when the file has no `package` declaration
  Span name_span;
  Docs docs;
  std::vector<Interface> interfaces;
  std::vector<World> worlds;
  std::vector<ToplevelUse> uses;
  // Interfaces and worlds in source order: (is_world, index).
  std::vector<std::pair<bool, uint32_t>> order;
};

struct File {
  std::string path;
  PackageBody root;
  std::vector<PackageBody> nested;
};

// Parses one file; errors are kMalformed with "path:line:col: " in the message.
Expected<File> parse_file(const std::string& path, std::string_view text);

}  // namespace kiln::wit::ast
