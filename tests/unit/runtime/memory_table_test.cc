// tests/unit/runtime/memory_table_test.cc: Mmap, LinearMemory (static, dynamic, shared) and
// Table semantics.
#include <gtest/gtest.h>

#include <csignal>
#include <cstring>

#include "code_util.h"
#include "runtime/vm/memory.h"
#include "runtime/vm/mmap.h"
#include "runtime/vm/table.h"

namespace kiln::runtime::vm {
namespace {

using environ::kWasmPageSize;
using environ::MemoryStyle;
using environ::TrapCode;
using environ::Tunables;

wasm::MemoryType mem32(uint64_t min, std::optional<uint64_t> max = std::nullopt) {
  wasm::MemoryType t;
  t.limits.min = min;
  t.limits.max = max;
  return t;
}

TEST(Mmap, ReserveCommitDecommit) {
  size_t page = host_page_size();
  auto m = Mmap::reserve(4 * page);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->size(), 4 * page);
  ASSERT_TRUE(m->make_accessible(page, 2 * page).ok());
  m->data()[page] = 7;
  m->data()[3 * page - 1] = 9;
  ASSERT_TRUE(m->decommit(page, page).ok());
  ASSERT_TRUE(m->make_accessible(page, page).ok());
  EXPECT_EQ(m->data()[page], 0);  // decommitted pages come back zeroed
  EXPECT_EQ(m->data()[3 * page - 1], 9);
  EXPECT_FALSE(m->make_accessible(1, page).ok());          // unaligned
  EXPECT_FALSE(m->make_accessible(0, 5 * page).ok());      // past the end
  EXPECT_FALSE(m->make_accessible(4 * page, page).ok());   // past the end
  uint64_t r = 0;
  EXPECT_FALSE(round_up_to_page(UINT64_MAX, r));
  EXPECT_TRUE(round_up_to_page(1, r));
  EXPECT_EQ(r, page);
}

TEST(Mmap, AllocateIsZeroedAndMovable) {
  auto m = Mmap::allocate(100);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->data()[99], 0);
  Mmap moved = std::move(m).value();
  EXPECT_FALSE(moved.empty());
  EXPECT_FALSE(Mmap::reserve(UINT64_MAX).ok());
}

TEST(LinearMemory, StaticReservesAndGrowsInPlace) {
  Tunables t;
  auto m = LinearMemory::create(mem32(1, 3), t);
  ASSERT_TRUE(m.ok());
  LinearMemory& mem = **m;
  EXPECT_EQ(mem.style(), MemoryStyle::kStatic);
  EXPECT_EQ(mem.byte_size(), kWasmPageSize);
  EXPECT_EQ(mem.size_pages(), 1u);
  uint8_t* base = mem.base();
  base[kWasmPageSize - 1] = 5;
  EXPECT_TRUE(mem.contains(reinterpret_cast<uintptr_t>(base) + t.memory_reservation + t.memory_guard_size - 1));
  EXPECT_FALSE(mem.contains(reinterpret_cast<uintptr_t>(base) + t.memory_reservation + t.memory_guard_size));

  EXPECT_EQ(mem.grow(0), 1u);
  EXPECT_EQ(mem.grow(1), 1u);
  EXPECT_EQ(mem.base(), base);
  EXPECT_EQ(mem.byte_size(), 2 * kWasmPageSize);
  base[2 * kWasmPageSize - 1] = 6;  // newly accessible
  EXPECT_EQ(base[kWasmPageSize - 1], 5);
  EXPECT_EQ(mem.grow(2), UINT64_MAX);  // past the maximum of 3
  EXPECT_EQ(mem.grow(1), 2u);
  EXPECT_EQ(mem.grow(1), UINT64_MAX);
  EXPECT_EQ(mem.grow(UINT64_MAX), UINT64_MAX);  // overflow
  EXPECT_EQ(mem.definition()->current_length, 3 * kWasmPageSize);
}

TEST(LinearMemory, UnboundedStaticMemoryGrowsToFourGiBOnly) {
  auto m = LinearMemory::create(mem32(0), Tunables{});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->max_bytes(), uint64_t{1} << 32);
  EXPECT_EQ((*m)->grow(65537), UINT64_MAX);
  EXPECT_EQ((*m)->grow(2), 0u);
}

TEST(LinearMemory, MinimumBeyondLimitsFails) {
  auto m = LinearMemory::create(mem32(10, 20), Tunables{}, 5 * kWasmPageSize);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().kind(), ErrorKind::kInstantiate);
  wasm::MemoryType huge = mem32(UINT64_MAX);
  huge.limits.is64 = true;
  EXPECT_FALSE(LinearMemory::create(huge, Tunables{}).ok());
}

