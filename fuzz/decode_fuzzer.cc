// fuzz/decode_fuzzer.cc: libFuzzer target: decode arbitrary bytes with every feature on and
// validate whatever decodes. Neither may crash, hang or trip a sanitizer on any input.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "wasm/decoder.h"
#include "wasm/features.h"
#include "wasm/validator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const kiln::wasm::Features features = kiln::wasm::Features::all();
  auto module = kiln::wasm::decode(std::vector<uint8_t>(data, data + size), features);
  if (module.ok()) {
    auto valid = kiln::wasm::validate(*module, features);
    (void)valid.ok();
  }
  return 0;
}
