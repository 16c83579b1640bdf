// codegen/translate/code_translator.cc: translates one Wasm function body, instruction by
// instruction, into IR: the operand stack becomes SSA values, locals become builder variables,
// structured control flow becomes blocks with parameters (block results, loop parameters) and
// code after an unconditional branch is skipped until the enclosing frame ends.
#include <algorithm>
#include <string>
#include <utility>

#include "codegen/translate/fuel_epoch.h"
#include "codegen/translate/func_environ.h"
#include "codegen/translate/inline_plan.h"
#include "codegen/translate/simd_translator.h"
#include "wasm/instr_reader.h"

namespace kiln::codegen::translate {
namespace {

using environ::BuiltinIndex;
using environ::TrapCode;
using ir::Type;
using ir::Value;

namespace wop = wasm;

// One entry of the control stack.
struct Frame {
  enum class Kind : uint8_t { kBlock, kLoop, kIf };
  Kind kind = Kind::kBlock;
  ir::Block dest;    // the continuation after `end`; its parameters are the results
  ir::Block header;  // kLoop: the loop header (parameters = the loop's params); kIf: else block
  uint32_t height = 0;  // operand stack height below the frame's parameters
  uint32_t num_params = 0;
  uint32_t num_results = 0;
  bool dest_reached = false;  // some branch (or fallthrough) targets dest
  bool else_seen = false;
  // The builder's dominance scope when the frame's code began (FunctionBuilder::scope_mark):
  // the blocks that joined it inside the frame leave it at `else` and `end`. A loop's
  // header is in the scope before the mark: it dominates everything after the loop.
  uint32_t scope = 0;
  std::vector<Value> if_params;  // kIf: the parameters, for the else arm

  // Branches to a loop go to its header with its params; to others, to dest with results.
  uint32_t branch_arity() const { return kind == Kind::kLoop ? num_params : num_results; }
  ir::Block branch_target() const { return kind == Kind::kLoop ? header : dest; }
};

// Inlining policy (inline_plan.h). A direct call of a defined function is translated in
// place when the module's plan says the callee is inlined at its single call site, or when
// the callee is small (kInlineMaxSmallBytes, no calls) and the caller's budget lasts:
// kInlineBaseBudget plus its own code size, in bytes of copied code, at most kInlineMaxBudget.
// Small callees are where the call costs most relative to the work (argument shuffling,
// frame, stack check, the values the caller keeps in callee-saved registers), and their
// inlined code usually folds with the caller's constants and loads; the budget bounds the
// growth of large callers, whose compile time is superlinear in their size. Inlining is one
// level deep: calls inside an inlined body stay calls.
constexpr uint32_t kInlineBaseBudget = 256;
constexpr uint32_t kInlineMaxBudget = 4096;

uint32_t inline_budget(const wasm::FuncBody& caller) {
  return std::min<uint32_t>(kInlineMaxBudget, kInlineBaseBudget + caller.code.size);
}

class CodeTranslator {
 public:
  CodeTranslator(const ModuleEnv& env, ir::Function& f)
      : env_(env), f_(f), b_(f), fe_(env, b_), limits_(env.tunables, b_, fe_) {}

  Expected<void> translate(environ::DefinedFuncIndex index);

 private:
  Expected<void> translate_op(wasm::Opcode op, const wasm::Imm& imm);
  void translate_unreachable_op(wasm::Opcode op);
  void block_types(const wasm::BlockType& bt, std::vector<wasm::ValType>& params,
                   std::vector<wasm::ValType>& results) const;
  ir::Block make_block_with_params(const std::vector<wasm::ValType>& types);
  Frame& frame_at(uint32_t depth) { return frames_[frames_.size() - 1 - depth]; }
  void end_frame();
  void else_frame();
  void br(uint32_t depth);
  void br_if(uint32_t depth, Value cond);
  void br_table(const wasm::Imm& imm, Value index);

  Value pop() {
    Value v = stack_.back();
    stack_.pop_back();
    return v;
  }
  void push(Value v) { stack_.push_back(v); }
  void push_all(std::span<const Value> vs) { stack_.insert(stack_.end(), vs.begin(), vs.end()); }
  // The top n values, in stack order, left on the stack.
  std::vector<Value> peek_n(uint32_t n) const {
    return std::vector<Value>(stack_.end() - n, stack_.end());
  }
  std::vector<Value> pop_n(uint32_t n) {
    std::vector<Value> v = peek_n(n);
    stack_.resize(stack_.size() - n);
    return v;
  }
  std::vector<Value> pop_params(uint32_t type_index) {
    return pop_n(static_cast<uint32_t>(env_.module.func_type(type_index).params.size()));
  }
  Type type_of(Value v) const { return f_.dfg.value_type(v); }

