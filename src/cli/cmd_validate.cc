// cli/cmd_validate.cc: `kiln validate`: decode (or parse) and validate one module.
#include "cli/command.h"
#include "cli/io.h"
#include "wasm/validator.h"

namespace kiln::cli {

int run_validate(const CommandContext& ctx) {
  if (ctx.args.size() != 1 || ctx.args[0].starts_with("-")) {
    ctx.err << "usage: kiln validate FILE.wasm|FILE.wat\n";
    return kExitUsage;
  }
  std::string path(ctx.args[0]);
  // Validate against everything Kiln implements, threads included: this is a checker, and
  // a module that needs a proposal the runtime disables still is a valid module.
  wasm::Features features = wasm::Features::all();
  Expected<LoadedModule> loaded = load_module(path, features);
  if (!loaded) {
    ctx.err << format_error(path, loaded.error()) << "\n";
    return kExitFailure;
  }
  Expected<void> valid = wasm::validate(loaded->module, features);
  if (!valid) {
    ctx.err << format_error(path, valid.error(), loaded->from_text) << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace kiln::cli
