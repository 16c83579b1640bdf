// codegen/ir/parser.cc: lexer and recursive-descent parser of the IR text form.
//
// Every entity number comes from the input, so each is bounded (kMaxEntity) before any table
// grows; every error carries line:column. Result types that depend on operands defined later
// in the text are inferred after the whole function is read.
#include "codegen/ir/parser.h"

#include <cctype>
#include <charconv>
#include <cstring>
#include <string>

namespace kiln::codegen::ir {

// ---------------------------------------------------------------------------------------------
// Literals

namespace {

// Sign and magnitude of an integer literal.
bool parse_int_parts(std::string_view s, bool& neg, uint64_t& mag) {
  neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), mag, base);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

template <typename Bits>
std::optional<Bits> parse_special_float(std::string_view s, int mantissa_bits, int exp_bits) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  constexpr int kTotal = sizeof(Bits) * 8;
  Bits sign = neg ? Bits{1} << (kTotal - 1) : 0;
  Bits exp = ((Bits{1} << exp_bits) - 1) << mantissa_bits;
  if (s == "inf") return sign | exp;
  if (s.substr(0, 3) != "nan") return std::nullopt;
  s.remove_prefix(3);
  Bits payload = Bits{1} << (mantissa_bits - 1);
  if (!s.empty()) {
    if (s.size() < 4 || s.substr(0, 3) != ":0x") return std::nullopt;
    uint64_t p = 0;
    auto r = std::from_chars(s.data() + 3, s.data() + s.size(), p, 16);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
    if (p == 0 || p >= (uint64_t{1} << mantissa_bits)) return std::nullopt;
    payload = static_cast<Bits>(p);
  }
  return sign | exp | payload;
}

}  // namespace

std::optional<int64_t> parse_int_literal(std::string_view s) {
  bool neg;
  uint64_t mag;
  if (!parse_int_parts(s, neg, mag)) return std::nullopt;
  if (neg) {
    if (mag > (uint64_t{1} << 63)) return std::nullopt;
    return static_cast<int64_t>(uint64_t{0} - mag);
  }
  return static_cast<int64_t>(mag);
}

std::optional<uint64_t> parse_int_of_width(std::string_view s, uint32_t bits) {
  bool neg;
  uint64_t mag;
  if (bits == 0 || bits > 64 || !parse_int_parts(s, neg, mag)) return std::nullopt;
  uint64_t mask = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  if (neg) {
    if (mag > (uint64_t{1} << (bits - 1))) return std::nullopt;
    return (uint64_t{0} - mag) & mask;
  }
  if (mag > mask) return std::nullopt;
  return mag;
}

std::optional<uint32_t> parse_f32_literal(std::string_view s) {
  if (auto sp = parse_special_float<uint32_t>(s, 23, 8)) return sp;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  float f = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), f, std::chars_format::general);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

std::optional<uint64_t> parse_f64_literal(std::string_view s) {
  if (auto sp = parse_special_float<uint64_t>(s, 52, 11)) return sp;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double d = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), d, std::chars_format::general);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return bits;
}

