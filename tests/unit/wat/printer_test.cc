// tests/unit/wat/printer_test.cc: print_module() on small binaries (from `wat2wasm --enable-all
// --no-check` or assembled by hand), compared with the exact expected text.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wasm/decoder.h"
#include "wat/printer.h"

namespace kiln::wat {
namespace {

// Bytes from hex digits; spaces and newlines are ignored so encodings can be laid out by field.
std::vector<uint8_t> hex(std::string_view s) {
  std::vector<uint8_t> out;
  int nibble = -1;
  for (char c : s) {
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      continue;
    }
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(static_cast<uint8_t>(nibble << 4 | v));
      nibble = -1;
    }
  }
  EXPECT_LT(nibble, 0) << "odd number of hex digits";
  return out;
}

std::string print(std::string_view hex_bytes) {
  auto module = wasm::decode(hex(hex_bytes), wasm::Features::all());
  EXPECT_TRUE(module.ok()) << module.error().to_string();
  if (!module.ok()) return "";
  auto text = print_module(*module, wasm::Features::all());
  EXPECT_TRUE(text.ok()) << text.error().to_string();
  return text.ok() ? *text : "";
}

TEST(Printer, BasicModule) {
  // (module
  //   (type (func (param i32 i64) (result i32)))
  //   (import "env" "f" (func (type 0)))
  //   (import "env" "g" (global (mut i64)))
  //   (func (type 0) (local f32 f32 v128)
  //     local.get 0  i32.load offset=4 align=1  global.get 0  i64.store 1 offset=8
  //     block (result i32) i32.const -1 local.get 1 br_if 0 drop i32.const 7 end
  //     if br 0 else nop end
  //     i32.const 2147483647)
  //   (memory 1 2) (memory i64 0 shared)
  //   (global i32 (i32.const 0)) (export "run" (func 1)) (start 0)
  //   (data (i32.const 8) "hi\00\"\\\ff") (data (memory 1) (i64.const 0) "") (data "pass"))
  const char* bytes =
      "0061736d0100000001070160027f7e017f02120203656e760166000003656e760167037e010302010005060201"
      "010206000606017f0041000b0707010372756e00010801000a2c012a02027d017b2000280004230037430108027f"
      "417f20010d001a41070b04400c0005010b41ffffffff070b0b18030041080b06686900225cff020142000b000104"
      "70617373";
  EXPECT_EQ(print(bytes),
            "(module\n"
            "  (type (;0;) (func (param i32 i64) (result i32)))\n"
            "  (import \"env\" \"f\" (func (;0;) (type 0) (param i32 i64) (result i32)))\n"
            "  (import \"env\" \"g\" (global (;0;) (mut i64)))\n"
            "  (func (;1;) (type 0) (param i32 i64) (result i32)\n"
            "    (local f32 f32 v128)\n"
            "    local.get 0\n"
            "    i32.load offset=4 align=1\n"
            "    global.get 0\n"
            "    i64.store 1 offset=8\n"
            "    block (result i32) ;; label = @1\n"
            "      i32.const -1\n"
            "      local.get 1\n"
            "      br_if 0 (;@1;)\n"
            "      drop\n"
            "      i32.const 7\n"
            "    end\n"
            "    if ;; label = @1\n"
            "      br 0 (;@1;)\n"
            "    else\n"
            "      nop\n"
            "    end\n"
            "    i32.const 2147483647\n"
            "  )\n"
            "  (memory (;0;) 1 2)\n"
            "  (memory (;1;) i64 0 shared)\n"
            "  (global (;1;) i32 (i32.const 0))\n"
            "  (export \"run\" (func 1))\n"
            "  (start 0)\n"
            "  (data (;0;) (i32.const 8) \"hi\\00\\22\\5c\\ff\")\n"
            "  (data (;1;) (memory 1) (i64.const 0) \"\")\n"
            "  (data (;2;) \"pass\")\n"
            ")\n");
}

