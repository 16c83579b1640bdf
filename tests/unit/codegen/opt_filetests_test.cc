// tests/unit/codegen/opt_filetests_test.cc: the mid-end's filetests, tests/filetests/opt_*.kir.
//
// On top of what filetests_test.cc checks for every .kir file (round trip, verifier, `; run:`
// lines before optimization, `test optimize` goldens), this runner:
//  - runs every `; run:` line again after the optimization in the interpreter, so each pass is
//    checked for semantics, and checks that the heap ends up the same as before;
//  - handles `test pass <name> [<name>...]` files: only the named passes run, in order, with
//    the verifier after each, and the `; check:` block after each function is the expected
//    output (KILN_BLESS=1 rewrites it). Pass names: simplify, gvn, licm, load_elim,
//    branch_fold, dce, tail_dup, jump_thread, preheaders, loop_idiom (with the memories of loop_idiom_memory.h),
//    vectorize.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "codegen/ir/interpreter.h"
#include "codegen/ir/parser.h"
#include "codegen/ir/printer.h"
#include "codegen/ir/verifier.h"
#include "codegen/opt/loop_idiom.h"
#include "codegen/opt/loops.h"
#include "filetest_text.h"
#include "loop_idiom_memory.h"
#include "codegen/opt/passes.h"

namespace kiln::codegen::opt {
namespace {

using namespace ir;
using namespace filetest;
namespace fs = std::filesystem;

std::vector<std::string> list_files() { return list_kir_files("opt_"); }

const std::map<std::string, std::function<bool(Function&)>>& pass_table() {
  static const std::map<std::string, std::function<bool(Function&)>> t = {
      {"simplify", simplify},
      {"gvn", global_value_numbering},
      {"licm", hoist_loop_invariants},
      {"load_elim", eliminate_redundant_loads},
      {"load_pre", eliminate_partially_redundant_loads},
      {"branch_fold", fold_branches},
      {"dce", eliminate_dead_code},
      {"preheaders", ensure_preheaders},
      {"vectorize", vectorize_loops},
      {"tail_dup", duplicate_return_tails},
      {"jump_thread", thread_jumps},
      {"loop_idiom",
       [](Function& f) { return recognize_loop_idioms(f, idiom_test::FiletestBulkMemory()); }},
  };
  return t;
}

// The outcome of one call, as text ("trap int_divz", "[1, 2]") plus the final heap.
struct Outcome {
  std::string text;
  std::vector<uint8_t> heap;
  std::vector<DataValue> values;
};

std::string show(const InterpResult& r) {
  if (r.trapped) return "trap " + trapcode_name(r.trap);
  std::string s = "[";
  for (size_t k = 0; k < r.values.size(); ++k) s += (k ? ", " : "") + r.values[k].to_string();
  return s + "]";
}

// Runs `%f(args)` over `funcs`; returns the outcome or an error text starting with "error".
Outcome run_call(const std::string& spec, const std::vector<Function>& funcs) {
  size_t open = spec.find('('), close = spec.find(')');
  if (spec.empty() || spec[0] != '%' || open == std::string::npos || close == std::string::npos) {
    return {"error: malformed run line", {}, {}};
  }
  std::string name = spec.substr(1, open - 1);
  const Function* f = nullptr;
  for (const Function& fn : funcs) {
    if (fn.name == name) f = &fn;
  }
  if (!f) return {"error: no function %" + name, {}, {}};
  std::vector<std::string> text = split_commas(spec.substr(open + 1, close - open - 1));
  if (text.size() != f->signature.params.size()) return {"error: argument count", {}, {}};
  std::vector<DataValue> args;
  for (size_t k = 0; k < text.size(); ++k) {
    auto v = parse_data_value(text[k], f->signature.params[k].type);
    if (!v) return {"error: bad argument " + text[k], {}, {}};
    args.push_back(*v);
  }
  Interpreter interp;
  for (const Function& fn : funcs) interp.add_function(fn);
  auto r = interp.call(*f, args);
  if (!r.ok()) return {"error: " + r.error().to_string(), {}, {}};
  return {show(*r), interp.heap(), r->values};
}

// Checks an outcome against the run line's expectation (after `)`).
std::string check_expectation(const std::string& spec, const Outcome& o) {
  const std::string& got = o.text;
  std::string rest = trim(spec.substr(spec.find(')') + 1));
  if (rest.rfind("trap", 0) == 0) return got == rest ? "" : "expected " + rest + ", got " + got;
  if (got.rfind("[", 0) != 0) return "unexpected " + got;
  if (rest.empty()) {
    return o.values.size() == 1 && o.values[0].bits != 0 ? "" : "expected nonzero, got " + got;
  }
  if (rest.rfind("==", 0) != 0) return "malformed expectation";
  std::string want = trim(rest.substr(2));
  if (!want.empty() && want.front() == '[') want = want.substr(1, want.size() - 2);
  std::vector<std::string> w = split_commas(want);
  if (w.size() != o.values.size()) return "expected " + want + ", got " + got;
  for (size_t k = 0; k < w.size(); ++k) {
    auto v = parse_data_value(w[k], o.values[k].type);
    if (!v || !v->same_as(o.values[k])) return "expected " + want + ", got " + got;
  }
  return "";
}

class OptFileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OptFileTest, Passes) {
  fs::path path = fs::path(KILN_SOURCE_DIR) / "tests" / "filetests" / GetParam();
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::stringstream buf;
  buf << in.rdbuf();
  std::vector<std::string> lines = split_lines(buf.str());

