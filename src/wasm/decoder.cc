// wasm/decoder.cc: binary module decoding: header, every section of WebAssembly 3.0 in order,
// constant expressions and function bodies (scanned for structure, kept as byte ranges), and
// the name section. Errors follow the reference interpreter's wording and behaviour.
//
// As in the reference interpreter, a section's contents are read from the whole remaining
// input and only afterwards compared with the declared size ("section size mismatch"); the
// spec testsuite's expected messages depend on this (a body missing its `end` reads on into
// the next body). Lengths are checked against the remaining input before anything is sized
// by them, so hostile counts cannot cause large allocations.
#include "wasm/decoder.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <string_view>
#include <utility>

#include "wasm/binary_reader.h"
#include "wasm/instr_reader.h"

namespace kiln::wasm {
namespace {

constexpr uint32_t kMagic = 0x6D736100;  // "\0asm"
constexpr uint32_t kVersion = 1;

// Engines cap the number of locals per function far below the spec's 2^32-1 so that frames
// stay small; 50000 matches Wasmtime and V8.
constexpr uint64_t kMaxLocals = 50000;

enum SectionId : uint8_t {
  kCustomId = 0,
  kTypeId = 1,
  kImportId = 2,
  kFunctionId = 3,
  kTableId = 4,
  kMemoryId = 5,
  kGlobalId = 6,
  kExportId = 7,
  kStartId = 8,
  kElemId = 9,
  kCodeId = 10,
  kDataId = 11,
  kDataCountId = 12,
  kTagId = 13,
};

// Position of each known section in the required order (the tag section sits between memory
// and global, data count between element and code).
int section_rank(uint8_t id) {
  switch (id) {
    case kTypeId: return 1;
    case kImportId: return 2;
    case kFunctionId: return 3;
    case kTableId: return 4;
    case kMemoryId: return 5;
    case kTagId: return 6;
    case kGlobalId: return 7;
    case kExportId: return 8;
    case kStartId: return 9;
    case kElemId: return 10;
    case kDataCountId: return 11;
    case kCodeId: return 12;
    case kDataId: return 13;
    default: return 0;
  }
}

class Decoder {
 public:
  Decoder(Module& m, const Features& f)
      : m_(m), f_(f), r_(m.bytes, m.bytes + m.size, 0) {}

  bool run();
  Error take_error() { return r_.take_error(); }

 private:
  uint32_t off(const uint8_t* p) const { return static_cast<uint32_t>(p - m_.bytes); }
  bool fail(const char* msg, uint64_t at) { return r_.fail(msg, at); }

  bool header();
  bool section(uint8_t id, const uint8_t* start, uint32_t size);
  bool custom_section(const uint8_t* start, uint32_t size);
  bool type_section();
  bool sub_type(uint32_t group_start, uint32_t group_size, SubType* out);
  bool comp_type(CompositeType* out);
  bool field_type(FieldType* out);
  bool result_types(std::vector<ValType>* out);
  bool import_section();
  bool function_section();
  bool table_section();
  bool memory_section();
  bool tag_section();
  bool global_section();
  bool export_section();
  bool start_section();
  bool elem_section();
  bool data_count_section();
  bool code_section();
  bool data_section();

  bool mutability(bool* out);
  bool limits(bool memory, Limits* out);
  bool table_type(TableType* out);
  bool memory_type(MemoryType* out);
  bool global_type(GlobalType* out);
  bool tag_type(TagType* out);
  bool const_expr(ConstExpr* out);
  // Reads instructions from r_'s position through the `end` that closes the outermost level
  // and leaves r_ after it. Tracks nesting so a misplaced else/catch/delegate is malformed.
  bool scan_expr(bool is_body);

