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
;;    4: mov rsi, rcx
;;    7: mov rcx, rax
;;    a: mov rax, rsi
;;    d: nop word ptr [rax + rax]
;;   16: nop word ptr [rax + rax]
;;   1f: nop
;;   20: cmp ecx, edx
;;   22: jae 0x2b
;;   24: add eax, ecx
;;   26: add ecx, 1
;;   29: jmp 0x20
;;   2b: ret
;; -O0 function 1 $sum_mem
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: xor eax, eax
;;    6: nop word ptr [rax + rax]
;;    f: nop word ptr [rax + rax]
;;   18: nop dword ptr [rax + rax]
;;   20: mov esi, edx
;;   22: mov r8, qword ptr [rdi + 0x38]
;;   26: mov rsi, qword ptr [r8 + rsi]
;;   2a: add rax, rsi
;;   2d: add edx, 8
;;   30: add ecx, -1
;;   33: test ecx, ecx
;;   35: jne 0x20
;;   37: pop rbp
;;   38: ret
;;   trap 0x26: HeapOutOfBounds
;; -O2 function 0 $sum_to
;;    0: xor eax, eax
;;    2: mov rcx, rax
;;    5: nop word ptr [rax + rax]
;;    e: nop word ptr [rax + rax]
;;   17: nop word ptr [rax + rax]
;;   20: cmp ecx, edx
;;   22: jae 0x2b
;;   24: add eax, ecx
;;   26: add ecx, 1
;;   29: jmp 0x20
;;   2b: ret
;; -O2 function 1 $sum_mem
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: xor eax, eax
;;    6: mov rsi, qword ptr [rdi + 0x38]
;;    a: nop word ptr [rax + rax]
;;   13: nop word ptr [rax + rax]
;;   1c: nop dword ptr [rax]
;;   20: mov edi, edx
;;   22: mov rdi, qword ptr [rsi + rdi]
;;   26: add rax, rdi
;;   29: add edx, 8
;;   2c: add ecx, -1
;;   2f: test ecx, ecx
;;   31: jne 0x20
;;   33: pop rbp
;;   34: ret
;;   trap 0x22: HeapOutOfBounds
