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
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x28
;;    d: mov rax, rdx
;;   10: test rcx, rcx
;;   13: je 0x2c
;;   15: cmp rcx, -1
;;   19: jne 0x21
;;   1b: cmp rax, 1
;;   1f: jo 0x2a
;;   21: cqo
;;   23: idiv rcx
;;   26: pop rbp
;;   27: ret
;;   28: ud2
;;   2a: ud2
;;   2c: ud2
;;   trap 0x28: StackOverflow
;;   trap 0x2a: IntegerOverflow
;;   trap 0x2c: IntegerDivisionByZero
;; -O2 function 1 $div_u
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x1c
;;    d: mov rax, rdx
;;   10: test rcx, rcx
;;   13: je 0x1e
;;   15: xor edx, edx
;;   17: div rcx
;;   1a: pop rbp
;;   1b: ret
;;   1c: ud2
;;   1e: ud2
;;   trap 0x1c: StackOverflow
;;   trap 0x1e: IntegerDivisionByZero
;; -O2 function 2 $rem_s
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x29
;;    d: mov rax, rdx
;;   10: test rcx, rcx
;;   13: je 0x2b
;;   15: cmp rcx, -1
;;   19: jne 0x1f
;;   1b: xor edx, edx
;;   1d: jmp 0x24
;;   1f: cqo
;;   21: idiv rcx
;;   24: mov rax, rdx
;;   27: pop rbp
;;   28: ret
;;   29: ud2
;;   2b: ud2
;;   trap 0x29: StackOverflow
;;   trap 0x2b: IntegerDivisionByZero
;; -O2 function 3 $rem_u
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x1f
;;    d: mov rax, rdx
;;   10: test rcx, rcx
;;   13: je 0x21
;;   15: xor edx, edx
;;   17: div rcx
;;   1a: mov rax, rdx
;;   1d: pop rbp
;;   1e: ret
;;   1f: ud2
;;   21: ud2
;;   trap 0x1f: StackOverflow
;;   trap 0x21: IntegerDivisionByZero
;; -O2 function 4 $div_by_7
;;    0: movabs rcx, 0x4924924924924925
;;    a: mov rax, rdx
;;    d: imul rcx
;;   10: sar rdx, 1
;;   13: mov rax, rdx
;;   16: shr rax, 0x3f
;;   1a: lea rax, [rdx + rax]
;;   1e: ret
