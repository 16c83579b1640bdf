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
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x7d
;;   11: xor eax, eax
;;   13: mov rcx, qword ptr [rdi + 8]
;;   17: mov rsi, qword ptr [rcx + 8]
;;   1b: test rsi, rsi
;;   1e: jge 0x43
;;   20: test rsi, rsi
;;   23: jge 0x5e
;;   25: add eax, 1
;;   28: lea rcx, [rsi + 8]
;;   2c: cmp eax, edx
;;   2e: jae 0x35
;;   30: mov rsi, rcx
;;   33: jmp 0x20
;;   35: lea rcx, [rsi + 9]
;;   39: mov rdx, qword ptr [rdi + 8]
;;   3d: mov qword ptr [rdx + 8], rcx
;;   41: pop rbp
;;   42: ret
;;   43: mov qword ptr [rcx + 8], rsi
;;   47: mov rcx, qword ptr [rdi + 0x10]
;;   4b: mov rcx, qword ptr [rcx + 0x80]
;;   52: call rcx
;;   54: mov rcx, qword ptr [rdi + 8]
;;   58: mov rsi, qword ptr [rcx + 8]
;;   5c: jmp 0x20
;;   5e: mov rcx, qword ptr [rdi + 8]
;;   62: mov qword ptr [rcx + 8], rsi
;;   66: mov rcx, qword ptr [rdi + 0x10]
;;   6a: mov rcx, qword ptr [rcx + 0x80]
;;   71: call rcx
;;   73: mov rcx, qword ptr [rdi + 8]
;;   77: mov rsi, qword ptr [rcx + 8]
;;   7b: jmp 0x25
;;   7d: ud2
;;   trap 0x7d: StackOverflow
