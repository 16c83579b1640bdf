// runtime/val.h: Val, one WebAssembly value as the embedder sees it (i32, i64, f32, f64, v128,
// funcref, externref), and its conversion to and from the 16-byte slots of the array calling
// convention (environ/README.md: one slot per value, numbers zero-extended in the low bytes).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>

#include "wasm/types.h"

namespace kiln::runtime {

namespace vm {
struct VMFuncRef;
}

// A value with its type. References are raw: a funcref is the VMFuncRef* of a function of
// some store (null = null reference), an externref an opaque non-null host pointer (null =
// null reference). Wrap them with Func / Store::externref to use them.
class Val {
 public:
  Val() = default;

  static Val i32(int32_t v) { return from_bits(wasm::ValType::i32(), static_cast<uint32_t>(v)); }
  static Val i64(int64_t v) { return from_bits(wasm::ValType::i64(), static_cast<uint64_t>(v)); }
  static Val f32(float v) {
    uint32_t b;
    std::memcpy(&b, &v, 4);
    return f32_bits(b);
  }
  static Val f64(double v) {
    uint64_t b;
    std::memcpy(&b, &v, 8);
    return f64_bits(b);
  }
  // Floats by their IEEE bits, so NaN payloads survive.
  static Val f32_bits(uint32_t bits) { return from_bits(wasm::ValType::f32(), bits); }
  static Val f64_bits(uint64_t bits) { return from_bits(wasm::ValType::f64(), bits); }
  static Val v128(const std::array<uint8_t, 16>& bytes) {
    Val v;
    v.type_ = wasm::ValType::v128();
    v.bytes_ = bytes;
    return v;
  }
  // A reference of type `type` (a reference type) holding `ptr` (null: the null reference).
  static Val ref(wasm::ValType type, const void* ptr) {
    return from_bits(type, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(ptr)));
  }
  static Val funcref(const vm::VMFuncRef* f) { return ref(wasm::ValType::funcref(), f); }
  static Val externref(const void* p) { return ref(wasm::ValType::externref(), p); }
  // The default value of a type (zero, or the null reference).
  static Val zero(wasm::ValType type) { return from_bits(type, 0); }

  const wasm::ValType& type() const { return type_; }
  int32_t i32() const { return static_cast<int32_t>(low32()); }
  int64_t i64() const { return static_cast<int64_t>(low64()); }
  uint32_t f32_bits() const { return low32(); }
  uint64_t f64_bits() const { return low64(); }
  float f32() const {
    float f;
    uint32_t b = low32();
    std::memcpy(&f, &b, 4);
    return f;
  }
  double f64() const {
    double d;
    uint64_t b = low64();
    std::memcpy(&d, &b, 8);
    return d;
  }
  const std::array<uint8_t, 16>& v128() const { return bytes_; }
  // The reference's pointer (null for the null reference).
  void* ref_ptr() const { return reinterpret_cast<void*>(static_cast<uintptr_t>(low64())); }
  bool is_null_ref() const { return type_.is_ref() && low64() == 0; }
  const vm::VMFuncRef* funcref() const { return static_cast<const vm::VMFuncRef*>(ref_ptr()); }

  // Writes the value into a 16-byte slot (the array calling convention, global storage).
  void store(void* slot) const {
    std::array<uint8_t, 16> out{};
    std::memcpy(out.data(), bytes_.data(), size_of(type_));
    std::memcpy(slot, out.data(), 16);
  }
  // Reads a value of type `type` from a slot; only the type's bytes are read.
  static Val load(wasm::ValType type, const void* slot) {
    Val v;
    v.type_ = type;
    std::memcpy(v.bytes_.data(), slot, size_of(type));
    return v;
  }

  // "i32:42", "f64:0x1p+0", "funcref:null", for diagnostics.
  std::string to_string() const;

 private:
  static Val from_bits(wasm::ValType type, uint64_t bits) {
    Val v;
    v.type_ = type;
    std::memcpy(v.bytes_.data(), &bits, 8);
    return v;
  }
  static size_t size_of(const wasm::ValType& t) {
    switch (t.kind) {
      case wasm::ValKind::kI32:
      case wasm::ValKind::kF32:
        return 4;
      case wasm::ValKind::kV128:
        return 16;
      default:
        return 8;
    }
  }
  uint32_t low32() const {
    uint32_t v;
    std::memcpy(&v, bytes_.data(), 4);
    return v;
  }
  uint64_t low64() const {
    uint64_t v;
    std::memcpy(&v, bytes_.data(), 8);
    return v;
  }

  wasm::ValType type_ = wasm::ValType::i32();
  std::array<uint8_t, 16> bytes_{};
};

}  // namespace kiln::runtime
