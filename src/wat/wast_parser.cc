// wat/wast_parser.cc: the .wast script parser: commands, actions, argument constants and
// result patterns; text modules are handed to the module parser (wat.h) form by form.
#include <cstring>
#include <utility>

#include "wat/lexer.h"
#include "wat/wast.h"
#include "wat/wat.h"

namespace kiln::wat {
namespace {

struct ShapeInfo {
  const char* name;
  int lanes;
  int lane_bytes;
  bool is_float;
};

constexpr ShapeInfo kShapes[] = {
    {"i8x16", 16, 1, false}, {"i16x8", 8, 2, false}, {"i32x4", 4, 4, false},
    {"i64x2", 2, 8, false},  {"f32x4", 4, 4, true},  {"f64x2", 2, 8, true},
};

const ShapeInfo* find_shape(std::string_view name) {
  for (const ShapeInfo& s : kShapes)
    if (name == s.name) return &s;
  return nullptr;
}

std::optional<wasm::HeapKind> abstract_heap_kind(std::string_view name) {
  using wasm::HeapKind;
  static constexpr std::pair<const char*, HeapKind> kNames[] = {
      {"func", HeapKind::kFunc},       {"extern", HeapKind::kExtern},
      {"any", HeapKind::kAny},         {"eq", HeapKind::kEq},
      {"i31", HeapKind::kI31},         {"struct", HeapKind::kStruct},
      {"array", HeapKind::kArray},     {"exn", HeapKind::kExn},
      {"none", HeapKind::kNone},       {"nofunc", HeapKind::kNoFunc},
      {"noextern", HeapKind::kNoExtern}, {"noexn", HeapKind::kNoExn},
      {"cont", HeapKind::kCont},       {"nocont", HeapKind::kNoCont},
  };
  for (const auto& [n, k] : kNames)
    if (name == n) return k;
  return std::nullopt;
}

class WastParser {
 public:
  WastParser(std::string_view text, std::vector<Token> tokens)
      : text_(text), toks_(std::move(tokens)) {}

  Expected<std::vector<Command>> parse_all() {
    std::vector<Command> commands;
    if (is_inline_module()) {
      // A script made only of module fields is one module (the spec's inline module).
      Command cmd;
      cmd.kind = Command::Kind::kModule;
      cmd.loc = Location::at_line(1, 1);
      cmd.has_module = true;
      cmd.module.loc = cmd.loc;
      auto bytes = parse_module(text_);
      if (bytes) {
        cmd.module.binary = std::move(*bytes);
      } else {
        cmd.module.text_error = bytes.error();
      }
      commands.push_back(std::move(cmd));
      return commands;
    }
    while (peek().kind != TokenKind::kEof) {
      KILN_ASSIGN_OR_RETURN(Command cmd, parse_command());
      commands.push_back(std::move(cmd));
    }
    return commands;
  }

 private:
  // The token stream always ends with kEof; reading never moves past it.
  const Token& peek(size_t k = 0) const {
    size_t i = pos_ + k;
    return i < toks_.size() ? toks_[i] : toks_.back();
  }
  const Token& next() {
    const Token& t = peek();
    if (pos_ < toks_.size() - 1) ++pos_;
    return t;
  }

  static Error error(const Token& t, std::string message) {
    return Error(ErrorKind::kMalformed, std::move(message), t.loc());
  }
  static Error unexpected(const Token& t) {
    if (t.kind == TokenKind::kEof) return error(t, "unexpected end of script");
    return error(t, "unexpected token");
  }

  bool at_keyword(std::string_view kw, size_t k = 0) const {
    return peek(k).kind == TokenKind::kKeyword && peek(k).text == kw;
  }
  // "( kw" ahead.
  bool at_form(std::string_view kw) const {
    return peek().kind == TokenKind::kLParen && at_keyword(kw, 1);
  }

  Expected<void> expect(TokenKind kind) {
    if (peek().kind != kind) return unexpected(peek());
    next();
    return ok();
  }

