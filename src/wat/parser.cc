// wat/parser.cc: text module to binary: parse_module(), the token helpers, identifier
// resolution, types and typeuses, every module field, and the final section assembly.
// Instructions live in parser_instr.cc; the shared state is described in parser_impl.h.
#include <algorithm>
#include <unordered_set>

#include "wat/parser_impl.h"
#include "wat/wat.h"

namespace kiln::wat {
namespace detail {

using wasm::FuncType;
using wasm::HeapKind;
using wasm::HeapType;
using wasm::ValKind;
using wasm::ValType;

namespace {

// Keywords of the text and script formats that are not instruction mnemonics. A word the
// reference lexer does not know is an "unknown operator"; a known word in the wrong place
// is an "unexpected token".
const std::unordered_set<std::string_view>& reserved_words() {
  static const auto* words = new std::unordered_set<std::string_view>{"module",
                                                                      "type",
                                                                      "func",
                                                                      "param",
                                                                      "result",
                                                                      "local",
                                                                      "global",
                                                                      "table",
                                                                      "memory",
                                                                      "elem",
                                                                      "data",
                                                                      "import",
                                                                      "export",
                                                                      "start",
                                                                      "mut",
                                                                      "sub",
                                                                      "final",
                                                                      "rec",
                                                                      "struct",
                                                                      "array",
                                                                      "field",
                                                                      "i8",
                                                                      "i16",
                                                                      "i32",
                                                                      "i64",
                                                                      "f32",
                                                                      "f64",
                                                                      "v128",
                                                                      "funcref",
                                                                      "externref",
                                                                      "anyref",
                                                                      "eqref",
                                                                      "i31ref",
                                                                      "structref",
                                                                      "arrayref",
                                                                      "nullref",
                                                                      "nullfuncref",
                                                                      "nullexternref",
                                                                      "exnref",
                                                                      "nullexnref",
                                                                      "ref",
                                                                      "null",
                                                                      "extern",
                                                                      "any",
                                                                      "eq",
                                                                      "i31",
                                                                      "none",
                                                                      "nofunc",
                                                                      "noextern",
                                                                      "exn",
                                                                      "noexn",
                                                                      "offset",
                                                                      "item",
                                                                      "declare",
                                                                      "then",
                                                                      "do",
                                                                      "shared",
                                                                      "pagesize",
                                                                      "tag",
                                                                      "quote",
                                                                      "binary",
                                                                      "definition",
                                                                      "instance",
                                                                      "catch_ref",
                                                                      "catch_all_ref",
                                                                      "i8x16",
                                                                      "i16x8",
                                                                      "i32x4",
                                                                      "i64x2",
                                                                      "f32x4",
                                                                      "f64x2",
                                                                      "nan:arithmetic",
                                                                      "nan:canonical",
                                                                      "register",
                                                                      "invoke",
                                                                      "get",
                                                                      "assert_return",
                                                                      "assert_trap",
                                                                      "assert_exhaustion",
                                                                      "assert_invalid",
                                                                      "assert_malformed",
                                                                      "assert_unlinkable",
                                                                      "assert_exception",
                                                                      "script",
                                                                      "input",
                                                                      "output",
                                                                      "either",
                                                                      "thread",
                                                                      "wait",
                                                                      "cont",
                                                                      "nocont"};
  return *words;
}

bool is_nat_syntax(std::string_view s) {
  bool hex = s.size() > 2 && s[0] == '0' && s[1] == 'x';
  size_t i = hex ? 2 : 0;
  if (i >= s.size()) return false;
  bool prev_digit = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    bool digit =
        (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
    if (digit) {
      prev_digit = true;
    } else if (c == '_' && prev_digit && i + 1 < s.size()) {
      prev_digit = false;
    } else {
      return false;
    }
  }
  return prev_digit;
}

}  // namespace

bool is_known_word(std::string_view w) {
  if (reserved_words().count(w)) return true;
  if (mnemonic_lookup(w).has_value()) return true;
  for (std::string_view prefix : {"offset=", "align="}) {
    if (w.substr(0, prefix.size()) == prefix) return is_nat_syntax(w.substr(prefix.size()));
  }
  return false;
}

Expected<uint64_t> parse_keyword_nat(const Token& t, size_t prefix_len) {
  std::string_view rest = t.text.substr(prefix_len);
  if (!is_nat_syntax(rest)) return Error(ErrorKind::kMalformed, "unknown operator", t.loc());
  Token n = t;
  n.kind = TokenKind::kNat;
  n.text = rest;
  return parse_u64(n);
}

// ---------------------------------------------------------------- token helpers

Error Parser::unexpected(const Token& t) const {
  if (t.kind == TokenKind::kEof) return error(t, "unexpected end");
  if (t.kind == TokenKind::kReserved || (t.kind == TokenKind::kKeyword && !is_known_word(t.text))) {
    return error(t, "unknown operator " + std::string(t.text));
  }
  return error(t, "unexpected token");
}

Expected<void> Parser::expect_lparen() {
  if (peek().kind != TokenKind::kLParen) return unexpected(peek());
  next();
  return ok();
}

Expected<void> Parser::expect_rparen() {
  if (peek().kind != TokenKind::kRParen) return unexpected(peek());
  next();
  return ok();
}

Expected<void> Parser::expect_keyword(std::string_view kw) {
  if (!at_keyword(kw)) return unexpected(peek());
  next();
  return ok();
}

Expected<std::string> Parser::parse_name_string() {
  if (peek().kind != TokenKind::kString) return unexpected(peek());
  return decode_name(next());
}

Expected<size_t> Parser::skip_form(size_t p) const {
  size_t depth = 0;
  for (size_t i = p; i < toks_.size(); ++i) {
    switch (toks_[i].kind) {
      case TokenKind::kLParen:
        ++depth;
        break;
      case TokenKind::kRParen:
        if (depth == 0) return unexpected(toks_[i]);
        if (--depth == 0) return i + 1;
        break;
      case TokenKind::kEof:
        return error(toks_[i], "unexpected end");
      default:
        break;
    }
  }
  return error(toks_.back(), "unexpected end");
}

// ---------------------------------------------------------------- identifiers

Expected<std::optional<std::string>> Parser::parse_opt_id() {
  if (peek().kind != TokenKind::kId) return std::optional<std::string>();
  KILN_ASSIGN_OR_RETURN(std::string id, decode_id(next()));
  return std::optional<std::string>(std::move(id));
}

Expected<void> Parser::bind(Space& space, const Token& id_tok, uint32_t index) {
  KILN_ASSIGN_OR_RETURN(std::string id, decode_id(id_tok));
  if (!space.ids.emplace(id, index).second) {
    return error(id_tok, std::string("duplicate ") + space.dup_what);
  }
  space.names.emplace_back(index, std::move(id));
  return ok();
}

Expected<uint32_t> Parser::resolve(const Space& space, const Token& t) const {
  if (t.kind == TokenKind::kNat) return parse_u32(t);
  if (t.kind != TokenKind::kId) return unexpected(t);
  KILN_ASSIGN_OR_RETURN(std::string id, decode_id(t));
  auto it = space.ids.find(id);
  if (it == space.ids.end()) {
    return error(t, std::string("unknown ") + space.what + " " + std::string(t.text));
  }
  return it->second;
}

Expected<uint32_t> Parser::parse_var(const Space& space) {
  KILN_ASSIGN_OR_RETURN(uint32_t v, resolve(space, peek()));
  next();
  return v;
}

// ---------------------------------------------------------------- types

namespace {

struct NamedHeap {
  std::string_view name;
  HeapKind kind;
};
constexpr NamedHeap kHeapNames[] = {
    {"func", HeapKind::kFunc},     {"extern", HeapKind::kExtern},
    {"any", HeapKind::kAny},       {"eq", HeapKind::kEq},
    {"i31", HeapKind::kI31},       {"struct", HeapKind::kStruct},
    {"array", HeapKind::kArray},   {"none", HeapKind::kNone},
    {"nofunc", HeapKind::kNoFunc}, {"noextern", HeapKind::kNoExtern},
    {"exn", HeapKind::kExn},       {"noexn", HeapKind::kNoExn},
};
constexpr NamedHeap kRefAbbrevs[] = {
    {"funcref", HeapKind::kFunc},       {"externref", HeapKind::kExtern},
    {"anyref", HeapKind::kAny},         {"eqref", HeapKind::kEq},
    {"i31ref", HeapKind::kI31},         {"structref", HeapKind::kStruct},
    {"arrayref", HeapKind::kArray},     {"nullref", HeapKind::kNone},
    {"nullfuncref", HeapKind::kNoFunc}, {"nullexternref", HeapKind::kNoExtern},
    {"exnref", HeapKind::kExn},         {"nullexnref", HeapKind::kNoExn},
};

std::optional<ValType> num_type(std::string_view w) {
  if (w == "i32") return ValType::i32();
  if (w == "i64") return ValType::i64();
  if (w == "f32") return ValType::f32();
  if (w == "f64") return ValType::f64();
  if (w == "v128") return ValType::v128();
  return std::nullopt;
}

std::optional<HeapKind> ref_abbrev(std::string_view w) {
  for (const auto& r : kRefAbbrevs) {
    if (r.name == w) return r.kind;
  }
  return std::nullopt;
}

}  // namespace

Expected<HeapType> Parser::parse_heap_type() {
  const Token& t = peek();
  if (t.kind == TokenKind::kKeyword) {
    for (const auto& h : kHeapNames) {
      if (h.name == t.text) {
        next();
        return HeapType(h.kind);
      }
    }
    return unexpected(t);
  }
  KILN_ASSIGN_OR_RETURN(uint32_t idx, parse_var(types_));
  return HeapType::index(idx);
}

Expected<ValType> Parser::parse_ref_type() {
  const Token& t = peek();
  if (t.kind == TokenKind::kKeyword) {
    if (auto k = ref_abbrev(t.text)) {
      next();
      return ValType::ref(*k, true);
    }
    return unexpected(t);
  }
  if (!at_form("ref")) return unexpected(t);
  next();
  next();
  bool nullable = false;
  if (at_keyword("null")) {
    next();
    nullable = true;
  }
  KILN_ASSIGN_OR_RETURN(HeapType h, parse_heap_type());
  KILN_TRY(expect_rparen());
  return ValType::ref(h, nullable);
}

bool Parser::at_val_type() const {
  const Token& t = peek();
  if (t.kind == TokenKind::kKeyword) return num_type(t.text) || ref_abbrev(t.text);
  return at_form("ref");
}

Expected<ValType> Parser::parse_val_type() {
  const Token& t = peek();
  if (t.kind == TokenKind::kKeyword) {
    if (auto n = num_type(t.text)) {
      next();
      return *n;
    }
  }
  return parse_ref_type();
}

Expected<wasm::FieldType> Parser::parse_field_type() {
  wasm::FieldType ft;
  bool mut = at_form("mut");
  if (mut) {
    next();
    next();
    ft.mut = true;
  }
  if (at_keyword("i8")) {
    next();
    ft.type = ValType::i8();
  } else if (at_keyword("i16")) {
    next();
    ft.type = ValType::i16();
  } else {
    KILN_ASSIGN_OR_RETURN(ft.type, parse_val_type());
  }
  if (mut) KILN_TRY(expect_rparen());
  return ft;
}

Expected<TypeUse> Parser::parse_type_use(bool allow_param_ids) {
  TypeUse use;
  if (at_form("type")) {
    next();
    next();
    use.index_tok = &peek();
    KILN_ASSIGN_OR_RETURN(uint32_t idx, parse_var(types_));
    use.index = idx;
    KILN_TRY(expect_rparen());
  }
  while (at_form("param")) {
    next();
    next();
    use.has_inline = true;
    if (peek().kind == TokenKind::kId) {
      if (!allow_param_ids) return unexpected(peek());
      const Token* id_tok = &next();
      KILN_ASSIGN_OR_RETURN(std::string id, decode_id(*id_tok));
      KILN_ASSIGN_OR_RETURN(ValType t, parse_val_type());
      use.sig.params.push_back(t);
      use.param_ids.push_back(std::move(id));
      use.param_id_toks.push_back(id_tok);
    } else {
      while (peek().kind != TokenKind::kRParen) {
        KILN_ASSIGN_OR_RETURN(ValType t, parse_val_type());
        use.sig.params.push_back(t);
        use.param_ids.emplace_back();
        use.param_id_toks.push_back(nullptr);
      }
    }
    KILN_TRY(expect_rparen());
  }
  while (at_form("result")) {
    next();
    next();
    use.has_inline = true;
    while (peek().kind != TokenKind::kRParen) {
      KILN_ASSIGN_OR_RETURN(ValType t, parse_val_type());
      use.sig.results.push_back(t);
    }
    KILN_TRY(expect_rparen());
  }
  // Out-of-order clauses are a syntax error before any signature check.
  if (at_form("type") || at_form("param")) return unexpected(peek(1));
  return use;
}

Expected<uint32_t> Parser::resolve_type_use(TypeUse& use, const Token& at) {
  if (use.index) {
    uint32_t idx = *use.index;
    bool known =
        idx < type_defs_.size() && type_defs_[idx].sub.comp.kind == wasm::CompositeKind::kFunc;
    if (use.has_inline) {
      if (idx >= type_defs_.size()) return error(*use.index_tok, "unknown type");
      if (!known || type_defs_[idx].sub.comp.func != use.sig)
        return error(at, "inline function type");
    } else if (known) {
      use.sig = type_defs_[idx].sub.comp.func;
      use.param_ids.assign(use.sig.params.size(), std::string());
      use.param_id_toks.assign(use.sig.params.size(), nullptr);
    }
    return idx;
  }
  return find_or_add_func_type(use.sig);
}

std::string Parser::func_type_key(const FuncType& ft) const {
  BinaryWriter w;
  w.u32(static_cast<uint32_t>(ft.params.size()));
  for (ValType t : ft.params) write_val_type(w, t);
  w.u32(static_cast<uint32_t>(ft.results.size()));
  for (ValType t : ft.results) write_val_type(w, t);
  return std::string(w.bytes().begin(), w.bytes().end());
}

uint32_t Parser::find_or_add_func_type(const FuncType& ft) {
  std::string key = func_type_key(ft);
  auto it = plain_func_types_.find(key);
  if (it != plain_func_types_.end()) return it->second;
  uint32_t idx = static_cast<uint32_t>(type_defs_.size());
  TypeDef td;
  td.sub.comp.kind = wasm::CompositeKind::kFunc;
  td.sub.comp.func = ft;
  td.sub.rec_group_start = idx;
  type_defs_.push_back(std::move(td));
  rec_groups_.push_back(RecGroup{idx, 1, false});
  types_.count = idx + 1;
  plain_func_types_.emplace(std::move(key), idx);
  return idx;
}

void Parser::write_heap_type(BinaryWriter& w, HeapType h) const {
  if (h.is_index()) {
    w.s33(h.type_index());
  } else {
    w.u8(static_cast<uint8_t>(h.kind()));
  }
}

void Parser::write_val_type(BinaryWriter& w, ValType t) const {
  switch (t.kind) {
    case ValKind::kI32:
      w.u8(0x7F);
      break;
    case ValKind::kI64:
      w.u8(0x7E);
      break;
    case ValKind::kF32:
      w.u8(0x7D);
      break;
    case ValKind::kF64:
      w.u8(0x7C);
      break;
    case ValKind::kV128:
      w.u8(0x7B);
      break;
    case ValKind::kI8:
      w.u8(0x78);
      break;
    case ValKind::kI16:
      w.u8(0x77);
      break;
    case ValKind::kBot:
      w.u8(0x40);
      break;
    case ValKind::kRef:
      if (t.nullable && t.heap.is_abstract()) {
        w.u8(static_cast<uint8_t>(t.heap.kind()));
      } else {
        w.u8(t.nullable ? 0x63 : 0x64);
        write_heap_type(w, t.heap);
      }
      break;
  }
}

bool Parser::is_plain_func_type(uint32_t index) const {
  const TypeDef& td = type_defs_[index];
  return td.sub.comp.kind == wasm::CompositeKind::kFunc && td.sub.final && td.supers.empty() &&
         td.sub.rec_group_size == 1;
}

// ---------------------------------------------------------------- pass one

namespace {
const char* kind_word(FieldKind k) {
  switch (k) {
    case FieldKind::kFunc:
      return "function";
    case FieldKind::kTable:
      return "table";
    case FieldKind::kMemory:
      return "memory";
    case FieldKind::kGlobal:
      return "global";
    case FieldKind::kTag:
      return "tag";
    default:
      return "definition";
  }
}
}  // namespace

Expected<void> Parser::collect_fields(size_t end) {
  // The kinds defined so far (not imported): an import after any of them is malformed.
  bool defined[5] = {false, false, false, false, false};
  static constexpr FieldKind kOrder[5] = {FieldKind::kGlobal, FieldKind::kMemory, FieldKind::kTable,
                                          FieldKind::kFunc, FieldKind::kTag};
  auto check_import = [&](const Token& at) -> Expected<void> {
    for (int i = 0; i < 5; ++i) {
      if (defined[i]) return error(at, std::string("import after ") + kind_word(kOrder[i]));
    }
    return ok();
  };
  auto mark_defined = [&](FieldKind k) {
    for (int i = 0; i < 5; ++i) {
      if (kOrder[i] == k) defined[i] = true;
    }
  };

  while (pos_ < end) {
    const Token& lp = peek();
    if (lp.kind != TokenKind::kLParen) return unexpected(lp);
    const Token& kw = peek(1);
    if (kw.kind != TokenKind::kKeyword) return unexpected(kw);
    KILN_ASSIGN_OR_RETURN(size_t after, skip_form(pos_));
    if (after > end) return unexpected(toks_[end]);
    Field f;
    f.pos = pos_;
    size_t q = pos_ + 2;  // first token after the keyword
    const Token* id = toks_[q].kind == TokenKind::kId ? &toks_[q] : nullptr;
    if (id) ++q;
    std::string_view w = kw.text;

    // For func/table/memory/global/tag: skips inline exports and detects an inline import.
    auto scan_inline = [&]() -> Expected<void> {
      while (q < after && toks_[q].kind == TokenKind::kLParen &&
             toks_[q + 1].kind == TokenKind::kKeyword && toks_[q + 1].text == "export") {
        KILN_ASSIGN_OR_RETURN(q, skip_form(q));
      }
      if (q < after && toks_[q].kind == TokenKind::kLParen &&
          toks_[q + 1].kind == TokenKind::kKeyword && toks_[q + 1].text == "import") {
        f.is_import = true;
        KILN_TRY(check_import(toks_[q + 1]));
      }
      return ok();
    };
    // Whether the form has a direct child `(word ...)` at or after q.
    auto has_child = [&](std::string_view word) -> Expected<bool> {
      size_t r = q;
      while (r < after - 1) {
        if (toks_[r].kind == TokenKind::kLParen) {
          if (toks_[r + 1].kind == TokenKind::kKeyword && toks_[r + 1].text == word) return true;
          KILN_ASSIGN_OR_RETURN(r, skip_form(r));
        } else {
          ++r;
        }
      }
      return false;
    };
    auto define = [&](Space& space, FieldKind k) -> Expected<void> {
      f.kind = k;
      KILN_TRY(scan_inline());
      if (!f.is_import) mark_defined(k);
      f.index = space.count++;
      if (id) KILN_TRY(bind(space, *id, f.index));
      return ok();
    };

    if (w == "type") {
      f.kind = FieldKind::kType;
      if (id) KILN_TRY(bind(types_, *id, types_.count));
      rec_groups_.push_back(RecGroup{types_.count, 1, false});
      ++types_.count;
    } else if (w == "rec") {
      f.kind = FieldKind::kRec;
      RecGroup g{types_.count, 0, true};
      size_t r = pos_ + 2;
      while (toks_[r].kind == TokenKind::kLParen) {
        if (!(toks_[r + 1].kind == TokenKind::kKeyword && toks_[r + 1].text == "type")) {
          return unexpected(toks_[r + 1]);
        }
        if (toks_[r + 2].kind == TokenKind::kId) KILN_TRY(bind(types_, toks_[r + 2], types_.count));
        ++types_.count;
        ++g.size;
        KILN_ASSIGN_OR_RETURN(r, skip_form(r));
      }
      if (toks_[r].kind != TokenKind::kRParen) return unexpected(toks_[r]);
      rec_groups_.push_back(g);
    } else if (w == "import") {
      f.kind = FieldKind::kImport;
      f.is_import = true;
      KILN_TRY(check_import(kw));
      size_t r = pos_ + 2;
      if (toks_[r].kind != TokenKind::kString) return unexpected(toks_[r]);
      if (toks_[r + 1].kind != TokenKind::kString) return unexpected(toks_[r + 1]);
      r += 2;
      if (toks_[r].kind != TokenKind::kLParen) return unexpected(toks_[r]);
      const Token& dk = toks_[r + 1];
      Space* space = nullptr;
      if (dk.kind == TokenKind::kKeyword) {
        if (dk.text == "func")
          space = &funcs_;
        else if (dk.text == "table")
          space = &tables_;
        else if (dk.text == "memory")
          space = &memories_;
        else if (dk.text == "global")
          space = &globals_;
        else if (dk.text == "tag")
          space = &tags_;
      }
      if (!space) return unexpected(dk);
      f.index = space->count++;
      if (toks_[r + 2].kind == TokenKind::kId) KILN_TRY(bind(*space, toks_[r + 2], f.index));
    } else if (w == "func") {
      KILN_TRY(define(funcs_, FieldKind::kFunc));
    } else if (w == "table") {
      KILN_TRY(define(tables_, FieldKind::kTable));
      KILN_ASSIGN_OR_RETURN(bool inline_elem, has_child("elem"));
      if (inline_elem && !f.is_import) ++elems_.count;  // its segment takes the next elem index
    } else if (w == "memory") {
      KILN_TRY(define(memories_, FieldKind::kMemory));
      KILN_ASSIGN_OR_RETURN(bool inline_data, has_child("data"));
      if (inline_data && !f.is_import) ++datas_.count;
    } else if (w == "global") {
      KILN_TRY(define(globals_, FieldKind::kGlobal));
    } else if (w == "tag") {
      KILN_TRY(define(tags_, FieldKind::kTag));
    } else if (w == "export") {
      f.kind = FieldKind::kExport;
    } else if (w == "start") {
      f.kind = FieldKind::kStart;
    } else if (w == "elem") {
      f.kind = FieldKind::kElem;
      f.index = elems_.count++;
      if (id) KILN_TRY(bind(elems_, *id, f.index));
    } else if (w == "data") {
      f.kind = FieldKind::kData;
      f.index = datas_.count++;
      if (id) KILN_TRY(bind(datas_, *id, f.index));
    } else {
      return unexpected(kw);
    }
    fields_.push_back(f);
    pos_ = after;
  }
  return ok();
}

Expected<void> Parser::parse_types() {
  uint32_t index = 0;
  for (const Field& f : fields_) {
    if (f.kind == FieldKind::kType) {
      KILN_TRY(parse_type_def(f.pos, index++));
    } else if (f.kind == FieldKind::kRec) {
      size_t p = f.pos + 2;
      while (toks_[p].kind == TokenKind::kLParen) {
        KILN_TRY(parse_type_def(p, index++));
        p = pos_;
      }
    }
  }
  // Group bookkeeping, then the types an inline signature may reuse.
  for (const RecGroup& g : rec_groups_) {
    for (uint32_t i = 0; i < g.size; ++i) {
      type_defs_[g.start + i].sub.rec_group_start = g.start;
      type_defs_[g.start + i].sub.rec_group_size = g.size;
    }
  }
  for (uint32_t i = 0; i < type_defs_.size(); ++i) {
    if (is_plain_func_type(i))
      plain_func_types_.emplace(func_type_key(type_defs_[i].sub.comp.func), i);
  }
  return ok();
}

// Parses `(type $id? (sub final? x* comptype) | comptype)` at token p, leaving pos_ after it.
Expected<void> Parser::parse_type_def(size_t p, uint32_t index) {
  pos_ = p;
  KILN_TRY(expect_lparen());
  KILN_TRY(expect_keyword("type"));
  if (peek().kind == TokenKind::kId) next();
  TypeDef td;
  bool sub = at_form("sub");
  if (sub) {
    next();
    next();
    td.explicit_sub = true;
    td.sub.final = false;
    if (at_keyword("final")) {
      next();
      td.sub.final = true;
    }
    while (is_var(peek())) {
      KILN_ASSIGN_OR_RETURN(uint32_t s, parse_var(types_));
      td.supers.push_back(s);
    }
    if (!td.supers.empty()) td.sub.super = td.supers[0];
  }
  KILN_TRY(expect_lparen());
  const Token& kw = next();
  wasm::CompositeType& comp = td.sub.comp;
  if (kw.kind == TokenKind::kKeyword && kw.text == "func") {
    comp.kind = wasm::CompositeKind::kFunc;
    KILN_ASSIGN_OR_RETURN(TypeUse use, parse_type_use(true));
    if (use.index) return error(*use.index_tok, "unexpected token");
    comp.func = std::move(use.sig);
  } else if (kw.kind == TokenKind::kKeyword && kw.text == "struct") {
    comp.kind = wasm::CompositeKind::kStruct;
    while (at_form("field")) {
      next();
      next();
      if (peek().kind == TokenKind::kId) {
        const Token& id_tok = next();
        KILN_ASSIGN_OR_RETURN(std::string id, decode_id(id_tok));
        uint32_t fi = static_cast<uint32_t>(comp.strukt.fields.size());
        if (!td.field_ids.emplace(std::move(id), fi).second)
          return error(id_tok, "duplicate field");
        KILN_ASSIGN_OR_RETURN(wasm::FieldType ft, parse_field_type());
        comp.strukt.fields.push_back(ft);
      } else {
        while (peek().kind != TokenKind::kRParen) {
          KILN_ASSIGN_OR_RETURN(wasm::FieldType ft, parse_field_type());
          comp.strukt.fields.push_back(ft);
        }
      }
      KILN_TRY(expect_rparen());
    }
  } else if (kw.kind == TokenKind::kKeyword && kw.text == "array") {
    comp.kind = wasm::CompositeKind::kArray;
    KILN_ASSIGN_OR_RETURN(comp.array.field, parse_field_type());
  } else {
    return unexpected(kw);
  }
  KILN_TRY(expect_rparen());
  if (sub) KILN_TRY(expect_rparen());
  KILN_TRY(expect_rparen());
  if (type_defs_.size() != index) return error(kw, "unexpected token");
  type_defs_.push_back(std::move(td));
  return ok();
}

// ---------------------------------------------------------------- pass two: fields

Expected<void> Parser::parse_inline_exports(uint8_t kind, uint32_t index) {
  while (at_form("export")) {
    next();
    next();
    KILN_ASSIGN_OR_RETURN(std::string name, parse_name_string());
    KILN_TRY(expect_rparen());
    exports_.name(name);
    exports_.u8(kind);
    exports_.u32(index);
    ++n_exports_;
  }
  return ok();
}

Expected<std::optional<std::pair<std::string, std::string>>> Parser::parse_inline_import() {
  using Result = std::optional<std::pair<std::string, std::string>>;
  if (!at_form("import")) return Result();
  next();
  next();
  KILN_ASSIGN_OR_RETURN(std::string module, parse_name_string());
  KILN_ASSIGN_OR_RETURN(std::string name, parse_name_string());
  KILN_TRY(expect_rparen());
  return Result(std::make_pair(std::move(module), std::move(name)));
}

Expected<void> Parser::write_import_header(const std::pair<std::string, std::string>& names,
                                           uint8_t kind) {
  imports_.name(names.first);
  imports_.name(names.second);
  imports_.u8(kind);
  ++n_imports_;
  return ok();
}

Expected<wasm::Limits> Parser::parse_limits(bool is64) {
  wasm::Limits lim;
  lim.is64 = is64;
  const Token& t = peek();
  if (t.kind != TokenKind::kNat) return unexpected(t);
  // Always 64-bit literals: an i32 limit above 2^32-1 is the validator's "size" error.
  KILN_ASSIGN_OR_RETURN(lim.min, parse_u64(t));
  next();
  if (peek().kind == TokenKind::kNat) {
    KILN_ASSIGN_OR_RETURN(uint64_t v, parse_u64(next()));
    lim.max = v;
  }
  return lim;
}

// After a memory's limits: `shared`? `(pagesize N)`?
Expected<void> Parser::parse_memory_type_rest(wasm::Limits& lim) {
  if (at_keyword("shared")) {
    next();
    lim.shared = true;
  } else if (at_keyword("unshared")) {
    next();
  }
  if (at_form("pagesize")) {
    next();
    next();
    const Token& t = peek();
    KILN_ASSIGN_OR_RETURN(uint64_t size, parse_u64(t));
    next();
    // Not a power of two is malformed; a power of two other than 1 or 65536 is the validator's.
    if (size == 0 || (size & (size - 1)) != 0) return error(t, "invalid custom page size");
    uint32_t log2 = 0;
    while ((uint64_t{1} << log2) < size) ++log2;
    lim.page_size_log2 = log2;
    KILN_TRY(expect_rparen());
  }
  return ok();
}

void Parser::write_limits(BinaryWriter& w, const wasm::Limits& lim, bool memory) const {
  uint8_t flags = (lim.max ? 0x01 : 0) | (lim.shared ? 0x02 : 0) | (lim.is64 ? 0x04 : 0) |
                  (memory && lim.page_size_log2 ? 0x08 : 0);
  w.u8(flags);
  w.u64(lim.min);
  if (lim.max) w.u64(*lim.max);
  if (memory && lim.page_size_log2) w.u32(*lim.page_size_log2);
}

void Parser::write_table_type(BinaryWriter& w, const wasm::TableType& t) const {
  write_val_type(w, t.elem);
  write_limits(w, t.limits, false);
}

Expected<void> Parser::parse_field(const Field& f) {
  pos_ = f.pos;
  switch (f.kind) {
    case FieldKind::kType:
    case FieldKind::kRec:
      return ok();
    case FieldKind::kImport:
      return parse_import(f);
    case FieldKind::kFunc:
      return parse_func(f);
    case FieldKind::kTable:
      return parse_table(f);
    case FieldKind::kMemory:
      return parse_memory(f);
    case FieldKind::kGlobal:
      return parse_global(f);
    case FieldKind::kTag:
      return parse_tag(f);
    case FieldKind::kExport:
      return parse_export(f);
    case FieldKind::kStart:
      return parse_start(f);
    case FieldKind::kElem:
      return parse_elem(f);
    case FieldKind::kData:
      return parse_data(f);
  }
  return ok();
}

namespace {
// Appends (count, type) runs of equal local types, the code section's compressed form.
void write_locals(const Parser& p, BinaryWriter& w, const std::vector<ValType>& locals) {
  std::vector<std::pair<uint32_t, ValType>> runs;
  for (ValType t : locals) {
    if (!runs.empty() && runs.back().second == t) {
      ++runs.back().first;
    } else {
      runs.emplace_back(1, t);
    }
  }
  w.u32(static_cast<uint32_t>(runs.size()));
  for (const auto& [n, t] : runs) {
    w.u32(n);
    p.write_val_type(w, t);
  }
}
}  // namespace

Expected<void> Parser::parse_func(const Field& f) {
  next();  // (
  const Token& func_tok = next();
  if (peek().kind == TokenKind::kId) next();
  KILN_TRY(parse_inline_exports(0, f.index));
  KILN_ASSIGN_OR_RETURN(auto import, parse_inline_import());
  KILN_ASSIGN_OR_RETURN(TypeUse use, parse_type_use(true));
  KILN_ASSIGN_OR_RETURN(uint32_t type_index, resolve_type_use(use, func_tok));
  if (import) {
    KILN_TRY(write_import_header(*import, 0));
    imports_.u32(type_index);
    return expect_rparen();
  }
  functions_.u32(type_index);
  ++n_functions_;

  FuncCtx ctx;
  for (size_t i = 0; i < use.sig.params.size(); ++i) {
    if (i < use.param_ids.size() && !use.param_ids[i].empty()) {
      if (!ctx.local_ids.emplace(use.param_ids[i], static_cast<uint32_t>(i)).second) {
        return error(*use.param_id_toks[i], "duplicate local");
      }
      ctx.local_names.emplace_back(static_cast<uint32_t>(i), use.param_ids[i]);
    }
  }
  ctx.num_locals = static_cast<uint32_t>(use.sig.params.size());
  std::vector<ValType> locals;
  while (at_form("local")) {
    next();
    next();
    if (peek().kind == TokenKind::kId) {
      const Token& id_tok = next();
      KILN_ASSIGN_OR_RETURN(std::string id, decode_id(id_tok));
      if (!ctx.local_ids.emplace(id, ctx.num_locals).second)
        return error(id_tok, "duplicate local");
      ctx.local_names.emplace_back(ctx.num_locals, std::move(id));
      KILN_ASSIGN_OR_RETURN(ValType t, parse_val_type());
      locals.push_back(t);
      ++ctx.num_locals;
    } else {
      while (peek().kind != TokenKind::kRParen) {
        KILN_ASSIGN_OR_RETURN(ValType t, parse_val_type());
        locals.push_back(t);
        ++ctx.num_locals;
      }
    }
    KILN_TRY(expect_rparen());
  }
  labels_.clear();
  func_ = &ctx;
  BinaryWriter body;
  auto parsed = parse_instrs(body);
  func_ = nullptr;
  KILN_TRY(parsed);
  KILN_TRY(expect_rparen());
  body.u8(0x0B);
  BinaryWriter entry;
  write_locals(*this, entry, locals);
  entry.raw(body);
  code_.sized(entry);
  if (!ctx.local_names.empty()) local_names_.emplace_back(f.index, std::move(ctx.local_names));
  return ok();
}

Expected<void> Parser::parse_table(const Field& f) {
  next();
  next();
  if (peek().kind == TokenKind::kId) next();
  KILN_TRY(parse_inline_exports(1, f.index));
  KILN_ASSIGN_OR_RETURN(auto import, parse_inline_import());
  bool is64 = false;
  if (at_keyword("i64")) {
    next();
    is64 = true;
  } else if (at_keyword("i32")) {
    next();
  }
  wasm::TableType tt;
  if (peek().kind == TokenKind::kNat) {
    KILN_ASSIGN_OR_RETURN(tt.limits, parse_limits(is64));
    KILN_ASSIGN_OR_RETURN(tt.elem, parse_ref_type());
    if (import) {
      KILN_TRY(write_import_header(*import, 1));
      write_table_type(imports_, tt);
      return expect_rparen();
    }
    if (peek().kind != TokenKind::kRParen) {
      BinaryWriter init;
      KILN_TRY(parse_expr(init));
      tables_out_.u8(0x40);
      tables_out_.u8(0x00);
      write_table_type(tables_out_, tt);
      tables_out_.raw(init);
    } else {
      write_table_type(tables_out_, tt);
    }
    ++n_tables_;
    return expect_rparen();
  }
  if (import) return unexpected(peek());
  // (table addrtype? reftype (elem ...)): limits are the element count, an active segment at 0.
  KILN_ASSIGN_OR_RETURN(tt.elem, parse_ref_type());
  if (!at_form("elem")) return unexpected(peek());
  next();
  next();
  std::vector<BinaryWriter> items;
  // `(elem x*)` abbreviates `(ref.func x)*`; the segment keeps the table's element type,
  // except that a funcref table's plain function list uses the compact funcidx encoding
  // (type (ref func), a subtype of funcref), which needs no reference-types opcodes.
  wasm::ValType type = tt.elem;
  bool all_vars = true;
  while (peek().kind != TokenKind::kRParen) {
    BinaryWriter item;
    all_vars = all_vars && is_var(peek());
    if (is_var(peek())) {
      KILN_ASSIGN_OR_RETURN(uint32_t fi, parse_var(funcs_));
      item.u8(0xD2);
      item.u32(fi);
      item.u8(0x0B);
    } else if (at_form("item")) {
      next();
      next();
      KILN_TRY(parse_expr(item));
      KILN_TRY(expect_rparen());
    } else if (peek().kind == TokenKind::kLParen) {
      KILN_TRY(parse_folded(item));
      item.u8(0x0B);
    } else {
      return unexpected(peek());
    }
    items.push_back(std::move(item));
  }
  KILN_TRY(expect_rparen());
  if (all_vars && type == wasm::ValType::funcref()) type = wasm::ValType::ref(wasm::HeapKind::kFunc, false);
  tt.limits.is64 = is64;
  tt.limits.min = items.size();
  tt.limits.max = items.size();
  write_table_type(tables_out_, tt);
  ++n_tables_;
  BinaryWriter offset;
  offset.u8(is64 ? 0x42 : 0x41);
  offset.u8(0x00);
  offset.u8(0x0B);
  write_elem_segment(0, f.index, &offset, type, items);
  return expect_rparen();
}

Expected<void> Parser::parse_memory(const Field& f) {
  next();
  next();
  if (peek().kind == TokenKind::kId) next();
  KILN_TRY(parse_inline_exports(2, f.index));
  KILN_ASSIGN_OR_RETURN(auto import, parse_inline_import());
  wasm::Limits lim;
  if (at_keyword("i64")) {
    next();
    lim.is64 = true;
  } else if (at_keyword("i32")) {
    next();
  }
  if (peek().kind == TokenKind::kNat) {
    KILN_ASSIGN_OR_RETURN(lim, parse_limits(lim.is64));
    KILN_TRY(parse_memory_type_rest(lim));
    if (import) {
      KILN_TRY(write_import_header(*import, 2));
      write_limits(imports_, lim, true);
    } else {
      write_limits(memories_out_, lim, true);
      ++n_memories_;
    }
    return expect_rparen();
  }
  if (import) return unexpected(peek());
  // (memory addrtype? (pagesize N)? (data string*)): sized to fit the data exactly.
  KILN_TRY(parse_memory_type_rest(lim));
  if (!at_form("data")) return unexpected(peek());
  next();
  next();
  std::string bytes;
  while (peek().kind == TokenKind::kString) {
    KILN_ASSIGN_OR_RETURN(std::string s, decode_string(next()));
    bytes += s;
  }
  KILN_TRY(expect_rparen());
  uint64_t page = uint64_t{1} << lim.page_size_log2.value_or(16);
  uint64_t pages = (bytes.size() + page - 1) / page;
  lim.min = pages;
  lim.max = pages;
  write_limits(memories_out_, lim, true);
  ++n_memories_;
  if (f.index == 0) {
    datas_out_.u8(0x00);
  } else {
    datas_out_.u8(0x02);
    datas_out_.u32(f.index);
  }
  datas_out_.u8(lim.is64 ? 0x42 : 0x41);
  datas_out_.u8(0x00);
  datas_out_.u8(0x0B);
  datas_out_.name(bytes);
  ++n_datas_;
  return expect_rparen();
}

Expected<void> Parser::parse_global(const Field& f) {
  next();
  next();
  if (peek().kind == TokenKind::kId) next();
  KILN_TRY(parse_inline_exports(3, f.index));
  KILN_ASSIGN_OR_RETURN(auto import, parse_inline_import());
  bool mut = at_form("mut");
  if (mut) {
    next();
    next();
  }
  KILN_ASSIGN_OR_RETURN(ValType t, parse_val_type());
  if (mut) KILN_TRY(expect_rparen());
  BinaryWriter& w = import ? imports_ : globals_out_;
  if (import) KILN_TRY(write_import_header(*import, 3));
  write_val_type(w, t);
  w.u8(mut ? 1 : 0);
  if (!import) {
    KILN_TRY(parse_expr(globals_out_));
    ++n_globals_;
  }
  return expect_rparen();
}

Expected<void> Parser::parse_tag(const Field& f) {
  next();
  const Token& tag_tok = next();
  if (peek().kind == TokenKind::kId) next();
  KILN_TRY(parse_inline_exports(4, f.index));
  KILN_ASSIGN_OR_RETURN(auto import, parse_inline_import());
  KILN_ASSIGN_OR_RETURN(TypeUse use, parse_type_use(true));
  KILN_ASSIGN_OR_RETURN(uint32_t type_index, resolve_type_use(use, tag_tok));
  BinaryWriter& w = import ? imports_ : tags_out_;
  if (import) {
    KILN_TRY(write_import_header(*import, 4));
  } else {
    ++n_tags_;
  }
  w.u8(0x00);
  w.u32(type_index);
  return expect_rparen();
}

Expected<void> Parser::parse_import(const Field& f) {
  (void)f;
  next();
  next();
  KILN_ASSIGN_OR_RETURN(std::string module, parse_name_string());
  KILN_ASSIGN_OR_RETURN(std::string name, parse_name_string());
  std::pair<std::string, std::string> names(std::move(module), std::move(name));
  KILN_TRY(expect_lparen());
  const Token& kind = next();
  if (peek().kind == TokenKind::kId) next();
  if (kind.text == "func") {
    KILN_ASSIGN_OR_RETURN(TypeUse use, parse_type_use(true));
    KILN_ASSIGN_OR_RETURN(uint32_t type_index, resolve_type_use(use, kind));
    KILN_TRY(write_import_header(names, 0));
    imports_.u32(type_index);
  } else if (kind.text == "tag") {
    KILN_ASSIGN_OR_RETURN(TypeUse use, parse_type_use(true));
    KILN_ASSIGN_OR_RETURN(uint32_t type_index, resolve_type_use(use, kind));
    KILN_TRY(write_import_header(names, 4));
    imports_.u8(0x00);
    imports_.u32(type_index);
  } else if (kind.text == "table") {
    bool is64 = false;
    if (at_keyword("i64")) {
      next();
      is64 = true;
    } else if (at_keyword("i32")) {
      next();
    }
    wasm::TableType tt;
    KILN_ASSIGN_OR_RETURN(tt.limits, parse_limits(is64));
    KILN_ASSIGN_OR_RETURN(tt.elem, parse_ref_type());
    KILN_TRY(write_import_header(names, 1));
    write_table_type(imports_, tt);
  } else if (kind.text == "memory") {
    bool is64 = false;
    if (at_keyword("i64")) {
      next();
      is64 = true;
    } else if (at_keyword("i32")) {
      next();
    }
    KILN_ASSIGN_OR_RETURN(wasm::Limits lim, parse_limits(is64));
    KILN_TRY(parse_memory_type_rest(lim));
    KILN_TRY(write_import_header(names, 2));
    write_limits(imports_, lim, true);
  } else if (kind.text == "global") {
    bool mut = at_form("mut");
    if (mut) {
      next();
      next();
    }
    KILN_ASSIGN_OR_RETURN(ValType t, parse_val_type());
    if (mut) KILN_TRY(expect_rparen());
    KILN_TRY(write_import_header(names, 3));
    write_val_type(imports_, t);
    imports_.u8(mut ? 1 : 0);
  } else {
    return unexpected(kind);
  }
  KILN_TRY(expect_rparen());
  return expect_rparen();
}

Expected<void> Parser::parse_export(const Field& f) {
  (void)f;
  next();
  next();
  KILN_ASSIGN_OR_RETURN(std::string name, parse_name_string());
  KILN_TRY(expect_lparen());
  const Token& kind = next();
  uint8_t k;
  const Space* space;
  if (kind.text == "func") {
    k = 0;
    space = &funcs_;
  } else if (kind.text == "table") {
    k = 1;
    space = &tables_;
  } else if (kind.text == "memory") {
    k = 2;
    space = &memories_;
  } else if (kind.text == "global") {
    k = 3;
    space = &globals_;
  } else if (kind.text == "tag") {
    k = 4;
    space = &tags_;
  } else {
    return unexpected(kind);
  }
  KILN_ASSIGN_OR_RETURN(uint32_t index, parse_var(*space));
  KILN_TRY(expect_rparen());
  exports_.name(name);
  exports_.u8(k);
  exports_.u32(index);
  ++n_exports_;
  return expect_rparen();
}

Expected<void> Parser::parse_start(const Field& f) {
  (void)f;
  next();
  const Token& kw = next();
  KILN_ASSIGN_OR_RETURN(uint32_t index, parse_var(funcs_));
  if (seen_start_) return error(kw, "multiple start sections");
  seen_start_ = true;
  start_.u32(index);
  return expect_rparen();
}

Expected<void> Parser::parse_offset(BinaryWriter& out) {
  if (at_form("offset")) {
    next();
    next();
    KILN_TRY(parse_instrs(out));
    KILN_TRY(expect_rparen());
  } else {
    if (peek().kind != TokenKind::kLParen) return unexpected(peek());
    KILN_TRY(parse_folded(out));
  }
  out.u8(0x0B);
  return ok();
}

// elemlist: `func x*` | reftype elemexpr* | x* (when allow_bare). Each item is an expr + end.
Expected<void> Parser::parse_elem_list(ValType& type, std::vector<BinaryWriter>& items,
                                       bool allow_bare) {
  bool vars = false;
  if (at_keyword("func")) {
    next();
    type = ValType::ref(HeapKind::kFunc, false);
    vars = true;
  } else if (at_val_type()) {
    KILN_ASSIGN_OR_RETURN(type, parse_ref_type());
  } else if (allow_bare) {
    type = ValType::ref(HeapKind::kFunc, false);
    vars = true;
  } else if (peek().kind != TokenKind::kRParen) {
    return unexpected(peek());
  }
  while (peek().kind != TokenKind::kRParen) {
    BinaryWriter item;
    if (vars) {
      KILN_ASSIGN_OR_RETURN(uint32_t fi, parse_var(funcs_));
      item.u8(0xD2);
      item.u32(fi);
      item.u8(0x0B);
    } else if (at_form("item")) {
      next();
      next();
      KILN_TRY(parse_expr(item));
      KILN_TRY(expect_rparen());
    } else if (peek().kind == TokenKind::kLParen) {
      KILN_TRY(parse_folded(item));
      item.u8(0x0B);
    } else {
      return unexpected(peek());
    }
    items.push_back(std::move(item));
  }
  return ok();
}

namespace {
// Whether an item expression is exactly `ref.func x end`, and x.
bool plain_ref_func(const BinaryWriter& item, uint32_t* index) {
  const auto& b = item.bytes();
  if (b.size() < 3 || b[0] != 0xD2 || b.back() != 0x0B) return false;
  uint64_t v = 0;
  size_t i = 1;
  for (int shift = 0; i < b.size() - 1; ++i, shift += 7) {
    if (shift > 28) return false;
    v |= uint64_t{b[i] & 0x7Fu} << shift;
    if (!(b[i] & 0x80)) {
      ++i;
      break;
    }
  }
  if (i != b.size() - 1) return false;
  *index = static_cast<uint32_t>(v);
  return true;
}
}  // namespace

// mode: 0 active, 1 passive, 2 declarative.
void Parser::write_elem_segment(uint32_t mode, uint32_t table, const BinaryWriter* offset,
                                ValType type, const std::vector<BinaryWriter>& items) {
  // The funcidx forms (flags 0-3) mean element type (ref func) in 3.0, the expression
  // forms carry their type (flag 4: funcref), so the choice follows the written type.
  const ValType ref_func = ValType::ref(wasm::HeapKind::kFunc, false);
  std::vector<uint32_t> funcs;
  bool as_indices = type == ref_func;
  for (const BinaryWriter& item : items) {
    uint32_t fi;
    if (!as_indices || !plain_ref_func(item, &fi)) {
      as_indices = false;
      break;
    }
    funcs.push_back(fi);
  }
  BinaryWriter& w = elems_out_;
  bool implicit_table =
      mode == 0 && table == 0 && type == (as_indices ? ref_func : ValType::funcref());
  uint32_t flags = mode == 0 ? (implicit_table ? 0 : 2) : mode == 1 ? 1 : 3;
  if (!as_indices) flags |= 4;
  w.u32(flags);
  if (mode == 0 && !implicit_table) w.u32(table);
  if (mode == 0) w.raw(*offset);
  if (!implicit_table) {
    if (as_indices) {
      w.u8(0x00);
    } else {
      write_val_type(w, type);
    }
  }
  w.u32(static_cast<uint32_t>(items.size()));
  if (as_indices) {
    for (uint32_t fi : funcs) w.u32(fi);
  } else {
    for (const BinaryWriter& item : items) w.raw(item);
  }
  ++n_elems_;
}

Expected<void> Parser::parse_elem(const Field& f) {
  (void)f;
  next();
  next();
  if (peek().kind == TokenKind::kId) next();
  ValType type = ValType::funcref();
  std::vector<BinaryWriter> items;
  if (at_keyword("declare")) {
    next();
    KILN_TRY(parse_elem_list(type, items, false));
    write_elem_segment(2, 0, nullptr, type, items);
    return expect_rparen();
  }
  bool active = peek().kind == TokenKind::kLParen && !at_form("ref") && !at_form("item");
  // Legacy `(elem x offset ...)`: a bare table index before the offset.
  bool bare_table = is_var(peek()) && peek(1).kind == TokenKind::kLParen;
  if (active || bare_table) {
    uint32_t table = 0;
    if (bare_table) {
      KILN_ASSIGN_OR_RETURN(table, parse_var(tables_));
    } else if (at_form("table")) {
      next();
      next();
      KILN_ASSIGN_OR_RETURN(table, parse_var(tables_));
      KILN_TRY(expect_rparen());
    }
    BinaryWriter offset;
    KILN_TRY(parse_offset(offset));
    KILN_TRY(parse_elem_list(type, items, true));
    write_elem_segment(0, table, &offset, type, items);
    return expect_rparen();
  }
  KILN_TRY(parse_elem_list(type, items, false));
  write_elem_segment(1, 0, nullptr, type, items);
  return expect_rparen();
}

Expected<void> Parser::parse_data(const Field& f) {
  (void)f;
  next();
  next();
  if (peek().kind == TokenKind::kId) next();
  BinaryWriter head;
  if (peek().kind == TokenKind::kLParen || (is_var(peek()) && peek(1).kind == TokenKind::kLParen)) {
    uint32_t memory = 0;
    if (is_var(peek())) {
      KILN_ASSIGN_OR_RETURN(memory, parse_var(memories_));
    } else if (at_form("memory")) {
      next();
      next();
      KILN_ASSIGN_OR_RETURN(memory, parse_var(memories_));
      KILN_TRY(expect_rparen());
    }
    if (memory == 0) {
      head.u8(0x00);
    } else {
      head.u8(0x02);
      head.u32(memory);
    }
    KILN_TRY(parse_offset(head));
  } else {
    head.u8(0x01);
  }
  std::string bytes;
  while (peek().kind == TokenKind::kString) {
    KILN_ASSIGN_OR_RETURN(std::string s, decode_string(next()));
    bytes += s;
  }
  KILN_TRY(expect_rparen());
  datas_out_.raw(head);
  datas_out_.name(bytes);
  ++n_datas_;
  return ok();
}

// ---------------------------------------------------------------- assembly

std::vector<uint8_t> Parser::finish() {
  BinaryWriter out;
  const uint8_t header[] = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
  out.raw(header, sizeof header);

  auto vec_section = [&](uint8_t id, uint32_t count, const BinaryWriter& body) {
    if (count == 0) return;
    BinaryWriter s;
    s.u32(count);
    s.raw(body);
    out.section(id, s);
  };

  if (!rec_groups_.empty()) {
    BinaryWriter s;
    s.u32(static_cast<uint32_t>(rec_groups_.size()));
    for (const RecGroup& g : rec_groups_) {
      if (g.explicit_rec) {
        s.u8(0x4E);
        s.u32(g.size);
      }
      for (uint32_t i = 0; i < g.size; ++i) {
        const TypeDef& td = type_defs_[g.start + i];
        if (td.explicit_sub) {
          s.u8(td.sub.final ? 0x4F : 0x50);
          s.u32(static_cast<uint32_t>(td.supers.size()));
          for (uint32_t super : td.supers) s.u32(super);
        }
        const wasm::CompositeType& c = td.sub.comp;
        switch (c.kind) {
          case wasm::CompositeKind::kFunc:
          case wasm::CompositeKind::kCont:
            s.u8(0x60);
            s.u32(static_cast<uint32_t>(c.func.params.size()));
            for (ValType t : c.func.params) write_val_type(s, t);
            s.u32(static_cast<uint32_t>(c.func.results.size()));
            for (ValType t : c.func.results) write_val_type(s, t);
            break;
          case wasm::CompositeKind::kStruct:
            s.u8(0x5F);
            s.u32(static_cast<uint32_t>(c.strukt.fields.size()));
            for (const wasm::FieldType& ft : c.strukt.fields) {
              write_val_type(s, ft.type);
              s.u8(ft.mut ? 1 : 0);
            }
            break;
          case wasm::CompositeKind::kArray:
            s.u8(0x5E);
            write_val_type(s, c.array.field.type);
            s.u8(c.array.field.mut ? 1 : 0);
            break;
        }
      }
    }
    out.section(1, s);
  }
  vec_section(2, n_imports_, imports_);
  vec_section(3, n_functions_, functions_);
  vec_section(4, n_tables_, tables_out_);
  vec_section(5, n_memories_, memories_out_);
  vec_section(13, n_tags_, tags_out_);
  vec_section(6, n_globals_, globals_out_);
  vec_section(7, n_exports_, exports_);
  if (seen_start_) out.section(8, start_);
  vec_section(9, n_elems_, elems_out_);
  if (uses_data_count_) {
    BinaryWriter s;
    s.u32(n_datas_);
    out.section(12, s);
  }
  vec_section(10, n_functions_, code_);
  vec_section(11, n_datas_, datas_out_);

  // The name section: module, function and local names, for tools and round trips.
  BinaryWriter names;
  if (module_name_) {
    BinaryWriter sub;
    sub.name(*module_name_);
    names.u8(0);
    names.sized(sub);
  }
  if (!funcs_.names.empty()) {
    auto fn = funcs_.names;
    std::sort(fn.begin(), fn.end());
    BinaryWriter sub;
    sub.u32(static_cast<uint32_t>(fn.size()));
    for (const auto& [idx, name] : fn) {
      sub.u32(idx);
      sub.name(name);
    }
    names.u8(1);
    names.sized(sub);
  }
  if (!local_names_.empty()) {
    std::sort(local_names_.begin(), local_names_.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    BinaryWriter sub;
    sub.u32(static_cast<uint32_t>(local_names_.size()));
    for (const auto& [fidx, locals] : local_names_) {
      sub.u32(fidx);
      sub.u32(static_cast<uint32_t>(locals.size()));
      for (const auto& [lidx, name] : locals) {
        sub.u32(lidx);
        sub.name(name);
      }
    }
    names.u8(2);
    names.sized(sub);
  }
  if (!names.empty()) {
    BinaryWriter s;
    s.name("name");
    s.raw(names);
    out.section(0, s);
  }
  return std::move(out.bytes());
}

Expected<std::vector<uint8_t>> Parser::run() {
  size_t end;
  if (peek().kind == TokenKind::kLParen && at_keyword("module", 1)) {
    KILN_ASSIGN_OR_RETURN(size_t after, skip_form(0));
    if (toks_[after].kind != TokenKind::kEof) return unexpected(toks_[after]);
    end = after - 1;
    pos_ = 2;
    // `definition` (a script's module definition) is accepted on either side of the id.
    if (at_keyword("definition")) next();
    KILN_ASSIGN_OR_RETURN(module_name_, parse_opt_id());
    if (at_keyword("definition")) next();
  } else {
    end = toks_.size() - 1;
  }
  KILN_TRY(collect_fields(end));
  KILN_TRY(parse_types());
  for (const Field& f : fields_) KILN_TRY(parse_field(f));
  return finish();
}

}  // namespace detail

Expected<std::vector<uint8_t>> parse_module(std::string_view text) {
  KILN_ASSIGN_OR_RETURN(std::vector<Token> toks, tokenize(text));
  if (toks.empty() || toks.back().kind != TokenKind::kEof) {
    return Error(ErrorKind::kMalformed, "unexpected end", Location::at_line(1, 1));
  }
  detail::Parser parser(toks);
  return parser.run();
}

}  // namespace kiln::wat
