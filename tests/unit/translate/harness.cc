// tests/unit/translate/harness.cc: the fake VM for running translated functions in the IR
// interpreter (see harness.h).
#include "harness.h"

#include "codegen/ir/parser.h"
#include "codegen/opt/passes.h"
#include "wasm/decoder.h"
#include "wasm/instr_reader.h"
#include "wasm/type_canon.h"
#include "wasm/validator.h"
#include "wat/wat.h"

namespace kiln::codegen::translate::testing {

environ::Tunables checked_tunables() {
  environ::Tunables t;
  t.memory_reservation = 0;  // every memory is dynamic: explicit bounds checks
  t.memory_guard_size = 0;
  return t;
}

namespace {

Error fail(const std::string& msg) { return Error(ErrorKind::kOther, msg); }

// Evaluates the constant expressions the tests use: one *.const, ref.null or ref.func.
Expected<uint64_t> eval_const(const wasm::Module& m, wasm::ConstExpr e, uint64_t vmctx,
                              const environ::VMOffsets& offs) {
  wasm::Features features = wasm::Features::all();
  wasm::InstrReader r(m.at(e), m.at(e) + e.size, e.offset, features);
  wasm::Opcode op;
  wasm::Imm imm;
  KILN_TRY(r.next(&op, &imm));
  switch (op) {
    case wasm::Opcode::kI32Const: return imm.value & 0xFFFFFFFFu;
    case wasm::Opcode::kI64Const:
    case wasm::Opcode::kF32Const:
    case wasm::Opcode::kF64Const: return imm.value;
    case wasm::Opcode::kRefNull: return 0;
    case wasm::Opcode::kRefFunc: return vmctx + offs.func_ref(environ::FuncIndex(imm.index));
    default: return fail(std::string("harness cannot evaluate ") + wasm::name(op));
  }
}

}  // namespace

Expected<void> Harness::load(std::string_view wat, bool optimize, environ::Tunables tunables,
                             std::vector<std::string> imports) {
  tunables_ = tunables;
  KILN_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, wat::parse_module(wat));
  wasm::Features features;
  KILN_ASSIGN_OR_RETURN(module_, wasm::decode(std::move(bytes), features));
  KILN_TRY(wasm::validate(module_, features));
  KILN_ASSIGN_OR_RETURN(environ::VMOffsets offs, environ::VMOffsets::for_module(module_));
  offsets_ = offs;
  if (offsets_->size() > kMemories - kVmctx) return fail("vmctx too large for the harness");
  if (module_.memory_types.size() - module_.num_imported_memories > 2 ||
      module_.num_imported_memories != 0 || module_.num_imported_tables != 0 ||
      module_.num_imported_globals != 0) {
    return fail("harness supports up to 2 defined memories and imported functions only");
  }
  ModuleEnv env{module_, *offsets_, tunables_};
  for (uint32_t k = 0; k < module_.num_defined_funcs(); ++k) {
    KILN_ASSIGN_OR_RETURN(ir::Function f, translate_function(env, environ::DefinedFuncIndex(k)));
    if (auto v = ir::verify_function(f); !v) {
      return fail("function " + std::to_string(k) + " does not verify: " + v.error().message());
    }
    if (optimize) {
      opt::optimize(f);
      if (auto v = ir::verify_function(f); !v) {
        return fail("optimized function " + std::to_string(k) + " does not verify: " + v.error().message());
      }
    }
    funcs_.push_back(std::move(f));
  }
  if (imports.size() != module_.num_imported_funcs) return fail("wrong number of import bodies");
  for (const std::string& text : imports) {
    KILN_ASSIGN_OR_RETURN(ir::Function f, ir::parse_function(text));
    KILN_TRY(ir::verify_function(f));
    imports_.push_back(std::move(f));
  }
  KILN_TRY(add_builtins());
  // Registration order fixes each function's interpreter address (kFuncBase + order).
  for (uint32_t k = 0; k < funcs_.size(); ++k) {
    interp_.add_function(wasm_function_name(environ::func_of(module_, environ::DefinedFuncIndex(k))),
                         funcs_[k]);
  }
  for (ir::Function& f : imports_) interp_.add_function(f);
  for (ir::Function& f : builtins_) interp_.add_function(f);
  return setup_vm();
}

