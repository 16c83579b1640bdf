;; global.get / global.set: defined globals live in the VMContext (one load or store at a
;; fixed offset); an imported global goes through the pointer stored in the VMContext.
(module
  (import "env" "g" (global $imported (mut i64)))
  (global $counter (mut i32) (i32.const 0))
  (global $k f64 (f64.const 2.5))
  (func $bump (export "bump") (result i32)
    global.get $counter i32.const 1 i32.add global.set $counter
    global.get $counter)
  (func $read_k (export "read_k") (result f64) global.get $k)
  (func $imported_rw (export "imported_rw") (param i64)
    global.get $imported local.get 0 i64.add global.set $imported))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $bump
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x1b
;;   10: mov eax, dword ptr [rdi + 0x40]
;;   13: lea eax, [rax + 1]
;;   16: mov dword ptr [rdi + 0x40], eax
;;   19: pop rbp
;;   1a: ret
;;   1b: ud2
;;   trap 0x1b: StackOverflow
;; -O2 function 1 $read_k
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x17
;;   10: movsd xmm0, qword ptr [rdi + 0x50]
;;   15: pop rbp
;;   16: ret
;;   17: ud2
;;   trap 0x17: StackOverflow
;; -O2 function 2 $imported_rw
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x20
;;   10: mov rax, qword ptr [rdi + 0x38]
;;   14: mov rcx, qword ptr [rax]
;;   17: lea rcx, [rcx + rdx]
;;   1b: mov qword ptr [rax], rcx
;;   1e: pop rbp
;;   1f: ret
;;   20: ud2
;;   trap 0x20: StackOverflow
