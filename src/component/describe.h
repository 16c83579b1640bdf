// component/describe.h: the external type of a component (its imports and exports with their
// value, function, resource and instance types) as validation computes it, in a public form
// that tools such as `kiln wit` turn into WIT.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "component/ast.h"
#include "support/error.h"
#include "wasm/features.h"

namespace kiln::component {

struct ValueDesc;
using ValueDescPtr = std::shared_ptr<const ValueDesc>;

// A value type. Nominal types (record, variant, enum, flags) carry an identity that stays the
// same when the type is re-exported or `use`d elsewhere; handles carry the resource identity.
struct ValueDesc {
  DefValKind kind = DefValKind::kPrim;
  PrimType prim = PrimType::kBool;
  std::vector<std::pair<std::string, ValueDescPtr>> fields;  // record fields, variant cases
  std::vector<ValueDescPtr> elems;                           // tuple
  std::vector<std::string> labels;                           // flags, enum
  ValueDescPtr a, b;  // element / ok / key; err / map value
  uint32_t length = 0;
  uint32_t resource = 0;  // own, borrow
  uint32_t identity = 0;  // nominal kinds
};

struct FuncDesc {
  bool async = false;
  std::vector<std::pair<std::string, ValueDescPtr>> params;
  ValueDescPtr result;
};

// An import or export (or an export of an instance).
struct ItemDesc {
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  std::shared_ptr<const FuncDesc> func;  // kFunc
  bool is_resource = false;              // kType
  uint32_t resource = 0;                 // kType resource identity
  ValueDescPtr value;                    // kType of a value type, kValue
  std::vector<ItemDesc> exports;         // kInstance
};

struct ComponentDesc {
  std::vector<ItemDesc> imports;
  std::vector<ItemDesc> exports;
};

// Validates the component and describes its imports and exports.
Expected<ComponentDesc> describe_component(const Component& component,
                                           const wasm::Features& features = {});

}  // namespace kiln::component
