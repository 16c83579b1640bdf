;; select becomes cmov (fused with its comparison); float select uses a branch-free sequence.
(module
  (func $min_u (export "min_u") (param i32 i32) (result i32)
    local.get 0 local.get 1 local.get 0 local.get 1 i32.lt_u select)
  (func $sel64 (export "sel64") (param i64 i64 i32) (result i64)
    local.get 0 local.get 1 local.get 2 select)
  (func $self (export "self") (param f64 f64 i32) (result f64)
    local.get 0 local.get 1 local.get 2 select))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $min_u
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x1a
;;   10: mov rax, rcx
;;   13: cmp edx, ecx
;;   15: cmovb eax, edx
;;   18: pop rbp
;;   19: ret
;;   1a: ud2
;;   trap 0x1a: StackOverflow
;; -O2 function 1 $sel64
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x1c
;;   10: mov rax, rcx
;;   13: test r8d, r8d
;;   16: cmovne rax, rdx
;;   1a: pop rbp
;;   1b: ret
;;   1c: ud2
;;   trap 0x1c: StackOverflow
;; -O2 function 2 $self
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x1c
;;   10: test edx, edx
;;   12: je 0x17
;;   14: movaps xmm1, xmm0
;;   17: movaps xmm0, xmm1
;;   1a: pop rbp
;;   1b: ret
;;   1c: ud2
;;   trap 0x1c: StackOverflow
