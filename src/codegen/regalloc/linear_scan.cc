// codegen/regalloc/linear_scan.cc: run(): validation, liveness, live intervals, linear scan with
// interval splitting (after Wimmer & Mössenböck, "Optimized Interval Splitting in a Linear Scan
// Register Allocator", 2005, and Wimmer & Franz, "Linear Scan Register Allocation on SSA Form",
// 2010), and resolution into per-operand allocations and edits.
//
// Positions: instruction i has an early point 2i+2 (uses are read) and a late point 2i+3 (defs
// are written). Even positions are also the boundaries "before inst i" where moves can go, so
// intervals are only ever split at even positions. Position 1 is where entry live-ins are
// defined; block 0 starts at 0, every other block at the early point of its first instruction.
//
// Design choices, and why:
//  - Liveness is exact, found per vreg by walking backwards from its upward-exposed uses to its
//    definition (work proportional to the live sets, no per-block bitsets over all vregs), so
//    loops need no special extension of intervals and irreducible control flow is handled too.
//    The live-in sets are flat per-block arrays; a block's live-out set is not stored: it is
//    the live-in sets of its successors and its branch arguments.
//  - Memory: ranges, uses and live sets live in a few per-function arrays that intervals view;
//    splitting copies at most the tail of one interval's ranges into a chunk that never moves.
//  - SSA values never change, so a spilled value is stored once, right after its definition,
//    and every stack-resident piece of it reads that one slot: moving a piece to the stack is
//    free, only reloads cost (the "spill at definition" of HotSpot's C1).
//  - Fixed-register uses and reused (two-address) inputs are satisfied by a copy just before
//    the instruction unless the value already sits in the right register; the target register
//    is reserved at that point for everyone else. Intervals therefore never have to change
//    register between the early and late point of an instruction.
//  - Split positions are moved to block starts of lower loop depth when possible, so reloads
//    and register changes land on loop entry edges rather than inside loops; a loop header's
//    start counts one level out (its moves go on the entry edge: a value that keeps its
//    location through the loop moves nothing on the back edge), so a reload for a use in a
//    loop is hoisted to the loop's entry. An interval evicted from its register leaves it
//    right after its last use before the eviction point (at the block start of lowest depth in
//    between, evict_pos), so a value live through a loop but unused in it stays in its slot
//    for the whole loop instead of being reloaded on every back edge.
//  - Eviction follows Belady: the register whose holders are wanted again last is taken. The
//    input of a two-address instruction counts as wanted (it takes over its register as it
//    dies; from the slot it costs a load, and its eviction a store), as does a kAny use (read
//    in place from the slot, an x64 `add r, [rsp + X]`, it costs a load; a spilled value is
//    never reloaded for one: only uses that need a register end a piece in the slot), and a
//    value read earlier in the innermost loop around the eviction point and live around its
//    back edge is wanted in the next iteration, not at its next use in layout after the loop.
//  - Hints: a value prefers a fixed register a use copies it into, the register of its reused
//    input or move source, then the register a block-param partner (an argument passed to it,
//    or the param it is passed to) already has, then its previous piece's register; without
//    one, an argument avoids the registers of the other params of its successor (holding one
//    would turn the edge's moves into a cycle).
//  - A value defined in a fixed register it loses later (a call clobbers it) and read (in a
//    register or in place) after that in a deeper loop moves at once to a register free for its
//    whole life (callee-saved), rather than being reloaded on every iteration.
//  - Constants (Function::Inst::remat) are rematerialised: they have no slot, a move out of
//    their pseudo slot is an edit re-creating them, so leaving a register costs nothing and a
//    "reload" costs about a register move. They therefore take no callee-saved register while
//    a caller-saved one will do, and wait in the pseudo slot across a call that would clobber
//    the register before their next read (not for a read in a deeper loop: one register held
//    across the loop beats a re-creation per iteration; nor for block arguments, whose
//    register is a hint for their params).
#include <algorithm>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "codegen/regalloc/parallel_moves.h"
#include "codegen/regalloc/regalloc.h"

namespace kiln::codegen::regalloc {
namespace {

constexpr uint32_t kInf = UINT32_MAX;
constexpr uint32_t kNoVReg = UINT32_MAX;

uint32_t early_pos(uint32_t inst) { return 2 * inst + 2; }
uint32_t late_pos(uint32_t inst) { return 2 * inst + 3; }
uint32_t floor_even(uint32_t p) { return p & ~1u; }

Error fail(const std::string& msg) { return Error(ErrorKind::kOther, "regalloc: " + msg); }
Error fail_at(uint32_t inst, const std::string& msg) {
  return Error(ErrorKind::kOther, "regalloc: inst " + std::to_string(inst) + ": " + msg);
}

// What a use position asks of the interval that covers it.
enum class UseKind : uint8_t {
  kAny,    // readable from a register or the slot; `reg` may name a preferred register
  kReg,    // must be in a register
  kFixed,  // must be in `reg` (fixed defs and entry live-ins)
};

struct UsePos {
  uint32_t pos;
  UseKind kind;
  PReg reg;
  // A kAny use that is cheapest from a register: the input of a two-address instruction, which
  // takes over its register when it dies there (from the slot it costs a load, and its eviction
  // a store). Eviction choices count it as a use; split placement does not.
  bool wants_reg = false;
  // A kAny operand the instruction reads in place from the slot (an ALU or compare source).
  bool in_place = false;
};

struct Range {
  uint32_t from, to;  // [from, to)
};

struct Interval {
  uint32_t vreg = kNoVReg;
  RegClass cls = RegClass::kInt;
  // Ascending and disjoint: a piece of the function's range store (see Allocator::range_store_),
  // never shared with another interval.
  std::span<Range> ranges;
  // Sorted by pos: a piece of the vreg's segment of use_store_, so splitting an interval
  // divides the view instead of copying the uses after the split position.
  std::span<const UsePos> uses;
  bool in_reg = false;       // assigned a register (else: the vreg's spill slot)
  bool assigned = false;
  PReg reg;
  uint32_t cursor = 0;            // first range that may still contain the scan position
  uint32_t tie_vreg = kNoVReg;    // reuse def: the reused input, whose register it may take
  PReg fixed_start;               // must start in this register (fixed def, entry live-in)
  bool stack_start = false;       // must start in the slot (kStack def)

  uint32_t start() const { return ranges.front().from; }
  // Start of the range at the cursor (where an inactive interval resumes); kInf past the end.
  uint32_t cursor_from() const { return cursor < ranges.size() ? ranges[cursor].from : kInf; }
  uint32_t end() const { return ranges.back().to; }
  // Whether `pos` is inside a range; `pos` never decreases between calls for one interval.
  bool covers_advancing(uint32_t pos) {
    while (cursor < ranges.size() && ranges[cursor].to <= pos) ++cursor;
    return cursor < ranges.size() && ranges[cursor].from <= pos;
  }
  bool covers(uint32_t pos) const {
    auto it = std::upper_bound(ranges.begin(), ranges.end(), pos,
                               [](uint32_t p, const Range& r) { return p < r.to; });
    return it != ranges.end() && it->from <= pos;
  }
  // The first use at or after `pos` that needs a register.
  uint32_t next_reg_use(uint32_t pos) const {
    auto it = std::lower_bound(uses.begin(), uses.end(), pos,
                               [](const UsePos& u, uint32_t p) { return u.pos < p; });
    for (; it != uses.end(); ++it) {
      if (it->kind != UseKind::kAny) return it->pos;
    }
    return kInf;
  }
  // The first use at or after `pos` that needs or wants a register: what decides which value
  // leaves its register when too many are live (the one wanted again last).
  uint32_t next_wanted_use(uint32_t pos) const {
    auto it = std::lower_bound(uses.begin(), uses.end(), pos,
                               [](const UsePos& u, uint32_t p) { return u.pos < p; });
    for (; it != uses.end(); ++it) {
      if (it->kind != UseKind::kAny || it->wants_reg) return it->pos;
    }
    return kInf;
  }
  // next_reg_use and next_wanted_use with one search: {needed, wanted}.
  std::pair<uint32_t, uint32_t> next_needed_and_wanted(uint32_t pos) const {
    auto it = std::lower_bound(uses.begin(), uses.end(), pos,
                               [](const UsePos& u, uint32_t p) { return u.pos < p; });
    uint32_t want = kInf;
    for (; it != uses.end(); ++it) {
      if (it->kind != UseKind::kAny) return {it->pos, want == kInf ? it->pos : want};
      if (it->wants_reg && want == kInf) want = it->pos;
    }
    return {kInf, want};
  }
  // The first use at or after `from` and before `to` (kInf: none).
  uint32_t first_use_in(uint32_t from, uint32_t to) const {
    auto it = std::lower_bound(uses.begin(), uses.end(), from,
                               [](const UsePos& u, uint32_t p) { return u.pos < p; });
    return it != uses.end() && it->pos < to ? it->pos : kInf;
  }
};

// The intervals by id: fixed-size chunks that never move, so references stay valid while
// splits append (as with std::deque), with indexing by shift and mask and one allocation per
// 128 intervals (a deque's 512-byte nodes hold a handful: a division per access and an
// allocation per node).
class IntervalStore {
 public:
  size_t size() const { return size_; }
  Interval& operator[](size_t id) { return chunks_[id >> kShift][id & kMask]; }
  const Interval& operator[](size_t id) const { return chunks_[id >> kShift][id & kMask]; }
  Interval& back() { return (*this)[size_ - 1]; }
  // A default-constructed interval at the end.
  Interval& emplace_back() {
    if ((size_ >> kShift) == chunks_.size()) chunks_.push_back(std::make_unique<Interval[]>(kChunk));
    Interval& iv = (*this)[size_++];
    iv = Interval{};  // the chunks are kept across functions (clear())
    return iv;
  }
  // Empties the store, keeping its chunks.
  void clear() { size_ = 0; }
  void push_back(Interval&& iv) { emplace_back() = std::move(iv); }

 private:
  static constexpr unsigned kShift = 7;
  static constexpr size_t kChunk = size_t{1} << kShift, kMask = kChunk - 1;
  std::vector<std::unique_ptr<Interval[]>> chunks_;
  size_t size_ = 0;
};

// A position where a register is reserved: by a fixed constraint of `owner`, or by a clobber
// (owner kNoVReg) for everyone.
struct FixedBlock {
  uint32_t from, to;
  uint32_t owner;
};

// resolve(): a move between pieces of a split interval at `pos`.
struct SplitMove {
  uint32_t pos;
  RegClass cls;
  Move m;
};
// resolve(): a range of a vreg with its location.
struct LocatedRange {
  uint32_t from, to;
  Allocation loc;
};
// resolve(): a vreg with its location at the start of a block.
struct LocatedVReg {
  uint32_t vreg;
  Allocation loc;
};

// assign_slots(): the lifetime of a vreg's slot.
struct SlotItem {
  uint32_t start, end, vreg;
};

// A live range of a vreg as build_intervals() collects them.
struct RawRange {
  uint32_t from, to, vreg;
};

struct PendingEdit {
  uint32_t inst;
  uint8_t after;
  uint8_t prio;
  uint32_t seq;
  Edit edit;
};

// Order of edits at one "before inst" point; each group reads locations the previous ones
// have established.
enum : uint8_t {
  kPrioEdgeAtSucc = 0,   // edge moves into a block with one predecessor
  kPrioDefStore = 1,     // stores of block params / entry live-ins right after their definition
  kPrioSplit = 2,        // moves between the pieces of split intervals
  kPrioEdgeAtPred = 3,   // edge moves before a jump to a block with several predecessors
  kPrioOperandCopy = 4,  // copies into fixed-use and reused-input registers
};

class Allocator {
 public:
  // One allocator per thread serves every function it compiles: reset() empties the state and
  // keeps the capacity of every array, so a function costs no heap allocations beyond its
  // Output once the arrays have grown to the sizes of the module's functions.
  void reset(const Function& f, const MachineEnv& env);
  Expected<Output> run(bool full_validation);

 private:
  Expected<void> validate(bool full);
  Expected<void> compute_liveness();
  void compute_loop_depth();
  Expected<void> build_intervals();
  Expected<void> build_fixed_blocks();
  Expected<void> allocate();
  Expected<bool> try_allocate_free(uint32_t id);
  Expected<void> allocate_blocked(uint32_t id);
  void assign_reg(uint32_t id, PReg r);
  void assign_stack(uint32_t id);
  uint32_t split(uint32_t id, uint32_t pos);
  uint32_t evict_pos(const Interval& iv, uint32_t s0) const;
  uint32_t usable_until(const Interval& cur, uint32_t blocked) const;
  void cut_at(uint32_t id, uint32_t pos);
  void spill_tail(uint32_t id);
  uint32_t optimal_split_pos(uint32_t lo, uint32_t hi) const;
  uint32_t next_intersection(const Interval& a, const Interval& b) const;
  uint32_t next_fixed_intersection(uint32_t reg_index, const Interval& cur);
  void advance_fixed_cursor(uint32_t reg_index, uint32_t start);
  bool tie_exempt(const Interval& cur, const Interval& a) const;
  void push_unhandled(uint32_t id);
  std::pair<uint64_t, uint32_t> unhandled_item(uint32_t id) const;  // (start key, id)
  void assign_slots();
  Allocation loc_at(uint32_t vreg, uint32_t pos) const;
  Allocation loc_fwd(uint32_t vreg, uint32_t pos);
  Allocation slot_alloc(uint32_t vreg) const {
    return remat_inst_[vreg] != kInf ? remat_loc(vreg) : Allocation::in_slot(slot_of_[vreg]);
  }
  // The pseudo slot of a rematerialisable vreg: read only by moves (a slot no move writes, so
  // the move sequencing orders it like any other source), which add_edit turns into remats.
  static constexpr uint32_t kRematLoc = 0x80000000u;
  static Allocation remat_loc(uint32_t vreg) { return Allocation::in_slot(kRematLoc | vreg); }
  static bool is_remat_loc(const Allocation& a) {
    return a.kind == Allocation::Kind::kStack && (a.slot & kRematLoc) != 0;
  }
  bool remat_broken_ = false;  // add_edit saw a move into a pseudo slot (an internal error)
  uint32_t scratch_slot(RegClass cls, int which);
  Expected<void> resolve();
  void add_edit(uint32_t inst, bool after, uint8_t prio, const Move& m, RegClass cls);
  void add_parallel(uint32_t inst, uint8_t prio, std::vector<Move> (&moves)[kNumClasses],
                    const uint64_t (&occupied)[kNumClasses]);

