// tests/unit/runtime/environ_test.cc: the environ vocabulary (trap codes, builtins, VMOffsets,
// tunables) and its agreement with the runtime's C++ structures.
#include <gtest/gtest.h>

#include <cstddef>
#include <set>
#include <string>

#include "environ/builtins.h"
#include "environ/trap_codes.h"
#include "environ/tunables.h"
#include "environ/vmoffsets.h"
#include "runtime/vm/instance.h"
#include "runtime/vm/vmcontext.h"

namespace kiln::runtime::vm {
namespace {

using namespace kiln::environ;

TEST(TrapCodes, MessagesAreTheSpecWording) {
  EXPECT_STREQ(trap_message(TrapCode::kUnreachable), "unreachable");
  EXPECT_STREQ(trap_message(TrapCode::kHeapOutOfBounds), "out of bounds memory access");
  EXPECT_STREQ(trap_message(TrapCode::kTableOutOfBounds), "out of bounds table access");
  EXPECT_STREQ(trap_message(TrapCode::kBadSignature), "indirect call type mismatch");
  EXPECT_STREQ(trap_message(TrapCode::kIndirectCallToNull), "uninitialized element");
  EXPECT_STREQ(trap_message(TrapCode::kUndefinedElement), "undefined element");
  EXPECT_STREQ(trap_message(TrapCode::kIntegerDivisionByZero), "integer divide by zero");
  EXPECT_STREQ(trap_message(TrapCode::kStackOverflow), "call stack exhausted");
  EXPECT_STREQ(trap_name(TrapCode::kOutOfFuel), "OutOfFuel");
  std::set<std::string> seen;
  for (uint32_t i = 0; i < kNumTrapCodes; ++i) {
    auto code = trap_code_from_u8(static_cast<uint8_t>(i));
    ASSERT_TRUE(code.has_value());
    EXPECT_TRUE(seen.insert(trap_message(*code)).second) << "duplicate message " << trap_message(*code);
  }
  EXPECT_FALSE(trap_code_from_u8(static_cast<uint8_t>(kNumTrapCodes)).has_value());
}

TEST(Builtins, SignaturesFromTheTable) {
  const BuiltinSignature& grow = builtin_signature(BuiltinIndex::kMemoryGrow);
  EXPECT_STREQ(grow.name, "memory_grow");
  EXPECT_EQ(grow.result, BuiltinType::kI64);
  ASSERT_EQ(grow.num_params, 3);
  EXPECT_EQ(grow.params[0], BuiltinType::kVmctx);
  EXPECT_EQ(grow.params[1], BuiltinType::kI32);
  EXPECT_EQ(grow.params[2], BuiltinType::kI64);
  EXPECT_EQ(builtin_signature(BuiltinIndex::kRaiseTrap).result, BuiltinType::kNone);
  for (uint32_t i = 0; i < kNumBuiltins; ++i) {
    const BuiltinSignature& s = builtin_signature(static_cast<BuiltinIndex>(i));
    ASSERT_GE(s.num_params, 1);
    EXPECT_EQ(s.params[0], BuiltinType::kVmctx) << s.name;
    EXPECT_LE(s.num_params, 6) << s.name << " must fit the System V argument registers";
    EXPECT_EQ(builtin_by_name(s.name), static_cast<BuiltinIndex>(i));
  }
  EXPECT_FALSE(builtin_by_name("no_such_builtin").has_value());
}

TEST(VMOffsets, StructLayoutsMatchTheRuntime) {
  EXPECT_EQ(offsetof(VMFuncRef, wasm_call), VMFuncRefLayout::wasm_call());
  EXPECT_EQ(offsetof(VMFuncRef, type_id), VMFuncRefLayout::type_id());
  EXPECT_EQ(offsetof(VMFuncRef, vmctx), VMFuncRefLayout::vmctx());
  EXPECT_EQ(sizeof(VMFuncRef), VMFuncRefLayout::size());
  EXPECT_EQ(offsetof(VMStoreContext, stack_limit), VMStoreContextLayout::stack_limit());
  EXPECT_EQ(offsetof(VMStoreContext, fuel_consumed), VMStoreContextLayout::fuel_consumed());
  EXPECT_EQ(offsetof(VMMemoryDefinition, current_length), VMMemoryDefinitionLayout::current_length());
  EXPECT_EQ(offsetof(VMTableDefinition, current_elements), VMTableDefinitionLayout::current_elements());
  EXPECT_EQ(alignof(VMGlobalDefinition), 16u);
}

TEST(VMOffsets, HeaderAndArraysAreLaidOutInOrder) {
  EXPECT_EQ(VMOffsets::magic(), 0u);
  EXPECT_EQ(VMOffsets::store_context(), 8u);
  EXPECT_EQ(VMOffsets::builtins(), 16u);
  EXPECT_EQ(VMOffsets::type_ids(), 24u);
  EXPECT_EQ(VMOffsets::epoch_counter(), 32u);
  EXPECT_EQ(VMOffsets::epoch_deadline(), 40u);
  EXPECT_EQ(VMOffsets::instance(), 48u);
  EXPECT_EQ(VMOffsets::header_size(), 56u);

  VMCounts c;
  c.num_imported_funcs = 3;
  c.num_imported_tables = 1;
  c.num_imported_memories = 2;
  c.num_imported_globals = 1;
  c.num_defined_memories = 1;
  c.num_defined_tables = 2;
  c.num_defined_globals = 3;
  c.num_funcs = 5;
  auto o = VMOffsets::create(c);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->imported_functions_begin(), 56u);
  EXPECT_EQ(o->imported_function(FuncIndex(2)), 56u + 2 * 24);
  EXPECT_EQ(o->imported_function_vmctx(FuncIndex(1)), 56u + 24 + 16);
  EXPECT_EQ(o->imported_tables_begin(), 56u + 3 * 24);
  EXPECT_EQ(o->imported_memories_begin(), o->imported_tables_begin() + 8);
  EXPECT_EQ(o->imported_memory(MemoryIndex(1)), o->imported_memories_begin() + 8);
  EXPECT_EQ(o->imported_globals_begin(), o->imported_memories_begin() + 16);
  EXPECT_EQ(o->defined_memories_begin(), o->imported_globals_begin() + 8);
  EXPECT_EQ(o->defined_memory_length(DefinedMemoryIndex(0)), o->defined_memories_begin() + 8);
  EXPECT_EQ(o->defined_tables_begin(), o->defined_memories_begin() + 16);
  EXPECT_EQ(o->defined_table_elements(DefinedTableIndex(1)), o->defined_tables_begin() + 16 + 8);
  EXPECT_EQ(o->defined_globals_begin() % 16, 0u);
  EXPECT_GE(o->defined_globals_begin(), o->defined_tables_begin() + 32);
  EXPECT_EQ(o->func_refs_begin(), o->defined_globals_begin() + 48);
  EXPECT_EQ(o->func_ref(FuncIndex(4)), o->func_refs_begin() + 4 * 32);
  EXPECT_EQ(o->size() % 16, 0u);
  EXPECT_GE(o->size(), o->func_refs_begin() + 5 * 32);
}

TEST(VMOffsets, EmptyModuleIsJustTheHeader) {
  auto o = VMOffsets::create(VMCounts{});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->size(), 64u);  // the 56-byte header, rounded to 16
}

