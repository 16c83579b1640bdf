// tests/unit/wasm/decoder_test.cc: the binary reader, instruction reader and module decoder on
// hand-built byte vectors: LEB128 limits, every section, every malformed-module error with its
// message and offset, and truncation/corruption robustness.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "wasm/binary_reader.h"
#include "wasm/decoder.h"
#include "wasm/instr_reader.h"

namespace kiln::wasm {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes leb(uint64_t v) {
  Bytes out;
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    out.push_back(v ? (b | 0x80) : b);
  } while (v);
  return out;
}

Bytes str(const std::string& s) {
  Bytes out = leb(s.size());
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

const Bytes kHeader = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};

Bytes section(uint8_t id, const Bytes& content) { return cat({{id}, leb(content.size()), content}); }

Bytes module(std::initializer_list<Bytes> sections) {
  Bytes out = kHeader;
  for (const Bytes& s : sections) out.insert(out.end(), s.begin(), s.end());
  return out;
}

// type 0 = [] -> [], one function of that type with the given body (locals + code).
Bytes one_func(const Bytes& body) {
  return module({section(1, {0x01, 0x60, 0x00, 0x00}), section(3, {0x01, 0x00}),
                 section(10, cat({{0x01}, leb(body.size()), body}))});
}

void expect_malformed(const Bytes& bytes, const std::string& message, uint64_t offset,
                      const Features& f = Features::all()) {
  auto m = decode(bytes, f);
  ASSERT_FALSE(m.ok()) << "expected: " << message;
  EXPECT_EQ(m.error().kind(), ErrorKind::kMalformed);
  EXPECT_EQ(m.error().message(), message);
  EXPECT_EQ(m.error().location().offset, offset) << message;
}

Module expect_ok(const Bytes& bytes, const Features& f = Features::all()) {
  auto m = decode(bytes, f);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message() + " at " + std::to_string(m.error().location().offset));
  if (!m.ok()) return Module{};
  return std::move(m).value();
}

// ---- BinaryReader ----

struct LebCase {
  Bytes bytes;
  bool ok;
  uint64_t value;
  const char* error;
};

