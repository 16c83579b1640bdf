// codegen/opt/rules.cc: THE table of algebraic rewrite rules: identities that drop an
// operation, canonical forms (constants on the right), and strength reduction (multiplication
// and division by constants). Each rule says why it is valid. As in Cranelift's opts/*.isle,
// the replacement is never more expensive than what it replaces, and a rule never removes a
// trap that can happen: divisions are rewritten only for constant divisors where the original
// cannot trap (or, for sdiv by -1, not at all).
//
// Rules apply to scalar integer types up to 64 bits (iconst cannot make i128 or vectors).
#include "codegen/opt/rules.h"

#include <array>
#include <bit>
#include <cassert>

#include "codegen/opt/util.h"

namespace kiln::codegen::opt {

using namespace ir;

SignedMagic signed_magic(int64_t d, uint32_t bits) {
  // Hacker's Delight 10-1, in exact 128-bit arithmetic (no wrap-around to reason about).
  assert((bits == 32 || bits == 64) && d != 0 && d != 1 && d != -1);
  const U128 two_n1 = U128{1} << (bits - 1);
  const U128 mask = bits == 64 ? U128{~uint64_t{0}} : (U128{1} << bits) - 1;
  U128 ud = static_cast<U128>(static_cast<__int128>(d)) & mask;
  U128 ad = d < 0 ? ((~ud + 1) & mask) : ud;
  U128 t = two_n1 + (ud >> (bits - 1));
  U128 anc = t - 1 - t % ad;
  uint32_t p = bits - 1;
  U128 q1 = two_n1 / anc, r1 = two_n1 - q1 * anc;
  U128 q2 = two_n1 / ad, r2 = two_n1 - q2 * ad;
  U128 delta;
  do {
    ++p;
    q1 *= 2;
    r1 *= 2;
    if (r1 >= anc) { ++q1; r1 -= anc; }
    q2 *= 2;
    r2 *= 2;
    if (r2 >= ad) { ++q2; r2 -= ad; }
    delta = ad - r2;
  } while (q1 < delta || (q1 == delta && r1 == 0));
  U128 m = (q2 + 1) & mask;
  if (d < 0) m = (~m + 1) & mask;
  // Sign-extend the n-bit multiplier.
  int64_t mult = bits == 64 ? static_cast<int64_t>(static_cast<uint64_t>(m))
                            : static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(m)));
  return {mult, p - bits};
}

UnsignedMagic unsigned_magic(uint64_t d, uint32_t bits) {
  assert((bits == 32 || bits == 64) && d >= 3 && (d & (d - 1)) != 0 && (d >> (bits - 1)) == 0);
  const uint32_t l = 63 - static_cast<uint32_t>(std::countl_zero(d));  // 2^l < d < 2^(l+1)
  // Exact 128-bit arithmetic: bits + l + 1 <= 127. d is not a power of two, so neither
  // quotient below is exact and ceil = floor + 1.
  const U128 p = U128{1} << (bits + l);
  const U128 m = p / d + 1;
  if (m * d - p <= (U128{1} << l)) return {static_cast<uint64_t>(m), l, false};
  const U128 m1 = (p << 1) / d + 1;  // in [2^bits, 2^(bits+1))
  return {static_cast<uint64_t>(m1 - (U128{1} << bits)), l, true};
}

namespace {

// What a rule sees: the instruction, its operands and helpers to build the replacement. One
// Ctx serves every rule tried on the instruction: a rule that does not fire changes nothing,
// so the operands it resolved on construction stay valid for the next.
class Ctx {
 public:
  Ctx(Function& f, Inst i) : f_(f), dfg_(f.dfg), i_(i), d_(f.dfg[i]) {
    for (size_t k = 0; k < std::size(args_); ++k) args_[k] = dfg_.resolve_aliases(d_.args[k]);
  }

  const InstData& d() const { return d_; }
  Opcode op() const { return d_.opcode; }
  // Fixed operand k, resolved.
  Value arg(size_t k) const { return args_[k]; }
  Type type_of(Value v) const { return dfg_.value_type(dfg_.resolve_aliases(v)); }
  Type result_type() const { return dfg_.value_type(dfg_.first_result(i_)); }
  std::optional<int64_t> iconst(Value v) const { return int_constant_of(dfg_, v); }
  // iconst(arg(k)), looked up once per instruction: several rules ask it of the same operand.
  std::optional<int64_t> arg_const(size_t k) {
    if (!(const_known_ & (1u << k))) {
      arg_consts_[k] = iconst(args_[k]);
      const_known_ |= 1u << k;
    }
    return arg_consts_[k];
  }
  // A copy of the instruction defining v if it has opcode op (a copy: inserting instructions
  // may move the DFG's storage).
  std::optional<InstData> def(Value v, Opcode op) const {
    Inst di = dfg_.value_inst(v);
    if (!di || dfg_[di].opcode != op) return std::nullopt;
    return dfg_[di];
  }

