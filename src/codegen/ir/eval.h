// codegen/ir/eval.h: DataValue (a typed IR value at run time) and the semantics of pure
// instructions, shared by the interpreter and constant folding.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "codegen/ir/instructions.h"
#include "codegen/ir/types.h"

namespace kiln::codegen::ir {

using U128 = unsigned __int128;

struct DataValue {
  Type type;
  U128 bits = 0;  // the low type.bits() bits; higher bits are always zero

  static DataValue make(Type t, U128 bits);
  static DataValue from_f32(float f);
  static DataValue from_f64(double d);
  uint64_t as_u64() const { return static_cast<uint64_t>(bits); }
  int64_t as_i64() const;  // sign-extended from the type's width (scalars up to 64 bits)
  float as_f32() const;
  double as_f64() const;
  // Bit equality, except that any two NaNs of the same float type are equal.
  bool same_as(const DataValue& o) const;
  // Text in the filetest syntax: signed decimal integers, float literals, 0x vectors.
  std::string to_string() const;
};

enum class EvalStatus : uint8_t { kOk, kTrap, kNotPure };

// Evaluates an instruction that neither reads nor writes memory and does not branch or call:
// every opcode except loads, stores, stack ops, calls, func_addr, branches, return, trap,
// trapz/trapnz (iconst and the other constants are pure). `results` receives one value (two
// for isplit). On kTrap, `trap` says why.
EvalStatus eval_pure(const InstData& d, std::span<const Type> result_types,
                     std::span<const DataValue> args, std::span<DataValue> results,
                     TrapCode& trap);

}  // namespace kiln::codegen::ir