TEST(Printer, ConstantsAndImmediates) {
  // Float constants must print bit-exactly (signed zero, infinities, NaN payloads, subnormals),
  // integers signed, v128 as four exact i32 lanes; memory/table indices and alignments only
  // where they differ from the defaults.
  // (func f32.const -0 / inf / -inf / nan / -nan:0x1 / 1.5 / 0x1p-149 / 0x1.fffffep127 / 0.1
  //   f64.const 0 / -nan / nan:0x4000000000001 / 0x1p-1074 / -1e300
  //   i64.const -9223372036854775808 / 18446744073709551615
  //   v128.const i8x16 1 2 .. 15 255, i8x16.shuffle 0 .. 14 31, i32x4.extract_lane 3
  //   v128.load8_lane 1 offset=16 align=1 15, v128.store64_lane align=1 0
  //   i32.atomic.rmw.cmpxchg offset=4, memory.atomic.wait64 1 align=4, atomic.fence
  //   memory.init 1 0, memory.copy 1 0, memory.fill, data.drop 0, table.init 1 0, table.copy,
  //   elem.drop 0, call_indirect 1 (type 0), select (result i32), br_table 0 1 0)
  // (table 1 funcref) (table 1 funcref) (memory 1) (memory 1 1 shared) (elem func) (data "")
  const char* bytes =
      "0061736d010000000104016000000302010004070270000170000105060200010301010904010100000c01010ace0101"
      "cb01004300000080430000807f43000080ff430000c07f43010080ff430000c03f430100000043ffff7f7f43cdcccc3d"
      "44000000000000000044000000000000f8ff44010000000000f47f440100000000000000449c7500883ce437fe428080"
      "808080808080807f427ffd0c0102030405060708090a0b0c0d0e0ffffd0d000102030405060708090a0b0c0d0e1ffd1b"
      "03fd544001100ffd5b000000fe480204fe02420100fe0300fc080001fc0a0100fc0b00fc0900fc0c0001fc0e0000fc0d"
      "001100011c017f0e020001000b0b03010100";
  EXPECT_EQ(print(bytes),
            "(module\n"
            "  (type (;0;) (func))\n"
            "  (func (;0;) (type 0)\n"
            "    f32.const -0x0p+0\n"
            "    f32.const inf\n"
            "    f32.const -inf\n"
            "    f32.const nan\n"
            "    f32.const -nan:0x1\n"
            "    f32.const 0x1.8p+0 (;=1.5;)\n"
            "    f32.const 0x0.000002p-126 (;=1e-45;)\n"
            "    f32.const 0x1.fffffep+127 (;=3.4028235e+38;)\n"
            "    f32.const 0x1.99999ap-4 (;=0.1;)\n"
            "    f64.const 0x0p+0\n"
            "    f64.const -nan\n"
            "    f64.const nan:0x4000000000001\n"
            "    f64.const 0x0.0000000000001p-1022 (;=5e-324;)\n"
            "    f64.const -0x1.7e43c8800759cp+996 (;=-1e+300;)\n"
            "    i64.const -9223372036854775808\n"
            "    i64.const -1\n"
            "    v128.const i32x4 0x04030201 0x08070605 0x0c0b0a09 0xff0f0e0d\n"
            "    i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31\n"
            "    i32x4.extract_lane 3\n"
            "    v128.load8_lane 1 offset=16 15\n"
            "    v128.store64_lane align=1 0\n"
            "    i32.atomic.rmw.cmpxchg offset=4\n"
            "    memory.atomic.wait64 1 align=4\n"
            "    atomic.fence\n"
            "    memory.init 1 0\n"
            "    memory.copy 1 0\n"
            "    memory.fill\n"
            "    data.drop 0\n"
            "    table.init 1 0\n"
            "    table.copy\n"
            "    elem.drop 0\n"
            "    call_indirect 1 (type 0)\n"
            "    select (result i32)\n"
            "    br_table 0 1 0\n"
            "  )\n"
            "  (table (;0;) 1 funcref)\n"
            "  (table (;1;) 1 funcref)\n"
            "  (memory (;0;) 1)\n"
            "  (memory (;1;) 1 1 shared)\n"
            "  (elem (;0;) func)\n"
            "  (data (;0;) \"\")\n"
            ")\n");
}

