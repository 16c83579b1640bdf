;; call_indirect through a table that cannot grow (maximum = minimum, as LLVM emits): the
;; bounds check compares with an immediate instead of loading the length, and the element
;; array's address is loaded once before the loop (it never moves), not after every call.
(module
  (type $un (func (param i32) (result i32)))
  (table 8 8 funcref)
  (func $sum (export "sum") (param $n i32) (result i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s)
        (call_indirect (type $un) (local.get $n) (i32.and (local.get $n) (i32.const 7)))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $s)))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $sum
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: push rbx
;;    5: push r12
;;    7: push r13
;;    9: push r14
;;    b: push r15
;;    d: sub rsp, 8
;;   11: mov r11, qword ptr [rdi + 8]
;;   15: cmp rsp, qword ptr [r11]
;;   18: jb 0xac
;;   1e: mov qword ptr [rsp], rdi
;;   22: xor ebx, ebx
;;   24: mov r12, qword ptr [rdi + 0x38]
;;   28: mov rax, qword ptr [rdi + 0x18]
;;   2c: mov r13d, dword ptr [rax]
;;   2f: mov r15, rbx
;;   32: mov r14, rdx
;;   35: nop word ptr [rax + rax]
;;   3e: nop
;;   40: mov rdx, r14
;;   43: and edx, 7
;;   46: cmp rdx, 8
;;   4a: jae 0xb2
;;   4c: mov rax, qword ptr [r12 + rdx*8]
;;   50: cmp rax, 1
;;   54: jbe 0x95
;;   56: mov ecx, dword ptr [rax + 0x10]
;;   59: cmp ecx, r13d
;;   5c: jne 0xb0
;;   5e: mov rcx, qword ptr [rax + 8]
;;   62: mov rax, qword ptr [rax + 0x18]
;;   66: mov rsi, rdi
;;   69: mov rdi, rax
;;   6c: mov rdx, r14
;;   6f: call rcx
;;   71: add eax, r15d
;;   74: add r14d, -1
;;   78: test r14d, r14d
;;   7b: je 0x86
;;   7d: mov rdi, qword ptr [rsp]
;;   81: mov r15, rax
;;   84: jmp 0x40
;;   86: add rsp, 8
;;   8a: pop r15
;;   8c: pop r14
;;   8e: pop r13
;;   90: pop r12
;;   92: pop rbx
;;   93: pop rbp
;;   94: ret
;;   95: mov rax, qword ptr [rdi + 0x10]
;;   99: mov rax, qword ptr [rax + 0x90]
;;   a0: mov rsi, rbx
;;   a3: call rax
;;   a5: test rax, rax
;;   a8: je 0xae
;;   aa: jmp 0x4c
;;   ac: ud2
;;   ae: ud2
;;   b0: ud2
;;   b2: ud2
;;   trap 0xac: StackOverflow
;;   trap 0xae: IndirectCallToNull
;;   trap 0xb0: BadSignature
;;   trap 0xb2: UndefinedElement
