// tests/unit/wasm/validator_test.cc: validator tests over small modules (bytes produced from
// .wat at test-writing time) and the type canonicalizer / subtyping relation.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wasm/decoder.h"
#include "wasm/type_canon.h"
#include "wasm/validator.h"

namespace kiln::wasm {
namespace {

std::vector<uint8_t> from_hex(const char* hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; hex[i] && hex[i + 1]; i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex + i, 2), nullptr, 16)));
  return out;
}

struct Case {
  const char* name;
  const char* expect;  // "ok" or the expected message prefix
  const char* hex;
};

// Each module in binary form, converted from a one-line .wat snippet when the test was written.
const Case kCases[] = {
    {"AddOk", "ok", "0061736d0100000001070160027f7f017f030201000a09010700200020016a0b"},
    {"AddMismatch", "type mismatch: instruction requires [i32 i32] but stack has [i32 i64]", "0061736d0100000001070160027f7e017f030201000a09010700200020016a0b"},
    {"UnknownLocal", "unknown local 3", "0061736d01000000010401600000030201000a09010701017f20031a0b"},
    {"UnknownLabel", "unknown label", "0061736d01000000010401600000030201000a0901070002400c020b0b"},
    {"BrTableArity", "type mismatch", "0061736d010000000105016000017f030201000a15011300027f027e410041000e0100010b1a41000b0b"},
    {"BlockExtraValue", "type mismatch: block requires [] but stack has [i32]", "0061736d01000000010401600000030201000a09010700024041010b0b"},
    {"DuplicateExport", "duplicate export name", "0061736d010000000104016000000302010007090201610000016100000a040102000b"},
    {"MemoryTooBig", "memory size must be at most 65536 pages (4GiB)", "0061736d0100000005050100818004"},
    {"MinGreaterThanMax", "size minimum must not be greater than maximum", "0061736d01000000050401010201"},
    {"Alignment", "alignment must not be larger than natural", "0061736d010000000104016000000302010005030100010a0a01080041002803001a0b"},
    {"AtomicAlignment", "alignment must be exactly natural", "0061736d01000000010401600000030201000504010301010a190117004100fe1001001a4100fe1300001a4100fe1000001a0b"},
    {"ImmutableGlobal", "immutable global", "0061736d01000000010401600000030201000606017f0041000b0a08010600410124000b"},
    {"ConstExprRequired", "constant expression required", "0061736d010000000607017f004101450b"},
    {"ExtendedConstOk", "ok", "0061736d01000000060e027f0041010b7f00230041026a0b"},
    {"GlobalGetLater", "unknown global 1", "0061736d01000000060b027f0023010b7f0041000b"},
    {"GlobalGetMutable", "constant expression required", "0061736d01000000060b027f0141010b7f0023000b"},
    {"UndeclaredRef", "undeclared function reference", "0061736d010000000108026000006000017003030200010a090202000b0400d2000b"},
    {"DeclaredRef", "ok", "0061736d01000000010802600000600001700303020001090501030001000a090202000b0400d2000b"},
    {"StartType", "start function", "0061736d0100000001050160017f00030201000801000a040102000b"},
    {"UnreachablePolymorphic", "ok", "0061736d010000000105016000017f030201000a06010400006a0b"},
    {"UnreachableStillTyped", "type mismatch", "0061736d010000000105016000017f030201000a080106000042006a0b"},
    {"SelectRef", "type mismatch", "0061736d01000000010701600270700170030201000a0b0109002000200141001b0b"},
    {"SelectTypedRef", "ok", "0061736d01000000010701600270700170030201000a0d010b002000200141001c01700b"},
    {"LaneIndex", "invalid lane index", "0061736d0100000001060160017b017f030201000a090107002000fd15100b"},
    {"ShuffleLane", "invalid lane index", "0061736d0100000001060160017b017b030201000a1a01180020002000fd0d000102030405060708090a0b0c0d0e200b"},
    {"TryTableOk", "ok", "0061736d0100000001090260017f006000017f030201010d030100000a14011200027f1f4001000000410108000b41000b0b0013046e616d65030601000100016c0b0401000174"},
    {"TryTableBadCatch", "type mismatch", "0061736d0100000001090260017e006000017f030201010d030100000a10010e00027f1f40010000000b41000b0b0013046e616d65030601000100016c0b0401000174"},
    {"UnknownMemory", "unknown memory 1", "0061736d010000000104016000000302010005030100010a0b0109004100284201001a0b"},
    {"Memory64Address", "type mismatch", "0061736d010000000104016000000302010005030104010a0a01080041002802001a0b"},
    {"Memory64Ok", "ok", "0061736d010000000104016000000302010005030104010a0e010c004200280280808080101a0b"},
    {"OffsetOutOfRange", "offset out of range", "0061736d010000000104016000000302010005030100010a0e010c004100280280808080101a0b"},
    {"IfWithoutElseMismatch", "type mismatch", "0061736d010000000105016000017f030201000a0b0109004100047f41010b0b"},
    {"IfParamsPassThrough", "ok", "0061736d01000000010a0260017f017f6000017f030201010a0b0109004105410004000b0b000b046e616d65040401000174"},
    {"TagResult", "non-empty tag result type", "0061736d010000000105016000017f02080101610162040000"},
    {"UninitializedLocal", "uninitialized local", "0061736d01000000010401600000030201000a0a01080101640020001a0b0013046e616d650206010001000178040401000174"},
    {"LocalInitScoped", "uninitialized local", "0061736d0100000001040160000003020100090501030001000a11010f010164000240d20021000b20001a0b0013046e616d650206010001000178040401000174"},
    {"LocalInitOk", "ok", "0061736d0100000001040160000003020100090501030001000a11010f01016400d2002100024020001a0b0b0013046e616d650206010001000178040401000174"},
    {"ImmutableField", "immutable field", "0061736d01000000010a025f017f006001640000030201010a0c010a0020004101fb0500000b000b046e616d65040401000173"},
    {"MutableFieldOk", "ok", "0061736d01000000010b025f01780160016400017f030201010a1201100020004101fb0500002000fb0400000b000b046e616d65040401000173"},
    {"PackedNeedsSign", "type mismatch", "0061736d01000000010b025f01780060016400017f030201010a0a0108002000fb0200000b000b046e616d65040401000173"},
    {"SubTypeFinal", "sub type", "0061736d01000000010a02600000500100600000000e046e616d65040702000174010173"},
    {"SubTypeMismatch", "sub type", "0061736d01000000010e0250005f017f005001005f017e00000e046e616d65040702000174010173"},
    {"SubTypeOk", "ok", "0061736d0100000001100250005f016e005001005f026d007f00000e046e616d65040702000174010173"},
    {"RecEquivalent", "ok", "0061736d010000000114034e0160016400004e01600164010060000164010303020002090501030001000a090202000b0400d2000b0014046e616d65010401000166040702000161010162"},
    {"RecNotEquivalent", "type mismatch", "0061736d010000000116034e0160016400004e0260016401005f0060000164010303020003090501030001000a090202000b0400d2000b0014046e616d65010401000166040702000161010162"},
    {"ForwardTypeRef", "unknown type", "0061736d010000000109026001640100600000"},
    {"ArrayCopyImmutable", "immutable array", "0061736d010000000109025e7f006001640000030201010a1201100020004100200041004100fb1100000b000b046e616d65040401000161"},
    {"ArrayCopyMismatch", "array types do not match", "0061736d01000000010e035e7f015e7e0060026400640100030201020a1201100020004100200141004100fb1100010b000e046e616d65040702000161010162"},
    {"ArrayNewDataRef", "array type is not numeric or vector", "0061736d010000000107025e7000600000030201010c01010a0d010b0041004100fb0900001a0b0b03010100000b046e616d65040401000161"},
    {"RefCastOk", "ok", "0061736d010000000109025f0060016e016300030201010a090107002000fb17000b000b046e616d65040401000173"},
    {"RefCastWrongHierarchy", "type mismatch", "0061736d010000000109025f00600170016300030201010a090107002000fb17000b000b046e616d65040401000173"},
    {"BrOnCastOk", "ok", "0061736d010000000108025f0060016e016e030201010a11010f000264002000fb1801006e000f0b0b0013046e616d65030601000100016c040401000173"},
    {"BrOnCastNotSub", "type mismatch", "0061736d010000000108025f0060016e016e030201010a120110000264002000fb180200006e1a000b0b0013046e616d65030601000100016c040401000173"},
    {"BrOnNonNullOk", "ok", "0061736d01000000010b0260000060016300016400030201010a0d010b000264002000d600000b0b0013046e616d65030601000100016c040401000174"},
    {"CallRefOk", "ok", "0061736d01000000010c0260017f017f60016300017f030201010a0a0108004101200014000b000b046e616d65040401000174"},
    {"ReturnCallResultMismatch", "type mismatch", "0061736d010000000109026000017e6000017f03030200010a0b02040042000b040012000b000b046e616d65010401000167"},
    {"CallIndirectExternTable", "type mismatch", "0061736d01000000010401600000030201000404016f00010a0901070041001100000b000b046e616d65040401000174"},
    {"TableNonDefaultableNoInit", "type mismatch", "0061736d0100000001040160000004050164000001000b046e616d65040401000174"},
    {"TableInitExpr", "ok", "0061736d0100000001040160000003020100040a01400064000001d2000b0a040102000b0011046e616d65010401000166040401000174"},
    {"UnknownDataSegment", "unknown data segment 1", "0061736d010000000104016000000302010005030100010c01010a07010500fc09010b0b03010100"},
    {"UnknownElemSegment", "unknown elem segment 4", "0061736d01000000010401600000030201000a07010500fc0d040b"},
    {"ElemTypeMismatch", "type mismatch", "0061736d01000000040401700001090b01060041000b6f01d06f0b"},
    {"LegacyRethrowLabel", "invalid rethrow label", "0061736d01000000010401600000030201000a09010700024009000b0b"},
    {"LegacyTryOk", "ok", "0061736d0100000001090260017f006000017f030201010d030100000a0e010c00067f410107001941000b0b000b046e616d650b0401000165"},
    {"WideArithmeticOk", "ok", "0061736d01000000010a0160047e7e7e7e027e7e030201000a0e010c002000200120022003fc130b"},
    {"CustomPageSize", "invalid custom page size", "0061736d01000000050401080001"},
    {"SharedNoMax", "shared memory must have maximum", "0061736d010000000503010201"},
    {"MultipleMemories", "ok", "0061736d0100000001040160000003020100050502000100010a0b0109004100284201001a0b"},
};

