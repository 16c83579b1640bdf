// wat/component_parser.cc: the component text parser. It walks the token stream once and
// writes the binary as it goes: every definition becomes its own section (component scope) or
// declarator (component, instance and core module types), in text order, so index spaces
// and identifiers are assigned exactly as validation will count them.
#include <array>
#include <map>
#include <optional>
#include <string>

#include "wat/binary_writer.h"
#include "wat/component_wat.h"
#include "wat/lexer.h"
#include "wat/wat.h"

namespace kiln::wat {
namespace {

// Index spaces; the numbering only matters inside this file.
enum S : uint8_t {
  kCoreFunc, kCoreTable, kCoreMemory, kCoreGlobal, kCoreTag, kCoreType, kCoreModule,
  kCoreInstance, kFunc, kValue, kType, kComponent, kInstance, kNumSorts
};

constexpr const char* kSortNames[] = {"core func", "core table", "core memory", "core global",
                                      "core tag", "core type", "core module", "core instance",
                                      "func", "value", "type", "component", "instance"};

// Binary `sort` encoding (sortidx / alias sort).
void write_sort(BinaryWriter& w, S s) {
  static constexpr uint8_t kCore[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x10, 0x11, 0x12};
  if (s <= kCoreInstance) {
    w.u8(0x00);
    w.u8(kCore[s]);
    return;
  }
  w.u8(static_cast<uint8_t>(s - kFunc + 1));
}

enum class ScopeKind : uint8_t { kComponent, kComponentType, kInstanceType, kModuleType };

struct Scope {
  ScopeKind kind = ScopeKind::kComponent;
  std::optional<std::string> id;
  std::array<uint32_t, kNumSorts> counts{};
  std::array<std::map<std::string, uint32_t>, kNumSorts> names;
  BinaryWriter out;        // component: sections; types: declarators
  uint32_t num_decls = 0;  // types
};

std::optional<uint8_t> prim_code(std::string_view kw) {
  static constexpr std::pair<const char*, uint8_t> kPrims[] = {
      {"bool", 0x7f}, {"s8", 0x7e},   {"u8", 0x7d},     {"s16", 0x7c},
      {"u16", 0x7b},  {"s32", 0x7a},  {"u32", 0x79},    {"s64", 0x78},
      {"u64", 0x77},  {"f32", 0x76},  {"f64", 0x75},    {"char", 0x74},
      {"string", 0x73}, {"error-context", 0x64}, {"float32", 0x76}, {"float64", 0x75}};
  for (const auto& [n, c] : kPrims)
    if (kw == n) return c;
  return std::nullopt;
}

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> toks) : text_(text), toks_(std::move(toks)) {}

  Expected<std::vector<uint8_t>> run() {
    KILN_TRY(expect_lparen());
    KILN_TRY(expect_keyword("component"));
    if (at_keyword("definition")) next();
    KILN_ASSIGN_OR_RETURN(auto top_id, optional_id());
    if (at_keyword("binary")) {
      next();
      std::vector<uint8_t> bytes;
      while (peek().kind == TokenKind::kString) {
        KILN_ASSIGN_OR_RETURN(std::string s, decode_string(next()));
        bytes.insert(bytes.end(), s.begin(), s.end());
      }
      KILN_TRY(expect_rparen());
      KILN_TRY(expect_eof());
      return bytes;
    }
    if (at_keyword("quote")) {
      next();
      std::string src = "(component ";
      while (peek().kind == TokenKind::kString) {
        KILN_ASSIGN_OR_RETURN(std::string s, decode_string(next()));
        src += s;
        src += ' ';
      }
      src += ")";
      KILN_TRY(expect_rparen());
      KILN_TRY(expect_eof());
      return parse_component(src);
    }
    BinaryWriter w;
    KILN_TRY(component_body(w, top_id));
    KILN_TRY(expect_eof());
    return std::move(w.bytes());
  }

 private:
  // ---- tokens ----
  const Token& peek(size_t k = 0) const {
    size_t i = pos_ + k;
    return i < toks_.size() ? toks_[i] : toks_.back();
  }
  const Token& next() {
    const Token& t = peek();
    if (pos_ < toks_.size() - 1) ++pos_;
    return t;
  }
  static Error error(const Token& t, std::string msg) {
    return Error(ErrorKind::kMalformed, std::move(msg), t.loc());
  }
  Error unexpected() const {
    const Token& t = peek();
    if (t.kind == TokenKind::kEof) return error(t, "unexpected end of input");
    return error(t, "unexpected token `" + std::string(t.text) + "`");
  }
  bool at_keyword(std::string_view kw, size_t k = 0) const {
    return peek(k).kind == TokenKind::kKeyword && peek(k).text == kw;
  }
  bool at_form(std::string_view kw) const {
    return peek().kind == TokenKind::kLParen && at_keyword(kw, 1);
  }
  // `(import "name")` (optionally with attributes) as the import abbreviation of a
  // definition, as opposed to an import field of a nested component or module.
  bool at_import_abbrev() const {
    if (!at_form("import")) return false;
    size_t k = 2;
    if (peek(k).kind == TokenKind::kString) {
      ++k;
    } else if (peek(k).kind == TokenKind::kLParen && peek(k + 1).text == "interface") {
      k += 4;
    } else {
      return false;
    }
    while (peek(k).kind == TokenKind::kLParen &&
           (peek(k + 1).text == "implements" || peek(k + 1).text == "versionsuffix" ||
            peek(k + 1).text == "external-id"))
      k += 4;
    return peek(k).kind == TokenKind::kRParen;
  }
  // `(type idx)`: a reference to a type, as opposed to a type definition declarator.
  bool at_type_ref() const {
    return at_form("type") &&
           (peek(2).kind == TokenKind::kId || peek(2).kind == TokenKind::kNat) &&
           peek(3).kind == TokenKind::kRParen;
  }
  bool at_core_form(std::string_view kw) const {
    return peek().kind == TokenKind::kLParen && at_keyword("core", 1) && at_keyword(kw, 2);
  }
  Expected<void> expect_lparen() {
    if (peek().kind != TokenKind::kLParen) return unexpected();
    next();
    return ok();
  }
  Expected<void> expect_rparen() {
    if (peek().kind != TokenKind::kRParen) return unexpected();
    next();
    return ok();
  }
  Expected<void> expect_eof() {
    if (peek().kind != TokenKind::kEof) return unexpected();
    return ok();
  }
  Expected<void> expect_keyword(std::string_view kw) {
    if (!at_keyword(kw)) return unexpected();
    next();
    return ok();
  }
  Expected<std::string> expect_string() {
    if (peek().kind != TokenKind::kString) return unexpected();
    return decode_name(next());
  }
  Expected<std::optional<std::string>> optional_id() {
    if (peek().kind != TokenKind::kId) return std::optional<std::string>();
    KILN_ASSIGN_OR_RETURN(std::string id, decode_id(next()));
    return std::optional<std::string>(std::move(id));
  }
  Expected<size_t> matching_paren(size_t open) const {
    int depth = 0;
    for (size_t i = open; i < toks_.size(); ++i) {
      if (toks_[i].kind == TokenKind::kLParen) ++depth;
      if (toks_[i].kind == TokenKind::kRParen && --depth == 0) return i;
    }
    return error(toks_[open], "unclosed parenthesis");
  }

  // ---- scopes ----
  Scope& cur() { return scopes_.back(); }

  // Adds an entry to `sort` of the current scope, binding `id`; returns its index.
  Expected<uint32_t> define(S sort, const std::optional<std::string>& id, const Token& at) {
    Scope& s = cur();
    uint32_t index = s.counts[sort]++;
    if (id) {
      if (!s.names[sort].emplace(*id, index).second)
        return error(at, "duplicate " + std::string(kSortNames[sort]) + " identifier");
    }
    return index;
  }

  // Emits one definition. `section` is the component section id; `decl` the declarator byte
  // in component/instance types (-1: not allowed there), `mdecl` in core module types.
  Expected<void> emit(uint8_t section, int decl, const BinaryWriter& body, const Token& at,
                      int mdecl = -1) {
    Scope& s = cur();
    if (s.kind == ScopeKind::kComponent) {
      BinaryWriter w;
      if (section != 1 && section != 4 && section != 9) w.u32(1);
      w.raw(body);
      s.out.section(section, w);
      return ok();
    }
    int d = s.kind == ScopeKind::kModuleType ? mdecl : decl;
    if (d < 0) return error(at, "definition not allowed in this type");
    s.out.u8(static_cast<uint8_t>(d));
    s.out.raw(body);
    s.num_decls++;
    return ok();
  }

  // Resolves an index token for `sort`. Identifiers of types, modules and components not
  // defined in the current scope are looked up outward and aliased in (`outer` abbreviation).
  Expected<uint32_t> index(S sort) {
    const Token& t = peek();
    if (t.kind == TokenKind::kNat) {
      next();
      return parse_u32(t);
    }
    if (t.kind != TokenKind::kId) return unexpected();
    next();
    KILN_ASSIGN_OR_RETURN(std::string id, decode_id(t));
    auto it = cur().names[sort].find(id);
    if (it != cur().names[sort].end()) return it->second;
    bool outerable = sort == kType || sort == kCoreType || sort == kCoreModule || sort == kComponent;
    if (outerable) {
      for (size_t d = 1; d < scopes_.size(); ++d) {
        Scope& s = scopes_[scopes_.size() - 1 - d];
        auto jt = s.names[sort].find(id);
        if (jt == s.names[sort].end()) continue;
        if (cur().kind == ScopeKind::kModuleType && sort != kCoreType) break;
        return outer_alias(sort, static_cast<uint32_t>(d), jt->second, t);
      }
    } else {
      for (size_t d = 1; d < scopes_.size(); ++d) {
        if (scopes_[scopes_.size() - 1 - d].names[sort].count(id)) {
          return error(t, "outer item `" + id + "` is not a module, type, or component");
        }
      }
    }
    return error(t, "unknown " + std::string(kSortNames[sort]) + ": failed to find name `$" + id + "`");
  }