TEST(BinaryReader, U32) {
  const LebCase cases[] = {
      {{0x00}, true, 0, nullptr},
      {{0x7F}, true, 127, nullptr},
      {{0x80, 0x01}, true, 128, nullptr},
      {{0x80, 0x00}, true, 0, nullptr},  // non-minimal encodings are fine
      {{0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, true, 0xFFFFFFFF, nullptr},
      {{0xFF, 0xFF, 0xFF, 0xFF, 0x1F}, false, 0, "integer too large"},
      {{0x80, 0x80, 0x80, 0x80, 0x70}, false, 0, "integer too large"},
      {{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, false, 0, "integer representation too long"},
      {{0x80, 0x80}, false, 0, "unexpected end of section or function"},
      {{}, false, 0, "unexpected end of section or function"},
  };
  for (const LebCase& c : cases) {
    BinaryReader r(c.bytes.data(), c.bytes.data() + c.bytes.size(), 0);
    uint32_t v = 0;
    bool ok = r.u32(&v);
    EXPECT_EQ(ok, c.ok);
    if (ok) {
      EXPECT_EQ(v, c.value);
      EXPECT_TRUE(r.at_end());
    } else {
      EXPECT_EQ(r.error().message(), c.error);
    }
  }
}

TEST(BinaryReader, SignedAndWide) {
  auto s32 = [](Bytes b, int32_t* out) {
    BinaryReader r(b.data(), b.data() + b.size(), 0);
    bool ok = r.s32(out);
    return ok ? std::string("ok") : r.error().message();
  };
  int32_t v;
  EXPECT_EQ(s32({0x7F}, &v), "ok");
  EXPECT_EQ(v, -1);
  EXPECT_EQ(s32({0x80, 0x80, 0x80, 0x80, 0x78}, &v), "ok");
  EXPECT_EQ(v, INT32_MIN);
  EXPECT_EQ(s32({0xFF, 0xFF, 0xFF, 0xFF, 0x07}, &v), "ok");
  EXPECT_EQ(v, INT32_MAX);
  EXPECT_EQ(s32({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, &v), "integer too large");  // sign bits differ
  EXPECT_EQ(s32({0x80, 0x80, 0x80, 0x80, 0x70}, &v), "integer too large");
  EXPECT_EQ(s32({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, &v), "integer representation too long");

  Bytes max64 = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
  BinaryReader r(max64.data(), max64.data() + max64.size(), 0);
  uint64_t u;
  ASSERT_TRUE(r.u64(&u));
  EXPECT_EQ(u, UINT64_MAX);
  Bytes big64 = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02};
  BinaryReader r2(big64.data(), big64.data() + big64.size(), 100);
  EXPECT_FALSE(r2.u64(&u));
  EXPECT_EQ(r2.error().message(), "integer too large");
  EXPECT_EQ(r2.error().location().offset, 109u);

  Bytes min64 = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F};
  BinaryReader r3(min64.data(), min64.data() + min64.size(), 0);
  int64_t s;
  ASSERT_TRUE(r3.s64(&s));
  EXPECT_EQ(s, INT64_MIN);

  // s33 covers the whole u32 range as non-negative values (block type indices).
  Bytes s33 = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
  BinaryReader r4(s33.data(), s33.data() + s33.size(), 0);
  ASSERT_TRUE(r4.s33(&s));
  EXPECT_EQ(s, 0xFFFFFFFFll);
}

TEST(BinaryReader, LengthsAndNames) {
  Bytes b = {0x05, 'a', 'b'};
  BinaryReader r(b.data(), b.data() + b.size(), 0);
  std::string name;
  EXPECT_FALSE(r.name(&name));
  EXPECT_EQ(r.error().message(), "length out of bounds");

  Bytes bad_utf8 = {0x02, 0xC0, 0x80};  // overlong NUL
  BinaryReader r2(bad_utf8.data(), bad_utf8.data() + bad_utf8.size(), 0);
  EXPECT_FALSE(r2.name(&name));
  EXPECT_EQ(r2.error().message(), "malformed UTF-8 encoding");

  Bytes good = {0x04, 0xF0, 0x9F, 0x98, 0x80};
  BinaryReader r3(good.data(), good.data() + good.size(), 0);
  ASSERT_TRUE(r3.name(&name));
  EXPECT_EQ(name, "\xF0\x9F\x98\x80");

  EXPECT_FALSE(is_valid_utf8(reinterpret_cast<const uint8_t*>("\xED\xA0\x80"), 3));  // surrogate
  EXPECT_FALSE(is_valid_utf8(reinterpret_cast<const uint8_t*>("\xF4\x90\x80\x80"), 4));  // > U+10FFFF
  EXPECT_FALSE(is_valid_utf8(reinterpret_cast<const uint8_t*>("\xE2\x82"), 2));  // truncated
  EXPECT_TRUE(is_valid_utf8(reinterpret_cast<const uint8_t*>("\xE2\x82\xAC"), 3));
}

// ---- InstrReader ----

TEST(InstrReader, Immediates) {
  Bytes code = {
      0x41, 0x7F,                                // i32.const -1
      0x0E, 0x02, 0x00, 0x01, 0x02,              // br_table 0 1 2
      0x28, 0x42, 0x01, 0x80, 0x01,              // i32.load memory 1 align 2 offset 128
      0xFD, 0x54, 0x00, 0x00, 0x03,              // v128.load8_lane align 0 offset 0 lane 3
      0xFB, 0x18, 0x03, 0x05, 0x6E, 0x00,        // br_on_cast 5 anyref (ref null 0)
      0x1F, 0x40, 0x02, 0x00, 0x07, 0x01, 0x02, 0x03,  // try_table (catch 7 1) (catch_all 3)
      0xFC, 0x0A, 0x01, 0x02,                    // memory.copy 1 2
      0x02, 0x05,                                // block (type 5)
      0x0B,
  };
  Features f = Features::all();
  InstrReader r(code.data(), code.data() + code.size(), 1000, f);
  Opcode op;
  Imm imm;
  ASSERT_TRUE(r.next(&op, &imm).ok());
  EXPECT_EQ(op, Opcode::kI32Const);
  EXPECT_EQ(static_cast<int64_t>(imm.value), -1);
  ASSERT_TRUE(r.next(&op, &imm).ok());
  EXPECT_EQ(op, Opcode::kBrTable);
  ASSERT_EQ(imm.num_targets, 2u);
  EXPECT_EQ(imm.targets[1], 1u);
  EXPECT_EQ(imm.default_target, 2u);
  ASSERT_TRUE(r.next(&op, &imm).ok());
  EXPECT_EQ(op, Opcode::kI32Load);
  EXPECT_EQ(imm.memarg.align_log2, 2u);
  EXPECT_EQ(imm.memarg.memory, 1u);
  EXPECT_EQ(imm.memarg.offset, 128u);
  ASSERT_TRUE(r.next(&op, &imm).ok());
  EXPECT_EQ(op, Opcode::kV128Load8Lane);
  EXPECT_EQ(imm.lane, 3);
  ASSERT_TRUE(r.next(&op, &imm).ok());
  EXPECT_EQ(op, Opcode::kBrOnCast);
  EXPECT_EQ(imm.index, 5u);
  EXPECT_TRUE(imm.nullable);
  EXPECT_TRUE(imm.nullable2);
  EXPECT_EQ(imm.heap, HeapType(HeapKind::kAny));
  EXPECT_EQ(imm.heap2, HeapType::index(0));
  ASSERT_TRUE(r.next(&op, &imm).ok());
  EXPECT_EQ(op, Opcode::kTryTable);
  EXPECT_EQ(imm.block.kind, BlockType::Kind::kEmpty);
  ASSERT_EQ(imm.num_catches, 2u);
  EXPECT_EQ(imm.catches[0].kind, CatchClause::Kind::kCatch);
  EXPECT_EQ(imm.catches[0].tag, 7u);
  EXPECT_EQ(imm.catches[0].label, 1u);
  EXPECT_EQ(imm.catches[1].kind, CatchClause::Kind::kCatchAll);
  EXPECT_EQ(imm.catches[1].label, 3u);
  ASSERT_TRUE(r.next(&op, &imm).ok());
  EXPECT_EQ(op, Opcode::kMemoryCopy);
  EXPECT_EQ(imm.index, 1u);
  EXPECT_EQ(imm.index2, 2u);
  ASSERT_TRUE(r.next(&op, &imm).ok());
  EXPECT_EQ(op, Opcode::kBlock);
  EXPECT_EQ(imm.block.kind, BlockType::Kind::kIndex);
  EXPECT_EQ(imm.block.index, 5u);
  uint64_t end_at = r.offset();
  EXPECT_EQ(end_at, 1000 + code.size() - 1);
  ASSERT_TRUE(r.next(&op, &imm).ok());
  EXPECT_EQ(op, Opcode::kEnd);
  EXPECT_TRUE(r.at_end());
}

TEST(InstrReader, Errors) {
  Features all = Features::all();
  auto first_error = [&](Bytes code, const Features& f) {
    InstrReader r(code.data(), code.data() + code.size(), 10, f);
    Opcode op;
    Imm imm;
    while (!r.at_end()) {
      auto res = r.next(&op, &imm);
      if (!res.ok()) return res.error().message() + "@" + std::to_string(res.error().location().offset);
    }
    return std::string("ok");
  };
  EXPECT_EQ(first_error({0xFF}, all), "illegal opcode ff@10");
  EXPECT_EQ(first_error({0x01, 0xFC, 0x12}, all), "illegal opcode fc 12@11");
  EXPECT_EQ(first_error({0xFD, 0x9A, 0x01}, all), "illegal opcode fd 9a@10");
  EXPECT_EQ(first_error({0x28, 0x80, 0x01, 0x00}, all), "malformed memop flags@11");
  EXPECT_EQ(first_error({0x41, 0x80}, all), "unexpected end of section or function@12");
  EXPECT_EQ(first_error({0xFE, 0x03, 0x01}, all), "zero byte expected@12");
  EXPECT_EQ(first_error({0xFB, 0x18, 0x04, 0x00, 0x6E, 0x6E}, all), "malformed br_on_cast flags@12");
  EXPECT_EQ(first_error({0x1F, 0x40, 0x01, 0x04, 0x00}, all), "malformed catch clause@13");
  EXPECT_EQ(first_error({0xD0, 0x7F}, all), "malformed heap type@11");

  Features mvp;
  mvp.simd = false;
  mvp.threads = false;
  mvp.gc = false;
  mvp.multi_memory = false;
  EXPECT_EQ(first_error({0xFD, 0x0F}, mvp), "illegal opcode fd 0f@10");
  EXPECT_EQ(first_error({0xFE, 0x03, 0x00}, mvp), "illegal opcode fe 03@10");
  EXPECT_EQ(first_error({0xFB, 0x0F}, mvp), "illegal opcode fb 0f@10");
  EXPECT_EQ(first_error({0x3F, 0x01}, mvp), "zero byte expected@11");
  EXPECT_EQ(first_error({0x28, 0x40, 0x00, 0x00}, mvp), "malformed memop flags@11");
}

// ---- module decoding ----

TEST(Decoder, EmptyModule) {
  Module m = expect_ok(kHeader);
  EXPECT_EQ(m.size, 8u);
  EXPECT_TRUE(m.types.empty());
}

TEST(Decoder, Header) {
  expect_malformed({}, "unexpected end", 0);
  expect_malformed({0x00, 0x61, 0x73}, "unexpected end", 3);
  expect_malformed({0x00, 0x61, 0x73, 0x6D, 0x01}, "unexpected end", 5);
  expect_malformed({0x00, 0x61, 0x73, 0x6E, 0x01, 0x00, 0x00, 0x00}, "magic header not detected", 0);
  expect_malformed({0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00}, "unknown binary version", 4);
  expect_malformed({0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x01, 0x00}, "unknown binary version", 4);
}

TEST(Decoder, AllSections) {
  Bytes types = section(1, {0x02, 0x60, 0x01, 0x7F, 0x01, 0x7E,  // (i32) -> (i64)
                            0x60, 0x00, 0x00});
  Bytes imports = section(2, cat({{0x05}, str("m"), str("f"), {0x00, 0x01},          // func type 1
                                  str("m"), str("t"), {0x01, 0x70, 0x00, 0x01},      // table funcref 1
                                  str("m"), str("mem"), {0x02, 0x05, 0x01, 0x02},    // memory i64 1..2
                                  str("m"), str("g"), {0x03, 0x7F, 0x01},            // global (mut i32)
                                  str("m"), str("e"), {0x04, 0x00, 0x01}}));         // tag type 1
  Bytes funcs = section(3, {0x02, 0x00, 0x01});
  Bytes tables = section(4, {0x02, 0x6F, 0x00, 0x00,                              // externref 0
                             0x40, 0x00, 0x70, 0x01, 0x01, 0x02, 0xD2, 0x00, 0x0B}); // funcref 1..2 init
  Bytes mems = section(5, {0x02, 0x00, 0x01, 0x09, 0x00, 0x10, 0x00});  // 1 page; 0..16 pages of 1 byte
  Bytes tags = section(13, {0x01, 0x00, 0x01});
  Bytes globals = section(6, {0x01, 0x7E, 0x00, 0x42, 0x2A, 0x0B});
  Bytes exports = section(7, cat({{0x02}, str("run"), {0x00, 0x01}, str("tag"), {0x04, 0x01}}));
  Bytes start = section(8, {0x02});
  Bytes elems = section(9, {0x03,
                            0x00, 0x41, 0x00, 0x0B, 0x01, 0x01,                 // active, funcs
                            0x05, 0x70, 0x02, 0xD2, 0x01, 0x0B, 0xD0, 0x70, 0x0B, // passive exprs
                            0x03, 0x00, 0x01, 0x02});                           // declarative
  Bytes datacount = section(12, {0x02});
  Bytes code = section(10, {0x02,
                            0x07, 0x01, 0x02, 0x7F, 0x20, 0x00, 0xAC, 0x0B,     // (local i32 i32)
                            0x06, 0x00, 0xFC, 0x09, 0x01, 0x01, 0x0B});         // data.drop 1 (+nop)
  Bytes data = section(11, cat({{0x02, 0x00, 0x41, 0x00, 0x0B}, str("hi"), {0x01}, str("xyz")}));
  Bytes names = section(0, cat({str("name"), {0x00, 0x04}, str("mod"), {0x01, 0x06, 0x01, 0x01}, str("run")}));
  Bytes bytes = module({types, imports, funcs, tables, mems, tags, globals, exports, start, elems, datacount,
                        code, data, names});
  Module m = expect_ok(bytes);
  ASSERT_EQ(m.types.size(), 2u);
  EXPECT_EQ(m.types[0].comp.func.params, std::vector<ValType>{ValType::i32()});
  EXPECT_EQ(m.types[0].comp.func.results, std::vector<ValType>{ValType::i64()});
  ASSERT_EQ(m.imports.size(), 5u);
  EXPECT_EQ(m.imports[2].memory.limits.is64, true);
  EXPECT_EQ(*m.imports[2].memory.limits.max, 2u);
  EXPECT_TRUE(m.imports[3].global.mut);
  EXPECT_EQ(m.imports[4].kind, ExternKind::kTag);
  EXPECT_EQ(m.num_imported_funcs, 1u);
  EXPECT_EQ(m.num_funcs(), 3u);
  EXPECT_EQ(m.func_types[2], 1u);
  ASSERT_EQ(m.tables.size(), 2u);
  EXPECT_EQ(m.tables[0].type.elem, ValType::externref());
  EXPECT_FALSE(m.tables[0].init.has_value());
  ASSERT_TRUE(m.tables[1].init.has_value());
  EXPECT_EQ(m.tables[1].init->size, 3u);
  EXPECT_EQ(m.table_types.size(), 3u);
  ASSERT_EQ(m.memory_types.size(), 3u);
  EXPECT_EQ(*m.memory_types[2].limits.page_size_log2, 0u);
  EXPECT_EQ(*m.memory_types[2].limits.max, 16u);
  EXPECT_EQ(m.tag_types.size(), 2u);
  ASSERT_EQ(m.globals.size(), 1u);
  EXPECT_EQ(m.bytes[m.globals[0].init.offset], 0x42);
  EXPECT_EQ(m.globals[0].init.size, 3u);
  ASSERT_EQ(m.exports.size(), 2u);
  EXPECT_EQ(m.exports[0].name, "run");
  EXPECT_EQ(m.exports[1].kind, ExternKind::kTag);
  EXPECT_EQ(m.start, 2u);
  ASSERT_EQ(m.elems.size(), 3u);
  EXPECT_EQ(m.elems[0].mode, SegmentMode::kActive);
  EXPECT_EQ(m.elems[0].func_indices, std::vector<uint32_t>{1});
  EXPECT_EQ(m.elems[1].mode, SegmentMode::kPassive);
  EXPECT_TRUE(m.elems[1].uses_exprs);
  EXPECT_EQ(m.elems[1].count(), 2u);
  EXPECT_EQ(m.elems[2].mode, SegmentMode::kDeclarative);
  EXPECT_EQ(m.data_count, 2u);
  ASSERT_EQ(m.bodies.size(), 2u);
  EXPECT_EQ(m.bodies[0].num_locals, 2u);
  EXPECT_EQ(m.bodies[0].code.size, 4u);
  EXPECT_EQ(m.bytes[m.bodies[0].code.offset], 0x20);
  EXPECT_EQ(m.bodies[0].whole.size, 7u);
  ASSERT_EQ(m.datas.size(), 2u);
  EXPECT_EQ(m.datas[1].mode, SegmentMode::kPassive);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(m.at(m.datas[1].init)), 3), "xyz");
  ASSERT_EQ(m.customs.size(), 1u);
  EXPECT_EQ(m.customs[0].after_section, 11);
  EXPECT_EQ(m.names.module, "mod");
  ASSERT_EQ(m.names.functions.entries.size(), 1u);
  EXPECT_EQ(m.names.functions.entries[0].second, "run");

  // Truncating or corrupting any byte must give an error or a module, never a crash.
  for (size_t n = 0; n < bytes.size(); ++n) {
    Bytes cut(bytes.begin(), bytes.begin() + n);
    auto r = decode(cut, Features::all());
    if (n > 8) {
      EXPECT_FALSE(r.ok() && r->names.module.has_value()) << n;
    }
  }
  for (size_t i = 8; i < bytes.size(); ++i) {
    for (uint8_t v : {0x00, 0x01, 0x40, 0x7F, 0x80, 0xFF}) {
      Bytes bad = bytes;
      bad[i] = v;
      auto r = decode(bad, Features::all());
      (void)r.ok();
    }
  }
}

