// wasi/p1/functions.cc: the preview1 functions: argument decoding from guest memory, the call
// into the host layer (which checks rights), and result serialisation. Nothing here touches the
// host filesystem or fds directly; every guest pointer goes through GuestMemory.
#include "wasi/p1/functions.h"

#include <algorithm>
#include <limits>
#include <string>
#include <thread>

#include "wasi/host/clock.h"
#include "wasi/host/fs.h"
#include "wasi/host/poll.h"
#include "wasi/host/random.h"
#include "wasi/host/socket.h"

namespace kiln::wasi::p1 {

namespace {

using host::Handle;
namespace right = host::right;

constexpr uint64_t kMaxU32 = std::numeric_limits<uint32_t>::max();

// A Result<void>'s errno (kSuccess when it succeeded).
Errno status(const Result<void>& r) { return r.error(); }

// Turns a function body written with KILN_WASI_TRY into an Errno-returning one.
template <typename F>
Errno run(F&& f) {
  Result<void> r = f();
  return r.error();
}

// Narrow witx types (u8 / u16 flags and enums) arrive as i32: values that do not fit are
// rejected as Wasmtime's bindings do.
Result<void> fits(uint32_t v, uint32_t max) {
  if (v > max) return Errno::kInval;
  return {};
}

// Results are u32 sizes: a transfer over overlapping iovecs could exceed 4 GiB in total, so
// the list is cut to at most 2^32-1 bytes before the host sees it.
template <typename Span>
void clip_total(std::vector<Span>& iov) {
  uint64_t total = 0;
  for (size_t i = 0; i < iov.size(); ++i) {
    uint64_t room = kMaxU32 - total;
    if (iov[i].size() >= room) {
      iov[i] = iov[i].first(static_cast<size_t>(room));
      iov.resize(i + 1);
      return;
    }
    total += iov[i].size();
  }
}

// lookupflags: only symlink_follow is defined; other bits are rejected like other flag sets.
Result<void> lookup_flags(uint32_t flags) {
  if ((flags & ~uint32_t{host::lookup::kSymlinkFollow}) != 0) return Errno::kInval;
  return {};
}

Result<void> check_out(const GuestMemory& mem, Ptr p, uint64_t size) {
  if (!mem.in_bounds(p, size)) return Errno::kFault;
  return {};
}

Result<void> write_filestat(const GuestMemory& mem, Ptr out, const host::Filestat& st) {
  KILN_WASI_ASSIGN_OR_RETURN(auto b, mem.bytes(out, layout::kFilestatSize));
  std::fill(b.begin(), b.end(), 0);
  KILN_WASI_TRY(mem.write<uint64_t>(out + 0, st.dev));
  KILN_WASI_TRY(mem.write<uint64_t>(out + 8, st.ino));
  KILN_WASI_TRY(mem.write<uint8_t>(out + 16, static_cast<uint8_t>(st.filetype)));
  KILN_WASI_TRY(mem.write<uint64_t>(out + 24, st.nlink));
  KILN_WASI_TRY(mem.write<uint64_t>(out + 32, st.size));
  KILN_WASI_TRY(mem.write<uint64_t>(out + 40, st.atim));
  KILN_WASI_TRY(mem.write<uint64_t>(out + 48, st.mtim));
  return mem.write<uint64_t>(out + 56, st.ctim);
}

// args_get / environ_get: a pointer array and the NUL-terminated strings it points to.
Result<void> write_string_list(const GuestMemory& mem, const std::vector<std::string>& list,
                               Ptr ptrs, Ptr buf) {
  KILN_WASI_TRY(check_out(mem, ptrs, uint64_t{list.size()} * 4));
  uint64_t at = buf;
  for (size_t i = 0; i < list.size(); ++i) {
    if (at > kMaxU32) return Errno::kFault;
    KILN_WASI_TRY(mem.write<uint32_t>(ptrs + i * 4, static_cast<uint32_t>(at)));
    KILN_WASI_TRY(mem.write_bytes(at, list[i]));
    KILN_WASI_TRY(mem.write<uint8_t>(at + list[i].size(), 0));
    at += list[i].size() + 1;
  }
  return {};
}

Result<void> write_list_sizes(const GuestMemory& mem, const std::vector<std::string>& list,
                              Ptr count_out, Ptr size_out) {
  uint64_t total = 0;
  for (const std::string& s : list) total += s.size() + 1;
  if (list.size() > kMaxU32 || total > kMaxU32) return Errno::kOverflow;
  KILN_WASI_TRY(mem.write<uint32_t>(count_out, static_cast<uint32_t>(list.size())));
  return mem.write<uint32_t>(size_out, static_cast<uint32_t>(total));
}

Result<Handle*> get(WasiCtx& ctx, Fd fd) { return ctx.table.get(fd); }
Result<host::Dir*> get_dir(WasiCtx& ctx, Fd fd) { return ctx.table.get_dir(fd); }

}  // namespace

// ---- args, environment, clocks, random -----------------------------------------------------

Errno args_get(WasiCtx& ctx, GuestMemory& mem, Ptr argv, Ptr argv_buf) {
  return status(write_string_list(mem, ctx.args, argv, argv_buf));
}

Errno args_sizes_get(WasiCtx& ctx, GuestMemory& mem, Ptr argc_out, Ptr argv_buf_size_out) {
  return status(write_list_sizes(mem, ctx.args, argc_out, argv_buf_size_out));
}

Errno environ_get(WasiCtx& ctx, GuestMemory& mem, Ptr environ, Ptr environ_buf) {
  return status(write_string_list(mem, ctx.env, environ, environ_buf));
}

Errno environ_sizes_get(WasiCtx& ctx, GuestMemory& mem, Ptr count_out, Ptr buf_size_out) {
  return status(write_list_sizes(mem, ctx.env, count_out, buf_size_out));
}

Errno clock_res_get(WasiCtx&, GuestMemory& mem, uint32_t clock_id, Ptr out) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(host::ClockId id, host::clock_id_from_raw(clock_id));
    KILN_WASI_ASSIGN_OR_RETURN(uint64_t res, host::clock_resolution(id));
    return mem.write<uint64_t>(out, res);
  });
}

