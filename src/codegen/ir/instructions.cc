// codegen/ir/instructions.cc: opcode properties from opcodes.def, and names of condition codes,
// trap codes and memory flags.
#include "codegen/ir/instructions.h"

#include <charconv>

namespace kiln::codegen::ir {
namespace {

struct OpcodeInfo {
  const char* name;
  InstFormat format;
  TypeShape shape;
  uint8_t flags;
};

constexpr OpcodeInfo kOpcodes[] = {
#define KILN_IR_OPCODE(name, text, format, shape, flags) \
  {text, InstFormat::format, TypeShape::shape, static_cast<uint8_t>(flags)},
#include "codegen/ir/opcodes.def"
};

constexpr const char* kIntCCNames[] = {
#define X(c, s) s,
    KILN_IR_INTCC(X)
#undef X
};
constexpr const char* kFloatCCNames[] = {
#define X(c, s) s,
    KILN_IR_FLOATCC(X)
#undef X
};
constexpr const char* kTrapNames[] = {
#define X(c, s) s,
    KILN_IR_TRAPCODES(X)
#undef X
};

}  // namespace

std::string_view opcode_name(Opcode op) { return kOpcodes[static_cast<size_t>(op)].name; }
TypeShape opcode_shape(Opcode op) { return kOpcodes[static_cast<size_t>(op)].shape; }

std::optional<Opcode> parse_opcode(std::string_view s) {
  for (size_t i = 0; i < kNumOpcodes; ++i) {
    if (s == kOpcodes[i].name) return static_cast<Opcode>(i);
  }
  return std::nullopt;
}

bool has_explicit_type(Opcode op) {
  switch (opcode_shape(op)) {
    case TypeShape::kConstInt:
    case TypeShape::kConstVec:
    case TypeShape::kExtend:
    case TypeShape::kReduce:
    case TypeShape::kFToI:
    case TypeShape::kIToF:
    case TypeShape::kBitcast:
    case TypeShape::kSplat:
    case TypeShape::kLoad:
    case TypeShape::kStackLoad:
    case TypeShape::kStackAddr:
    case TypeShape::kFuncAddr:
    case TypeShape::kVecConvert:
      return true;
    default:
      return false;
  }
}

uint32_t mem_access_bytes(Opcode op, Type t) {
  switch (op) {
    case Opcode::kUload8: case Opcode::kSload8: case Opcode::kIstore8: return 1;
    case Opcode::kUload16: case Opcode::kSload16: case Opcode::kIstore16: return 2;
    case Opcode::kUload32: case Opcode::kSload32: case Opcode::kIstore32: return 4;
    default: return t.bytes();
  }
}

bool load_is_signed(Opcode op) {
  return op == Opcode::kSload8 || op == Opcode::kSload16 || op == Opcode::kSload32;
}

std::string_view intcc_name(IntCC cc) { return kIntCCNames[static_cast<size_t>(cc)]; }
std::string_view floatcc_name(FloatCC cc) { return kFloatCCNames[static_cast<size_t>(cc)]; }

std::optional<IntCC> parse_intcc(std::string_view s) {
  for (size_t i = 0; i < std::size(kIntCCNames); ++i) {
    if (s == kIntCCNames[i]) return static_cast<IntCC>(i);
  }
  return std::nullopt;
}

std::optional<FloatCC> parse_floatcc(std::string_view s) {
  for (size_t i = 0; i < std::size(kFloatCCNames); ++i) {
    if (s == kFloatCCNames[i]) return static_cast<FloatCC>(i);
  }
  return std::nullopt;
}

IntCC intcc_swap_args(IntCC cc) {
  switch (cc) {
    case IntCC::kSlt: return IntCC::kSgt;
    case IntCC::kSgt: return IntCC::kSlt;
    case IntCC::kSle: return IntCC::kSge;
    case IntCC::kSge: return IntCC::kSle;
    case IntCC::kUlt: return IntCC::kUgt;
    case IntCC::kUgt: return IntCC::kUlt;
    case IntCC::kUle: return IntCC::kUge;
    case IntCC::kUge: return IntCC::kUle;
    default: return cc;
  }
}

IntCC intcc_inverse(IntCC cc) {
  switch (cc) {
    case IntCC::kEq: return IntCC::kNe;
    case IntCC::kNe: return IntCC::kEq;
    case IntCC::kSlt: return IntCC::kSge;
    case IntCC::kSge: return IntCC::kSlt;
    case IntCC::kSgt: return IntCC::kSle;
    case IntCC::kSle: return IntCC::kSgt;
    case IntCC::kUlt: return IntCC::kUge;
    case IntCC::kUge: return IntCC::kUlt;
    case IntCC::kUgt: return IntCC::kUle;
    case IntCC::kUle: return IntCC::kUgt;
  }
  return cc;
}

FloatCC floatcc_inverse(FloatCC cc) {
  switch (cc) {
    case FloatCC::kEq: return FloatCC::kNe;
    case FloatCC::kNe: return FloatCC::kEq;
    case FloatCC::kLt: return FloatCC::kUge;
    case FloatCC::kUge: return FloatCC::kLt;
    case FloatCC::kLe: return FloatCC::kUgt;
    case FloatCC::kUgt: return FloatCC::kLe;
    case FloatCC::kGt: return FloatCC::kUle;
    case FloatCC::kUle: return FloatCC::kGt;
    case FloatCC::kGe: return FloatCC::kUlt;
    case FloatCC::kUlt: return FloatCC::kGe;
    case FloatCC::kOrd: return FloatCC::kUno;
    case FloatCC::kUno: return FloatCC::kOrd;
    case FloatCC::kUeq: return FloatCC::kOne;
    case FloatCC::kOne: return FloatCC::kUeq;
  }
  return cc;
}

std::string trapcode_name(TrapCode c) {
  auto v = static_cast<uint32_t>(c);
  if (v >= static_cast<uint32_t>(TrapCode::kUserBase)) {
    return "user" + std::to_string(v - static_cast<uint32_t>(TrapCode::kUserBase));
  }
  if (v < std::size(kTrapNames)) return kTrapNames[v];
  return "trap" + std::to_string(v);
}

std::optional<TrapCode> parse_trapcode(std::string_view s) {
  for (size_t i = 0; i < std::size(kTrapNames); ++i) {
    if (s == kTrapNames[i]) return static_cast<TrapCode>(i);
  }
  if (s.size() > 4 && s.substr(0, 4) == "user") {
    uint32_t n = 0;
    auto r = std::from_chars(s.data() + 4, s.data() + s.size(), n);
    uint32_t max = UINT16_MAX - static_cast<uint32_t>(TrapCode::kUserBase);
    if (r.ec == std::errc() && r.ptr == s.data() + s.size() && n <= max) {
      return static_cast<TrapCode>(static_cast<uint32_t>(TrapCode::kUserBase) + n);
    }
  }
  return std::nullopt;
}

std::string MemFlags::to_string() const {
  std::string s;
  auto add = [&](const char* w) {
    if (!s.empty()) s += ' ';
    s += w;
  };
  if (notrap()) add("notrap");
  if (aligned()) add("aligned");
  if (readonly()) add("readonly");
  switch (region()) {
    case AliasRegion::kHeap: add("heap"); break;
    case AliasRegion::kTable: add("table"); break;
    case AliasRegion::kVmctx: add("vmctx"); break;
    case AliasRegion::kNone: break;
  }
  return s;
}

}  // namespace kiln::codegen::ir