  Expected<std::string> expect_string() {
    if (peek().kind != TokenKind::kString) return unexpected(peek());
    return decode_string(next());
  }

  Expected<std::optional<std::string>> parse_optional_id() {
    if (peek().kind != TokenKind::kId) return std::optional<std::string>();
    KILN_ASSIGN_OR_RETURN(std::string id, decode_id(next()));
    return std::optional<std::string>(std::move(id));
  }

  // True when the first form is a module field rather than a command.
  bool is_inline_module() const {
    static constexpr const char* kFields[] = {"type", "rec", "import", "func", "table", "memory",
                                              "global", "export", "start", "elem", "data", "tag"};
    if (peek().kind != TokenKind::kLParen || peek(1).kind != TokenKind::kKeyword) return false;
    for (const char* f : kFields)
      if (peek(1).text == f) return true;
    return false;
  }

  // Index of the ')' closing the '(' at token index `open`.
  Expected<size_t> matching_paren(size_t open) const {
    int depth = 0;
    for (size_t i = open; i < toks_.size(); ++i) {
      if (toks_[i].kind == TokenKind::kLParen) {
        ++depth;
      } else if (toks_[i].kind == TokenKind::kRParen) {
        if (--depth == 0) return i;
      }
    }
    return error(toks_[open], "unclosed parenthesis");
  }

