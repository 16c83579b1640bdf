// codegen/ir/layout.h: where things are: the order of blocks in a function and of instructions
// in a block, as doubly linked lists in SecondaryMaps (O(1) insert and remove anywhere).
#pragma once

#include "codegen/ir/entities.h"

namespace kiln::codegen::ir {

class Layout {
 public:
  // --- blocks ---
  bool is_block_inserted(Block b) const { return blocks_[b].inserted; }
  void append_block(Block b);
  void insert_block_before(Block b, Block before);
  void insert_block_after(Block b, Block after);
  // Removes an empty block from the layout.
  void remove_block(Block b);
  Block entry_block() const { return first_block_; }
  Block last_block() const { return last_block_; }
  Block next_block(Block b) const { return blocks_[b].next; }
  Block prev_block(Block b) const { return blocks_[b].prev; }
  // Cold blocks (slow paths: fuel and epoch refills, rare builtin calls) are laid out after
  // all other code by the backend, so the hot path falls through. A hint only: it never changes
  // what the function computes. May be set before the block is inserted.
  void set_cold(Block b, bool cold = true) { blocks_[b].cold = cold; }
  bool is_cold(Block b) const { return blocks_[b].cold; }

  // --- instructions ---
  void append_inst(Inst i, Block b);
  void insert_inst_before(Inst i, Inst before);
  void remove_inst(Inst i);
  // The block holding i, or invalid if i is not in the layout.
  Block inst_block(Inst i) const { return insts_[i].block; }
  Inst first_inst(Block b) const { return blocks_[b].first_inst; }
  Inst last_inst(Block b) const { return blocks_[b].last_inst; }
  Inst next_inst(Inst i) const { return insts_[i].next; }
  Inst prev_inst(Inst i) const { return insts_[i].prev; }

  // Range-for helpers: `for (Block b : layout.blocks())`, `for (Inst i : layout.insts(b))`.
  // Removing the current element while iterating is not allowed; copy first if needed.
  template <typename K, typename L>
  struct Range {
    struct It {
      const L* l;
      K k;
      K operator*() const { return k; }
      It& operator++() { k = l->next_of(k); return *this; }
      bool operator!=(const It& o) const { return k != o.k; }
    };
    const L* l;
    K first;
    It begin() const { return {l, first}; }
    It end() const { return {l, K()}; }
  };
  Range<Block, Layout> blocks() const { return {this, first_block_}; }
  Range<Inst, Layout> insts(Block b) const { return {this, blocks_[b].first_inst}; }

  Block next_of(Block b) const { return next_block(b); }
  Inst next_of(Inst i) const { return next_inst(i); }

  void clear();

 private:
  struct BlockNode {
    Block prev, next;
    Inst first_inst, last_inst;
    bool inserted = false;
    bool cold = false;
  };
  struct InstNode {
    Block block;
    Inst prev, next;
  };
  SecondaryMap<Block, BlockNode> blocks_;
  SecondaryMap<Inst, InstNode> insts_;
  Block first_block_, last_block_;
};

}  // namespace kiln::codegen::ir