TEST(Decoder, GcTypes) {
  Bytes types = section(1, {0x02,
                            0x4E, 0x02,                                   // rec group of 2
                            0x50, 0x00, 0x5F, 0x02, 0x78, 0x01, 0x63, 0x01, 0x00,  // sub struct (mut i8) (ref null 1)
                            0x4F, 0x01, 0x00, 0x5E, 0x7F, 0x00,           // sub final 0 array i32
                            0x60, 0x00, 0x01, 0x64, 0x6B});               // func -> (ref struct)
  Module m = expect_ok(module({types}));
  ASSERT_EQ(m.types.size(), 3u);
  EXPECT_FALSE(m.types[0].final);
  EXPECT_FALSE(m.types[0].super.has_value());
  EXPECT_EQ(m.types[0].rec_group_start, 0u);
  EXPECT_EQ(m.types[0].rec_group_size, 2u);
  EXPECT_EQ(m.types[0].comp.kind, CompositeKind::kStruct);
  ASSERT_EQ(m.types[0].comp.strukt.fields.size(), 2u);
  EXPECT_EQ(m.types[0].comp.strukt.fields[0].type, ValType::i8());
  EXPECT_TRUE(m.types[0].comp.strukt.fields[0].mut);
  EXPECT_EQ(m.types[0].comp.strukt.fields[1].type, ValType::ref(HeapType::index(1), true));
  EXPECT_TRUE(m.types[1].final);
  EXPECT_EQ(m.types[1].super, 0u);
  EXPECT_EQ(m.types[1].comp.kind, CompositeKind::kArray);
  EXPECT_EQ(m.types[2].rec_group_start, 2u);
  EXPECT_EQ(m.types[2].comp.func.results[0], ValType::ref(HeapKind::kStruct, false));

  expect_malformed(module({section(1, {0x01, 0x5D, 0x00})}), "malformed definition type", 11);
  expect_malformed(module({section(1, {0x01, 0x5E, 0x76, 0x00})}), "malformed storage type", 12);
  expect_malformed(module({section(1, {0x01, 0x5E, 0x7F, 0x02})}), "malformed mutability", 13);
  expect_malformed(module({section(1, {0x01, 0x60, 0x01, 0x7A, 0x00})}), "malformed reference type", 13);
}