  uint32_t block_start(uint32_t b) const { return b == 0 ? 0 : early_pos(f_->blocks[b].first_inst); }
  uint32_t block_end(uint32_t b) const { return early_pos(f_->blocks[b].end_inst); }
  uint32_t block_of_pos(uint32_t pos) const {
    if (pos < 2) return 0;
    uint32_t inst = std::min<uint32_t>((pos - 2) / 2, static_cast<uint32_t>(f_->insts.size()) - 1);
    return inst_block_[inst];
  }
  // Block 0 starts at 0, before its entry live-ins are defined, so "before its first
  // instruction" (2) is an ordinary position inside it where split moves must be placed.
  bool is_block_start(uint32_t pos) const {
    if (pos < 2 || pos % 2 != 0) return pos == 0;
    uint32_t inst = (pos - 2) / 2;
    return inst > 0 && inst < f_->insts.size() && f_->blocks[inst_block_[inst]].first_inst == inst;
  }
  bool in_env(PReg r) const { return env_mask_[static_cast<int>(r.cls)] >> r.hw & 1; }

  const Function* f_ = nullptr;
  const MachineEnv* env_ = nullptr;
  uint32_t nv_ = 0;
  std::vector<RegClass> vclass_;
  std::vector<uint8_t> vstate_;  // validate(): per vreg, seen and defined
  // Per operand (parallel to Function::operands, whose instructions' ranges do not overlap: an
  // operand has one allocation): 1 if a reuse def of its instruction names it.
  std::vector<uint8_t> reused_input_;
  // Scratch arrays of the passes, kept across functions (their users assign() before use).
  std::vector<uint32_t> tmp_u32_[8];
  std::vector<std::pair<uint32_t, uint32_t>> tmp_pairs_[2];
  std::vector<uint8_t> tmp_u8_[3];
  std::vector<PReg> tmp_pregs_;
  std::vector<RawRange> raw_ranges_;
  std::vector<int64_t> tmp_i64_;
  std::vector<SlotItem> slot_items_[kNumClasses];
  struct ResolveScratch {
    std::vector<SplitMove> at;
    std::vector<Move> moves[kNumClasses];
    std::vector<uint64_t> unsplit_occupied;
    std::vector<uint32_t> split_in_begin;
    std::vector<LocatedVReg> split_in;
    std::vector<uint8_t> single;
    std::vector<LocatedRange> segs;
  } rs_;
  std::vector<uint32_t> inst_block_;
  std::vector<uint32_t> loop_depth_;
  std::vector<uint8_t> loop_header_;  // the target of a backward edge
  std::vector<uint32_t> inner_loop_;   // per block: the header of its innermost loop (kInf: none)
  std::vector<uint32_t> inner_latch_;  // per header: its last latch
  // The loop depth of the moves placed at the start of block b: those of a loop header go on
  // its entry edge (a value that keeps its location through the loop moves nothing on the
  // back edge), one level out.
  uint32_t entry_depth(uint32_t b) const { return loop_depth_[b] - (loop_header_[b] && loop_depth_[b] > 0 ? 1 : 0); }
  // Per block, as a flat array indexed by block (CSR): the ascending vregs live into it. (Those
  // live out of a block are those live into its successors and its branch arguments.)
  std::vector<uint32_t> live_in_begin_, live_in_vals_;
  std::span<const uint32_t> live_in(uint32_t b) const {
    return {live_in_vals_.data() + live_in_begin_[b], live_in_begin_[b + 1] - live_in_begin_[b]};
  }
  // Predecessors in ascending order, computed from the successor lists (validate() checks that
  // they match the client's lists), as one flat array.
  std::vector<uint32_t> pred_begin_, pred_vals_;
  std::span<const uint32_t> preds(uint32_t b) const {
    return {pred_vals_.data() + pred_begin_[b], pred_begin_[b + 1] - pred_begin_[b]};
  }
  std::vector<PReg> env_order_[kNumClasses];
  uint64_t env_mask_[kNumClasses] = {0, 0};
  uint64_t nonpref_mask_[kNumClasses] = {0, 0};  // the non-preferred registers, by PReg::index()

  IntervalStore ivs_;  // index = interval id; ids < nv_ are the vregs' first pieces
  // Every interval's ranges: the vregs' first pieces in one array, and the copies made by splits
  // (the tail of a range cut in two) in chunks that never move, so pieces can view them.
  std::vector<Range> range_store_;
  // Chunks are kept across functions: range_chunk_used_ counts those handed out so far.
  struct RangeChunk {
    std::unique_ptr<Range[]> data;
    size_t size;
  };
  std::vector<RangeChunk> range_chunks_;
  size_t range_chunk_used_ = 0;
  Range* chunk_next_ = nullptr;
  size_t chunk_left_ = 0;
  Range* alloc_ranges(size_t n) {
    if (n > chunk_left_) {
      // The next kept chunk if it is large enough, else a new one in its place.
      if (range_chunk_used_ == range_chunks_.size() || range_chunks_[range_chunk_used_].size < n) {
        const size_t size = std::max<size_t>(n, 1024);
        range_chunks_.insert(range_chunks_.begin() + static_cast<ptrdiff_t>(range_chunk_used_),
                             RangeChunk{std::make_unique<Range[]>(size), size});
      }
      RangeChunk& ch = range_chunks_[range_chunk_used_++];
      chunk_next_ = ch.data.get();
      chunk_left_ = ch.size;
    }
    Range* r = chunk_next_;
    chunk_next_ += n;
    chunk_left_ -= n;
    return r;
  }
  // Every vreg's uses, one segment per vreg in ascending order, viewed by its pieces: one
  // allocation for the whole function instead of a growing vector per interval.
  std::vector<UsePos> use_store_;
  // The pieces of each vreg sorted by start, as one flat array indexed by child_begin_[v]:
  // built once allocation is done (splitting only appends to ivs_).
  std::vector<uint32_t> child_begin_, child_ids_;
  std::span<const uint32_t> children(uint32_t v) const {
    return {child_ids_.data() + child_begin_[v], child_begin_[v + 1] - child_begin_[v]};
  }
  void build_children();
  std::vector<uint32_t> piece_cursor_;  // loc_fwd: per vreg, the index of its current piece
  std::vector<uint32_t> hint_vreg_;
  // Per vreg, the block params it is passed to and the arguments passed to it (if a param), as
  // one flat array: each prefers a register one of its partners already has, so that edges
  // move nothing (the first hint alone names a partner allocated later on loop back edges).
  std::vector<uint32_t> partner_begin_, partner_vals_;
  std::span<const uint32_t> partners(uint32_t v) const {
    return {partner_vals_.data() + partner_begin_[v], partner_begin_[v + 1] - partner_begin_[v]};
  }
  std::vector<uint32_t> param_block_;  // per vreg: the block it is a param of (kInf: none)
  // The register a vreg starts in (its first piece), else the last one it was given.
  PReg start_reg(uint32_t v) const {
    const Interval& iv = ivs_[v];
    return iv.assigned && iv.in_reg ? iv.reg : last_reg_[v];
  }
  std::vector<uint32_t> def_pos_;  // kInf: never defined
  std::vector<uint8_t> def_by_inst_;  // defined by an operand (not a block param / live-in)
  // Per vreg: the remat instruction defining it (kInf: not rematerialisable). Such a value
  // never gets a spill slot: its pieces outside registers are "in" a pseudo slot (remat_loc)
  // from which a move is a rematerialisation.
  std::vector<uint32_t> remat_inst_;
  bool any_remat_ = false;
  std::vector<PReg> last_reg_;
  std::vector<uint8_t> needs_slot_;
  // Per vreg: 1 if an operand names its slot directly (a kStack def or use), which must then
  // hold the value from the definition on (no sunk store, compute_sunk_stores).
  std::vector<uint8_t> slot_operand_;
  // Stores sunk out of loops (compute_sunk_stores): sunk_ by vreg; the stores by edge, grouped
  // by the edge's source block (exit_store_begin_, CSR).
  struct ExitStore {
    uint32_t succ;
    uint32_t vreg;
  };
  std::vector<uint8_t> sunk_;
  std::vector<uint32_t> exit_store_begin_;
  std::vector<ExitStore> exit_stores_;
  void compute_sunk_stores();
  std::vector<std::pair<uint32_t, ExitStore>> sunk_found_;  // compute_sunk_stores' scratch
  std::vector<uint32_t> slot_of_;
  std::vector<uint32_t> slot_hull_start_, slot_hull_end_;  // extra extent of a slot's lifetime
  std::vector<FixedBlock> fixed_[64];
  uint32_t fixed_cursor_[64] = {};

  // The intervals waiting to be allocated, taken in order of (start key, id). Those that exist
  // before the scan (each vreg's first piece, and a second where its definition splits it) are
  // sorted once; the pieces split off during the scan, far fewer, go through a heap. The next
  // one is the smaller of the two fronts: the same order as one heap of all (items that compare
  // equal name the same interval), at one sort instead of a heap pop per interval.
  using HeapItem = std::pair<uint64_t, uint32_t>;
  class UnhandledQueue {
   public:
    void clear() {  // keeps the capacity
      sorted_.clear();
      next_ = 0;
      heap_.clear();
    }
    // Before the scan: filled by the caller, in order.
    std::vector<HeapItem>& initial() { return sorted_; }
    // During the scan.
    void push(const HeapItem& x) {
      heap_.push_back(x);
      std::push_heap(heap_.begin(), heap_.end(), std::greater<HeapItem>());
    }
    bool empty() const { return next_ == sorted_.size() && heap_.empty(); }
    // Removes and returns the id of the first item (the queue is not empty).
    uint32_t pop() {
      if (heap_.empty() || (next_ < sorted_.size() && sorted_[next_] < heap_.front())) {
        return sorted_[next_++].second;
      }
      const uint32_t id = heap_.front().second;
      std::pop_heap(heap_.begin(), heap_.end(), std::greater<HeapItem>());
      heap_.pop_back();
      return id;
    }

   private:
    std::vector<HeapItem> sorted_;
    size_t next_ = 0;
    std::vector<HeapItem> heap_;  // a min-heap
  };
  UnhandledQueue unhandled_;
  // Active intervals with their register index and `until`: the end of the range known to
  // contain the scan position (0: not known yet), so the scan only looks at an active interval
  // again once it leaves that range.
  struct ActiveEntry {
    uint32_t id;
    uint32_t until;
    uint32_t reg;
  };
  std::vector<ActiveEntry> active_[kNumClasses];
  // The registers held by active intervals (bit PReg::index()), with a count per register: a
  // reuse def shares its register with its input while the input's last range ends.
  uint64_t active_regs_ = 0;
  uint32_t active_count_[64] = {};
  void activate(uint32_t id) {
    const Interval& iv = ivs_[id];
    const uint32_t r = iv.reg.index();
    active_[static_cast<int>(iv.cls)].push_back({id, 0, r});
    if (active_count_[r]++ == 0) active_regs_ |= uint64_t{1} << r;
  }
  // Removes entry k of the active list of class c (the last entry takes its place).
  void deactivate(int c, size_t k) {
    auto& act = active_[c];
    const uint32_t r = act[k].reg;
    if (--active_count_[r] == 0) active_regs_ &= ~(uint64_t{1} << r);
    act[k] = act.back();
    act.pop_back();
  }
  // Inactive intervals (in a lifetime hole) per register, ordered by where they resume: the
  // free/blocked computations stop at the first one resuming after the current interval. Few
  // per register, so a flat vector sorted in descending order (the next to resume is last)
  // beats a node-based set; `inactive_mask_` says which lists are non-empty.
  using InactiveEntry = std::pair<uint32_t, uint32_t>;  // (resume position, interval id)
  std::vector<InactiveEntry> inactive_[64];
  uint64_t inactive_mask_ = 0;
  void make_inactive(uint32_t id) {
    const Interval& iv = ivs_[id];
    auto& list = inactive_[iv.reg.index()];
    InactiveEntry e{iv.cursor_from(), id};
    list.insert(std::lower_bound(list.begin(), list.end(), e, std::greater<InactiveEntry>()), e);
    inactive_mask_ |= uint64_t{1} << iv.reg.index();
  }
  void pop_inactive(uint32_t r) {
    inactive_[r].pop_back();
    if (inactive_[r].empty()) inactive_mask_ &= ~(uint64_t{1} << r);
  }
  void erase_inactive(uint32_t r, InactiveEntry e) {
    auto& list = inactive_[r];
    list.erase(std::lower_bound(list.begin(), list.end(), e, std::greater<InactiveEntry>()));
    if (list.empty()) inactive_mask_ &= ~(uint64_t{1} << r);
  }

