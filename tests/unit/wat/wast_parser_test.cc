// tests/unit/wat/wast_parser_test.cc: the .wast script parser on small scripts, and every
// script of the spec and Wasmtime testsuites parsed at the script level.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "wat/lexer.h"
#include "wat/wast.h"
#include "wat/wat.h"


namespace kiln::wat {
namespace {

Script parse_ok(std::string_view text) {
  auto r = parse_wast(text, "test.wast");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? std::move(*r) : Script{};
}

Error parse_err(std::string_view text) {
  auto r = parse_wast(text, "test.wast");
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? Error() : r.error();
}

uint32_t f32_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

TEST(WastParser, ModuleForms) {
  Script s = parse_ok(
      "(module $m (func))\n"
      "(module binary \"\\00asm\" \"\\01\\00\\00\\00\")\n"
      "(module $q quote \"(func\" \"(nop))\")\n"
      "(module definition $d (func))\n"
      "(module instance $i $d)\n"
      "(component $c (core module))\n"
      "(module definition $b binary \"\\00asm\")\n");
  ASSERT_EQ(s.file, "test.wast");
  ASSERT_EQ(s.commands.size(), 7u);
  const Command& c0 = s.commands[0];
  EXPECT_EQ(c0.kind, Command::Kind::kModule);
  EXPECT_TRUE(c0.has_module);
  EXPECT_EQ(c0.module.form, ModuleDef::Form::kText);
  EXPECT_EQ(c0.module.id, "m");
  EXPECT_FALSE(c0.module.text_error.has_value());
  ASSERT_GE(c0.module.binary.size(), 8u);
  EXPECT_EQ(c0.module.binary[1], 'a');
  EXPECT_EQ(c0.loc.line, 1u);
  EXPECT_EQ(c0.loc.column, 1u);

  const Command& c1 = s.commands[1];
  EXPECT_EQ(c1.module.form, ModuleDef::Form::kBinary);
  EXPECT_EQ(c1.module.binary, (std::vector<uint8_t>{0, 'a', 's', 'm', 1, 0, 0, 0}));
  EXPECT_FALSE(c1.module.id.has_value());
  EXPECT_EQ(c1.loc.line, 2u);

  const Command& c2 = s.commands[2];
  EXPECT_EQ(c2.module.form, ModuleDef::Form::kQuote);
  EXPECT_EQ(c2.module.quote_text, "(func (nop))");
  EXPECT_EQ(c2.module.id, "q");

  const Command& c3 = s.commands[3];
  EXPECT_TRUE(c3.module.is_definition);
  EXPECT_FALSE(c3.module.text_error.has_value());
  EXPECT_EQ(c3.module.id, "d");
  EXPECT_EQ(c3.module.form, ModuleDef::Form::kText);

  const Command& c4 = s.commands[4];
  EXPECT_EQ(c4.kind, Command::Kind::kModuleInstance);
  EXPECT_EQ(c4.name, "i");
  EXPECT_EQ(c4.ref_id, "d");

  const Command& c5 = s.commands[5];
  EXPECT_EQ(c5.kind, Command::Kind::kModule);
  EXPECT_TRUE(c5.module.is_component);
  EXPECT_EQ(c5.module.form, ModuleDef::Form::kQuote);
  EXPECT_EQ(c5.module.quote_text, "(component $c (core module))");
  EXPECT_EQ(c5.module.id, "c");

  const Command& c6 = s.commands[6];
  EXPECT_TRUE(c6.module.is_definition);
  EXPECT_EQ(c6.module.form, ModuleDef::Form::kBinary);
  EXPECT_EQ(c6.module.id, "b");
}

TEST(WastParser, TextErrorsAreRelocated) {
  std::string text = "(module)\n  (module (func bogus.op))\n(module\n (memory 1)\n (func (i32.const 0x1_0000_0000)))";
  Script s = parse_ok(text);
  ASSERT_EQ(s.commands.size(), 3u);
  EXPECT_FALSE(s.commands[0].module.text_error.has_value());
  ASSERT_TRUE(s.commands[1].module.text_error.has_value());
  const Error& e1 = *s.commands[1].module.text_error;
  EXPECT_EQ(e1.kind(), ErrorKind::kMalformed);
  EXPECT_TRUE(e1.message().starts_with("unknown operator")) << e1.message();
  EXPECT_EQ(e1.location().line, 2u);
  EXPECT_EQ(e1.location().column, 17u);  // "bogus.op": column 15 of a form at column 3
  ASSERT_TRUE(s.commands[2].module.text_error.has_value());
  const Error& e2 = *s.commands[2].module.text_error;
  EXPECT_TRUE(e2.message().starts_with("constant out of range")) << e2.message();
  EXPECT_EQ(e2.location().line, 5u);  // line 3 of a form starting on line 3
  EXPECT_EQ(e2.location().column, 19u);
}

TEST(WastParser, ActionsAndConsts) {
  Script s = parse_ok(
      "(register \"M\" $m)\n"
      "(invoke $m \"f\" (i32.const -1) (i64.const 0xffffffffffffffff) (f32.const 1.5)\n"
      "  (f64.const -nan) (v128.const i16x8 1 2 3 4 5 6 7 -1) (ref.null extern)\n"
      "  (ref.extern 7) (ref.host 3) (ref.null) (v128.const f32x4 1 2 3 4))\n"
      "(get \"g\")\n");
  ASSERT_EQ(s.commands.size(), 3u);
  EXPECT_EQ(s.commands[0].kind, Command::Kind::kRegister);
  EXPECT_EQ(s.commands[0].name, "M");
  EXPECT_EQ(s.commands[0].ref_id, "m");

  const Command& inv = s.commands[1];
  EXPECT_EQ(inv.kind, Command::Kind::kAction);
  EXPECT_EQ(inv.action.kind, Action::Kind::kInvoke);
  EXPECT_EQ(inv.action.module_id, "m");
  EXPECT_EQ(inv.action.name, "f");
  EXPECT_EQ(inv.loc.line, 2u);
  const auto& a = inv.action.args;
  ASSERT_EQ(a.size(), 10u);
  EXPECT_EQ(a[0].type, Value::Type::kI32);
  EXPECT_EQ(a[0].bits, 0xffffffffu);
  EXPECT_EQ(a[1].type, Value::Type::kI64);
  EXPECT_EQ(a[1].bits, ~uint64_t{0});
  EXPECT_EQ(a[2].type, Value::Type::kF32);
  EXPECT_EQ(a[2].bits, f32_bits(1.5f));
  EXPECT_EQ(a[3].type, Value::Type::kF64);
  EXPECT_EQ(a[3].bits, 0xfff8000000000000u);
  EXPECT_EQ(a[4].type, Value::Type::kV128);
  EXPECT_EQ(a[4].v128[0], 1);
  EXPECT_EQ(a[4].v128[1], 0);
  EXPECT_EQ(a[4].v128[2], 2);
  EXPECT_EQ(a[4].v128[14], 0xff);
  EXPECT_EQ(a[4].v128[15], 0xff);
  EXPECT_EQ(a[5].type, Value::Type::kRef);
  EXPECT_EQ(a[5].ref, Value::RefKind::kNull);
  EXPECT_EQ(a[5].null_heap, wasm::HeapType(wasm::HeapKind::kExtern));
  EXPECT_EQ(a[6].ref, Value::RefKind::kExtern);
  EXPECT_EQ(a[6].ref_index, 7u);
  EXPECT_EQ(a[7].ref, Value::RefKind::kHost);
  EXPECT_EQ(a[7].ref_index, 3u);
  EXPECT_EQ(a[8].ref, Value::RefKind::kNull);
  uint32_t lane3;
  std::memcpy(&lane3, &a[9].v128[12], 4);
  EXPECT_EQ(lane3, f32_bits(4.0f));

  EXPECT_EQ(s.commands[2].action.kind, Action::Kind::kGet);
  EXPECT_EQ(s.commands[2].action.name, "g");
  EXPECT_FALSE(s.commands[2].action.module_id.has_value());
}

TEST(WastParser, Patterns) {
  Script s = parse_ok(
      "(assert_return (invoke \"f\")\n"
      "  (i32.const 1) (f32.const nan:canonical) (f64.const nan:arithmetic) (f64.const -0x1p-1074)\n"
      "  (v128.const f32x4 nan:canonical 1.0 nan:arithmetic -inf) (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 -1)\n"
      "  (ref.null func) (ref.null) (ref.extern) (ref.extern 3) (ref.host 4) (ref.func 2)\n"
      "  (ref.struct) (ref.array) (ref.i31) (ref.i31 5) (ref.eq) (ref.any) (ref.exn)\n"
      "  (either (i32.const 1) (v128.const f64x2 nan:canonical 0)))\n"
      "(assert_return (get $m \"g\"))");
  ASSERT_EQ(s.commands.size(), 2u);
  const auto& p = s.commands[0].expected;
  ASSERT_EQ(p.size(), 20u);
  using K = Pattern::Kind;
  EXPECT_EQ(p[0].kind, K::kExact);
  EXPECT_EQ(p[0].value.type, Value::Type::kI32);
  EXPECT_EQ(p[0].value.bits, 1u);
  EXPECT_EQ(p[1].kind, K::kNanCanonical);
  EXPECT_EQ(p[1].value.type, Value::Type::kF32);
  EXPECT_EQ(p[2].kind, K::kNanArithmetic);
  EXPECT_EQ(p[2].value.type, Value::Type::kF64);
  EXPECT_EQ(p[3].kind, K::kExact);
  EXPECT_EQ(p[3].value.bits, 0x8000000000000001u);
  EXPECT_EQ(p[4].kind, K::kV128Lanes);
  EXPECT_EQ(p[4].shape, "f32x4");
  ASSERT_EQ(p[4].lanes.size(), 4u);
  EXPECT_EQ(p[4].lanes[0].kind, K::kNanCanonical);
  EXPECT_EQ(p[4].lanes[0].value.type, Value::Type::kF32);
  EXPECT_EQ(p[4].lanes[1].kind, K::kExact);
  EXPECT_EQ(p[4].lanes[1].value.bits, f32_bits(1.0f));
  EXPECT_EQ(p[4].lanes[2].kind, K::kNanArithmetic);
  EXPECT_EQ(p[4].lanes[3].value.bits, 0xff800000u);
  EXPECT_EQ(p[5].kind, K::kExact);
  EXPECT_EQ(p[5].value.type, Value::Type::kV128);
  EXPECT_EQ(p[5].shape, "i8x16");
  EXPECT_EQ(p[5].value.v128[14], 14);
  EXPECT_EQ(p[5].value.v128[15], 0xff);
  EXPECT_EQ(p[6].kind, K::kRefNull);
  EXPECT_EQ(p[6].value.null_heap, wasm::HeapType(wasm::HeapKind::kFunc));
  EXPECT_EQ(p[7].kind, K::kRefNull);
  EXPECT_EQ(p[8].kind, K::kRefExternAny);
  EXPECT_EQ(p[9].kind, K::kExact);
  EXPECT_EQ(p[9].value.ref, Value::RefKind::kExtern);
  EXPECT_EQ(p[9].value.ref_index, 3u);
  EXPECT_EQ(p[10].value.ref, Value::RefKind::kHost);
  EXPECT_EQ(p[10].value.ref_index, 4u);
  EXPECT_EQ(p[11].kind, K::kRefFuncAny);
  EXPECT_TRUE(p[11].has_index);
  EXPECT_EQ(p[11].index, 2u);
  EXPECT_EQ(p[12].kind, K::kRefStruct);
  EXPECT_EQ(p[13].kind, K::kRefArray);
  EXPECT_EQ(p[14].kind, K::kRefI31);
  EXPECT_FALSE(p[14].has_index);
  EXPECT_EQ(p[15].kind, K::kRefI31);
  EXPECT_TRUE(p[15].has_index);
  EXPECT_EQ(p[15].index, 5u);
  EXPECT_EQ(p[16].kind, K::kRefEq);
  EXPECT_EQ(p[17].kind, K::kRefAny);
  EXPECT_EQ(p[18].kind, K::kRefExn);
  EXPECT_EQ(p[19].kind, K::kEither);
  ASSERT_EQ(p[19].alternatives.size(), 2u);
  EXPECT_EQ(p[19].alternatives[1].kind, K::kV128Lanes);
  EXPECT_TRUE(s.commands[1].expected.empty());
  EXPECT_EQ(s.commands[1].action.kind, Action::Kind::kGet);
  EXPECT_EQ(s.commands[1].action.module_id, "m");
}

TEST(WastParser, Assertions) {
  Script s = parse_ok(
      "(assert_trap (invoke \"t\") \"unreachable\")\n"
      "(assert_trap (module (func bogus)) \"out of bounds\")\n"
      "(assert_exhaustion (invoke \"r\" (i32.const 1)) \"call stack exhausted\")\n"
      "(assert_exception (invoke \"x\"))\n"
      "(assert_invalid (module (func)) \"type mismatch\")\n"
      "(assert_malformed (module quote \"(func\") \"unexpected end\")\n"
      "(assert_unlinkable (module binary \"\") \"unknown import\")\n"
      "(assert_uninstantiable (module) \"out of bounds\")\n"
      "(assert_invalid (component) \"bad\")\n"
      "(assert_suspension (invoke \"s\") \"unhandled\")\n"
      "(assert_malformed_custom (module quote \"(@custom)\") \"@custom annotation\")\n");
  ASSERT_EQ(s.commands.size(), 11u);
  using K = Command::Kind;
  EXPECT_EQ(s.commands[0].kind, K::kAssertTrap);
  EXPECT_FALSE(s.commands[0].has_module);
  EXPECT_EQ(s.commands[0].message, "unreachable");
  EXPECT_EQ(s.commands[1].kind, K::kAssertTrap);
  EXPECT_TRUE(s.commands[1].has_module);
  EXPECT_TRUE(s.commands[1].module.text_error.has_value());
  EXPECT_EQ(s.commands[2].kind, K::kAssertExhaustion);
  EXPECT_EQ(s.commands[2].action.args.size(), 1u);
  EXPECT_EQ(s.commands[3].kind, K::kAssertException);
  EXPECT_EQ(s.commands[4].kind, K::kAssertInvalid);
  EXPECT_EQ(s.commands[4].message, "type mismatch");
  EXPECT_EQ(s.commands[5].kind, K::kAssertMalformed);
  EXPECT_EQ(s.commands[5].module.form, ModuleDef::Form::kQuote);
  EXPECT_EQ(s.commands[5].module.quote_text, "(func");
  EXPECT_EQ(s.commands[6].kind, K::kAssertUnlinkable);
  EXPECT_EQ(s.commands[6].module.form, ModuleDef::Form::kBinary);
  EXPECT_EQ(s.commands[7].kind, K::kAssertUninstantiable);
  EXPECT_EQ(s.commands[8].kind, K::kAssertInvalid);
  EXPECT_TRUE(s.commands[8].module.is_component);
  EXPECT_EQ(s.commands[9].kind, K::kAssertSuspension);
  EXPECT_EQ(s.commands[9].message, "unhandled");
  EXPECT_EQ(s.commands[10].kind, K::kAssertMalformed);
  EXPECT_TRUE(s.commands[10].custom_annotation);
}

TEST(WastParser, Threads) {
  Script s = parse_ok(
      "(module $Mem (memory 1 1 shared))\n"
      "(thread $T1 (shared (module $Mem)) (shared (module $X))\n"
      "  (register \"mem\" $Mem)\n"
      "  (module (func))\n"
      "  (invoke \"run\"))\n"
      "(thread $T2)\n"
      "(wait $T1)\n");
  ASSERT_EQ(s.commands.size(), 4u);
  const Command& t = s.commands[1];
  EXPECT_EQ(t.kind, Command::Kind::kThread);
  EXPECT_EQ(t.name, "T1");
  EXPECT_EQ(t.shared_modules, (std::vector<std::string>{"Mem", "X"}));
  ASSERT_EQ(t.body.size(), 3u);
  EXPECT_EQ(t.body[0].kind, Command::Kind::kRegister);
  EXPECT_EQ(t.body[1].kind, Command::Kind::kModule);
  EXPECT_EQ(t.body[2].kind, Command::Kind::kAction);
  EXPECT_EQ(t.body[2].loc.line, 5u);
  EXPECT_TRUE(s.commands[2].body.empty());
  EXPECT_EQ(s.commands[3].kind, Command::Kind::kWait);
  EXPECT_EQ(s.commands[3].name, "T1");
}

TEST(WastParser, InlineModule) {
  Script s = parse_ok(";; fields only\n(func) (memory 0) (func (export \"f\"))\n");
  ASSERT_EQ(s.commands.size(), 1u);
  EXPECT_EQ(s.commands[0].kind, Command::Kind::kModule);
  EXPECT_EQ(s.commands[0].module.form, ModuleDef::Form::kText);
  EXPECT_FALSE(s.commands[0].module.text_error.has_value());
  EXPECT_GT(s.commands[0].module.binary.size(), 8u);
}

TEST(WastParser, AnnotationsAndCommentsAroundForms) {
  Script s = parse_ok(";; c\n((@a) module (@a) $m (@a) (func)) (; x ;) (invoke \"f\")");
  ASSERT_EQ(s.commands.size(), 2u);
  EXPECT_EQ(s.commands[0].module.id, "m");
}

TEST(WastParser, ScriptErrors) {
  struct Case { const char* text; const char* message; uint32_t line, column; };
  for (const Case& c : std::initializer_list<Case>{
           {"(module", "unclosed parenthesis", 1, 1},
           {"(foo)", "unknown command", 1, 2},
           {"\n  (assert_return (invoke \"f\") (i32.const 1.5))", "unexpected token", 2, 42},
           {"(invoke \"f\" (i32.const 0x1_0000_0000))", "constant out of range", 1, 24},
           {"(assert_return (invoke \"f\") (v128.const i32x4 1 2 3))", "wrong number of lane literals", 1, 52},
           {"(assert_return (invoke \"f\") (v128.const i32x4 1 2 3 4 5))", "wrong number of lane literals", 1, 55},
           {"(assert_return (invoke \"f\") (v128.const i9x3 1))", "unexpected token", 1, 41},
           {"(invoke \"f\" (i32.const nan:canonical))", "unexpected token", 1, 24},
           {"(assert_invalid (module) )", "unexpected token", 1, 26},
           {"(register $m)", "unexpected token", 1, 11},
           {"(assert_return (invoke \"f\") (ref.null bogus))", "unknown heap type", 1, 39},
           {"(invoke \"f\" (foo.const 1))", "unknown constant", 1, 14},
           {"(wait)", "unexpected token", 1, 6},
           {")", "unexpected token", 1, 1},
           {"(invoke \"f\" \"\\q\")", "illegal escape", 1, 14},
           {"(assert_return (invoke \"f\"", "unexpected end of script", 1, 27},
       }) {
    Error e = parse_err(c.text);
    EXPECT_EQ(e.kind(), ErrorKind::kMalformed) << c.text;
    EXPECT_EQ(e.message(), c.message) << c.text;
    EXPECT_EQ(e.location().line, c.line) << c.text;
    EXPECT_EQ(e.location().column, c.column) << c.text;
  }
}

struct Totals {
  int scripts = 0;
  int commands = 0;
  int patterns = 0;
  int text_modules = 0;
  int text_errors = 0;
  std::map<int, int> command_kinds;
  std::map<int, int> pattern_kinds;  // including lanes and either alternatives
};

void count_pattern(const Pattern& p, Totals& t) {
  ++t.pattern_kinds[static_cast<int>(p.kind)];
  for (const Pattern& lane : p.lanes) count_pattern(lane, t);
  for (const Pattern& alt : p.alternatives) count_pattern(alt, t);
}

void count(const std::vector<Command>& commands, Totals& t) {
  for (const Command& c : commands) {
    ++t.commands;
    ++t.command_kinds[static_cast<int>(c.kind)];
    t.patterns += static_cast<int>(c.expected.size());
    for (const Pattern& p : c.expected) count_pattern(p, t);
    if (c.has_module && c.module.form == ModuleDef::Form::kText) {
      ++t.text_modules;
      if (c.module.text_error) ++t.text_errors;
    }
    count(c.body, t);
  }
}

// Parses every .wast under `dir` (recursively); every script must parse at the script level.
Totals parse_tree(const std::string& dir) {
  namespace fs = std::filesystem;
  Totals t;
  if (!fs::is_directory(dir)) {
    ADD_FAILURE() << "test data directory missing: " << dir;
    return t;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().extension() == ".wast") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    auto script = parse_wast(text, file.string());
    EXPECT_TRUE(script.ok()) << file.string() << ":"
                             << (script.ok() ? "" : script.error().to_string());
    if (!script.ok()) continue;
    ++t.scripts;
    count(script->commands, t);
  }
  return t;
}

void print(const char* what, const Totals& t) {
  std::printf("%s: %d scripts, %d commands, %d patterns, %d text modules (%d with text errors)\n",
              what, t.scripts, t.commands, t.patterns, t.text_modules, t.text_errors);
  std::printf("  command kinds:");
  for (auto [k, n] : t.command_kinds) std::printf(" %d:%d", k, n);
  std::printf("\n  pattern kinds:");
  for (auto [k, n] : t.pattern_kinds) std::printf(" %d:%d", k, n);
  std::printf("\n");
}

TEST(WastParser, EverySpecScriptParses) {
  Totals t = parse_tree(std::string(KILN_SHARED_DIR) + "/wasm-testsuite/spec");
  print("spec", t);
  EXPECT_GE(t.scripts, 288);
  EXPECT_GT(t.commands, 50000);
  EXPECT_GT(t.patterns, 40000);
}

TEST(WastParser, EveryWasmtimeMiscScriptParses) {
  Totals t = parse_tree(std::string(KILN_SHARED_DIR) + "/wasm-testsuite/wasmtime-misc");
  print("wasmtime-misc", t);
  EXPECT_GE(t.scripts, 284);
  EXPECT_GT(t.commands, 1000);
}

// Lexical checks over every quoted module of the spec testsuite: a quoted module outside
// assert_malformed must tokenize, and one whose expected error is lexical must fail with it.
void check_quotes(const std::vector<Command>& commands, const std::string& file, int* checked) {
  static const char* kLexical[] = {"illegal character", "malformed UTF-8", "unclosed string",
                                   "unclosed annotation", "empty annotation id",
                                   "empty identifier", "unclosed comment", "illegal escape"};
  for (const Command& c : commands) {
    check_quotes(c.body, file, checked);
    if (!c.has_module || c.module.form != ModuleDef::Form::kQuote || c.module.is_component) continue;
    auto toks = tokenize(c.module.quote_text);
    ++*checked;
    bool lexical = false;
    for (const char* m : kLexical) lexical = lexical || c.message.starts_with(m);
    if (c.kind == Command::Kind::kAssertMalformed && c.message.starts_with("malformed UTF-8") &&
        toks.ok()) {
      // Escaped bytes in a name: the lexer accepts, decoding the name must fail.
      bool rejected = false;
      for (const Token& t : *toks) {
        if (t.kind == TokenKind::kString) rejected = rejected || !decode_name(t).ok();
      }
      EXPECT_TRUE(rejected) << file << ":" << c.loc.line;
    } else if (c.kind == Command::Kind::kAssertMalformed && lexical) {
      EXPECT_FALSE(toks.ok()) << file << ":" << c.loc.line << ": expected " << c.message;
      if (!toks.ok()) {
        EXPECT_TRUE(toks.error().message().starts_with(c.message))
            << file << ":" << c.loc.line << ": expected " << c.message << ", got " << toks.error().message();
      }
    } else if (c.kind != Command::Kind::kAssertMalformed) {
      EXPECT_TRUE(toks.ok()) << file << ":" << c.loc.line << ": " << toks.error().to_string();
    } else if (!toks.ok()) {
      // Rejected by the lexer although the expected error is not lexical: only acceptable
      // when the lexer's message is the expected one.
      EXPECT_EQ(toks.error().message(), c.message) << file << ":" << c.loc.line;
    }
  }
}

TEST(WastParser, QuotedModulesLexAsExpected) {
  namespace fs = std::filesystem;
  std::string dir = std::string(KILN_SHARED_DIR) + "/wasm-testsuite/spec";
  ASSERT_TRUE(fs::is_directory(dir)) << "test data directory missing: " << dir;
  int checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".wast") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    auto script = parse_wast(text, entry.path().string());
    ASSERT_TRUE(script.ok());
    check_quotes(script->commands, entry.path().filename().string(), &checked);
  }
  EXPECT_GT(checked, 1000);
}

}  // namespace
}  // namespace kiln::wat