TEST(LinearMemory, StoreLimitCapsGrowth) {
  auto m = LinearMemory::create(mem32(1), Tunables{}, 2 * kWasmPageSize);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->grow(1), 1u);
  EXPECT_EQ((*m)->grow(1), UINT64_MAX);
}

TEST(LinearMemory, DynamicMemoryMovesAndKeepsContents) {
  Tunables t;
  t.memory_reservation_for_growth = 0;  // force a move on every growth
  wasm::MemoryType m64 = mem32(1, 100);
  m64.limits.is64 = true;
  auto m = LinearMemory::create(m64, t);
  ASSERT_TRUE(m.ok());
  LinearMemory& mem = **m;
  EXPECT_EQ(mem.style(), MemoryStyle::kDynamic);
  std::memset(mem.base(), 0xAB, kWasmPageSize);
  VMMemoryDefinition slot{};
  mem.bind(&slot);
  EXPECT_EQ(slot.current_length, kWasmPageSize);
  EXPECT_EQ(mem.grow(3), 1u);
  EXPECT_EQ(slot.current_length, 4 * kWasmPageSize);
  EXPECT_EQ(slot.base, mem.base());
  EXPECT_EQ(mem.base()[kWasmPageSize - 1], 0xAB);
  EXPECT_EQ(mem.base()[kWasmPageSize], 0);
  mem.base()[4 * kWasmPageSize - 1] = 1;
  EXPECT_EQ(mem.grow(97), UINT64_MAX);
}

TEST(LinearMemory, CustomPageSizeOfOneByte) {
  wasm::MemoryType t = mem32(3, 10);
  t.limits.page_size_log2 = 0;
  auto m = LinearMemory::create(t, Tunables{});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->style(), MemoryStyle::kDynamic);
  EXPECT_EQ((*m)->byte_size(), 3u);
  EXPECT_EQ((*m)->grow(7), 3u);
  EXPECT_EQ((*m)->byte_size(), 10u);
  EXPECT_EQ((*m)->grow(1), UINT64_MAX);
  (*m)->base()[9] = 1;
}

TEST(LinearMemory, SharedDynamicMemoryNeverMoves) {
  wasm::MemoryType t = mem32(1, 64);
  t.limits.is64 = true;
  t.limits.shared = true;
  Tunables tun;
  tun.memory_reservation_for_growth = 0;
  auto m = LinearMemory::create(t, tun);
  ASSERT_TRUE(m.ok());
  uint8_t* base = (*m)->base();
  EXPECT_EQ((*m)->grow(63), 1u);
  EXPECT_EQ((*m)->base(), base);
  EXPECT_EQ((*m)->grow(1), UINT64_MAX);
}

TEST(LinearMemoryDeathTest, HostFaultInTheGuardIsNotClaimed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto m = LinearMemory::create(mem32(1), Tunables{});
  ASSERT_TRUE(m.ok());
  volatile uint8_t* past = (*m)->base() + kWasmPageSize;
  EXPECT_EXIT({ (void)*past; }, testing_util::died_of_fault(SIGSEGV), "");
}

// ---- Tables ----

wasm::TableType table_type(uint64_t min, std::optional<uint64_t> max = std::nullopt) {
  wasm::TableType t;
  t.limits.min = min;
  t.limits.max = max;
  return t;
}

void* ref(uintptr_t v) { return reinterpret_cast<void*>(v); }

TEST(Table, CreateGetSet) {
  auto t = Table::create(table_type(3, 5), ref(9));
  ASSERT_TRUE(t.ok());
  Table& tab = **t;
  EXPECT_EQ(tab.size(), 3u);
  EXPECT_EQ(tab.get(2), ref(9));
  EXPECT_FALSE(tab.get(3).has_value());
  EXPECT_TRUE(tab.set(0, ref(1)));
  EXPECT_FALSE(tab.set(3, ref(1)));
  EXPECT_EQ(tab.get(0), ref(1));
  EXPECT_EQ(tab.definition()->current_elements, 3u);
  EXPECT_EQ(tab.definition()->base[0], ref(1));
}

TEST(Table, Grow) {
  auto t = Table::create(table_type(0, 10));
  ASSERT_TRUE(t.ok());
  Table& tab = **t;
  for (uint64_t i = 0; i < 10; ++i) EXPECT_EQ(tab.grow(1, ref(i + 1)), i);
  EXPECT_EQ(tab.grow(1, nullptr), UINT64_MAX);
  EXPECT_EQ(tab.grow(0, nullptr), 10u);
  EXPECT_EQ(tab.grow(UINT64_MAX, nullptr), UINT64_MAX);
  for (uint64_t i = 0; i < 10; ++i) EXPECT_EQ(tab.get(i), ref(i + 1));
}

