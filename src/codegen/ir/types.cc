// codegen/ir/types.cc: properties and names of IR types, from the KILN_IR_TYPES table.
#include "codegen/ir/types.h"

namespace kiln::codegen::ir {
namespace {

enum Class : uint8_t { kNone, kInt, kFloat };

struct TypeInfo {
  const char* name;
  uint32_t lane_bits;
  uint32_t lanes;
  Class cls;
};

constexpr TypeInfo kInfo[] = {
    {"invalid", 0, 1, kNone},
#define X(code, name, lane_bits, lanes, cls) {name, lane_bits, lanes, cls},
    KILN_IR_TYPES(X)
#undef X
};

const TypeInfo& info(Type t) { return kInfo[t.code()]; }

}  // namespace


Type Type::lane_type() const {
  if (!is_vector()) return *this;
  if (is_float_lanes()) return lane_bits() == 32 ? kF32 : kF64;
  return int_of_bits(lane_bits());
}

Type Type::as_int() const {
  if (is_int_lanes()) return *this;
  if (!is_float_lanes()) return Type();
  return vector_of(int_of_bits(lane_bits()), lane_count());
}

Type Type::int_of_bits(uint32_t bits) {
  switch (bits) {
    case 8: return kI8;
    case 16: return kI16;
    case 32: return kI32;
    case 64: return kI64;
    case 128: return kI128;
    default: return Type();
  }
}

Type Type::vector_of(Type lane, uint32_t lanes) {
  if (lane.is_vector() || !lane.is_valid()) return Type();
  if (lanes == 1) return lane;
  for (uint8_t c = 1; c < sizeof(kInfo) / sizeof(kInfo[0]); ++c) {
    Type t(static_cast<Code>(c));
    if (t.lane_count() == lanes && t.lane_type() == lane) return t;
  }
  return Type();
}

std::string_view Type::name() const { return info(*this).name; }

std::optional<Type> Type::parse(std::string_view s) {
  for (uint8_t c = 1; c < sizeof(kInfo) / sizeof(kInfo[0]); ++c) {
    if (s == kInfo[c].name) return Type(static_cast<Code>(c));
  }
  return std::nullopt;
}

}  // namespace kiln::codegen::ir