TEST(Printer, GcTypesAndInstructions) {
  const char* bytes =
      "0061736d01000000"
      // type section: (rec (type (sub (struct (field (mut i8)) (field (ref null 1))
      //   (field (mut i64))))) (type (sub final 0 (array (mut i16)))))
      // (type (func (param (ref 0) anyref) (result funcref)))
      "011c 02 4e02 5000 5f03 7801 630100 7e01 4f0100 5e7701 6002 6400 6e 01 6370"
      "03020102"  // function section: one func of type 2
      // code: local.get 0, struct.get 0 2, drop, local.get 1, ref.test (ref null 0), drop,
      // block (result funcref) local.get 1 br_on_cast 0 anyref (ref 0) drop ref.null func end,
      // try_table (catch_all 0) end, array.new_fixed 1 3, drop
      "0a2b 01 29 00 2000 fb020002 1a 2001 fb1500 1a 026370 2001 fb1801006e00 1a d070 0b"
      "1f40010200 0b fb080103 1a 0b";
  EXPECT_EQ(print(bytes),
            "(module\n"
            "  (rec\n"
            "    (type (;0;) (sub (struct (field (mut i8)) (field (ref null 1)) (field (mut i64)))))\n"
            "    (type (;1;) (sub final 0 (array (mut i16))))\n"
            "  )\n"
            "  (type (;2;) (func (param (ref 0) anyref) (result funcref)))\n"
            "  (func (;0;) (type 2) (param (ref 0) anyref) (result funcref)\n"
            "    local.get 0\n"
            "    struct.get 0 2\n"
            "    drop\n"
            "    local.get 1\n"
            "    ref.test (ref null 0)\n"
            "    drop\n"
            "    block (result funcref) ;; label = @1\n"
            "      local.get 1\n"
            "      br_on_cast 0 (;@1;) anyref (ref 0)\n"
            "      drop\n"
            "      ref.null func\n"
            "    end\n"
            "    try_table (catch_all 0) ;; label = @1\n"
            "    end\n"
            "    array.new_fixed 1 3\n"
            "    drop\n"
            "  )\n"
            ")\n");
}

TEST(Printer, LegacyExceptions) {
  // (tag (param i32)) (func try (result i32) i32.const 1 catch 0 catch_all i32.const 2 end
  //   drop try try i32.const 0 throw 0 delegate 0 catch_all rethrow 0 end)
  const char* bytes =
      "0061736d01000000"
      "0108 02 6001 7f00 600000"  // types: (func (param i32)), (func)
      "03020101"                  // one func of type 1
      "0d03 01 0000"              // tag section: one exception tag of type 0
      "0a1d 01 1b 00 067f 4101 0700 19 4102 0b 1a 0640 0640 4100 0800 1800 19 0900 0b 0b";
  EXPECT_EQ(print(bytes),
            "(module\n"
            "  (type (;0;) (func (param i32)))\n"
            "  (type (;1;) (func))\n"
            "  (func (;0;) (type 1)\n"
            "    try (result i32) ;; label = @1\n"
            "      i32.const 1\n"
            "    catch 0\n"
            "    catch_all\n"
            "      i32.const 2\n"
            "    end\n"
            "    drop\n"
            "    try ;; label = @1\n"
            "      try ;; label = @2\n"
            "        i32.const 0\n"
            "        throw 0\n"
            "      delegate 0 (;@1;)\n"
            "    catch_all\n"
            "      rethrow 0 (;@1;)\n"
            "    end\n"
            "  )\n"
            "  (tag (;0;) (type 0) (param i32))\n"
            ")\n");
}

TEST(Printer, TablesAndElementSegments) {
  const char* bytes =
      "0061736d01000000"
      "0104 01 600000"  // (type (func))
      "0302 01 00"      // one func
      // tables: (table 1 (ref func) (ref.func 0)) with the 0x40 0x00 initialiser form;
      // (table i64 2 10 externref)
      "040e 02 4000 6470 0001 d2000b 6f 05020a"
      // elem segments in all eight encodings
      "093d 08"
      "00 41000b 02 0000"                  // 0: active table 0, func indices
      "01 00 01 00"                        // 1: passive, elemkind
      "02 01 42010b 00 01 00"              // 2: active table 1, elemkind
      "03 00 01 00"                        // 3: declarative, elemkind
      "04 41050b 02 d2000b d0700b"         // 4: active table 0, exprs
      "05 6f 01 d06f0b"                    // 5: passive, reftype, exprs
      "06 01 420142027c0b 70 01 d2000b"    // 6: active table 1, extended-const offset
      "07 6470 01 d2000b"                  // 7: declarative, exprs of type (ref func)
      "0a04 01 02000b";
  EXPECT_EQ(print(bytes),
            "(module\n"
            "  (type (;0;) (func))\n"
            "  (func (;0;) (type 0)\n"
            "  )\n"
            "  (table (;0;) 1 (ref func) (ref.func 0))\n"
            "  (table (;1;) i64 2 10 externref)\n"
            "  (elem (;0;) (i32.const 0) func 0 0)\n"
            "  (elem (;1;) func 0)\n"
            "  (elem (;2;) (table 1) (i64.const 1) func 0)\n"
            "  (elem (;3;) declare func 0)\n"
            "  (elem (;4;) (i32.const 5) funcref (ref.func 0) (ref.null func))\n"
            "  (elem (;5;) externref (ref.null extern))\n"
            "  (elem (;6;) (table 1) (offset (i64.const 1) (i64.const 2) (i64.add)) funcref (ref.func 0))\n"
            // (ref func) items that are all plain ref.func print as the equivalent index form
            "  (elem (;7;) declare func 0)\n"
            ")\n");
}

