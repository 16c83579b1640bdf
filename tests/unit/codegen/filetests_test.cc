// tests/unit/codegen/filetests_test.cc: the filetest runner: one test per tests/filetests/**.kir.
//
// File format (see tests/filetests/README.md):
//   test interpret | test optimize | test verifier   (header lines; several allowed)
//   function ... { ... }                             (any number of functions)
//   ; run: %f(1, 2) == 3        run in the interpreter (also `== [a, b]`, `trap int_divz`,
//                               or no expectation: the single result must be nonzero)
//   ; check: <line>             after a function: its exact text after `test optimize`
//   ; error: <substring>        inside a function: `test verifier` expects this failure
// Every function must also print, re-parse and print again to the same text.
// KILN_BLESS=1 rewrites the `; check:` blocks with the actual output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "codegen/ir/interpreter.h"
#include "codegen/ir/parser.h"
#include "codegen/ir/printer.h"
#include "codegen/ir/verifier.h"
#include "codegen/opt/passes.h"
#include "filetest_text.h"

namespace kiln::codegen::ir {
namespace {

namespace fs = std::filesystem;
using namespace filetest;

std::vector<std::string> list_files() { return list_kir_files(); }


class FileTest : public ::testing::TestWithParam<std::string> {};

// Runs one `; run:` line; returns an empty string on success, else the failure.
std::string run_line(const std::string& spec, const std::vector<ParsedFunction>& funcs) {
  size_t open = spec.find('('), close = spec.find(')');
  if (spec.empty() || spec[0] != '%' || open == std::string::npos || close == std::string::npos ||
      close < open) {
    return "malformed run line";
  }
  std::string name = spec.substr(1, open - 1);
  const Function* f = nullptr;
  for (const auto& pf : funcs) {
    if (pf.func.name == name) f = &pf.func;
  }
  if (!f) return "no function %" + name;
  std::vector<std::string> arg_text = split_commas(spec.substr(open + 1, close - open - 1));
  if (arg_text.size() != f->signature.params.size()) return "wrong number of arguments";
  std::vector<DataValue> args;
  for (size_t k = 0; k < arg_text.size(); ++k) {
    auto v = parse_data_value(arg_text[k], f->signature.params[k].type);
    if (!v) return "bad argument '" + arg_text[k] + "'";
    args.push_back(*v);
  }
  Interpreter interp;
  for (const auto& pf : funcs) interp.add_function(pf.func);
  auto r = interp.call(*f, args);
  if (!r.ok()) return "interpreter error: " + r.error().to_string();
  std::string rest = trim(spec.substr(close + 1));
  auto show = [&]() {
    if (r->trapped) return "trap " + trapcode_name(r->trap);
    std::string s = "[";
    for (size_t k = 0; k < r->values.size(); ++k) s += (k ? ", " : "") + r->values[k].to_string();
    return s + "]";
  };
  if (rest.rfind("trap", 0) == 0) {
    std::string want = trim(rest.substr(4));
    if (r->trapped && trapcode_name(r->trap) == want) return "";
    return "expected trap " + want + ", got " + show();
  }
  if (r->trapped) return "unexpected " + show();
  if (rest.empty()) {
    if (r->values.size() == 1 && r->values[0].bits != 0) return "";
    return "expected a nonzero result, got " + show();
  }
  if (rest.rfind("==", 0) != 0) return "malformed expectation '" + rest + "'";
  std::string want = trim(rest.substr(2));
  if (!want.empty() && want.front() == '[' && want.back() == ']') {
    want = want.substr(1, want.size() - 2);
  }
  std::vector<std::string> wants = split_commas(want);
  if (wants.size() != r->values.size()) return "expected " + want + ", got " + show();
  for (size_t k = 0; k < wants.size(); ++k) {
    auto v = parse_data_value(wants[k], r->values[k].type);
    if (!v) return "bad expected value '" + wants[k] + "'";
    if (!v->same_as(r->values[k])) return "expected " + want + ", got " + show();
  }
  return "";
}

TEST_P(FileTest, Passes) {
  fs::path path = fs::path(KILN_SOURCE_DIR) / "tests" / "filetests" / GetParam();
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  std::vector<std::string> lines = split_lines(text);

  std::vector<std::string> kinds;
  for (const std::string& l : lines) {
    std::string t = trim(l);
    if (t.rfind("function", 0) == 0) break;
    if (t.rfind("test ", 0) == 0) kinds.push_back(trim(t.substr(5)));
  }
  ASSERT_FALSE(kinds.empty()) << "no `test` header";
  auto has = [&](const char* k) { return std::find(kinds.begin(), kinds.end(), k) != kinds.end(); };

  // Header lines are not IR: blank them (keeping line numbers) before parsing.
  std::string ir_text;
  bool in_header = true;
  for (const std::string& l : lines) {
    std::string t = trim(l);
    if (t.rfind("function", 0) == 0) in_header = false;
    ir_text += (in_header && t.rfind("test ", 0) == 0) ? "" : l;
    ir_text += "\n";
  }
  auto parsed = parse_functions(ir_text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  std::vector<ParsedFunction>& funcs = *parsed;
  ASSERT_FALSE(funcs.empty());

  for (const ParsedFunction& pf : funcs) {
    std::string printed = print_function(pf.func);
    auto again = parse_function(printed);
    ASSERT_TRUE(again.ok()) << "re-parse of %" << pf.func.name << ": "
                            << again.error().to_string() << "\n" << printed;
    EXPECT_EQ(print_function(*again), printed) << "round trip of %" << pf.func.name;
  }

  if (has("verifier")) {
    for (const ParsedFunction& pf : funcs) {
      std::string want;
      for (uint32_t l = pf.first_line; l <= pf.last_line && l <= lines.size(); ++l) {
        size_t p = lines[l - 1].find("; error:");
        if (p != std::string::npos) want = trim(lines[l - 1].substr(p + 8));
      }
      auto v = verify_function(pf.func);
      if (want.empty()) {
        EXPECT_TRUE(v.ok()) << v.error().to_string();
      } else if (v.ok()) {
        ADD_FAILURE() << "%" << pf.func.name << " verified, expected error: " << want;
      } else {
        EXPECT_NE(v.error().message().find(want), std::string::npos)
            << "expected error containing '" << want << "', got: " << v.error().message();
      }
    }
    return;
  }

  for (const ParsedFunction& pf : funcs) {
    auto v = verify_function(pf.func);
    ASSERT_TRUE(v.ok()) << v.error().to_string();
  }

  if (has("interpret")) {
    for (size_t n = 0; n < lines.size(); ++n) {
      std::string t = trim(lines[n]);
      if (t.rfind("; run:", 0) != 0) continue;
      std::string failure = run_line(trim(t.substr(6)), funcs);
      EXPECT_EQ(failure, "") << GetParam() << ":" << n + 1 << ": " << t;
    }
  }

  if (has("optimize")) {
    bool bless = std::getenv("KILN_BLESS") != nullptr;
    std::vector<std::string> out_lines = lines;
    // Back to front, so earlier line numbers stay valid while blessing.
    for (size_t fi = funcs.size(); fi-- > 0;) {
      ParsedFunction& pf = funcs[fi];
      Function f = std::move(pf.func);
      opt::optimize(f);
      auto v = verify_function(f);
      EXPECT_TRUE(v.ok()) << "after optimize: " << v.error().to_string();
      std::vector<std::string> actual;
      for (const std::string& l : split_lines(print_function(f))) {
        actual.push_back(l.empty() ? "; check:" : "; check: " + l);
      }
      size_t begin = pf.last_line, end = begin;  // 0-based indices of the check block
      while (end < lines.size() && trim(lines[end]).rfind("; check:", 0) == 0) ++end;
      std::vector<std::string> expected;
      for (size_t k = begin; k < end; ++k) expected.push_back(trim(lines[k]));
      std::vector<std::string> actual_trimmed;
      for (const auto& a : actual) actual_trimmed.push_back(trim(a));
      if (bless) {
        out_lines.erase(out_lines.begin() + begin, out_lines.begin() + end);
        out_lines.insert(out_lines.begin() + begin, actual.begin(), actual.end());
      } else {
        std::string exp_s, act_s;
        for (const auto& e : expected) exp_s += e + "\n";
        for (const auto& a : actual_trimmed) act_s += a + "\n";
        EXPECT_EQ(exp_s, act_s) << "optimized %" << f.name << " differs (KILN_BLESS=1 updates)";
      }
    }
    if (bless) {
      std::ofstream o(path);
      for (const auto& l : out_lines) o << l << "\n";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Kir, FileTest, ::testing::ValuesIn(list_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace kiln::codegen::ir
