// tests/unit/wast/runner_test.cc: the .wast runner on small in-memory scripts: every
// assertion kind passes and fails as it should, counts are honest, and the expected-failures
// list is strict.
#include "wast/runner.h"

#include "wat/wat.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace kiln::wast {
namespace {

using wat::Command;
using wat::ModuleDef;
using Bytes = std::vector<uint8_t>;

const Bytes kHeader = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

Bytes with_header(std::initializer_list<uint8_t> sections) {
  Bytes b = kHeader;
  b.insert(b.end(), sections);
  return b;
}

// (module) -- valid.
Bytes empty_module() {
  return kHeader;
}
// (module (func (result i32) (i32.const 0))) -- valid.
Bytes valid_func_module() {
  return with_header({0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,  // type () -> i32
                      0x03, 0x02, 0x01, 0x00,                    // func 0: type 0
                      0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x00, 0x0b});
}
// (module (func (result i32))) -- decodes, but the body leaves nothing: "type mismatch".
Bytes invalid_func_module() {
  return with_header({0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x04,
                      0x01, 0x02, 0x00, 0x0b});
}
// A header cut short: malformed ("unexpected end").
Bytes truncated_module() {
  return {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00};
}

ModuleDef binary(Bytes bytes) {
  ModuleDef m;
  m.form = ModuleDef::Form::kBinary;
  m.binary = std::move(bytes);
  return m;
}

Command module_cmd(Command::Kind kind, ModuleDef m, uint32_t line, std::string message = "") {
  Command c;
  c.kind = kind;
  c.loc = Location::at_line(line, 1);
  c.module = std::move(m);
  c.has_module = true;
  c.message = std::move(message);
  return c;
}

Command action_cmd(Command::Kind kind, uint32_t line) {
  Command c;
  c.kind = kind;
  c.loc = Location::at_line(line, 1);
  c.action.name = "f";
  return c;
}

RunReport run(std::vector<Command> commands, RunOptions options = {}) {
  wat::Script s;
  s.file = "test.wast";
  s.commands = std::move(commands);
  return run_script(s, options);
}

void expect_counts(const RunReport& r, uint64_t passed, uint64_t failed, uint64_t skipped) {
  EXPECT_EQ(r.counts.passed, passed);
  EXPECT_EQ(r.counts.failed, failed);
  EXPECT_EQ(r.counts.skipped, skipped);
  EXPECT_EQ(r.failures.size(), failed);
}

TEST(Runner, ValidModulesPass) {
  RunReport r = run({module_cmd(Command::Kind::kModule, binary(empty_module()), 1),
                     module_cmd(Command::Kind::kModule, binary(valid_func_module()), 2)});
  expect_counts(r, 2, 0, 0);
  EXPECT_TRUE(r.ok());
}

TEST(Runner, RejectedModulesFail) {
  RunReport r = run({module_cmd(Command::Kind::kModule, binary(invalid_func_module()), 3),
                     module_cmd(Command::Kind::kModule, binary(truncated_module()), 4)});
  expect_counts(r, 0, 2, 0);
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.failures.size(), 2u);
  EXPECT_EQ(r.failures[0].loc.line, 3u);
  EXPECT_NE(r.failures[0].detail.find("invalid"), std::string::npos) << r.failures[0].detail;
  EXPECT_EQ(r.failures[1].loc.line, 4u);
  EXPECT_NE(r.failures[1].detail.find("malformed"), std::string::npos) << r.failures[1].detail;
}

TEST(Runner, TextModuleWithParseErrorFails) {
  ModuleDef m;
  m.form = ModuleDef::Form::kText;
  m.text_error = Error(ErrorKind::kMalformed, "unexpected token", Location::at_line(7, 3));
  RunReport r = run({module_cmd(Command::Kind::kModule, m, 7)});
  expect_counts(r, 0, 1, 0);
  EXPECT_NE(r.failures[0].detail.find("unexpected token"), std::string::npos);
}

TEST(Runner, AssertMalformed) {
  ModuleDef text_bad;
  text_bad.form = ModuleDef::Form::kText;
  text_bad.text_error = Error(ErrorKind::kMalformed, "unknown operator", Location::at_line(5, 2));
  RunReport r = run({
      module_cmd(Command::Kind::kAssertMalformed, binary(truncated_module()), 1, ""),  // pass
      module_cmd(Command::Kind::kAssertMalformed, text_bad, 2, "unknown operator"),    // pass
      module_cmd(Command::Kind::kAssertMalformed, binary(empty_module()), 3, "x"),     // accepted
      // Failing only in validation does not make a module malformed.
      module_cmd(Command::Kind::kAssertMalformed, binary(invalid_func_module()), 4, "x"),
  });
  expect_counts(r, 2, 2, 0);
  EXPECT_EQ(r.failures[0].loc.line, 3u);
  EXPECT_NE(r.failures[0].detail.find("accepted"), std::string::npos) << r.failures[0].detail;
  EXPECT_EQ(r.failures[1].loc.line, 4u);
  EXPECT_NE(r.failures[1].detail.find("invalid"), std::string::npos) << r.failures[1].detail;
  EXPECT_EQ(r.counts.message_mismatches, 0u);
}