Expected<void> Harness::add_builtins() {
  // memory_grow for defined memory 0..n: grows up to kMemoryMaxPages (or the declared max).
  std::string text = "function %memory_grow(i64 vmctx, i32, i64) -> i64 {\nblock0(v0: i64, v1: i32, v2: i64):\n";
  uint32_t ndef = static_cast<uint32_t>(module_.memory_types.size());
  if (ndef == 0) {
    text += "    v3 = iconst.i64 -1\n    return v3\n}\n";
  } else {
    // Only memory 0 grows here; the tests use memory.grow on memory 0.
    const wasm::MemoryType& mt = module_.memory_types[0];
    uint64_t max = mt.limits.max ? std::min<uint64_t>(*mt.limits.max, kMemoryMaxPages) : kMemoryMaxPages;
    uint32_t len = offsets_->defined_memory_length(environ::DefinedMemoryIndex(0));
    text += "    v3 = load.i64 notrap aligned v0+" + std::to_string(len) + "\n" +
            "    v4 = iconst.i64 16\n    v5 = ushr v3, v4\n    v6 = iadd v5, v2\n" +
            "    v7 = iconst.i64 " + std::to_string(max) + "\n" +
            "    v8 = icmp ugt v6, v7\n    v11 = icmp ugt v2, v7\n    v12 = bor v8, v11\n" +
            "    brif v12, block1, block2\nblock1:\n    v9 = iconst.i64 -1\n    return v9\n" +
            "block2:\n    v10 = ishl v6, v4\n    store notrap aligned v10, v0+" + std::to_string(len) +
            "\n    return v5\n}\n";
  }
  KILN_ASSIGN_OR_RETURN(ir::Function grow, ir::parse_function(text));
  KILN_TRY(ir::verify_function(grow));
  builtins_.push_back(std::move(grow));

  // The harness's tables are written eagerly (setup_vm) at kTables + table * kTableBytes and
  // never move, so table_get_lazy_init only maps the null encodings (0 and 1) to 0, and
  // table_fill writes [dst, dst + len) (the callers here are in bounds).
  const std::string tables = std::to_string(kTables), table_bytes = std::to_string(kTableBytes);
  std::string get =
      "function %table_get_lazy_init(i64 vmctx, i32, i64) -> i64 {\n"
      "block0(v0: i64, v1: i32, v2: i64):\n"
      "    v3 = uextend.i64 v1\n    v4 = iconst.i64 " + table_bytes + "\n    v5 = imul v3, v4\n" +
      "    v6 = iconst.i64 " + tables + "\n    v7 = iadd v5, v6\n    v8 = iconst.i64 3\n" +
      "    v9 = ishl v2, v8\n    v10 = iadd v7, v9\n    v11 = load.i64 notrap aligned v10\n" +
      "    v12 = iconst.i64 1\n    v13 = icmp ugt v11, v12\n    v14 = iconst.i64 0\n" +
      "    v15 = select v13, v11, v14\n    return v15\n}\n";
  std::string fill =
      "function %table_fill(i64 vmctx, i32, i64, i64, i64) {\n"
      "block0(v0: i64, v1: i32, v2: i64, v3: i64, v4: i64):\n"
      "    v5 = uextend.i64 v1\n    v6 = iconst.i64 " + table_bytes + "\n    v7 = imul v5, v6\n" +
      "    v8 = iconst.i64 " + tables + "\n    v9 = iadd v7, v8\n    v10 = iconst.i64 3\n" +
      "    v11 = ishl v2, v10\n    v12 = iadd v9, v11\n    jump block1(v12, v4)\n" +
      "block1(v13: i64, v14: i64):\n    brif v14, block2, block3\n" +
      "block2:\n    store notrap aligned v3, v13\n    v15 = iconst.i64 8\n    v16 = iadd v13, v15\n" +
      "    v17 = iconst.i64 1\n    v18 = isub v14, v17\n    jump block1(v16, v18)\n" +
      "block3:\n    return\n}\n";
  for (const std::string* t : {&get, &fill}) {
    KILN_ASSIGN_OR_RETURN(ir::Function f, ir::parse_function(*t));
    KILN_TRY(ir::verify_function(f));
    builtins_.push_back(std::move(f));
  }
  return {};
}

