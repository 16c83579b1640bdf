// codegen/ir/layout.cc: block and instruction order as linked lists.
#include "codegen/ir/layout.h"

#include <algorithm>
#include <cassert>

namespace kiln::codegen::ir {

namespace {

// Makes room for entity k in a SecondaryMap, growing it geometrically: its operator[] grows to
// exactly index + 1, an out-of-line vector::resize for every new instruction. Entries past the
// last one hold the default (not in the layout), which is what reading them gives anyway.
template <typename Map, typename K>
void grow_for(Map& m, K k) {
  if (k.index() >= m.size()) m.resize(std::max<size_t>(size_t{k.index()} + 1, m.size() * 2));
}

}  // namespace

void Layout::append_block(Block b) {
  assert(!is_block_inserted(b));
  BlockNode& n = blocks_[b];
  n.inserted = true;
  n.prev = last_block_;
  n.next = Block();
  if (last_block_) blocks_[last_block_].next = b; else first_block_ = b;
  last_block_ = b;
}

void Layout::insert_block_before(Block b, Block before) {
  assert(!is_block_inserted(b) && is_block_inserted(before));
  Block prev = blocks_[before].prev;
  BlockNode& n = blocks_[b];
  n.inserted = true;
  n.prev = prev;
  n.next = before;
  blocks_[before].prev = b;
  if (prev) blocks_[prev].next = b; else first_block_ = b;
}

void Layout::insert_block_after(Block b, Block after) {
  assert(!is_block_inserted(b) && is_block_inserted(after));
  Block next = blocks_[after].next;
  BlockNode& n = blocks_[b];
  n.inserted = true;
  n.prev = after;
  n.next = next;
  blocks_[after].next = b;
  if (next) blocks_[next].prev = b; else last_block_ = b;
}

void Layout::remove_block(Block b) {
  assert(is_block_inserted(b) && !blocks_[b].first_inst);
  BlockNode n = blocks_[b];
  if (n.prev) blocks_[n.prev].next = n.next; else first_block_ = n.next;
  if (n.next) blocks_[n.next].prev = n.prev; else last_block_ = n.prev;
  blocks_[b] = BlockNode{};
}

void Layout::append_inst(Inst i, Block b) {
  grow_for(insts_, i);
  assert(is_block_inserted(b) && !insts_[i].block);
  BlockNode& bn = blocks_[b];
  InstNode& n = insts_[i];
  n.block = b;
  n.prev = bn.last_inst;
  n.next = Inst();
  if (bn.last_inst) insts_[bn.last_inst].next = i; else bn.first_inst = i;
  bn.last_inst = i;
}

void Layout::insert_inst_before(Inst i, Inst before) {
  grow_for(insts_, i);
  Block b = insts_[before].block;
  assert(b && !insts_[i].block);
  Inst prev = insts_[before].prev;
  InstNode& n = insts_[i];
  n.block = b;
  n.prev = prev;
  n.next = before;
  insts_[before].prev = i;
  if (prev) insts_[prev].next = i; else blocks_[b].first_inst = i;
}

void Layout::remove_inst(Inst i) {
  InstNode n = insts_[i];
  assert(n.block);
  BlockNode& bn = blocks_[n.block];
  if (n.prev) insts_[n.prev].next = n.next; else bn.first_inst = n.next;
  if (n.next) insts_[n.next].prev = n.prev; else bn.last_inst = n.prev;
  insts_[i] = InstNode{};
}

void Layout::clear() {
  blocks_.clear();
  insts_.clear();
  first_block_ = last_block_ = Block();
}

}  // namespace kiln::codegen::ir
