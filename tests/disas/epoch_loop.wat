;; Epoch interruption: the function entry and the loop header each compare the engine's epoch
;; (through its address, hoisted out of the loop) with the deadline the store mirrors into the
;; vmctx; the slow paths (the preserve-all new_epoch stub) are cold blocks after the hot code,
;; so the loop falls through its check and keeps its values in registers across it.
;; opt: O2
;; limits: epoch
(module
  (memory 1)
  (func $sum (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (block $done
      (loop $top
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (i32.add (local.get $s) (i32.load (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    (local.get $s)))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $sum
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x83
;;   11: mov rcx, qword ptr [rdi + 0x20]
;;   15: mov rax, qword ptr [rcx]
;;   18: cmp rax, qword ptr [rdi + 0x28]
;;   1c: jae 0x65
;;   1e: xor eax, eax
;;   20: mov rsi, qword ptr [rdi + 0x38]
;;   24: mov r9, rax
;;   27: mov r8, rax
;;   2a: nop word ptr [rax + rax]
;;   33: nop word ptr [rax + rax]
;;   3c: nop dword ptr [rax]
;;   40: mov rax, qword ptr [rcx]
;;   43: cmp rax, qword ptr [rdi + 0x28]
;;   47: jae 0x74
;;   49: cmp r9d, edx
;;   4c: jae 0x60
;;   4e: mov rax, r9
;;   51: shl eax, 2
;;   54: mov eax, dword ptr [rsi + rax]
;;   57: add r8d, eax
;;   5a: add r9d, 1
;;   5e: jmp 0x40
;;   60: mov rax, r8
;;   63: pop rbp
;;   64: ret
;;   65: mov rax, qword ptr [rdi + 0x10]
;;   69: mov rax, qword ptr [rax + 0x88]
;;   70: call rax
;;   72: jmp 0x1e
;;   74: mov rax, qword ptr [rdi + 0x10]
;;   78: mov rax, qword ptr [rax + 0x88]
;;   7f: call rax
;;   81: jmp 0x49
;;   83: ud2
;;   trap 0x54: HeapOutOfBounds
;;   trap 0x83: StackOverflow
