// codegen/opt/wide_mul.cc: the 64x64->128-bit multiply written with 32-bit halves.
//
// Wasm has no 64x64->128 multiply, so compiler-rt's __multi3 (mul_ddu / __mulddi3), Go's
// bits.Mul64 and Hacker's Delight's mulhu compute the 128-bit product of two i64 values a and b
// from 32-bit pieces. With M = 2^32 - 1, aL = a & M, aH = a >> 32 (and the same for b):
//
//   ll = aL * bL
//   t  = (ll >> 32) + P1         P1, P2: the cross products aL * bH and aH * bL, in either
//   t2 = (t & M) + P2            order, each with its operands in either order
//   low  = (t2 << 32) | (ll & M)                       == a * b mod 2^64
//   high = aH * bH + (t >> 32) + (t2 >> 32)            == (a * b) >> 64
//
// Why it is exact, for all a and b: every product of two 32-bit halves is at most (2^32-1)^2,
// so t <= (2^32-1) + (2^32-1)^2 < 2^64 and likewise t2: nothing wraps. Then
//   a * b = aH*bH 2^64 + (P1 + P2) 2^32 + ll
//         = aH*bH 2^64 + P2 2^32 + t 2^32 + (ll & M)                 (ll = (ll>>32) 2^32 + (ll&M))
//         = (aH*bH + (t>>32)) 2^64 + t2 2^32 + (ll & M)              (t = (t>>32) 2^32 + (t&M))
//         = (aH*bH + (t>>32) + (t2>>32)) 2^64 + (t2 & M) 2^32 + (ll & M),
// so the low word is (t2 << 32) | (ll & M) (disjoint bits: `|`, `+` and `^` agree) and the
// high word is the sum of the three terms, which is below 2^64.
//
// The other common form (Rust's compiler-builtins __multi3, LLVM's own expansion) adds the two
// cross products in 64 bits and recovers the carries with compares:
//
//   mid  = P1 + P2                                      (wrapping; c1 = mid < P1: its carry)
//   low  = ll + (mid << 32)                             (wrapping; c2 = low < ll: its carry)
//   high = aH * bH + ((c1 << 32) | (mid >> 32)) + c2
//
// exact because P1 + P2 = mid + c1 2^64 and ll + (mid mod 2^32) 2^32 = low + c2 2^64, so
// a * b = ll + (P1 + P2) 2^32 + aH*bH 2^64 = low + (aH*bH + (mid >> 32) + c1 2^32 + c2) 2^64.
// A carry is accepted as `sum < x` or `x > sum` for x either addend of the sum's iadd (an
// unsigned wrapping sum is below either addend exactly when it wrapped), zero-extended.
//
// The rewrite (`low` alone, the high word alone, or both; what matches is rewritten):
//  - low becomes `imul a, b` in place (same value; the instruction's other users keep it).
//  - the high word: the three terms are leaves of an add tree (__multi3 adds its cross terms
//    a_lo*b_hi + a_hi*b_lo of the 128-bit operands to the same sum). When each of the three
//    is used only once, in the same tree of iadds whose inner nodes are each used only by their
//    parent, the slot of aH*bH gets the high half of the i128 product
//    isplit(imul(uextend.i128 a, uextend.i128 b)) and the two shifts' slots get 0: the tree's
//    sum, the only value of it that anything else sees, is unchanged. Simplify and DCE remove
//    the `+ 0` and the dead 32-bit pieces; the x64 lowering makes the i128 multiply of two
//    zero-extended values a single `mul`. In the carry form the terms are aH*bH, c2, and
//    (c1 << 32) | (mid >> 32) as one term or (with `+`) the two as two terms.
// Everything is matched by value (a, b, t, ll are the same SSA values at every use), through
// commuted operands and either association of the cross products; an almost-matching shape
// (another mask or shift amount, a term used twice, a term outside the tree) is left alone.
//
// Cost: one scan of the instruction table that stops at the first `imul` of two 32-bit low
// halves (~0.1% of sqlite3's -O2 compile); functions without one (nearly all) pay nothing
// else. Otherwise one use-count walk and a bounded tree walk per candidate high word.
#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include "codegen/opt/inserter.h"
#include "codegen/opt/passes.h"
#include "codegen/opt/util.h"

