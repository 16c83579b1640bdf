// codegen/opt/schedule.cc: list scheduling of pure instructions within a block, for ILP.
//
// The translator emits a Wasm function's operations in source order: a long straight-line
// block made of several independent dependency chains (the four quarter-rounds of a ChaCha or
// BLAKE round, say) comes out one chain after the other. An out-of-order core overlaps them
// only as far as its scheduler window reaches, and a chain that starts late delays the next
// step that needs all of them. This pass interleaves them: a top-down list schedule of each
// large block by critical-path height (the longest latency path from an instruction to the
// block's end), ties in source order.
//
// What may move: pure instructions that cannot trap (opt::is_pure, no side effect). Every
// other instruction (loads, stores, calls, traps, anything that may trap) keeps its order
// relative to the others, so memory contents at every trap and call are unchanged; the
// terminator stays last. Values stay in SSA; only the layout order changes.
//
// Register pressure: interleaving keeps more temporaries live. The schedule tracks the
// values defined in the block that are still needed (an unscheduled user in the block, or any
// use elsewhere) and compares with the same count along the source order: an instruction that
// would take the count more than kSlack above the source order's at that point is held back
// while the instruction earliest in source order among the ready ones is taken instead, which
// moves the schedule back towards the source order.
//
// A schedule is kept only if two estimates over the block agree it pays: a simple model of an
// out-of-order core (estimate_cycles) predicts at least 10% fewer cycles than the source order,
// and a Belady simulation of 13 registers (estimate_reloads) does not need many more reloads.
// Otherwise the block stays as it was: interleaving a Keccak round more than doubled its
// reloads; a loop body the core already overlaps gains nothing and may spill more.
#include <algorithm>
#include <queue>
#include <span>

#include "codegen/opt/passes.h"
#include "codegen/opt/util.h"