  Output out_;
  uint32_t scratch_[kNumClasses][2] = {{kInf, kInf}, {kInf, kInf}};
  std::vector<PendingEdit> edits_;
  std::vector<InactiveEntry> evict_;  // scratch of allocate_blocked
  std::vector<Move> seq_, pending_;   // scratch of add_parallel
};

// Builds the per-instruction block map, the predecessor lists and the vreg classes, with the
// checks everything after relies on to stay in bounds (block layout, successors, operand and
// branch-argument ranges, vreg indices, register numbers, reuse inputs). With `full` (the
// client asked for checking: the checker is on, or validate_input) it also verifies every
// requirement listed at Function: predecessor lists, SSA, one class per vreg, terminators,
// critical edges and operand constraints. The trusted client (the x64 lowering) skips that.
Expected<void> Allocator::validate(bool full) {
  const auto& blocks = f_->blocks;
  const uint32_t nb = static_cast<uint32_t>(blocks.size());
  const uint32_t ni = static_cast<uint32_t>(f_->insts.size());
  nv_ = f_->num_vregs;
  if (nb == 0 || ni == 0) return fail("function has no blocks or no instructions");
  if (ni > (UINT32_MAX - 8) / 2) return fail("too many instructions");
  for (int c = 0; c < kNumClasses; ++c) {
    for (const auto* list : {&env_->preferred[c], &env_->non_preferred[c]}) {
      for (PReg r : *list) {
        if (r.hw >= 32 || static_cast<int>(r.cls) != c) return fail("machine env: register of the wrong class");
        if (env_mask_[c] >> r.hw & 1) return fail("machine env: register listed twice");
        env_mask_[c] |= uint64_t{1} << r.hw;
        env_order_[c].push_back(r);
        if (list == &env_->non_preferred[c]) nonpref_mask_[c] |= uint64_t{1} << r.index();
      }
    }
  }
  for (int c = 0; c < kNumClasses; ++c) {
    const PReg s = env_->scratch[c];
    if (s.is_valid() && (s.hw >= 32 || static_cast<int>(s.cls) != c || (env_mask_[c] >> s.hw & 1)))
      return fail("machine env: the scratch register must be of its class and not allocatable");
  }
  inst_block_.resize(ni);
  std::vector<uint32_t>& pred_begin = pred_begin_;
  pred_begin.assign(nb + 1, 0);
  uint32_t expect = 0;
  for (uint32_t b = 0; b < nb; ++b) {
    const auto& bl = blocks[b];
    if (bl.first_inst != expect || bl.end_inst <= bl.first_inst || bl.end_inst > ni)
      return fail("block " + std::to_string(b) + ": blocks must cover the instructions in layout order");
    expect = bl.end_inst;
    std::fill(inst_block_.begin() + bl.first_inst, inst_block_.begin() + bl.end_inst, b);
    for (uint32_t s : bl.succs) {
      if (s >= nb) return fail("block " + std::to_string(b) + ": successor out of range");
      ++pred_begin[s + 1];
    }
  }
  if (expect != ni) return fail("blocks do not cover every instruction");
  for (uint32_t b = 0; b < nb; ++b) pred_begin[b + 1] += pred_begin[b];
  {
    std::vector<uint32_t>& computed = pred_vals_;
    computed.resize(pred_begin[nb]);
    std::vector<uint32_t>& fill = tmp_u32_[0];
    fill.assign(pred_begin.begin(), pred_begin.end() - 1);
    for (uint32_t b = 0; b < nb; ++b) {
      for (uint32_t s : blocks[b].succs) computed[fill[s]++] = b;
    }
    if (full) {
      std::vector<uint32_t>& given = tmp_u32_[1];
      for (uint32_t b = 0; b < nb; ++b) {
        const auto& g = blocks[b].preds;
        const uint32_t* c = computed.data() + pred_begin[b];
        const size_t n = pred_begin[b + 1] - pred_begin[b];
        if (g.size() != n) return fail("block " + std::to_string(b) + ": preds do not match the successor lists");
        if (std::equal(g.begin(), g.end(), c)) continue;  // usual: listed in ascending order
        given.assign(g.begin(), g.end());
        std::sort(given.begin(), given.end());
        if (!std::equal(given.begin(), given.end(), c)) return fail("block " + std::to_string(b) + ": preds do not match the successor lists");
      }
    }
  }
  if (!preds(0).empty() || !blocks[0].params.empty()) return fail("the entry block must have no predecessors and no params");

  vclass_.assign(nv_, RegClass::kInt);
  reused_input_.assign(f_->operands.size(), 0);
  // Full validation: per vreg, bit 0 once seen (its class recorded), bit 1 once defined.
  std::vector<uint8_t>& state = vstate_;
  if (full) state.assign(nv_, 0);
  auto in_range = [this](VReg v) {
    return v.index < nv_ && static_cast<uint8_t>(v.cls) < kNumClasses;
  };
  auto range_error = [&](VReg v, uint32_t where) {
    return fail_at(where, v.index >= nv_ ? "vreg out of range" : "bad register class");
  };
  auto note = [&](VReg v, bool def, uint32_t where) -> Expected<void> {
    if (!in_range(v)) return range_error(v, where);
    if (full) {
      uint8_t& st = state[v.index];
      if ((st & 1) && vclass_[v.index] != v.cls) return fail_at(where, "v" + std::to_string(v.index) + " used with two classes");
      st |= 1;
      if (def) {
        if (st & 2) return fail_at(where, "v" + std::to_string(v.index) + " defined twice (not SSA)");
        st |= 2;
      }
    }
    vclass_[v.index] = v.cls;
    return ok();
  };
  for (const auto& [v, r] : f_->entry_live_ins) {
    KILN_TRY(note(v, true, 0));
    if (r.hw >= 32 || r.cls != v.cls) return fail("entry live-in in an invalid register");
  }
  for (uint32_t b = 0; b < nb; ++b) {
    for (VReg p : blocks[b].params) KILN_TRY(note(p, true, blocks[b].first_inst));
  }
  for (uint32_t i = 0; i < ni; ++i) {
    const auto& in = f_->insts[i];
    const auto& bl = blocks[inst_block_[i]];
    bool last = i + 1 == bl.end_inst;
    if (uint64_t{in.first_operand} + in.num_operands > f_->operands.size()) return fail_at(i, "operands out of range");
    bool term = in.is_branch || in.is_ret;
    if (full) {
      if (in.is_branch && in.is_ret) return fail_at(i, "both branch and return");
      if (term != last) return fail_at(i, last ? "block does not end in a terminator" : "terminator inside a block");
      if (in.is_ret && !bl.succs.empty()) return fail_at(i, "return from a block with successors");
      if (in.is_branch && bl.succs.empty()) return fail_at(i, "branch without successors");
    }
    // The last instruction of a block passes the arguments of its successors' params (read
    // per successor by liveness, intervals and resolution): their number must match.
    if (last) {
      uint64_t want_args = 0;
      for (uint32_t s : bl.succs) want_args += blocks[s].params.size();
      if (in.num_branch_args != want_args || uint64_t{in.first_branch_arg} + in.num_branch_args > f_->branch_args.size())
        return fail_at(i, "branch arguments do not match the successors' params");
      for (uint32_t k = 0; k < in.num_branch_args; ++k) KILN_TRY(note(f_->branch_args[in.first_branch_arg + k], false, i));
      if (full && in.is_branch) {
        uint32_t k = 0;
        for (uint32_t s : bl.succs) {
          for (VReg p : blocks[s].params) {
            if (f_->branch_args[in.first_branch_arg + k++].cls != p.cls) return fail_at(i, "branch argument of the wrong class");
          }
          if (bl.succs.size() > 1 && preds(s).size() > 1) return fail_at(i, "critical edge to block " + std::to_string(s) + " not split");
          if (bl.succs.size() == 1 && preds(s).size() > 1 && in.num_operands != 0)
            return fail_at(i, "a jump to a block with several predecessors may not have operands");
        }
      }
    } else if (in.num_branch_args != 0) {
      return fail_at(i, "branch arguments on a non-branch");
    }
    auto ops = f_->inst_operands(i);
    if (full) {
      for (uint32_t k = 0; k < ops.size(); ++k) {
        const Operand& op = ops[k];
        if (op.kind == OperandKind::kUse) KILN_TRY(note(op.vreg, false, i));
      }
      if (in.remat && (ops.size() != 1 || ops[0].kind != OperandKind::kDef || ops[0].constraint != Constraint::kReg ||
                       in.clobbers.bits != 0 || in.is_move || term))
        return fail_at(i, "a remat instruction must have a single kReg def operand and nothing else");
    }
    for (uint32_t k = 0; k < ops.size(); ++k) {
      const Operand& op = ops[k];
      if (!full) {
        // The trusted client: only the index and class are checked (inline, per operand).
        if (!in_range(op.vreg)) return range_error(op.vreg, i);
        vclass_[op.vreg.index] = op.vreg.cls;
      } else if (op.kind == OperandKind::kDef) {
        if (term) return fail_at(i, "terminators may not define values");
        KILN_TRY(note(op.vreg, true, i));
      }
      switch (op.constraint) {
        case Constraint::kAny:
        case Constraint::kReg:
        case Constraint::kStack:
          break;
        case Constraint::kFixedReg:
          if (op.fixed.hw >= 32 || op.fixed.cls != op.vreg.cls) return fail_at(i, "fixed register of the wrong class");
          if (full && op.kind == OperandKind::kUse && op.pos == OperandPos::kLate && in.clobbers.contains(op.fixed))
            return fail_at(i, "late use fixed to a clobbered register");
          break;
        case Constraint::kReuse: {
          if (op.kind != OperandKind::kDef || op.reuse_input >= ops.size()) return fail_at(i, "bad reuse constraint");
          reused_input_[in.first_operand + op.reuse_input] = 1;
          if (!full) break;
          const Operand& in_op = ops[op.reuse_input];
          if (in_op.kind != OperandKind::kUse || in_op.pos != OperandPos::kEarly || in_op.vreg.cls != op.vreg.cls ||
              (in_op.constraint != Constraint::kReg && in_op.constraint != Constraint::kAny))
            return fail_at(i, "a reuse def must name an early reg/any use of its class");
          break;
        }
        default:
          return fail_at(i, "unknown constraint");
      }
    }
  }
  return ok();
}

// Liveness by walking backwards from each upward-exposed use to the definition (SSA path
// exploration): the work is proportional to the size of the result, so large functions with
// many values stay cheap, and loops and irreducible flow need nothing special.
Expected<void> Allocator::compute_liveness() {
  const uint32_t nb = static_cast<uint32_t>(f_->blocks.size());
  std::vector<uint32_t>& def_block = tmp_u32_[0];
  def_block.assign(nv_, kInf);
  def_pos_.assign(nv_, kInf);
  def_by_inst_.assign(nv_, 0);
  remat_inst_.assign(nv_, kInf);
  any_remat_ = false;
  std::vector<uint32_t>& def_pos = def_pos_;
  for (const auto& [v, r] : f_->entry_live_ins) {
    def_block[v.index] = 0;
    def_pos[v.index] = 1;
  }
  for (uint32_t b = 0; b < nb; ++b) {
    for (VReg p : f_->blocks[b].params) {
      def_block[p.index] = b;
      def_pos[p.index] = block_start(b);
    }
  }
  for (uint32_t i = 0; i < f_->insts.size(); ++i) {
    const auto& in = f_->insts[i];
    for (const Operand& op : f_->inst_operands(i)) {
      if (op.kind != OperandKind::kDef) continue;
      def_block[op.vreg.index] = inst_block_[i];
      def_by_inst_[op.vreg.index] = 1;
      bool early = op.pos == OperandPos::kEarly || op.constraint == Constraint::kReuse;
      def_pos[op.vreg.index] = early ? early_pos(i) : late_pos(i);
      if (in.remat && in.num_operands == 1 && op.constraint == Constraint::kReg && in.clobbers.bits == 0 &&
          !in.is_branch && !in.is_ret && !in.is_move) {
        remat_inst_[op.vreg.index] = i;
        any_remat_ = true;
      }
    }
  }
  // A value read from its slot (kStack use) needs a real slot: not rematerialised.
  if (any_remat_) {
    for (const Operand& op : f_->operands) {
      if (op.kind == OperandKind::kUse && op.constraint == Constraint::kStack) remat_inst_[op.vreg.index] = kInf;
    }
  }
  // A use is upward exposed unless its block defines the vreg before it (a block param is
  // defined before the block's first early point).
  auto defined_before = [&](uint32_t v, uint32_t b, uint32_t pos) {
    if (def_block[v] != b) return false;
    bool param = def_pos[v] == block_start(b) && b != 0;
    return param || def_pos[v] < pos;
  };
  // Seeds, bucketed by vreg: the blocks where the vreg is live on entry because of a use in the
  // block (a branch argument counts as a use, unless the block defines it).
  std::vector<std::pair<uint32_t, uint32_t>>& seeds = tmp_pairs_[0];  // (vreg, block)
  seeds.clear();
  for (uint32_t b = 0; b < nb; ++b) {
    const auto& bl = f_->blocks[b];
    for (uint32_t i = bl.first_inst; i < bl.end_inst; ++i) {
      for (const Operand& op : f_->inst_operands(i)) {
        if (op.kind != OperandKind::kUse) continue;
        uint32_t v = op.vreg.index;
        uint32_t pos = op.pos == OperandPos::kLate ? late_pos(i) : early_pos(i);
        if (!defined_before(v, b, pos)) seeds.push_back({v, b});
      }
    }
    const auto& term = f_->insts[bl.end_inst - 1];
    for (uint32_t a = 0; a < term.num_branch_args; ++a) {
      uint32_t v = f_->branch_args[term.first_branch_arg + a].index;
      if (def_block[v] != b) seeds.push_back({v, b});
    }
  }
  std::vector<uint32_t>& seed_begin = tmp_u32_[1];
  seed_begin.assign(nv_ + 1, 0);
  for (const auto& sd : seeds) ++seed_begin[sd.first + 1];
  for (uint32_t v = 0; v < nv_; ++v) seed_begin[v + 1] += seed_begin[v];
  std::vector<uint32_t>& by_vreg = tmp_u32_[2];
  by_vreg.resize(seeds.size());
  {
    std::vector<uint32_t>& fill = tmp_u32_[3];
    fill.assign(seed_begin.begin(), seed_begin.end() - 1);
    for (const auto& sd : seeds) by_vreg[fill[sd.first]++] = sd.second;
  }
  // Vregs are visited in ascending order, so each block's (block, vreg) pairs come out in
  // ascending vreg order; a stable bucketing by block then gives the sorted per-block sets.
  // The pairs are counted per block as they are found (at live_in_begin_[b + 1]).
  std::vector<std::pair<uint32_t, uint32_t>>& in_pairs = tmp_pairs_[0];  // (block, vreg)
  in_pairs.clear();  // the seeds are in by_vreg now
  std::vector<uint32_t>& in_count = live_in_begin_;
  in_count.assign(nb + 1, 0);
  std::vector<uint32_t>& in_stamp = tmp_u32_[3];
  // The walk's stack: a block is pushed at most once per vreg (in_stamp).
  std::vector<uint32_t>& work = tmp_u32_[5];
  work.resize(nb);
  uint32_t* const stack = work.data();
  uint32_t depth = 0;
  in_stamp.assign(nb, kInf);
  for (uint32_t v = 0; v < nv_; ++v) {
    for (uint32_t k = seed_begin[v]; k < seed_begin[v + 1]; ++k) {
      const uint32_t b = by_vreg[k];
      if (in_stamp[b] != v) {
        in_stamp[b] = v;
        stack[depth++] = b;
      }
    }
    while (depth > 0) {
      const uint32_t b = stack[--depth];
      if (b == 0) return fail("v" + std::to_string(v) + " is used where its definition does not reach");
      in_pairs.push_back({b, v});
      ++in_count[b + 1];
      for (uint32_t p : preds(b)) {
        if (def_block[v] != p && in_stamp[p] != v) {
          in_stamp[p] = v;
          stack[depth++] = p;
        }
      }
    }
  }
  for (uint32_t b = 0; b < nb; ++b) in_count[b + 1] += in_count[b];  // counts to offsets
  live_in_vals_.resize(in_pairs.size());
  std::vector<uint32_t>& fill = tmp_u32_[0];  // def_block is no longer needed
  fill.assign(live_in_begin_.begin(), live_in_begin_.end() - 1);
  for (const auto& pr : in_pairs) live_in_vals_[fill[pr.first]++] = pr.second;
  return ok();
}

// Loop depth per block from backward edges in layout order: each backward edge S <- P makes
// blocks S..P one level deeper (several back edges to one header count once). This matches
// natural loops for the structured control flow Wasm produces and is only a heuristic input.
void Allocator::compute_loop_depth() {
  const uint32_t nb = static_cast<uint32_t>(f_->blocks.size());
  std::vector<uint32_t>& last_latch = tmp_u32_[0];
  last_latch.assign(nb, kInf);
  for (uint32_t p = 0; p < nb; ++p) {
    // A cold block sits after the hot code and jumps back into it: not a loop.
    if (f_->blocks[p].cold) continue;
    for (uint32_t s : f_->blocks[p].succs) {
      if (s <= p && (last_latch[s] == kInf || last_latch[s] < p)) last_latch[s] = p;
    }
  }
  std::vector<int64_t>& diff = tmp_i64_;
  diff.assign(nb + 1, 0);
  for (uint32_t s = 0; s < nb; ++s) {
    if (last_latch[s] == kInf) continue;
    diff[s] += 1;
    diff[last_latch[s] + 1] -= 1;
  }
  loop_depth_.assign(nb, 0);
  loop_header_.assign(nb, 0);
  for (uint32_t s = 0; s < nb; ++s) loop_header_[s] = last_latch[s] != kInf;
  int64_t depth = 0;
  for (uint32_t b = 0; b < nb; ++b) {
    depth += diff[b];
    loop_depth_[b] = static_cast<uint32_t>(depth);
  }
  // The innermost loop around each block: the open loop (header, last latch) of the latest header.
  inner_loop_.assign(nb, kInf);
  std::vector<uint32_t>& open = tmp_u32_[1];
  open.clear();
  for (uint32_t b = 0; b < nb; ++b) {
    while (!open.empty() && last_latch[open.back()] < b) open.pop_back();
    if (last_latch[b] != kInf) open.push_back(b);
    if (!open.empty()) inner_loop_[b] = open.back();
  }
  inner_latch_.resize(nb);
  for (uint32_t s = 0; s < nb; ++s) inner_latch_[s] = last_latch[s];
}

Expected<void> Allocator::build_intervals() {
  const uint32_t nb = static_cast<uint32_t>(f_->blocks.size());
  // Built backwards, so ranges and uses are collected in descending order, straight into the
  // vregs' first intervals, and reversed below.
  for (uint32_t v = 0; v < nv_; ++v) {
    ivs_.emplace_back();
    ivs_.back().vreg = v;
    ivs_.back().cls = vclass_[v];
  }
  // Ranges are collected per vreg in descending order into one list (`last_range` links a vreg
  // to its most recent one, which the next range may extend), then placed per vreg ascending.
  std::vector<RawRange>& raw = raw_ranges_;
  raw.clear();
  raw.reserve(f_->insts.size() + nv_);
  std::vector<uint32_t>& last_range = tmp_u32_[0];
  last_range.assign(nv_, kInf);
  // Each operand and entry live-in adds at most one use to its vreg: segments sized by those
  // counts, filled from their ends backwards (the walk below goes backwards), so the uses
  // collected, [use_fill[v], use_end[v]), come out ascending.
  std::vector<uint32_t>& use_end = tmp_u32_[1];
  use_end.assign(nv_, 0);
  for (uint32_t i = 0; i < f_->insts.size(); ++i) {
    for (const Operand& op : f_->inst_operands(i)) ++use_end[op.vreg.index];
  }
  for (const auto& [v, r] : f_->entry_live_ins) ++use_end[v.index];
  uint32_t total_uses = 0;
  for (uint32_t v = 0; v < nv_; ++v) {
    total_uses += use_end[v];
    use_end[v] = total_uses;
  }
  use_store_.resize(total_uses);
  std::vector<uint32_t>& use_fill = tmp_u32_[2];
  use_fill.assign(use_end.begin(), use_end.end());
  auto add_use = [&](uint32_t v, const UsePos& u) { use_store_[--use_fill[v]] = u; };
  std::vector<uint32_t>& tie = tmp_u32_[3];
  tie.assign(nv_, kNoVReg);
  std::vector<PReg>& fixed_start = tmp_pregs_;
  fixed_start.assign(nv_, PReg{});
  std::vector<uint8_t>& stack_start = tmp_u8_[0];
  stack_start.assign(nv_, 0);
  hint_vreg_.assign(nv_, kNoVReg);
  needs_slot_.assign(nv_, 0);
  slot_operand_.assign(nv_, 0);
  auto add_range = [&](uint32_t v, uint32_t from, uint32_t to) {
    uint32_t l = last_range[v];
    if (l != kInf && raw[l].from <= to) {
      raw[l].from = std::min(raw[l].from, from);
      raw[l].to = std::max(raw[l].to, to);
    } else {
      last_range[v] = static_cast<uint32_t>(raw.size());
      raw.push_back({from, to, v});
    }
  };
  // `dead_end`: where the location of a never-used value may be reused; a def written at the
  // late point (reuse defs start early but are written late) keeps it through that point.
  auto define = [&](uint32_t v, uint32_t pos, uint32_t bstart, uint32_t dead_end) {
    uint32_t l = last_range[v];
    if (l != kInf && raw[l].from == bstart && raw[l].to > pos) {
      raw[l].from = pos;
    } else {
      last_range[v] = static_cast<uint32_t>(raw.size());
      raw.push_back({pos, dead_end, v});
    }
  };
  for (uint32_t b = nb; b-- > 0;) {
    const auto& bl = f_->blocks[b];
    uint32_t bs = block_start(b), be = block_end(b);
    // Live out: live into a successor, or passed to one as a branch argument. Each is live
    // through the end, add_range(v, bs, be) for ranges all collected in later blocks (at or
    // after be) or for this one: the last one joins if it starts at be, where the next block
    // starts, and the vreg is live out already if it starts at bs.
    auto live_out = [&](uint32_t v) {
      const uint32_t l = last_range[v];
      if (l != kInf && raw[l].from == bs) return;
      if (l != kInf && raw[l].from == be) {
        raw[l].from = bs;
      } else {
        last_range[v] = static_cast<uint32_t>(raw.size());
        raw.push_back({bs, be, v});
      }
    };
    for (uint32_t s : bl.succs) {
      for (uint32_t v : live_in(s)) live_out(v);
    }
    const auto& term = f_->insts[bl.end_inst - 1];
    for (uint32_t a = 0; a < term.num_branch_args; ++a) {
      live_out(f_->branch_args[term.first_branch_arg + a].index);
    }
    for (uint32_t i = bl.end_inst; i-- > bl.first_inst;) {
      const auto& in = f_->insts[i];
      auto ops = f_->inst_operands(i);
      for (const Operand& op : ops) {
        if (op.kind != OperandKind::kDef) continue;
        uint32_t v = op.vreg.index;
        bool early = op.pos == OperandPos::kEarly || op.constraint == Constraint::kReuse;
        uint32_t pos = early ? early_pos(i) : late_pos(i);
        define(v, pos, bs, late_pos(i) + 1);
        switch (op.constraint) {
          case Constraint::kFixedReg:
            fixed_start[v] = op.fixed;
            add_use(v, {pos, UseKind::kFixed, op.fixed});
            break;
          case Constraint::kStack:
            stack_start[v] = 1;
            needs_slot_[v] = 1;
            slot_operand_[v] = 1;
            break;
          case Constraint::kAny:
            add_use(v, {pos, UseKind::kAny, {}});
            break;
          case Constraint::kReuse:
            tie[v] = ops[op.reuse_input].vreg.index;
            hint_vreg_[v] = tie[v];
            add_use(v, {pos, UseKind::kReg, {}});
            break;
          default:
            add_use(v, {pos, UseKind::kReg, {}});
            break;
        }
        if (in.is_move && ops.size() == 2) {
          for (const Operand& src : ops) {
            if (src.kind == OperandKind::kUse && src.vreg.cls == op.vreg.cls) {
              hint_vreg_[v] = src.vreg.index;
              if (hint_vreg_[src.vreg.index] == kNoVReg) hint_vreg_[src.vreg.index] = v;
            }
          }
        }
      }
      for (uint32_t k = 0; k < ops.size(); ++k) {
        const Operand& op = ops[k];
        if (op.kind != OperandKind::kUse) continue;
        uint32_t v = op.vreg.index;
        bool late = op.pos == OperandPos::kLate;
        add_range(v, bs, (late ? late_pos(i) : early_pos(i)) + 1);
        if (reused_input_[in.first_operand + k]) {
          add_use(v, {early_pos(i), UseKind::kAny, {}, true});  // source of the copy, if any
          continue;
        }
        switch (op.constraint) {
          case Constraint::kFixedReg:
            add_use(v, {early_pos(i), UseKind::kAny, op.fixed});
            break;
          case Constraint::kStack:
            needs_slot_[v] = 1;
            slot_operand_[v] = 1;
            break;
          case Constraint::kAny:
            // Read in place from a register or the slot (an ALU or compare source operand, a
            // call's stack argument): never reloaded for, but wanted in a register (from the
            // slot it costs a load), so eviction counts it like a two-address input.
            add_use(v, {late ? late_pos(i) : early_pos(i), UseKind::kAny, {}, true, true});
            break;
          default:
            add_use(v, {late ? late_pos(i) : early_pos(i), UseKind::kReg, {}});
            break;
        }
      }
    }
    for (VReg p : bl.params) define(p.index, bs, bs, bs + 1);
    if (b == 0) {
      for (const auto& [v, r] : f_->entry_live_ins) {
        define(v.index, 1, bs, 2);
        fixed_start[v.index] = r;
        add_use(v.index, {1, UseKind::kFixed, r});
      }
    }
    // Block params and the arguments passed to them prefer each other's registers.
    uint32_t a = term.first_branch_arg;
    for (uint32_t s : bl.succs) {
      for (VReg p : f_->blocks[s].params) {
        uint32_t av = f_->branch_args[a++].index;
        if (hint_vreg_[p.index] == kNoVReg) hint_vreg_[p.index] = av;
        if (hint_vreg_[av] == kNoVReg) hint_vreg_[av] = p.index;
      }
    }
  }
  {
    param_block_.assign(nv_, kInf);
    for (uint32_t b = 0; b < nb; ++b) {
      for (VReg p : f_->blocks[b].params) param_block_[p.index] = b;
    }
    partner_begin_.assign(nv_ + 1, 0);
    auto for_each_pair = [&](auto&& fn) {
      for (uint32_t b = 0; b < nb; ++b) {
        const auto& term = f_->insts[f_->blocks[b].end_inst - 1];
        uint32_t a = term.first_branch_arg;
        for (uint32_t s : f_->blocks[b].succs) {
          for (VReg p : f_->blocks[s].params) {
            const uint32_t av = f_->branch_args[a++].index;
            if (av != p.index) fn(av, p.index);
          }
        }
      }
    };
    for_each_pair([&](uint32_t av, uint32_t pv) { ++partner_begin_[av + 1]; ++partner_begin_[pv + 1]; });
    for (uint32_t v = 0; v < nv_; ++v) partner_begin_[v + 1] += partner_begin_[v];
    partner_vals_.resize(partner_begin_[nv_]);
    std::vector<uint32_t>& fill = tmp_u32_[4];
    fill.assign(partner_begin_.begin(), partner_begin_.end() - 1);
    for_each_pair([&](uint32_t av, uint32_t pv) {
      partner_vals_[fill[av]++] = pv;
      partner_vals_[fill[pv]++] = av;
    });
  }
  {
    std::vector<uint32_t>& range_end = tmp_u32_[4];
    range_end.assign(nv_ + 1, 0);
    for (const RawRange& r : raw) ++range_end[r.vreg + 1];
    for (uint32_t v = 0; v < nv_; ++v) range_end[v + 1] += range_end[v];
    range_store_.resize(raw.size());
    for (uint32_t v = 0; v < nv_; ++v) {
      ivs_[v].ranges = {range_store_.data() + range_end[v], range_end[v + 1] - range_end[v]};
    }
    // Collected in descending order: fill each vreg's segment from its end.
    for (const RawRange& r : raw) range_store_[--range_end[r.vreg + 1]] = {r.from, r.to};
  }
  last_reg_.assign(nv_, PReg{});
  for (uint32_t v = 0; v < nv_; ++v) {
    Interval& iv = ivs_[v];
    std::span<UsePos> uses(use_store_.data() + use_fill[v], use_end[v] - use_fill[v]);
    // Uses of one instruction were collected defs first: a stable insertion sort fixes those
    // local inversions in linear time.
    for (size_t k = 1; k < uses.size(); ++k) {
      if (uses[k - 1].pos <= uses[k].pos) continue;  // in order (nearly always)
      UsePos u = uses[k];
      size_t j = k;
      for (; j > 0 && uses[j - 1].pos > u.pos; --j) uses[j] = uses[j - 1];
      uses[j] = u;
    }
    // Read in place inside a loop deeper than the definition (a loop-invariant operand): from
    // the slot that is a load on every iteration, in a register one reload before the loop
    // (the vectorised matmul inner loop read its row base from the slot twice an iteration).
    // Such uses need a register; reads in place stay for values of the same loop level.
    if (def_pos_[v] != kInf) {
      const uint32_t def_depth = loop_depth_[block_of_pos(def_pos_[v])];
      for (UsePos& u : uses) {
        if (u.in_place && loop_depth_[block_of_pos(u.pos)] > def_depth) u.kind = UseKind::kReg;
      }
    }
    iv.uses = uses;
    iv.tie_vreg = tie[v];
    iv.fixed_start = fixed_start[v];
    iv.stack_start = stack_start[v];
  }
  // Layout need not follow dominance: a vreg may be live in blocks placed before its
  // definition. Its definition then starts a piece of its own (a split in a lifetime hole
  // needs no move), which carries the constraints of the definition.
  for (uint32_t v = 0; v < nv_; ++v) {
    if (ivs_[v].ranges.empty()) continue;
    uint32_t dp = def_pos_[v];
    if (dp != kInf && ivs_[v].start() < dp) {
      uint32_t t = split(v, dp);
      Interval& head = ivs_[v];
      Interval& tail = ivs_[t];
      tail.tie_vreg = head.tie_vreg;
      tail.fixed_start = head.fixed_start;
      tail.stack_start = head.stack_start;
      head.tie_vreg = kNoVReg;
      head.fixed_start = PReg{};
      head.stack_start = false;
    }
  }
  // Every interval with ranges is now to be allocated (the vregs' first pieces and the pieces
  // split off above): queued in order of (start key, id) by a counting sort on the key, the ids
  // visited in ascending order. A key is below 2 * (the end of the last block) + 2.
  {
    const uint32_t num_keys = 2 * block_end(nb - 1) + 2;
    std::vector<uint32_t>& at = tmp_u32_[4];
    at.assign(num_keys + 1, 0);
    const uint32_t n = static_cast<uint32_t>(ivs_.size());
    for (uint32_t id = 0; id < n; ++id) {
      if (!ivs_[id].ranges.empty()) ++at[unhandled_item(id).first + 1];
    }
    for (uint32_t k = 0; k < num_keys; ++k) at[k + 1] += at[k];
    std::vector<HeapItem>& queue = unhandled_.initial();
    queue.resize(at[num_keys]);
    for (uint32_t id = 0; id < n; ++id) {
      if (ivs_[id].ranges.empty()) continue;
      const HeapItem item = unhandled_item(id);
      queue[at[item.first]++] = item;
    }
  }
  return ok();
}

Expected<void> Allocator::build_fixed_blocks() {
  // Collected in position order up to the order within one instruction, which the insertion
  // sort below fixes in linear time.
  for (const auto& [v, r] : f_->entry_live_ins) fixed_[r.index()].push_back({1, 2, v.index});
  for (uint32_t i = 0; i < f_->insts.size(); ++i) {
    const auto& in = f_->insts[i];
    uint64_t late_fixed_defs = 0;
    for (const Operand& op : f_->inst_operands(i)) {
      if (op.constraint != Constraint::kFixedReg) continue;
      uint32_t r = op.fixed.index();
      if (op.kind == OperandKind::kUse) {
        fixed_[r].push_back({early_pos(i), (op.pos == OperandPos::kLate ? late_pos(i) : early_pos(i)) + 1, op.vreg.index});
      } else {
        uint32_t pos = op.pos == OperandPos::kEarly ? early_pos(i) : late_pos(i);
        fixed_[r].push_back({pos, pos + 1, op.vreg.index});
        if (op.pos == OperandPos::kLate) late_fixed_defs |= uint64_t{1} << r;
      }
    }
    for (uint64_t m = in.clobbers.bits & ~late_fixed_defs; m != 0; m &= m - 1) {
      fixed_[__builtin_ctzll(m)].push_back({late_pos(i), late_pos(i) + 1, kNoVReg});
    }
  }
  for (uint32_t r = 0; r < 64; ++r) {
    auto& fb = fixed_[r];
    auto before = [](const FixedBlock& a, const FixedBlock& b) {
      return a.from != b.from ? a.from < b.from : a.owner < b.owner;
    };
    for (size_t k = 1; k < fb.size(); ++k) {
      if (!before(fb[k], fb[k - 1])) continue;
      FixedBlock x = fb[k];
      size_t j = k;
      for (; j > 0 && before(x, fb[j - 1]); --j) fb[j] = fb[j - 1];
      fb[j] = x;
    }
    for (size_t k = 1; k < fb.size(); ++k) {
      const FixedBlock& a = fb[k - 1];
      const FixedBlock& b = fb[k];
      if (b.from < a.to && a.owner != b.owner && (a.owner != kNoVReg || b.owner != kNoVReg)) {
        uint32_t inst = b.from >= 2 ? (b.from - 2) / 2 : 0;
        return fail_at(inst, "register " + std::to_string(r % 32) + " is required by two values at once");
      }
    }
  }
  return ok();
}

Allocator::HeapItem Allocator::unhandled_item(uint32_t id) const {
  const Interval& iv = ivs_[id];
  // At equal starts, a reuse def comes after the piece of its input, so it can share the
  // input's register when the input dies there.
  uint64_t key = uint64_t{iv.start()} * 2 + (iv.tie_vreg != kNoVReg ? 1 : 0);
  return {key, id};
}

void Allocator::push_unhandled(uint32_t id) { unhandled_.push(unhandled_item(id)); }

// The first index at or after `i` whose element is not `before` (a predicate that holds for a
// prefix of `v`): exponential search, then binary search. Long intervals have many ranges and
// registers many fixed blocks; this keeps each intersection query logarithmic in the parts it
// skips instead of linear.
template <class Seq, class Before>
size_t gallop(const Seq& v, size_t i, Before before) {
  if (i >= v.size() || !before(v[i])) return i;
  size_t lo = i, step = 1;  // before(v[lo])
  while (lo + step < v.size() && before(v[lo + step])) {
    lo += step;
    step *= 2;
  }
  size_t hi = std::min(v.size(), lo + step);
  return static_cast<size_t>(std::partition_point(v.begin() + static_cast<ptrdiff_t>(lo) + 1,
                                                  v.begin() + static_cast<ptrdiff_t>(hi), before) - v.begin());
}

uint32_t Allocator::next_intersection(const Interval& a, const Interval& b) const {
  size_t i = a.cursor, j = b.cursor;
  while (i < a.ranges.size() && j < b.ranges.size()) {
    const Range& x = a.ranges[i];
    const Range& y = b.ranges[j];
    uint32_t lo = std::max(x.from, y.from);
    if (lo < std::min(x.to, y.to)) return lo;
    if (x.to <= y.from) {
      const uint32_t p = y.from;
      i = gallop(a.ranges, i + 1, [p](const Range& r) { return r.to <= p; });
    } else {
      const uint32_t p = x.from;
      j = gallop(b.ranges, j + 1, [p](const Range& r) { return r.to <= p; });
    }
  }
  return kInf;
}

// Fixed blocks are sorted by `from` and span at most two positions, so "ends at or before p"
// is decided by from + 2 <= p up to the few blocks just before p.
void Allocator::advance_fixed_cursor(uint32_t r, uint32_t start) {
  const auto& fb = fixed_[r];
  uint32_t& c = fixed_cursor_[r];
  while (c < fb.size() && fb[c].to <= start) ++c;
}

uint32_t Allocator::next_fixed_intersection(uint32_t r, const Interval& cur) {
  auto& fb = fixed_[r];
  advance_fixed_cursor(r, cur.start());
  size_t k = fixed_cursor_[r], j = 0;
  while (k < fb.size() && j < cur.ranges.size()) {
    const FixedBlock& b = fb[k];
    const Range& y = cur.ranges[j];
    if (b.owner == cur.vreg) {
      ++k;
      continue;
    }
    uint32_t lo = std::max(b.from, y.from);
    if (lo < std::min(b.to, y.to)) return lo;
    if (b.to <= y.from) {
      const uint32_t p = y.from;
      k = gallop(fb, k + 1, [p](const FixedBlock& x) { return x.from + 2 <= p; });
    } else {
      const uint32_t p = b.from;
      j = gallop(cur.ranges, j + 1, [p](const Range& x) { return x.to <= p; });
    }
  }
  return kInf;
}

bool Allocator::tie_exempt(const Interval& cur, const Interval& a) const {
  if (cur.tie_vreg == kNoVReg || a.vreg != cur.tie_vreg || a.cursor >= a.ranges.size()) return false;
  const Range& r = a.ranges[a.cursor];
  return r.from <= cur.start() && r.to == cur.start() + 1;
}

// The split position in (lo, hi] whose moves run least often: the latest block start of lowest
// entry depth, so a reload for a use in a loop is hoisted to the loop's entry edge and a value
// evicted in a loop it only passes through leaves its register before the loop.
uint32_t Allocator::optimal_split_pos(uint32_t lo, uint32_t hi) const {
  uint32_t p = floor_even(hi);
  uint32_t bl = block_of_pos(lo), bh = block_of_pos(p);
  if (bl == bh) return p;
  uint32_t best = p, depth = p == block_start(bh) ? entry_depth(bh) : loop_depth_[bh];
  uint32_t steps = 0;
  for (uint32_t b = bh; b > bl && steps < 256; --b, ++steps) {
    if (entry_depth(b) < depth) {
      depth = entry_depth(b);
      best = block_start(b);
    }
  }
  return best;
}

// Where an interval evicted at s0 leaves its register: anywhere after its last use before s0
// will do (the slot already holds the value: spill at definition), so at the start of the
// block of lowest loop depth in between. A value live through a loop without being used in
// it then sits in its slot for the whole loop, instead of leaving its register inside the
// loop and being reloaded on every back edge.
uint32_t Allocator::evict_pos(const Interval& iv, uint32_t s0) const {
  uint32_t lo = iv.start() + 1;
  auto it = std::lower_bound(iv.uses.begin(), iv.uses.end(), s0,
                             [](const UsePos& u, uint32_t p) { return u.pos < p; });
  if (it != iv.uses.begin()) lo = std::max(lo, std::prev(it)->pos + 1);
  if (lo >= s0) return s0;
  uint32_t p = optimal_split_pos(lo, s0);
  return p > lo && p <= s0 ? p : s0;
}

uint32_t Allocator::split(uint32_t id, uint32_t pos) {
  Interval tail;
  {
    Interval& a = ivs_[id];
    tail.vreg = a.vreg;
    tail.cls = a.cls;
    auto it = std::upper_bound(a.ranges.begin(), a.ranges.end(), pos,
                               [](uint32_t p, const Range& r) { return p < r.to; });
    size_t k = static_cast<size_t>(it - a.ranges.begin());
    if (a.ranges[k].from < pos) {
      // The range at `pos` is cut in two: the tail gets a copy of its ranges.
      const size_t n = a.ranges.size() - k;
      Range* t = alloc_ranges(n);
      std::copy(a.ranges.begin() + static_cast<ptrdiff_t>(k), a.ranges.end(), t);
      t[0].from = pos;
      tail.ranges = {t, n};
      a.ranges[k].to = pos;
      a.ranges = a.ranges.first(k + 1);
    } else {
      tail.ranges = a.ranges.subspan(k);
      a.ranges = a.ranges.first(k);
    }
    auto u = std::lower_bound(a.uses.begin(), a.uses.end(), pos,
                              [](const UsePos& x, uint32_t p) { return x.pos < p; });
    const size_t head_uses = static_cast<size_t>(u - a.uses.begin());
    tail.uses = a.uses.subspan(head_uses);
    a.uses = a.uses.first(head_uses);
    if (a.cursor > a.ranges.size()) a.cursor = static_cast<uint32_t>(a.ranges.size());
  }
  uint32_t nid = static_cast<uint32_t>(ivs_.size());
  ivs_.push_back(std::move(tail));
  ++out_.stats.splits;
  return nid;
}

// How long `cur` can stay in a register that something else needs from `blocked` on: through
// its end (kInf), up to the boundary before `blocked`, or up to `blocked` itself when that is a
// late point where `cur` needs no register and the slot already holds the value (spill at
// definition, stored after the defining instruction): the rest then starts in the slot, so
// the odd split needs no move. This is what lets a
// value read in a register by a call (or a division) live on past the clobber.
uint32_t Allocator::usable_until(const Interval& cur, uint32_t blocked) const {
  if (blocked >= cur.end()) return kInf;
  // The slot is written after the defining instruction: an odd split is not possible at the
  // defining instruction itself (a definition dominates every other instruction the value
  // lives at, even one placed before it). Block params and entry live-ins are stored before the
  // block's first instruction.
  if (!(blocked & 1) || cur.stack_start) return floor_even(blocked);
  if (def_by_inst_[cur.vreg] && floor_even(def_pos_[cur.vreg]) == floor_even(blocked)) return floor_even(blocked);
  auto it = std::lower_bound(cur.uses.begin(), cur.uses.end(), blocked,
                             [](const UsePos& u, uint32_t p) { return u.pos < p; });
  for (; it != cur.uses.end() && it->pos == blocked; ++it) {
    if (it->kind != UseKind::kAny) return floor_even(blocked);
  }
  return blocked;
}

// Ends `id` at `pos` (> its start); the rest competes again, or waits in the slot when it
// starts at a late point (no move can be placed there).
void Allocator::cut_at(uint32_t id, uint32_t pos) {
  uint32_t t = split(id, pos);
  if (pos & 1) spill_tail(t);
  else push_unhandled(t);
}

void Allocator::assign_reg(uint32_t id, PReg r) {
  Interval& iv = ivs_[id];
  iv.assigned = true;
  iv.in_reg = true;
  iv.reg = r;
  last_reg_[iv.vreg] = r;
  out_.used_regs.add(r);
  activate(id);
}

void Allocator::assign_stack(uint32_t id) {
  Interval& iv = ivs_[id];
  iv.assigned = true;
  iv.in_reg = false;
  if (remat_inst_[iv.vreg] == kInf) needs_slot_[iv.vreg] = 1;
}

// `id` starts where it must leave its register: keep it in the slot until just before its next
// use that needs a register, and let the rest compete again.
void Allocator::spill_tail(uint32_t id) {
  const Interval& t = ivs_[id];
  uint32_t u = t.next_reg_use(t.start());
  if (u != kInf && floor_even(u) <= t.start()) {
    // Needs a register right where it starts (only for pieces that start after the scan
    // position, i.e. at the next range of an evicted inactive interval): compete again.
    push_unhandled(id);
    return;
  }
  if (u != kInf) {
    uint32_t rest = split(id, optimal_split_pos(t.start(), u));
    push_unhandled(rest);
  }
  assign_stack(id);
}

Expected<bool> Allocator::try_allocate_free(uint32_t id) {
  Interval& cur = ivs_[id];
  const int c = static_cast<int>(cur.cls);
  // The registers free at the start of `cur`: the allocatable ones (and its fixed start
  // register) that no active interval holds (the input it reuses, dying here, excepted).
  uint64_t avail = env_mask_[c] << (32 * c);
  if (cur.fixed_start.is_valid()) avail |= uint64_t{1} << cur.fixed_start.index();
  if (cur.tie_vreg == kNoVReg) {
    avail &= ~active_regs_;
  } else {
    for (const ActiveEntry& e : active_[c]) {
      if (!tie_exempt(cur, ivs_[e.id])) avail &= ~(uint64_t{1} << e.reg);
    }
  }
  // How long a register is free: 0 if it is not free at the start, else up to the first
  // intersection with its inactive intervals and fixed blocks. Asked at most once per register
  // (through `eff`, which memoizes, or for the fixed start register), and only for the
  // registers the choice below looks at (usually the hint or the first free one in preference
  // order). (The fixed-block cursors advance in next_fixed_intersection.)
  const uint32_t cur_end = cur.end();
  auto free_until_of = [&](PReg r) -> uint32_t {
    const uint32_t ri = r.index();
    if (!(avail >> ri & 1)) return 0;
    uint32_t fu = kInf;
    const auto& list = inactive_[ri];
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      const auto [from, a] = *it;
      if (fu <= cur.start() || from >= std::min(fu, cur_end)) break;
      fu = std::min(fu, next_intersection(ivs_[a], cur));
    }
    if (fu != 0) fu = std::min(fu, next_fixed_intersection(ri, cur));
    return fu;
  };
  // Effective availability: a register free only up to an odd position can hold the value
  // until the boundary before it (none of it if it is taken at the start: usable_until(cur, 0)
  // is 0). Memoized: the choice below asks again for registers it has looked at.
  uint32_t eff_of[64];
  uint64_t eff_known = 0;
  // (Out of line, so that the checks in front of it inline where eff is asked.)
  auto eff_first = [&](PReg r) __attribute__((noinline)) {
    const uint32_t ri = r.index();
    eff_known |= uint64_t{1} << ri;
    eff_of[ri] = usable_until(cur, free_until_of(r));
    return eff_of[ri];
  };
  auto eff = [&](PReg r) -> uint32_t {
    const uint32_t ri = r.index();
    if (!(avail >> ri & 1)) return 0;
    return eff_known >> ri & 1 ? eff_of[ri] : eff_first(r);
  };

