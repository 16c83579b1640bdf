// tests/unit/wasi_p1/functions_test.cc: the preview1 functions over a fake guest memory:
// EFAULT on every out-of-range pointer, struct layouts, readdir truncation, poll events,
// path_open rights, args/env, stdio pipes, sockets and proc_*.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "wasi/host/socket.h"
#include "wasi/host/stdio.h"
#include "wasi/host/types.h"
#include "wasi/p1/functions.h"

namespace kiln::wasi::p1 {
namespace {

namespace fs = std::filesystem;
namespace right = host::right;

constexpr uint32_t kMemSize = 65536;

// A 64 KiB "linear memory" with helpers to place data and read results.
struct Fake {
  std::vector<uint8_t> bytes = std::vector<uint8_t>(kMemSize, 0);
  GuestMemory mem{bytes.data(), bytes.size()};

  uint32_t u32(uint32_t at) const {
    uint32_t v;
    std::memcpy(&v, bytes.data() + at, 4);
    return v;
  }
  uint64_t u64(uint32_t at) const {
    uint64_t v;
    std::memcpy(&v, bytes.data() + at, 8);
    return v;
  }
  uint16_t u16(uint32_t at) const {
    uint16_t v;
    std::memcpy(&v, bytes.data() + at, 2);
    return v;
  }
  void put32(uint32_t at, uint32_t v) { std::memcpy(bytes.data() + at, &v, 4); }
  void put64(uint32_t at, uint64_t v) { std::memcpy(bytes.data() + at, &v, 8); }
  void put16(uint32_t at, uint16_t v) { std::memcpy(bytes.data() + at, &v, 2); }
  // Stores `s` at `at` and returns its length.
  uint32_t str(uint32_t at, std::string_view s) {
    std::memcpy(bytes.data() + at, s.data(), s.size());
    return static_cast<uint32_t>(s.size());
  }
  std::string read_str(uint32_t at, uint32_t len) const {
    return std::string(reinterpret_cast<const char*>(bytes.data() + at), len);
  }
};

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "kiln_wasi_p1_XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Ctx {
  std::shared_ptr<host::MemoryPipe> in = *host::MemoryPipe::create();
  std::shared_ptr<host::MemoryPipe> out = *host::MemoryPipe::create();
  std::shared_ptr<host::MemoryPipe> err = *host::MemoryPipe::create();
  std::unique_ptr<WasiCtx> ctx;

  Ctx() : Ctx(WasiCtxBuilder()) {}
  explicit Ctx(WasiCtxBuilder&& b) {
    b.stdin_pipe(in).stdout_pipe(out).stderr_pipe(err);
    auto r = b.build();
    EXPECT_TRUE(r.ok());
    if (r.ok()) ctx = std::move(r).value();
  }
  WasiCtx& operator*() { return *ctx; }
};

// ---- GuestMemory -----------------------------------------------------------------------------

TEST(GuestMemory, BoundsAreCheckedWithoutOverflow) {
  Fake f;
  EXPECT_TRUE(f.mem.read<uint32_t>(kMemSize - 4).ok());
  EXPECT_EQ(f.mem.read<uint32_t>(kMemSize - 3).error(), Errno::kFault);
  EXPECT_EQ(f.mem.read<uint64_t>(0xffffffffu).error(), Errno::kFault);
  EXPECT_EQ(f.mem.read<uint64_t>(~uint64_t{0}).error(), Errno::kFault);
  EXPECT_TRUE(f.mem.bytes(kMemSize, 0).ok());
  EXPECT_EQ(f.mem.bytes(kMemSize + 1, 0).error(), Errno::kFault);
  EXPECT_EQ(f.mem.bytes(1, ~uint64_t{0}).error(), Errno::kFault);
  EXPECT_EQ(f.mem.bytes(~uint64_t{0}, 2).error(), Errno::kFault);
  EXPECT_EQ(f.mem.write<uint16_t>(kMemSize - 1, 7).error(), Errno::kFault);
  EXPECT_EQ(f.bytes[kMemSize - 1], 0);
  GuestMemory empty(nullptr, 100);  // no memory at all: size is forced to 0
  EXPECT_EQ(empty.read<uint8_t>(0).error(), Errno::kFault);
}

TEST(GuestMemory, ScalarsAreLittleEndianAndUnalignedOk) {
  Fake f;
  ASSERT_TRUE(f.mem.write<uint32_t>(1, 0x11223344).ok());
  EXPECT_EQ(f.bytes[1], 0x44);
  EXPECT_EQ(f.bytes[4], 0x11);
  EXPECT_EQ(*f.mem.read<uint32_t>(1), 0x11223344u);
}

TEST(GuestMemory, IovecsCheckEveryBuffer) {
  Fake f;
  f.put32(100, 200);
  f.put32(104, 10);
  f.put32(108, kMemSize - 5);
  f.put32(112, 5);
  auto ok = f.mem.iovecs(100, 2);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)[0].data(), f.bytes.data() + 200);
  EXPECT_EQ((*ok)[1].size(), 5u);
  f.put32(112, 6);  // one byte past the end
  EXPECT_EQ(f.mem.iovecs(100, 2).error(), Errno::kFault);
  EXPECT_EQ(f.mem.ciovecs(kMemSize - 4, 1).error(), Errno::kFault);
  EXPECT_EQ(f.mem.iovecs(0, 0xffffffffu).error(), Errno::kFault);  // no huge allocation
  EXPECT_TRUE(f.mem.iovecs(kMemSize, 0).ok());
}

