;; Compare and branch fusion: an icmp used only by a branch becomes cmp + jcc; a comparison
;; with zero becomes test; br_if on a comparison of a constant uses an immediate.
(module
  (func $max (export "max") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.gt_s
    if (result i32) local.get 0 else local.get 1 end)
  (func $is_zero_branch (export "is_zero_branch") (param i64) (result i32)
    block
      local.get 0 i64.eqz br_if 0
      i32.const 1 return
    end
    i32.const 2)
  (func $below_imm (export "below_imm") (param i32) (result i32)
    block
      local.get 0 i32.const 100 i32.lt_u br_if 0
      i32.const 7 return
    end
    i32.const 9))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $max
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x1e
;;   10: cmp edx, ecx
;;   12: jg 0x19
;;   14: mov rax, rcx
;;   17: pop rbp
;;   18: ret
;;   19: mov rax, rdx
;;   1c: pop rbp
;;   1d: ret
;;   1e: ud2
;;   trap 0x1e: StackOverflow
;; -O2 function 1 $is_zero_branch
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x23
;;   10: test rdx, rdx
;;   13: je 0x1c
;;   15: mov eax, 1
;;   1a: pop rbp
;;   1b: ret
;;   1c: mov eax, 2
;;   21: pop rbp
;;   22: ret
;;   23: ud2
;;   trap 0x23: StackOverflow
;; -O2 function 2 $below_imm
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x23
;;   10: cmp edx, 0x64
;;   13: jb 0x1c
;;   15: mov eax, 7
;;   1a: pop rbp
;;   1b: ret
;;   1c: mov eax, 9
;;   21: pop rbp
;;   22: ret
;;   23: ud2
;;   trap 0x23: StackOverflow
