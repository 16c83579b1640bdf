// wit/resolve.cc: turns parsed WIT files into a Resolve: groups files into packages, orders
// packages and interfaces topologically, resolves every name (`use`, types, include), builds the
// type arena, elaborates worlds, and reports unknown/duplicate names and cycles with locations.
#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "wit/ast.h"
#include "wit/lexer.h"
#include "wit/wit.h"

namespace kiln::wit {

// ---- Resolve queries ----------------------------------------------------------------------

std::string_view primitive_name(Primitive p) {
  switch (p) {
    case Primitive::kBool: return "bool";
    case Primitive::kU8: return "u8";
    case Primitive::kU16: return "u16";
    case Primitive::kU32: return "u32";
    case Primitive::kU64: return "u64";
    case Primitive::kS8: return "s8";
    case Primitive::kS16: return "s16";
    case Primitive::kS32: return "s32";
    case Primitive::kS64: return "s64";
    case Primitive::kF32: return "f32";
    case Primitive::kF64: return "f64";
    case Primitive::kChar: return "char";
    case Primitive::kString: return "string";
    case Primitive::kErrorContext: return "error-context";
  }
  return "?";
}

std::string_view Function::item_name() const {
  std::string_view n = name;
  switch (kind) {
    case FunctionKind::kFreestanding: return n;
    case FunctionKind::kConstructor: return "constructor";
    case FunctionKind::kMethod:
    case FunctionKind::kStatic: {
      size_t dot = n.find('.');
      return dot == std::string_view::npos ? n : n.substr(dot + 1);
    }
  }
  return n;
}

std::optional<PackageId> Resolve::find_package(const PackageName& name) const {
  for (uint32_t i = 0; i < packages.size(); ++i) {
    if (packages[i].name == name) return PackageId{i};
  }
  return std::nullopt;
}

std::optional<InterfaceId> Resolve::find_interface(PackageId pkg, std::string_view name) const {
  for (InterfaceId id : package(pkg).interfaces) {
    if (iface(id).name == name) return id;
  }
  return std::nullopt;
}

std::optional<WorldId> Resolve::find_world(PackageId pkg, std::string_view name) const {
  for (WorldId id : package(pkg).worlds) {
    if (world(id).name == name) return id;
  }
  return std::nullopt;
}

std::optional<TypeId> Resolve::find_type(InterfaceId id, std::string_view name) const {
  for (TypeId t : iface(id).types) {
    if (type(t).name == name) return t;
  }
  return std::nullopt;
}

TypeId Resolve::unalias(TypeId id) const {
  // Alias chains are acyclic once resolved; the bound only guards against misuse.
  for (size_t steps = 0; steps <= types.size(); ++steps) {
    const TypeDef& t = type(id);
    if (t.kind != TypeDefKind::kAlias || !t.element || t.element->is_prim) return id;
    id = t.element->id;
  }
  return id;
}

std::string Resolve::interface_path(InterfaceId id) const {
  const Interface& i = iface(id);
  if (i.name.empty() || !i.package) return {};
  const PackageName& p = package(*i.package).name;
  std::string s = p.ns + ':' + p.name + '/' + i.name;
  if (p.version) s += '@' + p.version->to_string();
  return s;
}

Expected<WorldId> Resolve::select_world(std::string_view spec) const {
  if (spec.empty()) {
    const auto& ws = package(root).worlds;
    if (ws.size() != 1) {
      return Error(ErrorKind::kInvalid, "package `" + package(root).name.to_string() + "` has " +
                                            std::to_string(ws.size()) +
                                            " worlds; name the one to use");
    }
    return ws[0];
  }
  size_t colon = spec.find(':');
  if (colon == std::string_view::npos) {
    if (auto w = find_world(root, spec)) return *w;
    return Error(ErrorKind::kInvalid, "world `" + std::string(spec) + "` not found in package `" +
                                          package(root).name.to_string() + "`");
  }
  size_t slash = spec.find('/', colon);
  if (slash == std::string_view::npos) {
    return Error(ErrorKind::kInvalid, "malformed world path `" + std::string(spec) + "`");
  }
  PackageName pn;
  pn.ns = std::string(spec.substr(0, colon));
  pn.name = std::string(spec.substr(colon + 1, slash - colon - 1));
  std::string_view rest = spec.substr(slash + 1);
  size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    pn.version = parse_version(rest.substr(at + 1));
    if (!pn.version) return Error(ErrorKind::kInvalid, "malformed version in `" + std::string(spec) + "`");
    rest = rest.substr(0, at);
  }
  for (uint32_t i = 0; i < packages.size(); ++i) {
    const PackageName& n = packages[i].name;
    if (n.ns == pn.ns && n.name == pn.name && (!pn.version || n.version == pn.version)) {
      if (auto w = find_world(PackageId{i}, rest)) return *w;
    }
  }
  return Error(ErrorKind::kInvalid, "world `" + std::string(spec) + "` not found");
}

namespace {

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return r;
}

// Visits the graph reachable from `root` in postorder without recursion (inputs may nest
// deeply). succ(n) lists successors; state holds 0 = new, 1 = on the stack, 2 = done.
// Returns the node a back edge reached (a cycle), or -1.
template <typename Succ, typename Emit>
int64_t postorder(uint32_t root, std::vector<uint8_t>& state, Succ&& succ, Emit&& emit) {
  if (state[root] != 0) return -1;
  std::vector<std::pair<uint32_t, size_t>> stack;
  stack.emplace_back(root, 0);
  state[root] = 1;
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    const std::vector<uint32_t>& s = succ(node);
    if (next < s.size()) {
      uint32_t child = s[next++];
      if (state[child] == 1) return child;
      if (state[child] == 0) {
        state[child] = 1;
        stack.emplace_back(child, 0);
      }
      continue;
    }
    state[node] = 2;
    uint32_t done = node;
    stack.pop_back();
    emit(done);
  }
  return -1;
}

// One package's sources before resolution: each body is a file's root items or a nested block.
struct Unresolved {
  PackageName name;
  std::vector<const ast::PackageBody*> bodies;
  std::vector<const std::string*> paths;
  Docs docs;
};

struct Ref {
  PackageName name;
  const std::string* path;
  ast::Span span;
};

// Resolution state of one scope of type names: an interface or a world.
struct Scope {
  std::unordered_map<std::string, TypeId> types;
  std::unordered_set<std::string> names;  // lowercased, for duplicate checks
  // Typedefs declared here whose bodies are not resolved yet.
  std::unordered_map<uint32_t, const ast::TypeDecl*> pending;
  uint32_t first_type = 0;
};

