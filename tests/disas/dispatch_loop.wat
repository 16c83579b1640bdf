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
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0xdc
;;   11: mov rcx, qword ptr [rdi + 0x20]
;;   15: mov rax, qword ptr [rcx]
;;   18: cmp rax, qword ptr [rdi + 0x28]
;;   1c: jae 0xb8
;;   22: xor eax, eax
;;   24: mov rsi, qword ptr [rdi + 0x38]
;;   28: mov r8, rdx
;;   2b: mov rdx, rax
;;   2e: nop
;;   30: mov rax, qword ptr [rcx]
;;   33: cmp rax, qword ptr [rdi + 0x28]
;;   37: jae 0xca
;;   3d: mov eax, r8d
;;   40: movzx eax, byte ptr [rsi + rax]
;;   44: cmp rax, 3
;;   48: jae 0xb3
;;   4a: lea r11, [rip + 0x8f]
;;   51: movsxd rax, dword ptr [r11 + rax*4]
;;   55: add rax, r11
;;   58: jmp rax
;;   5a: shl edx, 1
;;   5c: lea r8d, [r8 + 1]
;;   60: mov rax, qword ptr [rcx]
;;   63: cmp rax, qword ptr [rdi + 0x28]
;;   67: jae 0xca
;;   69: mov eax, r8d
;;   6c: movzx eax, byte ptr [rsi + rax]
;;   70: cmp rax, 3
;;   74: jae 0xb3
;;   76: lea r11, [rip + 0x63]
;;   7d: movsxd rax, dword ptr [r11 + rax*4]
;;   81: add rax, r11
;;   84: jmp rax
;;   86: lea edx, [rdx + 1]
;;   89: lea r8d, [r8 + 1]
;;   8d: mov rax, qword ptr [rcx]
;;   90: cmp rax, qword ptr [rdi + 0x28]
;;   94: jae 0xca
;;   96: mov eax, r8d
;;   99: movzx eax, byte ptr [rsi + rax]
;;   9d: cmp rax, 3
;;   a1: jae 0xb3
;;   a3: lea r11, [rip + 0x36]
;;   aa: movsxd rax, dword ptr [r11 + rax*4]
;;   ae: add rax, r11
;;   b1: jmp rax
;;   b3: mov rax, rdx
;;   b6: pop rbp
;;   b7: ret
;;   b8: mov rax, qword ptr [rdi + 0x10]
;;   bc: mov rax, qword ptr [rax + 0x88]
;;   c3: call rax
;;   c5: jmp 0x22
;;   ca: mov rax, qword ptr [rdi + 0x10]
;;   ce: mov rax, qword ptr [rax + 0x88]
;;   d5: call rax
;;   d7: jmp 0x3d
;;   dc: ud2
;;   de: int3
;;   df: int3
;;   e0: sar edi, cl
;;   e2: .byte 0xff
;;   e3: jmp qword ptr [rsi + 0x7affffff]
;;   e9: .byte 0xff
;;   ea: .byte 0xff
;;   eb: .byte 0xff
;;   trap 0x40: HeapOutOfBounds
;;   trap 0x6c: HeapOutOfBounds
;;   trap 0x99: HeapOutOfBounds
;;   trap 0xdc: StackOverflow
