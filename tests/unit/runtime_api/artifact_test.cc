// tests/unit/runtime_api/artifact_test.cc: precompiled artifacts (.cwasm): round trips through
// memory and files, deterministic output, rejection of mismatched settings and of corrupted
// files (truncations, header field flips, bad offsets with a valid checksum, random flips), and
// the compile cache (hits, corrupt entries, concurrent writers).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "runtime/artifact.h"
#include "runtime/cache.h"
#include "runtime/linker.h"
#include "runtime/module.h"
#include "runtime/store.h"
#include "wasm/decoder.h"
#include "wat/wat.h"

namespace kiln::runtime {
namespace {

// Calls between functions (pc-relative relocations), call_indirect through a table, a memory
// with a data segment, a mutable global, a trap with a named frame.
constexpr std::string_view kModule = R"((module $m
  (type $t (func (param i32) (result i32)))
  (memory (export "mem") 1)
  (data (i32.const 16) "hello artifact")
  (global $g (export "g") (mut i32) (i32.const 7))
  (table 2 funcref)
  (elem (i32.const 0) $double $inc)
  (func $double (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
  (func $inc (param i32) (result i32) local.get 0 i32.const 1 i32.add)
  (func $fib (export "fib") (param i32) (result i32)
    local.get 0 i32.const 2 i32.lt_u
    if (result i32) local.get 0
    else
      local.get 0 i32.const 1 i32.sub call $fib
      local.get 0 i32.const 2 i32.sub call $fib
      i32.add
    end)
  (func (export "indirect") (param i32 i32) (result i32)
    local.get 1 local.get 0 call_indirect (type $t))
  (func (export "load") (param i32) (result i32) local.get 0 i32.load8_u)
  (func (export "bump") (result i32)
    global.get $g i32.const 1 i32.add global.set $g global.get $g)
  (func $boom (export "boom") unreachable)
  (func (export "calls_boom") call $boom)
))";

std::vector<uint8_t> wasm_bytes() {
  auto b = wat::parse_module(kModule);
  EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().to_string());
  return b.ok() ? *b : std::vector<uint8_t>{};
}

Module compile(const Engine& engine, unsigned threads = 0) {
  auto decoded = Module::from_binary(engine, wasm_bytes());
  EXPECT_TRUE(decoded.ok()) << (decoded.ok() ? "" : decoded.error().to_string());
  if (threads == 0) return decoded.ok() ? *decoded : Module();
  // from_validated with an explicit thread count.
  auto m = wasm::decode(wasm_bytes(), engine.config().features);
  EXPECT_TRUE(m.ok());
  auto mod = Module::from_validated(engine, std::move(*m), threads);
  EXPECT_TRUE(mod.ok()) << (mod.ok() ? "" : mod.error().to_string());
  return *mod;
}

std::vector<uint8_t> serialize(const Module& m) {
  auto bytes = m.serialize();
  EXPECT_TRUE(bytes.ok()) << (bytes.ok() ? "" : bytes.error().to_string());
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

int32_t call_i32(const Instance& inst, std::string_view name, std::vector<Val> args) {
  auto f = inst.get_func(name);
  EXPECT_TRUE(f) << name;
  if (!f) return -1;
  auto r = f->call(args);
  EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().to_string());
  return r.ok() && !r->empty() ? (*r)[0].i32() : -1;
}

// Runs the module's exports and checks every result.
void exercise(const Engine& engine, const Module& m) {
  Store store(engine);
  auto inst = Instance::create(store, m, {});
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  EXPECT_EQ(call_i32(*inst, "fib", {Val::i32(20)}), 6765);
  EXPECT_EQ(call_i32(*inst, "indirect", {Val::i32(0), Val::i32(21)}), 42);
  EXPECT_EQ(call_i32(*inst, "indirect", {Val::i32(1), Val::i32(41)}), 42);
  EXPECT_EQ(call_i32(*inst, "load", {Val::i32(16)}), 'h');
  EXPECT_EQ(call_i32(*inst, "load", {Val::i32(29)}), 't');
  EXPECT_EQ(call_i32(*inst, "bump", {}), 8);
  EXPECT_EQ(call_i32(*inst, "bump", {}), 9);
  // A trap: the trap table and the function table (backtrace names) came through.
  Trap trap;
  auto f = inst->get_func("calls_boom");
  ASSERT_TRUE(f);
  auto r = f->call({}, &trap);
  ASSERT_FALSE(r.ok());
  ASSERT_TRUE(trap.code.has_value());
  EXPECT_EQ(*trap.code, environ::TrapCode::kUnreachable);
  ASSERT_GE(trap.backtrace.size(), 2u);
  EXPECT_EQ(trap.backtrace[0].func_name.value_or(""), "boom");
  EXPECT_EQ(trap.backtrace[0].func_index, 6u);
  EXPECT_EQ(trap.backtrace[1].func_index, 7u);
  // An out-of-bounds load traps through the trap table too.
  auto load = inst->get_func("load");
  Val args[] = {Val::i32(70000)};
  Trap oob;
  EXPECT_FALSE(load->call(args, &oob).ok());
  ASSERT_TRUE(oob.code.has_value());
  EXPECT_EQ(*oob.code, environ::TrapCode::kHeapOutOfBounds);
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("kiln-artifact-test-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

void write(const std::string& path, std::span<const uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// Recomputes the checksum, so a test can reach the checks behind it.
void fix_checksum(std::vector<uint8_t>& b) {
  uint64_t h = artifact::hash64(std::span(b).first(artifact::kChecksumOffset));
  h = artifact::hash64(std::span(b).subspan(artifact::kChecksumOffset + 8), h);
  std::memcpy(b.data() + artifact::kChecksumOffset, &h, 8);
}

TEST(Artifact, RoundTripInMemory) {
  Engine engine;
  Module m = compile(engine);
  std::vector<uint8_t> bytes = serialize(m);
  ASSERT_FALSE(bytes.empty());
  EXPECT_TRUE(artifact::looks_like_artifact(bytes));
  auto loaded = Module::deserialize(engine, bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  EXPECT_FALSE(loaded->code_is_file_backed());
  EXPECT_EQ(loaded->exports().size(), m.exports().size());
  EXPECT_EQ(loaded->func_name(2).value_or(""), "fib");
  exercise(engine, *loaded);
  // Serializing the loaded module gives the same bytes.
  EXPECT_EQ(serialize(*loaded), bytes);
}

TEST(Artifact, RoundTripThroughFileMapsCode) {
  Engine engine;
  std::vector<uint8_t> bytes = serialize(compile(engine));
  std::string path = temp_path("rt.cwasm");
  write(path, bytes);
  auto loaded = Module::deserialize_file(engine, path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  EXPECT_TRUE(loaded->code_is_file_backed());
  // The code is mapped read+execute, never writable: /proc/self/maps lists the file
  // mapping as r-xp.
  auto text = loaded->code_text();
  auto addr = reinterpret_cast<uintptr_t>(text.data());
  std::ifstream maps("/proc/self/maps");
  std::string line;
  bool found = false;
  while (std::getline(maps, line)) {
    uintptr_t lo = 0, hi = 0;
    char perms[5] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) != 3) continue;
    if (addr >= lo && addr < hi) {
      found = true;
      EXPECT_STREQ(perms, "r-xp") << line;
      EXPECT_NE(line.find("rt.cwasm"), std::string::npos) << line;
    }
  }
  EXPECT_TRUE(found);
  // The file may go away: the mapping keeps the code.
  std::filesystem::remove(path);
  exercise(engine, *loaded);
}

TEST(Artifact, DeterministicAcrossThreadCounts) {
  Engine engine;
  std::vector<uint8_t> one = serialize(compile(engine, 1));
  std::vector<uint8_t> four = serialize(compile(engine, 4));
  std::vector<uint8_t> again = serialize(compile(engine, 1));
  EXPECT_EQ(one, four);
  EXPECT_EQ(one, again);
  // Also for a larger module, where threads really interleave.
  std::string text = "(module";
  for (int i = 0; i < 64; ++i) {
    text += " (func (export \"f" + std::to_string(i) + "\") (param i32) (result i32) local.get 0 i32.const " +
            std::to_string(i) + " i32.mul i32.const 3 i32.add" + (i ? " call " + std::to_string(i - 1) : "") + ")";
  }
  text += ")";
  auto bin = wat::parse_module(text);
  ASSERT_TRUE(bin.ok());
  std::vector<uint8_t> outs[2];
  unsigned counts[2] = {1, 8};
  for (int k = 0; k < 2; ++k) {
    auto mod = wasm::decode(*bin, engine.config().features);
    ASSERT_TRUE(mod.ok());
    auto m = Module::from_validated(engine, std::move(*mod), counts[k]);
    ASSERT_TRUE(m.ok());
    outs[k] = serialize(*m);
  }
  EXPECT_EQ(outs[0], outs[1]);
}

void expect_rejected(const Engine& engine, std::span<const uint8_t> bytes, std::string_view what,
                     std::string_view expected_fragment = "") {
  auto r = Module::deserialize(engine, bytes);
  ASSERT_FALSE(r.ok()) << what << ": accepted";
  EXPECT_FALSE(r.error().message().empty()) << what;
  if (!expected_fragment.empty()) {
    EXPECT_NE(r.error().message().find(expected_fragment), std::string::npos)
        << what << ": " << r.error().message();
  }
}

TEST(Artifact, RejectsMismatchedSettings) {
  Engine engine;
  std::vector<uint8_t> bytes = serialize(compile(engine));
  {
    Config c;
    c.opt_level = environ::OptLevel::kNone;
    expect_rejected(Engine(c), bytes, "opt level", "opt level 2, this engine uses opt level 0");
  }
  {
    Config c;
    c.tunables.consume_fuel = true;
    expect_rejected(Engine(c), bytes, "fuel", "consume_fuel is 0 in the artifact, 1 in this engine");
  }
  {
    Config c;
    c.tunables.nan_canonicalization = true;
    expect_rejected(Engine(c), bytes, "nan", "nan_canonicalization is 0 in the artifact, 1 in this engine");
  }
  {
    Config c;
    c.tunables.memory_guard_size = 64 * 1024;
    expect_rejected(Engine(c), bytes, "guard", "memory_guard_size");
  }
  {
    Config c;
    c.features.threads = true;
    expect_rejected(Engine(c), bytes, "threads", "Wasm feature threads is off in the artifact, on in this engine");
  }
  {
    Config c;
    c.target_features = "sse2";
    expect_rejected(Engine(c), bytes, "target features", "CPU features");
  }
  // The same settings in another engine load fine.
  Engine other;
  EXPECT_TRUE(Module::deserialize(other, bytes).ok());
}

// Rewrites an artifact with altered settings (a valid checksum: only the settings differ).
std::vector<uint8_t> with_settings(std::span<const uint8_t> bytes, const std::function<void(artifact::Settings&)>& edit) {
  auto c = artifact::parse(bytes);
  EXPECT_TRUE(c.ok());
  artifact::Settings s = c->settings;
  edit(s);
  artifact::WriteInput w;
  w.settings = &s;
  w.text = c->text;
  w.func_offsets = c->func_offsets;
  w.func_sizes = c->func_sizes;
  w.traps = c->traps;
  w.inline_frames = c->inline_frames;
  w.relocations = c->relocations;
  w.wasm = c->wasm;
  w.func_symbols.assign(c->func_offsets.size(), "f");
  return artifact::write(w);
}

TEST(Artifact, RejectsOtherVersionIsaAndCpuFeatures) {
  Engine engine;
  std::vector<uint8_t> bytes = serialize(compile(engine));
  expect_rejected(engine, with_settings(bytes, [](auto& s) { s.kiln_version = "0.0.1"; }), "kiln version",
                  "compiled by Kiln 0.0.1, this is Kiln");
  expect_rejected(engine, with_settings(bytes, [](auto& s) { s.isa = "aarch64"; }), "isa string",
                  "compiled for ISA aarch64");
  expect_rejected(engine, with_settings(bytes, [](auto& s) { s.compiler = "cranelift"; }), "compiler",
                  "compiler 'cranelift'");
  expect_rejected(engine, with_settings(bytes, [](auto& s) { s.cpu_features += ",avx512f"; }), "unknown cpu feature",
                  "which this host lacks");
  // A feature set this host has, but not the engine's.
  auto base = with_settings(bytes, [](auto& s) { s.cpu_features = "sse2"; });
  expect_rejected(engine, base, "other cpu features", "compiled for CPU features sse2, this engine targets");
  // ELF e_machine: another ISA is named.
  std::vector<uint8_t> arm = bytes;
  arm[18] = 183;
  arm[19] = 0;
  expect_rejected(engine, arm, "e_machine", "compiled for ISA aarch64, this host is x86_64");
  // Format version.
  std::vector<uint8_t> v2 = bytes;
  v2[artifact::kElfHeaderSize + 8] = 2;
  expect_rejected(engine, v2, "format version", "artifact format version 2, this Kiln reads version 1");
}

TEST(Artifact, RejectsTruncations) {
  Engine engine;
  std::vector<uint8_t> bytes = serialize(compile(engine));
  std::vector<size_t> cuts = {0, 1, 4, 16, 63, 64, 72, 75, 80, 100, 200, bytes.size() / 2, bytes.size() - 4096,
                              bytes.size() - 65, bytes.size() - 1};
  for (size_t k = 1; k < 40; ++k) cuts.push_back(bytes.size() * k / 40);
  for (size_t cut : cuts) {
    expect_rejected(engine, std::span(bytes).first(cut), "truncated to " + std::to_string(cut));
  }
  // Text mapped from a truncated file is rejected too.
  std::string path = temp_path("trunc.cwasm");
  write(path, std::span(bytes).first(bytes.size() - 100));
  auto r = Module::deserialize_file(engine, path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("trunc.cwasm"), std::string::npos) << r.error().message();
  std::filesystem::remove(path);
  // An empty file and a missing file.
  write(path, {});
  EXPECT_FALSE(Module::deserialize_file(engine, path).ok());
  std::filesystem::remove(path);
  auto missing = Module::deserialize_file(engine, path);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("cannot open"), std::string::npos);
}

TEST(Artifact, RejectsHeaderFieldFlips) {
  Engine engine;
  std::vector<uint8_t> bytes = serialize(compile(engine));
  struct Flip {
    size_t offset;
    uint8_t value;
    const char* what;
    const char* fragment;
  };
  const Flip flips[] = {
      {0, 0x7E, "ELF magic", "not an ELF file"},
      {4, 1, "ELF class", "64-bit little-endian"},
      {5, 2, "ELF data encoding", "64-bit little-endian"},
      {6, 9, "ELF version", "ELF version"},
      {16, 3, "e_type", "file type"},
      {40, 0xFF, "e_shoff", "section header table"},
      {47, 0x7F, "e_shoff high byte", "section header table"},
      {58, 32, "e_shentsize", "section header size"},
      {60, 0xFF, "e_shnum", "section"},
      {62, 0xFF, "e_shstrndx", "name table"},
      {artifact::kElfHeaderSize, 'X', "kiln magic", "bad magic"},
      {artifact::kElfHeaderSize + 8, 0, "format version", "format version 0"},
      {artifact::kChecksumOffset, 0x55, "checksum", "checksum mismatch"},
      {artifact::kElfHeaderSize + 24, '9', "kiln version string", "compiled by Kiln"},
  };
  for (const Flip& f : flips) {
    std::vector<uint8_t> b = bytes;
    ASSERT_NE(b[f.offset], f.value) << f.what;
    b[f.offset] = f.value;
    expect_rejected(engine, b, f.what, f.fragment);
  }
}

// Section headers and tables edited with a recomputed checksum: the structural checks behind
// the checksum reject them.
TEST(Artifact, RejectsBadOffsetsBehindAValidChecksum) {
  Engine engine;
  std::vector<uint8_t> bytes = serialize(compile(engine));
  uint64_t shoff;
  std::memcpy(&shoff, bytes.data() + 40, 8);
  auto section = [&](std::string_view name) -> uint64_t {
    uint16_t shnum, shstrndx;
    std::memcpy(&shnum, bytes.data() + 60, 2);
    std::memcpy(&shstrndx, bytes.data() + 62, 2);
    uint64_t names;
    std::memcpy(&names, bytes.data() + shoff + shstrndx * 64 + 24, 8);
    for (uint16_t i = 0; i < shnum; ++i) {
      uint32_t n;
      std::memcpy(&n, bytes.data() + shoff + i * 64, 4);
      if (name == reinterpret_cast<const char*>(bytes.data() + names + n)) return shoff + i * 64;
    }
    ADD_FAILURE() << "no section " << name;
    return 0;
  };
  auto edit = [&](auto&& f, const char* what, const char* fragment) {
    std::vector<uint8_t> b = bytes;
    f(b);
    fix_checksum(b);
    expect_rejected(engine, b, what, fragment);
  };
  auto put32 = [](std::vector<uint8_t>& b, uint64_t at, uint32_t v) { std::memcpy(b.data() + at, &v, 4); };
  auto put64 = [](std::vector<uint8_t>& b, uint64_t at, uint64_t v) { std::memcpy(b.data() + at, &v, 8); };
  auto get64 = [&](uint64_t at) {
    uint64_t v;
    std::memcpy(&v, bytes.data() + at, 8);
    return v;
  };
  const uint64_t text = section(".text"), funcs = section(".kiln.funcs"), traps = section(".kiln.traps"),
                 wasm = section(".kiln.wasm");
  edit([&](auto& b) { put64(b, text + 24, 1ull << 40); }, ".text offset past the end", "outside the file");
  edit([&](auto& b) { put64(b, text + 32, 1ull << 40); }, ".text size past the end", "outside the file");
  edit([&](auto& b) { put64(b, text + 24, get64(text + 24) - 8); }, ".text misaligned", "page aligned");
  edit([&](auto& b) { put64(b, funcs + 32, get64(funcs + 32) - 4); }, ".kiln.funcs ragged", "multiple of 8");
  edit([&](auto& b) { put64(b, funcs + 32, get64(funcs + 32) - 8); }, "function count", "defines");
  edit([&](auto& b) { put32(b, get64(funcs + 24), 0x7FFFFFF0); }, "function offset", "outside the text");
  edit([&](auto& b) { put32(b, get64(funcs + 24) + 4, 0x7FFFFFF0); }, "function size", "outside the text");
  edit([&](auto& b) { put32(b, get64(funcs + 24) + 8, 0); }, "overlapping functions", "overlaps");
  edit([&](auto& b) { put32(b, get64(traps + 24), 0x7FFFFFF0); }, "trap offset", "trap site outside the text");
  edit([&](auto& b) { std::memcpy(b.data() + get64(traps + 24), b.data() + get64(traps + 24) + 8, 4); },
       "duplicate trap offset", "trap sites not sorted");
  edit([&](auto& b) { put32(b, get64(traps + 24) + get64(traps + 32) - 8, 0x7FFFFFF0); }, "last trap offset",
       "trap site outside the text");
  edit([&](auto& b) { put32(b, get64(traps + 24) + 4, 200); }, "trap code", "bad trap code");
  edit([&](auto& b) { b[get64(wasm + 24) + 9] ^= 0x40; }, "embedded module", "embedded module");
  edit([&](auto& b) { put64(b, wasm + 32, 7); }, "embedded module truncated", "embedded module");
  edit([&](auto& b) { put32(b, text, 0xFFFFFF); }, "section name offset", "name");
  edit([&](auto& b) { put32(b, text + 4, 8); }, ".text as NOBITS", "wrong section type");
  // A load relocation pointing outside the text, then an unknown builtin: added by rewriting.
  auto c = artifact::parse(bytes);
  ASSERT_TRUE(c.ok());
  // The parsed artifact written again with other load relocations or inlined frames.
  auto rewrite = [&](std::span<const vm::LoadRelocation> relocs, std::span<const vm::InlineFrameEntry> frames) {
    artifact::WriteInput w;
    w.settings = &c->settings;
    w.text = c->text;
    w.func_offsets = c->func_offsets;
    w.func_sizes = c->func_sizes;
    w.traps = c->traps;
    w.inline_frames = frames;
    w.relocations = relocs;
    w.wasm = c->wasm;
    return artifact::write(w);
  };
  for (auto [reloc, fragment] : {std::pair{vm::LoadRelocation{0x7FFFFFF0, environ::RelocKind::kAbs8,
                                                               environ::RelocTarget::builtin(environ::BuiltinIndex(0)), 0},
                                           "relocation outside the text"},
                                 std::pair{vm::LoadRelocation{0, environ::RelocKind::kAbs8, {environ::RelocTarget::Kind::kBuiltin, 9999}, 0},
                                           "unknown builtin"}}) {
    std::vector<vm::LoadRelocation> relocs = {reloc};
    expect_rejected(engine, rewrite(relocs, c->inline_frames), fragment, fragment);
  }
  // The inlined-code frames (calls_boom inlines boom's unreachable): out of the text, of an
  // unknown function, out of order, of a bad kind.
  ASSERT_FALSE(c->inline_frames.empty());
  const vm::InlineFrameEntry good = c->inline_frames[0];
  const uint32_t text_size = static_cast<uint32_t>(c->text.size());
  using Frames = std::vector<vm::InlineFrameEntry>;
  for (auto [frames, fragment] :
       {std::pair{Frames{{text_size + 1, good.func, true}}, "inlined frame outside the text"},
        std::pair{Frames{{good.offset, environ::FuncIndex(9999), false}}, "inlined frame of an unknown function"},
        std::pair{Frames{good, {good.offset - 1, good.func, false}}, "inlined frames not sorted"},
        std::pair{Frames{good, good}, "inlined frames not sorted"}}) {
    expect_rejected(engine, rewrite(c->relocations, frames), fragment, fragment);
  }
  const uint64_t inl = section(".kiln.inline");
  edit([&](auto& b) { put32(b, get64(inl + 24) + 8, 2); }, "inlined frame kind", "bad entry kind");
  edit([&](auto& b) { put64(b, inl + 32, get64(inl + 32) - 4); }, ".kiln.inline ragged", "multiple of 12");
}

TEST(Artifact, RejectsRandomByteFlipsAnywhere) {
  Engine engine;
  std::vector<uint8_t> bytes = serialize(compile(engine));
  std::mt19937_64 rng(12345);
  for (int k = 0; k < 300; ++k) {
    std::vector<uint8_t> b = bytes;
    size_t at = rng() % b.size();
    uint8_t mask = static_cast<uint8_t>(1u << (rng() % 8));
    b[at] ^= mask;
    // Includes code bytes and padding: the checksum catches every one.
    expect_rejected(engine, b, "flip at " + std::to_string(at));
  }
}

TEST(Artifact, LoadRelocationsArePatched) {
  // An artifact with a load relocation (an absolute builtin address in a constant slot of the
  // text): loaded from a file, the patched page is a private copy and the rest still maps.
  Engine engine;
  std::vector<uint8_t> bytes = serialize(compile(engine));
  auto c = artifact::parse(bytes);
  ASSERT_TRUE(c.ok());
  std::vector<uint8_t> text(c->text.begin(), c->text.end());
  uint32_t slot = static_cast<uint32_t>((text.size() + 7) & ~size_t{7});
  text.resize(slot + 8, 0);
  artifact::WriteInput w;
  w.settings = &c->settings;
  w.text = text;
  w.func_offsets = c->func_offsets;
  w.func_sizes = c->func_sizes;
  w.traps = c->traps;
  w.inline_frames = c->inline_frames;
  std::vector<vm::LoadRelocation> relocs = {
      {slot, environ::RelocKind::kAbs8, environ::RelocTarget::func(environ::DefinedFuncIndex(2)), 5}};
  w.relocations = relocs;
  w.wasm = c->wasm;
  std::vector<uint8_t> with_reloc = artifact::write(w);
  std::string path = temp_path("reloc.cwasm");
  write(path, with_reloc);
  for (bool from_file : {false, true}) {
    auto m = from_file ? Module::deserialize_file(engine, path) : Module::deserialize(engine, with_reloc);
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    uint64_t value;
    std::memcpy(&value, m->code_text().data() + slot, 8);
    EXPECT_EQ(value, reinterpret_cast<uintptr_t>(m->function_code()[2]) + 5);
    // Serializing zeroes the site again: the artifact round-trips exactly.
    EXPECT_EQ(serialize(*m).size(), with_reloc.size());
    exercise(engine, *m);
  }
  std::filesystem::remove(path);
}

TEST(Artifact, LoadIsFasterThanCompiling) {
  Engine engine;
  std::vector<uint8_t> bytes = serialize(compile(engine));
  std::string path = temp_path("speed.cwasm");
  write(path, bytes);
  using Clock = std::chrono::steady_clock;
  auto best = [](auto&& f) {
    double b = 1e9;
    for (int i = 0; i < 20; ++i) {
      auto s = Clock::now();
      f();
      b = std::min(b, std::chrono::duration<double>(Clock::now() - s).count());
    }
    return b;
  };
  double load = best([&] { ASSERT_TRUE(Module::deserialize_file(engine, path).ok()); });
  double comp = best([&] { compile(engine); });
  EXPECT_LT(load, comp);
  std::printf("load %.1f us, compile %.1f us\n", load * 1e6, comp * 1e6);
  std::filesystem::remove(path);
}

// ---- the compile cache ----

TEST(ModuleCache, MissThenHitThenCorruptEntryIsRecompiled) {
  std::string dir = temp_path("cache1");
  std::filesystem::remove_all(dir);
  Engine engine;
  ModuleCache cache(dir);
  std::vector<uint8_t> src = wasm_bytes();
  int compiles = 0;
  auto compile_fn = [&]() -> Expected<Module> {
    ++compiles;
    return Module::from_binary(engine, src);
  };
  CacheStats st;
  auto m1 = cache.get_or_compile(engine, src, compile_fn, &st);
  ASSERT_TRUE(m1.ok());
  EXPECT_FALSE(st.hit);
  EXPECT_TRUE(st.stored) << st.warning;
  EXPECT_EQ(compiles, 1);
  auto m2 = cache.get_or_compile(engine, src, compile_fn, &st);
  ASSERT_TRUE(m2.ok());
  EXPECT_TRUE(st.hit);
  EXPECT_EQ(compiles, 1);
  EXPECT_TRUE(m2->code_is_file_backed());
  exercise(engine, *m2);
  // Corrupt the entry: detected by its checksum, recompiled and replaced. The byte is in the
  // machine code (.text starts at the first page boundary), not in the ELF section headers
  // after it, whose damage is reported before the checksum is checked.
  {
    std::fstream f(st.entry_path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 + 8);
    f.put('\x5A');
  }
  auto m3 = cache.get_or_compile(engine, src, compile_fn, &st);
  ASSERT_TRUE(m3.ok());
  EXPECT_FALSE(st.hit);
  EXPECT_TRUE(st.replaced_bad);
  EXPECT_NE(st.warning.find("checksum"), std::string::npos) << st.warning;
  EXPECT_EQ(compiles, 2);
  exercise(engine, *m3);
  EXPECT_TRUE(cache.get_or_compile(engine, src, compile_fn, &st).ok());
  EXPECT_TRUE(st.hit);
  // Other settings or other bytes: another entry.
  Config c;
  c.opt_level = environ::OptLevel::kNone;
  Engine o0(c);
  EXPECT_NE(*cache.entry_path(o0, src), *cache.entry_path(engine, src));
  std::vector<uint8_t> other = src;
  other.push_back(0);
  EXPECT_NE(*cache.entry_path(engine, other), *cache.entry_path(engine, src));
  std::filesystem::remove_all(dir);
}

TEST(ModuleCache, ConcurrentUsersShareOneDirectory) {
  std::string dir = temp_path("cache2");
  std::filesystem::remove_all(dir);
  std::vector<uint8_t> src = wasm_bytes();
  constexpr int kThreads = 6;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Engine engine;  // one engine per thread, as separate processes would have
      ModuleCache cache(dir);
      for (int round = 0; round < 3; ++round) {
        CacheStats st;
        auto m = cache.get_or_compile(engine, src, [&] { return Module::from_binary(engine, src); }, &st);
        if (!m.ok() || st.replaced_bad) return;
        Store store(engine);
        auto inst = Instance::create(store, *m, {});
        if (!inst.ok()) return;
        auto fib = inst->get_func("fib");
        Val args[] = {Val::i32(15)};
        auto r = fib->call(args);
        if (!r.ok() || (*r)[0].i32() != 610) return;
      }
      ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads);
  // One entry, no temporary files left behind.
  size_t files = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) {
      ++files;
      EXPECT_EQ(e.path().extension(), ".cwasm") << e.path();
    }
  }
  EXPECT_EQ(files, 1u);
  std::filesystem::remove_all(dir);
}

TEST(ModuleCache, Sha256KnownAnswers) {
  auto hex = [](std::string_view s) {
    return to_hex(sha256({reinterpret_cast<const uint8_t*>(s.data()), s.size()}));
  };
  EXPECT_EQ(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  std::string million(1000000, 'a');
  EXPECT_EQ(hex(million), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

}  // namespace
}  // namespace kiln::runtime
