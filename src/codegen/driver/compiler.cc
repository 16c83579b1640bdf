// codegen/driver/compiler.cc: X64Compiler: translate, optimize and compile through the x64
// pipeline; convert the backend's relocations and trap codes to the runtime's vocabulary.
#include "codegen/driver/compiler.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

#include "codegen/baseline/baseline.h"
#include "codegen/driver/bulk_memory.h"
#include "codegen/pipeline/compile.h"
#include "codegen/translate/inline_plan.h"
#include "codegen/translate/nan_canonicalize.h"
#include "codegen/translate/translate.h"
#include "environ/builtins.h"
#include "environ/vmoffsets.h"

namespace kiln::codegen::driver {
namespace {

// Whether the pipeline inlines. Fuel metering charges calls at their entry check; inlined
// bodies would move where a guest runs out of fuel, so metered code keeps its calls.
bool inlines(const environ::CompilerOptions& o) {
  return o.opt_level != environ::OptLevel::kNone && o.inlining && !o.tunables.consume_fuel;
}

struct X64ModulePlan final : environ::ModulePlan {
  translate::InlinePlan inlining;
};

Expected<pipeline::CompileOptions> pipeline_options(const environ::CompilerOptions& o,
                                                    bool stack_check) {
  pipeline::CompileOptions p;
  KILN_ASSIGN_OR_RETURN(p.cpu, x64::CpuFeatures::parse(o.target_features));
  p.opt_level = o.opt_level == environ::OptLevel::kNone ? 0 : 2;
  p.verify = o.verify;
  p.check_regalloc = o.verify;
  if (stack_check) {
    // vmctx -> VMStoreContext* -> stack_limit (environ/README.md: the prologue check).
    p.stack_limit_path = {static_cast<int32_t>(environ::VMOffsets::store_context()),
                          static_cast<int32_t>(environ::VMStoreContextLayout::stack_limit())};
  }
  return p;
}

// The execution-limit checks the pipeline places in a Wasm function after the mid-end
// (opt/limit_checks.h): epochs at its entry and loop headers, fuel at its loop headers. Not for
// trampolines, which run no Wasm code of their own (and one of which has no store context).
void add_limit_checks(const environ::CompilerOptions& o, pipeline::CompileOptions& p) {
  if (o.tunables.epoch_interruption) {
    static const opt::EpochChecks kEpochChecks = {
        static_cast<int32_t>(environ::VMOffsets::epoch_counter()),
        static_cast<int32_t>(environ::VMOffsets::epoch_deadline()),
        static_cast<int32_t>(environ::VMOffsets::builtins()),
        static_cast<int32_t>(static_cast<uint32_t>(environ::BuiltinIndex::kNewEpochPreserveAll) * 8)};
    p.epoch_checks = &kEpochChecks;
  }
  if (o.tunables.consume_fuel) {
    static const opt::FuelChecks kFuelChecks = {
        static_cast<int32_t>(environ::VMOffsets::store_context()),
        static_cast<int32_t>(environ::VMStoreContextLayout::fuel_consumed()),
        static_cast<int32_t>(environ::VMOffsets::builtins()),
        static_cast<int32_t>(static_cast<uint32_t>(environ::BuiltinIndex::kOutOfGasPreserveAll) * 8)};
    p.fuel_checks = &kFuelChecks;
  }
}

Error compile_error(const std::string& what, const Error& e, uint32_t func) {
  Location loc = e.location();
  loc.func = func;
  return Error(e.kind(), what + ": " + e.message(), loc);
}

// Converts the backend's output. Callees named u0:<FuncIndex> become defined-function
// relocations; `module` is null for trampolines, which call nothing by name.
Expected<environ::CompiledFunction> convert(mach::CompiledCode cc, const wasm::Module* module) {
  environ::CompiledFunction out;
  out.code = std::move(cc.code);
  out.alignment = cc.alignment;
  for (const mach::Relocation& r : cc.relocations) {
    environ::Relocation rel;
    rel.offset = r.offset;
    rel.addend = r.addend;
    rel.kind = r.kind == mach::RelocKind::kPcRel4 ? environ::RelocKind::kX86PCRel4
                                                  : environ::RelocKind::kAbs8;
    const ir::ExternalName& n = r.target;
    if (!module || !n.is_user || n.ns != translate::kWasmFunctionNamespace ||
        n.index < module->num_imported_funcs || n.index >= module->num_funcs()) {
      return Error(ErrorKind::kOther, "unexpected relocation target " + n.to_string());
    }
    rel.target = environ::RelocTarget::func(
        environ::DefinedFuncIndex(n.index - module->num_imported_funcs));
    out.relocations.push_back(rel);
  }
  for (const mach::TrapSite& t : cc.traps) {
    std::optional<environ::TrapCode> code = translate::to_wasm_trap(t.code);
    if (!code) {
      return Error(ErrorKind::kOther, "trap code " + ir::trapcode_name(t.code) +
                                          " has no Wasm meaning");
    }
    if (!out.traps.empty() && out.traps.back().code_offset == t.offset) continue;
    out.traps.push_back({t.offset, *code});
  }
  for (const mach::InlineFrame& f : cc.inline_frames) {
    if (!module || f.callee >= module->num_funcs()) {
      return Error(ErrorKind::kOther, "inlined frame of unknown function " + std::to_string(f.callee));
    }
    if (!out.inline_frames.empty() && out.inline_frames.back().code_offset == f.offset &&
        out.inline_frames.back().call == f.call) {
      continue;
    }
    out.inline_frames.push_back({f.offset, environ::FuncIndex(f.callee), f.call});
  }
  return out;
}

}  // namespace

std::unique_ptr<environ::ModulePlan> X64Compiler::plan_module(const environ::ModuleEnv& env) const {
  if (!inlines(env.options)) return nullptr;
  auto plan = std::make_unique<X64ModulePlan>();
  plan->inlining = translate::plan_inlining(env.module);
  return plan;
}

Expected<environ::CompiledFunction> X64Compiler::compile_function(
    const environ::ModuleEnv& env, environ::DefinedFuncIndex index) const {
  if (env.options.opt_level == environ::OptLevel::kNone && tier0_ == Tier0::kBaseline) {
    // The baseline compiler, unless the function needs what only the pipeline compiles
    // (a tiering decision: std::nullopt).
    auto out = baseline::compile_function(env, index);
    if (!out) {
      uint32_t func = environ::func_of(env.module, index).index();
      return compile_error("compiling function " + std::to_string(func), out.error(), func);
    }
    if (*out) return std::move(**out);
  }
  return compile_with_pipeline(env, index);
}

Expected<environ::CompiledFunction> X64Compiler::compile_with_pipeline(
    const environ::ModuleEnv& env, environ::DefinedFuncIndex index) const {
  uint32_t func = environ::func_of(env.module, index).index();
  translate::ModuleEnv tenv{env.module, env.offsets, env.options.tunables};
  tenv.inlining = inlines(env.options);
  if (tenv.inlining && env.plan != nullptr) tenv.plan = &static_cast<const X64ModulePlan*>(env.plan)->inlining;
  auto ir = translate::translate_function(tenv, index);
  if (!ir) return compile_error("translating function " + std::to_string(func), ir.error(), func);
  if (env.options.tunables.nan_canonicalization) translate::canonicalize_nans(*ir);
  auto po = pipeline_options(env.options, true);
  if (!po) return po.error();
  add_limit_checks(env.options, *po);
  WasmBulkMemory bulk_memory(env.module, env.offsets, env.options.tunables);
  po->bulk_memory = &bulk_memory;
  auto cc = pipeline::compile(std::move(*ir), *po);  // the IR is not needed afterwards
  if (!cc) return compile_error("compiling function " + std::to_string(func), cc.error(), func);
  return convert(std::move(*cc), &env.module);
}

Expected<environ::CompiledFunction> X64Compiler::compile_array_to_wasm_trampoline(
    const wasm::FuncType& sig, const environ::CompilerOptions& options) const {
  ir::Function f = translate::build_array_to_wasm_trampoline(sig);
  KILN_ASSIGN_OR_RETURN(pipeline::CompileOptions po, pipeline_options(options, true));
  KILN_ASSIGN_OR_RETURN(mach::CompiledCode cc, pipeline::compile(f, po));
  return convert(std::move(cc), nullptr);
}

Expected<environ::CompiledFunction> X64Compiler::compile_wasm_to_array_trampoline(
    const wasm::FuncType& sig, const environ::CompilerOptions& options) const {
  ir::Function f = translate::build_wasm_to_array_trampoline(sig);
  // Its callee vmctx is a VMHostFuncContext, which has no store context to check against.
  KILN_ASSIGN_OR_RETURN(pipeline::CompileOptions po, pipeline_options(options, false));
  KILN_ASSIGN_OR_RETURN(mach::CompiledCode cc, pipeline::compile(f, po));
  return convert(std::move(cc), nullptr);
}

std::unique_ptr<environ::Compiler> make_x64_compiler() { return std::make_unique<X64Compiler>(); }
std::unique_ptr<environ::Compiler> make_x64_compiler(X64Compiler::Tier0 tier0) {
  return std::make_unique<X64Compiler>(tier0);
}

Expected<std::vector<environ::CompiledFunction>> compile_functions(
    const environ::Compiler& compiler, const environ::ModuleEnv& module_env, unsigned threads) {
  environ::ModuleEnv env = module_env;
  std::unique_ptr<environ::ModulePlan> plan;
  if (env.plan == nullptr) {
    plan = compiler.plan_module(env);
    env.plan = plan.get();
  }
  uint32_t n = env.module.num_defined_funcs();
  std::vector<std::optional<Expected<environ::CompiledFunction>>> results(n);
  // Largest bodies first: compile time grows with body size, and a big function taken last
  // would leave the other threads idle while one finishes it. Results go to their own slots,
  // so the output does not depend on the order or the thread count.
  std::vector<uint32_t> order(n);
  for (uint32_t k = 0; k < n; ++k) order[k] = k;
  const auto& bodies = env.module.bodies;
  if (bodies.size() == n) {
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      return bodies[a].whole.size > bodies[b].whole.size;
    });
  }
  std::atomic<uint32_t> next{0};
  auto worker = [&] {
    for (uint32_t i; (i = next.fetch_add(1)) < n;) {
      uint32_t k = order[i];
      results[k].emplace(compiler.compile_function(env, environ::DefinedFuncIndex(k)));
    }
  };
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::min<unsigned>(threads, std::max<uint32_t>(n, 1));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  std::vector<environ::CompiledFunction> out;
  out.reserve(n);
  for (uint32_t k = 0; k < n; ++k) {
    if (!*results[k]) return results[k]->error();
    out.push_back(std::move(**results[k]));
  }
  return out;
}

}  // namespace kiln::codegen::driver
