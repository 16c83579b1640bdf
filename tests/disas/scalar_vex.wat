;; With AVX, scalar float arithmetic takes its VEX form (`vmulsd d, a, b`): the result is a new
;; register, so an input that stays live after the operation (here x, used three times) is not
;; copied first. Without AVX (the other disas files) it is the two-address SSE form.
;; opt: O2
;; target: +avx
(module
  (func $poly (export "poly") (param $x f64) (param $y f32) (result f64)
    ;; x*x + x*3 - x/2, and a float computed alongside
    (f64.add
      (f64.sub (f64.add (f64.mul (local.get $x) (local.get $x))
                        (f64.mul (local.get $x) (f64.const 3)))
               (f64.div (local.get $x) (f64.const 2)))
      (f64.promote_f32 (f32.mul (local.get $y) (local.get $y))))))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $poly
;;    0: vmulsd xmm2, xmm0, xmm0
;;    4: movsd xmm3, qword ptr [rip + 0x34]
;;    c: vmulsd xmm3, xmm0, xmm3
;;   10: vaddsd xmm2, xmm2, xmm3
;;   14: movsd xmm3, qword ptr [rip + 0x34]
;;   1c: vdivsd xmm0, xmm0, xmm3
;;   20: vsubsd xmm0, xmm2, xmm0
;;   24: vmulss xmm1, xmm1, xmm1
;;   28: cvtss2sd xmm1, xmm1
;;   2c: vaddsd xmm0, xmm0, xmm1
;;   30: ret
;;   31: int3
;;   32: int3
;;   33: int3
;;   34: int3
;;   35: int3
;;   36: int3
;;   37: int3
;;   38: int3
;;   39: int3
;;   3a: int3
;;   3b: int3
;;   3c: int3
;;   3d: int3
;;   3e: int3
;;   3f: int3
;;   40: add byte ptr [rax], al
;;   42: add byte ptr [rax], al
;;   44: add byte ptr [rax], al
;;   46: or byte ptr [rax], al
;;   49: add byte ptr [rax], al
;;   4b: add byte ptr [rax], al
;;   4d: add byte ptr [rax], al
;;   4f: add byte ptr [rax], al
;;   51: add byte ptr [rax], al
;;   53: add byte ptr [rax], al
;;   55: add byte ptr [rax], al
;;   57: add byte ptr [rax], al
;;   5a: add byte ptr [rax], al
;;   5c: add byte ptr [rax], al
;;   5e: add byte ptr [rax], al
