// tests/unit/codegen/wide_mul_test.cc: randomized tests of opt/wide_mul.cc. Random shapes of
// the 64x64->128-bit multiply written with 32-bit halves, in compiler-rt's form and in the carry
// form (operands commuted, masks as `band` or uextend(ireduce), shift amounts 32 or 96, the
// cross products in either role, the low word's `|`/`+`/`^`, the high word's terms in a random
// add tree with an unrelated term), exact ones and ones with one mutation that breaks the
// identity (another mask or shift, a signed shift or compare, a wrong half, a term used again
// or subtracted). Every function runs in the interpreter before and after optimize() on edge
// and random inputs and must give the same results; the exact ones must also be rewritten (an
// i128 multiply and no 32-bit pieces left), and the results are checked against unsigned
// __int128 as well.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codegen/ir/interpreter.h"
#include "codegen/ir/parser.h"
#include "codegen/ir/printer.h"
#include "codegen/ir/verifier.h"
#include "codegen/opt/passes.h"
#include "ir_test_util.h"

namespace kiln::codegen::opt {
namespace {

using namespace ir;
using U128 = unsigned __int128;

using ir::test_util::Rng;

// The mutations; kNone keeps the identity.
enum Mutation {
  kNone, kMask, kShift, kSignedShift, kWrongHalf, kLeafTwice, kSubtract, kSignedCompare, kNumMutations
};

// Writes one function's text: %f(a, b, e) -> low, high (+ a reused term), where high includes
// the unrelated term e.
class Gen {
 public:
  Gen(Rng& rng, bool carry, Mutation mut) : rng_(rng), carry_(carry), mut_(mut) {}

  std::string text() {
    body_.clear();
    n_ = 3;
    std::string m = konst(0xffffffff), s32 = konst(32);
    std::string a = "v0", b = "v1", e = "v2";
    auto lo = [&](const std::string& x) {
      if (rng_.coin()) {
        std::string r = emit("ireduce.i32 " + x);
        return emit("uextend.i64 " + r);
      }
      return bin("band", x, m);
    };
    auto hi = [&](const std::string& x) { return emit("ushr " + x + ", " + (rng_.coin() ? s32 : konst(96))); };
    std::string al = lo(a), bl = lo(b), ah = hi(a), bh = hi(b);
    if (mut_ == kMask) bl = bin("band", b, konst(rng_.coin() ? 0xfffffffe : 0x1ffffffff));
    if (mut_ == kShift) ah = emit("ushr " + a + ", " + konst(rng_.coin() ? 31 : 33));
    if (mut_ == kSignedShift) ah = emit("sshr " + a + ", " + s32);
    std::string ll = bin("imul", al, bl);
    std::string p1 = bin("imul", al, bh), p2 = bin("imul", ah, bl);
    if (mut_ == kWrongHalf) p2 = bin("imul", ah, bh);
    if (rng_.coin()) std::swap(p1, p2);
    std::string h = bin("imul", ah, bh);
    std::vector<std::string> leaves = {h, e};
    std::string low, extra;
    if (!carry_) {
      std::string t = bin("iadd", emit("ushr " + ll + ", " + s32), p1);
      std::string t2 = bin("iadd", bin("band", t, m), p2);
      std::string s1 = emit("ushr " + t + ", " + s32), s2 = emit("ushr " + t2 + ", " + s32);
      const char* join[] = {"bor", "iadd", "bxor"};
      low = bin(join[rng_.below(3)], emit("ishl " + t2 + ", " + s32), bin("band", ll, m));
      leaves.push_back(s1);
      leaves.push_back(s2);
      if (mut_ == kLeafTwice) extra = s1;
    } else {
      std::string mid = bin("iadd", p1, p2);
      std::string sh = emit("ishl " + mid + ", " + s32);
      low = bin("iadd", ll, sh);
      std::string c1 = carry(mid, rng_.coin() ? p1 : p2);
      std::string c2 = carry(low, rng_.coin() ? ll : sh);
      std::string k = emit("ishl " + c1 + ", " + s32), top = emit("ushr " + mid + ", " + s32);
      if (rng_.coin()) {
        leaves.push_back(bin(rng_.coin() ? "bor" : "bxor", k, top));
      } else {
        leaves.push_back(k);
        leaves.push_back(top);
      }
      leaves.push_back(c2);
      if (mut_ == kLeafTwice) extra = c2;
    }
    // When mutated, one of the high word's terms (not e) is subtracted from another term.
    if (mut_ == kSubtract) {
      size_t i = 2 + rng_.below(static_cast<uint32_t>(leaves.size() - 2));
      std::string x = leaves[i];
      leaves.erase(leaves.begin() + static_cast<long>(i));
      size_t j = rng_.below(static_cast<uint32_t>(leaves.size()));
      leaves[j] = emit("isub " + leaves[j] + ", " + x);
    }
    // A random add tree over the leaves.
    while (leaves.size() > 1) {
      size_t i = rng_.below(static_cast<uint32_t>(leaves.size()));
      std::string x = leaves[i];
      leaves.erase(leaves.begin() + static_cast<long>(i));
      size_t j = rng_.below(static_cast<uint32_t>(leaves.size()));
      leaves[j] = bin("iadd", x, leaves[j]);
    }
    std::string sig = extra.empty() ? "i64, i64" : "i64, i64, i64";
    std::string ret = low + ", " + leaves[0] + (extra.empty() ? "" : ", " + extra);
    return "function %f(i64, i64, i64) -> " + sig + " {\nblock0(v0: i64, v1: i64, v2: i64):\n" + body_ +
           "    return " + ret + "\n}\n";
  }