TEST(Runner, AssertInvalid) {
  RunReport r = run({
      module_cmd(Command::Kind::kAssertInvalid, binary(invalid_func_module()), 1, "type mismatch"),
      module_cmd(Command::Kind::kAssertInvalid, binary(valid_func_module()), 2, "type mismatch"),
      // Malformed is not invalid: the module must decode first.
      module_cmd(Command::Kind::kAssertInvalid, binary(truncated_module()), 3, ""),
  });
  expect_counts(r, 1, 2, 0);
  EXPECT_EQ(r.failures[0].loc.line, 2u);
  EXPECT_NE(r.failures[0].detail.find("validated"), std::string::npos) << r.failures[0].detail;
  EXPECT_EQ(r.failures[1].loc.line, 3u);
  EXPECT_NE(r.failures[1].detail.find("malformed"), std::string::npos) << r.failures[1].detail;
  EXPECT_EQ(r.counts.message_mismatches, 0u)
      << (r.message_mismatches.empty() ? "" : r.message_mismatches[0].detail);
}

TEST(Runner, MessageMismatchIsCountedButNotAFailure) {
  RunReport r = run({
      module_cmd(Command::Kind::kAssertInvalid, binary(invalid_func_module()), 1, "type mis"),
      module_cmd(Command::Kind::kAssertInvalid, binary(invalid_func_module()), 2,
                 "no such message ever"),
      module_cmd(Command::Kind::kAssertMalformed, binary(truncated_module()), 3,
                 "no such message either"),
  });
  expect_counts(r, 3, 0, 0);
  EXPECT_EQ(r.counts.message_mismatches, 2u);
  ASSERT_EQ(r.message_mismatches.size(), 2u);
  EXPECT_EQ(r.message_mismatches[0].loc.line, 2u);
  EXPECT_NE(r.message_mismatches[0].detail.find("no such message ever"), std::string::npos);
  EXPECT_EQ(r.message_mismatches[1].loc.line, 3u);
  EXPECT_TRUE(r.ok());
}

TEST(Runner, MessageSubstringRule) {
  EXPECT_TRUE(message_matches("unknown function 5", "unknown function"));
  EXPECT_TRUE(message_matches("type mismatch", "type mismatch"));
  EXPECT_TRUE(message_matches("anything", ""));
  EXPECT_FALSE(message_matches("type", "type mismatch"));
  EXPECT_FALSE(message_matches("unknown global", "unknown function"));
  EXPECT_TRUE(message_matches("unknown memory 0: memory index out of bounds", "memory index out of bounds"));
  EXPECT_FALSE(message_matches("memory index", "memory index out of bounds"));
}

TEST(Runner, ActionsWithoutAnInstanceFailAndUnsupportedOnesAreSkipped) {
  std::vector<Command> cmds;
  for (Command::Kind k :
       {Command::Kind::kAction, Command::Kind::kAssertReturn, Command::Kind::kAssertTrap,
        Command::Kind::kAssertExhaustion, Command::Kind::kAssertException,
        Command::Kind::kAssertSuspension, Command::Kind::kModuleInstance, Command::Kind::kRegister,
        Command::Kind::kWait}) {
    cmds.push_back(action_cmd(k, 1));
  }
  RunReport r = run(cmds);
  // With no module defined, every command that can run fails; exceptions, stack switching
  // and threads' `wait` are not supported by the runtime yet and are skipped, never passed.
  expect_counts(r, 0, 6, 3);
}

ModuleDef text(const char* wat) {
  auto bin = wat::parse_module(wat);
  EXPECT_TRUE(bin.ok()) << wat;
  return binary(bin.ok() ? std::move(bin).value() : Bytes{});
}

