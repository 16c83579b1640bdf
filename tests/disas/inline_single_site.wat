;; Single-call-site inlining (translate/inline_plan.h): $mix calls on, which a small callee
;; may not, but $hash is its only call site and nothing else reaches it, so its code
;; moves into $hash (which keeps the call of $finish: inlining is one level deep) and its own
;; compiled body is a stub that traps. $shared has two call sites: it stays a call.
(module
  (memory 1)
  (func $finish (param i32) (result i32)
    (loop $l (br_if $l (i32.eqz (i32.load (local.get 0)))))
    (local.get 0))
  (func $shared (param i32) (result i32)
    (loop $l (br_if $l (i32.eqz (i32.load (local.get 0)))))
    (i32.load offset=4 (local.get 0)))
  (func $mix (param i32 i32) (result i32)
    (local i32)
    (local.set 2 (i32.xor (local.get 0) (i32.rotl (local.get 1) (i32.const 5))))
    (local.set 2 (i32.add (local.get 2) (i32.mul (local.get 1) (i32.const 0x9e3779b9))))
    (local.set 2 (i32.xor (local.get 2) (i32.shr_u (local.get 2) (i32.const 15))))
    (local.set 2 (i32.mul (local.get 2) (i32.const 0x85ebca6b)))
    (local.set 2 (i32.xor (local.get 2) (i32.shr_u (local.get 2) (i32.const 13))))
    (local.set 2 (i32.mul (local.get 2) (i32.const 0xc2b2ae35)))
    (local.set 2 (i32.xor (local.get 2) (i32.shr_u (local.get 2) (i32.const 16))))
    (i32.add (local.get 2) (call $finish (local.get 0))))
  (func $hash (export "hash") (param i32 i32) (result i32)
    (i32.add (call $mix (local.get 0) (local.get 1))
             (i32.add (call $shared (local.get 0)) (call $shared (local.get 1)))))
)

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $finish
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov eax, edx
;;    6: mov rcx, qword ptr [rdi + 0x38]
;;    a: nop word ptr [rax + rax]
;;   13: nop word ptr [rax + rax]
;;   1c: nop dword ptr [rax]
;;   20: mov esi, dword ptr [rcx + rax]
;;   23: test esi, esi
;;   25: je 0x20
;;   27: mov rax, rdx
;;   2a: pop rbp
;;   2b: ret
;;   trap 0x20: HeapOutOfBounds
;; -O2 function 1 $shared
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov eax, edx
;;    6: mov rcx, qword ptr [rdi + 0x38]
;;    a: nop word ptr [rax + rax]
;;   13: nop word ptr [rax + rax]
;;   1c: nop dword ptr [rax]
;;   20: mov edx, dword ptr [rcx + rax]
;;   23: test edx, edx
;;   25: je 0x20
;;   27: mov eax, dword ptr [rcx + rax + 4]
;;   2b: pop rbp
;;   2c: ret
;;   trap 0x20: HeapOutOfBounds
;;   trap 0x27: HeapOutOfBounds
;; -O2 function 2 $mix
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: ud2
;;   trap 0x4: Unreachable
;; -O2 function 3 $hash
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: push rbx
;;    5: push r12
;;    7: sub rsp, 0x20
;;    b: mov r11, qword ptr [rdi + 8]
;;    f: cmp rsp, qword ptr [r11]
;;   12: jb 0xa3
;;   18: mov qword ptr [rsp], rdi
;;   1c: mov qword ptr [rsp + 0x10], rdx
;;   21: mov qword ptr [rsp + 8], rcx
;;   26: mov rax, rcx
;;   29: rol eax, 5
;;   2c: xor eax, edx
;;   2e: imul esi, ecx, 0x9e3779b9
;;   34: add eax, esi
;;   36: mov rsi, rax
;;   39: shr esi, 0xf
;;   3c: xor eax, esi
;;   3e: imul eax, eax, 0x85ebca6b
;;   44: mov rsi, rax
;;   47: shr esi, 0xd
;;   4a: xor eax, esi
;;   4c: imul eax, eax, 0xc2b2ae35
;;   52: mov rsi, rax
;;   55: shr esi, 0x10
;;   58: mov rbx, rax
;;   5b: xor ebx, esi
;;   5d: mov rsi, rdi
;;   60: call 0x65
;;   65: add ebx, eax
;;   67: mov r12, qword ptr [rsp]
;;   6b: mov rsi, r12
;;   6e: mov rdi, r12
;;   71: mov rdx, qword ptr [rsp + 0x10]
;;   76: call 0x7b
;;   7b: mov qword ptr [rsp + 0x10], rax
;;   80: mov rsi, r12
;;   83: mov rdi, r12
;;   86: mov rdx, qword ptr [rsp + 8]
;;   8b: call 0x90
;;   90: mov r11, qword ptr [rsp + 0x10]
;;   95: add eax, r11d
;;   98: add eax, ebx
;;   9a: add rsp, 0x20
;;   9e: pop r12
;;   a0: pop rbx
;;   a1: pop rbp
;;   a2: ret
;;   a3: ud2
;;   trap 0xa3: StackOverflow
;;   reloc 0x61: pcrel4 function 0 $finish -4
;;   reloc 0x77: pcrel4 function 1 $shared -4
;;   reloc 0x8c: pcrel4 function 1 $shared -4
;;   inlined 0x65 (return address): function 2 $mix
