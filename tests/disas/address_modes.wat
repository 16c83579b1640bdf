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
;;    4: mov eax, edx
;;    6: mov rcx, qword ptr [rdi + 0x38]
;;    a: mov eax, dword ptr [rcx + rax + 0x10]
;;    e: pop rbp
;;    f: ret
;;   trap 0xa: HeapOutOfBounds
;; -O2 function 1 $store_off
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov eax, edx
;;    6: mov rdx, qword ptr [rdi + 0x38]
;;    a: mov qword ptr [rdx + rax + 0x1000], rcx
;;   12: pop rbp
;;   13: ret
;;   trap 0xa: HeapOutOfBounds
;; -O2 function 2 $narrow
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov eax, edx
;;    6: mov rcx, qword ptr [rdi + 0x38]
;;    a: movsx edx, byte ptr [rcx + rax + 1]
;;    f: movzx eax, word ptr [rcx + rax + 2]
;;   14: add eax, edx
;;   16: pop rbp
;;   17: ret
;;   trap 0xa: HeapOutOfBounds
;;   trap 0xf: HeapOutOfBounds
;; -O2 function 3 $indexed
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: lea eax, [rdx + rcx*4]
;;    7: mov rcx, qword ptr [rdi + 0x38]
;;    b: mov eax, dword ptr [rcx + rax + 8]
;;    f: pop rbp
;;   10: ret
;;   trap 0xb: HeapOutOfBounds
;; -O2 function 4 $copy_word
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov eax, ecx
;;    6: mov rcx, qword ptr [rdi + 0x38]
;;    a: mov eax, dword ptr [rcx + rax + 4]
;;    e: mov edx, edx
;;   10: mov dword ptr [rcx + rdx + 8], eax
;;   14: pop rbp
;;   15: ret
;;   trap 0xa: HeapOutOfBounds
;;   trap 0x10: HeapOutOfBounds
