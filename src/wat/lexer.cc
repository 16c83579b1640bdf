// wat/lexer.cc: the WebAssembly text format tokenizer (comments, annotations, strings, token
// classification) and the exact literal parsers for integers, floats, strings and identifiers.
#include "wat/lexer.h"

#include <locale.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace kiln::wat {
namespace {

bool is_idchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '/': case ':': case '<': case '=': case '>': case '?': case '@': case '\\':
    case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

// Characters that the 3.0 grammar folds into reserved tokens besides idchars and strings.
bool is_reserved_punct(unsigned char c) {
  return c == ',' || c == '[' || c == ']' || c == '{' || c == '}';
}

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_digit(unsigned char c, bool hex) { return hex ? hex_value(c) >= 0 : (c >= '0' && c <= '9'); }

// Length of the well-formed UTF-8 sequence starting at s[i] (which is >= 0x80), or 0.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto b = [&](size_t k) -> unsigned { return static_cast<unsigned char>(s[k]); };
  unsigned c = b(i);
  size_t len;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
  else return 0;
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  // Reject overlong forms, surrogates and code points past U+10FFFF.
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
  return len;
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) { ++i; continue; }
    size_t len = utf8_sequence_length(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Scans digits with optional single '_' between digits from s[i]. Returns the index after the
// last digit, or npos when there is no digit or an underscore is misplaced.
size_t scan_num(std::string_view s, size_t i, bool hex) {
  if (i >= s.size() || !is_digit(s[i], hex)) return std::string_view::npos;
  ++i;
  while (i < s.size()) {
    if (is_digit(s[i], hex)) {
      ++i;
    } else if (s[i] == '_' && i + 1 < s.size() && is_digit(s[i + 1], hex)) {
      i += 2;
    } else {
      break;
    }
  }
  return i;
}

// Classifies an idchar run as a number, a keyword or reserved.
TokenKind classify_idchars(std::string_view s) {
  constexpr size_t npos = std::string_view::npos;
  size_t i = 0;
  bool sign = !s.empty() && (s[0] == '+' || s[0] == '-');
  if (sign) i = 1;
  std::string_view r = s.substr(i);
  if (r == "inf" || r == "nan") return TokenKind::kFloat;
  if (r.substr(0, 6) == "nan:0x") {
    if (scan_num(r, 6, true) == r.size()) return TokenKind::kFloat;
  } else if (r.substr(0, 2) == "0x") {
    size_t j = scan_num(r, 2, true);
    if (j != npos) {
      if (j == r.size()) return sign ? TokenKind::kInt : TokenKind::kNat;
      if (r[j] == '.') {
        ++j;
        if (j < r.size() && is_digit(r[j], true)) {
          j = scan_num(r, j, true);
        }
      }
      if (j != npos && j < r.size() && (r[j] == 'p' || r[j] == 'P')) {
        ++j;
        if (j < r.size() && (r[j] == '+' || r[j] == '-')) ++j;
        j = scan_num(r, j, false);
      }
      if (j == r.size()) return TokenKind::kFloat;
    }
  } else {
    size_t j = scan_num(r, 0, false);
    if (j != npos) {
      if (j == r.size()) return sign ? TokenKind::kInt : TokenKind::kNat;
      if (r[j] == '.') {
        ++j;
        if (j < r.size() && is_digit(r[j], false)) j = scan_num(r, j, false);
      }
      if (j != npos && j < r.size() && (r[j] == 'e' || r[j] == 'E')) {
        ++j;
        if (j < r.size() && (r[j] == '+' || r[j] == '-')) ++j;
        j = scan_num(r, j, false);
      }
      if (j == r.size()) return TokenKind::kFloat;
    }
  }
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') return TokenKind::kKeyword;
  return TokenKind::kReserved;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Expected<std::vector<Token>> run() {
    std::vector<Token> tokens;
    while (true) {
      KILN_TRY(skip_trivia());
      if (pos_ >= text_.size()) break;
      unsigned char c = text_[pos_];
      size_t start = pos_;
      if (c == '(') {
        if (peek(1) == '@') {
          KILN_TRY(skip_annotation());
          continue;
        }
        ++pos_;
        tokens.push_back(make(TokenKind::kLParen, start));
      } else if (c == ')') {
        ++pos_;
        tokens.push_back(make(TokenKind::kRParen, start));
      } else if (is_idchar(c) || c == '"' || c == ';' || is_reserved_punct(c)) {
        KILN_ASSIGN_OR_RETURN(TokenKind kind, scan_run());
        tokens.push_back(make(kind, start));
      } else {
        return bad_char(pos_);
      }
    }
    tokens.push_back(make(TokenKind::kEof, text_.size()));
    return tokens;
  }

 private:
  unsigned char peek(size_t k) const {
    return pos_ + k < text_.size() ? static_cast<unsigned char>(text_[pos_ + k]) : 0;
  }

  // Line and column of a byte offset; offsets are requested in increasing order, so the scan
  // resumes where the previous one stopped.
  void position(size_t offset, uint32_t* line, uint32_t* column) {
    if (offset < line_scan_) {  // errors may point back into a token: rescan from the start
      line_scan_ = 0;
      line_ = 1;
      line_start_ = 0;
    }
    for (; line_scan_ < offset && line_scan_ < text_.size(); ++line_scan_) {
      if (text_[line_scan_] == '\n') {
        ++line_;
        line_start_ = line_scan_ + 1;
      }
    }
    *line = line_;
    *column = static_cast<uint32_t>(offset - line_start_ + 1);
  }

  Token make(TokenKind kind, size_t start) {
    Token t;
    t.kind = kind;
    t.text = text_.substr(start, pos_ - start);
    t.offset = static_cast<uint32_t>(start);
    position(start, &t.line, &t.column);
    return t;
  }

  Error error_at(size_t offset, const char* message) {
    uint32_t line, column;
    position(offset, &line, &column);
    return Error(ErrorKind::kMalformed, message, Location::at_line(line, column));
  }

  // A character that cannot start or continue a token.
  Error bad_char(size_t at) {
    unsigned char c = text_[at];
    if (c >= 0x80 && utf8_sequence_length(text_, at) == 0) return error_at(at, "malformed UTF-8 encoding");
    return error_at(at, "illegal character");
  }

  // Skips one character inside a comment, checking that the source is well-formed UTF-8.
  Expected<void> skip_comment_char() {
    unsigned char c = text_[pos_];
    if (c < 0x80) {
      ++pos_;
      return ok();
    }
    size_t len = utf8_sequence_length(text_, pos_);
    if (len == 0) return error_at(pos_, "malformed UTF-8 encoding");
    pos_ += len;
    return ok();
  }

  Expected<void> skip_block_comment() {
    size_t start = pos_;
    pos_ += 2;
    int depth = 1;
    while (pos_ < text_.size()) {
      if (text_[pos_] == '(' && peek(1) == ';') {
        pos_ += 2;
        ++depth;
      } else if (text_[pos_] == ';' && peek(1) == ')') {
        pos_ += 2;
        if (--depth == 0) return ok();
      } else {
        KILN_TRY(skip_comment_char());
      }
    }
    return error_at(start, "unclosed comment");
  }

  Expected<void> skip_trivia() {
    while (pos_ < text_.size()) {
      unsigned char c = text_[pos_];
      if (is_space(c)) {
        ++pos_;
      } else if (c == ';' && peek(1) == ';') {
        while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') KILN_TRY(skip_comment_char());
      } else if (c == '(' && peek(1) == ';') {
        KILN_TRY(skip_block_comment());
      } else {
        break;
      }
    }
    return ok();
  }

  // Scans a string literal starting at the opening quote; pos_ ends after the closing quote.
  Expected<void> scan_string() {
    size_t start = pos_;
    ++pos_;
    while (true) {
      if (pos_ >= text_.size()) return error_at(start, "unclosed string");
      unsigned char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return ok();
      }
      if (c == '\n') return error_at(start, "unclosed string");
      if (c == '\\') {
        unsigned char e = peek(1);
        if (e == 't' || e == 'n' || e == 'r' || e == '"' || e == '\'' || e == '\\') {
          pos_ += 2;
        } else if (hex_value(e) >= 0 && hex_value(peek(2)) >= 0) {
          pos_ += 3;
        } else if (e == 'u' && peek(2) == '{') {
          size_t j = scan_num(text_, pos_ + 3, true);
          if (j == std::string_view::npos || j >= text_.size() || text_[j] != '}')
            return error_at(pos_, "illegal escape");
          uint64_t cp = 0;
          for (size_t k = pos_ + 3; k < j; ++k) {
            if (text_[k] != '_' && cp <= 0x10FFFF) cp = cp * 16 + static_cast<uint64_t>(hex_value(text_[k]));
          }
          if (cp >= 0x110000 || (cp >= 0xD800 && cp < 0xE000)) return error_at(pos_, "illegal escape");
          pos_ = j + 1;
        } else {
          return error_at(pos_, "illegal escape");
        }
      } else if (c < 0x20 || c == 0x7F) {
        return error_at(pos_, "illegal character");
      } else if (c >= 0x80) {
        size_t len = utf8_sequence_length(text_, pos_);
        if (len == 0) return error_at(pos_, "malformed UTF-8 encoding");
        pos_ += len;
      } else {
        ++pos_;
      }
    }
  }

  // Scans a maximal run of idchars, strings and reserved punctuation and classifies it.
  Expected<TokenKind> scan_run() {
    size_t start = pos_;
    size_t strings = 0;
    size_t first_string_at = std::string_view::npos;
    bool only_idchars = true;
    if (text_[pos_] == '$' && peek(1) == '"') {
      // $"..." is an id only when the string is well formed; otherwise the '$' stands alone.
      ++pos_;
      first_string_at = pos_;
      strings = 1;
      only_idchars = false;
      if (!scan_string()) return error_at(start, "empty identifier");
    }
    while (pos_ < text_.size()) {
      unsigned char c = text_[pos_];
      if (c == '"') {
        if (strings++ == 0) first_string_at = pos_;
        KILN_TRY(scan_string());
        only_idchars = false;
      } else if (is_idchar(c)) {
        ++pos_;
      } else if (is_reserved_punct(c) || (c == ';' && peek(1) != ';')) {
        ++pos_;
        only_idchars = false;
      } else {
        break;
      }
    }
    std::string_view run = text_.substr(start, pos_ - start);
    if (strings == 1 && first_string_at == start && run.back() == '"' &&
        string_end(start) == pos_) {
      return TokenKind::kString;
    }
    if (run[0] == '$') {
      if (run.size() == 1) return error_at(start, "empty identifier");
      if (only_idchars) return TokenKind::kId;
      if (strings == 1 && first_string_at == start + 1 && string_end(start + 1) == pos_) {
        Token id;
        id.kind = TokenKind::kId;
        id.text = run;
        auto name = decode_id(id);
        if (!name) return error_at(start, name.error().message().c_str());
        return TokenKind::kId;
      }
      return TokenKind::kReserved;
    }
    if (!only_idchars) return TokenKind::kReserved;
    return classify_idchars(run);
  }

  // The end of the (already validated) string literal starting at offset `at`.
  size_t string_end(size_t at) const {
    size_t i = at + 1;
    while (i < text_.size() && text_[i] != '"') i += text_[i] == '\\' ? 2 : 1;
    return i + 1;
  }

  Expected<void> skip_annotation() {
    size_t start = pos_;
    pos_ += 2;  // "(@"
    unsigned char c = peek(0);
    if (c == '"') {
      size_t str_start = pos_;
      // A malformed string here means there is no annotation id at all.
      auto scanned = scan_string();
      if (!scanned) return error_at(start, "empty annotation id");
      Token name;
      name.kind = TokenKind::kString;
      name.text = text_.substr(str_start, pos_ - str_start);
      auto decoded = decode_string(name);
      if (!decoded) return error_at(start, "empty annotation id");
      if (decoded->empty()) return error_at(start, "empty annotation id");
      if (!valid_utf8(*decoded)) return error_at(str_start, "malformed UTF-8 encoding");
    } else if (is_idchar(c)) {
      while (pos_ < text_.size() && is_idchar(text_[pos_])) ++pos_;
    } else {
      return error_at(start, "empty annotation id");
    }
    int depth = 1;
    while (true) {
      KILN_TRY(skip_trivia());
      if (pos_ >= text_.size()) return error_at(start, "unclosed annotation");
      unsigned char d = text_[pos_];
      if (d == '(') {
        ++depth;
        ++pos_;
      } else if (d == ')') {
        ++pos_;
        if (--depth == 0) return ok();
      } else if (d == '"') {
        KILN_TRY(scan_string());
      } else if (is_idchar(d) || d == ';' || is_reserved_punct(d)) {
        ++pos_;
      } else {
        return bad_char(pos_);
      }
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t line_scan_ = 0;
  uint32_t line_ = 1;
  size_t line_start_ = 0;
};

Error malformed(const Token& tok, std::string message) {
  return Error(ErrorKind::kMalformed, std::move(message), tok.loc());
}

// Error for a token that is not a literal at all.
Error not_a_literal(const Token& tok) {
  return malformed(tok, tok.kind == TokenKind::kReserved ? "unknown operator" : "unexpected token");
}

struct IntLiteral {
  bool negative = false;
  bool overflow = false;  // magnitude does not fit 64 bits
  uint64_t magnitude = 0;
};

// Reads the magnitude of a kNat/kInt token (the lexer has checked its shape).
IntLiteral read_int(std::string_view s) {
  IntLiteral lit;
  size_t i = 0;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    lit.negative = s[0] == '-';
    i = 1;
  }
  bool hex = s.substr(i, 2) == "0x";
  if (hex) i += 2;
  uint64_t base = hex ? 16 : 10;
  for (; i < s.size(); ++i) {
    if (s[i] == '_') continue;
    uint64_t d = static_cast<uint64_t>(hex_value(s[i]));
    if (lit.magnitude > (UINT64_MAX - d) / base) lit.overflow = true;
    lit.magnitude = lit.magnitude * base + d;
  }
  return lit;
}

// Unsigned literal of `bits` width (kNat only).
Expected<uint64_t> parse_unsigned(const Token& tok, unsigned bits, const char* range_message) {
  if (tok.kind != TokenKind::kNat) return not_a_literal(tok);
  IntLiteral lit = read_int(tok.text);
  uint64_t max = bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
  if (lit.overflow || lit.magnitude > max) return malformed(tok, range_message);
  return lit.magnitude;
}

// Integer of `bits` width: unsigned literals up to 2^N-1, signed ones -2^(N-1) .. 2^(N-1)-1
// (the spec's iN ::= uN | sN); returns the two's-complement bits. The testsuite words range
// errors of iN literals (i32.const, v128 lanes) "constant out of range" and those of uN
// immediates (limits) "i32/i64 constant out of range".
Expected<uint64_t> parse_signed(const Token& tok, unsigned bits, const char* range_message) {
  if (tok.kind == TokenKind::kNat) return parse_unsigned(tok, bits, range_message);
  if (tok.kind != TokenKind::kInt) return not_a_literal(tok);
  IntLiteral lit = read_int(tok.text);
  uint64_t half = uint64_t{1} << (bits - 1);
  uint64_t limit = lit.negative ? half : half - 1;
  if (lit.overflow || lit.magnitude > limit) return malformed(tok, range_message);
  uint64_t value = lit.negative ? (~lit.magnitude + 1) : lit.magnitude;
  if (bits < 64) value &= (uint64_t{1} << bits) - 1;
  return value;
}

// IEEE binary format parameters: mantissa bits (without the hidden bit) and exponent bits.
struct FloatFormat {
  int mant_bits;
  int exp_bits;
  int bias() const { return (1 << (exp_bits - 1)) - 1; }
  uint64_t sign_bit() const { return uint64_t{1} << (mant_bits + exp_bits); }
  uint64_t exp_mask() const { return ((uint64_t{1} << exp_bits) - 1) << mant_bits; }
  uint64_t mant_mask() const { return (uint64_t{1} << mant_bits) - 1; }
};

constexpr FloatFormat kF32{23, 8};
constexpr FloatFormat kF64{52, 11};

// Rounds m * 2^e2 (plus a sticky fraction below m's last bit when `sticky`) to the nearest
// representable value, ties to even. Returns false when it overflows to infinity.
bool round_binary(const FloatFormat& f, uint64_t m, int64_t e2, bool sticky, uint64_t* bits) {
  if (m == 0) {
    *bits = 0;
    return true;
  }
  int lead = 63 - __builtin_clzll(m);
  // Normalize so the leading one is bit 63.
  m <<= (63 - lead);
  e2 -= (63 - lead);
  int64_t top = e2 + 63;  // exponent of the leading bit
  int64_t emin = 1 - f.bias();
  if (top > f.bias() + 1) return false;  // certainly overflows, even before rounding
  int64_t lsb = std::max(top - f.mant_bits, emin - f.mant_bits);
  int64_t shift = lsb - e2;  // >= 63 - mant_bits > 0
  uint64_t q;
  bool round_up;
  if (shift > 64) {
    q = 0;
    round_up = false;  // the value is below half of the smallest subnormal
  } else {
    uint64_t rem, half;
    if (shift == 64) {
      q = 0;
      rem = m;
      half = uint64_t{1} << 63;
    } else {
      q = m >> shift;
      rem = m & ((uint64_t{1} << shift) - 1);
      half = uint64_t{1} << (shift - 1);
    }
    round_up = rem > half || (rem == half && (sticky || (q & 1)));
  }
  if (round_up) ++q;
  if (q >> (f.mant_bits + 1)) {  // rounding carried into a new leading bit
    q >>= 1;
    ++lsb;
  }
  if (q < (uint64_t{1} << f.mant_bits)) {  // subnormal (or zero)
    *bits = q;
    return true;
  }
  int64_t biased = lsb + f.mant_bits + f.bias();
  if (biased >= (int64_t{1} << f.exp_bits) - 1) return false;
  *bits = (static_cast<uint64_t>(biased) << f.mant_bits) | (q & f.mant_mask());
  return true;
}

// Hex float magnitude "0x" hexnum ['.' [hexfrac]] [('p'|'P') sign? num], exactly rounded.
bool parse_hex_float(const FloatFormat& f, std::string_view s, uint64_t* bits) {
  size_t i = 2;
  uint64_t m = 0;
  int significant = 0;  // hex digits kept in m (at most 16)
  bool sticky = false;
  int64_t e2 = 0;       // binary exponent adjustment for digits dropped or after the point
  bool after_point = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_') continue;
    if (c == '.') {
      after_point = true;
      continue;
    }
    if (c == 'p' || c == 'P') break;
    int d = hex_value(c);
    if (significant < 16) {
      if (m != 0 || d != 0) {
        m = (m << 4) | static_cast<uint64_t>(d);
        ++significant;
      }
      if (after_point) e2 -= 4;
    } else {
      if (d != 0) sticky = true;
      if (!after_point) e2 += 4;
    }
  }
  if (i < s.size()) {  // exponent
    ++i;
    bool neg = false;
    if (s[i] == '+' || s[i] == '-') neg = s[i++] == '-';
    int64_t exp = 0;
    for (; i < s.size(); ++i) {
      if (s[i] == '_') continue;
      if (exp < (int64_t{1} << 40)) exp = exp * 10 + (s[i] - '0');
    }
    e2 += neg ? -exp : exp;
  }
  return round_binary(f, m, e2, sticky, bits);
}