  // --- outcomes ---
  bool replace(Value v) {
    replace_inst_with_value(f_, i_, v);
    return true;
  }
  bool become_const(Type t, int64_t v) {
    InstData nd;
    nd.opcode = Opcode::kIconst;
    nd.type = t;
    nd.imm = static_cast<int64_t>(mask(t, v));
    dfg_[i_] = nd;
    return true;
  }
  bool become(const InstData& nd) {
    dfg_[i_] = nd;
    return true;
  }
  bool become_binary(Opcode op, Value x, Value y) { return become(binary_data(op, x, y)); }
  bool become_unary(Opcode op, Value x, Type t = Type()) {
    InstData nd;
    nd.opcode = op;
    nd.type = t;
    nd.args[0] = x;
    return become(nd);
  }

  // --- new instructions, inserted before the rewritten one ---
  Value make_const(Type t, int64_t v) {
    InstData nd;
    nd.opcode = Opcode::kIconst;
    nd.type = t;
    nd.imm = static_cast<int64_t>(mask(t, v));
    return insert_value_before(f_, nd, i_);
  }
  Value make_binary(Opcode op, Value x, Value y) {
    return insert_value_before(f_, binary_data(op, x, y), i_);
  }
  Value make_unary(Opcode op, Value x, Type t = Type()) {
    InstData nd;
    nd.opcode = op;
    nd.type = t;
    nd.args[0] = x;
    return insert_value_before(f_, nd, i_);
  }
  Value make_icmp(IntCC cc, Value x, Value y) {
    InstData nd = binary_data(Opcode::kIcmp, x, y);
    nd.aux = static_cast<uint32_t>(cc);
    return insert_value_before(f_, nd, i_);
  }
  Inst make_isplit(Value x) {
    InstData nd;
    nd.opcode = Opcode::kIsplit;
    nd.args[0] = x;
    return insert_inst_before(f_, nd, i_);
  }
  std::span<const Value> results_of(Inst i) const { return dfg_.inst_results(i); }

  static uint64_t mask(Type t, int64_t v) {
    uint32_t b = t.bits();
    return b >= 64 ? static_cast<uint64_t>(v) : static_cast<uint64_t>(v) & ((uint64_t{1} << b) - 1);
  }
  static InstData binary_data(Opcode op, Value x, Value y) {
    InstData nd;
    nd.opcode = op;
    nd.args[0] = x;
    nd.args[1] = y;
    return nd;
  }

