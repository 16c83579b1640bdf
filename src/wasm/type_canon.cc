// wasm/type_canon.cc: rec-group canonicalization by structural keys, and the subtyping rules.
#include "wasm/type_canon.h"

namespace kiln::wasm {
namespace {

void put_u32(std::string& k, uint32_t v) {
  k.push_back(static_cast<char>(v & 0xFF));
  k.push_back(static_cast<char>((v >> 8) & 0xFF));
  k.push_back(static_cast<char>((v >> 16) & 0xFF));
  k.push_back(static_cast<char>((v >> 24) & 0xFF));
}

// Encodes a type index: relative to the group when inside it (so recursive references of two
// separately defined but identical groups compare equal), else by canonical id.
void put_index(std::string& k, uint32_t idx, uint32_t start, uint32_t size,
               const std::vector<uint32_t>& ids) {
  if (idx >= start && idx - start < size) {
    k.push_back('R');
    put_u32(k, idx - start);
  } else {
    k.push_back('C');
    put_u32(k, idx < ids.size() ? ids[idx] : 0xFFFFFFFFu);
  }
}

void put_val(std::string& k, const ValType& t, uint32_t start, uint32_t size,
             const std::vector<uint32_t>& ids) {
  k.push_back(static_cast<char>(t.kind));
  if (t.kind != ValKind::kRef) return;
  k.push_back(t.nullable ? 1 : 0);
  if (t.heap.is_index()) {
    put_index(k, t.heap.type_index(), start, size, ids);
  } else {
    k.push_back('A');
    k.push_back(static_cast<char>(t.heap.kind()));
  }
}

bool is_abstract_sub(HeapKind a, HeapKind b) {
  if (a == b) return true;
  switch (b) {
    case HeapKind::kAny:
      return a == HeapKind::kEq || a == HeapKind::kI31 || a == HeapKind::kStruct ||
             a == HeapKind::kArray || a == HeapKind::kNone;
    case HeapKind::kEq:
      return a == HeapKind::kI31 || a == HeapKind::kStruct || a == HeapKind::kArray ||
             a == HeapKind::kNone;
    case HeapKind::kI31:
    case HeapKind::kStruct:
    case HeapKind::kArray:
      return a == HeapKind::kNone;
    case HeapKind::kFunc: return a == HeapKind::kNoFunc;
    case HeapKind::kExtern: return a == HeapKind::kNoExtern;
    case HeapKind::kExn: return a == HeapKind::kNoExn;
    case HeapKind::kCont: return a == HeapKind::kNoCont;
    default: return false;
  }
}

}  // namespace

void TypeCanonicalizer::add_group(const std::vector<SubType>& types, uint32_t start,
                                  uint32_t size, std::vector<uint32_t>& ids) {
  std::string& k = key_;
  k.clear();
  put_u32(k, size);
  for (uint32_t i = start; i < start + size; ++i) {
    const SubType& st = types[i];
    const CompositeType& ct = st.comp;
    k.push_back(static_cast<char>((st.final ? 1 : 0) | (st.super ? 2 : 0) | (ct.shared ? 4 : 0)));
    if (st.super) put_index(k, *st.super, start, size, ids);
    k.push_back(static_cast<char>(ct.kind));
    switch (ct.kind) {
      case CompositeKind::kFunc:
        put_u32(k, static_cast<uint32_t>(ct.func.params.size()));
        for (const ValType& t : ct.func.params) put_val(k, t, start, size, ids);
        put_u32(k, static_cast<uint32_t>(ct.func.results.size()));
        for (const ValType& t : ct.func.results) put_val(k, t, start, size, ids);
        break;
      case CompositeKind::kStruct:
        put_u32(k, static_cast<uint32_t>(ct.strukt.fields.size()));
        for (const FieldType& f : ct.strukt.fields) {
          k.push_back(f.mut ? 1 : 0);
          put_val(k, f.type, start, size, ids);
        }
        break;
      case CompositeKind::kArray:
        k.push_back(ct.array.field.mut ? 1 : 0);
        put_val(k, ct.array.field.type, start, size, ids);
        break;
      case CompositeKind::kCont:
        put_index(k, ct.cont_type, start, size, ids);
        break;
    }
  }
  auto [it, inserted] = groups_.try_emplace(k, next_id_);
  if (inserted) next_id_ += size;
  for (uint32_t i = 0; i < size; ++i) ids.push_back(it->second + i);
}

std::vector<uint32_t> TypeCanonicalizer::add_module_types(const std::vector<SubType>& types) {
  std::vector<uint32_t> ids;
  ids.reserve(types.size());
  uint32_t i = 0;
  while (i < types.size()) {
    uint32_t size = types[i].rec_group_size;
    if (size == 0 || size > types.size() - i) size = 1;
    add_group(types, i, size, ids);
    i += size;
  }
  return ids;
}

bool TypeContext::type_index_subtype(uint32_t a, uint32_t b) const {
  uint32_t target = canon_[b];
  // Supertypes are declared at lower indices, so the chain strictly decreases and ends.
  for (uint32_t cur = a;;) {
    if (canon_[cur] == target) return true;
    const SubType& st = types_[cur];
    if (!st.super || *st.super >= cur) return false;
    cur = *st.super;
  }
}

bool TypeContext::heap_subtype(HeapType a, HeapType b) const {
  if (a == b || is_bot_heap(a)) return true;
  if (is_bot_heap(b)) return false;
  if (b.is_index()) {
    if (a.is_index()) return type_index_subtype(a.type_index(), b.type_index());
    switch (types_[b.type_index()].comp.kind) {
      case CompositeKind::kFunc: return a.kind() == HeapKind::kNoFunc;
      case CompositeKind::kStruct:
      case CompositeKind::kArray: return a.kind() == HeapKind::kNone;
      case CompositeKind::kCont: return a.kind() == HeapKind::kNoCont;
    }
    return false;
  }
  HeapKind bk = b.kind();
  if (a.is_index()) {
    switch (types_[a.type_index()].comp.kind) {
      case CompositeKind::kFunc: return bk == HeapKind::kFunc;
      case CompositeKind::kStruct:
        return bk == HeapKind::kStruct || bk == HeapKind::kEq || bk == HeapKind::kAny;
      case CompositeKind::kArray:
        return bk == HeapKind::kArray || bk == HeapKind::kEq || bk == HeapKind::kAny;
      case CompositeKind::kCont: return bk == HeapKind::kCont;
    }
    return false;
  }
  return is_abstract_sub(a.kind(), bk);
}

bool TypeContext::val_subtype(ValType a, ValType b) const {
  if (a.kind == ValKind::kBot) return true;
  if (a.kind != b.kind) return false;
  if (a.kind != ValKind::kRef) return true;
  if (a.nullable && !b.nullable) return false;
  return heap_subtype(a.heap, b.heap);
}

bool TypeContext::field_subtype(const FieldType& a, const FieldType& b) const {
  if (a.mut != b.mut) return false;
  if (a.type.is_packed() || b.type.is_packed()) return a.type.kind == b.type.kind;
  if (!val_subtype(a.type, b.type)) return false;
  return !a.mut || val_subtype(b.type, a.type);
}

bool TypeContext::composite_subtype(const CompositeType& a, const CompositeType& b) const {
  if (a.kind != b.kind || a.shared != b.shared) return false;
  switch (a.kind) {
    case CompositeKind::kFunc: {
      const FuncType& fa = a.func;
      const FuncType& fb = b.func;
      if (fa.params.size() != fb.params.size() || fa.results.size() != fb.results.size())
        return false;
      for (size_t i = 0; i < fa.params.size(); ++i)
        if (!val_subtype(fb.params[i], fa.params[i])) return false;
      for (size_t i = 0; i < fa.results.size(); ++i)
        if (!val_subtype(fa.results[i], fb.results[i])) return false;
      return true;
    }
    case CompositeKind::kStruct: {
      const auto& fa = a.strukt.fields;
      const auto& fb = b.strukt.fields;
      if (fa.size() < fb.size()) return false;
      for (size_t i = 0; i < fb.size(); ++i)
        if (!field_subtype(fa[i], fb[i])) return false;
      return true;
    }
    case CompositeKind::kArray:
      return field_subtype(a.array.field, b.array.field);
    case CompositeKind::kCont:
      return type_index_subtype(a.cont_type, b.cont_type);
  }
  return false;
}

HeapKind TypeContext::top_of(HeapType h) const {
  if (h.is_index()) {
    switch (types_[h.type_index()].comp.kind) {
      case CompositeKind::kFunc: return HeapKind::kFunc;
      case CompositeKind::kCont: return HeapKind::kCont;
      default: return HeapKind::kAny;
    }
  }
  switch (h.kind()) {
    case HeapKind::kFunc:
    case HeapKind::kNoFunc: return HeapKind::kFunc;
    case HeapKind::kExtern:
    case HeapKind::kNoExtern: return HeapKind::kExtern;
    case HeapKind::kExn:
    case HeapKind::kNoExn: return HeapKind::kExn;
    case HeapKind::kCont:
    case HeapKind::kNoCont: return HeapKind::kCont;
    default: return HeapKind::kAny;
  }
}

HeapKind TypeContext::bottom_of(HeapType h) const {
  switch (top_of(h)) {
    case HeapKind::kFunc: return HeapKind::kNoFunc;
    case HeapKind::kExtern: return HeapKind::kNoExtern;
    case HeapKind::kExn: return HeapKind::kNoExn;
    case HeapKind::kCont: return HeapKind::kNoCont;
    default: return HeapKind::kNone;
  }
}

}  // namespace kiln::wasm
