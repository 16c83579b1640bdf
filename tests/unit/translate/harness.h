// tests/unit/translate/harness.h: runs translated Wasm functions in the IR interpreter over a
// fake VM laid out in the interpreter's heap: a VMContext (environ/vmoffsets.h), type ids,
// a builtins table pointing at IR implementations, tables and linear memories.
#pragma once

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "codegen/ir/interpreter.h"
#include "codegen/ir/verifier.h"
#include "codegen/translate/translate.h"
#include "environ/builtins.h"
#include "environ/tunables.h"
#include "environ/vmoffsets.h"
#include "wasm/module.h"

namespace kiln::codegen::translate::testing {

// Heap layout of the fake VM.
inline constexpr uint64_t kTypeIds = 0x400;
inline constexpr uint64_t kBuiltins = 0x800;
inline constexpr uint64_t kTables = 0x1000;  // 0x400 bytes (128 elements) per table
inline constexpr uint64_t kTableBytes = 0x400;
inline constexpr uint64_t kVmctx = 0x4000;
inline constexpr uint64_t kMemories = 0x10000;  // 0x40000 bytes (4 pages) per memory
inline constexpr uint64_t kMemoryBytes = 0x40000;
inline constexpr uint64_t kMemoryMaxPages = 4;

// Tunables that force explicit bounds checks, so out-of-bounds accesses trap in the
// interpreter as they would through the guard region natively.
environ::Tunables checked_tunables();

class Harness {
 public:
  // Parses, decodes, validates and translates every defined function (optionally optimizing),
  // verifies each, and sets up the fake VM. `imports` are IR text functions implementing the
  // imported functions, in import order (wasm signature).
  Expected<void> load(std::string_view wat, bool optimize, environ::Tunables tunables = checked_tunables(),
                      std::vector<std::string> imports = {});

  Expected<ir::InterpResult> call(uint32_t func_index, std::vector<ir::DataValue> args);
  // Calls a function returning one i32/i64 result; a trap gives -1000 - (int)code.
  int64_t call_int(uint32_t func_index, std::vector<ir::DataValue> args);
  ir::TrapCode call_trap(uint32_t func_index, std::vector<ir::DataValue> args);

  uint8_t* memory(uint32_t defined_mem) {
    return interp_.heap().data() + kMemories + defined_mem * kMemoryBytes;
  }
  const ir::Function& function(uint32_t defined_index) const { return funcs_[defined_index]; }
  const wasm::Module& module() const { return module_; }
  std::string error;  // set by call_int/call_trap on unexpected outcomes

 private:
  void write64(uint64_t addr, uint64_t v) { std::memcpy(interp_.heap().data() + addr, &v, 8); }
  void write32(uint64_t addr, uint32_t v) { std::memcpy(interp_.heap().data() + addr, &v, 4); }
  Expected<void> setup_vm();
  Expected<void> add_builtins();

  wasm::Module module_;
  std::optional<environ::VMOffsets> offsets_;
  environ::Tunables tunables_;
  std::vector<ir::Function> funcs_;     // defined functions
  std::vector<ir::Function> imports_;   // imported function implementations
  std::vector<ir::Function> builtins_;  // IR implementations of some builtins
  ir::Interpreter interp_{kMemories + 2 * kMemoryBytes + 0x10000};
  uint32_t registered_ = 0;
};

inline ir::DataValue i32(int32_t v) { return ir::DataValue::make(ir::kI32, static_cast<uint32_t>(v)); }
inline ir::DataValue i64(int64_t v) { return ir::DataValue::make(ir::kI64, static_cast<uint64_t>(v)); }
inline ir::DataValue f32(float v) { return ir::DataValue::from_f32(v); }
inline ir::DataValue f64(double v) { return ir::DataValue::from_f64(v); }

}  // namespace kiln::codegen::translate::testing
