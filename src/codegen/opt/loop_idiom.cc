// codegen/opt/loop_idiom.cc: bulk fills and copies for element-wise fill and copy loops (see
// loop_idiom.h for what is recognised).
//
// The rewrite keeps the loop. Its preheader P (`jump H(starts)`) becomes
//
//   P:    ...guard...                   trip count T, address ranges, checks -> ok
//         brif ok, bulk, H(starts)      (the scalar loop when the guard fails)
//   bulk: fill or copy of T * S bytes    (S: bytes written per iteration)
//         jump exit(values after T iterations)      (loop tested in the latch)
//         jump H(induction values after T iterations)  (tested in the header: the header's
//                                        test now fails and the loop exits as it would have)
//
// Why the guard makes the bulk operation exact:
//  - T is the number of body executions, computed from the exit test without overflow (ne:
//    the exact solution of start + k*step == bound modulo 2^32; </>: for power-of-two steps,
//    with the bound checked so that the induction variable cannot wrap past it). A top-tested
//    loop may run zero times; T must reach a minimum size (a bulk call costs more than a short
//    loop), so zero and tiny trip counts run the loop.
//  - The i32 address of the first element is computed as the loop computes it (modulo 2^32);
//    the guard checks that the addresses of all T iterations stay below 2^32 (so the i32
//    arithmetic never wraps and the accessed bytes are one contiguous range) and that the
//    range's end is within the memory's current size: then no access of the loop would trap,
//    and if one would, the loop itself runs and traps at the same element with the same
//    memory contents.
//  - A copy reads every source byte before the loop overwrites it (and so gives memmove's
//    result) when the ranges do not overlap, or when dst <= src for a loop walking up (dst >=
//    src walking down) and, within one iteration, every element's load comes before the
//    stores of the elements at or above it (at or below it walking down): checked statically
//    on the body, then dynamically on the addresses.
//  - A fill wider than one byte needs all bytes of the stored value equal (checked at run
//    time; folded for constants).
// Values that live after the loop are its induction variables (their values after T
// iterations are start + T*step, or the exit edge's arguments); a loop whose other values are
// used outside it is not rewritten.
#include "codegen/opt/loop_idiom.h"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <optional>
#include <vector>

#include "codegen/opt/inserter.h"
#include "codegen/opt/loops.h"
#include "codegen/opt/passes.h"
#include "codegen/opt/util.h"

namespace kiln::codegen::opt {

using namespace ir;

namespace {

// Below this many bytes the loop runs: a bulk call costs about as much as this many bytes of a
// scalar byte loop.
constexpr int64_t kMinBytes = 32;
// Bounds that keep the body analysis small and every product below in range.
constexpr size_t kMaxAccesses = 64;
constexpr int64_t kMaxBlockBytes = 4096;

// An i32 value sym + m * iv + c (modulo 2^32); iv indexes the header parameters, sym is a
// value defined before the loop.
struct Affine {
  Value sym;
  int iv = -1;
  uint32_t m = 0;
  uint32_t c = 0;
};

struct Access {
  Inst inst;
  uint32_t seq = 0;  // position in the body
  uint32_t width = 0;
  Affine x;  // the i32 index
  int64_t offset = 0;
  int64_t pos = 0;  // byte position within the iteration's block (after normalisation)
};

// One stream of accesses (the stores, or the copy's loads): a common sym, iv and m; the first
// element of iteration 0 is at x0 = sym + m*start + base_c, and each access at x0 + pos.
struct Stream {
  Value sym;
  int iv = -1;
  uint32_t m = 0;
  uint32_t base_c = 0;
  int64_t cspan = 0;  // largest (c - base_c) of the stream's accesses
  int64_t pos_min = 0;
};

struct Param {
  bool is_iv = false;
  int32_t step = 0;
  // An i64 counter stepped by a constant (step64) that nothing but the loop's exit values uses:
  // the fuel variable of metered code (translate/fuel_epoch.h), which opt/limit_checks.h
  // checks at the loop header once the mid-end is done.
  bool wide = false;
  int64_t step64 = 0;
  Value start;  // the preheader's argument
  Value next;   // the back edge's argument (is_iv)
};

// Inserts instructions before a fixed instruction: the shared Inserter, with the pass's own
// short names and index arithmetic.
class Emitter : public Inserter {
 public:
  Emitter(Function& f, Inst before) : Inserter(f, before) {}
  Value bin(Opcode op, Value a, Value b) { return binary(op, a, b); }
  Value bin(Opcode op, Value a, int64_t b) { return binary(op, a, b); }
  Value convert(Opcode op, Type t, Value a) { return unary(op, t, a); }
  Value zext64(Value a) { return convert(Opcode::kUextend, kI64, a); }
  // i32 start + k * step, for an i64 count k.
  Value advance(Value start, Value k64, int32_t step) {
    Value k = convert(Opcode::kIreduce, kI32, k64);
    return bin(Opcode::kIadd, start, bin(Opcode::kImul, k, step));
  }
  // i64 start + k * step.
  Value advance64(Value start, Value k64, int64_t step) {
    return bin(Opcode::kIadd, start, bin(Opcode::kImul, k64, step));
  }
};

bool is_load_op(Opcode op) {
  switch (op) {
    case Opcode::kLoad:
    case Opcode::kUload8:
    case Opcode::kSload8:
    case Opcode::kUload16:
    case Opcode::kSload16:
    case Opcode::kUload32:
    case Opcode::kSload32:
      return true;
    default:
      return false;
  }
}

bool is_store_op(Opcode op) {
  return op == Opcode::kStore || op == Opcode::kIstore8 || op == Opcode::kIstore16 ||
         op == Opcode::kIstore32;
}

bool is_pow2(int64_t v) {
  return v > 0 && (v & (v - 1)) == 0;
}

int log2_of(uint64_t v) {
  int a = 0;
  while (v > 1) {
    v >>= 1;
    ++a;
  }
  return a;
}

// The inverse of an odd number modulo 2^32 (Newton's iteration).
uint32_t inverse_mod_2_32(uint32_t odd) {
  uint32_t x = odd;  // correct to 3 bits
  for (int k = 0; k < 5; ++k) x *= 2 - odd * x;
  return x;
}

class LoopIdiom {
 public:
  LoopIdiom(Function& f, CfgCache& cache, const BulkMemory& mem)
      : f_(f), dfg_(f.dfg), cache_(cache), mem_(mem) {}

