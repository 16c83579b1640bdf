// wasm/validator.cc: WebAssembly 3.0 module validation: types (rec groups, declared
// subtyping), imports and definitions, constant expressions, segments, exports, and every
// function body by the spec's operand-stack / control-stack algorithm.
#include "wasm/validator.h"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include "wasm/instr_reader.h"
#include "wasm/opcode.h"
#include "wasm/type_canon.h"

namespace kiln::wasm {
namespace {

// ---- per-opcode signatures, parsed once from opcodes.def's sig strings ----

struct OpSig {
  bool typed = false;  // sig is not "*"
  ImmKind imm = ImmKind::kNone;
  uint8_t align = 0;
  Proposal proposal = Proposal::kCore;
  uint8_t num_params = 0;
  uint8_t num_results = 0;
  uint8_t lanes = 0;  // kLane / kMemargLane ops: number of lanes
  ValType params[4];
  ValType results[2];
};

ValType sig_char_type(char c) {
  switch (c) {
    case 'i': return ValType::i32();
    case 'l': return ValType::i64();
    case 'f': return ValType::f32();
    case 'd': return ValType::f64();
    default: return ValType::v128();
  }
}

uint8_t lanes_of(const char* text) {
  std::string_view t(text);
  if (t.starts_with("i8x16")) return 16;
  if (t.starts_with("i16x8")) return 8;
  if (t.starts_with("i32x4") || t.starts_with("f32x4")) return 4;
  if (t.starts_with("i64x2") || t.starts_with("f64x2")) return 2;
  return 0;
}

struct SigTable {
  OpSig sigs[kNumOpcodes];
  SigTable() {
    for (uint32_t i = 0; i < kNumOpcodes; ++i) {
      const OpcodeInfo& in = info(static_cast<Opcode>(i));
      OpSig& s = sigs[i];
      s.imm = in.imm;
      s.align = in.align;
      s.proposal = in.proposal;
      if (in.imm == ImmKind::kLane) s.lanes = lanes_of(in.text);
      if (in.imm == ImmKind::kMemargLane) s.lanes = static_cast<uint8_t>(16u >> in.align);
      const char* p = in.sig;
      if (p == nullptr || p[0] == '*') continue;
      s.typed = true;
      bool after_colon = false;
      for (; *p; ++p) {
        if (*p == ':') {
          after_colon = true;
        } else if (!after_colon) {
          if (s.num_params < 4) s.params[s.num_params++] = sig_char_type(*p);
        } else if (s.num_results < 2) {
          s.results[s.num_results++] = sig_char_type(*p);
        }
      }
    }
  }
};

const SigTable& sig_table() {
  static const SigTable table;
  return table;
}

bool proposal_enabled(Proposal p, const Features& f) {
  switch (p) {
    case Proposal::kCore: return true;
    case Proposal::kSignExt: return f.sign_ext;
    case Proposal::kSatFloatToInt: return f.sat_float_to_int;
    case Proposal::kBulkMemory: return f.bulk_memory;
    case Proposal::kReferenceTypes: return f.reference_types;
    case Proposal::kSimd: return f.simd;
    case Proposal::kRelaxedSimd: return f.relaxed_simd;
    case Proposal::kThreads: return f.threads;
    case Proposal::kTailCall: return f.tail_call;
    case Proposal::kFunctionReferences: return f.function_references;
    case Proposal::kGc: return f.gc;
    case Proposal::kExceptions: return f.exceptions;
    case Proposal::kLegacyExceptions: return f.legacy_exceptions;
    case Proposal::kWideArithmetic: return f.wide_arithmetic;
  }
  return false;
}

// ---- messages ----

std::string heap_name(HeapType h) {
  if (TypeContext::is_bot_heap(h)) return "_";
  if (h.is_index()) return std::to_string(h.type_index());
  return to_string(h.kind());
}

std::string type_name(ValType t) {
  switch (t.kind) {
    case ValKind::kI32: return "i32";
    case ValKind::kI64: return "i64";
    case ValKind::kF32: return "f32";
    case ValKind::kF64: return "f64";
    case ValKind::kV128: return "v128";
    case ValKind::kI8: return "i8";
    case ValKind::kI16: return "i16";
    case ValKind::kBot: return "_";
    case ValKind::kRef:
      if (t.nullable && t.heap.is_abstract() && !TypeContext::is_bot_heap(t.heap))
        return heap_name(t.heap) + "ref";
      return std::string("(ref ") + (t.nullable ? "null " : "") + heap_name(t.heap) + ")";
  }
  return "?";
}

std::string type_list(const ValType* ts, size_t n) {
  std::string s = "[";
  for (size_t i = 0; i < n; ++i) {
    if (i) s += ' ';
    s += type_name(ts[i]);
  }
  return s + "]";
}

Error invalid(std::string msg, uint64_t offset = Location::kNone, uint32_t func = UINT32_MAX) {
  Location loc;
  loc.offset = offset;
  loc.func = func;
  return Error(ErrorKind::kInvalid, std::move(msg), loc);
}

std::string unknown(const char* what, uint32_t idx) {
  return std::string("unknown ") + what + " " + std::to_string(idx);
}

constexpr bool defaultable(ValType t) { return t.kind != ValKind::kRef || t.nullable; }

constexpr ValType unpacked(ValType t) { return t.is_packed() ? ValType::i32() : t; }

// A borrowed list of value types.
struct Types {
  const ValType* data = nullptr;
  uint32_t size = 0;
};

Types span(const std::vector<ValType>& v) { return {v.data(), static_cast<uint32_t>(v.size())}; }

// One entry of the control stack.
struct Frame {
  Opcode kind = Opcode::kBlock;  // kBlock, kLoop, kIf, kElse, kTry, kCatch, kCatchAll,
                                 // kTryTable; the function body is a kBlock at depth 0
  bool unreachable = false;
  bool single_result = false;  // results are `single` (a value block type)
  Types params;
  Types results;  // unless single_result
  ValType single;
  uint32_t height = 0;       // operand stack height at entry
  uint32_t init_height = 0;  // local-initialization log height at entry

  Types end_types() const { return single_result ? Types{&single, 1} : results; }
  Types label_types() const { return kind == Opcode::kLoop ? params : end_types(); }
};

class Validator {
 public:
  Validator(const Module& m, const Features& f, bool check_bodies = true)
      : m_(m), f_(f), check_bodies_(check_bodies), tc_(m.types, canon_), sigs_(sig_table().sigs) {
    for (uint32_t p = 0; p < kNumProposals; ++p)
      enabled_[p] = proposal_enabled(static_cast<Proposal>(p), f);
  }

  Expected<void> run();

 private:
  // ---- module-level ----
  Expected<void> check_type_section();
  Expected<void> check_limits_table(const TableType& t);
  Expected<void> check_limits_memory(const MemoryType& t);
  bool heap_ok(HeapType h) const {
    return !h.is_index() || h.type_index() < m_.types.size();
  }
  bool val_ok(ValType t) const { return t.kind != ValKind::kRef || heap_ok(t.heap); }
  Expected<void> check_val(ValType t) {
    if (!val_ok(t)) return invalid(unknown("type", t.heap.type_index()));
    return ok();
  }
  bool is_func_type(uint32_t idx) const {
    return idx < m_.types.size() && m_.types[idx].comp.kind == CompositeKind::kFunc;
  }
  Expected<void> check_func_type_index(uint32_t idx) {
    if (idx >= m_.types.size()) return invalid(unknown("type", idx));
    if (!is_func_type(idx)) return invalid("type mismatch: non-function type " + std::to_string(idx));
    return ok();
  }
  void collect_declared_refs();
  Expected<void> check_const(ConstExpr e, ValType expected, uint32_t visible_globals);
  ValType addr_type(bool is64) const { return is64 ? ValType::i64() : ValType::i32(); }
  // A Module built by hand (not by the decoder) may carry ranges outside its bytes.
  bool in_bounds(ByteRange r) const {
    return m_.bytes != nullptr && uint64_t{r.offset} + r.size <= m_.size;
  }

