// environ/trap_codes.h: the TrapCode enum (from trap_codes.def) and its spec messages.
#pragma once

#include <cstdint>
#include <optional>

namespace kiln::environ {

enum class TrapCode : uint8_t {
#define KILN_TRAP_CODE(name, message) k##name,
#include "environ/trap_codes.def"
#undef KILN_TRAP_CODE
};

inline constexpr uint32_t kNumTrapCodes = 0
#define KILN_TRAP_CODE(name, message) +1
#include "environ/trap_codes.def"
#undef KILN_TRAP_CODE
    ;

// The spec testsuite's message for `code` ("out of bounds memory access").
const char* trap_message(TrapCode code);
// The enumerator's name without the k ("HeapOutOfBounds"), for diagnostics and text forms.
const char* trap_name(TrapCode code);
// Decodes a trap code stored as a byte (trap tables, .cwasm); nullopt if out of range.
std::optional<TrapCode> trap_code_from_u8(uint8_t raw);

}  // namespace kiln::environ