  Expected<Command> parse_command() {
    const Token& open = peek();
    if (open.kind != TokenKind::kLParen) return unexpected(open);
    const Token& head = peek(1);
    if (head.kind != TokenKind::kKeyword) return error(head, "unknown command");
    Command cmd;
    cmd.loc = open.loc();
    std::string_view kw = head.text;

    if ((kw == "module" || kw == "component") && at_keyword("instance", 2)) {
      next();
      next();
      next();
      cmd.kind = Command::Kind::kModuleInstance;
      KILN_ASSIGN_OR_RETURN(auto inst, parse_optional_id());
      KILN_ASSIGN_OR_RETURN(auto mod, parse_optional_id());
      if (inst) cmd.name = std::move(*inst);
      cmd.ref_id = std::move(mod);
      KILN_TRY(expect(TokenKind::kRParen));
      return cmd;
    }
    if (kw == "module" || kw == "component") {
      cmd.kind = Command::Kind::kModule;
      KILN_ASSIGN_OR_RETURN(cmd.module, parse_module_def());
      cmd.has_module = true;
      return cmd;
    }
    if (kw == "invoke" || kw == "get") {
      cmd.kind = Command::Kind::kAction;
      KILN_ASSIGN_OR_RETURN(cmd.action, parse_action());
      return cmd;
    }

    next();  // '('
    next();  // keyword
    if (kw == "register") {
      cmd.kind = Command::Kind::kRegister;
      KILN_ASSIGN_OR_RETURN(cmd.name, expect_string());
      KILN_ASSIGN_OR_RETURN(cmd.ref_id, parse_optional_id());
    } else if (kw == "assert_return") {
      cmd.kind = Command::Kind::kAssertReturn;
      KILN_ASSIGN_OR_RETURN(cmd.action, parse_action());
      while (peek().kind == TokenKind::kLParen) {
        KILN_ASSIGN_OR_RETURN(Pattern p, parse_pattern());
        cmd.expected.push_back(std::move(p));
      }
    } else if (kw == "assert_trap") {
      cmd.kind = Command::Kind::kAssertTrap;
      if (at_form("module") || at_form("component")) {
        KILN_ASSIGN_OR_RETURN(cmd.module, parse_module_def());
        cmd.has_module = true;
      } else {
        KILN_ASSIGN_OR_RETURN(cmd.action, parse_action());
      }
      KILN_ASSIGN_OR_RETURN(cmd.message, expect_string());
    } else if (kw == "assert_exhaustion" || kw == "assert_suspension") {
      cmd.kind = kw == "assert_exhaustion" ? Command::Kind::kAssertExhaustion
                                           : Command::Kind::kAssertSuspension;
      KILN_ASSIGN_OR_RETURN(cmd.action, parse_action());
      KILN_ASSIGN_OR_RETURN(cmd.message, expect_string());
    } else if (kw == "assert_exception") {
      cmd.kind = Command::Kind::kAssertException;
      KILN_ASSIGN_OR_RETURN(cmd.action, parse_action());
      if (peek().kind == TokenKind::kString) {
        KILN_ASSIGN_OR_RETURN(cmd.message, expect_string());
      }
    } else if (kw == "assert_invalid" || kw == "assert_malformed" || kw == "assert_unlinkable" ||
               kw == "assert_uninstantiable" || kw == "assert_malformed_custom" ||
               kw == "assert_invalid_custom") {
      cmd.custom_annotation = kw.ends_with("_custom");
      if (kw == "assert_invalid" || kw == "assert_invalid_custom") {
        cmd.kind = Command::Kind::kAssertInvalid;
      } else if (kw == "assert_malformed" || kw == "assert_malformed_custom") {
        cmd.kind = Command::Kind::kAssertMalformed;
      } else if (kw == "assert_unlinkable") {
        cmd.kind = Command::Kind::kAssertUnlinkable;
      } else {
        cmd.kind = Command::Kind::kAssertUninstantiable;
      }
      if (!at_form("module") && !at_form("component")) return unexpected(peek());
      KILN_ASSIGN_OR_RETURN(cmd.module, parse_module_def());
      cmd.has_module = true;
      KILN_ASSIGN_OR_RETURN(cmd.message, expect_string());
    } else if (kw == "thread") {
      cmd.kind = Command::Kind::kThread;
      KILN_ASSIGN_OR_RETURN(auto id, parse_optional_id());
      if (id) cmd.name = std::move(*id);
      while (at_form("shared")) {
        next();
        next();
        if (!at_form("module")) return unexpected(peek());
        next();
        next();
        if (peek().kind != TokenKind::kId) return unexpected(peek());
        KILN_ASSIGN_OR_RETURN(std::string mod, decode_id(next()));
        cmd.shared_modules.push_back(std::move(mod));
        KILN_TRY(expect(TokenKind::kRParen));
        KILN_TRY(expect(TokenKind::kRParen));
      }
      while (peek().kind == TokenKind::kLParen) {
        KILN_ASSIGN_OR_RETURN(Command inner, parse_command());
        cmd.body.push_back(std::move(inner));
      }
    } else if (kw == "wait") {
      cmd.kind = Command::Kind::kWait;
      if (peek().kind != TokenKind::kId) return unexpected(peek());
      KILN_ASSIGN_OR_RETURN(cmd.name, decode_id(next()));
    } else {
      return error(head, "unknown command");
    }
    KILN_TRY(expect(TokenKind::kRParen));
    return cmd;
  }

