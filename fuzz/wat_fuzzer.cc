// fuzz/wat_fuzzer.cc: libFuzzer target for the text format: parse a module, and when it
// parses, decode and validate the binary it produced (which must always decode).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "wasm/decoder.h"
#include "wasm/validator.h"
#include "wat/wat.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto bin = kiln::wat::parse_module(text);
  if (!bin.ok()) return 0;
  auto module = kiln::wasm::decode(std::move(bin).value(), kiln::wasm::Features::all());
  // The parser's output is well-formed by construction: a decode failure is a parser bug.
  if (!module.ok()) std::abort();
  (void)kiln::wasm::validate(*module, kiln::wasm::Features::all());
  return 0;
}
