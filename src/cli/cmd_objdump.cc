// cli/cmd_objdump.cc: `kiln objdump`: runs the kiln-objdump helper installed next to kiln
// (cli/objdump/), which links the disassembler kiln itself does without.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/command.h"

namespace kiln::cli {

int run_objdump(const CommandContext& ctx) {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    ctx.err << "Error: kiln objdump: cannot locate the kiln executable: " << ec.message() << "\n";
    return kExitFailure;
  }
  std::string helper = (self.parent_path() / "kiln-objdump").string();
  std::vector<std::string> args = {helper};
  for (std::string_view a : ctx.args) args.emplace_back(a);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ctx.out.flush();
  ctx.err.flush();
  ::execv(helper.c_str(), argv.data());
  ctx.err << "Error: kiln objdump needs the kiln-objdump helper next to kiln (" << helper
          << "): " << std::strerror(errno) << "\n";
  return kExitFailure;
}

}  // namespace kiln::cli
