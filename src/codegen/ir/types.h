// codegen/ir/types.h: IR value types (i8..i128, f32, f64, 128-bit vectors) as one-byte codes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kiln::codegen::ir {

// Every type an SSA value can have. Vector types are 128 bits wide (Wasm's v128 is one of the
// typed views, chosen by the translator). Booleans are i8 0/1, as in Cranelift.
#define KILN_IR_TYPES(X)             \
  X(kI8, "i8", 8, 1, kInt)           \
  X(kI16, "i16", 16, 1, kInt)        \
  X(kI32, "i32", 32, 1, kInt)        \
  X(kI64, "i64", 64, 1, kInt)        \
  X(kI128, "i128", 128, 1, kInt)     \
  X(kF32, "f32", 32, 1, kFloat)      \
  X(kF64, "f64", 64, 1, kFloat)      \
  X(kI8x16, "i8x16", 8, 16, kInt)    \
  X(kI16x8, "i16x8", 16, 8, kInt)    \
  X(kI32x4, "i32x4", 32, 4, kInt)    \
  X(kI64x2, "i64x2", 64, 2, kInt)    \
  X(kF32x4, "f32x4", 32, 4, kFloat)  \
  X(kF64x2, "f64x2", 64, 2, kFloat)

class Type {
 public:
  enum Code : uint8_t {
    kInvalid = 0,
#define X(code, name, lane_bits, lanes, cls) code,
    KILN_IR_TYPES(X)
#undef X
  };

  constexpr Type() = default;
  constexpr Type(Code c) : code_(c) {}

  constexpr Code code() const { return code_; }
  bool is_valid() const { return code_ != kInvalid; }
  // Bits of one lane (the whole type for scalars).
  uint32_t lane_bits() const;   // inline below
  uint32_t lane_count() const;
  uint32_t bits() const { return lane_bits() * lane_count(); }
  uint32_t bytes() const { return bits() / 8; }
  bool is_vector() const { return lane_count() > 1; }
  bool is_int() const;    // scalar integer (i8..i128)
  bool is_float() const;  // scalar float
  bool is_int_lanes() const;    // integer scalar or integer-lane vector
  bool is_float_lanes() const;  // float scalar or float-lane vector
  // The lane type of a vector; the type itself for a scalar.
  Type lane_type() const;
  // The integer type with the same lane shape (f32 -> i32, f32x4 -> i32x4).
  Type as_int() const;
  // Integer scalar type of the given width, or invalid.
  static Type int_of_bits(uint32_t bits);
  // Vector of `lanes` lanes of scalar `lane`, or invalid.
  static Type vector_of(Type lane, uint32_t lanes);

  std::string_view name() const;
  static std::optional<Type> parse(std::string_view s);

  friend constexpr bool operator==(Type a, Type b) { return a.code_ == b.code_; }
  friend constexpr bool operator!=(Type a, Type b) { return a.code_ != b.code_; }

 private:
  Code code_ = kInvalid;
};

// Lane width, lane count and class of every type code, inline: the passes and the lowering
// ask for them on every value they look at.
namespace type_detail {
enum Class : uint8_t { kNone, kInt, kFloat };
struct Props {
  uint8_t lane_bits_div8;
  uint8_t lanes;
  Class cls;
};
inline constexpr Props kProps[] = {
    {0, 1, kNone},
#define X(code, name, lane_bits, lanes, cls) {lane_bits / 8, lanes, cls},
    KILN_IR_TYPES(X)
#undef X
};
}  // namespace type_detail

inline uint32_t Type::lane_bits() const { return type_detail::kProps[code_].lane_bits_div8 * 8u; }
inline uint32_t Type::lane_count() const { return type_detail::kProps[code_].lanes; }
inline bool Type::is_int() const {
  return type_detail::kProps[code_].cls == type_detail::kInt && lane_count() == 1;
}
inline bool Type::is_float() const {
  return type_detail::kProps[code_].cls == type_detail::kFloat && lane_count() == 1;
}
inline bool Type::is_int_lanes() const { return type_detail::kProps[code_].cls == type_detail::kInt; }
inline bool Type::is_float_lanes() const {
  return type_detail::kProps[code_].cls == type_detail::kFloat;
}

inline constexpr Type kI8{Type::kI8}, kI16{Type::kI16}, kI32{Type::kI32}, kI64{Type::kI64},
    kI128{Type::kI128}, kF32{Type::kF32}, kF64{Type::kF64}, kI8x16{Type::kI8x16},
    kI16x8{Type::kI16x8}, kI32x4{Type::kI32x4}, kI64x2{Type::kI64x2}, kF32x4{Type::kF32x4},
    kF64x2{Type::kF64x2};

}  // namespace kiln::codegen::ir