  Module& m_;
  const Features& f_;
  BinaryReader r_;
  int last_rank_ = 0;
  uint8_t last_known_id_ = 0;
  bool uses_data_index_ = false;  // memory.init, data.drop, array.{new,init}_data in code
  std::vector<uint8_t> frames_;   // scan_expr's control stack, reused across expressions
};

bool Decoder::header() {
  uint32_t magic, version;
  if (m_.size < 4) return fail("unexpected end", m_.size);
  if (!r_.u32_fixed(&magic)) return false;
  if (magic != kMagic) return fail("magic header not detected", 0);
  if (m_.size < 8) return fail("unexpected end", m_.size);
  if (!r_.u32_fixed(&version)) return false;
  if (version != kVersion) return fail("unknown binary version", 4);
  return true;
}

bool Decoder::run() {
  if (!header()) return false;
  while (!r_.at_end()) {
    uint64_t id_at = r_.offset();
    uint8_t id;
    if (!r_.u8(&id)) return false;
    if (id > kTagId || (id == kTagId && !f_.exceptions) || (id == kDataCountId && !f_.bulk_memory)) {
      return fail("malformed section id", id_at);
    }
    if (id != kCustomId) {
      int rank = section_rank(id);
      if (rank <= last_rank_) return fail("unexpected content after last section", id_at);
      last_rank_ = rank;
    }
    uint32_t size;
    if (!r_.len32(&size)) return false;
    const uint8_t* start = r_.ptr();
    if (!section(id, start, size)) return false;
    if (r_.ptr() != start + size) return fail("section size mismatch", off(start));
    if (id != kCustomId) last_known_id_ = id;
  }
  uint64_t end = m_.size;
  if (m_.func_types.size() - m_.num_imported_funcs != m_.bodies.size()) {
    return fail("function and code section have inconsistent lengths", end);
  }
  if (m_.data_count && *m_.data_count != m_.datas.size()) {
    return fail("data count and data section have inconsistent lengths", end);
  }
  if (!m_.data_count && uses_data_index_) return fail("data count section required", end);
  return true;
}

bool Decoder::section(uint8_t id, const uint8_t* start, uint32_t size) {
  switch (id) {
    case kCustomId: return custom_section(start, size);
    case kTypeId: return type_section();
    case kImportId: return import_section();
    case kFunctionId: return function_section();
    case kTableId: return table_section();
    case kMemoryId: return memory_section();
    case kTagId: return tag_section();
    case kGlobalId: return global_section();
    case kExportId: return export_section();
    case kStartId: return start_section();
    case kElemId: return elem_section();
    case kDataCountId: return data_count_section();
    case kCodeId:
      m_.code_section_offset = off(start);
      return code_section();
    case kDataId: return data_section();
    default: return fail("malformed section id", off(start) - 1);
  }
}

// ---- names (the "name" custom section) ----

// Parses a name section payload. Any problem makes the caller drop the names: a broken name
// section is debug info, never a reason to reject a module.
class NameParser {
 public:
  NameParser(const uint8_t* begin, const uint8_t* end, uint64_t base) : r_(begin, end, base) {}

  bool parse(Names* out) {
    int last_id = -1;
    while (!r_.at_end()) {
      uint8_t id;
      uint32_t size;
      if (!r_.u8(&id) || !r_.len32(&size)) return false;
      if (static_cast<int>(id) <= last_id) return false;  // subsections appear once, in order
      last_id = id;
      const uint8_t* start = r_.ptr();
      if (size > r_.remaining()) return false;
      BinaryReader sub(start, start + size, r_.offset());
      NameParser p(sub);
      bool ok = true;
      switch (id) {
        case 0: {
          std::string name;
          ok = p.r_.name(&name);
          if (ok) out->module = std::move(name);
          break;
        }
        case 1: ok = p.name_map(&out->functions); break;
        case 2: ok = p.indirect_map(&out->locals); break;
        case 3: ok = p.indirect_map(&out->labels); break;
        case 4: ok = p.name_map(&out->types); break;
        case 5: ok = p.name_map(&out->tables); break;
        case 6: ok = p.name_map(&out->memories); break;
        case 7: ok = p.name_map(&out->globals); break;
        case 8: ok = p.name_map(&out->elems); break;
        case 9: ok = p.name_map(&out->datas); break;
        case 10: ok = p.indirect_map(&out->fields); break;
        case 11: ok = p.name_map(&out->tags); break;
        default: p.r_.seek(start + size); break;  // unknown subsections are skipped
      }
      if (!ok || !p.r_.at_end()) return false;
      r_.seek(start + size);
    }
    return true;
  }

