;; call_indirect: table bounds check (undefined element); the entry check (fast path: one cmp
;; with 1 and a branch not taken; entries 0 = not yet initialised and 1 = null go out of line to
;; the table_get_lazy_init builtin, then the null check: uninitialized element); the signature
;; check comparing canonical type ids (fast path: one cmp), then the call through
;; VMFuncRef::wasm_call with the callee's vmctx.
(module
  (type $bin (func (param i32 i32) (result i32)))
  (table 4 funcref)
  (func $dispatch (export "dispatch") (param i32 i32 i32) (result i32)
    local.get 1 local.get 2 local.get 0 call_indirect (type $bin)))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $dispatch
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: push rbx
;;    5: sub rsp, 8
;;    9: mov r11, qword ptr [rdi + 8]
;;    d: cmp rsp, qword ptr [r11]
;;   10: jb 0x85
;;   16: mov edx, edx
;;   18: mov rax, qword ptr [rdi + 0x40]
;;   1c: cmp rdx, rax
;;   1f: jae 0x8b
;;   21: mov r9, qword ptr [rdi + 0x38]
;;   25: mov rax, qword ptr [r9 + rdx*8]
;;   29: cmp rax, 1
;;   2d: jbe 0x60
;;   2f: mov rdx, qword ptr [rdi + 0x18]
;;   33: mov edx, dword ptr [rdx]
;;   35: mov esi, dword ptr [rax + 0x10]
;;   38: cmp esi, edx
;;   3a: jne 0x89
;;   3c: mov r9, qword ptr [rax + 8]
;;   40: mov rax, qword ptr [rax + 0x18]
;;   44: mov r10, rdi
;;   47: mov rbx, rcx
;;   4a: mov rdi, rax
;;   4d: mov rsi, r10
;;   50: mov rdx, rbx
;;   53: mov rcx, r8
;;   56: call r9
;;   59: add rsp, 8
;;   5d: pop rbx
;;   5e: pop rbp
;;   5f: ret
;;   60: mov r10, rdi
;;   63: mov rbx, rcx
;;   66: xor esi, esi
;;   68: mov rax, qword ptr [r10 + 0x10]
;;   6c: mov rax, qword ptr [rax + 0x90]
;;   73: mov rdi, r10
;;   76: call rax
;;   78: test rax, rax
;;   7b: je 0x87
;;   7d: mov rdi, r10
;;   80: mov rcx, rbx
;;   83: jmp 0x25
;;   85: ud2
;;   87: ud2
;;   89: ud2
;;   8b: ud2
;;   trap 0x85: StackOverflow
;;   trap 0x87: IndirectCallToNull
;;   trap 0x89: BadSignature
;;   trap 0x8b: UndefinedElement