 private:
  Function& f_;
  DataFlowGraph& dfg_;
  Inst i_;
  InstData d_;  // a copy: rules rewrite dfg_[i_] while still reading the original operands
  Value args_[3];  // d_.args (all three fixed operand slots) resolved
  std::optional<int64_t> arg_consts_[3];  // arg_const(k), once bit k of const_known_ is set
  uint32_t const_known_ = 0;
};

// Sign-extends the low `bits` of v.
int64_t sext(uint64_t v, uint32_t bits) {
  if (bits >= 64) return static_cast<int64_t>(v);
  uint64_t sign = uint64_t{1} << (bits - 1);
  v &= (uint64_t{1} << bits) - 1;
  return static_cast<int64_t>((v ^ sign) - sign);
}
int64_t smin(uint32_t bits) { return sext(uint64_t{1} << (bits - 1), bits); }
int64_t smax(uint32_t bits) { return static_cast<int64_t>((uint64_t{1} << (bits - 1)) - 1); }
uint64_t umax(uint32_t bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }
// log2 of a power of two, or -1.
int log2_exact(uint64_t v) { return std::has_single_bit(v) ? std::countr_zero(v) : -1; }

bool scalar_int(Type t) { return t.is_int() && t.bits() <= 64; }
bool commutative(Opcode op) {
  return op == Opcode::kIadd || op == Opcode::kImul || op == Opcode::kBand ||
         op == Opcode::kBor || op == Opcode::kBxor;
}

// ---------------------------------------------------------------------------------------------
// The rules. Each returns true if it fired.

// Commutative operations take a constant operand on the right (c op x -> x op c): one
// canonical shape, so the rules below, GVN and the lowering (immediates) see one form.
bool const_to_right(Ctx& c) {
  if (!commutative(c.op()) || !c.arg_const(0) || c.arg_const(1)) return false;
  return c.become_binary(c.op(), c.arg(1), c.arg(0));
}

// x + 0 == x; x | 0 == x; x ^ 0 == x; x - 0 == x: 0 is their identity.
bool identity_zero(Ctx& c) {
  auto y = c.arg_const(1);
  if (!y || *y != 0) return false;
  return c.replace(c.arg(0));
}

// (x + c1) + c2 == x + (c1 + c2): wrapping addition is associative.
bool iadd_reassociate(Ctx& c) {
  auto c2 = c.arg_const(1);
  auto in = c.def(c.arg(0), Opcode::kIadd);
  if (!c2 || !in) return false;
  auto c1 = c.iconst(in->args[1]);
  if (!c1) return false;
  Type t = c.result_type();
  Value k = c.make_const(t, static_cast<int64_t>(static_cast<uint64_t>(*c1) + static_cast<uint64_t>(*c2)));
  return c.become_binary(Opcode::kIadd, in->args[0], k);
}

// x - x == 0 (wrapping subtraction of equal values).
bool isub_self(Ctx& c) {
  if (c.arg(0) != c.arg(1)) return false;
  return c.become_const(c.result_type(), 0);
}

// x - c == x + (-c) modulo 2^n; addition is commutative and reassociates with other
// constants, and maps onto lea.
bool isub_const(Ctx& c) {
  auto y = c.arg_const(1);
  if (!y || *y == 0) return false;
  Type t = c.result_type();
  Value k = c.make_const(t, static_cast<int64_t>(0 - static_cast<uint64_t>(*y)));
  return c.become_binary(Opcode::kIadd, c.arg(0), k);
}

// 0 - x == -x.
bool isub_from_zero(Ctx& c) {
  auto x = c.arg_const(0);
  if (!x || *x != 0) return false;
  return c.become_unary(Opcode::kIneg, c.arg(1));
}

// x * 0 == 0; x * 1 == x; x * -1 == -x (all modulo 2^n).
bool imul_small(Ctx& c) {
  auto y = c.arg_const(1);
  if (!y) return false;
  if (*y == 0) return c.become_const(c.result_type(), 0);
  if (*y == 1) return c.replace(c.arg(0));
  if (*y == -1) return c.become_unary(Opcode::kIneg, c.arg(0));
  return false;
}

// x * 2^k == x << k modulo 2^n.
bool imul_pow2(Ctx& c) {
  auto y = c.arg_const(1);
  if (!y || *y <= 1) return false;
  int k = log2_exact(static_cast<uint64_t>(*y));
  if (k < 0) return false;
  Type t = c.result_type();
  return c.become_binary(Opcode::kIshl, c.arg(0), c.make_const(t, k));
}

// x * (2^k + 1) == (x << k) + x for k in 1..3: one lea (base + index * 2^k) instead of imul.
bool imul_lea(Ctx& c) {
  auto y = c.arg_const(1);
  if (!y || (*y != 3 && *y != 5 && *y != 9)) return false;
  Type t = c.result_type();
  int k = log2_exact(static_cast<uint64_t>(*y - 1));
  Value sh = c.make_binary(Opcode::kIshl, c.arg(0), c.make_const(t, k));
  return c.become_binary(Opcode::kIadd, sh, c.arg(0));
}

// Unsigned quotient of x by a constant d >= 3 that is not a power of two, without a division
// instruction:
//  - d >= 2^(n-1): the quotient is 1 if x >= d, else 0, because x < 2^n < 2d;
//  - other d (i32, i64): multiply-high by unsigned_magic's multiplier, then its shift (and for
//    the add form the halving correction). An i32 multiply-high is a 64-bit product of the
//    zero-extended operands (both below 2^32); an i64 one is the high half of a 128-bit
//    product, which the backend makes one widening mul.
// Returns the quotient value, or nothing if no sequence applies (i8/i16 magic).
std::optional<Value> udiv_sequence(Ctx& c, Value x, uint64_t d) {
  Type t = c.type_of(x);
  uint32_t n = t.bits();
  if (d >> (n - 1)) {
    Value ge = c.make_icmp(IntCC::kUge, x, c.make_const(t, static_cast<int64_t>(d)));
    return c.make_unary(Opcode::kUextend, ge, t);
  }
  if (n != 32 && n != 64) return std::nullopt;
  UnsignedMagic m = unsigned_magic(d, n);
  const int64_t mult = static_cast<int64_t>(m.multiplier);
  Value hi;
  if (n == 32) {
    Value prod = c.make_binary(Opcode::kImul, c.make_unary(Opcode::kUextend, x, kI64), c.make_const(kI64, mult));
    if (!m.add) {
      // The whole shift at once on the 64-bit product: bits 32 + l and up are the quotient.
      Value q = c.make_binary(Opcode::kUshr, prod, c.make_const(kI64, 32 + m.shift));
      return c.make_unary(Opcode::kIreduce, q, kI32);
    }
    hi = c.make_unary(Opcode::kIreduce, c.make_binary(Opcode::kUshr, prod, c.make_const(kI64, 32)), kI32);
  } else {
    Value wide = c.make_unary(Opcode::kUextend, x, kI128);
    Value mw = c.make_unary(Opcode::kUextend, c.make_const(kI64, mult), kI128);
    hi = c.results_of(c.make_isplit(c.make_binary(Opcode::kImul, wide, mw)))[1];
    if (!m.add) return c.make_binary(Opcode::kUshr, hi, c.make_const(t, m.shift));
  }
  Value half = c.make_binary(Opcode::kUshr, c.make_binary(Opcode::kIsub, x, hi), c.make_const(t, 1));
  Value sum = c.make_binary(Opcode::kIadd, half, hi);
  return c.make_binary(Opcode::kUshr, sum, c.make_const(t, m.shift));
}

// udiv x, 1 == x; udiv x, 2^k == x >> k (logical); other constant divisors use udiv_sequence.
// The divisor is a nonzero constant, so the original cannot trap.
bool udiv_const(Ctx& c) {
  auto y = c.arg_const(1);
  Type t = c.result_type();
  if (!y) return false;
  uint64_t d = static_cast<uint64_t>(*y) & umax(t.bits());
  if (d == 0) return false;
  if (d == 1) return c.replace(c.arg(0));
  if (int k = log2_exact(d); k > 0) return c.become_binary(Opcode::kUshr, c.arg(0), c.make_const(t, k));
  auto q = udiv_sequence(c, c.arg(0), d);
  if (!q) return false;
  return c.replace(*q);
}

// urem x, 1 == 0; urem x, 2^k == x & (2^k - 1): the remainder keeps the low k bits; other
// constants: x - udiv(x, d) * d. Nonzero constant divisor, so no trap is removed.
bool urem_const(Ctx& c) {
  auto y = c.arg_const(1);
  Type t = c.result_type();
  if (!y) return false;
  uint64_t d = static_cast<uint64_t>(*y) & umax(t.bits());
  if (d == 0) return false;
  if (d == 1) return c.become_const(t, 0);
  if (int k = log2_exact(d); k > 0) {
    return c.become_binary(Opcode::kBand, c.arg(0), c.make_const(t, static_cast<int64_t>(d - 1)));
  }
  auto q = udiv_sequence(c, c.arg(0), d);
  if (!q) return false;
  Value prod = c.make_binary(Opcode::kImul, *q, c.arg(1));
  return c.become_binary(Opcode::kIsub, c.arg(0), prod);
}

// Signed quotient of x by a constant d (not 0, 1 or -1), truncating toward zero, without a
// division instruction; the caller has checked d so that the original cannot trap.
//  - d == MIN: the quotient is 1 exactly when x == MIN (|x| < |MIN| otherwise).
//  - d == +-2^k: add 2^k - 1 to negative x (the bias makes the shift round toward zero), shift
//    right arithmetically by k, and negate for negative d.
//  - other d (i32, i64): multiply-high by a magic number (Hacker's Delight 10-1), with the
//    add/sub correction, then add 1 to negative quotients (the floor -> trunc fix).
// Returns the quotient value, or nothing if no sequence applies (i8/i16 magic).
std::optional<Value> sdiv_sequence(Ctx& c, Value x, int64_t d) {
  Type t = c.type_of(x);
  uint32_t n = t.bits();
  if (d == smin(n)) {
    Value eq = c.make_icmp(IntCC::kEq, x, c.make_const(t, d));
    return c.make_unary(Opcode::kUextend, eq, t);
  }
  uint64_t ad = d < 0 ? 0 - static_cast<uint64_t>(d) : static_cast<uint64_t>(d);
  if (int k = log2_exact(ad); k > 0) {
    Value sign = c.make_binary(Opcode::kSshr, x, c.make_const(t, n - 1));
    Value bias = c.make_binary(Opcode::kUshr, sign, c.make_const(t, n - k));
    Value sum = c.make_binary(Opcode::kIadd, x, bias);
    Value q = c.make_binary(Opcode::kSshr, sum, c.make_const(t, k));
    if (d < 0) q = c.make_unary(Opcode::kIneg, q);
    return q;
  }
  if (n != 32 && n != 64) return std::nullopt;
  SignedMagic m = signed_magic(d, n);
  Value q;
  if (n == 32) {
    Value wide = c.make_unary(Opcode::kSextend, x, kI64);
    Value prod = c.make_binary(Opcode::kImul, wide, c.make_const(kI64, m.multiplier));
    Value hi = c.make_binary(Opcode::kSshr, prod, c.make_const(kI64, 32));
    q = c.make_unary(Opcode::kIreduce, hi, kI32);
  } else {
    Value wide = c.make_unary(Opcode::kSextend, x, kI128);
    Value mw = c.make_unary(Opcode::kSextend, c.make_const(kI64, m.multiplier), kI128);
    Value prod = c.make_binary(Opcode::kImul, wide, mw);
    q = c.results_of(c.make_isplit(prod))[1];
  }
  if (d > 0 && m.multiplier < 0) q = c.make_binary(Opcode::kIadd, q, x);
  if (d < 0 && m.multiplier > 0) q = c.make_binary(Opcode::kIsub, q, x);
  if (m.shift > 0) q = c.make_binary(Opcode::kSshr, q, c.make_const(t, m.shift));
  Value neg = c.make_binary(Opcode::kUshr, q, c.make_const(t, n - 1));
  return c.make_binary(Opcode::kIadd, q, neg);
}

// sdiv x, 1 == x; sdiv x, d for any other constant except 0 and -1 (which can trap and are
// left alone) becomes the multiply/shift sequence of sdiv_sequence.
bool sdiv_const(Ctx& c) {
  auto y = c.arg_const(1);
  if (!y || *y == 0 || *y == -1) return false;
  if (*y == 1) return c.replace(c.arg(0));
  auto q = sdiv_sequence(c, c.arg(0), *y);
  if (!q) return false;
  return c.replace(*q);
}

// srem x, +-1 == 0 (srem never traps on MIN % -1 in Wasm semantics); srem x, d for other
// nonzero constants is x - sdiv(x, d) * d (the remainder has the dividend's sign, as with
// truncating division); for d = +-2^k the product is (quotient << k) with the sign of d
// irrelevant: x - ((x + bias) & -2^k).
bool srem_const(Ctx& c) {
  auto y = c.arg_const(1);
  if (!y || *y == 0) return false;
  Type t = c.result_type();
  uint32_t n = t.bits();
  int64_t d = *y;
  if (d == 1 || d == -1) return c.become_const(t, 0);
  Value x = c.arg(0);
  uint64_t ad = d < 0 ? 0 - static_cast<uint64_t>(d) : static_cast<uint64_t>(d);
  if (int k = log2_exact(ad); k > 0 && d != smin(n)) {
    Value sign = c.make_binary(Opcode::kSshr, x, c.make_const(t, n - 1));
    Value bias = c.make_binary(Opcode::kUshr, sign, c.make_const(t, n - k));
    Value sum = c.make_binary(Opcode::kIadd, x, bias);
    Value rounded = c.make_binary(Opcode::kBand, sum, c.make_const(t, -static_cast<int64_t>(ad)));
    return c.become_binary(Opcode::kIsub, x, rounded);
  }
  auto q = sdiv_sequence(c, x, d);
  if (!q) return false;
  Value prod = c.make_binary(Opcode::kImul, *q, c.arg(1));
  return c.become_binary(Opcode::kIsub, x, prod);
}

// x & 0 == 0; x & -1 == x; x & x == x.
bool band_rules(Ctx& c) {
  Type t = c.result_type();
  if (c.arg(0) == c.arg(1)) return c.replace(c.arg(0));
  auto y = c.arg_const(1);
  if (!y) return false;
  uint64_t m = umax(t.bits());
  if ((static_cast<uint64_t>(*y) & m) == 0) return c.become_const(t, 0);
  if ((static_cast<uint64_t>(*y) & m) == m) return c.replace(c.arg(0));
  return false;
}

// x | -1 == -1; x | x == x (x | 0 is identity_zero).
bool bor_rules(Ctx& c) {
  Type t = c.result_type();
  if (c.arg(0) == c.arg(1)) return c.replace(c.arg(0));
  auto y = c.arg_const(1);
  if (y && (static_cast<uint64_t>(*y) & umax(t.bits())) == umax(t.bits())) {
    return c.become_const(t, -1);
  }
  return false;
}

// x ^ x == 0.
bool bxor_self(Ctx& c) {
  if (c.arg(0) != c.arg(1)) return false;
  return c.become_const(c.result_type(), 0);
}

// bnot(bnot x) == x; ineg(ineg x) == x (both are involutions modulo 2^n).
bool involution(Ctx& c) {
  auto in = c.def(c.arg(0), c.op());
  if (!in) return false;
  return c.replace(in->args[0]);
}

// Shift and rotate amounts are taken modulo the width: an amount of 0 mod n is the identity,
// and a constant amount >= n is reduced mod n so later rules and the lowering see 0..n-1.
bool shift_amount(Ctx& c) {
  auto y = c.arg_const(1);
  if (!y) return false;
  uint32_t n = c.result_type().bits();
  uint64_t amt = static_cast<uint64_t>(*y) & umax(c.type_of(c.arg(1)).bits());
  if (amt % n == 0) return c.replace(c.arg(0));
  if (amt < n) return false;
  return c.become_binary(c.op(), c.arg(0), c.make_const(c.type_of(c.arg(1)), static_cast<int64_t>(amt % n)));
}

// (x << a) << b == x << (a + b) for constant a, b in 0..n-1 (after shift_amount): the bits
// simply move further; if a + b >= n every bit is shifted out and the result is 0. Same for
// ushr. For sshr the sign fills in, so the total clamps at n - 1.
bool shift_of_shift(Ctx& c) {
  auto b = c.arg_const(1);
  auto in = c.def(c.arg(0), c.op());
  if (!b || !in) return false;
  auto a = c.iconst(in->args[1]);
  Type t = c.result_type();
  uint32_t n = t.bits();
  if (!a) return false;
  uint64_t ua = static_cast<uint64_t>(*a) & umax(c.type_of(in->args[1]).bits());
  uint64_t ub = static_cast<uint64_t>(*b) & umax(c.type_of(c.arg(1)).bits());
  if (ua >= n || ub >= n) return false;  // shift_amount normalizes these first
  uint64_t total = ua + ub;
  if (total >= n) {
    if (c.op() != Opcode::kSshr) return c.become_const(t, 0);
    total = n - 1;
  }
  return c.become_binary(c.op(), in->args[0], c.make_const(t, static_cast<int64_t>(total)));
}

// Comparisons: constants go right (c < x <=> x > c); x cmp x is decided by reflexivity;
// comparisons against the ends of the unsigned or signed range are decided or become
// equality tests (x <u 0 never holds, x >u 0 <=> x != 0, x <=s MAX always holds, ...).
bool icmp_rules(Ctx& c) {
  Type t = c.type_of(c.arg(0));
  if (!scalar_int(t)) return false;
  IntCC cc = c.d().intcc();
  uint32_t n = t.bits();
  if (c.arg(0) == c.arg(1)) {
    bool r = cc == IntCC::kEq || cc == IntCC::kSle || cc == IntCC::kSge || cc == IntCC::kUle ||
             cc == IntCC::kUge;
    return c.become_const(kI8, r ? 1 : 0);
  }
  if (c.arg_const(0) && !c.arg_const(1)) {
    InstData nd = Ctx::binary_data(Opcode::kIcmp, c.arg(1), c.arg(0));
    nd.aux = static_cast<uint32_t>(intcc_swap_args(cc));
    return c.become(nd);
  }
  auto y = c.arg_const(1);
  if (!y) return false;
  // A compare's result is 0 or 1: icmp ne (uextend? b), 0 is b, and icmp eq (uextend? b), 0 is
  // the inverted compare (Wasm's `f64.lt; i32.eqz; br_if` becomes one fcmp uge).
  if ((cc == IntCC::kEq || cc == IntCC::kNe) && *y == 0) {
    Value b = c.arg(0);
    if (auto e = c.def(b, Opcode::kUextend)) b = e->args[0];
    if (c.type_of(b) == kI8) {
      auto ic = c.def(b, Opcode::kIcmp);
      auto fc = ic ? std::nullopt : c.def(b, Opcode::kFcmp);
      if (ic || fc) {
        if (cc == IntCC::kNe) return c.replace(b);
        const auto& in = ic ? *ic : *fc;
        InstData nd = Ctx::binary_data(ic ? Opcode::kIcmp : Opcode::kFcmp, in.args[0], in.args[1]);
        nd.aux = ic ? static_cast<uint32_t>(intcc_inverse(in.intcc()))
                    : static_cast<uint32_t>(floatcc_inverse(in.floatcc()));
        return c.become(nd);
      }
    }
  }
  uint64_t uy = static_cast<uint64_t>(*y) & umax(n);
  int64_t sy = sext(uy, n);
  auto with_cc = [&](IntCC ncc) {
    InstData nd = Ctx::binary_data(Opcode::kIcmp, c.arg(0), c.arg(1));
    nd.aux = static_cast<uint32_t>(ncc);
    return c.become(nd);
  };
  switch (cc) {
    case IntCC::kUlt: if (uy == 0) return c.become_const(kI8, 0); break;
    case IntCC::kUge: if (uy == 0) return c.become_const(kI8, 1); break;
    case IntCC::kUgt:
      if (uy == 0) return with_cc(IntCC::kNe);
      if (uy == umax(n)) return c.become_const(kI8, 0);
      break;
    case IntCC::kUle:
      if (uy == 0) return with_cc(IntCC::kEq);
      if (uy == umax(n)) return c.become_const(kI8, 1);
      break;
    case IntCC::kSlt: if (sy == smin(n)) return c.become_const(kI8, 0); break;
    case IntCC::kSge: if (sy == smin(n)) return c.become_const(kI8, 1); break;
    case IntCC::kSgt: if (sy == smax(n)) return c.become_const(kI8, 0); break;
    case IntCC::kSle: if (sy == smax(n)) return c.become_const(kI8, 1); break;
    default: break;
  }
  return false;
}

// select c, x, x == x whatever c is; select on a constant picks its operand statically.
bool select_rules(Ctx& c) {
  if (c.arg(1) == c.arg(2)) return c.replace(c.arg(1));
  if (auto k = c.arg_const(0)) return c.replace(c.arg(*k != 0 ? 1 : 2));
  return false;
}

// Extensions of extensions: uextend(uextend x) == uextend x and sextend(sextend x) == sextend x
// (the intermediate width adds nothing); sextend(uextend x) == uextend x because the inner
// uextend widened, so the intermediate sign bit is 0.
bool extend_of_extend(Ctx& c) {
  Type t = c.result_type();
  if (auto in = c.def(c.arg(0), Opcode::kUextend)) {
    return c.become_unary(Opcode::kUextend, in->args[0], t);
  }
  if (c.op() == Opcode::kSextend) {
    if (auto in = c.def(c.arg(0), Opcode::kSextend)) {
      return c.become_unary(Opcode::kSextend, in->args[0], t);
    }
  }
  return false;
}

// ireduce of an extension: back to the original type it is the original value; narrower,
// it is the ireduce of the original (the low bits were never changed); wider, it is the same
// extension to the smaller type. ireduce(ireduce x) == ireduce x (low bits of low bits).
bool ireduce_rules(Ctx& c) {
  Type t = c.result_type();
  auto in = c.def(c.arg(0), Opcode::kUextend);
  if (!in) in = c.def(c.arg(0), Opcode::kSextend);
  if (in) {
    Type src = c.type_of(in->args[0]);
    if (src == t) return c.replace(in->args[0]);
    if (src.bits() > t.bits()) return c.become_unary(Opcode::kIreduce, in->args[0], t);
    return c.become_unary(in->opcode, in->args[0], t);
  }
  if (auto r = c.def(c.arg(0), Opcode::kIreduce)) {
    return c.become_unary(Opcode::kIreduce, r->args[0], t);
  }
  return false;
}

// brif/trapz/trapnz test a scalar for nonzero: icmp ne x, 0 and uextend x are nonzero exactly
// when x is, so the test can use x directly.
bool test_of_nonzero(Ctx& c) {
  Value v = c.arg(0);
  Value inner;
  if (auto e = c.def(v, Opcode::kUextend)) {
    inner = e->args[0];
  } else if (auto cmp = c.def(v, Opcode::kIcmp)) {
    auto z = c.iconst(cmp->args[1]);
    if (cmp->intcc() == IntCC::kNe && z && *z == 0 && scalar_int(c.type_of(cmp->args[0]))) {
      inner = cmp->args[0];
    }
  }
  if (!inner) return false;
  InstData nd = c.d();
  nd.args[0] = inner;
  return c.become(nd);
}

using RuleFn = bool (*)(Ctx&);
struct Rule {
  Opcode op;
  const char* name;
  RuleFn fn;
};

// The table, tried in order for the instruction's opcode. Canonicalizing rules come first so
// that later ones see one shape.
constexpr Rule kRules[] = {
    {Opcode::kIadd, "iadd_const_right", const_to_right},
    {Opcode::kIadd, "iadd_zero", identity_zero},
    {Opcode::kIadd, "iadd_reassociate", iadd_reassociate},
    {Opcode::kIsub, "isub_zero", identity_zero},
    {Opcode::kIsub, "isub_self", isub_self},
    {Opcode::kIsub, "isub_const", isub_const},
    {Opcode::kIsub, "isub_from_zero", isub_from_zero},
    {Opcode::kImul, "imul_const_right", const_to_right},
    {Opcode::kImul, "imul_small", imul_small},
    {Opcode::kImul, "imul_pow2", imul_pow2},
    {Opcode::kImul, "imul_lea", imul_lea},
    {Opcode::kUdiv, "udiv_const", udiv_const},
    {Opcode::kUrem, "urem_const", urem_const},
    {Opcode::kSdiv, "sdiv_const", sdiv_const},
    {Opcode::kSrem, "srem_const", srem_const},
    {Opcode::kBand, "band_const_right", const_to_right},
    {Opcode::kBand, "band_rules", band_rules},
    {Opcode::kBor, "bor_const_right", const_to_right},
    {Opcode::kBor, "bor_zero", identity_zero},
    {Opcode::kBor, "bor_rules", bor_rules},
    {Opcode::kBxor, "bxor_const_right", const_to_right},
    {Opcode::kBxor, "bxor_zero", identity_zero},
    {Opcode::kBxor, "bxor_self", bxor_self},
    {Opcode::kBnot, "bnot_bnot", involution},
    {Opcode::kIneg, "ineg_ineg", involution},
    {Opcode::kIshl, "shift_amount", shift_amount},
    {Opcode::kIshl, "ishl_ishl", shift_of_shift},
    {Opcode::kUshr, "shift_amount", shift_amount},
    {Opcode::kUshr, "ushr_ushr", shift_of_shift},
    {Opcode::kSshr, "shift_amount", shift_amount},
    {Opcode::kSshr, "sshr_sshr", shift_of_shift},
    {Opcode::kRotl, "shift_amount", shift_amount},
    {Opcode::kRotr, "shift_amount", shift_amount},
    {Opcode::kIcmp, "icmp_rules", icmp_rules},
    {Opcode::kSelect, "select_rules", select_rules},
    {Opcode::kUextend, "extend_of_extend", extend_of_extend},
    {Opcode::kSextend, "extend_of_extend", extend_of_extend},
    {Opcode::kIreduce, "ireduce_rules", ireduce_rules},
    {Opcode::kBrif, "brif_test", test_of_nonzero},
    {Opcode::kTrapz, "trapz_test", test_of_nonzero},
    {Opcode::kTrapnz, "trapnz_test", test_of_nonzero},
};

// The span of kRules holding each opcode's rules (first == end: none), so that an
// instruction is matched against its own rules only, in table order.
struct RuleRange {
  uint16_t first = 0, end = 0;
};
constexpr auto kRuleRanges = [] {
  std::array<RuleRange, kNumOpcodes> r{};
  for (size_t k = std::size(kRules); k-- > 0;) {
    RuleRange& e = r[static_cast<size_t>(kRules[k].op)];
    if (e.end == 0) e.end = static_cast<uint16_t>(k + 1);
    e.first = static_cast<uint16_t>(k);
  }
  return r;
}();

}  // namespace

