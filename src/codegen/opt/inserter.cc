// codegen/opt/inserter.cc: see inserter.h.
#include "codegen/opt/inserter.h"

namespace kiln::codegen::opt {

ir::Inst Inserter::insert(const ir::InstData& d) {
  ir::Inst i = f_.dfg.make_inst(d);
  f_.dfg.make_inst_results(i);
  if (before_.is_valid()) {
    f_.layout.insert_inst_before(i, before_);
  } else {
    f_.layout.append_inst(i, block_);
  }
  return i;
}

ir::Value Inserter::value(const ir::InstData& d) {
  ir::Inst i = insert(d);
  return f_.dfg.has_results(i) ? f_.dfg.first_result(i) : ir::Value();
}

ir::Value Inserter::iconst(ir::Type t, int64_t v) {
  ir::InstData d;
  d.opcode = ir::Opcode::kIconst;
  d.type = t;
  uint64_t u = static_cast<uint64_t>(v);
  d.imm = static_cast<int64_t>(t.bits() >= 64 ? u : u & ((uint64_t{1} << t.bits()) - 1));
  return value(d);
}

ir::Value Inserter::binary(ir::Opcode op, ir::Value a, ir::Value b) {
  ir::InstData d;
  d.opcode = op;
  d.args[0] = a;
  d.args[1] = b;
  return value(d);
}

ir::Value Inserter::binary(ir::Opcode op, ir::Value a, int64_t b) {
  using ir::Opcode;
  bool identity = b == 0 ? op == Opcode::kIadd || op == Opcode::kIsub || op == Opcode::kBor ||
                               op == Opcode::kUshr || op == Opcode::kIshl
                         : b == 1 && op == Opcode::kImul;
  return identity ? a : binary(op, a, iconst(f_.dfg.value_type(a), b));
}

ir::Value Inserter::unary(ir::Opcode op, ir::Type t, ir::Value a) {
  ir::InstData d;
  d.opcode = op;
  d.type = t;
  d.args[0] = a;
  return value(d);
}

ir::Value Inserter::icmp(ir::IntCC cc, ir::Value a, ir::Value b) {
  ir::InstData d;
  d.opcode = ir::Opcode::kIcmp;
  d.aux = static_cast<uint32_t>(cc);
  d.args[0] = a;
  d.args[1] = b;
  return value(d);
}

ir::Value Inserter::icmp(ir::IntCC cc, ir::Value a, int64_t b) {
  return icmp(cc, a, iconst(f_.dfg.value_type(a), b));
}

ir::Value Inserter::select(ir::Value c, ir::Value a, ir::Value b) {
  ir::InstData d;
  d.opcode = ir::Opcode::kSelect;
  d.args[0] = c;
  d.args[1] = a;
  d.args[2] = b;
  return value(d);
}

ir::Value Inserter::load(ir::Type t, ir::MemFlags flags, ir::Value addr, int32_t offset) {
  ir::InstData d;
  d.opcode = ir::Opcode::kLoad;
  d.type = t;
  d.aux = flags.bits;
  d.imm = offset;
  d.args[0] = addr;
  return value(d);
}

void Inserter::store(ir::MemFlags flags, ir::Value v, ir::Value addr, int32_t offset) {
  ir::InstData d;
  d.opcode = ir::Opcode::kStore;
  d.aux = flags.bits;
  d.imm = offset;
  d.args[0] = v;
  d.args[1] = addr;
  insert(d);
}

}  // namespace kiln::codegen::opt