class Resolver {
 public:
  explicit Resolver(std::vector<std::unique_ptr<ast::File>> files) : files_(std::move(files)) {}

  Expected<void> add_group(size_t first_file, size_t end_file, bool is_root) {
    std::optional<PackageName> name;
    const ast::PackageBody* named_body = nullptr;
    const std::string* named_path = nullptr;
    bool any_items = false;
    for (size_t i = first_file; i < end_file; ++i) {
      const ast::File& f = *files_[i];
      const ast::PackageBody& b = f.root;
      if (!b.order.empty() || !b.uses.empty()) any_items = true;
      if (b.name) {
        if (name && !(*name == *b.name)) {
          return error_at(ErrorKind::kInvalid, f.path, b.name_span.line, b.name_span.column,
                          "package `" + b.name->to_string() + "` differs from `" +
                              name->to_string() + "` declared in " + *named_path);
        }
        if (!name) {
          name = b.name;
          named_body = &b;
          named_path = &f.path;
        }
      }
    }
    if (!name && (any_items || is_root)) {
      std::string where = first_file < end_file ? files_[first_file]->path : "<empty>";
      return error_at(ErrorKind::kInvalid, where, 1, 1, "no `package` declaration");
    }
    if (name) {
      Unresolved u;
      u.name = *name;
      u.docs = named_body->docs;
      for (size_t i = first_file; i < end_file; ++i) {
        u.bodies.push_back(&files_[i]->root);
        u.paths.push_back(&files_[i]->path);
      }
      KILN_TRY(add_unresolved(std::move(u), *named_path, named_body->name_span));
      if (is_root) root_index_ = unresolved_.size() - 1;
    }
    for (size_t i = first_file; i < end_file; ++i) {
      for (const ast::PackageBody& b : files_[i]->nested) {
        Unresolved u;
        u.name = *b.name;
        u.docs = b.docs;
        u.bodies.push_back(&b);
        u.paths.push_back(&files_[i]->path);
        KILN_TRY(add_unresolved(std::move(u), files_[i]->path, b.name_span));
      }
    }
    return ok();
  }

  Expected<Resolve> run() {
    std::vector<uint32_t> order;
    KILN_TRY(order_packages(&order));
    pkg_ids_.assign(unresolved_.size(), UINT32_MAX);
    for (uint32_t idx : order) KILN_TRY(resolve_package(idx));
    out_.root = PackageId{pkg_ids_[root_index_]};
    return std::move(out_);
  }

 private:
  // ---- packages ----

  Expected<void> add_unresolved(Unresolved u, const std::string& path, ast::Span span) {
    for (const auto& other : unresolved_) {
      if (other.name == u.name) {
        return error_at(ErrorKind::kInvalid, path, span.line, span.column,
                        "package `" + u.name.to_string() + "` is defined more than once");
      }
    }
    unresolved_.push_back(std::move(u));
    return ok();
  }

  // The package a reference names: exact match, or the only version of an unversioned name.
  std::optional<uint32_t> find_unresolved(const PackageName& ref) const {
    std::optional<uint32_t> only;
    size_t same_name = 0;
    for (uint32_t i = 0; i < unresolved_.size(); ++i) {
      const PackageName& n = unresolved_[i].name;
      if (n == ref) return i;
      if (!ref.version && n.ns == ref.ns && n.name == ref.name) {
        only = i;
        ++same_name;
      }
    }
    if (same_name == 1) return only;
    return std::nullopt;
  }

  static void collect_path(const ast::UsePath& p, const std::string* path, std::vector<Ref>* out) {
    if (!p.is_local) out->push_back(Ref{*p.pkg, path, p.span});
  }
  static void collect_iface(const ast::Interface& i, const std::string* path, std::vector<Ref>* out) {
    for (const auto& item : i.items) {
      if (item.kind == ast::InterfaceItem::Kind::kUse) collect_path(item.use.path, path, out);
    }
  }

  std::vector<Ref> package_refs(const Unresolved& u) const {
    std::vector<Ref> refs;
    for (size_t b = 0; b < u.bodies.size(); ++b) {
      const ast::PackageBody& body = *u.bodies[b];
      const std::string* path = u.paths[b];
      for (const auto& use : body.uses) collect_path(use.path, path, &refs);
      for (const auto& i : body.interfaces) collect_iface(i, path, &refs);
      for (const auto& w : body.worlds) {
        for (const auto& item : w.items) {
          collect_path(item.path, path, &refs);
          collect_path(item.use.path, path, &refs);
          if (item.inline_iface) collect_iface(*item.inline_iface, path, &refs);
        }
      }
    }
    return refs;
  }

  bool names_self(const Unresolved& u, const PackageName& ref) const {
    return ref.ns == u.name.ns && ref.name == u.name.name &&
           (!ref.version || ref.version == u.name.version);
  }

  Expected<void> order_packages(std::vector<uint32_t>* order) {
    size_t n = unresolved_.size();
    std::vector<std::vector<uint32_t>> succ(n);
    std::vector<std::vector<Ref>> edge_refs(n);
    for (uint32_t i = 0; i < n; ++i) {
      for (Ref& r : package_refs(unresolved_[i])) {
        if (names_self(unresolved_[i], r.name) && !find_unresolved_other(i, r.name)) continue;
        auto target = find_unresolved(r.name);
        if (!target) {
          return error_at(ErrorKind::kInvalid, *r.path, r.span.line, r.span.column,
                          "package `" + r.name.to_string() + "` not found");
        }
        if (*target == i) continue;
        succ[i].push_back(*target);
        edge_refs[i].push_back(std::move(r));
      }
    }
    std::vector<uint8_t> state(n, 0);
    for (uint32_t i = 0; i < n; ++i) {
      int64_t cyc = postorder(i, state, [&](uint32_t k) -> const std::vector<uint32_t>& { return succ[k]; },
                              [&](uint32_t k) { order->push_back(k); });
      if (cyc >= 0) {
        // The node closing the cycle is on the stack, so one of its edges leads to the next
        // node on the stack.
        auto c = static_cast<uint32_t>(cyc);
        for (size_t e = 0; e < succ[c].size(); ++e) {
          if (state[succ[c][e]] == 1) {
            const Ref& er = edge_refs[c][e];
            return error_at(ErrorKind::kInvalid, *er.path, er.span.line, er.span.column,
                            "package `" + unresolved_[c].name.to_string() +
                                "` depends on itself through `" + er.name.to_string() + "`");
          }
        }
        return Error(ErrorKind::kInvalid,
                     "package `" + unresolved_[c].name.to_string() + "` depends on itself");
      }
    }
    return ok();
  }

