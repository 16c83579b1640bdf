// wast/spectest.h: the `spectest` host module the spec testsuite imports from: print
// functions, global_i32/i64/f32/f64 (666 / 666.6), a funcref table of 10..20 elements (and
// table64), a memory of 1..2 pages, and a shared memory when threads are enabled.
#pragma once

#include <ostream>

#include "runtime/linker.h"
#include "support/error.h"

namespace kiln::wast {

struct SpectestOptions {
  // Where the print functions write ("42 : i32" lines, as the reference interpreter does);
  // null: the values are consumed without output.
  std::ostream* print_to = nullptr;
  // Also define shared_memory (1..2 pages, shared).
  bool shared_memory = false;
};

// Defines the spectest module's items in `linker` under "spectest", created in `store`.
Expected<void> define_spectest(runtime::Linker& linker, runtime::Store& store, const SpectestOptions& options);

}  // namespace kiln::wast
