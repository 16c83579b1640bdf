// tests/unit/runtime_api/kiln_cli.h: running this build's `kiln` executable from the
// embedding-API tests (CLI behaviour of limits and exhaustion), with its output and status.
#pragma once

#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace kiln::runtime::testing {

// The kiln executable of this build: unit_runtime_api lives in <build>/tests, kiln in <build>.
inline std::filesystem::path kiln_path() {
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  return self.parent_path().parent_path() / "kiln";
}

struct RunResult {
  int status = -1;        // exit status
  bool signaled = false;  // killed by a signal (a host crash)
  std::string output;     // stdout and stderr
  double seconds = 0;     // wall time
};

// Runs kiln with `args` (each single-quoted for the shell).
inline RunResult run_kiln(const std::vector<std::string>& args) {
  std::string cmd = kiln_path().string();
  for (const std::string& a : args) cmd += " '" + a + "'";
  cmd += " 2>&1";
  RunResult r;
  auto start = std::chrono::steady_clock::now();
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  int st = pclose(p);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.signaled = WIFSIGNALED(st);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace kiln::runtime::testing
