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
;;    0: mulsd xmm0, xmm1
;;    4: addsd xmm0, xmm2
;;    8: ret
;; -O2 function 1 $f32_ops
;;    0: andps xmm0, xmmword ptr [rip + 0x19]
;;    7: xorps xmm1, xmmword ptr [rip + 0x22]
;;    e: divss xmm0, xmm1
;;   12: sqrtss xmm0, xmm0
;;   16: ret
;;   17: int3
;;   18: int3
;;   19: int3
;;   1a: int3
;;   1b: int3
;;   1c: int3
;;   1d: int3
;;   1e: int3
;;   1f: int3
;;   20: .byte 0xff
;;   21: .byte 0xff
;;   22: .byte 0xff
;;   23: jg 0x24
;;   25: .byte 0xff
;;   26: .byte 0xff
;;   27: jg 0x28
;;   29: .byte 0xff
;;   2a: .byte 0xff
;;   2b: jg 0x2c
;;   2d: .byte 0xff
;;   2e: .byte 0xff
;;   2f: jg 0x31
;;   31: add byte ptr [rax], al
;;   33: add byte ptr [rax], 0
;;   36: add byte ptr [rax - 0x80000000], al
;;   3c: add byte ptr [rax], al
;;   3e: .byte 0x00
;;   3f: .byte 0x80
;; -O2 function 2 $fmin
;;    0: ucomisd xmm0, xmm1
;;    4: jne 0x13
;;    6: jp 0xd
;;    8: orps xmm0, xmm1
;;    b: jmp 0x17
;;    d: addsd xmm0, xmm1
;;   11: jmp 0x17
;;   13: minsd xmm0, xmm1
;;   17: ret
;; -O2 function 3 $conv
;;    0: mov eax, edx
;;    2: xorps xmm0, xmm0
;;    5: test rax, rax
;;    8: js 0x11
;;    a: cvtsi2sd xmm0, rax
;;    f: jmp 0x2a
;;   11: mov r11, rax
;;   14: shr r11, 1
;;   17: mov rcx, rax
;;   1a: and rcx, 1
;;   1e: or r11, rcx
;;   21: cvtsi2sd xmm0, r11
;;   26: addsd xmm0, xmm0
;;   2a: ret
;; -O2 function 4 $trunc
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: cvttss2si eax, xmm0
;;    8: cmp eax, 1
;;    b: jno 0x25
;;    d: ucomiss xmm0, xmm0
;;   10: jp 0x29
;;   12: ucomiss xmm0, dword ptr [rip + 0x17]
;;   19: jb 0x27
;;   1b: xorps xmm15, xmm15
;;   1f: ucomiss xmm0, xmm15
;;   23: jae 0x27
;;   25: pop rbp
;;   26: ret
;;   27: ud2
;;   29: ud2
;;   2b: int3
;;   2c: int3
;;   2d: int3
;;   2e: int3
;;   2f: int3
;;   30: add byte ptr [rax], al
;;   32: add bh, cl
;;   34: add byte ptr [rax], al
;;   36: add byte ptr [rax], al
;;   38: add byte ptr [rax], al
;;   3a: add byte ptr [rax], al
;;   3c: add byte ptr [rax], al
;;   3e: add byte ptr [rax], al
;;   trap 0x27: IntegerOverflow
;;   trap 0x29: BadConversionToInteger
;; -O2 function 5 $flt
;;    0: ucomisd xmm1, xmm0
;;    4: seta al
;;    7: movzx eax, al
;;    a: movzx eax, al
;;    d: ret
;; -O2 function 6 $floor
;;    0: roundsd xmm0, xmm0, 9
;;    6: ret
