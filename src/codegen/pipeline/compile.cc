// codegen/pipeline/compile.cc: the compiler driver (see compile.h).
#include "codegen/pipeline/compile.h"

#include <optional>

#include "codegen/ir/flowgraph.h"
#include "codegen/ir/verifier.h"
#include "codegen/isa/x64/emit.h"
#include "codegen/isa/x64/lower.h"
#include "codegen/opt/loops.h"
#include "codegen/opt/passes.h"
#include "codegen/regalloc/regalloc.h"

namespace kiln::codegen::pipeline {

Expected<mach::CompiledCode> compile(const ir::Function& input, const CompileOptions& options,
                                     CompileDebug* debug) {
  if (options.verify) KILN_TRY(ir::verify_function(input));
  std::optional<ir::Function> optimized;
  const ir::Function* f = &input;
  if (options.opt_level > 0) {
    optimized = input;
    opt::optimize(*optimized);
    if (options.verify) KILN_TRY(ir::verify_function(*optimized));
    f = &*optimized;
  } else {
    // Machine code needs an entry block nobody branches to (its parameters arrive in argument
    // registers). The optimizer guarantees that through its preheaders; at -O0 an entry block
    // that is also a loop header gets a fresh entry block in front of it.
    ir::ControlFlowGraph cfg;
    cfg.compute(input);
    if (!cfg.preds(input.layout.entry_block()).empty()) {
      optimized = input;
      opt::ensure_preheaders(*optimized);
      if (options.verify) KILN_TRY(ir::verify_function(*optimized));
      f = &*optimized;
    }
  }
  x64::LowerOptions lo;
  lo.cpu = options.cpu;
  lo.stack_limit_path = options.stack_limit_path;
  KILN_ASSIGN_OR_RETURN(x64::VCode vcode, x64::lower(*f, lo));
  if (debug) debug->vcode = x64::print_vcode(vcode);
  regalloc::Function rf = vcode.to_regalloc();
  regalloc::Options ro;
  ro.run_checker = options.check_regalloc;
  KILN_ASSIGN_OR_RETURN(regalloc::Output ra, regalloc::run(rf, x64::machine_env(), ro));
  x64::EmitOptions eo;
  eo.cpu = options.cpu;
  eo.relax_branches = options.relax_branches;
  return x64::emit(vcode, ra, eo);
}

}  // namespace kiln::codegen::pipeline
