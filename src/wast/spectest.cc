// wast/spectest.cc: the spectest host module (the reference interpreter's spectest.ml).
#include "wast/spectest.h"

#include <cstdio>

namespace kiln::wast {

using runtime::Val;
using wasm::ValType;

namespace {

std::string format_val(const Val& v) {
  char buf[64];
  switch (v.type().kind) {
    case wasm::ValKind::kI32:
      std::snprintf(buf, sizeof buf, "%d : i32", v.i32());
      return buf;
    case wasm::ValKind::kI64:
      std::snprintf(buf, sizeof buf, "%lld : i64", static_cast<long long>(v.i64()));
      return buf;
    case wasm::ValKind::kF32:
      std::snprintf(buf, sizeof buf, "%g : f32", static_cast<double>(v.f32()));
      return buf;
    case wasm::ValKind::kF64:
      std::snprintf(buf, sizeof buf, "%g : f64", v.f64());
      return buf;
    default:
      return v.to_string();
  }
}

}  // namespace

Expected<void> define_spectest(runtime::Linker& linker, runtime::Store& store, const SpectestOptions& options) {
  std::ostream* out = options.print_to;
  auto print_fn = [&](const char* name, std::vector<ValType> params) -> Expected<void> {
    wasm::FuncType t;
    t.params = std::move(params);
    return linker.func_new(store, "spectest", name, t,
                           [out](runtime::Caller&, std::span<const Val> args, std::span<Val>) -> Expected<void> {
                             if (out != nullptr) {
                               for (const Val& v : args) *out << format_val(v) << "\n";
                             }
                             return {};
                           });
  };
  KILN_TRY(print_fn("print", {}));
  KILN_TRY(print_fn("print_i32", {ValType::i32()}));
  KILN_TRY(print_fn("print_i64", {ValType::i64()}));
  KILN_TRY(print_fn("print_f32", {ValType::f32()}));
  KILN_TRY(print_fn("print_f64", {ValType::f64()}));
  KILN_TRY(print_fn("print_i32_f32", {ValType::i32(), ValType::f32()}));
  KILN_TRY(print_fn("print_f64_f64", {ValType::f64(), ValType::f64()}));

  auto global = [&](const char* name, ValType type, Val v) -> Expected<void> {
    KILN_ASSIGN_OR_RETURN(runtime::Global g, runtime::Global::create(store, {type, false}, v));
    return linker.define("spectest", name, g);
  };
  KILN_TRY(global("global_i32", ValType::i32(), Val::i32(666)));
  KILN_TRY(global("global_i64", ValType::i64(), Val::i64(666)));
  KILN_TRY(global("global_f32", ValType::f32(), Val::f32(666.6f)));
  KILN_TRY(global("global_f64", ValType::f64(), Val::f64(666.6)));

  wasm::TableType table;
  table.elem = ValType::funcref();
  table.limits.min = 10;
  table.limits.max = 20;
  KILN_ASSIGN_OR_RETURN(runtime::Table t32, runtime::Table::create(store, table, Val::funcref(nullptr)));
  KILN_TRY(linker.define("spectest", "table", t32));
  table.limits.is64 = true;
  KILN_ASSIGN_OR_RETURN(runtime::Table t64, runtime::Table::create(store, table, Val::funcref(nullptr)));
  KILN_TRY(linker.define("spectest", "table64", t64));

  wasm::MemoryType memory;
  memory.limits.min = 1;
  memory.limits.max = 2;
  KILN_ASSIGN_OR_RETURN(runtime::Memory mem, runtime::Memory::create(store, memory));
  KILN_TRY(linker.define("spectest", "memory", mem));
  if (options.shared_memory) {
    memory.limits.shared = true;
    KILN_ASSIGN_OR_RETURN(runtime::Memory shared, runtime::Memory::create(store, memory));
    KILN_TRY(linker.define("spectest", "shared_memory", shared));
  }
  return {};
}

}  // namespace kiln::wast
