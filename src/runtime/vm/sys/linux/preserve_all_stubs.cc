// runtime/vm/sys/linux/preserve_all_stubs.cc: the preserve-all entries of builtins.def
// (kiln_builtin_out_of_gas_preserve_all, kiln_builtin_new_epoch_preserve_all,
// kiln_builtin_table_get_lazy_init).
//
// Compiled code calls these from the slow paths of its fuel and epoch checks with the
// ir::CallConv::kPreserveAll convention: the register allocator assumes that every register
// except the result survives the call, so values stay in caller-saved registers across loop
// headers. Each stub therefore:
// - sets up a standard rbp frame (push rbp; mov rbp, rsp), so frame-pointer walks stay intact
//   and [rbp] is the wasm caller's fp and [rbp + 8] the return address into it;
// - saves the System V caller-saved GPRs (rax, rcx, rdx, rsi, rdi, r8-r11; not rax when it
//   holds the result) and xmm0-15 in full (128 bits; compiled code uses no ymm/zmm state);
// - keeps rsp 16-byte aligned at the inner call, as the ABI requires;
// - calls the C++ function kiln_preserve_all_<name>(vmctx, caller_pc, caller_fp) (libcalls.cc)
//   with the wasm caller's pc and fp read from its frame: the C++ function cannot use its own
//   return address and caller fp (those are the stub's), and a trap it raises must point at
//   the wasm instruction and start the backtrace at the wasm frame;
// - restores and returns. A trap longjmps out of the C++ function and abandons the stub's frame,
//   which owns nothing.
// The arithmetic flags are not preserved: compiled code never keeps flags live across a call.
#if !defined(__x86_64__)
#error "kiln runtime: the preserve-all builtin stubs exist for x86-64 only (the code generator's target)"
#endif

// Saved-area layout below the pushed GPRs: xmm0-15 at rsp + 16 * k.
// out_of_gas: rbp, then 9 GPRs (72 bytes) + 264 bytes = 336 = 21 * 16 below rbp (rbp is 16-byte
// aligned: the call left rsp at 8 mod 16 and push rbp made it 0).
// new_epoch: rbp, then 8 GPRs (64 bytes) + 256 bytes = 320 = 20 * 16 below rbp.
#define KILN_SAVE_XMM                 \
  "  movaps %xmm0, 0(%rsp)\n"         \
  "  movaps %xmm1, 16(%rsp)\n"        \
  "  movaps %xmm2, 32(%rsp)\n"        \
  "  movaps %xmm3, 48(%rsp)\n"        \
  "  movaps %xmm4, 64(%rsp)\n"        \
  "  movaps %xmm5, 80(%rsp)\n"        \
  "  movaps %xmm6, 96(%rsp)\n"        \
  "  movaps %xmm7, 112(%rsp)\n"       \
  "  movaps %xmm8, 128(%rsp)\n"       \
  "  movaps %xmm9, 144(%rsp)\n"       \
  "  movaps %xmm10, 160(%rsp)\n"      \
  "  movaps %xmm11, 176(%rsp)\n"      \
  "  movaps %xmm12, 192(%rsp)\n"      \
  "  movaps %xmm13, 208(%rsp)\n"      \
  "  movaps %xmm14, 224(%rsp)\n"      \
  "  movaps %xmm15, 240(%rsp)\n"

#define KILN_RESTORE_XMM              \
  "  movaps 0(%rsp), %xmm0\n"         \
  "  movaps 16(%rsp), %xmm1\n"        \
  "  movaps 32(%rsp), %xmm2\n"        \
  "  movaps 48(%rsp), %xmm3\n"        \
  "  movaps 64(%rsp), %xmm4\n"        \
  "  movaps 80(%rsp), %xmm5\n"        \
  "  movaps 96(%rsp), %xmm6\n"        \
  "  movaps 112(%rsp), %xmm7\n"       \
  "  movaps 128(%rsp), %xmm8\n"       \
  "  movaps 144(%rsp), %xmm9\n"       \
  "  movaps 160(%rsp), %xmm10\n"      \
  "  movaps 176(%rsp), %xmm11\n"      \
  "  movaps 192(%rsp), %xmm12\n"      \
  "  movaps 208(%rsp), %xmm13\n"      \
  "  movaps 224(%rsp), %xmm14\n"      \
  "  movaps 240(%rsp), %xmm15\n"

