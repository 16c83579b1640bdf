// codegen/translate/inline_plan.h: the optimizing tier's inlining decisions.
//
// Two kinds of direct callees are translated in place of their `call`:
//  - small callees (at most kInlineMaxSmallBytes of code, straight-line, no calls), at any of
//    their call sites, within the caller's budget of copied code (code_translator.cc);
//  - functions called from exactly one place in the module, decided here for the whole module
//    before its functions are compiled (one at a time, in parallel): their code moves into
//    the caller. One that nothing else can reach (not exported, not in a table or element
//    segment, no ref.func, not the start function) is "absorbed": its own compiled body is a
//    stub that traps, since no call can ever reach it, so its code is compiled once.
#pragma once

#include <cstdint>
#include <vector>

#include "wasm/module.h"

namespace kiln::codegen::translate {

inline constexpr uint32_t kInlineMaxSmallBytes = 128;
// A function called from a single place is inlined there if its code is at most this big...
inline constexpr uint32_t kInlineMaxSingleSiteBytes = 1024;
// ... and its caller's code plus the code of all single-site callees it takes in stays within
// this: compile time grows faster than linearly in a function's size.
inline constexpr uint32_t kInlineMaxCallerBytes = 16384;

// Whether `body` may be translated in place of a call: straight-line code (no `loop`: the
// epoch checks placed at loop headers after translation could not name the inlined frame in
// a backtrace, and a loop's work hides the call's cost anyway), no tail calls (they would
// replace the caller's frame), no exception handling, and for a small callee (`single_site`
// false) no calls at all: a small callee that calls on is mostly a wrapper or a cold path,
// and a copy of it would be a second call site of its callee.
bool is_inlinable(const wasm::Module& m, const wasm::FuncBody& body, bool single_site);

struct InlinePlan {
  // Per function index (imports included, always false for them).
  std::vector<bool> single_site;  // inlined at its only call site, a plain `call`
  std::vector<bool> absorbed;     // single_site and unreachable otherwise: compiled as a stub

  bool inline_at_site(uint32_t func) const { return func < single_site.size() && single_site[func]; }
  bool is_absorbed(uint32_t func) const { return func < absorbed.size() && absorbed[func]; }
};

// The single-site decisions for a validated module. A function qualifies if it has exactly
// one call site (`return_call` sites count, and such a site disqualifies it), is inlinable,
// is not its own caller, and its caller does not qualify itself (inlining is one level
// deep: the call sites inside an inlined body stay calls). Each caller takes its qualifying
// callees smallest first while kInlineMaxCallerBytes allows.
InlinePlan plan_inlining(const wasm::Module& m);

}  // namespace kiln::codegen::translate