TEST(GuestMemory, StringsMustBeUtf8) {
  Fake f;
  f.str(10, "h\xc3\xa9llo");
  EXPECT_EQ(*f.mem.string(10, 6), "h\xc3\xa9llo");
  f.str(10, "\xc3(");
  EXPECT_EQ(f.mem.string(10, 2).error(), Errno::kIlseq);
  f.str(10, "\xed\xa0\x80");  // a surrogate
  EXPECT_EQ(f.mem.string(10, 3).error(), Errno::kIlseq);
  EXPECT_EQ(f.mem.string(kMemSize - 1, 2).error(), Errno::kFault);
}

// ---- args, environ, clocks, random ---------------------------------------------------------

TEST(P1, ArgsAndEnviron) {
  WasiCtxBuilder b;
  b.args({"prog", "a b", ""}).env("K", "V=1").env("EMPTY", "");
  Ctx c(std::move(b));
  Fake f;
  ASSERT_EQ(args_sizes_get(*c, f.mem, 0, 4), Errno::kSuccess);
  EXPECT_EQ(f.u32(0), 3u);
  EXPECT_EQ(f.u32(4), 5u + 4u + 1u);
  ASSERT_EQ(args_get(*c, f.mem, 100, 200), Errno::kSuccess);
  EXPECT_EQ(f.u32(100), 200u);
  EXPECT_EQ(f.u32(104), 205u);
  EXPECT_EQ(f.u32(108), 209u);
  EXPECT_EQ(f.read_str(200, 10), std::string("prog\0a b\0\0", 10));

  ASSERT_EQ(environ_sizes_get(*c, f.mem, 0, 4), Errno::kSuccess);
  EXPECT_EQ(f.u32(0), 2u);
  EXPECT_EQ(f.u32(4), 6u + 7u);
  ASSERT_EQ(environ_get(*c, f.mem, 300, 400), Errno::kSuccess);
  EXPECT_EQ(f.read_str(f.u32(300), 6), std::string("K=V=1\0", 6));
  EXPECT_EQ(f.read_str(f.u32(304), 7), std::string("EMPTY=\0", 7));

  EXPECT_EQ(args_sizes_get(*c, f.mem, kMemSize - 2, 4), Errno::kFault);
  EXPECT_EQ(args_get(*c, f.mem, kMemSize - 8, 0), Errno::kFault);  // 3 pointers do not fit
  EXPECT_EQ(args_get(*c, f.mem, 0, kMemSize - 5), Errno::kFault);  // strings do not fit
  EXPECT_EQ(environ_get(*c, f.mem, 0xfffffff0u, 0), Errno::kFault);
}

TEST(P1, ClocksAndRandom) {
  Ctx c;
  Fake f;
  ASSERT_EQ(clock_res_get(*c, f.mem, 1, 8), Errno::kSuccess);
  EXPECT_GT(f.u64(8), 0u);
  ASSERT_EQ(clock_time_get(*c, f.mem, 0, 0, 16), Errno::kSuccess);
  EXPECT_GT(f.u64(16), uint64_t{1600000000} * 1000000000);  // after 2020
  EXPECT_EQ(clock_time_get(*c, f.mem, 4, 0, 16), Errno::kInval);
  EXPECT_EQ(clock_time_get(*c, f.mem, 1, 0, kMemSize - 7), Errno::kFault);
  EXPECT_EQ(clock_res_get(*c, f.mem, 99, 8), Errno::kInval);

  ASSERT_EQ(random_get(*c, f.mem, 1000, 64), Errno::kSuccess);
  bool any = false;
  for (int i = 0; i < 64; ++i) any |= f.bytes[1000 + i] != 0;
  EXPECT_TRUE(any);
  EXPECT_EQ(random_get(*c, f.mem, kMemSize - 10, 11), Errno::kFault);
  EXPECT_EQ(random_get(*c, f.mem, kMemSize, 0), Errno::kSuccess);
}

// ---- stdio ---------------------------------------------------------------------------------

