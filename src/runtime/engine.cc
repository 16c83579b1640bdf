// runtime/engine.cc: the engine: configuration, compiler, canonical type registry and
// trampoline caches, all behind one mutex (compilation of modules does not take it).
#include "runtime/engine.h"

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>

#include "runtime/vm/code_memory.h"
#include "runtime/vm/libcalls.h"
#include "wasm/type_canon.h"

// The codegen driver's factory. Declared here rather than included: the runtime may include
// only environ, wasm and support, and knows the compiler only as an environ::Compiler.
namespace kiln::codegen::driver {
std::unique_ptr<environ::Compiler> make_x64_compiler();
}

namespace kiln::runtime {

std::shared_ptr<const environ::Compiler> default_compiler() {
  static const std::shared_ptr<const environ::Compiler> compiler = codegen::driver::make_x64_compiler();
  return compiler;
}

struct Engine::Inner {
  Config config;
  std::shared_ptr<const environ::Compiler> compiler;
  std::atomic<uint64_t> epoch{0};

  std::mutex mutex;  // guards everything below
  wasm::TypeCanonicalizer canon;
  std::map<uint32_t, wasm::FuncType> func_types;
  std::map<uint32_t, uint32_t> supertype;  // canonical id -> its declared supertype's id
  std::map<uint32_t, std::unique_ptr<vm::CodeMemory>> array_to_wasm;
  std::map<uint32_t, std::unique_ptr<vm::CodeMemory>> wasm_to_array;

  std::once_flag allocator_once;  // creates `allocator` (instance_allocator())
  std::shared_ptr<vm::InstanceAllocator> allocator;
  std::optional<Error> allocator_error;

