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
;;    b: jb 0x71
;;    d: mov rcx, qword ptr [rdi + 0x20]
;;   11: mov rax, qword ptr [rcx]
;;   14: cmp rax, qword ptr [rdi + 0x28]
;;   18: jae 0x53
;;   1a: xor eax, eax
;;   1c: mov rsi, qword ptr [rdi + 0x38]
;;   20: mov r9, rax
;;   23: mov r8, rax
;;   26: nop word ptr [rax + rax]
;;   2f: nop
;;   30: mov rax, qword ptr [rcx]
;;   33: cmp rax, qword ptr [rdi + 0x28]
;;   37: jae 0x62
;;   39: cmp r9d, edx
;;   3c: jae 0x4e
;;   3e: mov eax, r9d
;;   41: mov eax, dword ptr [rsi + rax*4]
;;   44: lea r8d, [r8 + rax]
;;   48: lea r9d, [r9 + 1]
;;   4c: jmp 0x30
;;   4e: mov rax, r8
;;   51: pop rbp
;;   52: ret
;;   53: mov rax, qword ptr [rdi + 0x10]
;;   57: mov rax, qword ptr [rax + 0x88]
;;   5e: call rax
;;   60: jmp 0x1a
;;   62: mov rax, qword ptr [rdi + 0x10]
;;   66: mov rax, qword ptr [rax + 0x88]
;;   6d: call rax
;;   6f: jmp 0x39
;;   71: ud2
;;   trap 0x41: HeapOutOfBounds
;;   trap 0x71: StackOverflow
