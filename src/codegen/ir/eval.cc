// codegen/ir/eval.cc: executable semantics of the pure IR instructions (see opcodes.def).
//
// All integer work is done on unsigned 128-bit values masked to the lane width, so no
// operation has undefined behaviour in C++ (no signed overflow, no oversized shifts).
#include "codegen/ir/eval.h"

#include <bit>
#include <cmath>
#include <cstring>

#include "codegen/ir/printer.h"

namespace kiln::codegen::ir {
namespace {

using I128 = __int128;

U128 mask(uint32_t bits) { return bits >= 128 ? ~U128{0} : (U128{1} << bits) - 1; }

I128 sext(U128 v, uint32_t bits) {
  if (bits >= 128) return static_cast<I128>(v);
  U128 sign = U128{1} << (bits - 1);
  return static_cast<I128>(((v & mask(bits)) ^ sign) - sign);
}

U128 get_lane(U128 v, uint32_t lane_bits, uint32_t i) {
  return (v >> (lane_bits * i)) & mask(lane_bits);
}

U128 set_lane(U128 v, uint32_t lane_bits, uint32_t i, U128 x) {
  U128 m = mask(lane_bits) << (lane_bits * i);
  return (v & ~m) | ((x & mask(lane_bits)) << (lane_bits * i));
}

float f32_of(U128 b) { return std::bit_cast<float>(static_cast<uint32_t>(b)); }
double f64_of(U128 b) { return std::bit_cast<double>(static_cast<uint64_t>(b)); }
U128 bits_of(float f) { return std::bit_cast<uint32_t>(f); }
U128 bits_of(double d) { return std::bit_cast<uint64_t>(d); }

uint32_t count_leading_zeros(U128 v, uint32_t bits) {
  uint32_t n = 0;
  for (int i = static_cast<int>(bits) - 1; i >= 0 && !((v >> i) & 1); --i) ++n;
  return n;
}
uint32_t count_trailing_zeros(U128 v, uint32_t bits) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < bits && !((v >> i) & 1); ++i) ++n;
  return n;
}
uint32_t count_ones(U128 v) {
  return std::popcount(static_cast<uint64_t>(v)) + std::popcount(static_cast<uint64_t>(v >> 64));
}

bool int_compare(IntCC cc, U128 a, U128 b, uint32_t bits) {
  I128 sa = sext(a, bits), sb = sext(b, bits);
  switch (cc) {
    case IntCC::kEq: return a == b;
    case IntCC::kNe: return a != b;
    case IntCC::kSlt: return sa < sb;
    case IntCC::kSge: return sa >= sb;
    case IntCC::kSgt: return sa > sb;
    case IntCC::kSle: return sa <= sb;
    case IntCC::kUlt: return a < b;
    case IntCC::kUge: return a >= b;
    case IntCC::kUgt: return a > b;
    case IntCC::kUle: return a <= b;
  }
  return false;
}

bool float_compare(FloatCC cc, double a, double b) {
  bool uno = std::isnan(a) || std::isnan(b);
  switch (cc) {
    case FloatCC::kEq: return !uno && a == b;
    case FloatCC::kNe: return uno || a != b;
    case FloatCC::kLt: return !uno && a < b;
    case FloatCC::kLe: return !uno && a <= b;
    case FloatCC::kGt: return !uno && a > b;
    case FloatCC::kGe: return !uno && a >= b;
    case FloatCC::kOrd: return !uno;
    case FloatCC::kUno: return uno;
    case FloatCC::kUeq: return uno || a == b;
    case FloatCC::kOne: return !uno && a != b;
    case FloatCC::kUlt: return uno || a < b;
    case FloatCC::kUle: return uno || a <= b;
    case FloatCC::kUgt: return uno || a > b;
    case FloatCC::kUge: return uno || a >= b;
  }
  return false;
}