std::optional<V128Bytes> parse_v128_literal(std::string_view s) {
  if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return std::nullopt;
  s.remove_prefix(2);
  if (s.size() > 32) return std::nullopt;
  V128Bytes out{};
  for (size_t k = 0; k < s.size(); ++k) {
    char c = s[s.size() - 1 - k];
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else return std::nullopt;
    out[k / 2] |= static_cast<uint8_t>(v << (4 * (k % 2)));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Lexer

namespace {

enum class Tok : uint8_t { kIdent, kName, kNumber, kPunct, kArrow, kEof };

struct Token {
  Tok kind;
  std::string_view text;
  uint32_t line, col;
};

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

Expected<std::vector<Token>> lex(std::string_view src) {
  std::vector<Token> out;
  uint32_t line = 1;
  size_t line_start = 0;
  size_t i = 0;
  while (i < src.size()) {
    char c = src[i];
    if (c == '\n') {
      ++line;
      line_start = ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') { ++i; continue; }
    if (c == ';') {
      while (i < src.size() && src[i] != '\n') ++i;
      continue;
    }
    uint32_t col = static_cast<uint32_t>(i - line_start + 1);
    size_t start = i;
    auto push = [&](Tok k) { out.push_back({k, src.substr(start, i - start), line, col}); };
    if (ident_start(c)) {
      while (i < src.size() && ident_char(src[i])) ++i;
      push(Tok::kIdent);
    } else if (c == '%') {
      ++i;
      while (i < src.size() && ident_char(src[i])) ++i;
      if (i == start + 1) {
        return Error(ErrorKind::kMalformed, "expected a name after %", Location::at_line(line, col));
      }
      push(Tok::kName);
    } else if (c == '-' && i + 1 < src.size() && src[i + 1] == '>') {
      i += 2;
      push(Tok::kArrow);
    } else if (digit(c) || ((c == '+' || c == '-') && i + 1 < src.size() &&
                            (digit(src[i + 1]) || src[i + 1] == 'i' || src[i + 1] == 'n'))) {
      if (c == '+' || c == '-') ++i;
      if (src.substr(i, 3) == "inf" || src.substr(i, 3) == "nan") {
        i += 3;
        if (i + 2 < src.size() && src[i] == ':' && src[i + 1] == '0' && src[i + 2] == 'x') {
          i += 3;
          while (i < src.size() && std::isxdigit(static_cast<unsigned char>(src[i]))) ++i;
        }
      } else if (src.substr(i, 2) == "0x" || src.substr(i, 2) == "0X") {
        i += 2;
        while (i < src.size() && std::isxdigit(static_cast<unsigned char>(src[i]))) ++i;
      } else {
        while (i < src.size() && (digit(src[i]) || src[i] == '.')) ++i;
        if (i < src.size() && (src[i] == 'e' || src[i] == 'E')) {
          ++i;
          if (i < src.size() && (src[i] == '+' || src[i] == '-')) ++i;
          while (i < src.size() && digit(src[i])) ++i;
        }
      }
      push(Tok::kNumber);
    } else if (std::strchr("(){}[],:=.", c) != nullptr) {
      ++i;
      push(Tok::kPunct);
    } else {
      return Error(ErrorKind::kMalformed, std::string("unexpected character '") + c + "'",
                   Location::at_line(line, col));
    }
  }
  out.push_back({Tok::kEof, {}, line, static_cast<uint32_t>(i - line_start + 1)});
  return out;
}

// Entity numbers are bounded so hostile input cannot make tables grow without limit.
constexpr uint32_t kMaxEntity = 1u << 20;

// ---------------------------------------------------------------------------------------------
// Parser

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : toks_(std::move(toks)) {}

  Expected<std::vector<ParsedFunction>> parse_all() {
    std::vector<ParsedFunction> out;
    while (peek().kind != Tok::kEof) {
      ParsedFunction pf;
      pf.first_line = peek().line;
      KILN_TRY(parse_function(pf.func));
      pf.last_line = toks_[pos_ - 1].line;
      out.push_back(std::move(pf));
    }
    return out;
  }

 private:
  const Token& peek(size_t k = 0) const {
    size_t p = pos_ + k;
    return p < toks_.size() ? toks_[p] : toks_.back();
  }
  const Token& next() {
    const Token& t = peek();
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  Error err(const Token& t, const std::string& msg) const {
    std::string where = t.kind == Tok::kEof ? "end of input" : "'" + std::string(t.text) + "'";
    return Error(ErrorKind::kMalformed, msg + " at " + where, Location::at_line(t.line, t.col));
  }
  bool is_punct(char c, size_t k = 0) const {
    return peek(k).kind == Tok::kPunct && peek(k).text[0] == c;
  }
  bool accept(char c) {
    if (!is_punct(c)) return false;
    next();
    return true;
  }
  Expected<void> expect(char c) {
    if (!accept(c)) return err(peek(), std::string("expected '") + c + "'");
    return {};
  }
  bool is_ident(std::string_view s) const {
    return peek().kind == Tok::kIdent && peek().text == s;
  }

  // "v12" with prefix "v" -> 12.
  static std::optional<uint32_t> entity_number(const Token& t, std::string_view prefix) {
    if (t.kind != Tok::kIdent || t.text.size() <= prefix.size() ||
        t.text.substr(0, prefix.size()) != prefix) {
      return std::nullopt;
    }
    std::string_view digits = t.text.substr(prefix.size());
    if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
    uint32_t n = 0;
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (r.ec != std::errc() || r.ptr != digits.data() + digits.size()) return std::nullopt;
    return n;
  }
  bool is_entity(std::string_view prefix, size_t k = 0) const {
    return entity_number(peek(k), prefix).has_value();
  }

  Expected<uint32_t> parse_entity(std::string_view prefix, const char* what) {
    const Token& t = peek();
    auto n = entity_number(t, prefix);
    if (!n) return err(t, std::string("expected ") + what);
    if (*n >= kMaxEntity) return err(t, std::string(what) + " number too large");
    next();
    return *n;
  }

  Expected<Type> parse_type() {
    const Token& t = peek();
    if (t.kind == Tok::kIdent) {
      if (auto ty = Type::parse(t.text)) {
        next();
        return *ty;
      }
    }
    return err(t, "expected a type");
  }

  // --- values and blocks, with number-preserving placeholders ---
  Value value_at(uint32_t n) {
    DataFlowGraph& dfg = f_->dfg;
    while (dfg.num_values() <= n) dfg.make_placeholder();
    return Value(n);
  }
  Expected<Value> parse_value_use() {
    const Token& t = peek();
    KILN_ASSIGN_OR_RETURN(uint32_t n, parse_entity("v", "a value"));
    Value v = value_at(n);
    if (!used_.contains(v) && !defined_.contains(v)) first_use_.push_back({v, t});
    used_.insert(v);
    return v;
  }
  Expected<Value> parse_value_def() {
    const Token& t = peek();
    KILN_ASSIGN_OR_RETURN(uint32_t n, parse_entity("v", "a value"));
    Value v = value_at(n);
    if (!defined_.insert(v)) return err(t, "value defined twice");
    return v;
  }
  Block block_at(uint32_t n) {
    while (f_->dfg.num_blocks() <= n) f_->dfg.make_block();
    return Block(n);
  }
  Expected<Block> parse_block_use() {
    const Token& t = peek();
    KILN_ASSIGN_OR_RETURN(uint32_t n, parse_entity("block", "a block"));
    Block b = block_at(n);
    block_uses_.push_back({b, t});
    return b;
  }
  Expected<BlockCall> parse_block_call() {
    KILN_ASSIGN_OR_RETURN(Block b, parse_block_use());
    std::vector<Value> args;
    if (accept('(')) {
      KILN_TRY(parse_value_list(args, ')'));
    }
    return f_->dfg.make_block_call(b, args);
  }
  // Values separated by commas, up to and including `close`.
  Expected<void> parse_value_list(std::vector<Value>& out, char close) {
    if (accept(close)) return {};
    for (;;) {
      KILN_ASSIGN_OR_RETURN(Value v, parse_value_use());
      out.push_back(v);
      if (accept(close)) return {};
      KILN_TRY(expect(','));
    }
  }

  // --- function header and preamble ---
  Expected<void> parse_abi_list(std::vector<AbiParam>& out, bool until_paren) {
    if (until_paren && accept(')')) return {};
    for (;;) {
      AbiParam p;
      KILN_ASSIGN_OR_RETURN(p.type, parse_type());
      if (is_ident("vmctx")) {
        next();
        p.purpose = ArgumentPurpose::kVmctx;
      }
      out.push_back(p);
      if (until_paren && accept(')')) return {};
      if (!until_paren && !is_punct(',')) return {};
      KILN_TRY(expect(','));
    }
  }
  Expected<Signature> parse_signature() {
    Signature sig;
    KILN_TRY(expect('('));
    KILN_TRY(parse_abi_list(sig.params, true));
    if (peek().kind == Tok::kArrow) {
      next();
      KILN_TRY(parse_abi_list(sig.returns, false));
    }
    return sig;
  }

  Expected<void> parse_preamble_entry() {
    const Token& t = peek();
    if (auto n = entity_number(t, "ss")) {
      next();
      if (*n != f_->stack_slots.size()) return err(t, "stack slots must be numbered in order");
      KILN_TRY(expect('='));
      if (!is_ident("explicit_slot")) return err(peek(), "expected explicit_slot");
      next();
      auto size = parse_int_of_width(peek().text, 32);
      if (peek().kind != Tok::kNumber || !size) return err(peek(), "expected a slot size");
      next();
      uint32_t align_shift = 0;
      if (accept(',')) {
        if (!is_ident("align")) return err(peek(), "expected align");
        next();
        KILN_TRY(expect('='));
        auto align = parse_int_of_width(peek().text, 32);
        if (peek().kind != Tok::kNumber || !align || *align == 0 || (*align & (*align - 1)) ||
            *align > 4096) {
          return err(peek(), "expected a power-of-two alignment up to 4096");
        }
        next();
        while ((uint64_t{1} << align_shift) < *align) ++align_shift;
      }
      f_->create_stack_slot(static_cast<uint32_t>(*size), align_shift);
      return {};
    }
    if (auto n = entity_number(t, "sig")) {
      next();
      if (*n != f_->dfg.signatures.size()) return err(t, "signatures must be numbered in order");
      KILN_TRY(expect('='));
      KILN_ASSIGN_OR_RETURN(Signature sig, parse_signature());
      if (is_ident("preserve_all")) {
        next();
        sig.call_conv = CallConv::kPreserveAll;
      }
      f_->import_signature(std::move(sig));
      return {};
    }
    if (auto n = entity_number(t, "fn")) {
      next();
      if (*n != f_->dfg.ext_funcs.size()) return err(t, "functions must be numbered in order");
      KILN_TRY(expect('='));
      ExtFuncData d;
      if (is_ident("colocated")) {
        next();
        d.colocated = true;
      }
      const Token& nt = peek();
      if (nt.kind == Tok::kName) {
        d.name.test_name = std::string(nt.text.substr(1));
        next();
      } else if (auto ns = entity_number(nt, "u")) {
        next();
        KILN_TRY(expect(':'));
        auto idx = parse_int_of_width(peek().text, 32);
        if (peek().kind != Tok::kNumber || !idx) return err(peek(), "expected a name index");
        next();
        d.name.is_user = true;
        d.name.ns = *ns;
        d.name.index = static_cast<uint32_t>(*idx);
      } else {
        return err(nt, "expected %name or u<ns>:<index>");
      }
      const Token& st = peek();
      KILN_ASSIGN_OR_RETURN(uint32_t s, parse_entity("sig", "a signature"));
      if (s >= f_->dfg.signatures.size()) return err(st, "undeclared signature");
      d.signature = SigRef(s);
      f_->import_function(std::move(d));
      return {};
    }
    return err(t, "expected a declaration or a block");
  }

  Expected<void> parse_function(Function& f) {
    f_ = &f;
    defined_.clear();
    used_.clear();
    first_use_.clear();
    block_uses_.clear();
    pending_.clear();
    if (!is_ident("function")) return err(peek(), "expected 'function'");
    next();
    if (peek().kind != Tok::kName) return err(peek(), "expected a function name");
    f.name = std::string(next().text.substr(1));
    KILN_ASSIGN_OR_RETURN(f.signature, parse_signature());
    KILN_TRY(expect('{'));
    while (!is_entity("block") && !is_punct('}')) KILN_TRY(parse_preamble_entry());
    while (!accept('}')) KILN_TRY(parse_block());
    for (auto& [b, t] : block_uses_) {
      if (!f.layout.is_block_inserted(b)) return err(t, "undefined block");
    }
    for (auto& [v, t] : first_use_) {
      if (!defined_.contains(v)) return err(t, "undefined value");
    }
    return infer_pending_types();
  }

  Expected<void> parse_block() {
    const Token& t = peek();
    KILN_ASSIGN_OR_RETURN(uint32_t n, parse_entity("block", "a block"));
    Block b = block_at(n);
    if (f_->layout.is_block_inserted(b)) return err(t, "block defined twice");
    f_->layout.append_block(b);
    if (accept('(')) {
      for (;;) {
        KILN_ASSIGN_OR_RETURN(Value v, parse_value_def());
        KILN_TRY(expect(':'));
        KILN_ASSIGN_OR_RETURN(Type ty, parse_type());
        f_->dfg.attach_block_param(b, v, ty);
        if (accept(')')) break;
        KILN_TRY(expect(','));
      }
    }
    KILN_TRY(expect(':'));
    while (!is_entity("block") && !is_punct('}') && peek().kind != Tok::kEof) {
      KILN_TRY(parse_inst(b));
    }
    return {};
  }

  Expected<int32_t> parse_offset() {
    const Token& t = peek();
    if (t.kind != Tok::kNumber || (t.text[0] != '+' && t.text[0] != '-')) return 0;
    auto v = parse_int_literal(t.text);
    if (!v || *v < INT32_MIN || *v > INT32_MAX) return err(t, "offset out of range");
    next();
    return static_cast<int32_t>(*v);
  }

  Expected<TrapCode> parse_trap_code() {
    const Token& t = peek();
    if (t.kind == Tok::kIdent) {
      if (auto c = parse_trapcode(t.text)) {
        next();
        return *c;
      }
    }
    return err(t, "expected a trap code");
  }

  Expected<uint32_t> parse_ref(std::string_view prefix, const char* what, size_t limit) {
    const Token& t = peek();
    KILN_ASSIGN_OR_RETURN(uint32_t n, parse_entity(prefix, what));
    if (n >= limit) return err(t, std::string("undeclared ") + what);
    return n;
  }

  Expected<void> parse_inst(Block b) {
    DataFlowGraph& dfg = f_->dfg;
    std::vector<std::pair<Value, Token>> results;
    if (is_entity("v") && (is_punct(',', 1) || is_punct('=', 1))) {
      for (;;) {
        const Token& t = peek();
        KILN_ASSIGN_OR_RETURN(Value v, parse_value_def());
        results.push_back({v, t});
        if (accept('=')) break;
        KILN_TRY(expect(','));
      }
    }
    const Token& op_tok = peek();
    std::optional<Opcode> op;
    if (op_tok.kind == Tok::kIdent) op = parse_opcode(op_tok.text);
    if (!op) return err(op_tok, "expected an instruction");
    next();
    InstData d;
    d.opcode = *op;
    if (has_explicit_type(*op)) {
      KILN_TRY(expect('.'));
      KILN_ASSIGN_OR_RETURN(d.type, parse_type());
    }
    auto value = [&](int k) -> Expected<void> {
      KILN_ASSIGN_OR_RETURN(d.args[k], parse_value_use());
      return {};
    };
    auto comma_value = [&](int k) -> Expected<void> {
      KILN_TRY(expect(','));
      return value(k);
    };
    auto lane = [&]() -> Expected<void> {
      KILN_TRY(expect(','));
      auto l = parse_int_of_width(peek().text, 8);
      if (peek().kind != Tok::kNumber || !l) return err(peek(), "expected a lane index");
      next();
      d.imm = static_cast<int64_t>(*l);
      return {};
    };
    auto mem_flags = [&]() {
      MemFlags fl;
      for (;;) {
        if (is_ident("notrap")) fl.bits |= MemFlags::kNotrap;
        else if (is_ident("aligned")) fl.bits |= MemFlags::kAligned;
        else if (is_ident("readonly")) fl.bits |= MemFlags::kReadonly;
        else if (is_ident("heap")) fl.set_region(AliasRegion::kHeap);
        else if (is_ident("table")) fl.set_region(AliasRegion::kTable);
        else if (is_ident("vmctx")) fl.set_region(AliasRegion::kVmctx);
        else break;
        next();
      }
      d.aux = fl.bits;
    };
    switch (d.format()) {
      case InstFormat::kUnaryImm: {
        const Token& t = peek();
        if (!d.type.is_int() || d.type.bits() > 64) return err(op_tok, "iconst needs i8..i64");
        auto v = parse_int_of_width(t.text, d.type.bits());
        if (t.kind != Tok::kNumber || !v) return err(t, "expected an integer of the type's width");
        next();
        d.imm = static_cast<int64_t>(*v);
        break;
      }
      case InstFormat::kUnaryIeee32: {
        auto v = parse_f32_literal(peek().text);
        if (peek().kind != Tok::kNumber || !v) return err(peek(), "expected an f32 literal");
        next();
        d.imm = *v;
        break;
      }
      case InstFormat::kUnaryIeee64: {
        auto v = parse_f64_literal(peek().text);
        if (peek().kind != Tok::kNumber || !v) return err(peek(), "expected an f64 literal");
        next();
        d.imm = static_cast<int64_t>(*v);
        break;
      }
      case InstFormat::kUnaryConst: {
        auto v = parse_v128_literal(peek().text);
        if (peek().kind != Tok::kNumber || !v) return err(peek(), "expected a 0x... constant");
        next();
        d.aux = f_->make_constant(*v).index();
        break;
      }
      case InstFormat::kUnary: KILN_TRY(value(0)); break;
      case InstFormat::kBinary: KILN_TRY(value(0)); KILN_TRY(comma_value(1)); break;
      case InstFormat::kTernary:
        KILN_TRY(value(0));
        KILN_TRY(comma_value(1));
        KILN_TRY(comma_value(2));
        break;
      case InstFormat::kIntCompare: {
        std::optional<IntCC> cc;
        if (peek().kind == Tok::kIdent) cc = parse_intcc(peek().text);
        if (!cc) return err(peek(), "expected an integer condition code");
        next();
        d.aux = static_cast<uint32_t>(*cc);
        KILN_TRY(value(0));
        KILN_TRY(comma_value(1));
        break;
      }
      case InstFormat::kFloatCompare: {
        std::optional<FloatCC> cc;
        if (peek().kind == Tok::kIdent) cc = parse_floatcc(peek().text);
        if (!cc) return err(peek(), "expected a float condition code");
        next();
        d.aux = static_cast<uint32_t>(*cc);
        KILN_TRY(value(0));
        KILN_TRY(comma_value(1));
        break;
      }
      case InstFormat::kLoad: {
        mem_flags();
        KILN_TRY(value(0));
        KILN_ASSIGN_OR_RETURN(int32_t off, parse_offset());
        d.imm = off;
        break;
      }
      case InstFormat::kStore: {
        mem_flags();
        KILN_TRY(value(0));
        KILN_TRY(comma_value(1));
        KILN_ASSIGN_OR_RETURN(int32_t off, parse_offset());
        d.imm = off;
        break;
      }
      case InstFormat::kStackLoad: {
        KILN_ASSIGN_OR_RETURN(d.aux, parse_ref("ss", "stack slot", f_->stack_slots.size()));
        KILN_ASSIGN_OR_RETURN(int32_t off, parse_offset());
        d.imm = off;
        break;
      }
      case InstFormat::kStackStore: {
        KILN_TRY(value(0));
        KILN_TRY(expect(','));
        KILN_ASSIGN_OR_RETURN(d.aux, parse_ref("ss", "stack slot", f_->stack_slots.size()));
        KILN_ASSIGN_OR_RETURN(int32_t off, parse_offset());
        d.imm = off;
        break;
      }
      case InstFormat::kCall: {
        KILN_ASSIGN_OR_RETURN(d.aux, parse_ref("fn", "function", dfg.ext_funcs.size()));
        KILN_TRY(expect('('));
        std::vector<Value> args;
        KILN_TRY(parse_value_list(args, ')'));
        d.vargs = dfg.make_list(args);
        break;
      }
      case InstFormat::kCallIndirect: {
        KILN_ASSIGN_OR_RETURN(d.aux, parse_ref("sig", "signature", dfg.signatures.size()));
        KILN_TRY(expect(','));
        std::vector<Value> args;
        KILN_ASSIGN_OR_RETURN(Value callee, parse_value_use());
        args.push_back(callee);
        KILN_TRY(expect('('));
        KILN_TRY(parse_value_list(args, ')'));
        d.vargs = dfg.make_list(args);
        break;
      }
      case InstFormat::kFuncAddr: {
        KILN_ASSIGN_OR_RETURN(d.aux, parse_ref("fn", "function", dfg.ext_funcs.size()));
        break;
      }
      case InstFormat::kJump: {
        KILN_ASSIGN_OR_RETURN(d.dest[0], parse_block_call());
        break;
      }
      case InstFormat::kBrif: {
        KILN_TRY(value(0));
        KILN_TRY(expect(','));
        KILN_ASSIGN_OR_RETURN(d.dest[0], parse_block_call());
        KILN_TRY(expect(','));
        KILN_ASSIGN_OR_RETURN(d.dest[1], parse_block_call());
        break;
      }
      case InstFormat::kBranchTable: {
        KILN_TRY(value(0));
        KILN_TRY(expect(','));
        JumpTableData jt;
        KILN_ASSIGN_OR_RETURN(jt.default_target, parse_block_call());
        KILN_TRY(expect(','));
        KILN_TRY(expect('['));
        if (!accept(']')) {
          for (;;) {
            KILN_ASSIGN_OR_RETURN(BlockCall bc, parse_block_call());
            jt.targets.push_back(bc);
            if (accept(']')) break;
            KILN_TRY(expect(','));
          }
        }
        d.aux = dfg.jump_tables.push(std::move(jt)).index();
        break;
      }
      case InstFormat::kMultiAry: {
        // Operands must be on the instruction's line: `return` may have none, and the next
        // line can start with a value.
        std::vector<Value> args;
        if (is_entity("v") && peek().line == op_tok.line) {
          for (;;) {
            KILN_ASSIGN_OR_RETURN(Value v, parse_value_use());
            args.push_back(v);
            if (!accept(',')) break;
          }
        }
        d.vargs = dfg.make_list(args);
        break;
      }
      case InstFormat::kTrap: {
        KILN_ASSIGN_OR_RETURN(TrapCode c, parse_trap_code());
        d.aux = static_cast<uint32_t>(c);
        break;
      }
      case InstFormat::kCondTrap: {
        KILN_TRY(value(0));
        KILN_TRY(expect(','));
        KILN_ASSIGN_OR_RETURN(TrapCode c, parse_trap_code());
        d.aux = static_cast<uint32_t>(c);
        break;
      }
      case InstFormat::kIntAddTrap: {
        KILN_TRY(value(0));
        KILN_TRY(comma_value(1));
        KILN_TRY(expect(','));
        KILN_ASSIGN_OR_RETURN(TrapCode c, parse_trap_code());
        d.aux = static_cast<uint32_t>(c);
        break;
      }
      case InstFormat::kExtractLane: KILN_TRY(value(0)); KILN_TRY(lane()); break;
      case InstFormat::kInsertLane:
        KILN_TRY(value(0));
        KILN_TRY(comma_value(1));
        KILN_TRY(lane());
        break;
    }
    Inst inst = dfg.make_inst(d);
    f_->layout.append_inst(inst, b);
    for (auto& [v, t] : results) dfg.attach_result(inst, v, Type());
    pending_.push_back({inst, op_tok});
    return {};
  }

  // Gives every result its type. Operands defined later in the text may be typed only after
  // their own instruction, so this repeats until nothing changes (each round types at least
  // one instruction, or stops).
  Expected<void> infer_pending_types() {
    DataFlowGraph& dfg = f_->dfg;
    std::vector<Type> types;
    bool progress = true;
    while (progress && !pending_.empty()) {
      progress = false;
      for (size_t k = 0; k < pending_.size();) {
        Inst inst = pending_[k].first;
        if (!dfg.result_types(inst, types)) {
          ++k;
          continue;
        }
        auto results = dfg.inst_results(inst);
        if (results.size() != types.size()) {
          return err(pending_[k].second, "instruction has " + std::to_string(types.size()) +
                                             " results, " + std::to_string(results.size()) +
                                             " named");
        }
        for (size_t r = 0; r < types.size(); ++r) dfg.set_value_type(results[r], types[r]);
        pending_[k] = pending_.back();
        pending_.pop_back();
        progress = true;
      }
    }
    if (!pending_.empty()) {
      return err(pending_.front().second, "cannot infer the result type of this instruction");
    }
    return {};
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
  Function* f_ = nullptr;
  EntitySet<Value> defined_, used_;
  std::vector<std::pair<Value, Token>> first_use_;
  std::vector<std::pair<Block, Token>> block_uses_;
  std::vector<std::pair<Inst, Token>> pending_;
};

}  // namespace

Expected<std::vector<ParsedFunction>> parse_functions(std::string_view text) {
  KILN_ASSIGN_OR_RETURN(std::vector<Token> toks, lex(text));
  Parser p(std::move(toks));
  return p.parse_all();
}

Expected<Function> parse_function(std::string_view text) {
  KILN_ASSIGN_OR_RETURN(std::vector<ParsedFunction> fs, parse_functions(text));
  if (fs.size() != 1) {
    return Error(ErrorKind::kMalformed,
                 "expected one function, found " + std::to_string(fs.size()));
  }
  return std::move(fs[0].func);
}

}  // namespace kiln::codegen::ir
