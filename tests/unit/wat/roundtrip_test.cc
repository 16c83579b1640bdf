// tests/unit/wat/roundtrip_test.cc: binary -> text -> binary -> text round trips of every valid
// module of the spec testsuite, exercising the decoder, printer and text parser together.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "wasm/decoder.h"
#include "wasm/instr_reader.h"
#include "wasm/validator.h"
#include "wat/printer.h"
#include "wat/wast.h"
#include "wat/wat.h"

namespace kiln::wat {
namespace {

namespace fs = std::filesystem;

// The testsuite folders this test covers, relative to the spec directory ("" = its root).
const char* const kFolders[] = {"", "proposals/threads", "proposals/wide-arithmetic",
                                "proposals/custom-page-sizes"};

fs::path spec_dir() { return fs::path(KILN_SHARED_DIR) / "wasm-testsuite" / "spec"; }

std::vector<std::string> wast_files() {
  std::vector<std::string> files;
  for (const char* folder : kFolders) {
    fs::path dir = spec_dir() / folder;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;  // SpecFoldersExist reports it
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.is_regular_file() && entry.path().extension() == ".wast") {
        files.push_back(fs::relative(entry.path(), spec_dir()).string());
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "line N: text1: ... / text2: ..." for the first line where the two texts differ.
std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  for (int line = 1;; ++line) {
    bool ha = static_cast<bool>(std::getline(sa, la));
    bool hb = static_cast<bool>(std::getline(sb, lb));
    if (!ha && !hb) return "texts differ only in the final newline";
    if (!ha) la = "<end of text>";
    if (!hb) lb = "<end of text>";
    if (!ha || !hb || la != lb) {
      return "line " + std::to_string(line) + ":\n    text1: " + la + "\n    text2: " + lb;
    }
  }
}

std::string line_of(const std::string& text, uint32_t line) {
  std::istringstream s(text);
  std::string l;
  for (uint32_t i = 1; std::getline(s, l); ++i) {
    if (i == line) return l;
  }
  return "<no such line>";
}

// Every proposal on: the threads folder needs shared memories. (InstrReader keeps a reference
// to its Features, so they must outlive every reader.)
const wasm::Features kFeatures = wasm::Features::all();

// ---- semantic comparison of two decoded modules
//
// text1 == text2 alone would miss information the printer drops consistently (an immediate
// it never prints comes back as its default both times), so the decoded bin1 and bin2 are
// also compared field by field, instructions by opcode and immediates (not bytes: binary
// modules may use padded LEBs or other equivalent encodings).

void put(std::string& out, uint64_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }

void put_val(std::string& out, wasm::ValType t) {
  put(out, static_cast<uint64_t>(t.kind));
  if (t.is_ref()) {
    put(out, t.nullable);
    put(out, t.heap.raw());
  }
}

void put_instr(std::string& out, wasm::Opcode op, const wasm::Imm& imm) {
  put(out, static_cast<uint64_t>(op));
  put(out, imm.index);
  put(out, imm.index2);
  put(out, imm.memarg.align_log2);
  put(out, imm.memarg.memory);
  put(out, imm.memarg.offset);
  put(out, imm.lane);
  put(out, imm.value);
  out.append(reinterpret_cast<const char*>(imm.bytes), sizeof imm.bytes);
  put(out, static_cast<uint64_t>(imm.block.kind));
  put_val(out, imm.block.value);
  put(out, imm.block.index);
  put(out, imm.heap.raw());
  put(out, imm.heap2.raw());
  put(out, imm.nullable);
  put(out, imm.nullable2);
  put(out, imm.num_targets);
  for (uint32_t i = 0; i < imm.num_targets; ++i) put(out, imm.targets[i]);
  put(out, imm.default_target);
  put(out, imm.num_types);
  for (uint32_t i = 0; i < imm.num_types; ++i) put_val(out, imm.types[i]);
  put(out, imm.num_catches);
  for (uint32_t i = 0; i < imm.num_catches; ++i) {
    put(out, static_cast<uint64_t>(imm.catches[i].kind));
    put(out, imm.catches[i].tag);
    put(out, imm.catches[i].label);
  }
}

// The instructions of a byte range as a comparable string ("!" + error if unreadable).
std::string canon_code(const wasm::Module& m, wasm::ByteRange r) {
  if (r.offset > m.size || r.size > m.size - r.offset) return "!range";
  wasm::InstrReader reader(m.at(r), m.at(r) + r.size, r.offset, kFeatures);
  std::string out;
  while (!reader.at_end()) {
    wasm::Opcode op;
    wasm::Imm imm;
    auto st = reader.next(&op, &imm);
    if (!st.ok()) return "!" + st.error().to_string();
    put_instr(out, op, imm);
  }
  return out;
}

std::string canon_ref_func(uint32_t func) {
  std::string out;
  wasm::Imm imm;
  imm.index = func;
  put_instr(out, wasm::Opcode::kRefFunc, imm);
  wasm::Imm end;
  put_instr(out, wasm::Opcode::kEnd, end);
  return out;
}

std::string canon_limits(const wasm::Limits& l) {
  std::string out;
  put(out, l.min);
  put(out, l.max.has_value());
  put(out, l.max.value_or(0));
  put(out, l.is64);
  put(out, l.shared);
  put(out, l.page_size_log2.has_value());
  put(out, l.page_size_log2.value_or(0));
  return out;
}

std::string canon_table_type(const wasm::TableType& t) {
  std::string out;
  put_val(out, t.elem);
  return out + canon_limits(t.limits);
}

std::string canon_global_type(const wasm::GlobalType& g) {
  std::string out;
  put_val(out, g.type);
  put(out, g.mut);
  return out;
}

// Describes the first semantic difference between two decoded modules, or "" if none.
std::string module_difference(const wasm::Module& a, const wasm::Module& b) {
  auto check = [](bool same, const std::string& what) { return same ? std::string() : what; };
  std::string d;
#define KILN_DIFF(cond, what)              \
  do {                                     \
    if (!(d = check((cond), (what))).empty()) return d; \
  } while (0)
  KILN_DIFF(a.types.size() == b.types.size(), "number of types");
  for (size_t i = 0; i < a.types.size(); ++i) {
    const wasm::SubType& x = a.types[i];
    const wasm::SubType& y = b.types[i];
    const std::string what = "type " + std::to_string(i);
    KILN_DIFF(x.final == y.final && x.super == y.super, what + " (sub/final)");
    KILN_DIFF(x.rec_group_start == y.rec_group_start && x.rec_group_size == y.rec_group_size,
              what + " (rec group)");
    KILN_DIFF(x.comp.kind == y.comp.kind && x.comp.shared == y.comp.shared && x.comp.func == y.comp.func &&
                  x.comp.strukt == y.comp.strukt && x.comp.array == y.comp.array &&
                  x.comp.cont_type == y.comp.cont_type,
              what);
  }
  KILN_DIFF(a.imports.size() == b.imports.size(), "number of imports");
  for (size_t i = 0; i < a.imports.size(); ++i) {
    const wasm::Import& x = a.imports[i];
    const wasm::Import& y = b.imports[i];
    const std::string what = "import " + std::to_string(i);
    KILN_DIFF(x.module == y.module && x.name == y.name && x.kind == y.kind, what);
    switch (x.kind) {
      case wasm::ExternKind::kFunc: KILN_DIFF(x.func_type == y.func_type, what); break;
      case wasm::ExternKind::kTable: KILN_DIFF(canon_table_type(x.table) == canon_table_type(y.table), what); break;
      case wasm::ExternKind::kMemory:
        KILN_DIFF(canon_limits(x.memory.limits) == canon_limits(y.memory.limits), what);
        break;
      case wasm::ExternKind::kGlobal:
        KILN_DIFF(canon_global_type(x.global) == canon_global_type(y.global), what);
        break;
      case wasm::ExternKind::kTag:
        KILN_DIFF(x.tag.attribute == y.tag.attribute && x.tag.type_index == y.tag.type_index, what);
        break;
    }
  }
  KILN_DIFF(a.func_types == b.func_types, "function types");
  KILN_DIFF(a.tables.size() == b.tables.size(), "number of tables");
  for (size_t i = 0; i < a.tables.size(); ++i) {
    const std::string what = "defined table " + std::to_string(i);
    KILN_DIFF(canon_table_type(a.tables[i].type) == canon_table_type(b.tables[i].type), what);
    KILN_DIFF(a.tables[i].init.has_value() == b.tables[i].init.has_value(), what + " initialiser");
    if (a.tables[i].init) {
      KILN_DIFF(canon_code(a, *a.tables[i].init) == canon_code(b, *b.tables[i].init), what + " initialiser");
    }
  }
  KILN_DIFF(a.memory_types.size() == b.memory_types.size(), "number of memories");
  for (size_t i = 0; i < a.memory_types.size(); ++i) {
    KILN_DIFF(canon_limits(a.memory_types[i].limits) == canon_limits(b.memory_types[i].limits),
              "memory " + std::to_string(i));
  }
  KILN_DIFF(a.tag_types.size() == b.tag_types.size(), "number of tags");
  for (size_t i = 0; i < a.tag_types.size(); ++i) {
    KILN_DIFF(a.tag_types[i].attribute == b.tag_types[i].attribute &&
                  a.tag_types[i].type_index == b.tag_types[i].type_index,
              "tag " + std::to_string(i));
  }
  KILN_DIFF(a.globals.size() == b.globals.size(), "number of globals");
  for (size_t i = 0; i < a.globals.size(); ++i) {
    const std::string what = "defined global " + std::to_string(i);
    KILN_DIFF(canon_global_type(a.globals[i].type) == canon_global_type(b.globals[i].type), what);
    KILN_DIFF(canon_code(a, a.globals[i].init) == canon_code(b, b.globals[i].init), what + " initialiser");
  }
  KILN_DIFF(a.exports.size() == b.exports.size(), "number of exports");
  for (size_t i = 0; i < a.exports.size(); ++i) {
    KILN_DIFF(a.exports[i].name == b.exports[i].name && a.exports[i].kind == b.exports[i].kind &&
                  a.exports[i].index == b.exports[i].index,
              "export " + std::to_string(i));
  }
  KILN_DIFF(a.start == b.start, "start function");
  KILN_DIFF(a.elems.size() == b.elems.size(), "number of elem segments");
  for (size_t i = 0; i < a.elems.size(); ++i) {
    const wasm::ElemSegment& x = a.elems[i];
    const wasm::ElemSegment& y = b.elems[i];
    const std::string what = "elem segment " + std::to_string(i);
    KILN_DIFF(x.mode == y.mode && x.type == y.type && x.count() == y.count(), what);
    if (x.mode == wasm::SegmentMode::kActive) {
      KILN_DIFF(x.table == y.table && canon_code(a, x.offset) == canon_code(b, y.offset), what + " offset");
    }
    // A function index and the expression `ref.func` of it are the same element.
    for (uint32_t k = 0; k < x.count(); ++k) {
      std::string ex = x.uses_exprs ? canon_code(a, x.exprs[k]) : canon_ref_func(x.func_indices[k]);
      std::string ey = y.uses_exprs ? canon_code(b, y.exprs[k]) : canon_ref_func(y.func_indices[k]);
      KILN_DIFF(ex == ey, what + " element " + std::to_string(k));
    }
  }
  KILN_DIFF(a.datas.size() == b.datas.size(), "number of data segments");
  for (size_t i = 0; i < a.datas.size(); ++i) {
    const wasm::DataSegment& x = a.datas[i];
    const wasm::DataSegment& y = b.datas[i];
    const std::string what = "data segment " + std::to_string(i);
    KILN_DIFF(x.mode == y.mode, what);
    if (x.mode == wasm::SegmentMode::kActive) {
      KILN_DIFF(x.memory == y.memory && canon_code(a, x.offset) == canon_code(b, y.offset), what + " offset");
    }
    KILN_DIFF(x.init.size == y.init.size && std::equal(a.at(x.init), a.at(x.init) + x.init.size, b.at(y.init)),
              what + " bytes");
  }
  KILN_DIFF(a.bodies.size() == b.bodies.size(), "number of function bodies");
  for (size_t i = 0; i < a.bodies.size(); ++i) {
    const std::string what = "body of defined function " + std::to_string(i);
    std::vector<wasm::ValType> la, lb;
    for (const wasm::Local& l : a.bodies[i].locals) la.insert(la.end(), l.count, l.type);
    for (const wasm::Local& l : b.bodies[i].locals) lb.insert(lb.end(), l.count, l.type);
    KILN_DIFF(la == lb, what + " (locals)");
    KILN_DIFF(canon_code(a, a.bodies[i].code) == canon_code(b, b.bodies[i].code), what + " (instructions)");
  }
#undef KILN_DIFF
  return "";
}

struct Counts {
  int round_tripped = 0;
  int skipped_text_error = 0;   // the script's text module did not parse
  int skipped_quote_error = 0;  // a (module quote ...) did not parse
  int skipped_undecodable = 0;  // decode failed (the decoder rejects a module the suite accepts)
  int skipped_invalid = 0;      // validate failed
  int components = 0;
  int failures = 0;
  Counts& operator+=(const Counts& o) {
    round_tripped += o.round_tripped;
    skipped_text_error += o.skipped_text_error;
    skipped_quote_error += o.skipped_quote_error;
    skipped_undecodable += o.skipped_undecodable;
    skipped_invalid += o.skipped_invalid;
    components += o.components;
    failures += o.failures;
    return *this;
  }
};

Counts& totals() {
  static Counts c;
  return c;
}

// Prints the suite-wide numbers once every file has run.
class TotalsPrinter : public ::testing::Environment {
 public:
  void TearDown() override {
    const Counts& t = totals();
    std::printf(
        "[roundtrip] total: %d modules round-tripped, %d failures; skipped: %d text parse errors, "
        "%d quote parse errors, %d undecodable, %d invalid, %d components\n",
        t.round_tripped, t.failures, t.skipped_text_error, t.skipped_quote_error,
        t.skipped_undecodable, t.skipped_invalid, t.components);
  }
};
[[maybe_unused]] ::testing::Environment* const kTotalsEnv =
    ::testing::AddGlobalTestEnvironment(new TotalsPrinter);

class RoundTrip : public ::testing::TestWithParam<std::string> {
 protected:
  // Runs one module through the round trip; returns a failure description or "".
  std::string round_trip(const std::vector<uint8_t>& bin1, const Location& loc) {
    auto m1 = wasm::decode(bin1, kFeatures);
    if (!m1.ok()) {
      ++counts_.skipped_undecodable;
      skipped_.push_back("undecodable at line " + std::to_string(loc.line) + ": " + m1.error().to_string());
      return "";
    }
    auto valid1 = wasm::validate(*m1, kFeatures);
    if (!valid1.ok()) {
      ++counts_.skipped_invalid;
      skipped_.push_back("invalid at line " + std::to_string(loc.line) + ": " + valid1.error().to_string());
      return "";
    }
    auto text1 = print_module(*m1, kFeatures);
    if (!text1.ok()) return "[printer] print_module(bin1) failed: " + text1.error().to_string();
    auto bin2 = parse_module(*text1);
    if (!bin2.ok()) {
      const Location& loc = bin2.error().location();
      return "[parser] parse_module(text1) failed: " + bin2.error().to_string() + "\n    at: " +
             line_of(*text1, loc.line);
    }
    auto m2 = wasm::decode(*bin2, kFeatures);
    if (!m2.ok()) return "[parser/decoder] decode(bin2) failed: " + m2.error().to_string();
    auto valid2 = wasm::validate(*m2, kFeatures);
    if (!valid2.ok()) {
      return "[printer/parser] bin2 is invalid: " + valid2.error().to_string() + "\n" + *text1;
    }
    auto text2 = print_module(*m2, kFeatures);
    if (!text2.ok()) return "[printer] print_module(bin2) failed: " + text2.error().to_string();
    if (*text1 != *text2) return "[printer/parser] text1 != text2 at " + first_difference(*text1, *text2);
    std::string diff = module_difference(*m1, *m2);
    if (!diff.empty()) return "[printer/parser] bin1 and bin2 differ in " + diff + "\n" + *text1;
    auto bin3 = parse_module(*text2);
    if (!bin3.ok()) return "[parser] parse_module(text2) failed: " + bin3.error().to_string();
    if (*bin3 != *bin2) return "[parser] parse_module is not deterministic: bin3 != bin2";
    ++counts_.round_tripped;
    return "";
  }

  void visit(const ModuleDef& def, const Location& loc) {
    if (def.is_component) {
      ++counts_.components;
      return;
    }
    std::vector<uint8_t> bin;
    switch (def.form) {
      case ModuleDef::Form::kText:
        if (def.text_error) {
          ++counts_.skipped_text_error;
          skipped_.push_back("text parse error at line " + std::to_string(loc.line) + ": " +
                             def.text_error->to_string());
          return;
        }
        bin = def.binary;
        break;
      case ModuleDef::Form::kBinary:
        bin = def.binary;
        break;
      case ModuleDef::Form::kQuote: {
        auto parsed = parse_module(def.quote_text);
        if (!parsed.ok()) {
          ++counts_.skipped_quote_error;
          skipped_.push_back("quote parse error at line " + std::to_string(loc.line) + ": " +
                             parsed.error().to_string());
          return;
        }
        bin = std::move(*parsed);
        break;
      }
    }
    std::string failure = round_trip(bin, loc);
    if (!failure.empty()) {
      ++counts_.failures;
      ADD_FAILURE() << GetParam() << ":" << loc.line << ": module round trip failed: " << failure;
    }
  }

  void visit_commands(const std::vector<Command>& commands) {
    for (const Command& c : commands) {
      switch (c.kind) {
        case Command::Kind::kModule:
        case Command::Kind::kAssertUnlinkable:
        case Command::Kind::kAssertUninstantiable:
          visit(c.module, c.module.loc.line ? c.module.loc : c.loc);
          break;
        case Command::Kind::kAssertTrap:
          if (c.has_module) visit(c.module, c.module.loc.line ? c.module.loc : c.loc);
          break;
        case Command::Kind::kThread:
          visit_commands(c.body);
          break;
        default:  // assert_malformed/assert_invalid modules are meant to fail; actions have none
          break;
      }
    }
  }

  Counts counts_;
  std::vector<std::string> skipped_;
};

TEST(RoundTripSuite, SpecFoldersExist) {
  for (const char* folder : kFolders) {
    fs::path dir = spec_dir() / folder;
    EXPECT_TRUE(fs::is_directory(dir)) << "missing spec testsuite folder " << dir
                                       << " (the round-trip test needs the WebAssembly testsuite)";
  }
  EXPECT_GT(wast_files().size(), 200u) << "too few .wast files under " << spec_dir();
}

TEST_P(RoundTrip, File) {
  const std::string rel = GetParam();
  const std::string text = read_file(spec_dir() / rel);
  ASSERT_FALSE(text.empty()) << "cannot read " << rel;
  auto script = parse_wast(text, rel);
  ASSERT_TRUE(script.ok()) << "[wast parser] " << rel << ": " << script.error().to_string();
  visit_commands(script->commands);
  std::printf("[roundtrip] %s: %d round-tripped, %d failed", rel.c_str(), counts_.round_tripped,
              counts_.failures);
  const int skipped = counts_.skipped_text_error + counts_.skipped_quote_error +
                      counts_.skipped_undecodable + counts_.skipped_invalid;
  if (skipped) std::printf(", %d skipped", skipped);
  std::printf("\n");
  for (const std::string& s : skipped_) std::printf("    skipped (%s)\n", s.c_str());
  totals() += counts_;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name;
  for (char c : info.param) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Spec, RoundTrip, ::testing::ValuesIn(wast_files()), test_name);

}  // namespace
}  // namespace kiln::wat
