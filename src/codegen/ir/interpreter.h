// codegen/ir/interpreter.h: executes IR functions directly; the oracle for filetests and
// differential fuzzing against compiled code.
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "codegen/ir/eval.h"
#include "codegen/ir/function.h"
#include "support/error.h"

namespace kiln::codegen::ir {

struct InterpResult {
  bool trapped = false;
  TrapCode trap = TrapCode::kUnreachable;
  std::vector<DataValue> values;  // the returned values, if not trapped
};

// Address space seen by interpreted code: the heap at [0, heap size), stack slots from
// kStackBase, function addresses (func_addr) from kFuncBase. Loads and stores outside the
// heap and the live stack trap heap_oob, as a guard page would.
class Interpreter {
 public:
  static constexpr uint64_t kStackBase = uint64_t{1} << 40;
  static constexpr uint64_t kFuncBase = uint64_t{2} << 40;
  static constexpr uint32_t kMaxCallDepth = 1000;  // deeper calls trap stk_ovf

  explicit Interpreter(size_t heap_bytes = 65536) : heap_(heap_bytes, 0) {}

  // Makes f callable by call/func_addr under its name (%name) or the given external name.
  // The function must outlive the interpreter and must have passed the verifier.
  void add_function(const Function& f);
  void add_function(const ExternalName& name, const Function& f);
  std::vector<uint8_t>& heap() { return heap_; }
  // Instructions allowed per call() before it gives up with an error (runaway loops).
  void set_fuel(uint64_t fuel) { fuel_limit_ = fuel; }

  // Runs a verified function. Traps are results; errors are for things compiled code could
  // not do either (wrong argument types, calls to unknown functions, fuel exhausted,
  // faulting notrap accesses).
  [[nodiscard]] Expected<InterpResult> call(const Function& f, std::span<const DataValue> args);

 private:
  struct Frame;
  Expected<InterpResult> run(const Function* f, std::vector<DataValue> args, uint32_t depth);
  // Translates [addr, addr+size) to host memory, or nullptr if it is not accessible.
  uint8_t* translate(uint64_t addr, int64_t offset, uint32_t size);
  Expected<const Function*> resolve(const Function& caller, FuncRef fr, uint64_t* index);

  std::vector<uint8_t> heap_;
  std::vector<uint8_t> stack_;
  std::vector<const Function*> funcs_;
  std::map<std::string, size_t> by_name_;
  uint64_t fuel_limit_ = 100'000'000;
  uint64_t fuel_ = 0;
};

}  // namespace kiln::codegen::ir
