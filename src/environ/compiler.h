// environ/compiler.h: the abstract Compiler through which the runtime compiles a module, and
// what a compilation produces (CompiledFunction: code, relocations, trap table, address map).
// The runtime never includes codegen/; codegen implements this interface, and the embedding
// layer (api/) hands an instance of it to the engine.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "environ/builtins.h"
#include "environ/indices.h"
#include "environ/trap_codes.h"
#include "environ/tunables.h"
#include "environ/vmoffsets.h"
#include "support/error.h"
#include "wasm/features.h"
#include "wasm/module.h"

namespace kiln::environ {

enum class OptLevel : uint8_t {
  kNone,          // -O0: fastest compile (x64: the single-pass baseline compiler)
  kSpeed,         // -O2
  kSpeedAndSize,  // -Os
};

struct CompilerOptions {
  OptLevel opt_level = OptLevel::kSpeed;
  Tunables tunables;
  // Run the IR verifier and the register allocation checker (tests and fuzzing).
  bool verify = false;
  // Instruction set extensions the backend may use, in its target-feature syntax (x64:
  // CpuFeatures::parse, e.g. "baseline" for SSE4.1 only). Empty: everything the host has.
  std::string target_features;
  // Inline small callees of direct calls (optimizing tier only; see codegen/translate).
  bool inlining = true;
};

// How a relocation site is patched once final addresses are known.
enum class RelocKind : uint8_t {
  // 4 bytes at `offset`: int32(target + addend - (code_address + offset)). For `call rel32`
  // use addend = -4. Only for targets in the same CodeMemory (defined functions, trampolines);
  // the runtime keeps one module's code within 2 GiB.
  kX86PCRel4,
  // 8 bytes at `offset`: the absolute address target + addend (`movabs`), for builtins, whose
  // addresses are anywhere in the host binary.
  kAbs8,
};

struct RelocTarget {
  enum class Kind : uint8_t { kDefinedFunc, kBuiltin };
  Kind kind = Kind::kDefinedFunc;
  uint32_t index = 0;  // DefinedFuncIndex or BuiltinIndex

  static RelocTarget func(DefinedFuncIndex f) { return {Kind::kDefinedFunc, f.index()}; }
  static RelocTarget builtin(BuiltinIndex b) { return {Kind::kBuiltin, static_cast<uint32_t>(b)}; }
  bool operator==(const RelocTarget&) const = default;
};

struct Relocation {
  uint32_t offset = 0;  // of the patched bytes, from the start of the function's code
  RelocKind kind = RelocKind::kX86PCRel4;
  RelocTarget target;
  int64_t addend = 0;
};

// An instruction that traps: a ud2 (explicit trap) or a load/store/division that may fault
// (implicit trap). `code_offset` is the offset of the instruction's first byte: the pc the
// kernel reports for the fault.
struct TrapSite {
  uint32_t code_offset = 0;
  TrapCode code = TrapCode::kUnreachable;
};

// Code inlined from another function (the optimizing tier inlines small callees): a trap site
// (`call` false: code_offset is the trapping instruction) or a call's return address (`call`
// true) in that code. The backtrace shows a frame of `func` above this function's frame.
struct InlinedFrame {
  uint32_t code_offset = 0;
  FuncIndex func;
  bool call = false;
};

// Maps machine code back to the Wasm bytecode (a code-section-relative byte offset) for
// backtraces and debugging; entries sorted by code_offset, each valid until the next.
struct AddressMapEntry {
  uint32_t code_offset = 0;
  uint32_t wasm_offset = 0;
};

// One compiled function or trampoline: position-independent code plus what the runtime needs
// to place it.
struct CompiledFunction {
  std::vector<uint8_t> code;
  uint32_t alignment = 16;               // required alignment of the code's start
  std::vector<Relocation> relocations;   // any order
  std::vector<TrapSite> traps;           // sorted by code_offset, at most one per offset
  std::vector<InlinedFrame> inline_frames;  // sorted by (code_offset, call), no duplicates
  std::vector<AddressMapEntry> address_map;  // may be empty
};

// What a compiler decides for a whole module before compiling its functions one by one
// (Compiler::plan_module), such as which functions it inlines into their single caller.
// Opaque to the runtime.
class ModulePlan {
 public:
  virtual ~ModulePlan() = default;
};

// What a function compilation may read: the validated module, its VMContext layout, the
// options and the compiler's plan for the module. Shared by all compile_function calls of
// one module.
struct ModuleEnv {
  const wasm::Module& module;
  const wasm::Features& features;
  const VMOffsets& offsets;
  const CompilerOptions& options;
  // Compiler::plan_module(*this) of the same compiler, or null (the compiler then makes only
  // per-function decisions).
  const ModulePlan* plan = nullptr;
};

// A compiler backend. Implementations are immutable after construction and thread-safe: the
// runtime compiles a module's functions in parallel on one Compiler.
//
// Conventions the generated code must follow are in environ/README.md: the wasm calling
// convention (rdi callee vmctx, rsi caller vmctx, then params), frame pointers in every frame,
// the stack-limit check in every prologue (small leaves excepted), trap sites, and the two
// trampoline kinds below.
class Compiler {
 public:
  virtual ~Compiler() = default;

  // A short name for diagnostics and the .cwasm header ("kiln-x64").
  virtual std::string name() const = 0;

  // Whole-module decisions for the compile_function calls of env.module (validated
  // beforehand), which get the result as env.plan; null if there are none to make.
  virtual std::unique_ptr<ModulePlan> plan_module(const ModuleEnv& env) const {
    (void)env;
    return nullptr;
  }

  // Compiles one defined function of env.module (validated beforehand).
  virtual Expected<CompiledFunction> compile_function(const ModuleEnv& env,
                                                      DefinedFuncIndex index) const = 0;

  // Host-to-wasm entry for functions of type `sig`, with the native signature
  //   void(VMContext* callee_vmctx, VMContext* caller_vmctx, uint64_t* values,
  //        const void* wasm_call)
  // It loads the params from `values` (16-byte slots), calls `wasm_call` with the wasm
  // convention, and stores the results into `values` from slot 0. It keeps a frame pointer.
  virtual Expected<CompiledFunction> compile_array_to_wasm_trampoline(
      const wasm::FuncType& sig, const CompilerOptions& options) const = 0;

  // Wasm-to-host exit for host functions of type `sig`: called with the wasm convention, its
  // callee vmctx (rdi) is a VMHostFuncContext. It stores its params into a 16-byte-slot array
  // on its stack (sized for max(params, results)), keeps a standard frame pointer (the host
  // reads its caller's fp and return pc from it: runtime/vm/traphandlers.h), calls
  //   void host(VMHostFuncContext* callee, VMContext* caller_vmctx, uint64_t* values, size_t len)
  // loaded from VMHostFuncContext::array_call, then returns the results from the array.
  virtual Expected<CompiledFunction> compile_wasm_to_array_trampoline(
      const wasm::FuncType& sig, const CompilerOptions& options) const = 0;
};

}  // namespace kiln::environ
