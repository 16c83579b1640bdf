// wat/parser_impl.h: the text-module parser's state, shared by the module-field half
// (parser.cc) and the instruction half (parser_instr.cc). Internal to src/wat.
//
// The parser makes two passes over the token stream. Pass one walks the module fields
// only to bind every identifier of every index space (types, funcs, tables, memories,
// globals, tags, elems, datas) and to parse the type definitions, so that pass two can
// resolve forward references while it emits the binary directly, field by field, in text
// order. Inline function signatures without a matching type are appended to the type
// section in that same order (the spec's typeuse abbreviation).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "support/error.h"
#include "wasm/opcode.h"
#include "wasm/types.h"
#include "wat/binary_writer.h"
#include "wat/lexer.h"

namespace kiln::wat::detail {

// One index space with its symbolic identifiers.
struct Space {
  Space(const char* w, const char* d) : what(w), dup_what(d) {}
  const char* what;      // for "unknown <what> $x"
  const char* dup_what;  // for "duplicate <dup_what>"
  std::unordered_map<std::string, uint32_t> ids;
  uint32_t count = 0;
  std::vector<std::pair<uint32_t, std::string>> names;  // (index, id), for the name section
};

struct TypeDef {
  wasm::SubType sub;
  bool explicit_sub = false;  // written as (sub ...): keeps the 0x50/0x4F prefix
  std::vector<uint32_t> supers;
  std::unordered_map<std::string, uint32_t> field_ids;
};

// A rec group of the type section: [start, start+size); `explicit_rec` for (rec ...).
struct RecGroup {
  uint32_t start = 0;
  uint32_t size = 1;
  bool explicit_rec = false;
};

// A function signature written in the text (typeuse), before resolution.
struct TypeUse {
  std::optional<uint32_t> index;  // (type x)
  const Token* index_tok = nullptr;
  bool has_inline = false;  // any (param ...) or (result ...) written
  wasm::FuncType sig;
  std::vector<std::string> param_ids;  // per param, "" when anonymous
  std::vector<const Token*> param_id_toks;
};

enum class FieldKind : uint8_t {
  kType,
  kRec,
  kImport,
  kFunc,
  kTable,
  kMemory,
  kGlobal,
  kTag,
  kExport,
  kStart,
  kElem,
  kData
};

struct Field {
  FieldKind kind;
  size_t pos;              // index of the field's '(' token
  uint32_t index = 0;      // index in its own space (funcs for kFunc, ...)
  bool is_import = false;
};

// A control frame of the instruction being parsed: its label id and what may follow.
struct Label {
  enum class Kind : uint8_t { kBlock, kIf, kElse, kTry, kCatch, kCatchAll, kTryTable };
  std::string id;  // "" when the block has no label
  Kind kind = Kind::kBlock;
  size_t else_pos = 0;  // kElse: offset of the else opcode, dropped again if the arm is empty
};

struct FuncCtx {
  std::unordered_map<std::string, uint32_t> local_ids;
  std::vector<std::pair<uint32_t, std::string>> local_names;
  uint32_t num_locals = 0;  // params + locals
};

// The opcode of a text mnemonic (the first of duplicated ones: kSelect, kRefTest, kRefCast).
std::optional<wasm::Opcode> mnemonic_lookup(std::string_view text);
// Whether a keyword is a word of the text format at all (else it is an "unknown operator").
bool is_known_word(std::string_view w);
// The nat after a `offset=`/`align=` prefix of a keyword token.
Expected<uint64_t> parse_keyword_nat(const Token& t, size_t prefix_len);

class Parser {
 public:
  explicit Parser(const std::vector<Token>& toks) : toks_(toks) {}
  Expected<std::vector<uint8_t>> run();

  // ---- token helpers
  const Token& peek(size_t k = 0) const {
    size_t i = pos_ + k;
    return i < toks_.size() ? toks_[i] : toks_.back();
  }
  const Token& next() {
    const Token& t = peek();
    if (pos_ < toks_.size() - 1) ++pos_;
    return t;
  }
  bool at_keyword(std::string_view kw, size_t k = 0) const {
    const Token& t = peek(k);
    return t.kind == TokenKind::kKeyword && t.text == kw;
  }
  // '(' followed by the keyword kw.
  bool at_form(std::string_view kw) const {
    return peek().kind == TokenKind::kLParen && at_keyword(kw, 1);
  }
  static bool is_var(const Token& t) {
    return t.kind == TokenKind::kId || t.kind == TokenKind::kNat;
  }
  Error error(const Token& t, std::string msg) const {
    return Error(ErrorKind::kMalformed, std::move(msg), t.loc());
  }
  // The error for a token that does not fit the grammar here: the spec's "unknown operator"
  // for words that are no keyword of the text format, else "unexpected token".
  Error unexpected(const Token& t) const;
  Expected<void> expect_lparen();
  Expected<void> expect_rparen();
  Expected<void> expect_keyword(std::string_view kw);
  Expected<std::string> parse_name_string();  // a kString decoded as UTF-8 name
  // Skips a balanced form starting at the '(' at token index `p`; returns the index after it.
  Expected<size_t> skip_form(size_t p) const;

  // ---- identifiers
  Expected<std::optional<std::string>> parse_opt_id();  // consumes a kId if present
  Expected<void> bind(Space& space, const Token& id_tok, uint32_t index);
  Expected<uint32_t> parse_var(const Space& space);
  Expected<uint32_t> resolve(const Space& space, const Token& t) const;

