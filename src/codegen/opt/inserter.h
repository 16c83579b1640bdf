// codegen/opt/inserter.h: building instructions inside an existing function, for the passes
// that add code (loop idioms, vectorisation, limit checks): each new instruction goes before a
// given instruction or at the end of a given block, with its results made. The FunctionBuilder
// (ir/builder.h) is for translating into fresh blocks; this is its in-place counterpart.
#pragma once

#include <cstdint>

#include "codegen/ir/function.h"

namespace kiln::codegen::opt {

class Inserter {
 public:
  // New instructions go before `before`.
  Inserter(ir::Function& f, ir::Inst before) : f_(f), before_(before) {}
  // New instructions go at the end of `block`.
  Inserter(ir::Function& f, ir::Block block) : f_(f), block_(block) {}

  void set_before(ir::Inst before) {
    before_ = before;
    block_ = ir::Block();
  }
  void set_block(ir::Block block) {
    block_ = block;
    before_ = ir::Inst();
  }

  // The instruction, inserted; its results are made.
  ir::Inst insert(const ir::InstData& d);
  // insert(d)'s first result (none: an invalid value).
  ir::Value value(const ir::InstData& d);

  // An integer constant of type t, masked to its width.
  ir::Value iconst(ir::Type t, int64_t v);
  ir::Value binary(ir::Opcode op, ir::Value a, ir::Value b);
  // With a constant of a's type; the identities (x+0, x-0, x|0, x<<0, x>>0, x*1) give x.
  ir::Value binary(ir::Opcode op, ir::Value a, int64_t b);
  // A conversion or other one-operand instruction with an explicit result type.
  ir::Value unary(ir::Opcode op, ir::Type t, ir::Value a);
  ir::Value icmp(ir::IntCC cc, ir::Value a, ir::Value b);
  ir::Value icmp(ir::IntCC cc, ir::Value a, int64_t b);
  ir::Value select(ir::Value c, ir::Value a, ir::Value b);
  ir::Value load(ir::Type t, ir::MemFlags flags, ir::Value addr, int32_t offset);
  void store(ir::MemFlags flags, ir::Value v, ir::Value addr, int32_t offset);

 private:
  ir::Function& f_;
  ir::Inst before_;
  ir::Block block_;
};

}  // namespace kiln::codegen::opt
