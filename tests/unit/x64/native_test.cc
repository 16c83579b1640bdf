// tests/unit/x64/native_test.cc: runs every `; run:` line of tests/filetests/**.kir as native
// code compiled by the x64 backend and compares the results with the IR interpreter's.
//
// Native calls go through one typed function pointer: six integer and eight double arguments
// fill rdi..r9 and xmm0..xmm7 exactly as the backend's convention places IR parameters, and a
// returned struct {uint64_t; double} comes back in rax and xmm0. A hidden return-area pointer
// takes the next integer register. Traps are caught with a SIGILL/SIGSEGV handler (on an
// alternate stack) that records the faulting pc; the trap table must map it to the expected
// code.
#include <gtest/gtest.h>

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "codegen/ir/interpreter.h"
#include "codegen/ir/parser.h"
#include "codegen/isa/x64/disasm.h"
#include "codegen/isa/x64/lower.h"
#include "codegen/pipeline/compile.h"
#include "filetest_text.h"

namespace kiln::codegen::x64 {
namespace {

namespace fs = std::filesystem;
using ir::DataValue;

using filetest::split_commas;
using filetest::trim;

std::optional<DataValue> parse_value(const std::string& s, ir::Type t) {
  if (t == ir::kF32) {
    if (auto b = ir::parse_f32_literal(s)) return DataValue::make(ir::kF32, *b);
  } else if (t == ir::kF64) {
    if (auto b = ir::parse_f64_literal(s)) return DataValue::make(ir::kF64, *b);
  } else if (t.is_int() && t.bits() <= 64) {
    if (auto b = ir::parse_int_of_width(s, t.bits())) return DataValue::make(t, *b);
  }
  return std::nullopt;
}

// --- W^X code memory for tests: map RW, copy, then RX ---
class CodeMemory {
 public:
  ~CodeMemory() {
    if (base_) munmap(base_, size_);
  }
  bool load(const std::vector<uint8_t>& bytes) {
    size_ = (bytes.size() + 4095) / 4096 * 4096;
    if (size_ == 0) size_ = 4096;
    // SAFETY: a fresh private anonymous mapping, written before it becomes executable and
    // never writable again afterwards.
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return false;
    base_ = static_cast<uint8_t*>(p);
    std::memcpy(base_, bytes.data(), bytes.size());
    return mprotect(base_, size_, PROT_READ | PROT_EXEC) == 0;
  }
  uint8_t* base() const { return base_; }

 private:
  uint8_t* base_ = nullptr;
  size_t size_ = 0;
};

// --- trap catching ---
sigjmp_buf g_jmp;
volatile uintptr_t g_fault_pc = 0;
volatile int g_signal = 0;

void on_fault(int sig, siginfo_t*, void* uc) {
  // SAFETY: only async-signal-safe work: read the pc from the context and jump back to the
  // test's sigsetjmp (the faulting frame is compiled test code and is abandoned).
  g_fault_pc = static_cast<uintptr_t>(static_cast<ucontext_t*>(uc)->uc_mcontext.gregs[REG_RIP]);
  g_signal = sig;
  siglongjmp(g_jmp, 1);
}

struct SignalScope {
  struct sigaction old_ill, old_segv, old_bus;
  stack_t old_stack;
  std::vector<uint8_t> alt = std::vector<uint8_t>(1 << 16);
  SignalScope() {
    stack_t ss{};
    ss.ss_sp = alt.data();
    ss.ss_size = alt.size();
    sigaltstack(&ss, &old_stack);
    struct sigaction sa{};
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGILL, &sa, &old_ill);
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);
  }
  ~SignalScope() {
    sigaction(SIGILL, &old_ill, nullptr);
    sigaction(SIGSEGV, &old_segv, nullptr);
    sigaction(SIGBUS, &old_bus, nullptr);
    sigaltstack(&old_stack, nullptr);
  }
};

struct Ret2 {
  uint64_t rax;
  double xmm0;
};
using NativeFn = Ret2 (*)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, double, double,
                          double, double, double, double, double, double);

double bits_to_double(uint64_t b) {
  double d;
  std::memcpy(&d, &b, 8);
  return d;
}
uint64_t double_to_bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}

