;; i8x16.shuffle recognised as one instruction where x86 has one: unpack (low bytes, high
;; dwords), palignr, pblendw, shufps, pshufd for a one-input dword permutation; pshufb + por
;; for a general two-input shuffle; swizzle with its out-of-range fixup; splats and lane
;; extraction.
(module
  (func $unpcklbw (export "unpcklbw") (param v128 v128) (result v128)
    local.get 0 local.get 1
    i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23)
  (func $unpckhdq (export "unpckhdq") (param v128 v128) (result v128)
    local.get 0 local.get 1
    i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31)
  (func $palignr (export "palignr") (param v128 v128) (result v128)
    local.get 0 local.get 1
    i8x16.shuffle 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18)
  (func $blend (export "blend") (param v128 v128) (result v128)
    local.get 0 local.get 1
    i8x16.shuffle 0 1 18 19 4 5 6 7 24 25 10 11 12 13 30 31)
  (func $shufps (export "shufps") (param v128 v128) (result v128)
    local.get 0 local.get 1
    i8x16.shuffle 4 5 6 7 0 1 2 3 28 29 30 31 16 17 18 19)
  (func $reverse_dwords (export "reverse_dwords") (param v128) (result v128)
    local.get 0 local.get 0
    i8x16.shuffle 12 13 14 15 8 9 10 11 4 5 6 7 0 1 2 3)
  (func $general (export "general") (param v128 v128) (result v128)
    local.get 0 local.get 1
    i8x16.shuffle 0 31 1 30 2 29 3 28 4 27 5 26 6 25 7 24)
  (func $swizzle (export "swizzle") (param v128 v128) (result v128)
    local.get 0 local.get 1 i8x16.swizzle)
  (func $splat_extract (export "splat_extract") (param i32) (result i32)
    local.get 0 i8x16.splat i32.const 1 i32x4.splat i16x8.add i16x8.extract_lane_u 5))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $unpcklbw
;;    0: punpcklbw xmm0, xmm1
;;    4: ret
;; -O2 function 1 $unpckhdq
;;    0: punpckhdq xmm0, xmm1
;;    4: ret
;; -O2 function 2 $palignr
;;    0: palignr xmm1, xmm0, 3
;;    6: movaps xmm0, xmm1
;;    9: ret
;; -O2 function 3 $blend
;;    0: pblendw xmm0, xmm1, 0x92
;;    6: ret
;; -O2 function 4 $shufps
;;    0: shufps xmm0, xmm1, 0x31
;;    4: ret
;; -O2 function 5 $reverse_dwords
;;    0: pshufd xmm0, xmm0, 0x1b
;;    5: ret
;; -O2 function 6 $general
;;    0: pshufb xmm0, xmmword ptr [rip + 0x17]
;;    9: pshufb xmm1, xmmword ptr [rip + 0x1e]
;;   12: por xmm0, xmm1
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
;;   20: add byte ptr [rax - 0x7ffd7fff], al
;;   26: add eax, dword ptr [rax - 0x7ffa7ffc]
;;   2c: .byte 0x06
;;   2d: add byte ptr [rdi], 0x80
;;   30: or byte ptr [rdi], 0x80
;;   33: .byte 0x0e
;;   34: or byte ptr [rip + 0xb800c80], 0x80
;;   3b: .byte 0x0a
;;   3c: or byte ptr [rcx], 0x80
;;   3f: .byte 0x08
;; -O2 function 7 $swizzle
;;    0: paddusb xmm1, xmmword ptr [rip + 8]
;;    8: pshufb xmm0, xmm1
;;    d: ret
;;    e: int3
;;    f: int3
;;   10: jo 0x82
;;   12: jo 0x84
;;   14: jo 0x86
;;   16: jo 0x88
;;   18: jo 0x8a
;;   1a: jo 0x8c
;;   1c: jo 0x8e
;;   1e: jo 0x90
;; -O2 function 8 $splat_extract
;;    0: movd xmm0, edx
;;    4: punpcklbw xmm0, xmm0
;;    8: pshuflw xmm0, xmm0, 0
;;    d: pshufd xmm0, xmm0, 0
;;   12: mov eax, 1
;;   17: movd xmm1, eax
;;   1b: pshufd xmm1, xmm1, 0
;;   20: paddw xmm0, xmm1
;;   24: pextrw eax, xmm0, 5
;;   29: movzx eax, ax
;;   2c: ret
