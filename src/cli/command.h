// cli/command.h: what every `kiln` subcommand gets and returns, and the subcommand table's
// entry type. One file per subcommand (cmd_<name>.cc) defines its run function.
#pragma once

#include <ostream>
#include <span>
#include <string_view>
#include <vector>

namespace kiln::cli {

// Exit codes shared by all subcommands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the input was rejected or a test failed
inline constexpr int kExitUsage = 2;    // bad command line

// Everything a subcommand may touch: its arguments (after the subcommand name) and the
// streams to write to. Passing the streams in keeps subcommands free of global state.
struct CommandContext {
  std::vector<std::string_view> args;
  std::ostream& out;
  std::ostream& err;
};

struct Subcommand {
  std::string_view name;
  std::string_view summary;  // one line for `kiln --help`
  std::string_view usage;    // full usage text for `kiln <name> --help`
  int (*run)(const CommandContext&);
};

// The table of subcommands, in the order `kiln --help` lists them.
std::span<const Subcommand> subcommands();

int run_wast(const CommandContext& ctx);
int run_validate(const CommandContext& ctx);
int run_print(const CommandContext& ctx);
int run_parse(const CommandContext& ctx);
int run_compile(const CommandContext& ctx);
int run_objdump(const CommandContext& ctx);
int run_config(const CommandContext& ctx);

}  // namespace kiln::cli
