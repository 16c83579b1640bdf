// environ/builtins.cc: the builtin signature table, from builtins.def.
#include "environ/builtins.h"

namespace kiln::environ {
namespace {

namespace types {
constexpr BuiltinType none = BuiltinType::kNone;
constexpr BuiltinType vmctx = BuiltinType::kVmctx;
constexpr BuiltinType i32 = BuiltinType::kI32;
constexpr BuiltinType i64 = BuiltinType::kI64;
constexpr BuiltinType ptr = BuiltinType::kPtr;
}  // namespace types

template <typename... T>
constexpr BuiltinSignature make(const char* name, BuiltinType result, T... params) {
  static_assert(sizeof...(T) <= 8, "too many builtin parameters");
  return BuiltinSignature{name, result, static_cast<uint8_t>(sizeof...(T)), {params...}};
}

using namespace types;
constexpr BuiltinSignature kSignatures[] = {
#define KILN_BUILTIN(Name, name, result, ...) make(#name, result, __VA_ARGS__),
#include "environ/builtins.def"
#undef KILN_BUILTIN
};
static_assert(sizeof(kSignatures) / sizeof(kSignatures[0]) == kNumBuiltins);

}  // namespace

const BuiltinSignature& builtin_signature(BuiltinIndex b) {
  return kSignatures[static_cast<uint32_t>(b)];
}

const char* builtin_name(BuiltinIndex b) {
  auto i = static_cast<uint32_t>(b);
  return i < kNumBuiltins ? kSignatures[i].name : "unknown";
}

std::optional<BuiltinIndex> builtin_by_name(std::string_view name) {
  for (uint32_t i = 0; i < kNumBuiltins; ++i) {
    if (name == kSignatures[i].name) return static_cast<BuiltinIndex>(i);
  }
  return std::nullopt;
}

}  // namespace kiln::environ
