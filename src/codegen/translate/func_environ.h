// codegen/translate/func_environ.h: FuncEnvironment, the Wasm-specific half of translation:
// where memories, tables, globals, imports, type ids and builtins live relative to the vmctx,
// bounds checks, and how calls are made. The operator translator (code_translator.cc) handles
// the stack machine and control flow and asks this class for everything that touches the
// runtime's data structures, as Wasmtime's func_environ.rs serves code_translator.rs.
#pragma once

#include <span>
#include <unordered_map>
#include <vector>

#include "codegen/ir/builder.h"
#include "codegen/translate/translate.h"
#include "environ/builtins.h"

namespace kiln::codegen::translate {

class FuncEnvironment {
 public:
  FuncEnvironment(const ModuleEnv& env, ir::FunctionBuilder& b) : env_(env), b_(b) {}

  const wasm::Module& module() const { return env_.module; }
  // The callee vmctx (the function's first parameter); set once the entry block exists.
  void set_vmctx(ir::Value v) { vmctx_ = v; }
  ir::Value vmctx() const { return vmctx_; }

  // A trusted load of a VM field: cannot trap, aligned, vmctx alias region.
  ir::Value load_vm(ir::Type t, ir::Value base, int32_t offset, bool readonly);
  void store_vm(ir::Value v, ir::Value base, int32_t offset);
  ir::Value iconst64(uint64_t v) { return b_.iconst(ir::kI64, static_cast<int64_t>(v)); }
  ir::Value iconst32(uint32_t v) { return b_.iconst(ir::kI32, static_cast<int32_t>(v)); }
  // x zero-extended to i64 (unchanged if already i64).
  ir::Value to_i64(ir::Value x);

  // ---- memories
  ir::Value memory_base(uint32_t mem);
  ir::Value memory_length(uint32_t mem);  // i64 bytes
  // The native address of a `size`-byte access at index + offset, after any bounds check the
  // tunables require. Sets *ir_offset to the part of the offset left for the load/store
  // immediate. Returns nullopt when the access always traps (a trap was emitted and the
  // block is filled).
  std::optional<ir::Value> heap_addr(uint32_t mem, ir::Value index, uint64_t offset,
                                     uint32_t size, int32_t* ir_offset);
  ir::Value memory_size(uint32_t mem);  // in pages, i32 or i64 by the memory's address type
  // memory.copy / memory.fill (addresses and length as i64): for unshared memories, the
  // bounds checks inline (trap HeapOutOfBounds before anything is written) and a call of the
  // Memmove/Memset builtin on native addresses; otherwise the MemoryCopy/MemoryFill builtins.
  void memory_copy(uint32_t dst_mem, ir::Value dst, uint32_t src_mem, ir::Value src, ir::Value len);
  void memory_fill(uint32_t mem, ir::Value dst, ir::Value byte, ir::Value len);

  // ---- tables
  // The size of a table that can never grow (maximum = minimum): its length is constant and
  // its base readonly.
  std::optional<uint64_t> fixed_table_size(uint32_t table) const;
  ir::Value table_base(uint32_t table);
  ir::Value table_length(uint32_t table);  // i64 elements
  // Address of element `index` (i32 or i64) after a bounds check trapping with `oob`.
  ir::Value table_elem_addr(uint32_t table, ir::Value index, environ::TrapCode oob);
  // Whether `table` holds function references in the encoding of environ/func_table.h.
  bool is_func_table(uint32_t table) const;
  // The VMFuncRef* (null = 0) of element `index` (i64) of function table `table`, whose entry
  // is at `addr`: an entry above 1 is the reference; 0 (not yet initialised) and 1 (null)
  // take a cold path through the table_get_lazy_init builtin. With `null_trap`, null traps
  // with it (the result is never null) and the cold path, which has resolved and recorded
  // the entry, loads it again.
  ir::Value table_load_funcref(uint32_t table, ir::Value index, ir::Value addr,
                               std::optional<environ::TrapCode> null_trap);
  // table.set of function table `table`: non-null references are stored as they are, null
  // through the table_fill builtin (the table picks its encoding).
  void table_store_funcref(uint32_t table, ir::Value index, ir::Value addr, ir::Value value);

  // ---- globals: the address and offset of a global's storage.
  ir::Value global_addr(uint32_t global, int32_t* offset);

  // ---- functions
  ir::Value func_ref(uint32_t func);  // VMFuncRef* of any function
  ir::SigRef wasm_sig(uint32_t type_index);
  // Calls function `func` (defined: direct call; imported: through the import's code and
  // vmctx). Tail calls end the block and return nothing.
  std::vector<ir::Value> call_function(uint32_t func, std::span<const ir::Value> args, bool tail);
  // Calls the VMFuncRef* `ref` (already known non-null and of type `type_index`).
  std::vector<ir::Value> call_func_ref(uint32_t type_index, ir::Value ref,
                                       std::span<const ir::Value> args, bool tail);
  // call_indirect: bounds check, null check, signature check, call.
  std::vector<ir::Value> call_indirect(uint32_t type_index, uint32_t table, ir::Value index,
                                       std::span<const ir::Value> args, bool tail);

  // ---- builtins: vmctx is passed first automatically; returns the result, if any. `cold`:
  // the call sits on a rarely taken path inside loops (fuel and epoch slow paths): its
  // address is loaded there without the readonly flag, so LICM does not hoist it into a
  // register that would have to survive the call on every iteration.
  std::optional<ir::Value> call_builtin(environ::BuiltinIndex bi, std::span<const ir::Value> args,
                                        bool cold = false);

  void trap(environ::TrapCode c) { b_.trap(to_ir_trap(c)); }
  void trapz(ir::Value v, environ::TrapCode c) { b_.trapz(v, to_ir_trap(c)); }
  void trapnz(ir::Value v, environ::TrapCode c) { b_.trapnz(v, to_ir_trap(c)); }

 private:
  std::vector<ir::Value> results_of(ir::Inst i);
  // Base pointer and offset of a memory's / table's definition (inline for defined ones,
  // through the import slot for imported ones).
  ir::Value memory_def(uint32_t mem, int32_t* offset);
  void bulk_bounds_check(uint32_t mem, ir::Value addr, ir::Value len, ir::Value length);
  ir::Value table_def(uint32_t table, int32_t* offset);

  const ModuleEnv& env_;
  ir::FunctionBuilder& b_;
  ir::Value vmctx_;
  std::unordered_map<uint32_t, ir::SigRef> type_sigs_;
  std::unordered_map<uint32_t, ir::FuncRef> callees_;
  std::unordered_map<uint32_t, ir::SigRef> builtin_sigs_;
};

}  // namespace kiln::codegen::translate
