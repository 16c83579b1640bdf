// component/ast.h: the decoded form of a component binary (Binary.md), definition by definition
// in binary order, which is the order validation and instantiation walk them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "wasm/module.h"
#include "wasm/types.h"

namespace kiln::component {

// Every index space of a component, core and component level, as one enum.
enum class Sort : uint8_t {
  kCoreFunc,
  kCoreTable,
  kCoreMemory,
  kCoreGlobal,
  kCoreTag,
  kCoreType,
  kCoreModule,
  kCoreInstance,
  kFunc,
  kValue,
  kType,
  kComponent,
  kInstance,
};
inline constexpr int kNumSorts = 13;
const char* sort_name(Sort s);  // "core func", "func", "instance", ...

struct SortIndex {
  Sort sort = Sort::kFunc;
  uint32_t index = 0;
};

enum class PrimType : uint8_t {
  kBool, kS8, kU8, kS16, kU16, kS32, kU32, kS64, kU64, kF32, kF64, kChar, kString,
  kErrorContext,
};
const char* prim_name(PrimType p);

// A `valtype`: a primitive or the index of a defined value type.
struct ValType {
  bool is_index = false;
  PrimType prim = PrimType::kBool;
  uint32_t index = 0;
};

struct LabeledType {
  std::string label;
  ValType type;
};

struct Case {
  std::string label;
  std::optional<ValType> type;
};

enum class DefValKind : uint8_t {
  kPrim, kRecord, kVariant, kList, kFixedList, kTuple, kFlags, kEnum, kOption, kResult,
  kOwn, kBorrow, kStream, kFuture, kMap,
};

struct DefValType {
  DefValKind kind = DefValKind::kPrim;
  PrimType prim = PrimType::kBool;  // kPrim
  std::vector<LabeledType> fields;  // kRecord
  std::vector<Case> cases;          // kVariant
  std::vector<ValType> types;       // kTuple
  std::vector<std::string> labels;  // kFlags, kEnum
  // kList/kFixedList/kOption/kStream/kFuture element, kResult ok, kMap key.
  std::optional<ValType> a;
  std::optional<ValType> b;  // kResult error, kMap value
  uint32_t length = 0;       // kFixedList
  uint32_t index = 0;        // kOwn/kBorrow: resource type index
};

struct FuncType {
  bool async = false;
  std::vector<LabeledType> params;
  std::optional<ValType> result;
};

enum class ExternKind : uint8_t { kModule, kFunc, kValue, kType, kComponent, kInstance };

// An `externtype`.
struct ExternDesc {
  ExternKind kind = ExternKind::kFunc;
  uint32_t index = 0;          // type index (core type index for kModule); kValue/kType eq index
  bool sub_resource = false;   // kType: (sub resource) instead of (eq index)
  bool value_eq = false;       // kValue: (eq index) instead of a value type
  ValType value_type;          // kValue without eq
};

// `nameattributes`: an extern name and its optional attributes.
struct ExternName {
  std::string name;
  std::optional<std::string> implements;
  std::optional<std::string> version_suffix;
  std::optional<std::string> external_id;
  bool duplicate_attribute = false;  // an attribute kind given twice (a validation error)
  uint64_t offset = 0;
};

struct Alias {
  enum class Target : uint8_t { kExport, kCoreExport, kOuter };
  Sort sort = Sort::kFunc;
  Target target = Target::kExport;
  uint32_t instance = 0;  // kExport/kCoreExport; kOuter: the count
  uint32_t index = 0;     // kOuter
  std::string name;       // kExport/kCoreExport
  uint64_t offset = 0;
};

struct CoreType;

// A declaration of a core module type.
struct CoreModuleDecl {
  enum class Kind : uint8_t { kImport, kType, kAlias, kExport };
  Kind kind = Kind::kImport;
  wasm::Import import;  // kImport; kExport uses name and the type fields (module empty)
  std::shared_ptr<CoreType> type;  // kType
  uint32_t outer_count = 0;        // kAlias: (alias outer ct idx (type))
  uint32_t outer_index = 0;
  uint64_t offset = 0;
};

// A `core:type`: a rec group of core types, or a module type.
struct CoreType {
  bool is_module = false;
  std::vector<wasm::SubType> group;  // !is_module; supertype/type indices as written
  std::vector<CoreModuleDecl> decls;  // is_module
  uint64_t offset = 0;
};

struct TypeDef;

// A declarator of a component or instance type.
struct Decl {
  enum class Kind : uint8_t { kCoreType, kType, kAlias, kImport, kExport };
  Kind kind = Kind::kType;
  std::shared_ptr<CoreType> core_type;
  std::shared_ptr<TypeDef> type;
  Alias alias;
  ExternName name;  // kImport/kExport
  ExternDesc desc;
  uint64_t offset = 0;
};

struct TypeDef {
  enum class Kind : uint8_t { kDefVal, kFunc, kComponent, kInstance, kResource };
  Kind kind = Kind::kDefVal;
  DefValType val;
  FuncType func;
  std::vector<Decl> decls;  // kComponent / kInstance
  wasm::ValType rep = wasm::ValType::i32();  // kResource
  std::optional<uint32_t> dtor;              // kResource: core func index
  uint64_t offset = 0;
};

struct CanonOpt {
  enum class Kind : uint8_t {
    kUtf8 = 0, kUtf16 = 1, kLatin1Utf16 = 2, kMemory = 3, kRealloc = 4, kPostReturn = 5,
    kAsync = 6, kCallback = 7,
    // The GC canonical ABI (values as GC references instead of linear memory).
    kCoreType = 8, kGc = 9,
  };
  Kind kind = Kind::kUtf8;
  uint32_t index = 0;
  uint64_t offset = 0;
};

// A `canon` definition. `op` is the binary opcode (lift 0x00, lower 0x01, resource.new 0x02,
// ...); the fields used depend on it (see decoder.cc).
struct Canon {
  uint8_t op = 0;
  uint32_t func = 0;        // lift: core func; lower: func
  uint32_t type = 0;        // lift: func type; resource/stream/future builtins: the type
  uint32_t index = 0;       // context.get/set slot; memory of waitable-set.wait/poll; table
  bool flag = false;        // async? / cancellable? / shared?
  std::vector<CanonOpt> opts;
  std::optional<ValType> result;  // task.return
  wasm::ValType core_type = wasm::ValType::i32();  // context.get/set
  uint64_t offset = 0;
};

// Binary opcodes of canonical definitions.
namespace canon_op {
inline constexpr uint8_t kLift = 0x00, kLower = 0x01, kResourceNew = 0x02,
                         kResourceDrop = 0x03, kResourceRep = 0x04, kTaskCancel = 0x05,
                         kSubtaskCancel = 0x06, kTaskReturn = 0x09, kContextGet = 0x0a,
                         kContextSet = 0x0b, kThreadYield = 0x0c, kSubtaskDrop = 0x0d,
                         kStreamNew = 0x0e, kStreamRead = 0x0f, kStreamWrite = 0x10,
                         kStreamCancelRead = 0x11, kStreamCancelWrite = 0x12,
                         kStreamDropReadable = 0x13, kStreamDropWritable = 0x14,
                         kFutureNew = 0x15, kFutureRead = 0x16, kFutureWrite = 0x17,
                         kFutureCancelRead = 0x18, kFutureCancelWrite = 0x19,
                         kFutureDropReadable = 0x1a, kFutureDropWritable = 0x1b,
                         kErrorContextNew = 0x1c, kErrorContextDebugMessage = 0x1d,
                         kErrorContextDrop = 0x1e, kWaitableSetNew = 0x1f,
                         kWaitableSetWait = 0x20, kWaitableSetPoll = 0x21,
                         kWaitableSetDrop = 0x22, kWaitableJoin = 0x23,
                         kBackpressureInc = 0x24, kBackpressureDec = 0x25, kThreadIndex = 0x26,
                         kThreadNewIndirect = 0x27, kThreadResumeLater = 0x28,
                         kThreadSuspend = 0x29, kThreadSuspendThenResume = 0x2a,
                         kThreadYieldThenResume = 0x2b, kThreadSuspendThenPromote = 0x2c,
                         kThreadYieldThenPromote = 0x2d, kThreadSpawnRef = 0x40,
                         kThreadSpawnIndirect = 0x41, kThreadAvailableParallelism = 0x42;
}  // namespace canon_op

struct CoreInlineExport {
  std::string name;
  Sort sort = Sort::kCoreFunc;
  uint32_t index = 0;
};

struct CoreInstance {
  bool instantiate = true;
  uint32_t module = 0;
  struct Arg {
    std::string name;
    uint32_t instance = 0;
  };
  std::vector<Arg> args;
  std::vector<CoreInlineExport> exports;  // !instantiate
  uint64_t offset = 0;
};

struct Instance {
  bool instantiate = true;
  uint32_t component = 0;
  struct Arg {
    std::string name;
    SortIndex item;
  };
  std::vector<Arg> args;
  struct Export {
    ExternName name;
    SortIndex item;
  };
  std::vector<Export> exports;  // !instantiate
  uint64_t offset = 0;
};

struct Import {
  ExternName name;
  ExternDesc desc;
  uint64_t offset = 0;
};

struct Export {
  ExternName name;
  SortIndex item;
  std::optional<ExternDesc> desc;
  uint64_t offset = 0;
};

struct Start {
  uint32_t func = 0;
  std::vector<uint32_t> args;  // value indices
  uint32_t results = 0;
  uint64_t offset = 0;
};

struct ValueDef {
  ValType type;
  std::vector<uint8_t> bytes;  // the encoded value
  uint64_t offset = 0;
};

struct CoreModule {
  std::shared_ptr<wasm::Module> module;
  uint64_t offset = 0;
};

struct Component;
struct NestedComponent {
  std::shared_ptr<Component> component;
  uint64_t offset = 0;
};

using Definition = std::variant<CoreModule, CoreInstance, std::shared_ptr<CoreType>,
                                NestedComponent, Instance, Alias, std::shared_ptr<TypeDef>,
                                Canon, Start, Import, Export, ValueDef>;

struct Component {
  std::vector<Definition> defs;  // in binary order
  uint64_t offset = 0;           // of the preamble
};

}  // namespace kiln::component