  if (cur.fixed_start.is_valid()) {
    PReg r = cur.fixed_start;
    uint32_t fu = free_until_of(r);
    uint32_t inst = cur.start() >= 2 ? (cur.start() - 2) / 2 : 0;
    if (fu <= cur.start()) return fail_at(inst, "fixed register " + std::to_string(r.hw) + " is not available");
    uint32_t until = usable_until(cur, fu);
    if (until <= cur.start()) {
      return fail_at(inst, "value fixed to register " + std::to_string(r.hw) + " is overwritten by the same instruction");
    }
    if (until != kInf) {
      // The fixed register is lost later (a call clobbers it, another value is fixed to it):
      // if the value needs or wants a register after that in a deeper loop and another
      // register is free for its whole life, it moves there right after its definition (one
      // move) instead of being spilled there and reloaded (or read from the slot) on every
      // iteration of the loop around its later use.
      const uint32_t rest = floor_even(cur.start()) + 2;
      const uint32_t later_use = cur.next_wanted_use(until);
      bool move_over = false;
      if (rest < floor_even(until) && later_use != kInf &&
          loop_depth_[block_of_pos(later_use)] > loop_depth_[block_of_pos(cur.start())]) {
        for (PReg o : env_order_[c]) {
          if (!(o == r) && eff(o) >= cur_end) {
            move_over = true;
            break;
          }
        }
      }
      cut_at(id, move_over ? rest : until);
    }
    assign_reg(id, r);
    return true;
  }

