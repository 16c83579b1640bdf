// cli/cmd_config.cc: `kiln config new [PATH]`: write a documented config file (the format is
// in cli/precompiled.h) for `kiln run --config FILE`.
#include <filesystem>
#include <string>

#include "cli/command.h"
#include "cli/io.h"
#include "cli/precompiled.h"

namespace kiln::cli {

int run_config(const CommandContext& ctx) {
  if (ctx.args.empty() || ctx.args[0] != "new" || ctx.args.size() > 2) {
    ctx.err << "usage: kiln config new [PATH]\n";
    return kExitUsage;
  }
  std::string path = ctx.args.size() == 2 ? std::string(ctx.args[1]) : default_config_path();
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    ctx.err << "Error: " << path << " already exists (not overwritten)\n";
    return kExitFailure;
  }
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::string text = default_config_text();
  if (Expected<void> w = write_file(path, std::vector<uint8_t>(text.begin(), text.end())); !w) {
    ctx.err << format_error(path, w.error()) << "\n";
    return kExitFailure;
  }
  ctx.out << "wrote " << path << "\n";
  return kExitOk;
}

}  // namespace kiln::cli
