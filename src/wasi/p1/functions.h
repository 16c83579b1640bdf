// wasi/p1/functions.h: every function of wasi_snapshot_preview1 as plain C++ over
// (WasiCtx, GuestMemory, the raw Wasm arguments) returning the preview1 errno, plus the
// guest-visible struct layouts (typenames.witx) they serialise.
#pragma once

#include <cstdint>

#include "wasi/p1/ctx.h"
#include "wasi/p1/guest_memory.h"

namespace kiln::wasi::p1 {

// Sizes and field offsets of the preview1 structs in guest memory (typenames.witx, wasm32).
namespace layout {
inline constexpr uint32_t kIovecSize = 8;         // buf u32 @0, buf_len u32 @4
inline constexpr uint32_t kFdstatSize = 24;       // filetype u8 @0, flags u16 @2,
                                                  // rights_base u64 @8, rights_inheriting @16
inline constexpr uint32_t kFilestatSize = 64;     // dev @0, ino @8, filetype u8 @16, nlink @24,
                                                  // size @32, atim @40, mtim @48, ctim @56
inline constexpr uint32_t kDirentSize = 24;       // d_next @0, d_ino @8, d_namlen u32 @16,
                                                  // d_type u8 @20; the name follows
inline constexpr uint32_t kPrestatSize = 8;       // tag u8 @0 (0 = dir), pr_name_len u32 @4
inline constexpr uint32_t kSubscriptionSize = 48; // userdata @0, tag u8 @8, clock: id u32 @16,
                                                  // timeout @24, precision @32, flags u16 @40;
                                                  // fd_readwrite: fd u32 @16
inline constexpr uint32_t kEventSize = 32;        // userdata @0, error u16 @8, type u8 @10,
                                                  // nbytes @16, flags u16 @24
}  // namespace layout

using Ptr = uint32_t;  // a wasm32 guest address
using Size = uint32_t;
using Fd = uint32_t;

Errno args_get(WasiCtx& ctx, GuestMemory& mem, Ptr argv, Ptr argv_buf);
Errno args_sizes_get(WasiCtx& ctx, GuestMemory& mem, Ptr argc_out, Ptr argv_buf_size_out);
Errno environ_get(WasiCtx& ctx, GuestMemory& mem, Ptr environ, Ptr environ_buf);
Errno environ_sizes_get(WasiCtx& ctx, GuestMemory& mem, Ptr count_out, Ptr buf_size_out);
Errno clock_res_get(WasiCtx& ctx, GuestMemory& mem, uint32_t clock_id, Ptr out);
Errno clock_time_get(WasiCtx& ctx, GuestMemory& mem, uint32_t clock_id, uint64_t precision,
                     Ptr out);
Errno random_get(WasiCtx& ctx, GuestMemory& mem, Ptr buf, Size len);

Errno fd_advise(WasiCtx& ctx, GuestMemory& mem, Fd fd, uint64_t offset, uint64_t len,
                uint32_t advice);
Errno fd_allocate(WasiCtx& ctx, GuestMemory& mem, Fd fd, uint64_t offset, uint64_t len);
Errno fd_close(WasiCtx& ctx, GuestMemory& mem, Fd fd);
Errno fd_datasync(WasiCtx& ctx, GuestMemory& mem, Fd fd);
Errno fd_fdstat_get(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr out);
Errno fd_fdstat_set_flags(WasiCtx& ctx, GuestMemory& mem, Fd fd, uint32_t flags);
Errno fd_fdstat_set_rights(WasiCtx& ctx, GuestMemory& mem, Fd fd, uint64_t base,
                           uint64_t inheriting);
Errno fd_filestat_get(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr out);
Errno fd_filestat_set_size(WasiCtx& ctx, GuestMemory& mem, Fd fd, uint64_t size);
Errno fd_filestat_set_times(WasiCtx& ctx, GuestMemory& mem, Fd fd, uint64_t atim, uint64_t mtim,
                            uint32_t fst_flags);
Errno fd_pread(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr iovs, Size iovs_len, uint64_t offset,
               Ptr nread_out);
Errno fd_prestat_get(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr out);
Errno fd_prestat_dir_name(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr path, Size path_len);
Errno fd_pwrite(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr iovs, Size iovs_len, uint64_t offset,
                Ptr nwritten_out);
Errno fd_read(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr iovs, Size iovs_len, Ptr nread_out);
Errno fd_readdir(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr buf, Size buf_len, uint64_t cookie,
                 Ptr bufused_out);
Errno fd_renumber(WasiCtx& ctx, GuestMemory& mem, Fd from, Fd to);
Errno fd_seek(WasiCtx& ctx, GuestMemory& mem, Fd fd, int64_t offset, uint32_t whence,
              Ptr newoffset_out);
Errno fd_sync(WasiCtx& ctx, GuestMemory& mem, Fd fd);
Errno fd_tell(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr offset_out);
Errno fd_write(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr iovs, Size iovs_len, Ptr nwritten_out);

Errno path_create_directory(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr path, Size path_len);
Errno path_filestat_get(WasiCtx& ctx, GuestMemory& mem, Fd fd, uint32_t flags, Ptr path,
                        Size path_len, Ptr out);
Errno path_filestat_set_times(WasiCtx& ctx, GuestMemory& mem, Fd fd, uint32_t flags, Ptr path,
                              Size path_len, uint64_t atim, uint64_t mtim, uint32_t fst_flags);
Errno path_link(WasiCtx& ctx, GuestMemory& mem, Fd old_fd, uint32_t old_flags, Ptr old_path,
                Size old_path_len, Fd new_fd, Ptr new_path, Size new_path_len);
Errno path_open(WasiCtx& ctx, GuestMemory& mem, Fd fd, uint32_t dirflags, Ptr path,
                Size path_len, uint32_t oflags, uint64_t rights_base, uint64_t rights_inheriting,
                uint32_t fdflags, Ptr fd_out);
Errno path_readlink(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr path, Size path_len, Ptr buf,
                    Size buf_len, Ptr bufused_out);
Errno path_remove_directory(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr path, Size path_len);
Errno path_rename(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr old_path, Size old_path_len,
                  Fd new_fd, Ptr new_path, Size new_path_len);
Errno path_symlink(WasiCtx& ctx, GuestMemory& mem, Ptr old_path, Size old_path_len, Fd fd,
                   Ptr new_path, Size new_path_len);
Errno path_unlink_file(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr path, Size path_len);

Errno poll_oneoff(WasiCtx& ctx, GuestMemory& mem, Ptr in, Ptr out, Size nsubscriptions,
                  Ptr nevents_out);
// Records the exit request; the binding then unwinds the guest (see linker.h). Statuses of
// 126 and above are refused (kInval, nothing recorded) as Wasmtime does: shells reserve them
// for "not executable", "not found" and signals, so a guest cannot fake those.
Errno proc_exit(WasiCtx& ctx, uint32_t code);
// Signals are not delivered to guests: kNosys, as Wasmtime answers.
Errno proc_raise(WasiCtx& ctx, GuestMemory& mem, uint32_t sig);
Errno sched_yield(WasiCtx& ctx, GuestMemory& mem);

Errno sock_accept(WasiCtx& ctx, GuestMemory& mem, Fd fd, uint32_t flags, Ptr fd_out);
Errno sock_recv(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr ri_data, Size ri_data_len,
                uint32_t ri_flags, Ptr ro_datalen_out, Ptr ro_flags_out);
Errno sock_send(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr si_data, Size si_data_len,
                uint32_t si_flags, Ptr so_datalen_out);
Errno sock_shutdown(WasiCtx& ctx, GuestMemory& mem, Fd fd, uint32_t how);

}  // namespace kiln::wasi::p1