TEST(Decoder, SectionStructureErrors) {
  Bytes type = section(1, {0x01, 0x60, 0x00, 0x00});
  expect_malformed(module({{0x0E, 0x00}}), "malformed section id", 8);
  expect_malformed(module({type, type}), "unexpected content after last section", 14);
  expect_malformed(module({section(6, {0x00}), section(13, {0x00})}), "unexpected content after last section", 11);
  expect_malformed(module({section(10, {0x00}), section(12, {0x00})}), "unexpected content after last section", 11);
  expect_malformed(module({{0x01, 0x07, 0x01, 0x60, 0x00, 0x00}}), "length out of bounds", 9);
  expect_malformed(module({{0x01, 0x05, 0x01, 0x60, 0x00, 0x00, 0x00}}), "section size mismatch", 10);
  expect_malformed(module({type, section(3, {0x01, 0x00})}), "function and code section have inconsistent lengths",
                   18);
  expect_malformed(module({section(12, {0x01})}), "data count and data section have inconsistent lengths", 11);
  expect_malformed(module({{0x05, 0x01, 0x01}}), "unexpected end of section or function", 11);
  // Custom sections may appear anywhere, even between known sections and at the start.
  Bytes custom = section(0, cat({str("x"), {1, 2, 3}}));
  Module m = expect_ok(module({custom, type, custom}));
  ASSERT_EQ(m.customs.size(), 2u);
  EXPECT_EQ(m.customs[0].after_section, 0);
  EXPECT_EQ(m.customs[1].after_section, 1);
  EXPECT_EQ(m.customs[1].payload.size, 3u);
  expect_malformed(module({{0x00, 0x03, 0x02, 0xFF, 0xFE}}), "malformed UTF-8 encoding", 10);
  expect_malformed(module({{0x00, 0x00, 0x00}}), "unexpected end of section or function", 10);
  // A broken name section is ignored, not an error.
  Module n = expect_ok(module({section(0, cat({str("name"), {0x01, 0x09, 0x05}}))}));
  EXPECT_TRUE(n.names.functions.entries.empty());
}

