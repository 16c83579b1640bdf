// tests/unit/runtime_api/perf_map_test.cc: Config::ProfilingStrategy::kPerfMap appends each
// loaded module's functions to /tmp/perf-PID.map: one "ADDRESS SIZE NAME" line (hex) per
// defined function, the address and size being exactly that function's code, named from the
// name section (else wasm[INDEX]); nothing is written without the option.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "compile_wat.h"

namespace kiln::runtime {
namespace {

constexpr std::string_view kNamed = R"((module
  (import "env" "f" (func $imported))
  (func $first (result i32) i32.const 1)
  (func (result i32) i32.const 2)
  (func $third (export "third") (result i32) i32.const 3)))";

std::string perf_map_path() { return "/tmp/perf-" + std::to_string(getpid()) + ".map"; }

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(PerfMap, ListsEveryDefinedFunctionWithItsCode) {
  std::remove(perf_map_path().c_str());
  Config plain;
  Engine quiet(plain);
  Module unprofiled = testing::compile(quiet, kNamed);
  EXPECT_EQ(read_all(perf_map_path()), "");

  Config c;
  c.profiling = Config::ProfilingStrategy::kPerfMap;
  Engine engine(c);
  Module m = testing::compile(engine, kNamed);
  std::istringstream lines(read_all(perf_map_path()));
  auto offsets = m.code_function_offsets();
  auto sizes = m.code_function_sizes();
  ASSERT_EQ(offsets.size(), 3u);
  const char* names[] = {"wasm::first", "wasm[2]", "wasm::third"};
  for (size_t i = 0; i < 3; ++i) {
    std::string line;
    ASSERT_TRUE(std::getline(lines, line)) << "line " << i;
    unsigned long long addr = 0;
    unsigned size = 0;
    char name[64] = {};
    ASSERT_EQ(std::sscanf(line.c_str(), "%llx %x %63s", &addr, &size, name), 3) << line;
    EXPECT_EQ(addr, reinterpret_cast<uintptr_t>(m.code_text().data() + offsets[i])) << line;
    EXPECT_EQ(size, sizes[i]) << line;
    EXPECT_GT(size, 0u);
    EXPECT_STREQ(name, names[i]);
  }
  std::string extra;
  EXPECT_FALSE(std::getline(lines, extra)) << extra;
  std::remove(perf_map_path().c_str());
}

}  // namespace
}  // namespace kiln::runtime
