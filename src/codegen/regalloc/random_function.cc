// codegen/regalloc/random_function.cc: the random function generator (see random_function.h).
// Every function it makes satisfies run()'s requirements: critical edges are split, values are
// only used where their definition dominates, and no instruction asks for more registers at
// once than the environment has (at least five per class, with the fixed ones included).
#include "codegen/regalloc/random_function.h"

#include <algorithm>

namespace kiln::codegen::regalloc {

uint32_t SeededChoices::below(uint32_t bound) {
  state_ += 0x9E3779B97F4A7C15ull;
  uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return bound <= 1 ? 0 : static_cast<uint32_t>(z % bound);
}

uint32_t ByteChoices::below(uint32_t bound) {
  if (bound <= 1) return 0;
  uint32_t v = 0;
  // One byte for small bounds, two for larger ones.
  int n = bound <= 256 ? 1 : 2;
  for (int k = 0; k < n; ++k) {
    v = v << 8 | (pos_ < size_ ? data_[pos_++] : 0);
  }
  return v % bound;
}

namespace x64 {

MachineEnv sysv_env() {
  MachineEnv env;
  for (PReg r : {kRax, kRcx, kRdx, kRsi, kRdi, kR8, kR9, kR10, kR11}) env.preferred[0].push_back(r);
  for (PReg r : {kRbx, kR12, kR13, kR14, kR15}) env.non_preferred[0].push_back(r);
  for (uint8_t n = 0; n < 16; ++n) env.preferred[1].push_back(xmm(n));
  return env;
}

PRegSet sysv_call_clobbers() {
  PRegSet s;
  for (PReg r : {kRax, kRcx, kRdx, kRsi, kRdi, kR8, kR9, kR10, kR11}) s.add(r);
  for (uint8_t n = 0; n < 16; ++n) s.add(xmm(n));
  return s;
}

}  // namespace x64

namespace {

using namespace x64;

struct GenInst {
  std::vector<Operand> ops;
  PRegSet clobbers;
  bool is_branch = false, is_ret = false, is_move = false, remat = false;
  std::vector<VReg> args;
};

class Generator {
 public:
  Generator(ChoiceSource& src, const GenConfig& cfg) : src_(src), cfg_(cfg) {}
  GeneratedFunction run();

 private:
  void make_env();
  void make_cfg();
  void compute_dominators();
  VReg new_vreg(RegClass cls, uint32_t block) {
    VReg v{next_vreg_++, cls};
    values_[block].push_back(v);
    return v;
  }
  VReg pick(RegClass cls, uint32_t block);
  RegClass pick_class() { return cfg_.allow_floats && src_.chance(25) ? RegClass::kFloat : RegClass::kInt; }
  void gen_block(uint32_t b);
  void gen_call(uint32_t b);
  void gen_op(uint32_t b);
  void gen_fixed_run(uint32_t b);

