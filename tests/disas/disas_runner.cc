// tests/disas/disas_runner.cc: the tests/disas runner: compiles one .wat file's defined
// functions with Kiln's x86-64 compiler and compares their disassembly, trap tables and
// relocations with the expectation stored at the end of the same file (Cranelift's disas
// style). KILN_BLESS=1 rewrites the expectation instead.
//
// File format:
//   ;; <free text describing the test>
//   ;; opt: O0 O2            (optional; the levels to compile at, in order; default O2)
//   ;; limits: fuel epoch     (optional; compile with fuel metering / epoch interruption)
//   ;; inlining: off          (optional; direct calls stay calls (the default inlines small
//                             leaf callees at -O2))
//   ;; target: SPEC           (optional; instruction set extensions on top of the baseline,
//                             e.g. +bmi1: the code must not depend on the host running the test)
//   (module ...)              (everything up to the expectation marker is the source)
//   ;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
//   ;; ... one comment line per output line ...
//
// The CPU features are pinned to the SIMD baseline (SSE4.1 + SSSE3; no popcnt, lzcnt, bmi1 or
// AVX) with CompilerOptions::target_features, so the output is the same on every host that
// can run the tests. The IR verifier and register allocation checker run on every function.
//
// Usage: disas_runner FILE.wat   (exit status 0: matches or blessed; 1: differs or fails)
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <memory>
#include <string>
#include <vector>

#include "codegen/driver/compiler.h"
#include "codegen/isa/x64/disasm.h"
#include "environ/builtins.h"
#include "environ/trap_codes.h"
#include "environ/vmoffsets.h"
#include "wasm/decoder.h"
#include "wasm/validator.h"
#include "wat/wat.h"

namespace {

using namespace kiln;

constexpr std::string_view kMarker = ";; ==== expected (KILN_BLESS=1 rewrites everything below) ====";
// The SIMD baseline of codegen/isa/x64/cpu.h: reproducible on any host that runs the tests.
constexpr std::string_view kTargetFeatures = "baseline";

struct TestFile {
  std::string source;                // the text before the marker (compiled)
  std::string expected;              // the comment lines after it, "
  bool has_expectation = false;
  std::vector<environ::OptLevel> levels;
  environ::Tunables tunables;        // `;; limits:` on top of the defaults
  std::string target_features{kTargetFeatures};  // `;; target:` items after "baseline"
  bool inlining = true;              // `;; inlining: off`
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

Expected<TestFile> parse_file(const std::string& text) {
  TestFile t;
  size_t marker = text.find(kMarker);
  t.source = text.substr(0, marker);
  if (marker != std::string::npos) {
    t.has_expectation = true;
    size_t after = text.find('\n', marker);
    t.expected = after == std::string::npos ? "" : text.substr(after + 1);
  }
  std::istringstream in(t.source);
  std::string line;
  while (std::getline(in, line)) {
    std::string_view l = trim(line);
    if (!l.starts_with(";;")) continue;
    l = trim(l.substr(2));
    if (l.starts_with("target:")) {
      std::istringstream items{std::string(l.substr(7))};
      std::string item;
      while (items >> item) {
        if (item.empty() || item[0] != '+') {
          return Error(ErrorKind::kOther, "`;; target:` takes +FEATURE items, not '" + item + "'");
        }
        t.target_features += "," + item;
      }
      continue;
    }
    if (l.starts_with("inlining:")) {
      std::string_view v = trim(l.substr(9));
      if (v != "off" && v != "on") {
        return Error(ErrorKind::kOther, "`;; inlining:` takes on or off, not '" + std::string(v) + "'");
      }
      t.inlining = v == "on";
      continue;
    }
    if (l.starts_with("limits:")) {
      std::istringstream items{std::string(l.substr(7))};
      std::string item;
      while (items >> item) {
        if (item == "fuel") {
          t.tunables.consume_fuel = true;
        } else if (item == "epoch") {
          t.tunables.epoch_interruption = true;
        } else {
          return Error(ErrorKind::kOther, "unknown limit '" + item + "' in `;; limits:` (fuel, epoch)");
        }
      }
      continue;
    }
    if (!l.starts_with("opt:")) continue;
    std::istringstream items{std::string(l.substr(4))};
    std::string item;
    while (items >> item) {
      if (item == "O0") {
        t.levels.push_back(environ::OptLevel::kNone);
      } else if (item == "O2") {
        t.levels.push_back(environ::OptLevel::kSpeed);
      } else {
        return Error(ErrorKind::kOther, "unknown optimization level '" + item + "' in `;; opt:` (O0, O2)");
      }
    }
  }
  if (t.levels.empty()) t.levels.push_back(environ::OptLevel::kSpeed);
  return t;
}

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string function_label(const wasm::Module& m, uint32_t func_index) {
  std::string label = "function " + std::to_string(func_index);
  for (const auto& [index, name] : m.names.functions.entries) {
    if (index == func_index) return label + " $" + name;
  }
  return label;
}

std::string describe_reloc(const environ::Relocation& r, const wasm::Module& m) {
  std::string s = r.kind == environ::RelocKind::kX86PCRel4 ? "pcrel4 " : "abs8 ";
  if (r.target.kind == environ::RelocTarget::Kind::kBuiltin) {
    s += std::string("builtin ") + environ::builtin_name(static_cast<environ::BuiltinIndex>(r.target.index));
  } else {
    s += function_label(m, m.num_imported_funcs + r.target.index);
  }
  if (r.addend != 0) s += " " + std::to_string(r.addend);
  return s;
}

// The output for one module: per level and defined function, the disassembly, then the trap
// table and the relocations.
Expected<std::string> compile_and_print(const TestFile& t) {
  KILN_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, wat::parse_module(t.source));
  wasm::Features features;
  KILN_ASSIGN_OR_RETURN(wasm::Module m, wasm::decode(std::move(bytes), features));
  KILN_TRY(wasm::validate(m, features));
  KILN_ASSIGN_OR_RETURN(environ::VMOffsets offsets, environ::VMOffsets::for_module(m));
  // The goldens show the optimizing pipeline's code at both levels (at -O0 the pipeline still
  // compiles what the baseline compiler hands it; the baseline's own code is tested by
  // tests/unit/baseline).
  codegen::driver::X64Compiler compiler(codegen::driver::X64Compiler::Tier0::kPipeline);
  std::string out;
  for (environ::OptLevel level : t.levels) {
    environ::CompilerOptions opts;
    opts.opt_level = level;
    opts.tunables = t.tunables;
    opts.verify = true;
    opts.target_features = t.target_features;
    opts.inlining = t.inlining;
    environ::ModuleEnv env{m, features, offsets, opts};
    std::unique_ptr<environ::ModulePlan> plan = compiler.plan_module(env);  // as the runtime does
    env.plan = plan.get();
    const char* level_name = level == environ::OptLevel::kNone ? "O0" : "O2";
    for (uint32_t k = 0; k < m.num_defined_funcs(); ++k) {
      const uint32_t func_index = m.num_imported_funcs + k;
      auto f = compiler.compile_function(env, environ::DefinedFuncIndex(k));
      if (!f) {
        return Error(ErrorKind::kOther, std::string("-") + level_name + " " + function_label(m, func_index) +
                                            ": " + f.error().message());
      }
      out += "-" + std::string(level_name) + " " + function_label(m, func_index) + "\n";
      out += codegen::x64::disassemble(f->code, 0);
      if (!out.empty() && out.back() != '\n') out += '\n';
      for (const environ::TrapSite& ts : f->traps) {
        out += "  trap " + hex(ts.code_offset) + ": " + environ::trap_name(ts.code) + "\n";
      }
      for (const environ::Relocation& r : f->relocations) {
        out += "  reloc " + hex(r.offset) + ": " + describe_reloc(r, m) + "\n";
      }
      for (const environ::InlinedFrame& fr : f->inline_frames) {
        out += "  inlined " + hex(fr.code_offset) + (fr.call ? " (return address)" : " (trap)") +
               ": " + function_label(m, fr.func.index()) + "\n";
      }
    }
  }
  return out;
}

std::string as_comments(const std::string& text) {
  std::string out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    out += line.empty() ? ";;" : ";; " + line;
    out += '\n';
  }
  return out;
}

