// codegen/opt/util.h: small helpers shared by the mid-end passes: constants of values,
// instruction classification (pure, may trap), inserting and replacing instructions, and
// dominator-tree preorder. Internal to codegen/opt.
#pragma once

#include <optional>
#include <vector>

#include "codegen/ir/eval.h"
#include "codegen/ir/flowgraph.h"
#include "codegen/ir/function.h"
#include "codegen/opt/passes.h"

namespace kiln::codegen::opt {

// Calls f(BlockCall&) on each branch target of i (jump: one; brif: two; br_table: the
// default then the table), without building a list: the passes run this on every branch.
template <typename F>
void for_each_block_call(ir::DataFlowGraph& dfg, ir::Inst i, F&& f) {
  ir::InstData& d = dfg[i];
  switch (d.format()) {
    case ir::InstFormat::kJump: f(d.dest[0]); break;
    case ir::InstFormat::kBrif: f(d.dest[0]); f(d.dest[1]); break;
    case ir::InstFormat::kBranchTable:
      if (dfg.jump_tables.is_valid(d.jump_table())) {
        ir::JumpTableData& jt = dfg.jump_tables[d.jump_table()];
        f(jt.default_target);
        for (ir::BlockCall& bc : jt.targets) f(bc);
      }
      break;
    default: break;
  }
}

// Calls f(Value&) on every value operand of i, branch arguments included (as
// DataFlowGraph::map_values, without allocating).
template <typename F>
void for_each_operand(ir::DataFlowGraph& dfg, ir::Inst i, F&& f) {
  for (ir::Value& v : dfg.fixed_args_mut(i)) f(v);
  for (ir::Value& v : dfg[i].vargs.as_mut_slice(dfg.pool())) f(v);
  for_each_block_call(dfg, i, [&](ir::BlockCall& bc) {
    for (ir::Value& v : bc.args.as_mut_slice(dfg.pool())) f(v);
  });
}

// The opcodes that define scalar constants: iconst, f32const, f64const.
inline bool is_scalar_constant(ir::Opcode op) {
  return op == ir::Opcode::kIconst || op == ir::Opcode::kF32const || op == ir::Opcode::kF64const;
}
// Whether `v` is defined by one of them (constant_of has a value).
inline bool is_scalar_constant(const ir::DataFlowGraph& dfg, ir::Value v) {
  ir::Inst def = dfg.value_inst(v);
  return def && is_scalar_constant(dfg[def].opcode);
}
// The constant `v` holds if it is defined by iconst, f32const or f64const. (The test inline:
// simplify asks it of the operands it folds and branches on, and most are not constants.)
// constant_value is the rest: the value, given v's defining instruction, a scalar constant.
std::optional<ir::DataValue> constant_value(const ir::DataFlowGraph& dfg, ir::Value v,
                                            const ir::InstData& def);
inline std::optional<ir::DataValue> constant_of(const ir::DataFlowGraph& dfg, ir::Value v) {
  ir::Inst def = dfg.value_inst(v);
  if (!def || !is_scalar_constant(dfg[def].opcode)) return std::nullopt;
  return constant_value(dfg, v, dfg[def]);
}
// The integer constant `v` holds (sign-extended from its width, scalars up to 64 bits).
// (Inline: the rules ask this of most operands they look at, and most are not constants.)
inline std::optional<int64_t> int_constant_of(const ir::DataFlowGraph& dfg, ir::Value v) {
  ir::Inst def = dfg.value_inst(v);
  if (!def || dfg[def].opcode != ir::Opcode::kIconst) return std::nullopt;
  // Only iconst defines integer constants: the immediate masked to the width of v's type,
  // then sign-extended from it (as DataValue::make and as_i64 would).
  ir::Type t = dfg.value_type(dfg.resolve_aliases(v));
  if (!t.is_int() || t.bits() > 64 || t.bits() == 0) return std::nullopt;
  const unsigned unused = 64 - t.bits();
  return static_cast<int64_t>(static_cast<uint64_t>(dfg[def].imm) << unused) >> unused;
}

// True for instructions whose results depend only on their operands and that do nothing
// else except possibly trap: no memory access, call, branch or stack effect. Such an
// instruction may be replaced by an identical dominating one (which would have trapped
// first) and removed when unused if it cannot trap.
inline bool is_pure(ir::Opcode op) {
  if (ir::is_terminator(op) || ir::is_call(op) || ir::can_load(op) || ir::can_store(op)) return false;
  // trapz/trapnz have no result to reuse; they are handled separately where useful.
  return op != ir::Opcode::kTrapz && op != ir::Opcode::kTrapnz;
}
// True if executing the instruction can trap, given what is known of its operands (a division
// by a constant other than 0 and -1 cannot; a notrap load cannot).
bool may_trap(const ir::Function& f, ir::Inst i);

// Makes a new instruction, creates its results and inserts it before `before`.
ir::Inst insert_inst_before(ir::Function& f, const ir::InstData& d, ir::Inst before);
// Same, returning the first result.
ir::Value insert_value_before(ir::Function& f, const ir::InstData& d, ir::Inst before);

// Removes `i` from the layout and makes its single result an alias of `v`. Callers run
// dfg.resolve_all_aliases() (or otherwise resolve operands) before the pass ends.
void replace_inst_with_value(ir::Function& f, ir::Inst i, ir::Value v);

// Rewrites the operands of the instructions in the layout to resolved values (cheaper than
// DataFlowGraph::resolve_all_aliases, which also visits removed instructions).
void resolve_aliases_in_layout(ir::Function& f);

// Keeps the operands in the layout resolved during a pass's own walk, instead of the separate
// walk of CfgCache::resolve_operands at its end. For passes that visit the reachable blocks in
// an order where a block comes after the blocks dominating it (reverse postorder, dominator-tree
// preorder) and make aliases only of results of the instruction being visited: every use of
// such a result is dominated by it, so it is visited later, and visit() resolves it then. The
// blocks left out of the walk (unreachable in `domtree`) are resolved by finish(). Only when the
// operands were resolved on entry; otherwise finish() falls back to resolve_operands.
class WalkResolver {
 public:
  WalkResolver(const CfgCache& cache, const ir::DataFlowGraph& dfg)
      : active_(cache.resolved_at_aliases == dfg.aliases_made()), start_(dfg.aliases_made()) {}
  // Before the pass looks at instruction i of the walk.
  void visit(ir::DataFlowGraph& dfg, ir::Inst i) const {
    if (!active_ || dfg.aliases_made() == start_) return;
    // Inline for the common case (fixed operands only); lists and branches out of line.
    ir::InstData& d = dfg[i];
    const ir::InstFormat fmt = d.format();
    for (ir::Value& v : dfg.fixed_args_mut(i)) v = dfg.resolve_aliases(v);
    if (!d.vargs.is_empty() || fmt == ir::InstFormat::kJump || fmt == ir::InstFormat::kBrif ||
        fmt == ir::InstFormat::kBranchTable) {
      resolve_lists(dfg, i);
    }
  }
  // Whether the walk keeps the operands resolved: then every operand of the instruction just
  // visited is a resolved value (the pass need not resolve it again).
  bool active() const { return active_; }
  // After the walk; `domtree` is the order the walk followed.
  void finish(ir::Function& f, CfgCache& cache, const ir::DominatorTree& domtree) const;

 private:
  // The variable operands and branch arguments of i.
  static void resolve_lists(ir::DataFlowGraph& dfg, ir::Inst i);

  bool active_;
  uint64_t start_;
};

// Blocks of the dominator tree in preorder (a parent before its children).
std::vector<ir::Block> domtree_preorder(const ir::Function& f, const ir::DominatorTree& domtree);

}  // namespace kiln::codegen::opt
