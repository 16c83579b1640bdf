// tests/unit/wat/parser_test.cc: the text-module parser: exact binary encodings (expected
// bytes from `wat2wasm --enable-all` where it supports the input, hand-checked otherwise),
// the text abbreviations, identifier resolution and the malformed-module errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wat/wat.h"

namespace kiln::wat {
namespace {

std::string to_hex(const std::vector<uint8_t>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

// Drops custom sections (the name section) so outputs compare with wat2wasm's.
std::vector<uint8_t> strip_custom(const std::vector<uint8_t>& b) {
  std::vector<uint8_t> out(b.begin(), b.begin() + 8);
  size_t i = 8;
  while (i < b.size()) {
    uint8_t id = b[i];
    size_t start = i++;
    uint64_t size = 0;
    for (int shift = 0;; shift += 7) {
      uint8_t c = b[i++];
      size |= uint64_t{c & 0x7Fu} << shift;
      if (!(c & 0x80)) break;
    }
    if (id != 0) out.insert(out.end(), b.begin() + start, b.begin() + i + size);
    i += size;
  }
  return out;
}

std::string parse_hex(std::string_view text) {
  auto r = parse_module(text);
  if (!r.ok()) return "error: " + r.error().to_string();
  return to_hex(strip_custom(*r));
}

struct EncodingCase {
  const char* text;
  const char* hex;
};

TEST(WatParser, EncodingsMatchReference) {
  const EncodingCase cases[] = {
      {"(module (func (result i32) (i32.add (i32.const 1) (i32.const 2))))",
       "0061736d010000000105016000017f030201000a09010700410141026a0b"},
      // A bare field list, as in .wat files and quote modules.
      {"(func (param i32 i64) (local f32) local.get 0 drop)",
       "0061736d0100000001060160027f7e00030201000a09010701017d20001a0b"},
      // (type 0) plus a matching inline signature; a new signature is appended.
      {"(module (type (func (param i32))) (func (type 0) (param i32)) (func (param i64) (result i32) "
       "(i32.const 0)))",
       "0061736d01000000010a0260017f0060017e017f03030200010a090202000b040041000b"},
      {"(module (func (block (result i32) (i32.const 1) (br 0)) drop (loop (br 0))))",
       "0061736d01000000010401600000030201000a11010f00027f41010c000b1a03400c000b0b"},
      {"(module (func (param i32) (result i32) (if (result i32) (local.get 0) (then (i32.const 1)) "
       "(else (i32.const 2)))))",
       "0061736d0100000001060160017f017f030201000a0e010c002000047f41010541020b0b"},
      {"(module (memory 1) (func (drop (i32.load offset=8 align=2 (i32.const 0))) (i64.store8 "
       "(i32.const 0) (i64.const -1))))",
       "0061736d010000000104016000000302010005030100010a11010f0041002801081a4100427f3c00000b"},
      // memory.init/data.drop bring the data count section.
      {"(module (memory 1) (data (i32.const 8) \"hi\") (data \"x\") (func (memory.init 1 (i32.const 0) "
       "(i32.const 0) (i32.const 1)) (data.drop 0)))",
       "0061736d010000000104016000000302010005030100010c01020a11010f00410041004101fc080100fc09000b0b0b"
       "020041080b026869010178"},
      {"(module (table 2 funcref) (func) (elem (i32.const 0) func 0 0) (elem funcref (ref.null func)) "
       "(elem declare func 0))",
       "0061736d01000000010401600000030201000404017000020912030041000b020000057001d0700b030001000a0401"
       "02000b"},
      {"(module (import \"m\" \"f\" (func (param i32))) (import \"m\" \"g\" (global (mut i64))) (func "
       "(export \"e\") (call 0 (i32.const 5))) (global (export \"g2\") i32 (i32.const 7)))",
       "0061736d0100000001080260017f00600000020e02016d01660000016d0167037e01030201010606017f0041070b07"
       "0a020165000102673203010a08010600410510000b"},
      {"(module (func (result v128) (v128.const i32x4 1 2 3 -1)) (func (param v128) (result v128) "
       "(i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 (local.get 0) (local.get 0))))",
       "0061736d01000000010a026000017b60017b017b03030200010a2f021400fd0c010000000200000003000000ffffff"
       "ff0b180020002000fd0d000102030405060708090a0b0c0d0e0f0b"},
      {"(module (table 1 funcref) (type (func (param i32) (result i32))) (func (param i32) (result i32) "
       "(call_indirect (type 0) (local.get 0) (i32.const 0))))",
       "0061736d0100000001060160017f017f030201000404017000010a0b010900200041001100000b"},
      {"(module (func (param i32) (block (block (br_table 0 1 0 (local.get 0))))))",
       "0061736d0100000001050160017f00030201000a11010f000240024020000e020001000b0b0b"},
      {"(module (func (result f32 f64) (f32.const 1.5) (f64.const -0x1p-3)))",
       "0061736d010000000106016000027d7c030201000a12011000430000c03f44000000000000c0bf0b"},
      // A second memory is addressed with the 0x40 memarg flag / explicit indices.
      {"(module (memory 1 2) (memory i64 3) (func (memory.copy 1 0 (i64.const 0) (i32.const 0) "
       "(i32.const 0))))",
       "0061736d010000000104016000000302010005060201010204030a0e010c00420041004100fc0a01000b"},
      {"(module (func (param i32) (result i32) (local.get 0) (select (i32.const 1) (i32.const 2) "
       "(local.get 0)) drop (select (result i32) (i32.const 1) (i32.const 2) (local.get 0))))",
       "0061736d0100000001060160017f017f030201000a1701150020004101410220001b1a4101410220001c017f0b"},
      // Block types with params use a (possibly new) type index.
      {"(module (func (block (param i32) (result i32 i32) (i32.const 2)) drop drop) (func (i32.const 1) "
       "(block (param i32) (result i32 i32) (i32.const 2)) drop drop))",
       "0061736d01000000010a0260000060017f027f7f03030200000a17020900020141020b1a1a0b0b004101020141020b"
       "1a1a0b"},
      {"(module (func $f) (start $f) (table $t 1 funcref) (export \"t\" (table $t)))",
       "0061736d0100000001040160000003020100040401700001070501017401000801000a040102000b"},
      // Hand-checked (newer than the wabt at hand): exceptions, GC types, rec groups.
      {"(module (tag (param i32)) (func (try_table (catch 0 0) (throw 0 (i32.const 1)))))",
       "0061736d0100000001080260017f00600000030201010d030100000a0f010d001f4001000000410108000b0b"},
      {"(module (type (struct (field i32) (field (mut i64)))) (type (array (mut i8))) (func (param "
       "(ref null 0)) (result i32) (struct.get 0 0 (local.get 0))))",
       "0061736d010000000110035f027f007e015e780160016300017f030201020a0a0108002000fb0200000b"},
      {"(module (rec (type (func)) (type (struct))) (type (sub (func))) (type (sub final 2 (func))))",
       "0061736d010000000113034e026000005f0050006000004f0102600000"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_hex(c.text), c.hex) << c.text;
  }
}

TEST(WatParser, LegacyTryEncodings) {
  // The tag section (id 13) sits between memory and global.
  EXPECT_EQ(parse_hex("(module (tag) (func (try (do (throw 0)) (catch 0) (catch_all))))"),
            "0061736d01000000010401600000030201000d030100000a0c010a00064008000700190b0b");
  // Plain `try ... delegate`: the label counts from outside the try.
  EXPECT_EQ(parse_hex("(func block $outer try delegate $outer end)"),
            "0061736d01000000010401600000030201000a0b0109000240064018000b0b");
}

TEST(WatParser, GcInstructionEncodings) {
  // ref.test with a nullable type picks the 0x15 opcode; br_on_cast packs nullability flags.
  EXPECT_EQ(parse_hex("(func (param anyref) (result i32) (ref.test (ref null any) (local.get 0)))"),
            "0061736d0100000001060160016e017f030201000a090107002000fb156e0b");
  EXPECT_EQ(parse_hex("(type $s (struct (field $x i32) (field $y i64)))"
                      "(func (param (ref $s)) (result i64) (struct.get $s $y (local.get 0)))"),
            "0061736d01000000010d025f027f007e0060016400017e030201010a0a0108002000fb0200010b");
  EXPECT_EQ(parse_hex("(type $t (struct)) (func (param anyref) (result anyref)"
                      " (br_on_cast 0 anyref (ref $t) (local.get 0)))"),
            "0061736d010000000108025f0060016e016e030201010a0c010a002000fb1801006e000b");
}

TEST(WatParser, ImplicitTypesAppendInFirstUseOrder) {
  // The explicit type keeps index 0 even though it is written last; inline signatures are
  // appended in the order they are first used, reusing equal ones.
  EXPECT_EQ(parse_hex("(func (param i64)) (func (result f32) f32.const 0) (func (param i64))"
                      " (type (func (param i32)))"),
            "0061736d01000000010d0360017f0060017e006000017d0304030102010a0f0302000b070043000000000b"
            "02000b");
  // An inline signature equal to an explicit plain type reuses it.
  EXPECT_EQ(parse_hex("(func (param i32)) (type (func (param i32)))"),
            "0061736d0100000001050160017f00030201000a040102000b");
}

TEST(WatParser, InlineAbbreviations) {
  // Inline export and import of a function; the import comes first in the index space.
  EXPECT_EQ(parse_hex("(func (export \"a\") (import \"m\" \"n\") (param i32))"),
            "0061736d0100000001050160017f00020701016d016e0000070501016100"
            "00");
  // A table with inline elements: min = max = count, an active segment at offset 0.
  EXPECT_EQ(parse_hex("(table funcref (elem 0 0)) (func)"),
            "0061736d0100000001040160000003020100040501700102020908010041000b0200000a040102000b");
  // A memory with inline data: one page, an active segment at offset 0.
  EXPECT_EQ(parse_hex("(memory (data \"ab\" \"c\"))"),
            "0061736d010000000504010101010b09010041000b03616263");
  // A table with an initializer expression.
  EXPECT_EQ(parse_hex("(type $t (func)) (func $f) (table 1 (ref $t) (ref.func $f))"),
            "0061736d0100000001040160000003020100040a01400064000001d2000b0a040102000b");
}

TEST(WatParser, ForwardReferencesAndNumericIndices) {
  EXPECT_EQ(parse_hex("(func (call $g)) (func $g)"),
            "0061736d010000000104016000000303020000"
            "0a0902040010010b02000b");
  // Out-of-range numeric indices are the validator's business.
  EXPECT_EQ(parse_hex("(func (call 99) (local.get 7) drop (br 5))"),
            "0061736d01000000010401600000030201000a0b010900106320071a0c050b");
}

TEST(WatParser, NameSectionCarriesFunctionAndLocalNames) {
  auto r = parse_module("(func $main (param $x i32) (local $y i64))");
  ASSERT_TRUE(r.ok());
  std::string hex = to_hex(*r);
  // custom section "name": subsection 1 {0: "main"}, subsection 2 {0: {0: "x", 1: "y"}}.
  EXPECT_NE(hex.find("046e616d6501070100046d61696e02090100020001780101" "79"), std::string::npos) << hex;
}

TEST(WatParser, LabelsResolveInnermostFirst) {
  EXPECT_EQ(parse_hex("(func (block $l (block $l (br $l)) (br $l)))"),
            "0061736d01000000010401600000030201000a0e010c00024002400c000b0c000b0b");
}

struct ErrorCase {
  const char* text;
  const char* message;  // expected part of the message
};

TEST(WatParser, MalformedModules) {
  const ErrorCase cases[] = {
      {"(func (br $nope))", "unknown label"},
      {"(func block $a end $b)", "mismatching label"},
      {"(func (if $a (then) (else)) if $b (result i32) i32.const 0 else $c i32.const 1 end)",
       "mismatching label"},
      {"(func $f) (func $f)", "duplicate func"},
      {"(func (param $x i32) (local $x i32))", "duplicate local"},
      {"(memory $m 1) (memory $m 1)", "duplicate memory"},
      {"(type (struct (field $a i32) (field $a i32)))", "duplicate field"},
      {"(memory 1) (func (drop (i32.load align=3 (i32.const 0))))", "alignment must be a power of two"},
      {"(memory 1) (func (drop (i32.load align=-1 (i32.const 0))))", "unknown operator"},
      {"(func (i32.const 4294967296) drop)", "constant out of range"},
      {"(func (i64.const 0x1_0000_0000_0000_0000) drop)", "constant out of range"},
      {"(func (f32.const 0x1p128) drop)", "constant out of range"},
      {"(func (i32.const 0xg) drop)", "unknown operator"},
      {"(func) (import \"m\" \"n\" (func))", "import after function"},
      {"(global i32 (i32.const 0)) (import \"m\" \"n\" (memory 1))", "import after global"},
      {"(func (foo))", "unknown operator"},
      {"(func get_local 0)", "unknown operator"},
      {"(func (i32.const))", "unexpected token"},
      {"(func (result i32) (param i32) (i32.const 0))", "unexpected token"},
      {"(func (nop) (local i32))", "unexpected token"},
      {"(module (func)", "unexpected end"},
      {"(module (func)) (func)", "unexpected token"},
      {"(type $t (func)) (func (type $t) (param i32))", "inline function type"},
      {"(type $t (func)) (func (type 1) (param i32))", "unknown type"},
      {"(func (call $nope))", "unknown function"},
      {"(func (local.get $nope))", "unknown local"},
      {"(func) (start 0) (start 0)", "multiple start sections"},
      {"(func (v128.const i32x4 1 2) drop)", "wrong number of lane literals"},
      {"(func (param v128) (i8x16.shuffle 0 1 2 (local.get 0) (local.get 0)) drop)",
       "invalid lane length"},
      {"(func (i8x16.extract_lane_s 256 (v128.const i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0)) drop)",
       "i8 constant out of range"},
      {"(func (block (param $x i32)))", "unexpected token"},
      {"(func block)", "unexpected token"},
      {"(func end)", "unexpected token"},
      {"(func (else))", "unexpected token"},
      {"(memory 0 (pagesize 3))", "invalid custom page size"},
      {"(func (drop (i32.const 0x)))", "unknown operator"},
  };
  for (const auto& c : cases) {
    auto r = parse_module(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().kind(), ErrorKind::kMalformed) << c.text;
    EXPECT_NE(r.error().message().find(c.message), std::string::npos)
        << c.text << " -> " << r.error().message() << " (want " << c.message << ")";
  }
}

TEST(WatParser, ErrorLocationIsTheOffendingToken) {
  auto r = parse_module("(module\n  (func (foo)))");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().location().line, 2u);
  EXPECT_EQ(r.error().location().column, 10u);
}

TEST(WatParser, DeepNestingNeverOverflowsTheStack) {
  // Folded nesting recurses and is bounded with an error.
  std::string folded = "(func ";
  for (int i = 0; i < 200000; ++i) folded += "(block ";
  for (int i = 0; i < 200000; ++i) folded += ")";
  folded += ")";
  auto r = parse_module(folded);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kMalformed);

