// codegen/translate/simd_translator.cc: SIMD and relaxed-SIMD operators -> IR vector ops.
//
// Every v128 on the operand stack is an i8x16 value; an operator bitcasts its operands to its
// lane shape (i16x8, f32x4, ...), computes, and bitcasts the result back. Operators without an
// IR opcode of their own are built from others: shuffles from swizzles, extmul from widen +
// imul, extadd_pairwise from shifts or sdot_pairs, pmin/pmax from fcmp + bitselect. Relaxed
// operators take one deterministic allowed behaviour: the non-relaxed result (swizzle,
// truncation, min/max, q15mulr), unfused multiply-add, bitselect for laneselect, and a signed
// reading of the second dot-product operand.
#include "codegen/translate/simd_translator.h"

#include <cstring>

namespace kiln::codegen::translate {
namespace {

using ir::Type;
using ir::Value;
using IO = ir::Opcode;
using wasm::Opcode;

class SimdTranslator {
 public:
  explicit SimdTranslator(SimdContext& cx) : cx_(cx), b_(cx.b) {}

  Expected<void> run(Opcode op, const wasm::Imm& imm);

 private:
  Value pop() {
    Value v = cx_.stack.back();
    cx_.stack.pop_back();
    return v;
  }
  void push(Value v) { cx_.stack.push_back(v); }
  Type type_of(Value v) { return b_.func().dfg.value_type(v); }
  // v viewed as type t (a bitcast unless it already has it).
  Value as(Value v, Type t) { return type_of(v) == t ? v : b_.convert(IO::kBitcast, t, v); }
  void push_v(Value v) { push(as(v, ir::kI8x16)); }
  Value pop_as(Type t) { return as(pop(), t); }

  void unop(IO op, Type t) { push_v(b_.unary(op, pop_as(t))); }
  void binop(IO op, Type t) {
    Value y = pop_as(t), x = pop_as(t);
    push_v(b_.binary(op, x, y));
  }
  void icmp(ir::IntCC cc, Type t) {
    Value y = pop_as(t), x = pop_as(t);
    push_v(b_.icmp(cc, x, y));
  }
  void fcmp(ir::FloatCC cc, Type t) {
    Value y = pop_as(t), x = pop_as(t);
    push_v(b_.fcmp(cc, x, y));
  }
  // Lane-shape conversions (explicit result type).
  Value vconv(IO op, Type to, Value x) { return b_.convert(op, to, x); }
  Value vconv2(IO op, Type to, Value x, Value y) {
    ir::InstData d;
    d.opcode = op;
    d.type = to;
    d.args[0] = x;
    d.args[1] = y;
    return b_.ins_value(d);
  }
  Value bitselect(Value c, Value x, Value y) {
    ir::InstData d;
    d.opcode = IO::kBitselect;
    d.args[0] = c;
    d.args[1] = x;
    d.args[2] = y;
    return b_.ins_value(d);
  }
  Value splat_const(Type t, int64_t v) {
    return b_.convert(IO::kSplat, t, b_.iconst(t.lane_type(), v));
  }
  Value to_i32(Value b) { return b_.convert(IO::kUextend, ir::kI32, b); }

