// wast/expected_failures.h: the strict list of spec assertions known to fail
// (tests/spec/expected_failures.txt), parsed and matched against script locations.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "support/error.h"

namespace kiln::wast {

// One listed assertion: `relative/path.wast:LINE[:COL]  reason`.
struct ExpectedFailure {
  std::string path;        // relative to the testsuite root, e.g. "spec/binary.wast"
  uint32_t line = 0;       // 1-based line of the assertion in the script
  uint32_t column = 0;     // 0: any assertion on that line
  std::string reason;      // why it fails; required so every entry is explained
  uint32_t list_line = 0;  // where the entry is written in the list, for error messages
};

class ExpectedFailures {
 public:
  // Parses the list. Blank lines and lines starting with '#' are ignored. Every other line
  // must be `path:LINE[:COL]` followed by whitespace and a non-empty reason; a duplicate
  // entry is an error so the list cannot silently disagree with itself.
  static Expected<ExpectedFailures> parse(std::string_view text, std::string_view list_name);
  // Reads and parses a list file; a missing file is an error (an empty file is fine).
  static Expected<ExpectedFailures> load(const std::string& path);

  // The entries naming the script at `script_path`. An entry matches when the script path
  // equals the entry's path or ends with '/' + the entry's path, so the list stays relative
  // to the testsuite root wherever the testsuite lives.
  std::vector<ExpectedFailure> for_script(std::string_view script_path) const;

  const std::vector<ExpectedFailure>& entries() const { return entries_; }

 private:
  std::vector<ExpectedFailure> entries_;
};

// True when `script_path` names the script `relative_path` (the suffix rule above).
bool path_matches(std::string_view script_path, std::string_view relative_path);

}  // namespace kiln::wast
