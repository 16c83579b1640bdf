// cli/cmd_print.cc: `kiln print`: a module in the text format on standard output.
#include "cli/command.h"
#include "cli/io.h"
#include "wat/printer.h"

namespace kiln::cli {

int run_print(const CommandContext& ctx) {
  if (ctx.args.size() != 1 || ctx.args[0].starts_with("-")) {
    ctx.err << "usage: kiln print FILE.wasm|FILE.wat\n";
    return kExitUsage;
  }
  std::string path(ctx.args[0]);
  wasm::Features features = wasm::Features::all();
  Expected<LoadedModule> loaded = load_module(path, features);
  if (!loaded) {
    ctx.err << format_error(path, loaded.error()) << "\n";
    return kExitFailure;
  }
  Expected<std::string> text = wat::print_module(loaded->module, features);
  if (!text) {
    ctx.err << format_error(path, text.error(), loaded->from_text) << "\n";
    return kExitFailure;
  }
  ctx.out << *text;
  if (!text->empty() && text->back() != '\n') ctx.out << "\n";
  ctx.out.flush();
  return ctx.out ? kExitOk : kExitFailure;
}

}  // namespace kiln::cli