  bool run() {
    // Most functions store nothing to a heap in any loop: skip the loop analysis for those
    // that have no heap store at all.
    bool any_store = false;
    for (Block b : f_.layout.blocks()) {
      for (Inst i : f_.layout.insts(b)) {
        const InstData& d = dfg_[i];
        any_store |= is_store_op(d.opcode) && d.mem_flags().region() == AliasRegion::kHeap;
      }
    }
    if (!any_store) return false;
    bool changed = false;
    EntitySet<Block> tried;
    // Each rewrite changes the CFG (a new block, new edges): the analysis is redone after
    // it. Headers already looked at are not looked at again, so this ends. A loop without a
    // preheader is analysed first; only if it qualifies are preheaders made (blocks added for
    // nothing would cost the pipeline another round), and it is looked at again.
    for (;;) {
      cache_.ensure(f_);
      loops_.compute(f_, cache_.cfg, cache_.domtree);
      bool again = false;
      for (Loop l : loops_.inner_to_outer()) {
        Block h = loops_.header(l);
        if (tried.contains(h)) continue;
        needs_preheader_ = false;
        if (try_loop(l)) {
          tried.insert(h);
          again = true;
          break;
        }
        if (needs_preheader_ && cached::ensure_preheaders(f_, cache_)) {
          again = true;
          break;
        }
        tried.insert(h);
      }
      if (!again) break;
      changed = true;
      cache_.valid = false;
    }
    return changed;
  }

 private:
  bool in_loop(Block b) const { return b && in_loop_.contains(b); }
  Block def_block(Value v) const {
    v = dfg_.resolve_aliases(v);
    const ValueData& vd = dfg_.value_data(v);
    if (vd.kind == ValueKind::kParam) return Block(vd.owner);
    return f_.layout.inst_block(Inst(vd.owner));
  }
  bool defined_outside(Value v) const { return !in_loop(def_block(v)); }
  int param_index(Value v) const {
    v = dfg_.resolve_aliases(v);
    auto params = dfg_.block_params(header_);
    for (size_t k = 0; k < params.size(); ++k) {
      if (params[k] == v) return static_cast<int>(k);
    }
    return -1;
  }
  // The value of v before the loop if v is loop-invariant: itself if defined outside, the
  // preheader's argument for a header parameter passed on unchanged.
  Value invariant_value(Value v) const {
    v = dfg_.resolve_aliases(v);
    if (defined_outside(v)) return v;
    int k = param_index(v);
    if (k >= 0 && !params_[k].is_iv) return params_[k].start;
    return Value();
  }

  // Loop-invariant: an integer constant (wherever it is defined) or invariant_value.
  bool is_invariant(Value v) const {
    return int_constant_of(dfg_, v).has_value() || invariant_value(v);
  }
  bool same_invariant(Value a, Value b) const {
    auto ca = int_constant_of(dfg_, a), cb = int_constant_of(dfg_, b);
    if (ca || cb) {
      return ca && cb && *ca == *cb &&
             dfg_.value_type(dfg_.resolve_aliases(a)) == dfg_.value_type(dfg_.resolve_aliases(b));
    }
    return invariant_value(a) == invariant_value(b);
  }
  // An invariant value as a value available where `e` inserts (a constant is made again).
  Value outside_value(Value v, Emitter& e) const {
    if (auto c = int_constant_of(dfg_, v))
      return e.iconst(dfg_.value_type(dfg_.resolve_aliases(v)), *c);
    return invariant_value(v);
  }