  // (module ...), (module binary ...), (module quote ...), (module definition ...),
  // (component ...). pos_ is at the '('.
  Expected<ModuleDef> parse_module_def() {
    size_t open = pos_;
    KILN_ASSIGN_OR_RETURN(size_t close, matching_paren(open));
    const Token& lparen = toks_[open];
    const Token& rparen = toks_[close];
    std::string_view form_text =
        text_.substr(lparen.offset, rparen.offset + 1 - lparen.offset);
    ModuleDef def;
    def.loc = lparen.loc();
    next();  // '('
    const Token& head = next();
    if (head.kind != TokenKind::kKeyword || (head.text != "module" && head.text != "component"))
      return unexpected(head);
    size_t definition_at = 0;
    if (at_keyword("definition")) {
      def.is_definition = true;
      definition_at = next().offset;
    }
    KILN_ASSIGN_OR_RETURN(def.id, parse_optional_id());

    if (head.text == "component") {
      // Components are parsed by the component text parser later; keep their source.
      def.is_component = true;
      def.form = ModuleDef::Form::kQuote;
      def.quote_text = std::string(form_text);
      pos_ = close + 1;
      return def;
    }

    if (at_keyword("binary")) {
      next();
      def.form = ModuleDef::Form::kBinary;
      while (peek().kind == TokenKind::kString) {
        KILN_ASSIGN_OR_RETURN(std::string bytes, decode_string(next()));
        def.binary.insert(def.binary.end(), bytes.begin(), bytes.end());
      }
      KILN_TRY(expect(TokenKind::kRParen));
      return def;
    }
    if (at_keyword("quote")) {
      next();
      def.form = ModuleDef::Form::kQuote;
      bool first = true;
      while (peek().kind == TokenKind::kString) {
        KILN_ASSIGN_OR_RETURN(std::string s, decode_string(next()));
        // Separate the pieces so a token never spans two strings.
        if (!first) def.quote_text += ' ';
        def.quote_text += s;
        first = false;
      }
      KILN_TRY(expect(TokenKind::kRParen));
      return def;
    }

    def.form = ModuleDef::Form::kText;
    std::string source(form_text);
    if (def.is_definition) {
      // The module parser knows plain (module ...) forms: blank out "definition" in place so
      // every other position, and so every error location, stays the same.
      size_t at = definition_at - lparen.offset;
      std::memset(source.data() + at, ' ', std::strlen("definition"));
    }
    auto bytes = parse_module(source);
    if (bytes) {
      def.binary = std::move(*bytes);
    } else {
      def.text_error = relocate(bytes.error(), lparen);
    }
    pos_ = close + 1;
    return def;
  }

  // Moves an error located in a form's own text to its position in the whole script.
  static Error relocate(const Error& e, const Token& form_start) {
    Location loc = e.location();
    if (loc.line != 0) {
      if (loc.line == 1) loc.column += form_start.column - 1;
      loc.line += form_start.line - 1;
    } else {
      // An error without a text position (e.g. from encoding) points at the form.
      loc.line = form_start.line;
      loc.column = form_start.column;
    }
    return Error(e.kind(), e.message(), loc);
  }

  // (invoke $id? "name" const*) or (get $id? "name"). pos_ is at the '('.
  Expected<Action> parse_action() {
    Action action;
    const Token& open = peek();
    action.loc = open.loc();
    if (at_form("invoke")) {
      action.kind = Action::Kind::kInvoke;
    } else if (at_form("get")) {
      action.kind = Action::Kind::kGet;
    } else {
      return unexpected(open.kind == TokenKind::kLParen ? peek(1) : open);
    }
    next();
    next();
    KILN_ASSIGN_OR_RETURN(action.module_id, parse_optional_id());
    KILN_ASSIGN_OR_RETURN(action.name, expect_string());
    if (action.kind == Action::Kind::kInvoke) {
      while (peek().kind == TokenKind::kLParen) {
        KILN_ASSIGN_OR_RETURN(Value v, parse_const());
        action.args.push_back(std::move(v));
      }
    }
    KILN_TRY(expect(TokenKind::kRParen));
    return action;
  }

