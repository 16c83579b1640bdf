;; Rematerialisation of constants: a constant read on both sides of a call in a loop is
;; re-created after the call where it is read, instead of holding a callee-saved register
;; (saved and restored by the prologue) or being stored to a slot and reloaded: the argument
;; 1000 of both calls is written straight into edx before each, and the float 1.5, read before
;; and after the call (which clobbers every xmm register), is loaded from the constant pool
;; again after it.
;; opt: O2
(module
  (import "env" "f" (func $f (param i32 i32) (result i64)))
  (import "env" "g" (func $g (param f64) (result f64)))
  (func $ints (export "ints") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (loop $l
      (local.set $acc
        (i64.add (local.get $acc)
          (call $f (i32.const 1000)
            (i32.wrap_i64 (call $f (i32.const 1000) (local.get $i))))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $acc))
  (func $floats (export "floats") (param $n i32) (param $x f64) (result f64)
    (local $i i32)
    (loop $l
      (local.set $x (f64.mul (call $g (f64.mul (local.get $x) (f64.const 1.5))) (f64.const 1.5)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $x)))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 2 $ints
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
;;   18: jb 0xbc
;;   1e: mov qword ptr [rsp], rdi
;;   22: mov rbx, rdx
;;   25: xor eax, eax
;;   27: xor ecx, ecx
;;   29: mov r12, qword ptr [rdi + 0x38]
;;   2d: mov r13, qword ptr [rdi + 0x48]
;;   31: mov r15, rcx
;;   34: mov r14, rax
;;   37: nop word ptr [rax + rax]
;;   40: mov edx, 0x3e8
;;   45: mov rax, rdi
;;   48: mov rdi, r13
;;   4b: mov rsi, rax
;;   4e: mov rcx, r14
;;   51: call r12
;;   54: mov rdi, r13
;;   57: mov rsi, qword ptr [rsp]
;;   5b: mov edx, 0x3e8
;;   60: mov rcx, rax
;;   63: call r12
;;   66: lea rax, [r15 + rax]
;;   6a: lea r14d, [r14 + 1]
;;   6e: cmp r14d, ebx
;;   71: jae 0xad
;;   73: mov rdi, qword ptr [rsp]
;;   77: mov r15, rax
;;   7a: mov edx, 0x3e8
;;   7f: mov rax, rdi
;;   82: mov rdi, r13
;;   85: mov rsi, rax
;;   88: mov rcx, r14
;;   8b: call r12
;;   8e: mov rdi, r13
;;   91: mov rsi, qword ptr [rsp]
;;   95: mov edx, 0x3e8
;;   9a: mov rcx, rax
;;   9d: call r12
;;   a0: lea rax, [r15 + rax]
;;   a4: lea r14d, [r14 + 1]
;;   a8: cmp r14d, ebx
;;   ab: jb 0x73
;;   ad: add rsp, 8
;;   b1: pop r15
;;   b3: pop r14
;;   b5: pop r13
;;   b7: pop r12
;;   b9: pop rbx
;;   ba: pop rbp
;;   bb: ret
;;   bc: ud2
;;   trap 0xbc: StackOverflow
;; -O2 function 3 $floats
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
;;   18: jb 0x9c
;;   1e: mov rbx, rdx
;;   21: xor eax, eax
;;   23: mov r12, qword ptr [rdi + 0x50]
;;   27: mov r13, qword ptr [rdi + 0x60]
;;   2b: mov r14, rax
;;   2e: nop
;;   30: movsd xmm1, qword ptr [rip + 0x68]
;;   38: mulsd xmm0, xmm1
;;   3c: mov r15, rdi
;;   3f: mov rdi, r13
;;   42: mov rsi, r15
;;   45: call r12
;;   48: movsd xmm1, qword ptr [rip + 0x50]
;;   50: mulsd xmm0, xmm1
;;   54: lea r14d, [r14 + 1]
;;   58: cmp r14d, ebx
;;   5b: jae 0x8d
;;   5d: mov rdi, r15
;;   60: movsd xmm1, qword ptr [rip + 0x38]
;;   68: mulsd xmm0, xmm1
;;   6c: mov r15, rdi
;;   6f: mov rdi, r13
;;   72: mov rsi, r15
;;   75: call r12
;;   78: movsd xmm1, qword ptr [rip + 0x20]
;;   80: mulsd xmm0, xmm1
;;   84: lea r14d, [r14 + 1]
;;   88: cmp r14d, ebx
;;   8b: jb 0x5d
;;   8d: add rsp, 8
;;   91: pop r15
;;   93: pop r14
;;   95: pop r13
;;   97: pop r12
;;   99: pop rbx
;;   9a: pop rbp
;;   9b: ret
;;   9c: ud2
;;   9e: int3
;;   9f: int3
;;   a0: add byte ptr [rax], al
;;   a2: add byte ptr [rax], al
;;   a4: add byte ptr [rax], al
;;   a6: clc
;;   a7: .byte 0x3f
;;   a8: add byte ptr [rax], al
;;   aa: add byte ptr [rax], al
;;   ac: add byte ptr [rax], al
;;   ae: add byte ptr [rax], al
;;   trap 0x9c: StackOverflow