  // Memory: the address of a `size`-byte access; nullopt if it always traps.
  std::optional<Value> addr(const wasm::Imm& imm, Value index, uint32_t size, int32_t* off) {
    auto a = cx_.fe.heap_addr(imm.memarg.memory, index, imm.memarg.offset, size, off);
    if (!a) cx_.reachable = false;
    return a;
  }
  static ir::MemFlags heap_flags() {
    ir::MemFlags f;
    f.set_region(ir::AliasRegion::kHeap);
    return f;
  }
  // A scalar of `bytes` bytes loaded as the lane type of that width.
  // `as_f64`: an 8-byte load as f64, which lands in a vector register (load8x8 and friends
  // only need the bits there).
  std::optional<Value> load_scalar(const wasm::Imm& imm, uint32_t bytes, bool as_f64 = false) {
    Value index = pop();
    int32_t off = 0;
    auto a = addr(imm, index, bytes, &off);
    if (!a) return std::nullopt;
    switch (bytes) {
      case 1: return b_.convert(IO::kIreduce, ir::kI8, b_.load(IO::kUload8, ir::kI32, heap_flags(), *a, off));
      case 2: return b_.convert(IO::kIreduce, ir::kI16, b_.load(IO::kUload16, ir::kI32, heap_flags(), *a, off));
      case 4: return b_.load(IO::kLoad, ir::kI32, heap_flags(), *a, off);
      default: return b_.load(IO::kLoad, as_f64 ? ir::kF64 : ir::kI64, heap_flags(), *a, off);
    }
  }
  static Type int_lanes(uint32_t bytes) {
    return bytes == 1 ? ir::kI8x16 : bytes == 2 ? ir::kI16x8 : bytes == 4 ? ir::kI32x4 : ir::kI64x2;
  }
  void load_extend(const wasm::Imm& imm, Type from, Type to, bool sign) {
    auto x = load_scalar(imm, 8, /*as_f64=*/true);
    if (!x) return;
    Value v = as(b_.convert(IO::kSplat, ir::kF64x2, *x), from);
    push_v(vconv(sign ? IO::kSwidenLow : IO::kUwidenLow, to, v));
  }
  void load_splat(const wasm::Imm& imm, uint32_t bytes) {
    auto x = load_scalar(imm, bytes);
    if (!x) return;
    push_v(b_.convert(IO::kSplat, int_lanes(bytes), *x));
  }
  void load_zero(const wasm::Imm& imm, uint32_t bytes) {
    auto x = load_scalar(imm, bytes);
    if (!x) return;
    Type t = int_lanes(bytes);
    push_v(insert_lane(b_.vconst(t, ir::V128Bytes{}), *x, 0));
  }
  Value insert_lane(Value v, Value x, uint32_t lane) {
    ir::InstData d;
    d.opcode = IO::kInsertLane;
    d.args[0] = v;
    d.args[1] = x;
    d.imm = lane;
    return b_.ins_value(d);
  }
  Value extract_lane(Value v, uint32_t lane) {
    ir::InstData d;
    d.opcode = IO::kExtractLane;
    d.args[0] = v;
    d.imm = lane;
    return b_.ins_value(d);
  }
  void load_lane(const wasm::Imm& imm, uint32_t bytes) {
    Value v = pop_as(int_lanes(bytes));
    auto x = load_scalar(imm, bytes);
    if (!x) return;
    push_v(insert_lane(v, *x, imm.lane));
  }
  void store_lane(const wasm::Imm& imm, uint32_t bytes) {
    Value v = pop_as(int_lanes(bytes));
    Value index = pop();
    int32_t off = 0;
    auto a = addr(imm, index, bytes, &off);
    if (!a) return;
    Value x = extract_lane(v, imm.lane);
    if (bytes == 1) b_.store(IO::kIstore8, heap_flags(), to_i32(x), *a, off);
    else if (bytes == 2) b_.store(IO::kIstore16, heap_flags(), to_i32(x), *a, off);
    else b_.store(IO::kStore, heap_flags(), x, *a, off);
  }

  void shuffle(const uint8_t* lanes);
  void extract(Type t, const wasm::Imm& imm, IO ext) {
    Value x = extract_lane(pop_as(t), imm.lane);
    push(ext == IO::kIconst ? x : b_.convert(ext, ir::kI32, x));
  }
  void replace(Type t, const wasm::Imm& imm) {
    Value x = pop();
    Value v = pop_as(t);
    if (t.lane_bits() < 32) x = b_.convert(IO::kIreduce, t.lane_type(), x);
    push_v(insert_lane(v, x, imm.lane));
  }
  void splat(Type t) {
    Value x = pop();
    if (t.lane_bits() < 32) x = b_.convert(IO::kIreduce, t.lane_type(), x);
    push_v(b_.convert(IO::kSplat, t, x));
  }
  void extmul(Type from, Type to, IO widen) {
    Value y = pop_as(from), x = pop_as(from);
    push_v(b_.binary(IO::kImul, vconv(widen, to, x), vconv(widen, to, y)));
  }
  // Sum of adjacent lane pairs of `from` into the double-width lanes `to`.
  Value pairwise(Value x, Type to, bool sign) {
    uint32_t half = to.lane_bits() / 2;
    if (sign && to == ir::kI32x4) return vconv2(IO::kSdotPairs, ir::kI32x4, x, splat_const(ir::kI16x8, 1));
    Value w = as(x, to);
    Value sh = b_.iconst(ir::kI32, half);
    Value lo = sign ? b_.binary(IO::kSshr, b_.binary(IO::kIshl, w, sh), sh)
                    : b_.binary(IO::kBand, w, splat_const(to, (int64_t{1} << half) - 1));
    Value hi = b_.binary(sign ? IO::kSshr : IO::kUshr, w, sh);
    return b_.binary(IO::kIadd, lo, hi);
  }
  void pminmax(Type t, bool is_max) {
    Value y = pop_as(t), x = pop_as(t);
    // pmin: y < x ? y : x; pmax: x < y ? y : x (NaN and zeros keep x, as the spec says).
    Value c = is_max ? b_.fcmp(ir::FloatCC::kLt, x, y) : b_.fcmp(ir::FloatCC::kLt, y, x);
    push_v(bitselect(as(c, t), y, x));
  }
  // i16x8 lanes sum of products of adjacent signed byte pairs (wrapping).
  Value dot_i8(Value a, Value b) {
    Value a16 = as(a, ir::kI16x8), b16 = as(b, ir::kI16x8);
    Value eight = b_.iconst(ir::kI32, 8);
    auto even = [&](Value v) { return b_.binary(IO::kSshr, b_.binary(IO::kIshl, v, eight), eight); };
    auto odd = [&](Value v) { return b_.binary(IO::kSshr, v, eight); };
    return b_.binary(IO::kIadd, b_.binary(IO::kImul, even(a16), even(b16)),
                     b_.binary(IO::kImul, odd(a16), odd(b16)));
  }
  void madd(Type t, bool negate) {
    Value c = pop_as(t), y = pop_as(t), x = pop_as(t);
    Value p = b_.binary(IO::kFmul, x, y);
    push_v(negate ? b_.binary(IO::kFsub, c, p) : b_.binary(IO::kFadd, p, c));
  }

