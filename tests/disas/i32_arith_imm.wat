;; i32 arithmetic with immediates: add/sub/and/or/xor/shift by constants fold into imm32
;; operands, `x * 8` and `x + y * 4 + 12` become shifts and `lea`.
;; opt: O0 O2
(module
  (func $add_imm (export "add_imm") (param i32) (result i32)
    local.get 0 i32.const 1000 i32.add)
  (func $mix (export "mix") (param i32 i32) (result i32)
    local.get 0 i32.const 0xff i32.and
    local.get 1 i32.const 3 i32.shl
    i32.xor
    i32.const -7 i32.sub)
  (func $lea (export "lea") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.const 4 i32.mul i32.add i32.const 12 i32.add)
  (func $mul_const (export "mul_const") (param i32) (result i32)
    local.get 0 i32.const 10 i32.mul)
  (func $rotl (export "rotl") (param i32) (result i32)
    local.get 0 i32.const 5 i32.rotl))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O0 function 0 $add_imm
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x18
;;   10: lea eax, [rdx + 0x3e8]
;;   16: pop rbp
;;   17: ret
;;   18: ud2
;;   trap 0x18: StackOverflow
;; -O0 function 1 $mix
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x20
;;   10: and edx, 0xff
;;   16: shl ecx, 3
;;   19: xor edx, ecx
;;   1b: lea eax, [rdx + 7]
;;   1e: pop rbp
;;   1f: ret
;;   20: ud2
;;   trap 0x20: StackOverflow
;; -O0 function 2 $lea
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x1b
;;   10: imul eax, ecx, 4
;;   13: lea eax, [rdx + rax]
;;   16: lea eax, [rax + 0xc]
;;   19: pop rbp
;;   1a: ret
;;   1b: ud2
;;   trap 0x1b: StackOverflow
;; -O0 function 3 $mul_const
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x15
;;   10: imul eax, edx, 0xa
;;   13: pop rbp
;;   14: ret
;;   15: ud2
;;   trap 0x15: StackOverflow
;; -O0 function 4 $rotl
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x18
;;   10: rol edx, 5
;;   13: mov rax, rdx
;;   16: pop rbp
;;   17: ret
;;   18: ud2
;;   trap 0x18: StackOverflow
;; -O2 function 0 $add_imm
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x18
;;   10: lea eax, [rdx + 0x3e8]
;;   16: pop rbp
;;   17: ret
;;   18: ud2
;;   trap 0x18: StackOverflow
;; -O2 function 1 $mix
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x20
;;   10: and edx, 0xff
;;   16: shl ecx, 3
;;   19: xor edx, ecx
;;   1b: lea eax, [rdx + 7]
;;   1e: pop rbp
;;   1f: ret
;;   20: ud2
;;   trap 0x20: StackOverflow
;; -O2 function 2 $lea
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x18
;;   10: lea eax, [rdx + rcx*4]
;;   13: lea eax, [rax + 0xc]
;;   16: pop rbp
;;   17: ret
;;   18: ud2
;;   trap 0x18: StackOverflow
;; -O2 function 3 $mul_const
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x15
;;   10: imul eax, edx, 0xa
;;   13: pop rbp
;;   14: ret
;;   15: ud2
;;   trap 0x15: StackOverflow
;; -O2 function 4 $rotl
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x18
;;   10: mov rax, rdx
;;   13: rol eax, 5
;;   16: pop rbp
;;   17: ret
;;   18: ud2
;;   trap 0x18: StackOverflow
