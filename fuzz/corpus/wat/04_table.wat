(module
  (type $t (func (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $a $b)
  (func $a (result i32) (i32.const 1))
  (func $b (result i32) (i32.const 2))
  (func (param i32) (result i32) (call_indirect (type $t) (local.get 0))))
