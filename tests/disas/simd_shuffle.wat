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
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x16
;;   10: punpcklbw xmm0, xmm1
;;   14: pop rbp
;;   15: ret
;;   16: ud2
;;   trap 0x16: StackOverflow
;; -O2 function 1 $unpckhdq
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x16
;;   10: punpckhdq xmm0, xmm1
;;   14: pop rbp
;;   15: ret
;;   16: ud2
;;   trap 0x16: StackOverflow
;; -O2 function 2 $palignr
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x1b
;;   10: palignr xmm1, xmm0, 3
;;   16: movaps xmm0, xmm1
;;   19: pop rbp
;;   1a: ret
;;   1b: ud2
;;   trap 0x1b: StackOverflow
;; -O2 function 3 $blend
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x18
;;   10: pblendw xmm0, xmm1, 0x92
;;   16: pop rbp
;;   17: ret
;;   18: ud2
;;   trap 0x18: StackOverflow
;; -O2 function 4 $shufps
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x16
;;   10: shufps xmm0, xmm1, 0x31
;;   14: pop rbp
;;   15: ret
;;   16: ud2
;;   trap 0x16: StackOverflow
;; -O2 function 5 $reverse_dwords
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x17
;;   10: pshufd xmm0, xmm0, 0x1b
;;   15: pop rbp
;;   16: ret
;;   17: ud2
;;   trap 0x17: StackOverflow
;; -O2 function 6 $general
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x28
;;   10: pshufb xmm0, xmmword ptr [rip + 0x17]
;;   19: pshufb xmm1, xmmword ptr [rip + 0x1e]
;;   22: por xmm0, xmm1
;;   26: pop rbp
;;   27: ret
;;   28: ud2
;;   2a: int3
;;   2b: int3
;;   2c: int3
;;   2d: int3
;;   2e: int3
;;   2f: int3
;;   30: add byte ptr [rax - 0x7ffd7fff], al
;;   36: add eax, dword ptr [rax - 0x7ffa7ffc]
;;   3c: .byte 0x06
;;   3d: add byte ptr [rdi], 0x80
;;   40: or byte ptr [rdi], 0x80
;;   43: .byte 0x0e
;;   44: or byte ptr [rip + 0xb800c80], 0x80
;;   4b: .byte 0x0a
;;   4c: or byte ptr [rcx], 0x80
;;   4f: .byte 0x08
;;   trap 0x28: StackOverflow
;; -O2 function 7 $swizzle
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x1f
;;   10: paddusb xmm1, xmmword ptr [rip + 0x18]
;;   18: pshufb xmm0, xmm1
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
;;   30: jo 0xa2
;;   32: jo 0xa4
;;   34: jo 0xa6
;;   36: jo 0xa8
;;   38: jo 0xaa
;;   3a: jo 0xac
;;   3c: jo 0xae
;;   3e: jo 0xb0
;;   trap 0x1f: StackOverflow
;; -O2 function 8 $splat_extract
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x3e
;;   10: movd xmm0, edx
;;   14: punpcklbw xmm0, xmm0
;;   18: pshuflw xmm0, xmm0, 0
;;   1d: pshufd xmm0, xmm0, 0
;;   22: mov eax, 1
;;   27: movd xmm1, eax
;;   2b: pshufd xmm1, xmm1, 0
;;   30: paddw xmm0, xmm1
;;   34: pextrw eax, xmm0, 5
;;   39: movzx eax, ax
;;   3c: pop rbp
;;   3d: ret
;;   3e: ud2
;;   trap 0x3e: StackOverflow