  // Reads the lanes of a v128.const after its shape. In patterns, float lanes may be NaN
  // patterns; `lanes` then receives one Pattern per lane.
  Expected<void> parse_v128_lanes(const ShapeInfo& shape, std::array<uint8_t, 16>* bytes,
                                  std::vector<Pattern>* lanes) {
    for (int i = 0; i < shape.lanes; ++i) {
      const Token& t = peek();
      if (t.kind == TokenKind::kRParen || t.kind == TokenKind::kEof)
        return error(t, "wrong number of lane literals");
      Pattern lane;
      lane.value.type = shape.is_float ? (shape.lane_bytes == 4 ? Value::Type::kF32
                                                                  : Value::Type::kF64)
                                       : (shape.lane_bytes == 8 ? Value::Type::kI64
                                                                : Value::Type::kI32);
      uint64_t bits = 0;
      if (lanes && shape.is_float && t.kind == TokenKind::kKeyword &&
          (t.text == "nan:canonical" || t.text == "nan:arithmetic")) {
        lane.kind = t.text == "nan:canonical" ? Pattern::Kind::kNanCanonical
                                              : Pattern::Kind::kNanArithmetic;
      } else {
        switch (shape.lane_bytes * (shape.is_float ? -1 : 1)) {
          case 1: { KILN_ASSIGN_OR_RETURN(bits, parse_i8(t)); break; }
          case 2: { KILN_ASSIGN_OR_RETURN(bits, parse_i16(t)); break; }
          case 4: { KILN_ASSIGN_OR_RETURN(bits, parse_i32(t)); break; }
          case 8: { KILN_ASSIGN_OR_RETURN(bits, parse_i64(t)); break; }
          case -4: { KILN_ASSIGN_OR_RETURN(bits, parse_f32(t)); break; }
          default: { KILN_ASSIGN_OR_RETURN(bits, parse_f64(t)); break; }
        }
      }
      next();
      lane.value.bits = bits;
      for (int b = 0; b < shape.lane_bytes; ++b)
        (*bytes)[static_cast<size_t>(i * shape.lane_bytes + b)] =
            static_cast<uint8_t>(bits >> (8 * b));
      if (lanes) lanes->push_back(std::move(lane));
    }
    if (peek().kind != TokenKind::kRParen) return error(peek(), "wrong number of lane literals");
    return ok();
  }

  // A heap type written after ref.null: an abstract type name or a type index.
  Expected<wasm::HeapType> parse_heap_type() {
    const Token& t = peek();
    if (t.kind == TokenKind::kKeyword) {
      if (auto k = abstract_heap_kind(t.text)) {
        next();
        return wasm::HeapType(*k);
      }
      return error(t, "unknown heap type");
    }
    if (t.kind == TokenKind::kNat) {
      KILN_ASSIGN_OR_RETURN(uint32_t index, parse_u32(t));
      next();
      return wasm::HeapType::index(index);
    }
    return unexpected(t);
  }

  // An argument constant: (i32.const N) ... (v128.const shape lanes), (ref.null ht),
  // (ref.extern N), (ref.host N). pos_ is at the '('.
  Expected<Value> parse_const() {
    KILN_TRY(expect(TokenKind::kLParen));
    const Token& head = next();
    if (head.kind != TokenKind::kKeyword) return unexpected(head);
    Value v;
    std::string_view kw = head.text;
    if (kw == "i32.const") {
      v.type = Value::Type::kI32;
      KILN_ASSIGN_OR_RETURN(uint32_t b, parse_i32(peek()));
      v.bits = b;
      next();
    } else if (kw == "i64.const") {
      v.type = Value::Type::kI64;
      KILN_ASSIGN_OR_RETURN(v.bits, parse_i64(peek()));
      next();
    } else if (kw == "f32.const") {
      v.type = Value::Type::kF32;
      KILN_ASSIGN_OR_RETURN(uint32_t b, parse_f32(peek()));
      v.bits = b;
      next();
    } else if (kw == "f64.const") {
      v.type = Value::Type::kF64;
      KILN_ASSIGN_OR_RETURN(v.bits, parse_f64(peek()));
      next();
    } else if (kw == "v128.const") {
      v.type = Value::Type::kV128;
      const Token& shape_tok = next();
      const ShapeInfo* shape = find_shape(shape_tok.text);
      if (shape_tok.kind != TokenKind::kKeyword || !shape) return error(shape_tok, "unexpected token");
      KILN_TRY(parse_v128_lanes(*shape, &v.v128, nullptr));
    } else if (kw == "ref.null") {
      v.type = Value::Type::kRef;
      v.ref = Value::RefKind::kNull;
      if (peek().kind != TokenKind::kRParen) {
        KILN_ASSIGN_OR_RETURN(v.null_heap, parse_heap_type());
      }
    } else if (kw == "ref.extern" || kw == "ref.host") {
      v.type = Value::Type::kRef;
      v.ref = kw == "ref.extern" ? Value::RefKind::kExtern : Value::RefKind::kHost;
      KILN_ASSIGN_OR_RETURN(v.ref_index, parse_u32(peek()));
      next();
    } else if (is_component_constructor(kw)) {
      v.type = Value::Type::kComponent;
      KILN_TRY(parse_component_value_rest(head, &v));
      return v;
    } else {
      return error(head, "unknown constant");
    }
    KILN_TRY(expect(TokenKind::kRParen));
    return v;
  }

