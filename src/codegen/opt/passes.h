// codegen/opt/passes.h: mid-end passes over IR functions. Each takes a verified function and
// leaves it verified.
#pragma once

#include "codegen/ir/function.h"

namespace kiln::codegen::opt {

// Folds instructions whose operands are constants (with the interpreter's semantics; an
// operation that would trap is left alone), applies identities that drop an operation
// (x+0, x*1, x&-1, x|0, x^0, shifts by 0, x*0 -> 0, select on a constant), and turns branches
// on constants into jumps. Returns true if anything changed.
bool simplify(ir::Function& f);

// Removes blocks unreachable from the entry and instructions without side effects whose
// results are unused. Returns true if anything changed.
bool eliminate_dead_code(ir::Function& f);

// The -O2 mid-end pipeline so far: simplify, then dead code elimination.
void optimize(ir::Function& f);

}  // namespace kiln::codegen::opt
