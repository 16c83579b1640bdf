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
;;    4: push rbx
;;    5: push r12
;;    7: push r13
;;    9: push r14
;;    b: mov r11, qword ptr [rdi + 8]
;;    f: cmp rsp, qword ptr [r11]
;;   12: jb 0xa9
;;   18: xor esi, esi
;;   1a: mov rax, qword ptr [rdi + 0x38]
;;   1e: mov r9d, r8d
;;   21: add r9, -1
;;   25: xor r10d, r10d
;;   28: test r9, r9
;;   2b: cmovg r10, r9
;;   2f: lea r9, [r10 + 1]
;;   33: cmp r9, 0x20
;;   37: setae bl
;;   3a: movzx ebx, bl
;;   3d: mov r12, qword ptr [rdi + 0x40]
;;   41: mov r13d, edx
;;   44: add r10, r13
;;   47: mov r14d, 0xffffffff
;;   4d: cmp r10, r14
;;   50: setbe r14b
;;   54: movzx r14d, r14b
;;   58: and ebx, r14d
;;   5b: add r10, 1
;;   5f: cmp r10, r12
;;   62: setbe r10b
;;   66: movzx r10d, r10b
;;   6a: and ebx, r10d
;;   6d: test bl, bl
;;   6f: jne 0x90
;;   71: nop word ptr [rax + rax]
;;   7a: nop word ptr [rax + rax]
;;   80: lea edi, [rdx + rsi]
;;   83: mov byte ptr [rax + rdi], cl
;;   86: add esi, 1
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
;;    4: push rbx
;;    5: push r12
;;    7: push r13
;;    9: push r14
;;    b: push r15
;;    d: sub rsp, 8
;;   11: mov r11, qword ptr [rdi + 8]
;;   15: cmp rsp, qword ptr [r11]
;;   18: jb 0x11e
;;   1e: xor esi, esi
;;   20: mov rax, qword ptr [rdi + 0x38]
;;   24: mov r9d, r8d
;;   27: add r9, -1
;;   2b: xor r10d, r10d
;;   2e: test r9, r9
;;   31: cmovg r10, r9
;;   35: lea r9, [r10 + 1]
;;   39: cmp r9, 0x20
;;   3d: setae bl
;;   40: movzx ebx, bl
;;   43: mov r12, qword ptr [rdi + 0x40]
;;   47: mov r13d, edx
;;   4a: lea r14, [r13 + r10]
;;   4f: mov r15d, 0xffffffff
;;   55: cmp r14, r15
;;   58: setbe sil
;;   5c: movzx esi, sil
;;   60: and ebx, esi
;;   62: lea rsi, [r14 + 1]
;;   66: cmp rsi, r12
;;   69: setbe sil
;;   6d: movzx esi, sil
;;   71: and ebx, esi
;;   73: mov r14d, ecx
;;   76: lea rsi, [r14 + r10]
;;   7a: cmp rsi, r15
;;   7d: setbe r10b
;;   81: movzx r10d, r10b
;;   85: and ebx, r10d
;;   88: add rsi, 1
;;   8c: cmp rsi, r12
;;   8f: setbe sil
;;   93: movzx esi, sil
;;   97: and ebx, esi
;;   99: lea rsi, [r13 + r9]
;;   9e: cmp rsi, r14
;;   a1: setbe sil
;;   a5: movzx esi, sil
;;   a9: lea r10, [r14 + r9]
;;   ad: cmp r13, r10
;;   b0: setae r10b
;;   b4: movzx r10d, r10b
;;   b8: or r10d, esi
;;   bb: cmp r13, r14
;;   be: setbe sil
;;   c2: movzx esi, sil
;;   c6: or r10d, esi
;;   c9: and ebx, r10d
;;   cc: test bl, bl
;;   ce: jne 0xfa
;;   d0: xor esi, esi
;;   d2: nop word ptr [rax + rax]
;;   db: nop dword ptr [rax + rax]
;;   e0: lea edi, [rdx + rsi]
;;   e3: lea r9d, [rcx + rsi]
;;   e7: movzx r9d, byte ptr [rax + r9]
;;   ec: mov byte ptr [rax + rdi], r9b
;;   f0: add esi, 1
;;   f3: cmp esi, r8d
;;   f6: jae 0x10f
;;   f8: jmp 0xe0
;;   fa: mov rax, qword ptr [rdi + 0x10]
;;   fe: mov rax, qword ptr [rax + 0x10]
;;  102: xor esi, esi
;;  104: mov rcx, rsi
;;  107: mov rdx, r13
;;  10a: mov r8, r14
;;  10d: call rax
;;  10f: add rsp, 8
;;  113: pop r15
;;  115: pop r14
;;  117: pop r13
;;  119: pop r12
;;  11b: pop rbx
;;  11c: pop rbp
;;  11d: ret
;;  11e: ud2
;;   trap 0xe7: HeapOutOfBounds
;;   trap 0xec: HeapOutOfBounds
;;   trap 0x11e: StackOverflow
