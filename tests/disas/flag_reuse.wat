;; Flag reuse: a select and a compare-to-bool of the same condition, lowered next to each other,
;; share one `test`: the cmov and the setcc both read the flags of the first (sieve's counting
;; loop: `largest = c ? largest : i; count += !c`). The compared register is the setcc's
;; destination here, which is fine (the compare was made before it is written).
;; opt: O2
(module
  (memory 1)
  (func $count_zero (export "count_zero") (param $p i32) (param $x i32) (result i32)
    (local $v i32)
    (local.set $v (i32.load8_u (local.get $p)))
    (i32.add
      (select (local.get $x) (local.get $p) (local.get $v))
      (i32.eqz (local.get $v)))))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $count_zero
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x27
;;    d: mov eax, edx
;;    f: mov rsi, qword ptr [rdi + 0x38]
;;   13: movzx eax, byte ptr [rsi + rax]
;;   17: test eax, eax
;;   19: cmovne edx, ecx
;;   1c: sete al
;;   1f: movzx eax, al
;;   22: lea eax, [rdx + rax]
;;   25: pop rbp
;;   26: ret
;;   27: ud2
;;   trap 0x13: HeapOutOfBounds
;;   trap 0x27: StackOverflow