  // A reference that looks like the package itself but names another version of it.
  bool find_unresolved_other(uint32_t self, const PackageName& ref) const {
    auto t = find_unresolved(ref);
    return t && *t != self;
  }

  // ---- one package ----

  struct Target {
    bool is_world = false;
    uint32_t index = 0;
  };

  struct PkgCtx {
    uint32_t unresolved = 0;
    PackageId id;
    std::unordered_map<std::string, Target> items;
    std::vector<std::unordered_map<std::string, Target>> file_scopes;  // per body
    std::vector<const ast::Interface*> iface_ast;                        // by local index
    std::vector<size_t> iface_body;
    std::vector<const ast::World*> world_ast;
    std::vector<size_t> world_body;
    uint32_t first_iface = 0;
    uint32_t first_world = 0;
  };

  Error fail(const std::string& path, ast::Span s, std::string_view msg) const {
    return error_at(ErrorKind::kInvalid, path, s.line, s.column, msg);
  }
  const std::string& body_path(size_t body) const { return *unresolved_[ctx_->unresolved].paths[body]; }

  Expected<void> resolve_package(uint32_t idx) {
    const Unresolved& u = unresolved_[idx];
    PkgCtx ctx;
    ctx_ = &ctx;
    ctx.unresolved = idx;
    ctx.id = PackageId{static_cast<uint32_t>(out_.packages.size())};
    pkg_ids_[idx] = ctx.id.index;
    Package pkg;
    pkg.name = u.name;
    pkg.docs = u.docs;
    out_.packages.push_back(std::move(pkg));
    ctx.first_iface = static_cast<uint32_t>(out_.interfaces.size());
    ctx.first_world = static_cast<uint32_t>(out_.worlds.size());

    // Pre-allocate every interface and world so names resolve regardless of order.
    for (size_t b = 0; b < u.bodies.size(); ++b) {
      const ast::PackageBody& body = *u.bodies[b];
      for (auto [is_world, i] : body.order) {
        const ast::Id& name = is_world ? body.worlds[i].name : body.interfaces[i].name;
        Target t;
        t.is_world = is_world;
        if (is_world) {
          t.index = static_cast<uint32_t>(out_.worlds.size());
          World w;
          w.name = name.name;
          w.package = ctx.id;
          out_.worlds.push_back(std::move(w));
          ctx.world_ast.push_back(&body.worlds[i]);
          ctx.world_body.push_back(b);
        } else {
          t.index = static_cast<uint32_t>(out_.interfaces.size());
          Interface iface;
          iface.name = name.name;
          iface.package = ctx.id;
          out_.interfaces.push_back(std::move(iface));
          ctx.iface_ast.push_back(&body.interfaces[i]);
          ctx.iface_body.push_back(b);
        }
        if (!ctx.items.emplace(name.name, t).second) {
          return fail(*u.paths[b], name.span, "`" + name.name + "` is defined more than once");
        }
      }
    }
    // File scopes: top-level `use` names.
    ctx.file_scopes.resize(u.bodies.size());
    for (size_t b = 0; b < u.bodies.size(); ++b) {
      for (const ast::ToplevelUse& use : u.bodies[b]->uses) {
        KILN_ASSIGN_OR_RETURN(Target t, lookup_path(use.path, b, /*use_file_scope=*/false));
        if (t.is_world) return fail(*u.paths[b], use.path.span, "`use` must name an interface, not a world");
        const ast::Id& local = use.as ? *use.as : use.path.name;
        if (ctx.items.count(local.name) || !ctx.file_scopes[b].emplace(local.name, t).second) {
          return fail(*u.paths[b], local.span, "`" + local.name + "` is defined more than once");
        }
      }
    }
    // Interfaces in dependency order.
    size_t n_iface = ctx.iface_ast.size();
    std::vector<std::vector<uint32_t>> succ(n_iface);
    std::vector<std::vector<ast::Span>> succ_span(n_iface);
    for (size_t i = 0; i < n_iface; ++i) {
      for (const auto& item : ctx.iface_ast[i]->items) {
        if (item.kind != ast::InterfaceItem::Kind::kUse) continue;
        KILN_ASSIGN_OR_RETURN(Target t, lookup_path(item.use.path, ctx.iface_body[i], true));
        if (!t.is_world && t.index >= ctx.first_iface) {
          succ[i].push_back(t.index - ctx.first_iface);
          succ_span[i].push_back(item.use.path.span);
        }
      }
    }
    std::vector<uint8_t> state(n_iface, 0);
    std::vector<uint32_t> order;
    for (uint32_t i = 0; i < n_iface; ++i) {
      int64_t cyc = postorder(i, state, [&](uint32_t k) -> const std::vector<uint32_t>& { return succ[k]; },
                              [&](uint32_t k) { order.push_back(k); });
      if (cyc >= 0) {
        auto c = static_cast<uint32_t>(cyc);
        ast::Span at = ctx.iface_ast[c]->name.span;
        for (size_t e = 0; e < succ[c].size(); ++e) {
          if (state[succ[c][e]] == 1) at = succ_span[c][e];
        }
        return fail(body_path(ctx.iface_body[c]), at,
                    "interface `" + ctx.iface_ast[c]->name.name + "` depends on itself through `use`");
      }
    }
    for (uint32_t k : order) {
      InterfaceId id{ctx.first_iface + k};
      out_.packages[ctx.id.index].interfaces.push_back(id);
      KILN_TRY(resolve_interface(id, *ctx.iface_ast[k], ctx.iface_body[k], std::nullopt));
    }
    // Worlds in `include` order.
    size_t n_world = ctx.world_ast.size();
    std::vector<std::vector<uint32_t>> wsucc(n_world);
    for (size_t w = 0; w < n_world; ++w) {
      for (const auto& item : ctx.world_ast[w]->items) {
        if (item.kind != ast::WorldItem::Kind::kInclude) continue;
        KILN_ASSIGN_OR_RETURN(Target t, lookup_path(item.path, ctx.world_body[w], true));
        if (!t.is_world) return fail(body_path(ctx.world_body[w]), item.path.span, "`include` must name a world");
        if (t.index >= ctx.first_world) wsucc[w].push_back(t.index - ctx.first_world);
      }
    }
    std::vector<uint8_t> wstate(n_world, 0);
    for (uint32_t w = 0; w < n_world; ++w) {
      out_.packages[ctx.id.index].worlds.push_back(WorldId{ctx.first_world + w});
      std::vector<uint32_t> worder;
      int64_t cyc = postorder(w, wstate, [&](uint32_t k) -> const std::vector<uint32_t>& { return wsucc[k]; },
                              [&](uint32_t k) { worder.push_back(k); });
      if (cyc >= 0) {
        auto c = static_cast<uint32_t>(cyc);
        return fail(body_path(ctx.world_body[c]), ctx.world_ast[c]->name.span,
                    "world `" + ctx.world_ast[c]->name.name + "` includes itself");
      }
      for (uint32_t k : worder) {
        KILN_TRY(resolve_world(WorldId{ctx.first_world + k}, *ctx.world_ast[k], ctx.world_body[k]));
      }
    }
    ctx_ = nullptr;
    return ok();
  }

