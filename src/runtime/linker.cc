// runtime/linker.cc: import resolution by name.
#include "runtime/linker.h"

namespace kiln::runtime {

Expected<void> Linker::define(std::string_view module, std::string_view name, const Extern& item) {
  auto key = std::make_pair(std::string(module), std::string(name));
  auto it = items_.find(key);
  if (it != items_.end()) {
    if (!allow_shadowing_) {
      return Error(ErrorKind::kLink, "`" + key.first + "::" + key.second + "` is already defined");
    }
    it->second = item;
    return {};
  }
  items_.emplace(std::move(key), item);
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

std::optional<Extern> Linker::get(std::string_view module, std::string_view name) const {
  auto it = items_.find(std::make_pair(std::string(module), std::string(name)));
  if (it == items_.end()) return std::nullopt;
  return it->second;
}

Expected<Instance> Linker::instantiate(Store& store, const Module& module, Trap* trap) const {
  std::vector<Extern> imports;
  for (const wasm::Import& imp : module.wasm().imports) {
    std::optional<Extern> item = get(imp.module, imp.name);
    if (!item) {
      return Error(ErrorKind::kLink, "unknown import: `" + imp.module + "::" + imp.name + "` has not been defined");
    }
    imports.push_back(*item);
  }
  return Instance::create(store, module, imports, trap);
}

}  // namespace kiln::runtime
