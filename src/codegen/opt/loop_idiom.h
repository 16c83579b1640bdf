// codegen/opt/loop_idiom.h: loop idiom recognition: innermost counted loops that only fill or
// copy a contiguous range of a linear memory, element by element, get a bulk fill or copy
// (memset/memmove) run instead, behind a guard in the preheader that proves the bulk
// operation does exactly what the loop would; otherwise the original loop runs unchanged.
//
// The compiler core knows nothing of how the IR's producer lays out its memories, so what the
// pass needs about them comes from a BulkMemory (the Wasm translator's one is in
// codegen/driver/bulk_memory.h; tests provide their own).
#pragma once

#include "codegen/ir/function.h"

namespace kiln::codegen::opt {

struct CfgCache;

// A producer's memories, as seen by the pass. A memory access the pass may rewrite has the
// address `iadd base, uextend.i64 x` (either operand order) with x an i32 index and a
// non-negative immediate offset, and a heap-region load or store through it accesses the bytes
// [x + offset, x + offset + width) of the memory whose base is `base`.
class BulkMemory {
 public:
  virtual ~BulkMemory() = default;

  // True if `base` is the base address of a memory whose heap-region accesses trap heap_oob
  // exactly when they touch a byte at or beyond the memory's current size (which is at most
  // 2^32) and succeed otherwise. `base` is defined outside the loop being rewritten.
  virtual bool is_memory_base(const ir::Function& f, ir::Value base) const = 0;

  // Inserts, before `before`, instructions that compute the current size in bytes (i64) of
  // the memory of `base` (is_memory_base), and returns it. They may not trap.
  virtual ir::Value insert_size(ir::Function& f, ir::Value base, ir::Inst before) const = 0;

  // Inserts, before `before`, the bulk operations on the memory of `base`, with i64 byte
  // indices into it: copy `len` bytes from `src` to `dst` as memmove does (overlap allowed),
  // and set `len` bytes at `dst` to the low byte of the i32 `byte`. The pass calls them only
  // with ranges it has proven in bounds and with len > 0.
  virtual void insert_copy(ir::Function& f, ir::Value base, ir::Value dst, ir::Value src,
                           ir::Value len, ir::Inst before) const = 0;
  virtual void insert_fill(ir::Function& f, ir::Value base, ir::Value dst, ir::Value byte,
                           ir::Value len, ir::Inst before) const = 0;
};

// Loops the pass rewrites (loop_idiom.cc has the details):
//  - innermost, a chain of blocks from the header to the latch with one exit, tested either
//    in the header (before any memory access) or in the latch;
//  - every header parameter is passed on unchanged or is an i32 induction variable stepped
//    by a constant; the exit test compares one of them (or its next value) with a
//    loop-invariant bound (ne/eq, and unsigned or signed </> for power-of-two steps);
//  - besides pure arithmetic, the body only stores a loop-invariant integer value (fill), or
//    stores values loaded in the loop, each exactly once and with the same width (copy, 1, 2,
//    4 or 8 bytes), into one memory, at i32 addresses affine in an induction variable, such
//    that each iteration writes one contiguous block and consecutive iterations adjacent ones.
// The guard checks: the trip count (computed exactly; zero or too few elements to pay for
// the call run the loop), no wrap-around of the i32 addresses over the whole range, every
// byte read or written in bounds (otherwise the loop runs and traps at the same element with
// the same memory contents), for copies that the loop's element order gives memmove's result
// (forward with dst <= src, backward with dst >= src, or no overlap; an overlap the other way
// replicates data and runs the loop), and for fills wider than a byte that all bytes of the
// value are equal. Then the bulk operation runs and control continues where the loop would
// have left it, with the same values live out.
bool recognize_loop_idioms(ir::Function& f, const BulkMemory& memory);
namespace cached {
bool recognize_loop_idioms(ir::Function& f, CfgCache& cache, const BulkMemory& memory);
}  // namespace cached

}  // namespace kiln::codegen::opt
