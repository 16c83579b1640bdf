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
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x1d
;;   10: packsswb xmm0, xmm0
;;   14: pmovmskb eax, xmm0
;;   18: shr eax, 8
;;   1b: pop rbp
;;   1c: ret
;;   1d: ud2
;;   trap 0x1d: StackOverflow
;; -O2 function 1 $bitmask32
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x15
;;   10: movmskps eax, xmm0
;;   13: pop rbp
;;   14: ret
;;   15: ud2
;;   trap 0x15: StackOverflow
;; -O2 function 2 $any_all
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x48
;;   10: xorps xmm1, xmm1
;;   13: movaps xmm2, xmm0
;;   16: pcmpeqb xmm2, xmm1
;;   1a: pmovmskb eax, xmm2
;;   1e: cmp eax, 0xffff
;;   23: setne al
;;   26: movzx eax, al
;;   29: movzx eax, al
;;   2c: xorps xmm1, xmm1
;;   2f: pcmpeqd xmm0, xmm1
;;   33: pmovmskb ecx, xmm0
;;   37: cmp ecx, 0
;;   3a: sete cl
;;   3d: movzx ecx, cl
;;   40: movzx ecx, cl
;;   43: lea eax, [rax + rcx]
;;   46: pop rbp
;;   47: ret
;;   48: ud2
;;   trap 0x48: StackOverflow
;; -O2 function 3 $dot
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x16
;;   10: pmaddwd xmm0, xmm1
;;   14: pop rbp
;;   15: ret
;;   16: ud2
;;   trap 0x16: StackOverflow
;; -O2 function 4 $load_extend
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x23
;;   10: mov eax, edx
;;   12: mov rcx, qword ptr [rdi + 0x38]
;;   16: movsd xmm0, qword ptr [rcx + rax + 0x10]
;;   1c: pmovzxbw xmm0, xmm0
;;   21: pop rbp
;;   22: ret
;;   23: ud2
;;   trap 0x16: HeapOutOfBounds
;;   trap 0x23: StackOverflow
;; -O2 function 5 $narrow
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x16
;;   10: packuswb xmm0, xmm1
;;   14: pop rbp
;;   15: ret
;;   16: ud2
;;   trap 0x16: StackOverflow
;; -O2 function 6 $widen_twice
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x17
;;   10: pmovzxbd xmm0, xmm0
;;   15: pop rbp
;;   16: ret
;;   17: ud2
;;   trap 0x17: StackOverflow
