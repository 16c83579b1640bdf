// tests/unit/x64/emitter_test.cc: the assembler adapter's encodings (inst -> bytes, checked
// against capstone's disassembly), and lowering quality on small IR functions.
#include <gtest/gtest.h>

#include <functional>

#include "codegen/ir/parser.h"
#include "codegen/isa/x64/asm_adapter.h"
#include "codegen/isa/x64/disasm.h"
#include "codegen/pipeline/compile.h"

namespace kiln::codegen::x64 {
namespace {

struct Case {
  std::function<void(Assembler&)> emit;
  const char* hex;
  const char* text;
};

std::string hex(const std::vector<uint8_t>& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t x : b) { s += d[x >> 4]; s += d[x & 15]; }
  return s;
}

TEST(Emitter, EncodingTable) {
  const Case cases[] = {
      {[](Assembler& a) { a.emit(Mn::kAdd, Opnd::gp(0, 4), Opnd::gp(7, 4)); }, "01f8", "add eax, edi\n"},
      {[](Assembler& a) { a.emit(Mn::kLea, Opnd::gp(0, 8), Opnd::mem(0, 7, 8, 6, 2)); }, "488d44b708", "lea rax, [rdi + rsi*4 + 8]\n"},
      {[](Assembler& a) { a.emit(Mn::kCall, Opnd::gp(5, 8)); }, "ffd5", "call rbp\n"},
      {[](Assembler& a) { a.emit(Mn::kMovzx, Opnd::gp(0, 4), Opnd::gp(6, 1)); }, "400fb6c6", "movzx eax, sil\n"},
      {[](Assembler& a) { a.emit(Mn::kCmp, Opnd::gp(12, 8), Opnd::imm_(-1)); }, "4983fcff", "cmp r12, -1\n"},
      {[](Assembler& a) { a.emit(Mn::kUd2); }, "0f0b", "ud2\n"},
      {[](Assembler& a) { a.emit(Mn::kAddsd, Opnd::xmm(1), Opnd::xmm(9)); }, "f2410f58c9", "addsd xmm1, xmm9\n"},
      {[](Assembler& a) { a.cmovcc(Cond::kL, Opnd::gp(3, 4), Opnd::gp(1, 4)); }, "0f4cd9", "cmovl ebx, ecx\n"},
      {[](Assembler& a) { a.emit(Mn::kMov, Opnd::mem(2, 4, 16), Opnd::imm_(7)); }, "66c74424100700", "mov word ptr [rsp + 0x10], 7\n"},
  };
  for (const Case& c : cases) {
    Assembler a;
    c.emit(a);
    auto bytes = a.finish();
    ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
    EXPECT_EQ(hex(*bytes), c.hex) << c.text;
    EXPECT_EQ(disassemble_text(*bytes), c.text);
  }
}

TEST(Emitter, ShortBackwardAndRelaxedForwardBranches) {
  Assembler a;
  uint32_t top = a.new_label(), fwd = a.new_label();
  a.bind(top);
  a.jcc(Cond::kNe, top);        // bound: asmjit picks rel8
  a.jcc(Cond::kE, fwd, true);   // forward, relaxed by the emitter: rel8
  a.jmp(fwd);                   // forward without relaxation: rel32
  a.bind(fwd);
  auto bytes = a.finish();
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(hex(*bytes), "75fe7405e900000000");
}

std::string compile_text(const char* ir) {
  auto f = ir::parse_function(ir);
  EXPECT_TRUE(f.ok()) << f.error().to_string();
  pipeline::CompileOptions o;
  o.check_regalloc = true;
  auto c = pipeline::compile(*f, o);
  EXPECT_TRUE(c.ok()) << c.error().to_string();
  if (!c.ok()) return "";
  return disassemble_text(std::span(c->code.data(), c->code_size));
}

TEST(Lowering, AddressModeImmediateAndLea) {
  std::string s = compile_text(R"(function %f(i64, i64) -> i32 {
block0(v0: i64, v1: i64):
    v2 = iconst.i64 2
    v3 = ishl v1, v2
    v4 = iadd v0, v3
    v5 = load.i32 heap v4+16
    v6 = iconst.i32 5
    v7 = iadd v5, v6
    return v7
})");
  EXPECT_NE(s.find("[rdi + rsi*4 + 0x10]"), std::string::npos) << s;
  EXPECT_EQ(s.find("shl"), std::string::npos) << s;
  // `v5 + 5` is allocated to v5's register: a two-address lea is emitted as an add.
  EXPECT_NE(s.find("add eax, 5"), std::string::npos) << s;
  EXPECT_EQ(s.find("lea eax, [rax + 5]"), std::string::npos) << s;
}

TEST(Lowering, ThreeAddressAddStaysLea) {
  // The result goes to rax, neither input is there: lea, not mov + add.
  std::string s = compile_text(R"(function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = iadd v0, v1
    return v2
})");
  EXPECT_NE(s.find("lea eax, [rdi + rsi]"), std::string::npos) << s;
}

TEST(Lowering, CompareBranchFusionWithTest) {
  std::string s = compile_text(R"(function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = iconst.i32 0
    v3 = icmp slt v0, v2
    brif v3, block1, block2
block1:
    return v1
block2:
    return v0
})");
  EXPECT_NE(s.find("test edi, edi"), std::string::npos) << s;
  EXPECT_NE(s.find("jl"), std::string::npos) << s;  // test clears OF: jl == js
  EXPECT_EQ(s.find("xor"), std::string::npos) << s;  // the folded zero is not materialized
  EXPECT_EQ(s.find("set"), std::string::npos) << s;
}

// A function that calls checks the stack limit in its prologue; a leaf whose frame is small
// does not (it can go at most kLeafStackSlack bytes past the limit, and calls nothing).
TEST(Lowering, StackLimitCheckAndTrapTable) {
  auto f = ir::parse_function(R"(function %f(i64 vmctx, i32) -> i32 {
    sig0 = (i64 vmctx, i32) -> i32
    fn0 = colocated %f sig0
block0(v0: i64, v1: i32):
    trapz v1, unreachable
    v2 = call fn0(v0, v1)
    return v2
})");
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  pipeline::CompileOptions o;
  o.stack_limit_path = {8, 16};
  auto c = pipeline::compile(*f, o);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  std::string s = disassemble_text(std::span(c->code.data(), c->code_size));
  EXPECT_NE(s.find("mov r11, qword ptr [rdi + 8]"), std::string::npos) << s;
  // The frame's bottom is compared with the limit at the end of the path, in memory.
  EXPECT_NE(s.find("cmp rsp, qword ptr [r11 + 0x10]"), std::string::npos) << s;
  ASSERT_EQ(c->traps.size(), 2u);
  for (const auto& t : c->traps) EXPECT_EQ(c->code[t.offset], 0x0f);  // ud2

  auto leaf = ir::parse_function(R"(function %leaf(i64 vmctx, i32) -> i32 {
block0(v0: i64, v1: i32):
    trapz v1, unreachable
    return v1
})");
  ASSERT_TRUE(leaf.ok()) << leaf.error().to_string();
  auto cl = pipeline::compile(*leaf, o);
  ASSERT_TRUE(cl.ok()) << cl.error().to_string();
  std::string sl = disassemble_text(std::span(cl->code.data(), cl->code_size));
  EXPECT_EQ(sl.find("cmp rsp"), std::string::npos) << sl;
  ASSERT_EQ(cl->traps.size(), 1u);  // the trapz only
}

}  // namespace
}  // namespace kiln::codegen::x64