const std::array<bool, kNumOpcodes> kOpcodeHasRules = [] {
  std::array<bool, kNumOpcodes> has{};
  for (const Rule& r : kRules) has[static_cast<size_t>(r.op)] = true;
  return has;
}();

namespace {

// Opcodes whose rules need a scalar integer result (the others check their own types).
bool needs_scalar_int_result(Opcode op) {
  switch (op) {
    case Opcode::kIcmp: case Opcode::kBrif: case Opcode::kTrapz: case Opcode::kTrapnz:
      return false;
    case Opcode::kSelect:
      return false;
    default:
      return true;
  }
}

}  // namespace

bool apply_rules(Function& f, Inst i) {
  Opcode op = f.dfg[i].opcode;
  const RuleRange range = kRuleRanges[static_cast<size_t>(op)];
  if (range.first == range.end) return false;  // most opcodes have no rules
  const bool scalar = needs_scalar_int_result(op);
  if (scalar) {
    auto results = f.dfg.inst_results(i);
    if (results.size() != 1 || !scalar_int(f.dfg.value_type(results[0]))) return false;
  }
  Ctx c(f, i);  // one for every rule tried: the operands are resolved once
  if (scalar) {
    // Operands of the scalar rules must be scalar integers too (extensions from i128 aside).
    const size_t n = f.dfg.fixed_args(i).size();
    for (size_t k = 0; k < n; ++k) {
      if (!scalar_int(f.dfg.value_type(c.arg(k)))) return false;
    }
  }
  for (uint32_t k = range.first; k < range.end; ++k) {
    const Rule& r = kRules[k];
    if (r.op != op) continue;
    if (r.fn(c)) return true;
  }
  return false;
}

}  // namespace kiln::codegen::opt
