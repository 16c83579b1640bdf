// runtime/store.h: Store and the handles to what lives in it: Func, Global, Table, Memory,
// Tag, Instance, and Extern (any of them). A store owns every instance, host function, memory,
// table and global created in it; handles are plain pointers into the store and stay valid
// while it lives. A store is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "runtime/engine.h"
#include "runtime/module.h"
#include "runtime/trap.h"
#include "runtime/val.h"
#include "support/error.h"
#include "wasm/types.h"

namespace kiln::runtime {

namespace vm {
class Table;
class LinearMemory;
struct VMGlobalDefinition;
struct VMContext;
}  // namespace vm

class Store;
class Instance;
struct StoreData;
struct InstanceData;
struct TagData;
class Func;
class Global;
class Table;
class Memory;
class Tag;
using Extern = std::variant<Func, Global, Table, Memory, Tag>;

// What a host function sees of its caller.
class Caller {
 public:
  Caller(StoreData* store, vm::VMContext* vmctx) : store_(store), vmctx_(vmctx) {}
  Store& store() const;
  // An export of the calling instance (null caller: a direct call from the host).
  std::optional<Extern> get_export(std::string_view name) const;

 private:
  StoreData* store_;
  vm::VMContext* vmctx_;
};

// A host function: reads `params` (already checked against the function type) and writes
// every result. An error becomes a trap of the calling Wasm code with the error's message.
using HostCallback = std::function<Expected<void>(Caller& caller, std::span<const Val> params,
                                                  std::span<Val> results)>;

class Func {
 public:
  Func() = default;
  Func(StoreData* store, const vm::VMFuncRef* ref) : store_(store), ref_(ref) {}

  // A host function of type `type`.
  static Func create(Store& store, const wasm::FuncType& type, HostCallback callback);
  // A host function from a C++ callable over int32_t, int64_t, float, double (params) with
  // void or one such result.
  template <typename F>
  static Func wrap(Store& store, F&& f);

  wasm::FuncType type() const;
  // Calls the function with `params`, writing `results` (sized to the result count). A trap
  // is an error with the trap's message; `trap` (if given) receives the details.
  Expected<void> call(std::span<const Val> params, std::span<Val> results, Trap* trap = nullptr) const;
  Expected<std::vector<Val>> call(std::span<const Val> params, Trap* trap = nullptr) const;

  const vm::VMFuncRef* ref() const { return ref_; }
  Val to_val() const { return Val::funcref(ref_); }
  StoreData* store_data() const { return store_; }

 private:
  StoreData* store_ = nullptr;
  const vm::VMFuncRef* ref_ = nullptr;
};

class Global {
 public:
  Global() = default;
  Global(StoreData* store, vm::VMGlobalDefinition* def, wasm::GlobalType type)
      : store_(store), def_(def), type_(type) {}
  static Expected<Global> create(Store& store, wasm::GlobalType type, const Val& init);

  const wasm::GlobalType& type() const { return type_; }
  Val get() const;
  // Fails for an immutable global or a value of another type.
  Expected<void> set(const Val& v) const;
  vm::VMGlobalDefinition* definition() const { return def_; }
  StoreData* store_data() const { return store_; }

 private:
  StoreData* store_ = nullptr;
  vm::VMGlobalDefinition* def_ = nullptr;
  wasm::GlobalType type_;
};

class Table {
 public:
  Table() = default;
  Table(StoreData* store, vm::Table* table) : store_(store), table_(table) {}
  static Expected<Table> create(Store& store, const wasm::TableType& type, const Val& init);

  const wasm::TableType& type() const;
  uint64_t size() const;
  std::optional<Val> get(uint64_t index) const;
  Expected<void> set(uint64_t index, const Val& v) const;
  // The old size, or nullopt when the table cannot grow.
  std::optional<uint64_t> grow(uint64_t delta, const Val& init) const;
  vm::Table* vm_table() const { return table_; }
  StoreData* store_data() const { return store_; }

 private:
  StoreData* store_ = nullptr;
  vm::Table* table_ = nullptr;
};

class Memory {
 public:
  Memory() = default;
  Memory(StoreData* store, vm::LinearMemory* memory) : store_(store), memory_(memory) {}
  static Expected<Memory> create(Store& store, const wasm::MemoryType& type);

  const wasm::MemoryType& type() const;
  uint8_t* data() const;
  uint64_t data_size() const;  // bytes
  uint64_t size() const;       // pages
  std::optional<uint64_t> grow(uint64_t delta_pages) const;
  vm::LinearMemory* vm_memory() const { return memory_; }
  StoreData* store_data() const { return store_; }

