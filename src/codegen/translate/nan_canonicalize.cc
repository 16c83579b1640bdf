// codegen/translate/nan_canonicalize.cc: see nan_canonicalize.h. After each affected
// instruction `r = op ...` the pass inserts
//   scalar: c = fcmp uno r, r; k = f32const/f64const canonical; r' = select c, k, r
//   vector: m = fcmp uno r, r; c = bitcast m; k = vconst canonical; r' = bitselect c, k, r
// and makes the old result an alias of r', so every use (including later canonicalizations'
// inputs) sees the canonical value.
#include "codegen/translate/nan_canonicalize.h"

#include <cstring>
#include <vector>

namespace kiln::codegen::translate {

namespace {

bool produces_nondeterministic_nan(ir::Opcode op) {
  using IO = ir::Opcode;
  switch (op) {
    case IO::kFadd: case IO::kFsub: case IO::kFmul: case IO::kFdiv: case IO::kFmin:
    case IO::kFmax: case IO::kSqrt: case IO::kCeil: case IO::kFloor: case IO::kTrunc:
    case IO::kNearest: case IO::kFpromote: case IO::kFdemote: case IO::kVpromoteLow:
    case IO::kVdemote:
      return true;
    default:
      return false;
  }
}

class Canonicalizer {
 public:
  explicit Canonicalizer(ir::Function& f) : f_(f), dfg_(f.dfg) {}

  size_t run() {
    std::vector<ir::Inst> todo;
    for (ir::Block b : f_.layout.blocks()) {
      for (ir::Inst i : f_.layout.insts(b)) {
        if (!produces_nondeterministic_nan(dfg_[i].opcode) || !dfg_.has_results(i)) continue;
        ir::Type t = dfg_.value_type(dfg_.first_result(i));
        if (t == ir::kF32 || t == ir::kF64 || t == ir::kF32x4 || t == ir::kF64x2) todo.push_back(i);
      }
    }
    for (ir::Inst i : todo) canonicalize(i);
    return todo.size();
  }

 private:
  // Inserts an instruction before `before` and returns its first result.
  ir::Value insert(const ir::InstData& d, ir::Inst before) {
    ir::Inst n = dfg_.make_inst(d);
    dfg_.make_inst_results(n);
    f_.layout.insert_inst_before(n, before);
    return dfg_.first_result(n);
  }

  void canonicalize(ir::Inst i) {
    ir::Value old = dfg_.first_result(i);
    ir::Type t = dfg_.value_type(old);
    ir::Inst next = f_.layout.next_inst(i);  // a float operation never ends a block
    // The operation now defines a fresh value; `old` becomes an alias of the canonical one.
    dfg_.clear_results(i);
    ir::Value r = dfg_.append_result(i, t);

    ir::InstData cmp;
    cmp.opcode = ir::Opcode::kFcmp;
    cmp.aux = static_cast<uint32_t>(ir::FloatCC::kUno);
    cmp.args[0] = r;
    cmp.args[1] = r;
    ir::Value is_nan = insert(cmp, next);

    bool f32 = t.lane_bits() == 32;
    uint64_t bits = f32 ? 0x7fc00000u : 0x7ff8000000000000ull;
    ir::InstData k;
    ir::Value canon;
    ir::InstData sel;
    if (t.is_vector()) {
      ir::V128Bytes bytes{};
      for (size_t at = 0; at < 16; at += f32 ? 4 : 8) std::memcpy(bytes.data() + at, &bits, f32 ? 4 : 8);
      k.opcode = ir::Opcode::kVconst;
      k.type = t;
      k.aux = f_.make_constant(bytes).index();
      canon = insert(k, next);
      ir::InstData cast;
      cast.opcode = ir::Opcode::kBitcast;
      cast.type = t;
      cast.args[0] = is_nan;
      ir::Value mask = insert(cast, next);
      sel.opcode = ir::Opcode::kBitselect;
      sel.args[0] = mask;
    } else {
      k.opcode = f32 ? ir::Opcode::kF32const : ir::Opcode::kF64const;
      k.imm = static_cast<int64_t>(bits);
      canon = insert(k, next);
      sel.opcode = ir::Opcode::kSelect;
      sel.args[0] = is_nan;
    }
    sel.args[1] = canon;
    sel.args[2] = r;
    ir::Value out = insert(sel, next);
    dfg_.change_to_alias(old, out);
  }

  ir::Function& f_;
  ir::DataFlowGraph& dfg_;
};

}  // namespace

size_t canonicalize_nans(ir::Function& f) {
  Canonicalizer c(f);
  size_t n = c.run();
  if (n) f.dfg.resolve_all_aliases();
  return n;
}

}  // namespace kiln::codegen::translate
