;; Fuel metering: the fuel counter lives in a register in the loop, charged once per
;; straight-line run (one add per iteration) and checked at the loop header; the out_of_gas
;; slow path is a cold block after the hot code.
;; opt: O2
;; limits: fuel
(module
  (func $count (export "count") (param $n i32) (result i32) (local $i i32)
    (loop $top
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $top (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i)))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $count
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x92
;;   14: xor eax, eax
;;   16: mov rcx, qword ptr [rdi + 8]
;;   1a: mov rsi, qword ptr [rcx + 8]
;;   1e: test rsi, rsi
;;   21: jge 0x4f
;;   23: mov rcx, rax
;;   26: mov rax, rsi
;;   29: test rax, rax
;;   2c: jge 0x73
;;   2e: lea ecx, [rcx + 1]
;;   31: lea rsi, [rax + 8]
;;   35: cmp ecx, edx
;;   37: jae 0x3e
;;   39: mov rax, rsi
;;   3c: jmp 0x29
;;   3e: lea rax, [rax + 9]
;;   42: mov rdx, qword ptr [rdi + 8]
;;   46: mov qword ptr [rdx + 8], rax
;;   4a: mov rax, rcx
;;   4d: pop rbp
;;   4e: ret
;;   4f: mov qword ptr [rcx + 8], rsi
;;   53: mov rcx, qword ptr [rdi + 0x10]
;;   57: mov rcx, qword ptr [rcx + 0x80]
;;   5e: call rcx
;;   60: mov rcx, qword ptr [rdi + 8]
;;   64: mov rcx, qword ptr [rcx + 8]
;;   68: mov rsi, rax
;;   6b: mov rax, rcx
;;   6e: mov rcx, rsi
;;   71: jmp 0x29
;;   73: mov rsi, qword ptr [rdi + 8]
;;   77: mov qword ptr [rsi + 8], rax
;;   7b: mov rax, qword ptr [rdi + 0x10]
;;   7f: mov rax, qword ptr [rax + 0x80]
;;   86: call rax
;;   88: mov rax, qword ptr [rdi + 8]
;;   8c: mov rax, qword ptr [rax + 8]
;;   90: jmp 0x2e
;;   92: ud2
;;   trap 0x92: StackOverflow
