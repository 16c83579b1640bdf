// tests/unit/x64/relax_test.cc: branch relaxation in the assembler adapter (Assembler::reset(true)
// and finish()). Random programs of raw bytes, labels, forward and backward jumps, code
// alignment, rip-relative constant operands and a jump table are assembled once with
// relaxation and checked two ways:
//  - against the two-pass scheme it replaces (emit with rel32 forward branches, pick rel8 for
//    those whose distance + 4 + 15 per code alignment in between is at most 127, emit again
//    with those short forms requested): the bytes, every label's offset and the mapping of
//    recorded offsets must be the same;
//  - by walking the output item by item: raw bytes copied, every branch lands on its label,
//    a backward branch is rel8 exactly when it fits, padding reaches the alignment, rip
//    displacements reach their constant, table entries are label deltas.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "codegen/isa/x64/asm_adapter.h"

namespace kiln::codegen::x64 {
namespace {

struct Item {
  enum Kind : uint8_t { kFill, kBind, kJmp, kJcc, kAlign, kRipCmp, kRipLea, kMark } kind;
  uint32_t a = 0;  // kFill: byte count; kBind/kJmp/kJcc: label; kRip*: constant
  uint8_t cond = 0;
  int32_t disp = 0;  // kRip*
};

struct Program {
  std::vector<Item> items;
  uint32_t labels = 0;
  uint32_t consts = 0;
  std::vector<uint32_t> table;  // labels
};

constexpr uint8_t kFillByte(size_t item, uint32_t k) { return static_cast<uint8_t>(item * 37 + k * 11 + 1); }

// What one assembly of a program gives.
struct Assembled {
  std::vector<uint8_t> code;
  std::vector<uint32_t> label_offsets;  // program labels
  std::vector<uint32_t> const_offsets;
  uint32_t table_offset = 0;
  std::vector<uint32_t> marks;  // offsets recorded at kMark, mapped with final_offset
  // Two-pass reference, first pass: forward branches (in emission order) with the offset
  // where each ends; where code alignments end.
  std::vector<std::pair<uint32_t, uint32_t>> fwd;  // (end, label)
  std::vector<uint32_t> align_ends;
  std::string error;
};

// Assembles `p`. `short_fwd`: the reference's second pass, rel8 for the n-th forward branch
// when short_fwd[n].
Assembled assemble(const Program& p, bool relax, const std::vector<bool>* short_fwd = nullptr) {
  Assembler as;
  as.reset(relax);
  Assembled out;
  std::vector<uint32_t> labels(p.labels), consts(p.consts);
  for (auto& l : labels) l = as.new_label();
  for (auto& c : consts) c = as.new_label();
  uint32_t table = as.new_label();
  std::vector<uint32_t> marks;
  size_t nfwd = 0;
  for (size_t i = 0; i < p.items.size(); ++i) {
    const Item& it = p.items[i];
    switch (it.kind) {
      case Item::kFill: {
        std::vector<uint8_t> b(it.a);
        for (uint32_t k = 0; k < it.a; ++k) b[k] = kFillByte(i, k);
        as.embed(b.data(), b.size());
        break;
      }
      case Item::kBind: as.bind(labels[it.a]); break;
      case Item::kJmp:
      case Item::kJcc: {
        bool fwd = !as.is_bound(labels[it.a]);
        bool s = fwd && short_fwd && (*short_fwd)[nfwd];
        if (it.kind == Item::kJmp) as.jmp(labels[it.a], s);
        else as.jcc(static_cast<Cond>(it.cond), labels[it.a], s);
        if (fwd) {
          out.fwd.push_back({as.offset(), it.a});
          ++nfwd;
        }
        break;
      }
      case Item::kAlign:
        as.align_code(16);
        out.align_ends.push_back(as.offset());
        break;
      case Item::kRipCmp:
        as.emit(Mn::kCmp, Opnd::rip(4, consts[it.a], it.disp), Opnd::imm_(5));
        break;
      case Item::kRipLea:
        as.emit(Mn::kLea, Opnd::gp(0, 8), Opnd::rip(0, consts[it.a], it.disp));
        break;
      case Item::kMark: {
        marks.push_back(as.offset());
        uint8_t b[3] = {0xAA, 0xBB, static_cast<uint8_t>(i)};
        as.embed(b, 3);
        break;
      }
    }
  }
  as.align(16);
  for (uint32_t c = 0; c < p.consts; ++c) {
    as.bind(consts[c]);
    uint8_t b[16];
    for (int k = 0; k < 16; ++k) b[k] = static_cast<uint8_t>(c * 16 + k);
    as.embed(b, 16);
  }
  as.align(4);
  as.bind(table);
  for (uint32_t l : p.table) as.embed_label_delta(labels[l], table);
  auto code = as.finish();
  if (!code.ok()) {
    out.error = code.error().to_string();
    return out;
  }
  out.code = std::move(*code);
  for (uint32_t l : labels) out.label_offsets.push_back(as.label_offset(l));
  for (uint32_t c : consts) out.const_offsets.push_back(as.label_offset(c));
  out.table_offset = as.label_offset(table);
  for (uint32_t m : marks) out.marks.push_back(as.final_offset(m));
  return out;
}

// The scheme relaxation replaces: two emissions.
Assembled two_pass(const Program& p) {
  Assembled first = assemble(p, false);
  if (!first.error.empty()) return first;
  std::vector<bool> short_fwd;
  for (auto [end, label] : first.fwd) {
    uint32_t target = first.label_offsets[label];
    auto lo = std::lower_bound(first.align_ends.begin(), first.align_ends.end(), end);
    auto hi = std::upper_bound(first.align_ends.begin(), first.align_ends.end(), target);
    int64_t dist = int64_t{target} - end;
    short_fwd.push_back(dist >= 0 && dist + 4 + 15 * (hi - lo) <= 127);
  }
  return assemble(p, false, &short_fwd);
}

int32_t rd32(const std::vector<uint8_t>& c, size_t at) {
  int32_t v;
  std::memcpy(&v, c.data() + at, 4);
  return v;
}

// Walks the relaxed output along the program; returns the first problem found.
std::string walk(const Program& p, const Assembled& a) {
  const std::vector<uint8_t>& c = a.code;
  size_t pos = 0, mark = 0;
  std::vector<bool> bound(p.labels, false);
  auto need = [&](size_t n) { return pos + n <= c.size(); };
  for (size_t i = 0; i < p.items.size(); ++i) {
    const Item& it = p.items[i];
    std::string where = "item " + std::to_string(i) + " at " + std::to_string(pos) + ": ";
    switch (it.kind) {
      case Item::kFill:
        if (!need(it.a)) return where + "code ends";
        for (uint32_t k = 0; k < it.a; ++k) {
          if (c[pos + k] != kFillByte(i, k)) return where + "bytes not copied";
        }
        pos += it.a;
        break;
      case Item::kBind:
        if (a.label_offsets[it.a] != pos) return where + "label offset";
        bound[it.a] = true;
        break;
      case Item::kJmp:
      case Item::kJcc: {
        if (!need(2)) return where + "code ends";
        bool jmp = it.kind == Item::kJmp;
        int64_t target;
        bool rel8;
        if (c[pos] == (jmp ? 0xEB : 0x70 | it.cond)) {
          rel8 = true;
          target = int64_t(pos) + 2 + static_cast<int8_t>(c[pos + 1]);
          pos += 2;
        } else if (jmp && c[pos] == 0xE9 && need(5)) {
          rel8 = false;
          target = int64_t(pos) + 5 + rd32(c, pos + 1);
          pos += 5;
        } else if (!jmp && c[pos] == 0x0F && c[pos + 1] == (0x80 | it.cond) && need(6)) {
          rel8 = false;
          target = int64_t(pos) + 6 + rd32(c, pos + 2);
          pos += 6;
        } else {
          return where + "not the branch";
        }
        uint32_t label = a.label_offsets[it.a];
        if (target != label) return where + "branch misses its label";
        if (bound[it.a]) {
          int64_t d = int64_t{label} - (int64_t(pos) - (rel8 ? 2 : jmp ? 5 : 6) + 2);
          if (rel8 != (d >= -128 && d <= 127)) return where + "backward branch form";
        }
        break;
      }
      case Item::kAlign: {
        size_t pad = (16 - pos % 16) % 16;
        if (!need(pad)) return where + "code ends";
        if (pad && c[pos] != 0x90 && c[pos] != 0x66 && c[pos] != 0x0F) return where + "not a nop";
        pos += pad;
        break;
      }
      case Item::kRipCmp:
        if (!need(7) || c[pos] != 0x83 || c[pos + 1] != 0x3D || c[pos + 6] != 5) {
          return where + "not the cmp";
        }
        if (int64_t(pos) + 7 + rd32(c, pos + 2) != int64_t{a.const_offsets[it.a]} + it.disp) {
          return where + "cmp misses its constant";
        }
        pos += 7;
        break;
      case Item::kRipLea:
        if (!need(7) || c[pos] != 0x48 || c[pos + 1] != 0x8D || c[pos + 2] != 0x05) {
          return where + "not the lea";
        }
        if (int64_t(pos) + 7 + rd32(c, pos + 3) != int64_t{a.const_offsets[it.a]} + it.disp) {
          return where + "lea misses its constant";
        }
        pos += 7;
        break;
      case Item::kMark:
        if (a.marks[mark++] != pos) return where + "mapped offset";
        if (!need(3) || c[pos] != 0xAA || c[pos + 1] != 0xBB) return where + "mark bytes";
        pos += 3;
        break;
    }
  }
  for (; pos % 16; ++pos) {
    if (pos >= c.size() || c[pos] != 0xCC) return "const pool padding";
  }
  for (uint32_t k = 0; k < p.consts; ++k, pos += 16) {
    if (a.const_offsets[k] != pos || pos + 16 > c.size() || c[pos] != k * 16) return "constant";
  }
  for (; pos % 4; ++pos) {
    if (pos >= c.size() || c[pos] != 0xCC) return "table padding";
  }
  if (a.table_offset != pos) return "table offset";
  for (uint32_t l : p.table) {
    if (pos + 4 > c.size() || rd32(c, pos) != int64_t{a.label_offsets[l]} - a.table_offset) {
      return "table entry";
    }
    pos += 4;
  }
  return pos == c.size() ? "" : "trailing bytes";
}

// Random programs whose branch distances sit around the rel8 limits: fills of up to 48 bytes,
// a few dozen items, labels bound once in order of first mention or at random.
Program random_program(uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  Program p;
  p.labels = 2 + pick(12);
  p.consts = 1 + pick(3);
  std::vector<uint32_t> order(p.labels);
  for (uint32_t l = 0; l < p.labels; ++l) order[l] = l;
  std::shuffle(order.begin(), order.end(), rng);
  size_t next_bind = 0;
  uint32_t n = 10 + pick(80);
  uint32_t fill_max = 1 + pick(48);
  for (uint32_t k = 0; k < n; ++k) {
    switch (pick(16)) {
      case 0: case 1: case 2: case 3: case 4:
        p.items.push_back({Item::kFill, 1 + pick(fill_max)});
        break;
      case 5: case 6:
        if (next_bind < order.size()) p.items.push_back({Item::kBind, order[next_bind++]});
        break;
      case 7: case 8:
        p.items.push_back({Item::kJmp, pick(p.labels)});
        break;
      case 9: case 10: case 11:
        p.items.push_back({Item::kJcc, pick(p.labels), static_cast<uint8_t>(pick(16))});
        break;
      case 12:
        p.items.push_back({Item::kAlign});
        break;
      case 13:
        p.items.push_back({Item::kRipCmp, pick(p.consts), 0, static_cast<int32_t>(pick(16)) - 4});
        break;
      case 14:
        p.items.push_back({Item::kRipLea, pick(p.consts), 0, static_cast<int32_t>(pick(8))});
        break;
      case 15:
        p.items.push_back({Item::kMark});
        break;
    }
  }
  while (next_bind < order.size()) {
    p.items.push_back({Item::kFill, 1 + pick(8)});
    p.items.push_back({Item::kBind, order[next_bind++]});
  }
  for (uint32_t k = pick(6); k > 0; --k) p.table.push_back(pick(p.labels));
  return p;
}

TEST(Relax, SameAsTwoPassEmissionAndWellFormed) {
  int compared = 0, shortened = 0;
  for (uint32_t seed = 1; seed <= 3000; ++seed) {
    Program p = random_program(seed);
    Assembled relaxed = assemble(p, true);
    ASSERT_TRUE(relaxed.error.empty()) << "seed " << seed << ": " << relaxed.error;
    std::string bad = walk(p, relaxed);
    ASSERT_EQ(bad, "") << "seed " << seed;
    Assembled ref = two_pass(p);
    // The two-pass scheme fails only when a shortened branch ends up out of reach (more
    // growth between than its bound allowed); relaxation then keeps rel32 (checked by walk).
    if (!ref.error.empty()) continue;
    ++compared;
    ASSERT_EQ(ref.code, relaxed.code) << "seed " << seed;
    ASSERT_EQ(ref.label_offsets, relaxed.label_offsets) << "seed " << seed;
    ASSERT_EQ(ref.const_offsets, relaxed.const_offsets) << "seed " << seed;
    ASSERT_EQ(ref.marks, relaxed.marks) << "seed " << seed;
    Assembled plain = assemble(p, false);
    shortened += relaxed.code.size() < plain.code.size();
  }
  EXPECT_GT(compared, 2900);
  EXPECT_GT(shortened, 2000);  // the programs do exercise the short forms
}

TEST(Relax, GrowthBeyondTheBoundKeepsRel32) {
  // Five jmps to the next instruction shrink by 15 bytes in all, which the alignment after
  // t and t2 absorbs: t and t2 move 15 bytes closer to the start, the code after the
  // alignment stays. The backward jccs to t and t2, emitted 128 bytes back, then need rel32
  // (+8 bytes), inside the span of the forward jcc to y, whose emitted distance of 123 allowed
  // only 4 bytes of growth. The two-pass scheme fails there; relaxation keeps that jcc rel32.
  Program p;
  p.labels = 8;  // 0..4: the jmps' targets; 5: t, 6: t2, 7: y
  for (uint32_t g = 0; g < 5; ++g) {
    p.items.push_back({Item::kJmp, g});
    p.items.push_back({Item::kBind, g});
  }
  p.items.push_back({Item::kBind, 5});
  p.items.push_back({Item::kFill, 2});
  p.items.push_back({Item::kBind, 6});
  p.items.push_back({Item::kFill, 5});
  p.items.push_back({Item::kAlign});
  p.items.push_back({Item::kJcc, 7, static_cast<uint8_t>(Cond::kE)});
  p.items.push_back({Item::kFill, 113});
  p.items.push_back({Item::kJcc, 5, static_cast<uint8_t>(Cond::kNe)});
  p.items.push_back({Item::kJcc, 6, static_cast<uint8_t>(Cond::kNe)});
  p.items.push_back({Item::kFill, 6});
  p.items.push_back({Item::kBind, 7});
  Assembled plain = assemble(p, false);
  ASSERT_TRUE(plain.error.empty()) << plain.error;
  EXPECT_EQ(plain.label_offsets[7], 161u);  // as emitted
  EXPECT_FALSE(two_pass(p).error.empty());
  Assembled relaxed = assemble(p, true);
  ASSERT_TRUE(relaxed.error.empty()) << relaxed.error;
  EXPECT_EQ(walk(p, relaxed), "");
  EXPECT_EQ(relaxed.label_offsets[5], 10u);
  EXPECT_EQ(relaxed.label_offsets[7], 169u);
  EXPECT_EQ(relaxed.code[32], 0x0F);  // the jcc to y: rel32
  EXPECT_EQ(relaxed.code[33], 0x84);
}

TEST(Relax, ForwardBranchForms) {
  // jcc over 123 bytes: 123 + 4 <= 127, rel8; over 124: rel32. jmp likewise.
  for (uint32_t gap : {123u, 124u}) {
    for (bool jmp : {false, true}) {
      Assembler as;
      as.reset(true);
      uint32_t l = as.new_label();
      if (jmp) as.jmp(l);
      else as.jcc(Cond::kL, l);
      std::vector<uint8_t> fill(gap, 0x90);
      as.embed(fill.data(), fill.size());
      as.bind(l);
      auto code = as.finish();
      ASSERT_TRUE(code.ok()) << code.error().to_string();
      size_t size = gap == 123 ? 2 : jmp ? 5 : 6;
      ASSERT_EQ(code->size(), size + gap);
      EXPECT_EQ(as.label_offset(l), size + gap);
      if (gap == 123) {
        EXPECT_EQ((*code)[0], jmp ? 0xEB : 0x7C);
        EXPECT_EQ((*code)[1], 123);
      } else {
        EXPECT_EQ((*code)[jmp ? 0 : 1], jmp ? 0xE9 : 0x8C);
        EXPECT_EQ(rd32(*code, jmp ? 1 : 2), 124);
      }
    }
  }
}

TEST(Relax, BackwardBranchShortOnlyAfterShrinking) {
  // top: jmp fwd (rel32, shrinks to rel8) ... 122 bytes ... fwd: jne top. As emitted the
  // backward distance is 5 + 122 + 2 = 129 bytes (rel32); after relaxation 126 (rel8).
  Assembler as;
  as.reset(true);
  uint32_t top = as.new_label(), fwd = as.new_label();
  as.bind(top);
  as.jmp(fwd);
  std::vector<uint8_t> fill(122, 0x90);
  as.embed(fill.data(), fill.size());
  as.bind(fwd);
  as.jcc(Cond::kNe, top);
  auto code = as.finish();
  ASSERT_TRUE(code.ok()) << code.error().to_string();
  ASSERT_EQ(code->size(), 2u + 122 + 2);
  EXPECT_EQ((*code)[0], 0xEB);
  EXPECT_EQ((*code)[1], 122);
  EXPECT_EQ((*code)[124], 0x75);
  EXPECT_EQ(static_cast<int8_t>((*code)[125]), -126);
}

TEST(Relax, AlignmentRedoneAfterShrinking) {
  // jmp l (5 -> 2 bytes); l: 11 bytes; align 16: as emitted at 16 (no padding), after
  // shrinking at 13 (3 bytes of nop).
  Assembler as;
  as.reset(true);
  uint32_t l = as.new_label(), after = as.new_label();
  as.jmp(l);
  as.bind(l);
  std::vector<uint8_t> fill(11, 0xAB);
  as.embed(fill.data(), fill.size());
  uint32_t mark = as.offset();
  as.align_code(16);
  as.bind(after);
  as.emit(Mn::kUd2);
  auto code = as.finish();
  ASSERT_TRUE(code.ok()) << code.error().to_string();
  ASSERT_EQ(code->size(), 18u);
  EXPECT_EQ(as.label_offset(l), 2u);
  EXPECT_EQ(as.label_offset(after), 16u);
  EXPECT_EQ(as.final_offset(mark), 16u);  // an alignment at an offset precedes its code
  EXPECT_EQ((*code)[13], 0x0F);           // nop dword ptr [rax]: 0f 1f 00
  EXPECT_EQ((*code)[14], 0x1F);
  EXPECT_EQ((*code)[16], 0x0F);           // ud2
  EXPECT_EQ((*code)[17], 0x0B);
}

TEST(Relax, Errors) {
  {
    Assembler as;
    as.reset(true);
    uint32_t l = as.new_label();
    as.jmp(l);
    auto code = as.finish();
    ASSERT_FALSE(code.ok());
    EXPECT_NE(code.error().to_string().find("never bound"), std::string::npos);
  }
  {
    // A rip-relative operand to a label bound before it is not movable.
    Assembler as;
    as.reset(true);
    uint32_t l = as.new_label();
    as.bind(l);
    as.emit(Mn::kLea, Opnd::gp(0, 8), Opnd::rip(0, l));
    auto code = as.finish();
    ASSERT_FALSE(code.ok());
    EXPECT_NE(code.error().to_string().find("rip-relative"), std::string::npos);
  }
  {
    // A requested short form whose label ends up beyond rel8.
    Assembler as;
    as.reset(true);
    uint32_t l = as.new_label();
    as.jmp(l, true);
    std::vector<uint8_t> fill(200, 0x90);
    as.embed(fill.data(), fill.size());
    as.bind(l);
    auto code = as.finish();
    ASSERT_FALSE(code.ok());
  }
  {
    // The assembler serves the next function after an error.
    Assembler as;
    as.reset(true);
    uint32_t l = as.new_label();
    as.jmp(l);
    ASSERT_FALSE(as.finish().ok());
    as.reset(true);
    l = as.new_label();
    as.jmp(l);
    as.bind(l);
    auto code = as.finish();
    ASSERT_TRUE(code.ok()) << code.error().to_string();
    EXPECT_EQ(*code, (std::vector<uint8_t>{0xEB, 0x00}));
  }
}

}  // namespace
}  // namespace kiln::codegen::x64
