// codegen/opt/rules.h: the algebraic rewrite rules (identities, canonicalization, strength
// reduction). The rules themselves, one table with the reason each is valid, are in rules.cc.
#pragma once

#include <array>

#include "codegen/ir/function.h"

namespace kiln::codegen::opt {

// Whether any rule is written for an opcode (from the table in rules.cc). Most instructions'
// opcodes have none: simplify asks this first, inline, instead of calling apply_rules.
extern const std::array<bool, ir::kNumOpcodes> kOpcodeHasRules;
inline bool has_rules(ir::Opcode op) { return kOpcodeHasRules[static_cast<size_t>(op)]; }

// Tries the rules for the opcode of `i` (a scalar integer operation, comparison, select,
// extension, conditional branch or trap) and applies the first that matches. A rule either
// rewrites `i` in place (keeping its result value), replaces it by an existing value (the
// result becomes an alias and `i` leaves the layout), or inserts new instructions before `i`.
// Operands must be alias-free or resolved through the DFG; the caller resolves aliases once
// the pass is done. Returns true if something changed.
bool apply_rules(ir::Function& f, ir::Inst i);

// Magic numbers for signed division by a constant (Hacker's Delight, 2nd ed., 10-1): for a
// divisor d with |d| >= 2 of `bits` (32 or 64) bits, q = mulhs(x, multiplier) then
// corrections, then an arithmetic shift by `shift`. Exposed for the unit tests.
struct SignedMagic {
  int64_t multiplier;
  uint32_t shift;
};
SignedMagic signed_magic(int64_t d, uint32_t bits);

// Magic numbers for unsigned division by a constant d, 3 <= d < 2^(bits - 1) and not a power
// of two, of `bits` (32 or 64) bits (Granlund and Montgomery, "Division by Invariant Integers
// using Multiplication", 1994; Hacker's Delight, 2nd ed., 10-8). With l = floor(log2 d):
//  - !add: x / d == mulhu(x, multiplier) >> shift, multiplier = ceil(2^(bits + l) / d) < 2^bits,
//    used when its rounding error multiplier * d - 2^(bits + l) is at most 2^l;
//  - add: one more bit, ceil(2^(bits + l + 1) / d) = 2^bits + multiplier, always exact; with
//    t = mulhu(x, multiplier), x / d == (((x - t) >> 1) + t) >> shift (no overflow: t <= x).
// shift is l in both cases. Exposed for the unit tests.
struct UnsignedMagic {
  uint64_t multiplier;
  uint32_t shift;
  bool add;
};
UnsignedMagic unsigned_magic(uint64_t d, uint32_t bits);

}  // namespace kiln::codegen::opt
