// codegen/opt/vectorize.h: the IR convention the loop vectoriser (vectorize.cc) relies on to
// bound heap accesses. The pass itself is declared in passes.h (vectorize_loops).
#pragma once

#include <cstdint>

namespace kiln::codegen::opt {

// A heap-region access's address is `iadd base, uextend.i64 index` (plus constant offsets),
// where `base` is an i64 load `load.i64 ... vmctx p+o` of a linear memory's base pointer. The
// i64 at p+o+kHeapLengthAfterBase is that memory's accessible length in bytes: every address
// in [base, base + length) is accessible, and an access past it traps heap_oob. The translator
// (translate/func_environ.cc, memory_base/memory_length) builds heap accesses this way and
// checks the offset against the VM's memory definition layout at compile time.
inline constexpr int32_t kHeapLengthAfterBase = 8;

}  // namespace kiln::codegen::opt
