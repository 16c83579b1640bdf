// tests/unit/wasi_p1/cli_options_test.cc: parsing of `kiln run`'s WASI options and the context
// they build (argv, environment, read-only preopens).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "wasi/host/fs.h"
#include "wasi/p1/cli_options.h"

namespace kiln::wasi::p1 {
namespace {

CliParse parse_all(std::vector<std::string_view> args, CliOptions& out, std::string& error) {
  for (size_t i = 0; i < args.size(); ++i) {
    CliParse p = parse_cli_option(args, i, out, error);
    if (p != CliParse::kConsumed) return p;
  }
  return CliParse::kConsumed;
}

TEST(CliOptions, ParsesDirEnvArgv0) {
  CliOptions o;
  std::string err;
  ASSERT_EQ(parse_all({"--dir", "/a", "--dir=/b::/guest", "--dir", "/c::x::ro", "--env", "K=V=W",
                       "--env=ONLY", "--argv0", "prog"},
                      o, err),
            CliParse::kConsumed)
      << err;
  ASSERT_EQ(o.dirs.size(), 3u);
  EXPECT_EQ(o.dirs[0].host, "/a");
  EXPECT_EQ(o.dirs[0].guest, "/a");
  EXPECT_FALSE(o.dirs[0].read_only);
  EXPECT_EQ(o.dirs[1].guest, "/guest");
  EXPECT_EQ(o.dirs[2].guest, "x");
  EXPECT_TRUE(o.dirs[2].read_only);
  ASSERT_EQ(o.env.size(), 2u);
  EXPECT_EQ(o.env[0].first, "K");
  EXPECT_EQ(o.env[0].second, "V=W");
  EXPECT_EQ(o.env[1].first, "ONLY");
  EXPECT_FALSE(o.env[1].second);
  EXPECT_EQ(o.argv0, "prog");
}

TEST(CliOptions, RejectsMalformed) {
  for (std::vector<std::string_view> bad :
       {std::vector<std::string_view>{"--dir"}, {"--dir", "::x"}, {"--dir", "a::"},
        {"--dir", "a::b::rw"}, {"--dir", "a::b::c::d"}, {"--env", "=v"}, {"--argv0"}}) {
    CliOptions o;
    std::string err;
    EXPECT_EQ(parse_all(bad, o, err), CliParse::kError) << bad[0];
    EXPECT_FALSE(err.empty());
  }
  CliOptions o;
  std::string err;
  size_t i = 0;
  std::vector<std::string_view> other = {"--invoke"};
  EXPECT_EQ(parse_cli_option(other, i, o, err), CliParse::kNotWasi);
}

TEST(CliOptions, BuildsTheContext) {
  std::string dir = std::filesystem::temp_directory_path().string();
  CliOptions o;
  o.dirs.push_back({dir, "/", true});
  o.env.emplace_back("X", "1");
  o.env.emplace_back("KILN_WASI_P1_SURELY_UNSET", std::nullopt);
  ::setenv("KILN_WASI_P1_SET", "yes", 1);
  o.env.emplace_back("KILN_WASI_P1_SET", std::nullopt);
  std::vector<std::string> guest = {"a", "b"};
  auto ctx = build_cli_ctx(o, "m.wasm", guest);
  ASSERT_TRUE(ctx.ok()) << ctx.error().message();
  EXPECT_EQ((*ctx)->args, (std::vector<std::string>{"m.wasm", "a", "b"}));
  EXPECT_EQ((*ctx)->env, (std::vector<std::string>{"X=1", "KILN_WASI_P1_SET=yes"}));
  auto d = (*ctx)->table.get_dir(3);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)->rights_base() & host::right::kDirMutate, 0u);
  EXPECT_EQ(*(*d)->preopen_name(), "/");

  o.argv0 = "named";
  o.dirs.push_back({"/definitely/not/here", "/x", false});
  auto bad = build_cli_ctx(o, "m.wasm", guest);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("/definitely/not/here"), std::string::npos);
}

}  // namespace
}  // namespace kiln::wasi::p1
