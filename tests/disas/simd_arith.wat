;; SIMD lane arithmetic on the SSE4.1 baseline: two-address forms, i8x16 shifts widened to
;; words, i64x2 multiply from pmuludq, Wasm f32x4.min with its NaN and -0 fixups, the
;; saturating f32x4 -> i32x4 conversion and the q15 multiply's overflow correction.
(module
  (func $add_mul (export "add_mul") (param v128 v128) (result v128)
    local.get 0 local.get 1 i32x4.add local.get 1 i32x4.mul)
  (func $shl8 (export "shl8") (param v128) (result v128)
    local.get 0 i32.const 3 i8x16.shl)
  (func $shr_s8 (export "shr_s8") (param v128 i32) (result v128)
    local.get 0 local.get 1 i8x16.shr_s)
  (func $mul64 (export "mul64") (param v128 v128) (result v128)
    local.get 0 local.get 1 i64x2.mul)
  (func $fmin (export "fmin") (param v128 v128) (result v128)
    local.get 0 local.get 1 f32x4.min)
  (func $trunc_sat (export "trunc_sat") (param v128) (result v128)
    local.get 0 i32x4.trunc_sat_f32x4_s)
  (func $q15 (export "q15") (param v128 v128) (result v128)
    local.get 0 local.get 1 i16x8.q15mulr_sat_s))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $add_mul
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x1b
;;   10: paddd xmm0, xmm1
;;   14: pmulld xmm0, xmm1
;;   19: pop rbp
;;   1a: ret
;;   1b: ud2
;;   trap 0x1b: StackOverflow
;; -O2 function 1 $shl8
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x1f
;;   10: psllw xmm0, 3
;;   15: pand xmm0, xmmword ptr [rip + 0x13]
;;   1d: pop rbp
;;   1e: ret
;;   1f: ud2
;;   21: int3
;;   22: int3
;;   23: int3
;;   24: int3
;;   25: int3
;;   26: int3
;;   27: int3
;;   28: int3
;;   29: int3
;;   2a: int3
;;   2b: int3
;;   2c: int3
;;   2d: int3
;;   2e: int3
;;   2f: int3
;;   30: clc
;;   31: clc
;;   32: clc
;;   33: clc
;;   34: clc
;;   35: clc
;;   36: clc
;;   37: clc
;;   38: clc
;;   39: clc
;;   3a: clc
;;   3b: clc
;;   3c: clc
;;   3d: clc
;;   3e: clc
;;   3f: clc
;;   trap 0x1f: StackOverflow
;; -O2 function 2 $shr_s8
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x36
;;   10: and edx, 7
;;   13: add edx, 8
;;   16: movd xmm1, edx
;;   1a: movaps xmm2, xmm0
;;   1d: punpcklbw xmm2, xmm0
;;   21: punpckhbw xmm0, xmm0
;;   25: psraw xmm2, xmm1
;;   29: psraw xmm0, xmm1
;;   2d: packsswb xmm2, xmm0
;;   31: movaps xmm0, xmm2
;;   34: pop rbp
;;   35: ret
;;   36: ud2
;;   trap 0x36: StackOverflow
;; -O2 function 3 $mul64
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x3b
;;   10: movaps xmm2, xmm0
;;   13: psrlq xmm2, 0x20
;;   18: pmuludq xmm2, xmm1
;;   1c: movaps xmm3, xmm1
;;   1f: psrlq xmm3, 0x20
;;   24: pmuludq xmm3, xmm0
;;   28: paddq xmm2, xmm3
;;   2c: psllq xmm2, 0x20
;;   31: pmuludq xmm0, xmm1
;;   35: paddq xmm0, xmm2
;;   39: pop rbp
;;   3a: ret
;;   3b: ud2
;;   trap 0x3b: StackOverflow
;; -O2 function 4 $fmin
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x30
;;   10: movaps xmm2, xmm0
;;   13: minps xmm2, xmm1
;;   16: minps xmm1, xmm0
;;   19: orps xmm2, xmm1
;;   1c: movaps xmm0, xmm2
;;   1f: cmpunordps xmm0, xmm1
;;   23: orps xmm2, xmm0
;;   26: psrld xmm0, 0xa
;;   2b: andnps xmm0, xmm2
;;   2e: pop rbp
;;   2f: ret
;;   30: ud2
;;   trap 0x30: StackOverflow
;; -O2 function 5 $trunc_sat
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x31
;;   10: movaps xmm1, xmm0
;;   13: cmpeqps xmm1, xmm0
;;   17: andps xmm0, xmm1
;;   1a: pxor xmm1, xmm0
;;   1e: cvttps2dq xmm0, xmm0
;;   22: pand xmm1, xmm0
;;   26: psrad xmm1, 0x1f
;;   2b: pxor xmm0, xmm1
;;   2f: pop rbp
;;   30: ret
;;   31: ud2
;;   trap 0x31: StackOverflow
;; -O2 function 6 $q15
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x26
;;   10: pmulhrsw xmm0, xmm1
;;   15: movaps xmm1, xmm0
;;   18: pcmpeqw xmm1, xmmword ptr [rip + 0x10]
;;   20: pxor xmm0, xmm1
;;   24: pop rbp
;;   25: ret
;;   26: ud2
;;   28: int3
;;   29: int3
;;   2a: int3
;;   2b: int3
;;   2c: int3
;;   2d: int3
;;   2e: int3
;;   2f: int3
;;   30: add byte ptr [rax - 0x7fff8000], al
;;   36: add byte ptr [rax - 0x7fff8000], al
;;   3c: .byte 0x00
;;   3d: add byte ptr [rax], 0x80
;;   trap 0x26: StackOverflow