  bool optimize_all = false;
  std::vector<std::string> passes;
  std::string ir_text;
  bool in_header = true;
  for (const std::string& l : lines) {
    std::string t = trim(l);
    if (t.rfind("function", 0) == 0) in_header = false;
    if (in_header && t.rfind("test ", 0) == 0) {
      std::string kind = trim(t.substr(5));
      if (kind == "optimize") optimize_all = true;
      if (kind.rfind("pass ", 0) == 0) {
        std::stringstream ps(kind.substr(5));
        std::string p;
        while (ps >> p) passes.push_back(p);
      }
      ir_text += "\n";
      continue;
    }
    ir_text += l + "\n";
  }
  ASSERT_TRUE(optimize_all || !passes.empty()) << "needs `test optimize` or `test pass ...`";
  for (const std::string& p : passes) ASSERT_TRUE(pass_table().count(p)) << "unknown pass " << p;

  auto parsed = parse_functions(ir_text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  std::vector<Function> before, after;
  for (ParsedFunction& pf : *parsed) {
    ASSERT_TRUE(verify_function(pf.func).ok()) << "%" << pf.func.name;
    before.push_back(pf.func);
  }
  for (const ParsedFunction& pf : *parsed) {
    Function f = pf.func;
    if (optimize_all) {
      optimize(f);
      auto v = verify_function(f);
      EXPECT_TRUE(v.ok()) << "%" << f.name << " after optimize: " << v.error().to_string() << "\n"
                          << print_function(f);
    }
    for (const std::string& p : passes) {
      pass_table().at(p)(f);
      auto v = verify_function(f);
      EXPECT_TRUE(v.ok()) << "%" << f.name << " after " << p << ": " << v.error().to_string()
                          << "\n" << print_function(f);
    }
    after.push_back(std::move(f));
  }

  // Semantics: every run line gives the expected outcome, before and after, and the same heap.
  int runs = 0;
  for (size_t n = 0; n < lines.size(); ++n) {
    std::string t = trim(lines[n]);
    if (t.rfind("; run:", 0) != 0) continue;
    std::string spec = trim(t.substr(6));
    Outcome a = run_call(spec, before), b = run_call(spec, after);
    std::string where = GetParam() + ":" + std::to_string(n + 1);
    EXPECT_EQ(a.text.rfind("error", 0), std::string::npos) << where << ": " << a.text;
    EXPECT_EQ(check_expectation(spec, a), "") << where << " before";
    EXPECT_EQ(check_expectation(spec, b), "") << where << " after";
    EXPECT_EQ(a.text, b.text) << where;
    EXPECT_TRUE(a.heap == b.heap) << where << ": heap differs after optimization";
    ++runs;
  }
  EXPECT_GT(runs, 0) << "no run lines";

  if (passes.empty()) return;  // `test optimize` goldens are checked by filetests_test.cc
  bool bless = std::getenv("KILN_BLESS") != nullptr;
  std::vector<std::string> out_lines = lines;
  for (size_t fi = parsed->size(); fi-- > 0;) {
    const ParsedFunction& pf = (*parsed)[fi];
    std::vector<std::string> actual;
    for (const std::string& l : split_lines(print_function(after[fi]))) {
      actual.push_back(l.empty() ? "; check:" : "; check: " + l);
    }
    size_t begin = pf.last_line, end = begin;
    while (end < lines.size() && trim(lines[end]).rfind("; check:", 0) == 0) ++end;
    if (bless) {
      out_lines.erase(out_lines.begin() + begin, out_lines.begin() + end);
      out_lines.insert(out_lines.begin() + begin, actual.begin(), actual.end());
      continue;
    }
    std::string exp_s, act_s;
    for (size_t k = begin; k < end; ++k) exp_s += trim(lines[k]) + "\n";
    for (const auto& a : actual) act_s += trim(a) + "\n";
    EXPECT_EQ(exp_s, act_s) << "%" << pf.func.name << " differs (KILN_BLESS=1 updates)";
  }
  if (bless) {
    std::ofstream o(path);
    for (const auto& l : out_lines) o << l << "\n";
  }
}

INSTANTIATE_TEST_SUITE_P(Opt, OptFileTest, ::testing::ValuesIn(list_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace kiln::codegen::opt
