// wat/printer.cc: print_module(), a decoded core module back to WebAssembly 3.0 text in the
// flat instruction form, exact enough that parse_module() re-encodes the same module.
//
// What the text cannot carry is left out: custom sections (the name section becomes $ids),
// label names, and pure encoding choices that do not change the module (padded LEBs, a rec
// group of one, `sub final` without supertypes, which of the equivalent elem segment
// encodings was used). The round-trip test (tests/unit/wat/roundtrip_test.cc) checks that
// nothing else is lost over the whole spec testsuite.
#include "wat/printer.h"

#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "wasm/instr_reader.h"
#include "wasm/opcode.h"

namespace kiln::wat {
namespace {

using wasm::BlockType;
using wasm::CatchClause;
using wasm::CompositeKind;
using wasm::ExternKind;
using wasm::HeapKind;
using wasm::HeapType;
using wasm::ImmKind;
using wasm::Imm;
using wasm::Opcode;
using wasm::ValKind;
using wasm::ValType;

// A function body with more locals than this cannot come from a valid module (engines cap it
// at 50000); refusing it keeps a hostile count from turning into gigabytes of text.
constexpr uint64_t kMaxPrintedLocals = 1u << 20;

// The characters the text format allows in an identifier after '$'.
bool is_idchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::strchr("!#$%&'*+-./:<=>?@\\^_`|~", c) != nullptr && c != '\0';
}

bool is_plain_id(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!is_idchar(c)) return false;
  }
  return true;
}

// Index -> identifier for one index space: only names that are valid plain identifiers and
// unique within the space survive, so every printed `$name` resolves back to its index.
class NameTable {
 public:
  NameTable() = default;
  explicit NameTable(const wasm::NameMap& map) {
    std::unordered_map<std::string, uint32_t> uses;
    for (const auto& [index, name] : map.entries) {
      if (is_plain_id(name)) ++uses[name];
    }
    for (const auto& [index, name] : map.entries) {
      if (!is_plain_id(name) || uses[name] != 1) continue;
      names_.emplace(index, name);  // a repeated index keeps its first name
    }
  }
  const std::string* find(uint32_t index) const {
    auto it = names_.find(index);
    return it == names_.end() ? nullptr : &it->second;
  }

 private:
  std::unordered_map<uint32_t, std::string> names_;
};

const wasm::NameMap* find_indirect(const wasm::IndirectNameMap& map, uint32_t outer) {
  for (const auto& [index, inner] : map.entries) {
    if (index == outer) return &inner;
  }
  return nullptr;
}

void append_u64(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}

void append_i64(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}

void append_hex(std::string& out, uint64_t v, int min_digits) {
  char buf[24];
  int n = std::snprintf(buf, sizeof(buf), "0x%0*" PRIx64, min_digits, v);
  out.append(buf, static_cast<size_t>(n));
}

// Hex digits of a mantissa field of `digits` nibbles, trailing zeros dropped.
std::string mantissa_digits(uint64_t frac, int digits) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%0*" PRIx64, digits, frac);
  std::string s(buf);
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s;
}

// Bit-exact float text: hex floats for finite values (so no decimal rounding is involved),
// inf, and nan / nan:0xPAYLOAD, each with its sign; a decimal comment follows for readers.
// `mant_bits` is 23 or 52; the mantissa is shifted to a whole number of nibbles.
void append_float_bits(std::string& out, uint64_t bits, int mant_bits, int exp_bits) {
  const uint64_t mant_mask = (uint64_t{1} << mant_bits) - 1;
  const uint64_t exp_max = (uint64_t{1} << exp_bits) - 1;
  const int bias = static_cast<int>(exp_max >> 1);
  const bool neg = (bits >> (mant_bits + exp_bits)) & 1;
  const uint64_t exp = (bits >> mant_bits) & exp_max;
  const uint64_t mant = bits & mant_mask;
  if (neg) out += '-';
  if (exp == exp_max) {
    if (mant == 0) {
      out += "inf";
    } else if (mant == (uint64_t{1} << (mant_bits - 1))) {
      out += "nan";
    } else {
      out += "nan:";
      append_hex(out, mant, 1);
    }
    return;
  }
  const int nibbles = (mant_bits + 3) / 4;
  const uint64_t frac = mant << (nibbles * 4 - mant_bits);
  int e;
  if (exp == 0) {
    if (mant == 0) {
      out += "0x0p+0";
      return;
    }
    out += "0x0";
    e = 1 - bias;
  } else {
    out += "0x1";
    e = static_cast<int>(exp) - bias;
  }
  std::string digits = mantissa_digits(frac, nibbles);
  if (!digits.empty()) {
    out += '.';
    out += digits;
  }
  out += 'p';
  out += e < 0 ? '-' : '+';
  append_u64(out, static_cast<uint64_t>(e < 0 ? -e : e));
}

