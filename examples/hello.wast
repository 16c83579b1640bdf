;; examples/hello.wast: a first script for `make run`: a module, and checks the validator and
;; parser must reject.
(module $hello
  (memory (export "memory") 1)
  (data (i32.const 0) "Hello, Kiln!\n")
  (func $add (export "add") (param $a i32) (param $b i32) (result i32)
    (i32.add (local.get $a) (local.get $b)))
  (func $fac (export "fac") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1))))))))

(assert_return (invoke "add" (i32.const 2) (i32.const 3)) (i32.const 5))
(assert_return (invoke "fac" (i64.const 10)) (i64.const 3628800))

(assert_invalid
  (module (func (result i32) (i64.const 1)))
  "type mismatch")
(assert_malformed
  (module quote "(func (i32.add2))")
  "unknown operator")
(assert_malformed
  (module binary "\00asm" "\02\00\00\00")
  "unknown binary version")
