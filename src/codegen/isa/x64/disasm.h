// codegen/isa/x64/disasm.h: x86-64 disassembly (capstone) for tests, goldens and tools.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace kiln::codegen::x64 {

// One line per instruction: "  <offset hex>: <mnemonic> <operands>" (Intel syntax). Bytes
// capstone cannot decode are printed as ".byte 0x..", one per line.
std::string disassemble(std::span<const uint8_t> code, uint64_t base = 0);
// The same without offsets, for goldens that should not move when code size changes.
std::string disassemble_text(std::span<const uint8_t> code);

}  // namespace kiln::codegen::x64