TEST(VMOffsets, RefusesLayoutsBeyondDisp32) {
  VMCounts c;
  c.num_funcs = 0xFFFFFFFFu;
  auto o = VMOffsets::create(c);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().message(), "module too large for a VMContext");
}

TEST(VMOffsets, CountsFromAModule) {
  wasm::Module m;
  m.num_imported_funcs = 1;
  m.func_types = {0, 0, 0};
  m.num_imported_memories = 1;
  m.memory_types.resize(3);
  m.num_imported_tables = 0;
  m.table_types.resize(1);
  m.tables.resize(1);
  m.num_imported_globals = 2;
  m.global_types.resize(3);
  m.globals.resize(1);
  VMCounts c = VMCounts::for_module(m);
  EXPECT_EQ(c.num_imported_funcs, 1u);
  EXPECT_EQ(c.num_funcs, 3u);
  EXPECT_EQ(c.num_defined_memories, 2u);
  EXPECT_EQ(c.num_defined_tables, 1u);
  EXPECT_EQ(c.num_imported_globals, 2u);
  EXPECT_EQ(c.num_defined_globals, 1u);
}

TEST(Tunables, StaticMemoriesElideChecksWithinTheGuard) {
  Tunables t;
  wasm::MemoryType m32;
  m32.limits.min = 1;
  EXPECT_EQ(memory_style(m32, t), MemoryStyle::kStatic);
  EXPECT_FALSE(needs_bounds_check(m32, t, 0, 8));
  EXPECT_FALSE(needs_bounds_check(m32, t, 2 * kGiB - 8, 8));
  EXPECT_TRUE(needs_bounds_check(m32, t, 2 * kGiB, 8));
  EXPECT_TRUE(needs_bounds_check(m32, t, 0xFFFFFFFFull, 1));

  wasm::MemoryType m64 = m32;
  m64.limits.is64 = true;
  EXPECT_EQ(memory_style(m64, t), MemoryStyle::kDynamic);
  EXPECT_TRUE(needs_bounds_check(m64, t, 0, 1));

  wasm::MemoryType small_pages = m32;
  small_pages.limits.page_size_log2 = 0;
  EXPECT_EQ(memory_style(small_pages, t), MemoryStyle::kDynamic);

  Tunables small;
  small.memory_reservation = 1 << 20;
  EXPECT_EQ(memory_style(m32, small), MemoryStyle::kDynamic);  // max 4 GiB > 1 MiB
  wasm::MemoryType capped = m32;
  capped.limits.max = 16;  // 1 MiB
  EXPECT_EQ(memory_style(capped, small), MemoryStyle::kStatic);
  EXPECT_TRUE(needs_bounds_check(capped, small, 0, 1));  // index may exceed reservation + guard
}

}  // namespace
}  // namespace kiln::runtime::vm