TEST(P1, WriteAndReadStdioPipes) {
  Ctx c;
  Fake f;
  f.put32(0, 100);
  f.put32(4, f.str(100, "hello "));
  f.put32(8, 200);
  f.put32(12, f.str(200, "world"));
  ASSERT_EQ(fd_write(*c, f.mem, 1, 0, 2, 16), Errno::kSuccess);
  EXPECT_EQ(f.u32(16), 11u);
  EXPECT_EQ(c.out->take(), "hello world");

  // A bad buffer anywhere in the list: kFault and nothing written.
  f.put32(12, kMemSize);
  EXPECT_EQ(fd_write(*c, f.mem, 1, 0, 2, 16), Errno::kFault);
  EXPECT_EQ(c.out->take(), "");
  f.put32(12, 5);
  EXPECT_EQ(fd_write(*c, f.mem, 1, 0, 2, kMemSize - 3), Errno::kFault);
  EXPECT_EQ(c.out->take(), "");
  EXPECT_EQ(fd_write(*c, f.mem, 9, 0, 2, 16), Errno::kBadf);
  EXPECT_EQ(fd_write(*c, f.mem, 0, 0, 2, 16), Errno::kNotcapable);  // stdin is read-only

  c.in->push("input!");
  c.in->close_write();
  f.put32(0, 300);
  f.put32(4, 3);
  f.put32(8, 400);
  f.put32(12, 100);
  ASSERT_EQ(fd_read(*c, f.mem, 0, 0, 2, 16), Errno::kSuccess);
  EXPECT_EQ(f.u32(16), 6u);
  EXPECT_EQ(f.read_str(300, 3), "inp");
  EXPECT_EQ(f.read_str(400, 3), "ut!");
  ASSERT_EQ(fd_read(*c, f.mem, 0, 0, 2, 16), Errno::kSuccess);
  EXPECT_EQ(f.u32(16), 0u);  // end of file
}

TEST(P1, DefaultStdioIsNull) {
  auto r = WasiCtxBuilder().build();
  ASSERT_TRUE(r.ok());
  WasiCtx& ctx = **r;
  Fake f;
  f.put32(0, 100);
  f.put32(4, 10);
  ASSERT_EQ(fd_write(ctx, f.mem, 1, 0, 1, 16), Errno::kSuccess);
  EXPECT_EQ(f.u32(16), 10u);
  ASSERT_EQ(fd_read(ctx, f.mem, 0, 0, 1, 16), Errno::kSuccess);
  EXPECT_EQ(f.u32(16), 0u);
  EXPECT_EQ(fd_prestat_get(ctx, f.mem, 3, 0), Errno::kBadf);
}

TEST(P1, FdstatLayout) {
  Ctx c;
  Fake f;
  std::memset(f.bytes.data() + 64, 0xAA, 24);
  ASSERT_EQ(fd_fdstat_get(*c, f.mem, 1, 64), Errno::kSuccess);
  EXPECT_EQ(f.bytes[64], static_cast<uint8_t>(host::Filetype::kUnknown));
  EXPECT_EQ(f.bytes[65], 0);  // padding is zeroed
  EXPECT_EQ(f.u16(66), 0u);
  EXPECT_EQ(f.u64(72), right::kStreamWrite);
  EXPECT_EQ(f.u64(80), 0u);
  EXPECT_EQ(fd_fdstat_get(*c, f.mem, 1, kMemSize - 23), Errno::kFault);
  EXPECT_EQ(fd_fdstat_get(*c, f.mem, 77, 64), Errno::kBadf);

  ASSERT_EQ(fd_fdstat_set_flags(*c, f.mem, 1, host::fdflag::kNonblock), Errno::kSuccess);
  ASSERT_EQ(fd_fdstat_get(*c, f.mem, 1, 64), Errno::kSuccess);
  EXPECT_EQ(f.u16(66), host::fdflag::kNonblock);
  EXPECT_EQ(fd_fdstat_set_flags(*c, f.mem, 1, 0x10000), Errno::kInval);

  // Rights only shrink.
  ASSERT_EQ(fd_fdstat_set_rights(*c, f.mem, 1, right::kFdWrite, 0), Errno::kSuccess);
  EXPECT_EQ(fd_fdstat_set_rights(*c, f.mem, 1, right::kFdWrite | right::kFdRead, 0),
            Errno::kNotcapable);
  EXPECT_EQ(fd_fdstat_set_flags(*c, f.mem, 1, 0), Errno::kNotcapable);
}

// ---- filesystem ----------------------------------------------------------------------------

struct FsFixture {
  TempDir dir;
  Ctx c;
  Fake f;
  explicit FsFixture(bool read_only = false)
      : c(std::move(WasiCtxBuilder().preopen_dir(dir.path(), "/sandbox", read_only))) {}

  // path_open of `path` under fd 3; returns the new fd or the errno as a negative number.
  int64_t open(std::string_view path, uint32_t oflags, uint64_t base, uint32_t fdflags = 0,
               uint32_t lookup = 0) {
    uint32_t len = f.str(1000, path);
    Errno e = path_open(*c, f.mem, 3, lookup, 1000, len, oflags, base, base, fdflags, 2000);
    if (e != Errno::kSuccess) return -static_cast<int64_t>(e);
    return f.u32(2000);
  }
  Errno write(uint32_t fd, std::string_view data) {
    f.put32(3000, 3100);
    f.put32(3004, f.str(3100, data));
    return fd_write(*c, f.mem, fd, 3000, 1, 3008);
  }
};