TEST(Runner, ModuleLevelAssertionsLinkAndInstantiate) {
  RunReport r = run({
      module_cmd(Command::Kind::kAssertUnlinkable, text("(module (import \"no\" \"such\" (func)))"), 1,
                 "unknown import"),
      module_cmd(Command::Kind::kAssertUninstantiable,
                 text("(module (func $s unreachable) (start $s))"), 2, "unreachable"),
      module_cmd(Command::Kind::kAssertTrap,
                 text("(module (memory 1) (data (i32.const 70000) \"x\"))"), 3,
                 "out of bounds memory access"),
      module_cmd(Command::Kind::kAssertUnlinkable, binary(invalid_func_module()), 4, "x"),
      module_cmd(Command::Kind::kAssertUninstantiable, binary(empty_module()), 5, "unreachable"),
  });
  // Lines 1-3 link/instantiate exactly as asserted; line 4 is invalid and line 5 instantiates
  // fine, so both assertions fail.
  ASSERT_EQ(r.counts.failed, 2u);
  EXPECT_EQ(r.failures[0].loc.line, 4u);
  EXPECT_EQ(r.failures[1].loc.line, 5u);
  EXPECT_GE(r.counts.passed, 3u);
  EXPECT_EQ(r.counts.skipped, 0u);
}

TEST(Runner, ComponentsAreValidated) {
  // The empty component is valid: defining it passes, asserting it invalid fails.
  ModuleDef c = binary({0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00});
  c.is_component = true;
  RunReport r = run({module_cmd(Command::Kind::kModule, c, 1),
                     module_cmd(Command::Kind::kAssertInvalid, c, 2, "x")});
  expect_counts(r, 1, 1, 0);
}

TEST(Runner, CustomAnnotationAssertionsAreSkipped) {
  // assert_malformed_custom on a well-formed module: the error would be in an annotation,
  // which the parser does not interpret, so it is not run rather than failed or passed.
  Command malformed = module_cmd(Command::Kind::kAssertMalformed, binary(empty_module()), 1, "x");
  malformed.custom_annotation = true;
  Command invalid = module_cmd(Command::Kind::kAssertInvalid, binary(empty_module()), 2, "x");
  invalid.custom_annotation = true;
  RunReport r = run({malformed, invalid});
  expect_counts(r, 0, 0, 2);
}

TEST(Runner, ThreadBodiesAreChecked) {
  Command t;
  t.kind = Command::Kind::kThread;
  t.loc = Location::at_line(1, 1);
  t.name = "T";
  t.body.push_back(module_cmd(Command::Kind::kModule, binary(empty_module()), 2));
  t.body.push_back(module_cmd(Command::Kind::kModule, binary(invalid_func_module()), 3));
  t.body.push_back(action_cmd(Command::Kind::kAssertReturn, 4));
  RunReport r = run({t});
  // The thread and its assert_return are skipped; its two modules are checked.
  expect_counts(r, 1, 1, 2);
  EXPECT_EQ(r.failures[0].loc.line, 3u);
}

TEST(Runner, ThreadsFeatureFollowsTheFolder) {
  wasm::Features threads =
      features_for_path("/x/wasm-testsuite/spec/proposals/threads/atomic.wast");
  EXPECT_TRUE(threads.threads);
  // The proposal's tests assert "multiple memories" / "multiple tables" are invalid.
  EXPECT_FALSE(threads.multi_memory);
  EXPECT_FALSE(threads.reference_types);
  EXPECT_FALSE(features_for_path("/x/wasm-testsuite/spec/memory.wast").threads);
  EXPECT_FALSE(features_for_path("spec/proposals/wide-arithmetic/wide-arithmetic.wast").threads);
}

ExpectedFailure listed(uint32_t line, uint32_t column = 0) {
  ExpectedFailure e;
  e.path = "spec/test.wast";
  e.line = line;
  e.column = column;
  e.reason = "known";
  return e;
}

TEST(Runner, ListedFailureIsExpected) {
  RunOptions o;
  o.expected_failures = {listed(1)};
  RunReport r = run({module_cmd(Command::Kind::kModule, binary(invalid_func_module()), 1)}, o);
  expect_counts(r, 0, 0, 0);
  EXPECT_EQ(r.counts.expected_failures, 1u);
  ASSERT_EQ(r.expected_failures.size(), 1u);
  EXPECT_TRUE(r.ok());
}

TEST(Runner, ListedPassIsAnError) {
  RunOptions o;
  o.expected_failures = {listed(1)};
  RunReport r = run({module_cmd(Command::Kind::kModule, binary(empty_module()), 1)}, o);
  expect_counts(r, 0, 1, 0);
  EXPECT_NE(r.failures[0].detail.find("unexpected pass"), std::string::npos);
  EXPECT_FALSE(r.ok());
}

TEST(Runner, UnlistedFailureIsStillAFailure) {
  RunOptions o;
  o.expected_failures = {listed(1)};
  RunReport r = run({module_cmd(Command::Kind::kModule, binary(invalid_func_module()), 1),
                     module_cmd(Command::Kind::kModule, binary(invalid_func_module()), 2)},
                    o);
  expect_counts(r, 0, 1, 0);
  EXPECT_EQ(r.counts.expected_failures, 1u);
  EXPECT_EQ(r.failures[0].loc.line, 2u);
}