  // Resolves a use-path from a body of the current package to an interface or world.
  Expected<Target> lookup_path(const ast::UsePath& p, size_t body, bool use_file_scope) {
    const PkgCtx& ctx = *ctx_;
    const Unresolved& self = unresolved_[ctx.unresolved];
    const std::string& path = *self.paths[body];
    if (p.is_local || (names_self(self, *p.pkg) && !find_unresolved_other(ctx.unresolved, *p.pkg))) {
      if (p.is_local && use_file_scope) {
        auto f = ctx.file_scopes[body].find(p.name.name);
        if (f != ctx.file_scopes[body].end()) return f->second;
      }
      auto it = ctx.items.find(p.name.name);
      if (it == ctx.items.end()) {
        return fail(path, p.name.span, "interface or world `" + p.name.name + "` not found");
      }
      return it->second;
    }
    auto target = find_unresolved(*p.pkg);
    if (!target || pkg_ids_[*target] == UINT32_MAX) {
      return fail(path, p.span, "package `" + p.pkg->to_string() + "` not found");
    }
    PackageId pid{pkg_ids_[*target]};
    if (auto i = out_.find_interface(pid, p.name.name)) return Target{false, i->index};
    if (auto w = out_.find_world(pid, p.name.name)) return Target{true, w->index};
    return fail(path, p.name.span,
                "`" + p.name.name + "` not found in package `" + out_.package(pid).name.to_string() + "`");
  }

  Expected<InterfaceId> lookup_interface(const ast::UsePath& p, size_t body) {
    KILN_ASSIGN_OR_RETURN(Target t, lookup_path(p, body, true));
    if (t.is_world) {
      return fail(body_path(body), p.name.span, "`" + p.name.name + "` is a world, not an interface");
    }
    return InterfaceId{t.index};
  }

  Expected<Stability> stability(const ast::Gate& g, size_t body) {
    Stability s;
    if (g.empty()) return s;
    if (!out_.package(ctx_->id).name.version) {
      return fail(body_path(body), g.span, "feature gates need a package with a version");
    }
    if (g.has_since) {
      s.kind = Stability::Kind::kStable;
      s.since = g.since;
    } else if (g.has_unstable) {
      s.kind = Stability::Kind::kUnstable;
      s.feature = g.feature;
    }
    s.deprecated = g.deprecated;
    return s;
  }

  // ---- types ----

  TypeId new_type(TypeDef def) {
    TypeId id{static_cast<uint32_t>(out_.types.size())};
    out_.types.push_back(std::move(def));
    type_spans_.push_back({});
    return id;
  }

  Expected<void> define(Scope& scope, const ast::Id& name, size_t body) {
    if (!scope.names.insert(lower(name.name)).second) {
      return fail(body_path(body), name.span, "`" + name.name + "` is defined more than once");
    }
    return ok();
  }

  // Whether a named type stands for a resource, following aliases (also unresolved ones).
  bool is_resource(const Scope& scope, TypeId id) const {
    for (size_t steps = 0; steps <= out_.types.size(); ++steps) {
      auto p = scope.pending.find(id.index);
      if (p != scope.pending.end()) {
        const ast::TypeDecl& d = *p->second;
        if (d.kind == ast::TypeDecl::Kind::kResource) return true;
        if (d.kind != ast::TypeDecl::Kind::kAlias || d.alias->kind != ast::TypeExpr::Kind::kNamed) return false;
        auto it = scope.types.find(d.alias->name.name);
        if (it == scope.types.end()) return false;
        id = it->second;
        continue;
      }
      const TypeDef& t = out_.type(id);
      if (t.kind == TypeDefKind::kResource) return true;
      if (t.kind != TypeDefKind::kAlias || !t.element || t.element->is_prim) return false;
      id = t.element->id;
    }
    return false;
  }

  Expected<TypeId> lookup_type(const Scope& scope, const ast::Id& name, size_t body) {
    auto it = scope.types.find(name.name);
    if (it == scope.types.end()) {
      return fail(body_path(body), name.span, "type `" + name.name + "` is not defined");
    }
    return it->second;
  }

  Expected<TypeId> handle(const Scope& scope, const ast::Id& name, TypeDefKind kind, size_t body) {
    KILN_ASSIGN_OR_RETURN(TypeId target, lookup_type(scope, name, body));
    if (!is_resource(scope, target)) {
      return fail(body_path(body), name.span, "type `" + name.name + "` is not a resource");
    }
    TypeDef def;
    def.kind = kind;
    def.resource = target;
    return new_type(std::move(def));
  }

  // `alias_top`: the right side of `type x = ...`, where a resource name stays the resource.
  Expected<Type> resolve_type(const Scope& scope, const ast::TypeExpr& e, size_t body, bool alias_top) {
    using K = ast::TypeExpr::Kind;
    TypeDef def;
    auto arg = [&](size_t i) { return resolve_type(scope, e.args[i], body, false); };
    switch (e.kind) {
      case K::kPrim:
        return Type::of(e.prim);
      case K::kNamed: {
        KILN_ASSIGN_OR_RETURN(TypeId id, lookup_type(scope, e.name, body));
        if (!alias_top && is_resource(scope, id)) {
          KILN_ASSIGN_OR_RETURN(TypeId h, handle(scope, e.name, TypeDefKind::kOwn, body));
          return Type::of(h);
        }
        return Type::of(id);
      }
      case K::kBorrow:
      case K::kOwn: {
        KILN_ASSIGN_OR_RETURN(TypeId h, handle(scope, e.name,
                                               e.kind == K::kBorrow ? TypeDefKind::kBorrow : TypeDefKind::kOwn, body));
        return Type::of(h);
      }
      case K::kList:
      case K::kFixedList:
      case K::kOption: {
        def.kind = e.kind == K::kList ? TypeDefKind::kList
                   : e.kind == K::kOption ? TypeDefKind::kOption : TypeDefKind::kFixedList;
        def.length = e.length;
        KILN_ASSIGN_OR_RETURN(def.element, arg(0));
        break;
      }
      case K::kFuture:
      case K::kStream:
        def.kind = e.kind == K::kFuture ? TypeDefKind::kFuture : TypeDefKind::kStream;
        if (!e.args.empty()) {
          KILN_ASSIGN_OR_RETURN(def.element, arg(0));
        }
        break;
      case K::kTuple: {
        def.kind = TypeDefKind::kTuple;
        for (size_t i = 0; i < e.args.size(); ++i) {
          KILN_ASSIGN_OR_RETURN(Type t, arg(i));
          def.types.push_back(t);
        }
        break;
      }
      case K::kMap: {
        def.kind = TypeDefKind::kMap;
        KILN_ASSIGN_OR_RETURN(def.key, arg(0));
        KILN_ASSIGN_OR_RETURN(def.element, arg(1));
        break;
      }
      case K::kResult: {
        def.kind = TypeDefKind::kResult;
        size_t i = 0;
        if (e.has_ok) {
          KILN_ASSIGN_OR_RETURN(def.ok, arg(i++));
        }
        if (e.has_err) {
          KILN_ASSIGN_OR_RETURN(def.err, arg(i));
        }
        break;
      }
    }
    return Type::of(new_type(std::move(def)));
  }

