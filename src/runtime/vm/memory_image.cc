// runtime/vm/memory_image.cc: deciding which memories get a copy-on-write image, and laying
// the images out (the memfd and mapping calls are in sys/<os>/memory_image.cc).
#include "runtime/vm/memory_image.h"

#include <algorithm>
#include <optional>

#include "runtime/vm/mmap.h"
#include "wasm/instr_reader.h"
#include "wasm/opcode.h"

namespace kiln::runtime::vm {

namespace {

// The offset of a constant expression that is exactly `i32.const N end`, as the unsigned
// 32-bit address the spec uses; nullopt for any other expression (global.get, extended
// constant expressions): those are evaluated at instantiation.
std::optional<uint64_t> constant_i32_offset(const wasm::Module& m, wasm::ConstExpr expr) {
  wasm::InstrReader reader(m.at(expr), m.at(expr) + expr.size, expr.offset, wasm::Features::all());
  wasm::Opcode op;
  wasm::Imm imm;
  if (!reader.next(&op, &imm) || op != wasm::Opcode::kI32Const) return std::nullopt;
  uint64_t value = static_cast<uint32_t>(imm.value);
  if (!reader.next(&op, &imm) || op != wasm::Opcode::kEnd || !reader.at_end()) return std::nullopt;
  return value;
}

struct Placed {
  uint32_t segment;
  uint64_t offset;
};

}  // namespace

Expected<ModuleMemoryImages> ModuleMemoryImages::build(const wasm::Module& m, const environ::Tunables& tunables) {
  ModuleMemoryImages out;
  const uint32_t num_imported = m.num_imported_memories;
  const uint32_t num_defined = static_cast<uint32_t>(m.memory_types.size()) - num_imported;
  out.images.resize(num_defined);
  out.in_image.assign(m.datas.size(), false);
  out.offsets.assign(m.datas.size(), 0);
  if (num_defined == 0 || m.datas.empty()) return out;

  const uint64_t page = host_page_size();
  std::vector<std::vector<Placed>> placed(num_defined);
  std::vector<bool> eligible(num_defined, true);
  for (uint32_t d = 0; d < num_defined; ++d) {
    const wasm::MemoryType& type = m.memory_types[num_imported + d];
    eligible[d] = !type.limits.shared && environ::memory_style(type, tunables) == environ::MemoryStyle::kStatic;
  }
  for (uint32_t s = 0; s < m.datas.size(); ++s) {
    const wasm::DataSegment& seg = m.datas[s];
    if (seg.mode != wasm::SegmentMode::kActive || seg.memory < num_imported) continue;
    uint32_t d = seg.memory - num_imported;
    if (d >= num_defined || !eligible[d]) continue;
    std::optional<uint64_t> offset = constant_i32_offset(m, seg.offset);
    // The minimum size in bytes cannot overflow here: a static memory's maximum is within the
    // reservation, and the minimum is at most the maximum (validation).
    uint64_t min_bytes = m.memory_types[seg.memory].limits.min * environ::kWasmPageSize;
    if (!offset || seg.init.size > min_bytes || *offset > min_bytes - seg.init.size) {
      eligible[d] = false;  // evaluated (and possibly trapping) at instantiation
      continue;
    }
    placed[d].push_back({s, *offset});
  }

  for (uint32_t d = 0; d < num_defined; ++d) {
    if (!eligible[d]) continue;
    uint64_t lo = UINT64_MAX, hi = 0, data_bytes = 0;
    for (const Placed& p : placed[d]) {
      uint64_t len = m.datas[p.segment].init.size;
      if (len == 0) continue;
      lo = std::min(lo, p.offset);
      hi = std::max(hi, p.offset + len);
      data_bytes += len;
    }
    if (data_bytes == 0) continue;  // nothing to write: the memory starts zeroed anyway
    uint64_t start = lo / page * page;
    uint64_t end = 0;
    if (!round_up_to_page(hi, end)) continue;
    // end <= the minimum size, itself a multiple of 64 KiB and so of the host page size.
    uint64_t span = end - start;
    if (span > std::max(kDenseImageBytes, 2 * data_bytes)) continue;

    KILN_ASSIGN_OR_RETURN(std::unique_ptr<MemoryImage> image, MemoryImage::create(start, span));
    // In segment order, so a later segment overwrites an earlier one, as eager application does.
    for (const Placed& p : placed[d]) {
      const wasm::ByteRange r = m.datas[p.segment].init;
      if (r.size != 0) KILN_TRY(image->write(p.offset - start, m.at(r), r.size));
    }
    KILN_TRY(image->seal());
    out.images[d] = std::move(image);
    for (const Placed& p : placed[d]) {
      out.in_image[p.segment] = true;
      out.offsets[p.segment] = p.offset;
    }
  }
  for (uint32_t s = 0; s < m.datas.size(); ++s) {
    if (m.datas[s].mode == wasm::SegmentMode::kActive && !out.in_image[s]) out.eager_active.push_back(s);
  }
  return out;
}

}  // namespace kiln::runtime::vm