TEST(P1Fs, Prestat) {
  FsFixture t;
  Fake& f = t.f;
  std::memset(f.bytes.data() + 16, 0xAA, 8);
  ASSERT_EQ(fd_prestat_get(*t.c, f.mem, 3, 16), Errno::kSuccess);
  EXPECT_EQ(f.bytes[16], 0);
  EXPECT_EQ(f.bytes[17], 0);
  EXPECT_EQ(f.u32(20), 8u);
  ASSERT_EQ(fd_prestat_dir_name(*t.c, f.mem, 3, 100, 8), Errno::kSuccess);
  EXPECT_EQ(f.read_str(100, 8), "/sandbox");
  EXPECT_EQ(fd_prestat_dir_name(*t.c, f.mem, 3, 100, 7), Errno::kNametoolong);
  EXPECT_EQ(fd_prestat_dir_name(*t.c, f.mem, 3, kMemSize - 7, 8), Errno::kFault);
  EXPECT_EQ(fd_prestat_get(*t.c, f.mem, 3, kMemSize - 4), Errno::kFault);
  EXPECT_EQ(fd_prestat_get(*t.c, f.mem, 1, 16), Errno::kBadf);
  EXPECT_EQ(fd_prestat_get(*t.c, f.mem, 4, 16), Errno::kBadf);
}

TEST(P1Fs, OpenWriteSeekReadStat) {
  FsFixture t;
  Fake& f = t.f;
  int64_t fd = t.open("file.txt", host::oflag::kCreat,
                      right::kFdRead | right::kFdWrite | right::kFdSeek | right::kFdTell |
                          right::kFdFilestatGet);
  ASSERT_GT(fd, 3);
  ASSERT_EQ(t.write(fd, "0123456789"), Errno::kSuccess);
  EXPECT_EQ(f.u32(3008), 10u);
  ASSERT_EQ(fd_tell(*t.c, f.mem, fd, 40), Errno::kSuccess);
  EXPECT_EQ(f.u64(40), 10u);
  ASSERT_EQ(fd_seek(*t.c, f.mem, fd, -4, 2, 40), Errno::kSuccess);
  EXPECT_EQ(f.u64(40), 6u);
  EXPECT_EQ(fd_seek(*t.c, f.mem, fd, 0, 3, 40), Errno::kInval);
  EXPECT_EQ(fd_seek(*t.c, f.mem, fd, 0, 0, kMemSize - 4), Errno::kFault);
  f.put32(0, 500);
  f.put32(4, 3);
  ASSERT_EQ(fd_pread(*t.c, f.mem, fd, 0, 1, 2, 8), Errno::kSuccess);
  EXPECT_EQ(f.u32(8), 3u);
  EXPECT_EQ(f.read_str(500, 3), "234");
  ASSERT_EQ(fd_read(*t.c, f.mem, fd, 0, 1, 8), Errno::kSuccess);
  EXPECT_EQ(f.read_str(500, 3), "678");

  std::memset(f.bytes.data() + 128, 0xAA, 64);
  ASSERT_EQ(fd_filestat_get(*t.c, f.mem, fd, 128), Errno::kSuccess);
  EXPECT_EQ(f.bytes[128 + 16], static_cast<uint8_t>(host::Filetype::kRegularFile));
  EXPECT_EQ(f.bytes[128 + 17], 0);  // padding zeroed
  EXPECT_EQ(f.u64(128 + 24), 1u);   // nlink
  EXPECT_EQ(f.u64(128 + 32), 10u);  // size
  EXPECT_GT(f.u64(128 + 48), 0u);   // mtim
  EXPECT_EQ(fd_filestat_get(*t.c, f.mem, fd, kMemSize - 63), Errno::kFault);

  // The same through the directory.
  uint32_t len = f.str(1000, "file.txt");
  ASSERT_EQ(path_filestat_get(*t.c, f.mem, 3, 0, 1000, len, 256), Errno::kSuccess);
  EXPECT_EQ(f.u64(256 + 32), 10u);
  EXPECT_EQ(f.u64(256 + 8), f.u64(128 + 8));  // same inode
  EXPECT_EQ(path_filestat_get(*t.c, f.mem, 3, 0, kMemSize - 2, 8, 256), Errno::kFault);
  EXPECT_EQ(path_filestat_get(*t.c, f.mem, fd, 0, 1000, len, 256), Errno::kNotdir);

  // No fd_filestat_set_size right was asked for.
  EXPECT_EQ(fd_filestat_set_size(*t.c, f.mem, fd, 2), Errno::kNotcapable);
  ASSERT_EQ(fd_close(*t.c, f.mem, fd), Errno::kSuccess);
  EXPECT_EQ(fd_close(*t.c, f.mem, fd), Errno::kBadf);
}

