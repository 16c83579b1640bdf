// wit/parser.cc: recursive-descent parser from WIT tokens to the syntax tree (ast.h), following
// the grammar of WIT.md; also semver parsing.
#include <charconv>

#include "wit/ast.h"
#include "wit/lexer.h"

namespace kiln::wit {

std::optional<Version> parse_version(std::string_view text) {
  Version v;
  auto number = [](std::string_view s, uint64_t* out) {
    if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
  };
  // Dot-separated identifiers of [0-9A-Za-z-]; numeric pre-release ones have no leading zero.
  auto idents = [](std::string_view s, bool numeric_rule) {
    if (s.empty()) return false;
    size_t b = 0;
    while (true) {
      size_t e = s.find('.', b);
      std::string_view part = s.substr(b, e == std::string_view::npos ? s.size() - b : e - b);
      if (part.empty()) return false;
      bool digits = true;
      for (char c : part) {
        bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && c != '-') return false;
        if (c < '0' || c > '9') digits = false;
      }
      if (numeric_rule && digits && part.size() > 1 && part[0] == '0') return false;
      if (e == std::string_view::npos) return true;
      b = e + 1;
    }
  };
  size_t plus = text.find('+');
  if (plus != std::string_view::npos) {
    v.build = std::string(text.substr(plus + 1));
    if (!idents(v.build, false)) return std::nullopt;
    text = text.substr(0, plus);
  }
  size_t dash = text.find('-');
  if (dash != std::string_view::npos) {
    v.pre = std::string(text.substr(dash + 1));
    if (!idents(v.pre, true)) return std::nullopt;
    text = text.substr(0, dash);
  }
  size_t d1 = text.find('.');
  if (d1 == std::string_view::npos) return std::nullopt;
  size_t d2 = text.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return std::nullopt;
  if (!number(text.substr(0, d1), &v.major) || !number(text.substr(d1 + 1, d2 - d1 - 1), &v.minor) ||
      !number(text.substr(d2 + 1), &v.patch)) {
    return std::nullopt;
  }
  return v;
}

std::string Version::to_string() const {
  std::string s = std::to_string(major) + '.' + std::to_string(minor) + '.' + std::to_string(patch);
  if (!pre.empty()) s += '-' + pre;
  if (!build.empty()) s += '+' + build;
  return s;
}

std::string PackageName::to_string() const {
  std::string s = ns + ':' + name;
  if (version) s += '@' + version->to_string();
  return s;
}

namespace ast {
namespace {

// Nesting bound for type expressions and inline interfaces, so hostile input cannot exhaust
// the stack.
constexpr int kMaxDepth = 100;

class Parser {
 public:
  Parser(const std::string& path, const Lexed& lx) : path_(path), lx_(lx) {}

  Expected<File> run() {
    File file;
    file.path = path_;
    Docs docs = docs_of(peek());
    // `package a:b;` at the head names the file's package; `package a:b {` starts a nested one.
    if (at(TokenKind::kPackage) && !is_nested_package_start()) {
      next();
      file.root.name_span = span_of(peek());
      KILN_ASSIGN_OR_RETURN(file.root.name, parse_package_name());
      file.root.docs = std::move(docs);
      KILN_TRY(expect(TokenKind::kSemicolon));
    }
    while (!at(TokenKind::kEof)) {
      if (at(TokenKind::kPackage) && !is_nested_package_start()) {
        return fail(peek(), "`package` must come first in a file");
      }
      if (at(TokenKind::kPackage)) {
        PackageBody body;
        body.docs = docs_of(peek());
        next();
        body.name_span = span_of(peek());
        KILN_ASSIGN_OR_RETURN(body.name, parse_package_name());
        KILN_TRY(expect(TokenKind::kLBrace));
        while (!at(TokenKind::kRBrace)) {
          if (at(TokenKind::kEof)) return fail(peek(), "expected `}` to close the package");
          if (at(TokenKind::kPackage)) return fail(peek(), "packages cannot be nested further");
          KILN_TRY(parse_package_item(&body));
        }
        next();
        file.nested.push_back(std::move(body));
      } else {
        KILN_TRY(parse_package_item(&file.root));
      }
    }
    return file;
  }