  const uint32_t end = cur.end();
  // Hints, in order: a fixed register a use is copied into, the register of the hint vreg (the
  // reused input, the move source), of a block-param partner (the param's register at its
  // block's start, or an argument's), and of the vreg's previous piece. The first that is free
  // for the whole interval is taken. Registers in `shun` are not considered, nor (eff 0) those
  // taken at the start.
  auto choose = [&](uint64_t shun) {
    const uint64_t open = avail & ~shun;
    PReg best;
    auto try_hint = [&](PReg h) {
      if (best.is_valid() || !h.is_valid() || h.cls != cur.cls || !in_env(h) || !(open >> h.index() & 1)) return;
      if (eff(h) >= end) best = h;
    };
    PReg fixed_hint;
    for (const UsePos& u : cur.uses) {
      if (u.kind != UseKind::kReg && u.reg.is_valid() && in_env(u.reg)) {
        fixed_hint = u.reg;
        try_hint(u.reg);
        break;
      }
    }
    if (hint_vreg_[cur.vreg] != kNoVReg) try_hint(last_reg_[hint_vreg_[cur.vreg]]);
    for (uint32_t pv : partners(cur.vreg)) {
      if (best.is_valid()) break;
      try_hint(start_reg(pv));
    }
    try_hint(last_reg_[cur.vreg]);
    if (!best.is_valid()) {
      // An argument whose param's register is taken avoids the registers of the other params of
      // that block: holding one of them, it would make the edge's moves a cycle (a swap through a
      // third register) instead of a chain.
      uint64_t avoid = 0;
      for (uint32_t pv : partners(cur.vreg)) {
        const uint32_t pb = param_block_[pv];
        if (pb == kInf) continue;
        for (VReg q : f_->blocks[pb].params) {
          const PReg qr = q.index != pv && q.cls == cur.cls ? start_reg(q.index) : PReg{};
          if (qr.is_valid()) avoid |= uint64_t{1} << qr.index();
        }
      }
      for (int pass = avoid ? 0 : 1; pass < 2 && !best.is_valid(); ++pass) {
        for (PReg r : env_order_[c]) {
          if (!(open >> r.index() & 1) || (pass == 0 && (avoid >> r.index() & 1))) continue;
          if (eff(r) >= end) {
            best = r;
            break;
          }
        }
      }
      if (!best.is_valid()) {
        // Free for a part only: the register free longest; for a constant, the fixed register
        // of its first use that is copied into one among equals (it is then defined right
        // there). Only constants: for other values the tie-break cost rust-json 7% more
        // executed instructions (a value taking the fixed register of a later use, such as a
        // call's vmctx, evicts a value that then moves around a loop).
        uint32_t best_fu = 0;
        for (PReg r : env_order_[c]) {
          if ((open >> r.index() & 1) && eff(r) > best_fu) {
            best_fu = eff(r);
            best = r;
          }
        }
        if (remat_inst_[cur.vreg] != kInf && fixed_hint.is_valid() && !(shun >> fixed_hint.index() & 1) && best_fu > 0 &&
            eff(fixed_hint) == best_fu)
          best = fixed_hint;
      }
    }
    return best;
  };
  // Whether `r` can hold the interval from its start: for all of it, or for a part with a use
  // that wants a register (else the blocked path decides, which may leave it in its slot).
  auto fits = [&](PReg r) {
    if (!r.is_valid()) return false;
    const uint32_t e = eff(r);
    return e > cur.start() && (e >= end || (!cur.uses.empty() && cur.uses.front().pos < e));
  };
  // A constant (rematerialisable) takes no callee-saved register (which the client saves and
  // restores, and which values that must survive calls need more) while a caller-saved one
  // will do: it keeps that one until a call clobbers it and is re-created after the call. The
  // exceptions: a constant read next in a loop deeper than where it starts (a register held
  // across that loop saves a re-creation on every iteration), and one passed to a block param
  // (its register is the param's hint, and the param, a loop counter say, may have to survive
  // calls).
  bool shun_callee_saved = remat_inst_[cur.vreg] != kInf && partners(cur.vreg).empty();
  if (shun_callee_saved) {
    auto next = std::upper_bound(cur.uses.begin(), cur.uses.end(), cur.start(),
                                 [](uint32_t p, const UsePos& u) { return p < u.pos; });
    const uint32_t sb = block_of_pos(cur.start());
    const uint32_t start_depth = is_block_start(cur.start()) ? entry_depth(sb) : loop_depth_[sb];
    if (next != cur.uses.end() && loop_depth_[block_of_pos(next->pos)] > start_depth) shun_callee_saved = false;
  }
  PReg best = choose(shun_callee_saved ? nonpref_mask_[c] : 0);
  if (!fits(best) && shun_callee_saved) {
    // A caller-saved register is free here but lost (to a call) before the constant is read
    // in a register: it waits in its pseudo slot and is re-created before that read.
    const uint32_t u = cur.next_reg_use(cur.start());
    if (best.is_valid() && eff(best) > cur.start() && (u == kInf || floor_even(u) > cur.start())) {
      spill_tail(id);
      return true;
    }
    best = choose(0);
  }
  if (!fits(best)) return false;
  const uint32_t fu = eff(best);
  if (fu < end) cut_at(id, fu & 1 ? fu : optimal_split_pos(cur.start(), fu));
  assign_reg(id, best);
  return true;
}

Expected<void> Allocator::allocate_blocked(uint32_t id) {
  Interval& cur = ivs_[id];
  const int c = static_cast<int>(cur.cls);
  const uint32_t start = cur.start();
  const uint32_t inst = start >= 2 ? (start - 2) / 2 : 0;
  const uint32_t first_reg = cur.next_reg_use(start);
  const uint32_t first_wanted = cur.next_wanted_use(start);
  if (first_wanted == kInf) {
    assign_stack(id);
    return ok();
  }
  const uint32_t s0 = floor_even(start);
  // Per register: when its holders next need it (they must leave it by then) and next want
  // it (the ranking: the register wanted again last is taken, as in Belady's rule).
  uint32_t next_use[64], next_want[64], block_pos[64];
  // Positions only grow through a loop body: a holder used earlier in the innermost loop around
  // s0 and live around its back edge is wanted again in the next iteration, so it is ranked as
  // wanted that far past the loop's latch (as far as its first use is past the loop's start)
  // rather than at its next use after the loop. (A value only passing through the loop keeps
  // its later next use and leaves first: its split goes before the loop.)
  uint32_t loop_from = kInf, loop_end = kInf;
  if (uint32_t h = inner_loop_[block_of_pos(s0)]; h != kInf) {
    loop_from = block_start(h);
    loop_end = early_pos(f_->blocks[inner_latch_[h]].end_inst - 1);
  }
  auto note_holder = [&](const Interval& iv, uint32_t ri) {
    auto [need, u] = iv.next_needed_and_wanted(s0);
    if (loop_end != kInf && u > loop_end && loop_end > s0) {
      const uint32_t first = iv.first_use_in(loop_from, s0);
      if (first != kInf && iv.covers(loop_end)) u = std::min(u, loop_end + (first - loop_from));
    }
    next_use[ri] = std::min(next_use[ri], need);
    next_want[ri] = std::min(next_want[ri], u);
  };
  std::fill(std::begin(next_use), std::end(next_use), kInf);
  std::fill(std::begin(next_want), std::end(next_want), kInf);
  std::fill(std::begin(block_pos), std::end(block_pos), kInf);
  for (const ActiveEntry& e : active_[c]) {
    const Interval& iv = ivs_[e.id];
    if (tie_exempt(cur, iv)) continue;
    const uint32_t ri = iv.reg.index();
    // A fixed-start piece cannot be moved away from its register at its definition.
    if (iv.fixed_start.is_valid() && iv.start() >= s0) {
      next_use[ri] = std::min(next_use[ri], iv.start());
      next_want[ri] = std::min(next_want[ri], iv.start());
    } else {
      note_holder(iv, ri);
    }
  }
  for (PReg r : env_order_[c]) {
    const uint32_t ri = r.index();
    const auto& list = inactive_[ri];
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      const auto [from, a] = *it;
      if (from >= std::min(next_want[ri], cur.end())) break;
      const Interval& iv = ivs_[a];
      if (next_intersection(iv, cur) != kInf) note_holder(iv, ri);
    }
  }
  // A register is a candidate if its holders can leave it at s0 (their next use is past this
  // instruction) and it stays usable by `cur` for a while after its start.
  for (PReg r : env_order_[c]) {
    block_pos[r.index()] = usable_until(cur, next_fixed_intersection(r.index(), cur));
  }
  PReg best;
  uint32_t best_nu = 0;
  for (PReg r : env_order_[c]) {
    const uint32_t ri = r.index();
    uint32_t nu = std::min(next_want[ri], block_pos[ri]);
    if ((next_use[ri] == kInf || next_use[ri] >= s0 + 2) && block_pos[ri] > start) {
      if (!best.is_valid() || nu > best_nu) {
        best = r;
        best_nu = nu;
      }
    }
  }
  bool can_spill_cur = floor_even(first_reg) > start;
  if (!best.is_valid() || (best_nu < first_wanted && can_spill_cur)) {
    if (!can_spill_cur) return fail_at(inst, "more values need a register at once than there are registers (v" + std::to_string(cur.vreg) + ")");
    // Every register is needed sooner than this interval needs one: it waits in its slot
    // (until its next use that needs a register: a wanted one can read the slot).
    if (first_reg != kInf) push_unhandled(split(id, optimal_split_pos(start, first_reg)));
    assign_stack(id);
    return ok();
  }
  const uint32_t ri = best.index();
  if (block_pos[ri] != kInf) cut_at(id, block_pos[ri]);
  // Evict the holders of `best` that overlap the (possibly shortened) interval.
  auto& act = active_[c];
  for (size_t k = 0; k < act.size();) {
    uint32_t a = act[k].id;
    Interval& iv = ivs_[a];
    if (act[k].reg != ri || tie_exempt(ivs_[id], iv)) {
      ++k;
      continue;
    }
    deactivate(c, k);
    if (s0 <= iv.start()) {
      iv.assigned = false;
      spill_tail(a);
    } else {
      uint32_t p = evict_pos(iv, s0);
      uint32_t u = iv.next_reg_use(s0);
      if (p == s0 || (u != kInf && floor_even(u) <= s0)) {
        spill_tail(split(a, s0));
      } else {
        // In the slot from p (behind the scan position: nothing is placed there) until the
        // next use that needs a register, which competes again from past s0.
        uint32_t t = split(a, p);
        if (u != kInf) push_unhandled(split(t, optimal_split_pos(s0, u)));
        assign_stack(t);
      }
    }
  }
  evict_.clear();
  for (auto it = inactive_[ri].rbegin(); it != inactive_[ri].rend(); ++it) {
    if (it->first >= ivs_[id].end()) break;
    if (next_intersection(ivs_[it->second], ivs_[id]) != kInf) evict_.push_back(*it);
  }
  for (const auto& entry : evict_) {
    erase_inactive(ri, entry);
    uint32_t a = entry.second;
    // In a lifetime hole now: it leaves the register where its next range begins (a block
    // start, so the edge resolution moves it).
    spill_tail(split(a, entry.first));
  }
  assign_reg(id, best);
  return ok();
}

