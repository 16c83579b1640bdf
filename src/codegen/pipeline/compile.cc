// codegen/pipeline/compile.cc: the compiler driver (see compile.h).
#include "codegen/pipeline/compile.h"

#include <time.h>

#include <optional>

#include "codegen/ir/flowgraph.h"
#include "codegen/ir/verifier.h"
#include "codegen/isa/x64/emit.h"
#include "codegen/isa/x64/lower.h"
#include "codegen/opt/limit_checks.h"
#include "codegen/opt/loops.h"
#include "codegen/opt/passes.h"
#include "codegen/regalloc/regalloc.h"

namespace kiln::codegen::pipeline {

namespace {

// Thread CPU time: phase times stay meaningful on a loaded machine.
uint64_t thread_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

// Adds the time since construction (or the last lap) to a counter, when timing is on. The
// clock is a system call (~1 us): skip() is called only after work that is left out.
class Lap {
 public:
  explicit Lap(bool on) : on_(on), t_(on ? thread_ns() : 0) {}
  void to(uint64_t& counter) {
    if (!on_) return;
    uint64_t now = thread_ns();
    counter += now - t_;
    t_ = now;
  }
  void skip() {
    if (on_) t_ = thread_ns();
  }

 private:
  bool on_;
  uint64_t t_;
};

}  // namespace

namespace {

// `owned`: the function to optimize in place (it is `input`), or null to work on a copy.
Expected<mach::CompiledCode> compile_impl(const ir::Function& input, ir::Function* owned,
                                          const CompileOptions& options, CompileDebug* debug) {
  PhaseStats scratch;
  PhaseStats& st = debug ? debug->stats : scratch;
  if (debug) st.ir_insts = static_cast<uint32_t>(input.dfg.num_insts());
  if (options.verify) KILN_TRY(ir::verify_function(input));
  Lap lap(debug != nullptr);
  std::optional<ir::Function> optimized;
  const ir::Function* f = &input;
  if (options.opt_level > 0) {
    ir::Function* target = owned;
    if (!target) target = &optimized.emplace(input);
    st.opt.timed = debug != nullptr;
    opt::optimize(*target, &st.opt, options.bulk_memory);
    lap.to(st.optimize_ns);
    if (options.verify) {
      KILN_TRY(ir::verify_function(*target));
      lap.skip();
    }
    f = target;
  } else {
    // Machine code needs an entry block nobody branches to (its parameters arrive in argument
    // registers). The optimizer guarantees that through its preheaders; at -O0 an entry block
    // that is also a loop header gets a fresh entry block in front of it.
    ir::ControlFlowGraph cfg;
    cfg.compute(input);
    if (!cfg.preds(input.layout.entry_block()).empty()) {
      ir::Function* target = owned;
      if (!target) target = &optimized.emplace(input);
      opt::ensure_preheaders(*target);
      lap.to(st.optimize_ns);
      if (options.verify) {
        KILN_TRY(ir::verify_function(*target));
        lap.skip();
      }
      f = target;
    } else {
      lap.to(st.optimize_ns);
    }
  }
  if (options.epoch_checks || options.fuel_checks) {
    // After the mid-end, so that the loop passes see loops without checks (limit_checks.h).
    ir::Function* target = owned ? owned : optimized ? &*optimized : &optimized.emplace(input);
    if (options.fuel_checks) KILN_TRY(opt::place_fuel_checks(*target, *options.fuel_checks));
    if (options.epoch_checks) opt::place_epoch_checks(*target, *options.epoch_checks);
    lap.to(st.optimize_ns);
    if (options.verify) {
      KILN_TRY(ir::verify_function(*target));
      lap.skip();
    }
    f = target;
  }
  x64::LowerOptions lo;
  lo.cpu = options.cpu;
  lo.stack_limit_path = options.stack_limit_path;
  KILN_ASSIGN_OR_RETURN(x64::VCode vcode, x64::lower(*f, lo));
  lap.to(st.lower_ns);
  if (debug) {
    st.vcode_insts = static_cast<uint32_t>(vcode.insts.size());
    if (debug->want_vcode) {
      debug->vcode = x64::print_vcode(vcode);
      lap.skip();
    }
  }
  // The allocator's input is rebuilt for every function: its storage is kept per thread
  // (compile_impl never nests).
  thread_local regalloc::Function rf;
  vcode.to_regalloc(rf);
  regalloc::Options ro;
  // With the checker on (tests, KILN_VERIFY), the allocator also validates its whole input.
  ro.validate_input = options.check_regalloc;
  KILN_ASSIGN_OR_RETURN(regalloc::Output ra, regalloc::run(rf, x64::machine_env(), ro));
  lap.to(st.regalloc_ns);
  if (options.check_regalloc) {
    KILN_TRY(regalloc::check(rf, x64::machine_env(), ra));
    lap.skip();
  }
  x64::EmitOptions eo;
  eo.cpu = options.cpu;
  eo.relax_branches = options.relax_branches;
  KILN_ASSIGN_OR_RETURN(mach::CompiledCode cc, x64::emit(vcode, ra, eo));
  lap.to(st.emit_ns);
  if (debug) st.code_bytes = static_cast<uint32_t>(cc.code.size());
  return cc;
}

}  // namespace

Expected<mach::CompiledCode> compile(const ir::Function& f, const CompileOptions& options,
                                     CompileDebug* debug) {
  return compile_impl(f, nullptr, options, debug);
}

Expected<mach::CompiledCode> compile(ir::Function&& f, const CompileOptions& options,
                                     CompileDebug* debug) {
  return compile_impl(f, &f, options, debug);
}

}  // namespace kiln::codegen::pipeline
