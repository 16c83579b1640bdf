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
;;    e: jb 0xf0
;;   14: mov rcx, qword ptr [rdi + 0x20]
;;   18: xor esi, esi
;;   1a: mov rax, qword ptr [rdi + 0x20]
;;   1e: mov rax, qword ptr [rax]
;;   21: cmp rax, qword ptr [rdi + 0x28]
;;   25: jae 0xcc
;;   2b: mov r8, qword ptr [rdi + 0x38]
;;   2f: mov rax, rsi
;;   32: mov rsi, rdx
;;   35: mov rdx, rax
;;   38: nop dword ptr [rax + rax]
;;   40: mov rax, qword ptr [rcx]
;;   43: cmp rax, qword ptr [rdi + 0x28]
;;   47: jae 0xde
;;   4d: mov eax, esi
;;   4f: movzx eax, byte ptr [r8 + rax]
;;   54: mov eax, eax
;;   56: cmp rax, 3
;;   5a: jae 0xc7
;;   5c: lea r11, [rip + 0x91]
;;   63: movsxd rax, dword ptr [r11 + rax*4]
;;   67: add rax, r11
;;   6a: jmp rax
;;   6c: shl edx, 1
;;   6e: lea esi, [rsi + 1]
;;   71: mov rax, qword ptr [rcx]
;;   74: cmp rax, qword ptr [rdi + 0x28]
;;   78: jae 0xde
;;   7a: mov eax, esi
;;   7c: movzx eax, byte ptr [r8 + rax]
;;   81: mov eax, eax
;;   83: cmp rax, 3
;;   87: jae 0xc7
;;   89: lea r11, [rip + 0x64]
;;   90: movsxd rax, dword ptr [r11 + rax*4]
;;   94: add rax, r11
;;   97: jmp rax
;;   99: lea edx, [rdx + 1]
;;   9c: lea esi, [rsi + 1]
;;   9f: mov rax, qword ptr [rcx]
;;   a2: cmp rax, qword ptr [rdi + 0x28]
;;   a6: jae 0xde
;;   a8: mov eax, esi
;;   aa: movzx eax, byte ptr [r8 + rax]
;;   af: mov eax, eax
;;   b1: cmp rax, 3
;;   b5: jae 0xc7
;;   b7: lea r11, [rip + 0x36]
;;   be: movsxd rax, dword ptr [r11 + rax*4]
;;   c2: add rax, r11
;;   c5: jmp rax
;;   c7: mov rax, rdx
;;   ca: pop rbp
;;   cb: ret
;;   cc: mov rax, qword ptr [rdi + 0x10]
;;   d0: mov rax, qword ptr [rax + 0x88]
;;   d7: call rax
;;   d9: jmp 0x2b
;;   de: mov rax, qword ptr [rdi + 0x10]
;;   e2: mov rax, qword ptr [rax + 0x88]
;;   e9: call rax
;;   eb: jmp 0x4d
;;   f0: ud2
;;   f2: int3
;;   f3: int3
;;   f4: sar edi, cl
;;   f6: .byte 0xff
;;   f7: jmp qword ptr [rbp + 0x78ffffff]
;;   fd: .byte 0xff
;;   fe: .byte 0xff
;;   ff: .byte 0xff
;;   trap 0x4f: HeapOutOfBounds
;;   trap 0x7c: HeapOutOfBounds
;;   trap 0xaa: HeapOutOfBounds
;;   trap 0xf0: StackOverflow
