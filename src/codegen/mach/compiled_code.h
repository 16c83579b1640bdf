// codegen/mach/compiled_code.h: the output of a backend for one function: code bytes,
// relocations, trap table and frame information.
#pragma once

#include <cstdint>
#include <vector>

#include "codegen/ir/dfg.h"
#include "codegen/ir/instructions.h"

namespace kiln::codegen::mach {

enum class RelocKind : uint8_t {
  // 4-byte pc-relative field: value = target + addend - (code base + offset). Used by
  // `call rel32`/`jmp rel32` to colocated functions and `lea r, [rip+rel32]` (func_addr).
  kPcRel4,
  // 8-byte absolute address: value = target + addend (`mov r, imm64` for far callees).
  kAbs8,
};

struct Relocation {
  uint32_t offset = 0;  // of the field to patch, from the start of the code
  RelocKind kind = RelocKind::kPcRel4;
  ir::ExternalName target;
  int64_t addend = 0;
};

// An instruction that traps: a ud2 (explicit trap) or a load/store that may fault on a guard
// page. The runtime's signal handler looks the faulting pc up here.
struct TrapSite {
  uint32_t offset = 0;
  ir::TrapCode code = ir::TrapCode::kUnreachable;
};

// A trap site or call return address inside code inlined from another function: the
// backtrace shows a frame of `callee` (a Wasm function index, as ir::Function::inline_sites)
// above the frame of the function the code is in. A call's return address may be the offset
// of the next instruction's trap site, so the two kinds are told apart.
struct InlineFrame {
  uint32_t offset = 0;  // a trap site's offset, or a call's return address (`call`)
  uint32_t callee = 0;
  bool call = false;
};

struct FrameInfo {
  uint32_t frame_size = 0;         // bytes below the saved rbp (callee saves, slots, spills)
  uint32_t callee_saved_mask = 0;  // hardware numbers of the saved GPRs
  uint32_t spill_slots = 0;
};

struct CompiledCode {
  std::vector<uint8_t> code;  // instructions, then read-only data (constants, jump tables)
  uint32_t alignment = 16;    // required alignment of the code's start (a power of two)
  uint32_t code_size = 0;     // bytes of instructions (the rest is data)
  std::vector<Relocation> relocations;
  std::vector<TrapSite> traps;  // sorted by offset
  std::vector<InlineFrame> inline_frames;  // sorted by (offset, call)
  FrameInfo frame;
};

}  // namespace kiln::codegen::mach
