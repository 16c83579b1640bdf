// tests/unit/codegen/filetest_text.cc: see filetest_text.h.
#include "filetest_text.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <sstream>

#include "codegen/ir/parser.h"

namespace kiln::codegen::filetest {

namespace fs = std::filesystem;
using namespace ir;

std::vector<std::string> list_kir_files(const std::string& prefix) {
  std::vector<std::string> out;
  fs::path root = fs::path(KILN_SOURCE_DIR) / "tests" / "filetests";
  if (!fs::exists(root)) return out;
  if (prefix.empty()) {
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (e.is_regular_file() && e.path().extension() == ".kir") {
        out.push_back(fs::relative(e.path(), root).string());
      }
    }
  } else {
    for (const auto& e : fs::directory_iterator(root)) {
      std::string name = e.path().filename().string();
      if (e.is_regular_file() && name.rfind(prefix, 0) == 0 && e.path().extension() == ".kir") {
        out.push_back(name);
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string line;
  while (std::getline(ss, line)) out.push_back(line);
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  return s.substr(b);
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!trim(cur).empty()) out.push_back(trim(cur));
  return out;
}

std::optional<DataValue> parse_data_value(const std::string& s, Type t) {
  if (t == kF32) {
    if (auto b = parse_f32_literal(s)) return DataValue::make(kF32, *b);
  } else if (t == kF64) {
    if (auto b = parse_f64_literal(s)) return DataValue::make(kF64, *b);
  } else if (t.is_int() && t.bits() <= 64) {
    if (auto b = parse_int_of_width(s, t.bits())) return DataValue::make(t, *b);
  } else if (t.is_valid()) {
    if (auto v = parse_v128_literal(s)) {
      U128 bits = 0;
      for (int i = 15; i >= 0; --i) bits = (bits << 8) | (*v)[i];
      return DataValue::make(t, bits);
    }
    if (auto i = parse_int_literal(s)) {  // sign-extended to the full width
      return DataValue::make(t, static_cast<U128>(static_cast<__int128>(*i)));
    }
  }
  return std::nullopt;
}

}  // namespace kiln::codegen::filetest
