// codegen/regalloc/checker.cc: check(): symbolic re-execution of an allocated function.
//
// Every register and spill slot holds a set of vregs whose value it is known to contain. The
// checker runs each block with the edits interleaved, transfers states along CFG edges (a block
// param joins every location holding its argument), intersects them at merges and iterates to
// a fixed point; then it runs every reachable block once more and verifies each operand:
// its allocation satisfies its constraint and holds its vreg. Because a definition removes its
// vreg from every other location (SSA: a new value in a loop replaces the old one), a stale
// copy is never mistaken for the current value. Clobbers empty their registers, so a value
// that did not survive a call is caught at its next read; a fixed def that overwrote a live
// value is caught the same way.
//
// Speed: the state carried into a block keeps only the vregs live into it (and its params):
// a dead value can never be read again, so dropping it changes no verdict, and states stay
// as small as the live sets instead of growing with every value ever spilled. It also means a
// vreg defined in a block is normally held nowhere before its definition, so the search for
// stale copies runs only for vregs that were in the block's entry state.
#include <algorithm>
#include <optional>
#include <string>

#include "codegen/regalloc/regalloc.h"

namespace kiln::codegen::regalloc {
namespace {

using Pair = std::pair<uint32_t, uint32_t>;  // (location, vreg)
using State = std::vector<Pair>;             // sorted

Error bad(const std::string& msg) { return Error(ErrorKind::kOther, "regalloc check: " + msg); }
Error bad_at(uint32_t inst, const std::string& msg) {
  return Error(ErrorKind::kOther, "regalloc check: inst " + std::to_string(inst) + ": " + msg);
}

std::string describe(const Allocation& a) {
  switch (a.kind) {
    case Allocation::Kind::kReg:
      return std::string(a.reg.cls == RegClass::kInt ? "r" : "f") + std::to_string(a.reg.hw);
    case Allocation::Kind::kStack:
      return "slot" + std::to_string(a.slot);
    default:
      return "none";
  }
}

class Checker {
 public:
  Checker(const Function& f, const MachineEnv& env, const Output& out) : f_(f), env_(env), out_(out) {}
  Expected<void> run();

 private:
  Expected<void> validate_output();
  Expected<uint32_t> loc_of(const Allocation& a, RegClass cls, uint32_t inst) const;
  void load(const State& s);
  State save();
  bool holds(uint32_t loc, uint32_t v) const {
    const auto& s = work_[loc];
    return std::find(s.begin(), s.end(), v) != s.end();
  }
  void touch(uint32_t loc) {
    if (!touched_flag_[loc]) {
      touched_flag_[loc] = 1;
      touched_.push_back(loc);
    }
  }
  void remove_everywhere(uint32_t v) {
    if (present_[v] != gen_) return;  // neither in the entry state nor defined in this block
    for (uint32_t loc : touched_) {
      auto& s = work_[loc];
      s.erase(std::remove(s.begin(), s.end(), v), s.end());
    }
  }
  void define(uint32_t loc, uint32_t v) {
    remove_everywhere(v);
    present_[v] = gen_;
    touch(loc);
    work_[loc].assign(1, v);
  }
  void compute_live_in();
  Expected<void> apply_edits(uint32_t inst, bool after, bool checking);
  Expected<void> run_block(uint32_t b, bool checking);
  Expected<void> check_operand(uint32_t inst, uint32_t k, bool use_check);