 private:
  StoreData* store_ = nullptr;
  vm::LinearMemory* memory_ = nullptr;
};

class Tag {
 public:
  Tag() = default;
  Tag(StoreData* store, TagData* tag) : store_(store), tag_(tag) {}
  static Tag create(Store& store, const wasm::FuncType& type);

  wasm::FuncType type() const;
  uint32_t type_id() const;
  TagData* data() const { return tag_; }
  StoreData* store_data() const { return store_; }

 private:
  StoreData* store_ = nullptr;
  TagData* tag_ = nullptr;
};

wasm::ExternKind extern_kind(const Extern& e);

class Instance {
 public:
  Instance() = default;
  Instance(StoreData* store, InstanceData* data) : store_(store), data_(data) {}

  // Instantiates `module` with `imports` in import order: checks each import's type
  // ("incompatible import type"), builds the VMContext, evaluates globals, applies element and
  // data segments (a trap there fails instantiation, "out of bounds table access" / "out of
  // bounds memory access", keeping the writes already made) and runs the start function.
  // `trap` (if given) receives the details of a trap.
  static Expected<Instance> create(Store& store, const Module& module, std::span<const Extern> imports,
                                   Trap* trap = nullptr);

  const Module& module() const;
  std::optional<Extern> get_export(std::string_view name) const;
  std::optional<Func> get_func(std::string_view name) const;
  std::optional<Global> get_global(std::string_view name) const;
  std::optional<Table> get_table(std::string_view name) const;
  std::optional<Memory> get_memory(std::string_view name) const;
  std::vector<std::pair<std::string, Extern>> exports() const;

 private:
  StoreData* store_ = nullptr;
  InstanceData* data_ = nullptr;
};

// Decides, per store, how far its memories and tables may grow and how many instances,
// memories and tables it may create (Wasmtime's ResourceLimiter). Consulted on every
// memory.grow / table.grow (from Wasm or the host) and, with the initial sizes, when a memory
// or table is created. Sizes are bytes for memories and elements for tables; `maximum` is the
// object's own limit (its declared maximum), if any.
class ResourceLimiter {
 public:
  virtual ~ResourceLimiter() = default;
  // true lets the growth go ahead (it may still fail at the memory's maximum); false makes it
  // fail (memory.grow returns -1, creation fails); an error traps the Wasm caller with its
  // message (creation fails with it).
  virtual Expected<bool> memory_growing(uint64_t current, uint64_t desired,
                                        std::optional<uint64_t> maximum) = 0;
  virtual Expected<bool> table_growing(uint64_t current, uint64_t desired,
                                       std::optional<uint64_t> maximum) = 0;
  // The most instances, memories and tables the store may hold (checked on creation).
  virtual uint64_t instances() const { return kDefaultLimit; }
  virtual uint64_t memories() const { return kDefaultLimit; }
  virtual uint64_t tables() const { return kDefaultLimit; }

  static constexpr uint64_t kDefaultLimit = 10000;
};

// A ResourceLimiter with fixed limits (Wasmtime's StoreLimits). Unset sizes are unlimited.
class StoreLimits : public ResourceLimiter {
 public:
  std::optional<uint64_t> memory_size;     // bytes, per memory
  std::optional<uint64_t> table_elements;  // per table
  uint64_t max_instances = kDefaultLimit;
  uint64_t max_memories = kDefaultLimit;
  uint64_t max_tables = kDefaultLimit;
  // Trap instead of failing the growth (memory.grow/table.grow returning -1).
  bool trap_on_grow_failure = false;

  Expected<bool> memory_growing(uint64_t current, uint64_t desired,
                                std::optional<uint64_t> maximum) override;
  Expected<bool> table_growing(uint64_t current, uint64_t desired,
                               std::optional<uint64_t> maximum) override;
  uint64_t instances() const override { return max_instances; }
  uint64_t memories() const override { return max_memories; }
  uint64_t tables() const override { return max_tables; }
};

// What the store does when the epoch reaches its deadline: continue for `ticks` more epochs
// (a value), or trap "interrupt" (nullopt). Runs on the thread executing the guest, possibly
// between two iterations of a loop that was optimised as if no call were there
// (codegen/opt/limit_checks.h): it may read the guest's state, but writes to the guest's
// memory or globals are not guaranteed to be seen by the interrupted loop.
using EpochDeadlineCallback = std::function<std::optional<uint64_t>(Store& store)>;

class Store {
 public:
  explicit Store(const Engine& engine);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const Engine& engine() const;
  StoreData& data() { return *data_; }

  // A non-null externref carrying `host_value` (stable for the store's lifetime).
  const void* externref(uint64_t host_value);
  // The host value of an externref made by externref().
  static uint64_t externref_value(const void* ref);

  // The Wasm stack budget of calls from this store (bytes); defaults to the engine's
  // Tunables::max_wasm_stack.
  void set_max_wasm_stack(uint64_t bytes);

