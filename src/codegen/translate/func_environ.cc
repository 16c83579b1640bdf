// codegen/translate/func_environ.cc: vmctx-relative access to the instance's state, bounds
// checks, calls and builtin calls for the Wasm -> IR translator.
#include "codegen/translate/func_environ.h"

#include <limits>

#include "codegen/opt/vectorize.h"
#include "environ/func_table.h"

namespace kiln::codegen::translate {

using environ::TrapCode;
using ir::Value;

namespace {

ir::MemFlags vm_flags(bool readonly) {
  ir::MemFlags f = ir::MemFlags::trusted();
  if (readonly) f.bits |= ir::MemFlags::kReadonly;
  f.set_region(ir::AliasRegion::kVmctx);
  return f;
}

ir::Type builtin_ir_type(environ::BuiltinType t) {
  return t == environ::BuiltinType::kI32 ? ir::kI32 : ir::kI64;
}

int32_t off32(uint32_t v) { return static_cast<int32_t>(v); }

}  // namespace

Value FuncEnvironment::load_vm(ir::Type t, Value base, int32_t offset, bool readonly) {
  return b_.load(ir::Opcode::kLoad, t, vm_flags(readonly), base, offset);
}

void FuncEnvironment::store_vm(Value v, Value base, int32_t offset) {
  b_.store(ir::Opcode::kStore, vm_flags(false), v, base, offset);
}

Value FuncEnvironment::to_i64(Value x) {
  if (b_.func().dfg.value_type(x) == ir::kI64) return x;
  return b_.convert(ir::Opcode::kUextend, ir::kI64, x);
}

std::vector<Value> FuncEnvironment::results_of(ir::Inst i) {
  auto r = b_.func().dfg.inst_results(i);
  return std::vector<Value>(r.begin(), r.end());
}

// ---- memories

Value FuncEnvironment::memory_def(uint32_t mem, int32_t* offset) {
  const wasm::Module& m = env_.module;
  environ::MemoryIndex mi(mem);
  if (auto d = environ::defined_memory(m, mi)) {
    *offset = off32(env_.offsets.defined_memory(*d));
    return vmctx_;
  }
  *offset = 0;
  return load_vm(ir::kI64, vmctx_, off32(env_.offsets.imported_memory(mi)), true);
}

Value FuncEnvironment::memory_base(uint32_t mem) {
  int32_t off = 0;
  Value def = memory_def(mem, &off);
  const wasm::MemoryType& mt = env_.module.memory_types[mem];
  // A static memory never moves, so its base is invariant for the whole function.
  bool fixed = environ::memory_style(mt, env_.tunables) == environ::MemoryStyle::kStatic;
  return load_vm(ir::kI64, def, off + off32(environ::VMMemoryDefinitionLayout::base()), fixed);
}

// The loop vectoriser finds a heap's length next to its base pointer (opt/vectorize.h).
static_assert(environ::VMMemoryDefinitionLayout::current_length() ==
              environ::VMMemoryDefinitionLayout::base() + opt::kHeapLengthAfterBase);

Value FuncEnvironment::memory_length(uint32_t mem) {
  int32_t off = 0;
  Value def = memory_def(mem, &off);
  return load_vm(ir::kI64, def, off + off32(environ::VMMemoryDefinitionLayout::current_length()),
                 false);
}

// Traps HeapOutOfBounds unless [addr, addr + len) lies within memory `mem`. Addresses of a
// 32-bit memory are below 2^32, so their sum cannot wrap and one compare does; a 64-bit
// memory's sum could, so there it is len <= length && addr <= length - len.
void FuncEnvironment::bulk_bounds_check(uint32_t mem, Value addr, Value len, Value length) {
  if (!env_.module.memory_types[mem].limits.is64) {
    Value end = b_.binary(ir::Opcode::kIadd, addr, len);
    trapnz(b_.icmp(ir::IntCC::kUgt, end, length), TrapCode::kHeapOutOfBounds);
    return;
  }
  trapnz(b_.icmp(ir::IntCC::kUgt, len, length), TrapCode::kHeapOutOfBounds);
  Value room = b_.binary(ir::Opcode::kIsub, length, len);
  trapnz(b_.icmp(ir::IntCC::kUgt, addr, room), TrapCode::kHeapOutOfBounds);
}

void FuncEnvironment::memory_copy(uint32_t dst_mem, Value dst, uint32_t src_mem, Value src, Value len) {
  const wasm::Module& m = env_.module;
  if (m.memory_types[dst_mem].limits.shared || m.memory_types[src_mem].limits.shared) {
    // A shared memory may grow on another thread: the builtin reads its current length.
    Value args[] = {iconst32(dst_mem), dst, iconst32(src_mem), src, len};
    call_builtin(environ::BuiltinIndex::kMemoryCopy, args);
    return;
  }
  Value dst_length = memory_length(dst_mem);
  bulk_bounds_check(dst_mem, dst, len, dst_length);
  bulk_bounds_check(src_mem, src, len, src_mem == dst_mem ? dst_length : memory_length(src_mem));
  Value dst_base = memory_base(dst_mem);
  Value src_base = src_mem == dst_mem ? dst_base : memory_base(src_mem);
  Value args[] = {b_.binary(ir::Opcode::kIadd, dst_base, dst), b_.binary(ir::Opcode::kIadd, src_base, src), len};
  call_builtin(environ::BuiltinIndex::kMemmove, args);
}

void FuncEnvironment::memory_fill(uint32_t mem, Value dst, Value byte, Value len) {
  if (env_.module.memory_types[mem].limits.shared) {
    Value args[] = {iconst32(mem), dst, byte, len};
    call_builtin(environ::BuiltinIndex::kMemoryFill, args);
    return;
  }
  bulk_bounds_check(mem, dst, len, memory_length(mem));
  Value args[] = {b_.binary(ir::Opcode::kIadd, memory_base(mem), dst), byte, len};
  call_builtin(environ::BuiltinIndex::kMemset, args);
}

std::optional<Value> FuncEnvironment::heap_addr(uint32_t mem, Value index, uint64_t offset,
                                                uint32_t size, int32_t* ir_offset) {
  const wasm::MemoryType& mt = env_.module.memory_types[mem];
  Value idx = to_i64(index);
  if (environ::needs_bounds_check(mt, env_.tunables, offset, size)) {
    if (offset > std::numeric_limits<uint64_t>::max() - size) {
      // index + offset + size overflows for every index: the access can never succeed.
      trap(TrapCode::kHeapOutOfBounds);
      return std::nullopt;
    }
    // end = index + offset + size (trapping on carry); in bounds iff end <= current_length.
    ir::InstData d;
    d.opcode = ir::Opcode::kUaddOverflowTrap;
    d.args[0] = idx;
    d.args[1] = iconst64(offset + size);
    d.aux = static_cast<uint32_t>(to_ir_trap(TrapCode::kHeapOutOfBounds));
    Value end = b_.ins_value(d);
    Value oob = b_.icmp(ir::IntCC::kUgt, end, memory_length(mem));
    trapnz(oob, TrapCode::kHeapOutOfBounds);
  }
  Value addr = b_.binary(ir::Opcode::kIadd, memory_base(mem), idx);
  if (offset <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
    *ir_offset = static_cast<int32_t>(offset);
  } else {
    addr = b_.binary(ir::Opcode::kIadd, addr, iconst64(offset));
    *ir_offset = 0;
  }
  return addr;
}

Value FuncEnvironment::memory_size(uint32_t mem) {
  const wasm::MemoryType& mt = env_.module.memory_types[mem];
  uint32_t log2 = mt.limits.page_size_log2 ? *mt.limits.page_size_log2 : 16;
  Value pages = b_.binary(ir::Opcode::kUshr, memory_length(mem), iconst64(log2));
  if (mt.limits.is64) return pages;
  return b_.convert(ir::Opcode::kIreduce, ir::kI32, pages);
}

// ---- tables

Value FuncEnvironment::table_def(uint32_t table, int32_t* offset) {
  environ::TableIndex ti(table);
  if (auto d = environ::defined_table(env_.module, ti)) {
    *offset = off32(env_.offsets.defined_table(*d));
    return vmctx_;
  }
  *offset = 0;
  return load_vm(ir::kI64, vmctx_, off32(env_.offsets.imported_table(ti)), true);
}

// A table whose maximum equals its minimum never grows: Table::grow refuses every growth
// before it would reallocate, so the element array stays where instantiation put it and the
// length stays the minimum. An imported table declared so is such a table too: only a table
// of exactly that size and maximum matches the import. (LLVM gives every module's function
// table a maximum equal to its size.)
std::optional<uint64_t> FuncEnvironment::fixed_table_size(uint32_t table) const {
  const wasm::Limits& l = env_.module.table_types[table].limits;
  if (l.max && *l.max == l.min) return l.min;
  return std::nullopt;
}

Value FuncEnvironment::table_base(uint32_t table) {
  int32_t off = 0;
  Value def = table_def(table, &off);
  return load_vm(ir::kI64, def, off + off32(environ::VMTableDefinitionLayout::base()),
                 fixed_table_size(table).has_value());
}

Value FuncEnvironment::table_length(uint32_t table) {
  if (auto n = fixed_table_size(table)) return iconst64(*n);
  int32_t off = 0;
  Value def = table_def(table, &off);
  return load_vm(ir::kI64, def, off + off32(environ::VMTableDefinitionLayout::current_elements()),
                 false);
}

Value FuncEnvironment::table_elem_addr(uint32_t table, Value index, TrapCode oob) {
  Value idx = to_i64(index);
  Value out = b_.icmp(ir::IntCC::kUge, idx, table_length(table));
  trapnz(out, oob);
  Value scaled = b_.binary(ir::Opcode::kIshl, idx, iconst64(3));
  return b_.binary(ir::Opcode::kIadd, table_base(table), scaled);
}

bool FuncEnvironment::is_func_table(uint32_t table) const {
  return environ::is_func_table(env_.module, env_.module.table_types[table]);
}

Value FuncEnvironment::table_load_funcref(uint32_t table, Value index, Value addr,
                                          std::optional<TrapCode> null_trap) {
  ir::MemFlags tf = ir::MemFlags::trusted();
  tf.set_region(ir::AliasRegion::kTable);
  // Fast path: the load, one compare and a branch not taken; the slow block is laid out after
  // the function's hot code.
  ir::Block slow = b_.create_block();
  b_.func().layout.set_cold(slow);
  if (null_trap) {
    // The value is never null here, and a non-null result of the builtin has been written
    // into the entry: the slow path traps or jumps back to the load, so the loaded value is
    // the result on both paths (no block parameter, nothing to move on the hot path).
    ir::Block load = b_.create_block();
    ir::Block done = b_.create_block();
    b_.jump(load);
    b_.enter_dominated(load);  // the slow path below is the only other way in
    Value raw = b_.load(ir::Opcode::kLoad, ir::kI64, tf, addr, 0);
    Value is_ref = b_.icmp(ir::IntCC::kUgt, raw, iconst64(environ::kFuncTableEntryNull));
    b_.brif(is_ref, done, {}, slow, {});
    b_.seal_block(slow);
    b_.switch_to_block(slow);
    Value args[] = {iconst32(table), index};
    Value resolved = *call_builtin(environ::BuiltinIndex::kTableGetLazyInit, args, /*cold=*/true);
    trapz(resolved, *null_trap);
    b_.jump(load);
    b_.seal_block(load);
    b_.seal_block(done);
    b_.enter_dominated(done);
    return raw;
  }
  Value raw = b_.load(ir::Opcode::kLoad, ir::kI64, tf, addr, 0);
  ir::Block done = b_.create_block();
  Value ref = b_.append_block_param(done, ir::kI64);
  Value is_ref = b_.icmp(ir::IntCC::kUgt, raw, iconst64(environ::kFuncTableEntryNull));
  Value raw_arg[] = {raw};
  b_.brif(is_ref, done, raw_arg, slow, {});
  b_.seal_block(slow);
  b_.switch_to_block(slow);
  Value args[] = {iconst32(table), index};
  Value resolved = *call_builtin(environ::BuiltinIndex::kTableGetLazyInit, args, /*cold=*/true);
  Value resolved_arg[] = {resolved};
  b_.jump(done, resolved_arg);
  b_.seal_block(done);
  b_.enter_dominated(done);  // reached from the block before the check and its slow path
  return ref;
}

void FuncEnvironment::table_store_funcref(uint32_t table, Value index, Value addr, Value value) {
  ir::Block store = b_.create_block();
  ir::Block null = b_.create_block();
  b_.func().layout.set_cold(null);
  ir::Block done = b_.create_block();
  b_.brif(value, store, {}, null, {});
  b_.seal_block(store);
  b_.seal_block(null);
  b_.switch_to_block(store);
  ir::MemFlags tf = ir::MemFlags::trusted();
  tf.set_region(ir::AliasRegion::kTable);
  b_.store(ir::Opcode::kStore, tf, value, addr, 0);
  b_.jump(done);
  b_.switch_to_block(null);
  Value args[] = {iconst32(table), to_i64(index), value, iconst64(1)};
  call_builtin(environ::BuiltinIndex::kTableFill, args, /*cold=*/true);
  b_.jump(done);
  b_.seal_block(done);
  b_.enter_dominated(done);  // both paths start at the block before them
}

// ---- globals

Value FuncEnvironment::global_addr(uint32_t global, int32_t* offset) {
  environ::GlobalIndex gi(global);
  if (auto d = environ::defined_global(env_.module, gi)) {
    *offset = off32(env_.offsets.defined_global(*d));
    return vmctx_;
  }
  *offset = 0;
  return load_vm(ir::kI64, vmctx_, off32(env_.offsets.imported_global(gi)), true);
}

// ---- functions

Value FuncEnvironment::func_ref(uint32_t func) {
  uint32_t off = env_.offsets.func_ref(environ::FuncIndex(func));
  return b_.binary(ir::Opcode::kIadd, vmctx_, iconst64(off));
}

ir::SigRef FuncEnvironment::wasm_sig(uint32_t type_index) {
  auto it = type_sigs_.find(type_index);
  if (it != type_sigs_.end()) return it->second;
  ir::SigRef s = b_.func().import_signature(wasm_call_signature(env_.module.func_type(type_index)));
  type_sigs_.emplace(type_index, s);
  return s;
}

namespace {

ir::Inst emit_indirect(ir::FunctionBuilder& b, bool tail, ir::SigRef sig, Value callee,
                       std::span<const Value> args) {
  ir::InstData d;
  d.opcode = tail ? ir::Opcode::kReturnCallIndirect : ir::Opcode::kCallIndirect;
  d.aux = sig.index();
  std::vector<Value> all{callee};
  all.insert(all.end(), args.begin(), args.end());
  d.vargs = b.func().dfg.make_list(all);
  return b.ins(d);
}

}  // namespace

std::vector<Value> FuncEnvironment::call_function(uint32_t func, std::span<const Value> args,
                                                  bool tail) {
  const wasm::Module& m = env_.module;
  uint32_t type_index = m.func_types[func];
  std::vector<Value> all;
  all.reserve(args.size() + 2);
  environ::FuncIndex fi(func);
  if (func < m.num_imported_funcs) {
    Value code = load_vm(ir::kI64, vmctx_, off32(env_.offsets.imported_function_wasm_call(fi)), true);
    Value callee_vmctx =
        load_vm(ir::kI64, vmctx_, off32(env_.offsets.imported_function_vmctx(fi)), true);
    all.push_back(callee_vmctx);
    all.push_back(vmctx_);
    all.insert(all.end(), args.begin(), args.end());
    ir::Inst i = emit_indirect(b_, tail, wasm_sig(type_index), code, all);
    return tail ? std::vector<Value>{} : results_of(i);
  }
  auto it = callees_.find(func);
  ir::FuncRef fr;
  if (it != callees_.end()) {
    fr = it->second;
  } else {
    ir::ExtFuncData ext;
    ext.name = wasm_function_name(fi);
    ext.signature = wasm_sig(type_index);
    ext.colocated = true;
    fr = b_.func().import_function(ext);
    callees_.emplace(func, fr);
  }
  all.push_back(vmctx_);
  all.push_back(vmctx_);
  all.insert(all.end(), args.begin(), args.end());
  if (tail) {
    b_.return_call(fr, all);
    return {};
  }
  return results_of(b_.call(fr, all));
}

std::vector<Value> FuncEnvironment::call_func_ref(uint32_t type_index, Value ref,
                                                  std::span<const Value> args, bool tail) {
  Value code = load_vm(ir::kI64, ref, off32(environ::VMFuncRefLayout::wasm_call()), true);
  Value callee_vmctx = load_vm(ir::kI64, ref, off32(environ::VMFuncRefLayout::vmctx()), true);
  std::vector<Value> all{callee_vmctx, vmctx_};
  all.insert(all.end(), args.begin(), args.end());
  ir::Inst i = emit_indirect(b_, tail, wasm_sig(type_index), code, all);
  return tail ? std::vector<Value>{} : results_of(i);
}

std::vector<Value> FuncEnvironment::call_indirect(uint32_t type_index, uint32_t table,
                                                  Value index, std::span<const Value> args,
                                                  bool tail) {
  Value idx = to_i64(index);
  Value addr = table_elem_addr(table, idx, TrapCode::kUndefinedElement);
  Value ref = table_load_funcref(table, idx, addr, TrapCode::kIndirectCallToNull);
  // Signature check against the engine-canonical id of the expected type. Equal ids are the
  // fast path. A final expected type (every type without GC subtyping) has no subtypes, so
  // any other id traps; for a non-final one the is_subtype builtin walks the callee type's
  // declared supertypes.
  Value ids = load_vm(ir::kI64, vmctx_, off32(environ::VMOffsets::type_ids()), true);
  Value expected = load_vm(ir::kI32, ids, off32(type_index * 4), true);
  Value actual = load_vm(ir::kI32, ref, off32(environ::VMFuncRefLayout::type_id()), true);
  if (env_.module.types[type_index].final) {
    trapnz(b_.icmp(ir::IntCC::kNe, actual, expected), TrapCode::kBadSignature);
  } else {
    // The slow block sits between the check and the call (block order), so the fast path is
    // one compare and a jump over it.
    ir::Block slow = b_.create_block();
    ir::Block checked = b_.create_block();
    b_.brif(b_.icmp(ir::IntCC::kEq, actual, expected), checked, {}, slow, {});
    b_.switch_to_block(slow);
    b_.seal_block(slow);
    Value ids_pair[] = {actual, expected};
    std::optional<Value> is_sub = call_builtin(environ::BuiltinIndex::kIsSubtype, ids_pair);
    trapz(*is_sub, TrapCode::kBadSignature);
    b_.jump(checked);
    b_.enter_dominated(checked);
    b_.seal_block(checked);
  }
  return call_func_ref(type_index, ref, args, tail);
}

namespace {

// The builtins whose runtime entry is a stub preserving every register but the result
// (builtins.def): called with the preserve-all convention.
bool builtin_preserves_all(environ::BuiltinIndex bi) {
  return bi == environ::BuiltinIndex::kOutOfGasPreserveAll ||
         bi == environ::BuiltinIndex::kNewEpochPreserveAll ||
         bi == environ::BuiltinIndex::kTableGetLazyInit;
}

}  // namespace

std::optional<Value> FuncEnvironment::call_builtin(environ::BuiltinIndex bi,
                                                   std::span<const Value> args, bool cold) {
  const environ::BuiltinSignature& bs = environ::builtin_signature(bi);
  uint32_t key = static_cast<uint32_t>(bi);
  ir::SigRef sig;
  if (auto it = builtin_sigs_.find(key); it != builtin_sigs_.end()) {
    sig = it->second;
  } else {
    ir::Signature s;
    for (uint8_t k = 0; k < bs.num_params; ++k) {
      environ::BuiltinType t = bs.params[k];
      s.params.push_back({builtin_ir_type(t), t == environ::BuiltinType::kVmctx
                                                  ? ir::ArgumentPurpose::kVmctx
                                                  : ir::ArgumentPurpose::kNormal});
    }
    if (bs.result != environ::BuiltinType::kNone) s.returns.push_back({builtin_ir_type(bs.result)});
    if (builtin_preserves_all(bi)) s.call_conv = ir::CallConv::kPreserveAll;
    sig = b_.func().import_signature(std::move(s));
    builtin_sigs_.emplace(key, sig);
  }
  Value table = load_vm(ir::kI64, vmctx_, off32(environ::VMOffsets::builtins()), !cold);
  Value fn = load_vm(ir::kI64, table, off32(key * 8), !cold);
  std::vector<Value> all{vmctx_};
  all.insert(all.end(), args.begin(), args.end());
  ir::Inst i = b_.call_indirect(sig, fn, all);
  auto r = b_.func().dfg.inst_results(i);
  if (r.empty()) return std::nullopt;
  return r[0];
}

}  // namespace kiln::codegen::translate