Errno clock_time_get(WasiCtx&, GuestMemory& mem, uint32_t clock_id, uint64_t /*precision*/,
                     Ptr out) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(host::ClockId id, host::clock_id_from_raw(clock_id));
    KILN_WASI_ASSIGN_OR_RETURN(uint64_t t, host::clock_time(id));
    return mem.write<uint64_t>(out, t);
  });
}

Errno random_get(WasiCtx&, GuestMemory& mem, Ptr buf, Size len) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(auto b, mem.bytes(buf, len));
    return host::random_fill(b);
  });
}

// ---- fd_* ----------------------------------------------------------------------------------

Errno fd_advise(WasiCtx& ctx, GuestMemory&, Fd fd, uint64_t offset, uint64_t len,
                uint32_t advice) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(ctx, fd));
    KILN_WASI_TRY(fits(advice, static_cast<uint32_t>(host::Advice::kNoreuse)));
    return h->advise(offset, len, static_cast<host::Advice>(advice));
  });
}

Errno fd_allocate(WasiCtx& ctx, GuestMemory&, Fd fd, uint64_t offset, uint64_t len) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(ctx, fd));
    return h->allocate(offset, len);
  });
}

Errno fd_close(WasiCtx& ctx, GuestMemory&, Fd fd) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(auto h, ctx.table.remove(fd));
    h.reset();
    return {};
  });
}

Errno fd_datasync(WasiCtx& ctx, GuestMemory&, Fd fd) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(ctx, fd));
    return h->datasync();
  });
}

Errno fd_fdstat_get(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr out) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(ctx, fd));
    KILN_WASI_ASSIGN_OR_RETURN(auto b, mem.bytes(out, layout::kFdstatSize));
    std::fill(b.begin(), b.end(), 0);
    KILN_WASI_TRY(mem.write<uint8_t>(out + 0, static_cast<uint8_t>(h->filetype())));
    KILN_WASI_TRY(mem.write<uint16_t>(out + 2, h->fd_flags()));
    KILN_WASI_TRY(mem.write<uint64_t>(out + 8, h->rights_base()));
    return mem.write<uint64_t>(out + 16, h->rights_inheriting());
  });
}

Errno fd_fdstat_set_flags(WasiCtx& ctx, GuestMemory&, Fd fd, uint32_t flags) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(ctx, fd));
    KILN_WASI_TRY(fits(flags, 0xffff));
    if ((flags & ~host::fdflag::kAll) != 0) return Errno::kInval;
    return h->set_fd_flags(static_cast<host::FdFlags>(flags));
  });
}

