// wat/parser_instr.cc: instructions of the text format, plain and folded, with their
// immediates, encoded straight into a function body or constant expression.
#include <unordered_map>

#include "wat/parser_impl.h"

namespace kiln::wat::detail {

using wasm::HeapType;
using wasm::ImmKind;
using wasm::Opcode;
using wasm::ValType;

namespace {

// Folded instructions recurse; deeper nesting than this is rejected so that hostile input
// cannot exhaust the host stack. Plain block nesting is iterative and unlimited.
constexpr int kMaxFoldedDepth = 1000;

const std::unordered_map<std::string_view, Opcode>& mnemonic_map() {
  static const auto* map = [] {
    auto* m = new std::unordered_map<std::string_view, Opcode>();
    for (uint32_t i = 0; i < wasm::kNumOpcodes; ++i) {
      auto op = static_cast<Opcode>(i);
      m->emplace(wasm::info(op).text, op);  // first wins: kSelect, kRefTest, kRefCast
    }
    return m;
  }();
  return *map;
}

// Words where a literal belongs: the lexer's literal parsers call them "unexpected token",
// but a word that is no keyword at all (nan:1, 0xg) is an "unknown operator".
bool is_word(const Token& t) {
  return t.kind == TokenKind::kKeyword || t.kind == TokenKind::kReserved;
}

bool is_number(const Token& t) {
  return t.kind == TokenKind::kNat || t.kind == TokenKind::kInt || t.kind == TokenKind::kFloat;
}

// Decrements the folded-nesting depth on every exit path.
struct DepthGuard {
  int& depth;
  explicit DepthGuard(int& d) : depth(d) { ++depth; }
  ~DepthGuard() { --depth; }
};

}  // namespace

std::optional<Opcode> mnemonic_lookup(std::string_view text) {
  const auto& m = mnemonic_map();
  auto it = m.find(text);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

void Parser::write_opcode(BinaryWriter& out, Opcode op) const {
  const wasm::OpcodeInfo& in = wasm::info(op);
  if (in.prefix != 0) {
    out.u8(in.prefix);
    out.u32(in.code);
  } else {
    out.u8(static_cast<uint8_t>(in.code));
  }
}

Expected<void> Parser::check_end_label(const Label& frame) {
  if (peek().kind != TokenKind::kId) return ok();
  const Token& t = next();
  KILN_ASSIGN_OR_RETURN(std::string id, decode_id(t));
  if (id != frame.id) return error(t, "mismatching label");
  return ok();
}

Expected<uint32_t> Parser::parse_label() {
  const Token& t = peek();
  if (t.kind == TokenKind::kId) {
    KILN_ASSIGN_OR_RETURN(std::string id, decode_id(t));
    for (size_t i = labels_.size(); i-- > 0;) {
      if (labels_[i].id == id) {
        next();
        return static_cast<uint32_t>(labels_.size() - 1 - i);
      }
    }
    return error(t, "unknown label " + std::string(t.text));
  }
  if (t.kind != TokenKind::kNat) return unexpected(t);
  KILN_ASSIGN_OR_RETURN(uint32_t v, parse_u32(t));
  next();
  return v;
}

Expected<uint8_t> Parser::parse_lane_index() {
  const Token& t = peek();
  if (t.kind != TokenKind::kNat) return unexpected(t);
  KILN_ASSIGN_OR_RETURN(uint64_t v, parse_u64(t));
  if (v > 255) return error(t, "i8 constant out of range");
  next();
  return static_cast<uint8_t>(v);
}

Expected<void> Parser::parse_block_type(BinaryWriter& out) {
  if (!(at_form("type") || at_form("param") || at_form("result"))) {
    out.u8(0x40);
    return ok();
  }
  const Token& at = peek();
  KILN_ASSIGN_OR_RETURN(TypeUse use, parse_type_use(false));
  if (!use.index && use.sig.params.empty() && use.sig.results.size() <= 1) {
    if (use.sig.results.empty()) {
      out.u8(0x40);
    } else {
      write_val_type(out, use.sig.results[0]);
    }
    return ok();
  }
  KILN_ASSIGN_OR_RETURN(uint32_t idx, resolve_type_use(use, at));
  // A signature without params and with at most one result takes the short form, as
  // wat2wasm writes it, even when given as (type x).
  if (idx < type_defs_.size() && type_defs_[idx].sub.comp.kind == wasm::CompositeKind::kFunc) {
    const wasm::FuncType& ft = type_defs_[idx].sub.comp.func;
    if (ft.params.empty() && ft.results.size() <= 1) {
      if (ft.results.empty()) {
        out.u8(0x40);
      } else {
        write_val_type(out, ft.results[0]);
      }
      return ok();
    }
  }
  out.s33(idx);
  return ok();
}

Expected<void> Parser::parse_catch_clauses(BinaryWriter& out) {
  BinaryWriter clauses;
  uint32_t count = 0;
  for (;;) {
    uint8_t kind;
    if (at_form("catch")) {
      kind = 0;
    } else if (at_form("catch_ref")) {
      kind = 1;
    } else if (at_form("catch_all")) {
      kind = 2;
    } else if (at_form("catch_all_ref")) {
      kind = 3;
    } else {
      break;
    }
    next();
    next();
    clauses.u8(kind);
    if (kind < 2) {
      KILN_ASSIGN_OR_RETURN(uint32_t tag, parse_var(tags_));
      clauses.u32(tag);
    }
    KILN_ASSIGN_OR_RETURN(uint32_t label, parse_label());
    clauses.u32(label);
    KILN_TRY(expect_rparen());
    ++count;
  }
  out.u32(count);
  out.raw(clauses);
  return ok();
}

Expected<void> Parser::parse_expr(BinaryWriter& out) {
  KILN_TRY(parse_instrs(out));
  out.u8(0x0B);
  return ok();
}

Expected<void> Parser::parse_instrs(BinaryWriter& out) {
  const size_t base = labels_.size();
  for (;;) {
    const Token& t = peek();
    if (t.kind == TokenKind::kLParen) {
      KILN_TRY(parse_folded(out));
    } else if (t.kind == TokenKind::kKeyword) {
      KILN_TRY(parse_instr_step(out, base));
    } else {
      break;
    }
  }
  if (labels_.size() > base) return unexpected(peek());
  return ok();
}

// One plain instruction or block delimiter; `base` is where this sequence's frames start.
// Kept out of parse_instrs so that the recursion through folded forms has small frames.
Expected<void> Parser::parse_instr_step(BinaryWriter& out, size_t base) {
  const Token& t = peek();
  std::string_view kw = t.text;
  if (kw == "block" || kw == "loop" || kw == "if" || kw == "try" || kw == "try_table") {
    next();
    KILN_ASSIGN_OR_RETURN(auto id, parse_opt_id());
    Label::Kind kind = Label::Kind::kBlock;
    Opcode op = Opcode::kBlock;
    if (kw == "loop") op = Opcode::kLoop;
    if (kw == "if") op = Opcode::kIf, kind = Label::Kind::kIf;
    if (kw == "try") op = Opcode::kTry, kind = Label::Kind::kTry;
    if (kw == "try_table") op = Opcode::kTryTable, kind = Label::Kind::kTryTable;
    write_opcode(out, op);
    KILN_TRY(parse_block_type(out));
    if (op == Opcode::kTryTable) KILN_TRY(parse_catch_clauses(out));
    push_label(std::move(id), kind);
    return ok();
  }
  bool open = labels_.size() > base;
  Label::Kind top = open ? labels_.back().kind : Label::Kind::kBlock;
  if (kw == "else") {
    if (!open || top != Label::Kind::kIf) return unexpected(t);
    next();
    KILN_TRY(check_end_label(labels_.back()));
    labels_.back().else_pos = out.size();
    out.u8(0x05);
    labels_.back().kind = Label::Kind::kElse;
    return ok();
  }
  if (kw == "end") {
    if (!open) return unexpected(t);
    next();
    KILN_TRY(check_end_label(labels_.back()));
    // An empty else arm is left out, as wat2wasm does: the meaning is the same.
    if (top == Label::Kind::kElse && out.size() == labels_.back().else_pos + 1)
      out.bytes().pop_back();
    out.u8(0x0B);
    labels_.pop_back();
    return ok();
  }
  if (kw == "catch" || kw == "catch_all") {
    if (!open || (top != Label::Kind::kTry && top != Label::Kind::kCatch)) return unexpected(t);
    next();
    if (kw == "catch") {
      KILN_ASSIGN_OR_RETURN(uint32_t tag, parse_var(tags_));
      out.u8(0x07);
      out.u32(tag);
      labels_.back().kind = Label::Kind::kCatch;
    } else {
      out.u8(0x19);
      labels_.back().kind = Label::Kind::kCatchAll;
    }
    return ok();
  }
  if (kw == "delegate") {
    if (!open || top != Label::Kind::kTry) return unexpected(t);
    next();
    // The delegate target is counted from outside the try block.
    labels_.pop_back();
    KILN_ASSIGN_OR_RETURN(uint32_t label, parse_label());
    out.u8(0x18);
    out.u32(label);
    return ok();
  }
  KILN_TRY(parse_plain(out));
  return ok();
}

Expected<void> Parser::parse_folded(BinaryWriter& out) {
  DepthGuard guard(depth_);
  if (depth_ > kMaxFoldedDepth) return error(peek(), "nesting too deep");
  next();  // (
  const Token& t = peek();
  if (t.kind != TokenKind::kKeyword) return unexpected(t);
  std::string_view kw = t.text;
  if (kw == "block" || kw == "loop" || kw == "try_table") return parse_folded_block(out);
  if (kw == "if") return parse_folded_if(out);
  if (kw == "try") return parse_folded_try(out);
  return parse_folded_plain(out);
}

Expected<void> Parser::parse_folded_block(BinaryWriter& out) {
  const Token& t = peek();
  std::string_view kw = t.text;
  next();
  KILN_ASSIGN_OR_RETURN(auto id, parse_opt_id());
  Opcode op = kw == "block" ? Opcode::kBlock : kw == "loop" ? Opcode::kLoop : Opcode::kTryTable;
  write_opcode(out, op);
  KILN_TRY(parse_block_type(out));
  if (op == Opcode::kTryTable) KILN_TRY(parse_catch_clauses(out));
  push_label(std::move(id), op == Opcode::kTryTable ? Label::Kind::kTryTable : Label::Kind::kBlock);
  KILN_TRY(parse_instrs(out));
  KILN_TRY(expect_rparen());
  out.u8(0x0B);
  labels_.pop_back();
  return ok();
}

Expected<void> Parser::parse_folded_if(BinaryWriter& out) {
  next();
  KILN_ASSIGN_OR_RETURN(auto id, parse_opt_id());
  BinaryWriter bt;
  KILN_TRY(parse_block_type(bt));
  while (peek().kind == TokenKind::kLParen && !at_form("then")) KILN_TRY(parse_folded(out));
  write_opcode(out, Opcode::kIf);
  out.raw(bt);
  push_label(std::move(id), Label::Kind::kIf);
  if (!at_form("then")) return unexpected(peek());
  next();
  next();
  KILN_TRY(parse_instrs(out));
  KILN_TRY(expect_rparen());
  if (at_form("else")) {
    next();
    next();
    size_t else_pos = out.size();
    out.u8(0x05);
    KILN_TRY(parse_instrs(out));
    KILN_TRY(expect_rparen());
    if (out.size() == else_pos + 1) out.bytes().pop_back();
  }
  KILN_TRY(expect_rparen());
  out.u8(0x0B);
  labels_.pop_back();
  return ok();
}

Expected<void> Parser::parse_folded_try(BinaryWriter& out) {
  next();
  KILN_ASSIGN_OR_RETURN(auto id, parse_opt_id());
  write_opcode(out, Opcode::kTry);
  KILN_TRY(parse_block_type(out));
  push_label(std::move(id), Label::Kind::kTry);
  if (!at_form("do")) return unexpected(peek());
  next();
  next();
  KILN_TRY(parse_instrs(out));
  KILN_TRY(expect_rparen());
  if (at_form("delegate")) {
    next();
    next();
    labels_.pop_back();
    KILN_ASSIGN_OR_RETURN(uint32_t label, parse_label());
    KILN_TRY(expect_rparen());
    out.u8(0x18);
    out.u32(label);
    return expect_rparen();
  }
  while (at_form("catch")) {
    next();
    next();
    KILN_ASSIGN_OR_RETURN(uint32_t tag, parse_var(tags_));
    out.u8(0x07);
    out.u32(tag);
    KILN_TRY(parse_instrs(out));
    KILN_TRY(expect_rparen());
  }
  if (at_form("catch_all")) {
    next();
    next();
    out.u8(0x19);
    KILN_TRY(parse_instrs(out));
    KILN_TRY(expect_rparen());
  }
  KILN_TRY(expect_rparen());
  out.u8(0x0B);
  labels_.pop_back();
  return ok();
}

namespace {
// Keywords that open or continue a structured instruction and so never stand as an operand.
bool is_structured_keyword(std::string_view kw) {
  return kw == "block" || kw == "loop" || kw == "if" || kw == "else" || kw == "end" || kw == "then" ||
         kw == "try" || kw == "try_table" || kw == "catch" || kw == "catch_all" || kw == "delegate";
}
}  // namespace

// A plain instruction with folded operands: the operands come first in the binary.
Expected<void> Parser::parse_folded_plain(BinaryWriter& out) {
  BinaryWriter ins;
  KILN_TRY(parse_plain(ins));
  // Operands are folded expressions; like wasm-tools, plain (non-structured) instructions are
  // accepted among them too and emitted in order: `(call $f (call $g) i32.const 0)`.
  for (;;) {
    const Token& t = peek();
    if (t.kind == TokenKind::kLParen) {
      KILN_TRY(parse_folded(out));
    } else if (t.kind == TokenKind::kKeyword && !is_structured_keyword(t.text)) {
      KILN_TRY(parse_plain(out));
    } else {
      break;
    }
  }
  KILN_TRY(expect_rparen());
  out.raw(ins);
  return ok();
}

Expected<void> Parser::parse_plain(BinaryWriter& out) {
  const Token& t = peek();
  if (t.kind != TokenKind::kKeyword) return unexpected(t);
  std::optional<Opcode> found = mnemonic_lookup(t.text);
  if (!found) return unexpected(t);
  Opcode op = *found;
  switch (op) {
    case Opcode::kBlock:
    case Opcode::kLoop:
    case Opcode::kIf:
    case Opcode::kElse:
    case Opcode::kEnd:
    case Opcode::kTry:
    case Opcode::kCatch:
    case Opcode::kCatchAll:
    case Opcode::kDelegate:
    case Opcode::kTryTable:
      return unexpected(t);
    default:
      break;
  }
  next();
  return parse_op_immediates(out, t);
}

Expected<void> Parser::parse_memarg(BinaryWriter& out, const wasm::OpcodeInfo& in, bool lane) {
  uint32_t memory = 0;
  const Token& t = peek();
  auto is_memarg_kw = [](const Token& k) {
    return k.kind == TokenKind::kKeyword &&
           (k.text.substr(0, 7) == "offset=" || k.text.substr(0, 6) == "align=");
  };
  if (t.kind == TokenKind::kId ||
      (t.kind == TokenKind::kNat &&
       (!lane || peek(1).kind == TokenKind::kNat || is_memarg_kw(peek(1))))) {
    KILN_ASSIGN_OR_RETURN(memory, parse_var(memories_));
  }
  uint64_t offset = 0;
  if (peek().kind == TokenKind::kKeyword && peek().text.substr(0, 7) == "offset=") {
    KILN_ASSIGN_OR_RETURN(offset, parse_keyword_nat(peek(), 7));
    next();
  }
  uint32_t align_log2 = in.align;
  if (peek().kind == TokenKind::kKeyword && peek().text.substr(0, 6) == "align=") {
    const Token& a = peek();
    KILN_ASSIGN_OR_RETURN(uint64_t align, parse_keyword_nat(a, 6));
    if (align == 0 || (align & (align - 1)) != 0)
      return error(a, "alignment must be a power of two");
    align_log2 = 0;
    while ((uint64_t{1} << align_log2) < align) ++align_log2;
    next();
  }
  out.u32(align_log2 | (memory != 0 ? 0x40 : 0));
  if (memory != 0) out.u32(memory);
  out.u64(offset);
  if (lane) {
    KILN_ASSIGN_OR_RETURN(uint8_t l, parse_lane_index());
    out.u8(l);
  }
  return ok();
}

Expected<void> Parser::parse_v128_const(BinaryWriter& out) {
  const Token& shape = peek();
  if (shape.kind != TokenKind::kKeyword) return unexpected(shape);
  int lanes;
  int kind;  // 0 i8, 1 i16, 2 i32, 3 i64, 4 f32, 5 f64
  if (shape.text == "i8x16")
    lanes = 16, kind = 0;
  else if (shape.text == "i16x8")
    lanes = 8, kind = 1;
  else if (shape.text == "i32x4")
    lanes = 4, kind = 2;
  else if (shape.text == "i64x2")
    lanes = 2, kind = 3;
  else if (shape.text == "f32x4")
    lanes = 4, kind = 4;
  else if (shape.text == "f64x2")
    lanes = 2, kind = 5;
  else
    return unexpected(shape);
  next();
  // The lane count is checked before any lane's value.
  for (int i = 0; i < lanes; ++i) {
    const Token& l = peek(i);
    if (l.kind == TokenKind::kLParen || l.kind == TokenKind::kRParen || l.kind == TokenKind::kEof) {
      return error(l, "wrong number of lane literals");
    }
  }
  for (int i = 0; i < lanes; ++i) {
    const Token& l = peek();
    if (is_word(l)) return unexpected(l);
    switch (kind) {
      case 0: {
        KILN_ASSIGN_OR_RETURN(uint8_t v, parse_i8(l));
        out.u8(v);
        break;
      }
      case 1: {
        KILN_ASSIGN_OR_RETURN(uint16_t v, parse_i16(l));
        out.u8(static_cast<uint8_t>(v));
        out.u8(static_cast<uint8_t>(v >> 8));
        break;
      }
      case 2: {
        KILN_ASSIGN_OR_RETURN(uint32_t v, parse_i32(l));
        out.f32_bits(v);
        break;
      }
      case 3: {
        KILN_ASSIGN_OR_RETURN(uint64_t v, parse_i64(l));
        out.f64_bits(v);
        break;
      }
      case 4: {
        KILN_ASSIGN_OR_RETURN(uint32_t v, parse_f32(l));
        out.f32_bits(v);
        break;
      }
      default: {
        KILN_ASSIGN_OR_RETURN(uint64_t v, parse_f64(l));
        out.f64_bits(v);
        break;
      }
    }
    next();
  }
  if (is_number(peek())) return error(peek(), "wrong number of lane literals");
  return ok();
}

Expected<void> Parser::parse_op_immediates(BinaryWriter& out, const Token& op_tok) {
  Opcode op = *mnemonic_lookup(op_tok.text);
  const wasm::OpcodeInfo& in = wasm::info(op);

  // Mnemonics whose opcode depends on the immediates.
  if (op == Opcode::kSelect) {
    if (!at_form("result")) {
      write_opcode(out, Opcode::kSelect);
      return ok();
    }
    std::vector<ValType> types;
    while (at_form("result")) {
      next();
      next();
      while (peek().kind != TokenKind::kRParen) {
        KILN_ASSIGN_OR_RETURN(ValType vt, parse_val_type());
        types.push_back(vt);
      }
      KILN_TRY(expect_rparen());
    }
    // `select (result)` with an empty type list stays the typed form (0x1C 0x00), which the
    // validator rejects with "invalid result arity", as the reference encoder does.
    write_opcode(out, Opcode::kSelectT);
    out.u32(static_cast<uint32_t>(types.size()));
    for (ValType vt : types) write_val_type(out, vt);
    return ok();
  }
  if (op == Opcode::kRefTest || op == Opcode::kRefCast) {
    KILN_ASSIGN_OR_RETURN(ValType rt, parse_ref_type());
    if (rt.nullable) op = op == Opcode::kRefTest ? Opcode::kRefTestNull : Opcode::kRefCastNull;
    write_opcode(out, op);
    write_heap_type(out, rt.heap);
    return ok();
  }

  write_opcode(out, op);
  switch (in.imm) {
    case ImmKind::kNone:
      return ok();
    case ImmKind::kBlockType:
      return parse_block_type(out);
    case ImmKind::kLabel: {
      KILN_ASSIGN_OR_RETURN(uint32_t l, parse_label());
      out.u32(l);
      return ok();
    }
    case ImmKind::kBrTable: {
      std::vector<uint32_t> targets;
      while (is_var(peek())) {
        KILN_ASSIGN_OR_RETURN(uint32_t l, parse_label());
        targets.push_back(l);
      }
      if (targets.empty()) return unexpected(peek());
      out.u32(static_cast<uint32_t>(targets.size() - 1));
      for (uint32_t l : targets) out.u32(l);
      return ok();
    }
    case ImmKind::kFunc: {
      KILN_ASSIGN_OR_RETURN(uint32_t f, parse_var(funcs_));
      out.u32(f);
      return ok();
    }
    case ImmKind::kCallIndirect: {
      uint32_t table = 0;
      if (is_var(peek())) {
        KILN_ASSIGN_OR_RETURN(table, parse_var(tables_));
      }
      const Token& at = peek();
      KILN_ASSIGN_OR_RETURN(TypeUse use, parse_type_use(false));
      KILN_ASSIGN_OR_RETURN(uint32_t type, resolve_type_use(use, at));
      out.u32(type);
      out.u32(table);
      return ok();
    }
    case ImmKind::kType: {
      KILN_ASSIGN_OR_RETURN(uint32_t type, parse_var(types_));
      out.u32(type);
      return ok();
    }
    case ImmKind::kLocal: {
      const Token& t = peek();
      uint32_t index;
      if (t.kind == TokenKind::kId) {
        KILN_ASSIGN_OR_RETURN(std::string id, decode_id(t));
        auto it = func_ ? func_->local_ids.find(id) : decltype(func_->local_ids.end())();
        if (!func_ || it == func_->local_ids.end())
          return error(t, "unknown local " + std::string(t.text));
        index = it->second;
      } else {
        if (t.kind != TokenKind::kNat) return unexpected(t);
        KILN_ASSIGN_OR_RETURN(index, parse_u32(t));
      }
      next();
      out.u32(index);
      return ok();
    }
    case ImmKind::kGlobal: {
      KILN_ASSIGN_OR_RETURN(uint32_t g, parse_var(globals_));
      out.u32(g);
      return ok();
    }
    case ImmKind::kTable: {
      uint32_t table = 0;
      if (is_var(peek())) {
        KILN_ASSIGN_OR_RETURN(table, parse_var(tables_));
      }
      out.u32(table);
      return ok();
    }
    case ImmKind::kTag: {
      KILN_ASSIGN_OR_RETURN(uint32_t tag, parse_var(tags_));
      out.u32(tag);
      return ok();
    }
    case ImmKind::kMemarg:
      return parse_memarg(out, in, false);
    case ImmKind::kMemargLane:
      return parse_memarg(out, in, true);
    case ImmKind::kMemory: {
      uint32_t memory = 0;
      if (is_var(peek())) {
        KILN_ASSIGN_OR_RETURN(memory, parse_var(memories_));
      }
      out.u32(memory);
      return ok();
    }
    case ImmKind::kMemoryMemory: {
      uint32_t dst = 0, src = 0;
      if (is_var(peek())) {
        KILN_ASSIGN_OR_RETURN(dst, parse_var(memories_));
        KILN_ASSIGN_OR_RETURN(src, parse_var(memories_));
      }
      out.u32(dst);
      out.u32(src);
      return ok();
    }
    case ImmKind::kDataMemory: {
      uint32_t memory = 0;
      if (is_var(peek()) && is_var(peek(1))) {
        KILN_ASSIGN_OR_RETURN(memory, parse_var(memories_));
      }
      KILN_ASSIGN_OR_RETURN(uint32_t data, parse_var(datas_));
      out.u32(data);
      out.u32(memory);
      uses_data_count_ = true;
      return ok();
    }
    case ImmKind::kData: {
      KILN_ASSIGN_OR_RETURN(uint32_t data, parse_var(datas_));
      out.u32(data);
      uses_data_count_ = true;
      return ok();
    }
    case ImmKind::kElem: {
      KILN_ASSIGN_OR_RETURN(uint32_t elem, parse_var(elems_));
      out.u32(elem);
      return ok();
    }
    case ImmKind::kElemTable: {
      uint32_t table = 0;
      if (is_var(peek()) && is_var(peek(1))) {
        KILN_ASSIGN_OR_RETURN(table, parse_var(tables_));
      }
      KILN_ASSIGN_OR_RETURN(uint32_t elem, parse_var(elems_));
      out.u32(elem);
      out.u32(table);
      return ok();
    }
    case ImmKind::kTableTable: {
      uint32_t dst = 0, src = 0;
      if (is_var(peek())) {
        KILN_ASSIGN_OR_RETURN(dst, parse_var(tables_));
        KILN_ASSIGN_OR_RETURN(src, parse_var(tables_));
      }
      out.u32(dst);
      out.u32(src);
      return ok();
    }
    case ImmKind::kI32: {
      if (is_word(peek())) return unexpected(peek());
      KILN_ASSIGN_OR_RETURN(uint32_t v, parse_i32(peek()));
      next();
      out.sleb(static_cast<int32_t>(v));
      return ok();
    }
    case ImmKind::kI64: {
      if (is_word(peek())) return unexpected(peek());
      KILN_ASSIGN_OR_RETURN(uint64_t v, parse_i64(peek()));
      next();
      out.sleb(static_cast<int64_t>(v));
      return ok();
    }
    case ImmKind::kF32: {
      if (is_word(peek())) return unexpected(peek());
      KILN_ASSIGN_OR_RETURN(uint32_t v, parse_f32(peek()));
      next();
      out.f32_bits(v);
      return ok();
    }
    case ImmKind::kF64: {
      if (is_word(peek())) return unexpected(peek());
      KILN_ASSIGN_OR_RETURN(uint64_t v, parse_f64(peek()));
      next();
      out.f64_bits(v);
      return ok();
    }
    case ImmKind::kV128:
      return parse_v128_const(out);
    case ImmKind::kShuffle: {
      for (int i = 0; i < 16; ++i) {
        const Token& t = peek();
        if (t.kind == TokenKind::kFloat || t.kind == TokenKind::kInt) {
          return error(t, "i8 constant out of range");
        }
        if (t.kind != TokenKind::kNat) return error(t, "invalid lane length");
        KILN_ASSIGN_OR_RETURN(uint8_t l, parse_lane_index());
        out.u8(l);
      }
      if (is_number(peek())) return error(peek(), "invalid lane length");
      return ok();
    }
    case ImmKind::kLane: {
      KILN_ASSIGN_OR_RETURN(uint8_t l, parse_lane_index());
      out.u8(l);
      return ok();
    }
    case ImmKind::kHeapType: {
      KILN_ASSIGN_OR_RETURN(HeapType h, parse_heap_type());
      write_heap_type(out, h);
      return ok();
    }
    case ImmKind::kSelectT:
      return ok();  // handled above
    case ImmKind::kTypeField: {
      KILN_ASSIGN_OR_RETURN(uint32_t type, parse_var(types_));
      const Token& f = peek();
      uint32_t field;
      if (f.kind == TokenKind::kId) {
        KILN_ASSIGN_OR_RETURN(std::string id, decode_id(f));
        if (type >= type_defs_.size()) return error(f, "unknown field " + std::string(f.text));
        auto it = type_defs_[type].field_ids.find(id);
        if (it == type_defs_[type].field_ids.end())
          return error(f, "unknown field " + std::string(f.text));
        field = it->second;
      } else {
        if (f.kind != TokenKind::kNat) return unexpected(f);
        KILN_ASSIGN_OR_RETURN(field, parse_u32(f));
      }
      next();
      out.u32(type);
      out.u32(field);
      return ok();
    }
    case ImmKind::kTypeType: {
      KILN_ASSIGN_OR_RETURN(uint32_t a, parse_var(types_));
      KILN_ASSIGN_OR_RETURN(uint32_t b, parse_var(types_));
      out.u32(a);
      out.u32(b);
      return ok();
    }
    case ImmKind::kTypeSize: {
      KILN_ASSIGN_OR_RETURN(uint32_t type, parse_var(types_));
      KILN_ASSIGN_OR_RETURN(uint32_t n, parse_u32(peek()));
      next();
      out.u32(type);
      out.u32(n);
      return ok();
    }
    case ImmKind::kTypeData: {
      KILN_ASSIGN_OR_RETURN(uint32_t type, parse_var(types_));
      KILN_ASSIGN_OR_RETURN(uint32_t data, parse_var(datas_));
      out.u32(type);
      out.u32(data);
      uses_data_count_ = true;
      return ok();
    }
    case ImmKind::kTypeElem: {
      KILN_ASSIGN_OR_RETURN(uint32_t type, parse_var(types_));
      KILN_ASSIGN_OR_RETURN(uint32_t elem, parse_var(elems_));
      out.u32(type);
      out.u32(elem);
      return ok();
    }
    case ImmKind::kBrOnCast: {
      KILN_ASSIGN_OR_RETURN(uint32_t label, parse_label());
      KILN_ASSIGN_OR_RETURN(ValType a, parse_ref_type());
      KILN_ASSIGN_OR_RETURN(ValType b, parse_ref_type());
      out.u8(static_cast<uint8_t>((a.nullable ? 1 : 0) | (b.nullable ? 2 : 0)));
      out.u32(label);
      write_heap_type(out, a.heap);
      write_heap_type(out, b.heap);
      return ok();
    }
    case ImmKind::kTryTable:
      KILN_TRY(parse_block_type(out));
      return parse_catch_clauses(out);
    case ImmKind::kAtomicFence:
      out.u8(0x00);
      return ok();
  }
  return ok();
}

}  // namespace kiln::wat::detail
