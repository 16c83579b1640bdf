// codegen/opt/load_elim.cc: redundant load elimination with store-to-load forwarding.
//
// With the memory versions of alias.h, a load is identified by (category, version, address,
// offset, opcode, type): two loads with the same identity read the same bytes of the same
// memory contents, so the later one can reuse the earlier one's result when the earlier one
// dominates it. A store is recorded the same way under the version it creates, so a later
// full-width load of the same address, type and category gets the stored value. This also
// holds for trapping (heap) loads: the earlier access to the same address succeeded, so the
// later one cannot trap; loads are only ever removed, never moved.
//
// Blocks are visited in reverse postorder (dominators first) with one table; an entry is used
// only if its block dominates the load's block (within a block, entries are earlier).
#include <cassert>
#include <vector>

#include "codegen/opt/flat_table.h"
#include "codegen/opt/alias.h"
#include "codegen/opt/passes.h"
#include "codegen/opt/util.h"

namespace kiln::codegen::opt {

using namespace ir;

namespace {

struct LoadKey {
  MemVersion version;
  uint8_t category;
  bool stack;     // addr is a stack slot index, not a value
  uint32_t addr;  // value or stack slot
  int32_t offset;
  Opcode op;
  Type type;
  bool operator==(const LoadKey&) const = default;
};

struct LoadKeyHash {
  size_t operator()(const LoadKey& k) const {
    uint64_t h = k.version * 0x9E3779B97F4A7C15ull;
    auto mix = [&](uint64_t v) { h = (h ^ v) * 0xff51afd7ed558ccdull; h ^= h >> 32; };
    mix(k.category | (uint64_t{k.stack} << 8) | (uint64_t{k.type.code()} << 16) |
        (static_cast<uint64_t>(k.op) << 24));
    mix(k.addr);
    mix(static_cast<uint32_t>(k.offset));
    return static_cast<size_t>(h);
  }
};

struct Available {
  Value value;
  Block block;
};

// The available loads and stored values by location (flat_table.h; each load or store adds
// at most one entry).
using LoadTable = FlatTable<LoadKey, Available, LoadKeyHash>;

class LoadElim {
 public:
  LoadElim(Function& f, CfgCache& cache, LoadTable& table)
      : f_(f), dfg_(f.dfg), cfg_(cache.cfg), domtree_(cache.domtree), cache_(cache),
        table_(table) {
    table_.reset(f.dfg.num_insts());
  }

  // Removes only loads: the CFG stays as it is.
  bool run() {
    cache_.ensure(f_);
    aa_.compute(f_, cfg_, domtree_);
    // Reverse postorder, and only the visited load's result becomes an alias (util.h).
    WalkResolver resolver(cache_, dfg_);
    for (Block b : domtree_.rpo()) {
      MemState state = aa_.block_entry(b);
      Inst i = f_.layout.first_inst(b);
      while (i) {
        Inst next = f_.layout.next_inst(i);
        resolver.visit(dfg_, i);
        visit(i, b, state);
        apply_mem_effect(f_, i, state);
        i = next;
      }
    }
    resolver.finish(f_, cache_, domtree_);
    return changed_;
  }

 private:
  LoadKey key_of(const InstData& d, MemVersion version, Opcode as_op, Type t) const {
    LoadKey k{};
    k.version = version;
    k.category = static_cast<uint8_t>(mem_category(d));
    k.op = as_op;
    k.type = t;
    k.offset = d.offset();
    if (d.opcode == Opcode::kStackLoad || d.opcode == Opcode::kStackStore) {
      k.stack = true;
      k.addr = d.aux;
    } else {
      Value addr = dfg_.resolve_aliases(d.opcode == Opcode::kStore || can_store(d.opcode)
                                            ? d.args[1]
                                            : d.args[0]);
      k.addr = addr.index();
    }
    return k;
  }

  void visit(Inst i, Block b, const MemState& state) {
    const InstData& d = dfg_[i];
    if (can_load(d.opcode) && dfg_.has_results(i)) {
      Value r = dfg_.first_result(i);
      LoadKey k = key_of(d, AliasAnalysis::load_version(d, state), d.opcode, dfg_.value_type(r));
      bool fresh = false;
      Available& have = table_.find_or_insert(k, Available{r, b}, fresh);
      if (fresh) return;
      if (domtree_.dominates(have.block, b) && dfg_.resolve_aliases(have.value) != r) {
        replace_inst_with_value(f_, i, have.value);
        changed_ = true;
        return;
      }
      have = Available{r, b};  // later blocks may be dominated by this one
      return;
    }
    // Full-width stores forward their value: after store S the category's version is S.
    if (d.opcode == Opcode::kStore || d.opcode == Opcode::kStackStore) {
      Value v = dfg_.resolve_aliases(d.args[0]);
      Opcode as_load = d.opcode == Opcode::kStore ? Opcode::kLoad : Opcode::kStackLoad;
      LoadKey k = key_of(d, inst_version(i), as_load, dfg_.value_type(v));
      bool fresh = false;
      table_.find_or_insert(k, Available{v, b}, fresh) = Available{v, b};
    }
  }

  Function& f_;
  DataFlowGraph& dfg_;
  const ControlFlowGraph& cfg_;
  const DominatorTree& domtree_;
  CfgCache& cache_;
  AliasAnalysis aa_;
  LoadTable& table_;
  bool changed_ = false;
};

}  // namespace

namespace cached {
bool eliminate_redundant_loads(Function& f, CfgCache& cache) {
  thread_local LoadTable table;  // reused by every run on this thread (runs never nest)
  bool changed = LoadElim(f, cache, table).run();
  table.trim(kRetainedEntries);
  return changed;
}
}  // namespace cached

bool eliminate_redundant_loads(Function& f) {
  CfgCache cache;
  return cached::eliminate_redundant_loads(f, cache);
}

}  // namespace kiln::codegen::opt
