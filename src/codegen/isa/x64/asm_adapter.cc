// codegen/isa/x64/asm_adapter.cc: the Assembler facade implemented with asmjit's
// x86::Assembler. This is the only Kiln file that includes asmjit.
#include "codegen/isa/x64/asm_adapter.h"

#include <asmjit/x86.h>

#include <algorithm>
#include <cstring>

namespace kiln::codegen::x64 {

namespace aj = asmjit;

namespace {

constexpr aj::InstId kInstIds[] = {
#define KILN_X64_MN(name, text) aj::x86::Inst::kId##name,
#include "codegen/isa/x64/mnemonics.def"
};
constexpr std::string_view kNames[] = {
#define KILN_X64_MN(name, text) text,
#include "codegen/isa/x64/mnemonics.def"
};

// Records the first asmjit error instead of throwing or aborting.
class FirstError : public aj::ErrorHandler {
 public:
  void handleError(aj::Error err, const char* message, aj::BaseEmitter*) override {
    if (err_ == aj::kErrorOk) {
      err_ = err;
      message_ = message ? message : aj::DebugUtils::errorAsString(err);
    }
  }
  aj::Error err_ = aj::kErrorOk;
  std::string message_;
};

}  // namespace

std::string_view mnemonic_name(Mn m) { return kNames[static_cast<size_t>(m)]; }

struct Assembler::Impl {
  aj::CodeHolder code;
  FirstError errors;
  std::unique_ptr<aj::x86::Assembler> as;
  std::vector<aj::Label> labels;

  // Relaxation (see asm_adapter.h): what finish() needs to lay the code out again, in emission
  // order.
  enum class SiteKind : uint8_t { kBind, kJmp, kJcc, kCodeAlign, kDataAlign };
  struct Site {
    uint32_t pos = 0;      // emitted offset
    uint32_t arg = 0;      // kBind and branches: label; alignments: the alignment
    SiteKind kind = SiteKind::kBind;
    uint8_t size = 0;      // emitted bytes (a branch's encoding, padding)
    uint8_t cond = 0;      // kJcc
    bool forward = false;  // a branch whose label was not bound when it was emitted
    bool rel8 = false;     // forward: takes the rel8 form
    bool forced = false;   // forward: emitted in the rel8 form (short_form)
    uint8_t new_size = 0;  // final bytes
    uint32_t new_pos = 0;  // final offset
    bool is_branch() const { return kind == SiteKind::kJmp || kind == SiteKind::kJcc; }
  };
  // A rip-relative operand: its disp32 field is `label - field + rel`.
  struct RipRef {
    uint32_t field = 0;
    uint32_t label = 0;
    int32_t rel = 0;
  };
  // A 4-byte `label - base`.
  struct DeltaRef {
    uint32_t field = 0;
    uint32_t label = 0;
    uint32_t base = 0;
  };
  static constexpr uint32_t kUnbound = UINT32_MAX;
  bool relax = false;
  bool relaxed = false;            // finish() relaxed the code: final_labels/sites hold it
  bool rip_to_bound_label = false;  // a rip-relative operand the relaxation cannot move
  std::vector<Site> sites;
  std::vector<uint32_t> align_ends;  // where each code alignment's padding ends, as emitted
  uint32_t max_code_align = 1;       // the largest code alignment asked for (padding < it)
  std::vector<RipRef> rip_refs;
  std::vector<DeltaRef> deltas;
  std::vector<uint32_t> final_labels;

