// tests/unit/wit/lexer_test.cc: the WIT tokenizer: tokens, positions, comments, doc comments,
// identifiers, versions, strings and lexical errors.
#include <gtest/gtest.h>

#include "wit/lexer.h"

namespace kiln::wit {
namespace {

std::vector<Token> lex(std::string_view text) {
  auto r = tokenize("t.wit", text);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? r->tokens : std::vector<Token>{};
}

std::string lex_error(std::string_view text) {
  auto r = tokenize("t.wit", text);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().message();
}

TEST(WitLexer, OperatorsAndKeywords) {
  auto t = lex("= , : ; ( ) { } < > * -> / . @ _ record func u8 error-context");
  std::vector<TokenKind> want = {
      TokenKind::kEquals, TokenKind::kComma, TokenKind::kColon, TokenKind::kSemicolon,
      TokenKind::kLParen, TokenKind::kRParen, TokenKind::kLBrace, TokenKind::kRBrace,
      TokenKind::kLAngle, TokenKind::kRAngle, TokenKind::kStar, TokenKind::kArrow,
      TokenKind::kSlash, TokenKind::kDot, TokenKind::kAt, TokenKind::kUnderscore,
      TokenKind::kRecord, TokenKind::kFunc, TokenKind::kU8, TokenKind::kErrorContext,
      TokenKind::kEof};
  ASSERT_EQ(t.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(t[i].kind, want[i]) << i;
}

TEST(WitLexer, LineAndColumn) {
  auto t = lex("interface foo {\n  bar: func();\n}");
  ASSERT_GE(t.size(), 5u);
  EXPECT_EQ(t[0].line, 1u);
  EXPECT_EQ(t[0].column, 1u);
  EXPECT_EQ(t[1].column, 11u);
  EXPECT_EQ(t[3].text, "bar");
  EXPECT_EQ(t[3].line, 2u);
  EXPECT_EQ(t[3].column, 3u);
  // Columns count code points, so text after a multi-byte character in a comment lines up.
  auto u = lex("/* é */ x");
  EXPECT_EQ(u[0].column, 9u);
}

TEST(WitLexer, CommentsNestAndAreSkipped) {
  auto t = lex("a // line\n/* outer /* inner */ still */ b /**/ c");
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].text, "a");
  EXPECT_EQ(t[1].text, "b");
  EXPECT_EQ(t[2].text, "c");
  EXPECT_EQ(t[1].docs, -1);
  EXPECT_NE(lex_error("/* /* */").find("unterminated block comment"), std::string::npos);
}

TEST(WitLexer, DocCommentsAttachToNextToken) {
  auto r = tokenize("t.wit", "/// one\n/// two\n// plain\nfoo /** block\n * line */ bar //// not doc\nbaz");
  ASSERT_TRUE(r.ok());
  const auto& t = r->tokens;
  ASSERT_GE(t[0].docs, 0);
  EXPECT_EQ(r->docs[t[0].docs], (std::vector<std::string>{" one", " two"}));
  ASSERT_GE(t[1].docs, 0);
  EXPECT_EQ(r->docs[t[1].docs], (std::vector<std::string>{" block", " line"}));
  EXPECT_EQ(t[2].docs, -1);
}

TEST(WitLexer, EscapedIdentifiersAreNotKeywords) {
  auto t = lex("%record record %foo");
  EXPECT_EQ(t[0].kind, TokenKind::kId);
  EXPECT_EQ(t[0].text, "record");
  EXPECT_EQ(t[1].kind, TokenKind::kRecord);
  EXPECT_EQ(t[2].text, "foo");
  EXPECT_NE(lex_error("%1abc").find("expected an identifier after `%`"), std::string::npos);
}

TEST(WitLexer, KebabCase) {
  EXPECT_EQ(check_kebab("foo-bar"), "");
  EXPECT_EQ(check_kebab("XML-http2"), "");
  EXPECT_EQ(check_kebab("a1-B2"), "");
  EXPECT_EQ(check_kebab("ipv4-address"), "");
  EXPECT_NE(check_kebab("fooBar"), "");
  EXPECT_NE(check_kebab("foo--bar"), "");
  EXPECT_NE(check_kebab("foo-"), "");
  EXPECT_NE(check_kebab("1foo"), "");
  EXPECT_NE(lex_error("camelCase").find("not in kebab case"), std::string::npos);
  EXPECT_NE(lex_error("trailing-").find("not in kebab case"), std::string::npos);
}

TEST(WitLexer, VersionsAndIntegers) {
  auto t = lex("wasi:io@0.2.12.{a} 4 1.0.0-rc.1+build.5;");
  EXPECT_EQ(t[4].kind, TokenKind::kVersion);
  EXPECT_EQ(t[4].text, "0.2.12");
  EXPECT_EQ(t[5].kind, TokenKind::kDot);
  EXPECT_EQ(t[9].kind, TokenKind::kInteger);
  EXPECT_EQ(t[10].kind, TokenKind::kVersion);
  EXPECT_EQ(t[10].text, "1.0.0-rc.1+build.5");
  EXPECT_EQ(t[11].kind, TokenKind::kSemicolon);
}

TEST(WitLexer, StringLiterals) {
  auto t = lex(R"("a\t\"\u{2603}\41")");
  ASSERT_EQ(t[0].kind, TokenKind::kStringLit);
  EXPECT_EQ(t[0].value, "a\t\"\xE2\x98\x83" "A");
  EXPECT_NE(lex_error("\"open").find("unterminated string"), std::string::npos);
  EXPECT_NE(lex_error(R"("\q")").find("malformed escape"), std::string::npos);
  EXPECT_NE(lex_error(R"("\u{d800}")").find("out of range"), std::string::npos);
  EXPECT_NE(lex_error(R"("\ff")").find("not valid UTF-8"), std::string::npos);
}

TEST(WitLexer, RejectsBadCodePoints) {
  EXPECT_NE(lex_error("a \xff").find("malformed UTF-8"), std::string::npos);
  EXPECT_NE(lex_error("// \xE2\x80\xAE bidi").find("forbidden code point U+202E"), std::string::npos);
  EXPECT_NE(lex_error("a\x01").find("forbidden code point"), std::string::npos);
  EXPECT_NE(lex_error("a $").find("unexpected character `$`"), std::string::npos);
  EXPECT_NE(lex_error("a - b").find("unexpected character `-`"), std::string::npos);
}

TEST(WitLexer, ErrorsCarryFileLineColumn) {
  auto r = tokenize("dir/x.wit", "ok\n  $");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "dir/x.wit:2:3: unexpected character `$`");
  EXPECT_EQ(r.error().kind(), ErrorKind::kMalformed);
}

}  // namespace
}  // namespace kiln::wit
