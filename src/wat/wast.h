// wat/wast.h: the parsed form of a .wast script (the spec testsuite's script format). The
// parser (wat/wast_parser.cc) turns text into a Script; the runner (wast/) executes it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/error.h"
#include "wasm/types.h"

namespace kiln::wat {

// A concrete value: an argument of an action or an exact expected result.
struct Value {
  // kComponent: a component-model value (see `component` below).
  enum class Type : uint8_t { kI32, kI64, kF32, kF64, kV128, kRef, kComponent };
  // Reference values a script can write as arguments.
  enum class RefKind : uint8_t {
    kNull,    // (ref.null <heaptype>)
    kExtern,  // (ref.extern N): host-provided extern reference number N
    kHost,    // (ref.host N)
  };
  Type type = Type::kI32;
  uint64_t bits = 0;  // i32/i64 zero-extended, f32/f64 as raw IEEE bits
  std::array<uint8_t, 16> v128{};  // little-endian lanes
  RefKind ref = RefKind::kNull;
  wasm::HeapType null_heap;  // kNull: the heap type written
  uint32_t ref_index = 0;    // kExtern/kHost: N
  // kComponent: a component-model value as written, e.g. (u32.const 7), (str.const "a"),
  // (record.const (field "x" (u8.const 1))), (option.none). `constructor` is the head keyword
  // ("u32.const", "option.some", "field", ...), `atoms` the literal tokens after it (numbers,
  // decoded strings, keywords such as true/false, in order) and `children` the nested forms.
  // Kept structural: typing against the function's signature happens when it is invoked.
  std::string constructor;
  std::vector<std::string> atoms;
  std::vector<Value> children;
};

// An expected result of assert_return.
struct Pattern {
  enum class Kind : uint8_t {
    kExact,          // value must equal `value` bit for bit (refs: same kind and N)
    kNanCanonical,   // f32/f64: nan:canonical
    kNanArithmetic,  // f32/f64: nan:arithmetic
    kV128Lanes,      // v128 with per-lane patterns (float shapes may hold NaN patterns)
    kRefNull,        // (ref.null ht): any null reference (ht is advisory)
    kRefExternAny,   // (ref.extern): any non-null extern reference
    kRefFuncAny,     // (ref.func): any non-null function reference
    kRefStruct,      // (ref.struct)
    kRefArray,       // (ref.array)
    kRefI31,         // (ref.i31) or (ref.i31 N) when has_index
    kRefEq,          // (ref.eq)
    kRefAny,         // (ref.any)
    kRefExn,         // (ref.exn)
    kRefNonNull,     // any non-null reference
    kEither,         // (either p1 p2 ...): one of `alternatives` matches
  };
  Kind kind = Kind::kExact;
  Value value;                    // kExact; type of NaN patterns (kF32/kF64) in value.type
  bool has_index = false;         // kRefI31 / kRefFuncAny with a number: (ref.i31 N), (ref.func N)
  uint32_t index = 0;
  // kV128Lanes: shape is "i8x16", "i16x8", "i32x4", "i64x2", "f32x4" or "f64x2"; one
  // pattern per lane (each kExact with a scalar value, kNanCanonical or kNanArithmetic).
  std::string shape;
  std::vector<Pattern> lanes;
  std::vector<Pattern> alternatives;  // kEither
};

// A module written in a script: `(module ...)`, `(module binary ...)`, `(module quote ...)`,
// optionally `definition`, or a `(component ...)`.
struct ModuleDef {
  enum class Form : uint8_t { kText, kBinary, kQuote };
  Form form = Form::kText;
  bool is_component = false;
  bool is_definition = false;  // (module definition ...): compiled, not instantiated
  std::optional<std::string> id;  // $name, without the '$'
  // kBinary: the bytes. kText: the bytes the text parser produced (if it succeeded).
  std::vector<uint8_t> binary;
  // kQuote: the concatenated quoted source text, parsed by the runner.
  std::string quote_text;
  // kText: set when the text parser rejected the module; the runner reports it.
  std::optional<Error> text_error;
  Location loc;
};

struct Action {
  enum class Kind : uint8_t { kInvoke, kGet };
  Kind kind = Kind::kInvoke;
  std::optional<std::string> module_id;  // without '$'
  std::string name;                      // export name (decoded string)
  std::vector<Value> args;
  Location loc;
};

struct Command {
  enum class Kind : uint8_t {
    kModule,                // module: define (and instantiate unless is_definition)
    kModuleInstance,        // (module instance $i $m)
    kRegister,              // (register "name" $id?)
    kAction,                // bare invoke / get
    kAssertReturn,
    kAssertTrap,            // action or module (module form: trap during instantiation)
    kAssertExhaustion,
    kAssertException,
    kAssertSuspension,      // stack switching: a suspension no handler caught
    kAssertInvalid,
    kAssertMalformed,
    kAssertUnlinkable,
    kAssertUninstantiable,
    kThread,                // (thread $T (shared (module $m))* cmd*): threads proposal
    kWait,                  // (wait $T)
  };
  Kind kind = Kind::kModule;
  Location loc;
  ModuleDef module;       // kModule, kAssert{Invalid,Malformed,Unlinkable,Uninstantiable}, kAssertTrap (module form)
  bool has_module = false;
  Action action;          // kAction, kAssertReturn/Trap/Exhaustion/Exception
  std::vector<Pattern> expected;  // kAssertReturn
  std::string message;    // expected failure text for assert_* forms
  // assert_malformed_custom / assert_invalid_custom: the error is in a custom annotation
  // (kind is kAssertMalformed / kAssertInvalid).
  bool custom_annotation = false;
  std::string name;       // kRegister: the name; kModuleInstance: instance id; kThread/kWait: thread id
  std::optional<std::string> ref_id;  // kRegister: module id; kModuleInstance: module id
  std::vector<std::string> shared_modules;  // kThread: (shared (module $m)) ids
  std::vector<Command> body;  // kThread: the thread's commands
};

struct Script {
  std::string file;
  std::vector<Command> commands;
};

// Parses a whole .wast script. Fails only when the script itself cannot be read; a text module
// that fails to parse is kept with `text_error` set so the runner can report that command.
Expected<Script> parse_wast(std::string_view text, std::string file_name);

}  // namespace kiln::wat