namespace kiln::codegen::opt {

using namespace ir;

namespace {

// Blocks shorter than this are left alone (nothing to interleave, and no compile time spent).
constexpr uint32_t kMinBlockInsts = 48;
// How far above the source order's live count the schedule may go.
constexpr int32_t kSlack = 3;
// Up to this many live values the schedule goes by height alone (they fit in registers).
constexpr int32_t kFreeLive = 12;
// The core estimate_cycles models.
constexpr uint32_t kWindow = 32, kIssue = 4, kDispatch = 6;

uint32_t latency(Opcode op) {
  switch (op) {
    case Opcode::kImul:
      return 3;
    case Opcode::kFadd: case Opcode::kFsub: case Opcode::kFmul:
      return 3;
    case Opcode::kFdiv: case Opcode::kSqrt:
      return 12;
    default:
      return can_load(op) ? 4 : 1;
  }
}

struct Scratch {
  std::vector<Inst> insts;        // the block's schedulable instructions, source order
  std::vector<uint32_t> local;    // by inst index: position in insts, or ~0
  std::vector<uint32_t> uses;     // by value index: uses in the whole function
  std::vector<uint32_t> in_block; // by value index: uses by schedulable insts of this block
  std::vector<uint32_t> remaining;
  std::vector<uint32_t> npreds, height, first_succ, succs;
  std::vector<std::pair<uint32_t, uint32_t>> edges;
  std::vector<int32_t> source_live;
  std::vector<uint8_t> done;
  std::vector<Inst> order;
  std::vector<uint32_t> last_seen, next_use, next_use_start;  // estimate_reloads
  std::vector<uint32_t> source_index, done_at, per_cycle, completed;
  std::vector<uint32_t> pred_start, preds;  // predecessors by source index (CSR)
};

bool floating(const Function& f, Inst i) {
  return is_pure(f.dfg[i].opcode) && !f.has_side_effects(i);
}

bool is_constant(const DataFlowGraph& dfg, Inst i) {
  return is_scalar_constant(dfg[i].opcode) || dfg[i].opcode == Opcode::kVconst;
}

// How many values an allocator with kRegisters registers would have to reload running the
// block's instructions in `order`, evicting the value used furthest ahead (Belady): the
// schedule's proxy for spill cost. Constants do not count (immediates, rematerialised).
uint32_t estimate_reloads(DataFlowGraph& dfg, std::span<const Inst> order, Scratch& s) {
  constexpr uint32_t kRegisters = 13;
  constexpr uint32_t kNone = ~0u;       // no later use: dead
  const uint32_t kEscapes = kNone - 1;  // used after the block only
  const uint32_t n = static_cast<uint32_t>(order.size());
  auto counted = [&](Value v) {
    Inst d = dfg.value_inst(v);
    return !(d.is_valid() && is_constant(dfg, d));
  };
  // After its last use in the block a value is dead, or live on if used elsewhere.
  auto after_last = [&](Value v) {
    return s.uses[v.index()] > s.in_block[v.index()] ? kEscapes : kNone;
  };
  // Backward: each operand's and each result's next use, operands then results per
  // instruction, from start[p].
  std::vector<uint32_t>& start = s.next_use_start;
  start.assign(n + 1, 0);
  for (uint32_t p = 0; p < n; ++p) {
    uint32_t c = 0;
    for_each_operand(dfg, order[p], [&](Value&) { ++c; });
    start[p + 1] = start[p] + c + static_cast<uint32_t>(dfg.inst_results(order[p]).size());
  }
  s.next_use.assign(start[n], kNone);
  for (uint32_t p = n; p-- > 0;) {
    Inst i = order[p];
    uint32_t k = start[p];
    for_each_operand(dfg, i, [&](Value& v) {
      Value r = dfg.resolve_aliases(v);
      uint32_t& ls = s.last_seen[r.index()];
      s.next_use[k++] = ls != kNone ? ls : after_last(r);
      ls = p;
    });
    for (Value r : dfg.inst_results(i)) {
      const uint32_t ls = s.last_seen[r.index()];
      s.next_use[k++] = ls != kNone ? ls : after_last(r);
    }
  }
  for (uint32_t p = 0; p < n; ++p) {
    for_each_operand(dfg, order[p], [&](Value& v) { s.last_seen[dfg.resolve_aliases(v).index()] = kNone; });
  }
  struct Slot { uint32_t value, next; };
  Slot regs[kRegisters];
  uint32_t used = 0, reloads = 0;
  auto place = [&](uint32_t value, uint32_t next) {
    if (used < kRegisters) {
      regs[used++] = {value, next};
      return;
    }
    uint32_t far = 0;
    for (uint32_t r = 1; r < used; ++r) if (regs[r].next > regs[far].next) far = r;
    if (regs[far].next > next) regs[far] = {value, next};  // else the new value is the one left out
  };
  for (uint32_t p = 0; p < n; ++p) {
    Inst i = order[p];
    uint32_t k = start[p];
    for_each_operand(dfg, i, [&](Value& v) {
      const Value x = dfg.resolve_aliases(v);
      const uint32_t next = s.next_use[k++];
      if (!counted(x)) return;
      for (uint32_t r = 0; r < used; ++r) {
        if (regs[r].value == x.index()) {
          regs[r].next = next;
          return;
        }
      }
      ++reloads;
      place(x.index(), next);
    });
    for (uint32_t r = 0; r < used;) {
      if (regs[r].next == kNone) regs[r] = regs[--used];
      else ++r;
    }
    for (Value res : dfg.inst_results(i)) {
      const uint32_t next = s.next_use[k++];
      if (next != kNone && counted(res)) place(res.index(), next);
    }
  }
  return reloads;
}

// Cycles a simple out-of-order core would take on the block in `order` (`source_index` maps a
// position in `order` to the instruction's source index, which the dependence edges use):
// 6-wide dispatch, 4 issues per cycle, and a window of kWindow instructions (one enters when
// the one kWindow places before it has completed). The window is what makes a sequence of
// long dependency chains slow, and it is small on purpose: calibrated on Zen 4, where the
// schedules this model prefers by 10% or more ran faster (blake3's compress, the ChaCha
// double round) and those it prefers by less did not (gimli's round, a matrix multiply's
// unrolled inner loop, which the schedule made slower through more spills).
uint32_t estimate_cycles(const DataFlowGraph& dfg, std::span<const Inst> order,
                         std::span<const uint32_t> source_index, Scratch& s) {
  const uint32_t n = static_cast<uint32_t>(order.size());
  s.done_at.assign(n, 0);    // by source index
  s.completed.assign(n, 0);  // by position: all up to it have completed
  s.per_cycle.assign(n / kIssue + 16, 0);
  uint32_t dispatch = 0, total = 0;
  for (uint32_t p = 0; p < n; ++p) {
    const uint32_t k = source_index[p];
    dispatch = std::max(dispatch, p / kDispatch);
    if (p >= kWindow) dispatch = std::max(dispatch, s.completed[p - kWindow]);
    uint32_t t = dispatch;
    for (uint32_t e = s.pred_start[k]; e < s.pred_start[k + 1]; ++e) t = std::max(t, s.done_at[s.preds[e]]);
    while (true) {
      if (t >= s.per_cycle.size()) s.per_cycle.resize(t * 2 + 16, 0);
      if (s.per_cycle[t] < kIssue) break;
      ++t;
    }
    s.per_cycle[t]++;
    s.done_at[k] = t + latency(dfg[order[p]].opcode);
    s.completed[p] = std::max(s.done_at[k], p > 0 ? s.completed[p - 1] : 0);
    total = std::max(total, s.done_at[k]);
  }
  return total;
}

}  // namespace

namespace cached {

bool schedule_for_ilp(Function& f, CfgCache&) { return opt::schedule_for_ilp(f, true); }

}  // namespace cached

bool schedule_for_ilp(Function& f, bool only_if_profitable) {
  const uint32_t min_insts = only_if_profitable ? kMinBlockInsts : 4;
  DataFlowGraph& dfg = f.dfg;
  thread_local Scratch s;
  bool any = false;
  bool counted = false, sized = false;
  for (Block b : f.layout.blocks()) {
    // Collect the block (cheap test first).
    s.insts.clear();
    Inst term;
    for (Inst i : f.layout.insts(b)) s.insts.push_back(i);
    if (s.insts.size() < min_insts + 1) continue;
    if (is_terminator(dfg[s.insts.back()].opcode)) {
      term = s.insts.back();
      s.insts.pop_back();
    }
    const uint32_t n = static_cast<uint32_t>(s.insts.size());
    if (!sized) {
      sized = true;
      s.local.assign(dfg.num_insts(), ~0u);
      s.in_block.assign(dfg.num_values(), 0);
      s.remaining.assign(dfg.num_values(), 0);
    }
    for (uint32_t k = 0; k < n; ++k) s.local[s.insts[k].index()] = k;

    // Dependence edges: operands defined in the block, and the order of the fixed instructions.
    s.edges.clear();
    uint32_t last_fixed = ~0u;
    uint32_t num_floating = 0;
    for (uint32_t k = 0; k < n; ++k) {
      Inst i = s.insts[k];
      for_each_operand(dfg, i, [&](Value& v) {
        Value r = dfg.resolve_aliases(v);
        s.in_block[r.index()]++;
        Inst d = dfg.value_inst(r);
        if (d.is_valid() && s.local[d.index()] != ~0u && f.layout.inst_block(d) == b) {
          s.edges.push_back({s.local[d.index()], k});
        }
      });
      if (floating(f, i)) {
        ++num_floating;
      } else {
        if (last_fixed != ~0u) s.edges.push_back({last_fixed, k});
        last_fixed = k;
      }
    }
    auto clear_block = [&] {
      for (uint32_t k = 0; k < n; ++k) {
        Inst i = s.insts[k];
        s.local[i.index()] = ~0u;
        for_each_operand(dfg, i, [&](Value& v) { s.in_block[dfg.resolve_aliases(v).index()] = 0; });
      }
    };
    if (num_floating < min_insts / 2) {
      clear_block();
      continue;
    }
    std::sort(s.edges.begin(), s.edges.end());
    s.edges.erase(std::unique(s.edges.begin(), s.edges.end()), s.edges.end());
    s.first_succ.assign(n + 1, 0);
    for (auto& e : s.edges) s.first_succ[e.first + 1]++;
    for (uint32_t k = 0; k < n; ++k) s.first_succ[k + 1] += s.first_succ[k];
    s.succs.resize(s.edges.size());
    s.npreds.assign(n, 0);
    for (size_t e = 0; e < s.edges.size(); ++e) {
      s.succs[e] = s.edges[e].second;  // edges sorted by source: CSR order
      s.npreds[s.edges[e].second]++;
    }
    s.pred_start.assign(n + 1, 0);
    for (auto& e : s.edges) s.pred_start[e.second + 1]++;
    for (uint32_t k = 0; k < n; ++k) s.pred_start[k + 1] += s.pred_start[k];
    s.preds.resize(s.edges.size());
    s.completed.assign(s.pred_start.begin(), s.pred_start.end() - 1);  // fill cursors
    for (auto& e : s.edges) s.preds[s.completed[e.second]++] = e.first;
    s.height.assign(n, 0);
    for (uint32_t k = n; k-- > 0;) {
      uint32_t h = 0;
      for (uint32_t e = s.first_succ[k]; e < s.first_succ[k + 1]; ++e) h = std::max(h, s.height[s.succs[e]]);
      s.height[k] = h + latency(dfg[s.insts[k]].opcode);
    }

    // No schedule can beat the longest path or the issue width: a source order already within
    // 10% of that bound is kept without scheduling (most blocks end here).
    s.source_index.resize(n);
    for (uint32_t k = 0; k < n; ++k) s.source_index[k] = k;
    const uint32_t c_source = estimate_cycles(dfg, s.insts, s.source_index, s);
    uint32_t bound = (n + kIssue - 1) / kIssue;
    for (uint32_t k = 0; k < n; ++k) bound = std::max(bound, s.height[k]);
    if (only_if_profitable && c_source * 9 < bound * 10) {
      clear_block();
      continue;
    }

    // Uses in the whole function (once per function, for the first block that gets this far).
    if (!counted) {
      counted = true;
      s.uses.assign(dfg.num_values(), 0);
      for (Block bb : f.layout.blocks()) {
        for (Inst i : f.layout.insts(bb)) {
          for_each_operand(dfg, i, [&](Value& v) { s.uses[dfg.resolve_aliases(v).index()]++; });
        }
      }
    }

    // Live-count bookkeeping: a result counts from its definition until its last user in the
    // block is scheduled (forever if used outside the block or by the terminator).
    auto live_delta = [&](uint32_t k, bool apply) {
      int32_t delta = 0;
      Inst i = s.insts[k];
      if (!is_constant(dfg, i)) {
        for (Value r : dfg.inst_results(i)) {
          if (s.uses[r.index()] > 0) ++delta;
          if (apply) s.remaining[r.index()] = s.in_block[r.index()];
        }
      }
      for_each_operand(dfg, i, [&](Value& v) {
        Value r = dfg.resolve_aliases(v);
        Inst d = dfg.value_inst(r);
        if (!d.is_valid() || s.local[d.index()] == ~0u || is_constant(dfg, d)) return;
        // Each use once per operand slot; the value dies at its last in-block use if it has
        // no other.
        uint32_t& rem = s.remaining[r.index()];
        if (apply) {
          if (--rem == 0 && s.uses[r.index()] == s.in_block[r.index()]) --delta;
        } else if (rem == 1 && s.uses[r.index()] == s.in_block[r.index()]) {
          --delta;
        }
      });
      return delta;
    };
    // The source order's profile.
    s.source_live.assign(n + 1, 0);
    int32_t live = 0;
    for (uint32_t k = 0; k < n; ++k) {
      live += live_delta(k, true);
      s.source_live[k + 1] = live;
    }
    for (uint32_t k = 0; k < n; ++k) {
      for (Value r : dfg.inst_results(s.insts[k])) s.remaining[r.index()] = 0;
    }

    // Top-down list scheduling.
    auto by_height = [&](uint32_t a, uint32_t c) {
      return s.height[a] != s.height[c] ? s.height[a] < s.height[c] : a > c;
    };
    std::priority_queue<uint32_t, std::vector<uint32_t>, decltype(by_height)> ready(by_height);
    std::priority_queue<uint32_t, std::vector<uint32_t>, std::greater<uint32_t>> earliest;
    s.done.assign(n, 0);
    for (uint32_t k = 0; k < n; ++k) {
      if (s.npreds[k] == 0) {
        ready.push(k);
        earliest.push(k);
      }
    }
    s.order.clear();
    live = 0;
    bool moved = false;
    while (s.order.size() < n) {
      while (!ready.empty() && s.done[ready.top()]) ready.pop();
      while (!earliest.empty() && s.done[earliest.top()]) earliest.pop();
      uint32_t pick = ready.top();
      const uint32_t pos = static_cast<uint32_t>(s.order.size());
      if (pick != earliest.top() &&
          live + live_delta(pick, false) > std::max(s.source_live[pos + 1] + kSlack, kFreeLive)) {
        pick = earliest.top();
      }
      s.done[pick] = 1;
      live += live_delta(pick, true);
      if (pick != pos) moved = true;
      s.order.push_back(s.insts[pick]);
      for (uint32_t e = s.first_succ[pick]; e < s.first_succ[pick + 1]; ++e) {
        uint32_t t = s.succs[e];
        if (--s.npreds[t] == 0) {
          ready.push(t);
          earliest.push(t);
        }
      }
    }
    for (uint32_t k = 0; k < n; ++k) {
      for (Value r : dfg.inst_results(s.insts[k])) s.remaining[r.index()] = 0;
    }
    uint32_t r_source = 0, r_sched = 0, c_sched = 0;
    if (moved) {
      for (uint32_t p = 0; p < n; ++p) s.source_index[p] = s.local[s.order[p].index()];
      c_sched = estimate_cycles(dfg, s.order, s.source_index, s);
      if (s.last_seen.size() < dfg.num_values()) s.last_seen.assign(dfg.num_values(), ~0u);
      r_source = estimate_reloads(dfg, s.insts, s);
      r_sched = estimate_reloads(dfg, s.order, s);
    }
    clear_block();
    // Keep the source order unless the schedule is predicted to be clearly faster (at least
    // 10% fewer cycles) without needing many more reloads than it (interleaving keeps more
    // values live, and there are only so many registers).
    if (!moved || (only_if_profitable &&
                   (c_sched * 10 > c_source * 9 || r_sched > r_source + r_source / 4 + 4))) {
      continue;
    }
    // Relink: each instruction in the new order before the terminator (or at the end).
    for (Inst i : s.order) f.layout.remove_inst(i);
    for (Inst i : s.order) {
      if (term.is_valid()) f.layout.insert_inst_before(i, term);
      else f.layout.append_inst(i, b);
    }
    any = true;
  }
  return any;
}

}  // namespace kiln::codegen::opt