  // Brings `use path.{names}` into a scope as alias typedefs; returns the interface used.
  Expected<InterfaceId> resolve_use(Scope& scope, const ast::UseDecl& use, size_t body, TypeOwner owner,
                                    std::optional<InterfaceId> self, std::vector<TypeId>* defined) {
    KILN_ASSIGN_OR_RETURN(InterfaceId from, lookup_interface(use.path, body));
    if (self && from == *self) {
      return fail(body_path(body), use.path.span, "an interface cannot `use` itself");
    }
    KILN_ASSIGN_OR_RETURN(Stability st, stability(use.gate, body));
    for (const ast::UseName& n : use.names) {
      auto target = out_.find_type(from, n.name.name);
      if (!target) {
        std::string where = out_.iface(from).name.empty() ? "inline interface" : "interface `" + out_.iface(from).name + "`";
        return fail(body_path(body), n.name.span, "type `" + n.name.name + "` is not defined in " + where);
      }
      const ast::Id& local = n.as ? *n.as : n.name;
      KILN_TRY(define(scope, local, body));
      TypeDef def;
      def.name = local.name;
      def.kind = TypeDefKind::kAlias;
      def.element = Type::of(*target);
      def.from_use = true;
      def.owner = owner;
      def.docs = use.docs;
      def.stability = st;
      TypeId id = new_type(std::move(def));
      type_spans_[id.index] = local.span;
      scope.types[local.name] = id;
      defined->push_back(id);
    }
    return from;
  }

  Expected<TypeId> declare_type(Scope& scope, const ast::TypeDecl& d, size_t body, TypeOwner owner) {
    KILN_TRY(define(scope, d.name, body));
    TypeDef def;
    def.name = d.name.name;
    def.owner = owner;
    def.docs = d.docs;
    def.external_id = d.external_id;
    KILN_ASSIGN_OR_RETURN(def.stability, stability(d.gate, body));
    TypeId id = new_type(std::move(def));
    type_spans_[id.index] = d.name.span;
    scope.types[d.name.name] = id;
    scope.pending[id.index] = &d;
    return id;
  }

  Expected<void> check_unique(std::unordered_set<std::string>& seen, const ast::Id& name, size_t body,
                              std::string_view what) {
    if (!seen.insert(lower(name.name)).second) {
      return fail(body_path(body), name.span, std::string(what) + " `" + name.name + "` is defined more than once");
    }
    return ok();
  }

  // Fills in a declared typedef; resource functions are appended to `funcs`.
  Expected<void> define_type(Scope& scope, TypeId id, const ast::TypeDecl& d, size_t body,
                             std::vector<Function>* funcs) {
    using K = ast::TypeDecl::Kind;
    TypeDef def = std::move(out_.types[id.index]);
    std::unordered_set<std::string> seen;
    switch (d.kind) {
      case K::kAlias: {
        KILN_ASSIGN_OR_RETURN(Type t, resolve_type(scope, *d.alias, body, true));
        def.kind = TypeDefKind::kAlias;
        def.element = t;
        break;
      }
      case K::kRecord:
        def.kind = TypeDefKind::kRecord;
        for (const auto& f : d.fields) {
          KILN_TRY(check_unique(seen, f.name, body, "field"));
          KILN_ASSIGN_OR_RETURN(Type t, resolve_type(scope, f.type, body, false));
          def.fields.push_back(Field{f.name.name, t, f.docs});
        }
        break;
      case K::kVariant:
      case K::kEnum:
      case K::kFlags:
        def.kind = d.kind == K::kVariant ? TypeDefKind::kVariant
                   : d.kind == K::kEnum  ? TypeDefKind::kEnum : TypeDefKind::kFlags;
        for (const auto& c : d.cases) {
          KILN_TRY(check_unique(seen, c.name, body, "case"));
          Case out{c.name.name, std::nullopt, c.docs};
          if (c.type) {
            KILN_ASSIGN_OR_RETURN(out.type, resolve_type(scope, *c.type, body, false));
          }
          def.cases.push_back(std::move(out));
        }
        break;
      case K::kResource:
        def.kind = TypeDefKind::kResource;
        break;
    }
    out_.types[id.index] = std::move(def);
    scope.pending.erase(id.index);
    if (d.kind != K::kResource) return ok();
    bool has_ctor = false;
    for (const ast::Func& m : d.methods) {
      if (m.kind == ast::Func::Kind::kConstructor) {
        if (has_ctor) return fail(body_path(body), m.name.span, "a resource has at most one constructor");
        has_ctor = true;
      } else {
        KILN_TRY(check_unique(seen, m.name, body, "function"));
      }
      KILN_ASSIGN_OR_RETURN(Function f, resolve_func(scope, m, body, id, d.name.name));
      funcs->push_back(std::move(f));
    }
    return ok();
  }

  Expected<void> resolve_params(const Scope& scope, const ast::FuncType& ft, size_t body, Function* f) {
    std::unordered_set<std::string> seen;
    for (const Param& p : f->params) seen.insert(lower(p.name));
    for (const auto& p : ft.params) {
      KILN_TRY(check_unique(seen, p.name, body, "parameter"));
      KILN_ASSIGN_OR_RETURN(Type t, resolve_type(scope, p.type, body, false));
      f->params.push_back(Param{p.name.name, t});
    }
    if (ft.result) {
      KILN_ASSIGN_OR_RETURN(f->result, resolve_type(scope, *ft.result, body, false));
    }
    f->is_async = ft.is_async;
    return ok();
  }