#define KILN_PROLOGUE(name)                      \
  "  .text\n"                                    \
  "  .globl " name "\n"                          \
  "  .hidden " name "\n"                         \
  "  .type " name ", @function\n"                \
  "  .p2align 4\n" name ":\n"                    \
  "  .cfi_startproc\n"                           \
  "  push %rbp\n"                                \
  "  .cfi_def_cfa_offset 16\n"                   \
  "  .cfi_offset %rbp, -16\n"                    \
  "  mov %rsp, %rbp\n"                           \
  "  .cfi_def_cfa_register %rbp\n"

#define KILN_EPILOGUE(name)                      \
  "  pop %rbp\n"                                 \
  "  .cfi_def_cfa %rsp, 8\n"                     \
  "  ret\n"                                      \
  "  .cfi_endproc\n"                             \
  "  .size " name ", . - " name "\n"

// Saves / restores every caller-saved register but rax: rcx, rdx, rsi, rdi, r8-r11 (64 bytes),
// then `area` bytes holding xmm0-15 (256, or 264 when rax was pushed first, to keep the
// 16-byte alignment).
#define KILN_SAVE_ALL_BUT_RAX(area)              \
  "  push %rcx\n"                                \
  "  push %rdx\n"                                \
  "  push %rsi\n"                                \
  "  push %rdi\n"                                \
  "  push %r8\n"                                 \
  "  push %r9\n"                                 \
  "  push %r10\n"                                \
  "  push %r11\n"                                \
  "  sub $" #area ", %rsp\n"                     \
  KILN_SAVE_XMM

#define KILN_RESTORE_ALL_BUT_RAX(area)           \
  KILN_RESTORE_XMM                              \
  "  add $" #area ", %rsp\n"                     \
  "  pop %r11\n"                                 \
  "  pop %r10\n"                                 \
  "  pop %r9\n"                                  \
  "  pop %r8\n"                                  \
  "  pop %rdi\n"                                 \
  "  pop %rsi\n"                                 \
  "  pop %rdx\n"                                 \
  "  pop %rcx\n"

// The inner call: vmctx is still in rdi; the wasm caller's pc and fp from the stub's frame.
#define KILN_CALL_TARGET(target)                 \
  "  mov 8(%rbp), %rsi\n"                        \
  "  mov 0(%rbp), %rdx\n"                        \
  "  call " target "@PLT\n"

__asm__(
    KILN_PROLOGUE("kiln_builtin_out_of_gas_preserve_all")
    "  push %rax\n"
    KILN_SAVE_ALL_BUT_RAX(264)
    KILN_CALL_TARGET("kiln_preserve_all_out_of_gas")
    KILN_RESTORE_ALL_BUT_RAX(264)
    "  pop %rax\n"
    KILN_EPILOGUE("kiln_builtin_out_of_gas_preserve_all"));

// rax carries the result (the new deadline) and is not saved.
__asm__(
    KILN_PROLOGUE("kiln_builtin_new_epoch_preserve_all")
    KILN_SAVE_ALL_BUT_RAX(256)
    KILN_CALL_TARGET("kiln_preserve_all_new_epoch")
    KILN_RESTORE_ALL_BUT_RAX(256)
    KILN_EPILOGUE("kiln_builtin_new_epoch_preserve_all"));

// table_get_lazy_init (call_indirect's and table.get's cold path): the builtin's own arguments
// (vmctx, table, index in rdi, esi, rdx) go through unchanged; it never traps, so no caller pc
// or fp. rax carries the result and is not saved; the layout is new_epoch's.
__asm__(
    KILN_PROLOGUE("kiln_builtin_table_get_lazy_init")
    KILN_SAVE_ALL_BUT_RAX(256)
    "  call kiln_preserve_all_table_get_lazy_init@PLT\n"
    KILN_RESTORE_ALL_BUT_RAX(256)
    KILN_EPILOGUE("kiln_builtin_table_get_lazy_init"));
