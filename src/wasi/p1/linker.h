// wasi/p1/linker.h: add_to_linker, which defines every wasi_snapshot_preview1 import as a host
// function of a store, and the exit convention proc_exit uses to unwind to the embedder.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "runtime/linker.h"
#include "support/error.h"
#include "wasi/p1/ctx.h"

namespace kiln::wasi::p1 {

inline constexpr std::string_view kModuleName = "wasi_snapshot_preview1";

// Defines all 46 functions of wasi_snapshot_preview1 in `linker` as store-independent host
// functions bound to `ctx`, which must outlive every use of them: a store gets a function
// (and its wasm-to-host trampoline is compiled) only when a module it instantiates imports
// it, so a program importing five functions pays for five. Each call views the calling
// instance's exported "memory" (a caller without one sees an empty memory, so every pointer
// is a kFault). proc_exit records the code in `ctx.exit_code` and returns an error, which
// unwinds the guest as a trap; the embedder then checks `exit_code_after_trap`.
Expected<void> add_to_linker(runtime::Linker& linker, WasiCtx& ctx);
// The same; `store` is not needed (kept for callers written against the store-bound form).
Expected<void> add_to_linker(runtime::Linker& linker, runtime::Store& store, WasiCtx& ctx);

// After a call into the guest failed: the guest's exit status if the failure was proc_exit,
// nullopt for a real trap.
std::optional<uint32_t> exit_code_after_trap(const WasiCtx& ctx);

}  // namespace kiln::wasi::p1
