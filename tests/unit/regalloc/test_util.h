// tests/unit/regalloc/test_util.h: a small builder for hand-written allocator inputs and a
// helper that allocates and checks them.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codegen/regalloc/random_function.h"
#include "codegen/regalloc/regalloc.h"

namespace kiln::codegen::regalloc::testing {

using namespace x64;

// Builds a Function block by block in layout order. Blocks are declared up front (so branches
// can name later blocks), then filled in order with instructions ending in a terminator.
class Builder {
 public:
  VReg vreg(RegClass cls = RegClass::kInt) { return VReg{f_.num_vregs++, cls}; }
  VReg fvreg() { return vreg(RegClass::kFloat); }
  uint32_t declare_block(std::vector<VReg> params = {}) {
    f_.blocks.emplace_back();
    f_.blocks.back().params = std::move(params);
    return static_cast<uint32_t>(f_.blocks.size() - 1);
  }
  void start(uint32_t b) {
    cur_ = b;
    f_.blocks[b].first_inst = static_cast<uint32_t>(f_.insts.size());
  }
  void entry_live_in(VReg v, PReg r) { f_.entry_live_ins.push_back({v, r}); }
  uint32_t inst(std::vector<Operand> ops, PRegSet clobbers = {}, bool is_move = false) {
    Function::Inst in;
    in.first_operand = static_cast<uint32_t>(f_.operands.size());
    in.num_operands = static_cast<uint32_t>(ops.size());
    in.clobbers = clobbers;
    in.is_move = is_move;
    f_.operands.insert(f_.operands.end(), ops.begin(), ops.end());
    f_.insts.push_back(in);
    return static_cast<uint32_t>(f_.insts.size() - 1);
  }
  uint32_t move(VReg dst, VReg src) { return inst({Operand::use(src), Operand::def(dst)}, {}, true); }
  // A rematerialisable constant defining `dst`.
  uint32_t constant(VReg dst) {
    uint32_t i = inst({Operand::def(dst)});
    f_.insts[i].remat = true;
    return i;
  }
  // Branch to `succs` passing `args` (flattened in successor order).
  void branch(std::vector<uint32_t> succs, std::vector<VReg> args = {}, std::vector<Operand> ops = {}) {
    uint32_t i = inst(std::move(ops));
    auto& in = f_.insts[i];
    in.is_branch = true;
    in.first_branch_arg = static_cast<uint32_t>(f_.branch_args.size());
    in.num_branch_args = static_cast<uint32_t>(args.size());
    f_.branch_args.insert(f_.branch_args.end(), args.begin(), args.end());
    f_.blocks[cur_].succs = succs;
    end_block();
  }
  void ret(std::vector<Operand> ops = {}) {
    uint32_t i = inst(std::move(ops));
    f_.insts[i].is_ret = true;
    end_block();
  }
  Function finish() {
    for (auto& b : f_.blocks) b.preds.clear();
    for (uint32_t b = 0; b < f_.blocks.size(); ++b) {
      for (uint32_t s : f_.blocks[b].succs) f_.blocks[s].preds.push_back(b);
    }
    return f_;
  }

 private:
  void end_block() { f_.blocks[cur_].end_inst = static_cast<uint32_t>(f_.insts.size()); }
  Function f_;
  uint32_t cur_ = 0;
};

inline MachineEnv small_env(uint32_t nint, uint32_t nfloat = 4) {
  MachineEnv env;
  const PReg order[] = {kRax, kRcx, kRdx, kRsi, kRdi, kR8, kR9, kR10, kR11, kRbx, kR12, kR13, kR14, kR15};
  for (uint32_t k = 0; k < nint && k < 14; ++k) (k < 9 ? env.preferred[0] : env.non_preferred[0]).push_back(order[k]);
  for (uint8_t n = 0; n < nfloat; ++n) env.preferred[1].push_back(xmm(n));
  return env;
}

// Allocates with the checker on; fails the test with the error otherwise.
inline Output allocate_checked(const Function& f, const MachineEnv& env) {
  auto out = run(f, env, Options{.run_checker = true});
  EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message());
  if (!out.ok()) return {};
  return std::move(out).value();
}

inline size_t count_edits(const Output& out, Allocation::Kind from, Allocation::Kind to) {
  size_t n = 0;
  for (const Edit& e : out.edits) n += e.from.kind == from && e.to.kind == to;
  return n;
}

inline std::string alloc_name(const Allocation& a) {
  if (a.kind == Allocation::Kind::kReg) return (a.reg.cls == RegClass::kInt ? "r" : "f") + std::to_string(a.reg.hw);
  if (a.kind == Allocation::Kind::kStack) return "s" + std::to_string(a.slot);
  return "-";
}

// A readable listing of a function and (optionally) its allocation, for failure messages.
inline std::string dump(const Function& f, const Output* out = nullptr) {
  std::string s;
  size_t e = 0;
  auto edits_at = [&](uint32_t i, bool after) {
    if (!out) return;
    while (e < out->edits.size() && out->edits[e].point.inst == i && out->edits[e].point.after == after) {
      const Edit& ed = out->edits[e];
      s += "      edit " + (ed.is_remat() ? "remat(" + std::to_string(ed.remat_inst) + ")" : alloc_name(ed.from)) +
           " -> " + alloc_name(ed.to) + "\n";
      ++e;
    }
  };
  for (const auto& [v, r] : f.entry_live_ins) s += "entry v" + std::to_string(v.index) + " in " + alloc_name(Allocation::in_reg(r)) + "\n";
  for (uint32_t b = 0; b < f.blocks.size(); ++b) {
    const auto& bl = f.blocks[b];
    s += "block" + std::to_string(b) + "(";
    for (VReg p : bl.params) s += " v" + std::to_string(p.index);
    s += " ) succs:";
    for (uint32_t x : bl.succs) s += " " + std::to_string(x);
    s += "\n";
    for (uint32_t i = bl.first_inst; i < bl.end_inst; ++i) {
      edits_at(i, false);
      const auto& in = f.insts[i];
      s += "  " + std::to_string(i) + ":";
      if (in.is_move) s += " move";
      if (in.remat) s += " remat";
      if (in.clobbers.bits) s += " call";
      auto ops = f.inst_operands(i);
      for (uint32_t k = 0; k < ops.size(); ++k) {
        const Operand& op = ops[k];
        static const char* cn[] = {"any", "reg", "fixed", "reuse", "stack"};
        s += std::string(" ") + (op.kind == OperandKind::kUse ? "use" : "def") + (op.pos == OperandPos::kEarly ? "E" : "L") +
             ":v" + std::to_string(op.vreg.index) + "/" + cn[static_cast<int>(op.constraint)];
        if (op.constraint == Constraint::kFixedReg) s += "(" + alloc_name(Allocation::in_reg(op.fixed)) + ")";
        if (op.constraint == Constraint::kReuse) s += "(" + std::to_string(op.reuse_input) + ")";
        if (out) s += "=" + alloc_name(out->allocs[in.first_operand + k]);
      }
      if (in.num_branch_args) {
        s += " args:";
        for (uint32_t a = 0; a < in.num_branch_args; ++a) s += " v" + std::to_string(f.branch_args[in.first_branch_arg + a].index);
      }
      s += "\n";
      edits_at(i, true);
    }
  }
  return s;
}

}  // namespace kiln::codegen::regalloc::testing
