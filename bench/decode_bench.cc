// bench/decode_bench.cc: decode+validate throughput (MB/s) over every .wasm file in a folder
// (the sightglass programs in ../shared/bench/sightglass).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "wasm/decoder.h"
#include "wasm/validator.h"

namespace {

struct Input {
  std::string name;
  std::vector<uint8_t> bytes;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: decode_bench DIR [MIN_SECONDS_PER_FILE]\n");
    return 2;
  }
  double min_seconds = argc > 2 ? std::stod(argv[2]) : 0.2;
  std::vector<Input> inputs;
  std::error_code ec;
  if (!std::filesystem::is_directory(argv[1], ec)) {
    std::fprintf(stderr, "decode_bench: %s is not a directory\n", argv[1]);
    return 1;
  }
  for (const auto& e : std::filesystem::recursive_directory_iterator(argv[1])) {
    if (!e.is_regular_file() || e.path().extension() != ".wasm") continue;
    std::ifstream in(e.path(), std::ios::binary);
    inputs.push_back({std::filesystem::relative(e.path(), argv[1]).string(),
                      std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {})});
  }
  std::sort(inputs.begin(), inputs.end(), [](const Input& a, const Input& b) { return a.name < b.name; });
  if (inputs.empty()) {
    std::fprintf(stderr, "decode_bench: no .wasm files under %s\n", argv[1]);
    return 1;
  }
  const auto features = kiln::wasm::Features::all();
  double total_bytes = 0, total_secs = 0;
  int failures = 0;
  std::printf("%-48s %10s %10s %10s\n", "module", "KiB", "MB/s", "runs");
  for (const auto& in : inputs) {
    size_t runs = 0;
    auto t0 = std::chrono::steady_clock::now();
    bool ok = true;
    do {
      auto m = kiln::wasm::decode(in.bytes, features);
      if (!m.ok()) {
        std::printf("%-48s decode error: %s\n", in.name.c_str(), m.error().to_string().c_str());
        ok = false;
        break;
      }
      auto v = kiln::wasm::validate(*m, features);
      if (!v.ok()) {
        std::printf("%-48s validation error: %s\n", in.name.c_str(), v.error().to_string().c_str());
        ok = false;
        break;
      }
      ++runs;
    } while (seconds_since(t0) < min_seconds);
    if (!ok) {
      ++failures;
      continue;
    }
    double secs = seconds_since(t0);
    double bytes = static_cast<double>(in.bytes.size()) * static_cast<double>(runs);
    total_bytes += bytes;
    total_secs += secs;
    std::printf("%-48s %10.1f %10.1f %10zu\n", in.name.c_str(), in.bytes.size() / 1024.0,
                bytes / secs / 1e6, runs);
  }
  std::printf("total: %.1f MB/s decode+validate over %zu modules (%d failed)\n",
              total_bytes / total_secs / 1e6, inputs.size() - failures, failures);
  return failures == 0 ? 0 : 1;
}
