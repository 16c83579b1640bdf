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
;;    0: xor eax, eax
;;    2: xor ecx, ecx
;;    4: nop word ptr [rax + rax]
;;    d: nop dword ptr [rax]
;;   10: cmp eax, edx
;;   12: jae 0x1c
;;   14: lea ecx, [rcx + rax]
;;   17: lea eax, [rax + 1]
;;   1a: jmp 0x10
;;   1c: mov rax, rcx
;;   1f: ret
;; -O0 function 1 $sum_mem
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x2a
;;    d: xor eax, eax
;;    f: nop
;;   10: mov esi, edx
;;   12: mov r8, qword ptr [rdi + 0x38]
;;   16: mov rsi, qword ptr [r8 + rsi]
;;   1a: lea rax, [rax + rsi]
;;   1e: lea edx, [rdx + 8]
;;   21: lea ecx, [rcx - 1]
;;   24: test ecx, ecx
;;   26: jne 0x10
;;   28: pop rbp
;;   29: ret
;;   2a: ud2
;;   trap 0x16: HeapOutOfBounds
;;   trap 0x2a: StackOverflow
;; -O2 function 0 $sum_to
;;    0: xor eax, eax
;;    2: mov rcx, rax
;;    5: nop word ptr [rax + rax]
;;    e: nop
;;   10: cmp ecx, edx
;;   12: jae 0x1c
;;   14: lea eax, [rax + rcx]
;;   17: lea ecx, [rcx + 1]
;;   1a: jmp 0x10
;;   1c: ret
;; -O2 function 1 $sum_mem
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x36
;;    d: xor eax, eax
;;    f: mov rsi, qword ptr [rdi + 0x38]
;;   13: nop word ptr [rax + rax]
;;   1c: nop dword ptr [rax]
;;   20: mov edi, edx
;;   22: mov rdi, qword ptr [rsi + rdi]
;;   26: lea rax, [rax + rdi]
;;   2a: lea edx, [rdx + 8]
;;   2d: lea ecx, [rcx - 1]
;;   30: test ecx, ecx
;;   32: jne 0x20
;;   34: pop rbp
;;   35: ret
;;   36: ud2
;;   trap 0x22: HeapOutOfBounds
;;   trap 0x36: StackOverflow
