;; Loop idiom recognition at -O2 (opt/loop_idiom.cc): a byte fill loop and a byte copy loop
;; each get a branch-free guard in the preheader (trip count, no i32 wrap-around, the range
;; within the memory's current length, for the copy a memmove-compatible overlap) that calls
;; the memory_fill / memory_copy builtin through the vmctx's builtin table, and keep their
;; scalar loop (with its trap sites) for when the guard fails.
(module
  (memory 1)
  (func $fill (export "fill") (param $d i32) (param $v i32) (param $n i32)
    (local $i i32)
    (loop $l
      (i32.store8 (i32.add (local.get $d) (local.get $i)) (local.get $v))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
  (func $copy (export "copy") (param $d i32) (param $s i32) (param $n i32)
    (local $i i32)
    (loop $l
      (i32.store8 (i32.add (local.get $d) (local.get $i))
                  (i32.load8_u (i32.add (local.get $s) (local.get $i))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $fill
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: add r11, 0x20
;;    f: cmp rbp, r11
;;   12: jb 0xa9
;;   18: push rbx
;;   19: push r12
;;   1b: push r13
;;   1d: push r14
;;   1f: xor esi, esi
;;   21: mov rax, qword ptr [rdi + 0x38]
;;   25: mov r9d, r8d
;;   28: lea r9, [r9 - 1]
;;   2c: xor r10d, r10d
;;   2f: test r9, r9
;;   32: cmovg r10, r9
;;   36: lea r9, [r10 + 1]
;;   3a: cmp r9, 0x20
;;   3e: setae bl
;;   41: movzx ebx, bl
;;   44: mov r12, qword ptr [rdi + 0x40]
;;   48: mov r13d, edx
;;   4b: lea r10, [r13 + r10]
;;   50: mov r14d, 0xffffffff
;;   56: cmp r10, r14
;;   59: setbe r14b
;;   5d: movzx r14d, r14b
;;   61: and ebx, r14d
;;   64: lea r10, [r10 + 1]
;;   68: cmp r10, r12
;;   6b: setbe r10b
;;   6f: movzx r10d, r10b
;;   73: and ebx, r10d
;;   76: test bl, bl
;;   78: jne 0x90
;;   7a: nop word ptr [rax + rax]
;;   80: lea edi, [rdx + rsi]
;;   83: mov byte ptr [rax + rdi], cl
;;   86: lea esi, [rsi + 1]
;;   89: cmp esi, r8d
;;   8c: jae 0xa0
;;   8e: jmp 0x80
;;   90: mov rax, qword ptr [rdi + 0x10]
;;   94: mov rax, qword ptr [rax + 8]
;;   98: mov rdx, r13
;;   9b: mov r8, r9
;;   9e: call rax
;;   a0: pop r14
;;   a2: pop r13
;;   a4: pop r12
;;   a6: pop rbx
;;   a7: pop rbp
;;   a8: ret
;;   a9: ud2
;;   trap 0x83: HeapOutOfBounds
;;   trap 0xa9: StackOverflow
;; -O2 function 1 $copy
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: add r11, 0x40
;;    f: cmp rbp, r11
;;   12: jb 0x130
;;   18: push rbx
;;   19: push r12
;;   1b: push r13
;;   1d: push r14
;;   1f: push r15
;;   21: sub rsp, 0x18
;;   25: xor esi, esi
;;   27: mov qword ptr [rsp], rsi
;;   2b: mov rax, qword ptr [rdi + 0x38]
;;   2f: mov r9d, r8d
;;   32: lea r9, [r9 - 1]
;;   36: xor r10d, r10d
;;   39: test r9, r9
;;   3c: cmovg r10, r9
;;   40: lea r9, [r10 + 1]
;;   44: cmp r9, 0x20
;;   48: setae bl
;;   4b: movzx ebx, bl
;;   4e: mov qword ptr [rsp + 8], rbx
;;   53: mov r12, qword ptr [rdi + 0x40]
;;   57: mov r13d, edx
;;   5a: lea r14, [r13 + r10]
;;   5f: mov r15d, 0xffffffff
;;   65: cmp r14, r15
;;   68: setbe bl
;;   6b: movzx ebx, bl
;;   6e: mov rsi, qword ptr [rsp + 8]
;;   73: and esi, ebx
;;   75: lea rbx, [r14 + 1]
;;   79: cmp rbx, r12
;;   7c: setbe bl
;;   7f: movzx ebx, bl
;;   82: and esi, ebx
;;   84: mov ebx, ecx
;;   86: lea r10, [rbx + r10]
;;   8a: cmp r10, r15
;;   8d: setbe r14b
;;   91: movzx r14d, r14b
;;   95: and esi, r14d
;;   98: lea r10, [r10 + 1]
;;   9c: cmp r10, r12
;;   9f: setbe r10b
;;   a3: movzx r10d, r10b
;;   a7: and esi, r10d
;;   aa: lea r10, [r13 + r9]
;;   af: cmp r10, rbx
;;   b2: setbe r10b
;;   b6: movzx r10d, r10b
;;   ba: lea r12, [rbx + r9]
;;   be: cmp r13, r12
;;   c1: setae r12b
;;   c5: movzx r12d, r12b
;;   c9: or r12d, r10d
;;   cc: cmp r13, rbx
;;   cf: setbe r10b
;;   d3: movzx r10d, r10b
;;   d7: or r12d, r10d
;;   da: and esi, r12d
;;   dd: test sil, sil
;;   e0: jne 0x10a
;;   e2: mov rsi, qword ptr [rsp]
;;   e6: nop word ptr [rax + rax]
;;   ef: nop
;;   f0: lea edi, [rdx + rsi]
;;   f3: lea r9d, [rcx + rsi]
;;   f7: movzx r9d, byte ptr [rax + r9]
;;   fc: mov byte ptr [rax + rdi], r9b
;;  100: lea esi, [rsi + 1]
;;  103: cmp esi, r8d
;;  106: jae 0x121
;;  108: jmp 0xf0
;;  10a: mov rax, qword ptr [rdi + 0x10]
;;  10e: mov rax, qword ptr [rax + 0x10]
;;  112: mov rsi, qword ptr [rsp]
;;  116: mov rcx, rsi
;;  119: mov rdx, r13
;;  11c: mov r8, rbx
;;  11f: call rax
;;  121: add rsp, 0x18
;;  125: pop r15
;;  127: pop r14
;;  129: pop r13
;;  12b: pop r12
;;  12d: pop rbx
;;  12e: pop rbp
;;  12f: ret
;;  130: ud2
;;   trap 0xf7: HeapOutOfBounds
;;   trap 0xfc: HeapOutOfBounds
;;   trap 0x130: StackOverflow