namespace kiln::codegen::opt {

using namespace ir;

namespace {

constexpr int64_t kLowMask = 0xffffffff;
// The add trees looked at: at most this many iadd nodes (climbing to the root, and in the
// tree below it), so a long chain of sums costs a bounded amount per candidate.
constexpr uint32_t kMaxTreeNodes = 32;

// A 32-bit half of a 64-bit value: x & M (or uextend.i64(ireduce.i32 x)), or x >> 32.
enum class Half : uint8_t { kLo, kHi };
struct HalfOf {
  Half half;
  Value root;
  bool operator==(const HalfOf&) const = default;
};

// The values of the matched computation (see the top of the file).
struct Core {
  Value a, b;  // the 64-bit operands (a from ll's first operand)
  Value ll;    // aL * bL
  Value t;     // (ll >> 32) + P1
};
// The carry form's sum of the cross products: mid = P1 + P2 = aL*bH + aH*bL.
struct Mid {
  Value a, b;
  Value mid;
};

class WideMul {
 public:
  explicit WideMul(Function& f) : f_(f), dfg_(f.dfg) {}

  bool run();

 private:
  Value res(Value v) const { return dfg_.resolve_aliases(v); }
  Type type_of(Value v) const { return dfg_.value_type(res(v)); }
  // The instruction defining v if it has opcode op and an i64 result.
  const InstData* def_i64(Value v, Opcode op) const {
    v = res(v);
    Inst i = dfg_.value_inst(v);
    if (!i || dfg_[i].opcode != op || dfg_.value_type(v) != kI64) return nullptr;
    return &dfg_[i];
  }
  bool is_const(Value v, int64_t c) const {
    auto k = int_constant_of(dfg_, res(v));
    return k && *k == c;
  }
  // A shift amount of 32 for a 64-bit shift (amounts are taken modulo 64).
  bool is_shift32(Value v) const {
    auto k = int_constant_of(dfg_, res(v));
    return k && (static_cast<uint64_t>(*k) & 63) == 32;
  }

  // x when v == x & M for an i64 x.
  std::optional<Value> lo32(Value v) const {
    if (const InstData* d = def_i64(v, Opcode::kBand)) {
      if (is_const(d->args[1], kLowMask)) return res(d->args[0]);
      if (is_const(d->args[0], kLowMask)) return res(d->args[1]);
      return std::nullopt;
    }
    if (const InstData* d = def_i64(v, Opcode::kUextend)) {
      Value n = res(d->args[0]);
      Inst ni = dfg_.value_inst(n);
      if (!ni || dfg_[ni].opcode != Opcode::kIreduce || dfg_.value_type(n) != kI32) return std::nullopt;
      Value x = res(dfg_[ni].args[0]);
      if (type_of(x) == kI64) return x;
    }
    return std::nullopt;
  }
  // x when v == x >> 32 (logical) for an i64 x.
  std::optional<Value> hi32(Value v) const {
    const InstData* d = def_i64(v, Opcode::kUshr);
    if (!d || !is_shift32(d->args[1])) return std::nullopt;
    return res(d->args[0]);
  }
  std::optional<HalfOf> half_of(Value v) const {
    if (auto x = lo32(v)) return HalfOf{Half::kLo, *x};
    if (auto x = hi32(v)) return HalfOf{Half::kHi, *x};
    return std::nullopt;
  }
  // Whether v is the product p * q of the two halves (in either operand order).
  bool is_product(Value v, HalfOf p, HalfOf q) const {
    const InstData* d = def_i64(v, Opcode::kImul);
    if (!d) return false;
    auto x = half_of(d->args[0]), y = half_of(d->args[1]);
    if (!x || !y) return false;
    return (*x == p && *y == q) || (*x == q && *y == p);
  }
  // ll = aL * bL: its operands a, b.
  std::optional<std::array<Value, 2>> low_product(Value ll) const {
    const InstData* d = def_i64(ll, Opcode::kImul);
    if (!d) return std::nullopt;
    auto x = lo32(d->args[0]), y = lo32(d->args[1]);
    if (!x || !y) return std::nullopt;
    return std::array<Value, 2>{*x, *y};
  }
  // The core when v is t2 = (t & M) + P2 with t = (ll >> 32) + P1 (any operand orders).
  std::optional<Core> match_t2(Value v) const;
  // The carry form's mid = aL*bH + aH*bL (any operand orders).
  std::optional<Mid> match_mid(Value v) const;
  // Whether v is the carry of the wrapping add `sum` (an i64 iadd): (sum < x) or (x > sum) for
  // x one of its addends, zero-extended (through any chain of uextends) to i64.
  bool is_carry_of(Value v, Value sum) const;
  // Whether v is ll + (mid << 32) (either order; ll = aL * bL of m's a and b): the carry form's
  // low word.
  bool is_carry_low(Value v, const Mid& m) const;