Expected<void> Allocator::allocate() {
  while (!unhandled_.empty()) {
    const uint32_t id = unhandled_.pop();
    Interval& cur = ivs_[id];
    const uint32_t pos = cur.start();
    const int c = static_cast<int>(cur.cls);
    auto& act = active_[c];
    // Inactive intervals that resume by now become active again (or wait for their next
    // range); then active ones that entered a hole become inactive.
    for (uint64_t m = inactive_mask_ & (c == 1 ? ~uint64_t{0} << 32 : 0xFFFFFFFFull); m != 0; m &= m - 1) {
      const uint32_t r = static_cast<uint32_t>(__builtin_ctzll(m));
      auto& list = inactive_[r];
      while (!list.empty() && list.back().first <= pos) {
        uint32_t a = list.back().second;
        pop_inactive(r);
        Interval& iv = ivs_[a];
        if (iv.end() <= pos) continue;
        if (iv.covers_advancing(pos)) activate(a);
        else make_inactive(a);
      }
    }
    for (size_t k = 0; k < act.size();) {
      if (pos < act[k].until) {
        ++k;
        continue;
      }
      Interval& a = ivs_[act[k].id];
      if (a.end() <= pos) {
        deactivate(c, k);
      } else if (!a.covers_advancing(pos)) {
        make_inactive(act[k].id);
        deactivate(c, k);
      } else {
        act[k].until = a.ranges[a.cursor].to;
        ++k;
      }
    }
    cur.covers_advancing(pos);
    if (cur.stack_start) {
      spill_tail(id);
      continue;
    }
    KILN_ASSIGN_OR_RETURN(bool done, try_allocate_free(id));
    if (!done) KILN_TRY(allocate_blocked(id));
  }
  return ok();
}

// Slots are shared between vregs whose lifetimes (definition to last use, extended to the
// jumps that store block params) do not overlap: greedy interval colouring per class.
void Allocator::assign_slots() {
  slot_of_.assign(nv_, kInf);
  using Item = SlotItem;
  std::vector<Item> (&items)[kNumClasses] = slot_items_;
  for (auto& it : items) it.clear();
  for (uint32_t v = 0; v < nv_; ++v) {
    if (!needs_slot_[v] || ivs_[v].ranges.empty()) continue;
    uint32_t start = ivs_[v].start();
    uint32_t end = start + 1;
    for (uint32_t ch : children(v)) end = std::max(end, ivs_[ch].end());
    if (slot_hull_start_[v] < start) start = slot_hull_start_[v];
    if (slot_hull_end_[v] != kInf && slot_hull_end_[v] > end) end = slot_hull_end_[v];
    items[static_cast<int>(vclass_[v])].push_back({start, end, v});
  }
  for (int c = 0; c < kNumClasses; ++c) {
    auto& it = items[c];
    std::sort(it.begin(), it.end(), [](const Item& a, const Item& b) { return a.start < b.start; });
    using Busy = std::pair<uint32_t, uint32_t>;  // (end, slot)
    // A min-heap on (end, slot), kept across functions.
    std::vector<Busy>& busy = tmp_pairs_[0];
    busy.clear();
    const std::greater<Busy> later;
    std::vector<uint32_t>& free_slots = tmp_u32_[0];
    free_slots.clear();
    for (const Item& x : it) {
      while (!busy.empty() && busy.front().first <= x.start) {
        free_slots.push_back(busy.front().second);
        std::pop_heap(busy.begin(), busy.end(), later);
        busy.pop_back();
      }
      uint32_t s;
      if (!free_slots.empty()) {
        s = free_slots.back();
        free_slots.pop_back();
      } else {
        s = out_.num_spill_slots++;
        out_.slot_is_vector.push_back(c == static_cast<int>(RegClass::kFloat) ? 1 : 0);
      }
      slot_of_[x.vreg] = s;
      busy.push_back({x.end, s});
      std::push_heap(busy.begin(), busy.end(), later);
    }
  }
}

