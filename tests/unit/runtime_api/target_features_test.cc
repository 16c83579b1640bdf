// tests/unit/runtime_api/target_features_test.cc: Config::target_features and
// Tunables::nan_canonicalization through the embedding API: a SIMD module gives the same
// results with the host's extensions (AVX forms where present) and with the SSE4.1 baseline,
// a bad target-feature string is a clear compile error, and NaN canonicalization changes only
// NaN bits.
#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "runtime/module.h"
#include "runtime/store.h"
#include "wat/wat.h"

namespace kiln::runtime {
namespace {

constexpr const char* kSimd = R"((module
  (func (export "mix") (param v128 v128) (result v128)
    local.get 0 local.get 1 i32x4.add
    local.get 0 local.get 1 i16x8.sub_sat_s
    i8x16.avgr_u
    local.get 1 i8x16.popcnt
    i8x16.swizzle
    i32.const 3 i8x16.shl)
  (func (export "fmin") (param v128 v128) (result v128)
    local.get 0 local.get 1 f32x4.min local.get 1 f32x4.sqrt f32x4.add))
)";

Expected<Module> compile(const Config& config, const char* text, Engine** engine_out,
                         std::unique_ptr<Engine>& holder) {
  holder = std::make_unique<Engine>(config);
  *engine_out = holder.get();
  KILN_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, wat::parse_module(text));
  return Module::from_binary(*holder, bytes);
}

std::array<uint8_t, 16> bytes_of(std::initializer_list<uint32_t> lanes) {
  std::array<uint8_t, 16> b{};
  size_t k = 0;
  for (uint32_t l : lanes) std::memcpy(b.data() + 4 * k++, &l, 4);
  return b;
}

std::vector<std::array<uint8_t, 16>> run_all(const std::string& features, bool canon = false) {
  Config c;
  c.target_features = features;
  c.tunables.nan_canonicalization = canon;
  Engine* engine = nullptr;
  std::unique_ptr<Engine> holder;
  auto m = compile(c, kSimd, &engine, holder);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().to_string());
  if (!m.ok()) return {};
  Store store(*engine);
  auto inst = Instance::create(store, *m, {});
  EXPECT_TRUE(inst.ok()) << (inst.ok() ? "" : inst.error().to_string());
  if (!inst.ok()) return {};
  const std::array<std::array<uint8_t, 16>, 4> inputs = {
      bytes_of({0x01020304, 0x80808080, 0xffffffff, 0x7f00ff01}),
      bytes_of({0x3f800000, 0xffc00123, 0x80000000, 0x40490fdb}),  // 1, -NaN, -0, pi
      bytes_of({0x00000000, 0xbf800000, 0x7fc00000, 0x7f800000}),  // 0, -1, NaN, inf
      bytes_of({0xdeadbeef, 0x0badf00d, 0x12345678, 0x9abcdef0}),
  };
  std::vector<std::array<uint8_t, 16>> out;
  for (const char* name : {"mix", "fmin"}) {
    auto f = inst->get_func(name);
    EXPECT_TRUE(f);
    if (!f) continue;
    for (const auto& a : inputs) {
      for (const auto& b : inputs) {
        Val args[] = {Val::v128(a), Val::v128(b)};
        auto r = f->call(args);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
        if (r.ok() && r->size() == 1) out.push_back((*r)[0].v128());
      }
    }
  }
  return out;
}

TEST(TargetFeatures, BaselineAndHostAgree) {
  auto host = run_all("");
  auto base = run_all("baseline");
  ASSERT_EQ(host.size(), 32u);
  ASSERT_EQ(base.size(), host.size());
  // Identical bits, NaNs included: the VEX forms compute exactly what the SSE forms do.
  for (size_t i = 0; i < host.size(); ++i) EXPECT_EQ(host[i], base[i]) << "call " << i;
}

TEST(TargetFeatures, BadStringIsACompileError) {
  Config c;
  c.target_features = "baseline,+avx9";
  Engine* engine = nullptr;
  std::unique_ptr<Engine> holder;
  auto m = compile(c, kSimd, &engine, holder);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("unknown x86-64 target feature 'avx9'"), std::string::npos)
      << m.error().to_string();
}

TEST(TargetFeatures, NanCanonicalizationOnlyChangesNans) {
  auto plain = run_all("baseline");
  auto canon = run_all("baseline", /*canon=*/true);
  ASSERT_EQ(plain.size(), canon.size());
  ASSERT_EQ(plain.size(), 32u);
  size_t changed = 0;
  for (size_t i = 0; i < plain.size(); ++i) {
    for (int lane = 0; lane < 4; ++lane) {
      uint32_t p, c;
      std::memcpy(&p, plain[i].data() + 4 * lane, 4);
      std::memcpy(&c, canon[i].data() + 4 * lane, 4);
      bool p_nan = (p & 0x7f800000u) == 0x7f800000u && (p & 0x007fffffu) != 0;
      if (i >= 16 && p_nan) {  // f32x4 results: NaN lanes become the canonical NaN
        EXPECT_EQ(c, 0x7fc00000u) << "call " << i << " lane " << lane;
        changed += p != c;
      } else {
        EXPECT_EQ(c, p) << "call " << i << " lane " << lane;
      }
    }
  }
  EXPECT_GT(changed, 0u) << "no NaN result differed from the canonical one; the test is too weak";
}

}  // namespace
}  // namespace kiln::runtime
