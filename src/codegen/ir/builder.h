// codegen/ir/builder.h: FunctionBuilder: appends instructions to a Function and builds SSA
// form from mutable variables (declare_var/def_var/use_var), for the Wasm translator.
//
// SSA construction is Braun et al., "Simple and Efficient Construction of Static Single
// Assignment Form" (CC 2013), as in Cranelift's frontend: a use with no local definition asks
// the predecessors, adding a block parameter when there are several; in blocks not yet
// sealed (more predecessors may come) the parameter is completed at seal_block. A parameter
// whose predecessors all pass the same value is removed again and aliased to that value. The
// lookup runs on an explicit stack, so deep CFGs cannot overflow the native stack.
//
// Rules: add explicit block parameters before the block's first use_var; seal a block once all
// branches to it exist; a variable used before any definition reads as zero.
#pragma once

#include <span>
#include <vector>

#include "codegen/ir/function.h"

namespace kiln::codegen::ir {

KILN_ENTITY(Variable, "var");

class FunctionBuilder {
 public:
  explicit FunctionBuilder(Function& f) : f_(f) {}

  Function& func() { return f_; }
  Block create_block() { return f_.dfg.make_block(); }
  // Makes b the insertion point, appending it to the layout if needed.
  void switch_to_block(Block b);
  Block current_block() const { return current_; }
  // True once the current block has a terminator.
  bool is_filled() const;
  void seal_block(Block b);
  void seal_all_blocks();
  Value append_block_param(Block b, Type t) { return f_.dfg.append_block_param(b, t); }
  void append_block_params_for_function_params(Block b);

  Variable declare_var(Type t);
  void def_var(Variable var, Value v);
  Value use_var(Variable var);

  // Appends an instruction to the current block, creating its results and recording the
  // block's successors.
  Inst ins(const InstData& d);
  Value ins_value(const InstData& d) { return f_.dfg.first_result(ins(d)); }

  Value iconst(Type t, int64_t imm);
  Value f32const(float v);
  Value f64const(double v);
  Value vconst(Type t, const V128Bytes& bytes);
  Value unary(Opcode op, Value x);
  Value binary(Opcode op, Value x, Value y);
  // Conversions and splat: the result type is explicit.
  Value convert(Opcode op, Type to, Value x);
  Value icmp(IntCC cc, Value x, Value y);
  Value fcmp(FloatCC cc, Value x, Value y);
  Value select(Value c, Value x, Value y);
  Value load(Opcode op, Type t, MemFlags flags, Value addr, int32_t offset);
  void store(Opcode op, MemFlags flags, Value v, Value addr, int32_t offset);
  Value stack_load(Type t, StackSlot ss, int32_t offset);
  void stack_store(Value v, StackSlot ss, int32_t offset);
  Value stack_addr(Type t, StackSlot ss, int32_t offset);
  Inst call(FuncRef fr, std::span<const Value> args);
  Inst call_indirect(SigRef sig, Value callee, std::span<const Value> args);
  void return_call(FuncRef fr, std::span<const Value> args);
  void jump(Block b, std::span<const Value> args = {});
  void brif(Value c, Block then_block, std::span<const Value> then_args, Block else_block,
            std::span<const Value> else_args);
  void br_table(Value index, Block default_block, std::span<const Block> targets);
  void return_(std::span<const Value> values);
  void trap(TrapCode code);
  void trapz(Value c, TrapCode code);
  void trapnz(Value c, TrapCode code);

  // Resolves aliases left by SSA construction. Every block must be sealed.
  void finalize();

  // ---- Value numbering during construction (off unless enabled)
  //
  // With numbering on, ins() does not make an instruction again that computes a pure function
  // of its operands (no side effect, cannot trap; a load only if readonly and notrap) when an
  // equal one exists in a block that dominates the insertion point: it returns that one. The
  // Wasm translator turns it on: its output repeats the same constants, heap bases and index
  // extensions for every access, which GVN would otherwise merge only after every pass before
  // it had walked them.
  //
  // Dominance is what the caller declares through a scope of blocks, each dominating the
  // insertion point: enter_dominated(b) switches to b, which every block in the scope
  // dominates, and adds b to the scope; leave_scope(mark) removes the blocks added since
  // scope_mark() returned mark (the caller leaves a region before moving to a block outside
  // it). A block entered with plain switch_to_block (slow paths, edge blocks) is in no
  // scope: its instructions are never reused, while they may reuse those of the scope, whose
  // blocks dominate every block the builder moves to from inside it.
  void set_numbering(bool on) { numbering_ = on; }
  bool numbering() const { return numbering_; }
  void enter_dominated(Block b);
  uint32_t scope_mark() const { return static_cast<uint32_t>(scope_log_.size()); }
  void leave_scope(uint32_t mark);

