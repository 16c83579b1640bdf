// wasi/p1/linker.cc: the host-function glue from runtime Vals to the preview1 functions.
#include "wasi/p1/linker.h"

#include <string>
#include <utility>

#include "wasi/p1/functions.h"

namespace kiln::wasi::p1 {

namespace {

using runtime::Caller;
using runtime::Val;

// The calling instance's "memory" export, viewed for the duration of one host call. preview1
// functions never call back into Wasm, so the view cannot go stale while it is used.
GuestMemory caller_memory(Caller& caller) {
  auto ext = caller.get_export("memory");
  if (ext) {
    if (auto* m = std::get_if<runtime::Memory>(&*ext)) return GuestMemory(m->data(), m->data_size());
  }
  return GuestMemory(nullptr, 0);
}

template <typename... A, size_t... I>
Errno invoke(Errno (*f)(WasiCtx&, GuestMemory&, A...), WasiCtx& ctx, GuestMemory& mem,
             std::span<const Val> params, std::index_sequence<I...>) {
  (void)params;  // unused for sched_yield, which takes no arguments
  return f(ctx, mem, runtime::detail::WasmTypeOf<A>::from(params[I])...);
}

// Defines `name` with the Wasm signature derived from f's raw argument types, returning errno.
template <typename... A>
Expected<void> define(runtime::Linker& linker, WasiCtx& ctx, std::string_view name,
                      Errno (*f)(WasiCtx&, GuestMemory&, A...)) {
  wasm::FuncType type;
  (type.params.push_back(runtime::detail::WasmTypeOf<A>::type()), ...);
  type.results.push_back(wasm::ValType::i32());
  return linker.func_new(
      kModuleName, name, type,
      [&ctx, f](Caller& caller, std::span<const Val> params,
                std::span<Val> results) -> Expected<void> {
        GuestMemory mem = caller_memory(caller);
        Errno e = invoke(f, ctx, mem, params, std::index_sequence_for<A...>());
        results[0] = Val::i32(static_cast<int32_t>(e));
        return {};
      });
}

}  // namespace

Expected<void> add_to_linker(runtime::Linker& linker, runtime::Store& /*store*/, WasiCtx& ctx) {
  return add_to_linker(linker, ctx);
}

Expected<void> add_to_linker(runtime::Linker& linker, WasiCtx& ctx) {
#define KILN_P1_DEFINE(fn) KILN_TRY(define(linker, ctx, #fn, &fn))
  KILN_P1_DEFINE(args_get);
  KILN_P1_DEFINE(args_sizes_get);
  KILN_P1_DEFINE(environ_get);
  KILN_P1_DEFINE(environ_sizes_get);
  KILN_P1_DEFINE(clock_res_get);
  KILN_P1_DEFINE(clock_time_get);
  KILN_P1_DEFINE(random_get);
  KILN_P1_DEFINE(fd_advise);
  KILN_P1_DEFINE(fd_allocate);
  KILN_P1_DEFINE(fd_close);
  KILN_P1_DEFINE(fd_datasync);
  KILN_P1_DEFINE(fd_fdstat_get);
  KILN_P1_DEFINE(fd_fdstat_set_flags);
  KILN_P1_DEFINE(fd_fdstat_set_rights);
  KILN_P1_DEFINE(fd_filestat_get);
  KILN_P1_DEFINE(fd_filestat_set_size);
  KILN_P1_DEFINE(fd_filestat_set_times);
  KILN_P1_DEFINE(fd_pread);
  KILN_P1_DEFINE(fd_prestat_get);
  KILN_P1_DEFINE(fd_prestat_dir_name);
  KILN_P1_DEFINE(fd_pwrite);
  KILN_P1_DEFINE(fd_read);
  KILN_P1_DEFINE(fd_readdir);
  KILN_P1_DEFINE(fd_renumber);
  KILN_P1_DEFINE(fd_seek);
  KILN_P1_DEFINE(fd_sync);
  KILN_P1_DEFINE(fd_tell);
  KILN_P1_DEFINE(fd_write);
  KILN_P1_DEFINE(path_create_directory);
  KILN_P1_DEFINE(path_filestat_get);
  KILN_P1_DEFINE(path_filestat_set_times);
  KILN_P1_DEFINE(path_link);
  KILN_P1_DEFINE(path_open);
  KILN_P1_DEFINE(path_readlink);
  KILN_P1_DEFINE(path_remove_directory);
  KILN_P1_DEFINE(path_rename);
  KILN_P1_DEFINE(path_symlink);
  KILN_P1_DEFINE(path_unlink_file);
  KILN_P1_DEFINE(poll_oneoff);
  KILN_P1_DEFINE(proc_raise);
  KILN_P1_DEFINE(sched_yield);
  KILN_P1_DEFINE(sock_accept);
  KILN_P1_DEFINE(sock_recv);
  KILN_P1_DEFINE(sock_send);
  KILN_P1_DEFINE(sock_shutdown);
#undef KILN_P1_DEFINE

  // proc_exit: (i32) -> (), never returns. The error unwinds the guest like a trap; the code
  // is kept in the context for the embedder.
  wasm::FuncType exit_type;
  exit_type.params.push_back(wasm::ValType::i32());
  return linker.func_new(kModuleName, "proc_exit", exit_type,
                         [&ctx](Caller&, std::span<const Val> params,
                                std::span<Val>) -> Expected<void> {
                           uint32_t code = static_cast<uint32_t>(params[0].i32());
                           if (proc_exit(ctx, code) != Errno::kSuccess) {
                             return Error(ErrorKind::kOther,
                                          "exit with invalid exit status outside of [0..126)");
                           }
                           return Error(ErrorKind::kOther,
                                        "proc_exit(" + std::to_string(code) + ")");
                         });
}

std::optional<uint32_t> exit_code_after_trap(const WasiCtx& ctx) { return ctx.exit_code; }

}  // namespace kiln::wasi::p1