Expected<void> Harness::setup_vm() {
  const wasm::Module& m = module_;
  const environ::VMOffsets& o = *offsets_;
  uint64_t base = ir::Interpreter::kFuncBase;
  uint32_t nfuncs = m.num_funcs();
  uint64_t grow_addr = base + funcs_.size() + imports_.size();
  write64(kVmctx + environ::VMOffsets::builtins(), kBuiltins);
  write64(kVmctx + environ::VMOffsets::type_ids(), kTypeIds);
  write64(kBuiltins + static_cast<uint32_t>(environ::BuiltinIndex::kMemoryGrow) * 8, grow_addr);
  write64(kBuiltins + static_cast<uint32_t>(environ::BuiltinIndex::kTableGetLazyInit) * 8, grow_addr + 1);
  write64(kBuiltins + static_cast<uint32_t>(environ::BuiltinIndex::kTableFill) * 8, grow_addr + 2);

  wasm::TypeCanonicalizer canon;
  std::vector<uint32_t> ids = canon.add_module_types(m.types);
  if (ids.size() * 4 > kBuiltins - kTypeIds) return fail("too many types for the harness");
  for (size_t k = 0; k < ids.size(); ++k) write32(kTypeIds + 4 * k, ids[k] + 100);

  for (uint32_t f = 0; f < nfuncs; ++f) {
    uint64_t ref = kVmctx + o.func_ref(environ::FuncIndex(f));
    uint64_t code = f < m.num_imported_funcs ? base + funcs_.size() + f
                                             : base + (f - m.num_imported_funcs);
    write64(ref + environ::VMFuncRefLayout::wasm_call(), code);
    write64(ref + environ::VMFuncRefLayout::vmctx(), kVmctx);
    write32(ref + environ::VMFuncRefLayout::type_id(), ids[m.func_types[f]] + 100);
    if (f < m.num_imported_funcs) {
      environ::FuncIndex fi(f);
      write64(kVmctx + o.imported_function_wasm_call(fi), code);
      write64(kVmctx + o.imported_function_vmctx(fi), kVmctx);
    }
  }
  for (uint32_t k = 0; k < m.memory_types.size(); ++k) {
    environ::DefinedMemoryIndex d(k);
    write64(kVmctx + o.defined_memory_base(d), kMemories + k * kMemoryBytes);
    uint64_t pages = std::min<uint64_t>(m.memory_types[k].limits.min, kMemoryMaxPages);
    write64(kVmctx + o.defined_memory_length(d), pages * environ::page_size_of(m.memory_types[k]));
  }
  for (uint32_t k = 0; k < m.table_types.size(); ++k) {
    if (k >= (kVmctx - kTables) / kTableBytes) return fail("too many tables for the harness");
    environ::DefinedTableIndex d(k);
    write64(kVmctx + o.defined_table_base(d), kTables + k * kTableBytes);
    uint64_t n = std::min<uint64_t>(m.table_types[k].limits.min, kTableBytes / 8);
    write64(kVmctx + o.defined_table_elements(d), n);
  }
  for (uint32_t k = 0; k < m.globals.size(); ++k) {
    KILN_ASSIGN_OR_RETURN(uint64_t v, eval_const(m, m.globals[k].init, kVmctx, o));
    write64(kVmctx + o.defined_global(environ::DefinedGlobalIndex(k)), v);
  }
  for (const wasm::ElemSegment& e : m.elems) {
    if (e.mode != wasm::SegmentMode::kActive) continue;
    KILN_ASSIGN_OR_RETURN(uint64_t at, eval_const(m, e.offset, kVmctx, o));
    for (uint32_t k = 0; k < e.count(); ++k) {
      uint64_t v;
      if (e.uses_exprs) {
        KILN_ASSIGN_OR_RETURN(v, eval_const(m, e.exprs[k], kVmctx, o));
      } else {
        v = kVmctx + o.func_ref(environ::FuncIndex(e.func_indices[k]));
      }
      if ((at + k) * 8 >= kTableBytes) return fail("element segment too large for the harness");
      write64(kTables + e.table * kTableBytes + (at + k) * 8, v);
    }
  }
  for (const wasm::DataSegment& d : m.datas) {
    if (d.mode != wasm::SegmentMode::kActive) continue;
    KILN_ASSIGN_OR_RETURN(uint64_t at, eval_const(m, d.offset, kVmctx, o));
    if (at + d.init.size > kMemoryBytes) return fail("data segment too large for the harness");
    std::memcpy(memory(d.memory) + at, m.at(d.init), d.init.size);
  }
  return {};
}

Expected<ir::InterpResult> Harness::call(uint32_t func_index, std::vector<ir::DataValue> args) {
  uint32_t defined = func_index - module_.num_imported_funcs;
  if (func_index < module_.num_imported_funcs || defined >= funcs_.size()) {
    return fail("no defined function " + std::to_string(func_index));
  }
  args.insert(args.begin(), {ir::DataValue::make(ir::kI64, kVmctx), ir::DataValue::make(ir::kI64, kVmctx)});
  return interp_.call(funcs_[defined], args);
}

int64_t Harness::call_int(uint32_t func_index, std::vector<ir::DataValue> args) {
  auto r = call(func_index, std::move(args));
  if (!r) {
    error = r.error().message();
    return INT64_MIN;
  }
  if (r->trapped) return -1000 - static_cast<int64_t>(r->trap);
  if (r->values.size() != 1) {
    error = "expected one result";
    return INT64_MIN;
  }
  return r->values[0].as_i64();
}

ir::TrapCode Harness::call_trap(uint32_t func_index, std::vector<ir::DataValue> args) {
  auto r = call(func_index, std::move(args));
  if (!r) {
    error = r.error().message();
    return ir::TrapCode::kUserBase;
  }
  if (!r->trapped) {
    error = "did not trap";
    return ir::TrapCode::kUserBase;
  }
  return r->trap;
}

}  // namespace kiln::codegen::translate::testing
