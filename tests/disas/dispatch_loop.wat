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
;;    e: jb 0xf6
;;   14: mov rcx, qword ptr [rdi + 0x20]
;;   18: mov rax, qword ptr [rcx]
;;   1b: cmp rax, qword ptr [rdi + 0x28]
;;   1f: jae 0xd2
;;   25: xor eax, eax
;;   27: mov rsi, qword ptr [rdi + 0x38]
;;   2b: mov r8, rdx
;;   2e: mov rdx, rax
;;   31: nop word ptr [rax + rax]
;;   3a: nop word ptr [rax + rax]
;;   40: mov rax, qword ptr [rcx]
;;   43: cmp rax, qword ptr [rdi + 0x28]
;;   47: jae 0xe4
;;   4d: mov eax, r8d
;;   50: movzx eax, byte ptr [rsi + rax]
;;   54: mov eax, eax
;;   56: cmp rax, 3
;;   5a: jae 0xcd
;;   60: lea r11, [rip + 0x91]
;;   67: movsxd rax, dword ptr [r11 + rax*4]
;;   6b: add rax, r11
;;   6e: jmp rax
;;   70: shl edx, 1
;;   72: lea r8d, [r8 + 1]
;;   76: mov rax, qword ptr [rcx]
;;   79: cmp rax, qword ptr [rdi + 0x28]
;;   7d: jae 0xe4
;;   7f: mov eax, r8d
;;   82: movzx eax, byte ptr [rsi + rax]
;;   86: mov eax, eax
;;   88: cmp rax, 3
;;   8c: jae 0xcd
;;   8e: lea r11, [rip + 0x63]
;;   95: movsxd rax, dword ptr [r11 + rax*4]
;;   99: add rax, r11
;;   9c: jmp rax
;;   9e: lea edx, [rdx + 1]
;;   a1: lea r8d, [r8 + 1]
;;   a5: mov rax, qword ptr [rcx]
;;   a8: cmp rax, qword ptr [rdi + 0x28]
;;   ac: jae 0xe4
;;   ae: mov eax, r8d
;;   b1: movzx eax, byte ptr [rsi + rax]
;;   b5: mov eax, eax
;;   b7: cmp rax, 3
;;   bb: jae 0xcd
;;   bd: lea r11, [rip + 0x34]
;;   c4: movsxd rax, dword ptr [r11 + rax*4]
;;   c8: add rax, r11
;;   cb: jmp rax
;;   cd: mov rax, rdx
;;   d0: pop rbp
;;   d1: ret
;;   d2: mov rax, qword ptr [rdi + 0x10]
;;   d6: mov rax, qword ptr [rax + 0x88]
;;   dd: call rax
;;   df: jmp 0x25
;;   e4: mov rax, qword ptr [rdi + 0x10]
;;   e8: mov rax, qword ptr [rax + 0x88]
;;   ef: call rax
;;   f1: jmp 0x4d
;;   f6: ud2
;;   f8: .byte 0xd5
;;   f9: .byte 0xff
;;   fa: .byte 0xff
;;   fb: jmp qword ptr [rsi + 0x78ffffff]
;;  101: .byte 0xff
;;  102: .byte 0xff
;;  103: .byte 0xff
;;   trap 0x50: HeapOutOfBounds
;;   trap 0x82: HeapOutOfBounds
;;   trap 0xb1: HeapOutOfBounds
;;   trap 0xf6: StackOverflow
