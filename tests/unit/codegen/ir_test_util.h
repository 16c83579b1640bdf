// tests/unit/codegen/ir_test_util.h: small IR queries shared by the mid-end pass tests.
#pragma once

#include <cstddef>

#include "codegen/ir/function.h"

namespace kiln::codegen::ir::test_util {

// Instructions in the function's layout (all blocks, reachable or not).
inline size_t count_insts(const Function& f) {
  size_t n = 0;
  for (Block b : f.layout.blocks()) {
    for (Inst i : f.layout.insts(b)) {
      (void)i;
      ++n;
    }
  }
  return n;
}

}  // namespace kiln::codegen::ir::test_util
