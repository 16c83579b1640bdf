// runtime/vm/instance.h: the VM-level instance: its VMContext (allocated and initialised from
// VMOffsets), its defined memories and tables, the imports wired in, and its element and data
// segments. Libcalls reach it from a VMContext. Evaluating constant expressions (global
// initialisers, segment offsets and elements) and applying active segments is the
// instantiator's job (runtime/), which drives it through set_elem_segment, global(), and
// the bulk operations below so that instantiation and the libcalls share one implementation.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "environ/indices.h"
#include "environ/trap_codes.h"
#include "environ/tunables.h"
#include "environ/vmoffsets.h"
#include "runtime/vm/allocator.h"
#include "runtime/vm/memory.h"
#include "runtime/vm/table.h"
#include "runtime/vm/vmcontext.h"
#include "support/error.h"
#include "wasm/module.h"

namespace kiln::runtime::vm {

struct ModuleMemoryImages;

// What a store's limiter says about a memory or table growth.
enum class GrowDecision : uint8_t {
  kAllow,
  kDeny,  // the growth fails: memory.grow / table.grow return -1
  kTrap,  // the caller traps with StoreHooks::take_limit_error()
};

// Store-level policy for fuel, epochs and resource limits, implemented by the store.
class StoreHooks {
 public:
  virtual ~StoreHooks() = default;
  // Fuel ran out (fuel_consumed >= 0): add fuel (make fuel_consumed negative) and return
  // true, or return false to trap OutOfFuel.
  virtual bool refuel(VMStoreContext* store) = 0;
  // The epoch deadline passed: the new deadline, or nullopt to trap Interrupt.
  virtual std::optional<uint64_t> new_epoch(VMStoreContext* store) = 0;
  // memory.grow / table.grow by a nonzero delta from Wasm, before the memory or table grows.
  // The default allows every growth the memory or table itself allows.
  virtual GrowDecision memory_growing(const LinearMemory&, uint64_t /*delta_pages*/) {
    return GrowDecision::kAllow;
  }
  virtual GrowDecision table_growing(const Table&, uint64_t /*delta*/) { return GrowDecision::kAllow; }
  // After kTrap: the error the Wasm caller traps with (nullopt: a generic message).
  virtual std::optional<Error> take_limit_error() { return std::nullopt; }
  // Whether engine-canonical type `sub` is `super` or declares it (transitively) as a
  // supertype: the slow path of call_indirect's signature check (builtin is_subtype). The
  // default knows no declared supertypes.
  virtual bool is_subtype(uint32_t sub, uint32_t super) const { return sub == super; }
};

// What the imports resolved to, in import order per kind. Types were checked by the linker.
struct InstanceImports {
  std::vector<const VMFuncRef*> functions;  // the provider's funcref (exact type id, entries)
  std::vector<Table*> tables;
  std::vector<LinearMemory*> memories;
  std::vector<VMGlobalDefinition*> globals;
};

struct InstanceConfig {
  const wasm::Module* module = nullptr;          // must outlive the instance
  const environ::VMOffsets* offsets = nullptr;   // VMOffsets::for_module(*module), outlives
  const uint32_t* type_ids = nullptr;            // canonical id per module type index, outlives
  std::span<const void* const> function_code;    // wasm_call entry per defined function
  VMStoreContext* store = nullptr;
  const uint64_t* epoch_counter = nullptr;
  const void* const* builtins = nullptr;         // null: builtin_table()
  environ::Tunables tunables;
  uint64_t max_memory_bytes = UINT64_MAX;        // store limits, per memory / table
  uint64_t max_table_elements = UINT64_MAX;
  StoreHooks* hooks = nullptr;                   // null: out of fuel / epoch always trap
  InstanceAllocator* allocator = nullptr;        // null: on_demand_allocator(); outlives
  // Copy-on-write images of the defined memories (null: none); outlives the instance.
  const ModuleMemoryImages* images = nullptr;
};

// Gives a VMContext back to the allocator it came from.
struct VMContextDeleter {
  InstanceAllocator* allocator = nullptr;
  size_t size = 0;
  void operator()(uint8_t* p) const { allocator->deallocate_vmctx(p, size); }
};

class Instance {
 public:
  // Allocates the VMContext, creates the defined memories and tables (tables filled with null,
  // globals zeroed, memories with an image already holding it), all from config.allocator,
  // wires the imports and fills every VMFuncRef. Fails with kInstantiate
  // when the import counts do not match the module, or a memory/table cannot be created.
  static Expected<std::unique_ptr<Instance>> create(const InstanceConfig& config,
                                                    const InstanceImports& imports);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // SAFETY: `vmctx` must be the VMContext of a live Instance (compiled code only ever passes
  // its own); the header field `instance` points back here.
  static Instance* from_vmctx(VMContext* vmctx);