locale_t c_locale() {
  static locale_t loc = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(0));
  return loc;
}

template <typename Bits>
Expected<Bits> parse_float(const Token& tok, const FloatFormat& f) {
  if (tok.kind != TokenKind::kNat && tok.kind != TokenKind::kInt && tok.kind != TokenKind::kFloat)
    return not_a_literal(tok);
  std::string_view s = tok.text;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  uint64_t sign = negative ? f.sign_bit() : 0;
  if (s == "inf") return static_cast<Bits>(sign | f.exp_mask());
  if (s == "nan") return static_cast<Bits>(sign | f.exp_mask() | (uint64_t{1} << (f.mant_bits - 1)));
  if (s.substr(0, 4) == "nan:") {
    Token payload_tok = tok;
    payload_tok.kind = TokenKind::kNat;
    payload_tok.text = s.substr(4);
    IntLiteral lit = read_int(payload_tok.text);
    if (lit.overflow || lit.magnitude == 0 || lit.magnitude > f.mant_mask())
      return malformed(tok, "constant out of range");
    return static_cast<Bits>(sign | f.exp_mask() | lit.magnitude);
  }
  uint64_t bits = 0;
  if (s.substr(0, 2) == "0x") {
    if (!parse_hex_float(f, s, &bits)) return malformed(tok, "constant out of range");
    return static_cast<Bits>(sign | bits);
  }
  // Decimal: glibc's strtof/strtod round correctly from the full digit string.
  std::string digits;
  digits.reserve(s.size());
  for (char c : s)
    if (c != '_') digits += c;
  if (f.mant_bits == kF32.mant_bits) {
    // The "C" locale always exists; without it strtof would still read '.' in the default
    // locale of a program that never calls setlocale.
    float v = c_locale() ? strtof_l(digits.c_str(), nullptr, c_locale())
                         : std::strtof(digits.c_str(), nullptr);
    if (std::isinf(v)) return malformed(tok, "constant out of range");
    uint32_t b;
    std::memcpy(&b, &v, sizeof b);
    return static_cast<Bits>(sign | b);
  }
  double v = c_locale() ? strtod_l(digits.c_str(), nullptr, c_locale())
                        : std::strtod(digits.c_str(), nullptr);
  if (std::isinf(v)) return malformed(tok, "constant out of range");
  uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return static_cast<Bits>(sign | b);
}

