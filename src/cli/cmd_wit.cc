// cli/cmd_wit.cc: `kiln wit`: prints the resolved WIT of a package file, a package directory
// or a component binary (its imports and exports described as a world, in the layout
// wit-component uses: package root:component, world root).
#include <filesystem>
#include <map>

#include "cli/command.h"
#include "cli/io.h"
#include "component/decoder.h"
#include "component/describe.h"
#include "wit/wit.h"

namespace kiln::cli {
namespace {

namespace cm = kiln::component;

// Builds a wit::Resolve from a component's description. Interfaces are the instance imports
// and exports named `ns:pkg/iface[@version]`; a resource or nominal type seen before (by
// identity) in another interface becomes a `use` of it there.
class WitBuilder {
 public:
  Expected<wit::Resolve> build(const cm::ComponentDesc& d) {
    wit::Package root;
    root.name.ns = "root";
    root.name.name = "component";
    r_.packages.push_back(root);
    wit::World w;
    w.name = "root";
    r_.worlds.push_back(w);
    for (const auto& it : d.imports) {
      KILN_ASSIGN_OR_RETURN(wit::WorldItem item, world_item(it));
      r_.worlds[0].imports.push_back(std::move(item));
    }
    for (const auto& it : d.exports) {
      KILN_ASSIGN_OR_RETURN(wit::WorldItem item, world_item(it));
      r_.worlds[0].exports.push_back(std::move(item));
    }
    // Packages come before their dependents, in the order the WIT resolver gives them (a
    // depth-first postorder from the root following references in order of appearance), so
    // that the printed WIT resolves back to the same model.
    uint32_t n = static_cast<uint32_t>(r_.packages.size());
    std::vector<std::vector<uint32_t>> succ(n);
    auto add_succ = [&](uint32_t from, std::optional<wit::PackageId> to) {
      if (!to || to->index == from) return;
      for (uint32_t x : succ[from])
        if (x == to->index) return;
      succ[from].push_back(to->index);
    };
    for (const auto& items : {r_.worlds[0].imports, r_.worlds[0].exports})
      for (const auto& it : items)
        if (it.kind == wit::WorldItemKind::kInterface) add_succ(0, r_.iface(it.iface).package);
    for (uint32_t p = 1; p < n; ++p)
      for (wit::InterfaceId i : r_.packages[p].interfaces)
        for (wit::InterfaceId d : r_.iface(i).deps) add_succ(p, r_.iface(d).package);
    std::vector<uint32_t> order;
    std::vector<uint8_t> state(n, 0);  // 0 new, 1 on the stack, 2 done
    // Iterative postorder (a stack of (node, next successor)): inputs bound the depth only by
    // the number of packages, but no recursion is needed.
    {
      std::vector<std::pair<uint32_t, size_t>> stack{{0, 0}};
      state[0] = 1;
      while (!stack.empty()) {
        auto& [node, next] = stack.back();
        if (next < succ[node].size()) {
          uint32_t s2 = succ[node][next++];
          if (state[s2] == 0) {
            state[s2] = 1;
            stack.emplace_back(s2, 0);
          }
          continue;
        }
        state[node] = 2;
        order.push_back(node);
        stack.pop_back();
      }
    }
    for (uint32_t p = 1; p < n; ++p)
      if (state[p] == 0) order.insert(order.end() - 1, p);  // unreferenced: before the root
    std::vector<wit::Package> pkgs;
    std::map<uint32_t, uint32_t> remap;  // old package index -> new
    for (uint32_t p : order) {
      remap[p] = static_cast<uint32_t>(pkgs.size());
      pkgs.push_back(r_.packages[p]);
    }
    pkgs.back().worlds.push_back(wit::WorldId{0});
    for (auto& i : r_.interfaces)
      if (i.package) i.package = wit::PackageId{remap[i.package->index]};
    r_.worlds[0].package = wit::PackageId{remap[0]};
    r_.packages = std::move(pkgs);
    r_.root = wit::PackageId{remap[0]};
    return std::move(r_);
  }

 private:
  Error fail(const std::string& msg) { return Error(ErrorKind::kInvalid, msg); }

  Expected<wit::WorldItem> world_item(const cm::ItemDesc& it) {
    wit::WorldItem w;
    switch (it.kind) {
      case cm::ExternKind::kInstance: {
        w.kind = wit::WorldItemKind::kInterface;
        KILN_ASSIGN_OR_RETURN(w.iface, interface(it));
        if (r_.iface(w.iface).name.empty() || it.name.find(':') == std::string::npos) w.name = it.name;
        return w;
      }
      case cm::ExternKind::kFunc: {
        w.kind = wit::WorldItemKind::kFunction;
        w.name = it.name;
        KILN_ASSIGN_OR_RETURN(w.func, function(it, nullptr));
        return w;
      }
      case cm::ExternKind::kType: {
        w.kind = wit::WorldItemKind::kType;
        w.name = it.name;
        KILN_ASSIGN_OR_RETURN(w.type, named_type(it, wit::TypeOwner{wit::TypeOwner::Kind::kWorld, {}, {0}}, nullptr));
        return w;
      }
      default:
        return fail("component " + std::string(it.kind == cm::ExternKind::kModule ? "module" : it.kind == cm::ExternKind::kValue ? "value" : "component") +
                    " `" + it.name + "` has no WIT form");
    }
  }

