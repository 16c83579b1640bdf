;; Flag reuse: a select and a compare-to-bool of the same condition, lowered next to each other,
;; share one `test`: the cmov and the setcc both read the flags of the first (sieve's counting
;; loop: `largest = c ? largest : i; count += !c`). The compared register is the setcc's
;; destination here, which is fine (the compare was made before it is written).
;; Across blocks: a block reached only from the branch before it keeps that branch's flags, so
;; bz2's mainGtU step `if (c1 != c2) return c1 > c2;` is one cmp for the je and the seta.
;; opt: O2
(module
  (memory 1)
  (func $count_zero (export "count_zero") (param $p i32) (param $x i32) (result i32)
    (local $v i32)
    (local.set $v (i32.load8_u (local.get $p)))
    (i32.add
      (select (local.get $x) (local.get $p) (local.get $v))
      (i32.eqz (local.get $v))))
  (func $gt_u (export "gt_u") (param $p i32) (param $q i32) (result i32)
    (local $a i32) (local $b i32)
    (local.set $a (i32.load8_u (local.get $p)))
    (local.set $b (i32.load8_u (local.get $q)))
    (block $same
      (br_if $same (i32.eq (local.get $a) (local.get $b)))
      (return (i32.gt_u (local.get $a) (local.get $b))))
    (local.set $a (i32.load8_u offset=1 (local.get $p)))
    (local.set $b (i32.load8_u offset=1 (local.get $q)))
    (i32.gt_u (local.get $a) (local.get $b))))

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
;; -O2 function 1 $gt_u
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x3d
;;    d: mov eax, edx
;;    f: mov rdx, qword ptr [rdi + 0x38]
;;   13: movzx esi, byte ptr [rdx + rax]
;;   17: mov ecx, ecx
;;   19: movzx edi, byte ptr [rdx + rcx]
;;   1d: cmp esi, edi
;;   1f: je 0x29
;;   21: seta al
;;   24: movzx eax, al
;;   27: pop rbp
;;   28: ret
;;   29: movzx eax, byte ptr [rdx + rax + 1]
;;   2e: movzx ecx, byte ptr [rdx + rcx + 1]
;;   33: cmp eax, ecx
;;   35: seta al
;;   38: movzx eax, al
;;   3b: pop rbp
;;   3c: ret
;;   3d: ud2
;;   trap 0x13: HeapOutOfBounds
;;   trap 0x19: HeapOutOfBounds
;;   trap 0x29: HeapOutOfBounds
;;   trap 0x2e: HeapOutOfBounds
;;   trap 0x3d: StackOverflow