  VMContext* vmctx() const { return reinterpret_cast<VMContext*>(vmctx_.get()); }
  const wasm::Module& module() const { return *config_.module; }
  const environ::VMOffsets& offsets() const { return *config_.offsets; }
  VMStoreContext* store() const { return config_.store; }
  // The store's epoch deadline as this instance's compiled code sees it (the store writes it
  // into every instance whenever it changes, VMStoreContext::epoch_deadline being the source).
  void set_epoch_deadline(uint64_t deadline) {
    *reinterpret_cast<uint64_t*>(vmctx_.get() + environ::VMOffsets::epoch_deadline()) = deadline;
  }
  StoreHooks* hooks() const { return config_.hooks; }

  // By module-wide index; null when out of range.
  LinearMemory* memory(environ::MemoryIndex i) const;
  Table* table(environ::TableIndex i) const;
  VMGlobalDefinition* global(environ::GlobalIndex i) const;
  VMFuncRef* func_ref(environ::FuncIndex i) const;
  // Without the range check: `i` must be a function index of the module (validated input).
  VMFuncRef* func_ref_unchecked(environ::FuncIndex i) const {
    return vmctx_at<VMFuncRef>(vmctx(), config_.offsets->func_ref(i));
  }
  // Marks every data segment `dropped[d]` says as dropped (active segments whose bytes a
  // memory image already holds), in one step.
  void drop_data_where(const std::vector<bool>& dropped);

  // Element segments hold evaluated references (VMFuncRef* or host pointers), set by the
  // instantiator; data segments are the module's bytes. Dropped segments read as empty.
  void set_elem_segment(environ::ElemIndex i, std::vector<void*> items);
  std::span<void* const> elem_segment(environ::ElemIndex i) const;
  void drop_elem(environ::ElemIndex i);
  std::span<const uint8_t> data_segment(environ::DataIndex i) const;
  void drop_data(environ::DataIndex i);

  // The bulk operations (spec semantics; all bounds checked before any write).
  std::optional<environ::TrapCode> memory_fill(environ::MemoryIndex m, uint64_t dst, uint8_t value,
                                               uint64_t len);
  std::optional<environ::TrapCode> memory_copy(environ::MemoryIndex dst_mem, uint64_t dst,
                                               environ::MemoryIndex src_mem, uint64_t src,
                                               uint64_t len);
  std::optional<environ::TrapCode> memory_init(environ::MemoryIndex m, environ::DataIndex d,
                                               uint64_t dst, uint64_t src, uint64_t len);
  std::optional<environ::TrapCode> table_init(environ::TableIndex t, environ::ElemIndex e,
                                              uint64_t dst, uint64_t src, uint64_t len);

  // Instantiation, which calls these in the spec's order before anything else writes the
  // defined tables. A defined table of function references (environ::is_func_table) is
  // initialised lazily (Table::enable_lazy_init): its initial value and active segments are
  // recorded, not written. Others are written now.
  //
  // Every element of table `t` becomes `init` (its explicit initialiser).
  void init_table(environ::TableIndex t, void* init);
  // Active element segment `e` at `dst` of its table: table.init's bounds check, then the
  // segment's items (set_elem_segment, for expression segments) or functions are written or
  // recorded. The TrapCode on failure (nothing written or recorded). The caller drops the
  // segment.
  std::optional<environ::TrapCode> init_active_elem(environ::ElemIndex e, uint64_t dst);

 private:
  Instance() = default;
  // The VMFuncRef array (func_ref(0)); null when the module has no functions.
  VMFuncRef* func_refs() const;
  // Table `t` if it is lazily initialised (enabling that first), else null.
  Table* lazy_table(environ::TableIndex t, void* init);
  // Declared first so it is destroyed last: owned tables and memories write into it.
  std::unique_ptr<uint8_t, VMContextDeleter> vmctx_;
  InstanceConfig config_;
  std::vector<std::unique_ptr<LinearMemory>> owned_memories_;
  std::vector<std::unique_ptr<Table>> owned_tables_;
  std::vector<LinearMemory*> memories_;  // all, imported first
  std::vector<Table*> tables_;
  std::vector<std::vector<void*>> elems_;
  std::vector<bool> elem_dropped_;
  std::vector<bool> data_dropped_;
};

}  // namespace kiln::runtime::vm