class ValidatorCases : public ::testing::TestWithParam<Case> {};

TEST_P(ValidatorCases, MatchesExpectation) {
  const Case& c = GetParam();
  auto m = decode(from_hex(c.hex), Features::all());
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  auto r = validate(*m, Features::all());
  std::string expect = c.expect;
  if (expect == "ok") {
    EXPECT_TRUE(r.ok()) << r.error().to_string();
  } else {
    ASSERT_FALSE(r.ok()) << "expected: " << expect;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalid);
    EXPECT_EQ(r.error().message().rfind(expect, 0), 0u)
        << "want prefix '" << expect << "', got '" << r.error().message() << "'";
  }
}

INSTANTIATE_TEST_SUITE_P(Modules, ValidatorCases, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

const Case& find_case(const char* name) {
  for (const Case& c : kCases)
    if (std::string(c.name) == name) return c;
  ADD_FAILURE() << "no case " << name;
  return kCases[0];
}

TEST(Validator, ErrorLocatesOffendingInstruction) {
  std::vector<uint8_t> bytes = from_hex(find_case("AddMismatch").hex);
  auto m = decode(bytes, Features::all());
  ASSERT_TRUE(m.ok());
  auto r = validate(*m);
  ASSERT_FALSE(r.ok());
  const Location& loc = r.error().location();
  ASSERT_LT(loc.offset, bytes.size());
  EXPECT_EQ(bytes[loc.offset], 0x6A);  // i32.add
  EXPECT_EQ(loc.func, 0u);
}

TEST(Validator, MultipleMemoriesNeedFeature) {
  auto m = decode(from_hex(find_case("MultipleMemories").hex), Features::all());
  ASSERT_TRUE(m.ok());
  Features f = Features::all();
  f.multi_memory = false;
  auto r = validate(*m, f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "multiple memories");
}

TEST(Validator, DisabledProposalRejected) {
  auto m = decode(from_hex(find_case("WideArithmeticOk").hex), Features::all());
  ASSERT_TRUE(m.ok());
  Features f = Features::all();
  f.wide_arithmetic = false;
  EXPECT_FALSE(validate(*m, f).ok());
  EXPECT_TRUE(validate(*m, Features::all()).ok());
}

TEST(Validator, HandBuiltModuleWithBadIndicesDoesNotCrash) {
  Module m;
  m.func_types = {7};  // an imported function of a type that does not exist
  m.num_imported_funcs = 1;
  Import imp;
  imp.kind = ExternKind::kFunc;
  imp.func_type = 7;
  m.imports.push_back(imp);
  auto r = validate(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().rfind("unknown type", 0), 0u) << r.error().message();

  Module m2;
  Export e;
  e.name = "x";
  e.kind = ExternKind::kGlobal;
  e.index = 3;
  m2.exports.push_back(e);
  auto r2 = validate(m2);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().message(), "unknown global 3");
}

