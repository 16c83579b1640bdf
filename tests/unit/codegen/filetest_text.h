// tests/unit/codegen/filetest_text.h: text helpers shared by the filetest runners
// (filetests_test.cc, opt_filetests_test.cc): listing the .kir files, splitting lines and
// argument lists, and parsing `; run:` argument values for a parameter type.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "codegen/ir/interpreter.h"

namespace kiln::codegen::filetest {

// tests/filetests/**.kir relative to that directory, sorted; with `prefix`, only the files
// directly in it whose names start with it.
std::vector<std::string> list_kir_files(const std::string& prefix = "");

std::vector<std::string> split_lines(const std::string& s);
std::string trim(std::string s);
// Splits "a, b, c" at commas, trimming each part.
std::vector<std::string> split_commas(const std::string& s);
// A literal as a value of type t: ints of the type's width, float literals (incl. nan:0x...),
// and for vectors a v128 literal or a sign-extended integer.
std::optional<ir::DataValue> parse_data_value(const std::string& s, ir::Type t);

}  // namespace kiln::codegen::filetest