uint32_t Allocator::scratch_slot(RegClass cls, int which) {
  uint32_t& s = scratch_[static_cast<int>(cls)][which];
  if (s == kInf) {
    s = out_.num_spill_slots++;
    out_.slot_is_vector.push_back(cls == RegClass::kFloat ? 1 : 0);
  }
  return s;
}

// loc_at for a walk whose positions do not decrease per vreg (the operands in instruction
// order): the vreg's piece cursor and the piece's range cursor only move forward, so a query
// costs O(1) amortized instead of two binary searches. An earlier position falls back to loc_at.
Allocation Allocator::loc_fwd(uint32_t v, uint32_t pos) {
  auto ch = children(v);
  if (ch.empty()) return {};
  uint32_t& k = piece_cursor_[v];
  if (k > 0 && pos < ivs_[ch[k]].start()) return loc_at(v, pos);  // an earlier position
  while (k + 1 < ch.size() && ivs_[ch[k + 1]].start() <= pos) ++k;
  Interval& iv = ivs_[ch[k]];
  if (pos < iv.start()) return {};
  // Ranges before the cursor end at or before the positions queried so far.
  bool covered = iv.cursor > 0 && iv.ranges[iv.cursor - 1].to > pos ? iv.covers(pos) : iv.covers_advancing(pos);
  if (!covered) return {};
  return iv.in_reg ? Allocation::in_reg(iv.reg) : slot_alloc(v);
}

Allocation Allocator::loc_at(uint32_t v, uint32_t pos) const {
  auto ch = children(v);
  if (ch.empty()) return {};
  // Most vregs are never split: one piece, no search among the pieces.
  uint32_t id = ch[0];
  if (ch.size() > 1) {
    auto it = std::upper_bound(ch.begin(), ch.end(), pos, [&](uint32_t p, uint32_t c) { return p < ivs_[c].start(); });
    if (it == ch.begin()) return {};
    id = *(it - 1);
  }
  const Interval& iv = ivs_[id];
  if (!iv.covers(pos)) return {};
  return iv.in_reg ? Allocation::in_reg(iv.reg) : slot_alloc(v);
}

void Allocator::add_edit(uint32_t inst, bool after, uint8_t prio, const Move& m, RegClass cls) {
  Edit e;
  e.point = {inst, after};
  e.from = m.from;
  e.to = m.to;
  e.cls = cls;
  if (is_remat_loc(m.to)) remat_broken_ = true;  // nothing moves into a pseudo slot
  if (is_remat_loc(m.from)) {
    // A move out of a rematerialisable value's pseudo slot re-creates the constant. A copy
    // into a slot (a block param living in its slot) was split by the move sequencing into a
    // move into a register and a store, so the destination here is a register.
    if (m.to.kind != Allocation::Kind::kReg) remat_broken_ = true;
    e.from = Allocation{};
    e.remat_inst = remat_inst_[m.from.slot & ~kRematLoc];
  }
  edits_.push_back({inst, static_cast<uint8_t>(after), prio, static_cast<uint32_t>(edits_.size()), e});
}

void Allocator::add_parallel(uint32_t inst, uint8_t prio, std::vector<Move> (&moves)[kNumClasses],
                             const uint64_t (&occupied)[kNumClasses]) {
  for (int c = 0; c < kNumClasses; ++c) {
    if (moves[c].empty()) continue;
    RegClass cls = static_cast<RegClass>(c);
    if (moves[c].size() == 1 && (moves[c][0].from.kind != Allocation::Kind::kStack ||
                                 moves[c][0].to.kind != Allocation::Kind::kStack)) {
      // The usual case: one move, not slot-to-slot, needs no sequencing and no free register.
      if (!(moves[c][0].from == moves[c][0].to)) add_edit(inst, false, prio, moves[c][0], cls);
      moves[c].clear();
      continue;
    }
    PReg free_reg, any_reg;
    for (PReg r : env_order_[c]) {
      if (!any_reg.is_valid()) any_reg = r;
      if (!(occupied[c] >> r.hw & 1) && !free_reg.is_valid()) free_reg = r;
    }
    if (!free_reg.is_valid()) free_reg = env_->scratch[c];  // invalid if the client has none
    if (!any_reg.is_valid()) {
      for (const Move& m : moves[c]) {
        if (m.from.kind == Allocation::Kind::kReg) any_reg = m.from.reg;
        if (m.to.kind == Allocation::Kind::kReg) any_reg = m.to.reg;
      }
    }
    seq_.clear();
    sequence_moves(moves[c], free_reg, any_reg, [&](int which) { return scratch_slot(cls, which); }, pending_, seq_);
    for (const Move& m : seq_) add_edit(inst, false, prio, m, cls);
    moves[c].clear();
  }
}

void Allocator::build_children() {
  const uint32_t n = static_cast<uint32_t>(ivs_.size());
  child_begin_.assign(nv_ + 1, 0);
  for (uint32_t id = 0; id < n; ++id) {
    if (!ivs_[id].ranges.empty()) ++child_begin_[ivs_[id].vreg + 1];
  }
  for (uint32_t v = 0; v < nv_; ++v) child_begin_[v + 1] += child_begin_[v];
  child_ids_.resize(child_begin_[nv_]);
  std::vector<uint32_t>& fill = tmp_u32_[0];
  fill.assign(child_begin_.begin(), child_begin_.end() - 1);
  for (uint32_t id = 0; id < n; ++id) {
    if (!ivs_[id].ranges.empty()) child_ids_[fill[ivs_[id].vreg]++] = id;
  }
  // Few pieces per vreg, mostly created in order: insertion sort.
  for (uint32_t v = 0; v < nv_; ++v) {
    uint32_t* ch = child_ids_.data() + child_begin_[v];
    uint32_t cnt = child_begin_[v + 1] - child_begin_[v];
    for (uint32_t k = 1; k < cnt; ++k) {
      uint32_t id = ch[k], st = ivs_[id].start(), j = k;
      for (; j > 0 && ivs_[ch[j - 1]].start() > st; --j) ch[j] = ch[j - 1];
      ch[j] = id;
    }
  }
}

// A value that lives in its slot somewhere has the slot written once, right after its
// definition (resolve, steps 3 and 4). For a value defined inside a loop that the loop itself
// never reads from the slot (every piece in the slot lies outside the loop's blocks, and no
// operand names the slot), that store would run on every iteration. Instead it is made on
// the edges that leave the loop with the value live (where it is still in its register), at
// most kMaxExitStores of them. This is exact: a read of the slot lies outside the loop, so
// every path to it from a definition leaves the loop after that definition, through one of
// those edges. The loop is the innermost one of compute_loop_depth (a range of blocks in
// layout order); any range of whole blocks would do for correctness.
void Allocator::compute_sunk_stores() {
  constexpr uint32_t kMaxExitStores = 4;
  const uint32_t nb = static_cast<uint32_t>(f_->blocks.size());
  sunk_.assign(nv_, 0);
  exit_stores_.clear();
  // (source block, succ, vreg), gathered by vreg and then grouped by source block.
  std::vector<std::pair<uint32_t, ExitStore>>& found = sunk_found_;
  found.clear();
  for (uint32_t v = 0; v < nv_; ++v) {
    if (!needs_slot_[v] || slot_operand_[v] || ivs_[v].ranges.empty()) continue;
    const uint32_t h = inner_loop_[block_of_pos(def_pos_[v])];
    if (h == kInf) continue;
    const uint32_t latch = inner_latch_[h];
    const uint32_t lo = block_start(h), hi = block_end(latch);
    bool in_loop = false;
    for (uint32_t ch : children(v)) {
      const Interval& iv = ivs_[ch];
      if (iv.in_reg) continue;
      for (const Range& r : iv.ranges) in_loop |= r.from < hi && r.to > lo;
    }
    if (in_loop) continue;
    const size_t first = found.size();
    bool too_many = false;
    for (uint32_t p = h; p <= latch && !too_many; ++p) {
      for (uint32_t succ : f_->blocks[p].succs) {
        if (succ >= h && succ <= latch) continue;
        auto in = live_in(succ);
        if (!std::binary_search(in.begin(), in.end(), v)) continue;
        if (found.size() - first == kMaxExitStores) {
          too_many = true;
          break;
        }
        found.push_back({p, {succ, v}});
      }
    }
    if (too_many) {
      found.resize(first);
      continue;
    }
    sunk_[v] = 1;
    ++out_.stats.sunk_stores;
  }
  exit_store_begin_.assign(nb + 1, 0);
  for (const auto& e : found) ++exit_store_begin_[e.first + 1];
  for (uint32_t b = 0; b < nb; ++b) exit_store_begin_[b + 1] += exit_store_begin_[b];
  exit_stores_.resize(found.size());
  std::vector<uint32_t>& fill = tmp_u32_[0];
  fill.assign(exit_store_begin_.begin(), exit_store_begin_.end() - 1);
  for (const auto& e : found) exit_stores_[fill[e.first]++] = e.second;
}