Errno fd_fdstat_set_rights(WasiCtx& ctx, GuestMemory&, Fd fd, uint64_t base,
                           uint64_t inheriting) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(ctx, fd));
    return h->set_rights(base, inheriting);
  });
}

Errno fd_filestat_get(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr out) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(ctx, fd));
    KILN_WASI_TRY(check_out(mem, out, layout::kFilestatSize));
    KILN_WASI_ASSIGN_OR_RETURN(host::Filestat st, h->filestat());
    return write_filestat(mem, out, st);
  });
}

Errno fd_filestat_set_size(WasiCtx& ctx, GuestMemory&, Fd fd, uint64_t size) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(ctx, fd));
    return h->set_size(size);
  });
}

Errno fd_filestat_set_times(WasiCtx& ctx, GuestMemory&, Fd fd, uint64_t atim, uint64_t mtim,
                            uint32_t fst_flags) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(ctx, fd));
    KILN_WASI_TRY(fits(fst_flags, 0xffff));
    KILN_WASI_ASSIGN_OR_RETURN(auto times, host::new_times_from_fst(
                                               atim, mtim, static_cast<host::FstFlags>(fst_flags)));
    return h->set_times(times.first, times.second);
  });
}

Errno fd_pread(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr iovs, Size iovs_len, uint64_t offset,
               Ptr nread_out) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(ctx, fd));
    KILN_WASI_ASSIGN_OR_RETURN(auto iov, mem.iovecs(iovs, iovs_len));
    KILN_WASI_TRY(check_out(mem, nread_out, 4));
    clip_total(iov);
    KILN_WASI_ASSIGN_OR_RETURN(size_t n, h->pread(iov, offset));
    return mem.write<uint32_t>(nread_out, static_cast<uint32_t>(n));
  });
}

Errno fd_prestat_get(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr out) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(ctx, fd));
    host::Dir* d = h->as_dir();
    // Only preopens have a prestat; wasi-libc scans fds from 3 until it sees kBadf.
    if (d == nullptr || !d->preopen_name()) return Errno::kBadf;
    const std::string& name = *d->preopen_name();
    if (name.size() > kMaxU32) return Errno::kNametoolong;
    KILN_WASI_ASSIGN_OR_RETURN(auto b, mem.bytes(out, layout::kPrestatSize));
    std::fill(b.begin(), b.end(), 0);
    KILN_WASI_TRY(mem.write<uint8_t>(out, 0));  // preopentype::dir
    return mem.write<uint32_t>(out + 4, static_cast<uint32_t>(name.size()));
  });
}

Errno fd_prestat_dir_name(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr path, Size path_len) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(ctx, fd));
    host::Dir* d = h->as_dir();
    if (d == nullptr || !d->preopen_name()) return Errno::kBadf;
    const std::string& name = *d->preopen_name();
    if (name.size() > path_len) return Errno::kNametoolong;
    return mem.write_bytes(path, name);
  });
}

Errno fd_pwrite(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr iovs, Size iovs_len, uint64_t offset,
                Ptr nwritten_out) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(ctx, fd));
    KILN_WASI_ASSIGN_OR_RETURN(auto iov, mem.ciovecs(iovs, iovs_len));
    KILN_WASI_TRY(check_out(mem, nwritten_out, 4));
    clip_total(iov);
    KILN_WASI_ASSIGN_OR_RETURN(size_t n, h->pwrite(iov, offset));
    return mem.write<uint32_t>(nwritten_out, static_cast<uint32_t>(n));
  });
}

Errno fd_read(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr iovs, Size iovs_len, Ptr nread_out) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(ctx, fd));
    KILN_WASI_ASSIGN_OR_RETURN(auto iov, mem.iovecs(iovs, iovs_len));
    KILN_WASI_TRY(check_out(mem, nread_out, 4));
    clip_total(iov);
    KILN_WASI_ASSIGN_OR_RETURN(size_t n, h->read(iov));
    return mem.write<uint32_t>(nread_out, static_cast<uint32_t>(n));
  });
}

