// runtime/module.cc: module compilation (parallel over defined functions) and introspection.
#include "runtime/module.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include <unistd.h>

#include "runtime/artifact.h"
#include "runtime/vm/code_memory.h"
#include "runtime/vm/mapped_file.h"
#include "runtime/vm/libcalls.h"
#include "runtime/vm/memory_image.h"
#include "wasm/decoder.h"
#include "wasm/validator.h"

namespace kiln::runtime {

namespace {

// Config::ProfilingStrategy::kPerfMap: appends the module's functions to /tmp/perf-PID.map.
// One write per module under a process-wide lock, so concurrent loads never interleave lines.
// Profiling is best effort: a file that cannot be written is skipped, not an error.
void maybe_write_perf_map(const Engine& engine, const Module& m) {
  if (engine.config().profiling != Config::ProfilingStrategy::kPerfMap) return;
  static std::mutex mu;
  std::string lines;
  std::span<const uint32_t> offsets = m.code_function_offsets();
  std::span<const uint32_t> sizes = m.code_function_sizes();
  const uint8_t* text = m.code_text().data();
  for (size_t i = 0; i < offsets.size() && i < sizes.size(); ++i) {
    uint32_t index = m.wasm().num_imported_funcs + static_cast<uint32_t>(i);
    std::optional<std::string> name = m.func_name(index);
    char head[64];
    std::snprintf(head, sizeof head, "%llx %x ",
                  static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(text + offsets[i])), sizes[i]);
    lines += head;
    lines += name ? "wasm::" + *name : "wasm[" + std::to_string(index) + "]";
    lines += '\n';
  }
  char path[64];
  std::snprintf(path, sizeof path, "/tmp/perf-%d.map", static_cast<int>(getpid()));
  std::lock_guard<std::mutex> lock(mu);
  if (std::FILE* f = std::fopen(path, "a")) {
    std::fwrite(lines.data(), 1, lines.size(), f);
    std::fclose(f);
  }
}

}  // namespace

struct Module::Inner {
  Engine engine;
  wasm::Module module;
  std::optional<environ::VMOffsets> offsets;
  std::vector<uint32_t> type_ids;
  std::unique_ptr<vm::CodeMemory> code;
  std::vector<const void*> function_code;
  // Copy-on-write memory images (vm/memory_image.h), built once (Module::memory_images).
  struct ImagesCache {
    std::once_flag once;
    std::unique_ptr<const vm::ModuleMemoryImages> images;
  };
  std::unique_ptr<ImagesCache> images = std::make_unique<ImagesCache>();
};

