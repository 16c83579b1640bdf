// tests/unit/wasi_p1/lookup_and_link_test.cc: regressions found by the C WASI tests
// (tests/wasi_c): unknown lookupflags bits are EINVAL with no side effect, and a hard link out
// of a read-only preopen into a writable one is refused (it would make the read-only file
// writable through the new name).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "wasi/host/types.h"
#include "wasi/p1/ctx.h"
#include "wasi/p1/functions.h"

namespace kiln::wasi::p1 {
namespace {

namespace fs = std::filesystem;

struct World {
  std::string root;
  std::vector<uint8_t> bytes = std::vector<uint8_t>(65536, 0);
  GuestMemory mem{bytes.data(), bytes.size()};
  std::unique_ptr<WasiCtx> ctx;

  World() {
    std::string tmpl = (fs::temp_directory_path() / "kiln_p1_link_XXXXXX").string();
    root = ::mkdtemp(tmpl.data());
    fs::create_directory(root + "/rw");
    fs::create_directory(root + "/ro");
    std::ofstream(root + "/ro/file") << "read-only";
    std::ofstream(root + "/rw/file") << "writable";
    WasiCtxBuilder b;
    b.preopen_dir(root + "/rw", "rw", false);  // fd 3
    b.preopen_dir(root + "/ro", "ro", true);   // fd 4
    auto r = b.build();
    EXPECT_TRUE(r.ok());
    if (r.ok()) ctx = std::move(r).value();
  }
  ~World() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  uint32_t str(uint32_t at, std::string_view s) {
    std::memcpy(bytes.data() + at, s.data(), s.size());
    return static_cast<uint32_t>(s.size());
  }
};

TEST(P1Lookup, UnknownLookupFlagsAreInvalid) {
  World w;
  ASSERT_NE(w.ctx, nullptr);
  uint32_t l = w.str(100, "file");
  uint32_t n = w.str(200, "new");
  for (uint32_t flags : {2u, 0x80000000u, 3u}) {
    EXPECT_EQ(path_filestat_get(*w.ctx, w.mem, 3, flags, 100, l, 1000), Errno::kInval);
    EXPECT_EQ(path_filestat_set_times(*w.ctx, w.mem, 3, flags, 100, l, 1, 2,
                                      host::fst::kAtim | host::fst::kMtim),
              Errno::kInval);
    EXPECT_EQ(path_link(*w.ctx, w.mem, 3, flags, 100, l, 3, 200, n), Errno::kInval);
    EXPECT_EQ(path_open(*w.ctx, w.mem, 3, flags, 200, n, host::oflag::kCreat, host::right::kFdRead,
                        0, 0, 300),
              Errno::kInval);
  }
  EXPECT_FALSE(fs::exists(w.root + "/rw/new"));
  // symlink_follow alone is fine.
  EXPECT_EQ(path_filestat_get(*w.ctx, w.mem, 3, host::lookup::kSymlinkFollow, 100, l, 1000),
            Errno::kSuccess);
}

TEST(P1Link, NoHardLinkOutOfAReadOnlyPreopen) {
  World w;
  ASSERT_NE(w.ctx, nullptr);
  uint32_t l = w.str(100, "file");
  uint32_t n = w.str(200, "stolen");
  for (uint32_t flags : {0u, 1u}) {
    EXPECT_EQ(path_link(*w.ctx, w.mem, 4, flags, 100, l, 3, 200, n), Errno::kNotcapable);
  }
  EXPECT_FALSE(fs::exists(w.root + "/rw/stolen"));
  EXPECT_EQ(fs::hard_link_count(w.root + "/ro/file"), 1u);
  // Nor into it, nor a rename either way; between writable directories linking works.
  EXPECT_EQ(path_link(*w.ctx, w.mem, 3, 0, 100, l, 4, 200, n), Errno::kNotcapable);
  EXPECT_EQ(path_rename(*w.ctx, w.mem, 4, 100, l, 3, 200, n), Errno::kNotcapable);
  EXPECT_EQ(path_rename(*w.ctx, w.mem, 3, 100, l, 4, 200, n), Errno::kNotcapable);
  EXPECT_EQ(path_link(*w.ctx, w.mem, 3, 0, 100, l, 3, 200, n), Errno::kSuccess);
  EXPECT_EQ(fs::hard_link_count(w.root + "/rw/file"), 2u);
  // The read-only preopen's rights hold no link-source right.
  EXPECT_EQ(fd_fdstat_get(*w.ctx, w.mem, 4, 1000), Errno::kSuccess);
  uint64_t base;
  std::memcpy(&base, w.bytes.data() + 1008, 8);
  EXPECT_EQ(base & host::right::kPathLinkSource, 0u);
}

}  // namespace
}  // namespace kiln::wasi::p1
