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
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x2b
;;   10: mov rax, rdx
;;   13: test rcx, rcx
;;   16: je 0x2f
;;   18: cmp rcx, -1
;;   1c: jne 0x24
;;   1e: cmp rax, 1
;;   22: jo 0x2d
;;   24: cqo
;;   26: idiv rcx
;;   29: pop rbp
;;   2a: ret
;;   2b: ud2
;;   2d: ud2
;;   2f: ud2
;;   trap 0x2b: StackOverflow
;;   trap 0x2d: IntegerOverflow
;;   trap 0x2f: IntegerDivisionByZero
;; -O2 function 1 $div_u
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x1f
;;   10: mov rax, rdx
;;   13: test rcx, rcx
;;   16: je 0x21
;;   18: xor edx, edx
;;   1a: div rcx
;;   1d: pop rbp
;;   1e: ret
;;   1f: ud2
;;   21: ud2
;;   trap 0x1f: StackOverflow
;;   trap 0x21: IntegerDivisionByZero
;; -O2 function 2 $rem_s
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x2c
;;   10: mov rax, rdx
;;   13: test rcx, rcx
;;   16: je 0x2e
;;   18: cmp rcx, -1
;;   1c: jne 0x22
;;   1e: xor edx, edx
;;   20: jmp 0x27
;;   22: cqo
;;   24: idiv rcx
;;   27: mov rax, rdx
;;   2a: pop rbp
;;   2b: ret
;;   2c: ud2
;;   2e: ud2
;;   trap 0x2c: StackOverflow
;;   trap 0x2e: IntegerDivisionByZero
;; -O2 function 3 $rem_u
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x22
;;   10: mov rax, rdx
;;   13: test rcx, rcx
;;   16: je 0x24
;;   18: xor edx, edx
;;   1a: div rcx
;;   1d: mov rax, rdx
;;   20: pop rbp
;;   21: ret
;;   22: ud2
;;   24: ud2
;;   trap 0x22: StackOverflow
;;   trap 0x24: IntegerDivisionByZero
;; -O2 function 4 $div_by_7
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x4c
;;   10: mov rax, rdx
;;   13: sar rdx, 0x3f
;;   17: movabs rcx, 0x4924924924924925
;;   21: mov rsi, rcx
;;   24: sar rcx, 0x3f
;;   28: imul rcx, rax
;;   2c: mov rdi, rdx
;;   2f: imul rdi, rsi
;;   33: mul rsi
;;   36: add rdx, rcx
;;   39: add rdx, rdi
;;   3c: sar rdx, 1
;;   3f: mov rax, rdx
;;   42: shr rax, 0x3f
;;   46: lea rax, [rdx + rax]
;;   4a: pop rbp
;;   4b: ret
;;   4c: ud2
;;   trap 0x4c: StackOverflow