  Expected<Function> resolve_func(const Scope& scope, const ast::Func& m, size_t body,
                                  std::optional<TypeId> resource, const std::string& rname) {
    Function f;
    f.docs = m.docs;
    f.external_id = m.external_id;
    KILN_ASSIGN_OR_RETURN(f.stability, stability(m.gate, body));
    if (!resource) {
      f.name = m.name.name;
      KILN_TRY(resolve_params(scope, m.type, body, &f));
      return f;
    }
    f.resource = *resource;
    switch (m.kind) {
      case ast::Func::Kind::kFree: {
        f.kind = FunctionKind::kMethod;
        f.name = "[method]" + rname + "." + m.name.name;
        TypeDef self;
        self.kind = TypeDefKind::kBorrow;
        self.resource = *resource;
        f.params.push_back(Param{"self", Type::of(new_type(std::move(self)))});
        break;
      }
      case ast::Func::Kind::kStatic:
        f.kind = FunctionKind::kStatic;
        f.name = "[static]" + rname + "." + m.name.name;
        break;
      case ast::Func::Kind::kConstructor:
        f.kind = FunctionKind::kConstructor;
        f.name = "[constructor]" + rname;
        break;
    }
    KILN_TRY(resolve_params(scope, m.type, body, &f));
    if (f.kind != FunctionKind::kConstructor) return f;
    if (!f.result) {
      TypeDef own;
      own.kind = TypeDefKind::kOwn;
      own.resource = *resource;
      f.result = Type::of(new_type(std::move(own)));
      return f;
    }
    // A fallible constructor returns result<r, E> (or result<r>).
    bool fits = false;
    if (!f.result->is_prim) {
      const TypeDef& r = out_.type(f.result->id);
      if (r.kind == TypeDefKind::kResult && r.ok && !r.ok->is_prim) {
        const TypeDef& okd = out_.type(r.ok->id);
        fits = okd.kind == TypeDefKind::kOwn && out_.unalias(okd.resource) == out_.unalias(*resource);
      }
    }
    if (!fits) {
      return fail(body_path(body), m.type.result->span,
                  "a constructor's result must be `result<" + rname + ", ...>`");
    }
    return f;
  }

  // Type cycles among the typedefs created since `first` (a record holding itself, aliases in a
  // loop). Handles break cycles: a resource is referred to, never contained.
  Expected<void> check_type_cycles(uint32_t first, size_t body) {
    auto n = static_cast<uint32_t>(out_.types.size() - first);
    std::vector<std::vector<uint32_t>> succ(n);
    for (uint32_t i = 0; i < n; ++i) {
      const TypeDef& t = out_.types[first + i];
      auto add = [&](const std::optional<Type>& ty) {
        if (ty && !ty->is_prim && ty->id.index >= first) succ[i].push_back(ty->id.index - first);
      };
      if (t.kind == TypeDefKind::kOwn || t.kind == TypeDefKind::kBorrow) continue;
      for (const auto& f : t.fields) add(f.type);
      for (const auto& c : t.cases) add(c.type);
      for (const auto& ty : t.types) add(ty);
      add(t.element);
      add(t.key);
      add(t.ok);
      add(t.err);
    }
    std::vector<uint8_t> state(n, 0);
    for (uint32_t i = 0; i < n; ++i) {
      int64_t cyc = postorder(i, state, [&](uint32_t k) -> const std::vector<uint32_t>& { return succ[k]; },
                              [](uint32_t) {});
      if (cyc >= 0) {
        uint32_t c = first + static_cast<uint32_t>(cyc);
        return fail(body_path(body), type_spans_[c], "type `" + out_.types[c].name + "` depends on itself");
      }
    }
    return ok();
  }

  Expected<void> resolve_interface(InterfaceId id, const ast::Interface& ai, size_t body,
                                   std::optional<WorldId> world) {
    Scope scope;
    scope.first_type = static_cast<uint32_t>(out_.types.size());
    TypeOwner owner;
    owner.kind = TypeOwner::Kind::kInterface;
    owner.iface = id;
    std::vector<TypeId> types;
    std::vector<InterfaceId> deps;
    std::vector<TypeId> declared(ai.items.size());
    // Pass 1: every name of the interface, so bodies may refer to later items.
    for (size_t k = 0; k < ai.items.size(); ++k) {
      const auto& item = ai.items[k];
      switch (item.kind) {
        case ast::InterfaceItem::Kind::kUse: {
          KILN_ASSIGN_OR_RETURN(InterfaceId from, resolve_use(scope, item.use, body, owner, id, &types));
          if (std::find(deps.begin(), deps.end(), from) == deps.end()) deps.push_back(from);
          break;
        }
        case ast::InterfaceItem::Kind::kType: {
          KILN_ASSIGN_OR_RETURN(declared[k], declare_type(scope, item.type, body, owner));
          types.push_back(declared[k]);
          break;
        }
        case ast::InterfaceItem::Kind::kFunc:
          KILN_TRY(define(scope, item.func.name, body));
          break;
      }
    }
    // Pass 2: type bodies and functions.
    std::vector<Function> funcs;
    for (size_t k = 0; k < ai.items.size(); ++k) {
      const auto& item = ai.items[k];
      if (item.kind == ast::InterfaceItem::Kind::kType) {
        KILN_TRY(define_type(scope, declared[k], item.type, body, &funcs));
      } else if (item.kind == ast::InterfaceItem::Kind::kFunc) {
        KILN_ASSIGN_OR_RETURN(Function f, resolve_func(scope, item.func, body, std::nullopt, ""));
        funcs.push_back(std::move(f));
      }
    }
    KILN_TRY(check_type_cycles(scope.first_type, body));
    Interface& iface = out_.interfaces[id.index];
    iface.world = world;
    iface.types = std::move(types);
    iface.functions = std::move(funcs);
    iface.deps = std::move(deps);
    iface.docs = ai.docs;
    KILN_ASSIGN_OR_RETURN(iface.stability, stability(ai.gate, body));
    return ok();
  }

  // ---- worlds ----

  // Builds one world's import/export lists with the elaboration rules of WIT.md.
  struct WorldBuilder {
    World* world = nullptr;
    std::unordered_set<uint32_t> imported;   // interface ids imported
    std::unordered_set<uint32_t> implicit;   // ... of which added only as dependencies
    std::unordered_set<uint32_t> exported;
    std::unordered_set<std::string> import_names;  // lowercased plain names
    std::unordered_set<std::string> export_names;
  };

