// tests/unit/translate/spec_sweep_test.cc: translates every function of every valid module in
// the spec testsuite and checks that the IR verifies before and after optimization. Functions
// using proposals the compiler does not translate yet (SIMD, GC, exceptions, threads) must fail
// with the "does not support" error, never anything else.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "codegen/ir/verifier.h"
#include "codegen/opt/passes.h"
#include "codegen/translate/translate.h"
#include "wasm/decoder.h"
#include "wasm/validator.h"
#include "wat/wast.h"

namespace kiln::codegen::translate {
namespace {

namespace fs = std::filesystem;

TEST(SpecSweep, EveryFunctionTranslatesAndVerifies) {
  fs::path dir = fs::path(KILN_SHARED_DIR) / "wasm-testsuite" / "spec";
  if (!fs::exists(dir)) GTEST_SKIP() << "no spec testsuite at " << dir;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".wast") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  size_t modules = 0, translated = 0, unsupported = 0;
  environ::Tunables tunables;
  for (const fs::path& p : files) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    auto script = wat::parse_wast(ss.str(), p.filename().string());
    if (!script) continue;
    for (const wat::Command& c : script->commands) {
      if (c.kind != wat::Command::Kind::kModule || c.module.is_component ||
          c.module.form == wat::ModuleDef::Form::kQuote || c.module.text_error) {
        continue;
      }
      wasm::Features features;
      auto m = wasm::decode(c.module.binary, features);
      if (!m || !wasm::validate(*m, features)) continue;
      auto offsets = environ::VMOffsets::for_module(*m);
      if (!offsets) continue;
      ++modules;
      ModuleEnv env{*m, *offsets, tunables};
      for (uint32_t k = 0; k < m->num_defined_funcs(); ++k) {
        auto f = translate_function(env, environ::DefinedFuncIndex(k));
        if (!f) {
          EXPECT_NE(f.error().message().find("does not support"), std::string::npos)
              << p.filename() << " function " << k << ": " << f.error().message();
          ++unsupported;
          continue;
        }
        auto v = ir::verify_function(*f);
        ASSERT_TRUE(v) << p.filename() << " line " << c.loc.line << " function " << k << ": "
                       << v.error().message();
        opt::optimize(*f);
        v = ir::verify_function(*f);
        ASSERT_TRUE(v) << p.filename() << " line " << c.loc.line << " optimized function " << k
                       << ": " << v.error().message();
        ++translated;
      }
    }
  }
  std::printf("spec sweep: %zu modules, %zu functions translated, %zu unsupported\n", modules,
              translated, unsupported);
  EXPECT_GT(translated, 1000u);
}

}  // namespace
}  // namespace kiln::codegen::translate
