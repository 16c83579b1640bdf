// runtime/instance.cc: instantiation (import checks, VMContext, constant expressions, element
// and data segments, start function) and instance exports.
#include "runtime/store_data.h"
#include "runtime/vm/libcalls.h"
#include "runtime/vm/memory_image.h"
#include "wasm/instr_reader.h"
#include "wasm/opcode.h"

namespace kiln::runtime {

using environ::FuncIndex;
using environ::TrapCode;
using wasm::ExternKind;
using wasm::Opcode;

namespace {

Error incompatible(const wasm::Import& imp, const std::string& why) {
  return Error(ErrorKind::kLink,
               "incompatible import type for `" + imp.module + "::" + imp.name + "`: " + why);
}

// The spec's limits matching: the actual minimum (the current size) must be at least the
// expected one, and an expected maximum requires an actual maximum no larger.
bool limits_match(uint64_t actual_min, const std::optional<uint64_t>& actual_max, const wasm::Limits& expected) {
  if (actual_min < expected.min) return false;
  if (expected.max) {
    if (!actual_max || *actual_max > *expected.max) return false;
  }
  return true;
}

bool same_val_type(const wasm::ValType& a, const wasm::ValType& b) {
  return val_type_subtype(a, b) && val_type_subtype(b, a);
}

Expected<void> check_import(const Module& module, const wasm::Import& imp, uint32_t index,
                            const Extern& actual) {
  const wasm::Module& m = module.wasm();
  if (extern_kind(actual) != imp.kind) {
    return incompatible(imp, std::string("expected ") + wasm::to_string(imp.kind) + ", found " +
                                 wasm::to_string(extern_kind(actual)));
  }
  switch (imp.kind) {
    case ExternKind::kFunc: {
      const Func& f = std::get<Func>(actual);
      if (f.ref() == nullptr) return incompatible(imp, "null function");
      uint32_t want = module.type_ids()[m.func_types[index]];
      if (!module.engine().is_subtype(f.ref()->type_id, want)) return incompatible(imp, "function types differ");
      if (f.ref()->wasm_call == nullptr) {
        return Error(ErrorKind::kOther,
                     "the compiler does not support calls to host functions of this type (import `" +
                         imp.module + "::" + imp.name + "`)");
      }
      return {};
    }
    case ExternKind::kTable: {
      const Table& t = std::get<Table>(actual);
      const wasm::TableType& want = m.table_types[index];
      const wasm::TableType& have = t.type();
      if (!same_val_type(have.elem, want.elem)) return incompatible(imp, "element types differ");
      if (have.limits.is64 != want.limits.is64) return incompatible(imp, "address types differ");
      if (!limits_match(t.size(), have.limits.max, want.limits)) return incompatible(imp, "limits do not match");
      return {};
    }
    case ExternKind::kMemory: {
      const Memory& mem = std::get<Memory>(actual);
      const wasm::MemoryType& want = m.memory_types[index];
      const wasm::MemoryType& have = mem.type();
      if (have.limits.is64 != want.limits.is64) return incompatible(imp, "address types differ");
      if (have.limits.shared != want.limits.shared) return incompatible(imp, "sharedness differs");
      if (environ::page_size_of(have) != environ::page_size_of(want)) return incompatible(imp, "page sizes differ");
      if (!limits_match(mem.size(), have.limits.max, want.limits)) return incompatible(imp, "limits do not match");
      return {};
    }
    case ExternKind::kGlobal: {
      const Global& g = std::get<Global>(actual);
      const wasm::GlobalType& want = m.global_types[index];
      const wasm::GlobalType& have = g.type();
      if (have.mut != want.mut) return incompatible(imp, "mutability differs");
      bool ok = want.mut ? same_val_type(have.type, want.type) : val_type_subtype(have.type, want.type);
      if (!ok) return incompatible(imp, "value types differ");
      return {};
    }
    case ExternKind::kTag: {
      const Tag& t = std::get<Tag>(actual);
      uint32_t want = module.type_ids()[m.tag_types[index].type_index];
      if (t.type_id() != want) return incompatible(imp, "tag types differ");
      return {};
    }
  }
  return incompatible(imp, "unknown kind");
}

// Evaluates a constant expression against a partly initialised instance (globals before
// `num_ready_globals` are readable).
Expected<Val> eval_const(const wasm::Module& m, vm::Instance& inst, const Engine& engine,
                         wasm::ConstExpr expr, wasm::ValType type) {
  wasm::InstrReader reader(m.at(expr), m.at(expr) + expr.size, expr.offset, engine.config().features);
  std::vector<Val> stack;
  auto binary = [&](auto op32, auto op64) -> Expected<void> {
    if (stack.size() < 2) return Error(ErrorKind::kInstantiate, "constant expression: stack underflow");
    Val b = stack.back();
    stack.pop_back();
    Val a = stack.back();
    stack.pop_back();
    if (a.type().kind == wasm::ValKind::kI32) {
      stack.push_back(Val::i32(static_cast<int32_t>(op32(static_cast<uint32_t>(a.i32()), static_cast<uint32_t>(b.i32())))));
    } else {
      stack.push_back(Val::i64(static_cast<int64_t>(op64(static_cast<uint64_t>(a.i64()), static_cast<uint64_t>(b.i64())))));
    }
    return {};
  };
  auto add = [](auto x, auto y) { return x + y; };
  auto sub = [](auto x, auto y) { return x - y; };
  auto mul = [](auto x, auto y) { return x * y; };
  while (!reader.at_end()) {
    Opcode op;
    wasm::Imm imm;
    KILN_TRY(reader.next(&op, &imm));
    switch (op) {
      case Opcode::kI32Const:
        stack.push_back(Val::i32(static_cast<int32_t>(imm.value)));
        break;
      case Opcode::kI64Const:
        stack.push_back(Val::i64(static_cast<int64_t>(imm.value)));
        break;
      case Opcode::kF32Const:
        stack.push_back(Val::f32_bits(static_cast<uint32_t>(imm.value)));
        break;
      case Opcode::kF64Const:
        stack.push_back(Val::f64_bits(imm.value));
        break;
      case Opcode::kV128Const: {
        std::array<uint8_t, 16> b;
        std::memcpy(b.data(), imm.bytes, 16);
        stack.push_back(Val::v128(b));
        break;
      }
      case Opcode::kGlobalGet: {
        vm::VMGlobalDefinition* g = inst.global(environ::GlobalIndex(imm.index));
        if (g == nullptr || imm.index >= m.global_types.size()) {
          return Error(ErrorKind::kInstantiate, "constant expression: unknown global");
        }
        stack.push_back(Val::load(m.global_types[imm.index].type, g->storage));
        break;
      }
      case Opcode::kRefNull:
        stack.push_back(Val::ref(wasm::ValType::ref(imm.heap, true), nullptr));
        break;
      case Opcode::kRefFunc: {
        vm::VMFuncRef* f = inst.func_ref(FuncIndex(imm.index));
        if (f == nullptr) return Error(ErrorKind::kInstantiate, "constant expression: unknown function");
        stack.push_back(Val::ref(wasm::ValType::ref(wasm::HeapType::index(m.func_types[imm.index]), false), f));
        break;
      }
      case Opcode::kI32Add:
      case Opcode::kI64Add:
        KILN_TRY(binary(add, add));
        break;
      case Opcode::kI32Sub:
      case Opcode::kI64Sub:
        KILN_TRY(binary(sub, sub));
        break;
      case Opcode::kI32Mul:
      case Opcode::kI64Mul:
        KILN_TRY(binary(mul, mul));
        break;
      case Opcode::kEnd:
        if (stack.size() != 1) return Error(ErrorKind::kInstantiate, "constant expression: bad stack");
        {
          Val v = stack.back();
          // Keep the declared type (e.g. a funcref global initialised by ref.func).
          if (type.is_ref()) return Val::ref(type, v.ref_ptr());
          return v;
        }
      default:
        return Error(ErrorKind::kOther, std::string("the compiler does not support the constant instruction ") +
                                            wasm::name(op) + " (its proposal is not implemented)");
    }
  }
  return Error(ErrorKind::kInstantiate, "constant expression: missing end");
}

uint64_t offset_value(const Val& v) {
  return v.type().kind == wasm::ValKind::kI64 ? static_cast<uint64_t>(v.i64()) : static_cast<uint32_t>(v.i32());
}

// Instantiation trapped with only the data segments before `applied` due. Memories that got
// their contents from a copy-on-write image show every segment of the image, so their images
// are replaced by zero pages and the image's segments before `applied` copied, leaving exactly
// what applying the segments one by one would have (the spec keeps the writes made before a
// trap, and the memory may be reachable through functions already in imported tables).
Expected<void> unwind_images(const wasm::Module& m, vm::Instance& vmi, const vm::ModuleMemoryImages* images,
                             size_t applied) {
  if (images == nullptr) return {};
  for (uint32_t i = 0; i < images->images.size(); ++i) {
    vm::LinearMemory* mem = vmi.memory(environ::MemoryIndex(m.num_imported_memories + i));
    if (mem == nullptr || !mem->has_image()) continue;
    KILN_TRY(mem->discard_image());
  }
  for (size_t d = 0; d < applied && d < m.datas.size(); ++d) {
    if (!images->in_image[d]) continue;
    const wasm::DataSegment& seg = m.datas[d];
    // In bounds by construction (ModuleMemoryImages::build); the segment bytes are the
    // module's, not the (already dropped) segment's, so copy them directly.
    vm::LinearMemory* mem = vmi.memory(environ::MemoryIndex(seg.memory));
    if (mem == nullptr || images->offsets[d] + seg.init.size > mem->byte_size()) {
      return Error(ErrorKind::kInstantiate, "memory image: segment out of bounds");
    }
    if (seg.init.size != 0) std::memcpy(mem->base() + images->offsets[d], m.at(seg.init), seg.init.size);
    vmi.drop_data(environ::DataIndex(static_cast<uint32_t>(d)));
  }
  return {};
}

Error trap_error(TrapCode code, Trap* trap) {
  if (trap != nullptr) {
    *trap = Trap{};
    trap->code = code;
    trap->message = environ::trap_message(code);
  }
  return Error(ErrorKind::kInstantiate, environ::trap_message(code));
}

}  // namespace

Expected<Instance> Instance::create(Store& store, const Module& module, std::span<const Extern> imports,
                                    Trap* trap) {
  StoreData& sd = store.data();
  if (!module.engine().same(sd.engine)) {
    return Error(ErrorKind::kInstantiate, "module and store belong to different engines");
  }
  const wasm::Module& m = module.wasm();
  if (imports.size() != m.imports.size()) {
    return Error(ErrorKind::kLink, "expected " + std::to_string(m.imports.size()) + " imports, got " +
                                       std::to_string(imports.size()));
  }

  vm::InstanceImports vi;
  std::vector<TagData*> tags;
  uint32_t counts[5] = {0, 0, 0, 0, 0};
  for (size_t i = 0; i < imports.size(); ++i) {
    const wasm::Import& imp = m.imports[i];
    uint32_t index = counts[static_cast<uint32_t>(imp.kind)]++;
    // Compiled code reaches an import's store context (stack limit, fuel) through the
    // provider's vmctx: everything an instance links to must live in its own store.
    StoreData* owner = std::visit([](const auto& x) { return x.store_data(); }, imports[i]);
    if (owner != &sd) {
      return Error(ErrorKind::kLink, "import `" + imp.module + "::" + imp.name + "` belongs to a different store");
    }
    KILN_TRY(check_import(module, imp, index, imports[i]));
    switch (imp.kind) {
      case ExternKind::kFunc:
        vi.functions.push_back(std::get<Func>(imports[i]).ref());
        break;
      case ExternKind::kTable:
        vi.tables.push_back(std::get<Table>(imports[i]).vm_table());
        break;
      case ExternKind::kMemory:
        vi.memories.push_back(std::get<Memory>(imports[i]).vm_memory());
        break;
      case ExternKind::kGlobal:
        vi.globals.push_back(std::get<Global>(imports[i]).definition());
        break;
      case ExternKind::kTag:
        tags.push_back(std::get<Tag>(imports[i]).data());
        break;
    }
  }

  vm::InstanceConfig cfg;
  cfg.module = &m;
  cfg.offsets = &module.offsets();
  cfg.type_ids = module.type_ids().data();
  cfg.function_code = module.function_code();
  cfg.store = &sd.context;
  cfg.epoch_counter = sd.engine.epoch_counter();
  cfg.tunables = sd.engine.config().tunables;
  KILN_ASSIGN_OR_RETURN(cfg.allocator, sd.engine.instance_allocator());
  const vm::ModuleMemoryImages* images = module.memory_images();
  cfg.images = images;
  cfg.hooks = &sd;  // fuel, epochs and the resource limiter
  KILN_TRY(sd.limit_instantiation(m));
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<vm::Instance> vinst, vm::Instance::create(cfg, vi));

