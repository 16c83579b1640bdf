// codegen/ir/entities.h: the IR's entity ids; their prefixes are the text syntax (v3, block2).
#pragma once

#include "support/entity.h"

namespace kiln::codegen::ir {

KILN_ENTITY(Value, "v");         // an SSA value: an instruction result or a block parameter
KILN_ENTITY(Inst, "inst");       // an instruction
KILN_ENTITY(Block, "block");     // a basic block (extended: one terminator, at the end)
KILN_ENTITY(StackSlot, "ss");    // a fixed-size area of the function's stack frame
KILN_ENTITY(SigRef, "sig");      // a signature used by call_indirect and declared callees
KILN_ENTITY(FuncRef, "fn");      // an external function the function calls
KILN_ENTITY(JumpTable, "jt");    // the targets of one br_table
KILN_ENTITY(Constant, "const");  // a 128-bit constant of vconst, in the function's pool

using ValueList = EntityList<Value>;
using ValueListPool = ListPool<Value>;

}  // namespace kiln::codegen::ir
