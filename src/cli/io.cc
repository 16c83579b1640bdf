// cli/io.cc: file I/O and module loading for the subcommands.
#include "cli/io.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "wasm/decoder.h"
#include "wat/wat.h"

namespace kiln::cli {

Expected<std::vector<uint8_t>> read_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Error(ErrorKind::kIo, "no such file");
  if (!std::filesystem::is_regular_file(path, ec))
    return Error(ErrorKind::kIo, "not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorKind::kIo, "cannot open file");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) return Error(ErrorKind::kIo, "cannot read file");
  return bytes;
}

Expected<void> write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Error(ErrorKind::kIo, "cannot create file");
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Error(ErrorKind::kIo, "cannot write file");
  return ok();
}

bool is_wasm_binary(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 4 && bytes[0] == 0x00 && bytes[1] == 'a' && bytes[2] == 's' &&
         bytes[3] == 'm';
}

Expected<LoadedModule> load_module(const std::string& path, const wasm::Features& features) {
  KILN_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_file(path));
  LoadedModule loaded;
  loaded.from_text = !is_wasm_binary(bytes) && !path.ends_with(".wasm");
  if (loaded.from_text) {
    std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    KILN_ASSIGN_OR_RETURN(bytes, wat::parse_module(text));
  }
  KILN_ASSIGN_OR_RETURN(loaded.module, wasm::decode(std::move(bytes), features));
  return loaded;
}

std::string format_error(const std::string& path, const Error& e, bool from_text) {
  const Location& loc = e.location();
  if (loc.line != 0) {
    return path + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.column) +
           ": error: " + e.message();
  }
  std::string s = path + ": error: " + e.to_string();
  if (from_text && loc.offset != Location::kNone) s += " [offset in the encoded binary]";
  return s;
}

}  // namespace kiln::cli
