(module
  (func (param i32) (result i32)
    (block $b2 (block $b1 (block $b0 (br_table $b0 $b1 $b2 (local.get 0))))
      (return (i32.const 10)))
    (i32.const 20)))
