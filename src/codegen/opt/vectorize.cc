// codegen/opt/vectorize.cc: SSE vectorisation of simple counted loops over linear memory.
//
// What is matched: a loop of one block L (its own latch) with an i32 induction variable iv,
// advanced by `next = iadd iv, C` (0 < C <= 16) and tested by `brif` on `next` (nonzero), or
// on `icmp ne|ult|slt next, lim` (either polarity, either operand order) with lim
// loop-invariant. Its other parameters must be integer sums `acc -> iadd acc, x` (i32/i64, x
// not a constant) or i64 counters `c -> iadd c, K` (0 < K < 2^31: fuel), used by nothing else
// in the loop. Its body holds only
//  - heap loads and stores (plain load/store of i32, i64, f32 or f64) at addresses
//    `H + uextend.i64(coef*iv + inv + c) + imm`: H an invariant heap base (vmctx load, see
//    vectorize.h), inv an optional invariant i32, coef, c and imm constants; and
//  - pure instructions that cannot trap (address arithmetic, the element-wise computation).
// Anything else (calls, other stores, traps: explicit bounds checks, other loop-carried
// values, float sums) leaves the loop alone.
//
// Every access moves coef*C = Cb bytes per iteration; Cb must divide 16 and be a multiple of
// the element size (unit stride). A vector iteration covers U = 16/Cb scalar iterations. For
// each array (stream: the same H, inv, coef), the stores must cover each iteration's Cb bytes
// exactly, k = Cb/size of them at consecutive offsets (one element: the plain widening of the
// loop by U; two or four: the loop was already unrolled, and its isomorphic copies are packed
// into one vector, SLP style). A store group's values are packed the same way, recursively:
// the same invariant in every member is splatted, constants become a vector constant, members
// computed by the same element-wise opcode (fadd fsub fmul fdiv fmin fmax fneg fabs sqrt, iadd
// isub band bor bxor, imul of i32; ishl ushr sshr by one invariant amount) pack their operands,
// and loads of the same stream at consecutive offsets become one vector load. Lane-wise SSE
// arithmetic gives each lane the bits the scalar instruction gives; nothing is reassociated
// except integer sums, whose wrapping addition is associative and commutative: a sum's addend
// is packed one lane per iteration (when U iterations fill one vector of its type), added to a
// vector of partial sums, and the lanes are added to the start value when the vector loop ends.
//
// Within an array, a store and another access whose bytes can meet in some pair of iterations
// must be the exact same address in the same iteration (c[j] += ...), and the vector order of
// the load and the store must be the scalar order; anything else (a[i+1] = a[i] ...) is a
// loop-carried dependence and leaves the loop alone.
//
// The transformation: the preheader P, which jumped to L(s, ...), computes the trip count n
// and branches to the vector loop V(s, 0...) only when all of these hold, else to L as before:
//  (a) n is exact: the loop ends by its test before iv wraps (for `ne`: lim - s is a nonzero
//      multiple of C; for `ult`/`slt`: s < lim and lim + C does not wrap), and
//      n >= max(8, 2U + 1): at least one vector iteration, and enough to repay the guard;
//  (b) for every stream and all n iterations, coef*iv + inv + c does not wrap in 32 bits and
//      every accessed byte lies below the memory's current length: no access of the whole loop
//      can trap, so no trap can be moved;
//  (c) the byte range of every stored stream is disjoint from the range of every other stream.
// V runs m = (n-1)/(2U) iterations, each two vector bodies (interleaved, for iterations iv and
// iv + U*C), and then enters L with iv = s + m*2U*C (and the sums so far), so the scalar loop
// always runs the last 1..2U iterations itself: the values it leaves live after the loop (the
// final iv, any computed value) are exactly the scalar ones, and its exit is unchanged. Memory
// ends up bit-identical: each stored element gets the value the scalar iteration gives.
//
// Epoch and fuel checks are placed after the mid-end (limit_checks.h), so V gets its own checks
// per vector iteration. The fuel counter is a loop parameter stepped by a constant here (a
// Counter): V carries it, adding the steps of the scalar iterations it runs, so the fuel
// charged is exact; the guard also requires it to stay negative over the whole loop, so V
// never runs out of fuel and a loop that would runs scalar and stops where unvectorised code
// does.
#include "codegen/opt/vectorize.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <vector>

#include "codegen/opt/inserter.h"
#include "codegen/opt/loops.h"
#include "codegen/opt/passes.h"
#include "codegen/opt/util.h"

namespace kiln::codegen::opt {

using namespace ir;

namespace {

constexpr int64_t kVectorBytes = 16;
// Below this many scalar iterations the guard's cost (~30 instructions) is not repaid.
constexpr int64_t kMinIterations = 8;
// Vector bodies per iteration of the vector loop (a power of two).
constexpr int64_t kInterleave = 2;
// Recursion bound of the address and value matchers (expressions deeper than this are left).
constexpr int kMaxDepth = 16;
constexpr int kAffineBudget = 64;
// Loops with more memory accesses are left alone: the dependence checks are quadratic in them.
constexpr size_t kMaxAccesses = 64;

bool is_pow2(int64_t x) {
  return x > 0 && (x & (x - 1)) == 0;
}
int log2_of(int64_t x) {
  int k = 0;
  while ((int64_t{1} << k) < x) ++k;
  return k;
}
int64_t sext32(int64_t x) {
  return static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(x)));
}

// coef*iv + inv + c, modulo 2^32.
struct Affine {
  int64_t coef = 0;
  Value inv;
  int64_t c = 0;
};

// One heap load or store of the loop.
struct Access {
  Inst inst;
  bool store = false;
  Type type;
  int64_t size = 0;
  uint32_t pos = 0;  // position in the body
  uint32_t stream = 0;
  int64_t c = 0;    // the constant inside the zero extension (sign-extended i32)
  int64_t imm = 0;  // the load/store offset
  int64_t e() const { return c + imm; }  // byte offset relative to the stream's base
};

