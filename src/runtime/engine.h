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
#include "runtime/vm/allocator.h"
#include "runtime/vm/vmcontext.h"
#include "support/error.h"
#include "wasm/features.h"
#include "wasm/types.h"

namespace kiln::runtime {

struct Config {
  environ::OptLevel opt_level = environ::OptLevel::kSpeed;
  // Inline small leaf callees of direct calls at -O2 (CLI: -O inlining=n turns it off).
  bool inlining = true;
  wasm::Features features;
  environ::Tunables tunables;
  // Compile a module's functions on several threads.
  bool parallel_compilation = true;
  // Run the IR verifier and the register allocation checker while compiling.
  bool verify = false;
  // Instruction set extensions compiled code may use (x64: "host", "baseline" = SSE4.1 only
  // for output that is the same on every machine, "+avx2", "-avx", ...; see
  // codegen/isa/x64/cpu.h). Empty: everything the host has.
  std::string target_features;
  // The compiler backend; null selects Kiln's native compiler for this host (default_compiler).
  std::shared_ptr<const environ::Compiler> compiler;

  // ---- Instance allocation (runtime/vm/allocator.h, memory_image.h).
  // kOnDemand (default): each instance's VMContext, memories and tables are allocated when it
  // is created. kPooling: they come from slots reserved once per engine, with the limits in
  // `pooling`, and are reset when given back. The environment variable KILN_POOLING=1 forces
  // kPooling for every engine (a testing switch, e.g. to run the spec suite pooled).
  enum class AllocationStrategy : uint8_t { kOnDemand, kPooling };
  AllocationStrategy allocation_strategy = AllocationStrategy::kOnDemand;
  vm::PoolingConfig pooling;
  // Initialise memories from copy-on-write images of their data segments where that is exact
  // (vm::ModuleMemoryImages::build); false: always copy the segments at instantiation.
  bool memory_init_cow = true;

  // ---- Profiling. kPerfMap: every module's compiled functions are appended, as they are
  // loaded, to /tmp/perf-PID.map ("ADDRESS SIZE NAME" in hex, the format `perf report` reads
  // for JIT code), so `perf record` samples in Wasm code resolve to function names. Wasmtime's
  // `--profile perfmap`.
  enum class ProfilingStrategy : uint8_t { kNone, kPerfMap };
  ProfilingStrategy profiling = ProfilingStrategy::kNone;

  // Execution limits (Wasmtime's names), shorthands for the tunables they set.
  // Compiled code meters fuel (Store::set_fuel / get_fuel).
  Config& consume_fuel(bool on) {
    tunables.consume_fuel = on;
    return *this;
  }
  // Compiled code checks the engine's epoch against the store's deadline at function entries
  // and loop headers (Engine::increment_epoch, Store::set_epoch_deadline).
  Config& epoch_interruption(bool on) {
    tunables.epoch_interruption = on;
    return *this;
  }
  // Bytes of native stack Wasm code may use per call from the host; beyond, it traps "call
  // stack exhausted". Must leave the thread's stack room for the host's own frames.
  Config& max_wasm_stack(uint64_t bytes) {
    tunables.max_wasm_stack = bytes;
    return *this;
  }
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

  // The allocator instances of this engine use (the pool is reserved on first use; the error
  // if that fails is returned every time).
  Expected<vm::InstanceAllocator*> instance_allocator() const;

  // The epoch counter compiled code reads.
  const uint64_t* epoch_counter() const;
  uint64_t current_epoch() const;
  // Advances the epoch by one. Safe from any thread, including signal handlers (a lock-free
  // atomic increment): guests of stores whose deadline it reaches stop at their next check.
  void increment_epoch() const;

  bool same(const Engine& other) const { return inner_ == other.inner_; }

 private:
  struct Inner;
  std::shared_ptr<Inner> inner_;
};

}  // namespace kiln::runtime
