// wit/printer.cc: writes resolved packages back as WIT text. Output is deterministic and is a
// fixed point: printing, resolving the output and printing again gives the same text.
#include <cstdio>
#include <string>

#include "wit/lexer.h"
#include "wit/wit.h"

namespace kiln::wit {
namespace {

class Printer {
 public:
  explicit Printer(const Resolve& r) : r_(r) {}

  std::string take() { return std::move(out_); }

  void package_items(PackageId pkg) {
    const Package& p = r_.package(pkg);
    pkg_ = pkg;
    bool first = true;
    for (InterfaceId id : p.interfaces) {
      if (!first) out_ += '\n';
      first = false;
      const Interface& i = r_.iface(id);
      docs(i.docs);
      stability(i.stability);
      line("interface " + ident(i.name) + " {");
      interface_body(id);
      line("}");
    }
    for (WorldId id : p.worlds) {
      if (!first) out_ += '\n';
      first = false;
      world(id);
    }
  }

  void package_decl(PackageId pkg, bool nested) {
    const Package& p = r_.package(pkg);
    docs(p.docs);
    line("package " + package_name(p.name) + (nested ? " {" : ";"));
  }

  void indent() { ++depth_; }
  void dedent() { --depth_; }
  void blank() { out_ += '\n'; }
  void close_brace() { line("}"); }

 private:
  void line(const std::string& s) {
    out_.append(static_cast<size_t>(depth_) * 2, ' ');
    out_ += s;
    out_ += '\n';
  }

  static std::string package_name(const PackageName& n) {
    std::string s = ident(n.ns) + ':' + ident(n.name);
    if (n.version) s += '@' + n.version->to_string();
    return s;
  }

  // Identifiers that collide with keywords are written with '%'.
  static std::string ident(const std::string& name) {
    auto lexed = tokenize("", name);
    if (lexed.ok() && lexed->tokens.size() == 2 && lexed->tokens[0].kind == TokenKind::kId) {
      return name;
    }
    return '%' + name;
  }

  static std::string string_literal(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20 || c == 0x7F) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "\\u{%x}", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
    return out + "\"";
  }

  void docs(const Docs& d) {
    for (const auto& l : d) line("///" + l);
  }

  void stability(const Stability& s) {
    switch (s.kind) {
      case Stability::Kind::kStable:
        line("@since(version = " + s.since.to_string() + ")");
        break;
      case Stability::Kind::kUnstable:
        line("@unstable(feature = " + ident(s.feature) + ")");
        break;
      case Stability::Kind::kUnknown:
        break;
    }
    if (s.deprecated) line("@deprecated(version = " + s.deprecated->to_string() + ")");
  }

  void external_id(const std::string& e) {
    if (!e.empty()) line("@external-id(" + string_literal(e) + ")");
  }

  // How an interface is named from the current package: its bare name inside the package,
  // else the full path.
  std::string iface_ref(InterfaceId id) const {
    const Interface& i = r_.iface(id);
    if (i.package && *i.package == pkg_) return ident(i.name);
    const PackageName& p = r_.package(*i.package).name;
    std::string s = ident(p.ns) + ':' + ident(p.name) + '/' + ident(i.name);
    if (p.version) s += '@' + p.version->to_string();
    return s;
  }

  std::string type(const Type& t) const {
    if (t.is_prim) return std::string(primitive_name(t.prim));
    const TypeDef& d = r_.type(t.id);
    if (!d.name.empty()) return ident(d.name);
    switch (d.kind) {
      case TypeDefKind::kOwn:
        return ident(r_.type(d.resource).name);
      case TypeDefKind::kBorrow:
        return "borrow<" + ident(r_.type(d.resource).name) + ">";
      case TypeDefKind::kTuple: {
        std::string s = "tuple<";
        for (size_t i = 0; i < d.types.size(); ++i) {
          if (i) s += ", ";
          s += type(d.types[i]);
        }
        return s + ">";
      }
      case TypeDefKind::kOption:
        return "option<" + type(*d.element) + ">";
      case TypeDefKind::kList:
        return "list<" + type(*d.element) + ">";
      case TypeDefKind::kFixedList:
        return "list<" + type(*d.element) + ", " + std::to_string(d.length) + ">";
      case TypeDefKind::kMap:
        return "map<" + type(*d.key) + ", " + type(*d.element) + ">";
      case TypeDefKind::kFuture:
      case TypeDefKind::kStream: {
        std::string s = d.kind == TypeDefKind::kFuture ? "future" : "stream";
        if (d.element) s += "<" + type(*d.element) + ">";
        return s;
      }
      case TypeDefKind::kResult:
        if (!d.ok && !d.err) return "result";
        if (!d.err) return "result<" + type(*d.ok) + ">";
        return "result<" + (d.ok ? type(*d.ok) : std::string("_")) + ", " + type(*d.err) + ">";
      case TypeDefKind::kAlias:
        return type(*d.element);
      default:
        // Records, variants, enums, flags and resources always have names.
        return "<anonymous>";
    }
  }