TEST(Runner, StaleEntryIsAnError) {
  RunOptions o;
  o.expected_failures = {listed(9), listed(2)};
  // Line 9 has no command; line 2 is an assert_return that passes, so listing it is an
  // "unexpected pass".
  RunReport r = run({module_cmd(Command::Kind::kModule,
                                text("(module (func (export \"f\") (result i32) (i32.const 7)))"), 1),
                     [] {
                       Command c = action_cmd(Command::Kind::kAssertReturn, 2);
                       wat::Pattern p;
                       p.value.type = wat::Value::Type::kI32;
                       p.value.bits = 7;
                       c.expected.push_back(p);
                       return c;
                     }()},
                    o);
  // The module passes; the listed assert_return is an unexpected pass (not counted as a
  // pass) and the entry for line 9 is stale: both are failures, reported in line order of
  // discovery.
  expect_counts(r, 1, 2, 0);
  ASSERT_EQ(r.failures.size(), 2u);
  EXPECT_EQ(r.failures[0].loc.line, 2u);
  EXPECT_EQ(r.failures[1].loc.line, 9u);
  EXPECT_NE(r.failures[1].detail.find("stale"), std::string::npos);
}

TEST(Runner, ListedColumnSelectsOneCommandOnALine) {
  RunOptions o;
  o.expected_failures = {listed(1, 20)};
  Command a = module_cmd(Command::Kind::kModule, binary(invalid_func_module()), 1);
  Command b = module_cmd(Command::Kind::kModule, binary(invalid_func_module()), 1);
  b.loc.column = 20;
  RunReport r = run({a, b}, o);
  expect_counts(r, 0, 1, 0);
  EXPECT_EQ(r.counts.expected_failures, 1u);
  EXPECT_EQ(r.failures[0].loc.column, 1u);
}

TEST(Runner, CountsAddUp) {
  Counts a{1, 2, 3, 4, 5};
  Counts b{10, 20, 30, 40, 50};
  a += b;
  EXPECT_EQ(format_counts(a), "11 passed, 22 failed, 33 skipped");
  EXPECT_EQ(a.expected_failures, 44u);
  EXPECT_EQ(a.message_mismatches, 55u);
}

TEST(Runner, UnreadableFileIsAFailure) {
  RunReport missing = run_file("/nonexistent/dir/x.wast", {});
  expect_counts(missing, 0, 1, 0);
  RunReport dir = run_file(std::filesystem::temp_directory_path().string(), {});
  expect_counts(dir, 0, 1, 0);
}

TEST(Runner, QuotedModulesAreParsed) {
  ModuleDef good;
  good.form = ModuleDef::Form::kQuote;
  good.quote_text = "(func (result i32) (i32.const 0))";
  ModuleDef bad;
  bad.form = ModuleDef::Form::kQuote;
  bad.quote_text = "(func (result i32) (i32.const 0x1_0000_0000))";
  ModuleDef bad_but_parses;
  bad_but_parses.form = ModuleDef::Form::kQuote;
  bad_but_parses.quote_text = "(func (result i32))";
  RunReport r = run({module_cmd(Command::Kind::kModule, good, 1),
                     module_cmd(Command::Kind::kAssertMalformed, bad, 2, "i32 constant"),
                     module_cmd(Command::Kind::kAssertInvalid, bad_but_parses, 3, "type mismatch"),
                     module_cmd(Command::Kind::kAssertMalformed, good, 4, "x")});
  expect_counts(r, 3, 1, 0);
  EXPECT_EQ(r.failures[0].loc.line, 4u);
}

TEST(Runner, RunsAParsedScriptFile) {
  std::filesystem::path p =
      std::filesystem::temp_directory_path() /
      ("kiln_runner_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
       ".wast");
  {
    std::ofstream out(p);
    out << "(module (func (export \"f\") (result i32) (i32.const 1)))\n"
           "(assert_return (invoke \"f\") (i32.const 1))\n"
           "(assert_invalid (module (func (result i32))) \"type mismatch\")\n"
           "(assert_malformed (module quote \"(func (i32.bogus))\") \"unknown operator\")\n"
           "(assert_malformed (module binary \"\\00asm\\02\\00\\00\\00\") \"unknown binary "
           "version\")\n";
  }
  RunReport r = run_file(p.string(), {});
  std::filesystem::remove(p);
  expect_counts(r, 5, 0, 0);
  for (const Finding& f : r.failures) ADD_FAILURE() << f.loc.line << ": " << f.detail;
  EXPECT_EQ(r.counts.message_mismatches, 0u);
}

}  // namespace
}  // namespace kiln::wast