  Expected<uint32_t> outer_alias(S sort, uint32_t count, uint32_t idx, const Token& at) {
    BinaryWriter w;
    if (cur().kind == ScopeKind::kModuleType) {
      w.u8(0x10);
      w.u8(0x01);
    } else {
      write_sort(w, sort);
      w.u8(0x02);
    }
    w.u32(count);
    w.u32(idx);
    KILN_TRY(emit(6, 2, w, at, 2));
    return define(sort, std::nullopt, at);
  }

  // ---- sorts and item references ----

  // A sort keyword (`func`, `core func`, `core module`, ...) at the cursor.
  std::optional<S> peek_sort(size_t k, size_t* used) const {
    static constexpr std::pair<const char*, S> kCoreSorts[] = {
        {"func", kCoreFunc},     {"table", kCoreTable},   {"memory", kCoreMemory},
        {"global", kCoreGlobal}, {"tag", kCoreTag},       {"type", kCoreType},
        {"module", kCoreModule}, {"instance", kCoreInstance}};
    static constexpr std::pair<const char*, S> kSorts[] = {{"func", kFunc},
                                                           {"value", kValue},
                                                           {"type", kType},
                                                           {"component", kComponent},
                                                           {"instance", kInstance}};
    if (at_keyword("core", k)) {
      for (const auto& [n, s] : kCoreSorts)
        if (at_keyword(n, k + 1)) {
          *used = 2;
          return s;
        }
      return std::nullopt;
    }
    for (const auto& [n, s] : kSorts)
      if (at_keyword(n, k)) {
        *used = 1;
        return s;
      }
    return std::nullopt;
  }

  // After `(sort`: `idx` or `idx "name"+` (inline export aliases), then `)`.
  Expected<uint32_t> item_rest(S sort) {
    KILN_ASSIGN_OR_RETURN(uint32_t i, item_index(sort));
    KILN_TRY(expect_rparen());
    return i;
  }

  // `idx` or `idx "name"+` (inline export aliases).
  Expected<uint32_t> item_index(S sort) {
    if (peek(1).kind == TokenKind::kString) {
      S inst_sort = sort <= kCoreTag ? kCoreInstance : kInstance;
      KILN_ASSIGN_OR_RETURN(uint32_t inst, index(inst_sort));
      while (peek().kind == TokenKind::kString) {
        const Token& at = peek();
        KILN_ASSIGN_OR_RETURN(std::string nm, expect_string());
        bool last = peek().kind != TokenKind::kString;
        S s = last ? sort : inst_sort;
        KILN_ASSIGN_OR_RETURN(inst, export_alias(s, inst, nm, std::nullopt, at));
      }
      return inst;
    }
    return index(sort);
  }

  Expected<uint32_t> export_alias(S sort, uint32_t inst, const std::string& nm,
                                  const std::optional<std::string>& id, const Token& at) {
    BinaryWriter w;
    write_sort(w, sort);
    w.u8(sort <= kCoreTag ? 0x01 : 0x00);
    w.u32(inst);
    w.name(nm);
    KILN_TRY(emit(6, 2, w, at));
    return define(sort, id, at);
  }

  // `(sort idx)` / `(sort idx "name")` of the expected sort; a bare index is accepted too.
  Expected<uint32_t> item_ref(S sort) {
    if (peek().kind != TokenKind::kLParen) return item_index(sort);
    size_t used;
    auto s = peek_sort(1, &used);
    if (sort <= kCoreInstance && s != sort) {
      // Inside core contexts the `core` prefix is optional: (memory $m), (instance $i).
      static constexpr const char* kCoreNames[] = {"func", "table", "memory", "global", "tag",
                                                   "type", "module", "instance"};
      if (at_keyword(kCoreNames[sort], 1)) {
        s = sort;
        used = 1;
      }
    }
    if (!s || *s != sort) return unexpected();
    next();
    for (size_t i = 0; i < used; ++i) next();
    return item_rest(sort);
  }

  // `(sort idx ...)` of any sort.
  Expected<std::pair<S, uint32_t>> any_item_ref() {
    if (peek().kind != TokenKind::kLParen) return unexpected();
    size_t used;
    auto s = peek_sort(1, &used);
    if (!s) return unexpected();
    next();
    for (size_t i = 0; i < used; ++i) next();
    KILN_ASSIGN_OR_RETURN(uint32_t i, item_rest(*s));
    return std::make_pair(*s, i);
  }

  // ---- names ----

  // An import/export name with attributes: "name" or (interface "name"), then
  // (implements "..."), (versionsuffix "..."), (external-id "...").
  Expected<void> extern_name(BinaryWriter& w) {
    std::string nm;
    if (at_form("interface")) {
      next();
      next();
      KILN_ASSIGN_OR_RETURN(nm, expect_string());
      KILN_TRY(expect_rparen());
    } else {
      KILN_ASSIGN_OR_RETURN(nm, expect_string());
    }
    BinaryWriter attrs;
    uint32_t n = 0;
    uint32_t seen_kinds = 0;
    for (;;) {
      int kind = at_form("implements") ? 0 : at_form("versionsuffix") ? 1
                 : at_form("external-id") ? 2 : -1;
      if (kind < 0) break;
      if (seen_kinds & (1u << kind)) return error(peek(), "unexpected token");
      seen_kinds |= 1u << kind;
      next();
      next();
      KILN_ASSIGN_OR_RETURN(std::string v, expect_string());
      KILN_TRY(expect_rparen());
      attrs.u8(static_cast<uint8_t>(kind));
      attrs.name(v);
      ++n;
    }
    if (n == 0) {
      w.u8(0x00);
      w.name(nm);
    } else {
      w.u8(0x02);
      w.name(nm);
      w.u32(n);
      w.raw(attrs);
    }
    return ok();
  }

  // ---- component bodies ----

