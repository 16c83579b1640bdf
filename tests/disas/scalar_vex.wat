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
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x42
;;   10: vmulsd xmm2, xmm0, xmm0
;;   14: movsd xmm3, qword ptr [rip + 0x34]
;;   1c: vmulsd xmm3, xmm0, xmm3
;;   20: vaddsd xmm2, xmm2, xmm3
;;   24: movsd xmm3, qword ptr [rip + 0x34]
;;   2c: vdivsd xmm0, xmm0, xmm3
;;   30: vsubsd xmm0, xmm2, xmm0
;;   34: vmulss xmm1, xmm1, xmm1
;;   38: cvtss2sd xmm1, xmm1
;;   3c: vaddsd xmm0, xmm0, xmm1
;;   40: pop rbp
;;   41: ret
;;   42: ud2
;;   44: int3
;;   45: int3
;;   46: int3
;;   47: int3
;;   48: int3
;;   49: int3
;;   4a: int3
;;   4b: int3
;;   4c: int3
;;   4d: int3
;;   4e: int3
;;   4f: int3
;;   50: add byte ptr [rax], al
;;   52: add byte ptr [rax], al
;;   54: add byte ptr [rax], al
;;   56: or byte ptr [rax], al
;;   59: add byte ptr [rax], al
;;   5b: add byte ptr [rax], al
;;   5d: add byte ptr [rax], al
;;   5f: add byte ptr [rax], al
;;   61: add byte ptr [rax], al
;;   63: add byte ptr [rax], al
;;   65: add byte ptr [rax], al
;;   67: add byte ptr [rax], al
;;   6a: add byte ptr [rax], al
;;   6c: add byte ptr [rax], al
;;   6e: add byte ptr [rax], al
;;   trap 0x42: StackOverflow
