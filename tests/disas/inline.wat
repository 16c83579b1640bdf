;; Inlining (translate/code_translator.cc, inline_plan.h): $get and $scale are small leaf
;; callees, so $use's direct calls become their bodies and fold with the caller: no call, no
;; frame, the load's trap site belongs to the caller's code (and names $get's frame in a
;; backtrace). $calls calls on, which a small callee may not, but $use is its only call site,
;; so it is inlined there too; its own call of $loop stays a call (inlining is one level deep,
;; and $loop has a loop). All are exported, so each keeps its own compiled body as well.
(module
  (memory 1)
  (func $get (export "get") (param i32) (result i32) (i32.load offset=8 (local.get 0)))
  (func $scale (export "scale") (param i32 i32) (result i32)
    (if (result i32) (i32.eqz (local.get 1)) (then (local.get 0)) (else (i32.mul (local.get 0) (local.get 1)))))
  (func $loop (export "loop") (param i32) (result i32)
    (loop $l (br_if $l (i32.load (local.get 0))))
    (local.get 0))
  (func $calls (export "calls") (param i32) (result i32) (call $loop (local.get 0)))
  (func $use (param i32) (result i32)
    (i32.add (call $scale (call $get (local.get 0)) (i32.const 4))
             (call $calls (local.get 0))))
)

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $get
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov eax, edx
;;    6: mov rcx, qword ptr [rdi + 0x38]
;;    a: mov eax, dword ptr [rcx + rax + 8]
;;    e: pop rbp
;;    f: ret
;;   trap 0xa: HeapOutOfBounds
;; -O2 function 1 $scale
;;    0: test ecx, ecx
;;    2: je 0xb
;;    4: mov rax, rdx
;;    7: imul eax, ecx
;;    a: ret
;;    b: mov rax, rdx
;;    e: ret
;; -O2 function 2 $loop
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov eax, edx
;;    6: mov rcx, qword ptr [rdi + 0x38]
;;    a: nop word ptr [rax + rax]
;;   13: nop word ptr [rax + rax]
;;   1c: nop dword ptr [rax]
;;   20: mov esi, dword ptr [rcx + rax]
;;   23: test esi, esi
;;   25: jne 0x20
;;   27: mov rax, rdx
;;   2a: pop rbp
;;   2b: ret
;;   trap 0x20: HeapOutOfBounds
;; -O2 function 3 $calls
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x17
;;    d: mov rsi, rdi
;;   10: call 0x15
;;   15: pop rbp
;;   16: ret
;;   17: ud2
;;   trap 0x17: StackOverflow
;;   reloc 0x11: pcrel4 function 2 $loop -4
;; -O2 function 4 $use
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: push rbx
;;    5: sub rsp, 8
;;    9: mov r11, qword ptr [rdi + 8]
;;    d: cmp rsp, qword ptr [r11]
;;   10: jb 0x33
;;   12: mov eax, edx
;;   14: mov rcx, qword ptr [rdi + 0x38]
;;   18: mov eax, dword ptr [rcx + rax + 8]
;;   1c: mov rbx, rax
;;   1f: shl ebx, 2
;;   22: mov rsi, rdi
;;   25: call 0x2a
;;   2a: add eax, ebx
;;   2c: add rsp, 8
;;   30: pop rbx
;;   31: pop rbp
;;   32: ret
;;   33: ud2
;;   trap 0x18: HeapOutOfBounds
;;   trap 0x33: StackOverflow
;;   reloc 0x26: pcrel4 function 2 $loop -4
;;   inlined 0x18 (trap): function 0 $get
;;   inlined 0x2a (return address): function 3 $calls