  // ---- function bodies ----
  Expected<void> check_body(uint32_t func_index);
  // Validates one expression (function body or constant expression) from the reader.
  Expected<void> check_expr(InstrReader& r, bool is_const);
  bool step(Opcode op, const Imm& imm);

  // Operand stack primitives; on failure they set err_ and return false.
  void push(ValType t) { vals_.push_back(t); }
  void push_types(Types ts) {
    for (uint32_t i = 0; i < ts.size; ++i) vals_.push_back(ts.data[i]);
  }
  bool pop_any(ValType* out);
  bool pop_ref(ValType* out);
  bool check_types(Types ts, const char* what);  // top of stack matches, stack unchanged
  bool pop_types(Types ts) {
    // Fast path: the operands are all present and match exactly (the common case).
    Frame& top = ctrls_.back();
    if (vals_.size() - top.height >= ts.size) {
      size_t base = vals_.size() - ts.size;
      bool exact = true;
      for (uint32_t i = 0; i < ts.size && exact; ++i) exact = vals_[base + i] == ts.data[i];
      if (exact) {
        vals_.resize(base);
        return true;
      }
    }
    if (!check_types(ts, "instruction")) return false;
    Frame& f = ctrls_.back();
    uint32_t avail = static_cast<uint32_t>(vals_.size()) - f.height;
    vals_.resize(vals_.size() - std::min(avail, ts.size));
    return true;
  }
  bool pop_type(ValType t) { return pop_types({&t, 1}); }
  bool push_ctrl(Opcode kind, Types params, Types results, const ValType* single);
  bool pop_ctrl(Frame* out);
  void set_unreachable() {
    Frame& f = ctrls_.back();
    vals_.resize(f.height);
    f.unreachable = true;
  }
  bool fail(std::string msg) {
    err_ = std::move(msg);
    return false;
  }
  bool mismatch(const char* what = nullptr) {
    return fail(what ? std::string("type mismatch: ") + what : std::string("type mismatch"));
  }
  bool sub(ValType a, ValType b) const { return tc_.val_subtype(a, b); }
  bool block_types(const BlockType& bt, Types* params, Types* results, ValType* single,
                   bool* is_single);
  bool label(uint32_t depth, Frame** out) {
    if (depth >= ctrls_.size()) return fail("unknown label");
    *out = &ctrls_[ctrls_.size() - 1 - depth];
    return true;
  }
  bool memory(uint32_t idx, ValType* at) {
    if (idx >= m_.memory_types.size()) return fail(unknown("memory", idx));
    *at = addr_type(m_.memory_types[idx].limits.is64);
    return true;
  }
  bool table(uint32_t idx, const TableType** out) {
    if (idx >= m_.table_types.size()) return fail(unknown("table", idx));
    *out = &m_.table_types[idx];
    return true;
  }
  bool type_of_kind(uint32_t idx, CompositeKind kind, const CompositeType** out);
  bool data_segment(uint32_t idx) {
    uint32_t n = m_.data_count ? *m_.data_count : static_cast<uint32_t>(m_.datas.size());
    if (idx >= n) return fail(unknown("data segment", idx));
    return true;
  }
  bool elem_segment(uint32_t idx) {
    if (idx >= m_.elems.size()) return fail(unknown("elem segment", idx));
    return true;
  }
  bool tag_params(uint32_t idx, Types* out) {
    if (idx >= m_.tag_types.size()) return fail(unknown("tag", idx));
    uint32_t t = m_.tag_types[idx].type_index;
    if (!is_func_type(t)) return fail(unknown("type", t));
    *out = span(m_.func_type(t).params);
    return true;
  }
  bool set_local(uint32_t idx) {
    if (!local_init_[idx]) {
      local_init_[idx] = 1;
      init_log_.push_back(idx);
    }
    return true;
  }
  bool check_return_call(const FuncType& callee);
  bool memarg_op(const Imm& imm, const OpSig& s);
  bool const_allowed(Opcode op, const Imm& imm);

  static constexpr uint32_t kNumProposals = static_cast<uint32_t>(Proposal::kWideArithmetic) + 1;

  const Module& m_;
  const Features& f_;
  bool check_bodies_ = true;  // false: module-level checks only (validate_except_bodies)
  std::vector<uint32_t> canon_;
  TypeContext tc_;
  const OpSig* sigs_;
  bool enabled_[kNumProposals];
  std::vector<uint8_t> declared_;  // per function: appears in C.refs