// An array: the accesses with the same base, invariant and scale.
struct Stream {
  Value heap;
  Value inv;
  int64_t coef = 0;
  bool stored = false;
  int64_t c_min = 0, c_max = 0;
  int64_t rel_lo = 0, rel_hi = 0;  // accessed bytes relative to heap + zext(coef*s+inv+c_min)
};

enum class NodeKind { kSplat, kConst, kOp, kLoad, kStore };

// One vector instruction of V, in emission order.
struct Node {
  Node(NodeKind k, Type t) : kind(k), vt(t) {}
  NodeKind kind;
  Type vt;                        // the vector type (stores: the stored value's)
  Value scalar;                   // kSplat
  V128Bytes bytes{};              // kConst
  Inst proto;                     // kOp: member 0's instruction
  Value amount;                   // kOp shifts: the scalar shift amount, the same in every lane
  std::vector<int> args;          // kOp operands; kStore: the value
  std::vector<uint32_t> members;  // kLoad, kStore: accesses in lane order (m = 0..k-1)
};

class LoopVectorizer {
 public:
  LoopVectorizer(Function& f, Block header, Block pre)
      : f_(f), dfg_(f.dfg), l_(header), pre_(pre) {}

  bool analyze();
  void transform();

 private:
  bool in_loop(Value v) const {
    const ValueData& vd = dfg_.value_data(v);
    if (vd.kind == ValueKind::kParam) return Block(vd.owner) == l_;
    Inst i = dfg_.value_inst(v);
    return i && f_.layout.inst_block(i) == l_;
  }
  Inst def_in_loop(Value v) const {
    Inst i = dfg_.value_inst(v);
    return i && f_.layout.inst_block(i) == l_ ? i : Inst();
  }

  bool match_exit();
  std::optional<Affine> affine(Value v, int depth) const;
  bool match_access(Inst i, uint32_t pos);
  bool build_streams();
  int pack(const std::vector<Value>& vals, Type t, int depth);
  int pack_loads(const std::vector<Value>& vals, Type t);
  bool check_order() const;

  // Emission, where `ins_` points: before an instruction or at the end of a block.
  Value emit(const InstData& d) { return ins_.value(d); }
  Value iconst(Type t, int64_t v) { return ins_.iconst(t, v); }
  Value binary(Opcode op, Value a, Value b) { return ins_.binary(op, a, b); }
  Value unary(Opcode op, Type t, Value a) { return ins_.unary(op, t, a); }
  Value icmp(IntCC cc, Value a, Value b) { return ins_.icmp(cc, a, b); }
  Value scale(Value x, int64_t k);  // x * k (i32 or i64)
  Value address(const Access& a, Value iv);

  Function& f_;
  DataFlowGraph& dfg_;
  Block l_, pre_;
  Inserter ins_{f_, Block()};

  // A loop-carried integer sum: param -> update = iadd param, addend.
  struct Reduction {
    uint32_t index;  // parameter position
    Value param, update;
    Inst update_inst;
    Value addend;
    int node;  // the vector addend
  };

  // A loop-carried i64 count by a positive constant: param -> update = iadd param, step. It is
  // what fuel metering's counter looks like (limit_checks.h checks it at loop headers after the
  // mid-end): the vector loop carries it too, adding the steps of the iterations it runs.
  struct Counter {
    uint32_t index;  // parameter position
    Value param, update;
    Inst update_inst;
    int64_t step;
  };

  Value iv_, next_;
  uint32_t iv_index_ = 0;
  std::vector<Reduction> reductions_;
  std::vector<Counter> counters_;
  int64_t step_ = 0;
  IntCC cc_ = IntCC::kNe;
  Value lim_;
  std::optional<int64_t> lim_const_;
  // Nodes affine() may still visit for the current access: shared subexpressions would
  // otherwise be walked once per path (exponential in the depth).
  mutable int affine_budget_ = 0;
  int64_t cb_ = 0;  // bytes per scalar iteration, every stream
  int64_t u_ = 0;   // scalar iterations per vector iteration

  std::vector<Access> accesses_;
  std::map<Inst, uint32_t> access_of_;
  std::vector<Stream> streams_;
  std::vector<Node> nodes_;
  std::map<std::vector<Value>, int> memo_;
  std::vector<std::pair<uint32_t, uint32_t>> same_address_;  // (load, store) accesses
  std::map<uint32_t, Value> stream_iv_;                      // V: coef*ivv + inv per stream
};