  void unop(ir::Opcode op) { push(b_.unary(op, pop())); }
  void binop(ir::Opcode op) {
    Value y = pop(), x = pop();
    push(b_.binary(op, x, y));
  }
  void convert(ir::Opcode op, Type to) { push(b_.convert(op, to, pop())); }
  // A comparison's i32 result: its i8 boolean zero-extended, except when the next
  // instruction is br_if or if, which only test it for nonzero and take the boolean as it is
  // (the extension would be dead at once: brif of an extension is simplified to brif of the
  // boolean anyway).
  Value bool_to_i32(Value c) {
    const int next = reader_->peek_byte();
    if (next == kBrIfByte || next == kIfByte) return c;
    return b_.convert(ir::Opcode::kUextend, ir::kI32, c);
  }
  static constexpr int kBrIfByte = 0x0d, kIfByte = 0x04;
  void icmp(ir::IntCC cc) {
    Value y = pop(), x = pop();
    push(bool_to_i32(b_.icmp(cc, x, y)));
  }
  void fcmp(ir::FloatCC cc) {
    Value y = pop(), x = pop();
    push(bool_to_i32(b_.fcmp(cc, x, y)));
  }
  void eqz() {
    Value x = pop();
    push(bool_to_i32(b_.icmp(ir::IntCC::kEq, x, b_.iconst(type_of(x), 0))));
  }
  // Sign-extends the low `bits` of the top value in place.
  void extend_low(uint32_t bits) {
    Value x = pop();
    Type t = type_of(x);
    push(b_.convert(ir::Opcode::kSextend, t, b_.convert(ir::Opcode::kIreduce, Type::int_of_bits(bits), x)));
  }
  void load(const wasm::Imm& imm, ir::Opcode op, Type t, uint32_t size);
  void store(const wasm::Imm& imm, ir::Opcode op, uint32_t size);
  void wide_addsub(ir::Opcode op);
  void mul_wide(ir::Opcode ext);
  void push_results(const std::vector<Value>& vs) { push_all(vs); }
  ir::Inst isplit(Value x) {
    ir::InstData d;
    d.opcode = ir::Opcode::kIsplit;
    d.args[0] = x;
    return b_.ins(d);
  }
  Expected<void> call(uint32_t func, bool tail);
  // Inlining (opt level > 0): `func`'s body translated in place of a direct call.
  bool should_inline(uint32_t func) const;
  Expected<void> inline_call(uint32_t func, std::span<const Value> args);
  // Declares the locals of a body: the parameters bound to `params`, then the declared
  // locals, zero-initialized.
  void declare_locals(const wasm::FuncType& ft, const wasm::FuncBody& body,
                      std::span<const Value> params);
  // Translates `body`'s operators until its function frame (already pushed) ends.
  Expected<void> translate_body(const wasm::FuncBody& body);
  Expected<void> unsupported(wasm::Opcode op);

