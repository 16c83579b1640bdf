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
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x1c
;;    d: mov edx, edx
;;    f: xor esi, esi
;;   11: mov rax, qword ptr [rdi + 0x10]
;;   15: mov rax, qword ptr [rax]
;;   18: call rax
;;   1a: pop rbp
;;   1b: ret
;;   1c: ud2
;;   trap 0x1c: StackOverflow
;; -O2 function 1 $size
;;    0: mov rax, qword ptr [rdi + 0x40]
;;    4: shr rax, 0x10
;;    8: ret