  std::string func_sig(const Function& f, size_t skip_params) const {
    std::string s = f.is_async ? "async func(" : "func(";
    for (size_t i = skip_params; i < f.params.size(); ++i) {
      if (i > skip_params) s += ", ";
      s += ident(f.params[i].name) + ": " + type(f.params[i].type);
    }
    s += ')';
    if (f.result) s += " -> " + type(*f.result);
    return s;
  }

  void resource_funcs(const std::vector<const Function*>& funcs) {
    for (const Function* f : funcs) {
      docs(f->docs);
      stability(f->stability);
      external_id(f->external_id);
      std::string name = ident(std::string(f->item_name()));
      switch (f->kind) {
        case FunctionKind::kConstructor: {
          std::string sig = func_sig(*f, 0);
          // An infallible constructor's result (own<r>) is implicit.
          bool implicit = f->result && !f->result->is_prim &&
                          r_.type(f->result->id).kind == TypeDefKind::kOwn;
          if (implicit) sig = sig.substr(0, sig.rfind(" -> "));
          line("constructor" + sig.substr(sig.find('(')) + ";");
          break;
        }
        case FunctionKind::kMethod:
          line(name + ": " + func_sig(*f, 1) + ";");
          break;
        case FunctionKind::kStatic:
          line(name + ": static " + func_sig(*f, 0) + ";");
          break;
        case FunctionKind::kFreestanding:
          break;
      }
    }
  }

  // A named type definition; `funcs` are the functions of a resource.
  void typedef_item(TypeId id, const std::vector<const Function*>& funcs) {
    const TypeDef& d = r_.type(id);
    docs(d.docs);
    stability(d.stability);
    external_id(d.external_id);
    std::string name = ident(d.name);
    switch (d.kind) {
      case TypeDefKind::kRecord:
        line("record " + name + " {");
        indent();
        for (const auto& f : d.fields) {
          docs(f.docs);
          line(ident(f.name) + ": " + type(f.type) + ",");
        }
        dedent();
        line("}");
        return;
      case TypeDefKind::kVariant:
      case TypeDefKind::kEnum:
      case TypeDefKind::kFlags: {
        const char* kw = d.kind == TypeDefKind::kVariant ? "variant "
                         : d.kind == TypeDefKind::kEnum  ? "enum " : "flags ";
        line(kw + name + " {");
        indent();
        for (const auto& c : d.cases) {
          docs(c.docs);
          line(ident(c.name) + (c.type ? "(" + type(*c.type) + ")" : "") + ",");
        }
        dedent();
        line("}");
        return;
      }
      case TypeDefKind::kResource:
        if (funcs.empty()) {
          line("resource " + name + ";");
          return;
        }
        line("resource " + name + " {");
        indent();
        resource_funcs(funcs);
        dedent();
        line("}");
        return;
      case TypeDefKind::kAlias:
        line("type " + name + " = " + type(*d.element) + ";");
        return;
      default:
        line("type " + name + " = " + type(Type::of(id)) + ";");
        return;
    }
  }

  // `use` statements for a run of alias typedefs that came from the same interface with the
  // same attributes.
  void use_group(const std::vector<TypeId>& ids) {
    const TypeDef& first = r_.type(ids[0]);
    docs(first.docs);
    stability(first.stability);
    const TypeDef& target0 = r_.type(first.element->id);
    std::string s = "use " + iface_ref(target0.owner.iface) + ".{";
    for (size_t i = 0; i < ids.size(); ++i) {
      const TypeDef& a = r_.type(ids[i]);
      const TypeDef& t = r_.type(a.element->id);
      if (i) s += ", ";
      s += ident(t.name);
      if (t.name != a.name) s += " as " + ident(a.name);
    }
    line(s + "};");
  }

  static bool same_use_group(const TypeDef& a, const TypeDef& b, const Resolve& r) {
    return r.type(a.element->id).owner.iface == r.type(b.element->id).owner.iface &&
           a.docs == b.docs && a.stability == b.stability;
  }