TEST(P1Fs, PathOpenRightsAreNarrowedToTheDirectory) {
  FsFixture t;
  int64_t fd = t.open("f", host::oflag::kCreat, ~uint64_t{0});
  ASSERT_GT(fd, 0);
  Fake& f = t.f;
  ASSERT_EQ(fd_fdstat_get(*t.c, f.mem, fd, 64), Errno::kSuccess);
  uint64_t base = f.u64(72);
  EXPECT_EQ(base & ~right::kFileAll, 0u);  // clipped to what a file can hold
  EXPECT_NE(base & right::kFdWrite, 0u);
  EXPECT_EQ(t.open("f", host::oflag::kDirectory, right::kFdReaddir), -int64_t(Errno::kNotdir));
  EXPECT_EQ(t.open("missing", 0, right::kFdRead), -int64_t(Errno::kNoent));
  EXPECT_EQ(t.open("../escape", 0, right::kFdRead), -int64_t(Errno::kNotcapable));
  EXPECT_EQ(t.open("/etc/passwd", 0, right::kFdRead), -int64_t(Errno::kNotcapable));
  EXPECT_EQ(t.open("f", host::oflag::kCreat | host::oflag::kExcl, right::kFdRead),
            -int64_t(Errno::kExist));
  EXPECT_EQ(t.open("f", 0x10000, right::kFdRead), -int64_t(Errno::kInval));
  EXPECT_EQ(t.open("f", 0, right::kFdRead, 0x10000), -int64_t(Errno::kInval));

  // A bad output pointer fails before anything is opened.
  uint32_t len = f.str(1000, "f");
  uint32_t before = t.c.ctx->table.count();
  EXPECT_EQ(path_open(*t.c, f.mem, 3, 0, 1000, len, 0, right::kFdRead, 0, 0, kMemSize - 3),
            Errno::kFault);
  EXPECT_EQ(t.c.ctx->table.count(), before);
  EXPECT_EQ(path_open(*t.c, f.mem, 1, 0, 1000, len, 0, right::kFdRead, 0, 0, 2000),
            Errno::kNotdir);
}

TEST(P1Fs, ReadOnlyPreopen) {
  TempDir* dir_holder;
  FsFixture t(/*read_only=*/true);
  dir_holder = &t.dir;
  {
    FILE* fp = std::fopen((dir_holder->path() + "/existing").c_str(), "w");
    ASSERT_NE(fp, nullptr);
    std::fputs("data", fp);
    std::fclose(fp);
  }
  EXPECT_EQ(t.open("new", host::oflag::kCreat, right::kFdWrite), -int64_t(Errno::kNotcapable));
  EXPECT_EQ(t.open("existing", 0, right::kFdWrite), -int64_t(Errno::kNotcapable));
  EXPECT_EQ(t.open("existing", host::oflag::kTrunc, right::kFdRead), -int64_t(Errno::kNotcapable));
  int64_t fd = t.open("existing", 0, right::kFdRead | right::kFdSeek);
  ASSERT_GT(fd, 0);
  EXPECT_EQ(t.write(fd, "x"), Errno::kNotcapable);
  Fake& f = t.f;
  uint32_t len = f.str(1000, "dir");
  EXPECT_EQ(path_create_directory(*t.c, f.mem, 3, 1000, len), Errno::kNotcapable);
  len = f.str(1000, "existing");
  EXPECT_EQ(path_unlink_file(*t.c, f.mem, 3, 1000, len), Errno::kNotcapable);
  EXPECT_TRUE(fs::exists(dir_holder->path() + "/existing"));
}

TEST(P1Fs, DirectoryOperations) {
  FsFixture t;
  Fake& f = t.f;
  uint32_t len = f.str(1000, "sub");
  ASSERT_EQ(path_create_directory(*t.c, f.mem, 3, 1000, len), Errno::kSuccess);
  EXPECT_EQ(path_create_directory(*t.c, f.mem, 3, 1000, len), Errno::kExist);
  EXPECT_TRUE(fs::is_directory(t.dir.path() + "/sub"));
  ASSERT_GT(t.open("sub/a", host::oflag::kCreat, right::kFdWrite), 0);

  uint32_t l1 = f.str(1000, "sub/a");
  uint32_t l2 = f.str(1100, "sub/b");
  ASSERT_EQ(path_rename(*t.c, f.mem, 3, 1000, l1, 3, 1100, l2), Errno::kSuccess);
  EXPECT_TRUE(fs::exists(t.dir.path() + "/sub/b"));
  ASSERT_EQ(path_link(*t.c, f.mem, 3, 0, 1100, l2, 3, 1000, l1), Errno::kSuccess);
  EXPECT_TRUE(fs::exists(t.dir.path() + "/sub/a"));

  uint32_t lt = f.str(1200, "b");
  uint32_t ll = f.str(1300, "sub/link");
  ASSERT_EQ(path_symlink(*t.c, f.mem, 1200, lt, 3, 1300, ll), Errno::kSuccess);
  ASSERT_EQ(path_readlink(*t.c, f.mem, 3, 1300, ll, 1400, 64, 1500), Errno::kSuccess);
  EXPECT_EQ(f.u32(1500), 1u);
  EXPECT_EQ(f.read_str(1400, 1), "b");
  EXPECT_EQ(path_readlink(*t.c, f.mem, 3, 1300, ll, kMemSize - 1, 2, 1500), Errno::kFault);
  ASSERT_EQ(path_filestat_get(*t.c, f.mem, 3, 0, 1300, ll, 256), Errno::kSuccess);
  EXPECT_EQ(f.bytes[256 + 16], static_cast<uint8_t>(host::Filetype::kSymbolicLink));
  ASSERT_EQ(path_filestat_get(*t.c, f.mem, 3, host::lookup::kSymlinkFollow, 1300, ll, 256),
            Errno::kSuccess);
  EXPECT_EQ(f.bytes[256 + 16], static_cast<uint8_t>(host::Filetype::kRegularFile));

  uint32_t ls = f.str(1000, "sub");
  EXPECT_EQ(path_remove_directory(*t.c, f.mem, 3, 1000, ls), Errno::kNotempty);
  for (const char* name : {"sub/a", "sub/b", "sub/link"}) {
    uint32_t n = f.str(1000, name);
    ASSERT_EQ(path_unlink_file(*t.c, f.mem, 3, 1000, n), Errno::kSuccess) << name;
  }
  ls = f.str(1000, "sub");
  ASSERT_EQ(path_remove_directory(*t.c, f.mem, 3, 1000, ls), Errno::kSuccess);
  EXPECT_FALSE(fs::exists(t.dir.path() + "/sub"));

  // Set times: explicit and now together is invalid.
  ASSERT_GT(t.open("t", host::oflag::kCreat, right::kFdWrite), 0);
  uint32_t lt2 = f.str(1000, "t");
  ASSERT_EQ(path_filestat_set_times(*t.c, f.mem, 3, 0, 1000, lt2, 5000000000ull, 7000000000ull,
                                    host::fst::kAtim | host::fst::kMtim),
            Errno::kSuccess);
  ASSERT_EQ(path_filestat_get(*t.c, f.mem, 3, 0, 1000, lt2, 256), Errno::kSuccess);
  EXPECT_EQ(f.u64(256 + 40), 5000000000ull);
  EXPECT_EQ(f.u64(256 + 48), 7000000000ull);
  EXPECT_EQ(path_filestat_set_times(*t.c, f.mem, 3, 0, 1000, lt2, 0, 0,
                                    host::fst::kAtim | host::fst::kAtimNow),
            Errno::kInval);
}