  // The head keywords of component-model values (Value::Type::kComponent).
  static bool is_component_constructor(std::string_view kw) {
    static constexpr const char* kHeads[] = {
        "bool.const",  "s8.const",    "u8.const",    "s16.const",     "u16.const",
        "s32.const",   "u32.const",   "s64.const",   "u64.const",     "char.const",
        "str.const",   "list.const",  "record.const", "tuple.const",  "variant.const",
        "enum.const",  "flags.const", "option.some", "option.none",   "result.ok",
        "result.err",  "field",       "handle.const"};
    for (const char* h : kHeads)
      if (kw == h) return true;
    return false;
  }

  // The rest of a component value after its head keyword, through the closing ')'. Nested
  // forms must be component values too (or core scalars, which the component model also
  // writes as f32.const / f64.const); `field` appears only inside record.const.
  Expected<void> parse_component_value_rest(const Token& head, Value* v) {
    v->constructor = std::string(head.text);
    while (peek().kind != TokenKind::kRParen) {
      const Token& t = peek();
      switch (t.kind) {
        case TokenKind::kLParen: {
          const Token& inner = peek(1);
          if (inner.kind != TokenKind::kKeyword) return unexpected(inner);
          Value child;
          if (is_component_constructor(inner.text)) {
            next();
            next();
            child.type = Value::Type::kComponent;
            KILN_TRY(parse_component_value_rest(inner, &child));
          } else {
            KILN_ASSIGN_OR_RETURN(child, parse_const());
          }
          v->children.push_back(std::move(child));
          break;
        }
        case TokenKind::kString: {
          KILN_ASSIGN_OR_RETURN(std::string s, decode_string(next()));
          v->atoms.push_back(std::move(s));
          break;
        }
        case TokenKind::kKeyword:
        case TokenKind::kNat:
        case TokenKind::kInt:
        case TokenKind::kFloat:
          v->atoms.emplace_back(next().text);
          break;
        default:
          return unexpected(t);
      }
    }
    next();  // ')'
    return ok();
  }

