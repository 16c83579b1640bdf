// tests/unit/wasi_host/fs_ops_test.cc: the success path (and the POSIX errors) of every
// filesystem operation: open flags, fd flags, I/O, stat, times, readdir cookies, rights.
#include <algorithm>

#include "sandbox_fixture.h"

namespace kiln::wasi::host::testing {
namespace {

using FsOpsTest = SandboxTest;

TEST_P(FsOpsTest, OpenCreateExclTrunc) {
  auto h = open("new", oflag::kCreat);
  ASSERT_OK(h);
  EXPECT_EQ((*h)->filetype(), Filetype::kRegularFile);
  ASSERT_OK(write_str(**h, "abc"));
  EXPECT_EQ(read_host_file(root_ + "/new"), "abc");
  EXPECT_ERRNO(open("new", oflag::kCreat | oflag::kExcl), Errno::kExist);
  ASSERT_OK(open("new", oflag::kCreat));  // existing, no excl: fine
  ASSERT_OK(open("new", oflag::kTrunc));
  EXPECT_EQ(read_host_file(root_ + "/new"), "");
  EXPECT_ERRNO(open("missing"), Errno::kNoent);
  EXPECT_ERRNO(open("missing/x", oflag::kCreat), Errno::kNoent);
  EXPECT_ERRNO(open("file", oflag::kDirectory, 0, right::kDirReadOnly), Errno::kNotdir);
  EXPECT_ERRNO(open("x", oflag::kCreat | oflag::kDirectory, 0, right::kDirAll), Errno::kInval);
  EXPECT_ERRNO(open("dir", 0, 0, right::kFileAll), Errno::kIsdir);
  EXPECT_ERRNO(open("file", 0x10), Errno::kInval);
  EXPECT_ERRNO(open("file", 0, 0, right::kFileAll, 0x20), Errno::kInval);
}

TEST_P(FsOpsTest, OpenDirectoryGivesDir) {
  auto h = open("dir", oflag::kDirectory, 0, right::kDirAll);
  ASSERT_OK(h);
  Dir* d = (*h)->as_dir();
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE(d->preopen_name().has_value());
  EXPECT_EQ(dir_->preopen_name().value(), "/");
  // A directory opened readable without O_DIRECTORY is a Dir too.
  auto h2 = open("dir", 0, 0, right::kFdRead | right::kFdReaddir);
  ASSERT_OK(h2);
  ASSERT_NE((*h2)->as_dir(), nullptr);
  // Children get the inheriting rights asked for (here none): no further opens.
  EXPECT_ERRNO(d->open_at(0, "inner", 0, right::kFdRead, 0, 0), Errno::kNotcapable);
  auto h3 = dir_->open_at(0, "dir", oflag::kDirectory, right::kDirAll,
                          right::kDirAll | right::kFileAll, 0);
  ASSERT_OK(h3);
  auto inner = (*h3)->as_dir()->open_at(0, "inner", 0, right::kFileReadOnly, 0, 0);
  ASSERT_OK(inner);
  EXPECT_EQ(read_all(**inner), "inner");
}

TEST_P(FsOpsTest, FdFlags) {
  auto h = open("file", 0, 0, right::kFileAll, fdflag::kAppend);
  ASSERT_OK(h);
  EXPECT_EQ((*h)->fd_flags(), fdflag::kAppend);
  ASSERT_OK((*h)->seek(0, Whence::kSet));
  ASSERT_OK(write_str(**h, "!"));
  EXPECT_EQ(read_host_file(root_ + "/file"), "hello!");
  ASSERT_OK((*h)->set_fd_flags(fdflag::kNonblock));
  EXPECT_EQ((*h)->fd_flags(), fdflag::kNonblock);
  ASSERT_OK((*h)->seek(0, Whence::kSet));
  ASSERT_OK(write_str(**h, "J"));
  EXPECT_EQ(read_host_file(root_ + "/file"), "Jello!");
  EXPECT_ERRNO((*h)->set_fd_flags(fdflag::kSync), Errno::kNotsup);
  for (FdFlags f : {fdflag::kDsync, fdflag::kRsync, fdflag::kSync, fdflag::kNonblock}) {
    auto s = open("file", 0, 0, right::kFileAll, f);
    ASSERT_OK(s);
    EXPECT_EQ((*s)->fd_flags(), f);
    ASSERT_OK(write_str(**s, "x"));
  }
  EXPECT_ERRNO((*h)->set_fd_flags(0x40), Errno::kInval);
}

TEST_P(FsOpsTest, ReadWriteSeekTell) {
  auto h = open("file", 0, 0, right::kFileAll);
  ASSERT_OK(h);
  Handle& f = **h;
  uint8_t a[2], b[10];
  std::span<uint8_t> iov[2] = {a, b};
  auto n = f.read(iov);
  ASSERT_OK(n);
  EXPECT_EQ(*n, 5u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(a), 2), "he");
  EXPECT_EQ(std::string(reinterpret_cast<char*>(b), 3), "llo");
  EXPECT_EQ(*f.tell(), 5u);
  EXPECT_EQ(*f.seek(-2, Whence::kEnd), 3u);
  EXPECT_EQ(*f.seek(1, Whence::kCur), 4u);
  EXPECT_EQ(*f.seek(0, Whence::kSet), 0u);
  EXPECT_ERRNO(f.seek(-1, Whence::kSet), Errno::kInval);
  uint8_t c[3];
  std::span<uint8_t> piov[1] = {c};
  ASSERT_OK(f.pread(piov, 1));
  EXPECT_EQ(std::string(reinterpret_cast<char*>(c), 3), "ell");
  EXPECT_EQ(*f.tell(), 0u);  // pread leaves the offset alone
  std::string w = "XY";
  std::span<const uint8_t> wiov[1] = {{reinterpret_cast<const uint8_t*>(w.data()), 2}};
  ASSERT_OK(f.pwrite(wiov, 3));
  EXPECT_EQ(read_host_file(root_ + "/file"), "helXY");
  EXPECT_ERRNO(f.pread(piov, ~uint64_t{0}), Errno::kInval);
  // Zero-length I/O is fine.
  EXPECT_EQ(*f.read({}), 0u);
}

TEST_P(FsOpsTest, RightsAreEnforcedPerHandle) {
  auto h = open("file", 0, 0, right::kFdRead | right::kFdTell);
  ASSERT_OK(h);
  Handle& f = **h;
  EXPECT_ERRNO(write_str(f, "x"), Errno::kNotcapable);
  EXPECT_ERRNO(f.seek(1, Whence::kSet), Errno::kNotcapable);
  ASSERT_OK(f.tell());
  uint8_t c[1];
  std::span<uint8_t> iov[1] = {c};
  EXPECT_ERRNO(f.pread(iov, 0), Errno::kNotcapable);  // needs fd_seek as well
  EXPECT_ERRNO(f.filestat(), Errno::kNotcapable);
  EXPECT_ERRNO(f.sync(), Errno::kNotcapable);
  // Rights only shrink.
  EXPECT_ERRNO(f.set_rights(right::kFdRead | right::kFdWrite, 0), Errno::kNotcapable);
  ASSERT_OK(f.set_rights(right::kFdRead, 0));
  EXPECT_ERRNO(f.tell(), Errno::kNotcapable);
  ASSERT_OK(f.read(iov));
  // Asking for more than the directory passes on.
  auto narrow = dir_->open_at(0, "dir", oflag::kDirectory, right::kDirReadOnly,
                              right::kFileReadOnly, 0);
  ASSERT_OK(narrow);
  EXPECT_ERRNO((*narrow)->as_dir()->open_at(0, "inner", 0, right::kFileAll, 0, 0),
               Errno::kNotcapable);
  // And rights a file cannot have are dropped.
  auto clipped = open("file", 0, 0, right::kDirAll | right::kFileAll);
  ASSERT_OK(clipped);
  EXPECT_EQ((*clipped)->rights_base() & right::kPathOpen, 0u);
  EXPECT_EQ((*clipped)->rights_base(), right::kFileAll);
  EXPECT_ERRNO(open("file", 0, 0, right::kSockAccept), Errno::kNotcapable);
  // Directories have no byte-stream operations.
  EXPECT_ERRNO(dir_->read(iov), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->seek(0, Whence::kSet), Errno::kNotcapable);
}

TEST_P(FsOpsTest, FilestatSizeAllocateAdviseSync) {
  auto h = open("file", 0, 0, right::kFileAll);
  ASSERT_OK(h);
  Handle& f = **h;
  auto st = f.filestat();
  ASSERT_OK(st);
  EXPECT_EQ(st->size, 5u);
  EXPECT_EQ(st->filetype, Filetype::kRegularFile);
  EXPECT_EQ(st->nlink, 1u);
  struct stat host;
  ASSERT_EQ(::stat((root_ + "/file").c_str(), &host), 0);
  EXPECT_EQ(st->ino, host.st_ino);
  EXPECT_EQ(st->dev, host.st_dev);
  ASSERT_OK(f.set_size(2));
  EXPECT_EQ(read_host_file(root_ + "/file"), "he");
  ASSERT_OK(f.set_size(100));
  EXPECT_EQ(f.filestat()->size, 100u);
  ASSERT_OK(f.allocate(0, 4096));
  EXPECT_EQ(f.filestat()->size, 4096u);
  EXPECT_ERRNO(f.set_size(~uint64_t{0}), Errno::kFbig);
  ASSERT_OK(f.advise(0, 10, Advice::kSequential));
  ASSERT_OK(f.advise(0, 0, Advice::kDontneed));
  EXPECT_ERRNO(f.advise(0, 10, static_cast<Advice>(9)), Errno::kInval);
  ASSERT_OK(f.sync());
  ASSERT_OK(f.datasync());
  ASSERT_OK(dir_->sync());
  ASSERT_OK(dir_->datasync());
  auto ds = dir_->filestat();
  ASSERT_OK(ds);
  EXPECT_EQ(ds->filetype, Filetype::kDirectory);
}

TEST_P(FsOpsTest, SetTimes) {
  constexpr uint64_t kA = 1'000'000'000ull * 1000 + 5;
  constexpr uint64_t kM = 1'000'000'000ull * 2000 + 7;
  ASSERT_OK(dir_->set_times_at(0, "file", NewTime::at(kA), NewTime::at(kM)));
  auto st = dir_->stat_at(0, "file");
  ASSERT_OK(st);
  EXPECT_EQ(st->atim, kA);
  EXPECT_EQ(st->mtim, kM);
  ASSERT_OK(dir_->set_times_at(0, "file", NewTime::no_change(), NewTime::now()));
  st = dir_->stat_at(0, "file");
  EXPECT_EQ(st->atim, kA);
  EXPECT_GT(st->mtim, kM);
  // Without follow a symlink's own times change; with follow its target's.
  host_symlink("dir/inner", "lnk");
  ASSERT_OK(dir_->set_times_at(0, "lnk", NewTime::at(kA), NewTime::at(kA)));
  EXPECT_EQ(dir_->stat_at(0, "lnk")->mtim, kA);
  EXPECT_NE(dir_->stat_at(0, "dir/inner")->mtim, kA);
  ASSERT_OK(dir_->set_times_at(lookup::kSymlinkFollow, "lnk", NewTime::at(kM), NewTime::at(kM)));
  EXPECT_EQ(dir_->stat_at(0, "dir/inner")->mtim, kM);
  auto h = open("file", 0, 0, right::kFileAll);
  ASSERT_OK(h);
  ASSERT_OK((*h)->set_times(NewTime::at(kM), NewTime::no_change()));
  EXPECT_EQ((*h)->filestat()->atim, kM);
  ASSERT_OK(dir_->set_times(NewTime::at(kA), NewTime::at(kA)));
  EXPECT_EQ(dir_->filestat()->mtim, kA);
  // fstflags decoding.
  auto t = new_times_from_fst(1, 2, fst::kAtim | fst::kMtimNow);
  ASSERT_OK(t);
  EXPECT_EQ(t->first.kind, NewTime::Kind::kAt);
  EXPECT_EQ(t->first.ns, 1u);
  EXPECT_EQ(t->second.kind, NewTime::Kind::kNow);
  EXPECT_ERRNO(new_times_from_fst(1, 2, fst::kAtim | fst::kAtimNow), Errno::kInval);
  EXPECT_ERRNO(new_times_from_fst(1, 2, fst::kMtim | fst::kMtimNow), Errno::kInval);
  EXPECT_ERRNO(new_times_from_fst(1, 2, 0x10), Errno::kInval);
}

TEST_P(FsOpsTest, DirectoryOperations) {
  ASSERT_OK(dir_->create_directory("a"));
  ASSERT_OK(dir_->create_directory("a/b"));
  EXPECT_ERRNO(dir_->create_directory("a"), Errno::kExist);
  EXPECT_ERRNO(dir_->remove_directory("a"), Errno::kNotempty);
  EXPECT_ERRNO(dir_->remove_directory("file"), Errno::kNotdir);
  EXPECT_ERRNO(dir_->unlink_file("a"), Errno::kIsdir);
  ASSERT_OK(dir_->remove_directory("a/b"));
  ASSERT_OK(dir_->remove_directory("a"));
  EXPECT_FALSE(host_exists(root_ + "/a"));
  ASSERT_OK(dir_->unlink_file("dir/inner"));
  EXPECT_ERRNO(dir_->unlink_file("dir/inner"), Errno::kNoent);
}

TEST_P(FsOpsTest, RenameLinkSymlinkReadlink) {
  ASSERT_OK(dir_->rename("file", *dir_, "dir/renamed"));
  EXPECT_EQ(read_host_file(root_ + "/dir/renamed"), "hello");
  ASSERT_OK(dir_->link(0, "dir/renamed", *dir_, "hard"));
  EXPECT_EQ(dir_->stat_at(0, "hard")->nlink, 2u);
  EXPECT_ERRNO(dir_->link(0, "dir/renamed", *dir_, "hard"), Errno::kExist);
  ASSERT_OK(dir_->symlink("dir/renamed", "soft"));
  auto t = dir_->readlink("soft");
  ASSERT_OK(t);
  EXPECT_EQ(*t, "dir/renamed");
  EXPECT_ERRNO(dir_->readlink("hard"), Errno::kInval);
  EXPECT_ERRNO(dir_->readlink("missing"), Errno::kNoent);
  EXPECT_ERRNO(dir_->symlink("x", "soft"), Errno::kExist);
  // link without follow links the symlink itself; with follow, its target.
  ASSERT_OK(dir_->link(0, "soft", *dir_, "soft_hard"));
  EXPECT_EQ(dir_->stat_at(0, "soft_hard")->filetype, Filetype::kSymbolicLink);
  ASSERT_OK(dir_->link(lookup::kSymlinkFollow, "soft", *dir_, "target_hard"));
  EXPECT_EQ(dir_->stat_at(0, "target_hard")->filetype, Filetype::kRegularFile);
  EXPECT_EQ(dir_->stat_at(0, "hard")->nlink, 3u);
  // Renaming over an existing file replaces it; a directory over a file fails.
  ASSERT_OK(dir_->rename("hard", *dir_, "target_hard"));
  EXPECT_ERRNO(dir_->rename("dir", *dir_, "target_hard"), Errno::kNotdir);
  EXPECT_ERRNO(dir_->link(0, "dir", *dir_, "dirlink"), Errno::kPerm);
  // Long symlink targets round-trip.
  std::string long_target(3000, 'x');
  ASSERT_OK(dir_->symlink(long_target, "long"));
  EXPECT_EQ(*dir_->readlink("long"), long_target);
}

TEST_P(FsOpsTest, StatAndLstat) {
  host_symlink("file", "lnk");
  auto l = dir_->stat_at(0, "lnk");
  auto f = dir_->stat_at(lookup::kSymlinkFollow, "lnk");
  ASSERT_OK(l);
  ASSERT_OK(f);
  EXPECT_EQ(l->filetype, Filetype::kSymbolicLink);
  EXPECT_EQ(l->size, 4u);  // the length of "file"
  EXPECT_EQ(f->filetype, Filetype::kRegularFile);
  EXPECT_EQ(f->size, 5u);
  EXPECT_EQ(f->ino, dir_->stat_at(0, "file")->ino);
  EXPECT_EQ(dir_->stat_at(0, "dir")->filetype, Filetype::kDirectory);
  EXPECT_EQ(dir_->stat_at(0, ".")->ino, dir_->filestat()->ino);
}

std::vector<std::string> names_of(const DirListing& l) {
  std::vector<std::string> out;
  for (size_t i = l.start; i < l.entries->size(); ++i) out.push_back((*l.entries)[i].name);
  return out;
}

TEST_P(FsOpsTest, ReadDirWithCookies) {
  for (const char* n : {"c", "a", "b", "e", "d"}) write_host_file(root_ + "/dir/" + n, n);
  ASSERT_EQ(::mkdir((root_ + "/dir/sub").c_str(), 0755), 0);
  ASSERT_EQ(::symlink("a", (root_ + "/dir/sl").c_str()), 0);
  auto h = dir_->open_at(0, "dir", oflag::kDirectory, right::kDirReadOnly, 0, 0);
  ASSERT_OK(h);
  Dir& d = *(*h)->as_dir();
  auto all = d.read_dir(0);
  ASSERT_OK(all);
  std::vector<std::string> want = {".", "..", "a", "b", "c", "d", "e", "inner", "sl", "sub"};
  EXPECT_EQ(names_of(*all), want);
  for (size_t i = 0; i < all->entries->size(); ++i) {
    const DirEntry& e = (*all->entries)[i];
    EXPECT_EQ(e.next, i + 1);
    if (e.name == "..") continue;
    struct stat st;
    ASSERT_EQ(::lstat((root_ + "/dir/" + e.name).c_str(), &st), 0);
    EXPECT_EQ(e.ino, st.st_ino) << e.name;
    EXPECT_EQ(e.type, filetype_from_mode(st.st_mode)) << e.name;
  }
  // Resuming from each entry's cookie gives exactly the rest, even after the directory changes
  // (the snapshot taken at cookie 0 is reused).
  write_host_file(root_ + "/dir/zz", "late");
  for (size_t c = 1; c <= want.size(); ++c) {
    auto part = d.read_dir(c);
    ASSERT_OK(part);
    EXPECT_EQ(names_of(*part), std::vector<std::string>(want.begin() + c, want.end())) << c;
  }
  auto past = d.read_dir(1000);
  ASSERT_OK(past);
  EXPECT_TRUE(names_of(*past).empty());
  // Cookie 0 re-reads.
  auto fresh = d.read_dir(0);
  ASSERT_OK(fresh);
  EXPECT_EQ(fresh->entries->size(), want.size() + 1);
  // `..` of the preopen root reports the root itself, not the host directory above it.
  auto root_list = dir_->read_dir(0);
  ASSERT_OK(root_list);
  const DirEntry& dotdot = (*root_list->entries)[1];
  EXPECT_EQ(dotdot.name, "..");
  EXPECT_EQ(dotdot.ino, dir_->filestat()->ino);
  EXPECT_EQ(dotdot.type, Filetype::kDirectory);
  // 0.2's stream has no dot entries.
  auto plain = d.read_dir_all();
  ASSERT_OK(plain);
  EXPECT_EQ(plain->size(), want.size() - 1);  // + zz, - . and ..
  EXPECT_TRUE(std::none_of(plain->begin(), plain->end(),
                           [](const DirEntry& e) { return e.name == "." || e.name == ".."; }));
  // Needs fd_readdir.
  auto nr = dir_->open_at(0, "dir", oflag::kDirectory, right::kPathOpen, 0, 0);
  ASSERT_OK(nr);
  EXPECT_ERRNO((*nr)->as_dir()->read_dir(0), Errno::kNotcapable);
}

TEST_P(FsOpsTest, DescriptorFlagsFor02) {
  Rights ro = rights_for_descriptor_flags(descflag::kRead);
  EXPECT_NE(ro & right::kFdRead, 0u);
  EXPECT_EQ(ro & (right::kFdWrite | right::kDirMutate), 0u);
  Rights rw = rights_for_descriptor_flags(descflag::kRead | descflag::kWrite |
                                          descflag::kMutateDirectory);
  EXPECT_EQ(rw & right::kDirMutate, right::kDirMutate);
  EXPECT_EQ(descriptor_flags_for(*dir_), descflag::kRead | descflag::kMutateDirectory);
  auto ro_dir = Dir::open_preopen(root_, "/", rights_for_descriptor_flags(descflag::kRead),
                                  rights_for_descriptor_flags(descflag::kRead), GetParam());
  ASSERT_OK(ro_dir);
  EXPECT_EQ(descriptor_flags_for(**ro_dir), descflag::kRead);
  EXPECT_ERRNO((*ro_dir)->create_directory("x"), Errno::kNotcapable);
  auto f = open("file", 0, 0, right::kFileAll, fdflag::kSync);
  ASSERT_OK(f);
  EXPECT_EQ(descriptor_flags_for(**f),
            descflag::kRead | descflag::kWrite | descflag::kFileIntegritySync);
}

TEST_P(FsOpsTest, PreopenOfMissingDirectoryFails) {
  EXPECT_ERRNO(Dir::open_preopen_read_only(base_ + "/nope", "/", GetParam()), Errno::kNoent);
  EXPECT_ERRNO(Dir::open_preopen_read_only(root_ + "/file", "/", GetParam()), Errno::kNotdir);
}

INSTANTIATE_TEST_SUITE_P(Modes, FsOpsTest,
                         ::testing::Values(ResolveMode::kAuto, ResolveMode::kFallback),
                         [](const auto& info) { return std::string(mode_name(info.param)); });

}  // namespace
}  // namespace kiln::wasi::host::testing