  // After `(component $id?`: the fields, through `)`. Writes the whole binary to `w`.
  Expected<void> component_body(BinaryWriter& w, std::optional<std::string> id) {
    scopes_.emplace_back();
    cur().kind = ScopeKind::kComponent;
    cur().id = std::move(id);
    while (peek().kind == TokenKind::kLParen) {
      KILN_TRY(component_field());
    }
    KILN_TRY(expect_rparen());
    static constexpr uint8_t kPreamble[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
    w.raw(kPreamble, sizeof kPreamble);
    w.raw(cur().out);
    scopes_.pop_back();
    return ok();
  }

  Expected<void> component_field() {
    const Token& at = peek();
    if (at_keyword("core", 1)) {
      if (at_keyword("module", 2)) return core_module();
      if (at_keyword("instance", 2)) return core_instance();
      if (at_keyword("type", 2)) return core_type_def();
      if (at_keyword("rec", 2)) return core_type_def();
      if (at_keyword("func", 2) || at_keyword("table", 2) || at_keyword("memory", 2) ||
          at_keyword("global", 2) || at_keyword("tag", 2))
        return core_item_def();
      return error(peek(2), "unexpected token `" + std::string(peek(2).text) + "`");
    }
    if (!peek(1).text.empty() && peek(1).kind == TokenKind::kKeyword) {
      std::string_view kw = peek(1).text;
      if (kw == "component") return nested_component();
      if (kw == "instance") return instance_def();
      if (kw == "alias") return alias_def();
      if (kw == "type") return type_def();
      if (kw == "canon") return canon_def();
      if (kw == "func") return func_def();
      if (kw == "import") return import_def();
      if (kw == "export") return export_def();
      if (kw == "start") return start_def();
      if (kw == "value") return error(at, "value definitions are not supported in text");
    }
    return error(peek(1), "unexpected token `" + std::string(peek(1).text) + "`");
  }

  Expected<void> core_module() {
    const Token& at = peek();
    size_t open = pos_;
    KILN_ASSIGN_OR_RETURN(size_t close, matching_paren(open));
    next();
    next();
    next();  // ( core module
    KILN_ASSIGN_OR_RETURN(auto id, optional_id());
    std::vector<std::string> exports;
    // (export "n") and (import "n") with one name are the component-level abbreviations;
    // with two names (or an item after the name) they are the core module's own fields.
    while (at_form("export") && peek(3).kind == TokenKind::kRParen) {
      next();
      next();
      KILN_ASSIGN_OR_RETURN(std::string e, expect_string());
      KILN_TRY(expect_rparen());
      exports.push_back(std::move(e));
    }
    if (at_form("import") && peek(3).kind != TokenKind::kString) {
      next();
      next();
      BinaryWriter w;
      KILN_TRY(extern_name_from_string(w));
      KILN_TRY(expect_rparen());
      // (core module $id (import "n") moduletype)
      scopes_.emplace_back();
      cur().kind = ScopeKind::kModuleType;
      KILN_ASSIGN_OR_RETURN(uint32_t t, module_type_use());
      w.u8(0x00);
      w.u8(0x11);
      w.u32(t);
      KILN_TRY(expect_rparen());
      KILN_TRY(emit(10, 3, w, at));
      KILN_ASSIGN_OR_RETURN(uint32_t idx, define(kCoreModule, id, at));
      return inline_exports(exports, kCoreModule, idx, at);
    }
    std::vector<uint8_t> bytes;
    if (at_keyword("binary")) {
      next();
      while (peek().kind == TokenKind::kString) {
        KILN_ASSIGN_OR_RETURN(std::string s, decode_string(next()));
        bytes.insert(bytes.end(), s.begin(), s.end());
      }
      KILN_TRY(expect_rparen());
    } else {
      // Hand the fields to the core parser as a (module ...) form; positions in its errors
      // are mapped back by line and column.
      const Token& first = peek();
      size_t from = first.kind == TokenKind::kRParen ? toks_[close].offset : first.offset;
      std::string src(first.line > 1 ? 0 : 0, ' ');
      std::string pad;
      // Keep line numbers: the text starts at the same line and column.
      for (uint32_t l = 1; l < first.line; ++l) pad += '\n';
      if (first.column > 8) pad += std::string(first.column - 8, ' ');
      src = pad + "(module " + std::string(text_.substr(from, toks_[close].offset + 1 - from));
      auto m = parse_module(src);
      if (!m) return m.error();
      bytes = std::move(*m);
      pos_ = close + 1;
    }
    BinaryWriter w;
    w.raw(bytes.data(), bytes.size());
    KILN_TRY(emit(1, -1, w, at));
    KILN_ASSIGN_OR_RETURN(uint32_t idx, define(kCoreModule, id, at));
    return inline_exports(exports, kCoreModule, idx, at);
  }

  Expected<void> extern_name_from_string(BinaryWriter& w) { return extern_name(w); }

  Expected<void> inline_exports(const std::vector<std::string>& names, S sort, uint32_t idx,
                                const Token& at) {
    for (const std::string& n : names) {
      BinaryWriter w;
      w.u8(0x00);
      w.name(n);
      write_sort(w, sort);
      w.u32(idx);
      w.u8(0x00);
      KILN_TRY(emit(11, -1, w, at));
      KILN_TRY(define(sort, std::nullopt, at));
    }
    return ok();
  }

  // (export "name" ...)* before a definition.
  Expected<std::vector<std::string>> inline_export_names() {
    std::vector<std::string> names;
    while (at_form("export") && peek(3).kind == TokenKind::kRParen) {
      next();
      next();
      KILN_ASSIGN_OR_RETURN(std::string e, expect_string());
      KILN_TRY(expect_rparen());
      names.push_back(std::move(e));
    }
    return names;
  }

  // Core instance: (core instance $id? (instantiate $m (with "n" (instance ...))*)) or
  // (core instance $id? (export "n" (func $f))*).
  Expected<void> core_instance() {
    const Token& at = peek();
    next();
    next();
    next();
    KILN_ASSIGN_OR_RETURN(auto id, optional_id());
    BinaryWriter w;
    if (at_form("instantiate")) {
      next();
      next();
      KILN_ASSIGN_OR_RETURN(uint32_t m, item_ref(kCoreModule));
      BinaryWriter args;
      uint32_t n = 0;
      while (at_form("with")) {
        next();
        next();
        KILN_ASSIGN_OR_RETURN(std::string nm, expect_string());
        uint32_t inst;
        if (at_form("instance") && peek(2).kind == TokenKind::kLParen) {
          next();
          next();
          KILN_ASSIGN_OR_RETURN(inst, core_inline_instance(at));
        } else {
          KILN_ASSIGN_OR_RETURN(inst, item_ref(kCoreInstance));
        }
        KILN_TRY(expect_rparen());
        args.name(nm);
        args.u8(0x12);
        args.u32(inst);
        ++n;
      }
      KILN_TRY(expect_rparen());
      w.u8(0x00);
      w.u32(m);
      w.u32(n);
      w.raw(args);
      KILN_TRY(expect_rparen());
      KILN_TRY(emit(2, -1, w, at));
      KILN_TRY(define(kCoreInstance, id, at));
      return ok();
    }
    KILN_ASSIGN_OR_RETURN(uint32_t idx, core_inline_instance_body(at, id));
    (void)idx;
    return ok();
  }

  // After `(instance` with inline exports: defines an instance and returns it (consumes `)`).
  Expected<uint32_t> core_inline_instance(const Token& at) {
    return core_inline_instance_body(at, std::nullopt);
  }

  Expected<uint32_t> core_inline_instance_body(const Token& at, std::optional<std::string> id) {
    BinaryWriter body;
    uint32_t n = 0;
    while (at_form("export")) {
      next();
      next();
      KILN_ASSIGN_OR_RETURN(std::string nm, expect_string());
      KILN_TRY(expect_lparen());
      static constexpr std::pair<const char*, std::pair<S, uint8_t>> kKinds[] = {
          {"func", {kCoreFunc, 0x00}},     {"table", {kCoreTable, 0x01}},
          {"memory", {kCoreMemory, 0x02}}, {"global", {kCoreGlobal, 0x03}},
          {"tag", {kCoreTag, 0x04}}};
      std::optional<std::pair<S, uint8_t>> kind;
      if (at_keyword("core")) next();
      for (const auto& [kn, k] : kKinds)
        if (at_keyword(kn)) kind = k;
      if (!kind) return unexpected();
      next();
      KILN_ASSIGN_OR_RETURN(uint32_t i, item_rest(kind->first));
      KILN_TRY(expect_rparen());
      body.name(nm);
      body.u8(kind->second);
      body.u32(i);
      ++n;
    }
    KILN_TRY(expect_rparen());
    BinaryWriter w;
    w.u8(0x01);
    w.u32(n);
    w.raw(body);
    KILN_TRY(emit(2, -1, w, at));
    return define(kCoreInstance, id, at);
  }

  // (core func|table|memory|global|tag $id? (alias core export $i "n")) or
  // (core func $id? (canon ...)).
  Expected<void> core_item_def() {
    const Token& at = peek();
    next();
    next();
    std::string_view kw = next().text;
    S sort = kw == "func" ? kCoreFunc : kw == "table" ? kCoreTable : kw == "memory" ? kCoreMemory
             : kw == "global" ? kCoreGlobal : kCoreTag;
    KILN_ASSIGN_OR_RETURN(auto id, optional_id());
    if (at_form("alias")) {
      next();
      next();
      KILN_TRY(expect_keyword("core"));
      KILN_TRY(expect_keyword("export"));
      KILN_ASSIGN_OR_RETURN(uint32_t inst, index(kCoreInstance));
      KILN_ASSIGN_OR_RETURN(std::string nm, expect_string());
      KILN_TRY(expect_rparen());
      KILN_TRY(expect_rparen());
      KILN_TRY(export_alias(sort, inst, nm, id, at));
      return ok();
    }
    if (sort == kCoreFunc && at_form("canon")) {
      next();
      next();
      KILN_TRY(canon_body(id, at));
      KILN_TRY(expect_rparen());
      return ok();
    }
    return unexpected();
  }

  // ---- core types ----

  Expected<void> core_val_type(BinaryWriter& w) {
    const Token& t = peek();
    if (t.kind == TokenKind::kKeyword) {
      static constexpr std::pair<const char*, uint8_t> kTypes[] = {
          {"i32", 0x7f},       {"i64", 0x7e},         {"f32", 0x7d},
          {"f64", 0x7c},       {"v128", 0x7b},        {"funcref", 0x70},
          {"externref", 0x6f}, {"anyref", 0x6e},      {"eqref", 0x6d},
          {"i31ref", 0x6c},    {"structref", 0x6b},   {"arrayref", 0x6a},
          {"exnref", 0x69},    {"nullref", 0x71},     {"nullfuncref", 0x73},
          {"nullexternref", 0x72}, {"nullexnref", 0x74}, {"i8", 0x78}, {"i16", 0x77}};
      for (const auto& [n, c] : kTypes)
        if (t.text == n) {
          next();
          w.u8(c);
          return ok();
        }
      return unexpected();
    }
    if (at_form("ref")) {
      next();
      next();
      bool null = false;
      if (at_keyword("null")) {
        next();
        null = true;
      }
      w.u8(null ? 0x63 : 0x64);
      KILN_TRY(core_heap_type(w));
      return expect_rparen();
    }
    return unexpected();
  }

  Expected<void> core_heap_type(BinaryWriter& w) {
    const Token& t = peek();
    if (t.kind == TokenKind::kKeyword) {
      static constexpr std::pair<const char*, uint8_t> kHeaps[] = {
          {"func", 0x70}, {"extern", 0x6f}, {"any", 0x6e},    {"eq", 0x6d},
          {"i31", 0x6c},  {"struct", 0x6b}, {"array", 0x6a},  {"exn", 0x69},
          {"none", 0x71}, {"nofunc", 0x73}, {"noextern", 0x72}, {"noexn", 0x74}};
      for (const auto& [n, c] : kHeaps)
        if (t.text == n) {
          next();
          w.u8(c);
          return ok();
        }
      return unexpected();
    }
    KILN_ASSIGN_OR_RETURN(uint32_t i, index(kCoreType));
    w.s33(i);
    return ok();
  }

  // (param $x? t*)* (result t*)* after `(func`; consumes through `)`.
  Expected<void> core_func_sig(BinaryWriter& w) {
    BinaryWriter params, results;
    uint32_t np = 0, nr = 0;
    while (at_form("param")) {
      next();
      next();
      if (peek().kind == TokenKind::kId) {
        next();
        KILN_TRY(core_val_type(params));
        ++np;
      } else {
        while (peek().kind != TokenKind::kRParen) {
          KILN_TRY(core_val_type(params));
          ++np;
        }
      }
      KILN_TRY(expect_rparen());
    }
    while (at_form("result")) {
      next();
      next();
      while (peek().kind != TokenKind::kRParen) {
        KILN_TRY(core_val_type(results));
        ++nr;
      }
      KILN_TRY(expect_rparen());
    }
    KILN_TRY(expect_rparen());
    w.u8(0x60);
    w.u32(np);
    w.raw(params);
    w.u32(nr);
    w.raw(results);
    return ok();
  }

  Expected<void> core_field(BinaryWriter& w) {
    bool mut = false;
    bool wrapped = at_form("mut");
    if (wrapped) {
      next();
      next();
      mut = true;
    }
    KILN_TRY(core_val_type(w));
    if (wrapped) KILN_TRY(expect_rparen());
    w.u8(mut ? 1 : 0);
    return ok();
  }

  // A core composite type form at the cursor: (func ...), (struct ...), (array ...).
  Expected<void> core_comp_type(BinaryWriter& w) {
    KILN_TRY(expect_lparen());
    if (at_keyword("func")) {
      next();
      return core_func_sig(w);
    }
    if (at_keyword("struct")) {
      next();
      BinaryWriter fields;
      uint32_t n = 0;
      while (at_form("field")) {
        next();
        next();
        if (peek().kind == TokenKind::kId) next();
        while (peek().kind != TokenKind::kRParen) {
          KILN_TRY(core_field(fields));
          ++n;
        }
        KILN_TRY(expect_rparen());
      }
      KILN_TRY(expect_rparen());
      w.u8(0x5f);
      w.u32(n);
      w.raw(fields);
      return ok();
    }
    if (at_keyword("array")) {
      next();
      w.u8(0x5e);
      KILN_TRY(core_field(w));
      return expect_rparen();
    }
    return unexpected();
  }

  // A core subtype: (sub final? idx* comptype) or comptype.
  Expected<void> core_sub_type(BinaryWriter& w, bool prefix_open_sub) {
    if (at_form("sub")) {
      next();
      next();
      bool final = false;
      if (at_keyword("final")) {
        next();
        final = true;
      }
      std::vector<uint32_t> supers;
      while (peek().kind == TokenKind::kId || peek().kind == TokenKind::kNat) {
        KILN_ASSIGN_OR_RETURN(uint32_t s, index(kCoreType));
        supers.push_back(s);
      }
      if (final) {
        w.u8(0x4f);
      } else {
        if (prefix_open_sub) w.u8(0x00);
        w.u8(0x50);
      }
      w.u32(static_cast<uint32_t>(supers.size()));
      for (uint32_t s : supers) w.u32(s);
      KILN_TRY(core_comp_type(w));
      return expect_rparen();
    }
    return core_comp_type(w);
  }

  // (core type $id? (func ...)|(module ...)|(struct ...)) and (core rec (type ...)*).
  Expected<void> core_type_def() {
    const Token& at = peek();
    next();
    next();
    if (at_keyword("rec")) {
      next();
      BinaryWriter w;
      std::vector<std::optional<std::string>> ids;
      BinaryWriter body;
      uint32_t n = 0;
      while (at_form("type")) {
        next();
        next();
        KILN_ASSIGN_OR_RETURN(auto id, optional_id());
        ids.push_back(id);
        KILN_TRY(core_sub_type(body, false));
        KILN_TRY(expect_rparen());
        ++n;
      }
      KILN_TRY(expect_rparen());
      w.u8(0x4e);
      w.u32(n);
      w.raw(body);
      KILN_TRY(emit(3, 0, w, at, 1));
      for (auto& id : ids) KILN_TRY(define(kCoreType, id, at));
      return ok();
    }
    next();  // type
    KILN_ASSIGN_OR_RETURN(auto id, optional_id());
    BinaryWriter w;
    if (at_form("module")) {
      next();
      next();
      KILN_TRY(module_type_body(w));
    } else {
      KILN_TRY(core_sub_type(w, true));
    }
    KILN_TRY(expect_rparen());
    KILN_TRY(emit(3, 0, w, at, 1));
    KILN_TRY(define(kCoreType, id, at));
    return ok();
  }

  // After `(module`: module type declarations through `)`; writes 0x50 vec(decl).
  Expected<void> module_type_body(BinaryWriter& w) {
    scopes_.emplace_back();
    cur().kind = ScopeKind::kModuleType;
    while (peek().kind == TokenKind::kLParen) {
      const Token& at = peek();
      if (at_form("import")) {
        next();
        next();
        BinaryWriter d;
        KILN_ASSIGN_OR_RETURN(std::string m, expect_string());
        KILN_ASSIGN_OR_RETURN(std::string n, expect_string());
        d.name(m);
        d.name(n);
        KILN_TRY(core_extern_desc(d));
        KILN_TRY(expect_rparen());
        KILN_TRY(emit(0, -1, d, at, 0));
      } else if (at_form("export")) {
        next();
        next();
        BinaryWriter d;
        KILN_ASSIGN_OR_RETURN(std::string n, expect_string());
        d.name(n);
        KILN_TRY(core_extern_desc(d));
        KILN_TRY(expect_rparen());
        KILN_TRY(emit(0, -1, d, at, 3));
      } else if (at_form("type") || at_form("rec")) {
        bool rec = at_keyword("rec", 1);
        next();
        next();
        BinaryWriter d;
        if (rec) {
          std::vector<std::optional<std::string>> ids;
          BinaryWriter body;
          uint32_t n = 0;
          while (at_form("type")) {
            next();
            next();
            KILN_ASSIGN_OR_RETURN(auto id, optional_id());
            ids.push_back(id);
            KILN_TRY(core_sub_type(body, false));
            KILN_TRY(expect_rparen());
            ++n;
          }
          d.u8(0x4e);
          d.u32(n);
          d.raw(body);
          KILN_TRY(expect_rparen());
          KILN_TRY(emit(0, -1, d, at, 1));
          for (auto& id : ids) KILN_TRY(define(kCoreType, id, at));
        } else {
          KILN_ASSIGN_OR_RETURN(auto id, optional_id());
          if (at_form("module")) {
            next();
            next();
            KILN_TRY(module_type_body(d));
          } else {
            KILN_TRY(core_sub_type(d, true));
          }
          KILN_TRY(expect_rparen());
          KILN_TRY(emit(0, -1, d, at, 1));
          KILN_TRY(define(kCoreType, id, at));
        }
      } else if (at_form("alias")) {
        next();
        next();
        KILN_TRY(expect_keyword("outer"));
        KILN_ASSIGN_OR_RETURN(uint32_t count, outer_count());
        KILN_ASSIGN_OR_RETURN(uint32_t idx, outer_index(count, kCoreType));
        KILN_TRY(expect_lparen());
        KILN_TRY(expect_keyword("type"));
        KILN_ASSIGN_OR_RETURN(auto id, optional_id());
        KILN_TRY(expect_rparen());
        KILN_TRY(expect_rparen());
        BinaryWriter d;
        d.u8(0x10);
        d.u8(0x01);
        d.u32(count);
        d.u32(idx);
        KILN_TRY(emit(0, -1, d, at, 2));
        KILN_TRY(define(kCoreType, id, at));
      } else {
        return error(peek(1), "unexpected token `" + std::string(peek(1).text) + "`");
      }
    }
    KILN_TRY(expect_rparen());
    w.u8(0x50);
    w.u32(cur().num_decls);
    w.raw(cur().out);
    scopes_.pop_back();
    return ok();
  }

  Expected<void> limits(BinaryWriter& w, bool memory) {
    bool is64 = false;
    if (at_keyword("i64")) {
      next();
      is64 = true;
    } else if (at_keyword("i32")) {
      next();
    }
    KILN_ASSIGN_OR_RETURN(uint64_t min, parse_u64(peek()));
    next();
    std::optional<uint64_t> max;
    if (peek().kind == TokenKind::kNat) {
      KILN_ASSIGN_OR_RETURN(uint64_t m, parse_u64(peek()));
      next();
      max = m;
    }
    bool shared = false;
    if (memory && at_keyword("shared")) {
      next();
      shared = true;
    }
    std::optional<uint32_t> page;
    if (memory && at_form("pagesize")) {
      next();
      next();
      KILN_ASSIGN_OR_RETURN(uint32_t p, parse_u32(peek()));
      next();
      KILN_TRY(expect_rparen());
      uint32_t log2 = 0;
      while (log2 < 32 && (1u << log2) != p) ++log2;
      page = log2;
    }
    w.u8(static_cast<uint8_t>((max ? 1 : 0) | (shared ? 2 : 0) | (is64 ? 4 : 0) | (page ? 8 : 0)));
    w.u64(min);
    if (max) w.u64(*max);
    if (page) w.u32(*page);
    return ok();
  }

  // A core extern type in a module type: (func $id? (type i)? sig) (memory ...) (table ...)
  // (global ...) (tag ...).
  Expected<void> core_extern_desc(BinaryWriter& w) {
    const Token& at = peek();
    KILN_TRY(expect_lparen());
    if (at_keyword("func") || at_keyword("tag")) {
      bool tag = at_keyword("tag");
      next();
      if (peek().kind == TokenKind::kId) next();
      uint32_t t;
      if (at_type_ref()) {
        next();
        next();
        KILN_ASSIGN_OR_RETURN(t, index(kCoreType));
        KILN_TRY(expect_rparen());
        while (at_form("param") || at_form("result")) {
          KILN_ASSIGN_OR_RETURN(size_t close, matching_paren(pos_));
          pos_ = close + 1;
        }
        KILN_TRY(expect_rparen());
      } else {
        BinaryWriter d;
        KILN_TRY(core_func_sig(d));
        KILN_TRY(emit(0, -1, d, at, 1));
        KILN_ASSIGN_OR_RETURN(t, define(kCoreType, std::nullopt, at));
      }
      if (tag) {
        w.u8(0x04);
        w.u8(0x00);
      } else {
        w.u8(0x00);
      }
      w.u32(t);
      return ok();
    }
    if (at_keyword("memory")) {
      next();
      if (peek().kind == TokenKind::kId) next();
      w.u8(0x02);
      KILN_TRY(limits(w, true));
      return expect_rparen();
    }
    if (at_keyword("table")) {
      next();
      if (peek().kind == TokenKind::kId) next();
      w.u8(0x01);
      BinaryWriter lim;
      KILN_TRY(limits(lim, false));
      KILN_TRY(core_val_type(w));
      w.raw(lim);
      return expect_rparen();
    }
    if (at_keyword("global")) {
      next();
      if (peek().kind == TokenKind::kId) next();
      w.u8(0x03);
      if (at_form("mut")) {
        next();
        next();
        KILN_TRY(core_val_type(w));
        KILN_TRY(expect_rparen());
        w.u8(1);
      } else {
        KILN_TRY(core_val_type(w));
        w.u8(0);
      }
      return expect_rparen();
    }
    return unexpected();
  }

  // ---- component types ----

  // A valtype: a primitive keyword, a type index, or an inline defined type (hoisted).
  Expected<void> val_type(BinaryWriter& w) {
    const Token& t = peek();
    if (t.kind == TokenKind::kKeyword) {
      if (auto c = prim_code(t.text)) {
        next();
        w.u8(*c);
        return ok();
      }
      return unexpected();
    }
    if (t.kind == TokenKind::kLParen) {
      BinaryWriter d;
      KILN_TRY(def_type(d));
      KILN_TRY(emit(7, 1, d, t));
      KILN_ASSIGN_OR_RETURN(uint32_t i, define(kType, std::nullopt, t));
      w.u32(i);
      return ok();
    }
    KILN_ASSIGN_OR_RETURN(uint32_t i, index(kType));
    w.u32(i);
    return ok();
  }

  Expected<void> opt_val_type(BinaryWriter& w) {
    if (peek().kind == TokenKind::kRParen) {
      w.u8(0x00);
      return ok();
    }
    w.u8(0x01);
    return val_type(w);
  }

  // A defined type form at the cursor: (record ...), (func ...), (component ...), (resource
  // ...), ..., or a primitive keyword.
  Expected<void> def_type(BinaryWriter& w) {
    if (peek().kind == TokenKind::kKeyword) {
      if (auto c = prim_code(peek().text)) {
        next();
        w.u8(*c);
        return ok();
      }
      return unexpected();
    }
    KILN_TRY(expect_lparen());
    const Token& head = peek();
    if (head.kind != TokenKind::kKeyword) return unexpected();
    std::string_view kw = head.text;
    next();
    uint32_t n = 0;
    if (kw == "record") {
      BinaryWriter body;
      while (at_form("field")) {
        next();
        next();
        KILN_ASSIGN_OR_RETURN(std::string l, expect_string());
        body.name(l);
        KILN_TRY(val_type(body));
        KILN_TRY(expect_rparen());
        ++n;
      }
      w.u8(0x72);
      w.u32(n);
      w.raw(body);
    } else if (kw == "variant") {
      BinaryWriter body;
      while (at_form("case")) {
        next();
        next();
        if (peek().kind == TokenKind::kId) next();
        KILN_ASSIGN_OR_RETURN(std::string l, expect_string());
        body.name(l);
        if (peek().kind != TokenKind::kRParen && !at_form("refines")) {
          body.u8(0x01);
          KILN_TRY(val_type(body));
        } else {
          body.u8(0x00);
        }
        if (at_form("refines")) return error(peek(), "`refines` is not supported");
        KILN_TRY(expect_rparen());
        body.u8(0x00);
        ++n;
      }
      w.u8(0x71);
      w.u32(n);
      w.raw(body);
    } else if (kw == "list") {
      BinaryWriter body;
      KILN_TRY(val_type(body));
      if (peek().kind == TokenKind::kNat) {
        KILN_ASSIGN_OR_RETURN(uint32_t len, parse_u32(peek()));
        next();
        w.u8(0x67);
        w.raw(body);
        w.u32(len);
      } else {
        w.u8(0x70);
        w.raw(body);
      }
    } else if (kw == "tuple") {
      BinaryWriter body;
      while (peek().kind != TokenKind::kRParen) {
        KILN_TRY(val_type(body));
        ++n;
      }
      w.u8(0x6f);
      w.u32(n);
      w.raw(body);
    } else if (kw == "flags" || kw == "enum") {
      BinaryWriter body;
      while (peek().kind == TokenKind::kString) {
        KILN_ASSIGN_OR_RETURN(std::string l, expect_string());
        body.name(l);
        ++n;
      }
      w.u8(kw == "flags" ? 0x6e : 0x6d);
      w.u32(n);
      w.raw(body);
    } else if (kw == "option") {
      w.u8(0x6b);
      KILN_TRY(val_type(w));
    } else if (kw == "result") {
      BinaryWriter body;
      if (peek().kind != TokenKind::kRParen && !at_form("error")) {
        body.u8(0x01);
        KILN_TRY(val_type(body));
      } else {
        body.u8(0x00);
      }
      if (at_form("error")) {
        next();
        next();
        body.u8(0x01);
        KILN_TRY(val_type(body));
        KILN_TRY(expect_rparen());
      } else {
        body.u8(0x00);
      }
      w.u8(0x6a);
      w.raw(body);
    } else if (kw == "own" || kw == "borrow") {
      KILN_ASSIGN_OR_RETURN(uint32_t i, index(kType));
      w.u8(kw == "own" ? 0x69 : 0x68);
      w.u32(i);
    } else if (kw == "stream" || kw == "future") {
      BinaryWriter body;
      KILN_TRY(opt_val_type(body));
      w.u8(kw == "stream" ? 0x66 : 0x65);
      w.raw(body);
    } else if (kw == "map") {
      BinaryWriter body;
      KILN_TRY(val_type(body));
      KILN_TRY(val_type(body));
      w.u8(0x63);
      w.raw(body);
    } else if (kw == "func") {
      KILN_TRY(func_type_rest(w));
      return ok();
    } else if (kw == "component" || kw == "instance") {
      KILN_TRY(type_decls(w, kw == "component"));
      return ok();
    } else if (kw == "resource") {
      KILN_TRY(expect_lparen());
      KILN_TRY(expect_keyword("rep"));
      w.u8(0x3f);
      KILN_TRY(core_val_type(w));
      KILN_TRY(expect_rparen());
      if (at_form("dtor")) {
        next();
        next();
        KILN_ASSIGN_OR_RETURN(uint32_t f, item_ref(kCoreFunc));
        KILN_TRY(expect_rparen());
        w.u8(0x01);
        w.u32(f);
      } else {
        w.u8(0x00);
      }
    } else {
      return error(head, "unexpected token");
    }
    return expect_rparen();
  }

  // After `(func`: async? (param "l" t)* (result t)? `)`.
  Expected<void> func_type_rest(BinaryWriter& w) {
    bool async = false;
    if (at_keyword("async")) {
      next();
      async = true;
    }
    BinaryWriter params;
    uint32_t n = 0;
    while (at_form("param")) {
      next();
      next();
      KILN_ASSIGN_OR_RETURN(std::string l, expect_string());
      params.name(l);
      KILN_TRY(val_type(params));
      KILN_TRY(expect_rparen());
      ++n;
    }
    BinaryWriter result;
    bool has_result = false;
    if (at_form("result")) {
      next();
      next();
      KILN_TRY(val_type(result));
      KILN_TRY(expect_rparen());
      has_result = true;
    }
    KILN_TRY(expect_rparen());
    w.u8(async ? 0x43 : 0x40);
    w.u32(n);
    w.raw(params);
    if (has_result) {
      w.u8(0x00);
      w.raw(result);
    } else {
      w.u8(0x01);
      w.u8(0x00);
    }
    return ok();
  }

  // After `(component` / `(instance` in a type: declarators through `)`.
  Expected<void> type_decls(BinaryWriter& w, bool component) {
    scopes_.emplace_back();
    cur().kind = component ? ScopeKind::kComponentType : ScopeKind::kInstanceType;
    while (peek().kind == TokenKind::kLParen) {
      std::string_view kw = peek(1).text;
      if (at_keyword("core", 1)) {
        if (!at_keyword("type", 2) && !at_keyword("rec", 2)) return error(peek(2), "unexpected token `" + std::string(peek(2).text) + "`");
        KILN_TRY(core_type_def());
      } else if (kw == "type") {
        KILN_TRY(type_def());
      } else if (kw == "alias") {
        KILN_TRY(alias_def());
      } else if (kw == "import") {
        if (!component) return error(peek(1), "unexpected token `" + std::string(peek(1).text) + "`");
        KILN_TRY(import_def());
      } else if (kw == "export") {
        KILN_TRY(export_decl());
      } else {
        return error(peek(1), "unexpected token `" + std::string(peek(1).text) + "`");
      }
    }
    KILN_TRY(expect_rparen());
    w.u8(component ? 0x41 : 0x42);
    w.u32(cur().num_decls);
    w.raw(cur().out);
    scopes_.pop_back();
    return ok();
  }

  // (type $id? deftype) or, in types, (type $id? (sub resource)) is not a definition.
  Expected<void> type_def() {
    const Token& at = peek();
    next();
    next();
    KILN_ASSIGN_OR_RETURN(auto id, optional_id());
    std::vector<std::string> exports;
    KILN_ASSIGN_OR_RETURN(exports, inline_export_names());
    BinaryWriter w;
    KILN_TRY(def_type(w));
    KILN_TRY(expect_rparen());
    KILN_TRY(emit(7, 1, w, at));
    KILN_ASSIGN_OR_RETURN(uint32_t idx, define(kType, id, at));
    return inline_exports(exports, kType, idx, at);
  }

  // A type use for an extern desc: (type idx) or inline (for funcs: params/results;
  // components/instances: declarators; modules: module declarators). Returns the type index.
  Expected<uint32_t> type_use(S kind, const Token& at) {
    if (at_type_ref()) {
      next();
      next();
      KILN_ASSIGN_OR_RETURN(uint32_t t, index(kType));
      KILN_TRY(expect_rparen());
      // An explicit type may be followed by a redundant inline copy.
      while (at_form("param") || at_form("result")) {
        KILN_ASSIGN_OR_RETURN(size_t close, matching_paren(pos_));
        pos_ = close + 1;
      }
      return t;
    }
    BinaryWriter d;
    if (kind == kFunc) {
      // func_type_rest consumes the closing paren of the enclosing form; parse manually.
      KILN_TRY(func_sig_inline(d));
    } else {
      // Inline declarators up to the enclosing `)`, which the caller consumes.
      KILN_TRY(inline_type_decls(d, kind == kComponent));
    }
    KILN_TRY(emit(7, 1, d, at));
    return define(kType, std::nullopt, at);
  }

  Expected<void> func_sig_inline(BinaryWriter& w) {
    bool async = false;
    if (at_keyword("async")) {
      next();
      async = true;
    }
    BinaryWriter params;
    uint32_t n = 0;
    while (at_form("param")) {
      next();
      next();
      KILN_ASSIGN_OR_RETURN(std::string l, expect_string());
      params.name(l);
      KILN_TRY(val_type(params));
      KILN_TRY(expect_rparen());
      ++n;
    }
    BinaryWriter result;
    bool has_result = false;
    if (at_form("result")) {
      next();
      next();
      KILN_TRY(val_type(result));
      KILN_TRY(expect_rparen());
      has_result = true;
    }
    w.u8(async ? 0x43 : 0x40);
    w.u32(n);
    w.raw(params);
    if (has_result) {
      w.u8(0x00);
      w.raw(result);
    } else {
      w.u8(0x01);
      w.u8(0x00);
    }
    return ok();
  }

  Expected<void> inline_type_decls(BinaryWriter& w, bool component) {
    // Reuse type_decls, which expects to consume the closing paren: parse into a scope and
    // stop before the `)`.
    scopes_.emplace_back();
    cur().kind = component ? ScopeKind::kComponentType : ScopeKind::kInstanceType;
    while (peek().kind == TokenKind::kLParen) {
      std::string_view kw = peek(1).text;
      if (at_keyword("core", 1)) {
        if (!at_keyword("type", 2) && !at_keyword("rec", 2)) return error(peek(2), "unexpected token `" + std::string(peek(2).text) + "`");
        KILN_TRY(core_type_def());
      } else if (kw == "type") {
        KILN_TRY(type_def());
      } else if (kw == "alias") {
        KILN_TRY(alias_def());
      } else if (kw == "import") {
        if (!component) return error(peek(1), "unexpected token `" + std::string(peek(1).text) + "`");
        KILN_TRY(import_def());
      } else if (kw == "export") {
        KILN_TRY(export_decl());
      } else {
        return error(peek(1), "unexpected token `" + std::string(peek(1).text) + "`");
      }
    }
    w.u8(component ? 0x41 : 0x42);
    w.u32(cur().num_decls);
    w.raw(cur().out);
    scopes_.pop_back();
    return ok();
  }

  // A core module type use in an import: (type i) or inline module declarators, up to `)`.
  Expected<uint32_t> module_type_use() {
    // The caller pushed a module-type scope for inline declarators; pop it in both cases.
    const Token& at = peek();
    if (at_type_ref()) {
      scopes_.pop_back();
      next();
      next();
      KILN_ASSIGN_OR_RETURN(uint32_t t, index(kCoreType));
      KILN_TRY(expect_rparen());
      return t;
    }
    scopes_.pop_back();
    // Parse inline declarators as a module type body, hoisted as a core type.
    BinaryWriter d;
    KILN_TRY(module_type_decls_until_rparen(d));
    KILN_TRY(emit(3, 0, d, at, 1));
    return define(kCoreType, std::nullopt, at);
  }

  Expected<void> module_type_decls_until_rparen(BinaryWriter& w) {
    // module_type_body consumes the final `)`; step back so the caller's `)` stays.
    KILN_TRY(module_type_body(w));
    --pos_;
    return ok();
  }

  // An extern type: (func $id? typeuse) (component $id? ...) (instance $id? ...)
  // (core module $id? ...) (type $id? bound) (value $id? ...). Writes the externdesc; returns
  // the sort and the id to bind.
  Expected<std::pair<S, std::optional<std::string>>> extern_desc(BinaryWriter& w) {
    const Token& at = peek();
    KILN_TRY(expect_lparen());
    if (at_keyword("core")) {
      next();
      KILN_TRY(expect_keyword("module"));
      KILN_ASSIGN_OR_RETURN(auto id, optional_id());
      uint32_t t;
      if (at_type_ref()) {
        next();
        next();
        KILN_ASSIGN_OR_RETURN(t, index(kCoreType));
        KILN_TRY(expect_rparen());
      } else {
        BinaryWriter d;
        KILN_TRY(module_type_decls_until_rparen(d));
        KILN_TRY(emit(3, 0, d, at, 1));
        KILN_ASSIGN_OR_RETURN(t, define(kCoreType, std::nullopt, at));
      }
      KILN_TRY(expect_rparen());
      w.u8(0x00);
      w.u8(0x11);
      w.u32(t);
      return std::make_pair(kCoreModule, id);
    }
    if (peek().kind != TokenKind::kKeyword) return unexpected();
    std::string_view kw = next().text;
    KILN_ASSIGN_OR_RETURN(auto id, optional_id());
    if (kw == "func" || kw == "component" || kw == "instance") {
      S s = kw == "func" ? kFunc : kw == "component" ? kComponent : kInstance;
      KILN_ASSIGN_OR_RETURN(uint32_t t, type_use(s, at));
      KILN_TRY(expect_rparen());
      w.u8(s == kFunc ? 0x01 : s == kComponent ? 0x04 : 0x05);
      w.u32(t);
      return std::make_pair(s, id);
    }
    if (kw == "type") {
      w.u8(0x03);
      if (at_form("sub")) {
        next();
        next();
        KILN_TRY(expect_keyword("resource"));
        KILN_TRY(expect_rparen());
        w.u8(0x01);
      } else if (at_form("eq")) {
        next();
        next();
        KILN_ASSIGN_OR_RETURN(uint32_t t, index(kType));
        KILN_TRY(expect_rparen());
        w.u8(0x00);
        w.u32(t);
      } else {
        // (type $id deftype): a definition followed by an eq bound.
        BinaryWriter d;
        KILN_TRY(def_type(d));
        KILN_TRY(emit(7, 1, d, at));
        KILN_ASSIGN_OR_RETURN(uint32_t t, define(kType, std::nullopt, at));
        w.u8(0x00);
        w.u32(t);
      }
      KILN_TRY(expect_rparen());
      return std::make_pair(kType, id);
    }
    if (kw == "value") {
      w.u8(0x02);
      if (at_form("eq")) {
        next();
        next();
        KILN_ASSIGN_OR_RETURN(uint32_t v, index(kValue));
        KILN_TRY(expect_rparen());
        w.u8(0x00);
        w.u32(v);
      } else {
        w.u8(0x01);
        KILN_TRY(val_type(w));
      }
      KILN_TRY(expect_rparen());
      return std::make_pair(kValue, id);
    }
    return error(at, "unexpected token");
  }

  // (import name externtype)
  Expected<void> import_def() {
    const Token& at = peek();
    next();
    next();
    BinaryWriter w;
    KILN_TRY(extern_name(w));
    KILN_ASSIGN_OR_RETURN(auto desc, extern_desc(w));
    KILN_TRY(expect_rparen());
    KILN_TRY(emit(10, 3, w, at));
    KILN_TRY(define(desc.first, desc.second, at));
    return ok();
  }

  // (export name externtype) in component/instance types.
  Expected<void> export_decl() {
    const Token& at = peek();
    next();
    next();
    BinaryWriter w;
    KILN_TRY(extern_name(w));
    KILN_ASSIGN_OR_RETURN(auto desc, extern_desc(w));
    KILN_TRY(expect_rparen());
    KILN_TRY(emit(11, 4, w, at));
    KILN_TRY(define(desc.first, desc.second, at));
    return ok();
  }

  // (export $id? name (sort idx) externtype?) in components.
  Expected<void> export_def() {
    if (cur().kind != ScopeKind::kComponent) return export_decl();
    const Token& at = peek();
    next();
    next();
    KILN_ASSIGN_OR_RETURN(auto id, optional_id());
    BinaryWriter w;
    KILN_TRY(extern_name(w));
    KILN_ASSIGN_OR_RETURN(auto item, any_item_ref());
    write_sort(w, item.first);
    w.u32(item.second);
    if (peek().kind == TokenKind::kLParen) {
      w.u8(0x01);
      KILN_TRY(extern_desc(w));
    } else {
      w.u8(0x00);
    }
    KILN_TRY(expect_rparen());
    KILN_TRY(emit(11, -1, w, at));
    KILN_TRY(define(item.first, id, at));
    return ok();
  }

  Expected<void> nested_component() {
    const Token& at = peek();
    next();
    next();
    KILN_ASSIGN_OR_RETURN(auto id, optional_id());
    KILN_ASSIGN_OR_RETURN(auto exports, inline_export_names());
    if (at_import_abbrev()) {
      next();
      next();
      BinaryWriter w;
      KILN_TRY(extern_name(w));
      KILN_TRY(expect_rparen());
      KILN_ASSIGN_OR_RETURN(uint32_t t, type_use(kComponent, at));
      KILN_TRY(expect_rparen());
      w.u8(0x04);
      w.u32(t);
      KILN_TRY(emit(10, 3, w, at));
      KILN_ASSIGN_OR_RETURN(uint32_t idx, define(kComponent, id, at));
      return inline_exports(exports, kComponent, idx, at);
    }
    BinaryWriter w;
    if (at_keyword("binary")) {
      next();
      while (peek().kind == TokenKind::kString) {
        KILN_ASSIGN_OR_RETURN(std::string s, decode_string(next()));
        w.raw(s.data(), s.size());
      }
      KILN_TRY(expect_rparen());
    } else {
      KILN_TRY(component_body(w, id));
    }
    KILN_TRY(emit(4, -1, w, at));
    KILN_ASSIGN_OR_RETURN(uint32_t idx, define(kComponent, id, at));
    return inline_exports(exports, kComponent, idx, at);
  }

  Expected<void> instance_def() {
    const Token& at = peek();
    next();
    next();
    KILN_ASSIGN_OR_RETURN(auto id, optional_id());
    KILN_ASSIGN_OR_RETURN(auto exports, inline_export_names());
    if (at_import_abbrev()) {
      next();
      next();
      BinaryWriter w;
      KILN_TRY(extern_name(w));
      KILN_TRY(expect_rparen());
      KILN_ASSIGN_OR_RETURN(uint32_t t, type_use(kInstance, at));
      KILN_TRY(expect_rparen());
      w.u8(0x05);
      w.u32(t);
      KILN_TRY(emit(10, 3, w, at));
      KILN_ASSIGN_OR_RETURN(uint32_t idx, define(kInstance, id, at));
      return inline_exports(exports, kInstance, idx, at);
    }
    if (at_form("alias")) {
      next();
      next();
      KILN_TRY(expect_keyword("export"));
      KILN_ASSIGN_OR_RETURN(uint32_t inst, index(kInstance));
      KILN_ASSIGN_OR_RETURN(std::string nm, expect_string());
      KILN_TRY(expect_rparen());
      KILN_TRY(expect_rparen());
      KILN_ASSIGN_OR_RETURN(uint32_t idx, export_alias(kInstance, inst, nm, id, at));
      return inline_exports(exports, kInstance, idx, at);
    }
    if (at_form("instantiate")) {
      next();
      next();
      KILN_ASSIGN_OR_RETURN(uint32_t c, item_ref(kComponent));
      BinaryWriter args;
      uint32_t n = 0;
      while (at_form("with")) {
        next();
        next();
        KILN_ASSIGN_OR_RETURN(std::string nm, expect_string());
        std::pair<S, uint32_t> item;
        if (at_form("instance") && peek(2).kind == TokenKind::kLParen) {
          next();
          next();
          KILN_ASSIGN_OR_RETURN(uint32_t i, inline_instance(std::nullopt, at));
          item = {kInstance, i};
        } else {
          KILN_ASSIGN_OR_RETURN(item, any_item_ref());
        }
        KILN_TRY(expect_rparen());
        args.name(nm);
        write_sort(args, item.first);
        args.u32(item.second);
        ++n;
      }
      KILN_TRY(expect_rparen());
      KILN_TRY(expect_rparen());
      BinaryWriter w;
      w.u8(0x00);
      w.u32(c);
      w.u32(n);
      w.raw(args);
      KILN_TRY(emit(5, -1, w, at));
      KILN_ASSIGN_OR_RETURN(uint32_t idx, define(kInstance, id, at));
      return inline_exports(exports, kInstance, idx, at);
    }
    KILN_ASSIGN_OR_RETURN(uint32_t idx, inline_instance(id, at));
    return inline_exports(exports, kInstance, idx, at);
  }

  // Inline exports (export "n" (sort idx))* through `)`: defines an instance.
  Expected<uint32_t> inline_instance(std::optional<std::string> id, const Token& at) {
    BinaryWriter body;
    uint32_t n = 0;
    while (at_form("export")) {
      next();
      next();
      KILN_TRY(extern_name(body));
      KILN_ASSIGN_OR_RETURN(auto item, any_item_ref());
      write_sort(body, item.first);
      body.u32(item.second);
      KILN_TRY(expect_rparen());
      ++n;
    }
    KILN_TRY(expect_rparen());
    BinaryWriter w;
    w.u8(0x01);
    w.u32(n);
    w.raw(body);
    KILN_TRY(emit(5, -1, w, at));
    return define(kInstance, id, at);
  }

  Expected<uint32_t> outer_count() {
    const Token& t = peek();
    if (t.kind == TokenKind::kNat) {
      next();
      return parse_u32(t);
    }
    if (t.kind != TokenKind::kId) return unexpected();
    next();
    KILN_ASSIGN_OR_RETURN(std::string id, decode_id(t));
    for (size_t d = 0; d < scopes_.size(); ++d) {
      const Scope& s = scopes_[scopes_.size() - 1 - d];
      if (s.id && *s.id == id) return static_cast<uint32_t>(d);
    }
    return error(t, "outer component `" + id + "` not found");
  }

  Expected<uint32_t> outer_index(uint32_t count, S sort) {
    const Token& t = peek();
    if (t.kind == TokenKind::kNat) {
      next();
      return parse_u32(t);
    }
    if (t.kind != TokenKind::kId) return unexpected();
    next();
    KILN_ASSIGN_OR_RETURN(std::string id, decode_id(t));
    if (count >= scopes_.size()) return error(t, "invalid outer alias count");
    const Scope& s = scopes_[scopes_.size() - 1 - count];
    auto it = s.names[sort].find(id);
    if (it == s.names[sort].end())
      return error(t, "unknown " + std::string(kSortNames[sort]) + ": failed to find name `$" + id + "`");
    return it->second;
  }

  // (alias export $i "n" (sort $id?)) (alias core export $i "n" (core sort $id?))
  // (alias outer $c $t (sort $id?))
  Expected<void> alias_def() {
    const Token& at = peek();
    next();
    next();
    if (at_keyword("outer")) {
      next();
      KILN_ASSIGN_OR_RETURN(uint32_t count, outer_count());
      size_t save = pos_;
      // The sort comes after the index; peek past it.
      next();
      size_t used;
      if (peek().kind != TokenKind::kLParen) return unexpected();
      auto s = peek_sort(1, &used);
      if (!s) return error(peek(1), "unexpected token `" + std::string(peek(1).text) + "`");
      pos_ = save;
      KILN_ASSIGN_OR_RETURN(uint32_t idx, outer_index(count, *s));
      next();
      for (size_t i = 0; i < used; ++i) next();
      KILN_ASSIGN_OR_RETURN(auto id, optional_id());
      KILN_TRY(expect_rparen());
      KILN_TRY(expect_rparen());
      BinaryWriter w;
      write_sort(w, *s);
      w.u8(0x02);
      w.u32(count);
      w.u32(idx);
      KILN_TRY(emit(6, 2, w, at));
      KILN_TRY(define(*s, id, at));
      return ok();
    }
    bool core = false;
    if (at_keyword("core")) {
      next();
      core = true;
    }
    KILN_TRY(expect_keyword("export"));
    KILN_ASSIGN_OR_RETURN(uint32_t inst, index(core ? kCoreInstance : kInstance));
    KILN_ASSIGN_OR_RETURN(std::string nm, expect_string());
    KILN_TRY(expect_lparen());
    size_t used;
    auto s = peek_sort(0, &used);
    if (!s) return unexpected();
    for (size_t i = 0; i < used; ++i) next();
    KILN_ASSIGN_OR_RETURN(auto id, optional_id());
    KILN_TRY(expect_rparen());
    KILN_TRY(expect_rparen());
    KILN_TRY(export_alias(*s, inst, nm, id, at));
    return ok();
  }

  // Canonical options until `)` or a (func ...)/(core func ...)/(type ...) target form.
  Expected<uint32_t> canon_opts(BinaryWriter& w) {
    uint32_t n = 0;
    for (;;) {
      const Token& t = peek();
      if (t.kind == TokenKind::kKeyword) {
        if (t.text == "string-encoding=utf8") w.u8(0x00);
        else if (t.text == "string-encoding=utf16") w.u8(0x01);
        else if (t.text == "string-encoding=latin1+utf16") w.u8(0x02);
        else if (t.text == "async") w.u8(0x06);
        else if (t.text == "gc") w.u8(0x09);
        else return unexpected();
        next();
        ++n;
        continue;
      }
      if (at_form("memory")) {
        next();
        next();
        KILN_ASSIGN_OR_RETURN(uint32_t m, item_ref(kCoreMemory));
        KILN_TRY(expect_rparen());
        w.u8(0x03);
        w.u32(m);
      } else if (at_form("core-type")) {
        next();
        next();
        KILN_ASSIGN_OR_RETURN(uint32_t ty, item_ref(kCoreType));
        KILN_TRY(expect_rparen());
        w.u8(0x08);
        w.u32(ty);
      } else if (at_form("realloc") || at_form("post-return") || at_form("callback")) {
        uint8_t code = at_keyword("realloc", 1) ? 0x04 : at_keyword("post-return", 1) ? 0x05 : 0x07;
        next();
        next();
        KILN_ASSIGN_OR_RETURN(uint32_t f, item_ref(kCoreFunc));
        KILN_TRY(expect_rparen());
        w.u8(code);
        w.u32(f);
      } else {
        break;
      }
      ++n;
    }
    return n;
  }

  // (canon lift ... (func $id? typeuse)) / (canon lower ... (core func $id?)) / builtins.
  Expected<void> canon_def() {
    const Token& at = peek();
    next();
    next();
    if (at_keyword("lift")) {
      next();
      KILN_ASSIGN_OR_RETURN(uint32_t f, item_ref(kCoreFunc));
      BinaryWriter opts;
      KILN_ASSIGN_OR_RETURN(uint32_t n, canon_opts(opts));
      KILN_TRY(expect_lparen());
      KILN_TRY(expect_keyword("func"));
      KILN_ASSIGN_OR_RETURN(auto id, optional_id());
      KILN_ASSIGN_OR_RETURN(uint32_t t, type_use(kFunc, at));
      KILN_TRY(expect_rparen());
      KILN_TRY(expect_rparen());
      BinaryWriter w;
      w.u8(0x00);
      w.u8(0x00);
      w.u32(f);
      w.u32(n);
      w.raw(opts);
      w.u32(t);
      KILN_TRY(emit(8, -1, w, at));
      KILN_TRY(define(kFunc, id, at));
      return ok();
    }
    return canon_body_with_target(at);
  }

  Expected<void> canon_body_with_target(const Token& at) {
    // The built-in's immediates, then (core func $id?).
    BinaryWriter w;
    KILN_TRY(canon_builtin(w));
    KILN_TRY(expect_lparen());
    KILN_TRY(expect_keyword("core"));
    KILN_TRY(expect_keyword("func"));
    KILN_ASSIGN_OR_RETURN(auto id, optional_id());
    KILN_TRY(expect_rparen());
    KILN_TRY(expect_rparen());
    KILN_TRY(emit(8, -1, w, at));
    KILN_TRY(define(kCoreFunc, id, at));
    return ok();
  }

  // Inside (core func $id? (canon ...)): after `canon`, through the canon form's `)`.
  Expected<void> canon_body(const std::optional<std::string>& id, const Token& at) {
    BinaryWriter w;
    if (at_keyword("lift")) return error(peek(), "unexpected token");
    KILN_TRY(canon_builtin(w));
    KILN_TRY(expect_rparen());
    KILN_TRY(emit(8, -1, w, at));
    KILN_TRY(define(kCoreFunc, id, at));
    return ok();
  }

  Expected<bool> optional_flag(std::string_view kw) {
    if (at_keyword(kw)) {
      next();
      return true;
    }
    return false;
  }

  // A canon built-in other than lift, after `canon`: its name and immediates.
  Expected<void> canon_builtin(BinaryWriter& w) {
    const Token& t = peek();
    if (t.kind != TokenKind::kKeyword) return unexpected();
    std::string_view kw = t.text;
    next();
    auto type_imm = [&](uint8_t op) -> Expected<void> {
      KILN_ASSIGN_OR_RETURN(uint32_t ty, item_ref(kType));
      w.u8(op);
      w.u32(ty);
      return ok();
    };
    auto opts_imm = [&]() -> Expected<void> {
      BinaryWriter o;
      KILN_ASSIGN_OR_RETURN(uint32_t n, canon_opts(o));
      w.u32(n);
      w.raw(o);
      return ok();
    };
    auto flag_imm = [&](std::string_view flag) -> Expected<void> {
      KILN_ASSIGN_OR_RETURN(bool f, optional_flag(flag));
      w.u8(f ? 1 : 0);
      return ok();
    };
    static constexpr std::pair<const char*, uint8_t> kTypeOnly[] = {
        {"resource.new", 0x02},         {"resource.drop", 0x03},
        {"resource.rep", 0x04},         {"stream.new", 0x0e},
        {"stream.drop-readable", 0x13}, {"stream.drop-writable", 0x14},
        {"future.new", 0x15},           {"future.drop-readable", 0x1a},
        {"future.drop-writable", 0x1b}};
    static constexpr std::pair<const char*, uint8_t> kTypeOpts[] = {
        {"stream.read", 0x0f}, {"stream.write", 0x10}, {"future.read", 0x16}, {"future.write", 0x17}};
    static constexpr std::pair<const char*, uint8_t> kTypeAsync[] = {
        {"stream.cancel-read", 0x11}, {"stream.cancel-write", 0x12},
        {"future.cancel-read", 0x18}, {"future.cancel-write", 0x19}};
    static constexpr std::pair<const char*, uint8_t> kNone[] = {
        {"backpressure.inc", 0x24}, {"backpressure.dec", 0x25}, {"task.cancel", 0x05},
        {"subtask.drop", 0x0d},     {"error-context.drop", 0x1e}, {"waitable-set.new", 0x1f},
        {"waitable-set.drop", 0x22}, {"waitable.join", 0x23},     {"thread.index", 0x26},
        {"thread.resume-later", 0x28}};
    static constexpr std::pair<const char*, uint8_t> kCancel[] = {
        {"thread.suspend", 0x29},              {"thread.yield", 0x0c},
        {"thread.suspend-then-resume", 0x2a},  {"thread.yield-then-resume", 0x2b},
        {"thread.suspend-then-promote", 0x2c}, {"thread.yield-then-promote", 0x2d}};
    for (const auto& [n, op] : kTypeOnly)
      if (kw == n) {
        KILN_TRY(type_imm(op));
        if (op == 0x03 && at_keyword("async"))
          return error(peek(), "`resource.drop async` is not supported");
        return ok();
      }
    for (const auto& [n, op] : kTypeOpts)
      if (kw == n) {
        KILN_TRY(type_imm(op));
        return opts_imm();
      }
    for (const auto& [n, op] : kTypeAsync)
      if (kw == n) {
        KILN_TRY(type_imm(op));
        return flag_imm("async");
      }
    for (const auto& [n, op] : kNone)
      if (kw == n) {
        w.u8(op);
        return ok();
      }
    for (const auto& [n, op] : kCancel)
      if (kw == n) {
        w.u8(op);
        return flag_imm("cancellable");
      }
    if (kw == "lower") {
      KILN_ASSIGN_OR_RETURN(uint32_t f, item_ref(kFunc));
      w.u8(0x01);
      w.u8(0x00);
      w.u32(f);
      return opts_imm();
    }
    if (kw == "task.return") {
      w.u8(0x09);
      if (at_form("result")) {
        next();
        next();
        w.u8(0x00);
        KILN_TRY(val_type(w));
        KILN_TRY(expect_rparen());
      } else {
        w.u8(0x01);
        w.u8(0x00);
      }
      return opts_imm();
    }
    if (kw == "context.get" || kw == "context.set") {
      w.u8(kw == "context.get" ? 0x0a : 0x0b);
      KILN_TRY(core_val_type(w));
      KILN_ASSIGN_OR_RETURN(uint32_t i, parse_u32(peek()));
      next();
      w.u32(i);
      return ok();
    }
    if (kw == "subtask.cancel") {
      w.u8(0x06);
      return flag_imm("async");
    }
    if (kw == "error-context.new" || kw == "error-context.debug-message") {
      w.u8(kw == "error-context.new" ? 0x1c : 0x1d);
      return opts_imm();
    }
    if (kw == "waitable-set.wait" || kw == "waitable-set.poll") {
      w.u8(kw == "waitable-set.wait" ? 0x20 : 0x21);
      KILN_TRY(flag_imm("cancellable"));
      KILN_TRY(expect_lparen());
      KILN_TRY(expect_keyword("memory"));
      KILN_ASSIGN_OR_RETURN(uint32_t m, item_ref_inner(kCoreMemory));
      w.u32(m);
      return ok();
    }
    if (kw == "thread.new-indirect" || kw == "thread.spawn-indirect" || kw == "thread.spawn-ref" ||
        kw == "thread.available-parallelism") {
      uint8_t op = kw == "thread.new-indirect" ? 0x27 : kw == "thread.spawn-indirect" ? 0x41
                   : kw == "thread.spawn-ref" ? 0x40 : 0x42;
      w.u8(op);
      if (op != 0x27) {
        KILN_TRY(flag_imm("shared"));
      }
      if (op == 0x42) return ok();
      KILN_ASSIGN_OR_RETURN(uint32_t ft, item_ref(kCoreType));
      w.u32(ft);
      if (op == 0x40) return ok();
      KILN_ASSIGN_OR_RETURN(uint32_t tb, item_ref(kCoreTable));
      w.u32(tb);
      return ok();
    }
    return error(t, "unknown canonical built-in `" + std::string(kw) + "`");
  }

  // After `(memory` / `(table`: an index or a `(core memory ...)` reference, then `)`.
  Expected<uint32_t> item_ref_inner(S sort) {
    KILN_ASSIGN_OR_RETURN(uint32_t i, item_ref(sort));
    KILN_TRY(expect_rparen());
    return i;
  }

  // (func $id? (export "n")* (import "n") typeuse) | (func $id? (export..)* typeuse
  // (canon lift ...)) | (func $id? (export..)* (alias export $i "n")).
  Expected<void> func_def() {
    const Token& at = peek();
    next();
    next();
    KILN_ASSIGN_OR_RETURN(auto id, optional_id());
    KILN_ASSIGN_OR_RETURN(auto exports, inline_export_names());
    uint32_t idx;
    if (at_import_abbrev()) {
      next();
      next();
      BinaryWriter w;
      KILN_TRY(extern_name(w));
      KILN_TRY(expect_rparen());
      KILN_ASSIGN_OR_RETURN(uint32_t t, type_use(kFunc, at));
      KILN_TRY(expect_rparen());
      w.u8(0x01);
      w.u32(t);
      KILN_TRY(emit(10, 3, w, at));
      KILN_ASSIGN_OR_RETURN(idx, define(kFunc, id, at));
    } else if (at_form("alias")) {
      next();
      next();
      KILN_TRY(expect_keyword("export"));
      KILN_ASSIGN_OR_RETURN(uint32_t inst, index(kInstance));
      KILN_ASSIGN_OR_RETURN(std::string nm, expect_string());
      KILN_TRY(expect_rparen());
      KILN_TRY(expect_rparen());
      KILN_ASSIGN_OR_RETURN(idx, export_alias(kFunc, inst, nm, id, at));
    } else {
      KILN_ASSIGN_OR_RETURN(uint32_t t, type_use(kFunc, at));
      if (!at_form("canon")) return unexpected();
      next();
      next();
      KILN_TRY(expect_keyword("lift"));
      KILN_ASSIGN_OR_RETURN(uint32_t f, item_ref(kCoreFunc));
      BinaryWriter opts;
      KILN_ASSIGN_OR_RETURN(uint32_t n, canon_opts(opts));
      KILN_TRY(expect_rparen());
      KILN_TRY(expect_rparen());
      BinaryWriter w;
      w.u8(0x00);
      w.u8(0x00);
      w.u32(f);
      w.u32(n);
      w.raw(opts);
      w.u32(t);
      KILN_TRY(emit(8, -1, w, at));
      KILN_ASSIGN_OR_RETURN(idx, define(kFunc, id, at));
    }
    return inline_exports(exports, kFunc, idx, at);
  }

  // (start $f (value $v)* (result (value $id?))*)
  Expected<void> start_def() {
    const Token& at = peek();
    next();
    next();
    KILN_ASSIGN_OR_RETURN(uint32_t f, index(kFunc));
    std::vector<uint32_t> args;
    while (at_form("value")) {
      next();
      next();
      KILN_ASSIGN_OR_RETURN(uint32_t v, index(kValue));
      KILN_TRY(expect_rparen());
      args.push_back(v);
    }
    std::vector<std::optional<std::string>> results;
    while (at_form("result")) {
      next();
      next();
      KILN_TRY(expect_lparen());
      KILN_TRY(expect_keyword("value"));
      KILN_ASSIGN_OR_RETURN(auto id, optional_id());
      KILN_TRY(expect_rparen());
      KILN_TRY(expect_rparen());
      results.push_back(id);
    }
    KILN_TRY(expect_rparen());
    BinaryWriter w;
    w.u32(f);
    w.u32(static_cast<uint32_t>(args.size()));
    for (uint32_t a : args) w.u32(a);
    w.u32(static_cast<uint32_t>(results.size()));
    KILN_TRY(emit(9, -1, w, at));
    for (auto& r : results) KILN_TRY(define(kValue, r, at));
    return ok();
  }

  std::string_view text_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
  std::vector<Scope> scopes_;
};

}  // namespace

Expected<std::vector<uint8_t>> parse_component(std::string_view text) {
  KILN_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize(text));
  Parser p(text, std::move(tokens));
  return p.run();
}

}  // namespace kiln::wat
