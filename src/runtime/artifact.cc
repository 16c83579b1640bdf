// runtime/artifact.cc: writing and parsing the .cwasm ELF container (see artifact.h).
#include "runtime/artifact.h"

#include <cstring>
#include <optional>
#include <string_view>

#include "runtime/build_id.h"
#include "runtime/vm/mmap.h"

// The codegen driver's target description (codegen/driver/target_info.cc), bound at link time
// like make_x64_compiler in engine.cc: the runtime does not include codegen headers.
namespace kiln::codegen::driver {
std::string target_isa();
Expected<std::string> resolve_target_features(std::string_view spec);
}  // namespace kiln::codegen::driver

namespace kiln::runtime::artifact {

// Every field of these structs is recorded in the header: a new field changes generated code
// (Tunables) or what validates (Features). When one is added, these stop compiling (a
// structured binding needs exactly as many names as fields): record it in write_settings,
// read_settings_rest, check_compatible and describe (or kFeatureFlags), then update the count.
static_assert([] {
  [[maybe_unused]] auto [reservation, guard, growth, stack, fuel, epoch, nan] = environ::Tunables{};
  return true;
}());
static_assert([] {
  [[maybe_unused]] auto [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19] =
      wasm::Features{};
  return true;
}());

namespace {

// ---- ELF constants (System V gABI) ----
constexpr uint16_t kEtRel = 1;
constexpr uint16_t kEmX86_64 = 62;
constexpr uint32_t kShtProgbits = 1;
constexpr uint32_t kShtSymtab = 2;
constexpr uint32_t kShtStrtab = 3;
constexpr uint32_t kShtNobits = 8;
constexpr uint64_t kShfAlloc = 0x2;
constexpr uint64_t kShfExecinstr = 0x4;
constexpr uint8_t kSttFunc = 2;
constexpr uint64_t kShdrSize = 64;
constexpr uint64_t kSymSize = 24;
constexpr uint64_t kTextAlign = 4096;

constexpr uint64_t kFuncEntry = 8;
constexpr uint64_t kTrapEntry = 8;
constexpr uint64_t kInlineEntry = 12;  // u32 offset, u32 function index, u32 call (0/1)
constexpr uint64_t kRelocEntry = 24;

struct FeatureFlag {
  const char* name;
  bool wasm::Features::*field;
};
constexpr FeatureFlag kFeatureFlags[] = {
    {"mutable-globals", &wasm::Features::mutable_globals},
    {"sign-ext", &wasm::Features::sign_ext},
    {"sat-float-to-int", &wasm::Features::sat_float_to_int},
    {"multi-value", &wasm::Features::multi_value},
    {"bulk-memory", &wasm::Features::bulk_memory},
    {"reference-types", &wasm::Features::reference_types},
    {"simd", &wasm::Features::simd},
    {"relaxed-simd", &wasm::Features::relaxed_simd},
    {"threads", &wasm::Features::threads},
    {"tail-call", &wasm::Features::tail_call},
    {"function-references", &wasm::Features::function_references},
    {"gc", &wasm::Features::gc},
    {"exceptions", &wasm::Features::exceptions},
    {"legacy-exceptions", &wasm::Features::legacy_exceptions},
    {"memory64", &wasm::Features::memory64},
    {"multi-memory", &wasm::Features::multi_memory},
    {"extended-const", &wasm::Features::extended_const},
    {"wide-arithmetic", &wasm::Features::wide_arithmetic},
    {"custom-page-sizes", &wasm::Features::custom_page_sizes},
};

const char* opt_level_name(environ::OptLevel o) {
  switch (o) {
    case environ::OptLevel::kNone: return "0";
    case environ::OptLevel::kSpeed: return "2";
    case environ::OptLevel::kSpeedAndSize: return "s";
  }
  return "?";
}

const char* machine_name(uint16_t m) {
  switch (m) {
    case 3: return "x86 (32-bit)";
    case 40: return "arm";
    case 62: return "x86_64";
    case 183: return "aarch64";
    case 243: return "riscv";
    case 258: return "loongarch";
    default: return nullptr;
  }
}

Error corrupt(const std::string& what) {
  return Error(ErrorKind::kMalformed, "invalid precompiled module: " + what);
}
Error mismatch(const std::string& what) {
  return Error(ErrorKind::kOther, "incompatible precompiled module: " + what);
}

// ---- little-endian writer / bounds-checked reader ----
class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) { put(&v, 2); }
  void u32(uint32_t v) { put(&v, 4); }
  void u64(uint64_t v) { put(&v, 8); }
  void bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
  }
  void align(uint64_t a) {
    while (out_.size() % a != 0) out_.push_back(0);
  }
  uint64_t size() const { return out_.size(); }
  std::vector<uint8_t>& data() { return out_; }
  void patch32(uint64_t at, uint32_t v) { std::memcpy(out_.data() + at, &v, 4); }
  void patch64(uint64_t at, uint64_t v) { std::memcpy(out_.data() + at, &v, 8); }

 private:
  void put(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  std::vector<uint8_t> out_;
};

