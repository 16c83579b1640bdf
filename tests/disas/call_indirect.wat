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
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: add r11, 0x10
;;    f: cmp rbp, r11
;;   12: jb 0x8c
;;   18: push rbx
;;   19: sub rsp, 8
;;   1d: mov edx, edx
;;   1f: mov rax, qword ptr [rdi + 0x40]
;;   23: cmp rdx, rax
;;   26: jae 0x92
;;   28: mov r9, qword ptr [rdi + 0x38]
;;   2c: mov rax, qword ptr [r9 + rdx*8]
;;   30: cmp rax, 1
;;   34: jbe 0x67
;;   36: mov rdx, qword ptr [rdi + 0x18]
;;   3a: mov edx, dword ptr [rdx]
;;   3c: mov esi, dword ptr [rax + 0x10]
;;   3f: cmp esi, edx
;;   41: jne 0x90
;;   43: mov r9, qword ptr [rax + 8]
;;   47: mov rax, qword ptr [rax + 0x18]
;;   4b: mov r10, rdi
;;   4e: mov rbx, rcx
;;   51: mov rdi, rax
;;   54: mov rsi, r10
;;   57: mov rdx, rbx
;;   5a: mov rcx, r8
;;   5d: call r9
;;   60: add rsp, 8
;;   64: pop rbx
;;   65: pop rbp
;;   66: ret
;;   67: mov r10, rdi
;;   6a: mov rbx, rcx
;;   6d: xor esi, esi
;;   6f: mov rax, qword ptr [r10 + 0x10]
;;   73: mov rax, qword ptr [rax + 0x90]
;;   7a: mov rdi, r10
;;   7d: call rax
;;   7f: test rax, rax
;;   82: je 0x8e
;;   84: mov rdi, r10
;;   87: mov rcx, rbx
;;   8a: jmp 0x2c
;;   8c: ud2
;;   8e: ud2
;;   90: ud2
;;   92: ud2
;;   trap 0x8c: StackOverflow
;;   trap 0x8e: IndirectCallToNull
;;   trap 0x90: BadSignature
;;   trap 0x92: UndefinedElement
