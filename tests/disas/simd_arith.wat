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
;;    0: paddd xmm0, xmm1
;;    4: pmulld xmm0, xmm1
;;    9: ret
;; -O2 function 1 $shl8
;;    0: psllw xmm0, 3
;;    5: pand xmm0, xmmword ptr [rip + 3]
;;    d: ret
;;    e: int3
;;    f: int3
;;   10: clc
;;   11: clc
;;   12: clc
;;   13: clc
;;   14: clc
;;   15: clc
;;   16: clc
;;   17: clc
;;   18: clc
;;   19: clc
;;   1a: clc
;;   1b: clc
;;   1c: clc
;;   1d: clc
;;   1e: clc
;;   1f: clc
;; -O2 function 2 $shr_s8
;;    0: and edx, 7
;;    3: add edx, 8
;;    6: movd xmm1, edx
;;    a: movaps xmm2, xmm0
;;    d: punpcklbw xmm2, xmm0
;;   11: punpckhbw xmm0, xmm0
;;   15: psraw xmm2, xmm1
;;   19: psraw xmm0, xmm1
;;   1d: packsswb xmm2, xmm0
;;   21: movaps xmm0, xmm2
;;   24: ret
;; -O2 function 3 $mul64
;;    0: movaps xmm2, xmm0
;;    3: psrlq xmm2, 0x20
;;    8: pmuludq xmm2, xmm1
;;    c: movaps xmm3, xmm1
;;    f: psrlq xmm3, 0x20
;;   14: pmuludq xmm3, xmm0
;;   18: paddq xmm2, xmm3
;;   1c: psllq xmm2, 0x20
;;   21: pmuludq xmm0, xmm1
;;   25: paddq xmm0, xmm2
;;   29: ret
;; -O2 function 4 $fmin
;;    0: movaps xmm2, xmm0
;;    3: minps xmm2, xmm1
;;    6: minps xmm1, xmm0
;;    9: orps xmm2, xmm1
;;    c: movaps xmm0, xmm2
;;    f: cmpunordps xmm0, xmm1
;;   13: orps xmm2, xmm0
;;   16: psrld xmm0, 0xa
;;   1b: andnps xmm0, xmm2
;;   1e: ret
;; -O2 function 5 $trunc_sat
;;    0: movaps xmm1, xmm0
;;    3: cmpeqps xmm1, xmm0
;;    7: andps xmm0, xmm1
;;    a: pxor xmm1, xmm0
;;    e: cvttps2dq xmm0, xmm0
;;   12: pand xmm1, xmm0
;;   16: psrad xmm1, 0x1f
;;   1b: pxor xmm0, xmm1
;;   1f: ret
;; -O2 function 6 $q15
;;    0: pmulhrsw xmm0, xmm1
;;    5: movaps xmm1, xmm0
;;    8: pcmpeqw xmm1, xmmword ptr [rip + 0x10]
;;   10: pxor xmm0, xmm1
;;   14: ret
;;   15: int3
;;   16: int3
;;   17: int3
;;   18: int3
;;   19: int3
;;   1a: int3
;;   1b: int3
;;   1c: int3
;;   1d: int3
;;   1e: int3
;;   1f: int3
;;   20: add byte ptr [rax - 0x7fff8000], al
;;   26: add byte ptr [rax - 0x7fff8000], al
;;   2c: .byte 0x00
;;   2d: add byte ptr [rax], 0x80