 private:
  explicit NameParser(const BinaryReader& r) : r_(r) {}

  bool name_map(NameMap* out) {
    uint32_t n;
    if (!r_.len32(&n)) return false;
    out->entries.clear();
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t index;
      std::string name;
      if (!r_.u32(&index) || !r_.name(&name)) return false;
      // Indices must be strictly increasing (which also rules out duplicates).
      if (!out->entries.empty() && index <= out->entries.back().first) return false;
      out->entries.emplace_back(index, std::move(name));
    }
    return true;
  }

  bool indirect_map(IndirectNameMap* out) {
    uint32_t n;
    if (!r_.len32(&n)) return false;
    out->entries.clear();
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t index;
      if (!r_.u32(&index)) return false;
      if (!out->entries.empty() && index <= out->entries.back().first) return false;
      out->entries.emplace_back(index, NameMap{});
      if (!name_map(&out->entries.back().second)) return false;
    }
    return true;
  }

  BinaryReader r_;
};

bool Decoder::custom_section(const uint8_t* start, uint32_t size) {
  // The name is read like any other field; a name running past the declared size is reported
  // the way the reference interpreter does (its payload length comes out negative).
  std::string name;
  if (!r_.name(&name)) return false;
  size_t used = static_cast<size_t>(r_.ptr() - start);
  if (used > size) return fail(kUnexpectedEnd, off(start + size));
  const uint8_t* payload = r_.ptr();
  if (!r_.skip(size - used)) return false;
  CustomSection c;
  c.name = std::move(name);
  c.payload = {off(payload), static_cast<uint32_t>(size - used)};
  c.after_section = last_known_id_;
  if (c.name == "name") {
    Names names;
    NameParser p(payload, r_.ptr(), off(payload));
    if (p.parse(&names)) m_.names = std::move(names);
  }
  m_.customs.push_back(std::move(c));
  return true;
}

// ---- types ----

bool Decoder::mutability(bool* out) {
  uint64_t at = r_.offset();
  uint8_t b;
  if (!r_.u8(&b)) return false;
  if (b > 1) return fail("malformed mutability", at);
  *out = b == 1;
  return true;
}

bool Decoder::result_types(std::vector<ValType>* out) {
  uint32_t n;
  if (!r_.len32(&n)) return false;
  out->resize(n);  // bounded by the remaining input: each type takes at least one byte
  for (uint32_t i = 0; i < n; ++i) {
    if (!read_val_type(r_, f_, &(*out)[i])) return false;
  }
  return true;
}

bool Decoder::field_type(FieldType* out) {
  return read_storage_type(r_, f_, &out->type) && mutability(&out->mut);
}

bool Decoder::comp_type(CompositeType* out) {
  uint64_t at = r_.offset();
  int64_t form;
  if (!r_.s7(&form)) return false;
  switch (form) {
    case -0x20:  // 0x60 func
      out->kind = CompositeKind::kFunc;
      return result_types(&out->func.params) && result_types(&out->func.results);
    case -0x21: {  // 0x5F struct
      if (!f_.gc) break;
      out->kind = CompositeKind::kStruct;
      uint32_t n;
      if (!r_.len32(&n)) return false;
      out->strukt.fields.resize(n);
      for (uint32_t i = 0; i < n; ++i) {
        if (!field_type(&out->strukt.fields[i])) return false;
      }
      return true;
    }
    case -0x22:  // 0x5E array
      if (!f_.gc) break;
      out->kind = CompositeKind::kArray;
      return field_type(&out->array.field);
    default:
      break;
  }
  return fail("malformed definition type", at);
}

