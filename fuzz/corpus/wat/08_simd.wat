(module
  (func (param v128 v128) (result v128)
    (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31 (local.get 0) (local.get 1)))
  (func (result v128) (v128.const f32x4 1.5 -0 inf nan)))
