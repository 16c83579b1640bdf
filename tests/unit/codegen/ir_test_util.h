// tests/unit/codegen/ir_test_util.h: small IR queries shared by the mid-end pass tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "codegen/ir/function.h"
#include "codegen/ir/interpreter.h"
#include "codegen/ir/parser.h"

namespace kiln::codegen::ir::test_util {

// The function parsed from IR text; a parse error fails the test (and gives an empty function).
inline Function parse_or_fail(const std::string& text) {
  auto f = parse_function(text);
  EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().to_string());
  return f.ok() ? std::move(*f) : Function();
}

// Instructions in the function's layout (all blocks, reachable or not).
inline size_t count_insts(const Function& f) {
  size_t n = 0;
  for (Block b : f.layout.blocks()) {
    for (Inst i : f.layout.insts(b)) {
      (void)i;
      ++n;
    }
  }
  return n;
}

// f run in the interpreter on each argument list (one integer per parameter, truncated to its
// type), as text: the results separated by spaces, "trap", or "error ..." (e.g. out of fuel).
// Comparing the lists before and after a pass checks that it kept the function's behaviour.
inline std::vector<std::string> run_all(const Function& f, const std::vector<std::vector<int64_t>>& in,
                                        uint64_t fuel = 10'000'000) {
  std::vector<std::string> out;
  for (const auto& args : in) {
    Interpreter interp;
    interp.set_fuel(fuel);
    std::vector<DataValue> a;
    for (size_t k = 0; k < args.size(); ++k) {
      a.push_back(DataValue::make(f.signature.params[k].type, static_cast<uint64_t>(args[k])));
    }
    auto r = interp.call(f, a);
    if (!r.ok()) {
      out.push_back("error " + r.error().to_string());
    } else if (r->trapped) {
      out.push_back("trap");
    } else {
      std::string s;
      for (const DataValue& v : r->values) s += v.to_string() + " ";
      out.push_back(s);
    }
  }
  return out;
}

// SplitMix64: the random tests' reproducible generator (a seed names a test case).
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }
  bool coin() { return next() & 1; }
  bool chance(uint32_t pct) { return below(100) < pct; }

 private:
  uint64_t s_;
};

}  // namespace kiln::codegen::ir::test_util
