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
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x6d
;;   10: xor ecx, ecx
;;   12: mov rsi, qword ptr [rdi + 0x20]
;;   16: mov rax, qword ptr [rsi]
;;   19: mov r8, qword ptr [rdi + 0x28]
;;   1d: cmp rax, r8
;;   20: jae 0x4f
;;   22: mov r8, qword ptr [rdi + 0x38]
;;   26: mov r9, rcx
;;   29: mov rax, qword ptr [rsi]
;;   2c: mov r10, qword ptr [rdi + 0x28]
;;   30: cmp rax, r10
;;   33: jae 0x5e
;;   35: cmp r9d, edx
;;   38: jae 0x4a
;;   3a: mov eax, r9d
;;   3d: mov eax, dword ptr [r8 + rax*4]
;;   41: lea ecx, [rcx + rax]
;;   44: lea r9d, [r9 + 1]
;;   48: jmp 0x29
;;   4a: mov rax, rcx
;;   4d: pop rbp
;;   4e: ret
;;   4f: mov rax, qword ptr [rdi + 0x10]
;;   53: mov rax, qword ptr [rax + 0x88]
;;   5a: call rax
;;   5c: jmp 0x22
;;   5e: mov rax, qword ptr [rdi + 0x10]
;;   62: mov rax, qword ptr [rax + 0x88]
;;   69: call rax
;;   6b: jmp 0x35
;;   6d: ud2
;;   trap 0x3d: HeapOutOfBounds
;;   trap 0x6d: StackOverflow
