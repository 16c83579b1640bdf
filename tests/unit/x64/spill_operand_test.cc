// tests/unit/x64/spill_operand_test.cc: source operands read in place from spill slots through
// the whole x64 path (the lowering gives ALU, compare and plain-add sources Constraint::kAny,
// the allocator runs with the checker on, the emitter reads a slot as `op r, [rsp + X]`, as
// `add d, [rsp + X]` for a lea, or through `mov r11, [rsp + X]` when the slot was stored just
// before), run natively against the same computation in C++, at 32 and 64 bits.
#include <gtest/gtest.h>

#include <cstdint>
#include <regex>
#include <string>

#include "codegen/ir/parser.h"
#include "codegen/isa/x64/disasm.h"
#include "codegen/isa/x64/emit.h"
#include "codegen/isa/x64/inst.h"
#include "codegen/isa/x64/lower.h"
#include "native_code.h"

namespace kiln::codegen::x64 {
namespace {

constexpr int kValues = 12;   // live across the call: more than the five callee-saved registers
constexpr int kPadding = 70;  // dependent multiplies between the call and the reads ($far)

// x_k = (a * (2k + 3)) ^ (b + k) for k < kValues; r = callee(vmctx, a); with `far`, r = r * 5
// kPadding times; then r = r + x0 - x1 & x2 | x3 ^ x4 * x5 + x6 ... over every x_k (the last
// two by a compare and select), and a plain add of two of them.
std::string program(const char* ty, bool far) {
  std::string t = ty;
  std::string s = "function %f(i64 vmctx, i64, " + t + ", " + t + ") -> " + t + " {\n";
  s += "    sig0 = (i64 vmctx, " + t + ") -> " + t + "\n\n";
  s += "block0(v0: i64, v1: i64, v2: " + t + ", v3: " + t + "):\n";
  int next = 4;
  auto val = [&](const std::string& rhs) {
    std::string name = "v" + std::to_string(next++);
    s += "    " + name + " = " + rhs + "\n";
    return name;
  };
  std::string x[kValues];
  for (int k = 0; k < kValues; ++k) {
    std::string m = val("iconst." + t + " " + std::to_string(2 * k + 3));
    std::string p = val("imul v2, " + m);
    std::string c = val("iconst." + t + " " + std::to_string(k));
    std::string q = val("iadd v3, " + c);
    x[k] = val("bxor " + p + ", " + q);
  }
  std::string r = val("call_indirect sig0, v1(v0, v2)");
  if (far) {
    std::string five = val("iconst." + t + " 5");
    for (int k = 0; k < kPadding; ++k) r = val("imul " + r + ", " + five);
  }
  static const char* const kOps[] = {"iadd", "isub", "band", "bor", "bxor", "imul"};
  for (int k = 0; k < kValues - 4; ++k) r = val(std::string(kOps[k % 6]) + " " + r + ", " + x[k]);
  std::string sum = val("iadd " + x[kValues - 4] + ", " + x[kValues - 3]);
  r = val("bxor " + r + ", " + sum);
  std::string cond = val("icmp ult " + r + ", " + x[kValues - 2]);
  r = val("select " + cond + ", " + r + ", " + x[kValues - 1]);
  s += "    return " + r + "\n}\n";
  return s;
}

template <typename T>
T callee(int64_t /*vmctx*/, T i) { return static_cast<T>(i * 3 + 1); }

template <typename T>
T expected(T a, T b, bool far) {
  T x[kValues];
  for (int k = 0; k < kValues; ++k) x[k] = static_cast<T>(a * static_cast<T>(2 * k + 3)) ^ static_cast<T>(b + static_cast<T>(k));
  T r = callee<T>(0, a);
  if (far) {
    for (int k = 0; k < kPadding; ++k) r = static_cast<T>(r * 5);
  }
  for (int k = 0; k < kValues - 4; ++k) {
    switch (k % 6) {
      case 0: r = static_cast<T>(r + x[k]); break;
      case 1: r = static_cast<T>(r - x[k]); break;
      case 2: r &= x[k]; break;
      case 3: r |= x[k]; break;
      case 4: r ^= x[k]; break;
      default: r = static_cast<T>(r * x[k]); break;
    }
  }
  r ^= static_cast<T>(x[kValues - 4] + x[kValues - 3]);
  return r < x[kValues - 2] ? r : x[kValues - 1];
}

std::string compile_and_check(const std::string& text, mach::CompiledCode& code) {
  auto f = ir::parse_function(text);
  EXPECT_TRUE(f.ok()) << f.error().to_string() << "\n" << text;
  if (!f.ok()) return {};
  auto vc = lower(*f, LowerOptions{});
  EXPECT_TRUE(vc.ok()) << vc.error().to_string();
  if (!vc.ok()) return {};
  auto ra = regalloc::run(vc->to_regalloc(), machine_env(), regalloc::Options{.run_checker = true});
  EXPECT_TRUE(ra.ok()) << ra.error().to_string();
  if (!ra.ok()) return {};
  auto cc = emit(*vc, *ra, EmitOptions{});
  EXPECT_TRUE(cc.ok()) << cc.error().to_string();
  if (!cc.ok()) return {};
  code = std::move(*cc);
  return disassemble_text(std::span(code.code.data(), code.code_size));
}

template <typename T>
void run_case(const char* ty, bool far) {
  mach::CompiledCode code;
  const std::string text = compile_and_check(program(ty, far), code);
  ASSERT_FALSE(text.empty());
  const std::string width = sizeof(T) == 4 ? "dword" : "qword";
  const std::regex in_place("(add|sub|and|or|xor|imul|cmp) [a-z0-9]+, " + width + " ptr \\[rsp");
  const std::regex via_scratch("mov r11, qword ptr \\[rsp");
  if (far) {
    EXPECT_TRUE(std::regex_search(text, in_place)) << text;
  } else {
    EXPECT_FALSE(std::regex_search(text, in_place)) << text;
    EXPECT_TRUE(std::regex_search(text, via_scratch)) << text;
  }
  testing::Native native(code);
  ASSERT_TRUE(native.ok());
  using Fn = T (*)(int64_t, T (*)(int64_t, T), T, T);
  for (T a : {T(0), T(1), T(7), T(0x12345), T(-3), static_cast<T>(0x9e3779b97f4a7c15ull)}) {
    for (T b : {T(0), T(5), static_cast<T>(0xdeadbeefcafef00dull), T(-1)}) {
      EXPECT_EQ(native.fn<Fn>()(0, callee<T>, a, b), expected<T>(a, b, far)) << "a=" << a << " b=" << b;
    }
  }
}

TEST(X64SpillOperands, OldSlotsReadInPlace32) { run_case<uint32_t>("i32", true); }
TEST(X64SpillOperands, OldSlotsReadInPlace64) { run_case<uint64_t>("i64", true); }
TEST(X64SpillOperands, RecentSlotsReadThroughScratch32) { run_case<uint32_t>("i32", false); }
TEST(X64SpillOperands, RecentSlotsReadThroughScratch64) { run_case<uint64_t>("i64", false); }

}  // namespace
}  // namespace kiln::codegen::x64