 private:
  struct Pred {
    Block block;
    Inst inst;
  };
  Value lookup(Variable var, Block b) const;
  Value use_var_nonlocal(Variable var, Type ty, Block b);
  // Completes parameter `param` of b from its predecessors' values (on the results stack).
  Value finish_param(Variable var, Block b, Value param, std::span<const Value> pred_values);
  Value make_zero(Type t, Block b);
  // defs[b] for writing (defs_ holds one map per variable).
  Value& def_slot(SecondaryMap<Block, Value>& defs, Block b) {
    if (b.index() >= defs.size()) grow_defs(defs, b);
    return defs[b];
  }
  void grow_defs(SecondaryMap<Block, Value>& defs, Block b);

  Function& f_;
  Block current_;
  PrimaryMap<Variable, Type> var_types_;
  std::vector<SecondaryMap<Block, Value>> defs_;  // per variable
  EntitySet<Block> sealed_;
  // The predecessors of each block in the order their branches were made, as one singly
  // linked list per block in a flat array (no allocation per block): preds(b).
  struct PredNode {
    Pred pred;
    uint32_t next;
  };
  static constexpr uint32_t kNoPred = UINT32_MAX;
  struct PredList {
    uint32_t head = kNoPred, tail = kNoPred, count = 0;
  };
  class PredRange {
   public:
    class iterator {
     public:
      iterator(const std::vector<PredNode>* nodes, uint32_t n) : nodes_(nodes), n_(n) {}
      const Pred& operator*() const { return (*nodes_)[n_].pred; }
      iterator& operator++() {
        n_ = (*nodes_)[n_].next;
        return *this;
      }
      bool operator!=(const iterator& o) const { return n_ != o.n_; }

     private:
      const std::vector<PredNode>* nodes_;
      uint32_t n_;
    };
    PredRange(const std::vector<PredNode>& nodes, PredList l) : nodes_(&nodes), l_(l) {}
    iterator begin() const { return {nodes_, l_.head}; }
    iterator end() const { return {nodes_, kNoPred}; }
    size_t size() const { return l_.count; }
    bool empty() const { return l_.count == 0; }
    const Pred& front() const { return (*nodes_)[l_.head].pred; }

   private:
    const std::vector<PredNode>* nodes_;
    PredList l_;
  };
  PredRange preds(Block b) const {
    return {pred_nodes_, b.index() < pred_lists_.size() ? pred_lists_[b.index()] : PredList{}};
  }
  void add_pred(Block b, Pred p);
  std::vector<PredNode> pred_nodes_;
  std::vector<PredList> pred_lists_;  // by block index
  SecondaryMap<Block, std::vector<std::pair<Variable, Value>>> incomplete_;

  // Scratch of use_var_nonlocal (never re-entered: nothing it calls uses a variable), kept
  // so that variable lookups allocate nothing once they have grown.
  struct NonlocalCall {
    bool finish;  // complete `param` of `block` from the results on top; else look up block
    Block block;
    Value param;
  };
  std::vector<NonlocalCall> nl_calls_;
  std::vector<Value> nl_results_, nl_pred_values_;
  std::vector<Block> nl_chain_;
  EntitySet<Block> nl_visited_;
  std::vector<Value> seal_pred_values_;  // seal_block's scratch

  // Value numbering (set_numbering). The table is open addressing with linear probing over
  // (hash, instruction) slots, the key being the instruction's own data; an entry whose
  // instruction has left the scope is replaced by the next equal instruction made.
  struct NumberSlot {
    uint64_t hash = 0;
    Inst inst;  // none: empty
  };
  static bool numberable(const InstData& d);
  static uint64_t number_hash(const InstData& d);
  // The slot of an instruction equal to d, or the empty slot where d goes.
  NumberSlot& find_number_slot(const InstData& d, uint64_t hash);
  void grow_numbering();
  bool numbering_ = false;
  std::vector<NumberSlot> number_slots_;
  size_t number_used_ = 0;
  std::vector<uint8_t> in_scope_;  // by block index
  std::vector<Block> scope_log_;   // the scope's blocks, oldest first
};

}  // namespace kiln::codegen::ir