struct NativeModule {
  std::vector<const ir::Function*> funcs;
  std::vector<mach::CompiledCode> code;
  std::vector<uint32_t> starts;
  CodeMemory mem;
};

// Functions whose run lines cannot run natively: memory accesses (the interpreter's heap is at
// address 0), stack-overflow expectations (no vmctx to find a stack limit), vectors/i128 in
// the signature, or more arguments than the typed pointer passes in registers.
std::string native_skip_reason(const ir::Function& f) {
  for (ir::Block b : f.layout.blocks()) {
    for (ir::Inst i : f.layout.insts(b)) {
      ir::Opcode op = f.dfg[i].opcode;
      // Any load/store outside the frame addresses the interpreter's memory (vmctx and heap
      // pointers in run lines are interpreter addresses), notrap or not.
      if ((ir::can_load(op) || ir::can_store(op)) && op != ir::Opcode::kStackLoad &&
          op != ir::Opcode::kStackStore) {
        return "memory access";
      }
    }
  }
  int ints = 0, floats = 0;
  for (const auto& p : f.signature.params) {
    if (p.type.is_vector() || p.type == ir::kI128) return "vector/i128 parameter";
    (p.type.is_float() ? floats : ints)++;
  }
  for (const auto& r : f.signature.returns) {
    if (r.type.is_vector() || r.type == ir::kI128) return "vector/i128 result";
  }
  if (ints > 5 || floats > 8) return "too many parameters";
  return "";
}

struct Totals {
  int run = 0, passed = 0, skipped = 0;
} g_totals;

class NativeFileTest : public ::testing::TestWithParam<std::string> {};

// The .kir files with `; run:` lines.
std::vector<std::string> list_files() {
  std::vector<std::string> out;
  fs::path root = fs::path(KILN_SOURCE_DIR) / "tests" / "filetests";
  for (const std::string& f : filetest::list_kir_files()) {
    std::ifstream in(root / f);
    std::stringstream ss;
    ss << in.rdbuf();
    if (ss.str().find("; run:") != std::string::npos) out.push_back(f);
  }
  return out;
}