bool LoopVectorizer::match_exit() {
  auto params = dfg_.block_params(l_);
  Inst term = f_.layout.last_inst(l_);
  const InstData& t = dfg_[term];
  if (t.opcode != Opcode::kBrif) return false;
  bool back0 = t.dest[0].block == l_, back1 = t.dest[1].block == l_;
  if (back0 == back1) return false;
  const BlockCall& back = back0 ? t.dest[0] : t.dest[1];
  auto bargs = back.args.as_slice(dfg_.pool());
  if (bargs.size() != params.size()) return false;
  // The induction variable is the parameter whose next value the exit test reads.
  Value tested = t.args[0];
  if (Inst ci = def_in_loop(tested); ci && dfg_[ci].opcode == Opcode::kIcmp) {
    auto is_next = [&](Value v) { return std::find(bargs.begin(), bargs.end(), v) != bargs.end(); };
    tested = is_next(dfg_[ci].args[0]) ? dfg_[ci].args[0] : dfg_[ci].args[1];
  }
  auto at = std::find(bargs.begin(), bargs.end(), tested);
  if (at == bargs.end()) return false;
  iv_index_ = static_cast<uint32_t>(at - bargs.begin());
  iv_ = params[iv_index_];
  next_ = tested;
  if (dfg_.value_type(iv_) != kI32) return false;
  Inst ni = def_in_loop(next_);
  if (!ni || dfg_[ni].opcode != Opcode::kIadd) return false;
  Value other;
  if (dfg_[ni].args[0] == iv_)
    other = dfg_[ni].args[1];
  else if (dfg_[ni].args[1] == iv_)
    other = dfg_[ni].args[0];
  else
    return false;
  auto c = int_constant_of(dfg_, other);
  if (!c || *c <= 0 || *c > kVectorBytes) return false;
  step_ = *c;
  // Every other parameter is an integer sum: p -> iadd p, x (wrapping addition is associative
  // and commutative, so the sum may be formed lane by lane and the lanes added at the end).
  for (uint32_t k = 0; k < params.size(); ++k) {
    if (k == iv_index_) continue;
    Value p = params[k], upd = bargs[k];
    Type ty = dfg_.value_type(p);
    Inst ui = def_in_loop(upd);
    if ((ty != kI32 && ty != kI64) || !ui || dfg_[ui].opcode != Opcode::kIadd) return false;
    const InstData& ud = dfg_[ui];
    Value addend = ud.args[0] == p ? ud.args[1] : ud.args[1] == p ? ud.args[0] : Value();
    if (!addend || addend == p) return false;
    // A count by a constant: an i64 one by a positive step is a Counter (fuel); others are
    // left alone.
    if (auto c = int_constant_of(dfg_, addend)) {
      if (ty != kI64 || *c <= 0 || *c > INT32_MAX) return false;
      counters_.push_back(Counter{k, p, upd, ui, *c});
      continue;
    }
    reductions_.push_back(Reduction{k, p, upd, ui, addend, -1});
  }

  Value cond = t.args[0];
  if (cond == next_) {  // brif next: continue while it is nonzero
    if (!back0) return false;
    cc_ = IntCC::kNe;
    lim_const_ = 0;
  } else {
    Inst ci = def_in_loop(cond);
    if (!ci || dfg_[ci].opcode != Opcode::kIcmp) return false;
    const InstData& cd = dfg_[ci];
    IntCC cc = cd.intcc();
    Value lim;
    if (cd.args[0] == next_) {
      lim = cd.args[1];
    } else if (cd.args[1] == next_) {
      lim = cd.args[0];
      switch (cc) {  // lim cc next  ==  next cc' lim
        case IntCC::kSlt:
          cc = IntCC::kSgt;
          break;
        case IntCC::kSgt:
          cc = IntCC::kSlt;
          break;
        case IntCC::kSle:
          cc = IntCC::kSge;
          break;
        case IntCC::kSge:
          cc = IntCC::kSle;
          break;
        case IntCC::kUlt:
          cc = IntCC::kUgt;
          break;
        case IntCC::kUgt:
          cc = IntCC::kUlt;
          break;
        case IntCC::kUle:
          cc = IntCC::kUge;
          break;
        case IntCC::kUge:
          cc = IntCC::kUle;
          break;
        default:
          break;
      }
    } else {
      return false;
    }
    if (back1) {  // the loop continues while the condition is false
      switch (cc) {
        case IntCC::kEq:
          cc = IntCC::kNe;
          break;
        case IntCC::kNe:
          cc = IntCC::kEq;
          break;
        case IntCC::kSge:
          cc = IntCC::kSlt;
          break;
        case IntCC::kUge:
          cc = IntCC::kUlt;
          break;
        default:
          return false;
      }
    }
    if (cc != IntCC::kNe && cc != IntCC::kUlt && cc != IntCC::kSlt) return false;
    cc_ = cc;
    if (in_loop(lim)) {
      lim_const_ = int_constant_of(dfg_, lim);
      if (!lim_const_) return false;
    } else {
      lim_ = lim;
    }
  }
  return true;
}

std::optional<Affine> LoopVectorizer::affine(Value v, int depth) const {
  if (depth > kMaxDepth || --affine_budget_ < 0 || dfg_.value_type(v) != kI32) return std::nullopt;
  if (v == iv_) return Affine{1, Value(), 0};
  if (auto k = int_constant_of(dfg_, v)) return Affine{0, Value(), *k};
  if (!in_loop(v)) {
    // An invariant; constants added to it outside the loop join c, so that c[j] and c[j+1]
    // computed from different invariant bases still fall in one stream.
    Affine a{0, v, 0};
    for (int n = 0; n < kMaxDepth; ++n) {
      Inst i = dfg_.value_inst(a.inv);
      if (!i || dfg_[i].opcode != Opcode::kIadd) break;
      auto k = int_constant_of(dfg_, dfg_[i].args[1]);
      if (!k) break;
      a.c = sext32(a.c + *k);
      a.inv = dfg_[i].args[0];
    }
    return a;
  }
  Inst i = def_in_loop(v);
  if (!i) return std::nullopt;
  const InstData& d = dfg_[i];
  switch (d.opcode) {
    case Opcode::kIadd:
    case Opcode::kIsub: {
      auto x = affine(d.args[0], depth + 1), y = affine(d.args[1], depth + 1);
      if (!x || !y) return std::nullopt;
      if (d.opcode == Opcode::kIsub) {
        if (y->inv) return std::nullopt;
        y->coef = -y->coef;
        y->c = -y->c;
      }
      if (x->inv && y->inv) return std::nullopt;
      if (std::abs(x->coef + y->coef) > kVectorBytes) return std::nullopt;
      return Affine{x->coef + y->coef, x->inv ? x->inv : y->inv, sext32(x->c + y->c)};
    }
    case Opcode::kIshl:
    case Opcode::kImul: {
      auto k = int_constant_of(dfg_, d.args[1]);
      if (!k) return std::nullopt;
      int64_t mul = d.opcode == Opcode::kIshl ? (int64_t{1} << (*k & 31)) : *k;
      if (mul <= 0 || mul > kVectorBytes) return std::nullopt;
      auto x = affine(d.args[0], depth + 1);
      if (!x || x->inv) return std::nullopt;
      return Affine{x->coef * mul, Value(), sext32(x->c * mul)};
    }
    default:
      return std::nullopt;
  }
}

