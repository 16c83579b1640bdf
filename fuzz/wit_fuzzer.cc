// fuzz/wit_fuzzer.cc: libFuzzer target for WIT: parses and resolves the bytes as one file and,
// when that succeeds, checks that the printed form resolves again and prints identically.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "wit/wit.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto resolved = kiln::wit::resolve_sources({{"fuzz.wit", text}});
  if (!resolved.ok()) return 0;
  std::string printed = kiln::wit::print_resolve(*resolved);
  // The printer's output must always be valid WIT that prints back to itself.
  auto again = kiln::wit::resolve_sources({{"printed.wit", printed}});
  if (!again.ok()) std::abort();
  if (kiln::wit::print_resolve(*again) != printed) std::abort();
  return 0;
}
