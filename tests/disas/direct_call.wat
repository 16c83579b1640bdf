;; Direct calls: `call rel32` with a pcrel4 relocation to the callee; the callee and caller
;; vmctx are passed in rdi/rsi and the arguments follow; the prologue checks the stack limit.
;; opt: O0 O2
(module
  (func $callee (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.sub)
  (func $caller (export "caller") (param i32) (result i32)
    local.get 0 i32.const 1 call $callee
    i32.const 2 call $callee))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O0 function 0 $callee
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x17
;;   10: sub edx, ecx
;;   12: mov rax, rdx
;;   15: pop rbp
;;   16: ret
;;   17: ud2
;;   trap 0x17: StackOverflow
;; -O0 function 1 $caller
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: add r11, 0x10
;;    f: cmp rbp, r11
;;   12: jb 0x42
;;   14: sub rsp, 0x10
;;   18: mov qword ptr [rsp], rdi
;;   1c: mov ecx, 1
;;   21: mov rsi, rdi
;;   24: call 0x29
;;   29: mov ecx, 2
;;   2e: mov rdi, qword ptr [rsp]
;;   32: mov rsi, rdi
;;   35: mov rdx, rax
;;   38: call 0x3d
;;   3d: mov rsp, rbp
;;   40: pop rbp
;;   41: ret
;;   42: ud2
;;   trap 0x42: StackOverflow
;;   reloc 0x25: pcrel4 function 0 $callee -4
;;   reloc 0x39: pcrel4 function 0 $callee -4
;; -O2 function 0 $callee
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x17
;;   10: mov rax, rdx
;;   13: sub eax, ecx
;;   15: pop rbp
;;   16: ret
;;   17: ud2
;;   trap 0x17: StackOverflow
;; -O2 function 1 $caller
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: add r11, 0x10
;;    f: cmp rbp, r11
;;   12: jb 0x42
;;   14: sub rsp, 0x10
;;   18: mov qword ptr [rsp], rdi
;;   1c: mov ecx, 1
;;   21: mov rsi, rdi
;;   24: call 0x29
;;   29: mov ecx, 2
;;   2e: mov rdi, qword ptr [rsp]
;;   32: mov rsi, rdi
;;   35: mov rdx, rax
;;   38: call 0x3d
;;   3d: mov rsp, rbp
;;   40: pop rbp
;;   41: ret
;;   42: ud2
;;   trap 0x42: StackOverflow
;;   reloc 0x25: pcrel4 function 0 $callee -4
;;   reloc 0x39: pcrel4 function 0 $callee -4
