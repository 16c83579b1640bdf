;; Loads and stores with offsets: a static 32-bit memory (4 GiB reservation + guard) needs no
;; bounds check; the memory base is loaded from the VMContext, the 32-bit index zero-extended,
;; and the offset folded into the address mode. Narrow loads sign/zero-extend in one insn.
(module
  (memory 1)
  (func $load_off (export "load_off") (param i32) (result i32)
    local.get 0 i32.load offset=16)
  (func $store_off (export "store_off") (param i32 i64)
    local.get 0 local.get 1 i64.store offset=0x1000)
  (func $narrow (export "narrow") (param i32) (result i32)
    local.get 0 i32.load8_s offset=1
    local.get 0 i32.load16_u offset=2
    i32.add)
  (func $indexed (export "indexed") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.const 2 i32.shl i32.add i32.load offset=8)
  (func $copy_word (export "copy_word") (param i32 i32)
    local.get 0 local.get 1 i32.load offset=4 i32.store offset=8))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $load_off
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x1c
;;   10: mov eax, edx
;;   12: mov rcx, qword ptr [rdi + 0x38]
;;   16: mov eax, dword ptr [rcx + rax + 0x10]
;;   1a: pop rbp
;;   1b: ret
;;   1c: ud2
;;   trap 0x16: HeapOutOfBounds
;;   trap 0x1c: StackOverflow
;; -O2 function 1 $store_off
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x20
;;   10: mov eax, edx
;;   12: mov rdx, qword ptr [rdi + 0x38]
;;   16: mov qword ptr [rdx + rax + 0x1000], rcx
;;   1e: pop rbp
;;   1f: ret
;;   20: ud2
;;   trap 0x16: HeapOutOfBounds
;;   trap 0x20: StackOverflow
;; -O2 function 2 $narrow
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x25
;;   10: mov eax, edx
;;   12: mov rcx, qword ptr [rdi + 0x38]
;;   16: movsx edx, byte ptr [rcx + rax + 1]
;;   1b: movzx eax, word ptr [rcx + rax + 2]
;;   20: lea eax, [rdx + rax]
;;   23: pop rbp
;;   24: ret
;;   25: ud2
;;   trap 0x16: HeapOutOfBounds
;;   trap 0x1b: HeapOutOfBounds
;;   trap 0x25: StackOverflow
;; -O2 function 3 $indexed
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x1d
;;   10: lea eax, [rdx + rcx*4]
;;   13: mov rcx, qword ptr [rdi + 0x38]
;;   17: mov eax, dword ptr [rcx + rax + 8]
;;   1b: pop rbp
;;   1c: ret
;;   1d: ud2
;;   trap 0x17: HeapOutOfBounds
;;   trap 0x1d: StackOverflow
;; -O2 function 4 $copy_word
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x22
;;   10: mov eax, ecx
;;   12: mov rcx, qword ptr [rdi + 0x38]
;;   16: mov eax, dword ptr [rcx + rax + 4]
;;   1a: mov edx, edx
;;   1c: mov dword ptr [rcx + rdx + 8], eax
;;   20: pop rbp
;;   21: ret
;;   22: ud2
;;   trap 0x16: HeapOutOfBounds
;;   trap 0x1c: HeapOutOfBounds
;;   trap 0x22: StackOverflow
