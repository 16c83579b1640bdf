// wasi/host/handle.cc: Handle's rights checks and default (unsupported) operations, HandleTable.
#include "wasi/host/handle.h"

#include "wasi/host/fs.h"

namespace kiln::wasi::host {

Result<void> Handle::check(Rights needed) const {
  if ((base_ & needed) != needed) return Errno::kNotcapable;
  return {};
}

Result<void> Handle::set_rights(Rights base, Rights inheriting) {
  if ((base & ~base_) != 0 || (inheriting & ~inheriting_) != 0) return Errno::kNotcapable;
  base_ = base;
  inheriting_ = inheriting;
  return {};
}

Result<void> Handle::set_fd_flags(FdFlags flags) {
  KILN_WASI_TRY(check(right::kFdFdstatSetFlags));
  return flags == fd_flags() ? Result<void>() : Result<void>(Errno::kNotsup);
}

Result<size_t> Handle::read(IoVecs) {
  KILN_WASI_TRY(check(right::kFdRead));
  return Errno::kBadf;
}
Result<size_t> Handle::write(CIoVecs) {
  KILN_WASI_TRY(check(right::kFdWrite));
  return Errno::kBadf;
}
Result<size_t> Handle::pread(IoVecs, uint64_t) {
  KILN_WASI_TRY(check(right::kFdRead | right::kFdSeek));
  return Errno::kSpipe;
}
Result<size_t> Handle::pwrite(CIoVecs, uint64_t) {
  KILN_WASI_TRY(check(right::kFdWrite | right::kFdSeek));
  return Errno::kSpipe;
}
Result<uint64_t> Handle::seek(int64_t offset, Whence whence) {
  bool tell_only = offset == 0 && whence == Whence::kCur;
  KILN_WASI_TRY(check(tell_only ? right::kFdTell : right::kFdSeek));
  return Errno::kSpipe;
}
Result<Filestat> Handle::filestat() {
  KILN_WASI_TRY(check(right::kFdFilestatGet));
  return Errno::kBadf;
}
Result<void> Handle::set_size(uint64_t) {
  KILN_WASI_TRY(check(right::kFdFilestatSetSize));
  return Errno::kBadf;
}
Result<void> Handle::set_times(NewTime, NewTime) {
  KILN_WASI_TRY(check(right::kFdFilestatSetTimes));
  return Errno::kBadf;
}
Result<void> Handle::advise(uint64_t, uint64_t, Advice) {
  KILN_WASI_TRY(check(right::kFdAdvise));
  return Errno::kBadf;
}
Result<void> Handle::allocate(uint64_t, uint64_t) {
  KILN_WASI_TRY(check(right::kFdAllocate));
  return Errno::kBadf;
}
Result<void> Handle::sync() {
  KILN_WASI_TRY(check(right::kFdSync));
  return Errno::kBadf;
}
Result<void> Handle::datasync() {
  KILN_WASI_TRY(check(right::kFdDatasync));
  return Errno::kBadf;
}
Result<PollTarget> Handle::poll_target(bool write) {
  KILN_WASI_TRY(check(right::kPollFdReadwrite | (write ? right::kFdWrite : right::kFdRead)));
  return Errno::kBadf;
}

Result<std::pair<NewTime, NewTime>> new_times_from_fst(uint64_t atim, uint64_t mtim,
                                                       FstFlags f) {
  if ((f & ~fst::kAll) != 0) return Errno::kInval;
  if ((f & fst::kAtim) && (f & fst::kAtimNow)) return Errno::kInval;
  if ((f & fst::kMtim) && (f & fst::kMtimNow)) return Errno::kInval;
  auto pick = [](uint64_t v, bool at, bool now) {
    return at ? NewTime::at(v) : now ? NewTime::now() : NewTime::no_change();
  };
  return std::pair{pick(atim, f & fst::kAtim, f & fst::kAtimNow),
                   pick(mtim, f & fst::kMtim, f & fst::kMtimNow)};
}

Result<uint32_t> HandleTable::insert(std::unique_ptr<Handle> h) {
  uint32_t n = first_free_hint_;
  while (n < slots_.size() && slots_[n]) ++n;
  if (n >= max_) return Errno::kNfile;
  KILN_WASI_TRY(insert_at(n, std::move(h)));
  return n;
}

Result<void> HandleTable::insert_at(uint32_t n, std::unique_ptr<Handle> h) {
  if (!h) return Errno::kInval;
  if (n >= max_) return Errno::kNfile;
  if (n >= slots_.size()) slots_.resize(size_t{n} + 1);
  if (slots_[n]) return Errno::kExist;
  slots_[n] = std::move(h);
  ++count_;
  if (n == first_free_hint_) {
    while (first_free_hint_ < slots_.size() && slots_[first_free_hint_]) ++first_free_hint_;
  }
  return {};
}

Result<Handle*> HandleTable::get(uint32_t n) const {
  if (!contains(n)) return Errno::kBadf;
  return slots_[n].get();
}

Result<Dir*> HandleTable::get_dir(uint32_t n) const {
  KILN_WASI_ASSIGN_OR_RETURN(Handle * h, get(n));
  Dir* d = h->as_dir();
  if (!d) return Errno::kNotdir;
  return d;
}

Result<std::unique_ptr<Handle>> HandleTable::remove(uint32_t n) {
  if (!contains(n)) return Errno::kBadf;
  std::unique_ptr<Handle> h = std::move(slots_[n]);
  --count_;
  if (n < first_free_hint_) first_free_hint_ = n;
  while (!slots_.empty() && !slots_.back()) slots_.pop_back();
  return h;
}

Result<void> HandleTable::renumber(uint32_t from, uint32_t to) {
  if (!contains(from) || !contains(to)) return Errno::kBadf;
  if (from == to) return {};
  slots_[to] = std::move(slots_[from]);  // destroys (closes) the old `to`
  --count_;
  if (from < first_free_hint_) first_free_hint_ = from;
  while (!slots_.empty() && !slots_.back()) slots_.pop_back();
  return {};
}

}  // namespace kiln::wasi::host
