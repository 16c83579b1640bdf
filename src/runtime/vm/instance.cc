// runtime/vm/instance.cc: VMContext allocation and initialisation, and the bulk operations.
#include "runtime/vm/instance.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "environ/func_table.h"
#include "runtime/vm/bulk_copy.h"
#include "runtime/vm/libcalls.h"
#include "runtime/vm/memory_image.h"

namespace kiln::runtime::vm {

using environ::TrapCode;

Expected<std::unique_ptr<Instance>> Instance::create(const InstanceConfig& config,
                                                     const InstanceImports& imports) {
  const wasm::Module& m = *config.module;
  const environ::VMOffsets& off = *config.offsets;
  const environ::VMCounts& c = off.counts();
  if (imports.functions.size() != c.num_imported_funcs || imports.tables.size() != c.num_imported_tables ||
      imports.memories.size() != c.num_imported_memories ||
      imports.globals.size() != c.num_imported_globals ||
      config.function_code.size() != m.num_defined_funcs() || c.num_funcs != m.num_funcs()) {
    return Error(ErrorKind::kInstantiate, "instance: import or function counts do not match the module");
  }

  std::unique_ptr<Instance> inst(new Instance());
  inst->config_ = config;
  if (inst->config_.builtins == nullptr) inst->config_.builtins = builtin_table();

  InstanceAllocator* allocator = config.allocator != nullptr ? config.allocator : &on_demand_allocator();
  inst->config_.allocator = allocator;
  KILN_ASSIGN_OR_RETURN(uint8_t* raw, allocator->allocate_vmctx(off.size()));
  inst->vmctx_ = std::unique_ptr<uint8_t, VMContextDeleter>(raw, VMContextDeleter{allocator, off.size()});
  VMContext* vmctx = inst->vmctx();

  *vmctx_at<uint64_t>(vmctx, off.magic()) = environ::kVMContextMagic;
  *vmctx_at<VMStoreContext*>(vmctx, off.store_context()) = config.store;
  *vmctx_at<const void* const*>(vmctx, off.builtins()) = inst->config_.builtins;
  *vmctx_at<const uint32_t*>(vmctx, off.type_ids()) = config.type_ids;
  *vmctx_at<const uint64_t*>(vmctx, off.epoch_counter()) = config.epoch_counter;
  *vmctx_at<uint64_t>(vmctx, off.epoch_deadline()) = config.store != nullptr ? config.store->epoch_deadline : UINT64_MAX;
  *vmctx_at<Instance*>(vmctx, off.instance()) = inst.get();

  for (uint32_t i = 0; i < c.num_imported_funcs; ++i) {
    const VMFuncRef* src = imports.functions[i];
    if (src == nullptr) return Error(ErrorKind::kInstantiate, "instance: null function import");
    environ::FuncIndex f(i);
    *vmctx_at<VMFunctionImport>(vmctx, off.imported_function(f)) = {src->wasm_call, src->array_call, src->vmctx};
    *vmctx_at<VMFuncRef>(vmctx, off.func_ref(f)) = *src;
  }
  for (uint32_t i = 0; i < c.num_imported_tables; ++i) {
    if (imports.tables[i] == nullptr) return Error(ErrorKind::kInstantiate, "instance: null table import");
    *vmctx_at<VMTableDefinition*>(vmctx, off.imported_table(environ::TableIndex(i))) =
        imports.tables[i]->definition();
    inst->tables_.push_back(imports.tables[i]);
  }
  for (uint32_t i = 0; i < c.num_imported_memories; ++i) {
    if (imports.memories[i] == nullptr) return Error(ErrorKind::kInstantiate, "instance: null memory import");
    *vmctx_at<VMMemoryDefinition*>(vmctx, off.imported_memory(environ::MemoryIndex(i))) =
        imports.memories[i]->definition();
    inst->memories_.push_back(imports.memories[i]);
  }
  for (uint32_t i = 0; i < c.num_imported_globals; ++i) {
    if (imports.globals[i] == nullptr) return Error(ErrorKind::kInstantiate, "instance: null global import");
    *vmctx_at<VMGlobalDefinition*>(vmctx, off.imported_global(environ::GlobalIndex(i))) = imports.globals[i];
  }

  for (uint32_t i = 0; i < c.num_defined_memories; ++i) {
    const wasm::MemoryType& type = m.memory_types[c.num_imported_memories + i];
    const MemoryImage* image = config.images != nullptr && i < config.images->images.size()
                                   ? config.images->images[i].get()
                                   : nullptr;
    KILN_ASSIGN_OR_RETURN(auto mem, allocator->allocate_memory(type, config.tunables, config.max_memory_bytes, image));
    mem->bind(vmctx_at<VMMemoryDefinition>(vmctx, off.defined_memory(environ::DefinedMemoryIndex(i))));
    inst->memories_.push_back(mem.get());
    inst->owned_memories_.push_back(std::move(mem));
  }
  for (uint32_t i = 0; i < c.num_defined_tables; ++i) {
    KILN_ASSIGN_OR_RETURN(auto table, allocator->allocate_table(m.tables[i].type, config.max_table_elements));
    table->bind(vmctx_at<VMTableDefinition>(vmctx, off.defined_table(environ::DefinedTableIndex(i))));
    inst->tables_.push_back(table.get());
    inst->owned_tables_.push_back(std::move(table));
  }

  // One VMFuncRef per defined function: the hottest loop of instantiation for big modules
  // (thousands of functions), so everything it reads is hoisted out of it (stores into the
  // VMContext could otherwise alias the arrays) and each entry is written whole.
  {
    const uint32_t n = m.num_defined_funcs();
    const void* const* code = config.function_code.data();
    const uint32_t* func_types = m.func_types.data() + c.num_imported_funcs;
    const uint32_t* type_ids = config.type_ids;
    VMFuncRef* refs = vmctx_at<VMFuncRef>(vmctx, off.func_ref(environ::FuncIndex(c.num_imported_funcs)));
    for (uint32_t i = 0; i < n; ++i) {
      refs[i] = VMFuncRef{nullptr, code[i], type_ids != nullptr ? type_ids[func_types[i]] : 0, 0, vmctx};
    }
  }

  inst->elems_.resize(m.elems.size());
  inst->elem_dropped_.assign(m.elems.size(), false);
  inst->data_dropped_.assign(m.datas.size(), false);
  return inst;
}

Instance::~Instance() = default;

Instance* Instance::from_vmctx(VMContext* vmctx) {
  return *vmctx_at<Instance*>(vmctx, environ::VMOffsets::instance());
}

LinearMemory* Instance::memory(environ::MemoryIndex i) const {
  return i.index() < memories_.size() ? memories_[i.index()] : nullptr;
}

Table* Instance::table(environ::TableIndex i) const {
  return i.index() < tables_.size() ? tables_[i.index()] : nullptr;
}

VMGlobalDefinition* Instance::global(environ::GlobalIndex i) const {
  const environ::VMCounts& c = offsets().counts();
  if (i.index() < c.num_imported_globals) {
    return *vmctx_at<VMGlobalDefinition*>(vmctx(), offsets().imported_global(i));
  }
  uint32_t d = i.index() - c.num_imported_globals;
  if (d >= c.num_defined_globals) return nullptr;
  return vmctx_at<VMGlobalDefinition>(vmctx(), offsets().defined_global(environ::DefinedGlobalIndex(d)));
}

VMFuncRef* Instance::func_ref(environ::FuncIndex i) const {
  if (i.index() >= offsets().counts().num_funcs) return nullptr;
  return vmctx_at<VMFuncRef>(vmctx(), offsets().func_ref(i));
}

void Instance::set_elem_segment(environ::ElemIndex i, std::vector<void*> items) {
  if (i.index() >= elems_.size()) return;
  elems_[i.index()] = std::move(items);
  elem_dropped_[i.index()] = false;
}

std::span<void* const> Instance::elem_segment(environ::ElemIndex i) const {
  if (i.index() >= elems_.size() || elem_dropped_[i.index()]) return {};
  return elems_[i.index()];
}

void Instance::drop_elem(environ::ElemIndex i) {
  if (i.index() >= elems_.size()) return;
  elem_dropped_[i.index()] = true;
  std::vector<void*>().swap(elems_[i.index()]);  // release the storage now
}

std::span<const uint8_t> Instance::data_segment(environ::DataIndex i) const {
  const wasm::Module& m = module();
  if (i.index() >= m.datas.size() || data_dropped_[i.index()]) return {};
  const wasm::ByteRange r = m.datas[i.index()].init;
  return {m.at(r), r.size};
}

void Instance::drop_data(environ::DataIndex i) {
  if (i.index() < data_dropped_.size()) data_dropped_[i.index()] = true;
}

void Instance::drop_data_where(const std::vector<bool>& dropped) {
  if (dropped.size() != data_dropped_.size()) return;
  // At instantiation nothing is dropped yet: a word-wise copy. Otherwise, bit by bit.
  if (std::find(data_dropped_.begin(), data_dropped_.end(), true) == data_dropped_.end()) {
    data_dropped_ = dropped;
    return;
  }
  for (size_t i = 0; i < dropped.size(); ++i) {
    if (dropped[i]) data_dropped_[i] = true;
  }
}

std::optional<TrapCode> Instance::memory_fill(environ::MemoryIndex mi, uint64_t dst, uint8_t value,
                                              uint64_t len) {
  LinearMemory* mem = memory(mi);
  if (mem == nullptr || !range_in_bounds(dst, len, mem->byte_size())) return TrapCode::kHeapOutOfBounds;
  if (len != 0) std::memset(mem->base() + dst, value, len);
  return std::nullopt;
}

std::optional<TrapCode> Instance::memory_copy(environ::MemoryIndex dst_mi, uint64_t dst,
                                              environ::MemoryIndex src_mi, uint64_t src, uint64_t len) {
  LinearMemory* dm = memory(dst_mi);
  LinearMemory* sm = memory(src_mi);
  if (dm == nullptr || sm == nullptr || !range_in_bounds(dst, len, dm->byte_size()) ||
      !range_in_bounds(src, len, sm->byte_size())) {
    return TrapCode::kHeapOutOfBounds;
  }
  if (len != 0) bulk_copy(dm->base() + dst, sm->base() + src, len);
  return std::nullopt;
}

std::optional<TrapCode> Instance::memory_init(environ::MemoryIndex mi, environ::DataIndex di,
                                              uint64_t dst, uint64_t src, uint64_t len) {
  LinearMemory* mem = memory(mi);
  std::span<const uint8_t> seg = data_segment(di);
  if (mem == nullptr || !range_in_bounds(dst, len, mem->byte_size()) ||
      !range_in_bounds(src, len, seg.size())) {
    return TrapCode::kHeapOutOfBounds;
  }
  if (len != 0) std::memcpy(mem->base() + dst, seg.data() + src, len);
  return std::nullopt;
}

VMFuncRef* Instance::func_refs() const {
  if (offsets().counts().num_funcs == 0) return nullptr;
  return vmctx_at<VMFuncRef>(vmctx(), offsets().func_ref(environ::FuncIndex(0)));
}

Table* Instance::lazy_table(environ::TableIndex ti, void* init) {
  const wasm::Module& m = module();
  if (ti.index() < m.num_imported_tables || ti.index() >= m.table_types.size() ||
      !environ::is_func_table(m, m.table_types[ti.index()])) {
    return nullptr;
  }
  Table* t = table(ti);
  if (t != nullptr && !t->is_lazy()) t->enable_lazy_init(func_refs(), init);
  return t;
}

void Instance::init_table(environ::TableIndex ti, void* init) {
  if (lazy_table(ti, init) != nullptr) return;
  if (Table* t = table(ti)) t->fill(0, init, t->size());
}

std::optional<TrapCode> Instance::init_active_elem(environ::ElemIndex ei, uint64_t dst) {
  const wasm::Module& m = module();
  if (ei.index() >= m.elems.size()) return TrapCode::kTableOutOfBounds;
  const wasm::ElemSegment& seg = m.elems[ei.index()];
  environ::TableIndex ti(seg.table);
  Table* t = table(ti);
  if (t == nullptr) return TrapCode::kTableOutOfBounds;
  // Deferred only into this instance's own lazily initialised tables; an imported table
  // (lazy or not) is written now.
  const bool defer = lazy_table(ti, nullptr) != nullptr;
  if (!seg.uses_exprs) return t->init_active(dst, seg.func_indices, func_refs(), defer);
  // Checked here too so that a trapping segment keeps its items (it is not dropped).
  if (!range_in_bounds(dst, seg.exprs.size(), t->size())) return TrapCode::kTableOutOfBounds;
  std::vector<void*> items = std::move(elems_[ei.index()]);
  elems_[ei.index()].clear();
  if (items.size() != seg.exprs.size()) return TrapCode::kTableOutOfBounds;  // not evaluated
  return t->init_active(dst, std::move(items), defer);
}

std::optional<TrapCode> Instance::table_init(environ::TableIndex ti, environ::ElemIndex ei,
                                             uint64_t dst, uint64_t src, uint64_t len) {
  Table* t = table(ti);
  if (t == nullptr) return TrapCode::kTableOutOfBounds;
  return t->init(dst, elem_segment(ei), src, len);
}

}  // namespace kiln::runtime::vm
