// wasm/type_canon.h: iso-recursive type canonicalization (rec groups -> canonical ids) and the
// WebAssembly 3.0 subtyping relation over value, heap, field and composite types.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "wasm/types.h"

namespace kiln::wasm {

// Assigns canonical ids to types so that two types get the same id iff they are equivalent
// under the iso-recursive rules: their rec groups are structurally identical (references
// inside a group compared by relative position, references outside by canonical id) and they
// sit at the same position in the group. One canonicalizer can serve many modules (the
// runtime's engine-wide registry); the validator uses one per module.
class TypeCanonicalizer {
 public:
  // Canonicalizes the rec group types[start, start + size). Every type reference in the group
  // must be < start + size (checked by the caller), and `ids` must already hold the canonical
  // ids of types[0, start). Appends the group's ids to `ids`.
  void add_group(const std::vector<SubType>& types, uint32_t start, uint32_t size,
                 std::vector<uint32_t>& ids);
  // Convenience: canonicalizes all of a module's types, group by group.
  std::vector<uint32_t> add_module_types(const std::vector<SubType>& types);

  uint32_t num_canonical_types() const { return next_id_; }

 private:
  // Structural key of a group; reused between calls to avoid reallocation.
  std::string key_;
  std::unordered_map<std::string, uint32_t> groups_;  // key -> canonical id of first type
  uint32_t next_id_ = 0;
};

// The module's types with their canonical ids, answering subtyping questions. References
// to types by index must be in range (validated before use).
class TypeContext {
 public:
  TypeContext(const std::vector<SubType>& types, const std::vector<uint32_t>& canon)
      : types_(types), canon_(canon) {}

  // A heap type used by the validator for the bottom of the polymorphic stack; it is a
  // subtype of every heap type.
  static constexpr HeapType bot_heap() { return HeapType(static_cast<HeapKind>(0x00)); }
  static constexpr bool is_bot_heap(HeapType h) { return h == bot_heap(); }

  bool heap_subtype(HeapType a, HeapType b) const;
  bool val_subtype(ValType a, ValType b) const;
  bool field_subtype(const FieldType& a, const FieldType& b) const;
  // Declared subtyping between composite types (func: contravariant params, covariant
  // results; struct: width and depth; array: depth).
  bool composite_subtype(const CompositeType& a, const CompositeType& b) const;
  bool type_index_subtype(uint32_t a, uint32_t b) const;
  bool same_type(uint32_t a, uint32_t b) const { return canon_[a] == canon_[b]; }

  // The top of a heap type's hierarchy: any, func, extern, exn or cont.
  HeapKind top_of(HeapType h) const;
  // The bottom of a heap type's hierarchy: none, nofunc, noextern, noexn or nocont.
  HeapKind bottom_of(HeapType h) const;

  const std::vector<SubType>& types() const { return types_; }

 private:
  const std::vector<SubType>& types_;
  const std::vector<uint32_t>& canon_;
};

}  // namespace kiln::wasm
