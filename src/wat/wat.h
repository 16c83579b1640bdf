// wat/wat.h: text format to binary for core modules.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "support/error.h"

namespace kiln::wat {

// Parses a text module: either a whole `(module ...)` form or a bare list of module fields
// (as `.wat` files and `(module quote ...)` allow). Returns the binary encoding. Errors are
// ErrorKind::kMalformed with line:column and the spec testsuite's wording
// ("unknown operator", "unexpected token", "i32 constant out of range", ...).
Expected<std::vector<uint8_t>> parse_module(std::string_view text);

}  // namespace kiln::wat