// Decodes string contents (between the quotes) to bytes.
Expected<std::string> decode_string_body(const Token& tok, std::string_view body) {
  std::string out;
  out.reserve(body.size());
  for (size_t i = 0; i < body.size();) {
    char c = body[i];
    if (c != '\\') {
      out += c;
      ++i;
      continue;
    }
    if (i + 1 >= body.size()) return malformed(tok, "illegal escape");
    char e = body[i + 1];
    switch (e) {
      case 't': out += '\t'; i += 2; continue;
      case 'n': out += '\n'; i += 2; continue;
      case 'r': out += '\r'; i += 2; continue;
      case '"': out += '"'; i += 2; continue;
      case '\'': out += '\''; i += 2; continue;
      case '\\': out += '\\'; i += 2; continue;
      default: break;
    }
    if (e == 'u') {
      if (i + 2 >= body.size() || body[i + 2] != '{') return malformed(tok, "illegal escape");
      size_t j = i + 3;
      uint64_t cp = 0;
      bool any = false;
      for (; j < body.size() && body[j] != '}'; ++j) {
        if (body[j] == '_') continue;
        int d = hex_value(body[j]);
        if (d < 0) return malformed(tok, "illegal escape");
        any = true;
        if (cp <= 0x10FFFF) cp = cp * 16 + static_cast<uint64_t>(d);
      }
      if (!any || j >= body.size()) return malformed(tok, "illegal escape");
      if (cp >= 0x110000 || (cp >= 0xD800 && cp < 0xE000)) return malformed(tok, "illegal escape");
      append_utf8(out, static_cast<uint32_t>(cp));
      i = j + 1;
      continue;
    }
    int hi = hex_value(e);
    int lo = i + 2 < body.size() ? hex_value(body[i + 2]) : -1;
    if (hi < 0 || lo < 0) return malformed(tok, "illegal escape");
    out += static_cast<char>(hi * 16 + lo);
    i += 3;
  }
  return out;
}

}  // namespace

