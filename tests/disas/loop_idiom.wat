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
;;    b: add r11, 0x30
;;    f: cmp rbp, r11
;;   12: jb 0x120
;;   18: push rbx
;;   19: push r12
;;   1b: push r13
;;   1d: push r14
;;   1f: push r15
;;   21: sub rsp, 8
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
;;   4e: mov r12, qword ptr [rdi + 0x40]
;;   52: mov r13d, edx
;;   55: lea r14, [r13 + r10]
;;   5a: mov r15d, 0xffffffff
;;   60: cmp r14, r15
;;   63: setbe sil
;;   67: movzx esi, sil
;;   6b: and ebx, esi
;;   6d: lea rsi, [r14 + 1]
;;   71: cmp rsi, r12
;;   74: setbe sil
;;   78: movzx esi, sil
;;   7c: and ebx, esi
;;   7e: mov r14d, ecx
;;   81: lea rsi, [r14 + r10]
;;   85: cmp rsi, r15
;;   88: setbe r10b
;;   8c: movzx r10d, r10b
;;   90: and ebx, r10d
;;   93: lea rsi, [rsi + 1]
;;   97: cmp rsi, r12
;;   9a: setbe sil
;;   9e: movzx esi, sil
;;   a2: and ebx, esi
;;   a4: lea rsi, [r13 + r9]
;;   a9: cmp rsi, r14
;;   ac: setbe sil
;;   b0: movzx esi, sil
;;   b4: lea r10, [r14 + r9]
;;   b8: cmp r13, r10
;;   bb: setae r10b
;;   bf: movzx r10d, r10b
;;   c3: or r10d, esi
;;   c6: cmp r13, r14
;;   c9: setbe sil
;;   cd: movzx esi, sil
;;   d1: or r10d, esi
;;   d4: and ebx, r10d
;;   d7: test bl, bl
;;   d9: jne 0xfa
;;   db: mov rsi, qword ptr [rsp]
;;   df: nop
;;   e0: lea edi, [rdx + rsi]
;;   e3: lea r9d, [rcx + rsi]
;;   e7: movzx r9d, byte ptr [rax + r9]
;;   ec: mov byte ptr [rax + rdi], r9b
;;   f0: lea esi, [rsi + 1]
;;   f3: cmp esi, r8d
;;   f6: jae 0x111
;;   f8: jmp 0xe0
;;   fa: mov rax, qword ptr [rdi + 0x10]
;;   fe: mov rax, qword ptr [rax + 0x10]
;;  102: mov rsi, qword ptr [rsp]
;;  106: mov rcx, rsi
;;  109: mov rdx, r13
;;  10c: mov r8, r14
;;  10f: call rax
;;  111: add rsp, 8
;;  115: pop r15
;;  117: pop r14
;;  119: pop r13
;;  11b: pop r12
;;  11d: pop rbx
;;  11e: pop rbp
;;  11f: ret
;;  120: ud2
;;   trap 0xe7: HeapOutOfBounds
;;   trap 0xec: HeapOutOfBounds
;;   trap 0x120: StackOverflow
