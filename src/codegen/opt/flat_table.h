// codegen/opt/flat_table.h: the hash table of GVN and load elimination: open addressing with
// linear probing, sized once for every instruction of the function (at most half full), so it
// never grows, and entries reserved up front, so references to them stay valid.
//
// A slot holds only a hash fragment and its entry's index (8 bytes instead of a whole key),
// which keeps the table cheap to clear for every run and compact to probe. Entries can only be
// removed newest first (pop_newest: leaving a dominator-tree scope), and that is what makes
// plain removal correct without tombstones: a present entry probed past a slot only if that
// slot was taken when it was inserted, by an entry that is older and therefore still present.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace kiln::codegen::opt {

// Tables kept per thread for reuse give their storage back after a function that needed more
// entries than this (FlatTable::trim).
inline constexpr size_t kRetainedEntries = size_t{1} << 16;

template <typename Key, typename Val, typename Hash>
class FlatTable {
 public:
  FlatTable() = default;
  explicit FlatTable(size_t max_entries) { reset(max_entries); }
  // Empties the table and sizes it for max_entries. The storage is kept: a table reused for
  // one function after another (the passes keep one per thread) allocates nothing once grown,
  // and clears only the slots its entries used. Only the first `cap` slots are probed, so a
  // small function after a large one still works on a small, cache-resident table.
  void reset(size_t max_entries) {
    for (const Entry& e : entries_) slots_[e.slot] = Slot{};
    entries_.clear();
    size_t cap = 16;
    while (cap < 2 * max_entries) cap *= 2;
    if (slots_.size() < cap) slots_.resize(cap);  // the slots already there are all empty
    mask_ = cap - 1;
    entries_.reserve(max_entries);
  }
  // Frees the storage if it was sized for more than max_entries (tables kept per thread
  // should not hold on to the memory of an unusually large function).
  void trim(size_t max_entries) {
    if (entries_.capacity() <= max_entries) return;
    std::vector<Slot>().swap(slots_);
    std::vector<Entry>().swap(entries_);
    mask_ = 0;
  }
  // The value recorded for k, or a new entry holding `init` (fresh = true).
  Val& find_or_insert(const Key& k, const Val& init, bool& fresh) {
    const size_t h = Hash()(k);
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (size_t s = h & mask_;; s = (s + 1) & mask_) {
      Slot& slot = slots_[s];
      if (slot.entry == 0) {
        assert(entries_.size() < entries_.capacity());
        entries_.push_back({k, init, s});
        slot = {tag, static_cast<uint32_t>(entries_.size())};
        fresh = true;
        return entries_.back().value;
      }
      if (slot.tag == tag && entries_[slot.entry - 1].key == k) {
        fresh = false;
        return entries_[slot.entry - 1].value;
      }
    }
  }
  size_t size() const { return entries_.size(); }
  // Removes the most recently inserted entry.
  void pop_newest() {
    slots_[entries_.back().slot] = Slot{};
    entries_.pop_back();
  }

 private:
  struct Slot {
    uint32_t tag = 0;    // high bits of the key's hash
    uint32_t entry = 0;  // 1 + index into entries_; 0: empty
  };
  struct Entry {
    Key key;
    Val value;
    size_t slot;
  };
  std::vector<Slot> slots_;
  std::vector<Entry> entries_;
  size_t mask_ = 0;
};

}  // namespace kiln::codegen::opt