  wit::PackageId package_for(const wit::PackageName& n) {
    for (uint32_t i = 1; i < r_.packages.size(); ++i)
      if (r_.packages[i].name == n) return wit::PackageId{i};
    wit::Package p;
    p.name = n;
    r_.packages.push_back(p);
    return wit::PackageId{static_cast<uint32_t>(r_.packages.size() - 1)};
  }

  Expected<wit::InterfaceId> interface(const cm::ItemDesc& it) {
    wit::Interface i;
    wit::InterfaceId id{static_cast<uint32_t>(r_.interfaces.size())};
    size_t colon = it.name.find(':');
    size_t slash = it.name.find('/');
    if (colon != std::string::npos && slash != std::string::npos && colon < slash) {
      wit::PackageName pn;
      pn.ns = it.name.substr(0, colon);
      pn.name = it.name.substr(colon + 1, slash - colon - 1);
      std::string rest = it.name.substr(slash + 1);
      size_t at = rest.find('@');
      if (at != std::string::npos) {
        pn.version = wit::parse_version(rest.substr(at + 1));
        if (!pn.version) return fail("bad version in `" + it.name + "`");
        rest = rest.substr(0, at);
      }
      i.name = rest;
      wit::PackageId pkg = package_for(pn);
      i.package = pkg;
      r_.packages[pkg.index].interfaces.push_back(id);
    } else {
      i.world = wit::WorldId{0};
      i.package = wit::PackageId{0};
    }
    r_.interfaces.push_back(i);
    wit::TypeOwner owner{wit::TypeOwner::Kind::kInterface, id, {}};
    std::map<uint32_t, wit::TypeId> local;  // resource identity -> name of it in this interface
    for (const auto& x : it.exports) {
      if (x.kind != cm::ExternKind::kType) continue;
      if (x.value == nullptr && !x.is_resource) continue;  // function and instance types
      KILN_ASSIGN_OR_RETURN(wit::TypeId t, named_type(x, owner, &local));
      r_.interfaces[id.index].types.push_back(t);
    }
    for (const auto& x : it.exports) {
      if (x.kind == cm::ExternKind::kType) continue;
      if (x.kind != cm::ExternKind::kFunc) return fail("export `" + x.name + "` of `" + it.name + "` has no WIT form");
      KILN_ASSIGN_OR_RETURN(wit::Function f, function(x, &local));
      r_.interfaces[id.index].functions.push_back(std::move(f));
    }
    return id;
  }

  wit::TypeId add(wit::TypeDef d) {
    r_.types.push_back(std::move(d));
    return wit::TypeId{static_cast<uint32_t>(r_.types.size() - 1)};
  }

  void add_dep(wit::InterfaceId user, wit::TypeId used) {
    const wit::TypeDef& u = r_.type(used);
    if (u.owner.kind != wit::TypeOwner::Kind::kInterface || u.owner.iface == user) return;
    auto& deps = r_.interfaces[user.index].deps;
    for (auto d : deps)
      if (d == u.owner.iface) return;
    deps.push_back(u.owner.iface);
  }

  // A type export: a new resource or nominal type, or a `use` of one defined earlier.
  Expected<wit::TypeId> named_type(const cm::ItemDesc& x, wit::TypeOwner owner,
                                   std::map<uint32_t, wit::TypeId>* local) {
    wit::TypeDef d;
    d.name = x.name;
    d.owner = owner;
    std::optional<wit::TypeId> prior;
    if (x.is_resource) {
      auto it = resources_.find(x.resource);
      if (it != resources_.end()) prior = it->second;
    } else if (x.value && x.value->identity) {
      auto it = nominal_.find(x.value->identity);
      if (it != nominal_.end()) prior = it->second;
    }
    if (prior) {
      d.kind = wit::TypeDefKind::kAlias;
      d.element = wit::Type::of(*prior);
      d.from_use = r_.type(*prior).owner.kind == wit::TypeOwner::Kind::kInterface &&
                   owner.kind == wit::TypeOwner::Kind::kInterface &&
                   r_.type(*prior).owner.iface != owner.iface;
      if (owner.kind == wit::TypeOwner::Kind::kInterface) add_dep(owner.iface, *prior);
      wit::TypeId id = add(std::move(d));
      if (local && x.is_resource) (*local)[x.resource] = id;
      return id;
    }
    if (x.is_resource) {
      d.kind = wit::TypeDefKind::kResource;
      wit::TypeId id = add(std::move(d));
      resources_[x.resource] = id;
      if (local) (*local)[x.resource] = id;
      return id;
    }
    if (!x.value) return fail("type export `" + x.name + "` has no WIT form");
    KILN_TRY(fill(d, *x.value, local));
    wit::TypeId id = add(std::move(d));
    if (x.value->identity) nominal_[x.value->identity] = id;
    return id;
  }

