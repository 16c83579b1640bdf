// tests/unit/baseline/coverage_test.cc: how much of real programs the baseline compiler
// compiles itself. Every function of the sightglass programs (../shared/bench/sightglass) is
// compiled with the baseline; the rest falls back to the pipeline at -O0 (a tiering decision,
// not an error). The test prints the fallback rate per module (functions and body bytes) and
// requires the baseline to compile all but a small share of the code: these programs use no
// SIMD beyond a few functions and no GC, exceptions or tail calls.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "codegen/baseline/baseline.h"
#include "wasm/decoder.h"
#include "wasm/validator.h"

namespace kiln::codegen::baseline {
namespace {

namespace fs = std::filesystem;

struct Coverage {
  uint64_t funcs = 0, fallback_funcs = 0, bytes = 0, fallback_bytes = 0;
};

Coverage cover(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  wasm::Features features = wasm::Features::all();
  Coverage c;
  auto m = wasm::decode(std::move(bytes), features);
  EXPECT_TRUE(m.ok()) << file << ": " << (m.ok() ? "" : m.error().to_string());
  if (!m.ok()) return c;
  auto valid = wasm::validate(*m, features);
  EXPECT_TRUE(valid.ok()) << file;
  auto offsets = environ::VMOffsets::for_module(*m);
  EXPECT_TRUE(offsets.ok());
  if (!valid.ok() || !offsets.ok()) return c;
  environ::CompilerOptions options;
  options.opt_level = environ::OptLevel::kNone;
  environ::ModuleEnv env{*m, features, *offsets, options};
  for (uint32_t k = 0; k < m->num_defined_funcs(); ++k) {
    auto r = compile_function(env, environ::DefinedFuncIndex(k));
    EXPECT_TRUE(r.ok()) << file << " function " << k << ": " << (r.ok() ? "" : r.error().to_string());
    uint64_t size = m->bodies[k].whole.size;
    ++c.funcs;
    c.bytes += size;
    if (r.ok() && r->has_value()) {
      EXPECT_FALSE((*r)->code.empty());
    } else {
      ++c.fallback_funcs;
      c.fallback_bytes += size;
    }
  }
  return c;
}

TEST(BaselineCoverage, SightglassProgramsCompileWithTheBaseline) {
  fs::path root = fs::path(KILN_SHARED_DIR) / "bench" / "sightglass";
  ASSERT_TRUE(fs::is_directory(root)) << root;
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().extension() == ".wasm") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 10u);
  Coverage total;
  for (const fs::path& f : files) {
    Coverage c = cover(f);
    std::printf("%-45s %5llu functions, %4llu fall back (%7llu of %8llu bytes)\n",
                fs::relative(f, root).c_str(), static_cast<unsigned long long>(c.funcs),
                static_cast<unsigned long long>(c.fallback_funcs),
                static_cast<unsigned long long>(c.fallback_bytes), static_cast<unsigned long long>(c.bytes));
    total.funcs += c.funcs;
    total.fallback_funcs += c.fallback_funcs;
    total.bytes += c.bytes;
    total.fallback_bytes += c.fallback_bytes;
  }
  std::printf("all: %llu functions, %llu fall back (%.2f%%); %llu of %llu bytes (%.2f%%)\n",
              static_cast<unsigned long long>(total.funcs), static_cast<unsigned long long>(total.fallback_funcs),
              100.0 * static_cast<double>(total.fallback_funcs) / static_cast<double>(total.funcs),
              static_cast<unsigned long long>(total.fallback_bytes), static_cast<unsigned long long>(total.bytes),
              100.0 * static_cast<double>(total.fallback_bytes) / static_cast<double>(total.bytes));
  ASSERT_GT(total.bytes, 0u);
  EXPECT_LT(static_cast<double>(total.fallback_bytes), 0.05 * static_cast<double>(total.bytes));
}

}  // namespace
}  // namespace kiln::codegen::baseline
