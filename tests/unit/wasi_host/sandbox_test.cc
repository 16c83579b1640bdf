// tests/unit/wasi_host/sandbox_test.cc: path escapes (.., absolute paths, symlinks out, loops,
// dangling and magic links, trailing slashes, dot names) answered the same by openat2 and by
// the fallback walk.
#include "sandbox_fixture.h"

namespace kiln::wasi::host::testing {
namespace {

TEST_P(SandboxTest, DotDotEscapesAreNotCapable) {
  EXPECT_ERRNO(open(".."), Errno::kNotcapable);
  EXPECT_ERRNO(open("../outside/secret"), Errno::kNotcapable);
  EXPECT_ERRNO(open("dir/../../outside/secret"), Errno::kNotcapable);
  EXPECT_ERRNO(open("dir/../.."), Errno::kNotcapable);
  EXPECT_ERRNO(open("./../root/file"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->stat_at(0, "../outside/secret"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->stat_at(lookup::kSymlinkFollow, ".."), Errno::kNotcapable);
}

TEST_P(SandboxTest, DotDotStayingInsideIsFine) {
  auto h = open("dir/../file");
  ASSERT_OK(h);
  EXPECT_EQ(read_all(**h), "hello");
  ASSERT_OK(open("dir/..", oflag::kDirectory, 0, right::kDirReadOnly));
  ASSERT_OK(open("./dir/./inner"));
  ASSERT_OK(open(".", oflag::kDirectory, 0, right::kDirReadOnly));
  ASSERT_OK(open("dir//inner"));
}

TEST_P(SandboxTest, AbsolutePathsAreNotCapable) {
  EXPECT_ERRNO(open("/etc/passwd"), Errno::kNotcapable);
  EXPECT_ERRNO(open("/"), Errno::kNotcapable);
  EXPECT_ERRNO(open(root_ + "/file"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->create_directory("/tmp/kiln_escape"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->stat_at(0, "/"), Errno::kNotcapable);
}

TEST_P(SandboxTest, MalformedPaths) {
  EXPECT_ERRNO(open(""), Errno::kNoent);
  EXPECT_ERRNO(open(std::string_view("fi\0le", 5)), Errno::kInval);
  EXPECT_ERRNO(open(std::string(5000, 'a')), Errno::kNametoolong);
  EXPECT_ERRNO(open(std::string(300, 'a')), Errno::kNametoolong);  // one component > NAME_MAX
  EXPECT_ERRNO(dir_->unlink_file(""), Errno::kNoent);
}

TEST_P(SandboxTest, AbsoluteSymlinkOutIsRefused) {
  host_symlink(outside_ + "/secret", "abs");
  host_symlink(outside_, "absdir");
  EXPECT_ERRNO(open("abs"), Errno::kNotcapable);
  EXPECT_ERRNO(open("absdir/secret"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->stat_at(lookup::kSymlinkFollow, "abs"), Errno::kNotcapable);
  // Not following: the link itself is visible, its target is not.
  auto st = dir_->stat_at(0, "abs");
  ASSERT_OK(st);
  EXPECT_EQ(st->filetype, Filetype::kSymbolicLink);
  EXPECT_ERRNO(open("abs", 0, 0), Errno::kLoop);
  auto target = dir_->readlink("abs");
  ASSERT_OK(target);
  EXPECT_EQ(*target, outside_ + "/secret");
  // Absolute symlinks are refused even when they point back inside.
  host_symlink(root_ + "/file", "abs_inside");
  EXPECT_ERRNO(open("abs_inside"), Errno::kNotcapable);
}

TEST_P(SandboxTest, RelativeSymlinkOutIsRefused) {
  host_symlink("../outside/secret", "rel");
  host_symlink("../../outside", "dir/up2");
  host_symlink("..", "parent");
  EXPECT_ERRNO(open("rel"), Errno::kNotcapable);
  EXPECT_ERRNO(open("dir/up2/secret"), Errno::kNotcapable);
  EXPECT_ERRNO(open("parent/outside/secret"), Errno::kNotcapable);
  EXPECT_ERRNO(open("parent", oflag::kDirectory, lookup::kSymlinkFollow, right::kDirReadOnly),
               Errno::kNotcapable);
  EXPECT_ERRNO(dir_->create_directory("parent/planted"), Errno::kNotcapable);
  EXPECT_FALSE(host_exists(base_ + "/planted"));
  EXPECT_ERRNO(dir_->stat_at(lookup::kSymlinkFollow, "rel"), Errno::kNotcapable);
}

TEST_P(SandboxTest, RelativeSymlinkInsideIsFollowed) {
  host_symlink("../file", "dir/up");
  host_symlink("dir", "dirlink");
  host_symlink("dirlink/inner", "chain");
  auto h = open("dir/up");
  ASSERT_OK(h);
  EXPECT_EQ(read_all(**h), "hello");
  auto c = open("chain");
  ASSERT_OK(c);
  EXPECT_EQ(read_all(**c), "inner");
  ASSERT_OK(open("dirlink/inner"));
  auto st = dir_->stat_at(lookup::kSymlinkFollow, "dirlink");
  ASSERT_OK(st);
  EXPECT_EQ(st->filetype, Filetype::kDirectory);
}

TEST_P(SandboxTest, SymlinkLoops) {
  host_symlink("loop2", "loop1");
  host_symlink("loop1", "loop2");
  host_symlink("self", "self");
  host_symlink("self/x", "deeper");
  EXPECT_ERRNO(open("loop1"), Errno::kLoop);
  EXPECT_ERRNO(open("self"), Errno::kLoop);
  EXPECT_ERRNO(open("deeper"), Errno::kLoop);
  EXPECT_ERRNO(open("loop1/x"), Errno::kLoop);
  EXPECT_ERRNO(dir_->stat_at(lookup::kSymlinkFollow, "loop1"), Errno::kLoop);
  EXPECT_ERRNO(dir_->create_directory("loop1/x"), Errno::kLoop);
  ASSERT_OK(dir_->stat_at(0, "loop1"));
}

TEST_P(SandboxTest, DanglingSymlinks) {
  host_symlink("missing", "dangling");
  EXPECT_ERRNO(open("dangling"), Errno::kNoent);
  EXPECT_ERRNO(open("dangling", 0, 0), Errno::kLoop);
  EXPECT_ERRNO(open("dangling", oflag::kDirectory, 0, right::kDirReadOnly), Errno::kNotdir);
  EXPECT_ERRNO(open("dangling", oflag::kDirectory, lookup::kSymlinkFollow, right::kDirReadOnly),
               Errno::kNoent);
  EXPECT_ERRNO(dir_->stat_at(lookup::kSymlinkFollow, "dangling"), Errno::kNoent);
  ASSERT_OK(dir_->stat_at(0, "dangling"));
  // O_CREAT through a dangling link creates its target, beneath the root only.
  ASSERT_OK(open("dangling", oflag::kCreat));
  EXPECT_TRUE(host_exists(root_ + "/missing"));
  host_symlink("../outside/planted", "dangling_out");
  EXPECT_ERRNO(open("dangling_out", oflag::kCreat), Errno::kNotcapable);
  EXPECT_FALSE(host_exists(outside_ + "/planted"));
  // O_EXCL never follows.
  host_symlink("missing2", "dangling2");
  EXPECT_ERRNO(open("dangling2", oflag::kCreat | oflag::kExcl), Errno::kExist);
  EXPECT_FALSE(host_exists(root_ + "/missing2"));
}

TEST_P(SandboxTest, MagicLinksAreRefused) {
  int outside_fd = ::open(outside_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(outside_fd, 0);
  std::string fd_link = "/proc/self/fd/" + std::to_string(outside_fd);
  host_symlink(fd_link, "magic");
  EXPECT_ERRNO(open("magic/secret"), Errno::kNotcapable);
  // A preopen of /proc/self itself: its fd/ and cwd entries are magic links.
  auto proc = Dir::open_preopen_read_only("/proc/self", "/proc", GetParam());
  ASSERT_OK(proc);
  auto& p = **proc;
  EXPECT_ERRNO(p.open_at(lookup::kSymlinkFollow, "fd/" + std::to_string(outside_fd) + "/secret",
                         0, right::kFileReadOnly, 0, 0),
               Errno::kLoop);
  EXPECT_ERRNO(p.open_at(lookup::kSymlinkFollow, "cwd", oflag::kDirectory, right::kDirReadOnly, 0,
                         0),
               Errno::kLoop);
  EXPECT_ERRNO(p.open_at(lookup::kSymlinkFollow, "root/etc/passwd", 0, right::kFileReadOnly, 0, 0),
               Errno::kLoop);
  // Ordinary files there are fine.
  ASSERT_OK(p.open_at(0, "status", 0, right::kFileReadOnly, 0, 0));
  ::close(outside_fd);
}

TEST_P(SandboxTest, MutationsCannotEscape) {
  EXPECT_ERRNO(dir_->create_directory("../planted"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->create_directory(".."), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->unlink_file("../outside/secret"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->remove_directory("../outside"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->remove_directory(".."), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->rename("file", *dir_, "../outside/stolen"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->rename("../outside/secret", *dir_, "stolen"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->link(0, "../outside/secret", *dir_, "hard"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->link(0, "file", *dir_, "../outside/hard"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->symlink("x", "../outside/sym"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->set_times_at(0, "../outside/secret", NewTime::now(), NewTime::now()),
               Errno::kNotcapable);
  EXPECT_ERRNO(dir_->readlink("../outside/secret"), Errno::kNotcapable);
  EXPECT_ERRNO(open("../outside/new", oflag::kCreat), Errno::kNotcapable);
  EXPECT_FALSE(host_exists(base_ + "/planted"));
  EXPECT_FALSE(host_exists(outside_ + "/stolen"));
  EXPECT_FALSE(host_exists(outside_ + "/hard"));
  EXPECT_FALSE(host_exists(outside_ + "/new"));
  EXPECT_EQ(read_host_file(outside_ + "/secret"), "secret");
}

TEST_P(SandboxTest, SymlinkPointingOutMayBeCreatedButNotFollowed) {
  ASSERT_OK(dir_->symlink("../outside", "esc"));
  ASSERT_OK(dir_->symlink("/etc/passwd", "esc_abs"));
  EXPECT_ERRNO(open("esc/secret"), Errno::kNotcapable);
  EXPECT_ERRNO(open("esc_abs"), Errno::kNotcapable);
  // Hard-linking with symlink-follow expands inside the sandbox only.
  EXPECT_ERRNO(dir_->link(lookup::kSymlinkFollow, "esc_abs", *dir_, "h"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->link(lookup::kSymlinkFollow, "esc/secret", *dir_, "h"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->symlink("", "empty"), Errno::kNoent);
  EXPECT_ERRNO(dir_->symlink(std::string_view("a\0b", 3), "nul"), Errno::kInval);
}

TEST_P(SandboxTest, TrailingSlashRules) {
  EXPECT_ERRNO(open("file/"), Errno::kNotdir);
  ASSERT_OK(open("dir/", oflag::kDirectory, 0, right::kDirReadOnly));
  EXPECT_ERRNO(open("newfile/", oflag::kCreat), Errno::kIsdir);
  EXPECT_FALSE(host_exists(root_ + "/newfile"));
  ASSERT_OK(dir_->create_directory("newdir/"));
  EXPECT_TRUE(host_exists(root_ + "/newdir"));
  ASSERT_OK(dir_->remove_directory("newdir/"));
  EXPECT_ERRNO(dir_->unlink_file("file/"), Errno::kNotdir);
  EXPECT_ERRNO(dir_->remove_directory("file/"), Errno::kNotdir);
  EXPECT_ERRNO(dir_->symlink("x", "lnk/"), Errno::kNoent);
  EXPECT_ERRNO(dir_->rename("file", *dir_, "file2/"), Errno::kNotdir);
  EXPECT_ERRNO(dir_->rename("file/", *dir_, "file2"), Errno::kNotdir);
  ASSERT_OK(dir_->rename("dir/", *dir_, "dir2/"));
  ASSERT_OK(dir_->rename("dir2", *dir_, "dir"));
  EXPECT_ERRNO(dir_->stat_at(0, "file/"), Errno::kNotdir);
  // A trailing slash follows a final symlink (and must end at a directory)...
  host_symlink("dir", "dirlink");
  host_symlink("file", "filelink");
  auto st = dir_->stat_at(0, "dirlink/");
  ASSERT_OK(st);
  EXPECT_EQ(st->filetype, Filetype::kDirectory);
  EXPECT_ERRNO(dir_->stat_at(0, "filelink/"), Errno::kNotdir);
  EXPECT_ERRNO(dir_->readlink("dirlink/"), Errno::kInval);
  EXPECT_ERRNO(dir_->link(0, "dirlink/", *dir_, "hard"), Errno::kPerm);
  // ...but still never out of the sandbox.
  host_symlink(outside_, "outlink");
  EXPECT_ERRNO(dir_->stat_at(0, "outlink/"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->readlink("outlink/"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->link(0, "outlink/", *dir_, "hard"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->set_times_at(0, "outlink/", NewTime::now(), NewTime::now()),
               Errno::kNotcapable);
  EXPECT_ERRNO(dir_->unlink_file("outlink/"), Errno::kNotdir);
  EXPECT_TRUE(host_exists(outside_ + "/secret"));
}

TEST_P(SandboxTest, DotNames) {
  EXPECT_ERRNO(dir_->create_directory("dir/.."), Errno::kExist);
  EXPECT_ERRNO(dir_->create_directory("."), Errno::kExist);
  EXPECT_ERRNO(dir_->remove_directory("."), Errno::kInval);
  EXPECT_ERRNO(dir_->remove_directory("dir/.."), Errno::kNotempty);
  EXPECT_ERRNO(dir_->unlink_file("."), Errno::kIsdir);
  EXPECT_ERRNO(dir_->rename("dir/..", *dir_, "x"), Errno::kBusy);
  EXPECT_TRUE(host_exists(root_ + "/dir"));
}

TEST_P(SandboxTest, ReadOnlyPreopenRefusesEveryMutation) {
  auto ro_r = Dir::open_preopen_read_only(root_, "/", GetParam());
  ASSERT_OK(ro_r);
  Dir& ro = **ro_r;
  EXPECT_ERRNO(ro.create_directory("new"), Errno::kNotcapable);
  EXPECT_ERRNO(ro.remove_directory("dir"), Errno::kNotcapable);
  EXPECT_ERRNO(ro.unlink_file("file"), Errno::kNotcapable);
  EXPECT_ERRNO(ro.rename("file", ro, "moved"), Errno::kNotcapable);
  EXPECT_ERRNO(ro.rename("file", *dir_, "moved"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->rename("file", ro, "moved"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->link(0, "file", ro, "hard"), Errno::kNotcapable);
  // Nor out of it: a writable second name would make the read-only file writable.
  EXPECT_ERRNO(ro.link(0, "file", *dir_, "hard"), Errno::kNotcapable);
  EXPECT_ERRNO(ro.link(lookup::kSymlinkFollow, "file", *dir_, "hard"), Errno::kNotcapable);
  EXPECT_FALSE(host_exists(root_ + "/hard"));
  EXPECT_ERRNO(ro.symlink("file", "sym"), Errno::kNotcapable);
  EXPECT_ERRNO(ro.set_times_at(0, "file", NewTime::now(), NewTime::now()), Errno::kNotcapable);
  EXPECT_ERRNO(ro.set_times(NewTime::now(), NewTime::now()), Errno::kNotcapable);
  EXPECT_ERRNO(ro.open_at(0, "new", oflag::kCreat, right::kFileReadOnly, 0, 0),
               Errno::kNotcapable);
  EXPECT_ERRNO(ro.open_at(0, "file", oflag::kTrunc, right::kFileReadOnly, 0, 0),
               Errno::kNotcapable);
  EXPECT_ERRNO(ro.open_at(0, "file", 0, right::kFileAll, 0, 0), Errno::kNotcapable);
  EXPECT_ERRNO(ro.open_at(0, "file", 0, right::kFdWrite, 0, 0), Errno::kNotcapable);
  // Subdirectories inherit read-only-ness.
  EXPECT_ERRNO(ro.open_at(0, "dir", oflag::kDirectory, right::kDirAll, 0, 0), Errno::kNotcapable);
  auto sub = ro.open_at(0, "dir", oflag::kDirectory, right::kDirReadOnly,
                        right::kDirReadOnly | right::kFileReadOnly, 0);
  ASSERT_OK(sub);
  Dir* subdir = (*sub)->as_dir();
  ASSERT_NE(subdir, nullptr);
  EXPECT_ERRNO(subdir->create_directory("x"), Errno::kNotcapable);
  EXPECT_ERRNO(subdir->unlink_file("inner"), Errno::kNotcapable);
  // Reading works, writing through a read-only file fails.
  auto f = ro.open_at(0, "file", 0, right::kFileReadOnly, 0, 0);
  ASSERT_OK(f);
  EXPECT_EQ(read_all(**f), "hello");
  EXPECT_ERRNO(write_str(**f, "x"), Errno::kNotcapable);
  EXPECT_ERRNO((*f)->set_size(0), Errno::kNotcapable);
  EXPECT_ERRNO((*f)->allocate(0, 10), Errno::kNotcapable);
  EXPECT_ERRNO((*f)->set_times(NewTime::now(), NewTime::now()), Errno::kNotcapable);
  ASSERT_OK(ro.stat_at(0, "file"));
  ASSERT_OK(ro.read_dir(0));
  EXPECT_TRUE(host_exists(root_ + "/file"));
  EXPECT_EQ(read_host_file(root_ + "/file"), "hello");
}

TEST_P(SandboxTest, RenameAndLinkAcrossPreopens) {
  ASSERT_OK(dir_->rename("file", *other_dir_, "moved"));
  EXPECT_FALSE(host_exists(root_ + "/file"));
  EXPECT_EQ(read_host_file(other_ + "/moved"), "hello");
  ASSERT_OK(other_dir_->link(0, "moved", *dir_, "linked"));
  EXPECT_EQ(read_host_file(root_ + "/linked"), "hello");
  EXPECT_ERRNO(other_dir_->rename("moved", *dir_, "../outside/x"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->rename("linked", *other_dir_, "../root/x"), Errno::kNotcapable);
  EXPECT_ERRNO(dir_->rename("missing", *other_dir_, "x"), Errno::kNoent);
}

// Both resolvers must give the same answer for every path in a hostile tree.
TEST_P(SandboxTest, ResolversAgree) {
  host_symlink("../outside/secret", "rel");
  host_symlink(outside_, "abs");
  host_symlink("loop", "loop");
  host_symlink("missing", "dangling");
  host_symlink("dir/inner", "good");
  host_symlink("dir/", "dirslash");
  host_symlink(".", "dot");
  auto other_mode = Dir::open_preopen_read_write(
      root_, "/", GetParam() == ResolveMode::kAuto ? ResolveMode::kFallback : ResolveMode::kAuto);
  ASSERT_OK(other_mode);
  const char* paths[] = {"file",        "file/",        "dir",      "dir/",     "dir/inner",
                         "dir/inner/",  "dir/..",       "..",       "../root",  "rel",
                         "abs",         "abs/secret",   "loop",     "loop/",    "dangling",
                         "dangling/",   "good",         "good/",    "dirslash", "dirslash/inner",
                         "dot/dot/file", "dot/../root", "missing",  "dir/missing/x",
                         "file/x",      ".",            "./",       "dir/./..//file",
                         "file/.",      "dir/.",        "good/.",   "dangling/.",
                         "file/..",     "dir/inner/./", "dirslash/.", "loop/.",
                         "dot/",        "abs/.",        "rel/."};
  for (const char* p : paths) {
    for (LookupFlags l : {LookupFlags{0}, lookup::kSymlinkFollow}) {
      for (OFlags o : {OFlags{0}, oflag::kDirectory}) {
        Rights r = o ? right::kDirReadOnly : right::kFileReadOnly;
        auto a = dir_->open_at(l, p, o, r, 0, 0);
        auto b = (*other_mode)->open_at(l, p, o, r, 0, 0);
        EXPECT_EQ(errno_str(a.error()), errno_str(b.error()))
            << "open " << p << " lookup=" << l << " oflags=" << o;
      }
      auto a = dir_->stat_at(l, p);
      auto b = (*other_mode)->stat_at(l, p);
      EXPECT_EQ(errno_str(a.error()), errno_str(b.error())) << "stat " << p << " lookup=" << l;
      if (a.ok() && b.ok()) {
        EXPECT_EQ(a->ino, b->ino) << p;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, SandboxTest,
                         ::testing::Values(ResolveMode::kAuto, ResolveMode::kFallback),
                         [](const auto& info) { return std::string(mode_name(info.param)); });

TEST(Openat2, AvailableOnThisKernel) {
  // Debian 12 and later kernels have openat2; if this fails, only the fallback is exercised.
  EXPECT_TRUE(openat2_available());
}

}  // namespace
}  // namespace kiln::wasi::host::testing