 private:
  const Token& peek(size_t k = 0) const {
    size_t i = pos_ + k;
    return i < lx_.tokens.size() ? lx_.tokens[i] : lx_.tokens.back();
  }
  bool at(TokenKind k) const { return peek().kind == k; }
  const Token& next() {
    const Token& t = peek();
    if (pos_ + 1 < lx_.tokens.size()) ++pos_;
    return t;
  }
  bool eat(TokenKind k) {
    if (!at(k)) return false;
    next();
    return true;
  }
  static Span span_of(const Token& t) { return Span{t.line, t.column}; }
  Docs docs_of(const Token& t) const {
    return t.docs >= 0 ? lx_.docs[static_cast<size_t>(t.docs)] : Docs{};
  }
  void append_docs(Docs* docs, const Token& t) const {
    if (t.docs < 0) return;
    const auto& d = lx_.docs[static_cast<size_t>(t.docs)];
    docs->insert(docs->end(), d.begin(), d.end());
  }
  Error fail(const Token& t, std::string_view msg) const {
    return error_at(ErrorKind::kMalformed, path_, t.line, t.column, msg);
  }
  Error unexpected(std::string_view wanted) const {
    return fail(peek(), "expected " + std::string(wanted) + ", found " + describe(peek().kind));
  }
  Expected<void> expect(TokenKind k) {
    if (!eat(k)) return unexpected(describe(k));
    return ok();
  }
  Expected<Id> parse_id() {
    if (!at(TokenKind::kId)) return unexpected("an identifier");
    const Token& t = next();
    return Id{std::string(t.text), span_of(t)};
  }
  bool is_nested_package_start() const {
    // package ns : name ( @ version )? {
    size_t k = 1;
    if (peek(k).kind != TokenKind::kId || peek(k + 1).kind != TokenKind::kColon) return false;
    k += 3;
    if (peek(k).kind == TokenKind::kAt) k += 2;
    return peek(k).kind == TokenKind::kLBrace;
  }

  Expected<Version> parse_version_token() {
    if (!at(TokenKind::kVersion) && !at(TokenKind::kInteger)) return unexpected("a version");
    const Token& t = next();
    auto v = parse_version(t.text);
    if (!v) return fail(t, "invalid semver `" + std::string(t.text) + "`");
    return *v;
  }

  Expected<PackageName> parse_package_name() {
    PackageName name;
    KILN_ASSIGN_OR_RETURN(Id ns, parse_id());
    KILN_TRY(expect(TokenKind::kColon));
    KILN_ASSIGN_OR_RETURN(Id pkg, parse_id());
    if (at(TokenKind::kColon) || at(TokenKind::kSlash)) {
      return fail(peek(), "nested namespaces and packages are not part of WIT yet");
    }
    name.ns = std::move(ns.name);
    name.name = std::move(pkg.name);
    if (eat(TokenKind::kAt)) {
      KILN_ASSIGN_OR_RETURN(name.version, parse_version_token());
    }
    return name;
  }

  // `id` or `ns:pkg/name(@version)?`.
  Expected<UsePath> parse_use_path() {
    UsePath path;
    path.span = span_of(peek());
    KILN_ASSIGN_OR_RETURN(Id first, parse_id());
    if (!at(TokenKind::kColon)) {
      path.name = std::move(first);
      return path;
    }
    next();
    KILN_ASSIGN_OR_RETURN(Id pkg, parse_id());
    if (at(TokenKind::kColon)) return fail(peek(), "nested namespaces are not part of WIT yet");
    KILN_TRY(expect(TokenKind::kSlash));
    KILN_ASSIGN_OR_RETURN(path.name, parse_id());
    if (at(TokenKind::kSlash)) return fail(peek(), "nested packages are not part of WIT yet");
    path.is_local = false;
    path.pkg = PackageName{std::move(first.name), std::move(pkg.name), std::nullopt};
    if (eat(TokenKind::kAt)) {
      KILN_ASSIGN_OR_RETURN(path.pkg->version, parse_version_token());
    }
    return path;
  }