  SimdContext& cx_;
  ir::FunctionBuilder& b_;
};

void SimdTranslator::shuffle(const uint8_t* lanes) {
  Value y = pop_as(ir::kI8x16), x = pop_as(ir::kI8x16);
  ir::V128Bytes from_x{}, from_y{};
  bool any_x = false, any_y = false;
  for (int i = 0; i < 16; ++i) {
    uint8_t k = lanes[i] & 31;
    // 0x80 selects zero in swizzle (any index >= 16).
    from_x[i] = k < 16 ? k : 0x80;
    from_y[i] = k >= 16 ? static_cast<uint8_t>(k - 16) : 0x80;
    any_x |= k < 16;
    any_y |= k >= 16;
  }
  Value rx = any_x ? b_.binary(IO::kSwizzle, x, b_.vconst(ir::kI8x16, from_x)) : Value();
  Value ry = any_y ? b_.binary(IO::kSwizzle, y, b_.vconst(ir::kI8x16, from_y)) : Value();
  if (!any_y) push(rx);
  else if (!any_x) push(ry);
  else push(b_.binary(IO::kBor, rx, ry));
}

Expected<void> SimdTranslator::run(Opcode op, const wasm::Imm& imm) {
  constexpr Type I8 = ir::kI8x16, I16 = ir::kI16x8, I32 = ir::kI32x4, I64 = ir::kI64x2,
                 F32 = ir::kF32x4, F64 = ir::kF64x2;
  using CC = ir::IntCC;
  using FC = ir::FloatCC;
  switch (op) {
    // ---- memory
    case Opcode::kV128Load: {
      Value index = pop();
      int32_t off = 0;
      if (auto a = addr(imm, index, 16, &off)) push(b_.load(IO::kLoad, I8, heap_flags(), *a, off));
      break;
    }
    case Opcode::kV128Store: {
      Value v = pop_as(I8);
      Value index = pop();
      int32_t off = 0;
      if (auto a = addr(imm, index, 16, &off)) b_.store(IO::kStore, heap_flags(), v, *a, off);
      break;
    }
    case Opcode::kV128Load8x8S: load_extend(imm, I8, I16, true); break;
    case Opcode::kV128Load8x8U: load_extend(imm, I8, I16, false); break;
    case Opcode::kV128Load16x4S: load_extend(imm, I16, I32, true); break;
    case Opcode::kV128Load16x4U: load_extend(imm, I16, I32, false); break;
    case Opcode::kV128Load32x2S: load_extend(imm, I32, I64, true); break;
    case Opcode::kV128Load32x2U: load_extend(imm, I32, I64, false); break;
    case Opcode::kV128Load8Splat: load_splat(imm, 1); break;
    case Opcode::kV128Load16Splat: load_splat(imm, 2); break;
    case Opcode::kV128Load32Splat: load_splat(imm, 4); break;
    case Opcode::kV128Load64Splat: load_splat(imm, 8); break;
    case Opcode::kV128Load32Zero: load_zero(imm, 4); break;
    case Opcode::kV128Load64Zero: load_zero(imm, 8); break;
    case Opcode::kV128Load8Lane: load_lane(imm, 1); break;
    case Opcode::kV128Load16Lane: load_lane(imm, 2); break;
    case Opcode::kV128Load32Lane: load_lane(imm, 4); break;
    case Opcode::kV128Load64Lane: load_lane(imm, 8); break;
    case Opcode::kV128Store8Lane: store_lane(imm, 1); break;
    case Opcode::kV128Store16Lane: store_lane(imm, 2); break;
    case Opcode::kV128Store32Lane: store_lane(imm, 4); break;
    case Opcode::kV128Store64Lane: store_lane(imm, 8); break;

    // ---- constants, shuffles, lanes
    case Opcode::kV128Const: {
      ir::V128Bytes bytes{};
      std::memcpy(bytes.data(), imm.bytes, 16);
      push(b_.vconst(I8, bytes));
      break;
    }
    case Opcode::kI8x16Shuffle: shuffle(imm.bytes); break;
    case Opcode::kI8x16Swizzle: case Opcode::kI8x16RelaxedSwizzle: binop(IO::kSwizzle, I8); break;
    case Opcode::kI8x16Splat: splat(I8); break;
    case Opcode::kI16x8Splat: splat(I16); break;
    case Opcode::kI32x4Splat: splat(I32); break;
    case Opcode::kI64x2Splat: splat(I64); break;
    case Opcode::kF32x4Splat: splat(F32); break;
    case Opcode::kF64x2Splat: splat(F64); break;
    case Opcode::kI8x16ExtractLaneS: extract(I8, imm, IO::kSextend); break;
    case Opcode::kI8x16ExtractLaneU: extract(I8, imm, IO::kUextend); break;
    case Opcode::kI16x8ExtractLaneS: extract(I16, imm, IO::kSextend); break;
    case Opcode::kI16x8ExtractLaneU: extract(I16, imm, IO::kUextend); break;
    case Opcode::kI32x4ExtractLane: extract(I32, imm, IO::kIconst); break;
    case Opcode::kI64x2ExtractLane: extract(I64, imm, IO::kIconst); break;
    case Opcode::kF32x4ExtractLane: extract(F32, imm, IO::kIconst); break;
    case Opcode::kF64x2ExtractLane: extract(F64, imm, IO::kIconst); break;
    case Opcode::kI8x16ReplaceLane: replace(I8, imm); break;
    case Opcode::kI16x8ReplaceLane: replace(I16, imm); break;
    case Opcode::kI32x4ReplaceLane: replace(I32, imm); break;
    case Opcode::kI64x2ReplaceLane: replace(I64, imm); break;
    case Opcode::kF32x4ReplaceLane: replace(F32, imm); break;
    case Opcode::kF64x2ReplaceLane: replace(F64, imm); break;

    // ---- comparisons
#define KILN_ICMPS(P, T)                                                                  \
  case Opcode::k##P##Eq: icmp(CC::kEq, T); break;                                          \
  case Opcode::k##P##Ne: icmp(CC::kNe, T); break;                                          \
  case Opcode::k##P##LtS: icmp(CC::kSlt, T); break;                                        \
  case Opcode::k##P##GtS: icmp(CC::kSgt, T); break;                                        \
  case Opcode::k##P##LeS: icmp(CC::kSle, T); break;                                        \
  case Opcode::k##P##GeS: icmp(CC::kSge, T); break;
#define KILN_UCMPS(P, T)                                                                  \
  case Opcode::k##P##LtU: icmp(CC::kUlt, T); break;                                        \
  case Opcode::k##P##GtU: icmp(CC::kUgt, T); break;                                        \
  case Opcode::k##P##LeU: icmp(CC::kUle, T); break;                                        \
  case Opcode::k##P##GeU: icmp(CC::kUge, T); break;
#define KILN_FCMPS(P, T)                                                                  \
  case Opcode::k##P##Eq: fcmp(FC::kEq, T); break;                                          \
  case Opcode::k##P##Ne: fcmp(FC::kNe, T); break;                                          \
  case Opcode::k##P##Lt: fcmp(FC::kLt, T); break;                                          \
  case Opcode::k##P##Gt: fcmp(FC::kGt, T); break;                                          \
  case Opcode::k##P##Le: fcmp(FC::kLe, T); break;                                          \
  case Opcode::k##P##Ge: fcmp(FC::kGe, T); break;
    KILN_ICMPS(I8x16, I8) KILN_UCMPS(I8x16, I8)
    KILN_ICMPS(I16x8, I16) KILN_UCMPS(I16x8, I16)
    KILN_ICMPS(I32x4, I32) KILN_UCMPS(I32x4, I32)
    KILN_ICMPS(I64x2, I64)
    KILN_FCMPS(F32x4, F32) KILN_FCMPS(F64x2, F64)
#undef KILN_ICMPS
#undef KILN_UCMPS
#undef KILN_FCMPS

    // ---- bitwise
    case Opcode::kV128Not: unop(IO::kBnot, I8); break;
    case Opcode::kV128And: binop(IO::kBand, I8); break;
    case Opcode::kV128Or: binop(IO::kBor, I8); break;
    case Opcode::kV128Xor: binop(IO::kBxor, I8); break;
    case Opcode::kV128Andnot: {
      Value y = pop_as(I8), x = pop_as(I8);
      push(b_.binary(IO::kBand, x, b_.unary(IO::kBnot, y)));
      break;
    }
    case Opcode::kV128Bitselect:
    case Opcode::kI8x16RelaxedLaneselect: case Opcode::kI16x8RelaxedLaneselect:
    case Opcode::kI32x4RelaxedLaneselect: case Opcode::kI64x2RelaxedLaneselect: {
      Value c = pop_as(I8), y = pop_as(I8), x = pop_as(I8);
      push(bitselect(c, x, y));
      break;
    }
    case Opcode::kV128AnyTrue: push(to_i32(b_.unary(IO::kVanyTrue, pop_as(I8)))); break;
    case Opcode::kI8x16AllTrue: push(to_i32(b_.unary(IO::kVallTrue, pop_as(I8)))); break;
    case Opcode::kI16x8AllTrue: push(to_i32(b_.unary(IO::kVallTrue, pop_as(I16)))); break;
    case Opcode::kI32x4AllTrue: push(to_i32(b_.unary(IO::kVallTrue, pop_as(I32)))); break;
    case Opcode::kI64x2AllTrue: push(to_i32(b_.unary(IO::kVallTrue, pop_as(I64)))); break;
    case Opcode::kI8x16Bitmask: push(b_.unary(IO::kVhighBits, pop_as(I8))); break;
    case Opcode::kI16x8Bitmask: push(b_.unary(IO::kVhighBits, pop_as(I16))); break;
    case Opcode::kI32x4Bitmask: push(b_.unary(IO::kVhighBits, pop_as(I32))); break;
    case Opcode::kI64x2Bitmask: push(b_.unary(IO::kVhighBits, pop_as(I64))); break;

    // ---- integer arithmetic
#define KILN_IARITH(P, T)                                                                 \
  case Opcode::k##P##Add: binop(IO::kIadd, T); break;                                      \
  case Opcode::k##P##Sub: binop(IO::kIsub, T); break;                                      \
  case Opcode::k##P##Neg: unop(IO::kIneg, T); break;                                       \
  case Opcode::k##P##Abs: unop(IO::kIabs, T); break;                                       \
  case Opcode::k##P##Shl: { Value s = pop(); push_v(b_.binary(IO::kIshl, pop_as(T), s)); break; } \
  case Opcode::k##P##ShrS: { Value s = pop(); push_v(b_.binary(IO::kSshr, pop_as(T), s)); break; } \
  case Opcode::k##P##ShrU: { Value s = pop(); push_v(b_.binary(IO::kUshr, pop_as(T), s)); break; }
    KILN_IARITH(I8x16, I8) KILN_IARITH(I16x8, I16) KILN_IARITH(I32x4, I32) KILN_IARITH(I64x2, I64)
#undef KILN_IARITH
#define KILN_MINMAX(P, T)                                                                 \
  case Opcode::k##P##MinS: binop(IO::kSmin, T); break;                                     \
  case Opcode::k##P##MinU: binop(IO::kUmin, T); break;                                     \
  case Opcode::k##P##MaxS: binop(IO::kSmax, T); break;                                     \
  case Opcode::k##P##MaxU: binop(IO::kUmax, T); break;
    KILN_MINMAX(I8x16, I8) KILN_MINMAX(I16x8, I16) KILN_MINMAX(I32x4, I32)
#undef KILN_MINMAX
#define KILN_SAT(P, T)                                                                    \
  case Opcode::k##P##AddSatS: binop(IO::kSaddSat, T); break;                               \
  case Opcode::k##P##AddSatU: binop(IO::kUaddSat, T); break;                               \
  case Opcode::k##P##SubSatS: binop(IO::kSsubSat, T); break;                               \
  case Opcode::k##P##SubSatU: binop(IO::kUsubSat, T); break;                               \
  case Opcode::k##P##AvgrU: binop(IO::kAvgRound, T); break;
    KILN_SAT(I8x16, I8) KILN_SAT(I16x8, I16)
#undef KILN_SAT
    case Opcode::kI16x8Mul: binop(IO::kImul, I16); break;
    case Opcode::kI32x4Mul: binop(IO::kImul, I32); break;
    case Opcode::kI64x2Mul: binop(IO::kImul, I64); break;
    case Opcode::kI8x16Popcnt: unop(IO::kPopcnt, I8); break;
    case Opcode::kI16x8Q15mulrSatS: case Opcode::kI16x8RelaxedQ15mulrS: binop(IO::kSqmulRoundSat, I16); break;
    case Opcode::kI32x4DotI16x8S: {
      Value y = pop_as(I16), x = pop_as(I16);
      push_v(vconv2(IO::kSdotPairs, I32, x, y));
      break;
    }

    // ---- narrowing, widening, pairwise
    case Opcode::kI8x16NarrowI16x8S: case Opcode::kI8x16NarrowI16x8U:
    case Opcode::kI16x8NarrowI32x4S: case Opcode::kI16x8NarrowI32x4U: {
      bool to8 = op == Opcode::kI8x16NarrowI16x8S || op == Opcode::kI8x16NarrowI16x8U;
      bool sign = op == Opcode::kI8x16NarrowI16x8S || op == Opcode::kI16x8NarrowI32x4S;
      Type from = to8 ? I16 : I32;
      Value y = pop_as(from), x = pop_as(from);
      push_v(vconv2(sign ? IO::kSnarrow : IO::kUnarrow, to8 ? I8 : I16, x, y));
      break;
    }
#define KILN_EXTEND(P, FROM, T, F)                                                        \
  case Opcode::k##P##ExtendLow##FROM##S: push_v(vconv(IO::kSwidenLow, T, pop_as(F))); break;   \
  case Opcode::k##P##ExtendHigh##FROM##S: push_v(vconv(IO::kSwidenHigh, T, pop_as(F))); break; \
  case Opcode::k##P##ExtendLow##FROM##U: push_v(vconv(IO::kUwidenLow, T, pop_as(F))); break;   \
  case Opcode::k##P##ExtendHigh##FROM##U: push_v(vconv(IO::kUwidenHigh, T, pop_as(F))); break; \
  case Opcode::k##P##ExtmulLow##FROM##S: extmul(F, T, IO::kSwidenLow); break;              \
  case Opcode::k##P##ExtmulHigh##FROM##S: extmul(F, T, IO::kSwidenHigh); break;            \
  case Opcode::k##P##ExtmulLow##FROM##U: extmul(F, T, IO::kUwidenLow); break;              \
  case Opcode::k##P##ExtmulHigh##FROM##U: extmul(F, T, IO::kUwidenHigh); break;
    KILN_EXTEND(I16x8, I8x16, I16, I8) KILN_EXTEND(I32x4, I16x8, I32, I16)
    KILN_EXTEND(I64x2, I32x4, I64, I32)
#undef KILN_EXTEND
    case Opcode::kI16x8ExtaddPairwiseI8x16S: push_v(pairwise(pop(), I16, true)); break;
    case Opcode::kI16x8ExtaddPairwiseI8x16U: push_v(pairwise(pop(), I16, false)); break;
    case Opcode::kI32x4ExtaddPairwiseI16x8S: push_v(pairwise(pop_as(I16), I32, true)); break;
    case Opcode::kI32x4ExtaddPairwiseI16x8U: push_v(pairwise(pop(), I32, false)); break;
    case Opcode::kI16x8RelaxedDotI8x16I7x16S: {
      Value y = pop(), x = pop();
      push_v(dot_i8(x, y));
      break;
    }
    case Opcode::kI32x4RelaxedDotI8x16I7x16AddS: {
      Value c = pop_as(I32), y = pop(), x = pop();
      Value d = pairwise(dot_i8(x, y), I32, true);
      push_v(b_.binary(IO::kIadd, d, c));
      break;
    }

    // ---- floating point
#define KILN_FARITH(P, T)                                                                 \
  case Opcode::k##P##Add: binop(IO::kFadd, T); break;                                      \
  case Opcode::k##P##Sub: binop(IO::kFsub, T); break;                                      \
  case Opcode::k##P##Mul: binop(IO::kFmul, T); break;                                      \
  case Opcode::k##P##Div: binop(IO::kFdiv, T); break;                                      \
  case Opcode::k##P##Min: case Opcode::k##P##RelaxedMin: binop(IO::kFmin, T); break;      \
  case Opcode::k##P##Max: case Opcode::k##P##RelaxedMax: binop(IO::kFmax, T); break;      \
  case Opcode::k##P##Pmin: pminmax(T, false); break;                                       \
  case Opcode::k##P##Pmax: pminmax(T, true); break;                                        \
  case Opcode::k##P##Neg: unop(IO::kFneg, T); break;                                       \
  case Opcode::k##P##Abs: unop(IO::kFabs, T); break;                                       \
  case Opcode::k##P##Sqrt: unop(IO::kSqrt, T); break;                                      \
  case Opcode::k##P##Ceil: unop(IO::kCeil, T); break;                                      \
  case Opcode::k##P##Floor: unop(IO::kFloor, T); break;                                    \
  case Opcode::k##P##Trunc: unop(IO::kTrunc, T); break;                                    \
  case Opcode::k##P##Nearest: unop(IO::kNearest, T); break;                                \
  case Opcode::k##P##RelaxedMadd: madd(T, false); break;                                   \
  case Opcode::k##P##RelaxedNmadd: madd(T, true); break;
    KILN_FARITH(F32x4, F32) KILN_FARITH(F64x2, F64)
#undef KILN_FARITH

    // ---- conversions
    case Opcode::kF32x4ConvertI32x4S: push_v(vconv(IO::kVcvtFromSint, F32, pop_as(I32))); break;
    case Opcode::kF32x4ConvertI32x4U: push_v(vconv(IO::kVcvtFromUint, F32, pop_as(I32))); break;
    case Opcode::kF64x2ConvertLowI32x4S: push_v(vconv(IO::kVcvtFromSint, F64, pop_as(I32))); break;
    case Opcode::kF64x2ConvertLowI32x4U: push_v(vconv(IO::kVcvtFromUint, F64, pop_as(I32))); break;
    case Opcode::kI32x4TruncSatF32x4S: case Opcode::kI32x4RelaxedTruncF32x4S:
      push_v(vconv(IO::kVcvtToSintSat, I32, pop_as(F32)));
      break;
    case Opcode::kI32x4TruncSatF32x4U: case Opcode::kI32x4RelaxedTruncF32x4U:
      push_v(vconv(IO::kVcvtToUintSat, I32, pop_as(F32)));
      break;
    case Opcode::kI32x4TruncSatF64x2SZero: case Opcode::kI32x4RelaxedTruncF64x2SZero:
      push_v(vconv(IO::kVcvtToSintSat, I32, pop_as(F64)));
      break;
    case Opcode::kI32x4TruncSatF64x2UZero: case Opcode::kI32x4RelaxedTruncF64x2UZero:
      push_v(vconv(IO::kVcvtToUintSat, I32, pop_as(F64)));
      break;
    case Opcode::kF32x4DemoteF64x2Zero: push_v(vconv(IO::kVdemote, F32, pop_as(F64))); break;
    case Opcode::kF64x2PromoteLowF32x4: push_v(vconv(IO::kVpromoteLow, F64, pop_as(F32))); break;

    default:
      return Error(ErrorKind::kOther, std::string("the compiler does not support the instruction ") +
                                          wasm::name(op));
  }
  return {};
}

}  // namespace

bool is_simd_opcode(wasm::Opcode op) {
  wasm::Proposal p = wasm::info(op).proposal;
  return p == wasm::Proposal::kSimd || p == wasm::Proposal::kRelaxedSimd;
}

Expected<void> translate_simd_op(wasm::Opcode op, const wasm::Imm& imm, SimdContext& ctx) {
  SimdTranslator t(ctx);
  return t.run(op, imm);
}

}  // namespace kiln::codegen::translate
