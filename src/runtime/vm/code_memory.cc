// runtime/vm/code_memory.cc: code layout, relocation and publication, and loading of
// precompiled images.
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

uint64_t reloc_width(RelocKind k) { return k == RelocKind::kX86PCRel4 ? 4 : 8; }

// Whether a relocation's value is the same wherever the code is loaded: a pc-relative
// reference to a function of the same code region.
bool position_independent(RelocKind k, const RelocTarget& t) {
  return k == RelocKind::kX86PCRel4 && t.kind == RelocTarget::Kind::kDefinedFunc;
}

// Resolves targets against one code region.
struct Resolver {
  uintptr_t code_base;
  std::span<const uint32_t> func_offsets;
  const void* const* builtins;

  Expected<uintptr_t> address(const RelocTarget& t) const {
    switch (t.kind) {
      case RelocTarget::Kind::kDefinedFunc:
        if (t.index >= func_offsets.size()) return bad("relocation to unknown function");
        return code_base + func_offsets[t.index];
      case RelocTarget::Kind::kBuiltin:
        if (t.index >= environ::kNumBuiltins || builtins == nullptr) {
          return bad("relocation to unknown builtin");
        }
        return reinterpret_cast<uintptr_t>(builtins[t.index]);
    }
    return bad("bad relocation target");
  }

