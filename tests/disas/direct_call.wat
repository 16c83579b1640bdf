;; Direct calls: `call rel32` with a pcrel4 relocation to the callee; the callee and caller
;; vmctx are passed in rdi/rsi and the arguments follow; the prologue checks the stack limit.
;; opt: O0 O2
;; inlining: off
(module
  (func $callee (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.sub)
  (func $caller (export "caller") (param i32) (result i32)
    local.get 0 i32.const 1 call $callee
    i32.const 2 call $callee))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O0 function 0 $callee
;;    0: mov rax, rdx
;;    3: sub eax, ecx
;;    5: ret
;; -O0 function 1 $caller
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: sub rsp, 0x10
;;    8: mov r11, qword ptr [rdi + 8]
;;    c: cmp rsp, qword ptr [r11]
;;    f: jb 0x3b
;;   11: mov qword ptr [rsp], rdi
;;   15: mov ecx, 1
;;   1a: mov rsi, rdi
;;   1d: call 0x22
;;   22: mov ecx, 2
;;   27: mov rdi, qword ptr [rsp]
;;   2b: mov rsi, rdi
;;   2e: mov rdx, rax
;;   31: call 0x36
;;   36: mov rsp, rbp
;;   39: pop rbp
;;   3a: ret
;;   3b: ud2
;;   trap 0x3b: StackOverflow
;;   reloc 0x1e: pcrel4 function 0 $callee -4
;;   reloc 0x32: pcrel4 function 0 $callee -4
;; -O2 function 0 $callee
;;    0: mov rax, rdx
;;    3: sub eax, ecx
;;    5: ret
;; -O2 function 1 $caller
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: sub rsp, 0x10
;;    8: mov r11, qword ptr [rdi + 8]
;;    c: cmp rsp, qword ptr [r11]
;;    f: jb 0x3b
;;   11: mov qword ptr [rsp], rdi
;;   15: mov ecx, 1
;;   1a: mov rsi, rdi
;;   1d: call 0x22
;;   22: mov ecx, 2
;;   27: mov rdi, qword ptr [rsp]
;;   2b: mov rsi, rdi
;;   2e: mov rdx, rax
;;   31: call 0x36
;;   36: mov rsp, rbp
;;   39: pop rbp
;;   3a: ret
;;   3b: ud2
;;   trap 0x3b: StackOverflow
;;   reloc 0x1e: pcrel4 function 0 $callee -4
;;   reloc 0x32: pcrel4 function 0 $callee -4