Errno fd_readdir(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr buf, Size buf_len, uint64_t cookie,
                 Ptr bufused_out) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(ctx, fd));
    host::Dir* d = h->as_dir();
    if (d == nullptr) return Errno::kNotdir;
    KILN_WASI_ASSIGN_OR_RETURN(auto out, mem.bytes(buf, buf_len));
    KILN_WASI_TRY(check_out(mem, bufused_out, 4));
    KILN_WASI_ASSIGN_OR_RETURN(host::DirListing listing, d->read_dir(cookie));
    // Entries are serialised back to back (header then name) and the last one is cut at
    // buf_len: the spec lets the buffer end mid-entry, which tells the guest there is more
    // (bufused == buf_len) and that it should retry from the last complete entry's d_next.
    size_t used = 0;
    const auto& entries = *listing.entries;
    for (size_t i = listing.start; i < entries.size() && used < out.size(); ++i) {
      const host::DirEntry& e = entries[i];
      if (e.name.size() > kMaxU32) return Errno::kNametoolong;
      uint8_t header[layout::kDirentSize] = {};
      uint64_t next = e.next;
      uint64_t ino = e.ino;
      uint32_t namlen = static_cast<uint32_t>(e.name.size());
      std::memcpy(header + 0, &next, 8);
      std::memcpy(header + 8, &ino, 8);
      std::memcpy(header + 16, &namlen, 4);
      header[20] = static_cast<uint8_t>(e.type);
      size_t n = std::min(sizeof header, out.size() - used);
      std::memcpy(out.data() + used, header, n);
      used += n;
      n = std::min(e.name.size(), out.size() - used);
      if (n > 0) std::memcpy(out.data() + used, e.name.data(), n);
      used += n;
    }
    return mem.write<uint32_t>(bufused_out, static_cast<uint32_t>(used));
  });
}

Errno fd_renumber(WasiCtx& ctx, GuestMemory&, Fd from, Fd to) {
  return status(ctx.table.renumber(from, to));
}

Errno fd_seek(WasiCtx& ctx, GuestMemory& mem, Fd fd, int64_t offset, uint32_t whence,
              Ptr newoffset_out) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(ctx, fd));
    KILN_WASI_TRY(fits(whence, static_cast<uint32_t>(host::Whence::kEnd)));
    KILN_WASI_TRY(check_out(mem, newoffset_out, 8));
    KILN_WASI_ASSIGN_OR_RETURN(uint64_t pos, h->seek(offset, static_cast<host::Whence>(whence)));
    return mem.write<uint64_t>(newoffset_out, pos);
  });
}

Errno fd_sync(WasiCtx& ctx, GuestMemory&, Fd fd) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(ctx, fd));
    return h->sync();
  });
}

Errno fd_tell(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr offset_out) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(ctx, fd));
    KILN_WASI_TRY(check_out(mem, offset_out, 8));
    KILN_WASI_ASSIGN_OR_RETURN(uint64_t pos, h->tell());
    return mem.write<uint64_t>(offset_out, pos);
  });
}

Errno fd_write(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr iovs, Size iovs_len, Ptr nwritten_out) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(ctx, fd));
    KILN_WASI_ASSIGN_OR_RETURN(auto iov, mem.ciovecs(iovs, iovs_len));
    KILN_WASI_TRY(check_out(mem, nwritten_out, 4));
    clip_total(iov);
    KILN_WASI_ASSIGN_OR_RETURN(size_t n, h->write(iov));
    return mem.write<uint32_t>(nwritten_out, static_cast<uint32_t>(n));
  });
}

// ---- path_* --------------------------------------------------------------------------------

Errno path_create_directory(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr path, Size path_len) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(host::Dir * d, get_dir(ctx, fd));
    KILN_WASI_ASSIGN_OR_RETURN(std::string_view p, mem.string(path, path_len));
    return d->create_directory(p);
  });
}

Errno path_filestat_get(WasiCtx& ctx, GuestMemory& mem, Fd fd, uint32_t flags, Ptr path,
                        Size path_len, Ptr out) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(host::Dir * d, get_dir(ctx, fd));
    KILN_WASI_TRY(lookup_flags(flags));
    KILN_WASI_ASSIGN_OR_RETURN(std::string_view p, mem.string(path, path_len));
    KILN_WASI_TRY(check_out(mem, out, layout::kFilestatSize));
    KILN_WASI_ASSIGN_OR_RETURN(host::Filestat st, d->stat_at(flags, p));
    return write_filestat(mem, out, st);
  });
}

