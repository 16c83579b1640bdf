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
;;    0: mov rax, rcx
;;    3: cmp edx, ecx
;;    5: cmovb eax, edx
;;    8: ret
;; -O2 function 1 $sel64
;;    0: mov rax, rcx
;;    3: test r8d, r8d
;;    6: cmovne rax, rdx
;;    a: ret
;; -O2 function 2 $self
;;    0: test edx, edx
;;    2: je 7
;;    4: movaps xmm1, xmm0
;;    7: movaps xmm0, xmm1
;;    a: ret