Expected<std::vector<Token>> tokenize(std::string_view text) {
  if (text.size() > UINT32_MAX) {
    return Error(ErrorKind::kMalformed, "text too large", Location::at_line(1, 1));
  }
  return Lexer(text).run();
}

Expected<std::string> decode_string(const Token& tok) {
  std::string_view t = tok.text;
  if (t.size() < 2 || t.front() != '"' || t.back() != '"') return malformed(tok, "unexpected token");
  return decode_string_body(tok, t.substr(1, t.size() - 2));
}

Expected<std::string> decode_name(const Token& tok) {
  KILN_ASSIGN_OR_RETURN(std::string s, decode_string(tok));
  if (!valid_utf8(s)) return malformed(tok, "malformed UTF-8 encoding");
  return s;
}

Expected<std::string> decode_id(const Token& tok) {
  std::string_view t = tok.text;
  if (t.size() < 2 || t[0] != '$') return malformed(tok, "unexpected token");
  if (t[1] != '"') return std::string(t.substr(1));
  Token str = tok;
  str.kind = TokenKind::kString;
  str.text = t.substr(1);
  KILN_ASSIGN_OR_RETURN(std::string s, decode_name(str));
  if (s.empty()) return malformed(tok, "empty identifier");
  return s;
}

Expected<uint32_t> parse_u32(const Token& tok) {
  KILN_ASSIGN_OR_RETURN(uint64_t v, parse_unsigned(tok, 32, "i32 constant out of range"));
  return static_cast<uint32_t>(v);
}

Expected<uint64_t> parse_u64(const Token& tok) {
  return parse_unsigned(tok, 64, "i64 constant out of range");
}

Expected<uint32_t> parse_i32(const Token& tok) {
  KILN_ASSIGN_OR_RETURN(uint64_t v, parse_signed(tok, 32, "constant out of range"));
  return static_cast<uint32_t>(v);
}

Expected<uint64_t> parse_i64(const Token& tok) {
  return parse_signed(tok, 64, "constant out of range");
}

Expected<uint8_t> parse_i8(const Token& tok) {
  KILN_ASSIGN_OR_RETURN(uint64_t v, parse_signed(tok, 8, "constant out of range"));
  return static_cast<uint8_t>(v);
}

Expected<uint16_t> parse_i16(const Token& tok) {
  KILN_ASSIGN_OR_RETURN(uint64_t v, parse_signed(tok, 16, "constant out of range"));
  return static_cast<uint16_t>(v);
}

Expected<uint32_t> parse_f32(const Token& tok) { return parse_float<uint32_t>(tok, kF32); }

Expected<uint64_t> parse_f64(const Token& tok) { return parse_float<uint64_t>(tok, kF64); }

}  // namespace kiln::wat