  const ModuleEnv& env_;
  ir::Function& f_;
  ir::FunctionBuilder b_;
  FuncEnvironment fe_;
  FuelEpochInstrumentation limits_;  // fuel and epoch checks (none unless the tunables ask)
  std::vector<ir::Variable> locals_;
  std::vector<Value> stack_;
  std::vector<Frame> frames_;
  // The reader of the body being translated (an inlined callee's while it is translated).
  const wasm::InstrReader* reader_ = nullptr;
  bool reachable_ = true;
  uint32_t unreachable_depth_ = 0;  // frames opened while unreachable, not yet closed
  uint64_t op_offset_ = 0;
  uint32_t func_index_ = 0;
  uint32_t inline_depth_ = 0;        // > 0 while translating an inlined body
  uint32_t inlined_ops_budget_ = 0;  // code bytes of callees this function may still inline
};

void CodeTranslator::block_types(const wasm::BlockType& bt, std::vector<wasm::ValType>& params,
                                 std::vector<wasm::ValType>& results) const {
  params.clear();
  results.clear();
  switch (bt.kind) {
    case wasm::BlockType::Kind::kEmpty: break;
    case wasm::BlockType::Kind::kValue: results.push_back(bt.value); break;
    case wasm::BlockType::Kind::kIndex: {
      const wasm::FuncType& ft = env_.module.func_type(bt.index);
      params = ft.params;
      results = ft.results;
      break;
    }
  }
}

ir::Block CodeTranslator::make_block_with_params(const std::vector<wasm::ValType>& types) {
  ir::Block blk = b_.create_block();
  for (const wasm::ValType& t : types) b_.append_block_param(blk, ir_type(t));
  return blk;
}

Expected<void> CodeTranslator::translate(environ::DefinedFuncIndex index) {
  const wasm::Module& m = env_.module;
  func_index_ = environ::func_of(m, index).index();
  const wasm::FuncType& ft = m.func_sig(func_index_);
  const wasm::FuncBody& body = m.bodies[index.index()];
  f_.name = "wasm_func_" + std::to_string(func_index_);
  f_.signature = wasm_call_signature(ft);

  ir::Block entry = b_.create_block();
  b_.append_block_params_for_function_params(entry);
  b_.set_numbering(true);
  b_.enter_dominated(entry);
  b_.seal_block(entry);
  auto params = f_.dfg.block_params(entry);
  fe_.set_vmctx(params[0]);
  if (env_.inlining && env_.plan != nullptr && env_.plan->is_absorbed(func_index_)) {
    // Only its caller's inlined copy of this code ever runs (inline_plan.h).
    fe_.trap(TrapCode::kUnreachable);
    b_.seal_all_blocks();
    b_.finalize();
    return {};
  }

  {
    std::vector<Value> args(params.begin() + 2, params.end());
    declare_locals(ft, body, args);
  }

  // After the locals: `params` points into the DFG, which the checks' new blocks may move.
  limits_.function_entry();

  // The function body is a block whose continuation returns its results.
  Frame fn;
  fn.kind = Frame::Kind::kBlock;
  fn.dest = make_block_with_params(ft.results);
  fn.num_results = static_cast<uint32_t>(ft.results.size());
  fn.scope = b_.scope_mark();
  frames_.push_back(std::move(fn));

  inlined_ops_budget_ = inline_budget(body);
  KILN_TRY(translate_body(body));
  // The final `end` left us in the return block (if it is reachable at all).
  if (reachable_) {
    limits_.function_exit();
    b_.return_(stack_);
  }
  b_.seal_all_blocks();
  b_.finalize();
  return {};
}

void CodeTranslator::declare_locals(const wasm::FuncType& ft, const wasm::FuncBody& body,
                                    std::span<const Value> params) {
  for (size_t k = 0; k < ft.params.size(); ++k) {
    ir::Variable v = b_.declare_var(ir_type(ft.params[k]));
    b_.def_var(v, params[k]);
    locals_.push_back(v);
  }
  // The zeros are not numbered: most die (the local is set before it is read), and a
  // constant of the body numbered to one of them would live from the function's start
  // instead of from its first use.
  const bool numbering = b_.numbering();
  b_.set_numbering(false);
  for (const wasm::Local& l : body.locals) {
    Type t = ir_type(l.type);
    for (uint32_t k = 0; k < l.count; ++k) {
      ir::Variable v = b_.declare_var(t);
      Value zero;
      if (t == ir::kF32) {
        zero = b_.f32const(0.0f);
      } else if (t == ir::kF64) {
        zero = b_.f64const(0.0);
      } else if (t.is_vector()) {
        zero = b_.vconst(t, ir::V128Bytes{});
      } else {
        zero = b_.iconst(t, 0);
      }
      b_.def_var(v, zero);
      locals_.push_back(v);
    }
  }
  b_.set_numbering(numbering);
}

Expected<void> CodeTranslator::translate_body(const wasm::FuncBody& body) {
  const wasm::Module& m = env_.module;
  wasm::Features features = wasm::Features::all();
  wasm::InstrReader reader(m.at(body.code), m.at(body.code) + body.code.size, body.code.offset,
                           features);
  // The caller's reader again when this (inlined) body is done, however it ends.
  struct RestoreReader {
    const wasm::InstrReader*& slot;
    const wasm::InstrReader* outer;
    ~RestoreReader() { slot = outer; }
  } restore{reader_, std::exchange(reader_, &reader)};
  wasm::Opcode op;
  wasm::Imm imm;
  while (!frames_.empty()) {
    if (reader.at_end()) {
      return Error(ErrorKind::kMalformed, "function body ends before its final `end`",
                   Location::at_offset(reader.offset()));
    }
    op_offset_ = reader.offset();
    KILN_TRY(reader.next(&op, &imm));
    if (!reachable_) {
      translate_unreachable_op(op);
      continue;
    }
    if (limits_.enabled()) limits_.before_op(op);
    KILN_TRY(translate_op(op, imm));
    if (limits_.enabled()) {
      if (reachable_) {
        limits_.after_op(op);
      } else {
        limits_.became_unreachable();
      }
    }
  }
  return {};
}

void CodeTranslator::translate_unreachable_op(wasm::Opcode op) {
  switch (op) {
    case wop::Opcode::kBlock:
    case wop::Opcode::kLoop:
    case wop::Opcode::kIf:
    case wop::Opcode::kTry:
    case wop::Opcode::kTryTable:
      ++unreachable_depth_;
      break;
    case wop::Opcode::kElse:
      if (unreachable_depth_ == 0) else_frame();
      break;
    case wop::Opcode::kEnd:
      if (unreachable_depth_ > 0) {
        --unreachable_depth_;
      } else {
        end_frame();
      }
      break;
    default:
      break;
  }
}

void CodeTranslator::else_frame() {
  Frame& fr = frames_.back();
  if (reachable_) {
    b_.jump(fr.dest, peek_n(fr.num_results));
    fr.dest_reached = true;
  }
  fr.else_seen = true;
  stack_.resize(fr.height);
  push_all(fr.if_params);
  // The then arm's blocks do not dominate the else arm.
  b_.leave_scope(fr.scope);
  b_.enter_dominated(fr.header);
  reachable_ = true;
}

void CodeTranslator::end_frame() {
  Frame fr = std::move(frames_.back());
  frames_.pop_back();
  if (reachable_ && !fr.dest_reached && (fr.kind != Frame::Kind::kIf || fr.else_seen)) {
    // Only the fallthrough reaches the end (no branch named the frame's label; for an if,
    // the other arm ended unreachable): the code after it simply continues in this block,
    // with the results where they are on the stack. dest stays unused, outside the layout;
    // it would only have been merged back into this block by branch folding.
    if (fr.kind == Frame::Kind::kLoop) b_.seal_block(fr.header);
    b_.seal_block(fr.dest);
    return;
  }
  if (reachable_) {
    b_.jump(fr.dest, peek_n(fr.num_results));
    fr.dest_reached = true;
  }
  // dest is reached from inside the frame, whose own blocks need not dominate it; the blocks
  // in the scope at the frame's start dominate all of the frame, and so dest.
  b_.leave_scope(fr.scope);
  if (fr.kind == Frame::Kind::kIf && !fr.else_seen) {
    // No else arm: the params pass through as the results (validation made the types equal).
    b_.switch_to_block(fr.header);
    b_.jump(fr.dest, fr.if_params);
    fr.dest_reached = true;
  }
  if (fr.kind == Frame::Kind::kLoop) b_.seal_block(fr.header);
  b_.seal_block(fr.dest);
  stack_.resize(fr.height);
  if (fr.dest_reached) {
    b_.enter_dominated(fr.dest);
    auto ps = f_.dfg.block_params(fr.dest);
    push_all(std::vector<Value>(ps.begin(), ps.end()));
    reachable_ = true;
  } else {
    reachable_ = false;
  }
}

void CodeTranslator::br(uint32_t depth) {
  Frame& fr = frame_at(depth);
  b_.jump(fr.branch_target(), peek_n(fr.branch_arity()));
  if (fr.kind != Frame::Kind::kLoop) fr.dest_reached = true;
  reachable_ = false;
}

void CodeTranslator::br_if(uint32_t depth, Value cond) {
  Frame& fr = frame_at(depth);
  ir::Block next = b_.create_block();
  b_.brif(cond, fr.branch_target(), peek_n(fr.branch_arity()), next, {});
  if (fr.kind != Frame::Kind::kLoop) fr.dest_reached = true;
  b_.seal_block(next);
  b_.enter_dominated(next);  // only reached from here
}

void CodeTranslator::br_table(const wasm::Imm& imm, Value index) {
  uint32_t arity = frame_at(imm.default_target).branch_arity();
  std::vector<uint32_t> depths(imm.targets, imm.targets + imm.num_targets);
  depths.push_back(imm.default_target);
  std::vector<ir::Block> blocks;
  if (arity == 0) {
    for (uint32_t d : depths) blocks.push_back(frame_at(d).branch_target());
  } else {
    // br_table targets take no arguments: each distinct depth gets an edge block that jumps
    // to the real target with the branch values.
    std::vector<std::pair<uint32_t, ir::Block>> edges;
    for (uint32_t d : depths) {
      auto it = std::find_if(edges.begin(), edges.end(), [&](auto& e) { return e.first == d; });
      if (it == edges.end()) {
        edges.push_back({d, b_.create_block()});
        it = edges.end() - 1;
      }
      blocks.push_back(it->second);
    }
    ir::Block def = blocks.back();
    blocks.pop_back();
    b_.br_table(index, def, blocks);
    std::vector<Value> args = peek_n(arity);
    for (auto& [d, edge] : edges) {
      b_.seal_block(edge);
      b_.switch_to_block(edge);
      Frame& fr = frame_at(d);
      b_.jump(fr.branch_target(), args);
      if (fr.kind != Frame::Kind::kLoop) fr.dest_reached = true;
    }
    reachable_ = false;
    return;
  }
  ir::Block def = blocks.back();
  blocks.pop_back();
  b_.br_table(index, def, blocks);
  for (uint32_t d : depths) {
    Frame& fr = frame_at(d);
    if (fr.kind != Frame::Kind::kLoop) fr.dest_reached = true;
  }
  reachable_ = false;
}

void CodeTranslator::load(const wasm::Imm& imm, ir::Opcode op, Type t, uint32_t size) {
  Value index = pop();
  int32_t off = 0;
  auto addr = fe_.heap_addr(imm.memarg.memory, index, imm.memarg.offset, size, &off);
  if (!addr) {
    reachable_ = false;
    return;
  }
  ir::MemFlags flags;
  flags.set_region(ir::AliasRegion::kHeap);
  push(b_.load(op, t, flags, *addr, off));
}

void CodeTranslator::store(const wasm::Imm& imm, ir::Opcode op, uint32_t size) {
  Value v = pop();
  Value index = pop();
  int32_t off = 0;
  auto addr = fe_.heap_addr(imm.memarg.memory, index, imm.memarg.offset, size, &off);
  if (!addr) {
    reachable_ = false;
    return;
  }
  ir::MemFlags flags;
  flags.set_region(ir::AliasRegion::kHeap);
  b_.store(op, flags, v, *addr, off);
}

void CodeTranslator::wide_addsub(ir::Opcode op) {
  Value hi2 = pop(), lo2 = pop(), hi1 = pop(), lo1 = pop();
  Value a = b_.binary(ir::Opcode::kIconcat, lo1, hi1);
  Value c = b_.binary(ir::Opcode::kIconcat, lo2, hi2);
  Value r = b_.binary(op, a, c);
  push_all(f_.dfg.inst_results(isplit(r)));
}

void CodeTranslator::mul_wide(ir::Opcode ext) {
  Value y = pop(), x = pop();
  Value r = b_.binary(ir::Opcode::kImul, b_.convert(ext, ir::kI128, x), b_.convert(ext, ir::kI128, y));
  push_all(f_.dfg.inst_results(isplit(r)));
}

Expected<void> CodeTranslator::call(uint32_t func, bool tail) {
  std::vector<Value> args = pop_params(env_.module.func_types[func]);
  if (!tail && should_inline(func)) return inline_call(func, args);
  push_results(fe_.call_function(func, args, tail));
  if (tail) reachable_ = false;
  return {};
}

bool CodeTranslator::should_inline(uint32_t func) const {
  if (!env_.inlining || inline_depth_ > 0 || func == func_index_) return false;
  const wasm::Module& m = env_.module;
  auto def = environ::defined_func(m, environ::FuncIndex(func));
  if (!def) return false;
  const wasm::FuncBody& body = m.bodies[def->index()];
  if (env_.plan != nullptr && env_.plan->inline_at_site(func)) return true;
  return body.code.size <= kInlineMaxSmallBytes && body.code.size <= inlined_ops_budget_ &&
         is_inlinable(m, body, false);
}

Expected<void> CodeTranslator::inline_call(uint32_t func, std::span<const Value> args) {
  const wasm::Module& m = env_.module;
  const wasm::FuncBody& body = m.bodies[environ::defined_func(m, environ::FuncIndex(func))->index()];
  const wasm::FuncType& ft = m.func_sig(func);
  // Small callees are charged to the caller's budget; single-site ones are not copies.
  if (env_.plan == nullptr || !env_.plan->inline_at_site(func)) inlined_ops_budget_ -= body.code.size;

  // The callee gets its own locals and control stack; its operand stack continues the
  // caller's (its function frame starts at the current height).
  std::vector<ir::Variable> caller_locals = std::move(locals_);
  std::vector<Frame> caller_frames = std::move(frames_);
  uint32_t caller_func = func_index_;
  uint64_t caller_offset = op_offset_;
  locals_.clear();
  frames_.clear();
  func_index_ = func;
  uint32_t first_inst = static_cast<uint32_t>(f_.dfg.num_insts());

  declare_locals(ft, body, args);
  Frame fn;
  fn.kind = Frame::Kind::kBlock;
  fn.dest = make_block_with_params(ft.results);
  fn.num_results = static_cast<uint32_t>(ft.results.size());
  fn.height = static_cast<uint32_t>(stack_.size());
  fn.scope = b_.scope_mark();
  frames_.push_back(std::move(fn));
  ++inline_depth_;
  Expected<void> r = translate_body(body);
  --inline_depth_;

  // The body's final `end` left its results on the stack, in the continuation block (or the
  // continuation is unreachable: the callee never returns).
  locals_ = std::move(caller_locals);
  frames_ = std::move(caller_frames);
  func_index_ = caller_func;
  op_offset_ = caller_offset;
  uint32_t end_inst = static_cast<uint32_t>(f_.dfg.num_insts());
  if (end_inst > first_inst) f_.inline_sites.push_back({first_inst, end_inst, func});
  return r;
}

Expected<void> CodeTranslator::unsupported(wasm::Opcode op) {
  Location loc = Location::at_offset(op_offset_);
  loc.func = func_index_;
  return Error(ErrorKind::kOther,
               std::string("the compiler does not support the instruction ") + wasm::name(op) +
                   " (its proposal is not implemented by the native compiler)",
               loc);
}

Expected<void> CodeTranslator::translate_op(wasm::Opcode op, const wasm::Imm& imm) {
  using wasm::Opcode;
  using IO = ir::Opcode;
  using ir::IntCC;
  using ir::FloatCC;
  const wasm::Module& m = env_.module;
  switch (op) {
    // ---- control
    case Opcode::kNop: break;
    case Opcode::kUnreachable:
      fe_.trap(TrapCode::kUnreachable);
      reachable_ = false;
      break;
    case Opcode::kBlock:
    case Opcode::kLoop:
    case Opcode::kIf: {
      std::vector<wasm::ValType> params, results;
      block_types(imm.block, params, results);
      Value cond;
      if (op == Opcode::kIf) cond = pop();
      Frame fr;
      fr.num_params = static_cast<uint32_t>(params.size());
      fr.num_results = static_cast<uint32_t>(results.size());
      fr.height = static_cast<uint32_t>(stack_.size()) - fr.num_params;
      fr.dest = make_block_with_params(results);
      if (op == Opcode::kBlock) {
        fr.kind = Frame::Kind::kBlock;
        fr.scope = b_.scope_mark();
      } else if (op == Opcode::kLoop) {
        fr.kind = Frame::Kind::kLoop;
        fr.header = make_block_with_params(params);
        b_.jump(fr.header, pop_n(fr.num_params));
        b_.enter_dominated(fr.header);
        fr.scope = b_.scope_mark();
        auto ps = f_.dfg.block_params(fr.header);
        push_all(std::vector<Value>(ps.begin(), ps.end()));
      } else {
        fr.kind = Frame::Kind::kIf;
        // Both arms have the brif as their only predecessor, so the params (defined before
        // the if) dominate them and need no block parameters.
        ir::Block then_block = b_.create_block();
        fr.header = b_.create_block();
        fr.if_params = peek_n(fr.num_params);
        b_.brif(cond, then_block, {}, fr.header, {});
        b_.seal_block(then_block);
        b_.seal_block(fr.header);
        fr.scope = b_.scope_mark();
        b_.enter_dominated(then_block);
      }
      frames_.push_back(std::move(fr));
      break;
    }
    case Opcode::kElse: else_frame(); break;
    case Opcode::kEnd: end_frame(); break;
    case Opcode::kBr: br(imm.index); break;
    case Opcode::kBrIf: br_if(imm.index, pop()); break;
    case Opcode::kBrTable: br_table(imm, pop()); break;
    case Opcode::kReturn: {
      Frame& fn = frames_.front();
      if (inline_depth_ > 0) {
        // An inlined body returns to the continuation of its call.
        b_.jump(fn.dest, peek_n(fn.num_results));
        fn.dest_reached = true;
      } else {
        b_.return_(peek_n(fn.num_results));
      }
      reachable_ = false;
      break;
    }
    case Opcode::kCall: KILN_TRY(call(imm.index, false)); break;
    case Opcode::kReturnCall: KILN_TRY(call(imm.index, true)); break;
    case Opcode::kCallIndirect:
    case Opcode::kReturnCallIndirect: {
      bool tail = op == Opcode::kReturnCallIndirect;
      Value index = pop();
      std::vector<Value> args = pop_params(imm.index);
      push_results(fe_.call_indirect(imm.index, imm.index2, index, args, tail));
      if (tail) reachable_ = false;
      break;
    }
    case Opcode::kCallRef:
    case Opcode::kReturnCallRef: {
      bool tail = op == Opcode::kReturnCallRef;
      Value ref = pop();
      std::vector<Value> args = pop_params(imm.index);
      fe_.trapz(ref, TrapCode::kNullFunctionReference);
      push_results(fe_.call_func_ref(imm.index, ref, args, tail));
      if (tail) reachable_ = false;
      break;
    }
    case Opcode::kDrop: pop(); break;
    case Opcode::kSelect:
    case Opcode::kSelectT: {
      Value c = pop(), y = pop(), x = pop();
      push(b_.select(c, x, y));
      break;
    }

    // ---- variables
    case Opcode::kLocalGet: push(b_.use_var(locals_[imm.index])); break;
    case Opcode::kLocalSet: b_.def_var(locals_[imm.index], pop()); break;
    case Opcode::kLocalTee: b_.def_var(locals_[imm.index], stack_.back()); break;
    case Opcode::kGlobalGet: {
      int32_t off = 0;
      Value base = fe_.global_addr(imm.index, &off);
      const wasm::GlobalType& gt = m.global_types[imm.index];
      push(fe_.load_vm(ir_type(gt.type), base, off, !gt.mut));
      break;
    }
    case Opcode::kGlobalSet: {
      Value v = pop();
      int32_t off = 0;
      Value base = fe_.global_addr(imm.index, &off);
      fe_.store_vm(v, base, off);
      break;
    }

    // ---- references
    case Opcode::kRefNull: push(b_.iconst(ir::kI64, 0)); break;
    case Opcode::kRefIsNull: {
      Value r = pop();
      push(bool_to_i32(b_.icmp(IntCC::kEq, r, b_.iconst(ir::kI64, 0))));
      break;
    }
    case Opcode::kRefFunc: push(fe_.func_ref(imm.index)); break;
    case Opcode::kRefEq: icmp(IntCC::kEq); break;
    case Opcode::kRefAsNonNull: fe_.trapz(stack_.back(), TrapCode::kNullReference); break;
    case Opcode::kBrOnNull: {
      // Branch without the reference if it is null; else continue with it.
      Value r = pop();
      Value is_null = b_.icmp(IntCC::kEq, r, b_.iconst(ir::kI64, 0));
      br_if(imm.index, is_null);
      push(r);
      break;
    }
    case Opcode::kBrOnNonNull: {
      // Branch with the reference if it is non-null; else continue without it.
      Value r = stack_.back();
      br_if(imm.index, r);
      pop();
      break;
    }

    // ---- tables
    case Opcode::kTableGet: {
      Value index = fe_.to_i64(pop());
      Value addr = fe_.table_elem_addr(imm.index, index, TrapCode::kTableOutOfBounds);
      if (fe_.is_func_table(imm.index)) {
        push(fe_.table_load_funcref(imm.index, index, addr, std::nullopt));
        break;
      }
      ir::MemFlags tf = ir::MemFlags::trusted();
      tf.set_region(ir::AliasRegion::kTable);
      push(b_.load(IO::kLoad, ir::kI64, tf, addr, 0));
      break;
    }
    case Opcode::kTableSet: {
      Value v = pop();
      Value index = fe_.to_i64(pop());
      Value addr = fe_.table_elem_addr(imm.index, index, TrapCode::kTableOutOfBounds);
      if (fe_.is_func_table(imm.index)) {
        fe_.table_store_funcref(imm.index, index, addr, v);
        break;
      }
      ir::MemFlags tf = ir::MemFlags::trusted();
      tf.set_region(ir::AliasRegion::kTable);
      b_.store(IO::kStore, tf, v, addr, 0);
      break;
    }
    case Opcode::kTableSize: {
      Value n = fe_.table_length(imm.index);
      push(m.table_types[imm.index].limits.is64 ? n : b_.convert(IO::kIreduce, ir::kI32, n));
      break;
    }
    case Opcode::kTableGrow: {
      Value delta = fe_.to_i64(pop());
      Value init = pop();
      Value args[] = {fe_.iconst32(imm.index), delta, init};
      Value r = *fe_.call_builtin(BuiltinIndex::kTableGrow, args);
      push(m.table_types[imm.index].limits.is64 ? r : b_.convert(IO::kIreduce, ir::kI32, r));
      break;
    }
    case Opcode::kTableFill: {
      Value n = fe_.to_i64(pop());
      Value v = pop();
      Value d = fe_.to_i64(pop());
      Value args[] = {fe_.iconst32(imm.index), d, v, n};
      fe_.call_builtin(BuiltinIndex::kTableFill, args);
      break;
    }
    case Opcode::kTableCopy: {
      Value n = fe_.to_i64(pop());
      Value s = fe_.to_i64(pop());
      Value d = fe_.to_i64(pop());
      Value args[] = {fe_.iconst32(imm.index), fe_.iconst32(imm.index2), d, s, n};
      fe_.call_builtin(BuiltinIndex::kTableCopy, args);
      break;
    }
    case Opcode::kTableInit: {
      Value n = pop(), s = pop();
      Value d = fe_.to_i64(pop());
      Value args[] = {fe_.iconst32(imm.index2), fe_.iconst32(imm.index), d, s, n};
      fe_.call_builtin(BuiltinIndex::kTableInit, args);
      break;
    }
    case Opcode::kElemDrop: {
      Value args[] = {fe_.iconst32(imm.index)};
      fe_.call_builtin(BuiltinIndex::kElemDrop, args);
      break;
    }

    // ---- memories
    case Opcode::kI32Load: load(imm, IO::kLoad, ir::kI32, 4); break;
    case Opcode::kI64Load: load(imm, IO::kLoad, ir::kI64, 8); break;
    case Opcode::kF32Load: load(imm, IO::kLoad, ir::kF32, 4); break;
    case Opcode::kF64Load: load(imm, IO::kLoad, ir::kF64, 8); break;
    case Opcode::kI32Load8S: load(imm, IO::kSload8, ir::kI32, 1); break;
    case Opcode::kI32Load8U: load(imm, IO::kUload8, ir::kI32, 1); break;
    case Opcode::kI32Load16S: load(imm, IO::kSload16, ir::kI32, 2); break;
    case Opcode::kI32Load16U: load(imm, IO::kUload16, ir::kI32, 2); break;
    case Opcode::kI64Load8S: load(imm, IO::kSload8, ir::kI64, 1); break;
    case Opcode::kI64Load8U: load(imm, IO::kUload8, ir::kI64, 1); break;
    case Opcode::kI64Load16S: load(imm, IO::kSload16, ir::kI64, 2); break;
    case Opcode::kI64Load16U: load(imm, IO::kUload16, ir::kI64, 2); break;
    case Opcode::kI64Load32S: load(imm, IO::kSload32, ir::kI64, 4); break;
    case Opcode::kI64Load32U: load(imm, IO::kUload32, ir::kI64, 4); break;
    case Opcode::kI32Store: store(imm, IO::kStore, 4); break;
    case Opcode::kI64Store: store(imm, IO::kStore, 8); break;
    case Opcode::kF32Store: store(imm, IO::kStore, 4); break;
    case Opcode::kF64Store: store(imm, IO::kStore, 8); break;
    case Opcode::kI32Store8: store(imm, IO::kIstore8, 1); break;
    case Opcode::kI32Store16: store(imm, IO::kIstore16, 2); break;
    case Opcode::kI64Store8: store(imm, IO::kIstore8, 1); break;
    case Opcode::kI64Store16: store(imm, IO::kIstore16, 2); break;
    case Opcode::kI64Store32: store(imm, IO::kIstore32, 4); break;
    case Opcode::kMemorySize: push(fe_.memory_size(imm.index)); break;
    case Opcode::kMemoryGrow: {
      Value delta = fe_.to_i64(pop());
      Value args[] = {fe_.iconst32(imm.index), delta};
      Value r = *fe_.call_builtin(BuiltinIndex::kMemoryGrow, args);
      push(m.memory_types[imm.index].limits.is64 ? r : b_.convert(IO::kIreduce, ir::kI32, r));
      break;
    }
    case Opcode::kMemoryFill: {
      Value n = fe_.to_i64(pop());
      Value v = pop();
      Value d = fe_.to_i64(pop());
      fe_.memory_fill(imm.index, d, v, n);
      break;
    }
    case Opcode::kMemoryCopy: {
      Value n = fe_.to_i64(pop());
      Value s = fe_.to_i64(pop());
      Value d = fe_.to_i64(pop());
      fe_.memory_copy(imm.index, d, imm.index2, s, n);
      break;
    }
    case Opcode::kMemoryInit: {
      Value n = pop(), s = pop();
      Value d = fe_.to_i64(pop());
      Value args[] = {fe_.iconst32(imm.index2), fe_.iconst32(imm.index), d, s, n};
      fe_.call_builtin(BuiltinIndex::kMemoryInit, args);
      break;
    }
    case Opcode::kDataDrop: {
      Value args[] = {fe_.iconst32(imm.index)};
      fe_.call_builtin(BuiltinIndex::kDataDrop, args);
      break;
    }

    // ---- constants
    case Opcode::kI32Const: push(b_.iconst(ir::kI32, static_cast<int32_t>(imm.value))); break;
    case Opcode::kI64Const: push(b_.iconst(ir::kI64, static_cast<int64_t>(imm.value))); break;
    case Opcode::kF32Const: {
      ir::InstData d;
      d.opcode = IO::kF32const;
      d.imm = static_cast<int64_t>(imm.value & 0xFFFFFFFFu);
      push(b_.ins_value(d));
      break;
    }
    case Opcode::kF64Const: {
      ir::InstData d;
      d.opcode = IO::kF64const;
      d.imm = static_cast<int64_t>(imm.value);
      push(b_.ins_value(d));
      break;
    }

    // ---- comparisons
    case Opcode::kI32Eqz: case Opcode::kI64Eqz: eqz(); break;
    case Opcode::kI32Eq: case Opcode::kI64Eq: icmp(IntCC::kEq); break;
    case Opcode::kI32Ne: case Opcode::kI64Ne: icmp(IntCC::kNe); break;
    case Opcode::kI32LtS: case Opcode::kI64LtS: icmp(IntCC::kSlt); break;
    case Opcode::kI32LtU: case Opcode::kI64LtU: icmp(IntCC::kUlt); break;
    case Opcode::kI32GtS: case Opcode::kI64GtS: icmp(IntCC::kSgt); break;
    case Opcode::kI32GtU: case Opcode::kI64GtU: icmp(IntCC::kUgt); break;
    case Opcode::kI32LeS: case Opcode::kI64LeS: icmp(IntCC::kSle); break;
    case Opcode::kI32LeU: case Opcode::kI64LeU: icmp(IntCC::kUle); break;
    case Opcode::kI32GeS: case Opcode::kI64GeS: icmp(IntCC::kSge); break;
    case Opcode::kI32GeU: case Opcode::kI64GeU: icmp(IntCC::kUge); break;
    case Opcode::kF32Eq: case Opcode::kF64Eq: fcmp(FloatCC::kEq); break;
    case Opcode::kF32Ne: case Opcode::kF64Ne: fcmp(FloatCC::kNe); break;
    case Opcode::kF32Lt: case Opcode::kF64Lt: fcmp(FloatCC::kLt); break;
    case Opcode::kF32Gt: case Opcode::kF64Gt: fcmp(FloatCC::kGt); break;
    case Opcode::kF32Le: case Opcode::kF64Le: fcmp(FloatCC::kLe); break;
    case Opcode::kF32Ge: case Opcode::kF64Ge: fcmp(FloatCC::kGe); break;

    // ---- integer arithmetic
    case Opcode::kI32Clz: case Opcode::kI64Clz: unop(IO::kClz); break;
    case Opcode::kI32Ctz: case Opcode::kI64Ctz: unop(IO::kCtz); break;
    case Opcode::kI32Popcnt: case Opcode::kI64Popcnt: unop(IO::kPopcnt); break;
    case Opcode::kI32Add: case Opcode::kI64Add: binop(IO::kIadd); break;
    case Opcode::kI32Sub: case Opcode::kI64Sub: binop(IO::kIsub); break;
    case Opcode::kI32Mul: case Opcode::kI64Mul: binop(IO::kImul); break;
    case Opcode::kI32DivS: case Opcode::kI64DivS: binop(IO::kSdiv); break;
    case Opcode::kI32DivU: case Opcode::kI64DivU: binop(IO::kUdiv); break;
    case Opcode::kI32RemS: case Opcode::kI64RemS: binop(IO::kSrem); break;
    case Opcode::kI32RemU: case Opcode::kI64RemU: binop(IO::kUrem); break;
    case Opcode::kI32And: case Opcode::kI64And: binop(IO::kBand); break;
    case Opcode::kI32Or: case Opcode::kI64Or: binop(IO::kBor); break;
    case Opcode::kI32Xor: case Opcode::kI64Xor: binop(IO::kBxor); break;
    case Opcode::kI32Shl: case Opcode::kI64Shl: binop(IO::kIshl); break;
    case Opcode::kI32ShrS: case Opcode::kI64ShrS: binop(IO::kSshr); break;
    case Opcode::kI32ShrU: case Opcode::kI64ShrU: binop(IO::kUshr); break;
    case Opcode::kI32Rotl: case Opcode::kI64Rotl: binop(IO::kRotl); break;
    case Opcode::kI32Rotr: case Opcode::kI64Rotr: binop(IO::kRotr); break;

    // ---- float arithmetic
    case Opcode::kF32Abs: case Opcode::kF64Abs: unop(IO::kFabs); break;
    case Opcode::kF32Neg: case Opcode::kF64Neg: unop(IO::kFneg); break;
    case Opcode::kF32Ceil: case Opcode::kF64Ceil: unop(IO::kCeil); break;
    case Opcode::kF32Floor: case Opcode::kF64Floor: unop(IO::kFloor); break;
    case Opcode::kF32Trunc: case Opcode::kF64Trunc: unop(IO::kTrunc); break;
    case Opcode::kF32Nearest: case Opcode::kF64Nearest: unop(IO::kNearest); break;
    case Opcode::kF32Sqrt: case Opcode::kF64Sqrt: unop(IO::kSqrt); break;
    case Opcode::kF32Add: case Opcode::kF64Add: binop(IO::kFadd); break;
    case Opcode::kF32Sub: case Opcode::kF64Sub: binop(IO::kFsub); break;
    case Opcode::kF32Mul: case Opcode::kF64Mul: binop(IO::kFmul); break;
    case Opcode::kF32Div: case Opcode::kF64Div: binop(IO::kFdiv); break;
    case Opcode::kF32Min: case Opcode::kF64Min: binop(IO::kFmin); break;
    case Opcode::kF32Max: case Opcode::kF64Max: binop(IO::kFmax); break;
    case Opcode::kF32Copysign: case Opcode::kF64Copysign: binop(IO::kFcopysign); break;

    // ---- conversions
    case Opcode::kI32WrapI64: convert(IO::kIreduce, ir::kI32); break;
    case Opcode::kI32TruncF32S: case Opcode::kI32TruncF64S: convert(IO::kFcvtToSint, ir::kI32); break;
    case Opcode::kI32TruncF32U: case Opcode::kI32TruncF64U: convert(IO::kFcvtToUint, ir::kI32); break;
    case Opcode::kI64TruncF32S: case Opcode::kI64TruncF64S: convert(IO::kFcvtToSint, ir::kI64); break;
    case Opcode::kI64TruncF32U: case Opcode::kI64TruncF64U: convert(IO::kFcvtToUint, ir::kI64); break;
    case Opcode::kI32TruncSatF32S: case Opcode::kI32TruncSatF64S: convert(IO::kFcvtToSintSat, ir::kI32); break;
    case Opcode::kI32TruncSatF32U: case Opcode::kI32TruncSatF64U: convert(IO::kFcvtToUintSat, ir::kI32); break;
    case Opcode::kI64TruncSatF32S: case Opcode::kI64TruncSatF64S: convert(IO::kFcvtToSintSat, ir::kI64); break;
    case Opcode::kI64TruncSatF32U: case Opcode::kI64TruncSatF64U: convert(IO::kFcvtToUintSat, ir::kI64); break;
    case Opcode::kI64ExtendI32S: convert(IO::kSextend, ir::kI64); break;
    case Opcode::kI64ExtendI32U: convert(IO::kUextend, ir::kI64); break;
    case Opcode::kF32ConvertI32S: case Opcode::kF32ConvertI64S: convert(IO::kFcvtFromSint, ir::kF32); break;
    case Opcode::kF32ConvertI32U: case Opcode::kF32ConvertI64U: convert(IO::kFcvtFromUint, ir::kF32); break;
    case Opcode::kF64ConvertI32S: case Opcode::kF64ConvertI64S: convert(IO::kFcvtFromSint, ir::kF64); break;
    case Opcode::kF64ConvertI32U: case Opcode::kF64ConvertI64U: convert(IO::kFcvtFromUint, ir::kF64); break;
    case Opcode::kF32DemoteF64: convert(IO::kFdemote, ir::kF32); break;
    case Opcode::kF64PromoteF32: convert(IO::kFpromote, ir::kF64); break;
    case Opcode::kI32ReinterpretF32: convert(IO::kBitcast, ir::kI32); break;
    case Opcode::kI64ReinterpretF64: convert(IO::kBitcast, ir::kI64); break;
    case Opcode::kF32ReinterpretI32: convert(IO::kBitcast, ir::kF32); break;
    case Opcode::kF64ReinterpretI64: convert(IO::kBitcast, ir::kF64); break;
    case Opcode::kI32Extend8S: case Opcode::kI64Extend8S: extend_low(8); break;
    case Opcode::kI32Extend16S: case Opcode::kI64Extend16S: extend_low(16); break;
    case Opcode::kI64Extend32S: extend_low(32); break;

    // ---- wide arithmetic
    case Opcode::kI64Add128: wide_addsub(IO::kIadd); break;
    case Opcode::kI64Sub128: wide_addsub(IO::kIsub); break;
    case Opcode::kI64MulWideS: mul_wide(IO::kSextend); break;
    case Opcode::kI64MulWideU: mul_wide(IO::kUextend); break;

    default:
      if (is_simd_opcode(op)) {
        SimdContext simd{b_, fe_, stack_, reachable_};
        return translate_simd_op(op, imm, simd);
      }
      // GC, exceptions and threads come with their own translation later.
      return unsupported(op);
  }
  return {};
}

}  // namespace

Expected<ir::Function> translate_function(const ModuleEnv& env, environ::DefinedFuncIndex f) {
  if (f.index() >= env.module.bodies.size()) {
    return Error(ErrorKind::kOther, "translate_function: no defined function " +
                                        std::to_string(f.index()));
  }
  ir::Function func;
  CodeTranslator t(env, func);
  KILN_TRY(t.translate(f));
  return func;
}

}  // namespace kiln::codegen::translate