Expected<void> Allocator::resolve() {
  const uint32_t nb = static_cast<uint32_t>(f_->blocks.size());
  build_children();
  for (uint32_t id = 0; id < ivs_.size(); ++id) {
    if (!ivs_[id].ranges.empty() && !ivs_[id].assigned) return fail("internal error: unassigned interval");
  }
  // A constant read by a kAny operand (a call's stack argument) where it is not in a register
  // is read from memory: it gets a real slot, stored at its definition, and is reloaded rather
  // than rematerialised. (Requiring a register there instead could ask for more registers at
  // one instruction than there are.)
  if (any_remat_) {
    for (uint32_t i = 0; i < f_->insts.size(); ++i) {
      for (const Operand& op : f_->inst_operands(i)) {
        const uint32_t v = op.vreg.index;
        if (op.kind != OperandKind::kUse || op.constraint != Constraint::kAny || remat_inst_[v] == kInf) continue;
        if (loc_at(v, op.pos == OperandPos::kLate ? late_pos(i) : early_pos(i)).kind != Allocation::Kind::kReg) {
          remat_inst_[v] = kInf;
          needs_slot_[v] = 1;
        }
      }
    }
  }
  // A block param's slot is written by the edge moves while the arguments are still being
  // read (before the predecessor's branch, or at the block's start), so it is reserved from the
  // predecessors' branches on.
  slot_hull_start_.assign(nv_, kInf);
  slot_hull_end_.assign(nv_, kInf);
  for (uint32_t b = 0; b < nb; ++b) {
    for (uint32_t p : preds(b)) {
      uint32_t jump = early_pos(f_->blocks[p].end_inst - 1);
      for (VReg v : f_->blocks[b].params) {
        slot_hull_start_[v.index] = std::min(slot_hull_start_[v.index], jump);
        uint32_t& e = slot_hull_end_[v.index];
        e = e == kInf ? jump + 2 : std::max(e, jump + 2);
      }
    }
  }
  assign_slots();
  compute_sunk_stores();

  // 1. Moves between pieces of split intervals inside blocks (block starts are left to the
  // edge resolution below).
  {
    std::vector<SplitMove>& at = rs_.at;
    at.clear();
    for (uint32_t v = 0; v < nv_; ++v) {
      auto ch = children(v);
      for (size_t k = 1; k < ch.size(); ++k) {
        const Interval& prev = ivs_[ch[k - 1]];
        const Interval& next = ivs_[ch[k]];
        uint32_t s = next.start();
        if (is_block_start(s) || prev.end() != s) continue;
        if (!next.in_reg) continue;  // the slot already holds the value (stored at definition)
        Allocation from = prev.in_reg ? Allocation::in_reg(prev.reg) : slot_alloc(v);
        Allocation to = Allocation::in_reg(next.reg);
        if (!(from == to)) at.push_back({s, vclass_[v], {from, to}});
      }
    }
    std::stable_sort(at.begin(), at.end(), [](const SplitMove& a, const SplitMove& b) { return a.pos < b.pos; });
    std::vector<Move> (&moves)[kNumClasses] = rs_.moves;  // emptied by add_parallel
    const uint64_t none[kNumClasses] = {~uint64_t{0}, ~uint64_t{0}};  // no known free register
    for (size_t k = 0; k < at.size();) {
      size_t e = k;
      while (e < at.size() && at[e].pos == at[k].pos) {
        moves[static_cast<int>(at[e].cls)].push_back(at[e].m);
        ++e;
      }
      add_parallel((at[k].pos - 2) / 2, kPrioSplit, moves, none);
      k = e;
    }
  }

  // 2. Edge moves: live-through values whose location changes across the edge, and block
  // params receiving their arguments. A vreg never split has one location on both sides of
  // every edge (liveness made its interval cover both): nothing to move, it only occupies its
  // register. That part depends on the successor alone, so it is computed once per block: the
  // registers of the unsplit live-ins, and the list of split ones with their locations at its
  // start. The split ones' locations at the ends of the predecessors are asked by the edges.
  // Both are found by forward walks per vreg over its ranges, the blocks visited in layout
  // order, instead of a search per edge.
  // An edge from a block to the next one in layout (its end and the successor's start are
  // adjacent positions) moves nothing unless a piece of some vreg starts at the successor's
  // start or the successor has params: a vreg is then in one piece on both sides. Only the
  // other edges are resolved, and only their successors get the lists below.
  std::vector<uint8_t>& piece_starts = tmp_u8_[0];
  piece_starts.assign(nb, 0);
  for (uint32_t v = 0; v < nv_; ++v) {
    auto ch = children(v);
    for (size_t k = 1; k < ch.size(); ++k) {
      const uint32_t st = ivs_[ch[k]].start();
      if (is_block_start(st)) piece_starts[block_of_pos(st)] = 1;
    }
  }
  auto edge_moves_nothing = [&](uint32_t p, uint32_t s) {
    return late_pos(f_->blocks[p].end_inst - 1) + 1 == block_start(s) && !piece_starts[s] && f_->blocks[s].params.empty();
  };
  std::vector<uint8_t>& resolve_in = tmp_u8_[1];
  resolve_in.assign(nb, 0);
  for (uint32_t p = 0; p < nb; ++p) {
    for (uint32_t s : f_->blocks[p].succs) {
      if (!edge_moves_nothing(p, s)) resolve_in[s] = 1;
    }
  }
  // Per vreg: 0 split (or without pieces), 1 unsplit in its slot, 2 unsplit in a register.
  // The split ones' ranges in order with their locations, one segment of `segs` per vreg, which
  // two cursors per vreg walk forward: one for the blocks' starts, visited in layout order
  // below, and one for their ends, visited in layout order by the edge loop.
  std::vector<uint8_t>& single = rs_.single;
  std::vector<PReg>& single_reg = tmp_pregs_;
  std::vector<LocatedRange>& segs = rs_.segs;
  std::vector<uint32_t>& start_cursor = tmp_u32_[1];
  std::vector<uint32_t>& end_cursor = tmp_u32_[2];
  std::vector<uint32_t>& seg_end = tmp_u32_[3];
  single.assign(nv_, 0);
  single_reg.assign(nv_, PReg{});
  start_cursor.resize(nv_);
  seg_end.resize(nv_);
  segs.clear();
  for (uint32_t v = 0; v < nv_; ++v) {
    start_cursor[v] = static_cast<uint32_t>(segs.size());
    auto ch = children(v);
    if (ch.size() == 1) {
      const Interval& iv = ivs_[ch[0]];
      single[v] = iv.in_reg ? 2 : 1;
      single_reg[v] = iv.reg;
    } else {
      for (uint32_t id : ch) {
        const Interval& iv = ivs_[id];
        const Allocation a = iv.in_reg ? Allocation::in_reg(iv.reg) : slot_alloc(v);
        for (const Range& r : iv.ranges) segs.push_back({r.from, r.to, a});
      }
    }
    seg_end[v] = static_cast<uint32_t>(segs.size());
  }
  end_cursor.assign(start_cursor.begin(), start_cursor.end());
  // The location of split vreg v at `pos` (not below the positions asked before with `cursor`).
  auto loc_of_split = [&](std::vector<uint32_t>& cursor, uint32_t v, uint32_t pos) {
    uint32_t& k = cursor[v];
    const uint32_t e = seg_end[v];
    while (k < e && segs[k].to <= pos) ++k;
    return k < e && segs[k].from <= pos ? segs[k].loc : Allocation{};
  };
  // Per block with an edge to resolve into it: the registers of its unsplit live-ins, and its
  // split live-ins (ascending) with their locations at its start.
  std::vector<uint64_t>& unsplit_occupied = rs_.unsplit_occupied;
  unsplit_occupied.assign(size_t{nb} * kNumClasses, 0);
  std::vector<uint32_t>& split_in_begin = rs_.split_in_begin;
  std::vector<LocatedVReg>& split_in = rs_.split_in;
  split_in_begin.assign(nb + 1, 0);
  split_in.clear();
  for (uint32_t b = 0; b < nb; ++b) {
    if (resolve_in[b]) {
      uint64_t* occ = &unsplit_occupied[size_t{b} * kNumClasses];
      const uint32_t start = block_start(b);
      for (uint32_t v : live_in(b)) {
        if (single[v] == 2) {
          occ[static_cast<int>(single_reg[v].cls)] |= uint64_t{1} << single_reg[v].hw;
        } else if (single[v] == 0) {
          split_in.push_back({v, loc_of_split(start_cursor, v, start)});
        }
      }
    }
    split_in_begin[b + 1] = static_cast<uint32_t>(split_in.size());
  }
  std::vector<Move> (&moves)[kNumClasses] = rs_.moves;  // emptied by add_parallel
  for (uint32_t p = 0; p < nb; ++p) {
    const auto& pb = f_->blocks[p];
    const auto& term = f_->insts[pb.end_inst - 1];
    uint32_t pend = late_pos(pb.end_inst - 1);
    uint32_t arg = term.first_branch_arg;
    for (uint32_t s : pb.succs) {
      // Stores sunk out of a loop onto this edge: from the value's register at the end of p.
      // They join the edge's parallel moves, which read every source before writing.
      bool exit_stores = false;
      for (uint32_t k = exit_store_begin_[p]; k < exit_store_begin_[p + 1]; ++k) {
        const ExitStore& x = exit_stores_[k];
        if (x.succ != s) continue;
        Allocation from = loc_at(x.vreg, pend);
        if (from.kind != Allocation::Kind::kReg)
          return fail("internal error: v" + std::to_string(x.vreg) + " not in a register on loop exit " + std::to_string(p) + "->" + std::to_string(s));
        moves[static_cast<int>(vclass_[x.vreg])].push_back({from, slot_alloc(x.vreg)});
        exit_stores = true;
      }
      if (edge_moves_nothing(p, s)) {  // no params: no branch arguments to skip
        if (exit_stores) {
          // Nothing else moves on this edge, so the stores need no scratch register.
          const uint64_t none[kNumClasses] = {~uint64_t{0}, ~uint64_t{0}};
          if (pb.succs.size() == 1) {
            add_parallel(pb.end_inst - 1, kPrioEdgeAtPred, moves, none);
          } else {
            add_parallel(f_->blocks[s].first_inst, kPrioEdgeAtSucc, moves, none);
          }
        }
        continue;
      }
      const auto& sb = f_->blocks[s];
      uint32_t sstart = block_start(s);
      uint64_t occupied[kNumClasses] = {unsplit_occupied[size_t{s} * kNumClasses],
                                        unsplit_occupied[size_t{s} * kNumClasses + 1]};
      auto occupy = [&](const Allocation& a) {
        if (a.kind == Allocation::Kind::kReg) occupied[static_cast<int>(a.reg.cls)] |= uint64_t{1} << a.reg.hw;
      };
      // Every vreg live into `s` is live out of `p`.
      for (uint32_t k = split_in_begin[s]; k < split_in_begin[s + 1]; ++k) {
        const uint32_t v = split_in[k].vreg;
        Allocation from = loc_of_split(end_cursor, v, pend), to = split_in[k].loc;
        if (from.kind == Allocation::Kind::kNone || to.kind == Allocation::Kind::kNone)
          return fail("internal error: v" + std::to_string(v) + " has no location on edge " + std::to_string(p) + "->" + std::to_string(s));
        occupy(from);
        occupy(to);
        if (!(from == to) && to.kind == Allocation::Kind::kReg) moves[static_cast<int>(vclass_[v])].push_back({from, to});
      }
      for (VReg pv : sb.params) {
        uint32_t a = f_->branch_args[arg++].index;
        Allocation from = loc_at(a, pend);
        if (from.kind == Allocation::Kind::kNone) return fail("internal error: branch argument without location");
        occupy(from);
        const Interval& pi = ivs_[pv.index];
        if (pi.ranges.empty() || (pi.end() == sstart + 1 && pi.uses.empty() && !needs_slot_[pv.index])) continue;  // dead
        Allocation to = loc_at(pv.index, sstart);
        occupy(to);
        if (!(from == to)) moves[static_cast<int>(pv.cls)].push_back({from, to});
      }
      if (pb.succs.size() == 1) {
        add_parallel(pb.end_inst - 1, kPrioEdgeAtPred, moves, occupied);
      } else {
        add_parallel(sb.first_inst, kPrioEdgeAtSucc, moves, occupied);
      }
    }
  }

  // 3. Stores right after definitions of values that live in their slot somewhere.
  auto def_store = [&](uint32_t v, uint32_t inst, bool after, uint8_t prio) {
    if (!needs_slot_[v] || sunk_[v] || ivs_[v].ranges.empty()) return;
    Allocation at_def = loc_at(v, def_pos_[v]);
    if (at_def.kind != Allocation::Kind::kReg) return;
    add_edit(inst, after, prio, {at_def, slot_alloc(v)}, vclass_[v]);
  };
  for (const auto& [v, r] : f_->entry_live_ins) def_store(v.index, 0, false, kPrioDefStore);
  for (uint32_t b = 0; b < nb; ++b) {
    for (VReg p : f_->blocks[b].params) def_store(p.index, f_->blocks[b].first_inst, false, kPrioDefStore);
  }

  // 4. Operand allocations, copies into fixed-use and reused-input registers, def stores. The
  // instructions are visited in order, so each vreg is queried at non-decreasing positions
  // (loc_fwd), and the edits come out sorted: copies before the instruction, then the stores
  // after it (collected in `stores`).
  const size_t unsorted_edits = edits_.size();
  for (size_t id = 0; id < ivs_.size(); ++id) ivs_[id].cursor = 0;
  piece_cursor_.assign(nv_, 0);
  out_.allocs.assign(f_->operands.size(), Allocation{});
  std::vector<Move> (&copies)[kNumClasses] = rs_.moves;  // emptied by add_parallel above
  // Vregs defined here whose slot is written after the instruction.
  std::vector<uint32_t>& stores = tmp_u32_[0];
  for (uint32_t i = 0; i < f_->insts.size(); ++i) {
    const auto& in = f_->insts[i];
    auto ops = f_->inst_operands(i);
    copies[0].clear();
    copies[1].clear();
    stores.clear();
    auto copy_into = [&](uint32_t v, PReg r) {
      Allocation from = loc_fwd(v, early_pos(i));
      Allocation to = Allocation::in_reg(r);
      if (from == to) return;
      for (const Move& m : copies[static_cast<int>(r.cls)]) {
        if (m.to == to) return;
      }
      copies[static_cast<int>(r.cls)].push_back({from, to});
    };
    for (uint32_t k = 0; k < ops.size(); ++k) {
      const Operand& op = ops[k];
      uint32_t v = op.vreg.index;
      Allocation& a = out_.allocs[in.first_operand + k];
      if (op.kind == OperandKind::kDef) {
        bool early = op.pos == OperandPos::kEarly || op.constraint == Constraint::kReuse;
        uint32_t pos = early ? early_pos(i) : late_pos(i);
        a = op.constraint == Constraint::kStack ? slot_alloc(v) : loc_fwd(v, pos);
        if (op.constraint == Constraint::kReuse) {
          if (a.kind != Allocation::Kind::kReg) return fail_at(i, "internal error: reuse def not in a register");
          out_.allocs[in.first_operand + op.reuse_input] = a;
          copy_into(ops[op.reuse_input].vreg.index, a.reg);
        }
        if (needs_slot_[v] && !sunk_[v] && !ivs_[v].ranges.empty()) stores.push_back(v);
        continue;
      }
      if (reused_input_[in.first_operand + k]) continue;  // set with its def
      switch (op.constraint) {
        case Constraint::kFixedReg:
          a = Allocation::in_reg(op.fixed);
          copy_into(v, op.fixed);
          break;
        case Constraint::kStack:
          a = slot_alloc(v);
          break;
        default:
          a = loc_fwd(v, op.pos == OperandPos::kLate ? late_pos(i) : early_pos(i));
          break;
      }
    }
    for (uint32_t k = 0; k < ops.size(); ++k) {
      const Allocation& a = out_.allocs[in.first_operand + k];
      if (a.kind == Allocation::Kind::kNone || is_remat_loc(a)) return fail_at(i, "internal error: operand without location");
      if (a.kind == Allocation::Kind::kReg) out_.used_regs.add(a.reg);
    }
    for (int c = 0; c < kNumClasses; ++c) {
      for (const Move& m : copies[c]) add_edit(i, false, kPrioOperandCopy, m, static_cast<RegClass>(c));
    }
    for (uint32_t v : stores) {
      Allocation at_def = loc_fwd(v, def_pos_[v]);
      if (at_def.kind == Allocation::Kind::kReg) add_edit(i, true, 0, {at_def, slot_alloc(v)}, vclass_[v]);
    }
    if (in.is_move && ops.size() == 2 && ops[0].kind != ops[1].kind &&
        out_.allocs[in.first_operand] == out_.allocs[in.first_operand + 1]) {
      out_.noop_moves.push_back(i);
    }
  }

  auto edit_before = [](const PendingEdit& a, const PendingEdit& b) {
    if (a.inst != b.inst) return a.inst < b.inst;
    if (a.after != b.after) return a.after < b.after;
    if (a.prio != b.prio) return a.prio < b.prio;
    return a.seq < b.seq;
  };
  const auto mid = edits_.begin() + static_cast<ptrdiff_t>(unsorted_edits);
  std::sort(edits_.begin(), mid, edit_before);
  std::inplace_merge(edits_.begin(), mid, edits_.end(), edit_before);
  if (remat_broken_) return fail("internal error: a move into a rematerialised value's location");
  out_.edits.reserve(edits_.size());
  for (const PendingEdit& e : edits_) {
    const Edit& ed = e.edit;
    if (ed.to.kind == Allocation::Kind::kReg) out_.used_regs.add(ed.to.reg);
    if (ed.is_remat()) ++out_.stats.remats;
    else if (ed.from.kind == Allocation::Kind::kReg && ed.to.kind == Allocation::Kind::kReg) ++out_.stats.moves;
    else if (ed.to.kind == Allocation::Kind::kStack) ++out_.stats.spills;
    else ++out_.stats.reloads;
    out_.edits.push_back(ed);
  }
  return ok();
}

void Allocator::reset(const Function& f, const MachineEnv& env) {
  f_ = &f;
  env_ = &env;
  nv_ = 0;
  // Arrays filled with assign() or resize() by the passes need no clearing; the rest:
  for (int c = 0; c < kNumClasses; ++c) {
    env_order_[c].clear();
    env_mask_[c] = 0;
    nonpref_mask_[c] = 0;
    active_[c].clear();
    rs_.moves[c].clear();  // left filled by an error return
    scratch_[c][0] = scratch_[c][1] = kInf;
  }
  ivs_.clear();
  range_store_.clear();
  range_chunk_used_ = 0;
  chunk_next_ = nullptr;
  chunk_left_ = 0;
  use_store_.clear();
  active_regs_ = 0;
  for (uint32_t r = 0; r < 64; ++r) {
    active_count_[r] = 0;
    fixed_[r].clear();
    fixed_cursor_[r] = 0;
    inactive_[r].clear();
  }
  inactive_mask_ = 0;
  unhandled_.clear();
  out_ = Output{};
  edits_.clear();
  remat_broken_ = false;
}

Expected<Output> Allocator::run(bool full_validation) {
  KILN_TRY(validate(full_validation));
  KILN_TRY(compute_liveness());
  compute_loop_depth();
  KILN_TRY(build_intervals());
  KILN_TRY(build_fixed_blocks());
  KILN_TRY(allocate());
  KILN_TRY(resolve());
  return std::move(out_);
}

}  // namespace

Expected<Output> run(const Function& func, const MachineEnv& env, const Options& options) {
  // Reused by every function this thread allocates (run() does not re-enter itself).
  thread_local Allocator alloc;
  alloc.reset(func, env);
  KILN_ASSIGN_OR_RETURN(Output out, alloc.run(options.validate_input || options.run_checker));
  if (options.run_checker) KILN_TRY(check(func, env, out));
  return out;
}

}  // namespace kiln::codegen::regalloc
