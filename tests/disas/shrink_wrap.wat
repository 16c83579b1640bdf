;; Shrink-wrapping (isa/x64/emit.cc): $fib's early exit (k < 2, its own copy of the shared
;; `return k + acc` after tail duplication, folded to `return k`) runs before the frame exists
;; and returns with a bare ret; the frame (push rbp, the callee-saved pushes, the stack-limit
;; check, the vmctx spill) is set up on the edge into the loop only. Its loop is rotated: the
;; latch (the vmctx reload) ends in a copy of the loop body whose compare branches back to the
;; latch and falls through to the exit. $load's early exit is frameless too, while its load (a
;; trap site) stays behind the frame, which as a leaf's small frame has no stack-limit check. $mix makes no call and touches no memory: no frame at
;; all. $f's early exit gets k from the allocator in rbx (where k lives across the framed
;; path's first call); the frameless copy renames it to a caller-saved register it does not
;; otherwise use.
;; opt: O2
;; inlining: off
(module
  (memory 1)
  (func $fib (export "fib") (param $k i32) (result i32)
    (local $acc i32)
    (if (i32.lt_u (local.get $k) (i32.const 2)) (then (return (local.get $k))))
    (loop $again
      (local.set $acc (i32.add (local.get $acc)
        (call $fib (i32.sub (local.get $k) (i32.const 1)))))
      (local.set $k (i32.sub (local.get $k) (i32.const 2)))
      (br_if $again (i32.gt_u (local.get $k) (i32.const 1))))
    (i32.add (local.get $k) (local.get $acc)))
  (func $load (export "load") (param $p i32) (result i32)
    (if (result i32) (i32.eqz (local.get $p))
      (then (i32.const -1))
      (else (i32.load (local.get $p)))))
  (func $g (param $k i32) (result i32)
    (i32.div_u (i32.const 100) (i32.sub (local.get $k) (i32.const 5))))
  (func $f (export "f") (param $k i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $k) (i32.const 2))
      (then (local.get $k))
      (else (i32.add (call $f (i32.sub (local.get $k) (i32.const 1))) (call $g (local.get $k))))))
  (func $mix (export "mix") (param $a i32) (param $b i32) (result i32)
    (select (i32.rotl (local.get $a) (local.get $b)) (i32.mul (local.get $b) (i32.const 3))
            (i32.lt_s (local.get $a) (local.get $b)))))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $fib
;;    0: xor eax, eax
;;    2: cmp edx, 2
;;    5: jb 0x7d
;;    b: push rbp
;;    c: mov rbp, rsp
;;    f: push rbx
;;   10: push r12
;;   12: sub rsp, 0x10
;;   16: mov r11, qword ptr [rdi + 8]
;;   1a: cmp rsp, qword ptr [r11]
;;   1d: jb 0x81
;;   23: mov qword ptr [rsp], rdi
;;   27: mov r12, rax
;;   2a: mov rbx, rdx
;;   2d: nop word ptr [rax + rax]
;;   36: nop word ptr [rax + rax]
;;   3f: nop
;;   40: lea edx, [rbx - 1]
;;   43: mov rsi, rdi
;;   46: call 0x4b
;;   4b: add r12d, eax
;;   4e: add ebx, -2
;;   51: cmp ebx, 1
;;   54: jbe 0x70
;;   56: mov rdi, qword ptr [rsp]
;;   5a: lea edx, [rbx - 1]
;;   5d: mov rsi, rdi
;;   60: call 0x65
;;   65: add r12d, eax
;;   68: add ebx, -2
;;   6b: cmp ebx, 1
;;   6e: ja 0x56
;;   70: lea eax, [rbx + r12]
;;   74: add rsp, 0x10
;;   78: pop r12
;;   7a: pop rbx
;;   7b: pop rbp
;;   7c: ret
;;   7d: mov rax, rdx
;;   80: ret
;;   81: ud2
;;   trap 0x81: StackOverflow
;;   reloc 0x47: pcrel4 function 0 $fib -4
;;   reloc 0x61: pcrel4 function 0 $fib -4
;; -O2 function 1 $load
;;    0: test edx, edx
;;    2: je 0x13
;;    4: push rbp
;;    5: mov rbp, rsp
;;    8: mov eax, edx
;;    a: mov rcx, qword ptr [rdi + 0x38]
;;    e: mov eax, dword ptr [rcx + rax]
;;   11: pop rbp
;;   12: ret
;;   13: mov eax, 0xffffffff
;;   18: ret
;;   trap 0xe: HeapOutOfBounds
;; -O2 function 2 $g
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov eax, 0x64
;;    9: lea ecx, [rdx - 5]
;;    c: test ecx, ecx
;;    e: je 0x16
;;   10: xor edx, edx
;;   12: div ecx
;;   14: pop rbp
;;   15: ret
;;   16: ud2
;;   trap 0x16: IntegerDivisionByZero
;; -O2 function 3 $f
;;    0: cmp edx, 2
;;    3: jb 0x4f
;;    5: push rbp
;;    6: mov rbp, rsp
;;    9: push rbx
;;    a: sub rsp, 0x18
;;    e: mov r11, qword ptr [rdi + 8]
;;   12: cmp rsp, qword ptr [r11]
;;   15: jb 0x56
;;   17: mov qword ptr [rsp], rdi
;;   1b: lea eax, [rdx - 1]
;;   1e: mov rsi, rdi
;;   21: mov rbx, rdx
;;   24: mov rdx, rax
;;   27: call 0x2c
;;   2c: mov qword ptr [rsp + 8], rax
;;   31: mov rdi, qword ptr [rsp]
;;   35: mov rsi, rdi
;;   38: mov rdx, rbx
;;   3b: call 0x40
;;   40: mov r11, qword ptr [rsp + 8]
;;   45: add eax, r11d
;;   48: add rsp, 0x18
;;   4c: pop rbx
;;   4d: pop rbp
;;   4e: ret
;;   4f: mov rcx, rdx
;;   52: mov rax, rcx
;;   55: ret
;;   56: ud2
;;   trap 0x56: StackOverflow
;;   reloc 0x28: pcrel4 function 3 $f -4
;;   reloc 0x3c: pcrel4 function 2 $g -4
;; -O2 function 4 $mix
;;    0: mov rax, rdx
;;    3: rol eax, cl
;;    5: mov rsi, rcx
;;    8: shl esi, 1
;;    a: add esi, ecx
;;    c: cmp edx, ecx
;;    e: cmovl esi, eax
;;   11: mov rax, rsi
;;   14: ret
