// runtime/engine.h: Config and Engine. The engine holds what every module and store compiled
// for it shares: the configuration, the compiler, the engine-wide canonical type registry
// (so a function type has one id across modules: call_indirect and import checks compare
// ids) and the per-signature trampolines. Thread-safe; copies are handles to one engine.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "environ/compiler.h"
#include "runtime/vm/vmcontext.h"
#include "support/error.h"
#include "wasm/features.h"
#include "wasm/types.h"

namespace kiln::runtime {

struct Config {
  environ::OptLevel opt_level = environ::OptLevel::kSpeed;
  wasm::Features features;
  environ::Tunables tunables;
  // Compile a module's functions on several threads.
  bool parallel_compilation = true;
  // Run the IR verifier and the register allocation checker while compiling.
  bool verify = false;
  // The compiler backend; null selects Kiln's native compiler for this host (default_compiler).
  std::shared_ptr<const environ::Compiler> compiler;
};

// Kiln's native compiler for the host architecture. The runtime reaches it only through
// environ::Compiler; the definition binds to the codegen driver at link time.
std::shared_ptr<const environ::Compiler> default_compiler();

class Engine {
 public:
  explicit Engine(Config config = {});

  const Config& config() const;
  const environ::Compiler& compiler() const;
  environ::CompilerOptions compiler_options() const;

  // Canonical ids of a module's types (iso-recursive equivalence, engine-wide).
  std::vector<uint32_t> register_types(const std::vector<wasm::SubType>& types) const;
  // The canonical id of a standalone function type (host functions).
  uint32_t register_func_type(const wasm::FuncType& type) const;
  // Whether canonical type `sub` is `super` or declares it (transitively) as a supertype.
  bool is_subtype(uint32_t sub, uint32_t super) const;
  // The function type of a canonical id, if it is one.
  std::optional<wasm::FuncType> func_type(uint32_t canonical_id) const;

  // Per-signature trampolines (compiled once per engine, kept for its lifetime).
  Expected<vm::VMArrayToWasmTrampoline> array_to_wasm_trampoline(uint32_t canonical_id) const;
  Expected<const void*> wasm_to_array_trampoline(uint32_t canonical_id) const;

  // The epoch counter compiled code reads.
  const uint64_t* epoch_counter() const;
  void increment_epoch() const;

  bool same(const Engine& other) const { return inner_ == other.inner_; }

 private:
  struct Inner;
  std::shared_ptr<Inner> inner_;
};

}  // namespace kiln::runtime