  std::optional<Affine> affine(Value v, int depth) const {
    v = dfg_.resolve_aliases(v);
    if (dfg_.value_type(v) != kI32 || depth > 16) return std::nullopt;
    Affine a;
    if (auto c = int_constant_of(dfg_, v)) {
      a.c = static_cast<uint32_t>(*c);
      return a;
    }
    int k = param_index(v);
    if (k >= 0 && params_[k].is_iv) {
      a.iv = k;
      a.m = 1;
      return a;
    }
    if (Value inv = invariant_value(v)) {
      a.sym = inv;
      return a;
    }
    Inst def = dfg_.value_inst(v);
    if (!def) return std::nullopt;
    const InstData& d = dfg_[def];
    switch (d.opcode) {
      case Opcode::kIadd:
      case Opcode::kIsub: {
        auto x = affine(d.args[0], depth + 1);
        auto y = affine(d.args[1], depth + 1);
        if (!x || !y) return std::nullopt;
        if (d.opcode == Opcode::kIsub) {
          if (y->sym) return std::nullopt;
          y->m = 0u - y->m;
          y->c = 0u - y->c;
        }
        if (x->sym && y->sym) return std::nullopt;
        if (x->iv >= 0 && y->iv >= 0 && x->iv != y->iv) return std::nullopt;
        a.sym = x->sym ? x->sym : y->sym;
        a.iv = x->iv >= 0 ? x->iv : y->iv;
        a.m = x->m + y->m;
        a.c = x->c + y->c;
        if (a.m == 0) a.iv = -1;
        return a;
      }
      case Opcode::kImul:
      case Opcode::kIshl: {
        auto x = affine(d.args[0], depth + 1);
        auto k2 = int_constant_of(dfg_, d.args[1]);
        if (!x || !k2) return std::nullopt;
        uint32_t factor =
            d.opcode == Opcode::kImul ? static_cast<uint32_t>(*k2) : uint32_t{1} << (*k2 & 31);
        if (x->sym && factor != 1) return std::nullopt;
        a = *x;
        a.m *= factor;
        a.c *= factor;
        if (a.m == 0) a.iv = -1;
        return a;
      }
      default:
        return std::nullopt;
    }
  }

  // The memory access of a load/store: base + uextend(x) + offset, with base a memory base.
  bool parse_access(Inst i, Value addr, Access& out) {
    const InstData& d = dfg_[i];
    if (d.mem_flags().region() != AliasRegion::kHeap || d.offset() < 0) return false;
    Inst add = dfg_.value_inst(addr);
    if (!add || dfg_[add].opcode != Opcode::kIadd) return false;
    for (int side = 0; side < 2; ++side) {
      Value base = dfg_.resolve_aliases(dfg_[add].args[side]);
      Value ext = dfg_[add].args[1 - side];
      Inst e = dfg_.value_inst(ext);
      if (!e || dfg_[e].opcode != Opcode::kUextend) continue;
      if (!defined_outside(base) || !mem_.is_memory_base(f_, base)) continue;
      if (base_ && base != base_) return false;  // one memory per loop
      auto x = affine(dfg_[e].args[0], 0);
      if (!x || x->iv < 0) return false;
      base_ = base;
      out.inst = i;
      out.x = *x;
      out.offset = d.offset();
      return true;
    }
    return false;
  }

  // Checks that the accesses share sym/iv/m, computes their positions within an iteration's
  // block and checks that the blocks tile: [pos_min, pos_min + S) exactly, S == |stride|.
  bool make_stream(std::vector<Access*>& accs, Stream& s, int64_t* block_bytes) {
    const Affine& a0 = accs[0]->x;
    s.sym = a0.sym;
    s.iv = a0.iv;
    s.m = a0.m;
    int64_t min_rel = 0;
    for (Access* a : accs) {
      if (a->x.sym != s.sym || a->x.iv != s.iv || a->x.m != s.m) return false;
      int64_t rel = static_cast<int32_t>(a->x.c - a0.c);
      if (rel > (1 << 20) || rel < -(1 << 20)) return false;
      min_rel = std::min(min_rel, rel);
    }
    s.base_c = a0.c + static_cast<uint32_t>(min_rel);
    s.cspan = 0;
    for (Access* a : accs) {
      int64_t rel = static_cast<int32_t>(a->x.c - s.base_c);
      s.cspan = std::max(s.cspan, rel);
      a->pos = rel + a->offset;
    }
    std::vector<Access*> sorted = accs;
    std::sort(sorted.begin(), sorted.end(),
              [](const Access* x, const Access* y) { return x->pos < y->pos; });
    int64_t bytes = 0;
    for (size_t k = 0; k < sorted.size(); ++k) {
      if (k > 0 && sorted[k]->pos != sorted[k - 1]->pos + sorted[k - 1]->width) return false;
      bytes += sorted[k]->width;
    }
    s.pos_min = sorted[0]->pos;
    *block_bytes = bytes;
    return true;
  }