  // Use counts of the values of the function when count_uses() ran (values made later have
  // none), and each value's last user.
  void count_uses();
  uint32_t uses_of(Value v) const {
    v = res(v);
    return v.index() < uses_.size() ? uses_[v.index()] : 0;
  }
  Inst user_of(Value v) const { return users_[res(v).index()]; }
  // An iadd of i64 (a node of an add tree).
  bool is_add_node(Inst i) const {
    return i && dfg_[i].opcode == Opcode::kIadd && dfg_.value_type(dfg_.first_result(i)) == kI64;
  }

  // A slot of an add tree: operand k of iadd `node`.
  struct Slot {
    Inst node;
    int k;
  };
  // The add tree around the single-use term `leaf`: up from its user through iadds used only by
  // their parent to the root, then down from the root to every leaf, calling visit(x, slot) on
  // each single-use leaf. False if `leaf` is not a single-use operand of an iadd or the tree is
  // larger than kMaxTreeNodes.
  template <typename Visit>
  bool for_each_leaf(Value leaf, Visit&& visit) const;
  // Gives the slot of aH*bH the high half of the i128 product of a and b and the slots of the
  // other terms 0.
  void replace_terms(Value a, Value b, Slot product, std::initializer_list<Slot> zeros);

  // Rewrites the high word whose term t2 >> 32 is `s2` (see the top of the file).
  bool rewrite_high(Value s2, const Core& c);
  // Rewrites the carry form's high word whose term mid >> 32 is `s`.
  bool rewrite_high_carry(Value s, const Mid& m);
  // Rewrites the low word `low`, (t2 << 32) | (ll & M) or ll + (mid << 32), to imul a, b.
  bool rewrite_low(Inst low);
  bool become_product(Inst i, Value a, Value b);

