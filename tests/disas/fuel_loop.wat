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
;;    e: jb 0x8d
;;   14: xor eax, eax
;;   16: mov rcx, qword ptr [rdi + 8]
;;   1a: mov rsi, qword ptr [rcx + 8]
;;   1e: test rsi, rsi
;;   21: jge 0x53
;;   23: nop word ptr [rax + rax]
;;   2c: nop dword ptr [rax]
;;   30: test rsi, rsi
;;   33: jge 0x6e
;;   35: lea eax, [rax + 1]
;;   38: lea rcx, [rsi + 8]
;;   3c: cmp eax, edx
;;   3e: jae 0x45
;;   40: mov rsi, rcx
;;   43: jmp 0x30
;;   45: lea rcx, [rsi + 9]
;;   49: mov rdx, qword ptr [rdi + 8]
;;   4d: mov qword ptr [rdx + 8], rcx
;;   51: pop rbp
;;   52: ret
;;   53: mov qword ptr [rcx + 8], rsi
;;   57: mov rcx, qword ptr [rdi + 0x10]
;;   5b: mov rcx, qword ptr [rcx + 0x80]
;;   62: call rcx
;;   64: mov rcx, qword ptr [rdi + 8]
;;   68: mov rsi, qword ptr [rcx + 8]
;;   6c: jmp 0x30
;;   6e: mov rcx, qword ptr [rdi + 8]
;;   72: mov qword ptr [rcx + 8], rsi
;;   76: mov rcx, qword ptr [rdi + 0x10]
;;   7a: mov rcx, qword ptr [rcx + 0x80]
;;   81: call rcx
;;   83: mov rcx, qword ptr [rdi + 8]
;;   87: mov rsi, qword ptr [rcx + 8]
;;   8b: jmp 0x35
;;   8d: ud2
;;   trap 0x8d: StackOverflow
