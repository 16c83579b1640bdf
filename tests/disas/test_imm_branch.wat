;; A branch on `x & K` with the `and` used nowhere else is one `test x, K` and the jump: the
;; and's result is never materialised (here the loop tests bit 2 of each element).
;; opt: O2
(module
  (memory 1)
  (func $count_flags (export "count_flags") (param $p i32) (param $n i32) (result i32)
    (local $c i32)
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get $n)))
        (if (i32.and (i32.load (local.get $p)) (i32.const 4))
          (then (local.set $c (i32.add (local.get $c) (i32.const 1)))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $top)))
    (local.get $c))
  (func $big (export "big") (param $x i64) (result i32)
    (if (result i32) (i64.ne (i64.and (local.get $x) (i64.const 0x40000000)) (i64.const 0))
      (then (i32.const 1)) (else (i32.const 2))))
  ;; The same through a compare with zero: `(x & K) == 0` branches with `test x, K; je|jne`,
  ;; and the and's result is never materialised.
  (func $clear (export "clear") (param $x i32) (result i32)
    (if (result i32) (i32.eqz (i32.and (local.get $x) (i32.const 0xf4)))
      (then (i32.const 3)) (else (i32.const 4))))
  (func $clear64 (export "clear64") (param $x i64) (result i32)
    (if (result i32) (i64.eq (i64.const 0) (i64.and (i64.const 3) (local.get $x)))
      (then (i32.const 5)) (else (i32.const 6)))))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $count_flags
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: xor eax, eax
;;    6: mov rsi, qword ptr [rdi + 0x38]
;;    a: nop word ptr [rax + rax]
;;   13: nop word ptr [rax + rax]
;;   1c: nop dword ptr [rax]
;;   20: test ecx, ecx
;;   22: je 0x3c
;;   24: mov edi, edx
;;   26: mov edi, dword ptr [rsi + rdi]
;;   29: test edi, 4
;;   2f: je 0x34
;;   31: add eax, 1
;;   34: add edx, 4
;;   37: add ecx, -1
;;   3a: jmp 0x20
;;   3c: pop rbp
;;   3d: ret
;;   trap 0x26: HeapOutOfBounds
;; -O2 function 1 $big
;;    0: test rdx, 0x40000000
;;    7: jne 0xf
;;    9: mov eax, 2
;;    e: ret
;;    f: mov eax, 1
;;   14: ret
;; -O2 function 2 $clear
;;    0: test edx, 0xf4
;;    6: je 0xe
;;    8: mov eax, 4
;;    d: ret
;;    e: mov eax, 3
;;   13: ret
;; -O2 function 3 $clear64
;;    0: test rdx, 3
;;    7: je 0xf
;;    9: mov eax, 6
;;    e: ret
;;    f: mov eax, 5
;;   14: ret
