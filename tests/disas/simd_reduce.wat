;; Whole-vector reductions and conversions on the SSE4.1 baseline: bitmask from
;; pmovmskb/movmskps (i16x8 through packsswb), any_true/all_true from pcmpeqb + pmovmskb,
;; i32x4.dot_i16x8_s as pmaddwd, extending loads (an 8-byte movsd into the vector register,
;; then pmovzx), narrowing, and two widenings as one pmovzxbd.
(module
  (memory 1)
  (func $bitmask16 (export "bitmask16") (param v128) (result i32)
    local.get 0 i16x8.bitmask)
  (func $bitmask32 (export "bitmask32") (param v128) (result i32)
    local.get 0 i32x4.bitmask)
  (func $any_all (export "any_all") (param v128) (result i32)
    local.get 0 v128.any_true local.get 0 i32x4.all_true i32.add)
  (func $dot (export "dot") (param v128 v128) (result v128)
    local.get 0 local.get 1 i32x4.dot_i16x8_s)
  (func $load_extend (export "load_extend") (param i32) (result v128)
    local.get 0 v128.load8x8_u offset=16)
  (func $narrow (export "narrow") (param v128 v128) (result v128)
    local.get 0 local.get 1 i8x16.narrow_i16x8_u)
  (func $widen_twice (export "widen_twice") (param v128) (result v128)
    local.get 0 i16x8.extend_low_i8x16_u i32x4.extend_low_i16x8_u))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $bitmask16
;;    0: packsswb xmm0, xmm0
;;    4: pmovmskb eax, xmm0
;;    8: shr eax, 8
;;    b: ret
;; -O2 function 1 $bitmask32
;;    0: movmskps eax, xmm0
;;    3: ret
;; -O2 function 2 $any_all
;;    0: xorps xmm1, xmm1
;;    3: movaps xmm2, xmm0
;;    6: pcmpeqb xmm2, xmm1
;;    a: pmovmskb eax, xmm2
;;    e: cmp eax, 0xffff
;;   13: setne al
;;   16: movzx eax, al
;;   19: movzx eax, al
;;   1c: xorps xmm1, xmm1
;;   1f: pcmpeqd xmm0, xmm1
;;   23: pmovmskb ecx, xmm0
;;   27: cmp ecx, 0
;;   2a: sete cl
;;   2d: movzx ecx, cl
;;   30: movzx ecx, cl
;;   33: add eax, ecx
;;   35: ret
;; -O2 function 3 $dot
;;    0: pmaddwd xmm0, xmm1
;;    4: ret
;; -O2 function 4 $load_extend
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov eax, edx
;;    6: mov rcx, qword ptr [rdi + 0x38]
;;    a: movsd xmm0, qword ptr [rcx + rax + 0x10]
;;   10: pmovzxbw xmm0, xmm0
;;   15: pop rbp
;;   16: ret
;;   trap 0xa: HeapOutOfBounds
;; -O2 function 5 $narrow
;;    0: packuswb xmm0, xmm1
;;    4: ret
;; -O2 function 6 $widen_twice
;;    0: pmovzxbd xmm0, xmm0
;;    5: ret
