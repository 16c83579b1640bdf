// codegen/isa/x64/disasm.cc: capstone-based disassembler; the only file including capstone.
#include "codegen/isa/x64/disasm.h"

#include <capstone/capstone.h>

#include <cstdio>

namespace kiln::codegen::x64 {

namespace {

std::string run(std::span<const uint8_t> code, uint64_t base, bool offsets) {
  std::string out;
  csh handle;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) return "<capstone unavailable>\n";
  const uint8_t* p = code.data();
  size_t left = code.size();
  uint64_t addr = base;
  cs_insn* insn = cs_malloc(handle);
  char buf[64];
  while (left > 0) {
    if (cs_disasm_iter(handle, &p, &left, &addr, insn)) {
      if (offsets) {
        std::snprintf(buf, sizeof buf, "%4llx: ", static_cast<unsigned long long>(insn->address));
        out += buf;
      }
      out += insn->mnemonic;
      if (insn->op_str[0]) out += std::string(" ") + insn->op_str;
      out += "\n";
    } else {
      if (offsets) {
        std::snprintf(buf, sizeof buf, "%4llx: ", static_cast<unsigned long long>(addr));
        out += buf;
      }
      std::snprintf(buf, sizeof buf, ".byte 0x%02x\n", *p);
      out += buf;
      ++p;
      --left;
      ++addr;
    }
  }
  cs_free(insn, 1);
  cs_close(&handle);
  return out;
}

}  // namespace

std::string disassemble(std::span<const uint8_t> code, uint64_t base) { return run(code, base, true); }
std::string disassemble_text(std::span<const uint8_t> code) { return run(code, 0, false); }

}  // namespace kiln::codegen::x64