  uint32_t offset() const { return static_cast<uint32_t>(as->offset()); }
  void add_site(SiteKind kind, uint32_t pos, uint32_t arg, uint8_t cond = 0, bool forward = false,
                bool forced = false) {
    Site s;
    s.pos = pos;
    s.arg = arg;
    s.kind = kind;
    s.size = static_cast<uint8_t>(offset() - pos);
    s.cond = cond;
    s.forward = forward;
    s.rel8 = s.forced = forward && forced;
    sites.push_back(s);
  }
  // After an instruction: records its rip-relative operand, if any.
  void note_rip(const Opnd& o) {
    if (o.kind != Opnd::Kind::kMem || o.reg != Opnd::kNoReg) return;
    const aj::LabelEntry* le = code.labelEntry(labels[o.label]);
    if (!le) return;  // asmjit reported the bad label
    if (le->isBound()) {
      rip_to_bound_label = true;
      return;
    }
    // The instruction's link is the newest of its label.
    const aj::LabelLink* link = le->links();
    if (!link) return;
    rip_refs.push_back({static_cast<uint32_t>(link->offset), o.label, static_cast<int32_t>(link->rel)});
  }
  Expected<std::vector<uint8_t>> relax_code(const uint8_t* data, size_t size);
  void layout();
  uint32_t final_offset(uint32_t offset) const;

  Impl() {
    aj::Environment env(aj::Arch::kX64);
    code.init(env);
    code.setErrorHandler(&errors);
    as = std::make_unique<aj::x86::Assembler>(&code);
    // Code alignment (loop headers) pads with the longest NOPs, not runs of 1-byte ones.
    as->addEncodingOptions(aj::EncodingOptions::kOptimizedAlign);
  }

  void reset(bool relax_branches) {
    // A soft reset detaches the assembler and drops every label, section byte and fixup, but
    // keeps the CodeHolder's zone memory for the next use.
    code.reset(aj::ResetPolicy::kSoft);
    aj::Environment env(aj::Arch::kX64);
    code.init(env);
    errors.err_ = aj::kErrorOk;
    errors.message_.clear();
    code.setErrorHandler(&errors);
    code.attach(as.get());
    as->addEncodingOptions(aj::EncodingOptions::kOptimizedAlign);
    labels.clear();
    relax = relax_branches;
    relaxed = false;
    rip_to_bound_label = false;
    sites.clear();
    align_ends.clear();
    max_code_align = 1;
    rip_refs.clear();
    deltas.clear();
    final_labels.clear();
  }

