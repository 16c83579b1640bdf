// codegen/translate/nan_canonicalize.h: the NaN canonicalization pass (Tunables::
// nan_canonicalization): every float operation whose NaN result the Wasm spec leaves
// nondeterministic (arithmetic, sqrt, rounding, min/max, promotion and demotion, scalar and
// vector) has NaN results replaced by the canonical quiet NaN with a clear sign bit
// (0x7fc00000 / 0x7ff8000000000000 per lane), so results are the same on every engine and
// CPU. Operations that only move bits (neg, abs, copysign, loads, reinterpretations) are
// left alone, as the spec defines their NaN results exactly.
#pragma once

#include "codegen/ir/function.h"

namespace kiln::codegen::translate {

// Rewrites f in place; returns how many operations were canonicalized.
size_t canonicalize_nans(ir::Function& f);

}  // namespace kiln::codegen::translate