  // Feature gates and `@external-id("...")` in any order; each at most once.
  Expected<void> parse_attributes(Gate* gate, std::string* external_id, Docs* docs) {
    bool has_external = false;
    while (at(TokenKind::kAt)) {
      append_docs(docs, peek());
      const Token& at_tok = next();
      if (gate->empty()) gate->span = span_of(at_tok);
      if (!at(TokenKind::kId)) return unexpected("`since`, `unstable`, `deprecated` or `external-id`");
      const Token& name = next();
      KILN_TRY(expect(TokenKind::kLParen));
      if (name.text == "external-id") {
        if (external_id == nullptr) return fail(name, "`@external-id` is not allowed here");
        if (has_external) return fail(name, "duplicate `@external-id`");
        if (!at(TokenKind::kStringLit)) return unexpected("a string literal");
        *external_id = next().value;
        has_external = true;
      } else if (name.text == "since" || name.text == "deprecated") {
        bool since = name.text == "since";
        if (since ? gate->has_since : gate->deprecated.has_value()) {
          return fail(name, "duplicate `@" + std::string(name.text) + "`");
        }
        if (!at(TokenKind::kId) || peek().text != "version") return unexpected("`version`");
        next();
        KILN_TRY(expect(TokenKind::kEquals));
        KILN_ASSIGN_OR_RETURN(Version v, parse_version_token());
        if (since) {
          gate->has_since = true;
          gate->since = std::move(v);
        } else {
          gate->deprecated = std::move(v);
        }
      } else if (name.text == "unstable") {
        if (gate->has_unstable) return fail(name, "duplicate `@unstable`");
        if (!at(TokenKind::kId) || peek().text != "feature") return unexpected("`feature`");
        next();
        KILN_TRY(expect(TokenKind::kEquals));
        KILN_ASSIGN_OR_RETURN(Id feature, parse_id());
        gate->has_unstable = true;
        gate->feature = std::move(feature.name);
      } else {
        return fail(name, "unknown attribute `@" + std::string(name.text) + "`");
      }
      KILN_TRY(expect(TokenKind::kRParen));
    }
    if (gate->has_since && gate->has_unstable) {
      return fail(peek(), "an item cannot be both `@since` and `@unstable`");
    }
    if (gate->deprecated && !gate->has_since) {
      return fail(peek(), "`@deprecated` requires a `@since` gate");
    }
    append_docs(docs, peek());
    return ok();
  }

  Expected<void> parse_package_item(PackageBody* body) {
    if (at(TokenKind::kUse)) {
      ToplevelUse use;
      use.span = span_of(next());
      KILN_ASSIGN_OR_RETURN(use.path, parse_use_path());
      if (eat(TokenKind::kAs)) {
        KILN_ASSIGN_OR_RETURN(use.as, parse_id());
      }
      KILN_TRY(expect(TokenKind::kSemicolon));
      body->uses.push_back(std::move(use));
      return ok();
    }
    Docs docs;
    Gate gate;
    KILN_TRY(parse_attributes_with_docs(&gate, nullptr, &docs));
    if (at(TokenKind::kInterface)) {
      next();
      Interface iface;
      KILN_ASSIGN_OR_RETURN(iface.name, parse_id());
      iface.docs = std::move(docs);
      iface.gate = std::move(gate);
      KILN_TRY(parse_interface_body(&iface, 0));
      body->order.emplace_back(false, static_cast<uint32_t>(body->interfaces.size()));
      body->interfaces.push_back(std::move(iface));
      return ok();
    }
    if (at(TokenKind::kWorld)) {
      next();
      World world;
      KILN_ASSIGN_OR_RETURN(world.name, parse_id());
      world.docs = std::move(docs);
      world.gate = std::move(gate);
      KILN_TRY(parse_world_body(&world));
      body->order.emplace_back(true, static_cast<uint32_t>(body->worlds.size()));
      body->worlds.push_back(std::move(world));
      return ok();
    }
    if (at(TokenKind::kPackage)) return fail(peek(), "`package` must come first in a file");
    return unexpected("`interface`, `world`, `use` or `package`");
  }