bool LoopVectorizer::match_access(Inst i, uint32_t pos) {
  const InstData& d = dfg_[i];
  MemFlags mf = d.mem_flags();
  if (mf.region() != AliasRegion::kHeap) return false;
  Access a;
  a.inst = i;
  a.store = d.opcode == Opcode::kStore;
  a.type = a.store ? dfg_.value_type(d.args[0]) : dfg_.value_type(dfg_.first_result(i));
  if (a.type != kI32 && a.type != kI64 && a.type != kF32 && a.type != kF64) return false;
  a.size = a.type.bytes();
  a.pos = pos;
  a.imm = d.offset();
  // addr = [iadd ... iconst.i64 K] (iadd H (uextend.i64 Y))
  Value addr = a.store ? d.args[1] : d.args[0];
  Value heap, index;
  for (int n = 0; n < kMaxDepth && !heap; ++n) {
    Inst ai = dfg_.value_inst(addr);
    if (!ai || dfg_[ai].opcode != Opcode::kIadd || dfg_.value_type(addr) != kI64) return false;
    const InstData& ad = dfg_[ai];
    if (auto k = int_constant_of(dfg_, ad.args[1])) {
      a.imm += *k;
      addr = ad.args[0];
      continue;
    }
    for (int s = 0; s < 2; ++s) {
      Value h = ad.args[s], x = ad.args[1 - s];
      Inst hi = dfg_.value_inst(h), xi = dfg_.value_inst(x);
      if (in_loop(h) || !hi || !xi || dfg_[xi].opcode != Opcode::kUextend) continue;
      const InstData& hd = dfg_[hi];
      if (hd.opcode != Opcode::kLoad || hd.type != kI64 ||
          hd.mem_flags().region() != AliasRegion::kVmctx) {
        continue;
      }
      heap = h;
      index = dfg_[xi].args[0];
      break;
    }
    if (!heap) return false;
  }
  if (!heap || a.imm < INT32_MIN || a.imm > INT32_MAX) return false;
  affine_budget_ = kAffineBudget;
  auto y = affine(index, 0);
  if (!y || y->coef <= 0) return false;
  a.c = y->c;
  uint32_t s = 0;
  for (; s < streams_.size(); ++s) {
    if (streams_[s].heap == heap && streams_[s].inv == y->inv && streams_[s].coef == y->coef) break;
  }
  if (s == streams_.size()) streams_.push_back(Stream{heap, y->inv, y->coef});
  a.stream = s;
  streams_[s].stored |= a.store;
  access_of_[i] = static_cast<uint32_t>(accesses_.size());
  accesses_.push_back(a);
  return true;
}

bool LoopVectorizer::build_streams() {
  cb_ = 0;
  for (const Access& a : accesses_) {
    int64_t cb = streams_[a.stream].coef * step_;
    if (cb_ && cb != cb_) return false;
    cb_ = cb;
    if (cb % a.size != 0) return false;
  }
  // Cb divides 16, so it and C (which divides it: Cb = coef*C) are powers of two.
  if (cb_ <= 0 || kVectorBytes % cb_ != 0) return false;
  u_ = kVectorBytes / cb_;
  for (uint32_t s = 0; s < streams_.size(); ++s) {
    Stream& st = streams_[s];
    bool first = true;
    for (const Access& a : accesses_) {
      if (a.stream != s) continue;
      st.c_min = first ? a.c : std::min(st.c_min, a.c);
      st.c_max = first ? a.c : std::max(st.c_max, a.c);
      first = false;
    }
    first = true;
    for (const Access& a : accesses_) {
      if (a.stream != s) continue;
      int64_t lo = a.c - st.c_min + a.imm, hi = lo + a.size;
      st.rel_lo = first ? lo : std::min(st.rel_lo, lo);
      st.rel_hi = first ? hi : std::max(st.rel_hi, hi);
      first = false;
    }
    // Bytes below the memory's base are not in it (hand-written IR only: imm >= 0 in Wasm).
    if (st.rel_lo < 0 || st.c_max - st.c_min > INT32_MAX) return false;
  }
  // Within a stream: a store and another access whose bytes meet in some pair of iterations
  // (offsets differing by q*Cb plus less than the element size) must be the same address in
  // the same iteration, a load and a store (read-modify-write).
  for (uint32_t x = 0; x < accesses_.size(); ++x) {
    for (uint32_t y = x + 1; y < accesses_.size(); ++y) {
      const Access &a = accesses_[x], &b = accesses_[y];
      if (a.stream != b.stream || (!a.store && !b.store)) continue;
      if (a.size != b.size) return false;
      int64_t d = a.e() - b.e();
      int64_t r = ((d % cb_) + cb_) % cb_;
      if (r >= a.size && cb_ - r >= a.size) continue;  // never the same bytes
      if (d != 0 || a.store == b.store) return false;
      same_address_.push_back(a.store ? std::pair{y, x} : std::pair{x, y});
    }
  }
  return true;
}

int LoopVectorizer::pack_loads(const std::vector<Value>& vals, Type t) {
  std::vector<uint32_t> members;
  for (size_t m = 0; m < vals.size(); ++m) {
    Inst i = def_in_loop(vals[m]);
    if (!i || dfg_[i].opcode != Opcode::kLoad) return -1;
    auto it = access_of_.find(i);
    if (it == access_of_.end()) return -1;
    const Access& a = accesses_[it->second];
    const Access& a0 = m ? accesses_[members[0]] : a;
    if (a.type != t || a.stream != a0.stream ||
        a.e() != a0.e() + static_cast<int64_t>(m) * a.size) {
      return -1;
    }
    members.push_back(it->second);
  }
  Node n(NodeKind::kLoad, Type::vector_of(t, static_cast<uint32_t>(kVectorBytes / t.bytes())));
  n.members = std::move(members);
  nodes_.push_back(std::move(n));
  return static_cast<int>(nodes_.size() - 1);
}

