// runtime/trap.h: Trap, what a call into Wasm that did not return reports: the trap code (or a
// host function's error), the spec message, and a Wasm backtrace with function names from the
// name section.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "environ/trap_codes.h"

namespace kiln::runtime {

struct FrameInfo {
  uint32_t func_index = 0;
  std::optional<std::string> func_name;    // from the name section
  std::optional<std::string> module_name;  // from the name section
  uint32_t func_offset = 0;                // of the pc from the function's first byte of code
  // The function's code was inlined into the next frame's function: func_offset is that of
  // the pc in the next frame's code.
  bool inlined = false;
};

struct Trap {
  std::optional<environ::TrapCode> code;  // none when a host function returned an error
  std::string message;                    // "integer divide by zero", or the host error
  std::vector<FrameInfo> backtrace;       // innermost first
  bool backtrace_truncated = false;

  // Wasmtime style: the message, then "wasm backtrace:" and one line per frame.
  std::string to_string() const;
};

}  // namespace kiln::runtime
