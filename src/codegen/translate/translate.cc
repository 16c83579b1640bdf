// codegen/translate/translate.cc: the IR view of Wasm types and signatures, and the mapping
// between the runtime's trap codes and the IR's.
#include "codegen/translate/translate.h"

namespace kiln::codegen::translate {

ir::Type ir_type(const wasm::ValType& t) {
  switch (t.kind) {
    case wasm::ValKind::kI32: return ir::kI32;
    case wasm::ValKind::kI64: return ir::kI64;
    case wasm::ValKind::kF32: return ir::kF32;
    case wasm::ValKind::kF64: return ir::kF64;
    case wasm::ValKind::kV128: return ir::kI8x16;
    case wasm::ValKind::kI8: return ir::kI8;
    case wasm::ValKind::kI16: return ir::kI16;
    case wasm::ValKind::kRef:
    case wasm::ValKind::kBot: break;
  }
  return ir::kI64;
}

ir::Signature wasm_call_signature(const wasm::FuncType& ft) {
  ir::Signature s;
  s.params.push_back({ir::kI64, ir::ArgumentPurpose::kVmctx});
  s.params.push_back({ir::kI64, ir::ArgumentPurpose::kNormal});
  for (const wasm::ValType& t : ft.params) s.params.push_back({ir_type(t)});
  for (const wasm::ValType& t : ft.results) s.returns.push_back({ir_type(t)});
  return s;
}

ir::ExternalName wasm_function_name(environ::FuncIndex f) {
  ir::ExternalName n;
  n.is_user = true;
  n.ns = kWasmFunctionNamespace;
  n.index = f.index();
  return n;
}

namespace {

// The Wasm traps the IR names itself; every other code travels as kUserBase + its number.
struct NamedTrap {
  environ::TrapCode wasm;
  ir::TrapCode ir;
};
constexpr NamedTrap kNamedTraps[] = {
    {environ::TrapCode::kStackOverflow, ir::TrapCode::kStackOverflow},
    {environ::TrapCode::kHeapOutOfBounds, ir::TrapCode::kHeapOutOfBounds},
    {environ::TrapCode::kIntegerOverflow, ir::TrapCode::kIntegerOverflow},
    {environ::TrapCode::kIntegerDivisionByZero, ir::TrapCode::kIntegerDivisionByZero},
    {environ::TrapCode::kBadConversionToInteger, ir::TrapCode::kBadConversionToInteger},
    {environ::TrapCode::kTableOutOfBounds, ir::TrapCode::kTableOutOfBounds},
    {environ::TrapCode::kIndirectCallToNull, ir::TrapCode::kIndirectCallToNull},
    {environ::TrapCode::kBadSignature, ir::TrapCode::kBadSignature},
    {environ::TrapCode::kUnreachable, ir::TrapCode::kUnreachable},
    {environ::TrapCode::kInterrupt, ir::TrapCode::kInterrupt},
};

}  // namespace

ir::TrapCode to_ir_trap(environ::TrapCode c) {
  for (const NamedTrap& n : kNamedTraps) {
    if (n.wasm == c) return n.ir;
  }
  return static_cast<ir::TrapCode>(static_cast<uint16_t>(ir::TrapCode::kUserBase) +
                                   static_cast<uint16_t>(c));
}

std::optional<environ::TrapCode> to_wasm_trap(ir::TrapCode c) {
  for (const NamedTrap& n : kNamedTraps) {
    if (n.ir == c) return n.wasm;
  }
  uint16_t raw = static_cast<uint16_t>(c);
  uint16_t base = static_cast<uint16_t>(ir::TrapCode::kUserBase);
  if (raw < base || raw - base > 0xFF) return std::nullopt;
  auto w = environ::trap_code_from_u8(static_cast<uint8_t>(raw - base));
  // A named Wasm trap never travels as a user code, so the mapping stays one-to-one.
  if (w && to_ir_trap(*w) != c) return std::nullopt;
  return w;
}

}  // namespace kiln::codegen::translate
