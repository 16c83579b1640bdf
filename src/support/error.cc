// support/error.cc: formatting of Error.
#include "support/error.h"

#include <cstdio>

namespace kiln {

std::string Error::to_string() const {
  char buf[64];
  if (loc_.line != 0) {
    std::snprintf(buf, sizeof buf, "%u:%u: ", loc_.line, loc_.column);
    return buf + message_;
  }
  if (loc_.offset != Location::kNone) {
    std::snprintf(buf, sizeof buf, "offset 0x%llx: ", static_cast<unsigned long long>(loc_.offset));
    std::string s = buf + message_;
    if (loc_.func != UINT32_MAX) s += " (in function " + std::to_string(loc_.func) + ")";
    return s;
  }
  if (loc_.func != UINT32_MAX) return message_ + " (in function " + std::to_string(loc_.func) + ")";
  return message_;
}

}  // namespace kiln
