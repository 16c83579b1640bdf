// runtime/vm/code_memory.cc: code layout, relocation and publication.
#include "runtime/vm/code_memory.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace kiln::runtime::vm {

using environ::CompiledFunction;
using environ::RelocKind;
using environ::RelocTarget;

namespace {

constexpr uint64_t kMaxCodeSize = uint64_t{1} << 30;  // keeps every rel32 in range

Error bad(const std::string& what) { return Error(ErrorKind::kOther, "code memory: " + what); }

bool valid_alignment(uint32_t a) { return a != 0 && (a & (a - 1)) == 0 && a <= 4096; }

}  // namespace

void flush_instruction_cache(const void* start, size_t len) {
  auto* b = static_cast<char*>(const_cast<void*>(start));
  __builtin___clear_cache(b, b + len);
}

Expected<std::unique_ptr<CodeMemory>> CodeMemory::create(const CodeMemoryInput& input) {
  std::unique_ptr<CodeMemory> cm(new CodeMemory());

  // Layout: functions then trampolines, each at its alignment.
  uint64_t at = 0;
  auto place = [&](const CompiledFunction& f, std::vector<uint32_t>& offsets) -> Expected<void> {
    if (!valid_alignment(f.alignment)) return bad("bad alignment");
    at = (at + f.alignment - 1) & ~uint64_t{f.alignment - 1};
    offsets.push_back(static_cast<uint32_t>(at));
    at += f.code.size();
    if (at > kMaxCodeSize) return bad("code too large");
    return {};
  };
  for (const CompiledFunction& f : input.functions) KILN_TRY(place(f, cm->func_offsets_));
  for (const CompiledFunction& f : input.trampolines) KILN_TRY(place(f, cm->trampoline_offsets_));
  cm->text_size_ = at;

  KILN_ASSIGN_OR_RETURN(cm->mapping_, Mmap::allocate(std::max<uint64_t>(at, 1)));
  uint8_t* base = cm->mapping_.data();
  const auto code_base = reinterpret_cast<uintptr_t>(base);

  auto target_address = [&](const RelocTarget& t, uintptr_t& out) -> Expected<void> {
    switch (t.kind) {
      case RelocTarget::Kind::kDefinedFunc:
        if (t.index >= cm->func_offsets_.size()) return bad("relocation to unknown function");
        out = code_base + cm->func_offsets_[t.index];
        return {};
      case RelocTarget::Kind::kBuiltin:
        if (t.index >= environ::kNumBuiltins || input.builtins == nullptr) {
          return bad("relocation to unknown builtin");
        }
        out = reinterpret_cast<uintptr_t>(input.builtins[t.index]);
        return {};
    }
    return bad("bad relocation target");
  };

  auto install = [&](const CompiledFunction& f, uint32_t offset,
                     std::optional<environ::FuncIndex> func) -> Expected<void> {
    std::memcpy(base + offset, f.code.data(), f.code.size());
    const uint64_t size = f.code.size();
    for (const environ::Relocation& r : f.relocations) {
      uintptr_t target = 0;
      KILN_TRY(target_address(r.target, target));
      const uint64_t width = r.kind == RelocKind::kX86PCRel4 ? 4 : 8;
      if (size < width || r.offset > size - width) return bad("relocation outside its function");
      uint8_t* site = base + offset + r.offset;
      if (r.kind == RelocKind::kX86PCRel4) {
        // Wrapping arithmetic in u64, then a range check on the signed result.
        auto value = static_cast<int64_t>(target + static_cast<uint64_t>(r.addend) -
                                          reinterpret_cast<uintptr_t>(site));
        if (value < INT32_MIN || value > INT32_MAX) return bad("pc-relative relocation out of range");
        auto v32 = static_cast<int32_t>(value);
        std::memcpy(site, &v32, 4);
      } else {
        uint64_t value = target + static_cast<uint64_t>(r.addend);
        std::memcpy(site, &value, 8);
      }
    }
    uint32_t prev = 0;
    bool first = true;
    for (const environ::TrapSite& t : f.traps) {
      if (t.code_offset >= size) return bad("trap site outside its function");
      if (!first && t.code_offset <= prev) return bad("trap sites not sorted");
      first = false;
      prev = t.code_offset;
      cm->info_.traps.push_back({offset + t.code_offset, t.code});
    }
    if (func && size != 0) {
      cm->info_.funcs.push_back({offset, static_cast<uint32_t>(offset + size), *func});
    }
    return {};
  };
  // Functions and trampolines are laid out in increasing offsets, so traps and funcs come out
  // sorted.
  for (size_t i = 0; i < input.functions.size(); ++i) {
    KILN_TRY(install(input.functions[i], cm->func_offsets_[i],
                     environ::FuncIndex(input.num_imported_funcs + static_cast<uint32_t>(i))));
  }
  for (size_t i = 0; i < input.trampolines.size(); ++i) {
    KILN_TRY(install(input.trampolines[i], cm->trampoline_offsets_[i], std::nullopt));
  }

  // W^X: the mapping was only ever read-write; from here on it is only read+execute.
  KILN_TRY(cm->mapping_.make_executable(0, cm->mapping_.size()));
  flush_instruction_cache(base, cm->mapping_.size());

  cm->info_.start = code_base;
  cm->info_.end = code_base + std::max<uint64_t>(at, 1);
  cm->info_.owner = input.owner;
  register_code(&cm->info_);
  cm->registered_ = true;
  return cm;
}

CodeMemory::~CodeMemory() {
  // Unregister first: after this no signal handler can look at info_ or the code.
  if (registered_) unregister_code(&info_);
}

}  // namespace kiln::runtime::vm
