// codegen/isa/x64/asm_adapter.cc: the Assembler facade implemented with asmjit's
// x86::Assembler. This is the only Kiln file that includes asmjit.
#include "codegen/isa/x64/asm_adapter.h"

#include <asmjit/x86.h>

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

  Impl() {
    aj::Environment env(aj::Arch::kX64);
    code.init(env);
    code.setErrorHandler(&errors);
    as = std::make_unique<aj::x86::Assembler>(&code);
    // Code alignment (loop headers) pads with the longest NOPs, not runs of 1-byte ones.
    as->addEncodingOptions(aj::EncodingOptions::kOptimizedAlign);
  }

  void reset() {
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
void Assembler::reset() { impl_->reset(); }

uint32_t Assembler::new_label() {
  impl_->labels.push_back(impl_->as->newLabel());
  return static_cast<uint32_t>(impl_->labels.size() - 1);
}
void Assembler::bind(uint32_t label) { impl_->as->bind(impl_->labels[label]); }

void Assembler::emit(Mn m, const Opnd& a, const Opnd& b, const Opnd& c) {
  impl_->as->emit(kInstIds[static_cast<size_t>(m)], impl_->op(a), impl_->op(b), impl_->op(c));
}
void Assembler::emit(Mn m, const Opnd& a, const Opnd& b, const Opnd& c, const Opnd& d) {
  impl_->as->emit(kInstIds[static_cast<size_t>(m)], impl_->op(a), impl_->op(b), impl_->op(c),
                  impl_->op(d));
}

void Assembler::jcc(Cond c, uint32_t label, bool short_form) {
  if (short_form) impl_->as->addInstOptions(aj::InstOptions::kShortForm);
  impl_->as->emit(aj::x86::Inst::jccFromCond(static_cast<aj::x86::CondCode>(c)),
                  impl_->labels[label]);
}
void Assembler::jmp(uint32_t label, bool short_form) {
  if (short_form) impl_->as->addInstOptions(aj::InstOptions::kShortForm);
  impl_->as->jmp(impl_->labels[label]);
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
  impl_->as->embedLabelDelta(impl_->labels[label], impl_->labels[base], 4);
}
void Assembler::align(uint32_t alignment) { impl_->as->align(aj::AlignMode::kData, alignment); }
void Assembler::align_code(uint32_t alignment) { impl_->as->align(aj::AlignMode::kCode, alignment); }
uint32_t Assembler::offset() const { return static_cast<uint32_t>(impl_->as->offset()); }
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
  return std::vector<uint8_t>(buf.data(), buf.data() + buf.size());
}

uint32_t Assembler::label_offset(uint32_t label) const {
  return static_cast<uint32_t>(impl_->code.labelOffset(impl_->labels[label]));
}

}  // namespace kiln::codegen::x64
