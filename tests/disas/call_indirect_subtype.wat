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
;;    4: push rbx
;;    5: sub rsp, 8
;;    9: mov r11, qword ptr [rdi + 8]
;;    d: cmp rsp, qword ptr [r11]
;;   10: jb 0x79
;;   12: mov qword ptr [rsp], rdi
;;   16: mov edx, edx
;;   18: mov rax, qword ptr [rdi + 0x40]
;;   1c: cmp rdx, rax
;;   1f: jae 0x7f
;;   21: mov rcx, qword ptr [rdi + 0x38]
;;   25: mov rbx, qword ptr [rcx + rdx*8]
;;   29: cmp rbx, 1
;;   2d: jbe 0x5f
;;   2f: mov rax, qword ptr [rdi + 0x18]
;;   33: mov edx, dword ptr [rax]
;;   35: mov esi, dword ptr [rbx + 0x10]
;;   38: cmp esi, edx
;;   3a: je 0x4a
;;   3c: mov rax, qword ptr [rdi + 0x10]
;;   40: mov rax, qword ptr [rax + 0x70]
;;   44: call rax
;;   46: test eax, eax
;;   48: je 0x7d
;;   4a: mov rax, qword ptr [rbx + 8]
;;   4e: mov rdi, qword ptr [rbx + 0x18]
;;   52: mov rsi, qword ptr [rsp]
;;   56: call rax
;;   58: add rsp, 8
;;   5c: pop rbx
;;   5d: pop rbp
;;   5e: ret
;;   5f: xor esi, esi
;;   61: mov rdi, qword ptr [rsp]
;;   65: mov rax, qword ptr [rdi + 0x10]
;;   69: mov rax, qword ptr [rax + 0x90]
;;   70: call rax
;;   72: test rax, rax
;;   75: je 0x7b
;;   77: jmp 0x25
;;   79: ud2
;;   7b: ud2
;;   7d: ud2
;;   7f: ud2
;;   trap 0x79: StackOverflow
;;   trap 0x7b: IndirectCallToNull
;;   trap 0x7d: BadSignature
;;   trap 0x7f: UndefinedElement