// Runs one run line natively; returns "" on success, "skip: ..." or the failure.
std::string run_native(const std::string& spec, NativeModule& mod, ir::Interpreter& interp) {
  size_t open = spec.find('('), close = spec.find(')');
  if (spec.empty() || spec[0] != '%' || open == std::string::npos || close == std::string::npos) {
    return "malformed run line";
  }
  std::string name = spec.substr(1, open - 1);
  size_t idx = SIZE_MAX;
  for (size_t k = 0; k < mod.funcs.size(); ++k) {
    if (mod.funcs[k]->name == name) idx = k;
  }
  if (idx == SIZE_MAX) return "no function %" + name;
  const ir::Function& f = *mod.funcs[idx];
  if (std::string why = native_skip_reason(f); !why.empty()) return "skip: " + why;
  if (spec.find("trap stk_ovf") != std::string::npos) return "skip: stack overflow needs a vmctx";
  std::vector<std::string> arg_text = split_commas(spec.substr(open + 1, close - open - 1));
  if (arg_text.size() != f.signature.params.size()) return "wrong number of arguments";
  std::vector<DataValue> args;
  uint64_t ints[6] = {};
  double floats[8] = {};
  int ni = 0, nf = 0;
  for (size_t k = 0; k < arg_text.size(); ++k) {
    ir::Type t = f.signature.params[k].type;
    auto v = parse_value(arg_text[k], t);
    if (!v) return "bad argument '" + arg_text[k] + "'";
    args.push_back(*v);
    if (t.is_float()) floats[nf++] = bits_to_double(v->as_u64());
    else ints[ni++] = v->as_u64();
  }
  auto expect = interp.call(f, args);
  if (!expect.ok()) return "interpreter error: " + expect.error().to_string();

  auto layout = layout_signature(f.signature);
  if (!layout.ok()) return layout.error().to_string();
  alignas(16) uint64_t area[64] = {};
  if (layout->has_ret_area) ints[ni++] = reinterpret_cast<uint64_t>(area);
  auto fn = reinterpret_cast<NativeFn>(mod.mem.base() + mod.starts[idx]);
  Ret2 r{};
  SignalScope signals;
  g_fault_pc = 0;
  if (sigsetjmp(g_jmp, 1) == 0) {
    r = fn(ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], floats[0], floats[1], floats[2],
           floats[3], floats[4], floats[5], floats[6], floats[7]);
  } else {
    // Map the faulting pc to a function and its trap table.
    uintptr_t pc = g_fault_pc;
    uintptr_t base = reinterpret_cast<uintptr_t>(mod.mem.base());
    std::string got = "fault outside compiled code (signal " + std::to_string(g_signal) + ")";
    for (size_t k = 0; k < mod.code.size(); ++k) {
      uintptr_t s = base + mod.starts[k];
      if (pc < s || pc >= s + mod.code[k].code.size()) continue;
      got = "fault at %" + mod.funcs[k]->name + "+" + std::to_string(pc - s) + " without trap entry";
      for (const auto& t : mod.code[k].traps) {
        if (t.offset == pc - s) got = "trap " + ir::trapcode_name(t.code);
      }
    }
    std::string want = expect->trapped ? "trap " + ir::trapcode_name(expect->trap) : "values";
    return got == want ? "" : "native " + got + ", interpreter " + want;
  }
  if (expect->trapped) return "native returned, interpreter trapped " + ir::trapcode_name(expect->trap);
  std::vector<DataValue> got;
  bool int_used = false, float_used = false;
  for (size_t k = 0; k < f.signature.returns.size(); ++k) {
    ir::Type t = f.signature.returns[k].type;
    uint64_t bits;
    if (!layout->returns[k].in_reg) {
      bits = area[layout->returns[k].offset / 8];
    } else if (t.is_float()) {
      bits = double_to_bits(r.xmm0);
      float_used = true;
    } else {
      bits = r.rax;
      int_used = true;
    }
    (void)int_used;
    (void)float_used;
    if (t.bits() < 64) bits &= (uint64_t{1} << t.bits()) - 1;
    got.push_back(DataValue::make(t, bits));
  }
  for (size_t k = 0; k < got.size(); ++k) {
    if (!got[k].same_as(expect->values[k])) {
      std::string s;
      for (size_t j = 0; j < got.size(); ++j) {
        s += (j ? ", " : "") + got[j].to_string() + " (want " + expect->values[j].to_string() + ")";
      }
      return "native [" + s + "]";
    }
  }
  return "";
}

