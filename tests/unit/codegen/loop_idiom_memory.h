// tests/unit/codegen/loop_idiom_memory.h: the memories of the loop idiom filetests
// (tests/filetests/opt_loop_idiom.kir), as opt::BulkMemory sees them. A memory's base is any
// i64 vmctx-region load `load.i64 vmctx p+o`; its current size in bytes is the i64 at p+o+8.
// The bulk operations are calls to the file's own functions %memmove(dst, src, len) and
// %memset(dst, byte, len) on absolute addresses (base + index), which the interpreter runs;
// they are written with region-less accesses, so the pass leaves their loops alone.
#pragma once

#include "codegen/opt/loop_idiom.h"

namespace kiln::codegen::opt::idiom_test {

class FiletestBulkMemory final : public BulkMemory {
 public:
  bool is_memory_base(const ir::Function& f, ir::Value base) const override {
    ir::Inst i = f.dfg.value_inst(base);
    if (!i) return false;
    const ir::InstData& d = f.dfg[i];
    return d.opcode == ir::Opcode::kLoad && f.dfg.value_type(f.dfg.first_result(i)) == ir::kI64 &&
           d.mem_flags().region() == ir::AliasRegion::kVmctx;
  }
  ir::Value insert_size(ir::Function& f, ir::Value base, ir::Inst before) const override {
    const ir::InstData& d = f.dfg[f.dfg.value_inst(base)];
    ir::InstData s;
    s.opcode = ir::Opcode::kLoad;
    s.type = ir::kI64;
    ir::MemFlags fl = ir::MemFlags::trusted();
    fl.set_region(ir::AliasRegion::kVmctx);
    s.aux = fl.bits;
    s.args[0] = d.args[0];
    s.imm = d.imm + 8;
    return insert(f, s, before);
  }
  void insert_copy(ir::Function& f, ir::Value base, ir::Value dst, ir::Value src, ir::Value len,
                   ir::Inst before) const override {
    call(f, "memmove", {ir::kI64, ir::kI64, ir::kI64},
         {add(f, base, dst, before), add(f, base, src, before), len}, before);
  }
  void insert_fill(ir::Function& f, ir::Value base, ir::Value dst, ir::Value byte, ir::Value len,
                   ir::Inst before) const override {
    call(f, "memset", {ir::kI64, ir::kI32, ir::kI64}, {add(f, base, dst, before), byte, len},
         before);
  }

 private:
  static ir::Value insert(ir::Function& f, const ir::InstData& d, ir::Inst before) {
    ir::Inst i = f.dfg.make_inst(d);
    f.dfg.make_inst_results(i);
    f.layout.insert_inst_before(i, before);
    return f.dfg.first_result(i);
  }
  static ir::Value add(ir::Function& f, ir::Value a, ir::Value b, ir::Inst before) {
    ir::InstData d;
    d.opcode = ir::Opcode::kIadd;
    d.args[0] = a;
    d.args[1] = b;
    return insert(f, d, before);
  }
  static void call(ir::Function& f, const char* name, std::vector<ir::Type> params,
                   std::vector<ir::Value> args, ir::Inst before) {
    ir::Signature sig;
    for (ir::Type t : params) sig.params.push_back({t});
    ir::ExtFuncData ext;
    ext.name.test_name = name;
    ext.signature = f.import_signature(std::move(sig));
    ir::FuncRef fr = f.import_function(std::move(ext));
    ir::InstData d;
    d.opcode = ir::Opcode::kCall;
    d.aux = fr.index();
    d.vargs = f.dfg.make_list(args);
    ir::Inst i = f.dfg.make_inst(d);
    f.dfg.make_inst_results(i);
    f.layout.insert_inst_before(i, before);
  }
};

}  // namespace kiln::codegen::opt::idiom_test