  void import_with_deps(WorldBuilder& wb, InterfaceId root) {
    std::vector<uint8_t> state(out_.interfaces.size(), 0);
    std::vector<uint32_t> buf;  // successors of the node postorder is looking at
    postorder(root.index, state,
              [&](uint32_t k) -> const std::vector<uint32_t>& {
                // An interface already imported brought its dependencies along: stop there.
                buf.clear();
                if (k != root.index && wb.imported.count(k)) return buf;
                for (InterfaceId d : out_.interfaces[k].deps) buf.push_back(d.index);
                return buf;
              },
              [&](uint32_t k) {
                if (k == root.index || wb.imported.count(k)) return;
                WorldItem item;
                item.kind = WorldItemKind::kInterface;
                item.iface = InterfaceId{k};
                wb.world->imports.push_back(std::move(item));
                wb.imported.insert(k);
                wb.implicit.insert(k);
              });
  }

  Expected<void> add_extern(WorldBuilder& wb, bool is_import, WorldItem item, const std::string& path,
                            ast::Span span) {
    auto& items = is_import ? wb.world->imports : wb.world->exports;
    if (item.kind == WorldItemKind::kInterface && item.name.empty()) {
      uint32_t k = item.iface.index;
      auto& set = is_import ? wb.imported : wb.exported;
      if (set.count(k)) {
        if (is_import && wb.implicit.count(k)) {
          // An explicit import of an interface first pulled in as a dependency: keep its place,
          // take the attributes written here.
          wb.implicit.erase(k);
          for (auto& it : items) {
            if (it.kind == WorldItemKind::kInterface && it.name.empty() && it.iface.index == k) {
              it.docs = std::move(item.docs);
              it.stability = std::move(item.stability);
            }
          }
          return ok();
        }
        return fail(path, span, "interface `" + out_.interface_path(item.iface) + "` is " +
                                    (is_import ? "imported" : "exported") + " more than once");
      }
      if (is_import) import_with_deps(wb, item.iface);
      set.insert(k);
      items.push_back(std::move(item));
      return ok();
    }
    auto& names = is_import ? wb.import_names : wb.export_names;
    if (!names.insert(lower(item.name)).second) {
      return fail(path, span, std::string(is_import ? "import" : "export") + " `" + item.name +
                                  "` is defined more than once");
    }
    if (is_import && item.kind == WorldItemKind::kInterface) import_with_deps(wb, item.iface);
    items.push_back(std::move(item));
    return ok();
  }

  Expected<void> resolve_world(WorldId id, const ast::World& aw, size_t body) {
    const std::string& path = body_path(body);
    WorldBuilder wb;
    World built;
    built.name = aw.name.name;
    built.package = ctx_->id;
    wb.world = &built;
    Scope scope;
    scope.first_type = static_cast<uint32_t>(out_.types.size());
    TypeOwner owner;
    owner.kind = TypeOwner::Kind::kWorld;
    owner.world = id;
    std::vector<TypeId> declared(aw.items.size());
    std::vector<std::vector<TypeId>> used(aw.items.size());
    std::vector<InterfaceId> used_from(aw.items.size());
    using K = ast::WorldItem::Kind;
    for (size_t k = 0; k < aw.items.size(); ++k) {
      const auto& item = aw.items[k];
      if (item.kind == K::kUse) {
        KILN_ASSIGN_OR_RETURN(used_from[k], resolve_use(scope, item.use, body, owner, std::nullopt, &used[k]));
      } else if (item.kind == K::kType) {
        KILN_ASSIGN_OR_RETURN(declared[k], declare_type(scope, item.type, body, owner));
      }
    }
    // Type names share the import namespace.
    for (const auto& n : scope.names) wb.import_names.insert(n);
    struct Include {
      WorldId world;
      const ast::WorldItem* item;
    };
    std::vector<Include> includes;
    for (size_t k = 0; k < aw.items.size(); ++k) {
      const auto& item = aw.items[k];
      switch (item.kind) {
        case K::kUse: {
          auto dep = used_from[k];
          if (!wb.imported.count(dep.index)) {
            import_with_deps(wb, dep);
            WorldItem imp;
            imp.iface = dep;
            wb.world->imports.push_back(std::move(imp));
            wb.imported.insert(dep.index);
            wb.implicit.insert(dep.index);
          }
          for (TypeId t : used[k]) {
            WorldItem w;
            w.kind = WorldItemKind::kType;
            w.name = out_.type(t).name;
            w.type = t;
            w.stability = out_.type(t).stability;
            built.imports.push_back(std::move(w));
          }
          break;
        }
        case K::kType: {
          std::vector<Function> funcs;
          KILN_TRY(define_type(scope, declared[k], item.type, body, &funcs));
          WorldItem w;
          w.kind = WorldItemKind::kType;
          w.name = item.type.name.name;
          w.type = declared[k];
          w.stability = out_.type(declared[k]).stability;
          built.imports.push_back(std::move(w));
          for (Function& f : funcs) {
            WorldItem fi;
            fi.kind = WorldItemKind::kFunction;
            fi.name = f.name;
            fi.stability = f.stability;
            fi.docs = f.docs;
            fi.func = std::move(f);
            KILN_TRY(add_extern(wb, true, std::move(fi), path, item.span));
          }
          break;
        }
        case K::kInclude: {
          KILN_ASSIGN_OR_RETURN(Target t, lookup_path(item.path, body, true));
          if (!t.is_world) return fail(path, item.path.span, "`include` must name a world");
          includes.push_back(Include{WorldId{t.index}, &item});
          break;
        }
        case K::kImport:
        case K::kExport: {
          bool is_import = item.kind == K::kImport;
          WorldItem w;
          w.docs = item.docs;
          w.external_id = item.external_id;
          KILN_ASSIGN_OR_RETURN(w.stability, stability(item.gate, body));
          switch (item.ext) {
            case ast::WorldItem::Extern::kPath: {
              KILN_ASSIGN_OR_RETURN(w.iface, lookup_interface(item.path, body));
              break;
            }
            case ast::WorldItem::Extern::kNamedPath: {
              w.name = item.name.name;
              KILN_ASSIGN_OR_RETURN(w.iface, lookup_interface(item.path, body));
              break;
            }
            case ast::WorldItem::Extern::kInterface: {
              w.name = item.name.name;
              w.iface = InterfaceId{static_cast<uint32_t>(out_.interfaces.size())};
              Interface anon;
              anon.package = ctx_->id;
              out_.interfaces.push_back(std::move(anon));
              KILN_TRY(resolve_interface(w.iface, *item.inline_iface, body, id));
              break;
            }
            case ast::WorldItem::Extern::kFunc: {
              w.kind = WorldItemKind::kFunction;
              w.name = item.name.name;
              w.func.name = item.name.name;
              w.func.docs = item.docs;
              w.func.stability = w.stability;
              w.func.external_id = item.external_id;
              KILN_TRY(resolve_params(scope, item.func, body, &w.func));
              break;
            }
          }
          KILN_TRY(add_extern(wb, is_import, std::move(w), path, item.span));
          break;
        }
      }
    }
    KILN_TRY(check_type_cycles(scope.first_type, body));
    for (const Include& inc : includes) KILN_TRY(apply_include(wb, inc.world, *inc.item, path));
    // Interfaces that exports depend on are imported unless exported themselves.
    std::vector<InterfaceId> exported_ifaces;
    for (const auto& e : built.exports) {
      if (e.kind == WorldItemKind::kInterface) exported_ifaces.push_back(e.iface);
    }
    for (InterfaceId e : exported_ifaces) {
      for (InterfaceId d : out_.iface(e).deps) {
        if (wb.exported.count(d.index) || wb.imported.count(d.index)) continue;
        import_with_deps(wb, d);
        WorldItem imp;
        imp.iface = d;
        built.imports.push_back(std::move(imp));
        wb.imported.insert(d.index);
        wb.implicit.insert(d.index);
      }
    }
    built.docs = aw.docs;
    KILN_ASSIGN_OR_RETURN(built.stability, stability(aw.gate, body));
    out_.worlds[id.index] = std::move(built);
    return ok();
  }

