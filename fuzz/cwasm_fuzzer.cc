// fuzz/cwasm_fuzzer.cc: libFuzzer target: load arbitrary bytes as a precompiled artifact
// (.cwasm). Loading must reject every malformed input with an error and never crash, hang or
// trip a sanitizer. Each input is tried twice: as given (most mutations stop at the checksum),
// and with its checksum recomputed, so mutations reach the ELF, header, table and embedded
// module checks behind it. The loaded code is never run (an artifact is trusted code; what
// is fuzzed is the loader).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "runtime/artifact.h"
#include "runtime/module.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kiln::runtime;
  static const Engine engine;
  (void)Module::deserialize(engine, std::span<const uint8_t>(data, size)).ok();
  if (size >= artifact::kChecksumOffset + 8) {
    std::vector<uint8_t> b(data, data + size);
    uint64_t h = artifact::hash64(std::span<const uint8_t>(b).first(artifact::kChecksumOffset));
    h = artifact::hash64(std::span<const uint8_t>(b).subspan(artifact::kChecksumOffset + 8), h);
    std::memcpy(b.data() + artifact::kChecksumOffset, &h, 8);
    auto m = Module::deserialize(engine, b);
    // What loads must be a consistent module.
    if (m.ok() && m->function_code().size() != m->wasm().num_defined_funcs()) __builtin_trap();
  }
  return 0;
}