  // ---- types
  Expected<wasm::HeapType> parse_heap_type();
  Expected<wasm::ValType> parse_ref_type();  // abbreviation keyword or (ref null? ht)
  Expected<wasm::ValType> parse_val_type();
  bool at_val_type() const;
  Expected<wasm::FieldType> parse_field_type();  // storagetype | (mut storagetype)
  Expected<TypeUse> parse_type_use(bool allow_param_ids);
  // Resolves a typeuse to a type index, appending an implicit func type when needed.
  Expected<uint32_t> resolve_type_use(TypeUse& use, const Token& at);
  uint32_t find_or_add_func_type(const wasm::FuncType& ft);
  void write_val_type(BinaryWriter& w, wasm::ValType t) const;
  void write_heap_type(BinaryWriter& w, wasm::HeapType h) const;
  std::string func_type_key(const wasm::FuncType& ft) const;
  bool is_plain_func_type(uint32_t index) const;

  // ---- instructions (parser_instr.cc)
  Expected<void> parse_instrs(BinaryWriter& out);  // until ')' (not consumed)
  Expected<void> parse_expr(BinaryWriter& out);    // instrs + end
  Expected<void> parse_folded(BinaryWriter& out);
  // The pieces of parse_instrs/parse_folded, split so that each recursion level keeps a
  // small stack frame (they are never inlined into the recursive path).
  [[gnu::noinline]] Expected<void> parse_instr_step(BinaryWriter& out, size_t base);
  [[gnu::noinline]] Expected<void> parse_folded_block(BinaryWriter& out);
  [[gnu::noinline]] Expected<void> parse_folded_if(BinaryWriter& out);
  [[gnu::noinline]] Expected<void> parse_folded_try(BinaryWriter& out);
  [[gnu::noinline]] Expected<void> parse_folded_plain(BinaryWriter& out);
  Expected<void> parse_plain(BinaryWriter& out);
  Expected<void> parse_op_immediates(BinaryWriter& out, const Token& op_tok);
  Expected<void> parse_block_type(BinaryWriter& out);
  Expected<void> parse_memarg(BinaryWriter& out, const wasm::OpcodeInfo& info, bool lane);
  Expected<void> parse_v128_const(BinaryWriter& out);
  Expected<uint32_t> parse_label();
  Expected<uint8_t> parse_lane_index();
  Expected<void> parse_catch_clauses(BinaryWriter& out);
  void write_opcode(BinaryWriter& out, wasm::Opcode op) const;
  Expected<void> check_end_label(const Label& frame);
  void push_label(std::optional<std::string> id, Label::Kind kind) {
    labels_.push_back(Label{id ? std::move(*id) : std::string(), kind});
  }

  // ---- module fields (parser.cc)
  Expected<void> collect_fields(size_t end_pos);
  Expected<void> collect_type_ids(size_t p, bool in_rec);
  Expected<void> parse_types();
  Expected<void> parse_type_def(size_t p, uint32_t index);
  Expected<void> parse_field(const Field& f);
  Expected<void> parse_func(const Field& f);
  Expected<void> parse_table(const Field& f);
  Expected<void> parse_memory(const Field& f);
  Expected<void> parse_global(const Field& f);
  Expected<void> parse_tag(const Field& f);
  Expected<void> parse_import(const Field& f);
  Expected<void> parse_export(const Field& f);
  Expected<void> parse_start(const Field& f);
  Expected<void> parse_elem(const Field& f);
  Expected<void> parse_data(const Field& f);
  Expected<void> parse_inline_exports(uint8_t kind, uint32_t index);
  Expected<std::optional<std::pair<std::string, std::string>>> parse_inline_import();
  Expected<wasm::Limits> parse_limits(bool is64);
  Expected<void> parse_memory_type_rest(wasm::Limits& lim);
  Expected<void> write_import_header(const std::pair<std::string, std::string>& names,
                                     uint8_t kind);
  void write_limits(BinaryWriter& w, const wasm::Limits& lim, bool memory) const;
  void write_table_type(BinaryWriter& w, const wasm::TableType& t) const;
  Expected<void> parse_offset(BinaryWriter& out);  // (offset instr*) or one folded instr
  Expected<void> parse_elem_list(wasm::ValType& type, std::vector<BinaryWriter>& items,
                                 bool allow_bare);
  void write_elem_segment(uint32_t mode, uint32_t table, const BinaryWriter* offset,
                          wasm::ValType type, const std::vector<BinaryWriter>& items);
  std::vector<uint8_t> finish();

  // ---- state
  const std::vector<Token>& toks_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::optional<std::string> module_name_;

  Space types_{"type", "type"};
  Space funcs_{"function", "func"};
  Space tables_{"table", "table"};
  Space memories_{"memory", "memory"};
  Space globals_{"global", "global"};
  Space tags_{"tag", "tag"};
  Space elems_{"elem segment", "elem"};
  Space datas_{"data segment", "data"};

  std::vector<Field> fields_;
  std::vector<TypeDef> type_defs_;
  std::vector<RecGroup> rec_groups_;
  std::unordered_map<std::string, uint32_t> plain_func_types_;  // func_type_key -> first index

  FuncCtx* func_ = nullptr;
  std::vector<Label> labels_;
  bool uses_data_count_ = false;
  bool seen_start_ = false;

  BinaryWriter imports_, functions_, tables_out_, memories_out_, tags_out_, globals_out_, exports_,
      start_, elems_out_, code_, datas_out_;
  uint32_t n_imports_ = 0, n_functions_ = 0, n_tables_ = 0, n_memories_ = 0, n_tags_ = 0,
           n_globals_ = 0, n_exports_ = 0, n_elems_ = 0, n_datas_ = 0;
  std::vector<std::pair<uint32_t, std::vector<std::pair<uint32_t, std::string>>>> local_names_;
};

}  // namespace kiln::wat::detail
