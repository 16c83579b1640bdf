;; A switch-dispatch loop (an interpreter's `for (;;) switch (code[pc])`): every case that jumps
;; back to the loop header gets its own copy of the header's epoch check, opcode fetch and
;; jump-table dispatch, ending in its own `jmp reg` (emit.cc, "Dispatch duplication"), so each
;; indirect jump is predicted from its own history. The copies share one jump table, one slow
;; path for the epoch check and one out-of-range default; each fetch keeps its trap site.
;; opt: O2
;; limits: epoch
(module
  (memory 1)
  (func $run (export "run") (param $pc i32) (result i32) (local $acc i32)
    block $done
    loop $next
      block $dbl block $inc
        local.get $pc
        i32.load8_u
        br_table $done $inc $dbl $done
      end  ;; inc
      (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
      (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
      br $next
      end  ;; dbl
      (local.set $acc (i32.shl (local.get $acc) (i32.const 1)))
      (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
      br $next
    end
    end
    local.get $acc))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $run
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0xe0
;;   14: xor ecx, ecx
;;   16: mov rsi, qword ptr [rdi + 0x20]
;;   1a: mov rax, qword ptr [rsi]
;;   1d: cmp rax, qword ptr [rdi + 0x28]
;;   21: jae 0xbc
;;   27: mov r8, qword ptr [rdi + 0x38]
;;   2b: nop dword ptr [rax + rax]
;;   30: mov rax, qword ptr [rsi]
;;   33: cmp rax, qword ptr [rdi + 0x28]
;;   37: jae 0xce
;;   3d: mov eax, edx
;;   3f: movzx eax, byte ptr [r8 + rax]
;;   44: mov eax, eax
;;   46: cmp rax, 3
;;   4a: jae 0xb7
;;   4c: lea r11, [rip + 0x91]
;;   53: movsxd rax, dword ptr [r11 + rax*4]
;;   57: add rax, r11
;;   5a: jmp rax
;;   5c: shl ecx, 1
;;   5e: lea edx, [rdx + 1]
;;   61: mov rax, qword ptr [rsi]
;;   64: cmp rax, qword ptr [rdi + 0x28]
;;   68: jae 0xce
;;   6a: mov eax, edx
;;   6c: movzx eax, byte ptr [r8 + rax]
;;   71: mov eax, eax
;;   73: cmp rax, 3
;;   77: jae 0xb7
;;   79: lea r11, [rip + 0x64]
;;   80: movsxd rax, dword ptr [r11 + rax*4]
;;   84: add rax, r11
;;   87: jmp rax
;;   89: lea ecx, [rcx + 1]
;;   8c: lea edx, [rdx + 1]
;;   8f: mov rax, qword ptr [rsi]
;;   92: cmp rax, qword ptr [rdi + 0x28]
;;   96: jae 0xce
;;   98: mov eax, edx
;;   9a: movzx eax, byte ptr [r8 + rax]
;;   9f: mov eax, eax
;;   a1: cmp rax, 3
;;   a5: jae 0xb7
;;   a7: lea r11, [rip + 0x36]
;;   ae: movsxd rax, dword ptr [r11 + rax*4]
;;   b2: add rax, r11
;;   b5: jmp rax
;;   b7: mov rax, rcx
;;   ba: pop rbp
;;   bb: ret
;;   bc: mov rax, qword ptr [rdi + 0x10]
;;   c0: mov rax, qword ptr [rax + 0x88]
;;   c7: call rax
;;   c9: jmp 0x27
;;   ce: mov rax, qword ptr [rdi + 0x10]
;;   d2: mov rax, qword ptr [rax + 0x88]
;;   d9: call rax
;;   db: jmp 0x3d
;;   e0: ud2
;;   e2: int3
;;   e3: int3
;;   e4: sar edi, cl
;;   e6: .byte 0xff
;;   e7: jmp qword ptr [rbp + 0x78ffffff]
;;   ed: .byte 0xff
;;   ee: .byte 0xff
;;   ef: .byte 0xff
;;   trap 0x3f: HeapOutOfBounds
;;   trap 0x6c: HeapOutOfBounds
;;   trap 0x9a: HeapOutOfBounds
;;   trap 0xe0: StackOverflow
