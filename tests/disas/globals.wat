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
;;    0: mov eax, dword ptr [rdi + 0x40]
;;    3: add eax, 1
;;    6: mov dword ptr [rdi + 0x40], eax
;;    9: ret
;; -O2 function 1 $read_k
;;    0: movsd xmm0, qword ptr [rdi + 0x50]
;;    5: ret
;; -O2 function 2 $imported_rw
;;    0: mov rax, qword ptr [rdi + 0x38]
;;    4: mov rcx, qword ptr [rax]
;;    7: add rcx, rdx
;;    a: mov qword ptr [rax], rcx
;;    d: ret