TEST(Printer, NamesOnlyWhenValidAndUnique) {
  // Functions named "dup", "dup", "a b", "ok"; function 3's params named x and y. The
  // duplicate and the name with a space print as indices.
  const char* bytes =
      "0061736d01000000"
      "0106 01 60027f7f00"
      "0305 04 00000000"
      "0a19 04 02000b 02000b 02000b 0e 01017e 2001 1a 1003 1000 2002 1a 0b"
      "002c 046e616d65"
      "00 04 03 6d6f64"                                        // module name "mod"
      "01 14 04 00 03647570 01 03647570 02 03612062 03 026f6b"  // function names
      "02 09 01 03 02 00 0178 01 0179";                        // local names of function 3
  EXPECT_EQ(print(bytes),
            "(module $mod\n"
            "  (type (;0;) (func (param i32 i32)))\n"
            "  (func (;0;) (type 0) (param i32 i32)\n"
            "  )\n"
            "  (func (;1;) (type 0) (param i32 i32)\n"
            "  )\n"
            "  (func (;2;) (type 0) (param i32 i32)\n"
            "  )\n"
            "  (func $ok (;3;) (type 0) (param $x i32) (param $y i32)\n"
            "    (local i64)\n"
            "    local.get $y\n"
            "    drop\n"
            "    call $ok\n"
            "    call 0\n"
            "    local.get 2\n"
            "    drop\n"
            "  )\n"
            ")\n");
}

// A Module assembled directly (no decoder), with one function of type [] -> [] whose body
// is `code`.
struct HandModule {
  std::vector<uint8_t> bytes;
  wasm::Module module;
  explicit HandModule(std::vector<uint8_t> code) : bytes(std::move(code)) {
    module.bytes = bytes.data();
    module.size = bytes.size();
    module.types.push_back(wasm::SubType{});
    module.func_types.push_back(0);
    wasm::FuncBody body;
    body.code = {0, static_cast<uint32_t>(bytes.size())};
    body.whole = body.code;
    module.bodies.push_back(body);
  }
};

TEST(Printer, MalformedBodiesAreErrors) {
  struct Case {
    std::vector<uint8_t> code;
    const char* what;
  };
  const Case cases[] = {
      {{0x01, 0x0B, 0x01}, "operators after the final end"},
      {{0x02, 0x40, 0x0B}, "no final end"},
      {{0x41}, "truncated immediate"},
      {{0x05, 0x0B}, "else outside a block"},
      {{0x18, 0x00, 0x0B}, "delegate outside a try"},
      {{0xFF, 0x0B}, "unknown opcode"},
      {{}, "empty body"},
  };
  for (const Case& c : cases) {
    HandModule hm(c.code);
    auto text = print_module(hm.module, wasm::Features::all());
    ASSERT_FALSE(text.ok()) << c.what << ": printed\n" << *text;
    EXPECT_EQ(text.error().kind(), ErrorKind::kMalformed) << c.what;
  }
  HandModule good({0x01, 0x0B});
  auto text = print_module(good.module, wasm::Features::all());
  ASSERT_TRUE(text.ok()) << text.error().to_string();
  EXPECT_EQ(*text, "(module\n  (type (;0;) (func))\n  (func (;0;) (type 0)\n    nop\n  )\n)\n");
}

TEST(Printer, OutOfRangeIndicesDoNotCrash) {
  // A function whose type index and a data segment whose bytes lie outside the module: the
  // printer must stay in bounds (the type prints as an index, the segment is an error).
  HandModule hm({0x0B});
  hm.module.func_types[0] = 7;
  auto text = print_module(hm.module, wasm::Features::all());
  ASSERT_TRUE(text.ok()) << text.error().to_string();
  EXPECT_NE(text->find("(func (;0;) (type 7)\n"), std::string::npos) << *text;
  wasm::DataSegment d;
  d.mode = wasm::SegmentMode::kPassive;
  d.init = {0, 100};
  hm.module.datas.push_back(d);
  EXPECT_FALSE(print_module(hm.module, wasm::Features::all()).ok());
}

}  // namespace
}  // namespace kiln::wat
