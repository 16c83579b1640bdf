// wasm/decoder.h: binary module decoding (the binary format's well-formedness rules).
#pragma once

#include <cstdint>
#include <vector>

#include "support/error.h"
#include "wasm/features.h"
#include "wasm/module.h"

namespace kiln::wasm {

// Decodes a binary module. Checks everything the spec calls malformed (magic/version, section
// order and sizes, LEB128 ranges, UTF-8 names, function/code count agreement, data count,
// immediates of every instruction) and reports the first problem as ErrorKind::kMalformed
// with its byte offset and the spec testsuite's message. Never allocates by an untrusted
// count before checking it against the remaining input.
Expected<Module> decode(std::vector<uint8_t> bytes, const Features& features = {});

}  // namespace kiln::wasm
