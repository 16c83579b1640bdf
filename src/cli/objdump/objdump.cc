// cli/objdump/objdump.cc: the `kiln-objdump` helper behind `kiln objdump`: disassemble a
// precompiled artifact's functions, each under its name (name section, else wasm[INDEX]), with
// the trap sites marked. A separate executable so that `kiln` itself does not link capstone
// (its tables carry ~80,000 load-time relocations, about 2 ms of every kiln start, and a
// disassembler has no business in the binary that runs guests).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>

#include "cli/command.h"
#include "codegen/isa/x64/disasm.h"
#include "runtime/artifact.h"
#include "runtime/vm/mapped_file.h"
#include "wasm/decoder.h"

namespace kiln::cli {

int objdump_main(const CommandContext& ctx) {
  if (ctx.args.size() != 1 || ctx.args[0].starts_with("-")) {
    ctx.err << "usage: kiln objdump FILE.cwasm\n";
    return kExitUsage;
  }
  std::string path(ctx.args[0]);
  Expected<std::shared_ptr<runtime::vm::MappedFile>> file = runtime::vm::MappedFile::open(path);
  if (!file) {
    ctx.err << "Error: " << file.error().message() << "\n";
    return kExitFailure;
  }
  // Parsing checks structure, version and checksum, not that this host could run the code:
  // an artifact for other CPU features or settings can still be inspected.
  Expected<runtime::artifact::Contents> c = runtime::artifact::parse((*file)->bytes(), /*any_build=*/true);
  if (!c) {
    ctx.err << "Error: " << path << ": " << c.error().message() << "\n";
    return kExitFailure;
  }
  auto decoded = wasm::decode(std::vector<uint8_t>(c->wasm.begin(), c->wasm.end()), wasm::Features::all());
  if (!decoded) {
    ctx.err << "Error: " << path << ": embedded module: " << decoded.error().to_string() << "\n";
    return kExitFailure;
  }
  const wasm::Module& m = *decoded;
  const runtime::artifact::Settings& s = c->settings;
  ctx.out << path << ": Kiln " << s.kiln_version << " artifact, " << s.isa << ", compiler " << s.compiler
          << ", CPU features " << s.cpu_features << "\n"
          << c->func_offsets.size() << " functions, " << c->text.size() << " bytes of code, " << c->traps.size()
          << " trap sites, " << c->relocations.size() << " load relocations\n";
  const auto& names = m.names.functions.entries;
  for (size_t i = 0; i < c->func_offsets.size(); ++i) {
    uint32_t index = m.num_imported_funcs + static_cast<uint32_t>(i);
    auto it = std::lower_bound(names.begin(), names.end(), index,
                               [](const auto& e, uint32_t k) { return e.first < k; });
    std::string name = it != names.end() && it->first == index ? it->second : "wasm[" + std::to_string(index) + "]";
    uint32_t off = c->func_offsets[i], size = c->func_sizes[i];
    if (off > c->text.size() || size > c->text.size() - off) {
      ctx.err << "Error: function " << index << " lies outside the code\n";
      return kExitFailure;
    }
    char head[64];
    std::snprintf(head, sizeof head, "\n%08x <", off);
    ctx.out << head << name << "> (function " << index << ", " << size << " bytes):\n";
    std::string text = codegen::x64::disassemble(c->text.subspan(off, size), off);
    // Mark trap sites: "  <offset>: ..." lines whose offset is in the trap table.
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      pos = nl == std::string::npos ? text.size() : nl + 1;
      unsigned long at = 0;
      size_t colon = line.find(':');
      bool trap = false;
      if (colon != std::string::npos) {
        try {
          at = std::stoul(line.substr(0, colon), nullptr, 16);
          auto t = std::lower_bound(c->traps.begin(), c->traps.end(), at,
                                    [](const runtime::vm::TrapTableEntry& e, unsigned long o) { return e.offset < o; });
          trap = t != c->traps.end() && t->offset == at;
          if (trap) line += std::string("    ; trap: ") + environ::trap_name(t->code);
        } catch (...) {
        }
      }
      ctx.out << line << "\n";
    }
  }
  return kExitOk;
}

}  // namespace kiln::cli

int main(int argc, char** argv) {
  kiln::cli::CommandContext ctx{{}, std::cout, std::cerr};
  for (int i = 1; i < argc; ++i) ctx.args.emplace_back(argv[i]);
  return kiln::cli::objdump_main(ctx);
}
