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
;;    b: jb 0xec
;;   11: mov rcx, qword ptr [rdi + 0x20]
;;   15: mov rax, qword ptr [rcx]
;;   18: cmp rax, qword ptr [rdi + 0x28]
;;   1c: jae 0xc8
;;   22: xor eax, eax
;;   24: mov rsi, qword ptr [rdi + 0x38]
;;   28: mov r8, rdx
;;   2b: mov rdx, rax
;;   2e: nop word ptr [rax + rax]
;;   37: nop word ptr [rax + rax]
;;   40: mov rax, qword ptr [rcx]
;;   43: cmp rax, qword ptr [rdi + 0x28]
;;   47: jae 0xda
;;   4d: mov eax, r8d
;;   50: movzx eax, byte ptr [rsi + rax]
;;   54: cmp rax, 3
;;   58: jae 0xc3
;;   5a: lea r11, [rip + 0x8f]
;;   61: movsxd rax, dword ptr [r11 + rax*4]
;;   65: add rax, r11
;;   68: jmp rax
;;   6a: shl edx, 1
;;   6c: add r8d, 1
;;   70: mov rax, qword ptr [rcx]
;;   73: cmp rax, qword ptr [rdi + 0x28]
;;   77: jae 0xda
;;   79: mov eax, r8d
;;   7c: movzx eax, byte ptr [rsi + rax]
;;   80: cmp rax, 3
;;   84: jae 0xc3
;;   86: lea r11, [rip + 0x63]
;;   8d: movsxd rax, dword ptr [r11 + rax*4]
;;   91: add rax, r11
;;   94: jmp rax
;;   96: add edx, 1
;;   99: add r8d, 1
;;   9d: mov rax, qword ptr [rcx]
;;   a0: cmp rax, qword ptr [rdi + 0x28]
;;   a4: jae 0xda
;;   a6: mov eax, r8d
;;   a9: movzx eax, byte ptr [rsi + rax]
;;   ad: cmp rax, 3
;;   b1: jae 0xc3
;;   b3: lea r11, [rip + 0x36]
;;   ba: movsxd rax, dword ptr [r11 + rax*4]
;;   be: add rax, r11
;;   c1: jmp rax
;;   c3: mov rax, rdx
;;   c6: pop rbp
;;   c7: ret
;;   c8: mov rax, qword ptr [rdi + 0x10]
;;   cc: mov rax, qword ptr [rax + 0x88]
;;   d3: call rax
;;   d5: jmp 0x22
;;   da: mov rax, qword ptr [rdi + 0x10]
;;   de: mov rax, qword ptr [rax + 0x88]
;;   e5: call rax
;;   e7: jmp 0x4d
;;   ec: ud2
;;   ee: int3
;;   ef: int3
;;   f0: sar edi, cl
;;   f2: .byte 0xff
;;   f3: jmp qword ptr [rsi + 0x7affffff]
;;   f9: .byte 0xff
;;   fa: .byte 0xff
;;   fb: .byte 0xff
;;   trap 0x50: HeapOutOfBounds
;;   trap 0x7c: HeapOutOfBounds
;;   trap 0xa9: HeapOutOfBounds
;;   trap 0xec: StackOverflow
