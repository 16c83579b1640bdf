// component/decoder.cc: the component binary decoder: preamble, sections, and every
// definition and type form of Binary.md, with wasmparser's error wording (the wording the
// component-model testsuite expects).
#include "component/decoder.h"

#include <cstdio>
#include <cstring>
#include <string>

#include "wasm/binary_reader.h"
#include "wasm/decoder.h"

namespace kiln::component {

const char* sort_name(Sort s) {
  switch (s) {
    case Sort::kCoreFunc: return "core func";
    case Sort::kCoreTable: return "core table";
    case Sort::kCoreMemory: return "core memory";
    case Sort::kCoreGlobal: return "core global";
    case Sort::kCoreTag: return "core tag";
    case Sort::kCoreType: return "core type";
    case Sort::kCoreModule: return "module";
    case Sort::kCoreInstance: return "core instance";
    case Sort::kFunc: return "func";
    case Sort::kValue: return "value";
    case Sort::kType: return "type";
    case Sort::kComponent: return "component";
    case Sort::kInstance: return "instance";
  }
  return "?";
}

const char* prim_name(PrimType p) {
  static constexpr const char* kNames[] = {"bool", "s8",  "u8",  "s16", "u16",  "s32",    "u32",
                                           "s64",  "u64", "f32", "f64", "char", "string",
                                           "error-context"};
  return kNames[static_cast<int>(p)];
}

bool is_component(const uint8_t* bytes, size_t size) {
  static constexpr uint8_t kPreamble[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
  return size >= 8 && std::memcmp(bytes, kPreamble, 8) == 0;
}

namespace {

constexpr const char* kEof = "unexpected end-of-file";
// Components nest components and types nest types; both are bounded so hostile input cannot
// exhaust the native stack.
constexpr int kMaxNesting = 100;

std::string hex_byte(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%x", b);
  return buf;
}

std::optional<PrimType> prim_of(uint8_t b) {
  if (b == 0x64) return PrimType::kErrorContext;
  if (b >= 0x73 && b <= 0x7f) return static_cast<PrimType>(0x7f - b);
  return std::nullopt;
}

class Decoder {
 public:
  Decoder(const uint8_t* begin, const uint8_t* end, uint64_t base, const wasm::Features& f)
      : r_(begin, end, base), f_(f) {}

  Expected<Component> run() {
    Component c;
    if (!component(&c, 0)) return error();
    return c;
  }

 private:
  // The reader's error, with its end-of-input wordings turned into the component one.
  Error error() {
    if (err_) return *err_;
    Error e = r_.error();
    std::string msg = e.message();
    if (msg == wasm::kUnexpectedEnd || msg == wasm::kLengthOutOfBounds) msg = kEof;
    return Error(ErrorKind::kMalformed, msg, e.location());
  }
  bool fail(std::string msg, uint64_t at) { return r_.fail(std::move(msg), at); }
  bool bad_byte(uint8_t b, const char* what, uint64_t at) {
    return fail("invalid leading byte (" + hex_byte(b) + ") for " + what, at);
  }

  bool byte(uint8_t* b) { return r_.u8(b); }
  bool u32(uint32_t* v) { return r_.u32(v); }
  // A vector count: each element takes at least one byte.
  bool count(uint32_t* n) {
    uint64_t at = r_.offset();
    if (!r_.u32(n)) return false;
    if (*n > r_.remaining()) return fail(kEof, at);
    return true;
  }
  bool name(std::string* out) { return r_.name(out); }

  bool component(Component* c, int depth) {
    c->offset = r_.offset();
    uint64_t at = r_.offset();
    uint32_t magic = 0, version = 0;
    if (r_.remaining() < 4) return fail(kEof, at);
    if (!r_.u32_fixed(&magic)) return false;
    if (magic != 0x6d736100) return fail("magic header not detected", at);
    if (r_.remaining() < 4) return fail(kEof, r_.offset());
    uint64_t vat = r_.offset();
    if (!r_.u32_fixed(&version)) return false;
    if (version != 0x0001000d) return fail("unknown binary version", vat);
    while (!r_.at_end()) {
      uint64_t sat = r_.offset();
      uint8_t id;
      if (!byte(&id)) return false;
      if (id > 12) return fail("malformed section id", sat);
      uint32_t size;
      if (!u32(&size)) return false;
      if (size > r_.remaining()) return fail(kEof, r_.offset());
      const uint8_t* end = r_.ptr() + size;
      Decoder sub(r_.ptr(), end, r_.offset(), f_);
      if (!sub.section(id, c, depth)) {
        err_ = sub.error();
        return false;
      }
      if (!sub.r_.at_end()) return fail("unexpected content in the section", sub.r_.offset());
      r_.seek(end);
    }
    return true;
  }

  bool section(uint8_t id, Component* c, int depth) {
    uint32_t n = 0;
    switch (id) {
      case 0: {  // custom: a name and anything; validity of its contents is not required
        std::string nm;
        if (!name(&nm)) return false;
        r_.seek(r_.end());
        return true;
      }
      case 1: return core_module(c);
      case 4: {
        if (depth + 1 > kMaxNesting) return fail("nesting too deep", r_.offset());
        auto nested = std::make_shared<Component>();
        uint64_t at = r_.offset();
        Decoder sub(r_.ptr(), r_.end(), r_.offset(), f_);
        if (!sub.component(nested.get(), depth + 1)) {
          err_ = sub.error();
          return false;
        }
        r_.seek(r_.end());
        c->defs.push_back(NestedComponent{std::move(nested), at});
        return true;
      }
      case 9: {
        Start s;
        s.offset = r_.offset();
        if (!u32(&s.func) || !count(&n)) return false;
        s.args.resize(n);
        for (uint32_t i = 0; i < n; ++i)
          if (!u32(&s.args[i])) return false;
        if (!u32(&s.results)) return false;
        c->defs.push_back(std::move(s));
        return true;
      }
      default:
        break;
    }
    if (!count(&n)) return false;
    for (uint32_t i = 0; i < n; ++i) {
      switch (id) {
        case 2: {
          CoreInstance ci;
          if (!core_instance(&ci)) return false;
          c->defs.push_back(std::move(ci));
          break;
        }
        case 3: {
          auto t = std::make_shared<CoreType>();
          if (!core_type(t.get(), 0)) return false;
          c->defs.push_back(std::move(t));
          break;
        }
        case 5: {
          Instance in;
          if (!instance(&in)) return false;
          c->defs.push_back(std::move(in));
          break;
        }
        case 6: {
          Alias a;
          if (!alias(&a)) return false;
          c->defs.push_back(std::move(a));
          break;
        }
        case 7: {
          auto t = std::make_shared<TypeDef>();
          if (!type_def(t.get(), 0)) return false;
          c->defs.push_back(std::move(t));
          break;
        }
        case 8: {
          Canon cn;
          if (!canon(&cn)) return false;
          c->defs.push_back(std::move(cn));
          break;
        }
        case 10: {
          Import im;
          im.offset = r_.offset();
          if (!extern_name(&im.name) || !extern_desc(&im.desc)) return false;
          c->defs.push_back(std::move(im));
          break;
        }
        case 11: {
          Export ex;
          ex.offset = r_.offset();
          if (!extern_name(&ex.name) || !sort_index(&ex.item, "component external kind"))
            return false;
          uint8_t has;
          uint64_t at = r_.offset();
          if (!byte(&has)) return false;
          if (has > 1) return bad_byte(has, "optional extern type", at);
          if (has) {
            ExternDesc d;
            if (!extern_desc(&d)) return false;
            ex.desc = d;
          }
          c->defs.push_back(std::move(ex));
          break;
        }
        case 12: {
          ValueDef v;
          v.offset = r_.offset();
          if (!val_type(&v.type)) return false;
          const uint8_t* data;
          uint32_t size;
          if (!r_.bytes(&data, &size)) return false;
          v.bytes.assign(data, data + size);
          c->defs.push_back(std::move(v));
          break;
        }
        default:
          return fail("malformed section id", r_.offset());
      }
    }
    return true;
  }

  // A failure of a nested decoder or of the core decoder; the reader's own error otherwise.
  std::optional<Error> err_;

  bool core_module(Component* c) {
    uint64_t at = r_.offset();
    size_t size = r_.remaining();
    const uint8_t* p = r_.ptr();
    if (size >= 8 && std::memcmp(p, "\0asm", 4) == 0 && !(p[4] == 1 && p[5] == 0 && p[6] == 0 && p[7] == 0) &&
        (p[6] != 0 || p[7] != 0)) {
      return fail("expected a version header for a module", at + 4);
    }
    std::vector<uint8_t> bytes(p, p + size);
    Expected<wasm::Module> m = wasm::decode(std::move(bytes), f_);
    if (!m) {
      const Error& e = m.error();
      Location loc = e.location();
      if (loc.offset != Location::kNone) loc.offset += at;
      std::string msg = e.message();
      if (msg == wasm::kUnexpectedEnd || msg == wasm::kLengthOutOfBounds) msg = kEof;
      err_ = Error(ErrorKind::kMalformed, msg, loc);
      return false;
    }
    r_.seek(r_.end());
    c->defs.push_back(CoreModule{std::make_shared<wasm::Module>(std::move(*m)), at});
    return true;
  }

  // ---- sorts and indices ----

  bool core_sort(uint8_t b, Sort* out) {
    switch (b) {
      case 0x00: *out = Sort::kCoreFunc; return true;
      case 0x01: *out = Sort::kCoreTable; return true;
      case 0x02: *out = Sort::kCoreMemory; return true;
      case 0x03: *out = Sort::kCoreGlobal; return true;
      case 0x04: *out = Sort::kCoreTag; return true;
      case 0x10: *out = Sort::kCoreType; return true;
      case 0x11: *out = Sort::kCoreModule; return true;
      case 0x12: *out = Sort::kCoreInstance; return true;
      default: return false;
    }
  }

  // A `sort`; on an unknown byte `bad` receives it and the result is false without an error.
  bool sort(Sort* out, uint8_t* bad, uint64_t* bad_at, bool* ok) {
    *ok = false;
    *bad_at = r_.offset();
    uint8_t b;
    if (!byte(&b)) return false;
    switch (b) {
      case 0x00: {
        *bad_at = r_.offset();
        uint8_t c;
        if (!byte(&c)) return false;
        if (!core_sort(c, out)) {
          *bad = c;
          return true;
        }
        *ok = true;
        return true;
      }
      case 0x01: *out = Sort::kFunc; break;
      case 0x02: *out = Sort::kValue; break;
      case 0x03: *out = Sort::kType; break;
      case 0x04: *out = Sort::kComponent; break;
      case 0x05: *out = Sort::kInstance; break;
      default:
        *bad = b;
        return true;
    }
    *ok = true;
    return true;
  }

  bool sort_index(SortIndex* out, const char* what) {
    uint8_t bad;
    uint64_t bad_at;
    bool ok;
    if (!sort(&out->sort, &bad, &bad_at, &ok)) return false;
    if (!ok) return bad_byte(bad, what, bad_at);
    return u32(&out->index);
  }

  bool extern_name(ExternName* out) {
    out->offset = r_.offset();
    uint8_t b;
    if (!byte(&b)) return false;
    if (b > 2) return bad_byte(b, "component name", out->offset);
    if (!name(&out->name)) return false;
    if (b == 2) {
      uint32_t n;
      if (!count(&n)) return false;
      for (uint32_t i = 0; i < n; ++i) {
        uint64_t at = r_.offset();
        uint8_t k;
        if (!byte(&k)) return false;
        std::string s;
        if (k > 2) return bad_byte(k, "name attribute", at);
        if (!name(&s)) return false;
        std::optional<std::string>* slot =
            k == 0 ? &out->implements : k == 1 ? &out->version_suffix : &out->external_id;
        if (slot->has_value()) out->duplicate_attribute = true;
        else *slot = std::move(s);
      }
    }
    return true;
  }

  bool extern_desc(ExternDesc* out) {
    uint64_t at = r_.offset();
    uint8_t b;
    if (!byte(&b)) return false;
    switch (b) {
      case 0x00: {
        uint64_t at2 = r_.offset();
        uint8_t c;
        if (!byte(&c)) return false;
        if (c != 0x11) return bad_byte(c, "component external kind", at2);
        out->kind = ExternKind::kModule;
        return u32(&out->index);
      }
      case 0x01: out->kind = ExternKind::kFunc; return u32(&out->index);
      case 0x02: {
        out->kind = ExternKind::kValue;
        uint64_t at2 = r_.offset();
        uint8_t c;
        if (!byte(&c)) return false;
        if (c == 0x00) {
          out->value_eq = true;
          return u32(&out->index);
        }
        if (c != 0x01) return bad_byte(c, "value bound", at2);
        return val_type(&out->value_type);
      }
      case 0x03: {
        out->kind = ExternKind::kType;
        uint64_t at2 = r_.offset();
        uint8_t c;
        if (!byte(&c)) return false;
        if (c == 0x00) return u32(&out->index);
        if (c != 0x01) return bad_byte(c, "type bound", at2);
        out->sub_resource = true;
        return true;
      }
      case 0x04: out->kind = ExternKind::kComponent; return u32(&out->index);
      case 0x05: out->kind = ExternKind::kInstance; return u32(&out->index);
      default: return bad_byte(b, "component external kind", at);
    }
  }

  // ---- instances and aliases ----

  bool core_instance(CoreInstance* out) {
    out->offset = r_.offset();
    uint8_t b;
    if (!byte(&b)) return false;
    uint32_t n;
    if (b == 0x00) {
      out->instantiate = true;
      if (!u32(&out->module) || !count(&n)) return false;
      out->args.resize(n);
      for (auto& a : out->args) {
        if (!name(&a.name)) return false;
        uint64_t at = r_.offset();
        uint8_t k;
        if (!byte(&k)) return false;
        if (k != 0x12) return bad_byte(k, "instantiation arg kind", at);
        if (!u32(&a.instance)) return false;
      }
      return true;
    }
    if (b != 0x01) return bad_byte(b, "core instance", out->offset);
    out->instantiate = false;
    if (!count(&n)) return false;
    out->exports.resize(n);
    for (auto& e : out->exports) {
      if (!name(&e.name)) return false;
      uint64_t at = r_.offset();
      uint8_t k;
      if (!byte(&k)) return false;
      if (!core_sort(k, &e.sort)) return bad_byte(k, "core external kind", at);
      if (!u32(&e.index)) return false;
    }
    return true;
  }

  bool instance(Instance* out) {
    out->offset = r_.offset();
    uint8_t b;
    if (!byte(&b)) return false;
    uint32_t n;
    if (b == 0x00) {
      out->instantiate = true;
      if (!u32(&out->component) || !count(&n)) return false;
      out->args.resize(n);
      for (auto& a : out->args)
        if (!name(&a.name) || !sort_index(&a.item, "component external kind")) return false;
      return true;
    }
    if (b != 0x01) return bad_byte(b, "instance", out->offset);
    out->instantiate = false;
    if (!count(&n)) return false;
    out->exports.resize(n);
    for (auto& e : out->exports)
      if (!extern_name(&e.name) || !sort_index(&e.item, "component external kind")) return false;
    return true;
  }

  bool alias(Alias* out) {
    out->offset = r_.offset();
    uint8_t bad = 0;
    uint64_t bad_at;
    bool ok;
    if (!sort(&out->sort, &bad, &bad_at, &ok)) return false;
    uint64_t at = r_.offset();
    uint8_t t;
    if (!byte(&t)) return false;
    if (t > 2) return bad_byte(t, "alias", at);
    bool outer_sort = ok && (out->sort == Sort::kCoreModule || out->sort == Sort::kCoreType ||
                             out->sort == Sort::kType || out->sort == Sort::kComponent);
    if (!ok) {
      return bad_byte(bad, t == 2 ? "component outer alias kind" : "component external kind",
                      bad_at);
    }
    if (t == 2) {
      if (!outer_sort) return bad_byte(static_cast<uint8_t>(sort_byte(out->sort)),
                                       "component outer alias kind", bad_at);
      out->target = Alias::Target::kOuter;
      return u32(&out->instance) && u32(&out->index);
    }
    out->target = t == 0 ? Alias::Target::kExport : Alias::Target::kCoreExport;
    bool is_core = out->sort <= Sort::kCoreTag;
    if ((t == 1) != is_core) return bad_byte(t, "alias", at);
    return u32(&out->instance) && name(&out->name);
  }

  static int sort_byte(Sort s) {
    switch (s) {
      case Sort::kCoreFunc: return 0x00;
      case Sort::kCoreTable: return 0x01;
      case Sort::kCoreMemory: return 0x02;
      case Sort::kCoreGlobal: return 0x03;
      case Sort::kCoreTag: return 0x04;
      case Sort::kCoreType: return 0x10;
      case Sort::kCoreModule: return 0x11;
      case Sort::kCoreInstance: return 0x12;
      case Sort::kFunc: return 0x01;
      case Sort::kValue: return 0x02;
      case Sort::kType: return 0x03;
      case Sort::kComponent: return 0x04;
      case Sort::kInstance: return 0x05;
    }
    return 0;
  }

  // ---- core types ----

  bool limits(bool memory, wasm::Limits* out) {
    uint64_t at = r_.offset();
    uint8_t flags;
    if (!byte(&flags)) return false;
    uint8_t allowed = 0x05 | (memory ? 0x0a : 0);
    if (flags & ~allowed) return fail("malformed limits flags", at);
    out->is64 = (flags & 0x04) != 0;
    out->shared = (flags & 0x02) != 0;
    if (!r_.u64(&out->min)) return false;
    if (flags & 0x01) {
      uint64_t max;
      if (!r_.u64(&max)) return false;
      out->max = max;
    }
    if (flags & 0x08) {
      uint32_t log2;
      if (!u32(&log2)) return false;
      if (log2 >= 64) return fail("invalid custom page size", at);
      out->page_size_log2 = log2;
    }
    return true;
  }

  bool core_import_desc(wasm::Import* im) {
    uint64_t at = r_.offset();
    uint8_t k;
    if (!byte(&k)) return false;
    switch (k) {
      case 0x00: im->kind = wasm::ExternKind::kFunc; return u32(&im->func_type);
      case 0x01:
        im->kind = wasm::ExternKind::kTable;
        return wasm::read_ref_type(r_, f_, &im->table.elem) && limits(false, &im->table.limits);
      case 0x02: im->kind = wasm::ExternKind::kMemory; return limits(true, &im->memory.limits);
      case 0x03: {
        im->kind = wasm::ExternKind::kGlobal;
        if (!wasm::read_val_type(r_, f_, &im->global.type)) return false;
        uint64_t mat = r_.offset();
        uint8_t m;
        if (!byte(&m)) return false;
        if (m > 1) return fail("malformed mutability", mat);
        im->global.mut = m == 1;
        return true;
      }
      case 0x04: {
        im->kind = wasm::ExternKind::kTag;
        uint64_t zat = r_.offset();
        uint8_t z;
        if (!byte(&z)) return false;
        if (z != 0) return bad_byte(z, "zero byte required", zat);
        return u32(&im->tag.type_index);
      }
      default: return bad_byte(k, "external kind", at);
    }
  }

  bool core_comp_type(wasm::CompositeType* out) {
    uint64_t at = r_.offset();
    uint8_t b;
    if (!byte(&b)) return false;
    uint32_t n;
    auto field = [&](wasm::FieldType* ft) {
      if (!wasm::read_storage_type(r_, f_, &ft->type)) return false;
      uint64_t mat = r_.offset();
      uint8_t m;
      if (!byte(&m)) return false;
      if (m > 1) return fail("malformed mutability", mat);
      ft->mut = m == 1;
      return true;
    };
    switch (b) {
      case 0x60:
        out->kind = wasm::CompositeKind::kFunc;
        if (!count(&n)) return false;
        out->func.params.resize(n);
        for (auto& t : out->func.params)
          if (!wasm::read_val_type(r_, f_, &t)) return false;
        if (!count(&n)) return false;
        out->func.results.resize(n);
        for (auto& t : out->func.results)
          if (!wasm::read_val_type(r_, f_, &t)) return false;
        return true;
      case 0x5f:
        out->kind = wasm::CompositeKind::kStruct;
        if (!count(&n)) return false;
        out->strukt.fields.resize(n);
        for (auto& ft : out->strukt.fields)
          if (!field(&ft)) return false;
        return true;
      case 0x5e:
        out->kind = wasm::CompositeKind::kArray;
        return field(&out->array.field);
      default:
        return bad_byte(b, "core type", at);
    }
  }

  bool core_sub_type(wasm::SubType* out, bool prefixed) {
    uint8_t b = 0;
    r_.peek(&b);
    if (prefixed || b == 0x4f) {
      if (!prefixed) r_.seek(r_.ptr() + 1);
      out->final = b == 0x4f;
      uint32_t n;
      if (!count(&n)) return false;
      for (uint32_t i = 0; i < n; ++i) {
        uint32_t super;
        if (!u32(&super)) return false;
        if (i > 0) return fail("multiple supertypes", r_.offset());
        out->super = super;
      }
    }
    return core_comp_type(&out->comp);
  }

  bool core_type(CoreType* out, int depth) {
    out->offset = r_.offset();
    if (depth > kMaxNesting) return fail("nesting too deep", r_.offset());
    uint8_t b;
    if (!r_.peek(&b)) return fail(kEof, r_.offset());
    if (b == 0x50) {
      r_.seek(r_.ptr() + 1);
      out->is_module = true;
      uint32_t n;
      if (!count(&n)) return false;
      out->decls.resize(n);
      for (auto& d : out->decls) {
        d.offset = r_.offset();
        uint8_t k;
        if (!byte(&k)) return false;
        switch (k) {
          case 0x00:
            d.kind = CoreModuleDecl::Kind::kImport;
            if (!name(&d.import.module) || !name(&d.import.name) || !core_import_desc(&d.import))
              return false;
            break;
          case 0x01:
            d.kind = CoreModuleDecl::Kind::kType;
            d.type = std::make_shared<CoreType>();
            if (!core_type(d.type.get(), depth + 1)) return false;
            break;
          case 0x02: {
            d.kind = CoreModuleDecl::Kind::kAlias;
            uint64_t at = r_.offset();
            uint8_t s, t;
            if (!byte(&s)) return false;
            if (s != 0x10) return bad_byte(s, "core type sort", at);
            at = r_.offset();
            if (!byte(&t)) return false;
            if (t != 0x01) return bad_byte(t, "core outer alias", at);
            if (!u32(&d.outer_count) || !u32(&d.outer_index)) return false;
            break;
          }
          case 0x03:
            d.kind = CoreModuleDecl::Kind::kExport;
            if (!name(&d.import.name) || !core_import_desc(&d.import)) return false;
            break;
          default:
            return bad_byte(k, "type definition", d.offset);
        }
      }
      return true;
    }
    if (b == 0x4e) {
      r_.seek(r_.ptr() + 1);
      uint32_t n;
      if (!count(&n)) return false;
      out->group.resize(n);
      for (auto& st : out->group) {
        st.rec_group_size = n;
        if (!core_sub_type(&st, false)) return false;
      }
      return true;
    }
    out->group.resize(1);
    if (b == 0x00) {
      r_.seek(r_.ptr() + 1);
      uint64_t at = r_.offset();
      uint8_t c;
      if (!byte(&c)) return false;
      if (c != 0x50) return bad_byte(c, "core type", at);
      return core_sub_type(&out->group[0], true);
    }
    return core_sub_type(&out->group[0], false);
  }

  // ---- component types ----

  bool val_type(ValType* out) {
    uint8_t b;
    if (!r_.peek(&b)) return fail(kEof, r_.offset());
    if (auto p = prim_of(b)) {
      r_.seek(r_.ptr() + 1);
      out->is_index = false;
      out->prim = *p;
      return true;
    }
    int64_t v;
    if (!r_.s33(&v)) return false;
    out->is_index = true;
    out->index = static_cast<uint32_t>(v);
    return true;
  }

  bool opt_val_type(std::optional<ValType>* out) {
    uint64_t at = r_.offset();
    uint8_t b;
    if (!byte(&b)) return false;
    if (b == 0) return true;
    if (b != 1) return bad_byte(b, "optional component value type", at);
    ValType t;
    if (!val_type(&t)) return false;
    *out = t;
    return true;
  }

  bool labeled(LabeledType* out) { return name(&out->label) && val_type(&out->type); }

  bool result_list(std::optional<ValType>* out) {
    uint64_t at = r_.offset();
    uint8_t b;
    if (!byte(&b)) return false;
    if (b == 0x00) {
      ValType t;
      if (!val_type(&t)) return false;
      *out = t;
      return true;
    }
    if (b != 0x01) return bad_byte(b, "component function results", at);
    at = r_.offset();
    if (!byte(&b)) return false;
    if (b != 0x00) return bad_byte(b, "number of results", at);
    return true;
  }

  bool decl(Decl* d, bool component_type, int depth) {
    d->offset = r_.offset();
    uint8_t k;
    if (!byte(&k)) return false;
    switch (k) {
      case 0x00:
        d->kind = Decl::Kind::kCoreType;
        d->core_type = std::make_shared<CoreType>();
        return core_type(d->core_type.get(), depth + 1);
      case 0x01:
        d->kind = Decl::Kind::kType;
        d->type = std::make_shared<TypeDef>();
        return type_def(d->type.get(), depth + 1);
      case 0x02:
        d->kind = Decl::Kind::kAlias;
        return alias(&d->alias);
      case 0x03:
        if (!component_type) break;
        d->kind = Decl::Kind::kImport;
        return extern_name(&d->name) && extern_desc(&d->desc);
      case 0x04:
        d->kind = Decl::Kind::kExport;
        return extern_name(&d->name) && extern_desc(&d->desc);
      default:
        break;
    }
    return bad_byte(k, component_type ? "component or instance type declaration"
                                      : "instance type declaration",
                    d->offset);
  }

  bool type_def(TypeDef* out, int depth) {
    out->offset = r_.offset();
    if (depth > kMaxNesting) return fail("nesting too deep", r_.offset());
    uint8_t b;
    if (!byte(&b)) return false;
    uint32_t n;
    DefValType& v = out->val;
    out->kind = TypeDef::Kind::kDefVal;
    if (auto p = prim_of(b)) {
      v.kind = DefValKind::kPrim;
      v.prim = *p;
      return true;
    }
    switch (b) {
      case 0x40:
      case 0x43:
        out->kind = TypeDef::Kind::kFunc;
        out->func.async = b == 0x43;
        if (!count(&n)) return false;
        out->func.params.resize(n);
        for (auto& p : out->func.params)
          if (!labeled(&p)) return false;
        return result_list(&out->func.result);
      case 0x41:
      case 0x42:
        out->kind = b == 0x41 ? TypeDef::Kind::kComponent : TypeDef::Kind::kInstance;
        if (!count(&n)) return false;
        out->decls.resize(n);
        for (auto& d : out->decls)
          if (!decl(&d, b == 0x41, depth)) return false;
        return true;
      case 0x3f: {
        out->kind = TypeDef::Kind::kResource;
        if (!wasm::read_val_type(r_, f_, &out->rep)) return false;
        uint64_t at = r_.offset();
        uint8_t has;
        if (!byte(&has)) return false;
        if (has > 1) return bad_byte(has, "resource destructor", at);
        if (has) {
          uint32_t f;
          if (!u32(&f)) return false;
          out->dtor = f;
        }
        return true;
      }
      case 0x72:
        v.kind = DefValKind::kRecord;
        if (!count(&n)) return false;
        v.fields.resize(n);
        for (auto& f : v.fields)
          if (!labeled(&f)) return false;
        return true;
      case 0x71:
        v.kind = DefValKind::kVariant;
        if (!count(&n)) return false;
        v.cases.resize(n);
        for (auto& c : v.cases) {
          if (!name(&c.label) || !opt_val_type(&c.type)) return false;
          uint64_t at = r_.offset();
          uint8_t z;
          if (!byte(&z)) return false;
          if (z != 0) return bad_byte(z, "zero byte required", at);
        }
        return true;
      case 0x70:
      case 0x6b:
      case 0x67: {
        v.kind = b == 0x70 ? DefValKind::kList : b == 0x6b ? DefValKind::kOption : DefValKind::kFixedList;
        ValType t;
        if (!val_type(&t)) return false;
        v.a = t;
        if (b == 0x67) return u32(&v.length);
        return true;
      }
      case 0x6f:
        v.kind = DefValKind::kTuple;
        if (!count(&n)) return false;
        v.types.resize(n);
        for (auto& t : v.types)
          if (!val_type(&t)) return false;
        return true;
      case 0x6e:
      case 0x6d:
        v.kind = b == 0x6e ? DefValKind::kFlags : DefValKind::kEnum;
        if (!count(&n)) return false;
        v.labels.resize(n);
        for (auto& l : v.labels)
          if (!name(&l)) return false;
        return true;
      case 0x6a:
        v.kind = DefValKind::kResult;
        return opt_val_type(&v.a) && opt_val_type(&v.b);
      case 0x69:
      case 0x68:
        v.kind = b == 0x69 ? DefValKind::kOwn : DefValKind::kBorrow;
        return u32(&v.index);
      case 0x66:
      case 0x65:
        v.kind = b == 0x66 ? DefValKind::kStream : DefValKind::kFuture;
        return opt_val_type(&v.a);
      case 0x63: {
        v.kind = DefValKind::kMap;
        ValType k, t;
        if (!val_type(&k) || !val_type(&t)) return false;
        v.a = k;
        v.b = t;
        return true;
      }
      default:
        return bad_byte(b, "component defined type", out->offset);
    }
  }

  // ---- canonical definitions ----

  bool opts(std::vector<CanonOpt>* out) {
    uint32_t n;
    if (!count(&n)) return false;
    out->resize(n);
    for (auto& o : *out) {
      o.offset = r_.offset();
      uint8_t b;
      if (!byte(&b)) return false;
      if (b > 9) return bad_byte(b, "canonical option", o.offset);
      o.kind = static_cast<CanonOpt::Kind>(b);
      if (b == 3 || b == 4 || b == 5 || b == 7 || b == 8)
        if (!u32(&o.index)) return false;
    }
    return true;
  }

  bool flag(bool* out, const char* what) {
    uint64_t at = r_.offset();
    uint8_t b;
    if (!byte(&b)) return false;
    if (b > 1) return bad_byte(b, what, at);
    *out = b == 1;
    return true;
  }

  bool canon(Canon* c) {
    c->offset = r_.offset();
    uint8_t op;
    if (!byte(&op)) return false;
    c->op = op;
    using namespace canon_op;
    auto zero = [&](const char* what) {
      uint64_t at = r_.offset();
      uint8_t z;
      if (!byte(&z)) return false;
      if (z != 0) return bad_byte(z, what, at);
      return true;
    };
    switch (op) {
      case kLift:
        return zero("canonical function lift") && u32(&c->func) && opts(&c->opts) && u32(&c->type);
      case kLower:
        return zero("canonical function lower") && u32(&c->func) && opts(&c->opts);
      case kResourceNew:
      case kResourceDrop:
      case kResourceRep:
      case kStreamNew:
      case kStreamDropReadable:
      case kStreamDropWritable:
      case kFutureNew:
      case kFutureDropReadable:
      case kFutureDropWritable:
        return u32(&c->type);
      case kStreamRead:
      case kStreamWrite:
      case kFutureRead:
      case kFutureWrite:
        return u32(&c->type) && opts(&c->opts);
      case kStreamCancelRead:
      case kStreamCancelWrite:
      case kFutureCancelRead:
      case kFutureCancelWrite:
        return u32(&c->type) && flag(&c->flag, "async option");
      case kBackpressureInc:
      case kBackpressureDec:
      case kTaskCancel:
      case kSubtaskDrop:
      case kErrorContextDrop:
      case kWaitableSetNew:
      case kWaitableSetDrop:
      case kWaitableJoin:
      case kThreadIndex:
      case kThreadResumeLater:
        return true;
      case kTaskReturn:
        return result_list(&c->result) && opts(&c->opts);
      case kContextGet:
      case kContextSet:
        return wasm::read_val_type(r_, f_, &c->core_type) && u32(&c->index);
      case kSubtaskCancel:
        return flag(&c->flag, "async option");
      case kErrorContextNew:
      case kErrorContextDebugMessage:
        return opts(&c->opts);
      case kWaitableSetWait:
      case kWaitableSetPoll:
        return flag(&c->flag, "cancellable option") && u32(&c->index);
      case kThreadNewIndirect:
        return u32(&c->type) && u32(&c->index);
      case kThreadSuspend:
      case kThreadYield:
      case kThreadSuspendThenResume:
      case kThreadYieldThenResume:
      case kThreadSuspendThenPromote:
      case kThreadYieldThenPromote:
        return flag(&c->flag, "cancellable option");
      case kThreadSpawnRef:
        return flag(&c->flag, "shared option") && u32(&c->type);
      case kThreadSpawnIndirect:
        return flag(&c->flag, "shared option") && u32(&c->type) && u32(&c->index);
      case kThreadAvailableParallelism:
        return flag(&c->flag, "shared option");
      default:
        return bad_byte(op, "canonical function", c->offset);
    }
  }

  wasm::BinaryReader r_;
  const wasm::Features& f_;
};

}  // namespace

Expected<Component> decode_component(const std::vector<uint8_t>& bytes,
                                     const wasm::Features& features) {
  wasm::Features f = features;
  Decoder d(bytes.data(), bytes.data() + bytes.size(), 0, f);
  return d.run();
}

}  // namespace kiln::component
