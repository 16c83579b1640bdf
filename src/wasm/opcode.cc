// wasm/opcode.cc: the opcode info table (from wasm/opcodes.def) and (prefix, code) -> Opcode lookup.
#include "wasm/opcode.h"

#include <array>

namespace kiln::wasm {

namespace detail {
constexpr OpcodeInfo kOpcodeInfos[] = {
#define KILN_OPCODE(name, prefix, code, text, imm, sig, align, proposal) \
  {prefix, code, text, ImmKind::imm, sig, align, Proposal::proposal},
#include "wasm/opcodes.def"
#undef KILN_OPCODE
};
static_assert(sizeof(kOpcodeInfos) / sizeof(kOpcodeInfos[0]) == kNumOpcodes);
}  // namespace detail

namespace {

constexpr const OpcodeInfo* kInfos = detail::kOpcodeInfos;

// Direct tables per prefix space. Every space is small (the largest, SIMD, tops out at 0x113),
// so a dense array of uint16_t with a "none" sentinel gives O(1) lookup and fits in ~1.5 KiB.
using detail::kNoOpcode;
constexpr uint32_t kOneByteSize = 256;
constexpr uint32_t kGcSize = 32;
constexpr uint32_t kMiscSize = 32;
constexpr uint32_t kSimdSize = 0x120;
constexpr uint32_t kAtomicSize = 0x50;

struct Tables {
  std::array<uint16_t, kOneByteSize> one_byte;
  std::array<uint16_t, kGcSize> gc;
  std::array<uint16_t, kMiscSize> misc;
  std::array<uint16_t, kSimdSize> simd;
  std::array<uint16_t, kAtomicSize> atomic;
};

// Returns the slot for (prefix, code) or nullptr if the code is beyond the space's table.
constexpr uint16_t* slot(Tables& t, uint8_t prefix, uint32_t code) {
  switch (prefix) {
    case 0x00: return code < kOneByteSize ? &t.one_byte[code] : nullptr;
    case 0xFB: return code < kGcSize ? &t.gc[code] : nullptr;
    case 0xFC: return code < kMiscSize ? &t.misc[code] : nullptr;
    case 0xFD: return code < kSimdSize ? &t.simd[code] : nullptr;
    case 0xFE: return code < kAtomicSize ? &t.atomic[code] : nullptr;
    default: return nullptr;
  }
}

constexpr Tables build_tables() {
  Tables t{};
  t.one_byte.fill(kNoOpcode);
  t.gc.fill(kNoOpcode);
  t.misc.fill(kNoOpcode);
  t.simd.fill(kNoOpcode);
  t.atomic.fill(kNoOpcode);
  for (uint32_t i = 0; i < kNumOpcodes; ++i) {
    uint16_t* s = slot(t, kInfos[i].prefix, kInfos[i].code);
    // A table entry outside its space (or a duplicate) fails the constant evaluation below,
    // so a bad edit of opcodes.def is a compile error rather than a silent lookup miss.
    if (s == nullptr || *s != kNoOpcode) throw "opcodes.def: code out of table range or duplicated";
    *s = static_cast<uint16_t>(i);
  }
  return t;
}

constexpr Tables kTables = build_tables();

}  // namespace

namespace detail {
const uint16_t kOneByteOpcodes[256] = {
#define X8(i) kTables.one_byte[i], kTables.one_byte[i + 1], kTables.one_byte[i + 2], kTables.one_byte[i + 3], \
              kTables.one_byte[i + 4], kTables.one_byte[i + 5], kTables.one_byte[i + 6], kTables.one_byte[i + 7]
#define X64(i) X8(i), X8(i + 8), X8(i + 16), X8(i + 24), X8(i + 32), X8(i + 40), X8(i + 48), X8(i + 56)
    X64(0), X64(64), X64(128), X64(192)
#undef X64
#undef X8
};
}  // namespace detail

bool lookup_opcode(uint8_t prefix, uint32_t code, Opcode* out) {
  uint16_t v = kNoOpcode;
  switch (prefix) {
    case 0x00: if (code < kOneByteSize) v = kTables.one_byte[code]; break;
    case 0xFB: if (code < kGcSize) v = kTables.gc[code]; break;
    case 0xFC: if (code < kMiscSize) v = kTables.misc[code]; break;
    case 0xFD: if (code < kSimdSize) v = kTables.simd[code]; break;
    case 0xFE: if (code < kAtomicSize) v = kTables.atomic[code]; break;
    default: break;
  }
  if (v == kNoOpcode) return false;
  *out = static_cast<Opcode>(v);
  return true;
}

}  // namespace kiln::wasm
