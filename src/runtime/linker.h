// runtime/linker.h: Linker, definitions by (module, name) and instantiation that resolves a
// module's imports against them, with the spec's link errors ("unknown import", "incompatible
// import type"). Definitions are values of one store.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "runtime/store.h"

namespace kiln::runtime {

class Linker {
 public:
  // Defines (or, with allow_shadowing, redefines) module::name.
  Expected<void> define(std::string_view module, std::string_view name, const Extern& item);
  // Defines every export of `instance` under `module`.
  Expected<void> define_instance(std::string_view module, const Instance& instance);
  // A host function with a raw Val signature.
  Expected<void> func_new(Store& store, std::string_view module, std::string_view name,
                          const wasm::FuncType& type, HostCallback callback);
  // A host function from a typed C++ callable (see Func::wrap).
  template <typename F>
  Expected<void> func_wrap(Store& store, std::string_view module, std::string_view name, F&& f) {
    return define(module, name, Func::wrap(store, std::forward<F>(f)));
  }

  std::optional<Extern> get(std::string_view module, std::string_view name) const;

  // Resolves every import of `module` by (module, name) and instantiates it.
  Expected<Instance> instantiate(Store& store, const Module& module, Trap* trap = nullptr) const;

  // Later definitions replace earlier ones instead of failing (the .wast `register` rule).
  void allow_shadowing(bool allow) { allow_shadowing_ = allow; }

 private:
  std::map<std::pair<std::string, std::string>, Extern, std::less<>> items_;
  bool allow_shadowing_ = false;
};

}  // namespace kiln::runtime