TEST(Table, GrowUpdatesTheBoundDefinition) {
  auto t = Table::create(table_type(1));
  ASSERT_TRUE(t.ok());
  VMTableDefinition slot{};
  (*t)->bind(&slot);
  EXPECT_EQ(slot.current_elements, 1u);
  EXPECT_EQ((*t)->grow(1000, ref(4)), 1u);
  EXPECT_EQ(slot.current_elements, 1001u);
  EXPECT_EQ(slot.base[1000], ref(4));
  EXPECT_EQ(slot.base[0], nullptr);
}

TEST(Table, MinimumBeyondLimitsFails) {
  EXPECT_FALSE(Table::create(table_type(10), nullptr, 5).ok());
  wasm::TableType big = table_type(uint64_t{1} << 40);
  big.limits.is64 = true;
  auto t = Table::create(big);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().kind(), ErrorKind::kInstantiate);
}

TEST(Table, Fill) {
  auto t = Table::create(table_type(5));
  ASSERT_TRUE(t.ok());
  Table& tab = **t;
  EXPECT_EQ(tab.fill(1, ref(7), 3), std::nullopt);
  EXPECT_EQ(tab.get(0), nullptr);
  EXPECT_EQ(tab.get(1), ref(7));
  EXPECT_EQ(tab.get(3), ref(7));
  EXPECT_EQ(tab.get(4), nullptr);
  EXPECT_EQ(tab.fill(5, ref(7), 0), std::nullopt);  // empty at the end is fine
  EXPECT_EQ(tab.fill(6, ref(7), 0), TrapCode::kTableOutOfBounds);
  EXPECT_EQ(tab.fill(3, ref(8), 3), TrapCode::kTableOutOfBounds);
  EXPECT_EQ(tab.get(3), ref(7));  // nothing written on a trap
  EXPECT_EQ(tab.fill(1, ref(8), UINT64_MAX), TrapCode::kTableOutOfBounds);
}

TEST(Table, CopyOverlappingAndAcrossTables) {
  auto a = Table::create(table_type(6));
  auto b = Table::create(table_type(3));
  ASSERT_TRUE(a.ok() && b.ok());
  for (uint64_t i = 0; i < 6; ++i) (*a)->set(i, ref(i + 1));
  // Forward overlap: [0,4) -> [2,6).
  EXPECT_EQ(Table::copy(**a, **a, 2, 0, 4), std::nullopt);
  uintptr_t expect_fwd[] = {1, 2, 1, 2, 3, 4};
  for (uint64_t i = 0; i < 6; ++i) EXPECT_EQ((*a)->get(i), ref(expect_fwd[i]));
  // Backward overlap: [2,6) -> [0,4).
  EXPECT_EQ(Table::copy(**a, **a, 0, 2, 4), std::nullopt);
  uintptr_t expect_back[] = {1, 2, 3, 4, 3, 4};
  for (uint64_t i = 0; i < 6; ++i) EXPECT_EQ((*a)->get(i), ref(expect_back[i]));
  EXPECT_EQ(Table::copy(**b, **a, 0, 3, 3), std::nullopt);
  EXPECT_EQ((*b)->get(0), ref(4));
  EXPECT_EQ((*b)->get(2), ref(4));
  EXPECT_EQ(Table::copy(**b, **a, 1, 0, 3), TrapCode::kTableOutOfBounds);
  EXPECT_EQ(Table::copy(**a, **b, 0, 1, 3), TrapCode::kTableOutOfBounds);
  EXPECT_EQ(Table::copy(**a, **b, 6, 3, 0), std::nullopt);
  EXPECT_EQ(Table::copy(**a, **b, 7, 0, 0), TrapCode::kTableOutOfBounds);
}

TEST(Table, InitFromASegment) {
  auto t = Table::create(table_type(4));
  ASSERT_TRUE(t.ok());
  void* seg[] = {ref(10), ref(11), ref(12)};
  EXPECT_EQ((*t)->init(1, seg, 1, 2), std::nullopt);
  EXPECT_EQ((*t)->get(1), ref(11));
  EXPECT_EQ((*t)->get(2), ref(12));
  EXPECT_EQ((*t)->init(0, seg, 2, 2), TrapCode::kTableOutOfBounds);  // segment overrun
  EXPECT_EQ((*t)->init(3, seg, 0, 2), TrapCode::kTableOutOfBounds);  // table overrun
  EXPECT_EQ((*t)->init(4, seg, 3, 0), std::nullopt);
  EXPECT_EQ((*t)->init(0, {}, 0, 0), std::nullopt);
  EXPECT_EQ((*t)->init(0, {}, 0, 1), TrapCode::kTableOutOfBounds);
}

}  // namespace
}  // namespace kiln::runtime::vm
