// component/validator.cc: component validation. Each component, component type and instance
// type is a Scope with its index spaces; entries carry semantic types (value types resolved to
// trees, resource types as numbered identities) so instantiation can check subtyping and
// substitute resources.
#include "component/validator.h"

#include "component/describe.h"

#include <algorithm>
#include <map>
#include <set>

#include "wasm/validator.h"

namespace kiln::component {
namespace {

// ---- semantic types ----

// Resource substitution while checking an instantiation: the expected side's abstract
// (imported) resources are bound to the provided ones on first sight.
struct Binding {
  std::set<uint32_t> bindable;
  std::map<uint32_t, uint32_t> map;
};

struct VT;
using VTP = std::shared_ptr<const VT>;
struct VT {
  DefValKind kind = DefValKind::kPrim;
  PrimType prim = PrimType::kBool;
  std::vector<std::pair<std::string, VTP>> fields;  // record fields / variant cases
  std::vector<VTP> elems;                           // tuple
  std::vector<std::string> labels;                  // flags / enum
  VTP a, b;
  uint32_t len = 0;
  uint32_t res = 0;  // own/borrow: resource id
  // External visibility (Explainer.md "External Visibility of Types"): record, variant, enum
  // and flags carry their own name identity; own/borrow carry the identity of the type index
  // they were written with. Importing or exporting a type gives it a fresh identity, which is
  // then "named" in that scope.
  uint32_t vis = 0;
  uint32_t origin = 0;  // nominal kinds: the identity at definition, kept by every copy
  // Canonical ABI element size and alignment with 64-bit pointers (CanonicalABI.md), sizes
  // capped at kMaxValueSize; computed for defined types when they are created.
  uint64_t size = 0;
  uint32_t align = 1;
};

// Validation requires elem_size(t) < 2^28 for every defined value type, with the pointer
// width that makes it largest (64-bit).
inline constexpr uint64_t kMaxValueSize = uint64_t{1} << 28;

uint64_t align_to(uint64_t n, uint32_t a) { return (n + a - 1) / a * a; }

// Size and alignment of a value type; for defined types the values stored at creation.
std::pair<uint64_t, uint32_t> size_align(const VT& v) {
  if (v.kind != DefValKind::kPrim) return {v.size, v.align};
  switch (v.prim) {
    case PrimType::kBool: case PrimType::kS8: case PrimType::kU8: return {1, 1};
    case PrimType::kS16: case PrimType::kU16: return {2, 2};
    case PrimType::kS32: case PrimType::kU32: case PrimType::kF32: case PrimType::kChar:
    case PrimType::kErrorContext: return {4, 4};
    case PrimType::kS64: case PrimType::kU64: case PrimType::kF64: return {8, 8};
    case PrimType::kString: return {16, 8};
  }
  return {4, 4};
}

uint32_t discriminant_size(size_t cases) { return cases <= 256 ? 1 : cases <= 65536 ? 2 : 4; }

// Computes v.size and v.align from its (already sized) parts, capping at kMaxValueSize so
// that no product or sum can overflow.
void compute_size(VT& v) {
  auto cap = [](uint64_t n) { return std::min(n, kMaxValueSize); };
  auto sequence = [&](const std::vector<const VT*>& parts) {
    uint64_t size = 0;
    uint32_t align = 1;
    for (const VT* p : parts) {
      auto [s, a] = size_align(*p);
      size = cap(align_to(size, a) + s);
      align = std::max(align, a);
    }
    v.size = cap(align_to(size, align));
    v.align = align;
  };
  auto variant = [&](size_t n, const std::vector<const VT*>& payloads) {
    uint32_t d = discriminant_size(n);
    uint64_t max_size = 0;
    uint32_t max_align = d;
    for (const VT* p : payloads) {
      if (!p) continue;
      auto [s, a] = size_align(*p);
      max_size = std::max(max_size, s);
      max_align = std::max(max_align, a);
    }
    v.size = cap(align_to(align_to(d, max_align) + max_size, max_align));
    v.align = max_align;
  };
  switch (v.kind) {
    case DefValKind::kPrim: {
      auto [s, a] = size_align(v);
      v.size = s;
      v.align = a;
      return;
    }
    case DefValKind::kRecord: {
      std::vector<const VT*> parts;
      for (const auto& f : v.fields) parts.push_back(f.second.get());
      return sequence(parts);
    }
    case DefValKind::kTuple: {
      std::vector<const VT*> parts;
      for (const auto& e : v.elems) parts.push_back(e.get());
      return sequence(parts);
    }
    case DefValKind::kVariant: {
      std::vector<const VT*> parts;
      for (const auto& f : v.fields) parts.push_back(f.second.get());
      return variant(v.fields.size(), parts);
    }
    case DefValKind::kEnum:
      return variant(v.labels.size(), {});
    case DefValKind::kOption:
      return variant(2, {v.a.get()});
    case DefValKind::kResult:
      return variant(2, {v.a.get(), v.b.get()});
    case DefValKind::kFlags: {
      size_t n = v.labels.size();
      if (n <= 8) v.size = v.align = 1;
      else if (n <= 16) v.size = v.align = 2;
      else {
        v.size = 4 * ((n + 31) / 32);
        v.align = 4;
      }
      return;
    }
    case DefValKind::kList:
    case DefValKind::kMap:
      v.size = 16;
      v.align = 8;
      return;
    case DefValKind::kFixedList: {
      auto [s, a] = size_align(*v.a);
      v.size = cap(s * v.len);
      v.align = a;
      return;
    }
    case DefValKind::kOwn: case DefValKind::kBorrow: case DefValKind::kStream:
    case DefValKind::kFuture:
      v.size = v.align = 4;
      return;
  }
}

struct FT {
  bool async = false;
  std::vector<std::pair<std::string, VTP>> params;
  VTP result;
};

// A core extern type with everything needed to compare it.
struct CoreExt {
  wasm::ExternKind kind = wasm::ExternKind::kFunc;
  std::shared_ptr<wasm::FuncType> func;  // kFunc/kTag; null: any signature (built-ins)
  wasm::TableType table;
  wasm::MemoryType memory;
  wasm::GlobalType global;
};

struct ModT {
  std::vector<std::tuple<std::string, std::string, CoreExt>> imports;
  std::vector<std::pair<std::string, CoreExt>> exports;
};

struct Entity;
struct InstT {
  std::vector<std::pair<std::string, Entity>> exports;
  std::vector<uint32_t> defined;  // resources created fresh by each instance
};
struct CompT {
  std::vector<std::pair<std::string, Entity>> imports, exports;
  std::vector<uint32_t> imported;  // resources abstracted by imports
  std::vector<uint32_t> defined;
};

// An entry of the type index space, or the type of an item of another sort.
struct TypeE {
  enum class K : uint8_t { kVal, kFunc, kComp, kInst, kResource, kModule, kCoreFunc, kCoreOther };
  K k = K::kVal;
  VTP v;
  std::shared_ptr<FT> f;
  std::shared_ptr<CompT> c;
  std::shared_ptr<InstT> i;
  std::shared_ptr<ModT> m;
  uint32_t res = 0;
  uint32_t vis = 0;  // kResource: name identity of this type index (see VT::vis)
};

struct Entity {
  ExternKind kind = ExternKind::kFunc;
  TypeE t;
};

struct CoreInst {
  std::map<std::string, CoreExt> exports;
};

VTP prim(PrimType p) {
  auto v = std::make_shared<VT>();
  v->prim = p;
  return v;
}

const char* kind_name(ExternKind k) {
  switch (k) {
    case ExternKind::kModule: return "module";
    case ExternKind::kFunc: return "func";
    case ExternKind::kValue: return "value";
    case ExternKind::kType: return "type";
    case ExternKind::kComponent: return "component";
    case ExternKind::kInstance: return "instance";
  }
  return "?";
}

ExternKind kind_of_sort(Sort s) {
  switch (s) {
    case Sort::kFunc: return ExternKind::kFunc;
    case Sort::kValue: return ExternKind::kValue;
    case Sort::kType: return ExternKind::kType;
    case Sort::kComponent: return ExternKind::kComponent;
    case Sort::kInstance: return ExternKind::kInstance;
    default: return ExternKind::kModule;
  }
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

struct Scope {
  enum class Kind : uint8_t { kComponent, kComponentType, kInstanceType } kind = Kind::kComponent;
  std::vector<TypeE> types;
  std::vector<TypeE> core_types;  // kCoreFunc (func type) / kModule / kCoreOther
  std::vector<std::shared_ptr<FT>> funcs;
  std::vector<VTP> values;
  std::vector<std::shared_ptr<CompT>> components;
  std::vector<std::shared_ptr<InstT>> instances;
  std::vector<std::shared_ptr<ModT>> modules;
  std::vector<CoreInst> core_instances;
  std::vector<CoreExt> core_funcs, core_tables, core_memories, core_globals, core_tags;
  std::vector<std::pair<std::string, Entity>> imports, exports;
  std::set<std::string> import_names, export_names;  // lowercased
  std::vector<uint32_t> imported_res, defined_res;
  // Resources named by an import / an export here (the two namespaces are disjoint), by
  // resource identity, for the [constructor]/[method]/[static] rules.
  std::map<uint32_t, std::string> imp_res_names, exp_res_names;
  std::set<uint32_t> imp_vis, exp_vis;  // type identities named by imports / exports here
};

class Validator {
 public:
  explicit Validator(const wasm::Features& f) : f_(f) {}

  Expected<std::shared_ptr<CompT>> component(const Component& c) {
    scopes_.emplace_back();
    for (const Definition& d : c.defs) KILN_TRY(definition(d));
    auto t = std::make_shared<CompT>();
    Scope& s = scopes_.back();
    t->imports = s.imports;
    t->exports = s.exports;
    t->imported = s.imported_res;
    t->defined = s.defined_res;
    scopes_.pop_back();
    return t;
  }

 private:
  Scope& cur() { return scopes_.back(); }
  static Error err(std::string msg, uint64_t at) {
    return Error(ErrorKind::kInvalid, std::move(msg), Location::at_offset(at));
  }
  uint32_t fresh() { return ++next_res_; }

  Expected<void> definition(const Definition& d) {
    return std::visit([&](const auto& x) { return def(x); }, d);
  }

  // ---- core modules and instances ----

  static CoreExt core_ext(const wasm::Module& m, wasm::ExternKind k, uint32_t idx) {
    CoreExt e;
    e.kind = k;
    switch (k) {
      case wasm::ExternKind::kFunc:
        e.func = std::make_shared<wasm::FuncType>(m.func_sig(idx));
        break;
      case wasm::ExternKind::kTable: e.table = m.table_types[idx]; break;
      case wasm::ExternKind::kMemory: e.memory = m.memory_types[idx]; break;
      case wasm::ExternKind::kGlobal: e.global = m.global_types[idx]; break;
      case wasm::ExternKind::kTag:
        e.func = std::make_shared<wasm::FuncType>(m.func_type(m.tag_types[idx].type_index));
        break;
    }
    return e;
  }

  Expected<void> def(const CoreModule& cm) {
    Expected<void> v = wasm::validate(*cm.module, f_);
    if (!v) {
      Location loc = v.error().location();
      if (loc.offset != Location::kNone) loc.offset += cm.offset;
      return Error(ErrorKind::kInvalid, v.error().message(), loc);
    }
    auto t = std::make_shared<ModT>();
    const wasm::Module& m = *cm.module;
    uint32_t counts[5] = {};
    // Two-level import names must be unique within a component's core modules: hosts and
    // adapters mangle them to one level (`module:name`), where duplicates would collide.
    std::set<std::pair<std::string, std::string>> import_names;
    for (const wasm::Import& im : m.imports) {
      if (!import_names.emplace(im.module, im.name).second)
        return err("duplicate import name `" + im.module + ":" + im.name + "`", cm.offset);
      CoreExt e;
      e.kind = im.kind;
      uint32_t& n = counts[static_cast<int>(im.kind)];
      e = core_ext(m, im.kind, n++);
      t->imports.emplace_back(im.module, im.name, e);
    }
    for (const wasm::Export& ex : m.exports) t->exports.emplace_back(ex.name, core_ext(m, ex.kind, ex.index));
    cur().modules.push_back(std::move(t));
    return ok();
  }

  static std::string core_kind_name(wasm::ExternKind k) { return wasm::to_string(k); }

  // Memory limits of a module type's declarations, checked as the core validator checks a
  // module's memories: the page count must fit the address space.
  static Expected<void> memory_limits(const wasm::MemoryType& t, uint64_t at) {
    const wasm::Limits& l = t.limits;
    uint32_t page_log2 = l.page_size_log2 ? *l.page_size_log2 : 16;
    if (page_log2 != 0 && page_log2 != 16) return err("invalid custom page size", at);
    uint32_t addr_bits = l.is64 ? 64 : 32;
    uint64_t max_pages = page_log2 == 0 ? (addr_bits == 64 ? ~uint64_t{0} : 0xFFFFFFFFull)
                                        : uint64_t{1} << (addr_bits - page_log2);
    if (l.min > max_pages || (l.max && *l.max > max_pages)) {
      if (!l.is64 && page_log2 == 16) return err("memory size must be at most 65536 pages (4GiB)", at);
      return err("memory size must be at most " + std::to_string(max_pages) + " pages", at);
    }
    if (l.max && l.min > *l.max) return err("size minimum must not be greater than maximum", at);
    return ok();
  }

  // Core extern subtyping: `a` (provided) matches `b` (expected).
  static std::optional<std::string> core_match(const CoreExt& a, const CoreExt& b) {
    if (a.kind != b.kind)
      return "expected " + core_kind_name(b.kind) + ", found " + core_kind_name(a.kind);
    switch (a.kind) {
      case wasm::ExternKind::kFunc:
      case wasm::ExternKind::kTag:
        if (a.func && b.func && !(a.func->params == b.func->params && a.func->results == b.func->results))
          return std::string("type mismatch");
        return std::nullopt;
      case wasm::ExternKind::kTable:
        if (!(a.table.elem == b.table.elem)) return std::string("type mismatch");
        if (a.table.limits.min < b.table.limits.min ||
            (b.table.limits.max && (!a.table.limits.max || *a.table.limits.max > *b.table.limits.max)))
          return std::string("mismatch in table limits");
        return std::nullopt;
      case wasm::ExternKind::kMemory: {
        const wasm::Limits& x = a.memory.limits;
        const wasm::Limits& y = b.memory.limits;
        if (x.shared != y.shared) return std::string("mismatch in the shared flag for memories");
        if (x.is64 != y.is64) return std::string("mismatch in index type used for memories");
        if (x.min < y.min || (y.max && (!x.max || *x.max > *y.max)))
          return std::string("mismatch in memory limits");
        return std::nullopt;
      }
      case wasm::ExternKind::kGlobal:
        if (!(a.global.type == b.global.type) || a.global.mut != b.global.mut)
          return std::string("global type mismatch");
        return std::nullopt;
    }
    return std::nullopt;
  }

  Expected<void> def(const CoreInstance& ci) {
    CoreInst inst;
    if (ci.instantiate) {
      if (ci.module >= cur().modules.size()) return err("unknown module " + std::to_string(ci.module) + ": module index out of bounds", ci.offset);
      const ModT& m = *cur().modules[ci.module];
      std::map<std::string, uint32_t> args;
      for (const auto& a : ci.args) {
        if (a.instance >= cur().core_instances.size())
          return err("unknown core instance " + std::to_string(a.instance) + ": instance index out of bounds", ci.offset);
        if (!args.emplace(a.name, a.instance).second)
          return err("duplicate module instantiation argument named `" + a.name + "`", ci.offset);
      }
      for (const auto& [mod, nm, ext] : m.imports) {
        auto it = args.find(mod);
        if (it == args.end()) return err("missing module instantiation argument named `" + mod + "`", ci.offset);
        const CoreInst& arg = cur().core_instances[it->second];
        auto jt = arg.exports.find(nm);
        if (jt == arg.exports.end())
          return err("module import `" + mod + "::" + nm + "` not defined", ci.offset);
        if (auto why = core_match(jt->second, ext))
          return err("module import `" + mod + "::" + nm + "` has the wrong type: " + *why, ci.offset);
      }
      for (const auto& [nm, ext] : m.exports) inst.exports[nm] = ext;
    } else {
      for (const auto& e : ci.exports) {
        CoreExt ext;
        KILN_ASSIGN_OR_RETURN(ext, core_item(e.sort, e.index, ci.offset));
        if (!inst.exports.emplace(e.name, ext).second)
          return err("export name `" + e.name + "` already defined", ci.offset);
      }
    }
    cur().core_instances.push_back(std::move(inst));
    return ok();
  }

  std::vector<CoreExt>* core_space(Sort s) {
    switch (s) {
      case Sort::kCoreFunc: return &cur().core_funcs;
      case Sort::kCoreTable: return &cur().core_tables;
      case Sort::kCoreMemory: return &cur().core_memories;
      case Sort::kCoreGlobal: return &cur().core_globals;
      case Sort::kCoreTag: return &cur().core_tags;
      default: return nullptr;
    }
  }

  Expected<CoreExt> core_item(Sort s, uint32_t idx, uint64_t at) {
    std::vector<CoreExt>* space = core_space(s);
    if (!space) return err("only core items may be exported from a core instance", at);
    if (idx >= space->size()) {
      const char* what = s == Sort::kCoreFunc ? "func" : s == Sort::kCoreTable ? "table"
                         : s == Sort::kCoreMemory ? "memory" : s == Sort::kCoreGlobal ? "global" : "tag";
      return err("unknown " + std::string(what) + " " + std::to_string(idx) + ": " + what +
                     " index out of bounds", at);
    }
    return (*space)[idx];
  }

  // ---- core types ----

  Expected<void> def(const std::shared_ptr<CoreType>& t) { return core_type(*t); }

  Expected<void> core_type(const CoreType& t) {
    if (!t.is_module) {
      for (const wasm::SubType& st : t.group) {
        TypeE e;
        if (st.comp.kind == wasm::CompositeKind::kFunc) {
          e.k = TypeE::K::kCoreFunc;
          auto ft = std::make_shared<FT>();
          e.f = ft;
          core_func_types_.push_back(st.comp.func);
          e.res = static_cast<uint32_t>(core_func_types_.size() - 1);
        } else {
          e.k = TypeE::K::kCoreOther;
        }
        cur().core_types.push_back(std::move(e));
      }
      return ok();
    }
    // A module type: its own core type space, outer aliases into enclosing scopes.
    auto m = std::make_shared<ModT>();
    std::vector<TypeE> local;
    for (const CoreModuleDecl& d : t.decls) {
      switch (d.kind) {
        case CoreModuleDecl::Kind::kType:
          if (d.type->is_module) return err("core type index space cannot contain module types", d.offset);
          for (const wasm::SubType& st : d.type->group) {
            TypeE e;
            e.k = st.comp.kind == wasm::CompositeKind::kFunc ? TypeE::K::kCoreFunc : TypeE::K::kCoreOther;
            core_func_types_.push_back(st.comp.func);
            e.res = static_cast<uint32_t>(core_func_types_.size() - 1);
            local.push_back(e);
          }
          break;
        case CoreModuleDecl::Kind::kAlias: {
          if (d.outer_count > scopes_.size() || d.outer_count == 0) {
            if (d.outer_count == 0) {
              if (d.outer_index >= local.size()) return err("type index out of bounds", d.offset);
              local.push_back(local[d.outer_index]);
              break;
            }
            return err("invalid outer alias count of " + std::to_string(d.outer_count), d.offset);
          }
          Scope& s = scopes_[scopes_.size() - d.outer_count];
          if (d.outer_index >= s.core_types.size()) return err("type index out of bounds", d.offset);
          if (s.core_types[d.outer_index].k == TypeE::K::kModule)
            return err("cannot alias a module type into a module type", d.offset);
          local.push_back(s.core_types[d.outer_index]);
          break;
        }
        case CoreModuleDecl::Kind::kImport:
        case CoreModuleDecl::Kind::kExport: {
          CoreExt e;
          e.kind = d.import.kind;
          if (d.import.kind == wasm::ExternKind::kFunc || d.import.kind == wasm::ExternKind::kTag) {
            uint32_t ti = d.import.kind == wasm::ExternKind::kFunc ? d.import.func_type : d.import.tag.type_index;
            if (ti >= local.size()) return err("type index out of bounds", d.offset);
            if (local[ti].k != TypeE::K::kCoreFunc) return err("type index " + std::to_string(ti) + " is not a function type", d.offset);
            e.func = std::make_shared<wasm::FuncType>(core_func_types_[local[ti].res]);
          }
          e.table = d.import.table;
          e.memory = d.import.memory;
          e.global = d.import.global;
          if (d.import.kind == wasm::ExternKind::kMemory) KILN_TRY(memory_limits(d.import.memory, d.offset));
          if (d.kind == CoreModuleDecl::Kind::kImport) {
            for (const auto& [mm, nn, ee] : m->imports)
              if (mm == d.import.module && nn == d.import.name)
                return err("duplicate import name `" + mm + ":" + nn + "`", d.offset);
            m->imports.emplace_back(d.import.module, d.import.name, e);
          } else {
            for (const auto& [nn, ee] : m->exports)
              if (nn == d.import.name) return err("export name `" + nn + "` already defined", d.offset);
            m->exports.emplace_back(d.import.name, e);
          }
          break;
        }
      }
    }
    TypeE e;
    e.k = TypeE::K::kModule;
    e.m = m;
    cur().core_types.push_back(std::move(e));
    return ok();
  }

  // ---- component value and function types ----

  Expected<VTP> val_type(const ValType& t, uint64_t at) {
    if (!t.is_index) return prim(t.prim);
    if (t.index >= cur().types.size()) return err("type index out of bounds", at);
    const TypeE& e = cur().types[t.index];
    if (e.k != TypeE::K::kVal) return err("type index " + std::to_string(t.index) + " is not a defined type", at);
    return e.v;
  }

  Expected<const TypeE*> resource_of(uint32_t idx, uint64_t at) {
    if (idx >= cur().types.size()) return err("type index out of bounds", at);
    const TypeE& e = cur().types[idx];
    if (e.k != TypeE::K::kResource) return err("type index " + std::to_string(idx) + " is not a resource type", at);
    return &e;
  }

  static bool contains_borrow(const VTP& v) {
    if (!v) return false;
    if (v->kind == DefValKind::kBorrow) return true;
    // Streams and futures carry their own checks; a borrow cannot reach through them.
    if (v->kind == DefValKind::kStream || v->kind == DefValKind::kFuture) return false;
    for (const auto& f : v->fields)
      if (contains_borrow(f.second)) return true;
    for (const auto& e : v->elems)
      if (contains_borrow(e)) return true;
    return contains_borrow(v->a) || contains_borrow(v->b);
  }

  Expected<void> label(const std::string& l, const char* what, std::set<std::string>& seen,
                       std::map<std::string, std::string>& orig, uint64_t at) {
    if (l.empty()) return err(std::string(what) + " name cannot be empty", at);
    if (!is_kebab_label(l)) return err(std::string(what) + " name `" + l + "` is not in kebab case", at);
    std::string k = lower(l);
    if (!seen.insert(k).second)
      return err(std::string(what) + " name `" + l + "` conflicts with previous " + what + " name `" + orig[k] + "`", at);
    orig[k] = l;
    return ok();
  }

  Expected<VTP> def_val(const DefValType& d, uint64_t at) {
    auto v = std::make_shared<VT>();
    v->kind = d.kind;
    v->prim = d.prim;
    if (nominal(d.kind)) v->vis = v->origin = fresh();
    std::set<std::string> seen;
    std::map<std::string, std::string> orig;
    switch (d.kind) {
      case DefValKind::kPrim: break;
      case DefValKind::kRecord:
        if (d.fields.empty()) return err("record type must have at least one field", at);
        for (const auto& f : d.fields) {
          KILN_TRY(label(f.label, "record field", seen, orig, at));
          KILN_ASSIGN_OR_RETURN(VTP t, val_type(f.type, at));
          v->fields.emplace_back(f.label, t);
        }
        break;
      case DefValKind::kVariant:
        if (d.cases.empty()) return err("variant type must have at least one case", at);
        if (d.cases.size() > (1u << 20)) return err("variant type has too many cases", at);
        for (const auto& c : d.cases) {
          KILN_TRY(label(c.label, "variant case", seen, orig, at));
          VTP t;
          if (c.type) {
            KILN_ASSIGN_OR_RETURN(t, val_type(*c.type, at));
          }
          v->fields.emplace_back(c.label, t);
        }
        break;
      case DefValKind::kTuple:
        if (d.types.empty()) return err("tuple type must have at least one type", at);
        for (const auto& t : d.types) {
          KILN_ASSIGN_OR_RETURN(VTP x, val_type(t, at));
          v->elems.push_back(x);
        }
        break;
      case DefValKind::kFlags:
        if (d.labels.empty()) return err("flags must have at least one entry", at);
        if (d.labels.size() > 32) return err("cannot have more than 32 flags", at);
        for (const auto& l : d.labels) KILN_TRY(label(l, "flag", seen, orig, at));
        v->labels = d.labels;
        break;
      case DefValKind::kEnum:
        if (d.labels.empty()) return err("enum type must have at least one variant", at);
        for (const auto& l : d.labels) KILN_TRY(label(l, "enum tag", seen, orig, at));
        v->labels = d.labels;
        break;
      case DefValKind::kFixedList:
        if (d.length == 0) return err("Fixed size lists must have more than zero elements", at);
        [[fallthrough]];
      case DefValKind::kList:
      case DefValKind::kOption: {
        KILN_ASSIGN_OR_RETURN(v->a, val_type(*d.a, at));
        v->len = d.length;
        break;
      }
      case DefValKind::kResult:
        if (d.a) {
          KILN_ASSIGN_OR_RETURN(v->a, val_type(*d.a, at));
        }
        if (d.b) {
          KILN_ASSIGN_OR_RETURN(v->b, val_type(*d.b, at));
        }
        break;
      case DefValKind::kOwn:
      case DefValKind::kBorrow: {
        KILN_ASSIGN_OR_RETURN(const TypeE* r, resource_of(d.index, at));
        v->res = r->res;
        v->vis = r->vis;
        break;
      }
      case DefValKind::kStream:
      case DefValKind::kFuture:
        if (d.a) {
          KILN_ASSIGN_OR_RETURN(v->a, val_type(*d.a, at));
          if (d.kind == DefValKind::kStream && v->a->kind == DefValKind::kPrim &&
              v->a->prim == PrimType::kChar)
            return err("`stream<char>` is not valid at this time", at);
          if (contains_borrow(v->a)) return err("borrow handles cannot be sent over a stream or future", at);
        }
        break;
      case DefValKind::kMap: {
        KILN_ASSIGN_OR_RETURN(v->a, val_type(*d.a, at));
        KILN_ASSIGN_OR_RETURN(v->b, val_type(*d.b, at));
        break;
      }
    }
    compute_size(*v);
    if (v->size >= kMaxValueSize) return err("value type exceeds maximum byte size", at);
    return VTP(v);
  }

  Expected<std::shared_ptr<FT>> func_type(const FuncType& f, uint64_t at) {
    auto t = std::make_shared<FT>();
    t->async = f.async;
    std::set<std::string> seen;
    std::map<std::string, std::string> orig;
    for (const auto& p : f.params) {
      KILN_TRY(label(p.label, "function parameter", seen, orig, at));
      KILN_ASSIGN_OR_RETURN(VTP v, val_type(p.type, at));
      t->params.emplace_back(p.label, v);
    }
    if (f.result) {
      KILN_ASSIGN_OR_RETURN(t->result, val_type(*f.result, at));
      if (contains_borrow(t->result)) return err("function result cannot contain a `borrow` type", at);
    }
    return t;
  }

  // ---- component and instance types ----

  Expected<TypeE> type_def(const TypeDef& t) {
    TypeE e;
    switch (t.kind) {
      case TypeDef::Kind::kDefVal: {
        e.k = TypeE::K::kVal;
        KILN_ASSIGN_OR_RETURN(e.v, def_val(t.val, t.offset));
        return e;
      }
      case TypeDef::Kind::kFunc: {
        e.k = TypeE::K::kFunc;
        KILN_ASSIGN_OR_RETURN(e.f, func_type(t.func, t.offset));
        return e;
      }
      case TypeDef::Kind::kResource: {
        if (cur().kind != Scope::Kind::kComponent)
          return err("resources can only be defined within a concrete component", t.offset);
        if (!(t.rep == wasm::ValType::i32()))
          return err("resources can only be represented by `i32`", t.offset);
        if (t.dtor) {
          if (*t.dtor >= cur().core_funcs.size()) return err("unknown func " + std::to_string(*t.dtor) + ": func index out of bounds", t.offset);
          const CoreExt& f = cur().core_funcs[*t.dtor];
          wasm::FuncType want;
          want.params = {wasm::ValType::i32()};
          if (f.func && !(f.func->params == want.params && f.func->results.empty()))
            return err("wrong signature for a destructor", t.offset);
        }
        e.k = TypeE::K::kResource;
        e.res = fresh();
        e.vis = fresh();
        cur().defined_res.push_back(e.res);
        return e;
      }
      case TypeDef::Kind::kComponent:
      case TypeDef::Kind::kInstance: {
        bool comp = t.kind == TypeDef::Kind::kComponent;
        if (scopes_.size() > 100) return err("type nesting is too deep", t.offset);
        scopes_.emplace_back();
        cur().kind = comp ? Scope::Kind::kComponentType : Scope::Kind::kInstanceType;
        for (const Decl& d : t.decls) {
          Expected<void> r = decl(d);
          if (!r) {
            scopes_.pop_back();
            return std::move(r).error();
          }
        }
        Scope s = std::move(scopes_.back());
        scopes_.pop_back();
        if (comp) {
          e.k = TypeE::K::kComp;
          e.c = std::make_shared<CompT>();
          e.c->imports = s.imports;
          e.c->exports = s.exports;
          e.c->imported = s.imported_res;
          e.c->defined = s.defined_res;
        } else {
          e.k = TypeE::K::kInst;
          e.i = std::make_shared<InstT>();
          e.i->exports = s.exports;
          e.i->defined = s.defined_res;
        }
        return e;
      }
    }
    return e;
  }

  Expected<void> decl(const Decl& d) {
    switch (d.kind) {
      case Decl::Kind::kCoreType:
        return core_type(*d.core_type);
      case Decl::Kind::kType: {
        KILN_ASSIGN_OR_RETURN(TypeE e, type_def(*d.type));
        cur().types.push_back(std::move(e));
        return ok();
      }
      case Decl::Kind::kAlias:
        if (d.alias.target == Alias::Target::kExport &&
            d.alias.sort != Sort::kType && d.alias.sort != Sort::kInstance)
          return err("instance and component types may only alias types or instances", d.offset);
        if (d.alias.target == Alias::Target::kCoreExport)
          return err("core export aliases are not allowed in types", d.offset);
        if (d.alias.target == Alias::Target::kOuter && d.alias.sort != Sort::kType &&
            d.alias.sort != Sort::kCoreType)
          return err("outer aliases in types may only refer to types", d.offset);
        return alias(d.alias);
      case Decl::Kind::kImport:
        return import(d.name, d.desc, d.offset);
      case Decl::Kind::kExport:
        return export_decl(d.name, d.desc, d.offset);
    }
    return ok();
  }

  // The entity an externdesc describes; `import` says whether (sub resource) is imported
  // (abstract, substituted at instantiation) or exported (fresh per instance).
  Expected<Entity> extern_entity(const ExternDesc& d, bool is_import, uint64_t at) {
    Entity e;
    e.kind = d.kind;
    switch (d.kind) {
      case ExternKind::kModule: {
        if (d.index >= cur().core_types.size()) return err("core type index out of bounds", at);
        const TypeE& t = cur().core_types[d.index];
        if (t.k != TypeE::K::kModule) return err("core type index " + std::to_string(d.index) + " is not a module type", at);
        e.t = t;
        return e;
      }
      case ExternKind::kFunc:
      case ExternKind::kComponent:
      case ExternKind::kInstance: {
        if (d.index >= cur().types.size()) return err("type index out of bounds", at);
        const TypeE& t = cur().types[d.index];
        TypeE::K want = d.kind == ExternKind::kFunc ? TypeE::K::kFunc
                        : d.kind == ExternKind::kComponent ? TypeE::K::kComp : TypeE::K::kInst;
        if (t.k != want) {
          const char* what = d.kind == ExternKind::kFunc ? "function" : d.kind == ExternKind::kComponent ? "component" : "instance";
          return err("type index " + std::to_string(d.index) + " is not " +
                         (d.kind == ExternKind::kInstance ? "an " : "a ") + what + " type", at);
        }
        e.t = t;
        if (t.k == TypeE::K::kInst && !t.i->defined.empty()) {
          // Each use of an instance type with fresh resources gets its own resources.
          std::map<uint32_t, uint32_t> sub;
          for (uint32_t r : t.i->defined) {
            uint32_t n = fresh();
            sub[r] = n;
            (is_import ? cur().imported_res : cur().defined_res).push_back(n);
          }
          e.t = subst_type(t, sub);
          e.t.i->defined.clear();
        }
        return e;
      }
      case ExternKind::kValue: {
        if (d.value_eq) {
          if (d.index >= cur().values.size()) return err("value index out of bounds", at);
          e.t.v = cur().values[d.index];
        } else {
          KILN_ASSIGN_OR_RETURN(e.t.v, val_type(d.value_type, at));
        }
        return e;
      }
      case ExternKind::kType: {
        if (d.sub_resource) {
          e.t.k = TypeE::K::kResource;
          e.t.res = fresh();
          e.t.vis = fresh();
          (is_import ? cur().imported_res : cur().defined_res).push_back(e.t.res);
          return e;
        }
        if (d.index >= cur().types.size()) return err("type index out of bounds", at);
        e.t = cur().types[d.index];
        return e;
      }
    }
    return e;
  }

  // Adds an entity to the current scope's index space of its kind.
  void add_entity(const Entity& e) {
    Scope& s = cur();
    switch (e.kind) {
      case ExternKind::kModule: s.modules.push_back(e.t.m); break;
      case ExternKind::kFunc: s.funcs.push_back(e.t.f); break;
      case ExternKind::kValue: s.values.push_back(e.t.v); break;
      case ExternKind::kType: s.types.push_back(e.t); break;
      case ExternKind::kComponent: s.components.push_back(e.t.c); break;
      case ExternKind::kInstance: s.instances.push_back(e.t.i); break;
    }
  }

  // The canonical form of a name for strong uniqueness (Explainer.md): lowercased;
  // `[method]l.l` and `[static]l.l` become `l`; other annotations than [constructor] are
  // stripped.
  static std::string unique_key(std::string_view name) {
    std::string n = lower(name);
    for (std::string_view prefix : {"[method]", "[static]", "[async method]", "[async static]"}) {
      if (!std::string_view(n).starts_with(prefix)) continue;
      std::string rest = n.substr(prefix.size());
      size_t dot = rest.find('.');
      if (dot != std::string::npos && rest.substr(0, dot) == rest.substr(dot + 1)) return rest.substr(0, dot);
      return rest;
    }
    return n;
  }

  // The `implements` attribute: only on instances with a plain name, naming an interface.
  static Expected<void> check_implements(const ExternName& n, ExternKind kind, uint64_t at) {
    if (!n.implements) return ok();
    if (kind != ExternKind::kInstance) return err("only instances can have an `implements`", at);
    if (n.name.find(':') != std::string::npos)
      return err("name `" + n.name + "` is not valid with `implements`", at);
    if (n.implements->find(':') == std::string::npos || n.implements->find('/') == std::string::npos)
      return err("`" + *n.implements + "` must be an interface", at);
    return ok();
  }

  Expected<void> check_name(const ExternName& n, bool is_import, ExternKind kind, uint64_t at) {
    std::string why = check_extern_name(n.name);
    if (!why.empty()) return err(why, at);
    if (n.duplicate_attribute) return err("duplicate 'implements' option in name", at);
    std::set<std::string>& seen = is_import ? cur().import_names : cur().export_names;
    std::string key = unique_key(n.name);
    if (!seen.insert(key).second) {
      const auto& list = is_import ? cur().imports : cur().exports;
      std::string prev = n.name;
      for (const auto& [pn, pe] : list)
        if (unique_key(pn) == key) prev = pn;
      return err(std::string(is_import ? "import" : "export") + " name `" + n.name +
                     "` conflicts with previous name `" + prev + "`", at);
    }
    KILN_TRY(check_implements(n, kind, at));
    bool annotated = n.name.starts_with("[constructor]") || n.name.starts_with("[method]") ||
                     n.name.starts_with("[static]") || n.name.starts_with("[async method]") ||
                     n.name.starts_with("[async static]");
    if (annotated && kind != ExternKind::kFunc)
      return err(std::string(kind_name(kind)) + " not valid to be used as " + (is_import ? "import" : "export"), at);
    return ok();
  }

  // The signature rules of annotated names (Explainer.md, import and export definitions):
  // `[constructor]R` returns `(own $R)` or `(result (own $R) ...)`, `[method]R.m` takes
  // `self: (borrow $R)` first, `[static]R.m` needs R in scope; R is the resource of that name
  // in the same (import or export) namespace. The name grammar was checked already.
  Expected<void> check_annotated(const std::string& name, const Entity& e, bool is_import, uint64_t at) {
    enum class A { kNone, kConstructor, kMethod, kStatic } kind = A::kNone;
    std::string_view rest;
    for (auto [prefix, k] : {std::pair<std::string_view, A>{"[constructor]", A::kConstructor},
                             {"[method]", A::kMethod}, {"[async method]", A::kMethod},
                             {"[static]", A::kStatic}, {"[async static]", A::kStatic}}) {
      if (std::string_view(name).starts_with(prefix)) {
        kind = k;
        rest = std::string_view(name).substr(prefix.size());
      }
    }
    if (kind == A::kNone || e.kind != ExternKind::kFunc || !e.t.f) return ok();
    std::string res_name(kind == A::kConstructor ? rest : rest.substr(0, rest.find('.')));
    const auto& names = is_import ? cur().imp_res_names : cur().exp_res_names;
    const FT& f = *e.t.f;
    // Checks that a handle's resource is the one named `res_name` here.
    auto expect_resource = [&](uint32_t res) -> Expected<void> {
      auto it = names.find(res);
      if (it == names.end()) return err("resource used in function does not have a name in this context", at);
      if (it->second != res_name) return err("function does not match expected resource name `" + it->second + "`", at);
      return ok();
    };
    switch (kind) {
      case A::kConstructor: {
        if (!f.result) return err("function should return one value", at);
        const VT* r = f.result.get();
        if (r->kind == DefValKind::kResult && r->a) r = r->a.get();
        if (r->kind != DefValKind::kOwn)
          return err("function should return `(own $T)` or `(result (own $T))`", at);
        return expect_resource(r->res);
      }
      case A::kMethod: {
        if (f.params.empty()) return err("function should have at least one argument", at);
        if (f.params[0].first != "self") return err("function should have a first argument called `self`", at);
        if (f.params[0].second->kind != DefValKind::kBorrow)
          return err("function should take a first argument of `(borrow $T)`", at);
        return expect_resource(f.params[0].second->res);
      }
      case A::kStatic: {
        for (const auto& [res, nm] : names)
          if (nm == res_name) return ok();
        return err("static resource name is not known in this context", at);
      }
      case A::kNone: break;
    }
    return ok();
  }

  Expected<void> import(const ExternName& n, const ExternDesc& d, uint64_t at) {
    KILN_ASSIGN_OR_RETURN(Entity e, extern_entity(d, true, at));
    KILN_TRY(check_name(n, true, d.kind, at));
    KILN_ASSIGN_OR_RETURN(e, name_entity(std::move(e), true, at));
    KILN_TRY(check_annotated(n.name, e, true, at));
    if (e.kind == ExternKind::kType && e.t.k == TypeE::K::kResource) cur().imp_res_names[e.t.res] = n.name;
    cur().imports.emplace_back(n.name, e);
    add_entity(e);
    return ok();
  }

  Expected<void> export_decl(const ExternName& n, const ExternDesc& d, uint64_t at) {
    KILN_ASSIGN_OR_RETURN(Entity e, extern_entity(d, false, at));
    KILN_TRY(check_name(n, false, d.kind, at));
    KILN_ASSIGN_OR_RETURN(e, name_entity(std::move(e), false, at));
    KILN_TRY(check_annotated(n.name, e, false, at));
    if (e.kind == ExternKind::kType && e.t.k == TypeE::K::kResource) cur().exp_res_names[e.t.res] = n.name;
    cur().exports.emplace_back(n.name, e);
    add_entity(e);
    return ok();
  }

  // ---- external visibility of types (Explainer.md) ----

  static bool nominal(DefValKind k) {
    return k == DefValKind::kRecord || k == DefValKind::kVariant || k == DefValKind::kEnum ||
           k == DefValKind::kFlags;
  }

  // True if every nominal type and resource handle reachable from `v` has an identity in
  // `named`. A named nominal type was checked when it was named, so the walk stops there;
  // `seen` keeps shared subtrees from being walked twice.
  static bool visible(const VTP& v, const std::set<uint32_t>& named, std::set<const VT*>& seen,
                      bool top_named = false) {
    if (!v || !seen.insert(v.get()).second) return true;
    if (v->kind == DefValKind::kOwn || v->kind == DefValKind::kBorrow) return named.count(v->vis) > 0;
    if (nominal(v->kind) && !top_named) {
      if (!named.count(v->vis)) return false;
    }
    for (const auto& f : v->fields)
      if (!visible(f.second, named, seen)) return false;
    for (const auto& e : v->elems)
      if (!visible(e, named, seen)) return false;
    return visible(v->a, named, seen) && visible(v->b, named, seen);
  }

  // The identity an import or export of this type entity names, or 0 for structural types.
  static uint32_t type_identity(const TypeE& t) {
    if (t.k == TypeE::K::kResource) return t.vis;
    if (t.k == TypeE::K::kVal && t.v && nominal(t.v->kind)) return t.v->vis;
    return 0;
  }

  // Checks the type of an import/export against the identities named so far. A type export
  // names its own top-level type, so only what it refers to must already be named; an
  // instance's exports are checked in order, each type export naming its type for the rest.
  static bool entity_visible(const Entity& e, std::set<uint32_t> named) {
    std::set<const VT*> seen;
    switch (e.kind) {
      case ExternKind::kValue:
        return visible(e.t.v, named, seen);
      case ExternKind::kFunc:
        if (!e.t.f) return true;
        for (const auto& p : e.t.f->params)
          if (!visible(p.second, named, seen)) return false;
        return visible(e.t.f->result, named, seen);
      case ExternKind::kType:
        switch (e.t.k) {
          case TypeE::K::kVal: return visible(e.t.v, named, seen, true);
          case TypeE::K::kFunc: {
            Entity f;
            f.kind = ExternKind::kFunc;
            f.t = e.t;
            return entity_visible(f, named);
          }
          case TypeE::K::kInst: {
            Entity i;
            i.kind = ExternKind::kInstance;
            i.t = e.t;
            return entity_visible(i, named);
          }
          default: return true;
        }
      case ExternKind::kInstance:
        if (!e.t.i) return true;
        for (const auto& [nm, x] : e.t.i->exports) {
          if (!entity_visible(x, named)) return false;
          if (x.kind == ExternKind::kType) {
            if (uint32_t id = type_identity(x.t)) named.insert(id);
          }
        }
        return true;
      default:
        // Component types are checked where they are declared; modules have no such types.
        return true;
    }
  }

  // Replaces name identities per `m` throughout a value type (memoised: value types are DAGs).
  // The memo holds its keys alive so that a freed tree's address cannot be reused by another.
  using VisMemo = std::map<const VT*, std::pair<VTP, VTP>>;
  VTP subst_vis(const VTP& v, const std::map<uint32_t, uint32_t>& m, VisMemo& memo) {
    if (!v) return v;
    auto hit = memo.find(v.get());
    if (hit != memo.end()) return hit->second.second;
    auto n = std::make_shared<VT>(*v);
    bool changed = false;
    if (auto it = m.find(v->vis); v->vis && it != m.end()) {
      n->vis = it->second;
      changed = true;
    }
    for (auto& f : n->fields) {
      VTP x = subst_vis(f.second, m, memo);
      changed |= x != f.second;
      f.second = x;
    }
    for (auto& e : n->elems) {
      VTP x = subst_vis(e, m, memo);
      changed |= x != e;
      e = x;
    }
    n->a = subst_vis(v->a, m, memo);
    n->b = subst_vis(v->b, m, memo);
    changed |= n->a != v->a || n->b != v->b;
    VTP r = changed ? VTP(n) : v;
    memo[v.get()] = {v, r};
    return r;
  }

  TypeE subst_vis_type(const TypeE& t, const std::map<uint32_t, uint32_t>& m,
                       VisMemo& memo) {
    TypeE r = t;
    switch (t.k) {
      case TypeE::K::kVal: r.v = subst_vis(t.v, m, memo); break;
      case TypeE::K::kResource:
        if (auto it = m.find(t.vis); it != m.end()) r.vis = it->second;
        break;
      case TypeE::K::kFunc: {
        auto f = std::make_shared<FT>(*t.f);
        for (auto& p : f->params) p.second = subst_vis(p.second, m, memo);
        f->result = subst_vis(f->result, m, memo);
        r.f = f;
        break;
      }
      case TypeE::K::kInst: {
        auto i = std::make_shared<InstT>(*t.i);
        for (auto& [nm, e] : i->exports) e.t = subst_vis_type(e.t, m, memo);
        r.i = i;
        break;
      }
      default: break;
    }
    return r;
  }

  // The identities of the types an entity exports: its own for a type, those of every type
  // export (nested instances included) for an instance.
  static void type_identities(const Entity& e, std::vector<uint32_t>& out) {
    if (e.kind == ExternKind::kType) {
      if (uint32_t id = type_identity(e.t)) out.push_back(id);
    } else if (e.kind == ExternKind::kInstance && e.t.i) {
      for (const auto& [nm, x] : e.t.i->exports) type_identities(x, out);
    }
  }

  // Pairs the type identities of an expected import with those of the argument given for it.
  static void pair_identities(const Entity& want, const Entity& got, std::map<uint32_t, uint32_t>& m) {
    if (want.kind == ExternKind::kType && got.kind == ExternKind::kType) {
      uint32_t from = type_identity(want.t);
      uint32_t to = type_identity(got.t);
      if (from && to) m[from] = to;
    } else if (want.kind == ExternKind::kInstance && got.kind == ExternKind::kInstance &&
               want.t.i && got.t.i) {
      for (const auto& [nm, x] : want.t.i->exports)
        for (const auto& [gn, g] : got.t.i->exports)
          if (gn == nm) pair_identities(x, g, m);
    }
  }

  // Checks an import/export of the current scope and gives the types it introduces their new
  // names: a type import/export gets a fresh identity, an instance's type exports too (so
  // aliases out of the imported/exported instance are named, but not those out of the
  // instance that was passed in). Instance types defer the check to where they are used.
  Expected<Entity> name_entity(Entity e, bool is_import, uint64_t at) {
    Scope& s = cur();
    std::set<uint32_t>& into = is_import ? s.imp_vis : s.exp_vis;
    if (s.kind != Scope::Kind::kInstanceType) {
      std::set<uint32_t> named = s.imp_vis;
      if (!is_import) named.insert(s.exp_vis.begin(), s.exp_vis.end());
      if (!entity_visible(e, named))
        return err(std::string(kind_name(e.kind)) + " not valid to be used as " + (is_import ? "import" : "export"), at);
    }
    std::vector<uint32_t> ids;
    type_identities(e, ids);
    std::map<uint32_t, uint32_t> m;
    for (uint32_t id : ids) m.emplace(id, fresh());
    if (m.empty()) return e;
    if (e.kind == ExternKind::kType) {
      // Only the type index itself is renamed; what it refers to keeps its identities.
      if (e.t.k == TypeE::K::kResource) {
        e.t.vis = m.begin()->second;
      } else {
        auto n = std::make_shared<VT>(*e.t.v);
        n->vis = m.begin()->second;
        e.t.v = n;
      }
    } else {
      VisMemo memo;
      e.t = subst_vis_type(e.t, m, memo);
    }
    for (const auto& [from, to] : m) {
      into.insert(to);
      // An exported or imported instance makes the types it carries explicit (wasmparser's
      // "explicit in" rule for bags of exports): functions lifted with the original types may
      // be exported beside it. A type export names only its new index (Explainer.md).
      if (e.kind == ExternKind::kInstance) into.insert(from);
    }
    return e;
  }

  // ---- resource substitution ----

  VTP subst_val(const VTP& v, const std::map<uint32_t, uint32_t>& m) {
    if (!v) return v;
    auto n = std::make_shared<VT>(*v);
    if (v->kind == DefValKind::kOwn || v->kind == DefValKind::kBorrow) {
      auto it = m.find(v->res);
      if (it != m.end()) n->res = it->second;
    }
    for (auto& f : n->fields) f.second = subst_val(f.second, m);
    for (auto& e : n->elems) e = subst_val(e, m);
    n->a = subst_val(v->a, m);
    n->b = subst_val(v->b, m);
    return n;
  }

  TypeE subst_type(const TypeE& t, const std::map<uint32_t, uint32_t>& m) {
    TypeE r = t;
    switch (t.k) {
      case TypeE::K::kVal: r.v = subst_val(t.v, m); break;
      case TypeE::K::kFunc: {
        auto f = std::make_shared<FT>(*t.f);
        for (auto& p : f->params) p.second = subst_val(p.second, m);
        f->result = subst_val(f->result, m);
        r.f = f;
        break;
      }
      case TypeE::K::kResource: {
        auto it = m.find(t.res);
        if (it != m.end()) r.res = it->second;
        break;
      }
      case TypeE::K::kInst: {
        auto i = std::make_shared<InstT>(*t.i);
        for (auto& [nm, e] : i->exports) e.t = subst_type(e.t, m);
        r.i = i;
        break;
      }
      case TypeE::K::kComp: {
        auto c = std::make_shared<CompT>(*t.c);
        for (auto& [nm, e] : c->imports) e.t = subst_type(e.t, m);
        for (auto& [nm, e] : c->exports) e.t = subst_type(e.t, m);
        r.c = c;
        break;
      }
      default: break;
    }
    return r;
  }

  // ---- subtyping ----

  // Value types must be equal; resources compare by identity after `m` maps the expected
  // side's abstract resources (bound on first sight when they are in `bindable`).
  std::optional<std::string> val_eq(const VTP& a, const VTP& b, Binding& m) {
    if (!a || !b) {
      if (a || b) return std::string(a ? "type mismatch (expected none)" : "type mismatch (found none)");
      return std::nullopt;
    }
    if (a->kind != b->kind) {
      if ((a->kind == DefValKind::kOwn && b->kind == DefValKind::kBorrow) ||
          (a->kind == DefValKind::kBorrow && b->kind == DefValKind::kOwn))
        return std::string("expected ") + (b->kind == DefValKind::kOwn ? "own" : "borrow") +
               ", found " + (a->kind == DefValKind::kOwn ? "own" : "borrow");
      return std::string("type mismatch");
    }
    switch (a->kind) {
      case DefValKind::kPrim:
        if (a->prim != b->prim) return std::string("expected ") + prim_name(b->prim) + ", found " + prim_name(a->prim);
        return std::nullopt;
      case DefValKind::kRecord:
      case DefValKind::kVariant: {
        bool rec = a->kind == DefValKind::kRecord;
        if (a->fields.size() != b->fields.size())
          return std::string(rec ? "expected a record with " : "expected a variant with ") +
                 std::to_string(b->fields.size()) + (rec ? " fields" : " cases");
        for (size_t i = 0; i < a->fields.size(); ++i) {
          if (a->fields[i].first != b->fields[i].first)
            return std::string(rec ? "expected field name `" : "expected case named `") + b->fields[i].first + "`, found `" + a->fields[i].first + "`";
          if (auto w = val_eq(a->fields[i].second, b->fields[i].second, m))
            return std::string(rec ? "type mismatch in record field `" : "type mismatch in variant case `") + a->fields[i].first + "`";
        }
        return std::nullopt;
      }
      case DefValKind::kTuple:
        if (a->elems.size() != b->elems.size()) return std::string("expected a tuple of size ") + std::to_string(b->elems.size());
        for (size_t i = 0; i < a->elems.size(); ++i)
          if (val_eq(a->elems[i], b->elems[i], m)) return "type mismatch in tuple field " + std::to_string(i);
        return std::nullopt;
      case DefValKind::kFlags:
        if (a->labels != b->labels) return std::string("mismatch in flags elements");
        return std::nullopt;
      case DefValKind::kEnum:
        if (a->labels != b->labels) return std::string("mismatch in enum elements");
        return std::nullopt;
      case DefValKind::kResult:
        if (val_eq(a->a, b->a, m)) return std::string("type mismatch in ok variant");
        if (val_eq(a->b, b->b, m)) return std::string("type mismatch in err variant");
        return std::nullopt;
      case DefValKind::kOwn:
      case DefValKind::kBorrow:
        if (!res_eq(a->res, b->res, m)) return std::string("resource types are not the same");
        return std::nullopt;
      case DefValKind::kFixedList:
        if (a->len != b->len) return std::string("type mismatch");
        [[fallthrough]];
      default:
        if (auto w = val_eq(a->a, b->a, m)) return w;
        if (auto w = val_eq(a->b, b->b, m)) return w;
        return std::nullopt;
    }
  }

  static bool res_eq(uint32_t actual, uint32_t expected, Binding& m) {
    auto it = m.map.find(expected);
    if (it != m.map.end()) return it->second == actual;
    if (m.bindable.count(expected)) {
      m.map[expected] = actual;
      return true;
    }
    return actual == expected;
  }

  std::optional<std::string> func_sub(const FT& a, const FT& b, Binding& m) {
    if (a.async != b.async) return std::string("type mismatch in async attribute");
    if (a.params.size() != b.params.size()) return std::string("expected ") + std::to_string(b.params.size()) + " parameters, found " + std::to_string(a.params.size());
    for (size_t i = 0; i < a.params.size(); ++i) {
      if (a.params[i].first != b.params[i].first)
        return "expected parameter named `" + b.params[i].first + "`, found `" + a.params[i].first + "`";
      if (val_eq(a.params[i].second, b.params[i].second, m))
        return "type mismatch in function parameter `" + a.params[i].first + "`";
    }
    if (auto w = val_eq(a.result, b.result, m)) return "type mismatch with result type: " + *w;
    return std::nullopt;
  }

  std::optional<std::string> entity_sub(const Entity& a, const Entity& b, Binding& m) {
    if (a.kind != b.kind)
      return std::string("expected ") + kind_name(b.kind) + " found " + kind_name(a.kind);
    switch (a.kind) {
      case ExternKind::kFunc:
        if (a.t.f && b.t.f) return func_sub(*a.t.f, *b.t.f, m);
        return std::nullopt;
      case ExternKind::kValue:
        return val_eq(a.t.v, b.t.v, m);
      case ExternKind::kType:
        if (b.t.k == TypeE::K::kResource) {
          if (a.t.k != TypeE::K::kResource) return std::string("expected resource, found ") + "defined type";
          if (!res_eq(a.t.res, b.t.res, m)) return std::string("resource types are not the same");
          return std::nullopt;
        }
        if (a.t.k != b.t.k) return std::string("type mismatch");
        if (a.t.k == TypeE::K::kVal) return val_eq(a.t.v, b.t.v, m);
        if (a.t.k == TypeE::K::kFunc) return func_sub(*a.t.f, *b.t.f, m);
        return std::nullopt;
      case ExternKind::kInstance: {
        if (!a.t.i || !b.t.i) return std::nullopt;
        for (const auto& [nm, be] : b.t.i->exports) {
          const Entity* ae = nullptr;
          for (const auto& [an, x] : a.t.i->exports)
            if (an == nm) ae = &x;
          if (!ae) return "missing expected export `" + nm + "`";
          if (auto w = entity_sub(*ae, be, m)) return "type mismatch in instance export `" + nm + "`: " + *w;
        }
        return std::nullopt;
      }
      case ExternKind::kComponent: {
        if (!a.t.c || !b.t.c) return std::nullopt;
        for (const auto& [nm, ae] : a.t.c->imports) {
          const Entity* be = nullptr;
          for (const auto& [bn, x] : b.t.c->imports)
            if (bn == nm) be = &x;
          if (!be) return "missing expected import `" + nm + "`";
        }
        for (const auto& [nm, be] : b.t.c->exports) {
          const Entity* ae = nullptr;
          for (const auto& [an, x] : a.t.c->exports)
            if (an == nm) ae = &x;
          if (!ae) return "missing expected export `" + nm + "`";
        }
        return std::nullopt;
      }
      case ExternKind::kModule: {
        if (!a.t.m || !b.t.m) return std::nullopt;
        for (const auto& [mm, nn, ae] : a.t.m->imports) {
          const CoreExt* be = nullptr;
          for (const auto& [bm, bnn, x] : b.t.m->imports)
            if (bm == mm && bnn == nn) be = &x;
          if (!be) return "module import `" + mm + "::" + nn + "` not defined";
          if (core_match(*be, ae)) return "module import `" + mm + "::" + nn + "` has the wrong type";
        }
        for (const auto& [nn, be] : b.t.m->exports) {
          const CoreExt* ae = nullptr;
          for (const auto& [an, x] : a.t.m->exports)
            if (an == nn) ae = &x;
          if (!ae) return "module export `" + nn + "` not defined";
          if (core_match(*ae, be)) return "module export `" + nn + "` has the wrong type";
        }
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  // ---- component-level definitions ----

  Expected<void> def(const NestedComponent& nc) {
    if (scopes_.size() > 100) return err("nesting too deep", nc.offset);
    KILN_ASSIGN_OR_RETURN(auto t, component(*nc.component));
    cur().components.push_back(t);
    return ok();
  }

  Expected<Entity> item_entity(const SortIndex& s, uint64_t at) {
    Entity e;
    e.kind = kind_of_sort(s.sort);
    Scope& c = cur();
    auto oob = [&](const char* what) {
      return err("unknown " + std::string(what) + " " + std::to_string(s.index) + ": " + what + " index out of bounds", at);
    };
    switch (s.sort) {
      case Sort::kFunc:
        if (s.index >= c.funcs.size()) return oob("func");
        e.t.k = TypeE::K::kFunc;
        e.t.f = c.funcs[s.index];
        return e;
      case Sort::kValue:
        if (s.index >= c.values.size()) return oob("value");
        e.t.v = c.values[s.index];
        return e;
      case Sort::kType:
        if (s.index >= c.types.size()) return err("type index out of bounds", at);
        e.t = c.types[s.index];
        return e;
      case Sort::kComponent:
        if (s.index >= c.components.size()) return oob("component");
        e.t.k = TypeE::K::kComp;
        e.t.c = c.components[s.index];
        return e;
      case Sort::kInstance:
        if (s.index >= c.instances.size()) return oob("instance");
        e.t.k = TypeE::K::kInst;
        e.t.i = c.instances[s.index];
        return e;
      case Sort::kCoreModule:
        if (s.index >= c.modules.size()) return oob("module");
        e.kind = ExternKind::kModule;
        e.t.k = TypeE::K::kModule;
        e.t.m = c.modules[s.index];
        return e;
      default:
        return err(std::string(sort_name(s.sort)) + " not valid to be used as export", at);
    }
  }

  Expected<void> def(const Instance& in) {
    auto inst = std::make_shared<InstT>();
    if (in.instantiate) {
      if (in.component >= cur().components.size())
        return err("unknown component " + std::to_string(in.component) + ": component index out of bounds", in.offset);
      const CompT& ct = *cur().components[in.component];
      std::map<std::string, Entity> args;
      for (const auto& a : in.args) {
        KILN_ASSIGN_OR_RETURN(Entity e, item_entity(a.item, in.offset));
        if (!args.emplace(a.name, e).second)
          return err("instantiation argument `" + a.name + "` conflicts with previous argument", in.offset);
      }
      Binding b;
      b.bindable.insert(ct.imported.begin(), ct.imported.end());
      for (const auto& [nm, want] : ct.imports) {
        auto it = args.find(nm);
        if (it == args.end()) return err("missing import named `" + nm + "`", in.offset);
        if (auto why = entity_sub(it->second, want, b))
          return err("type mismatch for component instantiation argument `" + nm + "`: " + *why, in.offset);
      }
      for (uint32_t r : ct.defined) b.map[r] = fresh();
      // The child's imported type names stand for the arguments' names.
      std::map<uint32_t, uint32_t> vis_map;
      for (const auto& [nm, want] : ct.imports) pair_identities(want, args.find(nm)->second, vis_map);
      VisMemo memo;
      for (const auto& [nm, e] : ct.exports) {
        Entity x = e;
        x.t = subst_type(e.t, b.map);
        if (!vis_map.empty()) x.t = subst_vis_type(x.t, vis_map, memo);
        inst->exports.emplace_back(nm, x);
      }
    } else {
      std::set<std::string> seen;
      for (const auto& e : in.exports) {
        KILN_ASSIGN_OR_RETURN(Entity x, item_entity(e.item, in.offset));
        if (!seen.insert(lower(e.name.name)).second)
          return err("export name `" + e.name.name + "` conflicts with previous name", in.offset);
        std::string why = check_extern_name(e.name.name);
        if (!why.empty()) return err(why, in.offset);
        KILN_TRY(check_implements(e.name, x.kind, in.offset));
        // Annotated names of a bag resolve their resource in the enclosing component's export
        // namespace: a type exported by the bag itself names nothing there.
        KILN_TRY(check_annotated(e.name.name, x, false, in.offset));
        inst->exports.emplace_back(e.name.name, x);
      }
    }
    cur().instances.push_back(inst);
    return ok();
  }

  Expected<void> def(const Alias& a) { return alias(a); }

  Expected<void> alias(const Alias& a) {
    switch (a.target) {
      case Alias::Target::kCoreExport: {
        if (a.instance >= cur().core_instances.size())
          return err("unknown core instance " + std::to_string(a.instance) + ": instance index out of bounds", a.offset);
        const CoreInst& ci = cur().core_instances[a.instance];
        auto it = ci.exports.find(a.name);
        if (it == ci.exports.end())
          return err("core instance " + std::to_string(a.instance) + " has no export named `" + a.name + "`", a.offset);
        std::vector<CoreExt>* space = core_space(a.sort);
        if (!space) return err("invalid core export alias sort", a.offset);
        static constexpr wasm::ExternKind kKinds[] = {wasm::ExternKind::kFunc, wasm::ExternKind::kTable,
                                                      wasm::ExternKind::kMemory, wasm::ExternKind::kGlobal,
                                                      wasm::ExternKind::kTag};
        wasm::ExternKind want = kKinds[static_cast<int>(a.sort)];
        if (it->second.kind != want)
          return err("export `" + a.name + "` for core instance " + std::to_string(a.instance) +
                         " is not a " + core_kind_name(want), a.offset);
        space->push_back(it->second);
        return ok();
      }
      case Alias::Target::kExport: {
        if (a.instance >= cur().instances.size())
          return err("unknown instance " + std::to_string(a.instance) + ": instance index out of bounds", a.offset);
        const InstT& it = *cur().instances[a.instance];
        const Entity* e = nullptr;
        for (const auto& [nm, x] : it.exports)
          if (nm == a.name) e = &x;
        if (!e) return err("instance " + std::to_string(a.instance) + " has no export named `" + a.name + "`", a.offset);
        ExternKind want = a.sort == Sort::kCoreModule ? ExternKind::kModule : kind_of_sort(a.sort);
        if (e->kind != want || (a.sort <= Sort::kCoreInstance && a.sort != Sort::kCoreModule)) {
          if (want == ExternKind::kModule) return err("export `" + a.name + "` for instance " + std::to_string(a.instance) + " is not a module", a.offset);
          return err("export `" + a.name + "` for instance " + std::to_string(a.instance) + " is not a " +
                         sort_name(a.sort), a.offset);
        }
        add_entity(*e);
        return ok();
      }
      case Alias::Target::kOuter: {
        if (a.instance >= scopes_.size())
          return err("invalid outer alias count of " + std::to_string(a.instance), a.offset);
        Scope& s = scopes_[scopes_.size() - 1 - a.instance];
        switch (a.sort) {
          case Sort::kType: {
            if (a.index >= s.types.size()) return err("type index out of bounds", a.offset);
            TypeE t = s.types[a.index];
            if (a.instance > 0 && crosses_component(a.instance) && refers_to_resource(t))
              return err("refers to resources not defined in the current component", a.offset);
            cur().types.push_back(t);
            return ok();
          }
          case Sort::kCoreType:
            if (a.index >= s.core_types.size()) return err("core type index out of bounds", a.offset);
            cur().core_types.push_back(s.core_types[a.index]);
            return ok();
          case Sort::kCoreModule:
            if (a.index >= s.modules.size()) return err("module index out of bounds", a.offset);
            cur().modules.push_back(s.modules[a.index]);
            return ok();
          case Sort::kComponent:
            if (a.index >= s.components.size()) return err("component index out of bounds", a.offset);
            cur().components.push_back(s.components[a.index]);
            return ok();
          default:
            return err("invalid outer alias sort", a.offset);
        }
      }
    }
    return ok();
  }

  bool crosses_component(uint32_t count) const {
    for (uint32_t i = 0; i < count; ++i)
      if (scopes_[scopes_.size() - 1 - i].kind == Scope::Kind::kComponent) return true;
    return false;
  }

  // Whether a type mentions a resource other than those in `local` (the resources that a
  // component or instance type abstracts or defines itself).
  static bool val_has_resource(const VTP& v, const std::set<uint32_t>& local = {}) {
    if (!v) return false;
    if (v->kind == DefValKind::kOwn || v->kind == DefValKind::kBorrow) return !local.count(v->res);
    for (const auto& f : v->fields)
      if (val_has_resource(f.second, local)) return true;
    for (const auto& e : v->elems)
      if (val_has_resource(e, local)) return true;
    return val_has_resource(v->a, local) || val_has_resource(v->b, local);
  }

  static bool refers_to_resource(const TypeE& t, std::set<uint32_t> local = {}) {
    auto entities = [&](const std::vector<std::pair<std::string, Entity>>& list) {
      for (const auto& [n, e] : list) {
        if (e.kind == ExternKind::kFunc && e.t.f) {
          TypeE f;
          f.k = TypeE::K::kFunc;
          f.f = e.t.f;
          if (refers_to_resource(f, local)) return true;
        } else if (e.kind == ExternKind::kValue) {
          if (val_has_resource(e.t.v, local)) return true;
        } else if (e.kind != ExternKind::kModule && refers_to_resource(e.t, local)) {
          return true;
        }
      }
      return false;
    };
    switch (t.k) {
      case TypeE::K::kResource: return !local.count(t.res);
      case TypeE::K::kVal: return val_has_resource(t.v, local);
      case TypeE::K::kFunc: {
        for (const auto& p : t.f->params)
          if (val_has_resource(p.second, local)) return true;
        return val_has_resource(t.f->result, local);
      }
      case TypeE::K::kInst:
        if (!t.i) return false;
        local.insert(t.i->defined.begin(), t.i->defined.end());
        return entities(t.i->exports);
      case TypeE::K::kComp:
        if (!t.c) return false;
        local.insert(t.c->imported.begin(), t.c->imported.end());
        local.insert(t.c->defined.begin(), t.c->defined.end());
        return entities(t.c->imports) || entities(t.c->exports);
      default: return false;
    }
  }

  Expected<void> def(const std::shared_ptr<TypeDef>& t) {
    KILN_ASSIGN_OR_RETURN(TypeE e, type_def(*t));
    cur().types.push_back(std::move(e));
    return ok();
  }

  // ---- canonical definitions ----

  // Flattening (CanonicalABI.md): core value types of a component value type.
  enum class Flat : uint8_t { kI32, kI64, kF32, kF64 };
  // `ptr64`: pointers and lengths are i64 (a 64-bit `memory`, the memory64 canonical ABI).
  static void flatten(const VTP& v, std::vector<Flat>& out, bool ptr64 = false) {
    const Flat ptr = ptr64 ? Flat::kI64 : Flat::kI32;
    if (!v) return;
    switch (v->kind) {
      case DefValKind::kPrim:
        switch (v->prim) {
          case PrimType::kS64: case PrimType::kU64: out.push_back(Flat::kI64); return;
          case PrimType::kF32: out.push_back(Flat::kF32); return;
          case PrimType::kF64: out.push_back(Flat::kF64); return;
          case PrimType::kString: out.push_back(ptr); out.push_back(ptr); return;
          default: out.push_back(Flat::kI32); return;
        }
      case DefValKind::kList:
      case DefValKind::kMap:
        out.push_back(ptr);
        out.push_back(ptr);
        return;
      case DefValKind::kFixedList:
        for (uint32_t i = 0; i < v->len && out.size() < 64; ++i) flatten(v->a, out, ptr64);
        return;
      case DefValKind::kRecord:
        for (const auto& f : v->fields) flatten(f.second, out, ptr64);
        return;
      case DefValKind::kTuple:
        for (const auto& e : v->elems) flatten(e, out, ptr64);
        return;
      case DefValKind::kFlags:
        out.push_back(Flat::kI32);
        return;
      case DefValKind::kEnum:
      case DefValKind::kOwn:
      case DefValKind::kBorrow:
      case DefValKind::kStream:
      case DefValKind::kFuture:
        out.push_back(Flat::kI32);
        return;
      case DefValKind::kOption:
      case DefValKind::kResult:
      case DefValKind::kVariant: {
        std::vector<VTP> cases;
        if (v->kind == DefValKind::kOption) cases = {nullptr, v->a};
        else if (v->kind == DefValKind::kResult) cases = {v->a, v->b};
        else for (const auto& f : v->fields) cases.push_back(f.second);
        std::vector<Flat> joined;
        for (const VTP& c : cases) {
          std::vector<Flat> f;
          flatten(c, f, ptr64);
          for (size_t i = 0; i < f.size(); ++i) {
            if (i < joined.size()) {
              if (joined[i] != f[i]) {
                bool both32 = (joined[i] == Flat::kI32 || joined[i] == Flat::kF32) &&
                              (f[i] == Flat::kI32 || f[i] == Flat::kF32);
                joined[i] = both32 ? Flat::kI32 : Flat::kI64;
              }
            } else {
              joined.push_back(f[i]);
            }
          }
        }
        out.push_back(Flat::kI32);
        out.insert(out.end(), joined.begin(), joined.end());
        return;
      }
    }
  }

  static bool func_needs_memory(const FT& f) {
    for (const auto& p : f.params)
      if (needs_memory(p.second)) return true;
    return needs_memory(f.result);
  }

  static bool needs_memory(const VTP& v) {
    if (!v) return false;
    switch (v->kind) {
      case DefValKind::kPrim: return v->prim == PrimType::kString;
      case DefValKind::kList: case DefValKind::kMap: return true;
      // Handles: an i32 whatever the element type (the payload moves in stream/future ops).
      case DefValKind::kStream: case DefValKind::kFuture: return false;
      default: break;
    }
    for (const auto& f : v->fields)
      if (needs_memory(f.second)) return true;
    for (const auto& e : v->elems)
      if (needs_memory(e)) return true;
    return needs_memory(v->a) || needs_memory(v->b);
  }

  static wasm::ValType core_of(Flat f) {
    switch (f) {
      case Flat::kI32: return wasm::ValType::i32();
      case Flat::kI64: return wasm::ValType::i64();
      case Flat::kF32: return wasm::ValType::f32();
      case Flat::kF64: return wasm::ValType::f64();
    }
    return wasm::ValType::i32();
  }

  // The core signature of a function type: lift (callee side) or lower (caller side).
  static wasm::FuncType core_sig(const FT& f, bool lift, bool async, bool ptr64 = false) {
    std::vector<Flat> params, results;
    for (const auto& p : f.params) flatten(p.second, params, ptr64);
    flatten(f.result, results, ptr64);
    const wasm::ValType ptr = ptr64 ? wasm::ValType::i64() : wasm::ValType::i32();
    wasm::FuncType t;
    if (params.size() > (async && !lift ? 4u : 16u)) params = {ptr64 ? Flat::kI64 : Flat::kI32};
    for (Flat p : params) t.params.push_back(core_of(p));
    if (async) {
      if (lift) t.results = {wasm::ValType::i32()};
      else t.results = {wasm::ValType::i32()};
      if (!lift && results.size() > 0) t.params.push_back(ptr);
      return t;
    }
    if (results.size() > 1) {
      if (lift) t.results = {ptr};
      else t.params.push_back(ptr);
    } else {
      for (Flat r : results) t.results.push_back(core_of(r));
    }
    return t;
  }

  static std::string flat_list(const std::vector<wasm::ValType>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) s += ", ";
      std::string n = wasm::to_string(v[i]);
      for (char& c : n) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      s += n;
    }
    return s + "]";
  }

  struct Opts {
    std::optional<uint32_t> memory, realloc, post_return, callback;
    bool memory64 = false;  // `memory` is a 64-bit memory: pointers are i64
    bool async = false;
    bool gc = false;                      // the GC ABI: no linear memory involved
    std::optional<uint32_t> core_type;    // the core function type of the lowered/lifted func
    bool string_encoding = false;
  };

  Expected<Opts> check_opts(const std::vector<CanonOpt>& opts, uint64_t at) {
    Opts o;
    for (const CanonOpt& c : opts) {
      switch (c.kind) {
        case CanonOpt::Kind::kUtf8:
        case CanonOpt::Kind::kUtf16:
        case CanonOpt::Kind::kLatin1Utf16:
          if (o.string_encoding) return err("canonical encoding option `" + std::string(c.kind == CanonOpt::Kind::kUtf8 ? "utf8" : c.kind == CanonOpt::Kind::kUtf16 ? "utf16" : "latin1-utf16") + "` conflicts with option", at);
          o.string_encoding = true;
          break;
        case CanonOpt::Kind::kMemory:
          if (o.memory) return err("`memory` is specified more than once", at);
          if (c.index >= cur().core_memories.size())
            return err("unknown memory " + std::to_string(c.index) + ": memory index out of bounds", at);
          o.memory = c.index;
          o.memory64 = cur().core_memories[c.index].memory.limits.is64;
          break;
        case CanonOpt::Kind::kRealloc:
        case CanonOpt::Kind::kPostReturn:
        case CanonOpt::Kind::kCallback: {
          std::optional<uint32_t>& slot = c.kind == CanonOpt::Kind::kRealloc ? o.realloc
                                          : c.kind == CanonOpt::Kind::kPostReturn ? o.post_return : o.callback;
          const char* nm = c.kind == CanonOpt::Kind::kRealloc ? "realloc" : c.kind == CanonOpt::Kind::kPostReturn ? "post-return" : "callback";
          if (slot) return err(std::string("`") + nm + "` is specified more than once", at);
          if (c.index >= cur().core_funcs.size())
            return err("unknown func " + std::to_string(c.index) + ": func index out of bounds", at);
          slot = c.index;
          break;
        }
        case CanonOpt::Kind::kAsync:
          if (o.async) return err("`async` is specified more than once", at);
          o.async = true;
          break;
        case CanonOpt::Kind::kGc:
          if (o.gc) return err("`gc` is specified more than once", at);
          o.gc = true;
          break;
        case CanonOpt::Kind::kCoreType:
          if (o.core_type) return err("`core-type` is specified more than once", at);
          if (c.index >= cur().core_types.size()) return err("core type index out of bounds", at);
          if (cur().core_types[c.index].k != TypeE::K::kCoreFunc)
            return err("`core-type` must name a core function type", at);
          o.core_type = c.index;
          break;
      }
    }
    if (o.realloc && !o.memory)
      return err("canonical option `realloc` requires `memory` to also be specified", at);
    if (o.realloc) {
      // realloc(old_ptr, old_size, align, new_size) -> ptr, in the memory's pointer type.
      const wasm::ValType ptr = o.memory64 ? wasm::ValType::i64() : wasm::ValType::i32();
      const CoreExt& f = cur().core_funcs[*o.realloc];
      if (f.func && !(f.func->params == std::vector<wasm::ValType>(4, ptr) &&
                      f.func->results == std::vector<wasm::ValType>{ptr}))
        return err("canonical option `realloc` uses a core function with an incorrect signature", at);
    }
    return o;
  }

  Expected<const FT*> func_type_at(uint32_t idx, uint64_t at) {
    if (idx >= cur().types.size()) return err("type index out of bounds", at);
    const TypeE& t = cur().types[idx];
    if (t.k != TypeE::K::kFunc) return err("type index " + std::to_string(idx) + " is not a function type", at);
    return t.f.get();
  }

  Expected<void> def(const Canon& c) {
    using namespace canon_op;
    uint64_t at = c.offset;
    auto add_core = [&](std::vector<wasm::ValType> p, std::vector<wasm::ValType> r) {
      CoreExt e;
      e.kind = wasm::ExternKind::kFunc;
      e.func = std::make_shared<wasm::FuncType>();
      e.func->params = std::move(p);
      e.func->results = std::move(r);
      cur().core_funcs.push_back(std::move(e));
    };
    const wasm::ValType i32 = wasm::ValType::i32();
    switch (c.op) {
      case kLift: {
        if (c.func >= cur().core_funcs.size())
          return err("unknown func " + std::to_string(c.func) + ": func index out of bounds", at);
        KILN_ASSIGN_OR_RETURN(const FT* ft, func_type_at(c.type, at));
        KILN_ASSIGN_OR_RETURN(Opts o, check_opts(c.opts, at));
        if (o.async && !ft->async) return err("the `async` canonical option requires an async function type", at);
        bool mem = false;
        for (const auto& p : ft->params) mem = mem || needs_memory(p.second);
        std::vector<Flat> pf, rf;
        for (const auto& p : ft->params) flatten(p.second, pf, o.memory64);
        flatten(ft->result, rf, o.memory64);
        bool realloc_needed = mem || pf.size() > 16;
        // Results that do not fit in one flat value are returned through `memory` (a
        // synchronous lift only: async results go through task.return).
        bool mem_needed = realloc_needed || needs_memory(ft->result) || (!o.async && rf.size() > 1);
        if (o.gc) mem_needed = realloc_needed = false;  // values travel as GC references
        if (mem_needed && !o.memory) return err("canonical option `memory` is required", at);
        if (realloc_needed && !o.realloc) return err("canonical option `realloc` is required", at);
        if (o.callback && !o.async) return err("cannot specify callback without async", at);
        if (o.post_return && o.async) return err("cannot specify post-return function in async", at);
        wasm::FuncType want = core_sig(*ft, true, o.async, o.memory64);
        if (o.async && !o.callback) want.results.clear();
        if (o.core_type) want = core_func_types_[cur().core_types[*o.core_type].res];
        // Under the GC ABI without an explicit core type, strings, lists and the like map to
        // GC reference types this validator does not derive: only flat signatures are checked.
        bool check_sig = !o.gc || o.core_type || !func_needs_memory(*ft);
        const CoreExt& f = cur().core_funcs[c.func];
        if (check_sig && f.func && !(f.func->params == want.params && f.func->results == want.results)) {
          if (!(f.func->params == want.params))
            return err("lowered parameter types `" + flat_list(want.params) + "` do not match parameter types `" +
                           flat_list(f.func->params) + "` of core function " + std::to_string(c.func), at);
          return err("lowered result types `" + flat_list(want.results) + "` do not match result types `" +
                         flat_list(f.func->results) + "` of core function " + std::to_string(c.func), at);
        }
        if (o.post_return) {
          const CoreExt& pr = cur().core_funcs[*o.post_return];
          if (pr.func && !(pr.func->params == want.results && pr.func->results.empty()))
            return err("canonical option `post-return` uses a core function with an incorrect signature", at);
        }
        cur().funcs.push_back(cur().types[c.type].f);
        return ok();
      }
      case kLower: {
        if (c.func >= cur().funcs.size())
          return err("unknown func " + std::to_string(c.func) + ": func index out of bounds", at);
        const FT& ft = *cur().funcs[c.func];
        KILN_ASSIGN_OR_RETURN(Opts o, check_opts(c.opts, at));
        if (o.post_return) return err("canonical option `post-return` cannot be used with `canon lower`", at);
        if (o.callback) return err("canonical option `callback` cannot be used with `canon lower`", at);
        if (o.async && !ft.async) return err("the `async` canonical option requires an async function type", at);
        bool mem = needs_memory(ft.result);
        std::vector<Flat> pf, rf;
        for (const auto& p : ft.params) flatten(p.second, pf, o.memory64);
        flatten(ft.result, rf, o.memory64);
        // Spilled parameters and results are passed through `memory` by pointer.
        bool mem_needed = mem || pf.size() > (o.async ? 4u : 16u) ||
                          (o.async ? !rf.empty() : rf.size() > 1);
        for (const auto& p : ft.params) mem_needed = mem_needed || needs_memory(p.second);
        if (o.gc) mem_needed = mem = false;  // values travel as GC references
        if (mem_needed && !o.memory) return err("canonical option `memory` is required", at);
        if (mem && !o.realloc && !o.async) return err("canonical option `realloc` is required", at);
        wasm::FuncType sig = core_sig(ft, false, o.async, o.memory64);
        if (o.core_type) sig = core_func_types_[cur().core_types[*o.core_type].res];
        add_core(sig.params, sig.results);
        return ok();
      }
      case kResourceNew:
      case kResourceRep:
      case kResourceDrop: {
        if (c.type >= cur().types.size()) return err("type index out of bounds", at);
        const TypeE& t = cur().types[c.type];
        if (t.k != TypeE::K::kResource) return err("type index " + std::to_string(c.type) + " is not a resource type", at);
        if (c.op != kResourceDrop && std::find(cur().defined_res.begin(), cur().defined_res.end(), t.res) == cur().defined_res.end())
          return err("not a local resource", at);
        if (c.op == kResourceDrop) add_core({i32}, {});
        else add_core({i32}, {i32});
        return ok();
      }
      case kTaskReturn: {
        KILN_ASSIGN_OR_RETURN(Opts o, check_opts(c.opts, at));
        FT ft;
        if (c.result) {
          KILN_ASSIGN_OR_RETURN(ft.result, val_type(*c.result, at));
        }
        std::vector<Flat> rf;
        flatten(ft.result, rf, o.memory64);
        std::vector<wasm::ValType> p;
        if (rf.size() > 16) p = {o.memory64 ? wasm::ValType::i64() : i32};
        else for (Flat f : rf) p.push_back(core_of(f));
        add_core(p, {});
        return ok();
      }
      case kContextGet:
      case kContextSet:
        if (!(c.core_type == i32)) return err("only `i32` context slots are supported", at);
        if (c.index > 1) return err("context slot index out of bounds", at);
        if (c.op == kContextGet) add_core({}, {i32});
        else add_core({i32}, {});
        return ok();
      case kStreamNew: case kStreamRead: case kStreamWrite: case kStreamCancelRead:
      case kStreamCancelWrite: case kStreamDropReadable: case kStreamDropWritable:
      case kFutureNew: case kFutureRead: case kFutureWrite: case kFutureCancelRead:
      case kFutureCancelWrite: case kFutureDropReadable: case kFutureDropWritable: {
        bool stream = c.op <= kStreamDropWritable;
        if (c.type >= cur().types.size()) return err("type index out of bounds", at);
        const TypeE& t = cur().types[c.type];
        DefValKind want = stream ? DefValKind::kStream : DefValKind::kFuture;
        if (t.k != TypeE::K::kVal || t.v->kind != want)
          return err(std::string("`") + (stream ? "stream" : "future") + "` type index " + std::to_string(c.type) + " is not a " + (stream ? "stream" : "future") + " type", at);
        KILN_ASSIGN_OR_RETURN(Opts o, check_opts(c.opts, at));
        if ((c.op == kStreamRead || c.op == kStreamWrite || c.op == kFutureRead || c.op == kFutureWrite) &&
            t.v->a && needs_memory(t.v->a) && !o.memory)
          return err("canonical option `memory` is required", at);
        cur().core_funcs.push_back(CoreExt{});
        return ok();
      }
      default:
        if (c.op == kWaitableSetWait || c.op == kWaitableSetPoll) {
          if (c.index >= cur().core_memories.size())
            return err("unknown memory " + std::to_string(c.index) + ": memory index out of bounds", at);
        }
        if (c.op == kErrorContextNew || c.op == kErrorContextDebugMessage) {
          KILN_ASSIGN_OR_RETURN(Opts o, check_opts(c.opts, at));
          if (!o.memory) return err("canonical option `memory` is required", at);
        }
        if (c.op == kThreadNewIndirect || c.op == kThreadSpawnIndirect || c.op == kThreadSpawnRef) {
          if (c.type >= cur().core_types.size()) return err("core type index out of bounds", at);
          if (c.op != kThreadSpawnRef && c.index >= cur().core_tables.size())
            return err("unknown table " + std::to_string(c.index) + ": table index out of bounds", at);
        }
        {
          CoreExt e;  // signature left open: matches any use
          cur().core_funcs.push_back(e);
        }
        return ok();
    }
  }

  Expected<void> def(const Start& s) {
    if (s.func >= cur().funcs.size())
      return err("unknown func " + std::to_string(s.func) + ": func index out of bounds", s.offset);
    const FT& f = *cur().funcs[s.func];
    if (s.args.size() != f.params.size()) return err("component start function requires " + std::to_string(f.params.size()) + " arguments", s.offset);
    for (uint32_t v : s.args)
      if (v >= cur().values.size()) return err("value index out of bounds", s.offset);
    if (s.results != (f.result ? 1u : 0u)) return err("component start function has a result count mismatch", s.offset);
    if (f.result) cur().values.push_back(f.result);
    return ok();
  }

  Expected<void> def(const Import& im) {
    return import(im.name, im.desc, im.offset);
  }

  Expected<void> def(const Export& ex) {
    KILN_ASSIGN_OR_RETURN(Entity e, item_entity(ex.item, ex.offset));
    if (ex.item.sort <= Sort::kCoreInstance && ex.item.sort != Sort::kCoreModule)
      return err(std::string(sort_name(ex.item.sort)) + " not valid to be used as export", ex.offset);
    if (ex.desc) {
      KILN_ASSIGN_OR_RETURN(Entity want, extern_entity(*ex.desc, false, ex.offset));
      Binding b;
      if (auto why = entity_sub(e, want, b)) return err("type mismatch in export `" + ex.name.name + "`: " + *why, ex.offset);
      e = want;
    }
    KILN_TRY(check_name(ex.name, false, e.kind, ex.offset));
    KILN_ASSIGN_OR_RETURN(e, name_entity(std::move(e), false, ex.offset));
    KILN_TRY(check_annotated(ex.name.name, e, false, ex.offset));
    if (e.kind == ExternKind::kType && e.t.k == TypeE::K::kResource) cur().exp_res_names[e.t.res] = ex.name.name;
    cur().exports.emplace_back(ex.name.name, e);
    add_entity(e);
    return ok();
  }

  Expected<void> def(const ValueDef& v) {
    KILN_ASSIGN_OR_RETURN(VTP t, val_type(v.type, v.offset));
    cur().values.push_back(t);
    return ok();
  }

  const wasm::Features& f_;
  std::vector<Scope> scopes_;
  std::vector<wasm::FuncType> core_func_types_;
  uint32_t next_res_ = 0;
};

// A word of a label: letters of one case and digits. The first word of a label must start
// with a letter; later words may start with (or be) digits.
bool is_word(std::string_view w, bool first) {
  if (w.empty()) return false;
  if (first && !std::isalpha(static_cast<unsigned char>(w[0]))) return false;
  int letter_case = -1;  // unknown until the first letter
  for (char c : w) {
    auto u = static_cast<unsigned char>(c);
    if (u > 127) return false;
    if (std::isdigit(u)) continue;
    if (!std::isalpha(u)) return false;
    int this_case = std::islower(u) ? 0 : 1;
    if (letter_case >= 0 && this_case != letter_case) return false;
    letter_case = this_case;
  }
  return true;
}

bool is_semver(std::string_view v) {
  // major.minor.patch with optional -pre and +build; numbers without leading zeros.
  size_t end = v.find_first_of("-+");
  std::string_view core = v.substr(0, end);
  int parts = 0;
  size_t i = 0;
  while (i <= core.size()) {
    size_t j = core.find('.', i);
    if (j == std::string_view::npos) j = core.size();
    std::string_view n = core.substr(i, j - i);
    if (n.empty() || (n.size() > 1 && n[0] == '0')) return false;
    for (char c : n)
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    ++parts;
    i = j + 1;
  }
  if (parts != 3) return false;
  if (end == std::string_view::npos) return true;
  std::string_view rest = v.substr(end + 1);
  if (rest.empty()) return false;
  for (char c : rest)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '+') return false;
  return true;
}

}  // namespace

bool is_kebab_label(std::string_view label) {
  if (label.empty()) return false;
  size_t i = 0;
  while (true) {
    size_t j = label.find('-', i);
    std::string_view w = label.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
    if (!is_word(w, i == 0)) return false;
    if (j == std::string_view::npos) return true;
    i = j + 1;
  }
}

// `words` of a namespace or package name: a kebab-case label without uppercase letters.
bool is_lower_words(std::string_view s) {
  if (s.empty()) return false;
  size_t i = 0;
  while (true) {
    size_t j = s.find('-', i);
    std::string_view w = s.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
    // Like labels, only the first word must start with a letter.
    if (w.empty() || (i == 0 && (w[0] < 'a' || w[0] > 'z'))) return false;
    for (char c : w)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
    if (j == std::string_view::npos) return true;
    i = j + 1;
  }
}

std::string check_extern_name(std::string_view name) {
  std::string quoted = "`" + std::string(name) + "`";
  if (name.empty()) return "`` is not in kebab case";
  if (name[0] == '[') {
    size_t close = name.find(']');
    if (close == std::string_view::npos) return quoted + " is not a valid extern name";
    std::string_view ann = name.substr(1, close - 1);
    std::string_view rest = name.substr(close + 1);
    if (ann == "constructor" || ann == "async") {
      if (!is_kebab_label(rest)) return quoted + " is not in kebab case";
      return "";
    }
    if (ann == "method" || ann == "static" || ann == "async method" || ann == "async static") {
      size_t dot = rest.find('.');
      if (dot == std::string_view::npos) return "failed to find `.` character";
      if (!is_kebab_label(rest.substr(0, dot)) || !is_kebab_label(rest.substr(dot + 1)))
        return quoted + " is not in kebab case";
      return "";
    }
    return quoted + " is not a valid extern name";
  }
  size_t colon = name.find(':');
  if (colon == std::string_view::npos) {
    if (!is_kebab_label(name)) return quoted + " is not in kebab case";
    return "";
  }
  // ns:pkg/iface(/iface)*(@semver)?
  std::string_view ns = name.substr(0, colon);
  std::string_view rest = name.substr(colon + 1);
  if (ns.empty() || rest.empty()) return "empty identifier segment";
  // Namespaces and package names are `words`: lowercase words only (Explainer.md).
  if (!is_lower_words(ns)) return quoted + " is not a valid extern name";
  size_t at = rest.find('@');
  std::string_view path = rest.substr(0, at);
  size_t slash = path.find('/');
  if (slash == std::string_view::npos) return quoted + " is not a valid extern name";
  std::string_view pkg = path.substr(0, slash);
  // Nested namespaces (`a:b:c/d`) and nested projections (`a:b/c/d`) are gated future
  // syntax (the nest emoji of Explainer.md), rejected as wasmparser does.
  if (pkg.find(':') != std::string_view::npos) return "expected `/` after package name";
  if (pkg.empty()) return "empty identifier segment";
  if (!is_lower_words(pkg)) return quoted + " is not a valid extern name";
  std::string_view iface = path.substr(slash + 1);
  size_t extra = iface.find('/');
  if (extra != std::string_view::npos) return "trailing characters found: `" + std::string(iface.substr(extra)) + "`";
  if (iface.empty()) return "empty identifier segment";
  if (!is_kebab_label(iface)) return quoted + " is not in kebab case";
  if (at != std::string_view::npos) {
    if (!is_semver(rest.substr(at + 1))) return quoted + " is not a valid semver";
  }
  return "";
}

namespace {

ValueDescPtr describe_val(const VTP& v, std::map<const VT*, ValueDescPtr>& memo) {
  if (!v) return nullptr;
  auto hit = memo.find(v.get());
  if (hit != memo.end()) return hit->second;
  auto d = std::make_shared<ValueDesc>();
  d->kind = v->kind;
  d->prim = v->prim;
  for (const auto& [n, t] : v->fields) d->fields.emplace_back(n, describe_val(t, memo));
  for (const auto& e : v->elems) d->elems.push_back(describe_val(e, memo));
  d->labels = v->labels;
  d->a = describe_val(v->a, memo);
  d->b = describe_val(v->b, memo);
  d->length = v->len;
  d->resource = v->res;
  d->identity = v->origin;
  memo[v.get()] = d;
  return d;
}

ItemDesc describe_item(const std::string& name, const Entity& e,
                       std::map<const VT*, ValueDescPtr>& memo) {
  ItemDesc d;
  d.name = name;
  d.kind = e.kind;
  switch (e.kind) {
    case ExternKind::kFunc:
      if (e.t.f) {
        auto f = std::make_shared<FuncDesc>();
        f->async = e.t.f->async;
        for (const auto& [n, t] : e.t.f->params) f->params.emplace_back(n, describe_val(t, memo));
        f->result = describe_val(e.t.f->result, memo);
        d.func = f;
      }
      break;
    case ExternKind::kValue:
      d.value = describe_val(e.t.v, memo);
      break;
    case ExternKind::kType:
      if (e.t.k == TypeE::K::kResource) {
        d.is_resource = true;
        d.resource = e.t.res;
      } else if (e.t.k == TypeE::K::kVal) {
        d.value = describe_val(e.t.v, memo);
      }
      break;
    case ExternKind::kInstance:
      if (e.t.i)
        for (const auto& [n, x] : e.t.i->exports) d.exports.push_back(describe_item(n, x, memo));
      break;
    default:
      break;
  }
  return d;
}

}  // namespace

Expected<ComponentDesc> describe_component(const Component& component, const wasm::Features& features) {
  Validator v(features);
  KILN_ASSIGN_OR_RETURN(auto t, v.component(component));
  ComponentDesc d;
  std::map<const VT*, ValueDescPtr> memo;
  for (const auto& [n, e] : t->imports) d.imports.push_back(describe_item(n, e, memo));
  for (const auto& [n, e] : t->exports) d.exports.push_back(describe_item(n, e, memo));
  return d;
}

Expected<void> validate_component(const Component& component, const wasm::Features& features) {
  Validator v(features);
  KILN_ASSIGN_OR_RETURN(auto t, v.component(component));
  (void)t;
  return ok();
}

}  // namespace kiln::component