  Expected<void> parse_interface_body(Interface* iface, int depth) {
    KILN_TRY(expect(TokenKind::kLBrace));
    while (!eat(TokenKind::kRBrace)) {
      if (at(TokenKind::kEof)) return unexpected("`}`");
      InterfaceItem item;
      Docs docs;
      Gate gate;
      std::string external_id;
      KILN_TRY(parse_attributes_with_docs(&gate, &external_id, &docs));
      if (at(TokenKind::kUse)) {
        if (!external_id.empty()) return fail(peek(), "`@external-id` is not allowed on `use`");
        item.kind = InterfaceItem::Kind::kUse;
        KILN_TRY(parse_use(&item.use));
        item.use.docs = std::move(docs);
        item.use.gate = std::move(gate);
      } else if (is_typedef_start()) {
        item.kind = InterfaceItem::Kind::kType;
        KILN_TRY(parse_typedef(&item.type, depth));
        item.type.docs = std::move(docs);
        item.type.gate = std::move(gate);
        item.type.external_id = std::move(external_id);
      } else if (at(TokenKind::kId)) {
        item.kind = InterfaceItem::Kind::kFunc;
        KILN_ASSIGN_OR_RETURN(item.func.name, parse_id());
        KILN_TRY(expect(TokenKind::kColon));
        KILN_TRY(parse_func_type(&item.func.type, depth));
        KILN_TRY(expect(TokenKind::kSemicolon));
        item.func.docs = std::move(docs);
        item.func.gate = std::move(gate);
        item.func.external_id = std::move(external_id);
      } else {
        return unexpected("`use`, a type definition or a function");
      }
      iface->items.push_back(std::move(item));
    }
    return ok();
  }

  // The docs of the item's first token, then those of tokens after its attributes.
  Expected<void> parse_attributes_with_docs(Gate* gate, std::string* external_id, Docs* docs) {
    if (!at(TokenKind::kAt)) {
      append_docs(docs, peek());
      return ok();
    }
    return parse_attributes(gate, external_id, docs);
  }

  bool is_typedef_start() const {
    switch (peek().kind) {
      case TokenKind::kRecord: case TokenKind::kVariant: case TokenKind::kEnum:
      case TokenKind::kFlags: case TokenKind::kResource: case TokenKind::kType:
        return true;
      default:
        return false;
    }
  }

  Expected<void> parse_use(UseDecl* use) {
    next();  // use
    KILN_ASSIGN_OR_RETURN(use->path, parse_use_path());
    KILN_TRY(expect(TokenKind::kDot));
    KILN_TRY(expect(TokenKind::kLBrace));
    do {
      if (at(TokenKind::kRBrace) && !use->names.empty()) break;
      UseName n;
      KILN_ASSIGN_OR_RETURN(n.name, parse_id());
      if (eat(TokenKind::kAs)) {
        KILN_ASSIGN_OR_RETURN(n.as, parse_id());
      }
      use->names.push_back(std::move(n));
    } while (eat(TokenKind::kComma));
    KILN_TRY(expect(TokenKind::kRBrace));
    return expect(TokenKind::kSemicolon);
  }

