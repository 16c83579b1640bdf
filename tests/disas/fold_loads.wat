;; Load folding: a float load used once by the next arithmetic becomes its memory operand
;; (mulsd/addsd x, [mem]; integer and/or/xor/sub/imul r, [mem]), keeping its trap site; a
;; commutative operation takes either loaded side.
;; opt: O2
(module
  (memory 1)
  (func $fma_like (param $x f64) (param $a i32) (param $b i32) (param $out i32)
    (f64.store (local.get $out)
      (f64.add (f64.mul (local.get $x) (f64.load (local.get $a))) (f64.load (local.get $b)))))
  (func $sub (param $x f64) (param $a i32) (result f64)
    (f64.sub (local.get $x) (f64.load (local.get $a))))
  ;; Integer sources: and/or/xor/sub/imul r, [mem] (either side when commutative).
  (func $mix (param $x i32) (param $a i32) (param $b i32) (result i32)
    (i32.sub (i32.xor (i32.load (local.get $a)) (local.get $x)) (i32.load offset=8 (local.get $b))))
  (func $mul64 (param $x i64) (param $a i32) (result i64)
    (i64.mul (local.get $x) (i64.load (local.get $a)))))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $fma_like
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov eax, edx
;;    6: mov rdx, qword ptr [rdi + 0x38]
;;    a: mulsd xmm0, qword ptr [rdx + rax]
;;    f: mov eax, ecx
;;   11: addsd xmm0, qword ptr [rdx + rax]
;;   16: mov eax, r8d
;;   19: movsd qword ptr [rdx + rax], xmm0
;;   1e: pop rbp
;;   1f: ret
;;   trap 0xa: HeapOutOfBounds
;;   trap 0x11: HeapOutOfBounds
;;   trap 0x19: HeapOutOfBounds
;; -O2 function 1 $sub
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov eax, edx
;;    6: mov rcx, qword ptr [rdi + 0x38]
;;    a: subsd xmm0, qword ptr [rcx + rax]
;;    f: pop rbp
;;   10: ret
;;   trap 0xa: HeapOutOfBounds
;; -O2 function 2 $mix
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov eax, ecx
;;    6: mov rcx, qword ptr [rdi + 0x38]
;;    a: xor edx, dword ptr [rcx + rax]
;;    d: mov eax, r8d
;;   10: sub edx, dword ptr [rcx + rax + 8]
;;   14: mov rax, rdx
;;   17: pop rbp
;;   18: ret
;;   trap 0xa: HeapOutOfBounds
;;   trap 0x10: HeapOutOfBounds
;; -O2 function 3 $mul64
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov eax, ecx
;;    6: mov rcx, qword ptr [rdi + 0x38]
;;    a: imul rdx, qword ptr [rcx + rax]
;;    f: mov rax, rdx
;;   12: pop rbp
;;   13: ret
;;   trap 0xa: HeapOutOfBounds
