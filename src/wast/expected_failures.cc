// wast/expected_failures.cc: parsing and matching of the expected-failures list.
#include "wast/expected_failures.h"

#include <fstream>
#include <sstream>

namespace kiln::wast {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// A positive decimal line/column number that fits in 32 bits; 0 is not a valid position.
bool parse_position(std::string_view digits, uint32_t& out) {
  if (digits.empty() || digits.size() > 9) return false;
  uint32_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v == 0) return false;
  out = v;
  return true;
}

Error list_error(std::string_view list_name, uint32_t line, const std::string& what) {
  return Error(ErrorKind::kOther, std::string(list_name) + ":" + std::to_string(line) + ": " + what,
               Location::at_line(line, 1));
}

}  // namespace

bool path_matches(std::string_view script_path, std::string_view relative_path) {
  if (relative_path.empty()) return false;
  if (script_path == relative_path) return true;
  if (script_path.size() <= relative_path.size()) return false;
  return script_path.ends_with(relative_path) &&
         script_path[script_path.size() - relative_path.size() - 1] == '/';
}

Expected<ExpectedFailures> ExpectedFailures::parse(std::string_view text,
                                                   std::string_view list_name) {
  ExpectedFailures list;
  uint32_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;

    size_t key_end = 0;
    while (key_end < line.size() && !is_space(line[key_end])) ++key_end;
    std::string_view key = line.substr(0, key_end);
    std::string_view reason = trim(line.substr(key_end));
    if (reason.empty()) {
      return list_error(list_name, line_no, "entry '" + std::string(key) + "' has no reason");
    }

    // key = path:LINE or path:LINE:COL; the path itself never contains ':' in the testsuite.
    ExpectedFailure entry;
    size_t c1 = key.find(':');
    if (c1 == std::string_view::npos || c1 == 0) {
      return list_error(list_name, line_no,
                        "expected 'path.wast:LINE', got '" + std::string(key) + "'");
    }
    entry.path = std::string(key.substr(0, c1));
    std::string_view rest = key.substr(c1 + 1);
    size_t c2 = rest.find(':');
    std::string_view line_part = rest.substr(0, c2);
    if (!parse_position(line_part, entry.line)) {
      return list_error(list_name, line_no, "bad line number in '" + std::string(key) + "'");
    }
    if (c2 != std::string_view::npos && !parse_position(rest.substr(c2 + 1), entry.column)) {
      return list_error(list_name, line_no, "bad column number in '" + std::string(key) + "'");
    }
    if (!entry.path.ends_with(".wast")) {
      return list_error(list_name, line_no, "path '" + entry.path + "' is not a .wast file");
    }
    entry.reason = std::string(reason);
    entry.list_line = line_no;
    for (const ExpectedFailure& e : list.entries_) {
      if (e.path == entry.path && e.line == entry.line && e.column == entry.column) {
        return list_error(list_name, line_no,
                          "duplicate entry '" + std::string(key) + "' (first on line " +
                              std::to_string(e.list_line) + ")");
      }
    }
    list.entries_.push_back(std::move(entry));
  }
  return list;
}

Expected<ExpectedFailures> ExpectedFailures::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorKind::kIo, "cannot open expected-failures list '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Error(ErrorKind::kIo, "cannot read expected-failures list '" + path + "'");
  return parse(ss.str(), path);
}

std::vector<ExpectedFailure> ExpectedFailures::for_script(std::string_view script_path) const {
  std::vector<ExpectedFailure> out;
  for (const ExpectedFailure& e : entries_) {
    if (path_matches(script_path, e.path)) out.push_back(e);
  }
  return out;
}

}  // namespace kiln::wast