  bool is_use(TypeId id) const {
    const TypeDef& d = r_.type(id);
    return d.from_use && d.element && !d.element->is_prim &&
           r_.type(d.element->id).owner.kind == TypeOwner::Kind::kInterface;
  }

  std::vector<const Function*> funcs_of(TypeId res, const std::vector<Function>& funcs) const {
    std::vector<const Function*> out;
    for (const auto& f : funcs) {
      if (f.kind != FunctionKind::kFreestanding && f.resource == res) out.push_back(&f);
    }
    return out;
  }

  void interface_body(InterfaceId id) {
    const Interface& i = r_.iface(id);
    indent();
    bool any = false;
    std::vector<TypeId> group;
    auto flush = [&] {
      if (!group.empty()) use_group(group);
      group.clear();
    };
    for (TypeId t : i.types) {
      if (!is_use(t)) continue;
      if (!group.empty() && !same_use_group(r_.type(group.back()), r_.type(t), r_)) flush();
      group.push_back(t);
      any = true;
    }
    flush();
    for (TypeId t : i.types) {
      if (is_use(t)) continue;
      if (any) blank();
      any = true;
      typedef_item(t, funcs_of(t, i.functions));
    }
    for (const auto& f : i.functions) {
      if (f.kind != FunctionKind::kFreestanding) continue;
      if (any) blank();
      any = true;
      docs(f.docs);
      stability(f.stability);
      external_id(f.external_id);
      line(ident(f.name) + ": " + func_sig(f, 0) + ";");
    }
    dedent();
  }

  void world(WorldId id) {
    const World& w = r_.world(id);
    docs(w.docs);
    stability(w.stability);
    line("world " + ident(w.name) + " {");
    indent();
    std::vector<Function> world_funcs;
    for (const auto& it : w.imports) {
      if (it.kind == WorldItemKind::kFunction) world_funcs.push_back(it.func);
    }
    bool any = false;
    for (const auto& it : w.imports) {
      if (it.kind == WorldItemKind::kFunction && it.func.kind != FunctionKind::kFreestanding) continue;
      if (it.kind == WorldItemKind::kType) {
        if (is_use(it.type)) {
          use_group({it.type});
        } else {
          typedef_item(it.type, funcs_of(it.type, world_funcs));
        }
        any = true;
        continue;
      }
      extern_item("import", it);
      any = true;
    }
    if (any && !w.exports.empty()) blank();
    for (const auto& it : w.exports) extern_item("export", it);
    dedent();
    line("}");
  }

  void extern_item(const char* kw, const WorldItem& it) {
    docs(it.docs);
    stability(it.stability);
    external_id(it.external_id);
    std::string head = std::string(kw) + " ";
    if (it.kind == WorldItemKind::kFunction) {
      line(head + ident(it.name) + ": " + func_sig(it.func, 0) + ";");
      return;
    }
    const Interface& i = r_.iface(it.iface);
    if (it.name.empty()) {
      line(head + iface_ref(it.iface) + ";");
    } else if (!i.name.empty()) {
      line(head + ident(it.name) + ": " + iface_ref(it.iface) + ";");
    } else {
      line(head + ident(it.name) + ": interface {");
      interface_body(it.iface);
      line("}");
    }
  }

  const Resolve& r_;
  PackageId pkg_;
  int depth_ = 0;
  std::string out_;
};

}  // namespace

std::string print_package(const Resolve& resolve, PackageId pkg) {
  Printer p(resolve);
  p.package_decl(pkg, false);
  if (!resolve.package(pkg).interfaces.empty() || !resolve.package(pkg).worlds.empty()) p.blank();
  p.package_items(pkg);
  return p.take();
}

std::string print_resolve(const Resolve& resolve) {
  Printer p(resolve);
  p.package_decl(resolve.root, false);
  for (uint32_t i = 0; i < resolve.packages.size(); ++i) {
    if (PackageId{i} == resolve.root) continue;
    p.blank();
    p.package_decl(PackageId{i}, true);
    p.indent();
    p.package_items(PackageId{i});
    p.dedent();
    p.close_brace();
  }
  if (!resolve.package(resolve.root).interfaces.empty() || !resolve.package(resolve.root).worlds.empty()) {
    p.blank();
    p.package_items(resolve.root);
  }
  return p.take();
}

}  // namespace kiln::wit