bool packable_op(Opcode op, Type t) {
  switch (op) {
    case Opcode::kFadd:
    case Opcode::kFsub:
    case Opcode::kFmul:
    case Opcode::kFdiv:
    case Opcode::kFmin:
    case Opcode::kFmax:
    case Opcode::kFneg:
    case Opcode::kFabs:
    case Opcode::kSqrt:
      return t.is_float();
    case Opcode::kIadd:
    case Opcode::kIsub:
    case Opcode::kBand:
    case Opcode::kBor:
    case Opcode::kBxor:
      return t.is_int();
    case Opcode::kImul:
      return t == kI32;
    default:
      return false;
  }
}

int LoopVectorizer::pack(const std::vector<Value>& vals, Type t, int depth) {
  if (depth > kMaxDepth) return -1;
  if (auto it = memo_.find(vals); it != memo_.end()) return it->second;
  for (Value v : vals) {
    if (dfg_.value_type(v) != t) return -1;
  }
  Type vt = Type::vector_of(t, static_cast<uint32_t>(kVectorBytes / t.bytes()));
  int k = static_cast<int>(vals.size());
  int result = -1;
  bool all_same = std::all_of(vals.begin(), vals.end(), [&](Value v) { return v == vals[0]; });
  bool all_const = std::all_of(vals.begin(), vals.end(),
                               [&](Value v) { return constant_of(dfg_, v).has_value(); });
  if (all_const) {
    Node n(NodeKind::kConst, vt);
    uint32_t lanes = vt.lane_count(), size = t.bytes();
    for (uint32_t l = 0; l < lanes; ++l) {
      uint64_t bits = constant_of(dfg_, vals[l % k])->bits;
      for (uint32_t b = 0; b < size; ++b)
        n.bytes[l * size + b] = static_cast<uint8_t>(bits >> (8 * b));
    }
    nodes_.push_back(std::move(n));
    result = static_cast<int>(nodes_.size() - 1);
  } else if (all_same && !in_loop(vals[0])) {
    Node n(NodeKind::kSplat, vt);
    n.scalar = vals[0];
    nodes_.push_back(std::move(n));
    result = static_cast<int>(nodes_.size() - 1);
  } else {
    Inst i0 = def_in_loop(vals[0]);
    if (!i0) return -1;
    Opcode op = dfg_[i0].opcode;
    if (op == Opcode::kLoad) {
      result = pack_loads(vals, t);
    } else if ((op == Opcode::kIshl || op == Opcode::kUshr || op == Opcode::kSshr) && t.is_int()) {
      // A shift by one invariant or constant amount (taken modulo the lane width, as the
      // scalar shift takes it modulo the type's width): shift the packed first operand.
      Value amount = dfg_[i0].args[1];
      if (in_loop(amount) && !int_constant_of(dfg_, amount)) return -1;
      std::vector<Value> operand;
      for (Value v : vals) {
        Inst i = def_in_loop(v);
        if (!i || dfg_[i].opcode != op || dfg_[i].args[1] != amount) return -1;
        operand.push_back(dfg_[i].args[0]);
      }
      int x = pack(operand, t, depth + 1);
      if (x < 0) return -1;
      Node n(NodeKind::kOp, vt);
      n.proto = i0;
      n.args = {x};
      n.amount = amount;
      nodes_.push_back(std::move(n));
      result = static_cast<int>(nodes_.size() - 1);
    } else if (packable_op(op, t)) {
      size_t nargs = dfg_.fixed_args(i0).size();
      std::vector<int> args;
      for (size_t a = 0; a < nargs; ++a) {
        std::vector<Value> operand;
        for (Value v : vals) {
          Inst i = def_in_loop(v);
          if (!i || dfg_[i].opcode != op) return -1;
          operand.push_back(dfg_[i].args[a]);
        }
        int n = pack(operand, t, depth + 1);
        if (n < 0) return -1;
        args.push_back(n);
      }
      Node n(NodeKind::kOp, vt);
      n.proto = i0;
      n.args = std::move(args);
      nodes_.push_back(std::move(n));
      result = static_cast<int>(nodes_.size() - 1);
    }
  }
  if (result >= 0) memo_[vals] = result;
  return result;
}

// For each load and store of the same address and iteration, the vector load must come
// before the vector store exactly when the scalar load comes before the scalar store.
bool LoopVectorizer::check_order() const {
  for (auto [ld, st] : same_address_) {
    bool load_first = accesses_[ld].pos < accesses_[st].pos;
    int store_node = -1;
    for (size_t n = 0; n < nodes_.size(); ++n) {
      if (nodes_[n].kind == NodeKind::kStore &&
          std::count(nodes_[n].members.begin(), nodes_[n].members.end(), st)) {
        store_node = static_cast<int>(n);
      }
    }
    for (size_t n = 0; n < nodes_.size(); ++n) {
      if (nodes_[n].kind != NodeKind::kLoad ||
          !std::count(nodes_[n].members.begin(), nodes_[n].members.end(), ld)) {
        continue;
      }
      if ((static_cast<int>(n) < store_node) != load_first) return false;
    }
  }
  return true;
}

