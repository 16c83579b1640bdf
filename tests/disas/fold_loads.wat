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
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x2c
;;   10: mov eax, edx
;;   12: mov rdx, qword ptr [rdi + 0x38]
;;   16: mulsd xmm0, qword ptr [rdx + rax]
;;   1b: mov eax, ecx
;;   1d: addsd xmm0, qword ptr [rdx + rax]
;;   22: mov eax, r8d
;;   25: movsd qword ptr [rdx + rax], xmm0
;;   2a: pop rbp
;;   2b: ret
;;   2c: ud2
;;   trap 0x16: HeapOutOfBounds
;;   trap 0x1d: HeapOutOfBounds
;;   trap 0x25: HeapOutOfBounds
;;   trap 0x2c: StackOverflow
;; -O2 function 1 $sub
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x1d
;;   10: mov eax, edx
;;   12: mov rcx, qword ptr [rdi + 0x38]
;;   16: subsd xmm0, qword ptr [rcx + rax]
;;   1b: pop rbp
;;   1c: ret
;;   1d: ud2
;;   trap 0x16: HeapOutOfBounds
;;   trap 0x1d: StackOverflow
;; -O2 function 2 $mix
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x25
;;   10: mov eax, ecx
;;   12: mov rcx, qword ptr [rdi + 0x38]
;;   16: xor edx, dword ptr [rcx + rax]
;;   19: mov eax, r8d
;;   1c: sub edx, dword ptr [rcx + rax + 8]
;;   20: mov rax, rdx
;;   23: pop rbp
;;   24: ret
;;   25: ud2
;;   trap 0x16: HeapOutOfBounds
;;   trap 0x1c: HeapOutOfBounds
;;   trap 0x25: StackOverflow
;; -O2 function 3 $mul64
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x20
;;   10: mov eax, ecx
;;   12: mov rcx, qword ptr [rdi + 0x38]
;;   16: imul rdx, qword ptr [rcx + rax]
;;   1b: mov rax, rdx
;;   1e: pop rbp
;;   1f: ret
;;   20: ud2
;;   trap 0x16: HeapOutOfBounds
;;   trap 0x20: StackOverflow
