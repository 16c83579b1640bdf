// cli/cmd_parse.cc: `kiln parse`: a text module to its binary encoding.
#include <optional>
#include <string>

#include "cli/command.h"
#include "cli/io.h"
#include "wat/wat.h"

namespace kiln::cli {

int run_parse(const CommandContext& ctx) {
  std::optional<std::string> input, output;
  for (size_t i = 0; i < ctx.args.size(); ++i) {
    std::string_view a = ctx.args[i];
    if (a == "-o") {
      if (i + 1 >= ctx.args.size() || output) {
        ctx.err << "usage: kiln parse FILE.wat -o FILE.wasm\n";
        return kExitUsage;
      }
      output = std::string(ctx.args[++i]);
    } else if (a.size() > 1 && a.front() == '-') {
      ctx.err << "kiln parse: unknown option '" << a << "'\n";
      return kExitUsage;
    } else if (input) {
      ctx.err << "kiln parse: only one input file may be given\n";
      return kExitUsage;
    } else {
      input = std::string(a);
    }
  }
  if (!input || !output) {
    ctx.err << "usage: kiln parse FILE.wat -o FILE.wasm\n";
    return kExitUsage;
  }
  Expected<std::vector<uint8_t>> text = read_file(*input);
  if (!text) {
    ctx.err << format_error(*input, text.error()) << "\n";
    return kExitFailure;
  }
  std::string_view source(reinterpret_cast<const char*>(text->data()), text->size());
  Expected<std::vector<uint8_t>> binary = wat::parse_module(source);
  if (!binary) {
    ctx.err << format_error(*input, binary.error()) << "\n";
    return kExitFailure;
  }
  Expected<void> written = write_file(*output, *binary);
  if (!written) {
    ctx.err << format_error(*output, written.error()) << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace kiln::cli