  Expected<void> apply_include(WorldBuilder& wb, WorldId from, const ast::WorldItem& inc,
                               const std::string& path) {
    const World src = out_.world(from);  // copy: out_.worlds may be the one being built
    std::unordered_map<std::string, std::string> renames;
    for (const auto& [a, b] : inc.with) {
      bool found = false;
      for (const auto* list : {&src.imports, &src.exports}) {
        for (const auto& it : *list) {
          if (!it.name.empty() && it.name == a.name) found = true;
        }
      }
      if (!found) {
        return fail(path, a.span, "`" + a.name + "` is not a plain-named import or export of world `" +
                                      src.name + "`");
      }
      if (!renames.emplace(a.name, b.name).second) {
        return fail(path, a.span, "`" + a.name + "` is renamed more than once");
      }
    }
    auto bring = [&](const WorldItem& it, bool is_import) -> Expected<void> {
      WorldItem copy = it;
      if (copy.name.empty()) {
        auto& set = is_import ? wb.imported : wb.exported;
        if (set.count(copy.iface.index)) {
          return ok();  // the same interface through two worlds is one import
        }
        set.insert(copy.iface.index);
        (is_import ? wb.world->imports : wb.world->exports).push_back(std::move(copy));
        return ok();
      }
      auto r = renames.find(copy.name);
      if (r != renames.end()) {
        copy.name = r->second;
        if (copy.kind == WorldItemKind::kFunction) copy.func.name = r->second;
      }
      auto& names = is_import ? wb.import_names : wb.export_names;
      if (!names.insert(lower(copy.name)).second) {
        return fail(path, inc.span, "`" + copy.name + "` from world `" + src.name +
                                        "` conflicts with an existing name; rename it with `with`");
      }
      (is_import ? wb.world->imports : wb.world->exports).push_back(std::move(copy));
      return ok();
    };
    for (const auto& it : src.imports) KILN_TRY(bring(it, true));
    for (const auto& it : src.exports) KILN_TRY(bring(it, false));
    return ok();
  }

  std::vector<std::unique_ptr<ast::File>> files_;
  std::vector<Unresolved> unresolved_;
  std::vector<uint32_t> pkg_ids_;
  size_t root_index_ = 0;
  PkgCtx* ctx_ = nullptr;
  std::vector<ast::Span> type_spans_;
  Resolve out_;
};

Expected<std::string> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Error(ErrorKind::kIo, "cannot read `" + p.string() + "`");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Error(ErrorKind::kIo, "cannot read `" + p.string() + "`");
  return ss.str();
}

}  // namespace

Expected<Resolve> resolve_sources(const std::vector<SourceFile>& root,
                                  const std::vector<std::vector<SourceFile>>& deps) {
  std::vector<std::unique_ptr<ast::File>> files;
  std::vector<std::pair<size_t, size_t>> groups;
  auto parse_group = [&](const std::vector<SourceFile>& group) -> Expected<void> {
    size_t first = files.size();
    for (const SourceFile& f : group) {
      KILN_ASSIGN_OR_RETURN(ast::File parsed, ast::parse_file(f.path, f.text));
      files.push_back(std::make_unique<ast::File>(std::move(parsed)));
    }
    groups.emplace_back(first, files.size());
    return ok();
  };
  KILN_TRY(parse_group(root));
  for (const auto& d : deps) KILN_TRY(parse_group(d));
  Resolver r(std::move(files));
  for (size_t g = 0; g < groups.size(); ++g) {
    KILN_TRY(r.add_group(groups[g].first, groups[g].second, g == 0));
  }
  return r.run();
}

Expected<std::vector<SourceFile>> read_package_files(const std::filesystem::path& path) {
  std::error_code ec;
  std::vector<SourceFile> out;
  if (std::filesystem::is_directory(path, ec)) {
    std::vector<std::filesystem::path> names;
    for (const auto& e : std::filesystem::directory_iterator(path, ec)) {
      if (e.path().extension() == ".wit" && e.is_regular_file(ec)) names.push_back(e.path());
    }
    if (ec) return Error(ErrorKind::kIo, "cannot list `" + path.string() + "`: " + ec.message());
    // Directory order is unspecified; sorting keeps results deterministic.
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
      KILN_ASSIGN_OR_RETURN(std::string text, read_file(n));
      out.push_back(SourceFile{n.string(), std::move(text)});
    }
    return out;
  }
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Error(ErrorKind::kIo, "`" + path.string() + "` is neither a file nor a directory");
  }
  KILN_ASSIGN_OR_RETURN(std::string text, read_file(path));
  out.push_back(SourceFile{path.string(), std::move(text)});
  return out;
}

Expected<Resolve> resolve_path(const std::filesystem::path& path) {
  KILN_ASSIGN_OR_RETURN(std::vector<SourceFile> root, read_package_files(path));
  std::vector<std::vector<SourceFile>> deps;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    std::filesystem::path deps_dir = path / "deps";
    if (std::filesystem::is_directory(deps_dir, ec)) {
      std::vector<std::filesystem::path> entries;
      for (const auto& e : std::filesystem::directory_iterator(deps_dir, ec)) {
        if (e.is_directory(ec) || e.path().extension() == ".wit") entries.push_back(e.path());
      }
      std::sort(entries.begin(), entries.end());
      for (const auto& e : entries) {
        KILN_ASSIGN_OR_RETURN(std::vector<SourceFile> files, read_package_files(e));
        deps.push_back(std::move(files));
      }
    }
  }
  return resolve_sources(root, deps);
}

}  // namespace kiln::wit
