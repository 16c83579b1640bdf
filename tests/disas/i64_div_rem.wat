;; i64 division and remainder: divide by zero faults in idiv/div (an implicit trap site),
;; signed division checks INT_MIN / -1 explicitly (integer overflow), rem_s of -1 is 0;
;; division by a constant needs no checks (magic multiply at -O2).
(module
  (func $div_s (export "div_s") (param i64 i64) (result i64) local.get 0 local.get 1 i64.div_s)
  (func $div_u (export "div_u") (param i64 i64) (result i64) local.get 0 local.get 1 i64.div_u)
  (func $rem_s (export "rem_s") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rem_s)
  (func $rem_u (export "rem_u") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rem_u)
  (func $div_by_7 (export "div_by_7") (param i64) (result i64) local.get 0 i64.const 7 i64.div_s))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $div_s
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov rax, rdx
;;    7: test rcx, rcx
;;    a: je 0x21
;;    c: cmp rcx, -1
;;   10: jne 0x18
;;   12: cmp rax, 1
;;   16: jo 0x1f
;;   18: cqo
;;   1a: idiv rcx
;;   1d: pop rbp
;;   1e: ret
;;   1f: ud2
;;   21: ud2
;;   trap 0x1f: IntegerOverflow
;;   trap 0x21: IntegerDivisionByZero
;; -O2 function 1 $div_u
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov rax, rdx
;;    7: test rcx, rcx
;;    a: je 0x13
;;    c: xor edx, edx
;;    e: div rcx
;;   11: pop rbp
;;   12: ret
;;   13: ud2
;;   trap 0x13: IntegerDivisionByZero
;; -O2 function 2 $rem_s
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov rax, rdx
;;    7: test rcx, rcx
;;    a: je 0x20
;;    c: cmp rcx, -1
;;   10: jne 0x16
;;   12: xor edx, edx
;;   14: jmp 0x1b
;;   16: cqo
;;   18: idiv rcx
;;   1b: mov rax, rdx
;;   1e: pop rbp
;;   1f: ret
;;   20: ud2
;;   trap 0x20: IntegerDivisionByZero
;; -O2 function 3 $rem_u
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov rax, rdx
;;    7: test rcx, rcx
;;    a: je 0x16
;;    c: xor edx, edx
;;    e: div rcx
;;   11: mov rax, rdx
;;   14: pop rbp
;;   15: ret
;;   16: ud2
;;   trap 0x16: IntegerDivisionByZero
;; -O2 function 4 $div_by_7
;;    0: movabs rcx, 0x4924924924924925
;;    a: mov rax, rdx
;;    d: imul rcx
;;   10: sar rdx, 1
;;   13: mov rax, rdx
;;   16: shr rax, 0x3f
;;   1a: add rax, rdx
;;   1d: ret