// ---- canonicalization and subtyping ----

SubType func_type(std::vector<ValType> params, std::vector<ValType> results) {
  SubType st;
  st.comp.kind = CompositeKind::kFunc;
  st.comp.func.params = std::move(params);
  st.comp.func.results = std::move(results);
  return st;
}

SubType struct_type(std::vector<FieldType> fields, bool final = true,
                    std::optional<uint32_t> super = std::nullopt) {
  SubType st;
  st.comp.kind = CompositeKind::kStruct;
  st.comp.strukt.fields = std::move(fields);
  st.final = final;
  st.super = super;
  return st;
}

void set_group(std::vector<SubType>& types, uint32_t start, uint32_t size) {
  for (uint32_t i = start; i < start + size; ++i) {
    types[i].rec_group_start = start;
    types[i].rec_group_size = size;
  }
}

TEST(TypeCanon, IdenticalRecursiveGroupsAreEqual) {
  // (rec (type $a (func (param (ref $a))))) twice, then a group of two differing in size.
  std::vector<SubType> types;
  types.push_back(func_type({ValType::ref(HeapType::index(0), false)}, {}));
  types.push_back(func_type({ValType::ref(HeapType::index(1), false)}, {}));
  types.push_back(func_type({ValType::ref(HeapType::index(2), false)}, {}));
  types.push_back(struct_type({}));
  set_group(types, 0, 1);
  set_group(types, 1, 1);
  set_group(types, 2, 2);
  TypeCanonicalizer c;
  std::vector<uint32_t> ids = c.add_module_types(types);
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(ids[0], ids[1]);
  EXPECT_NE(ids[0], ids[2]);
  EXPECT_NE(ids[2], ids[3]);
}