// Parses fd_readdir output into (name, d_next, d_type) triples; stops at a truncated entry.
struct Dirent {
  std::string name;
  uint64_t next;
  uint8_t type;
};
std::vector<Dirent> parse_dirents(const Fake& f, uint32_t buf, uint32_t used) {
  std::vector<Dirent> out;
  uint32_t at = 0;
  while (at + layout::kDirentSize <= used) {
    uint32_t namlen = f.u32(buf + at + 16);
    if (at + layout::kDirentSize + namlen > used) break;
    out.push_back({f.read_str(buf + at + 24, namlen), f.u64(buf + at), f.bytes[buf + at + 20]});
    at += layout::kDirentSize + namlen;
  }
  return out;
}

TEST(P1Fs, ReaddirCookiesAndTruncation) {
  FsFixture t;
  Fake& f = t.f;
  ASSERT_GT(t.open("a", host::oflag::kCreat, right::kFdWrite), 0);
  ASSERT_GT(t.open("bb", host::oflag::kCreat, right::kFdWrite), 0);
  ASSERT_EQ(fd_readdir(*t.c, f.mem, 3, 4096, 4096, 0, 100), Errno::kSuccess);
  uint32_t used = f.u32(100);
  // ".", "..", "a", "bb": 4 headers + 1 + 2 + 1 + 2 name bytes.
  EXPECT_EQ(used, 4 * layout::kDirentSize + 6);
  auto all = parse_dirents(f, 4096, used);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].name, ".");
  EXPECT_EQ(all[1].name, "..");
  EXPECT_EQ(all[2].name, "a");
  EXPECT_EQ(all[3].name, "bb");
  EXPECT_EQ(all[2].type, static_cast<uint8_t>(host::Filetype::kRegularFile));
  EXPECT_EQ(all[0].type, static_cast<uint8_t>(host::Filetype::kDirectory));
  EXPECT_EQ(all[3].next, 4u);

  // A buffer that ends inside the third entry: filled completely, last entry cut.
  uint32_t small = 2 * layout::kDirentSize + 3 + 10;
  std::memset(f.bytes.data() + 8192, 0xAA, 200);
  ASSERT_EQ(fd_readdir(*t.c, f.mem, 3, 8192, small, 0, 100), Errno::kSuccess);
  EXPECT_EQ(f.u32(100), small);
  EXPECT_EQ(f.bytes[8192 + small], 0xAA);  // nothing past buf_len
  auto part = parse_dirents(f, 8192, small);
  ASSERT_EQ(part.size(), 2u);
  // Resume from the last complete entry's cookie.
  ASSERT_EQ(fd_readdir(*t.c, f.mem, 3, 8192, 4096, part.back().next, 100), Errno::kSuccess);
  auto rest = parse_dirents(f, 8192, f.u32(100));
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].name, "a");
  EXPECT_EQ(rest[1].name, "bb");

  // Past the end: empty.
  ASSERT_EQ(fd_readdir(*t.c, f.mem, 3, 8192, 4096, 99, 100), Errno::kSuccess);
  EXPECT_EQ(f.u32(100), 0u);
  EXPECT_EQ(fd_readdir(*t.c, f.mem, 3, kMemSize - 10, 11, 0, 100), Errno::kFault);
  EXPECT_EQ(fd_readdir(*t.c, f.mem, 3, 8192, 100, 0, kMemSize), Errno::kFault);
  EXPECT_EQ(fd_readdir(*t.c, f.mem, 1, 8192, 100, 0, 100), Errno::kNotdir);
}

