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
;;    e: jb 0x39
;;   10: xor eax, eax
;;   12: xor ecx, ecx
;;   14: mov rsi, rcx
;;   17: mov rcx, rax
;;   1a: mov rax, rsi
;;   1d: cmp ecx, edx
;;   1f: setae sil
;;   23: movzx esi, sil
;;   27: movzx esi, sil
;;   2b: test esi, esi
;;   2d: jne 0x37
;;   2f: lea eax, [rax + rcx]
;;   32: lea ecx, [rcx + 1]
;;   35: jmp 0x1d
;;   37: pop rbp
;;   38: ret
;;   39: ud2
;;   trap 0x39: StackOverflow
;; -O0 function 1 $sum_mem
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x3b
;;   10: xor eax, eax
;;   12: mov rsi, rdx
;;   15: mov rdx, rax
;;   18: mov rax, rcx
;;   1b: mov rcx, rsi
;;   1e: mov esi, ecx
;;   20: mov r8, qword ptr [rdi + 0x38]
;;   24: mov rsi, qword ptr [r8 + rsi]
;;   28: lea rdx, [rdx + rsi]
;;   2c: lea ecx, [rcx + 8]
;;   2f: lea eax, [rax - 1]
;;   32: test eax, eax
;;   34: jne 0x1e
;;   36: mov rax, rdx
;;   39: pop rbp
;;   3a: ret
;;   3b: ud2
;;   trap 0x24: HeapOutOfBounds
;;   trap 0x3b: StackOverflow
;; -O2 function 0 $sum_to
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x23
;;   10: xor eax, eax
;;   12: mov rcx, rax
;;   15: cmp ecx, edx
;;   17: jae 0x21
;;   19: lea eax, [rax + rcx]
;;   1c: lea ecx, [rcx + 1]
;;   1f: jmp 0x15
;;   21: pop rbp
;;   22: ret
;;   23: ud2
;;   trap 0x23: StackOverflow
;; -O2 function 1 $sum_mem
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x3b
;;   10: xor eax, eax
;;   12: mov rsi, qword ptr [rdi + 0x38]
;;   16: mov rdi, rdx
;;   19: mov rdx, rax
;;   1c: mov rax, rcx
;;   1f: mov rcx, rdi
;;   22: mov edi, ecx
;;   24: mov rdi, qword ptr [rsi + rdi]
;;   28: lea rdx, [rdx + rdi]
;;   2c: lea ecx, [rcx + 8]
;;   2f: lea eax, [rax - 1]
;;   32: test eax, eax
;;   34: jne 0x22
;;   36: mov rax, rdx
;;   39: pop rbp
;;   3a: ret
;;   3b: ud2
;;   trap 0x24: HeapOutOfBounds
;;   trap 0x3b: StackOverflow