TEST(TypeCanon, ExternalReferencesCompareByCanonicalId) {
  // Types 0 and 1 are the same struct; 2 refers to 0 and 3 refers to 1: equal.
  std::vector<SubType> types;
  types.push_back(struct_type({{ValType::i32(), false}}));
  types.push_back(struct_type({{ValType::i32(), false}}));
  types.push_back(func_type({ValType::ref(HeapType::index(0), true)}, {}));
  types.push_back(func_type({ValType::ref(HeapType::index(1), true)}, {}));
  types.push_back(func_type({ValType::ref(HeapType::index(2), true)}, {}));
  for (uint32_t i = 0; i < types.size(); ++i) set_group(types, i, 1);
  TypeCanonicalizer c;
  std::vector<uint32_t> ids = c.add_module_types(types);
  EXPECT_EQ(ids[0], ids[1]);
  EXPECT_EQ(ids[2], ids[3]);
  EXPECT_NE(ids[3], ids[4]);
  // A second module sharing the canonicalizer gets the same ids for the same types.
  std::vector<uint32_t> again = c.add_module_types(types);
  EXPECT_EQ(again, ids);
}

TEST(TypeCanon, FinalityIsPartOfIdentity) {
  std::vector<SubType> types;
  types.push_back(struct_type({}, true));
  types.push_back(struct_type({}, false));
  set_group(types, 0, 1);
  set_group(types, 1, 1);
  TypeCanonicalizer c;
  std::vector<uint32_t> ids = c.add_module_types(types);
  EXPECT_NE(ids[0], ids[1]);
}

