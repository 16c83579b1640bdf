// fuzz/component_fuzzer.cc: decode and validate arbitrary bytes as a component; any input must
// give a value or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "component/decoder.h"
#include "component/validator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  auto c = kiln::component::decode_component(bytes);
  if (c.ok()) (void)kiln::component::validate_component(*c);
  return 0;
}
