// codegen/driver/bulk_memory.h: the Wasm memories as the loop idiom pass sees them
// (opt/loop_idiom.h): which IR values are memory bases, how their current size is read from
// the VMContext, and the memory_copy / memory_fill builtins as the bulk operations.
#pragma once

#include <optional>

#include "codegen/ir/function.h"
#include "codegen/opt/loop_idiom.h"
#include "environ/tunables.h"
#include "environ/vmoffsets.h"
#include "wasm/module.h"

namespace kiln::codegen::driver {

// Recognises the memory base loads the translator emits (func_environ.cc, memory_base): for a
// defined memory `load.i64 vmctx v0+defined_memory_base(d)`, for an imported one
// `load.i64 vmctx (load.i64 vmctx v0+imported_memory(i))+base`, with v0 the function's vmctx
// parameter. Only 32-bit, unshared memories of the static style qualify: their accesses
// outside the current size fault on the guard region (a heap_oob trap) and succeed inside it.
class WasmBulkMemory final : public opt::BulkMemory {
 public:
  WasmBulkMemory(const wasm::Module& module, const environ::VMOffsets& offsets,
                 const environ::Tunables& tunables)
      : module_(module), offsets_(offsets), tunables_(tunables) {}

  bool is_memory_base(const ir::Function& f, ir::Value base) const override;
  ir::Value insert_size(ir::Function& f, ir::Value base, ir::Inst before) const override;
  void insert_copy(ir::Function& f, ir::Value base, ir::Value dst, ir::Value src, ir::Value len,
                   ir::Inst before) const override;
  void insert_fill(ir::Function& f, ir::Value base, ir::Value dst, ir::Value byte, ir::Value len,
                   ir::Inst before) const override;

 private:
  // The memory index whose base `base` is, if it qualifies.
  std::optional<uint32_t> memory_of(const ir::Function& f, ir::Value base) const;

  const wasm::Module& module_;
  const environ::VMOffsets& offsets_;
  const environ::Tunables& tunables_;
};

}  // namespace kiln::codegen::driver
