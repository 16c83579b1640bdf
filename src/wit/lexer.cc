// wit/lexer.cc: the WIT tokenizer: UTF-8 and code point checks, comments (nested blocks, doc
// comments kept), identifiers with kebab-case checks, keywords, versions and strings.
#include "wit/lexer.h"

#include <cstdio>

namespace kiln::wit {
namespace {

struct Keyword {
  std::string_view text;
  TokenKind kind;
};

constexpr Keyword kKeywords[] = {
    {"as", TokenKind::kAs},
    {"async", TokenKind::kAsync},
    {"bool", TokenKind::kBool},
    {"borrow", TokenKind::kBorrow},
    {"char", TokenKind::kChar},
    {"constructor", TokenKind::kConstructor},
    {"enum", TokenKind::kEnum},
    {"error-context", TokenKind::kErrorContext},
    {"export", TokenKind::kExport},
    {"f32", TokenKind::kF32},
    {"f64", TokenKind::kF64},
    {"flags", TokenKind::kFlags},
    {"from", TokenKind::kFrom},
    {"func", TokenKind::kFunc},
    {"future", TokenKind::kFuture},
    {"import", TokenKind::kImport},
    {"include", TokenKind::kInclude},
    {"interface", TokenKind::kInterface},
    {"list", TokenKind::kList},
    {"map", TokenKind::kMap},
    {"option", TokenKind::kOption},
    {"own", TokenKind::kOwn},
    {"package", TokenKind::kPackage},
    {"record", TokenKind::kRecord},
    {"resource", TokenKind::kResource},
    {"result", TokenKind::kResult},
    {"s16", TokenKind::kS16},
    {"s32", TokenKind::kS32},
    {"s64", TokenKind::kS64},
    {"s8", TokenKind::kS8},
    {"static", TokenKind::kStatic},
    {"stream", TokenKind::kStream},
    {"string", TokenKind::kString},
    {"tuple", TokenKind::kTuple},
    {"type", TokenKind::kType},
    {"u16", TokenKind::kU16},
    {"u32", TokenKind::kU32},
    {"u64", TokenKind::kU64},
    {"u8", TokenKind::kU8},
    {"use", TokenKind::kUse},
    {"variant", TokenKind::kVariant},
    {"with", TokenKind::kWith},
    {"world", TokenKind::kWorld},
};

bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return is_lower(c) || is_upper(c); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// Decodes one UTF-8 sequence at text[i]; returns its length, 0 if malformed.
size_t decode_utf8(std::string_view text, size_t i, uint32_t* cp) {
  auto b = static_cast<unsigned char>(text[i]);
  if (b < 0x80) {
    *cp = b;
    return 1;
  }
  size_t len;
  uint32_t min;
  if ((b & 0xE0) == 0xC0) {
    len = 2, *cp = b & 0x1F, min = 0x80;
  } else if ((b & 0xF0) == 0xE0) {
    len = 3, *cp = b & 0x0F, min = 0x800;
  } else if ((b & 0xF8) == 0xF0) {
    len = 4, *cp = b & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (text.size() - i < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    auto c = static_cast<unsigned char>(text[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (c & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return 0;
  return len;
}

void append_utf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Code points WIT.md forbids anywhere in a file: control codes other than \t \n \r,
// bidirectional overrides, and code points Unicode deprecates.
bool is_forbidden(uint32_t cp) {
  if (cp < 0x20) return cp != '\t' && cp != '\n' && cp != '\r';
  if (cp >= 0x7F && cp < 0xA0) return true;
  if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) return true;
  switch (cp) {
    case 0x0149: case 0x0673: case 0x0F77: case 0x0F79: case 0x17A3: case 0x17A4:
    case 0xE0001:
      return true;
    default:
      return cp >= 0x206A && cp <= 0x206F;
  }
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return std::string(s.substr(b, e - b));
}

class Lexer {
 public:
  Lexer(std::string_view path, std::string_view text) : path_(path), text_(text) {}

  Expected<Lexed> run() {
    KILN_TRY(check_code_points());
    while (true) {
      KILN_TRY(skip_trivia());
      if (pos_ >= text_.size()) break;
      KILN_TRY(next_token());
    }
    Token eof;
    eof.line = line_;
    eof.column = col_;
    push(std::move(eof));
    return std::move(out_);
  }

 private:
  Error fail(uint32_t line, uint32_t col, std::string_view msg) const {
    return error_at(ErrorKind::kMalformed, path_, line, col, msg);
  }

  // One pass over the whole text first, so later steps can trust the encoding.
  Expected<void> check_code_points() {
    uint32_t line = 1, col = 1;
    for (size_t i = 0; i < text_.size();) {
      uint32_t cp;
      size_t len = decode_utf8(text_, i, &cp);
      if (len == 0) return fail(line, col, "malformed UTF-8 encoding");
      if (is_forbidden(cp)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "forbidden code point U+%04X", cp);
        return fail(line, col, buf);
      }
      i += len;
      if (cp == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return ok();
  }

  // Advances one code point, tracking line and column.
  void advance() {
    auto b = static_cast<unsigned char>(text_[pos_]);
    size_t len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : 4;
    pos_ += len;
    if (b == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
  }
  void advance_bytes(size_t n) {
    size_t end = pos_ + n;
    while (pos_ < end) advance();
  }
  bool starts_with(std::string_view s) const { return text_.substr(pos_, s.size()) == s; }

  Expected<void> skip_trivia() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        advance();
      } else if (starts_with("//")) {
        bool doc = starts_with("///") && !starts_with("////");
        size_t end = text_.find('\n', pos_);
        if (end == std::string_view::npos) end = text_.size();
        if (doc) {
          std::string_view body = text_.substr(pos_ + 3, end - pos_ - 3);
          if (!body.empty() && body.back() == '\r') body.remove_suffix(1);
          pending_docs_.emplace_back(body);
        }
        advance_bytes(end - pos_);
      } else if (starts_with("/*")) {
        KILN_TRY(block_comment());
      } else {
        break;
      }
    }
    return ok();
  }

  Expected<void> block_comment() {
    uint32_t line = line_, col = col_;
    size_t start = pos_;
    bool doc = starts_with("/**") && !starts_with("/**/") && !starts_with("/***");
    advance_bytes(2);
    int depth = 1;
    while (depth > 0) {
      if (pos_ >= text_.size()) return fail(line, col, "unterminated block comment");
      if (starts_with("/*")) {
        ++depth;
        advance_bytes(2);
      } else if (starts_with("*/")) {
        --depth;
        advance_bytes(2);
      } else {
        advance();
      }
    }
    if (doc) {
      // Lines of the block, each trimmed and without a leading '*' gutter; blank first and
      // last lines dropped. Each becomes " text" so it prints back as `/// text`.
      std::string_view body = text_.substr(start + 3, pos_ - start - 5);
      std::vector<std::string> lines;
      size_t b = 0;
      while (true) {
        size_t e = body.find('\n', b);
        std::string l = trim(body.substr(b, e == std::string_view::npos ? body.size() - b : e - b));
        if (!l.empty() && l[0] == '*') l = trim(std::string_view(l).substr(1));
        lines.push_back(l.empty() ? l : " " + l);
        if (e == std::string_view::npos) break;
        b = e + 1;
      }
      while (!lines.empty() && lines.front().empty()) lines.erase(lines.begin());
      while (!lines.empty() && lines.back().empty()) lines.pop_back();
      for (auto& l : lines) pending_docs_.push_back(std::move(l));
    }
    return ok();
  }

  void push(Token tok) {
    if (!pending_docs_.empty()) {
      tok.docs = static_cast<int32_t>(out_.docs.size());
      out_.docs.push_back(std::move(pending_docs_));
      pending_docs_.clear();
    }
    out_.tokens.push_back(std::move(tok));
  }

  Expected<void> next_token() {
    Token tok;
    tok.line = line_;
    tok.column = col_;
    size_t start = pos_;
    char c = text_[pos_];
    if (is_alpha(c) || c == '%') {
      bool escaped = c == '%';
      if (escaped) {
        advance();
        if (pos_ >= text_.size() || !is_alpha(text_[pos_])) {
          return fail(tok.line, tok.column, "expected an identifier after `%`");
        }
      }
      size_t id_start = pos_;
      while (pos_ < text_.size() && (is_alpha(text_[pos_]) || is_digit(text_[pos_]) ||
                                     text_[pos_] == '-')) {
        advance();
      }
      tok.text = text_.substr(id_start, pos_ - id_start);
      std::string why = check_kebab(tok.text);
      if (!why.empty()) {
        return fail(tok.line, tok.column,
                    "identifier `" + std::string(tok.text) + "` is not in kebab case: " + why);
      }
      tok.kind = TokenKind::kId;
      if (!escaped) {
        for (const auto& kw : kKeywords) {
          if (kw.text == tok.text) tok.kind = kw.kind;
        }
      }
    } else if (is_digit(c)) {
      bool all_digits = true;
      while (pos_ < text_.size()) {
        char d = text_[pos_];
        if (!(is_alpha(d) || is_digit(d) || d == '.' || d == '+' || d == '-')) break;
        if (!is_digit(d)) all_digits = false;
        advance();
      }
      // A version may be followed by `.{` in `use a:b/c@1.0.0.{x}`: a semver never ends in '.'.
      while (text_[pos_ - 1] == '.') {
        --pos_;
        --col_;
      }
      tok.text = text_.substr(start, pos_ - start);
      tok.kind = all_digits ? TokenKind::kInteger : TokenKind::kVersion;
    } else if (c == '"') {
      KILN_TRY(string_literal(&tok));
    } else {
      TokenKind kind;
      size_t len = 1;
      switch (c) {
        case '=': kind = TokenKind::kEquals; break;
        case ',': kind = TokenKind::kComma; break;
        case ':': kind = TokenKind::kColon; break;
        case ';': kind = TokenKind::kSemicolon; break;
        case '(': kind = TokenKind::kLParen; break;
        case ')': kind = TokenKind::kRParen; break;
        case '{': kind = TokenKind::kLBrace; break;
        case '}': kind = TokenKind::kRBrace; break;
        case '<': kind = TokenKind::kLAngle; break;
        case '>': kind = TokenKind::kRAngle; break;
        case '*': kind = TokenKind::kStar; break;
        case '/': kind = TokenKind::kSlash; break;
        case '.': kind = TokenKind::kDot; break;
        case '@': kind = TokenKind::kAt; break;
        case '_': kind = TokenKind::kUnderscore; break;
        case '-':
          if (starts_with("->")) {
            kind = TokenKind::kArrow;
            len = 2;
            break;
          }
          [[fallthrough]];
        default: {
          uint32_t cp;
          size_t n = decode_utf8(text_, pos_, &cp);
          return fail(tok.line, tok.column,
                      "unexpected character `" + std::string(text_.substr(pos_, n)) + "`");
        }
      }
      advance_bytes(len);
      tok.kind = kind;
      tok.text = text_.substr(start, len);
    }
    push(std::move(tok));
    return ok();
  }

  // A core-wasm `name` literal: escapes \t \n \r \" \' \\ \hh \u{h+}; the result is UTF-8.
  Expected<void> string_literal(Token* tok) {
    size_t start = pos_;
    advance();
    std::string value;
    while (true) {
      if (pos_ >= text_.size() || text_[pos_] == '\n') {
        return fail(tok->line, tok->column, "unterminated string literal");
      }
      char c = text_[pos_];
      if (c == '"') {
        advance();
        break;
      }
      if (c != '\\') {
        size_t before = pos_;
        advance();
        value.append(text_.substr(before, pos_ - before));
        continue;
      }
      uint32_t line = line_, col = col_;
      advance();
      if (pos_ >= text_.size()) return fail(line, col, "unterminated string literal");
      char e = text_[pos_];
      switch (e) {
        case 't': value.push_back('\t'); advance(); continue;
        case 'n': value.push_back('\n'); advance(); continue;
        case 'r': value.push_back('\r'); advance(); continue;
        case '"': case '\'': case '\\': value.push_back(e); advance(); continue;
        case 'u': {
          advance();
          if (pos_ >= text_.size() || text_[pos_] != '{') return fail(line, col, "malformed escape");
          advance();
          uint32_t cp = 0;
          size_t digits = 0;
          while (pos_ < text_.size() && is_hex(text_[pos_])) {
            cp = cp * 16 + static_cast<uint32_t>(hex_value(text_[pos_]));
            if (cp > 0x10FFFF) return fail(line, col, "escape out of range");
            ++digits;
            advance();
          }
          if (digits == 0 || pos_ >= text_.size() || text_[pos_] != '}') {
            return fail(line, col, "malformed escape");
          }
          advance();
          if (cp >= 0xD800 && cp <= 0xDFFF) return fail(line, col, "escape out of range");
          append_utf8(&value, cp);
          continue;
        }
        default:
          if (is_hex(e) && pos_ + 1 < text_.size() && is_hex(text_[pos_ + 1])) {
            value.push_back(static_cast<char>(hex_value(e) * 16 + hex_value(text_[pos_ + 1])));
            advance_bytes(2);
            continue;
          }
          return fail(line, col, "malformed escape");
      }
    }
    for (size_t i = 0; i < value.size();) {
      uint32_t cp;
      size_t n = decode_utf8(value, i, &cp);
      if (n == 0) return fail(tok->line, tok->column, "string literal is not valid UTF-8");
      i += n;
    }
    tok->kind = TokenKind::kStringLit;
    tok->text = text_.substr(start, pos_ - start);
    tok->value = std::move(value);
    return ok();
  }

  std::string_view path_;
  std::string_view text_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
  uint32_t col_ = 1;
  std::vector<std::string> pending_docs_;
  Lexed out_;
};

}  // namespace

Error error_at(ErrorKind kind, std::string_view path, uint32_t line, uint32_t column,
               std::string_view message) {
  std::string m(path);
  m += ':' + std::to_string(line) + ':' + std::to_string(column) + ": ";
  m += message;
  return Error(kind, std::move(m));
}

std::string check_kebab(std::string_view id) {
  if (id.empty()) return "empty identifier";
  if (!is_alpha(id[0])) return "it must start with a letter";
  size_t b = 0;
  while (true) {
    size_t e = id.find('-', b);
    std::string_view word = id.substr(b, e == std::string_view::npos ? id.size() - b : e - b);
    if (word.empty()) return "`-` must separate non-empty words";
    bool lower = false, upper = false;
    for (char c : word) {
      if (is_lower(c)) {
        lower = true;
      } else if (is_upper(c)) {
        upper = true;
      } else if (!is_digit(c)) {
        return "invalid character";
      }
    }
    if (lower && upper) return "word `" + std::string(word) + "` mixes lower and upper case";
    if (e == std::string_view::npos) break;
    b = e + 1;
  }
  return {};
}

std::string describe(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEof: return "end of file";
    case TokenKind::kId: return "an identifier";
    case TokenKind::kInteger: return "an integer";
    case TokenKind::kVersion: return "a version";
    case TokenKind::kStringLit: return "a string literal";
    case TokenKind::kEquals: return "`=`";
    case TokenKind::kComma: return "`,`";
    case TokenKind::kColon: return "`:`";
    case TokenKind::kSemicolon: return "`;`";
    case TokenKind::kLParen: return "`(`";
    case TokenKind::kRParen: return "`)`";
    case TokenKind::kLBrace: return "`{`";
    case TokenKind::kRBrace: return "`}`";
    case TokenKind::kLAngle: return "`<`";
    case TokenKind::kRAngle: return "`>`";
    case TokenKind::kStar: return "`*`";
    case TokenKind::kArrow: return "`->`";
    case TokenKind::kSlash: return "`/`";
    case TokenKind::kDot: return "`.`";
    case TokenKind::kAt: return "`@`";
    case TokenKind::kUnderscore: return "`_`";
    default:
      break;
  }
  for (const auto& kw : kKeywords) {
    if (kw.kind == kind) return "keyword `" + std::string(kw.text) + "`";
  }
  return "a token";
}

Expected<Lexed> tokenize(std::string_view path, std::string_view text) {
  if (text.size() > UINT32_MAX / 2) {
    return error_at(ErrorKind::kMalformed, path, 1, 1, "file too large");
  }
  return Lexer(path, text).run();
}

}  // namespace kiln::wit
