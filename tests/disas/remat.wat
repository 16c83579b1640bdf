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
;;   18: jb 0xba
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
;;   66: add rax, r15
;;   69: add r14d, 1
;;   6d: cmp r14d, ebx
;;   70: jae 0xab
;;   72: mov rdi, qword ptr [rsp]
;;   76: mov r15, rax
;;   79: mov edx, 0x3e8
;;   7e: mov rax, rdi
;;   81: mov rdi, r13
;;   84: mov rsi, rax
;;   87: mov rcx, r14
;;   8a: call r12
;;   8d: mov rdi, r13
;;   90: mov rsi, qword ptr [rsp]
;;   94: mov edx, 0x3e8
;;   99: mov rcx, rax
;;   9c: call r12
;;   9f: add rax, r15
;;   a2: add r14d, 1
;;   a6: cmp r14d, ebx
;;   a9: jb 0x72
;;   ab: add rsp, 8
;;   af: pop r15
;;   b1: pop r14
;;   b3: pop r13
;;   b5: pop r12
;;   b7: pop rbx
;;   b8: pop rbp
;;   b9: ret
;;   ba: ud2
;;   trap 0xba: StackOverflow
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
;;   18: jb 0xac
;;   1e: mov rbx, rdx
;;   21: xor eax, eax
;;   23: mov r12, qword ptr [rdi + 0x50]
;;   27: mov r13, qword ptr [rdi + 0x60]
;;   2b: mov r14, rax
;;   2e: nop word ptr [rax + rax]
;;   37: nop word ptr [rax + rax]
;;   40: movsd xmm1, qword ptr [rip + 0x68]
;;   48: mulsd xmm0, xmm1
;;   4c: mov r15, rdi
;;   4f: mov rdi, r13
;;   52: mov rsi, r15
;;   55: call r12
;;   58: movsd xmm1, qword ptr [rip + 0x50]
;;   60: mulsd xmm0, xmm1
;;   64: add r14d, 1
;;   68: cmp r14d, ebx
;;   6b: jae 0x9d
;;   6d: mov rdi, r15
;;   70: movsd xmm1, qword ptr [rip + 0x38]
;;   78: mulsd xmm0, xmm1
;;   7c: mov r15, rdi
;;   7f: mov rdi, r13
;;   82: mov rsi, r15
;;   85: call r12
;;   88: movsd xmm1, qword ptr [rip + 0x20]
;;   90: mulsd xmm0, xmm1
;;   94: add r14d, 1
;;   98: cmp r14d, ebx
;;   9b: jb 0x6d
;;   9d: add rsp, 8
;;   a1: pop r15
;;   a3: pop r14
;;   a5: pop r13
;;   a7: pop r12
;;   a9: pop rbx
;;   aa: pop rbp
;;   ab: ret
;;   ac: ud2
;;   ae: int3
;;   af: int3
;;   b0: add byte ptr [rax], al
;;   b2: add byte ptr [rax], al
;;   b4: add byte ptr [rax], al
;;   b6: clc
;;   b7: .byte 0x3f
;;   b8: add byte ptr [rax], al
;;   ba: add byte ptr [rax], al
;;   bc: add byte ptr [rax], al
;;   be: add byte ptr [rax], al
;;   trap 0xac: StackOverflow