Errno path_filestat_set_times(WasiCtx& ctx, GuestMemory& mem, Fd fd, uint32_t flags, Ptr path,
                              Size path_len, uint64_t atim, uint64_t mtim, uint32_t fst_flags) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(host::Dir * d, get_dir(ctx, fd));
    KILN_WASI_TRY(lookup_flags(flags));
    KILN_WASI_ASSIGN_OR_RETURN(std::string_view p, mem.string(path, path_len));
    KILN_WASI_TRY(fits(fst_flags, 0xffff));
    KILN_WASI_ASSIGN_OR_RETURN(auto times, host::new_times_from_fst(
                                               atim, mtim, static_cast<host::FstFlags>(fst_flags)));
    return d->set_times_at(flags, p, times.first, times.second);
  });
}

Errno path_link(WasiCtx& ctx, GuestMemory& mem, Fd old_fd, uint32_t old_flags, Ptr old_path,
                Size old_path_len, Fd new_fd, Ptr new_path, Size new_path_len) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(host::Dir * from, get_dir(ctx, old_fd));
    KILN_WASI_ASSIGN_OR_RETURN(host::Dir * to, get_dir(ctx, new_fd));
    KILN_WASI_TRY(lookup_flags(old_flags));
    KILN_WASI_ASSIGN_OR_RETURN(std::string_view op, mem.string(old_path, old_path_len));
    KILN_WASI_ASSIGN_OR_RETURN(std::string_view np, mem.string(new_path, new_path_len));
    return from->link(old_flags, op, *to, np);
  });
}

Errno path_open(WasiCtx& ctx, GuestMemory& mem, Fd fd, uint32_t dirflags, Ptr path,
                Size path_len, uint32_t oflags, uint64_t rights_base, uint64_t rights_inheriting,
                uint32_t fdflags, Ptr fd_out) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(host::Dir * d, get_dir(ctx, fd));
    KILN_WASI_TRY(lookup_flags(dirflags));
    KILN_WASI_ASSIGN_OR_RETURN(std::string_view p, mem.string(path, path_len));
    KILN_WASI_TRY(fits(oflags, 0xffff));
    KILN_WASI_TRY(fits(fdflags, 0xffff));
    // Checked before opening, so a bad pointer cannot leave an open handle behind.
    KILN_WASI_TRY(check_out(mem, fd_out, 4));
    // Rights: what is asked for is narrowed to what the directory passes on (toolchains ask
    // for "everything" and rely on this), except that asking to write where the directory
    // cannot grant writing is refused up front rather than yielding an fd whose writes fail.
    host::Rights pass = d->rights_inheriting();
    if ((rights_base & right::kFdWrite) && !(pass & right::kFdWrite) &&
        !(oflags & host::oflag::kDirectory)) {
      return Errno::kNotcapable;
    }
    host::Rights base = rights_base & pass;
    host::Rights inheriting = rights_inheriting & pass;
    KILN_WASI_ASSIGN_OR_RETURN(
        auto h, d->open_at(dirflags, p, static_cast<host::OFlags>(oflags), base, inheriting,
                           static_cast<host::FdFlags>(fdflags)));
    KILN_WASI_ASSIGN_OR_RETURN(uint32_t n, ctx.table.insert(std::move(h)));
    return mem.write<uint32_t>(fd_out, n);
  });
}

Errno path_readlink(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr path, Size path_len, Ptr buf,
                    Size buf_len, Ptr bufused_out) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(host::Dir * d, get_dir(ctx, fd));
    KILN_WASI_ASSIGN_OR_RETURN(std::string_view p, mem.string(path, path_len));
    KILN_WASI_ASSIGN_OR_RETURN(auto out, mem.bytes(buf, buf_len));
    KILN_WASI_TRY(check_out(mem, bufused_out, 4));
    KILN_WASI_ASSIGN_OR_RETURN(std::string target, d->readlink(p));
    // Truncated to the buffer, as readlink(2) does.
    size_t n = std::min(target.size(), out.size());
    if (n > 0) std::memcpy(out.data(), target.data(), n);
    return mem.write<uint32_t>(bufused_out, static_cast<uint32_t>(n));
  });
}

Errno path_remove_directory(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr path, Size path_len) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(host::Dir * d, get_dir(ctx, fd));
    KILN_WASI_ASSIGN_OR_RETURN(std::string_view p, mem.string(path, path_len));
    return d->remove_directory(p);
  });
}

