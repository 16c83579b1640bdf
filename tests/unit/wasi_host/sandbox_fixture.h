// tests/unit/wasi_host/sandbox_fixture.h: a fresh temporary tree per test (a sandbox root, an
// `outside` sibling holding a secret, a second preopen) plus small I/O helpers.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "wasi/host/fs.h"

namespace kiln::wasi::host::testing {

inline std::string errno_str(Errno e) { return std::string(errno_name(e)); }

// ASSERT-style helpers printing the Errno by name.
#define EXPECT_ERRNO(expr, want)                                              \
  do {                                                                        \
    auto&& r_ = (expr);                                                       \
    EXPECT_FALSE(r_.ok()) << #expr << " unexpectedly succeeded";              \
    EXPECT_EQ(::kiln::wasi::host::testing::errno_str(r_.error()),             \
              ::kiln::wasi::host::testing::errno_str(want))                   \
        << #expr;                                                             \
  } while (0)
#define EXPECT_OK(expr)                                                                    \
  do {                                                                                     \
    auto&& r_ = (expr);                                                                    \
    EXPECT_TRUE(r_.ok()) << #expr << " failed: " << ::kiln::wasi::host::testing::errno_str(r_.error()); \
  } while (0)
#define ASSERT_OK(expr)                                                                    \
  do {                                                                                     \
    auto&& r_ = (expr);                                                                    \
    ASSERT_TRUE(r_.ok()) << #expr << " failed: " << ::kiln::wasi::host::testing::errno_str(r_.error()); \
  } while (0)

inline void write_host_file(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}
inline std::string read_host_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
inline bool host_exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

inline const char* mode_name(ResolveMode m) {
  return m == ResolveMode::kAuto ? "openat2" : "fallback";
}

class SandboxTest : public ::testing::TestWithParam<ResolveMode> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kiln_wasi_host_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    root_ = base_ + "/root";
    outside_ = base_ + "/outside";
    other_ = base_ + "/other";
    ASSERT_EQ(::mkdir(root_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(outside_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(other_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((root_ + "/dir").c_str(), 0755), 0);
    write_host_file(outside_ + "/secret", "secret");
    write_host_file(root_ + "/file", "hello");
    write_host_file(root_ + "/dir/inner", "inner");
    auto d = Dir::open_preopen_read_write(root_, "/", GetParam());
    ASSERT_TRUE(d.ok());
    dir_ = std::move(d).value();
    auto o = Dir::open_preopen_read_write(other_, "/other", GetParam());
    ASSERT_TRUE(o.ok());
    other_dir_ = std::move(o).value();
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(base_, ec);
  }
  void host_symlink(const std::string& target, const std::string& rel) {
    ASSERT_EQ(::symlink(target.c_str(), (root_ + "/" + rel).c_str()), 0) << rel;
  }
  Result<std::unique_ptr<Handle>> open(std::string_view path, OFlags o = 0,
                                       LookupFlags l = lookup::kSymlinkFollow,
                                       Rights base = right::kFileAll, FdFlags f = 0) {
    return dir_->open_at(l, path, o, base, 0, f);
  }
  // Reads a whole file through the sandbox (empty string + failure on error).
  std::string read_all(Handle& h) {
    std::string out;
    uint8_t buf[64];
    while (true) {
      std::span<uint8_t> iov[1] = {buf};
      auto n = h.read(iov);
      if (!n.ok() || *n == 0) break;
      out.append(reinterpret_cast<char*>(buf), *n);
    }
    return out;
  }
  Result<size_t> write_str(Handle& h, std::string_view s) {
    std::span<const uint8_t> iov[1] = {
        {reinterpret_cast<const uint8_t*>(s.data()), s.size()}};
    return h.write(iov);
  }

  std::string base_, root_, outside_, other_;
  std::unique_ptr<Dir> dir_;
  std::unique_ptr<Dir> other_dir_;
};

}  // namespace kiln::wasi::host::testing
