;; With AVX, a v128 load used only by float arithmetic becomes its memory operand
;; (`vmulpd d, a, [mem]`): VEX forms need no alignment, so any Wasm address works. Either
;; operand of a commutative operation folds; subtraction and division fold only the second.
;; Without AVX (simd_arith.wat and the other files) the SSE forms would require 16-byte
;; alignment, and loads stay separate `movdqu`s.
;; opt: O2
;; target: +avx
(module
  (memory 1)
  (func $axpy (export "axpy") (param $a v128) (param $x i32) (param $y i32) (result v128)
    ;; a * x[..] + y[..]
    (f64x2.add (f64x2.mul (local.get $a) (v128.load (local.get $x)))
               (v128.load offset=16 (local.get $y))))
  (func $load_first (export "load_first") (param $a v128) (param $x i32) (result v128)
    ;; the load is the first operand of a commutative mul
    (f32x4.mul (v128.load (local.get $x)) (local.get $a)))
  (func $sub_both (export "sub_both") (param $a v128) (param $x i32) (result v128)
    ;; x[..] - a cannot fold (the first operand of a subtraction); a - x[..] can
    (f64x2.sub (f64x2.sub (v128.load (local.get $x)) (local.get $a))
               (v128.load offset=32 (local.get $x)))))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $axpy
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov eax, edx
;;    6: mov rdx, qword ptr [rdi + 0x38]
;;    a: vmulpd xmm0, xmm0, xmmword ptr [rdx + rax]
;;    f: mov eax, ecx
;;   11: vaddpd xmm0, xmm0, xmmword ptr [rdx + rax + 0x10]
;;   17: pop rbp
;;   18: ret
;;   trap 0xa: HeapOutOfBounds
;;   trap 0x11: HeapOutOfBounds
;; -O2 function 1 $load_first
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov eax, edx
;;    6: mov rcx, qword ptr [rdi + 0x38]
;;    a: vmulps xmm0, xmm0, xmmword ptr [rcx + rax]
;;    f: pop rbp
;;   10: ret
;;   trap 0xa: HeapOutOfBounds
;; -O2 function 2 $sub_both
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov eax, edx
;;    6: mov rcx, qword ptr [rdi + 0x38]
;;    a: movdqu xmm1, xmmword ptr [rcx + rax]
;;    f: vsubpd xmm0, xmm1, xmm0
;;   13: vsubpd xmm0, xmm0, xmmword ptr [rcx + rax + 0x20]
;;   19: pop rbp
;;   1a: ret
;;   trap 0xa: HeapOutOfBounds
;;   trap 0x13: HeapOutOfBounds