  // An expected result of assert_return. pos_ is at the '('.
  Expected<Pattern> parse_pattern() {
    const Token& open = peek();
    const Token& head = peek(1);
    if (open.kind != TokenKind::kLParen || head.kind != TokenKind::kKeyword) return unexpected(head);
    std::string_view kw = head.text;
    Pattern p;
    auto simple = [&](Pattern::Kind kind) -> Expected<Pattern> {
      next();
      next();
      p.kind = kind;
      p.value.type = Value::Type::kRef;
      KILN_TRY(expect(TokenKind::kRParen));
      return p;
    };
    if (kw == "f32.const" || kw == "f64.const") {
      const Token& arg = peek(2);
      if (arg.kind == TokenKind::kKeyword &&
          (arg.text == "nan:canonical" || arg.text == "nan:arithmetic")) {
        next();
        next();
        next();
        p.kind = arg.text == "nan:canonical" ? Pattern::Kind::kNanCanonical
                                             : Pattern::Kind::kNanArithmetic;
        p.value.type = kw == "f32.const" ? Value::Type::kF32 : Value::Type::kF64;
        KILN_TRY(expect(TokenKind::kRParen));
        return p;
      }
    }
    if (kw == "v128.const") {
      next();
      next();
      const Token& shape_tok = next();
      const ShapeInfo* shape = find_shape(shape_tok.text);
      if (shape_tok.kind != TokenKind::kKeyword || !shape) return error(shape_tok, "unexpected token");
      p.value.type = Value::Type::kV128;
      p.shape = shape->name;
      KILN_TRY(parse_v128_lanes(*shape, &p.value.v128, &p.lanes));
      bool all_exact = true;
      for (const Pattern& lane : p.lanes) all_exact = all_exact && lane.kind == Pattern::Kind::kExact;
      p.kind = all_exact ? Pattern::Kind::kExact : Pattern::Kind::kV128Lanes;
      KILN_TRY(expect(TokenKind::kRParen));
      return p;
    }
    if (kw == "ref.null") {
      next();
      next();
      p.kind = Pattern::Kind::kRefNull;
      p.value.type = Value::Type::kRef;
      p.value.ref = Value::RefKind::kNull;
      if (peek().kind != TokenKind::kRParen) {
        KILN_ASSIGN_OR_RETURN(p.value.null_heap, parse_heap_type());
      }
      KILN_TRY(expect(TokenKind::kRParen));
      return p;
    }
    if (kw == "ref.extern" && peek(2).kind == TokenKind::kRParen) return simple(Pattern::Kind::kRefExternAny);
    if (kw == "ref.func") {
      // (ref.func N) names the function by index (has_index); without N: any non-null funcref.
      next();
      next();
      p.kind = Pattern::Kind::kRefFuncAny;
      p.value.type = Value::Type::kRef;
      if (peek().kind != TokenKind::kRParen) {
        KILN_ASSIGN_OR_RETURN(p.index, parse_u32(peek()));
        p.has_index = true;
        next();
      }
      KILN_TRY(expect(TokenKind::kRParen));
      return p;
    }
    if (kw == "ref.struct") return simple(Pattern::Kind::kRefStruct);
    if (kw == "ref.array") return simple(Pattern::Kind::kRefArray);
    if (kw == "ref.eq") return simple(Pattern::Kind::kRefEq);
    if (kw == "ref.any") return simple(Pattern::Kind::kRefAny);
    if (kw == "ref.exn") return simple(Pattern::Kind::kRefExn);
    if (kw == "ref.i31") {
      next();
      next();
      p.kind = Pattern::Kind::kRefI31;
      p.value.type = Value::Type::kRef;
      if (peek().kind != TokenKind::kRParen) {
        KILN_ASSIGN_OR_RETURN(p.index, parse_u32(peek()));
        p.has_index = true;
        next();
      }
      KILN_TRY(expect(TokenKind::kRParen));
      return p;
    }
    if (kw == "either") {
      next();
      next();
      p.kind = Pattern::Kind::kEither;
      while (peek().kind == TokenKind::kLParen) {
        KILN_ASSIGN_OR_RETURN(Pattern alt, parse_pattern());
        p.alternatives.push_back(std::move(alt));
      }
      if (p.alternatives.empty()) return unexpected(peek());
      KILN_TRY(expect(TokenKind::kRParen));
      return p;
    }
    // Everything else is an exact value written like an argument.
    p.kind = Pattern::Kind::kExact;
    KILN_ASSIGN_OR_RETURN(p.value, parse_const());
    return p;
  }

  std::string_view text_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
};

}  // namespace

Expected<Script> parse_wast(std::string_view text, std::string file_name) {
  KILN_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize(text));
  WastParser parser(text, std::move(tokens));
  KILN_ASSIGN_OR_RETURN(std::vector<Command> commands, parser.parse_all());
  Script script;
  script.file = std::move(file_name);
  script.commands = std::move(commands);
  return script;
}

}  // namespace kiln::wat
