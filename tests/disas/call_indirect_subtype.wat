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
;;   12: jb 0x68
;;   14: push rbx
;;   15: sub rsp, 8
;;   19: mov qword ptr [rsp], rdi
;;   1d: mov eax, edx
;;   1f: mov rcx, qword ptr [rdi + 0x38]
;;   23: cmp rax, rcx
;;   26: jae 0x6e
;;   28: mov rcx, qword ptr [rdi + 0x30]
;;   2c: mov rbx, qword ptr [rcx + rax*8]
;;   30: test rbx, rbx
;;   33: je 0x6a
;;   35: mov rax, qword ptr [rdi + 0x18]
;;   39: mov edx, dword ptr [rax]
;;   3b: mov esi, dword ptr [rbx + 0x10]
;;   3e: cmp esi, edx
;;   40: je 0x53
;;   42: mov rax, qword ptr [rdi + 0x10]
;;   46: mov rax, qword ptr [rax + 0x80]
;;   4d: call rax
;;   4f: test eax, eax
;;   51: je 0x6c
;;   53: mov rax, qword ptr [rbx + 8]
;;   57: mov rdi, qword ptr [rbx + 0x18]
;;   5b: mov rsi, qword ptr [rsp]
;;   5f: call rax
;;   61: add rsp, 8
;;   65: pop rbx
;;   66: pop rbp
;;   67: ret
;;   68: ud2
;;   6a: ud2
;;   6c: ud2
;;   6e: ud2
;;   trap 0x68: StackOverflow
;;   trap 0x6a: IndirectCallToNull
;;   trap 0x6c: BadSignature
;;   trap 0x6e: UndefinedElement
