// runtime/module.cc: module compilation (parallel over defined functions) and introspection.
#include "runtime/module.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "runtime/vm/code_memory.h"
#include "runtime/vm/libcalls.h"
#include "wasm/decoder.h"
#include "wasm/validator.h"

namespace kiln::runtime {

struct Module::Inner {
  Engine engine;
  wasm::Module module;
  std::optional<environ::VMOffsets> offsets;
  std::vector<uint32_t> type_ids;
  std::unique_ptr<vm::CodeMemory> code;
  std::vector<const void*> function_code;
};

namespace {

// How the compiler says an instruction's proposal is not implemented yet: the translator
// ("the compiler does not support the instruction ...") and the x64 backend ("x64 backend:
// unsupported vector operation ...").
constexpr std::string_view kUnsupportedMarkers[] = {"the compiler does not support", "backend: unsupported"};

Expected<std::vector<environ::CompiledFunction>> compile_all(const environ::Compiler& compiler,
                                                             const environ::ModuleEnv& env,
                                                             bool parallel) {
  uint32_t n = env.module.num_defined_funcs();
  std::vector<std::optional<Expected<environ::CompiledFunction>>> results(n);
  std::atomic<uint32_t> next{0};
  auto worker = [&] {
    for (uint32_t k; (k = next.fetch_add(1)) < n;) {
      results[k].emplace(compiler.compile_function(env, environ::DefinedFuncIndex(k)));
    }
  };
  unsigned threads = parallel ? std::max(1u, std::thread::hardware_concurrency()) : 1;
  threads = std::min<unsigned>(threads, std::max<uint32_t>(n, 1));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  std::vector<environ::CompiledFunction> out;
  out.reserve(n);
  // The lowest failing index wins, so the error does not depend on scheduling.
  for (uint32_t k = 0; k < n; ++k) {
    if (!*results[k]) return results[k]->error();
    out.push_back(std::move(**results[k]));
  }
  return out;
}

}  // namespace

Expected<Module> Module::from_binary(const Engine& engine, std::vector<uint8_t> bytes) {
  const wasm::Features& f = engine.config().features;
  KILN_ASSIGN_OR_RETURN(wasm::Module m, wasm::decode(std::move(bytes), f));
  KILN_TRY(wasm::validate(m, f));
  return from_validated(engine, std::move(m));
}

Expected<Module> Module::from_validated(const Engine& engine, wasm::Module module) {
  auto inner = std::make_shared<Inner>(Inner{engine, std::move(module), std::nullopt, {}, nullptr, {}});
  const wasm::Module& m = inner->module;
  KILN_ASSIGN_OR_RETURN(environ::VMOffsets offsets, environ::VMOffsets::for_module(m));
  inner->offsets = offsets;
  inner->type_ids = engine.register_types(m.types);

  environ::CompilerOptions options = engine.compiler_options();
  environ::ModuleEnv env{m, engine.config().features, *inner->offsets, options};
  KILN_ASSIGN_OR_RETURN(std::vector<environ::CompiledFunction> funcs,
                        compile_all(engine.compiler(), env, engine.config().parallel_compilation));

  vm::CodeMemoryInput in;
  in.functions = funcs;
  in.num_imported_funcs = m.num_imported_funcs;
  in.builtins = vm::builtin_table();
  in.owner = inner.get();
  KILN_ASSIGN_OR_RETURN(inner->code, vm::CodeMemory::create(in));
  for (uint32_t i = 0; i < m.num_defined_funcs(); ++i) {
    inner->function_code.push_back(inner->code->function(environ::DefinedFuncIndex(i)));
  }
  Module out;
  out.inner_ = std::move(inner);
  return out;
}

const Engine& Module::engine() const { return inner_->engine; }
const wasm::Module& Module::wasm() const { return inner_->module; }
const environ::VMOffsets& Module::offsets() const { return *inner_->offsets; }
const std::vector<uint32_t>& Module::type_ids() const { return inner_->type_ids; }
std::span<const void* const> Module::function_code() const { return inner_->function_code; }

ExternType Module::extern_type(wasm::ExternKind kind, uint32_t index) const {
  const wasm::Module& m = inner_->module;
  ExternType t;
  t.kind = kind;
  switch (kind) {
    case wasm::ExternKind::kFunc:
      t.func = m.func_sig(index);
      break;
    case wasm::ExternKind::kTable:
      t.table = m.table_types[index];
      break;
    case wasm::ExternKind::kMemory:
      t.memory = m.memory_types[index];
      break;
    case wasm::ExternKind::kGlobal:
      t.global = m.global_types[index];
      break;
    case wasm::ExternKind::kTag:
      t.tag = m.func_type(m.tag_types[index].type_index);
      break;
  }
  return t;
}

std::vector<ImportType> Module::imports() const {
  const wasm::Module& m = inner_->module;
  std::vector<ImportType> out;
  uint32_t counts[5] = {0, 0, 0, 0, 0};
  for (const wasm::Import& imp : m.imports) {
    uint32_t& c = counts[static_cast<uint32_t>(imp.kind)];
    out.push_back({imp.module, imp.name, extern_type(imp.kind, c++)});
  }
  return out;
}

std::vector<ExportType> Module::exports() const {
  std::vector<ExportType> out;
  for (const wasm::Export& e : inner_->module.exports) out.push_back({e.name, extern_type(e.kind, e.index)});
  return out;
}

std::optional<ExportType> Module::get_export(std::string_view name) const {
  for (const wasm::Export& e : inner_->module.exports) {
    if (e.name == name) return ExportType{e.name, extern_type(e.kind, e.index)};
  }
  return std::nullopt;
}

std::optional<std::string> Module::func_name(uint32_t func_index) const {
  const auto& entries = inner_->module.names.functions.entries;
  auto it = std::lower_bound(entries.begin(), entries.end(), func_index,
                             [](const auto& e, uint32_t i) { return e.first < i; });
  if (it != entries.end() && it->first == func_index) return it->second;
  return std::nullopt;
}

bool Module::is_unsupported(const Error& e) {
  for (std::string_view marker : kUnsupportedMarkers) {
    if (e.message().find(marker) != std::string::npos) return true;
  }
  return false;
}

}  // namespace kiln::runtime