  // From here on the instance belongs to the store even if initialisation traps: its
  // functions may already sit in imported tables (the spec keeps those writes).
  InstanceData& data = sd.instances.emplace_back();
  data.module = module;
  data.vm = std::move(vinst);
  sd.by_vm_instance[data.vm.get()] = &data;
  vm::Instance& vmi = *data.vm;
  for (uint32_t t = m.num_imported_tags; t < m.tag_types.size(); ++t) {
    TagData& td = sd.tags.emplace_back();
    td.type_id = module.type_ids()[m.tag_types[t].type_index];
    tags.push_back(&td);
  }
  data.tags = std::move(tags);
  Instance result(&sd, &data);

  // Globals, in order (each may read the imported and earlier globals).
  for (size_t i = 0; i < m.globals.size(); ++i) {
    environ::GlobalIndex gi(m.num_imported_globals + static_cast<uint32_t>(i));
    KILN_ASSIGN_OR_RETURN(Val v, eval_const(m, vmi, sd.engine, m.globals[i].init, m.globals[i].type.type));
    v.store(vmi.global(gi)->storage);
  }
  // Tables with an explicit initialiser.
  for (size_t i = 0; i < m.tables.size(); ++i) {
    if (!m.tables[i].init) continue;
    environ::TableIndex ti(m.num_imported_tables + static_cast<uint32_t>(i));
    KILN_ASSIGN_OR_RETURN(Val v, eval_const(m, vmi, sd.engine, *m.tables[i].init, m.tables[i].type.elem));
    vmi.init_table(ti, v.ref_ptr());
  }
  // Element segments: evaluate every segment's items, then apply the active ones in order.
  // Active and declarative segments of plain function indices are not materialised: the
  // former go straight to their table below, the latter are only dropped. A defined table of
  // function references is initialised lazily: its active segments are bounds-checked here
  // (in order, so a trap leaves exactly the earlier ones applied) but only recorded; each
  // entry is written when first read (vm::Table).
  for (size_t e = 0; e < m.elems.size(); ++e) {
    const wasm::ElemSegment& seg = m.elems[e];
    if (!seg.uses_exprs && seg.mode != wasm::SegmentMode::kPassive) continue;
    std::vector<void*> items;
    items.reserve(seg.count());
    if (seg.uses_exprs) {
      for (const wasm::ConstExpr& x : seg.exprs) {
        KILN_ASSIGN_OR_RETURN(Val v, eval_const(m, vmi, sd.engine, x, seg.type));
        items.push_back(v.ref_ptr());
      }
    } else {
      for (uint32_t f : seg.func_indices) {
        vm::VMFuncRef* r = vmi.func_ref(FuncIndex(f));
        if (r == nullptr) return Error(ErrorKind::kInstantiate, "element segment: unknown function");
        items.push_back(r);
      }
    }
    vmi.set_elem_segment(environ::ElemIndex(static_cast<uint32_t>(e)), std::move(items));
  }
  for (size_t e = 0; e < m.elems.size(); ++e) {
    const wasm::ElemSegment& seg = m.elems[e];
    environ::ElemIndex ei(static_cast<uint32_t>(e));
    if (seg.mode == wasm::SegmentMode::kActive) {
      KILN_ASSIGN_OR_RETURN(Val off, eval_const(m, vmi, sd.engine, seg.offset, wasm::ValType::i32()));
      if (auto code = vmi.init_active_elem(ei, offset_value(off))) {
        KILN_TRY(unwind_images(m, vmi, images, 0));
        return trap_error(*code, trap);
      }
      vmi.drop_elem(ei);
    } else if (seg.mode == wasm::SegmentMode::kDeclarative) {
      vmi.drop_elem(ei);
    }
  }
  // Active data segments, in order. Those a memory image holds are only dropped.
  auto apply_data = [&](uint32_t d) -> Expected<void> {
    const wasm::DataSegment& seg = m.datas[d];
    environ::DataIndex di(d);
    KILN_ASSIGN_OR_RETURN(Val off, eval_const(m, vmi, sd.engine, seg.offset, wasm::ValType::i32()));
    if (auto code = vmi.memory_init(environ::MemoryIndex(seg.memory), di, offset_value(off), 0, seg.init.size)) {
      KILN_TRY(unwind_images(m, vmi, images, d));
      return trap_error(*code, trap);
    }
    vmi.drop_data(di);
    return {};
  };
  if (images != nullptr) {
    for (uint32_t d : images->eager_active) KILN_TRY(apply_data(d));
    vmi.drop_data_where(images->in_image);  // after: a trap above leaves later ones undropped
  } else {
    for (uint32_t d = 0; d < m.datas.size(); ++d) {
      if (m.datas[d].mode == wasm::SegmentMode::kActive) KILN_TRY(apply_data(d));
    }
  }
  if (m.start) {
    Func start(&sd, vmi.func_ref(FuncIndex(*m.start)));
    Trap t;
    Expected<void> r = start.call({}, {}, &t);
    if (!r) {
      if (trap != nullptr) *trap = t;
      return Error(ErrorKind::kInstantiate, r.error().message());
    }
  }
  return result;
}