void run_file(const fs::path& path, const std::string& label, const CpuFeatures& cpu) {
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream buf;
  buf << in.rdbuf();
  std::string text;
  std::vector<std::string> runs;
  std::string line;
  std::istringstream ls(buf.str());
  bool header = true;
  while (std::getline(ls, line)) {
    std::string t = trim(line);
    if (t.rfind("function", 0) == 0) header = false;
    text += (header && t.rfind("test ", 0) == 0) ? "" : line;
    text += "\n";
    if (t.rfind("; run:", 0) == 0) runs.push_back(trim(t.substr(6)));
  }
  auto parsed = ir::parse_functions(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();

  NativeModule mod;
  std::vector<uint8_t> image;
  ir::Interpreter interp;
  for (const auto& pf : *parsed) interp.add_function(pf.func);
  for (const auto& pf : *parsed) {
    pipeline::CompileOptions opts;
    opts.check_regalloc = true;
    opts.cpu = cpu;
    auto cc = pipeline::compile(pf.func, opts);
    ASSERT_TRUE(cc.ok()) << "%" << pf.func.name << ": " << cc.error().to_string();
    mod.funcs.push_back(&pf.func);
    while (image.size() % 16) image.push_back(0xCC);
    mod.starts.push_back(static_cast<uint32_t>(image.size()));
    image.insert(image.end(), cc->code.begin(), cc->code.end());
    mod.code.push_back(std::move(*cc));
  }
  // Relocations are resolved against the final mapping address, so map first, then patch a
  // writable copy and map again.
  ASSERT_TRUE(mod.mem.load(image));
  uintptr_t base = reinterpret_cast<uintptr_t>(mod.mem.base());
  for (size_t k = 0; k < mod.code.size(); ++k) {
    for (const auto& rel : mod.code[k].relocations) {
      size_t target = SIZE_MAX;
      for (size_t j = 0; j < mod.funcs.size(); ++j) {
        if (!rel.target.is_user && mod.funcs[j]->name == rel.target.test_name) target = j;
      }
      ASSERT_NE(target, SIZE_MAX) << "unresolved " << rel.target.to_string();
      uint64_t at = mod.starts[k] + rel.offset;
      uint64_t dest = base + mod.starts[target] + rel.addend;
      if (rel.kind == mach::RelocKind::kPcRel4) {
        int64_t v = static_cast<int64_t>(dest) - static_cast<int64_t>(base + at);
        ASSERT_TRUE(v >= INT32_MIN && v <= INT32_MAX);
        int32_t v32 = static_cast<int32_t>(v);
        std::memcpy(image.data() + at, &v32, 4);
      } else {
        std::memcpy(image.data() + at, &dest, 8);
      }
    }
  }
  // SAFETY: the mapping is ours; it goes back to RW for the patched copy, then RX (never both).
  size_t len = (image.size() + 4095) / 4096 * 4096;
  ASSERT_EQ(mprotect(mod.mem.base(), len, PROT_READ | PROT_WRITE), 0);
  std::memcpy(mod.mem.base(), image.data(), image.size());
  ASSERT_EQ(mprotect(mod.mem.base(), len, PROT_READ | PROT_EXEC), 0);

  for (const std::string& spec : runs) {
    std::string r = run_native(spec, mod, interp);
    if (r.rfind("skip:", 0) == 0) {
      g_totals.skipped++;
      continue;
    }
    g_totals.run++;
    if (r.empty()) g_totals.passed++;
    EXPECT_EQ(r, "") << label << ": " << spec;
  }
}

TEST_P(NativeFileTest, MatchesInterpreter) {
  run_file(fs::path(KILN_SOURCE_DIR) / "tests" / "filetests" / GetParam(), GetParam(),
           CpuFeatures::host());
}

// The backend's own run files (tests/unit/x64/native/*.kir), with the host's features and
// with only the x86-64 baseline (bsr/bsf/SWAR fallbacks).
TEST(NativeBackendFiles, HostFeatures) {
  for (const auto& e : fs::directory_iterator(fs::path(KILN_SOURCE_DIR) / "tests/unit/x64/native")) {
    run_file(e.path(), e.path().filename().string(), CpuFeatures::host());
  }
}
TEST(NativeBackendFiles, BaselineFeatures) {
  CpuFeatures base = CpuFeatures::baseline();
  base.sse41 = CpuFeatures::host().sse41;  // rounding has no fallback
  for (const auto& e : fs::directory_iterator(fs::path(KILN_SOURCE_DIR) / "tests/unit/x64/native")) {
    run_file(e.path(), e.path().filename().string(), base);
  }
}

// The SIMD filetests once more with the SSE4.1 baseline (the host run above uses AVX/AVX2
// forms where the CPU has them).
TEST(NativeSimdFiles, Sse41Baseline) {
  const CpuFeatures& host = CpuFeatures::host();
  if (!host.sse41 || !host.ssse3) GTEST_SKIP() << "host lacks SSE4.1/SSSE3";
  for (const std::string& f : list_files()) {
    if (f.rfind("simd_", 0) != 0) continue;
    run_file(fs::path(KILN_SOURCE_DIR) / "tests" / "filetests" / f, f + " (sse4.1)",
             CpuFeatures::sse41_baseline());
  }
}

INSTANTIATE_TEST_SUITE_P(Filetests, NativeFileTest, ::testing::ValuesIn(list_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

// Printed after all tests so that skipped run lines are visible, never silently lost.
class TotalsReporter : public ::testing::Environment {
 public:
  void TearDown() override {
    std::printf("native run lines: %d run, %d passed, %d skipped\n", g_totals.run,
                g_totals.passed, g_totals.skipped);
  }
};
[[maybe_unused]] ::testing::Environment* const g_reporter =
    ::testing::AddGlobalTestEnvironment(new TotalsReporter);

}  // namespace
}  // namespace kiln::codegen::x64
