// component/decoder.h: decoding of component binaries (Binary.md) into component::Component.
#pragma once

#include <cstdint>
#include <vector>

#include "component/ast.h"
#include "support/error.h"
#include "wasm/features.h"

namespace kiln::component {

// True if `bytes` starts with the component preamble (magic, version 0x0d, layer 1).
bool is_component(const uint8_t* bytes, size_t size);

// Decodes a component binary. Nested core modules are decoded (not validated) with the core
// decoder. Errors are ErrorKind::kMalformed with the absolute byte offset and the wording of
// the component-model testsuite ("unexpected end-of-file", "malformed section id",
// "invalid leading byte (0x2) for core instance", ...). Nesting of components and types is
// bounded, and no count from the input allocates before being checked against the input left.
Expected<Component> decode_component(const std::vector<uint8_t>& bytes,
                                     const wasm::Features& features = {});

}  // namespace kiln::component