TEST(Decoder, LimitsAndEntities) {
  expect_malformed(module({section(5, {0x01, 0x10, 0x00})}), "malformed limits flags", 11);
  expect_malformed(module({section(4, {0x01, 0x70, 0x08, 0x00})}), "malformed limits flags", 12);
  expect_malformed(module({section(4, {0x01, 0x70, 0x02, 0x00})}), "malformed limits flags", 12);
  expect_malformed(module({section(5, {0x01, 0x08, 0x00, 0x41})}), "invalid custom page size", 13);
  expect_malformed(module({section(5, {0x01, 0x00, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00})}),
                   "integer representation too long", 22);
  Module shared = expect_ok(module({section(5, {0x01, 0x03, 0x01, 0x02})}));
  EXPECT_TRUE(shared.memory_types[0].limits.shared);
  Features no_threads;  // defaults: threads off
  expect_malformed(module({section(5, {0x01, 0x03, 0x01, 0x02})}), "malformed limits flags", 11, no_threads);
  expect_malformed(module({section(2, cat({{0x01}, str("a"), str("b"), {0x05, 0x00}}))}), "malformed import kind", 15);
  expect_malformed(module({section(7, cat({{0x01}, str("a"), {0x05, 0x00}}))}), "malformed export kind", 13);
  expect_malformed(module({section(6, {0x01, 0x7F, 0x02, 0x41, 0x00, 0x0B})}), "malformed mutability", 12);
  expect_malformed(module({section(13, {0x01, 0x01, 0x00})}), "zero byte expected", 11);
  expect_malformed(module({section(9, {0x01, 0x08})}), "malformed elements segment kind", 11);
  expect_malformed(module({section(9, {0x01, 0x01, 0x01, 0x00})}), "malformed element kind", 12);
  expect_malformed(module({section(9, {0x01, 0x05, 0x7F, 0x00})}), "malformed reference type", 12);
  expect_malformed(module({section(11, {0x01, 0x03})}), "malformed data segment kind", 11);
  expect_malformed(module({section(5, {0x01, 0x00, 0x01}), section(11, {0x01, 0x00, 0x41, 0x00, 0x0B, 0x02, 0x61})}),
                   "unexpected end of section or function", 22);
  expect_malformed(module({section(6, {0x01, 0x7F, 0x00, 0x41, 0x00})}), "unexpected end of section or function", 15);
}