class Reader {
 public:
  Reader(std::span<const uint8_t> b, std::string what) : b_(b), what_(std::move(what)) {}
  Expected<uint8_t> u8() { return get<uint8_t>(); }
  Expected<uint16_t> u16() { return get<uint16_t>(); }
  Expected<uint32_t> u32() { return get<uint32_t>(); }
  Expected<uint64_t> u64() { return get<uint64_t>(); }
  Expected<std::span<const uint8_t>> bytes(uint64_t n) {
    if (n > b_.size() - pos_) return truncated();
    std::span<const uint8_t> s = b_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  Expected<std::string> str() {
    KILN_ASSIGN_OR_RETURN(uint32_t n, u32());
    if (n > 4096) return corrupt(what_ + ": string of " + std::to_string(n) + " bytes");
    KILN_ASSIGN_OR_RETURN(std::span<const uint8_t> s, bytes(n));
    return std::string(s.begin(), s.end());
  }
  bool done() const { return pos_ == b_.size(); }

 private:
  template <typename T>
  Expected<T> get() {
    if (sizeof(T) > b_.size() - pos_) return truncated();
    T v;
    std::memcpy(&v, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  Error truncated() const { return corrupt(what_ + " is truncated"); }
  std::span<const uint8_t> b_;
  uint64_t pos_ = 0;
  std::string what_;
};

uint64_t rd64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
uint32_t rd32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint16_t rd16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

void write_settings(Writer& w, const Settings& s) {
  w.str(s.kiln_version);
  w.str(s.isa);
  w.str(s.compiler);
  w.str(s.cpu_features);
  w.u8(static_cast<uint8_t>(s.opt_level));
  w.u64(s.tunables.memory_reservation);
  w.u64(s.tunables.memory_guard_size);
  w.u64(s.tunables.memory_reservation_for_growth);
  w.u64(s.tunables.max_wasm_stack);
  w.u8(s.tunables.consume_fuel);
  w.u8(s.tunables.epoch_interruption);
  w.u8(s.tunables.nan_canonicalization);
  w.u32(static_cast<uint32_t>(std::size(kFeatureFlags)));
  for (const FeatureFlag& f : kFeatureFlags) {
    w.str(f.name);
    w.u8(s.features.*(f.field));
  }
}

Expected<bool> read_bool(Reader& r, const char* what) {
  KILN_ASSIGN_OR_RETURN(uint8_t v, r.u8());
  if (v > 1) return corrupt(std::string(".kiln.header: bad ") + what + " flag " + std::to_string(v));
  return v == 1;
}

// After the Kiln version (read by parse() before the checksum).
Expected<void> read_settings_rest(Reader& r, Settings& s) {
  KILN_ASSIGN_OR_RETURN(s.isa, r.str());
  KILN_ASSIGN_OR_RETURN(s.compiler, r.str());
  KILN_ASSIGN_OR_RETURN(s.cpu_features, r.str());
  KILN_ASSIGN_OR_RETURN(uint8_t opt, r.u8());
  if (opt > static_cast<uint8_t>(environ::OptLevel::kSpeedAndSize)) {
    return corrupt(".kiln.header: bad opt level " + std::to_string(opt));
  }
  s.opt_level = static_cast<environ::OptLevel>(opt);
  KILN_ASSIGN_OR_RETURN(s.tunables.memory_reservation, r.u64());
  KILN_ASSIGN_OR_RETURN(s.tunables.memory_guard_size, r.u64());
  KILN_ASSIGN_OR_RETURN(s.tunables.memory_reservation_for_growth, r.u64());
  KILN_ASSIGN_OR_RETURN(s.tunables.max_wasm_stack, r.u64());
  KILN_ASSIGN_OR_RETURN(s.tunables.consume_fuel, read_bool(r, "consume_fuel"));
  KILN_ASSIGN_OR_RETURN(s.tunables.epoch_interruption, read_bool(r, "epoch_interruption"));
  KILN_ASSIGN_OR_RETURN(s.tunables.nan_canonicalization, read_bool(r, "nan_canonicalization"));
  KILN_ASSIGN_OR_RETURN(uint32_t n, r.u32());
  if (n != std::size(kFeatureFlags)) {
    return corrupt(".kiln.header: " + std::to_string(n) + " Wasm feature flags, expected " +
                   std::to_string(std::size(kFeatureFlags)));
  }
  for (const FeatureFlag& f : kFeatureFlags) {
    KILN_ASSIGN_OR_RETURN(std::string name, r.str());
    if (name != f.name) return corrupt(".kiln.header: feature flag '" + name + "' where '" + f.name + "' belongs");
    KILN_ASSIGN_OR_RETURN(s.features.*(f.field), read_bool(r, f.name));
  }
  return {};
}

struct Section {
  std::string name;
  uint32_t type = 0;
  uint64_t flags = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint32_t link = 0;
  uint32_t info = 0;
  uint64_t align = 1;
  uint64_t entsize = 0;
};

uint64_t checksum_of(std::span<const uint8_t> file) {
  uint64_t h = hash64(file.first(kChecksumOffset));
  return hash64(file.subspan(kChecksumOffset + 8), h);
}

}  // namespace

uint64_t hash64(std::span<const uint8_t> bytes, uint64_t seed) {
  // The xxHash64 algorithm (Yann Collet's public specification): 4 lanes of multiply-rotate
  // over 32-byte stripes, then the tail, then an avalanche. ~10 GB/s.
  constexpr uint64_t P1 = 0x9E3779B185EBCA87ull, P2 = 0xC2B2AE3D27D4EB4Full, P3 = 0x165667B19E3779F9ull,
                     P4 = 0x85EBCA77C2B2AE63ull, P5 = 0x27D4EB2F165667C5ull;
  auto rotl = [](uint64_t x, int r) { return (x << r) | (x >> (64 - r)); };
  auto round = [&](uint64_t acc, uint64_t in) { return rotl(acc + in * P2, 31) * P1; };
  auto merge = [&](uint64_t acc, uint64_t v) { return (acc ^ round(0, v)) * P1 + P4; };
  const uint8_t* p = bytes.data();
  const uint8_t* end = p + bytes.size();
  uint64_t h;
  if (bytes.size() >= 32) {
    uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
    for (; end - p >= 32; p += 32) {
      v1 = round(v1, rd64(p));
      v2 = round(v2, rd64(p + 8));
      v3 = round(v3, rd64(p + 16));
      v4 = round(v4, rd64(p + 24));
    }
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
    h = merge(h, v1);
    h = merge(h, v2);
    h = merge(h, v3);
    h = merge(h, v4);
  } else {
    h = seed + P5;
  }
  h += bytes.size();
  for (; end - p >= 8; p += 8) h = rotl(h ^ round(0, rd64(p)), 27) * P1 + P4;
  if (end - p >= 4) {
    h = rotl(h ^ (uint64_t{rd32(p)} * P1), 23) * P2 + P3;
    p += 4;
  }
  for (; p < end; ++p) h = rotl(h ^ (*p * P5), 11) * P1;
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

std::vector<uint8_t> write(const WriteInput& in) {
  Writer w;
  w.data().resize(kElfHeaderSize, 0);
  std::vector<Section> secs;
  secs.push_back({});  // SHN_UNDEF
  auto begin = [&](const char* name, uint32_t type, uint64_t align) {
    w.align(align);
    Section s;
    s.name = name;
    s.type = type;
    s.align = align;
    s.offset = w.size();
    secs.push_back(s);
    return secs.size() - 1;
  };
  auto end = [&](size_t i) { secs[i].size = w.size() - secs[i].offset; };

  size_t header = begin(".kiln.header", kShtProgbits, 1);
  w.bytes({reinterpret_cast<const uint8_t*>(kMagic), sizeof kMagic});
  w.u32(kFormatVersion);
  w.u64(0);  // checksum, patched last
  write_settings(w, *in.settings);
  end(header);

  size_t funcs = begin(".kiln.funcs", kShtProgbits, 8);
  for (size_t i = 0; i < in.func_offsets.size(); ++i) {
    w.u32(in.func_offsets[i]);
    w.u32(in.func_sizes[i]);
  }
  end(funcs);
  secs[funcs].entsize = kFuncEntry;

  size_t traps = begin(".kiln.traps", kShtProgbits, 8);
  for (const vm::TrapTableEntry& t : in.traps) {
    w.u32(t.offset);
    w.u32(static_cast<uint32_t>(t.code));
  }
  end(traps);
  secs[traps].entsize = kTrapEntry;

  size_t inl = begin(".kiln.inline", kShtProgbits, 4);
  for (const vm::InlineFrameEntry& e : in.inline_frames) {
    w.u32(e.offset);
    w.u32(e.func.index());
    w.u32(e.call ? 1 : 0);
  }
  end(inl);
  secs[inl].entsize = kInlineEntry;

  size_t relocs = begin(".kiln.relocs", kShtProgbits, 8);
  for (const vm::LoadRelocation& r : in.relocations) {
    w.u32(r.offset);
    w.u8(static_cast<uint8_t>(r.kind));
    w.u8(static_cast<uint8_t>(r.target.kind));
    w.u16(0);
    w.u32(r.target.index);
    w.u32(0);
    w.u64(static_cast<uint64_t>(r.addend));
  }
  end(relocs);
  secs[relocs].entsize = kRelocEntry;

  size_t wasm = begin(".kiln.wasm", kShtProgbits, 8);
  w.bytes(in.wasm);
  end(wasm);

  // .strtab contents first (symbol names), then .symtab referring to them.
  std::string strtab(1, '\0');
  std::vector<uint32_t> name_offsets;
  for (const std::string& s : in.func_symbols) {
    name_offsets.push_back(static_cast<uint32_t>(strtab.size()));
    strtab += s;
    strtab.push_back('\0');
  }
  const uint16_t text_index = static_cast<uint16_t>(secs.size() + 3);  // after symtab, strtab, shstrtab
  size_t symtab = begin(".symtab", kShtSymtab, 8);
  w.data().resize(w.size() + kSymSize, 0);  // the null symbol
  for (size_t i = 0; i < in.func_offsets.size(); ++i) {
    w.u32(i < name_offsets.size() ? name_offsets[i] : 0);
    w.u8(kSttFunc);  // STB_LOCAL
    w.u8(0);
    w.u16(text_index);
    w.u64(in.func_offsets[i]);
    w.u64(in.func_sizes[i]);
  }
  end(symtab);
  secs[symtab].entsize = kSymSize;
  secs[symtab].info = static_cast<uint32_t>(in.func_offsets.size() + 1);  // first non-local
  size_t str = begin(".strtab", kShtStrtab, 1);
  w.bytes({reinterpret_cast<const uint8_t*>(strtab.data()), strtab.size()});
  end(str);
  secs[symtab].link = static_cast<uint32_t>(str);

  // .shstrtab: the names of every section, itself and .text (written after it) included.
  std::string shstr(1, '\0');
  std::vector<uint32_t> sh_names(secs.size() + 2, 0);
  std::vector<std::string> all_names;
  for (const Section& s : secs) all_names.push_back(s.name);
  all_names.push_back(".shstrtab");
  all_names.push_back(".text");
  for (size_t i = 1; i < all_names.size(); ++i) {
    sh_names[i] = static_cast<uint32_t>(shstr.size());
    shstr += all_names[i];
    shstr.push_back('\0');
  }
  size_t shstrtab = begin(".shstrtab", kShtStrtab, 1);
  w.bytes({reinterpret_cast<const uint8_t*>(shstr.data()), shstr.size()});
  end(shstrtab);
  size_t text = begin(".text", kShtProgbits, kTextAlign);
  w.bytes(in.text);
  end(text);
  secs[text].flags = kShfAlloc | kShfExecinstr;

  w.align(8);
  const uint64_t shoff = w.size();
  for (size_t i = 0; i < secs.size(); ++i) {
    const Section& s = secs[i];
    w.u32(sh_names[i]);
    w.u32(s.type);
    w.u64(s.flags);
    w.u64(0);  // sh_addr
    w.u64(s.offset);
    w.u64(s.size);
    w.u32(s.link);
    w.u32(s.info);
    w.u64(i == 0 ? 0 : s.align);
    w.u64(s.entsize);
  }

  // The ELF header.
  std::vector<uint8_t>& out = w.data();
  const uint8_t ident[16] = {0x7F, 'E', 'L', 'F', 2 /*64-bit*/, 1 /*LE*/, 1 /*EV_CURRENT*/, 0 /*SYSV*/};
  std::memcpy(out.data(), ident, 16);
  auto put16 = [&](uint64_t at, uint16_t v) { std::memcpy(out.data() + at, &v, 2); };
  put16(16, kEtRel);
  put16(18, kEmX86_64);
  w.patch32(20, 1);       // e_version
  w.patch64(24, 0);       // e_entry
  w.patch64(32, 0);       // e_phoff
  w.patch64(40, shoff);   // e_shoff
  w.patch32(48, 0);       // e_flags
  put16(52, kElfHeaderSize);
  put16(54, 0);           // e_phentsize
  put16(56, 0);           // e_phnum
  put16(58, kShdrSize);
  put16(60, static_cast<uint16_t>(secs.size()));
  put16(62, static_cast<uint16_t>(shstrtab));

  w.patch64(kChecksumOffset, checksum_of(out));
  return std::move(out);
}

bool looks_like_artifact(std::span<const uint8_t> bytes) {
  return bytes.size() >= kElfHeaderSize + sizeof kMagic && std::memcmp(bytes.data(), "\x7F" "ELF", 4) == 0 &&
         std::memcmp(bytes.data() + kElfHeaderSize, kMagic, sizeof kMagic) == 0;
}

Expected<Contents> parse(std::span<const uint8_t> bytes, bool any_build) {
  const uint64_t size = bytes.size();
  const uint8_t* b = bytes.data();
  if (size < 4 || std::memcmp(b, "\x7F" "ELF", 4) != 0) return corrupt("not an ELF file (no \\x7FELF magic)");
  if (size < kElfHeaderSize) {
    return corrupt("truncated: " + std::to_string(size) + " bytes, an ELF header alone is 64");
  }
  if (b[4] != 2 || b[5] != 1) return corrupt("not a 64-bit little-endian ELF file");
  if (b[6] != 1 || rd32(b + 20) != 1) return corrupt("bad ELF version");
  const uint16_t machine = rd16(b + 18);
  if (machine != kEmX86_64) {
    const char* name = machine_name(machine);
    return mismatch("compiled for ISA " + (name ? std::string(name) : "with ELF machine " + std::to_string(machine)) +
                    ", this host is x86_64");
  }
  if (rd16(b + 16) != kEtRel) return corrupt("unexpected ELF file type " + std::to_string(rd16(b + 16)));
  const uint64_t shoff = rd64(b + 40);
  const uint16_t shentsize = rd16(b + 58), shnum = rd16(b + 60), shstrndx = rd16(b + 62);
  if (shentsize != kShdrSize) return corrupt("bad section header size " + std::to_string(shentsize));
  if (shnum == 0 || shstrndx >= shnum) return corrupt("bad section count or name table index");
  if (shoff > size || uint64_t{shnum} * kShdrSize > size - shoff) {
    return corrupt("truncated or corrupted: section header table [" + std::to_string(shoff) + ", +" +
                   std::to_string(uint64_t{shnum} * kShdrSize) + ") is outside the file (" +
                   std::to_string(size) + " bytes)");
  }
  std::vector<Section> secs(shnum);
  std::vector<uint32_t> name_offsets(shnum);
  for (uint16_t i = 0; i < shnum; ++i) {
    const uint8_t* h = b + shoff + uint64_t{i} * kShdrSize;
    Section& s = secs[i];
    name_offsets[i] = rd32(h);
    s.type = rd32(h + 4);
    s.flags = rd64(h + 8);
    s.offset = rd64(h + 24);
    s.size = rd64(h + 32);
    s.link = rd32(h + 40);
    s.info = rd32(h + 44);
    s.align = rd64(h + 48);
    s.entsize = rd64(h + 56);
    if (s.type != kShtNobits && (s.offset > size || s.size > size - s.offset)) {
      return corrupt("truncated or corrupted: section " + std::to_string(i) + " [" + std::to_string(s.offset) +
                     ", +" + std::to_string(s.size) + ") is outside the file (" + std::to_string(size) + " bytes)");
    }
  }
  const Section& names = secs[shstrndx];
  for (uint16_t i = 0; i < shnum; ++i) {
    if (name_offsets[i] >= names.size) {
      if (i == 0) continue;
      return corrupt("section " + std::to_string(i) + " name outside the name table");
    }
    const char* start = reinterpret_cast<const char*>(b + names.offset + name_offsets[i]);
    size_t max = names.size - name_offsets[i];
    size_t len = strnlen(start, max);
    if (len == max) return corrupt("unterminated section name");
    secs[i].name.assign(start, len);
  }
  auto find = [&](std::string_view name) -> Expected<const Section*> {
    const Section* found = nullptr;
    for (size_t i = 1; i < secs.size(); ++i) {
      if (secs[i].name != name) continue;
      if (found) return corrupt("two " + std::string(name) + " sections");
      found = &secs[i];
    }
    if (!found) return corrupt("no " + std::string(name) + " section");
    if (found->type != kShtProgbits) return corrupt(std::string(name) + " has the wrong section type");
    return found;
  };
  auto section_bytes = [&](const Section* s) { return bytes.subspan(s->offset, s->size); };

  // Header: identity and version first, so an artifact of another format or Kiln version gets
  // that error rather than a checksum one.
  KILN_ASSIGN_OR_RETURN(const Section* hdr, find(".kiln.header"));
  if (hdr->offset != kElfHeaderSize) return corrupt(".kiln.header is not where the format puts it");
  Reader r(section_bytes(hdr), ".kiln.header");
  KILN_ASSIGN_OR_RETURN(std::span<const uint8_t> magic, r.bytes(sizeof kMagic));
  if (std::memcmp(magic.data(), kMagic, sizeof kMagic) != 0) return corrupt("not a Kiln artifact (bad magic)");
  KILN_ASSIGN_OR_RETURN(uint32_t version, r.u32());
  if (version != kFormatVersion) {
    return mismatch("artifact format version " + std::to_string(version) + ", this Kiln reads version " +
                    std::to_string(kFormatVersion));
  }
  KILN_ASSIGN_OR_RETURN(uint64_t stored_checksum, r.u64());
  Contents c;
  KILN_ASSIGN_OR_RETURN(c.settings.kiln_version, r.str());
  if (!any_build && c.settings.kiln_version != build_version()) {
    return mismatch("compiled by Kiln " + c.settings.kiln_version + ", this is Kiln " + build_version());
  }
  if (checksum_of(bytes) != stored_checksum) return corrupt("checksum mismatch: the file is corrupted");

  KILN_TRY(read_settings_rest(r, c.settings));
  if (!r.done()) return corrupt(".kiln.header has trailing bytes");
  if (c.settings.isa != "x86_64") return mismatch("compiled for ISA " + c.settings.isa + ", this host is x86_64");

  KILN_ASSIGN_OR_RETURN(const Section* text, find(".text"));
  if (text->offset % kTextAlign != 0 || text->offset % vm::host_page_size() != 0) {
    return corrupt(".text is not page aligned in the file");
  }
  c.text = section_bytes(text);
  c.text_offset = text->offset;

  KILN_ASSIGN_OR_RETURN(const Section* funcs, find(".kiln.funcs"));
  if (funcs->size % kFuncEntry != 0) return corrupt(".kiln.funcs size is not a multiple of 8");
  for (uint64_t at = 0; at < funcs->size; at += kFuncEntry) {
    c.func_offsets.push_back(rd32(b + funcs->offset + at));
    c.func_sizes.push_back(rd32(b + funcs->offset + at + 4));
  }
  KILN_ASSIGN_OR_RETURN(const Section* traps, find(".kiln.traps"));
  if (traps->size % kTrapEntry != 0) return corrupt(".kiln.traps size is not a multiple of 8");
  for (uint64_t at = 0; at < traps->size; at += kTrapEntry) {
    uint32_t raw = rd32(b + traps->offset + at + 4);
    std::optional<environ::TrapCode> code = raw <= 0xFF ? environ::trap_code_from_u8(static_cast<uint8_t>(raw))
                                                        : std::nullopt;
    if (!code) return corrupt(".kiln.traps: bad trap code " + std::to_string(raw));
    c.traps.push_back({rd32(b + traps->offset + at), *code});
  }
  KILN_ASSIGN_OR_RETURN(const Section* inl, find(".kiln.inline"));
  if (inl->size % kInlineEntry != 0) return corrupt(".kiln.inline size is not a multiple of 12");
  for (uint64_t at = 0; at < inl->size; at += kInlineEntry) {
    uint32_t call = rd32(b + inl->offset + at + 8);
    if (call > 1) return corrupt(".kiln.inline: bad entry kind " + std::to_string(call));
    c.inline_frames.push_back({rd32(b + inl->offset + at), environ::FuncIndex(rd32(b + inl->offset + at + 4)),
                               call == 1});
  }
  KILN_ASSIGN_OR_RETURN(const Section* relocs, find(".kiln.relocs"));
  if (relocs->size % kRelocEntry != 0) return corrupt(".kiln.relocs size is not a multiple of 24");
  for (uint64_t at = 0; at < relocs->size; at += kRelocEntry) {
    const uint8_t* e = b + relocs->offset + at;
    vm::LoadRelocation rel;
    rel.offset = rd32(e);
    if (e[4] > static_cast<uint8_t>(environ::RelocKind::kAbs8)) return corrupt(".kiln.relocs: bad kind");
    rel.kind = static_cast<environ::RelocKind>(e[4]);
    if (e[5] > static_cast<uint8_t>(environ::RelocTarget::Kind::kBuiltin)) return corrupt(".kiln.relocs: bad target");
    rel.target.kind = static_cast<environ::RelocTarget::Kind>(e[5]);
    rel.target.index = rd32(e + 8);
    uint64_t addend = rd64(e + 16);
    std::memcpy(&rel.addend, &addend, 8);
    c.relocations.push_back(rel);
  }
  KILN_ASSIGN_OR_RETURN(const Section* wasm, find(".kiln.wasm"));
  c.wasm = section_bytes(wasm);
  return c;
}

std::string describe(const Settings& s) {
  std::string t = "format " + std::to_string(kFormatVersion) + "\nkiln " + s.kiln_version + "\nisa " + s.isa +
                  "\ncompiler " + s.compiler + "\ncpu-features " + s.cpu_features + "\nopt-level " +
                  opt_level_name(s.opt_level) + "\n";
  const environ::Tunables& u = s.tunables;
  t += "memory_reservation " + std::to_string(u.memory_reservation) + "\nmemory_guard_size " +
       std::to_string(u.memory_guard_size) + "\nmemory_reservation_for_growth " +
       std::to_string(u.memory_reservation_for_growth) + "\nmax_wasm_stack " + std::to_string(u.max_wasm_stack) +
       "\nconsume_fuel " + std::to_string(u.consume_fuel) + "\nepoch_interruption " +
       std::to_string(u.epoch_interruption) + "\nnan_canonicalization " + std::to_string(u.nan_canonicalization) +
       "\n";
  for (const FeatureFlag& f : kFeatureFlags) t += std::string("feature ") + f.name + " " + (s.features.*(f.field) ? "1\n" : "0\n");
  return t;
}

Expected<Settings> engine_settings(const environ::Compiler& compiler, const environ::CompilerOptions& options,
                                   const wasm::Features& features) {
  Settings s;
  s.kiln_version = build_version();
  s.isa = codegen::driver::target_isa();
  s.compiler = compiler.name();
  KILN_ASSIGN_OR_RETURN(s.cpu_features, codegen::driver::resolve_target_features(options.target_features));
  s.opt_level = options.opt_level;
  s.tunables = options.tunables;
  s.features = features;
  return s;
}

Expected<void> check_compatible(const Settings& a, const Settings& e) {
  if (a.isa != e.isa) return mismatch("compiled for ISA " + a.isa + ", this host is " + e.isa);
  if (a.compiler != e.compiler) {
    return mismatch("compiled by compiler '" + a.compiler + "', this engine uses '" + e.compiler + "'");
  }
  // Every extension the code uses must exist on this CPU: resolving the artifact's list from
  // nothing ("sse2,...") fails naming the first one that does not.
  if (auto host = codegen::driver::resolve_target_features("sse2," + a.cpu_features); !host) {
    return mismatch("compiled for CPU features " + a.cpu_features + ", which this host lacks: " +
                    host.error().message());
  }
  if (a.cpu_features != e.cpu_features) {
    return mismatch("compiled for CPU features " + a.cpu_features + ", this engine targets " + e.cpu_features +
                    " (set Config::target_features to match)");
  }
  if (a.opt_level != e.opt_level) {
    return mismatch(std::string("compiled with opt level ") + opt_level_name(a.opt_level) +
                    ", this engine uses opt level " + opt_level_name(e.opt_level));
  }
  auto tunable = [&](const char* name, uint64_t av, uint64_t ev) -> Expected<void> {
    if (av == ev) return {};
    return mismatch(std::string("setting ") + name + " is " + std::to_string(av) + " in the artifact, " +
                    std::to_string(ev) + " in this engine");
  };
  KILN_TRY(tunable("memory_reservation", a.tunables.memory_reservation, e.tunables.memory_reservation));
  KILN_TRY(tunable("memory_guard_size", a.tunables.memory_guard_size, e.tunables.memory_guard_size));
  KILN_TRY(tunable("memory_reservation_for_growth", a.tunables.memory_reservation_for_growth,
                   e.tunables.memory_reservation_for_growth));
  KILN_TRY(tunable("max_wasm_stack", a.tunables.max_wasm_stack, e.tunables.max_wasm_stack));
  KILN_TRY(tunable("consume_fuel", a.tunables.consume_fuel, e.tunables.consume_fuel));
  KILN_TRY(tunable("epoch_interruption", a.tunables.epoch_interruption, e.tunables.epoch_interruption));
  KILN_TRY(tunable("nan_canonicalization", a.tunables.nan_canonicalization, e.tunables.nan_canonicalization));
  for (const FeatureFlag& f : kFeatureFlags) {
    if (a.features.*(f.field) != e.features.*(f.field)) {
      return mismatch(std::string("Wasm feature ") + f.name + " is " + (a.features.*(f.field) ? "on" : "off") +
                      " in the artifact, " + (e.features.*(f.field) ? "on" : "off") + " in this engine");
    }
  }
  return {};
}

}  // namespace kiln::runtime::artifact