Errno path_rename(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr old_path, Size old_path_len,
                  Fd new_fd, Ptr new_path, Size new_path_len) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(host::Dir * from, get_dir(ctx, fd));
    KILN_WASI_ASSIGN_OR_RETURN(host::Dir * to, get_dir(ctx, new_fd));
    KILN_WASI_ASSIGN_OR_RETURN(std::string_view op, mem.string(old_path, old_path_len));
    KILN_WASI_ASSIGN_OR_RETURN(std::string_view np, mem.string(new_path, new_path_len));
    return from->rename(op, *to, np);
  });
}

Errno path_symlink(WasiCtx& ctx, GuestMemory& mem, Ptr old_path, Size old_path_len, Fd fd,
                   Ptr new_path, Size new_path_len) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(host::Dir * d, get_dir(ctx, fd));
    KILN_WASI_ASSIGN_OR_RETURN(std::string_view target, mem.string(old_path, old_path_len));
    KILN_WASI_ASSIGN_OR_RETURN(std::string_view np, mem.string(new_path, new_path_len));
    return d->symlink(target, np);
  });
}

Errno path_unlink_file(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr path, Size path_len) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(host::Dir * d, get_dir(ctx, fd));
    KILN_WASI_ASSIGN_OR_RETURN(std::string_view p, mem.string(path, path_len));
    return d->unlink_file(p);
  });
}

// ---- poll, proc, sched ---------------------------------------------------------------------

Errno poll_oneoff(WasiCtx& ctx, GuestMemory& mem, Ptr in, Ptr out, Size nsubscriptions,
                  Ptr nevents_out) {
  return run([&]() -> Result<void> {
    if (nsubscriptions == 0) return Errno::kInval;
    uint64_t n = nsubscriptions;
    KILN_WASI_TRY(check_out(mem, in, n * layout::kSubscriptionSize));
    KILN_WASI_TRY(check_out(mem, out, n * layout::kEventSize));
    KILN_WASI_TRY(check_out(mem, nevents_out, 4));
    std::vector<host::Subscription> subs;
    subs.reserve(static_cast<size_t>(n));
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t s = in + i * layout::kSubscriptionSize;
      host::Subscription sub;
      KILN_WASI_ASSIGN_OR_RETURN(sub.userdata, mem.read<uint64_t>(s));
      KILN_WASI_ASSIGN_OR_RETURN(uint8_t tag, mem.read<uint8_t>(s + 8));
      switch (tag) {
        case 0: {
          sub.type = host::EventType::kClock;
          KILN_WASI_ASSIGN_OR_RETURN(uint32_t id, mem.read<uint32_t>(s + 16));
          KILN_WASI_ASSIGN_OR_RETURN(sub.clock, host::clock_id_from_raw(id));
          KILN_WASI_ASSIGN_OR_RETURN(sub.timeout, mem.read<uint64_t>(s + 24));
          KILN_WASI_ASSIGN_OR_RETURN(sub.precision, mem.read<uint64_t>(s + 32));
          KILN_WASI_ASSIGN_OR_RETURN(uint16_t flags, mem.read<uint16_t>(s + 40));
          if ((flags & ~1u) != 0) return Errno::kInval;
          sub.absolute = flags & 1;  // subclockflags::subscription_clock_abstime
          break;
        }
        case 1:
        case 2: {
          sub.type = tag == 1 ? host::EventType::kFdRead : host::EventType::kFdWrite;
          KILN_WASI_ASSIGN_OR_RETURN(uint32_t fd, mem.read<uint32_t>(s + 16));
          auto h = ctx.table.get(fd);
          sub.handle = h ? *h : nullptr;  // a bad fd becomes an event carrying kBadf
          break;
        }
        default:
          return Errno::kInval;
      }
      subs.push_back(sub);
    }
    KILN_WASI_ASSIGN_OR_RETURN(std::vector<host::Event> events, host::poll(subs));
    if (events.size() > n) return Errno::kIo;  // the host promises at most one per subscription
    for (size_t i = 0; i < events.size(); ++i) {
      const host::Event& e = events[i];
      uint64_t o = out + i * layout::kEventSize;
      KILN_WASI_ASSIGN_OR_RETURN(auto b, mem.bytes(o, layout::kEventSize));
      std::fill(b.begin(), b.end(), 0);
      KILN_WASI_TRY(mem.write<uint64_t>(o, e.userdata));
      KILN_WASI_TRY(mem.write<uint16_t>(o + 8, static_cast<uint16_t>(e.error)));
      KILN_WASI_TRY(mem.write<uint8_t>(o + 10, static_cast<uint8_t>(e.type)));
      if (e.type != host::EventType::kClock) {
        KILN_WASI_TRY(mem.write<uint64_t>(o + 16, e.nbytes));
        KILN_WASI_TRY(mem.write<uint16_t>(o + 24, e.hangup ? 1 : 0));  // fd_readwrite_hangup
      }
    }
    return mem.write<uint32_t>(nevents_out, static_cast<uint32_t>(events.size()));
  });
}