TEST(P1Fs, Renumber) {
  FsFixture t;
  Fake& f = t.f;
  int64_t a = t.open("x", host::oflag::kCreat, right::kFdWrite);
  ASSERT_GT(a, 0);
  ASSERT_EQ(fd_renumber(*t.c, f.mem, a, 1), Errno::kSuccess);
  ASSERT_EQ(t.write(1, "moved"), Errno::kSuccess);
  EXPECT_EQ(t.c.out->take(), "");
  EXPECT_EQ(fd_renumber(*t.c, f.mem, a, 1), Errno::kBadf);
  EXPECT_EQ(fs::file_size(t.dir.path() + "/x"), 5u);
}

// ---- poll_oneoff ---------------------------------------------------------------------------

void clock_sub(Fake& f, uint32_t at, uint64_t userdata, uint32_t clock, uint64_t timeout,
               uint16_t flags) {
  std::memset(f.bytes.data() + at, 0, layout::kSubscriptionSize);
  f.put64(at, userdata);
  f.bytes[at + 8] = 0;
  f.put32(at + 16, clock);
  f.put64(at + 24, timeout);
  f.put64(at + 32, 0);
  f.put16(at + 40, flags);
}
void fd_sub(Fake& f, uint32_t at, uint64_t userdata, bool write, uint32_t fd) {
  std::memset(f.bytes.data() + at, 0, layout::kSubscriptionSize);
  f.put64(at, userdata);
  f.bytes[at + 8] = write ? 2 : 1;
  f.put32(at + 16, fd);
}

TEST(P1, PollClock) {
  Ctx c;
  Fake f;
  clock_sub(f, 0, 0x1122334455667788ull, 1, 1000000, 0);  // 1 ms relative, monotonic
  std::memset(f.bytes.data() + 1000, 0xAA, 32);
  ASSERT_EQ(poll_oneoff(*c, f.mem, 0, 1000, 1, 2000), Errno::kSuccess);
  EXPECT_EQ(f.u32(2000), 1u);
  EXPECT_EQ(f.u64(1000), 0x1122334455667788ull);
  EXPECT_EQ(f.u16(1008), 0u);     // error
  EXPECT_EQ(f.bytes[1010], 0u);   // eventtype::clock
  EXPECT_EQ(f.bytes[1011], 0u);   // padding zeroed
  EXPECT_EQ(f.u64(1016), 0u);

  EXPECT_EQ(poll_oneoff(*c, f.mem, 0, 1000, 0, 2000), Errno::kInval);
  EXPECT_EQ(poll_oneoff(*c, f.mem, kMemSize - 40, 1000, 1, 2000), Errno::kFault);
  EXPECT_EQ(poll_oneoff(*c, f.mem, 0, kMemSize - 31, 1, 2000), Errno::kFault);
  EXPECT_EQ(poll_oneoff(*c, f.mem, 0, 1000, 1, kMemSize - 3), Errno::kFault);
  EXPECT_EQ(poll_oneoff(*c, f.mem, 0, 1000, 0xffffffffu, 2000), Errno::kFault);
  clock_sub(f, 0, 1, 9, 0, 0);
  EXPECT_EQ(poll_oneoff(*c, f.mem, 0, 1000, 1, 2000), Errno::kInval);
  f.bytes[8] = 7;  // unknown subscription tag
  EXPECT_EQ(poll_oneoff(*c, f.mem, 0, 1000, 1, 2000), Errno::kInval);
}

TEST(P1, PollFdEvents) {
  Ctx c;
  Fake f;
  fd_sub(f, 0, 10, /*write=*/true, 1);
  fd_sub(f, 48, 20, /*write=*/false, 42);  // not open
  clock_sub(f, 96, 30, 1, 10000000000ull, 0);  // 10 s: must not be what wakes us
  ASSERT_EQ(poll_oneoff(*c, f.mem, 0, 1000, 3, 2000), Errno::kSuccess);
  uint32_t n = f.u32(2000);
  ASSERT_GE(n, 1u);
  ASSERT_LE(n, 2u);
  bool saw_write = false;
  bool saw_badf = false;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t e = 1000 + i * layout::kEventSize;
    if (f.u64(e) == 10) {
      saw_write = true;
      EXPECT_EQ(f.u16(e + 8), 0u);
      EXPECT_EQ(f.bytes[e + 10], 2u);  // eventtype::fd_write
    } else if (f.u64(e) == 20) {
      saw_badf = true;
      EXPECT_EQ(f.u16(e + 8), static_cast<uint16_t>(Errno::kBadf));
      EXPECT_EQ(f.bytes[e + 10], 1u);  // eventtype::fd_read
    } else {
      ADD_FAILURE() << "unexpected event userdata " << f.u64(e);
    }
  }
  EXPECT_TRUE(saw_write || saw_badf);

  // Data in stdin makes an fd_read subscription ready with a byte count.
  c.in->push("abc");
  fd_sub(f, 0, 5, /*write=*/false, 0);
  ASSERT_EQ(poll_oneoff(*c, f.mem, 0, 1000, 1, 2000), Errno::kSuccess);
  ASSERT_EQ(f.u32(2000), 1u);
  EXPECT_EQ(f.u64(1000), 5u);
  EXPECT_EQ(f.bytes[1010], 1u);
  EXPECT_EQ(f.u16(1008), 0u);
}

