;; BMI2: a rotate by a constant is one `rorx d, a, k` (rotl k as rorx by width - k) and a 32/64-bit
;; shift by a register one `shlx/shrx/sarx d, a, amt`. Their results are new registers, so an
;; input that stays live (SipHash's and ChaCha's rounds keep theirs) needs no copy, and the count
;; needs no rcx. Rotates by a register keep `rol/ror d, cl` (BMI2 has no such form).
;; opt: O2
;; target: +bmi2
(module
  (func $sip_half (export "sip_half") (param $a i64) (param $b i64) (result i64)
    ;; a + rotl(a, 32) ^ rotl(b, 13): a stays live after its rotate
    (i64.xor (i64.add (local.get $a) (i64.rotl (local.get $a) (i64.const 32)))
             (i64.rotl (local.get $b) (i64.const 13))))
  (func $rotr32 (export "rotr32") (param $x i32) (result i32)
    (i32.add (local.get $x) (i32.rotr (local.get $x) (i32.const 7))))
  (func $shifts (export "shifts") (param $x i32) (param $n i32) (param $y i64) (param $m i64) (result i64)
    (i64.add
      (i64.extend_i32_u (i32.xor (i32.shl (local.get $x) (local.get $n)) (i32.shr_u (local.get $x) (local.get $n))))
      (i64.xor (i64.shr_s (local.get $y) (local.get $m)) (local.get $m))))
  (func $rot_var (export "rot_var") (param $x i32) (param $n i32) (result i32)
    (i32.rotl (local.get $x) (local.get $n))))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $sip_half
;;    0: rorx rax, rdx, 0x20
;;    6: add rax, rdx
;;    9: rorx rcx, rcx, 0x33
;;    f: xor rax, rcx
;;   12: ret
;; -O2 function 1 $rotr32
;;    0: rorx eax, edx, 7
;;    6: add eax, edx
;;    8: ret
;; -O2 function 2 $shifts
;;    0: shlx eax, edx, ecx
;;    5: shrx ecx, edx, ecx
;;    a: xor eax, ecx
;;    c: sarx rcx, r8, r9
;;   11: xor rcx, r9
;;   14: add rax, rcx
;;   17: ret
;; -O2 function 3 $rot_var
;;    0: mov rax, rdx
;;    3: rol eax, cl
;;    5: ret
