(module
  (memory 1 2)
  (data (i32.const 8) "abc\00\ff")
  (func (param i32) (result i32) (i32.load8_u offset=3 (local.get 0)))
  (func (param i32 i64) (i64.store align=4 (local.get 0) (local.get 1))))