  // Plain block nesting is iterative and fine at any depth.
  std::string plain = "(func ";
  for (int i = 0; i < 100000; ++i) plain += "block ";
  for (int i = 0; i < 100000; ++i) plain += "end ";
  plain += ")";
  EXPECT_TRUE(parse_module(plain).ok());
}

TEST(WatParser, TruncatedInputsFailCleanly) {
  const std::string text =
      "(module (type $t (func (param i32) (result i32))) (import \"m\" \"f\" (func $i (type $t)))"
      " (memory 1) (table 2 funcref) (global $g (mut i32) (i32.const 1))"
      " (func $f (export \"f\") (param $x i32) (result i32) (local $y i64)"
      "   (block $b (result i32) (br_if $b (local.get $x) (i32.const 1)) (call $i) )"
      "   (if (result i32) (i32.const 1) (then (i32.load offset=4 (i32.const 0))) (else (i32.const 2)))"
      "   drop)"
      " (elem (i32.const 0) func $f $i) (data (i32.const 0) \"abc\"))";
  ASSERT_TRUE(parse_module(text).ok());
  for (size_t n = 0; n < text.size(); ++n) {
    auto r = parse_module(std::string_view(text).substr(0, n));
    if (!r.ok()) {
      EXPECT_EQ(r.error().kind(), ErrorKind::kMalformed);
    }
  }
}

}  // namespace
}  // namespace kiln::wat
