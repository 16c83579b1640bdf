// runtime/linker.h: Linker, definitions by (module, name) and instantiation that resolves a
// module's imports against them, with the spec's link errors ("unknown import", "incompatible
// import type"). Definitions are values of one store, or host functions defined without a
// store (created in whichever store instantiates a module that imports them).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "runtime/instance_pre.h"
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

  // A host function usable from every store (Wasmtime's Linker::func_new): each store that
  // instantiates a module importing it gets its own Func.
  Expected<void> func_new(std::string_view module, std::string_view name, const wasm::FuncType& type,
                          HostCallback callback);
  // The same from a typed C++ callable (see Func::wrap).
  template <typename F>
  Expected<void> func_wrap(std::string_view module, std::string_view name, F&& f) {
    using Fn = std::decay_t<F>;
    using Sig = detail::CallableSignature<Fn>;
    return func_new(module, name, Sig::type(),
                    [fn = Fn(std::forward<F>(f))](Caller&, std::span<const Val> params,
                                                  std::span<Val> results) mutable -> Expected<void> {
                      Sig::invoke(fn, params, results, std::make_index_sequence<Sig::kArity>());
                      return {};
                    });
  }

  // A store's value defined as module::name (store-independent host functions are not
  // values: nullopt).
  std::optional<Extern> get(std::string_view module, std::string_view name) const;

  // Resolves every import of `module` by (module, name) and instantiates it.
  Expected<Instance> instantiate(Store& store, const Module& module, Trap* trap = nullptr) const;
  // Resolves every import of `module` once ("unknown import"; a store-independent host
  // function's type is checked here, "incompatible import type"), for many instantiations.
  Expected<InstancePre> instantiate_pre(const Module& module) const;

  // Later definitions replace earlier ones instead of failing (the .wast `register` rule).
  void allow_shadowing(bool allow) { allow_shadowing_ = allow; }

 private:
  Expected<void> check_free(const std::pair<std::string, std::string>& key) const;

  std::map<std::pair<std::string, std::string>, Extern, std::less<>> items_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const HostFuncDef>, std::less<>> host_funcs_;
  bool allow_shadowing_ = false;
};

}  // namespace kiln::runtime