bool LoopVectorizer::analyze() {
  if (!match_exit()) return false;
  Inst term = f_.layout.last_inst(l_);
  uint32_t pos = 0;
  for (Inst i : f_.layout.insts(l_)) {
    if (i == term) break;
    Opcode op = dfg_[i].opcode;
    if (op == Opcode::kLoad || op == Opcode::kStore) {
      if (!match_access(i, pos) || accesses_.size() > kMaxAccesses) return false;
    } else if (!is_pure(op) || may_trap(f_, i)) {
      return false;
    }
    // A sum's parameter feeds only its update, and the update only the branch: the scalar
    // loop alone computes the values the sums take between vector iterations.
    for (const Reduction& r : reductions_) {
      for (Value v : dfg_.fixed_args(i)) {
        if ((v == r.param && i != r.update_inst) || v == r.update) return false;
      }
    }
    for (const Counter& c : counters_) {
      for (Value v : dfg_.fixed_args(i)) {
        if ((v == c.param && i != c.update_inst) || v == c.update) return false;
      }
    }
    ++pos;
  }
  if (!build_streams()) return false;
  // Store groups, one per stored stream: k stores at consecutive offsets covering Cb bytes.
  std::vector<std::vector<uint32_t>> groups(streams_.size());
  for (uint32_t a = 0; a < accesses_.size(); ++a) {
    if (accesses_[a].store) groups[accesses_[a].stream].push_back(a);
  }
  std::vector<std::vector<uint32_t>> ordered;
  for (auto& g : groups) {
    if (g.empty()) continue;
    std::sort(g.begin(), g.end(),
              [&](uint32_t x, uint32_t y) { return accesses_[x].e() < accesses_[y].e(); });
    const Access& a0 = accesses_[g[0]];
    if (static_cast<int64_t>(g.size()) * a0.size != cb_) return false;
    for (size_t m = 0; m < g.size(); ++m) {
      const Access& a = accesses_[g[m]];
      if (a.type != a0.type || a.e() != a0.e() + static_cast<int64_t>(m) * a0.size) return false;
    }
    ordered.push_back(g);
  }
  if (ordered.empty() && reductions_.empty()) return false;
  // In program order of their first store.
  std::sort(ordered.begin(), ordered.end(), [&](const auto& x, const auto& y) {
    auto first = [&](const std::vector<uint32_t>& g) {
      uint32_t p = UINT32_MAX;
      for (uint32_t a : g) p = std::min(p, accesses_[a].pos);
      return p;
    };
    return first(x) < first(y);
  });
  for (const auto& g : ordered) {
    std::vector<Value> vals;
    for (uint32_t a : g) vals.push_back(dfg_[accesses_[a].inst].args[0]);
    int value = pack(vals, accesses_[g[0]].type, 0);
    if (value < 0) return false;
    Node n(NodeKind::kStore, nodes_[value].vt);
    n.args = {value};
    n.members = g;
    nodes_.push_back(std::move(n));
  }
  // A sum gets one lane per scalar iteration of a vector (its addend is packed as a single
  // member): only when U iterations fill exactly one vector of its type.
  for (Reduction& r : reductions_) {
    Type t = dfg_.value_type(r.param);
    if (kVectorBytes / t.bytes() != u_) return false;
    r.node = pack({r.addend}, t, 0);
    if (r.node < 0) return false;
  }
  return check_order();
}

Value LoopVectorizer::scale(Value x, int64_t k) {
  Type t = dfg_.value_type(x);
  if (k == 1) return x;
  if (is_pow2(k)) return binary(Opcode::kIshl, x, iconst(t, log2_of(k)));
  return binary(Opcode::kImul, x, iconst(t, k));
}

// The i64 address of access a (without its offset) when the induction variable is iv.
Value LoopVectorizer::address(const Access& a, Value iv) {
  const Stream& st = streams_[a.stream];
  Value y;
  if (auto it = stream_iv_.find(a.stream); it != stream_iv_.end()) {
    y = it->second;
  } else {
    y = scale(iv, st.coef);
    if (st.inv) y = binary(Opcode::kIadd, y, st.inv);
    stream_iv_[a.stream] = y;
  }
  if (sext32(a.c) != 0) y = binary(Opcode::kIadd, y, iconst(kI32, a.c));
  return binary(Opcode::kIadd, st.heap, unary(Opcode::kUextend, kI64, y));
}

