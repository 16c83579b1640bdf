;; call_indirect: table bounds check (undefined element), null check (uninitialized element)
;; and the signature check comparing canonical type ids (fast path: one cmp), then the call
;; through VMFuncRef::wasm_call with the callee's vmctx.
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
;;    b: cmp rbp, r11
;;    e: jb 0x4e
;;   10: mov eax, edx
;;   12: mov rdx, qword ptr [rdi + 0x38]
;;   16: cmp rax, rdx
;;   19: jae 0x54
;;   1b: mov rdx, qword ptr [rdi + 0x30]
;;   1f: mov rax, qword ptr [rdx + rax*8]
;;   23: test rax, rax
;;   26: je 0x50
;;   28: mov rdx, qword ptr [rdi + 0x18]
;;   2c: mov edx, dword ptr [rdx]
;;   2e: mov esi, dword ptr [rax + 0x10]
;;   31: cmp esi, edx
;;   33: jne 0x52
;;   35: mov r9, qword ptr [rax + 8]
;;   39: mov rax, qword ptr [rax + 0x18]
;;   3d: mov rsi, rdi
;;   40: mov rdx, rcx
;;   43: mov rdi, rax
;;   46: mov rcx, r8
;;   49: call r9
;;   4c: pop rbp
;;   4d: ret
;;   4e: ud2
;;   50: ud2
;;   52: ud2
;;   54: ud2
;;   trap 0x4e: StackOverflow
;;   trap 0x50: IndirectCallToNull
;;   trap 0x52: BadSignature
;;   trap 0x54: UndefinedElement