// One lane of a float operation, computed in the lane's own precision.
template <typename F>
U128 float_lane(Opcode op, U128 abits, U128 bbits) {
  F a = std::bit_cast<F>(static_cast<std::conditional_t<sizeof(F) == 4, uint32_t, uint64_t>>(abits));
  F b = std::bit_cast<F>(static_cast<std::conditional_t<sizeof(F) == 4, uint32_t, uint64_t>>(bbits));
  constexpr uint32_t kBits = sizeof(F) * 8;
  U128 sign = U128{1} << (kBits - 1);
  F r = 0;
  switch (op) {
    case Opcode::kFadd: r = a + b; break;
    case Opcode::kFsub: r = a - b; break;
    case Opcode::kFmul: r = a * b; break;
    case Opcode::kFdiv: r = a / b; break;
    case Opcode::kFmin:
    case Opcode::kFmax: {
      if (std::isnan(a) || std::isnan(b)) {
        r = a + b;  // a quiet NaN
      } else if (a == b) {
        // Equal values differ at most in the sign of zero: min prefers -0, max +0.
        bool pick_a = (op == Opcode::kFmin) == std::signbit(a);
        r = pick_a ? a : b;
      } else {
        r = (op == Opcode::kFmin) == (a < b) ? a : b;
      }
      break;
    }
    case Opcode::kFcopysign: return (abits & ~sign) | (bbits & sign);
    case Opcode::kFneg: return abits ^ sign;
    case Opcode::kFabs: return abits & ~sign;
    case Opcode::kSqrt: r = std::sqrt(a); break;
    case Opcode::kCeil: r = std::ceil(a); break;
    case Opcode::kFloor: r = std::floor(a); break;
    case Opcode::kTrunc: r = std::trunc(a); break;
    case Opcode::kNearest: r = std::nearbyint(a); break;
    default: break;
  }
  return std::bit_cast<std::conditional_t<sizeof(F) == 4, uint32_t, uint64_t>>(r);
}

double lane_as_double(U128 bits, uint32_t lane_bits) {
  return lane_bits == 32 ? static_cast<double>(f32_of(bits)) : f64_of(bits);
}

// Float to integer conversion. Returns false with the trap code on NaN or overflow, unless
// saturating.
bool float_to_int(double x, bool is_signed, uint32_t bits, bool saturate, U128& out,
                  TrapCode& trap) {
  if (std::isnan(x)) {
    if (saturate) {
      out = 0;
      return true;
    }
    trap = TrapCode::kBadConversionToInteger;
    return false;
  }
  double t = std::trunc(x);
  double lo = is_signed ? -std::ldexp(1.0, static_cast<int>(bits) - 1) : 0.0;
  double hi = std::ldexp(1.0, static_cast<int>(is_signed ? bits - 1 : bits));  // exclusive
  if (t < lo || t >= hi) {
    if (!saturate) {
      trap = TrapCode::kIntegerOverflow;
      return false;
    }
    I128 v = t < lo ? (is_signed ? -(I128{1} << (bits - 1)) : 0)
                    : (I128{1} << (is_signed ? bits - 1 : bits)) - 1;
    out = static_cast<U128>(v) & mask(bits);
    return true;
  }
  I128 v = is_signed ? static_cast<I128>(static_cast<int64_t>(t))
                     : static_cast<I128>(static_cast<uint64_t>(t));
  out = static_cast<U128>(v) & mask(bits);
  return true;
}

}  // namespace

DataValue DataValue::make(Type t, U128 bits) { return {t, bits & mask(t.bits())}; }
DataValue DataValue::from_f32(float f) { return {kF32, bits_of(f)}; }
DataValue DataValue::from_f64(double d) { return {kF64, bits_of(d)}; }
int64_t DataValue::as_i64() const { return static_cast<int64_t>(sext(bits, type.bits())); }
float DataValue::as_f32() const { return f32_of(bits); }
double DataValue::as_f64() const { return f64_of(bits); }

bool DataValue::same_as(const DataValue& o) const {
  if (type != o.type) return false;
  if (type == kF32 && std::isnan(as_f32()) && std::isnan(o.as_f32())) return true;
  if (type == kF64 && std::isnan(as_f64()) && std::isnan(o.as_f64())) return true;
  return bits == o.bits;
}

