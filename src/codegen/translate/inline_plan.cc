// codegen/translate/inline_plan.cc: see inline_plan.h.
#include "codegen/translate/inline_plan.h"

#include <algorithm>

#include "wasm/instr_reader.h"

namespace kiln::codegen::translate {

bool is_inlinable(const wasm::Module& m, const wasm::FuncBody& body, bool single_site) {
  if (body.code.size > (single_site ? kInlineMaxSingleSiteBytes : kInlineMaxSmallBytes)) return false;
  wasm::InstrReader reader(m.at(body.code), m.at(body.code) + body.code.size, body.code.offset,
                           wasm::Features::all());
  wasm::Opcode op;
  wasm::Imm imm;
  while (!reader.at_end()) {
    if (!reader.next(&op, &imm)) return false;
    switch (op) {
      case wasm::Opcode::kCall:
      case wasm::Opcode::kCallIndirect:
      case wasm::Opcode::kCallRef:
        if (!single_site) return false;
        break;
      case wasm::Opcode::kLoop:
      case wasm::Opcode::kReturnCall:
      case wasm::Opcode::kReturnCallIndirect:
      case wasm::Opcode::kReturnCallRef:
      case wasm::Opcode::kTry:
      case wasm::Opcode::kTryTable:
      case wasm::Opcode::kThrow:
      case wasm::Opcode::kThrowRef:
      case wasm::Opcode::kRethrow:
      case wasm::Opcode::kDelegate:
      case wasm::Opcode::kCatch:
      case wasm::Opcode::kCatchAll:
        return false;
      default:
        break;
    }
  }
  return true;
}

namespace {

constexpr uint32_t kNone = UINT32_MAX;
constexpr uint32_t kMany = UINT32_MAX - 1;

// Marks the functions a constant expression names with ref.func.
void mark_ref_funcs(const wasm::Module& m, const wasm::ConstExpr& e, std::vector<bool>& referenced) {
  wasm::InstrReader reader(m.at(e), m.at(e) + e.size, e.offset, wasm::Features::all());
  wasm::Opcode op;
  wasm::Imm imm;
  while (!reader.at_end()) {
    if (!reader.next(&op, &imm)) return;
    if (op == wasm::Opcode::kRefFunc && imm.index < referenced.size()) referenced[imm.index] = true;
  }
}

}  // namespace

InlinePlan plan_inlining(const wasm::Module& m) {
  const uint32_t n = m.num_funcs();
  const uint32_t imported = m.num_imported_funcs;
  InlinePlan plan;
  plan.single_site.assign(n, false);
  plan.absorbed.assign(n, false);
  if (m.bodies.size() != n - imported) return plan;

  // The caller of each function's only call site (kNone: no site, kMany: more than one, or
  // a tail call).
  std::vector<uint32_t> caller(n, kNone);
  std::vector<bool> referenced(n, false);  // reached other than by `call` (below)
  for (uint32_t k = 0; k < m.bodies.size(); ++k) {
    const wasm::FuncBody& body = m.bodies[k];
    wasm::InstrReader reader(m.at(body.code), m.at(body.code) + body.code.size, body.code.offset,
                             wasm::Features::all());
    wasm::Opcode op;
    wasm::Imm imm;
    while (!reader.at_end()) {
      if (!reader.next(&op, &imm)) break;
      if (op == wasm::Opcode::kRefFunc && imm.index < n) referenced[imm.index] = true;
      if ((op != wasm::Opcode::kCall && op != wasm::Opcode::kReturnCall) || imm.index >= n) continue;
      uint32_t& c = caller[imm.index];
      c = c == kNone && op == wasm::Opcode::kCall ? imported + k : kMany;
    }
  }

  // Candidates: one plain call site in another function, inlinable.
  std::vector<bool> candidate(n, false);
  for (uint32_t f = imported; f < n; ++f) {
    uint32_t c = caller[f];
    candidate[f] = c != kNone && c != kMany && c != f &&
                   is_inlinable(m, m.bodies[f - imported], true);
  }
  // One level deep: a candidate whose caller is a candidate too stays a call (of the
  // caller's code, wherever that ends up). This also drops every cycle of candidates.
  std::vector<std::vector<uint32_t>> taken(n);  // per caller, its qualifying callees
  for (uint32_t f = imported; f < n; ++f) {
    if (candidate[f] && !candidate[caller[f]]) taken[caller[f]].push_back(f);
  }
  auto size_of = [&](uint32_t f) { return m.bodies[f - imported].code.size; };
  for (uint32_t c = imported; c < n; ++c) {
    std::vector<uint32_t>& callees = taken[c];
    if (callees.empty()) continue;
    std::stable_sort(callees.begin(), callees.end(),
                     [&](uint32_t a, uint32_t b) { return size_of(a) < size_of(b); });
    uint64_t total = size_of(c);
    for (uint32_t f : callees) {
      if (total + size_of(f) > kInlineMaxCallerBytes) break;
      total += size_of(f);
      plan.single_site[f] = true;
    }
  }

  // What else reaches a function: ref.func in a body (above), exports, the start function,
  // element segments and ref.func in constant expressions.
  for (const wasm::Export& e : m.exports) {
    if (e.kind == wasm::ExternKind::kFunc && e.index < n) referenced[e.index] = true;
  }
  if (m.start && *m.start < n) referenced[*m.start] = true;
  for (const wasm::ElemSegment& s : m.elems) {
    for (uint32_t f : s.func_indices) {
      if (f < n) referenced[f] = true;
    }
    for (const wasm::ConstExpr& e : s.exprs) mark_ref_funcs(m, e, referenced);
  }
  for (const wasm::Global& g : m.globals) mark_ref_funcs(m, g.init, referenced);
  for (const wasm::Table& t : m.tables) {
    if (t.init) mark_ref_funcs(m, *t.init, referenced);
  }
  for (uint32_t f = imported; f < n; ++f) plan.absorbed[f] = plan.single_site[f] && !referenced[f];
  return plan;
}

}  // namespace kiln::codegen::translate