  // Records the function types of ids the canonicalizer just handed out.
  void note_types(const std::vector<wasm::SubType>& types, const std::vector<uint32_t>& ids) {
    for (size_t i = 0; i < types.size() && i < ids.size(); ++i) {
      if (types[i].comp.kind == wasm::CompositeKind::kFunc) func_types.emplace(ids[i], types[i].comp.func);
    }
  }
};

Engine::Engine(Config config) : inner_(std::make_shared<Inner>()) {
  inner_->config = std::move(config);
  if (const char* pooling = std::getenv("KILN_POOLING"); pooling != nullptr && std::string_view(pooling) == "1") {
    inner_->config.allocation_strategy = Config::AllocationStrategy::kPooling;
  }
  inner_->compiler = inner_->config.compiler ? inner_->config.compiler : default_compiler();
}

const Config& Engine::config() const { return inner_->config; }
const environ::Compiler& Engine::compiler() const { return *inner_->compiler; }

environ::CompilerOptions Engine::compiler_options() const {
  environ::CompilerOptions o;
  o.opt_level = inner_->config.opt_level;
  o.inlining = inner_->config.inlining;
  o.tunables = inner_->config.tunables;
  o.verify = inner_->config.verify;
  o.target_features = inner_->config.target_features;
  return o;
}

std::vector<uint32_t> Engine::register_types(const std::vector<wasm::SubType>& types) const {
  std::lock_guard<std::mutex> lock(inner_->mutex);
  std::vector<uint32_t> ids = inner_->canon.add_module_types(types);
  inner_->note_types(types, ids);
  for (size_t i = 0; i < types.size() && i < ids.size(); ++i) {
    if (types[i].super && *types[i].super < ids.size()) inner_->supertype.emplace(ids[i], ids[*types[i].super]);
  }
  return ids;
}

bool Engine::is_subtype(uint32_t sub, uint32_t super) const {
  std::lock_guard<std::mutex> lock(inner_->mutex);
  // Supertypes are declared before their subtypes, so the chain ends; the bound guards
  // against a corrupt map all the same.
  for (size_t steps = 0; steps <= inner_->supertype.size(); ++steps) {
    if (sub == super) return true;
    auto it = inner_->supertype.find(sub);
    if (it == inner_->supertype.end()) return false;
    sub = it->second;
  }
  return false;
}

uint32_t Engine::register_func_type(const wasm::FuncType& type) const {
  std::vector<wasm::SubType> types(1);
  types[0].comp.kind = wasm::CompositeKind::kFunc;
  types[0].comp.func = type;
  std::lock_guard<std::mutex> lock(inner_->mutex);
  std::vector<uint32_t> ids;
  inner_->canon.add_group(types, 0, 1, ids);
  inner_->note_types(types, ids);
  return ids[0];
}

std::optional<wasm::FuncType> Engine::func_type(uint32_t canonical_id) const {
  std::lock_guard<std::mutex> lock(inner_->mutex);
  auto it = inner_->func_types.find(canonical_id);
  if (it == inner_->func_types.end()) return std::nullopt;
  return it->second;
}

namespace {

// Loads one trampoline into its own code region.
Expected<std::unique_ptr<vm::CodeMemory>> load_trampoline(environ::CompiledFunction f) {
  vm::CodeMemoryInput in;
  in.trampolines = {&f, 1};
  in.builtins = vm::builtin_table();
  return vm::CodeMemory::create(in);
}

}  // namespace

Expected<vm::VMArrayToWasmTrampoline> Engine::array_to_wasm_trampoline(uint32_t canonical_id) const {
  std::lock_guard<std::mutex> lock(inner_->mutex);
  auto it = inner_->array_to_wasm.find(canonical_id);
  if (it == inner_->array_to_wasm.end()) {
    auto ft = inner_->func_types.find(canonical_id);
    if (ft == inner_->func_types.end()) {
      return Error(ErrorKind::kOther, "no function type with canonical id " + std::to_string(canonical_id));
    }
    KILN_ASSIGN_OR_RETURN(environ::CompiledFunction f,
                          inner_->compiler->compile_array_to_wasm_trampoline(ft->second, compiler_options()));
    KILN_ASSIGN_OR_RETURN(auto cm, load_trampoline(std::move(f)));
    it = inner_->array_to_wasm.emplace(canonical_id, std::move(cm)).first;
  }
  return reinterpret_cast<vm::VMArrayToWasmTrampoline>(const_cast<void*>(it->second->trampoline(0)));
}

Expected<const void*> Engine::wasm_to_array_trampoline(uint32_t canonical_id) const {
  std::lock_guard<std::mutex> lock(inner_->mutex);
  auto it = inner_->wasm_to_array.find(canonical_id);
  if (it == inner_->wasm_to_array.end()) {
    auto ft = inner_->func_types.find(canonical_id);
    if (ft == inner_->func_types.end()) {
      return Error(ErrorKind::kOther, "no function type with canonical id " + std::to_string(canonical_id));
    }
    KILN_ASSIGN_OR_RETURN(environ::CompiledFunction f,
                          inner_->compiler->compile_wasm_to_array_trampoline(ft->second, compiler_options()));
    KILN_ASSIGN_OR_RETURN(auto cm, load_trampoline(std::move(f)));
    it = inner_->wasm_to_array.emplace(canonical_id, std::move(cm)).first;
  }
  return it->second->trampoline(0);
}

Expected<vm::InstanceAllocator*> Engine::instance_allocator() const {
  if (inner_->config.allocation_strategy == Config::AllocationStrategy::kOnDemand) return &vm::on_demand_allocator();
  std::call_once(inner_->allocator_once, [&] {
    auto pool = vm::make_pooling_allocator(inner_->config.pooling, inner_->config.tunables);
    if (pool) {
      inner_->allocator = std::move(pool).value();
    } else {
      inner_->allocator_error = pool.error();
    }
  });
  if (inner_->allocator_error) return *inner_->allocator_error;
  return inner_->allocator.get();
}

const uint64_t* Engine::epoch_counter() const {
  // SAFETY: std::atomic<uint64_t> is lock-free with the layout of uint64_t on x86-64, and
  // compiled code only reads it with plain aligned loads.
  static_assert(sizeof(std::atomic<uint64_t>) == sizeof(uint64_t));
  return reinterpret_cast<const uint64_t*>(&inner_->epoch);
}

uint64_t Engine::current_epoch() const { return inner_->epoch.load(std::memory_order_relaxed); }

void Engine::increment_epoch() const { inner_->epoch.fetch_add(1, std::memory_order_relaxed); }

}  // namespace kiln::runtime