  // Function state, reused across bodies.
  std::vector<ValType> vals_;
  std::vector<Frame> ctrls_;
  std::vector<ValType> locals_;
  std::vector<uint8_t> local_init_;
  std::vector<uint32_t> init_log_;
  Types func_results_;
  ValType const_result_;
  bool const_mode_ = false;
  uint32_t visible_globals_ = 0;
  std::string err_;
  bool err_malformed_ = false;
};

// ---- operand stack ----

bool Validator::pop_any(ValType* out) {
  Frame& f = ctrls_.back();
  if (vals_.size() == f.height) {
    if (f.unreachable) {
      *out = ValType::bot();
      return true;
    }
    return fail("type mismatch: instruction requires [value] but stack has []");
  }
  *out = vals_.back();
  vals_.pop_back();
  return true;
}

bool Validator::pop_ref(ValType* out) {
  if (!pop_any(out)) return false;
  if (out->kind == ValKind::kBot) {
    *out = ValType::ref(TypeContext::bot_heap(), false);
    return true;
  }
  if (!out->is_ref()) {
    return fail("type mismatch: instruction requires reference type but stack has [" +
                type_name(*out) + "]");
  }
  return true;
}

bool Validator::check_types(Types ts, const char* what) {
  const Frame& f = ctrls_.back();
  size_t avail = vals_.size() - f.height;
  bool good = true;
  for (uint32_t i = 0; i < ts.size && good; ++i) {
    ValType want = ts.data[ts.size - 1 - i];
    if (i < avail) {
      if (!sub(vals_[vals_.size() - 1 - i], want)) good = false;
    } else if (!f.unreachable) {
      good = false;
    }
  }
  if (good) return true;
  size_t shown = std::min<size_t>(avail, ts.size);
  return fail(std::string("type mismatch: ") + what + " requires " + type_list(ts.data, ts.size) +
              " but stack has " + type_list(vals_.data() + vals_.size() - shown, shown));
}

bool Validator::push_ctrl(Opcode kind, Types params, Types results, const ValType* single) {
  Frame f;
  f.kind = kind;
  f.params = params;
  if (single) {
    f.single_result = true;
    f.single = *single;
  } else {
    f.results = results;
  }
  f.height = static_cast<uint32_t>(vals_.size());
  f.init_height = static_cast<uint32_t>(init_log_.size());
  ctrls_.push_back(f);
  push_types(params);
  return true;
}

bool Validator::pop_ctrl(Frame* out) {
  Frame& f = ctrls_.back();
  Types ends = f.end_types();
  if (!check_types(ends, "instruction")) return false;
  size_t avail = vals_.size() - f.height;
  if (avail > ends.size) {
    return fail("type mismatch: block requires " + type_list(ends.data, ends.size) +
                " but stack has " + type_list(vals_.data() + f.height, avail));
  }
  *out = f;
  if (out->single_result) {
    // The copy's `single` lives in *out; repoint after the frame is gone.
    out->results = {nullptr, 0};
  }
  vals_.resize(f.height);
  for (size_t i = f.init_height; i < init_log_.size(); ++i) local_init_[init_log_[i]] = 0;
  init_log_.resize(f.init_height);
  ctrls_.pop_back();
  return true;
}

bool Validator::block_types(const BlockType& bt, Types* params, Types* results, ValType* single,
                            bool* is_single) {
  *params = {};
  *results = {};
  *is_single = false;
  switch (bt.kind) {
    case BlockType::Kind::kEmpty: return true;
    case BlockType::Kind::kValue:
      if (!val_ok(bt.value)) return fail(unknown("type", bt.value.heap.type_index()));
      *single = bt.value;
      *is_single = true;
      return true;
    case BlockType::Kind::kIndex:
      if (bt.index >= m_.types.size()) return fail(unknown("type", bt.index));
      if (!is_func_type(bt.index)) return fail("type mismatch: non-function block type");
      *params = span(m_.func_type(bt.index).params);
      *results = span(m_.func_type(bt.index).results);
      return true;
  }
  return true;
}

bool Validator::type_of_kind(uint32_t idx, CompositeKind kind, const CompositeType** out) {
  if (idx >= m_.types.size()) return fail(unknown("type", idx));
  const CompositeType& c = m_.types[idx].comp;
  if (c.kind != kind) {
    const char* k = kind == CompositeKind::kFunc     ? "function"
                    : kind == CompositeKind::kStruct ? "struct"
                                                     : "array";
    return fail(std::string("type mismatch: expected ") + k + " type at index " +
                std::to_string(idx));
  }
  *out = &c;
  return true;
}

bool Validator::check_return_call(const FuncType& callee) {
  Types want = func_results_;
  if (callee.results.size() != want.size) return mismatch("return_call result arity");
  for (uint32_t i = 0; i < want.size; ++i)
    if (!sub(callee.results[i], want.data[i])) return mismatch("return_call result type");
  return true;
}

bool Validator::memarg_op(const Imm& imm, const OpSig& in) {
  ValType at;
  if (!memory(imm.memarg.memory, &at)) return false;
  if (in.proposal == Proposal::kThreads) {
    if (imm.memarg.align_log2 != in.align) return fail("alignment must be exactly natural");
  } else if (imm.memarg.align_log2 > in.align) {
    return fail("alignment must not be larger than natural");
  }
  if (!m_.memory_types[imm.memarg.memory].limits.is64 && imm.memarg.offset > 0xFFFFFFFFull)
    return fail("offset out of range");
  if (in.imm == ImmKind::kMemargLane && imm.lane >= in.lanes) return fail("invalid lane index");
  ValType params[4];
  std::copy(in.params, in.params + in.num_params, params);
  params[0] = at;
  if (!pop_types({params, in.num_params})) return false;
  push_types({in.results, in.num_results});
  return true;
}

bool Validator::const_allowed(Opcode op, const Imm& imm) {
  switch (op) {
    case Opcode::kI32Const:
    case Opcode::kI64Const:
    case Opcode::kF32Const:
    case Opcode::kF64Const:
    case Opcode::kV128Const:
    case Opcode::kRefNull:
    case Opcode::kRefFunc:
    case Opcode::kEnd:
      return true;
    case Opcode::kGlobalGet:
      if (imm.index >= visible_globals_) return fail(unknown("global", imm.index));
      if (m_.global_types[imm.index].mut) return fail("constant expression required");
      return true;
    case Opcode::kI32Add:
    case Opcode::kI32Sub:
    case Opcode::kI32Mul:
    case Opcode::kI64Add:
    case Opcode::kI64Sub:
    case Opcode::kI64Mul:
      if (f_.extended_const) return true;
      break;
    case Opcode::kStructNew:
    case Opcode::kStructNewDefault:
    case Opcode::kArrayNew:
    case Opcode::kArrayNewDefault:
    case Opcode::kArrayNewFixed:
    case Opcode::kRefI31:
    case Opcode::kAnyConvertExtern:
    case Opcode::kExternConvertAny:
      if (f_.gc) return true;
      break;
    default:
      break;
  }
  return fail("constant expression required");
}

// One instruction. Returns false with err_ set on a validation error.
bool Validator::step(Opcode op, const Imm& imm) {
  const OpSig& s = sigs_[static_cast<uint32_t>(op)];
  if (s.typed) {
    if (s.imm == ImmKind::kMemarg || s.imm == ImmKind::kMemargLane) return memarg_op(imm, s);
    if (s.imm == ImmKind::kLane && imm.lane >= s.lanes) return fail("invalid lane index");
    if (s.imm == ImmKind::kShuffle) {
      for (int i = 0; i < 16; ++i)
        if (imm.bytes[i] >= 32) return fail("invalid lane index");
    }
    if (!pop_types({s.params, s.num_params})) return false;
    push_types({s.results, s.num_results});
    return true;
  }

  ValType t, t2;
  Frame* lf;
  const TableType* tt;
  const CompositeType* ct;
  ValType at;
  switch (op) {
    case Opcode::kUnreachable:
      set_unreachable();
      return true;
    case Opcode::kNop:
    case Opcode::kAtomicFence:
      return true;

    // ---- control ----
    case Opcode::kBlock:
    case Opcode::kLoop:
    case Opcode::kIf:
    case Opcode::kTry: {
      Types params, results;
      ValType single;
      bool is_single;
      if (!block_types(imm.block, &params, &results, &single, &is_single)) return false;
      if (op == Opcode::kIf && !pop_type(ValType::i32())) return false;
      if (!pop_types(params)) return false;
      return push_ctrl(op, params, results, is_single ? &single : nullptr);
    }
    case Opcode::kTryTable: {
      Types params, results;
      ValType single;
      bool is_single;
      if (!block_types(imm.block, &params, &results, &single, &is_single)) return false;
      if (!pop_types(params)) return false;
      for (uint32_t i = 0; i < imm.num_catches; ++i) {
        const CatchClause& c = imm.catches[i];
        ValType buf[1] = {ValType::ref(HeapKind::kExn, false)};
        Types tp;
        bool with_ref = c.kind == CatchClause::Kind::kCatchRef ||
                        c.kind == CatchClause::Kind::kCatchAllRef;
        if (c.kind == CatchClause::Kind::kCatch || c.kind == CatchClause::Kind::kCatchRef) {
          if (!tag_params(c.tag, &tp)) return false;
        }
        if (!label(c.label, &lf)) return false;
        Types lt = lf->label_types();
        uint32_t n = tp.size + (with_ref ? 1 : 0);
        if (lt.size != n) return mismatch("catch label arity");
        for (uint32_t k = 0; k < tp.size; ++k)
          if (!sub(tp.data[k], lt.data[k])) return mismatch("catch label type");
        if (with_ref && !sub(buf[0], lt.data[n - 1])) return mismatch("catch label type");
      }
      return push_ctrl(op, params, results, is_single ? &single : nullptr);
    }
    case Opcode::kElse: {
      Frame& f = ctrls_.back();
      if (f.kind != Opcode::kIf) {
        err_malformed_ = true;
        return fail("else without matching if");
      }
      Frame old;
      if (!pop_ctrl(&old)) return false;
      return push_ctrl(Opcode::kElse, old.params, old.results,
                       old.single_result ? &old.single : nullptr);
    }
    case Opcode::kCatch:
    case Opcode::kCatchAll: {
      Frame& f = ctrls_.back();
      if (f.kind != Opcode::kTry && f.kind != Opcode::kCatch) {
        err_malformed_ = true;
        return fail(op == Opcode::kCatch ? "catch without matching try"
                                         : "catch_all without matching try");
      }
      Types tp;
      if (op == Opcode::kCatch && !tag_params(imm.index, &tp)) return false;
      Frame old;
      if (!pop_ctrl(&old)) return false;
      if (!push_ctrl(op, {}, old.results, old.single_result ? &old.single : nullptr)) return false;
      push_types(tp);
      return true;
    }
    case Opcode::kDelegate: {
      Frame& f = ctrls_.back();
      if (f.kind != Opcode::kTry) {
        err_malformed_ = true;
        return fail("delegate without matching try");
      }
      Frame old;
      if (!pop_ctrl(&old)) return false;
      if (imm.index >= ctrls_.size()) return fail("unknown label");
      push_types(old.single_result ? Types{&old.single, 1} : old.results);
      return true;
    }
    case Opcode::kRethrow:
      if (!label(imm.index, &lf)) return false;
      if (lf->kind != Opcode::kCatch && lf->kind != Opcode::kCatchAll)
        return fail("invalid rethrow label");
      set_unreachable();
      return true;
    case Opcode::kThrow: {
      Types tp;
      if (!tag_params(imm.index, &tp)) return false;
      if (!pop_types(tp)) return false;
      set_unreachable();
      return true;
    }
    case Opcode::kThrowRef:
      if (!pop_type(ValType::exnref())) return false;
      set_unreachable();
      return true;
    case Opcode::kEnd: {
      Frame old;
      if (!pop_ctrl(&old)) return false;
      Types ends = old.single_result ? Types{&old.single, 1} : old.results;
      if (old.kind == Opcode::kIf) {
        // No else: the implicit else passes the parameters through as results.
        bool good = old.params.size == ends.size;
        for (uint32_t i = 0; good && i < ends.size; ++i) good = sub(old.params.data[i], ends.data[i]);
        if (!good)
          return fail("type mismatch: block requires " + type_list(ends.data, ends.size) +
                      " but stack has " + type_list(old.params.data, old.params.size));
      }
      push_types(ends);
      return true;
    }
    case Opcode::kBr:
      if (!label(imm.index, &lf)) return false;
      if (!pop_types(lf->label_types())) return false;
      set_unreachable();
      return true;
    case Opcode::kBrIf: {
      if (!label(imm.index, &lf)) return false;
      if (!pop_type(ValType::i32())) return false;
      Types lt = lf->label_types();
      if (!pop_types(lt)) return false;
      push_types(ctrls_[ctrls_.size() - 1 - imm.index].label_types());
      return true;
    }
    case Opcode::kBrTable: {
      if (!pop_type(ValType::i32())) return false;
      if (!label(imm.default_target, &lf)) return false;
      uint32_t arity = lf->label_types().size;
      for (uint32_t i = 0; i < imm.num_targets; ++i) {
        if (!label(imm.targets[i], &lf)) return false;
        Types lt = lf->label_types();
        if (lt.size != arity) return mismatch("br_table arity");
        if (!check_types(lt, "instruction")) return false;
      }
      if (!pop_types(ctrls_[ctrls_.size() - 1 - imm.default_target].label_types())) return false;
      set_unreachable();
      return true;
    }
    case Opcode::kReturn:
      if (!pop_types(func_results_)) return false;
      set_unreachable();
      return true;
    case Opcode::kBrOnNull: {
      if (!label(imm.index, &lf)) return false;
      if (!pop_ref(&t)) return false;
      Types lt = lf->label_types();
      if (!pop_types(lt)) return false;
      push_types(lt);
      push(ValType::ref(t.heap, false));
      return true;
    }
    case Opcode::kBrOnNonNull: {
      if (!label(imm.index, &lf)) return false;
      Types lt = lf->label_types();
      if (lt.size == 0 || !lt.data[lt.size - 1].is_ref()) return mismatch("br_on_non_null label");
      if (!pop_ref(&t)) return false;
      if (!sub(ValType::ref(t.heap, false), lt.data[lt.size - 1])) {
        return fail("type mismatch: instruction requires " + type_list(lt.data, lt.size) +
                    " but stack has [" + type_name(t) + "]");
      }
      Types prefix{lt.data, lt.size - 1};
      if (!pop_types(prefix)) return false;
      push_types(prefix);
      return true;
    }
    case Opcode::kBrOnCast:
    case Opcode::kBrOnCastFail: {
      if (!label(imm.index, &lf)) return false;
      if (!heap_ok(imm.heap)) return fail(unknown("type", imm.heap.type_index()));
      if (!heap_ok(imm.heap2)) return fail(unknown("type", imm.heap2.type_index()));
      ValType rt1 = ValType::ref(imm.heap, imm.nullable);
      ValType rt2 = ValType::ref(imm.heap2, imm.nullable2);
      if (!sub(rt2, rt1)) return mismatch("cast target is not a subtype of the source type");
      // What remains when the cast fails: rt1 minus rt2.
      ValType diff = ValType::ref(imm.heap, imm.nullable2 ? false : imm.nullable);
      Types lt = lf->label_types();
      if (lt.size == 0) return mismatch("branch label has no value");
      ValType on_branch = op == Opcode::kBrOnCast ? rt2 : diff;
      if (!sub(on_branch, lt.data[lt.size - 1])) return mismatch("branch label type");
      if (!pop_type(rt1)) return false;
      Types prefix{lt.data, lt.size - 1};
      if (!pop_types(prefix)) return false;
      push_types(prefix);
      push(op == Opcode::kBrOnCast ? diff : rt2);
      return true;
    }

    // ---- calls ----
    case Opcode::kCall:
    case Opcode::kReturnCall: {
      if (imm.index >= m_.num_funcs()) return fail(unknown("function", imm.index));
      const FuncType& ft = m_.func_sig(imm.index);
      if (op == Opcode::kReturnCall && !check_return_call(ft)) return false;
      if (!pop_types(span(ft.params))) return false;
      if (op == Opcode::kReturnCall) {
        set_unreachable();
      } else {
        push_types(span(ft.results));
      }
      return true;
    }
    case Opcode::kCallIndirect:
    case Opcode::kReturnCallIndirect: {
      if (!table(imm.index2, &tt)) return false;
      if (!sub(tt->elem, ValType::funcref())) return mismatch("call_indirect table must be funcref");
      if (!type_of_kind(imm.index, CompositeKind::kFunc, &ct)) return false;
      const FuncType& ft = ct->func;
      if (op == Opcode::kReturnCallIndirect && !check_return_call(ft)) return false;
      if (!pop_type(addr_type(tt->limits.is64))) return false;
      if (!pop_types(span(ft.params))) return false;
      if (op == Opcode::kReturnCallIndirect) {
        set_unreachable();
      } else {
        push_types(span(ft.results));
      }
      return true;
    }
    case Opcode::kCallRef:
    case Opcode::kReturnCallRef: {
      if (!type_of_kind(imm.index, CompositeKind::kFunc, &ct)) return false;
      const FuncType& ft = ct->func;
      if (op == Opcode::kReturnCallRef && !check_return_call(ft)) return false;
      if (!pop_type(ValType::ref(HeapType::index(imm.index), true))) return false;
      if (!pop_types(span(ft.params))) return false;
      if (op == Opcode::kReturnCallRef) {
        set_unreachable();
      } else {
        push_types(span(ft.results));
      }
      return true;
    }

    // ---- parametric ----
    case Opcode::kDrop:
      return pop_any(&t);
    case Opcode::kSelect: {
      if (!pop_type(ValType::i32())) return false;
      if (!pop_any(&t) || !pop_any(&t2)) return false;
      if (t.is_ref() || t2.is_ref()) return mismatch("select without type requires numeric operands");
      if (t.kind != ValKind::kBot && t2.kind != ValKind::kBot && t.kind != t2.kind)
        return fail("type mismatch: select operands " + type_name(t2) + " and " + type_name(t));
      push(t.kind == ValKind::kBot ? t2 : t);
      return true;
    }
    case Opcode::kSelectT: {
      if (imm.num_types != 1) return fail("invalid result arity");
      t = imm.types[0];
      if (!val_ok(t)) return fail(unknown("type", t.heap.type_index()));
      if (!pop_type(ValType::i32())) return false;
      ValType two[2] = {t, t};
      if (!pop_types({two, 2})) return false;
      push(t);
      return true;
    }

    // ---- variables ----
    case Opcode::kLocalGet:
      if (imm.index >= locals_.size()) return fail(unknown("local", imm.index));
      if (!local_init_[imm.index]) return fail("uninitialized local " + std::to_string(imm.index));
      push(locals_[imm.index]);
      return true;
    case Opcode::kLocalSet:
    case Opcode::kLocalTee:
      if (imm.index >= locals_.size()) return fail(unknown("local", imm.index));
      if (!pop_type(locals_[imm.index])) return false;
      set_local(imm.index);
      if (op == Opcode::kLocalTee) push(locals_[imm.index]);
      return true;
    case Opcode::kGlobalGet:
      if (imm.index >= m_.global_types.size()) return fail(unknown("global", imm.index));
      push(m_.global_types[imm.index].type);
      return true;
    case Opcode::kGlobalSet:
      if (imm.index >= m_.global_types.size()) return fail(unknown("global", imm.index));
      if (!m_.global_types[imm.index].mut) return fail("immutable global");
      return pop_type(m_.global_types[imm.index].type);

    // ---- tables ----
    case Opcode::kTableGet:
      if (!table(imm.index, &tt)) return false;
      if (!pop_type(addr_type(tt->limits.is64))) return false;
      push(tt->elem);
      return true;
    case Opcode::kTableSet: {
      if (!table(imm.index, &tt)) return false;
      ValType ops[2] = {addr_type(tt->limits.is64), tt->elem};
      return pop_types({ops, 2});
    }
    case Opcode::kTableSize:
      if (!table(imm.index, &tt)) return false;
      push(addr_type(tt->limits.is64));
      return true;
    case Opcode::kTableGrow: {
      if (!table(imm.index, &tt)) return false;
      at = addr_type(tt->limits.is64);
      ValType ops[2] = {tt->elem, at};
      if (!pop_types({ops, 2})) return false;
      push(at);
      return true;
    }
    case Opcode::kTableFill: {
      if (!table(imm.index, &tt)) return false;
      at = addr_type(tt->limits.is64);
      ValType ops[3] = {at, tt->elem, at};
      return pop_types({ops, 3});
    }
    case Opcode::kTableCopy: {
      const TableType* src;
      if (!table(imm.index, &tt) || !table(imm.index2, &src)) return false;
      if (!sub(src->elem, tt->elem)) return mismatch("table.copy element types");
      ValType ops[3] = {addr_type(tt->limits.is64), addr_type(src->limits.is64),
                        addr_type(tt->limits.is64 && src->limits.is64)};
      return pop_types({ops, 3});
    }
    case Opcode::kTableInit: {
      if (!table(imm.index2, &tt) || !elem_segment(imm.index)) return false;
      if (!sub(m_.elems[imm.index].type, tt->elem)) return mismatch("table.init element types");
      ValType ops[3] = {addr_type(tt->limits.is64), ValType::i32(), ValType::i32()};
      return pop_types({ops, 3});
    }
    case Opcode::kElemDrop:
      return elem_segment(imm.index);

    // ---- memories ----
    case Opcode::kMemorySize:
      if (!memory(imm.index, &at)) return false;
      push(at);
      return true;
    case Opcode::kMemoryGrow:
      if (!memory(imm.index, &at)) return false;
      if (!pop_type(at)) return false;
      push(at);
      return true;
    case Opcode::kMemoryFill: {
      if (!memory(imm.index, &at)) return false;
      ValType ops[3] = {at, ValType::i32(), at};
      return pop_types({ops, 3});
    }
    case Opcode::kMemoryCopy: {
      ValType src;
      if (!memory(imm.index, &at) || !memory(imm.index2, &src)) return false;
      ValType n = (at.kind == ValKind::kI64 && src.kind == ValKind::kI64) ? ValType::i64()
                                                                          : ValType::i32();
      ValType ops[3] = {at, src, n};
      return pop_types({ops, 3});
    }
    case Opcode::kMemoryInit: {
      if (!memory(imm.index2, &at) || !data_segment(imm.index)) return false;
      ValType ops[3] = {at, ValType::i32(), ValType::i32()};
      return pop_types({ops, 3});
    }
    case Opcode::kDataDrop:
      return data_segment(imm.index);

    // ---- references ----
    case Opcode::kRefNull:
      if (!heap_ok(imm.heap)) return fail(unknown("type", imm.heap.type_index()));
      push(ValType::ref(imm.heap, true));
      return true;
    case Opcode::kRefIsNull:
      if (!pop_ref(&t)) return false;
      push(ValType::i32());
      return true;
    case Opcode::kRefFunc:
      if (imm.index >= m_.num_funcs()) return fail(unknown("function", imm.index));
      if (!const_mode_ && !declared_[imm.index]) return fail("undeclared function reference");
      push(ValType::ref(HeapType::index(m_.func_types[imm.index]), false));
      return true;
    case Opcode::kRefEq: {
      ValType ops[2] = {ValType::ref(HeapKind::kEq, true), ValType::ref(HeapKind::kEq, true)};
      if (!pop_types({ops, 2})) return false;
      push(ValType::i32());
      return true;
    }
    case Opcode::kRefAsNonNull:
      if (!pop_ref(&t)) return false;
      push(ValType::ref(t.heap, false));
      return true;
    case Opcode::kRefTest:
    case Opcode::kRefTestNull:
    case Opcode::kRefCast:
    case Opcode::kRefCastNull: {
      if (!heap_ok(imm.heap)) return fail(unknown("type", imm.heap.type_index()));
      if (!pop_type(ValType::ref(tc_.top_of(imm.heap), true))) return false;
      if (op == Opcode::kRefTest || op == Opcode::kRefTestNull) {
        push(ValType::i32());
      } else {
        push(ValType::ref(imm.heap, op == Opcode::kRefCastNull));
      }
      return true;
    }
    case Opcode::kRefI31:
      if (!pop_type(ValType::i32())) return false;
      push(ValType::ref(HeapKind::kI31, false));
      return true;
    case Opcode::kI31GetS:
    case Opcode::kI31GetU:
      if (!pop_type(ValType::ref(HeapKind::kI31, true))) return false;
      push(ValType::i32());
      return true;
    case Opcode::kAnyConvertExtern:
    case Opcode::kExternConvertAny: {
      bool to_any = op == Opcode::kAnyConvertExtern;
      if (!pop_ref(&t)) return false;
      if (!sub(t, ValType::ref(to_any ? HeapKind::kExtern : HeapKind::kAny, true))) {
        return fail(std::string("type mismatch: instruction requires [") +
                    (to_any ? "externref" : "anyref") + "] but stack has [" + type_name(t) + "]");
      }
      push(ValType::ref(to_any ? HeapKind::kAny : HeapKind::kExtern, t.nullable));
      return true;
    }

    // ---- structs ----
    case Opcode::kStructNew:
    case Opcode::kStructNewDefault: {
      if (!type_of_kind(imm.index, CompositeKind::kStruct, &ct)) return false;
      const auto& fields = ct->strukt.fields;
      if (op == Opcode::kStructNewDefault) {
        for (const FieldType& fld : fields)
          if (!defaultable(fld.type)) return fail("type mismatch: field type is not defaultable");
      } else {
        for (size_t i = fields.size(); i-- > 0;)
          if (!pop_type(unpacked(fields[i].type))) return false;
      }
      push(ValType::ref(HeapType::index(imm.index), false));
      return true;
    }
    case Opcode::kStructGet:
    case Opcode::kStructGetS:
    case Opcode::kStructGetU:
    case Opcode::kStructSet: {
      if (!type_of_kind(imm.index, CompositeKind::kStruct, &ct)) return false;
      const auto& fields = ct->strukt.fields;
      if (imm.index2 >= fields.size()) return fail(unknown("field", imm.index2));
      const FieldType& fld = fields[imm.index2];
      if (op == Opcode::kStructSet) {
        if (!fld.mut) return fail("immutable field");
        ValType ops[2] = {ValType::ref(HeapType::index(imm.index), true), unpacked(fld.type)};
        return pop_types({ops, 2});
      }
      if ((op == Opcode::kStructGet) == fld.type.is_packed())
        return mismatch(op == Opcode::kStructGet ? "field is packed" : "field is not packed");
      if (!pop_type(ValType::ref(HeapType::index(imm.index), true))) return false;
      push(unpacked(fld.type));
      return true;
    }

    // ---- arrays ----
    case Opcode::kArrayNew:
    case Opcode::kArrayNewDefault:
    case Opcode::kArrayNewFixed:
    case Opcode::kArrayNewData:
    case Opcode::kArrayNewElem: {
      if (!type_of_kind(imm.index, CompositeKind::kArray, &ct)) return false;
      ValType et = ct->array.field.type;
      switch (op) {
        case Opcode::kArrayNew: {
          ValType ops[2] = {unpacked(et), ValType::i32()};
          if (!pop_types({ops, 2})) return false;
          break;
        }
        case Opcode::kArrayNewDefault:
          if (!defaultable(et)) return fail("type mismatch: array type is not defaultable");
          if (!pop_type(ValType::i32())) return false;
          break;
        case Opcode::kArrayNewFixed:
          // The operand count is bounded by the stack actually present, so a huge N fails
          // after at most height+1 pops.
          for (uint32_t i = 0; i < imm.index2; ++i)
            if (!pop_type(unpacked(et))) return false;
          break;
        case Opcode::kArrayNewData: {
          if (et.is_ref()) return fail("array type is not numeric or vector");
          if (!data_segment(imm.index2)) return false;
          ValType ops[2] = {ValType::i32(), ValType::i32()};
          if (!pop_types({ops, 2})) return false;
          break;
        }
        default: {
          if (!elem_segment(imm.index2)) return false;
          if (!sub(m_.elems[imm.index2].type, et)) return mismatch("array.new_elem element type");
          ValType ops[2] = {ValType::i32(), ValType::i32()};
          if (!pop_types({ops, 2})) return false;
          break;
        }
      }
      push(ValType::ref(HeapType::index(imm.index), false));
      return true;
    }
    case Opcode::kArrayGet:
    case Opcode::kArrayGetS:
    case Opcode::kArrayGetU: {
      if (!type_of_kind(imm.index, CompositeKind::kArray, &ct)) return false;
      ValType et = ct->array.field.type;
      if ((op == Opcode::kArrayGet) == et.is_packed())
        return mismatch(op == Opcode::kArrayGet ? "array is packed" : "array is not packed");
      ValType ops[2] = {ValType::ref(HeapType::index(imm.index), true), ValType::i32()};
      if (!pop_types({ops, 2})) return false;
      push(unpacked(et));
      return true;
    }
    case Opcode::kArraySet:
    case Opcode::kArrayFill: {
      if (!type_of_kind(imm.index, CompositeKind::kArray, &ct)) return false;
      if (!ct->array.field.mut) return fail("immutable array");
      ValType ops[4] = {ValType::ref(HeapType::index(imm.index), true), ValType::i32(),
                        unpacked(ct->array.field.type), ValType::i32()};
      return pop_types({ops, op == Opcode::kArraySet ? 3u : 4u});
    }
    case Opcode::kArrayLen:
      if (!pop_type(ValType::ref(HeapKind::kArray, true))) return false;
      push(ValType::i32());
      return true;
    case Opcode::kArrayCopy: {
      const CompositeType* src;
      if (!type_of_kind(imm.index, CompositeKind::kArray, &ct)) return false;
      if (!type_of_kind(imm.index2, CompositeKind::kArray, &src)) return false;
      if (!ct->array.field.mut) return fail("immutable array");
      ValType dt = ct->array.field.type, st = src->array.field.type;
      bool compatible = (dt.is_packed() || st.is_packed()) ? dt.kind == st.kind : sub(st, dt);
      if (!compatible) return fail("array types do not match");
      ValType ops[5] = {ValType::ref(HeapType::index(imm.index), true), ValType::i32(),
                        ValType::ref(HeapType::index(imm.index2), true), ValType::i32(),
                        ValType::i32()};
      return pop_types({ops, 5});
    }
    case Opcode::kArrayInitData:
    case Opcode::kArrayInitElem: {
      if (!type_of_kind(imm.index, CompositeKind::kArray, &ct)) return false;
      if (!ct->array.field.mut) return fail("immutable array");
      ValType et = ct->array.field.type;
      if (op == Opcode::kArrayInitData) {
        if (et.is_ref()) return fail("array type is not numeric or vector");
        if (!data_segment(imm.index2)) return false;
      } else {
        if (!elem_segment(imm.index2)) return false;
        if (!sub(m_.elems[imm.index2].type, et)) return mismatch("array.init_elem element type");
      }
      ValType ops[4] = {ValType::ref(HeapType::index(imm.index), true), ValType::i32(),
                        ValType::i32(), ValType::i32()};
      return pop_types({ops, 4});
    }

    default:
      break;
  }
  return fail(std::string("unhandled instruction ") + info(op).text);
}

Expected<void> Validator::check_expr(InstrReader& r, bool is_const) {
  Opcode op;
  Imm imm;
  while (!ctrls_.empty()) {
    if (r.at_end()) {
      return Error(ErrorKind::kMalformed, "unexpected end of section or function",
                   Location::at_offset(r.offset()));
    }
    uint64_t off = r.offset();
    KILN_TRY(r.next(&op, &imm));
    if (!enabled_[static_cast<uint32_t>(sigs_[static_cast<uint32_t>(op)].proposal)] ||
        (is_const ? !const_allowed(op, imm) : false) || !step(op, imm)) {
      if (err_.empty()) err_ = "illegal opcode";
      Error e(err_malformed_ ? ErrorKind::kMalformed : ErrorKind::kInvalid, std::move(err_),
              Location::at_offset(off));
      err_.clear();
      err_malformed_ = false;
      return e;
    }
  }
  if (!r.at_end()) {
    return Error(ErrorKind::kMalformed, "operators remaining after end of function",
                 Location::at_offset(r.offset()));
  }
  return ok();
}

Expected<void> Validator::check_const(ConstExpr e, ValType expected, uint32_t visible_globals) {
  if (!in_bounds(e)) return invalid("constant expression out of bounds", e.offset);
  InstrReader r(m_.at(e), m_.at(e) + e.size, e.offset, f_);
  vals_.clear();
  ctrls_.clear();
  init_log_.clear();
  const_mode_ = true;
  visible_globals_ = visible_globals;
  const_result_ = expected;
  func_results_ = {&const_result_, 1};
  push_ctrl(Opcode::kBlock, {}, {}, &expected);
  Expected<void> res = check_expr(r, true);
  const_mode_ = false;
  return res;
}

Expected<void> Validator::check_body(uint32_t func_index) {
  const FuncBody& body = m_.bodies[func_index - m_.num_imported_funcs];
  const FuncType& ft = m_.func_sig(func_index);
  if (!in_bounds(body.code)) return invalid("function body out of bounds", body.code.offset, func_index);
  // Guard the flattening below: the decoder bounds the count, but a Module built by hand
  // must not make us allocate without limit.
  constexpr uint64_t kMaxLocals = 50000;
  if (uint64_t{body.num_locals} + ft.params.size() > kMaxLocals)
    return invalid("too many locals", body.whole.offset, func_index);
  locals_.assign(ft.params.begin(), ft.params.end());
  local_init_.assign(ft.params.size(), 1);
  for (const Local& l : body.locals) {
    if (!val_ok(l.type))
      return invalid(unknown("type", l.type.heap.type_index()), body.whole.offset, func_index);
    if (l.count > kMaxLocals - locals_.size())
      return invalid("too many locals", body.whole.offset, func_index);
    locals_.insert(locals_.end(), l.count, l.type);
    local_init_.insert(local_init_.end(), l.count, defaultable(l.type) ? 1 : 0);
  }
  vals_.clear();
  ctrls_.clear();
  init_log_.clear();
  func_results_ = span(ft.results);
  push_ctrl(Opcode::kBlock, {}, func_results_, nullptr);
  InstrReader r(m_.at(body.code), m_.at(body.code) + body.code.size, body.code.offset, f_);
  Expected<void> res = check_expr(r, false);
  if (!res.ok()) {
    Error e = std::move(res).error();
    Location loc = e.location();
    loc.func = func_index;
    return Error(e.kind(), e.message(), loc);
  }
  return ok();
}

// ---- module level ----

Expected<void> Validator::check_type_section() {
  const auto& types = m_.types;
  uint32_t n = static_cast<uint32_t>(types.size());
  canon_.clear();
  canon_.reserve(n);
  TypeCanonicalizer canonicalizer;
  uint32_t i = 0;
  while (i < n) {
    uint32_t size = types[i].rec_group_size;
    if (size == 0 || size > n - i) size = 1;
    uint32_t end = i + size;
    auto ref_ok = [&](ValType t) { return t.kind != ValKind::kRef || !t.heap.is_index() || t.heap.type_index() < end; };
    for (uint32_t k = i; k < end; ++k) {
      const SubType& st = types[k];
      const CompositeType& c = st.comp;
      auto bad = [&](ValType t) { return invalid(unknown("type", t.heap.type_index())); };
      switch (c.kind) {
        case CompositeKind::kFunc:
          for (ValType t : c.func.params) if (!ref_ok(t)) return bad(t);
          for (ValType t : c.func.results) if (!ref_ok(t)) return bad(t);
          break;
        case CompositeKind::kStruct:
          for (const FieldType& fld : c.strukt.fields) if (!ref_ok(fld.type)) return bad(fld.type);
          break;
        case CompositeKind::kArray:
          if (!ref_ok(c.array.field.type)) return bad(c.array.field.type);
          break;
        case CompositeKind::kCont:
          if (c.cont_type >= end) return invalid(unknown("type", c.cont_type));
          break;
      }
      if (st.super && *st.super >= k) return invalid(unknown("type", *st.super));
    }
    canonicalizer.add_group(types, i, size, canon_);
    for (uint32_t k = i; k < end; ++k) {
      const SubType& st = types[k];
      if (st.comp.kind == CompositeKind::kCont && !is_func_type(st.comp.cont_type))
        return invalid("type mismatch: continuation type must refer to a function type");
      if (!st.super) continue;
      const SubType& sup = types[*st.super];
      if (sup.final) return invalid("sub type " + std::to_string(k) + " has a final supertype");
      if (!tc_.composite_subtype(st.comp, sup.comp))
        return invalid("sub type " + std::to_string(k) + " does not match its supertype " +
                       std::to_string(*st.super));
    }
    i = end;
  }
  return ok();
}

Expected<void> Validator::check_limits_table(const TableType& t) {
  KILN_TRY(check_val(t.elem));
  if (!t.elem.is_ref()) return invalid("malformed reference type");
  const Limits& l = t.limits;
  if (!l.is64 && (l.min > 0xFFFFFFFFull || (l.max && *l.max > 0xFFFFFFFFull)))
    return invalid("table size must be at most 2^32-1");
  if (l.max && l.min > *l.max) return invalid("size minimum must not be greater than maximum");
  return ok();
}

Expected<void> Validator::check_limits_memory(const MemoryType& t) {
  const Limits& l = t.limits;
  uint32_t page_log2 = 16;
  if (l.page_size_log2) {
    if (!f_.custom_page_sizes) return invalid("custom page sizes not enabled");
    if (*l.page_size_log2 != 0 && *l.page_size_log2 != 16) return invalid("invalid custom page size");
    page_log2 = *l.page_size_log2;
  }
  uint32_t addr_bits = l.is64 ? 64 : 32;
  // The largest page count whose byte size fits the address space (2^64 - 1 bytes at most).
  // With byte-sized pages the count itself must fit the address type.
  uint64_t max_pages = page_log2 == 0 ? (addr_bits == 64 ? ~uint64_t{0} : 0xFFFFFFFFull)
                                      : uint64_t{1} << (addr_bits - page_log2);
  if (l.min > max_pages || (l.max && *l.max > max_pages)) {
    if (!l.is64 && page_log2 == 16) return invalid("memory size must be at most 65536 pages (4GiB)");
    return invalid("memory size must be at most " + std::to_string(max_pages) + " pages");
  }
  if (l.max && l.min > *l.max) return invalid("size minimum must not be greater than maximum");
  if (l.shared) {
    if (!f_.threads) return invalid("shared memories require the threads feature");
    if (!l.max) return invalid("shared memory must have maximum");
  }
  return ok();
}

void Validator::collect_declared_refs() {
  declared_.assign(m_.num_funcs(), 0);
  auto scan = [&](ConstExpr e) {
    if (e.size == 0 || !in_bounds(e)) return;
    InstrReader r(m_.at(e), m_.at(e) + e.size, e.offset, f_);
    Opcode op;
    Imm imm;
    while (!r.at_end()) {
      if (!r.next(&op, &imm).ok()) return;
      if (op == Opcode::kRefFunc && imm.index < declared_.size()) declared_[imm.index] = 1;
    }
  };
  for (const Global& g : m_.globals) scan(g.init);
  for (const Table& t : m_.tables)
    if (t.init) scan(*t.init);
  for (const ElemSegment& seg : m_.elems) {
    for (uint32_t f : seg.func_indices)
      if (f < declared_.size()) declared_[f] = 1;
    for (ConstExpr e : seg.exprs) scan(e);
  }
  for (const Export& e : m_.exports)
    if (e.kind == ExternKind::kFunc && e.index < declared_.size()) declared_[e.index] = 1;
}

Expected<void> Validator::run() {
  if (m_.func_types.size() != uint64_t{m_.num_imported_funcs} + m_.bodies.size())
    return invalid("function and code section have inconsistent lengths");
  KILN_TRY(check_type_section());

  // Imports.
  for (const Import& imp : m_.imports) {
    switch (imp.kind) {
      case ExternKind::kFunc: KILN_TRY(check_func_type_index(imp.func_type)); break;
      case ExternKind::kTable: KILN_TRY(check_limits_table(imp.table)); break;
      case ExternKind::kMemory: KILN_TRY(check_limits_memory(imp.memory)); break;
      case ExternKind::kGlobal: KILN_TRY(check_val(imp.global.type)); break;
      case ExternKind::kTag:
        KILN_TRY(check_func_type_index(imp.tag.type_index));
        if (!m_.func_type(imp.tag.type_index).results.empty())
          return invalid("non-empty tag result type");
        break;
    }
  }
  // Defined functions.
  for (uint32_t i = m_.num_imported_funcs; i < m_.num_funcs(); ++i)
    KILN_TRY(check_func_type_index(m_.func_types[i]));

  collect_declared_refs();

  // Tables.
  if (m_.table_types.size() != uint64_t{m_.num_imported_tables} + m_.tables.size() ||
      m_.memory_types.size() < m_.num_imported_memories ||
      m_.global_types.size() != uint64_t{m_.num_imported_globals} + m_.globals.size() ||
      m_.tag_types.size() < m_.num_imported_tags)
    return invalid("inconsistent index spaces");
  if (m_.table_types.size() > 1 && !f_.reference_types) return invalid("multiple tables");
  for (const Table& t : m_.tables) {
    KILN_TRY(check_limits_table(t.type));
    if (t.init) {
      // The table section precedes the global section: only imported globals are visible.
      KILN_TRY(check_const(*t.init, t.type.elem, m_.num_imported_globals));
    } else if (!defaultable(t.type.elem)) {
      return invalid("type mismatch: table of non-defaultable type needs an initializer");
    }
  }
  // Memories.
  if (m_.memory_types.size() > 1 && !f_.multi_memory) return invalid("multiple memories");
  for (uint32_t i = m_.num_imported_memories; i < m_.memory_types.size(); ++i)
    KILN_TRY(check_limits_memory(m_.memory_types[i]));
  // Globals: each initializer sees the imported and earlier defined globals.
  for (size_t i = 0; i < m_.globals.size(); ++i) {
    const Global& g = m_.globals[i];
    KILN_TRY(check_val(g.type.type));
    // Before GC only imported globals were constant; since 3.0 earlier defined ones are too.
    uint32_t visible = m_.num_imported_globals + (f_.gc ? static_cast<uint32_t>(i) : 0);
    KILN_TRY(check_const(g.init, g.type.type, visible));
  }
  // Tags.
  for (uint32_t i = m_.num_imported_tags; i < m_.tag_types.size(); ++i) {
    uint32_t ti = m_.tag_types[i].type_index;
    KILN_TRY(check_func_type_index(ti));
    if (!m_.func_type(ti).results.empty()) return invalid("non-empty tag result type");
  }
  // Exports.
  {
    std::unordered_set<std::string_view> names;
    names.reserve(m_.exports.size());
    for (const Export& e : m_.exports) {
      if (!names.insert(e.name).second) return invalid("duplicate export name");
      switch (e.kind) {
        case ExternKind::kFunc:
          if (e.index >= m_.num_funcs()) return invalid(unknown("function", e.index));
          break;
        case ExternKind::kTable:
          if (e.index >= m_.table_types.size()) return invalid(unknown("table", e.index));
          break;
        case ExternKind::kMemory:
          if (e.index >= m_.memory_types.size()) return invalid(unknown("memory", e.index));
          break;
        case ExternKind::kGlobal:
          if (e.index >= m_.global_types.size()) return invalid(unknown("global", e.index));
          break;
        case ExternKind::kTag:
          if (e.index >= m_.tag_types.size()) return invalid(unknown("tag", e.index));
          break;
      }
    }
  }
  // Start function.
  if (m_.start) {
    if (*m_.start >= m_.num_funcs()) return invalid(unknown("function", *m_.start));
    const FuncType& ft = m_.func_sig(*m_.start);
    if (!ft.params.empty() || !ft.results.empty()) return invalid("start function must have type [] -> []");
  }
  // Element segments.
  uint32_t all_globals = f_.gc ? static_cast<uint32_t>(m_.global_types.size()) : m_.num_imported_globals;
  for (const ElemSegment& seg : m_.elems) {
    KILN_TRY(check_val(seg.type));
    if (!seg.type.is_ref()) return invalid("malformed reference type");
    if (seg.mode == SegmentMode::kActive) {
      if (seg.table >= m_.table_types.size()) return invalid(unknown("table", seg.table));
      const TableType& tt = m_.table_types[seg.table];
      KILN_TRY(check_const(seg.offset, addr_type(tt.limits.is64), all_globals));
      if (!tc_.val_subtype(seg.type, tt.elem)) return invalid("type mismatch: element segment type does not match table");
    }
    if (seg.uses_exprs) {
      for (ConstExpr e : seg.exprs) KILN_TRY(check_const(e, seg.type, all_globals));
    } else {
      for (uint32_t f : seg.func_indices) {
        if (f >= m_.num_funcs()) return invalid(unknown("function", f));
        if (!tc_.val_subtype(ValType::ref(HeapType::index(m_.func_types[f]), false), seg.type))
          return invalid("type mismatch");
      }
    }
  }
  // Data segments.
  for (const DataSegment& seg : m_.datas) {
    if (seg.mode != SegmentMode::kActive) continue;
    if (seg.memory >= m_.memory_types.size()) return invalid(unknown("memory", seg.memory));
    KILN_TRY(check_const(seg.offset, addr_type(m_.memory_types[seg.memory].limits.is64), all_globals));
  }
  // Function bodies.
  if (check_bodies_) {
    for (uint32_t i = m_.num_imported_funcs; i < m_.num_funcs(); ++i) KILN_TRY(check_body(i));
  }
  return ok();
}

}  // namespace

Expected<void> validate(const Module& module, const Features& features) {
  Validator v(module, features);
  return v.run();
}

Expected<void> validate_except_bodies(const Module& module, const Features& features) {
  Validator v(module, features, /*check_bodies=*/false);
  return v.run();
}

}  // namespace kiln::wasm