  bool try_loop(Loop l) {
    header_ = loops_.header(l);
    base_ = Value();
    in_loop_.clear();
    for (Block b : loops_.blocks(l)) {
      if (loops_.innermost(b) != l) return false;  // not innermost
      in_loop_.insert(b);
    }
    // Without a preheader the analysis runs with the header's parameters standing for their
    // starting values, and asks for one if the loop qualifies.
    Block pre = find_preheader(f_, cache_.cfg, loops_, l);

    // The chain header -> ... -> latch with one exit branch.
    std::vector<Block> chain{header_};
    Inst exit_br;
    int exit_dest = -1;
    Block latch;
    for (Block cur = header_;;) {
      Inst t = f_.layout.last_inst(cur);
      const InstData& d = dfg_[t];
      Block next;
      if (d.opcode == Opcode::kJump) {
        next = d.dest[0].block;
      } else if (d.opcode == Opcode::kBrif && !exit_br) {
        bool in0 = in_loop(d.dest[0].block), in1 = in_loop(d.dest[1].block);
        if (in0 == in1) return false;
        exit_br = t;
        exit_dest = in0 ? 1 : 0;
        next = d.dest[in0 ? 0 : 1].block;
        if (next != header_ && !d.dest[in0 ? 0 : 1].args.is_empty()) return false;
      } else {
        return false;
      }
      if (next == header_) {
        latch = cur;
        break;
      }
      if (!in_loop(next) || cache_.cfg.preds(next).size() != 1 ||
          !dfg_.block_params(next).empty() || chain.size() > loops_.blocks(l).size()) {
        return false;
      }
      chain.push_back(next);
      cur = next;
    }
    if (!exit_br || chain.size() != loops_.blocks(l).size()) return false;
    Block exit_block = f_.layout.inst_block(exit_br);
    bool rotated = exit_block == latch;
    if (!rotated && exit_block != header_) return false;

    // Header parameters: unchanged or induction variables.
    std::vector<Value> starts;
    if (pre) {
      for (Value v : dfg_[f_.layout.last_inst(pre)].dest[0].args.as_slice(dfg_.pool()))
        starts.push_back(v);
    } else {
      for (Value v : dfg_.block_params(header_)) starts.push_back(v);
    }
    const InstData& back = dfg_[f_.layout.last_inst(latch)];
    const BlockCall& back_call =
        back.opcode == Opcode::kJump ? back.dest[0] : back.dest[1 - exit_dest];
    auto nexts = back_call.args.as_slice(dfg_.pool());
    auto hparams = dfg_.block_params(header_);
    params_.assign(hparams.size(), Param{});
    for (size_t k = 0; k < hparams.size(); ++k) {
      Param& p = params_[k];
      p.start = dfg_.resolve_aliases(starts[k]);
      Value n = dfg_.resolve_aliases(nexts[k]);
      if (n == hparams[k]) continue;
      Inst def = dfg_.value_inst(n);
      if (!def || !in_loop(f_.layout.inst_block(def))) return false;
      const InstData& d = dfg_[def];
      if (dfg_.value_type(n) == kI64) {
        // A counter: n = p + c (or c + p).
        std::optional<int64_t> c64;
        if (d.opcode == Opcode::kIadd && dfg_.resolve_aliases(d.args[0]) == hparams[k])
          c64 = int_constant_of(dfg_, d.args[1]);
        else if (d.opcode == Opcode::kIadd && dfg_.resolve_aliases(d.args[1]) == hparams[k])
          c64 = int_constant_of(dfg_, d.args[0]);
        if (!c64 || *c64 == 0 || *c64 > INT32_MAX || *c64 < -INT32_MAX) return false;
        p.is_iv = true;
        p.wide = true;
        p.step64 = *c64;
        p.next = n;
        continue;
      }
      if (dfg_.value_type(n) != kI32) return false;
      std::optional<int64_t> c;
      bool negate = false;
      if (d.opcode == Opcode::kIadd) {
        if (dfg_.resolve_aliases(d.args[0]) == hparams[k])
          c = int_constant_of(dfg_, d.args[1]);
        else if (dfg_.resolve_aliases(d.args[1]) == hparams[k])
          c = int_constant_of(dfg_, d.args[0]);
      } else if (d.opcode == Opcode::kIsub && dfg_.resolve_aliases(d.args[0]) == hparams[k]) {
        c = int_constant_of(dfg_, d.args[1]);
        negate = true;
      }
      // Steps of 0 and -2^31 (whose negation overflows) are left alone.
      if (!c || static_cast<int32_t>(*c) == 0 || static_cast<int32_t>(*c) == INT32_MIN)
        return false;
      p.is_iv = true;
      p.step = negate ? -static_cast<int32_t>(*c) : static_cast<int32_t>(*c);
      p.next = n;
    }

    // The body: pure instructions, heap loads and stores.
    std::vector<Access> stores, loads;
    uint32_t seq = 0;
    for (Block b : chain) {
      for (Inst i : f_.layout.insts(b)) {
        const InstData& d = dfg_[i];
        if (is_terminator(d.opcode)) continue;
        ++seq;
        if (is_store_op(d.opcode) || is_load_op(d.opcode)) {
          if (!rotated && b == header_) return false;  // would run T+1 times
          if (stores.size() + loads.size() >= kMaxAccesses) return false;
          bool st = is_store_op(d.opcode);
          Access a;
          Type t = st ? dfg_.value_type(d.args[0]) : dfg_.value_type(dfg_.first_result(i));
          if (t.is_vector() || !(t.is_int() || t.is_float())) return false;
          a.width = mem_access_bytes(d.opcode, t);
          a.seq = seq;
          if (!parse_access(i, st ? d.args[1] : d.args[0], a)) return false;
          (st ? stores : loads).push_back(a);
          continue;
        }
        if (!is_pure(d.opcode) || may_trap(f_, i)) return false;
      }
    }
    if (stores.empty()) return false;

    // Fill or copy: every stored value is one invariant value, or each is a load of the loop
    // of the same width used by nothing else.
    Value fill_src = dfg_.resolve_aliases(dfg_[stores[0].inst].args[0]);
    bool is_fill = is_invariant(fill_src);
    std::vector<int> src_of(stores.size(), -1);
    if (is_fill) {
      if (!loads.empty() || !dfg_.value_type(fill_src).is_int()) return false;
      for (const Access& s : stores) {
        if (!same_invariant(dfg_[s.inst].args[0], fill_src)) return false;
      }
    } else {
      if (loads.size() != stores.size()) return false;
      std::vector<bool> used(loads.size(), false);
      for (size_t k = 0; k < stores.size(); ++k) {
        Inst def = dfg_.value_inst(dfg_[stores[k].inst].args[0]);
        for (size_t j = 0; j < loads.size(); ++j) {
          if (loads[j].inst == def && !used[j] && loads[j].width == stores[k].width) {
            used[j] = true;
            src_of[k] = static_cast<int>(j);
          }
        }
        if (src_of[k] < 0) return false;
      }
      // Each loaded value is used once: by its store's value operand.
      for (Block b : chain) {
        for (Inst i : f_.layout.insts(b)) {
          bool bad = false;
          int count_as_value = is_store_op(dfg_[i].opcode) ? 1 : 0;
          int k = 0;
          for_each_operand(dfg_, i, [&](Value& v) {
            Inst def = dfg_.value_inst(v);
            bool from_load =
                def && is_load_op(dfg_[def].opcode) && in_loop(f_.layout.inst_block(def));
            if (from_load && !(k < count_as_value)) bad = true;
            ++k;
          });
          if (bad) return false;
        }
      }
    }

    // Streams and their tiling.
    std::vector<Access*> dst_accs, src_accs;
    for (Access& a : stores) dst_accs.push_back(&a);
    for (size_t k = 0; k < stores.size(); ++k) {
      if (src_of[k] >= 0) src_accs.push_back(&loads[src_of[k]]);
    }
    Stream dst, src;
    int64_t S = 0, S_src = 0;
    if (!make_stream(dst_accs, dst, &S)) return false;
    if (S > kMaxBlockBytes) return false;
    const Param& dp = params_[dst.iv];
    int64_t stride = static_cast<int32_t>(dst.m * static_cast<uint32_t>(dp.step));
    if (stride != S && stride != -S) return false;
    bool forward = stride > 0;
    bool static_order_ok = true;
    if (!is_fill) {
      if (!make_stream(src_accs, src, &S_src) || S_src != S) return false;
      if (static_cast<int32_t>(src.m * static_cast<uint32_t>(params_[src.iv].step)) != stride) {
        return false;
      }
      // Each pair keeps the same distance between destination and source positions.
      int64_t shift = stores[0].pos - loads[src_of[0]].pos;
      for (size_t k = 0; k < stores.size(); ++k) {
        if (stores[k].pos - loads[src_of[k]].pos != shift) return false;
      }
      // Within an iteration, every element's load before the stores of the elements at or
      // after it in the loop's direction.
      for (size_t p = 0; p < stores.size() && static_order_ok; ++p) {
        for (size_t q = 0; q < stores.size(); ++q) {
          bool after = forward ? stores[q].pos >= stores[p].pos : stores[q].pos <= stores[p].pos;
          if (after && loads[src_of[p]].seq > stores[q].seq) {
            static_order_ok = false;
            break;
          }
        }
      }
      // Same base expression: the distance is known (unless the addresses wrap, which the guard
      // rejects). An overlap the wrong way for any length worth a bulk copy: never rewrite.
      if (dst.sym == src.sym && dst.iv == src.iv) {
        int64_t delta = static_cast<int32_t>(dst.base_c - src.base_c) + dst.pos_min - src.pos_min;
        bool right_way = forward ? delta <= 0 : delta >= 0;
        if (!(static_order_ok && right_way) && std::abs(delta) < kMinBytes) return false;
      }
    }

    // The exit test: continue while `cc(v, bound)` with v an induction variable or its next
    // value.
    const InstData& xb = dfg_[exit_br];
    Value cond = dfg_.resolve_aliases(xb.args[0]);
    IntCC cc = IntCC::kNe;
    Value tested, bound;
    if (Inst ci = dfg_.value_inst(cond);
        ci && dfg_[ci].opcode == Opcode::kIcmp && dfg_.value_type(dfg_[ci].args[0]) == kI32) {
      cc = dfg_[ci].intcc();
      tested = dfg_.resolve_aliases(dfg_[ci].args[0]);
      bound = dfg_.resolve_aliases(dfg_[ci].args[1]);
      if (!is_invariant(bound)) {
        std::swap(tested, bound);
        cc = intcc_swap_args(cc);
      }
      if (!is_invariant(bound)) return false;
    } else if (dfg_.value_type(cond) == kI32) {
      tested = cond;  // brif on the value itself: continue while it is nonzero
    } else {
      return false;
    }
    bool continue_if_true = exit_dest == 1;
    if (!continue_if_true) cc = intcc_inverse(cc);
    int tk = param_index(tested);
    bool tested_next = false;
    if (tk < 0) {
      for (size_t k = 0; k < params_.size(); ++k) {
        if (params_[k].is_iv && params_[k].next == tested) {
          tk = static_cast<int>(k);
          tested_next = true;
        }
      }
    }
    if (tk < 0 || !params_[tk].is_iv || params_[tk].wide) return false;
    int32_t tstep = params_[tk].step;
    switch (cc) {
      case IntCC::kNe:
        break;
      case IntCC::kUlt:
      case IntCC::kSlt:
        if (!is_pow2(tstep)) return false;
        break;
      case IntCC::kUgt:
      case IntCC::kSgt:
        if (!is_pow2(-static_cast<int64_t>(tstep))) return false;
        break;
      default:
        return false;
    }

    // Values of the loop used after it: the exit edge's arguments (rotated) must be
    // invariant, induction variables or their next values; nothing else may be used outside.
    std::vector<Value> exit_args, live_out;
    if (rotated) {
      for (Value a : xb.dest[exit_dest].args.as_slice(dfg_.pool())) exit_args.push_back(a);
      for (Value a : exit_args) {
        a = dfg_.resolve_aliases(a);
        if (is_invariant(a) || param_index(a) >= 0) continue;
        bool is_next = false;
        for (const Param& p : params_) is_next |= p.is_iv && p.next == a;
        if (!is_next) return false;
      }
      // Induction values used directly after the loop (the latch dominates the exit) become
      // parameters of the exit block, which then must have no other predecessor.
      bool other = false;
      for (Block b : f_.layout.blocks()) {
        if (in_loop(b)) continue;
        for (Inst i : f_.layout.insts(b)) {
          for_each_operand(dfg_, i, [&](Value& v) {
            Value r = dfg_.resolve_aliases(v);
            if (defined_outside(r)) return;
            int k = param_index(r);
            bool iv = k >= 0 && params_[k].is_iv;
            for (const Param& p : params_) iv |= p.is_iv && p.next == r;
            if (!iv)
              other = true;
            else if (std::find(live_out.begin(), live_out.end(), r) == live_out.end())
              live_out.push_back(r);
          });
        }
      }
      if (other) return false;
      Block target = xb.dest[exit_dest].block;
      if (!live_out.empty() && (target == header_ || cache_.cfg.preds(target).size() != 1)) {
        return false;
      }
    }

    if (!pre) {
      needs_preheader_ = true;
      return false;
    }

    // ---- the rewrite: the guard at the end of the preheader. (Inserting instructions may
    // move InstData: no reference into the DFG is held across it.)
    const Block exit_target = xb.dest[exit_dest].block;
    Inst pre_term = f_.layout.last_inst(pre);
    Emitter e(f_, pre_term);
    Value ok;
    auto require = [&](Value c) { ok = ok ? e.bin(Opcode::kBand, ok, c) : c; };

    // Trip count.
    Value v0 = params_[tk].start;
    if (tested_next) v0 = e.bin(Opcode::kIadd, v0, tstep);
    Value n = bound ? outside_value(bound, e) : e.iconst(kI32, 0);
    Value count;  // i64: true tests before the first false one
    if (cc == IntCC::kNe) {
      Value diff = tstep > 0 ? e.bin(Opcode::kIsub, n, v0) : e.bin(Opcode::kIsub, v0, n);
      uint32_t mag = tstep > 0 ? static_cast<uint32_t>(tstep) : 0u - static_cast<uint32_t>(tstep);
      int a = std::countr_zero(mag);
      uint32_t odd = mag >> a;
      if (a > 0) {
        require(e.icmp(IntCC::kEq, e.bin(Opcode::kBand, diff, (int64_t{1} << a) - 1), 0));
        diff = e.bin(Opcode::kUshr, diff, a);
      }
      if (odd != 1) diff = e.bin(Opcode::kImul, diff, static_cast<int32_t>(inverse_mod_2_32(odd)));
      if (a > 0)
        diff = e.bin(Opcode::kBand, diff, static_cast<int64_t>((uint64_t{1} << (32 - a)) - 1));
      count = e.zext64(diff);
    } else {
      bool up = cc == IntCC::kUlt || cc == IntCC::kSlt;
      if (cc == IntCC::kSlt || cc == IntCC::kSgt) {
        n = e.bin(Opcode::kBxor, n, INT32_MIN);
        v0 = e.bin(Opcode::kBxor, v0, INT32_MIN);
      }
      int64_t mag = up ? tstep : -static_cast<int64_t>(tstep);
      // The last value that passes the test must not wrap past the bound when stepped.
      if (mag > 1) {
        require(up ? e.icmp(IntCC::kUle, n, static_cast<int64_t>(0x100000000 - mag))
                   : e.icmp(IntCC::kUge, n, mag - 1));
      }
      Value d = up ? e.bin(Opcode::kIsub, e.zext64(n), e.zext64(v0))
                   : e.bin(Opcode::kIsub, e.zext64(v0), e.zext64(n));
      Value zero = e.iconst(kI64, 0);
      Value pos = e.select(e.icmp(IntCC::kSgt, d, zero), d, zero);
      count = e.bin(Opcode::kUshr, e.bin(Opcode::kIadd, pos, mag - 1), log2_of(mag));
    }
    Value trips = rotated ? e.bin(Opcode::kIadd, count, 1) : count;
    require(e.icmp(IntCC::kUge, trips, (kMinBytes + S - 1) / S));
    Value len = e.bin(Opcode::kImul, trips, S);
    Value size = mem_.insert_size(f_, base_, pre_term);
    Value span = e.bin(Opcode::kImul, e.bin(Opcode::kIsub, trips, 1), S);
    // Counters (fuel) stay negative at every header visit of the T iterations, so that the
    // fuel check at the header (>= 0: out of fuel) would pass each time: otherwise the loop
    // runs and runs out at the same element. |step| < 2^31 and T <= 2^32, so the product does
    // not overflow, nor the sum of a negative start and it.
    for (const Param& p : params_) {
      if (!p.wide) continue;
      Value zero64 = e.iconst(kI64, 0);
      require(e.icmp(IntCC::kSlt, p.start, zero64));
      Value last = e.bin(Opcode::kIadd, p.start,
                         e.bin(Opcode::kImul, e.bin(Opcode::kIsub, trips, 1), p.step64));
      require(e.icmp(IntCC::kSlt, last, zero64));
    }

    // Each stream: no wrap-around, in bounds; returns the byte index of its lowest byte.
    auto range = [&](const Stream& s) {
      const Param& p = params_[s.iv];
      Value x = p.start;
      if (s.m != 1) x = e.bin(Opcode::kImul, x, static_cast<int32_t>(s.m));
      if (s.sym) x = e.bin(Opcode::kIadd, x, s.sym);
      if (s.base_c != 0) x = e.bin(Opcode::kIadd, x, static_cast<int32_t>(s.base_c));
      Value r = e.zext64(x);
      Value lo, hi;
      if (forward) {
        Value top = e.bin(Opcode::kIadd, r, e.bin(Opcode::kIadd, span, s.cspan));
        require(e.icmp(IntCC::kUle, top, 0xffffffff));
        lo = e.bin(Opcode::kIadd, r, s.pos_min);
        hi = e.bin(Opcode::kIadd, e.bin(Opcode::kIadd, r, span), s.pos_min + S);
      } else {
        require(e.icmp(IntCC::kUge, r, span));
        require(e.icmp(IntCC::kUle, r, 0xffffffff - s.cspan));
        lo = e.bin(Opcode::kIadd, e.bin(Opcode::kIsub, r, span), s.pos_min);
        hi = e.bin(Opcode::kIadd, r, s.pos_min + S);
      }
      require(e.icmp(IntCC::kUle, hi, size));
      return lo;
    };
    Value dlo = range(dst);
    Value slo;
    Value byte;
    Value fill_value = is_fill ? outside_value(fill_src, e) : Value();
    if (!is_fill) {
      slo = range(src);
      Value disjoint = e.bin(Opcode::kBor, e.icmp(IntCC::kUge, dlo, e.bin(Opcode::kIadd, slo, len)),
                             e.icmp(IntCC::kUle, e.bin(Opcode::kIadd, dlo, len), slo));
      if (static_order_ok) {
        disjoint =
            e.bin(Opcode::kBor, disjoint, e.icmp(forward ? IntCC::kUle : IntCC::kUge, dlo, slo));
      }
      require(disjoint);
    } else {
      Type t = dfg_.value_type(fill_value);
      uint32_t w = 0;
      for (const Access& s : stores) w = std::max(w, s.width);
      if (w > 1) {
        uint64_t ones = 0;
        for (uint32_t k = 0; k < w; ++k) ones |= uint64_t{1} << (8 * k);
        Value low = e.bin(Opcode::kBand, fill_value, 0xff);
        Value rep = e.bin(Opcode::kImul, low, static_cast<int64_t>(ones));
        Value part = w * 8 >= t.bits() ? fill_value
                                       : e.bin(Opcode::kBand, fill_value,
                                               static_cast<int64_t>((uint64_t{1} << (8 * w)) - 1));
        require(e.icmp(IntCC::kEq, part, rep));
      }
      byte = t == kI32 ? fill_value : e.convert(Opcode::kIreduce, kI32, fill_value);
    }

    if (!live_out.empty()) {
      std::vector<Value> fresh;
      for (size_t k = 0; k < live_out.size(); ++k)
        fresh.push_back(dfg_.append_block_param(exit_target, dfg_.value_type(live_out[k])));
      for (Block b : f_.layout.blocks()) {
        if (in_loop(b)) continue;
        for (Inst i : f_.layout.insts(b)) {
          for_each_operand(dfg_, i, [&](Value& v) {
            Value r = dfg_.resolve_aliases(v);
            for (size_t k = 0; k < live_out.size(); ++k) {
              if (r == live_out[k]) v = fresh[k];
            }
          });
        }
      }
      exit_args.insert(exit_args.end(), live_out.begin(), live_out.end());
      dfg_[exit_br].dest[exit_dest] = dfg_.make_block_call(exit_target, exit_args);
    }

    // The preheader branches on the guard; the bulk block runs the operation.
    Block bulk = dfg_.make_block();
    f_.layout.insert_block_after(bulk, pre);
    InstData term;
    term.opcode = Opcode::kJump;
    Inst bulk_term = dfg_.make_inst(term);
    f_.layout.append_inst(bulk_term, bulk);
    if (is_fill) {
      mem_.insert_fill(f_, base_, dlo, byte, len, bulk_term);
    } else {
      mem_.insert_copy(f_, base_, dlo, slo, len, bulk_term);
    }
    Emitter be(f_, bulk_term);
    std::vector<Value> out;
    if (rotated) {
      Value last;  // T - 1, made when needed
      for (Value a : exit_args) {
        a = dfg_.resolve_aliases(a);
        int k = param_index(a);
        if (is_invariant(a)) {
          out.push_back(outside_value(a, be));
        } else if (k >= 0) {
          if (!last) last = be.bin(Opcode::kIsub, trips, 1);
          const Param& p = params_[k];
          out.push_back(p.wide ? be.advance64(p.start, last, p.step64) : be.advance(p.start, last, p.step));
        } else {
          for (const Param& p : params_) {
            if (p.is_iv && p.next == a) {
              out.push_back(p.wide ? be.advance64(p.start, trips, p.step64) : be.advance(p.start, trips, p.step));
              break;
            }
          }
        }
      }
      dfg_[bulk_term].dest[0] = dfg_.make_block_call(exit_target, out);
    } else {
      for (const Param& p : params_) {
        out.push_back(!p.is_iv ? p.start
                      : p.wide ? be.advance64(p.start, trips, p.step64)
                               : be.advance(p.start, trips, p.step));
      }
      dfg_[bulk_term].dest[0] = dfg_.make_block_call(header_, out);
    }
    InstData& pj = dfg_[pre_term];
    BlockCall loop_entry = pj.dest[0];
    pj.opcode = Opcode::kBrif;
    pj.args[0] = ok;
    pj.dest[0] = dfg_.make_block_call(bulk, {});
    pj.dest[1] = loop_entry;
    return true;
  }

  Function& f_;
  DataFlowGraph& dfg_;
  CfgCache& cache_;
  const BulkMemory& mem_;
  LoopAnalysis loops_;
  EntitySet<Block> in_loop_;
  Block header_;
  Value base_;
  bool needs_preheader_ = false;
  std::vector<Param> params_;
};

}  // namespace

namespace cached {
bool recognize_loop_idioms(Function& f, CfgCache& cache, const BulkMemory& memory) {
  bool changed = LoopIdiom(f, cache, memory).run();
  if (changed) cache.resolve_operands(f);
  return changed;
}
}  // namespace cached

bool recognize_loop_idioms(Function& f, const BulkMemory& memory) {
  CfgCache cache;
  return cached::recognize_loop_idioms(f, cache, memory);
}

}  // namespace kiln::codegen::opt
