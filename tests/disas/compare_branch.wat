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
;;    0: cmp edx, ecx
;;    2: jg 8
;;    4: mov rax, rcx
;;    7: ret
;;    8: mov rax, rdx
;;    b: ret
;; -O2 function 1 $is_zero_branch
;;    0: test rdx, rdx
;;    3: je 0xb
;;    5: mov eax, 1
;;    a: ret
;;    b: mov eax, 2
;;   10: ret
;; -O2 function 2 $below_imm
;;    0: cmp edx, 0x64
;;    3: jb 0xb
;;    5: mov eax, 7
;;    a: ret
;;    b: mov eax, 9
;;   10: ret