  // Fills the structure of a type definition from a value type.
  Expected<void> fill(wit::TypeDef& d, const cm::ValueDesc& v, std::map<uint32_t, wit::TypeId>* local) {
    using K = cm::DefValKind;
    auto opt = [&](const cm::ValueDescPtr& p) -> Expected<std::optional<wit::Type>> {
      if (!p) return std::optional<wit::Type>();
      KILN_ASSIGN_OR_RETURN(wit::Type t, type(*p, local));
      return std::optional<wit::Type>(t);
    };
    switch (v.kind) {
      case K::kPrim:
        d.kind = wit::TypeDefKind::kAlias;
        d.element = wit::Type::of(prim(v.prim));
        return ok();
      case K::kRecord: {
        d.kind = wit::TypeDefKind::kRecord;
        for (const auto& [n, t] : v.fields) {
          KILN_ASSIGN_OR_RETURN(wit::Type ft, type(*t, local));
          d.fields.push_back(wit::Field{n, ft, {}});
        }
        return ok();
      }
      case K::kVariant: {
        d.kind = wit::TypeDefKind::kVariant;
        for (const auto& [n, t] : v.fields) {
          KILN_ASSIGN_OR_RETURN(auto ct, opt(t));
          d.cases.push_back(wit::Case{n, ct, {}});
        }
        return ok();
      }
      case K::kFlags:
      case K::kEnum:
        d.kind = v.kind == K::kFlags ? wit::TypeDefKind::kFlags : wit::TypeDefKind::kEnum;
        for (const auto& l : v.labels) d.cases.push_back(wit::Case{l, std::nullopt, {}});
        return ok();
      case K::kTuple: {
        d.kind = wit::TypeDefKind::kTuple;
        for (const auto& e : v.elems) {
          KILN_ASSIGN_OR_RETURN(wit::Type t, type(*e, local));
          d.types.push_back(t);
        }
        return ok();
      }
      case K::kList:
      case K::kFixedList:
      case K::kOption:
      case K::kStream:
      case K::kFuture:
        d.kind = v.kind == K::kList ? wit::TypeDefKind::kList
                 : v.kind == K::kFixedList ? wit::TypeDefKind::kFixedList
                 : v.kind == K::kOption ? wit::TypeDefKind::kOption
                 : v.kind == K::kStream ? wit::TypeDefKind::kStream : wit::TypeDefKind::kFuture;
        d.length = v.length;
        {
          KILN_ASSIGN_OR_RETURN(d.element, opt(v.a));
        }
        return ok();
      case K::kResult: {
        d.kind = wit::TypeDefKind::kResult;
        KILN_ASSIGN_OR_RETURN(d.ok, opt(v.a));
        KILN_ASSIGN_OR_RETURN(d.err, opt(v.b));
        return ok();
      }
      case K::kMap: {
        d.kind = wit::TypeDefKind::kMap;
        KILN_ASSIGN_OR_RETURN(d.key, opt(v.a));
        KILN_ASSIGN_OR_RETURN(d.element, opt(v.b));
        return ok();
      }
      case K::kOwn:
      case K::kBorrow: {
        d.kind = v.kind == K::kOwn ? wit::TypeDefKind::kOwn : wit::TypeDefKind::kBorrow;
        std::optional<wit::TypeId> res;
        if (local) {
          auto it = local->find(v.resource);
          if (it != local->end()) res = it->second;
        }
        if (!res) {
          auto it = resources_.find(v.resource);
          if (it == resources_.end()) return fail("a handle refers to a resource with no name");
          res = it->second;
        }
        d.resource = *res;
        return ok();
      }
    }
    return ok();
  }

  static wit::Primitive prim(cm::PrimType p) {
    using P = cm::PrimType;
    switch (p) {
      case P::kBool: return wit::Primitive::kBool;
      case P::kS8: return wit::Primitive::kS8;
      case P::kU8: return wit::Primitive::kU8;
      case P::kS16: return wit::Primitive::kS16;
      case P::kU16: return wit::Primitive::kU16;
      case P::kS32: return wit::Primitive::kS32;
      case P::kU32: return wit::Primitive::kU32;
      case P::kS64: return wit::Primitive::kS64;
      case P::kU64: return wit::Primitive::kU64;
      case P::kF32: return wit::Primitive::kF32;
      case P::kF64: return wit::Primitive::kF64;
      case P::kChar: return wit::Primitive::kChar;
      case P::kString: return wit::Primitive::kString;
      case P::kErrorContext: return wit::Primitive::kErrorContext;
    }
    return wit::Primitive::kBool;
  }