// First differing line, for the failure message.
std::string first_difference(const std::string& want, const std::string& got) {
  std::istringstream a(want), b(got);
  std::string la, lb;
  for (int line = 1;; ++line) {
    bool ea = !std::getline(a, la), eb = !std::getline(b, lb);
    if (ea && eb) return "";
    if (ea || eb || la != lb) {
      return "first difference at expectation line " + std::to_string(line) + ":\n  expected: " +
             (ea ? "<end>" : la) + "\n  actual:   " + (eb ? "<end>" : lb);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FILE.wat\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "error: cannot read %s\n", path.c_str());
    return 1;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto file = parse_file(ss.str());
  if (!file) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), file.error().message().c_str());
    return 1;
  }
  auto printed = compile_and_print(*file);
  if (!printed) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), printed.error().to_string().c_str());
    return 1;
  }
  const std::string actual = as_comments(*printed);
  const char* bless = std::getenv("KILN_BLESS");
  if (bless != nullptr && std::string_view(bless) == "1") {
    std::string source = file->source;
    while (!source.empty() && (source.back() == '\n' || source.back() == ' ')) source.pop_back();
    std::ofstream(path, std::ios::binary | std::ios::trunc) << source << "\n\n" << kMarker << "\n" << actual;
    std::printf("%s: blessed\n", path.c_str());
    return 0;
  }
  if (!file->has_expectation) {
    std::fprintf(stderr, "%s: no expectation (the line `%s`); run with KILN_BLESS=1\n", path.c_str(),
                 std::string(kMarker).c_str());
    std::fputs(actual.c_str(), stderr);
    return 1;
  }
  if (file->expected != actual) {
    std::fprintf(stderr, "%s: the disassembly differs from the expectation (KILN_BLESS=1 to update)\n%s\n"
                         "---- actual ----\n%s",
                 path.c_str(), first_difference(file->expected, actual).c_str(), actual.c_str());
    return 1;
  }
  std::printf("%s: ok\n", path.c_str());
  return 0;
}
