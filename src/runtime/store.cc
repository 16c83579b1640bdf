// runtime/store.cc: the store, host functions, calls into Wasm, and the Func / Global / Table /
// Memory / Tag handles.
#include <cinttypes>
#include <cstdio>
#include <sstream>

#include "runtime/store_data.h"
#include "runtime/vm/traphandlers.h"

namespace kiln::runtime {

using wasm::HeapKind;
using wasm::ValKind;

// ---- Val -----------------------------------------------------------------------------------

std::string Val::to_string() const {
  char buf[96];
  switch (type_.kind) {
    case ValKind::kI32:
      std::snprintf(buf, sizeof buf, "i32:%" PRId32, i32());
      return buf;
    case ValKind::kI64:
      std::snprintf(buf, sizeof buf, "i64:%" PRId64, i64());
      return buf;
    case ValKind::kF32:
      std::snprintf(buf, sizeof buf, "f32:%a (0x%08" PRIx32 ")", static_cast<double>(f32()), f32_bits());
      return buf;
    case ValKind::kF64:
      std::snprintf(buf, sizeof buf, "f64:%a (0x%016" PRIx64 ")", f64(), f64_bits());
      return buf;
    case ValKind::kV128: {
      std::string s = "v128:0x";
      for (int i = 15; i >= 0; --i) {
        std::snprintf(buf, sizeof buf, "%02x", bytes_[i]);
        s += buf;
      }
      return s;
    }
    default:
      if (is_null_ref()) return wasm::to_string(type_) + ":null";
      std::snprintf(buf, sizeof buf, ":%p", ref_ptr());
      return wasm::to_string(type_) + buf;
  }
}

// ---- Type matching -------------------------------------------------------------------------

namespace {

// The hierarchy each abstract heap kind belongs to, and its bottom.
HeapKind top_of(wasm::HeapType h) {
  if (h.is_index()) return HeapKind::kAny;  // refined by the caller for func types
  switch (h.kind()) {
    case HeapKind::kFunc:
    case HeapKind::kNoFunc:
      return HeapKind::kFunc;
    case HeapKind::kExtern:
    case HeapKind::kNoExtern:
      return HeapKind::kExtern;
    case HeapKind::kExn:
    case HeapKind::kNoExn:
      return HeapKind::kExn;
    case HeapKind::kCont:
    case HeapKind::kNoCont:
      return HeapKind::kCont;
    default:
      return HeapKind::kAny;
  }
}

bool is_bottom(wasm::HeapType h) {
  if (h.is_index()) return false;
  switch (h.kind()) {
    case HeapKind::kNone:
    case HeapKind::kNoFunc:
    case HeapKind::kNoExtern:
    case HeapKind::kNoExn:
    case HeapKind::kNoCont:
      return true;
    default:
      return false;
  }
}

bool heap_subtype(wasm::HeapType a, wasm::HeapType b) {
  if (a == b) return true;
  if (a.is_index() && b.is_index()) return true;  // concrete types: see val_type_subtype
  if (b.is_index()) return is_bottom(a);
  if (a.is_index()) {
    // A concrete type is below func (function types) or eq/any (struct and array types);
    // without the defining module at hand, accept the abstract tops of both hierarchies.
    HeapKind k = b.kind();
    return k == HeapKind::kFunc || k == HeapKind::kAny || k == HeapKind::kEq ||
           k == HeapKind::kStruct || k == HeapKind::kArray;
  }
  if (top_of(a) != top_of(b)) return false;
  if (is_bottom(a)) return true;
  HeapKind ka = a.kind(), kb = b.kind();
  if (kb == HeapKind::kAny) return true;  // everything of the any hierarchy
  if (kb == HeapKind::kEq) return ka == HeapKind::kI31 || ka == HeapKind::kStruct || ka == HeapKind::kArray;
  return false;
}

}  // namespace

bool val_type_subtype(const wasm::ValType& a, const wasm::ValType& b) {
  if (a.kind != b.kind) return false;
  if (!a.is_ref()) return true;
  if (a.nullable && !b.nullable) return false;
  return heap_subtype(a.heap, b.heap);
}

bool val_matches(const Val& v, const wasm::ValType& expected) {
  if (!expected.is_ref()) return v.type().kind == expected.kind;
  if (!v.type().is_ref()) return false;
  if (v.is_null_ref()) return expected.nullable && top_of(v.type().heap) == top_of(expected.heap);
  wasm::ValType actual = v.type();
  actual.nullable = false;
  return val_type_subtype(actual, expected);
}

// ---- Store ---------------------------------------------------------------------------------

Store::Store(const Engine& engine) : data_(std::make_unique<StoreData>(engine)) {
  data_->owner = this;
  const environ::Tunables& tun = engine.config().tunables;
  data_->max_wasm_stack = tun.max_wasm_stack;
  // With fuel metering a new store has none (Wasmtime's rule: the host grants fuel
  // explicitly); without it compiled code never reads the counter.
  data_->context.fuel_consumed = tun.consume_fuel ? 0 : INT64_MIN;
  // Likewise the deadline is the current epoch until the host sets one.
  data_->context.epoch_deadline = tun.epoch_interruption ? engine.current_epoch() : UINT64_MAX;
}

Store::~Store() = default;

const Engine& Store::engine() const { return data_->engine; }

const void* Store::externref(uint64_t host_value) {
  data_->externrefs.push_back(host_value);
  return &data_->externrefs.back();
}

uint64_t Store::externref_value(const void* ref) { return *static_cast<const uint64_t*>(ref); }

void Store::set_max_wasm_stack(uint64_t bytes) { data_->max_wasm_stack = bytes; }

// ---- Fuel, epochs, limits -----------------------------------------------------------------

namespace {

Error fuel_not_configured() {
  return Error(ErrorKind::kOther, "fuel is not configured in this store (Config::consume_fuel)");
}

uint64_t saturating_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

uint64_t saturating_mul(uint64_t a, uint64_t b) {
  return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

}  // namespace

Expected<void> Store::set_fuel(uint64_t fuel) {
  if (!data_->engine.config().tunables.consume_fuel) return fuel_not_configured();
  // Compiled code counts an i64 up to 0; what does not fit waits in the reserve.
  uint64_t active = std::min<uint64_t>(fuel, INT64_MAX);
  data_->context.fuel_consumed = -static_cast<int64_t>(active);
  data_->fuel_reserve = fuel - active;
  return {};
}

Expected<uint64_t> Store::get_fuel() const {
  if (!data_->engine.config().tunables.consume_fuel) return fuel_not_configured();
  // fuel_consumed > 0 is an overshoot past the budget: it comes out of the reserve.
  __int128 left = static_cast<__int128>(data_->fuel_reserve) - data_->context.fuel_consumed;
  if (left <= 0) return uint64_t{0};
  return left > static_cast<__int128>(UINT64_MAX) ? UINT64_MAX : static_cast<uint64_t>(left);
}

void Store::set_epoch_deadline(uint64_t ticks) {
  data_->set_epoch_deadline(saturating_add(data_->engine.current_epoch(), ticks));
}

void Store::epoch_deadline_trap() { data_->epoch_callback = nullptr; }

void Store::epoch_deadline_callback(EpochDeadlineCallback callback) {
  data_->epoch_callback = std::move(callback);
}

void Store::limiter(std::shared_ptr<ResourceLimiter> limiter) { data_->limiter = std::move(limiter); }

Expected<bool> StoreLimits::memory_growing(uint64_t, uint64_t desired, std::optional<uint64_t>) {
  if (memory_size && desired > *memory_size) {
    if (trap_on_grow_failure) {
      return Error(ErrorKind::kOther, "forcing trap when growing memory to " + std::to_string(desired) + " bytes");
    }
    return false;
  }
  return true;
}

Expected<bool> StoreLimits::table_growing(uint64_t, uint64_t desired, std::optional<uint64_t>) {
  if (table_elements && desired > *table_elements) {
    if (trap_on_grow_failure) {
      return Error(ErrorKind::kOther,
                   "forcing trap when growing table to " + std::to_string(desired) + " elements");
    }
    return false;
  }
  return true;
}

bool StoreData::refuel(vm::VMStoreContext* store) {
  // Move fuel from the reserve into the counter until it is negative again (the overshoot
  // past zero is paid from the reserve).
  while (store->fuel_consumed >= 0 && fuel_reserve > 0) {
    uint64_t take = std::min<uint64_t>(fuel_reserve, INT64_MAX);
    store->fuel_consumed -= static_cast<int64_t>(take);  // no overflow: fuel_consumed >= 0
    fuel_reserve -= take;
  }
  return store->fuel_consumed < 0;
}

std::optional<uint64_t> StoreData::new_epoch(vm::VMStoreContext* store) {
  if (!epoch_callback) return std::nullopt;
  std::optional<uint64_t> ticks = epoch_callback(*owner);
  if (!ticks) return std::nullopt;
  (void)store;  // this store's context
  set_epoch_deadline(saturating_add(engine.current_epoch(), *ticks));
  return context.epoch_deadline;
}

void StoreData::set_epoch_deadline(uint64_t deadline) {
  context.epoch_deadline = deadline;
  for (InstanceData& inst : instances) {
    if (inst.vm) inst.vm->set_epoch_deadline(deadline);
  }
}

std::optional<Error> StoreData::take_limit_error() {
  std::optional<Error> e = std::move(limit_error);
  limit_error.reset();
  return e;
}

namespace {

std::optional<uint64_t> memory_max_bytes(const wasm::MemoryType& t) {
  if (!t.limits.max) return std::nullopt;
  return saturating_mul(*t.limits.max, environ::page_size_of(t));
}

}  // namespace

vm::GrowDecision StoreData::memory_growing(const vm::LinearMemory& memory, uint64_t delta_pages) {
  if (!limiter) return vm::GrowDecision::kAllow;
  uint64_t current = memory.byte_size();
  uint64_t desired = saturating_add(current, saturating_mul(delta_pages, memory.page_size()));
  Expected<bool> ok = limiter->memory_growing(current, desired, memory_max_bytes(memory.type()));
  if (!ok) {
    limit_error = std::move(ok).error();
    return vm::GrowDecision::kTrap;
  }
  return *ok ? vm::GrowDecision::kAllow : vm::GrowDecision::kDeny;
}

vm::GrowDecision StoreData::table_growing(const vm::Table& table, uint64_t delta) {
  if (!limiter) return vm::GrowDecision::kAllow;
  uint64_t current = table.size();
  Expected<bool> ok = limiter->table_growing(current, saturating_add(current, delta), table.type().limits.max);
  if (!ok) {
    limit_error = std::move(ok).error();
    return vm::GrowDecision::kTrap;
  }
  return *ok ? vm::GrowDecision::kAllow : vm::GrowDecision::kDeny;
}

Expected<void> StoreData::limit_new_memory(const wasm::MemoryType& type) {
  if (limiter) {
    if (num_memories + 1 > limiter->memories()) {
      return Error(ErrorKind::kInstantiate,
                   "resource limit exceeded: memory count too high at " + std::to_string(num_memories + 1));
    }
    uint64_t initial = saturating_mul(type.limits.min, environ::page_size_of(type));
    KILN_ASSIGN_OR_RETURN(bool ok, limiter->memory_growing(0, initial, memory_max_bytes(type)));
    if (!ok) {
      return Error(ErrorKind::kInstantiate, "memory minimum size of " + std::to_string(type.limits.min) +
                                                " pages exceeds memory limits");
    }
  }
  ++num_memories;
  return {};
}

Expected<void> StoreData::limit_new_table(const wasm::TableType& type) {
  if (limiter) {
    if (num_tables + 1 > limiter->tables()) {
      return Error(ErrorKind::kInstantiate,
                   "resource limit exceeded: table count too high at " + std::to_string(num_tables + 1));
    }
    KILN_ASSIGN_OR_RETURN(bool ok, limiter->table_growing(0, type.limits.min, type.limits.max));
    if (!ok) {
      return Error(ErrorKind::kInstantiate, "table minimum size of " + std::to_string(type.limits.min) +
                                                " elements exceeds table limits");
    }
  }
  ++num_tables;
  return {};
}

Expected<void> StoreData::limit_instantiation(const wasm::Module& m) {
  if (limiter) {
    if (num_instances + 1 > limiter->instances()) {
      return Error(ErrorKind::kInstantiate,
                   "resource limit exceeded: instance count too high at " + std::to_string(num_instances + 1));
    }
    uint64_t memories = m.memory_types.size() - m.num_imported_memories;
    uint64_t tables = m.table_types.size() - m.num_imported_tables;
    if (num_memories + memories > limiter->memories()) {
      return Error(ErrorKind::kInstantiate, "resource limit exceeded: memory count too high at " +
                                                std::to_string(num_memories + memories));
    }
    if (num_tables + tables > limiter->tables()) {
      return Error(ErrorKind::kInstantiate, "resource limit exceeded: table count too high at " +
                                                std::to_string(num_tables + tables));
    }
  }
  // Each defined memory and table is checked (and counted) as if the host created it.
  for (size_t i = m.num_imported_memories; i < m.memory_types.size(); ++i) {
    KILN_TRY(limit_new_memory(m.memory_types[i]));
  }
  for (size_t i = m.num_imported_tables; i < m.table_types.size(); ++i) {
    KILN_TRY(limit_new_table(m.table_types[i]));
  }
  ++num_instances;
  return {};
}

Store& Caller::store() const { return *store_->owner; }

std::optional<Extern> Caller::get_export(std::string_view name) const {
  if (vmctx_ == nullptr) return std::nullopt;
  auto it = store_->by_vm_instance.find(vm::Instance::from_vmctx(vmctx_));
  if (it == store_->by_vm_instance.end()) return std::nullopt;
  return Instance(store_, it->second).get_export(name);
}

// ---- Calls ---------------------------------------------------------------------------------

Trap StoreData::make_trap(const vm::Trap& t) const {
  Trap out;
  if (!t.host_error) out.code = t.code;
  out.message = t.message();
  out.backtrace_truncated = t.backtrace_truncated;
  for (const vm::BacktraceFrame& f : t.backtrace) {
    FrameInfo info;
    info.func_index = f.func.index();
    info.func_offset = f.func_offset;
    info.inlined = f.inlined;
    // The owner of compiled code is its Module::Inner; the module is alive (an instance of
    // this store holds it) for as long as its frames can be on the stack.
    for (const InstanceData& inst : instances) {
      if (inst.module.inner() == f.owner) {
        info.func_name = inst.module.func_name(info.func_index);
        info.module_name = inst.module.wasm().names.module;
        break;
      }
    }
    out.backtrace.push_back(std::move(info));
  }
  return out;
}

Expected<void> StoreData::call_raw(const vm::VMFuncRef* ref, uint64_t* values, size_t num_slots,
                                   Trap* trap) {
  std::optional<vm::Trap> t;
  if (ref->array_call != nullptr) {
    // A host function: call its shim directly (no caller instance).
    auto* ctx = static_cast<vm::VMHostFuncContext*>(ref->vmctx);
    vm::VMArrayCallFunction fn = ref->array_call;
    t = vm::catch_traps(&context, max_wasm_stack, [&] { fn(ctx, nullptr, values, num_slots); });
  } else {
    KILN_ASSIGN_OR_RETURN(vm::VMArrayToWasmTrampoline tramp, engine.array_to_wasm_trampoline(ref->type_id));
    auto* vmctx = static_cast<vm::VMContext*>(ref->vmctx);
    const void* code = ref->wasm_call;
    t = vm::catch_traps(&context, max_wasm_stack, [&] { tramp(vmctx, vmctx, values, code); });
  }
  if (!t) return {};
  Trap info = make_trap(*t);
  Error e(ErrorKind::kOther, info.message);
  if (trap != nullptr) *trap = std::move(info);
  return e;
}

std::string Trap::to_string() const {
  std::ostringstream s;
  s << message;
  if (!backtrace.empty()) {
    s << "\nwasm backtrace:";
    // Deep recursion repeats one frame hundreds of times: print a run of identical frames once.
    std::string prev;
    size_t repeats = 0;
    auto flush = [&] {
      if (repeats > 0) s << "\n  ... previous frame repeated " << repeats << " more time(s)";
      repeats = 0;
    };
    for (size_t i = 0; i < backtrace.size(); ++i) {
      const FrameInfo& f = backtrace[i];
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%x", f.func_offset);
      std::string line = (f.module_name ? *f.module_name + "!" : "") +
                         (f.func_name ? *f.func_name : "<wasm function " + std::to_string(f.func_index) + ">") +
                         (f.inlined ? std::string(" (inlined)") : " (+" + std::string(buf) + ")");
      if (line == prev) {
        ++repeats;
        continue;
      }
      flush();
      s << "\n  " << i << ": " << line;
      prev = std::move(line);
    }
    flush();
    if (backtrace_truncated) s << "\n  ...";
  }
  return s.str();
}

// ---- Host functions ------------------------------------------------------------------------

namespace {

// Runs the host callback; every C++ object of the call is gone when it returns, so the shim
// may then longjmp (raise_host_error) over its own frame.
std::optional<Error> run_host(HostFunc* hf, vm::VMContext* caller_vmctx, uint64_t* values, size_t len) {
  const size_t np = hf->type.params.size(), nr = hf->type.results.size();
  if (len < np || len < nr) return Error(ErrorKind::kOther, "host call: value array too small");
  std::vector<Val> params;
  params.reserve(np);
  for (size_t i = 0; i < np; ++i) params.push_back(Val::load(hf->type.params[i], values + 2 * i));
  std::vector<Val> results;
  results.reserve(nr);
  for (const wasm::ValType& t : hf->type.results) results.push_back(Val::zero(t));
  Caller caller(hf->store, caller_vmctx);
  Expected<void> r = hf->callback(caller, params, results);
  if (!r) return std::move(r).error();
  for (size_t i = 0; i < nr; ++i) {
    if (!val_matches(results[i], hf->type.results[i])) {
      return Error(ErrorKind::kOther, "host function returned a value of the wrong type");
    }
    results[i].store(values + 2 * i);
  }
  return std::nullopt;
}

void host_shim(vm::VMHostFuncContext* callee, vm::VMContext* caller, uint64_t* values, size_t len) {
  auto* hf = static_cast<HostFunc*>(callee->host_state);
  // Called from Wasm (through the wasm-to-array trampoline) when `caller` is set: the saved
  // frame pointer of this frame is the trampoline's (vm::enter_host_call).
  const uintptr_t trampoline_fp =
      caller != nullptr ? *static_cast<const uintptr_t*>(__builtin_frame_address(0)) : 0;
  const vm::WasmExit outer = vm::enter_host_call(&hf->store->context, trampoline_fp);
  std::optional<Error> err = run_host(hf, caller, values, len);
  if (err) vm::raise_host_error(std::move(*err), &hf->store->context);
  vm::leave_host_call(&hf->store->context, outer);
}

}  // namespace

Func Func::create(Store& store, const wasm::FuncType& type, HostCallback callback) {
  StoreData& sd = store.data();
  uint32_t id = sd.engine.register_func_type(type);
  HostFunc& hf = sd.host_funcs.emplace_back();
  hf.store = &sd;
  hf.type = type;
  hf.callback = std::move(callback);
  hf.host_ctx.magic = environ::kVMHostFuncMagic;
  hf.host_ctx.array_call = host_shim;
  hf.host_ctx.host_state = &hf;
  hf.ref.array_call = host_shim;
  // Compiled code calls host functions through the wasm-to-array trampoline of the type. If
  // the compiler cannot build it (a type it does not support), wasm code cannot call this
  // function, but the host still can (array_call); calls from wasm are refused at link time.
  Expected<const void*> tramp = sd.engine.wasm_to_array_trampoline(id);
  hf.ref.wasm_call = tramp ? *tramp : nullptr;
  hf.ref.type_id = id;
  hf.ref.vmctx = &hf.host_ctx;
  return Func(&sd, &hf.ref);
}

wasm::FuncType Func::type() const {
  std::optional<wasm::FuncType> t = store_->engine.func_type(ref_->type_id);
  return t ? *t : wasm::FuncType{};
}

Expected<void> Func::call(std::span<const Val> params, std::span<Val> results, Trap* trap) const {
  if (ref_ == nullptr || store_ == nullptr) return Error(ErrorKind::kOther, "null function reference");
  std::optional<wasm::FuncType> type = store_->engine.func_type(ref_->type_id);
  if (!type) return Error(ErrorKind::kOther, "function of unknown type");
  if (params.size() != type->params.size()) {
    return Error(ErrorKind::kOther, "wrong number of arguments: expected " +
                                        std::to_string(type->params.size()) + ", got " +
                                        std::to_string(params.size()));
  }
  if (results.size() != type->results.size()) {
    return Error(ErrorKind::kOther, "wrong number of results: expected " +
                                        std::to_string(type->results.size()));
  }
  for (size_t i = 0; i < params.size(); ++i) {
    if (!val_matches(params[i], type->params[i])) {
      return Error(ErrorKind::kOther, "argument " + std::to_string(i) + " has type " +
                                          wasm::to_string(params[i].type()) + ", expected " +
                                          wasm::to_string(type->params[i]));
    }
  }
  std::vector<uint64_t> values(2 * std::max<size_t>({params.size(), results.size(), 1}), 0);
  for (size_t i = 0; i < params.size(); ++i) params[i].store(values.data() + 2 * i);
  KILN_TRY(store_->call_raw(ref_, values.data(), values.size() / 2, trap));
  for (size_t i = 0; i < results.size(); ++i) results[i] = Val::load(type->results[i], values.data() + 2 * i);
  return {};
}

Expected<std::vector<Val>> Func::call(std::span<const Val> params, Trap* trap) const {
  if (ref_ == nullptr || store_ == nullptr) return Error(ErrorKind::kOther, "null function reference");
  std::vector<Val> results(type().results.size());
  KILN_TRY(call(params, results, trap));
  return results;
}

// ---- Global, Table, Memory, Tag --------------------------------------------------------------

Expected<Global> Global::create(Store& store, wasm::GlobalType type, const Val& init) {
  if (!val_matches(init, type.type)) return Error(ErrorKind::kOther, "global initial value has the wrong type");
  StoreData& sd = store.data();
  vm::VMGlobalDefinition& def = sd.globals.emplace_back();
  init.store(def.storage);
  return Global(&sd, &def, type);
}

Val Global::get() const { return Val::load(type_.type, def_->storage); }

Expected<void> Global::set(const Val& v) const {
  if (!type_.mut) return Error(ErrorKind::kOther, "global is immutable");
  if (!val_matches(v, type_.type)) return Error(ErrorKind::kOther, "global value has the wrong type");
  v.store(def_->storage);
  return {};
}

Expected<Table> Table::create(Store& store, const wasm::TableType& type, const Val& init) {
  if (!val_matches(init, type.elem)) return Error(ErrorKind::kOther, "table initial value has the wrong type");
  StoreData& sd = store.data();
  KILN_TRY(sd.limit_new_table(type));
  KILN_ASSIGN_OR_RETURN(auto t, vm::Table::create(type, init.ref_ptr()));
  sd.tables.push_back(std::move(t));
  return Table(&sd, sd.tables.back().get());
}

const wasm::TableType& Table::type() const { return table_->type(); }
uint64_t Table::size() const { return table_->size(); }

std::optional<Val> Table::get(uint64_t index) const {
  std::optional<void*> p = table_->get(index);
  if (!p) return std::nullopt;
  return Val::ref(table_->type().elem, *p);
}

Expected<void> Table::set(uint64_t index, const Val& v) const {
  if (!val_matches(v, table_->type().elem)) return Error(ErrorKind::kOther, "table value has the wrong type");
  if (!table_->set(index, v.ref_ptr())) return Error(ErrorKind::kOther, "out of bounds table access");
  return {};
}

std::optional<uint64_t> Table::grow(uint64_t delta, const Val& init) const {
  if (!val_matches(init, table_->type().elem)) return std::nullopt;
  if (delta != 0 && store_->table_growing(*table_, delta) != vm::GrowDecision::kAllow) {
    store_->limit_error.reset();  // the host sees a failed growth, not a trap
    return std::nullopt;
  }
  uint64_t old = table_->grow(delta, init.ref_ptr());
  if (old == UINT64_MAX) return std::nullopt;
  return old;
}

Expected<Memory> Memory::create(Store& store, const wasm::MemoryType& type) {
  StoreData& sd = store.data();
  KILN_TRY(sd.limit_new_memory(type));
  KILN_ASSIGN_OR_RETURN(auto m, vm::LinearMemory::create(type, sd.engine.config().tunables));
  sd.memories.push_back(std::move(m));
  return Memory(&sd, sd.memories.back().get());
}

const wasm::MemoryType& Memory::type() const { return memory_->type(); }
uint8_t* Memory::data() const { return memory_->base(); }
uint64_t Memory::data_size() const { return memory_->byte_size(); }
uint64_t Memory::size() const { return memory_->size_pages(); }

std::optional<uint64_t> Memory::grow(uint64_t delta_pages) const {
  if (delta_pages != 0 && store_->memory_growing(*memory_, delta_pages) != vm::GrowDecision::kAllow) {
    store_->limit_error.reset();  // the host sees a failed growth, not a trap
    return std::nullopt;
  }
  uint64_t old = memory_->grow(delta_pages);
  if (old == UINT64_MAX) return std::nullopt;
  return old;
}

Tag Tag::create(Store& store, const wasm::FuncType& type) {
  StoreData& sd = store.data();
  TagData& t = sd.tags.emplace_back();
  t.type_id = sd.engine.register_func_type(type);
  return Tag(&sd, &t);
}

wasm::FuncType Tag::type() const {
  std::optional<wasm::FuncType> t = store_->engine.func_type(tag_->type_id);
  return t ? *t : wasm::FuncType{};
}

uint32_t Tag::type_id() const { return tag_->type_id; }

wasm::ExternKind extern_kind(const Extern& e) {
  switch (e.index()) {
    case 0:
      return wasm::ExternKind::kFunc;
    case 1:
      return wasm::ExternKind::kGlobal;
    case 2:
      return wasm::ExternKind::kTable;
    case 3:
      return wasm::ExternKind::kMemory;
    default:
      return wasm::ExternKind::kTag;
  }
}

}  // namespace kiln::runtime