void LoopVectorizer::transform() {
  Inst jump = f_.layout.last_inst(pre_);
  std::vector<Value> entry_args;  // the preheader's arguments to L (copied: the pool may grow)
  for (Value a : dfg_[jump].dest[0].args.as_slice(dfg_.pool())) entry_args.push_back(a);
  Value s = entry_args[iv_index_];
  ins_.set_before(jump);

  // Trip count n (i64) and the conditions under which it is exact.
  Value lim = lim_ ? lim_ : iconst(kI32, *lim_const_);
  Value n, ok;
  if (cc_ == IntCC::kNe) {
    Value dist = unary(Opcode::kUextend, kI64, binary(Opcode::kIsub, lim, s));
    ok = icmp(IntCC::kNe, dist, iconst(kI64, 0));
    Value low = binary(Opcode::kBand, dist, iconst(kI64, step_ - 1));
    ok = binary(Opcode::kBand, ok, icmp(IntCC::kEq, low, iconst(kI64, 0)));
    n = binary(Opcode::kUshr, dist, iconst(kI64, log2_of(step_)));
  } else {
    bool sign = cc_ == IntCC::kSlt;
    Opcode ext = sign ? Opcode::kSextend : Opcode::kUextend;
    Value s64 = unary(ext, kI64, s), l64 = unary(ext, kI64, lim);
    ok = icmp(sign ? IntCC::kSlt : IntCC::kUlt, s64, l64);
    int64_t top = sign ? (int64_t{1} << 31) - step_ : (int64_t{1} << 32) - step_;
    ok = binary(Opcode::kBand, ok, icmp(sign ? IntCC::kSle : IntCC::kUle, l64, iconst(kI64, top)));
    Value dist = binary(Opcode::kIadd, binary(Opcode::kIsub, l64, s64), iconst(kI64, step_ - 1));
    n = binary(Opcode::kUshr, dist, iconst(kI64, log2_of(step_)));
  }
  // At least one vector iteration (m >= 1 below) and enough work to repay this guard.
  int64_t min_n = std::max(kMinIterations, u_ * kInterleave + 1);
  ok = binary(Opcode::kBand, ok, icmp(IntCC::kUge, n, iconst(kI64, min_n)));
  Value last = binary(Opcode::kIsub, n, iconst(kI64, 1));
  Value span = scale(last, cb_);  // bytes from the first iteration's accesses to the last's
  // Per stream: no 32-bit wrap, in bounds, and the absolute byte range.
  std::vector<Value> lo(streams_.size()), hi(streams_.size());
  for (uint32_t i = 0; i < streams_.size(); ++i) {
    const Stream& st = streams_[i];
    Value y = scale(s, st.coef);
    if (st.inv) y = binary(Opcode::kIadd, y, st.inv);
    if (sext32(st.c_min) != 0) y = binary(Opcode::kIadd, y, iconst(kI32, st.c_min));
    Value b64 = unary(Opcode::kUextend, kI64, y);
    Value end = binary(Opcode::kIadd, b64, span);
    Value top_index = binary(Opcode::kIadd, end, iconst(kI64, st.c_max - st.c_min));
    ok = binary(Opcode::kBand, ok, icmp(IntCC::kUle, top_index, iconst(kI64, 0xffffffff)));
    const InstData& hd = dfg_[dfg_.value_inst(st.heap)];
    InstData ld;
    ld.opcode = Opcode::kLoad;
    ld.type = kI64;
    MemFlags lf = MemFlags::trusted();
    lf.set_region(AliasRegion::kVmctx);
    ld.aux = lf.bits;
    ld.imm = hd.imm + kHeapLengthAfterBase;
    ld.args[0] = hd.args[0];
    Value length = emit(ld);
    Value top_byte = binary(Opcode::kIadd, end, iconst(kI64, st.rel_hi));
    ok = binary(Opcode::kBand, ok, icmp(IntCC::kUle, top_byte, length));
    Value base = binary(Opcode::kIadd, st.heap, b64);
    lo[i] = binary(Opcode::kIadd, base, iconst(kI64, st.rel_lo));
    hi[i] = binary(Opcode::kIadd, binary(Opcode::kIadd, base, span), iconst(kI64, st.rel_hi));
  }
  for (uint32_t i = 0; i < streams_.size(); ++i) {
    for (uint32_t j = 0; j < streams_.size(); ++j) {
      if (i == j || !streams_[i].stored || (streams_[j].stored && j < i)) continue;
      Value apart =
          binary(Opcode::kBor, icmp(IntCC::kUle, hi[i], lo[j]), icmp(IntCC::kUle, hi[j], lo[i]));
      ok = binary(Opcode::kBand, ok, apart);
    }
  }
  // Counters (fuel) stay negative over all n iterations, so no check of them at a loop header
  // (>= 0: out of fuel) could fire: otherwise the scalar loop runs and runs out at the same
  // iteration as unvectorised code. step < 2^31 and n <= 2^32: no overflow.
  for (const Counter& c : counters_) {
    Value start = entry_args[c.index];
    Value zero = iconst(kI64, 0);
    ok = binary(Opcode::kBand, ok, icmp(IntCC::kSlt, start, zero));
    Value end_count = binary(Opcode::kIadd, start, binary(Opcode::kImul, n, iconst(kI64, c.step)));
    ok = binary(Opcode::kBand, ok, icmp(IntCC::kSlt, end_count, zero));
  }
  // The vector loop runs m = (n-1)/U iterations and leaves iv at s + m*U*C.
  Value m = binary(Opcode::kUshr, last, iconst(kI64, log2_of(u_ * kInterleave)));
  Value advance = unary(Opcode::kIreduce, kI32, scale(m, kInterleave * u_ * step_));
  Value iv_end = binary(Opcode::kIadd, s, advance);

  // Splats and vector constants are invariant: made once, in the preheader.
  std::vector<Value> vec(nodes_.size());
  for (size_t k = 0; k < nodes_.size(); ++k) {
    const Node& n = nodes_[k];
    if (n.kind == NodeKind::kSplat) {
      vec[k] = unary(Opcode::kSplat, n.vt, n.scalar);
    } else if (n.kind == NodeKind::kConst) {
      InstData d;
      d.opcode = Opcode::kVconst;
      d.type = n.vt;
      d.aux = f_.make_constant(n.bytes).index();
      vec[k] = emit(d);
    }
  }

  // Each sum starts from zero in every lane; the scalar start value is added at the end.
  std::vector<Value> v_entry{s};
  for (const Reduction& r : reductions_) {
    InstData d;
    d.opcode = Opcode::kVconst;
    d.type = nodes_[r.node].vt;
    d.aux = f_.make_constant(V128Bytes{}).index();
    v_entry.push_back(emit(d));
  }

  for (const Counter& c : counters_) v_entry.push_back(entry_args[c.index]);

  Block v = dfg_.make_block();
  Value ivv = dfg_.append_block_param(v, kI32);
  std::vector<Value> vacc;
  for (const Reduction& r : reductions_)
    vacc.push_back(dfg_.append_block_param(v, nodes_[r.node].vt));
  std::vector<Value> vcount;
  for (size_t k = 0; k < counters_.size(); ++k) vcount.push_back(dfg_.append_block_param(v, kI64));
  f_.layout.insert_block_before(v, l_);
  {
    BlockCall vector_entry = dfg_.make_block_call(v, v_entry);
    InstData& j = dfg_[jump];
    BlockCall scalar = j.dest[0];
    j.opcode = Opcode::kBrif;
    j.args[0] = ok;
    j.dest[0] = vector_entry;
    j.dest[1] = scalar;
  }

  ins_.set_block(v);
  // kInterleave copies of the vector body, for iterations ivv, ivv + U*C, ...: independent
  // vectors in flight, and one induction update and branch per copy group.
  for (int64_t copy = 0; copy < kInterleave; ++copy) {
    Value ivc = copy ? binary(Opcode::kIadd, ivv, iconst(kI32, copy * u_ * step_)) : ivv;
    stream_iv_.clear();
    for (size_t k = 0; k < nodes_.size(); ++k) {
      const Node& n = nodes_[k];
      switch (n.kind) {
        case NodeKind::kSplat:
        case NodeKind::kConst:
          break;  // made in the preheader
        case NodeKind::kOp: {
          InstData d = dfg_[n.proto];
          d.vargs = ValueList();
          for (size_t a = 0; a < n.args.size(); ++a) d.args[a] = vec[n.args[a]];
          if (n.amount) {
            auto c = int_constant_of(dfg_, n.amount);
            d.args[1] = c ? iconst(dfg_.value_type(n.amount), *c) : n.amount;
          }
          vec[k] = emit(d);
          break;
        }
        case NodeKind::kLoad:
        case NodeKind::kStore: {
          const Access& a = accesses_[n.members[0]];
          MemFlags mf = dfg_[a.inst].mem_flags();
          mf.bits &= ~MemFlags::kAligned;  // element-aligned at best, not 16-byte aligned
          InstData d;
          d.opcode = n.kind == NodeKind::kLoad ? Opcode::kLoad : Opcode::kStore;
          d.aux = mf.bits;
          d.imm = a.imm;
          Value addr = address(a, ivc);
          if (n.kind == NodeKind::kLoad) {
            d.type = n.vt;
            d.args[0] = addr;
          } else {
            d.args[0] = vec[n.args[0]];
            d.args[1] = addr;
          }
          vec[k] = emit(d);
          break;
        }
      }
    }
    for (size_t r = 0; r < reductions_.size(); ++r) {
      vacc[r] = binary(Opcode::kIadd, vacc[r], vec[reductions_[r].node]);
    }
  }
  Value ivn = binary(Opcode::kIadd, ivv, iconst(kI32, kInterleave * u_ * step_));
  std::vector<Value> counted;
  for (size_t k = 0; k < counters_.size(); ++k) {
    counted.push_back(binary(Opcode::kIadd, vcount[k], iconst(kI64, kInterleave * u_ * counters_[k].step)));
  }
  std::vector<Value> back{ivn};
  back.insert(back.end(), vacc.begin(), vacc.end());
  back.insert(back.end(), counted.begin(), counted.end());
  InstData br;
  br.opcode = Opcode::kBrif;
  br.args[0] = icmp(IntCC::kNe, ivn, iv_end);
  br.dest[0] = dfg_.make_block_call(v, back);
  std::vector<Value> scalar_args = entry_args;
  scalar_args[iv_index_] = ivn;
  for (size_t k = 0; k < counters_.size(); ++k) scalar_args[counters_[k].index] = counted[k];
  if (reductions_.empty()) {
    br.dest[1] = dfg_.make_block_call(l_, scalar_args);
    emit(br);
    return;
  }
  // With sums, the vector loop exits through a block that adds each sum's lanes to its start
  // value (in any order: wrapping addition) and enters L with the total.
  Block x = dfg_.make_block();
  f_.layout.insert_block_before(x, l_);
  br.dest[1] = dfg_.make_block_call(x, std::vector<Value>{});
  emit(br);
  ins_.set_block(x);
  for (size_t r = 0; r < reductions_.size(); ++r) {
    Value sum = entry_args[reductions_[r].index];
    uint32_t lanes = nodes_[reductions_[r].node].vt.lane_count();
    for (uint32_t lane = 0; lane < lanes; ++lane) {
      InstData d;
      d.opcode = Opcode::kExtractLane;
      d.args[0] = vacc[r];
      d.imm = lane;
      sum = binary(Opcode::kIadd, sum, emit(d));
    }
    scalar_args[reductions_[r].index] = sum;
  }
  InstData j;
  j.opcode = Opcode::kJump;
  j.dest[0] = dfg_.make_block_call(l_, scalar_args);
  emit(j);
}

}  // namespace

