// wasm/validator.h: module validation per the WebAssembly 3.0 spec.
#pragma once

#include "support/error.h"
#include "wasm/features.h"
#include "wasm/module.h"

namespace kiln::wasm {

// Validates a decoded module. Errors are ErrorKind::kInvalid with the byte offset of the
// offending instruction or entry and the spec testsuite's message ("type mismatch",
// "unknown function 5", "duplicate export name", ...).
Expected<void> validate(const Module& module, const Features& features = {});
// Everything but the function bodies: for a module whose bodies were validated and compiled
// earlier (a precompiled artifact), the checks instantiation relies on.
Expected<void> validate_except_bodies(const Module& module, const Features& features = {});

}  // namespace kiln::wasm