TEST(Decoder, FunctionBodies) {
  Module m = expect_ok(one_func({0x02, 0x03, 0x7F, 0x01, 0x7E, 0x04, 0x40, 0x05, 0x0B, 0x0B}));
  ASSERT_EQ(m.bodies.size(), 1u);
  EXPECT_EQ(m.bodies[0].num_locals, 4u);
  ASSERT_EQ(m.bodies[0].locals.size(), 2u);
  EXPECT_EQ(m.bodies[0].locals[1].type, ValType::i64());
  EXPECT_EQ(m.bodies[0].code.size, 5u);
  EXPECT_EQ(m.code_section_offset, 20u);

  // Missing end: the body reads on into what follows.
  expect_malformed(one_func({0x00, 0x41, 0x01, 0x1A}), "unexpected end of section or function", 26);
  expect_malformed(module({section(1, {0x01, 0x60, 0x00, 0x00}), section(3, {0x02, 0x00, 0x00}),
                           section(10, {0x02, 0x04, 0x00, 0x41, 0x01, 0x1A, 0x05, 0x00, 0x41, 0x01, 0x1A, 0x0B})}),
                   "END opcode expected", 27);
  expect_malformed(module({section(1, {0x01, 0x60, 0x00, 0x00}), section(3, {0x01, 0x00}),
                           section(10, {0x01, 0x04, 0x00, 0x41, 0x01, 0x1A, 0x0B}), {0x0B, 0x01, 0x00}}),
                   "section size mismatch", 22);
  expect_malformed(one_func({0x00, 0x0B, 0x0B}), "section size mismatch", 22);
  expect_malformed(one_func({0x00, 0x02, 0x40, 0x05, 0x0B, 0x0B}), "END opcode expected", 25);
  expect_malformed(one_func({0x00, 0x04, 0x40, 0x05, 0x05, 0x0B, 0x0B}), "END opcode expected", 26);
  expect_malformed(one_func({0x00, 0x07, 0x00, 0x0B}), "END opcode expected", 23);
  expect_malformed(one_func({0x00, 0x18, 0x00, 0x0B}), "END opcode expected", 23);
  expect_malformed(one_func({0x00, 0x06, 0x40, 0x19, 0x07, 0x00, 0x0B, 0x0B}), "END opcode expected", 26);
  expect_ok(one_func({0x00, 0x06, 0x40, 0x07, 0x00, 0x19, 0x0B, 0x0B}));
  expect_ok(one_func({0x00, 0x06, 0x40, 0x18, 0x00, 0x0B}));
  expect_malformed(one_func({0x00, 0xFF, 0x0B}), "illegal opcode ff", 23);

  // Locals: 2^32 or more is malformed; so is more than the engine limit.
  expect_malformed(one_func({0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F, 0x02, 0x7E, 0x0B}), "too many locals", 22);
  expect_malformed(one_func({0x01, 0xD1, 0x86, 0x03, 0x7F, 0x0B}), "too many locals", 22);  // 50001
  expect_ok(one_func({0x01, 0xD0, 0x86, 0x03, 0x7F, 0x0B}));                                   // 50000
  expect_malformed(one_func({0x01, 0x80, 0x80, 0x80, 0x80, 0x10, 0x7F, 0x0B}), "integer too large", 27);

  // data.drop / memory.init need the data count section.
  expect_malformed(one_func({0x00, 0xFC, 0x09, 0x00, 0x0B}), "data count section required", 27);
}

TEST(Decoder, DisabledProposals) {
  Features f;
  f.exceptions = false;
  expect_malformed(module({section(13, {0x00})}), "malformed section id", 8, f);
  f.simd = false;
  expect_malformed(one_func({0x01, 0x01, 0x7B, 0x0B}), "malformed reference type", 24, f);
  f.gc = false;
  expect_malformed(module({section(1, {0x01, 0x5F, 0x00})}), "malformed definition type", 11, f);
}

}  // namespace
}  // namespace kiln::wasm
