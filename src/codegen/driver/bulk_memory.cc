// codegen/driver/bulk_memory.cc: WasmBulkMemory (see bulk_memory.h).
#include "codegen/driver/bulk_memory.h"

#include <vector>

#include "environ/builtins.h"

namespace kiln::codegen::driver {

using ir::Value;

namespace {

// The function's vmctx parameter (the translator's signature puts it first).
Value vmctx_param(const ir::Function& f) {
  if (f.signature.params.empty() || f.signature.params[0].purpose != ir::ArgumentPurpose::kVmctx) {
    return Value();
  }
  auto params = f.dfg.block_params(f.layout.entry_block());
  return params.empty() ? Value() : params[0];
}

// `load.i64 vmctx ptr+offset` defining v: its instruction, or invalid.
ir::Inst vmctx_load(const ir::Function& f, Value v) {
  ir::Inst i = f.dfg.value_inst(v);
  if (!i) return i;
  const ir::InstData& d = f.dfg[i];
  if (d.opcode != ir::Opcode::kLoad || f.dfg.value_type(f.dfg.first_result(i)) != ir::kI64 ||
      d.mem_flags().region() != ir::AliasRegion::kVmctx) {
    return ir::Inst();
  }
  return i;
}

ir::MemFlags vm_flags(bool readonly) {
  ir::MemFlags fl = ir::MemFlags::trusted();
  if (readonly) fl.bits |= ir::MemFlags::kReadonly;
  fl.set_region(ir::AliasRegion::kVmctx);
  return fl;
}

Value insert_load(ir::Function& f, Value ptr, int32_t offset, bool readonly, ir::Inst before) {
  ir::InstData d;
  d.opcode = ir::Opcode::kLoad;
  d.type = ir::kI64;
  d.aux = vm_flags(readonly).bits;
  d.args[0] = ptr;
  d.imm = offset;
  ir::Inst i = f.dfg.make_inst(d);
  f.dfg.make_inst_results(i);
  f.layout.insert_inst_before(i, before);
  return f.dfg.first_result(i);
}

Value insert_iconst32(ir::Function& f, uint32_t v, ir::Inst before) {
  ir::InstData d;
  d.opcode = ir::Opcode::kIconst;
  d.type = ir::kI32;
  d.imm = v;
  ir::Inst i = f.dfg.make_inst(d);
  f.dfg.make_inst_results(i);
  f.layout.insert_inst_before(i, before);
  return f.dfg.first_result(i);
}

// A call of builtin `bi` (environ/builtins.h: System V, address from the vmctx's builtin
// table), as FuncEnvironment::call_builtin emits it.
void insert_builtin_call(ir::Function& f, environ::BuiltinIndex bi, std::vector<Value> args,
                         ir::Inst before) {
  const environ::BuiltinSignature& bs = environ::builtin_signature(bi);
  ir::Signature s;
  for (uint8_t k = 0; k < bs.num_params; ++k) {
    environ::BuiltinType t = bs.params[k];
    s.params.push_back({t == environ::BuiltinType::kI32 ? ir::kI32 : ir::kI64,
                        t == environ::BuiltinType::kVmctx ? ir::ArgumentPurpose::kVmctx
                                                          : ir::ArgumentPurpose::kNormal});
  }
  ir::SigRef sig;
  for (ir::SigRef r : f.dfg.signatures.keys()) {
    if (f.dfg.signatures[r] == s) sig = r;
  }
  if (!sig) sig = f.import_signature(std::move(s));
  Value vmctx = vmctx_param(f);
  Value table =
      insert_load(f, vmctx, static_cast<int32_t>(environ::VMOffsets::builtins()), true, before);
  Value fn =
      insert_load(f, table, static_cast<int32_t>(static_cast<uint32_t>(bi) * 8), true, before);
  std::vector<Value> all{fn, vmctx};
  all.insert(all.end(), args.begin(), args.end());
  ir::InstData d;
  d.opcode = ir::Opcode::kCallIndirect;
  d.aux = sig.index();
  d.vargs = f.dfg.make_list(all);
  ir::Inst i = f.dfg.make_inst(d);
  f.dfg.make_inst_results(i);
  f.layout.insert_inst_before(i, before);
}

}  // namespace

std::optional<uint32_t> WasmBulkMemory::memory_of(const ir::Function& f, Value base) const {
  Value vmctx = vmctx_param(f);
  ir::Inst load = vmctx_load(f, base);
  if (!vmctx || !load) return std::nullopt;
  const ir::InstData& d = f.dfg[load];
  Value ptr = f.dfg.resolve_aliases(d.args[0]);
  uint32_t off = static_cast<uint32_t>(d.offset());
  std::optional<uint32_t> mem;
  if (ptr == vmctx) {
    uint32_t defined =
        static_cast<uint32_t>(module_.memory_types.size()) - module_.num_imported_memories;
    for (uint32_t k = 0; k < defined; ++k) {
      if (offsets_.defined_memory_base(environ::DefinedMemoryIndex(k)) == off) {
        mem = module_.num_imported_memories + k;
      }
    }
  } else if (ir::Inst def = vmctx_load(f, ptr);
             def && off == environ::VMMemoryDefinitionLayout::base() &&
             f.dfg.resolve_aliases(f.dfg[def].args[0]) == vmctx) {
    for (uint32_t k = 0; k < module_.num_imported_memories; ++k) {
      if (offsets_.imported_memory(environ::MemoryIndex(k)) ==
          static_cast<uint32_t>(f.dfg[def].offset())) {
        mem = k;
      }
    }
  }
  if (!mem) return std::nullopt;
  const wasm::MemoryType& mt = module_.memory_types[*mem];
  if (mt.limits.is64 || mt.limits.shared ||
      environ::memory_style(mt, tunables_) != environ::MemoryStyle::kStatic) {
    return std::nullopt;
  }
  return mem;
}

bool WasmBulkMemory::is_memory_base(const ir::Function& f, Value base) const {
  return memory_of(f, base).has_value();
}

Value WasmBulkMemory::insert_size(ir::Function& f, Value base, ir::Inst before) const {
  const ir::InstData& d = f.dfg[f.dfg.value_inst(base)];
  int32_t length = d.offset() - static_cast<int32_t>(environ::VMMemoryDefinitionLayout::base()) +
                   static_cast<int32_t>(environ::VMMemoryDefinitionLayout::current_length());
  return insert_load(f, f.dfg.resolve_aliases(d.args[0]), length, false, before);
}

void WasmBulkMemory::insert_copy(ir::Function& f, Value base, Value dst, Value src, Value len,
                                 ir::Inst before) const {
  uint32_t mem = *memory_of(f, base);
  Value m = insert_iconst32(f, mem, before);
  insert_builtin_call(f, environ::BuiltinIndex::kMemoryCopy, {m, dst, m, src, len}, before);
}

void WasmBulkMemory::insert_fill(ir::Function& f, Value base, Value dst, Value byte, Value len,
                                 ir::Inst before) const {
  uint32_t mem = *memory_of(f, base);
  Value m = insert_iconst32(f, mem, before);
  insert_builtin_call(f, environ::BuiltinIndex::kMemoryFill, {m, dst, byte, len}, before);
}

}  // namespace kiln::codegen::driver
