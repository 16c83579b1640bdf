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
;;    4: mov eax, edx
;;    6: mov rsi, qword ptr [rdi + 0x38]
;;    a: movzx eax, byte ptr [rsi + rax]
;;    e: test eax, eax
;;   10: cmovne edx, ecx
;;   13: sete al
;;   16: movzx eax, al
;;   19: add eax, edx
;;   1b: pop rbp
;;   1c: ret
;;   trap 0xa: HeapOutOfBounds
;; -O2 function 1 $gt_u
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov eax, edx
;;    6: mov rdx, qword ptr [rdi + 0x38]
;;    a: movzx esi, byte ptr [rdx + rax]
;;    e: mov ecx, ecx
;;   10: movzx edi, byte ptr [rdx + rcx]
;;   14: cmp esi, edi
;;   16: je 0x20
;;   18: seta al
;;   1b: movzx eax, al
;;   1e: pop rbp
;;   1f: ret
;;   20: movzx eax, byte ptr [rdx + rax + 1]
;;   25: movzx ecx, byte ptr [rdx + rcx + 1]
;;   2a: cmp eax, ecx
;;   2c: seta al
;;   2f: movzx eax, al
;;   32: pop rbp
;;   33: ret
;;   trap 0xa: HeapOutOfBounds
;;   trap 0x10: HeapOutOfBounds
;;   trap 0x20: HeapOutOfBounds
;;   trap 0x25: HeapOutOfBounds
