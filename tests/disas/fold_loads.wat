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
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x29
;;    d: mov eax, edx
;;    f: mov rdx, qword ptr [rdi + 0x38]
;;   13: mulsd xmm0, qword ptr [rdx + rax]
;;   18: mov eax, ecx
;;   1a: addsd xmm0, qword ptr [rdx + rax]
;;   1f: mov eax, r8d
;;   22: movsd qword ptr [rdx + rax], xmm0
;;   27: pop rbp
;;   28: ret
;;   29: ud2
;;   trap 0x13: HeapOutOfBounds
;;   trap 0x1a: HeapOutOfBounds
;;   trap 0x22: HeapOutOfBounds
;;   trap 0x29: StackOverflow
;; -O2 function 1 $sub
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x1a
;;    d: mov eax, edx
;;    f: mov rcx, qword ptr [rdi + 0x38]
;;   13: subsd xmm0, qword ptr [rcx + rax]
;;   18: pop rbp
;;   19: ret
;;   1a: ud2
;;   trap 0x13: HeapOutOfBounds
;;   trap 0x1a: StackOverflow
;; -O2 function 2 $mix
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x22
;;    d: mov eax, ecx
;;    f: mov rcx, qword ptr [rdi + 0x38]
;;   13: xor edx, dword ptr [rcx + rax]
;;   16: mov eax, r8d
;;   19: sub edx, dword ptr [rcx + rax + 8]
;;   1d: mov rax, rdx
;;   20: pop rbp
;;   21: ret
;;   22: ud2
;;   trap 0x13: HeapOutOfBounds
;;   trap 0x19: HeapOutOfBounds
;;   trap 0x22: StackOverflow
;; -O2 function 3 $mul64
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x1d
;;    d: mov eax, ecx
;;    f: mov rcx, qword ptr [rdi + 0x38]
;;   13: imul rdx, qword ptr [rcx + rax]
;;   18: mov rax, rdx
;;   1b: pop rbp
;;   1c: ret
;;   1d: ud2
;;   trap 0x13: HeapOutOfBounds
;;   trap 0x1d: StackOverflow