  // Comma-separated list with an optional trailing comma, at least one element.
  template <typename F>
  Expected<void> parse_list(std::string_view what, F&& one) {
    KILN_TRY(expect(TokenKind::kLBrace));
    size_t count = 0;
    while (!at(TokenKind::kRBrace)) {
      KILN_TRY(one());
      ++count;
      if (!eat(TokenKind::kComma)) break;
    }
    if (count == 0) return fail(peek(), std::string(what));
    return expect(TokenKind::kRBrace);
  }

  Expected<void> parse_typedef(TypeDecl* decl, int depth) {
    const Token& kw = next();
    KILN_ASSIGN_OR_RETURN(decl->name, parse_id());
    switch (kw.kind) {
      case TokenKind::kType: {
        decl->kind = TypeDecl::Kind::kAlias;
        KILN_TRY(expect(TokenKind::kEquals));
        KILN_ASSIGN_OR_RETURN(decl->alias, parse_type(depth));
        return expect(TokenKind::kSemicolon);
      }
      case TokenKind::kRecord:
        decl->kind = TypeDecl::Kind::kRecord;
        return parse_list("a record needs at least one field", [&]() -> Expected<void> {
          NamedType f;
          f.docs = docs_of(peek());
          KILN_ASSIGN_OR_RETURN(f.name, parse_id());
          KILN_TRY(expect(TokenKind::kColon));
          KILN_ASSIGN_OR_RETURN(f.type, parse_type(depth));
          decl->fields.push_back(std::move(f));
          return ok();
        });
      case TokenKind::kVariant:
        decl->kind = TypeDecl::Kind::kVariant;
        return parse_list("a variant needs at least one case", [&]() -> Expected<void> {
          CaseDecl c;
          c.docs = docs_of(peek());
          KILN_ASSIGN_OR_RETURN(c.name, parse_id());
          if (eat(TokenKind::kLParen)) {
            KILN_ASSIGN_OR_RETURN(c.type, parse_type(depth));
            KILN_TRY(expect(TokenKind::kRParen));
          }
          decl->cases.push_back(std::move(c));
          return ok();
        });
      case TokenKind::kEnum:
      case TokenKind::kFlags: {
        bool is_enum = kw.kind == TokenKind::kEnum;
        decl->kind = is_enum ? TypeDecl::Kind::kEnum : TypeDecl::Kind::kFlags;
        return parse_list(is_enum ? "an enum needs at least one case" : "flags need at least one flag",
                          [&]() -> Expected<void> {
                            CaseDecl c;
                            c.docs = docs_of(peek());
                            KILN_ASSIGN_OR_RETURN(c.name, parse_id());
                            decl->cases.push_back(std::move(c));
                            return ok();
                          });
      }
      case TokenKind::kResource:
        decl->kind = TypeDecl::Kind::kResource;
        if (eat(TokenKind::kSemicolon)) return ok();
        decl->resource_has_body = true;
        KILN_TRY(expect(TokenKind::kLBrace));
        while (!eat(TokenKind::kRBrace)) {
          if (at(TokenKind::kEof)) return unexpected("`}`");
          Func f;
          KILN_TRY(parse_attributes_with_docs(&f.gate, &f.external_id, &f.docs));
          if (at(TokenKind::kConstructor)) {
            const Token& c = next();
            f.kind = Func::Kind::kConstructor;
            f.name = Id{"constructor", span_of(c)};
            f.type.span = span_of(c);
            KILN_TRY(parse_params(&f.type, depth));
            if (eat(TokenKind::kArrow)) {
              KILN_ASSIGN_OR_RETURN(f.type.result, parse_type(depth));
            }
          } else {
            KILN_ASSIGN_OR_RETURN(f.name, parse_id());
            KILN_TRY(expect(TokenKind::kColon));
            if (eat(TokenKind::kStatic)) f.kind = Func::Kind::kStatic;
            KILN_TRY(parse_func_type(&f.type, depth));
          }
          KILN_TRY(expect(TokenKind::kSemicolon));
          decl->methods.push_back(std::move(f));
        }
        return ok();
      default:
        return fail(kw, "expected a type definition");
    }
  }

