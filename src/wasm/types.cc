// wasm/types.cc: text spellings of extern kinds and value types (for messages and printing).
#include "wasm/types.h"

namespace kiln::wasm {

const char* to_string(ExternKind k) {
  switch (k) {
    case ExternKind::kFunc: return "func";
    case ExternKind::kTable: return "table";
    case ExternKind::kMemory: return "memory";
    case ExternKind::kGlobal: return "global";
    case ExternKind::kTag: return "tag";
  }
  return "unknown";
}

const char* to_string(HeapKind k) {
  switch (k) {
    case HeapKind::kNoExn: return "noexn";
    case HeapKind::kNoFunc: return "nofunc";
    case HeapKind::kNoExtern: return "noextern";
    case HeapKind::kNone: return "none";
    case HeapKind::kFunc: return "func";
    case HeapKind::kExtern: return "extern";
    case HeapKind::kAny: return "any";
    case HeapKind::kEq: return "eq";
    case HeapKind::kI31: return "i31";
    case HeapKind::kStruct: return "struct";
    case HeapKind::kArray: return "array";
    case HeapKind::kExn: return "exn";
    case HeapKind::kCont: return "cont";
    case HeapKind::kNoCont: return "nocont";
  }
  return "unknown";
}

std::string to_string(ValType t) {
  switch (t.kind) {
    case ValKind::kI32: return "i32";
    case ValKind::kI64: return "i64";
    case ValKind::kF32: return "f32";
    case ValKind::kF64: return "f64";
    case ValKind::kV128: return "v128";
    case ValKind::kI8: return "i8";
    case ValKind::kI16: return "i16";
    case ValKind::kBot: return "bot";
    case ValKind::kRef: break;
  }
  if (t.heap.is_index()) {
    return std::string(t.nullable ? "(ref null " : "(ref ") + std::to_string(t.heap.type_index()) + ")";
  }
  const char* h = to_string(t.heap.kind());
  // Nullable abstract references have the short forms funcref, anyref, ..., nullref,
  // nullfuncref, ... (the bottom types drop their "no" for the "null" prefix).
  if (t.nullable) {
    switch (t.heap.kind()) {
      case HeapKind::kNone: return "nullref";
      case HeapKind::kNoFunc: return "nullfuncref";
      case HeapKind::kNoExtern: return "nullexternref";
      case HeapKind::kNoExn: return "nullexnref";
      case HeapKind::kNoCont: return "nullcontref";
      default: return std::string(h) + "ref";
    }
  }
  return std::string("(ref ") + h + ")";
}

}  // namespace kiln::wasm
