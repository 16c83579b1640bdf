// runtime/vm/libcalls.h: the builtins of environ/builtins.def, the C++ functions compiled code
// calls (System V ABI, VMContext* first; see environ/builtins.h for the calling rules).
//
// Every builtin is an extern "C" function kiln_builtin_<name>. One that traps reads its own
// return address and its caller's frame pointer (it is called directly by compiled code, so
// these are the wasm caller's pc and fp), and calls raise_trap, which longjmps to the
// innermost catch_traps: builtins therefore hold no objects with destructors at that point.
#pragma once

#include <cstdint>

#include "runtime/vm/vmcontext.h"

namespace kiln::runtime::vm {

// The builtin addresses by BuiltinIndex; stored in every VMContext (field `builtins`) and used
// to resolve RelocTarget::builtin relocations.
const void* const* builtin_table();

}  // namespace kiln::runtime::vm

// The declarations, generated from builtins.def: a definition in libcalls.cc whose signature
// differs from the table fails to compile (conflicting C-linkage declarations).
namespace kiln::runtime::vm::builtins {
using vmctx = VMContext*;
using i32 = uint32_t;
using i64 = uint64_t;
using ptr = void*;
using none = void;
extern "C" {
#define KILN_BUILTIN(Name, name, result, ...) result kiln_builtin_##name(__VA_ARGS__);
#include "environ/builtins.def"
#undef KILN_BUILTIN
// The C++ functions behind the preserve-all stubs (sys/linux/preserve_all_stubs.cc), which
// pass the Wasm caller's pc and fp for trap backtraces.
none kiln_preserve_all_out_of_gas(vmctx v, uintptr_t caller_pc, uintptr_t caller_fp);
i64 kiln_preserve_all_new_epoch(vmctx v, uintptr_t caller_pc, uintptr_t caller_fp);
ptr kiln_preserve_all_table_get_lazy_init(vmctx v, i32 table, i64 index);
}
}  // namespace kiln::runtime::vm::builtins