  Expected<void> parse_params(FuncType* ft, int depth) {
    KILN_TRY(expect(TokenKind::kLParen));
    while (!at(TokenKind::kRParen)) {
      NamedType p;
      KILN_ASSIGN_OR_RETURN(p.name, parse_id());
      KILN_TRY(expect(TokenKind::kColon));
      KILN_ASSIGN_OR_RETURN(p.type, parse_type(depth));
      ft->params.push_back(std::move(p));
      if (!eat(TokenKind::kComma)) break;
    }
    return expect(TokenKind::kRParen);
  }

  Expected<void> parse_func_type(FuncType* ft, int depth) {
    ft->span = span_of(peek());
    if (eat(TokenKind::kAsync)) ft->is_async = true;
    KILN_TRY(expect(TokenKind::kFunc));
    KILN_TRY(parse_params(ft, depth));
    if (eat(TokenKind::kArrow)) {
      if (at(TokenKind::kLParen)) return fail(peek(), "named results are no longer part of WIT");
      KILN_ASSIGN_OR_RETURN(ft->result, parse_type(depth));
    }
    return ok();
  }

  Expected<TypeExpr> parse_type(int depth) {
    if (depth > kMaxDepth) return fail(peek(), "type nesting is too deep");
    TypeExpr t;
    t.span = span_of(peek());
    const Token& tok = next();
    auto prim = [&](Primitive p) {
      t.kind = TypeExpr::Kind::kPrim;
      t.prim = p;
    };
    auto one_arg = [&](TypeExpr::Kind kind) -> Expected<void> {
      t.kind = kind;
      KILN_TRY(expect(TokenKind::kLAngle));
      KILN_ASSIGN_OR_RETURN(TypeExpr arg, parse_type(depth + 1));
      t.args.push_back(std::move(arg));
      return ok();
    };
    switch (tok.kind) {
      case TokenKind::kBool: prim(Primitive::kBool); return t;
      case TokenKind::kU8: prim(Primitive::kU8); return t;
      case TokenKind::kU16: prim(Primitive::kU16); return t;
      case TokenKind::kU32: prim(Primitive::kU32); return t;
      case TokenKind::kU64: prim(Primitive::kU64); return t;
      case TokenKind::kS8: prim(Primitive::kS8); return t;
      case TokenKind::kS16: prim(Primitive::kS16); return t;
      case TokenKind::kS32: prim(Primitive::kS32); return t;
      case TokenKind::kS64: prim(Primitive::kS64); return t;
      case TokenKind::kF32: prim(Primitive::kF32); return t;
      case TokenKind::kF64: prim(Primitive::kF64); return t;
      case TokenKind::kChar: prim(Primitive::kChar); return t;
      case TokenKind::kString: prim(Primitive::kString); return t;
      case TokenKind::kErrorContext: prim(Primitive::kErrorContext); return t;
      case TokenKind::kId:
        t.kind = TypeExpr::Kind::kNamed;
        t.name = Id{std::string(tok.text), t.span};
        return t;
      case TokenKind::kBorrow:
      case TokenKind::kOwn: {
        t.kind = tok.kind == TokenKind::kBorrow ? TypeExpr::Kind::kBorrow : TypeExpr::Kind::kOwn;
        KILN_TRY(expect(TokenKind::kLAngle));
        KILN_ASSIGN_OR_RETURN(t.name, parse_id());
        KILN_TRY(expect(TokenKind::kRAngle));
        return t;
      }
      case TokenKind::kOption:
        KILN_TRY(one_arg(TypeExpr::Kind::kOption));
        KILN_TRY(expect(TokenKind::kRAngle));
        return t;
      case TokenKind::kList: {
        KILN_TRY(one_arg(TypeExpr::Kind::kList));
        if (eat(TokenKind::kComma)) {
          if (!at(TokenKind::kInteger)) return unexpected("a list length");
          const Token& n = next();
          uint64_t len = 0;
          auto r = std::from_chars(n.text.data(), n.text.data() + n.text.size(), len);
          if (r.ec != std::errc() || n.text[0] == '0' || len > UINT32_MAX) {
            return fail(n, "list length must be an integer in [1, 2^32)");
          }
          t.kind = TypeExpr::Kind::kFixedList;
          t.length = static_cast<uint32_t>(len);
        }
        KILN_TRY(expect(TokenKind::kRAngle));
        return t;
      }
      case TokenKind::kFuture:
      case TokenKind::kStream:
        t.kind = tok.kind == TokenKind::kFuture ? TypeExpr::Kind::kFuture : TypeExpr::Kind::kStream;
        if (at(TokenKind::kLAngle)) {
          KILN_TRY(one_arg(t.kind));
          KILN_TRY(expect(TokenKind::kRAngle));
        }
        return t;
      case TokenKind::kTuple: {
        t.kind = TypeExpr::Kind::kTuple;
        KILN_TRY(expect(TokenKind::kLAngle));
        while (!at(TokenKind::kRAngle)) {
          KILN_ASSIGN_OR_RETURN(TypeExpr arg, parse_type(depth + 1));
          t.args.push_back(std::move(arg));
          if (!eat(TokenKind::kComma)) break;
        }
        if (t.args.empty()) return fail(peek(), "a tuple needs at least one type");
        KILN_TRY(expect(TokenKind::kRAngle));
        return t;
      }
      case TokenKind::kMap: {
        t.kind = TypeExpr::Kind::kMap;
        KILN_TRY(expect(TokenKind::kLAngle));
        KILN_ASSIGN_OR_RETURN(TypeExpr key, parse_type(depth + 1));
        bool key_ok = key.kind == TypeExpr::Kind::kPrim && key.prim != Primitive::kF32 &&
                      key.prim != Primitive::kF64 && key.prim != Primitive::kErrorContext;
        if (!key_ok) {
          return error_at(ErrorKind::kMalformed, path_, key.span.line, key.span.column,
                          "map keys must be integers, `char`, `bool` or `string`");
        }
        KILN_TRY(expect(TokenKind::kComma));
        KILN_ASSIGN_OR_RETURN(TypeExpr value, parse_type(depth + 1));
        t.args.push_back(std::move(key));
        t.args.push_back(std::move(value));
        KILN_TRY(expect(TokenKind::kRAngle));
        return t;
      }
      case TokenKind::kResult: {
        t.kind = TypeExpr::Kind::kResult;
        if (!eat(TokenKind::kLAngle)) return t;
        if (eat(TokenKind::kUnderscore)) {
          KILN_TRY(expect(TokenKind::kComma));
        } else {
          KILN_ASSIGN_OR_RETURN(TypeExpr ok_type, parse_type(depth + 1));
          t.args.push_back(std::move(ok_type));
          t.has_ok = true;
          if (!eat(TokenKind::kComma)) {
            KILN_TRY(expect(TokenKind::kRAngle));
            return t;
          }
        }
        KILN_ASSIGN_OR_RETURN(TypeExpr err_type, parse_type(depth + 1));
        t.args.push_back(std::move(err_type));
        t.has_err = true;
        KILN_TRY(expect(TokenKind::kRAngle));
        return t;
      }
      default:
        --pos_;
        return unexpected("a type");
    }
  }

