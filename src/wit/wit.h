// wit/wit.h: the resolved WIT model (packages, interfaces, worlds, a type arena, functions) and
// the entry points that load, resolve and print WIT.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/error.h"

namespace kiln::wit {

// Distinct index types into the arenas of a Resolve, so an interface index can never be used
// where a type index is meant.
#define KILN_WIT_ID(Name)                                                 \
  struct Name {                                                           \
    uint32_t index = 0;                                                   \
    friend bool operator==(Name a, Name b) { return a.index == b.index; } \
    friend bool operator!=(Name a, Name b) { return a.index != b.index; } \
  };
KILN_WIT_ID(PackageId)
KILN_WIT_ID(InterfaceId)
KILN_WIT_ID(WorldId)
KILN_WIT_ID(TypeId)
#undef KILN_WIT_ID

// A semantic version (semver.org 2.0): major.minor.patch[-pre][+build].
struct Version {
  uint64_t major = 0;
  uint64_t minor = 0;
  uint64_t patch = 0;
  std::string pre;    // without the '-'
  std::string build;  // without the '+'

  std::string to_string() const;
  friend bool operator==(const Version&, const Version&) = default;
};

// Parses a full semver string ("0.2.12", "1.0.0-rc.1+b5"); nullopt when malformed.
std::optional<Version> parse_version(std::string_view text);

// `ns:name@version`.
struct PackageName {
  std::string ns;
  std::string name;
  std::optional<Version> version;

  std::string to_string() const;
  friend bool operator==(const PackageName&, const PackageName&) = default;
};

// Doc comments (`/// ...` lines, `/** */` blocks), one entry per line with the text after `///`.
using Docs = std::vector<std::string>;

// A feature gate: `@since(version = ..)` or `@unstable(feature = ..)`, optionally
// `@deprecated(version = ..)`.
struct Stability {
  enum class Kind : uint8_t { kUnknown, kStable, kUnstable };
  Kind kind = Kind::kUnknown;
  Version since;          // kStable
  std::string feature;    // kUnstable
  std::optional<Version> deprecated;

  friend bool operator==(const Stability&, const Stability&) = default;
};

enum class Primitive : uint8_t {
  kBool, kU8, kU16, kU32, kU64, kS8, kS16, kS32, kS64, kF32, kF64, kChar, kString, kErrorContext,
};
// The WIT spelling of a primitive: "u32", "error-context", ...
std::string_view primitive_name(Primitive p);

// A use of a type: a primitive or a reference to a TypeDef of the arena.
struct Type {
  bool is_prim = true;
  Primitive prim = Primitive::kBool;
  TypeId id;

  static Type of(Primitive p) { Type t; t.prim = p; return t; }
  static Type of(TypeId i) { Type t; t.is_prim = false; t.id = i; return t; }
  friend bool operator==(const Type& a, const Type& b) {
    return a.is_prim == b.is_prim && (a.is_prim ? a.prim == b.prim : a.id == b.id);
  }
};

enum class TypeDefKind : uint8_t {
  kRecord,     // fields
  kResource,   // methods are Functions of the owner with `resource` set
  kOwn,        // resource (a bare resource name outside `type x = r` is an own handle)
  kBorrow,     // resource
  kFlags,      // cases (no payloads)
  kEnum,       // cases (no payloads)
  kVariant,    // cases
  kTuple,      // types
  kOption,     // element
  kResult,     // ok, err (each optional)
  kList,       // element
  kFixedList,  // element, length
  kMap,        // key, element
  kFuture,     // element optional
  kStream,     // element optional
  kAlias,      // element: `type x = T`, and every name brought in by `use`
};

struct TypeOwner {
  enum class Kind : uint8_t { kNone, kInterface, kWorld };
  Kind kind = Kind::kNone;
  InterfaceId iface;
  WorldId world;
};

struct Field {
  std::string name;
  Type type;
  Docs docs;
};

struct Case {
  std::string name;
  std::optional<Type> type;  // variants only
  Docs docs;
};

struct TypeDef {
  std::string name;  // empty for anonymous types (list<T>, option<T>, handles, ...)
  TypeDefKind kind = TypeDefKind::kAlias;
  std::vector<Field> fields;
  std::vector<Case> cases;
  std::vector<Type> types;
  std::optional<Type> element;
  std::optional<Type> key;
  std::optional<Type> ok;
  std::optional<Type> err;
  TypeId resource;      // kOwn / kBorrow: the named type (maybe an alias) of the resource
  uint32_t length = 0;  // kFixedList
  bool from_use = false;  // a kAlias created by `use iface.{name}`
  TypeOwner owner;
  Docs docs;
  Stability stability;
  std::string external_id;  // `@external-id("...")`, empty if none
};

enum class FunctionKind : uint8_t { kFreestanding, kMethod, kStatic, kConstructor };

struct Param {
  std::string name;
  Type type;
};

struct Function {
  // The component-level name: "f", "[method]r.f", "[static]r.f", "[constructor]r".
  std::string name;
  FunctionKind kind = FunctionKind::kFreestanding;
  bool is_async = false;
  TypeId resource;  // for methods, statics and constructors
  // Methods start with `self: borrow<r>`; a constructor without written result returns `own<r>`.
  std::vector<Param> params;
  std::optional<Type> result;
  Docs docs;
  Stability stability;
  std::string external_id;