  const Function& f_;
  const MachineEnv& env_;
  const Output& out_;
  uint32_t num_locs_ = 0;
  uint64_t env_mask_[kNumClasses] = {0, 0};
  std::vector<uint32_t> before_begin_, after_begin_;  // per inst: first edit of each point
  std::vector<std::vector<uint32_t>> work_;
  std::vector<uint32_t> touched_;
  std::vector<uint8_t> touched_flag_;
  std::vector<std::optional<State>> in_;
  // Per block, the vregs live on entry other than its params (ascending), as a flat array.
  std::vector<uint32_t> live_begin_, live_vregs_;
  // present_[v] == gen_: v may be held somewhere in the current block's state.
  std::vector<uint32_t> present_;
  uint32_t gen_ = 0;
  std::vector<State> out_states_;  // per block, after its terminator
  // Per vreg defined by a remat instruction: a pseudo location (after the registers and slots)
  // that its definition fills with it, that nothing else writes and that remat edits copy
  // from. It takes part in the edge transfers like any location, so a block param passed the
  // constant is held there too, and a remat into the param's register on the edge holds the
  // param; a remat before the definition (or where the value is not live) finds it empty.
  std::vector<uint32_t> remat_loc_;
};

Expected<void> Checker::validate_output() {
  if (out_.allocs.size() != f_.operands.size()) return bad("one allocation per operand expected");
  if (out_.slot_is_vector.size() != out_.num_spill_slots) return bad("slot_is_vector does not match num_spill_slots");
  if (out_.num_spill_slots > (1u << 24)) return bad("too many spill slots");
  for (int c = 0; c < kNumClasses; ++c) {
    for (const auto* list : {&env_.preferred[c], &env_.non_preferred[c]}) {
      for (PReg r : *list) {
        if (r.hw < 32) env_mask_[c] |= uint64_t{1} << r.hw;
      }
    }
  }
  const uint32_t ni = static_cast<uint32_t>(f_.insts.size());
  before_begin_.assign(ni + 1, 0);
  after_begin_.assign(ni + 1, 0);
  // Edits are sorted by point; record where each instruction's "before" and "after" groups
  // begin.
  size_t e = 0;
  for (uint32_t i = 0; i < ni; ++i) {
    before_begin_[i] = static_cast<uint32_t>(e);
    while (e < out_.edits.size() && out_.edits[e].point.inst == i && !out_.edits[e].point.after) ++e;
    after_begin_[i] = static_cast<uint32_t>(e);
    while (e < out_.edits.size() && out_.edits[e].point.inst == i && out_.edits[e].point.after) ++e;
  }
  before_begin_[ni] = after_begin_[ni] = static_cast<uint32_t>(e);
  if (e != out_.edits.size()) return bad("edits are not sorted by point or point past the last instruction");
  for (const Edit& ed : out_.edits) {
    const auto& in = f_.insts[ed.point.inst];
    if (ed.point.after && (in.is_branch || in.is_ret)) return bad_at(ed.point.inst, "edit after a terminator");
    if (ed.is_remat()) {
      // Re-creates the constant of a remat instruction (its one def) in a register.
      if (ed.remat_inst >= ni || !f_.insts[ed.remat_inst].remat || f_.insts[ed.remat_inst].num_operands != 1 ||
          f_.inst_operands(ed.remat_inst)[0].kind != OperandKind::kDef)
        return bad_at(ed.point.inst, "rematerialisation of inst " + std::to_string(ed.remat_inst) +
                                         ", which is not a remat instruction");
      if (f_.inst_operands(ed.remat_inst)[0].vreg.cls != ed.cls || ed.to.kind != Allocation::Kind::kReg ||
          ed.from.kind != Allocation::Kind::kNone)
        return bad_at(ed.point.inst, "rematerialisation of inst " + std::to_string(ed.remat_inst) + " into " +
                                         describe(ed.to) + ": must be into a register of its class, from nothing");
      continue;
    }
    if (ed.from.kind == Allocation::Kind::kStack && ed.to.kind == Allocation::Kind::kStack)
      return bad_at(ed.point.inst, "slot-to-slot move");
  }
  num_locs_ = 64 + out_.num_spill_slots;
  remat_loc_.assign(f_.num_vregs, UINT32_MAX);
  for (uint32_t i = 0; i < ni; ++i) {
    if (!f_.insts[i].remat || f_.insts[i].num_operands != 1) continue;
    const Operand& op = f_.inst_operands(i)[0];
    if (op.kind == OperandKind::kDef && remat_loc_[op.vreg.index] == UINT32_MAX) remat_loc_[op.vreg.index] = num_locs_++;
  }
  return ok();
}

Expected<uint32_t> Checker::loc_of(const Allocation& a, RegClass cls, uint32_t inst) const {
  switch (a.kind) {
    case Allocation::Kind::kReg:
      if (a.reg.hw >= 32 || a.reg.cls != cls) return bad_at(inst, describe(a) + " is not a register of the value's class");
      return a.reg.index();
    case Allocation::Kind::kStack:
      if (a.slot >= out_.num_spill_slots) return bad_at(inst, describe(a) + " is out of range");
      if ((out_.slot_is_vector[a.slot] != 0) != (cls == RegClass::kFloat))
        return bad_at(inst, describe(a) + " has the wrong size for the value's class");
      return 64 + a.slot;
    default:
      return bad_at(inst, "missing allocation");
  }
}

void Checker::load(const State& s) {
  for (uint32_t loc : touched_) {
    work_[loc].clear();
    touched_flag_[loc] = 0;
  }
  touched_.clear();
  ++gen_;
  for (const Pair& p : s) {
    present_[p.second] = gen_;
    touch(p.first);
    work_[p.first].push_back(p.second);
  }
}

State Checker::save() {
  State s;
  for (uint32_t loc : touched_) {
    for (uint32_t v : work_[loc]) s.push_back({loc, v});
  }
  std::sort(s.begin(), s.end());
  return s;
}

Expected<void> Checker::apply_edits(uint32_t inst, bool after, bool checking) {
  uint32_t b = after ? after_begin_[inst] : before_begin_[inst];
  uint32_t e = after ? before_begin_[inst + 1] : after_begin_[inst];
  for (uint32_t k = b; k < e; ++k) {
    const Edit& ed = out_.edits[k];
    // A rematerialisation copies from its value's pseudo location (see remat_loc_).
    auto from = ed.is_remat() ? Expected<uint32_t>(remat_loc_[f_.inst_operands(ed.remat_inst)[0].vreg.index])
                              : loc_of(ed.from, ed.cls, inst);
    auto to = loc_of(ed.to, ed.cls, inst);
    if (!from.ok() || !to.ok()) {
      if (checking) return bad_at(inst, "invalid edit " + describe(ed.from) + " -> " + describe(ed.to));
      continue;
    }
    if (*from == *to) continue;
    touch(*to);
    work_[*to] = work_[*from];
  }
  return ok();
}

Expected<void> Checker::check_operand(uint32_t inst, uint32_t k, bool use_check) {
  const Operand& op = f_.inst_operands(inst)[k];
  const Allocation& a = out_.allocs[f_.insts[inst].first_operand + k];
  const std::string what = (op.kind == OperandKind::kUse ? "use of v" : "def of v") + std::to_string(op.vreg.index) +
                           " (operand " + std::to_string(k) + ") in " + describe(a);
  KILN_ASSIGN_OR_RETURN(uint32_t loc, loc_of(a, op.vreg.cls, inst));
  bool is_reg = a.kind == Allocation::Kind::kReg;
  bool allocatable = is_reg && (env_mask_[static_cast<int>(a.reg.cls)] >> a.reg.hw & 1);
  switch (op.constraint) {
    case Constraint::kAny:
      if (is_reg && !allocatable) return bad_at(inst, what + ": not an allocatable register");
      break;
    case Constraint::kReg:
      if (!allocatable) return bad_at(inst, what + ": needs an allocatable register");
      break;
    case Constraint::kFixedReg:
      if (!is_reg || !(a.reg == op.fixed)) return bad_at(inst, what + ": must be in " + describe(Allocation::in_reg(op.fixed)));
      break;
    case Constraint::kStack:
      if (is_reg) return bad_at(inst, what + ": must be in a spill slot");
      break;
    case Constraint::kReuse: {
      auto ops = f_.inst_operands(inst);
      if (op.reuse_input >= ops.size()) return bad_at(inst, what + ": bad reuse operand");
      if (!allocatable || !(out_.allocs[f_.insts[inst].first_operand + op.reuse_input] == a))
        return bad_at(inst, what + ": must reuse the register of operand " + std::to_string(op.reuse_input));
      break;
    }
  }
  if (use_check && !holds(loc, op.vreg.index)) return bad_at(inst, what + ": location does not hold the value");
  return ok();
}

Expected<void> Checker::run_block(uint32_t b, bool checking) {
  const auto& bl = f_.blocks[b];
  for (uint32_t i = bl.first_inst; i < bl.end_inst; ++i) {
    const auto& in = f_.insts[i];
    KILN_TRY(apply_edits(i, false, checking));
    auto ops = f_.inst_operands(i);
    const Allocation* allocs = out_.allocs.data() + in.first_operand;
    auto is_early_def = [&](const Operand& op) { return op.kind == OperandKind::kDef && op.pos == OperandPos::kEarly && op.constraint != Constraint::kReuse; };
    auto is_late_def = [&](const Operand& op) { return op.kind == OperandKind::kDef && !is_early_def(op); };
    if (checking) {
      for (uint32_t k = 0; k < ops.size(); ++k) {
        if (ops[k].kind == OperandKind::kUse && ops[k].pos == OperandPos::kEarly) KILN_TRY(check_operand(i, k, true));
        if (ops[k].kind == OperandKind::kDef) KILN_TRY(check_operand(i, k, false));
      }
      // Locations written by the instruction must not be read by it at the same time (a reuse
      // def is the exception: it shares its input's register by definition).
      for (uint32_t k = 0; k < ops.size(); ++k) {
        if (ops[k].kind != OperandKind::kDef) continue;
        for (uint32_t j = 0; j < ops.size(); ++j) {
          if (j == k) continue;
          bool clash = false;
          if (ops[j].kind == OperandKind::kDef) clash = true;
          else if (is_early_def(ops[k])) clash = true;
          else clash = ops[j].pos == OperandPos::kLate;
          if (ops[k].constraint == Constraint::kReuse && j == ops[k].reuse_input) clash = false;
          if (clash && allocs[j] == allocs[k])
            return bad_at(i, "operands " + std::to_string(j) + " and " + std::to_string(k) + " share " + describe(allocs[k]));
        }
      }
    }
    for (uint32_t k = 0; k < ops.size(); ++k) {
      if (!is_early_def(ops[k])) continue;
      auto loc = loc_of(allocs[k], ops[k].vreg.cls, i);
      if (loc.ok()) define(*loc, ops[k].vreg.index);
    }
    if (checking) {
      for (uint32_t k = 0; k < ops.size(); ++k) {
        if (ops[k].kind == OperandKind::kUse && ops[k].pos == OperandPos::kLate) {
          KILN_TRY(check_operand(i, k, true));
          if (allocs[k].kind == Allocation::Kind::kReg && in.clobbers.contains(allocs[k].reg))
            return bad_at(i, "late use read from clobbered " + describe(allocs[k]));
        }
      }
    }
    for (uint32_t r = 0; r < 64; ++r) {
      if (in.clobbers.bits >> r & 1) {
        touch(r);
        work_[r].clear();
      }
    }
    for (uint32_t k = 0; k < ops.size(); ++k) {
      if (!is_late_def(ops[k])) continue;
      auto loc = loc_of(allocs[k], ops[k].vreg.cls, i);
      if (loc.ok()) define(*loc, ops[k].vreg.index);
    }
    if (in.remat && ops.size() == 1 && ops[0].kind == OperandKind::kDef) {
      const uint32_t v = ops[0].vreg.index;
      present_[v] = gen_;
      touch(remat_loc_[v]);
      work_[remat_loc_[v]].assign(1, v);
    }
    if (!in.is_branch && !in.is_ret) KILN_TRY(apply_edits(i, true, checking));
  }
  return ok();
}

// Which vregs are live into each block: backwards from every upward-exposed use to the
// definition (as in the allocator); relies on the function being in SSA form.
void Checker::compute_live_in() {
  const uint32_t nb = static_cast<uint32_t>(f_.blocks.size());
  const uint32_t nv = f_.num_vregs;
  std::vector<uint32_t> def_block(nv, UINT32_MAX);
  std::vector<std::vector<uint32_t>> preds(nb);
  for (uint32_t b = 0; b < nb; ++b) {
    for (uint32_t s : f_.blocks[b].succs) preds[s].push_back(b);
    for (VReg p : f_.blocks[b].params) def_block[p.index] = b;
  }
  for (const auto& [v, r] : f_.entry_live_ins) {
    if (v.index < nv) def_block[v.index] = 0;
  }
  // Seeds (vreg, block): used in the block before any definition there.
  std::vector<std::pair<uint32_t, uint32_t>> seeds;
  for (uint32_t b = 0; b < nb; ++b) {
    const auto& bl = f_.blocks[b];
    for (uint32_t i = bl.first_inst; i < bl.end_inst; ++i) {
      auto ops = f_.inst_operands(i);
      for (const Operand& op : ops) {
        if (op.kind == OperandKind::kUse && def_block[op.vreg.index] != b) {
          seeds.push_back({op.vreg.index, b});
        }
      }
      for (const Operand& op : ops) {
        if (op.kind == OperandKind::kDef) def_block[op.vreg.index] = b;
      }
    }
    const auto& term = f_.insts[bl.end_inst - 1];
    for (uint32_t a = 0; a < term.num_branch_args && term.first_branch_arg + a < f_.branch_args.size(); ++a) {
      uint32_t v = f_.branch_args[term.first_branch_arg + a].index;
      if (def_block[v] != b) seeds.push_back({v, b});
    }
  }
  // A use in a block placed before its definition's block was seeded before that definition
  // was seen: seeds in the defining block itself are dropped below.
  std::sort(seeds.begin(), seeds.end());
  seeds.erase(std::unique(seeds.begin(), seeds.end()), seeds.end());
  std::vector<std::pair<uint32_t, uint32_t>> live;  // (block, vreg)
  std::vector<uint32_t> stamp(nb, UINT32_MAX), work;
  for (size_t k = 0; k < seeds.size();) {
    const uint32_t v = seeds[k].first;
    for (; k < seeds.size() && seeds[k].first == v; ++k) {
      uint32_t b = seeds[k].second;
      if (def_block[v] == b || stamp[b] == v) continue;
      stamp[b] = v;
      work.push_back(b);
    }
    while (!work.empty()) {
      uint32_t b = work.back();
      work.pop_back();
      live.push_back({b, v});
      for (uint32_t p : preds[b]) {
        if (def_block[v] != p && stamp[p] != v) {
          stamp[p] = v;
          work.push_back(p);
        }
      }
    }
  }
  std::sort(live.begin(), live.end());
  live_begin_.assign(nb + 1, 0);
  live_vregs_.resize(live.size());
  for (size_t k = 0; k < live.size(); ++k) {
    ++live_begin_[live[k].first + 1];
    live_vregs_[k] = live[k].second;
  }
  for (uint32_t b = 0; b < nb; ++b) live_begin_[b + 1] += live_begin_[b];
}

Expected<void> Checker::run() {
  KILN_TRY(validate_output());
  const uint32_t nb = static_cast<uint32_t>(f_.blocks.size());
  if (nb == 0) return bad("no blocks");
  work_.assign(num_locs_, {});
  touched_flag_.assign(num_locs_, 0);
  in_.assign(nb, std::nullopt);
  out_states_.assign(nb, {});
  present_.assign(f_.num_vregs, 0);
  compute_live_in();
  std::vector<uint32_t> live_mark(f_.num_vregs, 0);
  uint32_t live_gen = 0;
  State entry;
  for (const auto& [v, r] : f_.entry_live_ins) {
    if (r.hw < 32) entry.push_back({r.index(), v.index});
  }
  std::sort(entry.begin(), entry.end());
  in_[0] = entry;

  std::vector<uint32_t> stamp(f_.num_vregs, 0);
  uint32_t stamp_gen = 0;
  std::vector<uint32_t> worklist{0};
  std::vector<uint8_t> queued(nb, 0);
  queued[0] = 1;
  while (!worklist.empty()) {
    uint32_t b = worklist.back();
    worklist.pop_back();
    queued[b] = 0;
    load(*in_[b]);
    KILN_TRY(run_block(b, false));
    State st = save();
    const auto& bl = f_.blocks[b];
    const auto& term = f_.insts[bl.end_inst - 1];
    uint32_t arg = term.first_branch_arg;
    for (uint32_t s : bl.succs) {
      const auto& params = f_.blocks[s].params;
      if (arg + params.size() > f_.branch_args.size()) return bad("branch arguments out of range");
      // The edge: every location holding an argument now also holds the matching param;
      // older values of the params are gone, and so is every value not live into `s`.
      ++stamp_gen;
      for (VReg p : params) {
        if (p.index < stamp.size()) stamp[p.index] = stamp_gen;
      }
      ++live_gen;
      for (uint32_t k = live_begin_[s]; k < live_begin_[s + 1]; ++k) live_mark[live_vregs_[k]] = live_gen;
      State next;
      for (const Pair& x : st) {
        if (x.second < stamp.size() && stamp[x.second] == stamp_gen) continue;
        if (live_mark[x.second] != live_gen) continue;
        next.push_back(x);
      }
      for (size_t k = 0; k < params.size(); ++k) {
        uint32_t a = f_.branch_args[arg + k].index;
        for (const Pair& x : st) {
          if (x.second == a) next.push_back({x.first, params[k].index});
        }
      }
      arg += static_cast<uint32_t>(params.size());
      std::sort(next.begin(), next.end());
      next.erase(std::unique(next.begin(), next.end()), next.end());
      bool changed = false;
      if (!in_[s]) {
        in_[s] = std::move(next);
        changed = true;
      } else {
        State merged;
        std::set_intersection(in_[s]->begin(), in_[s]->end(), next.begin(), next.end(), std::back_inserter(merged));
        if (merged.size() != in_[s]->size()) {
          in_[s] = std::move(merged);
          changed = true;
        }
      }
      if (changed && !queued[s]) {
        queued[s] = 1;
        worklist.push_back(s);
      }
    }
  }
  for (uint32_t b = 0; b < nb; ++b) {
    if (!in_[b]) continue;  // unreachable: never executes
    load(*in_[b]);
    KILN_TRY(run_block(b, true));
  }
  return ok();
}

}  // namespace

Expected<void> check(const Function& func, const MachineEnv& env, const Output& out) {
  // The checker trusts nothing in `out` but relies on `func` having passed run()'s validation;
  // re-check the parts it indexes with.
  const uint32_t ni = static_cast<uint32_t>(func.insts.size());
  for (const auto& bl : func.blocks) {
    if (bl.first_inst > bl.end_inst || bl.end_inst > ni || bl.end_inst == bl.first_inst) return bad("malformed block");
    for (uint32_t s : bl.succs) {
      if (s >= func.blocks.size()) return bad("successor out of range");
    }
    for (VReg p : bl.params) {
      if (p.index >= func.num_vregs) return bad("param out of range");
    }
  }
  for (const auto& in : func.insts) {
    if (uint64_t{in.first_operand} + in.num_operands > func.operands.size()) return bad("operands out of range");
  }
  for (const auto& op : func.operands) {
    if (op.vreg.index >= func.num_vregs) return bad("operand vreg out of range");
  }
  for (const auto& a : func.branch_args) {
    if (a.index >= func.num_vregs) return bad("branch argument out of range");
  }
  for (const auto& [v, r] : func.entry_live_ins) {
    if (v.index >= func.num_vregs) return bad("entry live-in out of range");
  }
  Checker c(func, env, out);
  return c.run();
}

}  // namespace kiln::codegen::regalloc
