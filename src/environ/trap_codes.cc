// environ/trap_codes.cc: trap messages and names, from trap_codes.def.
#include "environ/trap_codes.h"

namespace kiln::environ {
namespace {

constexpr const char* kMessages[] = {
#define KILN_TRAP_CODE(name, message) message,
#include "environ/trap_codes.def"
#undef KILN_TRAP_CODE
};

constexpr const char* kNames[] = {
#define KILN_TRAP_CODE(name, message) #name,
#include "environ/trap_codes.def"
#undef KILN_TRAP_CODE
};

static_assert(sizeof(kMessages) / sizeof(kMessages[0]) == kNumTrapCodes);

}  // namespace

const char* trap_message(TrapCode code) {
  auto i = static_cast<uint32_t>(code);
  return i < kNumTrapCodes ? kMessages[i] : "unknown trap";
}

const char* trap_name(TrapCode code) {
  auto i = static_cast<uint32_t>(code);
  return i < kNumTrapCodes ? kNames[i] : "Unknown";
}

std::optional<TrapCode> trap_code_from_u8(uint8_t raw) {
  if (raw >= kNumTrapCodes) return std::nullopt;
  return static_cast<TrapCode>(raw);
}

}  // namespace kiln::environ
