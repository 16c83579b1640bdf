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
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x19
;;    d: mov eax, edx
;;    f: mov rcx, qword ptr [rdi + 0x38]
;;   13: mov eax, dword ptr [rcx + rax + 0x10]
;;   17: pop rbp
;;   18: ret
;;   19: ud2
;;   trap 0x13: HeapOutOfBounds
;;   trap 0x19: StackOverflow
;; -O2 function 1 $store_off
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x1d
;;    d: mov eax, edx
;;    f: mov rdx, qword ptr [rdi + 0x38]
;;   13: mov qword ptr [rdx + rax + 0x1000], rcx
;;   1b: pop rbp
;;   1c: ret
;;   1d: ud2
;;   trap 0x13: HeapOutOfBounds
;;   trap 0x1d: StackOverflow
;; -O2 function 2 $narrow
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x22
;;    d: mov eax, edx
;;    f: mov rcx, qword ptr [rdi + 0x38]
;;   13: movsx edx, byte ptr [rcx + rax + 1]
;;   18: movzx eax, word ptr [rcx + rax + 2]
;;   1d: lea eax, [rdx + rax]
;;   20: pop rbp
;;   21: ret
;;   22: ud2
;;   trap 0x13: HeapOutOfBounds
;;   trap 0x18: HeapOutOfBounds
;;   trap 0x22: StackOverflow
;; -O2 function 3 $indexed
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x1a
;;    d: lea eax, [rdx + rcx*4]
;;   10: mov rcx, qword ptr [rdi + 0x38]
;;   14: mov eax, dword ptr [rcx + rax + 8]
;;   18: pop rbp
;;   19: ret
;;   1a: ud2
;;   trap 0x14: HeapOutOfBounds
;;   trap 0x1a: StackOverflow
;; -O2 function 4 $copy_word
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x1f
;;    d: mov eax, ecx
;;    f: mov rcx, qword ptr [rdi + 0x38]
;;   13: mov eax, dword ptr [rcx + rax + 4]
;;   17: mov edx, edx
;;   19: mov dword ptr [rcx + rdx + 8], eax
;;   1d: pop rbp
;;   1e: ret
;;   1f: ud2
;;   trap 0x13: HeapOutOfBounds
;;   trap 0x19: HeapOutOfBounds
;;   trap 0x1f: StackOverflow
