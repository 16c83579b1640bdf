;; i32 arithmetic with immediates: add/sub/and/or/xor/shift by constants fold into imm32
;; operands, `x * 8` and `x + y * 4 + 12` become shifts and one three-part `lea`.
;; opt: O0 O2
(module
  (func $add_imm (export "add_imm") (param i32) (result i32)
    local.get 0 i32.const 1000 i32.add)
  (func $mix (export "mix") (param i32 i32) (result i32)
    local.get 0 i32.const 0xff i32.and
    local.get 1 i32.const 3 i32.shl
    i32.xor
    i32.const -7 i32.sub)
  (func $lea (export "lea") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.const 4 i32.mul i32.add i32.const 12 i32.add)
  ;; x + y used twice: it is computed once, each use adds its constant to it.
  (func $lea_shared (export "lea_shared") (param i32 i32) (result i32)
    (local i32)
    (local.set 2 (i32.add (local.get 0) (local.get 1)))
    (i32.mul (i32.add (local.get 2) (i32.const 3)) (i32.add (local.get 2) (i32.const 5))))
  (func $mul_const (export "mul_const") (param i32) (result i32)
    local.get 0 i32.const 10 i32.mul)
  (func $rotl (export "rotl") (param i32) (result i32)
    local.get 0 i32.const 5 i32.rotl))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O0 function 0 $add_imm
;;    0: lea eax, [rdx + 0x3e8]
;;    6: ret
;; -O0 function 1 $mix
;;    0: and edx, 0xff
;;    6: shl ecx, 3
;;    9: xor edx, ecx
;;    b: lea eax, [rdx + 7]
;;    e: ret
;; -O0 function 2 $lea
;;    0: imul eax, ecx, 4
;;    3: lea eax, [rdx + rax + 0xc]
;;    7: ret
;; -O0 function 3 $lea_shared
;;    0: lea eax, [rdx + rcx]
;;    3: lea ecx, [rax + 3]
;;    6: add eax, 5
;;    9: imul ecx, eax
;;    c: mov rax, rcx
;;    f: ret
;; -O0 function 4 $mul_const
;;    0: imul eax, edx, 0xa
;;    3: ret
;; -O0 function 5 $rotl
;;    0: mov rax, rdx
;;    3: rol eax, 5
;;    6: ret
;; -O2 function 0 $add_imm
;;    0: lea eax, [rdx + 0x3e8]
;;    6: ret
;; -O2 function 1 $mix
;;    0: and edx, 0xff
;;    6: shl ecx, 3
;;    9: xor edx, ecx
;;    b: lea eax, [rdx + 7]
;;    e: ret
;; -O2 function 2 $lea
;;    0: lea eax, [rdx + rcx*4 + 0xc]
;;    4: ret
;; -O2 function 3 $lea_shared
;;    0: lea eax, [rdx + rcx]
;;    3: lea ecx, [rax + 3]
;;    6: add eax, 5
;;    9: imul ecx, eax
;;    c: mov rax, rcx
;;    f: ret
;; -O2 function 4 $mul_const
;;    0: imul eax, edx, 0xa
;;    3: ret
;; -O2 function 5 $rotl
;;    0: mov rax, rdx
;;    3: rol eax, 5
;;    6: ret
