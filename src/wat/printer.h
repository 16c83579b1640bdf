// wat/printer.h: binary module to text (the folded-free, flat instruction form wabt and
// wasm-tools print), for tools and round-trip tests.
#pragma once

#include <string>

#include "support/error.h"
#include "wasm/features.h"
#include "wasm/module.h"

namespace kiln::wat {

// Prints a decoded module as a `(module ...)` text that parse_module() turns back into an
// equivalent binary (same sections, same order, same instructions). Names from the `name`
// section are used as $identifiers where they are valid and unique. Fails only if a function
// body is malformed.
Expected<std::string> print_module(const wasm::Module& module, const wasm::Features& features = wasm::Features::all());

}  // namespace kiln::wat
