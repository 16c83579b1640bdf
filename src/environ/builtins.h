// environ/builtins.h: BuiltinIndex and builtin signatures, from builtins.def.
//
// ABI of a builtin call from compiled code: a plain System V call (not the wasm convention):
// arguments in rdi, rsi, rdx, rcx, r8, r9 (vmctx first), result in rax; caller-saved registers
// per System V (all xmm registers too). The address is loaded from the callee-independent table
// at `*(vmctx + VMOffsets::builtins()) + index * 8`, or bound at load time with a relocation
// (RelocTarget::builtin). rsp must be 16-byte aligned at the call and rbp must hold the calling
// wasm function's frame pointer: the runtime reads the caller's fp and return pc from the
// builtin's own frame to build backtraces and to unwind on a trap.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace kiln::environ {

enum class BuiltinIndex : uint32_t {
#define KILN_BUILTIN(Name, name, result, ...) k##Name,
#include "environ/builtins.def"
#undef KILN_BUILTIN
};

inline constexpr uint32_t kNumBuiltins = 0
#define KILN_BUILTIN(Name, name, result, ...) +1
#include "environ/builtins.def"
#undef KILN_BUILTIN
    ;

enum class BuiltinType : uint8_t { kNone, kVmctx, kI32, kI64, kPtr };

struct BuiltinSignature {
  const char* name;  // "memory_grow"
  BuiltinType result;
  uint8_t num_params;
  std::array<BuiltinType, 8> params;
};

const BuiltinSignature& builtin_signature(BuiltinIndex b);
std::optional<BuiltinIndex> builtin_by_name(std::string_view name);
const char* builtin_name(BuiltinIndex b);

}  // namespace kiln::environ