TEST(TypeContext, AbstractHierarchy) {
  std::vector<SubType> types;
  std::vector<uint32_t> canon;
  TypeContext tc(types, canon);
  auto ref = [](HeapKind k, bool null) { return ValType::ref(k, null); };
  EXPECT_TRUE(tc.val_subtype(ref(HeapKind::kI31, false), ref(HeapKind::kAny, true)));
  EXPECT_TRUE(tc.val_subtype(ref(HeapKind::kNone, true), ref(HeapKind::kStruct, true)));
  EXPECT_FALSE(tc.val_subtype(ref(HeapKind::kAny, true), ref(HeapKind::kAny, false)));
  EXPECT_FALSE(tc.val_subtype(ref(HeapKind::kFunc, true), ref(HeapKind::kAny, true)));
  EXPECT_TRUE(tc.val_subtype(ref(HeapKind::kNoExtern, false), ref(HeapKind::kExtern, true)));
  EXPECT_FALSE(tc.val_subtype(ref(HeapKind::kNoFunc, false), ref(HeapKind::kExtern, true)));
  EXPECT_TRUE(tc.val_subtype(ref(HeapKind::kNoExn, true), ref(HeapKind::kExn, true)));
  EXPECT_TRUE(tc.val_subtype(ValType::bot(), ValType::i64()));
  EXPECT_FALSE(tc.val_subtype(ValType::i32(), ValType::i64()));
}

TEST(TypeContext, ConcreteSubtypingFollowsDeclaredSupertypes) {
  std::vector<SubType> types;
  types.push_back(struct_type({}, false));                                // 0
  types.push_back(struct_type({{ValType::i32(), false}}, false, 0u));     // 1 <: 0
  types.push_back(func_type({}, {}));                                     // 2
  for (uint32_t i = 0; i < types.size(); ++i) set_group(types, i, 1);
  TypeCanonicalizer c;
  std::vector<uint32_t> canon = c.add_module_types(types);
  TypeContext tc(types, canon);
  HeapType s0 = HeapType::index(0), s1 = HeapType::index(1), f = HeapType::index(2);
  EXPECT_TRUE(tc.heap_subtype(s1, s0));
  EXPECT_FALSE(tc.heap_subtype(s0, s1));
  EXPECT_TRUE(tc.heap_subtype(s1, HeapKind::kEq));
  EXPECT_TRUE(tc.heap_subtype(HeapKind::kNone, s1));
  EXPECT_FALSE(tc.heap_subtype(HeapKind::kNoFunc, s1));
  EXPECT_TRUE(tc.heap_subtype(HeapKind::kNoFunc, f));
  EXPECT_TRUE(tc.heap_subtype(f, HeapKind::kFunc));
  EXPECT_FALSE(tc.heap_subtype(f, HeapKind::kAny));
  EXPECT_EQ(tc.top_of(s1), HeapKind::kAny);
  EXPECT_EQ(tc.top_of(f), HeapKind::kFunc);
  EXPECT_EQ(tc.bottom_of(HeapKind::kExtern), HeapKind::kNoExtern);
  // Mutable fields are invariant, immutable ones covariant.
  FieldType imm_any{ValType::ref(HeapKind::kAny, true), false};
  FieldType imm_eq{ValType::ref(HeapKind::kEq, true), false};
  FieldType mut_any{ValType::ref(HeapKind::kAny, true), true};
  FieldType mut_eq{ValType::ref(HeapKind::kEq, true), true};
  EXPECT_TRUE(tc.field_subtype(imm_eq, imm_any));
  EXPECT_FALSE(tc.field_subtype(mut_eq, mut_any));
  EXPECT_FALSE(tc.field_subtype(imm_eq, mut_any));
}

}  // namespace
}  // namespace kiln::wasm