  Expected<void> parse_world_body(World* world) {
    KILN_TRY(expect(TokenKind::kLBrace));
    while (!eat(TokenKind::kRBrace)) {
      if (at(TokenKind::kEof)) return unexpected("`}`");
      WorldItem item;
      KILN_TRY(parse_attributes_with_docs(&item.gate, &item.external_id, &item.docs));
      item.span = span_of(peek());
      if (at(TokenKind::kImport) || at(TokenKind::kExport)) {
        item.kind = next().kind == TokenKind::kImport ? WorldItem::Kind::kImport
                                                      : WorldItem::Kind::kExport;
        KILN_TRY(parse_extern(&item));
      } else if (at(TokenKind::kUse)) {
        item.kind = WorldItem::Kind::kUse;
        KILN_TRY(parse_use(&item.use));
        item.use.docs = item.docs;
        item.use.gate = item.gate;
      } else if (is_typedef_start()) {
        item.kind = WorldItem::Kind::kType;
        KILN_TRY(parse_typedef(&item.type, 0));
        item.type.docs = item.docs;
        item.type.gate = item.gate;
        item.type.external_id = item.external_id;
      } else if (at(TokenKind::kInclude)) {
        next();
        item.kind = WorldItem::Kind::kInclude;
        KILN_ASSIGN_OR_RETURN(item.path, parse_use_path());
        if (eat(TokenKind::kWith)) {
          KILN_TRY(parse_list("`with` needs at least one rename", [&]() -> Expected<void> {
            KILN_ASSIGN_OR_RETURN(Id from, parse_id());
            KILN_TRY(expect(TokenKind::kAs));
            KILN_ASSIGN_OR_RETURN(Id to, parse_id());
            item.with.emplace_back(std::move(from), std::move(to));
            return ok();
          }));
          eat(TokenKind::kSemicolon);
        } else {
          KILN_TRY(expect(TokenKind::kSemicolon));
        }
      } else {
        return unexpected("`import`, `export`, `use`, `include` or a type definition");
      }
      if ((item.kind == WorldItem::Kind::kUse || item.kind == WorldItem::Kind::kInclude) &&
          !item.external_id.empty()) {
        return error_at(ErrorKind::kMalformed, path_, item.span.line, item.span.column,
                        "`@external-id` is not allowed here");
      }
      world->items.push_back(std::move(item));
    }
    return ok();
  }