  ChoiceSource& src_;
  const GenConfig& cfg_;
  GeneratedFunction out_;
  uint32_t next_vreg_ = 0;
  std::vector<std::vector<uint32_t>> succs_;
  std::vector<std::vector<VReg>> params_;
  std::vector<uint32_t> idom_;  // UINT32_MAX: unreachable
  std::vector<uint32_t> order_;
  std::vector<std::vector<VReg>> values_;
  std::vector<std::vector<GenInst>> code_;
};

void Generator::make_env() {
  MachineEnv& env = out_.env;
  // The registers fixed constraints name are always allocatable, so every generated
  // instruction stays satisfiable.
  for (PReg r : {kRax, kRcx, kRdx, kRsi, kRdi}) env.preferred[0].push_back(r);
  for (PReg r : {kR8, kR9, kR10, kR11}) {
    if (src_.chance(40)) env.preferred[0].push_back(r);
  }
  for (PReg r : {kRbx, kR12, kR13, kR14, kR15}) {
    if (src_.chance(40)) env.non_preferred[0].push_back(r);
  }
  uint32_t nf = 5 + src_.below(12);
  for (uint8_t n = 0; n < nf; ++n) env.preferred[1].push_back(xmm(n));
  // A scratch register for edits where the client has one outside the allocatable set (r11 and
  // xmm15, as the x64 backend), derived from the choices above so the stream is unchanged: both
  // the scratch and the emergency-slot paths of move sequencing stay exercised.
  bool r11_allocatable = false;
  for (PReg r : env.preferred[0]) r11_allocatable |= r == kR11;
  if (!r11_allocatable) env.scratch[0] = kR11;
  if (nf < 16) env.scratch[1] = xmm(15);
}

void Generator::make_cfg() {
  uint32_t nb = std::max<uint32_t>(cfg_.min_blocks, 1 + src_.below(std::max<uint32_t>(cfg_.max_blocks, 1)));
  succs_.assign(nb, {});
  for (uint32_t b = 0; b + 1 < nb; ++b) {
    uint32_t roll = src_.below(10);
    auto target = [&] {
      if (src_.chance(50)) return b + 1;
      if (cfg_.jump_window == 0) return 1 + src_.below(nb - 1);
      uint32_t lo = b > cfg_.jump_window ? b - cfg_.jump_window : 1;
      uint32_t hi = std::min(nb - 1, b + cfg_.jump_window);
      return lo + src_.below(hi - lo + 1);
    };
    if (roll == 0 && !cfg_.single_exit) continue;  // return
    uint32_t n = roll <= 5 ? 1 : (src_.chance(85) ? 2 : 3);
    for (uint32_t k = 0; k < n; ++k) {
      uint32_t t = target();
      succs_[b].push_back(k == 0 && cfg_.single_exit ? b + 1 : t);
    }
  }
  // Split critical edges with new blocks at the end of the layout.
  std::vector<uint32_t> npreds(nb, 0);
  for (uint32_t b = 0; b < nb; ++b) {
    for (uint32_t s : succs_[b]) ++npreds[s];
  }
  for (uint32_t b = 0; b < nb; ++b) {
    if (succs_[b].size() < 2) continue;
    for (uint32_t& s : succs_[b]) {
      if (npreds[s] < 2) continue;
      uint32_t n = static_cast<uint32_t>(succs_.size());
      succs_.push_back({s});
      s = n;
    }
  }
  nb = static_cast<uint32_t>(succs_.size());
  if (cfg_.edge_blocks_after_source) {
    // Renumber: each original block followed by the edge blocks it branches to.
    const uint32_t orig = static_cast<uint32_t>(npreds.size());
    std::vector<uint32_t> new_index(nb, 0);
    uint32_t next = 0;
    for (uint32_t b = 0; b < orig; ++b) {
      new_index[b] = next++;
      for (uint32_t s : succs_[b]) {
        if (s >= orig) new_index[s] = next++;
      }
    }
    std::vector<std::vector<uint32_t>> renumbered(nb);
    for (uint32_t b = 0; b < nb; ++b) {
      for (uint32_t s : succs_[b]) renumbered[new_index[b]].push_back(new_index[s]);
    }
    succs_ = std::move(renumbered);
  }
  params_.assign(nb, {});
  values_.assign(nb, {});
  code_.assign(nb, {});
  for (uint32_t b = 1; b < nb; ++b) {
    uint32_t n = src_.below(4);
    for (uint32_t k = 0; k < n; ++k) params_[b].push_back(new_vreg(pick_class(), b));
  }
}

// Cooper, Harvey & Kennedy's iterative dominators over reverse postorder.
void Generator::compute_dominators() {
  const uint32_t nb = static_cast<uint32_t>(succs_.size());
  std::vector<uint32_t> post;
  std::vector<uint8_t> seen(nb, 0);
  std::vector<std::pair<uint32_t, uint32_t>> stack{{0, 0}};
  seen[0] = 1;
  while (!stack.empty()) {
    auto& [b, k] = stack.back();
    if (k < succs_[b].size()) {
      uint32_t s = succs_[b][k++];
      if (!seen[s]) {
        seen[s] = 1;
        stack.push_back({s, 0});
      }
    } else {
      post.push_back(b);
      stack.pop_back();
    }
  }
  std::vector<uint32_t> rpo_num(nb, UINT32_MAX);
  order_.assign(post.rbegin(), post.rend());
  for (uint32_t k = 0; k < order_.size(); ++k) rpo_num[order_[k]] = k;
  std::vector<std::vector<uint32_t>> preds(nb);
  for (uint32_t b = 0; b < nb; ++b) {
    for (uint32_t s : succs_[b]) preds[s].push_back(b);
  }
  idom_.assign(nb, UINT32_MAX);
  idom_[0] = 0;
  bool changed = true;
  while (changed) {
    changed = false;
    for (uint32_t k = 1; k < order_.size(); ++k) {
      uint32_t b = order_[k];
      uint32_t nd = UINT32_MAX;
      for (uint32_t p : preds[b]) {
        if (idom_[p] == UINT32_MAX) continue;
        if (nd == UINT32_MAX) {
          nd = p;
          continue;
        }
        uint32_t x = p, y = nd;
        while (x != y) {
          while (rpo_num[x] > rpo_num[y]) x = idom_[x];
          while (rpo_num[y] > rpo_num[x]) y = idom_[y];
        }
        nd = x;
      }
      if (nd != idom_[b]) {
        idom_[b] = nd;
        changed = true;
      }
    }
  }
  for (uint32_t b = 0; b < nb; ++b) {
    if (rpo_num[b] == UINT32_MAX) order_.push_back(b);  // unreachable ones last
  }
}

VReg Generator::pick(RegClass cls, uint32_t block) {
  uint32_t b = block;
  // Mostly recent values of this block; sometimes older ones from dominating blocks, which
  // keeps values live across blocks and loops.
  uint32_t hops = src_.chance(100 - cfg_.far_percent) ? 0 : 1 + src_.below(4);
  for (uint32_t h = 0; h < hops && idom_[b] != UINT32_MAX && idom_[b] != b; ++h) b = idom_[b];
  while (true) {
    const auto& vals = values_[b];
    uint32_t matching = 0;
    for (size_t k = vals.size(); k-- > 0 && matching < cfg_.reach;) {
      if (vals[k].cls == cls) ++matching;
    }
    if (matching > 0) {
      uint32_t want = src_.below(matching);
      for (size_t k = vals.size(); k-- > 0;) {
        if (vals[k].cls != cls) continue;
        if (want-- == 0) return vals[k];
      }
    }
    // Every block starts with values of both classes (entry and unreachable blocks) or is
    // dominated by the entry, so this walk ends.
    b = idom_[b];
  }
}

void Generator::gen_call(uint32_t b) {
  GenInst in;
  static constexpr PReg kArgs[] = {kRdi, kRsi, kRdx, kRcx};
  uint32_t nargs = src_.below(5);
  for (uint32_t k = 0; k < nargs; ++k) in.ops.push_back(Operand::fixed_use(pick(RegClass::kInt, b), kArgs[k]));
  if (cfg_.allow_floats && src_.chance(30)) in.ops.push_back(Operand::fixed_use(pick(RegClass::kFloat, b), xmm(0)));
  if (src_.chance(30)) in.ops.push_back(Operand::use(pick(RegClass::kInt, b), src_.chance(50) ? Constraint::kStack : Constraint::kAny));
  in.clobbers = sysv_call_clobbers();
  if (src_.chance(70)) in.ops.push_back(Operand::fixed_def(new_vreg(RegClass::kInt, b), kRax));
  if (cfg_.allow_floats && src_.chance(25)) in.ops.push_back(Operand::fixed_def(new_vreg(RegClass::kFloat, b), xmm(0)));
  code_[b].push_back(std::move(in));
}

void Generator::gen_op(uint32_t b) {
  GenInst in;
  // (No choice is drawn without remat_percent, so the streams of other configurations stay.)
  if (cfg_.remat_percent != 0 && src_.chance(cfg_.remat_percent)) {  // a constant
    in.remat = true;
    in.ops.push_back(Operand::def(new_vreg(pick_class(), b)));
    code_[b].push_back(std::move(in));
    return;
  }
  uint32_t roll = src_.below(100);
  if (roll < 10) {  // a coalescable move
    RegClass cls = pick_class();
    VReg src = pick(cls, b);
    in.is_move = true;
    in.ops.push_back(Operand::use(src, src_.chance(80) ? Constraint::kReg : Constraint::kAny));
    in.ops.push_back(Operand::def(new_vreg(cls, b), src_.chance(80) ? Constraint::kReg : Constraint::kAny));
    code_[b].push_back(std::move(in));
    return;
  }
  if (roll < 15) {  // x86 div: rdx:rax / divisor -> rax, rdx
    in.ops.push_back(Operand::fixed_use(pick(RegClass::kInt, b), kRax));
    in.ops.push_back(Operand::fixed_use(pick(RegClass::kInt, b), kRdx));
    in.ops.push_back(Operand::use(pick(RegClass::kInt, b)));
    in.ops.push_back(Operand::fixed_def(new_vreg(RegClass::kInt, b), kRax));
    in.ops.push_back(Operand::fixed_def(new_vreg(RegClass::kInt, b), kRdx));
    code_[b].push_back(std::move(in));
    return;
  }
  if (roll < 26) {  // a run of instructions reading one value in a register they overwrite
    gen_fixed_run(b);
    return;
  }
  if (roll < 31) {  // x86 shift: dst = src << cl, two-address
    in.ops.push_back(Operand::use(pick(RegClass::kInt, b)));
    in.ops.push_back(Operand::fixed_use(pick(RegClass::kInt, b), kRcx));
    in.ops.push_back(Operand::reuse_def(new_vreg(RegClass::kInt, b), 0));
    code_[b].push_back(std::move(in));
    return;
  }
  if (roll < 38) {  // x86 ALU with its source read in place: d = a op b|[slot], two-address
    RegClass cls = pick_class();
    VReg a = pick(cls, b);
    in.ops.push_back(Operand::use(a));
    in.ops.push_back(Operand::use(src_.chance(15) ? a : pick(cls, b), Constraint::kAny));
    in.ops.push_back(Operand::reuse_def(new_vreg(cls, b), 0));
    code_[b].push_back(std::move(in));
    return;
  }
  if (roll < 43) {  // x86 `lea d, [a + b]` or, with an input in its slot, `mov d, a; add d, [b]`
    in.ops.push_back(Operand::use(pick(RegClass::kInt, b), Constraint::kAny));
    in.ops.push_back(Operand::use(pick(RegClass::kInt, b), Constraint::kAny));
    in.ops.push_back(Operand::def(new_vreg(RegClass::kInt, b)));
    code_[b].push_back(std::move(in));
    return;
  }
  // A general instruction: up to three uses and two defs with random constraints. Fixed
  // registers are kept distinct between different values at each position.
  static constexpr PReg kFixedPool[] = {kRax, kRcx, kRdx};
  uint32_t fixed_early = 0, fixed_late = 0;  // bit k: kFixedPool[k] taken at that position
  uint32_t nuses = src_.below(4);
  for (uint32_t k = 0; k < nuses; ++k) {
    RegClass cls = pick_class();
    VReg v = pick(cls, b);
    Operand op = Operand::use(v);
    uint32_t c = src_.below(100);
    if (c < 20) {
      op.constraint = Constraint::kAny;
    } else if (c < 30) {
      op.constraint = Constraint::kStack;
    } else if (c < 40 && cls == RegClass::kInt) {
      uint32_t r = src_.below(3);
      bool late = src_.chance(20);
      uint32_t need = 1u << r;
      if (!(fixed_early & need) && !(late && (fixed_late & need))) {
        op = Operand::fixed_use(v, kFixedPool[r]);
        fixed_early |= need;
        if (late) {
          op.pos = OperandPos::kLate;
          fixed_late |= need;
        }
      }
    }
    if (op.constraint != Constraint::kFixedReg && src_.chance(15)) op.pos = OperandPos::kLate;
    in.ops.push_back(op);
  }
  uint32_t ndefs = src_.below(3);
  bool reused = false;
  for (uint32_t k = 0; k < ndefs; ++k) {
    RegClass cls = pick_class();
    uint32_t c = src_.below(100);
    Operand op = Operand::def(new_vreg(cls, b));
    if (c < 15) {
      op.constraint = Constraint::kAny;
    } else if (c < 25) {
      op.constraint = Constraint::kStack;
    } else if (c < 35 && cls == RegClass::kInt) {
      uint32_t r = src_.below(3);
      bool early = src_.chance(20);
      uint32_t need = 1u << r;
      if (!(fixed_late & need) && !(early && (fixed_early & need))) {
        op = Operand::fixed_def(op.vreg, kFixedPool[r]);
        fixed_late |= need;  // also keeps a second def off this register
        if (early) {
          op.pos = OperandPos::kEarly;
          fixed_early |= need;
        }
      }
    } else if (c < 55 && !reused) {
      for (uint32_t u = 0; u < in.ops.size(); ++u) {
        const Operand& x = in.ops[u];
        if (x.kind == OperandKind::kUse && x.pos == OperandPos::kEarly && x.vreg.cls == cls &&
            (x.constraint == Constraint::kReg || x.constraint == Constraint::kAny)) {
          op = Operand::reuse_def(op.vreg, static_cast<uint8_t>(u));
          reused = true;
          break;
        }
      }
    }
    if (op.constraint != Constraint::kFixedReg && op.constraint != Constraint::kReuse && src_.chance(15)) op.pos = OperandPos::kEarly;
    in.ops.push_back(op);
  }
  code_[b].push_back(std::move(in));
}

// The pattern of x86 division by several divisors of one dividend (and of shifts by one
// count): the same value is used fixed to register R by 2-5 consecutive instructions, each of
// which also defines R (and often another fixed register, early or late), so the value must be
// kept elsewhere and copied into R before every one of them. Sometimes the value was itself
// defined in R just before, sometimes other uses of it or calls come in between.
void Generator::gen_fixed_run(uint32_t b) {
  static constexpr PReg kPool[] = {kRax, kRcx, kRdx};
  uint32_t ri = src_.below(3);
  PReg r = kPool[ri], other = kPool[(ri + 1 + src_.below(2)) % 3];
  VReg v;
  if (src_.chance(30)) {
    v = new_vreg(RegClass::kInt, b);
    GenInst def;
    def.ops.push_back(Operand::fixed_def(v, r));
    if (src_.chance(30)) def.clobbers = sysv_call_clobbers();
    code_[b].push_back(std::move(def));
  } else {
    v = pick(RegClass::kInt, b);
  }
  uint32_t n = 2 + src_.below(4);
  for (uint32_t k = 0; k < n; ++k) {
    GenInst in;
    in.ops.push_back(Operand::fixed_use(v, r));
    if (src_.chance(70)) {
      VReg y = pick(RegClass::kInt, b);
      in.ops.push_back(Operand::use(y, src_.chance(80) ? Constraint::kReg : Constraint::kAny));
    }
    in.ops.push_back(Operand::fixed_def(new_vreg(RegClass::kInt, b), r));
    // A call-like instruction clobbers everything at its end, so an early def would be lost.
    bool call = src_.chance(10);
    if (call) in.clobbers = sysv_call_clobbers();
    if (src_.chance(60)) {
      Operand o = Operand::fixed_def(new_vreg(RegClass::kInt, b), other);
      if (!call && src_.chance(60)) o.pos = OperandPos::kEarly;
      in.ops.push_back(o);
    }
    code_[b].push_back(std::move(in));
    if (src_.chance(20)) {
      GenInst mid;  // an ordinary use of the value (or of a result) in between
      mid.ops.push_back(Operand::use(src_.chance(50) ? v : pick(RegClass::kInt, b)));
      mid.ops.push_back(Operand::def(new_vreg(RegClass::kInt, b)));
      code_[b].push_back(std::move(mid));
    }
  }
}

void Generator::gen_block(uint32_t b) {
  bool reachable = idom_[b] != UINT32_MAX;
  if (b == 0 || !reachable) {
    // Start with values of both classes so every pick finds one.
    GenInst in;
    in.ops.push_back(Operand::def(new_vreg(RegClass::kInt, b)));
    in.ops.push_back(Operand::def(new_vreg(RegClass::kFloat, b)));
    code_[b].push_back(std::move(in));
  }
  uint32_t n = std::max(cfg_.min_insts_per_block, src_.below(cfg_.max_insts_per_block + 1));
  for (uint32_t k = 0; k < n; ++k) {
    if (src_.below(100) < cfg_.call_percent) gen_call(b);
    else gen_op(b);
  }
  GenInst term;
  if (succs_[b].empty()) {
    term.is_ret = true;
    if (src_.chance(50)) term.ops.push_back(Operand::fixed_use(pick(RegClass::kInt, b), kRax));
    if (cfg_.allow_floats && src_.chance(20)) term.ops.push_back(Operand::fixed_use(pick(RegClass::kFloat, b), xmm(0)));
  } else {
    term.is_branch = true;
    if (succs_[b].size() > 1 && src_.chance(70)) {
      term.ops.push_back(Operand::use(pick(RegClass::kInt, b), src_.chance(85) ? Constraint::kReg : Constraint::kAny));
    }
    for (uint32_t s : succs_[b]) {
      for (VReg p : params_[s]) term.args.push_back(pick(p.cls, b));
    }
  }
  code_[b].push_back(std::move(term));
}

GeneratedFunction Generator::run() {
  make_env();
  make_cfg();
  compute_dominators();
  Function& f = out_.func;
  const uint32_t nb = static_cast<uint32_t>(succs_.size());
  f.entry_live_ins.push_back({new_vreg(RegClass::kInt, 0), kRdi});
  f.entry_live_ins.push_back({new_vreg(RegClass::kInt, 0), kRsi});
  if (cfg_.allow_floats) f.entry_live_ins.push_back({new_vreg(RegClass::kFloat, 0), xmm(0)});
  for (uint32_t b : order_) gen_block(b);
  f.blocks.resize(nb);
  for (uint32_t b = 0; b < nb; ++b) {
    auto& bl = f.blocks[b];
    bl.first_inst = static_cast<uint32_t>(f.insts.size());
    bl.succs = succs_[b];
    bl.params = params_[b];
    for (const GenInst& g : code_[b]) {
      Function::Inst in;
      in.first_operand = static_cast<uint32_t>(f.operands.size());
      in.num_operands = static_cast<uint32_t>(g.ops.size());
      in.clobbers = g.clobbers;
      in.is_branch = g.is_branch;
      in.is_ret = g.is_ret;
      in.is_move = g.is_move;
      in.remat = g.remat;
      in.first_branch_arg = static_cast<uint32_t>(f.branch_args.size());
      in.num_branch_args = static_cast<uint32_t>(g.args.size());
      f.operands.insert(f.operands.end(), g.ops.begin(), g.ops.end());
      f.branch_args.insert(f.branch_args.end(), g.args.begin(), g.args.end());
      f.insts.push_back(in);
    }
    bl.end_inst = static_cast<uint32_t>(f.insts.size());
  }
  for (uint32_t b = 0; b < nb; ++b) {
    for (uint32_t s : succs_[b]) f.blocks[s].preds.push_back(b);
  }
  f.num_vregs = next_vreg_;
  return std::move(out_);
}

}  // namespace

GeneratedFunction generate_function(ChoiceSource& src, const GenConfig& cfg) {
  Generator g(src, cfg);
  return g.run();
}

}  // namespace kiln::codegen::regalloc
