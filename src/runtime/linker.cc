// runtime/linker.cc: import resolution by name, and InstancePre.
#include "runtime/linker.h"

#include "runtime/store_data.h"

namespace kiln::runtime {

namespace {

// A host function in `sd` like the one Func::create(store, def.type, def.callback) makes, with
// the engine-wide fields (type id, wasm-to-array trampoline, host entry) copied from
// `resolved`, a VMFuncRef Func::create made for the same definition on this engine.
Func host_func_like(StoreData& sd, const vm::VMFuncRef& resolved, const HostFuncDef& def) {
  HostFunc& hf = sd.host_funcs.emplace_back();
  hf.store = &sd;
  hf.type = def.type;
  hf.callback = def.callback;
  hf.host_ctx.magic = environ::kVMHostFuncMagic;
  hf.host_ctx.array_call = resolved.array_call;
  hf.host_ctx.host_state = &hf;
  hf.ref = resolved;
  hf.ref.vmctx = &hf.host_ctx;
  return Func(&sd, &hf.ref);
}

Error unknown_import(const wasm::Import& imp) {
  return Error(ErrorKind::kLink, "unknown import: `" + imp.module + "::" + imp.name + "` has not been defined");
}
}  // namespace

// A name is free when nothing defines it, or when shadowing is allowed (the old definition,
// of either kind, is then dropped).
Expected<void> Linker::check_free(const std::pair<std::string, std::string>& key) const {
  if (allow_shadowing_) return {};
  if (items_.count(key) != 0 || host_funcs_.count(key) != 0) {
    return Error(ErrorKind::kLink, "`" + key.first + "::" + key.second + "` is already defined");
  }
  return {};
}

Expected<void> Linker::define(std::string_view module, std::string_view name, const Extern& item) {
  auto key = std::make_pair(std::string(module), std::string(name));
  KILN_TRY(check_free(key));
  host_funcs_.erase(key);
  items_.insert_or_assign(std::move(key), item);
  return {};
}

Expected<void> Linker::define_instance(std::string_view module, const Instance& instance) {
  for (const auto& [name, item] : instance.exports()) KILN_TRY(define(module, name, item));
  return {};
}

Expected<void> Linker::func_new(Store& store, std::string_view module, std::string_view name,
                                const wasm::FuncType& type, HostCallback callback) {
  return define(module, name, Func::create(store, type, std::move(callback)));
}

Expected<void> Linker::func_new(std::string_view module, std::string_view name, const wasm::FuncType& type,
                                HostCallback callback) {
  auto key = std::make_pair(std::string(module), std::string(name));
  KILN_TRY(check_free(key));
  items_.erase(key);
  host_funcs_.insert_or_assign(std::move(key), std::make_shared<const HostFuncDef>(HostFuncDef{type, std::move(callback)}));
  return {};
}

std::optional<Extern> Linker::get(std::string_view module, std::string_view name) const {
  auto it = items_.find(std::make_pair(std::string(module), std::string(name)));
  if (it == items_.end()) return std::nullopt;
  return it->second;
}

Expected<Instance> Linker::instantiate(Store& store, const Module& module, Trap* trap) const {
  KILN_ASSIGN_OR_RETURN(InstancePre pre, instantiate_pre(module));
  return pre.instantiate(store, trap);
}

Expected<InstancePre> Linker::instantiate_pre(const Module& module) const {
  InstancePre pre;
  pre.module_ = module;
  const wasm::Module& m = module.wasm();
  pre.items_.reserve(m.imports.size());
  uint32_t func_index = 0;
  for (const wasm::Import& imp : m.imports) {
    auto key = std::make_pair(imp.module, imp.name);
    InstancePre::Item item;
    if (auto it = items_.find(key); it != items_.end()) {
      item.value = it->second;  // its type is checked against the store's value at instantiation
    } else if (auto h = host_funcs_.find(key); h != host_funcs_.end()) {
      if (imp.kind != wasm::ExternKind::kFunc) {
        return Error(ErrorKind::kLink, "incompatible import type for `" + imp.module + "::" + imp.name +
                                           "`: expected " + wasm::to_string(imp.kind) + ", found func");
      }
      uint32_t have = module.engine().register_func_type(h->second->type);
      uint32_t want = module.type_ids()[m.func_types[func_index]];
      if (!module.engine().is_subtype(have, want)) {
        return Error(ErrorKind::kLink, "incompatible import type for `" + imp.module + "::" + imp.name +
                                           "`: function types differ");
      }
      item.host = h->second;
      item.resolved = std::make_shared<InstancePre::Item::Resolved>();
    } else {
      return unknown_import(imp);
    }
    if (imp.kind == wasm::ExternKind::kFunc) ++func_index;
    pre.items_.push_back(std::move(item));
  }
  return pre;
}

Expected<Instance> InstancePre::instantiate(Store& store, Trap* trap) const {
  std::vector<Extern> imports;
  imports.reserve(items_.size());
  for (const Item& item : items_) {
    if (item.value) {
      imports.push_back(*item.value);
    } else {
      auto& made = store.data().linker_funcs;
      if (auto it = made.find(item.host.get()); it != made.end()) {
        imports.push_back(it->second.second);
        continue;
      }
      std::optional<Func> f;
      std::call_once(item.resolved->once, [&] {
        f = Func::create(store, item.host->type, item.host->callback);
        item.resolved->ref = *f->ref();
      });
      if (!f) f = host_func_like(store.data(), item.resolved->ref, *item.host);
      made.emplace(item.host.get(), std::make_pair(item.host, *f));
      imports.push_back(*f);
    }
  }
  return Instance::create(store, module_, imports, trap);
}

}  // namespace kiln::runtime
