;; memory.grow calls the memory_grow builtin through the builtins table of the VMContext
;; (the result narrowed to i32); memory.size reads current_length and shifts by the page size.
(module
  (memory 1 100)
  (func $grow (export "grow") (param i32) (result i32)
    local.get 0 memory.grow)
  (func $size (export "size") (result i32)
    memory.size))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $grow
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x1f
;;   10: mov edx, edx
;;   12: xor esi, esi
;;   14: mov rax, qword ptr [rdi + 0x10]
;;   18: mov rax, qword ptr [rax]
;;   1b: call rax
;;   1d: pop rbp
;;   1e: ret
;;   1f: ud2
;;   trap 0x1f: StackOverflow
;; -O2 function 1 $size
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x1a
;;   10: mov rax, qword ptr [rdi + 0x40]
;;   14: shr rax, 0x10
;;   18: pop rbp
;;   19: ret
;;   1a: ud2
;;   trap 0x1a: StackOverflow