const Module& Instance::module() const { return data_->module; }

Extern StoreData::export_of(InstanceData& inst, const wasm::Export& e) {
  vm::Instance& v = *inst.vm;
  const wasm::Module& m = inst.module.wasm();
  switch (e.kind) {
    case ExternKind::kFunc:
      return Func(this, v.func_ref(FuncIndex(e.index)));
    case ExternKind::kTable:
      return Table(this, v.table(environ::TableIndex(e.index)));
    case ExternKind::kMemory:
      return Memory(this, v.memory(environ::MemoryIndex(e.index)));
    case ExternKind::kGlobal:
      return Global(this, v.global(environ::GlobalIndex(e.index)), m.global_types[e.index]);
    case ExternKind::kTag:
      return Tag(this, inst.tags[e.index]);
  }
  return Func();
}

std::optional<Extern> Instance::get_export(std::string_view name) const {
  for (const wasm::Export& e : data_->module.wasm().exports) {
    if (e.name == name) return store_->export_of(*data_, e);
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, Extern>> Instance::exports() const {
  std::vector<std::pair<std::string, Extern>> out;
  for (const wasm::Export& e : data_->module.wasm().exports) out.emplace_back(e.name, store_->export_of(*data_, e));
  return out;
}

namespace {
template <typename T>
std::optional<T> get_as(const std::optional<Extern>& e) {
  if (!e || !std::holds_alternative<T>(*e)) return std::nullopt;
  return std::get<T>(*e);
}
}  // namespace

std::optional<Func> Instance::get_func(std::string_view name) const { return get_as<Func>(get_export(name)); }
std::optional<Global> Instance::get_global(std::string_view name) const { return get_as<Global>(get_export(name)); }
std::optional<Table> Instance::get_table(std::string_view name) const { return get_as<Table>(get_export(name)); }
std::optional<Memory> Instance::get_memory(std::string_view name) const { return get_as<Memory>(get_export(name)); }

}  // namespace kiln::runtime
