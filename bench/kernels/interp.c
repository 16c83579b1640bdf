// bench/kernels/interp.c: a switch-dispatched stack-machine interpreter running a small
// bytecode loop (indirect branches, byte loads of opcodes and immediates, a memory stack).
#include "kernel.h"

enum {
  kOpHalt,
  kOpPush,   // imm32: push a constant
  kOpLoad,   // reg: push a register
  kOpStore,  // reg: pop into a register
  kOpInc,    // reg: register += 1
  kOpAdd,
  kOpSub,
  kOpMul,
  kOpAnd,
  kOpOr,
  kOpXor,
  kOpShl,
  kOpShr,
  kOpLtU,
  kOpEq,
  kOpDup,
  kOpDrop,
  kOpSwap,
  kOpJmp,  // addr16: jump
  kOpJz,   // addr16: pop, jump if zero
  kOpJnz,  // addr16: pop, jump if not zero
};

enum { kCodeBytes = 256, kStackSlots = 64, kRegisters = 8 };

static uint8_t code[kCodeBytes];
static uint32_t code_size;

static void emit(uint8_t byte) { code[code_size++] = byte; }
static void emit_reg(uint8_t op, uint8_t reg) {
  emit(op);
  emit(reg);
}
static void emit_push(uint32_t value) {
  emit(kOpPush);
  for (int i = 0; i < 4; ++i) emit((uint8_t)(value >> (8 * i)));
}
// Emits a jump with a placeholder target; returns where to patch it.
static uint32_t emit_jump(uint8_t op) {
  emit(op);
  uint32_t at = code_size;
  emit(0);
  emit(0);
  return at;
}
static void patch(uint32_t at, uint32_t target) {
  code[at] = (uint8_t)target;
  code[at + 1] = (uint8_t)(target >> 8);
}

// The program: r0 = iteration count (from run's argument), r1 = i, r2 = x, r3 = y.
//   while (i < r0) { x = x*31 + i; x ^= x >> 7;
//                    if ((i & 3) == 0) y += x; else y = (y ^ (x << 3)) + i;  ++i; }
//   return y ^ x;
static void assemble(void) {
  code_size = 0;
  emit_push(0);
  emit_reg(kOpStore, 1);
  emit_push(1);
  emit_reg(kOpStore, 2);
  emit_push(0);
  emit_reg(kOpStore, 3);
  uint32_t loop = code_size;
  emit_reg(kOpLoad, 1);
  emit_reg(kOpLoad, 0);
  emit(kOpLtU);
  uint32_t to_done = emit_jump(kOpJz);
  emit_reg(kOpLoad, 2);
  emit_push(31);
  emit(kOpMul);
  emit_reg(kOpLoad, 1);
  emit(kOpAdd);
  emit(kOpDup);
  emit_push(7);
  emit(kOpShr);
  emit(kOpXor);
  emit_reg(kOpStore, 2);
  emit_reg(kOpLoad, 1);
  emit_push(3);
  emit(kOpAnd);
  uint32_t to_else = emit_jump(kOpJnz);
  emit_reg(kOpLoad, 3);
  emit_reg(kOpLoad, 2);
  emit(kOpAdd);
  emit_reg(kOpStore, 3);
  uint32_t to_next = emit_jump(kOpJmp);
  patch(to_else, code_size);
  emit_reg(kOpLoad, 3);
  emit_reg(kOpLoad, 2);
  emit_push(3);
  emit(kOpShl);
  emit(kOpXor);
  emit_reg(kOpLoad, 1);
  emit(kOpAdd);
  emit_reg(kOpStore, 3);
  patch(to_next, code_size);
  emit_reg(kOpInc, 1);
  patch(emit_jump(kOpJmp), loop);
  patch(to_done, code_size);
  emit_reg(kOpLoad, 3);
  emit_reg(kOpLoad, 2);
  emit(kOpXor);
  emit(kOpHalt);
}

// Runs `code` with r0 = count; returns the top of the stack at halt. The stack pointer is
// masked on every access so the interpreter stays in bounds whatever the bytecode does.
static uint32_t interpret(uint32_t count) {
  uint32_t stack[kStackSlots];
  uint32_t regs[kRegisters] = {count};
  uint32_t sp = 0;  // number of live slots
  uint32_t pc = 0;
#define KERNEL_TOP stack[(sp - 1) & (kStackSlots - 1)]
#define KERNEL_SECOND stack[(sp - 2) & (kStackSlots - 1)]
#define KERNEL_BINARY(expr)        \
  {                                \
    uint32_t b = KERNEL_TOP;       \
    --sp;                          \
    uint32_t a = KERNEL_TOP;       \
    KERNEL_TOP = (expr);           \
    break;                         \
  }
  for (;;) {
    uint8_t op = code[pc++ & (kCodeBytes - 1)];
    switch (op) {
      case kOpHalt:
        return KERNEL_TOP;
      case kOpPush: {
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v |= (uint32_t)code[(pc + i) & (kCodeBytes - 1)] << (8 * i);
        pc += 4;
        ++sp;
        KERNEL_TOP = v;
        break;
      }
      case kOpLoad:
        ++sp;
        KERNEL_TOP = regs[code[pc++ & (kCodeBytes - 1)] & (kRegisters - 1)];
        break;
      case kOpStore:
        regs[code[pc++ & (kCodeBytes - 1)] & (kRegisters - 1)] = KERNEL_TOP;
        --sp;
        break;
      case kOpInc:
        regs[code[pc++ & (kCodeBytes - 1)] & (kRegisters - 1)] += 1;
        break;
      case kOpAdd: KERNEL_BINARY(a + b)
      case kOpSub: KERNEL_BINARY(a - b)
      case kOpMul: KERNEL_BINARY(a * b)
      case kOpAnd: KERNEL_BINARY(a & b)
      case kOpOr: KERNEL_BINARY(a | b)
      case kOpXor: KERNEL_BINARY(a ^ b)
      case kOpShl: KERNEL_BINARY(a << (b & 31))
      case kOpShr: KERNEL_BINARY(a >> (b & 31))
      case kOpLtU: KERNEL_BINARY(a < b)
      case kOpEq: KERNEL_BINARY(a == b)
      case kOpDup: {
        uint32_t v = KERNEL_TOP;
        ++sp;
        KERNEL_TOP = v;
        break;
      }
      case kOpDrop:
        --sp;
        break;
      case kOpSwap: {
        uint32_t t = KERNEL_TOP;
        KERNEL_TOP = KERNEL_SECOND;
        KERNEL_SECOND = t;
        break;
      }
      case kOpJmp:
        pc = code[pc & (kCodeBytes - 1)] | (uint32_t)code[(pc + 1) & (kCodeBytes - 1)] << 8;
        break;
      case kOpJz:
      case kOpJnz: {
        uint32_t target =
            code[pc & (kCodeBytes - 1)] | (uint32_t)code[(pc + 1) & (kCodeBytes - 1)] << 8;
        uint32_t v = KERNEL_TOP;
        --sp;
        pc = ((v == 0) == (op == kOpJz)) ? target : pc + 2;
        break;
      }
      default:
        return 0xDEADu;  // an unknown opcode ends the program
    }
  }
#undef KERNEL_TOP
#undef KERNEL_SECOND
#undef KERNEL_BINARY
}

// run(n): interprets the loop for n iterations (about 30 dispatches each).
int32_t run(int32_t n) {
  assemble();
  return (int32_t)interpret(n < 0 ? 0u : (uint32_t)n);
}