namespace cached {
bool vectorize_loops(Function& f, CfgCache& cache) {
  // Loops are analysed first and given preheaders only if one of them is vectorised: the
  // pipeline's branch folding removes empty preheaders, and adding them back to every loop of
  // every function would be a change (and a cleanup round) for nothing.
  cache.ensure(f);
  LoopAnalysis loops;
  loops.compute(f, cache.cfg, cache.domtree);
  bool any = false, missing_preheader = false;
  for (Loop l : loops.inner_to_outer()) {
    if (loops.blocks(l).size() != 1 || !LoopVectorizer(f, loops.header(l), Block()).analyze()) {
      continue;
    }
    any = true;
    missing_preheader |= !find_preheader(f, cache.cfg, loops, l);
  }
  if (!any) return false;
  bool changed = false;
  if (missing_preheader) {
    changed = ensure_preheaders(f, cache);
    cache.ensure(f);
    loops.compute(f, cache.cfg, cache.domtree);
  }
  std::vector<std::pair<Block, Block>> candidates;  // (header, preheader)
  for (Loop l : loops.inner_to_outer()) {
    if (loops.blocks(l).size() != 1) continue;
    Block pre = find_preheader(f, cache.cfg, loops, l);
    if (pre) candidates.push_back({loops.header(l), pre});
  }
  // Each transformation adds a block and edges around its own loop only; the other
  // candidates' headers and preheaders stay as found.
  for (auto [header, pre] : candidates) {
    LoopVectorizer v(f, header, pre);
    if (!v.analyze()) continue;
    v.transform();
    changed = true;
  }
  if (changed) cache.valid = false;
  return changed;
}
}  // namespace cached

bool vectorize_loops(Function& f) {
  CfgCache cache;
  return cached::vectorize_loops(f, cache);
}

}  // namespace kiln::codegen::opt
