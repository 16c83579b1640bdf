;; `~x & y` (clang's i64.xor x, -1 then i64.and) is one BMI1 andn when the CPU has it, the
;; not's result being used nowhere else (Keccak's chi step is five of these per row).
;; opt: O2
;; target: +bmi1
(module
  (func $chi (export "chi") (param $a i64) (param $b i64) (param $c i64) (result i64)
    (i64.xor (local.get $a)
      (i64.and (i64.xor (local.get $b) (i64.const -1)) (local.get $c))))
  (func $chi32 (export "chi32") (param $a i32) (param $b i32) (result i32)
    (i32.and (local.get $a) (i32.xor (local.get $b) (i32.const -1)))))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $chi
;;    0: andn rax, rcx, r8
;;    5: xor rax, rdx
;;    8: ret
;; -O2 function 1 $chi32
;;    0: andn eax, ecx, edx
;;    5: ret
