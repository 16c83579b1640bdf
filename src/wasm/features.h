// wasm/features.h: which WebAssembly proposals a decoder/validator accepts.
#pragma once

namespace kiln::wasm {

// One flag per proposal beyond the 1.0 core. Defaults follow Wasmtime: everything standardised
// in WebAssembly 3.0 is on, shared-memory threads are off.
struct Features {
  bool mutable_globals = true;
  bool sign_ext = true;
  bool sat_float_to_int = true;
  bool multi_value = true;
  bool bulk_memory = true;
  bool reference_types = true;
  bool simd = true;
  bool relaxed_simd = true;
  bool threads = false;
  bool tail_call = true;
  bool function_references = true;
  bool gc = true;
  bool exceptions = true;
  bool legacy_exceptions = true;
  bool memory64 = true;
  bool multi_memory = true;
  bool extended_const = true;
  bool wide_arithmetic = true;
  bool custom_page_sizes = true;

  static Features all() {
    Features f;
    f.threads = true;
    return f;
  }
};

}  // namespace kiln::wasm
