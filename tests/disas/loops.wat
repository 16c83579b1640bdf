;; Loops: a counted loop keeps its induction variable and sum in registers, with the
;; compare+branch at the bottom; a memory-summing loop uses an indexed address mode.
;; opt: O0 O2
(module
  (memory 1)
  (func $sum_to (export "sum_to") (param i32) (result i32) (local $i i32) (local $s i32)
    block $done
      loop $top
        local.get $i local.get 0 i32.ge_u br_if $done
        local.get $s local.get $i i32.add local.set $s
        local.get $i i32.const 1 i32.add local.set $i
        br $top
      end
    end
    local.get $s)
  (func $sum_mem (export "sum_mem") (param i32 i32) (result i64) (local $acc i64)
    loop $top
      local.get $acc local.get 0 i64.load i64.add local.set $acc
      local.get 0 i32.const 8 i32.add local.set 0
      local.get 1 i32.const 1 i32.sub local.tee 1
      br_if $top
    end
    local.get $acc))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O0 function 0 $sum_to
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x2e
;;   10: xor eax, eax
;;   12: xor ecx, ecx
;;   14: mov rsi, rcx
;;   17: mov rcx, rax
;;   1a: mov rax, rsi
;;   1d: nop dword ptr [rax]
;;   20: cmp ecx, edx
;;   22: jae 0x2c
;;   24: lea eax, [rax + rcx]
;;   27: lea ecx, [rcx + 1]
;;   2a: jmp 0x20
;;   2c: pop rbp
;;   2d: ret
;;   2e: ud2
;;   trap 0x2e: StackOverflow
;; -O0 function 1 $sum_mem
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x3d
;;   10: xor eax, eax
;;   12: mov rsi, rdx
;;   15: mov rdx, rax
;;   18: mov rax, rcx
;;   1b: mov rcx, rsi
;;   1e: nop
;;   20: mov esi, ecx
;;   22: mov r8, qword ptr [rdi + 0x38]
;;   26: mov rsi, qword ptr [r8 + rsi]
;;   2a: lea rdx, [rdx + rsi]
;;   2e: lea ecx, [rcx + 8]
;;   31: lea eax, [rax - 1]
;;   34: test eax, eax
;;   36: jne 0x20
;;   38: mov rax, rdx
;;   3b: pop rbp
;;   3c: ret
;;   3d: ud2
;;   trap 0x26: HeapOutOfBounds
;;   trap 0x3d: StackOverflow
;; -O2 function 0 $sum_to
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x2e
;;   10: xor eax, eax
;;   12: mov rcx, rax
;;   15: nop word ptr [rax + rax]
;;   1e: nop
;;   20: cmp ecx, edx
;;   22: jae 0x2c
;;   24: lea eax, [rax + rcx]
;;   27: lea ecx, [rcx + 1]
;;   2a: jmp 0x20
;;   2c: pop rbp
;;   2d: ret
;;   2e: ud2
;;   trap 0x2e: StackOverflow
;; -O2 function 1 $sum_mem
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x49
;;   10: xor eax, eax
;;   12: mov rsi, qword ptr [rdi + 0x38]
;;   16: mov rdi, rdx
;;   19: mov rdx, rax
;;   1c: mov rax, rcx
;;   1f: mov rcx, rdi
;;   22: nop word ptr [rax + rax]
;;   2b: nop dword ptr [rax + rax]
;;   30: mov edi, ecx
;;   32: mov rdi, qword ptr [rsi + rdi]
;;   36: lea rdx, [rdx + rdi]
;;   3a: lea ecx, [rcx + 8]
;;   3d: lea eax, [rax - 1]
;;   40: test eax, eax
;;   42: jne 0x30
;;   44: mov rax, rdx
;;   47: pop rbp
;;   48: ret
;;   49: ud2
;;   trap 0x32: HeapOutOfBounds
;;   trap 0x49: StackOverflow