std::string DataValue::to_string() const {
  if (type == kF32) return format_f32(static_cast<uint32_t>(bits));
  if (type == kF64) return format_f64(static_cast<uint64_t>(bits));
  if (type.is_int() && type.bits() <= 64) return std::to_string(as_i64());
  V128Bytes bytes{};
  for (int i = 0; i < 16; ++i) bytes[i] = static_cast<uint8_t>(bits >> (8 * i));
  return format_v128(bytes);
}

EvalStatus eval_pure(const InstData& d, std::span<const Type> result_types,
                     std::span<const DataValue> args, std::span<DataValue> results,
                     TrapCode& trap) {
  Opcode op = d.opcode;
  Type rt = result_types.empty() ? Type() : result_types[0];
  auto set = [&](U128 v) {
    results[0] = DataValue::make(rt, v);
    return EvalStatus::kOk;
  };
  Type t0 = args.empty() ? Type() : args[0].type;
  U128 a = args.size() > 0 ? args[0].bits : 0;
  U128 b = args.size() > 1 ? args[1].bits : 0;
  uint32_t lb = t0.lane_bits(), lanes = t0.lane_count();

  switch (op) {
    case Opcode::kIconst: return set(static_cast<uint64_t>(d.imm));
    case Opcode::kF32const: return set(static_cast<uint32_t>(d.imm));
    case Opcode::kF64const: return set(static_cast<uint64_t>(d.imm));

    case Opcode::kIadd: case Opcode::kIsub: case Opcode::kImul:
    case Opcode::kBand: case Opcode::kBor: case Opcode::kBxor: {
      U128 r = 0;
      for (uint32_t i = 0; i < lanes; ++i) {
        U128 x = get_lane(a, lb, i), y = get_lane(b, lb, i), z = 0;
        switch (op) {
          case Opcode::kIadd: z = x + y; break;
          case Opcode::kIsub: z = x - y; break;
          case Opcode::kImul: z = x * y; break;
          case Opcode::kBand: z = x & y; break;
          case Opcode::kBor: z = x | y; break;
          default: z = x ^ y; break;
        }
        r = set_lane(r, lb, i, z);
      }
      return set(r);
    }
    case Opcode::kIneg: case Opcode::kBnot: case Opcode::kClz: case Opcode::kCtz:
    case Opcode::kPopcnt: {
      U128 r = 0;
      for (uint32_t i = 0; i < lanes; ++i) {
        U128 x = get_lane(a, lb, i), z = 0;
        switch (op) {
          case Opcode::kIneg: z = U128{0} - x; break;
          case Opcode::kBnot: z = ~x; break;
          case Opcode::kClz: z = count_leading_zeros(x, lb); break;
          case Opcode::kCtz: z = count_trailing_zeros(x, lb); break;
          default: z = count_ones(x); break;
        }
        r = set_lane(r, lb, i, z);
      }
      return set(r);
    }
    case Opcode::kSdiv: case Opcode::kUdiv: case Opcode::kSrem: case Opcode::kUrem: {
      uint32_t bits = t0.bits();
      if (bits > 64) return EvalStatus::kNotPure;  // the verifier rejects i128 division
      if (b == 0) {
        trap = TrapCode::kIntegerDivisionByZero;
        return EvalStatus::kTrap;
      }
      I128 sa = sext(a, bits), sb = sext(b, bits);
      bool min_by_neg1 = sb == -1 && sa == -(I128{1} << (bits - 1));
      switch (op) {
        case Opcode::kSdiv:
          if (min_by_neg1) {
            trap = TrapCode::kIntegerOverflow;
            return EvalStatus::kTrap;
          }
          return set(static_cast<U128>(sa / sb));
        case Opcode::kSrem: return set(min_by_neg1 ? 0 : static_cast<U128>(sa % sb));
        case Opcode::kUdiv: return set(a / b);
        default: return set(a % b);
      }
    }
    case Opcode::kUaddOverflowTrap: {
      U128 s = a + b;
      if (s > mask(t0.bits())) {
        trap = d.trap_code();
        return EvalStatus::kTrap;
      }
      return set(s);
    }
    case Opcode::kIshl: case Opcode::kUshr: case Opcode::kSshr: case Opcode::kRotl:
    case Opcode::kRotr: {
      uint32_t amt = static_cast<uint32_t>(b % lb);
      U128 r = 0;
      for (uint32_t i = 0; i < lanes; ++i) {
        U128 x = get_lane(a, lb, i), z = 0;
        switch (op) {
          case Opcode::kIshl: z = x << amt; break;
          case Opcode::kUshr: z = x >> amt; break;
          case Opcode::kSshr: z = static_cast<U128>(sext(x, lb) >> amt); break;
          case Opcode::kRotl: z = amt == 0 ? x : (x << amt) | (x >> (lb - amt)); break;
          default: z = amt == 0 ? x : (x >> amt) | (x << (lb - amt)); break;
        }
        r = set_lane(r, lb, i, z);
      }
      return set(r);
    }
    case Opcode::kIcmp: {
      if (!t0.is_vector()) return set(int_compare(d.intcc(), a, b, lb) ? 1 : 0);
      U128 r = 0;
      for (uint32_t i = 0; i < lanes; ++i) {
        bool c = int_compare(d.intcc(), get_lane(a, lb, i), get_lane(b, lb, i), lb);
        r = set_lane(r, lb, i, c ? mask(lb) : 0);
      }
      return set(r);
    }
    case Opcode::kFcmp: {
      U128 r = 0;
      for (uint32_t i = 0; i < lanes; ++i) {
        bool c = float_compare(d.floatcc(), lane_as_double(get_lane(a, lb, i), lb),
                               lane_as_double(get_lane(b, lb, i), lb));
        if (!t0.is_vector()) return set(c ? 1 : 0);
        r = set_lane(r, lb, i, c ? mask(lb) : 0);
      }
      return set(r);
    }
    case Opcode::kFadd: case Opcode::kFsub: case Opcode::kFmul: case Opcode::kFdiv:
    case Opcode::kFmin: case Opcode::kFmax: case Opcode::kFcopysign: case Opcode::kFneg:
    case Opcode::kFabs: case Opcode::kSqrt: case Opcode::kCeil: case Opcode::kFloor:
    case Opcode::kTrunc: case Opcode::kNearest: {
      U128 r = 0;
      for (uint32_t i = 0; i < lanes; ++i) {
        U128 x = get_lane(a, lb, i), y = get_lane(b, lb, i);
        U128 z = lb == 32 ? float_lane<float>(op, x, y) : float_lane<double>(op, x, y);
        r = set_lane(r, lb, i, z);
      }
      return set(r);
    }
    case Opcode::kUextend: case Opcode::kIreduce: return set(a);
    case Opcode::kSextend: return set(static_cast<U128>(sext(a, t0.bits())));
    case Opcode::kFpromote: return set(bits_of(static_cast<double>(f32_of(a))));
    case Opcode::kFdemote: return set(bits_of(static_cast<float>(f64_of(a))));
    case Opcode::kFcvtToSint: case Opcode::kFcvtToUint: case Opcode::kFcvtToSintSat:
    case Opcode::kFcvtToUintSat: {
      bool is_signed = op == Opcode::kFcvtToSint || op == Opcode::kFcvtToSintSat;
      bool sat = op == Opcode::kFcvtToSintSat || op == Opcode::kFcvtToUintSat;
      U128 out = 0;
      if (!float_to_int(lane_as_double(a, t0.bits()), is_signed, rt.bits(), sat, out, trap)) {
        return EvalStatus::kTrap;
      }
      return set(out);
    }
    case Opcode::kFcvtFromSint: case Opcode::kFcvtFromUint: {
      bool is_signed = op == Opcode::kFcvtFromSint;
      int64_t s = static_cast<int64_t>(sext(a, t0.bits()));
      uint64_t u = static_cast<uint64_t>(a);
      if (rt == kF32) return set(bits_of(is_signed ? static_cast<float>(s) : static_cast<float>(u)));
      return set(bits_of(is_signed ? static_cast<double>(s) : static_cast<double>(u)));
    }
    case Opcode::kBitcast: return set(a);
    case Opcode::kIconcat: return set(a | (b << 64));
    case Opcode::kIsplit:
      results[0] = DataValue::make(kI64, a);
      results[1] = DataValue::make(kI64, a >> 64);
      return EvalStatus::kOk;
    case Opcode::kSelect: return set(a != 0 ? b : args[2].bits);
    case Opcode::kSplat: {
      uint32_t rlb = rt.lane_bits();
      U128 r = 0;
      for (uint32_t i = 0; i < rt.lane_count(); ++i) r = set_lane(r, rlb, i, a);
      return set(r);
    }
    case Opcode::kExtractLane: return set(get_lane(a, lb, static_cast<uint32_t>(d.imm)));
    case Opcode::kInsertLane: return set(set_lane(a, lb, static_cast<uint32_t>(d.imm), b));
    case Opcode::kSmin: case Opcode::kSmax: case Opcode::kUmin: case Opcode::kUmax:
    case Opcode::kAvgRound: case Opcode::kSaddSat: case Opcode::kUaddSat: case Opcode::kSsubSat:
    case Opcode::kUsubSat: case Opcode::kSqmulRoundSat: {
      I128 smin = -(I128{1} << (lb - 1)), smax = (I128{1} << (lb - 1)) - 1;
      auto sclamp = [&](I128 v) { return static_cast<U128>(v < smin ? smin : v > smax ? smax : v); };
      U128 r = 0;
      for (uint32_t i = 0; i < lanes; ++i) {
        U128 x = get_lane(a, lb, i), y = get_lane(b, lb, i), z = 0;
        I128 sx = sext(x, lb), sy = sext(y, lb);
        switch (op) {
          case Opcode::kSmin: z = sx < sy ? x : y; break;
          case Opcode::kSmax: z = sx > sy ? x : y; break;
          case Opcode::kUmin: z = x < y ? x : y; break;
          case Opcode::kUmax: z = x > y ? x : y; break;
          case Opcode::kAvgRound: z = (x + y + 1) >> 1; break;
          case Opcode::kSaddSat: z = sclamp(sx + sy); break;
          case Opcode::kSsubSat: z = sclamp(sx - sy); break;
          case Opcode::kUaddSat: z = x + y > mask(lb) ? mask(lb) : x + y; break;
          case Opcode::kUsubSat: z = x < y ? 0 : x - y; break;
          default: z = sclamp((sx * sy + (I128{1} << (lb - 2))) >> (lb - 1)); break;
        }
        r = set_lane(r, lb, i, z);
      }
      return set(r);
    }
    case Opcode::kSwizzle: {
      U128 r = 0;
      for (uint32_t i = 0; i < lanes; ++i) {
        U128 k = get_lane(b, lb, i);
        r = set_lane(r, lb, i, k < lanes ? get_lane(a, lb, static_cast<uint32_t>(k)) : 0);
      }
      return set(r);
    }
    case Opcode::kIabs: {
      U128 r = 0;
      for (uint32_t i = 0; i < lanes; ++i) {
        U128 x = get_lane(a, lb, i);
        r = set_lane(r, lb, i, sext(x, lb) < 0 ? U128{0} - x : x);
      }
      return set(r);
    }
    case Opcode::kBitselect: return set((a & b) | (~a & args[2].bits));
    case Opcode::kVanyTrue: return set(a != 0 ? 1 : 0);
    case Opcode::kVallTrue: {
      for (uint32_t i = 0; i < lanes; ++i) {
        if (get_lane(a, lb, i) == 0) return set(0);
      }
      return set(1);
    }
    case Opcode::kVhighBits: {
      U128 r = 0;
      for (uint32_t i = 0; i < lanes; ++i) r |= ((get_lane(a, lb, i) >> (lb - 1)) & 1) << i;
      return set(r);
    }
    case Opcode::kSnarrow: case Opcode::kUnarrow: {
      uint32_t rlb = rt.lane_bits();
      I128 lo = op == Opcode::kSnarrow ? -(I128{1} << (rlb - 1)) : 0;
      I128 hi = op == Opcode::kSnarrow ? (I128{1} << (rlb - 1)) - 1 : (I128{1} << rlb) - 1;
      U128 r = 0;
      for (uint32_t i = 0; i < 2 * lanes; ++i) {
        I128 v = sext(get_lane(i < lanes ? a : b, lb, i % lanes), lb);
        r = set_lane(r, rlb, i, static_cast<U128>(v < lo ? lo : v > hi ? hi : v));
      }
      return set(r);
    }
    case Opcode::kSwidenLow: case Opcode::kSwidenHigh: case Opcode::kUwidenLow:
    case Opcode::kUwidenHigh: {
      bool high = op == Opcode::kSwidenHigh || op == Opcode::kUwidenHigh;
      bool sign = op == Opcode::kSwidenLow || op == Opcode::kSwidenHigh;
      uint32_t rlb = rt.lane_bits(), n = rt.lane_count();
      U128 r = 0;
      for (uint32_t i = 0; i < n; ++i) {
        U128 x = get_lane(a, lb, i + (high ? n : 0));
        r = set_lane(r, rlb, i, sign ? static_cast<U128>(sext(x, lb)) : x);
      }
      return set(r);
    }
    case Opcode::kSdotPairs: {
      U128 r = 0;
      for (uint32_t i = 0; i < 4; ++i) {
        I128 s = sext(get_lane(a, 16, 2 * i), 16) * sext(get_lane(b, 16, 2 * i), 16) +
                 sext(get_lane(a, 16, 2 * i + 1), 16) * sext(get_lane(b, 16, 2 * i + 1), 16);
        r = set_lane(r, 32, i, static_cast<U128>(s));
      }
      return set(r);
    }
    case Opcode::kVcvtFromSint: case Opcode::kVcvtFromUint: {
      bool sign = op == Opcode::kVcvtFromSint;
      uint32_t rlb = rt.lane_bits();
      U128 r = 0;
      for (uint32_t i = 0; i < rt.lane_count(); ++i) {
        U128 x = get_lane(a, 32, i);
        int64_t v = sign ? static_cast<int64_t>(sext(x, 32)) : static_cast<int64_t>(x);
        r = set_lane(r, rlb, i, rlb == 32 ? bits_of(static_cast<float>(v)) : bits_of(static_cast<double>(v)));
      }
      return set(r);
    }
    case Opcode::kVcvtToSintSat: case Opcode::kVcvtToUintSat: {
      bool sign = op == Opcode::kVcvtToSintSat;
      U128 r = 0;
      for (uint32_t i = 0; i < lanes; ++i) {
        U128 out = 0;
        TrapCode unused{};
        float_to_int(lane_as_double(get_lane(a, lb, i), lb), sign, 32, true, out, unused);
        r = set_lane(r, 32, i, out);
      }
      return set(r);
    }
    case Opcode::kVpromoteLow: {
      U128 r = 0;
      for (uint32_t i = 0; i < 2; ++i) {
        r = set_lane(r, 64, i, bits_of(static_cast<double>(f32_of(get_lane(a, 32, i)))));
      }
      return set(r);
    }
    case Opcode::kVdemote: {
      U128 r = 0;
      for (uint32_t i = 0; i < 2; ++i) {
        r = set_lane(r, 32, i, bits_of(static_cast<float>(f64_of(get_lane(a, 64, i)))));
      }
      return set(r);
    }
    default:
      return EvalStatus::kNotPure;
  }
}

}  // namespace kiln::codegen::ir