  aj::Operand op(const Opnd& o) {
    switch (o.kind) {
      case Opnd::Kind::kNone: return aj::Operand();
      case Opnd::Kind::kGp:
        switch (o.size) {
          case 1: return aj::x86::gpb(o.reg);
          case 2: return aj::x86::gpw(o.reg);
          case 4: return aj::x86::gpd(o.reg);
          default: return aj::x86::gpq(o.reg);
        }
      case Opnd::Kind::kXmm: return aj::x86::xmm(o.reg);
      case Opnd::Kind::kMem: {
        if (o.reg == Opnd::kNoReg) return aj::x86::ptr(labels[o.label], o.disp, o.size);
        if (o.index != Opnd::kNoReg) {
          return aj::x86::ptr(aj::x86::gpq(o.reg), aj::x86::gpq(o.index), o.shift, o.disp, o.size);
        }
        return aj::x86::ptr(aj::x86::gpq(o.reg), o.disp, o.size);
      }
      case Opnd::Kind::kImm: return aj::Imm(o.imm);
      case Opnd::Kind::kLabel: return labels[o.label];
    }
    return aj::Operand();
  }
};

Assembler::Assembler() : impl_(std::make_unique<Impl>()) {}
Assembler::~Assembler() = default;
void Assembler::reset(bool relax) { impl_->reset(relax); }

uint32_t Assembler::new_label() {
  impl_->labels.push_back(impl_->as->newLabel());
  return static_cast<uint32_t>(impl_->labels.size() - 1);
}
void Assembler::bind(uint32_t label) {
  impl_->as->bind(impl_->labels[label]);
  if (impl_->relax) impl_->add_site(Impl::SiteKind::kBind, impl_->offset(), label);
}

void Assembler::emit(Mn m, const Opnd& a, const Opnd& b, const Opnd& c) {
  impl_->as->emit(kInstIds[static_cast<size_t>(m)], impl_->op(a), impl_->op(b), impl_->op(c));
  if (impl_->relax) {
    impl_->note_rip(a);
    impl_->note_rip(b);
    impl_->note_rip(c);
  }
}
void Assembler::emit(Mn m, const Opnd& a, const Opnd& b, const Opnd& c, const Opnd& d) {
  impl_->as->emit(kInstIds[static_cast<size_t>(m)], impl_->op(a), impl_->op(b), impl_->op(c),
                  impl_->op(d));
  if (impl_->relax) {
    impl_->note_rip(a);
    impl_->note_rip(b);
    impl_->note_rip(c);
    impl_->note_rip(d);
  }
}

void Assembler::jcc(Cond c, uint32_t label, bool short_form) {
  uint32_t pos = impl_->offset();
  bool forward = impl_->relax && !is_bound(label);
  if (short_form) impl_->as->addInstOptions(aj::InstOptions::kShortForm);
  impl_->as->emit(aj::x86::Inst::jccFromCond(static_cast<aj::x86::CondCode>(c)),
                  impl_->labels[label]);
  if (impl_->relax) {
    impl_->add_site(Impl::SiteKind::kJcc, pos, label, static_cast<uint8_t>(c), forward, short_form);
  }
}
void Assembler::jmp(uint32_t label, bool short_form) {
  uint32_t pos = impl_->offset();
  bool forward = impl_->relax && !is_bound(label);
  if (short_form) impl_->as->addInstOptions(aj::InstOptions::kShortForm);
  impl_->as->jmp(impl_->labels[label]);
  if (impl_->relax) impl_->add_site(Impl::SiteKind::kJmp, pos, label, 0, forward, short_form);
}
void Assembler::setcc(Cond c, const Opnd& dst) {
  impl_->as->emit(aj::x86::Inst::setccFromCond(static_cast<aj::x86::CondCode>(c)), impl_->op(dst));
}
void Assembler::cmovcc(Cond c, const Opnd& dst, const Opnd& src) {
  impl_->as->emit(aj::x86::Inst::cmovccFromCond(static_cast<aj::x86::CondCode>(c)), impl_->op(dst),
                  impl_->op(src));
}
void Assembler::embed(const void* data, size_t size) { impl_->as->embed(data, size); }
void Assembler::embed_label_delta(uint32_t label, uint32_t base) {
  if (impl_->relax) impl_->deltas.push_back({impl_->offset(), label, base});
  impl_->as->embedLabelDelta(impl_->labels[label], impl_->labels[base], 4);
}
void Assembler::align(uint32_t alignment) {
  uint32_t pos = impl_->offset();
  impl_->as->align(aj::AlignMode::kData, alignment);
  if (impl_->relax) impl_->add_site(Impl::SiteKind::kDataAlign, pos, alignment);
}
void Assembler::align_code(uint32_t alignment) {
  uint32_t pos = impl_->offset();
  impl_->as->align(aj::AlignMode::kCode, alignment);
  if (impl_->relax) {
    impl_->add_site(Impl::SiteKind::kCodeAlign, pos, alignment);
    impl_->align_ends.push_back(impl_->offset());
    impl_->max_code_align = std::max(impl_->max_code_align, alignment);
  }
}
uint32_t Assembler::offset() const { return impl_->offset(); }
bool Assembler::is_bound(uint32_t label) const {
  return impl_->code.isLabelBound(impl_->labels[label]);
}

Expected<std::vector<uint8_t>> Assembler::finish() {
  if (impl_->errors.err_ == aj::kErrorOk) {
    impl_->code.resolveUnresolvedLinks();
  }
  if (impl_->errors.err_ != aj::kErrorOk) {
    return Error(ErrorKind::kOther, "x64 assembler: " + impl_->errors.message_);
  }
  aj::Section* text = impl_->code.textSection();
  const aj::CodeBuffer& buf = text->buffer();
  if (impl_->relax) return impl_->relax_code(buf.data(), buf.size());
  return std::vector<uint8_t>(buf.data(), buf.data() + buf.size());
}

uint32_t Assembler::label_offset(uint32_t label) const {
  if (impl_->relaxed) return impl_->final_labels[label];
  return static_cast<uint32_t>(impl_->code.labelOffset(impl_->labels[label]));
}

uint32_t Assembler::final_offset(uint32_t offset) const {
  return impl_->relaxed ? impl_->final_offset(offset) : offset;
}

namespace {

constexpr uint8_t kRel32Jmp = 5, kRel32Jcc = 6, kRel8 = 2;

void put32(uint8_t* p, int64_t v) {
  uint32_t u = static_cast<uint32_t>(v);
  std::memcpy(p, &u, 4);
}

// Multi-byte NOPs (Intel SDM, NOP), longest first, as asmjit pads code alignment.
void put_nops(uint8_t* p, uint32_t n) {
  static constexpr uint8_t kNops[9][9] = {
      {0x90},
      {0x66, 0x90},
      {0x0F, 0x1F, 0x00},
      {0x0F, 0x1F, 0x40, 0x00},
      {0x0F, 0x1F, 0x44, 0x00, 0x00},
      {0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00},
      {0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00},
      {0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
      {0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
  };
  while (n) {
    uint32_t k = std::min<uint32_t>(n, 9);
    std::memcpy(p, kNops[k - 1], k);
    p += k;
    n -= k;
  }
}

bool fits_rel8(int64_t d) { return d >= -128 && d <= 127; }

}  // namespace

// Final offsets and sizes of every site, in emission order, as sequential emission in the
// final forms would have produced them.
void Assembler::Impl::layout() {
  int64_t delta = 0;
  for (Site& s : sites) {
    uint32_t np = static_cast<uint32_t>(s.pos + delta);
    s.new_pos = np;
    switch (s.kind) {
      case SiteKind::kBind:
        final_labels[s.arg] = np;
        s.new_size = 0;
        break;
      case SiteKind::kCodeAlign:
      case SiteKind::kDataAlign:
        s.new_size = static_cast<uint8_t>((s.arg - np % s.arg) % s.arg);
        break;
      case SiteKind::kJmp:
      case SiteKind::kJcc: {
        bool rel8 = s.forward ? s.rel8
                              : fits_rel8(int64_t{final_labels[s.arg]} - (int64_t{np} + kRel8));
        s.new_size = rel8 ? kRel8 : s.kind == SiteKind::kJmp ? kRel32Jmp : kRel32Jcc;
        break;
      }
    }
    delta += int64_t{s.new_size} - s.size;
  }
}

Expected<std::vector<uint8_t>> Assembler::Impl::relax_code(const uint8_t* data, size_t size) {
  if (rip_to_bound_label) {
    return Error(ErrorKind::kOther,
                 "x64 assembler: a rip-relative operand refers to a label bound before it, which "
                 "branch relaxation cannot move");
  }
  final_labels.assign(labels.size(), kUnbound);
  // Forward branches: the rel8 form where the emitted distance leaves room for growth.
  for (Site& s : sites) {
    if (!s.is_branch() || !s.forward) continue;
    const aj::Label& l = labels[s.arg];
    if (!code.isLabelBound(l)) {
      return Error(ErrorKind::kOther, "x64 assembler: a branch to a label that is never bound");
    }
    if (s.forced) continue;
    int64_t target = static_cast<int64_t>(code.labelOffset(l));
    uint32_t end = s.pos + s.size;
    auto lo = std::lower_bound(align_ends.begin(), align_ends.end(), end);
    auto hi = std::upper_bound(align_ends.begin(), align_ends.end(), target);
    int64_t dist = target - end;
    s.rel8 = dist >= 0 && dist + 4 + int64_t{max_code_align - 1} * (hi - lo) <= 127;
  }
  // Should growth beyond the bound (a backward branch in between losing its rel8 form) leave a
  // forward rel8 branch out of reach, it takes rel32 and the layout is redone; every round
  // turns at least one branch to rel32 for good, so this ends.
  for (bool again = true; again;) {
    layout();
    again = false;
    for (Site& s : sites) {
      if (s.is_branch() && s.forward && s.rel8 &&
          !fits_rel8(int64_t{final_labels[s.arg]} - (int64_t{s.new_pos} + kRel8))) {
        if (s.forced) {
          return Error(ErrorKind::kOther, "x64 assembler: a short-form branch's label is out of reach");
        }
        s.rel8 = false;
        again = true;
      }
    }
  }
  for (const RipRef& r : rip_refs) {
    if (final_labels[r.label] == kUnbound) {
      return Error(ErrorKind::kOther, "x64 assembler: a rip-relative operand's label is never bound");
    }
  }
  for (const DeltaRef& d : deltas) {
    if (final_labels[d.label] == kUnbound || final_labels[d.base] == kUnbound) {
      return Error(ErrorKind::kOther, "x64 assembler: a label delta's label is never bound");
    }
  }

  int64_t grown = 0;
  for (const Site& s : sites) grown += int64_t{s.new_size} - s.size;
  std::vector<uint8_t> out(static_cast<size_t>(static_cast<int64_t>(size) + grown));
  size_t src = 0;
  uint8_t* dst = out.data();
  for (const Site& s : sites) {
    if (s.kind == SiteKind::kBind) continue;
    std::memcpy(dst, data + src, s.pos - src);
    dst += s.pos - src;
    switch (s.kind) {
      case SiteKind::kCodeAlign: put_nops(dst, s.new_size); break;
      case SiteKind::kDataAlign: std::memset(dst, 0xCC, s.new_size); break;
      default: {
        int64_t disp = int64_t{final_labels[s.arg]} - (int64_t{s.new_pos} + s.new_size);
        if (s.new_size == kRel8) {
          dst[0] = s.kind == SiteKind::kJmp ? 0xEB : static_cast<uint8_t>(0x70 | s.cond);
          dst[1] = static_cast<uint8_t>(static_cast<int8_t>(disp));
        } else if (s.kind == SiteKind::kJmp) {
          dst[0] = 0xE9;
          put32(dst + 1, disp);
        } else {
          dst[0] = 0x0F;
          dst[1] = static_cast<uint8_t>(0x80 | s.cond);
          put32(dst + 2, disp);
        }
      }
    }
    dst += s.new_size;
    src = s.pos + s.size;
  }
  std::memcpy(dst, data + src, size - src);
  relaxed = true;
  for (const RipRef& r : rip_refs) {
    uint32_t f = final_offset(r.field);
    put32(out.data() + f, int64_t{final_labels[r.label]} - f + r.rel);
  }
  for (const DeltaRef& d : deltas) {
    put32(out.data() + final_offset(d.field),
          int64_t{final_labels[d.label]} - int64_t{final_labels[d.base]});
  }
  return out;
}

uint32_t Assembler::Impl::final_offset(uint32_t offset) const {
  // The last site at or before `offset`, not counting a branch starting there (offset is
  // then the branch's own start, which the site before it places).
  auto it = std::upper_bound(sites.begin(), sites.end(), offset,
                             [](uint32_t o, const Site& s) { return o < s.pos; });
  while (it != sites.begin() && std::prev(it)->pos == offset && std::prev(it)->is_branch()) --it;
  if (it == sites.begin()) return offset;
  const Site& s = *std::prev(it);
  return s.new_pos + s.new_size + (offset - s.pos - s.size);
}

}  // namespace kiln::codegen::x64