bool Decoder::sub_type(uint32_t group_start, uint32_t group_size, SubType* out) {
  out->rec_group_start = group_start;
  out->rec_group_size = group_size;
  uint8_t b;
  if (f_.gc && r_.peek(&b) && (b == 0x50 || b == 0x4F)) {
    r_.seek(r_.ptr() + 1);
    out->final = b == 0x4F;
    uint64_t at = r_.offset();
    uint32_t n;
    if (!r_.len32(&n)) return false;
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t super;
      if (!r_.u32(&super)) return false;
      if (i > 0) {
        // Well-formed binary, but WebAssembly 3.0 allows at most one supertype.
        r_.fail("multiple supertypes", at);
        return false;
      }
      out->super = super;
    }
  } else {
    out->final = true;
  }
  return comp_type(&out->comp);
}

bool Decoder::type_section() {
  uint32_t n;
  if (!r_.len32(&n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    uint8_t b;
    if (f_.gc && r_.peek(&b) && b == 0x4E) {
      r_.seek(r_.ptr() + 1);
      uint32_t count;
      if (!r_.len32(&count)) return false;
      uint32_t group_start = static_cast<uint32_t>(m_.types.size());
      for (uint32_t k = 0; k < count; ++k) {
        m_.types.emplace_back();
        if (!sub_type(group_start, count, &m_.types.back())) return false;
      }
    } else {
      m_.types.emplace_back();
      if (!sub_type(static_cast<uint32_t>(m_.types.size() - 1), 1, &m_.types.back())) return false;
    }
  }
  return true;
}

// limits ::= flags:byte min (max)? (pagesize)?  with flags bit 0: max present, bit 1: shared,
// bit 2: 64-bit addresses, bit 3: custom page size (memories only).
bool Decoder::limits(bool memory, Limits* out) {
  uint64_t at = r_.offset();
  uint8_t flags;
  if (!r_.u8(&flags)) return false;
  uint8_t allowed = 0x01;
  if (f_.memory64) allowed |= 0x04;
  if (memory && f_.threads) allowed |= 0x02;
  if (memory && f_.custom_page_sizes) allowed |= 0x08;
  if (flags & ~allowed) return fail("malformed limits flags", at);
  out->is64 = (flags & 0x04) != 0;
  out->shared = (flags & 0x02) != 0;
  // With memory64 both bounds are u64 in the binary; range checks belong to validation.
  if (f_.memory64) {
    if (!r_.u64(&out->min)) return false;
    if (flags & 0x01) {
      uint64_t max;
      if (!r_.u64(&max)) return false;
      out->max = max;
    }
  } else {
    uint32_t min;
    if (!r_.u32(&min)) return false;
    out->min = min;
    if (flags & 0x01) {
      uint32_t max;
      if (!r_.u32(&max)) return false;
      out->max = max;
    }
  }
  if (flags & 0x08) {
    uint64_t page_at = r_.offset();
    uint32_t log2;
    if (!r_.u32(&log2)) return false;
    // A page of 2^64 bytes or more cannot even be represented; smaller non-{0,16} sizes are
    // the validator's "invalid custom page size".
    if (log2 >= 64) return fail("invalid custom page size", page_at);
    out->page_size_log2 = log2;
  }
  return true;
}

bool Decoder::table_type(TableType* out) {
  return read_ref_type(r_, f_, &out->elem) && limits(false, &out->limits);
}

bool Decoder::memory_type(MemoryType* out) { return limits(true, &out->limits); }

bool Decoder::global_type(GlobalType* out) { return read_val_type(r_, f_, &out->type) && mutability(&out->mut); }

bool Decoder::tag_type(TagType* out) {
  uint64_t at = r_.offset();
  uint8_t attribute;
  if (!r_.u8(&attribute)) return false;
  if (attribute != 0) return fail("zero byte expected", at);
  out->attribute = 0;
  return r_.u32(&out->type_index);
}

// ---- expressions ----

namespace {

enum Frame : uint8_t { kFrameBlock, kFrameIf, kFrameElse, kFrameTry, kFrameTryCatchAll };

}  // namespace

bool Decoder::scan_expr(bool is_body) {
  const uint8_t* start = r_.ptr();
  InstrReader reader(start, m_.bytes + m_.size, off(start), f_);
  frames_.clear();
  Opcode op;
  Imm imm;
  for (;;) {
    uint64_t at = reader.offset();
    Expected<void> res = reader.next(&op, &imm);
    if (!res.ok()) {
      Error e = std::move(res).error();
      r_.fail(e.message(), e.location().offset);
      return false;
    }
    switch (op) {
      case Opcode::kBlock:
      case Opcode::kLoop:
      case Opcode::kTryTable:
        frames_.push_back(kFrameBlock);
        break;
      case Opcode::kIf:
        frames_.push_back(kFrameIf);
        break;
      case Opcode::kTry:
        frames_.push_back(kFrameTry);
        break;
      case Opcode::kElse:
        if (frames_.empty() || frames_.back() != kFrameIf) return fail("END opcode expected", at);
        frames_.back() = kFrameElse;
        break;
      case Opcode::kCatch:
        if (frames_.empty() || frames_.back() != kFrameTry) return fail("END opcode expected", at);
        break;
      case Opcode::kCatchAll:
        if (frames_.empty() || frames_.back() != kFrameTry) return fail("END opcode expected", at);
        frames_.back() = kFrameTryCatchAll;
        break;
      case Opcode::kDelegate:
        // delegate closes a try that has no handlers; it stands in for that try's `end`.
        if (frames_.empty() || frames_.back() != kFrameTry) return fail("END opcode expected", at);
        frames_.pop_back();
        break;
      case Opcode::kEnd:
        if (frames_.empty()) {
          r_.seek(m_.bytes + reader.offset());
          return true;
        }
        frames_.pop_back();
        break;
      case Opcode::kMemoryInit:
      case Opcode::kDataDrop:
      case Opcode::kArrayNewData:
      case Opcode::kArrayInitData:
        if (is_body) uses_data_index_ = true;
        break;
      default:
        break;
    }
  }
}

bool Decoder::const_expr(ConstExpr* out) {
  const uint8_t* start = r_.ptr();
  if (!scan_expr(false)) return false;
  *out = {off(start), static_cast<uint32_t>(r_.ptr() - start)};
  return true;
}

// ---- sections ----

bool Decoder::import_section() {
  uint32_t n;
  if (!r_.len32(&n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    Import imp;
    if (!r_.name(&imp.module) || !r_.name(&imp.name)) return false;
    uint64_t at = r_.offset();
    uint8_t kind;
    if (!r_.u8(&kind)) return false;
    switch (kind) {
      case 0:
        imp.kind = ExternKind::kFunc;
        if (!r_.u32(&imp.func_type)) return false;
        m_.func_types.push_back(imp.func_type);
        ++m_.num_imported_funcs;
        break;
      case 1:
        imp.kind = ExternKind::kTable;
        if (!table_type(&imp.table)) return false;
        m_.table_types.push_back(imp.table);
        ++m_.num_imported_tables;
        break;
      case 2:
        imp.kind = ExternKind::kMemory;
        if (!memory_type(&imp.memory)) return false;
        m_.memory_types.push_back(imp.memory);
        ++m_.num_imported_memories;
        break;
      case 3:
        imp.kind = ExternKind::kGlobal;
        if (!global_type(&imp.global)) return false;
        m_.global_types.push_back(imp.global);
        ++m_.num_imported_globals;
        break;
      case 4:
        if (!f_.exceptions) return fail("malformed import kind", at);
        imp.kind = ExternKind::kTag;
        if (!tag_type(&imp.tag)) return false;
        m_.tag_types.push_back(imp.tag);
        ++m_.num_imported_tags;
        break;
      default:
        return fail("malformed import kind", at);
    }
    m_.imports.push_back(std::move(imp));
  }
  return true;
}

bool Decoder::function_section() {
  uint32_t n;
  if (!r_.len32(&n)) return false;
  m_.func_types.reserve(m_.func_types.size() + n);  // n <= remaining bytes
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t t;
    if (!r_.u32(&t)) return false;
    m_.func_types.push_back(t);
  }
  return true;
}

bool Decoder::table_section() {
  uint32_t n;
  if (!r_.len32(&n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    Table t;
    uint8_t b;
    if (r_.peek(&b) && b == 0x40) {
      // 0x40 0x00 tabletype expr: a table with an explicit initialiser.
      uint64_t at = r_.offset();
      r_.seek(r_.ptr() + 1);
      uint8_t zero;
      if (!r_.u8(&zero)) return false;
      // The reference interpreter falls back to reading a plain table type at the 0x40.
      if (zero != 0) return fail("malformed reference type", at);
      ConstExpr init;
      if (!table_type(&t.type) || !const_expr(&init)) return false;
      t.init = init;
    } else if (!table_type(&t.type)) {
      return false;
    }
    m_.table_types.push_back(t.type);
    m_.tables.push_back(std::move(t));
  }
  return true;
}

bool Decoder::memory_section() {
  uint32_t n;
  if (!r_.len32(&n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    MemoryType mt;
    if (!memory_type(&mt)) return false;
    m_.memory_types.push_back(mt);
  }
  return true;
}

bool Decoder::tag_section() {
  uint32_t n;
  if (!r_.len32(&n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    TagType tt;
    if (!tag_type(&tt)) return false;
    m_.tag_types.push_back(tt);
  }
  return true;
}

bool Decoder::global_section() {
  uint32_t n;
  if (!r_.len32(&n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    Global g;
    if (!global_type(&g.type) || !const_expr(&g.init)) return false;
    m_.global_types.push_back(g.type);
    m_.globals.push_back(g);
  }
  return true;
}

bool Decoder::export_section() {
  uint32_t n;
  if (!r_.len32(&n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    Export e;
    if (!r_.name(&e.name)) return false;
    uint64_t at = r_.offset();
    uint8_t kind;
    if (!r_.u8(&kind)) return false;
    if (kind > 4 || (kind == 4 && !f_.exceptions)) return fail("malformed export kind", at);
    e.kind = static_cast<ExternKind>(kind);
    if (!r_.u32(&e.index)) return false;
    m_.exports.push_back(std::move(e));
  }
  return true;
}

bool Decoder::start_section() {
  uint32_t f;
  if (!r_.u32(&f)) return false;
  m_.start = f;
  return true;
}

bool Decoder::elem_section() {
  uint32_t n;
  if (!r_.len32(&n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    ElemSegment seg;
    uint64_t at = r_.offset();
    uint32_t flags;
    if (!r_.u32(&flags)) return false;
    if (flags > 7) return fail("malformed elements segment kind", r_.offset() - 1);
    if (flags != 0 && !f_.bulk_memory && !f_.reference_types) return fail("malformed elements segment kind", at);
    // bit 0: passive or declarative; bit 1: explicit table index (active) or declarative;
    // bit 2: element expressions instead of function indices.
    bool not_active = flags & 1;
    bool bit1 = flags & 2;
    seg.uses_exprs = flags & 4;
    if (not_active) {
      seg.mode = bit1 ? SegmentMode::kDeclarative : SegmentMode::kPassive;
    } else {
      seg.mode = SegmentMode::kActive;
      if (bit1 && !r_.u32(&seg.table)) return false;
      if (!const_expr(&seg.offset)) return false;
    }
    if (seg.uses_exprs) {
      seg.type = ValType::funcref();
      if ((not_active || bit1) && !read_ref_type(r_, f_, &seg.type)) return false;
    } else {
      // elemkind 0x00: non-null function references.
      seg.type = ValType::ref(HeapKind::kFunc, false);
      if (not_active || bit1) {
        uint64_t kind_at = r_.offset();
        uint8_t kind;
        if (!r_.u8(&kind)) return false;
        if (kind != 0) return fail("malformed element kind", kind_at);
      }
    }
    uint32_t count;
    if (!r_.len32(&count)) return false;
    if (seg.uses_exprs) {
      seg.exprs.reserve(count);  // count <= remaining bytes; each expression takes at least one
      for (uint32_t k = 0; k < count; ++k) {
        ConstExpr e;
        if (!const_expr(&e)) return false;
        seg.exprs.push_back(e);
      }
    } else {
      seg.func_indices.reserve(count);
      for (uint32_t k = 0; k < count; ++k) {
        uint32_t fi;
        if (!r_.u32(&fi)) return false;
        seg.func_indices.push_back(fi);
      }
    }
    m_.elems.push_back(std::move(seg));
  }
  return true;
}

bool Decoder::data_count_section() {
  uint32_t n;
  if (!r_.u32(&n)) return false;
  m_.data_count = n;
  return true;
}

bool Decoder::code_section() {
  uint32_t n;
  if (!r_.len32(&n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t size;
    if (!r_.len32(&size)) return false;
    const uint8_t* start = r_.ptr();
    FuncBody body;
    uint64_t locals_at = r_.offset();
    uint32_t groups;
    if (!r_.len32(&groups)) return false;
    uint64_t total = 0;
    for (uint32_t g = 0; g < groups; ++g) {
      Local l;
      if (!r_.u32(&l.count)) return false;
      if (!read_val_type(r_, f_, &l.type)) return false;
      total += l.count;
      if (l.count != 0) body.locals.push_back(l);
    }
    if (total > kMaxLocals) return fail("too many locals", locals_at);
    body.num_locals = static_cast<uint32_t>(total);
    const uint8_t* code = r_.ptr();
    if (!scan_expr(true)) return false;
    if (r_.ptr() != start + size) return fail("section size mismatch", off(start));
    body.code = {off(code), static_cast<uint32_t>(r_.ptr() - code)};
    body.whole = {off(start), size};
    m_.bodies.push_back(std::move(body));
  }
  return true;
}

bool Decoder::data_section() {
  uint32_t n;
  if (!r_.len32(&n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    DataSegment d;
    uint32_t flags;
    if (!r_.u32(&flags)) return false;
    if (flags > 2) return fail("malformed data segment kind", r_.offset() - 1);
    if (flags == 1) {
      d.mode = SegmentMode::kPassive;
    } else {
      d.mode = SegmentMode::kActive;
      if (flags == 2 && !r_.u32(&d.memory)) return false;
      if (!const_expr(&d.offset)) return false;
    }
    const uint8_t* data;
    uint32_t size;
    if (!r_.bytes(&data, &size)) return false;
    d.init = {off(data), size};
    m_.datas.push_back(d);
  }
  return true;
}

}  // namespace

Expected<Module> decode(std::vector<uint8_t> bytes, const Features& features) {
  // Byte ranges are 32-bit; larger inputs are rejected outright.
  if (bytes.size() > std::numeric_limits<uint32_t>::max()) {
    return Error(ErrorKind::kMalformed, "module too large", Location::at_offset(0));
  }
  Module m;
  auto storage = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
  m.bytes = storage->data();
  m.size = storage->size();
  m.storage = std::move(storage);
  Decoder d(m, features);
  if (!d.run()) return d.take_error();
  return m;
}

}  // namespace kiln::wasm