 private:
  std::string emit(const std::string& rhs) {
    std::string v = "v" + std::to_string(n_++);
    body_ += "    " + v + " = " + rhs + "\n";
    return v;
  }
  std::string konst(uint64_t c) { return emit("iconst.i64 " + std::to_string(c)); }
  // A commutative (or not: isub) binary op with its operands in random order.
  std::string bin(const char* op, std::string x, std::string y) {
    if (rng_.coin()) std::swap(x, y);
    return emit(std::string(op) + " " + x + ", " + y);
  }
  // The carry of sum = addend + other: sum < addend or addend > sum, zero-extended to i64
  // (directly or through i32).
  std::string carry(const std::string& sum, const std::string& addend) {
    const char* ult = mut_ == kSignedCompare ? "slt" : "ult";
    const char* ugt = mut_ == kSignedCompare ? "sgt" : "ugt";
    std::string c = rng_.coin() ? emit(std::string("icmp ") + ult + " " + sum + ", " + addend)
                                : emit(std::string("icmp ") + ugt + " " + addend + ", " + sum);
    if (rng_.coin()) c = emit("uextend.i32 " + c);
    return emit("uextend.i64 " + c);
  }

  Rng& rng_;
  bool carry_;
  Mutation mut_;
  std::string body_;
  uint32_t n_ = 0;
};

std::vector<uint64_t> inputs(Rng& rng) {
  std::vector<uint64_t> v = {0, 1, 0xffffffff, 0x100000000, 0x8000000000000000, 0xffffffffffffffff,
                             0xffffffff00000000, 0x7fffffff80000000};
  for (int k = 0; k < 8; ++k) v.push_back(rng.next());
  return v;
}

std::vector<DataValue> run(const Function& f, uint64_t a, uint64_t b, uint64_t e) {
  Interpreter interp;
  interp.add_function(f);
  std::vector<DataValue> args = {DataValue::make(kI64, a), DataValue::make(kI64, b), DataValue::make(kI64, e)};
  auto r = interp.call(f, args);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  if (!r.ok() || r->trapped) return {};
  return r->values;
}

void check(bool carry, Mutation mut, uint64_t seed, int& rewritten) {
  Rng rng(seed);
  std::string text = Gen(rng, carry, mut).text();
  auto parsed = parse_function(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string() << "\n" << text;
  Function before = std::move(*parsed);
  ASSERT_TRUE(verify_function(before).ok()) << text;
  Function after = before;
  optimize(after);
  auto v = verify_function(after);
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  std::string out = print_function(after);
  const bool rewrote = out.find("isplit") != std::string::npos;
  rewritten += rewrote;
  if (mut == kNone) {
    // Exact: rewritten, and only the 64-bit multiplies, the i128 one and adds are left.
    EXPECT_TRUE(rewrote) << text << "\n" << out;
    EXPECT_EQ(out.find("band"), std::string::npos) << out;
    EXPECT_EQ(out.find("ushr"), std::string::npos) << out;
    EXPECT_EQ(out.find("icmp"), std::string::npos) << out;
  }
  Rng in(seed ^ 0x1234);
  std::vector<uint64_t> xs = inputs(in);
  for (uint64_t a : xs) {
    for (uint64_t b : xs) {
      uint64_t e = in.next();
      std::vector<DataValue> r0 = run(before, a, b, e), r1 = run(after, a, b, e);
      ASSERT_EQ(r0.size(), r1.size()) << text;
      for (size_t k = 0; k < r0.size(); ++k) {
        ASSERT_TRUE(r0[k].same_as(r1[k])) << std::hex << a << " * " << b << " result " << k << ": "
                                          << r0[k].to_string() << " vs " << r1[k].to_string() << "\n"
                                          << text << "\n" << out;
      }
      if (mut == kNone) {
        const U128 p = static_cast<U128>(a) * b;
        ASSERT_EQ(r1[0].as_u64(), static_cast<uint64_t>(p)) << text;
        ASSERT_EQ(r1[1].as_u64(), static_cast<uint64_t>(p >> 64) + e) << text;
      }
    }
  }
}

TEST(WideMul, RandomShapesCompilerRt) {
  int rewritten = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) check(false, kNone, seed, rewritten);
  EXPECT_EQ(rewritten, 40);
}

TEST(WideMul, RandomShapesCarryForm) {
  int rewritten = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) check(true, kNone, seed, rewritten);
  EXPECT_EQ(rewritten, 40);
}

// One mutation each: the results must not change, whatever is or is not rewritten. Those that
// break the identity of the high word must leave it alone (no i128 multiply).
TEST(WideMul, RandomMutationsKeepSemantics) {
  for (bool carry : {false, true}) {
    for (int m = kMask; m < kNumMutations; ++m) {
      if (!carry && m == kSignedCompare) continue;  // no compares in compiler-rt's form
      int rewritten = 0;
      for (uint64_t seed = 100; seed < 115; ++seed) check(carry, static_cast<Mutation>(m), seed, rewritten);
      EXPECT_EQ(rewritten, 0) << (carry ? "carry form" : "compiler-rt form") << ", mutation " << m;
    }
  }
}

}  // namespace
}  // namespace kiln::codegen::opt