namespace {

// How the compiler says an instruction's proposal is not implemented yet: the translator
// ("the compiler does not support the instruction ...") and the x64 backend ("x64 backend:
// unsupported vector operation ...").
constexpr std::string_view kUnsupportedMarkers[] = {"the compiler does not support", "backend: unsupported"};

Expected<std::vector<environ::CompiledFunction>> compile_all(const environ::Compiler& compiler,
                                                             const environ::ModuleEnv& env,
                                                             unsigned threads) {
  uint32_t n = env.module.num_defined_funcs();
  std::vector<std::optional<Expected<environ::CompiledFunction>>> results(n);
  std::atomic<uint32_t> next{0};
  auto worker = [&] {
    for (uint32_t k; (k = next.fetch_add(1)) < n;) {
      results[k].emplace(compiler.compile_function(env, environ::DefinedFuncIndex(k)));
    }
  };
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

Expected<Module> Module::from_validated(const Engine& engine, wasm::Module module, unsigned compile_threads) {
  auto inner = std::make_shared<Inner>(Inner{engine, std::move(module), std::nullopt, {}, nullptr, {}, std::make_unique<Inner::ImagesCache>()});
  const wasm::Module& m = inner->module;
  KILN_ASSIGN_OR_RETURN(environ::VMOffsets offsets, environ::VMOffsets::for_module(m));
  inner->offsets = offsets;
  inner->type_ids = engine.register_types(m.types);

  environ::CompilerOptions options = engine.compiler_options();
  environ::ModuleEnv env{m, engine.config().features, *inner->offsets, options};
  std::unique_ptr<environ::ModulePlan> plan = engine.compiler().plan_module(env);
  env.plan = plan.get();
  unsigned threads = compile_threads;
  if (threads == 0) {
    threads = engine.config().parallel_compilation ? std::max(1u, std::thread::hardware_concurrency()) : 1;
  }
  KILN_ASSIGN_OR_RETURN(std::vector<environ::CompiledFunction> funcs, compile_all(engine.compiler(), env, threads));

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
  maybe_write_perf_map(engine, out);
  (void)out.memory_images();  // lay the images out at load time, not at first instantiation
  return out;
}

namespace {

Error artifact_error(const std::string& what) {
  return Error(ErrorKind::kMalformed, "invalid precompiled module: " + what);
}

// Loads a parsed-from-`bytes` artifact; `file` (if any) is the mapping `bytes` lives in.
Expected<Module> load_artifact(const Engine& engine, std::span<const uint8_t> bytes, const vm::MappedFile* file,
                               std::shared_ptr<Module::Inner>& inner_out);

}  // namespace

// The module binary an artifact embeds: the original with every function body replaced by
// the empty body (no locals, `end`). The code is precompiled, so the bodies are never read
// again; stubbing them keeps decoding at load time to the module's metadata (decoding scans
// every instruction of a body) and the artifact small. Every other section, custom sections
// included, is kept byte for byte, in order.
static Expected<std::vector<uint8_t>> stub_function_bodies(const wasm::Module& m) {
  const uint8_t* b = m.bytes;
  const size_t n = m.size;
  auto bad = [] { return Error(ErrorKind::kMalformed, "serialize: cannot re-read the module binary"); };
  auto read_leb = [&](size_t& at, uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (at >= n) return false;
      uint8_t byte = b[at++];
      v |= uint64_t{byte & 0x7Fu} << shift;
      if (!(byte & 0x80)) return true;
    }
    return false;
  };
  auto write_leb = [](std::vector<uint8_t>& out, uint64_t v) {
    do {
      uint8_t byte = v & 0x7F;
      v >>= 7;
      out.push_back(byte | (v ? 0x80 : 0));
    } while (v);
  };
  if (n < 8) return bad();
  std::vector<uint8_t> out(b, b + 8);
  size_t at = 8;
  while (at < n) {
    uint8_t id = b[at++];
    uint64_t size;
    if (!read_leb(at, size) || size > n - at) return bad();
    if (id == 10) {  // code section
      std::vector<uint8_t> payload;
      write_leb(payload, m.bodies.size());
      for (size_t i = 0; i < m.bodies.size(); ++i) payload.insert(payload.end(), {0x02, 0x00, 0x0B});
      out.push_back(id);
      write_leb(out, payload.size());
      out.insert(out.end(), payload.begin(), payload.end());
    } else {
      out.push_back(id);
      write_leb(out, size);
      out.insert(out.end(), b + at, b + at + size);
    }
    at += size;
  }
  return out;
}

Expected<std::vector<uint8_t>> Module::serialize() const {
  const Inner& in = *inner_;
  KILN_ASSIGN_OR_RETURN(artifact::Settings settings,
                        artifact::engine_settings(in.engine.compiler(), in.engine.compiler_options(),
                                                  in.engine.config().features));
  std::vector<uint8_t> text = in.code->relocatable_text();
  artifact::WriteInput w;
  w.settings = &settings;
  w.text = text;
  w.func_offsets = in.code->func_offsets();
  w.func_sizes = in.code->func_sizes();
  w.traps = in.code->info().traps;
  w.inline_frames = in.code->info().inlined;
  w.relocations = in.code->load_relocations();
  KILN_ASSIGN_OR_RETURN(std::vector<uint8_t> wasm, stub_function_bodies(in.module));
  w.wasm = wasm;
  const wasm::Module& m = in.module;
  for (uint32_t i = 0; i < m.num_defined_funcs(); ++i) {
    uint32_t f = m.num_imported_funcs + i;
    std::optional<std::string> name = func_name(f);
    w.func_symbols.push_back(name ? *name : "wasm[" + std::to_string(f) + "]");
  }
  return artifact::write(w);
}

Expected<Module> Module::deserialize(const Engine& engine, std::span<const uint8_t> bytes) {
  std::shared_ptr<Inner> inner;
  KILN_ASSIGN_OR_RETURN(Module m, load_artifact(engine, bytes, nullptr, inner));
  m.inner_ = std::move(inner);
  (void)m.memory_images();  // as from_validated does: images laid out at load time
  maybe_write_perf_map(engine, m);
  return m;
}

Expected<Module> Module::deserialize_file(const Engine& engine, const std::string& path) {
  KILN_ASSIGN_OR_RETURN(std::shared_ptr<vm::MappedFile> file, vm::MappedFile::open(path));
  std::shared_ptr<Inner> inner;
  auto m = load_artifact(engine, file->bytes(), file.get(), inner);
  if (!m) return Error(m.error().kind(), path + ": " + m.error().message());
  m->inner_ = std::move(inner);
  (void)m->memory_images();
  maybe_write_perf_map(engine, *m);
  return m;
}

namespace {

Expected<Module> load_artifact(const Engine& engine, std::span<const uint8_t> bytes, const vm::MappedFile* file,
                               std::shared_ptr<Module::Inner>& inner_out) {
  KILN_ASSIGN_OR_RETURN(artifact::Contents c, artifact::parse(bytes));
  KILN_ASSIGN_OR_RETURN(artifact::Settings mine,
                        artifact::engine_settings(engine.compiler(), engine.compiler_options(), engine.config().features));
  KILN_TRY(artifact::check_compatible(c.settings, mine));
  // The module was validated when it was compiled and the checksum covers it; decoding
  // re-derives its metadata. Everything but the function bodies (which were compiled to the
  // code loaded here and are not read again) is validated again all the same, so
  // instantiation only ever sees what validation accepts.
  const wasm::Features& features = engine.config().features;
  auto decoded = wasm::decode(std::vector<uint8_t>(c.wasm.begin(), c.wasm.end()), features);
  if (!decoded) return artifact_error("embedded module: " + decoded.error().to_string());
  if (auto v = wasm::validate_except_bodies(*decoded, features); !v) {
    return artifact_error("embedded module: " + v.error().to_string());
  }
  if (decoded->num_defined_funcs() != c.func_offsets.size()) {
    return artifact_error("the function table has " + std::to_string(c.func_offsets.size()) +
                          " entries, the module defines " + std::to_string(decoded->num_defined_funcs()) + " functions");
  }
  auto inner = std::make_shared<Module::Inner>(Module::Inner{engine, std::move(*decoded), std::nullopt, {}, nullptr, {}});
  const wasm::Module& m = inner->module;
  KILN_ASSIGN_OR_RETURN(environ::VMOffsets offsets, environ::VMOffsets::for_module(m));
  inner->offsets = offsets;
  inner->type_ids = engine.register_types(m.types);

  vm::CodeImage image;
  image.text = c.text;
  image.file = file;
  image.file_offset = c.text_offset;
  image.func_offsets = c.func_offsets;
  image.func_sizes = c.func_sizes;
  image.traps = c.traps;
  image.inline_frames = c.inline_frames;
  image.relocations = c.relocations;
  image.num_imported_funcs = m.num_imported_funcs;
  image.num_funcs = m.num_funcs();
  image.builtins = vm::builtin_table();
  image.owner = inner.get();
  auto code = vm::CodeMemory::load(image);
  if (!code) return artifact_error(code.error().message());
  inner->code = std::move(*code);
  for (uint32_t i = 0; i < m.num_defined_funcs(); ++i) {
    inner->function_code.push_back(inner->code->function(environ::DefinedFuncIndex(i)));
  }
  inner_out = std::move(inner);
  return Module();
}

}  // namespace

bool Module::code_is_file_backed() const { return inner_->code->file_backed(); }
std::span<const uint32_t> Module::code_function_offsets() const { return inner_->code->func_offsets(); }
std::span<const uint32_t> Module::code_function_sizes() const { return inner_->code->func_sizes(); }
std::span<const uint8_t> Module::code_text() const { return inner_->code->text(); }

const Engine& Module::engine() const { return inner_->engine; }
const wasm::Module& Module::wasm() const { return inner_->module; }
const environ::VMOffsets& Module::offsets() const { return *inner_->offsets; }
const std::vector<uint32_t>& Module::type_ids() const { return inner_->type_ids; }
std::span<const void* const> Module::function_code() const { return inner_->function_code; }

const vm::ModuleMemoryImages* Module::memory_images() const {
  Inner::ImagesCache& cache = *inner_->images;  // built once; call_once synchronises readers
  std::call_once(cache.once, [&] {
    if (!inner_->engine.config().memory_init_cow) return;
    // Without images (memfd unavailable, ...) instantiation copies the segments: same result.
    auto images = vm::ModuleMemoryImages::build(inner_->module, inner_->engine.config().tunables);
    if (images && !images->empty()) cache.images = std::make_unique<const vm::ModuleMemoryImages>(std::move(*images));
  });
  return cache.images.get();
}

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