  // Patches the field at `site` (checked by the caller to lie inside the code).
  Expected<void> apply(uint8_t* site, RelocKind kind, const RelocTarget& target, int64_t addend) const {
    KILN_ASSIGN_OR_RETURN(uintptr_t t, address(target));
    if (kind == RelocKind::kX86PCRel4) {
      // Wrapping arithmetic in u64, then a range check on the signed result.
      auto value = static_cast<int64_t>(t + static_cast<uint64_t>(addend) - reinterpret_cast<uintptr_t>(site));
      if (value < INT32_MIN || value > INT32_MAX) return bad("pc-relative relocation out of range");
      auto v32 = static_cast<int32_t>(value);
      std::memcpy(site, &v32, 4);
    } else {
      uint64_t value = t + static_cast<uint64_t>(addend);
      std::memcpy(site, &value, 8);
    }
    return {};
  }
};

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
  for (const CompiledFunction& f : input.functions) {
    KILN_TRY(place(f, cm->func_offsets_));
    cm->func_sizes_.push_back(static_cast<uint32_t>(f.code.size()));
  }
  for (const CompiledFunction& f : input.trampolines) KILN_TRY(place(f, cm->trampoline_offsets_));
  cm->text_size_ = at;

  KILN_ASSIGN_OR_RETURN(cm->mapping_, Mmap::allocate(std::max<uint64_t>(at, 1)));
  uint8_t* base = cm->mapping_.data();
  cm->base_ = base;
  Resolver resolver{reinterpret_cast<uintptr_t>(base), cm->func_offsets_, input.builtins};

  auto install = [&](const CompiledFunction& f, uint32_t offset,
                     std::optional<environ::FuncIndex> func) -> Expected<void> {
    std::memcpy(base + offset, f.code.data(), f.code.size());
    const uint64_t size = f.code.size();
    for (const environ::Relocation& r : f.relocations) {
      const uint64_t width = reloc_width(r.kind);
      if (size < width || r.offset > size - width) return bad("relocation outside its function");
      KILN_TRY(resolver.apply(base + offset + r.offset, r.kind, r.target, r.addend));
      if (!position_independent(r.kind, r.target)) {
        cm->load_relocations_.push_back({offset + r.offset, r.kind, r.target, r.addend});
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
    bool first_inl = true;
    for (const environ::InlinedFrame& fr : f.inline_frames) {
      // A return address may be the function's end (a call as its last instruction).
      if (fr.code_offset > size || (!fr.call && fr.code_offset == size)) {
        return bad("inlined frame outside its function");
      }
      InlineFrameEntry e{offset + fr.code_offset, fr.func, fr.call};
      if (!first_inl) {
        const InlineFrameEntry& p = cm->info_.inlined.back();
        if (e.offset < p.offset || (e.offset == p.offset && e.call <= p.call)) {
          return bad("inlined frames not sorted");
        }
      }
      first_inl = false;
      cm->info_.inlined.push_back(e);
    }
    if (func && size != 0) {
      cm->info_.funcs.push_back({offset, static_cast<uint32_t>(offset + size), *func});
    }
    return {};
  };
  // Functions and trampolines are laid out in increasing offsets, so traps, funcs and load
  // relocations come out sorted.
  for (size_t i = 0; i < input.functions.size(); ++i) {
    KILN_TRY(install(input.functions[i], cm->func_offsets_[i],
                     environ::FuncIndex(input.num_imported_funcs + static_cast<uint32_t>(i))));
  }
  for (size_t i = 0; i < input.trampolines.size(); ++i) {
    KILN_TRY(install(input.trampolines[i], cm->trampoline_offsets_[i], std::nullopt));
  }
  std::stable_sort(cm->load_relocations_.begin(), cm->load_relocations_.end(),
                   [](const LoadRelocation& a, const LoadRelocation& b) { return a.offset < b.offset; });

  // W^X: the mapping was only ever read-write; from here on it is only read+execute.
  KILN_TRY(cm->mapping_.make_executable(0, cm->mapping_.size()));
  flush_instruction_cache(base, cm->mapping_.size());
  cm->publish(at);
  cm->info_.owner = input.owner;
  register_code(&cm->info_);
  cm->registered_ = true;
  return cm;
}

void CodeMemory::publish(uint64_t text_size) {
  const auto code_base = reinterpret_cast<uintptr_t>(base_);
  info_.start = code_base;
  info_.end = code_base + std::max<uint64_t>(text_size, 1);
}

Expected<std::unique_ptr<CodeMemory>> CodeMemory::load(const CodeImage& image) {
  const uint64_t text_size = image.text.size();
  if (text_size > kMaxCodeSize) return bad("code too large");
  if (image.func_offsets.size() != image.func_sizes.size()) return bad("function table sizes differ");

  std::unique_ptr<CodeMemory> cm(new CodeMemory());
  // Functions: inside the text, ascending and disjoint.
  uint64_t end_of_prev = 0;
  for (size_t i = 0; i < image.func_offsets.size(); ++i) {
    uint64_t start = image.func_offsets[i], size = image.func_sizes[i];
    if (start < end_of_prev) return bad("function " + std::to_string(i) + " overlaps the previous one");
    if (start > text_size || size > text_size - start) {
      return bad("function " + std::to_string(i) + " lies outside the text");
    }
    end_of_prev = start + size;
    if (size != 0) {
      cm->info_.funcs.push_back({static_cast<uint32_t>(start), static_cast<uint32_t>(start + size),
                                 environ::FuncIndex(image.num_imported_funcs + static_cast<uint32_t>(i))});
    }
  }
  cm->func_offsets_.assign(image.func_offsets.begin(), image.func_offsets.end());
  cm->func_sizes_.assign(image.func_sizes.begin(), image.func_sizes.end());
  for (size_t i = 0; i < image.traps.size(); ++i) {
    const TrapTableEntry& t = image.traps[i];
    if (t.offset >= text_size) return bad("trap site outside the text");
    if (i > 0 && t.offset <= image.traps[i - 1].offset) return bad("trap sites not sorted");
    if (static_cast<uint32_t>(t.code) >= environ::kNumTrapCodes) return bad("bad trap code");
  }
  cm->info_.traps.assign(image.traps.begin(), image.traps.end());
  for (size_t i = 0; i < image.inline_frames.size(); ++i) {
    const InlineFrameEntry& e = image.inline_frames[i];
    if (e.offset > text_size) return bad("inlined frame outside the text");
    if (e.func.index() >= image.num_funcs) return bad("inlined frame of an unknown function");
    if (i > 0) {
      const InlineFrameEntry& p = image.inline_frames[i - 1];
      if (e.offset < p.offset || (e.offset == p.offset && e.call <= p.call)) {
        return bad("inlined frames not sorted");
      }
    }
  }
  cm->info_.inlined.assign(image.inline_frames.begin(), image.inline_frames.end());
  for (const LoadRelocation& r : image.relocations) {
    const uint64_t width = reloc_width(r.kind);
    if (r.kind != RelocKind::kX86PCRel4 && r.kind != RelocKind::kAbs8) return bad("bad relocation kind");
    if (text_size < width || r.offset > text_size - width) return bad("relocation outside the text");
  }
  cm->load_relocations_.assign(image.relocations.begin(), image.relocations.end());
  cm->text_size_ = text_size;

  const bool patch = !image.relocations.empty();
  if (image.file != nullptr && text_size != 0) {
    // A file on a noexec mount cannot be mapped executable: then the text is copied instead.
    // Mapped read-only, then read+execute (the probe); made read-write only while load
    // relocations are patched.
    Expected<FileCode> mapped = FileCode::map(*image.file, image.file_offset, text_size, false);
    if (mapped && mapped->make_executable()) {
      if (patch) KILN_TRY(mapped->make_writable());
      cm->file_mapping_ = std::move(*mapped);
      cm->base_ = cm->file_mapping_.data();
    }
  }
  if (cm->base_ == nullptr) {
    KILN_ASSIGN_OR_RETURN(cm->mapping_, Mmap::allocate(std::max<uint64_t>(text_size, 1)));
    cm->base_ = cm->mapping_.data();
    if (text_size != 0) std::memcpy(cm->base_, image.text.data(), text_size);
  }
  Resolver resolver{reinterpret_cast<uintptr_t>(cm->base_), cm->func_offsets_, image.builtins};
  for (const LoadRelocation& r : cm->load_relocations_) {
    KILN_TRY(resolver.apply(cm->base_ + r.offset, r.kind, r.target, r.addend));
  }
  // W^X: writable only while patching (or copying); read+execute from here on.
  if (!cm->file_mapping_.data()) {
    KILN_TRY(cm->mapping_.make_executable(0, cm->mapping_.size()));
    flush_instruction_cache(cm->base_, cm->mapping_.size());
  } else {
    KILN_TRY(cm->file_mapping_.make_executable());
    flush_instruction_cache(cm->base_, cm->file_mapping_.size());
  }
  cm->publish(text_size);
  cm->info_.owner = image.owner;
  register_code(&cm->info_);
  cm->registered_ = true;
  return cm;
}

std::vector<uint8_t> CodeMemory::relocatable_text() const {
  std::vector<uint8_t> out(base_, base_ + text_size_);
  for (const LoadRelocation& r : load_relocations_) {
    std::memset(out.data() + r.offset, 0, reloc_width(r.kind));
  }
  return out;
}

CodeMemory::~CodeMemory() {
  // Unregister first: after this no signal handler can look at info_ or the code.
  if (registered_) unregister_code(&info_);
}

}  // namespace kiln::runtime::vm