// ---- proc, sched, sockets, misc fd errors ----------------------------------------------------

TEST(P1, ProcAndSched) {
  Ctx c;
  Fake f;
  EXPECT_EQ(proc_raise(*c, f.mem, 9), Errno::kNosys);
  EXPECT_EQ(sched_yield(*c, f.mem), Errno::kSuccess);
  EXPECT_FALSE(c.ctx->exit_code);
  EXPECT_EQ(proc_exit(*c, 126), Errno::kInval);
  EXPECT_FALSE(c.ctx->exit_code);
  EXPECT_EQ(proc_exit(*c, 3), Errno::kSuccess);
  EXPECT_EQ(c.ctx->exit_code, 3u);
}

TEST(P1, SocketsOnNonSockets) {
  Ctx c;
  Fake f;
  EXPECT_EQ(sock_shutdown(*c, f.mem, 1, 3), Errno::kNotsock);
  EXPECT_EQ(sock_shutdown(*c, f.mem, 99, 3), Errno::kBadf);
  EXPECT_EQ(sock_accept(*c, f.mem, 1, 0, 0), Errno::kNotsock);
  EXPECT_EQ(sock_recv(*c, f.mem, 0, 0, 0, 0, 8, 12), Errno::kNotsock);
  EXPECT_EQ(sock_send(*c, f.mem, 1, 0, 0, 0, 8), Errno::kNotsock);
}

TEST(P1, SocketAcceptSendRecv) {
  auto listener = host::TcpSocket::listen_ipv4("127.0.0.1", 0);
  ASSERT_TRUE(listener.ok());
  uint16_t port = (*listener)->local_port();
  WasiCtxBuilder b;
  b.preopen_handle(std::move(listener).value());
  Ctx c(std::move(b));
  Fake f;
  int client = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(client, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(sock_accept(*c, f.mem, 3, 0, kMemSize - 2), Errno::kFault);
  ASSERT_EQ(sock_accept(*c, f.mem, 3, 0, 0), Errno::kSuccess);
  uint32_t conn = f.u32(0);
  EXPECT_EQ(conn, 4u);
  ASSERT_EQ(::write(client, "ping", 4), 4);
  f.put32(16, 100);
  f.put32(20, 4);
  ASSERT_EQ(sock_recv(*c, f.mem, conn, 16, 1, host::riflag::kRecvWaitall, 24, 28),
            Errno::kSuccess);
  EXPECT_EQ(f.u32(24), 4u);
  EXPECT_EQ(f.read_str(100, 4), "ping");
  f.put32(16, 200);
  f.put32(20, f.str(200, "pong"));
  ASSERT_EQ(sock_send(*c, f.mem, conn, 16, 1, 0, 24), Errno::kSuccess);
  EXPECT_EQ(f.u32(24), 4u);
  char buf[4];
  ASSERT_EQ(::read(client, buf, 4), 4);
  EXPECT_EQ(std::string(buf, 4), "pong");
  ASSERT_EQ(sock_shutdown(*c, f.mem, conn, host::sdflag::kWr), Errno::kSuccess);
  EXPECT_EQ(::read(client, buf, 4), 0);
  EXPECT_EQ(sock_shutdown(*c, f.mem, conn, 0x100), Errno::kInval);
  ::close(client);
}

TEST(P1, FdOperationsOnStreams) {
  Ctx c;
  Fake f;
  EXPECT_EQ(fd_seek(*c, f.mem, 1, 0, 0, 8), Errno::kNotcapable);
  EXPECT_EQ(fd_advise(*c, f.mem, 1, 0, 0, 9), Errno::kInval);
  EXPECT_EQ(fd_advise(*c, f.mem, 42, 0, 0, 0), Errno::kBadf);
  EXPECT_EQ(fd_allocate(*c, f.mem, 1, 0, 10), Errno::kNotcapable);
  EXPECT_EQ(fd_filestat_set_times(*c, f.mem, 1, 0, 0, 0x10000), Errno::kInval);
  EXPECT_EQ(fd_sync(*c, f.mem, 42), Errno::kBadf);
  EXPECT_EQ(fd_datasync(*c, f.mem, 42), Errno::kBadf);
  EXPECT_EQ(fd_tell(*c, f.mem, 42, 8), Errno::kBadf);
  EXPECT_EQ(fd_pwrite(*c, f.mem, 1, 0, 0, 0, 8), Errno::kNotcapable);
  EXPECT_EQ(fd_pread(*c, f.mem, 0, 0, 0, 0, 8), Errno::kNotcapable);
}

}  // namespace
}  // namespace kiln::wasi::p1