  // A use of a value type: a primitive, a named type seen before, or a new anonymous type.
  Expected<wit::Type> type(const cm::ValueDesc& v, std::map<uint32_t, wit::TypeId>* local) {
    if (v.kind == cm::DefValKind::kPrim) return wit::Type::of(prim(v.prim));
    if (v.identity) {
      auto it = nominal_.find(v.identity);
      if (it == nominal_.end()) return fail("a record, variant, enum or flags type has no name");
      return wit::Type::of(it->second);
    }
    wit::TypeDef d;
    KILN_TRY(fill(d, v, local));
    return wit::Type::of(add(std::move(d)));
  }

  Expected<wit::Function> function(const cm::ItemDesc& x, std::map<uint32_t, wit::TypeId>* local) {
    wit::Function f;
    f.name = x.name;
    if (!x.func) return fail("function `" + x.name + "` has no type");
    f.is_async = x.func->async;
    auto resource_named = [&](std::string_view n) -> std::optional<wit::TypeId> {
      if (!local) return std::nullopt;
      for (const auto& [res, id] : *local)
        if (r_.type(id).name == n) return id;
      return std::nullopt;
    };
    std::string_view n = x.name;
    auto annotated = [&](std::string_view prefix, wit::FunctionKind k) -> bool {
      if (!n.starts_with(prefix)) return false;
      std::string_view rest = n.substr(prefix.size());
      std::string_view res = k == wit::FunctionKind::kConstructor ? rest : rest.substr(0, rest.find('.'));
      if (auto id = resource_named(res)) {
        f.kind = k;
        f.resource = *id;
        return true;
      }
      return false;
    };
    annotated("[constructor]", wit::FunctionKind::kConstructor) ||
        annotated("[method]", wit::FunctionKind::kMethod) ||
        annotated("[static]", wit::FunctionKind::kStatic) ||
        annotated("[async method]", wit::FunctionKind::kMethod) ||
        annotated("[async static]", wit::FunctionKind::kStatic);
    for (const auto& [pn, pt] : x.func->params) {
      KILN_ASSIGN_OR_RETURN(wit::Type t, type(*pt, local));
      f.params.push_back(wit::Param{pn, t});
    }
    if (x.func->result) {
      KILN_ASSIGN_OR_RETURN(wit::Type t, type(*x.func->result, local));
      f.result = t;
    }
    return f;
  }

  wit::Resolve r_;
  std::map<uint32_t, wit::TypeId> resources_;  // resource identity -> its defining type
  std::map<uint32_t, wit::TypeId> nominal_;    // nominal identity -> its defining type
};

}  // namespace

int run_wit(const CommandContext& ctx) {
  if (ctx.args.size() != 1 || ctx.args[0].starts_with("-")) {
    ctx.err << "usage: kiln wit FILE.wit|DIR|FILE.wasm\n";
    return kExitUsage;
  }
  std::string path(ctx.args[0]);
  std::error_code ec;
  bool is_dir = std::filesystem::is_directory(path, ec);
  Expected<wit::Resolve> resolved = Error(ErrorKind::kInvalid, "no input");
  if (is_dir || !path.ends_with(".wasm")) {
    resolved = wit::resolve_path(path);
  } else {
    Expected<std::vector<uint8_t>> bytes = read_file(path);
    if (!bytes) {
      ctx.err << format_error(path, bytes.error()) << "\n";
      return kExitFailure;
    }
    if (!cm::is_component(bytes->data(), bytes->size())) {
      ctx.err << path << ": error: not a component (a core module has no WIT)\n";
      return kExitFailure;
    }
    wasm::Features features = wasm::Features::all();
    Expected<cm::Component> c = cm::decode_component(*bytes, features);
    if (!c) {
      ctx.err << format_error(path, c.error()) << "\n";
      return kExitFailure;
    }
    Expected<cm::ComponentDesc> d = cm::describe_component(*c, features);
    if (!d) {
      ctx.err << format_error(path, d.error()) << "\n";
      return kExitFailure;
    }
    resolved = WitBuilder().build(*d);
  }
  if (!resolved) {
    ctx.err << format_error(path, resolved.error()) << "\n";
    return kExitFailure;
  }
  ctx.out << wit::print_resolve(*resolved);
  return kExitOk;
}

}  // namespace kiln::cli
