// tests/unit/runtime/code_util.h: hand-assembled x86-64 functions loaded into CodeMemory.
#pragma once

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <memory>
#include <vector>

#include "environ/compiler.h"
#include "runtime/vm/code_memory.h"
#include "runtime/vm/libcalls.h"

namespace kiln::runtime::vm::testing_util {

// A death test predicate: the fault was passed on, not claimed, so the process died of the
// signal, or of the handler we chained to (AddressSanitizer reports the SEGV and exits 1).
inline auto died_of_fault(int sig) {
  return [sig](int status) {
    return (WIFSIGNALED(status) && WTERMSIG(status) == sig) ||
           (WIFEXITED(status) && WEXITSTATUS(status) != 0);
  };
}

inline environ::CompiledFunction fn(std::vector<uint8_t> code, std::vector<environ::TrapSite> traps = {},
                                    std::vector<environ::Relocation> relocs = {}) {
  environ::CompiledFunction f;
  f.code = std::move(code);
  f.traps = std::move(traps);
  f.relocations = std::move(relocs);
  return f;
}

inline std::unique_ptr<CodeMemory> load(const std::vector<environ::CompiledFunction>& fns,
                                        uint32_t num_imported = 0, const void* owner = nullptr) {
  CodeMemoryInput in;
  in.functions = fns;
  in.num_imported_funcs = num_imported;
  in.builtins = builtin_table();
  in.owner = owner;
  auto cm = CodeMemory::create(in);
  EXPECT_TRUE(cm.ok()) << (cm.ok() ? "" : cm.error().message());
  return cm.ok() ? std::move(cm).value() : nullptr;
}

template <typename Sig>
Sig entry(const CodeMemory& cm, uint32_t defined_index) {
  return reinterpret_cast<Sig>(const_cast<void*>(cm.function(environ::DefinedFuncIndex(defined_index))));
}

// push rbp; mov rbp, rsp
#define KILN_PROLOGUE 0x55, 0x48, 0x89, 0xE5
// pop rbp; ret
#define KILN_EPILOGUE 0x5D, 0xC3

}  // namespace kiln::runtime::vm::testing_util
