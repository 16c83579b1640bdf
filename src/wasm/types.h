// wasm/types.h: the type vocabulary of WebAssembly 3.0: value, reference, heap, storage,
// composite (func/struct/array), sub and rec-group types, limits, and extern types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln::wasm {

// Abstract heap types. The values are the one-byte binary encodings (SLEB -0x10 .. -0x0b ...).
enum class HeapKind : uint8_t {
  kNoExn = 0x74,
  kNoFunc = 0x73,
  kNoExtern = 0x72,
  kNone = 0x71,
  kFunc = 0x70,
  kExtern = 0x6F,
  kAny = 0x6E,
  kEq = 0x6D,
  kI31 = 0x6C,
  kStruct = 0x6B,
  kArray = 0x6A,
  kExn = 0x69,
  kCont = 0x68,     // stack switching (decoded, not enabled)
  kNoCont = 0x75,
};

// A heap type: an abstract kind or a concrete type index into the module's type section.
class HeapType {
 public:
  constexpr HeapType() = default;
  constexpr HeapType(HeapKind k) : rep_(kAbstractBase | static_cast<uint32_t>(k)) {}
  static constexpr HeapType index(uint32_t type_index) { HeapType h; h.rep_ = type_index; return h; }

  constexpr bool is_index() const { return rep_ < kAbstractBase; }
  constexpr bool is_abstract() const { return !is_index(); }
  constexpr uint32_t type_index() const { return rep_; }
  constexpr HeapKind kind() const { return static_cast<HeapKind>(rep_ & 0xFF); }
  constexpr uint32_t raw() const { return rep_; }
  constexpr bool operator==(const HeapType&) const = default;

 private:
  static constexpr uint32_t kAbstractBase = 0xFFFFFF00u;
  uint32_t rep_ = kAbstractBase | static_cast<uint32_t>(HeapKind::kFunc);
};

enum class ValKind : uint8_t {
  kI32,
  kI64,
  kF32,
  kF64,
  kV128,
  kRef,
  kI8,   // packed storage types, only in struct/array fields
  kI16,
  kBot,  // the validator's unknown type on a polymorphic stack
};

// A value type (or storage type when kind is kI8/kI16). Reference types carry nullability and
// a heap type. Trivially copyable; compare with ==.
struct ValType {
  ValKind kind = ValKind::kI32;
  bool nullable = false;  // only for kRef
  HeapType heap;          // only for kRef

  static constexpr ValType i32() { return {ValKind::kI32, false, {}}; }
  static constexpr ValType i64() { return {ValKind::kI64, false, {}}; }
  static constexpr ValType f32() { return {ValKind::kF32, false, {}}; }
  static constexpr ValType f64() { return {ValKind::kF64, false, {}}; }
  static constexpr ValType v128() { return {ValKind::kV128, false, {}}; }
  static constexpr ValType i8() { return {ValKind::kI8, false, {}}; }
  static constexpr ValType i16() { return {ValKind::kI16, false, {}}; }
  static constexpr ValType bot() { return {ValKind::kBot, false, {}}; }
  static constexpr ValType ref(HeapType h, bool nullable) { return {ValKind::kRef, nullable, h}; }
  static constexpr ValType funcref() { return ref(HeapKind::kFunc, true); }
  static constexpr ValType externref() { return ref(HeapKind::kExtern, true); }
  static constexpr ValType exnref() { return ref(HeapKind::kExn, true); }

  constexpr bool is_ref() const { return kind == ValKind::kRef; }
  constexpr bool is_num() const { return kind <= ValKind::kF64; }
  constexpr bool is_packed() const { return kind == ValKind::kI8 || kind == ValKind::kI16; }
  constexpr bool operator==(const ValType& o) const {
    return kind == o.kind && (kind != ValKind::kRef || (nullable == o.nullable && heap == o.heap));
  }
};

// Storage type of a struct field or array element: a ValType whose kind may be kI8/kI16.
using StorageType = ValType;

struct FieldType {
  StorageType type;
  bool mut = false;
  bool operator==(const FieldType&) const = default;
};

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
};

struct StructType {
  std::vector<FieldType> fields;
  bool operator==(const StructType&) const = default;
};

struct ArrayType {
  FieldType field;
  bool operator==(const ArrayType&) const = default;
};

enum class CompositeKind : uint8_t { kFunc, kStruct, kArray, kCont };

struct CompositeType {
  CompositeKind kind = CompositeKind::kFunc;
  FuncType func;        // kFunc
  StructType strukt;    // kStruct
  ArrayType array;      // kArray
  uint32_t cont_type = 0;  // kCont: index of the function type
  bool shared = false;
};

// One entry of the type index space. Every type belongs to a rec group; a type written
// without `rec` is a group of one. `final` is true for the plain (non-`sub`) forms.
struct SubType {
  bool final = true;
  std::optional<uint32_t> super;  // at most one supertype in 3.0
  CompositeType comp;
  uint32_t rec_group_start = 0;  // type index of the first type in this type's rec group
  uint32_t rec_group_size = 1;
};

struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;
  bool is64 = false;    // memory64 / table64 (i64 addresses)
  bool shared = false;  // threads
  std::optional<uint32_t> page_size_log2;  // custom-page-sizes; memories only
};

struct TableType {
  ValType elem = ValType::funcref();
  Limits limits;
};

struct MemoryType {
  Limits limits;
};

struct GlobalType {
  ValType type;
  bool mut = false;
};

struct TagType {
  uint8_t attribute = 0;  // 0 = exception
  uint32_t type_index = 0;
};

enum class ExternKind : uint8_t { kFunc = 0, kTable = 1, kMemory = 2, kGlobal = 3, kTag = 4 };

const char* to_string(ExternKind k);
// Text-format name of an abstract heap type: "func", "noextern", "i31", ...
const char* to_string(HeapKind k);
// Text-format spelling: "i32", "funcref", "(ref null $3)" (concrete types print as indices).
std::string to_string(ValType t);

}  // namespace kiln::wasm
