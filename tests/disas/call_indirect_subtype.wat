;; call_indirect with a non-final expected type: equal canonical ids take the fast path (one
;; cmp + branch, as for final types); different ids call the is_subtype builtin out of line,
;; which walks the callee type's declared supertypes, and trap BadSignature if it says no.
(module
  (type $base (sub (func (result i32))))
  (table 2 funcref)
  (func $dispatch (export "dispatch") (param i32) (result i32)
    local.get 0 call_indirect (type $base)))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $dispatch
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: add r11, 0x10
;;    f: cmp rbp, r11
;;   12: jb 0x84
;;   18: push rbx
;;   19: sub rsp, 8
;;   1d: mov qword ptr [rsp], rdi
;;   21: mov edx, edx
;;   23: mov rax, qword ptr [rdi + 0x40]
;;   27: cmp rdx, rax
;;   2a: jae 0x8a
;;   2c: mov rcx, qword ptr [rdi + 0x38]
;;   30: mov rbx, qword ptr [rcx + rdx*8]
;;   34: cmp rbx, 1
;;   38: jbe 0x6a
;;   3a: mov rax, qword ptr [rdi + 0x18]
;;   3e: mov edx, dword ptr [rax]
;;   40: mov esi, dword ptr [rbx + 0x10]
;;   43: cmp esi, edx
;;   45: je 0x55
;;   47: mov rax, qword ptr [rdi + 0x10]
;;   4b: mov rax, qword ptr [rax + 0x70]
;;   4f: call rax
;;   51: test eax, eax
;;   53: je 0x88
;;   55: mov rax, qword ptr [rbx + 8]
;;   59: mov rdi, qword ptr [rbx + 0x18]
;;   5d: mov rsi, qword ptr [rsp]
;;   61: call rax
;;   63: add rsp, 8
;;   67: pop rbx
;;   68: pop rbp
;;   69: ret
;;   6a: xor esi, esi
;;   6c: mov rdi, qword ptr [rsp]
;;   70: mov rax, qword ptr [rdi + 0x10]
;;   74: mov rax, qword ptr [rax + 0x90]
;;   7b: call rax
;;   7d: test rax, rax
;;   80: je 0x86
;;   82: jmp 0x30
;;   84: ud2
;;   86: ud2
;;   88: ud2
;;   8a: ud2
;;   trap 0x84: StackOverflow
;;   trap 0x86: IndirectCallToNull
;;   trap 0x88: BadSignature
;;   trap 0x8a: UndefinedElement