  // ---- Fuel (Config::consume_fuel). A new store has no fuel: Wasm code traps "all fuel
  // consumed" at its first check until the host adds some. Both fail when the engine does
  // not consume fuel.
  Expected<void> set_fuel(uint64_t fuel);
  // The fuel left (0 once it ran out; compiled code may overshoot by one straight-line run).
  Expected<uint64_t> get_fuel() const;

  // ---- Epochs (Config::epoch_interruption). The deadline is `ticks` epochs after the
  // engine's current one; a new store's deadline is the current epoch (Wasm code traps
  // "interrupt" at its first check until the host sets one).
  void set_epoch_deadline(uint64_t ticks);
  // At the deadline, trap "interrupt" (the default).
  void epoch_deadline_trap();
  // At the deadline, ask `callback` (see EpochDeadlineCallback).
  void epoch_deadline_callback(EpochDeadlineCallback callback);

  // ---- Resource limits: null removes the limiter. The limiter must outlive its use.
  void limiter(std::shared_ptr<ResourceLimiter> limiter);

 private:
  std::unique_ptr<StoreData> data_;
};

// ---- Typed host functions ------------------------------------------------------------------

namespace detail {
template <typename T>
struct WasmTypeOf;
template <>
struct WasmTypeOf<int32_t> {
  static wasm::ValType type() { return wasm::ValType::i32(); }
  static int32_t from(const Val& v) { return v.i32(); }
  static Val to(int32_t x) { return Val::i32(x); }
};
template <>
struct WasmTypeOf<uint32_t> {
  static wasm::ValType type() { return wasm::ValType::i32(); }
  static uint32_t from(const Val& v) { return static_cast<uint32_t>(v.i32()); }
  static Val to(uint32_t x) { return Val::i32(static_cast<int32_t>(x)); }
};
template <>
struct WasmTypeOf<int64_t> {
  static wasm::ValType type() { return wasm::ValType::i64(); }
  static int64_t from(const Val& v) { return v.i64(); }
  static Val to(int64_t x) { return Val::i64(x); }
};
template <>
struct WasmTypeOf<uint64_t> {
  static wasm::ValType type() { return wasm::ValType::i64(); }
  static uint64_t from(const Val& v) { return static_cast<uint64_t>(v.i64()); }
  static Val to(uint64_t x) { return Val::i64(static_cast<int64_t>(x)); }
};
template <>
struct WasmTypeOf<float> {
  static wasm::ValType type() { return wasm::ValType::f32(); }
  static float from(const Val& v) { return v.f32(); }
  static Val to(float x) { return Val::f32(x); }
};
template <>
struct WasmTypeOf<double> {
  static wasm::ValType type() { return wasm::ValType::f64(); }
  static double from(const Val& v) { return v.f64(); }
  static Val to(double x) { return Val::f64(x); }
};

template <typename Sig>
struct Signature;
template <typename R, typename... A>
struct Signature<R(A...)> {
  static wasm::FuncType type() {
    wasm::FuncType t;
    (t.params.push_back(WasmTypeOf<A>::type()), ...);
    if constexpr (!std::is_void_v<R>) t.results.push_back(WasmTypeOf<R>::type());
    return t;
  }
  template <typename F, size_t... I>
  static void invoke(F& f, std::span<const Val> params, std::span<Val> results, std::index_sequence<I...>) {
    if constexpr (std::is_void_v<R>) {
      f(WasmTypeOf<A>::from(params[I])...);
    } else {
      results[0] = WasmTypeOf<R>::to(f(WasmTypeOf<A>::from(params[I])...));
    }
  }
};
template <typename F>
struct CallableSignature : CallableSignature<decltype(&F::operator())> {};
template <typename C, typename R, typename... A>
struct CallableSignature<R (C::*)(A...) const> : Signature<R(A...)> {
  static constexpr size_t kArity = sizeof...(A);
};
template <typename C, typename R, typename... A>
struct CallableSignature<R (C::*)(A...)> : Signature<R(A...)> {
  static constexpr size_t kArity = sizeof...(A);
};
template <typename R, typename... A>
struct CallableSignature<R (*)(A...)> : Signature<R(A...)> {
  static constexpr size_t kArity = sizeof...(A);
};
}  // namespace detail

template <typename F>
Func Func::wrap(Store& store, F&& f) {
  using Fn = std::decay_t<F>;
  using Sig = detail::CallableSignature<Fn>;
  return create(store, Sig::type(),
                [fn = Fn(std::forward<F>(f))](Caller&, std::span<const Val> params,
                                              std::span<Val> results) mutable -> Expected<void> {
                  Sig::invoke(fn, params, results, std::make_index_sequence<Sig::kArity>());
                  return {};
                });
}

}  // namespace kiln::runtime
