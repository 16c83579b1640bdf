// environ/vmoffsets.cc: computes a module's VMContext layout from vmcontext.def.
#include "environ/vmoffsets.h"

namespace kiln::environ {

VMCounts VMCounts::for_module(const wasm::Module& m) {
  VMCounts c;
  c.num_imported_funcs = m.num_imported_funcs;
  c.num_imported_tables = m.num_imported_tables;
  c.num_imported_memories = m.num_imported_memories;
  c.num_imported_globals = m.num_imported_globals;
  auto n_mem = static_cast<uint32_t>(m.memory_types.size());
  c.num_defined_memories = n_mem > m.num_imported_memories ? n_mem - m.num_imported_memories : 0;
  c.num_defined_tables = static_cast<uint32_t>(m.tables.size());
  c.num_defined_globals = static_cast<uint32_t>(m.globals.size());
  c.num_funcs = m.num_funcs();
  return c;
}

Expected<VMOffsets> VMOffsets::create(const VMCounts& counts) {
  // Compiled code addresses the VMContext with signed 32-bit displacements; stay well inside.
  constexpr uint64_t kMaxSize = uint64_t{1} << 30;
  VMOffsets o;
  o.counts_ = counts;
  uint64_t at = header_size();
  uint32_t* slots[] = {
#define KILN_VMCTX_ARRAY(name, count, elem, bytes, align) &o.name##_,
#include "environ/vmcontext.def"
#undef KILN_VMCTX_ARRAY
  };
  const uint64_t counts_in_order[] = {
#define KILN_VMCTX_ARRAY(name, count, elem, bytes, align) counts.count,
#include "environ/vmcontext.def"
#undef KILN_VMCTX_ARRAY
  };
  const uint64_t sizes[] = {
#define KILN_VMCTX_ARRAY(name, count, elem, bytes, align) bytes,
#include "environ/vmcontext.def"
#undef KILN_VMCTX_ARRAY
  };
  const uint64_t aligns[] = {
#define KILN_VMCTX_ARRAY(name, count, elem, bytes, align) align,
#include "environ/vmcontext.def"
#undef KILN_VMCTX_ARRAY
  };
  for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); ++i) {
    at = (at + aligns[i] - 1) & ~(aligns[i] - 1);
    *slots[i] = static_cast<uint32_t>(at);
    at += counts_in_order[i] * sizes[i];  // counts < 2^32, sizes <= 32: no overflow in u64
    if (at > kMaxSize) return Error(ErrorKind::kOther, "module too large for a VMContext");
  }
  o.size_ = static_cast<uint32_t>((at + 15) & ~uint64_t{15});
  return o;
}

}  // namespace kiln::environ
