// cli/io.h: whole-file reads and writes and module loading shared by the subcommands.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/error.h"
#include "wasm/features.h"
#include "wasm/module.h"

namespace kiln::cli {

Expected<std::vector<uint8_t>> read_file(const std::string& path);
Expected<void> write_file(const std::string& path, const std::vector<uint8_t>& bytes);

// True when the bytes start with the binary module magic "\0asm".
bool is_wasm_binary(const std::vector<uint8_t>& bytes);

struct LoadedModule {
  wasm::Module module;
  // The file was text: byte offsets in later errors are offsets in the encoded binary.
  bool from_text = false;
};

// Reads a module from a .wasm or .wat file and decodes it; text is parsed to binary first. A
// file is binary when it starts with the magic "\0asm" or is named *.wasm (so a truncated
// binary gets a decoder error, not a text syntax error); otherwise it is text.
Expected<LoadedModule> load_module(const std::string& path, const wasm::Features& features);

// "FILE:LINE:COL: error: MSG" for text positions, "FILE: error: offset 0x..: MSG" otherwise;
// `from_text` notes that an offset is one in the binary the text was translated to.
std::string format_error(const std::string& path, const Error& e, bool from_text = false);

}  // namespace kiln::cli
