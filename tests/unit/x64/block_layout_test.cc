// tests/unit/x64/block_layout_test.cc: branch emission around threaded edge blocks. A loop
// latch `brif c, header(args), exit` gets a split back edge laid out right after it: a lone
// jump to the header when the arguments need no moves. The latch must become one conditional
// branch to the header falling through to the exit (the edge block skipped), not
// `jcc exit; jmp header`, and the code must still compute the right result.
#include <gtest/gtest.h>

#include <sys/mman.h>

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "codegen/ir/parser.h"
#include "codegen/isa/x64/disasm.h"
#include "codegen/pipeline/compile.h"

namespace kiln::codegen::x64 {
namespace {

// sum(n) = 3 * (0 + 1 + ... + (n-1)) for n > 0, as a counted loop; the exit block works
// on the sum directly (no block parameters, so nothing to move on the exit edge).
constexpr const char* kSumLoop = R"(function %sum(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 0
    brif v0, block1(v1, v1), block3

block1(v2: i32, v3: i32):
    v4 = iadd v3, v2
    v5 = iconst.i32 1
    v6 = iadd v2, v5
    v7 = icmp ne v6, v0
    brif v7, block1(v6, v4), block2

block2:
    v9 = iconst.i32 3
    v10 = imul v4, v9
    return v10

block3:
    return v1
}
)";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(BlockLayout, LoopLatchFallsThroughToExit) {
  auto f = ir::parse_function(kSumLoop);
  ASSERT_TRUE(f) << f.error().to_string();
  for (int opt : {0, 2}) {
    pipeline::CompileOptions opts;
    opts.opt_level = opt;
    opts.check_regalloc = true;
    auto cc = pipeline::compile(*f, opts);
    ASSERT_TRUE(cc) << cc.error().to_string();
    std::string text = disassemble_text(cc->code);
    // No conditional branch is directly followed by an unconditional jump.
    auto lines = lines_of(text);
    for (size_t k = 0; k + 1 < lines.size(); ++k) {
      bool jcc = lines[k].starts_with("j") && !lines[k].starts_with("jmp");
      EXPECT_FALSE(jcc && lines[k + 1].starts_with("jmp"))
          << "-O" << opt << ": jcc followed by jmp:\n" << text;
    }

    size_t size = (cc->code.size() + 4095) / 4096 * 4096;
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(p, MAP_FAILED);
    std::memcpy(p, cc->code.data(), cc->code.size());
    ASSERT_EQ(mprotect(p, size, PROT_READ | PROT_EXEC), 0);
    auto fn = reinterpret_cast<int32_t (*)(int32_t)>(p);
    EXPECT_EQ(fn(0), 0);
    EXPECT_EQ(fn(1), 0);
    EXPECT_EQ(fn(10), 135);
    EXPECT_EQ(fn(1000), 1498500);
    munmap(p, size);
  }
}

}  // namespace
}  // namespace kiln::codegen::x64