Errno proc_exit(WasiCtx& ctx, uint32_t code) {
  if (code >= 126) return Errno::kInval;
  ctx.exit_code = code;
  return Errno::kSuccess;
}

Errno proc_raise(WasiCtx&, GuestMemory&, uint32_t) { return Errno::kNosys; }

Errno sched_yield(WasiCtx&, GuestMemory&) {
  std::this_thread::yield();
  return Errno::kSuccess;
}

// ---- sock_* --------------------------------------------------------------------------------

namespace {
Result<host::TcpSocket*> get_socket(WasiCtx& ctx, Fd fd) {
  KILN_WASI_ASSIGN_OR_RETURN(Handle * h, ctx.table.get(fd));
  host::TcpSocket* s = h->as_socket();
  if (s == nullptr) return Errno::kNotsock;
  return s;
}
}  // namespace

Errno sock_accept(WasiCtx& ctx, GuestMemory& mem, Fd fd, uint32_t flags, Ptr fd_out) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(host::TcpSocket * s, get_socket(ctx, fd));
    KILN_WASI_TRY(fits(flags, 0xffff));
    KILN_WASI_TRY(check_out(mem, fd_out, 4));
    KILN_WASI_ASSIGN_OR_RETURN(auto conn, s->accept(static_cast<host::FdFlags>(flags)));
    KILN_WASI_ASSIGN_OR_RETURN(uint32_t n, ctx.table.insert(std::move(conn)));
    return mem.write<uint32_t>(fd_out, n);
  });
}

Errno sock_recv(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr ri_data, Size ri_data_len,
                uint32_t ri_flags, Ptr ro_datalen_out, Ptr ro_flags_out) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(host::TcpSocket * s, get_socket(ctx, fd));
    KILN_WASI_TRY(fits(ri_flags, 0xffff));
    KILN_WASI_ASSIGN_OR_RETURN(auto iov, mem.iovecs(ri_data, ri_data_len));
    KILN_WASI_TRY(check_out(mem, ro_datalen_out, 4));
    KILN_WASI_TRY(check_out(mem, ro_flags_out, 2));
    clip_total(iov);
    KILN_WASI_ASSIGN_OR_RETURN(auto r, s->recv(iov, static_cast<host::RiFlags>(ri_flags)));
    KILN_WASI_TRY(mem.write<uint32_t>(ro_datalen_out, static_cast<uint32_t>(r.first)));
    return mem.write<uint16_t>(ro_flags_out, r.second);
  });
}

Errno sock_send(WasiCtx& ctx, GuestMemory& mem, Fd fd, Ptr si_data, Size si_data_len,
                uint32_t si_flags, Ptr so_datalen_out) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(host::TcpSocket * s, get_socket(ctx, fd));
    KILN_WASI_TRY(fits(si_flags, 0xffff));
    KILN_WASI_ASSIGN_OR_RETURN(auto iov, mem.ciovecs(si_data, si_data_len));
    KILN_WASI_TRY(check_out(mem, so_datalen_out, 4));
    clip_total(iov);
    KILN_WASI_ASSIGN_OR_RETURN(size_t n, s->send(iov, static_cast<uint16_t>(si_flags)));
    return mem.write<uint32_t>(so_datalen_out, static_cast<uint32_t>(n));
  });
}

Errno sock_shutdown(WasiCtx& ctx, GuestMemory&, Fd fd, uint32_t how) {
  return run([&]() -> Result<void> {
    KILN_WASI_ASSIGN_OR_RETURN(host::TcpSocket * s, get_socket(ctx, fd));
    KILN_WASI_TRY(fits(how, 0xff));
    return s->shutdown(static_cast<host::SdFlags>(how));
  });
}

}  // namespace kiln::wasi::p1
