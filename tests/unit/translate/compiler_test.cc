// tests/unit/translate/compiler_test.cc: end-to-end tests of codegen/driver: Wasm compiled to
// x86-64 through X64Compiler, relocated by hand into executable memory and called natively
// with a fake VMContext (enough for functions without memories, tables or imports).
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "codegen/driver/compiler.h"
#include "wasm/decoder.h"
#include "wasm/validator.h"
#include "wat/wast.h"
#include "wat/wat.h"

namespace kiln::codegen::driver {
namespace {

struct Compiled {
  wasm::Module module;
  std::optional<environ::VMOffsets> offsets;
  std::vector<environ::CompiledFunction> funcs;
};

Expected<Compiled> compile_wat(std::string_view wat, environ::OptLevel level, unsigned threads,
                               bool inlining = true) {
  Compiled c;
  KILN_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, wat::parse_module(wat));
  wasm::Features features;
  KILN_ASSIGN_OR_RETURN(c.module, wasm::decode(std::move(bytes), features));
  KILN_TRY(wasm::validate(c.module, features));
  KILN_ASSIGN_OR_RETURN(environ::VMOffsets o, environ::VMOffsets::for_module(c.module));
  c.offsets = o;
  environ::CompilerOptions opts;
  opts.opt_level = level;
  opts.verify = true;
  opts.inlining = inlining;
  environ::ModuleEnv env{c.module, features, *c.offsets, opts};
  X64Compiler compiler;
  KILN_ASSIGN_OR_RETURN(c.funcs, compile_functions(compiler, env, threads));
  return c;
}

// Code of all functions in one RWX-then-RX mapping, relocations applied.
class NativeCode {
 public:
  explicit NativeCode(const std::vector<environ::CompiledFunction>& fs) {
    for (const auto& f : fs) {
      size_ = (size_ + 15) & ~size_t{15};
      starts_.push_back(size_);
      size_ += f.code.size();
    }
    map_ = static_cast<uint8_t*>(mmap(nullptr, size_ + 1, PROT_READ | PROT_WRITE,
                                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (map_ == MAP_FAILED) {
      map_ = nullptr;
      return;
    }
    for (size_t k = 0; k < fs.size(); ++k) {
      std::memcpy(map_ + starts_[k], fs[k].code.data(), fs[k].code.size());
      for (const environ::Relocation& r : fs[k].relocations) {
        uint64_t target = reinterpret_cast<uint64_t>(map_ + starts_[r.target.index]);
        uint8_t* at = map_ + starts_[k] + r.offset;
        if (r.kind == environ::RelocKind::kX86PCRel4) {
          int64_t v = static_cast<int64_t>(target + r.addend - reinterpret_cast<uint64_t>(at));
          int32_t v32 = static_cast<int32_t>(v);
          std::memcpy(at, &v32, 4);
        } else {
          uint64_t v = target + r.addend;
          std::memcpy(at, &v, 8);
        }
      }
    }
    ok_ = mprotect(map_, size_ + 1, PROT_READ | PROT_EXEC) == 0;
  }
  ~NativeCode() {
    if (map_) munmap(map_, size_ + 1);
  }
  bool ok() const { return ok_; }
  template <typename Fn>
  Fn entry(uint32_t defined) const {
    return reinterpret_cast<Fn>(map_ + starts_[defined]);
  }

 private:
  uint8_t* map_ = nullptr;
  size_t size_ = 0;
  std::vector<size_t> starts_;
  bool ok_ = false;
};

// A VMContext whose store context has stack_limit 0 (no limit) for the prologue check.
struct FakeVm {
  explicit FakeVm(const environ::VMOffsets& o) : vmctx(o.size() / 8 + 2, 0) {
    store[0] = 0;  // stack_limit
    vmctx[environ::VMOffsets::store_context() / 8] = reinterpret_cast<uint64_t>(store);
  }
  void* ptr() { return vmctx.data(); }
  std::vector<uint64_t> vmctx;
  uint64_t store[8] = {};
};

class Native : public ::testing::TestWithParam<environ::OptLevel> {};

TEST_P(Native, ArithmeticRecursionAndControlFlow) {
  auto c = compile_wat(R"((module
    (func $fac (param i64) (result i64)
      (if (result i64) (i64.eqz (local.get 0))
        (then (i64.const 1))
        (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
    (func $sum (param i32) (result i32) (local i32)
      (block $done
        (loop $top
          (br_if $done (i32.eqz (local.get 0)))
          (local.set 1 (i32.add (local.get 1) (local.get 0)))
          (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
          (br $top)))
      (local.get 1))
    (func $sel (param i32) (result i32)
      (block $d (block $c (block $b (block $a
        (br_table $a $b $c $d (local.get 0)))
        (return (i32.const 10)))
        (return (i32.const 11)))
        (return (i32.const 12)))
      (i32.const 13))
    (func $fmix (param f64 f64) (result f64)
      (f64.add (f64.mul (local.get 0) (local.get 1)) (f64.sqrt (local.get 1)))))
  )", GetParam(), 2);
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_EQ(c->funcs.size(), 4u);
  for (const auto& f : c->funcs) EXPECT_FALSE(f.code.empty());
  NativeCode code(c->funcs);
  ASSERT_TRUE(code.ok());
  FakeVm vm(*c->offsets);
  auto fac = code.entry<int64_t (*)(void*, void*, int64_t)>(0);
  auto sum = code.entry<int32_t (*)(void*, void*, int32_t)>(1);
  auto sel = code.entry<int32_t (*)(void*, void*, int32_t)>(2);
  auto fmix = code.entry<double (*)(void*, void*, double, double)>(3);
  EXPECT_EQ(fac(vm.ptr(), vm.ptr(), 20), 2432902008176640000);
  EXPECT_EQ(sum(vm.ptr(), vm.ptr(), 100), 5050);
  for (int k = 0; k < 6; ++k) EXPECT_EQ(sel(vm.ptr(), vm.ptr(), k), 10 + std::min(k, 3));
  EXPECT_EQ(fmix(vm.ptr(), vm.ptr(), 2.0, 16.0), 36.0);
}

TEST_P(Native, OutputIsIdenticalForAnyThreadCount) {
  const char* wat = R"((module
    (func (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
    (func (param i32) (result i32) (call 0 (i32.add (local.get 0) (i32.const 1))))
    (func (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
    (func (param f32) (result i32) (i32.trunc_f32_s (local.get 0))))
  )";
  // With inlining (the default at -O2, where function 0 is inlined into function 1) and
  // without.
  for (bool inlining : {true, false}) {
    auto a = compile_wat(wat, GetParam(), 1, inlining);
    auto b = compile_wat(wat, GetParam(), 4, inlining);
    ASSERT_TRUE(a && b);
    ASSERT_EQ(a->funcs.size(), b->funcs.size());
    for (size_t k = 0; k < a->funcs.size(); ++k) {
      EXPECT_EQ(a->funcs[k].code, b->funcs[k].code);
      EXPECT_EQ(a->funcs[k].relocations.size(), b->funcs[k].relocations.size());
    }
  }
  auto a = compile_wat(wat, GetParam(), 1, /*inlining=*/false);
  ASSERT_TRUE(a);
  // Function 1 calls function 0: one relocation to defined function 0.
  ASSERT_EQ(a->funcs[1].relocations.size(), 1u);
  EXPECT_EQ(a->funcs[1].relocations[0].target, environ::RelocTarget::func(environ::DefinedFuncIndex(0)));
  // rem_s and trunc trap: their trap sites carry Wasm trap codes.
  bool divz = false, conv = false;
  for (const auto& t : a->funcs[2].traps) divz |= t.code == environ::TrapCode::kIntegerDivisionByZero;
  for (const auto& t : a->funcs[3].traps) conv |= t.code == environ::TrapCode::kBadConversionToInteger;
  EXPECT_TRUE(divz);
  EXPECT_TRUE(conv);
}

TEST_P(Native, TrampolinesCompileAndEnterWasm) {
  auto c = compile_wat(R"((module
    (func (param i32 i64 f64) (result i64 f64)
      (i64.add (i64.extend_i32_s (local.get 0)) (local.get 1))
      (f64.neg (local.get 2))))
  )", GetParam(), 1);
  ASSERT_TRUE(c) << c.error().message();
  X64Compiler compiler;
  environ::CompilerOptions opts;
  opts.opt_level = GetParam();
  opts.verify = true;
  const wasm::FuncType& ft = c->module.func_sig(0);
  auto entry = compiler.compile_array_to_wasm_trampoline(ft, opts);
  ASSERT_TRUE(entry) << entry.error().message();
  auto exit = compiler.compile_wasm_to_array_trampoline(ft, opts);
  ASSERT_TRUE(exit) << exit.error().message();
  EXPECT_TRUE(entry->relocations.empty());
  std::vector<environ::CompiledFunction> all = c->funcs;
  all.push_back(*entry);
  NativeCode code(all);
  ASSERT_TRUE(code.ok());
  FakeVm vm(*c->offsets);
  uint64_t values[3 * 2] = {};
  int32_t a = -5;
  std::memcpy(&values[0], &a, 4);
  values[2] = 100;
  double d = 1.5;
  std::memcpy(&values[4], &d, 8);
  auto tramp = code.entry<void (*)(void*, void*, uint64_t*, const void*)>(1);
  tramp(vm.ptr(), vm.ptr(), values, code.entry<const void*>(0));
  EXPECT_EQ(static_cast<int64_t>(values[0]), 95);
  double r;
  std::memcpy(&r, &values[2], 8);
  EXPECT_EQ(r, -1.5);
}

INSTANTIATE_TEST_SUITE_P(OptLevels, Native,
                         ::testing::Values(environ::OptLevel::kNone, environ::OptLevel::kSpeed),
                         [](const auto& i) { return i.param == environ::OptLevel::kNone ? "O0" : "O2"; });

// Compiles every function of the spec testsuite's valid modules that the translator supports
// and reports how many the backend accepts; every failure must be a clean error.
TEST(NativeSweep, SpecTestsuiteCompiles) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(KILN_SHARED_DIR) / "wasm-testsuite" / "spec";
  if (!fs::exists(dir)) GTEST_SKIP() << "no spec testsuite";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".wast") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  X64Compiler compiler;
  environ::CompilerOptions opts;
  opts.opt_level = environ::OptLevel::kSpeed;
  size_t ok = 0, failed = 0, unsupported = 0;
  std::map<std::string, size_t> reasons;
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
      environ::ModuleEnv env{*m, features, *offsets, opts};
      for (uint32_t k = 0; k < m->num_defined_funcs(); ++k) {
        auto f = compiler.compile_function(env, environ::DefinedFuncIndex(k));
        if (f) {
          ++ok;
        } else if (f.error().message().find("does not support") != std::string::npos) {
          ++unsupported;
        } else {
          ++failed;
          std::string msg = f.error().message();
          size_t colon = msg.find(": ");
          reasons[colon == std::string::npos ? msg : msg.substr(colon + 2, 70)]++;
        }
      }
    }
  }
  std::printf("native sweep: %zu compiled, %zu backend errors, %zu unsupported by the translator\n",
              ok, failed, unsupported);
  for (const auto& [r, n] : reasons) std::printf("  %6zu  %s\n", n, r.c_str());
  EXPECT_GT(ok, 0u);
}

}  // namespace
}  // namespace kiln::codegen::driver