  // The name as written in the source: "f" of "[method]r.f", "constructor" for constructors.
  std::string_view item_name() const;
};

struct Interface {
  std::string name;  // empty for an inline `import x: interface { }` of a world
  std::optional<PackageId> package;
  std::optional<WorldId> world;  // the world that holds an inline interface
  std::vector<TypeId> types;         // declaration order, `use`d names included
  std::vector<Function> functions;   // declaration order, resource functions included
  std::vector<InterfaceId> deps;     // interfaces whose types this one `use`s, first use first
  Docs docs;
  Stability stability;
};

enum class WorldItemKind : uint8_t { kInterface, kFunction, kType };

struct WorldItem {
  WorldItemKind kind = WorldItemKind::kInterface;
  // The plain name of the import/export; empty when an interface is imported by its interface
  // name (`import wasi:io/poll@0.2.12;`).
  std::string name;
  InterfaceId iface;  // kInterface
  Function func;      // kFunction
  TypeId type;        // kType (imports only)
  Docs docs;
  Stability stability;
  std::string external_id;
};

// A world in elaborated form: `include`s are flattened and every interface that an imported or
// exported interface (or a world type) depends on is imported before it.
struct World {
  std::string name;
  PackageId package;
  std::vector<WorldItem> imports;
  std::vector<WorldItem> exports;
  Docs docs;
  Stability stability;
};

struct Package {
  PackageName name;
  std::vector<InterfaceId> interfaces;  // dependencies before dependents, else source order
  std::vector<WorldId> worlds;          // source order
  Docs docs;
};

// Everything that was loaded: packages in dependency order (a package's dependencies come
// before it), and the arenas the ids index.
struct Resolve {
  std::vector<Package> packages;
  std::vector<Interface> interfaces;
  std::vector<World> worlds;
  std::vector<TypeDef> types;
  PackageId root;  // the package named by the path or root source

  const Package& package(PackageId id) const { return packages[id.index]; }
  const Interface& iface(InterfaceId id) const { return interfaces[id.index]; }
  const World& world(WorldId id) const { return worlds[id.index]; }
  const TypeDef& type(TypeId id) const { return types[id.index]; }

  std::optional<PackageId> find_package(const PackageName& name) const;
  std::optional<InterfaceId> find_interface(PackageId pkg, std::string_view name) const;
  std::optional<WorldId> find_world(PackageId pkg, std::string_view name) const;
  // The type a name of an interface stands for, e.g. "input-stream" of wasi:io/streams.
  std::optional<TypeId> find_type(InterfaceId iface, std::string_view name) const;
  // Follows kAlias links to the defining TypeDef.
  TypeId unalias(TypeId id) const;
  // "wasi:io/streams@0.2.12"; empty for an inline interface.
  std::string interface_path(InterfaceId id) const;
  // World selection per WIT.md: no spec = the only world of the root package; "name" = a world
  // of the root package; "ns:pkg/name[@ver]" = a world of any package.
  Expected<WorldId> select_world(std::string_view spec) const;
};

// One source text: the path is used only in messages ("path:line:col: ...").
struct SourceFile {
  std::string path;
  std::string text;
};

// Parses and checks one file without resolving names (for syntax-only tools and the fuzzer).
Expected<void> parse_source(const SourceFile& file);

// Resolves a root package made of `root` files (they form one package; nested
// `package x:y { }` blocks add more), with `deps` as further dependency sources, each a group
// of files forming one package (plus its nested blocks).
Expected<Resolve> resolve_sources(const std::vector<SourceFile>& root,
                                  const std::vector<std::vector<SourceFile>>& deps = {});

// Resolves a file (the whole package with its dependencies inline) or a directory (all its
// `*.wit` files are one package; `deps/` holds one file or directory per dependency package).
Expected<Resolve> resolve_path(const std::filesystem::path& path);

// Reads one dependency entry: a `.wit` file or a directory of `.wit` files.
Expected<std::vector<SourceFile>> read_package_files(const std::filesystem::path& path);

// Writes one package as WIT text (deterministic; types and worlds as resolved).
std::string print_package(const Resolve& resolve, PackageId pkg);
// Writes the root package as one file whose other packages are nested `package x { }` blocks,
// so the output resolves on its own with resolve_sources({{name, text}}).
std::string print_resolve(const Resolve& resolve);

}  // namespace kiln::wit
