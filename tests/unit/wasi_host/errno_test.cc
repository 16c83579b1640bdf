// tests/unit/wasi_host/errno_test.cc: the errno table is complete and consistent with
// preview1's numbering, the host mapping and 0.2's error-code.
#include <gtest/gtest.h>

#include <cerrno>
#include <set>
#include <string>

#include "wasi/host/errno.h"

namespace kiln::wasi::host {
namespace {

TEST(Errno, Preview1Values) {
  EXPECT_EQ(static_cast<int>(Errno::kSuccess), 0);
  EXPECT_EQ(static_cast<int>(Errno::k2big), 1);
  EXPECT_EQ(static_cast<int>(Errno::kBadf), 8);
  EXPECT_EQ(static_cast<int>(Errno::kExist), 20);
  EXPECT_EQ(static_cast<int>(Errno::kInval), 28);
  EXPECT_EQ(static_cast<int>(Errno::kNoent), 44);
  EXPECT_EQ(static_cast<int>(Errno::kNotdir), 54);
  EXPECT_EQ(static_cast<int>(Errno::kPerm), 63);
  EXPECT_EQ(static_cast<int>(Errno::kXdev), 75);
  EXPECT_EQ(static_cast<int>(Errno::kNotcapable), 76);
  EXPECT_EQ(kErrnoCount, 77u);
}

TEST(Errno, EveryValueHasAUniqueNameAndRoundTrips) {
  std::set<std::string> names;
  for (uint32_t i = 0; i < kErrnoCount; ++i) {
    auto e = static_cast<Errno>(i);
    std::string n(errno_name(e));
    EXPECT_FALSE(n.empty());
    EXPECT_NE(n, "unknown");
    EXPECT_TRUE(names.insert(n).second) << n;
    int host = errno_to_host(e);
    if (e == Errno::kSuccess || e == Errno::kNotcapable) {
      EXPECT_EQ(host, 0) << n;
    } else {
      EXPECT_GT(host, 0) << n;
      EXPECT_EQ(errno_from_host(host), e) << n;
    }
  }
  EXPECT_EQ(errno_name(Errno::kNoent), "noent");
  EXPECT_EQ(errno_name(Errno::k2big), "2big");
  EXPECT_EQ(errno_name(Errno::kNotcapable), "notcapable");
}

TEST(Errno, HostMapping) {
  EXPECT_EQ(errno_from_host(ENOENT), Errno::kNoent);
  EXPECT_EQ(errno_from_host(EACCES), Errno::kAcces);
  EXPECT_EQ(errno_from_host(ELOOP), Errno::kLoop);
  EXPECT_EQ(errno_from_host(EOPNOTSUPP), Errno::kNotsup);
  EXPECT_EQ(errno_from_host(EWOULDBLOCK), Errno::kAgain);
  EXPECT_EQ(errno_from_host(EXDEV), Errno::kXdev);
  // Anything unknown or out of range is an I/O error, never success.
  for (int h = -5; h < 300; ++h) EXPECT_NE(errno_from_host(h), Errno::kSuccess) << h;
  EXPECT_EQ(errno_from_host(0), Errno::kIo);
  EXPECT_EQ(errno_from_host(ENOMEDIUM), Errno::kIo);
  EXPECT_EQ(errno_from_host(100000), Errno::kIo);
  errno = ENOTEMPTY;
  EXPECT_EQ(last_errno(), Errno::kNotempty);
}

TEST(Errno, FsErrorCodes) {
  EXPECT_EQ(kFsErrorCodeCount, 37u);
  EXPECT_EQ(to_fs_error_code(Errno::kNotcapable), FsErrorCode::kNotPermitted);
  EXPECT_EQ(to_fs_error_code(Errno::kPerm), FsErrorCode::kNotPermitted);
  EXPECT_EQ(to_fs_error_code(Errno::kNoent), FsErrorCode::kNoEntry);
  EXPECT_EQ(to_fs_error_code(Errno::kAgain), FsErrorCode::kWouldBlock);
  EXPECT_EQ(to_fs_error_code(Errno::kSpipe), FsErrorCode::kInvalidSeek);
  EXPECT_EQ(to_fs_error_code(Errno::kRofs), FsErrorCode::kReadOnly);
  EXPECT_EQ(to_fs_error_code(Errno::kNotsup), FsErrorCode::kUnsupported);
  EXPECT_EQ(to_fs_error_code(Errno::kBadf), FsErrorCode::kBadDescriptor);
  EXPECT_EQ(fs_error_code_name(FsErrorCode::kNoEntry), "no-entry");
  EXPECT_EQ(fs_error_code_name(FsErrorCode::kCrossDevice), "cross-device");
  // Every 0.2 code is the image of some Errno (the mapping loses nothing 0.2 can say).
  std::set<FsErrorCode> hit;
  for (uint32_t i = 0; i < kErrnoCount; ++i) hit.insert(to_fs_error_code(static_cast<Errno>(i)));
  EXPECT_EQ(hit.size(), kFsErrorCodeCount);
}

TEST(Errno, ResultCarriesValueOrErrno) {
  Result<int> a = 5;
  Result<int> b = Errno::kBadf;
  EXPECT_TRUE(a.ok());
  EXPECT_EQ(*a, 5);
  EXPECT_EQ(a.error(), Errno::kSuccess);
  EXPECT_FALSE(b.ok());
  EXPECT_EQ(b.error(), Errno::kBadf);
  auto f = [](bool fail) -> Result<int> {
    KILN_WASI_TRY(fail ? Result<void>(Errno::kIo) : Result<void>());
    KILN_WASI_ASSIGN_OR_RETURN(int v, Result<int>(7));
    return v + 1;
  };
  EXPECT_EQ(*f(false), 8);
  EXPECT_EQ(f(true).error(), Errno::kIo);
}

}  // namespace
}  // namespace kiln::wasi::host