  Function& f_;
  DataFlowGraph& dfg_;
  // Per thread, reused by every run (runs never nest).
  static thread_local std::vector<uint32_t> uses_;
  static thread_local std::vector<Inst> users_;
};

thread_local std::vector<uint32_t> WideMul::uses_;
thread_local std::vector<Inst> WideMul::users_;

std::optional<Core> WideMul::match_t2(Value v) const {
  const InstData* t2 = def_i64(v, Opcode::kIadd);
  if (!t2) return std::nullopt;
  for (int k = 0; k < 2; ++k) {
    auto t = lo32(t2->args[k]);  // t & M
    if (!t) continue;
    const Value p2 = t2->args[1 - k];
    const InstData* td = def_i64(*t, Opcode::kIadd);
    if (!td) continue;
    for (int j = 0; j < 2; ++j) {
      auto ll = hi32(td->args[j]);  // ll >> 32
      if (!ll) continue;
      const Value p1 = td->args[1 - j];
      auto ab = low_product(*ll);
      if (!ab) continue;
      const Value a = (*ab)[0], b = (*ab)[1];
      // {P1, P2} == {aL * bH, aH * bL}. When a == b both are aL * aH: either way is the sum.
      const HalfOf al{Half::kLo, a}, ah{Half::kHi, a}, bl{Half::kLo, b}, bh{Half::kHi, b};
      bool cross = (is_product(p1, al, bh) && is_product(p2, ah, bl)) ||
                   (is_product(p1, ah, bl) && is_product(p2, al, bh));
      if (cross) return Core{a, b, *ll, *t};
    }
  }
  return std::nullopt;
}

std::optional<Mid> WideMul::match_mid(Value v) const {
  const InstData* d = def_i64(v, Opcode::kIadd);
  if (!d) return std::nullopt;
  for (int k = 0; k < 2; ++k) {
    // P1 = aL * bH names a and b; P2 must then be aH * bL.
    const InstData* p1 = def_i64(d->args[k], Opcode::kImul);
    if (!p1) continue;
    auto x = half_of(p1->args[0]), y = half_of(p1->args[1]);
    if (!x || !y || x->half == y->half) continue;
    const Value a = x->half == Half::kLo ? x->root : y->root;
    const Value b = x->half == Half::kLo ? y->root : x->root;
    if (is_product(d->args[1 - k], HalfOf{Half::kHi, a}, HalfOf{Half::kLo, b})) return Mid{a, b, res(v)};
  }
  return std::nullopt;
}

bool WideMul::is_carry_of(Value v, Value sum) const {
  v = res(v);
  if (type_of(v) != kI64) return false;
  for (;;) {
    Inst i = dfg_.value_inst(v);
    if (!i) return false;
    const InstData& d = dfg_[i];
    if (d.opcode == Opcode::kUextend) {
      v = res(d.args[0]);
      continue;
    }
    if (d.opcode != Opcode::kIcmp) return false;
    const InstData* add = def_i64(sum, Opcode::kIadd);
    if (!add) return false;
    Value lhs = res(d.args[0]), rhs = res(d.args[1]);
    if (d.intcc() == IntCC::kUgt) std::swap(lhs, rhs);
    else if (d.intcc() != IntCC::kUlt) return false;
    return lhs == res(sum) && (rhs == res(add->args[0]) || rhs == res(add->args[1]));
  }
}

bool WideMul::is_carry_low(Value v, const Mid& m) const {
  const InstData* d = def_i64(v, Opcode::kIadd);
  if (!d) return false;
  for (int k = 0; k < 2; ++k) {
    const InstData* sh = def_i64(d->args[k], Opcode::kIshl);
    if (!sh || !is_shift32(sh->args[1]) || res(sh->args[0]) != m.mid) continue;
    auto ab = low_product(d->args[1 - k]);
    if (ab && (((*ab)[0] == m.a && (*ab)[1] == m.b) || ((*ab)[0] == m.b && (*ab)[1] == m.a))) return true;
  }
  return false;
}

void WideMul::count_uses() {
  uses_.assign(dfg_.num_values(), 0);
  users_.assign(dfg_.num_values(), Inst());
  for (Block blk : f_.layout.blocks()) {
    for (Inst i : f_.layout.insts(blk)) {
      for_each_operand(dfg_, i, [&](Value& v) {
        Value r = res(v);
        uses_[r.index()]++;
        users_[r.index()] = i;
      });
    }
  }
}

template <typename Visit>
bool WideMul::for_each_leaf(Value leaf, Visit&& visit) const {
  if (uses_of(leaf) != 1 || !is_add_node(user_of(leaf))) return false;
  // The root: up from the node using the leaf through iadds used only by their parent iadd.
  Inst root = user_of(leaf);
  for (uint32_t n = 0;; ++n) {
    if (n == kMaxTreeNodes) return false;
    Value r = dfg_.first_result(root);
    if (uses_of(r) != 1 || !is_add_node(user_of(r))) break;
    root = user_of(r);
  }
  // The leaves under it: an operand that is itself an iadd used only here is an inner node.
  Inst stack[kMaxTreeNodes];
  uint32_t depth = 0, visited = 0;
  stack[depth++] = root;
  while (depth > 0) {
    Inst node = stack[--depth];
    if (++visited > kMaxTreeNodes) return false;
    for (int k = 0; k < 2; ++k) {
      Value x = res(dfg_[node].args[k]);
      if (uses_of(x) != 1) continue;  // a term used elsewhere too stays
      Inst xi = dfg_.value_inst(x);
      if (is_add_node(xi)) {
        if (depth == kMaxTreeNodes) return false;
        stack[depth++] = xi;
      } else {
        visit(x, Slot{node, k});
      }
    }
  }
  return true;
}

void WideMul::replace_terms(Value a, Value b, Slot product, std::initializer_list<Slot> zeros) {
  // Computed where the product's slot is: a and b dominate aH*bH, which dominates its user.
  Inserter ins(f_, product.node);
  Value wa = ins.unary(Opcode::kUextend, kI128, a);
  Value wb = a == b ? wa : ins.unary(Opcode::kUextend, kI128, b);
  Value prod = ins.binary(Opcode::kImul, wa, wb);
  InstData sd;
  sd.opcode = Opcode::kIsplit;
  sd.args[0] = prod;
  Value high = dfg_.inst_results(ins.insert(sd))[1];
  dfg_[product.node].args[product.k] = high;
  for (const Slot& s : zeros) {
    ins.set_before(s.node);
    dfg_[s.node].args[s.k] = ins.iconst(kI64, 0);
  }
}

bool WideMul::rewrite_high(Value s2, const Core& c) {
  std::optional<Slot> hh, sh1, sh2;
  const HalfOf ah{Half::kHi, c.a}, bh{Half::kHi, c.b};
  bool tree = for_each_leaf(s2, [&](Value x, Slot slot) {
    if (x == res(s2)) {
      sh2 = slot;
    } else if (!sh1 && hi32(x) == c.t) {
      sh1 = slot;
    } else if (!hh && is_product(x, ah, bh)) {
      hh = slot;
    }
  });
  if (!tree || !hh || !sh1 || !sh2) return false;
  replace_terms(c.a, c.b, *hh, {*sh1, *sh2});
  return true;
}

bool WideMul::rewrite_high_carry(Value s, const Mid& m) {
  // (c1 << 32) | (mid >> 32) as one term: `|` or `^` (disjoint bits; `+` makes it an add node
  // of the tree, whose two terms are then found as leaves).
  Value term = res(s);
  if (uses_of(s) == 1) {
    if (Inst u = user_of(s); dfg_[u].opcode == Opcode::kBor || dfg_[u].opcode == Opcode::kBxor) {
      const InstData& d = dfg_[u];
      Value other = res(d.args[0]) == res(s) ? d.args[1] : d.args[0];
      const InstData* sh = def_i64(other, Opcode::kIshl);
      if (!sh || !is_shift32(sh->args[1]) || !is_carry_of(sh->args[0], m.mid)) return false;
      term = dfg_.first_result(u);
    }
  }
  std::optional<Slot> hh, sh, c1, c2, joined;
  const HalfOf ah{Half::kHi, m.a}, bh{Half::kHi, m.b};
  bool tree = for_each_leaf(term, [&](Value x, Slot slot) {
    if (x == term) {
      (term == res(s) ? sh : joined) = slot;
      return;
    }
    if (const InstData* d = def_i64(x, Opcode::kIshl)) {
      if (!c1 && is_shift32(d->args[1]) && is_carry_of(d->args[0], m.mid)) c1 = slot;
      return;
    }
    if (!hh && is_product(x, ah, bh)) {
      hh = slot;
      return;
    }
    if (c2) return;
    // c2: the carry of low = ll + (mid << 32).
    Value v = x;
    for (Inst i = dfg_.value_inst(v); i && dfg_[i].opcode == Opcode::kUextend; i = dfg_.value_inst(v)) {
      v = res(dfg_[i].args[0]);
    }
    Inst ci = dfg_.value_inst(v);
    if (!ci || dfg_[ci].opcode != Opcode::kIcmp) return;
    // The sum is the compare's left operand for ult, its right one for ugt.
    Value low = res(dfg_[ci].args[dfg_[ci].intcc() == IntCC::kUgt ? 1 : 0]);
    if (is_carry_low(low, m) && is_carry_of(x, low)) c2 = slot;
  });
  if (!tree || !hh || !c2) return false;
  if (joined) {
    replace_terms(m.a, m.b, *hh, {*joined, *c2});
  } else {
    if (!sh || !c1) return false;
    replace_terms(m.a, m.b, *hh, {*sh, *c1, *c2});
  }
  return true;
}

bool WideMul::become_product(Inst i, Value a, Value b) {
  InstData nd;
  nd.opcode = Opcode::kImul;
  nd.args[0] = a;
  nd.args[1] = b;
  dfg_[i] = nd;
  return true;
}

bool WideMul::rewrite_low(Inst low) {
  const InstData& d = dfg_[low];
  for (int k = 0; k < 2; ++k) {
    const InstData* sh = def_i64(d.args[k], Opcode::kIshl);
    if (!sh || !is_shift32(sh->args[1])) continue;
    auto ll = lo32(d.args[1 - k]);
    if (!ll) continue;
    auto c = match_t2(sh->args[0]);
    if (!c || c->ll != *ll) continue;
    return become_product(low, c->a, c->b);
  }
  // The carry form: ll + (mid << 32), an add (the bits overlap).
  if (d.opcode != Opcode::kIadd) return false;
  for (int k = 0; k < 2; ++k) {
    const InstData* sh = def_i64(d.args[k], Opcode::kIshl);
    if (!sh) continue;
    auto m = match_mid(sh->args[0]);
    if (m && is_carry_low(dfg_.first_result(low), *m)) return become_product(low, m->a, m->b);
  }
  return false;
}

bool WideMul::run() {
  // Bail out unless some imul multiplies two low halves (ll). Over the instruction table, a
  // dense array, rather than the layout's lists: half the cost, and an instruction no longer
  // in the layout only costs the walks below, which go by the layout.
  bool found = false;
  for (size_t k = 0, n = dfg_.num_insts(); k < n && !found; ++k) {
    const Inst i = Inst::from_index(k);
    found = dfg_[i].opcode == Opcode::kImul && dfg_.has_results(i) && low_product(dfg_.first_result(i));
  }
  if (!found) return false;

  count_uses();
  // Candidates first (the rewrites insert instructions): t2 >> 32 and the low words.
  std::vector<std::pair<Value, Core>> highs;
  std::vector<std::pair<Value, Mid>> carry_highs;
  std::vector<Inst> lows;
  for (Block blk : f_.layout.blocks()) {
    for (Inst i : f_.layout.insts(blk)) {
      const InstData& d = dfg_[i];
      switch (d.opcode) {
        case Opcode::kUshr: {
          Value r = dfg_.first_result(i);
          if (dfg_.value_type(r) != kI64 || !is_shift32(d.args[1])) break;
          if (auto c = match_t2(d.args[0])) {
            highs.emplace_back(r, *c);
          } else if (auto m = match_mid(d.args[0])) {
            carry_highs.emplace_back(r, *m);
          }
          break;
        }
        case Opcode::kBor: case Opcode::kIadd: case Opcode::kBxor:
          if (dfg_.value_type(dfg_.first_result(i)) == kI64 &&
              (def_i64(d.args[0], Opcode::kIshl) || def_i64(d.args[1], Opcode::kIshl))) {
            lows.push_back(i);
          }
          break;
        default: break;
      }
    }
  }
  // Every rewrite keeps the value of each instruction that anything outside an add tree's
  // inner nodes sees, so the candidates stay valid whatever was rewritten before them.
  bool changed = false;
  for (const auto& [s2, core] : highs) changed |= rewrite_high(s2, core);
  for (const auto& [sh, mid] : carry_highs) changed |= rewrite_high_carry(sh, mid);
  for (Inst i : lows) changed |= rewrite_low(i);
  return changed;
}

}  // namespace

namespace cached {

bool recognize_wide_multiplies(Function& f, CfgCache& /*cache*/) {
  // Changes no control flow and makes no aliases: the cache stays valid and resolved.
  return WideMul(f).run();
}

}  // namespace cached

bool recognize_wide_multiplies(Function& f) {
  CfgCache cache;
  return cached::recognize_wide_multiplies(f, cache);
}

}  // namespace kiln::codegen::opt
