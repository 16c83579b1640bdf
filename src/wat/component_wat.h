// wat/component_wat.h: text format to binary for components (Explainer.md's text format).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "support/error.h"

namespace kiln::wat {

// Parses one `(component ...)` form - also `(component binary "..."*)`,
// `(component quote "..."*)` and `(component definition ...)` - and returns the component
// binary. Nested `(core module ...)` forms go through the core text parser. Identifiers are
// resolved as definitions appear (index spaces are built incrementally), type references to
// enclosing scopes become outer aliases, and inline types and `(sort $inst "name")` item
// references become definitions of their own, as the text format's abbreviations say.
// Errors are ErrorKind::kMalformed with line:column.
Expected<std::vector<uint8_t>> parse_component(std::string_view text);

}  // namespace kiln::wat