void append_f32(std::string& out, uint32_t bits) { append_float_bits(out, bits, 23, 8); }
void append_f64(std::string& out, uint64_t bits) { append_float_bits(out, bits, 52, 11); }

// The shortest decimal that reads back as the same finite value, as a `(;=...;)` comment.
template <typename F>
void append_decimal_comment(std::string& out, F value) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), value);
  if (r.ec != std::errc()) return;
  out += " (;=";
  out.append(buf, r.ptr);
  out += ";)";
}

// A data string: printable ASCII as is, everything else (and `"` `\`) as \hh.
void append_string(std::string& out, const uint8_t* data, size_t size) {
  static const char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < size; ++i) {
    uint8_t c = data[i];
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += '\\';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  out += '"';
}

void append_string(std::string& out, const std::string& s) {
  append_string(out, reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

const char* abstract_heap_name(HeapKind k) {
  return wasm::to_string(k);
}

// Shorthands `funcref` etc. for nullable abstract references, as the text format defines.
const char* nullable_shorthand(HeapKind k) {
  switch (k) {
    case HeapKind::kNoExn: return "nullexnref";
    case HeapKind::kNoFunc: return "nullfuncref";
    case HeapKind::kNoExtern: return "nullexternref";
    case HeapKind::kNone: return "nullref";
    case HeapKind::kFunc: return "funcref";
    case HeapKind::kExtern: return "externref";
    case HeapKind::kAny: return "anyref";
    case HeapKind::kEq: return "eqref";
    case HeapKind::kI31: return "i31ref";
    case HeapKind::kStruct: return "structref";
    case HeapKind::kArray: return "arrayref";
    case HeapKind::kExn: return "exnref";
    case HeapKind::kCont: return "contref";
    case HeapKind::kNoCont: return "nullcontref";
  }
  return nullptr;
}

const char* extern_kind_name(ExternKind k) {
  switch (k) {
    case ExternKind::kFunc: return "func";
    case ExternKind::kTable: return "table";
    case ExternKind::kMemory: return "memory";
    case ExternKind::kGlobal: return "global";
    case ExternKind::kTag: return "tag";
  }
  return "func";
}

bool opens_block(Opcode op) {
  return op == Opcode::kBlock || op == Opcode::kLoop || op == Opcode::kIf || op == Opcode::kTry ||
         op == Opcode::kTryTable;
}

// Instructions that only make sense in the flat form (block structure markers).
bool is_structured(Opcode op) {
  return opens_block(op) || op == Opcode::kElse || op == Opcode::kEnd || op == Opcode::kCatch ||
         op == Opcode::kCatchAll || op == Opcode::kDelegate;
}

class Printer {
 public:
  Printer(const wasm::Module& m, const wasm::Features& f)
      : m_(m),
        features_(f),
        types_(m.names.types),
        funcs_(m.names.functions),
        tables_(m.names.tables),
        memories_(m.names.memories),
        globals_(m.names.globals),
        elems_(m.names.elems),
        datas_(m.names.datas),
        tags_(m.names.tags) {}

  Expected<std::string> run() {
    out_ += "(module";
    if (m_.names.module && is_plain_id(*m_.names.module)) {
      out_ += " $";
      out_ += *m_.names.module;
    }
    out_ += '\n';
    print_types();
    KILN_TRY(print_imports());
    KILN_TRY(print_funcs());
    KILN_TRY(print_tables());
    print_memories();
    print_tags();
    KILN_TRY(print_globals());
    print_exports();
    if (m_.start) {
      out_ += "  (start ";
      ref(funcs_, *m_.start);
      out_ += ")\n";
    }
    KILN_TRY(print_elems());
    KILN_TRY(print_datas());
    out_ += ")\n";
    return std::move(out_);
  }

 private:
  // ---- references and types

  void ref(const NameTable& table, uint32_t index) { ref_to(out_, table, index); }

  static void ref_to(std::string& out, const NameTable& table, uint32_t index) {
    if (const std::string* name = table.find(index)) {
      out += '$';
      out += *name;
    } else {
      append_u64(out, index);
    }
  }

  // The `(;N;)` index comment after a definition's optional $id.
  void def_header(const char* keyword, const NameTable& table, uint32_t index) {
    out_ += '(';
    out_ += keyword;
    if (const std::string* name = table.find(index)) {
      out_ += " $";
      out_ += *name;
    }
    out_ += " (;";
    append_u64(out_, index);
    out_ += ";)";
  }

  void heap_type(std::string& out, HeapType h) const {
    if (h.is_index()) {
      ref_to(out, types_, h.type_index());
    } else {
      out += abstract_heap_name(h.kind());
    }
  }

  void ref_type(std::string& out, HeapType h, bool nullable) const {
    if (nullable && h.is_abstract()) {
      out += nullable_shorthand(h.kind());
      return;
    }
    out += nullable ? "(ref null " : "(ref ";
    heap_type(out, h);
    out += ')';
  }

  void val_type(std::string& out, ValType t) const {
    switch (t.kind) {
      case ValKind::kI32: out += "i32"; return;
      case ValKind::kI64: out += "i64"; return;
      case ValKind::kF32: out += "f32"; return;
      case ValKind::kF64: out += "f64"; return;
      case ValKind::kV128: out += "v128"; return;
      case ValKind::kI8: out += "i8"; return;
      case ValKind::kI16: out += "i16"; return;
      case ValKind::kRef: ref_type(out, t.heap, t.nullable); return;
      case ValKind::kBot: out += "bot"; return;  // validator-internal; never decoded
    }
  }

  void val_type(ValType t) { val_type(out_, t); }

  // ` (param a b) (result c)`, the signature part of a type use.
  void signature(std::string& out, const wasm::FuncType& ft) const {
    if (!ft.params.empty()) {
      out += " (param";
      for (ValType t : ft.params) {
        out += ' ';
        val_type(out, t);
      }
      out += ')';
    }
    if (!ft.results.empty()) {
      out += " (result";
      for (ValType t : ft.results) {
        out += ' ';
        val_type(out, t);
      }
      out += ')';
    }
  }

  const wasm::FuncType* func_type_at(uint32_t type_index) const {
    if (type_index >= m_.types.size()) return nullptr;
    const wasm::CompositeType& c = m_.types[type_index].comp;
    return c.kind == CompositeKind::kFunc ? &c.func : nullptr;
  }

  // `(type N) (param ...) (result ...)`: the index keeps the binary's type, the inline
  // signature is there for readers (the parser checks that they agree).
  void type_use(uint32_t type_index) {
    out_ += " (type ";
    ref(types_, type_index);
    out_ += ')';
    if (const wasm::FuncType* ft = func_type_at(type_index)) signature(out_, *ft);
  }

  void limits(const wasm::Limits& l, bool memory) {
    if (l.is64) out_ += " i64";
    out_ += ' ';
    append_u64(out_, l.min);
    if (l.max) {
      out_ += ' ';
      append_u64(out_, *l.max);
    }
    if (l.shared) out_ += " shared";
    if (memory && l.page_size_log2) {
      out_ += " (pagesize ";
      // A log2 >= 64 cannot be decoded from a valid module; print the exponent form anyway.
      if (*l.page_size_log2 < 64) {
        append_u64(out_, uint64_t{1} << *l.page_size_log2);
      } else {
        append_u64(out_, *l.page_size_log2);
      }
      out_ += ')';
    }
  }

  void table_type(const wasm::TableType& t) {
    limits(t.limits, false);
    out_ += ' ';
    val_type(t.elem);
  }

  void global_type(const wasm::GlobalType& g) {
    out_ += ' ';
    if (g.mut) out_ += "(mut ";
    val_type(g.type);
    if (g.mut) out_ += ')';
  }

  void field_type(const wasm::FieldType& f) {
    if (f.mut) out_ += "(mut ";
    val_type(f.type);
    if (f.mut) out_ += ')';
  }

  // ---- sections

  void print_types() {
    const uint32_t n = static_cast<uint32_t>(m_.types.size());
    for (uint32_t i = 0; i < n;) {
      const wasm::SubType& first = m_.types[i];
      // A group of one is the same type as a plain definition, so only larger groups (and a
      // group that does not start where it claims, which only a broken module gives) use rec.
      uint32_t size = first.rec_group_size;
      if (first.rec_group_start != i || size == 0 || size > n - i) size = 1;
      const bool rec = size > 1;
      if (rec) out_ += "  (rec\n";
      for (uint32_t j = i; j < i + size; ++j) {
        out_ += rec ? "    " : "  ";
        print_subtype(j);
        out_ += '\n';
      }
      if (rec) out_ += "  )\n";
      i += size;
    }
  }

  void print_subtype(uint32_t index) {
    const wasm::SubType& st = m_.types[index];
    def_header("type", types_, index);
    out_ += ' ';
    const bool sub = !st.final || st.super.has_value();
    if (sub) {
      out_ += "(sub";
      if (st.final) out_ += " final";
      if (st.super) {
        out_ += ' ';
        ref(types_, *st.super);
      }
      out_ += ' ';
    }
    const wasm::CompositeType& c = st.comp;
    if (c.shared) out_ += "(shared ";
    switch (c.kind) {
      case CompositeKind::kFunc:
        out_ += "(func";
        signature(out_, c.func);
        out_ += ')';
        break;
      case CompositeKind::kStruct: {
        out_ += "(struct";
        const wasm::NameMap* field_map = find_indirect(m_.names.fields, index);
        NameTable fields = field_map ? NameTable(*field_map) : NameTable();
        for (uint32_t f = 0; f < c.strukt.fields.size(); ++f) {
          out_ += " (field ";
          if (const std::string* name = fields.find(f)) {
            out_ += '$';
            out_ += *name;
            out_ += ' ';
          }
          field_type(c.strukt.fields[f]);
          out_ += ')';
        }
        out_ += ')';
        break;
      }
      case CompositeKind::kArray:
        out_ += "(array ";
        field_type(c.array.field);
        out_ += ')';
        break;
      case CompositeKind::kCont:
        out_ += "(cont ";
        ref(types_, c.cont_type);
        out_ += ')';
        break;
    }
    if (c.shared) out_ += ')';
    if (sub) out_ += ')';
    out_ += ')';
  }

  Expected<void> print_imports() {
    uint32_t next[5] = {0, 0, 0, 0, 0};
    for (const wasm::Import& imp : m_.imports) {
      out_ += "  (import ";
      append_string(out_, imp.module);
      out_ += ' ';
      append_string(out_, imp.name);
      out_ += ' ';
      const uint32_t index = next[static_cast<uint32_t>(imp.kind) % 5]++;
      switch (imp.kind) {
        case ExternKind::kFunc:
          def_header("func", funcs_, index);
          type_use(imp.func_type);
          break;
        case ExternKind::kTable:
          def_header("table", tables_, index);
          table_type(imp.table);
          break;
        case ExternKind::kMemory:
          def_header("memory", memories_, index);
          limits(imp.memory.limits, true);
          break;
        case ExternKind::kGlobal:
          def_header("global", globals_, index);
          global_type(imp.global);
          break;
        case ExternKind::kTag:
          def_header("tag", tags_, index);
          type_use(imp.tag.type_index);
          break;
      }
      out_ += "))\n";
    }
    return ok();
  }

  Expected<void> print_funcs() {
    for (uint32_t i = 0; i < m_.bodies.size(); ++i) {
      const uint32_t func_index = m_.num_imported_funcs + i;
      if (func_index >= m_.func_types.size()) break;
      KILN_TRY(print_func(func_index, m_.bodies[i]));
    }
    return ok();
  }

  Expected<void> print_func(uint32_t func_index, const wasm::FuncBody& body) {
    const uint32_t type_index = m_.func_types[func_index];
    const wasm::FuncType* ft = func_type_at(type_index);
    const wasm::NameMap* local_map = find_indirect(m_.names.locals, func_index);
    NameTable locals = local_map ? NameTable(*local_map) : NameTable();

    out_ += "  ";
    def_header("func", funcs_, func_index);
    out_ += " (type ";
    ref(types_, type_index);
    out_ += ')';
    uint32_t num_params = 0;
    if (ft) {
      num_params = static_cast<uint32_t>(ft->params.size());
      local_list("param", ft->params.data(), num_params, 0, locals);
      if (!ft->results.empty()) {
        out_ += " (result";
        for (ValType t : ft->results) {
          out_ += ' ';
          val_type(t);
        }
        out_ += ')';
      }
    }
    out_ += '\n';

    uint64_t total = 0;
    for (const wasm::Local& l : body.locals) total += l.count;
    if (total > kMaxPrintedLocals) {
      return Error(ErrorKind::kMalformed, "too many locals", Location::at_offset(body.whole.offset));
    }
    if (total > 0) {
      std::vector<ValType> declared;
      declared.reserve(static_cast<size_t>(total));
      for (const wasm::Local& l : body.locals) declared.insert(declared.end(), l.count, l.type);
      out_ += "   ";
      local_list("local", declared.data(), static_cast<uint32_t>(declared.size()), num_params, locals);
      out_ += '\n';
    }

    KILN_TRY(print_body(body.code, locals));
    out_ += "  )\n";
    return ok();
  }

  // ` (param $a i32) (param i64 f32)`: named entries stand alone, runs of unnamed ones share
  // one list.
  void local_list(const char* keyword, const ValType* types, uint32_t n, uint32_t first_index,
                  const NameTable& names) {
    bool open = false;
    for (uint32_t k = 0; k < n; ++k) {
      const std::string* name = names.find(first_index + k);
      if (name) {
        if (open) out_ += ')';
        open = false;
        out_ += " (";
        out_ += keyword;
        out_ += " $";
        out_ += *name;
        out_ += ' ';
        val_type(types[k]);
        out_ += ')';
        continue;
      }
      if (!open) {
        out_ += " (";
        out_ += keyword;
        open = true;
      }
      out_ += ' ';
      val_type(types[k]);
    }
    if (open) out_ += ')';
  }

  Expected<void> print_tables() {
    for (uint32_t i = 0; i < m_.tables.size(); ++i) {
      const wasm::Table& t = m_.tables[i];
      out_ += "  ";
      def_header("table", tables_, m_.num_imported_tables + i);
      table_type(t.type);
      if (t.init) {
        out_ += ' ';
        KILN_TRY(const_expr(*t.init, nullptr));
      }
      out_ += ")\n";
    }
    return ok();
  }

  void print_memories() {
    const size_t first = m_.num_imported_memories;
    for (size_t i = first; i < m_.memory_types.size(); ++i) {
      out_ += "  ";
      def_header("memory", memories_, static_cast<uint32_t>(i));
      limits(m_.memory_types[i].limits, true);
      out_ += ")\n";
    }
  }

  void print_tags() {
    const size_t first = m_.num_imported_tags;
    for (size_t i = first; i < m_.tag_types.size(); ++i) {
      out_ += "  ";
      def_header("tag", tags_, static_cast<uint32_t>(i));
      type_use(m_.tag_types[i].type_index);
      out_ += ")\n";
    }
  }

  Expected<void> print_globals() {
    for (uint32_t i = 0; i < m_.globals.size(); ++i) {
      const wasm::Global& g = m_.globals[i];
      out_ += "  ";
      def_header("global", globals_, m_.num_imported_globals + i);
      global_type(g.type);
      out_ += ' ';
      KILN_TRY(const_expr(g.init, nullptr));
      out_ += ")\n";
    }
    return ok();
  }

  void print_exports() {
    for (const wasm::Export& e : m_.exports) {
      out_ += "  (export ";
      append_string(out_, e.name);
      out_ += " (";
      out_ += extern_kind_name(e.kind);
      out_ += ' ';
      switch (e.kind) {
        case ExternKind::kFunc: ref(funcs_, e.index); break;
        case ExternKind::kTable: ref(tables_, e.index); break;
        case ExternKind::kMemory: ref(memories_, e.index); break;
        case ExternKind::kGlobal: ref(globals_, e.index); break;
        case ExternKind::kTag: ref(tags_, e.index); break;
      }
      out_ += "))\n";
    }
  }

  // An active segment's offset: `(i32.const 0)` for one instruction, else `(offset ...)`.
  Expected<void> print_offset(const wasm::ConstExpr& e) { return const_expr(e, "offset"); }

  Expected<void> print_elems() {
    for (uint32_t i = 0; i < m_.elems.size(); ++i) {
      const wasm::ElemSegment& s = m_.elems[i];
      out_ += "  ";
      def_header("elem", elems_, i);
      switch (s.mode) {
        case wasm::SegmentMode::kActive:
          if (s.table != 0) {
            out_ += " (table ";
            ref(tables_, s.table);
            out_ += ')';
          }
          out_ += ' ';
          KILN_TRY(print_offset(s.offset));
          break;
        case wasm::SegmentMode::kPassive: break;
        case wasm::SegmentMode::kDeclarative: out_ += " declare"; break;
      }
      // The function-index forms mean element type (ref func) in 3.0. A (ref func) segment
      // whose items are all plain `ref.func` is the same segment, and text encoders (the
      // reference interpreter's among them) emit the index form for it; printing that form
      // keeps text -> binary -> text stable.
      std::vector<uint32_t> as_funcs;
      const bool index_form =
          !s.uses_exprs || (s.type == ValType::ref(HeapKind::kFunc, false) && all_ref_funcs(s.exprs, &as_funcs));
      if (index_form) {
        out_ += " func";
        for (uint32_t f : s.uses_exprs ? as_funcs : s.func_indices) {
          out_ += ' ';
          ref(funcs_, f);
        }
      } else {
        out_ += ' ';
        val_type(s.type);
        for (const wasm::ConstExpr& e : s.exprs) {
          out_ += ' ';
          KILN_TRY(const_expr(e, "item"));
        }
      }
      out_ += ")\n";
    }
    return ok();
  }

  // Whether every expression is exactly `ref.func N end`; collects the N.
  bool all_ref_funcs(const std::vector<wasm::ConstExpr>& exprs, std::vector<uint32_t>* funcs) const {
    for (const wasm::ConstExpr& e : exprs) {
      if (!range_ok(e)) return false;
      wasm::InstrReader reader(m_.at(e), m_.at(e) + e.size, e.offset, features_);
      Opcode op;
      Imm imm;
      if (!reader.next(&op, &imm).ok() || op != Opcode::kRefFunc) return false;
      const uint32_t func = imm.index;
      if (!reader.next(&op, &imm).ok() || op != Opcode::kEnd || !reader.at_end()) return false;
      funcs->push_back(func);
    }
    return true;
  }

  Expected<void> print_datas() {
    for (uint32_t i = 0; i < m_.datas.size(); ++i) {
      const wasm::DataSegment& s = m_.datas[i];
      out_ += "  ";
      def_header("data", datas_, i);
      if (s.mode == wasm::SegmentMode::kActive) {
        if (s.memory != 0) {
          out_ += " (memory ";
          ref(memories_, s.memory);
          out_ += ')';
        }
        out_ += ' ';
        KILN_TRY(print_offset(s.offset));
      }
      out_ += ' ';
      if (!range_ok(s.init)) return Error(ErrorKind::kMalformed, "unexpected end");
      append_string(out_, m_.at(s.init), s.init.size);
      out_ += ")\n";
    }
    return ok();
  }

  bool range_ok(wasm::ByteRange r) const {
    return m_.bytes != nullptr && r.offset <= m_.size && r.size <= m_.size - r.offset;
  }

  // ---- instructions

  // A constant expression. With `wrapper` ("offset"/"item"), one plain instruction prints
  // alone folded and anything else inside `(wrapper ...)`; without, every instruction prints
  // folded in a row. Block-structured instructions cannot fold, so such an expression (never
  // valid, but decodable) prints flat.
  Expected<void> const_expr(wasm::ConstExpr e, const char* wrapper) {
    if (!range_ok(e)) return Error(ErrorKind::kMalformed, "unexpected end");
    wasm::InstrReader reader(m_.at(e), m_.at(e) + e.size, e.offset, features_);
    std::vector<std::string> instrs;
    bool structured = false;
    int depth = 0;
    bool ended = false;
    NameTable no_locals;
    while (!reader.at_end()) {
      if (ended) {
        return Error(ErrorKind::kMalformed, "operators remaining after end of constant expression",
                     Location::at_offset(reader.offset()));
      }
      Opcode op;
      Imm imm;
      KILN_TRY(reader.next(&op, &imm));
      if (op == Opcode::kEnd && depth == 0) {
        ended = true;
        continue;
      }
      if (opens_block(op)) ++depth;
      if (op == Opcode::kEnd || op == Opcode::kDelegate) --depth;
      if (is_structured(op)) structured = true;
      std::string text;
      instr_text(text, op, imm, no_locals, depth);
      instrs.push_back(std::move(text));
    }
    if (!ended) return Error(ErrorKind::kMalformed, "unexpected end", Location::at_offset(e.offset + e.size));
    const bool single = instrs.size() == 1 && !structured;
    if (wrapper && !single) {
      out_ += '(';
      out_ += wrapper;
      if (!instrs.empty()) out_ += ' ';
    }
    for (size_t k = 0; k < instrs.size(); ++k) {
      if (k) out_ += ' ';
      if (!structured) out_ += '(';
      out_ += instrs[k];
      if (!structured) out_ += ')';
    }
    if (wrapper && !single) out_ += ')';
    return ok();
  }

  Expected<void> print_body(wasm::ByteRange code, const NameTable& locals) {
    if (!range_ok(code)) return Error(ErrorKind::kMalformed, "unexpected end");
    wasm::InstrReader reader(m_.at(code), m_.at(code) + code.size, code.offset, features_);
    int depth = 0;  // open blocks inside the function body
    bool ended = false;
    std::string line;
    while (!reader.at_end()) {
      const uint64_t at = reader.offset();
      if (ended) {
        return Error(ErrorKind::kMalformed, "operators remaining after end of function",
                     Location::at_offset(at));
      }
      Opcode op;
      Imm imm;
      KILN_TRY(reader.next(&op, &imm));
      int indent = depth;
      switch (op) {
        case Opcode::kEnd:
        case Opcode::kDelegate:
          if (depth == 0) {
            if (op == Opcode::kDelegate) {
              return Error(ErrorKind::kMalformed, "delegate outside a try block", Location::at_offset(at));
            }
            ended = true;
            continue;
          }
          --depth;
          indent = depth;
          break;
        case Opcode::kElse:
        case Opcode::kCatch:
        case Opcode::kCatchAll:
          if (depth == 0) {
            return Error(ErrorKind::kMalformed, std::string(wasm::name(op)) + " outside a block",
                         Location::at_offset(at));
          }
          indent = depth - 1;
          break;
        default: break;
      }
      line.clear();
      // The depth seen by this instruction's label immediates: catch clauses of try_table
      // and the labels of ordinary branches resolve outside any block the instruction opens.
      instr_text(line, op, imm, locals, depth);
      if (opens_block(op)) {
        ++depth;
        line += " ;; label = @";
        append_u64(line, static_cast<uint64_t>(depth));
      }
      out_.append(static_cast<size_t>(4 + 2 * indent), ' ');
      out_ += line;
      out_ += '\n';
    }
    if (!ended) {
      return Error(ErrorKind::kMalformed, "unexpected end", Location::at_offset(code.offset + code.size));
    }
    return ok();
  }

  // ` 3 (;@1;)`: a label by depth, with the block it names (counted from the function's
  // outermost block @1) for readers.
  static void label(std::string& out, uint32_t depth_index, int depth) {
    out += ' ';
    append_u64(out, depth_index);
    if (static_cast<int64_t>(depth_index) < depth) {
      out += " (;@";
      append_u64(out, static_cast<uint64_t>(depth - static_cast<int64_t>(depth_index)));
      out += ";)";
    }
  }

  void block_type(std::string& out, const BlockType& bt) const {
    switch (bt.kind) {
      case BlockType::Kind::kEmpty: break;
      case BlockType::Kind::kValue:
        out += " (result ";
        val_type(out, bt.value);
        out += ')';
        break;
      case BlockType::Kind::kIndex:
        out += " (type ";
        ref_to(out, types_, bt.index);
        out += ')';
        break;
    }
  }

  void memarg(std::string& out, Opcode op, const wasm::Memarg& ma) const {
    if (ma.memory != 0) {
      out += ' ';
      ref_to(out, memories_, ma.memory);
    }
    if (ma.offset != 0) {
      out += " offset=";
      append_u64(out, ma.offset);
    }
    if (ma.align_log2 != wasm::info(op).align) {
      out += " align=";
      if (ma.align_log2 < 64) {
        append_u64(out, uint64_t{1} << ma.align_log2);
      } else {
        // Not decodable from a well-formed module; the exponent keeps the text finite.
        append_u64(out, ma.align_log2);
      }
    }
  }

  void field_ref(std::string& out, uint32_t type_index, uint32_t field) const {
    const wasm::NameMap* map = find_indirect(m_.names.fields, type_index);
    if (map) {
      NameTable names(*map);
      if (const std::string* name = names.find(field)) {
        out += '$';
        out += *name;
        return;
      }
    }
    append_u64(out, field);
  }

  // Appends one instruction (mnemonic and immediates). `depth` is the number of enclosing
  // blocks, used to annotate labels.
  void instr_text(std::string& out, Opcode op, const Imm& imm, const NameTable& locals, int depth) const {
    const wasm::OpcodeInfo& oi = wasm::info(op);
    out += oi.text;
    auto space = [&out] { out += ' '; };
    switch (oi.imm) {
      case ImmKind::kNone:
      case ImmKind::kAtomicFence:
        break;
      case ImmKind::kBlockType:
        block_type(out, imm.block);
        break;
      case ImmKind::kLabel:
        label(out, imm.index, depth);
        break;
      case ImmKind::kBrTable:
        for (uint32_t k = 0; k < imm.num_targets; ++k) label(out, imm.targets[k], depth);
        label(out, imm.default_target, depth);
        break;
      case ImmKind::kFunc:
        space();
        ref_to(out, funcs_, imm.index);
        break;
      case ImmKind::kCallIndirect:
        if (imm.index2 != 0) {
          space();
          ref_to(out, tables_, imm.index2);
        }
        out += " (type ";
        ref_to(out, types_, imm.index);
        out += ')';
        break;
      case ImmKind::kType:
        space();
        ref_to(out, types_, imm.index);
        break;
      case ImmKind::kLocal:
        space();
        ref_to(out, locals, imm.index);
        break;
      case ImmKind::kGlobal:
        space();
        ref_to(out, globals_, imm.index);
        break;
      case ImmKind::kTable:
        space();
        ref_to(out, tables_, imm.index);
        break;
      case ImmKind::kTag:
        space();
        ref_to(out, tags_, imm.index);
        break;
      case ImmKind::kMemarg:
        memarg(out, op, imm.memarg);
        break;
      case ImmKind::kMemargLane:
        memarg(out, op, imm.memarg);
        space();
        append_u64(out, imm.lane);
        break;
      case ImmKind::kMemory:
        if (imm.index != 0) {
          space();
          ref_to(out, memories_, imm.index);
        }
        break;
      case ImmKind::kMemoryMemory:
        if (imm.index != 0 || imm.index2 != 0) {
          space();
          ref_to(out, memories_, imm.index);
          space();
          ref_to(out, memories_, imm.index2);
        }
        break;
      case ImmKind::kDataMemory:  // binary: data, memory; text: memory? data
        if (imm.index2 != 0) {
          space();
          ref_to(out, memories_, imm.index2);
        }
        space();
        ref_to(out, datas_, imm.index);
        break;
      case ImmKind::kData:
        space();
        ref_to(out, datas_, imm.index);
        break;
      case ImmKind::kElem:
        space();
        ref_to(out, elems_, imm.index);
        break;
      case ImmKind::kElemTable:  // binary: elem, table; text: table? elem
        if (imm.index2 != 0) {
          space();
          ref_to(out, tables_, imm.index2);
        }
        space();
        ref_to(out, elems_, imm.index);
        break;
      case ImmKind::kTableTable:
        if (imm.index != 0 || imm.index2 != 0) {
          space();
          ref_to(out, tables_, imm.index);
          space();
          ref_to(out, tables_, imm.index2);
        }
        break;
      case ImmKind::kI32:
        space();
        append_i64(out, static_cast<int32_t>(static_cast<uint32_t>(imm.value)));
        break;
      case ImmKind::kI64:
        space();
        append_i64(out, static_cast<int64_t>(imm.value));
        break;
      case ImmKind::kF32: {
        space();
        const uint32_t bits = static_cast<uint32_t>(imm.value);
        append_f32(out, bits);
        if (((bits >> 23) & 0xFF) != 0xFF && (bits & 0x7FFFFFFF) != 0) {
          float f;
          std::memcpy(&f, &bits, sizeof f);
          append_decimal_comment(out, f);
        }
        break;
      }
      case ImmKind::kF64: {
        space();
        append_f64(out, imm.value);
        if (((imm.value >> 52) & 0x7FF) != 0x7FF && (imm.value & ~(uint64_t{1} << 63)) != 0) {
          double d;
          std::memcpy(&d, &imm.value, sizeof d);
          append_decimal_comment(out, d);
        }
        break;
      }
      case ImmKind::kV128:
        out += " i32x4";
        for (int lane = 0; lane < 4; ++lane) {
          uint32_t v = 0;
          for (int b = 3; b >= 0; --b) v = (v << 8) | imm.bytes[lane * 4 + b];
          space();
          append_hex(out, v, 8);
        }
        break;
      case ImmKind::kShuffle:
        for (int k = 0; k < 16; ++k) {
          space();
          append_u64(out, imm.bytes[k]);
        }
        break;
      case ImmKind::kLane:
        space();
        append_u64(out, imm.lane);
        break;
      case ImmKind::kHeapType:
        space();
        if (op == Opcode::kRefNull) {
          heap_type(out, imm.heap);
        } else {
          // ref.test/ref.cast: the opcode says whether the target type is nullable.
          const bool nullable = op == Opcode::kRefTestNull || op == Opcode::kRefCastNull;
          ref_type(out, imm.heap, nullable);
        }
        break;
      case ImmKind::kSelectT:
        out += " (result";
        for (uint32_t k = 0; k < imm.num_types; ++k) {
          space();
          val_type(out, imm.types[k]);
        }
        out += ')';
        break;
      case ImmKind::kTypeField:
        space();
        ref_to(out, types_, imm.index);
        space();
        field_ref(out, imm.index, imm.index2);
        break;
      case ImmKind::kTypeType:
        space();
        ref_to(out, types_, imm.index);
        space();
        ref_to(out, types_, imm.index2);
        break;
      case ImmKind::kTypeSize:
        space();
        ref_to(out, types_, imm.index);
        space();
        append_u64(out, imm.index2);
        break;
      case ImmKind::kTypeData:
        space();
        ref_to(out, types_, imm.index);
        space();
        ref_to(out, datas_, imm.index2);
        break;
      case ImmKind::kTypeElem:
        space();
        ref_to(out, types_, imm.index);
        space();
        ref_to(out, elems_, imm.index2);
        break;
      case ImmKind::kBrOnCast:
        label(out, imm.index, depth);
        space();
        ref_type(out, imm.heap, imm.nullable);
        space();
        ref_type(out, imm.heap2, imm.nullable2);
        break;
      case ImmKind::kTryTable:
        block_type(out, imm.block);
        for (uint32_t k = 0; k < imm.num_catches; ++k) {
          const CatchClause& c = imm.catches[k];
          switch (c.kind) {
            case CatchClause::Kind::kCatch: out += " (catch "; break;
            case CatchClause::Kind::kCatchRef: out += " (catch_ref "; break;
            case CatchClause::Kind::kCatchAll: out += " (catch_all"; break;
            case CatchClause::Kind::kCatchAllRef: out += " (catch_all_ref"; break;
          }
          if (c.kind == CatchClause::Kind::kCatch || c.kind == CatchClause::Kind::kCatchRef) {
            ref_to(out, tags_, c.tag);
          }
          label(out, c.label, depth);
          out += ')';
        }
        break;
    }
  }

  const wasm::Module& m_;
  const wasm::Features& features_;
  NameTable types_, funcs_, tables_, memories_, globals_, elems_, datas_, tags_;
  std::string out_;
};

}  // namespace

Expected<std::string> print_module(const wasm::Module& module, const wasm::Features& features) {
  Printer printer(module, features);
  return printer.run();
}

}  // namespace kiln::wat