  Expected<void> parse_extern(WorldItem* item) {
    bool is_path = at(TokenKind::kId) && peek(1).kind == TokenKind::kColon &&
                   peek(2).kind == TokenKind::kId && peek(3).kind == TokenKind::kSlash;
    if (is_path || (at(TokenKind::kId) && peek(1).kind != TokenKind::kColon)) {
      item->ext = WorldItem::Extern::kPath;
      KILN_ASSIGN_OR_RETURN(item->path, parse_use_path());
      return expect(TokenKind::kSemicolon);
    }
    KILN_ASSIGN_OR_RETURN(item->name, parse_id());
    KILN_TRY(expect(TokenKind::kColon));
    if (at(TokenKind::kFunc) || at(TokenKind::kAsync)) {
      item->ext = WorldItem::Extern::kFunc;
      KILN_TRY(parse_func_type(&item->func, 0));
      return expect(TokenKind::kSemicolon);
    }
    if (eat(TokenKind::kInterface)) {
      item->ext = WorldItem::Extern::kInterface;
      item->inline_iface = std::make_unique<Interface>();
      item->inline_iface->name = Id{"", item->name.span};
      return parse_interface_body(item->inline_iface.get(), 1);
    }
    item->ext = WorldItem::Extern::kNamedPath;
    KILN_ASSIGN_OR_RETURN(item->path, parse_use_path());
    return expect(TokenKind::kSemicolon);
  }

  const std::string& path_;
  const Lexed& lx_;
  size_t pos_ = 0;
};

}  // namespace

Expected<File> parse_file(const std::string& path, std::string_view text) {
  KILN_ASSIGN_OR_RETURN(Lexed lx, tokenize(path, text));
  return Parser(path, lx).run();
}

}  // namespace ast

Expected<void> parse_source(const SourceFile& file) {
  KILN_TRY(ast::parse_file(file.path, file.text));
  return ok();
}

}  // namespace kiln::wit
