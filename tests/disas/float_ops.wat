;; f32/f64 arithmetic in xmm registers: add/mul/div/sqrt, abs/neg as bit masks from the
;; constant pool, min/max with the Wasm NaN and -0 rules, conversions and comparisons.
(module
  (func $fma_like (export "fma_like") (param f64 f64 f64) (result f64)
    local.get 0 local.get 1 f64.mul local.get 2 f64.add)
  (func $f32_ops (export "f32_ops") (param f32 f32) (result f32)
    local.get 0 f32.abs local.get 1 f32.neg f32.div f32.sqrt)
  (func $fmin (export "fmin") (param f64 f64) (result f64)
    local.get 0 local.get 1 f64.min)
  (func $conv (export "conv") (param i32) (result f64)
    local.get 0 f64.convert_i32_u)
  (func $trunc (export "trunc") (param f32) (result i32)
    local.get 0 i32.trunc_f32_s)
  (func $flt (export "flt") (param f64 f64) (result i32)
    local.get 0 local.get 1 f64.lt)
  (func $floor (export "floor") (param f64) (result f64)
    local.get 0 f64.floor))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $fma_like
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x1a
;;   10: mulsd xmm0, xmm1
;;   14: addsd xmm0, xmm2
;;   18: pop rbp
;;   19: ret
;;   1a: ud2
;;   trap 0x1a: StackOverflow
;; -O2 function 1 $f32_ops
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x28
;;   10: andps xmm0, xmmword ptr [rip + 0x19]
;;   17: xorps xmm1, xmmword ptr [rip + 0x22]
;;   1e: divss xmm0, xmm1
;;   22: sqrtss xmm0, xmm0
;;   26: pop rbp
;;   27: ret
;;   28: ud2
;;   2a: int3
;;   2b: int3
;;   2c: int3
;;   2d: int3
;;   2e: int3
;;   2f: int3
;;   30: .byte 0xff
;;   31: .byte 0xff
;;   32: .byte 0xff
;;   33: jg 0x34
;;   35: .byte 0xff
;;   36: .byte 0xff
;;   37: jg 0x38
;;   39: .byte 0xff
;;   3a: .byte 0xff
;;   3b: jg 0x3c
;;   3d: .byte 0xff
;;   3e: .byte 0xff
;;   3f: jg 0x41
;;   41: add byte ptr [rax], al
;;   43: add byte ptr [rax], 0
;;   46: add byte ptr [rax - 0x80000000], al
;;   4c: add byte ptr [rax], al
;;   4e: .byte 0x00
;;   4f: .byte 0x80
;;   trap 0x28: StackOverflow
;; -O2 function 2 $fmin
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x29
;;   10: ucomisd xmm0, xmm1
;;   14: jne 0x23
;;   16: jp 0x1d
;;   18: orps xmm0, xmm1
;;   1b: jmp 0x27
;;   1d: addsd xmm0, xmm1
;;   21: jmp 0x27
;;   23: minsd xmm0, xmm1
;;   27: pop rbp
;;   28: ret
;;   29: ud2
;;   trap 0x29: StackOverflow
;; -O2 function 3 $conv
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x3c
;;   10: mov eax, edx
;;   12: xorps xmm0, xmm0
;;   15: test rax, rax
;;   18: js 0x21
;;   1a: cvtsi2sd xmm0, rax
;;   1f: jmp 0x3a
;;   21: mov r11, rax
;;   24: shr r11, 1
;;   27: mov rcx, rax
;;   2a: and rcx, 1
;;   2e: or r11, rcx
;;   31: cvtsi2sd xmm0, r11
;;   36: addsd xmm0, xmm0
;;   3a: pop rbp
;;   3b: ret
;;   3c: ud2
;;   trap 0x3c: StackOverflow
;; -O2 function 4 $trunc
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x33
;;   10: cvttss2si eax, xmm0
;;   14: cmp eax, 1
;;   17: jno 0x31
;;   19: ucomiss xmm0, xmm0
;;   1c: jp 0x37
;;   1e: ucomiss xmm0, dword ptr [rip + 0x1b]
;;   25: jb 0x35
;;   27: xorps xmm15, xmm15
;;   2b: ucomiss xmm0, xmm15
;;   2f: jae 0x35
;;   31: pop rbp
;;   32: ret
;;   33: ud2
;;   35: ud2
;;   37: ud2
;;   39: int3
;;   3a: int3
;;   3b: int3
;;   3c: int3
;;   3d: int3
;;   3e: int3
;;   3f: int3
;;   40: add byte ptr [rax], al
;;   42: add bh, cl
;;   44: add byte ptr [rax], al
;;   46: add byte ptr [rax], al
;;   48: add byte ptr [rax], al
;;   4a: add byte ptr [rax], al
;;   4c: add byte ptr [rax], al
;;   4e: add byte ptr [rax], al
;;   trap 0x33: StackOverflow
;;   trap 0x35: IntegerOverflow
;;   trap 0x37: BadConversionToInteger
;; -O2 function 5 $flt
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x1f
;;   10: ucomisd xmm1, xmm0
;;   14: seta al
;;   17: movzx eax, al
;;   1a: movzx eax, al
;;   1d: pop rbp
;;   1e: ret
;;   1f: ud2
;;   trap 0x1f: StackOverflow
;; -O2 function 6 $floor
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x18
;;   10: roundsd xmm0, xmm0, 9
;;   16: pop rbp
;;   17: ret
;;   18: ud2
;;   trap 0x18: StackOverflow
