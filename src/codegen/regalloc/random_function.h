// codegen/regalloc/random_function.h: a generator of random, valid allocator inputs (SSA
// functions with random CFGs, loops, block params, x86-like constraints and calls) driven by a
// source of choices: a seeded PRNG for the unit tests, the fuzzer's bytes for the fuzz target.
// In the spirit of regalloc2's fuzzing/func.rs; lives in the library so both share it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "codegen/regalloc/regalloc.h"

namespace kiln::codegen::regalloc {

// Where the generator's decisions come from.
class ChoiceSource {
 public:
  virtual ~ChoiceSource() = default;
  // A value in [0, bound); bound >= 1.
  virtual uint32_t below(uint32_t bound) = 0;
  bool chance(uint32_t percent) { return below(100) < percent; }
};

// Deterministic splitmix64 stream.
class SeededChoices final : public ChoiceSource {
 public:
  explicit SeededChoices(uint64_t seed) : state_(seed) {}
  uint32_t below(uint32_t bound) override;

 private:
  uint64_t state_;
};

// Consumes fuzzer bytes; once they run out every choice is 0 (so generation always ends).
class ByteChoices final : public ChoiceSource {
 public:
  ByteChoices(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint32_t below(uint32_t bound) override;

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

struct GenConfig {
  uint32_t max_blocks = 12;
  uint32_t max_insts_per_block = 12;
  uint32_t min_blocks = 1;  // before critical-edge splitting
  uint32_t min_insts_per_block = 0;
  uint32_t call_percent = 8;   // chance that an instruction is a call
  bool allow_floats = true;
  // How far back operands reach: larger values keep more values live (more pressure).
  uint32_t reach = 24;
  // Branch targets lie within this many blocks of the branch (0: anywhere). Small windows give
  // the local, loop-nested CFGs of structured code; the default gives tangled ones.
  uint32_t jump_window = 0;
  // Chance that an operand reads an older value of a dominating block rather than a recent one
  // of its own block (long live ranges).
  uint32_t far_percent = 35;
  // Every block but the last branches (at least) to the next one and only the last returns, so
  // every block is reachable (otherwise about one block in ten returns, which leaves much of a
  // large function unreachable).
  bool single_exit = false;
  // Blocks that split critical edges are placed right after their source block (as the x64
  // backend's block order does) instead of at the end of the layout.
  bool edge_blocks_after_source = false;
  // Chance that an instruction is a rematerialisable constant (Function::Inst::remat); its
  // value is then read like any other (fixed, reused, kAny and kStack uses, branch arguments).
  uint32_t remat_percent = 0;
};

struct GeneratedFunction {
  Function func;
  MachineEnv env;
};

// x86-64 register numbers used by the generator and the tests.
namespace x64 {
inline constexpr PReg kRax{0, RegClass::kInt}, kRcx{1, RegClass::kInt}, kRdx{2, RegClass::kInt},
    kRbx{3, RegClass::kInt}, kRsi{6, RegClass::kInt}, kRdi{7, RegClass::kInt}, kR8{8, RegClass::kInt},
    kR9{9, RegClass::kInt}, kR10{10, RegClass::kInt}, kR11{11, RegClass::kInt}, kR12{12, RegClass::kInt},
    kR13{13, RegClass::kInt}, kR14{14, RegClass::kInt}, kR15{15, RegClass::kInt};
inline constexpr PReg xmm(uint8_t n) { return PReg{n, RegClass::kFloat}; }
// System V: caller-saved GPRs preferred, callee-saved after; all xmm are caller-saved.
MachineEnv sysv_env();
// Registers a System V call clobbers.
PRegSet sysv_call_clobbers();
}  // namespace x64

GeneratedFunction generate_function(ChoiceSource& src, const GenConfig& cfg);

}  // namespace kiln::codegen::regalloc
