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
;;    e: jb 0x99
;;   14: xor eax, eax
;;   16: mov rcx, qword ptr [rdi + 8]
;;   1a: mov rsi, qword ptr [rcx + 8]
;;   1e: test rsi, rsi
;;   21: jge 0x56
;;   23: mov rcx, rax
;;   26: mov rax, rsi
;;   29: nop dword ptr [rax]
;;   30: test rax, rax
;;   33: jge 0x7a
;;   35: lea ecx, [rcx + 1]
;;   38: lea rsi, [rax + 8]
;;   3c: cmp ecx, edx
;;   3e: jae 0x45
;;   40: mov rax, rsi
;;   43: jmp 0x30
;;   45: lea rax, [rax + 9]
;;   49: mov rdx, qword ptr [rdi + 8]
;;   4d: mov qword ptr [rdx + 8], rax
;;   51: mov rax, rcx
;;   54: pop rbp
;;   55: ret
;;   56: mov qword ptr [rcx + 8], rsi
;;   5a: mov rcx, qword ptr [rdi + 0x10]
;;   5e: mov rcx, qword ptr [rcx + 0x80]
;;   65: call rcx
;;   67: mov rcx, qword ptr [rdi + 8]
;;   6b: mov rcx, qword ptr [rcx + 8]
;;   6f: mov rsi, rcx
;;   72: mov rcx, rax
;;   75: mov rax, rsi
;;   78: jmp 0x30
;;   7a: mov rsi, qword ptr [rdi + 8]
;;   7e: mov qword ptr [rsi + 8], rax
;;   82: mov rax, qword ptr [rdi + 0x10]
;;   86: mov rax, qword ptr [rax + 0x80]
;;   8d: call rax
;;   8f: mov rax, qword ptr [rdi + 8]
;;   93: mov rax, qword ptr [rax + 8]
;;   97: jmp 0x35
;;   99: ud2
;;   trap 0x99: StackOverflow
